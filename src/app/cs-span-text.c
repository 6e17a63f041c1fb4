/* cs-span-text.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "cs-case.h"
#include "cs-span-text.h"

/* The highlight's hue, blended over the view's own background: white in the
 * light style, near-black in the dark one. */
static const GdkRGBA highlight = { 0.96, 0.76, 0.07, 1.0 };
static const GdkRGBA light_base = { 1.0, 1.0, 1.0, 1.0 };
static const GdkRGBA dark_base = { 0.12, 0.12, 0.12, 1.0 };

static double
luminance (const GdkRGBA *c)
{
  return 0.2126 * c->red + 0.7152 * c->green + 0.0722 * c->blue;
}

double
cs_span_text_alpha (double weight)
{
  if (isnan (weight))
    weight = 0.5;
  return 0.15 + 0.6 * CLAMP (fabs (weight), 0.0, 1.0);
}

int
cs_span_text_find (GPtrArray *spans,
                   gint64     offset)
{
  int best = -1;
  double best_weight = -1;

  for (guint i = 0; spans != NULL && i < spans->len; i++)
    {
      CsSpan *span = g_ptr_array_index (spans, i);
      double weight = isnan (span->weight) ? 0 : fabs (span->weight);

      if (offset >= span->start && offset < span->end && weight > best_weight)
        {
          best = (int) i;
          best_weight = weight;
        }
    }
  return best;
}

char *
cs_span_text_describe (GPtrArray *spans,
                       guint      index)
{
  CsSpan *span;

  g_return_val_if_fail (spans != NULL && index < spans->len, NULL);
  span = g_ptr_array_index (spans, index);
  if (span->label != NULL && *span->label != '\0')
    return g_strdup_printf (_("%s · weight %.2f"), span->label, span->weight);
  return g_strdup_printf (_("weight %.2f"), span->weight);
}

static gboolean
query_tooltip_cb (GtkWidget  *widget,
                  int         x,
                  int         y,
                  gboolean    keyboard_mode,
                  GtkTooltip *tooltip,
                  gpointer    user_data)
{
  GtkTextView *view = GTK_TEXT_VIEW (widget);
  GPtrArray *spans = g_object_get_data (G_OBJECT (view), "cs-spans");
  g_autofree char *text = NULL;
  GtkTextIter iter;
  int bx, by, index;

  if (spans == NULL || spans->len == 0)
    return FALSE;

  if (keyboard_mode)
    gtk_text_buffer_get_iter_at_mark (gtk_text_view_get_buffer (view), &iter,
                                      gtk_text_buffer_get_insert (gtk_text_view_get_buffer (view)));
  else
    {
      gtk_text_view_window_to_buffer_coords (view, GTK_TEXT_WINDOW_WIDGET, x, y, &bx, &by);
      if (!gtk_text_view_get_iter_at_location (view, &iter, bx, by))
        return FALSE;
    }

  index = cs_span_text_find (spans, gtk_text_iter_get_offset (&iter));
  if (index < 0)
    return FALSE;
  text = cs_span_text_describe (spans, (guint) index);
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static int
compare_weights (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  GPtrArray *spans = user_data;
  CsSpan *x = g_ptr_array_index (spans, *(const guint *) a);
  CsSpan *y = g_ptr_array_index (spans, *(const guint *) b);
  double wx = isnan (x->weight) ? 0 : fabs (x->weight);
  double wy = isnan (y->weight) ? 0 : fabs (y->weight);

  return (wx > wy) - (wx < wy);
}

static void
restyle_cb (GtkTextView *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GPtrArray *spans = g_object_get_data (G_OBJECT (view), "cs-spans");
  g_autoptr(GPtrArray) keep = spans ? g_ptr_array_ref (spans) : NULL;
  g_autofree char *text = NULL;
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  cs_span_text_show (view, text, keep);
}

guint
cs_span_text_show (GtkTextView *view,
                   const char  *text,
                   GPtrArray   *spans)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextTagTable *table = gtk_text_buffer_get_tag_table (buffer);
  GtkTextIter start, end;
  g_autoptr(GArray) order = NULL;
  gboolean dark = adw_style_manager_get_dark (adw_style_manager_get_default ());
  int n_chars;
  guint tagged = 0;

  gtk_text_buffer_set_text (buffer, text ? text : "", -1);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  gtk_text_buffer_remove_all_tags (buffer, &start, &end);
  n_chars = gtk_text_buffer_get_char_count (buffer);

  if (g_object_get_data (G_OBJECT (view), "cs-span-tooltips") == NULL)
    {
      g_signal_connect (view, "query-tooltip", G_CALLBACK (query_tooltip_cb), NULL);
      g_signal_connect_object (adw_style_manager_get_default (), "notify::dark", G_CALLBACK (restyle_cb), view,
                               G_CONNECT_SWAPPED);
      g_object_set_data (G_OBJECT (view), "cs-span-tooltips", GINT_TO_POINTER (1));
    }
  g_object_set_data_full (G_OBJECT (view), "cs-spans", spans ? g_ptr_array_ref (spans) : NULL,
                          (GDestroyNotify) g_ptr_array_unref);
  gtk_widget_set_has_tooltip (GTK_WIDGET (view), spans != NULL && spans->len > 0);

  /* Tags are named by rank, weakest first: a tag made later has the higher
   * priority, so where spans overlap the stronger colour wins. */
  order = g_array_sized_new (FALSE, FALSE, sizeof (guint), spans ? spans->len : 0);
  for (guint i = 0; spans != NULL && i < spans->len; i++)
    g_array_append_val (order, i);
  g_array_sort_with_data (order, compare_weights, spans);

  for (guint rank = 0; rank < order->len; rank++)
    {
      CsSpan *span = g_ptr_array_index (spans, g_array_index (order, guint, rank));
      g_autofree char *name = g_strdup_printf ("span-%u", rank);
      GtkTextTag *tag = gtk_text_tag_table_lookup (table, name);
      double alpha = cs_span_text_alpha (span->weight);
      const GdkRGBA *base = dark ? &dark_base : &light_base;
      /* Opaque, so that the text colour can be chosen for the colour behind it. */
      GdkRGBA background = {
        base->red + (highlight.red - base->red) * alpha,
        base->green + (highlight.green - base->green) * alpha,
        base->blue + (highlight.blue - base->blue) * alpha,
        1.0,
      };
      GdkRGBA text_colour = luminance (&background) > 0.45 ? (GdkRGBA) { 0.1, 0.1, 0.1, 1.0 }
                                                            : (GdkRGBA) { 1.0, 1.0, 1.0, 1.0 };
      gint64 from = CLAMP (span->start, 0, n_chars);
      gint64 to = CLAMP (span->end, 0, n_chars);

      if (to <= from)
        continue;
      if (tag == NULL)
        tag = gtk_text_buffer_create_tag (buffer, name, NULL);
      g_object_set (tag,
                    "background-rgba", &background,
                    "foreground-rgba", &text_colour,
                    "weight", alpha >= 0.45 ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL,
                    NULL);
      gtk_text_buffer_get_iter_at_offset (buffer, &start, (int) from);
      gtk_text_buffer_get_iter_at_offset (buffer, &end, (int) to);
      gtk_text_buffer_apply_tag (buffer, tag, &start, &end);
      tagged++;
    }

  return tagged;
}
