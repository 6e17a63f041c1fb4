/* cs-screenshot.h: writes the window, with one case on screen, to a PNG.
 *
 * Used by `countersign --screenshot FILE.png --case ID` (the metainfo
 * screenshots and the UI tests): waits until the case's evidence is drawn or
 * its error shown, renders the window with its own renderer, saves the PNG.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cs-window.h"

G_BEGIN_DECLS

/* Parses "1400x900". */
gboolean cs_screenshot_parse_size   (const char          *text,
                                     int                 *width,
                                     int                 *height);

/* Waits (up to @timeout_seconds) for @window to settle on what it shows, then
 * writes @path. */
void     cs_screenshot_write_async  (CsWindow            *window,
                                     const char          *path,
                                     guint                timeout_seconds,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
gboolean cs_screenshot_write_finish (GAsyncResult        *result,
                                     GError             **error);

G_END_DECLS
