/* cs-shortcuts.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n.h>

#include "cs-shortcuts.h"
#include "cs-types.h"

static const CsShortcut shortcuts[] = {
  { "j <Alt>Down", "win.move", 1, TRUE, N_("Queue"), N_("Next case") },
  { "k <Alt>Up", "win.move", -1, TRUE, N_("Queue"), N_("Previous case") },
  { "<Control>f", "win.search", -1, TRUE, N_("Queue"), N_("Search cases") },
  { "F9", "win.show-queue", -1, TRUE, N_("Queue"), N_("Show or hide the queue") },
  { "<Control>r", "win.sync", -1, TRUE, N_("Queue"), N_("Sync now") },
  { "a", "win.set-action", CS_ACTION_ACCEPT, TRUE, N_("Decision"), N_("Accept the model’s answer") },
  { "o", "win.set-action", CS_ACTION_OVERRIDE, TRUE, N_("Decision"), N_("Override") },
  { "r", "win.set-action", CS_ACTION_REJECT, TRUE, N_("Decision"), N_("Reject") },
  { "e", "win.set-action", CS_ACTION_ESCALATE, TRUE, N_("Decision"), N_("Escalate") },
  { "g", "win.set-action", CS_ACTION_AGREE, TRUE, N_("Decision"), N_("Agree with the first reviewer (second review)") },
  { "1 KP_1", "win.choose-label", 0, TRUE, N_("Decision"), N_("Choose label 1 (2 to 9 likewise)") },
  { "2 KP_2", "win.choose-label", 1, TRUE, NULL, NULL },
  { "3 KP_3", "win.choose-label", 2, TRUE, NULL, NULL },
  { "4 KP_4", "win.choose-label", 3, TRUE, NULL, NULL },
  { "5 KP_5", "win.choose-label", 4, TRUE, NULL, NULL },
  { "6 KP_6", "win.choose-label", 5, TRUE, NULL, NULL },
  { "7 KP_7", "win.choose-label", 6, TRUE, NULL, NULL },
  { "8 KP_8", "win.choose-label", 7, TRUE, NULL, NULL },
  { "9 KP_9", "win.choose-label", 8, TRUE, NULL, NULL },
  { "<Control>e", "win.focus-rationale", -1, TRUE, N_("Decision"), N_("Write the rationale") },
  { "<Control>Return <Control>KP_Enter", "win.submit", -1, TRUE, N_("Decision"), N_("Countersign: record the decision") },
  { "<Control>z", "win.undo", -1, TRUE, N_("Decision"), N_("Undo the last decision, while it is unsent") },
  { "h", "win.toggle-heatmap", -1, TRUE, N_("Evidence"), N_("Show or hide the heatmap") },
  { "<Control>plus <Control>equal", "image.zoom-in", -1, FALSE, N_("Evidence"), N_("Zoom in (with the image focused)") },
  { "<Control>minus", "image.zoom-out", -1, FALSE, N_("Evidence"), N_("Zoom out") },
  { "<Control>0", "image.zoom-fit", -1, FALSE, N_("Evidence"), N_("Fit the image") },
  { "<Control>1", "image.zoom-actual", -1, FALSE, N_("Evidence"), N_("Actual size") },
  { "<Control><Shift>h", "image.side-by-side", -1, FALSE, N_("Evidence"), N_("Image and heatmap side by side") },
  { "Page_Down", "document.next-page", -1, FALSE, N_("Evidence"), N_("Next page (with the document focused)") },
  { "Page_Up", "document.previous-page", -1, FALSE, N_("Evidence"), N_("Previous page") },
  { "Home", "document.first-page", -1, FALSE, N_("Evidence"), N_("First page") },
  { "End", "document.last-page", -1, FALSE, N_("Evidence"), N_("Last page") },
  { "<Control>plus <Control>equal", "document.zoom-in", -1, FALSE, NULL, NULL },
  { "<Control>minus", "document.zoom-out", -1, FALSE, NULL, NULL },
  { "<Control>0", "document.zoom-fit", -1, FALSE, N_("Evidence"), N_("Fit the page width") },
  { "<Control><Shift>o", "win.oversight", -1, TRUE, N_("General"), N_("Oversight: your day and the queue’s figures") },
  { "<Control>comma", "app.preferences", -1, FALSE, N_("General"), N_("Preferences") },
  { "<Control>question", "win.show-shortcuts", -1, TRUE, N_("General"), N_("Keyboard shortcuts") },
  { "<Control>q", "app.quit", -1, FALSE, N_("General"), N_("Quit") },
};

const CsShortcut *
cs_shortcuts_get (guint *n_shortcuts)
{
  *n_shortcuts = G_N_ELEMENTS (shortcuts);
  return shortcuts;
}

void
cs_shortcuts_add_bindings (GtkWidgetClass *widget_class)
{
  for (guint i = 0; i < G_N_ELEMENTS (shortcuts); i++)
    {
      g_auto(GStrv) accels = NULL;

      if (!shortcuts[i].bind)
        continue;

      accels = g_strsplit (shortcuts[i].accels, " ", -1);
      for (guint j = 0; accels[j] != NULL; j++)
        {
          guint keyval = 0;
          GdkModifierType mods = 0;
          GtkShortcut *shortcut;

          if (!gtk_accelerator_parse (accels[j], &keyval, &mods))
            g_error ("Bad accelerator “%s” in the shortcut table", accels[j]);
          shortcut = gtk_shortcut_new (gtk_keyval_trigger_new (keyval, mods),
                                       gtk_named_action_new (shortcuts[i].action));
          if (shortcuts[i].arg >= 0 || g_str_equal (shortcuts[i].action, "win.move"))
            gtk_shortcut_set_arguments (shortcut, g_variant_new_int32 (shortcuts[i].arg));
          gtk_widget_class_add_shortcut (widget_class, shortcut);
          g_object_unref (shortcut);
        }
    }
}

GtkWindow *
cs_shortcuts_window_new (GtkWindow *parent)
{
  g_autoptr(GString) xml = g_string_new ("<interface><object class=\"GtkShortcutsWindow\" id=\"window\">"
                                         "<property name=\"modal\">True</property>"
                                         "<child><object class=\"GtkShortcutsSection\">"
                                         "<property name=\"section-name\">review</property>");
  g_autoptr(GtkBuilder) builder = NULL;
  const char *group = NULL;
  GtkWindow *window;

  for (guint i = 0; i < G_N_ELEMENTS (shortcuts); i++)
    {
      g_autofree char *entry = NULL;

      if (shortcuts[i].title == NULL)
        continue;
      if (g_strcmp0 (group, shortcuts[i].group) != 0)
        {
          g_autofree char *title = g_markup_printf_escaped ("<property name=\"title\">%s</property>",
                                                            _(shortcuts[i].group));
          if (group != NULL)
            g_string_append (xml, "</object></child>");
          g_string_append_printf (xml, "<child><object class=\"GtkShortcutsGroup\">%s", title);
          group = shortcuts[i].group;
        }
      entry = g_markup_printf_escaped ("<child><object class=\"GtkShortcutsShortcut\">"
                                       "<property name=\"accelerator\">%s</property>"
                                       "<property name=\"title\">%s</property></object></child>",
                                       shortcuts[i].accels, _(shortcuts[i].title));
      g_string_append (xml, entry);
    }
  if (group != NULL)
    g_string_append (xml, "</object></child>");
  g_string_append (xml, "</object></child></object></interface>");

  builder = gtk_builder_new_from_string (xml->str, -1);
  window = GTK_WINDOW (g_object_ref (gtk_builder_get_object (builder, "window")));
  gtk_window_set_transient_for (window, parent);
  return window;
}
