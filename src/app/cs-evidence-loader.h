/* cs-evidence-loader.h: decodes evidence files off the main thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "cs-case.h"

G_BEGIN_DECLS

/* Images larger than this are refused from their header alone. */
#define CS_EVIDENCE_MAX_PIXELS (400.0 * 1000 * 1000)
#define CS_EVIDENCE_MAX_SIDE 65535

/* Checks the file's SHA-256 against @asset, then decodes an image (scaled to
 * fit @max_side) or the first page of a PDF, with the @regions of that page
 * outlined. Errors are written for the reviewer. */
void        cs_evidence_load_async  (const char          *path,
                                     const CsAsset       *asset,
                                     GPtrArray           *regions,
                                     int                  max_side,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
GdkTexture *cs_evidence_load_finish (GAsyncResult        *result,
                                     GError             **error);

G_END_DECLS
