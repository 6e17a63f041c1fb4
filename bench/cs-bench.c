/* cs-bench.c: Countersign's benchmarks, one table of medians.
 *
 * Every figure stands beside a baseline measured in the same run on the same
 * disk, so that the ratio holds on a shared, noisy machine.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <sqlite3.h>
#include <glib/gstdio.h>

#include "cs-bench.h"
#include "cs-store.h"
#include "cs-test-server.h"

static int runs = 5;
static int ops = 400;
static char *only;

typedef struct
{
  const char *name;
  const char *unit;
  double      value;       /* median */
  double      min, max;
  const char *baseline;    /* the row it is compared with, or NULL */
  const char *goal;
} Row;

static GArray *rows;

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

void
cs_bench_report (const char *name,
                 const char *unit,
                 GArray     *samples,
                 const char *baseline,
                 const char *goal)
{
  Row row = { name, unit, 0, 0, 0, baseline, goal };
  guint n = samples->len;

  g_array_sort (samples, compare_doubles);
  row.min = g_array_index (samples, double, 0);
  row.max = g_array_index (samples, double, n - 1);
  row.value = n % 2 ? g_array_index (samples, double, n / 2)
                    : (g_array_index (samples, double, n / 2 - 1) + g_array_index (samples, double, n / 2)) / 2;
  g_array_append_val (rows, row);
  g_printerr ("  %s: %.3g %s\n", name, row.value, unit);
}

static const Row *
find_row (const char *name)
{
  for (guint i = 0; i < rows->len; i++)
    if (g_str_equal (g_array_index (rows, Row, i).name, name))
      return &g_array_index (rows, Row, i);
  return NULL;
}

char *
cs_bench_tmpdir (void)
{
  g_autoptr(GError) error = NULL;
  /* On the project's disk, not a tmpfs: fsync must cost what it costs for users. */
  g_autofree char *base = g_build_filename (g_get_current_dir (), "_build", "bench-tmp", NULL);
  g_autofree char *template = NULL;
  char *dir;

  g_mkdir_with_parents (base, 0700);
  template = g_build_filename (base, "run-XXXXXX", NULL);
  dir = g_mkdtemp (g_steal_pointer (&template));
  g_assert (dir != NULL);
  return dir;
}

/* Baseline: a bare SQLite insert, one fsync'd transaction each (WAL, FULL). */
static double
bare_insert_rate (int n)
{
  g_autofree char *dir = cs_bench_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "bare.db", NULL);
  sqlite3 *db;
  sqlite3_stmt *stmt;
  gint64 start;
  double seconds;

  sqlite3_open (path, &db);
  sqlite3_exec (db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                    "CREATE TABLE t (id TEXT PRIMARY KEY, body TEXT NOT NULL)", NULL, NULL, NULL);
  sqlite3_prepare_v2 (db, "INSERT INTO t (id, body) VALUES (?1, ?2)", -1, &stmt, NULL);

  start = g_get_monotonic_time ();
  for (int i = 0; i < n; i++)
    {
      g_autofree char *id = g_uuid_string_random ();

      sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
      sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, "{\"action\": \"accept\", \"rationale\": \"Consistent with the evidence.\"}", -1, SQLITE_STATIC);
      sqlite3_step (stmt);
      sqlite3_reset (stmt);
      sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
    }
  seconds = (g_get_monotonic_time () - start) / 1e6;

  sqlite3_finalize (stmt);
  sqlite3_close (db);
  cs_test_remove_tree (dir);
  return n / seconds;
}

static char *
bench_case_json (int i)
{
  return g_strdup_printf (
    "{\"id\": \"c-%06d\", \"version\": 1, \"queue\": \"derm\", \"status\": \"open\", \"assigned_to\": \"r-bench\","
    " \"priority\": 0.5, \"trigger\": {\"kind\": \"low_confidence\", \"threshold\": 0.8},"
    " \"subject\": {\"kind\": \"text\", \"title\": \"Case %d\", \"text\": \"A short escalated text of case %d.\"},"
    " \"model\": {\"name\": \"bench\", \"version\": \"1\"},"
    " \"prediction\": {\"label\": \"a\", \"confidence\": 0.5, \"alternatives\": [{\"label\": \"b\", \"confidence\": 0.4}]},"
    " \"labels\": [\"a\", \"b\"], \"policy\": {\"rationale_required\": [\"override\"], \"min_rationale_chars\": 15}}",
    i, i, i);
}

/* The workstation's decision commit: outbox row, case state and audit entry in
 * one synchronous=FULL transaction. */
static double
decision_commit_rate (int n)
{
  g_autofree char *dir = cs_bench_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "countersign.db", NULL);
  g_autoptr(CsStore) store = cs_store_open (path, NULL);
  g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 start;
  double seconds;

  for (int i = 0; i < n; i++)
    {
      g_autofree char *json = bench_case_json (i);
      g_ptr_array_add (page, cs_case_new_from_data (json, -1, CS_CASE_PARSE_CASE, NULL));
    }
  cs_store_apply_changes (store, page, "r-bench", "1", NULL, NULL);

  start = g_get_monotonic_time ();
  for (int i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("c-%06d", i);
      g_autoptr(CsDecision) decision = cs_decision_new (id, 1, CS_ACTION_ACCEPT, NULL, "", "r-bench", 1000);
      g_autoptr(GError) error = NULL;

      if (!cs_store_commit_decision (store, decision, &error))
        g_error ("%s", error->message);
    }
  seconds = (g_get_monotonic_time () - start) / 1e6;

  g_clear_object (&store);
  cs_test_remove_tree (dir);
  return n / seconds;
}

static gboolean
wanted (const char *group)
{
  return only == NULL || g_strcmp0 (only, group) == 0;
}

static void
print_table (void)
{
  g_print ("\n%-44s %14s %12s %12s  %-34s %8s  %s\n", "benchmark", "median", "min", "max", "baseline", "ratio", "goal");
  for (guint i = 0; i < rows->len; i++)
    {
      const Row *row = &g_array_index (rows, Row, i);
      const Row *base = row->baseline ? find_row (row->baseline) : NULL;
      g_autofree char *median = g_strdup_printf ("%.4g %s", row->value, row->unit);
      g_autofree char *ratio = base && base->value > 0 ? g_strdup_printf ("%.2fx", row->value / base->value) : g_strdup ("");

      g_print ("%-44s %14s %12.4g %12.4g  %-34s %8s  %s\n", row->name, median, row->min, row->max,
               row->baseline ? row->baseline : "(baseline)", ratio, row->goal ? row->goal : "");
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("— Countersign benchmarks");
  g_autoptr(GError) error = NULL;
  const GOptionEntry entries[] = {
    { "runs", 'n', 0, G_OPTION_ARG_INT, &runs, "Runs of each benchmark (median reported)", "N" },
    { "ops", 0, 0, G_OPTION_ARG_INT, &ops, "Operations per run for the per-operation figures", "N" },
    { "only", 0, 0, G_OPTION_ARG_STRING, &only, "Run one group: store, server, sync, ui, feedback", "GROUP" },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  runs = MAX (runs, 1);
  rows = g_array_new (FALSE, TRUE, sizeof (Row));

  g_printerr ("%d runs each\n", runs);

  if (wanted ("store") || wanted ("server") || wanted ("sync"))
    {
      g_autoptr(GArray) bare = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr(GArray) commit = g_array_new (FALSE, FALSE, sizeof (double));

      /* Interleaved, so that drift in the machine's speed hits both alike. */
      for (int r = 0; r < runs; r++)
        {
          double b = bare_insert_rate (ops), c = decision_commit_rate (ops);
          g_array_append_val (bare, b);
          g_array_append_val (commit, c);
        }
      cs_bench_report ("sqlite insert, fsync'd (baseline)", "/s", bare, NULL, NULL);
      cs_bench_report ("decision commit (workstation store)", "/s", commit,
                       "sqlite insert, fsync'd (baseline)", "ratio >= 0.67 (<= 1.5x the time)");
    }

  if (wanted ("server"))
    cs_bench_server (runs);
  if (wanted ("sync") || wanted ("server"))
    cs_bench_sync (runs);
  if (wanted ("ui"))
    cs_bench_ui (runs);
  if (wanted ("feedback"))
    cs_bench_feedback ();

  print_table ();
  return 0;
}
