/* csd-import.h: `countersign-server import`, a data set loaded without HTTP.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "csd-storage.h"

G_BEGIN_DECLS

/* Number of prediction lines per transaction. */
#define CSD_IMPORT_BATCH 500

/* Loads the queues of @queues_file ({"queues": [queue, …]}, each with its
 * "id"; may be NULL), then every line of @predictions_file (JSON Lines; may
 * be NULL) through csd_ingest_prepare() and csd_storage_ingest(), as POST
 * /api/v1/predictions would, storing first the assets each names from
 * @assets_dir (found as assets_dir/<sha256> or by hashing its files). A bad
 * line is reported on stderr with its number and skipped. A summary goes to
 * stdout. Returns FALSE when anything failed (with @error set only when the
 * import could not go on). */
gboolean csd_import_run (CsdStorage  *storage,
                         const char  *data_dir,
                         const char  *queues_file,
                         const char  *predictions_file,
                         const char  *assets_dir,
                         GDateTime   *as_of,
                         GError     **error);

G_END_DECLS
