/* csd-routing.h: the routing policy that sends a prediction to a person or lets it pass.
 *
 * Pure functions of a queue's rules and one prediction, so that every rule can
 * be tested alone; the random draw of the audit sample comes from a function
 * the caller passes in.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cs-queue.h"

G_BEGIN_DECLS

/* What the rules look at in a prediction. */
typedef struct
{
  double      confidence;
  gboolean    has_fairness;
  double      fairness;
  gboolean    has_anomaly;
  double      anomaly;
  const char *subject_text;   /* may be NULL */
  const char *summary;        /* explanation.summary; may be NULL */
} CsdRoutingInput;

/* Returns a number drawn uniformly from [0, 1). */
typedef double (*CsdRandomFunc) (gpointer user_data);

typedef struct
{
  gboolean       escalated;
  CsTriggerKind  kind;        /* when escalated */
  char          *detail;      /* when escalated: for the reviewer, e.g. "confidence 0.52 below threshold 0.80" */
  double         threshold;   /* NAN when the rule has none */
  double         priority;    /* 0..1, when escalated */
} CsdRouteResult;

void      csd_route_result_clear    (CsdRouteResult         *result);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CsdRouteResult, csd_route_result_clear)

/* Applies the rules of @routing in order: low_confidence, fairness, anomaly,
 * compliance_keyword, random_audit; the first that fires escalates. A rule
 * whose threshold is not set (< 0) or whose signal is absent does not fire.
 * @random is only called when the audit rate is above 0. */
void      csd_routing_route         (const CsRouting        *routing,
                                     const CsdRoutingInput  *input,
                                     CsdRandomFunc           random,
                                     gpointer                random_data,
                                     CsdRouteResult         *out);

/* The first of @keywords found in @text as a whole word, in any case (the
 * comparison is on Unicode case-folded, NFKC-normalised text; a word
 * boundary is any character that is not a letter, digit or combining mark),
 * or NULL. */
const char *csd_routing_find_keyword (const char * const    *keywords,
                                      const char            *text);

/* The priority of an escalated case; see csd-routing.c for the formula. */
double    csd_routing_priority      (CsTriggerKind           kind,
                                     double                  confidence);

/* The default random source: GLib's generator, seeded from the system. */
double    csd_routing_random_default (gpointer               user_data);

G_END_DECLS
