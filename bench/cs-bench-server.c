/* cs-bench-server.c: the reference server over loopback.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-bench.h"
#include "cs-json.h"
#include "cs-test-server.h"

#define BATCH 500

static const char queue_json[] =
  "{\"title\": \"Bench\", \"labels\": [\"a\", \"b\", \"c\"],"
  " \"policy\": {\"rationale_required\": [\"override\"], \"min_rationale_chars\": 15},"
  " \"routing\": {\"confidence_threshold\": 0.80, \"compliance_keywords\": [\"chargeback\"], \"audit_sample_rate\": 0.02}}";

static char *
prediction (int i)
{
  /* Half escalated (low confidence), half automated: routing runs on every one. */
  return g_strdup_printf (
    "{\"queue\": \"bench\", \"subject\": {\"kind\": \"text\", \"title\": \"Claim %d\","
    "  \"text\": \"Customer disputes the amount of invoice %d and asks for a refund.\"},"
    " \"model\": {\"name\": \"bench\", \"version\": \"1\"},"
    " \"prediction\": {\"label\": \"a\", \"confidence\": %s, \"alternatives\": [{\"label\": \"b\", \"confidence\": 0.2}]},"
    " \"explanation\": {\"summary\": \"Routine claim.\", \"spans\": [{\"start\": 0, \"end\": 8, \"weight\": 0.5}]},"
    " \"context\": {\"site\": \"%s\"}, \"truth\": \"a\"}",
    i, i, i % 2 ? "0.95" : "0.50", i % 3 ? "north" : "south");
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
