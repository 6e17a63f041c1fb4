/* test-crash.c: exactly once across crashes, with the real command line.
 *
 * countersign-cli (as separate processes, as a user or a script runs it) syncs
 * and decides while the test SIGKILLs it at random moments: during the
 * decision's commit, during the push, during the answer. In a second test the
 * server is SIGKILLed and restarted while decisions are being pushed. After a
 * final clean sync the server must hold exactly the decisions the workstation
 * holds, every decision whose `decide` reported success among them, and the
 * local database and audit log must be whole.
 *
 * The seed of the random delays is CS_CRASH_SEED from the environment, else a
 * fixed one; it is printed with --verbose.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <signal.h>
#include <sqlite3.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "cs-fault-proxy.h"
#include "cs-json.h"
#include "cs-test-server.h"

#define REVIEWER "r-17"
#define DEFAULT_SEED 424242
#define N_QUEUES 4
#define PER_QUEUE 75          /* 300 escalated cases; the CLI claims 50 a queue at a time */
#define KILL_ITERATIONS 60
#define MAX_KILL_DELAY_MS 300
#define SERVER_ROUNDS 12
#define DECIDES_PER_ROUND 8

typedef struct
{
  CsTestServer *server;
  CsFaultProxy *proxy;      /* pass-through, see fixture_set_up () */
  char         *admin;
  char         *model;
  char         *reviewer;
  char         *url;        /* what the CLI is given */
  char         *dir;
  char         *data_dir;
  char         *db_path;
  GRand        *rand;
  GHashTable   *confirmed;  /* ids printed by a `decide` that exited 0 */
  guint         n_decisions;
} Fixture;

typedef struct
{
  int   status;   /* exit status, or -signal */
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static guint32
crash_seed (void)
{
  const char *env = g_getenv ("CS_CRASH_SEED");
  guint64 seed = DEFAULT_SEED;

  if (env != NULL && *env != '\0')
    g_assert_true (g_ascii_string_to_unsigned (env, 10, 0, G_MAXUINT32, &seed, NULL));
  return (guint32) seed;
}

/* Processes */

static GSubprocess *
spawn_cli (Fixture            *fx,
           GSubprocessFlags    flags,
           const char * const *argv)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (flags);
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autofree char *xdg_data = g_build_filename (fx->dir, "xdg-data", NULL);
  g_autofree char *xdg_cache = g_build_filename (fx->dir, "xdg-cache", NULL);
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  /* Never the user's own workstation data. */
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", xdg_data, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", xdg_cache, TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_setenv (launcher, "COUNTERSIGN_TOKEN", fx->reviewer, TRUE);

  g_ptr_array_add (args, (gpointer) g_getenv ("CS_CLI_BIN"));
  g_ptr_array_add (args, (gpointer) "--data-dir");
  g_ptr_array_add (args, fx->data_dir);
  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) argv[i]);
  g_ptr_array_add (args, NULL);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) args->pdata, &error);
  g_assert_no_error (error);
  return process;
}

static int
exit_status (GSubprocess *process)
{
  if (g_subprocess_get_if_exited (process))
    return g_subprocess_get_exit_status (process);
  if (g_subprocess_get_if_signaled (process))
    return -g_subprocess_get_term_sig (process);
  return -1000;
}

/* Runs the CLI to its end. */
static Run
run_cli_argv (Fixture            *fx,
              const char * const *argv)
{
  g_autoptr(GSubprocess) process = spawn_cli (fx, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, argv);
  g_autoptr(GError) error = NULL;
  Run run = { 0 };

  g_subprocess_communicate_utf8 (process, NULL, NULL, &run.out, &run.err, &error);
  g_assert_no_error (error);
  run.status = exit_status (process);
  return run;
}

#define CLI(fx, ...) run_cli_argv ((fx), (const char * const[]) { __VA_ARGS__, NULL })

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = cs_json_parse (text, strlen (text), &error);

  g_assert_no_error (error);
  return node;
}

/* The local store, read directly (read-only) */

static sqlite3 *
open_read_only (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

static GPtrArray *
query_strings (const char *path,
               const char *sql)
{
  sqlite3 *db = open_read_only (path);
  sqlite3_stmt *stmt = NULL;
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  int rc;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (out, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  if (rc != SQLITE_DONE)
    g_error ("%s: %s", sql, sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return out;
}

/* Cases still to decide here, as the store says. */
static GPtrArray *
open_cases (Fixture *fx)
{
  return query_strings (fx->db_path, "SELECT id FROM cases WHERE local_state = 0 ORDER BY priority DESC, id");
}

static void
assert_integrity (const char *path)
{
  g_autoptr(GPtrArray) result = query_strings (path, "PRAGMA integrity_check");

  g_assert_cmpuint (result->len, ==, 1);
  g_assert_cmpstr (result->pdata[0], ==, "ok");
}

static char *
server_db_path (Fixture *fx)
{
  return g_build_filename (cs_test_server_get_data_dir (fx->server), "countersign-server.db", NULL);
}

/* Set-up */

static void
feed (Fixture *fx)
{
  for (guint q = 0; q < N_QUEUES; q++)
    for (guint i = 0; i < PER_QUEUE; i++)
      {
        g_autofree char *body = g_strdup_printf (
          "{\"queue\": \"q%u\", \"subject\": {\"kind\": \"text\", \"title\": \"Claim %u-%03u\","
          "   \"text\": \"Claim %u of intake %u; the amounts do not add up.\"},"
          " \"model\": {\"name\": \"claims\", \"version\": \"3.1\"},"
          " \"prediction\": {\"label\": \"approve\", \"confidence\": %.3f},"
          " \"explanation\": {\"summary\": \"Amounts disagree.\"}}",
          q, q, i, i, q, 0.30 + 0.45 * i / PER_QUEUE);
        g_autoptr(JsonNode) answer = cs_test_http_expect (fx->server, "POST", "/api/v1/predictions",
                                                          fx->model, body, 200);

        g_assert_cmpstr (json_object_get_string_member (json_node_get_object (answer), "routed"), ==, "escalated");
      }
}

static void
fixture_set_up (Fixture       *fx,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) queues = g_string_new (NULL);

  if (g_getenv ("CS_CLI_BIN") == NULL || *g_getenv ("CS_CLI_BIN") == '\0')
    {
      g_test_skip ("CS_CLI_BIN is not set: countersign-cli was not built");
      return;
    }
  fx->server = cs_test_server_new_argv ((const char * const[]) { NULL });
  if (fx->server == NULL)
    return;

  for (guint q = 0; q < N_QUEUES; q++)
    g_string_append_printf (queues, "%sq%u", q > 0 ? "," : "", q);
  fx->admin = cs_test_server_create_token (fx->server, "ops", "admin", NULL, NULL);
  fx->model = cs_test_server_create_token (fx->server, "claims", "model", NULL, NULL);
  fx->reviewer = cs_test_server_create_token (fx->server, REVIEWER, "reviewer", queues->str, "Dr. A. Rivera");
  for (guint q = 0; q < N_QUEUES; q++)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/queues/q%u", q);
      g_autoptr(JsonNode) answer = cs_test_http_expect (
        fx->server, "PUT", path, fx->admin,
        "{\"title\": \"Claims\", \"labels\": [\"approve\", \"deny\", \"refer\"],"
        " \"policy\": {\"rationale_required\": [\"override\", \"reject\", \"escalate\"], \"min_rationale_chars\": 15},"
        " \"routing\": {\"confidence_threshold\": 0.80, \"audit_sample_rate\": 0.0},"
        " \"reviewers\": [\"" REVIEWER "\"]}", 200);
    }
  feed (fx);

  /* Faults off: the proxy only shows when a push is on the wire, and keeps
   * one address while the server restarts (perhaps on another port; the CLI
   * refuses to move a store to another server address). */
  fx->proxy = cs_fault_proxy_new (cs_test_server_get_port (fx->server), crash_seed ());
  cs_fault_proxy_set_enabled (fx->proxy, FALSE);
  fx->url = g_strdup (cs_fault_proxy_get_url (fx->proxy));

  fx->dir = g_dir_make_tmp ("cs-crash-XXXXXX", &error);
  g_assert_no_error (error);
  fx->data_dir = g_build_filename (fx->dir, "data", NULL);
  fx->db_path = g_build_filename (fx->data_dir, "countersign.db", NULL);
  fx->rand = g_rand_new_with_seed (crash_seed ());
  fx->confirmed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_test_message ("crash seed %u, CLI talks to %s", crash_seed (), fx->url);

  /* Sign in and claim: 50 a queue. */
  {
    g_auto(Run) run = CLI (fx, "--server", fx->url, "sync", "--once");

    if (run.status != 0)
      g_error ("sync --once: %d\n%s%s", run.status, run.out, run.err);
  }
  {
    g_autoptr(GPtrArray) todo = open_cases (fx);
    g_assert_cmpuint (todo->len, ==, N_QUEUES * 50);
  }
}

static void
fixture_tear_down (Fixture       *fx,
                   gconstpointer  data)
{
  g_clear_pointer (&fx->proxy, cs_fault_proxy_free);
  g_clear_pointer (&fx->server, cs_test_server_free);
  if (fx->dir != NULL)
    cs_test_remove_tree (fx->dir);
  g_clear_pointer (&fx->rand, g_rand_free);
  g_clear_pointer (&fx->confirmed, g_hash_table_unref);
  g_free (fx->dir);
  g_free (fx->data_dir);
  g_free (fx->db_path);
  g_free (fx->url);
  g_free (fx->admin);
  g_free (fx->model);
  g_free (fx->reviewer);
}

/* A `decide` for @case_id with an action drawn at random and a rationale that
 * names the decision, started and left running. */
static GSubprocess *
spawn_decide (Fixture    *fx,
              const char *case_id)
{
  guint n = fx->n_decisions++;
  guint pick = (guint) g_rand_int_range (fx->rand, 0, 20);
  g_autofree char *rationale = g_strdup_printf ("Crash run decision %04u on %s.", n, case_id);
  const char *action = pick < 8 ? "accept" : pick < 13 ? "override" : pick < 18 ? "reject" : "escalate";

  if (g_str_equal (action, "override"))
    return spawn_cli (fx, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                      (const char * const[]) { "decide", case_id, action, "--label", "deny",
                                               "--rationale", rationale, NULL });
  return spawn_cli (fx, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                    (const char * const[]) { "decide", case_id, action, "--rationale", rationale, NULL });
}

/* Reaps a `decide`: one that exited 0 printed the id of a decision that is
 * now on disk. Returns TRUE when it was killed first. */
static gboolean
reap_decide (Fixture     *fx,
             GSubprocess *process,
             const char  *case_id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  status = exit_status (process);
  if (status == -SIGKILL)
    return TRUE;
  if (status != 0)
    g_error ("decide %s exited %d: %s%s", case_id, status, out, err);

  g_strstrip (out);
  g_assert_true (g_uuid_string_is_valid (out));
  g_assert_true (g_hash_table_add (fx->confirmed, g_steal_pointer (&out)));
  return FALSE;
}

static JsonNode *
status_json (Fixture *fx)
{
  g_auto(Run) run = CLI (fx, "status", "--json");

  g_assert_cmpint (run.status, ==, 0);
  return parse_json (run.out);
}

/* Clean syncs until nothing is left to send (bounded). */
static void
final_sync (Fixture *fx)
{
  for (guint attempt = 0; attempt < 10; attempt++)
    {
      g_auto(Run) run = CLI (fx, "--server", fx->url, "sync", "--once");
      g_autoptr(JsonNode) status = NULL;

      if (run.status != 0)
        {
          g_test_message ("final sync --once exited %d: %s", run.status, run.err);
          g_usleep (200 * 1000);
          continue;
        }
      status = status_json (fx);
      if (json_object_get_int_member (json_node_get_object (status), "pending") == 0)
        return;
    }
  g_error ("Decisions were still waiting after 10 clean syncs");
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
      g_ptr_array_add (nodes, parse_json (lines[i]));
  return nodes;
}

/* Nothing lost, nothing doubled, nothing invented; the store and its audit
 * log whole. */
static void
assert_exactly_once (Fixture *fx)
{
  g_autoptr(JsonNode) outbox_node = NULL;
  g_autoptr(GHashTable) local = g_hash_table_new (g_str_hash, g_str_equal);          /* id → row */
  g_autoptr(GHashTable) by_rationale = g_hash_table_new (g_str_hash, g_str_equal);   /* → row */
  g_autoptr(GHashTable) audited = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) exported_cases = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *server_db = server_db_path (fx);
  g_autoptr(GPtrArray) server_ids = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(GPtrArray) undecided_but_in_outbox = NULL;
  JsonArray *outbox;
  GHashTableIter iter;
  gpointer key;
  guint finals = 0, duplicates = 0;

  /* The local outbox, as the CLI reports it. */
  {
    g_auto(Run) run = CLI (fx, "outbox", "--json");

    g_assert_cmpint (run.status, ==, 0);
    outbox_node = parse_json (run.out);
  }
  outbox = json_node_get_array (outbox_node);
  for (guint i = 0; i < json_array_get_length (outbox); i++)
    {
      JsonObject *row = json_array_get_object_element (outbox, i);
      const char *id = json_object_get_string_member (row, "id");
      const char *state = json_object_get_string_member (row, "outbox_state");

      if (!g_hash_table_insert (local, (gpointer) id, row))
        g_error ("Decision %s is in the outbox twice", id);
      g_assert_true (g_hash_table_insert (by_rationale, (gpointer) json_object_get_string_member (row, "rationale"), row));
      if (g_str_equal (state, "duplicate"))
        duplicates++;
      else if (!g_str_equal (state, "accepted"))
        g_error ("Decision %s on %s ended %s", id, json_object_get_string_member (row, "case_id"), state);
      if (!g_str_equal (json_object_get_string_member (row, "action"), "escalate"))
        finals++;
    }
  g_test_message ("%u decisions in the outbox (%u came back as duplicates), %u confirmed by decide",
                  g_hash_table_size (local), duplicates, g_hash_table_size (fx->confirmed));

  /* Every decision that `decide` reported is kept. */
  g_hash_table_iter_init (&iter, fx->confirmed);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (local, key))
      g_error ("decide printed %s and exited 0, but the decision is gone", (char *) key);

  /* The server's record equals the outbox, by decision id. */
  server_ids = query_strings (server_db, "SELECT id FROM decisions WHERE reviewer = '" REVIEWER "'");
  for (guint i = 0; i < server_ids->len; i++)
    if (!g_hash_table_contains (local, server_ids->pdata[i]))
      g_error ("The server holds decision %s, which this workstation never made", (char *) server_ids->pdata[i]);
  g_assert_cmpuint (server_ids->len, ==, g_hash_table_size (local));   /* ids are unique there */

  /* The export: each final decision once, as it was made. */
  lines = export_lines (fx);
  g_assert_cmpuint (lines->len, ==, finals);
  for (guint i = 0; i < lines->len; i++)
    {
      JsonObject *obj = json_node_get_object (lines->pdata[i]);
      const char *case_id = json_object_get_string_member (obj, "case_id");
      JsonObject *row = g_hash_table_lookup (by_rationale,
                                             json_object_get_string_member_with_default (obj, "rationale", ""));

      g_assert_nonnull (row);
      g_assert_cmpstr (case_id, ==, json_object_get_string_member (row, "case_id"));
      g_assert_cmpstr (json_object_get_string_member (obj, "action"), ==, json_object_get_string_member (row, "action"));
      if (!g_hash_table_add (exported_cases, (gpointer) case_id))
        g_error ("Case %s is in the export twice", case_id);
    }

  /* Each decision was written whole: one "decision.made" audit entry per
   * outbox row and no other, and its case is no longer to do. */
  {
    g_auto(Run) run = CLI (fx, "audit", "export");
    g_auto(GStrv) entries = NULL;

    g_assert_cmpint (run.status, ==, 0);
    entries = g_strsplit (run.out, "\n", -1);
    for (guint i = 0; entries[i] != NULL; i++)
      {
        g_autoptr(JsonNode) entry = NULL;
        JsonObject *obj;

        if (*entries[i] == '\0')
          continue;
        entry = parse_json (entries[i]);
        obj = json_node_get_object (entry);
        if (g_str_equal (json_object_get_string_member (obj, "event"), "decision.made"))
          {
            const char *id = json_object_get_string_member (json_object_get_object_member (obj, "detail"),
                                                            "decision_id");

            g_assert_true (g_hash_table_contains (local, id));
            g_assert_true (g_hash_table_add (audited, g_strdup (id)));
          }
      }
    g_assert_cmpuint (g_hash_table_size (audited), ==, g_hash_table_size (local));
  }
  undecided_but_in_outbox = query_strings (fx->db_path,
                                           "SELECT o.decision_id FROM outbox o JOIN cases c ON c.id = o.case_id"
                                           " WHERE c.local_state = 0");
  g_assert_cmpuint (undecided_but_in_outbox->len, ==, 0);

  assert_integrity (fx->db_path);
  assert_integrity (server_db);
  {
    g_auto(Run) run = CLI (fx, "audit", "verify");

    if (run.status != 0)
      g_error ("audit verify exited %d: %s%s", run.status, run.out, run.err);
  }
}

/* Tests */

/* Whether the proxy has seen a push since its @before-th request. */
static gboolean
push_seen (Fixture *fx,
           guint    before)
{
  g_autoptr(GArray) events = cs_fault_proxy_get_events (fx->proxy);

  for (guint i = before; i < events->len; i++)
    if (g_str_equal (g_array_index (events, CsFaultEvent, i).path, "/api/v1/decisions"))
      return TRUE;
  return FALSE;
}

/* Waits (bounded by @deadline) for a push to reach the proxy. */
static gboolean
wait_for_push (Fixture *fx,
               guint    before,
               gint64   deadline)
{
  while (!push_seen (fx, before))
    {
      if (g_get_monotonic_time () >= deadline)
        return FALSE;
      g_usleep (500);
    }
  return TRUE;
}

static void
test_kill_cli (Fixture       *fx,
               gconstpointer  data)
{
  guint n_decides = 0, killed_decides = 0, killed_syncs = 0, push_kills = 0;
  gint64 start = g_get_monotonic_time ();

  if (fx->server == NULL)
    return;

  for (guint iteration = 0; iteration < KILL_ITERATIONS; iteration++)
    {
      g_autoptr(GPtrArray) todo = open_cases (fx);
      g_autoptr(GSubprocess) sync = NULL;
      GSubprocess *decides[3] = { NULL };
      const char *cases[3] = { NULL };
      guint n = (guint) g_rand_int_range (fx->rand, 1, 4);
      guint delay_ms = (guint) g_rand_int_range (fx->rand, 0, MAX_KILL_DELAY_MS + 1);
      /* Most kills land anywhere in the first 300 ms; some are aimed at the
       * few milliseconds of a push: the server storing the batch, its answer
       * on the way, the answer being written to the outbox. */
      gboolean aim_at_push = g_rand_int_range (fx->rand, 0, 10) < 4;
      guint before = cs_fault_proxy_get_requests (fx->proxy);
      gint64 spawned;

      g_assert_cmpuint (todo->len, >=, n);

      /* The sync loop and a few decisions at once, all cut short. */
      sync = spawn_cli (fx, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                        (const char * const[]) { "--server", fx->url, "sync", NULL });
      spawned = g_get_monotonic_time ();
      for (guint i = 0; i < n; i++)
        {
          guint pick = (guint) g_rand_int_range (fx->rand, 0, (gint32) todo->len);

          cases[i] = g_ptr_array_steal_index_fast (todo, pick);
          decides[i] = spawn_decide (fx, cases[i]);
        }

      if (aim_at_push &&
          wait_for_push (fx, before, spawned + MAX_KILL_DELAY_MS * 1000))
        {
          push_kills++;
          g_usleep (g_rand_int_range (fx->rand, 0, 9) * 1000);
        }
      else
        {
          gint64 left = spawned + delay_ms * 1000 - g_get_monotonic_time ();

          if (left > 0)
            g_usleep (left);
        }

      for (guint i = 0; i < n; i++)
        g_subprocess_send_signal (decides[i], SIGKILL);
      g_subprocess_send_signal (sync, SIGKILL);
      for (guint i = 0; i < n; i++)
        {
          n_decides++;
          if (reap_decide (fx, decides[i], cases[i]))
            killed_decides++;
          g_object_unref (decides[i]);
          g_free ((char *) cases[i]);
        }
      g_subprocess_wait (sync, NULL, NULL);
      if (exit_status (sync) == -SIGKILL)
        killed_syncs++;
      else
        g_error ("The sync loop ended by itself (%d) before it was killed", exit_status (sync));
    }

  g_test_message ("%u iterations in %.1f s: %u decides (%u killed before they answered), %u sync loops killed, "
                  "%u of them within milliseconds of a push",
                  KILL_ITERATIONS, (g_get_monotonic_time () - start) / 1e6, n_decides, killed_decides, killed_syncs,
                  push_kills);
  /* The delays really cut some decides short and let others finish. */
  g_assert_cmpuint (killed_decides, >, 0);
  g_assert_cmpuint (killed_decides, <, n_decides);

  final_sync (fx);
  assert_exactly_once (fx);
}

static void
test_kill_server (Fixture       *fx,
                  gconstpointer  data)
{
  gint64 start = g_get_monotonic_time ();
  guint pushes_hit = 0;

  if (fx->server == NULL)
    return;

  for (guint round = 0; round < SERVER_ROUNDS; round++)
    {
      g_autoptr(GPtrArray) todo = open_cases (fx);
      g_autoptr(GSubprocess) sync = NULL;
      GSubprocess *decides[DECIDES_PER_ROUND];
      guint before = cs_fault_proxy_get_requests (fx->proxy);
      guint delay_ms = (guint) g_rand_int_range (fx->rand, 0, 16);
      gboolean kill_client = g_rand_boolean (fx->rand);
      gint64 deadline;

      g_assert_cmpuint (todo->len, >=, DECIDES_PER_ROUND);

      /* Decisions waiting to go: all of them on disk. */
      for (guint i = 0; i < DECIDES_PER_ROUND; i++)
        decides[i] = spawn_decide (fx, todo->pdata[i]);
      for (guint i = 0; i < DECIDES_PER_ROUND; i++)
        {
          g_assert_false (reap_decide (fx, decides[i], todo->pdata[i]));
          g_object_unref (decides[i]);
        }

      /* The push starts; the server dies somewhere around it. */
      sync = spawn_cli (fx, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                        (const char * const[]) { "--server", fx->url, "sync", "--once", NULL });
      deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
      if (wait_for_push (fx, before, deadline))
        pushes_hit++;
      g_usleep (delay_ms * 1000);
      cs_test_server_kill (fx->server);
      if (kill_client)
        g_subprocess_send_signal (sync, SIGKILL);
      g_subprocess_wait (sync, NULL, NULL);

      cs_test_server_restart (fx->server);
      cs_fault_proxy_set_target_port (fx->proxy, cs_test_server_get_port (fx->server));
    }

  g_test_message ("%u server crashes in %.1f s, %u of them after the push had started",
                  SERVER_ROUNDS, (g_get_monotonic_time () - start) / 1e6, pushes_hit);
  g_assert_cmpuint (pushes_hit, >=, SERVER_ROUNDS / 2);

  final_sync (fx);
  assert_exactly_once (fx);
}

/* Two scripts, or a script beside the window, deciding the same case at the
 * same moment: one decision is kept, the others are refused, none doubled. */
static void
test_same_case_at_once (Fixture       *fx,
                        gconstpointer  data)
{
  g_autoptr(GPtrArray) todo = NULL;
  guint refused = 0;

  if (fx->server == NULL)
    return;

  todo = open_cases (fx);
  for (guint c = 0; c < 20; c++)
    {
      const char *case_id = todo->pdata[c];
      GSubprocess *decides[4];
      guint succeeded = 0;

      for (guint i = 0; i < G_N_ELEMENTS (decides); i++)
        decides[i] = spawn_decide (fx, case_id);
      for (guint i = 0; i < G_N_ELEMENTS (decides); i++)
        {
          g_autoptr(GError) error = NULL;
          g_autofree char *out = NULL;
          g_autofree char *err = NULL;

          g_subprocess_communicate_utf8 (decides[i], NULL, NULL, &out, &err, &error);
          g_assert_no_error (error);
          if (exit_status (decides[i]) == 0)
            {
              succeeded++;
              g_assert_true (g_hash_table_add (fx->confirmed, g_strdup (g_strstrip (out))));
            }
          else
            {
              g_assert_cmpint (exit_status (decides[i]), ==, 1);
              g_assert_nonnull (strstr (err, "already decided"));
              refused++;
            }
          g_object_unref (decides[i]);
        }
      if (succeeded != 1)
        g_error ("%u of %zu simultaneous decides on %s succeeded", succeeded, G_N_ELEMENTS (decides), case_id);
    }
  g_assert_cmpuint (refused, ==, 20 * 3);

  final_sync (fx);
  assert_exactly_once (fx);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/crash/kill-cli", Fixture, NULL, fixture_set_up, test_kill_cli, fixture_tear_down);
  g_test_add ("/crash/kill-server", Fixture, NULL, fixture_set_up, test_kill_server, fixture_tear_down);
  g_test_add ("/crash/same-case-at-once", Fixture, NULL, fixture_set_up, test_same_case_at_once, fixture_tear_down);

  return g_test_run ();
}
