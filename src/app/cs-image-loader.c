/* cs-image-loader.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "cs-image-loader.h"
#include "cs-types.h"

/* Hashing and decoding go in chunks of this, so cancelling takes effect soon. */
#define CHUNK_SIZE (1024 * 1024)

struct _CsImagePyramid
{
  int           width;
  int           height;
  guint         n_levels;
  CsImageLevel *levels;
};

/* The formats whose decoders we trust with evidence, by gdk-pixbuf's names. */
static const char * const allowed_formats[] = { "png", "jpeg", "tiff" };

static guint n_decodes;

G_DEFINE_BOXED_TYPE (CsImagePyramid, cs_image_pyramid, cs_image_pyramid_ref, cs_image_pyramid_unref)

static void
pyramid_clear (CsImagePyramid *self)
{
  for (guint l = 0; l < self->n_levels; l++)
    {
      CsImageLevel *level = &self->levels[l];

      for (guint i = 0; i < level->n_columns * level->n_rows; i++)
        g_clear_object (&level->tiles[i]);
      g_free (level->tiles);
    }
  g_free (self->levels);
}

CsImagePyramid *
cs_image_pyramid_ref (CsImagePyramid *self)
{
  return g_atomic_rc_box_acquire (self);
}

void
cs_image_pyramid_unref (CsImagePyramid *self)
{
  g_atomic_rc_box_release_full (self, (GDestroyNotify) pyramid_clear);
}

int
cs_image_pyramid_get_width (CsImagePyramid *self)
{
  return self->width;
}

int
cs_image_pyramid_get_height (CsImagePyramid *self)
{
  return self->height;
}

guint
cs_image_pyramid_get_n_levels (CsImagePyramid *self)
{
  return self->n_levels;
}

const CsImageLevel *
cs_image_pyramid_get_level (CsImagePyramid *self,
                            guint           level)
{
  g_return_val_if_fail (level < self->n_levels, NULL);
  return &self->levels[level];
}

guint
cs_image_pyramid_get_n_tiles (CsImagePyramid *self)
{
  guint n = 0;

  for (guint l = 0; l < self->n_levels; l++)
    n += self->levels[l].n_columns * self->levels[l].n_rows;
  return n;
}

guint
cs_image_level_for_zoom (guint  n_levels,
                         double zoom)
{
  double level;

  if (n_levels == 0 || !(zoom > 0) || zoom >= 1.0)
    return 0;

  /* The epsilon keeps zoom 1/2, 1/4, … on the exact level. */
  level = floor (log2 (1.0 / zoom) + 1e-9);
  return (guint) MIN (level, (double) (n_levels - 1));
}

gboolean
cs_image_check_size (int      width,
                     int      height,
                     GError **error)
{
  if (width <= 0 || height <= 0)
    {
      g_set_error_literal (error, CS_ERROR, CS_ERROR_MALFORMED, _("The image is damaged: it has no pixels."));
      return FALSE;
    }
  if (width > CS_IMAGE_MAX_SIDE || height > CS_IMAGE_MAX_SIDE || (gint64) width * height > CS_IMAGE_MAX_PIXELS)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_TOO_LARGE,
                   _("The image claims to be %d × %d pixels, too large to open safely."), width, height);
      return FALSE;
    }
  return TRUE;
}

guint
cs_image_loader_get_n_decodes (void)
{
  return (guint) g_atomic_int_get (&n_decodes);
}

/* The worker */

typedef struct
{
  char *path;
  char *expected_sha256;
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_free (data->path);
  g_free (data->expected_sha256);
  g_free (data);
}

static gboolean
check_hash (GBytes        *contents,
            const char    *expected,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (contents, &len);

  for (gsize done = 0; done < len; done += CHUNK_SIZE)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      g_checksum_update (checksum, data + done, MIN (CHUNK_SIZE, len - done));
    }

  if (g_ascii_strcasecmp (g_checksum_get_string (checksum), expected) != 0)
    {
      g_set_error_literal (error, CS_ERROR, CS_ERROR_HASH_MISMATCH,
                           _("The image does not match the case: its contents differ from what the model "
                             "was shown, so it is not displayed."));
      return FALSE;
    }
  return TRUE;
}

/* Whether a JPEG's segments run from SOI to EOI. Entropy-coded data ends at
 * the first marker that is neither a stuffed 0xFF00 nor a restart. */
static gboolean
jpeg_is_complete (const guint8 *p,
                  gsize         len)
{
  gsize i = 2;

  if (len < 4 || p[0] != 0xff || p[1] != 0xd8)
    return FALSE;

  while (i + 1 < len)
    {
      guint8 marker;
      gsize segment;

      if (p[i] != 0xff)
        return FALSE;
      marker = p[i + 1];
      if (marker == 0xff)  /* fill */
        {
          i++;
          continue;
        }
      i += 2;
      if (marker == 0xd9)  /* EOI */
        return TRUE;
      if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7))  /* no length */
        continue;

      if (i + 2 > len)
        return FALSE;
      segment = (gsize) p[i] << 8 | p[i + 1];
      if (segment < 2 || segment > len - i)
        return FALSE;
      i += segment;

      if (marker == 0xda)  /* SOS: scan to the next marker */
        {
          while (i + 1 < len && !(p[i] == 0xff && p[i + 1] != 0x00 && (p[i + 1] < 0xd0 || p[i + 1] > 0xd7)))
            i++;
        }
    }
  return FALSE;
}

/* Whether a PNG's chunks run whole from the signature to IEND (libpng checks
 * the CRC of every critical chunk as it decodes). */
static gboolean
png_is_complete (const guint8 *p,
                 gsize         len)
{
  static const guint8 signature[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  gsize i = sizeof signature;

  if (len < sizeof signature || memcmp (p, signature, sizeof signature) != 0)
    return FALSE;

  while (len - i >= 12)
    {
      gsize length = (gsize) p[i] << 24 | (gsize) p[i + 1] << 16 | (gsize) p[i + 2] << 8 | p[i + 3];

      if (length > len - i - 12)
        return FALSE;
      if (memcmp (p + i + 4, "IEND", 4) == 0)
        return TRUE;
      i += 12 + length;
    }
  return FALSE;
}

/* gdk-pixbuf's incremental loaders show a JPEG or PNG cut short with its
 * missing part blank, and report no error: half an image is not evidence.
 * The file's structure says whether it is whole, before anything is decoded. */
static gboolean
is_complete (const char *format_name,
             GBytes     *contents)
{
  gsize len = 0;
  const guint8 *p = g_bytes_get_data (contents, &len);

  if (g_str_equal (format_name, "jpeg"))
    return jpeg_is_complete (p, len);
  if (g_str_equal (format_name, "png"))
    return png_is_complete (p, len);
  return TRUE;
}

typedef struct
{
  int      width;
  int      height;
  gboolean refused;
} SizeGuard;

/* The decoder states the size again, from the very bytes that were hashed:
 * 0 × 0 makes it give up before it allocates anything. */
static void
size_prepared_cb (GdkPixbufLoader *loader,
                  int              width,
                  int              height,
                  gpointer         user_data)
{
  SizeGuard *guard = user_data;

  guard->width = width;
  guard->height = height;
  if (!cs_image_check_size (width, height, NULL))
    {
      guard->refused = TRUE;
      gdk_pixbuf_loader_set_size (loader, 0, 0);
    }
}

static GdkPixbuf *
decode (GBytes        *contents,
        const char    *format_name,
        GCancellable  *cancellable,
        GError       **error)
{
  g_autoptr(GdkPixbufLoader) loader = NULL;
  g_autoptr(GError) local_error = NULL;
  SizeGuard guard = { 0, 0, FALSE };
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (contents, &len);
  gboolean ok = TRUE;
  GdkPixbuf *pixbuf;

  g_atomic_int_inc (&n_decodes);

  loader = gdk_pixbuf_loader_new_with_type (format_name, &local_error);
  if (loader == NULL)
    {
      g_debug ("No loader for %s: %s", format_name, local_error->message);
      g_set_error_literal (error, CS_ERROR, CS_ERROR_MALFORMED,
                           _("Countersign cannot open images of this kind."));
      return NULL;
    }
  g_signal_connect (loader, "size-prepared", G_CALLBACK (size_prepared_cb), &guard);

  for (gsize done = 0; ok && done < len && !guard.refused; done += CHUNK_SIZE)
    {
      if (g_cancellable_is_cancelled (cancellable))
        break;
      ok = gdk_pixbuf_loader_write (loader, data + done, MIN (CHUNK_SIZE, len - done), &local_error);
    }

  /* Closing is required even after a failure; its error adds nothing then. */
  if (ok)
    ok = gdk_pixbuf_loader_close (loader, &local_error);
  else
    gdk_pixbuf_loader_close (loader, NULL);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  if (guard.refused)
    {
      cs_image_check_size (guard.width, guard.height, error);
      return NULL;
    }

  if (!ok || gdk_pixbuf_loader_get_pixbuf (loader) == NULL)
    {
      g_debug ("Decoding failed: %s", local_error ? local_error->message : "no image");
      if (g_error_matches (local_error, GDK_PIXBUF_ERROR, GDK_PIXBUF_ERROR_INSUFFICIENT_MEMORY))
        g_set_error_literal (error, CS_ERROR, CS_ERROR_TOO_LARGE,
                             _("There is not enough memory to open this image."));
      else
        g_set_error_literal (error, CS_ERROR, CS_ERROR_MALFORMED, _("The image is damaged and cannot be shown."));
      return NULL;
    }

  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  if (gdk_pixbuf_get_bits_per_sample (pixbuf) != 8 || gdk_pixbuf_get_colorspace (pixbuf) != GDK_COLORSPACE_RGB ||
      (gdk_pixbuf_get_n_channels (pixbuf) != 3 && gdk_pixbuf_get_n_channels (pixbuf) != 4))
    {
      g_set_error_literal (error, CS_ERROR, CS_ERROR_MALFORMED, _("The image is damaged and cannot be shown."));
      return NULL;
    }

  return g_object_ref (pixbuf);
}

/* Halves @src (2 × 2 boxes; an odd last row or column averages with itself).
 * With alpha, colours are weighted by it, so transparent pixels do not darken
 * their neighbours. */
static guint8 *
halve (const guint8 *src,
       int           width,
       int           height,
       gsize         stride,
       int           bpp,
       int          *out_width,
       int          *out_height,
       gsize        *out_stride)
{
  int w = (width + 1) / 2, h = (height + 1) / 2;
  /* A whole number of pixels and of 4 bytes a row: GL takes the rows of a
   * tile as they are (GL_UNPACK_ROW_LENGTH), with no copy or row by row. */
  gsize dst_stride = (gsize) ((w + 3) & ~3) * bpp;
  guint8 *dst = g_malloc ((gsize) h * dst_stride);

  for (int y = 0; y < h; y++)
    {
      const guint8 *r0 = src + (gsize) (2 * y) * stride;
      const guint8 *r1 = src + (gsize) MIN (2 * y + 1, height - 1) * stride;
      guint8 *out = dst + (gsize) y * dst_stride;

      for (int x = 0; x < w; x++)
        {
          gsize a = (gsize) (2 * x) * bpp;
          gsize b = (gsize) MIN (2 * x + 1, width - 1) * bpp;

          if (bpp == 3)
            {
              for (int c = 0; c < 3; c++)
                out[x * 3 + c] = (r0[a + c] + r0[b + c] + r1[a + c] + r1[b + c] + 2) >> 2;
            }
          else
            {
              guint alpha = r0[a + 3] + r0[b + 3] + r1[a + 3] + r1[b + 3];

              for (int c = 0; c < 3; c++)
                {
                  guint sum = r0[a + c] * r0[a + 3] + r0[b + c] * r0[b + 3] +
                              r1[a + c] * r1[a + 3] + r1[b + c] * r1[b + 3];
                  out[x * 4 + c] = alpha ? (sum + alpha / 2) / alpha : 0;
                }
              out[x * 4 + 3] = (alpha + 2) >> 2;
            }
        }
    }

  *out_width = w;
  *out_height = h;
  *out_stride = dst_stride;
  return dst;
}

/* Cuts a level into tiles that share @pixels: each is a GBytes slice of it
 * with the level's stride, so no pixel is copied. */
static void
cut_tiles (CsImageLevel    *level,
           GBytes          *pixels,
           gsize            stride,
           GdkMemoryFormat  format,
           int              bpp)
{
  level->n_columns = (level->width + CS_IMAGE_TILE_SIZE - 1) / CS_IMAGE_TILE_SIZE;
  level->n_rows = (level->height + CS_IMAGE_TILE_SIZE - 1) / CS_IMAGE_TILE_SIZE;
  level->tiles = g_new0 (GdkTexture *, level->n_columns * level->n_rows);

  for (guint r = 0; r < level->n_rows; r++)
    for (guint c = 0; c < level->n_columns; c++)
      {
        int x = c * CS_IMAGE_TILE_SIZE, y = r * CS_IMAGE_TILE_SIZE;
        int w = MIN (CS_IMAGE_TILE_SIZE, level->width - x);
        int h = MIN (CS_IMAGE_TILE_SIZE, level->height - y);
        g_autoptr(GBytes) slice = g_bytes_new_from_bytes (pixels, (gsize) y * stride + (gsize) x * bpp,
                                                          (gsize) (h - 1) * stride + (gsize) w * bpp);

        level->tiles[r * level->n_columns + c] = gdk_memory_texture_new (w, h, format, slice, stride);
      }
}

static CsImagePyramid *
build_pyramid (GdkPixbuf     *pixbuf,
               GCancellable  *cancellable,
               GError       **error)
{
  g_autoptr(CsImagePyramid) pyramid = g_atomic_rc_box_new0 (CsImagePyramid);
  g_autoptr(GBytes) pixels = NULL;
  g_autoptr(GArray) levels = g_array_new (FALSE, TRUE, sizeof (CsImageLevel));
  int bpp = gdk_pixbuf_get_n_channels (pixbuf);
  GdkMemoryFormat format = bpp == 4 ? GDK_MEMORY_R8G8B8A8 : GDK_MEMORY_R8G8B8;
  gsize stride = gdk_pixbuf_get_rowstride (pixbuf);
  int width = gdk_pixbuf_get_width (pixbuf);
  int height = gdk_pixbuf_get_height (pixbuf);
  gboolean cancelled = FALSE;

  /* Level 0 is the decoded pixbuf's own memory, kept alive by its tiles. */
  pixels = g_bytes_new_with_free_func (gdk_pixbuf_get_pixels (pixbuf), gdk_pixbuf_get_byte_length (pixbuf),
                                       g_object_unref, g_object_ref (pixbuf));
  pyramid->width = width;
  pyramid->height = height;

  for (;;)
    {
      CsImageLevel level = { width, height, 0, 0, NULL };
      const guint8 *src;
      guint8 *half;
      gsize half_stride;

      cut_tiles (&level, pixels, stride, format, bpp);
      g_array_append_val (levels, level);

      if (MAX (width, height) <= CS_IMAGE_PYRAMID_MIN_SIDE)
        break;
      if ((cancelled = g_cancellable_set_error_if_cancelled (cancellable, error)))
        break;

      src = g_bytes_get_data (pixels, NULL);
      half = halve (src, width, height, stride, bpp, &width, &height, &half_stride);
      g_bytes_unref (pixels);
      pixels = g_bytes_new_take (half, (gsize) height * half_stride);
      stride = half_stride;
    }

  pyramid->n_levels = levels->len;
  pyramid->levels = (CsImageLevel *) (void *) g_array_free (g_steal_pointer (&levels), FALSE);
  if (cancelled)
    return NULL;
  return g_steal_pointer (&pyramid);
}

static gboolean
format_is_allowed (GdkPixbufFormat *format)
{
  g_autofree char *name = gdk_pixbuf_format_get_name (format);

  for (guint i = 0; i < G_N_ELEMENTS (allowed_formats); i++)
    if (g_str_equal (name, allowed_formats[i]))
      return TRUE;
  return FALSE;
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LoadData *data = task_data;
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GBytes) contents = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *format_name = NULL;
  GdkPixbufFormat *format;
  CsImagePyramid *pyramid;
  GError *error = NULL;
  int width = 0, height = 0;

  mapped = g_mapped_file_new (data->path, FALSE, &local_error);
  if (mapped == NULL)
    {
      g_debug ("Cannot map %s: %s", data->path, local_error->message);
      g_task_return_new_error (task, CS_ERROR, CS_ERROR_NOT_FOUND,
                               _("The image could not be opened: its file is missing or unreadable."));
      return;
    }

  /* The header alone: an image bomb is refused before a byte is decoded. */
  format = gdk_pixbuf_get_file_info (data->path, &width, &height);
  if (format == NULL)
    {
      g_task_return_new_error (task, CS_ERROR, CS_ERROR_MALFORMED,
                               _("The image is damaged, or is not an image Countersign can open."));
      return;
    }
  if (!format_is_allowed (format))
    {
      g_autofree char *description = gdk_pixbuf_format_get_description (format);
      g_task_return_new_error (task, CS_ERROR, CS_ERROR_MALFORMED,
                               _("The image is in a format Countersign does not open (%s). "
                                 "PNG, JPEG and TIFF images can be shown."), description);
      return;
    }
  if (!cs_image_check_size (width, height, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  contents = g_mapped_file_get_bytes (mapped);
  if (!check_hash (contents, data->expected_sha256, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  format_name = gdk_pixbuf_format_get_name (format);
  if (!is_complete (format_name, contents))
    {
      g_task_return_new_error (task, CS_ERROR, CS_ERROR_MALFORMED,
                               _("The image is damaged: its file stops short, so part of it is missing."));
      return;
    }

  pixbuf = decode (contents, format_name, cancellable, &error);
  if (pixbuf == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  pyramid = build_pyramid (pixbuf, cancellable, &error);
  if (pyramid == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, pyramid, (GDestroyNotify) cs_image_pyramid_unref);
}

void
cs_image_load_async (const char          *path,
                     const char          *expected_sha256,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  LoadData *data;

  g_return_if_fail (path != NULL);
  g_return_if_fail (expected_sha256 != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  data = g_new0 (LoadData, 1);
  data->path = g_strdup (path);
  data->expected_sha256 = g_strdup (expected_sha256);
  g_task_set_source_tag (task, cs_image_load_async);
  g_task_set_name (task, "[countersign] image load");
  g_task_set_task_data (task, data, (GDestroyNotify) load_data_free);
  g_task_run_in_thread (task, load_thread);
}

CsImagePyramid *
cs_image_load_finish (GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cs_image_load_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
