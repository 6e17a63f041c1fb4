/* csd-autonomy.h: the autonomy report: what a queue's outcomes would have
 * been at other confidence thresholds, and the threshold its target error
 * allows.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The thresholds tried: 0.50, 0.51, … 0.99. */
#define CSD_AUTONOMY_FIRST_PERCENT 50
#define CSD_AUTONOMY_LAST_PERCENT  99
/* The error rate a queue accepts when its policy sets no target_error. */
#define CSD_AUTONOMY_DEFAULT_TARGET 0.05
/* Fewer final labels with truth than this at a threshold, and it is not
 * recommended: the interval would say little. */
#define CSD_AUTONOMY_MIN_SAMPLES 30

/* The figures at one threshold t, over the cases whose truth is known. */
typedef struct
{
  double threshold;
  gint64 with_truth;      /* cases with truth: the base of the first two rates */
  gint64 below;           /* of them, confidence below t: a person would see them */
  gint64 model_correct;   /* of them, the model's label is the truth */
  gint64 n;               /* final answers counted: the model's at or above t, a person's below */
  gint64 final_correct;
  gint64 left_out;        /* below t without a person's label: automated at the real
                           * threshold, still open, or rejected */
} CsdAutonomyPoint;

typedef struct
{
  double             target_error;
  gboolean           target_given;   /* FALSE: CSD_AUTONOMY_DEFAULT_TARGET */
  guint              n_points;
  CsdAutonomyPoint   points[CSD_AUTONOMY_LAST_PERCENT - CSD_AUTONOMY_FIRST_PERCENT + 1];
  int                recommended;    /* an index into points, or -1 */
  char              *reason;
} CsdAutonomy;

void          csd_autonomy_free      (CsdAutonomy *autonomy);

/* The report over @figures (of CsdCaseFigures: every case of one queue).
 * @target_error < 0 means the queue sets none. */
CsdAutonomy  *csd_autonomy_compute   (GPtrArray   *figures,
                                      double       target_error);
JsonNode     *csd_autonomy_to_json   (const CsdAutonomy *autonomy,
                                      const char        *queue);

/* The 95 % Wilson score interval of @successes out of @n (n > 0). */
void          csd_wilson_interval    (gint64       successes,
                                      gint64       n,
                                      double      *lo,
                                      double      *hi);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsdAutonomy, csd_autonomy_free)

G_END_DECLS
