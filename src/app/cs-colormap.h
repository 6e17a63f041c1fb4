/* cs-colormap.h: the colour map of heatmaps, as pure functions.
 *
 * Viridis (van der Walt and Smith, for matplotlib): perceptually uniform,
 * lighter as the value grows, and readable with the common colour-vision
 * deficiencies, so a saliency map does not invent edges where there are none.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CS_COLORMAP_N_ENTRIES 256

/* The 256 entries, sRGB, 8 bits a channel: entry 0 is value 0, entry 255 value 1. */
extern const guint8 cs_colormap_viridis[CS_COLORMAP_N_ENTRIES][3];

/* The entry of @value (clamped to 0..1). */
guint    cs_colormap_index        (double        value);

/* Maps @value to non-premultiplied RGBA. Values under @threshold, and NaN, are
 * fully transparent; the others are opaque (opacity is the drawer's business).
 * Returns whether the value is drawn. */
gboolean cs_colormap_map          (double        value,
                                   double        threshold,
                                   guint8        rgba[4]);

/* Paints a @grid_width × @grid_height grid of values (row-major) into @rgba
 * (non-premultiplied R8G8B8A8, @stride bytes a row), each cell a @cell × @cell
 * block with hard edges, so that linear filtering blurs at most one texel of a
 * cell's edge. @rgba holds grid_height × cell rows. */
void     cs_colormap_render_grid  (const double *values,
                                   guint         grid_width,
                                   guint         grid_height,
                                   double        threshold,
                                   guint         cell,
                                   guint8       *rgba,
                                   gsize         stride);

/* Maps 8-bit values (0 = 0.0, 255 = 1.0) to non-premultiplied R8G8B8A8. */
void     cs_colormap_render_grey  (const guint8 *grey,
                                   guint         width,
                                   guint         height,
                                   gsize         grey_stride,
                                   double        threshold,
                                   guint8       *rgba,
                                   gsize         stride);

/* Relative luminance (WCAG, 0..1) of an sRGB colour: for tests and legends. */
double   cs_colormap_luminance    (const guint8  rgb[3]);

/* A legend: the map from 0 to 1, left to right, or bottom to top when
 * @height is greater than @width, filling 0,0 @width × @height. */
void     cs_colormap_draw_bar     (GtkSnapshot  *snapshot,
                                   double        width,
                                   double        height);

G_END_DECLS
