/* cs-cli.c: countersign-cli's main: global options and the command table.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <locale.h>
#include <stdarg.h>
#include <string.h>

#include <glib/gi18n.h>

#include "cs-cli.h"

static const CsCliCommand *commands[] = {
  &cs_cli_command_sync,
  &cs_cli_command_status,
  &cs_cli_command_cases,
  &cs_cli_command_decide,
  &cs_cli_command_undo,
  &cs_cli_command_outbox,
  &cs_cli_command_audit_verify,
  &cs_cli_command_audit_export,
};

#define GLOBAL_USAGE CS_CLI_NAME " [--server URL] [--token TOKEN] [--data-dir DIR] COMMAND …"

/* GOption writes into these; they move into the CsCli after each parse. */
static char *opt_server;
static char *opt_token;
static char *opt_data_dir;
static gboolean opt_version;

static const GOptionEntry global_entries[] = {
  { "server", 's', 0, G_OPTION_ARG_STRING, &opt_server,
    N_("Review server (default: the one this data was last synced with)"), N_("URL") },
  { "token", 0, 0, G_OPTION_ARG_STRING, &opt_token,
    N_("Access token (prefer the COUNTERSIGN_TOKEN environment variable: a command line is visible to other users)"),
    N_("TOKEN") },
  { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_data_dir,
    N_("Keep the local store and evidence in DIR (default: the workstation’s own)"), N_("DIR") },
  { NULL }
};

static const GOptionEntry version_entries[] = {
  { "version", 0, 0, G_OPTION_ARG_NONE, &opt_version, N_("Show the version and exit"), NULL },
  { NULL }
};

/* Errors */

int
cs_cli_fail (const char *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_printerr ("%s: %s\n", CS_CLI_NAME, message);
  return CS_CLI_EXIT_FAILED;
}

int
cs_cli_fail_error (const GError *error)
{
  return cs_cli_fail ("%s", error->message);
}

int
cs_cli_usage_error (const CsCliCommand *command,
                    const char         *format,
                    ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_printerr ("%s: %s\n", CS_CLI_NAME, message);
  if (command != NULL)
    {
      g_printerr (_("Usage: %s %s%s%s [OPTION…]\n"), CS_CLI_NAME, command->name,
                  command->arguments ? " " : "", command->arguments ? command->arguments : "");
      g_printerr (_("Run “%s %s --help” for more.\n"), CS_CLI_NAME, command->name);
    }
  else
    {
      g_printerr (_("Usage: %s\n"), GLOBAL_USAGE);
      g_printerr (_("Run “%s --help” for the commands.\n"), CS_CLI_NAME);
    }
  return CS_CLI_EXIT_USAGE;
}

/* Option contexts */

static char *
command_list (void)
{
  GString *text = g_string_new (_("Commands:"));

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *synopsis = g_strdup_printf ("%s%s%s", commands[i]->name,
                                                   commands[i]->arguments ? " " : "",
                                                   commands[i]->arguments ? commands[i]->arguments : "");

      if (g_utf8_strlen (synopsis, -1) > 22)
        g_string_append_printf (text, "\n  %s\n  %-22s %s", synopsis, "", _(commands[i]->summary));
      else
        g_string_append_printf (text, "\n  %-22s %s", synopsis, _(commands[i]->summary));
    }
  return g_string_free (text, FALSE);
}

static GOptionContext *
global_context_new (void)
{
  GOptionContext *context = g_option_context_new (_("COMMAND [ARGUMENT…]"));
  g_autofree char *list = command_list ();
  g_autofree char *description = NULL;

  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, global_entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, version_entries, GETTEXT_PACKAGE);
  /* Stop at the command: what follows is the command's to parse. */
  g_option_context_set_strict_posix (context, TRUE);
  g_option_context_set_summary (context, list);
  description = g_strdup_printf (_("Exit status: 0 done, 1 failed (the reason is on standard error), 2 wrong usage.\n"
                                   "Run “%s COMMAND --help” for a command’s options."), CS_CLI_NAME);
  g_option_context_set_description (context, description);
  return context;
}

static GOptionContext *
command_context_new (const CsCliCommand *command)
{
  g_autofree char *parameters = g_strdup_printf ("%s%s%s", command->name,
                                                 command->arguments ? " " : "",
                                                 command->arguments ? command->arguments : "");
  GOptionContext *context = g_option_context_new (parameters);
  GOptionGroup *global;

  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, _(command->summary));
  if (command->entries != NULL)
    g_option_context_add_main_entries (context, command->entries, GETTEXT_PACKAGE);

  global = g_option_group_new ("global", _("Global options:"), _("Show the global options"), NULL, NULL);
  g_option_group_set_translation_domain (global, GETTEXT_PACKAGE);
  g_option_group_add_entries (global, global_entries);
  g_option_context_add_group (context, global);
  return context;
}

/* A later --server (after the command) wins over an earlier one. */
static void
take_global_options (CsCli *cli)
{
  if (opt_server != NULL)
    {
      g_free (cli->server_url);
      cli->server_url = g_steal_pointer (&opt_server);
    }
  if (opt_token != NULL)
    {
      g_free (cli->token);
      cli->token = g_steal_pointer (&opt_token);
      if (!cli->token_warned)
        g_printerr ("%s\n", _("Warning: a token on the command line is visible to other users of this computer; "
                              "use the COUNTERSIGN_TOKEN environment variable instead."));
      cli->token_warned = TRUE;
    }
  if (opt_data_dir != NULL)
    {
      g_free (cli->data_dir);
      cli->data_dir = g_steal_pointer (&opt_data_dir);
    }
}

static const CsCliCommand *
find_command (char   **args,
              guint   *n_words)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_auto(GStrv) words = g_strsplit (commands[i]->name, " ", -1);
      guint n = g_strv_length (words);
      gboolean match = TRUE;

      for (guint j = 0; j < n && match; j++)
        match = args[j] != NULL && g_str_equal (args[j], words[j]);
      if (match)
        {
          *n_words = n;
          return commands[i];
        }
    }
  return NULL;
}

static int
print_help (char **args)
{
  const CsCliCommand *command = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autofree char *help = NULL;
  guint n_words = 0;

  if (args[0] != NULL)
    {
      command = find_command (args, &n_words);
      if (command == NULL)
        return cs_cli_usage_error (NULL, _("There is no command “%s”"), args[0]);
    }

  context = command != NULL ? command_context_new (command) : global_context_new ();
  help = g_option_context_get_help (context, TRUE, NULL);
  g_print ("%s", help);
  return CS_CLI_EXIT_OK;
}

static int
run_command (CsCli  *cli,
             char  **args)
{
  const CsCliCommand *command;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) command_args = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  const char *env_token;
  guint n_words = 0;
  guint n_args;

  if (g_str_equal (args[0], "help"))
    return print_help (args + 1);

  command = find_command (args, &n_words);
  if (command == NULL)
    {
      if (g_str_equal (args[0], "audit"))
        return cs_cli_usage_error (NULL, _("“audit” needs “verify” or “export”"));
      return cs_cli_usage_error (NULL, _("There is no command “%s”"), args[0]);
    }

  /* GOption wants a program name first; the words of the command are not options. */
  g_strv_builder_add (builder, CS_CLI_NAME);
  g_strv_builder_addv (builder, (const char **) args + n_words);
  command_args = g_strv_builder_end (builder);

  context = command_context_new (command);
  if (!g_option_context_parse_strv (context, &command_args, &error))
    return cs_cli_usage_error (command, "%s", error->message);
  take_global_options (cli);

  /* The environment is the safer place for a token; --token wins when given. */
  env_token = g_getenv ("COUNTERSIGN_TOKEN");
  if (cli->token == NULL && env_token != NULL && *env_token != '\0')
    cli->token = g_strdup (env_token);

  n_args = g_strv_length (command_args) - 1;
  if (n_args < command->min_args)
    return cs_cli_usage_error (command, _("“%s” needs more arguments"), command->name);
  if (n_args > command->max_args)
    return cs_cli_usage_error (command, _("Unexpected argument “%s”"), command_args[1 + command->max_args]);

  return command->run (cli, command_args + 1);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) args = NULL;
  CsCli cli = { 0 };
  int status;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname (CS_CLI_NAME);

  args = g_strdupv (argv);
  context = global_context_new ();
  if (!g_option_context_parse_strv (context, &args, &error))
    return cs_cli_usage_error (NULL, "%s", error->message);
  take_global_options (&cli);

  if (opt_version)
    {
      g_print ("%s %s\n", CS_CLI_NAME, PACKAGE_VERSION);
      return CS_CLI_EXIT_OK;
    }
  if (args[0] == NULL || args[1] == NULL)
    return cs_cli_usage_error (NULL, _("No command given"));

  status = run_command (&cli, args + 1);

  if (cli.token != NULL)
    memset (cli.token, 0, strlen (cli.token));
  g_free (cli.token);
  g_free (cli.server_url);
  g_free (cli.data_dir);
  return status;
}
