/* cs-bench-launch.c: one start of the review window, timed by bench/run.
 *
 * With --data-dir DIR --case ID it does what `countersign --screenshot` does
 * up to the picture: the real application opens the store offline, makes its
 * window, shows the case and presents it. At the first frame painted with the
 * case settled it prints one line,
 *
 *   painted MONOTONIC_US PEAK_RSS_KB
 *
 * and quits. The parent takes the time from its spawn to MONOTONIC_US (both
 * CLOCK_MONOTONIC), so loading and linking the program count too. With --bare
 * it shows a bare AdwApplicationWindow with one label instead: GTK's and
 * libadwaita's own start-up on this machine, the baseline.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>

#include "cs-application.h"
#include "cs-window.h"

/* The schema's default window size, so that both modes draw as many pixels. */
#define BARE_WIDTH 1280
#define BARE_HEIGHT 800
#define TIMEOUT_SECONDS 60

typedef struct
{
  GApplication *app;
  CsCaseView   *view;      /* NULL in the bare mode */
  const char   *case_id;
  GdkFrameClock *clock;
  gulong        handler;
  int           status;
} Launch;

static char *data_dir;
static char *case_id;
static gboolean bare;

static gint64
peak_rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (line = strstr (status, "VmHWM:")) == NULL)
    return -1;
  return g_ascii_strtoll (line + strlen ("VmHWM:"), NULL, 10);
}

static void
fail (Launch     *launch,
      const char *message)
{
  g_printerr ("%s\n", message);
  launch->status = 1;
  g_application_quit (launch->app);
}

/* Painting happens between a frame's layout and its after-paint; the case
 * settles only in main-loop callbacks, never inside a frame, so a frame whose
 * after-paint finds it settled is a frame that drew it. */
static void
after_paint_cb (GdkFrameClock *clock,
                Launch        *launch)
{
  gint64 now = g_get_monotonic_time ();

  if (launch->view != NULL &&
      (!cs_case_view_is_settled (launch->view) ||
       g_strcmp0 (cs_case_view_get_case_id (launch->view), launch->case_id) != 0))
    return;

  g_print ("painted %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n", now, peak_rss_kb ());
  fflush (stdout);
  g_clear_signal_handler (&launch->handler, clock);
  g_application_quit (launch->app);
}

static gboolean
timeout_cb (gpointer user_data)
{
  fail (user_data, "The window did not draw the case in the time allowed");
  return G_SOURCE_REMOVE;
}

static void
watch_first_frame (Launch    *launch,
                   GtkWidget *window)
{
  /* Presenting a toplevel realizes it, so its frame clock exists now. */
  launch->clock = gtk_widget_get_frame_clock (window);
  if (launch->clock == NULL)
    {
      fail (launch, "The window has no frame clock: is there a display?");
      return;
    }
  launch->handler = g_signal_connect (launch->clock, "after-paint", G_CALLBACK (after_paint_cb), launch);
  g_timeout_add_seconds (TIMEOUT_SECONDS, timeout_cb, launch);
}

/* Runs before CsApplication's own activate, which then finds this window
 * active and only presents it again. */
static void
activate_case_cb (GApplication *app,
                  Launch       *launch)
{
  g_autoptr(GError) error = NULL;
  CsWindow *window;

  if (!cs_application_open_offline (CS_APPLICATION (app), NULL, data_dir, &error))
    {
      fail (launch, error->message);
      return;
    }

  window = cs_window_new (CS_APPLICATION (app));
  if (!cs_window_show_case (window, case_id, &error))
    {
      gtk_window_destroy (GTK_WINDOW (window));
      fail (launch, error->message);
      return;
    }
  gtk_window_present (GTK_WINDOW (window));
  launch->view = cs_window_get_case_view (window);
  watch_first_frame (launch, GTK_WIDGET (window));
}

static void
activate_bare_cb (GApplication *app,
                  Launch       *launch)
{
  GtkWidget *window = adw_application_window_new (GTK_APPLICATION (app));

  /* A name, not a sentence: nothing here is read by a reviewer. */
  gtk_window_set_title (GTK_WINDOW (window), "Countersign");
  gtk_window_set_default_size (GTK_WINDOW (window), BARE_WIDTH, BARE_HEIGHT);
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), gtk_label_new ("Countersign"));
  gtk_window_present (GTK_WINDOW (window));
  watch_first_frame (launch, window);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("— one timed start of the review window");
  g_autoptr(GError) error = NULL;
  g_autoptr(GApplication) app = NULL;
  Launch launch = { NULL, };
  const GOptionEntry entries[] = {
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &data_dir, "The local store to open", "DIR" },
    { "case", 0, 0, G_OPTION_ARG_STRING, &case_id, "The case to show", "ID" },
    { "bare", 0, 0, G_OPTION_ARG_NONE, &bare, "Show a bare window with one label instead", NULL },
    { NULL }
  };
  char *app_argv[] = { argv[0], NULL };
  int status;

  /* As the application's main () does, for the window and the bare baseline alike. */
  cs_application_choose_renderer ();

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (!bare && (data_dir == NULL || case_id == NULL))
    {
      g_printerr ("Give --data-dir DIR and --case ID, or --bare\n");
      return 2;
    }

  /* As main.c does. */
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (bare)
    app = G_APPLICATION (adw_application_new (APP_ID ".BenchBare", G_APPLICATION_NON_UNIQUE));
  else
    app = G_APPLICATION (cs_application_new ());
  launch.app = app;
  launch.case_id = case_id;
  g_signal_connect (app, "activate", bare ? G_CALLBACK (activate_bare_cb) : G_CALLBACK (activate_case_cb), &launch);

  /* The application's own options are not the benchmark's. */
  status = g_application_run (app, 1, app_argv);
  g_free (data_dir);
  g_free (case_id);
  return status != 0 ? status : launch.status;
}
