/* csd-request.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-json.h"
#include "csd-error.h"
#include "csd-request.h"

CsdRequest *
csd_request_new (SoupServerMessage *msg)
{
  CsdRequest *request = g_new0 (CsdRequest, 1);

  request->msg = msg;
  request->started = g_get_monotonic_time ();
  return request;
}

void
csd_request_free (CsdRequest *request)
{
  if (request == NULL)
    return;
  g_strfreev (request->params);
  csd_principal_free (request->principal);
  g_clear_pointer (&request->query, g_hash_table_unref);
  g_clear_pointer (&request->body, g_byte_array_unref);
  g_clear_pointer (&request->asset, csd_asset_sink_free);
  g_clear_error (&request->asset_error);
  g_strfreev (request->queues);
  g_free (request);
}

void
csd_request_reply_json (CsdRequest *request,
                        guint       status,
                        JsonNode   *node)
{
  gsize len = 0;
  char *data = cs_json_to_string (node, &len);

  soup_server_message_set_status (request->msg, status, NULL);
  soup_server_message_set_response (request->msg, "application/json", SOUP_MEMORY_TAKE, data, len);
}

static void
reply_error_body (CsdRequest *request,
                  guint       status,
                  const char *code,
                  const char *message)
{
  g_autoptr(JsonObject) obj = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  JsonObject *inner = json_object_new ();

  json_object_set_string_member (inner, "code", code);
  json_object_set_string_member (inner, "message", message);
  json_object_set_object_member (obj, "error", inner);
  node = json_node_init_object (json_node_alloc (), obj);

  if (status == SOUP_STATUS_UNAUTHORIZED)
    soup_message_headers_replace (soup_server_message_get_response_headers (request->msg),
                                  "WWW-Authenticate", "Bearer realm=\"countersign\"");
  csd_request_reply_json (request, status, node);
}

void
csd_request_reply_error (CsdRequest   *request,
                         const GError *error)
{
  const char *code = NULL;
  guint status = csd_error_to_status (error, &code);

  /* The caller learns that it failed; the operator learns why. */
  if (status >= 500)
    {
      g_warning ("%s %s: %s", soup_server_message_get_method (request->msg),
                 g_uri_get_path (soup_server_message_get_uri (request->msg)), error->message);
      reply_error_body (request, status, code, "The server failed; the request may be retried");
      return;
    }
  reply_error_body (request, status, code, error->message);
}

void
csd_request_fail (CsdRequest *request,
                  guint       status,
                  const char *code,
                  const char *format,
                  ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  reply_error_body (request, status, code, message);
}

JsonNode *
csd_request_parse_json (CsdRequest  *request,
                        gboolean     want_object,
                        GError     **error)
{
  JsonNode *node;

  if (request->body_too_large)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_TOO_LARGE,
                   "The body is over the limit of %" G_GINT64_FORMAT " bytes", request->body_limit);
      return NULL;
    }

  node = cs_json_parse (request->body ? (const char *) request->body->data : "",
                        request->body ? request->body->len : 0, error);
  if (node != NULL && want_object && !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, CS_ERROR, CS_ERROR_MALFORMED, "The body must be a JSON object");
      g_clear_pointer (&node, json_node_unref);
    }
  return node;
}

const char *
csd_request_get_query (CsdRequest *request,
                       const char *name)
{
  if (request->query == NULL)
    {
      const char *query = g_uri_get_query (soup_server_message_get_uri (request->msg));

      request->query = query ? soup_form_decode (query)
                             : g_hash_table_new (g_str_hash, g_str_equal);
    }
  return g_hash_table_lookup (request->query, name);
}

const char *
csd_request_get_param (CsdRequest *request,
                       guint       index)
{
  g_return_val_if_fail (request->params != NULL && index < g_strv_length (request->params), NULL);
  return request->params[index];
}

gboolean
csd_request_has_role (CsdRequest *request,
                      CsdRole     role)
{
  return request->principal != NULL && request->principal->role == role;
}

const char * const *
csd_request_get_queues (CsdRequest  *request,
                        CsdStorage  *storage,
                        GError     **error)
{
  if (request->queues == NULL && request->principal != NULL)
    request->queues = csd_storage_principal_queues (storage, request->principal, error);
  return (const char * const *) request->queues;
}
