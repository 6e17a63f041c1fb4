/* cs-test-ui.h: driving real widgets in the GTest programs that run under Xvfb.
 *
 * Turning the main loop until something has happened, finding widgets as a
 * reviewer finds them, pressing keys through the X server, saving what the
 * window drew, and the evidence files a test puts on its server.
 *
 *   g_assert_true (cs_test_wait_for (has_two_cases, window, 10));
 *   cs_test_press (GTK_WIDGET (window), "ctrl+Return");
 *   cs_test_save_screenshot (GTK_WIDGET (window), "review-done");
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "cs-application.h"
#include "cs-test-server.h"

G_BEGIN_DECLS

/* The main loop */

/* Turns the default main context until @condition (@data) holds; FALSE when
 * it still does not after @seconds. */
gboolean    cs_test_wait_for            (gboolean  (*condition) (gpointer),
                                         gpointer    data,
                                         guint       seconds);
/* Turns the default main context for @ms milliseconds, whatever happens. */
void        cs_test_iterate_for         (guint       ms);
/* Queues a redraw of @widget and turns the loop until its window has painted
 * a frame; FALSE when none came within @seconds (the window is frozen). */
gboolean    cs_test_wait_for_frame      (GtkWidget  *widget,
                                         guint       seconds);
/* Every X event the server has made so far is handled, and a frame drawn
 * after them: what a key press changed is on screen. */
void        cs_test_drain_events        (GtkWidget  *widget);

/* Widgets */

/* The first widget of @type at or below @root, depth first; or NULL. */
GtkWidget  *cs_test_find_widget         (GtkWidget  *root,
                                         GType       type);
/* The first widget of @type (GTK_TYPE_WIDGET: any) at or below @root whose
 * tooltip is @tooltip; or NULL. */
GtkWidget  *cs_test_find_by_tooltip     (GtkWidget  *root,
                                         GType       type,
                                         const char *tooltip);

/* Keys */

/* Runs `xdotool ARGS…` (@args NULL-terminated) while the loop keeps turning,
 * so that @window handles what it sends, then drains @window's events.
 * A missing xdotool fails the test, pointing at tools/deps-debian.txt. */
void        cs_test_xdotool             (GtkWidget          *window,
                                         const char * const *args);
/* Presses keys one after another, each named as xdotool names them
 * ("a", "ctrl+Return", "Tab"). */
#define cs_test_press(window, ...) \
  cs_test_xdotool ((window), (const char * const[]) { "key", "--delay", "25", __VA_ARGS__, NULL })

/* What was drawn */

/* @widget as it is on screen now, through its window's own renderer. */
GdkTexture *cs_test_render_widget       (GtkWidget  *widget);
/* The same, downloaded: *@width × *@height pixels as 0xAARRGGBB
 * (premultiplied), to be freed with g_free(). */
guint32    *cs_test_render_pixels       (GtkWidget  *widget,
                                         int        *width,
                                         int        *height);
/* With CS_TEST_SCREENSHOT_DIR set, @widget (a window) is saved there as
 * NAME.png after its next frame, to look at the states a test goes through;
 * without, nothing is done. */
void        cs_test_save_screenshot     (GtkWidget  *widget,
                                         const char *name);

/* Evidence */

/* @pixbuf encoded as @type ("png", "jpeg"). */
GBytes     *cs_test_pixbuf_bytes        (GdkPixbuf  *pixbuf,
                                         const char *type);
/* A @width × @height PNG of one colour, @rgba as 0xRRGGBBAA. */
GBytes     *cs_test_png_bytes           (int         width,
                                         int         height,
                                         guint32     rgba);
/* PUTs @bytes as an asset under their SHA-256, which is returned; any
 * answer but 200 OK fails the test. */
char       *cs_test_upload              (CsTestServer *server,
                                         const char   *token,
                                         const char   *media_type,
                                         GBytes       *bytes);
/* A one-page PDF (A6 landscape) with the heading "Referral letter", made
 * by cairo; @boxed draws a box under the heading. */
GBytes     *cs_test_letter_pdf          (gboolean    boxed);

/* The application */

/* A new CsApplication, registered on the session bus: one for the whole
 * program, since it registers once, and each test connects it to its own
 * server and store. */
CsApplication *cs_test_application_new  (void);

G_END_DECLS
