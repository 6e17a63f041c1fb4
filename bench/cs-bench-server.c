/* cs-bench-server.c: the reference server over loopback.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "cs-bench.h"
#include "cs-json.h"
#include "cs-sync.h"
#include "cs-test-server.h"

#define BATCH 500

static const char queue_json[] =
  "{\"title\": \"Bench\", \"labels\": [\"a\", \"b\", \"c\"],"
  " \"policy\": {\"rationale_required\": [\"override\"], \"min_rationale_chars\": 15},"
  " \"routing\": {\"confidence_threshold\": 0.80, \"compliance_keywords\": [\"chargeback\"], \"audit_sample_rate\": 0.02}}";

static char *
prediction_in (const char *queue,
               int         i)
{
  /* Half escalated (low confidence), half automated: routing runs on every one. */
  return g_strdup_printf (
    "{\"queue\": \"%s\", \"subject\": {\"kind\": \"text\", \"title\": \"Claim %d\","
    "  \"text\": \"Customer disputes the amount of invoice %d and asks for a refund.\"},"
    " \"model\": {\"name\": \"bench\", \"version\": \"1\"},"
    " \"prediction\": {\"label\": \"a\", \"confidence\": %s, \"alternatives\": [{\"label\": \"b\", \"confidence\": 0.2}]},"
    " \"explanation\": {\"summary\": \"Routine claim.\", \"spans\": [{\"start\": 0, \"end\": 8, \"weight\": 0.5}]},"
    " \"context\": {\"site\": \"%s\"}, \"truth\": \"a\"}",
    queue, i, i, i % 2 ? "0.95" : "0.50", i % 3 ? "north" : "south");
}

static char *
prediction (int i)
{
  return prediction_in ("bench", i);
}

static double
seconds_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1e6;
}

static void
post (CsTestServer *server,
      const char   *path,
      const char   *token,
      const char   *body)
{
  guint status = 0;
  g_autoptr(JsonNode) answer = cs_test_http (server, "POST", path, token, body, &status);

  if (status != 200)
    g_error ("POST %s answered %u", path, status);
}

/* Claims up to BATCH cases and returns a decisions body for them. */
static char *
claim_and_decide (CsTestServer *server,
                  const char   *reviewer,
                  guint        *n)
{
  guint status = 0;
  g_autoptr(JsonNode) claim = cs_test_http (server, "POST", "/api/v1/claims", reviewer,
                                            "{\"queue\": \"bench\", \"count\": 500}", &status);
  JsonArray *claimed = json_object_get_array_member (json_node_get_object (claim), "claimed");
  GString *body = g_string_new ("{\"decisions\": [");
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *at = cs_format_time (now);

  *n = json_array_get_length (claimed);
  for (guint i = 0; i < *n; i++)
    {
      g_autofree char *id = g_uuid_string_random ();
      const char *case_id = json_array_get_string_element (claimed, i);
      gint64 version = 0;
      g_autofree char *path = g_strdup_printf ("/api/v1/cases/%s", case_id);
      g_autoptr(JsonNode) kase = cs_test_http (server, "GET", path, reviewer, NULL, &status);

      version = json_object_get_int_member (json_node_get_object (kase), "version");
      g_string_append_printf (body,
                              "%s{\"id\": \"%s\", \"case_id\": \"%s\", \"case_version\": %" G_GINT64_FORMAT ","
                              " \"action\": \"%s\", \"label\": %s, \"rationale\": \"Checked against the invoice history.\","
                              " \"reviewer\": \"r-bench\", \"decided_at\": \"%s\", \"duration_ms\": 30000}",
                              i ? "," : "", id, case_id, version,
                              i % 4 ? "accept" : "override", i % 4 ? "null" : "\"b\"", at);
    }
  g_string_append (body, "]}");
  return g_string_free (body, FALSE);
}

void
cs_bench_server (int runs)
{
  g_autoptr(GArray) ingest = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) ingest_batch = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) decisions = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) page = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) health = g_array_new (FALSE, FALSE, sizeof (double));
  const int n_predictions = 2000;

  for (int r = 0; r < runs; r++)
    {
      g_autoptr(CsTestServer) server = cs_test_server_new_argv ((const char * const[]) { NULL });
      g_autofree char *admin = cs_test_server_create_token (server, "ops", "admin", NULL, NULL);
      g_autofree char *model = cs_test_server_create_token (server, "bench-model", "model", NULL, NULL);
      g_autofree char *reviewer = cs_test_server_create_token (server, "r-bench", "reviewer", "bench", NULL);
      g_autofree char *body = NULL;
      gint64 start;
      guint n = 0;
      double value;

      g_assert (cs_test_http_expect (server, "PUT", "/api/v1/queues/bench", admin, queue_json, 200) != NULL);

      /* Predictions ingested one request each, with routing, over a kept-alive connection. */
      start = g_get_monotonic_time ();
      for (int i = 0; i < n_predictions; i++)
        {
          g_autofree char *p = prediction (i);
          post (server, "/api/v1/predictions", model, p);
        }
      value = n_predictions / seconds_since (start);
      g_array_append_val (ingest, value);

      /* The same, 500 per request: one transaction each. */
      start = g_get_monotonic_time ();
      for (int b = 0; b < n_predictions / BATCH; b++)
        {
          g_autoptr(GString) batch = g_string_new ("{\"predictions\": [");

          for (int i = 0; i < BATCH; i++)
            {
              g_autofree char *p = prediction (n_predictions + b * BATCH + i);
              g_string_append_printf (batch, "%s%s", i ? "," : "", p);
            }
          g_string_append (batch, "]}");
          post (server, "/api/v1/predictions", model, batch->str);
        }
      value = n_predictions / seconds_since (start);
      g_array_append_val (ingest_batch, value);

      /* Decisions accepted in one batch of up to 500 (claimed first, not timed). */
      body = claim_and_decide (server, reviewer, &n);
      start = g_get_monotonic_time ();
      post (server, "/api/v1/decisions", reviewer, body);
      value = n / seconds_since (start);
      g_array_append_val (decisions, value);

      /* A changes-feed page of 500 cases, beside the bare round trip of /health. */
      {
        guint status = 0;
        g_autoptr(JsonNode) claim = cs_test_http (server, "POST", "/api/v1/claims", reviewer,
                                                  "{\"queue\": \"bench\", \"count\": 500}", &status);
        g_autoptr(JsonNode) answer = NULL;
        g_autoptr(JsonNode) ping = NULL;

        start = g_get_monotonic_time ();
        answer = cs_test_http (server, "GET", "/api/v1/changes?limit=500", reviewer, NULL, &status);
        value = seconds_since (start) * 1000;
        if (json_array_get_length (json_object_get_array_member (json_node_get_object (answer), "cases")) != 500)
          g_error ("the changes page did not hold 500 cases");
        g_array_append_val (page, value);

        start = g_get_monotonic_time ();
        for (int i = 0; i < 100; i++)
          {
            g_autoptr(JsonNode) h = cs_test_http (server, "GET", "/api/v1/health", NULL, NULL, &status);
          }
        value = seconds_since (start) * 1000 / 100;
        g_array_append_val (health, value);
      }
    }

  cs_bench_report ("predictions ingested, 1 per request", "/s", ingest,
                   "sqlite insert, fsync'd (baseline)", NULL);
  cs_bench_report ("predictions ingested, 500 per request", "/s", ingest_batch,
                   "sqlite insert, fsync'd (baseline)", ">= 2000/s");
  cs_bench_report ("decisions accepted, batch of 500", "/s", decisions,
                   "sqlite insert, fsync'd (baseline)", ">= 5000/s");
  cs_bench_report ("GET /health round trip (baseline)", "ms", health, NULL, NULL);
  cs_bench_report ("changes feed, page of 500 cases", "ms", page,
                   "GET /health round trip (baseline)", NULL);
}

/* The workstation's push through the sync engine, and an offline day. */

typedef struct
{
  gboolean done;
  gint64   emptied_at;
  CsSync  *sync;
} SyncWait;

static void
pending_cb (CsSync     *sync,
            GParamSpec *pspec,
            SyncWait   *wait)
{
  if (cs_sync_get_pending (sync) == 0 && wait->emptied_at == 0)
    wait->emptied_at = g_get_monotonic_time ();
}

static void
cycle_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  SyncWait *wait = user_data;
  g_autoptr(GError) error = NULL;

  if (!cs_sync_run_once_finish (CS_SYNC (source), result, &error))
    g_error ("sync: %s", error->message);
  wait->done = TRUE;
}

/* Runs one cycle; returns the seconds from its start until the outbox was empty. */
static double
cycle (CsSync *sync)
{
  SyncWait wait = { FALSE, 0, sync };
  gint64 start = g_get_monotonic_time ();
  gulong handler = g_signal_connect (sync, "notify::pending", G_CALLBACK (pending_cb), &wait);

  cs_sync_run_once_async (sync, NULL, cycle_cb, &wait);
  while (!wait.done)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (sync, handler);
  if (cs_sync_get_pending (sync) != 0)
    g_error ("the outbox did not empty");
  return ((wait.emptied_at ? wait.emptied_at : g_get_monotonic_time ()) - start) / 1e6;
}

static void
decide_all (CsStore *store,
            guint   *n)
{
  CsCaseQuery query = { .trigger = -1, .states = 1u << CS_LOCAL_NEW };
  g_autoptr(GPtrArray) rows = cs_store_list_cases (store, &query, 0, 100000, NULL);

  *n = rows->len;
  for (guint i = 0; i < rows->len; i++)
    {
      CsCaseRow *row = g_ptr_array_index (rows, i);
      g_autoptr(CsCase) kase = cs_store_get_case (store, row->id, NULL);
      g_autoptr(CsDecision) decision = cs_decision_new (row->id, cs_case_get_version (kase),
                                                        i % 4 ? CS_ACTION_ACCEPT : CS_ACTION_OVERRIDE,
                                                        i % 4 ? NULL : "b",
                                                        "Checked against the invoice history.", "r-bench", 30000);
      g_autoptr(GError) error = NULL;

      if (!cs_store_commit_decision (store, decision, &error))
        g_error ("%s", error->message);
    }
}

void
cs_bench_sync (int runs)
{
  g_autoptr(GArray) push = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) offline = g_array_new (FALSE, FALSE, sizeof (double));

  for (int r = 0; r < runs; r++)
    {
      g_autoptr(CsTestServer) server = cs_test_server_new_argv ((const char * const[]) { NULL });
      g_autofree char *admin = cs_test_server_create_token (server, "ops", "admin", NULL, NULL);
      g_autofree char *model = cs_test_server_create_token (server, "bench-model", "model", NULL, NULL);
      g_autofree char *reviewer = cs_test_server_create_token (server, "r-bench", "reviewer",
                                                               "q0,q1,q2,q3,day", NULL);
      g_autofree char *dir = cs_bench_tmpdir ();
      g_autofree char *db = g_build_filename (dir, "countersign.db", NULL);
      g_autofree char *assets = g_build_filename (dir, "assets", NULL);
      g_autoptr(CsStore) store = cs_store_open (db, NULL);
      g_autoptr(CsClient) client = cs_client_new (cs_test_server_get_url (server), reviewer, NULL);
      g_autoptr(CsSync) sync = cs_sync_new (store, client, assets);
      const char *queues[] = { "q0", "q1", "q2", "q3" };
      guint n = 0;
      double seconds, value;

      for (guint q = 0; q < G_N_ELEMENTS (queues); q++)
        {
          g_autofree char *path = g_strdup_printf ("/api/v1/queues/%s", queues[q]);
          g_autoptr(GString) batch = g_string_new ("{\"predictions\": [");

          g_assert (cs_test_http_expect (server, "PUT", path, admin, queue_json, 200) != NULL);
          for (int i = 0; i < BATCH; i++)
            {
              g_autofree char *p = prediction_in (queues[q], 2 * i);   /* even: escalated */
              g_string_append_printf (batch, "%s%s", i ? "," : "", p);
            }
          g_string_append (batch, "]}");
          post (server, "/api/v1/predictions", model, batch->str);
        }

      /* 2,000 claimed cases decided here, then pushed in batches of 500. */
      cs_sync_set_backlog (sync, 500);
      cs_sync_set_prefetch (sync, FALSE);
      cycle (sync);
      decide_all (store, &n);
      seconds = cycle (sync);
      value = n / seconds;
      g_array_append_val (push, value);

      /* An offline day: 200 decisions while the server is away, then its return. */
      g_assert (cs_test_http_expect (server, "PUT", "/api/v1/queues/day", admin, queue_json, 200) != NULL);
      {
        g_autoptr(GString) batch = g_string_new ("{\"predictions\": [");
        for (int i = 0; i < 200; i++)
          {
            g_autofree char *p = prediction_in ("day", 2 * i);
            g_string_append_printf (batch, "%s%s", i ? "," : "", p);
          }
        g_string_append (batch, "]}");
        post (server, "/api/v1/predictions", model, batch->str);
      }
      cs_sync_set_backlog (sync, 200);
      cycle (sync);
      cs_test_server_stop (server);
      decide_all (store, &n);
      if (n != 200)
        g_error ("expected 200 cases for the offline day, not %u", n);
      cs_test_server_restart (server);
      g_clear_object (&sync);
      g_clear_object (&client);
      client = cs_client_new (cs_test_server_get_url (server), reviewer, NULL);
      sync = cs_sync_new (store, client, assets);
      cs_sync_set_prefetch (sync, FALSE);
      value = cycle (sync);
      g_array_append_val (offline, value);

      g_clear_object (&sync);
      g_clear_object (&store);
      cs_test_remove_tree (dir);
    }

  cs_bench_report ("push via sync engine, 2000 decisions", "/s", push,
                   "sqlite insert, fsync'd (baseline)", ">= 5000/s");
  cs_bench_report ("offline day of 200: back to empty outbox", "s", offline, NULL, "<= 3 s");
}
