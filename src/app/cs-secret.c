/* cs-secret.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <glib/gi18n.h>

#include "cs-secret.h"

G_DEFINE_QUARK (cs-secret-error-quark, cs_secret_error)

const SecretSchema *
cs_secret_get_schema (void)
{
  static const SecretSchema schema = {
    CS_SECRET_SCHEMA_NAME, SECRET_SCHEMA_NONE,
    {
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    }
  };

  return &schema;
}

char *
cs_secret_normalize_server (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *scheme = NULL;
  g_autofree char *host = NULL;
  g_autofree char *path = NULL;
  const char *uri_path;

  if (url == NULL)
    return NULL;

  /* SCHEME_NORMALIZE drops the scheme's default port and fills an empty path. */
  uri = g_uri_parse (url, G_URI_FLAGS_SCHEME_NORMALIZE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    return NULL;

  scheme = g_ascii_strdown (g_uri_get_scheme (uri), -1);
  host = g_ascii_strdown (g_uri_get_host (uri), -1);
  uri_path = g_uri_get_path (uri);
  if (uri_path == NULL || *uri_path == '\0')
    path = g_strdup ("/");
  else if (g_str_has_suffix (uri_path, "/"))
    path = g_strdup (uri_path);
  else
    path = g_strconcat (uri_path, "/", NULL);

  return g_uri_join (G_URI_FLAGS_NONE, scheme, NULL, host, g_uri_get_port (uri), path, NULL, NULL);
}

void
cs_secret_token_free (char *token)
{
  if (token == NULL)
    return;
  memset (token, 0, strlen (token));
  g_free (token);
}

/* Every failure of the keyring reads the same way to the reviewer: what
 * happened, then what it means for the token (@consequence). */
static GError *
keyring_error (GError     *error,
               const char *consequence)
{
  g_autoptr(GError) plain = g_error_copy (error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_steal_pointer (&plain);
  /* "GDBus.Error:org.freedesktop.DBus.Error.ServiceUnknown: …" says nothing to a reviewer. */
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN))
    return g_error_new (CS_SECRET_ERROR, CS_SECRET_ERROR_UNAVAILABLE,
                        _("The keyring is not available: no Secret Service (such as GNOME Keyring) runs in this session. %s"),
                        consequence);
  g_dbus_error_strip_remote_error (plain);
  return g_error_new (CS_SECRET_ERROR, CS_SECRET_ERROR_UNAVAILABLE,
                      _("The keyring is not available: %s. %s"), plain->message, consequence);
}

static gboolean
check_server (GTask      *task,
              const char *server_url,
              char      **normalized)
{
  *normalized = cs_secret_normalize_server (server_url);
  if (*normalized == NULL)
    {
      g_task_return_new_error (task, CS_SECRET_ERROR, CS_SECRET_ERROR_INVALID_URL,
                               _("“%s” is not a server address; it should look like https://review.example.org"),
                               server_url ? server_url : "");
      return FALSE;
    }
  return TRUE;
}

/* Store */

static void
stored_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!secret_password_store_finish (result, &error))
    {
      g_task_return_error (task, keyring_error (error, _("The token was not saved.")));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

void
cs_secret_store_async (const char          *server_url,
                       const char          *token,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *server = NULL;
  g_autofree char *label = NULL;

  g_return_if_fail (token != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, cs_secret_store_async);
  if (!check_server (task, server_url, &server))
    return;

  /* Translators: the name of the keyring item, shown in Passwords and Keys */
  label = g_strdup_printf (_("Countersign access token for %s"), server);
  secret_password_store (cs_secret_get_schema (), SECRET_COLLECTION_DEFAULT, label, token,
                         cancellable, stored_cb, g_steal_pointer (&task),
                         "server", server,
                         NULL);
}

gboolean
cs_secret_store_finish (GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cs_secret_store_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Lookup */

static void
looked_up_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  char *secret = secret_password_lookup_finish (result, &error);
  char *token;

  if (error != NULL)
    {
      g_task_return_error (task, keyring_error (error, _("No saved token could be read.")));
      return;
    }
  if (secret == NULL)
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }

  /* Handed on in GLib's allocator, and the keyring's copy wiped. */
  token = g_strdup (secret);
  secret_password_free (secret);
  g_task_return_pointer (task, token, (GDestroyNotify) cs_secret_token_free);
}

void
cs_secret_lookup_async (const char          *server_url,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *server = NULL;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, cs_secret_lookup_async);
  if (!check_server (task, server_url, &server))
    return;

  secret_password_lookup (cs_secret_get_schema (), cancellable, looked_up_cb, g_steal_pointer (&task),
                          "server", server,
                          NULL);
}

char *
cs_secret_lookup_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cs_secret_lookup_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Clear */

static void
cleared_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  /* FALSE without an error only means there was nothing to remove. */
  if (!secret_password_clear_finish (result, &error) && error != NULL)
    {
      g_task_return_error (task, keyring_error (error, _("The saved token could not be removed.")));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

void
cs_secret_clear_async (const char          *server_url,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *server = NULL;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, cs_secret_clear_async);
  if (!check_server (task, server_url, &server))
    return;

  secret_password_clear (cs_secret_get_schema (), cancellable, cleared_cb, g_steal_pointer (&task),
                         "server", server,
                         NULL);
}

gboolean
cs_secret_clear_finish (GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cs_secret_clear_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
