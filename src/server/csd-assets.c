/* csd-assets.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "cs-types.h"
#include "csd-assets.h"
#include "csd-error.h"

struct _CsdAssetSink
{
  char      *dir;
  char      *tmp_path;
  int        fd;
  GChecksum *checksum;
  gint64     size;
  gint64     limit;
  gboolean   committed;
};

char *
csd_asset_path (const char *assets_dir,
                const char *sha256)
{
  g_return_val_if_fail (cs_is_sha256 (sha256), NULL);
  return g_build_filename (assets_dir, sha256, NULL);
}

static gboolean
set_io_error (GError     **error,
              int          saved_errno,
              const char  *what,
              const char  *path)
{
  g_set_error (error, CSD_ERROR, CSD_ERROR_STORAGE, "Could not %s %s: %s",
               what, path, g_strerror (saved_errno));
  return FALSE;
}

CsdAssetSink *
csd_asset_sink_new (const char  *assets_dir,
                    gint64       limit,
                    GError     **error)
{
  g_autofree char *tmp_path = g_build_filename (assets_dir, ".upload-XXXXXX", NULL);
  CsdAssetSink *sink;
  int fd;

  if (g_mkdir_with_parents (assets_dir, 0700) != 0)
    {
      set_io_error (error, errno, "create", assets_dir);
      return NULL;
    }

  fd = g_mkstemp_full (tmp_path, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      set_io_error (error, errno, "create a file in", assets_dir);
      return NULL;
    }

  sink = g_new0 (CsdAssetSink, 1);
  sink->dir = g_strdup (assets_dir);
  sink->tmp_path = g_steal_pointer (&tmp_path);
  sink->fd = fd;
  sink->checksum = g_checksum_new (G_CHECKSUM_SHA256);
  sink->limit = limit;
  return sink;
}

gboolean
csd_asset_sink_is_over_limit (CsdAssetSink *sink)
{
  return sink->limit >= 0 && sink->size > sink->limit;
}

gint64
csd_asset_sink_get_size (CsdAssetSink *sink)
{
  return sink->size;
}

gboolean
csd_asset_sink_write (CsdAssetSink  *sink,
                      const void    *data,
                      gsize          len,
                      GError       **error)
{
  const guchar *p = data;

  sink->size += len;
  if (csd_asset_sink_is_over_limit (sink))
    {
      g_set_error (error, CSD_ERROR, CSD_ERROR_TOO_LARGE,
                   "The asset is over the limit of %" G_GINT64_FORMAT " bytes", sink->limit);
      return FALSE;
    }

  g_checksum_update (sink->checksum, data, len);
  while (len > 0)
    {
      ssize_t n = write (sink->fd, p, len);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return set_io_error (error, errno, "write", sink->tmp_path);
        }
      p += n;
      len -= (gsize) n;
    }

  return TRUE;
}

/* The rename itself must survive a crash too, so the directory is synced. */
static gboolean
fsync_dir (const char  *dir,
           GError     **error)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int saved;

  if (fd < 0)
    return set_io_error (error, errno, "open", dir);
  if (fsync (fd) != 0)
    {
      saved = errno;
      close (fd);
      return set_io_error (error, saved, "sync", dir);
    }
  close (fd);
  return TRUE;
}

gboolean
csd_asset_sink_commit (CsdAssetSink  *sink,
                       const char    *expected_sha256,
                       GError       **error)
{
  g_autofree char *final_path = NULL;
  const char *actual;

  if (csd_asset_sink_is_over_limit (sink))
    {
      g_set_error (error, CSD_ERROR, CSD_ERROR_TOO_LARGE,
                   "The asset is over the limit of %" G_GINT64_FORMAT " bytes", sink->limit);
      return FALSE;
    }

  actual = g_checksum_get_string (sink->checksum);
  if (!g_str_equal (actual, expected_sha256))
    {
      g_set_error (error, CSD_ERROR, CSD_ERROR_HASH_MISMATCH,
                   "hash mismatch: the bytes hash to %s, not %s", actual, expected_sha256);
      return FALSE;
    }

  final_path = csd_asset_path (sink->dir, expected_sha256);
  if (g_file_test (final_path, G_FILE_TEST_IS_REGULAR))
    {
      sink->committed = FALSE;  /* the temporary copy is dropped in free() */
      return TRUE;
    }

  if (fsync (sink->fd) != 0)
    return set_io_error (error, errno, "sync", sink->tmp_path);
  if (close (sink->fd) != 0)
    {
      sink->fd = -1;
      return set_io_error (error, errno, "close", sink->tmp_path);
    }
  sink->fd = -1;

  if (g_rename (sink->tmp_path, final_path) != 0)
    return set_io_error (error, errno, "move into place", final_path);
  sink->committed = TRUE;

  return fsync_dir (sink->dir, error);
}

void
csd_asset_sink_free (CsdAssetSink *sink)
{
  if (sink == NULL)
    return;
  if (sink->fd >= 0)
    close (sink->fd);
  if (!sink->committed)
    g_unlink (sink->tmp_path);
  g_checksum_free (sink->checksum);
  g_free (sink->tmp_path);
  g_free (sink->dir);
  g_free (sink);
}

char *
csd_file_sha256 (const char  *path,
                 GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guchar buf[65536];
  gssize n;

  if ((in = g_file_read (file, NULL, error)) == NULL)
    return NULL;
  while ((n = g_input_stream_read (G_INPUT_STREAM (in), buf, sizeof buf, NULL, error)) > 0)
    g_checksum_update (checksum, buf, n);
  if (n < 0)
    return NULL;
  return g_strdup (g_checksum_get_string (checksum));
}

gboolean
csd_asset_import_file (const char  *assets_dir,
                       const char  *path,
                       const char  *expected_sha256,
                       gint64      *bytes,
                       GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(CsdAssetSink) sink = NULL;
  guchar buf[65536];
  gssize n;

  if ((in = g_file_read (file, NULL, error)) == NULL ||
      (sink = csd_asset_sink_new (assets_dir, -1, error)) == NULL)
    return FALSE;

  while ((n = g_input_stream_read (G_INPUT_STREAM (in), buf, sizeof buf, NULL, error)) > 0)
    if (!csd_asset_sink_write (sink, buf, (gsize) n, error))
      return FALSE;
  if (n < 0)
    return FALSE;

  if (!csd_asset_sink_commit (sink, expected_sha256, error))
    return FALSE;
  *bytes = csd_asset_sink_get_size (sink);
  return TRUE;
}
