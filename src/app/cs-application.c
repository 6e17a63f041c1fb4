/* cs-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n.h>

#include "cs-application.h"
#include "cs-screenshot.h"
#include "cs-window.h"

/* How long a screenshot waits for the case's evidence to be drawn. */
#define SCREENSHOT_TIMEOUT_SECONDS 60

struct _CsApplication
{
  AdwApplication  parent_instance;

  char           *server_url;
  char           *token;
  char           *data_dir;
  CsStore        *store;
  CsSync         *sync;

  /* --screenshot FILE --case ID [--style dark] [--size WxH] */
  char           *screenshot;
  char           *screenshot_case;
  gboolean        screenshot_dark;
  int             screenshot_width;
  int             screenshot_height;
  int             exit_status;
};

G_DEFINE_FINAL_TYPE (CsApplication, cs_application, ADW_TYPE_APPLICATION)

static const GOptionEntry options[] = {
  { "server", 's', 0, G_OPTION_ARG_STRING, NULL, N_("Review server to sign in to"), N_("URL") },
  { "token", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Access token (prefer the COUNTERSIGN_TOKEN environment variable: a command line is visible to other users)"), N_("TOKEN") },
  { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, NULL, N_("Keep the local store and evidence in DIR"), N_("DIR") },
  { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Write the window with the case given by --case to FILE (a PNG) and exit; works offline, from the local store"), N_("FILE") },
  { "case", 0, 0, G_OPTION_ARG_STRING, NULL, N_("The case to show in a screenshot"), N_("ID") },
  { "style", 0, 0, G_OPTION_ARG_STRING, NULL, N_("The style of a screenshot: light or dark"), N_("STYLE") },
  { "size", 0, 0, G_OPTION_ARG_STRING, NULL, N_("The window size of a screenshot, such as 1400x900"), N_("WIDTHxHEIGHT") },
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

  /* What an offline start (a screenshot) opens this store with. */
  cs_store_set_meta (store, "server", cs_client_get_base_url (client), NULL);

  if (self->sync != NULL)
    cs_sync_stop (self->sync);
  g_clear_object (&self->sync);
  g_set_object (&self->store, store);
  self->sync = cs_sync_new (store, client, asset_dir);
  cs_sync_start (self->sync);
  return TRUE;
}

static char *
asset_dir_for (const char *data_dir)
{
  if (data_dir != NULL)
    return g_build_filename (data_dir, "assets", NULL);
  return g_build_filename (g_get_user_cache_dir (), "countersign", "assets", NULL);
}

gboolean
cs_application_open_offline (CsApplication  *self,
                             const char     *server_url,
                             const char     *data_dir,
                             GError        **error)
{
  g_autoptr(CsClient) client = NULL;
  g_autoptr(CsStore) store = NULL;
  g_autofree char *path = NULL;
  g_autofree char *asset_dir = asset_dir_for (data_dir);
  g_autofree char *known = NULL;

  g_return_val_if_fail (CS_IS_APPLICATION (self), FALSE);

  path = cs_store_default_path (server_url, data_dir);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_NOT_FOUND,
                   _("There is no local store at %s: sign in once to fill it"), path);
      return FALSE;
    }
  store = cs_store_open (path, error);
  if (store == NULL)
    return FALSE;

  /* The client is never started: it only names the server the store is for. */
  known = cs_store_get_meta (store, "server");
  client = cs_client_new (server_url ? server_url : known ? known : "http://127.0.0.1/", NULL, error);
  if (client == NULL)
    return FALSE;

  g_set_object (&self->store, store);
  g_clear_object (&self->sync);
  self->sync = cs_sync_new (store, client, asset_dir);
  return TRUE;
}

int
cs_application_get_exit_status (CsApplication *self)
{
  g_return_val_if_fail (CS_IS_APPLICATION (self), 1);
  return self->exit_status;
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
  if (g_variant_dict_lookup (dict, "screenshot", "^ay", &self->screenshot))
    {
      g_autofree char *style = NULL;
      g_autofree char *size = NULL;

      if (!g_variant_dict_lookup (dict, "case", "s", &self->screenshot_case))
        {
          g_printerr ("%s\n", _("--screenshot needs the case to show: --case ID"));
          return 2;
        }
      if (g_variant_dict_lookup (dict, "style", "s", &style))
        {
          if (!g_str_equal (style, "dark") && !g_str_equal (style, "light"))
            {
              g_printerr ("%s\n", _("--style is light or dark"));
              return 2;
            }
          self->screenshot_dark = g_str_equal (style, "dark");
        }
      self->screenshot_width = 1400;
      self->screenshot_height = 900;
      if (g_variant_dict_lookup (dict, "size", "s", &size) &&
          !cs_screenshot_parse_size (size, &self->screenshot_width, &self->screenshot_height))
        {
          g_printerr ("%s\n", _("--size is WIDTHxHEIGHT, each from 200 to 16384, such as 1400x900"));
          return 2;
        }
    }

  if (g_variant_dict_lookup (dict, "token", "s", &self->token))
    g_printerr ("%s\n", _("Warning: a token on the command line is visible to other users of this computer; "
                          "use the COUNTERSIGN_TOKEN environment variable instead."));
  else if (env_token != NULL && *env_token != '\0')
    self->token = g_strdup (env_token);

  return -1;
}

static void
screenshot_written_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(CsApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!cs_screenshot_write_finish (result, &error))
    {
      g_printerr (_("The screenshot was not written: %s\n"), error->message);
      self->exit_status = 1;
    }
  gtk_window_destroy (GTK_WINDOW (source));
  g_application_quit (G_APPLICATION (self));
}

/* Shows one case from the local store, as it is, and writes the window to a
 * PNG: no network, no sync. */
static void
activate_screenshot (CsApplication *self)
{
  g_autoptr(GError) error = NULL;
  CsWindow *window;

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      self->screenshot_dark ? ADW_COLOR_SCHEME_FORCE_DARK
                                                            : ADW_COLOR_SCHEME_FORCE_LIGHT);
  if (!cs_application_open_offline (self, self->server_url, self->data_dir, &error))
    {
      g_printerr ("%s\n", error->message);
      self->exit_status = 1;
      return;
    }

  window = cs_window_new (self);
  gtk_window_set_default_size (GTK_WINDOW (window), self->screenshot_width, self->screenshot_height);
  if (!cs_window_show_case (window, self->screenshot_case, &error))
    {
      g_printerr ("%s\n", error->message);
      self->exit_status = 1;
      gtk_window_destroy (GTK_WINDOW (window));
      return;
    }
  gtk_window_present (GTK_WINDOW (window));
  cs_screenshot_write_async (window, self->screenshot, SCREENSHOT_TIMEOUT_SECONDS, NULL,
                             screenshot_written_cb, g_object_ref (self));
}

static void
cs_application_activate (GApplication *app)
{
  CsApplication *self = CS_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (self->screenshot != NULL)
    {
      if (window == NULL)
        activate_screenshot (self);
      return;
    }

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
  g_free (self->screenshot);
  g_free (self->screenshot_case);

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
