/* test-oversight-view.c: the oversight window against the real server, under
 * Xvfb. An administrator sees the figures the server computes (compared with
 * its JSON), the autonomy chart draws the report's points and its
 * recommendation; a reviewer sees only "Your day", counted from the decisions
 * in the store; with the server gone the window says so in words.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "cs-application.h"
#include "cs-oversight-window.h"
#include "cs-test-json.h"
#include "cs-test-server.h"
#include "cs-test-ui.h"
#include "cs-window.h"

#define OFFLINE_WORDS "These figures come from the server; it cannot be reached now"

/* Queue "derm": labels a and b, blind first, confidence threshold 0.80. The
 * model always says "a". */
#define DERM_QUEUE \
  "{\"title\": \"Dermatology triage\", \"labels\": [\"a\", \"b\"]," \
  " \"policy\": {\"blind_first\": true, \"target_error\": 0.2}," \
  " \"routing\": {\"confidence_threshold\": 0.80, \"fairness_threshold\": 0.10, \"audit_sample_rate\": 0}," \
  " \"reviewers\": [\"r1\"]}"

#define PLAIN_QUEUE \
  "{\"title\": \"Claims\", \"labels\": [\"a\", \"b\"]," \
  " \"routing\": {\"confidence_threshold\": 0.80, \"audit_sample_rate\": 0}," \
  " \"reviewers\": [\"r-17\"]}"

/* One application for the whole program: it registers on the session bus once,
 * and each test connects it to its own server and store. */
static CsApplication *app;

static gboolean
settled (gpointer data)
{
  return cs_oversight_window_is_settled (data) &&
         g_strcmp0 (cs_oversight_window_get_server_page (data), "loading") != 0;
}

/* The window writes a rate with one decimal. */
static char *
rate_text (double rate)
{
  return g_strdup_printf ("%.1f %%", rate * 100);
}

static void
assert_figure (CsOversightWindow *window,
               const char        *name,
               const char        *expected)
{
  const char *shown = cs_oversight_window_get_figure (window, name);

  if (g_strcmp0 (shown, expected) != 0)
    g_error ("figure %s: shown “%s”, expected “%s”", name, shown ? shown : "(none)", expected);
}

static void
assert_rate (CsOversightWindow *window,
             const char        *name,
             JsonNode          *json,
             const char        *path)
{
  g_autofree char *expected = rate_text (cs_test_json_double_or_nan (json, path));

  assert_figure (window, name, expected);
}

static void
assert_contains (const char *haystack,
                 const char *needle)
{
  if (haystack == NULL || strstr (haystack, needle) == NULL)
    g_error ("“%s” does not contain “%s”", haystack ? haystack : "(none)", needle);
}

/* 60 predictions of "derm": 30 sure and right (automated), 30 unsure at
 * 0.55–0.78 of which every third is wrong; sites North and South, the wrong
 * ones all in South. Reviewer r1 decides the 30 unsure ones over the API,
 * blind first: overriding the wrong ones to "b" and accepting the rest; one
 * first judgement in four disagrees with the final label. */
static void
feed_derm (CsTestServer *server,
           const char   *admin,
           const char   *model,
           const char   *r1)
{
  g_autoptr(GString) batch = g_string_new ("{\"predictions\": [");
  g_autoptr(GString) decisions = g_string_new ("{\"decisions\": [");
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(JsonNode) claimed = NULL;
  g_autoptr(JsonNode) results = NULL;
  guint n_decisions = 0;

  g_autoptr(JsonNode) put = cs_test_http_expect (server, "PUT", "/api/v1/queues/derm", admin, DERM_QUEUE, 200);
  g_autoptr(JsonNode) put_empty = cs_test_http_expect (server, "PUT", "/api/v1/queues/empty", admin,
                                                       "{\"title\": \"Empty\", \"labels\": [\"a\"]}", 200);

  for (guint i = 0; i < 60; i++)
    {
      gboolean unsure = i >= 30;
      gboolean wrong = unsure && i % 3 == 0;
      g_autofree char *confidence = g_strdup_printf ("%.2f", unsure ? 0.55 + (i - 30) * 0.008 : 0.95);
      const char *site = wrong || i % 2 == 0 ? "South" : "North";

      g_string_append_printf (batch,
                              "%s{\"queue\": \"derm\","
                              " \"subject\": {\"kind\": \"text\", \"title\": \"Case %u\", \"text\": \"nothing of note\"},"
                              " \"model\": {\"name\": \"m1\", \"version\": \"1\"},"
                              " \"prediction\": {\"label\": \"a\", \"confidence\": %s},"
                              " \"context\": {\"site\": \"%s\"}, \"truth\": \"%s\"}",
                              i ? ", " : "", i, confidence, site, wrong ? "b" : "a");
    }
  g_string_append (batch, "]}");
  answer = cs_test_http_expect (server, "POST", "/api/v1/predictions", model, batch->str, 200);

  claimed = cs_test_http_expect (server, "POST", "/api/v1/claims", r1, "{\"queue\": \"derm\", \"count\": 100}", 200);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (cs_test_json_at (claimed, "claimed"))), ==, 30);

  for (guint i = 30; i < 60; i++)
    {
      g_autofree char *id_path = g_strdup_printf ("results.%u.id", i);
      const char *id = cs_test_json_string (answer, id_path);
      g_autofree char *path = g_strdup_printf ("/api/v1/cases/%s", id);
      g_autoptr(JsonNode) kase = cs_test_http_expect (server, "GET", path, admin, NULL, 200);
      gboolean wrong = i % 3 == 0;
      const char *initial = (i % 4 == 0) != wrong ? "b" : "a";

      g_string_append_printf (decisions,
                              "%s{\"id\": \"d-%u\", \"case_id\": \"%s\", \"case_version\": %" G_GINT64_FORMAT ","
                              " \"action\": \"%s\", \"label\": %s, \"rationale\": \"Checked the record\","
                              " \"reviewer\": \"r1\", \"initial_label\": \"%s\","
                              " \"decided_at\": \"2026-11-24T09:31:07Z\", \"duration_ms\": %u}",
                              n_decisions++ ? ", " : "", i, id, cs_test_json_int (kase, "version"),
                              wrong ? "override" : "accept", wrong ? "\"b\"" : "null", initial, 20000 + (i - 30) * 1000);
    }
  g_string_append (decisions, "]}");
  results = cs_test_http_expect (server, "POST", "/api/v1/decisions", r1, decisions->str, 200);
  for (guint i = 0; i < n_decisions; i++)
    {
      g_autofree char *status = g_strdup_printf ("results.%u.status", i);

      g_assert_cmpstr (cs_test_json_string (results, status), ==, "accepted");
    }
}

static void
check_autonomy (CsOversightWindow *window,
                JsonNode          *autonomy)
{
  CsAutonomyChart *chart = cs_oversight_window_get_autonomy_chart (window);
  JsonArray *points = json_node_get_array (cs_test_json_at (autonomy, "points"));
  const CsAutonomyPoint *drawn = NULL;
  guint n = cs_autonomy_chart_get_points (chart, &drawn);
  double recommended = cs_test_json_double_or_nan (autonomy, "recommended_threshold");

  g_assert_cmpuint (n, ==, json_array_get_length (points));
  g_assert_cmpuint (n, ==, 50);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *p = g_strdup_printf ("points.%u", i);
      g_autofree char *threshold = g_strdup_printf ("%s.threshold", p);
      g_autofree char *intervention = g_strdup_printf ("%s.intervention_rate", p);
      g_autofree char *model = g_strdup_printf ("%s.model_accuracy", p);
      g_autofree char *final = g_strdup_printf ("%s.final_accuracy", p);
      g_autofree char *low = g_strdup_printf ("%s.ci95.0", p);
      g_autofree char *high = g_strdup_printf ("%s.ci95.1", p);
      g_autofree char *count = g_strdup_printf ("%s.n", p);

      g_assert_cmpfloat (drawn[i].threshold, ==, cs_test_json_double_or_nan (autonomy, threshold));
      g_assert_cmpfloat (drawn[i].intervention_rate, ==, cs_test_json_double_or_nan (autonomy, intervention));
      g_assert_cmpfloat (drawn[i].model_accuracy, ==, cs_test_json_double_or_nan (autonomy, model));
      if (isnan (cs_test_json_double_or_nan (autonomy, final)))
        g_assert_true (isnan (drawn[i].final_accuracy));
      else
        {
          g_assert_cmpfloat (drawn[i].final_accuracy, ==, cs_test_json_double_or_nan (autonomy, final));
          g_assert_cmpfloat (drawn[i].ci95_low, ==, cs_test_json_double_or_nan (autonomy, low));
          g_assert_cmpfloat (drawn[i].ci95_high, ==, cs_test_json_double_or_nan (autonomy, high));
        }
      g_assert_cmpint (drawn[i].n, ==, cs_test_json_int (autonomy, count));
    }

  /* The fixture is good enough for a recommendation: the marker is its threshold. */
  g_assert_false (isnan (recommended));
  g_assert_cmpfloat (cs_autonomy_chart_get_recommended (chart), ==, recommended);
  {
    g_autofree char *threshold = g_strdup_printf ("Recommended threshold: %.2f.", recommended);

    assert_contains (cs_oversight_window_get_figure (window, "recommendation"), threshold);
    assert_contains (cs_oversight_window_get_figure (window, "recommendation"), cs_test_json_string (autonomy, "reason"));
  }
}

static void
test_admin_sees_the_server_figures (void)
{
  g_autoptr(CsTestServer) server = cs_test_server_new_argv ((const char * const[]) { NULL });
  g_autofree char *admin = cs_test_server_create_token (server, "ops", "admin", NULL, NULL);
  g_autofree char *model = cs_test_server_create_token (server, "m1", "model", NULL, NULL);
  g_autofree char *r1 = cs_test_server_create_token (server, "r1", "reviewer", "derm", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cs-oversight-XXXXXX", &error);
  g_autoptr(JsonNode) metrics = NULL;
  g_autoptr(JsonNode) autonomy = NULL;
  g_autoptr(JsonNode) empty = NULL;
  g_autofree char *role = NULL;
  CsOversightWindow *window;
  JsonArray *cohorts;
  guint n_flagged = 0;

  feed_derm (server, admin, model, r1);
  metrics = cs_test_http_expect (server, "GET", "/api/v1/metrics?queue=derm&by=site", admin, NULL, 200);
  autonomy = cs_test_http_expect (server, "GET", "/api/v1/queues/derm/autonomy", admin, NULL, 200);

  g_assert_true (cs_application_connect (app, cs_test_server_get_url (server), admin, dir, &error));
  g_assert_no_error (error);

  window = CS_OVERSIGHT_WINDOW (cs_oversight_window_new (app, NULL));
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (cs_test_wait_for (settled, window, 30));
  g_assert_cmpstr (cs_oversight_window_get_server_page (window), ==, "figures");

  /* The role is remembered for an offline start. */
  role = cs_store_get_meta (cs_application_get_store (app), "role");
  g_assert_cmpstr (role, ==, "admin");

  /* The queue's figures are the server's, as it computes them. */
  assert_rate (window, "intervention", metrics, "intervention_rate");
  {
    g_autofree char *detail = g_strdup_printf ("%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " cases",
                                               cs_test_json_int (metrics, "escalated"), cs_test_json_int (metrics, "predictions"));
    assert_contains (cs_oversight_window_get_figure (window, "intervention.detail"), detail);
  }
  assert_rate (window, "override", metrics, "override_rate");
  {
    g_autofree char *detail = g_strdup_printf ("Of %" G_GINT64_FORMAT " decided by a person: %" G_GINT64_FORMAT
                                               " accepted · %" G_GINT64_FORMAT " overridden",
                                               cs_test_json_int (metrics, "decided"), cs_test_json_int (metrics, "by_action.accept"),
                                               cs_test_json_int (metrics, "by_action.override"));
    assert_contains (cs_oversight_window_get_figure (window, "override.detail"), detail);
  }
  assert_rate (window, "model_accuracy", metrics, "accuracy.model");
  assert_rate (window, "final_accuracy", metrics, "accuracy.final");
  {
    g_autofree char *detail = g_strdup_printf ("Over %" G_GINT64_FORMAT " cases with known truth",
                                               cs_test_json_int (metrics, "accuracy.with_truth"));
    assert_contains (cs_oversight_window_get_figure (window, "accuracy.detail"), detail);
  }
  {
    g_autofree char *count = g_strdup_printf ("%" G_GINT64_FORMAT, cs_test_json_int (metrics, "by_trigger.low_confidence"));

    g_assert_cmpint (cs_test_json_int (metrics, "by_trigger.low_confidence"), ==, 30);
    assert_figure (window, "trigger.low_confidence", count);
    assert_figure (window, "trigger.fairness", "0");
  }
  {
    /* The override rate of the cases each rule sent: the count decided as the server says. */
    g_autofree char *decided = g_strdup_printf ("of the %" G_GINT64_FORMAT " decided",
                                                cs_test_json_int (metrics, "overrides_by_trigger.low_confidence.decided"));

    g_assert_cmpint (cs_test_json_int (metrics, "overrides_by_trigger.low_confidence.decided"), ==, cs_test_json_int (metrics, "decided"));
    assert_contains (cs_oversight_window_get_figure (window, "trigger-override.low_confidence"), "Overridden in ");
    assert_contains (cs_oversight_window_get_figure (window, "trigger-override.low_confidence"), decided);
  }
  {
    /* 30 decisions, from 20 s to 49 s on the case. */
    g_autofree char *median = g_strdup_printf ("%.0f s", round (cs_test_json_double_or_nan (metrics, "median_duration_ms") / 1000));

    assert_figure (window, "median", median);
  }

  /* Blind first: how often people changed their mind, and both accuracies. */
  g_assert_nonnull (cs_test_json_at (metrics, "blind_first"));
  assert_rate (window, "blind.change", metrics, "blind_first.change_rate");
  {
    g_autofree char *initial = rate_text (cs_test_json_double_or_nan (metrics, "blind_first.initial_accuracy"));
    g_autofree char *final = rate_text (cs_test_json_double_or_nan (metrics, "blind_first.final_accuracy"));
    g_autofree char *both = g_strdup_printf ("%s → %s", initial, final);

    assert_figure (window, "blind.accuracy", both);
  }

  /* The cohorts of "site", with the server's flags and rule. */
  /* The server's rule, as a sentence (its first letter in capitals). */
  assert_contains (cs_oversight_window_get_figure (window, "flag_rule"), cs_test_json_string (metrics, "flag_rule") + 1);
  cohorts = json_node_get_array (cs_test_json_at (metrics, "cohorts"));
  g_assert_cmpuint (json_array_get_length (cohorts), ==, 2);
  for (guint i = 0; i < json_array_get_length (cohorts); i++)
    {
      JsonObject *cohort = json_array_get_object_element (cohorts, i);
      const char *value = json_object_get_string_member (cohort, "value");
      gboolean flagged = json_object_get_boolean_member (cohort, "flagged");
      g_autofree char *name = g_strdup_printf ("cohort.%s", value);
      g_autofree char *detail_name = g_strdup_printf ("cohort.%s.detail", value);
      g_autofree char *detail = g_strdup_printf ("%" G_GINT64_FORMAT " cases, ", json_object_get_int_member (cohort, "n"));
      g_autofree char *model_accuracy = rate_text (json_object_get_double_member (cohort, "model_accuracy"));

      assert_figure (window, name, flagged ? "Flagged" : "");
      assert_contains (cs_oversight_window_get_figure (window, detail_name), detail);
      assert_contains (cs_oversight_window_get_figure (window, detail_name), model_accuracy);
      n_flagged += flagged;
    }
  /* Every wrong answer is in South: it is flagged, North is not. */
  g_assert_cmpuint (n_flagged, ==, 1);
  assert_figure (window, "cohort.South", "Flagged");

  /* Another field: the cohorts follow it. */
  cs_oversight_window_set_cohort_field (window, "clinic");
  g_assert_true (cs_test_wait_for (settled, window, 30));
  g_assert_null (cs_oversight_window_get_figure (window, "cohort.South"));
  assert_figure (window, "cohort.", "");   /* every case lacks the field: one cohort, never flagged */
  cs_oversight_window_set_cohort_field (window, "site");
  g_assert_true (cs_test_wait_for (settled, window, 30));
  assert_figure (window, "cohort.South", "Flagged");

  check_autonomy (window, autonomy);

  /* A queue without cases with truth: no recommendation, and the reason in words. */
  empty = cs_test_http_expect (server, "GET", "/api/v1/queues/empty/autonomy", admin, NULL, 200);
  g_assert_true (cs_test_json_at (empty, "recommended_threshold") != NULL && JSON_NODE_HOLDS_NULL (cs_test_json_at (empty, "recommended_threshold")));
  g_assert_true (cs_oversight_window_set_queue (window, "empty"));
  g_assert_true (cs_test_wait_for (settled, window, 30));
  g_assert_cmpstr (cs_oversight_window_get_server_page (window), ==, "figures");
  g_assert_true (isnan (cs_autonomy_chart_get_recommended (cs_oversight_window_get_autonomy_chart (window))));
  assert_contains (cs_oversight_window_get_figure (window, "recommendation"), "No threshold is recommended.");
  assert_contains (cs_oversight_window_get_figure (window, "recommendation"), cs_test_json_string (empty, "reason"));
  assert_figure (window, "model_accuracy", "None yet");
  g_assert_null (cs_oversight_window_get_figure (window, "blind.change"));   /* not a blind-first queue */

  /* The chart is described to a screen reader. */
  g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (cs_oversight_window_get_autonomy_chart (window)),
                                                   GTK_ACCESSIBLE_PROPERTY_DESCRIPTION));

  gtk_window_destroy (GTK_WINDOW (window));
  cs_test_remove_tree (dir);
}

static void
test_offline_says_so (void)
{
  g_autoptr(CsTestServer) server = cs_test_server_new_argv ((const char * const[]) { NULL });
  g_autofree char *admin = cs_test_server_create_token (server, "ops", "admin", NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cs-oversight-XXXXXX", &error);
  g_autoptr(JsonNode) put = NULL;
  CsOversightWindow *window;

  put = cs_test_http_expect (server, "PUT", "/api/v1/queues/claims", admin, PLAIN_QUEUE, 200);
  g_assert_true (cs_application_connect (app, cs_test_server_get_url (server), admin, dir, &error));
  g_assert_no_error (error);

  window = CS_OVERSIGHT_WINDOW (cs_oversight_window_new (app, NULL));
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (cs_test_wait_for (settled, window, 30));
  g_assert_cmpstr (cs_oversight_window_get_server_page (window), ==, "figures");

  cs_test_server_stop (server);
  cs_oversight_window_refresh (window);
  g_assert_true (cs_test_wait_for (settled, window, 30));
  g_assert_cmpstr (cs_oversight_window_get_server_page (window), ==, "message");
  assert_figure (window, "message", OFFLINE_WORDS);
  g_assert_null (cs_oversight_window_get_figure (window, "intervention"));
  /* Your day needs no server. */
  assert_figure (window, "day.decided", "0");
  assert_figure (window, "day.override", "None yet");

  gtk_window_destroy (GTK_WINDOW (window));
  cs_test_remove_tree (dir);
}

static gboolean
has_four_cases (gpointer data)
{
  CsStoreCounts counts = cs_store_get_counts (data);

  return counts.todo == 4;
}

static GtkWindow *
find_oversight_window (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* not ours */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (CS_IS_OVERSIGHT_WINDOW (window))
        return GTK_WINDOW (window);
    }
  return NULL;
}

static void
test_reviewer_sees_their_day (void)
{
  g_autoptr(CsTestServer) server = cs_test_server_new_argv ((const char * const[]) { NULL });
  g_autofree char *admin = cs_test_server_create_token (server, "ops", "admin", NULL, NULL);
  g_autofree char *model = cs_test_server_create_token (server, "m1", "model", NULL, NULL);
  g_autofree char *reviewer = cs_test_server_create_token (server, "r-17", "reviewer", "claims", "Dr. A. Rivera");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cs-oversight-XXXXXX", &error);
  g_autoptr(JsonNode) put = NULL;
  static const struct { CsAction action; const char *label; gint64 ms; } made[] = {
    { CS_ACTION_ACCEPT, NULL, 12000 },
    { CS_ACTION_OVERRIDE, "b", 95000 },
    { CS_ACTION_ESCALATE, NULL, 31000 },
  };
  CsStore *store;
  CsWindow *main_window;
  CsOversightWindow *window;
  guint n_made = 0;

  put = cs_test_http_expect (server, "PUT", "/api/v1/queues/claims", admin, PLAIN_QUEUE, 200);
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *body = g_strdup_printf (
        "{\"queue\": \"claims\", \"subject\": {\"kind\": \"text\", \"title\": \"Claim %u\", \"text\": \"A charge-back\"},"
        " \"model\": {\"name\": \"m1\", \"version\": \"1\"}, \"prediction\": {\"label\": \"a\", \"confidence\": 0.6}}", i);
      g_autoptr(JsonNode) answer = cs_test_http_expect (server, "POST", "/api/v1/predictions", model, body, 200);
    }

  g_assert_true (cs_application_connect (app, cs_test_server_get_url (server), reviewer, dir, &error));
  g_assert_no_error (error);
  store = cs_application_get_store (app);
  g_assert_true (cs_test_wait_for (has_four_cases, store, 30));

  /* Three decisions made here, through the store the window decides with. */
  {
    CsCaseQuery query = { .sort = CS_SORT_PRIORITY, .trigger = -1, .states = CS_STATES_TODO };
    g_autoptr(GPtrArray) rows = cs_store_list_cases (store, &query, 0, 10, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (rows->len, ==, 4);
    for (guint i = 0; i < G_N_ELEMENTS (made); i++)
      {
        CsCaseRow *row = g_ptr_array_index (rows, i);
        g_autoptr(CsCase) kase = cs_store_get_case (store, row->id, &error);
        g_autoptr(CsDecision) decision = cs_decision_new (row->id, cs_case_get_version (kase), made[i].action,
                                                          made[i].label, "Checked the claim history", "r-17", made[i].ms);

        g_assert_true (cs_store_commit_decision (store, decision, &error));
        g_assert_no_error (error);
        n_made++;
      }
  }

  /* Opened from the review window's action, as the menu and Ctrl+Shift+O do. */
  main_window = cs_window_new (app);
  gtk_window_present (GTK_WINDOW (main_window));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (main_window), "win.oversight", NULL));
  window = CS_OVERSIGHT_WINDOW (find_oversight_window ());
  g_assert_nonnull (window);
  g_assert_true (cs_test_wait_for (settled, window, 30));

  /* Only "Your day", with a note; its numbers are the decisions above. */
  g_assert_cmpstr (cs_oversight_window_get_server_page (window), ==, "message");
  assert_figure (window, "message", "The queue’s figures are for the site’s administrators");
  g_assert_null (cs_oversight_window_get_figure (window, "intervention"));
  g_assert_null (cs_oversight_window_get_figure (window, "recommendation"));
  g_assert_cmpuint (n_made, ==, 3);
  assert_figure (window, "day.decided", "3");
  assert_figure (window, "day.median", "31 s");          /* of 12 s, 31 s and 1 min 35 s */
  assert_figure (window, "day.override", "33.3 %");      /* 1 of 3 */
  assert_figure (window, "day.actions", "1 accepted · 1 overridden · 0 rejected · 1 escalated");

  /* Asked again, the same window comes to the front. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (main_window), "win.oversight", NULL));
  g_assert_true (find_oversight_window () == GTK_WINDOW (window));

  /* Offline, a reviewer keeps the note rather than an error. */
  cs_test_server_stop (server);
  cs_oversight_window_refresh (window);
  g_assert_true (cs_test_wait_for (settled, window, 30));
  assert_figure (window, "message", "The queue’s figures are for the site’s administrators");
  assert_figure (window, "day.decided", "3");

  gtk_window_destroy (GTK_WINDOW (main_window));
  g_assert_null (find_oversight_window ());
  cs_test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  gtk_test_init (&argc, &argv, NULL);
  app = cs_test_application_new ();
  g_test_add_func ("/oversight-view/admin", test_admin_sees_the_server_figures);
  g_test_add_func ("/oversight-view/offline", test_offline_says_so);
  g_test_add_func ("/oversight-view/reviewer", test_reviewer_sees_their_day);
  status = g_test_run ();
  g_clear_object (&app);
  return status;
}
