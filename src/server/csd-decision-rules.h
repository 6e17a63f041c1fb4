/* csd-decision-rules.h: what a reviewer's decision may do to a case, and what it does.
 *
 * Pure functions on the case as it is now, shared by every storage backend so
 * that the order of the checks is written once.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cs-case.h"
#include "cs-decision.h"

G_BEGIN_DECLS

typedef enum
{
  CSD_VERDICT_ACCEPT,
  CSD_VERDICT_INVALID,    /* never to be accepted: *why is the message */
  CSD_VERDICT_CONFLICT,   /* the case moved on: *why is the reason */
} CsdVerdict;

/* Judges a decision that was not stored before, in this order:
 * - invalid: the reviewer field is not the caller, the case is unknown;
 * - conflict "withdrawn" when the case was moved to another queue (overdue)
 *   after the version the decision was made on (@moved_version, 0 when
 *   never moved): the reviewer lost it, whatever their queues are;
 * - invalid: the case is outside the caller's queues, the caller escalated
 *   this case before, the label or rationale breaks the case's labels and
 *   policy (blind-first: no initial label), or, under a two-person rule,
 *   the caller made the first decision ("a second reviewer must be someone
 *   else"), or "agree" with nothing to agree with;
 * - conflict "withdrawn", then "decided" (unless the policy allows amendments
 *   and the decision is for the current version), then "stale" when
 *   case_version is not the current version; a countersignature ("countersigns"
 *   set) of a case that is not pending_second, or of another decision than
 *   the one waiting, is "stale" too;
 * - else accept.
 * A decision on a pending_second case is the second review, with or without
 * "countersigns" (so that an older client's decision still counts).
 * @current is NULL when no case has the decision's case_id. */
CsdVerdict  csd_decision_judge  (CsDecision          *decision,
                                 CsCase              *current,
                                 gboolean             caller_escalated,
                                 gint64               moved_version,
                                 const char          *caller,
                                 const char * const  *caller_queues,
                                 char               **why);

/* Applies an accepted decision to @kase (the case's new state, version + 1).
 * Accept, override and reject decide the case, with the final label: the
 * model's, the decision's, none. Escalate returns it to its queue's pool,
 * unassigned, at priority 1.0, with its trigger unchanged.
 *
 * Under a two-person rule (policy "second_review"), a first decision whose
 * action is listed is not final: the case becomes pending_second, unassigned
 * (the first reviewer's lease ends), with first_decision set. The second
 * review then decides it: "agree" makes the first decision final (its
 * action and label, at the time of the agreement), any other action is
 * applied as above in place of the first; first_decision is cleared.
 *
 * Returns whether the decision is a final outcome; *final_label is set when
 * it is. */
gboolean    csd_decision_apply  (CsCase              *kase,
                                 CsDecision          *decision,
                                 char               **final_label);

G_END_DECLS
