/* cs-screenshot.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n.h>

#include "cs-screenshot.h"

/* Frames drawn after the view settled before the window is rendered: the
 * first may still show the previous state of a stack or a tile level. */
#define SETTLE_FRAMES 3

typedef struct
{
  CsWindow *window;
  char     *path;
  guint     tick_id;
  guint     timeout_id;
  guint     frames_settled;
} ShotData;

static void
shot_data_free (ShotData *data)
{
  if (data->tick_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (data->window), data->tick_id);
  g_clear_handle_id (&data->timeout_id, g_source_remove);
  g_clear_object (&data->window);
  g_free (data->path);
  g_free (data);
}

gboolean
cs_screenshot_parse_size (const char *text,
                          int        *width,
                          int        *height)
{
  guint64 w = 0, h = 0;
  const char *x;
  g_autofree char *left = NULL;

  if (text == NULL || (x = strchr (text, 'x')) == NULL)
    return FALSE;
  left = g_strndup (text, x - text);
  if (!g_ascii_string_to_unsigned (left, 10, 200, 16384, &w, NULL) ||
      !g_ascii_string_to_unsigned (x + 1, 10, 200, 16384, &h, NULL))
    return FALSE;
  *width = (int) w;
  *height = (int) h;
  return TRUE;
}

static gboolean
render_to_png (CsWindow    *window,
               const char  *path,
               GError     **error)
{
  GtkWidget *widget = GTK_WIDGET (window);
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (window));
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GBytes) png = NULL;
  GtkSnapshot *snapshot;

  if (renderer == NULL || width <= 0 || height <= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The window was not drawn, so there is nothing to save"));
      return FALSE;
    }

  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The window drew nothing"));
      return FALSE;
    }

  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  png = gdk_texture_save_to_png_bytes (texture);
  return g_file_set_contents (path, g_bytes_get_data (png, NULL), (gssize) g_bytes_get_size (png), error);
}

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *frame_clock,
         gpointer       user_data)
{
  GTask *task = user_data;
  ShotData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!cs_case_view_is_settled (cs_window_get_case_view (data->window)))
    {
      data->frames_settled = 0;
      return G_SOURCE_CONTINUE;
    }
  if (++data->frames_settled < SETTLE_FRAMES)
    {
      gtk_widget_queue_draw (widget);
      return G_SOURCE_CONTINUE;
    }

  data->tick_id = 0;
  if (render_to_png (data->window, data->path, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, g_steal_pointer (&error));
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static void
tick_destroyed (gpointer user_data)
{
}

static gboolean
timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  ShotData *data = g_task_get_task_data (task);

  data->timeout_id = 0;
  if (data->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (data->window), data->tick_id);
      data->tick_id = 0;
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                               _("The case’s evidence was still not drawn after the time allowed"));
      g_object_unref (task);
    }
  return G_SOURCE_REMOVE;
}

void
cs_screenshot_write_async (CsWindow            *window,
                           const char          *path,
                           guint                timeout_seconds,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;
  ShotData *data;

  g_return_if_fail (CS_IS_WINDOW (window));
  g_return_if_fail (path != NULL);

  task = g_task_new (window, cancellable, callback, user_data);
  g_task_set_source_tag (task, cs_screenshot_write_async);
  data = g_new0 (ShotData, 1);
  data->window = g_object_ref (window);
  data->path = g_strdup (path);
  g_task_set_task_data (task, data, (GDestroyNotify) shot_data_free);

  /* The tick and the timeout share the task's one reference: whichever ends
   * it removes the other first. */
  data->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (window), tick_cb, task, tick_destroyed);
  data->timeout_id = g_timeout_add_seconds (timeout_seconds, timeout_cb, task);
  gtk_widget_queue_draw (GTK_WIDGET (window));
}

gboolean
cs_screenshot_write_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
