/* cs-preferences-window.h: sync, heatmap and account preferences.
 *
 * Every choice is a GSettings key bound with g_settings_bind; the application
 * applies the sync ones to the running CsSync as they change.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cs-application.h"

G_BEGIN_DECLS

#define CS_TYPE_PREFERENCES_WINDOW (cs_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (CsPreferencesWindow, cs_preferences_window, CS, PREFERENCES_WINDOW, AdwPreferencesWindow)

GtkWindow *cs_preferences_window_new (CsApplication *app,
                                      GtkWindow     *parent);

G_END_DECLS
