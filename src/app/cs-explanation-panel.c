/* cs-explanation-panel.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "cs-attribution-chart.h"
#include "cs-explanation-panel.h"

/* Without a threshold from the queue, confidence under this reads as low. */
#define DEFAULT_HIGH_CONFIDENCE 0.8

struct _CsExplanationPanel
{
  AdwBin              parent_instance;

  CsCase             *kase;
  gboolean            revealed;

  GtkWidget          *answer_section;
  GtkWidget          *answer_box;
  GtkLabel           *predicted_label;
  GtkLevelBar        *confidence_bar;
  GtkLabel           *confidence_label;
  GtkWidget          *alternatives_box;
  GtkBox             *alternatives_list;
  GtkWidget          *hidden_placeholder;
  GtkLabel           *hidden_label;
  GtkWidget          *trigger_section;
  GtkLabel           *trigger_label;
  GtkWidget          *model_section;
  GtkLabel           *model_label;
  GtkLabel           *summary_label;
  GtkWidget          *attributions_section;
  GtkLabel           *attributions_caption;
  CsAttributionChart *attribution_chart;
  GtkWidget          *context_section;
  GtkGrid            *context_grid;
};

enum {
  PROP_0,
  PROP_CASE,
  PROP_REVEALED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (CsExplanationPanel, cs_explanation_panel, ADW_TYPE_BIN)

/* Words */

char *
cs_explanation_format_percent (double fraction)
{
  double percent = isnan (fraction) ? 0 : CLAMP (fraction, 0.0, 1.0) * 100;
  double tenths = round (percent * 10) / 10;
  g_autofree char *number = NULL;

  /* Rounding must not turn a doubt into certainty, or a chance into none. */
  if (percent > 0 && tenths <= 0)
    number = g_strdup_printf ("< %.1f", 0.1);
  else if (percent < 100 && tenths >= 100)
    number = g_strdup_printf ("> %.1f", 99.9);
  else if ((percent > 0 && percent < 1) || (percent > 99 && percent < 100))
    number = g_strdup_printf ("%.1f", tenths);
  else
    number = g_strdup_printf ("%.0f", percent);

  /* Translators: a percentage, e.g. "62 %". Put the sign where your language
   * does; the space is a no-break space, so the two never part at a line end. */
  return g_strdup_printf (_("%s %%"), number);
}

/* The fewest decimals (two to four) that keep the confidence visibly under
 * the threshold: 0.9986 and 0.9990 both read "1.00". */
static int
decimals_apart (double value,
                double threshold)
{
  int decimals = 2;

  while (decimals < 4 && round (value * pow (10, decimals)) >= round (threshold * pow (10, decimals)))
    decimals++;
  return decimals;
}

static const char *
trigger_kind_in_words (CsTriggerKind kind)
{
  switch (kind)
    {
    case CS_TRIGGER_LOW_CONFIDENCE: return _("Low confidence");
    case CS_TRIGGER_FAIRNESS: return _("Fairness flag");
    case CS_TRIGGER_COMPLIANCE_KEYWORD: return _("Compliance keyword");
    case CS_TRIGGER_ANOMALY: return _("Anomaly");
    case CS_TRIGGER_RANDOM_AUDIT: return _("Random audit");
    case CS_TRIGGER_OVERDUE: return _("Overdue elsewhere");
    case CS_TRIGGER_OTHER:
    default: return _("Sent for review");
    }
}

char *
cs_explanation_describe_trigger (CsCase   *kase,
                                 gboolean  revealed,
                                 gsize    *kind_length)
{
  CsTriggerKind kind;
  const char *kind_text, *detail;
  double threshold;
  g_autofree char *rest = NULL;

  g_return_val_if_fail (CS_IS_CASE (kase), NULL);

  kind = cs_case_get_trigger_kind (kase);
  kind_text = trigger_kind_in_words (kind);
  detail = cs_case_get_trigger_detail (kase);
  threshold = cs_case_get_trigger_threshold (kase);
  if (detail != NULL && *detail == '\0')
    detail = NULL;

  switch (kind)
    {
    case CS_TRIGGER_LOW_CONFIDENCE:
      if (!isnan (threshold))
        {
          double confidence = cs_case_get_confidence (kase);
          int decimals = decimals_apart (confidence, threshold);

          if (revealed)
            /* Translators: the model's confidence and the queue's threshold, both 0..1 */
            rest = g_strdup_printf (_("%.*f is under the queue’s threshold %.*f"),
                                    decimals, confidence, decimals, threshold);
          else
            rest = g_strdup_printf (_("under the queue’s threshold %.*f"), decimals, threshold);
        }
      /* The server's own words name the confidence: not before the reviewer judged. */
      else if (revealed)
        rest = g_strdup (detail);
      break;

    case CS_TRIGGER_FAIRNESS:
      if (detail != NULL)
        rest = g_strdup (detail);
      else if (!isnan (threshold))
        rest = g_strdup_printf (_("the fairness signal is over the queue’s threshold %.2f"), threshold);
      break;

    case CS_TRIGGER_ANOMALY:
      if (detail != NULL)
        rest = g_strdup (detail);
      else if (!isnan (threshold))
        rest = g_strdup_printf (_("the anomaly signal is over the queue’s threshold %.2f"), threshold);
      break;

    case CS_TRIGGER_COMPLIANCE_KEYWORD:
    case CS_TRIGGER_RANDOM_AUDIT:
    case CS_TRIGGER_OVERDUE:
    case CS_TRIGGER_OTHER:
    default:
      rest = g_strdup (detail);
      break;
    }

  if (kind_length != NULL)
    *kind_length = strlen (kind_text);
  if (rest == NULL)
    return g_strdup (kind_text);
  /* Translators: why a case is here: its kind, then the details, e.g.
   * "Low confidence: 0.39 is under the queue’s threshold 0.80" */
  return g_strdup_printf (_("%s: %s"), kind_text, rest);
}

/* Showing a case */

static void
remove_all_children (GtkWidget *parent)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (parent)) != NULL)
    gtk_widget_unparent (child);
}

static GtkWidget *
value_label_new (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 1);
  gtk_label_set_width_chars (GTK_LABEL (label), 7);
  gtk_widget_add_css_class (label, "numeric");
  gtk_widget_add_css_class (label, "confidence-value");
  return label;
}

static void
set_confidence_class (GtkWidget *bar,
                      double     confidence,
                      double     threshold)
{
  gtk_widget_remove_css_class (bar, "low");
  gtk_widget_remove_css_class (bar, "medium");
  gtk_widget_remove_css_class (bar, "high");
  if (confidence < 0.5)
    gtk_widget_add_css_class (bar, "low");
  else if (confidence < threshold)
    gtk_widget_add_css_class (bar, "medium");
  else
    gtk_widget_add_css_class (bar, "high");
}

/* Most likely first; equal ones keep the model's order. */
static int
compare_alternatives (gconstpointer a,
                      gconstpointer b)
{
  const CsAlternative *aa = *(CsAlternative * const *) a;
  const CsAlternative *ab = *(CsAlternative * const *) b;

  return (aa->confidence < ab->confidence) - (aa->confidence > ab->confidence);
}

static void
show_alternatives (CsExplanationPanel *self)
{
  GPtrArray *alternatives = cs_case_get_alternatives (self->kase);
  g_autoptr(GPtrArray) sorted = g_ptr_array_new ();

  remove_all_children (GTK_WIDGET (self->alternatives_list));
  for (guint i = 0; i < alternatives->len; i++)
    g_ptr_array_add (sorted, g_ptr_array_index (alternatives, i));
  /* g_ptr_array_sort is stable: ties keep their order. */
  g_ptr_array_sort (sorted, compare_alternatives);

  for (guint i = 0; i < sorted->len; i++)
    {
      CsAlternative *alt = g_ptr_array_index (sorted, i);
      g_autofree char *percent = cs_explanation_format_percent (alt->confidence);
      g_autofree char *accessible = g_strdup_printf (_("Confidence in %s"), alt->label);
      GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
      GtkWidget *name = gtk_label_new (alt->label);
      GtkWidget *bar = gtk_level_bar_new_for_interval (0, 1);
      GtkWidget *value = value_label_new (percent);

      gtk_label_set_xalign (GTK_LABEL (name), 0);
      gtk_label_set_wrap (GTK_LABEL (name), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (name), PANGO_WRAP_WORD_CHAR);
      gtk_label_set_selectable (GTK_LABEL (name), TRUE);
      gtk_widget_set_hexpand (name, TRUE);

      gtk_level_bar_set_value (GTK_LEVEL_BAR (bar), CLAMP (alt->confidence, 0, 1));
      gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_LOW);
      gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_HIGH);
      gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_FULL);
      gtk_widget_set_size_request (bar, 72, -1);
      gtk_widget_set_valign (bar, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (bar, "confidence-bar");
      gtk_widget_add_css_class (bar, "alternative-bar");
      gtk_accessible_update_property (GTK_ACCESSIBLE (bar), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);

      gtk_box_append (GTK_BOX (row), name);
      gtk_box_append (GTK_BOX (row), bar);
      gtk_box_append (GTK_BOX (row), value);
      gtk_box_append (self->alternatives_list, row);
    }
  gtk_widget_set_visible (self->alternatives_box, sorted->len > 0);
}

static void
show_trigger (CsExplanationPanel *self)
{
  gsize kind_length = 0;
  g_autofree char *text = cs_explanation_describe_trigger (self->kase, self->revealed, &kind_length);
  g_autoptr(PangoAttrList) attrs = pango_attr_list_new ();
  PangoAttribute *bold = pango_attr_weight_new (PANGO_WEIGHT_BOLD);

  /* The kind in bold, so that a glance down the panel finds it. */
  bold->start_index = 0;
  bold->end_index = (guint) kind_length;
  pango_attr_list_insert (attrs, bold);
  gtk_label_set_label (self->trigger_label, text);
  gtk_label_set_attributes (self->trigger_label, attrs);
}

static void
show_context (CsExplanationPanel *self)
{
  GPtrArray *context = cs_case_get_context (self->kase);

  remove_all_children (GTK_WIDGET (self->context_grid));
  for (guint i = 0; i < context->len; i++)
    {
      CsField *field = g_ptr_array_index (context, i);
      GtkWidget *name = gtk_label_new (field->name);
      GtkWidget *value = gtk_label_new (field->display != NULL ? field->display : "—");

      gtk_label_set_xalign (GTK_LABEL (name), 0);
      gtk_label_set_yalign (GTK_LABEL (name), 0);
      gtk_label_set_wrap (GTK_LABEL (name), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (name), PANGO_WRAP_WORD_CHAR);
      gtk_label_set_max_width_chars (GTK_LABEL (name), 18);
      gtk_widget_add_css_class (name, "dim-label");

      gtk_label_set_xalign (GTK_LABEL (value), 0);
      gtk_label_set_yalign (GTK_LABEL (value), 0);
      gtk_label_set_wrap (GTK_LABEL (value), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (value), PANGO_WRAP_WORD_CHAR);
      gtk_label_set_selectable (GTK_LABEL (value), TRUE);
      gtk_widget_set_hexpand (value, TRUE);

      gtk_grid_attach (self->context_grid, name, 0, (int) i, 1, 1);
      gtk_grid_attach (self->context_grid, value, 1, (int) i, 1, 1);
    }
  gtk_widget_set_visible (self->context_section, context->len > 0);
}

/* What depends on "revealed": the answer or its placeholder, the summary,
 * the attributions, and the trigger's wording. */
static void
update_revealed (CsExplanationPanel *self)
{
  CsCase *kase = self->kase;
  const char *summary = kase != NULL ? cs_case_get_summary (kase) : NULL;
  gboolean has_summary = summary != NULL && *summary != '\0';
  gboolean has_attributions = kase != NULL && cs_case_get_attributions (kase)->len > 0;

  gtk_widget_set_visible (self->answer_section, kase != NULL);
  gtk_widget_set_visible (self->answer_box, self->revealed);
  gtk_widget_set_visible (self->hidden_placeholder, !self->revealed);
  gtk_widget_set_visible (GTK_WIDGET (self->summary_label), self->revealed && has_summary);
  gtk_widget_set_visible (self->attributions_section, self->revealed && has_attributions);
  if (kase != NULL)
    show_trigger (self);
}

static void
show_case (CsExplanationPanel *self)
{
  CsCase *kase = self->kase;
  double confidence, threshold;
  const char *version, *summary;
  g_autofree char *percent = NULL;
  g_autofree char *model = NULL;
  g_autofree char *caption = NULL;

  gtk_widget_set_visible (self->trigger_section, kase != NULL);
  gtk_widget_set_visible (self->model_section, kase != NULL);
  if (kase == NULL)
    {
      gtk_widget_set_visible (self->context_section, FALSE);
      remove_all_children (GTK_WIDGET (self->alternatives_list));
      remove_all_children (GTK_WIDGET (self->context_grid));
      cs_attribution_chart_set_attributions (self->attribution_chart, NULL);
      update_revealed (self);
      return;
    }

  confidence = cs_case_get_confidence (kase);
  threshold = cs_case_get_trigger_threshold (kase);
  if (cs_case_get_trigger_kind (kase) != CS_TRIGGER_LOW_CONFIDENCE || isnan (threshold))
    threshold = DEFAULT_HIGH_CONFIDENCE;

  gtk_label_set_label (self->predicted_label, cs_case_get_predicted_label (kase));
  percent = cs_explanation_format_percent (confidence);
  gtk_label_set_label (self->confidence_label, percent);
  gtk_level_bar_set_value (self->confidence_bar, CLAMP (confidence, 0, 1));
  set_confidence_class (GTK_WIDGET (self->confidence_bar), confidence, threshold);
  show_alternatives (self);

  version = cs_case_get_model_version (kase);
  if (version != NULL && *version != '\0')
    /* Translators: a model's name and its version */
    model = g_strdup_printf (_("%s, version %s"), cs_case_get_model_name (kase), version);
  else
    model = g_strdup (cs_case_get_model_name (kase));
  gtk_label_set_label (self->model_label, model);
  summary = cs_case_get_summary (kase);
  gtk_label_set_label (self->summary_label, summary != NULL ? summary : "");

  /* Translators: under the attribution chart's heading; %s is the model's label */
  caption = g_strdup_printf (_("Bars right of the line pushed towards “%s”, bars left of it pushed away."),
                             cs_case_get_predicted_label (kase));
  gtk_label_set_label (self->attributions_caption, caption);
  cs_attribution_chart_set_attributions (self->attribution_chart, cs_case_get_attributions (kase));

  show_context (self);
  update_revealed (self);
}

void
cs_explanation_panel_set_case (CsExplanationPanel *self,
                               CsCase             *kase)
{
  gboolean changed;

  g_return_if_fail (CS_IS_EXPLANATION_PANEL (self));
  g_return_if_fail (kase == NULL || CS_IS_CASE (kase));

  changed = g_set_object (&self->kase, kase);
  /* The same case again is shown afresh: it may have changed in place. */
  show_case (self);
  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CASE]);
}

CsCase *
cs_explanation_panel_get_case (CsExplanationPanel *self)
{
  g_return_val_if_fail (CS_IS_EXPLANATION_PANEL (self), NULL);
  return self->kase;
}

gboolean
cs_explanation_panel_get_revealed (CsExplanationPanel *self)
{
  g_return_val_if_fail (CS_IS_EXPLANATION_PANEL (self), TRUE);
  return self->revealed;
}

void
cs_explanation_panel_set_revealed (CsExplanationPanel *self,
                                   gboolean            revealed)
{
  g_return_if_fail (CS_IS_EXPLANATION_PANEL (self));

  revealed = !!revealed;
  if (self->revealed == revealed)
    return;
  self->revealed = revealed;
  update_revealed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REVEALED]);
}

GtkWidget *
cs_explanation_panel_new (void)
{
  return g_object_new (CS_TYPE_EXPLANATION_PANEL, NULL);
}

/* GObject */

static void
cs_explanation_panel_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  CsExplanationPanel *self = CS_EXPLANATION_PANEL (object);

  switch (prop_id)
    {
    case PROP_CASE:
      g_value_set_object (value, self->kase);
      break;
    case PROP_REVEALED:
      g_value_set_boolean (value, self->revealed);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_explanation_panel_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  CsExplanationPanel *self = CS_EXPLANATION_PANEL (object);

  switch (prop_id)
    {
    case PROP_CASE:
      cs_explanation_panel_set_case (self, g_value_get_object (value));
      break;
    case PROP_REVEALED:
      cs_explanation_panel_set_revealed (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_explanation_panel_dispose (GObject *object)
{
  CsExplanationPanel *self = CS_EXPLANATION_PANEL (object);

  g_clear_object (&self->kase);
  gtk_widget_dispose_template (GTK_WIDGET (self), CS_TYPE_EXPLANATION_PANEL);

  G_OBJECT_CLASS (cs_explanation_panel_parent_class)->dispose (object);
}

static void
cs_explanation_panel_class_init (CsExplanationPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = cs_explanation_panel_get_property;
  object_class->set_property = cs_explanation_panel_set_property;
  object_class->dispose = cs_explanation_panel_dispose;

  properties[PROP_CASE] =
    g_param_spec_object ("case", NULL, NULL, CS_TYPE_CASE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_REVEALED] =
    g_param_spec_boolean ("revealed", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (CS_TYPE_ATTRIBUTION_CHART);
  gtk_widget_class_set_template_from_resource (widget_class, APP_PATH "cs-explanation-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, CsExplanationPanel, answer_section);
  gtk_widget_class_bind_template_child (widget_class, CsExplanationPanel, answer_box);
  gtk_widget_class_bind_template_child (widget_class, CsExplanationPanel, predicted_label);
  gtk_widget_class_bind_template_child (widget_class, CsExplanationPanel, confidence_bar);
  gtk_widget_class_bind_template_child (widget_class, CsExplanationPanel, confidence_label);
  gtk_widget_class_bind_template_child (widget_class, CsExplanationPanel, alternatives_box);
  gtk_widget_class_bind_template_child (widget_class, CsExplanationPanel, alternatives_list);
  gtk_widget_class_bind_template_child (widget_class, CsExplanationPanel, hidden_placeholder);
  gtk_widget_class_bind_template_child (widget_class, CsExplanationPanel, hidden_label);
  gtk_widget_class_bind_template_child (widget_class, CsExplanationPanel, trigger_section);
  gtk_widget_class_bind_template_child (widget_class, CsExplanationPanel, trigger_label);
  gtk_widget_class_bind_template_child (widget_class, CsExplanationPanel, model_section);
  gtk_widget_class_bind_template_child (widget_class, CsExplanationPanel, model_label);
  gtk_widget_class_bind_template_child (widget_class, CsExplanationPanel, summary_label);
  gtk_widget_class_bind_template_child (widget_class, CsExplanationPanel, attributions_section);
  gtk_widget_class_bind_template_child (widget_class, CsExplanationPanel, attributions_caption);
  gtk_widget_class_bind_template_child (widget_class, CsExplanationPanel, attribution_chart);
  gtk_widget_class_bind_template_child (widget_class, CsExplanationPanel, context_section);
  gtk_widget_class_bind_template_child (widget_class, CsExplanationPanel, context_grid);

  gtk_widget_class_set_css_name (widget_class, "cs-explanation-panel");
}

static void
cs_explanation_panel_init (CsExplanationPanel *self)
{
  self->revealed = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));

  /* The bar's colour is ours (see set_confidence_class), not the level
   * bar's own low/high steps. */
  gtk_level_bar_remove_offset_value (self->confidence_bar, GTK_LEVEL_BAR_OFFSET_LOW);
  gtk_level_bar_remove_offset_value (self->confidence_bar, GTK_LEVEL_BAR_OFFSET_HIGH);
  gtk_level_bar_remove_offset_value (self->confidence_bar, GTK_LEVEL_BAR_OFFSET_FULL);
  show_case (self);
}
