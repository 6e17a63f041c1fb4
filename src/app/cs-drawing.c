/* cs-drawing.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include "cs-case.h"
#include "cs-drawing.h"

double
cs_drawing_snap (double v,
                 int    scale)
{
  return round (v * scale) / scale;
}

void
cs_drawing_lookup_color (GtkWidget  *widget,
                         const char *name,
                         const char *fallback_name,
                         const char *fallback,
                         GdkRGBA    *color)
{
  GtkStyleContext *context = gtk_widget_get_style_context (widget);

  if (!gtk_style_context_lookup_color (context, name, color) &&
      (fallback_name == NULL || !gtk_style_context_lookup_color (context, fallback_name, color)))
    gdk_rgba_parse (color, fallback);
}

void
cs_drawing_stroke_hatch (cairo_t *cr,
                         double   x,
                         double   y,
                         double   width,
                         double   height,
                         double   spacing)
{
  cairo_save (cr);
  cairo_rectangle (cr, x, y, width, height);
  cairo_clip (cr);
  cairo_set_line_width (cr, 1.5);
  for (double sx = x - height; sx < x + width; sx += spacing)
    {
      cairo_move_to (cr, sx, y + height);
      cairo_line_to (cr, sx + height, y);
    }
  cairo_stroke (cr);
  cairo_restore (cr);
}

void
cs_drawing_append_ring (GtkSnapshot   *snapshot,
                        double         x,
                        double         y,
                        double         width,
                        double         height,
                        float          line,
                        const GdkRGBA *color)
{
  GskRoundedRect rect;
  const float widths[4] = { line, line, line, line };
  const GdkRGBA colors[4] = { *color, *color, *color, *color };

  gsk_rounded_rect_init_from_rect (&rect, &GRAPHENE_RECT_INIT (x, y, width, height), 0);
  gtk_snapshot_append_border (snapshot, &rect, widths, colors);
}

static char *
region_text (const CsRegion *region)
{
  if (region->label != NULL && !isnan (region->score))
    return g_strdup_printf ("%s %.2f", region->label, region->score);
  if (region->label != NULL)
    return g_strdup (region->label);
  if (!isnan (region->score))
    return g_strdup_printf ("%.2f", region->score);
  return NULL;
}

static void
append_label (GtkWidget      *widget,
              GtkSnapshot    *snapshot,
              const char     *text,
              double          x0,
              double          y0,
              int             width,
              const GdkRGBA  *accent,
              const GdkRGBA  *accent_fg)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, text);
  GskRoundedRect pill;
  int text_width, text_height;
  double pill_width, pill_height, px, py;

  pango_layout_get_pixel_size (layout, &text_width, &text_height);
  pill_width = text_width + 12;
  pill_height = text_height + 4;
  px = x0 - 3;
  py = y0 - 3 - pill_height;
  if (py < 0)
    py = y0;
  if (px + pill_width > width)
    px = width - pill_width;
  px = MAX (px, 0);

  gsk_rounded_rect_init_from_rect (&pill, &GRAPHENE_RECT_INIT (px, py, pill_width, pill_height), 4);
  gtk_snapshot_push_rounded_clip (snapshot, &pill);
  gtk_snapshot_append_color (snapshot, accent, &pill.bounds);
  gtk_snapshot_pop (snapshot);

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (px + 6, py + 2));
  gtk_snapshot_append_layout (snapshot, layout, accent_fg);
  gtk_snapshot_restore (snapshot);
}

guint
cs_drawing_append_regions (GtkWidget   *widget,
                           GtkSnapshot *snapshot,
                           GPtrArray   *regions,
                           gint64       page,
                           double       ox,
                           double       oy,
                           double       zoom,
                           int          width,
                           int          height,
                           int          scale,
                           gboolean     fill)
{
  const GdkRGBA halo = { 0, 0, 0, 0.55f };
  GdkRGBA accent, accent_fg, tint;
  guint drawn = 0;

  if (regions == NULL || regions->len == 0)
    return 0;

  cs_drawing_lookup_color (widget, "accent_bg_color", "theme_selected_bg_color", "#3584e4", &accent);
  cs_drawing_lookup_color (widget, "accent_fg_color", "theme_selected_fg_color", "#ffffff", &accent_fg);
  accent.alpha = accent_fg.alpha = 1.f;
  tint = accent;
  tint.alpha = 0.15f;

  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < regions->len; i++)
      {
        const CsRegion *region = g_ptr_array_index (regions, i);
        double x0 = cs_drawing_snap (ox + region->x * zoom, scale);
        double y0 = cs_drawing_snap (oy + region->y * zoom, scale);
        double x1 = cs_drawing_snap (ox + (region->x + region->w) * zoom, scale);
        double y1 = cs_drawing_snap (oy + (region->y + region->h) * zoom, scale);
        g_autofree char *text = NULL;

        if ((page >= 0 && region->page != page) || !isfinite (x0 + y0 + x1 + y1) || x1 < x0 || y1 < y0)
          continue;
        /* Off screen, label included. */
        if (x1 + 3 < 0 || y1 + 3 < 0 || x0 - 3 > width || y0 - 64 > height)
          continue;

        if (pass == 0)
          {
            drawn++;
            if (fill)
              gtk_snapshot_append_color (snapshot, &tint, &GRAPHENE_RECT_INIT (x0, y0, x1 - x0, y1 - y0));
            cs_drawing_append_ring (snapshot, x0 - 3, y0 - 3, x1 - x0 + 6, y1 - y0 + 6, 1, &halo);
            cs_drawing_append_ring (snapshot, x0 - 2, y0 - 2, x1 - x0 + 4, y1 - y0 + 4, 2, &accent);
            cs_drawing_append_ring (snapshot, x0, y0, x1 - x0, y1 - y0, 1, &halo);
          }
        else if ((text = region_text (region)) != NULL)
          append_label (widget, snapshot, text, x0, y0, width, &accent, &accent_fg);
      }

  return drawn;
}
