/* cs-test-ui.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <cairo-pdf.h>

#include "cs-test-ui.h"

/* The main loop */

gboolean
cs_test_wait_for (gboolean (*condition) (gpointer),
                  gpointer   data,
                  guint      seconds)
{
  gint64 end = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
  return TRUE;
}

void
cs_test_iterate_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static void
count_frame_cb (guint *frames)
{
  (*frames)++;
}

static gboolean
counted (gpointer data)
{
  return *(guint *) data > 0;
}

gboolean
cs_test_wait_for_frame (GtkWidget *widget,
                        guint      seconds)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  guint frames = 0;
  gulong handler;
  gboolean done;

  g_assert_nonnull (clock);
  handler = g_signal_connect_swapped (clock, "after-paint", G_CALLBACK (count_frame_cb), &frames);
  /* A frame is only painted when something changed: ask for one. */
  gtk_widget_queue_draw (widget);
  gdk_frame_clock_request_phase (clock, GDK_FRAME_CLOCK_PHASE_AFTER_PAINT);
  done = cs_test_wait_for (counted, &frames, seconds);
  g_signal_handler_disconnect (clock, handler);
  return done;
}

void
cs_test_drain_events (GtkWidget *widget)
{
  /* xdotool has closed its connection, which syncs it, so its key events
   * are already queued for us: a round trip brings them in, and GTK 4
   * delivers input at the start of the next frame, so one whole frame after
   * that they have been handled. */
  gdk_display_sync (gtk_widget_get_display (widget));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_true (cs_test_wait_for_frame (widget, 10));
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Widgets */

GtkWidget *
cs_test_find_widget (GtkWidget *root,
                     GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = cs_test_find_widget (child, type);
      if (found != NULL)
        return found;
    }
  return NULL;
}

GtkWidget *
cs_test_find_by_tooltip (GtkWidget  *root,
                         GType       type,
                         const char *tooltip)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type) && g_strcmp0 (gtk_widget_get_tooltip_text (root), tooltip) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = cs_test_find_by_tooltip (child, type, tooltip);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Keys */

static void
xdotool_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_wait_check_finish (G_SUBPROCESS (source), result, &error);
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

void
cs_test_xdotool (GtkWidget          *window,
                 const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  gboolean done = FALSE;

  g_ptr_array_add (argv, (char *) "xdotool");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata, G_SUBPROCESS_FLAGS_NONE, &error);
  if (process == NULL)
    g_error ("The keys are typed with xdotool (tools/deps-debian.txt): %s", error->message);
  /* Waited for with the loop turning: the window has to handle what
   * xdotool sends (`windowfocus --sync` waits until it has). */
  g_subprocess_wait_check_async (process, NULL, xdotool_done_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  cs_test_drain_events (window);
}

/* What was drawn */

GdkTexture *
cs_test_render_widget (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));

  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  return gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
}

guint32 *
cs_test_render_pixels (GtkWidget *widget,
                       int       *width,
                       int       *height)
{
  g_autoptr(GdkTexture) texture = cs_test_render_widget (widget);
  guint32 *pixels;

  *width = gdk_texture_get_width (texture);
  *height = gdk_texture_get_height (texture);
  pixels = g_new (guint32, (gsize) *width * *height);
  gdk_texture_download (texture, (guint8 *) pixels, (gsize) *width * 4);
  return pixels;
}

void
cs_test_save_screenshot (GtkWidget  *widget,
                         const char *name)
{
  const char *dir = g_getenv ("CS_TEST_SCREENSHOT_DIR");
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;

  if (dir == NULL)
    return;
  /* Drawn as it is now: after a frame, with its layout done. */
  g_assert_true (cs_test_wait_for_frame (widget, 10));
  texture = cs_test_render_widget (widget);
  file = g_strconcat (name, ".png", NULL);
  path = g_build_filename (dir, file, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
}

/* Evidence */

GBytes *
cs_test_pixbuf_bytes (GdkPixbuf  *pixbuf,
                      const char *type)
{
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize len = 0;

  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &data, &len, type, &error, NULL));
  g_assert_no_error (error);
  return g_bytes_new_take (data, len);
}

GBytes *
cs_test_png_bytes (int     width,
                   int     height,
                   guint32 rgba)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);

  gdk_pixbuf_fill (pixbuf, rgba);
  return cs_test_pixbuf_bytes (pixbuf, "png");
}

char *
cs_test_upload (CsTestServer *server,
                const char   *token,
                const char   *media_type,
                GBytes       *bytes)
{
  g_autofree char *path = NULL;
  char *sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
  guint status = 0;

  path = g_strdup_printf ("/api/v1/assets/%s", sha);
  g_bytes_unref (cs_test_http_bytes (server, "PUT", path, token, media_type, bytes, NULL, NULL, &status));
  g_assert_cmpuint (status, ==, 200);
  return sha;
}

static cairo_status_t
write_to_byte_array (void                *closure,
                     const unsigned char *data,
                     unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

GBytes *
cs_test_letter_pdf (gboolean boxed)
{
  GByteArray *pdf = g_byte_array_new ();
  cairo_surface_t *surface = cairo_pdf_surface_create_for_stream (write_to_byte_array, pdf, 420, 298);
  cairo_t *cr = cairo_create (surface);

  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_size (cr, 18);
  cairo_move_to (cr, 30, 50);
  cairo_show_text (cr, "Referral letter");
  if (boxed)
    {
      cairo_rectangle (cr, 30, 80, 200, 120);
      cairo_stroke (cr);
    }
  cairo_show_page (cr);
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  g_assert_cmpint (cairo_surface_status (surface), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (surface);
  g_assert_true (pdf->len > 0 && memcmp (pdf->data, "%PDF", 4) == 0);
  return g_byte_array_free_to_bytes (pdf);
}

/* The application */

CsApplication *
cs_test_application_new (void)
{
  g_autoptr(GError) error = NULL;
  CsApplication *app = cs_application_new ();

  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("%s", error->message);
  return app;
}
