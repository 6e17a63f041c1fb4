/* cs-queue.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include "cs-json.h"
#include "cs-queue.h"

G_DEFINE_BOXED_TYPE (CsPolicy, cs_policy, cs_policy_copy, cs_policy_free)

void
cs_policy_init_default (CsPolicy *policy)
{
  *policy = (CsPolicy) { 0 };
  policy->target_error = -1;
}

CsPolicy *
cs_policy_new (void)
{
  CsPolicy *policy = g_new0 (CsPolicy, 1);

  cs_policy_init_default (policy);
  return policy;
}

CsPolicy *
cs_policy_copy (const CsPolicy *policy)
{
  return g_memdup2 (policy, sizeof *policy);
}

void
cs_policy_free (CsPolicy *policy)
{
  g_free (policy);
}

gboolean
cs_policy_requires_rationale (const CsPolicy *policy,
                              CsAction        action)
{
  return (policy->rationale_required & (1u << action)) != 0;
}

static gboolean
read_action_set (JsonObject  *obj,
                 const char  *path,
                 const char  *member,
                 guint       *out,
                 GError     **error)
{
  g_auto(GStrv) names = NULL;

  if (!cs_json_read_strv (obj, path, member, FALSE, &names, error))
    return FALSE;

  *out = 0;
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      CsAction action;

      if (!cs_action_from_string (names[i], &action))
        {
          cs_json_set_error (error, path, member, "unknown action “%s”", names[i]);
          return FALSE;
        }
      *out |= 1u << action;
    }

  return TRUE;
}

static JsonNode *
action_set_to_json (guint set)
{
  g_autoptr(JsonArray) arr = json_array_new ();

  for (guint a = 0; a < CS_N_ACTIONS; a++)
    if (set & (1u << a))
      json_array_add_string_element (arr, cs_action_to_string ((CsAction) a));

  return json_node_init_array (json_node_alloc (), arr);
}

gboolean
cs_policy_parse (JsonObject  *obj,
                 const char  *path,
                 CsPolicy    *out,
                 GError     **error)
{
  gint64 min_chars = 0;
  CsPolicy policy;

  cs_policy_init_default (&policy);
  if (obj == NULL)
    {
      *out = policy;
      return TRUE;
    }

  if (!read_action_set (obj, path, "rationale_required", &policy.rationale_required, error) ||
      !cs_json_read_int (obj, path, "min_rationale_chars", FALSE, &min_chars, error) ||
      !cs_json_read_bool (obj, path, "blind_first", FALSE, &policy.blind_first, error) ||
      !read_action_set (obj, path, "second_review", &policy.second_review, error) ||
      !cs_json_read_double (obj, path, "target_error", FALSE, &policy.target_error, error) ||
      !cs_json_read_bool (obj, path, "allow_amendments", FALSE, &policy.allow_amendments, error))
    return FALSE;

  if (min_chars < 0 || min_chars > 10000)
    {
      cs_json_set_error (error, path, "min_rationale_chars", "must be between 0 and 10000");
      return FALSE;
    }
  policy.min_rationale_chars = (guint) min_chars;

  if (json_object_has_member (obj, "target_error") && !JSON_NODE_HOLDS_NULL (json_object_get_member (obj, "target_error")) &&
      (policy.target_error < 0 || policy.target_error > 1))
    {
      cs_json_set_error (error, path, "target_error", "must be between 0 and 1");
      return FALSE;
    }

  *out = policy;
  return TRUE;
}

JsonNode *
cs_policy_to_json (const CsPolicy *policy)
{
  g_autoptr(JsonObject) obj = json_object_new ();

  json_object_set_member (obj, "rationale_required", action_set_to_json (policy->rationale_required));
  json_object_set_int_member (obj, "min_rationale_chars", policy->min_rationale_chars);
  if (policy->blind_first)
    json_object_set_boolean_member (obj, "blind_first", TRUE);
  if (policy->second_review != 0)
    json_object_set_member (obj, "second_review", action_set_to_json (policy->second_review));
  if (policy->target_error >= 0)
    json_object_set_double_member (obj, "target_error", policy->target_error);
  if (policy->allow_amendments)
    json_object_set_boolean_member (obj, "allow_amendments", TRUE);

  return json_node_init_object (json_node_alloc (), obj);
}

void
cs_routing_clear (CsRouting *routing)
{
  g_clear_pointer (&routing->compliance_keywords, g_strfreev);
}

static gboolean
check_fraction (JsonObject  *obj,
                const char  *path,
                const char  *member,
                double       value,
                GError     **error)
{
  if (value < 0 || value > 1)
    {
      cs_json_set_error (error, path, member, "must be between 0 and 1");
      return FALSE;
    }
  return TRUE;
}

/* Thresholds that are < 0 when not set must be in range when given: a
 * negative one would silently switch its rule off. */
static gboolean
is_given (JsonObject *obj,
          const char *member)
{
  JsonNode *node = json_object_get_member (obj, member);

  return node != NULL && !JSON_NODE_HOLDS_NULL (node);
}

gboolean
cs_routing_parse (JsonObject  *obj,
                  const char  *path,
                  CsRouting   *out,
                  GError     **error)
{
  CsRouting routing = {
    .confidence_threshold = 0,
    .fairness_threshold = -1,
    .anomaly_threshold = -1,
    .compliance_keywords = NULL,
    .audit_sample_rate = 0,
  };

  if (obj != NULL)
    {
      if (!cs_json_read_double (obj, path, "confidence_threshold", FALSE, &routing.confidence_threshold, error) ||
          !check_fraction (obj, path, "confidence_threshold", routing.confidence_threshold, error) ||
          !cs_json_read_double (obj, path, "fairness_threshold", FALSE, &routing.fairness_threshold, error) ||
          (is_given (obj, "fairness_threshold") &&
           !check_fraction (obj, path, "fairness_threshold", routing.fairness_threshold, error)) ||
          !cs_json_read_double (obj, path, "anomaly_threshold", FALSE, &routing.anomaly_threshold, error) ||
          (is_given (obj, "anomaly_threshold") &&
           !check_fraction (obj, path, "anomaly_threshold", routing.anomaly_threshold, error)) ||
          !cs_json_read_strv (obj, path, "compliance_keywords", FALSE, &routing.compliance_keywords, error) ||
          !cs_json_read_double (obj, path, "audit_sample_rate", FALSE, &routing.audit_sample_rate, error) ||
          !check_fraction (obj, path, "audit_sample_rate", routing.audit_sample_rate, error))
        {
          cs_routing_clear (&routing);
          return FALSE;
        }
    }

  if (routing.compliance_keywords == NULL)
    routing.compliance_keywords = g_new0 (char *, 1);

  cs_routing_clear (out);
  *out = routing;
  return TRUE;
}

JsonNode *
cs_routing_to_json (const CsRouting *routing)
{
  g_autoptr(JsonObject) obj = json_object_new ();
  g_autoptr(JsonArray) keywords = json_array_new ();

  json_object_set_double_member (obj, "confidence_threshold", routing->confidence_threshold);
  if (routing->fairness_threshold >= 0)
    json_object_set_double_member (obj, "fairness_threshold", routing->fairness_threshold);
  if (routing->anomaly_threshold >= 0)
    json_object_set_double_member (obj, "anomaly_threshold", routing->anomaly_threshold);
  for (guint i = 0; routing->compliance_keywords && routing->compliance_keywords[i]; i++)
    json_array_add_string_element (keywords, routing->compliance_keywords[i]);
  json_object_set_array_member (obj, "compliance_keywords", g_steal_pointer (&keywords));
  json_object_set_double_member (obj, "audit_sample_rate", routing->audit_sample_rate);

  return json_node_init_object (json_node_alloc (), obj);
}

struct _CsQueue
{
  GObject    parent_instance;

  char      *id;
  char      *title;
  char     **labels;
  CsPolicy   policy;
  CsRouting  routing;
  char     **reviewers;
  char      *overdue_queue;
  char      *webhook_url;
  char      *webhook_secret;
};

G_DEFINE_FINAL_TYPE (CsQueue, cs_queue, G_TYPE_OBJECT)

static void
cs_queue_finalize (GObject *object)
{
  CsQueue *self = CS_QUEUE (object);

  g_free (self->id);
  g_free (self->title);
  g_strfreev (self->labels);
  cs_routing_clear (&self->routing);
  g_strfreev (self->reviewers);
  g_free (self->overdue_queue);
  g_free (self->webhook_url);
  g_free (self->webhook_secret);

  G_OBJECT_CLASS (cs_queue_parent_class)->finalize (object);
}

static void
cs_queue_class_init (CsQueueClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cs_queue_finalize;
}

static void
cs_queue_init (CsQueue *self)
{
  cs_policy_init_default (&self->policy);
}

CsQueue *
cs_queue_new_from_json (JsonNode    *node,
                        const char  *id,
                        GError     **error)
{
  g_autoptr(CsQueue) self = g_object_new (CS_TYPE_QUEUE, NULL);
  JsonObject *obj, *policy = NULL, *routing = NULL, *overdue = NULL, *webhook = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      cs_json_set_error (error, "queue", NULL, "expected an object");
      return NULL;
    }
  obj = json_node_get_object (node);

  if (!cs_json_read_string (obj, "queue", "id", id == NULL, &self->id, error) ||
      !cs_json_read_string (obj, "queue", "title", TRUE, &self->title, error) ||
      !cs_json_read_strv (obj, "queue", "labels", TRUE, &self->labels, error) ||
      !cs_json_read_object (obj, "queue", "policy", FALSE, &policy, error) ||
      !cs_policy_parse (policy, "queue.policy", &self->policy, error) ||
      !cs_json_read_object (obj, "queue", "routing", FALSE, &routing, error) ||
      !cs_routing_parse (routing, "queue.routing", &self->routing, error) ||
      !cs_json_read_strv (obj, "queue", "reviewers", FALSE, &self->reviewers, error) ||
      !cs_json_read_object (obj, "queue", "on_overdue", FALSE, &overdue, error) ||
      (overdue && !cs_json_read_string (overdue, "queue.on_overdue", "queue", TRUE, &self->overdue_queue, error)) ||
      !cs_json_read_object (obj, "queue", "webhook", FALSE, &webhook, error) ||
      (webhook && !cs_json_read_string (webhook, "queue.webhook", "url", TRUE, &self->webhook_url, error)) ||
      (webhook && !cs_json_read_string (webhook, "queue.webhook", "secret", TRUE, &self->webhook_secret, error)))
    return NULL;

  if (id != NULL)
    {
      if (self->id != NULL && !g_str_equal (self->id, id))
        {
          cs_json_set_error (error, "queue", "id", "“%s” differs from the queue named in the path, “%s”",
                             self->id, id);
          return NULL;
        }
      g_free (self->id);
      self->id = g_strdup (id);
    }

  if (*self->id == '\0')
    {
      cs_json_set_error (error, "queue", "id", "must not be empty");
      return NULL;
    }

  if (self->labels[0] == NULL)
    {
      cs_json_set_error (error, "queue", "labels", "needs at least one label");
      return NULL;
    }

  for (guint i = 0; self->labels[i]; i++)
    for (guint j = 0; j < i; j++)
      if (g_str_equal (self->labels[i], self->labels[j]))
        {
          cs_json_set_error (error, "queue", "labels", "“%s” is listed twice", self->labels[i]);
          return NULL;
        }

  if (self->reviewers == NULL)
    self->reviewers = g_new0 (char *, 1);

  return g_steal_pointer (&self);
}

JsonNode *
cs_queue_to_json (CsQueue  *self,
                  gboolean  with_server_settings)
{
  g_autoptr(JsonObject) obj = json_object_new ();
  g_autoptr(JsonArray) labels = json_array_new ();

  g_return_val_if_fail (CS_IS_QUEUE (self), NULL);

  json_object_set_string_member (obj, "id", self->id);
  json_object_set_string_member (obj, "title", self->title);
  for (guint i = 0; self->labels[i]; i++)
    json_array_add_string_element (labels, self->labels[i]);
  json_object_set_array_member (obj, "labels", g_steal_pointer (&labels));
  json_object_set_member (obj, "policy", cs_policy_to_json (&self->policy));

  if (with_server_settings)
    {
      g_autoptr(JsonArray) reviewers = json_array_new ();

      json_object_set_member (obj, "routing", cs_routing_to_json (&self->routing));
      for (guint i = 0; self->reviewers[i]; i++)
        json_array_add_string_element (reviewers, self->reviewers[i]);
      json_object_set_array_member (obj, "reviewers", g_steal_pointer (&reviewers));
      if (self->webhook_url != NULL)
        {
          JsonObject *webhook = json_object_new ();

          json_object_set_string_member (webhook, "url", self->webhook_url);
          json_object_set_string_member (webhook, "secret", self->webhook_secret);
          json_object_set_object_member (obj, "webhook", webhook);
        }
    }

  if (self->overdue_queue != NULL)
    {
      JsonObject *overdue = json_object_new ();

      json_object_set_string_member (overdue, "queue", self->overdue_queue);
      json_object_set_object_member (obj, "on_overdue", overdue);
    }

  return json_node_init_object (json_node_alloc (), obj);
}

const char *
cs_queue_get_id (CsQueue *self)
{
  g_return_val_if_fail (CS_IS_QUEUE (self), NULL);
  return self->id;
}

const char *
cs_queue_get_title (CsQueue *self)
{
  g_return_val_if_fail (CS_IS_QUEUE (self), NULL);
  return self->title;
}

const char * const *
cs_queue_get_labels (CsQueue *self)
{
  g_return_val_if_fail (CS_IS_QUEUE (self), NULL);
  return (const char * const *) self->labels;
}

gboolean
cs_queue_has_label (CsQueue    *self,
                    const char *label)
{
  g_return_val_if_fail (CS_IS_QUEUE (self), FALSE);
  return label != NULL && g_strv_contains ((const char * const *) self->labels, label);
}

const CsPolicy *
cs_queue_get_policy (CsQueue *self)
{
  g_return_val_if_fail (CS_IS_QUEUE (self), NULL);
  return &self->policy;
}

const CsRouting *
cs_queue_get_routing (CsQueue *self)
{
  g_return_val_if_fail (CS_IS_QUEUE (self), NULL);
  return &self->routing;
}

const char * const *
cs_queue_get_reviewers (CsQueue *self)
{
  g_return_val_if_fail (CS_IS_QUEUE (self), NULL);
  return (const char * const *) self->reviewers;
}

const char *
cs_queue_get_overdue_queue (CsQueue *self)
{
  g_return_val_if_fail (CS_IS_QUEUE (self), NULL);
  return self->overdue_queue;
}

const char *
cs_queue_get_webhook_url (CsQueue *self)
{
  g_return_val_if_fail (CS_IS_QUEUE (self), NULL);
  return self->webhook_url;
}

const char *
cs_queue_get_webhook_secret (CsQueue *self)
{
  g_return_val_if_fail (CS_IS_QUEUE (self), NULL);
  return self->webhook_secret;
}
