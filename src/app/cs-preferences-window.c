/* cs-preferences-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n.h>

#include "cs-preferences-window.h"

struct _CsPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  CsApplication        *app;
  CsSync               *sync;

  AdwPreferencesGroup  *sync_group;
  AdwPreferencesGroup  *heatmap_group;
  GtkSpinButton        *backlog_spin;
  GtkSpinButton        *cache_spin;
  GtkSwitch            *heatmap_switch;
  GtkScale             *opacity_scale;
  GtkScale             *threshold_scale;
  AdwActionRow         *server_row;
  AdwActionRow         *reviewer_row;
};

G_DEFINE_FINAL_TYPE (CsPreferencesWindow, cs_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* The account signed in to now; the last one remembered when signed out. */
static void
update_account (CsPreferencesWindow *self)
{
  GSettings *settings = cs_application_get_settings (self->app);
  g_autofree char *saved_server = settings ? g_settings_get_string (settings, "server-url") : NULL;
  g_autofree char *saved_reviewer = settings ? g_settings_get_string (settings, "reviewer") : NULL;
  const char *server = NULL;
  const char *reviewer = NULL;

  if (self->sync != NULL)
    {
      server = cs_client_get_base_url (cs_sync_get_client (self->sync));
      reviewer = cs_sync_get_reviewer (self->sync);
      if (reviewer == NULL)
        reviewer = _("Not yet known: the server has not been reached");
    }
  else
    {
      server = saved_server && *saved_server ? saved_server : NULL;
      reviewer = _("Not signed in");
    }

  adw_action_row_set_subtitle (self->server_row, server ? server : _("None"));
  adw_action_row_set_subtitle (self->reviewer_row, reviewer);
}

static void
sync_changed_cb (CsPreferencesWindow *self)
{
  CsSync *sync = cs_application_get_sync (self->app);

  if (self->sync != sync)
    {
      if (self->sync != NULL)
        g_signal_handlers_disconnect_by_data (self->sync, self);
      g_set_object (&self->sync, sync);
      if (sync != NULL)
        g_signal_connect_object (sync, "notify::reviewer", G_CALLBACK (update_account), self, G_CONNECT_SWAPPED);
    }
  update_account (self);
}

static void
cs_preferences_window_dispose (GObject *object)
{
  CsPreferencesWindow *self = CS_PREFERENCES_WINDOW (object);

  if (self->sync != NULL)
    g_signal_handlers_disconnect_by_data (self->sync, self);
  g_clear_object (&self->sync);
  g_clear_object (&self->app);

  G_OBJECT_CLASS (cs_preferences_window_parent_class)->dispose (object);
}

static void
cs_preferences_window_class_init (CsPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cs_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, APP_PATH "cs-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CsPreferencesWindow, sync_group);
  gtk_widget_class_bind_template_child (widget_class, CsPreferencesWindow, heatmap_group);
  gtk_widget_class_bind_template_child (widget_class, CsPreferencesWindow, backlog_spin);
  gtk_widget_class_bind_template_child (widget_class, CsPreferencesWindow, cache_spin);
  gtk_widget_class_bind_template_child (widget_class, CsPreferencesWindow, heatmap_switch);
  gtk_widget_class_bind_template_child (widget_class, CsPreferencesWindow, opacity_scale);
  gtk_widget_class_bind_template_child (widget_class, CsPreferencesWindow, threshold_scale);
  gtk_widget_class_bind_template_child (widget_class, CsPreferencesWindow, server_row);
  gtk_widget_class_bind_template_child (widget_class, CsPreferencesWindow, reviewer_row);
}

static void
cs_preferences_window_init (CsPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWindow *
cs_preferences_window_new (CsApplication *app,
                           GtkWindow     *parent)
{
  CsPreferencesWindow *self;
  GSettings *settings;

  g_return_val_if_fail (CS_IS_APPLICATION (app), NULL);

  self = g_object_new (CS_TYPE_PREFERENCES_WINDOW,
                       "application", app,
                       "transient-for", parent,
                       NULL);
  self->app = g_object_ref (app);

  settings = cs_application_get_settings (app);
  if (settings != NULL)
    {
      g_settings_bind (settings, "backlog-size", self->backlog_spin, "value", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (settings, "asset-cache-mb", self->cache_spin, "value", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (settings, "heatmap-visible", self->heatmap_switch, "active", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (settings, "heatmap-opacity", gtk_range_get_adjustment (GTK_RANGE (self->opacity_scale)),
                       "value", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (settings, "heatmap-threshold", gtk_range_get_adjustment (GTK_RANGE (self->threshold_scale)),
                       "value", G_SETTINGS_BIND_DEFAULT);
    }
  else
    {
      /* An uninstalled run without compiled schemas: nothing could be kept. */
      gtk_widget_set_sensitive (GTK_WIDGET (self->sync_group), FALSE);
      gtk_widget_set_sensitive (GTK_WIDGET (self->heatmap_group), FALSE);
    }

  g_signal_connect_object (app, "notify::sync", G_CALLBACK (sync_changed_cb), self, G_CONNECT_SWAPPED);
  sync_changed_cb (self);
  return GTK_WINDOW (self);
}
