/* cs-decision.h: a reviewer's decision on one version of a case.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include "cs-types.h"
#include "cs-queue.h"

G_BEGIN_DECLS

#define CS_TYPE_DECISION (cs_decision_get_type ())
G_DECLARE_FINAL_TYPE (CsDecision, cs_decision, CS, DECISION, GObject)

/* A new decision with a fresh UUID (the idempotency key) and decided_at = now. */
CsDecision  *cs_decision_new            (const char  *case_id,
                                         gint64       case_version,
                                         CsAction     action,
                                         const char  *label,
                                         const char  *rationale,
                                         const char  *reviewer,
                                         gint64       duration_ms);
CsDecision  *cs_decision_new_from_json  (JsonNode    *node,
                                         GError     **error);
CsDecision  *cs_decision_new_from_data  (const char  *data,
                                         gssize       len,
                                         GError     **error);
JsonNode    *cs_decision_to_json        (CsDecision  *self);
char        *cs_decision_to_data        (CsDecision  *self,
                                         gsize       *len);

const char  *cs_decision_get_id           (CsDecision *self);
const char  *cs_decision_get_case_id      (CsDecision *self);
gint64       cs_decision_get_case_version (CsDecision *self);
CsAction     cs_decision_get_action       (CsDecision *self);
const char  *cs_decision_get_label        (CsDecision *self);  /* NULL unless override */
const char  *cs_decision_get_rationale    (CsDecision *self);  /* never NULL; may be "" */
const char  *cs_decision_get_reviewer     (CsDecision *self);
GDateTime   *cs_decision_get_decided_at   (CsDecision *self);
gint64       cs_decision_get_duration_ms  (CsDecision *self);
/* Oversight extensions; NULL when absent. */
const char  *cs_decision_get_initial_label (CsDecision *self);
const char  *cs_decision_get_countersigns  (CsDecision *self);

void         cs_decision_set_initial_label (CsDecision *self, const char *label);
void         cs_decision_set_countersigns  (CsDecision *self, const char *decision_id);

/* Checks @self against a queue's labels and policy: the label of an override
 * must be one of @labels (and differ from @predicted_label when given), a
 * rationale must be given and long enough where the policy asks for one.
 * Used by the workstation before it commits and by the server (→ "invalid"). */
gboolean     cs_decision_check_policy   (CsDecision          *self,
                                         const char * const  *labels,
                                         const CsPolicy      *policy,
                                         const char          *predicted_label,
                                         GError             **error);

/* One entry of the answer to POST /api/v1/decisions. */
typedef struct
{
  char          *id;
  CsOutboxState  status;        /* accepted, duplicate, conflict or invalid */
  gint64         case_version;  /* -1 when not given */
  char          *reason;        /* conflict: "decided", "withdrawn", "stale" */
  char          *message;       /* invalid: why */
  JsonNode      *case_json;     /* conflict: the server's current case, or NULL */
} CsDecisionResult;

void              cs_decision_result_free (CsDecisionResult *result);
/* Parses {"results": [...]}; each entry's status must be one the API names. */
GPtrArray        *cs_decision_results_parse (JsonNode  *node,
                                             GError   **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsDecisionResult, cs_decision_result_free)

G_END_DECLS
