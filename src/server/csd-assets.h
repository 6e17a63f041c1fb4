/* csd-assets.h: evidence files, named by their sha256 under DATA/assets/.
 *
 * Bytes arrive in a temporary file beside their final place, are hashed on the
 * way, and only a complete file whose hash matches is fsync'd and renamed into
 * place: a reader never sees half an asset. The metadata is in CsdStorage.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _CsdAssetSink CsdAssetSink;

/* Whether @str is 64 lowercase hexadecimal digits. */
/* DATA/assets/<sha256>. */
char         *csd_asset_path            (const char    *assets_dir,
                                         const char    *sha256);

/* A temporary file in @assets_dir taking at most @limit bytes (< 0: no limit). */
CsdAssetSink *csd_asset_sink_new        (const char    *assets_dir,
                                         gint64         limit,
                                         GError       **error);
/* CSD_ERROR_TOO_LARGE once past the limit; later writes are counted, not kept. */
gboolean      csd_asset_sink_write      (CsdAssetSink  *sink,
                                         const void    *data,
                                         gsize          len,
                                         GError       **error);
gint64        csd_asset_sink_get_size   (CsdAssetSink  *sink);
gboolean      csd_asset_sink_is_over_limit (CsdAssetSink *sink);
/* Checks the hash (CSD_ERROR_HASH_MISMATCH), makes the bytes durable and
 * moves them into place; an asset already in place is left as it is. */
gboolean      csd_asset_sink_commit     (CsdAssetSink  *sink,
                                         const char    *expected_sha256,
                                         GError       **error);
/* Removes the temporary file unless it was committed. */
void          csd_asset_sink_free       (CsdAssetSink  *sink);

/* Copies a file into the store through a sink: the import's way in. */
gboolean      csd_asset_import_file     (const char    *assets_dir,
                                         const char    *path,
                                         const char    *expected_sha256,
                                         gint64        *bytes,
                                         GError       **error);
/* The sha256 of a file, as 64 lowercase hexadecimal digits. */
char         *csd_file_sha256           (const char    *path,
                                         GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsdAssetSink, csd_asset_sink_free)

G_END_DECLS
