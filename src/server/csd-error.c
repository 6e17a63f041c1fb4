/* csd-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <libsoup/soup.h>

#include "cs-types.h"
#include "csd-error.h"

G_DEFINE_QUARK (csd-error-quark, csd_error)

guint
csd_error_to_status (const GError  *error,
                     const char   **code)
{
  const char *dummy;

  if (code == NULL)
    code = &dummy;

  if (error->domain == CSD_ERROR)
    {
      switch ((CsdError) error->code)
        {
        case CSD_ERROR_MALFORMED:
        case CSD_ERROR_USAGE:
          *code = "malformed";
          return SOUP_STATUS_BAD_REQUEST;
        case CSD_ERROR_UNAUTHORIZED:
          *code = "unauthorized";
          return SOUP_STATUS_UNAUTHORIZED;
        case CSD_ERROR_FORBIDDEN:
          *code = "forbidden";
          return SOUP_STATUS_FORBIDDEN;
        case CSD_ERROR_NOT_FOUND:
          *code = "not_found";
          return SOUP_STATUS_NOT_FOUND;
        case CSD_ERROR_METHOD:
          *code = "method_not_allowed";
          return SOUP_STATUS_METHOD_NOT_ALLOWED;
        case CSD_ERROR_CONFLICT:
          *code = "conflict";
          return SOUP_STATUS_CONFLICT;
        case CSD_ERROR_TOO_LARGE:
          *code = "too_large";
          return SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE;
        case CSD_ERROR_UNKNOWN_ASSET:
          *code = "unknown_asset";
          return SOUP_STATUS_UNPROCESSABLE_ENTITY;
        case CSD_ERROR_HASH_MISMATCH:
          *code = "hash_mismatch";
          return SOUP_STATUS_BAD_REQUEST;
        case CSD_ERROR_STORAGE:
        default:
          *code = "internal";
          return SOUP_STATUS_INTERNAL_SERVER_ERROR;
        }
    }

  if (error->domain == CS_ERROR)
    {
      switch ((CsError) error->code)
        {
        case CS_ERROR_MALFORMED:
        case CS_ERROR_INVALID_ARGUMENT:
        case CS_ERROR_POLICY:
          *code = "malformed";
          return SOUP_STATUS_BAD_REQUEST;
        case CS_ERROR_TOO_LARGE:
          *code = "too_large";
          return SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE;
        case CS_ERROR_NOT_FOUND:
          *code = "not_found";
          return SOUP_STATUS_NOT_FOUND;
        case CS_ERROR_UNAUTHORIZED:
          *code = "unauthorized";
          return SOUP_STATUS_UNAUTHORIZED;
        case CS_ERROR_FORBIDDEN:
          *code = "forbidden";
          return SOUP_STATUS_FORBIDDEN;
        case CS_ERROR_CONFLICT:
          *code = "conflict";
          return SOUP_STATUS_CONFLICT;
        case CS_ERROR_HASH_MISMATCH:
          *code = "hash_mismatch";
          return SOUP_STATUS_BAD_REQUEST;
        case CS_ERROR_STORE:
        case CS_ERROR_DISK_FULL:
        case CS_ERROR_HTTP:
        case CS_ERROR_UNAVAILABLE:
        default:
          break;
        }
    }

  *code = "internal";
  return SOUP_STATUS_INTERNAL_SERVER_ERROR;
}
