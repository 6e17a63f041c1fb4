/* csd-cohorts.h: a queue's figures broken down by a context field, with the
 * cohorts whose model fares worse than the queue's flagged.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "cs-queue.h"

G_BEGIN_DECLS

/* The fairness threshold used when a queue's routing sets none. */
#define CSD_COHORT_DEFAULT_THRESHOLD 0.10

typedef struct
{
  char     *value;              /* the field's value; NULL for the cases without it */
  gint64    n;
  gint64    escalated;
  gint64    decided;            /* escalated, finally decided by a person */
  gint64    overrides;          /* decided, by an override */
  gint64    with_truth;
  gint64    model_correct;
  gint64    final_with_truth;   /* with truth and a final label */
  gint64    final_correct;
  gboolean  flagged;
} CsdCohort;

void        csd_cohort_free    (CsdCohort *cohort);

/* The breakdown of @figures (of CsdCaseFigures, their "cohort" read from
 * one context field), as CsdCohort, ordered by value with the cases lacking
 * the field last. A cohort is flagged when its model error exceeds the
 * error over all of @figures by more than @threshold; cohorts or queues
 * without truth are never flagged. *@overall_error is the queue's model
 * error, or -1 when no case has truth. */
GPtrArray  *csd_cohorts_compute (GPtrArray *figures,
                                 double     threshold,
                                 double    *overall_error);

/* Adds "by", "flag_rule" and "cohorts" to a metrics object, for @queue's
 * figures grouped by @field. */
void        csd_cohorts_add_to_json (JsonObject *metrics,
                                     CsQueue    *queue,
                                     const char *field,
                                     GPtrArray  *figures);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsdCohort, csd_cohort_free)

G_END_DECLS
