/* csd-storage-sqlite.h: CsdStorage in one SQLite database (WAL, synchronous=FULL).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "csd-storage.h"

G_BEGIN_DECLS

#define CSD_TYPE_STORAGE_SQLITE (csd_storage_sqlite_get_type ())
G_DECLARE_FINAL_TYPE (CsdStorageSqlite, csd_storage_sqlite, CSD, STORAGE_SQLITE, GObject)

/* Opens (creating when needed, with mode 0700 for the directory and 0600 for
 * the files) DATA_DIR/countersign-server.db and brings its schema up to date. */
CsdStorage *csd_storage_sqlite_new (const char  *data_dir,
                                    GError     **error);

G_END_DECLS
