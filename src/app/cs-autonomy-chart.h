/* cs-autonomy-chart.h: the autonomy curve of a queue, as a line chart.
 *
 * x is the confidence threshold (0.50 to 0.99), y a rate from 0 to 1. Three
 * lines: the share of cases a person would see (intervention rate), the
 * model's accuracy alone, and the final accuracy with its 95 % interval
 * shaded. The recommended threshold is a vertical line with its value. Lines
 * differ by dash pattern and marker as well as colour, so that greyscale and
 * colour-blind readers can tell them apart; screen readers read the chart as
 * an image described by its ends and the recommendation.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "cs-client.h"

G_BEGIN_DECLS

#define CS_TYPE_AUTONOMY_CHART (cs_autonomy_chart_get_type ())
G_DECLARE_FINAL_TYPE (CsAutonomyChart, cs_autonomy_chart, CS, AUTONOMY_CHART, GtkWidget)

GtkWidget *cs_autonomy_chart_new             (void);

/* The report is copied, not kept; NULL clears the chart. */
void       cs_autonomy_chart_set_report      (CsAutonomyChart        *self,
                                              const CsAutonomyReport *report);

/* The points as drawn, in order of threshold (owned by the chart, valid until
 * the next change). Returns their number. */
guint      cs_autonomy_chart_get_points      (CsAutonomyChart        *self,
                                              const CsAutonomyPoint **points);
/* The threshold marked as recommended, or NAN when none is. */
double     cs_autonomy_chart_get_recommended (CsAutonomyChart        *self);

/* "0.87": a threshold as the chart and the window write it. */
char      *cs_autonomy_chart_format_threshold (double                 threshold);

G_END_DECLS
