/* test-ui-review.c: a whole review by keys alone, against the real server.
 *
 * Twenty cases of three kinds are posted to a real countersign-server; the
 * real window claims them, and a reviewer who never touches the mouse decides
 * every one: accepts, overrides with the number keys, rejects and escalates
 * with rationales typed after Ctrl+E, Ctrl+Return to countersign, J and K to
 * move, one Ctrl+Z taken back while offline and decided again, Ctrl+F to
 * search. Then the local store and the server must hold what was typed.
 *
 * How the keys arrive. GTK 4 has no public way to make a GdkEvent, and
 * activating the actions would skip what this test is for: the shortcut
 * controllers, their phases and where the focus is. So the keys are real X
 * key events, made by XTest in the X server (Xvfb) through `xdotool`, and
 * they reach the window exactly as a keyboard's would: through the X focus,
 * GDK, the focus widget and the shortcut controllers. xdotool rather than
 * libXtst linked in here: no build dependency, the same XTest requests, and
 * its `type` maps every character of a rationale to keycodes and Shift.
 * The X focus is put on the window with `xdotool windowfocus --sync` (there
 * is no window manager under Xvfb), and the test waits for GTK to see the
 * window active before the first key.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gdk/x11/gdkx.h>

#include "cs-application.h"
#include "cs-case-list.h"
#include "cs-test-server.h"
#include "cs-test-ui.h"
#include "cs-window.h"

#define N_CASES 20
#define QUEUE "mixed"
#define QUEUE_JSON \
  "{\"title\": \"Mixed evidence\", \"labels\": [\"benign\", \"suspicious\", \"malignant\", \"other\"]," \
  " \"policy\": {\"rationale_required\": [\"override\", \"reject\"], \"min_rationale_chars\": 10}," \
  " \"routing\": {\"confidence_threshold\": 0.99}}"

/* One application for the whole program: it registers on the session bus once. */
static CsApplication *app;
/* The window the keys go to. */
static CsWindow *window;

/* Keys, to the window */

#define press(...) cs_test_press (GTK_WIDGET (window), __VA_ARGS__)

static void
type_text (const char *text)
{
  cs_test_xdotool (GTK_WIDGET (window), (const char * const[]) { "type", "--delay", "8", "--", text, NULL });
}

/* Where the keys go */

static GtkWidget *
focus_widget (void)
{
  return gtk_root_get_focus (GTK_ROOT (window));
}

static gboolean
focus_is_in (GtkWidget *ancestor)
{
  GtkWidget *focus = focus_widget ();

  return focus != NULL && (focus == ancestor || gtk_widget_is_ancestor (focus, ancestor));
}

/* The focus is in the rationale field (a text view inside the decision panel). */
static gboolean
focus_in_rationale (void)
{
  GtkWidget *focus = focus_widget ();
  CsDecisionPanel *panel = cs_case_view_get_decision_panel (cs_window_get_case_view (window));

  return GTK_IS_TEXT_VIEW (focus) && gtk_widget_is_ancestor (focus, GTK_WIDGET (panel));
}

static gboolean
window_is_active (gpointer data)
{
  return gtk_window_is_active (GTK_WINDOW (data));
}

/* The case on screen */

static CsCaseView *
view (void)
{
  return cs_window_get_case_view (window);
}

static CsDecisionPanel *
panel (void)
{
  return cs_case_view_get_decision_panel (view ());
}

static gboolean
view_settled (gpointer data)
{
  return cs_case_view_get_case_id (view ()) != NULL && cs_case_view_is_settled (view ());
}

static guint
n_listed (void)
{
  return g_list_model_get_n_items (cs_window_get_cases (window));
}

static char *
listed_id (guint position)
{
  g_autoptr(CsCaseItem) item = g_list_model_get_item (cs_window_get_cases (window), position);

  return item ? g_strdup (cs_case_item_get_id (item)) : NULL;
}

static guint
selected_position (void)
{
  GtkSelectionModel *model = gtk_list_view_get_model (cs_window_get_queue_view (window));

  return gtk_single_selection_get_selected (GTK_SINGLE_SELECTION (model));
}

static gboolean
has_all_cases (gpointer data)
{
  return cs_window_get_cases (window) != NULL && n_listed () == N_CASES && view_settled (NULL);
}

static gboolean
has_n_listed (gpointer data)
{
  return n_listed () == GPOINTER_TO_UINT (data);
}

static gboolean
rationale_is (gpointer data)
{
  g_autofree char *text = cs_decision_panel_dup_rationale (panel ());

  return g_strcmp0 (text, data) == 0;
}

static gboolean
outbox_empty (gpointer data)
{
  return cs_sync_get_pending (data) == 0 && cs_sync_get_state (data) == CS_SYNC_ONLINE;
}

static gboolean
is_offline (gpointer data)
{
  return cs_sync_get_state (data) == CS_SYNC_OFFLINE;
}

/* The evidence */

/* Case @i is text, a table of fields or an image, in turn; every one is
 * escalated (the threshold is 0.99) with the model saying "suspicious". */
static void
post_cases (CsTestServer *server,
            const char   *model)
{
  g_autoptr(GBytes) png = cs_test_png_bytes (160, 120, 0x9c6b4aff);
  gsize n_bytes = g_bytes_get_size (png);
  g_autofree char *sha = cs_test_upload (server, model, "image/png", png);

  for (int i = 0; i < N_CASES; i++)
    {
      g_autofree char *subject = NULL;
      g_autofree char *body = NULL;
      g_autoptr(JsonNode) answer = NULL;

      switch (i % 3)
        {
        case 0:
          subject = g_strdup_printf ("{\"kind\": \"text\", \"title\": \"Note %02d\","
                                     " \"text\": \"Referral %02d: the mole has grown and bled twice.\"},"
                                     " \"explanation\": {\"spans\": [{\"start\": 18, \"end\": 32, \"weight\": 0.8}]}", i, i);
          break;
        case 1:
          subject = g_strdup_printf ("{\"kind\": \"tabular\", \"title\": \"Claim %02d\","
                                     " \"fields\": {\"amount\": \"%d.50\", \"country\": \"FR\", \"channel\": \"web\"}},"
                                     " \"explanation\": {\"attributions\": [{\"feature\": \"amount\", \"value\": 0.4}]}",
                                     i, 100 + i);
          break;
        default:
          subject = g_strdup_printf ("{\"kind\": \"image\", \"title\": \"Lesion %02d\","
                                     " \"asset\": {\"sha256\": \"%s\", \"media_type\": \"image/png\", \"bytes\": %" G_GSIZE_FORMAT ","
                                     " \"width\": 160, \"height\": 120}},"
                                     " \"explanation\": {\"regions\": [{\"x\": 40, \"y\": 30, \"w\": 50, \"h\": 40, \"label\": \"lesion\"}]}",
                                     i, sha, n_bytes);
          break;
        }
      body = g_strdup_printf ("{\"queue\": \"" QUEUE "\", \"subject\": %s,"
                              " \"model\": {\"name\": \"triage\", \"version\": \"1.0\"},"
                              " \"prediction\": {\"label\": \"suspicious\", \"confidence\": %.2f}}",
                              subject, 0.40 + i * 0.01);
      answer = cs_test_http_expect (server, "POST", "/api/v1/predictions", model, body, 200);
      g_assert_cmpstr (json_object_get_string_member (json_node_get_object (answer), "routed"), ==, "escalated");
    }
}

/* What the reviewer does, and what the store and the server must then say. */

typedef struct
{
  CsAction    action;
  char        key;          /* the number key of an override (or accept), or 0 */
  const char *rationale;    /* typed after Ctrl+E, or NULL */
} Step;

typedef struct
{
  CsAction  action;
  char     *label;          /* an override's label, else NULL */
  char     *rationale;      /* "" when none */
} Expected;

static void
expected_free (gpointer data)
{
  Expected *expected = data;

  g_free (expected->label);
  g_free (expected->rationale);
  g_free (expected);
}

static const char *labels[] = { "benign", "suspicious", "malignant", "other" };

/* Leaves the rationale field for the Countersign button, as a keyboard user
 * does before the single-letter keys: letters typed in a text field are text. */
static void
leave_rationale (void)
{
  press ("Tab");
  g_assert_false (focus_in_rationale ());
  g_assert_true (focus_is_in (GTK_WIDGET (panel ())));
}

/* Decides the case on screen by keys alone; returns its id. */
static char *
decide_by_keys (const Step *step,
                GHashTable *expected)
{
  g_autofree char *id = g_strdup (cs_case_view_get_case_id (view ()));
  CsStore *store = cs_application_get_store (app);
  Expected *want = g_new0 (Expected, 1);
  guint before = n_listed ();

  g_assert_nonnull (id);
  g_assert_true (cs_test_wait_for (view_settled, NULL, 20));
  g_assert_false (focus_in_rationale ());

  switch (step->action)
    {
    case CS_ACTION_ACCEPT:
      if (step->key != 0)
        {
          char key[2] = { step->key, '\0' };
          press (key);
        }
      else
        press ("a");
      break;
    case CS_ACTION_OVERRIDE:
      {
        char key[2] = { step->key, '\0' };
        press (key);
        want->label = g_strdup (labels[step->key - '1']);
        g_assert_cmpstr (cs_decision_panel_get_label (panel ()), ==, want->label);
      }
      break;
    case CS_ACTION_REJECT:
      press ("r");
      break;
    case CS_ACTION_ESCALATE:
      press ("e");
      break;
    case CS_ACTION_AGREE:
    default:
      g_assert_not_reached ();
    }
  g_assert_cmpint (cs_decision_panel_get_action (panel ()), ==, step->action);

  if (step->rationale != NULL)
    {
      press ("ctrl+e");
      g_assert_true (focus_in_rationale ());
      type_text (step->rationale);
      g_assert_true (cs_test_wait_for (rationale_is, (gpointer) step->rationale, 10));
    }

  press ("ctrl+Return");
  /* Durable at once: the store has it before the next key. */
  {
    g_autoptr(CsDecision) decision = cs_store_get_latest_decision (store, id, NULL);

    g_assert_nonnull (decision);
  }
  g_assert_cmpuint (n_listed (), ==, before - 1);
  g_assert_cmpstr (cs_case_view_get_case_id (view ()), !=, id);
  /* The focus leaves the rationale with the decision: the next case's keys act at once. */
  g_assert_false (focus_in_rationale ());

  want->action = step->action;
  want->rationale = g_strdup (step->rationale ? step->rationale : "");
  g_hash_table_replace (expected, g_strdup (id), want);
  return g_steal_pointer (&id);
}

static void
test_review_by_keys (void)
{
  g_autoptr(CsTestServer) server = cs_test_server_new_argv ((const char * const[]) { NULL });
  g_autofree char *admin = cs_test_server_create_token (server, "ops", "admin", NULL, NULL);
  g_autofree char *model = cs_test_server_create_token (server, "triage", "model", NULL, NULL);
  g_autofree char *reviewer = cs_test_server_create_token (server, "r-17", "reviewer", QUEUE, "Dr. A. Rivera");
  g_autoptr(GHashTable) expected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, expected_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cs-ui-review-XXXXXX", &error);
  g_autofree char *url = NULL;
  g_autofree char *xid = NULL;
  CsStore *store;
  CsSync *sync;
  guint decided = 0;
  /* Every action, each override label, accept by its own number key, and
   * rationales where the policy asks and where it does not. */
  static const Step steps[] = {
    { CS_ACTION_ACCEPT, 0, NULL },
    { CS_ACTION_OVERRIDE, '1', "Smooth border, even colour." },
    { CS_ACTION_REJECT, 0, "The photograph is out of focus." },
    { CS_ACTION_ESCALATE, 0, "Needs a second opinion." },
    { CS_ACTION_ACCEPT, '2', NULL },
    { CS_ACTION_OVERRIDE, '3', "Ulcerated and growing fast." },
    { CS_ACTION_OVERRIDE, '4', "Not a skin finding at all." },
    { CS_ACTION_ACCEPT, 0, NULL },
    { CS_ACTION_REJECT, 0, "Wrong patient, per the note." },
    { CS_ACTION_ESCALATE, 0, NULL },
    { CS_ACTION_ACCEPT, 0, NULL },
    { CS_ACTION_OVERRIDE, '1', "Benign on closer look." },
    { CS_ACTION_ACCEPT, 0, NULL },
    { CS_ACTION_REJECT, 0, "The amounts do not add up." },
    { CS_ACTION_ACCEPT, 0, NULL },
    { CS_ACTION_OVERRIDE, '3', "Classic ABCD features, refer." },
    { CS_ACTION_ESCALATE, 0, "Unusual site, ask dermatology." },
    { CS_ACTION_ACCEPT, 0, NULL },
  };
  guint step = 0;

  cs_test_http_expect (server, "PUT", "/api/v1/queues/" QUEUE, admin, QUEUE_JSON, 200);
  post_cases (server, model);
  url = g_strdup (cs_test_server_get_url (server));

  g_assert_true (cs_application_connect (app, url, reviewer, dir, &error));
  g_assert_no_error (error);
  store = cs_application_get_store (app);
  sync = cs_application_get_sync (app);

  window = cs_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (cs_test_wait_for (has_all_cases, NULL, 30));

  /* The X focus on the window, as a window manager would give it. */
  g_assert_true (GDK_IS_X11_DISPLAY (gdk_display_get_default ()));
  xid = g_strdup_printf ("%lu", (gulong) gdk_x11_surface_get_xid (gtk_native_get_surface (GTK_NATIVE (window))));
  cs_test_xdotool (GTK_WIDGET (window), (const char * const[]) { "windowfocus", "--sync", xid, NULL });
  g_assert_true (cs_test_wait_for (window_is_active, window, 10));

  /* Ctrl+F: the search field, and what is typed filters the queue in SQL. */
  press ("ctrl+f");
  g_assert_true (focus_is_in (cs_test_find_widget (GTK_WIDGET (window), GTK_TYPE_SEARCH_ENTRY)));
  type_text ("Lesion");
  g_assert_true (cs_test_wait_for (has_n_listed, GUINT_TO_POINTER (6), 10));
  for (guint i = 0; i < 6; i++)
    {
      g_autoptr(CsCaseItem) item = g_list_model_get_item (cs_window_get_cases (window), i);

      g_assert_true (g_str_has_prefix (cs_case_item_get_title (item), "Lesion"));
    }
  cs_test_save_screenshot (GTK_WIDGET (window), "review-search");
  type_text (" 11");
  g_assert_true (cs_test_wait_for (has_n_listed, GUINT_TO_POINTER (1), 10));
  press ("ctrl+a", "BackSpace");
  g_assert_true (cs_test_wait_for (has_n_listed, GUINT_TO_POINTER (N_CASES), 10));

  /* From the search field to the case: Ctrl+E, then Tab out of the rationale. */
  press ("ctrl+e");
  g_assert_true (focus_in_rationale ());
  leave_rationale ();

  /* J and K move through the queue; the search kept "Lesion 11" on screen. */
  {
    guint position = selected_position ();
    g_autofree char *here = listed_id (position);
    g_autofree char *next = listed_id (position + 1);
    g_autofree char *previous = listed_id (position - 1);

    g_assert_cmpuint (position, >, 0);
    g_assert_cmpstr (cs_case_view_get_case_id (view ()), ==, here);
    press ("j");
    g_assert_cmpstr (cs_case_view_get_case_id (view ()), ==, next);
    press ("k", "k");
    g_assert_cmpstr (cs_case_view_get_case_id (view ()), ==, previous);
    press ("j");
    g_assert_cmpstr (cs_case_view_get_case_id (view ()), ==, here);
  }

  /* The policy holds at the keyboard too: an override with too short a
   * rationale is refused, and the case stays until it is long enough. */
  {
    g_autofree char *id = g_strdup (cs_case_view_get_case_id (view ()));
    Expected *want = g_new0 (Expected, 1);

    g_assert_true (cs_test_wait_for (view_settled, NULL, 20));
    press ("3");
    g_assert_cmpint (cs_decision_panel_get_action (panel ()), ==, CS_ACTION_OVERRIDE);
    press ("ctrl+e");
    type_text ("Too short");
    g_assert_true (cs_test_wait_for (rationale_is, (gpointer) "Too short", 10));
    press ("ctrl+Return");
    cs_test_save_screenshot (GTK_WIDGET (window), "review-refused");
    g_assert_null (cs_store_get_latest_decision (store, id, NULL));
    g_assert_cmpstr (cs_case_view_get_case_id (view ()), ==, id);
    g_assert_cmpuint (n_listed (), ==, N_CASES);
    type_text (", and yet malignant.");
    press ("ctrl+Return");
    {
      g_autoptr(CsDecision) decision = cs_store_get_latest_decision (store, id, NULL);
      g_assert_nonnull (decision);
    }
    g_assert_false (focus_in_rationale ());
    want->action = CS_ACTION_OVERRIDE;
    want->label = g_strdup ("malignant");
    want->rationale = g_strdup ("Too short, and yet malignant.");
    g_hash_table_replace (expected, g_strdup (id), want);
    decided++;
  }

  /* The next cases in order; one decided out of order after J. */
  for (; step < 8; step++, decided++)
    {
      if (step == 4)
        {
          g_autofree char *next = listed_id (selected_position () + 1);

          press ("j");
          g_assert_cmpstr (cs_case_view_get_case_id (view ()), ==, next);
        }
      g_free (decide_by_keys (&steps[step], expected));
    }

  /* Offline, one decision is taken back with Ctrl+Z and made again. Undo
   * works only while the decision is unsent; a long backoff keeps the sync
   * loop from retrying (and holding the decision in flight) meanwhile. */
  g_assert_true (cs_test_wait_for (outbox_empty, sync, 30));
  cs_sync_set_timing (sync, 30000, 60000, 30000);
  cs_test_server_stop (server);
  {
    g_autofree char *undone = NULL;
    g_autofree char *now_on_screen = NULL;
    static const Step first_try = { CS_ACTION_ACCEPT, 0, NULL };
    static const Step second_try = { CS_ACTION_OVERRIDE, '4', "On reflection, not a lesion." };

    undone = decide_by_keys (&first_try, expected);
    g_assert_true (cs_test_wait_for (is_offline, sync, 20));
    g_assert_cmpuint (cs_sync_get_pending (sync), ==, 1);
    now_on_screen = g_strdup (cs_case_view_get_case_id (view ()));

    press ("ctrl+z");
    cs_test_save_screenshot (GTK_WIDGET (window), "review-undone");
    g_assert_null (cs_store_get_latest_decision (store, undone, NULL));
    g_assert_cmpuint (cs_store_get_counts (store).pending, ==, 0);
    g_assert_cmpuint (n_listed (), ==, N_CASES - decided);
    /* The reviewer stays where they were; the undone case is back in the list. */
    g_assert_cmpstr (cs_case_view_get_case_id (view ()), ==, now_on_screen);
    g_assert_cmpint (cs_case_list_find (CS_CASE_LIST (cs_window_get_cases (window)), undone), >=, 0);
    while (g_strcmp0 (cs_case_view_get_case_id (view ()), undone) != 0)
      {
        int delta = cs_case_list_find (CS_CASE_LIST (cs_window_get_cases (window)), undone) - (int) selected_position ();

        g_assert_cmpint (delta, !=, 0);
        press (delta < 0 ? "k" : "j");
      }
    g_free (decide_by_keys (&second_try, expected));
    decided++;
  }
  cs_test_server_restart (server);
  g_assert_cmpstr (cs_test_server_get_url (server), ==, url);

  for (; step < G_N_ELEMENTS (steps); step++, decided++)
    g_free (decide_by_keys (&steps[step], expected));
  g_assert_cmpuint (decided, ==, N_CASES);
  g_assert_cmpuint (n_listed (), ==, 0);
  g_assert_cmpuint (g_hash_table_size (expected), ==, N_CASES);
  cs_test_save_screenshot (GTK_WIDGET (window), "review-done");

  /* The store: each case's latest decision is what was typed, timed. */
  {
    GHashTableIter iter;
    gpointer key, value;

    g_hash_table_iter_init (&iter, expected);
    while (g_hash_table_iter_next (&iter, &key, &value))
      {
        Expected *want = value;
        g_autoptr(CsDecision) decision = cs_store_get_latest_decision (store, key, NULL);

        g_assert_nonnull (decision);
        g_assert_cmpint (cs_decision_get_action (decision), ==, want->action);
        g_assert_cmpstr (cs_decision_get_label (decision), ==, want->label);
        g_assert_cmpstr (cs_decision_get_rationale (decision), ==, want->rationale);
        g_assert_cmpstr (cs_decision_get_reviewer (decision), ==, "r-17");
        g_assert_cmpint (cs_decision_get_duration_ms (decision), >, 0);
      }
  }

  /* The server: exactly twenty decisions, the undone one never among them.
   * An escalation is a decision but not an outcome: the case goes back to the
   * pool for another reviewer, so it is neither "decided" nor exported. */
  g_assert_true (cs_test_wait_for (outbox_empty, sync, 30));
  {
    guint want_by_action[CS_ACTION_AGREE + 1] = { 0 };
    g_autoptr(GHashTable) exported = g_hash_table_new (g_str_hash, g_str_equal);
    g_autoptr(JsonNode) metrics = NULL;
    g_autoptr(GBytes) lines = NULL;
    g_auto(GStrv) split = NULL;
    JsonObject *by_action;
    GHashTableIter iter;
    gpointer value;
    guint status = 0, n_final;

    g_hash_table_iter_init (&iter, expected);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      want_by_action[((Expected *) value)->action]++;
    n_final = N_CASES - want_by_action[CS_ACTION_ESCALATE];

    metrics = cs_test_http_expect (server, "GET", "/api/v1/metrics?queue=" QUEUE, admin, NULL, 200);
    by_action = json_object_get_object_member (json_node_get_object (metrics), "by_action");
    g_assert_cmpint (json_object_get_int_member_with_default (by_action, "accept", 0), ==, want_by_action[CS_ACTION_ACCEPT]);
    g_assert_cmpint (json_object_get_int_member_with_default (by_action, "override", 0), ==, want_by_action[CS_ACTION_OVERRIDE]);
    g_assert_cmpint (json_object_get_int_member_with_default (by_action, "reject", 0), ==, want_by_action[CS_ACTION_REJECT]);
    g_assert_cmpint (json_object_get_int_member_with_default (by_action, "escalate", 0), ==, want_by_action[CS_ACTION_ESCALATE]);
    g_assert_cmpuint (json_object_get_size (by_action), ==, 4);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (metrics), "decided"), ==, n_final);

    lines = cs_test_http_bytes (server, "GET", "/api/v1/export/outcomes", admin, NULL, NULL, NULL, NULL, &status);
    g_assert_cmpuint (status, ==, 200);
    split = g_strsplit (g_bytes_get_data (lines, NULL), "\n", -1);
    for (guint i = 0; split[i] != NULL; i++)
      {
        g_autoptr(JsonNode) node = NULL;
        JsonObject *outcome;
        const char *case_id, *rationale;
        Expected *want;

        if (*split[i] == '\0')
          continue;
        node = json_from_string (split[i], &error);
        g_assert_no_error (error);
        outcome = json_node_get_object (node);
        case_id = json_object_get_string_member (outcome, "case_id");
        want = g_hash_table_lookup (expected, case_id);
        g_assert_nonnull (want);
        g_assert_false (g_hash_table_contains (exported, case_id));
        g_hash_table_add (exported, (char *) g_intern_string (case_id));
        g_assert_cmpint (want->action, !=, CS_ACTION_ESCALATE);
        g_assert_cmpstr (json_object_get_string_member (outcome, "action"), ==, cs_action_to_string (want->action));
        g_assert_cmpstr (json_object_get_string_member (outcome, "decided_by"), ==, "r-17");
        rationale = json_object_get_string_member (outcome, "rationale");
        g_assert_cmpstr (rationale ? rationale : "", ==, want->rationale);
        if (want->action == CS_ACTION_OVERRIDE)
          g_assert_cmpstr (json_object_get_string_member (outcome, "final_label"), ==, want->label);
        else if (want->action == CS_ACTION_ACCEPT)
          g_assert_cmpstr (json_object_get_string_member (outcome, "final_label"), ==, "suspicious");
      }
    g_assert_cmpuint (g_hash_table_size (exported), ==, n_final);
  }

  gtk_window_destroy (GTK_WINDOW (window));
  window = NULL;
  cs_test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  /* The keys are X events (see the top of this file). Each key ends in a
   * frame; under Xvfb the GL renderer draws them with llvmpipe, many times
   * slower than cairo, and what this test checks does not depend on how the
   * window is drawn (test-image-view covers the GL path). */
  g_setenv ("GDK_BACKEND", "x11", TRUE);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  gtk_test_init (&argc, &argv, NULL);
  app = cs_test_application_new ();
  g_test_add_func ("/ui-review/by-keys", test_review_by_keys);
  status = g_test_run ();
  g_clear_object (&app);
  return status;
}
