/* csd-handlers-decisions.c: POST /api/v1/decisions.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-json.h"
#include "csd-error.h"
#include "csd-handlers.h"
#include "csd-outcome-waiters.h"
#include "csd-webhooks.h"

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

/* The steps of a two-person review, beside the request line each
 * decision's request already has in the log. */
static void
log_oversight (GPtrArray *items)
{
  for (guint i = 0; i < items->len; i++)
    {
      CsdDecisionItem *item = g_ptr_array_index (items, i);
      CsDecision *decision = item->decision;

      if (item->status != CS_OUTBOX_ACCEPTED)
        continue;
      if (item->pending_second)
        g_message ("case %s: %s's %s (decision %s) waits for a second reviewer",
                   cs_decision_get_case_id (decision), cs_decision_get_reviewer (decision),
                   cs_action_to_string (cs_decision_get_action (decision)), cs_decision_get_id (decision));
      else if (item->first_by != NULL)
        g_message ("case %s: second review by %s of %s's decision: %s (decision %s)%s",
                   cs_decision_get_case_id (decision), cs_decision_get_reviewer (decision), item->first_by,
                   cs_action_to_string (cs_decision_get_action (decision)), cs_decision_get_id (decision),
                   item->final ? ", final" : "");
    }
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

  log_oversight (items);

  /* After the commit: whoever waits for these outcomes gets them now. */
  for (guint i = 0; i < items->len; i++)
    {
      CsdDecisionItem *item = g_ptr_array_index (items, i);

      if (item->final)
        {
          csd_outcome_waiters_notify (csd_server_get_outcome_waiters (server),
                                      cs_decision_get_case_id (item->decision));
          csd_webhooks_kick (csd_server_get_webhooks (server));
        }
    }

  results = json_array_sized_new (items->len);
  for (guint i = 0; i < items->len; i++)
    json_array_add_element (results, csd_decision_item_to_json (g_ptr_array_index (items, i)));
  json_object_set_array_member (obj, "results", results);
  node = json_node_init_object (json_node_alloc (), obj);
  csd_request_reply_json (request, SOUP_STATUS_OK, node);
}

/* GET /api/v1/cases/{id}/outcome?wait=SECONDS: the final outcome at once
 * when there is one; else held until there is, or 204 when the wait runs
 * out. A case pending a second review has none yet. */
void
csd_handle_outcome (CsdServer  *server,
                    CsdRequest *request)
{
  const char *case_id = csd_request_get_param (request, 0);
  const char *wait_str = csd_request_get_query (request, "wait");
  g_autoptr(CsdOutcome) outcome = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  gint64 wait = 0;

  if (wait_str != NULL && *wait_str != '\0' &&
      !g_ascii_string_to_signed (wait_str, 10, G_MININT32, G_MAXINT32, &wait, NULL))
    {
      csd_request_fail (request, SOUP_STATUS_BAD_REQUEST, "malformed",
                        "wait: “%s” is not a whole number of seconds (0 to %d)",
                        wait_str, CSD_MAX_OUTCOME_WAIT_SECONDS);
      return;
    }
  wait = CLAMP (wait, 0, CSD_MAX_OUTCOME_WAIT_SECONDS);

  outcome = csd_storage_case_outcome (csd_server_get_storage (server), case_id, &error);
  if (error != NULL)
    {
      csd_request_reply_error (request, error);
      return;
    }
  if (outcome != NULL)
    {
      node = csd_outcome_to_json (outcome);
      csd_request_reply_json (request, SOUP_STATUS_OK, node);
      return;
    }
  if (wait == 0)
    {
      soup_server_message_set_status (request->msg, SOUP_STATUS_NO_CONTENT, NULL);
      return;
    }

  csd_outcome_waiters_hold (csd_server_get_outcome_waiters (server), request, case_id, (guint) wait);
}
