/* cs-cli-audit.c: `audit verify` and `audit export`.
 *
 * The audit log is a hash chain kept by the store; verify walks it, export
 * hands it to whoever audits the workstation (JSON Lines or RFC 4180 CSV).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <glib/gi18n.h>

#include "cs-cli.h"

static char *opt_format;

static const GOptionEntry export_entries[] = {
  { "format", 'f', 0, G_OPTION_ARG_STRING, &opt_format,
    N_("jsonl (one JSON object a line, the default) or csv (RFC 4180, with a header row)"), N_("FORMAT") },
  { NULL }
};

static int
run_verify (CsCli  *cli,
            char  **args)
{
  g_autoptr(CsStore) store = NULL;
  g_autoptr(GError) error = NULL;
  gint64 n_entries = 0;
  int code = CS_CLI_EXIT_FAILED;

  store = cs_cli_open_existing_store (cli, &cs_cli_command_audit_verify, &code);
  if (store == NULL)
    return code;

  if (!cs_store_audit_verify (store, &n_entries, &error))
    return cs_cli_fail (_("The audit log does not verify: %s"), error->message);

  {
    g_autofree char *count = g_strdup_printf ("%" G_GINT64_FORMAT, n_entries);

    /* TRANSLATORS: %s is a number of audit entries */
    g_print (ngettext ("ok, %s entry\n", "ok, %s entries\n", (gulong) MIN (n_entries, G_MAXLONG)), count);
  }
  return CS_CLI_EXIT_OK;
}

const CsCliCommand cs_cli_command_audit_verify = {
  .name = "audit verify",
  .summary = N_("Check the audit log’s hash chain"),
  .run = run_verify,
};

static JsonNode *
entry_to_json (const CsAuditEntry *entry)
{
  g_autoptr(JsonObject) obj = json_object_new ();
  JsonNode *detail = NULL;

  if (entry->detail != NULL)
    detail = cs_json_parse (entry->detail, strlen (entry->detail), NULL);
  /* An entry damaged past parsing is still exported, as the text it holds. */
  if (detail == NULL)
    detail = cs_cli_string_or_null (entry->detail);

  json_object_set_int_member (obj, "seq", entry->seq);
  json_object_set_member (obj, "at", cs_cli_string_or_null (entry->at));
  json_object_set_member (obj, "event", cs_cli_string_or_null (entry->event));
  json_object_set_member (obj, "case_id", cs_cli_string_or_null (entry->case_id));
  json_object_set_member (obj, "detail", detail);
  json_object_set_member (obj, "prev_hash", cs_cli_string_or_null (entry->prev_hash));
  json_object_set_member (obj, "hash", cs_cli_string_or_null (entry->hash));
  return cs_json_node_take_object (g_steal_pointer (&obj));
}

static void
append_csv_row (GString     *out,
                const char **fields,
                guint        n_fields)
{
  for (guint i = 0; i < n_fields; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      cs_cli_csv_append_field (out, fields[i]);
    }
  g_string_append (out, "\r\n");
}

static int
run_export (CsCli  *cli,
            char  **args)
{
  g_autoptr(CsStore) store = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  gboolean csv;
  int code = CS_CLI_EXIT_FAILED;

  if (opt_format == NULL || g_str_equal (opt_format, "jsonl"))
    csv = FALSE;
  else if (g_str_equal (opt_format, "csv"))
    csv = TRUE;
  else
    return cs_cli_usage_error (&cs_cli_command_audit_export,
                               _("“%s” is not a format: use jsonl or csv"), opt_format);

  store = cs_cli_open_existing_store (cli, &cs_cli_command_audit_export, &code);
  if (store == NULL)
    return code;

  entries = cs_store_audit_list (store, &error);
  if (entries == NULL)
    return cs_cli_fail_error (error);

  if (csv)
    {
      const char *header[] = { "seq", "at", "event", "case_id", "detail", "prev_hash", "hash" };

      append_csv_row (out, header, G_N_ELEMENTS (header));
    }

  for (guint i = 0; i < entries->len; i++)
    {
      const CsAuditEntry *entry = g_ptr_array_index (entries, i);

      if (csv)
        {
          g_autofree char *seq = g_strdup_printf ("%" G_GINT64_FORMAT, entry->seq);
          const char *fields[] = { seq, entry->at, entry->event, entry->case_id,
                                   entry->detail, entry->prev_hash, entry->hash };

          append_csv_row (out, fields, G_N_ELEMENTS (fields));
        }
      else
        {
          g_autoptr(JsonNode) node = entry_to_json (entry);
          g_autofree char *line = cs_cli_json_to_string (node);

          g_string_append (out, line);
          g_string_append_c (out, '\n');
        }
    }

  cs_cli_write_raw (out->str, (gssize) out->len);
  return CS_CLI_EXIT_OK;
}

const CsCliCommand cs_cli_command_audit_export = {
  .name = "audit export",
  .summary = N_("Write the audit log to standard output"),
  .entries = export_entries,
  .run = run_export,
};
