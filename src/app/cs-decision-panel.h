/* cs-decision-panel.h: the reviewer's decision on the case on screen.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cs-case.h"

G_BEGIN_DECLS

#define CS_TYPE_DECISION_PANEL (cs_decision_panel_get_type ())
G_DECLARE_FINAL_TYPE (CsDecisionPanel, cs_decision_panel, CS, DECISION_PANEL, AdwBin)

/* Resets the panel for @kase: accept chosen, no rationale, the queue's labels
 * offered for an override, the policy's rationale rule shown. */
void         cs_decision_panel_set_case        (CsDecisionPanel *self,
                                                CsCase          *kase,
                                                gboolean         decidable);
CsAction     cs_decision_panel_get_action      (CsDecisionPanel *self);
void         cs_decision_panel_set_action      (CsDecisionPanel *self,
                                                CsAction         action);
/* The override label, or NULL. */
const char  *cs_decision_panel_get_label       (CsDecisionPanel *self);
/* The label at @index (0-based, as keys 1–9 choose it): the model's own label
 * means accept, any other an override to it. FALSE when there is none. */
gboolean     cs_decision_panel_choose_label    (CsDecisionPanel *self,
                                                guint            index);
char        *cs_decision_panel_dup_rationale   (CsDecisionPanel *self);
void         cs_decision_panel_set_rationale   (CsDecisionPanel *self,
                                                const char      *text);
void         cs_decision_panel_focus_rationale (CsDecisionPanel *self);
void         cs_decision_panel_set_error       (CsDecisionPanel *self,
                                                const char      *message);

/* Blind-first review. While judging first the panel asks for the reviewer's
 * own label: the labels are all offered, keys 1–9 or a click emit "judged"
 * (with the label) instead of choosing a decision, and the actions and the
 * Countersign button are unavailable. set_case() ends it. */
void         cs_decision_panel_set_judging_first (CsDecisionPanel *self,
                                                  gboolean         judging_first);
gboolean     cs_decision_panel_get_judging_first (CsDecisionPanel *self);
/* The reviewer's recorded judgement: ends judging first, is shown as "Your
 * first judgement: …", and becomes the starting decision (accept when it is
 * the model's label, else an override to it). */
void         cs_decision_panel_set_initial_label (CsDecisionPanel *self,
                                                  const char      *label);
const char  *cs_decision_panel_get_initial_label (CsDecisionPanel *self);

/* Two-person rule: every decision on this case countersigns @decision_id (the
 * first reviewer's); with @may_agree the Agree action is offered, and chosen.
 * NULL ends it. */
void         cs_decision_panel_set_countersigns  (CsDecisionPanel *self,
                                                  const char      *decision_id,
                                                  gboolean         may_agree);
const char  *cs_decision_panel_get_countersigns  (CsDecisionPanel *self);

/* Keeps the rationale written so far among the reviewer's quick phrases
 * (the oldest goes past 12). FALSE when there is nothing to keep. */
gboolean     cs_decision_panel_keep_phrase (CsDecisionPanel *self);

G_END_DECLS
