/* csd-request.h: one HTTP request as the handlers see it (server-internal).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "csd-assets.h"
#include "csd-server.h"

G_BEGIN_DECLS

typedef struct _CsdRequest CsdRequest;

typedef void (*CsdHandler) (CsdServer  *server,
                            CsdRequest *request);

/* Who may call an endpoint; 0 means anyone, without a token. */
typedef enum
{
  CSD_ALLOW_REVIEWER = 1 << CSD_ROLE_REVIEWER,
  CSD_ALLOW_MODEL    = 1 << CSD_ROLE_MODEL,
  CSD_ALLOW_ADMIN    = 1 << CSD_ROLE_ADMIN,
} CsdAllow;

typedef enum
{
  CSD_BODY_JSON,    /* kept in memory, at most CS_JSON_MAX_BYTES */
  CSD_BODY_ASSET,   /* streamed to a temporary file, at most the asset limit */
} CsdBodyKind;

typedef struct
{
  const char  *method;
  const char  *pattern;   /* "/api/v1/cases/{}/truth": each {} is a parameter */
  guint        allow;     /* CsdAllow bits */
  CsdBodyKind  body;
  CsdHandler   handler;
} CsdEndpoint;

struct _CsdRequest
{
  SoupServerMessage  *msg;         /* borrowed: the request lives as its data */
  gint64              started;     /* monotonic µs */
  const CsdEndpoint  *endpoint;
  char              **params;      /* the path's {} parts, in order */
  CsdPrincipal       *principal;   /* NULL for an endpoint without a token */
  GHashTable         *query;       /* decoded, or NULL */
  gint64              body_limit;
  GByteArray         *body;        /* CSD_BODY_JSON */
  gboolean            body_too_large;
  CsdAssetSink       *asset;       /* CSD_BODY_ASSET */
  GError             *asset_error; /* the first write that failed */
  char              **queues;      /* the caller's queues, once asked */
};

CsdRequest *csd_request_new           (SoupServerMessage  *msg);
void        csd_request_free          (CsdRequest         *request);

void        csd_request_reply_json    (CsdRequest         *request,
                                       guint               status,
                                       JsonNode           *node);
void        csd_request_reply_error   (CsdRequest         *request,
                                       const GError       *error);
void        csd_request_fail          (CsdRequest         *request,
                                       guint               status,
                                       const char         *code,
                                       const char         *format,
                                       ...) G_GNUC_PRINTF (4, 5);

/* The body as JSON: CS_ERROR_TOO_LARGE or CS_ERROR_MALFORMED. With
 * @want_object, anything but an object is malformed. */
JsonNode   *csd_request_parse_json    (CsdRequest         *request,
                                       gboolean            want_object,
                                       GError            **error);
const char *csd_request_get_query     (CsdRequest         *request,
                                       const char         *name);
const char *csd_request_get_param     (CsdRequest         *request,
                                       guint               index);
gboolean    csd_request_has_role      (CsdRequest         *request,
                                       CsdRole             role);
/* The caller's queues (csd_storage_principal_queues), read once per request. */
const char * const *csd_request_get_queues (CsdRequest    *request,
                                            CsdStorage    *storage,
                                            GError       **error);

G_END_DECLS
