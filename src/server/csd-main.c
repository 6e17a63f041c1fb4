/* csd-main.c: the countersign-server command line.
 *
 *   countersign-server serve   --data DIR [--listen HOST:PORT] …
 *   countersign-server token   --data DIR create NAME --role ROLE … | list | revoke NAME
 *   countersign-server import  --data DIR --queues FILE --predictions FILE --assets DIR
 *   countersign-server queue   --data DIR put ID FILE | list
 *   countersign-server metrics --data DIR [--queue Q [--by FIELD]]
 *   countersign-server autonomy --data DIR --queue Q [--json]
 *   countersign-server export  --data DIR [--format jsonl|csv] [--since CURSOR]
 *
 * Exit codes: 0 done, 1 failed (with a message on stderr), 2 usage.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <glib-unix.h>

#include "cs-json.h"
#include "csd-autonomy.h"
#include "csd-cohorts.h"
#include "csd-error.h"
#include "csd-handlers.h"
#include "csd-import.h"
#include "csd-overdue.h"
#include "csd-server.h"
#include "csd-storage-sqlite.h"
#include "csd-token.h"
#include "csd-webhooks.h"

#define EXIT_USAGE 2

static const char usage_text[] =
  "Usage: countersign-server COMMAND --data DIR [OPTION…]\n"
  "\n"
  "The reference server of the Countersign review API.\n"
  "\n"
  "Commands:\n"
  "  serve     Serve the API over HTTP\n"
  "  token     Create, list or revoke access tokens\n"
  "  import    Load queues, predictions and their assets from files\n"
  "  queue     Create, replace or list queues\n"
  "  metrics   Print the figures of GET /api/v1/metrics\n"
  "  autonomy  Print a queue's autonomy report (other confidence thresholds)\n"
  "  export    Print the final outcomes as JSON Lines or CSV\n"
  "\n"
  "Run “countersign-server COMMAND --help” for the options of a command.\n";

static char *opt_data;

static GOptionEntry data_entry[] = {
  { "data", 'd', 0, G_OPTION_ARG_FILENAME, &opt_data, "The server's data directory", "DIR" },
  { NULL }
};

static int
fail (const GError *error)
{
  g_printerr ("countersign-server: %s\n", error->message);
  return g_error_matches (error, CSD_ERROR, CSD_ERROR_USAGE) ? EXIT_USAGE : EXIT_FAILURE;
}

static int
usage_error (const char *command,
             const char *message)
{
  g_printerr ("countersign-server %s: %s\nRun “countersign-server %s --help” for usage.\n",
              command, message, command);
  return EXIT_USAGE;
}

/* Parses a command's options; FALSE (after a message) for a usage error. */
static gboolean
parse_options (const char    *command,
               const char    *parameters,
               const char    *summary,
               GOptionEntry  *entries,
               int           *argc,
               char        ***argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (parameters);
  g_autoptr(GError) error = NULL;

  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, data_entry, NULL);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, NULL);

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      usage_error (command, error->message);
      return FALSE;
    }
  if (opt_data == NULL)
    {
      usage_error (command, "--data DIR is required");
      return FALSE;
    }
  return TRUE;
}

static CsdStorage *
open_storage (GError **error)
{
  return csd_storage_sqlite_new (opt_data, error);
}

static void
print_json (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

/* serve */

static gboolean
quit_cb (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_CONTINUE;
}

static int
cmd_serve (int    argc,
           char **argv)
{
  g_autofree char *listen = NULL;
  g_autofree char *tls_cert = NULL;
  g_autofree char *tls_key = NULL;
  double lease_hours = CSD_DEFAULT_LEASE_SECONDS / 3600.0;
  gint lease_seconds = -1;
  gint max_asset_mb = (gint) (CSD_DEFAULT_MAX_ASSET_BYTES / (1024 * 1024));
  gint sweep_seconds = CSD_DEFAULT_SWEEP_SECONDS;
  gint retry_base_ms = CSD_DEFAULT_WEBHOOK_RETRY_BASE_MS;
  gint retry_cap_ms = CSD_DEFAULT_WEBHOOK_RETRY_CAP_MS;
  gboolean webhook_allow_http = FALSE;
  GOptionEntry entries[] = {
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen, "Where to listen (default 127.0.0.1:8765; port 0 picks a free port)", "HOST:PORT" },
    { "lease-hours", 0, 0, G_OPTION_ARG_DOUBLE, &lease_hours, "How long a claim lasts (default 24)", "HOURS" },
    { "lease-seconds", 0, 0, G_OPTION_ARG_INT, &lease_seconds, "How long a claim lasts, in seconds (for tests; overrides --lease-hours)", "SECONDS" },
    { "max-asset-mb", 0, 0, G_OPTION_ARG_INT, &max_asset_mb, "The largest asset accepted, in MiB (default 64)", "MIB" },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &tls_cert, "Serve HTTPS with this certificate (PEM)", "FILE" },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &tls_key, "The certificate's private key (PEM)", "FILE" },
    { "sweep-seconds", 0, 0, G_OPTION_ARG_INT, &sweep_seconds, "How often overdue cases are moved to their queue's on_overdue queue (default 10; 0: never)", "SECONDS" },
    { "webhook-retry-base-ms", 0, 0, G_OPTION_ARG_INT, &retry_base_ms, "The wait before a webhook's first retry, doubled each time (default 1000)", "MS" },
    { "webhook-retry-cap-ms", 0, 0, G_OPTION_ARG_INT, &retry_cap_ms, "The longest wait between webhook retries (default 900000, 15 minutes)", "MS" },
    { "webhook-allow-http", 0, 0, G_OPTION_ARG_NONE, &webhook_allow_http, "Deliver webhooks over plain http to any host, not only to loopback addresses", NULL },
    { NULL }
  };
  g_autoptr(CsdStorage) storage = NULL;
  g_autoptr(CsdServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  gboolean loopback = TRUE;
  guint sigterm, sigint;

  if (!parse_options ("serve", NULL, "Serves the review API.", entries, &argc, &argv))
    return EXIT_USAGE;
  if (argc > 1)
    return usage_error ("serve", "unexpected arguments");
  if ((tls_cert == NULL) != (tls_key == NULL))
    return usage_error ("serve", "--tls-cert and --tls-key go together");
  if (lease_hours < 0 || max_asset_mb < 0)
    return usage_error ("serve", "--lease-hours and --max-asset-mb must not be negative");
  if (sweep_seconds < 0)
    return usage_error ("serve", "--sweep-seconds must not be negative");
  if (retry_base_ms < 1 || retry_cap_ms < retry_base_ms)
    return usage_error ("serve", "--webhook-retry-base-ms must be at least 1, and --webhook-retry-cap-ms at least as much");

  if ((storage = open_storage (&error)) == NULL)
    return fail (error);

  server = csd_server_new (storage, opt_data);
  csd_server_set_lease_seconds (server, lease_seconds >= 0 ? lease_seconds
                                                           : (gint64) (lease_hours * 3600));
  csd_server_set_max_asset_bytes (server, (gint64) max_asset_mb * 1024 * 1024);

  if (tls_cert != NULL && !csd_server_set_tls_files (server, tls_cert, tls_key, &error))
    return fail (error);

  if ((url = csd_server_listen (server, listen ? listen : "127.0.0.1:8765", &loopback, &error)) == NULL)
    return fail (error);

  if (!loopback && tls_cert == NULL)
    g_printerr ("\n"
                "WARNING: countersign-server listens on %s WITHOUT TLS.\n"
                "WARNING: tokens, cases and decisions cross the network in clear text.\n"
                "WARNING: use --tls-cert FILE --tls-key FILE, or put it behind a TLS proxy.\n"
                "\n", url);

  /* Before the line below: whoever reads it may send SIGTERM at once. */
  loop = g_main_loop_new (NULL, FALSE);
  sigterm = g_unix_signal_add (SIGTERM, quit_cb, loop);
  sigint = g_unix_signal_add (SIGINT, quit_cb, loop);

  /* Once at start-up (cases fell due while the server was down), then on a timer. */
  csd_server_start_overdue_sweeps (server, (guint) sweep_seconds);
  /* Deliveries left pending by the last run resume now. */
  csd_webhooks_set_backoff (csd_server_get_webhooks (server), retry_base_ms, retry_cap_ms);
  csd_webhooks_set_allow_http (csd_server_get_webhooks (server), webhook_allow_http);
  csd_webhooks_start (csd_server_get_webhooks (server));

  /* Tests and scripts read this line to learn the port. */
  g_print ("listening on %s\n", url);
  fflush (stdout);

  g_main_loop_run (loop);
  g_source_remove (sigterm);
  g_source_remove (sigint);

  g_message ("stopping");
  csd_server_disconnect (server);
  return EXIT_SUCCESS;
}

/* token */

static int
cmd_token (int    argc,
           char **argv)
{
  g_autofree char *role_str = NULL;
  g_autofree char *queues_str = NULL;
  g_autofree char *display_name = NULL;
  GOptionEntry entries[] = {
    { "role", 'r', 0, G_OPTION_ARG_STRING, &role_str, "reviewer, model or admin (create)", "ROLE" },
    { "queues", 'q', 0, G_OPTION_ARG_STRING, &queues_str, "The reviewer's queues, comma-separated (create)", "A,B" },
    { "display-name", 'n', 0, G_OPTION_ARG_STRING, &display_name, "The name shown in the window (create)", "NAME" },
    { NULL }
  };
  g_autoptr(CsdStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  const char *action;

  if (!parse_options ("token", "create NAME | list | revoke NAME",
                      "Manages access tokens. The server keeps only their SHA-256: a token is shown once, when it is made.",
                      entries, &argc, &argv))
    return EXIT_USAGE;
  if (argc < 2)
    return usage_error ("token", "say create, list or revoke");
  action = argv[1];

  if (g_str_equal (action, "create"))
    {
      g_autoptr(CsdPrincipal) principal = g_new0 (CsdPrincipal, 1);
      g_autoptr(GStrvBuilder) queues = g_strv_builder_new ();
      g_autofree char *token = NULL;
      g_autofree char *hash = NULL;

      if (argc != 3)
        return usage_error ("token", "create takes one NAME");
      if (!csd_token_name_is_valid (argv[2]))
        return usage_error ("token", "a NAME is 1 to 64 of the characters A-Z a-z 0-9 . _ @ + -");
      if (role_str == NULL)
        return usage_error ("token", "create needs --role reviewer|model|admin");

      principal->name = g_strdup (argv[2]);
      if (!csd_role_from_string (role_str, &principal->role))
        return usage_error ("token", "--role is reviewer, model or admin");
      principal->display_name = g_steal_pointer (&display_name);
      principal->created_at = g_date_time_ref (now);
      if (queues_str != NULL)
        {
          g_auto(GStrv) parts = g_strsplit (queues_str, ",", -1);

          for (guint i = 0; parts[i] != NULL; i++)
            if (*g_strstrip (parts[i]) != '\0')
              g_strv_builder_add (queues, parts[i]);
        }
      principal->queues = g_strv_builder_end (queues);

      if ((storage = open_storage (&error)) == NULL ||
          (token = csd_token_generate (&error)) == NULL)
        return fail (error);
      hash = csd_token_hash (token);
      if (!csd_storage_token_create (storage, principal, hash, &error))
        return fail (error);

      g_printerr ("Created the token of %s (role %s). It is shown only this once; keep it secret.\n",
                  principal->name, role_str);
      g_print ("%s\n", token);
      explicit_bzero (token, strlen (token));
      return EXIT_SUCCESS;
    }

  if (g_str_equal (action, "list"))
    {
      g_autoptr(GPtrArray) principals = NULL;

      if (argc != 2)
        return usage_error ("token", "list takes no arguments");
      if ((storage = open_storage (&error)) == NULL ||
          (principals = csd_storage_token_list (storage, &error)) == NULL)
        return fail (error);

      g_print ("%-24s %-8s %-8s %-20s %-24s %s\n", "NAME", "ROLE", "STATUS", "CREATED", "QUEUES", "DISPLAY NAME");
      for (guint i = 0; i < principals->len; i++)
        {
          CsdPrincipal *p = g_ptr_array_index (principals, i);
          g_autofree char *created = cs_format_time (p->created_at);
          g_autofree char *queues = g_strjoinv (",", p->queues);

          g_print ("%-24s %-8s %-8s %-20s %-24s %s\n", p->name, csd_role_to_string (p->role),
                   p->revoked_at ? "revoked" : "valid", created ? created : "-",
                   *queues ? queues : "-", p->display_name ? p->display_name : "-");
        }
      return EXIT_SUCCESS;
    }

  if (g_str_equal (action, "revoke"))
    {
      if (argc != 3)
        return usage_error ("token", "revoke takes one NAME");
      if ((storage = open_storage (&error)) == NULL ||
          !csd_storage_token_revoke (storage, argv[2], now, &error))
        return fail (error);
      g_printerr ("Revoked the token of %s\n", argv[2]);
      return EXIT_SUCCESS;
    }

  return usage_error ("token", "say create, list or revoke");
}

/* import */

static int
cmd_import (int    argc,
            char **argv)
{
  g_autofree char *queues = NULL;
  g_autofree char *predictions = NULL;
  g_autofree char *assets = NULL;
  g_autofree char *as_of_text = NULL;
  g_autoptr(GDateTime) as_of = NULL;
  GOptionEntry entries[] = {
    { "queues", 0, 0, G_OPTION_ARG_FILENAME, &queues, "Queues to create or replace: {\"queues\": [...]}", "FILE.json" },
    { "predictions", 0, 0, G_OPTION_ARG_FILENAME, &predictions, "Predictions, one JSON object a line", "FILE.jsonl" },
    { "assets", 0, 0, G_OPTION_ARG_FILENAME, &assets, "Where the predictions' assets are", "DIR" },
    { "as-of", 0, 0, G_OPTION_ARG_STRING, &as_of_text,
      "The time the data set was made: created_at and due_at move by the time since, so that cases keep their age and time left",
      "ISO8601" },
    { NULL }
  };
  g_autoptr(CsdStorage) storage = NULL;
  g_autoptr(GError) error = NULL;

  if (!parse_options ("import", NULL,
                      "Loads a data set without HTTP, routed by the same rules as POST /api/v1/predictions.",
                      entries, &argc, &argv))
    return EXIT_USAGE;
  if (argc > 1)
    return usage_error ("import", "unexpected arguments");
  if (queues == NULL && predictions == NULL)
    return usage_error ("import", "give --queues, --predictions or both");
  if (as_of_text != NULL && (as_of = g_date_time_new_from_iso8601 (as_of_text, NULL)) == NULL)
    return usage_error ("import", "--as-of takes an ISO 8601 time with its zone, such as 2026-11-24T08:00:00Z");

  if ((storage = open_storage (&error)) == NULL)
    return fail (error);
  if (!csd_import_run (storage, opt_data, queues, predictions, assets, as_of, &error))
    {
      if (error != NULL)
        return fail (error);
      return EXIT_FAILURE;
    }
  return EXIT_SUCCESS;
}

/* queue */

static int
cmd_queue (int    argc,
           char **argv)
{
  g_autoptr(CsdStorage) storage = NULL;
  g_autoptr(GError) error = NULL;

  if (!parse_options ("queue", "put ID FILE.json | list",
                      "Creates or replaces a queue (as PUT /api/v1/queues/ID), or lists them with their settings.",
                      NULL, &argc, &argv))
    return EXIT_USAGE;
  if (argc < 2)
    return usage_error ("queue", "say put or list");

  if (g_str_equal (argv[1], "put"))
    {
      g_autofree char *contents = NULL;
      g_autoptr(JsonNode) node = NULL;
      g_autoptr(CsQueue) queue = NULL;
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
      gboolean created = FALSE;
      gsize len = 0;

      if (argc != 4)
        return usage_error ("queue", "put takes ID FILE.json");
      if (!g_file_get_contents (argv[3], &contents, &len, &error) ||
          (node = cs_json_parse (contents, len, &error)) == NULL ||
          (queue = cs_queue_new_from_json (node, argv[2], &error)) == NULL)
        {
          g_prefix_error (&error, "%s: ", argv[3]);
          return fail (error);
        }
      if ((storage = open_storage (&error)) == NULL ||
          !csd_storage_queue_put (storage, queue, now, &created, &error))
        return fail (error);
      g_printerr ("%s queue %s\n", created ? "Created" : "Replaced", argv[2]);
      return EXIT_SUCCESS;
    }

  if (g_str_equal (argv[1], "list"))
    {
      g_autoptr(GPtrArray) queues = NULL;
      g_autoptr(JsonObject) obj = json_object_new ();
      g_autoptr(JsonNode) node = NULL;
      JsonArray *arr = json_array_new ();

      json_object_set_array_member (obj, "queues", arr);
      if (argc != 2)
        return usage_error ("queue", "list takes no arguments");
      if ((storage = open_storage (&error)) == NULL ||
          (queues = csd_storage_queue_list (storage, &error)) == NULL)
        return fail (error);
      for (guint i = 0; i < queues->len; i++)
        json_array_add_element (arr, cs_queue_to_json (g_ptr_array_index (queues, i), TRUE));
      node = json_node_init_object (json_node_alloc (), obj);
      print_json (node);
      return EXIT_SUCCESS;
    }

  return usage_error ("queue", "say put or list");
}

/* metrics, export */

static int
cmd_metrics (int    argc,
             char **argv)
{
  g_autofree char *queue = NULL;
  g_autofree char *by = NULL;
  GOptionEntry entries[] = {
    { "queue", 'q', 0, G_OPTION_ARG_STRING, &queue, "One queue (default: all)", "ID" },
    { "by", 'b', 0, G_OPTION_ARG_STRING, &by, "Break the queue's figures down by this context field (needs --queue)", "FIELD" },
    { NULL }
  };
  g_autoptr(CsdStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(CsQueue) known = NULL;
  g_autoptr(GPtrArray) figures = NULL;
  CsdMetrics metrics;

  if (!parse_options ("metrics", NULL, "Prints the figures of GET /api/v1/metrics as JSON.",
                      entries, &argc, &argv))
    return EXIT_USAGE;
  if (argc > 1)
    return usage_error ("metrics", "unexpected arguments");
  if (by != NULL && queue == NULL)
    return usage_error ("metrics", "--by needs --queue: cohorts are compared within one queue");

  if ((storage = open_storage (&error)) == NULL)
    return fail (error);
  if (queue != NULL && (known = csd_storage_queue_get (storage, queue, &error)) == NULL)
    return fail (error);
  if (!csd_storage_metrics (storage, queue, &metrics, &error) ||
      (by != NULL && (figures = csd_storage_case_figures (storage, queue, by, &error)) == NULL))
    return fail (error);

  node = csd_metrics_to_json (&metrics);
  if (by != NULL)
    csd_cohorts_add_to_json (json_node_get_object (node), known, by, figures);
  print_json (node);
  return EXIT_SUCCESS;
}

/* The autonomy report as a table a person reads in a terminal. */
static void
print_autonomy (const CsdAutonomy *autonomy,
                const char        *queue)
{
  g_print ("Queue %s: %" G_GINT64_FORMAT " cases with known truth; target error %.3f%s\n\n",
           queue, autonomy->points[0].with_truth, autonomy->target_error,
           autonomy->target_given ? "" : " (the default: the policy sets no target_error)");
  g_print ("%-9s %-12s %-9s %-9s %-6s %-17s %s\n",
           "THRESHOLD", "INTERVENTION", "MODEL", "FINAL", "N", "FINAL 95% CI", "LEFT OUT");
  for (guint i = 0; i < autonomy->n_points; i++)
    {
      const CsdAutonomyPoint *p = &autonomy->points[i];
      g_autofree char *intervention = NULL;
      g_autofree char *model = NULL;
      g_autofree char *final = NULL;
      g_autofree char *ci = NULL;

      if (p->with_truth > 0)
        {
          intervention = g_strdup_printf ("%.3f", (double) p->below / p->with_truth);
          model = g_strdup_printf ("%.3f", (double) p->model_correct / p->with_truth);
        }
      if (p->n > 0)
        {
          double lo, hi;

          csd_wilson_interval (p->final_correct, p->n, &lo, &hi);
          final = g_strdup_printf ("%.3f", (double) p->final_correct / p->n);
          ci = g_strdup_printf ("[%.3f, %.3f]", lo, hi);
        }
      g_print ("%-9.2f %-12s %-9s %-9s %-6" G_GINT64_FORMAT " %-17s %" G_GINT64_FORMAT "%s\n",
               p->threshold, intervention ? intervention : "-", model ? model : "-",
               final ? final : "-", p->n, ci ? ci : "-", p->left_out,
               (int) i == autonomy->recommended ? "   <- recommended" : "");
    }
  g_print ("\nRecommended threshold: ");
  if (autonomy->recommended >= 0)
    g_print ("%.2f\n", autonomy->points[autonomy->recommended].threshold);
  else
    g_print ("none\n");
  g_print ("%s.\n", autonomy->reason);
  g_print ("\nFinal accuracy takes the model's label at or above the threshold and the person's\n"
           "final label below it; cases below it that no person labelled are left out (LEFT OUT).\n");
}

static int
cmd_autonomy (int    argc,
              char **argv)
{
  g_autofree char *queue = NULL;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "queue", 'q', 0, G_OPTION_ARG_STRING, &queue, "The queue", "ID" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print the JSON of GET /api/v1/queues/ID/autonomy", NULL },
    { NULL }
  };
  g_autoptr(CsdStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsQueue) known = NULL;
  g_autoptr(GPtrArray) figures = NULL;
  g_autoptr(CsdAutonomy) autonomy = NULL;

  if (!parse_options ("autonomy", NULL,
                      "Prints, for confidence thresholds 0.50 to 0.99, how many cases a person would see and "
                      "how accurate the outcomes would be, from the cases with known truth, and the threshold "
                      "the queue's target_error allows.",
                      entries, &argc, &argv))
    return EXIT_USAGE;
  if (argc > 1)
    return usage_error ("autonomy", "unexpected arguments");
  if (queue == NULL)
    return usage_error ("autonomy", "--queue ID is required");

  if ((storage = open_storage (&error)) == NULL ||
      (known = csd_storage_queue_get (storage, queue, &error)) == NULL ||
      (figures = csd_storage_case_figures (storage, queue, NULL, &error)) == NULL)
    return fail (error);

  autonomy = csd_autonomy_compute (figures, cs_queue_get_policy (known)->target_error);
  if (json)
    {
      g_autoptr(JsonNode) node = csd_autonomy_to_json (autonomy, queue);

      print_json (node);
    }
  else
    print_autonomy (autonomy, queue);
  return EXIT_SUCCESS;
}

static int
cmd_export (int    argc,
            char **argv)
{
  g_autofree char *since_str = NULL;
  g_autofree char *format = NULL;
  GOptionEntry entries[] = {
    { "since", 's', 0, G_OPTION_ARG_STRING, &since_str, "Only outcomes after this cursor", "CURSOR" },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format, "jsonl (the default) or csv", "FORMAT" },
    { NULL }
  };
  g_autoptr(CsdStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) outcomes = NULL;
  g_autofree char *lines = NULL;
  gint64 since, cursor;

  if (!parse_options ("export", NULL,
                      "Prints the final outcomes as JSON Lines, as GET /api/v1/export/outcomes, or as CSV with a header row; the last cursor goes to stderr.",
                      entries, &argc, &argv))
    return EXIT_USAGE;
  if (argc > 1)
    return usage_error ("export", "unexpected arguments");
  if (format != NULL && !g_str_equal (format, "jsonl") && !g_str_equal (format, "csv"))
    return usage_error ("export", "--format is jsonl or csv");
  if (!csd_parse_cursor (since_str, &since))
    return usage_error ("export", "--since takes a cursor from an earlier export");

  if ((storage = open_storage (&error)) == NULL ||
      (outcomes = csd_storage_outcomes (storage, since, 0, &error)) == NULL)
    return fail (error);

  if (format != NULL && g_str_equal (format, "csv"))
    lines = csd_outcomes_to_csv (outcomes, since, &cursor);
  else
    lines = csd_outcomes_to_json_lines (outcomes, since, &cursor);
  fputs (lines, stdout);
  g_printerr ("cursor %" G_GINT64_FORMAT "\n", cursor);
  return EXIT_SUCCESS;
}

int
main (int    argc,
      char **argv)
{
  static const struct {
    const char *name;
    int (*run) (int argc, char **argv);
  } commands[] = {
    { "serve", cmd_serve },
    { "token", cmd_token },
    { "import", cmd_import },
    { "queue", cmd_queue },
    { "metrics", cmd_metrics },
    { "autonomy", cmd_autonomy },
    { "export", cmd_export },
  };
  int status;

  g_set_prgname ("countersign-server");

  if (argc < 2)
    {
      g_printerr ("%s", usage_text);
      return EXIT_USAGE;
    }
  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") || g_str_equal (argv[1], "help"))
    {
      g_print ("%s", usage_text);
      return EXIT_SUCCESS;
    }
  if (g_str_equal (argv[1], "--version"))
    {
      g_print ("countersign-server %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      {
        char **args = argv + 1;
        int n_args = argc - 1;

        status = commands[i].run (n_args, args);
        g_free (opt_data);
        return status;
      }

  g_printerr ("countersign-server: unknown command “%s”\n\n%s", argv[1], usage_text);
  return EXIT_USAGE;
}
