/* csd-ingest.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include "cs-json.h"
#include "csd-error.h"
#include "csd-ingest.h"

/* What the server decides about a case, whatever the model sent. */
static const char *server_owned[] = {
  "id", "version", "status", "assigned_to", "lease_until", "priority",
  "trigger", "labels", "policy", "decided",
};

static JsonNode *
without_server_fields (JsonObject *obj)
{
  g_autoptr(JsonObject) copy = json_object_new ();
  GList *members = json_object_get_members (obj);

  for (GList *l = members; l != NULL; l = l->next)
    {
      gboolean owned = FALSE;

      for (guint i = 0; i < G_N_ELEMENTS (server_owned); i++)
        owned |= g_str_equal (l->data, server_owned[i]);
      if (!owned)
        json_object_set_member (copy, l->data, json_node_ref (json_object_get_member (obj, l->data)));
    }
  g_list_free (members);

  return json_node_init_object (json_node_alloc (), copy);
}

static CsQueue *
lookup_queue (CsdStorage  *storage,
              GHashTable  *cache,
              const char  *id,
              GError     **error)
{
  CsQueue *queue;

  if (cache != NULL && (queue = g_hash_table_lookup (cache, id)) != NULL)
    return g_object_ref (queue);

  if ((queue = csd_storage_queue_get (storage, id, error)) == NULL)
    return NULL;
  if (cache != NULL)
    g_hash_table_insert (cache, g_strdup (id), g_object_ref (queue));
  return queue;
}

CsdIngestItem *
csd_ingest_prepare (CsdStorage     *storage,
                    GHashTable     *queue_cache,
                    JsonNode       *prediction,
                    GDateTime      *now,
                    CsdRandomFunc   random,
                    gpointer        random_data,
                    GError        **error)
{
  g_autoptr(CsdIngestItem) item = g_new0 (CsdIngestItem, 1);
  g_autoptr(JsonNode) stripped = NULL;
  g_autoptr(CsQueue) queue = NULL;
  g_auto(CsdRouteResult) route = { 0 };
  JsonObject *obj, *signals = NULL;
  CsdRoutingInput input = { 0 };

  if (prediction == NULL || !JSON_NODE_HOLDS_OBJECT (prediction))
    {
      cs_json_set_error (error, "prediction", NULL, "expected an object");
      return NULL;
    }
  obj = json_node_get_object (prediction);

  stripped = without_server_fields (obj);
  if ((item->kase = cs_case_new_from_json (stripped, CS_CASE_PARSE_PREDICTION, error)) == NULL ||
      !cs_json_read_string (obj, "", "truth", FALSE, &item->truth, error) ||
      !cs_json_read_object (obj, "", "signals", FALSE, &signals, error))
    return NULL;

  input.confidence = cs_case_get_confidence (item->kase);
  input.subject_text = cs_case_get_subject_text (item->kase);
  input.summary = cs_case_get_summary (item->kase);
  if (signals != NULL)
    {
      input.has_fairness = json_object_has_member (signals, "fairness") &&
                           !JSON_NODE_HOLDS_NULL (json_object_get_member (signals, "fairness"));
      input.has_anomaly = json_object_has_member (signals, "anomaly") &&
                          !JSON_NODE_HOLDS_NULL (json_object_get_member (signals, "anomaly"));
      if (!cs_json_read_double (signals, "signals", "fairness", FALSE, &input.fairness, error) ||
          !cs_json_read_double (signals, "signals", "anomaly", FALSE, &input.anomaly, error))
        return NULL;
    }

  if ((queue = lookup_queue (storage, queue_cache, cs_case_get_queue (item->kase), error)) == NULL)
    return NULL;

  csd_routing_route (cs_queue_get_routing (queue), &input, random, random_data, &route);

  cs_case_set_version (item->kase, 1);
  cs_case_set_labels (item->kase, cs_queue_get_labels (queue));
  cs_case_set_policy (item->kase, cs_queue_get_policy (queue));
  if (cs_case_get_created_at (item->kase) == NULL)
    cs_case_set_created_at (item->kase, now);

  item->escalated = route.escalated;
  if (route.escalated)
    {
      cs_case_set_status (item->kase, CS_CASE_STATUS_OPEN);
      cs_case_set_trigger (item->kase, route.kind, route.detail, route.threshold);
      cs_case_set_priority (item->kase, route.priority);
    }
  else
    {
      g_autofree char *by = g_strdup_printf ("model:%s", cs_case_get_model_name (item->kase));
      CsDecided decided = {
        .by = by,
        .action = CS_ACTION_ACCEPT,
        .label = (char *) cs_case_get_predicted_label (item->kase),
        .at = now,
      };

      cs_case_set_status (item->kase, CS_CASE_STATUS_DECIDED);
      cs_case_set_priority (item->kase, 0);
      cs_case_set_decided (item->kase, &decided);
    }

  return g_steal_pointer (&item);
}

JsonNode *
csd_ingest_item_to_json (CsdIngestItem *item)
{
  g_autoptr(JsonObject) obj = json_object_new ();

  json_object_set_string_member (obj, "id", item->id);
  json_object_set_string_member (obj, "routed", item->escalated ? "escalated" : "automated");
  if (item->escalated)
    {
      JsonObject *trigger = json_object_new ();
      const char *detail = cs_case_get_trigger_detail (item->kase);
      double threshold = cs_case_get_trigger_threshold (item->kase);

      json_object_set_string_member (trigger, "kind",
                                     cs_trigger_kind_to_string (cs_case_get_trigger_kind (item->kase)));
      if (detail != NULL)
        json_object_set_string_member (trigger, "detail", detail);
      if (!isnan (threshold))
        json_object_set_double_member (trigger, "threshold", threshold);
      json_object_set_object_member (obj, "trigger", trigger);
    }

  return json_node_init_object (json_node_alloc (), obj);
}
