/* csd-outcome-waiters.h: GET /api/v1/cases/{id}/outcome?wait=SECONDS, held until the outcome is final.
 *
 * A request whose case has no final outcome yet is paused (no thread is
 * held) and kept here under its case id, until a decision makes the
 * outcome final (the decisions handler calls csd_outcome_waiters_notify()
 * after its transaction) or the wait runs out (204).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "csd-request.h"

G_BEGIN_DECLS

#define CSD_MAX_OUTCOME_WAIT_SECONDS 60

#define CSD_TYPE_OUTCOME_WAITERS (csd_outcome_waiters_get_type ())
G_DECLARE_FINAL_TYPE (CsdOutcomeWaiters, csd_outcome_waiters, CSD, OUTCOME_WAITERS, GObject)

CsdOutcomeWaiters *csd_outcome_waiters_new    (CsdStorage         *storage);

/* Pauses @request's message and answers it later: with the outcome, or 204
 * after @seconds. */
void               csd_outcome_waiters_hold   (CsdOutcomeWaiters  *self,
                                               CsdRequest         *request,
                                               const char         *case_id,
                                               guint               seconds);
/* Whether @msg is held here (paused on purpose, not forgotten). */
gboolean           csd_outcome_waiters_holds  (CsdOutcomeWaiters  *self,
                                               SoupServerMessage  *msg);
/* Answers every request waiting for @case_id when its outcome is final. */
void               csd_outcome_waiters_notify (CsdOutcomeWaiters  *self,
                                               const char         *case_id);
/* Answers every held request with 204 at once (the server stops). */
void               csd_outcome_waiters_flush  (CsdOutcomeWaiters  *self);

G_END_DECLS
