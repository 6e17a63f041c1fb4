/* cs-attribution-chart.h: what drove the model's answer, as signed bars.
 *
 * One row a feature, sorted by the size of its weight, largest first: the top
 * ten by name, then one row that sums the rest ("4 others"). Bars grow from a
 * zero line in the middle: to the right for a feature that pushed towards the
 * model's label, to the left for one that pushed away. Sign is never told by
 * colour alone: the side of the line, a "+" or "−" before the value, and the
 * fill (solid for +, hatched for −) say it too. The chart is as tall as its
 * rows; screen readers read it as an image described by its top features.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "cs-case.h"

G_BEGIN_DECLS

/* Features drawn by name before the rest are summed in one row. */
#define CS_ATTRIBUTION_CHART_MAX_NAMED 10

#define CS_TYPE_ATTRIBUTION_CHART (cs_attribution_chart_get_type ())
G_DECLARE_FINAL_TYPE (CsAttributionChart, cs_attribution_chart, CS, ATTRIBUTION_CHART, GtkWidget)

GtkWidget *cs_attribution_chart_new              (void);

/* @attributions is of CsAttribution, in any order; it is copied, not kept.
 * NULL or empty clears the chart. */
void       cs_attribution_chart_set_attributions (CsAttributionChart *self,
                                                  GPtrArray          *attributions);

/* The rows as drawn, top to bottom: their names, weights and value texts
 * (arrays owned by the chart, valid until the next change). When @n_others is
 * above 0 the last row sums that many features. Returns the number of rows. */
guint      cs_attribution_chart_get_rows         (CsAttributionChart  *self,
                                                  const char * const **names,
                                                  const double       **weights,
                                                  const char * const **values,
                                                  guint               *n_others);

/* The weight as drawn: a "+" or "−" (U+2212) before the magnitude, with
 * @decimals digits after the locale's decimal point; no sign for 0. */
char      *cs_attribution_chart_format_weight    (double              weight,
                                                  int                 decimals);

G_END_DECLS
