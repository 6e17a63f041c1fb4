/* cs-cli-sync.c: `countersign-cli sync [--once]`.
 *
 * The store keeps no sync error of its own (CsSync holds it in memory), so the
 * command keeps one in meta "last_error" for `status`: set when a sync fails,
 * cleared when one succeeds, with "last_sync" and "last_error_at" beside it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <signal.h>
#include <stdio.h>

#include <glib/gi18n.h>
#include <glib-unix.h>

#include "cs-cli.h"

static gboolean opt_once;
static gboolean opt_no_evidence;

static const GOptionEntry sync_entries[] = {
  { "once", 0, 0, G_OPTION_ARG_NONE, &opt_once,
    N_("Run one cycle and exit (default: keep syncing until interrupted)"), NULL },
  { "no-evidence", 0, 0, G_OPTION_ARG_NONE, &opt_no_evidence,
    N_("Do not download the evidence files of claimed cases"), NULL },
  { NULL }
};

static char *
now_string (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return cs_format_time (now);
}

static void
record_success (CsStore  *store,
                CsClient *client)
{
  g_autofree char *now = now_string ();
  g_autofree char *known = cs_store_get_meta (store, "server");
  g_autoptr(GError) error = NULL;

  /* The server is remembered once it has answered as ours. */
  if (known == NULL &&
      !cs_store_set_meta (store, "server", cs_client_get_base_url (client), &error))
    g_printerr ("%s: %s\n", CS_CLI_NAME, error->message);
  cs_store_set_meta (store, "last_sync", now, NULL);
  cs_store_set_meta (store, "last_error", NULL, NULL);
  cs_store_set_meta (store, "last_error_at", NULL, NULL);
}

static void
record_failure (CsStore    *store,
                const char *message)
{
  g_autofree char *now = now_string ();

  cs_store_set_meta (store, "last_error", message, NULL);
  cs_store_set_meta (store, "last_error_at", now, NULL);
}

static void
print_hint (const GError *error)
{
  if (g_error_matches (error, CS_ERROR, CS_ERROR_UNAUTHORIZED))
    g_printerr ("%s\n", _("Check the token in COUNTERSIGN_TOKEN: it may be mistyped, expired or revoked."));
  else if (g_error_matches (error, CS_ERROR, CS_ERROR_UNAVAILABLE))
    g_printerr ("%s\n", _("Your decisions are kept here and will be sent by the next sync that reaches the server."));
}

static char *
counts_text (CsStore *store)
{
  CsStoreCounts counts = cs_store_get_counts (store);
  g_autofree char *conflicts = g_strdup_printf (ngettext ("%u conflict", "%u conflicts", counts.conflicts),
                                                counts.conflicts);

  /* TRANSLATORS: "3 to do, 0 to send, 1 conflict" */
  return g_strdup_printf (_("%u to do, %u to send, %s"), counts.todo, counts.pending, conflicts);
}

/* sync --once */

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
} OnceWait;

static void
once_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  OnceWait *wait = user_data;

  wait->ok = cs_sync_run_once_finish (CS_SYNC (source), result, &wait->error);
  wait->done = TRUE;
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
  return G_SOURCE_CONTINUE;
}

static int
sync_once (CsSync   *sync,
           CsStore  *store,
           CsClient *client)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *counts = NULL;
  OnceWait wait = { 0 };
  guint sigint_id, sigterm_id;

  sigint_id = g_unix_signal_add (SIGINT, cancel_cb, cancellable);
  sigterm_id = g_unix_signal_add (SIGTERM, cancel_cb, cancellable);

  /* Whatever an interrupted run left inflight has an unknown outcome: send it
   * again with the same ids, and the server answers "duplicate" if it had it. */
  cs_store_outbox_requeue (store, NULL);
  cs_sync_run_once_async (sync, cancellable, once_done_cb, &wait);
  while (!wait.done)
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);

  if (!wait.ok)
    {
      g_autoptr(GError) error = wait.error;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return cs_cli_fail ("%s", _("Stopped before the sync finished; run it again to finish."));
      record_failure (store, error->message);
      cs_cli_fail_error (error);
      print_hint (error);
      return CS_CLI_EXIT_FAILED;
    }

  record_success (store, client);
  counts = counts_text (store);
  g_print (_("Synced with %s as %s: %s\n"), cs_client_get_base_url (client),
           cs_sync_get_reviewer (sync), counts);
  return CS_CLI_EXIT_OK;
}

/* sync (the loop) */

typedef struct
{
  GMainLoop *loop;
  CsSync    *sync;
  CsStore   *store;
  CsClient  *client;
  char      *last_line;
  int        exit_code;
} Watch;

static void
watch_report (Watch *watch)
{
  CsSyncState state = cs_sync_get_state (watch->sync);
  const char *error = cs_sync_get_last_error (watch->sync);
  g_autofree char *now = now_string ();
  g_autofree char *what = NULL;
  g_autofree char *line = NULL;

  /* A cycle starting is not news; where it ends is. */
  if (state == CS_SYNC_SYNCING || state == CS_SYNC_SIGNING_IN)
    return;

  switch (state)
    {
    case CS_SYNC_ONLINE:
      {
        g_autofree char *counts = counts_text (watch->store);

        what = g_strdup_printf (_("online: %s"), counts);
        record_success (watch->store, watch->client);
      }
      break;
    case CS_SYNC_OFFLINE:
      what = g_strdup_printf (_("offline, retrying: %s"), error ? error : "");
      record_failure (watch->store, error);
      break;
    case CS_SYNC_NEEDS_SIGN_IN:
      what = g_strdup_printf (_("the server refused the token: %s"), error ? error : "");
      record_failure (watch->store, error);
      break;
    case CS_SYNC_STOPPED:
      what = g_strdup_printf (_("stopped, retrying in a few minutes: %s"), error ? error : "");
      record_failure (watch->store, error);
      break;
    case CS_SYNC_SYNCING:
    case CS_SYNC_SIGNING_IN:
    default:
      return;
    }

  if (g_strcmp0 (what, watch->last_line) != 0)
    {
      line = g_strdup_printf ("%s %s", now, what);
      g_print ("%s\n", line);
      /* Whoever reads this through a pipe wants each line as it happens. */
      fflush (stdout);
      g_free (watch->last_line);
      watch->last_line = g_steal_pointer (&what);
    }

  /* The loop does not retry a refused token: waiting on would be silent. */
  if (state == CS_SYNC_NEEDS_SIGN_IN)
    {
      g_printerr ("%s\n", _("Check the token in COUNTERSIGN_TOKEN: it may be mistyped, expired or revoked."));
      watch->exit_code = CS_CLI_EXIT_FAILED;
      g_main_loop_quit (watch->loop);
    }
}

static void
notify_cb (GObject    *object,
           GParamSpec *pspec,
           gpointer    user_data)
{
  watch_report (user_data);
}

static gboolean
stop_cb (gpointer user_data)
{
  Watch *watch = user_data;

  g_main_loop_quit (watch->loop);
  return G_SOURCE_CONTINUE;
}

static int
sync_loop (CsSync   *sync,
           CsStore  *store,
           CsClient *client)
{
  Watch watch = { 0 };
  guint sigint_id, sigterm_id;

  watch.loop = g_main_loop_new (NULL, FALSE);
  watch.sync = sync;
  watch.store = store;
  watch.client = client;

  g_signal_connect (sync, "notify::state", G_CALLBACK (notify_cb), &watch);
  g_signal_connect (sync, "notify::pending", G_CALLBACK (notify_cb), &watch);
  g_signal_connect (sync, "notify::conflicts", G_CALLBACK (notify_cb), &watch);
  sigint_id = g_unix_signal_add (SIGINT, stop_cb, &watch);
  sigterm_id = g_unix_signal_add (SIGTERM, stop_cb, &watch);

  g_printerr (_("Syncing with %s; press Ctrl+C to stop.\n"), cs_client_get_base_url (client));
  cs_sync_start (sync);
  g_main_loop_run (watch.loop);
  cs_sync_stop (sync);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_signal_handlers_disconnect_by_data (sync, &watch);
  g_main_loop_unref (watch.loop);
  g_free (watch.last_line);
  return watch.exit_code;
}

static int
run_sync (CsCli  *cli,
          char  **args)
{
  g_auto(CsCliPaths) paths = { 0 };
  g_autoptr(CsStore) store = NULL;
  g_autoptr(CsClient) client = NULL;
  g_autoptr(CsSync) sync = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *server = NULL;
  int code;

  if (cli->token == NULL)
    return cs_cli_usage_error (&cs_cli_command_sync, "%s",
                               _("No access token: set COUNTERSIGN_TOKEN to the token your server gave you"));

  store = cs_cli_open_store (cli, TRUE, &paths, &code, &error);
  if (store == NULL)
    return code == CS_CLI_EXIT_USAGE ? cs_cli_usage_error (&cs_cli_command_sync, "%s", error->message)
                                     : cs_cli_fail_error (error);

  server = cs_cli_server_for_store (cli, store, &code, &error);
  if (server == NULL)
    return code == CS_CLI_EXIT_USAGE ? cs_cli_usage_error (&cs_cli_command_sync, "%s", error->message)
                                     : cs_cli_fail_error (error);

  client = cs_client_new (server, cli->token, &error);
  if (client == NULL)
    return cs_cli_fail_error (error);

  sync = cs_sync_new (store, client, paths.asset_dir);
  cs_sync_set_prefetch (sync, !opt_no_evidence);

  return opt_once ? sync_once (sync, store, client) : sync_loop (sync, store, client);
}

const CsCliCommand cs_cli_command_sync = {
  .name = "sync",
  .arguments = NULL,
  .summary = N_("Send decisions, claim and fetch cases (with --once: one cycle)"),
  .entries = sync_entries,
  .min_args = 0,
  .max_args = 0,
  .run = run_sync,
};
