/* cs-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n.h>

#include "cs-application.h"
#include "cs-window.h"

struct _CsApplication
{
  AdwApplication  parent_instance;

  char           *server_url;
  char           *token;
  char           *data_dir;
  CsStore        *store;
  CsSync         *sync;
};

G_DEFINE_FINAL_TYPE (CsApplication, cs_application, ADW_TYPE_APPLICATION)

static const GOptionEntry options[] = {
  { "server", 's', 0, G_OPTION_ARG_STRING, NULL, N_("Review server to sign in to"), N_("URL") },
  { "token", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Access token (prefer the COUNTERSIGN_TOKEN environment variable: a command line is visible to other users)"), N_("TOKEN") },
  { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, NULL, N_("Keep the local store and evidence in DIR"), N_("DIR") },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
  { NULL }
};

CsApplication *
cs_application_new (void)
{
  return g_object_new (CS_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "resource-base-path", "/io/github/countersign/Countersign",
                       "flags", G_APPLICATION_NON_UNIQUE,
                       NULL);
}

CsStore *
cs_application_get_store (CsApplication *self)
{
  g_return_val_if_fail (CS_IS_APPLICATION (self), NULL);
  return self->store;
}

CsSync *
cs_application_get_sync (CsApplication *self)
{
  g_return_val_if_fail (CS_IS_APPLICATION (self), NULL);
  return self->sync;
}

gboolean
cs_application_connect (CsApplication  *self,
                        const char     *server_url,
                        const char     *token,
                        const char     *data_dir,
                        GError        **error)
{
  g_autoptr(CsClient) client = NULL;
  g_autoptr(CsStore) store = NULL;
  g_autofree char *path = NULL;
  g_autofree char *asset_dir = NULL;

  g_return_val_if_fail (CS_IS_APPLICATION (self), FALSE);

  client = cs_client_new (server_url, token, error);
  if (client == NULL)
    return FALSE;

  path = cs_store_default_path (server_url, data_dir);
  store = cs_store_open (path, error);
  if (store == NULL)
    return FALSE;

  if (data_dir != NULL)
    asset_dir = g_build_filename (data_dir, "assets", NULL);
  else
    asset_dir = g_build_filename (g_get_user_cache_dir (), "countersign", "assets", NULL);

  if (self->sync != NULL)
    cs_sync_stop (self->sync);
  g_clear_object (&self->sync);
  g_set_object (&self->store, store);
  self->sync = cs_sync_new (store, client, asset_dir);
  cs_sync_start (self->sync);
  return TRUE;
}

static int
cs_application_handle_local_options (GApplication *app,
                                     GVariantDict *dict)
{
  CsApplication *self = CS_APPLICATION (app);
  const char *env_token = g_getenv ("COUNTERSIGN_TOKEN");

  if (g_variant_dict_contains (dict, "version"))
    {
      g_print ("countersign %s\n", PACKAGE_VERSION);
      return 0;
    }

  g_variant_dict_lookup (dict, "server", "s", &self->server_url);
  g_variant_dict_lookup (dict, "data-dir", "^ay", &self->data_dir);
  if (g_variant_dict_lookup (dict, "token", "s", &self->token))
    g_printerr ("%s\n", _("Warning: a token on the command line is visible to other users of this computer; "
                          "use the COUNTERSIGN_TOKEN environment variable instead."));
  else if (env_token != NULL && *env_token != '\0')
    self->token = g_strdup (env_token);

  return -1;
}

static void
cs_application_activate (GApplication *app)
{
  CsApplication *self = CS_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    {
      g_autoptr(GError) error = NULL;

      if (self->server_url != NULL && self->store == NULL &&
          !cs_application_connect (self, self->server_url, self->token, self->data_dir, &error))
        g_printerr ("%s\n", error->message);

      window = GTK_WINDOW (cs_window_new (self));
      if (error != NULL)
        cs_window_show_error (CS_WINDOW (window), error->message);
    }

  gtk_window_present (window);
}

static void
cs_application_shutdown (GApplication *app)
{
  CsApplication *self = CS_APPLICATION (app);

  if (self->sync != NULL)
    cs_sync_stop (self->sync);

  G_APPLICATION_CLASS (cs_application_parent_class)->shutdown (app);
}

static void
cs_application_finalize (GObject *object)
{
  CsApplication *self = CS_APPLICATION (object);

  g_clear_object (&self->sync);
  g_clear_object (&self->store);
  g_free (self->server_url);
  g_free (self->token);
  g_free (self->data_dir);

  G_OBJECT_CLASS (cs_application_parent_class)->finalize (object);
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  const char *developers[] = { "The Countersign developers", NULL };

  adw_show_about_window (gtk_application_get_active_window (app),
                         "application-name", _("Countersign"),
                         "application-icon", APP_ID,
                         "version", PACKAGE_VERSION,
                         "developer-name", _("The Countersign developers"),
                         "developers", developers,
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "comments", _("Review the decisions an AI was not sure of, offline, with a tamper-evident record"),
                         NULL);
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated },
  { "about", about_activated },
};

static void
cs_application_startup (GApplication *app)
{
  const char *quit_accels[] = { "<Control>q", NULL };

  G_APPLICATION_CLASS (cs_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
}

static void
cs_application_class_init (CsApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = cs_application_finalize;
  app_class->handle_local_options = cs_application_handle_local_options;
  app_class->activate = cs_application_activate;
  app_class->startup = cs_application_startup;
  app_class->shutdown = cs_application_shutdown;
}

static void
cs_application_init (CsApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), options);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Review the cases a model escalated, and countersign its decisions."));
}
