/* csd-decision-rules.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "csd-decision-rules.h"

CsdVerdict
csd_decision_judge (CsDecision          *decision,
                    CsCase              *current,
                    gboolean             caller_escalated,
                    const char          *caller,
                    const char * const  *caller_queues,
                    char               **why)
{
  g_autoptr(GError) error = NULL;
  const CsDecided *decided;

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

  if (caller_queues == NULL || !g_strv_contains (caller_queues, cs_case_get_queue (current)))
    {
      *why = g_strdup_printf ("Case %s is in queue %s, which is not one of %s's queues",
                              cs_case_get_id (current), cs_case_get_queue (current), caller);
      return CSD_VERDICT_INVALID;
    }

  if (cs_decision_get_action (decision) == CS_ACTION_AGREE)
    {
      *why = g_strdup ("This queue has no second review: there is nothing to agree with");
      return CSD_VERDICT_INVALID;
    }

  if (!cs_decision_check_policy (decision, cs_case_get_labels (current), cs_case_get_policy (current),
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
      if (!cs_case_get_policy (current)->allow_amendments ||
          cs_decision_get_case_version (decision) != cs_case_get_version (current) ||
          decided == NULL || g_strcmp0 (decided->by, caller) != 0)
        {
          *why = g_strdup ("decided");
          return CSD_VERDICT_CONFLICT;
        }
      return CSD_VERDICT_ACCEPT;

    case CS_CASE_STATUS_OPEN:
    case CS_CASE_STATUS_PENDING_SECOND:
    default:
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
  CsDecided decided = {
    .by = (char *) cs_decision_get_reviewer (decision),
    .action = action,
    .label = NULL,
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
      return FALSE;
    }

  if (action == CS_ACTION_ACCEPT)
    decided.label = (char *) cs_case_get_predicted_label (kase);
  else if (action == CS_ACTION_OVERRIDE)
    decided.label = (char *) cs_decision_get_label (decision);

  cs_case_set_status (kase, CS_CASE_STATUS_DECIDED);
  cs_case_set_decided (kase, &decided);
  *final_label = g_strdup (decided.label);
  return TRUE;
}
