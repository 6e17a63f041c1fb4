/* cs-explanation-panel.h: the model's explanation of a case, beside its evidence.
 *
 * Top to bottom: the model's answer (its label, its confidence, the
 * alternatives), why the case came to a person, the model and its summary,
 * what drove the answer (CsAttributionChart) and the case's context. A part
 * the case does not carry is not shown at all, heading included.
 *
 * With "revealed" FALSE every part that shows the model's answer is hidden
 * behind a placeholder, so that a reviewer can judge first and compare after;
 * why the case is here, the model's name and the context stay in view.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cs-case.h"

G_BEGIN_DECLS

#define CS_TYPE_EXPLANATION_PANEL (cs_explanation_panel_get_type ())
G_DECLARE_FINAL_TYPE (CsExplanationPanel, cs_explanation_panel, CS, EXPLANATION_PANEL, AdwBin)

GtkWidget *cs_explanation_panel_new          (void);

/* Shows @kase (kept with a reference), or nothing when NULL. */
void       cs_explanation_panel_set_case     (CsExplanationPanel *self,
                                              CsCase             *kase);
CsCase    *cs_explanation_panel_get_case     (CsExplanationPanel *self);

/* Whether the model's answer is shown; TRUE by default. */
gboolean   cs_explanation_panel_get_revealed (CsExplanationPanel *self);
void       cs_explanation_panel_set_revealed (CsExplanationPanel *self,
                                              gboolean            revealed);

/* A confidence in 0..1 as a percentage in the locale's way: whole numbers,
 * one decimal under 1 % and over 99 %, and never "100 %" or "0 %" unless it
 * is exactly that. */
char      *cs_explanation_format_percent     (double              fraction);

/* Why @kase came to a person, in a sentence: "Low confidence: 0.39 is under
 * the queue’s threshold 0.80", or the kind and the server's detail. With
 * @revealed FALSE the sentence gives away nothing of the model's answer.
 * When @kind_length is given it receives the length in bytes of the kind
 * that starts the sentence. */
char      *cs_explanation_describe_trigger   (CsCase             *kase,
                                              gboolean            revealed,
                                              gsize              *kind_length);

G_END_DECLS
