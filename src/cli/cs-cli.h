/* cs-cli.h: countersign-cli, a thin command-line front on the core.
 *
 * cs-cli.c parses the global options and dispatches to a command;
 * cs-cli-setup.c finds the store and the server the way the workstation does;
 * cs-cli-output.c prints JSON, tables and CSV; one file per group of commands.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "cs-json.h"
#include "cs-store.h"
#include "cs-sync.h"

G_BEGIN_DECLS

#define CS_CLI_NAME "countersign-cli"

/* Exit statuses, as docs/cli.md lists them. */
enum
{
  CS_CLI_EXIT_OK      = 0,
  CS_CLI_EXIT_FAILED  = 1,
  CS_CLI_EXIT_USAGE   = 2,
};

/* The global options, parsed before the command (and again after it, so
 * that `countersign-cli status --data-dir DIR` works too). */
typedef struct
{
  char     *server_url;     /* --server, or NULL */
  char     *token;          /* --token, else $COUNTERSIGN_TOKEN, or NULL */
  char     *data_dir;       /* --data-dir, or NULL */
  gboolean  token_warned;
} CsCli;

typedef struct
{
  const char          *name;         /* "sync", "audit verify" */
  const char          *arguments;    /* positional arguments for the usage line, or NULL */
  const char          *summary;      /* N_(): one line for the command list */
  const GOptionEntry  *entries;      /* the command's own options, or NULL */
  guint                min_args;
  guint                max_args;
  /* @args holds the positional arguments only, NULL-terminated. */
  int                (*run)          (CsCli       *cli,
                                      char       **args);
} CsCliCommand;

extern const CsCliCommand cs_cli_command_sync;
extern const CsCliCommand cs_cli_command_status;
extern const CsCliCommand cs_cli_command_cases;
extern const CsCliCommand cs_cli_command_decide;
extern const CsCliCommand cs_cli_command_undo;
extern const CsCliCommand cs_cli_command_outbox;
extern const CsCliCommand cs_cli_command_audit_verify;
extern const CsCliCommand cs_cli_command_audit_export;

/* cs-cli.c */
int          cs_cli_usage_error       (const CsCliCommand *command,
                                       const char         *format,
                                       ...) G_GNUC_PRINTF (2, 3);
int          cs_cli_fail              (const char         *format,
                                       ...) G_GNUC_PRINTF (1, 2);
int          cs_cli_fail_error        (const GError       *error);

/* cs-cli-setup.c */

/* Where the store and the evidence live: --data-dir, else the workstation's
 * own folders for --server, else the only server this user has data for. */
typedef struct
{
  char *db_path;
  char *asset_dir;
} CsCliPaths;

void         cs_cli_paths_clear       (CsCliPaths         *paths);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CsCliPaths, cs_cli_paths_clear)

/* Opens the store. With @create FALSE a store that does not exist yet is an
 * error telling the user to sign in first. On failure *exit_code says whether
 * the user called us wrongly (usage) or something failed. */
CsStore     *cs_cli_open_store        (CsCli              *cli,
                                       gboolean            create,
                                       CsCliPaths         *paths,
                                       int                *exit_code,
                                       GError            **error);
/* The same for the commands that only read or decide: prints the error and
 * sets *exit_code when there is no store. */
CsStore     *cs_cli_open_existing_store (CsCli              *cli,
                                         const CsCliCommand *command,
                                         int                *exit_code);
/* The server for @store: --server, else the one the store remembers. Refuses
 * a --server other than the one the store already belongs to. NULL when
 * neither says (a usage error) or on a mismatch (a failure). */
char        *cs_cli_server_for_store  (CsCli              *cli,
                                       CsStore            *store,
                                       int                *exit_code,
                                       GError            **error);

/* cs-cli-output.c */

/* @node as compact JSON (one line) in UTF-8, numbers in their shortest form. */
char        *cs_cli_json_to_string    (JsonNode           *node);
/* Writes that and a newline to standard output as UTF-8, untouched by the
 * locale (the output is for programs). */
void         cs_cli_print_json        (JsonNode           *node);
void         cs_cli_write_raw         (const char         *text,
                                       gssize              len);
/* Appends @field to @out quoted as RFC 4180 asks: in double quotes when it
 * holds a comma, quote, CR or LF, with quotes doubled. NULL is empty. */
void         cs_cli_csv_append_field  (GString            *out,
                                       const char         *field);
/* A table: the first row is the header; columns padded to their widest cell,
 * the last one left ragged. */
void         cs_cli_print_table       (GPtrArray          *rows);
char        *cs_cli_format_unix_time  (gint64              unix_seconds);
JsonNode    *cs_cli_string_or_null    (const char         *value);

G_END_DECLS
