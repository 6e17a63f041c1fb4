/* csd-cohorts.c: a queue's figures by cohort, for GET /api/v1/metrics?by=FIELD.
 *
 * The breakdown is computed here from one row per case rather than in SQL,
 * so that every storage backend gives the same figures and the rule that
 * flags a cohort is tested as a pure function.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include "csd-cohorts.h"
#include "csd-storage.h"

void
csd_cohort_free (CsdCohort *cohort)
{
  if (cohort == NULL)
    return;
  g_free (cohort->value);
  g_free (cohort);
}

static void
count_case (CsdCohort            *c,
            const CsdCaseFigures *f)
{
  c->n++;
  c->escalated += f->escalated;
  c->decided += f->decided;
  c->overrides += f->overridden;
  if (f->truth == NULL)
    return;
  c->with_truth++;
  c->model_correct += g_strcmp0 (f->model_label, f->truth) == 0;
  if (f->final_label != NULL)
    {
      c->final_with_truth++;
      c->final_correct += g_str_equal (f->final_label, f->truth);
    }
}

/* By value; the cases without the field last. */
static int
compare_cohorts (gconstpointer a,
                 gconstpointer b)
{
  const CsdCohort *x = *(const CsdCohort * const *) a;
  const CsdCohort *y = *(const CsdCohort * const *) b;

  if (x->value == NULL || y->value == NULL)
    return (x->value == NULL) - (y->value == NULL);
  return g_utf8_collate (x->value, y->value);
}

GPtrArray *
csd_cohorts_compute (GPtrArray *figures,
                     double     threshold,
                     double    *overall_error)
{
  g_autoptr(GHashTable) by_value = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *cohorts = g_ptr_array_new_with_free_func ((GDestroyNotify) csd_cohort_free);
  CsdCohort *missing = NULL;
  CsdCohort all = { 0 };
  double error_all = -1;

  for (guint i = 0; i < figures->len; i++)
    {
      const CsdCaseFigures *f = g_ptr_array_index (figures, i);
      CsdCohort *c;

      if (f->cohort == NULL)
        {
          if (missing == NULL)
            {
              missing = g_new0 (CsdCohort, 1);
              g_ptr_array_add (cohorts, missing);
            }
          c = missing;
        }
      else if ((c = g_hash_table_lookup (by_value, f->cohort)) == NULL)
        {
          c = g_new0 (CsdCohort, 1);
          c->value = g_strdup (f->cohort);
          g_hash_table_insert (by_value, c->value, c);
          g_ptr_array_add (cohorts, c);
        }
      count_case (c, f);
      count_case (&all, f);
    }

  g_ptr_array_sort (cohorts, compare_cohorts);

  if (all.with_truth > 0)
    error_all = 1.0 - (double) all.model_correct / (double) all.with_truth;

  for (guint i = 0; error_all >= 0 && i < cohorts->len; i++)
    {
      CsdCohort *c = g_ptr_array_index (cohorts, i);
      double error;

      if (c->with_truth == 0)
        continue;
      error = 1.0 - (double) c->model_correct / (double) c->with_truth;
      /* "More than": a margin of rounding keeps an exact tie unflagged. */
      c->flagged = error - error_all > threshold + 1e-12;
    }

  if (overall_error != NULL)
    *overall_error = error_all;
  return cohorts;
}

/* A whole number is written as one, as in the rest of the metrics. */
static void
set_ratio (JsonObject *obj,
           const char *member,
           gint64      numerator,
           gint64      denominator)
{
  double value;

  if (denominator <= 0)
    {
      json_object_set_null_member (obj, member);
      return;
    }
  value = (double) numerator / (double) denominator;
  if (value == floor (value))
    json_object_set_int_member (obj, member, (gint64) value);
  else
    json_object_set_double_member (obj, member, value);
}

void
csd_cohorts_add_to_json (JsonObject *metrics,
                         CsQueue    *queue,
                         const char *field,
                         GPtrArray  *figures)
{
  const CsRouting *routing = cs_queue_get_routing (queue);
  gboolean given = routing != NULL && routing->fairness_threshold >= 0;
  double threshold = given ? routing->fairness_threshold : CSD_COHORT_DEFAULT_THRESHOLD;
  double overall_error = -1;
  g_autoptr(GPtrArray) cohorts = csd_cohorts_compute (figures, threshold, &overall_error);
  g_autoptr(GString) rule = g_string_new (NULL);
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  JsonArray *arr = json_array_new ();

  g_string_append_printf (rule, "flagged when the cohort's model error exceeds the queue's (%s) by more than ",
                          overall_error >= 0 ? g_ascii_formatd (buf, sizeof buf, "%.4g", overall_error)
                                             : "unknown: no case has truth");
  g_string_append_printf (rule, "%s, the queue's routing fairness_threshold",
                          g_ascii_formatd (buf, sizeof buf, "%g", threshold));
  if (!given)
    g_string_append (rule, " (not set: the default)");
  g_string_append (rule, "; a cohort without truth is never flagged");

  for (guint i = 0; i < cohorts->len; i++)
    {
      const CsdCohort *c = g_ptr_array_index (cohorts, i);
      JsonObject *obj = json_object_new ();

      if (c->value != NULL)
        json_object_set_string_member (obj, "value", c->value);
      else
        json_object_set_null_member (obj, "value");
      json_object_set_int_member (obj, "n", c->n);
      json_object_set_int_member (obj, "escalated", c->escalated);
      set_ratio (obj, "intervention_rate", c->escalated, c->n);
      json_object_set_int_member (obj, "decided", c->decided);
      set_ratio (obj, "override_rate", c->overrides, c->decided);
      set_ratio (obj, "model_accuracy", c->model_correct, c->with_truth);
      set_ratio (obj, "final_accuracy", c->final_correct, c->final_with_truth);
      json_object_set_int_member (obj, "with_truth", c->with_truth);
      json_object_set_boolean_member (obj, "flagged", c->flagged);
      json_array_add_object_element (arr, obj);
    }

  json_object_set_string_member (metrics, "by", field);
  json_object_set_string_member (metrics, "flag_rule", rule->str);
  json_object_set_array_member (metrics, "cohorts", arr);
}
