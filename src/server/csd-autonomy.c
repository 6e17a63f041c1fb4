/* csd-autonomy.c: the autonomy report, GET /api/v1/queues/{id}/autonomy.
 *
 * For each threshold t it replays the queue's cases with known truth as if
 * the routing had escalated exactly those with confidence below t: the model
 * answers the rest, a person the escalated ones. A person's answer exists
 * only for cases that really were escalated and decided; those that would be
 * escalated at t but were automated (or are still open, or were rejected)
 * have none. They are left out of the final accuracy, and counted in
 * "left_out", rather than credited with the model's answer: that would mix
 * in answers no person gave and make the model look reviewed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include "csd-autonomy.h"
#include "csd-storage.h"

/* The 0.975 quantile of the standard normal distribution. */
#define Z95 1.959963984540054

void
csd_autonomy_free (CsdAutonomy *autonomy)
{
  if (autonomy == NULL)
    return;
  g_free (autonomy->reason);
  g_free (autonomy);
}

void
csd_wilson_interval (gint64  successes,
                     gint64  n,
                     double *lo,
                     double *hi)
{
  double p, z2, denom, centre, half;

  g_return_if_fail (n > 0);

  p = (double) successes / (double) n;
  z2 = Z95 * Z95;
  denom = 1.0 + z2 / n;
  centre = (p + z2 / (2.0 * n)) / denom;
  half = Z95 * sqrt (p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denom;
  /* At 0 or n the bound is exactly 0 or 1; the subtraction leaves a rounding
   * error of 1e-17 that would print as such. */
  *lo = successes == 0 ? 0.0 : MAX (0.0, centre - half);
  *hi = successes == n ? 1.0 : MIN (1.0, centre + half);
}

/* A threshold as a person writes it: 0.87, not 0.87000000000000000111. */
static char *
format_threshold (double t)
{
  return g_strdup_printf ("%d.%02d", (int) floor (t + 1e-9), (int) lround (t * 100) % 100);
}

static char *
format_percent (double fraction)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.1f", fraction * 100));
}

static char *
format_fraction (double fraction)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.3f", fraction));
}

static void
recommend (CsdAutonomy *self)
{
  g_autofree char *target = format_fraction (self->target_error);
  gint64 most_n = 0;
  int best_short = -1;     /* the point with the lowest error bound, among the big enough */
  double best_bound = 2;

  self->recommended = -1;
  for (guint i = 0; i < self->n_points; i++)
    {
      const CsdAutonomyPoint *p = &self->points[i];
      double lo, hi, bound;

      most_n = MAX (most_n, p->n);
      if (p->n < CSD_AUTONOMY_MIN_SAMPLES)
        continue;
      csd_wilson_interval (p->final_correct, p->n, &lo, &hi);
      bound = 1.0 - lo;   /* the upper bound of the final error */
      if (bound < best_bound)
        {
          best_bound = bound;
          best_short = (int) i;
        }
      if (bound >= self->target_error)
        continue;
      /* The lowest intervention rate wins; on a tie, the lowest threshold,
       * which is the first met. */
      if (self->recommended < 0 ||
          p->below * self->points[self->recommended].with_truth <
          self->points[self->recommended].below * p->with_truth)
        self->recommended = (int) i;
    }

  if (self->recommended >= 0)
    {
      const CsdAutonomyPoint *p = &self->points[self->recommended];
      g_autofree char *t = format_threshold (p->threshold);
      g_autofree char *share = format_percent ((double) p->below / (double) p->with_truth);
      g_autofree char *bound = NULL;
      double lo, hi;

      csd_wilson_interval (p->final_correct, p->n, &lo, &hi);
      bound = format_fraction (1.0 - lo);
      self->reason = g_strdup_printf ("At %s a person sees %s %% of the cases, the fewest of any threshold "
                                      "whose final error stays under the target %s with 95 %% confidence "
                                      "(at most %s, over %" G_GINT64_FORMAT " cases with truth)",
                                      t, share, target, bound, p->n);
    }
  else if (most_n < CSD_AUTONOMY_MIN_SAMPLES)
    self->reason = g_strdup_printf ("Too few cases with known truth to say: a threshold needs %d final "
                                    "answers with truth, and the most at any threshold is %" G_GINT64_FORMAT
                                    ". Record ground truth (PUT /api/v1/cases/{id}/truth) for more cases.",
                                    CSD_AUTONOMY_MIN_SAMPLES, most_n);
  else
    {
      g_autofree char *t = format_threshold (self->points[best_short].threshold);
      g_autofree char *bound = format_fraction (best_bound);

      self->reason = g_strdup_printf ("No threshold keeps the final error under the target %s with 95 %% "
                                      "confidence: the best is at %s, where it may be as high as %s",
                                      target, t, bound);
    }
}

CsdAutonomy *
csd_autonomy_compute (GPtrArray *figures,
                      double     target_error)
{
  CsdAutonomy *self = g_new0 (CsdAutonomy, 1);

  self->target_given = target_error >= 0;
  self->target_error = self->target_given ? target_error : CSD_AUTONOMY_DEFAULT_TARGET;
  self->n_points = CSD_AUTONOMY_LAST_PERCENT - CSD_AUTONOMY_FIRST_PERCENT + 1;

  for (guint i = 0; i < self->n_points; i++)
    {
      CsdAutonomyPoint *p = &self->points[i];

      /* From the whole number of hundredths, so that 0.7 is the 0.7 a
       * confidence of 0.70 parses to, not a sum of 0.01s. */
      p->threshold = (CSD_AUTONOMY_FIRST_PERCENT + i) / 100.0;

      for (guint j = 0; j < figures->len; j++)
        {
          const CsdCaseFigures *f = g_ptr_array_index (figures, j);
          const char *answer;

          if (f->truth == NULL)
            continue;
          p->with_truth++;
          p->model_correct += g_strcmp0 (f->model_label, f->truth) == 0;

          /* The routing rule: below the threshold goes to a person. */
          if (f->model_confidence < p->threshold)
            {
              p->below++;
              answer = f->decided ? f->final_label : NULL;
              if (answer == NULL)
                {
                  p->left_out++;
                  continue;
                }
            }
          else
            answer = f->model_label;

          p->n++;
          p->final_correct += g_strcmp0 (answer, f->truth) == 0;
        }
    }

  recommend (self);
  return self;
}

static void
set_fraction (JsonObject *obj,
              const char *member,
              gint64      numerator,
              gint64      denominator)
{
  if (denominator > 0)
    json_object_set_double_member (obj, member, (double) numerator / (double) denominator);
  else
    json_object_set_null_member (obj, member);
}

static void
set_interval (JsonObject *obj,
              const char *member,
              gint64      successes,
              gint64      n)
{
  JsonArray *arr;
  double lo, hi;

  if (n <= 0)
    {
      json_object_set_null_member (obj, member);
      return;
    }
  csd_wilson_interval (successes, n, &lo, &hi);
  arr = json_array_new ();
  json_array_add_double_element (arr, lo);
  json_array_add_double_element (arr, hi);
  json_object_set_array_member (obj, member, arr);
}

JsonNode *
csd_autonomy_to_json (const CsdAutonomy *self,
                      const char        *queue)
{
  g_autoptr(JsonObject) obj = json_object_new ();
  JsonArray *points = json_array_new ();

  json_object_set_string_member (obj, "queue", queue);
  json_object_set_double_member (obj, "target_error", self->target_error);
  json_object_set_string_member (obj, "target_error_from", self->target_given ? "policy" : "default");
  json_object_set_int_member (obj, "with_truth", self->n_points > 0 ? self->points[0].with_truth : 0);
  json_object_set_int_member (obj, "min_samples", CSD_AUTONOMY_MIN_SAMPLES);

  for (guint i = 0; i < self->n_points; i++)
    {
      const CsdAutonomyPoint *p = &self->points[i];
      JsonObject *point = json_object_new ();

      json_object_set_double_member (point, "threshold", p->threshold);
      set_fraction (point, "intervention_rate", p->below, p->with_truth);
      set_interval (point, "intervention_ci95", p->below, p->with_truth);
      set_fraction (point, "model_accuracy", p->model_correct, p->with_truth);
      set_interval (point, "model_ci95", p->model_correct, p->with_truth);
      set_fraction (point, "final_accuracy", p->final_correct, p->n);
      json_object_set_int_member (point, "n", p->n);
      set_interval (point, "ci95", p->final_correct, p->n);
      json_object_set_int_member (point, "with_truth", p->with_truth);
      json_object_set_int_member (point, "left_out", p->left_out);
      json_array_add_object_element (points, point);
    }
  json_object_set_array_member (obj, "points", points);

  if (self->recommended >= 0)
    json_object_set_double_member (obj, "recommended_threshold", self->points[self->recommended].threshold);
  else
    json_object_set_null_member (obj, "recommended_threshold");
  json_object_set_string_member (obj, "reason", self->reason);
  json_object_set_string_member (obj, "note",
                                 "Only cases with known truth count. intervention_rate and model_accuracy "
                                 "are over all of them (with_truth); final_accuracy (n, ci95) takes the "
                                 "model's label at or above the threshold and the person's final label "
                                 "below it. A case below the threshold that no person labelled (automated "
                                 "at the real threshold, still open, or rejected) is left out of "
                                 "final_accuracy and counted in left_out, not credited with the model's "
                                 "answer. Intervals are 95 % Wilson score intervals.");

  return json_node_init_object (json_node_alloc (), obj);
}
