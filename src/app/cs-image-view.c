/* cs-image-view.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include "cs-colormap.h"
#include "cs-drawing.h"
#include "cs-image-loader.h"
#include "cs-image-view.h"

/* A key press zooms by √2, so two make a pyramid level; a wheel notch by ⁴√2. */
#define ZOOM_STEP G_SQRT2
#define WHEEL_ZOOM_STEP 1.189207115002721
/* Touchpad pixels that zoom as much as a wheel notch. */
#define SMOOTH_SCROLL_PER_NOTCH 40.0
#define WHEEL_PAN_STEP 64.0
#define MAX_ZOOM 16.0

#define MAX_GRID_SIDE 4096
/* A grid is drawn as this many rectangles at most (hard edges at any zoom);
 * when more cells are visible they are small, and one texture is drawn. */
#define MAX_GRID_RECTS 4096
/* The texture of a grid: each cell a block of up to 64 × 64 texels, about 4M
 * texels in all, so linear filtering softens at most 1/64 of a cell. */
#define GRID_TEXELS (4 * 1024 * 1024)
#define GRID_MAX_CELL 64
#define HEAT_TEXTURE_MAX_SIDE 1024
/* Side by side: the line between the two panes, in logical pixels; and how
 * far the image under the heatmap fades toward grey, so that the colours over
 * black ink or white paper still read as the key's (the plain image is
 * beside it). */
#define PANE_GAP 2
#define HEAT_PANE_VEIL 0.35f

struct _CsImageView
{
  GtkWidget         parent_instance;

  CsImageViewState  state;
  char             *error_message;
  char             *label;
  GCancellable     *cancellable;    /* of the load, then of its refining */
  CsImagePyramid   *pyramid;
  gboolean          refining;       /* finer levels still being built */

  GtkAdjustment    *hadjustment;
  GtkAdjustment    *vadjustment;
  guint             hscroll_policy : 1;
  guint             vscroll_policy : 1;
  gboolean          fit;
  double            zoom;
  int               last_width;
  int               last_height;

  double            pointer_x;
  double            pointer_y;
  double            drag_start_h;
  double            drag_start_v;
  GtkGesture       *zoom_gesture;
  double            pinch_start_zoom;
  double            pinch_image_x;
  double            pinch_image_y;

  gboolean          side_by_side;
  gboolean          split;          /* side by side, and a heatmap to show */

  gboolean          heatmap_visible;
  double            heatmap_opacity;
  double            heatmap_threshold;
  guint             grid_width;
  guint             grid_height;
  double           *grid_values;
  guint8           *grid_rgba;      /* a colour per cell */
  GdkTexture       *grid_texture;   /* the same, each cell a block of texels */
  guint8           *heat_grey;      /* a greyscale heatmap, one byte a texel */
  guint             heat_width;
  guint             heat_height;
  GdkTexture       *heat_texture;

  GPtrArray        *regions;

  guint             visible_tiles;
  guint             level;
};

enum {
  PROP_0,
  PROP_STATE,
  PROP_ERROR_MESSAGE,
  PROP_ZOOM,
  PROP_FIT,
  PROP_HEATMAP_VISIBLE,
  PROP_HEATMAP_OPACITY,
  PROP_HEATMAP_THRESHOLD,
  PROP_SIDE_BY_SIDE,
  PROP_LABEL,
  PROP_REFINING,
  N_PROPS,

  /* GtkScrollable's */
  PROP_HADJUSTMENT = N_PROPS,
  PROP_VADJUSTMENT,
  PROP_HSCROLL_POLICY,
  PROP_VSCROLL_POLICY,
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_ENUM_TYPE (CsImageViewState, cs_image_view_state,
                    G_DEFINE_ENUM_VALUE (CS_IMAGE_VIEW_STATE_EMPTY, "empty"),
                    G_DEFINE_ENUM_VALUE (CS_IMAGE_VIEW_STATE_LOADING, "loading"),
                    G_DEFINE_ENUM_VALUE (CS_IMAGE_VIEW_STATE_READY, "ready"),
                    G_DEFINE_ENUM_VALUE (CS_IMAGE_VIEW_STATE_ERROR, "error"))

G_DEFINE_FINAL_TYPE_WITH_CODE (CsImageView, cs_image_view, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_SCROLLABLE, NULL))

/* Geometry */

/* Within half a pixel the image fits: no scrollbar for a rounding error. */
static gboolean
fits (double content,
      double viewport)
{
  return content <= viewport + 0.5;
}

static double
image_width (CsImageView *self)
{
  return self->pyramid ? cs_image_pyramid_get_width (self->pyramid) : 0;
}

static double
image_height (CsImageView *self)
{
  return self->pyramid ? cs_image_pyramid_get_height (self->pyramid) : 0;
}

/* Side by side, each pane is a viewport onto the same image, at the same zoom
 * and pan: the adjustments, fitting and zooming all work on one pane, and
 * drawing repeats it. A whole number of pixels wide, so that the second pane
 * starts on a pixel. */
static int
pane_width (CsImageView *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));

  return self->split ? MAX (0, (width - PANE_GAP) / 2) : width;
}

static int
pane_x (CsImageView *self,
        guint        pane)
{
  return pane == 0 ? 0 : gtk_widget_get_width (GTK_WIDGET (self)) - pane_width (self);
}

/* The pane under @view_x, the nearer one over the gap. */
static guint
pane_at (CsImageView *self,
         double       view_x)
{
  return self->split && view_x >= gtk_widget_get_width (GTK_WIDGET (self)) / 2.0 ? 1 : 0;
}

static double
fit_zoom (CsImageView *self)
{
  int width = pane_width (self);
  int height = gtk_widget_get_height (GTK_WIDGET (self));

  if (self->pyramid == NULL || width <= 0 || height <= 0)
    return 1.0;
  return MIN (width / image_width (self), height / image_height (self));
}

static double
min_zoom (CsImageView *self)
{
  return MIN (fit_zoom (self), 1.0);
}

static double
max_zoom (CsImageView *self)
{
  return MAX (fit_zoom (self), MAX_ZOOM);
}

/* Where image pixel 0, 0 is drawn in a pane, in the pane's coordinates:
 * centred while the image fits, else wherever the adjustments have scrolled it. */
static void
get_origin (CsImageView *self,
            double      *x,
            double      *y)
{
  double width = pane_width (self);
  double height = gtk_widget_get_height (GTK_WIDGET (self));
  double content_width = image_width (self) * self->zoom;
  double content_height = image_height (self) * self->zoom;

  *x = fits (content_width, width) ? (width - content_width) / 2 : -gtk_adjustment_get_value (self->hadjustment);
  *y = fits (content_height, height) ? (height - content_height) / 2 : -gtk_adjustment_get_value (self->vadjustment);
}

/* A point of a pane, in the pane's coordinates, to image pixels. */
static void
pane_to_image (CsImageView *self,
               double       px,
               double       py,
               double      *x,
               double      *y)
{
  double ox, oy;

  get_origin (self, &ox, &oy);
  *x = (px - ox) / self->zoom;
  *y = (py - oy) / self->zoom;
}

/* @view_x in the coordinates of the pane it is over. */
static double
view_to_pane_x (CsImageView *self,
                double       view_x)
{
  return view_x - pane_x (self, pane_at (self, view_x));
}

static void
configure_adjustments (CsImageView *self,
                       double       hvalue,
                       double       vvalue)
{
  double width = pane_width (self);
  double height = gtk_widget_get_height (GTK_WIDGET (self));
  double content_width = image_width (self) * self->zoom;
  double content_height = image_height (self) * self->zoom;

  gtk_adjustment_configure (self->hadjustment, hvalue, 0,
                            fits (content_width, width) ? width : content_width,
                            width * 0.1, width * 0.9, width);
  gtk_adjustment_configure (self->vadjustment, vvalue, 0,
                            fits (content_height, height) ? height : content_height,
                            height * 0.1, height * 0.9, height);
}

static void
set_fit_internal (CsImageView *self,
                  gboolean     fit)
{
  if (self->fit == fit)
    return;
  self->fit = fit;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FIT]);
}

static void
set_zoom_internal (CsImageView *self,
                   double       zoom)
{
  if (self->zoom == zoom)
    return;
  self->zoom = zoom;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

/* Zooms so that image pixel @x, @y lands on @px, @py of a pane. */
static void
zoom_at (CsImageView *self,
         double       zoom,
         double       x,
         double       y,
         double       px,
         double       py)
{
  if (self->pyramid == NULL)
    return;

  set_fit_internal (self, FALSE);
  set_zoom_internal (self, CLAMP (zoom, min_zoom (self), max_zoom (self)));
  configure_adjustments (self, x * self->zoom - px, y * self->zoom - py);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Zooms keeping what is under @view_x, @view_y still, in whichever pane it is. */
static void
zoom_around (CsImageView *self,
             double       zoom,
             double       view_x,
             double       view_y)
{
  double px = view_to_pane_x (self, view_x);
  double x, y;

  if (self->pyramid == NULL)
    return;
  pane_to_image (self, px, view_y, &x, &y);
  zoom_at (self, zoom, x, y, px, view_y);
}

static void
zoom_around_centre (CsImageView *self,
                    double       zoom)
{
  zoom_around (self, zoom, pane_width (self) / 2.0, gtk_widget_get_height (GTK_WIDGET (self)) / 2.0);
}

static void
apply_fit (CsImageView *self)
{
  set_zoom_internal (self, fit_zoom (self));
  configure_adjustments (self, 0, 0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* After the view or its panes changed size: fitting follows, else the image
 * pixel at the centre of a pane stays there. */
static void
relayout (CsImageView *self)
{
  int width = pane_width (self);
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  double x = 0, y = 0;

  if (self->pyramid != NULL && self->fit)
    set_zoom_internal (self, fit_zoom (self));
  else if (self->pyramid != NULL && self->last_width > 0 && self->last_height > 0)
    {
      /* Keep the image pixel at the centre where it was. */
      double content_width = image_width (self) * self->zoom;
      double content_height = image_height (self) * self->zoom;
      double ox = fits (content_width, self->last_width) ? (self->last_width - content_width) / 2
                                                          : -gtk_adjustment_get_value (self->hadjustment);
      double oy = fits (content_height, self->last_height) ? (self->last_height - content_height) / 2
                                                            : -gtk_adjustment_get_value (self->vadjustment);

      x = self->last_width / 2.0 - ox - width / 2.0;
      y = self->last_height / 2.0 - oy - height / 2.0;
    }

  self->last_width = width;
  self->last_height = height;
  configure_adjustments (self, x, y);
}

/* Two panes only when there is a heatmap to set beside the image. */
static void
update_split (CsImageView *self)
{
  gboolean split = self->side_by_side && self->heatmap_visible &&
                   (self->grid_texture != NULL || self->heat_texture != NULL);

  if (self->split == split)
    return;
  self->split = split;
  relayout (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* State */

static void
update_actions (CsImageView *self)
{
  gboolean ready = self->state == CS_IMAGE_VIEW_STATE_READY;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "image.zoom-in", ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "image.zoom-out", ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "image.zoom-fit", ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "image.zoom-actual", ready);
}

static void
set_state (CsImageView      *self,
           CsImageViewState  state,
           const char       *error_message)
{
  gboolean message_changed = g_strcmp0 (self->error_message, error_message) != 0;

  g_free (self->error_message);
  self->error_message = g_strdup (error_message);

  gtk_accessible_update_state (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_STATE_BUSY,
                               state == CS_IMAGE_VIEW_STATE_LOADING, -1);
  if (error_message != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, error_message, -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);

  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
  if (message_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
  update_actions (self);
}

static void
set_refining (CsImageView *self,
              gboolean     refining)
{
  if (self->refining == refining)
    return;
  self->refining = refining;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REFINING]);
}

/* Cancels a load in flight and forgets the image. */
static void
reset (CsImageView *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->pyramid, cs_image_pyramid_unref);
  set_refining (self, FALSE);
  self->visible_tiles = 0;
  self->level = 0;
  set_fit_internal (self, TRUE);
  set_zoom_internal (self, 1.0);
  configure_adjustments (self, 0, 0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
image_refined_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(CsImagePyramid) pyramid = NULL;
  g_autoptr(GError) error = NULL;
  CsImageView *self;

  /* As for the load: only a cancelled refining may outlive the view. */
  pyramid = cs_image_pyramid_refine_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = CS_IMAGE_VIEW (user_data);
  g_clear_object (&self->cancellable);

  if (pyramid == NULL)
    {
      /* The whole file proved damaged where its first decode did not: the
       * part shown is not evidence either. */
      reset (self);
      set_state (self, CS_IMAGE_VIEW_STATE_ERROR, error->message);
      return;
    }

  g_clear_pointer (&self->pyramid, cs_image_pyramid_unref);
  self->pyramid = g_steal_pointer (&pyramid);
  set_refining (self, FALSE);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
image_loaded_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(CsImagePyramid) pyramid = NULL;
  g_autoptr(GError) error = NULL;
  CsImageView *self;

  /* The task holds no reference on the view: a view disposed or given another
   * file cancelled this load, and GTask reports it cancelled even when it had
   * finished. Only then is @user_data possibly gone. */
  pyramid = cs_image_load_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = CS_IMAGE_VIEW (user_data);
  g_clear_object (&self->cancellable);

  if (pyramid == NULL)
    {
      set_state (self, CS_IMAGE_VIEW_STATE_ERROR, error->message);
      return;
    }

  self->pyramid = g_steal_pointer (&pyramid);
  set_fit_internal (self, TRUE);
  apply_fit (self);
  gtk_widget_queue_allocate (GTK_WIDGET (self));

  /* What fitting draws is there; zooming in draws the coarser levels until
   * the finer ones arrive. Started first, so that whoever watches the state
   * sees "refining" already. */
  if (!cs_image_pyramid_is_complete (self->pyramid))
    {
      self->cancellable = g_cancellable_new ();
      set_refining (self, TRUE);
      cs_image_pyramid_refine_async (self->pyramid, self->cancellable, image_refined_cb, self);
    }
  set_state (self, CS_IMAGE_VIEW_STATE_READY, NULL);
}

/* Heatmap */

static void
rebuild_heatmap (CsImageView *self)
{
  g_clear_object (&self->grid_texture);
  g_clear_object (&self->heat_texture);
  g_clear_pointer (&self->grid_rgba, g_free);

  if (self->grid_values != NULL)
    {
      gsize n = (gsize) self->grid_width * self->grid_height;
      guint cell = (guint) CLAMP (floor (sqrt ((double) GRID_TEXELS / n)), 1, GRID_MAX_CELL);
      gsize stride = (gsize) self->grid_width * cell * 4;
      guint8 *texels = g_malloc (stride * self->grid_height * cell);
      g_autoptr(GBytes) bytes = NULL;

      self->grid_rgba = g_malloc (n * 4);
      for (gsize i = 0; i < n; i++)
        cs_colormap_map (self->grid_values[i], self->heatmap_threshold, self->grid_rgba + i * 4);

      /* Transparent texels are 0, 0, 0, 0 and the others opaque: the same
       * bytes premultiplied, which 4.8 uploads without converting. */
      cs_colormap_render_grid (self->grid_values, self->grid_width, self->grid_height, self->heatmap_threshold,
                               cell, texels, stride);
      bytes = g_bytes_new_take (texels, stride * self->grid_height * cell);
      self->grid_texture = gdk_memory_texture_new (self->grid_width * cell, self->grid_height * cell,
                                                   GDK_MEMORY_R8G8B8A8_PREMULTIPLIED, bytes, stride);
    }
  else if (self->heat_grey != NULL)
    {
      gsize stride = (gsize) self->heat_width * 4;
      guint8 *texels = g_malloc (stride * self->heat_height);
      g_autoptr(GBytes) bytes = NULL;

      cs_colormap_render_grey (self->heat_grey, self->heat_width, self->heat_height, self->heat_width,
                               self->heatmap_threshold, texels, stride);
      bytes = g_bytes_new_take (texels, stride * self->heat_height);
      self->heat_texture = gdk_memory_texture_new (self->heat_width, self->heat_height,
                                                   GDK_MEMORY_R8G8B8A8_PREMULTIPLIED, bytes, stride);
    }

  update_split (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
clear_heatmap (CsImageView *self)
{
  g_clear_pointer (&self->grid_values, g_free);
  g_clear_pointer (&self->heat_grey, g_free);
  self->grid_width = self->grid_height = 0;
  self->heat_width = self->heat_height = 0;
}

void
cs_image_view_set_heatmap_grid (CsImageView  *self,
                                guint         width,
                                guint         height,
                                const double *values)
{
  g_return_if_fail (CS_IS_IMAGE_VIEW (self));
  g_return_if_fail (width <= MAX_GRID_SIDE && height <= MAX_GRID_SIDE);

  clear_heatmap (self);
  if (values != NULL && width > 0 && height > 0)
    {
      self->grid_values = g_memdup2 (values, sizeof (double) * width * height);
      self->grid_width = width;
      self->grid_height = height;
    }
  rebuild_heatmap (self);
}

void
cs_image_view_set_heatmap_texture (CsImageView *self,
                                   GdkTexture  *texture)
{
  g_autofree guint8 *argb = NULL;
  int width, height;
  guint factor;

  g_return_if_fail (CS_IS_IMAGE_VIEW (self));
  g_return_if_fail (texture == NULL || GDK_IS_TEXTURE (texture));

  clear_heatmap (self);
  if (texture == NULL)
    {
      rebuild_heatmap (self);
      return;
    }

  width = gdk_texture_get_width (texture);
  height = gdk_texture_get_height (texture);
  argb = g_malloc ((gsize) width * height * 4);
  gdk_texture_download (texture, argb, (gsize) width * 4);

  /* A heatmap is smooth: 1024 texels a side are plenty, and keep a change of
   * threshold cheap. Each texel is the mean luma of a factor × factor block
   * (premultiplied, so transparent counts as 0). */
  factor = (MAX (width, height) + HEAT_TEXTURE_MAX_SIDE - 1) / HEAT_TEXTURE_MAX_SIDE;
  self->heat_width = (width + factor - 1) / factor;
  self->heat_height = (height + factor - 1) / factor;
  self->heat_grey = g_malloc ((gsize) self->heat_width * self->heat_height);

  for (guint gy = 0; gy < self->heat_height; gy++)
    for (guint gx = 0; gx < self->heat_width; gx++)
      {
        guint sum = 0, count = 0;

        for (guint y = gy * factor; y < MIN ((gy + 1) * factor, (guint) height); y++)
          for (guint x = gx * factor; x < MIN ((gx + 1) * factor, (guint) width); x++)
            {
              guint32 pixel = *(const guint32 *) (const void *) (argb + ((gsize) y * width + x) * 4);

              sum += (((pixel >> 16) & 0xff) * 54 + ((pixel >> 8) & 0xff) * 183 + (pixel & 0xff) * 19) >> 8;
              count++;
            }
        self->heat_grey[(gsize) gy * self->heat_width + gx] = (guint8) ((sum + count / 2) / count);
      }

  rebuild_heatmap (self);
}

/* Drawing */

static void
snapshot_tiles (CsImageView *self,
                GtkSnapshot *snapshot,
                double       ox,
                double       oy,
                int          width,
                int          height,
                int          scale)
{
  guint n_levels = cs_image_pyramid_get_n_levels (self->pyramid);
  guint want = cs_image_level_for_zoom (n_levels, self->zoom * scale);
  guint l = want;
  const CsImageLevel *level;

  /* While finer levels are built, the nearest coarser one stands in (the
   * coarsest is always there). */
  while (!cs_image_pyramid_has_level (self->pyramid, l) && l + 1 < n_levels)
    l++;
  if (!cs_image_pyramid_has_level (self->pyramid, l))
    for (l = want; l > 0 && !cs_image_pyramid_has_level (self->pyramid, l); l--)
      ;
  level = cs_image_pyramid_get_level (self->pyramid, l);
  /* View pixels per level pixel. */
  double fx = self->zoom * image_width (self) / level->width;
  double fy = self->zoom * image_height (self) / level->height;
  int c0 = MAX (0, (int) floor (-ox / fx / CS_IMAGE_TILE_SIZE));
  int r0 = MAX (0, (int) floor (-oy / fy / CS_IMAGE_TILE_SIZE));
  int c1 = MIN ((int) level->n_columns - 1, (int) floor (((width - ox) / fx - 1e-6) / CS_IMAGE_TILE_SIZE));
  int r1 = MIN ((int) level->n_rows - 1, (int) floor (((height - oy) / fy - 1e-6) / CS_IMAGE_TILE_SIZE));

  self->level = l;
  for (int r = r0; r <= r1; r++)
    for (int c = c0; c <= c1; c++)
      {
        GdkTexture *tile = level->tiles[r * level->n_columns + c];
        int lx = c * CS_IMAGE_TILE_SIZE, ly = r * CS_IMAGE_TILE_SIZE;
        /* Neighbours share their snapped edges: no seams, no overlaps. */
        double x0 = cs_drawing_snap (ox + lx * fx, scale);
        double y0 = cs_drawing_snap (oy + ly * fy, scale);
        double x1 = cs_drawing_snap (ox + (lx + gdk_texture_get_width (tile)) * fx, scale);
        double y1 = cs_drawing_snap (oy + (ly + gdk_texture_get_height (tile)) * fy, scale);

        if (x1 <= x0 || y1 <= y0)
          continue;
        gtk_snapshot_append_texture (snapshot, tile, &GRAPHENE_RECT_INIT (x0, y0, x1 - x0, y1 - y0));
        self->visible_tiles++;
      }
}

static void
snapshot_grid (CsImageView *self,
               GtkSnapshot *snapshot,
               double       ox,
               double       oy,
               int          width,
               int          height,
               int          scale)
{
  double cw = image_width (self) * self->zoom / self->grid_width;
  double ch = image_height (self) * self->zoom / self->grid_height;
  int c0 = MAX (0, (int) floor (-ox / cw));
  int r0 = MAX (0, (int) floor (-oy / ch));
  int c1 = MIN ((int) self->grid_width - 1, (int) floor ((width - ox) / cw - 1e-6));
  int r1 = MIN ((int) self->grid_height - 1, (int) floor ((height - oy) / ch - 1e-6));

  if (c1 < c0 || r1 < r0)
    return;

  if ((gint64) (c1 - c0 + 1) * (r1 - r0 + 1) > MAX_GRID_RECTS)
    {
      double x0 = cs_drawing_snap (ox, scale), y0 = cs_drawing_snap (oy, scale);

      gtk_snapshot_append_texture (snapshot, self->grid_texture,
                                   &GRAPHENE_RECT_INIT (x0, y0, cs_drawing_snap (ox + cw * self->grid_width, scale) - x0,
                                                        cs_drawing_snap (oy + ch * self->grid_height, scale) - y0));
      return;
    }

  for (int r = r0; r <= r1; r++)
    {
      double y0 = cs_drawing_snap (oy + r * ch, scale), y1 = cs_drawing_snap (oy + (r + 1) * ch, scale);

      for (int c = c0; c <= c1; c++)
        {
          const guint8 *rgba = self->grid_rgba + ((gsize) r * self->grid_width + c) * 4;
          double x0 = cs_drawing_snap (ox + c * cw, scale), x1 = cs_drawing_snap (ox + (c + 1) * cw, scale);

          if (rgba[3] == 0 || x1 <= x0 || y1 <= y0)
            continue;
          gtk_snapshot_append_color (snapshot,
                                     &(GdkRGBA) { rgba[0] / 255.f, rgba[1] / 255.f, rgba[2] / 255.f, 1.f },
                                     &GRAPHENE_RECT_INIT (x0, y0, x1 - x0, y1 - y0));
        }
    }
}

static void
snapshot_heatmap (CsImageView *self,
                  GtkSnapshot *snapshot,
                  double       ox,
                  double       oy,
                  int          width,
                  int          height,
                  int          scale)
{
  if (!self->heatmap_visible || self->heatmap_opacity <= 0 ||
      (self->grid_texture == NULL && self->heat_texture == NULL))
    return;

  gtk_snapshot_push_opacity (snapshot, self->heatmap_opacity);
  if (self->grid_texture != NULL)
    snapshot_grid (self, snapshot, ox, oy, width, height, scale);
  else
    {
      double x0 = cs_drawing_snap (ox, scale), y0 = cs_drawing_snap (oy, scale);
      double x1 = cs_drawing_snap (ox + image_width (self) * self->zoom, scale);
      double y1 = cs_drawing_snap (oy + image_height (self) * self->zoom, scale);

      gtk_snapshot_append_texture (snapshot, self->heat_texture, &GRAPHENE_RECT_INIT (x0, y0, x1 - x0, y1 - y0));
    }
  gtk_snapshot_pop (snapshot);
}

/* A frame only appends what is ready: textures cut in the worker, colours
 * mapped when the heatmap or threshold changed, a layout per visible label.
 * Side by side, the plain image is drawn in the first pane and the heatmap
 * over the second; each pane appends only its own visible tiles. */
static void
cs_image_view_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  CsImageView *self = CS_IMAGE_VIEW (widget);
  int width = pane_width (self);
  int height = gtk_widget_get_height (widget);
  int scale = gtk_widget_get_scale_factor (widget);
  guint n_panes = self->split ? 2 : 1;
  double ox, oy;

  self->visible_tiles = 0;
  if (self->state != CS_IMAGE_VIEW_STATE_READY || self->pyramid == NULL || width <= 0 || height <= 0)
    return;

  get_origin (self, &ox, &oy);
  for (guint pane = 0; pane < n_panes; pane++)
    {
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (pane_x (self, pane), 0));
      gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
      snapshot_tiles (self, snapshot, ox, oy, width, height, scale);
      if (self->split && pane == 1)
        {
          double x0 = cs_drawing_snap (ox, scale), y0 = cs_drawing_snap (oy, scale);
          double x1 = cs_drawing_snap (ox + image_width (self) * self->zoom, scale);
          double y1 = cs_drawing_snap (oy + image_height (self) * self->zoom, scale);

          gtk_snapshot_append_color (snapshot, &(GdkRGBA) { 0.5f, 0.5f, 0.5f, HEAT_PANE_VEIL },
                                     &GRAPHENE_RECT_INIT (x0, y0, x1 - x0, y1 - y0));
        }
      if (pane == n_panes - 1)
        snapshot_heatmap (self, snapshot, ox, oy, width, height, scale);
      cs_drawing_append_regions (widget, snapshot, self->regions, -1, ox, oy, self->zoom, width, height, scale, FALSE);
      gtk_snapshot_pop (snapshot);
      gtk_snapshot_restore (snapshot);
    }

  if (self->split)
    {
      GdkRGBA line;

      cs_drawing_lookup_color (widget, "borders", "unfocused_borders", "rgba(0,0,0,0.15)", &line);
      gtk_snapshot_append_color (snapshot, &line,
                                 &GRAPHENE_RECT_INIT (width, 0, pane_x (self, 1) - width, height));
    }
}

static void
cs_image_view_measure (GtkWidget      *widget,
                       GtkOrientation  orientation,
                       int             for_size,
                       int            *minimum,
                       int            *natural,
                       int            *minimum_baseline,
                       int            *natural_baseline)
{
  /* The same whatever the image, so loading one does not move the layout. */
  *minimum = 48;
  *natural = 320;
}

static void
cs_image_view_size_allocate (GtkWidget *widget,
                             int        width,
                             int        height,
                             int        baseline)
{
  relayout (CS_IMAGE_VIEW (widget));
}

/* Input */

static void
motion_cb (GtkEventControllerMotion *motion,
           double                    x,
           double                    y,
           CsImageView              *self)
{
  self->pointer_x = x;
  self->pointer_y = y;
}

static gboolean
scroll_cb (GtkEventControllerScroll *scroll,
           double                    dx,
           double                    dy,
           CsImageView              *self)
{
  GdkModifierType mods = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (scroll));
  gboolean wheel = gtk_event_controller_scroll_get_unit (scroll) == GDK_SCROLL_UNIT_WHEEL;

  if (self->pyramid == NULL)
    return FALSE;

  if (mods & GDK_CONTROL_MASK)
    {
      double notches = wheel ? dy : dy / SMOOTH_SCROLL_PER_NOTCH;

      zoom_around (self, self->zoom * pow (WHEEL_ZOOM_STEP, -notches), self->pointer_x, self->pointer_y);
      return TRUE;
    }

  /* A scrolled window scrolls us, with its kinetics and overshoot. */
  if (GTK_IS_SCROLLED_WINDOW (gtk_widget_get_parent (GTK_WIDGET (self))))
    return FALSE;

  gtk_adjustment_set_value (self->hadjustment,
                            gtk_adjustment_get_value (self->hadjustment) + dx * (wheel ? WHEEL_PAN_STEP : 1));
  gtk_adjustment_set_value (self->vadjustment,
                            gtk_adjustment_get_value (self->vadjustment) + dy * (wheel ? WHEEL_PAN_STEP : 1));
  return TRUE;
}

static void
drag_begin_cb (GtkGestureDrag *drag,
               double          x,
               double          y,
               CsImageView    *self)
{
  if (self->pyramid == NULL)
    {
      gtk_gesture_set_state (GTK_GESTURE (drag), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  self->drag_start_h = gtk_adjustment_get_value (self->hadjustment);
  self->drag_start_v = gtk_adjustment_get_value (self->vadjustment);
}

static void
drag_update_cb (GtkGestureDrag *drag,
                double          dx,
                double          dy,
                CsImageView    *self)
{
  /* Two fingers: the pinch moves the image. (A zoom gesture is active from
   * its first point, recognized from its second.) */
  if (gtk_gesture_is_recognized (self->zoom_gesture))
    return;

  gtk_gesture_set_state (GTK_GESTURE (drag), GTK_EVENT_SEQUENCE_CLAIMED);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grabbing");
  gtk_adjustment_set_value (self->hadjustment, self->drag_start_h - dx);
  gtk_adjustment_set_value (self->vadjustment, self->drag_start_v - dy);
}

static void
drag_end_cb (GtkGestureDrag *drag,
             double          dx,
             double          dy,
             CsImageView    *self)
{
  gtk_widget_set_cursor (GTK_WIDGET (self), NULL);
}

static void
pinch_begin_cb (GtkGesture       *gesture,
                GdkEventSequence *sequence,
                CsImageView      *self)
{
  double x, y;

  if (self->pyramid == NULL || !gtk_gesture_get_bounding_box_center (gesture, &x, &y))
    return;
  self->pinch_start_zoom = self->zoom;
  pane_to_image (self, view_to_pane_x (self, x), y, &self->pinch_image_x, &self->pinch_image_y);
}

/* The image point first under the fingers' centre stays under it. */
static void
pinch_scale_changed_cb (GtkGestureZoom *gesture,
                        double          scale,
                        CsImageView    *self)
{
  double x, y;

  if (self->pyramid == NULL || !gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &x, &y))
    return;
  zoom_at (self, self->pinch_start_zoom * scale, self->pinch_image_x, self->pinch_image_y,
           view_to_pane_x (self, x), y);
}

static void
zoom_in_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  CsImageView *self = CS_IMAGE_VIEW (widget);

  zoom_around_centre (self, self->zoom * ZOOM_STEP);
}

static void
zoom_out_activated (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  CsImageView *self = CS_IMAGE_VIEW (widget);

  zoom_around_centre (self, self->zoom / ZOOM_STEP);
}

static void
zoom_fit_activated (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  cs_image_view_set_fit (CS_IMAGE_VIEW (widget), TRUE);
}

static void
zoom_actual_activated (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  zoom_around_centre (CS_IMAGE_VIEW (widget), 1.0);
}

/* GtkScrollable */

static void
set_adjustment (CsImageView    *self,
                GtkOrientation  orientation,
                GtkAdjustment  *adjustment)
{
  GtkAdjustment **slot = orientation == GTK_ORIENTATION_HORIZONTAL ? &self->hadjustment : &self->vadjustment;

  if (adjustment != NULL && adjustment == *slot)
    return;

  /* Alone, the view pans its own adjustments. */
  if (adjustment == NULL)
    adjustment = gtk_adjustment_new (0, 0, 0, 0, 0, 0);

  if (*slot != NULL)
    {
      g_signal_handlers_disconnect_by_func (*slot, gtk_widget_queue_draw, self);
      g_object_unref (*slot);
    }
  *slot = g_object_ref_sink (adjustment);
  g_signal_connect_swapped (adjustment, "value-changed", G_CALLBACK (gtk_widget_queue_draw), self);

  if (self->hadjustment != NULL && self->vadjustment != NULL)
    configure_adjustments (self, gtk_adjustment_get_value (self->hadjustment),
                           gtk_adjustment_get_value (self->vadjustment));
  g_object_notify (G_OBJECT (self), orientation == GTK_ORIENTATION_HORIZONTAL ? "hadjustment" : "vadjustment");
}

/* GObject */

static void
cs_image_view_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  CsImageView *self = CS_IMAGE_VIEW (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;
    case PROP_ZOOM:
      g_value_set_double (value, self->zoom);
      break;
    case PROP_FIT:
      g_value_set_boolean (value, self->fit);
      break;
    case PROP_HEATMAP_VISIBLE:
      g_value_set_boolean (value, self->heatmap_visible);
      break;
    case PROP_HEATMAP_OPACITY:
      g_value_set_double (value, self->heatmap_opacity);
      break;
    case PROP_HEATMAP_THRESHOLD:
      g_value_set_double (value, self->heatmap_threshold);
      break;
    case PROP_SIDE_BY_SIDE:
      g_value_set_boolean (value, self->side_by_side);
      break;
    case PROP_LABEL:
      g_value_set_string (value, self->label);
      break;
    case PROP_REFINING:
      g_value_set_boolean (value, self->refining);
      break;
    case PROP_HADJUSTMENT:
      g_value_set_object (value, self->hadjustment);
      break;
    case PROP_VADJUSTMENT:
      g_value_set_object (value, self->vadjustment);
      break;
    case PROP_HSCROLL_POLICY:
      g_value_set_enum (value, self->hscroll_policy);
      break;
    case PROP_VSCROLL_POLICY:
      g_value_set_enum (value, self->vscroll_policy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_image_view_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  CsImageView *self = CS_IMAGE_VIEW (object);

  switch (prop_id)
    {
    case PROP_ZOOM:
      cs_image_view_set_zoom (self, g_value_get_double (value));
      break;
    case PROP_FIT:
      cs_image_view_set_fit (self, g_value_get_boolean (value));
      break;
    case PROP_HEATMAP_VISIBLE:
      cs_image_view_set_heatmap_visible (self, g_value_get_boolean (value));
      break;
    case PROP_HEATMAP_OPACITY:
      cs_image_view_set_heatmap_opacity (self, g_value_get_double (value));
      break;
    case PROP_HEATMAP_THRESHOLD:
      cs_image_view_set_heatmap_threshold (self, g_value_get_double (value));
      break;
    case PROP_SIDE_BY_SIDE:
      cs_image_view_set_side_by_side (self, g_value_get_boolean (value));
      break;
    case PROP_LABEL:
      cs_image_view_set_label (self, g_value_get_string (value));
      break;
    case PROP_HADJUSTMENT:
      set_adjustment (self, GTK_ORIENTATION_HORIZONTAL, g_value_get_object (value));
      break;
    case PROP_VADJUSTMENT:
      set_adjustment (self, GTK_ORIENTATION_VERTICAL, g_value_get_object (value));
      break;
    case PROP_HSCROLL_POLICY:
      if (self->hscroll_policy != (guint) g_value_get_enum (value))
        {
          self->hscroll_policy = g_value_get_enum (value);
          gtk_widget_queue_resize (GTK_WIDGET (self));
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_VSCROLL_POLICY:
      if (self->vscroll_policy != (guint) g_value_get_enum (value))
        {
          self->vscroll_policy = g_value_get_enum (value);
          gtk_widget_queue_resize (GTK_WIDGET (self));
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_image_view_dispose (GObject *object)
{
  CsImageView *self = CS_IMAGE_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->pyramid, cs_image_pyramid_unref);
  g_clear_pointer (&self->regions, g_ptr_array_unref);
  g_clear_object (&self->grid_texture);
  g_clear_object (&self->heat_texture);
  if (self->hadjustment != NULL)
    g_signal_handlers_disconnect_by_func (self->hadjustment, gtk_widget_queue_draw, self);
  if (self->vadjustment != NULL)
    g_signal_handlers_disconnect_by_func (self->vadjustment, gtk_widget_queue_draw, self);
  g_clear_object (&self->hadjustment);
  g_clear_object (&self->vadjustment);

  G_OBJECT_CLASS (cs_image_view_parent_class)->dispose (object);
}

static void
cs_image_view_finalize (GObject *object)
{
  CsImageView *self = CS_IMAGE_VIEW (object);

  g_free (self->error_message);
  g_free (self->label);
  g_free (self->grid_values);
  g_free (self->grid_rgba);
  g_free (self->heat_grey);
  /* A scrolled window hands back our own adjustments as it lets go of us. */
  g_clear_object (&self->hadjustment);
  g_clear_object (&self->vadjustment);

  G_OBJECT_CLASS (cs_image_view_parent_class)->finalize (object);
}

static void
cs_image_view_class_init (CsImageViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  const struct { guint keyval; const char *action; } bindings[] = {
    { GDK_KEY_plus, "image.zoom-in" },
    { GDK_KEY_equal, "image.zoom-in" },
    { GDK_KEY_KP_Add, "image.zoom-in" },
    { GDK_KEY_minus, "image.zoom-out" },
    { GDK_KEY_KP_Subtract, "image.zoom-out" },
    { GDK_KEY_0, "image.zoom-fit" },
    { GDK_KEY_KP_0, "image.zoom-fit" },
    { GDK_KEY_1, "image.zoom-actual" },
    { GDK_KEY_KP_1, "image.zoom-actual" },
  };

  object_class->get_property = cs_image_view_get_property;
  object_class->set_property = cs_image_view_set_property;
  object_class->dispose = cs_image_view_dispose;
  object_class->finalize = cs_image_view_finalize;

  widget_class->snapshot = cs_image_view_snapshot;
  widget_class->measure = cs_image_view_measure;
  widget_class->size_allocate = cs_image_view_size_allocate;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, CS_TYPE_IMAGE_VIEW_STATE, CS_IMAGE_VIEW_STATE_EMPTY,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR_MESSAGE] =
    g_param_spec_string ("error-message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ZOOM] =
    g_param_spec_double ("zoom", NULL, NULL, 1.0 / 65536, 65536, 1.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FIT] =
    g_param_spec_boolean ("fit", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HEATMAP_VISIBLE] =
    g_param_spec_boolean ("heatmap-visible", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HEATMAP_OPACITY] =
    g_param_spec_double ("heatmap-opacity", NULL, NULL, 0, 1, 0.5,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HEATMAP_THRESHOLD] =
    g_param_spec_double ("heatmap-threshold", NULL, NULL, 0, 1, 0.2,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SIDE_BY_SIDE] =
    g_param_spec_boolean ("side-by-side", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LABEL] =
    g_param_spec_string ("label", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_REFINING] =
    g_param_spec_boolean ("refining", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_object_class_override_property (object_class, PROP_HADJUSTMENT, "hadjustment");
  g_object_class_override_property (object_class, PROP_VADJUSTMENT, "vadjustment");
  g_object_class_override_property (object_class, PROP_HSCROLL_POLICY, "hscroll-policy");
  g_object_class_override_property (object_class, PROP_VSCROLL_POLICY, "vscroll-policy");

  gtk_widget_class_install_action (widget_class, "image.zoom-in", NULL, zoom_in_activated);
  gtk_widget_class_install_action (widget_class, "image.zoom-out", NULL, zoom_out_activated);
  gtk_widget_class_install_action (widget_class, "image.zoom-fit", NULL, zoom_fit_activated);
  gtk_widget_class_install_action (widget_class, "image.zoom-actual", NULL, zoom_actual_activated);
  for (guint i = 0; i < G_N_ELEMENTS (bindings); i++)
    gtk_widget_class_add_binding_action (widget_class, bindings[i].keyval, GDK_CONTROL_MASK,
                                         bindings[i].action, NULL);
  /* Plain letters are the window's decision keys. */
  gtk_widget_class_install_property_action (widget_class, "image.side-by-side", "side-by-side");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_h, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "image.side-by-side", NULL);

  gtk_widget_class_set_css_name (widget_class, "cs-image-view");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
cs_image_view_init (CsImageView *self)
{
  GtkEventController *controller;
  GtkGesture *drag;

  self->fit = TRUE;
  self->zoom = 1.0;
  self->heatmap_visible = TRUE;
  self->heatmap_opacity = 0.5;
  self->heatmap_threshold = 0.2;
  set_adjustment (self, GTK_ORIENTATION_HORIZONTAL, NULL);
  set_adjustment (self, GTK_ORIENTATION_VERTICAL, NULL);

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_focus_on_click (GTK_WIDGET (self), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "enter", G_CALLBACK (motion_cb), self);
  g_signal_connect (controller, "motion", G_CALLBACK (motion_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (controller, "scroll", G_CALLBACK (scroll_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  drag = gtk_gesture_drag_new ();
  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update_cb), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (drag_end_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  self->zoom_gesture = gtk_gesture_zoom_new ();
  g_signal_connect (self->zoom_gesture, "begin", G_CALLBACK (pinch_begin_cb), self);
  g_signal_connect (self->zoom_gesture, "scale-changed", G_CALLBACK (pinch_scale_changed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (self->zoom_gesture));

  update_actions (self);
}

/* Public API */

GtkWidget *
cs_image_view_new (void)
{
  return g_object_new (CS_TYPE_IMAGE_VIEW, NULL);
}

void
cs_image_view_load_file (CsImageView *self,
                         const char  *path,
                         const char  *expected_sha256)
{
  int scale;

  g_return_if_fail (CS_IS_IMAGE_VIEW (self));
  g_return_if_fail (path != NULL);
  g_return_if_fail (expected_sha256 != NULL);

  reset (self);
  self->cancellable = g_cancellable_new ();
  set_state (self, CS_IMAGE_VIEW_STATE_LOADING, NULL);
  /* The first paint waits only for the level that fits the pane as it is now
   * (a view not yet shown gets every level at once). */
  scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  cs_image_load_async (path, expected_sha256, pane_width (self) * scale,
                       gtk_widget_get_height (GTK_WIDGET (self)) * scale,
                       self->cancellable, image_loaded_cb, self);
}

void
cs_image_view_clear (CsImageView *self)
{
  g_return_if_fail (CS_IS_IMAGE_VIEW (self));

  reset (self);
  set_state (self, CS_IMAGE_VIEW_STATE_EMPTY, NULL);
}

CsImageViewState
cs_image_view_get_state (CsImageView *self)
{
  g_return_val_if_fail (CS_IS_IMAGE_VIEW (self), CS_IMAGE_VIEW_STATE_EMPTY);
  return self->state;
}

const char *
cs_image_view_get_error_message (CsImageView *self)
{
  g_return_val_if_fail (CS_IS_IMAGE_VIEW (self), NULL);
  return self->error_message;
}

void
cs_image_view_get_image_size (CsImageView *self,
                              int         *width,
                              int         *height)
{
  g_return_if_fail (CS_IS_IMAGE_VIEW (self));
  if (width != NULL)
    *width = (int) image_width (self);
  if (height != NULL)
    *height = (int) image_height (self);
}

double
cs_image_view_get_zoom (CsImageView *self)
{
  g_return_val_if_fail (CS_IS_IMAGE_VIEW (self), 1.0);
  return self->zoom;
}

void
cs_image_view_set_zoom (CsImageView *self,
                        double       zoom)
{
  g_return_if_fail (CS_IS_IMAGE_VIEW (self));
  g_return_if_fail (zoom > 0);

  zoom_around_centre (self, zoom);
}

void
cs_image_view_zoom_around (CsImageView *self,
                           double       zoom,
                           double       view_x,
                           double       view_y)
{
  g_return_if_fail (CS_IS_IMAGE_VIEW (self));
  g_return_if_fail (zoom > 0);

  zoom_around (self, zoom, view_x, view_y);
}

gboolean
cs_image_view_get_fit (CsImageView *self)
{
  g_return_val_if_fail (CS_IS_IMAGE_VIEW (self), TRUE);
  return self->fit;
}

void
cs_image_view_set_fit (CsImageView *self,
                       gboolean     fit)
{
  g_return_if_fail (CS_IS_IMAGE_VIEW (self));

  set_fit_internal (self, !!fit);
  if (self->fit && self->pyramid != NULL)
    apply_fit (self);
}

void
cs_image_view_image_to_view (CsImageView *self,
                             double       x,
                             double       y,
                             double      *view_x,
                             double      *view_y)
{
  g_return_if_fail (CS_IS_IMAGE_VIEW (self));

  cs_image_view_image_to_pane (self, cs_image_view_get_n_panes (self) - 1, x, y, view_x, view_y);
}

void
cs_image_view_image_to_pane (CsImageView *self,
                             guint        pane,
                             double       x,
                             double       y,
                             double      *view_x,
                             double      *view_y)
{
  double ox, oy;

  g_return_if_fail (CS_IS_IMAGE_VIEW (self));
  g_return_if_fail (pane < cs_image_view_get_n_panes (self));

  get_origin (self, &ox, &oy);
  *view_x = pane_x (self, pane) + ox + x * self->zoom;
  *view_y = oy + y * self->zoom;
}

gboolean
cs_image_view_get_heatmap_visible (CsImageView *self)
{
  g_return_val_if_fail (CS_IS_IMAGE_VIEW (self), FALSE);
  return self->heatmap_visible;
}

void
cs_image_view_set_heatmap_visible (CsImageView *self,
                                   gboolean     visible)
{
  g_return_if_fail (CS_IS_IMAGE_VIEW (self));

  if (self->heatmap_visible == !!visible)
    return;
  self->heatmap_visible = !!visible;
  update_split (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HEATMAP_VISIBLE]);
}

double
cs_image_view_get_heatmap_opacity (CsImageView *self)
{
  g_return_val_if_fail (CS_IS_IMAGE_VIEW (self), 0);
  return self->heatmap_opacity;
}

void
cs_image_view_set_heatmap_opacity (CsImageView *self,
                                   double       opacity)
{
  g_return_if_fail (CS_IS_IMAGE_VIEW (self));

  opacity = CLAMP (opacity, 0, 1);
  if (self->heatmap_opacity == opacity)
    return;
  self->heatmap_opacity = opacity;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HEATMAP_OPACITY]);
}

double
cs_image_view_get_heatmap_threshold (CsImageView *self)
{
  g_return_val_if_fail (CS_IS_IMAGE_VIEW (self), 0);
  return self->heatmap_threshold;
}

void
cs_image_view_set_heatmap_threshold (CsImageView *self,
                                     double       threshold)
{
  g_return_if_fail (CS_IS_IMAGE_VIEW (self));

  threshold = CLAMP (threshold, 0, 1);
  if (self->heatmap_threshold == threshold)
    return;
  self->heatmap_threshold = threshold;
  rebuild_heatmap (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HEATMAP_THRESHOLD]);
}

gboolean
cs_image_view_get_side_by_side (CsImageView *self)
{
  g_return_val_if_fail (CS_IS_IMAGE_VIEW (self), FALSE);
  return self->side_by_side;
}

void
cs_image_view_set_side_by_side (CsImageView *self,
                                gboolean     side_by_side)
{
  g_return_if_fail (CS_IS_IMAGE_VIEW (self));

  if (self->side_by_side == !!side_by_side)
    return;
  self->side_by_side = !!side_by_side;
  update_split (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIDE_BY_SIDE]);
}

guint
cs_image_view_get_n_panes (CsImageView *self)
{
  g_return_val_if_fail (CS_IS_IMAGE_VIEW (self), 1);
  return self->split ? 2 : 1;
}

void
cs_image_view_get_pane_bounds (CsImageView     *self,
                               guint            pane,
                               graphene_rect_t *bounds)
{
  g_return_if_fail (CS_IS_IMAGE_VIEW (self));
  g_return_if_fail (pane < cs_image_view_get_n_panes (self));
  g_return_if_fail (bounds != NULL);

  graphene_rect_init (bounds, pane_x (self, pane), 0, pane_width (self), gtk_widget_get_height (GTK_WIDGET (self)));
}

void
cs_image_view_set_regions (CsImageView *self,
                           GPtrArray   *regions)
{
  g_return_if_fail (CS_IS_IMAGE_VIEW (self));

  if (regions != NULL)
    g_ptr_array_ref (regions);
  g_clear_pointer (&self->regions, g_ptr_array_unref);
  self->regions = regions;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const char *
cs_image_view_get_label (CsImageView *self)
{
  g_return_val_if_fail (CS_IS_IMAGE_VIEW (self), NULL);
  return self->label;
}

void
cs_image_view_set_label (CsImageView *self,
                         const char  *label)
{
  g_return_if_fail (CS_IS_IMAGE_VIEW (self));

  if (g_strcmp0 (self->label, label) == 0)
    return;
  g_free (self->label);
  self->label = g_strdup (label);
  if (label != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LABEL]);
}

guint
cs_image_view_get_visible_tile_count (CsImageView *self)
{
  g_return_val_if_fail (CS_IS_IMAGE_VIEW (self), 0);
  return self->visible_tiles;
}

gboolean
cs_image_view_get_refining (CsImageView *self)
{
  g_return_val_if_fail (CS_IS_IMAGE_VIEW (self), FALSE);
  return self->refining;
}

guint
cs_image_view_get_level (CsImageView *self)
{
  g_return_val_if_fail (CS_IS_IMAGE_VIEW (self), 0);
  return self->level;
}

guint
cs_image_view_get_n_levels (CsImageView *self)
{
  g_return_val_if_fail (CS_IS_IMAGE_VIEW (self), 0);
  return self->pyramid ? cs_image_pyramid_get_n_levels (self->pyramid) : 0;
}

guint
cs_image_view_get_n_tiles (CsImageView *self)
{
  g_return_val_if_fail (CS_IS_IMAGE_VIEW (self), 0);
  return self->pyramid ? cs_image_pyramid_get_n_tiles (self->pyramid) : 0;
}
