/* csd-handlers-reviewer.c: what the workstation calls: me, queues, claims, changes, cases, assets.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "cs-json.h"
#include "csd-error.h"
#include "csd-handlers.h"

#define DEFAULT_CLAIM_COUNT   50
#define MAX_CLAIM_COUNT       500
#define DEFAULT_CHANGES_LIMIT 100
#define MAX_CHANGES_LIMIT     500

gboolean
csd_parse_cursor (const char *str,
                  gint64     *out)
{
  guint64 value;

  if (str == NULL || *str == '\0')
    {
      *out = 0;
      return TRUE;
    }
  for (const char *p = str; *p; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  if (!g_ascii_string_to_unsigned (str, 10, 0, G_MAXINT64, &value, NULL))
    return FALSE;
  *out = (gint64) value;
  return TRUE;
}

static JsonNode *
strv_to_node (const char * const *strv)
{
  g_autoptr(JsonArray) arr = json_array_new ();

  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    json_array_add_string_element (arr, strv[i]);
  return json_node_init_array (json_node_alloc (), arr);
}

void
csd_handle_health (CsdServer  *server,
                   CsdRequest *request)
{
  g_autoptr(JsonObject) obj = json_object_new ();
  g_autoptr(JsonNode) node = NULL;

  json_object_set_string_member (obj, "status", "ok");
  json_object_set_string_member (obj, "version", PACKAGE_VERSION);
  node = json_node_init_object (json_node_alloc (), obj);
  csd_request_reply_json (request, SOUP_STATUS_OK, node);
}

void
csd_handle_me (CsdServer  *server,
               CsdRequest *request)
{
  CsdPrincipal *principal = request->principal;
  g_autoptr(JsonObject) obj = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  const char * const *queues;

  if ((queues = csd_request_get_queues (request, csd_server_get_storage (server), &error)) == NULL)
    {
      csd_request_reply_error (request, error);
      return;
    }

  json_object_set_string_member (obj, "reviewer", principal->name);
  json_object_set_string_member (obj, "name", principal->display_name ? principal->display_name
                                                                      : principal->name);
  json_object_set_member (obj, "queues", strv_to_node (queues));
  json_object_set_string_member (obj, "role", csd_role_to_string (principal->role));
  node = json_node_init_object (json_node_alloc (), obj);
  csd_request_reply_json (request, SOUP_STATUS_OK, node);
}

void
csd_handle_queues (CsdServer  *server,
                   CsdRequest *request)
{
  CsdStorage *storage = csd_server_get_storage (server);
  gboolean admin = csd_request_has_role (request, CSD_ROLE_ADMIN);
  g_autoptr(GPtrArray) queues = NULL;
  g_autoptr(JsonObject) obj = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  const char * const *mine = NULL;
  JsonArray *arr = json_array_new ();

  json_object_set_array_member (obj, "queues", arr);
  if ((queues = csd_storage_queue_list (storage, &error)) == NULL ||
      (!admin && (mine = csd_request_get_queues (request, storage, &error)) == NULL))
    {
      csd_request_reply_error (request, error);
      return;
    }

  /* Routing rules and reviewer lists are the site's business, not the reviewer's. */
  for (guint i = 0; i < queues->len; i++)
    {
      CsQueue *queue = g_ptr_array_index (queues, i);

      if (admin || g_strv_contains (mine, cs_queue_get_id (queue)))
        json_array_add_element (arr, cs_queue_to_json (queue, admin));
    }

  node = json_node_init_object (json_node_alloc (), obj);
  csd_request_reply_json (request, SOUP_STATUS_OK, node);
}

/* 404 for a queue that does not exist, 403 for one the caller does not work. */
static gboolean
check_queue_access (CsdStorage  *storage,
                    CsdRequest  *request,
                    const char  *queue_id,
                    GError     **error)
{
  g_autoptr(CsQueue) queue = NULL;
  const char * const *mine;

  if ((queue = csd_storage_queue_get (storage, queue_id, error)) == NULL ||
      (mine = csd_request_get_queues (request, storage, error)) == NULL)
    return FALSE;
  if (!g_strv_contains (mine, queue_id))
    {
      g_set_error (error, CSD_ERROR, CSD_ERROR_FORBIDDEN, "%s is not a reviewer of queue %s",
                   request->principal->name, queue_id);
      return FALSE;
    }
  return TRUE;
}

void
csd_handle_claim (CsdServer  *server,
                  CsdRequest *request)
{
  CsdStorage *storage = csd_server_get_storage (server);
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *queue = NULL;
  g_autofree char *until_str = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) until = NULL;
  g_autoptr(JsonObject) obj = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_auto(GStrv) claimed = NULL;
  gint64 count = DEFAULT_CLAIM_COUNT;
  JsonObject *in;

  if ((body = csd_request_parse_json (request, TRUE, &error)) == NULL)
    goto fail;
  in = json_node_get_object (body);
  if (!cs_json_read_string (in, "", "queue", TRUE, &queue, &error) ||
      !cs_json_read_int (in, "", "count", FALSE, &count, &error))
    goto fail;
  if (count < 1 || count > MAX_CLAIM_COUNT)
    {
      csd_request_fail (request, SOUP_STATUS_BAD_REQUEST, "malformed",
                        "count: must be between 1 and %d", MAX_CLAIM_COUNT);
      return;
    }
  if (!check_queue_access (storage, request, queue, &error))
    goto fail;

  /* Whole seconds, as the wire writes them, rounded up: a lease is never
   * shorter than the server promises. */
  until = g_date_time_add_seconds (now, (double) csd_server_get_lease_seconds (server) +
                                   (g_date_time_get_microsecond (now) > 0
                                    ? 1.0 - g_date_time_get_microsecond (now) / 1e6 : 0.0));
  claimed = csd_storage_claim (storage, queue, request->principal->name, (guint) count,
                               now, until, &error);
  if (claimed == NULL)
    goto fail;

  until_str = cs_format_time (until);
  json_object_set_member (obj, "claimed", strv_to_node ((const char * const *) claimed));
  json_object_set_string_member (obj, "lease_until", until_str);
  node = json_node_init_object (json_node_alloc (), obj);
  csd_request_reply_json (request, SOUP_STATUS_OK, node);
  return;

fail:
  csd_request_reply_error (request, error);
}

void
csd_handle_release (CsdServer  *server,
                    CsdRequest *request)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(CsCase) kase = NULL;
  g_autoptr(JsonObject) obj = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  const char *id = csd_request_get_param (request, 0);

  kase = csd_storage_release (csd_server_get_storage (server), id, request->principal->name, now, &error);
  if (kase == NULL)
    {
      csd_request_reply_error (request, error);
      return;
    }

  json_object_set_string_member (obj, "released", id);
  json_object_set_member (obj, "case", cs_case_to_json (kase));
  node = json_node_init_object (json_node_alloc (), obj);
  csd_request_reply_json (request, SOUP_STATUS_OK, node);
}

void
csd_handle_changes (CsdServer  *server,
                    CsdRequest *request)
{
  const char *since_str = csd_request_get_query (request, "since");
  const char *limit_str = csd_request_get_query (request, "limit");
  g_autoptr(GPtrArray) cases = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) obj = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *cursor_str = NULL;
  gint64 since, cursor;
  gint64 limit = DEFAULT_CHANGES_LIMIT;
  gboolean more = FALSE;
  JsonArray *arr;

  if (!csd_parse_cursor (since_str, &since))
    {
      csd_request_fail (request, SOUP_STATUS_BAD_REQUEST, "malformed",
                        "since: “%s” is not a cursor this server gave", since_str);
      return;
    }
  if (limit_str != NULL && !g_ascii_string_to_signed (limit_str, 10, 1, G_MAXINT32, &limit, NULL))
    {
      csd_request_fail (request, SOUP_STATUS_BAD_REQUEST, "malformed",
                        "limit: expected a whole number from 1 to %d", MAX_CHANGES_LIMIT);
      return;
    }
  limit = MIN (limit, MAX_CHANGES_LIMIT);

  cases = csd_storage_changes (csd_server_get_storage (server), request->principal->name,
                               since, (guint) limit, &cursor, &more, &error);
  if (cases == NULL)
    {
      csd_request_reply_error (request, error);
      return;
    }

  arr = json_array_sized_new (cases->len);
  for (guint i = 0; i < cases->len; i++)
    json_array_add_element (arr, cs_case_to_json (g_ptr_array_index (cases, i)));
  cursor_str = g_strdup_printf ("%" G_GINT64_FORMAT, cursor);
  json_object_set_array_member (obj, "cases", arr);
  json_object_set_string_member (obj, "cursor", cursor_str);
  json_object_set_boolean_member (obj, "more", more);
  node = json_node_init_object (json_node_alloc (), obj);
  csd_request_reply_json (request, SOUP_STATUS_OK, node);
}

void
csd_handle_case (CsdServer  *server,
                 CsdRequest *request)
{
  CsdStorage *storage = csd_server_get_storage (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsCase) kase = NULL;
  g_autoptr(JsonNode) node = NULL;

  if ((kase = csd_storage_case_get (storage, csd_request_get_param (request, 0), &error)) == NULL)
    {
      csd_request_reply_error (request, error);
      return;
    }

  if (csd_request_has_role (request, CSD_ROLE_REVIEWER))
    {
      const char * const *mine = csd_request_get_queues (request, storage, &error);

      if (mine == NULL)
        {
          csd_request_reply_error (request, error);
          return;
        }
      if (!g_strv_contains (mine, cs_case_get_queue (kase)))
        {
          csd_request_fail (request, SOUP_STATUS_FORBIDDEN, "forbidden",
                            "Case %s is in queue %s, which is not one of yours",
                            cs_case_get_id (kase), cs_case_get_queue (kase));
          return;
        }
    }

  node = cs_case_to_json (kase);
  csd_request_reply_json (request, SOUP_STATUS_OK, node);
}

/* Whether an If-None-Match header names @etag (or is "*"). */
static gboolean
etag_matches (const char *header,
              const char *etag)
{
  g_auto(GStrv) tags = NULL;

  if (header == NULL)
    return FALSE;
  tags = g_strsplit (header, ",", -1);
  for (guint i = 0; tags[i] != NULL; i++)
    {
      const char *tag = g_strstrip (tags[i]);

      if (g_str_has_prefix (tag, "W/"))
        tag += 2;
      if (g_str_equal (tag, "*") || g_str_equal (tag, etag))
        return TRUE;
    }
  return FALSE;
}

void
csd_handle_asset_get (CsdServer  *server,
                      CsdRequest *request)
{
  CsdStorage *storage = csd_server_get_storage (server);
  const char *sha256 = csd_request_get_param (request, 0);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (request->msg);
  g_autoptr(GError) error = NULL;
  g_autofree char *media_type = NULL;
  g_autofree char *etag = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gint64 size = 0;

  if (!cs_is_sha256 (sha256))
    {
      csd_request_fail (request, SOUP_STATUS_NOT_FOUND, "not_found", "There is no asset %s", sha256);
      return;
    }

  if (csd_request_has_role (request, CSD_ROLE_REVIEWER))
    {
      const char * const *mine = csd_request_get_queues (request, storage, &error);
      gboolean visible;

      if (mine == NULL)
        {
          csd_request_reply_error (request, error);
          return;
        }
      visible = csd_storage_asset_in_queues (storage, sha256, mine, &error);
      if (error != NULL)
        {
          csd_request_reply_error (request, error);
          return;
        }
      /* An asset of someone else's queue does not exist, as far as the caller knows. */
      if (!visible)
        {
          csd_request_fail (request, SOUP_STATUS_NOT_FOUND, "not_found", "There is no asset %s", sha256);
          return;
        }
    }

  if (!csd_storage_asset_get (storage, sha256, &media_type, &size, &error))
    {
      csd_request_reply_error (request, error);
      return;
    }

  etag = g_strdup_printf ("\"%s\"", sha256);
  soup_message_headers_replace (headers, "ETag", etag);
  soup_message_headers_replace (headers, "Cache-Control", "private, max-age=31536000, immutable");

  if (etag_matches (soup_message_headers_get_list (soup_server_message_get_request_headers (request->msg),
                                                   "If-None-Match"), etag))
    {
      soup_server_message_set_status (request->msg, SOUP_STATUS_NOT_MODIFIED, NULL);
      return;
    }

  path = csd_asset_path (csd_server_get_assets_dir (server), sha256);
  if ((mapped = g_mapped_file_new (path, FALSE, &error)) == NULL)
    {
      g_autoptr(GError) unreadable = g_error_new (CSD_ERROR, CSD_ERROR_STORAGE,
                                                  "Asset %s is recorded but its file is unreadable: %s",
                                                  sha256, error->message);
      csd_request_reply_error (request, unreadable);
      return;
    }

  bytes = g_mapped_file_get_bytes (mapped);
  soup_message_headers_replace (headers, "Content-Type", media_type);
  soup_server_message_set_status (request->msg, SOUP_STATUS_OK, NULL);
  soup_message_body_append_bytes (soup_server_message_get_response_body (request->msg), bytes);
}
