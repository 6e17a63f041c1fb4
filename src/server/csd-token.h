/* csd-token.h: bearer tokens, of which the server keeps only a hash.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "cs_" and the unpadded base64url of 32 bytes from /dev/urandom (43 characters). */
char     *csd_token_generate (GError     **error);
/* The SHA-256 of @token as 64 lowercase hexadecimal digits: what is stored. */
char     *csd_token_hash     (const char  *token);
/* Whether @name can name a principal: 1 to 64 of A-Z a-z 0-9 . _ @ + -
 * (no ":", which marks the model in "decided by model:<name>"). */
gboolean  csd_token_name_is_valid (const char *name);

G_END_DECLS
