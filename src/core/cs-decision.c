/* cs-decision.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <glib/gi18n-lib.h>

#include "cs-decision.h"
#include "cs-json.h"

struct _CsDecision
{
  GObject    parent_instance;

  char      *id;
  char      *case_id;
  gint64     case_version;
  CsAction   action;
  char      *label;
  char      *rationale;
  char      *reviewer;
  GDateTime *decided_at;
  gint64     duration_ms;
  char      *initial_label;
  char      *countersigns;
};

G_DEFINE_FINAL_TYPE (CsDecision, cs_decision, G_TYPE_OBJECT)

static void
cs_decision_finalize (GObject *object)
{
  CsDecision *self = CS_DECISION (object);

  g_free (self->id);
  g_free (self->case_id);
  g_free (self->label);
  g_free (self->rationale);
  g_free (self->reviewer);
  g_clear_pointer (&self->decided_at, g_date_time_unref);
  g_free (self->initial_label);
  g_free (self->countersigns);

  G_OBJECT_CLASS (cs_decision_parent_class)->finalize (object);
}

static void
cs_decision_class_init (CsDecisionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cs_decision_finalize;
}

static void
cs_decision_init (CsDecision *self)
{
}

CsDecision *
cs_decision_new (const char *case_id,
                 gint64      case_version,
                 CsAction    action,
                 const char *label,
                 const char *rationale,
                 const char *reviewer,
                 gint64      duration_ms)
{
  CsDecision *self = g_object_new (CS_TYPE_DECISION, NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  self->id = g_uuid_string_random ();
  self->case_id = g_strdup (case_id);
  self->case_version = case_version;
  self->action = action;
  self->label = g_strdup (label);
  self->rationale = g_strdup (rationale ? rationale : "");
  self->reviewer = g_strdup (reviewer);
  /* Whole seconds: the wire format has no fraction, and the stored copy must
   * serialise the same before and after a round trip. */
  self->decided_at = g_date_time_new_utc (g_date_time_get_year (now),
                                          g_date_time_get_month (now),
                                          g_date_time_get_day_of_month (now),
                                          g_date_time_get_hour (now),
                                          g_date_time_get_minute (now),
                                          g_date_time_get_second (now));
  self->duration_ms = MAX (duration_ms, 0);
  return self;
}

CsDecision *
cs_decision_new_from_json (JsonNode  *node,
                           GError   **error)
{
  g_autoptr(CsDecision) self = g_object_new (CS_TYPE_DECISION, NULL);
  g_autofree char *action = NULL;
  JsonObject *obj;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      cs_json_set_error (error, "decision", NULL, "expected an object");
      return NULL;
    }
  obj = json_node_get_object (node);

  if (!cs_json_read_string (obj, "decision", "id", TRUE, &self->id, error) ||
      !cs_json_read_string (obj, "decision", "case_id", TRUE, &self->case_id, error) ||
      !cs_json_read_int (obj, "decision", "case_version", TRUE, &self->case_version, error) ||
      !cs_json_read_string (obj, "decision", "action", TRUE, &action, error) ||
      !cs_json_read_string (obj, "decision", "label", FALSE, &self->label, error) ||
      !cs_json_read_string (obj, "decision", "rationale", FALSE, &self->rationale, error) ||
      !cs_json_read_string (obj, "decision", "reviewer", TRUE, &self->reviewer, error) ||
      !cs_json_read_time (obj, "decision", "decided_at", TRUE, &self->decided_at, error) ||
      !cs_json_read_int (obj, "decision", "duration_ms", FALSE, &self->duration_ms, error) ||
      !cs_json_read_string (obj, "decision", "initial_label", FALSE, &self->initial_label, error) ||
      !cs_json_read_string (obj, "decision", "countersigns", FALSE, &self->countersigns, error))
    return NULL;

  if (!cs_action_from_string (action, &self->action))
    {
      cs_json_set_error (error, "decision", "action",
                         "“%s” is not one of accept, override, reject, escalate, agree", action);
      return NULL;
    }

  if (self->id[0] == '\0' || strlen (self->id) > 128)
    {
      cs_json_set_error (error, "decision", "id", "must be 1 to 128 characters");
      return NULL;
    }

  if (self->action == CS_ACTION_OVERRIDE && (self->label == NULL || self->label[0] == '\0'))
    {
      cs_json_set_error (error, "decision", "label", "is required for an override");
      return NULL;
    }
  if (self->action != CS_ACTION_OVERRIDE && self->label != NULL)
    {
      cs_json_set_error (error, "decision", "label", "is only allowed with an override");
      return NULL;
    }
  if (self->action == CS_ACTION_AGREE && self->countersigns == NULL)
    {
      cs_json_set_error (error, "decision", "countersigns", "is required with agree");
      return NULL;
    }

  if (self->duration_ms < 0)
    {
      cs_json_set_error (error, "decision", "duration_ms", "must not be negative");
      return NULL;
    }

  if (self->rationale == NULL)
    self->rationale = g_strdup ("");

  return g_steal_pointer (&self);
}

CsDecision *
cs_decision_new_from_data (const char  *data,
                           gssize       len,
                           GError     **error)
{
  g_autoptr(JsonNode) node = NULL;

  if (len < 0)
    len = strlen (data);
  node = cs_json_parse (data, (gsize) len, error);
  if (node == NULL)
    return NULL;
  return cs_decision_new_from_json (node, error);
}

JsonNode *
cs_decision_to_json (CsDecision *self)
{
  g_autoptr(JsonObject) obj = json_object_new ();
  g_autofree char *at = NULL;

  g_return_val_if_fail (CS_IS_DECISION (self), NULL);

  at = cs_format_time (self->decided_at);
  json_object_set_string_member (obj, "id", self->id);
  json_object_set_string_member (obj, "case_id", self->case_id);
  json_object_set_int_member (obj, "case_version", self->case_version);
  json_object_set_string_member (obj, "action", cs_action_to_string (self->action));
  if (self->label != NULL)
    json_object_set_string_member (obj, "label", self->label);
  else
    json_object_set_null_member (obj, "label");
  json_object_set_string_member (obj, "rationale", self->rationale);
  json_object_set_string_member (obj, "reviewer", self->reviewer);
  json_object_set_string_member (obj, "decided_at", at);
  json_object_set_int_member (obj, "duration_ms", self->duration_ms);
  if (self->initial_label != NULL)
    json_object_set_string_member (obj, "initial_label", self->initial_label);
  if (self->countersigns != NULL)
    json_object_set_string_member (obj, "countersigns", self->countersigns);

  return json_node_init_object (json_node_alloc (), obj);
}

char *
cs_decision_to_data (CsDecision *self,
                     gsize      *len)
{
  g_autoptr(JsonNode) node = cs_decision_to_json (self);

  return cs_json_to_string (node, len);
}

#define GETTER(type, name, field)                           \
  type                                                      \
  cs_decision_get_##name (CsDecision *self)                 \
  {                                                         \
    g_return_val_if_fail (CS_IS_DECISION (self), (type) 0); \
    return self->field;                                     \
  }

GETTER (const char *, id, id)
GETTER (const char *, case_id, case_id)
GETTER (gint64, case_version, case_version)
GETTER (CsAction, action, action)
GETTER (const char *, label, label)
GETTER (const char *, rationale, rationale)
GETTER (const char *, reviewer, reviewer)
GETTER (GDateTime *, decided_at, decided_at)
GETTER (gint64, duration_ms, duration_ms)
GETTER (const char *, initial_label, initial_label)
GETTER (const char *, countersigns, countersigns)

void
cs_decision_set_initial_label (CsDecision *self,
                               const char *label)
{
  char *copy = g_strdup (label);

  g_return_if_fail (CS_IS_DECISION (self));
  g_free (self->initial_label);
  self->initial_label = copy;
}

void
cs_decision_set_countersigns (CsDecision *self,
                              const char *decision_id)
{
  char *copy = g_strdup (decision_id);

  g_return_if_fail (CS_IS_DECISION (self));
  g_free (self->countersigns);
  self->countersigns = copy;
}

/* Characters of @text without its surrounding white space, Unicode's too
 * (no-break and ideographic spaces), which g_strstrip() leaves. */
static glong
count_trimmed_chars (const char *text)
{
  const char *start = text;
  const char *end = text + strlen (text);

  while (start < end && g_unichar_isspace (g_utf8_get_char (start)))
    start = g_utf8_next_char (start);
  while (end > start)
    {
      const char *prev = g_utf8_find_prev_char (start, end);

      if (prev == NULL || !g_unichar_isspace (g_utf8_get_char (prev)))
        break;
      end = prev;
    }
  return g_utf8_strlen (start, end - start);
}

gboolean
cs_decision_check_policy (CsDecision          *self,
                          const char * const  *labels,
                          const CsPolicy      *policy,
                          const char          *predicted_label,
                          GError             **error)
{
  glong n_chars;

  g_return_val_if_fail (CS_IS_DECISION (self), FALSE);

  if (self->action == CS_ACTION_OVERRIDE)
    {
      if (self->label == NULL || labels == NULL || !g_strv_contains (labels, self->label))
        {
          g_set_error (error, CS_ERROR, CS_ERROR_POLICY,
                       _("“%s” is not one of this queue’s labels"),
                       self->label ? self->label : "");
          return FALSE;
        }
      if (predicted_label != NULL && g_str_equal (predicted_label, self->label))
        {
          g_set_error (error, CS_ERROR, CS_ERROR_POLICY,
                       _("An override must choose a label other than the model’s “%s”; accept it instead"),
                       predicted_label);
          return FALSE;
        }
    }

  if (policy == NULL)
    return TRUE;

  n_chars = count_trimmed_chars (self->rationale ? self->rationale : "");

  if (cs_policy_requires_rationale (policy, self->action))
    {
      if (n_chars == 0)
        {
          g_set_error (error, CS_ERROR, CS_ERROR_POLICY,
                       _("This queue asks for a rationale to %s a case"),
                       cs_action_to_string (self->action));
          return FALSE;
        }
      if ((guint) n_chars < policy->min_rationale_chars)
        {
          g_set_error (error, CS_ERROR, CS_ERROR_POLICY,
                       _("The rationale needs at least %u characters (it has %ld)"),
                       policy->min_rationale_chars, n_chars);
          return FALSE;
        }
    }

  if (policy->blind_first && self->countersigns == NULL &&
      (self->initial_label == NULL || labels == NULL || !g_strv_contains (labels, self->initial_label)))
    {
      g_set_error_literal (error, CS_ERROR, CS_ERROR_POLICY,
                           _("This queue reviews blind first: the decision needs the reviewer’s initial label"));
      return FALSE;
    }

  return TRUE;
}

void
cs_decision_result_free (CsDecisionResult *result)
{
  if (result == NULL)
    return;
  g_free (result->id);
  g_free (result->reason);
  g_free (result->message);
  g_clear_pointer (&result->case_json, json_node_unref);
  g_free (result);
}

GPtrArray *
cs_decision_results_parse (JsonNode  *node,
                           GError   **error)
{
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_decision_result_free);
  JsonArray *arr = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      cs_json_set_error (error, "response", NULL, "expected an object");
      return NULL;
    }
  if (!cs_json_read_array (json_node_get_object (node), "response", "results", TRUE, &arr, error))
    return NULL;

  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      g_autofree char *path = g_strdup_printf ("results[%u]", i);
      g_autofree char *status = NULL;
      JsonNode *element = json_array_get_element (arr, i);
      CsDecisionResult *result;
      JsonObject *obj;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          cs_json_set_error (error, path, NULL, "expected an object");
          return NULL;
        }
      obj = json_node_get_object (element);
      result = g_new0 (CsDecisionResult, 1);
      result->case_version = -1;
      g_ptr_array_add (results, result);

      if (!cs_json_read_string (obj, path, "id", TRUE, &result->id, error) ||
          !cs_json_read_string (obj, path, "status", TRUE, &status, error) ||
          !cs_json_read_int (obj, path, "case_version", FALSE, &result->case_version, error) ||
          !cs_json_read_string (obj, path, "reason", FALSE, &result->reason, error) ||
          !cs_json_read_string (obj, path, "message", FALSE, &result->message, error))
        return NULL;

      if (!cs_outbox_state_from_string (status, &result->status) ||
          result->status == CS_OUTBOX_PENDING || result->status == CS_OUTBOX_INFLIGHT)
        {
          cs_json_set_error (error, path, "status", "unknown status “%s”", status);
          return NULL;
        }

      if (json_object_has_member (obj, "case") &&
          JSON_NODE_HOLDS_OBJECT (json_object_get_member (obj, "case")))
        result->case_json = json_node_copy (json_object_get_member (obj, "case"));
    }

  return g_steal_pointer (&results);
}
