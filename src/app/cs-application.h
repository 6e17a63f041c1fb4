/* cs-application.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cs-store.h"
#include "cs-sync.h"

G_BEGIN_DECLS

#define CS_TYPE_APPLICATION (cs_application_get_type ())
G_DECLARE_FINAL_TYPE (CsApplication, cs_application, CS, APPLICATION, AdwApplication)

CsApplication *cs_application_new        (void);
/* Before GTK starts: on a machine without a GPU render node, draw with
 * GTK's cairo renderer rather than OpenGL through a software rasterizer
 * (unless GSK_RENDERER says otherwise). */
void           cs_application_choose_renderer (void);
/* Signs in to @server_url with @token and opens (or creates) that server's
 * store under @data_dir (NULL for the default place). */
gboolean       cs_application_connect    (CsApplication  *self,
                                          const char     *server_url,
                                          const char     *token,
                                          const char     *data_dir,
                                          GError        **error);
/* Opens the store under @data_dir (or the default place for @server_url)
 * without signing in or syncing: what a screenshot shows. */
gboolean       cs_application_open_offline (CsApplication *self,
                                            const char    *server_url,
                                            const char    *data_dir,
                                            GError       **error);
/* 0, or 1 when --screenshot could not write its file. */
int            cs_application_get_exit_status (CsApplication *self);
CsStore       *cs_application_get_store  (CsApplication  *self);
/* NULL while signed out; "notify::sync" when it changes. */
CsSync        *cs_application_get_sync   (CsApplication  *self);

/* The application's settings, or NULL when the schema is not installed. */
GSettings     *cs_application_get_settings (CsApplication *self);
/* The --data-dir given, or NULL for the default place. */
const char    *cs_application_get_data_dir (CsApplication *self);
/* The server signed in to, or the one last asked for; NULL before either. */
const char    *cs_application_get_server_url (CsApplication *self);
/* TRUE while the saved token is read from the keyring at start-up. */
gboolean       cs_application_get_restoring (CsApplication *self);
/* Why the keyring cannot be used, or NULL. */
const char    *cs_application_get_keyring_error (CsApplication *self);
void           cs_application_set_keyring_error (CsApplication *self,
                                                 const char    *message);
/* Stops syncing, forgets the token and removes it from the keyring. The local
 * store stays on disk, with any decision not yet sent. */
void           cs_application_sign_out   (CsApplication  *self);

G_END_DECLS
