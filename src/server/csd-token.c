/* csd-token.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <gio/gio.h>

#include "csd-error.h"
#include "csd-token.h"

#define TOKEN_BYTES 32

char *
csd_token_generate (GError **error)
{
  g_autoptr(GFile) urandom = g_file_new_for_path ("/dev/urandom");
  g_autoptr(GFileInputStream) in = NULL;
  guchar bytes[TOKEN_BYTES];
  gsize n = 0;
  g_autofree char *b64 = NULL;
  GString *token;

  /* GRand is a Mersenne twister: predictable from its output, unfit for a secret. */
  if ((in = g_file_read (urandom, NULL, error)) == NULL ||
      !g_input_stream_read_all (G_INPUT_STREAM (in), bytes, sizeof bytes, &n, NULL, error))
    return NULL;
  if (n != sizeof bytes)
    {
      g_set_error_literal (error, CSD_ERROR, CSD_ERROR_STORAGE, "/dev/urandom gave too few bytes");
      return NULL;
    }

  b64 = g_base64_encode (bytes, sizeof bytes);
  explicit_bzero (bytes, sizeof bytes);

  token = g_string_new ("cs_");
  for (const char *p = b64; *p && *p != '='; p++)
    g_string_append_c (token, *p == '+' ? '-' : *p == '/' ? '_' : *p);
  explicit_bzero (b64, strlen (b64));
  return g_string_free (token, FALSE);
}

char *
csd_token_hash (const char *token)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
}

gboolean
csd_token_name_is_valid (const char *name)
{
  gsize len;

  if (name == NULL || (len = strlen (name)) == 0 || len > 64)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && strchr ("._@+-", *p) == NULL)
      return FALSE;
  return TRUE;
}
