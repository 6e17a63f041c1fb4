/* cs-decision-panel.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n.h>

#include "cs-decision-panel.h"

#define MAX_LABEL_KEYS 9
/* Enough to choose from at a glance. */
#define MAX_PHRASES 12

struct _CsDecisionPanel
{
  AdwBin            parent_instance;

  char             *predicted;
  char            **labels;
  char             *label;
  CsPolicy          policy;
  gboolean          updating;
  /* Blind-first review: waiting for the reviewer's own label, and that label. */
  gboolean          judging_first;
  char             *initial_label;
  /* Two-person rule: the decision a second reviewer countersigns. */
  char             *countersigns;

  GtkLabel         *judgement_label;
  GtkToggleButton  *agree_toggle;
  GtkToggleButton  *accept_toggle;
  GtkToggleButton  *override_toggle;
  GtkToggleButton  *reject_toggle;
  GtkToggleButton  *escalate_toggle;
  GtkMenuButton    *phrases_button;
  GtkFlowBox       *labels_box;
  GtkLabel         *rationale_hint;
  GtkTextView      *rationale_view;
  GtkLabel         *error_label;
  GtkWidget        *submit_button;
  GSettings        *settings;
  GSimpleAction    *keep_action;
};

G_DEFINE_FINAL_TYPE (CsDecisionPanel, cs_decision_panel, ADW_TYPE_BIN)

enum {
  SUBMIT,
  JUDGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

enum {
  PROP_0,
  PROP_JUDGING_FIRST,
  PROP_INITIAL_LABEL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
submit_clicked_cb (CsDecisionPanel *self)
{
  g_signal_emit (self, signals[SUBMIT], 0);
}

static GtkToggleButton *
toggle_for (CsDecisionPanel *self,
            CsAction         action)
{
  switch (action)
    {
    case CS_ACTION_OVERRIDE: return self->override_toggle;
    case CS_ACTION_REJECT: return self->reject_toggle;
    case CS_ACTION_ESCALATE: return self->escalate_toggle;
    case CS_ACTION_AGREE: return self->agree_toggle;
    case CS_ACTION_ACCEPT:
    default: return self->accept_toggle;
    }
}

CsAction
cs_decision_panel_get_action (CsDecisionPanel *self)
{
  g_return_val_if_fail (CS_IS_DECISION_PANEL (self), CS_ACTION_ACCEPT);

  if (gtk_toggle_button_get_active (self->override_toggle))
    return CS_ACTION_OVERRIDE;
  if (gtk_toggle_button_get_active (self->reject_toggle))
    return CS_ACTION_REJECT;
  if (gtk_toggle_button_get_active (self->escalate_toggle))
    return CS_ACTION_ESCALATE;
  if (gtk_toggle_button_get_active (self->agree_toggle))
    return CS_ACTION_AGREE;
  return CS_ACTION_ACCEPT;
}

static guint
rationale_length (CsDecisionPanel *self)
{
  g_autofree char *text = cs_decision_panel_dup_rationale (self);

  return (guint) g_utf8_strlen (text, -1);
}

/* The rule for the chosen action, and how far the rationale is from meeting it. */
static void
update_hint (CsDecisionPanel *self)
{
  CsAction action = cs_decision_panel_get_action (self);
  g_autofree char *hint = NULL;
  guint have = rationale_length (self);
  guint need = self->policy.min_rationale_chars;

  if (!cs_policy_requires_rationale (&self->policy, action))
    hint = g_strdup (_("Rationale (optional for this decision)"));
  else if (need > 0 && have < need)
    hint = g_strdup_printf (ngettext ("Rationale required: at least %u character (%u so far)",
                                      "Rationale required: at least %u characters (%u so far)", need),
                            need, have);
  else
    hint = g_strdup (_("Rationale required"));
  gtk_label_set_label (self->rationale_hint, hint);
}

static void
update_labels_box (CsDecisionPanel *self)
{
  gboolean overriding = cs_decision_panel_get_action (self) == CS_ACTION_OVERRIDE;
  GtkWidget *child;

  gtk_widget_set_visible (GTK_WIDGET (self->labels_box), overriding || self->judging_first);
  for (child = gtk_widget_get_first_child (GTK_WIDGET (self->labels_box));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *button = gtk_flow_box_child_get_child (GTK_FLOW_BOX_CHILD (child));
      const char *label = g_object_get_data (G_OBJECT (button), "cs-label");

      self->updating = TRUE;
      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (button),
                                    !self->judging_first && overriding && g_strcmp0 (label, self->label) == 0);
      self->updating = FALSE;
      /* While the reviewer judges blind every label is offered: greying out
       * the model's own would give its answer away. */
      gtk_widget_set_sensitive (button, self->judging_first || g_strcmp0 (label, self->predicted) != 0);
    }
}

/* What is asked of the reviewer, and what can be done yet. */
static void
update_judgement (CsDecisionPanel *self)
{
  GtkToggleButton *actions[] = { self->accept_toggle, self->override_toggle, self->reject_toggle,
                                 self->escalate_toggle, self->agree_toggle };

  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    gtk_widget_set_sensitive (GTK_WIDGET (actions[i]), !self->judging_first);
  gtk_widget_set_sensitive (GTK_WIDGET (self->submit_button), !self->judging_first);

  if (self->judging_first)
    {
      gtk_label_set_label (self->judgement_label,
                           _("Your judgement first: choose the label you see (keys 1–9). "
                             "The model’s answer is shown once you have."));
      gtk_widget_add_css_class (GTK_WIDGET (self->judgement_label), "asking");
    }
  else if (self->initial_label != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Your first judgement: %s"), self->initial_label);

      gtk_label_set_label (self->judgement_label, text);
      gtk_widget_remove_css_class (GTK_WIDGET (self->judgement_label), "asking");
    }
  gtk_widget_set_visible (GTK_WIDGET (self->judgement_label), self->judging_first || self->initial_label != NULL);
}

void
cs_decision_panel_set_action (CsDecisionPanel *self,
                              CsAction         action)
{
  g_return_if_fail (CS_IS_DECISION_PANEL (self));

  /* No decision before the reviewer's own judgement; and Agree only where a
   * first decision waits for this reviewer. */
  if (self->judging_first)
    return;
  if (action == CS_ACTION_AGREE && !gtk_widget_get_visible (GTK_WIDGET (self->agree_toggle)))
    return;
  gtk_toggle_button_set_active (toggle_for (self, action), TRUE);
}

static void
action_toggled_cb (CsDecisionPanel *self)
{
  if (cs_decision_panel_get_action (self) != CS_ACTION_OVERRIDE)
    g_clear_pointer (&self->label, g_free);
  gtk_label_set_label (self->error_label, "");
  update_labels_box (self);
  update_hint (self);
}

static void
set_label (CsDecisionPanel *self,
           const char      *label)
{
  char *copy = g_strdup (label);

  g_free (self->label);
  self->label = copy;
}

gboolean
cs_decision_panel_choose_label (CsDecisionPanel *self,
                                guint            index)
{
  g_return_val_if_fail (CS_IS_DECISION_PANEL (self), FALSE);

  if (self->labels == NULL || index >= g_strv_length (self->labels))
    return FALSE;

  /* Blind first, a label is the reviewer's own judgement, not a decision:
   * the case view records it and then reveals the model's answer. */
  if (self->judging_first)
    {
      gtk_label_set_label (self->error_label, "");
      g_signal_emit (self, signals[JUDGED], 0, self->labels[index]);
      update_labels_box (self);
      return TRUE;
    }

  if (g_strcmp0 (self->labels[index], self->predicted) == 0)
    {
      cs_decision_panel_set_action (self, CS_ACTION_ACCEPT);
      return TRUE;
    }

  /* The action first: leaving another action clears the label. */
  cs_decision_panel_set_action (self, CS_ACTION_OVERRIDE);
  set_label (self, self->labels[index]);
  update_labels_box (self);
  update_hint (self);
  return TRUE;
}

static void
label_toggled_cb (GtkToggleButton *button,
                  CsDecisionPanel *self)
{
  if (self->updating || !gtk_toggle_button_get_active (button))
    return;
  cs_decision_panel_choose_label (self, GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "cs-index")));
}

const char *
cs_decision_panel_get_label (CsDecisionPanel *self)
{
  g_return_val_if_fail (CS_IS_DECISION_PANEL (self), NULL);
  return cs_decision_panel_get_action (self) == CS_ACTION_OVERRIDE ? self->label : NULL;
}

char *
cs_decision_panel_dup_rationale (CsDecisionPanel *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->rationale_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return g_strstrip (gtk_text_buffer_get_text (buffer, &start, &end, FALSE));
}

void
cs_decision_panel_set_rationale (CsDecisionPanel *self,
                                 const char      *text)
{
  g_return_if_fail (CS_IS_DECISION_PANEL (self));
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->rationale_view), text, -1);
}

void
cs_decision_panel_focus_rationale (CsDecisionPanel *self)
{
  g_return_if_fail (CS_IS_DECISION_PANEL (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->rationale_view));
}

void
cs_decision_panel_set_error (CsDecisionPanel *self,
                             const char      *message)
{
  g_return_if_fail (CS_IS_DECISION_PANEL (self));
  gtk_label_set_label (self->error_label, message ? message : "");
}

void
cs_decision_panel_set_case (CsDecisionPanel *self,
                            CsCase          *kase,
                            gboolean         decidable)
{
  const char * const *labels;
  GtkWidget *child;

  g_return_if_fail (CS_IS_DECISION_PANEL (self));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->labels_box))) != NULL)
    gtk_flow_box_remove (self->labels_box, child);
  g_clear_pointer (&self->labels, g_strfreev);
  g_clear_pointer (&self->predicted, g_free);
  g_clear_pointer (&self->label, g_free);
  g_clear_pointer (&self->initial_label, g_free);
  g_clear_pointer (&self->countersigns, g_free);
  self->judging_first = FALSE;
  gtk_widget_set_visible (GTK_WIDGET (self->agree_toggle), FALSE);
  cs_policy_init_default (&self->policy);

  if (kase != NULL)
    {
      labels = cs_case_get_labels (kase);
      self->labels = g_strdupv ((char **) labels);
      self->predicted = g_strdup (cs_case_get_predicted_label (kase));
      self->policy = *cs_case_get_policy (kase);

      for (guint i = 0; labels[i] != NULL; i++)
        {
          g_autofree char *text = i < MAX_LABEL_KEYS ? g_strdup_printf ("%u  %s", i + 1, labels[i])
                                                     : g_strdup (labels[i]);
          GtkWidget *button = gtk_toggle_button_new_with_label (text);

          g_object_set_data_full (G_OBJECT (button), "cs-label", g_strdup (labels[i]), g_free);
          g_object_set_data (G_OBJECT (button), "cs-index", GUINT_TO_POINTER (i));
          gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, labels[i], -1);
          g_signal_connect (button, "toggled", G_CALLBACK (label_toggled_cb), self);
          gtk_flow_box_append (self->labels_box, button);
        }
    }

  cs_decision_panel_set_rationale (self, "");
  cs_decision_panel_set_error (self, NULL);
  cs_decision_panel_set_action (self, CS_ACTION_ACCEPT);
  action_toggled_cb (self);
  update_judgement (self);
  gtk_widget_set_sensitive (GTK_WIDGET (self), kase != NULL && decidable);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_JUDGING_FIRST]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INITIAL_LABEL]);
}

void
cs_decision_panel_set_judging_first (CsDecisionPanel *self,
                                     gboolean         judging_first)
{
  g_return_if_fail (CS_IS_DECISION_PANEL (self));

  judging_first = !!judging_first;
  if (self->judging_first == judging_first)
    return;
  self->judging_first = judging_first;
  if (judging_first)
    {
      gtk_toggle_button_set_active (self->accept_toggle, TRUE);
      g_clear_pointer (&self->label, g_free);
    }
  update_labels_box (self);
  update_judgement (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_JUDGING_FIRST]);
}

gboolean
cs_decision_panel_get_judging_first (CsDecisionPanel *self)
{
  g_return_val_if_fail (CS_IS_DECISION_PANEL (self), FALSE);
  return self->judging_first;
}

void
cs_decision_panel_set_initial_label (CsDecisionPanel *self,
                                     const char      *label)
{
  gboolean fresh;

  g_return_if_fail (CS_IS_DECISION_PANEL (self));

  fresh = label != NULL && (self->judging_first || self->initial_label == NULL);
  if (g_strcmp0 (self->initial_label, label) != 0)
    {
      g_free (self->initial_label);
      self->initial_label = g_strdup (label);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INITIAL_LABEL]);
    }
  if (label != NULL && self->judging_first)
    {
      self->judging_first = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_JUDGING_FIRST]);
    }
  /* The reviewer's own judgement as the starting point, whether just made or
   * found again: accept when it is the model's label, else an override to it. */
  if (fresh && self->labels != NULL)
    for (guint i = 0; self->labels[i] != NULL; i++)
      if (g_str_equal (self->labels[i], label))
        cs_decision_panel_choose_label (self, i);
  update_labels_box (self);
  update_judgement (self);
}

const char *
cs_decision_panel_get_initial_label (CsDecisionPanel *self)
{
  g_return_val_if_fail (CS_IS_DECISION_PANEL (self), NULL);
  return self->initial_label;
}

void
cs_decision_panel_set_countersigns (CsDecisionPanel *self,
                                    const char      *decision_id,
                                    gboolean         may_agree)
{
  g_return_if_fail (CS_IS_DECISION_PANEL (self));

  g_free (self->countersigns);
  self->countersigns = g_strdup (decision_id);
  gtk_widget_set_visible (GTK_WIDGET (self->agree_toggle), decision_id != NULL && may_agree);
  if (decision_id != NULL && may_agree)
    cs_decision_panel_set_action (self, CS_ACTION_AGREE);
  else if (gtk_toggle_button_get_active (self->agree_toggle))
    cs_decision_panel_set_action (self, CS_ACTION_ACCEPT);
}

const char *
cs_decision_panel_get_countersigns (CsDecisionPanel *self)
{
  g_return_val_if_fail (CS_IS_DECISION_PANEL (self), NULL);
  return self->countersigns;
}

static void
phrase_activated (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  CsDecisionPanel *self = user_data;
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->rationale_view);
  GtkTextIter end;
  g_autofree char *current = cs_decision_panel_dup_rationale (self);

  gtk_text_buffer_get_end_iter (buffer, &end);
  if (*current != '\0')
    gtk_text_buffer_insert (buffer, &end, " ", -1);
  gtk_text_buffer_insert (buffer, &end, g_variant_get_string (parameter, NULL), -1);
  cs_decision_panel_focus_rationale (self);
}

/* The reviewer's own phrases: kept in their settings, newest last. */
static void
rebuild_phrases (CsDecisionPanel *self)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenu) phrases_section = g_menu_new ();
  g_autoptr(GMenu) keep_section = g_menu_new ();
  g_autoptr(GMenu) forget_menu = g_menu_new ();
  g_auto(GStrv) phrases = NULL;

  if (self->settings == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->phrases_button), FALSE);
      return;
    }

  phrases = g_settings_get_strv (self->settings, "quick-rationales");
  for (guint i = 0; phrases[i] != NULL; i++)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (phrases[i], NULL);
      g_autoptr(GMenuItem) forget = g_menu_item_new (phrases[i], NULL);

      g_menu_item_set_action_and_target_value (item, "panel.phrase", g_variant_new_string (phrases[i]));
      g_menu_append_item (phrases_section, item);
      g_menu_item_set_action_and_target_value (forget, "panel.forget-phrase", g_variant_new_string (phrases[i]));
      g_menu_append_item (forget_menu, forget);
    }
  g_menu_append_section (menu, NULL, G_MENU_MODEL (phrases_section));
  g_menu_append (keep_section, _("_Keep This Rationale as a Phrase"), "panel.keep-phrase");
  if (phrases[0] != NULL)
    g_menu_append_submenu (keep_section, _("_Forget a Phrase"), G_MENU_MODEL (forget_menu));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (keep_section));
  gtk_menu_button_set_menu_model (self->phrases_button, G_MENU_MODEL (menu));
  gtk_widget_set_visible (GTK_WIDGET (self->phrases_button), TRUE);
}

static void
update_keep_action (CsDecisionPanel *self)
{
  g_autofree char *current = cs_decision_panel_dup_rationale (self);

  g_simple_action_set_enabled (self->keep_action, *g_strstrip (current) != '\0');
}

gboolean
cs_decision_panel_keep_phrase (CsDecisionPanel *self)
{
  g_autofree char *current = NULL;
  g_auto(GStrv) phrases = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) kept = NULL;
  guint n, first;

  g_return_val_if_fail (CS_IS_DECISION_PANEL (self), FALSE);

  current = cs_decision_panel_dup_rationale (self);
  if (self->settings == NULL || *g_strstrip (current) == '\0')
    return FALSE;

  phrases = g_settings_get_strv (self->settings, "quick-rationales");
  if (g_strv_contains ((const char * const *) phrases, current))
    return TRUE;
  /* The oldest phrase makes room for the newest. */
  n = g_strv_length (phrases);
  first = n + 1 > MAX_PHRASES ? n + 1 - MAX_PHRASES : 0;
  for (guint i = first; i < n; i++)
    g_strv_builder_add (builder, phrases[i]);
  g_strv_builder_add (builder, current);
  kept = g_strv_builder_end (builder);
  return g_settings_set_strv (self->settings, "quick-rationales", (const char * const *) kept);
}

static void
keep_phrase_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  cs_decision_panel_keep_phrase (CS_DECISION_PANEL (user_data));
}

static void
forget_phrase_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  CsDecisionPanel *self = user_data;
  const char *phrase = g_variant_get_string (parameter, NULL);
  g_auto(GStrv) phrases = g_settings_get_strv (self->settings, "quick-rationales");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) kept = NULL;

  for (guint i = 0; phrases[i] != NULL; i++)
    if (!g_str_equal (phrases[i], phrase))
      g_strv_builder_add (builder, phrases[i]);
  kept = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "quick-rationales", (const char * const *) kept);
}

/* The quick phrases come from the reviewer's settings, when the schema is there. */
static void
setup_phrases (CsDecisionPanel *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = source ? g_settings_schema_source_lookup (source, "io.github.countersign.Countersign", TRUE) : NULL;
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr(GSimpleAction) action = g_simple_action_new ("phrase", G_VARIANT_TYPE_STRING);
  g_autoptr(GSimpleAction) forget = g_simple_action_new ("forget-phrase", G_VARIANT_TYPE_STRING);

  g_signal_connect (action, "activate", G_CALLBACK (phrase_activated), self);
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (action));
  g_signal_connect (forget, "activate", G_CALLBACK (forget_phrase_activated), self);
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (forget));
  self->keep_action = g_simple_action_new ("keep-phrase", NULL);
  g_signal_connect (self->keep_action, "activate", G_CALLBACK (keep_phrase_activated), self);
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (self->keep_action));
  gtk_widget_insert_action_group (GTK_WIDGET (self), "panel", G_ACTION_GROUP (group));

  if (schema != NULL)
    {
      self->settings = g_settings_new_full (schema, NULL, NULL);
      g_signal_connect_object (self->settings, "changed::quick-rationales", G_CALLBACK (rebuild_phrases), self,
                               G_CONNECT_SWAPPED);
    }
  rebuild_phrases (self);
  update_keep_action (self);
}

static void
cs_decision_panel_dispose (GObject *object)
{
  CsDecisionPanel *self = CS_DECISION_PANEL (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->keep_action);

  G_OBJECT_CLASS (cs_decision_panel_parent_class)->dispose (object);
}

static void
cs_decision_panel_finalize (GObject *object)
{
  CsDecisionPanel *self = CS_DECISION_PANEL (object);

  g_free (self->predicted);
  g_strfreev (self->labels);
  g_free (self->label);
  g_free (self->initial_label);
  g_free (self->countersigns);

  G_OBJECT_CLASS (cs_decision_panel_parent_class)->finalize (object);
}

static void
cs_decision_panel_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  CsDecisionPanel *self = CS_DECISION_PANEL (object);

  switch (prop_id)
    {
    case PROP_JUDGING_FIRST:
      g_value_set_boolean (value, self->judging_first);
      break;
    case PROP_INITIAL_LABEL:
      g_value_set_string (value, self->initial_label);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_decision_panel_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  CsDecisionPanel *self = CS_DECISION_PANEL (object);

  switch (prop_id)
    {
    case PROP_JUDGING_FIRST:
      cs_decision_panel_set_judging_first (self, g_value_get_boolean (value));
      break;
    case PROP_INITIAL_LABEL:
      cs_decision_panel_set_initial_label (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_decision_panel_class_init (CsDecisionPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cs_decision_panel_dispose;
  object_class->finalize = cs_decision_panel_finalize;
  object_class->get_property = cs_decision_panel_get_property;
  object_class->set_property = cs_decision_panel_set_property;

  /* Blind first: waiting for the reviewer's own label before any decision. */
  properties[PROP_JUDGING_FIRST] =
    g_param_spec_boolean ("judging-first", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The reviewer's own label, once recorded. */
  properties[PROP_INITIAL_LABEL] =
    g_param_spec_string ("initial-label", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The reviewer asks to record the decision the panel holds. */
  signals[SUBMIT] = g_signal_new ("submit", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /* Blind first: the reviewer chose their own label (keys 1–9 or a click);
   * the case view records it and calls set_initial_label(). */
  signals[JUDGED] = g_signal_new ("judged", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, APP_PATH "cs-decision-panel.ui");
  gtk_widget_class_bind_template_callback (widget_class, submit_clicked_cb);
  gtk_widget_class_bind_template_child (widget_class, CsDecisionPanel, judgement_label);
  gtk_widget_class_bind_template_child (widget_class, CsDecisionPanel, agree_toggle);
  gtk_widget_class_bind_template_child (widget_class, CsDecisionPanel, accept_toggle);
  gtk_widget_class_bind_template_child (widget_class, CsDecisionPanel, override_toggle);
  gtk_widget_class_bind_template_child (widget_class, CsDecisionPanel, reject_toggle);
  gtk_widget_class_bind_template_child (widget_class, CsDecisionPanel, escalate_toggle);
  gtk_widget_class_bind_template_child (widget_class, CsDecisionPanel, phrases_button);
  gtk_widget_class_bind_template_child (widget_class, CsDecisionPanel, labels_box);
  gtk_widget_class_bind_template_child (widget_class, CsDecisionPanel, rationale_hint);
  gtk_widget_class_bind_template_child (widget_class, CsDecisionPanel, rationale_view);
  gtk_widget_class_bind_template_child (widget_class, CsDecisionPanel, error_label);
  gtk_widget_class_bind_template_child (widget_class, CsDecisionPanel, submit_button);
}

static void
cs_decision_panel_init (CsDecisionPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect_swapped (self->accept_toggle, "toggled", G_CALLBACK (action_toggled_cb), self);
  g_signal_connect_swapped (self->override_toggle, "toggled", G_CALLBACK (action_toggled_cb), self);
  g_signal_connect_swapped (self->reject_toggle, "toggled", G_CALLBACK (action_toggled_cb), self);
  g_signal_connect_swapped (self->escalate_toggle, "toggled", G_CALLBACK (action_toggled_cb), self);
  g_signal_connect_swapped (self->agree_toggle, "toggled", G_CALLBACK (action_toggled_cb), self);
  g_signal_connect_swapped (gtk_text_view_get_buffer (self->rationale_view), "changed",
                            G_CALLBACK (update_hint), self);
  g_signal_connect_swapped (gtk_text_view_get_buffer (self->rationale_view), "changed",
                            G_CALLBACK (update_keep_action), self);
  cs_policy_init_default (&self->policy);
  setup_phrases (self);
}
