/* csd-handlers-ingest.c: what model services call: assets, predictions, ground truth.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-json.h"
#include "csd-error.h"
#include "csd-handlers.h"
#include "csd-ingest.h"

#define CSD_MAX_PREDICTION_BATCH 500

static void
g_clear_error_free (GError *error)
{
  if (error != NULL)
    g_error_free (error);
}

void
csd_handle_asset_put (CsdServer  *server,
                      CsdRequest *request)
{
  CsdStorage *storage = csd_server_get_storage (server);
  const char *sha256 = csd_request_get_param (request, 0);
  const char *media_type = soup_message_headers_get_one (soup_server_message_get_request_headers (request->msg),
                                                         "Content-Type");
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) obj = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *stored_type = NULL;
  gint64 bytes;

  if (request->asset_error != NULL)
    {
      csd_request_reply_error (request, request->asset_error);
      return;
    }

  if (media_type == NULL || *media_type == '\0')
    media_type = "application/octet-stream";

  if (!csd_asset_sink_commit (request->asset, sha256, &error))
    {
      csd_request_reply_error (request, error);
      return;
    }
  bytes = csd_asset_sink_get_size (request->asset);

  /* Idempotent: the first upload's media type stays. */
  if (!csd_storage_asset_put (storage, sha256, media_type, bytes, now, &error) ||
      !csd_storage_asset_get (storage, sha256, &stored_type, NULL, &error))
    {
      csd_request_reply_error (request, error);
      return;
    }

  json_object_set_string_member (obj, "sha256", sha256);
  json_object_set_int_member (obj, "bytes", bytes);
  json_object_set_string_member (obj, "media_type", stored_type);
  node = json_node_init_object (json_node_alloc (), obj);
  csd_request_reply_json (request, SOUP_STATUS_OK, node);
}

static double
draw (gpointer server)
{
  return csd_server_draw_random (server);
}

static JsonNode *
error_to_json (const GError *error)
{
  g_autoptr(JsonObject) obj = json_object_new ();
  JsonObject *err = json_object_new ();
  const char *code = NULL;
  guint status = csd_error_to_status (error, &code);

  json_object_set_string_member (err, "code", code);
  json_object_set_string_member (err, "message", error->message);
  json_object_set_int_member (err, "status", status);
  json_object_set_object_member (obj, "error", err);
  return json_node_init_object (json_node_alloc (), obj);
}

/* {"predictions": [...]} (additive): up to CSD_MAX_PREDICTION_BATCH
 * predictions in one transaction, each answered in order with its own result
 * or its own error, so that one bad line does not refuse the rest. */
static void
handle_prediction_batch (CsdServer  *server,
                         CsdRequest *request,
                         JsonArray  *predictions,
                         GDateTime  *now)
{
  CsdStorage *storage = csd_server_get_storage (server);
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) csd_ingest_item_free);
  g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_clear_error_free);
  g_autoptr(GHashTable) queue_cache = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) obj = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  JsonArray *results;
  guint n = json_array_get_length (predictions);

  if (n > CSD_MAX_PREDICTION_BATCH)
    {
      g_autofree char *message = g_strdup_printf ("predictions: at most %d in one request, not %u",
                                                  CSD_MAX_PREDICTION_BATCH, n);
      csd_request_fail (request, SOUP_STATUS_BAD_REQUEST, "malformed", "%s", message);
      return;
    }

  queue_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  for (guint i = 0; i < n; i++)
    {
      GError *item_error = NULL;
      CsdIngestItem *item = csd_ingest_prepare (storage, queue_cache, json_array_get_element (predictions, i),
                                                now, draw, server, &item_error);

      g_ptr_array_add (errors, item_error);
      if (item != NULL)
        g_ptr_array_add (items, item);
    }

  if (items->len > 0 && !csd_storage_ingest (storage, items, now, &error))
    {
      csd_request_reply_error (request, error);
      return;
    }

  results = json_array_sized_new (n);
  for (guint i = 0, next = 0; i < n; i++)
    {
      GError *item_error = g_ptr_array_index (errors, i);

      if (item_error != NULL)
        json_array_add_element (results, error_to_json (item_error));
      else
        {
          CsdIngestItem *item = g_ptr_array_index (items, next++);

          json_array_add_element (results, item->error != NULL ? error_to_json (item->error)
                                                               : csd_ingest_item_to_json (item));
        }
    }
  json_object_set_array_member (obj, "results", results);
  node = json_node_init_object (json_node_alloc (), obj);
  csd_request_reply_json (request, SOUP_STATUS_OK, node);
}

void
csd_handle_predictions (CsdServer  *server,
                        CsdRequest *request)
{
  CsdStorage *storage = csd_server_get_storage (server);
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) csd_ingest_item_free);
  g_autoptr(JsonNode) node = NULL;
  CsdIngestItem *item;
  JsonNode *batch;

  if ((body = csd_request_parse_json (request, TRUE, &error)) == NULL)
    {
      csd_request_reply_error (request, error);
      return;
    }

  batch = JSON_NODE_HOLDS_OBJECT (body) ? json_object_get_member (json_node_get_object (body), "predictions") : NULL;
  if (batch != NULL)
    {
      if (!JSON_NODE_HOLDS_ARRAY (batch))
        {
          csd_request_fail (request, SOUP_STATUS_BAD_REQUEST, "malformed", "predictions: expected an array");
          return;
        }
      handle_prediction_batch (server, request, json_node_get_array (batch), now);
      return;
    }

  if ((item = csd_ingest_prepare (storage, NULL, body, now, draw, server, &error)) == NULL)
    {
      csd_request_reply_error (request, error);
      return;
    }
  g_ptr_array_add (items, item);

  if (!csd_storage_ingest (storage, items, now, &error))
    {
      csd_request_reply_error (request, error);
      return;
    }
  if (item->error != NULL)
    {
      csd_request_reply_error (request, item->error);
      return;
    }

  node = csd_ingest_item_to_json (item);
  csd_request_reply_json (request, SOUP_STATUS_OK, node);
}

void
csd_handle_truth (CsdServer  *server,
                  CsdRequest *request)
{
  const char *id = csd_request_get_param (request, 0);
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *label = NULL;
  g_autoptr(JsonObject) obj = json_object_new ();
  g_autoptr(JsonNode) node = NULL;

  if ((body = csd_request_parse_json (request, TRUE, &error)) == NULL ||
      !cs_json_read_string (json_node_get_object (body), "", "label", TRUE, &label, &error))
    {
      csd_request_reply_error (request, error);
      return;
    }
  if (*label == '\0')
    {
      csd_request_fail (request, SOUP_STATUS_BAD_REQUEST, "malformed", "label: must not be empty");
      return;
    }

  if (!csd_storage_case_set_truth (csd_server_get_storage (server), id, label, &error))
    {
      csd_request_reply_error (request, error);
      return;
    }

  json_object_set_string_member (obj, "id", id);
  json_object_set_string_member (obj, "truth", label);
  node = json_node_init_object (json_node_alloc (), obj);
  csd_request_reply_json (request, SOUP_STATUS_OK, node);
}
