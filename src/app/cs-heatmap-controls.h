/* cs-heatmap-controls.h: a button whose popover sets how the heatmap is shown.
 *
 * The popover holds a switch to show the heatmap, its opacity and threshold,
 * a switch for side by side, and the colour bar that is the heatmap's key.
 * The four properties are the reviewer's choices: bind them to the settings
 * and to a CsImageView's properties of the same names.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CS_TYPE_HEATMAP_CONTROLS (cs_heatmap_controls_get_type ())
G_DECLARE_FINAL_TYPE (CsHeatmapControls, cs_heatmap_controls, CS, HEATMAP_CONTROLS, AdwBin)

GtkWidget  *cs_heatmap_controls_new                   (void);

/* Defaults as CsImageView's: visible, opacity 0.5, threshold 0.2, not side by side. */
gboolean    cs_heatmap_controls_get_heatmap_visible   (CsHeatmapControls *self);
void        cs_heatmap_controls_set_heatmap_visible   (CsHeatmapControls *self,
                                                       gboolean           visible);
double      cs_heatmap_controls_get_heatmap_opacity   (CsHeatmapControls *self);
void        cs_heatmap_controls_set_heatmap_opacity   (CsHeatmapControls *self,
                                                       double             opacity);
double      cs_heatmap_controls_get_heatmap_threshold (CsHeatmapControls *self);
void        cs_heatmap_controls_set_heatmap_threshold (CsHeatmapControls *self,
                                                       double             threshold);
gboolean    cs_heatmap_controls_get_side_by_side      (CsHeatmapControls *self);
void        cs_heatmap_controls_set_side_by_side      (CsHeatmapControls *self,
                                                       gboolean           side_by_side);

/* Opens the popover. */
void        cs_heatmap_controls_popup                 (CsHeatmapControls *self);
GtkPopover *cs_heatmap_controls_get_popover           (CsHeatmapControls *self);

G_END_DECLS
