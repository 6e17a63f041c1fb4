/* cs-case-view.h: one case, its evidence beside the model's explanation, and
 * the decision.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cs-decision-panel.h"
#include "cs-document-view.h"
#include "cs-image-view.h"
#include "cs-sync.h"

G_BEGIN_DECLS

#define CS_TYPE_CASE_VIEW (cs_case_view_get_type ())
G_DECLARE_FINAL_TYPE (CsCaseView, cs_case_view, CS, CASE_VIEW, AdwBin)

void         cs_case_view_set_sync     (CsCaseView  *self,
                                        CsSync      *sync);
/* Shows @case_id from the store, or nothing when NULL. */
void         cs_case_view_set_case_id  (CsCaseView  *self,
                                        const char  *case_id);
const char  *cs_case_view_get_case_id  (CsCaseView  *self);
/* The evidence is drawn, or its error shown (for tests and screenshots). */
gboolean     cs_case_view_is_settled   (CsCaseView  *self);
void         cs_case_view_set_rationale (CsCaseView *self,
                                         const char *text);
/* Commits the decision the panel holds, as the Countersign button does. */
void         cs_case_view_submit        (CsCaseView *self);
CsDecisionPanel *cs_case_view_get_decision_panel (CsCaseView *self);
CsImageView *cs_case_view_get_image_view (CsCaseView *self);
CsDocumentView *cs_case_view_get_document_view (CsCaseView *self);
/* What the evidence pane shows: "image", "document", "text",
 * "fields", or "message" (loading, or an error: see the message). */
const char  *cs_case_view_get_evidence_page (CsCaseView *self);
/* The title and description of the evidence pane's message, or NULL. */
const char  *cs_case_view_get_evidence_message_title (CsCaseView *self);
const char  *cs_case_view_get_evidence_message (CsCaseView *self);
/* FALSE while a blind-first case waits for the reviewer's own label (keys
 * 1–9 in the decision panel): the model's answer, the explanation and its
 * marks on the evidence (heatmap, regions, spans, weights) are not shown. */
gboolean     cs_case_view_get_revealed (CsCaseView *self);
/* Shows or hides the model's heatmap over image evidence. */
void         cs_case_view_toggle_heatmap (CsCaseView *self);

G_END_DECLS
