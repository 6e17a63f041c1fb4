/* test-numbers.c: the oversight figures of countersign-server, worked out by
 * hand: metrics by cohort, the autonomy report, and the CSV export.
 *
 * The same 40 cases are checked twice: as rows given straight to the pure
 * functions (csd-cohorts.h, csd-autonomy.h), and fed through the real server
 * over HTTP, decided by a reviewer, and read back from the endpoints and the
 * command line.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "cs-test-json.h"
#include "cs-test-server.h"
#include "csd-autonomy.h"
#include "csd-cohorts.h"
#include "csd-storage.h"

#define EPS 1e-9
#define RATIONALE "Checked against the record"
/* A rationale the CSV has to quote: a comma, quotes and a line break. */
#define TRICKY_RATIONALE_JSON "Looks like b, \\\"clearly\\\"\\nsecond line"
#define TRICKY_RATIONALE "Looks like b, \"clearly\"\nsecond line"

/* The fixture. Queue "aq", labels a and b, confidence threshold 0.80, no
 * audit draw, fairness_threshold 0.10, target_error 0.2. The model always
 * says "a"; a wrong case has truth "b". A reviewer decides the escalated
 * ones: accept keeps "a", override says "b".
 *
 *   A  20 × 0.95  right                       automated   site North ×10, South ×10
 *   B   6 × 0.85  B1-B4 right, B5 B6 wrong    automated   B1 B2 North, B3-B6 South
 *   C   8 × 0.70  C1-C5 right, accepted       escalated   C1-C3 North, C4 C5 South
 *                 C6 C7 wrong, overridden b               South
 *                 C8 wrong, accepted (a person's mistake) no site
 *   D   4 × 0.55  D1 right, left open         escalated   East
 *                 D2 D3 wrong, overridden b
 *                 D4 wrong, rejected (no final label)
 *   E   2 × 0.60  no truth, left open         escalated   no site
 *
 * 40 cases, 38 with truth; the model is right on A20 + B4 + C5 + D1 = 30 of
 * the 38, an error of 8/38 = 0.2105. */
typedef struct
{
  const char *name;
  double      confidence;
  const char *confidence_text;
  const char *truth;       /* NULL: unknown */
  const char *site;        /* NULL: no such context field */
  const char *human;       /* "accept", "override", "reject", or NULL (automated, or left open) */
} Row;

#define A(site) { "A", 0.95, "0.95", "a", site, NULL }
static const Row rows[] = {
  A ("North"), A ("North"), A ("North"), A ("North"), A ("North"),
  A ("North"), A ("North"), A ("North"), A ("North"), A ("North"),
  A ("South"), A ("South"), A ("South"), A ("South"), A ("South"),
  A ("South"), A ("South"), A ("South"), A ("South"), A ("South"),
  { "B1", 0.85, "0.85", "a", "North", NULL },
  { "B2", 0.85, "0.85", "a", "North", NULL },
  { "B3", 0.85, "0.85", "a", "South", NULL },
  { "B4", 0.85, "0.85", "a", "South", NULL },
  { "B5", 0.85, "0.85", "b", "South", NULL },
  { "B6", 0.85, "0.85", "b", "South", NULL },
  { "C1", 0.70, "0.70", "a", "North", "accept" },
  { "C2", 0.70, "0.70", "a", "North", "accept" },
  { "C3", 0.70, "0.70", "a", "North", "accept" },
  { "C4", 0.70, "0.70", "a", "South", "accept" },
  { "C5", 0.70, "0.70", "a", "South", "accept" },
  { "C6", 0.70, "0.70", "b", "South", "override" },
  { "C7", 0.70, "0.70", "b", "South", "override" },
  { "C8", 0.70, "0.70", "b", NULL, "accept" },
  { "D1", 0.55, "0.55", "a", "East", NULL },
  { "D2", 0.55, "0.55", "b", "East", "override" },
  { "D3", 0.55, "0.55", "b", "East", "override" },
  { "D4", 0.55, "0.55", "b", "East", "reject" },
  { "E1", 0.60, "0.60", NULL, NULL, NULL },
  { "E2", 0.60, "0.60", NULL, NULL, NULL },
};
#undef A

#define AQ_QUEUE \
  "{\"title\": \"Autonomy\", \"labels\": [\"a\", \"b\"]," \
  " \"policy\": {\"rationale_required\": [\"override\", \"reject\", \"escalate\"], \"min_rationale_chars\": 5," \
  "            \"target_error\": 0.2}," \
  " \"routing\": {\"confidence_threshold\": 0.80, \"fairness_threshold\": 0.10, \"audit_sample_rate\": 0}," \
  " \"reviewers\": [\"r1\"]}"

/* The rows as the storage would give them. */
static GPtrArray *
fixture_figures (guint n_rows)
{
  GPtrArray *figures = g_ptr_array_new_with_free_func ((GDestroyNotify) csd_case_figures_free);

  for (guint i = 0; i < n_rows; i++)
    {
      const Row *row = &rows[i];
      CsdCaseFigures *f = g_new0 (CsdCaseFigures, 1);

      f->cohort = g_strdup (row->site);
      f->escalated = row->confidence < 0.80;
      f->decided = row->human != NULL;
      f->overridden = g_strcmp0 (row->human, "override") == 0;
      f->model_label = g_strdup ("a");
      f->model_confidence = row->confidence;
      if (!f->escalated || g_strcmp0 (row->human, "accept") == 0)
        f->final_label = g_strdup ("a");
      else if (f->overridden)
        f->final_label = g_strdup ("b");
      f->truth = g_strdup (row->truth);
      g_ptr_array_add (figures, f);
    }
  return figures;
}

/* The expected figures, worked out by hand */

/* The 95 % Wilson interval, z = 1.959963984540054, z² = 3.841458821:
 *   centre = (p + z²/2n) / (1 + z²/n),
 *   half = z √(p(1-p)/n + z²/4n²) / (1 + z²/n).
 * For 29/30: p = 0.966667, 1 + z²/n = 1.128049, centre =
 * (0.966667 + 0.064024) / 1.128049 = 0.913693, half = 1.959964 ×
 * √(0.0010741 + 0.0010671) / 1.128049 = 0.080397: [0.833296, 0.994091].
 * The other intervals below come from the same formula, to 17 digits. */
typedef struct
{
  double threshold;
  gint64 below, n, final_correct, left_out;
  double lo, hi;          /* of final_correct / n */
} Expected;

/* model_accuracy is 30/38 at every threshold. Below t a person answers:
 *
 *   t 0.50-0.55: nobody is below (0.55 < 0.55 is false): the model answers
 *     all 38, 30 right.
 *   t 0.56-0.70: D is below (4/38). D2 D3 have a person's "b" (right); D1 is
 *     open and D4 rejected: left out (2). n = 34 + 2 = 36; right: A20 B4 C5
 *     D2 = 31.
 *   t 0.71-0.85: C and D are below (12/38). C: a person's label, right on 7
 *     of 8 (C8 wrong). n = A20 + B6 + C8 + D2 = 36; right 20 + 4 + 7 + 2 = 33.
 *   t 0.86-0.95: B is below too (18/38), but B was automated at 0.80: no
 *     person's answer, left out (6 + 2 = 8). n = A20 + C8 + D2 = 30; right
 *     20 + 7 + 2 = 29.
 *   t 0.96-0.99: all 38 are below; A is left out too (28). n = C8 + D2 = 10,
 *     right 9.
 *
 * Recommended at target_error 0.2: the final error's upper bound is 1 - lo:
 * 0.3635 (t ≤ 0.55), 0.2866 (to 0.70), 0.2183 (to 0.85): all over 0.2;
 * 0.1667 from 0.86, over n = 30 ≥ 30 cases: 0.86. From 0.96 n = 10 < 30. */
static const Expected expected_points[] = {
  { 0.50, 0, 38, 30, 0, 0.636542205246726, 0.8892520815700411 },
  { 0.55, 0, 38, 30, 0, 0.636542205246726, 0.8892520815700411 },
  { 0.56, 4, 36, 31, 2, 0.71340469610643797, 0.93918184990867171 },
  { 0.70, 4, 36, 31, 2, 0.71340469610643797, 0.93918184990867171 },
  { 0.71, 12, 36, 33, 2, 0.78173308750727366, 0.97125138866400662 },
  { 0.85, 12, 36, 33, 2, 0.78173308750727366, 0.97125138866400662 },
  { 0.86, 18, 30, 29, 8, 0.83329609008590821, 0.99409140961838738 },
  { 0.95, 18, 30, 29, 8, 0.83329609008590821, 0.99409140961838738 },
  { 0.96, 38, 10, 9, 28, 0.59584997320476152, 0.98212378690492708 },
  { 0.99, 38, 10, 9, 28, 0.59584997320476152, 0.98212378690492708 },
};

static guint
point_index (double threshold)
{
  return (guint) lround (threshold * 100) - CSD_AUTONOMY_FIRST_PERCENT;
}

static void
check_autonomy_json (JsonNode *report)
{
  g_assert_cmpuint (json_array_get_length (json_node_get_array (cs_test_json_at (report, "points"))), ==, 50);
  g_assert_cmpfloat_with_epsilon (cs_test_json_double (report, "target_error"), 0.2, EPS);
  g_assert_cmpstr (cs_test_json_string (report, "target_error_from"), ==, "policy");
  g_assert_cmpint (cs_test_json_int (report, "with_truth"), ==, 38);

  /* Every threshold in order, each one hundredth apart. */
  for (guint i = 0; i < 50; i++)
    {
      g_autofree char *path = g_strdup_printf ("points.%u.threshold", i);

      g_assert_cmpfloat_with_epsilon (cs_test_json_double (report, path), (50 + i) / 100.0, EPS);
    }

  for (guint i = 0; i < G_N_ELEMENTS (expected_points); i++)
    {
      const Expected *e = &expected_points[i];
      guint k = point_index (e->threshold);
      g_autofree char *p = g_strdup_printf ("points.%u.", k);
      g_autofree char *threshold = g_strconcat (p, "threshold", NULL);
      g_autofree char *intervention = g_strconcat (p, "intervention_rate", NULL);
      g_autofree char *model = g_strconcat (p, "model_accuracy", NULL);
      g_autofree char *final = g_strconcat (p, "final_accuracy", NULL);
      g_autofree char *n = g_strconcat (p, "n", NULL);
      g_autofree char *lo = g_strconcat (p, "ci95.0", NULL);
      g_autofree char *hi = g_strconcat (p, "ci95.1", NULL);
      g_autofree char *left_out = g_strconcat (p, "left_out", NULL);
      g_autofree char *with_truth = g_strconcat (p, "with_truth", NULL);

      g_assert_cmpfloat_with_epsilon (cs_test_json_double (report, threshold), e->threshold, EPS);
      g_assert_cmpfloat_with_epsilon (cs_test_json_double (report, intervention), e->below / 38.0, EPS);
      g_assert_cmpfloat_with_epsilon (cs_test_json_double (report, model), 30.0 / 38.0, EPS);
      g_assert_cmpfloat_with_epsilon (cs_test_json_double (report, final), (double) e->final_correct / e->n, EPS);
      g_assert_cmpint (cs_test_json_int (report, n), ==, e->n);
      g_assert_cmpfloat_with_epsilon (cs_test_json_double (report, lo), e->lo, EPS);
      g_assert_cmpfloat_with_epsilon (cs_test_json_double (report, hi), e->hi, EPS);
      g_assert_cmpint (cs_test_json_int (report, left_out), ==, e->left_out);
      g_assert_cmpint (cs_test_json_int (report, with_truth), ==, 38);
    }

  /* The interval of the intervention rate at 0.50: 0 of 38 gives [0, z²/(n + z²)]
   * = [0, 3.841459 / 41.841459] = [0, 0.0918099]. */
  g_assert_cmpfloat_with_epsilon (cs_test_json_double (report, "points.0.intervention_ci95.0"), 0.0, EPS);
  g_assert_cmpfloat_with_epsilon (cs_test_json_double (report, "points.0.intervention_ci95.1"), 0.091809868225583957, EPS);

  g_assert_cmpfloat_with_epsilon (cs_test_json_double (report, "recommended_threshold"), 0.86, EPS);
  g_assert_nonnull (strstr (cs_test_json_string (report, "reason"), "At 0.86"));
  g_assert_nonnull (strstr (cs_test_json_string (report, "note"), "left out"));
}

/* Cohorts by site (fairness_threshold 0.10; the queue's model error 8/38 =
 * 0.2105, so a cohort is flagged above 0.3105):
 *
 *   East  D1-D4: n 4, escalated 4, decided 3 (D2 D3 D4), overrides 2 → 2/3;
 *         model right 1/4 (error 0.75: flagged); final labels with truth
 *         D2 D3, both right → 1.
 *   North A×10 B1 B2 C1-C3: n 15, escalated 3, decided 3, overrides 0; model
 *         15/15, final 15/15.
 *   South A×10 B3-B6 C4-C7: n 18, escalated 4, decided 4, overrides 2 → 0.5;
 *         model right A10 B3 B4 C4 C5 = 14/18 (error 0.2222, 0.0117 over the
 *         queue: not flagged); final: all but B5 B6 (automated, wrong) = 16/18.
 *   null  C8 E1 E2: n 3, escalated 3, decided 1 (C8), overrides 0; truth for
 *         C8 only: model 0/1, final 0/1 (error 1: flagged). */
typedef struct
{
  const char *value;
  gint64 n, escalated, decided, with_truth;
  double intervention, override_rate, model, final;
  gboolean flagged;
} ExpectedCohort;

static const ExpectedCohort expected_cohorts[] = {
  { "East", 4, 4, 3, 4, 1.0, 2.0 / 3.0, 0.25, 1.0, TRUE },
  { "North", 15, 3, 3, 15, 3.0 / 15.0, 0.0, 1.0, 1.0, FALSE },
  { "South", 18, 4, 4, 18, 4.0 / 18.0, 0.5, 14.0 / 18.0, 16.0 / 18.0, FALSE },
  { NULL, 3, 3, 1, 1, 1.0, 0.0, 0.0, 0.0, TRUE },
};

static void
check_cohorts_json (JsonNode *m)
{
  g_assert_cmpstr (cs_test_json_string (m, "by"), ==, "site");
  g_assert_nonnull (strstr (cs_test_json_string (m, "flag_rule"), "0.1"));
  g_assert_nonnull (strstr (cs_test_json_string (m, "flag_rule"), "fairness_threshold"));
  g_assert_cmpuint (json_array_get_length (json_node_get_array (cs_test_json_at (m, "cohorts"))), ==, 4);

  for (guint i = 0; i < G_N_ELEMENTS (expected_cohorts); i++)
    {
      const ExpectedCohort *e = &expected_cohorts[i];
      g_autofree char *p = g_strdup_printf ("cohorts.%u.", i);
      g_autofree char *value = g_strconcat (p, "value", NULL);
      g_autofree char *n = g_strconcat (p, "n", NULL);
      g_autofree char *escalated = g_strconcat (p, "escalated", NULL);
      g_autofree char *intervention = g_strconcat (p, "intervention_rate", NULL);
      g_autofree char *decided = g_strconcat (p, "decided", NULL);
      g_autofree char *override_rate = g_strconcat (p, "override_rate", NULL);
      g_autofree char *model = g_strconcat (p, "model_accuracy", NULL);
      g_autofree char *final = g_strconcat (p, "final_accuracy", NULL);
      g_autofree char *with_truth = g_strconcat (p, "with_truth", NULL);
      g_autofree char *flagged = g_strconcat (p, "flagged", NULL);

      if (e->value != NULL)
        g_assert_cmpstr (cs_test_json_string (m, value), ==, e->value);
      else
        g_assert_true (cs_test_json_is_null (m, value));
      g_assert_cmpint (cs_test_json_int (m, n), ==, e->n);
      g_assert_cmpint (cs_test_json_int (m, escalated), ==, e->escalated);
      g_assert_cmpfloat_with_epsilon (cs_test_json_double (m, intervention), e->intervention, EPS);
      g_assert_cmpint (cs_test_json_int (m, decided), ==, e->decided);
      g_assert_cmpfloat_with_epsilon (cs_test_json_double (m, override_rate), e->override_rate, EPS);
      g_assert_cmpfloat_with_epsilon (cs_test_json_double (m, model), e->model, EPS);
      g_assert_cmpfloat_with_epsilon (cs_test_json_double (m, final), e->final, EPS);
      g_assert_cmpint (cs_test_json_int (m, with_truth), ==, e->with_truth);
      g_assert_cmpint (cs_test_json_bool (m, flagged), ==, e->flagged);
    }
}

/* The pure functions */

static void
test_wilson (void)
{
  double lo, hi;

  csd_wilson_interval (29, 30, &lo, &hi);
  g_assert_cmpfloat_with_epsilon (lo, 0.83329609008590821, EPS);
  g_assert_cmpfloat_with_epsilon (hi, 0.99409140961838738, EPS);
  /* All right: [n/(n + z²), 1] = [38/41.841459, 1]. */
  csd_wilson_interval (38, 38, &lo, &hi);
  g_assert_cmpfloat_with_epsilon (lo, 38 / (38 + 1.959963984540054 * 1.959963984540054), EPS);
  g_assert_cmpfloat (hi, ==, 1.0);
  csd_wilson_interval (0, 38, &lo, &hi);
  g_assert_cmpfloat (lo, ==, 0.0);
  g_assert_cmpfloat_with_epsilon (hi, 0.091809868225583957, EPS);
}

static void
test_autonomy_figures (void)
{
  g_autoptr(GPtrArray) figures = fixture_figures (G_N_ELEMENTS (rows));
  g_autoptr(GPtrArray) few = fixture_figures (29);
  g_autoptr(GPtrArray) none = g_ptr_array_new ();
  g_autoptr(CsdAutonomy) report = csd_autonomy_compute (figures, 0.2);
  g_autoptr(CsdAutonomy) strict = csd_autonomy_compute (figures, -1);
  g_autoptr(CsdAutonomy) small = csd_autonomy_compute (few, 0.5);
  g_autoptr(CsdAutonomy) empty = csd_autonomy_compute (none, 0.5);
  g_autoptr(JsonNode) node = csd_autonomy_to_json (report, "aq");
  g_autoptr(JsonNode) strict_node = csd_autonomy_to_json (strict, "aq");
  g_autoptr(JsonNode) empty_node = csd_autonomy_to_json (empty, "aq");

  check_autonomy_json (node);
  g_assert_cmpint (report->recommended, ==, (int) point_index (0.86));

  /* No target in the policy: 0.05, which no threshold meets; the best upper
   * bound of the error is 0.1667 at 0.86. */
  g_assert_false (strict->target_given);
  g_assert_cmpfloat (strict->target_error, ==, CSD_AUTONOMY_DEFAULT_TARGET);
  g_assert_cmpint (strict->recommended, ==, -1);
  g_assert_true (cs_test_json_is_null (strict_node, "recommended_threshold"));
  g_assert_cmpstr (cs_test_json_string (strict_node, "target_error_from"), ==, "default");
  g_assert_nonnull (strstr (strict->reason, "No threshold"));
  g_assert_nonnull (strstr (strict->reason, "0.86"));
  g_assert_nonnull (strstr (strict->reason, "0.167"));

  /* The first 29 rows (A, B, C1-C3, all with truth): at most 29 answers at
   * any threshold, fewer than 30, however generous the target. */
  g_assert_cmpint (small->points[0].n, ==, 26 + 3);
  g_assert_cmpint (small->recommended, ==, -1);
  g_assert_nonnull (strstr (small->reason, "Too few"));

  /* Nothing at all: null rates, never a division by zero. */
  g_assert_true (cs_test_json_is_null (empty_node, "points.0.intervention_rate"));
  g_assert_true (cs_test_json_is_null (empty_node, "points.0.final_accuracy"));
  g_assert_true (cs_test_json_is_null (empty_node, "points.0.ci95"));
  g_assert_true (cs_test_json_is_null (empty_node, "recommended_threshold"));
  g_assert_nonnull (strstr (cs_test_json_string (empty_node, "reason"), "Too few"));
}

static void
test_cohort_figures (void)
{
  g_autoptr(GPtrArray) figures = fixture_figures (G_N_ELEMENTS (rows));
  g_autoptr(CsQueue) queue = NULL;
  g_autoptr(JsonNode) queue_json = cs_test_json_parse (AQ_QUEUE);
  g_autoptr(JsonObject) obj = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GPtrArray) cohorts = NULL;
  g_autoptr(GError) error = NULL;
  double overall = 0;

  queue = cs_queue_new_from_json (queue_json, "aq", &error);
  g_assert_no_error (error);
  csd_cohorts_add_to_json (obj, queue, "site", figures);
  node = json_node_init_object (json_node_alloc (), obj);
  check_cohorts_json (node);

  /* A wider threshold flags only the worst; overall error 8/38. */
  cohorts = csd_cohorts_compute (figures, 0.6, &overall);
  g_assert_cmpfloat_with_epsilon (overall, 8.0 / 38.0, EPS);
  g_assert_false (((CsdCohort *) g_ptr_array_index (cohorts, 0))->flagged);   /* East: 0.75 - 0.21 < 0.6 */
  g_assert_true (((CsdCohort *) g_ptr_array_index (cohorts, 3))->flagged);    /* null: 1 - 0.21 > 0.6 */
}

/* Over HTTP, against the real server */

typedef struct
{
  CsTestServer *server;
  char         *admin;
  char         *model;
  char         *r1;
  char         *ids[G_N_ELEMENTS (rows)];
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GString) batch = g_string_new ("{\"predictions\": [");
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(JsonNode) claimed = NULL;
  g_autoptr(GString) decisions = g_string_new ("{\"decisions\": [");
  g_autoptr(JsonNode) results = NULL;
  guint n_decisions = 0;

  static const char *no_args[] = { NULL };

  f->server = cs_test_server_new_argv (no_args);
  g_assert_nonnull (f->server);
  f->admin = cs_test_server_create_token (f->server, "admin", "admin", NULL, NULL);
  f->model = cs_test_server_create_token (f->server, "m1", "model", NULL, NULL);
  f->r1 = cs_test_server_create_token (f->server, "r1", "reviewer", NULL, NULL);

  json_node_unref (cs_test_http_expect (f->server, "PUT", "/api/v1/queues/aq", f->admin, AQ_QUEUE, SOUP_STATUS_OK));
  json_node_unref (cs_test_http_expect (f->server, "PUT", "/api/v1/queues/empty", f->admin,
                                        "{\"title\": \"Empty\", \"labels\": [\"a\"]}", SOUP_STATUS_OK));

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      const Row *row = &rows[i];
      g_autofree char *truth = row->truth ? g_strdup_printf (", \"truth\": \"%s\"", row->truth) : g_strdup ("");
      g_autofree char *context = row->site ? g_strdup_printf ("{\"site\": \"%s\", \"row\": \"%s\"}", row->site, row->name)
                                           : g_strdup_printf ("{\"row\": \"%s\"}", row->name);

      g_string_append_printf (batch,
                              "%s{\"queue\": \"aq\", \"created_at\": \"2026-01-01T00:00:00Z\","
                              " \"subject\": {\"kind\": \"text\", \"title\": \"Case %s\", \"text\": \"nothing of note\"},"
                              " \"model\": {\"name\": \"m1\", \"version\": \"1\"},"
                              " \"prediction\": {\"label\": \"a\", \"confidence\": %s},"
                              " \"context\": %s%s}",
                              i ? ", " : "", row->name, row->confidence_text, context, truth);
    }
  g_string_append (batch, "]}");
  answer = cs_test_http_expect (f->server, "POST", "/api/v1/predictions", f->model, batch->str, SOUP_STATUS_OK);

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *id = g_strdup_printf ("results.%u.id", i);
      g_autofree char *routed = g_strdup_printf ("results.%u.routed", i);

      f->ids[i] = g_strdup (cs_test_json_string (answer, id));
      g_assert_nonnull (f->ids[i]);
      g_assert_cmpstr (cs_test_json_string (answer, routed), ==, rows[i].confidence < 0.80 ? "escalated" : "automated");
    }

  claimed = cs_test_http_expect (f->server, "POST", "/api/v1/claims", f->r1,
                                 "{\"queue\": \"aq\", \"count\": 50}", SOUP_STATUS_OK);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (cs_test_json_at (claimed, "claimed"))), ==, 14);

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      const Row *row = &rows[i];
      g_autofree char *path = NULL;
      g_autoptr(JsonNode) kase = NULL;
      const char *rationale = RATIONALE;

      if (row->human == NULL)
        continue;
      path = g_strdup_printf ("/api/v1/cases/%s", f->ids[i]);
      kase = cs_test_http_expect (f->server, "GET", path, f->admin, NULL, SOUP_STATUS_OK);
      if (g_str_equal (row->name, "C6"))
        rationale = TRICKY_RATIONALE_JSON;
      g_string_append_printf (decisions,
                              "%s{\"id\": \"d-%s\", \"case_id\": \"%s\", \"case_version\": %" G_GINT64_FORMAT ","
                              " \"action\": \"%s\", \"label\": %s, \"rationale\": \"%s\", \"reviewer\": \"r1\","
                              " \"decided_at\": \"2026-01-01T00:10:00Z\", \"duration_ms\": 1500}",
                              n_decisions++ ? ", " : "", row->name, f->ids[i], cs_test_json_int (kase, "version"),
                              row->human, g_str_equal (row->human, "override") ? "\"b\"" : "null", rationale);
    }
  g_string_append (decisions, "]}");
  results = cs_test_http_expect (f->server, "POST", "/api/v1/decisions", f->r1, decisions->str, SOUP_STATUS_OK);
  for (guint i = 0; i < n_decisions; i++)
    {
      g_autofree char *status = g_strdup_printf ("results.%u.status", i);

      g_assert_cmpstr (cs_test_json_string (results, status), ==, "accepted");
    }
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_pointer (&f->server, cs_test_server_free);
  g_free (f->admin);
  g_free (f->model);
  g_free (f->r1);
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    g_free (f->ids[i]);
}

static void
expect_error (Fixture    *f,
              const char *path,
              const char *token,
              guint       status,
              const char *code)
{
  g_autoptr(JsonNode) answer = cs_test_http_expect (f->server, "GET", path, token, NULL, status);

  g_assert_cmpstr (cs_test_json_string (answer, "error.code"), ==, code);
  g_assert_nonnull (cs_test_json_string (answer, "error.message"));
}

static void
test_cohorts_over_http (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(JsonNode) m = cs_test_http_expect (f->server, "GET", "/api/v1/metrics?queue=aq&by=site",
                                               f->admin, NULL, SOUP_STATUS_OK);
  g_autoptr(JsonNode) plain = cs_test_http_expect (f->server, "GET", "/api/v1/metrics?queue=aq",
                                                   f->admin, NULL, SOUP_STATUS_OK);
  g_autoptr(JsonNode) by_row = cs_test_http_expect (f->server, "GET", "/api/v1/metrics?queue=aq&by=row",
                                                    f->admin, NULL, SOUP_STATUS_OK);
  g_autoptr(JsonNode) by_nothing = cs_test_http_expect (f->server, "GET", "/api/v1/metrics?queue=aq&by=nowhere",
                                                        f->admin, NULL, SOUP_STATUS_OK);
  g_autoptr(JsonNode) empty = cs_test_http_expect (f->server, "GET", "/api/v1/metrics?queue=empty&by=site",
                                                   f->admin, NULL, SOUP_STATUS_OK);
  g_autoptr(JsonNode) cli = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  /* The queue's own figures are still there, and the same. */
  g_assert_cmpint (cs_test_json_int (m, "predictions"), ==, 40);
  g_assert_cmpint (cs_test_json_int (m, "escalated"), ==, 14);
  g_assert_cmpint (cs_test_json_int (m, "accuracy.with_truth"), ==, 38);
  g_assert_cmpfloat_with_epsilon (cs_test_json_double (m, "accuracy.model"), 30.0 / 38.0, EPS);
  g_assert_null (cs_test_json_at (plain, "cohorts"));
  check_cohorts_json (m);

  /* One cohort per case ("row" differs for all but A's twenty); a field no case
   * has makes one cohort of value null holding every case. */
  g_assert_cmpuint (json_array_get_length (json_node_get_array (cs_test_json_at (by_row, "cohorts"))), ==, 21);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (cs_test_json_at (by_nothing, "cohorts"))), ==, 1);
  g_assert_true (cs_test_json_is_null (by_nothing, "cohorts.0.value"));
  g_assert_cmpint (cs_test_json_int (by_nothing, "cohorts.0.n"), ==, 40);
  g_assert_false (cs_test_json_bool (by_nothing, "cohorts.0.flagged"));

  /* A queue with no cases; no fairness_threshold: the default, said so. */
  g_assert_cmpuint (json_array_get_length (json_node_get_array (cs_test_json_at (empty, "cohorts"))), ==, 0);
  g_assert_nonnull (strstr (cs_test_json_string (empty, "flag_rule"), "not set"));

  /* Refused: by without a queue, an unknown queue, a reviewer's token. */
  expect_error (f, "/api/v1/metrics?by=site", f->admin, SOUP_STATUS_BAD_REQUEST, "malformed");
  expect_error (f, "/api/v1/metrics?queue=nowhere&by=site", f->admin, SOUP_STATUS_NOT_FOUND, "not_found");
  expect_error (f, "/api/v1/metrics?queue=aq&by=site", f->r1, SOUP_STATUS_FORBIDDEN, "forbidden");

  /* The command line prints the same. */
  g_assert_cmpint (cs_test_server_run (f->server, &out, NULL, "metrics", "--queue", "aq", "--by", "site", NULL), ==, 0);
  cli = cs_test_json_parse (out);
  check_cohorts_json (cli);
  g_assert_cmpint (cs_test_server_run (f->server, NULL, &err, "metrics", "--by", "site", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "--by needs --queue"));
}

static void
test_autonomy_over_http (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(JsonNode) report = cs_test_http_expect (f->server, "GET", "/api/v1/queues/aq/autonomy",
                                                    f->admin, NULL, SOUP_STATUS_OK);
  g_autoptr(JsonNode) empty = cs_test_http_expect (f->server, "GET", "/api/v1/queues/empty/autonomy",
                                                   f->admin, NULL, SOUP_STATUS_OK);
  g_autoptr(JsonNode) cli = NULL;
  g_autofree char *out = NULL;
  g_autofree char *table = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpstr (cs_test_json_string (report, "queue"), ==, "aq");
  check_autonomy_json (report);

  /* No truth at all: nothing to recommend, and why. */
  g_assert_cmpint (cs_test_json_int (empty, "with_truth"), ==, 0);
  g_assert_true (cs_test_json_is_null (empty, "recommended_threshold"));
  g_assert_nonnull (strstr (cs_test_json_string (empty, "reason"), "Too few"));
  g_assert_cmpfloat_with_epsilon (cs_test_json_double (empty, "target_error"), CSD_AUTONOMY_DEFAULT_TARGET, EPS);

  expect_error (f, "/api/v1/queues/nowhere/autonomy", f->admin, SOUP_STATUS_NOT_FOUND, "not_found");
  expect_error (f, "/api/v1/queues/aq/autonomy", f->r1, SOUP_STATUS_FORBIDDEN, "forbidden");
  expect_error (f, "/api/v1/queues/aq/autonomy", f->model, SOUP_STATUS_FORBIDDEN, "forbidden");

  /* The command line: the same JSON, and a table. */
  g_assert_cmpint (cs_test_server_run (f->server, &out, NULL, "autonomy", "--queue", "aq", "--json", NULL), ==, 0);
  cli = cs_test_json_parse (out);
  check_autonomy_json (cli);
  g_assert_cmpint (cs_test_server_run (f->server, &table, NULL, "autonomy", "--queue", "aq", NULL), ==, 0);
  g_assert_nonnull (strstr (table, "Recommended threshold: 0.86"));
  g_assert_nonnull (strstr (table, "0.86      0.474        0.789     0.967     30     [0.833, 0.994]    8   <- recommended"));
  g_assert_cmpint (cs_test_server_run (f->server, NULL, &err, "autonomy", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "--queue"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cs_test_server_run (f->server, NULL, &err, "autonomy", "--queue", "nowhere", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "nowhere"));
}

/* A small RFC 4180 reader: records of fields, quotes undone. */
static GPtrArray *
read_csv (const char *text)
{
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GStrvBuilder) record = g_strv_builder_new ();
  g_autoptr(GString) field = g_string_new (NULL);
  const char *p = text;

  while (*p != '\0')
    {
      if (*p == '"' && field->len == 0)
        {
          for (p++; *p != '\0'; p++)
            {
              if (*p == '"' && p[1] == '"')
                g_string_append_c (field, *p++);
              else if (*p == '"')
                break;
              else
                g_string_append_c (field, *p);
            }
          g_assert_cmpint (*p, ==, '"');
          p++;
          g_assert_true (*p == ',' || *p == '\r');
          continue;
        }
      if (*p == ',')
        {
          g_strv_builder_add (record, field->str);
          g_string_truncate (field, 0);
          p++;
          continue;
        }
      if (*p == '\r')
        {
          /* Every record ends in CRLF, never a bare LF. */
          g_assert_cmpint (p[1], ==, '\n');
          g_strv_builder_add (record, field->str);
          g_string_truncate (field, 0);
          g_ptr_array_add (records, g_strv_builder_end (record));
          g_clear_pointer (&record, g_strv_builder_unref);
          record = g_strv_builder_new ();
          p += 2;
          continue;
        }
      g_assert_cmpint (*p, !=, '\n');
      g_assert_cmpint (*p, !=, '"');
      g_string_append_c (field, *p++);
    }
  g_assert_cmpuint (field->len, ==, 0);
  return records;
}

static void
test_export_csv (Fixture       *f,
                 gconstpointer  data)
{
  static const char *header[] = {
    "case_id", "queue", "model_label", "model_confidence", "final_label", "decided_by", "action",
    "rationale", "initial_label", "second_review_by", "second_review_action", "truth",
    "created_at", "decided_at", "duration_ms", NULL,
  };
  g_autofree char *out = NULL;
  g_autofree char *jsonl = NULL;
  g_autofree char *tail = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GPtrArray) tail_records = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_auto(GStrv) lines = NULL;
  char **c6 = NULL;
  char **b6 = NULL;
  char **d4 = NULL;
  guint status = 0;
  gsize len = 0;

  g_assert_cmpint (cs_test_server_run (f->server, &out, NULL, "export", "--format", "csv", NULL), ==, 0);
  records = read_csv (out);
  /* A header, then the 26 automated and the 10 finally decided cases (C1-C8,
   * D2-D4: 11 decisions, all final). */
  g_assert_cmpuint (records->len, ==, 1 + 26 + 11);
  g_assert_cmpstrv ((char **) g_ptr_array_index (records, 0), header);

  for (guint i = 1; i < records->len; i++)
    {
      char **r = g_ptr_array_index (records, i);

      g_assert_cmpuint (g_strv_length (r), ==, G_N_ELEMENTS (header) - 1);
      g_assert_cmpstr (r[1], ==, "aq");
      if (g_str_equal (r[0], f->ids[25]))   /* B6 */
        b6 = r;
      else if (g_str_equal (r[0], f->ids[31]))   /* C6 */
        c6 = r;
      else if (g_str_equal (r[0], f->ids[37]))   /* D4 */
        d4 = r;
    }
  g_assert_nonnull (b6);
  g_assert_nonnull (c6);
  g_assert_nonnull (d4);

  /* An automated case: the model's label is final; no person, no rationale. */
  g_assert_cmpstr (b6[2], ==, "a");
  g_assert_cmpstr (b6[3], ==, "0.85");
  g_assert_cmpstr (b6[4], ==, "a");
  g_assert_cmpstr (b6[5], ==, "model:m1");
  g_assert_cmpstr (b6[6], ==, "automated");
  g_assert_cmpstr (b6[7], ==, "");
  g_assert_cmpstr (b6[11], ==, "b");
  g_assert_cmpstr (b6[12], ==, "2026-01-01T00:00:00Z");
  g_assert_cmpstr (b6[14], ==, "");

  /* An override whose rationale needs quoting comes back whole. */
  g_assert_cmpstr (c6[4], ==, "b");
  g_assert_cmpstr (c6[5], ==, "r1");
  g_assert_cmpstr (c6[6], ==, "override");
  g_assert_cmpstr (c6[7], ==, TRICKY_RATIONALE);
  g_assert_cmpstr (c6[8], ==, "");
  g_assert_cmpstr (c6[11], ==, "b");
  g_assert_cmpstr (c6[13], ==, "2026-01-01T00:10:00Z");
  g_assert_cmpstr (c6[14], ==, "1500");
  g_assert_cmpstr (c6[3], ==, "0.7");

  /* A reject has no final label. */
  g_assert_cmpstr (d4[4], ==, "");
  g_assert_cmpstr (d4[6], ==, "reject");
  g_assert_cmpstr (d4[11], ==, "b");

  /* The same outcomes as JSON Lines, the default, with truth. */
  g_assert_cmpint (cs_test_server_run (f->server, &jsonl, NULL, "export", "--format", "jsonl", NULL), ==, 0);
  lines = g_strsplit (g_strstrip (jsonl), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 26 + 11);
  {
    g_autoptr(JsonNode) first = cs_test_json_parse (lines[0]);

    g_assert_cmpstr (cs_test_json_string (first, "truth"), ==, "a");
  }

  /* --since: only what follows the cursor, under a header again. */
  {
    g_autoptr(JsonNode) line = cs_test_json_parse (lines[30]);

    g_assert_cmpint (cs_test_server_run (f->server, &tail, NULL, "export", "--format", "csv",
                                         "--since", cs_test_json_string (line, "cursor"), NULL), ==, 0);
  }
  tail_records = read_csv (tail);
  g_assert_cmpuint (tail_records->len, ==, 1 + 6);
  g_assert_cmpstrv ((char **) g_ptr_array_index (tail_records, 0), header);

  g_assert_cmpint (cs_test_server_run (f->server, NULL, &err, "export", "--format", "xml", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "jsonl or csv"));

  /* Over HTTP too, with its media type. */
  body = cs_test_http_bytes (f->server, "GET", "/api/v1/export/outcomes?format=csv", f->admin, NULL, NULL, NULL,
                             &headers, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
  g_assert_cmpstr (soup_message_headers_get_content_type (headers, NULL), ==, "text/csv");
  g_assert_cmpmem (g_bytes_get_data (body, &len), len, out, strlen (out));
  expect_error (f, "/api/v1/export/outcomes?format=xml", f->admin, SOUP_STATUS_BAD_REQUEST, "malformed");
}

/* Under blind-first review and the two-person rule, the CSV carries the
 * reviewer's initial label and the second review, read from the outcome's
 * JSON ("initial_label", "second_review": {"by", "action"}). */
static void
test_export_csv_oversight (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *r2 = cs_test_server_create_token (f->server, "r2", "reviewer", NULL, NULL);
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(JsonNode) claimed = NULL;
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(JsonNode) kase = NULL;
  g_autoptr(JsonNode) second = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autofree char *path = NULL;
  g_autofree char *body = NULL;
  g_autofree char *out = NULL;
  char **last;
  const char *id;

  json_node_unref (cs_test_http_expect (f->server, "PUT", "/api/v1/queues/bq", f->admin,
                                        "{\"title\": \"Blind\", \"labels\": [\"a\", \"b\"],"
                                        " \"policy\": {\"rationale_required\": [\"override\"], \"min_rationale_chars\": 5,"
                                        "            \"blind_first\": true, \"second_review\": [\"override\"]},"
                                        " \"routing\": {\"confidence_threshold\": 0.8}, \"reviewers\": [\"r1\", \"r2\"]}",
                                        SOUP_STATUS_OK));
  answer = cs_test_http_expect (f->server, "POST", "/api/v1/predictions", f->model,
                                "{\"queue\": \"bq\", \"subject\": {\"kind\": \"text\", \"title\": \"B\", \"text\": \"x\"},"
                                " \"model\": {\"name\": \"m1\", \"version\": \"1\"},"
                                " \"prediction\": {\"label\": \"a\", \"confidence\": 0.5}, \"truth\": \"b\"}",
                                SOUP_STATUS_OK);
  id = cs_test_json_string (answer, "id");
  path = g_strdup_printf ("/api/v1/cases/%s", id);

  claimed = cs_test_http_expect (f->server, "POST", "/api/v1/claims", f->r1, "{\"queue\": \"bq\", \"count\": 5}",
                                 SOUP_STATUS_OK);
  kase = cs_test_http_expect (f->server, "GET", path, f->admin, NULL, SOUP_STATUS_OK);
  body = g_strdup_printf ("{\"decisions\": [{\"id\": \"bq-1\", \"case_id\": \"%s\", \"case_version\": %" G_GINT64_FORMAT ","
                          " \"action\": \"override\", \"label\": \"b\", \"initial_label\": \"b\","
                          " \"rationale\": \"Plainly b\", \"reviewer\": \"r1\","
                          " \"decided_at\": \"2026-01-01T00:10:00Z\", \"duration_ms\": 900}]}",
                          id, cs_test_json_int (kase, "version"));
  first = cs_test_http_expect (f->server, "POST", "/api/v1/decisions", f->r1, body, SOUP_STATUS_OK);
  g_assert_cmpstr (cs_test_json_string (first, "results.0.status"), ==, "accepted");

  g_clear_pointer (&claimed, json_node_unref);
  g_clear_pointer (&kase, json_node_unref);
  g_clear_pointer (&body, g_free);
  claimed = cs_test_http_expect (f->server, "POST", "/api/v1/claims", r2, "{\"queue\": \"bq\", \"count\": 5}",
                                 SOUP_STATUS_OK);
  kase = cs_test_http_expect (f->server, "GET", path, f->admin, NULL, SOUP_STATUS_OK);
  g_assert_cmpstr (cs_test_json_string (kase, "status"), ==, "pending_second");
  body = g_strdup_printf ("{\"decisions\": [{\"id\": \"bq-2\", \"case_id\": \"%s\", \"case_version\": %" G_GINT64_FORMAT ","
                          " \"countersigns\": \"bq-1\", \"action\": \"agree\", \"label\": null, \"rationale\": \"\","
                          " \"reviewer\": \"r2\", \"decided_at\": \"2026-01-01T00:20:00Z\", \"duration_ms\": 400}]}",
                          id, cs_test_json_int (kase, "version"));
  second = cs_test_http_expect (f->server, "POST", "/api/v1/decisions", r2, body, SOUP_STATUS_OK);
  g_assert_cmpstr (cs_test_json_string (second, "results.0.status"), ==, "accepted");

  g_assert_cmpint (cs_test_server_run (f->server, &out, NULL, "export", "--format", "csv", NULL), ==, 0);
  records = read_csv (out);
  last = g_ptr_array_index (records, records->len - 1);
  g_assert_cmpstr (last[0], ==, id);
  g_assert_cmpstr (last[1], ==, "bq");
  g_assert_cmpstr (last[4], ==, "b");
  g_assert_cmpstr (last[8], ==, "b");
  g_assert_cmpstr (last[9], ==, "r2");
  g_assert_cmpstr (last[10], ==, "agree");
  g_assert_cmpstr (last[11], ==, "b");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/numbers/wilson", test_wilson);
  g_test_add_func ("/numbers/autonomy-figures", test_autonomy_figures);
  g_test_add_func ("/numbers/cohort-figures", test_cohort_figures);

  if (g_getenv ("CS_SERVER_BIN") == NULL)
    {
      g_printerr ("CS_SERVER_BIN is not set: run this through meson test\n");
      return 77;
    }

#define ADD(name, fn) \
  g_test_add ("/numbers/" name, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)

  ADD ("cohorts", test_cohorts_over_http);
  ADD ("autonomy", test_autonomy_over_http);
  ADD ("export-csv", test_export_csv);
  ADD ("export-csv-oversight", test_export_csv_oversight);

#undef ADD

  return g_test_run ();
}
