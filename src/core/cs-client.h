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
  char  *role;    /* "reviewer", "admin", …; NULL from a server that does not say */
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

/* The oversight figures of GET /metrics and GET /queues/{id}/autonomy. A
 * ratio the server leaves out (null: nothing to count) is NAN. */
typedef struct
{
  char     *value;               /* NULL: the cases without the field */
  gint64    n;
  gint64    escalated;
  double    intervention_rate;
  gint64    decided;
  double    override_rate;
  double    model_accuracy;
  double    final_accuracy;
  gint64    with_truth;
  gboolean  flagged;
} CsCohort;

typedef struct
{
  gint64     predictions;
  gint64     escalated;
  gint64     automated;
  double     intervention_rate;
  gint64     decided;
  gint64     by_action[CS_N_ACTIONS];
  double     override_rate;
  double     median_duration_ms;
  double     median_time_to_decision_s;
  gint64     by_trigger[CS_TRIGGER_OTHER + 1];
  /* Of each trigger's cases: decided by a person, overridden, and the rate
   * (NAN when none was decided, or from a server without the figure). */
  gint64     trigger_decided[CS_TRIGGER_OTHER + 1];
  gint64     trigger_overrides[CS_TRIGGER_OTHER + 1];
  double     trigger_override_rate[CS_TRIGGER_OTHER + 1];
  double     model_accuracy;
  double     final_accuracy;
  double     escalated_model_accuracy;
  double     escalated_final_accuracy;
  gint64     with_truth;
  /* Present for a scope holding blind-first outcomes. */
  gboolean   has_blind_first;
  gint64     blind_decided;
  gint64     blind_changed;
  double     blind_change_rate;
  double     blind_initial_accuracy;
  double     blind_final_accuracy;
  gint64     blind_with_truth;
  /* With by=FIELD: the field, the rule behind the flags, and the cohorts. */
  char      *by;
  char      *flag_rule;
  GPtrArray *cohorts;            /* of CsCohort, NULL without by= */
} CsMetrics;

void cs_metrics_free (CsMetrics *metrics);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsMetrics, cs_metrics_free)

typedef struct
{
  double threshold;
  double intervention_rate;
  double model_accuracy;
  double final_accuracy;
  double ci95_low;               /* the final accuracy's 95 % interval */
  double ci95_high;
  gint64 n;
  gint64 with_truth;
  gint64 left_out;
} CsAutonomyPoint;

typedef struct
{
  char   *queue;
  double  target_error;
  char   *target_error_from;     /* "policy" or "default" */
  gint64  with_truth;
  gint64  min_samples;
  GArray *points;                /* of CsAutonomyPoint, by threshold */
  double  recommended_threshold; /* NAN when none qualifies */
  char   *reason;
} CsAutonomyReport;

void cs_autonomy_report_free (CsAutonomyReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsAutonomyReport, cs_autonomy_report_free)

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

/* Admin only. @by (may be NULL) asks for the cohorts of that context field. */
void         cs_client_get_metrics_async (CsClient           *self,
                                          const char         *queue,
                                          const char         *by,
                                          GCancellable       *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer            user_data);
CsMetrics   *cs_client_get_metrics_finish (CsClient          *self,
                                           GAsyncResult      *result,
                                           GError           **error);

/* Admin only. */
void         cs_client_get_autonomy_async (CsClient           *self,
                                           const char         *queue,
                                           GCancellable       *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer            user_data);
CsAutonomyReport *cs_client_get_autonomy_finish (CsClient     *self,
                                                 GAsyncResult *result,
                                                 GError      **error);

G_END_DECLS
