/* cs-document-view.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include <adwaita.h>
#include <glib/gi18n.h>
#include <poppler.h>

#include "cs-document-view.h"
#include "cs-drawing.h"

/* poppler-glib 22.02 declares no autoptr cleanups of its own. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PopplerDocument, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PopplerPage, g_object_unref)

/* A key press zooms by a quarter, a wheel notch by a tenth. */
#define ZOOM_STEP 1.25
#define WHEEL_ZOOM_STEP 1.1
/* Touchpad pixels that zoom as much as a wheel notch. */
#define SMOOTH_SCROLL_PER_NOTCH 40.0
#define WHEEL_PAN_STEP 64.0
#define MIN_ZOOM 0.1
#define MAX_ZOOM 8.0
/* Neighbours are rendered ahead only when that is cheap. */
#define PREFETCH_MAX_PIXELS (16.0 * 1024 * 1024)
/* Around the page, in logical pixels. */
#define PAGE_MARGIN 12
/* A page poppler cannot read is laid out as US Letter, so that the view
 * keeps its shape around the message. */
#define FALLBACK_PAGE_WIDTH 612.0
#define FALLBACK_PAGE_HEIGHT 792.0

/* Jobs of the worker, the most urgent first. */
typedef enum
{
  JOB_LOAD,
  JOB_RENDER,
  JOB_PREFETCH,
} JobKind;

typedef struct
{
  JobKind          kind;
  guint64          serial;
  /* JOB_LOAD */
  char            *path;
  char            *expected_sha256;
  /* JOB_RENDER, JOB_PREFETCH */
  PopplerDocument *document;
  guint            page;
  double           scale;     /* device pixels per point */
} Job;

typedef struct
{
  PopplerDocument *document;
  guint            n_pages;
  double          *sizes;     /* width, height of each page in points; 0, 0 when unreadable */
} LoadResult;

/* A rendered page, or why it could not be: an entry of the cache. */
typedef struct
{
  guint       page;
  double      scale;
  GdkTexture *texture;
  char       *error;
} PageImage;

/* A render handed to the worker and not yet back. */
typedef struct
{
  guint         page;
  double        scale;
  GCancellable *cancellable;
} Request;

struct _CsDocumentView
{
  GtkWidget            parent_instance;

  AdwStatusPage       *message_page;
  GtkWidget           *toolbar;
  GtkLabel            *page_label;
  GtkWidget           *region_button;
  AdwButtonContent    *region_content;

  CsDocumentViewState  state;
  char                *error_message;
  char                *label;

  /* The one thread that ever touches a PopplerDocument of this view. */
  GThreadPool         *worker;
  guint64              job_serial;
  GCancellable        *load_cancellable;
  PopplerDocument     *document;
  guint                n_pages;
  double              *sizes;
  guint                page;
  GPtrArray           *cache;      /* of PageImage */
  GPtrArray           *requests;   /* of Request */

  GtkAdjustment       *hadjustment;
  GtkAdjustment       *vadjustment;
  guint                hscroll_policy : 1;
  guint                vscroll_policy : 1;
  gboolean             fit;
  double               zoom;
  int                  last_width;
  int                  last_height;
  int                  band_height; /* under the page: room to scroll it clear of the toolbar */

  double               pointer_x;
  double               pointer_y;
  double               drag_start_h;
  double               drag_start_v;

  GPtrArray           *regions;
  guint                drawn_regions;
};

enum {
  PROP_0,
  PROP_STATE,
  PROP_ERROR_MESSAGE,
  PROP_N_PAGES,
  PROP_PAGE,
  PROP_ZOOM,
  PROP_FIT,
  PROP_LABEL,
  N_PROPS,

  /* GtkScrollable's */
  PROP_HADJUSTMENT = N_PROPS,
  PROP_VADJUSTMENT,
  PROP_HSCROLL_POLICY,
  PROP_VSCROLL_POLICY,
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_ENUM_TYPE (CsDocumentViewState, cs_document_view_state,
                    G_DEFINE_ENUM_VALUE (CS_DOCUMENT_VIEW_STATE_EMPTY, "empty"),
                    G_DEFINE_ENUM_VALUE (CS_DOCUMENT_VIEW_STATE_LOADING, "loading"),
                    G_DEFINE_ENUM_VALUE (CS_DOCUMENT_VIEW_STATE_READY, "ready"),
                    G_DEFINE_ENUM_VALUE (CS_DOCUMENT_VIEW_STATE_ERROR, "error"))

G_DEFINE_FINAL_TYPE_WITH_CODE (CsDocumentView, cs_document_view, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_SCROLLABLE, NULL))

static void ensure_renders (CsDocumentView *self);
static void update_page_ui (CsDocumentView *self);

/* The worker
 *
 * Each job is a GTask made on the main thread and returned from the worker:
 * its callback runs on the main thread, and holds no reference on the view. A
 * view disposed or done with a job cancels it first, and GTask then reports
 * it cancelled even when it had finished: only then may the view be gone. */

static void
job_free (Job *job)
{
  g_free (job->path);
  g_free (job->expected_sha256);
  g_clear_object (&job->document);
  g_free (job);
}

static void
load_result_free (LoadResult *result)
{
  g_clear_object (&result->document);
  g_free (result->sizes);
  g_free (result);
}

static void
page_image_free (PageImage *image)
{
  g_clear_object (&image->texture);
  g_free (image->error);
  g_free (image);
}

static void
request_free (Request *request)
{
  g_cancellable_cancel (request->cancellable);
  g_object_unref (request->cancellable);
  g_free (request);
}

static gboolean
check_hash (GBytes        *contents,
            const char    *expected,
            GCancellable  *cancellable,
            GError       **error)
{
  return cs_check_sha256 (contents, expected, _("The evidence file is damaged: its contents do not match the case"),
                          cancellable, error);
}

static gboolean
page_size_is_sane (double width,
                   double height)
{
  return isfinite (width) && isfinite (height) && width > 0 && height > 0;
}

static void
run_load (GTask *task,
          Job   *job)
{
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GBytes) contents = NULL;
  g_autoptr(PopplerDocument) document = NULL;
  g_autoptr(GError) local_error = NULL;
  GError *error = NULL;
  LoadResult *result;
  int n_pages;

  mapped = g_mapped_file_new (job->path, FALSE, &local_error);
  if (mapped == NULL)
    {
      g_debug ("Cannot map %s: %s", job->path, local_error->message);
      g_task_return_new_error (task, CS_ERROR, CS_ERROR_NOT_FOUND,
                               _("The evidence file could not be read: it is missing or unreadable."));
      return;
    }

  contents = g_mapped_file_get_bytes (mapped);
  if (!check_hash (contents, job->expected_sha256, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  document = poppler_document_new_from_bytes (contents, NULL, &local_error);
  if (document == NULL)
    {
      if (g_error_matches (local_error, POPPLER_ERROR, POPPLER_ERROR_ENCRYPTED))
        g_task_return_new_error (task, CS_ERROR, CS_ERROR_MALFORMED,
                                 _("This PDF is protected by a password, so it cannot be shown. "
                                   "Ask for a copy of the evidence without a password."));
      else
        g_task_return_new_error (task, CS_ERROR, CS_ERROR_MALFORMED, _("This PDF cannot be opened: %s"),
                                 local_error->message);
      return;
    }

  n_pages = poppler_document_get_n_pages (document);
  if (n_pages <= 0)
    {
      g_task_return_new_error (task, CS_ERROR, CS_ERROR_MALFORMED, _("This PDF has no pages: there is nothing to show."));
      return;
    }

  result = g_new0 (LoadResult, 1);
  result->n_pages = (guint) n_pages;
  result->sizes = g_new0 (double, (gsize) n_pages * 2);
  for (int i = 0; i < n_pages; i++)
    {
      g_autoptr(PopplerPage) page = NULL;
      double width = 0, height = 0;

      if (i % 64 == 0 && g_cancellable_is_cancelled (cancellable))
        break;
      page = poppler_document_get_page (document, i);
      if (page != NULL)
        poppler_page_get_size (page, &width, &height);
      if (page_size_is_sane (width, height))
        {
          result->sizes[i * 2] = width;
          result->sizes[i * 2 + 1] = height;
        }
    }
  result->document = g_steal_pointer (&document);
  g_task_return_pointer (task, result, (GDestroyNotify) load_result_free);
}

static GdkTexture *
texture_from_surface (cairo_surface_t *surface)
{
  g_autoptr(GBytes) bytes = NULL;
  int height = cairo_image_surface_get_height (surface);
  int stride = cairo_image_surface_get_stride (surface);

  /* Cairo's ARGB32 is GDK_MEMORY_DEFAULT; the texture keeps the surface's
   * pixels without a copy. */
  cairo_surface_flush (surface);
  bytes = g_bytes_new_with_free_func (cairo_image_surface_get_data (surface), (gsize) stride * height,
                                      (GDestroyNotify) cairo_surface_destroy, surface);
  return gdk_memory_texture_new (cairo_image_surface_get_width (surface), height, GDK_MEMORY_DEFAULT, bytes,
                                 stride);
}

static void
return_page_error (GTask      *task,
                   Job        *job,
                   const char *message)
{
  PageImage *image = g_new0 (PageImage, 1);

  image->page = job->page;
  image->scale = job->scale;
  image->error = g_strdup (message);
  g_task_return_pointer (task, image, (GDestroyNotify) page_image_free);
}

static void
run_render (GTask *task,
            Job   *job)
{
  g_autoptr(PopplerPage) page = NULL;
  cairo_surface_t *surface;
  cairo_status_t status;
  cairo_t *cr;
  PageImage *image;
  double width = 0, height = 0;
  int pixel_width, pixel_height;

  page = poppler_document_get_page (job->document, (int) job->page);
  if (page != NULL)
    poppler_page_get_size (page, &width, &height);
  if (page == NULL || !page_size_is_sane (width, height))
    {
      return_page_error (task, job, _("This page of the PDF is damaged and cannot be shown. "
                                      "The other pages can still be read."));
      return;
    }

  /* The view's zoom already stops short of these; a page is never trusted to. */
  pixel_width = (int) CLAMP (ceil (width * job->scale - 1e-6), 1, CS_DOCUMENT_VIEW_MAX_RENDER_SIDE);
  pixel_height = (int) CLAMP (ceil (height * job->scale - 1e-6), 1, CS_DOCUMENT_VIEW_MAX_RENDER_SIDE);
  if ((double) pixel_width * pixel_height > CS_DOCUMENT_VIEW_MAX_RENDER_PIXELS)
    {
      return_page_error (task, job, _("This page is too large to show at this zoom. Zoom out to see it."));
      return;
    }

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, pixel_width, pixel_height);
  status = cairo_surface_status (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    {
      cr = cairo_create (surface);
      cairo_scale (cr, pixel_width / width, pixel_height / height);
      poppler_page_render (page, cr);
      /* Paper is white where the page paints nothing. */
      cairo_set_operator (cr, CAIRO_OPERATOR_DEST_OVER);
      cairo_set_source_rgb (cr, 1, 1, 1);
      cairo_paint (cr);
      status = cairo_status (cr);
      cairo_destroy (cr);
    }
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_autofree char *message = g_strdup_printf (_("This page could not be drawn (%s). "
                                                    "The other pages can still be read."),
                                                  cairo_status_to_string (status));
      cairo_surface_destroy (surface);
      return_page_error (task, job, message);
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    {
      cairo_surface_destroy (surface);
      return;
    }

  image = g_new0 (PageImage, 1);
  image->page = job->page;
  image->scale = job->scale;
  image->texture = texture_from_surface (surface);
  g_task_return_pointer (task, image, (GDestroyNotify) page_image_free);
}

static void
worker_run (gpointer data,
            gpointer user_data)
{
  g_autoptr(GTask) task = data;
  Job *job = g_task_get_task_data (task);

  if (g_task_return_error_if_cancelled (task))
    return;
  if (job->kind == JOB_LOAD)
    run_load (task, job);
  else
    run_render (task, job);
}

static int
compare_jobs (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  const Job *ja = g_task_get_task_data ((GTask *) a);
  const Job *jb = g_task_get_task_data ((GTask *) b);

  if (ja->kind != jb->kind)
    return ja->kind < jb->kind ? -1 : 1;
  return ja->serial < jb->serial ? -1 : ja->serial > jb->serial;
}

static void
push_job (CsDocumentView      *self,
          Job                 *job,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             source_tag)
{
  g_autoptr(GError) error = NULL;
  GTask *task = g_task_new (NULL, cancellable, callback, self);

  job->serial = ++self->job_serial;
  g_task_set_source_tag (task, source_tag);
  g_task_set_name (task, job->kind == JOB_LOAD ? "[countersign] document load" : "[countersign] page render");
  g_task_set_priority (task, job->kind == JOB_PREFETCH ? G_PRIORITY_LOW : G_PRIORITY_DEFAULT);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  /* Fails only when no thread can be started; the job then waits for the
   * next one. */
  if (!g_thread_pool_push (self->worker, task, &error))
    g_debug ("No thread for the document worker yet: %s", error->message);
}

/* Geometry */

/* Within half a pixel the page fits: no scrollbar for a rounding error. */
static gboolean
fits (double content,
      double viewport)
{
  return content <= viewport + 0.5;
}

static gboolean
page_is_readable (CsDocumentView *self,
                  guint           page)
{
  return self->sizes != NULL && page < self->n_pages && self->sizes[page * 2] > 0;
}

/* For layout: unreadable pages have the fallback size. */
static void
layout_page_size (CsDocumentView *self,
                  guint           page,
                  double         *width,
                  double         *height)
{
  if (page_is_readable (self, page))
    {
      *width = self->sizes[page * 2];
      *height = self->sizes[page * 2 + 1];
    }
  else
    {
      *width = FALLBACK_PAGE_WIDTH;
      *height = FALLBACK_PAGE_HEIGHT;
    }
}

static double
fit_zoom_for (CsDocumentView *self,
              guint           page)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  double page_width, page_height;

  layout_page_size (self, page, &page_width, &page_height);
  if (width <= 0)
    return 1.0;
  return MAX (width - 2.0 * PAGE_MARGIN, 1.0) / page_width;
}

/* The zoom @zoom becomes on @page: within MIN_ZOOM..MAX_ZOOM (widened to
 * take in fitting), and never past what may be rendered. */
static double
clamp_zoom_for (CsDocumentView *self,
                guint           page,
                double          zoom)
{
  double fit = fit_zoom_for (self, page);
  double scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  double width, height, budget, lo, hi;

  layout_page_size (self, page, &width, &height);
  budget = MIN (CS_DOCUMENT_VIEW_MAX_RENDER_SIDE / (MAX (width, height) * scale),
                sqrt (CS_DOCUMENT_VIEW_MAX_RENDER_PIXELS / (width * height)) / scale);
  hi = MIN (MAX (fit, MAX_ZOOM), budget);
  lo = MIN (MIN (fit, MIN_ZOOM), hi);
  return CLAMP (zoom, lo, hi);
}

static double
zoom_for_page (CsDocumentView *self,
               guint           page)
{
  return clamp_zoom_for (self, page, self->fit ? fit_zoom_for (self, page) : self->zoom);
}

static double
device_scale_for_page (CsDocumentView *self,
                       guint           page)
{
  return zoom_for_page (self, page) * gtk_widget_get_scale_factor (GTK_WIDGET (self));
}

static gboolean
has_document (CsDocumentView *self)
{
  return self->state == CS_DOCUMENT_VIEW_STATE_READY && self->n_pages > 0;
}

/* What there is to scroll: the page, its margins, and the band under it. */
static void
content_size (CsDocumentView *self,
              double         *width,
              double         *height)
{
  double page_width, page_height;

  if (!has_document (self))
    {
      *width = *height = 0;
      return;
    }
  layout_page_size (self, self->page, &page_width, &page_height);
  *width = page_width * self->zoom + 2 * PAGE_MARGIN;
  *height = page_height * self->zoom + PAGE_MARGIN + self->band_height;
}

/* Where the page's top left corner is drawn: centred while the page fits
 * (above the toolbar), else wherever the adjustments have scrolled it. */
static void
get_origin_for_size (CsDocumentView *self,
                     double          width,
                     double          height,
                     double         *x,
                     double         *y)
{
  double content_width, content_height;

  content_size (self, &content_width, &content_height);
  *x = PAGE_MARGIN + (fits (content_width, width) ? (width - content_width) / 2
                                                   : -gtk_adjustment_get_value (self->hadjustment));
  *y = PAGE_MARGIN + (fits (content_height, height) ? (height - content_height) / 2
                                                     : -gtk_adjustment_get_value (self->vadjustment));
}

static void
get_origin (CsDocumentView *self,
            double         *x,
            double         *y)
{
  get_origin_for_size (self, gtk_widget_get_width (GTK_WIDGET (self)), gtk_widget_get_height (GTK_WIDGET (self)),
                       x, y);
}

static void
view_to_page (CsDocumentView *self,
              double          view_x,
              double          view_y,
              double         *x,
              double         *y)
{
  double ox, oy;

  get_origin (self, &ox, &oy);
  *x = (view_x - ox) / self->zoom;
  *y = (view_y - oy) / self->zoom;
}

static void
configure_adjustments (CsDocumentView *self,
                       double          hvalue,
                       double          vvalue)
{
  double width = gtk_widget_get_width (GTK_WIDGET (self));
  double height = gtk_widget_get_height (GTK_WIDGET (self));
  double content_width, content_height;

  content_size (self, &content_width, &content_height);
  gtk_adjustment_configure (self->hadjustment, hvalue, 0,
                            fits (content_width, width) ? width : content_width,
                            width * 0.1, width * 0.9, width);
  gtk_adjustment_configure (self->vadjustment, vvalue, 0,
                            fits (content_height, height) ? height : content_height,
                            height * 0.1, height * 0.9, height);
}

static void
set_fit_internal (CsDocumentView *self,
                  gboolean        fit)
{
  if (self->fit == fit)
    return;
  self->fit = fit;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FIT]);
}

static void
set_zoom_internal (CsDocumentView *self,
                   double          zoom)
{
  if (self->zoom == zoom)
    return;
  self->zoom = zoom;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

/* Zooms so that page point @x, @y lands on @view_x, @view_y. */
static void
zoom_at (CsDocumentView *self,
         double          zoom,
         double          x,
         double          y,
         double          view_x,
         double          view_y)
{
  if (!has_document (self))
    return;

  set_fit_internal (self, FALSE);
  set_zoom_internal (self, clamp_zoom_for (self, self->page, zoom));
  configure_adjustments (self, PAGE_MARGIN + x * self->zoom - view_x, PAGE_MARGIN + y * self->zoom - view_y);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  ensure_renders (self);
}

/* Zooms keeping what is under @view_x, @view_y still. */
static void
zoom_around (CsDocumentView *self,
             double          zoom,
             double          view_x,
             double          view_y)
{
  double x, y;

  if (!has_document (self))
    return;
  view_to_page (self, view_x, view_y, &x, &y);
  zoom_at (self, zoom, x, y, view_x, view_y);
}

static void
zoom_around_centre (CsDocumentView *self,
                    double          zoom)
{
  /* The centre of what the toolbar leaves visible. */
  zoom_around (self, zoom, gtk_widget_get_width (GTK_WIDGET (self)) / 2.0,
               MAX (gtk_widget_get_height (GTK_WIDGET (self)) - self->band_height, 0) / 2.0);
}

/* Fits the page's width, keeping what is at the centre of the view there. */
static void
apply_fit (CsDocumentView *self)
{
  double view_x = gtk_widget_get_width (GTK_WIDGET (self)) / 2.0;
  double view_y = MAX (gtk_widget_get_height (GTK_WIDGET (self)) - self->band_height, 0) / 2.0;
  double x, y;

  view_to_page (self, view_x, view_y, &x, &y);
  set_zoom_internal (self, zoom_for_page (self, self->page));
  configure_adjustments (self, PAGE_MARGIN + x * self->zoom - view_x, PAGE_MARGIN + y * self->zoom - view_y);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  ensure_renders (self);
}

/* Shows page @page from its top; the horizontal scroll is kept. */
static void
turn_to (CsDocumentView *self,
         guint           page)
{
  if (!has_document (self))
    return;

  page = MIN (page, self->n_pages - 1);
  if (page != self->page)
    {
      self->page = page;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAGE]);
    }
  set_zoom_internal (self, zoom_for_page (self, page));
  configure_adjustments (self, gtk_adjustment_get_value (self->hadjustment), 0);
  update_page_ui (self);
  ensure_renders (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* The cache */

static gboolean
same_scale (double a,
            double b)
{
  return fabs (a - b) <= 1e-6 * MAX (a, b);
}

/* The page at @scale; an error holds at every scale. */
static PageImage *
lookup_image (CsDocumentView *self,
              guint           page,
              double          scale)
{
  for (guint i = 0; i < self->cache->len; i++)
    {
      PageImage *image = g_ptr_array_index (self->cache, i);

      if (image->page == page && (image->error != NULL || same_scale (image->scale, scale)))
        return image;
    }
  return NULL;
}

/* What to draw meanwhile: the page at another scale, stretched. */
static PageImage *
lookup_any_image (CsDocumentView *self,
                  guint           page)
{
  PageImage *image = lookup_image (self, page, device_scale_for_page (self, page));

  for (guint i = 0; image == NULL && i < self->cache->len; i++)
    if (((PageImage *) g_ptr_array_index (self->cache, i))->page == page)
      image = g_ptr_array_index (self->cache, i);
  return image;
}

static Request *
lookup_request (CsDocumentView *self,
                guint           page,
                double          scale)
{
  for (guint i = 0; i < self->requests->len; i++)
    {
      Request *request = g_ptr_array_index (self->requests, i);

      if (request->page == page && same_scale (request->scale, scale))
        return request;
    }
  return NULL;
}

static gboolean
page_is_wanted (CsDocumentView *self,
                guint           page,
                double          scale,
                gboolean        include_neighbours)
{
  if (page == self->page)
    return same_scale (scale, device_scale_for_page (self, page));
  if (!include_neighbours || (page + 1 != self->page && page != self->page + 1))
    return FALSE;
  return same_scale (scale, device_scale_for_page (self, page));
}

static void page_rendered_cb (GObject      *source,
                              GAsyncResult *result,
                              gpointer      user_data);

static void
request_render (CsDocumentView *self,
                guint           page,
                double          scale,
                JobKind         kind)
{
  Request *request;
  Job *job;

  if (lookup_image (self, page, scale) != NULL || lookup_request (self, page, scale) != NULL)
    return;

  request = g_new0 (Request, 1);
  request->page = page;
  request->scale = scale;
  request->cancellable = g_cancellable_new ();
  g_ptr_array_add (self->requests, request);

  job = g_new0 (Job, 1);
  job->kind = kind;
  job->document = g_object_ref (self->document);
  job->page = page;
  job->scale = scale;
  push_job (self, job, request->cancellable, page_rendered_cb, request_render);
}

/* Renders the shown page at the current zoom and scale, then its neighbours;
 * cancels every render that is no longer needed, and forgets every page that
 * is not shown or next to it. The shown page stays at its old scale until
 * the new one is ready, so that a zoom never blanks it. */
static void
ensure_renders (CsDocumentView *self)
{
  PageImage *current;
  double scale;

  /* Nothing is rendered for a view never shown. */
  if (!has_document (self) || gtk_widget_get_width (GTK_WIDGET (self)) <= 0)
    return;

  scale = device_scale_for_page (self, self->page);
  current = lookup_image (self, self->page, scale);

  for (guint i = self->requests->len; i-- > 0;)
    {
      Request *request = g_ptr_array_index (self->requests, i);

      if (!page_is_wanted (self, request->page, request->scale, current != NULL))
        g_ptr_array_remove_index_fast (self->requests, i);
    }
  for (guint i = self->cache->len; i-- > 0;)
    {
      PageImage *image = g_ptr_array_index (self->cache, i);

      if (page_is_wanted (self, image->page, image->scale, TRUE) ||
          (image->page == self->page && current == NULL) ||
          (image->error != NULL && (image->page + 1 >= self->page && image->page <= self->page + 1)))
        continue;
      g_ptr_array_remove_index_fast (self->cache, i);
    }

  if (current == NULL)
    {
      request_render (self, self->page, scale, JOB_RENDER);
      return;
    }

  /* Then the neighbours, reading forwards first. */
  for (int d = 1; d >= -1; d -= 2)
    {
      gint64 page = (gint64) self->page + d;
      double width, height, neighbour_scale;

      if (page < 0 || page >= self->n_pages || !page_is_readable (self, (guint) page))
        continue;
      neighbour_scale = device_scale_for_page (self, (guint) page);
      layout_page_size (self, (guint) page, &width, &height);
      if (width * height * neighbour_scale * neighbour_scale <= PREFETCH_MAX_PIXELS)
        request_render (self, (guint) page, neighbour_scale, JOB_PREFETCH);
    }
}

static void
page_rendered_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable = g_task_get_cancellable (G_TASK (result));
  CsDocumentView *self;
  PageImage *image;

  image = g_task_propagate_pointer (G_TASK (result), &error);
  if (image == NULL)
    return;

  self = CS_DOCUMENT_VIEW (user_data);
  for (guint i = 0; i < self->requests->len; i++)
    if (((Request *) g_ptr_array_index (self->requests, i))->cancellable == cancellable)
      {
        g_ptr_array_remove_index_fast (self->requests, i);
        break;
      }

  g_ptr_array_add (self->cache, image);
  if (image->page == self->page)
    {
      update_page_ui (self);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
  ensure_renders (self);
}

/* State */

static void
cancel_all (CsDocumentView *self)
{
  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  g_ptr_array_set_size (self->requests, 0);
}

/* Regions */

static gboolean
region_is_shown (CsDocumentView *self,
                 const CsRegion *region)
{
  return region->page >= 0 && region->page < self->n_pages;
}

/* The first region on the nearest page after the shown one that has any,
 * coming round to the first page after the last; -1 when there is none. */
static int
next_region_elsewhere (CsDocumentView *self)
{
  int best = -1;
  guint best_distance = G_MAXUINT;

  for (guint i = 0; self->regions != NULL && i < self->regions->len; i++)
    {
      const CsRegion *region = g_ptr_array_index (self->regions, i);
      guint distance;

      if (!region_is_shown (self, region) || (guint) region->page == self->page)
        continue;
      distance = ((guint) region->page + self->n_pages - self->page) % self->n_pages;
      if (distance < best_distance)
        {
          best = (int) i;
          best_distance = distance;
        }
    }
  return best;
}

static void
update_region_button (CsDocumentView *self)
{
  int next = has_document (self) ? next_region_elsewhere (self) : -1;
  g_autofree char *text = NULL;
  g_autofree char *tooltip = NULL;
  const CsRegion *target;
  guint count = 0;

  if (self->region_button == NULL)   /* disposed */
    return;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "document.next-region", next >= 0);
  gtk_widget_set_visible (self->region_button, next >= 0);
  if (next < 0)
    return;

  target = g_ptr_array_index (self->regions, next);
  for (guint i = 0; i < self->regions->len; i++)
    count += ((const CsRegion *) g_ptr_array_index (self->regions, i))->page == target->page;

  text = g_strdup_printf (ngettext ("%u region on page %u", "%u regions on page %u", count),
                          count, (guint) target->page + 1);
  tooltip = g_strdup_printf (_("Turn to page %u, where the model marked a region"), (guint) target->page + 1);
  adw_button_content_set_label (self->region_content, text);
  gtk_widget_set_tooltip_text (self->region_button, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->region_button), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
}

/* The toolbar, the actions and the page's message, for the shown page. */
static void
update_page_ui (CsDocumentView *self)
{
  gboolean ready = has_document (self);
  PageImage *image = ready ? lookup_any_image (self, self->page) : NULL;
  gboolean page_failed = image != NULL && image->error != NULL;
  g_autofree char *page_text = NULL;

  if (self->toolbar == NULL)   /* disposed */
    return;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "document.previous-page", ready && self->page > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "document.first-page", ready && self->page > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "document.next-page", ready && self->page + 1 < self->n_pages);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "document.last-page", ready && self->page + 1 < self->n_pages);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "document.zoom-in", ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "document.zoom-out", ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "document.zoom-fit", ready);

  if (ready)
    {
      page_text = g_strdup_printf (_("Page %u of %u"), self->page + 1, self->n_pages);
      gtk_label_set_label (self->page_label, page_text);
    }
  update_region_button (self);

  if (self->state == CS_DOCUMENT_VIEW_STATE_ERROR)
    {
      adw_status_page_set_title (self->message_page, _("Document Cannot Be Shown"));
      adw_status_page_set_description (self->message_page, self->error_message);
    }
  else if (page_failed)
    {
      adw_status_page_set_title (self->message_page, _("Page Cannot Be Shown"));
      adw_status_page_set_description (self->message_page, image->error);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->message_page),
                          self->state == CS_DOCUMENT_VIEW_STATE_ERROR || page_failed);
  gtk_widget_set_visible (self->toolbar, ready);
}

static void
set_state (CsDocumentView      *self,
           CsDocumentViewState  state,
           const char          *error_message)
{
  gboolean message_changed = g_strcmp0 (self->error_message, error_message) != 0;

  g_free (self->error_message);
  self->error_message = g_strdup (error_message);

  gtk_accessible_update_state (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_STATE_BUSY,
                               state == CS_DOCUMENT_VIEW_STATE_LOADING, -1);
  if (error_message != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, error_message, -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);

  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
  if (message_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);

  update_page_ui (self);
  gtk_widget_queue_allocate (GTK_WIDGET (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Forgets the document and everything rendered from it. */
static void
reset (CsDocumentView *self)
{
  gboolean had_pages = self->n_pages > 0;

  cancel_all (self);
  g_ptr_array_set_size (self->cache, 0);
  g_clear_object (&self->document);
  g_clear_pointer (&self->sizes, g_free);
  self->n_pages = 0;
  if (self->page != 0)
    {
      self->page = 0;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAGE]);
    }
  if (had_pages)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_PAGES]);
}

static void
document_loaded_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  CsDocumentView *self;
  LoadResult *loaded;

  loaded = g_task_propagate_pointer (G_TASK (result), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = CS_DOCUMENT_VIEW (user_data);
  g_clear_object (&self->load_cancellable);

  if (loaded == NULL)
    {
      set_state (self, CS_DOCUMENT_VIEW_STATE_ERROR, error->message);
      return;
    }

  self->document = g_steal_pointer (&loaded->document);
  self->sizes = g_steal_pointer (&loaded->sizes);
  self->n_pages = loaded->n_pages;
  load_result_free (loaded);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_PAGES]);

  set_fit_internal (self, TRUE);
  set_state (self, CS_DOCUMENT_VIEW_STATE_READY, NULL);
  turn_to (self, 0);
}

/* Drawing */

/* A frame only appends what is ready: the texture the worker made (or the
 * page at its previous zoom, stretched, until then), and a layout per visible
 * label. */
static void
cs_document_view_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  CsDocumentView *self = CS_DOCUMENT_VIEW (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  int scale = gtk_widget_get_scale_factor (widget);
  const GdkRGBA paper = { 1, 1, 1, 1 };
  const GdkRGBA shadow = { 0, 0, 0, 0.25f };
  double ox, oy, page_width, page_height, x0, y0, x1, y1;
  PageImage *image;

  self->drawn_regions = 0;
  if (has_document (self) && width > 0 && height > 0)
    {
      image = lookup_any_image (self, self->page);
      if (image == NULL || image->error == NULL)
        {
          GskRoundedRect outline;

          get_origin (self, &ox, &oy);
          layout_page_size (self, self->page, &page_width, &page_height);
          x0 = cs_drawing_snap (ox, scale);
          y0 = cs_drawing_snap (oy, scale);
          x1 = MAX (cs_drawing_snap (ox + page_width * self->zoom, scale), x0 + 1.0 / scale);
          y1 = MAX (cs_drawing_snap (oy + page_height * self->zoom, scale), y0 + 1.0 / scale);

          gsk_rounded_rect_init_from_rect (&outline, &GRAPHENE_RECT_INIT (x0, y0, x1 - x0, y1 - y0), 0);
          gtk_snapshot_append_outset_shadow (snapshot, &outline, &shadow, 0, 1, 1, 4);
          if (image != NULL)
            gtk_snapshot_append_texture (snapshot, image->texture, &outline.bounds);
          else
            gtk_snapshot_append_color (snapshot, &paper, &outline.bounds);
          self->drawn_regions = cs_drawing_append_regions (widget, snapshot, self->regions, (gint64) self->page,
                                                           ox, oy, self->zoom, width, height, scale, TRUE);
        }
    }

  gtk_widget_snapshot_child (widget, GTK_WIDGET (self->message_page), snapshot);
  gtk_widget_snapshot_child (widget, self->region_button, snapshot);
  gtk_widget_snapshot_child (widget, self->toolbar, snapshot);
}

static void
cs_document_view_measure (GtkWidget      *widget,
                          GtkOrientation  orientation,
                          int             for_size,
                          int            *minimum,
                          int            *natural,
                          int            *minimum_baseline,
                          int            *natural_baseline)
{
  /* The same whatever the document, so loading one does not move the layout. */
  *minimum = 48;
  *natural = 320;
}

static void
cs_document_view_size_allocate (GtkWidget *widget,
                                int        width,
                                int        height,
                                int        baseline)
{
  CsDocumentView *self = CS_DOCUMENT_VIEW (widget);
  double content_width, content_height, ox, oy, cx = 0, cy = 0;
  int toolbar_width = 0, toolbar_height = 0, min_width = 0;

  /* The page point at the centre, to keep it there. */
  if (has_document (self) && self->last_width > 0 && self->last_height > 0)
    {
      get_origin_for_size (self, self->last_width, self->last_height, &ox, &oy);
      cx = (self->last_width / 2.0 - ox) / self->zoom;
      cy = (self->last_height / 2.0 - oy) / self->zoom;
    }
  self->last_width = width;
  self->last_height = height;

  /* The toolbar centred at the bottom; in a view too narrow for it, from
   * the left edge, so that the page buttons stay. */
  if (gtk_widget_get_visible (self->toolbar))
    {
      gtk_widget_measure (self->toolbar, GTK_ORIENTATION_HORIZONTAL, -1, &min_width, &toolbar_width, NULL, NULL);
      toolbar_width = MAX (min_width, MIN (toolbar_width, width - 2 * PAGE_MARGIN));
      gtk_widget_measure (self->toolbar, GTK_ORIENTATION_VERTICAL, toolbar_width, &toolbar_height, NULL, NULL, NULL);
      gtk_widget_allocate (self->toolbar, toolbar_width, toolbar_height, -1,
                           gsk_transform_translate (NULL, &GRAPHENE_POINT_INIT (MAX ((width - toolbar_width) / 2, 0),
                                                                                height - PAGE_MARGIN - toolbar_height)));
      self->band_height = toolbar_height + 2 * PAGE_MARGIN;
    }
  else
    self->band_height = PAGE_MARGIN;

  /* The way to the other pages' regions, centred at the top. */
  if (gtk_widget_get_visible (self->region_button))
    {
      int button_width = 0, button_height = 0;

      gtk_widget_measure (self->region_button, GTK_ORIENTATION_HORIZONTAL, -1, &min_width, &button_width, NULL, NULL);
      button_width = MAX (min_width, MIN (button_width, width - 2 * PAGE_MARGIN));
      gtk_widget_measure (self->region_button, GTK_ORIENTATION_VERTICAL, button_width, &button_height, NULL, NULL,
                          NULL);
      gtk_widget_allocate (self->region_button, button_width, button_height, -1,
                           gsk_transform_translate (NULL, &GRAPHENE_POINT_INIT (MAX ((width - button_width) / 2, 0),
                                                                                PAGE_MARGIN)));
    }

  if (gtk_widget_get_visible (GTK_WIDGET (self->message_page)))
    gtk_widget_allocate (GTK_WIDGET (self->message_page), width, MAX (height - self->band_height + PAGE_MARGIN, 0),
                         -1, NULL);

  if (!has_document (self))
    {
      configure_adjustments (self, 0, 0);
      return;
    }

  set_zoom_internal (self, zoom_for_page (self, self->page));
  content_size (self, &content_width, &content_height);
  ox = fits (content_width, width) ? 0 : PAGE_MARGIN + cx * self->zoom - width / 2.0;
  oy = fits (content_height, height) ? 0 : PAGE_MARGIN + cy * self->zoom - height / 2.0;
  configure_adjustments (self, ox, oy);
  ensure_renders (self);
}

/* Input */

static void
motion_cb (GtkEventControllerMotion *motion,
           double                    x,
           double                    y,
           CsDocumentView           *self)
{
  self->pointer_x = x;
  self->pointer_y = y;
}

static gboolean
scroll_cb (GtkEventControllerScroll *scroll,
           double                    dx,
           double                    dy,
           CsDocumentView           *self)
{
  GdkModifierType mods = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (scroll));
  gboolean wheel = gtk_event_controller_scroll_get_unit (scroll) == GDK_SCROLL_UNIT_WHEEL;

  if (!has_document (self))
    return FALSE;

  if (mods & GDK_CONTROL_MASK)
    {
      double notches = wheel ? dy : dy / SMOOTH_SCROLL_PER_NOTCH;

      zoom_around (self, self->zoom * pow (WHEEL_ZOOM_STEP, -notches), self->pointer_x, self->pointer_y);
      return TRUE;
    }

  /* A scrolled window scrolls us, with its kinetics and overshoot. */
  if (GTK_IS_SCROLLED_WINDOW (gtk_widget_get_parent (GTK_WIDGET (self))))
    return FALSE;

  gtk_adjustment_set_value (self->hadjustment,
                            gtk_adjustment_get_value (self->hadjustment) + dx * (wheel ? WHEEL_PAN_STEP : 1));
  gtk_adjustment_set_value (self->vadjustment,
                            gtk_adjustment_get_value (self->vadjustment) + dy * (wheel ? WHEEL_PAN_STEP : 1));
  return TRUE;
}

static void
drag_begin_cb (GtkGestureDrag *drag,
               double          x,
               double          y,
               CsDocumentView *self)
{
  /* The toolbar's buttons keep their clicks. */
  if (!has_document (self) || gtk_widget_pick (GTK_WIDGET (self), x, y, GTK_PICK_DEFAULT) != GTK_WIDGET (self))
    {
      gtk_gesture_set_state (GTK_GESTURE (drag), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  self->drag_start_h = gtk_adjustment_get_value (self->hadjustment);
  self->drag_start_v = gtk_adjustment_get_value (self->vadjustment);
}

static void
drag_update_cb (GtkGestureDrag *drag,
                double          dx,
                double          dy,
                CsDocumentView *self)
{
  gtk_gesture_set_state (GTK_GESTURE (drag), GTK_EVENT_SEQUENCE_CLAIMED);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grabbing");
  gtk_adjustment_set_value (self->hadjustment, self->drag_start_h - dx);
  gtk_adjustment_set_value (self->vadjustment, self->drag_start_v - dy);
}

static void
drag_end_cb (GtkGestureDrag *drag,
             double          dx,
             double          dy,
             CsDocumentView *self)
{
  gtk_widget_set_cursor (GTK_WIDGET (self), NULL);
}

static void
scale_factor_cb (CsDocumentView *self)
{
  if (!has_document (self))
    return;
  set_zoom_internal (self, zoom_for_page (self, self->page));
  ensure_renders (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Actions */

static void
next_page_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  CsDocumentView *self = CS_DOCUMENT_VIEW (widget);

  if (self->page + 1 < self->n_pages)
    turn_to (self, self->page + 1);
}

static void
previous_page_activated (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  CsDocumentView *self = CS_DOCUMENT_VIEW (widget);

  if (self->page > 0)
    turn_to (self, self->page - 1);
}

static void
first_page_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  turn_to (CS_DOCUMENT_VIEW (widget), 0);
}

static void
last_page_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  CsDocumentView *self = CS_DOCUMENT_VIEW (widget);

  if (self->n_pages > 0)
    turn_to (self, self->n_pages - 1);
}

static void
zoom_in_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  CsDocumentView *self = CS_DOCUMENT_VIEW (widget);

  zoom_around_centre (self, self->zoom * ZOOM_STEP);
}

static void
zoom_out_activated (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  CsDocumentView *self = CS_DOCUMENT_VIEW (widget);

  zoom_around_centre (self, self->zoom / ZOOM_STEP);
}

static void
zoom_fit_activated (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  cs_document_view_set_fit (CS_DOCUMENT_VIEW (widget), TRUE);
}

static void
next_region_activated (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  CsDocumentView *self = CS_DOCUMENT_VIEW (widget);
  int next = next_region_elsewhere (self);

  if (next >= 0)
    cs_document_view_show_region (self, (guint) next);
}

/* GtkScrollable */

static void
set_adjustment (CsDocumentView *self,
                GtkOrientation  orientation,
                GtkAdjustment  *adjustment)
{
  GtkAdjustment **slot = orientation == GTK_ORIENTATION_HORIZONTAL ? &self->hadjustment : &self->vadjustment;

  if (adjustment != NULL && adjustment == *slot)
    return;

  /* Alone, the view pans its own adjustments. */
  if (adjustment == NULL)
    adjustment = gtk_adjustment_new (0, 0, 0, 0, 0, 0);

  if (*slot != NULL)
    {
      g_signal_handlers_disconnect_by_func (*slot, gtk_widget_queue_draw, self);
      g_object_unref (*slot);
    }
  *slot = g_object_ref_sink (adjustment);
  g_signal_connect_swapped (adjustment, "value-changed", G_CALLBACK (gtk_widget_queue_draw), self);

  if (self->hadjustment != NULL && self->vadjustment != NULL)
    configure_adjustments (self, gtk_adjustment_get_value (self->hadjustment),
                           gtk_adjustment_get_value (self->vadjustment));
  g_object_notify (G_OBJECT (self), orientation == GTK_ORIENTATION_HORIZONTAL ? "hadjustment" : "vadjustment");
}

/* GObject */

static void
cs_document_view_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  CsDocumentView *self = CS_DOCUMENT_VIEW (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;
    case PROP_N_PAGES:
      g_value_set_uint (value, self->n_pages);
      break;
    case PROP_PAGE:
      g_value_set_uint (value, self->page);
      break;
    case PROP_ZOOM:
      g_value_set_double (value, self->zoom);
      break;
    case PROP_FIT:
      g_value_set_boolean (value, self->fit);
      break;
    case PROP_LABEL:
      g_value_set_string (value, self->label);
      break;
    case PROP_HADJUSTMENT:
      g_value_set_object (value, self->hadjustment);
      break;
    case PROP_VADJUSTMENT:
      g_value_set_object (value, self->vadjustment);
      break;
    case PROP_HSCROLL_POLICY:
      g_value_set_enum (value, self->hscroll_policy);
      break;
    case PROP_VSCROLL_POLICY:
      g_value_set_enum (value, self->vscroll_policy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_document_view_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  CsDocumentView *self = CS_DOCUMENT_VIEW (object);

  switch (prop_id)
    {
    case PROP_PAGE:
      cs_document_view_set_page (self, g_value_get_uint (value));
      break;
    case PROP_ZOOM:
      cs_document_view_set_zoom (self, g_value_get_double (value));
      break;
    case PROP_FIT:
      cs_document_view_set_fit (self, g_value_get_boolean (value));
      break;
    case PROP_LABEL:
      cs_document_view_set_label (self, g_value_get_string (value));
      break;
    case PROP_HADJUSTMENT:
      set_adjustment (self, GTK_ORIENTATION_HORIZONTAL, g_value_get_object (value));
      break;
    case PROP_VADJUSTMENT:
      set_adjustment (self, GTK_ORIENTATION_VERTICAL, g_value_get_object (value));
      break;
    case PROP_HSCROLL_POLICY:
      if (self->hscroll_policy != (guint) g_value_get_enum (value))
        {
          self->hscroll_policy = g_value_get_enum (value);
          gtk_widget_queue_resize (GTK_WIDGET (self));
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_VSCROLL_POLICY:
      if (self->vscroll_policy != (guint) g_value_get_enum (value))
        {
          self->vscroll_policy = g_value_get_enum (value);
          gtk_widget_queue_resize (GTK_WIDGET (self));
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_document_view_dispose (GObject *object)
{
  CsDocumentView *self = CS_DOCUMENT_VIEW (object);

  if (self->worker != NULL)
    {
      /* Every job left is cancelled and returns at once; the worker frees
       * itself after the last, without this thread waiting for a render. */
      cancel_all (self);
      g_thread_pool_free (g_steal_pointer (&self->worker), FALSE, FALSE);
    }
  self->n_pages = 0;
  g_clear_pointer (&self->cache, g_ptr_array_unref);
  g_clear_pointer (&self->requests, g_ptr_array_unref);
  g_clear_object (&self->document);
  g_clear_pointer (&self->regions, g_ptr_array_unref);
  if (self->hadjustment != NULL)
    g_signal_handlers_disconnect_by_func (self->hadjustment, gtk_widget_queue_draw, self);
  if (self->vadjustment != NULL)
    g_signal_handlers_disconnect_by_func (self->vadjustment, gtk_widget_queue_draw, self);
  g_clear_object (&self->hadjustment);
  g_clear_object (&self->vadjustment);
  gtk_widget_dispose_template (GTK_WIDGET (self), CS_TYPE_DOCUMENT_VIEW);

  G_OBJECT_CLASS (cs_document_view_parent_class)->dispose (object);
}

static void
cs_document_view_finalize (GObject *object)
{
  CsDocumentView *self = CS_DOCUMENT_VIEW (object);

  g_free (self->error_message);
  g_free (self->label);
  g_free (self->sizes);
  /* A scrolled window hands back our own adjustments as it lets go of us. */
  g_clear_object (&self->hadjustment);
  g_clear_object (&self->vadjustment);

  G_OBJECT_CLASS (cs_document_view_parent_class)->finalize (object);
}

static void
cs_document_view_class_init (CsDocumentViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  const struct { guint keyval; GdkModifierType mods; const char *action; } bindings[] = {
    { GDK_KEY_Page_Down, 0, "document.next-page" },
    { GDK_KEY_KP_Page_Down, 0, "document.next-page" },
    { GDK_KEY_Page_Up, 0, "document.previous-page" },
    { GDK_KEY_KP_Page_Up, 0, "document.previous-page" },
    { GDK_KEY_Home, 0, "document.first-page" },
    { GDK_KEY_KP_Home, 0, "document.first-page" },
    { GDK_KEY_End, 0, "document.last-page" },
    { GDK_KEY_KP_End, 0, "document.last-page" },
    { GDK_KEY_plus, GDK_CONTROL_MASK, "document.zoom-in" },
    { GDK_KEY_equal, GDK_CONTROL_MASK, "document.zoom-in" },
    { GDK_KEY_KP_Add, GDK_CONTROL_MASK, "document.zoom-in" },
    { GDK_KEY_minus, GDK_CONTROL_MASK, "document.zoom-out" },
    { GDK_KEY_KP_Subtract, GDK_CONTROL_MASK, "document.zoom-out" },
    { GDK_KEY_0, GDK_CONTROL_MASK, "document.zoom-fit" },
    { GDK_KEY_KP_0, GDK_CONTROL_MASK, "document.zoom-fit" },
  };

  object_class->get_property = cs_document_view_get_property;
  object_class->set_property = cs_document_view_set_property;
  object_class->dispose = cs_document_view_dispose;
  object_class->finalize = cs_document_view_finalize;

  widget_class->snapshot = cs_document_view_snapshot;
  widget_class->measure = cs_document_view_measure;
  widget_class->size_allocate = cs_document_view_size_allocate;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, CS_TYPE_DOCUMENT_VIEW_STATE, CS_DOCUMENT_VIEW_STATE_EMPTY,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR_MESSAGE] =
    g_param_spec_string ("error-message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_PAGES] =
    g_param_spec_uint ("n-pages", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PAGE] =
    g_param_spec_uint ("page", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ZOOM] =
    g_param_spec_double ("zoom", NULL, NULL, 1.0 / 65536, 65536, 1.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FIT] =
    g_param_spec_boolean ("fit", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LABEL] =
    g_param_spec_string ("label", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_object_class_override_property (object_class, PROP_HADJUSTMENT, "hadjustment");
  g_object_class_override_property (object_class, PROP_VADJUSTMENT, "vadjustment");
  g_object_class_override_property (object_class, PROP_HSCROLL_POLICY, "hscroll-policy");
  g_object_class_override_property (object_class, PROP_VSCROLL_POLICY, "vscroll-policy");

  gtk_widget_class_install_action (widget_class, "document.next-page", NULL, next_page_activated);
  gtk_widget_class_install_action (widget_class, "document.previous-page", NULL, previous_page_activated);
  gtk_widget_class_install_action (widget_class, "document.first-page", NULL, first_page_activated);
  gtk_widget_class_install_action (widget_class, "document.last-page", NULL, last_page_activated);
  gtk_widget_class_install_action (widget_class, "document.zoom-in", NULL, zoom_in_activated);
  gtk_widget_class_install_action (widget_class, "document.zoom-out", NULL, zoom_out_activated);
  gtk_widget_class_install_action (widget_class, "document.zoom-fit", NULL, zoom_fit_activated);
  gtk_widget_class_install_action (widget_class, "document.next-region", NULL, next_region_activated);
  for (guint i = 0; i < G_N_ELEMENTS (bindings); i++)
    gtk_widget_class_add_binding_action (widget_class, bindings[i].keyval, bindings[i].mods,
                                         bindings[i].action, NULL);

  gtk_widget_class_set_template_from_resource (widget_class, APP_PATH "cs-document-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CsDocumentView, message_page);
  gtk_widget_class_bind_template_child (widget_class, CsDocumentView, toolbar);
  gtk_widget_class_bind_template_child (widget_class, CsDocumentView, page_label);
  gtk_widget_class_bind_template_child (widget_class, CsDocumentView, region_button);
  gtk_widget_class_bind_template_child (widget_class, CsDocumentView, region_content);

  gtk_widget_class_set_css_name (widget_class, "cs-document-view");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
cs_document_view_init (CsDocumentView *self)
{
  GtkEventController *controller;
  GtkGesture *drag;

  g_type_ensure (ADW_TYPE_STATUS_PAGE);
  g_type_ensure (ADW_TYPE_BUTTON_CONTENT);
  gtk_widget_init_template (GTK_WIDGET (self));

  /* One thread, so poppler never draws a document from two at once; jobs
   * run most urgent first. */
  self->worker = g_thread_pool_new (worker_run, NULL, 1, FALSE, NULL);
  g_thread_pool_set_sort_function (self->worker, compare_jobs, NULL);
  self->cache = g_ptr_array_new_with_free_func ((GDestroyNotify) page_image_free);
  self->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) request_free);

  self->fit = TRUE;
  self->zoom = 1.0;
  self->band_height = PAGE_MARGIN;
  set_adjustment (self, GTK_ORIENTATION_HORIZONTAL, NULL);
  set_adjustment (self, GTK_ORIENTATION_VERTICAL, NULL);

  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_focus_on_click (GTK_WIDGET (self), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "enter", G_CALLBACK (motion_cb), self);
  g_signal_connect (controller, "motion", G_CALLBACK (motion_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (controller, "scroll", G_CALLBACK (scroll_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  drag = gtk_gesture_drag_new ();
  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update_cb), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (drag_end_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  g_signal_connect (self, "notify::scale-factor", G_CALLBACK (scale_factor_cb), NULL);

  update_page_ui (self);
}

/* Public API */

GtkWidget *
cs_document_view_new (void)
{
  return g_object_new (CS_TYPE_DOCUMENT_VIEW, NULL);
}

void
cs_document_view_load_file (CsDocumentView *self,
                            const char     *path,
                            const char     *expected_sha256)
{
  Job *job;

  g_return_if_fail (CS_IS_DOCUMENT_VIEW (self));
  g_return_if_fail (path != NULL);
  g_return_if_fail (expected_sha256 != NULL);

  reset (self);
  self->load_cancellable = g_cancellable_new ();
  set_state (self, CS_DOCUMENT_VIEW_STATE_LOADING, NULL);

  job = g_new0 (Job, 1);
  job->kind = JOB_LOAD;
  job->path = g_strdup (path);
  job->expected_sha256 = g_strdup (expected_sha256);
  push_job (self, job, self->load_cancellable, document_loaded_cb, cs_document_view_load_file);
}

void
cs_document_view_clear (CsDocumentView *self)
{
  g_return_if_fail (CS_IS_DOCUMENT_VIEW (self));

  reset (self);
  set_state (self, CS_DOCUMENT_VIEW_STATE_EMPTY, NULL);
}

CsDocumentViewState
cs_document_view_get_state (CsDocumentView *self)
{
  g_return_val_if_fail (CS_IS_DOCUMENT_VIEW (self), CS_DOCUMENT_VIEW_STATE_EMPTY);
  return self->state;
}

const char *
cs_document_view_get_error_message (CsDocumentView *self)
{
  g_return_val_if_fail (CS_IS_DOCUMENT_VIEW (self), NULL);
  return self->error_message;
}

guint
cs_document_view_get_n_pages (CsDocumentView *self)
{
  g_return_val_if_fail (CS_IS_DOCUMENT_VIEW (self), 0);
  return self->n_pages;
}

guint
cs_document_view_get_page (CsDocumentView *self)
{
  g_return_val_if_fail (CS_IS_DOCUMENT_VIEW (self), 0);
  return self->page;
}

void
cs_document_view_set_page (CsDocumentView *self,
                           guint           page)
{
  g_return_if_fail (CS_IS_DOCUMENT_VIEW (self));

  if (has_document (self) && MIN (page, self->n_pages - 1) != self->page)
    turn_to (self, page);
}

void
cs_document_view_get_page_size (CsDocumentView *self,
                                guint           page,
                                double         *width,
                                double         *height)
{
  gboolean readable;

  g_return_if_fail (CS_IS_DOCUMENT_VIEW (self));

  readable = page_is_readable (self, page);
  if (width != NULL)
    *width = readable ? self->sizes[page * 2] : 0;
  if (height != NULL)
    *height = readable ? self->sizes[page * 2 + 1] : 0;
}

const char *
cs_document_view_get_page_error_message (CsDocumentView *self)
{
  PageImage *image;

  g_return_val_if_fail (CS_IS_DOCUMENT_VIEW (self), NULL);

  image = has_document (self) ? lookup_any_image (self, self->page) : NULL;
  return image != NULL ? image->error : NULL;
}

double
cs_document_view_get_zoom (CsDocumentView *self)
{
  g_return_val_if_fail (CS_IS_DOCUMENT_VIEW (self), 1.0);
  return self->zoom;
}

void
cs_document_view_set_zoom (CsDocumentView *self,
                           double          zoom)
{
  g_return_if_fail (CS_IS_DOCUMENT_VIEW (self));
  g_return_if_fail (zoom > 0);

  zoom_around_centre (self, zoom);
}

gboolean
cs_document_view_get_fit (CsDocumentView *self)
{
  g_return_val_if_fail (CS_IS_DOCUMENT_VIEW (self), TRUE);
  return self->fit;
}

void
cs_document_view_set_fit (CsDocumentView *self,
                          gboolean        fit)
{
  g_return_if_fail (CS_IS_DOCUMENT_VIEW (self));

  set_fit_internal (self, !!fit);
  if (self->fit && has_document (self))
    apply_fit (self);
}

void
cs_document_view_page_to_view (CsDocumentView *self,
                               double          x,
                               double          y,
                               double         *view_x,
                               double         *view_y)
{
  double ox, oy;

  g_return_if_fail (CS_IS_DOCUMENT_VIEW (self));

  get_origin (self, &ox, &oy);
  if (view_x != NULL)
    *view_x = ox + x * self->zoom;
  if (view_y != NULL)
    *view_y = oy + y * self->zoom;
}

void
cs_document_view_set_regions (CsDocumentView *self,
                              GPtrArray      *regions)
{
  g_return_if_fail (CS_IS_DOCUMENT_VIEW (self));

  if (regions != NULL)
    g_ptr_array_ref (regions);
  g_clear_pointer (&self->regions, g_ptr_array_unref);
  self->regions = regions;
  update_region_button (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
cs_document_view_show_region (CsDocumentView *self,
                              guint           index)
{
  const CsRegion *region;
  double width, height;

  g_return_if_fail (CS_IS_DOCUMENT_VIEW (self));
  g_return_if_fail (self->regions != NULL && index < self->regions->len);

  region = g_ptr_array_index (self->regions, index);
  if (!has_document (self) || !region_is_shown (self, region))
    return;

  turn_to (self, (guint) region->page);
  /* The region's centre to the centre of what the toolbar leaves visible;
   * the adjustments stop at the page's edges. */
  width = gtk_widget_get_width (GTK_WIDGET (self));
  height = MAX (gtk_widget_get_height (GTK_WIDGET (self)) - self->band_height, 0);
  configure_adjustments (self, PAGE_MARGIN + (region->x + region->w / 2) * self->zoom - width / 2,
                         PAGE_MARGIN + (region->y + region->h / 2) * self->zoom - height / 2);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const char *
cs_document_view_get_label (CsDocumentView *self)
{
  g_return_val_if_fail (CS_IS_DOCUMENT_VIEW (self), NULL);
  return self->label;
}

void
cs_document_view_set_label (CsDocumentView *self,
                            const char     *label)
{
  g_return_if_fail (CS_IS_DOCUMENT_VIEW (self));

  if (g_strcmp0 (self->label, label) == 0)
    return;
  g_free (self->label);
  self->label = g_strdup (label);
  if (label != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LABEL]);
}

GdkTexture *
cs_document_view_get_page_texture (CsDocumentView *self)
{
  PageImage *image;

  g_return_val_if_fail (CS_IS_DOCUMENT_VIEW (self), NULL);

  if (!has_document (self))
    return NULL;
  image = lookup_image (self, self->page, device_scale_for_page (self, self->page));
  return image != NULL ? image->texture : NULL;
}

guint
cs_document_view_get_drawn_region_count (CsDocumentView *self)
{
  g_return_val_if_fail (CS_IS_DOCUMENT_VIEW (self), 0);
  return self->drawn_regions;
}
