/* csd-storage.c: the storage interface, and the value types every backend shares.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include "cs-json.h"
#include "csd-storage.h"

G_DEFINE_INTERFACE (CsdStorage, csd_storage, G_TYPE_OBJECT)

static void
csd_storage_default_init (CsdStorageInterface *iface)
{
}

static const char *role_names[] = { "reviewer", "model", "admin" };

const char *
csd_role_to_string (CsdRole role)
{
  g_return_val_if_fail ((guint) role < G_N_ELEMENTS (role_names), NULL);
  return role_names[role];
}

gboolean
csd_role_from_string (const char *str,
                      CsdRole    *out)
{
  for (guint i = 0; str != NULL && i < G_N_ELEMENTS (role_names); i++)
    if (g_str_equal (str, role_names[i]))
      {
        *out = (CsdRole) i;
        return TRUE;
      }
  return FALSE;
}

void
csd_principal_free (CsdPrincipal *principal)
{
  if (principal == NULL)
    return;
  g_free (principal->name);
  g_free (principal->display_name);
  g_strfreev (principal->queues);
  g_clear_pointer (&principal->created_at, g_date_time_unref);
  g_clear_pointer (&principal->revoked_at, g_date_time_unref);
  g_free (principal);
}

void
csd_ingest_item_free (CsdIngestItem *item)
{
  if (item == NULL)
    return;
  g_clear_object (&item->kase);
  g_free (item->truth);
  g_free (item->id);
  g_clear_error (&item->error);
  g_free (item);
}

void
csd_decision_item_free (CsdDecisionItem *item)
{
  if (item == NULL)
    return;
  g_free (item->id);
  g_clear_object (&item->decision);
  g_free (item->parse_error);
  g_free (item->reason);
  g_free (item->message);
  g_free (item->first_by);
  g_clear_object (&item->current);
  g_free (item);
}

JsonNode *
csd_decision_item_to_json (CsdDecisionItem *item)
{
  g_autoptr(JsonObject) obj = json_object_new ();

  if (item->id != NULL)
    json_object_set_string_member (obj, "id", item->id);
  else
    json_object_set_null_member (obj, "id");
  json_object_set_string_member (obj, "status", cs_outbox_state_to_string (item->status));

  switch (item->status)
    {
    case CS_OUTBOX_ACCEPTED:
    case CS_OUTBOX_DUPLICATE:
      json_object_set_int_member (obj, "case_version", item->case_version);
      break;
    case CS_OUTBOX_CONFLICT:
      json_object_set_string_member (obj, "reason", item->reason);
      if (item->current != NULL)
        {
          json_object_set_int_member (obj, "case_version", cs_case_get_version (item->current));
          json_object_set_member (obj, "case", cs_case_to_json (item->current));
        }
      break;
    case CS_OUTBOX_INVALID:
      json_object_set_string_member (obj, "message", item->message);
      break;
    case CS_OUTBOX_PENDING:
    case CS_OUTBOX_INFLIGHT:
    default:
      g_assert_not_reached ();
    }

  return json_node_init_object (json_node_alloc (), obj);
}

void
csd_outcome_free (CsdOutcome *outcome)
{
  if (outcome == NULL)
    return;
  g_free (outcome->case_id);
  g_free (outcome->queue);
  g_free (outcome->model_label);
  g_free (outcome->final_label);
  g_free (outcome->decided_by);
  g_free (outcome->action);
  g_free (outcome->rationale);
  g_free (outcome->trigger);
  g_clear_pointer (&outcome->created_at, g_date_time_unref);
  g_clear_pointer (&outcome->decided_at, g_date_time_unref);
  g_free (outcome->truth);
  g_free (outcome->initial_label);
  g_clear_pointer (&outcome->first_decision, json_node_unref);
  g_clear_pointer (&outcome->second_review, json_node_unref);
  g_free (outcome);
}

void
csd_case_figures_free (CsdCaseFigures *figures)
{
  if (figures == NULL)
    return;
  g_free (figures->cohort);
  g_free (figures->model_label);
  g_free (figures->final_label);
  g_free (figures->truth);
  g_free (figures);
}

static void
set_string_or_null (JsonObject *obj,
                    const char *member,
                    const char *value)
{
  if (value != NULL)
    json_object_set_string_member (obj, member, value);
  else
    json_object_set_null_member (obj, member);
}

static void
set_time_or_null (JsonObject *obj,
                  const char *member,
                  GDateTime  *time)
{
  g_autofree char *str = cs_format_time (time);

  set_string_or_null (obj, member, str);
}

JsonNode *
csd_outcome_to_json (const CsdOutcome *outcome)
{
  g_autoptr(JsonObject) obj = json_object_new ();
  g_autofree char *cursor = g_strdup_printf ("%" G_GINT64_FORMAT, outcome->seq);

  json_object_set_string_member (obj, "cursor", cursor);
  json_object_set_string_member (obj, "case_id", outcome->case_id);
  json_object_set_string_member (obj, "queue", outcome->queue);
  json_object_set_string_member (obj, "model_label", outcome->model_label);
  json_object_set_double_member (obj, "model_confidence", outcome->model_confidence);
  set_string_or_null (obj, "final_label", outcome->final_label);
  json_object_set_string_member (obj, "decided_by", outcome->decided_by);
  json_object_set_string_member (obj, "action", outcome->action);
  set_string_or_null (obj, "rationale", outcome->rationale);
  set_string_or_null (obj, "trigger", outcome->trigger);
  set_time_or_null (obj, "created_at", outcome->created_at);
  set_time_or_null (obj, "decided_at", outcome->decided_at);
  if (outcome->duration_ms >= 0)
    json_object_set_int_member (obj, "duration_ms", outcome->duration_ms);
  else
    json_object_set_null_member (obj, "duration_ms");
  set_string_or_null (obj, "truth", outcome->truth);
  set_string_or_null (obj, "initial_label", outcome->initial_label);
  if (outcome->first_decision != NULL)
    json_object_set_member (obj, "first_decision", json_node_copy (outcome->first_decision));
  else
    json_object_set_null_member (obj, "first_decision");
  if (outcome->second_review != NULL)
    json_object_set_member (obj, "second_review", json_node_copy (outcome->second_review));
  else
    json_object_set_null_member (obj, "second_review");

  return json_node_init_object (json_node_alloc (), obj);
}

/* A whole number is written as one ("38200", not "38200.0"), so that the
 * figures read naturally in a terminal. */
static void
set_number (JsonObject *obj,
            const char *member,
            double      value)
{
  if (value == floor (value) && fabs (value) < 9007199254740992.0)
    json_object_set_int_member (obj, member, (gint64) value);
  else
    json_object_set_double_member (obj, member, value);
}

static void
set_ratio (JsonObject *obj,
           const char *member,
           gint64      numerator,
           gint64      denominator)
{
  if (denominator > 0)
    set_number (obj, member, (double) numerator / (double) denominator);
  else
    json_object_set_null_member (obj, member);
}

JsonNode *
csd_metrics_to_json (const CsdMetrics *m)
{
  g_autoptr(JsonObject) obj = json_object_new ();
  JsonObject *by_action = json_object_new ();
  JsonObject *by_trigger = json_object_new ();
  JsonObject *accuracy = json_object_new ();
  /* The rules the routing policy applies are always listed, even at zero. */
  static const CsTriggerKind rule_kinds[] = {
    CS_TRIGGER_LOW_CONFIDENCE, CS_TRIGGER_FAIRNESS, CS_TRIGGER_COMPLIANCE_KEYWORD,
    CS_TRIGGER_ANOMALY, CS_TRIGGER_RANDOM_AUDIT,
  };

  json_object_set_int_member (obj, "predictions", m->predictions);
  json_object_set_int_member (obj, "escalated", m->escalated);
  json_object_set_int_member (obj, "automated", m->automated);
  set_ratio (obj, "intervention_rate", m->escalated, m->predictions);
  json_object_set_int_member (obj, "decided", m->decided);

  for (CsAction a = CS_ACTION_ACCEPT; a <= CS_ACTION_ESCALATE; a++)
    json_object_set_int_member (by_action, cs_action_to_string (a), m->by_action[a]);
  json_object_set_object_member (obj, "by_action", by_action);

  set_ratio (obj, "override_rate", m->overrides, m->decided);
  if (m->has_median_duration)
    set_number (obj, "median_duration_ms", m->median_duration_ms);
  else
    json_object_set_null_member (obj, "median_duration_ms");
  if (m->has_median_time_to_decision)
    set_number (obj, "median_time_to_decision_s", m->median_time_to_decision_s);
  else
    json_object_set_null_member (obj, "median_time_to_decision_s");

  for (guint i = 0; i < G_N_ELEMENTS (rule_kinds); i++)
    json_object_set_int_member (by_trigger, cs_trigger_kind_to_string (rule_kinds[i]),
                                m->by_trigger[rule_kinds[i]]);
  for (CsTriggerKind k = CS_TRIGGER_OVERDUE; k <= CS_TRIGGER_OTHER; k++)
    if (m->by_trigger[k] > 0)
      json_object_set_int_member (by_trigger, cs_trigger_kind_to_string (k), m->by_trigger[k]);
  json_object_set_object_member (obj, "by_trigger", by_trigger);

  /* Additive: how often people overrode the model, by what sent them the case. */
  {
    JsonObject *overrides = json_object_new ();

    for (CsTriggerKind k = CS_TRIGGER_LOW_CONFIDENCE; k <= CS_TRIGGER_OTHER; k++)
      {
        JsonObject *one;

        if (m->by_trigger[k] == 0 && k >= CS_TRIGGER_OVERDUE)
          continue;
        one = json_object_new ();
        json_object_set_int_member (one, "decided", m->trigger_decided[k]);
        json_object_set_int_member (one, "overrides", m->trigger_overrides[k]);
        set_ratio (one, "override_rate", m->trigger_overrides[k], m->trigger_decided[k]);
        json_object_set_object_member (overrides, cs_trigger_kind_to_string (k), one);
      }
    json_object_set_object_member (obj, "overrides_by_trigger", overrides);
  }

  set_ratio (accuracy, "model", m->model_correct, m->with_truth);
  set_ratio (accuracy, "final", m->final_correct, m->final_with_truth);
  set_ratio (accuracy, "escalated_model", m->escalated_model_correct, m->escalated_with_truth);
  set_ratio (accuracy, "escalated_final", m->escalated_final_correct, m->escalated_final_with_truth);
  json_object_set_int_member (accuracy, "with_truth", m->with_truth);
  json_object_set_object_member (obj, "accuracy", accuracy);

  if (m->blind_first)
    {
      JsonObject *blind = json_object_new ();

      json_object_set_int_member (blind, "decided", m->blind_decided);
      json_object_set_int_member (blind, "changed_after_reveal", m->blind_changed);
      set_ratio (blind, "change_rate", m->blind_changed, m->blind_decided);
      set_ratio (blind, "initial_accuracy", m->blind_initial_correct, m->blind_with_truth);
      set_ratio (blind, "final_accuracy", m->blind_final_correct, m->blind_with_truth);
      json_object_set_int_member (blind, "with_truth", m->blind_with_truth);
      json_object_set_object_member (obj, "blind_first", blind);
    }

  return json_node_init_object (json_node_alloc (), obj);
}

#define IFACE(self) CSD_STORAGE_GET_IFACE (self)

gboolean
csd_storage_token_create (CsdStorage          *self,
                          const CsdPrincipal  *principal,
                          const char          *token_hash,
                          GError             **error)
{
  g_return_val_if_fail (CSD_IS_STORAGE (self), FALSE);
  return IFACE (self)->token_create (self, principal, token_hash, error);
}

CsdPrincipal *
csd_storage_token_lookup (CsdStorage  *self,
                          const char  *token_hash,
                          GError     **error)
{
  g_return_val_if_fail (CSD_IS_STORAGE (self), NULL);
  return IFACE (self)->token_lookup (self, token_hash, error);
}

GPtrArray *
csd_storage_token_list (CsdStorage  *self,
                        GError     **error)
{
  g_return_val_if_fail (CSD_IS_STORAGE (self), NULL);
  return IFACE (self)->token_list (self, error);
}

gboolean
csd_storage_token_revoke (CsdStorage  *self,
                          const char  *name,
                          GDateTime   *now,
                          GError     **error)
{
  g_return_val_if_fail (CSD_IS_STORAGE (self), FALSE);
  return IFACE (self)->token_revoke (self, name, now, error);
}

gboolean
csd_storage_queue_put (CsdStorage  *self,
                       CsQueue     *queue,
                       GDateTime   *now,
                       gboolean    *created,
                       GError     **error)
{
  g_return_val_if_fail (CSD_IS_STORAGE (self), FALSE);
  return IFACE (self)->queue_put (self, queue, now, created, error);
}

CsQueue *
csd_storage_queue_get (CsdStorage  *self,
                       const char  *id,
                       GError     **error)
{
  g_return_val_if_fail (CSD_IS_STORAGE (self), NULL);
  return IFACE (self)->queue_get (self, id, error);
}

GPtrArray *
csd_storage_queue_list (CsdStorage  *self,
                        GError     **error)
{
  g_return_val_if_fail (CSD_IS_STORAGE (self), NULL);
  return IFACE (self)->queue_list (self, error);
}

char **
csd_storage_queue_ids (CsdStorage  *self,
                       GError     **error)
{
  g_return_val_if_fail (CSD_IS_STORAGE (self), NULL);
  return IFACE (self)->queue_ids (self, error);
}

char **
csd_storage_queues_naming (CsdStorage  *self,
                           const char  *reviewer,
                           GError     **error)
{
  g_return_val_if_fail (CSD_IS_STORAGE (self), NULL);
  return IFACE (self)->queues_naming (self, reviewer, error);
}

gboolean
csd_storage_asset_put (CsdStorage  *self,
                       const char  *sha256,
                       const char  *media_type,
                       gint64       bytes,
                       GDateTime   *now,
                       GError     **error)
{
  g_return_val_if_fail (CSD_IS_STORAGE (self), FALSE);
  return IFACE (self)->asset_put (self, sha256, media_type, bytes, now, error);
}

gboolean
csd_storage_asset_get (CsdStorage  *self,
                       const char  *sha256,
                       char       **media_type,
                       gint64      *bytes,
                       GError     **error)
{
  g_return_val_if_fail (CSD_IS_STORAGE (self), FALSE);
  return IFACE (self)->asset_get (self, sha256, media_type, bytes, error);
}

gboolean
csd_storage_asset_in_queues (CsdStorage          *self,
                             const char          *sha256,
                             const char * const  *queues,
                             GError             **error)
{
  g_return_val_if_fail (CSD_IS_STORAGE (self), FALSE);
  return IFACE (self)->asset_in_queues (self, sha256, queues, error);
}

gboolean
csd_storage_ingest (CsdStorage  *self,
                    GPtrArray   *items,
                    GDateTime   *now,
                    GError     **error)
{
  g_return_val_if_fail (CSD_IS_STORAGE (self), FALSE);
  return IFACE (self)->ingest (self, items, now, error);
}

CsCase *
csd_storage_case_get (CsdStorage  *self,
                      const char  *id,
                      GError     **error)
{
  g_return_val_if_fail (CSD_IS_STORAGE (self), NULL);
  return IFACE (self)->case_get (self, id, error);
}

gboolean
csd_storage_case_set_truth (CsdStorage  *self,
                            const char  *id,
                            const char  *label,
                            GError     **error)
{
  g_return_val_if_fail (CSD_IS_STORAGE (self), FALSE);
  return IFACE (self)->case_set_truth (self, id, label, error);
}

CsCase *
csd_storage_case_withdraw (CsdStorage  *self,
                           const char  *id,
                           GDateTime   *now,
                           GError     **error)
{
  g_return_val_if_fail (CSD_IS_STORAGE (self), NULL);
  return IFACE (self)->case_withdraw (self, id, now, error);
}

char **
csd_storage_claim (CsdStorage  *self,
                   const char  *queue,
                   const char  *reviewer,
                   guint        count,
                   GDateTime   *now,
                   GDateTime   *lease_until,
                   GError     **error)
{
  g_return_val_if_fail (CSD_IS_STORAGE (self), NULL);
  return IFACE (self)->claim (self, queue, reviewer, count, now, lease_until, error);
}

CsCase *
csd_storage_release (CsdStorage  *self,
                     const char  *case_id,
                     const char  *reviewer,
                     GDateTime   *now,
                     GError     **error)
{
  g_return_val_if_fail (CSD_IS_STORAGE (self), NULL);
  return IFACE (self)->release (self, case_id, reviewer, now, error);
}

GPtrArray *
csd_storage_changes (CsdStorage  *self,
                     const char  *reviewer,
                     gint64       since,
                     guint        limit,
                     gint64      *cursor,
                     gboolean    *more,
                     GError     **error)
{
  g_return_val_if_fail (CSD_IS_STORAGE (self), NULL);
  return IFACE (self)->changes (self, reviewer, since, limit, cursor, more, error);
}

gboolean
csd_storage_decide (CsdStorage                *self,
                    const CsdDecisionContext  *context,
                    GPtrArray                 *items,
                    GError                   **error)
{
  g_return_val_if_fail (CSD_IS_STORAGE (self), FALSE);
  return IFACE (self)->decide (self, context, items, error);
}

void
csd_webhook_delivery_free (CsdWebhookDelivery *delivery)
{
  if (delivery == NULL)
    return;
  g_free (delivery->event_id);
  g_free (delivery->case_id);
  g_free (delivery->url);
  g_free (delivery->secret);
  g_free (delivery->body);
  g_free (delivery);
}

GPtrArray *
csd_storage_webhook_due (CsdStorage  *self,
                         gint64       now_ms,
                         guint        limit,
                         GError     **error)
{
  g_return_val_if_fail (CSD_IS_STORAGE (self), NULL);
  return IFACE (self)->webhook_due (self, now_ms, limit, error);
}

gboolean
csd_storage_webhook_update (CsdStorage  *self,
                            const char  *event_id,
                            gint64       attempts,
                            gint64       next_attempt_ms,
                            gint64       delivered_ms,
                            const char  *last_error,
                            GError     **error)
{
  g_return_val_if_fail (CSD_IS_STORAGE (self), FALSE);
  return IFACE (self)->webhook_update (self, event_id, attempts, next_attempt_ms, delivered_ms,
                                       last_error, error);
}

gboolean
csd_storage_webhook_next (CsdStorage  *self,
                          gint64      *next_ms,
                          GError     **error)
{
  g_return_val_if_fail (CSD_IS_STORAGE (self), FALSE);
  return IFACE (self)->webhook_next (self, next_ms, error);
}

GPtrArray *
csd_storage_overdue_sweep (CsdStorage  *storage,
                           GDateTime   *now,
                           guint        limit,
                           GError     **error)
{
  g_return_val_if_fail (CSD_IS_STORAGE (storage), NULL);
  return IFACE (storage)->overdue_sweep (storage, now, limit, error);
}

CsdOutcome *
csd_storage_case_outcome (CsdStorage  *self,
                          const char  *case_id,
                          GError     **error)
{
  g_return_val_if_fail (CSD_IS_STORAGE (self), NULL);
  return IFACE (self)->case_outcome (self, case_id, error);
}

GPtrArray *
csd_storage_outcomes (CsdStorage  *self,
                      gint64       since,
                      guint        limit,
                      GError     **error)
{
  g_return_val_if_fail (CSD_IS_STORAGE (self), NULL);
  return IFACE (self)->outcomes (self, since, limit, error);
}

gboolean
csd_storage_metrics (CsdStorage  *self,
                     const char  *queue,
                     CsdMetrics  *out,
                     GError     **error)
{
  g_return_val_if_fail (CSD_IS_STORAGE (self), FALSE);
  return IFACE (self)->metrics (self, queue, out, error);
}

GPtrArray *
csd_storage_case_figures (CsdStorage  *self,
                          const char  *queue,
                          const char  *context_field,
                          GError     **error)
{
  g_return_val_if_fail (CSD_IS_STORAGE (self), NULL);
  g_return_val_if_fail (queue != NULL, NULL);
  return IFACE (self)->case_figures (self, queue, context_field, error);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

char **
csd_storage_principal_queues (CsdStorage          *self,
                              const CsdPrincipal  *principal,
                              GError             **error)
{
  g_auto(GStrv) all = NULL;
  g_auto(GStrv) naming = NULL;
  g_autoptr(GPtrArray) out = g_ptr_array_new ();

  if ((all = csd_storage_queue_ids (self, error)) == NULL ||
      (naming = csd_storage_queues_naming (self, principal->name, error)) == NULL)
    return NULL;

  for (guint i = 0; all[i] != NULL; i++)
    if (g_strv_contains ((const char * const *) principal->queues, all[i]) ||
        g_strv_contains ((const char * const *) naming, all[i]))
      g_ptr_array_add (out, g_strdup (all[i]));

  g_ptr_array_sort (out, compare_strings);
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}
