/* cs-drawing.h: drawing pieces the evidence views and the charts share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* @v rounded to the nearest device pixel at @scale. */
double cs_drawing_snap          (double         v,
                                 int            scale);

/* The theme's colour @name, else @fallback_name (may be NULL), else
 * @fallback parsed. */
void   cs_drawing_lookup_color  (GtkWidget     *widget,
                                 const char    *name,
                                 const char    *fallback_name,
                                 const char    *fallback,
                                 GdkRGBA       *color);

/* Diagonal lines, @spacing apart, over the rectangle (clipped to it), in
 * @cr's current source. */
void   cs_drawing_stroke_hatch  (cairo_t       *cr,
                                 double         x,
                                 double         y,
                                 double         width,
                                 double         height,
                                 double         spacing);

/* A rectangle's outline, @line wide, drawn inside it. */
void   cs_drawing_append_ring   (GtkSnapshot   *snapshot,
                                 double         x,
                                 double         y,
                                 double         width,
                                 double         height,
                                 float          line,
                                 const GdkRGBA *color);

/* The model's regions (of CsRegion) over evidence drawn from @ox, @oy at
 * @zoom view pixels per evidence unit, in a view @width × @height: only those
 * on @page (-1 for every one), off-screen ones left out. Each box is an
 * accent line between two thin dark ones, so that it stands out on light and
 * dark evidence alike, over a translucent accent @fill if asked; its label
 * ("label 0.93") sits on an accent pill above it, inside at the top of the
 * view. Every box is drawn before any label, so no box covers a label.
 * Returns how many boxes were drawn. */
guint  cs_drawing_append_regions (GtkWidget    *widget,
                                  GtkSnapshot  *snapshot,
                                  GPtrArray    *regions,
                                  gint64        page,
                                  double        ox,
                                  double        oy,
                                  double        zoom,
                                  int           width,
                                  int           height,
                                  int           scale,
                                  gboolean      fill);

G_END_DECLS
