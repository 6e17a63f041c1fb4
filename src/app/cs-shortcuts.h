/* cs-shortcuts.h: every keyboard shortcut of the review window, in one table.
 *
 * The window's bindings and the shortcuts window are both made from it, so the
 * two cannot disagree.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct
{
  const char *accels;   /* space-separated, as gtk_accelerator_parse() reads them */
  const char *action;   /* the action it activates */
  int         arg;      /* its int32 parameter, or -1 for none */
  gboolean    bind;     /* FALSE: bound by another widget, listed here for the window */
  const char *group;    /* untranslated; N_() */
  const char *title;    /* untranslated; N_() */
} CsShortcut;

const CsShortcut *cs_shortcuts_get        (guint          *n_shortcuts);
/* Adds the bindings marked @bind to @widget_class. */
void              cs_shortcuts_add_bindings (GtkWidgetClass *widget_class);
/* The shortcuts window, built from the table. */
GtkWindow        *cs_shortcuts_window_new (GtkWindow      *parent);

G_END_DECLS
