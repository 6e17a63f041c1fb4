/* cs-oversight-window.h: the oversight view.
 *
 * For every reviewer, "Your day": the decisions made on this computer since
 * midnight, from the local store, offline too. For a site administrator (the
 * role /me gives, remembered in the store), the queue's figures from the
 * server: intervention and override rates, why cases came to a person, model
 * and final accuracy, blind-first figures, cohorts of a context field with
 * their flags, and the autonomy curve.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cs-application.h"
#include "cs-autonomy-chart.h"

G_BEGIN_DECLS

#define CS_TYPE_OVERSIGHT_WINDOW (cs_oversight_window_get_type ())
G_DECLARE_FINAL_TYPE (CsOversightWindow, cs_oversight_window, CS, OVERSIGHT_WINDOW, AdwWindow)

GtkWindow       *cs_oversight_window_new        (CsApplication     *app,
                                                 GtkWindow         *parent);
/* Reads "Your day" again and asks the server again. */
void             cs_oversight_window_refresh    (CsOversightWindow *self);
/* Shows the figures of @queue_id, one of the server's queues. */
gboolean         cs_oversight_window_set_queue  (CsOversightWindow *self,
                                                 const char        *queue_id);
/* Breaks the queue down by the context field @field ("site"). */
void             cs_oversight_window_set_cohort_field (CsOversightWindow *self,
                                                 const char        *field);

/* For tests. TRUE when no answer from the server is awaited. */
gboolean         cs_oversight_window_is_settled (CsOversightWindow *self);
/* What the server part shows: "loading", "message" or "figures". */
const char      *cs_oversight_window_get_server_page (CsOversightWindow *self);
/* The text shown for a figure: "day.decided", "day.median", "day.override",
 * "day.actions", "intervention", "override", "override.detail",
 * "trigger.<kind>", "model_accuracy", "final_accuracy", "accuracy.detail",
 * "median", "blind.change", "blind.accuracy", "cohort.<value>" (the flag),
 * "cohort.<value>.detail", "flag_rule", "recommendation", "message";
 * NULL for a figure not shown. */
const char      *cs_oversight_window_get_figure (CsOversightWindow *self,
                                                 const char        *name);
CsAutonomyChart *cs_oversight_window_get_autonomy_chart (CsOversightWindow *self);

G_END_DECLS
