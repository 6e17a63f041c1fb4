/* cs-document-view.h: a PDF of evidence, one page at a time, with the model's
 * regions on their pages.
 *
 * The file is checked against its SHA-256 and opened off the main thread, and
 * every page is rendered off it too, by one worker per view: poppler must never
 * draw one document from two threads at once. A frame only appends the texture
 * the worker made, at the display's scale. The view is a GtkScrollable: put it
 * in a GtkScrolledWindow for scrollbars, or use it alone (it then pans itself).
 * It fits the page's width until the reviewer zooms. A small toolbar floats
 * over the bottom of the view: previous and next page, "Page 2 of 5", zoom, and
 * a button that turns to the regions on other pages.
 *
 * Actions: document.next-page (Page Down), document.previous-page (Page Up),
 * document.first-page (Home), document.last-page (End), document.zoom-in
 * (Ctrl+plus), document.zoom-out (Ctrl+minus), document.zoom-fit (Ctrl+0),
 * document.next-region. Ctrl+scroll zooms around the pointer; scroll and drag
 * pan.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "cs-case.h"

G_BEGIN_DECLS

typedef enum
{
  CS_DOCUMENT_VIEW_STATE_EMPTY,    /* nothing asked for yet, or cleared */
  CS_DOCUMENT_VIEW_STATE_LOADING,
  CS_DOCUMENT_VIEW_STATE_READY,    /* a page may still fail: see get_page_error_message() */
  CS_DOCUMENT_VIEW_STATE_ERROR,    /* see "error-message" */
} CsDocumentViewState;

#define CS_TYPE_DOCUMENT_VIEW_STATE (cs_document_view_state_get_type ())
GType cs_document_view_state_get_type (void) G_GNUC_CONST;

#define CS_TYPE_DOCUMENT_VIEW (cs_document_view_get_type ())
G_DECLARE_FINAL_TYPE (CsDocumentView, cs_document_view, CS, DOCUMENT_VIEW, GtkWidget)

/* A page is never rendered larger than this: the zoom stops short of it. */
#define CS_DOCUMENT_VIEW_MAX_RENDER_SIDE 8192
#define CS_DOCUMENT_VIEW_MAX_RENDER_PIXELS (64.0 * 1024 * 1024)

GtkWidget           *cs_document_view_new               (void);

/* Loading. The file must match @expected_sha256 (64 hex digits), or the view
 * ends in the error state without opening it. A new load, clear() or disposing
 * the view cancels the one in flight. Regions are kept: they are the caller's
 * to change. Each load starts on the first page, fitted to the width. */
void                 cs_document_view_load_file         (CsDocumentView *self,
                                                         const char     *path,
                                                         const char     *expected_sha256);
void                 cs_document_view_clear             (CsDocumentView *self);
CsDocumentViewState  cs_document_view_get_state         (CsDocumentView *self);
/* Written for the reviewer; NULL unless the state is error. */
const char          *cs_document_view_get_error_message (CsDocumentView *self);

/* Pages, 0-based; 0 pages unless ready. Setting a page past the last shows the
 * last. */
guint                cs_document_view_get_n_pages       (CsDocumentView *self);
guint                cs_document_view_get_page          (CsDocumentView *self);
void                 cs_document_view_set_page          (CsDocumentView *self,
                                                         guint           page);
/* Page @page's size in PDF points; 0 × 0 when it is out of range or poppler
 * cannot read the page. */
void                 cs_document_view_get_page_size     (CsDocumentView *self,
                                                         guint           page,
                                                         double         *width,
                                                         double         *height);
/* Written for the reviewer when the shown page failed to render (the others
 * may still be read); NULL otherwise. */
const char          *cs_document_view_get_page_error_message (CsDocumentView *self);

/* Zoom: logical pixels per PDF point. Setting it keeps the centre of the view
 * still and ends fitting; it stops where a page would render larger than
 * CS_DOCUMENT_VIEW_MAX_RENDER_SIDE or _PIXELS. "fit" (the default after each
 * load) follows the width of the view and of each page. */
double               cs_document_view_get_zoom          (CsDocumentView *self);
void                 cs_document_view_set_zoom          (CsDocumentView *self,
                                                         double          zoom);
gboolean             cs_document_view_get_fit           (CsDocumentView *self);
void                 cs_document_view_set_fit           (CsDocumentView *self,
                                                         gboolean        fit);
/* Where point @x, @y of the shown page is drawn, in the view's coordinates. */
void                 cs_document_view_page_to_view      (CsDocumentView *self,
                                                         double          x,
                                                         double          y,
                                                         double         *view_x,
                                                         double         *view_y);

/* Regions (of CsRegion, in PDF points from the top left of their page), each
 * drawn on its own page with its label and score. The array is kept with a
 * reference; NULL clears. Regions on pages the document does not have are
 * ignored. */
void                 cs_document_view_set_regions       (CsDocumentView *self,
                                                         GPtrArray      *regions);
/* Turns to region @index's page and scrolls it into view. */
void                 cs_document_view_show_region       (CsDocumentView *self,
                                                         guint           index);

/* The accessible name of the document. */
const char          *cs_document_view_get_label         (CsDocumentView *self);
void                 cs_document_view_set_label         (CsDocumentView *self,
                                                         const char     *label);

/* For tests: the shown page's texture once rendered at the current zoom and
 * scale (NULL before, or when the page failed), and the regions the last frame
 * drew. */
GdkTexture          *cs_document_view_get_page_texture        (CsDocumentView *self);
guint                cs_document_view_get_drawn_region_count  (CsDocumentView *self);

G_END_DECLS
