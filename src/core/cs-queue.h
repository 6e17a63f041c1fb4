/* cs-queue.h: a review queue, its decision policy and its routing rules.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include "cs-types.h"

G_BEGIN_DECLS

/* What a decision must satisfy in a queue (API.md "policy"). Plain value type. */
typedef struct
{
  guint    rationale_required;   /* bit (1 << CsAction) per action that needs a rationale */
  guint    min_rationale_chars;  /* counted in characters, not bytes */
  gboolean blind_first;
  guint    second_review;        /* bit (1 << CsAction) per action that needs a second reviewer */
  double   target_error;         /* < 0 when not set */
  gboolean allow_amendments;
} CsPolicy;

#define CS_TYPE_POLICY (cs_policy_get_type ())
GType      cs_policy_get_type   (void) G_GNUC_CONST;
CsPolicy  *cs_policy_new        (void);  /* the defaults: nothing required */
CsPolicy  *cs_policy_copy       (const CsPolicy *policy);
void       cs_policy_free       (CsPolicy       *policy);
void       cs_policy_init_default (CsPolicy     *policy);
/* @obj may be NULL for the defaults. */
gboolean   cs_policy_parse      (JsonObject     *obj,
                                 const char     *path,
                                 CsPolicy       *out,
                                 GError        **error);
JsonNode  *cs_policy_to_json    (const CsPolicy *policy);
gboolean   cs_policy_requires_rationale (const CsPolicy *policy,
                                         CsAction        action);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsPolicy, cs_policy_free)

/* The server's routing rules for predictions (API.md "routing"). */
typedef struct
{
  double   confidence_threshold;  /* below → low_confidence */
  double   fairness_threshold;    /* signals.fairness above → fairness; < 0 when not set */
  double   anomaly_threshold;     /* signals.anomaly above → anomaly; < 0 when not set */
  char   **compliance_keywords;   /* whole word, any case */
  double   audit_sample_rate;     /* 0..1 */
} CsRouting;

void       cs_routing_clear     (CsRouting      *routing);
gboolean   cs_routing_parse     (JsonObject     *obj,
                                 const char     *path,
                                 CsRouting      *out,
                                 GError        **error);
JsonNode  *cs_routing_to_json   (const CsRouting *routing);

#define CS_TYPE_QUEUE (cs_queue_get_type ())
G_DECLARE_FINAL_TYPE (CsQueue, cs_queue, CS, QUEUE, GObject)

/* Parses a queue as GET /api/v1/queues lists it, or as PUT /api/v1/queues/{id}
 * takes it (then @id is given and "id" may be absent from the body). */
CsQueue         *cs_queue_new_from_json   (JsonNode    *node,
                                           const char  *id,
                                           GError     **error);
JsonNode        *cs_queue_to_json         (CsQueue     *self,
                                           gboolean     with_server_settings);
const char      *cs_queue_get_id          (CsQueue     *self);
const char      *cs_queue_get_title       (CsQueue     *self);
const char * const *cs_queue_get_labels   (CsQueue     *self);
gboolean         cs_queue_has_label       (CsQueue     *self,
                                           const char  *label);
const CsPolicy  *cs_queue_get_policy      (CsQueue     *self);
const CsRouting *cs_queue_get_routing     (CsQueue     *self);
const char * const *cs_queue_get_reviewers (CsQueue    *self);
/* Oversight settings; NULL when not set. */
const char      *cs_queue_get_overdue_queue (CsQueue   *self);
const char      *cs_queue_get_webhook_url   (CsQueue   *self);
const char      *cs_queue_get_webhook_secret (CsQueue  *self);

G_END_DECLS
