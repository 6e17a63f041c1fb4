/* test-image-view.c: the image view on real widgets under Xvfb, its loader and
 * its colour map.
 *
 * Set CS_IMAGE_VIEW_LINGER=<seconds> to keep the overlay and heatmap controls
 * windows on screen (for a screenshot), CS_IMAGE_VIEW_DARK=1 to show them in the
 * dark style, and CS_IMAGE_VIEW_SIDE_BY_SIDE=1 to leave the heatmap controls'
 * window side by side.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "cs-colormap.h"
#include "cs-colour-bar.h"
#include "cs-heatmap-controls.h"
#include "cs-image-loader.h"
#include "cs-image-view.h"
#include "cs-test-ui.h"

#define BIG_SIDE 8000

static char *tmpdir;
static char *big_path;
static char *big_sha;

/* Files */

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

static char *
write_file (const char   *name,
            const guint8 *data,
            gsize         len)
{
  g_autoptr(GError) error = NULL;
  char *path = tmp_path (name);

  g_assert_true (g_file_set_contents (path, (const char *) data, len, &error));
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

/* Red grows to the right, green downwards: every region of it differs. */
static GdkPixbuf *
gradient (int      width,
          int      height,
          gboolean alpha)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, alpha, 8, width, height);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  int n = gdk_pixbuf_get_n_channels (pixbuf);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = pixels + (gsize) y * stride + (gsize) x * n;

        p[0] = (guint8) ((gint64) x * 255 / MAX (width - 1, 1));
        p[1] = (guint8) ((gint64) y * 255 / MAX (height - 1, 1));
        p[2] = 128;
        if (alpha)
          p[3] = 200;
      }
  return pixbuf;
}

static char *
save_pixbuf (GdkPixbuf  *pixbuf,
             const char *name,
             const char *type)
{
  g_autoptr(GError) error = NULL;
  char *path = tmp_path (name);

  if (g_str_equal (type, "jpeg"))
    gdk_pixbuf_save (pixbuf, path, type, &error, "quality", "85", NULL);
  else
    gdk_pixbuf_save (pixbuf, path, type, &error, NULL);
  g_assert_no_error (error);
  return path;
}

static char *
save_gradient (int         width,
               int         height,
               const char *name,
               const char *type)
{
  g_autoptr(GdkPixbuf) pixbuf = gradient (width, height, FALSE);

  return save_pixbuf (pixbuf, name, type);
}

static void
ensure_big_image (void)
{
  gint64 start;

  if (big_path != NULL)
    return;
  start = g_get_monotonic_time ();
  big_path = save_gradient (BIG_SIDE, BIG_SIDE, "big.jpg", "jpeg");
  big_sha = sha256_of (big_path);
  g_test_message ("Wrote the %d² JPEG in %.2f s", BIG_SIDE, (g_get_monotonic_time () - start) / 1e6);
}

static guint32
crc32_of (const guint8 *data,
          gsize         len)
{
  guint32 crc = 0xffffffff;

  for (gsize i = 0; i < len; i++)
    {
      crc ^= data[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xedb88320 & -(crc & 1));
    }
  return crc ^ 0xffffffff;
}

static void
append_be32 (GByteArray *array,
             guint32     value)
{
  guint8 be[4] = { value >> 24, value >> 16, value >> 8, value };

  g_byte_array_append (array, be, 4);
}

static void
append_chunk (GByteArray   *png,
              const char   *type,
              const guint8 *data,
              guint32       len)
{
  g_autoptr(GByteArray) body = g_byte_array_new ();

  g_byte_array_append (body, (const guint8 *) type, 4);
  if (len > 0)
    g_byte_array_append (body, data, len);
  append_be32 (png, len);
  g_byte_array_append (png, body->data, body->len);
  append_be32 (png, crc32_of (body->data, body->len));
}

/* A valid 57-byte PNG whose header claims @width × @height: signature, IHDR,
 * an empty IDAT and IEND. */
static char *
write_png_header_only (const char *name,
                       guint32     width,
                       guint32     height)
{
  static const guint8 signature[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  g_autoptr(GByteArray) png = g_byte_array_new ();
  g_autoptr(GByteArray) ihdr = g_byte_array_new ();
  const guint8 rest[] = { 8, 2, 0, 0, 0 };   /* 8 bits, RGB, deflate, no filter, not interlaced */

  append_be32 (ihdr, width);
  append_be32 (ihdr, height);
  g_byte_array_append (ihdr, rest, sizeof rest);

  g_byte_array_append (png, signature, sizeof signature);
  append_chunk (png, "IHDR", ihdr->data, ihdr->len);
  append_chunk (png, "IDAT", NULL, 0);
  append_chunk (png, "IEND", NULL, 0);
  g_assert_cmpuint (png->len, ==, 57);
  return write_file (name, png->data, png->len);
}

/* @pixbuf (RGB) as an interlaced PNG (Adam7), which gdk-pixbuf cannot write:
 * its decoder hands rows over again in each of seven passes. */
static char *
write_interlaced_png (const char *name,
                      GdkPixbuf  *pixbuf)
{
  static const guint8 signature[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  static const int passes[7][4] = {  /* x0, y0, dx, dy */
    { 0, 0, 8, 8 }, { 4, 0, 8, 8 }, { 0, 4, 4, 8 }, { 2, 0, 4, 4 }, { 0, 2, 2, 4 }, { 1, 0, 2, 2 }, { 0, 1, 1, 2 },
  };
  g_autoptr(GByteArray) png = g_byte_array_new ();
  g_autoptr(GByteArray) ihdr = g_byte_array_new ();
  g_autoptr(GByteArray) raw = g_byte_array_new ();
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB, 6);
  g_autoptr(GError) error = NULL;
  const guint8 rest[] = { 8, 2, 0, 0, 1 };   /* 8 bits, RGB, deflate, no filter, Adam7 */
  int width = gdk_pixbuf_get_width (pixbuf), height = gdk_pixbuf_get_height (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  const guint8 *pixels = gdk_pixbuf_read_pixels (pixbuf);
  gsize out_size = 0, bytes_read = 0, bytes_written = 0;
  g_autofree guint8 *out = NULL;

  g_assert_cmpint (gdk_pixbuf_get_n_channels (pixbuf), ==, 3);
  for (int p = 0; p < 7; p++)
    for (int y = passes[p][1]; y < height && passes[p][0] < width; y += passes[p][3])
      {
        const guint8 filter = 0;

        g_byte_array_append (raw, &filter, 1);
        for (int x = passes[p][0]; x < width; x += passes[p][2])
          g_byte_array_append (raw, pixels + (gsize) y * stride + (gsize) x * 3, 3);
      }

  out_size = raw->len + raw->len / 100 + 1024;
  out = g_malloc (out_size);
  g_assert_cmpint (g_converter_convert (G_CONVERTER (compressor), raw->data, raw->len, out, out_size,
                                        G_CONVERTER_INPUT_AT_END, &bytes_read, &bytes_written, &error),
                   ==, G_CONVERTER_FINISHED);
  g_assert_no_error (error);

  append_be32 (ihdr, width);
  append_be32 (ihdr, height);
  g_byte_array_append (ihdr, rest, sizeof rest);
  g_byte_array_append (png, signature, sizeof signature);
  append_chunk (png, "IHDR", ihdr->data, ihdr->len);
  append_chunk (png, "IDAT", out, bytes_written);
  append_chunk (png, "IEND", NULL, 0);
  return write_file (name, png->data, png->len);
}

/* The main loop */

static gboolean
wake_up (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
wait_for_load (CsImageView *view)
{
  gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  guint wake = g_timeout_add (10, wake_up, NULL);

  while (cs_image_view_get_state (view) == CS_IMAGE_VIEW_STATE_LOADING && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake);
  g_assert_cmpint (cs_image_view_get_state (view), !=, CS_IMAGE_VIEW_STATE_LOADING);
}

/* Until the finer levels that follow a load are built. */
static void
wait_for_refined (CsImageView *view)
{
  gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  guint wake = g_timeout_add (10, wake_up, NULL);

  while (cs_image_view_get_refining (view) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake);
  g_assert_false (cs_image_view_get_refining (view));
}

static CsImageView *
new_view_window (int         width,
                 int         height,
                 gboolean    scrolled,
                 GtkWindow **window_out)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *view = cs_image_view_new ();
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  gtk_window_set_title (GTK_WINDOW (window), "Image view test");
  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  if (scrolled)
    {
      GtkWidget *scroller = gtk_scrolled_window_new ();

      gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), view);
      gtk_window_set_child (GTK_WINDOW (window), scroller);
    }
  else
    gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_present (GTK_WINDOW (window));

  while ((gtk_widget_get_width (view) <= 0 || !gtk_widget_get_mapped (view)) && g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_cmpint (gtk_widget_get_width (view), >, 0);
  g_assert_true (cs_test_wait_for_frame (view, 10));

  *window_out = GTK_WINDOW (window);
  return CS_IMAGE_VIEW (view);
}

/* The widget as it was last painted, as 0xAARRGGBB pixels. */
static guint32 *
render_widget (GtkWidget *widget,
               int       *width,
               int       *height)
{
  g_assert_true (cs_test_wait_for_frame (widget, 10));
  return cs_test_render_pixels (widget, width, height);
}

static guint32 *
render_view (CsImageView *view,
             int         *width,
             int         *height)
{
  return render_widget (GTK_WIDGET (view), width, height);
}

/* Asserts the pixel under image point @x, @y is @r, @g, @b within 3. */
static void
assert_pixel_at (CsImageView   *view,
                 const guint32 *pixels,
                 int            width,
                 double         view_x,
                 double         view_y,
                 int            r,
                 int            g,
                 int            b)
{
  guint32 p = pixels[(gsize) floor (view_y) * width + (gsize) floor (view_x)];
  int pr = (p >> 16) & 0xff, pg = (p >> 8) & 0xff, pb = p & 0xff;

  if (ABS (pr - r) > 3 || ABS (pg - g) > 3 || ABS (pb - b) > 3)
    g_error ("Pixel at %.1f, %.1f is %d,%d,%d, not %d,%d,%d", view_x, view_y, pr, pg, pb, r, g, b);
}

static void
assert_image_pixel (CsImageView   *view,
                    const guint32 *pixels,
                    int            width,
                    double         x,
                    double         y,
                    int            r,
                    int            g,
                    int            b)
{
  double vx, vy;

  cs_image_view_image_to_view (view, x, y, &vx, &vy);
  assert_pixel_at (view, pixels, width, vx, vy, r, g, b);
}

/* The colour map */

static void
test_colormap_endpoints (void)
{
  guint8 rgba[4];

  g_assert_cmpuint (cs_colormap_viridis[0][0], ==, 68);
  g_assert_cmpuint (cs_colormap_viridis[0][1], ==, 1);
  g_assert_cmpuint (cs_colormap_viridis[0][2], ==, 84);
  g_assert_cmpuint (cs_colormap_viridis[255][0], ==, 253);
  g_assert_cmpuint (cs_colormap_viridis[255][1], ==, 231);
  g_assert_cmpuint (cs_colormap_viridis[255][2], ==, 37);

  g_assert_cmpuint (cs_colormap_index (0.0), ==, 0);
  g_assert_cmpuint (cs_colormap_index (-3.0), ==, 0);
  g_assert_cmpuint (cs_colormap_index (NAN), ==, 0);
  g_assert_cmpuint (cs_colormap_index (0.5), ==, 128);
  g_assert_cmpuint (cs_colormap_index (1.0), ==, 255);
  g_assert_cmpuint (cs_colormap_index (7.0), ==, 255);

  g_assert_true (cs_colormap_map (1.0, 0.0, rgba));
  g_assert_cmpuint (rgba[0], ==, 253);
  g_assert_cmpuint (rgba[1], ==, 231);
  g_assert_cmpuint (rgba[2], ==, 37);
  g_assert_cmpuint (rgba[3], ==, 255);
  g_assert_true (cs_colormap_map (0.0, 0.0, rgba));
  g_assert_cmpuint (rgba[0], ==, 68);
  g_assert_cmpuint (rgba[3], ==, 255);
}

/* Viridis grows lighter all the way. Rounded to 8 bits, four neighbouring
 * pairs tie or dip by under 0.0003 of luminance: invisible, and two entries
 * apart it always grows. */
static void
test_colormap_luminance (void)
{
  double first = cs_colormap_luminance (cs_colormap_viridis[0]);
  double last = cs_colormap_luminance (cs_colormap_viridis[255]);

  for (guint i = 1; i < CS_COLORMAP_N_ENTRIES; i++)
    g_assert_cmpfloat (cs_colormap_luminance (cs_colormap_viridis[i]), >=,
                       cs_colormap_luminance (cs_colormap_viridis[i - 1]) - 0.0005);
  for (guint i = 2; i < CS_COLORMAP_N_ENTRIES; i++)
    g_assert_cmpfloat (cs_colormap_luminance (cs_colormap_viridis[i]), >,
                       cs_colormap_luminance (cs_colormap_viridis[i - 2]));
  for (guint i = 16; i < CS_COLORMAP_N_ENTRIES; i += 16)
    g_assert_cmpfloat (cs_colormap_luminance (cs_colormap_viridis[i]), >,
                       cs_colormap_luminance (cs_colormap_viridis[i - 16]) + 0.01);
  g_assert_cmpfloat (last, >, 10 * first);
}

static void
test_colormap_threshold (void)
{
  const double grid[] = { 0.1, 0.9, NAN, 0.5 };
  guint8 rgba[4] = { 1, 2, 3, 4 };
  guint8 texels[2 * 4 * 2 * 4 * 4];
  const guint8 grey[] = { 0, 127, 128, 255 };
  guint8 mapped[4 * 4];
  gsize stride = 2 * 4 * 4;

  g_assert_false (cs_colormap_map (0.19, 0.2, rgba));
  g_assert_cmpuint (rgba[0] | rgba[1] | rgba[2] | rgba[3], ==, 0);
  g_assert_true (cs_colormap_map (0.2, 0.2, rgba));
  g_assert_cmpuint (rgba[3], ==, 255);
  g_assert_false (cs_colormap_map (NAN, 0.0, rgba));
  g_assert_cmpuint (rgba[3], ==, 0);

  /* A 2 × 2 grid in 4 × 4 blocks: hard edges, transparent under 0.5. */
  cs_colormap_render_grid (grid, 2, 2, 0.5, 4, texels, stride);
  for (int y = 0; y < 8; y++)
    for (int x = 0; x < 8; x++)
      {
        const guint8 *t = texels + y * stride + x * 4;
        int cell = (y / 4) * 2 + x / 4;

        if (cell == 1 || cell == 3)
          {
            g_assert_cmpuint (t[3], ==, 255);
            g_assert_cmpmem (t, 3, cs_colormap_viridis[cs_colormap_index (grid[cell])], 3);
          }
        else
          g_assert_cmpuint (t[0] | t[1] | t[2] | t[3], ==, 0);
      }

  cs_colormap_render_grey (grey, 4, 1, 4, 0.5, mapped, 16);
  g_assert_cmpuint (mapped[0 * 4 + 3], ==, 0);
  g_assert_cmpuint (mapped[1 * 4 + 3], ==, 0);    /* 127/255 < 0.5 */
  g_assert_cmpuint (mapped[2 * 4 + 3], ==, 255);  /* 128/255 ≥ 0.5 */
  g_assert_cmpmem (mapped + 3 * 4, 3, cs_colormap_viridis[255], 3);
}

/* The loader */

static void
test_level_for_zoom (void)
{
  g_assert_cmpuint (cs_image_level_for_zoom (5, 4.0), ==, 0);
  g_assert_cmpuint (cs_image_level_for_zoom (5, 1.0), ==, 0);
  g_assert_cmpuint (cs_image_level_for_zoom (5, 0.51), ==, 0);
  g_assert_cmpuint (cs_image_level_for_zoom (5, 0.5), ==, 1);
  g_assert_cmpuint (cs_image_level_for_zoom (5, 0.26), ==, 1);
  g_assert_cmpuint (cs_image_level_for_zoom (5, 0.25), ==, 2);
  g_assert_cmpuint (cs_image_level_for_zoom (5, 0.075), ==, 3);
  g_assert_cmpuint (cs_image_level_for_zoom (5, 0.001), ==, 4);
  g_assert_cmpuint (cs_image_level_for_zoom (1, 0.1), ==, 0);
  g_assert_cmpuint (cs_image_level_for_zoom (0, 0.1), ==, 0);
}

static void
test_check_size (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (cs_image_check_size (20000, 20000, NULL));
  g_assert_true (cs_image_check_size (65535, 6000, NULL));
  g_assert_false (cs_image_check_size (20000, 20001, NULL));
  g_assert_false (cs_image_check_size (65536, 1, NULL));
  g_assert_false (cs_image_check_size (100000, 100000, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "100000 × 100000"));
  g_clear_error (&error);
  g_assert_false (cs_image_check_size (0, 5, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_MALFORMED);
}

static void
loaded_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* Every level at once, or (@fit_width × @fit_height) down from the level
 * that fits. */
static CsImagePyramid *
load_pyramid_fitted (const char  *path,
                     int          fit_width,
                     int          fit_height,
                     GError     **error)
{
  g_autofree char *sha = sha256_of (path);
  g_autoptr(GAsyncResult) result = NULL;

  cs_image_load_async (path, sha, fit_width, fit_height, NULL, loaded_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return cs_image_load_finish (result, error);
}

static CsImagePyramid *
load_pyramid (const char  *path,
              GError     **error)
{
  return load_pyramid_fitted (path, 0, 0, error);
}

static CsImagePyramid *
refine_pyramid (CsImagePyramid  *pyramid,
                GError         **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cs_image_pyramid_refine_async (pyramid, NULL, loaded_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return cs_image_pyramid_refine_finish (result, error);
}

/* The red of texel @x, @y of a level's first tile (within it). */
static guint
level_red (const CsImageLevel *level,
           int                 x,
           int                 y)
{
  GdkTexture *tile = level->tiles[0];
  int width = gdk_texture_get_width (tile);
  g_autofree guint32 *texels = g_new (guint32, (gsize) width * gdk_texture_get_height (tile));

  gdk_texture_download (tile, (guchar *) texels, (gsize) width * 4);
  return (texels[(gsize) y * width + x] >> 16) & 0xff;
}

static void
test_pyramid (void)
{
  g_autofree char *odd = save_gradient (1999, 1001, "odd.jpg", "jpeg");
  g_autofree char *stripes_path = NULL;
  g_autoptr(CsImagePyramid) pyramid = NULL;
  g_autoptr(GdkPixbuf) stripes = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 1200, 2);
  g_autoptr(GError) error = NULL;
  const CsImageLevel *level;
  guint8 *row;
  guint8 texels[600 * 4];

  /* Halved with sides rounded up, until the longer side is 512 at most. */
  pyramid = load_pyramid (odd, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cs_image_pyramid_get_width (pyramid), ==, 1999);
  g_assert_cmpint (cs_image_pyramid_get_height (pyramid), ==, 1001);
  g_assert_cmpuint (cs_image_pyramid_get_n_levels (pyramid), ==, 3);
  level = cs_image_pyramid_get_level (pyramid, 0);
  g_assert_cmpuint (level->n_columns, ==, 2);
  g_assert_cmpuint (level->n_rows, ==, 1);
  g_assert_cmpint (gdk_texture_get_width (level->tiles[0]), ==, 1024);
  g_assert_cmpint (gdk_texture_get_width (level->tiles[1]), ==, 1999 - 1024);
  g_assert_cmpint (gdk_texture_get_height (level->tiles[1]), ==, 1001);
  level = cs_image_pyramid_get_level (pyramid, 1);
  g_assert_cmpint (level->width, ==, 1000);
  g_assert_cmpint (level->height, ==, 501);
  level = cs_image_pyramid_get_level (pyramid, 2);
  g_assert_cmpint (level->width, ==, 500);
  g_assert_cmpint (level->height, ==, 251);
  g_assert_cmpuint (cs_image_pyramid_get_n_tiles (pyramid), ==, 4);
  g_clear_pointer (&pyramid, cs_image_pyramid_unref);

  /* Columns of 0 and 200 average to 100 a level down (PNG: exact pixels). */
  for (int y = 0; y < 2; y++)
    {
      row = gdk_pixbuf_get_pixels (stripes) + y * gdk_pixbuf_get_rowstride (stripes);
      for (int x = 0; x < 1200; x++)
        memset (row + x * 3, x % 2 ? 200 : 0, 3);
    }
  stripes_path = save_pixbuf (stripes, "stripes.png", "png");
  pyramid = load_pyramid (stripes_path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cs_image_pyramid_get_n_levels (pyramid), ==, 3);  /* 1200, 600, 300 */
  level = cs_image_pyramid_get_level (pyramid, 1);
  g_assert_cmpint (level->width, ==, 600);
  g_assert_cmpint (level->height, ==, 1);
  gdk_texture_download (level->tiles[0], texels, sizeof texels);
  for (int x = 0; x < 600; x++)
    {
      guint32 p = ((guint32 *) (void *) texels)[x];
      g_assert_cmpuint ((p >> 16) & 0xff, ==, 100);
      g_assert_cmpuint (p >> 24, ==, 255);
    }
}

static void
test_coarse_first (void)
{
  g_autofree char *jpeg = save_gradient (2048, 1536, "coarse.jpg", "jpeg");
  g_autofree char *stripes_path = NULL;
  g_autoptr(CsImagePyramid) pyramid = NULL;
  g_autoptr(CsImagePyramid) refined = NULL;
  g_autoptr(CsImagePyramid) whole = NULL;
  g_autoptr(GdkPixbuf) stripes = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 2400, 8);
  g_autoptr(GError) error = NULL;
  const CsImageLevel *level;
  guint decodes = cs_image_loader_get_n_decodes ();

  /* A JPEG fitted into 300²: zoom 0.146, level 2 of 2048, 1024, 512. It is
   * decoded straight at a quarter, and the finer levels wait. */
  pyramid = load_pyramid_fitted (jpeg, 300, 300, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cs_image_loader_get_n_decodes () - decodes, ==, 1);
  g_assert_cmpint (cs_image_pyramid_get_width (pyramid), ==, 2048);
  g_assert_cmpint (cs_image_pyramid_get_height (pyramid), ==, 1536);
  g_assert_cmpuint (cs_image_pyramid_get_n_levels (pyramid), ==, 3);
  g_assert_false (cs_image_pyramid_is_complete (pyramid));
  g_assert_false (cs_image_pyramid_has_level (pyramid, 0));
  g_assert_false (cs_image_pyramid_has_level (pyramid, 1));
  g_assert_true (cs_image_pyramid_has_level (pyramid, 2));
  level = cs_image_pyramid_get_level (pyramid, 0);
  g_assert_cmpint (level->width, ==, 2048);
  g_assert_cmpuint (level->n_columns, ==, 0);
  g_assert_null (level->tiles);
  level = cs_image_pyramid_get_level (pyramid, 2);
  g_assert_cmpint (level->width, ==, 512);
  g_assert_cmpint (level->height, ==, 384);
  g_assert_cmpuint (cs_image_pyramid_get_n_tiles (pyramid), ==, 1);

  /* The scaled decode is the same picture the whole one halves to: red
   * grows to the right (within JPEG's error). */
  whole = load_pyramid (jpeg, &error);
  g_assert_no_error (error);
  for (int x = 0; x < 512; x += 73)
    {
      int a = (int) level_red (cs_image_pyramid_get_level (pyramid, 2), x, 200);
      int b = (int) level_red (cs_image_pyramid_get_level (whole, 2), x, 200);

      g_assert_cmpint (ABS (a - b), <=, 6);
    }

  /* Refining decodes the whole file and keeps the coarse level's tiles. */
  decodes = cs_image_loader_get_n_decodes ();
  refined = refine_pyramid (pyramid, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cs_image_loader_get_n_decodes () - decodes, ==, 1);
  g_assert_true (cs_image_pyramid_is_complete (refined));
  g_assert_cmpuint (cs_image_pyramid_get_n_tiles (refined), ==, 4 + 1 + 1);
  g_assert_cmpuint (cs_image_pyramid_get_level (refined, 0)->n_columns, ==, 2);
  g_assert_cmpint (cs_image_pyramid_get_level (refined, 1)->width, ==, 1024);
  g_assert_true (cs_image_pyramid_get_level (refined, 2)->tiles[0] ==
                 cs_image_pyramid_get_level (pyramid, 2)->tiles[0]);
  g_clear_pointer (&pyramid, cs_image_pyramid_unref);
  g_clear_pointer (&refined, cs_image_pyramid_unref);

  /* A PNG decodes whole, so level 0 is there at once; level 2 is averaged
   * from it in one pass (0 and 200 in 4 × 4 boxes: 100) and level 1 waits. */
  for (int y = 0; y < 8; y++)
    {
      guint8 *row = gdk_pixbuf_get_pixels (stripes) + y * gdk_pixbuf_get_rowstride (stripes);

      for (int x = 0; x < 2400; x++)
        memset (row + x * 3, x % 2 ? 200 : 0, 3);
    }
  stripes_path = save_pixbuf (stripes, "coarse-stripes.png", "png");
  decodes = cs_image_loader_get_n_decodes ();
  pyramid = load_pyramid_fitted (stripes_path, 600, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cs_image_pyramid_get_n_levels (pyramid), ==, 4);  /* 2400, 1200, 600, 300 */
  g_assert_true (cs_image_pyramid_has_level (pyramid, 0));
  g_assert_false (cs_image_pyramid_has_level (pyramid, 1));
  g_assert_true (cs_image_pyramid_has_level (pyramid, 2));
  g_assert_true (cs_image_pyramid_has_level (pyramid, 3));
  level = cs_image_pyramid_get_level (pyramid, 2);
  g_assert_cmpint (level->width, ==, 600);
  g_assert_cmpint (level->height, ==, 2);
  for (int x = 0; x < 600; x += 37)
    g_assert_cmpuint (level_red (level, x, 1), ==, 100);

  refined = refine_pyramid (pyramid, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cs_image_loader_get_n_decodes () - decodes, ==, 1);
  g_assert_true (cs_image_pyramid_is_complete (refined));
  level = cs_image_pyramid_get_level (refined, 1);
  g_assert_cmpint (level->width, ==, 1200);
  g_assert_cmpint (level->height, ==, 4);
  for (int x = 0; x < CS_IMAGE_TILE_SIZE; x += 37)
    g_assert_cmpuint (level_red (level, x, 3), ==, 100);
  g_assert_true (cs_image_pyramid_get_level (refined, 0)->tiles[2] ==
                 cs_image_pyramid_get_level (pyramid, 0)->tiles[2]);
}

/* Level @level of @pyramid (one tile) is @pixbuf averaged over boxes of
 * 2^@level × 2^@level pixels, exactly. */
static void
assert_box_average (CsImagePyramid *pyramid,
                    guint           level_index,
                    GdkPixbuf      *pixbuf)
{
  const CsImageLevel *level = cs_image_pyramid_get_level (pyramid, level_index);
  int f = 1 << level_index;
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  const guint8 *pixels = gdk_pixbuf_read_pixels (pixbuf);
  g_autofree guint32 *texels = NULL;

  g_assert_cmpuint (level->n_columns, ==, 1);
  g_assert_cmpuint (level->n_rows, ==, 1);
  texels = g_new (guint32, (gsize) level->width * level->height);
  gdk_texture_download (level->tiles[0], (guchar *) texels, (gsize) level->width * 4);
  for (int y = 0; y < level->height; y++)
    for (int x = 0; x < level->width; x++)
      for (int c = 0; c < 3; c++)
        {
          guint sum = 0;

          for (int sy = y * f; sy < (y + 1) * f; sy++)
            for (int sx = x * f; sx < (x + 1) * f; sx++)
              sum += pixels[(gsize) sy * stride + sx * 3 + c];
          if ((texels[(gsize) y * level->width + x] >> (16 - 8 * c) & 0xff) != (sum + f * f / 2) / (f * f))
            g_error ("texel %d, %d, channel %d: %u, not %u", x, y, c,
                     texels[(gsize) y * level->width + x] >> (16 - 8 * c) & 0xff, (sum + f * f / 2) / (f * f));
        }
}

/* A PNG's coarse level is averaged band by band while it decodes: the noise
 * makes a file of several megabytes, so the decoder hands its rows over in
 * several parts. An interlaced one hands them over again in each pass, and
 * is averaged once decoded. Both give the plain average. */
static void
test_reduce_while_decoding (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(GdkPixbuf) noise = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 1600, 1200);
  g_autofree char *path = NULL, *interlaced = NULL;
  g_autoptr(GError) error = NULL;
  guint8 *pixels = gdk_pixbuf_get_pixels (noise);
  int stride = gdk_pixbuf_get_rowstride (noise);

  for (int y = 0; y < 1200; y++)
    for (int x = 0; x < 1600 * 3; x++)
      pixels[(gsize) y * stride + x] = (guint8) g_rand_int (rand);
  path = save_pixbuf (noise, "noise.png", "png");
  interlaced = write_interlaced_png ("noise-interlaced.png", noise);

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(CsImagePyramid) pyramid = NULL;
      g_autoptr(CsImagePyramid) refined = NULL;
      gsize size = 0;
      g_autofree char *data = NULL;

      g_assert_true (g_file_get_contents (i == 0 ? path : interlaced, &data, &size, NULL));
      g_test_message ("%s PNG of %.1f MB", i == 0 ? "A plain" : "An interlaced", size / 1e6);
      g_assert_cmpuint (size, >, 3 * 1024 * 1024);

      /* 1600, 800, 400; fitted into 400 × 300, level 2. */
      pyramid = load_pyramid_fitted (i == 0 ? path : interlaced, 400, 300, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (cs_image_pyramid_get_n_levels (pyramid), ==, 3);
      g_assert_true (cs_image_pyramid_has_level (pyramid, 0));
      g_assert_false (cs_image_pyramid_has_level (pyramid, 1));
      assert_box_average (pyramid, 2, noise);

      refined = refine_pyramid (pyramid, &error);
      g_assert_no_error (error);
      g_assert_true (cs_image_pyramid_is_complete (refined));
      assert_box_average (refined, 2, noise);
    }
}

/* The view */

static void
test_small_images (void)
{
  struct { const char *name; const char *type; gboolean alpha; } cases[] = {
    { "small.png", "png", FALSE },
    { "small-alpha.png", "png", TRUE },
    { "small.jpg", "jpeg", FALSE },
    { "small.tiff", "tiff", FALSE },
  };
  GtkWindow *window;
  CsImageView *view = new_view_window (800, 600, FALSE, &window);

  gtk_test_accessible_assert_role (view, GTK_ACCESSIBLE_ROLE_IMG);
  cs_image_view_set_label (view, "Lesion photograph");
  gtk_test_accessible_assert_property (view, GTK_ACCESSIBLE_PROPERTY_LABEL, "Lesion photograph");
  g_assert_cmpint (cs_image_view_get_state (view), ==, CS_IMAGE_VIEW_STATE_EMPTY);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GdkPixbuf) pixbuf = gradient (300, 200, cases[i].alpha);
      g_autofree char *path = save_pixbuf (pixbuf, cases[i].name, cases[i].type);
      g_autofree char *sha = sha256_of (path);
      int width = 0, height = 0;

      cs_image_view_load_file (view, path, sha);
      g_assert_cmpint (cs_image_view_get_state (view), ==, CS_IMAGE_VIEW_STATE_LOADING);
      wait_for_load (view);
      g_assert_cmpstr (cs_image_view_get_error_message (view), ==, NULL);
      g_assert_cmpint (cs_image_view_get_state (view), ==, CS_IMAGE_VIEW_STATE_READY);
      cs_image_view_get_image_size (view, &width, &height);
      g_assert_cmpint (width, ==, 300);
      g_assert_cmpint (height, ==, 200);
      g_assert_cmpuint (cs_image_view_get_n_levels (view), ==, 1);
      g_assert_cmpuint (cs_image_view_get_n_tiles (view), ==, 1);

      g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (view), 10));
      g_assert_true (cs_image_view_get_fit (view));
      /* Fitting scales a small image up to the view. */
      g_assert_cmpfloat_with_epsilon (cs_image_view_get_zoom (view),
                                      MIN (gtk_widget_get_width (GTK_WIDGET (view)) / 300.0,
                                           gtk_widget_get_height (GTK_WIDGET (view)) / 200.0), 1e-9);
      g_assert_cmpuint (cs_image_view_get_level (view), ==, 0);
      g_assert_cmpuint (cs_image_view_get_visible_tile_count (view), ==, 1);
    }

  gtk_test_accessible_assert_property (view, GTK_ACCESSIBLE_PROPERTY_LABEL, "Lesion photograph");
  cs_image_view_clear (view);
  g_assert_cmpint (cs_image_view_get_state (view), ==, CS_IMAGE_VIEW_STATE_EMPTY);
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (view), 10));
  g_assert_cmpuint (cs_image_view_get_visible_tile_count (view), ==, 0);
  gtk_window_destroy (window);
}

typedef struct
{
  gint64 last;
  gint64 max_gap;
  gint64 max_gap_at;   /* when it ended */
} Ticker;

static gboolean
tick_cb (gpointer data)
{
  Ticker *ticker = data;
  gint64 now = g_get_monotonic_time ();

  if (ticker->last != 0 && now - ticker->last > ticker->max_gap)
    {
      ticker->max_gap = now - ticker->last;
      ticker->max_gap_at = now;
    }
  ticker->last = now;
  return G_SOURCE_CONTINUE;
}

static guint
expected_tiles (CsImageView *view,
                int          level_width,
                int          level_height,
                double       factor)
{
  double ox, oy, width = gtk_widget_get_width (GTK_WIDGET (view)), height = gtk_widget_get_height (GTK_WIDGET (view));
  double x0, y0, x1, y1;

  /* The part of the level on screen, in level pixels. */
  cs_image_view_image_to_view (view, 0, 0, &ox, &oy);
  x0 = MAX (0, -ox / factor);
  y0 = MAX (0, -oy / factor);
  x1 = MIN (level_width, (width - ox) / factor);
  y1 = MIN (level_height, (height - oy) / factor);
  return (guint) ((floor ((x1 - 1e-6) / CS_IMAGE_TILE_SIZE) - floor (x0 / CS_IMAGE_TILE_SIZE) + 1) *
                  (floor ((y1 - 1e-6) / CS_IMAGE_TILE_SIZE) - floor (y0 / CS_IMAGE_TILE_SIZE) + 1));
}

static void
test_large_image (void)
{
  Ticker during = { 0, 0, 0 }, after = { 0, 0, 0 }, actual = { 0, 0, 0 };
  GtkWindow *window;
  CsImageView *view;
  GtkAdjustment *hadjustment, *vadjustment;
  gint64 start, loaded;
  guint tick;
  int width, height;
  double fit, zoom;
  guint n_levels, level, bound, expected;

  ensure_big_image ();
  view = new_view_window (800, 600, TRUE, &window);
  width = gtk_widget_get_width (GTK_WIDGET (view));
  height = gtk_widget_get_height (GTK_WIDGET (view));
  g_test_message ("The view is %d × %d", width, height);

  /* How long the main thread is blocked while the worker decodes 8000². */
  tick = g_timeout_add (10, tick_cb, &during);
  start = g_get_monotonic_time ();
  cs_image_view_load_file (view, big_path, big_sha);
  wait_for_load (view);
  loaded = g_get_monotonic_time ();
  g_source_remove (tick);
  g_assert_cmpstr (cs_image_view_get_error_message (view), ==, NULL);
  g_assert_cmpint (cs_image_view_get_state (view), ==, CS_IMAGE_VIEW_STATE_READY);

  /* … and while the first frames upload what they show. */
  tick = g_timeout_add (10, tick_cb, &after);
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (view), 10));
  cs_test_iterate_for (300);
  g_source_remove (tick);
  g_test_message ("Loaded %d² in %.2f s; longest main-thread gap: %.1f ms while loading, %.1f ms over the first "
                  "frames", BIG_SIDE, (loaded - start) / 1e6, during.max_gap / 1e3, after.max_gap / 1e3);
  g_printerr ("# main-thread gap, %d² load: %.1f ms while loading (%.2f s; the longest ended %.0f ms in), "
              "%.1f ms over the first frames\n", BIG_SIDE, during.max_gap / 1e3, (loaded - start) / 1e6,
              (during.max_gap_at - start) / 1e3, after.max_gap / 1e3);

  /* 8000, 4000, 2000, 1000, 500, once the finer levels are built too. */
  wait_for_refined (view);
  n_levels = cs_image_view_get_n_levels (view);
  g_assert_cmpuint (n_levels, ==, 5);
  g_assert_cmpuint (cs_image_view_get_n_tiles (view), ==, 64 + 16 + 4 + 1 + 1);

  /* Fit: the level whose pixels are at most twice the screen's. */
  fit = MIN (width / (double) BIG_SIDE, height / (double) BIG_SIDE);
  g_assert_true (cs_image_view_get_fit (view));
  g_assert_cmpfloat_with_epsilon (cs_image_view_get_zoom (view), fit, 1e-9);
  level = (guint) floor (log2 (1 / fit));
  g_assert_cmpuint (cs_image_view_get_level (view), ==, level);
  g_assert_cmpuint (cs_image_view_get_level (view), ==, cs_image_level_for_zoom (n_levels, fit));
  g_assert_cmpuint (cs_image_view_get_visible_tile_count (view), ==, 1);

  /* 1:1, about the centre: level 0, and only the tiles under the view. Its
   * first frame uploads them. */
  tick = g_timeout_add (10, tick_cb, &actual);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "image.zoom-actual", NULL));
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (view), 10));
  cs_test_iterate_for (100);
  g_source_remove (tick);
  g_printerr ("# main-thread gap, first frame at 1:1 (4 tiles of 1024² to upload): %.1f ms\n", actual.max_gap / 1e3);
  g_assert_false (cs_image_view_get_fit (view));
  g_assert_cmpfloat (cs_image_view_get_zoom (view), ==, 1.0);
  g_assert_cmpuint (cs_image_view_get_level (view), ==, 0);
  bound = (guint) ((ceil (width / (double) CS_IMAGE_TILE_SIZE) + 1) * (ceil (height / (double) CS_IMAGE_TILE_SIZE) + 1));
  expected = expected_tiles (view, BIG_SIDE, BIG_SIDE, 1.0);
  g_test_message ("1:1: %u tiles drawn, %u expected, at most %u, of %u on the level",
                  cs_image_view_get_visible_tile_count (view), expected, bound, 64);
  g_assert_cmpuint (cs_image_view_get_visible_tile_count (view), ==, expected);
  g_assert_cmpuint (cs_image_view_get_visible_tile_count (view), <=, bound);
  g_assert_cmpuint (cs_image_view_get_visible_tile_count (view), <, 64 / 8);

  /* The scrolled window's adjustments pan it: the top left corner is one tile. */
  hadjustment = gtk_scrollable_get_hadjustment (GTK_SCROLLABLE (view));
  vadjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (view));
  g_assert_cmpfloat (gtk_adjustment_get_upper (hadjustment), ==, BIG_SIDE);
  g_assert_cmpfloat_with_epsilon (gtk_adjustment_get_value (hadjustment), (BIG_SIDE - width) / 2.0, 1e-6);
  gtk_adjustment_set_value (hadjustment, 0);
  gtk_adjustment_set_value (vadjustment, 0);
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (view), 10));
  g_assert_cmpuint (cs_image_view_get_visible_tile_count (view), ==, 1);
  gtk_adjustment_set_value (hadjustment, BIG_SIDE);
  gtk_adjustment_set_value (vadjustment, BIG_SIDE);
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (view), 10));
  g_assert_cmpfloat (gtk_adjustment_get_value (hadjustment), ==, BIG_SIDE - width);
  g_assert_cmpuint (cs_image_view_get_visible_tile_count (view), ==, expected_tiles (view, BIG_SIDE, BIG_SIDE, 1.0));

  /* Zooming out walks down the pyramid, always the level the zoom asks for. */
  zoom = cs_image_view_get_zoom (view);
  for (int i = 0; i < 8; i++)
    {
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "image.zoom-out", NULL));
      g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (view), 10));
      g_assert_cmpfloat (cs_image_view_get_zoom (view), <, zoom);
      g_assert_cmpfloat (cs_image_view_get_zoom (view), >=, fit - 1e-9);
      zoom = cs_image_view_get_zoom (view);
      level = cs_image_level_for_zoom (n_levels, zoom);
      g_assert_cmpuint (cs_image_view_get_level (view), ==, level);
      g_assert_cmpuint (cs_image_view_get_visible_tile_count (view), <=, bound);
      g_assert_cmpuint (cs_image_view_get_visible_tile_count (view), ==,
                        expected_tiles (view, BIG_SIDE >> level, BIG_SIDE >> level, zoom * (1 << level)));
    }
  /* Not past fitting. */
  g_assert_cmpfloat_with_epsilon (cs_image_view_get_zoom (view), fit, 1e-9);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "image.zoom-in", NULL));
  g_assert_cmpfloat_with_epsilon (cs_image_view_get_zoom (view), fit * G_SQRT2, 1e-9);
  cs_image_view_set_zoom (view, 0.5);
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (view), 10));
  g_assert_cmpuint (cs_image_view_get_level (view), ==, 1);
  cs_image_view_set_zoom (view, 100);
  g_assert_cmpfloat (cs_image_view_get_zoom (view), ==, 16);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "image.zoom-fit", NULL));
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (view), 10));
  g_assert_true (cs_image_view_get_fit (view));
  g_assert_cmpfloat_with_epsilon (cs_image_view_get_zoom (view), fit, 1e-9);
  g_assert_cmpuint (cs_image_view_get_visible_tile_count (view), ==, 1);

  /* Fitting follows the window. */
  gtk_window_set_default_size (window, 500, 400);
  cs_test_iterate_for (200);
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (view), 10));
  if (gtk_widget_get_width (GTK_WIDGET (view)) != width)
    g_assert_cmpfloat_with_epsilon (cs_image_view_get_zoom (view),
                                    MIN (gtk_widget_get_width (GTK_WIDGET (view)),
                                         gtk_widget_get_height (GTK_WIDGET (view))) / (double) BIG_SIDE, 1e-9);

  gtk_window_destroy (window);
}

static void
assert_load_fails (CsImageView *view,
                   const char  *path,
                   const char  *sha,
                   const char  *words,
                   gboolean     decodes)
{
  guint decodes_before = cs_image_loader_get_n_decodes ();
  gint64 start = g_get_monotonic_time ();

  cs_image_view_load_file (view, path, sha);
  wait_for_load (view);
  g_test_message ("%s: “%s” in %.1f ms", path, cs_image_view_get_error_message (view),
                  (g_get_monotonic_time () - start) / 1e3);
  g_assert_cmpint (cs_image_view_get_state (view), ==, CS_IMAGE_VIEW_STATE_ERROR);
  g_assert_nonnull (cs_image_view_get_error_message (view));
  if (strstr (cs_image_view_get_error_message (view), words) == NULL)
    g_error ("“%s” does not say “%s”", cs_image_view_get_error_message (view), words);
  g_assert_cmpuint (cs_image_loader_get_n_decodes () - decodes_before, ==, decodes ? 1 : 0);
  gtk_test_accessible_assert_property (view, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       cs_image_view_get_error_message (view));
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (view), 10));
  g_assert_cmpuint (cs_image_view_get_visible_tile_count (view), ==, 0);
}

static void
test_errors (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  const struct { const char *name; const char *type; gboolean decodes; } cut[] = {
    { "whole.png", "png", FALSE },
    { "whole.tiff", "tiff", FALSE },
  };
  guint8 noise[4096];
  g_autofree char *corrupt = NULL, *corrupt_sha = NULL;
  g_autofree char *jpeg = save_gradient (640, 480, "whole.jpg", "jpeg");
  g_autofree char *jpeg_data = NULL;
  g_autofree char *truncated = NULL, *truncated_sha = NULL;
  g_autofree char *png = save_gradient (64, 64, "fine.png", "png");
  g_autofree char *bmp = save_gradient (64, 64, "fine.bmp", "bmp");
  g_autofree char *bmp_sha = sha256_of (bmp);
  g_autofree char *huge = write_png_header_only ("huge.png", 100000, 100000);
  g_autofree char *huge_sha = sha256_of (huge);
  g_autofree char *missing = tmp_path ("missing.png");
  g_autofree char *good_sha = NULL;
  GtkWindow *window;
  CsImageView *view = new_view_window (400, 300, FALSE, &window);
  gsize len = 0;
  gint64 start;

  for (guint i = 0; i < sizeof noise; i++)
    noise[i] = (guint8) g_rand_int (rand);
  corrupt = write_file ("corrupt.png", noise, sizeof noise);
  corrupt_sha = sha256_of (corrupt);
  assert_load_fails (view, corrupt, corrupt_sha, "damaged", FALSE);

  /* The header is fine, the body stops short. gdk-pixbuf would show a JPEG
   * or PNG with its lower part blank: the loader sees the end is missing
   * before decoding; a TIFF's header cannot be read without its end. */
  g_assert_true (g_file_get_contents (jpeg, &jpeg_data, &len, NULL));
  truncated = write_file ("truncated.jpg", (const guint8 *) jpeg_data, len * 2 / 5);
  truncated_sha = sha256_of (truncated);
  assert_load_fails (view, truncated, truncated_sha, "damaged", FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (cut); i++)
    {
      g_autofree char *whole = save_gradient (640, 480, cut[i].name, cut[i].type);
      g_autofree char *data = NULL;
      g_autofree char *name = g_strconcat ("cut-", cut[i].name, NULL);
      g_autofree char *cut_path = NULL, *cut_sha = NULL;

      g_assert_true (g_file_get_contents (whole, &data, &len, NULL));
      cut_path = write_file (name, (const guint8 *) data, len * 2 / 5);
      cut_sha = sha256_of (cut_path);
      assert_load_fails (view, cut_path, cut_sha, "damaged", cut[i].decodes);
    }

  /* Whole, but a byte of its pixels flipped: libpng finds the CRC wrong. */
  {
    g_autofree char *whole = save_gradient (640, 480, "flipped.png", "png");
    g_autofree char *data = NULL;
    g_autofree char *flipped = NULL, *flipped_sha = NULL;

    g_assert_true (g_file_get_contents (whole, &data, &len, NULL));
    data[len / 2] ^= 0x55;
    flipped = write_file ("flipped.png", (const guint8 *) data, len);
    flipped_sha = sha256_of (flipped);
    assert_load_fails (view, flipped, flipped_sha, "damaged", TRUE);
  }

  /* A good image, but not the one the case names: decoded beside the hash
   * check, never shown. */
  good_sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "something else", -1);
  assert_load_fails (view, png, good_sha, "does not match the case", TRUE);

  assert_load_fails (view, bmp, bmp_sha, "format Countersign does not open", FALSE);
  assert_load_fails (view, missing, good_sha, "missing or unreadable", FALSE);

  /* 100000² from the header alone, at once. */
  start = g_get_monotonic_time ();
  assert_load_fails (view, huge, huge_sha, "100000 × 100000 pixels, too large to open safely", FALSE);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC / 2);

  /* And after all that, a good one still opens. */
  g_free (good_sha);
  good_sha = sha256_of (png);
  cs_image_view_load_file (view, png, good_sha);
  wait_for_load (view);
  g_assert_cmpint (cs_image_view_get_state (view), ==, CS_IMAGE_VIEW_STATE_READY);
  g_assert_cmpstr (cs_image_view_get_error_message (view), ==, NULL);
  gtk_window_destroy (window);
}

typedef struct
{
  guint    n_ready;
  guint    n_error;
  gboolean refining;
  guint    n_tiles;
  guint    fit_level;
  guint    zoomed_level;
  guint    zoomed_tiles;
} Arrival;

/* At the moment the view turns ready, before any later result can arrive:
 * what it has, and what a frame at 1:1 draws then. */
static void
arrival_state_cb (CsImageView *view,
                  GParamSpec  *pspec,
                  Arrival     *arrival)
{
  g_autoptr(GskRenderNode) node = NULL;
  GtkSnapshot *snapshot;

  if (cs_image_view_get_state (view) == CS_IMAGE_VIEW_STATE_ERROR)
    arrival->n_error++;
  if (cs_image_view_get_state (view) != CS_IMAGE_VIEW_STATE_READY)
    return;
  arrival->n_ready++;
  arrival->refining = cs_image_view_get_refining (view);
  arrival->n_tiles = cs_image_view_get_n_tiles (view);
  arrival->fit_level = cs_image_level_for_zoom (cs_image_view_get_n_levels (view), cs_image_view_get_zoom (view));

  cs_image_view_set_zoom (view, 1.0);
  snapshot = gtk_snapshot_new ();
  GTK_WIDGET_GET_CLASS (view)->snapshot (GTK_WIDGET (view), snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  arrival->zoomed_level = cs_image_view_get_level (view);
  arrival->zoomed_tiles = cs_image_view_get_visible_tile_count (view);
}

static void
test_coarse_then_fine (void)
{
  /* 4096, 2048, 1024, 512; in 800 × 600, fitting draws level 2. */
  g_autofree char *path = save_gradient (4096, 3072, "fine.jpg", "jpeg");
  g_autofree char *sha = sha256_of (path);
  Arrival arrival = { 0, };
  GtkWindow *window;
  CsImageView *view = new_view_window (800, 600, FALSE, &window);
  gulong handler;

  handler = g_signal_connect (view, "notify::state", G_CALLBACK (arrival_state_cb), &arrival);
  cs_image_view_load_file (view, path, sha);
  wait_for_load (view);
  g_signal_handler_disconnect (view, handler);
  g_assert_cmpstr (cs_image_view_get_error_message (view), ==, NULL);
  g_assert_cmpuint (arrival.n_ready, ==, 1);

  /* Ready with the level that fits and the coarser one, nothing finer. */
  g_assert_cmpuint (arrival.fit_level, ==, 2);
  g_assert_true (arrival.refining);
  g_assert_cmpuint (arrival.n_tiles, ==, 1 + 1);
  /* Zoomed in before the finer levels exist, the fitting level stands in. */
  g_assert_cmpuint (arrival.zoomed_level, ==, 2);
  g_assert_cmpuint (arrival.zoomed_tiles, ==, 1);

  /* The finer levels arrive, and 1:1 draws level 0's tiles under the view. */
  wait_for_refined (view);
  g_assert_cmpint (cs_image_view_get_state (view), ==, CS_IMAGE_VIEW_STATE_READY);
  g_assert_cmpuint (cs_image_view_get_n_tiles (view), ==, 4 * 3 + 2 * 2 + 1 + 1);
  g_assert_cmpfloat (cs_image_view_get_zoom (view), ==, 1.0);
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (view), 10));
  g_assert_cmpuint (cs_image_view_get_level (view), ==, 0);
  g_assert_cmpuint (cs_image_view_get_visible_tile_count (view), ==, expected_tiles (view, 4096, 3072, 1.0));
  g_assert_cmpuint (cs_image_view_get_visible_tile_count (view), >, 1);

  /* A new load while refining: the old pyramid never comes back. */
  cs_image_view_load_file (view, path, sha);
  wait_for_load (view);
  g_assert_true (cs_image_view_get_refining (view));
  cs_image_view_clear (view);
  g_assert_false (cs_image_view_get_refining (view));
  cs_test_iterate_for (500);
  g_assert_cmpint (cs_image_view_get_state (view), ==, CS_IMAGE_VIEW_STATE_EMPTY);
  g_assert_cmpuint (cs_image_view_get_n_tiles (view), ==, 0);
  gtk_window_destroy (window);
}

/* The hash is checked beside a fast, scaled decode: a file that is not the
 * case's is decoded, but never ready, never drawn. */
static void
test_mismatch_after_decode (void)
{
  g_autofree char *path = save_gradient (4096, 3072, "other.jpg", "jpeg");
  g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "the case's own image", -1);
  Arrival arrival = { 0, };
  GtkWindow *window;
  CsImageView *view = new_view_window (800, 600, FALSE, &window);
  guint decodes = cs_image_loader_get_n_decodes ();
  gulong handler;

  handler = g_signal_connect (view, "notify::state", G_CALLBACK (arrival_state_cb), &arrival);
  cs_image_view_load_file (view, path, sha);
  wait_for_load (view);
  g_assert_cmpuint (cs_image_loader_get_n_decodes () - decodes, ==, 1);
  cs_test_iterate_for (300);
  g_signal_handler_disconnect (view, handler);

  g_assert_cmpuint (arrival.n_ready, ==, 0);
  g_assert_cmpuint (arrival.n_error, ==, 1);
  g_assert_cmpint (cs_image_view_get_state (view), ==, CS_IMAGE_VIEW_STATE_ERROR);
  g_assert_nonnull (strstr (cs_image_view_get_error_message (view), "does not match the case"));
  g_assert_false (cs_image_view_get_refining (view));
  g_assert_cmpuint (cs_image_view_get_n_tiles (view), ==, 0);
  /* No refining started either: still the one decode. */
  g_assert_cmpuint (cs_image_loader_get_n_decodes () - decodes, ==, 1);
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (view), 10));
  g_assert_cmpuint (cs_image_view_get_visible_tile_count (view), ==, 0);
  gtk_window_destroy (window);
}

static void
test_cancel (void)
{
  g_autofree char *small = save_gradient (200, 100, "cancel.png", "png");
  g_autofree char *small_sha = sha256_of (small);
  GtkWindow *window;
  CsImageView *view;
  int width = 0, height = 0;

  ensure_big_image ();

  /* A new file replaces the one in flight, which never shows. */
  view = new_view_window (400, 300, FALSE, &window);
  cs_image_view_load_file (view, big_path, big_sha);
  cs_image_view_load_file (view, small, small_sha);
  wait_for_load (view);
  g_assert_cmpint (cs_image_view_get_state (view), ==, CS_IMAGE_VIEW_STATE_READY);
  cs_test_iterate_for (1500);
  cs_image_view_get_image_size (view, &width, &height);
  g_assert_cmpint (width, ==, 200);
  g_assert_cmpint (height, ==, 100);
  g_assert_cmpint (cs_image_view_get_state (view), ==, CS_IMAGE_VIEW_STATE_READY);

  /* The load holds no reference: the view goes when its window does. */
  cs_image_view_load_file (view, big_path, big_sha);
  g_object_add_weak_pointer (G_OBJECT (view), (gpointer *) &view);
  gtk_window_destroy (window);
  cs_test_iterate_for (50);
  g_assert_null (view);
  cs_test_iterate_for (1500);
}

/* The legend of the overlay window. */
#define TEST_TYPE_COLOR_BAR (test_color_bar_get_type ())
G_DECLARE_FINAL_TYPE (TestColorBar, test_color_bar, TEST, COLOR_BAR, GtkWidget)

struct _TestColorBar
{
  GtkWidget parent_instance;
};

G_DEFINE_FINAL_TYPE (TestColorBar, test_color_bar, GTK_TYPE_WIDGET)

static void
test_color_bar_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  cs_colormap_draw_bar (snapshot, gtk_widget_get_width (widget), gtk_widget_get_height (widget));
}

static void
test_color_bar_class_init (TestColorBarClass *klass)
{
  GTK_WIDGET_CLASS (klass)->snapshot = test_color_bar_snapshot;
}

static void
test_color_bar_init (TestColorBar *self)
{
  gtk_widget_set_size_request (GTK_WIDGET (self), 160, 12);
  gtk_widget_set_valign (GTK_WIDGET (self), GTK_ALIGN_CENTER);
}

static void
test_heatmap_pixels (void)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 200, 100);
  g_autofree char *path = NULL, *sha = NULL;
  g_autoptr(GPtrArray) regions = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_region_free);
  g_autoptr(GdkTexture) grey = NULL;
  g_autoptr(GBytes) grey_bytes = NULL;
  const guint8 grey_data[] = { 25, 25, 25, 230, 230, 230 };
  const double two[] = { 0.1, 0.9 };
  double checker[100 * 100];
  const guint8 *hi = cs_colormap_viridis[cs_colormap_index (0.9)];
  const guint8 *lo = cs_colormap_viridis[cs_colormap_index (0.1)];
  const guint8 *top = cs_colormap_viridis[255];
  CsRegion *region;
  GtkWindow *window;
  CsImageView *view;
  g_autofree guint32 *pixels = NULL;
  int width, height;
  double edge_x, edge_y, x0, y0;
  guint32 ring;
  int ring_r, ring_g, ring_b;

  gdk_pixbuf_fill (pixbuf, 0x808080ff);
  path = save_pixbuf (pixbuf, "grey.png", "png");
  sha = sha256_of (path);
  view = new_view_window (400, 300, FALSE, &window);
  cs_image_view_load_file (view, path, sha);
  wait_for_load (view);

  /* A 2 × 1 grid, the left cell under the threshold. */
  cs_image_view_set_heatmap_grid (view, 2, 1, two);
  cs_image_view_set_heatmap_threshold (view, 0.5);
  cs_image_view_set_heatmap_opacity (view, 1.0);
  pixels = render_view (view, &width, &height);
  assert_image_pixel (view, pixels, width, 50, 50, 128, 128, 128);
  assert_image_pixel (view, pixels, width, 150, 50, hi[0], hi[1], hi[2]);
  /* Hard edges: the pixels either side of the cell boundary. */
  cs_image_view_image_to_view (view, 100, 50, &edge_x, &edge_y);
  assert_pixel_at (view, pixels, width, round (edge_x) - 0.5, edge_y, 128, 128, 128);
  assert_pixel_at (view, pixels, width, round (edge_x) + 0.5, edge_y, hi[0], hi[1], hi[2]);
  g_clear_pointer (&pixels, g_free);

  /* Lowering the threshold shows the left cell; opacity blends it. */
  cs_image_view_set_heatmap_threshold (view, 0.05);
  pixels = render_view (view, &width, &height);
  assert_image_pixel (view, pixels, width, 50, 50, lo[0], lo[1], lo[2]);
  g_clear_pointer (&pixels, g_free);
  g_object_set (view, "heatmap-opacity", 0.5, NULL);
  pixels = render_view (view, &width, &height);
  assert_image_pixel (view, pixels, width, 50, 50, (128 + lo[0]) / 2, (128 + lo[1]) / 2, (128 + lo[2]) / 2);
  g_clear_pointer (&pixels, g_free);
  g_object_set (view, "heatmap-visible", FALSE, NULL);
  pixels = render_view (view, &width, &height);
  assert_image_pixel (view, pixels, width, 150, 50, 128, 128, 128);
  g_clear_pointer (&pixels, g_free);
  g_object_set (view, "heatmap-visible", TRUE, "heatmap-opacity", 1.0, "heatmap-threshold", 0.5, NULL);

  /* 100 × 100 cells: too many rectangles, so one texture, cells still exact. */
  for (int i = 0; i < 100 * 100; i++)
    checker[i] = ((i / 100) + (i % 100)) % 2 ? 1.0 : 0.0;
  cs_image_view_set_heatmap_grid (view, 100, 100, checker);
  pixels = render_view (view, &width, &height);
  for (int cy = 10; cy < 100; cy += 37)
    for (int cx = 3; cx < 100; cx += 29)
      {
        double x = (cx + 0.5) * 2, y = (cy + 0.5);

        if ((cx + cy) % 2)
          assert_image_pixel (view, pixels, width, x, y, top[0], top[1], top[2]);
        else
          assert_image_pixel (view, pixels, width, x, y, 128, 128, 128);
      }
  g_clear_pointer (&pixels, g_free);

  /* A greyscale heatmap image, stretched over the photograph. */
  grey_bytes = g_bytes_new_static (grey_data, sizeof grey_data);
  grey = gdk_memory_texture_new (2, 1, GDK_MEMORY_R8G8B8, grey_bytes, 6);
  cs_image_view_set_heatmap_texture (view, grey);
  pixels = render_view (view, &width, &height);
  assert_image_pixel (view, pixels, width, 20, 50, 128, 128, 128);
  hi = cs_colormap_viridis[cs_colormap_index (230 / 255.0)];
  assert_image_pixel (view, pixels, width, 180, 50, hi[0], hi[1], hi[2]);
  g_clear_pointer (&pixels, g_free);
  cs_image_view_set_heatmap_grid (view, 0, 0, NULL);

  /* A region: an accent ring around its box, and its label above it. */
  region = g_new0 (CsRegion, 1);
  region->x = 60;
  region->y = 40;
  region->w = 50;
  region->h = 40;
  region->label = g_strdup ("lesion");
  region->score = 0.87;
  g_ptr_array_add (regions, region);
  cs_image_view_set_regions (view, regions);
  pixels = render_view (view, &width, &height);
  cs_image_view_image_to_view (view, 60, 60, &x0, &y0);
  ring = pixels[(gsize) floor (y0) * width + (gsize) round (x0) - 1];
  ring_r = (ring >> 16) & 0xff;
  ring_g = (ring >> 8) & 0xff;
  ring_b = ring & 0xff;
  g_test_message ("Region ring pixel: %d,%d,%d", ring_r, ring_g, ring_b);
  g_assert_cmpint (ring_b, >, ring_r + 60);
  /* Inside the box the image shows through. */
  assert_image_pixel (view, pixels, width, 85, 60, 128, 128, 128);
  g_clear_pointer (&pixels, g_free);

  gtk_window_destroy (window);
}

/* A photograph-like image with a lesion, a coarse saliency grid over it and
 * two regions, beside a legend: what the reviewer sees. */
static void
test_overlays (void)
{
  const int width = 1200, height = 900, gw = 12, gh = 9;
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  g_autoptr(GPtrArray) regions = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_region_free);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autofree char *path = NULL, *sha = NULL;
  double grid[12 * 9];
  const char *linger = g_getenv ("CS_IMAGE_VIEW_LINGER");
  GtkWidget *window, *box, *scroller, *legend, *view;
  CsRegion *region;

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = gdk_pixbuf_get_pixels (pixbuf) + (gsize) y * gdk_pixbuf_get_rowstride (pixbuf) + x * 3;
        double d = hypot ((x - 700) / 1.2, y - 420) / 150.0;
        double lesion = d < 1 ? 1 - d * d * 0.6 : 0;
        double noise = g_rand_double_range (rand, -6, 6);

        p[0] = (guint8) CLAMP (226 - 40 * y / (double) height - 130 * lesion + noise, 0, 255);
        p[1] = (guint8) CLAMP (184 - 30 * y / (double) height - 120 * lesion + noise, 0, 255);
        p[2] = (guint8) CLAMP (160 - 20 * y / (double) height - 100 * lesion + noise, 0, 255);
      }
  path = save_pixbuf (pixbuf, "lesion.jpg", "jpeg");
  sha = sha256_of (path);

  for (int gy = 0; gy < gh; gy++)
    for (int gx = 0; gx < gw; gx++)
      {
        double cx = (gx + 0.5) * width / gw, cy = (gy + 0.5) * height / gh;
        double d2 = (pow (cx - 700, 2) + pow (cy - 420, 2)) / (2 * 170.0 * 170.0);

        grid[gy * gw + gx] = exp (-d2);
      }

  region = g_new0 (CsRegion, 1);
  region->x = 520;
  region->y = 280;
  region->w = 360;
  region->h = 280;
  region->label = g_strdup ("melanoma");
  region->score = 0.87;
  g_ptr_array_add (regions, region);
  region = g_new0 (CsRegion, 1);
  region->x = 140;
  region->y = 620;
  region->w = 150;
  region->h = 120;
  region->label = g_strdup ("nevus");
  region->score = 0.31;
  g_ptr_array_add (regions, region);

  if (g_getenv ("CS_IMAGE_VIEW_DARK") != NULL)
    adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);

  window = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (window), "Evidence");
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 680);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  scroller = gtk_scrolled_window_new ();
  view = cs_image_view_new ();
  cs_image_view_set_label (CS_IMAGE_VIEW (view), "Dermoscopy photograph");
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), view);
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_box_append (GTK_BOX (box), scroller);
  legend = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_margin_start (legend, 12);
  gtk_widget_set_margin_end (legend, 12);
  gtk_widget_set_margin_top (legend, 6);
  gtk_widget_set_margin_bottom (legend, 6);
  gtk_box_append (GTK_BOX (legend), gtk_label_new ("Saliency  0"));
  gtk_box_append (GTK_BOX (legend), g_object_new (TEST_TYPE_COLOR_BAR, NULL));
  gtk_box_append (GTK_BOX (legend), gtk_label_new ("1"));
  gtk_box_append (GTK_BOX (box), legend);
  gtk_window_set_child (GTK_WINDOW (window), box);
  gtk_window_present (GTK_WINDOW (window));

  cs_image_view_set_heatmap_grid (CS_IMAGE_VIEW (view), gw, gh, grid);
  g_object_set (view, "heatmap-threshold", 0.25, "heatmap-opacity", 0.55, NULL);
  cs_image_view_set_regions (CS_IMAGE_VIEW (view), regions);
  cs_image_view_load_file (CS_IMAGE_VIEW (view), path, sha);
  wait_for_load (CS_IMAGE_VIEW (view));
  g_assert_cmpint (cs_image_view_get_state (CS_IMAGE_VIEW (view)), ==, CS_IMAGE_VIEW_STATE_READY);
  g_assert_true (cs_test_wait_for_frame (view, 10));
  /* Fitted at about 0.7: level 0, both of its tiles. */
  g_assert_cmpuint (cs_image_view_get_level (CS_IMAGE_VIEW (view)), ==, 0);
  g_assert_cmpuint (cs_image_view_get_visible_tile_count (CS_IMAGE_VIEW (view)), ==, 2);

  if (linger != NULL)
    cs_test_iterate_for (atoi (linger) * 1000);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
get_pixel (const guint32 *pixels,
           int            width,
           double         view_x,
           double         view_y,
           int            rgb[3])
{
  guint32 p = pixels[(gsize) floor (view_y) * width + (gsize) floor (view_x)];

  rgb[0] = (p >> 16) & 0xff;
  rgb[1] = (p >> 8) & 0xff;
  rgb[2] = p & 0xff;
}

static int
colour_distance (const int a[3],
                 const int b[3])
{
  return MAX (ABS (a[0] - b[0]), MAX (ABS (a[1] - b[1]), ABS (a[2] - b[2])));
}

/* Like expected_tiles(), for one pane of a view side by side. */
static guint
expected_pane_tiles (CsImageView *view,
                     guint        pane,
                     int          level_width,
                     int          level_height,
                     double       factor)
{
  graphene_rect_t bounds;
  double ox, oy, x0, y0, x1, y1;

  cs_image_view_get_pane_bounds (view, pane, &bounds);
  cs_image_view_image_to_pane (view, pane, 0, 0, &ox, &oy);
  ox -= bounds.origin.x;
  x0 = MAX (0, -ox / factor);
  y0 = MAX (0, -oy / factor);
  x1 = MIN (level_width, (bounds.size.width - ox) / factor);
  y1 = MIN (level_height, (bounds.size.height - oy) / factor);
  return (guint) ((floor ((x1 - 1e-6) / CS_IMAGE_TILE_SIZE) - floor (x0 / CS_IMAGE_TILE_SIZE) + 1) *
                  (floor ((y1 - 1e-6) / CS_IMAGE_TILE_SIZE) - floor (y0 / CS_IMAGE_TILE_SIZE) + 1));
}

/* The image's rectangle in pane @pane, in the view's coordinates. */
static graphene_rect_t
image_rect_in_pane (CsImageView *view,
                    guint        pane)
{
  int width, height;
  double x0, y0, x1, y1;

  cs_image_view_get_image_size (view, &width, &height);
  cs_image_view_image_to_pane (view, pane, 0, 0, &x0, &y0);
  cs_image_view_image_to_pane (view, pane, width, height, &x1, &y1);
  return GRAPHENE_RECT_INIT (x0, y0, x1 - x0, y1 - y0);
}

static gboolean
has_binding (GtkWidget       *widget,
             const char      *action,
             guint            keyval,
             GdkModifierType  modifiers)
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
          GtkShortcutAction *named = gtk_shortcut_get_action (shortcut);
          GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);

          if (GTK_IS_NAMED_ACTION (named) &&
              g_str_equal (gtk_named_action_get_action_name (GTK_NAMED_ACTION (named)), action) &&
              GTK_IS_KEYVAL_TRIGGER (trigger) &&
              gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)) == keyval &&
              gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)) == modifiers)
            return TRUE;
        }
    }
  return FALSE;
}

static void
test_side_by_side (void)
{
  const int iw = 4096, ih = 2048;
  const double two[] = { 0.1, 0.9 };
  const guint8 *hi = cs_colormap_viridis[cs_colormap_index (0.9)];
  g_autofree char *path = save_gradient (iw, ih, "wide.jpg", "jpeg");
  g_autofree char *sha = sha256_of (path);
  g_autoptr(GPtrArray) regions = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_region_free);
  g_autofree guint32 *pixels = NULL;
  GtkAdjustment *hadjustment;
  GtkWindow *window;
  CsImageView *view;
  CsRegion *region;
  graphene_rect_t left, right, drawn[2];
  double single_zoom, zoom, x, y, vx, vy, before[2][2];
  int width, height, rw, rh;
  guint per_pane;

  view = new_view_window (800, 600, TRUE, &window);
  width = gtk_widget_get_width (GTK_WIDGET (view));
  height = gtk_widget_get_height (GTK_WIDGET (view));
  g_assert_true (has_binding (GTK_WIDGET (view), "image.side-by-side", GDK_KEY_h, GDK_CONTROL_MASK | GDK_SHIFT_MASK));

  cs_image_view_load_file (view, path, sha);
  wait_for_load (view);
  g_assert_cmpint (cs_image_view_get_state (view), ==, CS_IMAGE_VIEW_STATE_READY);
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (view), 10));
  g_assert_false (cs_image_view_get_side_by_side (view));
  g_assert_cmpuint (cs_image_view_get_n_panes (view), ==, 1);
  single_zoom = cs_image_view_get_zoom (view);
  g_assert_cmpfloat_with_epsilon (single_zoom, MIN (width / (double) iw, height / (double) ih), 1e-9);
  g_assert_cmpuint (cs_image_view_get_visible_tile_count (view), ==, 1);

  /* Without a heatmap, side by side changes nothing. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "image.side-by-side", NULL));
  g_assert_true (cs_image_view_get_side_by_side (view));
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (view), 10));
  g_assert_cmpuint (cs_image_view_get_n_panes (view), ==, 1);
  cs_image_view_get_pane_bounds (view, 0, &left);
  g_assert_true (graphene_rect_equal (&left, &GRAPHENE_RECT_INIT (0, 0, width, height)));
  g_assert_cmpfloat (cs_image_view_get_zoom (view), ==, single_zoom);
  g_assert_cmpuint (cs_image_view_get_visible_tile_count (view), ==, 1);

  /* With one, the view splits in two panes a thin line apart, each fitted. */
  region = g_new0 (CsRegion, 1);
  region->x = 2400;
  region->y = 600;
  region->w = 300;
  region->h = 800;
  g_ptr_array_add (regions, region);
  cs_image_view_set_regions (view, regions);
  cs_image_view_set_heatmap_grid (view, 2, 1, two);
  g_object_set (view, "heatmap-threshold", 0.5, "heatmap-opacity", 1.0, NULL);
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (view), 10));
  g_assert_cmpuint (cs_image_view_get_n_panes (view), ==, 2);
  cs_image_view_get_pane_bounds (view, 0, &left);
  cs_image_view_get_pane_bounds (view, 1, &right);
  g_assert_cmpfloat (left.origin.x, ==, 0);
  g_assert_cmpfloat (left.size.width, ==, right.size.width);
  g_assert_cmpfloat (left.size.height, ==, height);
  g_assert_cmpfloat (right.origin.x + right.size.width, ==, width);
  g_assert_cmpfloat (right.origin.x, >, left.size.width);
  g_assert_cmpfloat (right.origin.x - left.size.width, <=, 4);
  zoom = cs_image_view_get_zoom (view);
  g_assert_true (cs_image_view_get_fit (view));
  g_assert_cmpfloat_with_epsilon (zoom, MIN (left.size.width / iw, height / (double) ih), 1e-9);

  /* The same image, as large, at the same place in each pane: twice the
   * area of one, and image_to_view() is the pane with the heatmap. */
  for (guint pane = 0; pane < 2; pane++)
    {
      graphene_rect_t bounds, inside;

      drawn[pane] = image_rect_in_pane (view, pane);
      cs_image_view_get_pane_bounds (view, pane, &bounds);
      g_assert_true (graphene_rect_intersection (&drawn[pane], &bounds, &inside));
      g_assert_cmpfloat_with_epsilon (inside.size.width * inside.size.height, iw * zoom * ih * zoom, 1e-3);
      g_assert_cmpfloat_with_epsilon (drawn[pane].origin.x - bounds.origin.x, (bounds.size.width - iw * zoom) / 2,
                                      1e-9);
    }
  g_assert_cmpfloat_with_epsilon (drawn[1].origin.x - drawn[0].origin.x, right.origin.x, 1e-9);
  g_assert_cmpfloat (drawn[1].origin.y, ==, drawn[0].origin.y);
  g_assert_cmpfloat (drawn[0].origin.x + drawn[0].size.width, <=, right.origin.x);
  cs_image_view_image_to_view (view, 0, 0, &vx, &vy);
  g_assert_cmpfloat (vx, ==, drawn[1].origin.x);

  /* Fitted, each pane shows the one tile of a small level: two in all. */
  g_assert_cmpuint (cs_image_view_get_visible_tile_count (view), ==, 2);
  g_assert_cmpuint (cs_image_view_get_level (view), ==,
                    cs_image_level_for_zoom (cs_image_view_get_n_levels (view), zoom));

  /* The plain image on the left, the heatmap on the right; the region is
   * outlined in both. */
  pixels = render_view (view, &rw, &rh);
  {
    int l[3], r[3], plain[3] = { 2250 * 255 / (iw - 1), 1000 * 255 / (ih - 1), 128 };

    cs_image_view_image_to_pane (view, 0, 2250, 1000, &vx, &vy);
    get_pixel (pixels, rw, vx, vy, l);
    g_assert_cmpint (colour_distance (l, plain), <=, 8);
    cs_image_view_image_to_pane (view, 1, 2250, 1000, &vx, &vy);
    assert_pixel_at (view, pixels, rw, vx, vy, hi[0], hi[1], hi[2]);

    /* Under the threshold: the image, faded toward grey on the right. */
    cs_image_view_image_to_pane (view, 0, 750, 1000, &vx, &vy);
    get_pixel (pixels, rw, vx, vy, l);
    cs_image_view_image_to_pane (view, 1, 750, 1000, &vx, &vy);
    get_pixel (pixels, rw, vx, vy, r);
    for (int i = 0; i < 3; i++)
      g_assert_cmpint (ABS (r[i] - (int) round (l[i] * 0.65 + 128 * 0.35)), <=, 2);

    for (guint pane = 0; pane < 2; pane++)
      {
        int ring[3];

        cs_image_view_image_to_pane (view, pane, 2400, 1000, &vx, &vy);
        get_pixel (pixels, rw, round (vx) - 1, vy, ring);
        g_test_message ("Region ring in pane %u: %d,%d,%d", pane, ring[0], ring[1], ring[2]);
        g_assert_cmpint (ring[2], >, ring[0] + 60);
      }
  }
  g_clear_pointer (&pixels, g_free);

  /* 1:1: each pane appends only its own visible tiles, the same number. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "image.zoom-actual", NULL));
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (view), 10));
  g_assert_cmpfloat (cs_image_view_get_zoom (view), ==, 1.0);
  g_assert_cmpuint (cs_image_view_get_level (view), ==, 0);
  per_pane = expected_pane_tiles (view, 0, iw, ih, 1.0);
  g_assert_cmpuint (expected_pane_tiles (view, 1, iw, ih, 1.0), ==, per_pane);
  g_test_message ("1:1 side by side: %u tiles drawn, %u a pane", cs_image_view_get_visible_tile_count (view), per_pane);
  g_assert_cmpuint (cs_image_view_get_visible_tile_count (view), ==, 2 * per_pane);
  g_assert_cmpuint (cs_image_view_get_visible_tile_count (view), <, cs_image_view_get_n_tiles (view));

  /* One pan moves both. */
  hadjustment = gtk_scrollable_get_hadjustment (GTK_SCROLLABLE (view));
  g_assert_cmpfloat (gtk_adjustment_get_page_size (hadjustment), ==, left.size.width);
  for (guint pane = 0; pane < 2; pane++)
    cs_image_view_image_to_pane (view, pane, 1000, 1000, &before[pane][0], &before[pane][1]);
  gtk_adjustment_set_value (hadjustment, gtk_adjustment_get_value (hadjustment) + 100);
  for (guint pane = 0; pane < 2; pane++)
    {
      cs_image_view_image_to_pane (view, pane, 1000, 1000, &vx, &vy);
      g_assert_cmpfloat_with_epsilon (vx, before[pane][0] - 100, 1e-9);
      g_assert_cmpfloat_with_epsilon (vy, before[pane][1], 1e-9);
    }

  /* Zooming about a point, in either pane, keeps the image point under it
   * still, and the other pane shows the same. */
  for (guint pane = 0; pane < 2; pane++)
    {
      graphene_rect_t bounds;
      double ox, oy, px, py;

      cs_image_view_get_pane_bounds (view, pane, &bounds);
      px = bounds.origin.x + bounds.size.width * 0.25;
      py = height * 0.3;
      cs_image_view_image_to_pane (view, pane, 0, 0, &ox, &oy);
      zoom = cs_image_view_get_zoom (view);
      x = (px - ox) / zoom;
      y = (py - oy) / zoom;
      cs_image_view_zoom_around (view, zoom * 1.5, px, py);
      g_assert_cmpfloat_with_epsilon (cs_image_view_get_zoom (view), zoom * 1.5, 1e-9);
      cs_image_view_image_to_pane (view, pane, x, y, &vx, &vy);
      g_assert_cmpfloat_with_epsilon (vx, px, 1e-6);
      g_assert_cmpfloat_with_epsilon (vy, py, 1e-6);
      cs_image_view_image_to_pane (view, 1 - pane, x, y, &vx, &vy);
      g_assert_cmpfloat_with_epsilon (vx, px + (pane == 0 ? right.origin.x : -right.origin.x), 1e-6);
      g_assert_cmpfloat_with_epsilon (vy, py, 1e-6);
    }
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (view), 10));
  g_assert_cmpuint (cs_image_view_get_visible_tile_count (view), ==,
                    expected_pane_tiles (view, 0, iw, ih, cs_image_view_get_zoom (view)) +
                    expected_pane_tiles (view, 1, iw, ih, cs_image_view_get_zoom (view)));

  /* With the heatmap hidden there is nothing to compare: one pane, fitted
   * to the whole view again; shown, two. */
  cs_image_view_set_fit (view, TRUE);
  cs_image_view_set_heatmap_visible (view, FALSE);
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (view), 10));
  g_assert_cmpuint (cs_image_view_get_n_panes (view), ==, 1);
  g_assert_cmpfloat_with_epsilon (cs_image_view_get_zoom (view), single_zoom, 1e-9);
  g_assert_cmpuint (cs_image_view_get_visible_tile_count (view), ==, 1);
  cs_image_view_set_heatmap_visible (view, TRUE);
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (view), 10));
  g_assert_cmpuint (cs_image_view_get_n_panes (view), ==, 2);
  g_assert_cmpuint (cs_image_view_get_visible_tile_count (view), ==, 2);

  /* The action turns it off; clearing the heatmap also leaves one pane. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "image.side-by-side", NULL));
  g_assert_false (cs_image_view_get_side_by_side (view));
  g_assert_cmpuint (cs_image_view_get_n_panes (view), ==, 1);
  g_assert_cmpfloat_with_epsilon (cs_image_view_get_zoom (view), single_zoom, 1e-9);
  cs_image_view_set_side_by_side (view, TRUE);
  g_assert_cmpuint (cs_image_view_get_n_panes (view), ==, 2);
  cs_image_view_set_heatmap_grid (view, 0, 0, NULL);
  g_assert_cmpuint (cs_image_view_get_n_panes (view), ==, 1);
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (view), 10));
  g_assert_cmpuint (cs_image_view_get_visible_tile_count (view), ==, 1);

  gtk_window_destroy (window);
}

static void
test_colour_bar (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *bar = cs_colour_bar_new ();
  g_autofree guint32 *pixels = NULL;
  graphene_rect_t bounds;
  double x20, x70;
  int width, height;

  gtk_window_set_title (GTK_WINDOW (window), "Colour bar test");
  gtk_widget_set_size_request (bar, 300, -1);
  gtk_widget_set_valign (bar, GTK_ALIGN_START);
  gtk_window_set_child (GTK_WINDOW (window), bar);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (cs_test_wait_for_frame (bar, 10));

  gtk_test_accessible_assert_role (bar, GTK_ACCESSIBLE_ROLE_IMG);
  g_assert_cmpstr (cs_colour_bar_get_caption (CS_COLOUR_BAR (bar)), ==, "Heatmap value");
  g_assert_cmpfloat (cs_colour_bar_get_threshold (CS_COLOUR_BAR (bar)), ==, 0.2);
  gtk_test_accessible_assert_property (bar, GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Heatmap scale from 0 to 1; values under 0.20 not drawn");

  /* The marker stands where the threshold is on the bar, and moves with it. */
  cs_colour_bar_get_bar_bounds (CS_COLOUR_BAR (bar), &bounds);
  g_assert_cmpfloat (bounds.size.width, >=, 280);
  x20 = cs_colour_bar_get_marker_x (CS_COLOUR_BAR (bar));
  g_assert_cmpfloat (fabs (x20 - (bounds.origin.x + 0.2 * bounds.size.width)), <=, 0.5);
  g_object_set (bar, "threshold", 0.7, NULL);
  x70 = cs_colour_bar_get_marker_x (CS_COLOUR_BAR (bar));
  g_assert_cmpfloat (fabs (x70 - (bounds.origin.x + 0.7 * bounds.size.width)), <=, 0.5);
  g_assert_cmpfloat (fabs (x70 - x20 - 0.5 * bounds.size.width), <=, 1);
  gtk_test_accessible_assert_property (bar, GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Heatmap scale from 0 to 1; values under 0.70 not drawn");

  /* Past the marker the map's own colours; before it, greyed. */
  pixels = render_widget (bar, &width, &height);
  for (double v = 0.75; v < 0.99; v += 0.08)
    {
      double x = bounds.origin.x + v * bounds.size.width;
      const guint8 *c = cs_colormap_viridis[cs_colormap_index (v)];
      int want[3] = { c[0], c[1], c[2] }, got[3];

      get_pixel (pixels, width, x, bounds.origin.y + bounds.size.height / 2, got);
      g_assert_cmpint (colour_distance (got, want), <=, 6);
    }
  for (double v = 0.05; v < 0.65; v += 0.1)
    {
      double x = bounds.origin.x + v * bounds.size.width;
      const guint8 *c = cs_colormap_viridis[cs_colormap_index (v)];
      int want[3] = { c[0], c[1], c[2] }, got[3];

      get_pixel (pixels, width, x, bounds.origin.y + bounds.size.height / 2, got);
      g_assert_cmpint (colour_distance (got, want), >, 40);
    }
  g_clear_pointer (&pixels, g_free);

  /* Clamped to the bar. */
  cs_colour_bar_set_threshold (CS_COLOUR_BAR (bar), 3);
  g_assert_cmpfloat (cs_colour_bar_get_threshold (CS_COLOUR_BAR (bar)), ==, 1);
  g_assert_cmpfloat (fabs (cs_colour_bar_get_marker_x (CS_COLOUR_BAR (bar)) - (bounds.origin.x + bounds.size.width)),
                     <=, 0.5);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* The widget under @root that the label reading @text names, as a screen
 * reader finds it: the label's mnemonic widget, labelled by it. */
static GtkWidget *
find_labelled (GtkWidget  *root,
               GType       type,
               const char *text)
{
  if (GTK_IS_LABEL (root) && g_str_equal (gtk_label_get_text (GTK_LABEL (root)), text))
    {
      GtkWidget *widget = gtk_label_get_mnemonic_widget (GTK_LABEL (root));

      g_assert_true (G_TYPE_CHECK_INSTANCE_TYPE (widget, type));
      gtk_test_accessible_assert_relation (widget, GTK_ACCESSIBLE_RELATION_LABELLED_BY, root, NULL);
      return widget;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_labelled (child, type, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_colour_bar (GtkWidget *root)
{
  if (CS_IS_COLOUR_BAR (root))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_colour_bar (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Every control under @root is named for a screen reader: its own label, or
 * the label it is labelled by. */
static guint
assert_controls_named (GtkWidget *root)
{
  guint n = 0;

  if (GTK_IS_SWITCH (root) || GTK_IS_RANGE (root) || GTK_IS_BUTTON (root) || CS_IS_COLOUR_BAR (root))
    {
      if (!gtk_test_accessible_has_property (GTK_ACCESSIBLE (root), GTK_ACCESSIBLE_PROPERTY_LABEL) &&
          !gtk_test_accessible_has_relation (GTK_ACCESSIBLE (root), GTK_ACCESSIBLE_RELATION_LABELLED_BY))
        g_error ("A %s in the heatmap controls has no accessible name", G_OBJECT_TYPE_NAME (root));
      n++;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    n += assert_controls_named (child);
  return n;
}

/* A digit scan of the demo data, "Digit scan #1164", read as 7. */
#define DIGIT_SHA "50d5cca8f10159ba2d0eab8cac72b802b4947e2ff5531f17ee93f0616954b653"
static const double digit_grid[64] = {
  0.0, 0.0, 0.144, 0.277, 0.294, 0.245, 0.081, 0.0,
  0.0, 0.0, 0.275, 0.113, 0.563, 0.32, 0.002, 0.0,
  0.0, 0.0, 0.0, 0.0, 0.117, 0.453, 0.0, 0.0,
  0.0, 0.037, 0.036, 1.0, 0.03, 0.452, 0.442, 0.0,
  0.0, 0.049, 0.031, 0.154, 0.334, 0.099, 0.0, 0.0,
  0.0, 0.0, 0.004, 0.331, 0.116, 0.0, 0.0, 0.0,
  0.0, 0.0, 0.118, 0.287, 0.0, 0.0, 0.0, 0.0,
  0.0, 0.0, 0.076, 0.404, 0.0, 0.0, 0.0, 0.0,
};

/* The controls in a header bar over a demo digit, bound to the view as the
 * case view binds them: every control drives the view, and the view's own
 * action shows in the controls. */
static void
test_heatmap_controls (void)
{
  const char *root = g_getenv ("CS_SOURCE_ROOT");
  const char *linger = g_getenv ("CS_IMAGE_VIEW_LINGER");
  const GBindingFlags both = G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE;
  g_autofree char *path = NULL;
  g_autoptr(GPtrArray) regions = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_region_free);
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();
  GtkWidget *window, *header, *box, *scroller, *controls, *view;
  GtkWidget *visible_switch, *side_switch, *opacity_scale, *threshold_scale, *bar;
  GtkPopover *popover;
  CsRegion *region;
  graphene_rect_t bounds;
  gint64 end;

  g_assert_nonnull (root);
  path = g_build_filename (root, "data", "demo", "assets", DIGIT_SHA, NULL);
  gtk_css_provider_load_from_resource (css, "/io/github/countersign/Countersign/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  if (g_getenv ("CS_IMAGE_VIEW_DARK") != NULL)
    adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);

  region = g_new0 (CsRegion, 1);
  region->x = 96;
  region->w = 96;
  region->h = 96;
  region->label = g_strdup ("evidence for 7");
  region->score = 0.4313;
  g_ptr_array_add (regions, region);

  window = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (window), "Digit scan #1164");
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 720);
  header = gtk_header_bar_new ();
  controls = cs_heatmap_controls_new ();
  gtk_header_bar_pack_end (GTK_HEADER_BAR (header), controls);
  gtk_window_set_titlebar (GTK_WINDOW (window), header);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  scroller = gtk_scrolled_window_new ();
  gtk_widget_add_css_class (scroller, "evidence-view");
  gtk_widget_add_css_class (scroller, "canvas");
  view = cs_image_view_new ();
  cs_image_view_set_label (CS_IMAGE_VIEW (view), "Digit scan #1164");
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), view);
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_box_append (GTK_BOX (box), scroller);
  gtk_window_set_child (GTK_WINDOW (window), box);

  g_object_bind_property (controls, "heatmap-visible", view, "heatmap-visible", both);
  g_object_bind_property (controls, "heatmap-opacity", view, "heatmap-opacity", both);
  g_object_bind_property (controls, "heatmap-threshold", view, "heatmap-threshold", both);
  g_object_bind_property (controls, "side-by-side", view, "side-by-side", both);
  g_assert_cmpfloat (cs_image_view_get_heatmap_threshold (CS_IMAGE_VIEW (view)), ==, 0.2);
  g_assert_false (cs_image_view_get_side_by_side (CS_IMAGE_VIEW (view)));

  gtk_window_present (GTK_WINDOW (window));
  cs_image_view_set_heatmap_grid (CS_IMAGE_VIEW (view), 8, 8, digit_grid);
  cs_image_view_set_regions (CS_IMAGE_VIEW (view), regions);
  cs_image_view_load_file (CS_IMAGE_VIEW (view), path, DIGIT_SHA);
  wait_for_load (CS_IMAGE_VIEW (view));
  g_assert_cmpint (cs_image_view_get_state (CS_IMAGE_VIEW (view)), ==, CS_IMAGE_VIEW_STATE_READY);

  /* The button (its inner toggle labelled by it), the popover's two switches,
   * two scales and colour bar: each has a name. */
  gtk_test_accessible_assert_property (gtk_widget_get_first_child (controls), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Heatmap display");
  g_assert_cmpuint (assert_controls_named (controls), ==, 6);
  cs_heatmap_controls_popup (CS_HEATMAP_CONTROLS (controls));
  popover = cs_heatmap_controls_get_popover (CS_HEATMAP_CONTROLS (controls));
  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!gtk_widget_get_mapped (GTK_WIDGET (popover)) && g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (popover)));
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (popover), 10));

  visible_switch = find_labelled (GTK_WIDGET (popover), GTK_TYPE_SWITCH, "Show heatmap");
  side_switch = find_labelled (GTK_WIDGET (popover), GTK_TYPE_SWITCH, "Side by side");
  opacity_scale = find_labelled (GTK_WIDGET (popover), GTK_TYPE_SCALE, "Opacity");
  threshold_scale = find_labelled (GTK_WIDGET (popover), GTK_TYPE_SCALE, "Threshold");
  bar = find_colour_bar (GTK_WIDGET (popover));
  g_assert_nonnull (visible_switch);
  g_assert_nonnull (side_switch);
  g_assert_nonnull (opacity_scale);
  g_assert_nonnull (threshold_scale);
  g_assert_nonnull (bar);
  gtk_test_accessible_assert_property (bar, GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Heatmap scale from 0 to 1; values under 0.20 not drawn");
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (visible_switch)));
  g_assert_cmpfloat (gtk_range_get_value (GTK_RANGE (opacity_scale)), ==, 0.5);
  g_assert_cmpfloat (gtk_range_get_value (GTK_RANGE (threshold_scale)), ==, 0.2);

  /* The reviewer's moves reach the view. */
  gtk_range_set_value (GTK_RANGE (opacity_scale), 0.65);
  g_assert_cmpfloat (cs_image_view_get_heatmap_opacity (CS_IMAGE_VIEW (view)), ==, 0.65);
  gtk_range_set_value (GTK_RANGE (threshold_scale), 0.6);
  g_assert_cmpfloat (cs_image_view_get_heatmap_threshold (CS_IMAGE_VIEW (view)), ==, 0.6);
  g_assert_cmpfloat (cs_colour_bar_get_threshold (CS_COLOUR_BAR (bar)), ==, 0.6);
  cs_colour_bar_get_bar_bounds (CS_COLOUR_BAR (bar), &bounds);
  g_assert_cmpfloat (fabs (cs_colour_bar_get_marker_x (CS_COLOUR_BAR (bar)) -
                           (bounds.origin.x + 0.6 * bounds.size.width)), <=, 0.5);
  gtk_test_accessible_assert_property (bar, GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Heatmap scale from 0 to 1; values under 0.60 not drawn");

  gtk_switch_set_active (GTK_SWITCH (side_switch), TRUE);
  g_assert_true (cs_image_view_get_side_by_side (CS_IMAGE_VIEW (view)));
  g_assert_cmpuint (cs_image_view_get_n_panes (CS_IMAGE_VIEW (view)), ==, 2);

  /* Hidden, the view shows one plain image, the settings that need a
   * heatmap are insensitive, and the button says so. */
  gtk_switch_set_active (GTK_SWITCH (visible_switch), FALSE);
  g_assert_false (cs_image_view_get_heatmap_visible (CS_IMAGE_VIEW (view)));
  g_assert_cmpuint (cs_image_view_get_n_panes (CS_IMAGE_VIEW (view)), ==, 1);
  g_assert_false (gtk_widget_is_sensitive (opacity_scale));
  g_assert_false (gtk_widget_is_sensitive (side_switch));
  g_assert_cmpstr (gtk_menu_button_get_icon_name (GTK_MENU_BUTTON (gtk_widget_get_first_child (controls))), ==,
                   "view-conceal-symbolic");
  gtk_switch_set_active (GTK_SWITCH (visible_switch), TRUE);
  g_assert_cmpuint (cs_image_view_get_n_panes (CS_IMAGE_VIEW (view)), ==, 2);
  g_assert_true (gtk_widget_is_sensitive (opacity_scale));
  g_assert_cmpstr (gtk_menu_button_get_icon_name (GTK_MENU_BUTTON (gtk_widget_get_first_child (controls))), ==,
                   "view-reveal-symbolic");

  /* The view's shortcut action shows in the switch. */
  g_assert_true (gtk_widget_activate_action (view, "image.side-by-side", NULL));
  g_assert_false (cs_heatmap_controls_get_side_by_side (CS_HEATMAP_CONTROLS (controls)));
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (side_switch)));
  g_assert_cmpuint (cs_image_view_get_n_panes (CS_IMAGE_VIEW (view)), ==, 1);

  /* As a reviewer would see it: a threshold that keeps the strokes the
   * model relied on, over the greyscale digit. */
  gtk_range_set_value (GTK_RANGE (threshold_scale), 0.1);
  gtk_range_set_value (GTK_RANGE (opacity_scale), 0.6);
  if (g_getenv ("CS_IMAGE_VIEW_SIDE_BY_SIDE") != NULL)
    gtk_switch_set_active (GTK_SWITCH (side_switch), TRUE);
  g_assert_true (cs_test_wait_for_frame (view, 10));
  if (linger != NULL)
    cs_test_iterate_for (atoi (linger) * 1000);
  gtk_popover_popdown (popover);
  if (linger != NULL)
    cs_test_iterate_for (atoi (linger) * 1000);

  gtk_window_destroy (GTK_WINDOW (window));
  gtk_style_context_remove_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css));
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
  tmpdir = g_dir_make_tmp ("cs-image-view-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/colormap/endpoints", test_colormap_endpoints);
  g_test_add_func ("/colormap/luminance", test_colormap_luminance);
  g_test_add_func ("/colormap/threshold", test_colormap_threshold);
  g_test_add_func ("/image-loader/level-for-zoom", test_level_for_zoom);
  g_test_add_func ("/image-loader/check-size", test_check_size);
  g_test_add_func ("/image-loader/pyramid", test_pyramid);
  g_test_add_func ("/image-loader/coarse-first", test_coarse_first);
  g_test_add_func ("/image-loader/reduce-while-decoding", test_reduce_while_decoding);
  g_test_add_func ("/image-view/small-images", test_small_images);
  g_test_add_func ("/image-view/large-image", test_large_image);
  g_test_add_func ("/image-view/errors", test_errors);
  g_test_add_func ("/image-view/coarse-then-fine", test_coarse_then_fine);
  g_test_add_func ("/image-view/mismatch-after-decode", test_mismatch_after_decode);
  g_test_add_func ("/image-view/cancel", test_cancel);
  g_test_add_func ("/image-view/heatmap-pixels", test_heatmap_pixels);
  g_test_add_func ("/image-view/overlays", test_overlays);
  g_test_add_func ("/image-view/side-by-side", test_side_by_side);
  g_test_add_func ("/image-view/colour-bar", test_colour_bar);
  g_test_add_func ("/image-view/heatmap-controls", test_heatmap_controls);
  status = g_test_run ();

  g_clear_pointer (&big_path, g_free);
  g_clear_pointer (&big_sha, g_free);
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
