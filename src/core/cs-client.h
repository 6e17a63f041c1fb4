/* cs-client.h: the asynchronous client of the review API (libsoup 3).
 *
 * Every call has a timeout and a GCancellable, checks the HTTP status and
 * turns it into a CsError a reviewer can act on; JSON answers are bounded
 * (size and depth) and decoded off the main thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cs-case.h"
#include "cs-decision.h"
#include "cs-queue.h"

G_BEGIN_DECLS

typedef struct
{
  char  *reviewer;
  char  *name;
  char **queues;
} CsReviewer;

void cs_reviewer_free (CsReviewer *reviewer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsReviewer, cs_reviewer_free)

typedef struct
{
  GPtrArray *cases;       /* of CsCase */
  GPtrArray *malformed;   /* of char*: "c-12: subject.kind: …" for cases that did not parse */
  char      *cursor;
  gboolean   more;
} CsChangesPage;

void cs_changes_page_free (CsChangesPage *page);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsChangesPage, cs_changes_page_free)

typedef struct
{
  char      **claimed;
  GDateTime  *lease_until;   /* may be NULL */
} CsClaim;

void cs_claim_free (CsClaim *claim);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsClaim, cs_claim_free)

#define CS_CLIENT_DEFAULT_TIMEOUT 30
#define CS_CLIENT_MAX_BATCH 500

#define CS_TYPE_CLIENT (cs_client_get_type ())
G_DECLARE_FINAL_TYPE (CsClient, cs_client, CS, CLIENT, GObject)

/* Refuses a URL that is not http(s), and plain http to anything but this
 * machine (TLS for anything not on loopback). */
CsClient    *cs_client_new              (const char    *base_url,
                                         const char    *token,
                                         GError       **error);
const char  *cs_client_get_base_url     (CsClient      *self);
void         cs_client_set_token        (CsClient      *self,
                                         const char    *token);
void         cs_client_set_timeout      (CsClient      *self,
                                         guint          seconds);
/* Seconds the server asked us to wait in its last 429/503 (Retry-After), or 0. */
guint        cs_client_get_retry_after  (CsClient      *self);
gboolean     cs_client_is_loopback_url  (const char    *url);

void         cs_client_get_health_async (CsClient            *self,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
char        *cs_client_get_health_finish (CsClient           *self,
                                          GAsyncResult       *result,
                                          GError            **error);

void         cs_client_get_me_async     (CsClient            *self,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
CsReviewer  *cs_client_get_me_finish    (CsClient            *self,
                                         GAsyncResult        *result,
                                         GError             **error);

void         cs_client_get_queues_async (CsClient            *self,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
/* Of CsQueue. */
GPtrArray   *cs_client_get_queues_finish (CsClient           *self,
                                          GAsyncResult       *result,
                                          GError            **error);

void         cs_client_claim_async      (CsClient            *self,
                                         const char          *queue,
                                         guint                count,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
CsClaim     *cs_client_claim_finish     (CsClient            *self,
                                         GAsyncResult        *result,
                                         GError             **error);

void         cs_client_release_async    (CsClient            *self,
                                         const char          *case_id,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
gboolean     cs_client_release_finish   (CsClient            *self,
                                         GAsyncResult        *result,
                                         GError             **error);

void         cs_client_get_changes_async (CsClient           *self,
                                          const char         *since,
                                          guint               limit,
                                          GCancellable       *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer            user_data);
CsChangesPage *cs_client_get_changes_finish (CsClient        *self,
                                             GAsyncResult    *result,
                                             GError         **error);

void         cs_client_get_case_async   (CsClient            *self,
                                         const char          *case_id,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
CsCase      *cs_client_get_case_finish  (CsClient            *self,
                                         GAsyncResult        *result,
                                         GError             **error);

/* Streams the asset to a temporary file in @dest_dir, refuses more than
 * @max_bytes, checks its SHA-256 and only then renames it to
 * @dest_dir/<sha256>. Returns that path. A mismatch is CS_ERROR_HASH_MISMATCH
 * and leaves no file behind. */
void         cs_client_fetch_asset_async (CsClient           *self,
                                          const char         *sha256,
                                          const char         *dest_dir,
                                          goffset             max_bytes,
                                          GCancellable       *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer            user_data);
char        *cs_client_fetch_asset_finish (CsClient          *self,
                                           GAsyncResult      *result,
                                           GError           **error);

/* At most CS_CLIENT_MAX_BATCH decisions. Returns CsDecisionResult, one per
 * decision in the same order. */
void         cs_client_post_decisions_async (CsClient         *self,
                                             GPtrArray        *decisions,
                                             GCancellable     *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer          user_data);
GPtrArray   *cs_client_post_decisions_finish (CsClient        *self,
                                              GAsyncResult    *result,
                                              GError         **error);

G_END_DECLS
