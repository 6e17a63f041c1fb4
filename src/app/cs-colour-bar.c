/* cs-colour-bar.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n.h>
#include <math.h>

#include "cs-colormap.h"
#include "cs-colour-bar.h"
#include "cs-drawing.h"

#define BAR_HEIGHT 12
#define CAPTION_GAP 2
/* How far the threshold marker reaches past the bar, above and below. */
#define MARKER_OVERHANG 3
#define TICK_GAP 2
/* Room for the marker's halo at either end of the bar. */
#define BAR_INSET 2
#define HATCH_SPACING 5.0

struct _CsColourBar
{
  GtkWidget  parent_instance;

  double     threshold;
  char      *caption;
};

enum {
  PROP_0,
  PROP_THRESHOLD,
  PROP_CAPTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (CsColourBar, cs_colour_bar, GTK_TYPE_WIDGET)

static PangoLayout *
create_layout (CsColourBar *self,
               const char  *text,
               gboolean     tick,
               gboolean     bold)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  PangoAttrList *attrs = pango_attr_list_new ();

  /* Tick labels as Adwaita's .caption: smaller, with figures of one width. */
  if (tick)
    {
      pango_attr_list_insert (attrs, pango_attr_scale_new (PANGO_SCALE_SMALL));
      pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum"));
    }
  if (bold)
    pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);
  return layout;
}

static int
layout_height (PangoLayout *layout)
{
  int height = 0;

  if (layout != NULL)
    pango_layout_get_pixel_size (layout, NULL, &height);
  return height;
}

static char *
format_value (double value)
{
  return g_strdup_printf ("%.2f", value);
}

static PangoLayout *
create_caption_layout (CsColourBar *self)
{
  return self->caption != NULL && *self->caption != '\0' ? create_layout (self, self->caption, FALSE, FALSE) : NULL;
}

void
cs_colour_bar_get_bar_bounds (CsColourBar     *self,
                              graphene_rect_t *bounds)
{
  g_return_if_fail (CS_IS_COLOUR_BAR (self));
  g_return_if_fail (bounds != NULL);

  graphene_rect_init (bounds, BAR_INSET, MARKER_OVERHANG,
                      MAX (0, gtk_widget_get_width (GTK_WIDGET (self)) - 2 * BAR_INSET), BAR_HEIGHT);
}

double
cs_colour_bar_get_marker_x (CsColourBar *self)
{
  graphene_rect_t bar;

  g_return_val_if_fail (CS_IS_COLOUR_BAR (self), 0);

  cs_colour_bar_get_bar_bounds (self, &bar);
  return round (bar.origin.x + self->threshold * bar.size.width);
}

static void
update_accessible (CsColourBar *self)
{
  g_autofree char *value = format_value (self->threshold);
  /* Translators: %s is a number from 0 to 1, such as 0.20 */
  g_autofree char *label = g_strdup_printf (_("Heatmap scale from 0 to 1; values under %s not drawn"), value);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), label);
}

/* Diagonal lines over @rect, in @color. */
static void
append_hatch (GtkSnapshot           *snapshot,
              const graphene_rect_t *rect,
              const GdkRGBA         *color)
{
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, rect);
  double x0 = rect->origin.x, y0 = rect->origin.y;
  double w = rect->size.width, h = rect->size.height;

  gdk_cairo_set_source_rgba (cr, color);
  cs_drawing_stroke_hatch (cr, x0, y0, w, h, HATCH_SPACING);
  cairo_destroy (cr);
}

static void
append_layout (GtkSnapshot   *snapshot,
               PangoLayout   *layout,
               double         x,
               double         y,
               const GdkRGBA *color)
{
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

static void
cs_colour_bar_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  CsColourBar *self = CS_COLOUR_BAR (widget);
  g_autoptr(PangoLayout) caption = create_caption_layout (self);
  g_autoptr(PangoLayout) zero = create_layout (self, "0", TRUE, FALSE);
  g_autoptr(PangoLayout) one = create_layout (self, "1", TRUE, FALSE);
  g_autofree char *value = format_value (self->threshold);
  g_autoptr(PangoLayout) mark = create_layout (self, value, TRUE, TRUE);
  GdkRGBA fg, dim, ground, greyed, hatch, edge;
  GskRoundedRect outline;
  graphene_rect_t bar;
  double marker_x, ticks_y, mark_x;
  int width = gtk_widget_get_width (widget);
  int zero_width, one_width, mark_width, mark_height;

  cs_colour_bar_get_bar_bounds (self, &bar);
  if (bar.size.width <= 0)
    return;
  marker_x = cs_colour_bar_get_marker_x (self);

  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  /* The ground the bar stands on: a popover's when it is in one. */
  if (gtk_widget_get_ancestor (widget, GTK_TYPE_POPOVER) != NULL)
    cs_drawing_lookup_color (widget, "popover_bg_color", NULL, "#ffffff", &ground);
  else
    cs_drawing_lookup_color (widget, "window_bg_color", NULL, "#fafafa", &ground);
  dim = fg;
  dim.alpha *= 0.7f;
  greyed = ground;
  greyed.alpha = 0.75f;
  hatch = fg;
  hatch.alpha *= 0.45f;
  edge = fg;
  edge.alpha *= 0.2f;

  /* The map; under the threshold it fades into the ground behind hatching:
   * nothing is drawn there over the image. */
  gsk_rounded_rect_init_from_rect (&outline, &bar, 3);
  gtk_snapshot_push_rounded_clip (snapshot, &outline);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &bar.origin);
  cs_colormap_draw_bar (snapshot, bar.size.width, bar.size.height);
  gtk_snapshot_restore (snapshot);
  if (marker_x > bar.origin.x)
    {
      graphene_rect_t under = GRAPHENE_RECT_INIT (bar.origin.x, bar.origin.y, marker_x - bar.origin.x, bar.size.height);

      gtk_snapshot_append_color (snapshot, &greyed, &under);
      append_hatch (snapshot, &under, &hatch);
    }
  gtk_snapshot_pop (snapshot);
  gtk_snapshot_append_border (snapshot, &outline, (float[4]) { 1, 1, 1, 1 },
                              (GdkRGBA[4]) { edge, edge, edge, edge });

  /* The marker: a line in the text colour, set off from the map by the ground. */
  gtk_snapshot_append_color (snapshot, &ground,
                             &GRAPHENE_RECT_INIT (marker_x - 2, bar.origin.y - MARKER_OVERHANG,
                                                  4, bar.size.height + 2 * MARKER_OVERHANG));
  gtk_snapshot_append_color (snapshot, &fg,
                             &GRAPHENE_RECT_INIT (marker_x - 1, bar.origin.y - MARKER_OVERHANG,
                                                  2, bar.size.height + 2 * MARKER_OVERHANG));

  /* 0 and 1 at the ends, the threshold under its marker; an end label it would
   * cover gives way to it. The caption is under them all, as an axis's title. */
  ticks_y = bar.origin.y + bar.size.height + MARKER_OVERHANG + TICK_GAP;
  pango_layout_get_pixel_size (zero, &zero_width, NULL);
  pango_layout_get_pixel_size (one, &one_width, NULL);
  pango_layout_get_pixel_size (mark, &mark_width, &mark_height);
  mark_x = CLAMP (marker_x - mark_width / 2.0, 0, width - mark_width);
  if (mark_x > zero_width + 10)
    append_layout (snapshot, zero, bar.origin.x, ticks_y, &dim);
  if (mark_x + mark_width < width - one_width - 10)
    append_layout (snapshot, one, bar.origin.x + bar.size.width - one_width, ticks_y, &dim);
  append_layout (snapshot, mark, round (mark_x), ticks_y, &fg);

  if (caption != NULL)
    {
      int caption_width;

      pango_layout_get_pixel_size (caption, &caption_width, NULL);
      append_layout (snapshot, caption, round ((width - caption_width) / 2.0), ticks_y + mark_height + CAPTION_GAP,
                     &dim);
    }
}

static void
cs_colour_bar_measure (GtkWidget      *widget,
                       GtkOrientation  orientation,
                       int             for_size,
                       int            *minimum,
                       int            *natural,
                       int            *minimum_baseline,
                       int            *natural_baseline)
{
  CsColourBar *self = CS_COLOUR_BAR (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      g_autoptr(PangoLayout) caption = create_caption_layout (self);
      int caption_width = 0;

      if (caption != NULL)
        pango_layout_get_pixel_size (caption, &caption_width, NULL);
      *minimum = MAX (120, caption_width);
      *natural = MAX (240, caption_width);
    }
  else
    {
      g_autoptr(PangoLayout) tick = create_layout (self, "0.00", TRUE, TRUE);
      g_autoptr(PangoLayout) caption = create_caption_layout (self);

      *minimum = *natural = MARKER_OVERHANG + BAR_HEIGHT + MARKER_OVERHANG + TICK_GAP + layout_height (tick) +
                            (caption != NULL ? CAPTION_GAP + layout_height (caption) : 0);
    }
}

static void
cs_colour_bar_css_changed (GtkWidget         *widget,
                           GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (cs_colour_bar_parent_class)->css_changed (widget, change);
  /* The colours of light and dark, and the font's size, are read when drawing. */
  gtk_widget_queue_resize (widget);
}

static void
cs_colour_bar_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  CsColourBar *self = CS_COLOUR_BAR (object);

  switch (prop_id)
    {
    case PROP_THRESHOLD:
      g_value_set_double (value, self->threshold);
      break;
    case PROP_CAPTION:
      g_value_set_string (value, self->caption);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_colour_bar_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  CsColourBar *self = CS_COLOUR_BAR (object);

  switch (prop_id)
    {
    case PROP_THRESHOLD:
      cs_colour_bar_set_threshold (self, g_value_get_double (value));
      break;
    case PROP_CAPTION:
      cs_colour_bar_set_caption (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_colour_bar_finalize (GObject *object)
{
  CsColourBar *self = CS_COLOUR_BAR (object);

  g_free (self->caption);

  G_OBJECT_CLASS (cs_colour_bar_parent_class)->finalize (object);
}

static void
cs_colour_bar_class_init (CsColourBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = cs_colour_bar_get_property;
  object_class->set_property = cs_colour_bar_set_property;
  object_class->finalize = cs_colour_bar_finalize;

  widget_class->snapshot = cs_colour_bar_snapshot;
  widget_class->measure = cs_colour_bar_measure;
  widget_class->css_changed = cs_colour_bar_css_changed;

  properties[PROP_THRESHOLD] =
    g_param_spec_double ("threshold", NULL, NULL, 0, 1, 0.2,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAPTION] =
    g_param_spec_string ("caption", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "cs-colour-bar");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
cs_colour_bar_init (CsColourBar *self)
{
  self->threshold = 0.2;
  self->caption = g_strdup (_("Heatmap value"));
  update_accessible (self);
}

GtkWidget *
cs_colour_bar_new (void)
{
  return g_object_new (CS_TYPE_COLOUR_BAR, NULL);
}

double
cs_colour_bar_get_threshold (CsColourBar *self)
{
  g_return_val_if_fail (CS_IS_COLOUR_BAR (self), 0);
  return self->threshold;
}

void
cs_colour_bar_set_threshold (CsColourBar *self,
                             double       threshold)
{
  g_return_if_fail (CS_IS_COLOUR_BAR (self));

  threshold = CLAMP (threshold, 0, 1);
  if (self->threshold == threshold)
    return;
  self->threshold = threshold;
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THRESHOLD]);
}

const char *
cs_colour_bar_get_caption (CsColourBar *self)
{
  g_return_val_if_fail (CS_IS_COLOUR_BAR (self), NULL);
  return self->caption;
}

void
cs_colour_bar_set_caption (CsColourBar *self,
                           const char  *caption)
{
  g_return_if_fail (CS_IS_COLOUR_BAR (self));

  if (g_strcmp0 (self->caption, caption) == 0)
    return;
  g_free (self->caption);
  self->caption = g_strdup (caption);
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAPTION]);
}
