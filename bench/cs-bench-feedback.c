/* cs-bench-feedback.c: the feedback loop's figures in the table.
 *
 * tools/retrain-demo plays the demo's reviewers through the real server,
 * exports their decisions and retrains each demo model on them; it is
 * deterministic, so one run says it all. Each queue gives two rows: the
 * model's held-out accuracy before (the baseline) and after retraining.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <json-glib/json-glib.h>

#include "cs-bench.h"

void
cs_bench_feedback (void)
{
  const char *argv[] = { "tools/retrain-demo", "--json", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *queues;
  int status = 0;

  g_printerr ("  running tools/retrain-demo (the demo's reviewers, the export, the retrained models)\n");
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    {
      g_printerr ("  tools/retrain-demo failed: %s\n%s", error->message, err ? err : "");
      return;
    }
  if (!json_parser_load_from_data (parser, out, -1, &error) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)) ||
      (queues = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "queues")) == NULL)
    {
      g_printerr ("  tools/retrain-demo printed no figures: %s\n", error ? error->message : "no \"queues\"");
      return;
    }

  for (guint i = 0; i < json_array_get_length (queues); i++)
    {
      JsonObject *queue = json_array_get_object_element (queues, i);
      const char *id = json_object_get_string_member (queue, "queue");
      double before = json_object_get_double_member (queue, "before");
      double after = json_object_get_double_member (queue, "after");
      g_autofree char *before_name = g_strdup_printf ("retrain %s: accuracy before (baseline)", id);
      g_autofree char *after_name = g_strdup_printf ("retrain %s: accuracy after", id);
      g_autoptr(GArray) before_samples = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr(GArray) after_samples = g_array_new (FALSE, FALSE, sizeof (double));

      g_array_append_val (before_samples, before);
      g_array_append_val (after_samples, after);
      /* The table keeps the names: interned, they live as long as the program. */
      cs_bench_report (g_intern_string (before_name), "", before_samples, NULL, NULL);
      cs_bench_report (g_intern_string (after_name), "", after_samples, g_intern_string (before_name),
                       "held-out, reviewers' labels added");
    }
}
