/* csd-error.h: the server's error domain, and how an error becomes an HTTP status.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CSD_ERROR (csd_error_quark ())
GQuark csd_error_quark (void);

/* Errors of countersign-server; the message is written for the caller or the operator. */
typedef enum
{
  CSD_ERROR_MALFORMED,      /* 400: a request the API cannot read */
  CSD_ERROR_UNAUTHORIZED,   /* 401: no token, or one the server does not know */
  CSD_ERROR_FORBIDDEN,      /* 403: the role or the queues of the token do not allow it */
  CSD_ERROR_NOT_FOUND,      /* 404 */
  CSD_ERROR_METHOD,         /* 405: a known path with another method */
  CSD_ERROR_CONFLICT,       /* 409 */
  CSD_ERROR_TOO_LARGE,      /* 413 */
  CSD_ERROR_UNKNOWN_ASSET,  /* 422: a prediction names an asset never uploaded */
  CSD_ERROR_HASH_MISMATCH,  /* 400: uploaded bytes do not match their sha256 */
  CSD_ERROR_STORAGE,        /* 500: the database or the disk failed */
  CSD_ERROR_USAGE,          /* the command line is wrong (exit code 2) */
} CsdError;

/* The HTTP status and the short machine-readable code ("not_found", …) for
 * @error, which may be of CSD_ERROR, CS_ERROR (the core codec) or anything
 * else (then 500). */
guint       csd_error_to_status (const GError  *error,
                                 const char   **code);

G_END_DECLS
