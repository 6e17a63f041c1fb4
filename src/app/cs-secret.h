/* cs-secret.h: the access token in the keyring (libsecret).
 *
 * One item per review server, found by the server's normalised address. The
 * token is never written to GSettings or to a file by Countersign; inside
 * Flatpak libsecret goes through the Secret portal.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <libsecret/secret.h>

G_BEGIN_DECLS

#define CS_SECRET_SCHEMA_NAME "io.github.countersign.Countersign.Token"

#define CS_SECRET_ERROR (cs_secret_error_quark ())
GQuark cs_secret_error_quark (void);

typedef enum
{
  CS_SECRET_ERROR_UNAVAILABLE,   /* no Secret Service, a locked keyring, or it failed */
  CS_SECRET_ERROR_INVALID_URL,   /* the server address cannot be a keyring key */
} CsSecretError;

const SecretSchema *cs_secret_get_schema          (void);

/* The form of @url used as the keyring key and kept in GSettings:
 * lower-case scheme and host, no default port, a path ending in "/",
 * no query, fragment or user info. NULL when @url is not an address. */
char               *cs_secret_normalize_server    (const char           *url);

void                cs_secret_store_async         (const char           *server_url,
                                                   const char           *token,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
gboolean            cs_secret_store_finish        (GAsyncResult         *result,
                                                   GError              **error);

/* Returns the token (free it with cs_secret_token_free), or NULL without an
 * error when none is stored for @server_url. */
void                cs_secret_lookup_async        (const char           *server_url,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
char               *cs_secret_lookup_finish       (GAsyncResult         *result,
                                                   GError              **error);

/* Removing a token that is not there is not an error. */
void                cs_secret_clear_async         (const char           *server_url,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
gboolean            cs_secret_clear_finish        (GAsyncResult         *result,
                                                   GError              **error);

/* Overwrites the token's bytes before freeing them. */
void                cs_secret_token_free          (char                 *token);

G_END_DECLS
