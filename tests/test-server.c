/* test-server.c: countersign-server's rules, tried over HTTP against the real binary.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "cs-test-json.h"
#include "cs-test-server.h"

#define DERM_QUEUE \
  "{\"title\": \"Dermatology triage\"," \
  " \"labels\": [\"melanoma\", \"nevus\", \"other\"]," \
  " \"policy\": {\"rationale_required\": [\"override\", \"reject\", \"escalate\"], \"min_rationale_chars\": 15}," \
  " \"routing\": {\"confidence_threshold\": 0.80, \"fairness_threshold\": 0.10, \"anomaly_threshold\": 0.90," \
  "               \"compliance_keywords\": [\"chargeback\", \"self-harm\"], \"audit_sample_rate\": 0}," \
  " \"reviewers\": [\"r2\"]}"

#define CLAIMS_QUEUE \
  "{\"title\": \"Charge-backs\", \"labels\": [\"fraud\", \"legit\"]," \
  " \"routing\": {\"confidence_threshold\": 0.5}, \"reviewers\": [\"outsider\"]}"

#define RATIONALE "A rationale long enough for the policy"

typedef struct
{
  CsTestServer *server;
  char         *admin;
  char         *model;
  char         *r1;         /* derm through its token's --queues */
  char         *r2;         /* derm through the queue's "reviewers" */
  char         *outsider;   /* claims only */
} Fixture;

/* Requests */

static JsonNode *
http (Fixture    *f,
      const char *method,
      const char *path,
      const char *token,
      const char *body,
      guint       expected)
{
  return cs_test_http_expect (f->server, method, path, token, body, expected);
}

/* The error code of a refused request. */
static void
expect_error (Fixture    *f,
              const char *method,
              const char *path,
              const char *token,
              const char *body,
              guint       status,
              const char *code)
{
  g_autoptr(JsonNode) answer = http (f, method, path, token, body, status);

  g_assert_cmpstr (cs_test_json_string (answer, "error.code"), ==, code);
  g_assert_nonnull (cs_test_json_string (answer, "error.message"));
}

static char *
prediction (const char *queue,
            const char *confidence,
            const char *label,
            const char *text,
            const char *extra)
{
  return g_strdup_printf ("{\"queue\": \"%s\","
                          " \"subject\": {\"kind\": \"text\", \"title\": \"A case\", \"text\": \"%s\"},"
                          " \"model\": {\"name\": \"m1\", \"version\": \"1.0\"},"
                          " \"prediction\": {\"label\": \"%s\", \"confidence\": %s}%s%s}",
                          queue, text ? text : "nothing of note", label, confidence,
                          extra ? ", " : "", extra ? extra : "");
}

/* Feeds a prediction in and returns the answer ({"id", "routed", "trigger"}). */
static JsonNode *
predict (Fixture    *f,
         const char *queue,
         const char *confidence,
         const char *label,
         const char *text,
         const char *extra)
{
  g_autofree char *body = prediction (queue, confidence, label, text, extra);

  return http (f, "POST", "/api/v1/predictions", f->model, body, SOUP_STATUS_OK);
}

static char *
predict_id (Fixture    *f,
            const char *queue,
            const char *confidence,
            const char *label,
            const char *text,
            const char *extra)
{
  g_autoptr(JsonNode) answer = predict (f, queue, confidence, label, text, extra);

  g_assert_cmpstr (cs_test_json_string (answer, "routed"), ==, "escalated");
  return g_strdup (cs_test_json_string (answer, "id"));
}

static char *
decision (const char *id,
          const char *case_id,
          gint64      version,
          const char *action,
          const char *label,
          const char *rationale,
          const char *reviewer,
          const char *decided_at,
          gint64      duration_ms)
{
  g_autofree char *label_json = label ? g_strdup_printf ("\"%s\"", label) : g_strdup ("null");

  return g_strdup_printf ("{\"id\": \"%s\", \"case_id\": \"%s\", \"case_version\": %" G_GINT64_FORMAT ","
                          " \"action\": \"%s\", \"label\": %s, \"rationale\": \"%s\", \"reviewer\": \"%s\","
                          " \"decided_at\": \"%s\", \"duration_ms\": %" G_GINT64_FORMAT "}",
                          id, case_id, version, action, label_json, rationale ? rationale : "",
                          reviewer, decided_at ? decided_at : "2026-11-24T09:31:07Z", duration_ms);
}

/* Sends a batch; takes ownership of the decision strings (NULL-terminated). */
static JsonNode *
decide (Fixture    *f,
        const char *token,
        char       *first,
        ...)
{
  g_autoptr(GString) body = g_string_new ("{\"decisions\": [");
  va_list ap;

  va_start (ap, first);
  for (char *d = first; d != NULL; d = va_arg (ap, char *))
    {
      if (d != first)
        g_string_append (body, ", ");
      g_string_append (body, d);
      g_free (d);
    }
  va_end (ap);
  g_string_append (body, "]}");

  return http (f, "POST", "/api/v1/decisions", token, body->str, SOUP_STATUS_OK);
}

static JsonNode *
claim (Fixture    *f,
       const char *token,
       const char *queue,
       guint       count)
{
  g_autofree char *body = g_strdup_printf ("{\"queue\": \"%s\", \"count\": %u}", queue, count);

  return http (f, "POST", "/api/v1/claims", token, body, SOUP_STATUS_OK);
}

static JsonNode *
get_case (Fixture    *f,
          const char *token,
          const char *id)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/cases/%s", id);

  return http (f, "GET", path, token, NULL, SOUP_STATUS_OK);
}

static gint64
case_version (Fixture    *f,
              const char *id)
{
  g_autoptr(JsonNode) kase = get_case (f, f->admin, id);

  return cs_test_json_int (kase, "version");
}

static JsonNode *
changes (Fixture    *f,
         const char *token,
         const char *since,
         const char *limit)
{
  g_autoptr(GString) path = g_string_new ("/api/v1/changes?");

  if (since != NULL)
    g_string_append_printf (path, "since=%s&", since);
  if (limit != NULL)
    g_string_append_printf (path, "limit=%s", limit);
  return http (f, "GET", path->str, token, NULL, SOUP_STATUS_OK);
}

/* The export as parsed lines, with the cursor header. */
static GPtrArray *
export_lines (Fixture     *f,
              const char  *since,
              char       **cursor)
{
  g_autofree char *path = since ? g_strdup_printf ("/api/v1/export/outcomes?since=%s", since)
                                : g_strdup ("/api/v1/export/outcomes");
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  guint status = 0;
  gsize len = 0;
  const char *data;

  bytes = cs_test_http_bytes (f->server, "GET", path, f->admin, NULL, NULL, NULL, &headers, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
  g_assert_cmpstr (soup_message_headers_get_content_type (headers, NULL), ==, "application/x-ndjson");
  if (cursor != NULL)
    *cursor = g_strdup (soup_message_headers_get_one (headers, "X-Countersign-Cursor"));

  data = g_bytes_get_data (bytes, &len);
  text = g_strndup (data ? data : "", len);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;

      if (*lines[i] == '\0')
        continue;
      json_parser_load_from_data (parser, lines[i], -1, &error);
      g_assert_no_error (error);
      g_ptr_array_add (out, json_node_copy (json_parser_get_root (parser)));
    }
  return out;
}

static JsonNode *
metrics (Fixture    *f,
         const char *queue)
{
  g_autofree char *path = queue ? g_strdup_printf ("/api/v1/metrics?queue=%s", queue)
                                : g_strdup ("/api/v1/metrics");

  return http (f, "GET", path, f->admin, NULL, SOUP_STATUS_OK);
}

/* Fixtures */

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  const char * const *args = data;

  f->server = cs_test_server_new_argv (args);
  g_assert_nonnull (f->server);

  f->admin = cs_test_server_create_token (f->server, "admin", "admin", NULL, "Site administrator");
  f->model = cs_test_server_create_token (f->server, "m1", "model", NULL, NULL);
  f->r1 = cs_test_server_create_token (f->server, "r1", "reviewer", "derm", "Dr. A. Rivera");
  f->r2 = cs_test_server_create_token (f->server, "r2", "reviewer", NULL, NULL);
  f->outsider = cs_test_server_create_token (f->server, "outsider", "reviewer", NULL, NULL);

  cs_test_json_drop (http (f, "PUT", "/api/v1/queues/derm", f->admin, DERM_QUEUE, SOUP_STATUS_OK));
  cs_test_json_drop (http (f, "PUT", "/api/v1/queues/claims", f->admin, CLAIMS_QUEUE, SOUP_STATUS_OK));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_pointer (&f->server, cs_test_server_free);
  g_free (f->admin);
  g_free (f->model);
  g_free (f->r1);
  g_free (f->r2);
  g_free (f->outsider);
}

static const char *no_args[] = { NULL };
static const char *short_lease[] = { "--lease-seconds", "1", NULL };
static const char *small_assets[] = { "--max-asset-mb", "1", NULL };

/* Tests */

static void
test_health (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(JsonNode) health = http (f, "GET", "/api/v1/health", NULL, NULL, SOUP_STATUS_OK);

  g_assert_cmpstr (cs_test_json_string (health, "status"), ==, "ok");
  g_assert_cmpstr (cs_test_json_string (health, "version"), ==, PACKAGE_VERSION);
}

static void
test_auth (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *temp = NULL;
  const char *basic[] = { "Authorization: Basic cjE6cGFzc3dvcmQ=", NULL };
  guint status = 0;

  expect_error (f, "GET", "/api/v1/me", NULL, NULL, SOUP_STATUS_UNAUTHORIZED, "unauthorized");
  expect_error (f, "GET", "/api/v1/me", "cs_not-a-token", NULL, SOUP_STATUS_UNAUTHORIZED, "unauthorized");
  expect_error (f, "GET", "/api/v1/me", "", NULL, SOUP_STATUS_UNAUTHORIZED, "unauthorized");

  body = cs_test_http_bytes (f->server, "GET", "/api/v1/queues", NULL, NULL, NULL, basic, &headers, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_UNAUTHORIZED);
  g_assert_true (g_str_has_prefix (soup_message_headers_get_one (headers, "WWW-Authenticate"), "Bearer"));

  /* A revoked token stops working at once, on the running server. */
  temp = cs_test_server_create_token (f->server, "temp", "reviewer", "derm", NULL);
  cs_test_json_drop (http (f, "GET", "/api/v1/me", temp, NULL, SOUP_STATUS_OK));
  g_assert_cmpint (cs_test_server_run (f->server, NULL, NULL, "token", "revoke", "temp", NULL), ==, 0);
  expect_error (f, "GET", "/api/v1/me", temp, NULL, SOUP_STATUS_UNAUTHORIZED, "unauthorized");

  /* Paths and methods. */
  expect_error (f, "GET", "/api/v1/nothing-here", f->admin, NULL, SOUP_STATUS_NOT_FOUND, "not_found");
  expect_error (f, "GET", "/elsewhere", NULL, NULL, SOUP_STATUS_NOT_FOUND, "not_found");
  expect_error (f, "POST", "/api/v1/health", NULL, "{}", SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed");
}

static void
test_roles (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *id = predict_id (f, "derm", "0.5", "melanoma", NULL, NULL);
  g_autofree char *other = predict_id (f, "claims", "0.1", "fraud", NULL, NULL);
  g_autofree char *path = g_strdup_printf ("/api/v1/cases/%s", id);
  g_autofree char *truth_path = g_strdup_printf ("/api/v1/cases/%s/truth", id);
  g_autofree char *pred = prediction ("derm", "0.5", "nevus", NULL, NULL);
  g_autoptr(JsonNode) results = NULL;

  /* The wrong role for the endpoint. */
  expect_error (f, "POST", "/api/v1/claims", f->model, "{\"queue\": \"derm\", \"count\": 1}",
                SOUP_STATUS_FORBIDDEN, "forbidden");
  expect_error (f, "POST", "/api/v1/predictions", f->r1, pred, SOUP_STATUS_FORBIDDEN, "forbidden");
  expect_error (f, "GET", "/api/v1/metrics", f->r1, NULL, SOUP_STATUS_FORBIDDEN, "forbidden");
  expect_error (f, "GET", "/api/v1/export/outcomes", f->r1, NULL, SOUP_STATUS_FORBIDDEN, "forbidden");
  expect_error (f, "PUT", "/api/v1/queues/derm", f->r1, DERM_QUEUE, SOUP_STATUS_FORBIDDEN, "forbidden");
  expect_error (f, "PUT", "/api/v1/queues/derm", f->model, DERM_QUEUE, SOUP_STATUS_FORBIDDEN, "forbidden");
  expect_error (f, "GET", "/api/v1/queues", f->model, NULL, SOUP_STATUS_FORBIDDEN, "forbidden");
  expect_error (f, "GET", path, f->model, NULL, SOUP_STATUS_FORBIDDEN, "forbidden");
  expect_error (f, "POST", "/api/v1/decisions", f->admin, "{\"decisions\": []}", SOUP_STATUS_FORBIDDEN, "forbidden");
  expect_error (f, "PUT", truth_path, f->r1, "{\"label\": \"nevus\"}", SOUP_STATUS_FORBIDDEN, "forbidden");
  expect_error (f, "PUT", "/api/v1/assets/" "0000000000000000000000000000000000000000000000000000000000000000",
                f->r1, "x", SOUP_STATUS_FORBIDDEN, "forbidden");

  /* The right role but another queue. */
  expect_error (f, "POST", "/api/v1/claims", f->outsider, "{\"queue\": \"derm\", \"count\": 1}",
                SOUP_STATUS_FORBIDDEN, "forbidden");
  expect_error (f, "POST", "/api/v1/claims", f->r1, "{\"queue\": \"claims\", \"count\": 1}",
                SOUP_STATUS_FORBIDDEN, "forbidden");
  expect_error (f, "POST", "/api/v1/claims", f->r1, "{\"queue\": \"nowhere\", \"count\": 1}",
                SOUP_STATUS_NOT_FOUND, "not_found");
  expect_error (f, "GET", path, f->outsider, NULL, SOUP_STATUS_FORBIDDEN, "forbidden");
  {
    g_autofree char *other_path = g_strdup_printf ("/api/v1/cases/%s", other);
    expect_error (f, "GET", other_path, f->r1, NULL, SOUP_STATUS_FORBIDDEN, "forbidden");
  }

  /* Allowed: the admin reads any case, the model records truth. */
  cs_test_json_drop (get_case (f, f->admin, id));
  cs_test_json_drop (get_case (f, f->r1, id));
  cs_test_json_drop (http (f, "PUT", truth_path, f->model, "{\"label\": \"nevus\"}", SOUP_STATUS_OK));
  cs_test_json_drop (http (f, "PUT", truth_path, f->admin, "{\"label\": \"melanoma\"}", SOUP_STATUS_OK));

  /* A decision on a case outside the caller's queues is invalid. */
  results = decide (f, f->outsider,
                    decision ("d-out", id, 1, "accept", NULL, NULL, "outsider", NULL, 10), NULL);
  g_assert_cmpstr (cs_test_json_string (results, "results.0.status"), ==, "invalid");
  g_assert_nonnull (strstr (cs_test_json_string (results, "results.0.message"), "derm"));
}

static void
test_me_and_queues (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(JsonNode) me1 = http (f, "GET", "/api/v1/me", f->r1, NULL, SOUP_STATUS_OK);
  g_autoptr(JsonNode) me2 = http (f, "GET", "/api/v1/me", f->r2, NULL, SOUP_STATUS_OK);
  g_autoptr(JsonNode) me3 = http (f, "GET", "/api/v1/me", f->outsider, NULL, SOUP_STATUS_OK);
  g_autoptr(JsonNode) q1 = http (f, "GET", "/api/v1/queues", f->r1, NULL, SOUP_STATUS_OK);
  g_autoptr(JsonNode) qa = http (f, "GET", "/api/v1/queues", f->admin, NULL, SOUP_STATUS_OK);
  g_autoptr(JsonNode) me2_after = NULL;

  g_assert_cmpstr (cs_test_json_string (me1, "reviewer"), ==, "r1");
  g_assert_cmpstr (cs_test_json_string (me1, "name"), ==, "Dr. A. Rivera");
  g_assert_cmpuint (cs_test_json_len (me1, "queues"), ==, 1);
  g_assert_cmpstr (cs_test_json_string (me1, "queues.0"), ==, "derm");
  /* r2 is in derm because the queue names it; no display name: the name. */
  g_assert_cmpstr (cs_test_json_string (me2, "name"), ==, "r2");
  g_assert_cmpuint (cs_test_json_len (me2, "queues"), ==, 1);
  g_assert_cmpstr (cs_test_json_string (me2, "queues.0"), ==, "derm");
  g_assert_cmpuint (cs_test_json_len (me3, "queues"), ==, 1);
  g_assert_cmpstr (cs_test_json_string (me3, "queues.0"), ==, "claims");

  /* A reviewer sees its queues with labels and policy, not the routing. */
  g_assert_cmpuint (cs_test_json_len (q1, "queues"), ==, 1);
  g_assert_cmpstr (cs_test_json_string (q1, "queues.0.id"), ==, "derm");
  g_assert_cmpstr (cs_test_json_string (q1, "queues.0.title"), ==, "Dermatology triage");
  g_assert_cmpuint (cs_test_json_len (q1, "queues.0.labels"), ==, 3);
  g_assert_cmpint (cs_test_json_int (q1, "queues.0.policy.min_rationale_chars"), ==, 15);
  g_assert_null (cs_test_json_at (q1, "queues.0.routing"));
  g_assert_null (cs_test_json_at (q1, "queues.0.reviewers"));
  /* The administrator sees every queue with its settings. */
  g_assert_cmpuint (cs_test_json_len (qa, "queues"), ==, 2);
  g_assert_nonnull (cs_test_json_at (qa, "queues.0.routing"));

  /* Replacing a queue replaces its reviewers. */
  cs_test_json_drop (http (f, "PUT", "/api/v1/queues/derm", f->admin,
                           "{\"title\": \"D\", \"labels\": [\"melanoma\", \"nevus\"]}",
                           SOUP_STATUS_OK));
  me2_after = http (f, "GET", "/api/v1/me", f->r2, NULL, SOUP_STATUS_OK);
  g_assert_cmpuint (cs_test_json_len (me2_after, "queues"), ==, 0);

  /* A queue must be well-formed, and named once. */
  expect_error (f, "PUT", "/api/v1/queues/bad", f->admin, "{\"title\": \"No labels\"}",
                SOUP_STATUS_BAD_REQUEST, "malformed");
  expect_error (f, "PUT", "/api/v1/queues/bad", f->admin,
                "{\"id\": \"other\", \"title\": \"T\", \"labels\": [\"a\"]}", SOUP_STATUS_BAD_REQUEST, "malformed");
  expect_error (f, "PUT", "/api/v1/queues/bad", f->admin,
                "{\"title\": \"T\", \"labels\": [\"a\"], \"routing\": {\"audit_sample_rate\": 2}}",
                SOUP_STATUS_BAD_REQUEST, "malformed");
}

static void
expect_route (Fixture    *f,
              const char *queue,
              const char *confidence,
              const char *text,
              const char *extra,
              const char *kind)
{
  g_autoptr(JsonNode) answer = predict (f, queue, confidence, "melanoma", text, extra);

  g_assert_true (g_str_has_prefix (cs_test_json_string (answer, "id"), "c-"));
  if (kind == NULL)
    {
      g_assert_cmpstr (cs_test_json_string (answer, "routed"), ==, "automated");
      g_assert_null (cs_test_json_at (answer, "trigger"));
    }
  else
    {
      g_assert_cmpstr (cs_test_json_string (answer, "routed"), ==, "escalated");
      g_assert_cmpstr (cs_test_json_string (answer, "trigger.kind"), ==, kind);
      g_assert_nonnull (cs_test_json_string (answer, "trigger.detail"));
    }
}

static void
test_routing (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(JsonNode) low = NULL;
  g_autoptr(JsonNode) kase = NULL;
  g_autoptr(JsonNode) automated = NULL;
  g_autoptr(JsonNode) feed = NULL;
  g_autoptr(JsonNode) owned = NULL;
  g_autofree char *pred = NULL;

  /* Each rule in its turn; an earlier rule wins over a later one. */
  low = predict (f, "derm", "0.5", "melanoma", "a CHARGEBACK and self-harm",
                 "\"signals\": {\"fairness\": 0.9, \"anomaly\": 0.99}");
  g_assert_cmpstr (cs_test_json_string (low, "trigger.kind"), ==, "low_confidence");
  g_assert_cmpstr (cs_test_json_string (low, "trigger.detail"), ==, "confidence 0.50 below threshold 0.80");
  g_assert_cmpfloat_with_epsilon (cs_test_json_double (low, "trigger.threshold"), 0.80, 1e-9);
  expect_route (f, "derm", "0.9", "a chargeback", "\"signals\": {\"fairness\": 0.2, \"anomaly\": 0.99}", "fairness");
  expect_route (f, "derm", "0.9", "a chargeback", "\"signals\": {\"fairness\": 0.05, \"anomaly\": 0.95}", "anomaly");
  expect_route (f, "derm", "0.9", "Customer filed a CHARGEBACK.", "\"signals\": {\"anomaly\": 0.5}",
                "compliance_keyword");
  expect_route (f, "derm", "0.9", "nothing", "\"explanation\": {\"summary\": \"Mentions Self-Harm.\"}",
                "compliance_keyword");
  /* Whole words only; thresholds are strict. */
  expect_route (f, "derm", "0.9", "two chargebacks, selfharm", NULL, NULL);
  expect_route (f, "derm", "0.8", "plain", "\"signals\": {\"fairness\": 0.10, \"anomaly\": 0.90}", NULL);

  /* The audit sample: always at 1.0, never at 0 (derm). */
  cs_test_json_drop (http (f, "PUT", "/api/v1/queues/audit", f->admin,
                           "{\"title\": \"A\", \"labels\": [\"melanoma\"],"
                           " \"routing\": {\"confidence_threshold\": 0.1, \"audit_sample_rate\": 1.0}}",
                           SOUP_STATUS_OK));
  expect_route (f, "audit", "0.99", NULL, NULL, "random_audit");
  expect_route (f, "audit", "0.99", NULL, NULL, "random_audit");

  /* An escalated case enters the pool with the queue's labels and policy. */
  kase = get_case (f, f->admin, cs_test_json_string (low, "id"));
  g_assert_cmpint (cs_test_json_int (kase, "version"), ==, 1);
  g_assert_cmpstr (cs_test_json_string (kase, "status"), ==, "open");
  g_assert_true (cs_test_json_is_null (kase, "assigned_to"));
  g_assert_true (cs_test_json_is_null (kase, "decided"));
  g_assert_cmpuint (cs_test_json_len (kase, "labels"), ==, 3);
  g_assert_cmpint (cs_test_json_int (kase, "policy.min_rationale_chars"), ==, 15);
  g_assert_cmpstr (cs_test_json_string (kase, "trigger.kind"), ==, "low_confidence");
  g_assert_cmpfloat_with_epsilon (cs_test_json_double (kase, "priority"), 0.3 + 0.5 * 0.5, 1e-9);
  g_assert_nonnull (cs_test_json_string (kase, "created_at"));

  /* An automated one is decided by the model, and reaches no reviewer. */
  automated = predict (f, "derm", "0.97", "nevus", NULL, NULL);
  g_assert_cmpstr (cs_test_json_string (automated, "routed"), ==, "automated");
  g_clear_pointer (&kase, json_node_unref);
  kase = get_case (f, f->admin, cs_test_json_string (automated, "id"));
  g_assert_cmpstr (cs_test_json_string (kase, "status"), ==, "decided");
  g_assert_cmpstr (cs_test_json_string (kase, "decided.by"), ==, "model:m1");
  g_assert_cmpstr (cs_test_json_string (kase, "decided.label"), ==, "nevus");
  g_assert_cmpint (cs_test_json_int (kase, "version"), ==, 1);
  cs_test_json_drop (claim (f, f->r1, "derm", 500));
  feed = changes (f, f->r1, NULL, "500");
  for (guint i = 0; i < cs_test_json_len (feed, "cases"); i++)
    {
      g_autofree char *item = g_strdup_printf ("cases.%u.id", i);
      g_assert_cmpstr (cs_test_json_string (feed, item), !=, cs_test_json_string (automated, "id"));
    }
  g_assert_cmpuint (cs_test_json_len (feed, "cases"), ==, 5);

  /* What the server decides is not taken from the model. */
  owned = predict (f, "derm", "0.5", "melanoma", NULL,
                   "\"id\": \"mine\", \"version\": 9, \"status\": \"decided\", \"priority\": 0.01,"
                   " \"labels\": [\"zzz\"], \"assigned_to\": \"r1\","
                   " \"trigger\": {\"kind\": \"fairness\", \"detail\": \"forged\"}");
  g_assert_cmpstr (cs_test_json_string (owned, "id"), !=, "mine");
  g_clear_pointer (&kase, json_node_unref);
  kase = get_case (f, f->admin, cs_test_json_string (owned, "id"));
  g_assert_cmpstr (cs_test_json_string (kase, "status"), ==, "open");
  g_assert_cmpint (cs_test_json_int (kase, "version"), ==, 1);
  g_assert_true (cs_test_json_is_null (kase, "assigned_to"));
  g_assert_cmpstr (cs_test_json_string (kase, "trigger.kind"), ==, "low_confidence");
  g_assert_cmpstr (cs_test_json_string (kase, "labels.0"), ==, "melanoma");
  g_assert_cmpfloat (cs_test_json_double (kase, "priority"), >, 0.5);

  /* Refused predictions. */
  expect_error (f, "POST", "/api/v1/predictions", f->model,
                "{\"queue\": \"derm\", \"subject\": {\"kind\": \"text\", \"title\": \"t\", \"text\": \"x\"},"
                " \"prediction\": {\"label\": \"a\", \"confidence\": 0.5}}", SOUP_STATUS_BAD_REQUEST, "malformed");
  pred = prediction ("nowhere", "0.5", "a", NULL, NULL);
  expect_error (f, "POST", "/api/v1/predictions", f->model, pred, SOUP_STATUS_NOT_FOUND, "not_found");
  g_clear_pointer (&pred, g_free);
  pred = prediction ("derm", "1.5", "a", NULL, NULL);
  expect_error (f, "POST", "/api/v1/predictions", f->model, pred, SOUP_STATUS_BAD_REQUEST, "malformed");
  g_clear_pointer (&pred, g_free);
  pred = prediction ("derm", "0.5", "a", NULL, "\"signals\": {\"fairness\": \"high\"}");
  expect_error (f, "POST", "/api/v1/predictions", f->model, pred, SOUP_STATUS_BAD_REQUEST, "malformed");
  expect_error (f, "POST", "/api/v1/predictions", f->model, "[1, 2]", SOUP_STATUS_BAD_REQUEST, "malformed");
}

static char *
sha256_of (GBytes *bytes)
{
  return g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
}

static guint
put_asset (Fixture    *f,
           const char *sha,
           GBytes     *bytes,
           const char *token,
           JsonNode  **answer)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/assets/%s", sha);
  g_autoptr(GBytes) out = NULL;
  guint status = 0;

  out = cs_test_http_bytes (f->server, "PUT", path, token, "image/png", bytes, NULL, NULL, &status);
  if (answer != NULL)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      gsize len = 0;
      const char *data = g_bytes_get_data (out, &len);

      g_assert_true (json_parser_load_from_data (parser, data, (gssize) len, NULL));
      *answer = json_node_copy (json_parser_get_root (parser));
    }
  return status;
}

/* Waits until no upload's temporary file is left (the server drops them
 * when the request object goes, just after the answer is written). */
static void
assert_no_temporary_files (Fixture *f)
{
  g_autofree char *dir = g_build_filename (cs_test_server_get_data_dir (f->server), "assets", NULL);

  for (guint attempt = 0; ; attempt++)
    {
      g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
      const char *name;
      gboolean temporary = FALSE;

      while (d != NULL && (name = g_dir_read_name (d)) != NULL)
        temporary |= name[0] == '.';
      if (!temporary)
        return;
      g_assert_cmpuint (attempt, <, 200);
      g_usleep (10 * 1000);
    }
}

static void
test_assets (Fixture       *f,
             gconstpointer  data)
{
  guint8 *raw = g_malloc (1024 * 1024 + 1);
  g_autoptr(GBytes) image = NULL;
  g_autoptr(GBytes) other = g_bytes_new_static ("other bytes", 11);
  g_autoptr(GBytes) exact = NULL;
  g_autoptr(GBytes) over = NULL;
  g_autoptr(GBytes) got = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(JsonNode) claimed = NULL;
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autofree char *sha = NULL;
  g_autofree char *sha_exact = NULL;
  g_autofree char *sha_over = NULL;
  g_autofree char *path = NULL;
  g_autofree char *etag = NULL;
  g_autofree char *if_none_match = NULL;
  g_autofree char *with_asset = NULL;
  g_autofree char *unknown = NULL;
  const char *conditional[2] = { NULL, NULL };
  guint status = 0;

  for (guint i = 0; i < 1024 * 1024 + 1; i++)
    raw[i] = (guint8) (i * 7 + i / 251);
  image = g_bytes_new (raw, 4000);
  exact = g_bytes_new (raw, 1024 * 1024);
  over = g_bytes_new_take (raw, 1024 * 1024 + 1);
  sha = sha256_of (image);
  sha_exact = sha256_of (exact);
  sha_over = sha256_of (over);

  g_assert_cmpuint (put_asset (f, sha, image, f->model, &answer), ==, SOUP_STATUS_OK);
  g_assert_cmpint (cs_test_json_int (answer, "bytes"), ==, 4000);
  g_assert_cmpstr (cs_test_json_string (answer, "media_type"), ==, "image/png");
  g_clear_pointer (&answer, json_node_unref);
  /* Uploading again is harmless. */
  g_assert_cmpuint (put_asset (f, sha, image, f->model, NULL), ==, SOUP_STATUS_OK);

  /* The bytes must match the name. */
  g_assert_cmpuint (put_asset (f, sha, other, f->model, &answer), ==, SOUP_STATUS_BAD_REQUEST);
  g_assert_cmpstr (cs_test_json_string (answer, "error.code"), ==, "hash_mismatch");
  g_assert_nonnull (strstr (cs_test_json_string (answer, "error.message"), "hash mismatch"));
  g_clear_pointer (&answer, json_node_unref);
  g_assert_cmpuint (put_asset (f, "ABC", image, f->model, NULL), ==, SOUP_STATUS_BAD_REQUEST);

  /* The limit (1 MiB here): up to it, not past it. */
  g_assert_cmpuint (put_asset (f, sha_exact, exact, f->model, NULL), ==, SOUP_STATUS_OK);
  g_assert_cmpuint (put_asset (f, sha_over, over, f->model, &answer), ==, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE);
  g_assert_cmpstr (cs_test_json_string (answer, "error.code"), ==, "too_large");
  g_clear_pointer (&answer, json_node_unref);
  assert_no_temporary_files (f);

  /* A prediction may only name uploaded assets. */
  unknown = g_strdup_printf ("{\"queue\": \"derm\", \"subject\": {\"kind\": \"image\", \"title\": \"t\","
                             " \"asset\": {\"sha256\": \"%s\", \"media_type\": \"image/png\"}},"
                             " \"model\": {\"name\": \"m1\"}, \"prediction\": {\"label\": \"nevus\", \"confidence\": 0.3}}",
                             sha_over);
  answer = http (f, "POST", "/api/v1/predictions", f->model, unknown, SOUP_STATUS_UNPROCESSABLE_ENTITY);
  g_assert_cmpstr (cs_test_json_string (answer, "error.code"), ==, "unknown_asset");
  g_assert_nonnull (strstr (cs_test_json_string (answer, "error.message"), sha_over));
  g_clear_pointer (&answer, json_node_unref);

  with_asset = g_strdup_printf ("{\"queue\": \"derm\", \"subject\": {\"kind\": \"image\", \"title\": \"t\","
                                " \"asset\": {\"sha256\": \"%s\", \"media_type\": \"image/png\", \"bytes\": 4000}},"
                                " \"model\": {\"name\": \"m1\"}, \"prediction\": {\"label\": \"nevus\", \"confidence\": 0.3}}",
                                sha);
  answer = http (f, "POST", "/api/v1/predictions", f->model, with_asset, SOUP_STATUS_OK);
  claimed = claim (f, f->r1, "derm", 10);
  g_assert_cmpuint (cs_test_json_len (claimed, "claimed"), ==, 1);

  /* The reviewer fetches it: bytes, type, ETag, cached for good. */
  path = g_strdup_printf ("/api/v1/assets/%s", sha);
  got = cs_test_http_bytes (f->server, "GET", path, f->r1, NULL, NULL, NULL, &headers, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
  g_assert_true (g_bytes_equal (got, image));
  g_assert_cmpstr (soup_message_headers_get_content_type (headers, NULL), ==, "image/png");
  etag = g_strdup_printf ("\"%s\"", sha);
  g_assert_cmpstr (soup_message_headers_get_one (headers, "ETag"), ==, etag);
  g_assert_nonnull (strstr (soup_message_headers_get_one (headers, "Cache-Control"), "immutable"));
  g_clear_pointer (&got, g_bytes_unref);
  g_clear_pointer (&headers, soup_message_headers_unref);

  if_none_match = g_strdup_printf ("If-None-Match: %s", etag);
  conditional[0] = if_none_match;
  got = cs_test_http_bytes (f->server, "GET", path, f->r1, NULL, NULL, conditional, &headers, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_NOT_MODIFIED);
  g_assert_cmpuint (g_bytes_get_size (got), ==, 0);
  g_clear_pointer (&got, g_bytes_unref);

  /* Not the evidence of someone else's queue; not for a model token. */
  got = cs_test_http_bytes (f->server, "GET", path, f->outsider, NULL, NULL, NULL, NULL, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_NOT_FOUND);
  g_clear_pointer (&got, g_bytes_unref);
  got = cs_test_http_bytes (f->server, "GET", path, f->model, NULL, NULL, NULL, NULL, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_FORBIDDEN);
  g_clear_pointer (&got, g_bytes_unref);
  got = cs_test_http_bytes (f->server, "GET", path, f->admin, NULL, NULL, NULL, NULL, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
  g_assert_true (g_bytes_equal (got, image));
}

static void
test_claims (Fixture       *f,
             gconstpointer  data)
{
  /* Priorities: B 0.70, C and D 0.55 (C older), E 0.525, A 0.45. D is fed
   * before C, so that the tie is broken by created_at, not by arrival. */
  g_autofree char *a = predict_id (f, "derm", "0.7", "nevus", NULL, NULL);
  g_autofree char *b = predict_id (f, "derm", "0.2", "nevus", NULL, NULL);
  g_autofree char *d = predict_id (f, "derm", "0.5", "nevus", NULL, "\"created_at\": \"2026-01-02T00:00:00Z\"");
  g_autofree char *c = predict_id (f, "derm", "0.5", "nevus", NULL, "\"created_at\": \"2026-01-01T00:00:00Z\"");
  g_autofree char *e = predict_id (f, "derm", "0.95", "nevus", "a chargeback", NULL);
  g_autoptr(JsonNode) first = claim (f, f->r1, "derm", 2);
  g_autoptr(JsonNode) second = claim (f, f->r2, "derm", 10);
  g_autoptr(JsonNode) none = claim (f, f->r1, "derm", 10);
  g_autoptr(JsonNode) kase = NULL;
  g_autoptr(JsonNode) released = NULL;
  g_autoptr(JsonNode) again = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) until = NULL;
  g_autofree char *b_path = g_strdup_printf ("/api/v1/claims/%s", b);

  g_assert_cmpuint (cs_test_json_len (first, "claimed"), ==, 2);
  g_assert_cmpstr (cs_test_json_string (first, "claimed.0"), ==, b);
  g_assert_cmpstr (cs_test_json_string (first, "claimed.1"), ==, c);
  /* The default lease is 24 hours. */
  until = g_date_time_new_from_iso8601 (cs_test_json_string (first, "lease_until"), NULL);
  g_assert_nonnull (until);
  g_assert_cmpint (g_date_time_difference (until, now) / G_TIME_SPAN_SECOND, >=, 24 * 3600 - 60);
  g_assert_cmpint (g_date_time_difference (until, now) / G_TIME_SPAN_SECOND, <=, 24 * 3600 + 60);

  /* Another reviewer gets what is left, in order; then nothing is left. */
  g_assert_cmpuint (cs_test_json_len (second, "claimed"), ==, 3);
  g_assert_cmpstr (cs_test_json_string (second, "claimed.0"), ==, d);
  g_assert_cmpstr (cs_test_json_string (second, "claimed.1"), ==, e);
  g_assert_cmpstr (cs_test_json_string (second, "claimed.2"), ==, a);
  g_assert_cmpuint (cs_test_json_len (none, "claimed"), ==, 0);

  /* A claim moves the case to its reviewer: a new version. */
  kase = get_case (f, f->r1, b);
  g_assert_cmpstr (cs_test_json_string (kase, "assigned_to"), ==, "r1");
  g_assert_cmpstr (cs_test_json_string (kase, "lease_until"), ==, cs_test_json_string (first, "lease_until"));
  g_assert_cmpint (cs_test_json_int (kase, "version"), ==, 2);

  /* Bad claims. */
  expect_error (f, "POST", "/api/v1/claims", f->r1, "{\"queue\": \"derm\", \"count\": 0}", SOUP_STATUS_BAD_REQUEST, "malformed");
  expect_error (f, "POST", "/api/v1/claims", f->r1, "{\"queue\": \"derm\", \"count\": 501}", SOUP_STATUS_BAD_REQUEST, "malformed");
  expect_error (f, "POST", "/api/v1/claims", f->r1, "{\"count\": 5}", SOUP_STATUS_BAD_REQUEST, "malformed");

  /* Releasing: only one's own claim. */
  expect_error (f, "DELETE", b_path, f->r2, NULL, SOUP_STATUS_FORBIDDEN, "forbidden");
  expect_error (f, "DELETE", "/api/v1/claims/c-999999", f->r1, NULL, SOUP_STATUS_NOT_FOUND, "not_found");
  released = http (f, "DELETE", b_path, f->r1, NULL, SOUP_STATUS_OK);
  g_assert_true (cs_test_json_is_null (released, "case.assigned_to"));
  g_assert_cmpint (cs_test_json_int (released, "case.version"), ==, 3);
  again = claim (f, f->r2, "derm", 10);
  g_assert_cmpuint (cs_test_json_len (again, "claimed"), ==, 1);
  g_assert_cmpstr (cs_test_json_string (again, "claimed.0"), ==, b);
  g_assert_cmpint (case_version (f, b), ==, 4);
}

/* Claims until @id comes back (a lease of one second runs out), for at most 5 s. */
static JsonNode *
claim_when_free (Fixture    *f,
                 const char *token,
                 const char *id)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;

  while (g_get_monotonic_time () < deadline)
    {
      JsonNode *claimed = claim (f, token, "derm", 10);

      if (cs_test_json_len (claimed, "claimed") > 0)
        {
          g_assert_cmpstr (cs_test_json_string (claimed, "claimed.0"), ==, id);
          return claimed;
        }
      json_node_unref (claimed);
      g_usleep (50 * 1000);
    }
  g_assert_not_reached ();
}

static void
test_lease_expiry (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *x = predict_id (f, "derm", "0.4", "nevus", NULL, NULL);
  g_autoptr(JsonNode) mine = claim (f, f->r1, "derm", 10);
  g_autoptr(JsonNode) taken = claim (f, f->r2, "derm", 10);
  g_autoptr(JsonNode) before = NULL;
  g_autoptr(JsonNode) feed = NULL;
  g_autoptr(JsonNode) results = NULL;
  g_autoptr(JsonNode) retaken = NULL;
  g_autoptr(JsonNode) kase = NULL;

  g_assert_cmpuint (cs_test_json_len (mine, "claimed"), ==, 1);
  g_assert_cmpint (case_version (f, x), ==, 2);
  before = changes (f, f->r1, NULL, NULL);
  g_assert_cmpuint (cs_test_json_len (before, "cases"), ==, 1);
  /* Still leased: nothing for r2 yet. */
  g_assert_cmpuint (cs_test_json_len (taken, "claimed"), ==, 0);
  g_clear_pointer (&taken, json_node_unref);

  /* The lease runs out and r2 takes the case: the version moves on. */
  taken = claim_when_free (f, f->r2, x);
  g_assert_cmpint (case_version (f, x), ==, 3);

  /* r1 learns that its lease is lost … */
  feed = changes (f, f->r1, cs_test_json_string (before, "cursor"), NULL);
  g_assert_cmpuint (cs_test_json_len (feed, "cases"), ==, 1);
  g_assert_cmpstr (cs_test_json_string (feed, "cases.0.id"), ==, x);
  g_assert_cmpstr (cs_test_json_string (feed, "cases.0.assigned_to"), ==, "r2");
  g_assert_cmpint (cs_test_json_int (feed, "cases.0.version"), ==, 3);

  /* … and its decision, made on the version it had, is stale. */
  results = decide (f, f->r1, decision ("d-stale", x, 2, "accept", NULL, NULL, "r1", NULL, 5), NULL);
  g_assert_cmpstr (cs_test_json_string (results, "results.0.status"), ==, "conflict");
  g_assert_cmpstr (cs_test_json_string (results, "results.0.reason"), ==, "stale");
  g_assert_cmpint (cs_test_json_int (results, "results.0.case.version"), ==, 3);
  g_assert_cmpstr (cs_test_json_string (results, "results.0.case.assigned_to"), ==, "r2");
  g_clear_pointer (&results, json_node_unref);

  /* r2 takes its own expired lease back: same version. */
  retaken = claim_when_free (f, f->r2, x);
  g_assert_cmpint (case_version (f, x), ==, 3);

  results = decide (f, f->r2, decision ("d-fresh", x, 3, "accept", NULL, NULL, "r2", NULL, 5), NULL);
  g_assert_cmpstr (cs_test_json_string (results, "results.0.status"), ==, "accepted");
  g_assert_cmpint (cs_test_json_int (results, "results.0.case_version"), ==, 4);
  kase = get_case (f, f->r2, x);
  g_assert_cmpstr (cs_test_json_string (kase, "status"), ==, "decided");
}

static void
test_changes (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(JsonNode) claimed = NULL;
  g_autoptr(JsonNode) page1 = NULL;
  g_autoptr(JsonNode) page2 = NULL;
  g_autoptr(JsonNode) page3 = NULL;
  g_autoptr(JsonNode) empty = NULL;
  g_autoptr(JsonNode) all = NULL;
  g_autoptr(JsonNode) withdrawn = NULL;
  g_autoptr(JsonNode) decided = NULL;
  g_autoptr(JsonNode) results = NULL;
  g_autoptr(JsonNode) after_truth = NULL;
  g_autoptr(JsonNode) r2_feed = NULL;
  g_autofree char *withdraw_path = NULL;
  g_autofree char *truth_path = NULL;
  const char *cursor3;

  for (guint i = 0; i < 5; i++)
    g_free (predict_id (f, "derm", "0.3", "nevus", NULL, NULL));
  claimed = claim (f, f->r1, "derm", 5);
  g_assert_cmpuint (cs_test_json_len (claimed, "claimed"), ==, 5);

  /* Pages of two: 2 + 2 + 1, in claim order, each case once. */
  page1 = changes (f, f->r1, NULL, "2");
  g_assert_cmpuint (cs_test_json_len (page1, "cases"), ==, 2);
  g_assert_true (json_node_get_boolean (cs_test_json_at (page1, "more")));
  page2 = changes (f, f->r1, cs_test_json_string (page1, "cursor"), "2");
  g_assert_cmpuint (cs_test_json_len (page2, "cases"), ==, 2);
  g_assert_true (json_node_get_boolean (cs_test_json_at (page2, "more")));
  page3 = changes (f, f->r1, cs_test_json_string (page2, "cursor"), "2");
  g_assert_cmpuint (cs_test_json_len (page3, "cases"), ==, 1);
  g_assert_false (json_node_get_boolean (cs_test_json_at (page3, "more")));
  cursor3 = cs_test_json_string (page3, "cursor");

  for (guint p = 0; p < 3; p++)
    {
      JsonNode *page = p == 0 ? page1 : p == 1 ? page2 : page3;

      for (guint i = 0; i < cs_test_json_len (page, "cases"); i++)
        {
          g_autofree char *id_path = g_strdup_printf ("cases.%u.id", i);
          g_autofree char *claimed_path = g_strdup_printf ("claimed.%u", p * 2 + i);
          g_autofree char *owner_path = g_strdup_printf ("cases.%u.assigned_to", i);

          g_assert_cmpstr (cs_test_json_string (page, id_path), ==, cs_test_json_string (claimed, claimed_path));
          g_assert_cmpstr (cs_test_json_string (page, owner_path), ==, "r1");
          g_assert_true (g_hash_table_add (seen, g_strdup (cs_test_json_string (page, id_path))));
        }
    }

  /* Nothing new: an empty page keeps the cursor. */
  empty = changes (f, f->r1, cursor3, NULL);
  g_assert_cmpuint (cs_test_json_len (empty, "cases"), ==, 0);
  g_assert_cmpstr (cs_test_json_string (empty, "cursor"), ==, cursor3);
  g_assert_false (json_node_get_boolean (cs_test_json_at (empty, "more")));
  /* A limit past the maximum is the maximum; none is 100. */
  all = changes (f, f->r1, NULL, "100000");
  g_assert_cmpuint (cs_test_json_len (all, "cases"), ==, 5);
  g_clear_pointer (&all, json_node_unref);
  all = changes (f, f->r1, NULL, NULL);
  g_assert_cmpuint (cs_test_json_len (all, "cases"), ==, 5);

  expect_error (f, "GET", "/api/v1/changes?since=abc", f->r1, NULL, SOUP_STATUS_BAD_REQUEST, "malformed");
  expect_error (f, "GET", "/api/v1/changes?since=-1", f->r1, NULL, SOUP_STATUS_BAD_REQUEST, "malformed");
  expect_error (f, "GET", "/api/v1/changes?limit=0", f->r1, NULL, SOUP_STATUS_BAD_REQUEST, "malformed");
  expect_error (f, "GET", "/api/v1/changes?limit=ten", f->r1, NULL, SOUP_STATUS_BAD_REQUEST, "malformed");

  /* Withdrawn by the site: the case comes again, withdrawn. */
  withdraw_path = g_strdup_printf ("/api/v1/cases/%s/withdraw", cs_test_json_string (claimed, "claimed.0"));
  cs_test_json_drop (http (f, "POST", withdraw_path, f->admin, NULL, SOUP_STATUS_OK));
  withdrawn = changes (f, f->r1, cursor3, NULL);
  g_assert_cmpuint (cs_test_json_len (withdrawn, "cases"), ==, 1);
  g_assert_cmpstr (cs_test_json_string (withdrawn, "cases.0.id"), ==, cs_test_json_string (claimed, "claimed.0"));
  g_assert_cmpstr (cs_test_json_string (withdrawn, "cases.0.status"), ==, "withdrawn");
  g_assert_cmpint (cs_test_json_int (withdrawn, "cases.0.version"), ==, 3);

  /* Decided by someone else: it comes again, decided, to both. */
  results = decide (f, f->r2, decision ("d-by-r2", cs_test_json_string (claimed, "claimed.1"), 2, "accept", NULL, NULL, "r2", NULL, 5),
                    NULL);
  g_assert_cmpstr (cs_test_json_string (results, "results.0.status"), ==, "accepted");
  decided = changes (f, f->r1, cs_test_json_string (withdrawn, "cursor"), NULL);
  g_assert_cmpuint (cs_test_json_len (decided, "cases"), ==, 1);
  g_assert_cmpstr (cs_test_json_string (decided, "cases.0.id"), ==, cs_test_json_string (claimed, "claimed.1"));
  g_assert_cmpstr (cs_test_json_string (decided, "cases.0.status"), ==, "decided");
  g_assert_cmpstr (cs_test_json_string (decided, "cases.0.decided.by"), ==, "r2");
  r2_feed = changes (f, f->r2, NULL, NULL);
  g_assert_cmpuint (cs_test_json_len (r2_feed, "cases"), ==, 1);

  /* Ground truth is not a change for the reviewer. */
  truth_path = g_strdup_printf ("/api/v1/cases/%s/truth", cs_test_json_string (claimed, "claimed.2"));
  cs_test_json_drop (http (f, "PUT", truth_path, f->model, "{\"label\": \"nevus\"}", SOUP_STATUS_OK));
  after_truth = changes (f, f->r1, cs_test_json_string (decided, "cursor"), NULL);
  g_assert_cmpuint (cs_test_json_len (after_truth, "cases"), ==, 0);
}

static void
test_decisions (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *c1 = predict_id (f, "derm", "0.30", "melanoma", NULL, NULL);
  g_autofree char *c2 = predict_id (f, "derm", "0.31", "melanoma", NULL, NULL);
  g_autofree char *c3 = predict_id (f, "derm", "0.32", "melanoma", NULL, NULL);
  g_autofree char *c4 = predict_id (f, "derm", "0.33", "melanoma", NULL, NULL);
  g_autofree char *withdraw3 = g_strdup_printf ("/api/v1/cases/%s/withdraw", c3);
  g_autofree char *withdraw1 = g_strdup_printf ("/api/v1/cases/%s/withdraw", c1);
  g_autoptr(JsonNode) claimed = claim (f, f->r1, "derm", 10);
  g_autoptr(JsonNode) results = NULL;
  g_autoptr(JsonNode) kase = NULL;
  g_autoptr(JsonNode) m = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(GString) big = NULL;

  g_assert_cmpuint (cs_test_json_len (claimed, "claimed"), ==, 4);

  /* Accepted: stored, the case decided with the model's label. */
  results = decide (f, f->r1, decision ("d-1", c1, 2, "accept", NULL, NULL, "r1", NULL, 1200), NULL);
  g_assert_cmpstr (cs_test_json_string (results, "results.0.id"), ==, "d-1");
  g_assert_cmpstr (cs_test_json_string (results, "results.0.status"), ==, "accepted");
  g_assert_cmpint (cs_test_json_int (results, "results.0.case_version"), ==, 3);
  g_clear_pointer (&results, json_node_unref);
  kase = get_case (f, f->r1, c1);
  g_assert_cmpstr (cs_test_json_string (kase, "status"), ==, "decided");
  g_assert_cmpint (cs_test_json_int (kase, "version"), ==, 3);
  g_assert_cmpstr (cs_test_json_string (kase, "decided.by"), ==, "r1");
  g_assert_cmpstr (cs_test_json_string (kase, "decided.action"), ==, "accept");
  g_assert_cmpstr (cs_test_json_string (kase, "decided.label"), ==, "melanoma");
  g_assert_cmpstr (cs_test_json_string (kase, "decided.at"), ==, "2026-11-24T09:31:07Z");

  /* A retry, even with other content, is a duplicate with the first answer. */
  results = decide (f, f->r1, decision ("d-1", c1, 2, "accept", NULL, NULL, "r1", NULL, 1200), NULL);
  g_assert_cmpstr (cs_test_json_string (results, "results.0.status"), ==, "duplicate");
  g_assert_cmpint (cs_test_json_int (results, "results.0.case_version"), ==, 3);
  g_clear_pointer (&results, json_node_unref);
  results = decide (f, f->r1, decision ("d-1", c1, 3, "reject", NULL, RATIONALE, "r1", NULL, 1), NULL);
  g_assert_cmpstr (cs_test_json_string (results, "results.0.status"), ==, "duplicate");
  g_assert_cmpint (cs_test_json_int (results, "results.0.case_version"), ==, 3);
  g_clear_pointer (&results, json_node_unref);
  lines = export_lines (f, NULL, NULL);
  g_assert_cmpuint (lines->len, ==, 1);
  m = metrics (f, "derm");
  g_assert_cmpint (cs_test_json_int (m, "by_action.accept"), ==, 1);
  g_assert_cmpint (cs_test_json_int (m, "by_action.reject"), ==, 0);
  g_assert_cmpint (cs_test_json_int (m, "decided"), ==, 1);
  g_clear_pointer (&m, json_node_unref);

  /* Decided by another reviewer: a conflict with the case as it is. */
  results = decide (f, f->r2, decision ("d-2", c1, 3, "accept", NULL, NULL, "r2", NULL, 10), NULL);
  g_assert_cmpstr (cs_test_json_string (results, "results.0.status"), ==, "conflict");
  g_assert_cmpstr (cs_test_json_string (results, "results.0.reason"), ==, "decided");
  g_assert_cmpstr (cs_test_json_string (results, "results.0.case.id"), ==, c1);
  g_assert_cmpstr (cs_test_json_string (results, "results.0.case.decided.by"), ==, "r1");
  g_clear_pointer (&results, json_node_unref);

  /* Invalid ones, in one batch, answered in order; none is stored. */
  results = decide (f, f->r1,
                    decision ("i-1", c2, 2, "override", "nevus", "", "r1", NULL, 10),
                    decision ("i-2", c2, 2, "override", "lentigo", RATIONALE, "r1", NULL, 10),
                    decision ("i-3", c2, 2, "override", "melanoma", RATIONALE, "r1", NULL, 10),
                    decision ("i-4", c2, 2, "accept", NULL, NULL, "r2", NULL, 10),
                    decision ("i-5", "c-999999", 1, "accept", NULL, NULL, "r1", NULL, 10),
                    g_strdup ("{\"id\": \"i-6\", \"case_version\": 2, \"action\": \"accept\", \"reviewer\": \"r1\","
                              " \"decided_at\": \"2026-11-24T09:31:07Z\"}"),
                    decision ("i-7", c2, 2, "ponder", NULL, NULL, "r1", NULL, 10),
                    decision ("i-8", c2, 2, "reject", NULL, "too short", "r1", NULL, 10),
                    NULL);
  g_assert_cmpuint (cs_test_json_len (results, "results"), ==, 8);
  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *status = g_strdup_printf ("results.%u.status", i);
      g_autofree char *id = g_strdup_printf ("results.%u.id", i);
      g_autofree char *message = g_strdup_printf ("results.%u.message", i);
      g_autofree char *expected_id = g_strdup_printf ("i-%u", i + 1);

      g_assert_cmpstr (cs_test_json_string (results, id), ==, expected_id);
      g_assert_cmpstr (cs_test_json_string (results, status), ==, "invalid");
      g_assert_nonnull (cs_test_json_string (results, message));
    }
  g_assert_nonnull (strstr (cs_test_json_string (results, "results.1.message"), "lentigo"));
  g_assert_nonnull (strstr (cs_test_json_string (results, "results.5.message"), "case_id"));
  g_clear_pointer (&results, json_node_unref);
  g_assert_cmpint (case_version (f, c2), ==, 2);
  /* Never stored: the same id, now well-formed, is accepted. */
  results = decide (f, f->r1, decision ("i-1", c2, 2, "override", "nevus", RATIONALE, "r1", NULL, 10), NULL);
  g_assert_cmpstr (cs_test_json_string (results, "results.0.status"), ==, "accepted");
  g_clear_pointer (&results, json_node_unref);
  g_clear_pointer (&kase, json_node_unref);
  kase = get_case (f, f->r1, c2);
  g_assert_cmpstr (cs_test_json_string (kase, "decided.label"), ==, "nevus");

  /* Withdrawn: a conflict too; a decided case cannot be withdrawn. */
  g_clear_pointer (&kase, json_node_unref);
  kase = http (f, "POST", withdraw3, f->admin, NULL, SOUP_STATUS_OK);
  g_assert_cmpstr (cs_test_json_string (kase, "status"), ==, "withdrawn");
  g_assert_cmpint (cs_test_json_int (kase, "version"), ==, 3);
  results = decide (f, f->r1, decision ("d-3", c3, 3, "accept", NULL, NULL, "r1", NULL, 10), NULL);
  g_assert_cmpstr (cs_test_json_string (results, "results.0.status"), ==, "conflict");
  g_assert_cmpstr (cs_test_json_string (results, "results.0.reason"), ==, "withdrawn");
  g_assert_cmpstr (cs_test_json_string (results, "results.0.case.status"), ==, "withdrawn");
  g_clear_pointer (&results, json_node_unref);
  expect_error (f, "POST", withdraw1, f->admin, NULL, SOUP_STATUS_CONFLICT, "conflict");
  expect_error (f, "POST", "/api/v1/cases/c-999999/withdraw", f->admin, NULL, SOUP_STATUS_NOT_FOUND, "not_found");
  expect_error (f, "POST", withdraw1, f->r1, NULL, SOUP_STATUS_FORBIDDEN, "forbidden");

  /* Escalate: back to the pool at the top, but not for the one who escalated. */
  results = decide (f, f->r1, decision ("d-4", c4, 2, "escalate", NULL, RATIONALE, "r1", NULL, 10), NULL);
  g_assert_cmpstr (cs_test_json_string (results, "results.0.status"), ==, "accepted");
  g_assert_cmpint (cs_test_json_int (results, "results.0.case_version"), ==, 3);
  g_clear_pointer (&results, json_node_unref);
  g_clear_pointer (&kase, json_node_unref);
  kase = get_case (f, f->r1, c4);
  g_assert_cmpstr (cs_test_json_string (kase, "status"), ==, "open");
  g_assert_true (cs_test_json_is_null (kase, "assigned_to"));
  g_assert_true (cs_test_json_is_null (kase, "decided"));
  g_assert_cmpfloat (cs_test_json_double (kase, "priority"), ==, 1.0);
  g_assert_cmpstr (cs_test_json_string (kase, "trigger.kind"), ==, "low_confidence");
  g_clear_pointer (&claimed, json_node_unref);
  claimed = claim (f, f->r1, "derm", 10);
  g_assert_cmpuint (cs_test_json_len (claimed, "claimed"), ==, 0);
  results = decide (f, f->r1, decision ("d-5", c4, 3, "accept", NULL, NULL, "r1", NULL, 10), NULL);
  g_assert_cmpstr (cs_test_json_string (results, "results.0.status"), ==, "invalid");
  g_clear_pointer (&results, json_node_unref);
  g_clear_pointer (&claimed, json_node_unref);
  claimed = claim (f, f->r2, "derm", 10);
  g_assert_cmpuint (cs_test_json_len (claimed, "claimed"), ==, 1);
  g_assert_cmpstr (cs_test_json_string (claimed, "claimed.0"), ==, c4);
  g_clear_pointer (&lines, g_ptr_array_unref);
  lines = export_lines (f, NULL, NULL);
  g_assert_cmpuint (lines->len, ==, 2);   /* an escalation is not an outcome */

  /* Reject: final, with no label. */
  results = decide (f, f->r2, decision ("d-6", c4, 4, "reject", NULL, RATIONALE, "r2", NULL, 10), NULL);
  g_assert_cmpstr (cs_test_json_string (results, "results.0.status"), ==, "accepted");
  g_clear_pointer (&results, json_node_unref);
  g_clear_pointer (&lines, g_ptr_array_unref);
  lines = export_lines (f, NULL, NULL);
  g_assert_cmpuint (lines->len, ==, 3);
  g_assert_cmpstr (cs_test_json_string (g_ptr_array_index (lines, 2), "action"), ==, "reject");
  g_assert_true (cs_test_json_is_null (g_ptr_array_index (lines, 2), "final_label"));
  m = metrics (f, "derm");
  g_assert_cmpint (cs_test_json_int (m, "by_action.escalate"), ==, 1);
  g_assert_cmpint (cs_test_json_int (m, "by_action.override"), ==, 1);
  g_assert_cmpint (cs_test_json_int (m, "decided"), ==, 3);

  /* The batch's own limits. */
  results = http (f, "POST", "/api/v1/decisions", f->r1, "{\"decisions\": []}", SOUP_STATUS_OK);
  g_assert_cmpuint (cs_test_json_len (results, "results"), ==, 0);
  big = g_string_new ("{\"decisions\": [");
  for (guint i = 0; i < 501; i++)
    {
      g_autofree char *d = decision ("x", c1, 1, "accept", NULL, NULL, "r1", NULL, 1);
      g_string_append_printf (big, "%s%s", i ? ", " : "", d);
    }
  g_string_append (big, "]}");
  expect_error (f, "POST", "/api/v1/decisions", f->r1, big->str, SOUP_STATUS_BAD_REQUEST, "malformed");
  expect_error (f, "POST", "/api/v1/decisions", f->r1, "{\"decisions\": {}}", SOUP_STATUS_BAD_REQUEST, "malformed");
  expect_error (f, "POST", "/api/v1/decisions", f->r1, "{}", SOUP_STATUS_BAD_REQUEST, "malformed");
}

static void
test_bodies (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GString) deep = g_string_new ("{\"decisions\": ");
  g_autoptr(GString) huge = g_string_new ("{\"queue\": \"derm\", \"pad\": \"");
  g_autoptr(JsonNode) health = NULL;

  expect_error (f, "POST", "/api/v1/decisions", f->r1, "{not json", SOUP_STATUS_BAD_REQUEST, "malformed");
  expect_error (f, "POST", "/api/v1/decisions", f->r1, "", SOUP_STATUS_BAD_REQUEST, "malformed");
  expect_error (f, "POST", "/api/v1/decisions", f->r1, "{\"decisions\": [\"\xff\xfe\"]}", SOUP_STATUS_BAD_REQUEST,
                "malformed");
  expect_error (f, "POST", "/api/v1/claims", f->r1, "[]", SOUP_STATUS_BAD_REQUEST, "malformed");

  /* Nested past the limit: refused before json-glib recurses into it. */
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, ']');
  g_string_append_c (deep, '}');
  expect_error (f, "POST", "/api/v1/decisions", f->r1, deep->str, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "too_large");

  /* Over 8 MiB: refused from its Content-Length. */
  while (huge->len < 9 * 1024 * 1024)
    g_string_append (huge, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
  g_string_append (huge, "\"}");
  expect_error (f, "POST", "/api/v1/predictions", f->model, huge->str, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
                "too_large");

  /* And the server is still there. */
  health = http (f, "GET", "/api/v1/health", NULL, NULL, SOUP_STATUS_OK);
  g_assert_cmpstr (cs_test_json_string (health, "status"), ==, "ok");
}

/* A fixture whose figures are worked out by hand (queue "mq", labels a b c,
 * confidence threshold 0.8, every escalation by low confidence):
 *
 *   P1 a 0.90 truth a → automated           model ✓ final a ✓
 *   P2 b 0.95 truth a → automated           model ✗ final b ✗
 *   P3 a 0.50 truth b → override b, 1000 ms, +100 s   model ✗ final ✓
 *   P4 c 0.60 truth c (later) → accept, 3000 ms, +300 s   model ✓ final ✓
 *   P5 a 0.70 no truth → reject, 2000 ms, +200 s
 *   P6 b 0.40 truth b → open                model ✓
 *   P7 a 0.30 truth c → escalate, 4000 ms   model ✗
 *
 * predictions 7, escalated 5, automated 2, decided 3 (P3 P4 P5), one of each
 * action, override_rate 1/3, median duration (1000 2000 3000 4000) → 2500,
 * median time to decision (100 200 300) → 200, with_truth 6, model 3/6,
 * final 3/4 (P1 P2 P3 P4), escalated_model 2/4 (P3 P4 P6 P7), escalated_final
 * 2/2 (P3 P4). */
static void
test_export_and_metrics (Fixture       *f,
                         gconstpointer  data)
{
  const char *t0 = "\"created_at\": \"2026-01-01T00:00:00Z\"";
  g_autoptr(JsonNode) p1 = NULL;
  g_autoptr(JsonNode) p2 = NULL;
  g_autoptr(JsonNode) o1 = NULL;
  g_autofree char *p3 = NULL;
  g_autofree char *p4 = NULL;
  g_autofree char *p5 = NULL;
  g_autofree char *p6 = NULL;
  g_autofree char *p7 = NULL;
  g_autofree char *truth4 = NULL;
  g_autofree char *cursor = NULL;
  g_autofree char *cursor_after = NULL;
  g_autofree char *cursor_empty = NULL;
  g_autofree char *out = NULL;
  g_autoptr(JsonNode) claimed = NULL;
  g_autoptr(JsonNode) results = NULL;
  g_autoptr(JsonNode) m = NULL;
  g_autoptr(JsonNode) all = NULL;
  g_autoptr(JsonNode) other = NULL;
  g_autoptr(JsonNode) cli = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(GPtrArray) tail = NULL;
  g_autoptr(GPtrArray) none = NULL;
  g_auto(GStrv) cli_lines = NULL;
  JsonNode *line;

  cs_test_json_drop (http (f, "PUT", "/api/v1/queues/mq", f->admin,
                           "{\"title\": \"M\", \"labels\": [\"a\", \"b\", \"c\"],"
                           " \"policy\": {\"rationale_required\": [\"override\", \"reject\", \"escalate\"],"
                           "            \"min_rationale_chars\": 5},"
                           " \"routing\": {\"confidence_threshold\": 0.8}, \"reviewers\": [\"r1\"]}",
                           SOUP_STATUS_OK));
  cs_test_json_drop (http (f, "PUT", "/api/v1/queues/other", f->admin,
                           "{\"title\": \"O\", \"labels\": [\"a\"]}", SOUP_STATUS_OK));

  p1 = predict (f, "mq", "0.90", "a", NULL, "\"truth\": \"a\", \"created_at\": \"2026-01-01T00:00:00Z\"");
  p2 = predict (f, "mq", "0.95", "b", NULL, "\"truth\": \"a\", \"created_at\": \"2026-01-01T00:00:00Z\"");
  g_assert_cmpstr (cs_test_json_string (p1, "routed"), ==, "automated");
  g_assert_cmpstr (cs_test_json_string (p2, "routed"), ==, "automated");
  {
    g_autofree char *with_truth_b = g_strdup_printf ("\"truth\": \"b\", %s", t0);
    g_autofree char *with_truth_c = g_strdup_printf ("\"truth\": \"c\", %s", t0);

    p3 = predict_id (f, "mq", "0.50", "a", NULL, with_truth_b);
    p4 = predict_id (f, "mq", "0.60", "c", NULL, t0);
    p5 = predict_id (f, "mq", "0.70", "a", NULL, t0);
    p6 = predict_id (f, "mq", "0.40", "b", NULL, with_truth_b);
    p7 = predict_id (f, "mq", "0.30", "a", NULL, with_truth_c);
  }
  o1 = predict (f, "other", "0.9", "a", NULL, NULL);

  /* Truth that arrives later. */
  truth4 = g_strdup_printf ("/api/v1/cases/%s/truth", p4);
  cs_test_json_drop (http (f, "PUT", truth4, f->model, "{\"label\": \"c\"}", SOUP_STATUS_OK));
  expect_error (f, "PUT", "/api/v1/cases/c-999999/truth", f->model, "{\"label\": \"c\"}", SOUP_STATUS_NOT_FOUND,
                "not_found");
  expect_error (f, "PUT", truth4, f->model, "{\"label\": 3}", SOUP_STATUS_BAD_REQUEST, "malformed");

  claimed = claim (f, f->r1, "mq", 10);
  g_assert_cmpuint (cs_test_json_len (claimed, "claimed"), ==, 5);
  results = decide (f, f->r1,
                    decision ("m-3", p3, 2, "override", "b", "Looks like b", "r1", "2026-01-01T00:01:40Z", 1000),
                    decision ("m-4", p4, 2, "accept", NULL, NULL, "r1", "2026-01-01T00:05:00Z", 3000),
                    decision ("m-5", p5, 2, "reject", NULL, "Not a case", "r1", "2026-01-01T00:03:20Z", 2000),
                    decision ("m-7", p7, 2, "escalate", NULL, "Ask a senior", "r1", "2026-01-01T00:09:00Z", 4000),
                    NULL);
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *status = g_strdup_printf ("results.%u.status", i);
      g_assert_cmpstr (cs_test_json_string (results, status), ==, "accepted");
    }

  m = metrics (f, "mq");
  g_assert_cmpint (cs_test_json_int (m, "predictions"), ==, 7);
  g_assert_cmpint (cs_test_json_int (m, "escalated"), ==, 5);
  g_assert_cmpint (cs_test_json_int (m, "automated"), ==, 2);
  g_assert_cmpfloat_with_epsilon (cs_test_json_double (m, "intervention_rate"), 5.0 / 7.0, 1e-9);
  g_assert_cmpint (cs_test_json_int (m, "decided"), ==, 3);
  g_assert_cmpint (cs_test_json_int (m, "by_action.accept"), ==, 1);
  g_assert_cmpint (cs_test_json_int (m, "by_action.override"), ==, 1);
  g_assert_cmpint (cs_test_json_int (m, "by_action.reject"), ==, 1);
  g_assert_cmpint (cs_test_json_int (m, "by_action.escalate"), ==, 1);
  g_assert_cmpfloat_with_epsilon (cs_test_json_double (m, "override_rate"), 1.0 / 3.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (cs_test_json_double (m, "median_duration_ms"), 2500, 1e-9);
  g_assert_cmpfloat_with_epsilon (cs_test_json_double (m, "median_time_to_decision_s"), 200, 1e-9);
  g_assert_cmpint (cs_test_json_int (m, "by_trigger.low_confidence"), ==, 5);
  g_assert_cmpint (cs_test_json_int (m, "by_trigger.fairness"), ==, 0);
  g_assert_cmpint (cs_test_json_int (m, "by_trigger.random_audit"), ==, 0);
  /* Of the five low-confidence cases, three decided by a person, one of them overridden. */
  g_assert_cmpint (cs_test_json_int (m, "overrides_by_trigger.low_confidence.decided"), ==, 3);
  g_assert_cmpint (cs_test_json_int (m, "overrides_by_trigger.low_confidence.overrides"), ==, 1);
  g_assert_cmpfloat_with_epsilon (cs_test_json_double (m, "overrides_by_trigger.low_confidence.override_rate"), 1.0 / 3.0, 1e-9);
  g_assert_cmpint (cs_test_json_int (m, "overrides_by_trigger.fairness.decided"), ==, 0);
  g_assert_true (cs_test_json_is_null (m, "overrides_by_trigger.fairness.override_rate"));
  g_assert_cmpint (cs_test_json_int (m, "accuracy.with_truth"), ==, 6);
  g_assert_cmpfloat_with_epsilon (cs_test_json_double (m, "accuracy.model"), 0.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (cs_test_json_double (m, "accuracy.final"), 0.75, 1e-9);
  g_assert_cmpfloat_with_epsilon (cs_test_json_double (m, "accuracy.escalated_model"), 0.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (cs_test_json_double (m, "accuracy.escalated_final"), 1.0, 1e-9);

  /* All queues; a queue with nothing to count; no such queue. */
  all = metrics (f, NULL);
  g_assert_cmpint (cs_test_json_int (all, "predictions"), ==, 8);
  g_assert_cmpint (cs_test_json_int (all, "automated"), ==, 3);
  other = metrics (f, "other");
  g_assert_cmpint (cs_test_json_int (other, "predictions"), ==, 1);
  g_assert_cmpint (cs_test_json_int (other, "accuracy.with_truth"), ==, 0);
  g_assert_true (cs_test_json_is_null (other, "accuracy.model"));
  g_assert_true (cs_test_json_is_null (other, "accuracy.final"));
  g_assert_true (cs_test_json_is_null (other, "override_rate"));
  g_assert_true (cs_test_json_is_null (other, "median_duration_ms"));
  g_assert_true (cs_test_json_is_null (other, "median_time_to_decision_s"));
  expect_error (f, "GET", "/api/v1/metrics?queue=nowhere", f->admin, NULL, SOUP_STATUS_NOT_FOUND, "not_found");

  /* The export: outcomes in the order they were made. */
  lines = export_lines (f, NULL, &cursor);
  g_assert_cmpuint (lines->len, ==, 6);
  g_assert_cmpstr (cs_test_json_string (g_ptr_array_index (lines, 0), "case_id"), ==, cs_test_json_string (p1, "id"));
  g_assert_cmpstr (cs_test_json_string (g_ptr_array_index (lines, 1), "case_id"), ==, cs_test_json_string (p2, "id"));
  g_assert_cmpstr (cs_test_json_string (g_ptr_array_index (lines, 2), "case_id"), ==, cs_test_json_string (o1, "id"));
  g_assert_cmpstr (cs_test_json_string (g_ptr_array_index (lines, 3), "case_id"), ==, p3);
  g_assert_cmpstr (cs_test_json_string (g_ptr_array_index (lines, 4), "case_id"), ==, p4);
  g_assert_cmpstr (cs_test_json_string (g_ptr_array_index (lines, 5), "case_id"), ==, p5);
  g_assert_cmpstr (cursor, ==, cs_test_json_string (g_ptr_array_index (lines, 5), "cursor"));

  line = g_ptr_array_index (lines, 0);
  g_assert_cmpstr (cs_test_json_string (line, "queue"), ==, "mq");
  g_assert_cmpstr (cs_test_json_string (line, "action"), ==, "automated");
  g_assert_cmpstr (cs_test_json_string (line, "decided_by"), ==, "model:m1");
  g_assert_cmpstr (cs_test_json_string (line, "model_label"), ==, "a");
  g_assert_cmpstr (cs_test_json_string (line, "final_label"), ==, "a");
  g_assert_cmpfloat_with_epsilon (cs_test_json_double (line, "model_confidence"), 0.90, 1e-9);
  g_assert_true (cs_test_json_is_null (line, "rationale"));
  g_assert_true (cs_test_json_is_null (line, "trigger"));
  g_assert_true (cs_test_json_is_null (line, "duration_ms"));
  g_assert_cmpstr (cs_test_json_string (line, "truth"), ==, "a");
  g_assert_cmpstr (cs_test_json_string (line, "created_at"), ==, "2026-01-01T00:00:00Z");
  g_assert_nonnull (cs_test_json_string (line, "decided_at"));

  line = g_ptr_array_index (lines, 3);
  g_assert_cmpstr (cs_test_json_string (line, "action"), ==, "override");
  g_assert_cmpstr (cs_test_json_string (line, "decided_by"), ==, "r1");
  g_assert_cmpstr (cs_test_json_string (line, "model_label"), ==, "a");
  g_assert_cmpstr (cs_test_json_string (line, "final_label"), ==, "b");
  g_assert_cmpstr (cs_test_json_string (line, "rationale"), ==, "Looks like b");
  g_assert_cmpstr (cs_test_json_string (line, "trigger"), ==, "low_confidence");
  g_assert_cmpint (cs_test_json_int (line, "duration_ms"), ==, 1000);
  g_assert_cmpstr (cs_test_json_string (line, "truth"), ==, "b");
  g_assert_cmpstr (cs_test_json_string (line, "created_at"), ==, "2026-01-01T00:00:00Z");
  g_assert_cmpstr (cs_test_json_string (line, "decided_at"), ==, "2026-01-01T00:01:40Z");

  /* Truth recorded later shows in the export. */
  g_assert_cmpstr (cs_test_json_string (g_ptr_array_index (lines, 4), "truth"), ==, "c");
  g_assert_cmpstr (cs_test_json_string (g_ptr_array_index (lines, 4), "final_label"), ==, "c");
  g_assert_true (cs_test_json_is_null (g_ptr_array_index (lines, 5), "final_label"));
  g_assert_true (cs_test_json_is_null (g_ptr_array_index (lines, 5), "truth"));

  /* Resuming from a cursor. */
  tail = export_lines (f, cs_test_json_string (g_ptr_array_index (lines, 2), "cursor"), &cursor_after);
  g_assert_cmpuint (tail->len, ==, 3);
  g_assert_cmpstr (cs_test_json_string (g_ptr_array_index (tail, 0), "case_id"), ==, p3);
  g_assert_cmpstr (cursor_after, ==, cursor);
  none = export_lines (f, cursor, &cursor_empty);
  g_assert_cmpuint (none->len, ==, 0);
  g_assert_cmpstr (cursor_empty, ==, cursor);
  expect_error (f, "GET", "/api/v1/export/outcomes?since=x1", f->admin, NULL, SOUP_STATUS_BAD_REQUEST, "malformed");

  /* The command line gives the same figures. */
  g_assert_cmpint (cs_test_server_run (f->server, &out, NULL, "metrics", "--queue", "mq", NULL), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  cli = json_node_copy (json_parser_get_root (parser));
  g_assert_cmpint (cs_test_json_int (cli, "predictions"), ==, 7);
  g_assert_cmpfloat_with_epsilon (cs_test_json_double (cli, "median_duration_ms"), 2500, 1e-9);
  g_assert_cmpfloat_with_epsilon (cs_test_json_double (cli, "accuracy.final"), 0.75, 1e-9);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cs_test_server_run (f->server, &out, NULL, "export", "--since",
                                       cs_test_json_string (g_ptr_array_index (lines, 2), "cursor"), NULL), ==, 0);
  cli_lines = g_strsplit (g_strstrip (out), "\n", -1);
  g_assert_cmpuint (g_strv_length (cli_lines), ==, 3);
  g_assert_cmpint (cs_test_server_run (f->server, NULL, NULL, "metrics", "--queue", "nowhere", NULL), ==, 1);
}

static void
test_durability (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *id = predict_id (f, "derm", "0.4", "nevus", NULL, NULL);
  g_autofree char *db = g_build_filename (cs_test_server_get_data_dir (f->server), "countersign-server.db", NULL);
  g_autofree char *wal = g_strconcat (db, "-wal", NULL);
  g_autoptr(JsonNode) claimed = claim (f, f->r1, "derm", 1);
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(JsonNode) replay = NULL;
  g_autoptr(JsonNode) kase = NULL;
  GStatBuf st;

  g_assert_cmpuint (cs_test_json_len (claimed, "claimed"), ==, 1);
  first = decide (f, f->r1, decision ("d-durable", id, 2, "accept", NULL, NULL, "r1", NULL, 10), NULL);
  g_assert_cmpstr (cs_test_json_string (first, "results.0.status"), ==, "accepted");

  /* The answer came after the commit: a crash now loses nothing. */
  cs_test_server_kill (f->server);
  cs_test_server_restart (f->server);

  replay = decide (f, f->r1, decision ("d-durable", id, 2, "accept", NULL, NULL, "r1", NULL, 10), NULL);
  g_assert_cmpstr (cs_test_json_string (replay, "results.0.status"), ==, "duplicate");
  g_assert_cmpint (cs_test_json_int (replay, "results.0.case_version"), ==, cs_test_json_int (first, "results.0.case_version"));
  kase = get_case (f, f->r1, id);
  g_assert_cmpstr (cs_test_json_string (kase, "status"), ==, "decided");

  /* Private files. */
  g_assert_cmpint (g_stat (cs_test_server_get_data_dir (f->server), &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (db, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  if (g_stat (wal, &st) == 0)
    g_assert_cmpint (st.st_mode & 0077, ==, 0);

  /* A clean stop, and a start on the same data. */
  cs_test_server_stop (f->server);
  g_assert_false (cs_test_server_is_running (f->server));
  cs_test_server_restart (f->server);
  g_clear_pointer (&kase, json_node_unref);
  kase = get_case (f, f->admin, id);
  g_assert_cmpstr (cs_test_json_string (kase, "decided.by"), ==, "r1");
}

static void
write_file (const char *dir,
            const char *name,
            const char *contents,
            gssize      len)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, len, &error);
  g_assert_no_error (error);
}

static void
test_import (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cs-import-XXXXXX", &error);
  g_autofree char *assets = g_build_filename (dir, "assets", NULL);
  g_autofree char *queues = g_build_filename (dir, "queues.json", NULL);
  g_autofree char *preds = g_build_filename (dir, "predictions.jsonl", NULL);
  g_autofree char *good = g_build_filename (dir, "good.jsonl", NULL);
  g_autoptr(GBytes) scan = g_bytes_new_static ("\x89PNG not really", 15);
  g_autofree char *sha = sha256_of (scan);
  g_autofree char *lines = NULL;
  g_autofree char *good_lines = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *asset_path = g_strdup_printf ("/api/v1/assets/%s", sha);
  g_autoptr(JsonNode) m = NULL;
  g_autoptr(JsonNode) me = NULL;
  g_autoptr(JsonNode) claimed = NULL;
  g_autoptr(GBytes) got = NULL;
  guint status = 0;

  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir (assets, 0700), ==, 0);
  write_file (assets, "scan.png", g_bytes_get_data (scan, NULL), 15);
  write_file (dir, "queues.json",
              "{\"queues\": [{\"id\": \"imp\", \"title\": \"Imported\", \"labels\": [\"x\", \"y\"],"
              " \"routing\": {\"confidence_threshold\": 0.8}, \"reviewers\": [\"r1\"]}]}", -1);
  lines = g_strdup_printf (
    "{\"queue\": \"imp\", \"subject\": {\"kind\": \"image\", \"title\": \"Scan\","
    " \"asset\": {\"sha256\": \"%s\", \"media_type\": \"image/png\"}},"
    " \"model\": {\"name\": \"m\"}, \"prediction\": {\"label\": \"x\", \"confidence\": 0.5}, \"truth\": \"y\"}\n"
    "{broken\n"
    "\n"
    "{\"queue\": \"imp\", \"subject\": {\"kind\": \"text\", \"title\": \"T\", \"text\": \"t\"},"
    " \"model\": {\"name\": \"m\"}, \"prediction\": {\"label\": \"y\", \"confidence\": 0.95}}\n"
    "{\"queue\": \"imp\", \"subject\": {\"kind\": \"image\", \"title\": \"Lost\","
    " \"asset\": {\"sha256\": \"%064d\", \"media_type\": \"image/png\"}},"
    " \"model\": {\"name\": \"m\"}, \"prediction\": {\"label\": \"x\", \"confidence\": 0.5}}\n",
    sha, 7);
  write_file (dir, "predictions.jsonl", lines, -1);

  /* Bad lines are reported by number and skipped; the run fails. */
  g_assert_cmpint (cs_test_server_run (f->server, &out, &err, "import", "--queues", queues,
                                       "--predictions", preds, "--assets", assets, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "predictions.jsonl:2:"));
  g_assert_nonnull (strstr (err, "predictions.jsonl:5:"));
  g_assert_null (strstr (err, "predictions.jsonl:1:"));
  g_assert_null (strstr (err, "predictions.jsonl:4:"));
  g_assert_nonnull (strstr (out, "imp: 2 predictions, 1 escalated, 1 automated"));

  /* The running server sees what was imported. */
  m = metrics (f, "imp");
  g_assert_cmpint (cs_test_json_int (m, "predictions"), ==, 2);
  g_assert_cmpint (cs_test_json_int (m, "escalated"), ==, 1);
  g_assert_cmpint (cs_test_json_int (m, "accuracy.with_truth"), ==, 1);
  me = http (f, "GET", "/api/v1/me", f->r1, NULL, SOUP_STATUS_OK);
  g_assert_true (cs_test_json_strv_contains (me, "queues", "imp"));
  claimed = claim (f, f->r1, "imp", 10);
  g_assert_cmpuint (cs_test_json_len (claimed, "claimed"), ==, 1);
  got = cs_test_http_bytes (f->server, "GET", asset_path, f->r1, NULL, NULL, NULL, NULL, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
  g_assert_true (g_bytes_equal (got, scan));

  /* Only good lines: success. */
  good_lines = g_strdup_printf ("{\"queue\": \"imp\", \"subject\": {\"kind\": \"text\", \"title\": \"T\", \"text\": \"t\"},"
                                " \"model\": {\"name\": \"m\"}, \"prediction\": {\"label\": \"y\", \"confidence\": 0.1}}\n");
  write_file (dir, "good.jsonl", good_lines, -1);
  g_assert_cmpint (cs_test_server_run (f->server, NULL, NULL, "import", "--predictions", good, NULL), ==, 0);
  g_clear_pointer (&m, json_node_unref);
  m = metrics (f, "imp");
  g_assert_cmpint (cs_test_json_int (m, "predictions"), ==, 3);

  /* --as-of moves a data set made then to now: each case keeps its age and its time left. */
  {
    g_autofree char *dated = g_build_filename (dir, "dated.jsonl", NULL);
    g_autoptr(JsonNode) dated_claim = NULL;
    g_autoptr(JsonNode) kase = NULL;
    g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
    g_autoptr(GDateTime) created = NULL;
    g_autoptr(GDateTime) due = NULL;
    g_autofree char *case_path = NULL;

    write_file (dir, "dated.jsonl",
                "{\"queue\": \"imp\", \"created_at\": \"2026-01-01T00:00:00Z\", \"due_at\": \"2026-01-01T10:00:00Z\","
                " \"subject\": {\"kind\": \"text\", \"title\": \"Dated\", \"text\": \"t\"},"
                " \"model\": {\"name\": \"m\"}, \"prediction\": {\"label\": \"y\", \"confidence\": 0.2}}\n", -1);
    g_assert_cmpint (cs_test_server_run (f->server, NULL, NULL, "import", "--predictions", dated,
                                         "--as-of", "2026-01-01T02:00:00Z", NULL), ==, 0);
    g_assert_cmpint (cs_test_server_run (f->server, NULL, NULL, "import", "--predictions", dated,
                                         "--as-of", "yesterday", NULL), ==, 2);
    /* The good line's case and the dated one are still to claim; find the dated one. */
    dated_claim = claim (f, f->r1, "imp", 10);
    g_assert_cmpuint (cs_test_json_len (dated_claim, "claimed"), ==, 2);
    for (guint i = 0; i < 2 && kase == NULL; i++)
      {
        g_autofree char *index = g_strdup_printf ("claimed.%u", i);
        g_autoptr(JsonNode) candidate = NULL;

        g_free (case_path);
        case_path = g_strdup_printf ("/api/v1/cases/%s", cs_test_json_string (dated_claim, index));
        candidate = http (f, "GET", case_path, f->r1, NULL, SOUP_STATUS_OK);
        if (g_strcmp0 (cs_test_json_string (candidate, "subject.title"), "Dated") == 0)
          kase = g_steal_pointer (&candidate);
      }
    g_assert_nonnull (kase);
    created = g_date_time_new_from_iso8601 (cs_test_json_string (kase, "created_at"), NULL);
    due = g_date_time_new_from_iso8601 (cs_test_json_string (kase, "due_at"), NULL);
    /* Made two hours ago, due in eight (a minute either way for the run itself). */
    g_assert_cmpint (ABS (g_date_time_difference (now, created) - 2 * G_TIME_SPAN_HOUR), <, G_TIME_SPAN_MINUTE);
    g_assert_cmpint (ABS (g_date_time_difference (due, now) - 8 * G_TIME_SPAN_HOUR), <, G_TIME_SPAN_MINUTE);
  }

  /* Usage. */
  g_assert_cmpint (cs_test_server_run (f->server, NULL, NULL, "import", NULL), ==, 2);

  {
    g_autoptr(GFile) root = g_file_new_for_path (dir);
    const char *names[] = { "assets/scan.png", "assets", "queues.json", "predictions.jsonl", "good.jsonl", "dated.jsonl" };

    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      {
        g_autofree char *path = g_build_filename (dir, names[i], NULL);
        g_remove (path);
      }
    g_file_delete (root, NULL, NULL);
  }
}

static void
test_command_line (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *queue_file = g_build_filename (cs_test_server_get_data_dir (f->server), "q.json", NULL);
  g_autoptr(JsonNode) queues = NULL;

  /* Tokens: "cs_" and 43 characters of base64url. */
  g_assert_true (g_str_has_prefix (f->r1, "cs_"));
  g_assert_cmpuint (strlen (f->r1), ==, 46);
  for (const char *p = f->r1 + 3; *p; p++)
    g_assert_true (g_ascii_isalnum (*p) || *p == '-' || *p == '_');
  g_assert_cmpstr (f->r1, !=, f->r2);

  /* The list names principals and never shows a token. */
  g_assert_cmpint (cs_test_server_run (f->server, &out, NULL, "token", "list", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "r1"));
  g_assert_nonnull (strstr (out, "Dr. A. Rivera"));
  g_assert_nonnull (strstr (out, "reviewer"));
  g_assert_null (strstr (out, f->r1));
  g_assert_null (strstr (out, f->admin + 3));

  /* Failures and usage errors. */
  g_assert_cmpint (cs_test_server_run (f->server, NULL, &err, "token", "create", "r1", "--role", "reviewer", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "exists"));
  g_assert_cmpint (cs_test_server_run (f->server, NULL, NULL, "token", "create", "x", "--role", "king", NULL), ==, 2);
  g_assert_cmpint (cs_test_server_run (f->server, NULL, NULL, "token", "create", "x", NULL), ==, 2);
  g_assert_cmpint (cs_test_server_run (f->server, NULL, NULL, "token", "create", "a b", "--role", "admin", NULL), ==, 2);
  g_assert_cmpint (cs_test_server_run (f->server, NULL, NULL, "token", "create", "model:x", "--role", "admin", NULL), ==, 2);
  g_assert_cmpint (cs_test_server_run (f->server, NULL, NULL, "token", "frobnicate", NULL), ==, 2);
  g_assert_cmpint (cs_test_server_run (f->server, NULL, NULL, "token", "revoke", "nobody", NULL), ==, 1);
  g_assert_cmpint (cs_test_server_run (f->server, NULL, NULL, "frobnicate", NULL), ==, 2);
  g_assert_cmpint (cs_test_server_run (f->server, NULL, NULL, "serve", "--listen", "nowhere", NULL), ==, 2);
  g_assert_cmpint (cs_test_server_run (f->server, NULL, NULL, "serve", "--tls-cert", "/nonexistent", NULL), ==, 2);

  /* queue put, as PUT /api/v1/queues/{id}. */
  write_file (cs_test_server_get_data_dir (f->server), "q.json",
              "{\"title\": \"From the shell\", \"labels\": [\"yes\", \"no\"]}", -1);
  g_assert_cmpint (cs_test_server_run (f->server, NULL, NULL, "queue", "put", "shell", queue_file, NULL), ==, 0);
  queues = http (f, "GET", "/api/v1/queues", f->admin, NULL, SOUP_STATUS_OK);
  g_assert_cmpuint (cs_test_json_len (queues, "queues"), ==, 3);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cs_test_server_run (f->server, &out, NULL, "queue", "list", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "From the shell"));
  write_file (cs_test_server_get_data_dir (f->server), "q.json", "{\"title\": \"No labels\"}", -1);
  g_assert_cmpint (cs_test_server_run (f->server, NULL, NULL, "queue", "put", "shell", queue_file, NULL), ==, 1);
}

/* Runs the server alone, to read what it says on stderr. */
static char *
serve_and_stop (const char * const *extra,
                char              **url)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cs-serve-XXXXXX", &error);
  g_autofree char *line = NULL;
  g_autofree char *db = NULL;
  char *err = NULL;

  g_assert_no_error (error);
  g_ptr_array_add (argv, (char *) g_getenv ("CS_SERVER_BIN"));
  g_ptr_array_add (argv, (char *) "serve");
  g_ptr_array_add (argv, (char *) "--data");
  g_ptr_array_add (argv, dir);
  for (guint i = 0; extra[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) extra[i]);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "listening on "));
  *url = g_strdup (line + strlen ("listening on "));

  g_subprocess_send_signal (process, SIGTERM);
  {
    GInputStream *stderr_pipe = g_subprocess_get_stderr_pipe (process);
    g_autoptr(GOutputStream) sink = g_memory_output_stream_new_resizable ();

    g_output_stream_splice (sink, stderr_pipe, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error);
    g_assert_no_error (error);
    g_output_stream_write (sink, "", 1, NULL, NULL);
    err = g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (sink));
  }
  g_subprocess_wait_check (process, NULL, &error);
  g_assert_no_error (error);   /* SIGTERM is a clean stop: exit 0 */

  db = g_build_filename (dir, "countersign-server.db", NULL);
  {
    const char *suffixes[] = { "", "-wal", "-shm" };

    for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
      {
        g_autofree char *path = g_strconcat (db, suffixes[i], NULL);
        g_remove (path);
      }
  }
  g_rmdir (dir);
  return err;
}

static gboolean
accept_any_certificate (SoupMessage          *msg,
                        GTlsCertificate      *certificate,
                        GTlsCertificateFlags  errors,
                        gpointer              user_data)
{
  return TRUE;
}

static void
test_listen_and_tls (void)
{
  const char *open_net[] = { "--listen", "0.0.0.0:0", NULL };
  const char *loopback[] = { "--listen", "127.0.0.1:0", NULL };
  g_autofree char *url = NULL;
  g_autofree char *err = NULL;
  g_autofree char *openssl = g_find_program_in_path ("openssl");

  /* No TLS off the loopback: a loud warning. */
  err = serve_and_stop (open_net, &url);
  g_assert_nonnull (strstr (err, "WITHOUT TLS"));
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&url, g_free);
  err = serve_and_stop (loopback, &url);
  g_assert_null (strstr (err, "WITHOUT TLS"));
  g_assert_true (g_str_has_prefix (url, "http://127.0.0.1:"));
  g_assert_true (g_str_has_suffix (url, "/"));
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&url, g_free);

  if (openssl == NULL)
    {
      g_test_message ("openssl is not installed: HTTPS not tried");
      return;
    }

  {
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_dir_make_tmp ("cs-tls-XXXXXX", &error);
    g_autofree char *cert = g_build_filename (dir, "cert.pem", NULL);
    g_autofree char *key = g_build_filename (dir, "key.pem", NULL);
    g_autofree char *data_dir = g_build_filename (dir, "data", NULL);
    g_autoptr(GSubprocess) gen = NULL;
    g_autoptr(GSubprocess) process = NULL;
    g_autoptr(GDataInputStream) out = NULL;
    g_autoptr(SoupSession) session = soup_session_new ();
    g_autoptr(SoupMessage) msg = NULL;
    g_autoptr(GBytes) body = NULL;
    g_autofree char *line = NULL;
    g_autofree char *health = NULL;

    g_assert_no_error (error);
    gen = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                            "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1", NULL);
    g_assert_no_error (error);
    g_subprocess_wait_check (gen, NULL, &error);
    g_assert_no_error (error);

    process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, g_getenv ("CS_SERVER_BIN"), "serve",
                                "--data", data_dir, "--listen", "127.0.0.1:0",
                                "--tls-cert", cert, "--tls-key", key, NULL);
    g_assert_no_error (error);
    out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
    line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (g_str_has_prefix (line, "listening on https://127.0.0.1:"));

    health = g_strconcat (line + strlen ("listening on "), "api/v1/health", NULL);
    msg = soup_message_new ("GET", health);
    g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_any_certificate), NULL);
    body = soup_session_send_and_read (session, msg, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);

    g_subprocess_send_signal (process, SIGTERM);
    g_subprocess_wait_check (process, NULL, &error);
    g_assert_no_error (error);

    {
      g_autoptr(GFile) root = g_file_new_for_path (dir);
      const char *names[] = { "cert.pem", "key.pem", "data/countersign-server.db", "data/countersign-server.db-wal",
                              "data/countersign-server.db-shm", "data" };

      for (guint i = 0; i < G_N_ELEMENTS (names); i++)
        {
          g_autofree char *path = g_build_filename (dir, names[i], NULL);
          g_remove (path);
        }
      g_file_delete (root, NULL, NULL);
    }
  }
}

static void
test_prediction_batch (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *low = prediction ("derm", "0.5", "melanoma", NULL, NULL);
  g_autofree char *sure = prediction ("derm", "0.97", "nevus", NULL, NULL);
  g_autofree char *unknown_queue = prediction ("nowhere", "0.5", "melanoma", NULL, NULL);
  g_autofree char *body = g_strdup_printf ("{\"predictions\": [%s, {\"queue\": \"derm\"}, %s, %s]}",
                                           low, unknown_queue, sure);
  g_autoptr(JsonNode) answer = http (f, "POST", "/api/v1/predictions", f->model, body, SOUP_STATUS_OK);
  g_autoptr(JsonNode) kase = NULL;
  g_autoptr(GString) big = g_string_new ("{\"predictions\": [");

  /* One answer per prediction, in order; a bad one does not refuse the rest. */
  g_assert_cmpuint (cs_test_json_len (answer, "results"), ==, 4);
  g_assert_cmpstr (cs_test_json_string (answer, "results.0.routed"), ==, "escalated");
  g_assert_cmpstr (cs_test_json_string (answer, "results.0.trigger.kind"), ==, "low_confidence");
  g_assert_cmpstr (cs_test_json_string (answer, "results.1.error.code"), ==, "malformed");
  g_assert_nonnull (strstr (cs_test_json_string (answer, "results.1.error.message"), "subject"));
  g_assert_cmpstr (cs_test_json_string (answer, "results.2.error.code"), ==, "not_found");
  g_assert_cmpstr (cs_test_json_string (answer, "results.3.routed"), ==, "automated");

  kase = get_case (f, f->admin, cs_test_json_string (answer, "results.0.id"));
  g_assert_cmpstr (cs_test_json_string (kase, "status"), ==, "open");

  /* At most 500 in one request. */
  for (int i = 0; i < 501; i++)
    g_string_append_printf (big, "%s%s", i ? "," : "", sure);
  g_string_append (big, "]}");
  cs_test_json_drop (http (f, "POST", "/api/v1/predictions", f->model, big->str, SOUP_STATUS_BAD_REQUEST));

  /* A reviewer may not feed predictions, one or many. */
  cs_test_json_drop (http (f, "POST", "/api/v1/predictions", f->r1, body, SOUP_STATUS_FORBIDDEN));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  if (g_getenv ("CS_SERVER_BIN") == NULL)
    {
      g_printerr ("CS_SERVER_BIN is not set: run this through meson test\n");
      return 77;
    }

#define ADD(name, args, fn) \
  g_test_add ("/server/" name, Fixture, args, fixture_set_up, fn, fixture_tear_down)

  ADD ("health", no_args, test_health);
  ADD ("auth", no_args, test_auth);
  ADD ("roles", no_args, test_roles);
  ADD ("me-and-queues", no_args, test_me_and_queues);
  ADD ("routing", no_args, test_routing);
  ADD ("prediction-batch", no_args, test_prediction_batch);
  ADD ("assets", small_assets, test_assets);
  ADD ("claims", no_args, test_claims);
  ADD ("lease-expiry", short_lease, test_lease_expiry);
  ADD ("changes", no_args, test_changes);
  ADD ("decisions", no_args, test_decisions);
  ADD ("bodies", no_args, test_bodies);
  ADD ("export-and-metrics", no_args, test_export_and_metrics);
  ADD ("durability", no_args, test_durability);
  ADD ("import", no_args, test_import);
  ADD ("command-line", no_args, test_command_line);
  g_test_add_func ("/server/listen-and-tls", test_listen_and_tls);

#undef ADD

  return g_test_run ();
}
