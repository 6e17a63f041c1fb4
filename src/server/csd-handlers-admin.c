/* csd-handlers-admin.c: queue set-up, withdrawing a case, the outcome export, metrics
 * (by cohort too) and the autonomy report.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "cs-json.h"
#include "csd-autonomy.h"
#include "csd-cohorts.h"
#include "csd-error.h"
#include "csd-handlers.h"

void
csd_handle_queue_put (CsdServer  *server,
                      CsdRequest *request)
{
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsQueue) queue = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(JsonNode) node = NULL;
  gboolean created = FALSE;

  if ((body = csd_request_parse_json (request, TRUE, &error)) == NULL ||
      (queue = cs_queue_new_from_json (body, csd_request_get_param (request, 0), &error)) == NULL ||
      !csd_storage_queue_put (csd_server_get_storage (server), queue, now, &created, &error))
    {
      csd_request_reply_error (request, error);
      return;
    }

  node = cs_queue_to_json (queue, TRUE);
  csd_request_reply_json (request, SOUP_STATUS_OK, node);
}

/* Not in API.md's list: an additive endpoint for taking a case back. */
void
csd_handle_withdraw (CsdServer  *server,
                     CsdRequest *request)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(CsCase) kase = NULL;
  g_autoptr(JsonNode) node = NULL;

  kase = csd_storage_case_withdraw (csd_server_get_storage (server), csd_request_get_param (request, 0),
                                    now, &error);
  if (kase == NULL)
    {
      csd_request_reply_error (request, error);
      return;
    }

  node = cs_case_to_json (kase);
  csd_request_reply_json (request, SOUP_STATUS_OK, node);
}

char *
csd_outcomes_to_json_lines (GPtrArray *outcomes,
                            gint64     since,
                            gint64    *cursor)
{
  GString *out = g_string_new (NULL);

  *cursor = since;
  for (guint i = 0; i < outcomes->len; i++)
    {
      const CsdOutcome *outcome = g_ptr_array_index (outcomes, i);
      g_autoptr(JsonNode) node = csd_outcome_to_json (outcome);
      g_autofree char *line = cs_json_to_string (node, NULL);

      g_string_append (out, line);
      g_string_append_c (out, '\n');
      *cursor = outcome->seq;
    }
  return g_string_free (out, FALSE);
}

/* The columns of the CSV export, in their documented order. Each is read
 * from the outcome's JSON, a member or a member of a member ("second_review"
 * is an object), so that the CSV says what the JSON Lines say; an absent
 * or null value leaves its field empty. */
static const struct {
  const char *name;
  const char *member;
  const char *inner;
} csv_columns[] = {
  { "case_id", "case_id", NULL },
  { "queue", "queue", NULL },
  { "model_label", "model_label", NULL },
  { "model_confidence", "model_confidence", NULL },
  { "final_label", "final_label", NULL },
  { "decided_by", "decided_by", NULL },
  { "action", "action", NULL },
  { "rationale", "rationale", NULL },
  { "initial_label", "initial_label", NULL },
  { "second_review_by", "second_review", "by" },
  { "second_review_action", "second_review", "action" },
  { "truth", "truth", NULL },
  { "created_at", "created_at", NULL },
  { "decided_at", "decided_at", NULL },
  { "duration_ms", "duration_ms", NULL },
};

/* RFC 4180: a field holding a comma, a quote or a line break is quoted, its
 * quotes doubled. */
static void
append_csv_field (GString    *out,
                  const char *text)
{
  if (strpbrk (text, ",\"\r\n") == NULL)
    {
      g_string_append (out, text);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/* The shortest text that reads back as the same double: 0.9, not 0.90000000000000002. */
static char *
format_double (double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  for (int digits = 15; digits <= 17; digits++)
    {
      g_autofree char *format = g_strdup_printf ("%%.%dg", digits);

      g_ascii_formatd (buf, sizeof buf, format, value);
      if (g_ascii_strtod (buf, NULL) == value)
        break;
    }
  return g_strdup (buf);
}

static char *
csv_value (JsonObject *obj,
           const char *member,
           const char *inner)
{
  JsonNode *node = json_object_get_member (obj, member);

  if (inner != NULL)
    node = node != NULL && JSON_NODE_HOLDS_OBJECT (node)
           ? json_object_get_member (json_node_get_object (node), inner) : NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node) || !JSON_NODE_HOLDS_VALUE (node))
    return g_strdup ("");
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (node));
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      return format_double (json_node_get_double (node));
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? "true" : "false");
    default:
      return g_strdup ("");
    }
}

char *
csd_outcomes_to_csv (GPtrArray *outcomes,
                     gint64     since,
                     gint64    *cursor)
{
  GString *out = g_string_new (NULL);

  for (guint c = 0; c < G_N_ELEMENTS (csv_columns); c++)
    g_string_append_printf (out, "%s%s", c > 0 ? "," : "", csv_columns[c].name);
  g_string_append (out, "\r\n");

  *cursor = since;
  for (guint i = 0; i < outcomes->len; i++)
    {
      const CsdOutcome *outcome = g_ptr_array_index (outcomes, i);
      g_autoptr(JsonNode) node = csd_outcome_to_json (outcome);
      JsonObject *obj = json_node_get_object (node);

      for (guint c = 0; c < G_N_ELEMENTS (csv_columns); c++)
        {
          g_autofree char *value = csv_value (obj, csv_columns[c].member, csv_columns[c].inner);

          if (c > 0)
            g_string_append_c (out, ',');
          append_csv_field (out, value);
        }
      g_string_append (out, "\r\n");
      *cursor = outcome->seq;
    }
  return g_string_free (out, FALSE);
}

void
csd_handle_export (CsdServer  *server,
                   CsdRequest *request)
{
  const char *since_str = csd_request_get_query (request, "since");
  const char *limit_str = csd_request_get_query (request, "limit");
  const char *format = csd_request_get_query (request, "format");
  gboolean csv = FALSE;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) outcomes = NULL;
  g_autofree char *cursor_str = NULL;
  char *lines;
  gint64 since, cursor;
  gint64 limit = 0;

  if (!csd_parse_cursor (since_str, &since))
    {
      csd_request_fail (request, SOUP_STATUS_BAD_REQUEST, "malformed",
                        "since: “%s” is not a cursor this server gave", since_str);
      return;
    }
  if (limit_str != NULL && !g_ascii_string_to_signed (limit_str, 10, 1, G_MAXINT32, &limit, NULL))
    {
      csd_request_fail (request, SOUP_STATUS_BAD_REQUEST, "malformed", "limit: expected a positive whole number");
      return;
    }

  if (format != NULL && *format != '\0')
    {
      if (!g_str_equal (format, "jsonl") && !g_str_equal (format, "csv"))
        {
          csd_request_fail (request, SOUP_STATUS_BAD_REQUEST, "malformed", "format: jsonl or csv, not “%s”", format);
          return;
        }
      csv = g_str_equal (format, "csv");
    }

  if ((outcomes = csd_storage_outcomes (csd_server_get_storage (server), since, (guint) limit, &error)) == NULL)
    {
      csd_request_reply_error (request, error);
      return;
    }

  lines = csv ? csd_outcomes_to_csv (outcomes, since, &cursor)
              : csd_outcomes_to_json_lines (outcomes, since, &cursor);
  cursor_str = g_strdup_printf ("%" G_GINT64_FORMAT, cursor);
  soup_message_headers_replace (soup_server_message_get_response_headers (request->msg),
                                "X-Countersign-Cursor", cursor_str);
  soup_server_message_set_status (request->msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (request->msg, csv ? "text/csv; charset=utf-8; header=present"
                                                    : "application/x-ndjson", SOUP_MEMORY_TAKE,
                                    lines, strlen (lines));
}

void
csd_handle_metrics (CsdServer  *server,
                    CsdRequest *request)
{
  CsdStorage *storage = csd_server_get_storage (server);
  const char *queue = csd_request_get_query (request, "queue");
  const char *by = csd_request_get_query (request, "by");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(CsQueue) known = NULL;
  g_autoptr(GPtrArray) figures = NULL;
  CsdMetrics metrics;

  if (queue != NULL && *queue == '\0')
    queue = NULL;
  if (by != NULL && *by == '\0')
    by = NULL;
  if (by != NULL && queue == NULL)
    {
      /* Cohorts are judged against one queue's model and fairness threshold. */
      csd_request_fail (request, SOUP_STATUS_BAD_REQUEST, "malformed",
                        "by=%s needs queue=Q: cohorts are compared within one queue", by);
      return;
    }
  if (queue != NULL && (known = csd_storage_queue_get (storage, queue, &error)) == NULL)
    {
      csd_request_reply_error (request, error);
      return;
    }

  if (!csd_storage_metrics (storage, queue, &metrics, &error) ||
      (by != NULL && (figures = csd_storage_case_figures (storage, queue, by, &error)) == NULL))
    {
      csd_request_reply_error (request, error);
      return;
    }

  node = csd_metrics_to_json (&metrics);
  if (by != NULL)
    csd_cohorts_add_to_json (json_node_get_object (node), known, by, figures);
  csd_request_reply_json (request, SOUP_STATUS_OK, node);
}

void
csd_handle_autonomy (CsdServer  *server,
                     CsdRequest *request)
{
  CsdStorage *storage = csd_server_get_storage (server);
  const char *id = csd_request_get_param (request, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsQueue) queue = NULL;
  g_autoptr(GPtrArray) figures = NULL;
  g_autoptr(CsdAutonomy) autonomy = NULL;
  g_autoptr(JsonNode) node = NULL;

  if ((queue = csd_storage_queue_get (storage, id, &error)) == NULL ||
      (figures = csd_storage_case_figures (storage, id, NULL, &error)) == NULL)
    {
      csd_request_reply_error (request, error);
      return;
    }

  autonomy = csd_autonomy_compute (figures, cs_queue_get_policy (queue)->target_error);
  node = csd_autonomy_to_json (autonomy, id);
  csd_request_reply_json (request, SOUP_STATUS_OK, node);
}
