/* csd-storage.h: everything the server keeps, behind one interface.
 *
 * The handlers speak to storage only through CsdStorage, so that a second
 * backend (PostgreSQL, for several server processes over one database) can be
 * added without touching them. Each call is atomic: it runs in one transaction
 * of its own, and the calls that write are durable when they return.
 *
 * The rules that decide what a decision does to a case are not here but in
 * csd-decision-rules.h, as pure functions every backend calls; a backend only
 * reads and writes.
 *
 * Times are passed in by the caller ("now"), never read from the clock here,
 * so that a backend behaves the same under test.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "cs-case.h"
#include "cs-decision.h"
#include "cs-queue.h"

G_BEGIN_DECLS

typedef enum
{
  CSD_ROLE_REVIEWER,
  CSD_ROLE_MODEL,
  CSD_ROLE_ADMIN,
} CsdRole;

const char *csd_role_to_string   (CsdRole     role);
gboolean    csd_role_from_string (const char *str,
                                  CsdRole    *out);

/* Who a token belongs to. The name is the reviewer id for a reviewer. */
typedef struct
{
  char      *name;
  CsdRole    role;
  char      *display_name;   /* NULL: show the name */
  char     **queues;         /* given at `token create --queues`; never NULL */
  GDateTime *created_at;
  GDateTime *revoked_at;     /* NULL while the token is valid */
} CsdPrincipal;

void          csd_principal_free (CsdPrincipal *principal);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsdPrincipal, csd_principal_free)

/* One prediction on its way in, prepared by csd_ingest_prepare(): the case
 * is complete but for its id, which the storage assigns. */
typedef struct
{
  CsCase   *kase;
  gboolean  escalated;       /* FALSE: automated, recorded as a final outcome */
  char     *truth;           /* may be NULL */

  /* Set by csd_storage_ingest(). */
  char     *id;
  GError   *error;           /* CSD_ERROR_UNKNOWN_ASSET when an asset is missing */
} CsdIngestItem;

void          csd_ingest_item_free (CsdIngestItem *item);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsdIngestItem, csd_ingest_item_free)

/* One element of POST /api/v1/decisions. The handler fills the first part,
 * the storage the second. */
typedef struct
{
  char          *id;            /* the element's "id" when it has one, else NULL */
  CsDecision    *decision;      /* NULL when the element breaks the schema … */
  char          *parse_error;   /* … and then why */

  CsOutboxState  status;        /* accepted, duplicate, conflict or invalid */
  gint64         case_version;  /* accepted, duplicate: the case's version after it */
  char          *reason;        /* conflict: "decided", "withdrawn" or "stale" */
  char          *message;       /* invalid: why */
  CsCase        *current;       /* conflict: the case as it is now */
  gboolean       final;         /* accepted, and the case's outcome is now final */
  gboolean       pending_second; /* accepted, and the case now waits for a second reviewer */
  char          *first_by;      /* accepted as a second review: who made the first decision */
} CsdDecisionItem;

void          csd_decision_item_free (CsdDecisionItem *item);
JsonNode     *csd_decision_item_to_json (CsdDecisionItem *item);

/* One webhook delivery: a final outcome on its way to a queue's webhook. */
typedef struct
{
  char   *event_id;   /* X-Countersign-Event: the same on every attempt */
  char   *case_id;
  char   *url;
  char   *secret;
  char   *body;       /* the outcome, as its export line */
  gint64  attempts;   /* made so far */
} CsdWebhookDelivery;

void          csd_webhook_delivery_free (CsdWebhookDelivery *delivery);

/* Who sends a batch of decisions. */
typedef struct
{
  const char         *reviewer;
  const char * const *queues;   /* the reviewer's queues */
  GDateTime          *now;
} CsdDecisionContext;

/* One line of GET /api/v1/export/outcomes. */
typedef struct
{
  gint64     seq;               /* the cursor of this line */
  char      *case_id;
  char      *queue;
  char      *model_label;
  double     model_confidence;
  char      *final_label;       /* NULL after a reject */
  char      *decided_by;        /* a reviewer, or "model:<name>" */
  char      *action;            /* accept, override, reject, or "automated" */
  char      *rationale;         /* NULL when automated */
  char      *trigger;           /* the trigger kind; NULL when automated */
  GDateTime *created_at;
  GDateTime *decided_at;
  gint64     duration_ms;       /* -1 when automated */
  char      *truth;             /* NULL until known */
  /* Oversight extensions. */
  char      *initial_label;     /* blind-first: the label the reviewer gave before the reveal */
  JsonNode  *first_decision;    /* two-person rule: the first reviewer's decision {"id", "by", "action", "label", "rationale", "at"} */
  JsonNode  *second_review;     /* two-person rule: the second reviewer's {"by", "action", "label", "rationale", "at", "agreed"} */
} CsdOutcome;

void          csd_outcome_free    (CsdOutcome *outcome);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsdOutcome, csd_outcome_free)
JsonNode     *csd_outcome_to_json (const CsdOutcome *outcome);

/* The figures behind GET /api/v1/metrics, as counts; csd_metrics_to_json()
 * turns them into rates, with null where a rate has nothing to count.
 *
 * - predictions, escalated, automated: cases by how they were routed.
 * - decided: escalated cases with a final human decision.
 * - by_action: every stored human decision by its action (escalations
 *   included, and amendments counted as decisions of their own).
 * - overrides: decided cases whose final action is an override.
 * - median_duration_ms: over every stored human decision (the reviewers' effort).
 * - median_time_to_decision_s: over decided cases, from created_at to the
 *   final decision's decided_at.
 * - by_trigger: escalated cases by trigger kind.
 * - accuracy: only cases whose truth is known. "final" counts cases with a
 *   final label (automated ones carry the model's; a reject has none and is
 *   left out); "escalated_*" the same restricted to escalated cases.
 */
typedef struct
{
  gint64   predictions;
  gint64   escalated;
  gint64   automated;
  gint64   decided;
  gint64   by_action[CS_N_ACTIONS];
  gint64   overrides;
  gboolean has_median_duration;
  double   median_duration_ms;
  gboolean has_median_time_to_decision;
  double   median_time_to_decision_s;
  gint64   by_trigger[CS_TRIGGER_OTHER + 1];
  /* Of the escalated cases of each trigger: decided by a person, and of those
   * whose final action is an override. */
  gint64   trigger_decided[CS_TRIGGER_OTHER + 1];
  gint64   trigger_overrides[CS_TRIGGER_OTHER + 1];
  gint64   with_truth;
  gint64   model_correct;
  gint64   final_with_truth;
  gint64   final_correct;
  gint64   escalated_with_truth;
  gint64   escalated_model_correct;
  gint64   escalated_final_with_truth;
  gint64   escalated_final_correct;
  /* Blind-first review: final human outcomes whose decision carried an
   * initial label; shown when the queue is blind-first or any exists. */
  gboolean blind_first;
  gint64   blind_decided;
  gint64   blind_changed;             /* final label differs from the initial one */
  gint64   blind_with_truth;
  gint64   blind_initial_correct;
  gint64   blind_final_correct;
} CsdMetrics;

JsonNode     *csd_metrics_to_json (const CsdMetrics *metrics);

/* One case as the oversight figures see it (cohort metrics, the autonomy
 * report): how it was routed and decided, and its truth. */
typedef struct
{
  char     *cohort;            /* the context field asked for, as text; NULL when absent or null */
  gboolean  escalated;         /* routed to a person */
  gboolean  decided;           /* escalated, and finally decided by a person */
  gboolean  overridden;        /* decided, and the final action an override */
  char     *model_label;
  double    model_confidence;
  char     *final_label;       /* once final (automated: the model's); NULL while open, after a reject */
  char     *truth;             /* NULL until known */
} CsdCaseFigures;

void          csd_case_figures_free (CsdCaseFigures *figures);

#define CSD_TYPE_STORAGE (csd_storage_get_type ())
G_DECLARE_INTERFACE (CsdStorage, csd_storage, CSD, STORAGE, GObject)

struct _CsdStorageInterface
{
  GTypeInterface parent_iface;

  /* Tokens: only the SHA-256 of a token is ever stored. */
  gboolean       (*token_create)      (CsdStorage          *self,
                                       const CsdPrincipal  *principal,
                                       const char          *token_hash,
                                       GError             **error);
  CsdPrincipal  *(*token_lookup)      (CsdStorage          *self,
                                       const char          *token_hash,
                                       GError             **error);
  GPtrArray     *(*token_list)        (CsdStorage          *self,
                                       GError             **error);
  gboolean       (*token_revoke)      (CsdStorage          *self,
                                       const char          *name,
                                       GDateTime           *now,
                                       GError             **error);

  /* Queues. */
  gboolean       (*queue_put)         (CsdStorage          *self,
                                       CsQueue             *queue,
                                       GDateTime           *now,
                                       gboolean            *created,
                                       GError             **error);
  CsQueue       *(*queue_get)         (CsdStorage          *self,
                                       const char          *id,
                                       GError             **error);
  GPtrArray     *(*queue_list)        (CsdStorage          *self,
                                       GError             **error);
  char         **(*queue_ids)         (CsdStorage          *self,
                                       GError             **error);
  char         **(*queues_naming)     (CsdStorage          *self,
                                       const char          *reviewer,
                                       GError             **error);

  /* Asset metadata; the bytes live in files (csd-assets.h). */
  gboolean       (*asset_put)         (CsdStorage          *self,
                                       const char          *sha256,
                                       const char          *media_type,
                                       gint64               bytes,
                                       GDateTime           *now,
                                       GError             **error);
  gboolean       (*asset_get)         (CsdStorage          *self,
                                       const char          *sha256,
                                       char               **media_type,
                                       gint64              *bytes,
                                       GError             **error);
  gboolean       (*asset_in_queues)   (CsdStorage          *self,
                                       const char          *sha256,
                                       const char * const  *queues,
                                       GError             **error);

  /* Cases. */
  gboolean       (*ingest)            (CsdStorage          *self,
                                       GPtrArray           *items,
                                       GDateTime           *now,
                                       GError             **error);
  CsCase        *(*case_get)          (CsdStorage          *self,
                                       const char          *id,
                                       GError             **error);
  gboolean       (*case_set_truth)    (CsdStorage          *self,
                                       const char          *id,
                                       const char          *label,
                                       GError             **error);
  CsCase        *(*case_withdraw)     (CsdStorage          *self,
                                       const char          *id,
                                       GDateTime           *now,
                                       GError             **error);

  /* Claims and the changes feed. */
  char         **(*claim)             (CsdStorage          *self,
                                       const char          *queue,
                                       const char          *reviewer,
                                       guint                count,
                                       GDateTime           *now,
                                       GDateTime           *lease_until,
                                       GError             **error);
  CsCase        *(*release)           (CsdStorage          *self,
                                       const char          *case_id,
                                       const char          *reviewer,
                                       GDateTime           *now,
                                       GError             **error);
  GPtrArray     *(*changes)           (CsdStorage          *self,
                                       const char          *reviewer,
                                       gint64               since,
                                       guint                limit,
                                       gint64              *cursor,
                                       gboolean            *more,
                                       GError             **error);

  /* Decisions. */
  gboolean       (*decide)            (CsdStorage               *self,
                                       const CsdDecisionContext *context,
                                       GPtrArray                *items,
                                       GError                  **error);
  CsdOutcome    *(*case_outcome)      (CsdStorage          *self,
                                       const char          *case_id,
                                       GError             **error);
  GPtrArray     *(*overdue_sweep)     (CsdStorage          *self,
                                       GDateTime           *now,
                                       guint                limit,
                                       GError             **error);
  GPtrArray     *(*webhook_due)       (CsdStorage          *self,
                                       gint64               now_ms,
                                       guint                limit,
                                       GError             **error);
  gboolean       (*webhook_update)    (CsdStorage          *self,
                                       const char          *event_id,
                                       gint64               attempts,
                                       gint64               next_attempt_ms,
                                       gint64               delivered_ms,
                                       const char          *last_error,
                                       GError             **error);
  gboolean       (*webhook_next)      (CsdStorage          *self,
                                       gint64              *next_ms,
                                       GError             **error);

  /* Feedback out. */
  GPtrArray     *(*outcomes)          (CsdStorage          *self,
                                       gint64               since,
                                       guint                limit,
                                       GError             **error);
  gboolean       (*metrics)           (CsdStorage          *self,
                                       const char          *queue,
                                       CsdMetrics          *out,
                                       GError             **error);
  GPtrArray     *(*case_figures)      (CsdStorage          *self,
                                       const char          *queue,
                                       const char          *context_field,
                                       GError             **error);
};

/* Stores a new principal; CSD_ERROR_CONFLICT when a valid token of that name
 * exists (a revoked one is replaced). */
gboolean       csd_storage_token_create    (CsdStorage          *self,
                                            const CsdPrincipal  *principal,
                                            const char          *token_hash,
                                            GError             **error);
/* The valid principal whose token hashes to @token_hash, or NULL with
 * CSD_ERROR_UNAUTHORIZED. */
CsdPrincipal  *csd_storage_token_lookup    (CsdStorage          *self,
                                            const char          *token_hash,
                                            GError             **error);
/* Every principal, revoked ones included, by name. */
GPtrArray     *csd_storage_token_list      (CsdStorage          *self,
                                            GError             **error);
/* CSD_ERROR_NOT_FOUND when no valid token has that name. */
gboolean       csd_storage_token_revoke    (CsdStorage          *self,
                                            const char          *name,
                                            GDateTime           *now,
                                            GError             **error);

/* Creates or replaces a queue with its server settings. Cases already in
 * the queue keep the labels and policy they were created with. */
gboolean       csd_storage_queue_put       (CsdStorage          *self,
                                            CsQueue             *queue,
                                            GDateTime           *now,
                                            gboolean            *created,
                                            GError             **error);
/* CSD_ERROR_NOT_FOUND when there is no such queue. */
CsQueue       *csd_storage_queue_get       (CsdStorage          *self,
                                            const char          *id,
                                            GError             **error);
/* Every queue, by id. */
GPtrArray     *csd_storage_queue_list      (CsdStorage          *self,
                                            GError             **error);
char         **csd_storage_queue_ids       (CsdStorage          *self,
                                            GError             **error);
/* The queues whose "reviewers" list names @reviewer. */
char         **csd_storage_queues_naming   (CsdStorage          *self,
                                            const char          *reviewer,
                                            GError             **error);

/* Records an asset whose file is in place; a second call for the same hash
 * changes nothing. */
gboolean       csd_storage_asset_put       (CsdStorage          *self,
                                            const char          *sha256,
                                            const char          *media_type,
                                            gint64               bytes,
                                            GDateTime           *now,
                                            GError             **error);
/* CSD_ERROR_NOT_FOUND when never uploaded. */
gboolean       csd_storage_asset_get       (CsdStorage          *self,
                                            const char          *sha256,
                                            char               **media_type,
                                            gint64              *bytes,
                                            GError             **error);
/* Whether a case of one of @queues names the asset. */
gboolean       csd_storage_asset_in_queues (CsdStorage          *self,
                                            const char          *sha256,
                                            const char * const  *queues,
                                            GError             **error);

/* Stores prepared predictions (of CsdIngestItem) in one transaction: each
 * gets an id ("c-000123", from a counter) or, when an asset it names was
 * never uploaded, an error of its own while the others are stored. An
 * automated one is stored decided, with its final outcome. FALSE only when
 * the whole batch failed (nothing stored). */
gboolean       csd_storage_ingest          (CsdStorage          *self,
                                            GPtrArray           *items,
                                            GDateTime           *now,
                                            GError             **error);
/* The case as it is now; CSD_ERROR_NOT_FOUND. */
CsCase        *csd_storage_case_get        (CsdStorage          *self,
                                            const char          *id,
                                            GError             **error);
/* Ground truth; not a change of the case (no new version, no feed row). */
gboolean       csd_storage_case_set_truth  (CsdStorage          *self,
                                            const char          *id,
                                            const char          *label,
                                            GError             **error);
/* Takes an open case back: status withdrawn, a new version, a feed row for
 * its assignee. A withdrawn case is returned as it is; a decided one is
 * CSD_ERROR_CONFLICT. */
CsCase        *csd_storage_case_withdraw   (CsdStorage          *self,
                                            const char          *id,
                                            GDateTime           *now,
                                            GError             **error);

/* Leases up to @count open cases of @queue to @reviewer, highest priority
 * first, then oldest: cases that nobody holds (never claimed, released, or
 * whose lease ran out), and never one the reviewer escalated. The version
 * goes up when the assignee changes, so that a decision made for the former
 * assignee's version is stale; a reviewer taking back its own expired lease
 * keeps the version. Feed rows go to the new and the former assignee.
 * Returns the ids, possibly none. */
char         **csd_storage_claim           (CsdStorage          *self,
                                            const char          *queue,
                                            const char          *reviewer,
                                            guint                count,
                                            GDateTime           *now,
                                            GDateTime           *lease_until,
                                            GError             **error);
/* Gives a case back to the pool: it must be open (or pending_second) and assigned to @reviewer
 * (CSD_ERROR_NOT_FOUND, CSD_ERROR_FORBIDDEN, CSD_ERROR_CONFLICT). The
 * assignee changes, so the version goes up. */
CsCase        *csd_storage_release         (CsdStorage          *self,
                                            const char          *case_id,
                                            const char          *reviewer,
                                            GDateTime           *now,
                                            GError             **error);
/* The changes feed: one row per (reviewer, case) holding the sequence
 * number of the case's latest change that concerns the reviewer, from one
 * counter for the whole server. Returns the current cases (of CsCase) of
 * the first @limit rows after @since in sequence order, with @cursor the
 * last sequence number returned (@since when none) and @more whether rows
 * remain. */
GPtrArray     *csd_storage_changes         (CsdStorage          *self,
                                            const char          *reviewer,
                                            gint64               since,
                                            guint                limit,
                                            gint64              *cursor,
                                            gboolean            *more,
                                            GError             **error);

/* Applies a batch of decisions (of CsdDecisionItem), in order, in one
 * transaction that is durable before this returns. An id stored before is
 * "duplicate" with the stored result; the others are judged by
 * csd_decision_judge() and, when accepted, applied by csd_decision_apply()
 * and stored with the case's new state, feed rows and (for a final one) an
 * outcome, with its webhook delivery when the queue has a webhook. Under a
 * two-person rule a first decision leaves the case pending_second, its
 * reviewer barred from claiming it again; the second review makes the
 * outcome final with both reviews in it. Neither an invalid nor a
 * conflicting decision is stored.
 *
 * Stored decisions are the idempotency record, and are kept for good: a
 * purge, if one is ever added, must keep at least 30 days, longer than any
 * client waits before it retries. */
gboolean       csd_storage_decide          (CsdStorage               *self,
                                            const CsdDecisionContext *context,
                                            GPtrArray                *items,
                                            GError                  **error);

/* The overdue fallback: moves up to @limit cases that are still undecided
 * (open or pending_second) at their due_at, in a queue whose settings name
 * an "on_overdue" queue that exists, to that queue, in one transaction: the
 * lease is cleared, the trigger becomes "overdue" (naming the queue it came
 * from), the version goes up, and the former assignee gets a feed row. A
 * case moves once at most, ever. Returns the moved cases (of CsCase) as they
 * are now, possibly none. */
GPtrArray     *csd_storage_overdue_sweep   (CsdStorage          *self,
                                            GDateTime           *now,
                                            guint                limit,
                                            GError             **error);
/* Webhooks. A final outcome of a queue whose settings carry a "webhook" is
 * queued for delivery in the transaction that makes it final (by
 * csd_storage_decide() and csd_storage_ingest()), and stays queued until
 * webhook_update() says it was delivered. Times are Unix milliseconds. */
/* The undelivered deliveries due at @now_ms (of CsdWebhookDelivery), oldest first. */
GPtrArray     *csd_storage_webhook_due     (CsdStorage          *self,
                                            gint64               now_ms,
                                            guint                limit,
                                            GError             **error);
/* Records an attempt: the count, when to try next, and when it was
 * delivered (< 0: not yet) or why it failed. */
gboolean       csd_storage_webhook_update  (CsdStorage          *self,
                                            const char          *event_id,
                                            gint64               attempts,
                                            gint64               next_attempt_ms,
                                            gint64               delivered_ms,
                                            const char          *last_error,
                                            GError             **error);
/* When the next undelivered delivery is due; *next_ms < 0 when none is. */
gboolean       csd_storage_webhook_next    (CsdStorage          *self,
                                            gint64              *next_ms,
                                            GError             **error);
/* The case's latest final outcome, or NULL: with CSD_ERROR_NOT_FOUND when
 * there is no such case, without an error while it has none (open,
 * pending_second). */
CsdOutcome    *csd_storage_case_outcome    (CsdStorage          *self,
                                            const char          *case_id,
                                            GError             **error);
/* Final outcomes (of CsdOutcome) after @since, in the order they were
 * made; @limit 0 means all. */
GPtrArray     *csd_storage_outcomes        (CsdStorage          *self,
                                            gint64               since,
                                            guint                limit,
                                            GError             **error);
/* The figures of one queue, or of all when @queue is NULL. */
gboolean       csd_storage_metrics         (CsdStorage          *self,
                                            const char          *queue,
                                            CsdMetrics          *out,
                                            GError             **error);
/* Every case of @queue (of CsdCaseFigures), in the order they came in, each
 * with the value of its context field @context_field (may be NULL). */
GPtrArray     *csd_storage_case_figures    (CsdStorage          *self,
                                            const char          *queue,
                                            const char          *context_field,
                                            GError             **error);

/* The queues a principal works: its token's queues and every queue whose
 * "reviewers" names it, as far as they exist; sorted. */
char         **csd_storage_principal_queues (CsdStorage         *self,
                                             const CsdPrincipal *principal,
                                             GError            **error);

G_END_DECLS
