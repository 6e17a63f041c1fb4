/* test-ui-smoke.c: the real window against the real server, under Xvfb.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>

#include "cs-application.h"
#include "cs-case-list.h"
#include "cs-shortcuts.h"
#include "cs-test-server.h"
#include "cs-test-ui.h"
#include "cs-window.h"

#define QUEUE_JSON \
  "{\"title\": \"Dermatology triage\", \"labels\": [\"melanoma\", \"nevus\", \"other\"]," \
  " \"policy\": {\"rationale_required\": [\"accept\", \"override\"], \"min_rationale_chars\": 10}," \
  " \"routing\": {\"confidence_threshold\": 0.9}}"

/* One application for the whole program: it registers on the session bus once,
 * and each test connects it to its own server and store. */
static CsApplication *app;

static gboolean
has_n_cases_1 (gpointer data)
{
  GListModel *cases = cs_window_get_cases (data);

  return cases != NULL && g_list_model_get_n_items (cases) == 1;
}

static gboolean
has_two_cases (gpointer data)
{
  GListModel *cases = cs_window_get_cases (data);

  return cases != NULL && g_list_model_get_n_items (cases) == 2 &&
         cs_case_view_is_settled (cs_window_get_case_view (data));
}

static gboolean
view_settled (gpointer data)
{
  return cs_case_view_is_settled (cs_window_get_case_view (data));
}

static gboolean
outbox_empty (gpointer data)
{
  return cs_sync_get_pending (data) == 0 && cs_sync_get_state (data) == CS_SYNC_ONLINE;
}

static void
test_accept_a_case (void)
{
  g_autoptr(CsTestServer) server = cs_test_server_new_argv ((const char * const[]) { NULL });
  g_autofree char *admin = cs_test_server_create_token (server, "ops", "admin", NULL, NULL);
  g_autofree char *model = cs_test_server_create_token (server, "derm-classifier", "model", NULL, NULL);
  g_autofree char *reviewer = cs_test_server_create_token (server, "r-17", "reviewer", "derm", "Dr. A. Rivera");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cs-ui-XXXXXX", &error);
  g_autofree char *sha = NULL;
  g_autofree char *first_id = NULL;
  g_autoptr(JsonNode) metrics = NULL;
  CsWindow *window;
  CsCaseView *view;
  CsStore *store;
  g_autoptr(GBytes) png = cs_test_png_bytes (320, 240, 0xc08060ff);
  gsize n_bytes = g_bytes_get_size (png);

  cs_test_http_expect (server, "PUT", "/api/v1/queues/derm", admin, QUEUE_JSON, 200);
  sha = cs_test_upload (server, model, "image/png", png);
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *body = g_strdup_printf (
        "{\"queue\": \"derm\", \"subject\": {\"kind\": \"image\", \"title\": \"Lesion %d\","
        "  \"asset\": {\"sha256\": \"%s\", \"media_type\": \"image/png\", \"bytes\": %" G_GSIZE_FORMAT ", \"width\": 320, \"height\": 240}},"
        " \"model\": {\"name\": \"derm-classifier\", \"version\": \"2.3.1\"},"
        " \"prediction\": {\"label\": \"melanoma\", \"confidence\": %g},"
        " \"explanation\": {\"regions\": [{\"x\": 100, \"y\": 60, \"w\": 80, \"h\": 60, \"label\": \"lesion\", \"score\": 0.9}]}}",
        i, sha, n_bytes, 0.5 + i * 0.1);
      g_autoptr(JsonNode) answer = cs_test_http_expect (server, "POST", "/api/v1/predictions", model, body, 200);
    }

  g_assert_true (cs_application_connect (app, cs_test_server_get_url (server), reviewer, dir, &error));
  g_assert_no_error (error);

  window = cs_window_new (app);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (cs_test_wait_for (has_two_cases, window, 30));

  /* Search, the view and the order are SQL queries behind the list. */
  {
    GtkWidget *search = cs_test_find_widget (GTK_WIDGET (window), GTK_TYPE_SEARCH_ENTRY);
    GtkWidget *sort = cs_test_find_by_tooltip (GTK_WIDGET (window), GTK_TYPE_DROP_DOWN, "Order of the queue");

    gtk_editable_set_text (GTK_EDITABLE (search), "Lesion 1");
    g_assert_true (cs_test_wait_for (has_n_cases_1, window, 5));
    gtk_editable_set_text (GTK_EDITABLE (search), "");
    g_assert_true (cs_test_wait_for (has_two_cases, window, 5));
    gtk_drop_down_set_selected (GTK_DROP_DOWN (sort), 1);   /* least confident first */
    {
      g_autoptr(CsCaseItem) first = g_list_model_get_item (cs_window_get_cases (window), 0);
      g_assert_cmpfloat (cs_case_item_get_confidence (first), ==, 0.5);
    }
    gtk_drop_down_set_selected (GTK_DROP_DOWN (sort), 0);

    /* Filters by queue and by the reason cases came, also in SQL. */
    {
      GtkWidget *queue = cs_test_find_by_tooltip (GTK_WIDGET (window), GTK_TYPE_DROP_DOWN, "Cases of one queue only");
      GtkWidget *reason = cs_test_find_by_tooltip (GTK_WIDGET (window), GTK_TYPE_DROP_DOWN, "Cases sent for one reason only");
      GListModel *queues = gtk_drop_down_get_model (GTK_DROP_DOWN (queue));

      g_assert_cmpuint (g_list_model_get_n_items (queues), ==, 2);
      g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (queues), 1), ==, "derm");
      gtk_drop_down_set_selected (GTK_DROP_DOWN (queue), 1);
      g_assert_true (cs_test_wait_for (has_two_cases, window, 5));
      gtk_drop_down_set_selected (GTK_DROP_DOWN (reason), 2);   /* fairness: none */
      g_assert_cmpuint (g_list_model_get_n_items (cs_window_get_cases (window)), ==, 0);
      gtk_drop_down_set_selected (GTK_DROP_DOWN (reason), 1);   /* low confidence: both */
      g_assert_true (cs_test_wait_for (has_two_cases, window, 5));
      gtk_drop_down_set_selected (GTK_DROP_DOWN (reason), 0);
      gtk_drop_down_set_selected (GTK_DROP_DOWN (queue), 0);
      g_assert_true (cs_test_wait_for (has_two_cases, window, 5));
    }

    /* The list kept "Lesion 1" selected through the search; K goes up to the first. */
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.move", "i", -1));
    g_assert_true (cs_test_wait_for (view_settled, window, 10));
  }

  /* The most urgent (least confident) case is on screen, with its evidence. */
  view = cs_window_get_case_view (window);
  first_id = g_strdup (cs_case_view_get_case_id (view));
  g_assert_nonnull (first_id);
  store = cs_application_get_store (app);
  {
    g_autoptr(CsCase) kase = cs_store_get_case (store, first_id, &error);
    g_assert_cmpstr (cs_case_get_title (kase), ==, "Lesion 0");
  }
  /* Its image evidence was decoded into the tiled view, at its real size. */
  {
    CsImageView *image = cs_case_view_get_image_view (view);
    int width = 0, height = 0;

    g_assert_cmpint (cs_image_view_get_state (image), ==, CS_IMAGE_VIEW_STATE_READY);
    cs_image_view_get_image_size (image, &width, &height);
    g_assert_cmpint (width, ==, 320);
    g_assert_cmpint (height, ==, 240);

    /* H hides the heatmap, and the choice is the reviewer's setting. */
    g_assert_true (cs_image_view_get_heatmap_visible (image));
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.toggle-heatmap", NULL));
    g_assert_false (cs_image_view_get_heatmap_visible (image));
    {
      g_autoptr(GSettings) settings = g_settings_new ("io.github.countersign.Countersign");
      g_assert_false (g_settings_get_boolean (settings, "heatmap-visible"));
      g_settings_set_boolean (settings, "heatmap-visible", TRUE);
    }
    g_assert_true (cs_image_view_get_heatmap_visible (image));
  }

  /* The policy asks for a rationale: accepting without one is refused in the view. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "case.accept", NULL));
  g_assert_cmpuint (cs_store_get_counts (store).pending, ==, 0);
  g_assert_cmpstr (cs_case_view_get_case_id (view), ==, first_id);

  cs_case_view_set_rationale (view, "Consistent with the dermoscopy.");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "case.accept", NULL));

  /* Durable at once, and the next case takes its place. */
  {
    CsLocalState state;
    g_assert_true (cs_store_get_local_state (store, first_id, &state));
    g_assert_true (state == CS_LOCAL_DECIDED || state == CS_LOCAL_SYNCED);
  }
  g_assert_cmpuint (g_list_model_get_n_items (cs_window_get_cases (window)), ==, 1);
  g_assert_cmpstr (cs_case_view_get_case_id (view), !=, first_id);
  g_assert_true (cs_test_wait_for (view_settled, window, 10));

  /* The second case: key 2 chooses "nevus", an override; its rationale is required. */
  {
    CsDecisionPanel *panel = cs_case_view_get_decision_panel (view);
    g_autofree char *second_id = g_strdup (cs_case_view_get_case_id (view));
    CsOutboxState outbox_state;
    g_autoptr(CsDecision) decision = NULL;

    g_assert_true (cs_decision_panel_choose_label (panel, 1));
    g_assert_cmpint (cs_decision_panel_get_action (panel), ==, CS_ACTION_OVERRIDE);
    g_assert_cmpstr (cs_decision_panel_get_label (panel), ==, "nevus");
    /* The model's own label is an accept, not an override. */
    g_assert_true (cs_decision_panel_choose_label (panel, 0));
    g_assert_cmpint (cs_decision_panel_get_action (panel), ==, CS_ACTION_ACCEPT);
    g_assert_false (cs_decision_panel_choose_label (panel, 7));
    g_assert_true (cs_decision_panel_choose_label (panel, 1));

    cs_case_view_submit (view);
    g_assert_null (cs_store_get_latest_decision (store, second_id, NULL));
    cs_decision_panel_set_rationale (panel, "Regular network, no atypia.");
    cs_case_view_submit (view);
    decision = cs_store_get_latest_decision (store, second_id, &outbox_state);
    g_assert_nonnull (decision);
    g_assert_cmpint (cs_decision_get_action (decision), ==, CS_ACTION_OVERRIDE);
    g_assert_cmpstr (cs_decision_get_label (decision), ==, "nevus");
    g_assert_cmpstr (cs_decision_get_rationale (decision), ==, "Regular network, no atypia.");
  }
  g_assert_cmpuint (g_list_model_get_n_items (cs_window_get_cases (window)), ==, 0);

  /* The sync loop takes both to the server. */
  g_assert_true (cs_test_wait_for (outbox_empty, cs_application_get_sync (app), 30));
  metrics = cs_test_http_expect (server, "GET", "/api/v1/metrics?queue=derm", admin, NULL, 200);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (metrics), "decided"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (json_node_get_object (metrics), "by_action"),
                                               "accept"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (json_node_get_object (metrics), "by_action"),
                                               "override"), ==, 1);

  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
has_conflict (gpointer data)
{
  return cs_sync_get_conflicts (data) == 1 && cs_sync_get_pending (data) == 0;
}

static void
test_conflict_is_shown_and_dismissed (void)
{
  g_autoptr(CsTestServer) server = cs_test_server_new_argv ((const char * const[]) { NULL });
  g_autofree char *admin = cs_test_server_create_token (server, "ops", "admin", NULL, NULL);
  g_autofree char *model = cs_test_server_create_token (server, "derm-classifier", "model", NULL, NULL);
  g_autofree char *reviewer = cs_test_server_create_token (server, "r-17", "reviewer", "derm", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cs-ui-XXXXXX", &error);
  g_autofree char *id = NULL;
  g_autofree char *withdraw = NULL;
  CsWindow *window;
  CsCaseView *view;
  CsSync *sync;

  cs_test_http_expect (server, "PUT", "/api/v1/queues/derm", admin, QUEUE_JSON, 200);
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *body = g_strdup_printf (
        "{\"queue\": \"derm\", \"subject\": {\"kind\": \"text\", \"title\": \"Note %d\","
        "  \"text\": \"Referral note %d: pigmented lesion, irregular border.\"},"
        " \"model\": {\"name\": \"derm-classifier\"},"
        " \"prediction\": {\"label\": \"melanoma\", \"confidence\": %g}}", i, i, 0.5 + i * 0.1);
      g_autoptr(JsonNode) answer = cs_test_http_expect (server, "POST", "/api/v1/predictions", model, body, 200);
    }

  g_assert_true (cs_application_connect (app, cs_test_server_get_url (server), reviewer, dir, &error));
  window = cs_window_new (app);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (cs_test_wait_for (has_two_cases, window, 30));
  view = cs_window_get_case_view (window);
  sync = cs_application_get_sync (app);
  id = g_strdup (cs_case_view_get_case_id (view));

  /* The case is withdrawn on the server while the reviewer works on it. */
  withdraw = g_strdup_printf ("/api/v1/cases/%s/withdraw", id);
  cs_test_http_expect (server, "POST", withdraw, admin, NULL, 200);
  cs_case_view_set_rationale (view, "Consistent with the referral.");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "case.accept", NULL));
  g_assert_true (cs_test_wait_for (has_conflict, sync, 30));

  /* Only conflicts: the case is back, with the server's word and no way to decide it again. */
  g_object_set (window, "conflicts-only", TRUE, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (cs_window_get_cases (window)), ==, 1);
  g_assert_cmpstr (cs_case_view_get_case_id (view), ==, id);
  gtk_widget_activate_action (GTK_WIDGET (view), "case.accept", NULL);   /* disabled: nothing happens */
  g_assert_cmpuint (cs_store_get_counts (cs_application_get_store (app)).pending, ==, 0);
  g_assert_cmpuint (cs_store_get_counts (cs_application_get_store (app)).conflicts, ==, 1);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "case.dismiss", NULL));
  g_assert_cmpuint (g_list_model_get_n_items (cs_window_get_cases (window)), ==, 0);
  {
    CsLocalState state;
    g_assert_true (cs_store_get_local_state (cs_application_get_store (app), id, &state));
    g_assert_cmpint (state, ==, CS_LOCAL_CLOSED);
  }

  g_object_set (window, "conflicts-only", FALSE, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (cs_window_get_cases (window)), ==, 1);
  gtk_window_destroy (GTK_WINDOW (window));
}

static GtkWidget *
find_flap_child (CsWindow *window)
{
  GtkWidget *flap = gtk_widget_get_ancestor (GTK_WIDGET (cs_window_get_case_view (window)), ADW_TYPE_FLAP);

  g_assert_nonnull (flap);
  return adw_flap_get_flap (ADW_FLAP (flap));
}

static void
test_window_state_is_kept (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.countersign.Countersign");
  CsWindow *window;
  GtkWidget *queue;
  int width = 0, queue_width = 0;

  g_settings_set_int (settings, "window-width", 1111);
  g_settings_set_int (settings, "queue-pane-width", 333);

  window = cs_window_new (app);
  g_object_get (window, "default-width", &width, NULL);
  g_assert_cmpint (width, ==, 1111);
  queue = find_flap_child (window);
  gtk_widget_get_size_request (queue, &queue_width, NULL);
  g_assert_cmpint (queue_width, ==, 333);

  /* The reviewer drags the handle: the width is remembered. */
  gtk_widget_set_size_request (queue, 420, -1);
  g_assert_cmpint (g_settings_get_int (settings, "queue-pane-width"), ==, 420);
  gtk_window_set_default_size (GTK_WINDOW (window), 1234, 800);
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 1234);

  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
flap_is_folded (gpointer data)
{
  GtkWidget *flap = gtk_widget_get_ancestor (GTK_WIDGET (cs_window_get_case_view (data)), ADW_TYPE_FLAP);

  return adw_flap_get_folded (ADW_FLAP (flap));
}

static gboolean
flap_is_unfolded (gpointer data)
{
  return !flap_is_folded (data);
}

/* A narrow window folds the queue away; F9 (win.show-queue) brings it over
 * the case, and choosing a case puts the case back in front. */
static void
test_narrow_window_folds_the_queue (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.countersign.Countersign");
  CsWindow *window;
  AdwFlap *flap;

  g_settings_set_int (settings, "queue-pane-width", 360);
  g_settings_set_int (settings, "window-width", 1400);
  g_settings_set_int (settings, "window-height", 900);
  window = cs_window_new (app);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (cs_test_wait_for (flap_is_unfolded, window, 10));
  flap = ADW_FLAP (gtk_widget_get_ancestor (GTK_WIDGET (cs_window_get_case_view (window)), ADW_TYPE_FLAP));
  g_assert_true (adw_flap_get_reveal_flap (flap));

  gtk_window_set_default_size (GTK_WINDOW (window), 640, 900);
  g_assert_true (cs_test_wait_for (flap_is_folded, window, 10));
  g_assert_false (adw_flap_get_reveal_flap (flap));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-queue", NULL));
  g_assert_true (adw_flap_get_reveal_flap (flap));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-queue", NULL));
  g_assert_false (adw_flap_get_reveal_flap (flap));

  /* Ctrl+F searches the queue, so it shows the queue. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.search", NULL));
  g_assert_true (adw_flap_get_reveal_flap (flap));

  gtk_window_set_default_size (GTK_WINDOW (window), 1400, 900);
  g_assert_true (cs_test_wait_for (flap_is_unfolded, window, 10));
  g_assert_true (adw_flap_get_reveal_flap (flap));
  gtk_window_destroy (GTK_WINDOW (window));
}

/* The reviewer keeps a rationale as a quick phrase, and forgets one. */
static void
test_quick_phrases_are_kept (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.countersign.Countersign");
  GtkWidget *panel = g_object_ref_sink (g_object_new (CS_TYPE_DECISION_PANEL, NULL));
  g_auto(GStrv) phrases = NULL;

  g_settings_reset (settings, "quick-rationales");
  phrases = g_settings_get_strv (settings, "quick-rationales");
  g_assert_cmpuint (g_strv_length (phrases), ==, 5);

  /* Nothing written: nothing to keep. */
  g_assert_false (cs_decision_panel_keep_phrase (CS_DECISION_PANEL (panel)));
  gtk_widget_activate_action (panel, "panel.keep-phrase", NULL);
  g_strfreev (g_steal_pointer (&phrases));
  phrases = g_settings_get_strv (settings, "quick-rationales");
  g_assert_cmpuint (g_strv_length (phrases), ==, 5);

  cs_decision_panel_set_rationale (CS_DECISION_PANEL (panel), "  Seen on dermoscopy: regular network.  ");
  g_assert_true (gtk_widget_activate_action (panel, "panel.keep-phrase", NULL));
  g_strfreev (g_steal_pointer (&phrases));
  phrases = g_settings_get_strv (settings, "quick-rationales");
  g_assert_cmpuint (g_strv_length (phrases), ==, 6);
  g_assert_cmpstr (phrases[5], ==, "Seen on dermoscopy: regular network.");

  /* Kept once only; past twelve the oldest goes. */
  g_assert_true (cs_decision_panel_keep_phrase (CS_DECISION_PANEL (panel)));
  for (int i = 0; i < 8; i++)
    {
      g_autofree char *text = g_strdup_printf ("Phrase number %d.", i);
      cs_decision_panel_set_rationale (CS_DECISION_PANEL (panel), text);
      g_assert_true (cs_decision_panel_keep_phrase (CS_DECISION_PANEL (panel)));
    }
  g_strfreev (g_steal_pointer (&phrases));
  phrases = g_settings_get_strv (settings, "quick-rationales");
  g_assert_cmpuint (g_strv_length (phrases), ==, 12);
  g_assert_cmpstr (phrases[11], ==, "Phrase number 7.");
  g_assert_false (g_strv_contains ((const char * const *) phrases, "Consistent with the model’s evidence."));

  g_assert_true (gtk_widget_activate_action (panel, "panel.forget-phrase", "s", "Phrase number 3."));
  g_strfreev (g_steal_pointer (&phrases));
  phrases = g_settings_get_strv (settings, "quick-rationales");
  g_assert_cmpuint (g_strv_length (phrases), ==, 11);
  g_assert_false (g_strv_contains ((const char * const *) phrases, "Phrase number 3."));

  g_settings_reset (settings, "quick-rationales");
  g_object_unref (panel);
}

static GtkWidget *
find_section (GtkWidget *widget)
{
  if (GTK_IS_SHORTCUTS_SECTION (widget))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_section (child);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static guint
count_shortcuts (GtkWidget *widget)
{
  guint n = GTK_IS_SHORTCUTS_SHORTCUT (widget) ? 1 : 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    n += count_shortcuts (child);
  return n;
}

static void
test_shortcuts (void)
{
  CsWindow *window = cs_window_new (app);
  GtkWindow *shortcuts;
  guint n = 0, titled = 0;
  const CsShortcut *table = cs_shortcuts_get (&n);

  /* Every accelerator parses and every window action it names exists. */
  for (guint i = 0; i < n; i++)
    {
      g_auto(GStrv) accels = g_strsplit (table[i].accels, " ", -1);

      for (guint j = 0; accels[j] != NULL; j++)
        g_assert_true (gtk_accelerator_parse (accels[j], NULL, NULL));
      if (g_str_has_prefix (table[i].action, "win.") && table[i].arg < 0 && !g_str_equal (table[i].action, "win.move") &&
          !g_str_equal (table[i].action, "win.show-shortcuts"))
        g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), table[i].action, NULL));
      titled += table[i].title != NULL;
    }

  /* The shortcuts window lists every titled entry of the table. */
  shortcuts = cs_shortcuts_window_new (GTK_WINDOW (window));
  g_assert_nonnull (find_section (GTK_WIDGET (shortcuts)));
  g_assert_cmpuint (count_shortcuts (find_section (GTK_WIDGET (shortcuts))), ==, titled);
  gtk_window_destroy (shortcuts);
  g_object_unref (shortcuts);
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  gtk_test_init (&argc, &argv, NULL);
  app = cs_test_application_new ();
  g_test_add_func ("/ui/accept-a-case", test_accept_a_case);
  g_test_add_func ("/ui/conflict", test_conflict_is_shown_and_dismissed);
  g_test_add_func ("/ui/window-state", test_window_state_is_kept);
  g_test_add_func ("/ui/narrow-window", test_narrow_window_folds_the_queue);
  g_test_add_func ("/ui/quick-phrases", test_quick_phrases_are_kept);
  g_test_add_func ("/ui/shortcuts", test_shortcuts);
  status = g_test_run ();
  g_clear_object (&app);
  return status;
}
