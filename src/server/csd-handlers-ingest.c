/* csd-handlers-ingest.c: what model services call: assets, predictions, ground truth.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-json.h"
#include "csd-error.h"
#include "csd-handlers.h"
#include "csd-ingest.h"

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

  if ((body = csd_request_parse_json (request, TRUE, &error)) == NULL ||
      (item = csd_ingest_prepare (storage, NULL, body, now, draw, server, &error)) == NULL)
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
