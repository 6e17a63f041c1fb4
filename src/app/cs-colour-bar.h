/* cs-colour-bar.h: the key to a heatmap.
 *
 * The colour map from 0 to 1, left to right, with tick labels at 0, 1 and
 * the threshold, and a caption under them. The part under the threshold is greyed
 * and hatched, because the image view draws nothing there.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CS_TYPE_COLOUR_BAR (cs_colour_bar_get_type ())
G_DECLARE_FINAL_TYPE (CsColourBar, cs_colour_bar, CS, COLOUR_BAR, GtkWidget)

GtkWidget  *cs_colour_bar_new           (void);

/* Values under the threshold (0..1, default 0.2) are not drawn. */
double      cs_colour_bar_get_threshold (CsColourBar *self);
void        cs_colour_bar_set_threshold (CsColourBar *self,
                                         double       threshold);
/* What the values are, under the tick labels as an axis's title; "Heatmap
 * value" by default, NULL for none. */
const char *cs_colour_bar_get_caption   (CsColourBar *self);
void        cs_colour_bar_set_caption   (CsColourBar *self,
                                         const char  *caption);

/* For tests: where the threshold marker is drawn (its centre line), and where
 * the bar starts and ends, in the widget's coordinates. */
double      cs_colour_bar_get_marker_x  (CsColourBar *self);
void        cs_colour_bar_get_bar_bounds (CsColourBar     *self,
                                          graphene_rect_t *bounds);

G_END_DECLS
