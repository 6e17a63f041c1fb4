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
CsSync        *cs_application_get_sync   (CsApplication  *self);

G_END_DECLS
