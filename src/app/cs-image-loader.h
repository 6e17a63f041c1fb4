/* cs-image-loader.h: decodes an evidence image off the main thread into a
 * pyramid of tiled textures.
 *
 * The worker refuses absurd sizes from the header, checks the file against its
 * SHA-256 in a second thread while it decodes (PNG, JPEG, TIFF), halves it on
 * the CPU down to about a screen, and cuts every level into tiles that share
 * the level's pixels. The main thread only ever appends ready textures:
 * nothing is decoded, scaled or copied while a frame is drawn.
 *
 * A first paint waits only for what fitting draws: the load returns once the
 * level that fits the view and the coarser ones are built (a JPEG decoded
 * straight at that scale), and cs_image_pyramid_refine_async() builds the
 * finer ones afterwards. Nothing is returned before the hash agrees.
 *
 * Pixels are shown as stored: EXIF orientation is not applied, so regions and
 * heatmaps given in the stored image's pixels line up.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Images larger than this are refused from their header alone. */
#define CS_IMAGE_MAX_PIXELS (400 * 1000 * 1000)
#define CS_IMAGE_MAX_SIDE 65535
/* The side of a tile; the tiles of a level's last row and column are smaller. */
#define CS_IMAGE_TILE_SIZE 1024
/* The pyramid stops at the first level whose longer side is at most this. */
#define CS_IMAGE_PYRAMID_MIN_SIDE 512

typedef struct
{
  int          width;     /* in the level's own pixels */
  int          height;
  guint        n_columns; /* 0 while the level is not built */
  guint        n_rows;
  GdkTexture **tiles;     /* n_columns × n_rows, row-major; tile (c, r) starts at
                           * c × CS_IMAGE_TILE_SIZE, r × CS_IMAGE_TILE_SIZE;
                           * NULL while the level is not built */
} CsImageLevel;

typedef struct _CsImagePyramid CsImagePyramid;

#define CS_TYPE_IMAGE_PYRAMID (cs_image_pyramid_get_type ())
GType               cs_image_pyramid_get_type     (void) G_GNUC_CONST;
CsImagePyramid     *cs_image_pyramid_ref          (CsImagePyramid *self);
void                cs_image_pyramid_unref        (CsImagePyramid *self);
/* The full-size image, level 0. */
int                 cs_image_pyramid_get_width    (CsImagePyramid *self);
int                 cs_image_pyramid_get_height   (CsImagePyramid *self);
guint               cs_image_pyramid_get_n_levels (CsImagePyramid *self);
/* Level @level is the image halved @level times (sides rounded up). */
const CsImageLevel *cs_image_pyramid_get_level    (CsImagePyramid *self,
                                                   guint           level);
/* Tiles over all levels built. */
guint               cs_image_pyramid_get_n_tiles  (CsImagePyramid *self);
/* Whether level @level has its tiles yet. The coarsest level always has. */
gboolean            cs_image_pyramid_has_level    (CsImagePyramid *self,
                                                   guint           level);
/* Whether every level has its tiles. */
gboolean            cs_image_pyramid_is_complete  (CsImagePyramid *self);

/* Builds the levels @self lacks, from the same verified file, in a worker:
 * the result is a new, complete pyramid sharing @self's tiles. A JPEG first
 * shown from a scaled decode is decoded whole here, so errors are those of
 * cs_image_load_async(). */
void                cs_image_pyramid_refine_async  (CsImagePyramid      *self,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
CsImagePyramid     *cs_image_pyramid_refine_finish (GAsyncResult        *result,
                                                    GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsImagePyramid, cs_image_pyramid_unref)

/* The level to draw at @zoom device pixels per image pixel: the smallest one
 * still at least as detailed as the screen, so the GPU never shrinks a level
 * by more than half (4.8 has no mipmaps). */
guint    cs_image_level_for_zoom (guint    n_levels,
                                  double   zoom);

/* CS_ERROR_TOO_LARGE, worded for the reviewer, when a @width × @height image
 * is too large to open safely. */
gboolean cs_image_check_size     (int      width,
                                  int      height,
                                  GError **error);

/* Errors are in CS_ERROR (CS_ERROR_NOT_FOUND, CS_ERROR_TOO_LARGE,
 * CS_ERROR_HASH_MISMATCH, CS_ERROR_MALFORMED) with a message for the reviewer,
 * or G_IO_ERROR_CANCELLED. @expected_sha256 is 64 hex digits; a file that does
 * not match it is never returned, whatever its decode did.
 *
 * @fit_width × @fit_height is the area, in device pixels, the image will be
 * fitted into: the pyramid returned has the level that fitting draws and the
 * coarser ones; the finer ones may be missing (see
 * cs_image_pyramid_refine_async()). 0 × 0 builds every level. */
void            cs_image_load_async  (const char          *path,
                                      const char          *expected_sha256,
                                      int                  fit_width,
                                      int                  fit_height,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
CsImagePyramid *cs_image_load_finish (GAsyncResult        *result,
                                      GError             **error);

/* How many decodes have started in this process (a JPEG shown first from a
 * scaled decode counts two): tests use it to see that a refused file was
 * never decoded. */
guint           cs_image_loader_get_n_decodes (void);

G_END_DECLS
