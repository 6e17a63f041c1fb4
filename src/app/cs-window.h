/* cs-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cs-application.h"
#include "cs-case-view.h"

G_BEGIN_DECLS

#define CS_TYPE_WINDOW (cs_window_get_type ())
G_DECLARE_FINAL_TYPE (CsWindow, cs_window, CS, WINDOW, AdwApplicationWindow)

CsWindow    *cs_window_new            (CsApplication *app);
void         cs_window_show_error     (CsWindow      *self,
                                       const char    *message);
/* Selects @case_id in the queue (every case is listed if it is not to do)
 * and puts it on screen. */
gboolean     cs_window_show_case      (CsWindow      *self,
                                       const char    *case_id,
                                       GError       **error);
/* For tests: the widgets a reviewer works with. */
GtkListView *cs_window_get_queue_view (CsWindow      *self);
CsCaseView  *cs_window_get_case_view  (CsWindow      *self);
GListModel  *cs_window_get_cases      (CsWindow      *self);

G_END_DECLS
