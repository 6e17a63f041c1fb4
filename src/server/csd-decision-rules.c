/* csd-decision-rules.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "csd-decision-rules.h"

/* The final label a decision gives: the model's, the decision's, none. */
static const char *
final_label_of (CsCase     *kase,
                CsDecision *decision)
{
  switch (cs_decision_get_action (decision))
    {
    case CS_ACTION_ACCEPT:
      return cs_case_get_predicted_label (kase);
    case CS_ACTION_OVERRIDE:
      return cs_decision_get_label (decision);
    case CS_ACTION_REJECT:
    case CS_ACTION_ESCALATE:
    case CS_ACTION_AGREE:
    default:
      return NULL;
    }
}

CsdVerdict
csd_decision_judge (CsDecision          *decision,
                    CsCase              *current,
                    gboolean             caller_escalated,
                    gint64               moved_version,
                    const char          *caller,
                    const char * const  *caller_queues,
                    char               **why)
{
  g_autoptr(GError) error = NULL;
  const CsDecided *decided;
  const CsDecided *first;
  const char *countersigns = cs_decision_get_countersigns (decision);
  CsAction action = cs_decision_get_action (decision);
  gboolean second;

  *why = NULL;

  if (g_strcmp0 (cs_decision_get_reviewer (decision), caller) != 0)
    {
      *why = g_strdup_printf ("The decision names reviewer %s, but the token belongs to %s",
                              cs_decision_get_reviewer (decision), caller);
      return CSD_VERDICT_INVALID;
    }

  if (current == NULL)
    {
      *why = g_strdup_printf ("There is no case %s", cs_decision_get_case_id (decision));
      return CSD_VERDICT_INVALID;
    }

  /* Before the queue check: a case moved away from the reviewer's queue is
   * theirs no more, and their late decision is a conflict they can see. */
  if (moved_version > 0 && cs_decision_get_case_version (decision) < moved_version)
    {
      *why = g_strdup ("withdrawn");
      return CSD_VERDICT_CONFLICT;
    }

  if (caller_queues == NULL || !g_strv_contains (caller_queues, cs_case_get_queue (current)))
    {
      *why = g_strdup_printf ("Case %s is in queue %s, which is not one of %s's queues",
                              cs_case_get_id (current), cs_case_get_queue (current), caller);
      return CSD_VERDICT_INVALID;
    }

  first = cs_case_get_first_decision (current);
  second = countersigns != NULL || cs_case_get_status (current) == CS_CASE_STATUS_PENDING_SECOND;

  if (action == CS_ACTION_AGREE && !second)
    {
      *why = g_strdup ("This queue has no second review: there is nothing to agree with");
      return CSD_VERDICT_INVALID;
    }

  if (second && first != NULL && g_strcmp0 (first->by, caller) == 0)
    {
      *why = g_strdup_printf ("%s made the first decision on case %s: a second reviewer must be someone else",
                              caller, cs_case_get_id (current));
      return CSD_VERDICT_INVALID;
    }

  /* Agreeing adds nothing to check: the first decision passed the policy. */
  if (action != CS_ACTION_AGREE &&
      !cs_decision_check_policy (decision, cs_case_get_labels (current), cs_case_get_policy (current),
                                 cs_case_get_predicted_label (current), &error))
    {
      *why = g_strdup (error->message);
      return CSD_VERDICT_INVALID;
    }

  /* After an escalation the case must reach someone else. */
  if (caller_escalated)
    {
      *why = g_strdup_printf ("%s escalated case %s: another reviewer must decide it",
                              caller, cs_case_get_id (current));
      return CSD_VERDICT_INVALID;
    }

  switch (cs_case_get_status (current))
    {
    case CS_CASE_STATUS_WITHDRAWN:
      *why = g_strdup ("withdrawn");
      return CSD_VERDICT_CONFLICT;

    case CS_CASE_STATUS_DECIDED:
      decided = cs_case_get_decided (current);
      if (countersigns != NULL ||
          !cs_case_get_policy (current)->allow_amendments ||
          cs_decision_get_case_version (decision) != cs_case_get_version (current) ||
          decided == NULL || g_strcmp0 (decided->by, caller) != 0)
        {
          *why = g_strdup (countersigns != NULL ? "stale" : "decided");
          return CSD_VERDICT_CONFLICT;
        }
      return CSD_VERDICT_ACCEPT;

    case CS_CASE_STATUS_PENDING_SECOND:
      if (countersigns != NULL && (first == NULL || g_strcmp0 (countersigns, first->id) != 0))
        {
          *why = g_strdup ("stale");
          return CSD_VERDICT_CONFLICT;
        }
      break;

    case CS_CASE_STATUS_OPEN:
    default:
      /* A countersignature of a case that waits for none. */
      if (countersigns != NULL)
        {
          *why = g_strdup ("stale");
          return CSD_VERDICT_CONFLICT;
        }
      break;
    }

  if (cs_decision_get_case_version (decision) != cs_case_get_version (current))
    {
      *why = g_strdup ("stale");
      return CSD_VERDICT_CONFLICT;
    }

  return CSD_VERDICT_ACCEPT;
}

gboolean
csd_decision_apply (CsCase      *kase,
                    CsDecision  *decision,
                    char       **final_label)
{
  CsAction action = cs_decision_get_action (decision);
  const CsDecided *first = cs_case_get_first_decision (kase);
  gboolean second = cs_case_get_status (kase) == CS_CASE_STATUS_PENDING_SECOND && first != NULL;
  CsDecided decided = {
    .by = (char *) cs_decision_get_reviewer (decision),
    .action = action,
    .label = (char *) final_label_of (kase, decision),
    .at = cs_decision_get_decided_at (decision),
  };

  *final_label = NULL;
  cs_case_set_version (kase, cs_case_get_version (kase) + 1);

  if (action == CS_ACTION_ESCALATE)
    {
      cs_case_set_status (kase, CS_CASE_STATUS_OPEN);
      cs_case_set_assigned_to (kase, NULL, NULL);
      cs_case_set_priority (kase, 1.0);
      cs_case_set_decided (kase, NULL);
      cs_case_set_first_decision (kase, NULL);
      return FALSE;
    }

  if (action == CS_ACTION_AGREE && second)
    {
      /* The first decision becomes final, as of the agreement. */
      decided.by = first->by;
      decided.action = first->action;
      decided.label = first->label;
    }
  else if (!second && (cs_case_get_policy (kase)->second_review & (1u << action)) != 0)
    {
      CsDecided waiting = decided;

      waiting.id = (char *) cs_decision_get_id (decision);
      waiting.rationale = (char *) cs_decision_get_rationale (decision);
      cs_case_set_status (kase, CS_CASE_STATUS_PENDING_SECOND);
      cs_case_set_assigned_to (kase, NULL, NULL);
      cs_case_set_decided (kase, NULL);
      cs_case_set_first_decision (kase, &waiting);
      return FALSE;
    }

  *final_label = g_strdup (decided.label);
  cs_case_set_status (kase, CS_CASE_STATUS_DECIDED);
  cs_case_set_decided (kase, &decided);
  cs_case_set_first_decision (kase, NULL);
  return TRUE;
}
