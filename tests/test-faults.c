/* test-faults.c: the sync engine through a faulty network.
 *
 * The real countersign-server sits behind cs-fault-proxy, which resets
 * connections before and after the server has a request, truncates answers,
 * answers 503 (with Retry-After) and 500 itself, hangs, and adds latency. The
 * core's sync engine runs against the proxy while decisions are committed
 * over several queues; once the faults stop, the outbox must drain quickly,
 * and the server must hold every decision exactly once.
 *
 * The seed of the fault mix is CS_FAULT_SEED from the environment, else a
 * fixed one; it is printed with --verbose.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <sqlite3.h>
#include <string.h>

#include <glib/gstdio.h>

#include "cs-fault-proxy.h"
#include "cs-json.h"
#include "cs-sync.h"
#include "cs-test-server.h"

#define REVIEWER "r-17"
#define DEFAULT_SEED 20261124

/* The engine's timing in these tests (cs_sync_set_timing) and the client's timeout. */
#define BACKOFF_BASE_MS 20
#define BACKOFF_CAP_MS 500
#define POLL_MS 200
#define CLIENT_TIMEOUT_S 2

/* After the faults stop, the outbox is empty within two backoff caps (the
 * retry that was already waiting, and one more for a cycle that failed just
 * then) plus this margin for the push itself: a POST on loopback and the
 * server's and our own synchronous=FULL commits. */
#define DRAIN_MARGIN_MS 500

static const char *queue_ids[] = { "derm", "claims", "notes" };

typedef struct
{
  char *case_id;
  char *action;
  char *rationale;
} Committed;

static void
committed_free (Committed *committed)
{
  g_free (committed->case_id);
  g_free (committed->action);
  g_free (committed->rationale);
  g_free (committed);
}

typedef struct
{
  CsTestServer *server;
  char         *admin;
  char         *model;
  char         *reviewer;
  char         *dir;
  char         *asset_dir;
  CsStore      *store;
  CsClient     *client;
  CsSync       *sync;
  CsFaultProxy *proxy;
  GHashTable   *committed;   /* decision id → Committed */
  guint         n_images;
} Fixture;

typedef struct
{
  guint per_queue;    /* text predictions fed into each queue before the test */
  guint cap_ms;       /* the backoff cap */
} Setup;

/* Helpers */

static guint32
fault_seed (void)
{
  const char *env = g_getenv ("CS_FAULT_SEED");
  guint64 seed = DEFAULT_SEED;

  if (env != NULL && *env != '\0')
    g_assert_true (g_ascii_string_to_unsigned (env, 10, 0, G_MAXUINT32, &seed, NULL));
  return (guint32) seed;
}

static gboolean
flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main context for @ms milliseconds. */
static void
iterate_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

typedef gboolean (*Predicate) (Fixture *fx);

/* Runs the main context until @done holds or @timeout_ms pass; returns the
 * milliseconds it took, or -1 on time-out. */
static gint64
wait_until (Fixture   *fx,
            Predicate  done,
            guint      timeout_ms)
{
  gint64 start = g_get_monotonic_time ();

  while (!done (fx))
    {
      if (g_get_monotonic_time () - start > (gint64) timeout_ms * 1000)
        return -1;
      iterate_ms (5);
    }
  return (g_get_monotonic_time () - start) / 1000;
}

static gboolean
outbox_empty (Fixture *fx)
{
  return cs_store_get_counts (fx->store).pending == 0;
}

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
} Wait;

static void
run_once_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Wait *wait = user_data;

  wait->ok = cs_sync_run_once_finish (CS_SYNC (source), result, &wait->error);
  wait->done = TRUE;
}

static void
sync_once (Fixture *fx)
{
  Wait wait = { 0 };

  cs_sync_run_once_async (fx->sync, NULL, run_once_cb, &wait);
  while (!wait.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (wait.error);
  g_assert_true (wait.ok);
}

static char *
queue_json (void)
{
  return g_strdup ("{\"title\": \"Review\","
                   " \"labels\": [\"approve\", \"deny\", \"refer\", \"other\"],"
                   " \"policy\": {\"rationale_required\": [\"override\", \"reject\", \"escalate\"],"
                   "              \"min_rationale_chars\": 15},"
                   " \"routing\": {\"confidence_threshold\": 0.80, \"audit_sample_rate\": 0.0},"
                   " \"reviewers\": [\"" REVIEWER "\"]}");
}

static void
feed_text (Fixture    *fx,
           const char *queue,
           guint       n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *body = g_strdup_printf (
        "{\"queue\": \"%s\", \"subject\": {\"kind\": \"text\", \"title\": \"%s note %u\","
        "   \"text\": \"Request %u from the %s intake; the model was unsure.\"},"
        " \"model\": {\"name\": \"triage\", \"version\": \"1.0\"},"
        " \"prediction\": {\"label\": \"approve\", \"confidence\": %.2f,"
        "   \"alternatives\": [{\"label\": \"deny\", \"confidence\": 0.3}]},"
        " \"explanation\": {\"summary\": \"Mixed signals.\"}}",
        queue, queue, i, i, queue, 0.40 + 0.3 * (i % 10) / 10.0);
      g_autoptr(JsonNode) answer = cs_test_http_expect (fx->server, "POST", "/api/v1/predictions",
                                                        fx->model, body, 200);

      g_assert_cmpstr (json_object_get_string_member (json_node_get_object (answer), "routed"), ==, "escalated");
    }
}

/* An image case with evidence of its own (tens of KiB, so that a truncated
 * answer is cut inside the body), into the first queue. */
static void
feed_image (Fixture *fx)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(GBytes) asset = NULL;
  g_autofree char *sha = NULL;
  g_autofree char *path = NULL;
  g_autofree char *body = NULL;
  guint status = 0;
  guint n = fx->n_images++;
  static const guint8 magic[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

  g_byte_array_append (bytes, magic, sizeof magic);
  for (guint i = 0; i < 24 * 1024; i++)
    {
      guint8 b = (guint8) ((i * 31 + n * 7919) ^ (i >> 7));
      g_byte_array_append (bytes, &b, 1);
    }
  asset = g_byte_array_free_to_bytes (g_steal_pointer (&bytes));
  sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, asset);
  path = g_strdup_printf ("/api/v1/assets/%s", sha);
  {
    g_autoptr(GBytes) answer = cs_test_http_bytes (fx->server, "PUT", path, fx->model, "image/png",
                                                   asset, NULL, NULL, &status);
    g_assert_cmpuint (status / 100, ==, 2);
  }

  body = g_strdup_printf (
    "{\"queue\": \"%s\", \"subject\": {\"kind\": \"image\", \"title\": \"Scan %u\","
    "   \"asset\": {\"sha256\": \"%s\", \"media_type\": \"image/png\", \"bytes\": %zu}},"
    " \"model\": {\"name\": \"triage\", \"version\": \"1.0\"},"
    " \"prediction\": {\"label\": \"approve\", \"confidence\": 0.55},"
    " \"explanation\": {\"summary\": \"Unclear scan.\"}}",
    queue_ids[0], n, sha, g_bytes_get_size (asset));
  g_autoptr(JsonNode) answer = cs_test_http_expect (fx->server, "POST", "/api/v1/predictions", fx->model, body, 200);
  (void) answer;
}

static void
fixture_set_up (Fixture       *fx,
                gconstpointer  data)
{
  const Setup *setup = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *db_path = NULL;
  g_autofree char *queues = g_strjoinv (",", (char **) queue_ids);
  g_autofree char *qjson = queue_json ();

  fx->server = cs_test_server_new_argv ((const char * const[]) { NULL });
  if (fx->server == NULL)
    return;
  fx->admin = cs_test_server_create_token (fx->server, "ops", "admin", NULL, NULL);
  fx->model = cs_test_server_create_token (fx->server, "triage", "model", NULL, NULL);
  fx->reviewer = cs_test_server_create_token (fx->server, REVIEWER, "reviewer", queues, "Dr. A. Rivera");

  for (guint q = 0; q < G_N_ELEMENTS (queue_ids); q++)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/queues/%s", queue_ids[q]);
      g_autoptr(JsonNode) answer = cs_test_http_expect (fx->server, "PUT", path, fx->admin, qjson, 200);

      feed_text (fx, queue_ids[q], setup->per_queue);
    }

  fx->proxy = cs_fault_proxy_new (cs_test_server_get_port (fx->server), fault_seed ());
  cs_fault_proxy_set_enabled (fx->proxy, FALSE);
  g_test_message ("fault seed %u, proxy %s → server %s", fault_seed (),
                  cs_fault_proxy_get_url (fx->proxy), cs_test_server_get_url (fx->server));

  fx->dir = g_dir_make_tmp ("cs-faults-XXXXXX", &error);
  g_assert_no_error (error);
  db_path = g_build_filename (fx->dir, "countersign.db", NULL);
  fx->asset_dir = g_build_filename (fx->dir, "assets", NULL);
  fx->store = cs_store_open (db_path, &error);
  g_assert_no_error (error);
  fx->client = cs_client_new (cs_fault_proxy_get_url (fx->proxy), fx->reviewer, &error);
  g_assert_no_error (error);
  cs_client_set_timeout (fx->client, CLIENT_TIMEOUT_S);
  fx->sync = cs_sync_new (fx->store, fx->client, fx->asset_dir);
  cs_sync_set_timing (fx->sync, BACKOFF_BASE_MS, setup->cap_ms, POLL_MS);
  fx->committed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) committed_free);
}

static void
fixture_tear_down (Fixture       *fx,
                   gconstpointer  data)
{
  if (fx->sync != NULL)
    cs_sync_stop (fx->sync);
  /* Lets the cancelled cycle unwind before its objects go. */
  iterate_ms (50);
  g_clear_object (&fx->sync);
  g_clear_object (&fx->client);
  g_clear_object (&fx->store);
  g_clear_pointer (&fx->proxy, cs_fault_proxy_free);
  g_clear_pointer (&fx->server, cs_test_server_free);
  if (fx->dir != NULL)
    cs_test_remove_tree (fx->dir);
  g_clear_pointer (&fx->committed, g_hash_table_unref);
  g_free (fx->dir);
  g_free (fx->asset_dir);
  g_free (fx->admin);
  g_free (fx->model);
  g_free (fx->reviewer);
}

/* Decides the most urgent open case, as a reviewer would, and wakes the
 * engine as the window does. FALSE when nothing is left to decide. */
static gboolean
commit_next (Fixture *fx)
{
  static const CsAction actions[] = { CS_ACTION_ACCEPT, CS_ACTION_OVERRIDE, CS_ACTION_REJECT };
  CsCaseQuery query = { .sort = CS_SORT_PRIORITY, .trigger = -1, .states = 1u << CS_LOCAL_NEW };
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsCase) kase = NULL;
  g_autoptr(CsDecision) decision = NULL;
  g_autofree char *rationale = NULL;
  guint n = g_hash_table_size (fx->committed);
  CsAction action = actions[n % G_N_ELEMENTS (actions)];
  const char *case_id;
  Committed *committed;

  rows = cs_store_list_cases (fx->store, &query, 0, 1, &error);
  g_assert_no_error (error);
  if (rows->len == 0)
    return FALSE;
  case_id = ((CsCaseRow *) rows->pdata[0])->id;
  kase = cs_store_get_case (fx->store, case_id, &error);
  g_assert_no_error (error);

  /* Unique per decision, so that the export shows which one it holds. */
  rationale = g_strdup_printf ("Decision %04u, checked against the record.", n);
  decision = cs_decision_new (case_id, cs_case_get_version (kase), action,
                              action == CS_ACTION_OVERRIDE ? "deny" : NULL, rationale, REVIEWER, 1000 + n);
  g_assert_true (cs_store_commit_decision (fx->store, decision, &error));
  g_assert_no_error (error);

  committed = g_new0 (Committed, 1);
  committed->case_id = g_strdup (case_id);
  committed->action = g_strdup (cs_action_to_string (action));
  committed->rationale = g_strdup (rationale);
  g_hash_table_insert (fx->committed, g_strdup (cs_decision_get_id (decision)), committed);

  cs_sync_wake (fx->sync);
  return TRUE;
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

/* A set of strings (each once) from the server's database, read-only. */
static GHashTable *
server_set (Fixture    *fx,
            const char *sql)
{
  g_autofree char *path = g_build_filename (cs_test_server_get_data_dir (fx->server), "countersign-server.db", NULL);
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_assert_true (g_hash_table_add (set, g_strdup ((const char *) sqlite3_column_text (stmt, 0))));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return set;
}

/* The decision ids the server stored for our reviewer. */
static GHashTable *
server_decision_ids (Fixture *fx)
{
  return server_set (fx, "SELECT id FROM decisions WHERE reviewer = '" REVIEWER "'");
}

/* Claims lost on the way (the server assigned the cases, its answer never
 * came) still reach the workstation through the changes feed. */
static void
assert_claims_known (Fixture *fx)
{
  g_autoptr(GHashTable) claimed = server_set (fx, "SELECT id FROM cases WHERE status = 'open'"
                                                  " AND assigned_to = '" REVIEWER "'");
  CsCaseQuery query = { .sort = CS_SORT_PRIORITY, .trigger = -1, .states = 1u << CS_LOCAL_NEW };
  g_autoptr(GPtrArray) rows = cs_store_list_cases (fx->store, &query, 0, 10000, NULL);

  g_assert_cmpuint (rows->len, ==, g_hash_table_size (claimed));
  for (guint i = 0; i < rows->len; i++)
    g_assert_true (g_hash_table_contains (claimed, ((CsCaseRow *) rows->pdata[i])->id));
}

/* Everything committed is on the server exactly once, nothing else is, and
 * the local outbox and audit log agree. */
static void
assert_exactly_once (Fixture *fx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) outbox = cs_store_list_outbox (fx->store, &error);
  g_autoptr(GPtrArray) lines = export_lines (fx);
  g_autoptr(GHashTable) by_rationale = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) seen_cases = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) server_ids = server_decision_ids (fx);
  GHashTableIter iter;
  gpointer key, value;
  gint64 n_audit = 0;
  CsStoreCounts counts = cs_store_get_counts (fx->store);

  g_assert_cmpuint (counts.pending, ==, 0);
  g_assert_cmpuint (counts.conflicts, ==, 0);

  /* Local: every decision is there once, acknowledged, none refused. */
  g_assert_no_error (error);
  g_assert_cmpuint (outbox->len, ==, g_hash_table_size (fx->committed));
  for (guint i = 0; i < outbox->len; i++)
    {
      JsonObject *row = json_node_get_object (outbox->pdata[i]);
      const char *state = json_object_get_string_member (row, "outbox_state");

      g_assert_true (g_hash_table_contains (fx->committed, json_object_get_string_member (row, "id")));
      if (!g_str_equal (state, "accepted") && !g_str_equal (state, "duplicate"))
        g_error ("Decision %s ended %s", json_object_get_string_member (row, "id"), state);
    }

  /* The server's own record, by decision id. */
  g_assert_cmpuint (g_hash_table_size (server_ids), ==, g_hash_table_size (fx->committed));
  g_hash_table_iter_init (&iter, fx->committed);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Committed *committed = value;

      if (!g_hash_table_contains (server_ids, key))
        g_error ("Decision %s on %s was lost", (char *) key, committed->case_id);
      g_hash_table_insert (by_rationale, committed->rationale, committed);
    }

  /* The export: one final outcome per decision, as it was made, nothing doubled or invented. */
  g_assert_cmpuint (lines->len, ==, g_hash_table_size (fx->committed));
  for (guint i = 0; i < lines->len; i++)
    {
      JsonObject *obj = json_node_get_object (lines->pdata[i]);
      const char *case_id = json_object_get_string_member (obj, "case_id");
      const char *rationale = json_object_get_string_member_with_default (obj, "rationale", "");
      Committed *committed = g_hash_table_lookup (by_rationale, rationale);

      if (committed == NULL)
        g_error ("The export holds an outcome nobody committed: %s “%s”", case_id, rationale);
      g_assert_cmpstr (case_id, ==, committed->case_id);
      g_assert_cmpstr (json_object_get_string_member (obj, "action"), ==, committed->action);
      g_assert_cmpstr (json_object_get_string_member (obj, "decided_by"), ==, REVIEWER);
      if (!g_hash_table_add (seen_cases, (gpointer) case_id))
        g_error ("Case %s is in the export twice", case_id);
    }

  g_assert_true (cs_store_audit_verify (fx->store, &n_audit, &error));
  g_assert_no_error (error);
  g_assert_cmpint (n_audit, >=, 1 + 2 * (gint64) g_hash_table_size (fx->committed));
}

/* No partial evidence file is left behind, and every file kept is whole. */
static void
assert_assets_whole (Fixture *fx)
{
  g_autoptr(GDir) dir = g_dir_open (fx->asset_dir, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (fx->asset_dir, name, NULL);
      g_autofree char *contents = NULL;
      g_autofree char *sha = NULL;
      gsize len = 0;

      if (name[0] == '.')
        g_error ("A partial evidence file was left behind: %s", name);
      g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
      sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
      g_assert_cmpstr (sha, ==, name);
    }
}

static const CsFaultEvent *
find_event (GArray      *events,
            CsFaultKind  kind,
            guint       *index)
{
  for (guint i = 0; i < events->len; i++)
    if (g_array_index (events, CsFaultEvent, i).kind == kind)
      {
        *index = i;
        return &g_array_index (events, CsFaultEvent, i);
      }
  return NULL;
}

static void
log_events (GArray *events)
{
  gint64 start = events->len > 0 ? g_array_index (events, CsFaultEvent, 0).at_us : 0;

  for (guint i = 0; i < events->len; i++)
    {
      const CsFaultEvent *e = &g_array_index (events, CsFaultEvent, i);

      g_test_message ("%8.3f s  %-12s %s %s", (e->at_us - start) / 1e6, cs_fault_kind_to_string (e->kind),
                      e->method, e->path);
    }
}

/* Tests */

/* The faults last this long, and longer only while a queued kind waits for a request. */
#define MIN_FAULT_MS 4800
#define MAX_FAULT_MS 20000
#define N_DECISIONS 120

static const Setup many = { .per_queue = 40, .cap_ms = BACKOFF_CAP_MS };
static const Setup few = { .per_queue = 3, .cap_ms = BACKOFF_CAP_MS };
static const Setup long_cap = { .per_queue = 3, .cap_ms = 5000 };

static gboolean
every_kind_seen (Fixture *fx)
{
  for (guint k = 0; k < CS_FAULT_N_KINDS; k++)
    if (cs_fault_proxy_get_count (fx->proxy, k) == 0)
      return FALSE;
  return TRUE;
}

static void
test_mixed_faults (Fixture       *fx,
                   gconstpointer  data)
{
  static const guint mix[CS_FAULT_N_KINDS] = {
    [CS_FAULT_PASS] = 45,
    [CS_FAULT_RESET_BEFORE] = 8,
    [CS_FAULT_RESET_AFTER] = 10,
    [CS_FAULT_TRUNCATE] = 8,
    [CS_FAULT_UNAVAILABLE] = 5,
    [CS_FAULT_ERROR] = 5,
    [CS_FAULT_HANG] = 1,      /* each one stalls the engine for the client's timeout */
    [CS_FAULT_LATENCY] = 15,
  };
  g_autoptr(GPtrArray) outbox = NULL;
  guint counts[CS_FAULT_N_KINDS];
  guint duplicates = 0;
  gint64 start, drained_ms;

  if (fx->server == NULL)
    return;

  /* A clean first sync: sign in and claim. */
  sync_once (fx);
  g_assert_cmpuint (cs_store_get_counts (fx->store).todo, ==, G_N_ELEMENTS (queue_ids) * many.per_queue);

  cs_fault_proxy_set_mix (fx->proxy, mix);
  cs_fault_proxy_set_enabled (fx->proxy, TRUE);
  cs_sync_start (fx->sync);
  start = g_get_monotonic_time ();

  /* A reviewer at work: decisions spread over the faulty seconds, while new
   * cases with evidence keep arriving. */
  for (guint i = 0; i < N_DECISIONS; i++)
    {
      g_assert_true (commit_next (fx));
      if (i % 20 == 10)
        feed_image (fx);
      /* The exactly-once case, at least once whatever the draw: a push the
       * server stores and whose answer is lost. */
      if (i == N_DECISIONS / 2)
        cs_fault_proxy_queue_fault_for (fx->proxy, CS_FAULT_RESET_AFTER, "POST /api/v1/decisions");
      iterate_ms (MIN_FAULT_MS / N_DECISIONS);
    }

  /* Every kind at least once: one the draw has not produced by now is
   * queued for the next request. */
  for (guint k = 0; k < CS_FAULT_N_KINDS; k++)
    if (cs_fault_proxy_get_count (fx->proxy, k) == 0)
      {
        g_test_message ("queueing %s, which the draw has not produced", cs_fault_kind_to_string (k));
        cs_fault_proxy_queue_fault (fx->proxy, k);
      }
  while (!every_kind_seen (fx) && g_get_monotonic_time () - start < MAX_FAULT_MS * 1000)
    iterate_ms (50);

  cs_fault_proxy_set_enabled (fx->proxy, FALSE);
  for (guint k = 0; k < CS_FAULT_N_KINDS; k++)
    counts[k] = cs_fault_proxy_get_count (fx->proxy, k);
  g_test_message ("%u requests in %.1f s with faults on",
                  cs_fault_proxy_get_requests (fx->proxy), (g_get_monotonic_time () - start) / 1e6);
  for (guint k = 0; k < CS_FAULT_N_KINDS; k++)
    g_test_message ("  %-12s %u", cs_fault_kind_to_string (k), counts[k]);

  drained_ms = wait_until (fx, outbox_empty, 10000);
  g_test_message ("outbox empty %" G_GINT64_FORMAT " ms after the faults stopped (bound %d ms)",
                  drained_ms, 2 * BACKOFF_CAP_MS + DRAIN_MARGIN_MS);
  g_assert_cmpint (drained_ms, >=, 0);
  g_assert_cmpint (drained_ms, <=, 2 * BACKOFF_CAP_MS + DRAIN_MARGIN_MS);

  /* Stop the engine, and end with one whole clean cycle (claims, the
   * changes feed, the evidence of the newest cases). */
  iterate_ms (3 * POLL_MS);
  cs_sync_stop (fx->sync);
  iterate_ms (50);
  sync_once (fx);
  g_assert_cmpuint (cs_sync_get_pending (fx->sync), ==, 0);
  g_assert_cmpuint (cs_sync_get_conflicts (fx->sync), ==, 0);

  /* The test can fail: every fault really happened. */
  for (guint k = 0; k < CS_FAULT_N_KINDS; k++)
    if (counts[k] == 0)
      g_error ("The proxy never injected %s (seed %u)", cs_fault_kind_to_string (k), fault_seed ());

  assert_exactly_once (fx);
  assert_claims_known (fx);
  assert_assets_whole (fx);

  /* Some answers were lost after the server had stored the decision: the
   * retry came back "duplicate", and nothing was stored twice. */
  outbox = cs_store_list_outbox (fx->store, NULL);
  for (guint i = 0; i < outbox->len; i++)
    if (g_str_equal (json_object_get_string_member (json_node_get_object (outbox->pdata[i]), "outbox_state"),
                     "duplicate"))
      duplicates++;
  g_test_message ("%u of %u decisions came back as duplicates", duplicates, outbox->len);
  g_assert_cmpuint (duplicates, >, 0);
}

static gboolean
online (Fixture *fx)
{
  return cs_sync_get_state (fx->sync) == CS_SYNC_ONLINE;
}

/* The engine running and idle, with nothing pending. */
static void
start_settled (Fixture *fx)
{
  sync_once (fx);
  cs_sync_start (fx->sync);
  iterate_ms (2 * POLL_MS);
  g_assert_cmpint (wait_until (fx, online, 2000), >=, 0);
}

static gboolean
unavailable_seen (Fixture *fx)
{
  return cs_fault_proxy_get_count (fx->proxy, CS_FAULT_UNAVAILABLE) > 0;
}

/* The request after the first @kind, and how long after it came. */
static gint64
gap_after (Fixture     *fx,
           CsFaultKind  kind)
{
  g_autoptr(GArray) events = cs_fault_proxy_get_events (fx->proxy);
  const CsFaultEvent *first;
  guint index = 0;

  log_events (events);
  first = find_event (events, kind, &index);
  g_assert_nonnull (first);
  g_assert_cmpuint (index + 1, <, events->len);
  return (g_array_index (events, CsFaultEvent, index + 1).at_us - first->at_us) / 1000;
}

static void
retry_after (Fixture  *fx,
             gboolean  keep_deciding)
{
  gint64 gap;

  if (fx->server == NULL)
    return;

  start_settled (fx);
  cs_fault_proxy_queue_fault_for (fx->proxy, CS_FAULT_UNAVAILABLE, "POST /api/v1/decisions");
  g_assert_true (commit_next (fx));
  g_assert_cmpint (wait_until (fx, unavailable_seen, 3000), >=, 0);

  /* The reviewer goes on deciding: each decision wakes the engine, which must
   * still wait as long as the server asked. */
  if (keep_deciding)
    for (guint i = 0; i < 3; i++)
      {
        g_assert_true (commit_next (fx));
        iterate_ms (150);
      }

  g_assert_cmpint (wait_until (fx, outbox_empty, 5000), >=, 0);
  gap = gap_after (fx, CS_FAULT_UNAVAILABLE);
  g_test_message ("next request %" G_GINT64_FORMAT " ms after the 503 with Retry-After: 1", gap);
  g_assert_cmpint (gap, >=, 1000);
  g_assert_cmpint (gap, <, 1000 + 1000);

  cs_sync_stop (fx->sync);
  iterate_ms (50);
  assert_exactly_once (fx);
}

static void
test_retry_after (Fixture       *fx,
                  gconstpointer  data)
{
  retry_after (fx, FALSE);
}

static void
test_retry_after_while_deciding (Fixture       *fx,
                                 gconstpointer  data)
{
  retry_after (fx, TRUE);
}

static void
test_hang_times_out (Fixture       *fx,
                     gconstpointer  data)
{
  gint64 gap;

  if (fx->server == NULL)
    return;

  start_settled (fx);
  /* Longer than the client's timeout, shorter than this test's patience. */
  cs_fault_proxy_set_hang_limit (fx->proxy, 8000);
  cs_fault_proxy_queue_fault_for (fx->proxy, CS_FAULT_HANG, "POST /api/v1/decisions");
  g_assert_true (commit_next (fx));

  g_assert_cmpint (wait_until (fx, outbox_empty, 6000), >=, 0);
  g_assert_cmpuint (cs_fault_proxy_get_count (fx->proxy, CS_FAULT_HANG), ==, 1);
  gap = gap_after (fx, CS_FAULT_HANG);
  g_test_message ("retried %" G_GINT64_FORMAT " ms after the request that hung (client timeout %d s)",
                  gap, CLIENT_TIMEOUT_S);
  /* Cut by the client's timeout, not by the proxy's hang limit, then retried
   * after at most one backoff cap. */
  g_assert_cmpint (gap, >=, CLIENT_TIMEOUT_S * 1000 - 100);
  g_assert_cmpint (gap, <=, CLIENT_TIMEOUT_S * 1000 + BACKOFF_CAP_MS + DRAIN_MARGIN_MS);

  cs_sync_stop (fx->sync);
  iterate_ms (50);
  assert_exactly_once (fx);
}

/* The exactly-once case alone: the server stores the decision, the answer
 * never arrives; the retry must come back "duplicate". */
static void
test_lost_answer (Fixture       *fx,
                  gconstpointer  data)
{
  g_autoptr(GPtrArray) outbox = NULL;

  if (fx->server == NULL)
    return;

  start_settled (fx);
  cs_fault_proxy_queue_fault_for (fx->proxy, CS_FAULT_RESET_AFTER, "POST /api/v1/decisions");
  cs_fault_proxy_queue_fault_for (fx->proxy, CS_FAULT_TRUNCATE, "POST /api/v1/decisions");
  g_assert_true (commit_next (fx));
  g_assert_cmpint (wait_until (fx, outbox_empty, 5000), >=, 0);
  g_assert_cmpuint (cs_fault_proxy_get_count (fx->proxy, CS_FAULT_RESET_AFTER), ==, 1);
  g_assert_cmpuint (cs_fault_proxy_get_count (fx->proxy, CS_FAULT_TRUNCATE), ==, 1);

  cs_sync_stop (fx->sync);
  iterate_ms (50);
  outbox = cs_store_list_outbox (fx->store, NULL);
  g_assert_cmpuint (outbox->len, ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (outbox->pdata[0]), "outbox_state"), ==,
                   "duplicate");
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (outbox->pdata[0]), "attempts"), ==, 3);
  assert_exactly_once (fx);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, setup, func) \
  g_test_add ("/faults/" name, Fixture, &setup, fixture_set_up, func, fixture_tear_down)
  ADD ("lost-answer", few, test_lost_answer);
  ADD ("retry-after", long_cap, test_retry_after);
  ADD ("retry-after-while-deciding", long_cap, test_retry_after_while_deciding);
  ADD ("hang-times-out", few, test_hang_times_out);
  ADD ("mixed", many, test_mixed_faults);
#undef ADD

  return g_test_run ();
}
