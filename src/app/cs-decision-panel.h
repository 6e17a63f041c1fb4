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

/* Keeps the rationale written so far among the reviewer's quick phrases
 * (the oldest goes past 12). FALSE when there is nothing to keep. */
gboolean     cs_decision_panel_keep_phrase (CsDecisionPanel *self);

G_END_DECLS
