/* csd-handlers-decisions.c: POST /api/v1/decisions.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-json.h"
#include "csd-error.h"
#include "csd-handlers.h"

#define MAX_DECISIONS 500

static CsdDecisionItem *
item_new (JsonNode *element)
{
  CsdDecisionItem *item = g_new0 (CsdDecisionItem, 1);
  g_autoptr(GError) error = NULL;

  /* The id is read apart from the rest, so that a retry is recognised and a
   * malformed decision is still answered under its own id. */
  if (JSON_NODE_HOLDS_OBJECT (element))
    {
      JsonNode *id = json_object_get_member (json_node_get_object (element), "id");

      if (id != NULL && JSON_NODE_HOLDS_VALUE (id) && json_node_get_value_type (id) == G_TYPE_STRING)
        item->id = g_strdup (json_node_get_string (id));
    }

  item->decision = cs_decision_new_from_json (element, &error);
  if (item->decision == NULL)
    item->parse_error = g_strdup (error->message);
  return item;
}

void
csd_handle_decisions (CsdServer  *server,
                      CsdRequest *request)
{
  CsdStorage *storage = csd_server_get_storage (server);
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) csd_decision_item_free);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(JsonObject) obj = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  CsdDecisionContext context;
  const char * const *queues;
  JsonArray *decisions = NULL;
  JsonArray *results;

  if ((body = csd_request_parse_json (request, TRUE, &error)) == NULL ||
      !cs_json_read_array (json_node_get_object (body), "", "decisions", TRUE, &decisions, &error))
    {
      csd_request_reply_error (request, error);
      return;
    }
  if (json_array_get_length (decisions) > MAX_DECISIONS)
    {
      csd_request_fail (request, SOUP_STATUS_BAD_REQUEST, "malformed",
                        "decisions: %u decisions in one request, more than %d",
                        json_array_get_length (decisions), MAX_DECISIONS);
      return;
    }

  if ((queues = csd_request_get_queues (request, storage, &error)) == NULL)
    {
      csd_request_reply_error (request, error);
      return;
    }

  for (guint i = 0; i < json_array_get_length (decisions); i++)
    g_ptr_array_add (items, item_new (json_array_get_element (decisions, i)));

  context = (CsdDecisionContext) {
    .reviewer = request->principal->name,
    .queues = queues,
    .now = now,
  };
  /* All or nothing, durable before the answer: a 5xx means "unknown" to the
   * client, which sends the same ids again. */
  if (!csd_storage_decide (storage, &context, items, &error))
    {
      csd_request_reply_error (request, error);
      return;
    }

  results = json_array_sized_new (items->len);
  for (guint i = 0; i < items->len; i++)
    json_array_add_element (results, csd_decision_item_to_json (g_ptr_array_index (items, i)));
  json_object_set_array_member (obj, "results", results);
  node = json_node_init_object (json_node_alloc (), obj);
  csd_request_reply_json (request, SOUP_STATUS_OK, node);
}
