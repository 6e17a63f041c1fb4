/* test-document-view.c: the PDF view on real widgets under Xvfb, with PDFs
 * drawn here by cairo and one from the demo data.
 *
 * Set CS_DOCUMENT_VIEW_LINGER=<seconds> to keep the demo window on screen (for
 * a screenshot), and CS_DOCUMENT_VIEW_DARK=1 to show it in the dark style.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <adwaita.h>
#include <cairo-pdf.h>
#include <glib/gstdio.h>

#include "cs-document-view.h"
#include "cs-test-ui.h"

static char *tmpdir;

/* The three pages of the test document: distinct sizes and colours. */
static const struct { double width, height; guint8 r, g, b; } pages[] = {
  { 300, 400, 204, 51, 51 },
  { 500, 200, 51, 153, 76 },
  { 200, 300, 51, 76, 204 },
};

/* Files */

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

static char *
write_file (const char *name,
            const void *data,
            gsize       len)
{
  g_autoptr(GError) error = NULL;
  char *path = tmp_path (name);

  g_assert_true (g_file_set_contents (path, data, len, &error));
  g_assert_no_error (error);
  return path;
}

static char *
sha256_of (const char *path)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
}

/* Each page painted in its colour, with a white square in its top left
 * corner so that a page is not one flat colour. */
static char *
write_three_pages (const char *name)
{
  char *path = tmp_path (name);
  cairo_surface_t *surface = cairo_pdf_surface_create (path, pages[0].width, pages[0].height);
  cairo_t *cr = cairo_create (surface);

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      cairo_pdf_surface_set_size (surface, pages[i].width, pages[i].height);
      cairo_set_source_rgb (cr, pages[i].r / 255.0, pages[i].g / 255.0, pages[i].b / 255.0);
      cairo_paint (cr);
      cairo_set_source_rgb (cr, 1, 1, 1);
      cairo_rectangle (cr, 10, 10, 40, 40);
      cairo_fill (cr);
      cairo_show_page (cr);
    }
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  g_assert_cmpint (cairo_surface_status (surface), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (surface);
  return path;
}

static char *
write_one_page (const char *name,
                double      width,
                double      height)
{
  char *path = tmp_path (name);
  cairo_surface_t *surface = cairo_pdf_surface_create (path, width, height);
  cairo_t *cr = cairo_create (surface);

  cairo_set_source_rgb (cr, 0.5, 0.5, 0.5);
  cairo_paint (cr);
  cairo_show_page (cr);
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  cairo_surface_destroy (surface);
  return path;
}

/* PDFs cairo cannot make: one whose page tree names a page that is not in
 * the file, one with no pages, one locked with a password. */
static const char broken_page_pdf[] =
  "%PDF-1.4\n"
  "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
  "2 0 obj << /Type /Pages /Kids [3 0 R 4 0 R 9 0 R] /Count 3 >> endobj\n"
  "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n"
  "4 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] >> endobj\n"
  "trailer << /Root 1 0 R >>\n"
  "%%EOF\n";

static const char no_pages_pdf[] =
  "%PDF-1.4\n"
  "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
  "2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
  "trailer << /Root 1 0 R >>\n"
  "%%EOF\n";

static const char encrypted_pdf[] =
  "%PDF-1.4\n"
  "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
  "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
  "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n"
  "4 0 obj << /Filter /Standard /V 1 /R 2 /P -4\n"
  "  /O <0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef>\n"
  "  /U <fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210> >> endobj\n"
  "trailer << /Root 1 0 R /Encrypt 4 0 R\n"
  "  /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>] >>\n"
  "%%EOF\n";

/* The main loop */

static gboolean
wake_up (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
wait_for_load (CsDocumentView *view)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  guint wake = g_timeout_add (10, wake_up, NULL);

  while (cs_document_view_get_state (view) == CS_DOCUMENT_VIEW_STATE_LOADING && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake);
  g_assert_cmpint (cs_document_view_get_state (view), !=, CS_DOCUMENT_VIEW_STATE_LOADING);
}

/* Until the shown page is rendered at the current zoom, or has failed. */
static void
wait_for_page (CsDocumentView *view)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  guint wake = g_timeout_add (10, wake_up, NULL);

  while (cs_document_view_get_page_texture (view) == NULL &&
         cs_document_view_get_page_error_message (view) == NULL && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake);
  g_assert_true (cs_document_view_get_page_texture (view) != NULL ||
                 cs_document_view_get_page_error_message (view) != NULL);
}

static CsDocumentView *
new_view_window (int         width,
                 int         height,
                 GtkWindow **window_out)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *view = cs_document_view_new ();
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  gtk_window_set_title (GTK_WINDOW (window), "Document view test");
  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), view);
  gtk_window_set_child (GTK_WINDOW (window), scroller);
  gtk_window_present (GTK_WINDOW (window));

  while ((gtk_widget_get_width (view) <= 0 || !gtk_widget_get_mapped (view)) && g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_cmpint (gtk_widget_get_width (view), >, 0);
  g_assert_true (cs_test_wait_for_frame (view, 10));

  *window_out = GTK_WINDOW (window);
  return CS_DOCUMENT_VIEW (view);
}

static guint32
texture_pixel (GdkTexture *texture,
               int         x,
               int         y)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  g_autofree guint32 *pixels = g_new (guint32, (gsize) width * height);

  g_assert_cmpint (x, >=, 0);
  g_assert_cmpint (y, >=, 0);
  g_assert_cmpint (x, <, width);
  g_assert_cmpint (y, <, height);
  gdk_texture_download (texture, (guint8 *) pixels, (gsize) width * 4);
  return pixels[(gsize) y * width + x];
}

static void
assert_colour (guint32 pixel,
               int     r,
               int     g,
               int     b)
{
  int pr = (pixel >> 16) & 0xff, pg = (pixel >> 8) & 0xff, pb = pixel & 0xff;

  if (ABS (pr - r) > 3 || ABS (pg - g) > 3 || ABS (pb - b) > 3)
    g_error ("Pixel is %d,%d,%d, not %d,%d,%d", pr, pg, pb, r, g, b);
}

/* The view as it was last painted, as 0xAARRGGBB pixels. */
static guint32 *
render_view (CsDocumentView *view,
             int            *width,
             int            *height)
{
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (view), 10));
  return cs_test_render_pixels (GTK_WIDGET (view), width, height);
}

/* The page's colour is in the texture, and where the view draws the page. */
static void
assert_page_colour (CsDocumentView *view,
                    guint           page)
{
  GdkTexture *texture = cs_document_view_get_page_texture (view);
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (view));
  double zoom = cs_document_view_get_zoom (view);
  g_autofree guint32 *frame = NULL;
  double vx, vy;
  int width, height;

  g_assert_nonnull (texture);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, (int) ceil (pages[page].width * zoom * scale - 1e-6));
  g_assert_cmpint (gdk_texture_get_height (texture), ==, (int) ceil (pages[page].height * zoom * scale - 1e-6));
  /* Away from the white square: the page's colour. In it: white. */
  assert_colour (texture_pixel (texture, gdk_texture_get_width (texture) * 3 / 4, gdk_texture_get_height (texture) * 3 / 4),
                 pages[page].r, pages[page].g, pages[page].b);
  assert_colour (texture_pixel (texture, (int) (30 * zoom * scale), (int) (30 * zoom * scale)), 255, 255, 255);

  frame = render_view (view, &width, &height);
  /* Beside the white square, high on the page: above the toolbar. */
  cs_document_view_page_to_view (view, pages[page].width * 3 / 4, 30, &vx, &vy);
  g_assert_cmpfloat (vx, <, width);
  g_assert_cmpfloat (vy, <, height);
  assert_colour (frame[(gsize) floor (vy) * width + (gsize) floor (vx)], pages[page].r, pages[page].g, pages[page].b);
}

static GtkLabel *
find_page_label (GtkWidget *widget)
{
  if (GTK_IS_LABEL (widget) && g_str_has_prefix (gtk_label_get_label (GTK_LABEL (widget)), "Page ") &&
      strstr (gtk_label_get_label (GTK_LABEL (widget)), " of ") != NULL)
    return GTK_LABEL (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *label = find_page_label (child);

      if (label != NULL)
        return label;
    }
  return NULL;
}

static void
assert_page (CsDocumentView *view,
             guint           page)
{
  g_autofree char *text = g_strdup_printf ("Page %u of %u", page + 1, cs_document_view_get_n_pages (view));
  GtkLabel *label = find_page_label (GTK_WIDGET (view));

  g_assert_cmpuint (cs_document_view_get_page (view), ==, page);
  g_assert_nonnull (label);
  g_assert_cmpstr (gtk_label_get_label (label), ==, text);
}

/* What a key press does, as GTK delivers it: the first shortcut for
 * @keyval and @mods on the focus widget or an ancestor is activated. (GTK 4
 * has no public way to make a key event.) */
static gboolean
press_key (GtkWidget       *any,
           guint            keyval,
           GdkModifierType  mods)
{
  GtkWidget *focus = gtk_root_get_focus (gtk_widget_get_root (any));

  for (GtkWidget *widget = focus; widget != NULL; widget = gtk_widget_get_parent (widget))
    {
      g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

      for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
        {
          g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

          if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
            continue;
          for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
            {
              g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
              GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);

              if (GTK_IS_KEYVAL_TRIGGER (trigger) &&
                  gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)) == keyval &&
                  gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)) == mods)
                return gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut), 0, widget,
                                                     gtk_shortcut_get_arguments (shortcut));
            }
        }
    }
  return FALSE;
}

static void
assert_buttons_named (GtkWidget *widget)
{
  if (GTK_IS_BUTTON (widget))
    g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    assert_buttons_named (child);
}

static CsRegion *
region_new (gint64      page,
            double      x,
            double      y,
            double      w,
            double      h,
            const char *label,
            double      score)
{
  CsRegion *region = g_new0 (CsRegion, 1);

  region->page = page;
  region->x = x;
  region->y = y;
  region->w = w;
  region->h = h;
  region->label = g_strdup (label);
  region->score = score;
  return region;
}

/* Tests */

static void
test_pages (void)
{
  g_autofree char *path = write_three_pages ("pages.pdf");
  g_autofree char *sha = sha256_of (path);
  GtkWindow *window;
  CsDocumentView *view = new_view_window (900, 700, &window);
  double width, height;

  gtk_test_accessible_assert_role (view, GTK_ACCESSIBLE_ROLE_GROUP);
  cs_document_view_set_label (view, "Lab report");
  gtk_test_accessible_assert_property (view, GTK_ACCESSIBLE_PROPERTY_LABEL, "Lab report");
  g_assert_cmpint (cs_document_view_get_state (view), ==, CS_DOCUMENT_VIEW_STATE_EMPTY);
  g_assert_cmpuint (cs_document_view_get_n_pages (view), ==, 0);

  cs_document_view_load_file (view, path, sha);
  g_assert_cmpint (cs_document_view_get_state (view), ==, CS_DOCUMENT_VIEW_STATE_LOADING);
  gtk_test_accessible_assert_state (view, GTK_ACCESSIBLE_STATE_BUSY, TRUE);
  wait_for_load (view);
  g_assert_cmpstr (cs_document_view_get_error_message (view), ==, NULL);
  g_assert_cmpint (cs_document_view_get_state (view), ==, CS_DOCUMENT_VIEW_STATE_READY);
  gtk_test_accessible_assert_state (view, GTK_ACCESSIBLE_STATE_BUSY, FALSE);
  g_assert_cmpuint (cs_document_view_get_n_pages (view), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      cs_document_view_get_page_size (view, i, &width, &height);
      g_assert_cmpfloat (width, ==, pages[i].width);
      g_assert_cmpfloat (height, ==, pages[i].height);
    }
  cs_document_view_get_page_size (view, 3, &width, &height);
  g_assert_cmpfloat (width, ==, 0);
  assert_buttons_named (GTK_WIDGET (view));

  /* The first page, fitted to the width. */
  wait_for_page (view);
  assert_page (view, 0);
  g_assert_true (cs_document_view_get_fit (view));
  g_assert_cmpfloat_with_epsilon (cs_document_view_get_zoom (view),
                                  (gtk_widget_get_width (GTK_WIDGET (view)) - 24) / pages[0].width, 1e-9);
  assert_page_colour (view, 0);

  /* By the actions. Going before the first page does nothing. */
  gtk_widget_activate_action (GTK_WIDGET (view), "document.previous-page", NULL);
  assert_page (view, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "document.next-page", NULL));
  assert_page (view, 1);
  wait_for_page (view);
  /* Fitting follows each page's width. */
  g_assert_cmpfloat_with_epsilon (cs_document_view_get_zoom (view),
                                  (gtk_widget_get_width (GTK_WIDGET (view)) - 24) / pages[1].width, 1e-9);
  assert_page_colour (view, 1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "document.next-page", NULL));
  wait_for_page (view);
  assert_page (view, 2);
  assert_page_colour (view, 2);
  gtk_widget_activate_action (GTK_WIDGET (view), "document.next-page", NULL);
  assert_page (view, 2);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "document.first-page", NULL));
  assert_page (view, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "document.last-page", NULL));
  assert_page (view, 2);

  /* By the keys, from the focused view. */
  g_assert_true (gtk_widget_grab_focus (GTK_WIDGET (view)));
  g_assert_true (press_key (GTK_WIDGET (view), GDK_KEY_Home, 0));
  assert_page (view, 0);
  g_assert_true (press_key (GTK_WIDGET (view), GDK_KEY_Page_Down, 0));
  assert_page (view, 1);
  g_assert_true (press_key (GTK_WIDGET (view), GDK_KEY_Page_Down, 0));
  assert_page (view, 2);
  g_assert_true (press_key (GTK_WIDGET (view), GDK_KEY_Page_Up, 0));
  assert_page (view, 1);
  g_assert_true (press_key (GTK_WIDGET (view), GDK_KEY_End, 0));
  assert_page (view, 2);
  wait_for_page (view);
  assert_page_colour (view, 2);

  /* By the property; past the last page is the last. */
  g_object_set (view, "page", 0, NULL);
  assert_page (view, 0);
  cs_document_view_set_page (view, 7);
  assert_page (view, 2);
  wait_for_page (view);
  assert_page_colour (view, 2);

  cs_document_view_clear (view);
  g_assert_cmpint (cs_document_view_get_state (view), ==, CS_DOCUMENT_VIEW_STATE_EMPTY);
  g_assert_cmpuint (cs_document_view_get_n_pages (view), ==, 0);
  g_assert_cmpuint (cs_document_view_get_page (view), ==, 0);
  g_assert_null (cs_document_view_get_page_texture (view));
  gtk_window_destroy (window);
}

static void
test_zoom (void)
{
  g_autofree char *path = write_three_pages ("zoom.pdf");
  g_autofree char *sha = sha256_of (path);
  g_autofree char *strip_path = write_one_page ("strip.pdf", 14400, 20);
  g_autofree char *strip_sha = sha256_of (strip_path);
  GtkWindow *window;
  CsDocumentView *view = new_view_window (900, 700, &window);
  double fit, zoom;
  GdkTexture *texture;

  cs_document_view_load_file (view, path, sha);
  wait_for_load (view);
  wait_for_page (view);
  fit = cs_document_view_get_zoom (view);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "document.zoom-in", NULL));
  g_assert_false (cs_document_view_get_fit (view));
  g_assert_cmpfloat_with_epsilon (cs_document_view_get_zoom (view), fit * 1.25, 1e-9);
  wait_for_page (view);
  assert_page_colour (view, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "document.zoom-out", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "document.zoom-out", NULL));
  g_assert_cmpfloat_with_epsilon (cs_document_view_get_zoom (view), fit / 1.25, 1e-9);
  wait_for_page (view);
  assert_page_colour (view, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "document.zoom-fit", NULL));
  g_assert_true (cs_document_view_get_fit (view));
  g_assert_cmpfloat_with_epsilon (cs_document_view_get_zoom (view), fit, 1e-9);

  /* The same by the keys. */
  g_assert_true (gtk_widget_grab_focus (GTK_WIDGET (view)));
  g_assert_true (press_key (GTK_WIDGET (view), GDK_KEY_plus, GDK_CONTROL_MASK));
  g_assert_cmpfloat_with_epsilon (cs_document_view_get_zoom (view), fit * 1.25, 1e-9);
  g_assert_true (press_key (GTK_WIDGET (view), GDK_KEY_equal, GDK_CONTROL_MASK));
  g_assert_cmpfloat_with_epsilon (cs_document_view_get_zoom (view), fit * 1.25 * 1.25, 1e-9);
  g_assert_true (press_key (GTK_WIDGET (view), GDK_KEY_minus, GDK_CONTROL_MASK));
  g_assert_cmpfloat_with_epsilon (cs_document_view_get_zoom (view), fit * 1.25, 1e-9);
  g_assert_true (press_key (GTK_WIDGET (view), GDK_KEY_0, GDK_CONTROL_MASK));
  g_assert_true (cs_document_view_get_fit (view));
  g_assert_cmpfloat_with_epsilon (cs_document_view_get_zoom (view), fit, 1e-9);

  /* A fixed zoom stays across pages. */
  cs_document_view_set_zoom (view, 1.5);
  g_assert_cmpfloat (cs_document_view_get_zoom (view), ==, 1.5);
  cs_document_view_set_page (view, 1);
  g_assert_cmpfloat (cs_document_view_get_zoom (view), ==, 1.5);
  wait_for_page (view);
  assert_page_colour (view, 1);
  /* Zoomed past the view, the page scrolls. */
  cs_document_view_set_zoom (view, 4);
  wait_for_page (view);
  {
    GtkAdjustment *hadjustment = gtk_scrollable_get_hadjustment (GTK_SCROLLABLE (view));

    g_assert_cmpfloat (gtk_adjustment_get_upper (hadjustment), >=, pages[1].width * 4);
    g_assert_cmpfloat (gtk_adjustment_get_page_size (hadjustment), <, gtk_adjustment_get_upper (hadjustment));
  }

  /* A page 200 inches wide: the zoom stops where its render would pass
   * 8192 pixels a side. */
  cs_document_view_load_file (view, strip_path, strip_sha);
  wait_for_load (view);
  g_assert_cmpint (cs_document_view_get_state (view), ==, CS_DOCUMENT_VIEW_STATE_READY);
  g_assert_true (cs_document_view_get_fit (view));
  cs_document_view_set_zoom (view, 8);
  zoom = cs_document_view_get_zoom (view);
  g_assert_cmpfloat (zoom * 14400 * gtk_widget_get_scale_factor (GTK_WIDGET (view)), <=,
                     CS_DOCUMENT_VIEW_MAX_RENDER_SIDE + 1e-6);
  g_assert_cmpfloat (zoom, >, 0.5);
  wait_for_page (view);
  texture = cs_document_view_get_page_texture (view);
  g_assert_nonnull (texture);
  g_assert_cmpint (gdk_texture_get_width (texture), <=, CS_DOCUMENT_VIEW_MAX_RENDER_SIDE);
  assert_colour (texture_pixel (texture, 4000, 5), 128, 128, 128);

  gtk_window_destroy (window);
}

static void
test_regions (void)
{
  g_autofree char *path = write_three_pages ("regions.pdf");
  g_autofree char *sha = sha256_of (path);
  g_autoptr(GPtrArray) regions = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_region_free);
  GtkWindow *window;
  CsDocumentView *view = new_view_window (900, 700, &window);

  g_ptr_array_add (regions, region_new (1, 100, 50, 200, 100, "Total", 0.93));
  g_ptr_array_add (regions, region_new (2, 20, 20, 50, 50, NULL, NAN));
  /* Not in this document: never drawn, never offered. */
  g_ptr_array_add (regions, region_new (9, 20, 20, 50, 50, "Nowhere", 0.5));
  g_ptr_array_add (regions, region_new (-1, 20, 20, 50, 50, "Nowhere", 0.5));
  cs_document_view_set_regions (view, regions);

  cs_document_view_load_file (view, path, sha);
  wait_for_load (view);
  wait_for_page (view);
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (view), 10));
  assert_page (view, 0);
  g_assert_cmpuint (cs_document_view_get_drawn_region_count (view), ==, 0);

  /* The view offers the next page with a region: page 2. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "document.next-region", NULL));
  assert_page (view, 1);
  wait_for_page (view);
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (view), 10));
  g_assert_cmpuint (cs_document_view_get_drawn_region_count (view), ==, 1);
  /* Then page 3; then round to page 2 again. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "document.next-region", NULL));
  assert_page (view, 2);
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (view), 10));
  g_assert_cmpuint (cs_document_view_get_drawn_region_count (view), ==, 1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "document.next-region", NULL));
  assert_page (view, 1);

  cs_document_view_set_page (view, 0);
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (view), 10));
  g_assert_cmpuint (cs_document_view_get_drawn_region_count (view), ==, 0);
  cs_document_view_show_region (view, 0);
  assert_page (view, 1);
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (view), 10));
  g_assert_cmpuint (cs_document_view_get_drawn_region_count (view), ==, 1);
  cs_document_view_show_region (view, 1);
  assert_page (view, 2);
  /* A region on no page of the document changes nothing. */
  cs_document_view_show_region (view, 2);
  cs_document_view_show_region (view, 3);
  assert_page (view, 2);

  /* The region's box is drawn where its points are: its fill tints the
   * page's green, its outline is the accent colour. */
  cs_document_view_set_page (view, 1);
  wait_for_page (view);
  {
    g_autofree guint32 *frame = NULL;
    int width, height;
    double vx, vy;
    guint32 inside, outside;

    frame = render_view (view, &width, &height);
    cs_document_view_page_to_view (view, 200, 100, &vx, &vy);
    inside = frame[(gsize) vy * width + (gsize) vx];
    cs_document_view_page_to_view (view, 400, 100, &vx, &vy);
    outside = frame[(gsize) vy * width + (gsize) vx];
    assert_colour (outside, pages[1].r, pages[1].g, pages[1].b);
    g_assert_cmpuint (inside, !=, outside);
  }

  cs_document_view_set_regions (view, NULL);
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (view), 10));
  g_assert_cmpuint (cs_document_view_get_drawn_region_count (view), ==, 0);
  /* No region left to turn to. */
  gtk_widget_activate_action (GTK_WIDGET (view), "document.next-region", NULL);
  assert_page (view, 1);
  gtk_window_destroy (window);
}

static void
assert_load_fails (CsDocumentView *view,
                   const char     *path,
                   const char     *sha,
                   const char     *expected)
{
  g_autofree char *name = NULL;
  const char *message;

  cs_document_view_load_file (view, path, sha);
  wait_for_load (view);
  g_assert_cmpint (cs_document_view_get_state (view), ==, CS_DOCUMENT_VIEW_STATE_ERROR);
  message = cs_document_view_get_error_message (view);
  g_assert_nonnull (message);
  name = g_path_get_basename (path);
  g_test_message ("%s: %s", name, message);
  if (strstr (message, expected) == NULL)
    g_error ("“%s” does not say “%s”", message, expected);
  gtk_test_accessible_assert_property (view, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message);
  g_assert_cmpuint (cs_document_view_get_n_pages (view), ==, 0);
  g_assert_null (cs_document_view_get_page_texture (view));
  /* Nothing to act on. */
  gtk_widget_activate_action (GTK_WIDGET (view), "document.next-page", NULL);
  gtk_widget_activate_action (GTK_WIDGET (view), "document.zoom-in", NULL);
  g_assert_cmpuint (cs_document_view_get_page (view), ==, 0);
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (view), 10));
}

static void
test_errors (void)
{
  g_autofree char *good = write_three_pages ("good.pdf");
  g_autofree char *good_sha = sha256_of (good);
  g_autofree char *contents = NULL;
  g_autofree char *truncated = NULL, *truncated_sha = NULL;
  g_autofree char *random_path = NULL, *random_sha = NULL;
  g_autofree char *missing = tmp_path ("missing.pdf");
  g_autofree char *no_pages = NULL, *no_pages_sha = NULL;
  g_autofree char *encrypted = NULL, *encrypted_sha = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  guint8 noise[4096];
  gsize len = 0;
  GtkWindow *window;
  CsDocumentView *view = new_view_window (700, 500, &window);

  g_assert_true (g_file_get_contents (good, &contents, &len, NULL));
  truncated = write_file ("truncated.pdf", contents, len / 2);
  truncated_sha = sha256_of (truncated);
  for (guint i = 0; i < sizeof noise; i++)
    noise[i] = (guint8) g_rand_int_range (rand, 0, 256);
  random_path = write_file ("random.pdf", noise, sizeof noise);
  random_sha = sha256_of (random_path);
  no_pages = write_file ("no-pages.pdf", no_pages_pdf, strlen (no_pages_pdf));
  no_pages_sha = sha256_of (no_pages);
  encrypted = write_file ("encrypted.pdf", encrypted_pdf, strlen (encrypted_pdf));
  encrypted_sha = sha256_of (encrypted);

  assert_load_fails (view, missing, good_sha, "The evidence file could not be read");
  assert_load_fails (view, good, truncated_sha, "The evidence file is damaged: its contents do not match the case");
  assert_load_fails (view, truncated, truncated_sha, "This PDF cannot be opened");
  assert_load_fails (view, random_path, random_sha, "This PDF cannot be opened");
  assert_load_fails (view, no_pages, no_pages_sha, "no pages");
  assert_load_fails (view, encrypted, encrypted_sha, "protected by a password");
  assert_load_fails (view, tmpdir, good_sha, "The evidence file could not be read");

  /* The view recovers with the next file. */
  cs_document_view_load_file (view, good, good_sha);
  wait_for_load (view);
  g_assert_cmpint (cs_document_view_get_state (view), ==, CS_DOCUMENT_VIEW_STATE_READY);
  g_assert_null (cs_document_view_get_error_message (view));
  wait_for_page (view);
  assert_page_colour (view, 0);
  gtk_window_destroy (window);
}

/* A page poppler cannot read fails alone: the others are shown. */
static void
test_page_error (void)
{
  g_autofree char *path = write_file ("broken-page.pdf", broken_page_pdf, strlen (broken_page_pdf));
  g_autofree char *sha = sha256_of (path);
  GtkWindow *window;
  CsDocumentView *view = new_view_window (700, 500, &window);
  const char *message;
  double width, height;

  cs_document_view_load_file (view, path, sha);
  wait_for_load (view);
  g_assert_cmpint (cs_document_view_get_state (view), ==, CS_DOCUMENT_VIEW_STATE_READY);
  g_assert_cmpuint (cs_document_view_get_n_pages (view), ==, 3);
  wait_for_page (view);
  g_assert_nonnull (cs_document_view_get_page_texture (view));
  g_assert_null (cs_document_view_get_page_error_message (view));

  cs_document_view_set_page (view, 2);
  wait_for_page (view);
  message = cs_document_view_get_page_error_message (view);
  g_assert_nonnull (message);
  g_assert_nonnull (strstr (message, "This page of the PDF is damaged"));
  g_assert_null (cs_document_view_get_page_texture (view));
  g_assert_cmpint (cs_document_view_get_state (view), ==, CS_DOCUMENT_VIEW_STATE_READY);
  g_assert_null (cs_document_view_get_error_message (view));
  cs_document_view_get_page_size (view, 2, &width, &height);
  g_assert_cmpfloat (width, ==, 0);
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (view), 10));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "document.zoom-in", NULL));
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (view), 10));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "document.previous-page", NULL));
  wait_for_page (view);
  g_assert_null (cs_document_view_get_page_error_message (view));
  g_assert_nonnull (cs_document_view_get_page_texture (view));
  cs_document_view_get_page_size (view, 1, &width, &height);
  g_assert_cmpfloat (width, ==, 300);
  gtk_window_destroy (window);
}

/* A view let go of while its worker opens or renders: nothing is touched
 * after, and nothing is left behind to crash. */
static void
test_dispose (void)
{
  g_autofree char *path = write_three_pages ("dispose.pdf");
  g_autofree char *sha = sha256_of (path);
  g_autofree char *other = write_one_page ("other.pdf", 612, 792);
  g_autofree char *other_sha = sha256_of (other);
  GtkWindow *window;
  CsDocumentView *view;
  GtkWidget *unshown;

  /* While loading, in a window. */
  view = new_view_window (600, 400, &window);
  cs_document_view_load_file (view, path, sha);
  gtk_window_destroy (window);
  cs_test_iterate_for (300);

  /* While rendering. */
  view = new_view_window (600, 400, &window);
  cs_document_view_load_file (view, path, sha);
  wait_for_load (view);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "document.zoom-in", NULL));
  gtk_widget_activate_action (GTK_WIDGET (view), "document.next-page", NULL);
  gtk_window_destroy (window);
  cs_test_iterate_for (300);

  /* Never shown: nothing is rendered, and it goes cleanly. */
  unshown = g_object_ref_sink (cs_document_view_new ());
  cs_document_view_load_file (CS_DOCUMENT_VIEW (unshown), path, sha);
  wait_for_load (CS_DOCUMENT_VIEW (unshown));
  g_assert_cmpint (cs_document_view_get_state (CS_DOCUMENT_VIEW (unshown)), ==, CS_DOCUMENT_VIEW_STATE_READY);
  cs_document_view_load_file (CS_DOCUMENT_VIEW (unshown), path, sha);
  g_object_unref (unshown);
  cs_test_iterate_for (300);

  /* A load replaced by another: only the second arrives. */
  view = new_view_window (600, 400, &window);
  cs_document_view_load_file (view, path, sha);
  cs_document_view_load_file (view, other, other_sha);
  wait_for_load (view);
  g_assert_cmpint (cs_document_view_get_state (view), ==, CS_DOCUMENT_VIEW_STATE_READY);
  g_assert_cmpuint (cs_document_view_get_n_pages (view), ==, 1);
  cs_test_iterate_for (200);
  g_assert_cmpuint (cs_document_view_get_n_pages (view), ==, 1);
  wait_for_page (view);
  gtk_window_destroy (window);
}

/* A lab report of the demo data, with the model's regions, as a reviewer
 * sees it. */
static void
test_demo_document (void)
{
  const char *root = g_getenv ("CS_SOURCE_ROOT");
  const char *linger = g_getenv ("CS_DOCUMENT_VIEW_LINGER");
  g_autofree char *predictions = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *path = NULL;
  g_autoptr(CsCase) kase = NULL;
  g_auto(GStrv) lines = NULL;
  GtkWidget *window, *scroller, *view;
  GPtrArray *regions;
  guint on_first_page = 0;

  g_assert_nonnull (root);
  predictions = g_build_filename (root, "data", "demo", "predictions.jsonl", NULL);
  g_assert_true (g_file_get_contents (predictions, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL && kase == NULL; i++)
    {
      g_autoptr(CsCase) candidate = NULL;
      const CsAsset *asset;

      if (*lines[i] == '\0')
        continue;
      candidate = cs_case_new_from_data (lines[i], -1, CS_CASE_PARSE_PREDICTION, NULL);
      if (candidate == NULL || cs_case_get_subject_kind (candidate) != CS_SUBJECT_DOCUMENT)
        continue;
      asset = cs_case_get_subject_asset (candidate);
      if (asset != NULL && g_strcmp0 (asset->media_type, "application/pdf") == 0 &&
          cs_case_get_regions (candidate)->len > 0)
        kase = g_steal_pointer (&candidate);
    }
  g_assert_nonnull (kase);
  path = g_build_filename (root, "data", "demo", "assets", cs_case_get_subject_asset (kase)->sha256, NULL);
  regions = cs_case_get_regions (kase);
  for (guint i = 0; i < regions->len; i++)
    on_first_page += ((CsRegion *) g_ptr_array_index (regions, i))->page == 0;
  g_assert_cmpuint (on_first_page, >, 0);

  if (g_getenv ("CS_DOCUMENT_VIEW_DARK") != NULL)
    adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);

  window = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (window), cs_case_get_title (kase));
  gtk_window_set_default_size (GTK_WINDOW (window), 760, 900);
  scroller = gtk_scrolled_window_new ();
  view = cs_document_view_new ();
  cs_document_view_set_label (CS_DOCUMENT_VIEW (view), cs_case_get_title (kase));
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), view);
  gtk_window_set_child (GTK_WINDOW (window), scroller);
  gtk_window_present (GTK_WINDOW (window));

  cs_document_view_set_regions (CS_DOCUMENT_VIEW (view), regions);
  cs_document_view_load_file (CS_DOCUMENT_VIEW (view), path, cs_case_get_subject_asset (kase)->sha256);
  wait_for_load (CS_DOCUMENT_VIEW (view));
  g_assert_cmpint (cs_document_view_get_state (CS_DOCUMENT_VIEW (view)), ==, CS_DOCUMENT_VIEW_STATE_READY);
  g_assert_cmpuint (cs_document_view_get_n_pages (CS_DOCUMENT_VIEW (view)), >=, 1);
  wait_for_page (CS_DOCUMENT_VIEW (view));
  g_assert_nonnull (cs_document_view_get_page_texture (CS_DOCUMENT_VIEW (view)));

  /* Small enough for the whole page: every region of it is drawn. */
  cs_document_view_set_zoom (CS_DOCUMENT_VIEW (view), 0.5);
  wait_for_page (CS_DOCUMENT_VIEW (view));
  g_assert_true (cs_test_wait_for_frame (view, 10));
  g_assert_cmpuint (cs_document_view_get_drawn_region_count (CS_DOCUMENT_VIEW (view)), ==, on_first_page);

  cs_document_view_set_fit (CS_DOCUMENT_VIEW (view), TRUE);
  wait_for_page (CS_DOCUMENT_VIEW (view));
  g_assert_true (cs_test_wait_for_frame (view, 10));
  g_assert_cmpuint (cs_document_view_get_drawn_region_count (CS_DOCUMENT_VIEW (view)), >, 0);

  if (linger != NULL)
    cs_test_iterate_for (atoi (linger) * 1000);
  gtk_window_destroy (GTK_WINDOW (window));
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  tmpdir = g_dir_make_tmp ("cs-document-view-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/document-view/pages", test_pages);
  g_test_add_func ("/document-view/zoom", test_zoom);
  g_test_add_func ("/document-view/regions", test_regions);
  g_test_add_func ("/document-view/errors", test_errors);
  g_test_add_func ("/document-view/page-error", test_page_error);
  g_test_add_func ("/document-view/dispose", test_dispose);
  g_test_add_func ("/document-view/demo-document", test_demo_document);
  status = g_test_run ();

  {
    g_autoptr(GDir) dir = g_dir_open (tmpdir, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *file = tmp_path (name);
        g_unlink (file);
      }
    g_rmdir (tmpdir);
  }
  g_free (tmpdir);
  return status;
}
