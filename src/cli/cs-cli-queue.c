/* cs-cli-queue.c: the read-only views: `status`, `cases` and `outbox`.
 *
 * None of them needs the network or a token. The --json shapes are part of
 * the command line's contract (docs/cli.md): add members, never rename them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n.h>

#include "cs-cli.h"

static gboolean opt_json;
static gboolean opt_all;
static char *opt_queue;
static char *opt_sort;

static const GOptionEntry status_entries[] = {
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, N_("Print a JSON object"), NULL },
  { NULL }
};

static const GOptionEntry cases_entries[] = {
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, N_("Print a JSON array"), NULL },
  { "all", 'a', 0, G_OPTION_ARG_NONE, &opt_all,
    N_("Show every case here, not only those to do"), NULL },
  { "queue", 'q', 0, G_OPTION_ARG_STRING, &opt_queue, N_("Show only this queue’s cases"), N_("QUEUE") },
  { "sort", 0, 0, G_OPTION_ARG_STRING, &opt_sort,
    N_("Order: priority (highest first, the default), confidence (least sure first) or due (soonest first)"),
    N_("ORDER") },
  { NULL }
};

static const GOptionEntry outbox_entries[] = {
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, N_("Print a JSON array"), NULL },
  { NULL }
};

/* status */

static void
print_status_line (const char *label,
                   const char *value)
{
  g_print ("%-16s %s\n", label, value);
}

static int
run_status (CsCli  *cli,
            char  **args)
{
  g_autoptr(CsStore) store = NULL;
  g_autoptr(GPtrArray) audit = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *server = NULL, *reviewer = NULL, *reviewer_name = NULL;
  g_autofree char *cursor = NULL, *last_sync = NULL, *last_error = NULL, *last_error_at = NULL;
  CsStoreCounts counts;
  int code = CS_CLI_EXIT_FAILED;

  store = cs_cli_open_existing_store (cli, &cs_cli_command_status, &code);
  if (store == NULL)
    return code;

  audit = cs_store_audit_list (store, &error);
  if (audit == NULL)
    return cs_cli_fail_error (error);

  counts = cs_store_get_counts (store);
  server = cs_store_get_meta (store, "server");
  reviewer = cs_store_get_meta (store, "reviewer");
  reviewer_name = cs_store_get_meta (store, "reviewer_name");
  cursor = cs_store_get_meta (store, "cursor");
  last_sync = cs_store_get_meta (store, "last_sync");
  last_error = cs_store_get_meta (store, "last_error");
  last_error_at = cs_store_get_meta (store, "last_error_at");

  if (opt_json)
    {
      g_autoptr(JsonObject) obj = json_object_new ();
      g_autoptr(JsonNode) node = NULL;

      json_object_set_member (obj, "store", cs_cli_string_or_null (cs_store_get_path (store)));
      json_object_set_member (obj, "server", cs_cli_string_or_null (server));
      json_object_set_member (obj, "reviewer", cs_cli_string_or_null (reviewer));
      json_object_set_member (obj, "reviewer_name", cs_cli_string_or_null (reviewer_name));
      json_object_set_int_member (obj, "todo", counts.todo);
      json_object_set_int_member (obj, "pending", counts.pending);
      json_object_set_int_member (obj, "conflicts", counts.conflicts);
      json_object_set_member (obj, "cursor", cs_cli_string_or_null (cursor));
      json_object_set_member (obj, "last_sync", cs_cli_string_or_null (last_sync));
      json_object_set_member (obj, "last_error", cs_cli_string_or_null (last_error));
      json_object_set_member (obj, "last_error_at", cs_cli_string_or_null (last_error_at));
      json_object_set_int_member (obj, "audit_entries", audit->len);
      node = cs_json_node_take_object (g_steal_pointer (&obj));
      cs_cli_print_json (node);
      return CS_CLI_EXIT_OK;
    }

  {
    g_autofree char *who = NULL;
    g_autofree char *todo = g_strdup_printf ("%u", counts.todo);
    g_autofree char *pending = g_strdup_printf ("%u", counts.pending);
    g_autofree char *conflicts = g_strdup_printf ("%u", counts.conflicts);
    g_autofree char *entries = g_strdup_printf (ngettext ("%u entry", "%u entries", audit->len), audit->len);
    const char *nobody = _("not signed in");
    const char *never = _("never");

    if (reviewer != NULL && reviewer_name != NULL)
      who = g_strdup_printf ("%s (%s)", reviewer, reviewer_name);
    else
      who = g_strdup (reviewer != NULL ? reviewer : nobody);

    print_status_line (_("Store:"), cs_store_get_path (store));
    print_status_line (_("Server:"), server != NULL ? server : _("not synced yet"));
    print_status_line (_("Reviewer:"), who);
    print_status_line (_("To do:"), todo);
    print_status_line (_("To send:"), pending);
    print_status_line (_("Conflicts:"), conflicts);
    print_status_line (_("Cursor:"), cursor != NULL ? cursor : _("none"));
    print_status_line (_("Last sync:"), last_sync != NULL ? last_sync : never);
    if (last_error != NULL)
      {
        g_autofree char *when = g_strdup_printf ("%s (%s)", last_error, last_error_at ? last_error_at : "?");
        print_status_line (_("Last error:"), when);
      }
    print_status_line (_("Audit log:"), entries);
  }
  return CS_CLI_EXIT_OK;
}

const CsCliCommand cs_cli_command_status = {
  .name = "status",
  .summary = N_("Decisions to send, conflicts, cases to do, last sync"),
  .entries = status_entries,
  .run = run_status,
};

/* cases */

static JsonNode *
case_row_to_json (const CsCaseRow *row)
{
  g_autoptr(JsonObject) obj = json_object_new ();
  g_autofree char *due = row->due_at > 0 ? cs_cli_format_unix_time (row->due_at) : NULL;

  json_object_set_string_member (obj, "id", row->id);
  json_object_set_string_member (obj, "queue", row->queue);
  json_object_set_string_member (obj, "title", row->title);
  json_object_set_string_member (obj, "trigger", cs_trigger_kind_to_string (row->trigger));
  json_object_set_double_member (obj, "confidence", row->confidence);
  json_object_set_double_member (obj, "priority", row->priority);
  json_object_set_member (obj, "due_at", cs_cli_string_or_null (due));
  json_object_set_string_member (obj, "local_state", cs_local_state_to_string (row->local_state));
  json_object_set_string_member (obj, "subject_kind", cs_subject_kind_to_string (row->subject_kind));
  return cs_json_node_take_object (g_steal_pointer (&obj));
}

static int
run_cases (CsCli  *cli,
           char  **args)
{
  g_autoptr(CsStore) store = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  CsCaseQuery query = { .sort = CS_SORT_PRIORITY, .trigger = -1, .states = CS_STATES_TODO };
  int code = CS_CLI_EXIT_FAILED;

  if (opt_sort == NULL || g_str_equal (opt_sort, "priority"))
    query.sort = CS_SORT_PRIORITY;
  else if (g_str_equal (opt_sort, "confidence"))
    query.sort = CS_SORT_CONFIDENCE;
  else if (g_str_equal (opt_sort, "due"))
    query.sort = CS_SORT_DUE;
  else
    return cs_cli_usage_error (&cs_cli_command_cases,
                               _("“%s” is not an order: use priority, confidence or due"), opt_sort);
  if (opt_all)
    query.states = 0;
  query.queue = opt_queue;

  store = cs_cli_open_existing_store (cli, &cs_cli_command_cases, &code);
  if (store == NULL)
    return code;

  rows = cs_store_list_cases (store, &query, 0, G_MAXUINT, &error);
  if (rows == NULL)
    return cs_cli_fail_error (error);

  if (opt_json)
    {
      g_autoptr(JsonArray) array = json_array_sized_new (rows->len);
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

      for (guint i = 0; i < rows->len; i++)
        json_array_add_element (array, case_row_to_json (g_ptr_array_index (rows, i)));
      json_node_set_array (node, array);
      cs_cli_print_json (node);
      return CS_CLI_EXIT_OK;
    }

  if (rows->len == 0)
    {
      g_print ("%s\n", opt_all ? _("There are no cases here.") : _("Nothing to do."));
      return CS_CLI_EXIT_OK;
    }

  {
    g_autoptr(GPtrArray) table = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

    g_ptr_array_add (table, g_strdupv ((char *[]) { _("ID"), _("QUEUE"), _("TRIGGER"), _("CONFIDENCE"),
                                                    _("STATE"), _("TITLE"), NULL }));
    for (guint i = 0; i < rows->len; i++)
      {
        CsCaseRow *row = g_ptr_array_index (rows, i);
        char **cells = g_new0 (char *, 7);

        cells[0] = g_strdup (row->id);
        cells[1] = g_strdup (row->queue);
        cells[2] = g_strdup (cs_trigger_kind_to_string (row->trigger));
        cells[3] = g_strdup_printf ("%.2f", row->confidence);
        cells[4] = g_strdup (cs_local_state_to_string (row->local_state));
        cells[5] = g_strdup (row->title);
        g_ptr_array_add (table, cells);
      }
    cs_cli_print_table (table);
  }
  return CS_CLI_EXIT_OK;
}

const CsCliCommand cs_cli_command_cases = {
  .name = "cases",
  .summary = N_("The cases on this workstation (those to do, unless --all)"),
  .entries = cases_entries,
  .run = run_cases,
};

/* outbox */

static const char *
member_or (JsonObject *obj,
           const char *member,
           const char *fallback)
{
  JsonNode *node = json_object_get_member (obj, member);

  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return fallback;
  return json_node_get_string (node);
}

static int
run_outbox (CsCli  *cli,
            char  **args)
{
  g_autoptr(CsStore) store = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  int code = CS_CLI_EXIT_FAILED;

  store = cs_cli_open_existing_store (cli, &cs_cli_command_outbox, &code);
  if (store == NULL)
    return code;

  rows = cs_store_list_outbox (store, &error);
  if (rows == NULL)
    return cs_cli_fail_error (error);

  if (opt_json)
    {
      g_autoptr(JsonArray) array = json_array_sized_new (rows->len);
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

      for (guint i = 0; i < rows->len; i++)
        json_array_add_element (array, json_node_ref (g_ptr_array_index (rows, i)));
      json_node_set_array (node, array);
      cs_cli_print_json (node);
      return CS_CLI_EXIT_OK;
    }

  if (rows->len == 0)
    {
      g_print ("%s\n", _("No decisions have been made here."));
      return CS_CLI_EXIT_OK;
    }

  {
    g_autoptr(GPtrArray) table = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

    g_ptr_array_add (table, g_strdupv ((char *[]) { _("DECISION"), _("CASE"), _("ACTION"), _("LABEL"),
                                                    _("DECIDED AT"), _("STATE"), NULL }));
    for (guint i = 0; i < rows->len; i++)
      {
        JsonObject *obj = json_node_get_object (g_ptr_array_index (rows, i));
        JsonObject *result = NULL;
        char **cells = g_new0 (char *, 7);
        const char *message = NULL;

        if (json_object_has_member (obj, "result") &&
            JSON_NODE_HOLDS_OBJECT (json_object_get_member (obj, "result")))
          result = json_object_get_object_member (obj, "result");
        if (result != NULL)
          message = member_or (result, "message", member_or (result, "reason", NULL));

        cells[0] = g_strdup (member_or (obj, "id", ""));
        cells[1] = g_strdup (member_or (obj, "case_id", ""));
        cells[2] = g_strdup (member_or (obj, "action", ""));
        cells[3] = g_strdup (member_or (obj, "label", "-"));
        cells[4] = g_strdup (member_or (obj, "decided_at", ""));
        cells[5] = message != NULL ? g_strdup_printf ("%s (%s)", member_or (obj, "outbox_state", ""), message)
                                   : g_strdup (member_or (obj, "outbox_state", ""));
        g_ptr_array_add (table, cells);
      }
    cs_cli_print_table (table);
  }
  return CS_CLI_EXIT_OK;
}

const CsCliCommand cs_cli_command_outbox = {
  .name = "outbox",
  .summary = N_("The decisions made here and what the server said of them"),
  .entries = outbox_entries,
  .run = run_outbox,
};
