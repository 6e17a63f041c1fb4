/* csd-import.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <gio/gio.h>

#include "cs-json.h"
#include "csd-assets.h"
#include "csd-error.h"
#include "csd-import.h"
#include "csd-ingest.h"

typedef struct
{
  CsdStorage *storage;
  char       *assets_dest;      /* DATA/assets */
  const char *assets_dir;       /* where the data set keeps them */
  GHashTable *by_hash;          /* sha256 → path in assets_dir, built when first needed */
  GHashTable *queues;           /* id → CsQueue */
  GHashTable *counts;           /* queue id → Counts */
  const char *predictions_file;
  GTimeSpan   shift;          /* added to created_at and due_at: --as-of */
  guint       failed;
} Import;

typedef struct
{
  guint escalated;
  guint automated;
} Counts;

static void
report (Import     *import,
        guint       line,
        const char *message)
{
  g_printerr ("%s:%u: %s\n", import->predictions_file, line, message);
  import->failed++;
}

static gboolean
load_queues (Import      *import,
             const char  *queues_file,
             GError     **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  JsonArray *arr = NULL;
  gsize len = 0;
  guint stored = 0;

  if (!g_file_get_contents (queues_file, &contents, &len, error) ||
      (root = cs_json_parse (contents, len, error)) == NULL)
    {
      g_prefix_error (error, "%s: ", queues_file);
      return FALSE;
    }

  if (JSON_NODE_HOLDS_ARRAY (root))
    arr = json_node_get_array (root);
  else if (!JSON_NODE_HOLDS_OBJECT (root) ||
           !cs_json_read_array (json_node_get_object (root), "", "queues", TRUE, &arr, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, CS_ERROR, CS_ERROR_MALFORMED, "expected {\"queues\": [...]}");
      g_prefix_error (error, "%s: ", queues_file);
      return FALSE;
    }

  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(CsQueue) queue = cs_queue_new_from_json (json_array_get_element (arr, i), NULL, &local_error);

      if (queue == NULL ||
          !csd_storage_queue_put (import->storage, queue, now, NULL, &local_error))
        {
          g_printerr ("%s: queue %u: %s\n", queues_file, i + 1, local_error->message);
          import->failed++;
          continue;
        }
      stored++;
    }

  g_print ("Queues: %u stored from %s\n", stored, queues_file);
  return TRUE;
}

static void
index_dir (GHashTable *index,
           const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        index_dir (index, path);
      else if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        {
          char *sha = csd_file_sha256 (path, NULL);

          if (sha != NULL)
            g_hash_table_insert (index, sha, g_steal_pointer (&path));
        }
    }
}

/* The data set's file for @sha256: named by it, or else any file that hashes to it. */
static char *
find_asset (Import     *import,
            const char *sha256)
{
  g_autofree char *direct = NULL;

  if (import->assets_dir == NULL)
    return NULL;

  direct = g_build_filename (import->assets_dir, sha256, NULL);
  if (g_file_test (direct, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&direct);

  if (import->by_hash == NULL)
    {
      import->by_hash = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      index_dir (import->by_hash, import->assets_dir);
    }
  return g_strdup (g_hash_table_lookup (import->by_hash, sha256));
}

static gboolean
store_assets (Import         *import,
              CsdIngestItem  *item,
              GError        **error)
{
  g_autoptr(GPtrArray) assets = cs_case_list_assets (item->kase);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  for (guint i = 0; i < assets->len; i++)
    {
      const CsAsset *asset = g_ptr_array_index (assets, i);
      g_autoptr(GError) local_error = NULL;
      g_autofree char *path = NULL;
      gint64 bytes = 0;

      if (csd_storage_asset_get (import->storage, asset->sha256, NULL, NULL, &local_error))
        continue;
      if (!g_error_matches (local_error, CSD_ERROR, CSD_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }

      if ((path = find_asset (import, asset->sha256)) == NULL)
        {
          g_set_error (error, CSD_ERROR, CSD_ERROR_UNKNOWN_ASSET, "no file in %s has the sha256 %s",
                       import->assets_dir ? import->assets_dir : "(no --assets)", asset->sha256);
          return FALSE;
        }
      if (!csd_asset_import_file (import->assets_dest, path, asset->sha256, &bytes, error) ||
          !csd_storage_asset_put (import->storage, asset->sha256, asset->media_type, bytes, now, error))
        {
          g_prefix_error (error, "%s: ", path);
          return FALSE;
        }
    }
  return TRUE;
}

static Counts *
counts_for (Import     *import,
            const char *queue)
{
  Counts *counts = g_hash_table_lookup (import->counts, queue);

  if (counts == NULL)
    {
      counts = g_new0 (Counts, 1);
      g_hash_table_insert (import->counts, g_strdup (queue), counts);
    }
  return counts;
}

static gboolean
flush (Import     *import,
       GPtrArray  *batch,
       GArray     *lines,
       GError    **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  if (batch->len == 0)
    return TRUE;

  if (!csd_storage_ingest (import->storage, batch, now, error))
    return FALSE;

  for (guint i = 0; i < batch->len; i++)
    {
      CsdIngestItem *item = g_ptr_array_index (batch, i);
      Counts *counts;

      if (item->error != NULL)
        {
          report (import, g_array_index (lines, guint, i), item->error->message);
          continue;
        }
      counts = counts_for (import, cs_case_get_queue (item->kase));
      if (item->escalated)
        counts->escalated++;
      else
        counts->automated++;
    }

  g_ptr_array_set_size (batch, 0);
  g_array_set_size (lines, 0);
  return TRUE;
}

/* Moves a data set made at one time to another: a demo's cases keep their
 * ages and their time left, as if it had been made just now. */
static gboolean
shift_times (JsonNode   *node,
             GTimeSpan   shift,
             GError    **error)
{
  static const char *members[] = { "created_at", "due_at" };
  JsonObject *object;

  if (shift == 0 || !JSON_NODE_HOLDS_OBJECT (node))
    return TRUE;
  object = json_node_get_object (node);
  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    {
      JsonNode *member = json_object_get_member (object, members[i]);
      g_autoptr(GDateTime) at = NULL;
      g_autoptr(GDateTime) moved = NULL;
      g_autofree char *text = NULL;

      if (member == NULL || json_node_get_value_type (member) != G_TYPE_STRING)
        continue;
      at = g_date_time_new_from_iso8601 (json_node_get_string (member), NULL);
      if (at == NULL)
        {
          g_set_error (error, CSD_ERROR, CSD_ERROR_MALFORMED, "%s is not an ISO 8601 time", members[i]);
          return FALSE;
        }
      moved = g_date_time_add (at, shift);
      text = g_date_time_format_iso8601 (moved);
      json_object_set_string_member (object, members[i], text);
    }
  return TRUE;
}

static gboolean
load_predictions (Import      *import,
                  GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (import->predictions_file);
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GDataInputStream) data = NULL;
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) csd_ingest_item_free);
  g_autoptr(GArray) lines = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GList) queues = NULL;
  guint line_number = 0;
  char *line;
  gsize len;

  if ((in = g_file_read (file, NULL, error)) == NULL)
    return FALSE;
  data = g_data_input_stream_new (G_INPUT_STREAM (in));

  while (TRUE)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(JsonNode) node = NULL;
      g_autoptr(GDateTime) now = NULL;
      g_autofree char *text = NULL;
      CsdIngestItem *item;

      line = g_data_input_stream_read_line (data, &len, NULL, &local_error);
      if (line == NULL)
        {
          if (local_error != NULL)
            {
              g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "%s: ",
                                          import->predictions_file);
              return FALSE;
            }
          break;
        }
      text = line;
      line_number++;

      if (*g_strstrip (text) == '\0')
        continue;

      now = g_date_time_new_now_utc ();
      if ((node = cs_json_parse (text, strlen (text), &local_error)) == NULL ||
          !shift_times (node, import->shift, &local_error) ||
          (item = csd_ingest_prepare (import->storage, import->queues, node, now,
                                      csd_routing_random_default, NULL, &local_error)) == NULL)
        {
          report (import, line_number, local_error->message);
          continue;
        }

      if (!store_assets (import, item, &local_error))
        {
          csd_ingest_item_free (item);
          if (g_error_matches (local_error, CSD_ERROR, CSD_ERROR_STORAGE))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          report (import, line_number, local_error->message);
          continue;
        }

      g_ptr_array_add (batch, item);
      g_array_append_val (lines, line_number);
      if (batch->len >= CSD_IMPORT_BATCH && !flush (import, batch, lines, error))
        return FALSE;
    }

  if (!flush (import, batch, lines, error))
    return FALSE;

  queues = g_list_sort (g_hash_table_get_keys (import->counts), (GCompareFunc) g_strcmp0);
  for (GList *l = queues; l != NULL; l = l->next)
    {
      Counts *counts = g_hash_table_lookup (import->counts, l->data);

      g_print ("%s: %u predictions, %u escalated, %u automated\n", (const char *) l->data,
               counts->escalated + counts->automated, counts->escalated, counts->automated);
    }
  return TRUE;
}

gboolean
csd_import_run (CsdStorage  *storage,
                const char  *data_dir,
                const char  *queues_file,
                const char  *predictions_file,
                const char  *assets_dir,
                GDateTime   *as_of,
                GError     **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  Import import = {
    .storage = storage,
    .assets_dest = g_build_filename (data_dir, "assets", NULL),
    .assets_dir = assets_dir,
    .queues = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref),
    .counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free),
    .predictions_file = predictions_file,
    .shift = as_of != NULL ? g_date_time_difference (now, as_of) : 0,
  };
  gboolean ok = TRUE;

  if (queues_file != NULL)
    ok = load_queues (&import, queues_file, error);
  if (ok && predictions_file != NULL)
    ok = load_predictions (&import, error);

  if (ok && import.failed > 0)
    g_printerr ("%u item%s failed; see above\n", import.failed, import.failed == 1 ? "" : "s");

  g_free (import.assets_dest);
  g_clear_pointer (&import.by_hash, g_hash_table_unref);
  g_hash_table_unref (import.queues);
  g_hash_table_unref (import.counts);
  return ok && import.failed == 0;
}
