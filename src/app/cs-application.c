/* cs-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n.h>

#include "cs-application.h"
#include "cs-preferences-window.h"
#include "cs-screenshot.h"
#include "cs-secret.h"
#include "cs-window.h"

/* How long a screenshot waits for the case's evidence to be drawn. */
#define SCREENSHOT_TIMEOUT_SECONDS 60

struct _CsApplication
{
  AdwApplication  parent_instance;

  char           *server_url;     /* signed in to, or last asked for */
  char           *token;          /* from the environment or the command line */
  char           *data_dir;
  CsStore        *store;
  CsSync         *sync;

  GSettings      *settings;
  GCancellable   *cancellable;
  gboolean        restoring;      /* reading the saved token from the keyring */
  char           *keyring_error;

  /* --screenshot FILE --case ID [--style dark] [--size WxH] */
  char           *screenshot;
  char           *screenshot_case;
  gboolean        screenshot_dark;
  int             screenshot_width;
  int             screenshot_height;
  int             exit_status;
};

G_DEFINE_FINAL_TYPE (CsApplication, cs_application, ADW_TYPE_APPLICATION)

enum {
  PROP_0,
  PROP_SYNC,
  PROP_SERVER_URL,
  PROP_RESTORING,
  PROP_KEYRING_ERROR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

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

/* GTK 4.8 draws through OpenGL. Without a GPU (a virtual desktop, a thin
 * client, a remote session) that is a software rasterizer, and for this window
 * GTK's cairo renderer is faster and lighter: bench/run measured launch with
 * 100,000 cases 402 → 308 ms, its peak memory 201 → 130 MB, and decide → next
 * case 52 → 19 ms. A GPU shows itself as a DRM render node. */
void
cs_application_choose_renderer (void)
{
  g_autoptr(GDir) dri = NULL;
  const char *name;

  if (g_getenv ("GSK_RENDERER") != NULL)
    return;
  if ((dri = g_dir_open ("/dev/dri", 0, NULL)) != NULL)
    while ((name = g_dir_read_name (dri)) != NULL)
      if (g_str_has_prefix (name, "renderD"))
        return;
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
}

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

GSettings *
cs_application_get_settings (CsApplication *self)
{
  g_return_val_if_fail (CS_IS_APPLICATION (self), NULL);
  return self->settings;
}

const char *
cs_application_get_data_dir (CsApplication *self)
{
  g_return_val_if_fail (CS_IS_APPLICATION (self), NULL);
  return self->data_dir;
}

const char *
cs_application_get_server_url (CsApplication *self)
{
  g_return_val_if_fail (CS_IS_APPLICATION (self), NULL);
  return self->server_url;
}

gboolean
cs_application_get_restoring (CsApplication *self)
{
  g_return_val_if_fail (CS_IS_APPLICATION (self), FALSE);
  return self->restoring;
}

const char *
cs_application_get_keyring_error (CsApplication *self)
{
  g_return_val_if_fail (CS_IS_APPLICATION (self), NULL);
  return self->keyring_error;
}

void
cs_application_set_keyring_error (CsApplication *self,
                                  const char    *message)
{
  g_return_if_fail (CS_IS_APPLICATION (self));

  if (g_strcmp0 (self->keyring_error, message) == 0)
    return;
  g_free (self->keyring_error);
  self->keyring_error = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KEYRING_ERROR]);
}

static void
set_server_url (CsApplication *self,
                const char    *server_url)
{
  char *copy;

  if (g_strcmp0 (self->server_url, server_url) == 0)
    return;
  copy = g_strdup (server_url);   /* @server_url may be self->server_url's own text */
  g_free (self->server_url);
  self->server_url = copy;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVER_URL]);
}

static void
set_restoring (CsApplication *self,
               gboolean       restoring)
{
  if (self->restoring == restoring)
    return;
  self->restoring = restoring;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESTORING]);
}

static void
update_actions (CsApplication *self)
{
  GAction *sign_out = g_action_map_lookup_action (G_ACTION_MAP (self), "sign-out");

  if (sign_out != NULL)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (sign_out), self->sync != NULL);
}

/* The sync preferences, applied to the running loop. */
static void
apply_sync_settings (CsApplication *self)
{
  if (self->sync == NULL || self->settings == NULL)
    return;
  cs_sync_set_backlog (self->sync, (guint) g_settings_get_int (self->settings, "backlog-size"));
  cs_sync_set_asset_cache_bytes (self->sync,
                                 (guint64) g_settings_get_int (self->settings, "asset-cache-mb") * 1024 * 1024);
}

static void
sync_settings_changed_cb (CsApplication *self,
                          const char    *key)
{
  apply_sync_settings (self);
  /* More cases to claim ahead: claim them now rather than at the next poll. */
  if (self->sync != NULL && g_strcmp0 (key, "backlog-size") == 0)
    cs_sync_wake (self->sync);
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
  apply_sync_settings (self);
  cs_sync_start (self->sync);

  set_server_url (self, cs_client_get_base_url (client));
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC]);
  return TRUE;
}

static void
show_error (CsApplication *self,
            const char    *message)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (CS_IS_WINDOW (window))
    cs_window_show_error (CS_WINDOW (window), message);
  else
    g_printerr ("%s\n", message);
}

static void
token_cleared_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(CsApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  /* The reviewer asked for the token to go: say so if it could not. */
  if (!cs_secret_clear_finish (result, &error) && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      cs_application_set_keyring_error (self, error->message);
      show_error (self, error->message);
    }
}

void
cs_application_sign_out (CsApplication *self)
{
  g_return_if_fail (CS_IS_APPLICATION (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  set_restoring (self, FALSE);

  if (self->server_url != NULL)
    cs_secret_clear_async (self->server_url, NULL, token_cleared_cb, g_object_ref (self));
  g_clear_pointer (&self->token, cs_secret_token_free);

  /* The store is closed, not removed: unsent decisions wait in it. */
  if (self->sync != NULL)
    cs_sync_stop (self->sync);
  g_clear_object (&self->sync);
  g_clear_object (&self->store);
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC]);
}

static void
token_found_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(CsApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  char *token = cs_secret_lookup_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  set_restoring (self, FALSE);
  if (error != NULL)
    {
      /* No keyring: the sign-in page says so, and signing in still works. */
      g_message ("%s", error->message);
      cs_application_set_keyring_error (self, error->message);
      return;
    }
  cs_application_set_keyring_error (self, NULL);
  if (token == NULL)
    return;

  if (!cs_application_connect (self, self->server_url, token, self->data_dir, &error))
    show_error (self, error->message);
  cs_secret_token_free (token);
}

/* The server from --server, else the one saved at the last sign-in; its token
 * from the keyring. Without either the window asks. */
static void
restore_sign_in (CsApplication *self)
{
  g_autofree char *saved = NULL;
  const char *server = self->server_url;

  if (server == NULL && self->settings != NULL)
    server = saved = g_settings_get_string (self->settings, "server-url");
  if (server == NULL || *server == '\0')
    return;

  set_server_url (self, server);
  set_restoring (self, TRUE);
  cs_secret_lookup_async (self->server_url, self->cancellable, token_found_cb, g_object_ref (self));
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

      /* --server with COUNTERSIGN_TOKEN (or --token) as before, for scripts
       * and tests; else the saved server and its token from the keyring. */
      if (self->store == NULL && !self->restoring)
        {
          if (self->server_url != NULL && self->token != NULL)
            {
              if (!cs_application_connect (self, self->server_url, self->token, self->data_dir, &error))
                g_printerr ("%s\n", error->message);
            }
          else
            restore_sign_in (self);
        }

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

  g_cancellable_cancel (self->cancellable);
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
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_free (self->server_url);
  cs_secret_token_free (self->token);
  g_free (self->data_dir);
  g_free (self->keyring_error);
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

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  CsApplication *self = CS_APPLICATION (user_data);
  GtkWindow *window = cs_preferences_window_new (self, gtk_application_get_active_window (GTK_APPLICATION (self)));

  gtk_window_present (window);
}

static void
sign_out_response_cb (AdwMessageDialog *dialog,
                      const char       *response,
                      CsApplication    *self)
{
  if (g_strcmp0 (response, "sign-out") == 0)
    cs_application_sign_out (self);
}

/* Asked first: the reviewer needs the token again to come back. */
static void
sign_out_activated (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  CsApplication *self = CS_APPLICATION (user_data);
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  guint pending = self->sync ? cs_sync_get_pending (self->sync) : 0;
  g_autoptr(GString) body = g_string_new (NULL);
  GtkWidget *dialog;

  g_string_append (body, _("The access token is removed from this computer’s keyring; you will need it to sign in again."));
  g_string_append (body, "\n\n");
  if (pending > 0)
    g_string_append_printf (body, ngettext ("%u decision is not yet sent. ", "%u decisions are not yet sent. ", pending),
                            pending);
  g_string_append (body, _("Decisions not yet sent stay on this computer and are sent when you sign in again."));

  dialog = adw_message_dialog_new (parent, _("Sign Out?"), body->str);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "sign-out", _("_Sign Out"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "sign-out", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (sign_out_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated },
  { "about", about_activated },
  { "preferences", preferences_activated },
  { "sign-out", sign_out_activated },
};

/* The schema id is the same in every build profile; an uninstalled run
 * without compiled schemas keeps the defaults rather than aborting. */
static GSettings *
app_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, "io.github.countersign.Countersign", TRUE);
  if (schema == NULL)
    return NULL;
  return g_settings_new_full (schema, NULL, NULL);
}

static void
cs_application_startup (GApplication *app)
{
  CsApplication *self = CS_APPLICATION (app);
  const char *quit_accels[] = { "<Control>q", NULL };
  const char *preferences_accels[] = { "<Control>comma", NULL };

  G_APPLICATION_CLASS (cs_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.preferences", preferences_accels);
  update_actions (self);

  self->settings = app_settings ();
  if (self->settings != NULL)
    {
      g_signal_connect_object (self->settings, "changed::backlog-size", G_CALLBACK (sync_settings_changed_cb),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->settings, "changed::asset-cache-mb", G_CALLBACK (sync_settings_changed_cb),
                               self, G_CONNECT_SWAPPED);
    }
}

static void
cs_application_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  CsApplication *self = CS_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_SYNC:
      g_value_set_object (value, self->sync);
      break;
    case PROP_SERVER_URL:
      g_value_set_string (value, self->server_url);
      break;
    case PROP_RESTORING:
      g_value_set_boolean (value, self->restoring);
      break;
    case PROP_KEYRING_ERROR:
      g_value_set_string (value, self->keyring_error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_application_class_init (CsApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = cs_application_finalize;
  object_class->get_property = cs_application_get_property;
  app_class->handle_local_options = cs_application_handle_local_options;
  app_class->activate = cs_application_activate;
  app_class->startup = cs_application_startup;
  app_class->shutdown = cs_application_shutdown;

  /* The running sync, NULL while signed out. */
  properties[PROP_SYNC] =
    g_param_spec_object ("sync", NULL, NULL, CS_TYPE_SYNC,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SERVER_URL] =
    g_param_spec_string ("server-url", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_RESTORING] =
    g_param_spec_boolean ("restoring", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_KEYRING_ERROR] =
    g_param_spec_string ("keyring-error", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cs_application_init (CsApplication *self)
{
  self->cancellable = g_cancellable_new ();
  g_application_add_main_option_entries (G_APPLICATION (self), options);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Review the cases a model escalated, and countersign its decisions."));
}
