/* test-span-text.c: the model's spans over a case's text.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <adwaita.h>

#include "cs-case.h"
#include "cs-span-text.h"

static CsSpan *
span_new (gint64      start,
          gint64      end,
          double      weight,
          const char *label)
{
  CsSpan *span = g_new0 (CsSpan, 1);

  span->start = start;
  span->end = end;
  span->weight = weight;
  span->label = g_strdup (label);
  return span;
}

static GPtrArray *
make_spans (void)
{
  GPtrArray *spans = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_span_free);

  g_ptr_array_add (spans, span_new (0, 7, 0.2, "pigment"));       /* "Lésion " */
  g_ptr_array_add (spans, span_new (4, 12, 0.9, "irregular"));    /* overlaps, stronger */
  g_ptr_array_add (spans, span_new (28, 60, 0.5, NULL));          /* past the end: clipped */
  g_ptr_array_add (spans, span_new (15, 15, 0.7, "empty"));       /* empty: left out */
  return spans;
}

static void
test_find_and_describe (void)
{
  g_autoptr(GPtrArray) spans = make_spans ();
  g_autofree char *strong = NULL;
  g_autofree char *unlabelled = NULL;

  g_assert_cmpint (cs_span_text_find (spans, 0), ==, 0);
  g_assert_cmpint (cs_span_text_find (spans, 5), ==, 1);      /* the stronger of two */
  g_assert_cmpint (cs_span_text_find (spans, 12), ==, -1);    /* end is exclusive */
  g_assert_cmpint (cs_span_text_find (spans, 15), ==, -1);
  g_assert_cmpint (cs_span_text_find (spans, 41), ==, 2);

  strong = cs_span_text_describe (spans, 1);
  g_assert_cmpstr (strong, ==, "irregular · weight 0.90");
  unlabelled = cs_span_text_describe (spans, 2);
  g_assert_cmpstr (unlabelled, ==, "weight 0.50");

  g_assert_cmpfloat (cs_span_text_alpha (0), ==, 0.15);
  g_assert_cmpfloat (cs_span_text_alpha (1), ==, 0.75);
  g_assert_cmpfloat (cs_span_text_alpha (-1), ==, 0.75);
  g_assert_cmpfloat (cs_span_text_alpha (7), ==, 0.75);
}

static GtkTextTag *
strongest_tag_at (GtkTextBuffer *buffer,
                  int            offset)
{
  GtkTextIter iter;
  g_autoptr(GSList) tags = NULL;

  gtk_text_buffer_get_iter_at_offset (buffer, &iter, offset);
  tags = gtk_text_iter_get_tags (&iter);   /* in ascending priority */
  return tags ? g_slist_last (tags)->data : NULL;
}

static void
background_at (GtkTextBuffer *buffer,
               int            offset,
               GdkRGBA       *background,
               GdkRGBA       *foreground)
{
  GtkTextTag *tag = strongest_tag_at (buffer, offset);
  g_autoptr(GdkRGBA) bg = NULL;
  g_autoptr(GdkRGBA) fg = NULL;

  g_assert_nonnull (tag);
  g_object_get (tag, "background-rgba", &bg, "foreground-rgba", &fg, NULL);
  *background = *bg;
  *foreground = *fg;
}

static double
luminance (const GdkRGBA *c)
{
  return 0.2126 * c->red + 0.7152 * c->green + 0.0722 * c->blue;
}

static void
test_tags_follow_the_spans (void)
{
  g_autoptr(GPtrArray) spans = make_spans ();
  GtkWidget *view = gtk_text_view_new ();
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (view));
  const char *text = "Lésion irrégulière, 6 mm, pigment";   /* 33 characters, some of 2 bytes */
  GdkRGBA weak_bg, weak_fg, strong_bg, strong_fg;

  g_object_ref_sink (view);
  g_assert_cmpuint (cs_span_text_show (GTK_TEXT_VIEW (view), text, spans), ==, 3);
  g_assert_true (gtk_widget_get_has_tooltip (view));

  /* Offsets are characters, not bytes. */
  g_assert_null (strongest_tag_at (buffer, 12));
  g_assert_nonnull (strongest_tag_at (buffer, 11));
  g_assert_nonnull (strongest_tag_at (buffer, 32));   /* the clipped span reaches the end */
  g_assert_null (strongest_tag_at (buffer, 20));

  /* Where spans overlap, the stronger one is on top; stronger is more coloured. */
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_LIGHT);
  cs_span_text_show (GTK_TEXT_VIEW (view), text, spans);
  background_at (buffer, 1, &weak_bg, &weak_fg);
  background_at (buffer, 5, &strong_bg, &strong_fg);
  g_assert_cmpfloat (strong_bg.blue, <, weak_bg.blue);   /* further from white, towards yellow */
  g_assert_cmpfloat (ABS (luminance (&strong_bg) - luminance (&strong_fg)), >, 0.4);
  g_assert_cmpfloat (ABS (luminance (&weak_bg) - luminance (&weak_fg)), >, 0.4);

  /* The dark style re-colours the spans already shown, and keeps them readable. */
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  background_at (buffer, 1, &weak_bg, &weak_fg);
  background_at (buffer, 5, &strong_bg, &strong_fg);
  g_assert_cmpfloat (luminance (&weak_bg), <, 0.4);
  g_assert_cmpfloat (ABS (luminance (&strong_bg) - luminance (&strong_fg)), >, 0.4);
  g_assert_cmpfloat (ABS (luminance (&weak_bg) - luminance (&weak_fg)), >, 0.4);

  /* A case without spans leaves no colour and no tooltip behind. */
  g_assert_cmpuint (cs_span_text_show (GTK_TEXT_VIEW (view), "Plain note.", NULL), ==, 0);
  g_assert_null (strongest_tag_at (buffer, 2));
  g_assert_false (gtk_widget_get_has_tooltip (view));

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  g_object_unref (view);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/span-text/find-and-describe", test_find_and_describe);
  g_test_add_func ("/span-text/tags", test_tags_follow_the_spans);
  return g_test_run ();
}
