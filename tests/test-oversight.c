/* test-oversight.c: the oversight rules of countersign-server over HTTP, against the real binary.
 *
 * Blind-first review, the two-person rule, the overdue fallback, the outcome
 * long-poll and webhooks, each as API.md's "Oversight extensions" says.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <gio/gio.h>

#include "cs-case.h"
#include "cs-test-json.h"
#include "cs-test-server.h"
#include "csd-webhooks.h"

#define RATIONALE "A rationale long enough for the policy"

#define BLIND_QUEUE \
  "{\"title\": \"Dermatology, blind first\"," \
  " \"labels\": [\"melanoma\", \"nevus\", \"other\"]," \
  " \"policy\": {\"rationale_required\": [\"override\", \"reject\"], \"min_rationale_chars\": 15," \
  "              \"blind_first\": true}," \
  " \"routing\": {\"confidence_threshold\": 0.80}," \
  " \"reviewers\": [\"r1\", \"r2\"]}"

#define TWO_QUEUE \
  "{\"title\": \"Dermatology, two-person rule\"," \
  " \"labels\": [\"melanoma\", \"nevus\", \"other\"]," \
  " \"policy\": {\"rationale_required\": [\"override\", \"reject\"], \"min_rationale_chars\": 15," \
  "              \"second_review\": [\"override\", \"reject\"]}," \
  " \"routing\": {\"confidence_threshold\": 0.80}," \
  " \"reviewers\": [\"r1\", \"r2\", \"r3\"]}"

#define PLAIN_QUEUE \
  "{\"title\": \"Dermatology\", \"labels\": [\"melanoma\", \"nevus\", \"other\"]," \
  " \"routing\": {\"confidence_threshold\": 0.80}, \"reviewers\": [\"r1\", \"r2\"]}"

/* Each hands its overdue cases to the other: only the once-only rule keeps
 * a case from going back and forth. */
#define EARLY_QUEUE \
  "{\"title\": \"Dermatology\", \"labels\": [\"melanoma\", \"nevus\", \"other\"]," \
  " \"routing\": {\"confidence_threshold\": 0.80}, \"reviewers\": [\"r1\"]," \
  " \"on_overdue\": {\"queue\": \"senior\"}}"
#define SENIOR_QUEUE \
  "{\"title\": \"Dermatology, senior\", \"labels\": [\"melanoma\", \"nevus\", \"other\"]," \
  " \"routing\": {\"confidence_threshold\": 0.80}, \"reviewers\": [\"r2\"]," \
  " \"on_overdue\": {\"queue\": \"early\"}}"

typedef struct
{
  CsTestServer *server;
  char         *admin;
  char         *model;
  char         *r1;
  char         *r2;
  char         *r3;
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

/* Feeds an escalated prediction in (confidence 0.5, label melanoma) and
 * returns its case id; @extra is more members, e.g. "\"truth\": \"nevus\"". */
static char *
predict (Fixture    *f,
         const char *queue,
         const char *extra)
{
  g_autofree char *body =
    g_strdup_printf ("{\"queue\": \"%s\","
                     " \"subject\": {\"kind\": \"text\", \"title\": \"A case\", \"text\": \"nothing of note\"},"
                     " \"model\": {\"name\": \"m1\", \"version\": \"1.0\"},"
                     " \"prediction\": {\"label\": \"melanoma\", \"confidence\": 0.5}%s%s}",
                     queue, extra ? ", " : "", extra ? extra : "");
  g_autoptr(JsonNode) answer = http (f, "POST", "/api/v1/predictions", f->model, body, SOUP_STATUS_OK);

  g_assert_cmpstr (cs_test_json_string (answer, "routed"), ==, "escalated");
  return g_strdup (cs_test_json_string (answer, "id"));
}

/* One decision as JSON; @extra is more members ("\"initial_label\": \"nevus\""). */
static char *
decision (const char *id,
          const char *case_id,
          gint64      version,
          const char *action,
          const char *label,
          const char *rationale,
          const char *reviewer,
          const char *extra)
{
  g_autofree char *label_json = label ? g_strdup_printf ("\"%s\"", label) : g_strdup ("null");

  return g_strdup_printf ("{\"id\": \"%s\", \"case_id\": \"%s\", \"case_version\": %" G_GINT64_FORMAT ","
                          " \"action\": \"%s\", \"label\": %s, \"rationale\": \"%s\", \"reviewer\": \"%s\","
                          " \"decided_at\": \"2026-11-24T09:31:07Z\", \"duration_ms\": 1000%s%s}",
                          id, case_id, version, action, label_json, rationale ? rationale : "",
                          reviewer, extra ? ", " : "", extra ? extra : "");
}

/* Sends one decision (taking the string) and returns its result. */
static JsonNode *
decide (Fixture    *f,
        const char *token,
        char       *one)
{
  g_autofree char *body = g_strdup_printf ("{\"decisions\": [%s]}", one);
  g_autoptr(JsonNode) answer = NULL;

  g_free (one);
  answer = http (f, "POST", "/api/v1/decisions", token, body, SOUP_STATUS_OK);
  g_assert_cmpuint (cs_test_json_len (answer, "results"), ==, 1);
  return json_node_copy (cs_test_json_at (answer, "results.0"));
}

static JsonNode *
claim (Fixture    *f,
       const char *token,
       const char *queue)
{
  g_autofree char *body = g_strdup_printf ("{\"queue\": \"%s\", \"count\": 50}", queue);

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

/* The export's lines for @case_id, parsed. */
static GPtrArray *
export_lines (Fixture    *f,
              const char *case_id)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  guint status = 0;
  gsize len = 0;
  const char *data;

  bytes = cs_test_http_bytes (f->server, "GET", "/api/v1/export/outcomes", f->admin, NULL, NULL, NULL, NULL, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
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
      if (g_strcmp0 (cs_test_json_string (json_parser_get_root (parser), "case_id"), case_id) == 0)
        g_ptr_array_add (out, json_node_copy (json_parser_get_root (parser)));
    }
  return out;
}

static JsonNode *
metrics (Fixture    *f,
         const char *queue)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/metrics?queue=%s", queue);

  return http (f, "GET", path, f->admin, NULL, SOUP_STATUS_OK);
}

/* The cases of the reviewer's changes feed, from the start. */
static JsonNode *
changes (Fixture    *f,
         const char *token)
{
  return http (f, "GET", "/api/v1/changes?limit=500", token, NULL, SOUP_STATUS_OK);
}

static JsonNode *
find_case (JsonNode   *feed,
           const char *id)
{
  JsonNode *found = NULL;

  for (guint i = 0; i < cs_test_json_len (feed, "cases"); i++)
    {
      g_autofree char *path = g_strdup_printf ("cases.%u.id", i);

      if (g_strcmp0 (cs_test_json_string (feed, path), id) == 0)
        {
          g_autofree char *item = g_strdup_printf ("cases.%u", i);
          found = cs_test_json_at (feed, item);
        }
    }
  return found;
}

/* Fixtures */

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  const char * const *args = data;

  f->server = cs_test_server_new_argv (args);
  g_assert_nonnull (f->server);

  f->admin = cs_test_server_create_token (f->server, "admin", "admin", NULL, NULL);
  f->model = cs_test_server_create_token (f->server, "m1", "model", NULL, NULL);
  f->r1 = cs_test_server_create_token (f->server, "r1", "reviewer", NULL, NULL);
  f->r2 = cs_test_server_create_token (f->server, "r2", "reviewer", NULL, NULL);
  f->r3 = cs_test_server_create_token (f->server, "r3", "reviewer", NULL, NULL);

  cs_test_json_drop (http (f, "PUT", "/api/v1/queues/blind", f->admin, BLIND_QUEUE, SOUP_STATUS_OK));
  cs_test_json_drop (http (f, "PUT", "/api/v1/queues/two", f->admin, TWO_QUEUE, SOUP_STATUS_OK));
  cs_test_json_drop (http (f, "PUT", "/api/v1/queues/plain", f->admin, PLAIN_QUEUE, SOUP_STATUS_OK));
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
  g_free (f->r3);
}

static const char *no_args[] = { NULL };
static const char *fast_sweep[] = { "--sweep-seconds", "1", NULL };
static const char *fast_retry[] = { "--webhook-retry-base-ms", "100", "--webhook-retry-cap-ms", "400", NULL };

/* Tests */

/* The case codec carries the decision that waits for a second reviewer. */
static void
test_codec_first_decision (void)
{
  const char *json =
    "{\"id\": \"c-1\", \"version\": 4, \"queue\": \"two\", \"status\": \"pending_second\","
    " \"subject\": {\"kind\": \"text\", \"title\": \"A case\", \"text\": \"t\"},"
    " \"model\": {\"name\": \"m1\"}, \"prediction\": {\"label\": \"melanoma\", \"confidence\": 0.5},"
    " \"labels\": [\"melanoma\", \"nevus\"],"
    " \"first_decision\": {\"id\": \"d-1\", \"by\": \"r1\", \"action\": \"override\", \"label\": \"nevus\","
    "                      \"rationale\": \"Uniform pigment network\", \"at\": \"2026-11-24T09:31:07Z\"}}";
  g_autoptr(GError) error = NULL;
  g_autoptr(CsCase) kase = cs_case_new_from_data (json, -1, CS_CASE_PARSE_CASE, &error);
  g_autoptr(CsCase) copy = NULL;
  g_autoptr(CsCase) bad = NULL;
  const CsDecided *first;

  g_assert_no_error (error);
  g_assert_cmpint (cs_case_get_status (kase), ==, CS_CASE_STATUS_PENDING_SECOND);
  copy = cs_case_copy (kase);
  first = cs_case_get_first_decision (copy);
  g_assert_nonnull (first);
  g_assert_cmpstr (first->id, ==, "d-1");
  g_assert_cmpstr (first->by, ==, "r1");
  g_assert_cmpint (first->action, ==, CS_ACTION_OVERRIDE);
  g_assert_cmpstr (first->label, ==, "nevus");
  g_assert_cmpstr (first->rationale, ==, "Uniform pigment network");

  /* Without its id, the second reviewer could not countersign it. */
  bad = cs_case_new_from_data ("{\"id\": \"c-1\", \"version\": 4, \"queue\": \"two\", \"status\": \"pending_second\","
                               " \"subject\": {\"kind\": \"text\", \"title\": \"A case\", \"text\": \"t\"},"
                               " \"model\": {\"name\": \"m1\"}, \"prediction\": {\"label\": \"melanoma\", \"confidence\": 0.5},"
                               " \"labels\": [\"melanoma\"],"
                               " \"first_decision\": {\"by\": \"r1\", \"action\": \"reject\", \"at\": \"2026-11-24T09:31:07Z\"}}",
                               -1, CS_CASE_PARSE_CASE, &error);
  g_assert_null (bad);
  g_assert_error (error, CS_ERROR, CS_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "first_decision"));
}

static void
test_blind_first (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *a = predict (f, "blind", "\"truth\": \"nevus\"");
  g_autofree char *b = predict (f, "blind", "\"truth\": \"melanoma\"");
  g_autofree char *c = predict (f, "blind", NULL);
  g_autoptr(JsonNode) claimed = claim (f, f->r1, "blind");
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(JsonNode) m = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  gint64 va = case_version (f, a), vb = case_version (f, b), vc = case_version (f, c);

  g_assert_cmpuint (cs_test_json_len (claimed, "claimed"), ==, 3);

  /* Without an initial label, or with one that is not the queue's: invalid. */
  result = decide (f, f->r1, decision ("d-a0", a, va, "accept", NULL, NULL, "r1", NULL));
  g_assert_cmpstr (cs_test_json_string (result, "status"), ==, "invalid");
  g_assert_nonnull (strstr (cs_test_json_string (result, "message"), "initial label"));
  g_clear_pointer (&result, json_node_unref);
  result = decide (f, f->r1, decision ("d-a1", a, va, "accept", NULL, NULL, "r1", "\"initial_label\": \"banana\""));
  g_assert_cmpstr (cs_test_json_string (result, "status"), ==, "invalid");
  g_clear_pointer (&result, json_node_unref);

  /* a: nevus before the reveal, the model's melanoma after (truth: nevus). */
  result = decide (f, f->r1, decision ("d-a", a, va, "accept", NULL, NULL, "r1", "\"initial_label\": \"nevus\""));
  g_assert_cmpstr (cs_test_json_string (result, "status"), ==, "accepted");
  g_clear_pointer (&result, json_node_unref);
  /* b: melanoma both times (truth: melanoma). */
  result = decide (f, f->r1, decision ("d-b", b, vb, "accept", NULL, NULL, "r1", "\"initial_label\": \"melanoma\""));
  g_assert_cmpstr (cs_test_json_string (result, "status"), ==, "accepted");
  g_clear_pointer (&result, json_node_unref);
  /* c: other, then overridden to nevus (no truth). */
  result = decide (f, f->r1, decision ("d-c", c, vc, "override", "nevus", RATIONALE, "r1", "\"initial_label\": \"other\""));
  g_assert_cmpstr (cs_test_json_string (result, "status"), ==, "accepted");
  g_clear_pointer (&result, json_node_unref);

  lines = export_lines (f, a);
  g_assert_cmpuint (lines->len, ==, 1);
  g_assert_cmpstr (cs_test_json_string (g_ptr_array_index (lines, 0), "initial_label"), ==, "nevus");
  g_assert_cmpstr (cs_test_json_string (g_ptr_array_index (lines, 0), "final_label"), ==, "melanoma");

  m = metrics (f, "blind");
  g_assert_cmpint (cs_test_json_int (m, "blind_first.decided"), ==, 3);
  g_assert_cmpint (cs_test_json_int (m, "blind_first.changed_after_reveal"), ==, 2);
  g_assert_cmpfloat_with_epsilon (cs_test_json_double (m, "blind_first.change_rate"), 2.0 / 3.0, 1e-9);
  g_assert_cmpint (cs_test_json_int (m, "blind_first.with_truth"), ==, 2);
  g_assert_cmpfloat_with_epsilon (cs_test_json_double (m, "blind_first.initial_accuracy"), 1.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (cs_test_json_double (m, "blind_first.final_accuracy"), 0.5, 1e-9);
  g_clear_pointer (&m, json_node_unref);

  /* A queue that is not blind-first shows nothing of it. */
  m = metrics (f, "plain");
  g_assert_null (cs_test_json_at (m, "blind_first"));
}

static void
test_two_person (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *x = predict (f, "two", NULL);
  g_autofree char *y = predict (f, "two", NULL);
  g_autofree char *z = predict (f, "two", NULL);
  g_autoptr(JsonNode) claimed = claim (f, f->r1, "two");
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(JsonNode) kase = NULL;
  g_autoptr(JsonNode) feed = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  g_autofree char *agree = NULL;
  JsonNode *line, *in_feed;
  gint64 v;

  g_assert_cmpuint (cs_test_json_len (claimed, "claimed"), ==, 3);
  g_clear_pointer (&claimed, json_node_unref);

  /* An override waits for a second reviewer: not final, back in the pool. */
  v = case_version (f, x);
  result = decide (f, f->r1, decision ("d-x1", x, v, "override", "nevus", RATIONALE, "r1", NULL));
  g_assert_cmpstr (cs_test_json_string (result, "status"), ==, "accepted");
  g_clear_pointer (&result, json_node_unref);
  kase = get_case (f, f->admin, x);
  g_assert_cmpstr (cs_test_json_string (kase, "status"), ==, "pending_second");
  g_assert_true (cs_test_json_is_null (kase, "assigned_to"));
  g_assert_true (cs_test_json_is_null (kase, "decided"));
  g_assert_cmpstr (cs_test_json_string (kase, "first_decision.id"), ==, "d-x1");
  g_assert_cmpstr (cs_test_json_string (kase, "first_decision.by"), ==, "r1");
  g_assert_cmpstr (cs_test_json_string (kase, "first_decision.action"), ==, "override");
  g_assert_cmpstr (cs_test_json_string (kase, "first_decision.label"), ==, "nevus");
  g_assert_cmpstr (cs_test_json_string (kase, "first_decision.rationale"), ==, RATIONALE);
  g_assert_cmpstr (cs_test_json_string (kase, "first_decision.at"), ==, "2026-11-24T09:31:07Z");
  lines = export_lines (f, x);
  g_assert_cmpuint (lines->len, ==, 0);
  g_clear_pointer (&lines, g_ptr_array_unref);

  /* The first reviewer's feed shows it leave them, pending_second. */
  feed = changes (f, f->r1);
  in_feed = find_case (feed, x);
  g_assert_nonnull (in_feed);
  g_assert_cmpstr (cs_test_json_string (in_feed, "status"), ==, "pending_second");
  g_assert_cmpstr (cs_test_json_string (in_feed, "first_decision.by"), ==, "r1");
  g_clear_pointer (&feed, json_node_unref);

  /* Never back to the first reviewer, who cannot countersign it either. */
  claimed = claim (f, f->r1, "two");
  g_assert_false (cs_test_json_strv_contains (claimed, "claimed", x));
  g_clear_pointer (&claimed, json_node_unref);
  v = case_version (f, x);
  result = decide (f, f->r1, decision ("d-x-self", x, v, "agree", NULL, NULL, "r1", "\"countersigns\": \"d-x1\""));
  g_assert_cmpstr (cs_test_json_string (result, "status"), ==, "invalid");
  g_assert_nonnull (strstr (cs_test_json_string (result, "message"), "a second reviewer must be someone else"));
  g_clear_pointer (&result, json_node_unref);

  /* Another reviewer claims it, sees the first decision, and agrees. */
  claimed = claim (f, f->r2, "two");
  g_assert_true (cs_test_json_strv_contains (claimed, "claimed", x));
  g_clear_pointer (&claimed, json_node_unref);
  feed = changes (f, f->r2);
  in_feed = find_case (feed, x);
  g_assert_nonnull (in_feed);
  g_assert_cmpstr (cs_test_json_string (in_feed, "assigned_to"), ==, "r2");
  g_assert_cmpstr (cs_test_json_string (in_feed, "first_decision.id"), ==, "d-x1");
  v = cs_test_json_int (in_feed, "version");
  g_clear_pointer (&feed, json_node_unref);
  agree = decision ("d-x2", x, v, "agree", NULL, "Agreed after a second look", "r2", "\"countersigns\": \"d-x1\"");
  result = decide (f, f->r2, g_strdup (agree));
  g_assert_cmpstr (cs_test_json_string (result, "status"), ==, "accepted");
  g_clear_pointer (&result, json_node_unref);
  /* A retry is a duplicate; a second countersignature of a decided case is stale. */
  result = decide (f, f->r2, g_steal_pointer (&agree));
  g_assert_cmpstr (cs_test_json_string (result, "status"), ==, "duplicate");
  g_clear_pointer (&result, json_node_unref);
  result = decide (f, f->r3, decision ("d-x3", x, case_version (f, x), "agree", NULL, NULL, "r3",
                                       "\"countersigns\": \"d-x1\""));
  g_assert_cmpstr (cs_test_json_string (result, "status"), ==, "conflict");
  g_assert_cmpstr (cs_test_json_string (result, "reason"), ==, "stale");
  g_clear_pointer (&result, json_node_unref);

  g_clear_pointer (&kase, json_node_unref);
  kase = get_case (f, f->admin, x);
  g_assert_cmpstr (cs_test_json_string (kase, "status"), ==, "decided");
  g_assert_cmpstr (cs_test_json_string (kase, "decided.by"), ==, "r1");
  g_assert_cmpstr (cs_test_json_string (kase, "decided.action"), ==, "override");
  g_assert_cmpstr (cs_test_json_string (kase, "decided.label"), ==, "nevus");
  g_assert_null (cs_test_json_at (kase, "first_decision"));
  lines = export_lines (f, x);
  g_assert_cmpuint (lines->len, ==, 1);
  line = g_ptr_array_index (lines, 0);
  g_assert_cmpstr (cs_test_json_string (line, "decided_by"), ==, "r1");
  g_assert_cmpstr (cs_test_json_string (line, "action"), ==, "override");
  g_assert_cmpstr (cs_test_json_string (line, "final_label"), ==, "nevus");
  g_assert_cmpstr (cs_test_json_string (line, "rationale"), ==, RATIONALE);
  g_assert_cmpstr (cs_test_json_string (line, "first_decision.by"), ==, "r1");
  g_assert_cmpstr (cs_test_json_string (line, "second_review.by"), ==, "r2");
  g_assert_cmpstr (cs_test_json_string (line, "second_review.action"), ==, "agree");
  g_assert_cmpstr (cs_test_json_string (line, "second_review.rationale"), ==, "Agreed after a second look");
  g_assert_nonnull (cs_test_json_string (line, "second_review.at"));
  g_assert_true (json_node_get_boolean (cs_test_json_at (line, "second_review.agreed")));
  g_clear_pointer (&lines, g_ptr_array_unref);

  /* y: r1 rejects, r2 disagrees with an accept of their own, which is final. */
  v = case_version (f, y);
  result = decide (f, f->r1, decision ("d-y1", y, v, "reject", NULL, RATIONALE, "r1", NULL));
  g_assert_cmpstr (cs_test_json_string (result, "status"), ==, "accepted");
  g_clear_pointer (&result, json_node_unref);
  claimed = claim (f, f->r2, "two");
  g_assert_true (cs_test_json_strv_contains (claimed, "claimed", y));
  g_clear_pointer (&claimed, json_node_unref);
  /* Given back and taken again, like any claim. */
  {
    g_autofree char *release = g_strdup_printf ("/api/v1/claims/%s", y);

    cs_test_json_drop (http (f, "DELETE", release, f->r2, NULL, SOUP_STATUS_OK));
    claimed = claim (f, f->r2, "two");
    g_assert_true (cs_test_json_strv_contains (claimed, "claimed", y));
  }
  result = decide (f, f->r2, decision ("d-y2", y, case_version (f, y), "accept", NULL, NULL, "r2",
                                       "\"countersigns\": \"d-y1\""));
  g_assert_cmpstr (cs_test_json_string (result, "status"), ==, "accepted");
  g_clear_pointer (&result, json_node_unref);
  g_clear_pointer (&kase, json_node_unref);
  kase = get_case (f, f->admin, y);
  g_assert_cmpstr (cs_test_json_string (kase, "status"), ==, "decided");
  g_assert_cmpstr (cs_test_json_string (kase, "decided.by"), ==, "r2");
  g_assert_cmpstr (cs_test_json_string (kase, "decided.label"), ==, "melanoma");
  lines = export_lines (f, y);
  g_assert_cmpuint (lines->len, ==, 1);
  line = g_ptr_array_index (lines, 0);
  g_assert_cmpstr (cs_test_json_string (line, "decided_by"), ==, "r2");
  g_assert_cmpstr (cs_test_json_string (line, "action"), ==, "accept");
  g_assert_cmpstr (cs_test_json_string (line, "final_label"), ==, "melanoma");
  g_assert_cmpstr (cs_test_json_string (line, "first_decision.by"), ==, "r1");
  g_assert_cmpstr (cs_test_json_string (line, "first_decision.action"), ==, "reject");
  g_assert_false (json_node_get_boolean (cs_test_json_at (line, "first_decision.agreed")));
  g_assert_cmpstr (cs_test_json_string (line, "second_review.by"), ==, "r2");
  g_assert_cmpstr (cs_test_json_string (line, "second_review.action"), ==, "accept");
  g_clear_pointer (&lines, g_ptr_array_unref);

  /* z: a countersignature of a case that waits for none is stale; an
   * accept, not under the rule, is final at once. */
  v = case_version (f, z);
  result = decide (f, f->r1, decision ("d-z0", z, v, "agree", NULL, NULL, "r1", "\"countersigns\": \"d-x1\""));
  g_assert_cmpstr (cs_test_json_string (result, "status"), ==, "conflict");
  g_assert_cmpstr (cs_test_json_string (result, "reason"), ==, "stale");
  g_clear_pointer (&result, json_node_unref);
  result = decide (f, f->r1, decision ("d-z1", z, v, "accept", NULL, NULL, "r1", NULL));
  g_assert_cmpstr (cs_test_json_string (result, "status"), ==, "accepted");
  g_clear_pointer (&result, json_node_unref);
  lines = export_lines (f, z);
  g_assert_cmpuint (lines->len, ==, 1);
  g_assert_true (cs_test_json_is_null (g_ptr_array_index (lines, 0), "second_review"));
}

/* "due_at" @seconds from now. */
static char *
due_in (int seconds)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) due = g_date_time_add_seconds (now, seconds);
  g_autofree char *text = g_date_time_format (due, "%Y-%m-%dT%H:%M:%SZ");

  return g_strdup_printf ("\"due_at\": \"%s\"", text);
}

static void
wait_ms (guint ms)
{
  g_usleep (ms * 1000);
}

static void
test_overdue (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *due_soon = due_in (2);
  g_autofree char *due_later = due_in (3600);
  g_autofree char *late = NULL;
  g_autofree char *lazy = NULL;
  g_autoptr(JsonNode) claimed = NULL;
  g_autoptr(JsonNode) kase = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(JsonNode) feed = NULL;
  JsonNode *in_feed;
  gint64 v_claimed, v_moved;

  cs_test_json_drop (http (f, "PUT", "/api/v1/queues/early", f->admin, EARLY_QUEUE, SOUP_STATUS_OK));
  cs_test_json_drop (http (f, "PUT", "/api/v1/queues/senior", f->admin, SENIOR_QUEUE, SOUP_STATUS_OK));
  late = predict (f, "early", due_soon);
  lazy = predict (f, "early", due_later);

  claimed = claim (f, f->r1, "early");
  g_assert_true (cs_test_json_strv_contains (claimed, "claimed", late));
  v_claimed = case_version (f, late);

  /* The sweep (every second here) moves it once it is due. */
  for (guint i = 0; i < 100; i++)
    {
      g_clear_pointer (&kase, json_node_unref);
      kase = get_case (f, f->admin, late);
      if (g_strcmp0 (cs_test_json_string (kase, "queue"), "senior") == 0)
        break;
      wait_ms (100);
    }
  g_assert_cmpstr (cs_test_json_string (kase, "queue"), ==, "senior");
  g_assert_cmpstr (cs_test_json_string (kase, "status"), ==, "open");
  g_assert_true (cs_test_json_is_null (kase, "assigned_to"));
  g_assert_cmpstr (cs_test_json_string (kase, "trigger.kind"), ==, "overdue");
  g_assert_nonnull (strstr (cs_test_json_string (kase, "trigger.detail"), "early"));
  v_moved = cs_test_json_int (kase, "version");
  g_assert_cmpint (v_moved, ==, v_claimed + 1);

  /* The reviewer who held it sees it leave their claim. */
  feed = changes (f, f->r1);
  in_feed = find_case (feed, late);
  g_assert_nonnull (in_feed);
  g_assert_cmpstr (cs_test_json_string (in_feed, "queue"), ==, "senior");
  g_assert_true (cs_test_json_is_null (in_feed, "assigned_to"));
  g_assert_cmpint (cs_test_json_int (in_feed, "version"), ==, v_moved);

  /* Their decision, made offline on the old version, is a visible conflict. */
  result = decide (f, f->r1, decision ("d-late", late, v_claimed, "accept", NULL, NULL, "r1", NULL));
  g_assert_cmpstr (cs_test_json_string (result, "status"), ==, "conflict");
  g_assert_cmpstr (cs_test_json_string (result, "reason"), ==, "withdrawn");
  g_assert_cmpstr (cs_test_json_string (result, "case.queue"), ==, "senior");
  g_clear_pointer (&result, json_node_unref);

  /* More sweeps, a restart (which sweeps at once), more sweeps: senior's own
   * on_overdue points back, yet the case never moves again. */
  wait_ms (2200);
  cs_test_server_stop (f->server);
  cs_test_server_restart (f->server);
  wait_ms (2200);
  g_clear_pointer (&kase, json_node_unref);
  kase = get_case (f, f->admin, late);
  g_assert_cmpstr (cs_test_json_string (kase, "queue"), ==, "senior");
  g_assert_cmpint (cs_test_json_int (kase, "version"), ==, v_moved);
  g_clear_pointer (&kase, json_node_unref);
  kase = get_case (f, f->admin, lazy);
  g_assert_cmpstr (cs_test_json_string (kase, "queue"), ==, "early");
  g_assert_cmpstr (cs_test_json_string (kase, "trigger.kind"), ==, "low_confidence");

  /* The senior reviewer claims and decides it. */
  g_clear_pointer (&claimed, json_node_unref);
  claimed = claim (f, f->r2, "senior");
  g_assert_true (cs_test_json_strv_contains (claimed, "claimed", late));
  result = decide (f, f->r2, decision ("d-senior", late, case_version (f, late), "accept", NULL, NULL, "r2", NULL));
  g_assert_cmpstr (cs_test_json_string (result, "status"), ==, "accepted");
}

/* A long-poll made from a thread of its own, with a connection of its own. */
typedef struct
{
  char   *url;
  char   *token;
  guint   status;
  char   *body;
  gint64  answered;   /* monotonic µs */
  gint    done;
} LongPoll;

static gpointer
long_poll_thread (gpointer data)
{
  LongPoll *poll = data;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 90, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", poll->url);
  g_autofree char *auth = g_strdup_printf ("Bearer %s", poll->token);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  bytes = soup_session_send_and_read (session, msg, NULL, &error);
  poll->answered = g_get_monotonic_time ();
  g_assert_no_error (error);
  poll->status = soup_message_get_status (msg);
  poll->body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_atomic_int_set (&poll->done, 1);
  return NULL;
}

static void
test_outcome_long_poll (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *c = predict (f, "plain", NULL);
  g_autofree char *p = predict (f, "two", NULL);
  g_autofree char *path = g_strdup_printf ("/api/v1/cases/%s/outcome", c);
  g_autofree char *path_wait = g_strdup_printf ("/api/v1/cases/%s/outcome?wait=30", c);
  g_autofree char *pending_wait = g_strdup_printf ("/api/v1/cases/%s/outcome?wait=1", p);
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  LongPoll poll = { 0 };
  GThread *thread;
  gint64 started, latency_us;
  guint status = 0;

  /* Who may ask, and what. */
  cs_test_json_drop (http (f, "GET", path, f->r1, NULL, SOUP_STATUS_FORBIDDEN));
  cs_test_json_drop (http (f, "GET", "/api/v1/cases/c-999999/outcome?wait=1", f->model, NULL, SOUP_STATUS_NOT_FOUND));
  cs_test_json_drop (http (f, "GET", "/api/v1/cases/c-999999/outcome", f->admin, NULL, SOUP_STATUS_NOT_FOUND));
  answer = http (f, "GET", "/api/v1/cases/c-000001/outcome?wait=soon", f->model, NULL, SOUP_STATUS_BAD_REQUEST);
  g_assert_cmpstr (cs_test_json_string (answer, "error.code"), ==, "malformed");
  g_clear_pointer (&answer, json_node_unref);
  /* No wait: not yet, at once. */
  cs_test_json_drop (http (f, "GET", path, f->model, NULL, SOUP_STATUS_NO_CONTENT));

  /* Held until a decision, made on another connection, makes it final. */
  poll.url = g_strdup_printf ("%s%s", cs_test_server_get_url (f->server), path_wait + 1);
  poll.token = f->model;
  thread = g_thread_new ("long-poll", long_poll_thread, &poll);
  cs_test_json_drop (claim (f, f->r1, "plain"));
  wait_ms (500);
  g_assert_cmpint (g_atomic_int_get (&poll.done), ==, 0);   /* still held */
  started = g_get_monotonic_time ();
  result = decide (f, f->r1, decision ("d-lp", c, case_version (f, c), "override", "nevus", NULL, "r1", NULL));
  g_assert_cmpstr (cs_test_json_string (result, "status"), ==, "accepted");
  g_thread_join (thread);
  latency_us = poll.answered - started;
  g_test_message ("outcome long-poll answered %.1f ms after the decision was sent", latency_us / 1000.0);
  g_printerr ("# outcome long-poll answered %.1f ms after the decision was sent\n", latency_us / 1000.0);
  g_assert_cmpuint (poll.status, ==, SOUP_STATUS_OK);
  /* The acceptance bound is 100 ms; the margin is for a loaded machine. */
  g_assert_cmpint (latency_us, <, 500 * 1000);
  json_parser_load_from_data (parser, poll.body, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cs_test_json_string (json_parser_get_root (parser), "case_id"), ==, c);
  g_assert_cmpstr (cs_test_json_string (json_parser_get_root (parser), "final_label"), ==, "nevus");
  g_assert_cmpstr (cs_test_json_string (json_parser_get_root (parser), "decided_by"), ==, "r1");
  g_free (poll.url);
  g_free (poll.body);

  /* Once final, at once, the same as its export line. */
  answer = http (f, "GET", path_wait, f->admin, NULL, SOUP_STATUS_OK);
  g_assert_cmpstr (cs_test_json_string (answer, "final_label"), ==, "nevus");
  g_assert_nonnull (cs_test_json_string (answer, "cursor"));
  g_clear_pointer (&answer, json_node_unref);

  /* A case pending a second review is not final: 204 when the wait runs out. */
  cs_test_json_drop (claim (f, f->r1, "two"));
  g_clear_pointer (&result, json_node_unref);
  result = decide (f, f->r1, decision ("d-p1", p, case_version (f, p), "reject", NULL, RATIONALE, "r1", NULL));
  g_assert_cmpstr (cs_test_json_string (result, "status"), ==, "accepted");
  cs_test_json_drop (cs_test_http (f->server, "GET", pending_wait, f->model, NULL, &status));
  g_assert_cmpuint (status, ==, SOUP_STATUS_NO_CONTENT);
}

/* A webhook receiver on loopback, in a thread of its own (the test's own
 * requests are synchronous). It fails while fail_remaining > 0, or always
 * when it is < 0. */
typedef struct
{
  char *event;
  char *signature;
  char *content_type;
  char *body;
  guint status;
} Received;

typedef struct
{
  GMutex        lock;
  GCond         cond;
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  guint16       port;
  gint          fail_remaining;
  GPtrArray    *received;   /* of Received */
} Receiver;

static void
received_free (Received *r)
{
  g_free (r->event);
  g_free (r->signature);
  g_free (r->content_type);
  g_free (r->body);
  g_free (r);
}

static void
receiver_cb (SoupServer        *soup,
             SoupServerMessage *msg,
             const char        *path,
             GHashTable        *query,
             gpointer           user_data)
{
  Receiver *rx = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  Received *r = g_new0 (Received, 1);

  r->event = g_strdup (soup_message_headers_get_one (headers, "X-Countersign-Event"));
  r->signature = g_strdup (soup_message_headers_get_one (headers, "X-Countersign-Signature"));
  r->content_type = g_strdup (soup_message_headers_get_content_type (headers, NULL));
  r->body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  g_mutex_lock (&rx->lock);
  if (rx->fail_remaining != 0)
    {
      r->status = SOUP_STATUS_INTERNAL_SERVER_ERROR;
      if (rx->fail_remaining > 0)
        rx->fail_remaining--;
    }
  else
    r->status = SOUP_STATUS_OK;
  soup_server_message_set_status (msg, r->status, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "ok", 2);
  g_ptr_array_add (rx->received, r);
  g_mutex_unlock (&rx->lock);
}

static gpointer
receiver_thread (gpointer data)
{
  Receiver *rx = data;
  g_autoptr(SoupServer) soup = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (rx->context);
  soup = soup_server_new (NULL, NULL);
  soup_server_add_handler (soup, "/hook", receiver_cb, rx, NULL);
  soup_server_listen (soup, address, 0, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (soup);
  g_mutex_lock (&rx->lock);
  rx->port = (guint16) g_uri_get_port (uris->data);
  g_cond_signal (&rx->cond);
  g_mutex_unlock (&rx->lock);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_main_loop_run (rx->loop);
  soup_server_disconnect (soup);
  g_main_context_pop_thread_default (rx->context);
  return NULL;
}

static Receiver *
receiver_new (gint fail_first)
{
  Receiver *rx = g_new0 (Receiver, 1);

  g_mutex_init (&rx->lock);
  g_cond_init (&rx->cond);
  rx->context = g_main_context_new ();
  rx->loop = g_main_loop_new (rx->context, FALSE);
  rx->fail_remaining = fail_first;
  rx->received = g_ptr_array_new_with_free_func ((GDestroyNotify) received_free);
  g_mutex_lock (&rx->lock);
  rx->thread = g_thread_new ("receiver", receiver_thread, rx);
  while (rx->port == 0)
    g_cond_wait (&rx->cond, &rx->lock);
  g_mutex_unlock (&rx->lock);
  return rx;
}

static gboolean
quit_cb (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static void
receiver_free (Receiver *rx)
{
  g_main_context_invoke (rx->context, quit_cb, rx->loop);
  g_thread_join (rx->thread);
  g_main_loop_unref (rx->loop);
  g_main_context_unref (rx->context);
  g_ptr_array_unref (rx->received);
  g_mutex_clear (&rx->lock);
  g_cond_clear (&rx->cond);
  g_free (rx);
}

static void
receiver_set_failing (Receiver *rx,
                      gint      fail)
{
  g_mutex_lock (&rx->lock);
  rx->fail_remaining = fail;
  g_mutex_unlock (&rx->lock);
}

/* The requests received for @case_id so far (copies of the pointers,
 * valid while @rx lives), and how many of them were answered 200. */
static GPtrArray *
receiver_for_case (Receiver   *rx,
                   const char *case_id,
                   guint      *delivered)
{
  GPtrArray *out = g_ptr_array_new ();

  *delivered = 0;
  g_mutex_lock (&rx->lock);
  for (guint i = 0; i < rx->received->len; i++)
    {
      Received *r = g_ptr_array_index (rx->received, i);
      g_autoptr(JsonParser) parser = json_parser_new ();

      if (json_parser_load_from_data (parser, r->body, -1, NULL) &&
          g_strcmp0 (cs_test_json_string (json_parser_get_root (parser), "case_id"), case_id) == 0)
        {
          g_ptr_array_add (out, r);
          if (r->status == SOUP_STATUS_OK)
            (*delivered)++;
        }
    }
  g_mutex_unlock (&rx->lock);
  return out;
}

/* Waits (up to 20 s) until @case_id has @attempts requests, or one delivered. */
static GPtrArray *
receiver_wait (Receiver   *rx,
               const char *case_id,
               guint       attempts,
               gboolean    until_delivered)
{
  for (guint i = 0; i < 400; i++)
    {
      guint delivered = 0;
      GPtrArray *got = receiver_for_case (rx, case_id, &delivered);

      if ((until_delivered && delivered > 0) || (!until_delivered && got->len >= attempts))
        return got;
      g_ptr_array_unref (got);
      wait_ms (50);
    }
  g_assert_not_reached ();
}

static void
assert_signed (Received   *r,
               const char *secret)
{
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) secret, strlen (secret));
  g_autofree char *expected = NULL;

  g_hmac_update (hmac, (const guchar *) r->body, strlen (r->body));
  expected = g_strconcat ("sha256=", g_hmac_get_string (hmac), NULL);
  g_assert_cmpstr (r->signature, ==, expected);
  g_assert_cmpstr (r->content_type, ==, "application/json");
}

static void
test_webhook_rules (void)
{
  g_autofree char *why = NULL;
  g_autofree char *signature = csd_webhooks_sign ("key", "The quick brown fox jumps over the lazy dog", 43);

  /* RFC 4231-style known answer (HMAC-SHA256, key "key"). */
  g_assert_cmpstr (signature, ==, "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");

  g_assert_true (csd_webhooks_url_allowed ("https://hooks.example.org/x", FALSE, &why));
  g_assert_true (csd_webhooks_url_allowed ("http://127.0.0.1:9/x", FALSE, &why));
  g_assert_true (csd_webhooks_url_allowed ("http://[::1]:9/x", FALSE, &why));
  g_assert_true (csd_webhooks_url_allowed ("http://localhost/x", FALSE, &why));
  g_assert_false (csd_webhooks_url_allowed ("http://hooks.example.org/x", FALSE, &why));
  g_assert_nonnull (strstr (why, "--webhook-allow-http"));
  g_clear_pointer (&why, g_free);
  g_assert_true (csd_webhooks_url_allowed ("http://hooks.example.org/x", TRUE, &why));
  g_assert_false (csd_webhooks_url_allowed ("ftp://hooks.example.org/x", TRUE, &why));
  g_clear_pointer (&why, g_free);
  g_assert_false (csd_webhooks_url_allowed ("not a url", TRUE, &why));

  /* A proxy in the environment carries deliveries elsewhere, never to this machine. */
  {
    g_autoptr(GProxyResolver) resolver = NULL;
    g_auto(GStrv) far = NULL;
    g_auto(GStrv) near = NULL;
    g_auto(GStrv) excepted = NULL;

    g_setenv ("http_proxy", "http://proxy.example.org:3128", TRUE);
    g_setenv ("no_proxy", "hooks.internal.example.org", TRUE);
    resolver = csd_webhooks_proxy_resolver_new ();
    g_unsetenv ("http_proxy");
    g_unsetenv ("no_proxy");
    far = g_proxy_resolver_lookup (resolver, "http://hooks.example.org/x", NULL, NULL);
    near = g_proxy_resolver_lookup (resolver, "http://127.0.0.1:8080/hook", NULL, NULL);
    excepted = g_proxy_resolver_lookup (resolver, "http://hooks.internal.example.org/x", NULL, NULL);
    g_assert_cmpstr (far[0], ==, "http://proxy.example.org:3128");
    g_assert_cmpstr (near[0], ==, "direct://");
    g_assert_cmpstr (excepted[0], ==, "direct://");
  }

  /* Doubling from the base up to the cap; jitter takes at most half off. */
  g_assert_cmpint (csd_webhooks_backoff_ms (100, 1000, 1, 0.0), ==, 100);
  g_assert_cmpint (csd_webhooks_backoff_ms (100, 1000, 3, 0.0), ==, 400);
  g_assert_cmpint (csd_webhooks_backoff_ms (100, 1000, 30, 0.0), ==, 1000);
  g_assert_cmpint (csd_webhooks_backoff_ms (100, 1000, 3, 0.999), >=, 200);
  g_assert_cmpint (csd_webhooks_backoff_ms (100, 1000, 3, 0.999), <=, 400);
}

static void
test_webhooks (Fixture       *f,
               gconstpointer  data)
{
  Receiver *rx = receiver_new (3);
  g_autofree char *queue = g_strdup_printf (
    "{\"title\": \"Hooked\", \"labels\": [\"melanoma\", \"nevus\", \"other\"],"
    " \"routing\": {\"confidence_threshold\": 0.80}, \"reviewers\": [\"r1\"],"
    " \"webhook\": {\"url\": \"http://127.0.0.1:%u/hook\", \"secret\": \"s3cret\"}}", rx->port);
  g_autofree char *c1 = NULL;
  g_autofree char *c2 = NULL;
  g_autofree char *event2 = NULL;
  g_autoptr(GPtrArray) got = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  guint delivered = 0;

  cs_test_json_drop (http (f, "PUT", "/api/v1/queues/hooked", f->admin, queue, SOUP_STATUS_OK));
  c1 = predict (f, "hooked", NULL);
  c2 = predict (f, "hooked", NULL);
  cs_test_json_drop (claim (f, f->r1, "hooked"));

  /* Three failures, then 200: four attempts of one event, each signed. */
  result = decide (f, f->r1, decision ("d-h1", c1, case_version (f, c1), "accept", NULL, NULL, "r1", NULL));
  g_assert_cmpstr (cs_test_json_string (result, "status"), ==, "accepted");
  g_clear_pointer (&result, json_node_unref);
  got = receiver_wait (rx, c1, 0, TRUE);
  g_assert_cmpuint (got->len, ==, 4);
  for (guint i = 0; i < got->len; i++)
    {
      Received *r = g_ptr_array_index (got, i);

      g_assert_nonnull (r->event);
      g_assert_cmpstr (r->event, ==, ((Received *) g_ptr_array_index (got, 0))->event);
      assert_signed (r, "s3cret");
      g_assert_cmpuint (r->status, ==, i < 3 ? SOUP_STATUS_INTERNAL_SERVER_ERROR : SOUP_STATUS_OK);
    }
  json_parser_load_from_data (parser, ((Received *) g_ptr_array_index (got, 3))->body, -1, NULL);
  g_assert_cmpstr (cs_test_json_string (json_parser_get_root (parser), "final_label"), ==, "melanoma");
  g_assert_cmpstr (cs_test_json_string (json_parser_get_root (parser), "decided_by"), ==, "r1");
  g_clear_pointer (&got, g_ptr_array_unref);

  /* A delivery still failing when the server stops is delivered after the restart. */
  receiver_set_failing (rx, -1);
  result = decide (f, f->r1, decision ("d-h2", c2, case_version (f, c2), "override", "nevus", NULL, "r1", NULL));
  g_assert_cmpstr (cs_test_json_string (result, "status"), ==, "accepted");
  got = receiver_wait (rx, c2, 2, FALSE);
  event2 = g_strdup (((Received *) g_ptr_array_index (got, 0))->event);
  g_clear_pointer (&got, g_ptr_array_unref);
  cs_test_server_stop (f->server);
  receiver_set_failing (rx, 0);
  cs_test_server_restart (f->server);
  got = receiver_wait (rx, c2, 0, TRUE);
  for (guint i = 0; i < got->len; i++)
    {
      g_assert_cmpstr (((Received *) g_ptr_array_index (got, i))->event, ==, event2);
      assert_signed (g_ptr_array_index (got, i), "s3cret");
    }
  g_clear_pointer (&got, g_ptr_array_unref);

  /* What was delivered before the restart is not sent again. */
  wait_ms (300);
  got = receiver_for_case (rx, c1, &delivered);
  g_assert_cmpuint (got->len, ==, 4);
  g_assert_cmpuint (delivered, ==, 1);
  g_clear_pointer (&got, g_ptr_array_unref);

  receiver_free (rx);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, args, fn) \
  g_test_add ("/oversight/" name, Fixture, args, fixture_set_up, fn, fixture_tear_down)

  g_test_add_func ("/oversight/codec-first-decision", test_codec_first_decision);
  ADD ("blind-first", no_args, test_blind_first);
  ADD ("two-person", no_args, test_two_person);
  ADD ("overdue", fast_sweep, test_overdue);
  ADD ("outcome-long-poll", no_args, test_outcome_long_poll);
  g_test_add_func ("/oversight/webhook-rules", test_webhook_rules);
  ADD ("webhooks", fast_retry, test_webhooks);

  return g_test_run ();
}
