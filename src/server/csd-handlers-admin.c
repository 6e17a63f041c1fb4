/* csd-handlers-admin.c: queue set-up, withdrawing a case, the outcome export, metrics.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "cs-json.h"
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

void
csd_handle_export (CsdServer  *server,
                   CsdRequest *request)
{
  const char *since_str = csd_request_get_query (request, "since");
  const char *limit_str = csd_request_get_query (request, "limit");
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

  if ((outcomes = csd_storage_outcomes (csd_server_get_storage (server), since, (guint) limit, &error)) == NULL)
    {
      csd_request_reply_error (request, error);
      return;
    }

  lines = csd_outcomes_to_json_lines (outcomes, since, &cursor);
  cursor_str = g_strdup_printf ("%" G_GINT64_FORMAT, cursor);
  soup_message_headers_replace (soup_server_message_get_response_headers (request->msg),
                                "X-Countersign-Cursor", cursor_str);
  soup_server_message_set_status (request->msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (request->msg, "application/x-ndjson", SOUP_MEMORY_TAKE,
                                    lines, strlen (lines));
}

void
csd_handle_metrics (CsdServer  *server,
                    CsdRequest *request)
{
  CsdStorage *storage = csd_server_get_storage (server);
  const char *queue = csd_request_get_query (request, "queue");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  CsdMetrics metrics;

  if (queue != NULL && *queue == '\0')
    queue = NULL;
  if (queue != NULL)
    {
      g_autoptr(CsQueue) known = csd_storage_queue_get (storage, queue, &error);

      if (known == NULL)
        {
          csd_request_reply_error (request, error);
          return;
        }
    }

  if (!csd_storage_metrics (storage, queue, &metrics, &error))
    {
      csd_request_reply_error (request, error);
      return;
    }

  node = csd_metrics_to_json (&metrics);
  csd_request_reply_json (request, SOUP_STATUS_OK, node);
}
