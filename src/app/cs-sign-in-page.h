/* cs-sign-in-page.h: the first-run page that asks for the server and token.
 *
 * Checks the token with the server (GET /api/v1/me through CsClient), keeps
 * it in the keyring, remembers the server in GSettings and connects the
 * application; a failure is said in words under the form, and what was typed
 * stays.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cs-application.h"

G_BEGIN_DECLS

#define CS_TYPE_SIGN_IN_PAGE (cs_sign_in_page_get_type ())
G_DECLARE_FINAL_TYPE (CsSignInPage, cs_sign_in_page, CS, SIGN_IN_PAGE, AdwBin)

GtkWidget     *cs_sign_in_page_new              (void);
CsApplication *cs_sign_in_page_get_application  (CsSignInPage  *self);
void           cs_sign_in_page_set_application  (CsSignInPage  *self,
                                                 CsApplication *app);
/* Fills the address field, unless the reviewer has typed one. */
void           cs_sign_in_page_set_server_url   (CsSignInPage  *self,
                                                 const char    *server_url);
/* Why sign-in is asked for again (the server refused the saved token), shown
 * above the form; NULL hides it. */
void           cs_sign_in_page_set_reason       (CsSignInPage  *self,
                                                 const char    *reason);
/* Does what the Sign In button does. */
void           cs_sign_in_page_sign_in          (CsSignInPage  *self);
/* TRUE while the server is asked or the keyring read. */
gboolean       cs_sign_in_page_get_busy         (CsSignInPage  *self);
/* The failure shown under the form, or NULL. */
const char    *cs_sign_in_page_get_error        (CsSignInPage  *self);

G_END_DECLS
