/* csd-server.h: the review API over HTTP, on a SoupServer.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "csd-routing.h"
#include "csd-storage.h"

typedef struct _CsdOutcomeWaiters CsdOutcomeWaiters;
typedef struct _CsdWebhooks CsdWebhooks;

G_BEGIN_DECLS

#define CSD_DEFAULT_LEASE_SECONDS     (24 * 3600)
#define CSD_DEFAULT_MAX_ASSET_BYTES   ((gint64) 64 * 1024 * 1024)

#define CSD_TYPE_SERVER (csd_server_get_type ())
G_DECLARE_FINAL_TYPE (CsdServer, csd_server, CSD, SERVER, GObject)

/* Serves @storage; asset files are kept under @data_dir/assets. */
CsdServer  *csd_server_new                (CsdStorage     *storage,
                                           const char     *data_dir);

CsdStorage *csd_server_get_storage        (CsdServer      *self);
const char *csd_server_get_data_dir       (CsdServer      *self);
const char *csd_server_get_assets_dir     (CsdServer      *self);
gint64      csd_server_get_lease_seconds  (CsdServer      *self);
void        csd_server_set_lease_seconds  (CsdServer      *self,
                                           gint64          seconds);
gint64      csd_server_get_max_asset_bytes (CsdServer     *self);
void        csd_server_set_max_asset_bytes (CsdServer     *self,
                                            gint64         bytes);
/* The audit sample's random source (default: csd_routing_random_default). */
void        csd_server_set_random         (CsdServer      *self,
                                           CsdRandomFunc   random,
                                           gpointer        random_data);
double      csd_server_draw_random        (CsdServer      *self);

/* Serves HTTPS with this certificate and key (PEM files). */
gboolean    csd_server_set_tls_files      (CsdServer      *self,
                                           const char     *cert_file,
                                           const char     *key_file,
                                           GError        **error);
/* Listens on @address ("127.0.0.1:8765", "[::1]:0"; port 0 picks a free
 * one) and returns the base URL, e.g. "http://127.0.0.1:41234/". */
char       *csd_server_listen             (CsdServer      *self,
                                           const char     *address,
                                           gboolean       *is_loopback,
                                           GError        **error);
/* The requests waiting for an outcome (GET /cases/{id}/outcome?wait=). */
CsdOutcomeWaiters *csd_server_get_outcome_waiters (CsdServer *self);
/* The delivery of final outcomes to the queues' webhooks (started by the caller). */
CsdWebhooks *csd_server_get_webhooks      (CsdServer      *self);
/* Runs the overdue fallback's sweep now and then every @seconds (0 stops
 * it). */
void        csd_server_start_overdue_sweeps (CsdServer    *self,
                                             guint         seconds);
/* Stops listening and drops open connections. */
void        csd_server_disconnect         (CsdServer      *self);

G_END_DECLS
