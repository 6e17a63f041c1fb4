/* cs-oversight-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include <glib/gi18n.h>

#include "cs-oversight-window.h"

struct _CsOversightWindow
{
  AdwWindow             parent_instance;

  CsApplication        *app;
  GCancellable         *cancellable;   /* the answers awaited now */
  guint                 pending;       /* how many */
  GPtrArray            *queue_ids;     /* of char *, the drop-down's order */
  char                 *queue;         /* the queue shown */
  CsMetrics            *metrics;       /* of the load under way */
  CsAutonomyReport     *autonomy;
  GError               *load_error;
  GHashTable           *figures;       /* name → GtkWidget showing it (ref) */
  GPtrArray            *cohort_rows;   /* of GtkWidget, in cohort_group */

  GtkLabel             *day_decided_label;
  GtkLabel             *day_median_label;
  GtkLabel             *day_override_label;
  AdwActionRow         *day_override_row;
  GtkStack             *server_stack;
  GtkSpinner           *spinner;
  GtkImage             *message_icon;
  GtkLabel             *message_title;
  GtkLabel             *message_label;
  GtkWidget            *retry_button;
  GtkDropDown          *queue_dropdown;
  AdwActionRow         *intervention_row;
  GtkLabel             *intervention_label;
  AdwExpanderRow       *trigger_row;
  AdwActionRow         *override_row;
  GtkLabel             *override_label;
  AdwActionRow         *model_accuracy_row;
  GtkLabel             *model_accuracy_label;
  AdwActionRow         *final_accuracy_row;
  GtkLabel             *final_accuracy_label;
  GtkLabel             *median_label;
  AdwPreferencesGroup  *blind_group;
  AdwActionRow         *blind_change_row;
  GtkLabel             *blind_change_label;
  AdwActionRow         *blind_accuracy_row;
  GtkLabel             *blind_accuracy_label;
  AdwPreferencesGroup  *cohort_group;
  AdwEntryRow          *field_row;
  CsAutonomyChart      *autonomy_chart;
  GtkLabel             *recommendation_label;
  GtkLabel             *trigger_labels[CS_TRIGGER_OTHER + 1];
  GtkWidget            *trigger_rows[CS_TRIGGER_OTHER + 1];
};

G_DEFINE_FINAL_TYPE (CsOversightWindow, cs_oversight_window, ADW_TYPE_WINDOW)

static void load_queue (CsOversightWindow *self);

/* Formatting: one decimal for rates, so that a figure can be checked against
 * the server's own numbers. */

static char *
format_rate (double rate)
{
  if (isnan (rate))
    return g_strdup (_("None yet"));
  /* Translators: a percentage with one decimal, e.g. "26.0 %" */
  return g_strdup_printf (_("%.1f %%"), rate * 100);
}

static char *
format_duration (double ms)
{
  gint64 seconds;

  if (isnan (ms) || ms < 0)
    return g_strdup (_("None yet"));
  seconds = (gint64) round (ms / 1000);
  if (seconds < 60)
    /* Translators: a duration in seconds */
    return g_strdup_printf (_("%" G_GINT64_FORMAT " s"), seconds);
  if (seconds < 3600)
    /* Translators: a duration in minutes and seconds */
    return g_strdup_printf (_("%" G_GINT64_FORMAT " min %02" G_GINT64_FORMAT " s"), seconds / 60, seconds % 60);
  /* Translators: a duration in hours and minutes */
  return g_strdup_printf (_("%" G_GINT64_FORMAT " h %02" G_GINT64_FORMAT " min"), seconds / 3600, (seconds % 3600) / 60);
}

static char *
format_actions (const gint64 *by_action)
{
  /* Translators: counts of the four decisions, e.g. "12 accepted · 3 overridden · 1 rejected · 0 escalated" */
  return g_strdup_printf (_("%" G_GINT64_FORMAT " accepted · %" G_GINT64_FORMAT " overridden · %"
                            G_GINT64_FORMAT " rejected · %" G_GINT64_FORMAT " escalated"),
                          by_action[CS_ACTION_ACCEPT], by_action[CS_ACTION_OVERRIDE],
                          by_action[CS_ACTION_REJECT], by_action[CS_ACTION_ESCALATE]);
}

static const char *
trigger_title (CsTriggerKind kind)
{
  switch (kind)
    {
    case CS_TRIGGER_LOW_CONFIDENCE: return _("Low confidence");
    case CS_TRIGGER_FAIRNESS: return _("Fairness signal");
    case CS_TRIGGER_COMPLIANCE_KEYWORD: return _("Compliance keyword");
    case CS_TRIGGER_ANOMALY: return _("Anomaly");
    case CS_TRIGGER_RANDOM_AUDIT: return _("Random audit");
    case CS_TRIGGER_OVERDUE: return _("Overdue, back to a person");
    case CS_TRIGGER_OTHER:
    default: return _("Other rule");
    }
}

static void
register_figure (CsOversightWindow *self,
                 const char        *name,
                 gpointer           widget)
{
  g_hash_table_replace (self->figures, g_strdup (name), g_object_ref (widget));
}

static void
set_label (GtkLabel   *label,
           const char *text)
{
  gtk_label_set_label (label, text != NULL ? text : "");
}

/* Your day */

static void
update_day (CsOversightWindow *self)
{
  CsStore *store = cs_application_get_store (self->app);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) midnight = NULL;
  g_autoptr(GDateTime) tomorrow = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *reviewer = NULL;
  g_autofree char *decided = NULL;
  g_autofree char *median = NULL;
  g_autofree char *rate = NULL;
  g_autofree char *actions = NULL;
  gint64 by_action[CS_N_ACTIONS] = { 0 };
  CsDaySummary day;

  if (store == NULL)
    {
      set_label (self->day_decided_label, _("No data on this computer yet"));
      set_label (self->day_median_label, "");
      set_label (self->day_override_label, "");
      adw_action_row_set_subtitle (self->day_override_row, "");
      return;
    }

  midnight = g_date_time_new_local (g_date_time_get_year (now), g_date_time_get_month (now),
                                    g_date_time_get_day_of_month (now), 0, 0, 0);
  tomorrow = g_date_time_add_days (midnight, 1);
  reviewer = cs_store_get_meta (store, "reviewer");
  if (!cs_store_get_day_summary (store, midnight, tomorrow, reviewer, &day, &error))
    {
      set_label (self->day_decided_label, error->message);
      return;
    }

  for (guint i = 0; i < CS_N_ACTIONS; i++)
    by_action[i] = day.by_action[i];
  decided = g_strdup_printf ("%u", day.decided);
  median = format_duration (day.median_duration_ms >= 0 ? (double) day.median_duration_ms : NAN);
  rate = format_rate (day.override_rate);
  actions = format_actions (by_action);
  set_label (self->day_decided_label, decided);
  set_label (self->day_median_label, median);
  set_label (self->day_override_label, rate);
  adw_action_row_set_subtitle (self->day_override_row, actions);
}

/* The server's figures */

static void
show_message (CsOversightWindow *self,
              const char        *icon,
              const char        *title,
              const char        *message,
              gboolean           can_retry)
{
  gtk_image_set_from_icon_name (self->message_icon, icon);
  set_label (self->message_title, title);
  set_label (self->message_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL && *message != '\0');
  gtk_widget_set_visible (self->retry_button, can_retry);
  gtk_stack_set_visible_child_name (self->server_stack, "message");
  gtk_spinner_stop (self->spinner);
}

static void
show_error (CsOversightWindow *self,
            const GError      *error)
{
  if (g_error_matches (error, CS_ERROR, CS_ERROR_UNAVAILABLE))
    show_message (self, "network-offline-symbolic",
                  _("These figures come from the server; it cannot be reached now"),
                  _("Your day above is counted on this computer and is up to date."), TRUE);
  else
    show_message (self, "dialog-warning-symbolic", _("The server did not give the figures"),
                  error->message, TRUE);
}

static void
show_not_admin (CsOversightWindow *self)
{
  show_message (self, "dialog-information-symbolic",
                _("The queue’s figures are for the site’s administrators"),
                _("This account signs in as a reviewer. The server keeps the intervention and override rates, "
                  "the accuracy and the autonomy curve for administrators; ask yours for them."),
                FALSE);
}

static void
show_loading (CsOversightWindow *self)
{
  gtk_spinner_start (self->spinner);
  gtk_stack_set_visible_child_name (self->server_stack, "loading");
}

/* A new load forgets the answers of the one before. */
static GCancellable *
begin_load (CsOversightWindow *self,
            guint              pending)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->pending = pending;
  g_clear_pointer (&self->metrics, cs_metrics_free);
  g_clear_pointer (&self->autonomy, cs_autonomy_report_free);
  g_clear_error (&self->load_error);
  return self->cancellable;
}

static CsClient *
get_client (CsOversightWindow *self)
{
  CsSync *sync = cs_application_get_sync (self->app);

  return sync != NULL ? cs_sync_get_client (sync) : NULL;
}

static gboolean
is_cohort_figure (gpointer key,
                  gpointer value,
                  gpointer user_data)
{
  return g_str_has_prefix (key, "cohort.");
}

static void
clear_cohorts (CsOversightWindow *self)
{
  g_hash_table_foreach_remove (self->figures, is_cohort_figure, NULL);
  for (guint i = 0; i < self->cohort_rows->len; i++)
    adw_preferences_group_remove (self->cohort_group, g_ptr_array_index (self->cohort_rows, i));
  g_ptr_array_set_size (self->cohort_rows, 0);
}

static void
show_cohorts (CsOversightWindow *self,
              const CsMetrics   *m)
{
  g_autofree char *rule = NULL;

  clear_cohorts (self);
  /* The server's rule starts in lower case, as a clause; here it is a sentence. */
  if (m->flag_rule != NULL && *m->flag_rule != '\0')
    {
      g_autofree char *first = g_utf8_substring (m->flag_rule, 0, 1);
      g_autofree char *upper = g_utf8_strup (first, -1);

      rule = g_strconcat (upper, g_utf8_next_char (m->flag_rule), ".", NULL);
    }
  adw_preferences_group_set_description (self->cohort_group,
                                         rule != NULL ? rule
                                                      : _("Name a field of the cases’ context to compare the model’s accuracy across its values."));
  if (m->cohorts == NULL)
    return;
  if (m->cohorts->len == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No cases to compare yet"));
      adw_preferences_group_add (self->cohort_group, row);
      g_ptr_array_add (self->cohort_rows, row);
      return;
    }

  for (guint i = 0; i < m->cohorts->len; i++)
    {
      const CsCohort *c = g_ptr_array_index (m->cohorts, i);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *flag = gtk_label_new (c->flagged ? _("Flagged") : "");
      g_autofree char *seen = format_rate (c->intervention_rate);
      g_autofree char *model = format_rate (c->model_accuracy);
      g_autofree char *final = format_rate (c->final_accuracy);
      g_autofree char *detail = NULL;
      g_autofree char *name = NULL;
      g_autofree char *detail_name = NULL;
      const char *value = c->value != NULL ? c->value : _("(no value)");

      /* Translators: a cohort's figures */
      detail = g_strdup_printf (_("%" G_GINT64_FORMAT " cases, %s sent to a person · model accuracy %s, final %s, over %"
                                  G_GINT64_FORMAT " with known truth"),
                                c->n, seen, model, final, c->with_truth);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), value);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), detail);
      if (c->flagged)
        {
          GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");

          gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Flagged"), -1);
          gtk_widget_add_css_class (icon, "warning");
          gtk_widget_add_css_class (flag, "warning");
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), icon);
          gtk_widget_set_tooltip_text (row, _("The model does worse on this cohort than on the queue as a whole"));
        }
      gtk_widget_add_css_class (flag, "oversight-figure");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), flag);
      adw_preferences_group_add (self->cohort_group, row);
      g_ptr_array_add (self->cohort_rows, row);

      name = g_strdup_printf ("cohort.%s", c->value != NULL ? c->value : "");
      detail_name = g_strdup_printf ("%s.detail", name);
      register_figure (self, name, flag);
      register_figure (self, detail_name, row);
    }
}

static void
show_figures (CsOversightWindow *self)
{
  const CsMetrics *m = self->metrics;
  const CsAutonomyReport *a = self->autonomy;
  g_autofree char *intervention = format_rate (m->intervention_rate);
  g_autofree char *intervention_detail = NULL;
  g_autofree char *override = format_rate (m->override_rate);
  g_autofree char *override_detail = NULL;
  g_autofree char *actions = format_actions (m->by_action);
  g_autofree char *model = format_rate (m->model_accuracy);
  g_autofree char *final = format_rate (m->final_accuracy);
  g_autofree char *escalated_model = format_rate (m->escalated_model_accuracy);
  g_autofree char *escalated_final = format_rate (m->escalated_final_accuracy);
  g_autofree char *accuracy_detail = NULL;
  g_autofree char *final_detail = NULL;
  g_autofree char *median = format_duration (m->median_duration_ms);
  g_autofree char *recommendation = NULL;
  gint64 triggered = 0;

  set_label (self->intervention_label, intervention);
  intervention_detail = g_strdup_printf (_("%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " cases; the model decided the other %" G_GINT64_FORMAT),
                                         m->escalated, m->predictions, m->automated);
  adw_action_row_set_subtitle (self->intervention_row, intervention_detail);

  for (CsTriggerKind k = CS_TRIGGER_LOW_CONFIDENCE; k <= CS_TRIGGER_OTHER; k++)
    {
      g_autofree char *count = g_strdup_printf ("%" G_GINT64_FORMAT, m->by_trigger[k]);

      set_label (self->trigger_labels[k], count);
      /* How often people overrode the model on the cases this rule sent them. */
      if (!isnan (m->trigger_override_rate[k]))
        {
          g_autofree char *rate = format_rate (m->trigger_override_rate[k]);
          g_autofree char *subtitle =
            g_strdup_printf (_("Overridden in %s of the %" G_GINT64_FORMAT " decided"), rate, m->trigger_decided[k]);
          adw_action_row_set_subtitle (ADW_ACTION_ROW (self->trigger_rows[k]), subtitle);
        }
      else
        adw_action_row_set_subtitle (ADW_ACTION_ROW (self->trigger_rows[k]),
                                     m->by_trigger[k] > 0 ? _("None decided yet") : "");
      /* The routing rules always show; the rest only when they happened. */
      gtk_widget_set_visible (self->trigger_rows[k], k < CS_TRIGGER_OVERDUE || m->by_trigger[k] > 0);
      triggered += m->by_trigger[k];
    }
  {
    g_autofree char *subtitle = g_strdup_printf (ngettext ("%" G_GINT64_FORMAT " case, by the rule that sent it",
                                                           "%" G_GINT64_FORMAT " cases, by the rule that sent each",
                                                           triggered), triggered);
    adw_expander_row_set_subtitle (self->trigger_row, subtitle);
  }

  set_label (self->override_label, override);
  /* Translators: decisions counted, then the counts of each action */
  override_detail = g_strdup_printf (_("Of %" G_GINT64_FORMAT " decided by a person: %s"), m->decided, actions);
  adw_action_row_set_subtitle (self->override_row, override_detail);

  set_label (self->model_accuracy_label, model);
  set_label (self->final_accuracy_label, final);
  if (m->with_truth > 0)
    {
      accuracy_detail = g_strdup_printf (_("Over %" G_GINT64_FORMAT " cases with known truth; %s on those sent to a person"),
                                         m->with_truth, escalated_model);
      final_detail = g_strdup_printf (_("The outcome, after review; %s on those sent to a person"), escalated_final);
    }
  else
    {
      accuracy_detail = g_strdup (_("No case of this queue has its truth recorded yet"));
      final_detail = g_strdup ("");
    }
  adw_action_row_set_subtitle (self->model_accuracy_row, accuracy_detail);
  adw_action_row_set_subtitle (self->final_accuracy_row, final_detail);
  set_label (self->median_label, median);

  gtk_widget_set_visible (GTK_WIDGET (self->blind_group), m->has_blind_first);
  if (m->has_blind_first)
    {
      g_autofree char *change = format_rate (m->blind_change_rate);
      g_autofree char *change_detail = g_strdup_printf (_("%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " decisions"),
                                                        m->blind_changed, m->blind_decided);
      g_autofree char *initial = format_rate (m->blind_initial_accuracy);
      g_autofree char *blind_final = format_rate (m->blind_final_accuracy);
      /* Translators: accuracy of the first judgement, then of the final label */
      g_autofree char *accuracy = g_strdup_printf (_("%s → %s"), initial, blind_final);
      g_autofree char *accuracy_subtitle = g_strdup_printf (_("Over %" G_GINT64_FORMAT " cases with known truth"),
                                                            m->blind_with_truth);

      set_label (self->blind_change_label, change);
      adw_action_row_set_subtitle (self->blind_change_row, change_detail);
      set_label (self->blind_accuracy_label, accuracy);
      adw_action_row_set_subtitle (self->blind_accuracy_row, accuracy_subtitle);
    }

  show_cohorts (self, m);

  cs_autonomy_chart_set_report (self->autonomy_chart, a);
  if (!isnan (a->recommended_threshold))
    {
      g_autofree char *threshold = cs_autonomy_chart_format_threshold (a->recommended_threshold);

      /* Translators: the threshold, then the server's reason */
      recommendation = g_strdup_printf (_("Recommended threshold: %s. %s"), threshold, a->reason ? a->reason : "");
    }
  else
    recommendation = g_strdup_printf (_("No threshold is recommended. %s"),
                                      a->reason ? a->reason : _("The server gave no reason."));
  set_label (self->recommendation_label, g_strstrip (recommendation));

  gtk_stack_set_visible_child_name (self->server_stack, "figures");
  gtk_spinner_stop (self->spinner);
}

static void
load_finished (CsOversightWindow *self)
{
  if (self->load_error != NULL)
    show_error (self, self->load_error);
  else
    show_figures (self);
}

static void
metrics_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(CsOversightWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  CsMetrics *metrics = cs_client_get_metrics_finish (CS_CLIENT (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (metrics == NULL && self->load_error == NULL)
    self->load_error = g_steal_pointer (&error);
  self->metrics = metrics;
  if (--self->pending == 0)
    load_finished (self);
}

static void
autonomy_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(CsOversightWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  CsAutonomyReport *report = cs_client_get_autonomy_finish (CS_CLIENT (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (report == NULL && self->load_error == NULL)
    self->load_error = g_steal_pointer (&error);
  self->autonomy = report;
  if (--self->pending == 0)
    load_finished (self);
}

static void
load_queue (CsOversightWindow *self)
{
  CsClient *client = get_client (self);
  g_autofree char *field = NULL;
  GCancellable *cancellable;

  if (client == NULL || self->queue == NULL)
    return;

  field = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->field_row))));
  show_loading (self);
  cancellable = begin_load (self, 2);
  cs_client_get_metrics_async (client, self->queue, *field ? field : NULL, cancellable,
                               metrics_cb, g_object_ref (self));
  cs_client_get_autonomy_async (client, self->queue, cancellable, autonomy_cb, g_object_ref (self));
}

static void
queue_selected_cb (CsOversightWindow *self)
{
  guint selected = gtk_drop_down_get_selected (self->queue_dropdown);

  if (selected == GTK_INVALID_LIST_POSITION || selected >= self->queue_ids->len)
    return;
  g_free (self->queue);
  self->queue = g_strdup (g_ptr_array_index (self->queue_ids, selected));
  load_queue (self);
}

static void
queues_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(CsOversightWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) queues = cs_client_get_queues_finish (CS_CLIENT (source), result, &error);
  g_autoptr(GtkStringList) titles = NULL;
  guint selected = 0;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->pending = 0;
  if (queues == NULL)
    {
      show_error (self, error);
      return;
    }
  if (queues->len == 0)
    {
      show_message (self, "dialog-information-symbolic", _("The server has no queues yet"), NULL, TRUE);
      return;
    }

  /* The queue shown before a refresh stays chosen. */
  titles = gtk_string_list_new (NULL);
  g_ptr_array_set_size (self->queue_ids, 0);
  for (guint i = 0; i < queues->len; i++)
    {
      CsQueue *queue = g_ptr_array_index (queues, i);
      const char *title = cs_queue_get_title (queue);

      gtk_string_list_append (titles, title != NULL && *title ? title : cs_queue_get_id (queue));
      g_ptr_array_add (self->queue_ids, g_strdup (cs_queue_get_id (queue)));
      if (g_strcmp0 (self->queue, cs_queue_get_id (queue)) == 0)
        selected = i;
    }
  g_signal_handlers_block_by_func (self->queue_dropdown, queue_selected_cb, self);
  gtk_drop_down_set_model (self->queue_dropdown, G_LIST_MODEL (titles));
  gtk_drop_down_set_selected (self->queue_dropdown, selected);
  g_signal_handlers_unblock_by_func (self->queue_dropdown, queue_selected_cb, self);
  queue_selected_cb (self);
}

static void
me_cb (GObject      *source,
       GAsyncResult *result,
       gpointer      user_data)
{
  g_autoptr(CsOversightWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsReviewer) me = cs_client_get_me_finish (CS_CLIENT (source), result, &error);
  CsStore *store = cs_application_get_store (self->app);
  g_autofree char *cached = store != NULL ? cs_store_get_meta (store, "role") : NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->pending = 0;
  if (me == NULL)
    {
      /* Offline, a reviewer is told what the view holds for them, not that
       * the server is away. */
      if (g_error_matches (error, CS_ERROR, CS_ERROR_UNAVAILABLE) && g_strcmp0 (cached, "reviewer") == 0)
        show_not_admin (self);
      else
        show_error (self, error);
      return;
    }

  /* Remembered so that the view opens in the right shape offline. */
  if (store != NULL && me->role != NULL && g_strcmp0 (cached, me->role) != 0)
    cs_store_set_meta (store, "role", me->role, NULL);

  if (g_strcmp0 (me->role, "admin") != 0)
    {
      show_not_admin (self);
      return;
    }

  self->pending = 1;
  cs_client_get_queues_async (CS_CLIENT (source), self->cancellable, queues_cb, g_object_ref (self));
}

void
cs_oversight_window_refresh (CsOversightWindow *self)
{
  CsClient *client;
  GCancellable *cancellable;

  g_return_if_fail (CS_IS_OVERSIGHT_WINDOW (self));

  update_day (self);

  client = get_client (self);
  if (client == NULL)
    {
      begin_load (self, 0);
      show_message (self, "dialog-password-symbolic", _("Sign in to see the queue’s figures"),
                    _("Your day above is counted on this computer."), FALSE);
      return;
    }

  show_loading (self);
  cancellable = begin_load (self, 1);
  cs_client_get_me_async (client, cancellable, me_cb, g_object_ref (self));
}

gboolean
cs_oversight_window_set_queue (CsOversightWindow *self,
                               const char        *queue_id)
{
  g_return_val_if_fail (CS_IS_OVERSIGHT_WINDOW (self), FALSE);

  for (guint i = 0; i < self->queue_ids->len; i++)
    if (g_str_equal (g_ptr_array_index (self->queue_ids, i), queue_id))
      {
        if (gtk_drop_down_get_selected (self->queue_dropdown) == i)
          load_queue (self);
        else
          gtk_drop_down_set_selected (self->queue_dropdown, i);
        return TRUE;
      }
  return FALSE;
}

void
cs_oversight_window_set_cohort_field (CsOversightWindow *self,
                                      const char        *field)
{
  g_return_if_fail (CS_IS_OVERSIGHT_WINDOW (self));

  gtk_editable_set_text (GTK_EDITABLE (self->field_row), field != NULL ? field : "");
  load_queue (self);
}

gboolean
cs_oversight_window_is_settled (CsOversightWindow *self)
{
  g_return_val_if_fail (CS_IS_OVERSIGHT_WINDOW (self), FALSE);
  return self->pending == 0;
}

const char *
cs_oversight_window_get_server_page (CsOversightWindow *self)
{
  g_return_val_if_fail (CS_IS_OVERSIGHT_WINDOW (self), NULL);
  return gtk_stack_get_visible_child_name (self->server_stack);
}

const char *
cs_oversight_window_get_figure (CsOversightWindow *self,
                                const char        *name)
{
  GtkWidget *widget;

  g_return_val_if_fail (CS_IS_OVERSIGHT_WINDOW (self), NULL);

  /* A figure on a page of the stack not shown, or in a hidden group, is not shown. */
  widget = g_hash_table_lookup (self->figures, name);
  if (widget == NULL || !gtk_widget_is_visible (widget))
    return NULL;
  if (gtk_widget_is_ancestor (widget, GTK_WIDGET (self->server_stack)) &&
      !gtk_widget_is_ancestor (widget, gtk_stack_get_visible_child (self->server_stack)))
    return NULL;
  if (GTK_IS_LABEL (widget))
    return gtk_label_get_label (GTK_LABEL (widget));
  if (ADW_IS_ACTION_ROW (widget))
    return adw_action_row_get_subtitle (ADW_ACTION_ROW (widget));
  if (ADW_IS_PREFERENCES_GROUP (widget))
    return adw_preferences_group_get_description (ADW_PREFERENCES_GROUP (widget));
  return NULL;
}

CsAutonomyChart *
cs_oversight_window_get_autonomy_chart (CsOversightWindow *self)
{
  g_return_val_if_fail (CS_IS_OVERSIGHT_WINDOW (self), NULL);
  return self->autonomy_chart;
}

static void
field_applied_cb (CsOversightWindow *self)
{
  load_queue (self);
}

static void
refresh_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  cs_oversight_window_refresh (CS_OVERSIGHT_WINDOW (widget));
}

/* Decisions made in the review window meanwhile count as soon as this
 * window is looked at again. */
static void
active_changed_cb (CsOversightWindow *self)
{
  if (gtk_window_is_active (GTK_WINDOW (self)))
    update_day (self);
}

GtkWindow *
cs_oversight_window_new (CsApplication *app,
                         GtkWindow     *parent)
{
  CsOversightWindow *self;

  g_return_val_if_fail (CS_IS_APPLICATION (app), NULL);

  self = g_object_new (CS_TYPE_OVERSIGHT_WINDOW,
                       "application", app,
                       "transient-for", parent,
                       NULL);
  self->app = app;
  cs_oversight_window_refresh (self);
  return GTK_WINDOW (self);
}

static void
cs_oversight_window_dispose (GObject *object)
{
  CsOversightWindow *self = CS_OVERSIGHT_WINDOW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->figures, g_hash_table_unref);

  G_OBJECT_CLASS (cs_oversight_window_parent_class)->dispose (object);
}

static void
cs_oversight_window_finalize (GObject *object)
{
  CsOversightWindow *self = CS_OVERSIGHT_WINDOW (object);

  g_clear_pointer (&self->queue_ids, g_ptr_array_unref);
  g_clear_pointer (&self->cohort_rows, g_ptr_array_unref);
  g_clear_pointer (&self->metrics, cs_metrics_free);
  g_clear_pointer (&self->autonomy, cs_autonomy_report_free);
  g_clear_error (&self->load_error);
  g_free (self->queue);

  G_OBJECT_CLASS (cs_oversight_window_parent_class)->finalize (object);
}

static void
cs_oversight_window_class_init (CsOversightWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cs_oversight_window_dispose;
  object_class->finalize = cs_oversight_window_finalize;

  g_type_ensure (CS_TYPE_AUTONOMY_CHART);
  gtk_widget_class_set_template_from_resource (widget_class, APP_PATH "cs-oversight-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CsOversightWindow, day_decided_label);
  gtk_widget_class_bind_template_child (widget_class, CsOversightWindow, day_median_label);
  gtk_widget_class_bind_template_child (widget_class, CsOversightWindow, day_override_label);
  gtk_widget_class_bind_template_child (widget_class, CsOversightWindow, day_override_row);
  gtk_widget_class_bind_template_child (widget_class, CsOversightWindow, server_stack);
  gtk_widget_class_bind_template_child (widget_class, CsOversightWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, CsOversightWindow, message_icon);
  gtk_widget_class_bind_template_child (widget_class, CsOversightWindow, message_title);
  gtk_widget_class_bind_template_child (widget_class, CsOversightWindow, message_label);
  gtk_widget_class_bind_template_child (widget_class, CsOversightWindow, retry_button);
  gtk_widget_class_bind_template_child (widget_class, CsOversightWindow, queue_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CsOversightWindow, intervention_row);
  gtk_widget_class_bind_template_child (widget_class, CsOversightWindow, intervention_label);
  gtk_widget_class_bind_template_child (widget_class, CsOversightWindow, trigger_row);
  gtk_widget_class_bind_template_child (widget_class, CsOversightWindow, override_row);
  gtk_widget_class_bind_template_child (widget_class, CsOversightWindow, override_label);
  gtk_widget_class_bind_template_child (widget_class, CsOversightWindow, model_accuracy_row);
  gtk_widget_class_bind_template_child (widget_class, CsOversightWindow, model_accuracy_label);
  gtk_widget_class_bind_template_child (widget_class, CsOversightWindow, final_accuracy_row);
  gtk_widget_class_bind_template_child (widget_class, CsOversightWindow, final_accuracy_label);
  gtk_widget_class_bind_template_child (widget_class, CsOversightWindow, median_label);
  gtk_widget_class_bind_template_child (widget_class, CsOversightWindow, blind_group);
  gtk_widget_class_bind_template_child (widget_class, CsOversightWindow, blind_change_row);
  gtk_widget_class_bind_template_child (widget_class, CsOversightWindow, blind_change_label);
  gtk_widget_class_bind_template_child (widget_class, CsOversightWindow, blind_accuracy_row);
  gtk_widget_class_bind_template_child (widget_class, CsOversightWindow, blind_accuracy_label);
  gtk_widget_class_bind_template_child (widget_class, CsOversightWindow, cohort_group);
  gtk_widget_class_bind_template_child (widget_class, CsOversightWindow, field_row);
  gtk_widget_class_bind_template_child (widget_class, CsOversightWindow, autonomy_chart);
  gtk_widget_class_bind_template_child (widget_class, CsOversightWindow, recommendation_label);

  gtk_widget_class_install_action (widget_class, "oversight.refresh", NULL, refresh_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "oversight.refresh", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "oversight.refresh", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
cs_oversight_window_init (CsOversightWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->queue_ids = g_ptr_array_new_with_free_func (g_free);
  self->cohort_rows = g_ptr_array_new ();
  self->figures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);

  for (CsTriggerKind k = CS_TRIGGER_LOW_CONFIDENCE; k <= CS_TRIGGER_OTHER; k++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *label = gtk_label_new ("");
      g_autofree char *name = g_strdup_printf ("trigger.%s", cs_trigger_kind_to_string (k));

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), trigger_title (k));
      gtk_widget_add_css_class (label, "oversight-figure");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
      adw_expander_row_add_row (self->trigger_row, row);
      self->trigger_rows[k] = row;
      self->trigger_labels[k] = GTK_LABEL (label);
      register_figure (self, name, label);
      {
        g_autofree char *override_name = g_strdup_printf ("trigger-override.%s", cs_trigger_kind_to_string (k));
        register_figure (self, override_name, row);
      }
    }

  register_figure (self, "day.decided", self->day_decided_label);
  register_figure (self, "day.median", self->day_median_label);
  register_figure (self, "day.override", self->day_override_label);
  register_figure (self, "day.actions", self->day_override_row);
  register_figure (self, "intervention", self->intervention_label);
  register_figure (self, "intervention.detail", self->intervention_row);
  register_figure (self, "override", self->override_label);
  register_figure (self, "override.detail", self->override_row);
  register_figure (self, "model_accuracy", self->model_accuracy_label);
  register_figure (self, "final_accuracy", self->final_accuracy_label);
  register_figure (self, "accuracy.detail", self->model_accuracy_row);
  register_figure (self, "median", self->median_label);
  register_figure (self, "blind.change", self->blind_change_label);
  register_figure (self, "blind.accuracy", self->blind_accuracy_label);
  register_figure (self, "flag_rule", self->cohort_group);
  register_figure (self, "recommendation", self->recommendation_label);
  register_figure (self, "message", self->message_title);

  g_signal_connect_swapped (self->queue_dropdown, "notify::selected", G_CALLBACK (queue_selected_cb), self);
  g_signal_connect_swapped (self->field_row, "apply", G_CALLBACK (field_applied_cb), self);
  g_signal_connect_swapped (self, "notify::is-active", G_CALLBACK (active_changed_cb), self);
}
