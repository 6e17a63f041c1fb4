/* cs-bench-ui.c: the review window's figures, on a display.
 *
 * - launch: a fresh process opens a store of 100,000 cases offline and draws
 *   the first case (cs-bench-launch.c), beside the same program drawing a bare
 *   window; its peak memory beside the bare window's. A start that has drawn
 *   nothing after LAUNCH_LIMIT_SECONDS is stopped, and its row says so;
 * - deciding: a decision committed through the case view, until the frame that
 *   shows the next case is painted, beside one frame with nothing changed (a
 *   run's figure is the median of DECISIONS_PER_RUN decisions);
 * - a very large image: from asking the image view for it until its tiles and
 *   heatmap are painted, beside decoding the same file with the decoder the
 *   image loader uses.
 *
 * Frames are caught at the frame clock's "after-paint", which follows the
 * render of the frame. Every figure starts from a still window (no frame for
 * STILL_MS), as a reviewer's key press does: otherwise it would include
 * waiting for the next tick of an animation still running.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "cs-application.h"
#include "cs-bench.h"
#include "cs-test-server.h"
#include "cs-window.h"

#define LAUNCH_CASES 100000
/* What the sync engine stores in one transaction: a page of the changes feed. */
#define STORE_PAGE 500
#define DECISIONS_PER_RUN 30
/* The cases to do while deciding: many queues' claimed backlogs. */
#define DECIDE_CASES 2000
#define IMAGE_SIDE 8000
#define HEATMAP_SIDE 64
#define STILL_MS 100
#define WAIT_SECONDS 120
/* A start that has drawn nothing by then is stopped (the row's name says so). */
#define LAUNCH_LIMIT_SECONDS 30
#define REVIEWER "r-bench"

/* Cases like the server's, in the wire format the sync engine parses. */

static char *
iso_time (gint64 unix_seconds)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (unix_seconds);
  return g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ");
}

/* Numbers in JSON are never in the reviewer's locale. */
static char *
num (double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.4g", value));
}

static char *
trigger_json (int    i,
              double confidence)
{
  g_autofree char *c = num (confidence);

  if (i % 50 == 0)
    return g_strdup ("{\"kind\": \"random_audit\", \"detail\": \"drawn for audit (2%)\"}");
  if (i % 7 == 0)
    return g_strdup ("{\"kind\": \"compliance_keyword\", \"detail\": \"keyword: chargeback\"}");
  return g_strdup_printf ("{\"kind\": \"low_confidence\", \"detail\": \"confidence %s below threshold 0.8\","
                          " \"threshold\": 0.8}", c);
}

/* The parts every case shares, around its subject and explanation. */
static char *
case_json (int         i,
           GRand      *rand,
           const char *queue,
           const char *subject,
           const char *model,
           const char *labels,
           const char *predicted,
           const char *alternative,
           const char *explanation,
           const char *context)
{
  /* Arrived over the last three days, due one to four days after. */
  gint64 created = g_get_real_time () / G_USEC_PER_SEC - g_rand_int_range (rand, 600, 3 * 86400);
  g_autofree char *created_at = iso_time (created);
  g_autofree char *due_at = iso_time (created + 86400 * g_rand_int_range (rand, 1, 5));
  g_autofree char *lease_until = iso_time (created + 86400 * 7);
  double confidence = g_rand_double_range (rand, 0.45, 0.79);
  g_autofree char *c = num (confidence);
  g_autofree char *alt = num (1.0 - confidence - 0.02);
  g_autofree char *priority = num (g_rand_double (rand));
  g_autofree char *trigger = trigger_json (i, confidence);

  return g_strdup_printf (
    "{\"id\": \"c-%06d\", \"version\": 1, \"queue\": \"%s\", \"status\": \"open\","
    " \"assigned_to\": \"" REVIEWER "\", \"lease_until\": \"%s\", \"created_at\": \"%s\", \"due_at\": \"%s\","
    " \"priority\": %s, \"trigger\": %s, \"subject\": %s, \"model\": %s,"
    " \"prediction\": {\"label\": \"%s\", \"confidence\": %s, \"alternatives\": [{\"label\": \"%s\", \"confidence\": %s}]},"
    " \"explanation\": %s, \"labels\": %s,"
    " \"policy\": {\"rationale_required\": [\"override\", \"reject\", \"escalate\"], \"min_rationale_chars\": 15},"
    " \"context\": %s, \"decided\": null}",
    i, queue, lease_until, created_at, due_at, priority, trigger, subject, model,
    predicted, c, alternative, alt, explanation, labels, context);
}

static void
append_span (GString    *spans,
             const char *text,
             const char *phrase,
             const char *weight)
{
  const char *at = strstr (text, phrase);

  /* ASCII text: byte offsets are character offsets. */
  if (at != NULL)
    g_string_append_printf (spans, "%s{\"start\": %d, \"end\": %d, \"weight\": %s}", spans->len > 1 ? ", " : "",
                            (int) (at - text), (int) (at - text + strlen (phrase)), weight);
}

/* A disputed card payment, with the phrases the model leaned on. */
static char *
text_case_json (int    i,
                GRand *rand)
{
  static const char * const merchants[] = {
    "Northwind Travel", "Blue Harbour Books", "Kestrel Electronics", "Maple Street Pharmacy", "Orbit Streaming",
  };
  static const char * const sites[] = { "north", "south", "online" };
  int cents = g_rand_int_range (rand, 500, 250000);
  const char *merchant = merchants[g_rand_int_range (rand, 0, G_N_ELEMENTS (merchants))];
  g_autofree char *text = g_strdup_printf (
    "Customer reports a card payment of EUR %d.%02d to %s on 14 November that they do not recognise. "
    "They say the card never left their possession and ask for a chargeback. Earlier disputes on this "
    "account: %d. The merchant answers that the goods were delivered to the billing address and signed for.",
    cents / 100, cents % 100, merchant, g_rand_int_range (rand, 0, 4));
  g_autofree char *subject = NULL;
  g_autofree char *explanation = NULL;
  g_autofree char *context = NULL;
  g_autoptr(GString) spans = g_string_new ("[");

  append_span (spans, text, "do not recognise", "0.9");
  append_span (spans, text, "chargeback", "0.7");
  append_span (spans, text, "delivered to the billing address", "0.4");
  g_string_append (spans, "]");

  subject = g_strdup_printf ("{\"kind\": \"text\", \"title\": \"Claim %d: disputed payment to %s\", \"text\": \"%s\","
                             " \"asset\": null, \"fields\": null}", 40000 + i, merchant, text);
  explanation = g_strdup_printf ("{\"summary\": \"The customer denies the payment; the merchant has proof of delivery.\","
                                 " \"regions\": [], \"attributions\": [], \"spans\": %s}", spans->str);
  context = g_strdup_printf ("{\"site\": \"%s\", \"account_age_days\": \"%d\"}",
                             sites[i % G_N_ELEMENTS (sites)], g_rand_int_range (rand, 30, 4000));
  return case_json (i, rand, "claims", subject, "{\"name\": \"claims-triage\", \"version\": \"4.1.0\"}",
                    "[\"fraud\", \"friendly fraud\", \"merchant error\", \"not a dispute\"]",
                    "fraud", "friendly fraud", explanation, context);
}

/* A fine-needle aspirate's measurements, with the features' attributions. */
static char *
tabular_case_json (int    i,
                   GRand *rand)
{
  static const char * const features[] = {
    "Mean radius", "Mean texture", "Mean perimeter", "Mean area", "Mean smoothness", "Mean concavity",
    "Worst radius", "Worst texture", "Worst area", "Worst symmetry",
  };
  static const double typical[] = { 14.1, 19.3, 92.0, 655.0, 0.096, 0.089, 16.3, 25.7, 880.0, 0.29 };
  g_autoptr(GString) fields = g_string_new ("{");
  g_autoptr(GString) attributions = g_string_new ("[");
  g_autofree char *subject = NULL;
  g_autofree char *explanation = NULL;
  g_autofree char *context = NULL;

  for (guint f = 0; f < G_N_ELEMENTS (features); f++)
    {
      g_autofree char *value = num (typical[f] * g_rand_double_range (rand, 0.6, 1.4));
      g_autofree char *weight = num (g_rand_double_range (rand, -2.0, 2.0));

      g_string_append_printf (fields, "%s\"%s\": %s", f ? ", " : "", features[f], value);
      g_string_append_printf (attributions, "%s{\"feature\": \"%s\", \"value\": %s, \"display\": \"%s\"}",
                              f ? ", " : "", features[f], weight, value);
    }
  g_string_append (fields, "}");
  g_string_append (attributions, "]");

  subject = g_strdup_printf ("{\"kind\": \"tabular\", \"title\": \"Breast FNA, patient %d\", \"text\": null,"
                             " \"asset\": null, \"fields\": %s}", 1000 + i, fields->str);
  explanation = g_strdup_printf ("{\"summary\": \"Worst radius and worst area push towards benign.\","
                                 " \"regions\": [], \"attributions\": %s, \"spans\": []}", attributions->str);
  context = g_strdup_printf ("{\"site\": \"Clinic %s\", \"specimen\": \"Fine-needle aspirate, breast mass\"}",
                             i % 2 ? "East" : "South");
  return case_json (i, rand, "pathology", subject, "{\"name\": \"fna-logreg\", \"version\": \"1.0.0\"}",
                    "[\"benign\", \"malignant\"]", "benign", "malignant", explanation, context);
}

/* Writes @n cases into a new store under @dir, a page of the changes feed per
 * transaction as the sync engine does, and returns the id of the case a
 * reviewer sees first. */
static char *
write_store (const char *dir,
             int         n,
             gboolean    text_only)
{
  g_autofree char *path = cs_store_default_path (NULL, dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStore) store = cs_store_open (path, &error);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261124);
  g_autoptr(GPtrArray) first = NULL;
  CsCaseQuery query = { .sort = CS_SORT_PRIORITY, .trigger = -1, .states = CS_STATES_TODO };

  if (store == NULL)
    g_error ("%s", error->message);
  cs_store_set_meta (store, "reviewer", REVIEWER, NULL);
  cs_store_set_meta (store, "server", "https://review.example.org/", NULL);

  for (int start = 0; start < n; start += STORE_PAGE)
    {
      g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func (g_object_unref);
      g_autofree char *cursor = g_strdup_printf ("%d", start + STORE_PAGE);

      for (int i = start; i < MIN (n, start + STORE_PAGE); i++)
        {
          g_autofree char *json = text_only || i % 2 ? text_case_json (i, rand) : tabular_case_json (i, rand);
          CsCase *kase = cs_case_new_from_data (json, -1, CS_CASE_PARSE_CASE, &error);

          if (kase == NULL)
            g_error ("case %d: %s", i, error->message);
          g_ptr_array_add (page, kase);
        }
      if (!cs_store_apply_changes (store, page, REVIEWER, cursor, NULL, &error))
        g_error ("%s", error->message);
    }

  first = cs_store_list_cases (store, &query, 0, 1, &error);
  if (first == NULL || first->len == 0)
    g_error ("the new store lists no case to do");
  return g_strdup (((CsCaseRow *) g_ptr_array_index (first, 0))->id);
}

/* Frames */

typedef gboolean (*FrameCheck) (gpointer data);

typedef struct
{
  gulong      handler;
  FrameCheck  check;
  gpointer    data;
  gint64      last_frame;    /* monotonic µs of the last after-paint */
  gint64      passed_at;     /* of the first after-paint where check held, or 0 */
} Watch;

static void
after_paint_cb (GdkFrameClock *clock,
                Watch         *watch)
{
  gint64 now = g_get_monotonic_time ();

  watch->last_frame = now;
  if (watch->check != NULL && watch->passed_at == 0 && watch->check (watch->data))
    watch->passed_at = now;
}

static void
watch_window (Watch     *watch,
              GtkWidget *window)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (window);

  if (clock == NULL)
    g_error ("the window has no frame clock");
  memset (watch, 0, sizeof *watch);
  watch->handler = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), watch);
}

static void
unwatch_window (Watch     *watch,
                GtkWidget *window)
{
  g_clear_signal_handler (&watch->handler, gtk_widget_get_frame_clock (window));
}

static gboolean
wake_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main loop until no frame has been drawn for STILL_MS. */
static void
wait_still (Watch *watch)
{
  gint64 since = g_get_monotonic_time ();
  guint wake = g_timeout_add (5, wake_cb, NULL);

  while (g_get_monotonic_time () - MAX (watch->last_frame, since) < STILL_MS * 1000)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake);
}

/* Arms @check for the frames to come; watch_wait() returns the time of the
 * after-paint of the first frame where it holds. */
static void
watch_arm (Watch      *watch,
           FrameCheck  check,
           gpointer    data)
{
  watch->check = check;
  watch->data = data;
  watch->passed_at = 0;
}

static gint64
watch_wait (Watch      *watch,
            const char *what)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;
  guint wake = g_timeout_add (50, wake_cb, NULL);

  while (watch->passed_at == 0)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("%s was not drawn within %d s", what, WAIT_SECONDS);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (wake);
  watch->check = NULL;
  return watch->passed_at;
}

static gboolean
any_frame (gpointer data)
{
  return TRUE;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* The median of one run's many samples: a run's figure. */
static double
median_of (GArray *samples)
{
  g_autoptr(GArray) sorted = g_array_copy (samples);
  guint n = sorted->len;

  g_array_sort (sorted, compare_doubles);
  return n % 2 ? g_array_index (sorted, double, n / 2)
               : (g_array_index (sorted, double, n / 2 - 1) + g_array_index (sorted, double, n / 2)) / 2;
}

/* 1. Launch */

static char *
launch_program (void)
{
  const char *env = g_getenv ("CS_BENCH_LAUNCH_BIN");
  g_autofree char *self = NULL;
  g_autofree char *dir = NULL;

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  self = g_file_read_link ("/proc/self/exe", NULL);
  if (self == NULL)
    g_error ("cannot find the benchmark program's directory");
  dir = g_path_get_dirname (self);
  return g_build_filename (dir, "cs-bench-launch", NULL);
}

typedef struct
{
  GSubprocess *process;
  gboolean     done;
  gboolean     stopped;
  gint64       peak_kb;     /* read just before a start that took too long is stopped */
  char        *out;
  char        *err;
} Start;

static gint64
process_peak_kb (const char *pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/status", pid);
  g_autofree char *status = NULL;
  const char *line;

  if (pid == NULL || !g_file_get_contents (path, &status, NULL, NULL) || (line = strstr (status, "VmHWM:")) == NULL)
    return 0;
  return g_ascii_strtoll (line + strlen ("VmHWM:"), NULL, 10);
}

static void
start_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Start *start = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &start->out, &start->err, NULL);
  start->done = TRUE;
}

static gboolean
start_too_long_cb (gpointer user_data)
{
  Start *start = user_data;

  start->peak_kb = process_peak_kb (g_subprocess_get_identifier (start->process));
  start->stopped = TRUE;
  g_subprocess_force_exit (start->process);
  return G_SOURCE_REMOVE;
}

/* Spawns one start; returns the milliseconds from the spawn to its first frame
 * with the case and its peak memory in MB, or FALSE with LAUNCH_LIMIT_SECONDS
 * and the memory so far when it had drawn nothing by then. */
static gboolean
launch_once (const char * const *argv,
             double             *ms,
             double             *mb)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) words = NULL;
  Start start = { NULL, };
  const char *line;
  gint64 spawned = g_get_monotonic_time ();
  guint timeout;

  start.process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  if (start.process == NULL)
    g_error ("%s: %s", argv[0], error->message);
  g_subprocess_communicate_utf8_async (start.process, NULL, NULL, start_done_cb, &start);
  timeout = g_timeout_add_seconds (LAUNCH_LIMIT_SECONDS, start_too_long_cb, &start);
  while (!start.done)
    g_main_context_iteration (NULL, TRUE);
  if (!start.stopped)
    g_source_remove (timeout);

  if (start.stopped)
    {
      *ms = LAUNCH_LIMIT_SECONDS * 1000.0;
      *mb = start.peak_kb * 1024 / 1e6;
    }
  else if (!g_subprocess_get_successful (start.process))
    g_error ("%s failed:\n%s", argv[0], start.err);
  else if ((line = strstr (start.out, "painted ")) == NULL ||
           g_strv_length (words = g_strsplit (g_strchomp ((char *) line), " ", -1)) != 3)
    g_error ("%s printed no frame time:\n%s%s", argv[0], start.out, start.err);
  else
    {
      *ms = (g_ascii_strtoll (words[1], NULL, 10) - spawned) / 1000.0;
      *mb = g_ascii_strtoll (words[2], NULL, 10) * 1024 / 1e6;
    }

  g_clear_object (&start.process);
  g_free (start.out);
  g_free (start.err);
  return !start.stopped;
}

static void
bench_launch (int runs)
{
  g_autoptr(GArray) bare = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) full = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) bare_mb = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) full_mb = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *program = launch_program ();
  g_autofree char *dir = cs_bench_tmpdir ();
  g_autofree char *first = NULL;
  gint64 start = g_get_monotonic_time ();

  first = write_store (dir, LAUNCH_CASES, FALSE);
  g_printerr ("  (a store of %d cases written in %.1f s)\n", LAUNCH_CASES, (g_get_monotonic_time () - start) / 1e6);

  {
    const char *bare_argv[] = { program, "--bare", NULL };
    const char *full_argv[] = { program, "--data-dir", dir, "--case", first, NULL };
    gboolean drawn;
    double ms, mb;

    /* Once each unmeasured: the first start after building reads the
     * libraries from disk; a reviewer's every other start does not. A start
     * that draws nothing in the time allowed is the figure, though: there is
     * no point in waiting for it again. */
    launch_once (bare_argv, &ms, &mb);
    drawn = launch_once (full_argv, &ms, &mb);
    if (!drawn)
      {
        g_array_append_val (full, ms);
        g_array_append_val (full_mb, mb);
      }

    /* Interleaved, so that drift in the machine's speed hits both alike. */
    for (int r = 0; r < runs; r++)
      {
        launch_once (bare_argv, &ms, &mb);
        g_array_append_val (bare, ms);
        g_array_append_val (bare_mb, mb);
        if (drawn)
          {
            drawn = launch_once (full_argv, &ms, &mb);
            g_array_append_val (full, ms);
            g_array_append_val (full_mb, mb);
          }
      }

    if (!drawn)
      g_printerr ("  The window had drawn no case of %d after %d s and was stopped: the launch figures below are "
                  "that limit and the memory used by then, not a time to the first case.\n",
                  LAUNCH_CASES, LAUNCH_LIMIT_SECONDS);
    cs_test_remove_tree (dir);

    cs_bench_report ("launch: bare window (baseline)", "ms", bare, NULL, NULL);
    cs_bench_report (drawn ? "launch, 100k cases: first case drawn" : "launch, 100k cases: none drawn in 30 s", "ms",
                     full, "launch: bare window (baseline)", "< 300 ms");
    cs_bench_report ("bare window peak memory (baseline)", "MB", bare_mb, NULL, NULL);
    cs_bench_report (drawn ? "launch, 100k cases: peak memory" : "launch, 100k cases: memory at 30 s", "MB",
                     full_mb, "bare window peak memory (baseline)", "< 150 MB");
  }
}

/* 2. Decide, and the next case on screen */

typedef struct
{
  CsCaseView *view;
  char       *previous;
} NextCase;

static gboolean
next_case_shown (gpointer data)
{
  NextCase *next = data;
  const char *id = cs_case_view_get_case_id (next->view);

  return cs_case_view_is_settled (next->view) && id != NULL && g_strcmp0 (id, next->previous) != 0;
}

static void
bench_decide (CsApplication *app,
              int            runs)
{
  g_autoptr(GArray) idle = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) decide = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *dir = cs_bench_tmpdir ();
  g_autofree char *first = write_store (dir, MAX (DECIDE_CASES, runs * DECISIONS_PER_RUN + 100), TRUE);
  g_autoptr(GError) error = NULL;
  NextCase next = { NULL, NULL };
  CsWindow *window;
  Watch watch;

  if (!cs_application_open_offline (app, NULL, dir, &error))
    g_error ("%s", error->message);
  window = cs_window_new (app);
  gtk_window_present (GTK_WINDOW (window));
  next.view = cs_window_get_case_view (window);
  watch_window (&watch, GTK_WIDGET (window));
  watch_arm (&watch, next_case_shown, &next);
  watch_wait (&watch, "The first case");

  for (int r = 0; r < runs; r++)
    {
      g_autoptr(GArray) idle_run = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr(GArray) decide_run = g_array_new (FALSE, FALSE, sizeof (double));

      for (int d = 0; d < DECISIONS_PER_RUN; d++)
        {
          gint64 start;
          double ms;

          wait_still (&watch);
          watch_arm (&watch, any_frame, NULL);
          start = g_get_monotonic_time ();
          gtk_widget_queue_draw (GTK_WIDGET (window));
          ms = (watch_wait (&watch, "A frame") - start) / 1000.0;
          g_array_append_val (idle_run, ms);

          wait_still (&watch);
          g_free (next.previous);
          next.previous = g_strdup (cs_case_view_get_case_id (next.view));
          /* Typed before the key: the figure is the key's. */
          cs_case_view_set_rationale (next.view, "Matches the card history and the merchant's evidence.");
          watch_arm (&watch, next_case_shown, &next);
          start = g_get_monotonic_time ();
          if (!gtk_widget_activate_action (GTK_WIDGET (next.view), "case.accept", NULL))
            g_error ("the case view has no case.accept action");
          ms = (watch_wait (&watch, "The next case") - start) / 1000.0;
          g_array_append_val (decide_run, ms);
        }

      {
        double m = median_of (idle_run);
        g_array_append_val (idle, m);
        m = median_of (decide_run);
        g_array_append_val (decide, m);
      }
    }

  /* Not a timing: every decision must have been committed. */
  if (cs_store_get_counts (cs_application_get_store (app)).pending != (guint) (runs * DECISIONS_PER_RUN))
    g_error ("%u decisions were committed, not %d", cs_store_get_counts (cs_application_get_store (app)).pending,
             runs * DECISIONS_PER_RUN);

  unwatch_window (&watch, GTK_WIDGET (window));
  gtk_window_destroy (GTK_WINDOW (window));
  g_free (next.previous);
  cs_test_remove_tree (dir);

  cs_bench_report ("idle frame, no change (baseline)", "ms", idle, NULL, NULL);
  cs_bench_report ("decide, 2000 to do: next case drawn", "ms", decide, "idle frame, no change (baseline)", "<= 16 ms");
}

/* 3. A very large image */

/* Skin with a darker, irregular lesion and some grain, so that the JPEG has
 * the detail of a photograph rather than of a flat test card. */
static GdkPixbuf *
make_image (int side)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, side, side);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  gsize stride = gdk_pixbuf_get_rowstride (pixbuf);
  double centre = side / 2.0, radius = side / 6.0;
  guint32 seed = 1;

  for (int y = 0; y < side; y++)
    {
      guint8 *row = pixels + (gsize) y * stride;
      double dy = y - centre;

      for (int x = 0; x < side; x++)
        {
          double dx = x - centre;
          double edge = radius * (1.0 + 0.18 * sin (x * 0.0031) * cos (y * 0.0043));
          double shade = 0.92 + 0.08 * (double) (x + y) / (2.0 * side);
          gboolean lesion = dx * dx + dy * dy < edge * edge;
          int grain;

          seed = seed * 1664525u + 1013904223u;
          grain = (int) (seed >> 28) - 8;
          row[x * 3 + 0] = (guint8) CLAMP ((lesion ? 120 : 222) * shade + grain, 0, 255);
          row[x * 3 + 1] = (guint8) CLAMP ((lesion ? 78 : 176) * shade + grain, 0, 255);
          row[x * 3 + 2] = (guint8) CLAMP ((lesion ? 60 : 152) * shade + grain, 0, 255);
        }
    }
  return pixbuf;
}

typedef struct
{
  const char *name;        /* gdk-pixbuf's */
  char       *path;
  char       *sha256;
  gsize       bytes;
} ImageFile;

static void
image_file_write (ImageFile  *file,
                  GdkPixbuf  *pixbuf,
                  const char *dir,
                  const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *base = g_strdup_printf ("evidence.%s", name);
  gsize len = 0;
  gboolean saved;

  file->name = name;
  file->path = g_build_filename (dir, base, NULL);
  if (g_str_equal (name, "jpeg"))
    saved = gdk_pixbuf_save (pixbuf, file->path, name, &error, "quality", "90", NULL);
  else
    saved = gdk_pixbuf_save (pixbuf, file->path, name, &error, NULL);
  if (!saved || !g_file_get_contents (file->path, &contents, &len, &error))
    g_error ("%s: %s", file->path, error->message);
  file->sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
  file->bytes = len;
}

/* The baseline: the file read and decoded as the image loader decodes it, a
 * GdkPixbufLoader of the format fed a megabyte at a time. */
static double
decode_ms (ImageFile *file)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbufLoader) loader = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0;
  gint64 start = g_get_monotonic_time ();
  GdkPixbuf *pixbuf;
  double ms;

  if (!g_file_get_contents (file->path, &contents, &len, &error) ||
      (loader = gdk_pixbuf_loader_new_with_type (file->name, &error)) == NULL)
    g_error ("%s: %s", file->path, error->message);
  for (gsize done = 0; done < len; done += 1024 * 1024)
    if (!gdk_pixbuf_loader_write (loader, (const guchar *) contents + done, MIN (1024 * 1024, len - done), &error))
      g_error ("%s: %s", file->path, error->message);
  if (!gdk_pixbuf_loader_close (loader, &error))
    g_error ("%s: %s", file->path, error->message);
  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  ms = (g_get_monotonic_time () - start) / 1000.0;
  if (pixbuf == NULL || gdk_pixbuf_get_width (pixbuf) != IMAGE_SIDE)
    g_error ("%s did not decode", file->path);
  return ms;
}

static gboolean
tiles_painted (gpointer data)
{
  CsImageView *view = data;

  return cs_image_view_get_state (view) == CS_IMAGE_VIEW_STATE_READY && cs_image_view_get_visible_tile_count (view) > 0;
}

/* From the request to the frame that painted the image's tiles and heatmap,
 * as the case view asks: the heatmap set, then the file loaded. */
static double
first_paint_ms (CsImageView  *view,
                Watch        *watch,
                ImageFile    *file,
                const double *heatmap)
{
  gint64 start;
  int width = 0, height = 0;
  double ms;

  cs_image_view_clear (view);
  cs_image_view_set_heatmap_grid (view, 0, 0, NULL);
  wait_still (watch);

  watch_arm (watch, tiles_painted, view);
  start = g_get_monotonic_time ();
  cs_image_view_set_heatmap_grid (view, HEATMAP_SIDE, HEATMAP_SIDE, heatmap);
  cs_image_view_load_file (view, file->path, file->sha256);
  ms = (watch_wait (watch, "The image") - start) / 1000.0;

  cs_image_view_get_image_size (view, &width, &height);
  if (width != IMAGE_SIDE || height != IMAGE_SIDE)
    g_error ("the image view shows %dx%d, not %dx%d", width, height, IMAGE_SIDE, IMAGE_SIDE);
  return ms;
}

static void
bench_image (int runs)
{
  g_autofree char *dir = cs_bench_tmpdir ();
  g_autofree double *heatmap = g_new (double, HEATMAP_SIDE * HEATMAP_SIDE);
  ImageFile files[2] = { { NULL, }, };
  static const char * const rows[][2] = {
    { "8000x8000 JPEG: decode (baseline)", "8000x8000 JPEG + heatmap: first paint" },
    { "8000x8000 PNG: decode (baseline)", "8000x8000 PNG + heatmap: first paint" },
  };
  GArray *decode[2], *paint[2];
  GtkWidget *window;
  GtkWidget *view;
  Watch watch;

  {
    g_autoptr(GdkPixbuf) pixbuf = make_image (IMAGE_SIDE);
    gint64 start = g_get_monotonic_time ();

    image_file_write (&files[0], pixbuf, dir, "jpeg");
    image_file_write (&files[1], pixbuf, dir, "png");
    g_printerr ("  (a %dx%d JPEG of %.1f MB and a PNG of %.1f MB written in %.1f s)\n", IMAGE_SIDE, IMAGE_SIDE,
                files[0].bytes / 1e6, files[1].bytes / 1e6, (g_get_monotonic_time () - start) / 1e6);
  }

  /* The model's attention: highest over the lesion in the middle. */
  for (int y = 0; y < HEATMAP_SIDE; y++)
    for (int x = 0; x < HEATMAP_SIDE; x++)
      {
        double dx = (x + 0.5) / HEATMAP_SIDE - 0.5, dy = (y + 0.5) / HEATMAP_SIDE - 0.5;
        heatmap[y * HEATMAP_SIDE + x] = exp (-(dx * dx + dy * dy) / 0.02);
      }

  window = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (window), "Countersign");
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  view = cs_image_view_new ();
  cs_image_view_set_label (CS_IMAGE_VIEW (view), "Lesion, left forearm");
  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_present (GTK_WINDOW (window));
  watch_window (&watch, window);

  for (guint f = 0; f < G_N_ELEMENTS (files); f++)
    {
      decode[f] = g_array_new (FALSE, FALSE, sizeof (double));
      paint[f] = g_array_new (FALSE, FALSE, sizeof (double));
      /* Once unmeasured: the file into the page cache, the decoder's module loaded. */
      decode_ms (&files[f]);
      first_paint_ms (CS_IMAGE_VIEW (view), &watch, &files[f], heatmap);
    }

  for (int r = 0; r < runs; r++)
    for (guint f = 0; f < G_N_ELEMENTS (files); f++)
      {
        double ms = decode_ms (&files[f]);
        g_array_append_val (decode[f], ms);
        ms = first_paint_ms (CS_IMAGE_VIEW (view), &watch, &files[f], heatmap);
        g_array_append_val (paint[f], ms);
      }

  unwatch_window (&watch, window);
  gtk_window_destroy (GTK_WINDOW (window));

  for (guint f = 0; f < G_N_ELEMENTS (files); f++)
    {
      cs_bench_report (rows[f][0], "ms", decode[f], NULL, NULL);
      cs_bench_report (rows[f][1], "ms", paint[f], rows[f][0], "<= 1.15x decode");
      g_array_unref (decode[f]);
      g_array_unref (paint[f]);
      g_free (files[f].path);
      g_free (files[f].sha256);
    }
  cs_test_remove_tree (dir);
}

void
cs_bench_ui (int runs)
{
  g_autoptr(CsApplication) app = NULL;
  g_autoptr(GError) error = NULL;

  /* The window binds its size and panes to GSettings: keep the reviewer's own
   * settings out of it. The launched processes inherit this. */
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  /* The table's numbers stay in the C locale. */
  gtk_disable_setlocale ();
  if (!gtk_init_check ())
    {
      g_printerr ("The window benchmarks need a display: run bench/run without DISPLAY set "
                  "(it starts Xvfb), or set DISPLAY.\n");
      return;
    }

  bench_launch (runs);

  /* One application for the in-process figures, registered as the tests do,
   * drawing with the renderer the application would choose. */
  cs_application_choose_renderer ();
  app = cs_application_new ();
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("%s", error->message);
  bench_decide (app, runs);
  bench_image (runs);
}
