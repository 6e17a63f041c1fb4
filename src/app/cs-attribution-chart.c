/* cs-attribution-chart.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include <glib/gi18n.h>

#include "cs-attribution-chart.h"
#include "cs-drawing.h"

/* Space around the text of a row, between the columns, and the bar's share of a row. */
#define ROW_PADDING 10
#define COLUMN_GAP 8
#define BAR_SHARE 0.5
/* The name column gives way to the bars beyond this share of the width. */
#define NAME_SHARE 0.4
#define HATCH_STEP 5.0

struct _CsAttributionChart
{
  GtkWidget   parent_instance;

  GPtrArray  *names;     /* of char *, NULL-terminated */
  GArray     *weights;   /* of double */
  GPtrArray  *values;    /* of char *, NULL-terminated: the weights as drawn */
  GPtrArray  *details;   /* of char *: a row's tooltip */
  guint       n_others;
  double      max_magnitude;
};

G_DEFINE_FINAL_TYPE (CsAttributionChart, cs_attribution_chart, GTK_TYPE_WIDGET)

typedef struct
{
  const CsAttribution *attribution;
  guint                index;
} Ranked;

/* Largest magnitude first; equal ones keep the model's order. */
static int
compare_ranked (gconstpointer a,
                gconstpointer b)
{
  const Ranked *ra = a;
  const Ranked *rb = b;
  double ma = fabs (ra->attribution->value);
  double mb = fabs (rb->attribution->value);

  if (ma != mb)
    return ma > mb ? -1 : 1;
  return ra->index < rb->index ? -1 : ra->index > rb->index;
}

/* Three significant digits for the largest weight, and the same number of
 * decimals for every row, so that the column of values lines up and reads
 * as one scale. */
static int
decimals_for (double max_magnitude)
{
  int decimals;

  if (!(max_magnitude > 0) || !isfinite (max_magnitude))
    return 2;
  decimals = 2 - (int) floor (log10 (max_magnitude));
  return CLAMP (decimals, 0, 6);
}

char *
cs_attribution_chart_format_weight (double weight,
                                    int    decimals)
{
  const char *sign = weight > 0 ? "+" : weight < 0 ? "−" : "";

  return g_strdup_printf ("%s%.*f", sign, CLAMP (decimals, 0, 12), fabs (weight));
}

static void
update_accessible (CsAttributionChart *self)
{
  g_autoptr(GString) text = g_string_new (NULL);

  if (self->weights->len == 0)
    {
      gtk_accessible_reset_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
      return;
    }

  for (guint i = 0; i < self->weights->len; i++)
    {
      if (i > 0)
        g_string_append (text, ", ");
      g_string_append_printf (text, "%s %s", (char *) g_ptr_array_index (self->names, i),
                              (char *) g_ptr_array_index (self->values, i));
    }
  g_string_append (text, ". ");
  g_string_append (text, _("Positive weights push towards the model’s answer, negative ones away from it."));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text->str, -1);
}

static void
clear_rows (CsAttributionChart *self)
{
  g_ptr_array_set_size (self->names, 0);
  g_ptr_array_set_size (self->values, 0);
  g_ptr_array_set_size (self->details, 0);
  g_array_set_size (self->weights, 0);
  self->n_others = 0;
  self->max_magnitude = 0;
}

void
cs_attribution_chart_set_attributions (CsAttributionChart *self,
                                       GPtrArray          *attributions)
{
  g_autoptr(GArray) ranked = NULL;
  g_autoptr(GString) others_detail = NULL;
  guint n, n_named;
  double others_sum = 0;
  int decimals;

  g_return_if_fail (CS_IS_ATTRIBUTION_CHART (self));

  clear_rows (self);
  n = attributions != NULL ? attributions->len : 0;

  ranked = g_array_sized_new (FALSE, FALSE, sizeof (Ranked), n);
  for (guint i = 0; i < n; i++)
    {
      Ranked r = { g_ptr_array_index (attributions, i), i };
      g_array_append_val (ranked, r);
    }
  g_array_sort (ranked, compare_ranked);

  /* A row that sums a single feature hides its name for nothing: name it. */
  n_named = n <= CS_ATTRIBUTION_CHART_MAX_NAMED + 1 ? n : CS_ATTRIBUTION_CHART_MAX_NAMED;
  self->n_others = n - n_named;

  for (guint i = 0; i < n_named; i++)
    {
      const CsAttribution *a = g_array_index (ranked, Ranked, i).attribution;

      g_ptr_array_add (self->names, g_strdup (a->feature));
      g_array_append_val (self->weights, a->value);
    }
  for (guint i = n_named; i < n; i++)
    others_sum += g_array_index (ranked, Ranked, i).attribution->value;
  if (self->n_others > 0)
    {
      g_ptr_array_add (self->names, g_strdup_printf (ngettext ("%u other", "%u others", self->n_others),
                                                     self->n_others));
      g_array_append_val (self->weights, others_sum);
    }

  for (guint i = 0; i < self->weights->len; i++)
    self->max_magnitude = MAX (self->max_magnitude, fabs (g_array_index (self->weights, double, i)));
  decimals = decimals_for (self->max_magnitude);

  for (guint i = 0; i < self->weights->len; i++)
    g_ptr_array_add (self->values, cs_attribution_chart_format_weight (g_array_index (self->weights, double, i),
                                                                       decimals));

  /* Tooltips: the feature's own value where the model gave it, and the
   * features an "others" row sums. */
  for (guint i = 0; i < n_named; i++)
    {
      const CsAttribution *a = g_array_index (ranked, Ranked, i).attribution;
      const char *value = g_ptr_array_index (self->values, i);

      if (a->display != NULL)
        /* Translators: a feature, its value in the case, and its signed weight */
        g_ptr_array_add (self->details, g_strdup_printf (_("%s (value %s): %s"), a->feature, a->display, value));
      else
        g_ptr_array_add (self->details, g_strdup_printf ("%s: %s", a->feature, value));
    }
  if (self->n_others > 0)
    {
      others_detail = g_string_new (NULL);
      /* Translators: the signed sum of the features listed after it */
      g_string_append_printf (others_detail, _("%s in all:"), (char *) g_ptr_array_index (self->values, n_named));
      for (guint i = n_named; i < n; i++)
        {
          const CsAttribution *a = g_array_index (ranked, Ranked, i).attribution;
          g_autofree char *value = cs_attribution_chart_format_weight (a->value, decimals);

          g_string_append_printf (others_detail, "\n%s %s", a->feature, value);
        }
      g_ptr_array_add (self->details, g_string_free (g_steal_pointer (&others_detail), FALSE));
    }

  update_accessible (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

guint
cs_attribution_chart_get_rows (CsAttributionChart  *self,
                               const char * const **names,
                               const double       **weights,
                               const char * const **values,
                               guint               *n_others)
{
  g_return_val_if_fail (CS_IS_ATTRIBUTION_CHART (self), 0);

  if (names != NULL)
    *names = (const char * const *) self->names->pdata;
  if (weights != NULL)
    *weights = (const double *) (gpointer) self->weights->data;
  if (values != NULL)
    *values = (const char * const *) self->values->pdata;
  if (n_others != NULL)
    *n_others = self->n_others;
  return self->weights->len;
}

GtkWidget *
cs_attribution_chart_new (void)
{
  return g_object_new (CS_TYPE_ATTRIBUTION_CHART, NULL);
}

/* Drawing */

static int
row_height (CsAttributionChart *self)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), "Ag");
  int height = 0;

  pango_layout_get_pixel_size (layout, NULL, &height);
  return height + ROW_PADDING;
}

/* Tabular figures, so that the values line up digit under digit. */
static PangoLayout *
create_value_layout (CsAttributionChart *self,
                     const char         *text)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  g_autoptr(PangoAttrList) attrs = pango_attr_list_new ();

  pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum=1"));
  pango_layout_set_attributes (layout, attrs);
  return layout;
}

/* A negative weight is drawn hatched inside an outline, a positive one
 * solid: the difference survives greyscale printing and colour blindness. */
static void
append_hatched (GtkSnapshot           *snapshot,
                const graphene_rect_t *rect,
                const GdkRGBA         *color)
{
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, rect);
  double x = rect->origin.x, y = rect->origin.y;
  double w = rect->size.width, h = rect->size.height;

  cairo_rectangle (cr, x, y, w, h);
  cairo_clip (cr);
  gdk_cairo_set_source_rgba (cr, &(GdkRGBA) { color->red, color->green, color->blue, color->alpha * 0.15f });
  cairo_paint (cr);

  gdk_cairo_set_source_rgba (cr, color);
  cs_drawing_stroke_hatch (cr, x, y, w, h, HATCH_STEP);

  cairo_set_line_width (cr, 1.0);
  cairo_rectangle (cr, x + 0.5, y + 0.5, MAX (w - 1, 0), MAX (h - 1, 0));
  cairo_stroke (cr);
  cairo_destroy (cr);
}

static void
cs_attribution_chart_snapshot (GtkWidget   *widget,
                               GtkSnapshot *snapshot)
{
  CsAttributionChart *self = CS_ATTRIBUTION_CHART (widget);
  guint n = self->weights->len;
  int width = gtk_widget_get_width (widget);
  int rh = row_height (self);
  g_autoptr(GPtrArray) name_layouts = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) value_layouts = g_ptr_array_new_with_free_func (g_object_unref);
  GdkRGBA fg, dim, positive, negative, axis_color;
  int name_width = 0, value_width = 0;
  double bar_x0, bar_x1, half, axis, scale;

  if (n == 0 || width <= 0)
    return;

  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  /* Adwaita's accent and error colours are tuned for both light and dark. */
  cs_drawing_lookup_color (widget, "accent_color", NULL, "#1c71d8", &positive);
  cs_drawing_lookup_color (widget, "error_color", NULL, "#c01c28", &negative);
  dim = fg;
  dim.alpha *= 0.55f;
  axis_color = fg;
  axis_color.alpha *= 0.4f;

  for (guint i = 0; i < n; i++)
    {
      PangoLayout *name = gtk_widget_create_pango_layout (widget, g_ptr_array_index (self->names, i));
      PangoLayout *value = create_value_layout (self, g_ptr_array_index (self->values, i));
      int w;

      pango_layout_set_ellipsize (name, PANGO_ELLIPSIZE_END);
      pango_layout_get_pixel_size (name, &w, NULL);
      name_width = MAX (name_width, w);
      pango_layout_get_pixel_size (value, &w, NULL);
      value_width = MAX (value_width, w);
      g_ptr_array_add (name_layouts, name);
      g_ptr_array_add (value_layouts, value);
    }
  name_width = MIN (name_width, (int) (width * NAME_SHARE));

  bar_x0 = name_width + COLUMN_GAP;
  bar_x1 = width - value_width - COLUMN_GAP;
  half = MAX (floor ((bar_x1 - bar_x0) / 2), 0);
  axis = bar_x0 + half;
  scale = self->max_magnitude > 0 ? half / self->max_magnitude : 0;

  for (guint i = 0; i < n; i++)
    {
      PangoLayout *name = g_ptr_array_index (name_layouts, i);
      PangoLayout *value = g_ptr_array_index (value_layouts, i);
      double weight = g_array_index (self->weights, double, i);
      gboolean others = self->n_others > 0 && i == n - 1;
      const GdkRGBA *bar_color = others ? &dim : weight >= 0 ? &positive : &negative;
      double y = (double) i * rh;
      double bar_h = round (rh * BAR_SHARE);
      double bar_y = y + round ((rh - bar_h) / 2);
      double length = round (fabs (weight) * scale);
      int text_w, text_h;

      /* The smallest weight still shows which side it is on. */
      if (weight != 0 && length < 2)
        length = MIN (2, half);

      pango_layout_set_width (name, name_width * PANGO_SCALE);
      pango_layout_get_pixel_size (name, NULL, &text_h);
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (0, y + (rh - text_h) / 2));
      gtk_snapshot_append_layout (snapshot, name, others ? &dim : &fg);
      gtk_snapshot_restore (snapshot);

      if (length > 0)
        {
          graphene_rect_t bar = GRAPHENE_RECT_INIT (weight > 0 ? axis : axis - length, bar_y, length, bar_h);

          if (weight > 0)
            gtk_snapshot_append_color (snapshot, bar_color, &bar);
          else
            append_hatched (snapshot, &bar, bar_color);
        }

      pango_layout_get_pixel_size (value, &text_w, &text_h);
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (width - text_w, y + (rh - text_h) / 2));
      gtk_snapshot_append_layout (snapshot, value, others ? &dim : &fg);
      gtk_snapshot_restore (snapshot);
    }

  /* The zero line, over the bars' inner ends. */
  gtk_snapshot_append_color (snapshot, &axis_color, &GRAPHENE_RECT_INIT (axis - 0.5, 0, 1, (double) n * rh));
}

static void
cs_attribution_chart_measure (GtkWidget      *widget,
                              GtkOrientation  orientation,
                              int             for_size,
                              int            *minimum,
                              int            *natural,
                              int            *minimum_baseline,
                              int            *natural_baseline)
{
  CsAttributionChart *self = CS_ATTRIBUTION_CHART (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 160;
      *natural = 320;
      return;
    }
  *minimum = *natural = self->weights->len > 0 ? (int) self->weights->len * row_height (self) : 0;
}

static gboolean
cs_attribution_chart_query_tooltip (GtkWidget  *widget,
                                    int         x,
                                    int         y,
                                    gboolean    keyboard_tooltip,
                                    GtkTooltip *tooltip)
{
  CsAttributionChart *self = CS_ATTRIBUTION_CHART (widget);
  int rh = row_height (self);
  int row = rh > 0 && y >= 0 ? y / rh : -1;

  if (row < 0 || (guint) row >= self->details->len)
    return FALSE;
  gtk_tooltip_set_text (tooltip, g_ptr_array_index (self->details, row));
  return TRUE;
}

static void
cs_attribution_chart_finalize (GObject *object)
{
  CsAttributionChart *self = CS_ATTRIBUTION_CHART (object);

  g_clear_pointer (&self->names, g_ptr_array_unref);
  g_clear_pointer (&self->values, g_ptr_array_unref);
  g_clear_pointer (&self->details, g_ptr_array_unref);
  g_clear_pointer (&self->weights, g_array_unref);

  G_OBJECT_CLASS (cs_attribution_chart_parent_class)->finalize (object);
}

static void
cs_attribution_chart_class_init (CsAttributionChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = cs_attribution_chart_finalize;

  widget_class->snapshot = cs_attribution_chart_snapshot;
  widget_class->measure = cs_attribution_chart_measure;
  widget_class->query_tooltip = cs_attribution_chart_query_tooltip;

  gtk_widget_class_set_css_name (widget_class, "cs-attribution-chart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
cs_attribution_chart_init (CsAttributionChart *self)
{
  self->names = g_ptr_array_new_null_terminated (16, g_free, TRUE);
  self->values = g_ptr_array_new_null_terminated (16, g_free, TRUE);
  self->details = g_ptr_array_new_with_free_func (g_free);
  self->weights = g_array_new (FALSE, FALSE, sizeof (double));

  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("What drove the model’s answer"), -1);
}
