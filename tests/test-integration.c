/* test-integration.c: the workstation's core against the real countersign-server.
 *
 * Predictions go in through the API, the core claims, pulls and prefetches,
 * decisions are committed locally and pushed, and the server's export and
 * metrics show them exactly once.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <sqlite3.h>
#include <string.h>
#include <glib/gstdio.h>

#include "cs-json.h"
#include "cs-sync.h"
#include "cs-test-server.h"

#define QUEUE_JSON \
  "{\"title\": \"Dermatology triage\"," \
  " \"labels\": [\"melanoma\", \"nevus\", \"seborrheic keratosis\", \"other\"]," \
  " \"policy\": {\"rationale_required\": [\"override\", \"reject\", \"escalate\"], \"min_rationale_chars\": 15}," \
  " \"routing\": {\"confidence_threshold\": 0.80, \"audit_sample_rate\": 0.0}," \
  " \"reviewers\": [\"r-17\"]}"

typedef struct
{
  CsTestServer *server;
  char         *admin;
  char         *model;
  char         *reviewer;
  char         *second;
  char         *dir;
  char         *asset_sha;
  CsStore      *store;
  CsClient     *client;
  CsSync       *sync;
} Fixture;

static char *
prediction_json (int         i,
                 double      confidence,
                 const char *label,
                 const char *truth,
                 const char *sha)
{
  return g_strdup_printf (
    "{\"queue\": \"derm\", \"due_at\": \"2026-11-30T12:00:00Z\","
    " \"subject\": {\"kind\": \"image\", \"title\": \"Lesion %d\","
    "   \"asset\": {\"sha256\": \"%s\", \"media_type\": \"image/png\", \"bytes\": 64}},"
    " \"model\": {\"name\": \"derm-classifier\", \"version\": \"2.3.1\"},"
    " \"prediction\": {\"label\": \"%s\", \"confidence\": %g,"
    "   \"alternatives\": [{\"label\": \"other\", \"confidence\": %g}]},"
    " \"explanation\": {\"summary\": \"Irregular border.\"},"
    " \"context\": {\"site\": \"Clinic B\"}, \"truth\": \"%s\"}",
    i, sha, label, confidence, 1 - confidence, truth);
}

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
} Wait;

static void
sync_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Wait *wait = user_data;

  wait->ok = cs_sync_run_once_finish (CS_SYNC (source), result, &wait->error);
  wait->done = TRUE;
}

static gboolean sync_client (CsSync *sync, GError **error);

static gboolean
sync_once (Fixture  *fx,
           GError  **error)
{
  return sync_client (fx->sync, error);
}

static void
fixture_set_up (Fixture       *fx,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db_path = NULL;
  g_autofree char *asset_dir = NULL;
  g_autoptr(GBytes) asset = NULL;
  g_autofree char *asset_path = NULL;
  static const char png_like[64] = "\x89PNG\r\n\x1a\n-countersign-integration-test-evidence-bytes--";

  fx->server = cs_test_server_new_argv (data != NULL ? data : (const char * const[]) { NULL });
  fx->admin = cs_test_server_create_token (fx->server, "ops", "admin", NULL, NULL);
  fx->model = cs_test_server_create_token (fx->server, "derm-classifier", "model", NULL, NULL);
  fx->reviewer = cs_test_server_create_token (fx->server, "r-17", "reviewer", "derm", "Dr. A. Rivera");
  fx->second = cs_test_server_create_token (fx->server, "r-22", "reviewer", "derm", "Dr. B. Okafor");

  g_clear_pointer (&error, g_error_free);
  cs_test_http_expect (fx->server, "PUT", "/api/v1/queues/derm", fx->admin, QUEUE_JSON, 200);

  asset = g_bytes_new_static (png_like, sizeof png_like);
  fx->asset_sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, asset);
  asset_path = g_strdup_printf ("/api/v1/assets/%s", fx->asset_sha);
  {
    guint status = 0;
    g_autoptr(GBytes) answer = cs_test_http_bytes (fx->server, "PUT", asset_path, fx->model, "image/png",
                                                   asset, NULL, NULL, &status);
    g_assert_cmpuint (status / 100, ==, 2);
  }

  fx->dir = g_dir_make_tmp ("cs-integration-XXXXXX", &error);
  g_assert_no_error (error);
  db_path = g_build_filename (fx->dir, "countersign.db", NULL);
  asset_dir = g_build_filename (fx->dir, "assets", NULL);
  fx->store = cs_store_open (db_path, &error);
  g_assert_no_error (error);
  fx->client = cs_client_new (cs_test_server_get_url (fx->server), fx->reviewer, &error);
  g_assert_no_error (error);
  fx->sync = cs_sync_new (fx->store, fx->client, asset_dir);
}

static void
fixture_tear_down (Fixture       *fx,
                   gconstpointer  data)
{
  g_clear_object (&fx->sync);
  g_clear_object (&fx->client);
  g_clear_object (&fx->store);
  g_clear_pointer (&fx->server, cs_test_server_free);
  if (fx->dir != NULL)
    cs_test_remove_tree (fx->dir);
  g_free (fx->dir);
  g_free (fx->admin);
  g_free (fx->model);
  g_free (fx->reviewer);
  g_free (fx->second);
  g_free (fx->asset_sha);
}

static void
feed (Fixture *fx)
{
  /* Three the model is unsure of (escalated), two it is sure of (automated). */
  const double confidence[] = { 0.52, 0.61, 0.70, 0.93, 0.97 };
  const char *label[] = { "melanoma", "nevus", "melanoma", "nevus", "melanoma" };
  const char *truth[] = { "nevus", "nevus", "melanoma", "nevus", "nevus" };

  for (int i = 0; i < 5; i++)
    {
      g_autofree char *body = prediction_json (i, confidence[i], label[i], truth[i], fx->asset_sha);
      g_autoptr(JsonNode) answer = cs_test_http_expect (fx->server, "POST", "/api/v1/predictions",
                                                        fx->model, body, 200);
      const char *routed = json_object_get_string_member (json_node_get_object (answer), "routed");

      g_assert_cmpstr (routed, ==, i < 3 ? "escalated" : "automated");
    }
}

static char *
case_id_by_title (Fixture    *fx,
                  const char *title)
{
  CsCaseQuery query = { .trigger = -1, .search = title };
  g_autoptr(GPtrArray) rows = cs_store_list_cases (fx->store, &query, 0, 10, NULL);

  g_assert_cmpuint (rows->len, ==, 1);
  return g_strdup (((CsCaseRow *) rows->pdata[0])->id);
}

static GPtrArray *
export_lines (Fixture *fx)
{
  guint status = 0;
  g_autoptr(GBytes) body = cs_test_http_bytes (fx->server, "GET", "/api/v1/export/outcomes", fx->admin,
                                               NULL, NULL, NULL, NULL, &status);
  g_autofree char *text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GPtrArray *nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);

  g_assert_cmpuint (status, ==, 200);
  for (guint i = 0; lines[i] != NULL; i++)
    if (*lines[i] != '\0')
      {
        g_autoptr(GError) error = NULL;
        JsonNode *node = cs_json_parse (lines[i], strlen (lines[i]), &error);

        g_assert_no_error (error);
        g_ptr_array_add (nodes, node);
      }
  return nodes;
}

static JsonObject *
find_outcome (GPtrArray  *lines,
              const char *case_id)
{
  JsonObject *found = NULL;

  for (guint i = 0; i < lines->len; i++)
    {
      JsonObject *obj = json_node_get_object (g_ptr_array_index (lines, i));

      if (g_strcmp0 (json_object_get_string_member (obj, "case_id"), case_id) == 0)
        {
          g_assert_null (found);   /* exactly once */
          found = obj;
        }
    }
  return found;
}

static void
commit (Fixture    *fx,
        const char *case_id,
        CsAction    action,
        const char *label,
        const char *rationale)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsCase) kase = cs_store_get_case (fx->store, case_id, &error);
  g_autoptr(CsDecision) decision = NULL;

  g_assert_no_error (error);
  decision = cs_decision_new (case_id, cs_case_get_version (kase), action, label, rationale, "r-17", 30000);
  g_assert_true (cs_store_commit_decision (fx->store, decision, &error));
  g_assert_no_error (error);
}

static void
test_end_to_end (Fixture       *fx,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(JsonNode) metrics = NULL;
  g_autofree char *first = NULL, *second = NULL, *third = NULL;
  g_autofree char *cached = NULL;
  JsonObject *m, *outcome, *by_action, *accuracy;
  CsStoreCounts counts;
  CsLocalState state;
  gint64 n_audit = 0;

  feed (fx);

  /* Sign in, claim, pull and prefetch. */
  g_assert_true (sync_once (fx, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cs_sync_get_reviewer (fx->sync), ==, "r-17");
  counts = cs_store_get_counts (fx->store);
  g_assert_cmpuint (counts.todo, ==, 3);
  cached = cs_sync_lookup_asset (fx->sync, fx->asset_sha);
  g_assert_nonnull (cached);
  {
    g_autofree char *contents = NULL;
    gsize len = 0;
    g_autofree char *hash = NULL;

    g_assert_true (g_file_get_contents (cached, &contents, &len, NULL));
    hash = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
    g_assert_cmpstr (hash, ==, fx->asset_sha);
  }

  first = case_id_by_title (fx, "Lesion 0");
  second = case_id_by_title (fx, "Lesion 1");
  third = case_id_by_title (fx, "Lesion 2");
  {
    g_autoptr(CsCase) kase = cs_store_get_case (fx->store, first, &error);
    g_assert_cmpint (cs_case_get_trigger_kind (kase), ==, CS_TRIGGER_LOW_CONFIDENCE);
    g_assert_cmpstr (cs_case_get_assigned_to (kase), ==, "r-17");
    g_assert_cmpstr (cs_case_get_labels (kase)[1], ==, "nevus");
    g_assert_cmpuint (cs_case_get_policy (kase)->min_rationale_chars, ==, 15);
  }

  /* Decide: durable at once, no network involved. */
  commit (fx, first, CS_ACTION_OVERRIDE, "nevus", "Symmetric, uniform pigment network on dermoscopy.");
  commit (fx, second, CS_ACTION_ACCEPT, NULL, "");
  commit (fx, third, CS_ACTION_REJECT, NULL, "Image out of focus; request a new acquisition.");
  g_assert_cmpuint (cs_store_get_counts (fx->store).pending, ==, 3);

  g_assert_true (sync_once (fx, &error));
  g_assert_no_error (error);
  counts = cs_store_get_counts (fx->store);
  g_assert_cmpuint (counts.pending, ==, 0);
  g_assert_cmpuint (counts.conflicts, ==, 0);
  g_assert_true (cs_store_get_local_state (fx->store, first, &state));
  g_assert_cmpint (state, ==, CS_LOCAL_SYNCED);

  /* The server's outcomes: our three decisions and the two automated ones, once each. */
  lines = export_lines (fx);
  g_assert_cmpuint (lines->len, ==, 5);
  outcome = find_outcome (lines, first);
  g_assert_nonnull (outcome);
  g_assert_cmpstr (json_object_get_string_member (outcome, "action"), ==, "override");
  g_assert_cmpstr (json_object_get_string_member (outcome, "final_label"), ==, "nevus");
  g_assert_cmpstr (json_object_get_string_member (outcome, "decided_by"), ==, "r-17");
  g_assert_cmpstr (json_object_get_string_member (outcome, "rationale"), ==,
                   "Symmetric, uniform pigment network on dermoscopy.");
  g_assert_cmpint (json_object_get_int_member (outcome, "duration_ms"), ==, 30000);
  outcome = find_outcome (lines, second);
  g_assert_cmpstr (json_object_get_string_member (outcome, "final_label"), ==, "nevus");

  metrics = cs_test_http_expect (fx->server, "GET", "/api/v1/metrics?queue=derm", fx->admin, NULL, 200);
  m = json_node_get_object (metrics);
  g_assert_cmpint (json_object_get_int_member (m, "predictions"), ==, 5);
  g_assert_cmpint (json_object_get_int_member (m, "escalated"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (m, "automated"), ==, 2);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (m, "intervention_rate"), 0.6, 1e-9);
  g_assert_cmpint (json_object_get_int_member (m, "decided"), ==, 3);
  by_action = json_object_get_object_member (m, "by_action");
  g_assert_cmpint (json_object_get_int_member (by_action, "override"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (by_action, "accept"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (by_action, "reject"), ==, 1);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (m, "override_rate"), 1.0 / 3, 1e-9);
  g_assert_cmpint (json_object_get_int_member (m, "median_duration_ms"), ==, 30000);
  /* Truth: model right on cases 1, 2 and 3 of 5 → 0.6; final: the override fixed
   * case 0, the reject has no final label and counts as not correct. */
  accuracy = json_object_get_object_member (m, "accuracy");
  g_assert_cmpint (json_object_get_int_member (accuracy, "with_truth"), ==, 5);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (accuracy, "model"), 0.6, 1e-9);

  /* The audit chain recorded sign-in, arrivals, decisions and acknowledgements. */
  g_assert_true (cs_store_audit_verify (fx->store, &n_audit, &error));
  g_assert_no_error (error);
  g_assert_cmpint (n_audit, >=, 1 + 3 + 3 + 3);
}

static void
set_outbox_pending (Fixture *fx)
{
  g_autofree char *path = g_strdup (cs_store_get_path (fx->store));
  sqlite3 *db = NULL;

  /* As if the answer to the push had been lost: the rows are sent again. */
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE outbox SET state = 1", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

static void
test_replay_is_exactly_once (Fixture       *fx,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GPtrArray) outbox = NULL;
  g_autofree char *first = NULL;

  feed (fx);
  g_assert_true (sync_once (fx, &error));
  first = case_id_by_title (fx, "Lesion 0");
  commit (fx, first, CS_ACTION_ACCEPT, NULL, "");
  g_assert_true (sync_once (fx, &error));
  before = export_lines (fx);

  set_outbox_pending (fx);
  g_assert_true (cs_store_outbox_requeue (fx->store, &error));
  g_assert_cmpuint (cs_store_get_counts (fx->store).pending, ==, 1);
  g_assert_true (sync_once (fx, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cs_store_get_counts (fx->store).pending, ==, 0);

  outbox = cs_store_list_outbox (fx->store, &error);
  g_assert_cmpuint (outbox->len, ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (outbox->pdata[0]), "outbox_state"), ==,
                   "duplicate");

  after = export_lines (fx);
  g_assert_cmpuint (after->len, ==, before->len);
  g_assert_nonnull (find_outcome (after, first));
}

static void
test_offline_then_back (Fixture       *fx,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  g_autofree char *first = NULL, *second = NULL;

  feed (fx);
  g_assert_true (sync_once (fx, &error));
  first = case_id_by_title (fx, "Lesion 0");
  second = case_id_by_title (fx, "Lesion 1");

  /* The server goes away: decisions are still made and kept. */
  cs_test_server_stop (fx->server);
  commit (fx, first, CS_ACTION_ACCEPT, NULL, "");
  commit (fx, second, CS_ACTION_ESCALATE, NULL, "Needs a dermatopathologist's opinion.");
  g_assert_false (sync_once (fx, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  g_assert_cmpuint (cs_store_get_counts (fx->store).pending, ==, 2);

  cs_test_server_restart (fx->server);
  g_clear_object (&fx->sync);
  g_clear_object (&fx->client);
  fx->client = cs_client_new (cs_test_server_get_url (fx->server), fx->reviewer, &error);
  {
    g_autofree char *asset_dir = g_build_filename (fx->dir, "assets", NULL);
    fx->sync = cs_sync_new (fx->store, fx->client, asset_dir);
  }
  g_assert_true (sync_once (fx, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cs_store_get_counts (fx->store).pending, ==, 0);

  /* The accept is a final outcome; the escalation is not (the case goes back to the pool). */
  lines = export_lines (fx);
  g_assert_nonnull (find_outcome (lines, first));
  g_assert_null (find_outcome (lines, second));
}

static gboolean
sync_client (CsSync  *sync,
             GError **error)
{
  Wait wait = { 0 };

  cs_sync_run_once_async (sync, NULL, sync_done_cb, &wait);
  while (!wait.done)
    g_main_context_iteration (NULL, TRUE);
  if (wait.error != NULL)
    g_propagate_error (error, wait.error);
  return wait.ok;
}

static void
test_two_reviewers_conflict (Fixture       *fx,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir2 = g_build_filename (fx->dir, "second", NULL);
  g_autofree char *db2 = g_build_filename (dir2, "countersign.db", NULL);
  g_autofree char *assets2 = g_build_filename (dir2, "assets", NULL);
  g_autoptr(CsStore) store2 = NULL;
  g_autoptr(CsClient) client2 = NULL;
  g_autoptr(CsSync) sync2 = NULL;
  g_autoptr(CsCase) current = NULL;
  g_autofree char *id = NULL;
  CsLocalState state;
  const CsDecided *decided;

  feed (fx);
  g_assert_true (sync_once (fx, &error));
  id = case_id_by_title (fx, "Lesion 0");

  /* r-17 decides offline; meanwhile the lease runs out and r-22 takes the case. */
  commit (fx, id, CS_ACTION_OVERRIDE, "nevus", "Symmetric, uniform pigment network on dermoscopy.");
  /* Leases are kept in whole seconds: wait past the next one. */
  g_usleep (2500 * 1000);

  store2 = cs_store_open (db2, &error);
  g_assert_no_error (error);
  client2 = cs_client_new (cs_test_server_get_url (fx->server), fx->second, &error);
  sync2 = cs_sync_new (store2, client2, assets2);
  g_assert_true (sync_client (sync2, &error));
  g_assert_no_error (error);
  g_assert_true (cs_store_get_local_state (store2, id, &state));
  g_assert_cmpint (state, ==, CS_LOCAL_NEW);
  {
    g_autoptr(CsCase) kase = cs_store_get_case (store2, id, &error);
    g_autoptr(CsDecision) decision = cs_decision_new (id, cs_case_get_version (kase), CS_ACTION_ACCEPT, NULL, "",
                                                      "r-22", 20000);
    g_assert_true (cs_store_commit_decision (store2, decision, &error));
  }
  g_assert_true (sync_client (sync2, &error));
  g_assert_cmpuint (cs_store_get_counts (store2).pending, ==, 0);

  /* r-17 comes back: a visible conflict with r-22's decision, nothing stuck. */
  g_assert_true (sync_once (fx, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cs_store_get_counts (fx->store).pending, ==, 0);
  g_assert_cmpuint (cs_store_get_counts (fx->store).conflicts, ==, 1);
  g_assert_true (cs_store_get_local_state (fx->store, id, &state));
  g_assert_cmpint (state, ==, CS_LOCAL_CONFLICT);
  current = cs_store_get_case (fx->store, id, &error);
  decided = cs_case_get_decided (current);
  g_assert_nonnull (decided);
  g_assert_cmpstr (decided->by, ==, "r-22");
  g_assert_cmpint (decided->action, ==, CS_ACTION_ACCEPT);
  {
    CsOutboxState outbox_state;
    g_autoptr(CsDecision) mine = cs_store_get_latest_decision (fx->store, id, &outbox_state);
    g_assert_cmpint (outbox_state, ==, CS_OUTBOX_CONFLICT);
    g_assert_cmpstr (cs_decision_get_label (mine), ==, "nevus");
  }

  /* Later decisions still flow, and the conflict can be dismissed. */
  {
    g_autofree char *other = case_id_by_title (fx, "Lesion 1");
    commit (fx, other, CS_ACTION_ACCEPT, NULL, "");
  }
  g_assert_true (sync_once (fx, &error));
  g_assert_cmpuint (cs_store_get_counts (fx->store).pending, ==, 0);
  g_assert_true (cs_store_dismiss_conflict (fx->store, id, &error));
  g_assert_cmpuint (cs_store_get_counts (fx->store).conflicts, ==, 0);
  g_assert_true (cs_store_audit_verify (fx->store, NULL, &error));
}


static void
test_offline_day (Fixture       *fx,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) batch = g_string_new ("{\"predictions\": [");
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(GPtrArray) outbox = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(JsonNode) answer = NULL;
  CsCaseQuery query = { .trigger = -1, .states = 1u << CS_LOCAL_NEW };

  /* A working day's backlog, claimed in the morning. */
  for (int i = 0; i < 200; i++)
    {
      g_autofree char *p = prediction_json (100 + i, 0.5, "melanoma", "nevus", fx->asset_sha);
      g_string_append_printf (batch, "%s%s", i ? "," : "", p);
    }
  g_string_append (batch, "]}");
  answer = cs_test_http_expect (fx->server, "POST", "/api/v1/predictions", fx->model, batch->str, 200);
  cs_sync_set_backlog (fx->sync, 200);
  g_assert_true (sync_once (fx, &error));
  rows = cs_store_list_cases (fx->store, &query, 0, 1000, &error);
  g_assert_cmpuint (rows->len, ==, 200);

  /* The server is gone all day; every case is decided here. */
  cs_test_server_stop (fx->server);
  for (guint i = 0; i < rows->len; i++)
    commit (fx, ((CsCaseRow *) rows->pdata[i])->id, i % 3 ? CS_ACTION_ACCEPT : CS_ACTION_OVERRIDE,
            i % 3 ? NULL : "nevus", i % 3 ? "" : "Regular network on dermoscopy; benign.");
  g_assert_false (sync_once (fx, &error));
  g_clear_error (&error);
  g_assert_cmpuint (cs_store_get_counts (fx->store).pending, ==, 200);

  /* It comes back: all 200 arrive, exactly once. */
  cs_test_server_restart (fx->server);
  g_clear_object (&fx->sync);
  g_clear_object (&fx->client);
  fx->client = cs_client_new (cs_test_server_get_url (fx->server), fx->reviewer, &error);
  {
    g_autofree char *asset_dir = g_build_filename (fx->dir, "assets", NULL);
    fx->sync = cs_sync_new (fx->store, fx->client, asset_dir);
  }
  g_assert_true (sync_once (fx, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cs_store_get_counts (fx->store).pending, ==, 0);
  g_assert_cmpuint (cs_store_get_counts (fx->store).conflicts, ==, 0);

  lines = export_lines (fx);
  for (guint i = 0; i < rows->len; i++)
    g_assert_nonnull (find_outcome (lines, ((CsCaseRow *) rows->pdata[i])->id));   /* exactly once */
  outbox = cs_store_list_outbox (fx->store, &error);
  g_assert_cmpuint (outbox->len, ==, 200);
  for (guint i = 0; i < outbox->len; i++)
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (outbox->pdata[i]), "outbox_state"), ==,
                     "accepted");
  g_assert_true (cs_store_audit_verify (fx->store, NULL, &error));
}

static void
test_wrong_token (Fixture       *fx,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  cs_client_set_token (fx->client, "cs_not-a-real-token");
  g_assert_false (sync_once (fx, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_UNAUTHORIZED);
}

static void
test_plain_http_refused_off_loopback (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsClient) client = cs_client_new ("http://review.example.org/", "t", &error);

  g_assert_null (client);
  g_assert_error (error, CS_ERROR, CS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_true (cs_client_is_loopback_url ("http://127.0.0.1:8765/"));
  g_assert_true (cs_client_is_loopback_url ("http://[::1]:8765/"));
  g_assert_true (cs_client_is_loopback_url ("http://localhost/"));
  g_assert_false (cs_client_is_loopback_url ("http://127.0.0.1.example.org/"));
  client = cs_client_new ("https://review.example.org/", "t", &error);
  g_assert_no_error (error);
  g_assert_nonnull (client);
}

static void
test_backoff (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  guint max_first = 0, max_late = 0;

  /* Full jitter: anywhere from 0 to base · 2^attempt, never past the cap. */
  for (int i = 0; i < 2000; i++)
    {
      guint first = cs_sync_backoff_ms (0, 0, 1000, 300000, rand);
      guint third = cs_sync_backoff_ms (2, 0, 1000, 300000, rand);
      guint late = cs_sync_backoff_ms (40, 0, 1000, 300000, rand);

      g_assert_cmpuint (first, <=, 1000);
      g_assert_cmpuint (third, <=, 4000);
      g_assert_cmpuint (late, <=, 300000);
      max_first = MAX (max_first, first);
      max_late = MAX (max_late, late);
    }
  /* Spread over the range, not a constant. */
  g_assert_cmpuint (max_first, >, 900);
  g_assert_cmpuint (max_late, >, 250000);

  /* Retry-After is honoured, up to the cap. */
  g_assert_cmpuint (cs_sync_backoff_ms (0, 30, 1000, 300000, rand), >=, 30000);
  g_assert_cmpuint (cs_sync_backoff_ms (0, 3600, 1000, 300000, rand), ==, 300000);
}

/* Overdue fallback: a case decided offline is moved to the senior queue
 * before the decision reaches the server. The decision comes back as a
 * "withdrawn" conflict the reviewer sees, never dropped in silence. */
static void
test_overdue_withdrawn_conflict (Fixture       *fx,
                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) due = g_date_time_add_seconds (now, 2);
  g_autofree char *due_text = g_date_time_format (due, "%Y-%m-%dT%H:%M:%SZ");
  g_autofree char *body = prediction_json (0, 0.52, "melanoma", "nevus", fx->asset_sha);
  g_autofree char *body_due = NULL;
  g_autofree char *case_path = NULL;
  g_autofree char *id = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(CsCase) current = NULL;
  g_auto(GStrv) parts = NULL;
  CsOutboxState outbox_state;
  CsLocalState state;

  cs_test_http_expect (fx->server, "PUT", "/api/v1/queues/derm-senior", fx->admin,
                       "{\"title\": \"Dermatology, senior\", \"labels\": [\"melanoma\", \"nevus\"],"
                       " \"routing\": {\"confidence_threshold\": 0.80}, \"reviewers\": [\"r-22\"]}", 200);
  cs_test_http_expect (fx->server, "PUT", "/api/v1/queues/derm", fx->admin,
                       "{\"title\": \"Dermatology triage\","
                       " \"labels\": [\"melanoma\", \"nevus\", \"seborrheic keratosis\", \"other\"],"
                       " \"routing\": {\"confidence_threshold\": 0.80}, \"reviewers\": [\"r-17\"],"
                       " \"on_overdue\": {\"queue\": \"derm-senior\"}}", 200);
  parts = g_strsplit (body, "2026-11-30T12:00:00Z", 2);
  body_due = g_strjoinv (due_text, parts);
  answer = cs_test_http_expect (fx->server, "POST", "/api/v1/predictions", fx->model, body_due, 200);
  id = g_strdup (json_object_get_string_member (json_node_get_object (answer), "id"));
  case_path = g_strdup_printf ("/api/v1/cases/%s", id);

  /* Claimed and pulled, then decided offline. */
  g_assert_true (sync_once (fx, &error));
  g_assert_no_error (error);
  g_assert_true (cs_store_get_local_state (fx->store, id, &state));
  g_assert_cmpint (state, ==, CS_LOCAL_NEW);
  commit (fx, id, CS_ACTION_ACCEPT, NULL, "");

  /* The server's sweep moves it once it is due. */
  for (guint i = 0; i < 100; i++)
    {
      g_autoptr(JsonNode) kase = cs_test_http_expect (fx->server, "GET", case_path, fx->admin, NULL, 200);

      if (g_strcmp0 (json_object_get_string_member (json_node_get_object (kase), "queue"), "derm-senior") == 0)
        break;
      g_usleep (100 * 1000);
    }

  /* Back online: the push is refused as withdrawn, the case shows a conflict. */
  g_assert_true (sync_once (fx, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cs_store_get_counts (fx->store).pending, ==, 0);
  g_assert_cmpuint (cs_store_get_counts (fx->store).conflicts, ==, 1);
  g_assert_true (cs_store_get_local_state (fx->store, id, &state));
  g_assert_cmpint (state, ==, CS_LOCAL_CONFLICT);
  {
    g_autoptr(CsDecision) mine = cs_store_get_latest_decision (fx->store, id, &outbox_state);

    g_assert_nonnull (mine);
    g_assert_cmpint (outbox_state, ==, CS_OUTBOX_CONFLICT);
  }
  current = cs_store_get_case (fx->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cs_case_get_queue (current), ==, "derm-senior");
  g_assert_cmpint (cs_case_get_trigger_kind (current), ==, CS_TRIGGER_OVERDUE);
  g_assert_null (cs_case_get_assigned_to (current));
}

static const char *short_lease[] = { "--lease-seconds", "1", NULL };
static const char *fast_sweep[] = { "--sweep-seconds", "1", NULL };

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) g_test_add ("/integration/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("end-to-end", test_end_to_end);
  ADD ("replay-exactly-once", test_replay_is_exactly_once);
  ADD ("offline-then-back", test_offline_then_back);
  ADD ("offline-day", test_offline_day);
  ADD ("wrong-token", test_wrong_token);
  g_test_add ("/integration/two-reviewers-conflict", Fixture, short_lease, fixture_set_up,
              test_two_reviewers_conflict, fixture_tear_down);
  g_test_add ("/integration/overdue-withdrawn-conflict", Fixture, fast_sweep, fixture_set_up,
              test_overdue_withdrawn_conflict, fixture_tear_down);
#undef ADD
  g_test_add_func ("/integration/plain-http-refused", test_plain_http_refused_off_loopback);
  g_test_add_func ("/integration/backoff", test_backoff);

  return g_test_run ();
}
