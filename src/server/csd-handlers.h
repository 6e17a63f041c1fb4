/* csd-handlers.h: the endpoints of API.md, one function each (server-internal).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "csd-request.h"

G_BEGIN_DECLS

/* csd-handlers-reviewer.c */
void csd_handle_health         (CsdServer *server, CsdRequest *request);
void csd_handle_me             (CsdServer *server, CsdRequest *request);
void csd_handle_queues         (CsdServer *server, CsdRequest *request);
void csd_handle_claim          (CsdServer *server, CsdRequest *request);
void csd_handle_release        (CsdServer *server, CsdRequest *request);
void csd_handle_changes        (CsdServer *server, CsdRequest *request);
void csd_handle_case           (CsdServer *server, CsdRequest *request);
void csd_handle_asset_get      (CsdServer *server, CsdRequest *request);

/* csd-handlers-decisions.c */
void csd_handle_decisions      (CsdServer *server, CsdRequest *request);
void csd_handle_outcome        (CsdServer *server, CsdRequest *request);

/* csd-handlers-ingest.c */
void csd_handle_asset_put      (CsdServer *server, CsdRequest *request);
void csd_handle_predictions    (CsdServer *server, CsdRequest *request);
void csd_handle_truth          (CsdServer *server, CsdRequest *request);

/* csd-handlers-admin.c */
void csd_handle_queue_put      (CsdServer *server, CsdRequest *request);
void csd_handle_withdraw       (CsdServer *server, CsdRequest *request);
void csd_handle_export         (CsdServer *server, CsdRequest *request);
void csd_handle_metrics        (CsdServer *server, CsdRequest *request);
void csd_handle_autonomy       (CsdServer *server, CsdRequest *request);

/* Shared by the handlers and the command line. */
char       *csd_outcomes_to_json_lines (GPtrArray *outcomes,
                                        gint64     since,
                                        gint64    *cursor);
/* The same as CSV (RFC 4180: a header row, CRLF line ends), in the
 * column order of docs/api.md. */
char       *csd_outcomes_to_csv        (GPtrArray *outcomes,
                                        gint64     since,
                                        gint64    *cursor);
/* A cursor as the API writes it (decimal digits), or FALSE. An empty or
 * NULL @str is the start, 0. */
gboolean    csd_parse_cursor           (const char *str,
                                        gint64     *out);

G_END_DECLS
