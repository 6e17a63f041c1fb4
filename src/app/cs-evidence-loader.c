/* cs-evidence-loader.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include <glib/gi18n.h>
#include <poppler.h>

#include "cs-evidence-loader.h"

/* poppler-glib 22.02 declares no autoptr cleanups of its own. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PopplerDocument, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PopplerPage, g_object_unref)

typedef struct
{
  char      *path;
  CsAsset   *asset;
  GPtrArray *regions;
  int        max_side;
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_free (data->path);
  cs_asset_free (data->asset);
  g_clear_pointer (&data->regions, g_ptr_array_unref);
  g_free (data);
}

static gboolean
check_hash (const char     *path,
            const CsAsset  *asset,
            GBytes        **contents,
            GError        **error)
{
  g_autoptr(GMappedFile) mapped = NULL;
  g_autofree char *hash = NULL;
  g_autoptr(GError) local_error = NULL;

  mapped = g_mapped_file_new (path, FALSE, &local_error);
  if (mapped == NULL)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_NOT_FOUND, _("The evidence file could not be read: %s"),
                   local_error->message);
      return FALSE;
    }

  hash = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                      (const guchar *) g_mapped_file_get_contents (mapped),
                                      g_mapped_file_get_length (mapped));
  if (!g_str_equal (hash, asset->sha256))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_HASH_MISMATCH,
                   _("The evidence file is damaged: its contents do not match the case"));
      return FALSE;
    }

  *contents = g_mapped_file_get_bytes (mapped);
  return TRUE;
}

static void
outline_regions (cairo_t   *cr,
                 GPtrArray *regions,
                 int        page,
                 double     scale)
{
  for (guint i = 0; regions != NULL && i < regions->len; i++)
    {
      CsRegion *region = g_ptr_array_index (regions, i);

      if (region->page != page)
        continue;
      cairo_save (cr);
      cairo_rectangle (cr, region->x * scale, region->y * scale, region->w * scale, region->h * scale);
      cairo_set_source_rgba (cr, 0.21, 0.52, 0.89, 0.18);
      cairo_fill_preserve (cr);
      cairo_set_source_rgba (cr, 0.21, 0.52, 0.89, 0.95);
      cairo_set_line_width (cr, 2.0);
      cairo_stroke (cr);
      cairo_restore (cr);
    }
}

static GdkTexture *
texture_from_surface (cairo_surface_t *surface)
{
  g_autoptr(GBytes) bytes = NULL;
  int width = cairo_image_surface_get_width (surface);
  int height = cairo_image_surface_get_height (surface);
  int stride = cairo_image_surface_get_stride (surface);

  cairo_surface_flush (surface);
  bytes = g_bytes_new (cairo_image_surface_get_data (surface), (gsize) stride * height);
  return gdk_memory_texture_new (width, height, GDK_MEMORY_DEFAULT, bytes, stride);
}

static GdkTexture *
load_pdf (LoadData  *data,
          GBytes    *contents,
          GError   **error)
{
  g_autoptr(PopplerDocument) document = NULL;
  g_autoptr(PopplerPage) page = NULL;
  g_autoptr(GError) local_error = NULL;
  cairo_surface_t *surface;
  cairo_t *cr;
  double width, height, scale;
  GdkTexture *texture;

  document = poppler_document_new_from_bytes (contents, NULL, &local_error);
  if (document == NULL)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_MALFORMED, _("The document could not be opened: %s"),
                   local_error->message);
      return NULL;
    }
  if (poppler_document_get_n_pages (document) < 1)
    {
      g_set_error_literal (error, CS_ERROR, CS_ERROR_MALFORMED, _("The document has no pages"));
      return NULL;
    }

  page = poppler_document_get_page (document, 0);
  poppler_page_get_size (page, &width, &height);
  if (width <= 0 || height <= 0 || width > 20000 || height > 20000)
    {
      g_set_error_literal (error, CS_ERROR, CS_ERROR_MALFORMED, _("The document’s page size is not plausible"));
      return NULL;
    }

  scale = MIN (data->max_side / MAX (width, height), 3.0);
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) ceil (width * scale), (int) ceil (height * scale));
  cr = cairo_create (surface);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  cairo_save (cr);
  cairo_scale (cr, scale, scale);
  poppler_page_render (page, cr);
  cairo_restore (cr);
  outline_regions (cr, data->regions, 0, scale);
  cairo_destroy (cr);

  texture = texture_from_surface (surface);
  cairo_surface_destroy (surface);
  return texture;
}

static GdkTexture *
load_image (LoadData  *data,
            GBytes    *contents,
            GError   **error)
{
  g_autoptr(GdkPixbufLoader) loader = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GdkPixbuf) scaled = NULL;
  GdkPixbufFormat *format;
  GdkPixbuf *pixbuf;
  int width = 0, height = 0;

  /* The header alone tells the size: refuse an image bomb before decoding it. */
  format = gdk_pixbuf_get_file_info (data->path, &width, &height);
  if (format == NULL)
    {
      g_set_error_literal (error, CS_ERROR, CS_ERROR_MALFORMED,
                           _("The image is damaged or in a format Countersign cannot read"));
      return NULL;
    }
  if (width <= 0 || height <= 0 || width > CS_EVIDENCE_MAX_SIDE || height > CS_EVIDENCE_MAX_SIDE ||
      (double) width * height > CS_EVIDENCE_MAX_PIXELS)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_TOO_LARGE,
                   _("The image claims to be %d × %d pixels, too large to open safely"), width, height);
      return NULL;
    }

  loader = gdk_pixbuf_loader_new ();
  if (!gdk_pixbuf_loader_write_bytes (loader, contents, &local_error) ||
      !gdk_pixbuf_loader_close (loader, &local_error))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_MALFORMED, _("The image is damaged: %s"), local_error->message);
      return NULL;
    }

  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  if (pixbuf == NULL)
    {
      g_set_error_literal (error, CS_ERROR, CS_ERROR_MALFORMED, _("The image is damaged"));
      return NULL;
    }

  width = gdk_pixbuf_get_width (pixbuf);
  height = gdk_pixbuf_get_height (pixbuf);
  if (MAX (width, height) > data->max_side)
    {
      double scale = (double) data->max_side / MAX (width, height);
      scaled = gdk_pixbuf_scale_simple (pixbuf, MAX (1, (int) (width * scale)), MAX (1, (int) (height * scale)),
                                        GDK_INTERP_BILINEAR);
    }
  else
    scaled = g_object_ref (pixbuf);

  if (data->regions != NULL && data->regions->len > 0)
    {
      int w = gdk_pixbuf_get_width (scaled), h = gdk_pixbuf_get_height (scaled);
      cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
      cairo_t *cr = cairo_create (surface);
      GdkTexture *texture;

      gdk_cairo_set_source_pixbuf (cr, scaled, 0, 0);
      cairo_paint (cr);
      outline_regions (cr, data->regions, 0, (double) w / width);
      cairo_destroy (cr);
      texture = texture_from_surface (surface);
      cairo_surface_destroy (surface);
      return texture;
    }

  return gdk_texture_new_for_pixbuf (scaled);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LoadData *data = task_data;
  g_autoptr(GBytes) contents = NULL;
  GError *error = NULL;
  GdkTexture *texture;

  if (!check_hash (data->path, data->asset, &contents, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    return;

  if (g_strcmp0 (data->asset->media_type, "application/pdf") == 0)
    texture = load_pdf (data, contents, &error);
  else
    texture = load_image (data, contents, &error);

  if (texture == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, texture, g_object_unref);
}

void
cs_evidence_load_async (const char          *path,
                        const CsAsset       *asset,
                        GPtrArray           *regions,
                        int                  max_side,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  LoadData *data = g_new0 (LoadData, 1);

  data->path = g_strdup (path);
  data->asset = cs_asset_copy (asset);
  data->regions = regions ? g_ptr_array_ref (regions) : NULL;
  data->max_side = MAX (max_side, 64);
  g_task_set_source_tag (task, cs_evidence_load_async);
  g_task_set_task_data (task, data, (GDestroyNotify) load_data_free);
  g_task_run_in_thread (task, load_thread);
}

GdkTexture *
cs_evidence_load_finish (GAsyncResult  *result,
                         GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
