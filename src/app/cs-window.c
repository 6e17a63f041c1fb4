/* cs-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n.h>

#include "cs-case-list.h"
#include "cs-oversight-window.h"
#include "cs-shortcuts.h"
#include "cs-sign-in-page.h"
#include "cs-window.h"

struct _CsWindow
{
  AdwApplicationWindow  parent_instance;

  CsApplication        *app;
  CsSync               *sync;
  CsCaseList           *cases;
  GtkSingleSelection   *selection;
  char                 *last_decision;

  AdwToastOverlay      *toast_overlay;
  AdwWindowTitle       *window_title;
  GtkLabel             *sync_label;
  GtkImage             *sync_icon;
  GtkLabel             *sync_detail;
  gboolean              conflicts_only;
  GtkRevealer          *error_revealer;
  GtkLabel             *error_label;
  GtkStack             *main_stack;
  CsSignInPage         *sign_in_page;
  GtkWidget            *sync_button;
  GtkStack             *queue_stack;
  GtkListView          *queue_view;
  GtkSearchEntry       *search_entry;
  GtkDropDown          *view_dropdown;
  GtkDropDown          *sort_dropdown;
  GtkDropDown          *queue_dropdown;
  GtkDropDown          *trigger_dropdown;
  GtkStringList        *queue_names;     /* "All queues", then the store's queues */
  AdwFlap              *flap;
  GtkWidget            *queue_pane;
  GtkWidget            *queue_handle;
  GtkToggleButton      *queue_toggle;
  int                   drag_start_width;
  GSettings            *settings;
  CsCaseView           *case_view;
};

G_DEFINE_FINAL_TYPE (CsWindow, cs_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_CONFLICTS_ONLY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void refresh_cases (CsWindow *self);
static void query_changed_cb (CsWindow *self);

static const char *
trigger_short (CsTriggerKind kind)
{
  switch (kind)
    {
    case CS_TRIGGER_LOW_CONFIDENCE: return _("Low confidence");
    case CS_TRIGGER_FAIRNESS: return _("Fairness");
    case CS_TRIGGER_COMPLIANCE_KEYWORD: return _("Compliance");
    case CS_TRIGGER_ANOMALY: return _("Anomaly");
    case CS_TRIGGER_RANDOM_AUDIT: return _("Audit");
    case CS_TRIGGER_OVERDUE: return _("Overdue");
    case CS_TRIGGER_OTHER:
    default: return _("Escalated");
    }
}

void
cs_window_show_error (CsWindow   *self,
                      const char *message)
{
  g_return_if_fail (CS_IS_WINDOW (self));

  gtk_label_set_label (self->error_label, message ? message : "");
  gtk_revealer_set_reveal_child (self->error_revealer, message != NULL && *message != '\0');
}

static void
update_sync_status (CsWindow *self)
{
  g_autofree char *text = NULL;
  g_autoptr(GString) detail = g_string_new (NULL);
  guint pending = cs_sync_get_pending (self->sync);
  guint conflicts = cs_sync_get_conflicts (self->sync);
  GDateTime *last_success = cs_sync_get_last_success (self->sync);
  const char *last_error = cs_sync_get_last_error (self->sync);
  const char *state, *icon;

  switch (cs_sync_get_state (self->sync))
    {
    case CS_SYNC_ONLINE: state = _("Online"); icon = "network-idle-symbolic"; break;
    case CS_SYNC_SYNCING: state = _("Syncing…"); icon = "emblem-synchronizing-symbolic"; break;
    case CS_SYNC_SIGNING_IN: state = _("Signing in…"); icon = "emblem-synchronizing-symbolic"; break;
    case CS_SYNC_NEEDS_SIGN_IN: state = _("Sign-in needed"); icon = "dialog-password-symbolic"; break;
    case CS_SYNC_STOPPED: state = _("Sync stopped"); icon = "dialog-warning-symbolic"; break;
    case CS_SYNC_OFFLINE:
    default: state = _("Offline"); icon = "network-offline-symbolic"; break;
    }
  gtk_image_set_from_icon_name (self->sync_icon, icon);

  g_string_append_printf (detail, ngettext ("%u decision waiting to be sent.", "%u decisions waiting to be sent.",
                                            pending), pending);
  g_string_append_c (detail, '\n');
  if (conflicts > 0)
    {
      g_string_append_printf (detail, ngettext ("%u decision the server did not take: open it to decide again.",
                                                "%u decisions the server did not take: open them to decide again.",
                                                conflicts), conflicts);
      g_string_append_c (detail, '\n');
    }
  if (last_success != NULL)
    {
      g_autoptr(GDateTime) local = g_date_time_to_local (last_success);
      g_autofree char *when = g_date_time_format (local, "%H:%M:%S");
      g_string_append_printf (detail, _("Last in touch with the server at %s."), when);
    }
  else
    g_string_append (detail, _("Not yet in touch with the server. Decisions are kept here until it can be reached."));
  if (last_error != NULL)
    g_string_append_printf (detail, "\n%s", last_error);
  gtk_label_set_label (self->sync_detail, detail->str);

  if (conflicts > 0)
    text = g_strdup_printf (ngettext ("%s · %u unsent · %u conflict", "%s · %u unsent · %u conflicts", conflicts),
                            state, pending, conflicts);
  else
    text = g_strdup_printf (_("%s · %u unsent"), state, pending);
  gtk_label_set_label (self->sync_label, text);

  cs_window_show_error (self, cs_sync_get_last_error (self->sync));
}

static void
update_queue_page (CsWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->cases));
  g_autofree char *subtitle = g_strdup_printf (ngettext ("%u case to review", "%u cases to review", n), n);

  gtk_stack_set_visible_child_name (self->queue_stack, n > 0 ? "list" : "empty");
  adw_window_title_set_subtitle (self->window_title, subtitle);
}

static void
selection_changed_cb (CsWindow *self)
{
  CsCaseItem *item = gtk_single_selection_get_selected_item (self->selection);

  cs_case_view_set_case_id (self->case_view, item ? cs_case_item_get_id (item) : NULL);
  if (item != NULL && adw_flap_get_folded (self->flap))
    adw_flap_set_reveal_flap (self->flap, FALSE);
}

/* On a narrow window the queue folds over the case; choosing a case puts the
 * case back in front. */
static void
queue_activate_cb (CsWindow *self)
{
  if (adw_flap_get_folded (self->flap))
    adw_flap_set_reveal_flap (self->flap, FALSE);
}

#define QUEUE_MIN_WIDTH 200
#define QUEUE_MAX_WIDTH 1200

static void
handle_drag_begin_cb (GtkGestureDrag *gesture,
                      double          x,
                      double          y,
                      CsWindow       *self)
{
  self->drag_start_width = gtk_widget_get_width (self->queue_pane);
}

/* The queue's width follows the handle; GSettings keeps it. */
static void
handle_drag_update_cb (GtkGestureDrag *gesture,
                       double          offset_x,
                       double          offset_y,
                       CsWindow       *self)
{
  int width = self->drag_start_width + (int) offset_x;

  if (gtk_widget_get_direction (GTK_WIDGET (self)) == GTK_TEXT_DIR_RTL)
    width = self->drag_start_width - (int) offset_x;
  gtk_widget_set_size_request (self->queue_pane, CLAMP (width, QUEUE_MIN_WIDTH, QUEUE_MAX_WIDTH), -1);
}

/* Reloads the list and keeps the reviewer where they were: on the same case
 * when it is still listed, else on the case that took its place.
 *
 * The list view gets a new model rather than a change to the old one: on a
 * change covering every row, GTK 4.8's list widgets look for the items they
 * track (the focused and selected rows) among all the new rows, which reads
 * every page of a 100,000-case queue. A new model costs only the rows on
 * screen, and the case to keep is found in SQL. */
static void
reload_cases (CsWindow          *self,
              const CsCaseQuery *query)
{
  const char *current = cs_case_view_get_case_id (self->case_view);
  g_autofree char *keep = g_strdup (current);
  guint old_position = gtk_single_selection_get_selected (self->selection);
  g_autoptr(CsCaseList) cases = cs_case_list_new_for_query (cs_sync_get_store (self->sync),
                                                           query != NULL ? query : cs_case_list_get_query (self->cases));
  GtkSingleSelection *selection;
  guint n;
  int position;

  n = g_list_model_get_n_items (G_LIST_MODEL (cases));
  position = keep ? cs_case_list_find (cases, keep) : -1;
  if (position < 0 && n > 0)
    position = old_position == GTK_INVALID_LIST_POSITION ? 0 : (int) MIN (old_position, n - 1);

  selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (cases)));
  gtk_single_selection_set_autoselect (selection, FALSE);
  gtk_single_selection_set_selected (selection, position >= 0 ? (guint) position : GTK_INVALID_LIST_POSITION);
  g_signal_handlers_disconnect_by_data (self->selection, self);
  gtk_list_view_set_model (self->queue_view, GTK_SELECTION_MODEL (selection));
  g_set_object (&self->cases, cases);
  g_clear_object (&self->selection);
  self->selection = selection;
  g_signal_connect_object (self->selection, "notify::selected-item", G_CALLBACK (selection_changed_cb),
                           self, G_CONNECT_SWAPPED);
  if (position >= 0)
    gtk_widget_activate_action (GTK_WIDGET (self->queue_view), "list.scroll-to-item", "u", (guint) position);

  selection_changed_cb (self);
  update_queue_page (self);
}

static void
refresh_cases (CsWindow *self)
{
  reload_cases (self, NULL);
}

/* The queue filter offers the queues the store holds cases of; a new queue's
 * first cases add it, and the choice made stays. */
static void
update_queue_names (CsWindow *self)
{
  g_autoptr(GPtrArray) queues = NULL;
  g_autofree char *chosen = NULL;
  guint selected = gtk_drop_down_get_selected (self->queue_dropdown);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->queue_names));
  guint keep = 0;
  gboolean same;

  if (self->sync == NULL || (queues = cs_store_list_queues (cs_sync_get_store (self->sync), NULL)) == NULL)
    return;
  same = n == queues->len + 1;
  for (guint i = 0; same && i < queues->len; i++)
    same = g_str_equal (gtk_string_list_get_string (self->queue_names, i + 1), g_ptr_array_index (queues, i));
  if (same)
    return;

  if (selected > 0 && selected < n)
    chosen = g_strdup (gtk_string_list_get_string (self->queue_names, selected));
  g_ptr_array_add (queues, NULL);
  g_signal_handlers_block_by_func (self->queue_dropdown, query_changed_cb, self);
  gtk_string_list_splice (self->queue_names, 1, n - 1, (const char * const *) queues->pdata);
  for (guint i = 0; chosen != NULL && queues->pdata[i] != NULL; i++)
    if (g_str_equal (queues->pdata[i], chosen))
      keep = i + 1;
  gtk_drop_down_set_selected (self->queue_dropdown, keep);
  g_signal_handlers_unblock_by_func (self->queue_dropdown, query_changed_cb, self);
}

static void
cases_changed_cb (CsWindow  *self,
                  GPtrArray *ids)
{
  update_queue_names (self);
  refresh_cases (self);
}

static void
undo_clicked_cb (AdwToast *toast,
                 CsWindow *self)
{
  g_autoptr(GError) error = NULL;

  if (self->last_decision == NULL)
    return;
  if (!cs_store_undo_decision (cs_sync_get_store (self->sync), self->last_decision, &error))
    {
      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
      return;
    }
  g_clear_pointer (&self->last_decision, g_free);
  cs_sync_wake (self->sync);
  refresh_cases (self);
}

/* The usual way a case leaves the list: the reviewer decided the case on
 * screen, the selected row. One row goes, the next takes its place; nothing
 * else of the list is touched, which keeps deciding fast on a long queue. */
static gboolean
remove_decided_row (CsWindow   *self,
                    const char *case_id)
{
  CsCaseItem *item = gtk_single_selection_get_selected_item (self->selection);
  guint position = gtk_single_selection_get_selected (self->selection);
  guint n;
  gboolean removed;

  if (item == NULL || case_id == NULL || g_strcmp0 (cs_case_item_get_id (item), case_id) != 0)
    return FALSE;

  g_signal_handlers_block_by_func (self->selection, selection_changed_cb, self);
  removed = cs_case_list_remove (self->cases, position);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->cases));
  if (removed && n > 0)
    gtk_single_selection_set_selected (self->selection, MIN (position, n - 1));
  g_signal_handlers_unblock_by_func (self->selection, selection_changed_cb, self);
  if (!removed)
    return FALSE;

  selection_changed_cb (self);
  update_queue_page (self);
  return TRUE;
}

static void
decided_cb (CsWindow   *self,
            const char *decision_id,
            CsCaseView *view)
{
  AdwToast *toast = adw_toast_new (_("Decision saved"));

  g_free (self->last_decision);
  self->last_decision = g_strdup (decision_id);
  adw_toast_set_button_label (toast, _("_Undo"));
  g_signal_connect_object (toast, "button-clicked", G_CALLBACK (undo_clicked_cb), self, 0);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);

  /* The decided case leaves the to-do list; the next one takes its place. */
  if (!remove_decided_row (self, cs_case_view_get_case_id (view)))
    refresh_cases (self);

  /* Out of the rationale, so that the next case's keys (A, O, R, E, J, K,
   * Ctrl+Z) reach the window rather than a text field: on the queue where it
   * shows, else nowhere in particular. */
  if (adw_flap_get_reveal_flap (self->flap) && gtk_widget_get_mapped (GTK_WIDGET (self->queue_view)))
    gtk_widget_grab_focus (GTK_WIDGET (self->queue_view));
  else
    gtk_window_set_focus (GTK_WINDOW (self), NULL);
}

/* " · due in 3 h", " · overdue 2 d", or "" without a due time. */
static char *
due_in_words (gint64    due_at,
              gboolean *overdue)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 left = due_at - now;
  gint64 span = ABS (left);
  g_autofree char *amount = NULL;

  *overdue = due_at > 0 && left < 0;
  if (due_at <= 0)
    return g_strdup ("");

  if (span < 3600)
    amount = g_strdup_printf (_("%" G_GINT64_FORMAT " min"), MAX (span / 60, 1));
  else if (span < 48 * 3600)
    amount = g_strdup_printf (_("%" G_GINT64_FORMAT " h"), span / 3600);
  else
    amount = g_strdup_printf (_("%" G_GINT64_FORMAT " d"), span / 86400);

  return left < 0 ? g_strdup_printf (_(" · overdue %s"), amount) : g_strdup_printf (_(" · due in %s"), amount);
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *subtitle = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), subtitle);
  gtk_list_item_set_child (list_item, box);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             gpointer                  user_data)
{
  CsCaseItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *box = gtk_list_item_get_child (list_item);
  GtkWidget *title = gtk_widget_get_first_child (box);
  GtkWidget *subtitle = gtk_widget_get_next_sibling (title);
  g_autofree char *line = NULL;
  g_autofree char *due = NULL;
  g_autofree char *confidence = NULL;
  const char *state;
  gboolean overdue = FALSE;
  CsWindow *self = user_data;
  gboolean second_review = FALSE, judge_first = FALSE;

  gtk_label_set_label (GTK_LABEL (title), cs_case_item_get_title (item));
  due = due_in_words (cs_case_item_get_due_at (item), &overdue);
  switch (cs_case_item_get_local_state (item))
    {
    case CS_LOCAL_DECIDED: state = _(" · unsent"); break;
    case CS_LOCAL_SYNCED: state = _(" · sent"); break;
    case CS_LOCAL_CONFLICT: state = _(" · not taken"); break;
    case CS_LOCAL_CLOSED: state = _(" · closed"); break;
    case CS_LOCAL_NEW:
    default: state = ""; break;
    }
  /* The oversight rules: a case waiting for this reviewer's countersignature
   * says so, and blind first the row keeps the model's confidence to itself. */
  if (self != NULL && self->sync != NULL)
    cs_store_get_review_stage (cs_sync_get_store (self->sync), cs_case_item_get_id (item),
                               cs_sync_get_reviewer (self->sync), &second_review, &judge_first);
  if (second_review && cs_case_item_get_local_state (item) == CS_LOCAL_NEW)
    state = _(" · second review");
  confidence = judge_first ? g_strdup (_("judge first"))
                           : g_strdup_printf (_("%.0f%%"), cs_case_item_get_confidence (item) * 100);
  line = g_strdup_printf (_("%s · %s · %s%s%s"), cs_case_item_get_queue (item),
                          trigger_short (cs_case_item_get_trigger (item)),
                          confidence, due, state);
  gtk_label_set_label (GTK_LABEL (subtitle), line);
  if (overdue)
    gtk_widget_add_css_class (subtitle, "overdue");
  else
    gtk_widget_remove_css_class (subtitle, "overdue");
  if (cs_case_item_get_local_state (item) == CS_LOCAL_CONFLICT)
    gtk_widget_add_css_class (box, "state-conflict");
  else
    gtk_widget_remove_css_class (box, "state-conflict");
}

/* Keyboard-first review: the bindings act on the case on screen. Plain keys
 * reach here only when no text field took them (the rationale keeps its letters). */
static void
set_action_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  CsWindow *self = CS_WINDOW (widget);

  if (cs_case_view_get_case_id (self->case_view) != NULL)
    cs_decision_panel_set_action (cs_case_view_get_decision_panel (self->case_view), g_variant_get_int32 (parameter));
}

static void
choose_label_activated (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  CsWindow *self = CS_WINDOW (widget);

  if (cs_case_view_get_case_id (self->case_view) != NULL)
    cs_decision_panel_choose_label (cs_case_view_get_decision_panel (self->case_view),
                                    (guint) g_variant_get_int32 (parameter));
}

static void
focus_rationale_activated (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  CsWindow *self = CS_WINDOW (widget);

  cs_decision_panel_focus_rationale (cs_case_view_get_decision_panel (self->case_view));
}

static void
toggle_heatmap_activated (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  cs_case_view_toggle_heatmap (CS_WINDOW (widget)->case_view);
}

/* Ctrl+Return wherever the focus is: in the rationale the case view takes it
 * first (in the capture phase), elsewhere it reaches the window. */
static void
submit_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  CsWindow *self = CS_WINDOW (widget);

  if (cs_case_view_get_case_id (self->case_view) != NULL)
    cs_case_view_submit (self->case_view);
}

static void
show_queue_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  CsWindow *self = CS_WINDOW (widget);

  adw_flap_set_reveal_flap (self->flap, !adw_flap_get_reveal_flap (self->flap));
}

static void
search_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  CsWindow *self = CS_WINDOW (widget);

  adw_flap_set_reveal_flap (self->flap, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
show_shortcuts_activated (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  GtkWindow *shortcuts = cs_shortcuts_window_new (GTK_WINDOW (widget));

  gtk_window_present (shortcuts);
  g_object_unref (shortcuts);
}

static void
oversight_destroyed_cb (CsWindow *self)
{
  g_object_set_data (G_OBJECT (self), "cs-oversight-window", NULL);
}

/* The oversight view, one per review window: asked again, it comes to the front. */
static void
oversight_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  CsWindow *self = CS_WINDOW (widget);
  GtkWindow *oversight = g_object_get_data (G_OBJECT (self), "cs-oversight-window");

  if (oversight == NULL)
    {
      oversight = cs_oversight_window_new (self->app, GTK_WINDOW (self));
      g_object_set_data (G_OBJECT (self), "cs-oversight-window", oversight);
      g_signal_connect_object (oversight, "destroy", G_CALLBACK (oversight_destroyed_cb), self, G_CONNECT_SWAPPED);
    }
  gtk_window_present (oversight);
}

static void
move_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  CsWindow *self = CS_WINDOW (widget);
  guint n, position;
  int delta = g_variant_get_int32 (parameter);

  if (self->selection == NULL || (n = g_list_model_get_n_items (G_LIST_MODEL (self->selection))) == 0)
    return;
  position = gtk_single_selection_get_selected (self->selection);
  if (position == GTK_INVALID_LIST_POSITION)
    position = 0;
  else if (delta > 0 && position + 1 < n)
    position++;
  else if (delta < 0 && position > 0)
    position--;
  gtk_single_selection_set_selected (self->selection, position);
  gtk_widget_activate_action (GTK_WIDGET (self->queue_view), "list.scroll-to-item", "u", position);
}

static void
undo_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  CsWindow *self = CS_WINDOW (widget);

  if (self->last_decision != NULL && self->sync != NULL)
    undo_clicked_cb (NULL, self);
}

static void
sync_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  CsWindow *self = CS_WINDOW (widget);

  if (self->sync != NULL)
    cs_sync_wake (self->sync);
}

/* The list's query from the search field, the view and the order; sorting and
 * filtering happen in SQL (CsCaseList), not in the widget. */
static void
apply_query (CsWindow *self)
{
  CsCaseQuery query = { .trigger = -1 };
  static const CsSortOrder orders[] = { CS_SORT_PRIORITY, CS_SORT_CONFIDENCE, CS_SORT_DUE };
  guint sort = gtk_drop_down_get_selected (self->sort_dropdown);

  if (self->cases == NULL)
    return;

  query.sort = orders[MIN (sort, G_N_ELEMENTS (orders) - 1)];
  query.search = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  /* Position 0 of each filter is "all". */
  if (gtk_drop_down_get_selected (self->queue_dropdown) > 0 &&
      gtk_drop_down_get_selected (self->queue_dropdown) != GTK_INVALID_LIST_POSITION)
    query.queue = gtk_string_list_get_string (self->queue_names, gtk_drop_down_get_selected (self->queue_dropdown));
  if (gtk_drop_down_get_selected (self->trigger_dropdown) > 0 &&
      gtk_drop_down_get_selected (self->trigger_dropdown) != GTK_INVALID_LIST_POSITION)
    query.trigger = (int) (CS_TRIGGER_LOW_CONFIDENCE + gtk_drop_down_get_selected (self->trigger_dropdown) - 1);
  if (self->conflicts_only)
    query.states = 1u << CS_LOCAL_CONFLICT;
  else
    switch (gtk_drop_down_get_selected (self->view_dropdown))
      {
      case 1: query.states = (1u << CS_LOCAL_DECIDED) | (1u << CS_LOCAL_SYNCED); break;
      case 2: query.states = 0; break;
      default: query.states = CS_STATES_TODO; break;
      }

  reload_cases (self, &query);
}

static void
query_changed_cb (CsWindow *self)
{
  static const char *order_names[] = { "priority", "confidence", "due" };
  guint sort = gtk_drop_down_get_selected (self->sort_dropdown);

  if (self->settings != NULL && sort < G_N_ELEMENTS (order_names))
    g_settings_set_string (self->settings, "sort-order", order_names[sort]);
  apply_query (self);
}

static void
set_conflicts_only (CsWindow *self,
                    gboolean  conflicts_only)
{
  if (self->conflicts_only == conflicts_only)
    return;
  self->conflicts_only = conflicts_only;
  apply_query (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONFLICTS_ONLY]);
}

static void
cs_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  CsWindow *self = CS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_CONFLICTS_ONLY:
      g_value_set_boolean (value, self->conflicts_only);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  CsWindow *self = CS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_CONFLICTS_ONLY:
      set_conflicts_only (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_window_dispose (GObject *object)
{
  CsWindow *self = CS_WINDOW (object);

  /* A closed window stops following the application and its sync. */
  if (self->app != NULL)
    g_signal_handlers_disconnect_by_data (self->app, self);
  if (self->sync != NULL)
    g_signal_handlers_disconnect_by_data (self->sync, self);
  g_clear_object (&self->cases);
  g_clear_object (&self->selection);
  g_clear_object (&self->sync);
  g_clear_object (&self->settings);
  g_clear_object (&self->queue_names);
  g_clear_pointer (&self->last_decision, g_free);

  G_OBJECT_CLASS (cs_window_parent_class)->dispose (object);
}

static void
cs_window_class_init (CsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cs_window_dispose;
  object_class->get_property = cs_window_get_property;
  object_class->set_property = cs_window_set_property;

  /* The queue shows only the decisions the server did not take. */
  properties[PROP_CONFLICTS_ONLY] =
    g_param_spec_boolean ("conflicts-only", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (CS_TYPE_CASE_VIEW);
  g_type_ensure (CS_TYPE_SIGN_IN_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class, APP_PATH "cs-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CsWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, sync_label);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, sync_icon);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, sync_detail);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, sign_in_page);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, sync_button);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, queue_stack);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, queue_view);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, view_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, sort_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, queue_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, trigger_dropdown);
  gtk_widget_class_bind_template_callback (widget_class, query_changed_cb);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, flap);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, queue_pane);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, queue_handle);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, queue_toggle);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, case_view);

  gtk_widget_class_install_action (widget_class, "win.sync", NULL, sync_activated);
  gtk_widget_class_install_property_action (widget_class, "win.conflicts-only", "conflicts-only");
  gtk_widget_class_install_action (widget_class, "win.set-action", "i", set_action_activated);
  gtk_widget_class_install_action (widget_class, "win.choose-label", "i", choose_label_activated);
  gtk_widget_class_install_action (widget_class, "win.focus-rationale", NULL, focus_rationale_activated);
  gtk_widget_class_install_action (widget_class, "win.move", "i", move_activated);
  gtk_widget_class_install_action (widget_class, "win.undo", NULL, undo_activated);
  gtk_widget_class_install_action (widget_class, "win.show-shortcuts", NULL, show_shortcuts_activated);
  gtk_widget_class_install_action (widget_class, "win.oversight", NULL, oversight_activated);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_activated);
  gtk_widget_class_install_action (widget_class, "win.show-queue", NULL, show_queue_activated);
  gtk_widget_class_install_action (widget_class, "win.submit", NULL, submit_activated);
  gtk_widget_class_install_action (widget_class, "win.toggle-heatmap", NULL, toggle_heatmap_activated);
  cs_shortcuts_add_bindings (widget_class);
}

/* The schema id is the same in every build profile; an uninstalled run without
 * compiled schemas keeps the defaults rather than aborting. */
static GSettings *
window_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, "io.github.countersign.Countersign", TRUE);
  if (schema == NULL)
    {
      g_message ("The settings schema is not installed: window size and panes will not be kept");
      return NULL;
    }
  return g_settings_new_full (schema, NULL, NULL);
}

static void
cs_window_init (CsWindow *self)
{
  GtkGesture *drag;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->queue_names = gtk_string_list_new ((const char * const[]) { _("All queues"), NULL });
  g_signal_handlers_block_by_func (self->queue_dropdown, query_changed_cb, self);
  gtk_drop_down_set_model (self->queue_dropdown, G_LIST_MODEL (self->queue_names));
  g_signal_handlers_unblock_by_func (self->queue_dropdown, query_changed_cb, self);

  g_object_bind_property (self->flap, "reveal-flap", self->queue_toggle, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  drag = gtk_gesture_drag_new ();
  g_signal_connect (drag, "drag-begin", G_CALLBACK (handle_drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (handle_drag_update_cb), self);
  gtk_widget_add_controller (self->queue_handle, GTK_EVENT_CONTROLLER (drag));
  gtk_widget_set_cursor_from_name (self->queue_handle, "col-resize");

  self->settings = window_settings ();
  if (self->settings != NULL)
    {
      g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "queue-pane-width", self->queue_pane, "width-request", G_SETTINGS_BIND_DEFAULT);
      {
        g_autofree char *order = g_settings_get_string (self->settings, "sort-order");
        guint selected = g_str_equal (order, "confidence") ? 1 : g_str_equal (order, "due") ? 2 : 0;

        g_signal_handlers_block_by_func (self->sort_dropdown, query_changed_cb, self);
        gtk_drop_down_set_selected (self->sort_dropdown, selected);
        g_signal_handlers_unblock_by_func (self->sort_dropdown, query_changed_cb, self);
      }
    }
}

/* The review page while signed in; the sign-in page while signed out, or
 * once the server refused the token (the sync then waits for a new one). */
static void
update_main_page (CsWindow *self)
{
  gboolean refused = self->sync != NULL && cs_sync_get_state (self->sync) == CS_SYNC_NEEDS_SIGN_IN;
  gboolean review = self->sync != NULL && !refused;

  /* The queue and sync controls mean nothing before signing in. */
  gtk_widget_set_visible (GTK_WIDGET (self->queue_toggle), review);
  gtk_widget_set_visible (self->sync_button, review);
  if (review)
    {
      gtk_stack_set_visible_child_name (self->main_stack, "review");
      return;
    }

  cs_sign_in_page_set_reason (self->sign_in_page,
                              refused ? _("The server no longer accepts the token in use. Sign in again with a new "
                                          "one; decisions not yet sent stay on this computer.")
                                      : NULL);
  gtk_stack_set_visible_child_name (self->main_stack, "signed-out");
  /* The page says it in words of its own; the banner would repeat it. */
  cs_window_show_error (self, NULL);
}

static void
detach_sync (CsWindow *self)
{
  if (self->sync == NULL)
    return;

  g_signal_handlers_disconnect_by_data (self->sync, self);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  cs_case_view_set_case_id (self->case_view, NULL);
  cs_case_view_set_sync (self->case_view, NULL);
  gtk_list_view_set_model (self->queue_view, NULL);
  adw_window_title_set_subtitle (self->window_title, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->cases);
  g_clear_object (&self->sync);
  g_clear_pointer (&self->last_decision, g_free);
}

/* Shows what @sync holds: at start, and again at each sign-in and sign-out. */
static void
attach_sync (CsWindow *self,
             CsSync   *sync)
{
  if (self->sync == sync)
    {
      update_main_page (self);
      return;
    }

  detach_sync (self);
  if (sync == NULL)
    {
      update_main_page (self);
      return;
    }

  self->sync = g_object_ref (sync);
  self->cases = cs_case_list_new (cs_sync_get_store (sync));
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->cases)));
  gtk_single_selection_set_autoselect (self->selection, TRUE);
  gtk_list_view_set_model (self->queue_view, GTK_SELECTION_MODEL (self->selection));

  cs_case_view_set_sync (self->case_view, self->sync);
  g_signal_connect_object (self->selection, "notify::selected-item", G_CALLBACK (selection_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->sync, "cases-changed", G_CALLBACK (cases_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->sync, "notify", G_CALLBACK (update_sync_status), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->sync, "notify::state", G_CALLBACK (update_main_page), self, G_CONNECT_SWAPPED);

  update_sync_status (self);
  update_queue_names (self);
  apply_query (self);
  update_main_page (self);
}

static void
app_sync_changed_cb (CsWindow *self)
{
  attach_sync (self, cs_application_get_sync (self->app));
}

/* Signed in without the keyring: the reviewer must know the token is not kept. */
static void
signed_in_cb (CsWindow   *self,
              const char *keyring_problem)
{
  g_autofree char *text = NULL;
  AdwToast *toast;

  if (keyring_problem == NULL)
    return;
  text = g_strdup_printf (_("%s You are signed in until Countersign closes."), keyring_problem);
  toast = adw_toast_new (text);
  adw_toast_set_timeout (toast, 0);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

CsWindow *
cs_window_new (CsApplication *app)
{
  CsWindow *self = g_object_new (CS_TYPE_WINDOW, "application", app, NULL);
  GtkListItemFactory *factory;

  self->app = app;

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), self);
  gtk_list_view_set_factory (self->queue_view, factory);
  g_object_unref (factory);

  g_signal_connect_object (self->queue_view, "activate", G_CALLBACK (queue_activate_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->case_view, "decided", G_CALLBACK (decided_cb), self, G_CONNECT_SWAPPED);
  /* Blind first, the row shows the confidence once the reviewer has judged. */
  g_signal_connect_object (self->case_view, "judged", G_CALLBACK (refresh_cases), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->case_view, "dismissed", G_CALLBACK (refresh_cases), self, G_CONNECT_SWAPPED);

  cs_sign_in_page_set_application (self->sign_in_page, app);
  g_signal_connect_object (self->sign_in_page, "signed-in", G_CALLBACK (signed_in_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (app, "notify::sync", G_CALLBACK (app_sync_changed_cb), self, G_CONNECT_SWAPPED);
  attach_sync (self, cs_application_get_sync (app));
  return self;
}

gboolean
cs_window_show_case (CsWindow    *self,
                     const char  *case_id,
                     GError     **error)
{
  g_autoptr(CsCase) kase = NULL;
  int position;

  g_return_val_if_fail (CS_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (case_id != NULL, FALSE);

  if (self->cases == NULL)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_NOT_FOUND, _("No local store is open"));
      return FALSE;
    }
  kase = cs_store_get_case (cs_sync_get_store (self->sync), case_id, error);
  if (kase == NULL)
    return FALSE;

  /* A decided case is not in the to-do view: show every case then. */
  if (cs_case_list_find (self->cases, case_id) < 0)
    gtk_drop_down_set_selected (self->view_dropdown, 2);
  position = cs_case_list_find (self->cases, case_id);
  if (position >= 0)
    {
      gtk_single_selection_set_selected (self->selection, (guint) position);
      gtk_widget_activate_action (GTK_WIDGET (self->queue_view), "list.scroll-to-item", "u", (guint) position);
    }
  cs_case_view_set_case_id (self->case_view, case_id);
  return TRUE;
}

GtkListView *
cs_window_get_queue_view (CsWindow *self)
{
  g_return_val_if_fail (CS_IS_WINDOW (self), NULL);
  return self->queue_view;
}

CsCaseView *
cs_window_get_case_view (CsWindow *self)
{
  g_return_val_if_fail (CS_IS_WINDOW (self), NULL);
  return self->case_view;
}

GListModel *
cs_window_get_cases (CsWindow *self)
{
  g_return_val_if_fail (CS_IS_WINDOW (self), NULL);
  return self->cases ? G_LIST_MODEL (self->cases) : NULL;
}
