/* cs-autonomy-chart.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "cs-autonomy-chart.h"

/* Room around the plot, in pixels, beside what the labels need. */
#define PAD 8
#define TICK 4
#define MARKER 3.5
/* A marker every this many thresholds: enough to tell the lines apart,
 * few enough not to hide them. */
#define MARKER_EVERY 5
#define LEGEND_GAP 18

struct _CsAutonomyChart
{
  GtkWidget  parent_instance;

  GArray    *points;         /* of CsAutonomyPoint */
  double     recommended;    /* NAN when none */
  double     x_min;
  double     x_max;
};

G_DEFINE_FINAL_TYPE (CsAutonomyChart, cs_autonomy_chart, GTK_TYPE_WIDGET)

typedef enum
{
  SERIES_INTERVENTION,
  SERIES_MODEL,
  SERIES_FINAL,
  N_SERIES
} Series;

typedef enum
{
  MARKER_NONE,
  MARKER_SQUARE,
  MARKER_CIRCLE,
} MarkerShape;

char *
cs_autonomy_chart_format_threshold (double threshold)
{
  return g_strdup_printf ("%.2f", threshold);
}

static char *
format_percent (double rate)
{
  if (isnan (rate))
    return g_strdup (_("no figure"));
  /* Translators: a share, e.g. "31 %" */
  return g_strdup_printf (_("%.0f %%"), rate * 100);
}

static const CsAutonomyPoint *
point_at (CsAutonomyChart *self,
          guint            i)
{
  return &g_array_index (self->points, CsAutonomyPoint, i);
}

static const CsAutonomyPoint *
find_point (CsAutonomyChart *self,
            double           threshold)
{
  for (guint i = 0; i < self->points->len; i++)
    if (fabs (point_at (self, i)->threshold - threshold) < 0.0005)
      return point_at (self, i);
  return NULL;
}

static void
update_accessible (CsAutonomyChart *self)
{
  g_autoptr(GString) text = g_string_new (NULL);
  const CsAutonomyPoint *first, *last, *best;

  if (self->points->len == 0)
    {
      gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      _("No cases with known truth yet, so there is no curve to draw."), -1);
      return;
    }

  first = point_at (self, 0);
  last = point_at (self, self->points->len - 1);
  for (guint i = 0; i < 2; i++)
    {
      const CsAutonomyPoint *p = i == 0 ? first : last;
      g_autofree char *threshold = cs_autonomy_chart_format_threshold (p->threshold);
      g_autofree char *seen = format_percent (p->intervention_rate);
      g_autofree char *final = format_percent (p->final_accuracy);

      /* Translators: a threshold, the share a person sees, and the final accuracy there */
      g_string_append_printf (text, _("At %s a person sees %s of the cases and the final accuracy is %s. "),
                              threshold, seen, final);
    }
  {
    g_autofree char *model = format_percent (first->model_accuracy);

    g_string_append_printf (text, _("The model alone is right on %s. "), model);
  }

  best = isnan (self->recommended) ? NULL : find_point (self, self->recommended);
  if (best != NULL)
    {
      g_autofree char *threshold = cs_autonomy_chart_format_threshold (best->threshold);
      g_autofree char *seen = format_percent (best->intervention_rate);

      g_string_append_printf (text, _("Recommended threshold %s: a person sees %s of the cases."), threshold, seen);
    }
  else
    g_string_append (text, _("No threshold is recommended."));

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text->str, -1);
}

void
cs_autonomy_chart_set_report (CsAutonomyChart        *self,
                              const CsAutonomyReport *report)
{
  g_return_if_fail (CS_IS_AUTONOMY_CHART (self));

  g_array_set_size (self->points, 0);
  self->recommended = NAN;
  self->x_min = 0.5;
  self->x_max = 1.0;

  if (report != NULL && report->points != NULL)
    {
      g_array_append_vals (self->points, report->points->data, report->points->len);
      self->recommended = report->recommended_threshold;
    }
  /* Whole twentieths around the thresholds, so the ticks fall on round numbers. */
  if (self->points->len > 0)
    {
      self->x_min = MIN (0.5, floor (point_at (self, 0)->threshold * 20) / 20);
      self->x_max = MAX (1.0, ceil (point_at (self, self->points->len - 1)->threshold * 20) / 20);
    }

  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
cs_autonomy_chart_get_points (CsAutonomyChart        *self,
                              const CsAutonomyPoint **points)
{
  g_return_val_if_fail (CS_IS_AUTONOMY_CHART (self), 0);

  if (points != NULL)
    *points = (const CsAutonomyPoint *) (gpointer) self->points->data;
  return self->points->len;
}

double
cs_autonomy_chart_get_recommended (CsAutonomyChart *self)
{
  g_return_val_if_fail (CS_IS_AUTONOMY_CHART (self), NAN);
  return self->recommended;
}

GtkWidget *
cs_autonomy_chart_new (void)
{
  return g_object_new (CS_TYPE_AUTONOMY_CHART, NULL);
}

/* Drawing */

typedef struct
{
  double left, top, width, height;
  double x_min, x_max;
} Plot;

static double
plot_x (const Plot *plot,
        double      threshold)
{
  return plot->left + (threshold - plot->x_min) / (plot->x_max - plot->x_min) * plot->width;
}

static double
plot_y (const Plot *plot,
        double      rate)
{
  return plot->top + (1 - CLAMP (rate, 0, 1)) * plot->height;
}

static double
series_value (const CsAutonomyPoint *p,
              Series                 series)
{
  switch (series)
    {
    case SERIES_INTERVENTION: return p->intervention_rate;
    case SERIES_MODEL: return p->model_accuracy;
    case SERIES_FINAL:
    case N_SERIES:
    default: return p->final_accuracy;
    }
}

/* Light and dark have their own tones; Adwaita's named colours follow the
 * style, the purple is chosen here for each. */
static void
series_style (GtkWidget   *widget,
              Series       series,
              GdkRGBA     *color,
              double      *dashes,
              int         *n_dashes,
              double      *width,
              MarkerShape *marker)
{
  gboolean dark = adw_style_manager_get_dark (adw_style_manager_get_default ());
  GtkStyleContext *context = gtk_widget_get_style_context (widget);

  *n_dashes = 0;
  switch (series)
    {
    case SERIES_INTERVENTION:
      if (!gtk_style_context_lookup_color (context, "warning_color", color))
        gdk_rgba_parse (color, dark ? "#f8e45c" : "#9c6e03");
      dashes[0] = 7;
      dashes[1] = 4;
      *n_dashes = 2;
      *width = 2;
      *marker = MARKER_SQUARE;
      break;
    case SERIES_MODEL:
      gdk_rgba_parse (color, dark ? "#dc8add" : "#813d9c");
      dashes[0] = 2;
      dashes[1] = 3;
      *n_dashes = 2;
      *width = 2;
      *marker = MARKER_NONE;
      break;
    case SERIES_FINAL:
    case N_SERIES:
    default:
      if (!gtk_style_context_lookup_color (context, "accent_color", color))
        gdk_rgba_parse (color, dark ? "#78aeed" : "#1c71d8");
      *width = 2.5;
      *marker = MARKER_CIRCLE;
      break;
    }
}

/* The band needs more weight on a dark background to read as a band. */
static float
band_alpha (void)
{
  return adw_style_manager_get_dark (adw_style_manager_get_default ()) ? 0.32f : 0.22f;
}

static const char *
series_name (Series series)
{
  switch (series)
    {
    case SERIES_INTERVENTION: return _("Seen by a person");
    case SERIES_MODEL: return _("Model accuracy");
    case SERIES_FINAL:
    case N_SERIES:
    default: return _("Final accuracy (95 % band)");
    }
}

static void
draw_marker (cairo_t     *cr,
             MarkerShape  shape,
             double       x,
             double       y)
{
  switch (shape)
    {
    case MARKER_SQUARE:
      cairo_rectangle (cr, x - MARKER, y - MARKER, 2 * MARKER, 2 * MARKER);
      cairo_fill (cr);
      break;
    case MARKER_CIRCLE:
      cairo_new_sub_path (cr);
      cairo_arc (cr, x, y, MARKER + 0.5, 0, 2 * G_PI);
      cairo_fill (cr);
      break;
    case MARKER_NONE:
    default:
      break;
    }
}

static void
set_style (cairo_t       *cr,
           const GdkRGBA *color,
           const double  *dashes,
           int            n_dashes,
           double         width)
{
  gdk_cairo_set_source_rgba (cr, color);
  cairo_set_line_width (cr, width);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, n_dashes > 0 && dashes[0] < 3 ? CAIRO_LINE_CAP_ROUND : CAIRO_LINE_CAP_BUTT);
  cairo_set_dash (cr, dashes, n_dashes, 0);
}

static void
draw_series (CsAutonomyChart *self,
             cairo_t         *cr,
             const Plot      *plot,
             Series           series)
{
  GdkRGBA color;
  double dashes[2];
  int n_dashes;
  double width;
  MarkerShape marker;
  gboolean drawing = FALSE;

  series_style (GTK_WIDGET (self), series, &color, dashes, &n_dashes, &width, &marker);
  set_style (cr, &color, dashes, n_dashes, width);

  /* A threshold with nothing to count breaks the line rather than drop to 0. */
  for (guint i = 0; i < self->points->len; i++)
    {
      const CsAutonomyPoint *p = point_at (self, i);
      double v = series_value (p, series);

      if (isnan (v))
        {
          drawing = FALSE;
          continue;
        }
      if (drawing)
        cairo_line_to (cr, plot_x (plot, p->threshold), plot_y (plot, v));
      else
        cairo_move_to (cr, plot_x (plot, p->threshold), plot_y (plot, v));
      drawing = TRUE;
    }
  cairo_stroke (cr);

  cairo_set_dash (cr, NULL, 0, 0);
  for (guint i = 0; i < self->points->len; i += MARKER_EVERY)
    {
      const CsAutonomyPoint *p = point_at (self, i);
      double v = series_value (p, series);

      if (!isnan (v))
        draw_marker (cr, marker, plot_x (plot, p->threshold), plot_y (plot, v));
    }
}

static void
draw_band (CsAutonomyChart *self,
           cairo_t         *cr,
           const Plot      *plot)
{
  GdkRGBA color;
  double dashes[2];
  int n_dashes;
  double width;
  MarkerShape marker;
  guint start = 0;

  series_style (GTK_WIDGET (self), SERIES_FINAL, &color, dashes, &n_dashes, &width, &marker);
  color.alpha *= band_alpha ();
  gdk_cairo_set_source_rgba (cr, &color);

  /* One polygon per run of points that have an interval. */
  while (start < self->points->len)
    {
      guint end = start;

      while (end < self->points->len && !isnan (point_at (self, end)->ci95_low))
        end++;
      if (end > start)
        {
          for (guint i = start; i < end; i++)
            {
              const CsAutonomyPoint *p = point_at (self, i);

              if (i == start)
                cairo_move_to (cr, plot_x (plot, p->threshold), plot_y (plot, p->ci95_high));
              else
                cairo_line_to (cr, plot_x (plot, p->threshold), plot_y (plot, p->ci95_high));
            }
          for (guint i = end; i > start; i--)
            {
              const CsAutonomyPoint *p = point_at (self, i - 1);

              cairo_line_to (cr, plot_x (plot, p->threshold), plot_y (plot, p->ci95_low));
            }
          cairo_close_path (cr);
          cairo_fill (cr);
        }
      start = end + 1;
    }
}

static void
show_layout (cairo_t       *cr,
             PangoLayout   *layout,
             const GdkRGBA *color,
             double         x,
             double         y)
{
  gdk_cairo_set_source_rgba (cr, color);
  cairo_move_to (cr, x, y);
  pango_cairo_show_layout (cr, layout);
}

static int
legend_height (CsAutonomyChart *self,
               int              width,
               int             *rows_out)
{
  g_autoptr(PangoLayout) probe = gtk_widget_create_pango_layout (GTK_WIDGET (self), "Ag");
  int line_h, x = 0, rows = 1;

  pango_layout_get_pixel_size (probe, NULL, &line_h);
  for (Series s = 0; s < N_SERIES; s++)
    {
      g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), series_name (s));
      int w;

      pango_layout_get_pixel_size (layout, &w, NULL);
      w += 30 + 6 + LEGEND_GAP;
      if (x > 0 && x + w > width)
        {
          rows++;
          x = 0;
        }
      x += w;
    }
  if (rows_out != NULL)
    *rows_out = rows;
  return rows * (line_h + 4);
}

static void
draw_legend (CsAutonomyChart *self,
             cairo_t         *cr,
             int              width,
             const GdkRGBA   *fg)
{
  g_autoptr(PangoLayout) probe = gtk_widget_create_pango_layout (GTK_WIDGET (self), "Ag");
  double x = 0, y = 0;
  int line_h;

  pango_layout_get_pixel_size (probe, NULL, &line_h);
  for (Series s = 0; s < N_SERIES; s++)
    {
      g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), series_name (s));
      GdkRGBA color;
      double dashes[2];
      int n_dashes, w;
      double lw;
      MarkerShape marker;
      double mid;

      pango_layout_get_pixel_size (layout, &w, NULL);
      if (x > 0 && x + 30 + 6 + w > width)
        {
          x = 0;
          y += line_h + 4;
        }
      mid = y + line_h / 2.0;
      series_style (GTK_WIDGET (self), s, &color, dashes, &n_dashes, &lw, &marker);
      if (s == SERIES_FINAL)
        {
          GdkRGBA band = color;

          band.alpha *= band_alpha ();
          gdk_cairo_set_source_rgba (cr, &band);
          cairo_rectangle (cr, x, mid - 6, 30, 12);
          cairo_fill (cr);
        }
      set_style (cr, &color, dashes, n_dashes, lw);
      cairo_move_to (cr, x, mid);
      cairo_line_to (cr, x + 30, mid);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
      draw_marker (cr, marker, x + 15, mid);
      show_layout (cr, layout, fg, x + 36, y);
      x += 30 + 6 + w + LEGEND_GAP;
    }
}

static void
cs_autonomy_chart_snapshot (GtkWidget   *widget,
                            GtkSnapshot *snapshot)
{
  CsAutonomyChart *self = CS_AUTONOMY_CHART (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr(PangoLayout) y_label = NULL;
  g_autoptr(PangoLayout) x_title = NULL;
  GdkRGBA fg, dim, grid;
  int label_w, label_h, title_h, legend_h;
  cairo_t *cr;
  Plot plot;

  if (width <= 0 || height <= 0)
    return;

  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  dim = fg;
  dim.alpha *= 0.7f;
  grid = fg;
  grid.alpha *= 0.12f;

  y_label = gtk_widget_create_pango_layout (widget, "100 %");
  pango_layout_get_pixel_size (y_label, &label_w, &label_h);
  x_title = gtk_widget_create_pango_layout (widget, _("Confidence threshold: below it, a person decides"));
  pango_layout_get_pixel_size (x_title, NULL, &title_h);
  legend_h = legend_height (self, width, NULL);

  plot.left = label_w + PAD + TICK;
  plot.top = legend_h + PAD + label_h;   /* room for the recommendation's label */
  plot.width = width - plot.left - PAD * 2;
  plot.height = height - plot.top - TICK - label_h - title_h - PAD;
  plot.x_min = self->x_min;
  plot.x_max = self->x_max;
  if (plot.width < 40 || plot.height < 40)
    return;

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));

  draw_legend (self, cr, width, &fg);

  /* Grid and y ticks: quarters. */
  cairo_set_line_width (cr, 1);
  for (int i = 0; i <= 4; i++)
    {
      double y = round (plot_y (&plot, i / 4.0)) + 0.5;
      g_autofree char *text = g_strdup_printf (_("%.0f %%"), i * 25.0);
      g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, text);
      int w, h;

      gdk_cairo_set_source_rgba (cr, &grid);
      cairo_move_to (cr, plot.left, y);
      cairo_line_to (cr, plot.left + plot.width, y);
      cairo_stroke (cr);
      pango_layout_get_pixel_size (layout, &w, &h);
      show_layout (cr, layout, &dim, plot.left - TICK - 2 - w, y - h / 2.0);
    }

  /* x ticks every 0.05, labelled every 0.10. */
  for (int i = (int) round (plot.x_min * 20); i <= (int) round (plot.x_max * 20); i++)
    {
      double t = i / 20.0;
      double x = round (plot_x (&plot, t)) + 0.5;
      double base = plot.top + plot.height;

      gdk_cairo_set_source_rgba (cr, &dim);
      cairo_move_to (cr, x, base);
      cairo_line_to (cr, x, base + (i % 2 == 0 ? TICK : TICK / 2.0));
      cairo_stroke (cr);
      if (i % 2 == 0)
        {
          g_autofree char *text = cs_autonomy_chart_format_threshold (t);
          g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, text);
          int w;

          pango_layout_get_pixel_size (layout, &w, NULL);
          show_layout (cr, layout, &dim, x - w / 2.0, base + TICK + 1);
        }
    }
  {
    int w;

    pango_layout_get_pixel_size (x_title, &w, NULL);
    show_layout (cr, x_title, &dim, plot.left + (plot.width - w) / 2, plot.top + plot.height + TICK + label_h + 2);
  }

  /* Axes. */
  gdk_cairo_set_source_rgba (cr, &dim);
  cairo_move_to (cr, plot.left + 0.5, plot.top);
  cairo_line_to (cr, plot.left + 0.5, plot.top + plot.height + 0.5);
  cairo_line_to (cr, plot.left + plot.width, plot.top + plot.height + 0.5);
  cairo_stroke (cr);

  if (self->points->len > 0)
    {
      cairo_save (cr);
      cairo_rectangle (cr, plot.left - MARKER - 1, plot.top - MARKER - 1,
                       plot.width + 2 * MARKER + 2, plot.height + 2 * MARKER + 2);
      cairo_clip (cr);
      draw_band (self, cr, &plot);
      draw_series (self, cr, &plot, SERIES_MODEL);
      draw_series (self, cr, &plot, SERIES_INTERVENTION);
      draw_series (self, cr, &plot, SERIES_FINAL);
      cairo_restore (cr);
    }

  if (!isnan (self->recommended))
    {
      double x = round (plot_x (&plot, self->recommended)) + 0.5;
      g_autofree char *threshold = cs_autonomy_chart_format_threshold (self->recommended);
      /* Translators: the recommended confidence threshold, e.g. "Recommended 0.87" */
      g_autofree char *text = g_strdup_printf (_("Recommended %s"), threshold);
      g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, text);
      static const double dashes[] = { 4, 3 };
      int w;

      set_style (cr, &fg, dashes, G_N_ELEMENTS (dashes), 1.5);
      cairo_move_to (cr, x, plot.top - 2);
      cairo_line_to (cr, x, plot.top + plot.height);
      cairo_stroke (cr);
      pango_layout_get_pixel_size (layout, &w, NULL);
      /* The label sits on the side with room for it. */
      show_layout (cr, layout, &fg, x + w + 4 > plot.left + plot.width ? x - w - 4 : x + 4,
                   plot.top - label_h - 2);
    }

  cairo_destroy (cr);
}

static void
cs_autonomy_chart_measure (GtkWidget      *widget,
                           GtkOrientation  orientation,
                           int             for_size,
                           int            *minimum,
                           int            *natural,
                           int            *minimum_baseline,
                           int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 280;
      *natural = 640;
      return;
    }
  *minimum = 220;
  *natural = 320;
}

static gboolean
cs_autonomy_chart_query_tooltip (GtkWidget  *widget,
                                 int         x,
                                 int         y,
                                 gboolean    keyboard_tooltip,
                                 GtkTooltip *tooltip)
{
  CsAutonomyChart *self = CS_AUTONOMY_CHART (widget);
  g_autoptr(PangoLayout) probe = gtk_widget_create_pango_layout (widget, "100 %");
  const CsAutonomyPoint *best = NULL;
  g_autofree char *threshold = NULL;
  g_autofree char *seen = NULL;
  g_autofree char *final = NULL;
  g_autofree char *model = NULL;
  g_autofree char *text = NULL;
  int label_w, width = gtk_widget_get_width (widget);
  double left, plot_width, t;

  if (self->points->len == 0)
    return FALSE;
  pango_layout_get_pixel_size (probe, &label_w, NULL);
  left = label_w + PAD + TICK;
  plot_width = width - left - PAD * 2;
  if (plot_width <= 0 || x < left || x > left + plot_width)
    return FALSE;

  /* The threshold nearest the pointer. */
  t = self->x_min + (x - left) / plot_width * (self->x_max - self->x_min);
  for (guint i = 0; i < self->points->len; i++)
    if (best == NULL || fabs (point_at (self, i)->threshold - t) < fabs (best->threshold - t))
      best = point_at (self, i);

  threshold = cs_autonomy_chart_format_threshold (best->threshold);
  seen = format_percent (best->intervention_rate);
  final = format_percent (best->final_accuracy);
  model = format_percent (best->model_accuracy);
  text = g_strdup_printf (_("Threshold %s\nSeen by a person: %s\nFinal accuracy: %s over %" G_GINT64_FORMAT " cases\nModel accuracy: %s"),
                          threshold, seen, final, best->n, model);
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
style_changed_cb (CsAutonomyChart *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
cs_autonomy_chart_finalize (GObject *object)
{
  CsAutonomyChart *self = CS_AUTONOMY_CHART (object);

  g_clear_pointer (&self->points, g_array_unref);

  G_OBJECT_CLASS (cs_autonomy_chart_parent_class)->finalize (object);
}

static void
cs_autonomy_chart_class_init (CsAutonomyChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = cs_autonomy_chart_finalize;

  widget_class->snapshot = cs_autonomy_chart_snapshot;
  widget_class->measure = cs_autonomy_chart_measure;
  widget_class->query_tooltip = cs_autonomy_chart_query_tooltip;

  gtk_widget_class_set_css_name (widget_class, "cs-autonomy-chart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
cs_autonomy_chart_init (CsAutonomyChart *self)
{
  self->points = g_array_new (FALSE, TRUE, sizeof (CsAutonomyPoint));
  self->recommended = NAN;
  self->x_min = 0.5;
  self->x_max = 1.0;

  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Autonomy curve: what each confidence threshold would mean"), -1);
  /* The purple is picked for light or dark here, not by CSS. */
  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (style_changed_cb), self, G_CONNECT_SWAPPED);
  update_accessible (self);
}
