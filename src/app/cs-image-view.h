/* cs-image-view.h: one evidence image of any size, with the model's heatmap
 * and regions over it.
 *
 * The image is decoded off the main thread into a pyramid of tiles
 * (cs-image-loader.h); a frame appends only the visible tiles of the level that
 * fits the zoom. The view is a GtkScrollable: put it in a GtkScrolledWindow for
 * scrollbars, or use it alone (it then pans itself). It fits the image to the
 * view until the reviewer zooms.
 *
 * Side by side ("side-by-side"), the plain image and the image under its
 * heatmap are shown in two panes, at the same zoom and pan.
 *
 * Actions: image.zoom-in (Ctrl+plus), image.zoom-out (Ctrl+minus),
 * image.zoom-fit (Ctrl+0), image.zoom-actual (Ctrl+1), and the toggle
 * image.side-by-side (Ctrl+Shift+H). Ctrl+scroll and pinch zoom around the
 * pointer or the fingers, in either pane; scroll and drag pan.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "cs-case.h"

G_BEGIN_DECLS

typedef enum
{
  CS_IMAGE_VIEW_STATE_EMPTY,    /* nothing asked for yet, or cleared */
  CS_IMAGE_VIEW_STATE_LOADING,
  CS_IMAGE_VIEW_STATE_READY,
  CS_IMAGE_VIEW_STATE_ERROR,    /* see "error-message" */
} CsImageViewState;

#define CS_TYPE_IMAGE_VIEW_STATE (cs_image_view_state_get_type ())
GType cs_image_view_state_get_type (void) G_GNUC_CONST;

#define CS_TYPE_IMAGE_VIEW (cs_image_view_get_type ())
G_DECLARE_FINAL_TYPE (CsImageView, cs_image_view, CS, IMAGE_VIEW, GtkWidget)

GtkWidget        *cs_image_view_new               (void);

/* Loading. The file must match @expected_sha256 (64 hex digits), or the view
 * ends in the error state without showing it (the check runs beside the
 * decode; the view is ready only once both are done). A new load, clear() or
 * disposing the view cancels the one in flight; the old image is not shown
 * meanwhile. Heatmap and regions are kept: they are the caller's to change. */
void              cs_image_view_load_file         (CsImageView *self,
                                                   const char  *path,
                                                   const char  *expected_sha256);
void              cs_image_view_clear             (CsImageView *self);
CsImageViewState  cs_image_view_get_state         (CsImageView *self);
/* Written for the reviewer; NULL unless the state is error. */
const char       *cs_image_view_get_error_message (CsImageView *self);
/* The image's size in pixels; 0 × 0 unless ready. */
void              cs_image_view_get_image_size    (CsImageView *self,
                                                   int         *width,
                                                   int         *height);

/* Zoom: logical pixels per image pixel, from the smaller of fitting and 1:1
 * to the larger of fitting and 16. Setting it keeps the centre of the view
 * still and ends fitting; "fit" (the default after each load) follows the
 * view's size, scaling small images up. Nothing happens until ready. */
double            cs_image_view_get_zoom          (CsImageView *self);
void              cs_image_view_set_zoom          (CsImageView *self,
                                                   double       zoom);
/* Sets the zoom keeping the image point under @view_x, @view_y still, in
 * whichever pane it is: what Ctrl+scroll and pinch do. */
void              cs_image_view_zoom_around       (CsImageView *self,
                                                   double       zoom,
                                                   double       view_x,
                                                   double       view_y);
gboolean          cs_image_view_get_fit           (CsImageView *self);
void              cs_image_view_set_fit           (CsImageView *self,
                                                   gboolean     fit);
/* Where image pixel @x, @y is drawn, in the view's coordinates; side by side,
 * in the pane with the heatmap. */
void              cs_image_view_image_to_view     (CsImageView *self,
                                                   double       x,
                                                   double       y,
                                                   double      *view_x,
                                                   double      *view_y);

/* Heatmap: either a grid of values in 0..1, row-major, drawn with hard cell
 * edges (NULL or 0 × 0 clears it; at most 4096 cells a side) … */
void              cs_image_view_set_heatmap_grid    (CsImageView  *self,
                                                     guint         width,
                                                     guint         height,
                                                     const double *values);
/* … or a greyscale image, black 0 and white 1, stretched over the image
 * (NULL clears it). Larger than 1024 a side, it is averaged down once. */
void              cs_image_view_set_heatmap_texture (CsImageView  *self,
                                                     GdkTexture   *texture);
/* Defaults: visible, opacity 0.5, threshold 0.2. */
gboolean          cs_image_view_get_heatmap_visible   (CsImageView *self);
void              cs_image_view_set_heatmap_visible   (CsImageView *self,
                                                       gboolean     visible);
double            cs_image_view_get_heatmap_opacity   (CsImageView *self);
void              cs_image_view_set_heatmap_opacity   (CsImageView *self,
                                                       double       opacity);
/* Values under the threshold are not drawn. */
double            cs_image_view_get_heatmap_threshold (CsImageView *self);
void              cs_image_view_set_heatmap_threshold (CsImageView *self,
                                                       double       threshold);

/* Side by side: when set and a heatmap is shown, the view is two panes, the
 * plain image in the first (left) and the image under its heatmap in the
 * second, at the same zoom and pan, with the regions on both; fitting fits a
 * pane. In the second the image is faded a little toward grey, so that the
 * heatmap's colours read as the key's over dark and light alike. Without a
 * heatmap, or with it hidden, there is one pane. Default FALSE. */
gboolean          cs_image_view_get_side_by_side      (CsImageView *self);
void              cs_image_view_set_side_by_side      (CsImageView *self,
                                                       gboolean     side_by_side);
guint             cs_image_view_get_n_panes           (CsImageView *self);
/* The part of the view that pane @pane (below get_n_panes()) takes up. */
void              cs_image_view_get_pane_bounds       (CsImageView     *self,
                                                       guint            pane,
                                                       graphene_rect_t *bounds);
/* Where image pixel @x, @y is drawn in pane @pane, in the view's coordinates. */
void              cs_image_view_image_to_pane         (CsImageView *self,
                                                       guint        pane,
                                                       double       x,
                                                       double       y,
                                                       double      *view_x,
                                                       double      *view_y);

/* Regions (of CsRegion, in image pixels), outlined with their label and score.
 * The array is kept with a reference; NULL clears. */
void              cs_image_view_set_regions       (CsImageView *self,
                                                   GPtrArray   *regions);

/* The accessible name of the image. */
const char       *cs_image_view_get_label         (CsImageView *self);
void              cs_image_view_set_label         (CsImageView *self,
                                                   const char  *label);

/* Ready shows the level that fits the view and the coarser ones; the finer
 * ones are built after, and until they are there, zooming in draws the
 * nearest coarser level ("refining", TRUE meanwhile). Should the whole image
 * then prove damaged, the view ends in the error state and shows nothing. */
gboolean          cs_image_view_get_refining      (CsImageView *self);

/* For tests: the tiles appended by the last frame (both panes' side by side),
 * the pyramid level they came from, and the pyramid's size (the tiles of the
 * levels built so far). */
guint             cs_image_view_get_visible_tile_count (CsImageView *self);
guint             cs_image_view_get_level              (CsImageView *self);
guint             cs_image_view_get_n_levels           (CsImageView *self);
guint             cs_image_view_get_n_tiles            (CsImageView *self);

G_END_DECLS
