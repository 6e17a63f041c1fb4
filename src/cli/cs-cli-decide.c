/* cs-cli-decide.c: `decide` and `undo`.
 *
 * A decision goes through the same core calls as the window's: checked
 * against the queue's policy, then written with its outbox row and audit
 * entry in one transaction. It is durable when the command returns; the next
 * sync sends it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n.h>

#include "cs-cli.h"

static char *opt_label;
static char *opt_rationale;
static char *opt_initial_label;

static const GOptionEntry decide_entries[] = {
  { "label", 'l', 0, G_OPTION_ARG_STRING, &opt_label,
    N_("The label chosen instead of the model’s (override only)"), N_("LABEL") },
  { "rationale", 'r', 0, G_OPTION_ARG_STRING, &opt_rationale,
    N_("Why: the queue’s policy says for which actions and how long"), N_("TEXT") },
  { "initial-label", 0, 0, G_OPTION_ARG_STRING, &opt_initial_label,
    N_("The label chosen before seeing the model’s (queues that review blind first)"), N_("LABEL") },
  { NULL }
};

static int
run_decide (CsCli  *cli,
            char  **args)
{
  const char *case_id = args[0];
  const char *action_name = args[1];
  g_autoptr(CsStore) store = NULL;
  g_autoptr(CsCase) kase = NULL;
  g_autoptr(CsDecision) decision = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *reviewer = NULL;
  CsLocalState state;
  CsAction action;
  int code = CS_CLI_EXIT_FAILED;

  /* "agree" only countersigns another reviewer's decision: not a first decision. */
  if (!cs_action_from_string (action_name, &action) || action == CS_ACTION_AGREE)
    return cs_cli_usage_error (&cs_cli_command_decide,
                               _("“%s” is not an action: use accept, override, reject or escalate"), action_name);
  if (opt_label != NULL && action != CS_ACTION_OVERRIDE)
    return cs_cli_usage_error (&cs_cli_command_decide, _("--label goes with override only"));

  store = cs_cli_open_existing_store (cli, &cs_cli_command_decide, &code);
  if (store == NULL)
    return code;

  reviewer = cs_store_get_meta (store, "reviewer");
  if (reviewer == NULL)
    return cs_cli_fail (_("No reviewer has signed in with this data; sign in first: run %s sync --once"),
                        CS_CLI_NAME);

  kase = cs_store_get_case (store, case_id, &error);
  if (kase == NULL)
    return cs_cli_fail_error (error);

  /* The window never offers these; the server would only answer "conflict". */
  if (cs_store_get_local_state (store, case_id, &state) && state == CS_LOCAL_CLOSED)
    return cs_cli_fail (_("“%s” is no longer yours to decide: someone else decided it, it was withdrawn, "
                          "or your claim on it ran out"), case_id);

  decision = cs_decision_new (case_id, cs_case_get_version (kase), action, opt_label,
                              opt_rationale, reviewer, 0);
  if (opt_initial_label != NULL)
    cs_decision_set_initial_label (decision, opt_initial_label);

  if (!cs_store_commit_decision (store, decision, &error))
    return cs_cli_fail_error (error);

  g_print ("%s\n", cs_decision_get_id (decision));
  return CS_CLI_EXIT_OK;
}

const CsCliCommand cs_cli_command_decide = {
  .name = "decide",
  .arguments = "CASE_ID accept|override|reject|escalate",
  .summary = N_("Decide a case here; the next sync sends the decision"),
  .entries = decide_entries,
  .min_args = 2,
  .max_args = 2,
  .run = run_decide,
};

static int
run_undo (CsCli  *cli,
          char  **args)
{
  g_autoptr(CsStore) store = NULL;
  g_autoptr(GError) error = NULL;
  int code = CS_CLI_EXIT_FAILED;

  store = cs_cli_open_existing_store (cli, &cs_cli_command_undo, &code);
  if (store == NULL)
    return code;

  if (!cs_store_undo_decision (store, args[0], &error))
    return cs_cli_fail_error (error);

  g_print (_("Took back decision %s; its case is to do again.\n"), args[0]);
  return CS_CLI_EXIT_OK;
}

const CsCliCommand cs_cli_command_undo = {
  .name = "undo",
  .arguments = "DECISION_ID",
  .summary = N_("Take back a decision that has not been sent yet"),
  .min_args = 1,
  .max_args = 1,
  .run = run_undo,
};
