/* cs-image-loader.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#ifdef __linux__
#include <sys/resource.h>
#endif

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

  /* While levels are missing, what builds them: the file, already checked
   * against its hash, and level 0's pixels when they were decoded. */
  GBytes       *contents;
  char         *format_name;
  GBytes       *pixels;
  gsize         stride;
  int           bpp;
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
  g_clear_pointer (&self->contents, g_bytes_unref);
  g_clear_pointer (&self->pixels, g_bytes_unref);
  g_free (self->format_name);
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

gboolean
cs_image_pyramid_has_level (CsImagePyramid *self,
                            guint           level)
{
  g_return_val_if_fail (level < self->n_levels, FALSE);
  return self->levels[level].tiles != NULL;
}

gboolean
cs_image_pyramid_is_complete (CsImagePyramid *self)
{
  for (guint l = 0; l < self->n_levels; l++)
    if (self->levels[l].tiles == NULL)
      return FALSE;
  return TRUE;
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
  int   fit_width;
  int   fit_height;
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
  return cs_check_sha256 (contents, expected,
                          _("The image does not match the case: its contents differ from what the model "
                            "was shown, so it is not displayed."),
                          cancellable, error);
}

/* The hash runs on the second core while the first decodes: it costs about
 * an eighth of a load, and nothing the decode makes is returned before it
 * agrees. */
typedef struct
{
  GBytes       *contents;
  const char   *expected;
  GCancellable *cancellable;
} HashJob;

static gpointer
hash_thread (gpointer user_data)
{
  HashJob *job = user_data;
  GError *error = NULL;

  check_hash (job->contents, job->expected, job->cancellable, &error);
  return error;
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
  int      shift;
  gboolean refused;
} SizeGuard;

/* Averages @src over boxes of 2^@shift × 2^@shift pixels (fewer at the right
 * and bottom edges), output rows @from to @to of @dst: the coarse level that
 * fitting draws, in one pass, without first making every finer one. With
 * alpha, colours are weighted by it, as in halve(). The sums fit 32 bits up
 * to @shift 7, a 65535 px side's coarsest. */
static void
reduce_rows (const guint8 *src,
             int           width,
             int           height,
             gsize         stride,
             int           bpp,
             int           shift,
             guint8       *dst,
             gsize         dst_stride,
             int           from,
             int           to)
{
  int f = 1 << shift;
  int w = (width + f - 1) >> shift;
  g_autofree guint32 *sums = g_new (guint32, (gsize) w * 4);

  g_assert (shift >= 1 && shift <= 7);

  for (int y = from; y < to; y++)
    {
      int y0 = y << shift, y1 = MIN (y0 + f, height);
      guint8 *out = dst + (gsize) y * dst_stride;

      memset (sums, 0, (gsize) w * 4 * sizeof *sums);
      for (int sy = y0; sy < y1; sy++)
        {
          const guint8 *row = src + (gsize) sy * stride;

          if (bpp == 3)
            for (int x = 0; x < width; x++)
              {
                guint32 *s = sums + (x >> shift) * 4;

                s[0] += row[x * 3 + 0];
                s[1] += row[x * 3 + 1];
                s[2] += row[x * 3 + 2];
              }
          else
            for (int x = 0; x < width; x++)
              {
                guint32 *s = sums + (x >> shift) * 4;
                guint32 alpha = row[x * 4 + 3];

                s[0] += row[x * 4 + 0] * alpha;
                s[1] += row[x * 4 + 1] * alpha;
                s[2] += row[x * 4 + 2] * alpha;
                s[3] += alpha;
              }
        }

      for (int x = 0; x < w; x++)
        {
          const guint32 *s = sums + x * 4;
          guint32 count = (guint32) (MIN ((x + 1) << shift, width) - (x << shift)) * (guint32) (y1 - y0);

          if (bpp == 3)
            for (int c = 0; c < 3; c++)
              out[x * 3 + c] = (guint8) ((s[c] + count / 2) / count);
          else
            {
              for (int c = 0; c < 3; c++)
                out[x * 4 + c] = (guint8) (s[3] ? (s[c] + s[3] / 2) / s[3] : 0);
              out[x * 4 + 3] = (guint8) ((s[3] + count / 2) / count);
            }
        }
    }
}

/* The stride of a level @width pixels wide: a whole number of pixels and of
 * 4 bytes a row, so GL takes a tile's rows as they are. */
static gsize
level_stride (int width,
              int bpp)
{
  return (gsize) ((width + 3) & ~3) * bpp;
}

/* A PNG or TIFF is averaged into the level that fitting draws while it
 * decodes: the decoder fills rows from the top on one core, and this reduces
 * each band of 2^shift rows as soon as it is whole, on the other (the hash is
 * done long before). Rows that come out of order (an interlaced PNG) stop it,
 * and the level is reduced after the decode instead. */
typedef struct
{
  GMutex        mutex;
  GCond         cond;
  int           shift;
  const guint8 *pixels;     /* the decoder's, from area-prepared */
  gsize         stride;
  int           width;
  int           height;
  int           bpp;
  int           rows_done;  /* decoded, in order from the top */
  gboolean      in_order;
  gboolean      finished;   /* no more rows will come */
  guint8       *dst;
  gsize         dst_stride;
  int           dst_height;
  int           dst_rows;   /* of dst, reduced */
} BandReducer;

static gpointer
band_reducer_thread (gpointer user_data)
{
  BandReducer *r = user_data;

  g_mutex_lock (&r->mutex);
  for (;;)
    {
      int from, to;

      if (!r->in_order || (r->pixels != NULL && r->dst_rows == r->dst_height))
        break;
      if (r->pixels == NULL || r->rows_done < MIN ((r->dst_rows + 1) << r->shift, r->height))
        {
          if (r->finished)
            break;
          g_cond_wait (&r->cond, &r->mutex);
          continue;
        }

      from = r->dst_rows;
      to = r->rows_done >= r->height ? r->dst_height : r->rows_done >> r->shift;
      g_mutex_unlock (&r->mutex);
      reduce_rows (r->pixels, r->width, r->height, r->stride, r->bpp, r->shift, r->dst, r->dst_stride, from, to);
      g_mutex_lock (&r->mutex);
      r->dst_rows = to;
    }
  g_mutex_unlock (&r->mutex);
  return NULL;
}

static void
area_prepared_cb (GdkPixbufLoader *loader,
                  gpointer         user_data)
{
  BandReducer *r = user_data;
  GdkPixbuf *pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  int bpp = gdk_pixbuf_get_n_channels (pixbuf);
  int f = 1 << r->shift;

  g_mutex_lock (&r->mutex);
  if (r->pixels != NULL || gdk_pixbuf_get_bits_per_sample (pixbuf) != 8 || (bpp != 3 && bpp != 4))
    r->in_order = FALSE;
  else
    {
      r->width = gdk_pixbuf_get_width (pixbuf);
      r->height = gdk_pixbuf_get_height (pixbuf);
      r->bpp = bpp;
      r->stride = gdk_pixbuf_get_rowstride (pixbuf);
      r->dst_height = (r->height + f - 1) / f;
      r->dst_stride = level_stride ((r->width + f - 1) / f, bpp);
      r->dst = g_malloc ((gsize) r->dst_height * r->dst_stride);
      r->pixels = gdk_pixbuf_read_pixels (pixbuf);
    }
  g_cond_signal (&r->cond);
  g_mutex_unlock (&r->mutex);
}

static void
area_updated_cb (GdkPixbufLoader *loader,
                 int              x,
                 int              y,
                 int              width,
                 int              height,
                 gpointer         user_data)
{
  BandReducer *r = user_data;

  g_mutex_lock (&r->mutex);
  if (y == r->rows_done && x == 0 && width == r->width)
    r->rows_done = y + height;
  else
    r->in_order = FALSE;
  g_cond_signal (&r->cond);
  g_mutex_unlock (&r->mutex);
}

/* The decoder states the size again, from the very bytes that were hashed:
 * 0 × 0 makes it give up before it allocates anything. Otherwise it is asked
 * for the image halved @shift times, which libjpeg does while it decodes
 * (DCT scaling, up to 1/8) and other decoders after. */
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
  else if (guard->shift > 0)
    {
      int f = 1 << guard->shift;

      gdk_pixbuf_loader_set_size (loader, (width + f - 1) / f, (height + f - 1) / f);
    }
}

/* Decodes @contents at 1 / 2^@shift of its size (sides rounded up, as the
 * pyramid's); @width and @height get the full size the decoder read. */
/* With @reducer, it is run beside the decode (see BandReducer), and is done
 * when this returns. */
static GdkPixbuf *
decode (GBytes        *contents,
        const char    *format_name,
        int            shift,
        BandReducer   *reducer,
        int           *width,
        int           *height,
        GCancellable  *cancellable,
        GError       **error)
{
  GThread *reducer_thread = NULL;
  g_autoptr(GdkPixbufLoader) loader = NULL;
  g_autoptr(GError) local_error = NULL;
  SizeGuard guard = { 0, 0, shift, FALSE };
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (contents, &len);
  gboolean ok = TRUE;
  GdkPixbuf *pixbuf;
  int f = 1 << shift;

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
  if (reducer != NULL)
    {
      g_signal_connect (loader, "area-prepared", G_CALLBACK (area_prepared_cb), reducer);
      g_signal_connect (loader, "area-updated", G_CALLBACK (area_updated_cb), reducer);
      reducer_thread = g_thread_new ("cs-image-reduce", band_reducer_thread, reducer);
    }

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

  /* The reducer reads the loader's pixels: it ends before they can go. */
  if (reducer_thread != NULL)
    {
      g_mutex_lock (&reducer->mutex);
      reducer->finished = TRUE;
      if (!ok || g_cancellable_is_cancelled (cancellable))
        reducer->in_order = FALSE;
      g_cond_signal (&reducer->cond);
      g_mutex_unlock (&reducer->mutex);
      g_thread_join (reducer_thread);
    }

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
      (gdk_pixbuf_get_n_channels (pixbuf) != 3 && gdk_pixbuf_get_n_channels (pixbuf) != 4) ||
      gdk_pixbuf_get_width (pixbuf) != (guard.width + f - 1) / f ||
      gdk_pixbuf_get_height (pixbuf) != (guard.height + f - 1) / f)
    {
      g_set_error_literal (error, CS_ERROR, CS_ERROR_MALFORMED, _("The image is damaged and cannot be shown."));
      return NULL;
    }

  *width = guard.width;
  *height = guard.height;
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

/* An empty pyramid for a @width × @height image: every level's size, no
 * tiles yet. Halved with sides rounded up until the longer is at most
 * CS_IMAGE_PYRAMID_MIN_SIDE. */
static CsImagePyramid *
pyramid_new (int width,
             int height)
{
  CsImagePyramid *pyramid = g_atomic_rc_box_new0 (CsImagePyramid);
  g_autoptr(GArray) levels = g_array_new (FALSE, TRUE, sizeof (CsImageLevel));

  pyramid->width = width;
  pyramid->height = height;
  for (;;)
    {
      CsImageLevel level = { width, height, 0, 0, NULL };

      g_array_append_val (levels, level);
      if (MAX (width, height) <= CS_IMAGE_PYRAMID_MIN_SIDE)
        break;
      width = (width + 1) / 2;
      height = (height + 1) / 2;
    }
  pyramid->n_levels = levels->len;
  pyramid->levels = (CsImageLevel *) (void *) g_array_free (g_steal_pointer (&levels), FALSE);
  return pyramid;
}

/* Level 0's pixels are the decoded pixbuf's own memory, kept alive by the
 * tiles. */
static GBytes *
pixbuf_bytes (GdkPixbuf *pixbuf)
{
  return g_bytes_new_with_free_func (gdk_pixbuf_get_pixels (pixbuf), gdk_pixbuf_get_byte_length (pixbuf),
                                     g_object_unref, g_object_ref (pixbuf));
}

/* Cuts @pixels, level @first's, into tiles, then halves them into @first + 1
 * … @last and cuts each. */
static gboolean
build_levels (CsImagePyramid  *pyramid,
              guint            first,
              guint            last,
              GBytes          *first_pixels,
              gsize            stride,
              int              bpp,
              GCancellable    *cancellable,
              GError         **error)
{
  g_autoptr(GBytes) pixels = g_bytes_ref (first_pixels);
  GdkMemoryFormat format = bpp == 4 ? GDK_MEMORY_R8G8B8A8 : GDK_MEMORY_R8G8B8;

  for (guint l = first; l <= last; l++)
    {
      CsImageLevel *level = &pyramid->levels[l];
      int width, height;
      gsize half_stride;
      guint8 *half;

      cut_tiles (level, pixels, stride, format, bpp);
      if (l == last)
        break;
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;

      half = halve (g_bytes_get_data (pixels, NULL), level->width, level->height, stride, bpp,
                    &width, &height, &half_stride);
      g_bytes_unref (pixels);
      pixels = g_bytes_new_take (half, (gsize) height * half_stride);
      stride = half_stride;
    }
  return TRUE;
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

/* The level that fitting a @width × @height image into @fit_width ×
 * @fit_height device pixels draws; 0 when there is no area to fit into. */
static guint
fit_level (CsImagePyramid *pyramid,
           int             fit_width,
           int             fit_height)
{
  if (fit_width <= 0 || fit_height <= 0)
    return 0;
  return cs_image_level_for_zoom (pyramid->n_levels, MIN ((double) fit_width / pyramid->width,
                                                          (double) fit_height / pyramid->height));
}

/* The pyramid down from the level that fits (and what builds the finer ones
 * later). A JPEG is decoded straight at that level's scale, which libjpeg
 * does in half the time of the whole; other formats decode whole, and the
 * level is averaged from level 0 in one pass, band by band as the rows come. */
static CsImagePyramid *
decode_pyramid (GBytes        *contents,
                const char    *format_name,
                int            header_width,
                int            header_height,
                int            fit_width,
                int            fit_height,
                GCancellable  *cancellable,
                GError       **error)
{
  g_autoptr(CsImagePyramid) sized = pyramid_new (header_width, header_height);
  g_autoptr(CsImagePyramid) pyramid = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GBytes) pixels = NULL;
  guint fit = fit_level (sized, fit_width, fit_height);
  int shift = 0, width = 0, height = 0, bpp;
  gsize stride;
  BandReducer reducer = { .shift = (int) fit, .in_order = TRUE };
  g_autofree guint8 *reduced = NULL;
  gboolean reducing = FALSE;

  if (g_str_equal (format_name, "jpeg"))
    shift = (int) MIN (fit, 3);
  else
    reducing = fit >= 2;

  g_mutex_init (&reducer.mutex);
  g_cond_init (&reducer.cond);
  pixbuf = decode (contents, format_name, shift, reducing ? &reducer : NULL, &width, &height, cancellable, error);
  g_mutex_clear (&reducer.mutex);
  g_cond_clear (&reducer.cond);
  reduced = g_steal_pointer (&reducer.dst);
  if (pixbuf == NULL)
    return NULL;

  /* The decoder's size is the one to trust; the header's only chose the scale. */
  pyramid = pyramid_new (width, height);
  fit = MIN (fit, pyramid->n_levels - 1);
  pyramid->contents = g_bytes_ref (contents);
  pyramid->format_name = g_strdup (format_name);
  bpp = gdk_pixbuf_get_n_channels (pixbuf);
  stride = gdk_pixbuf_get_rowstride (pixbuf);
  pixels = pixbuf_bytes (pixbuf);

  if (shift > 0)
    {
      /* A JPEG at level @shift: levels 0 … @shift − 1 need the whole decode. */
      if ((guint) shift >= pyramid->n_levels ||
          pyramid->levels[shift].width != gdk_pixbuf_get_width (pixbuf) ||
          pyramid->levels[shift].height != gdk_pixbuf_get_height (pixbuf))
        {
          g_set_error_literal (error, CS_ERROR, CS_ERROR_MALFORMED, _("The image is damaged and cannot be shown."));
          return NULL;
        }
      if (!build_levels (pyramid, shift, pyramid->n_levels - 1, pixels, stride, bpp, cancellable, error))
        return NULL;
    }
  else if (fit <= 1)
    {
      if (!build_levels (pyramid, 0, pyramid->n_levels - 1, pixels, stride, bpp, cancellable, error))
        return NULL;
    }
  else
    {
      const CsImageLevel *level = &pyramid->levels[fit];
      gsize coarse_stride = level_stride (level->width, bpp);
      g_autoptr(GBytes) coarse = NULL;

      /* Level 0 now, since it is decoded; 1 … @fit − 1 later. */
      cut_tiles (&pyramid->levels[0], pixels, stride, bpp == 4 ? GDK_MEMORY_R8G8B8A8 : GDK_MEMORY_R8G8B8, bpp);
      if (reducer.in_order && reducer.dst_rows == level->height && reducer.shift == (int) fit &&
          reducer.width == width && reducer.height == height && reducer.bpp == bpp)
        coarse = g_bytes_new_take (g_steal_pointer (&reduced), (gsize) level->height * coarse_stride);
      else
        {
          guint8 *data = g_malloc ((gsize) level->height * coarse_stride);

          g_debug ("Reducing %d × %d after its decode: its rows did not come in order", width, height);
          reduce_rows (g_bytes_get_data (pixels, NULL), width, height, stride, bpp, (int) fit,
                       data, coarse_stride, 0, level->height);
          coarse = g_bytes_new_take (data, (gsize) level->height * coarse_stride);
        }
      if (!build_levels (pyramid, fit, pyramid->n_levels - 1, coarse, coarse_stride, bpp, cancellable, error))
        return NULL;
      pyramid->pixels = g_steal_pointer (&pixels);
      pyramid->stride = stride;
      pyramid->bpp = bpp;
    }

  if (cs_image_pyramid_is_complete (pyramid))
    {
      g_clear_pointer (&pyramid->contents, g_bytes_unref);
      g_clear_pointer (&pyramid->format_name, g_free);
    }
  return g_steal_pointer (&pyramid);
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
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GError) hash_error = NULL;
  g_autoptr(CsImagePyramid) pyramid = NULL;
  g_autofree char *format_name = NULL;
  GdkPixbufFormat *format;
  GError *error = NULL;
  HashJob job;
  GThread *hasher;
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
  job = (HashJob) { contents, data->expected_sha256, cancellable };
  hasher = g_thread_new ("cs-image-hash", hash_thread, &job);

  format_name = gdk_pixbuf_format_get_name (format);
  if (!is_complete (format_name, contents))
    g_set_error_literal (&error, CS_ERROR, CS_ERROR_MALFORMED,
                         _("The image is damaged: its file stops short, so part of it is missing."));
  else
    pyramid = decode_pyramid (contents, format_name, width, height, data->fit_width, data->fit_height,
                              cancellable, &error);

  /* A file that is not the case's is reported as that, whatever else is
   * wrong with it, and nothing decoded from it goes further. */
  hash_error = g_thread_join (hasher);
  if (hash_error != NULL)
    {
      g_clear_error (&error);
      g_task_return_error (task, g_steal_pointer (&hash_error));
    }
  else if (pyramid == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_steal_pointer (&pyramid), (GDestroyNotify) cs_image_pyramid_unref);
}

void
cs_image_load_async (const char          *path,
                     const char          *expected_sha256,
                     int                  fit_width,
                     int                  fit_height,
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
  data->fit_width = fit_width;
  data->fit_height = fit_height;
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

/* Refining */

static void
refine_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  CsImagePyramid *source = task_data;
  g_autoptr(CsImagePyramid) pyramid = pyramid_new (source->width, source->height);
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GBytes) pixels = NULL;
  GError *error = NULL;
  gsize stride = source->stride;
  int bpp = source->bpp;
  guint last = 0;

  /* The built levels are shared; the missing ones run from 0 or 1 up to the
   * level fitting drew. */
  for (guint l = 0; l < source->n_levels; l++)
    {
      const CsImageLevel *from = &source->levels[l];
      CsImageLevel *to = &pyramid->levels[l];

      if (from->tiles == NULL)
        {
          last = l;
          continue;
        }
      to->n_columns = from->n_columns;
      to->n_rows = from->n_rows;
      to->tiles = g_new (GdkTexture *, from->n_columns * from->n_rows);
      for (guint i = 0; i < from->n_columns * from->n_rows; i++)
        to->tiles[i] = g_object_ref (from->tiles[i]);
    }

  if (source->pixels != NULL)
    pixels = g_bytes_ref (source->pixels);
  else
    {
      int width = 0, height = 0;

      pixbuf = decode (source->contents, source->format_name, 0, NULL, &width, &height, cancellable, &error);
      if (pixbuf == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      /* The same bytes decoded twice must agree on what they are. */
      if (width != source->width || height != source->height)
        {
          g_task_return_new_error (task, CS_ERROR, CS_ERROR_MALFORMED, "%s",
                                   _("The image is damaged and cannot be shown."));
          return;
        }
      pixels = pixbuf_bytes (pixbuf);
      stride = gdk_pixbuf_get_rowstride (pixbuf);
      bpp = gdk_pixbuf_get_n_channels (pixbuf);
    }

  if (pyramid->levels[0].tiles != NULL)
    {
      /* Level 0 is shared: halve its pixels into level 1 first. */
      int width, height;
      gsize half_stride;
      guint8 *half = halve (g_bytes_get_data (pixels, NULL), pyramid->width, pyramid->height, stride, bpp,
                            &width, &height, &half_stride);

      g_bytes_unref (pixels);
      pixels = g_bytes_new_take (half, (gsize) height * half_stride);
      stride = half_stride;
      if (!build_levels (pyramid, 1, last, pixels, stride, bpp, cancellable, &error))
        {
          g_task_return_error (task, error);
          return;
        }
    }
  else if (!build_levels (pyramid, 0, last, pixels, stride, bpp, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&pyramid), (GDestroyNotify) cs_image_pyramid_unref);
}

/* Refining is for later zooms: it runs in a thread of its own at a lower
 * priority, so that it yields to drawing and to the next case's load (on
 * Linux a thread's nice value is its own). */
static gpointer
refine_thread_main (gpointer user_data)
{
  g_autoptr(GTask) task = user_data;

#ifdef __linux__
  if (setpriority (PRIO_PROCESS, 0, 10) != 0)
    g_debug ("Cannot lower the priority of the image refining: %s", g_strerror (errno));
#endif
  refine_thread (task, NULL, g_task_get_task_data (task), g_task_get_cancellable (task));
  return NULL;
}

void
cs_image_pyramid_refine_async (CsImagePyramid      *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (self != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, cs_image_pyramid_refine_async);
  g_task_set_name (task, "[countersign] image refine");
  if (cs_image_pyramid_is_complete (self))
    {
      g_task_return_pointer (task, cs_image_pyramid_ref (self), (GDestroyNotify) cs_image_pyramid_unref);
      return;
    }
  g_task_set_task_data (task, cs_image_pyramid_ref (self), (GDestroyNotify) cs_image_pyramid_unref);
  g_thread_unref (g_thread_new ("cs-image-refine", refine_thread_main, g_steal_pointer (&task)));
}

CsImagePyramid *
cs_image_pyramid_refine_finish (GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cs_image_pyramid_refine_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
