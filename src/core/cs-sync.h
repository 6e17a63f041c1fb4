/* cs-sync.h: the sync loop between the local store and the review server.
 *
 * Runs on the main context and never blocks it: it pushes the outbox in
 * batches (the decision id is the idempotency key, so a retry is harmless),
 * claims work, pulls the changes feed page by page (the cursor is stored with
 * the page) and prefetches the evidence of claimed cases. Failures back off
 * exponentially with full jitter; a new decision or the network coming back
 * wakes it at once.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cs-client.h"
#include "cs-store.h"

G_BEGIN_DECLS

typedef enum
{
  CS_SYNC_OFFLINE,      /* the last attempt could not reach the server */
  CS_SYNC_SIGNING_IN,   /* asking the server who we are */
  CS_SYNC_SYNCING,      /* a cycle is running */
  CS_SYNC_ONLINE,       /* the last cycle succeeded */
  CS_SYNC_NEEDS_SIGN_IN,/* the server refused the token: no retry until a new one */
  CS_SYNC_STOPPED,      /* refused for another reason the reviewer must see (400/403) */
} CsSyncState;

#define CS_SYNC_DEFAULT_BACKLOG 50
#define CS_SYNC_BACKOFF_BASE_MS 1000
#define CS_SYNC_BACKOFF_CAP_MS (5 * 60 * 1000)
#define CS_SYNC_POLL_SECONDS 30
/* The same as the asset-cache-mb setting's default. */
#define CS_SYNC_DEFAULT_ASSET_CACHE_BYTES ((guint64) 2048 * 1024 * 1024)

#define CS_TYPE_SYNC (cs_sync_get_type ())
G_DECLARE_FINAL_TYPE (CsSync, cs_sync, CS, SYNC, GObject)

CsSync      *cs_sync_new               (CsStore   *store,
                                        CsClient  *client,
                                        const char *asset_dir);
CsStore     *cs_sync_get_store         (CsSync    *self);
CsClient    *cs_sync_get_client        (CsSync    *self);
const char  *cs_sync_get_asset_dir     (CsSync    *self);

/* Starts the loop: inflight decisions from an earlier run go back to pending
 * and are sent again with the same ids. */
void         cs_sync_start             (CsSync    *self);
void         cs_sync_stop              (CsSync    *self);
/* Runs a cycle as soon as possible (after a decision, or on request): at
 * once, skipping any backoff, but not before a Retry-After the server gave. */
void         cs_sync_wake              (CsSync    *self);

/* One whole cycle (push, claim, pull, prefetch), for the command line and tests. */
void         cs_sync_run_once_async    (CsSync              *self,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
gboolean     cs_sync_run_once_finish   (CsSync              *self,
                                        GAsyncResult        *result,
                                        GError             **error);

void         cs_sync_set_backlog       (CsSync    *self,
                                        guint      backlog);
guint        cs_sync_get_backlog       (CsSync    *self);
/* The evidence cache's bound (0 for none). After each cycle of the loop the
 * cache is trimmed to it, off the main thread: least recently used first, and
 * only evidence no case still needs (see cs_store_list_needed_assets). */
void         cs_sync_set_asset_cache_bytes (CsSync *self,
                                        guint64    max_bytes);
guint64      cs_sync_get_asset_cache_bytes (CsSync *self);
/* One trim now; *n_removed is the number of files removed. */
void         cs_sync_trim_assets_async (CsSync              *self,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
gboolean     cs_sync_trim_assets_finish (CsSync             *self,
                                         GAsyncResult       *result,
                                         guint              *n_removed,
                                         GError            **error);
void         cs_sync_set_max_asset_bytes (CsSync  *self,
                                        goffset    max_bytes);
void         cs_sync_set_prefetch      (CsSync    *self,
                                        gboolean   prefetch);

CsSyncState  cs_sync_get_state         (CsSync    *self);
guint        cs_sync_get_pending       (CsSync    *self);
guint        cs_sync_get_conflicts     (CsSync    *self);
GDateTime   *cs_sync_get_last_success  (CsSync    *self);
const char  *cs_sync_get_last_error    (CsSync    *self);
const char  *cs_sync_get_reviewer      (CsSync    *self);
/* The path of a cached asset, or NULL when it is not here yet. A lookup is a
 * use: the cache trim removes the least recently used first. */
char        *cs_sync_lookup_asset      (CsSync    *self,
                                        const char *sha256);
/* Fetches one asset now (the case on screen needs it). */
void         cs_sync_fetch_asset_async (CsSync              *self,
                                        const char          *sha256,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
char        *cs_sync_fetch_asset_finish (CsSync             *self,
                                         GAsyncResult       *result,
                                         GError            **error);

/* Backoff with full jitter: a random delay in [0, min(cap, base · 2^attempt)]
 * milliseconds, or @retry_after_s when the server asked for longer (up to the cap). */
guint        cs_sync_backoff_ms        (guint      attempt,
                                        guint      retry_after_s,
                                        guint      base_ms,
                                        guint      cap_ms,
                                        GRand     *rand);
/* The backoff's base and cap and the idle poll interval, in milliseconds
 * (defaults CS_SYNC_BACKOFF_BASE_MS, CS_SYNC_BACKOFF_CAP_MS, CS_SYNC_POLL_SECONDS). */
void         cs_sync_set_timing        (CsSync    *self,
                                        guint      base_ms,
                                        guint      cap_ms,
                                        guint      poll_ms);

G_END_DECLS
