/* test-routing.c: the routing policy and the decision rules, as pure functions.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "cs-case.h"
#include "cs-decision.h"
#include "csd-decision-rules.h"
#include "csd-routing.h"

/* A random source that plays back a list of draws and counts its calls. */
typedef struct
{
  const double *draws;
  guint         n_draws;
  guint         calls;
} Script;

static double
scripted (gpointer data)
{
  Script *script = data;

  g_assert_cmpuint (script->calls, <, script->n_draws);
  return script->draws[script->calls++];
}

static CsRouting
make_routing (double              confidence_threshold,
              double              fairness_threshold,
              double              anomaly_threshold,
              const char * const *keywords,
              double              audit_rate)
{
  CsRouting routing = {
    .confidence_threshold = confidence_threshold,
    .fairness_threshold = fairness_threshold,
    .anomaly_threshold = anomaly_threshold,
    .compliance_keywords = g_strdupv ((char **) keywords),
    .audit_sample_rate = audit_rate,
  };
  return routing;
}

static const char *keywords[] = { "chargeback", "self-harm", "straße", NULL };

static void
test_rule_order (void)
{
  CsRouting routing = make_routing (0.80, 0.10, 0.90, keywords, 1.0);
  double draws[] = { 0.0 };
  Script script = { draws, G_N_ELEMENTS (draws), 0 };
  g_auto(CsdRouteResult) result = { 0 };
  CsdRoutingInput input = {
    .confidence = 0.52,
    .has_fairness = TRUE, .fairness = 0.5,
    .has_anomaly = TRUE, .anomaly = 0.99,
    .subject_text = "a chargeback",
    .summary = "self-harm",
  };

  /* Every rule would fire: the first one wins, and the draw is not made. */
  csd_routing_route (&routing, &input, scripted, &script, &result);
  g_assert_true (result.escalated);
  g_assert_cmpint (result.kind, ==, CS_TRIGGER_LOW_CONFIDENCE);
  g_assert_cmpstr (result.detail, ==, "confidence 0.52 below threshold 0.80");
  g_assert_cmpfloat_with_epsilon (result.threshold, 0.80, 1e-9);
  g_assert_cmpuint (script.calls, ==, 0);
  csd_route_result_clear (&result);

  input.confidence = 0.85;
  csd_routing_route (&routing, &input, scripted, &script, &result);
  g_assert_cmpint (result.kind, ==, CS_TRIGGER_FAIRNESS);
  g_assert_cmpfloat_with_epsilon (result.threshold, 0.10, 1e-9);
  g_assert_nonnull (strstr (result.detail, "0.50"));
  csd_route_result_clear (&result);

  input.fairness = 0.05;
  csd_routing_route (&routing, &input, scripted, &script, &result);
  g_assert_cmpint (result.kind, ==, CS_TRIGGER_ANOMALY);
  g_assert_cmpfloat_with_epsilon (result.threshold, 0.90, 1e-9);
  csd_route_result_clear (&result);

  input.anomaly = 0.2;
  csd_routing_route (&routing, &input, scripted, &script, &result);
  g_assert_cmpint (result.kind, ==, CS_TRIGGER_COMPLIANCE_KEYWORD);
  g_assert_nonnull (strstr (result.detail, "\"chargeback\""));
  g_assert_nonnull (strstr (result.detail, "subject text"));
  g_assert_true (isnan (result.threshold));
  csd_route_result_clear (&result);

  input.subject_text = "nothing to see";
  csd_routing_route (&routing, &input, scripted, &script, &result);
  g_assert_cmpint (result.kind, ==, CS_TRIGGER_COMPLIANCE_KEYWORD);
  g_assert_nonnull (strstr (result.detail, "\"self-harm\""));
  g_assert_nonnull (strstr (result.detail, "summary"));
  csd_route_result_clear (&result);

  input.summary = NULL;
  csd_routing_route (&routing, &input, scripted, &script, &result);
  g_assert_cmpint (result.kind, ==, CS_TRIGGER_RANDOM_AUDIT);
  g_assert_cmpuint (script.calls, ==, 1);
  csd_route_result_clear (&result);

  cs_routing_clear (&routing);
}

static void
test_thresholds_are_strict (void)
{
  CsRouting routing = make_routing (0.80, 0.10, 0.90, NULL, 0.0);
  g_auto(CsdRouteResult) result = { 0 };
  CsdRoutingInput input = {
    .confidence = 0.80,                       /* not below */
    .has_fairness = TRUE, .fairness = 0.10,   /* not above */
    .has_anomaly = TRUE, .anomaly = 0.90,     /* not above */
  };

  csd_routing_route (&routing, &input, NULL, NULL, &result);
  g_assert_false (result.escalated);
  csd_route_result_clear (&result);

  input.confidence = 0.7999;
  csd_routing_route (&routing, &input, NULL, NULL, &result);
  g_assert_cmpint (result.kind, ==, CS_TRIGGER_LOW_CONFIDENCE);
  csd_route_result_clear (&result);
  cs_routing_clear (&routing);
}

static void
test_unset_rules_do_not_fire (void)
{
  /* A threshold below 0 is "not set"; an absent signal is not a signal. */
  CsRouting routing = make_routing (0.0, -1, -1, NULL, 0.0);
  CsRouting with_thresholds = make_routing (0.0, 0.1, 0.1, NULL, 0.0);
  g_auto(CsdRouteResult) result = { 0 };
  CsdRoutingInput input = {
    .confidence = 0.01,
    .has_fairness = TRUE, .fairness = 1.0,
    .has_anomaly = TRUE, .anomaly = 1.0,
  };
  CsdRoutingInput no_signals = { .confidence = 0.5, .fairness = 1.0, .anomaly = 1.0 };

  csd_routing_route (&routing, &input, NULL, NULL, &result);
  g_assert_false (result.escalated);
  csd_route_result_clear (&result);

  csd_routing_route (&with_thresholds, &no_signals, NULL, NULL, &result);
  g_assert_false (result.escalated);
  csd_route_result_clear (&result);

  cs_routing_clear (&routing);
  cs_routing_clear (&with_thresholds);
}

static void
test_keywords (void)
{
  const char *words[] = { "chargeback", "self-harm", "straße", "über", "bank", NULL };
  const char * const *kw = words;

  /* Whole words, any case. */
  g_assert_cmpstr (csd_routing_find_keyword (kw, "Filed a CHARGEBACK."), ==, "chargeback");
  g_assert_cmpstr (csd_routing_find_keyword (kw, "chargeback"), ==, "chargeback");
  g_assert_cmpstr (csd_routing_find_keyword (kw, "(Chargeback)"), ==, "chargeback");
  g_assert_null (csd_routing_find_keyword (kw, "two chargebacks"));
  g_assert_null (csd_routing_find_keyword (kw, "antichargeback"));
  g_assert_null (csd_routing_find_keyword (kw, "chargeback2"));
  /* A keyword with punctuation inside. */
  g_assert_cmpstr (csd_routing_find_keyword (kw, "Mentions Self-Harm twice"), ==, "self-harm");
  g_assert_null (csd_routing_find_keyword (kw, "self harm"));
  /* Unicode: case folding (ß folds to ss), letters beyond ASCII as word characters. */
  g_assert_cmpstr (csd_routing_find_keyword (kw, "HAUPTSTRASSE 5"), ==, NULL);
  g_assert_cmpstr (csd_routing_find_keyword (kw, "an der STRASSE"), ==, "straße");
  g_assert_cmpstr (csd_routing_find_keyword (kw, "ÜBER alles"), ==, "über");
  g_assert_null (csd_routing_find_keyword (kw, "überall"));
  g_assert_null (csd_routing_find_keyword (kw, "banké"));
  g_assert_null (csd_routing_find_keyword (kw, "bank\xcc\x81"));   /* b-a-n-k + combining acute */
  g_assert_cmpstr (csd_routing_find_keyword (kw, "la bank, é"), ==, "bank");
  /* A second occurrence counts when the first is inside a word. */
  g_assert_cmpstr (csd_routing_find_keyword (kw, "banking at the bank"), ==, "bank");
  /* Nothing to search, or nothing to search for. */
  g_assert_null (csd_routing_find_keyword (kw, NULL));
  g_assert_null (csd_routing_find_keyword (kw, ""));
  g_assert_null (csd_routing_find_keyword (NULL, "chargeback"));
  g_assert_null (csd_routing_find_keyword (kw, "\xff\xfe chargeback"));  /* not UTF-8 */
}

static void
test_audit_sample (void)
{
  CsRouting always = make_routing (0.5, -1, -1, NULL, 1.0);
  CsRouting never = make_routing (0.5, -1, -1, NULL, 0.0);
  CsRouting half = make_routing (0.5, -1, -1, NULL, 0.5);
  double draws[] = { 0.999, 0.49, 0.5 };
  Script script = { draws, G_N_ELEMENTS (draws), 0 };
  g_auto(CsdRouteResult) result = { 0 };
  CsdRoutingInput input = { .confidence = 0.9 };

  csd_routing_route (&always, &input, scripted, &script, &result);
  g_assert_cmpint (result.kind, ==, CS_TRIGGER_RANDOM_AUDIT);
  g_assert_true (result.escalated);
  csd_route_result_clear (&result);

  /* Rate 0 never draws. */
  csd_routing_route (&never, &input, scripted, &script, &result);
  g_assert_false (result.escalated);
  g_assert_cmpuint (script.calls, ==, 1);
  csd_route_result_clear (&result);

  csd_routing_route (&half, &input, scripted, &script, &result);
  g_assert_true (result.escalated);        /* 0.49 < 0.5 */
  csd_route_result_clear (&result);
  csd_routing_route (&half, &input, scripted, &script, &result);
  g_assert_false (result.escalated);       /* 0.5 is not under 0.5 */
  csd_route_result_clear (&result);
  g_assert_cmpuint (script.calls, ==, 3);

  cs_routing_clear (&always);
  cs_routing_clear (&never);
  cs_routing_clear (&half);
}

static void
test_priority (void)
{
  /* base + 0.5 × (1 − confidence), clamped to 0..1 */
  g_assert_cmpfloat_with_epsilon (csd_routing_priority (CS_TRIGGER_LOW_CONFIDENCE, 0.52), 0.3 + 0.24, 1e-9);
  g_assert_cmpfloat_with_epsilon (csd_routing_priority (CS_TRIGGER_FAIRNESS, 0.9), 0.55, 1e-9);
  g_assert_cmpfloat_with_epsilon (csd_routing_priority (CS_TRIGGER_COMPLIANCE_KEYWORD, 1.0), 0.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (csd_routing_priority (CS_TRIGGER_ANOMALY, 0.0), 0.9, 1e-9);
  g_assert_cmpfloat_with_epsilon (csd_routing_priority (CS_TRIGGER_RANDOM_AUDIT, 0.98), 0.01, 1e-9);
  g_assert_cmpfloat (csd_routing_priority (CS_TRIGGER_FAIRNESS, -3), <=, 1.0);
  g_assert_cmpfloat (csd_routing_priority (CS_TRIGGER_RANDOM_AUDIT, 7), >=, 0.0);
  g_assert_cmpfloat (csd_routing_priority (CS_TRIGGER_LOW_CONFIDENCE, NAN), <=, 1.0);
  /* Less sure, sooner. */
  g_assert_cmpfloat (csd_routing_priority (CS_TRIGGER_LOW_CONFIDENCE, 0.2), >,
                     csd_routing_priority (CS_TRIGGER_LOW_CONFIDENCE, 0.7));
}

/* Decision rules */

static CsCase *
make_case (const char *status,
           gint64      version,
           const char *assigned_to,
           gboolean    amendments)
{
  g_autofree char *json = g_strdup_printf (
    "{\"id\": \"c-1\", \"version\": %" G_GINT64_FORMAT ", \"queue\": \"derm\", \"status\": \"%s\","
    " \"assigned_to\": %s%s%s, \"priority\": 0.4,"
    " \"trigger\": {\"kind\": \"low_confidence\", \"detail\": \"d\", \"threshold\": 0.8},"
    " \"subject\": {\"kind\": \"text\", \"title\": \"t\", \"text\": \"x\"},"
    " \"model\": {\"name\": \"m\"}, \"prediction\": {\"label\": \"melanoma\", \"confidence\": 0.5},"
    " \"labels\": [\"melanoma\", \"nevus\"],"
    " \"policy\": {\"rationale_required\": [\"override\", \"reject\", \"escalate\"], \"min_rationale_chars\": 10%s},"
    " \"decided\": %s}",
    version, status,
    assigned_to ? "\"" : "", assigned_to ? assigned_to : "null", assigned_to ? "\"" : "",
    amendments ? ", \"allow_amendments\": true" : "",
    g_str_equal (status, "decided")
      ? "{\"by\": \"r-1\", \"action\": \"accept\", \"label\": \"melanoma\", \"at\": \"2026-01-01T00:00:00Z\"}"
      : "null");
  g_autoptr(GError) error = NULL;
  CsCase *kase = cs_case_new_from_data (json, -1, CS_CASE_PARSE_CASE, &error);

  g_assert_no_error (error);
  return kase;
}

static CsDecision *
make_decision (gint64      version,
               CsAction    action,
               const char *label,
               const char *rationale,
               const char *reviewer)
{
  return cs_decision_new ("c-1", version, action, label, rationale, reviewer, 1000);
}

static CsdVerdict
judge (CsDecision *decision,
       CsCase     *kase,
       gboolean    escalated_before,
       char      **why)
{
  const char *queues[] = { "derm", NULL };

  return csd_decision_judge (decision, kase, escalated_before, 0, "r-1", queues, why);
}

static void
test_judge (void)
{
  g_autoptr(CsCase) open = make_case ("open", 3, "r-1", FALSE);
  g_autoptr(CsCase) decided = make_case ("decided", 4, "r-1", FALSE);
  g_autoptr(CsCase) withdrawn = make_case ("withdrawn", 4, "r-1", FALSE);
  const char *other_queues[] = { "claims", NULL };
  char *why = NULL;
  const char *rationale = "Uniform pigment network";

#define EXPECT(verdict, reason, call)                     \
  G_STMT_START {                                          \
    g_assert_cmpint ((call), ==, (verdict));              \
    if ((reason) != NULL)                                 \
      g_assert_cmpstr (why, ==, (reason));                \
    else                                                  \
      g_assert_nonnull (why);                             \
    g_clear_pointer (&why, g_free);                       \
  } G_STMT_END

  {
    g_autoptr(CsDecision) d = make_decision (3, CS_ACTION_ACCEPT, NULL, "", "r-1");
    g_assert_cmpint (judge (d, open, FALSE, &why), ==, CSD_VERDICT_ACCEPT);
    g_assert_null (why);
  }
  {
    g_autoptr(CsDecision) d = make_decision (3, CS_ACTION_ACCEPT, NULL, "", "r-2");
    EXPECT (CSD_VERDICT_INVALID, NULL, judge (d, open, FALSE, &why));
  }
  {
    g_autoptr(CsDecision) d = make_decision (3, CS_ACTION_ACCEPT, NULL, "", "r-1");
    EXPECT (CSD_VERDICT_INVALID, NULL, judge (d, NULL, FALSE, &why));
    EXPECT (CSD_VERDICT_INVALID, NULL, csd_decision_judge (d, open, FALSE, 0, "r-1", other_queues, &why));
  }
  {
    /* Policy: a rationale for an override, a label of the queue, not the model's. */
    g_autoptr(CsDecision) no_rationale = make_decision (3, CS_ACTION_OVERRIDE, "nevus", "short", "r-1");
    g_autoptr(CsDecision) bad_label = make_decision (3, CS_ACTION_OVERRIDE, "lentigo", rationale, "r-1");
    g_autoptr(CsDecision) same_label = make_decision (3, CS_ACTION_OVERRIDE, "melanoma", rationale, "r-1");
    g_autoptr(CsDecision) good = make_decision (3, CS_ACTION_OVERRIDE, "nevus", rationale, "r-1");

    EXPECT (CSD_VERDICT_INVALID, NULL, judge (no_rationale, open, FALSE, &why));
    EXPECT (CSD_VERDICT_INVALID, NULL, judge (bad_label, open, FALSE, &why));
    EXPECT (CSD_VERDICT_INVALID, NULL, judge (same_label, open, FALSE, &why));
    g_assert_cmpint (judge (good, open, FALSE, &why), ==, CSD_VERDICT_ACCEPT);
    /* Invalid comes before conflict: a broken decision is never retried. */
    EXPECT (CSD_VERDICT_INVALID, NULL, judge (no_rationale, withdrawn, FALSE, &why));
  }
  {
    g_autoptr(CsDecision) d = make_decision (4, CS_ACTION_ACCEPT, NULL, "", "r-1");
    g_autoptr(CsDecision) old = make_decision (2, CS_ACTION_ACCEPT, NULL, "", "r-1");

    EXPECT (CSD_VERDICT_CONFLICT, "withdrawn", judge (d, withdrawn, FALSE, &why));
    EXPECT (CSD_VERDICT_CONFLICT, "decided", judge (d, decided, FALSE, &why));
    EXPECT (CSD_VERDICT_CONFLICT, "decided", judge (old, decided, FALSE, &why));
    EXPECT (CSD_VERDICT_CONFLICT, "stale", judge (old, open, FALSE, &why));
    /* After escalating, the same reviewer may not decide again. */
    {
      g_autoptr(CsDecision) again = make_decision (3, CS_ACTION_ACCEPT, NULL, "", "r-1");
      EXPECT (CSD_VERDICT_INVALID, NULL, judge (again, open, TRUE, &why));
    }
  }
  {
    /* An amendment: the same reviewer, the current version, a queue that allows it. */
    g_autoptr(CsCase) amendable = make_case ("decided", 4, "r-1", TRUE);
    g_autoptr(CsDecision) d = make_decision (4, CS_ACTION_OVERRIDE, "nevus", rationale, "r-1");
    g_autoptr(CsDecision) old = make_decision (3, CS_ACTION_OVERRIDE, "nevus", rationale, "r-1");

    g_assert_cmpint (judge (d, amendable, FALSE, &why), ==, CSD_VERDICT_ACCEPT);
    EXPECT (CSD_VERDICT_CONFLICT, "decided", judge (old, amendable, FALSE, &why));
  }
#undef EXPECT
}

static void
test_apply (void)
{
  struct {
    CsAction    action;
    const char *label;
    gboolean    final;
    const char *final_label;
  } cases[] = {
    { CS_ACTION_ACCEPT, NULL, TRUE, "melanoma" },
    { CS_ACTION_OVERRIDE, "nevus", TRUE, "nevus" },
    { CS_ACTION_REJECT, NULL, TRUE, NULL },
    { CS_ACTION_ESCALATE, NULL, FALSE, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(CsCase) kase = make_case ("open", 3, "r-1", FALSE);
      g_autoptr(CsDecision) d = make_decision (3, cases[i].action, cases[i].label,
                                               "A rationale long enough", "r-1");
      g_autofree char *final_label = NULL;
      gboolean final = csd_decision_apply (kase, d, &final_label);

      g_assert_cmpint (final, ==, cases[i].final);
      g_assert_cmpstr (final_label, ==, cases[i].final_label);
      g_assert_cmpint (cs_case_get_version (kase), ==, 4);

      if (cases[i].final)
        {
          const CsDecided *decided = cs_case_get_decided (kase);

          g_assert_cmpint (cs_case_get_status (kase), ==, CS_CASE_STATUS_DECIDED);
          g_assert_nonnull (decided);
          g_assert_cmpstr (decided->by, ==, "r-1");
          g_assert_cmpint (decided->action, ==, cases[i].action);
          g_assert_cmpstr (decided->label, ==, cases[i].final_label);
          g_assert_true (g_date_time_equal (decided->at, cs_decision_get_decided_at (d)));
        }
      else
        {
          /* Back to the pool, first in line, trigger as it was. */
          g_assert_cmpint (cs_case_get_status (kase), ==, CS_CASE_STATUS_OPEN);
          g_assert_null (cs_case_get_assigned_to (kase));
          g_assert_null (cs_case_get_lease_until (kase));
          g_assert_null (cs_case_get_decided (kase));
          g_assert_cmpfloat (cs_case_get_priority (kase), ==, 1.0);
          g_assert_cmpint (cs_case_get_trigger_kind (kase), ==, CS_TRIGGER_LOW_CONFIDENCE);
        }
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/routing/rule-order", test_rule_order);
  g_test_add_func ("/routing/thresholds-are-strict", test_thresholds_are_strict);
  g_test_add_func ("/routing/unset-rules-do-not-fire", test_unset_rules_do_not_fire);
  g_test_add_func ("/routing/keywords", test_keywords);
  g_test_add_func ("/routing/audit-sample", test_audit_sample);
  g_test_add_func ("/routing/priority", test_priority);
  g_test_add_func ("/decision-rules/judge", test_judge);
  g_test_add_func ("/decision-rules/apply", test_apply);

  return g_test_run ();
}
