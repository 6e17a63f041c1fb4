/* cs-client.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <fcntl.h>
#include <gio/gunixoutputstream.h>
#include <libsoup/soup.h>

#include "cs-client.h"
#include "cs-json.h"

#define READ_CHUNK (64 * 1024)

struct _CsClient
{
  GObject      parent_instance;

  SoupSession *session;
  GUri        *base_uri;
  char        *base_url;
  char        *token;
  guint        retry_after;
};

G_DEFINE_FINAL_TYPE (CsClient, cs_client, G_TYPE_OBJECT)

void
cs_reviewer_free (CsReviewer *reviewer)
{
  if (reviewer == NULL)
    return;
  g_free (reviewer->reviewer);
  g_free (reviewer->name);
  g_strfreev (reviewer->queues);
  g_free (reviewer->role);
  g_free (reviewer);
}

static void
cohort_free (CsCohort *cohort)
{
  g_free (cohort->value);
  g_free (cohort);
}

void
cs_metrics_free (CsMetrics *metrics)
{
  if (metrics == NULL)
    return;
  g_free (metrics->by);
  g_free (metrics->flag_rule);
  g_clear_pointer (&metrics->cohorts, g_ptr_array_unref);
  g_free (metrics);
}

void
cs_autonomy_report_free (CsAutonomyReport *report)
{
  if (report == NULL)
    return;
  g_free (report->queue);
  g_free (report->target_error_from);
  g_clear_pointer (&report->points, g_array_unref);
  g_free (report->reason);
  g_free (report);
}

void
cs_changes_page_free (CsChangesPage *page)
{
  if (page == NULL)
    return;
  g_clear_pointer (&page->cases, g_ptr_array_unref);
  g_clear_pointer (&page->malformed, g_ptr_array_unref);
  g_free (page->cursor);
  g_free (page);
}

void
cs_claim_free (CsClaim *claim)
{
  if (claim == NULL)
    return;
  g_strfreev (claim->claimed);
  g_clear_pointer (&claim->lease_until, g_date_time_unref);
  g_free (claim);
}

static void
cs_client_finalize (GObject *object)
{
  CsClient *self = CS_CLIENT (object);

  g_clear_object (&self->session);
  g_clear_pointer (&self->base_uri, g_uri_unref);
  g_free (self->base_url);
  if (self->token != NULL)
    memset (self->token, 0, strlen (self->token));
  g_free (self->token);

  G_OBJECT_CLASS (cs_client_parent_class)->finalize (object);
}

static void
cs_client_class_init (CsClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cs_client_finalize;
}

static void
cs_client_init (CsClient *self)
{
  g_autofree char *user_agent = g_strdup_printf ("Countersign/%s", PACKAGE_VERSION);

  self->session = soup_session_new_with_options ("timeout", CS_CLIENT_DEFAULT_TIMEOUT,
                                                 "idle-timeout", 60,
                                                 "user-agent", user_agent,
                                                 NULL);
}

gboolean
cs_client_is_loopback_url (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  g_autoptr(GInetAddress) address = NULL;
  const char *host;

  if (uri == NULL || (host = g_uri_get_host (uri)) == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

CsClient *
cs_client_new (const char  *base_url,
               const char  *token,
               GError     **error)
{
  g_autoptr(CsClient) self = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *scheme;

  g_return_val_if_fail (base_url != NULL, NULL);

  uri = g_uri_parse (base_url, G_URI_FLAGS_NONE, &local_error);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, CS_ERROR, CS_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a server address; it should look like https://review.example.org"), base_url);
      return NULL;
    }

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "https") != 0 && g_ascii_strcasecmp (scheme, "http") != 0)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not an http or https address"), base_url);
      return NULL;
    }
  if (g_ascii_strcasecmp (scheme, "http") == 0 && !cs_client_is_loopback_url (base_url))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_INVALID_ARGUMENT,
                   _("Countersign only talks to servers over https, except on this computer: use https://%s"),
                   g_uri_get_host (uri));
      return NULL;
    }

  self = g_object_new (CS_TYPE_CLIENT, NULL);
  self->base_uri = g_steal_pointer (&uri);
  self->base_url = g_uri_to_string (self->base_uri);
  self->token = g_strdup (token);
  return g_steal_pointer (&self);
}

const char *
cs_client_get_base_url (CsClient *self)
{
  g_return_val_if_fail (CS_IS_CLIENT (self), NULL);
  return self->base_url;
}

void
cs_client_set_token (CsClient   *self,
                     const char *token)
{
  g_return_if_fail (CS_IS_CLIENT (self));
  if (self->token != NULL)
    memset (self->token, 0, strlen (self->token));
  g_free (self->token);
  self->token = g_strdup (token);
}

void
cs_client_set_timeout (CsClient *self,
                       guint     seconds)
{
  g_return_if_fail (CS_IS_CLIENT (self));
  g_object_set (self->session, "timeout", seconds, NULL);
}

guint
cs_client_get_retry_after (CsClient *self)
{
  g_return_val_if_fail (CS_IS_CLIENT (self), 0);
  return self->retry_after;
}

/* Requests */

typedef gpointer (*Decoder) (JsonNode *node, GError **error);

typedef struct
{
  SoupMessage   *msg;
  GInputStream  *stream;
  GByteArray    *body;
  gsize          limit;
  Decoder        decode;
  GDestroyNotify free_result;
  /* for assets */
  GOutputStream *out;
  GChecksum     *checksum;
  char          *tmp_path;
  char          *dest_path;
  char          *sha256;
  goffset        received;
} Request;

static void
request_free (Request *req)
{
  g_clear_object (&req->msg);
  g_clear_object (&req->stream);
  g_clear_pointer (&req->body, g_byte_array_unref);
  g_clear_object (&req->out);
  g_clear_pointer (&req->checksum, g_checksum_free);
  if (req->tmp_path != NULL)
    g_unlink (req->tmp_path);
  g_free (req->tmp_path);
  g_free (req->dest_path);
  g_free (req->sha256);
  g_free (req);
}

static SoupMessage *
new_message (CsClient   *self,
             const char *method,
             const char *path_and_query)
{
  g_autoptr(GUri) uri = NULL;
  SoupMessage *msg;

  uri = g_uri_parse_relative (self->base_uri, path_and_query, G_URI_FLAGS_ENCODED, NULL);
  msg = soup_message_new_from_uri (method, uri);
  soup_message_headers_append (soup_message_get_request_headers (msg), "Accept", "application/json");
  if (self->token != NULL)
    {
      g_autofree char *auth = g_strdup_printf ("Bearer %s", self->token);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
    }
  return msg;
}

static char *
server_error_message (GByteArray *body)
{
  g_autoptr(JsonNode) node = NULL;
  JsonObject *obj, *err;

  if (body == NULL || body->len == 0)
    return NULL;
  node = cs_json_parse ((const char *) body->data, body->len, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  obj = json_node_get_object (node);
  if (!json_object_has_member (obj, "error") || !JSON_NODE_HOLDS_OBJECT (json_object_get_member (obj, "error")))
    return NULL;
  err = json_object_get_object_member (obj, "error");
  if (!json_object_has_member (err, "message"))
    return NULL;
  return g_strdup (json_object_get_string_member_with_default (err, "message", NULL));
}

/* Turns a non-2xx answer into an error the reviewer can act on. */
static GError *
status_error (CsClient    *self,
              SoupMessage *msg,
              GByteArray  *body)
{
  guint status = soup_message_get_status (msg);
  g_autofree char *detail = server_error_message (body);
  const char *reason = detail ? detail : soup_message_get_reason_phrase (msg);
  const char *retry_after;

  self->retry_after = 0;
  retry_after = soup_message_headers_get_one (soup_message_get_response_headers (msg), "Retry-After");
  if (retry_after != NULL)
    {
      guint64 seconds;

      if (g_ascii_string_to_unsigned (retry_after, 10, 0, 24 * 3600, &seconds, NULL))
        self->retry_after = (guint) seconds;
      else
        {
          g_autoptr(GDateTime) when = soup_date_time_new_from_http_string (retry_after);
          g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

          if (when != NULL)
            self->retry_after = (guint) CLAMP (g_date_time_difference (when, now) / G_TIME_SPAN_SECOND, 0, 24 * 3600);
        }
    }

  switch (status)
    {
    case SOUP_STATUS_UNAUTHORIZED:
      return g_error_new (CS_ERROR, CS_ERROR_UNAUTHORIZED,
                          _("The server did not accept your sign-in (%s). Sign in again."), reason);
    case SOUP_STATUS_FORBIDDEN:
      return g_error_new (CS_ERROR, CS_ERROR_FORBIDDEN,
                          _("The server does not allow this for your account: %s"), reason);
    case SOUP_STATUS_NOT_FOUND:
      return g_error_new (CS_ERROR, CS_ERROR_NOT_FOUND, _("Not found on the server: %s"), reason);
    case SOUP_STATUS_CONFLICT:
      return g_error_new (CS_ERROR, CS_ERROR_CONFLICT, _("The server refused a conflicting change: %s"), reason);
    case SOUP_STATUS_REQUEST_TIMEOUT:
    case 429:
      return g_error_new (CS_ERROR, CS_ERROR_UNAVAILABLE, _("The server is busy (%u %s)"), status, reason);
    default:
      if (status >= 500)
        return g_error_new (CS_ERROR, CS_ERROR_UNAVAILABLE, _("The server had a problem (%u %s)"), status, reason);
      return g_error_new (CS_ERROR, CS_ERROR_HTTP, _("The server answered %u: %s"), status, reason);
    }
}

static GError *
transport_error (GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);
  if (error->domain == G_TLS_ERROR)
    return g_error_new (CS_ERROR, CS_ERROR_UNAVAILABLE,
                        _("The server’s identity could not be verified (TLS): %s"), error->message);
  return g_error_new (CS_ERROR, CS_ERROR_UNAVAILABLE, _("The server could not be reached: %s"), error->message);
}

static void
decode_in_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  Request *req = task_data;
  g_autoptr(JsonNode) node = NULL;
  GError *error = NULL;
  gpointer result;

  node = cs_json_parse ((const char *) req->body->data, req->body->len, &error);
  if (node == NULL)
    {
      g_prefix_error (&error, _("The server sent a malformed answer: "));
      g_task_return_error (task, error);
      return;
    }

  result = req->decode (node, &error);
  if (result == NULL && error != NULL)
    {
      g_prefix_error (&error, _("The server sent a malformed answer: "));
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, result, req->free_result);
}

static void read_body_cb (GObject *source, GAsyncResult *result, gpointer user_data);

static void
body_complete (GTask *task)
{
  Request *req = g_task_get_task_data (task);
  CsClient *self = g_task_get_source_object (task);
  guint status = soup_message_get_status (req->msg);

  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      g_task_return_error (task, status_error (self, req->msg, req->body));
      g_object_unref (task);
      return;
    }
  self->retry_after = 0;

  if (req->decode == NULL)
    g_task_return_boolean (task, TRUE);
  else
    g_task_run_in_thread (task, decode_in_thread);
  g_object_unref (task);
}

static void
read_body_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Request *req = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = NULL;

  chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (chunk == NULL)
    {
      g_task_return_error (task, transport_error (error));
      return;
    }

  if (g_bytes_get_size (chunk) == 0)
    {
      body_complete (g_steal_pointer (&task));
      return;
    }

  if (req->body->len + g_bytes_get_size (chunk) > req->limit)
    {
      g_task_return_new_error (task, CS_ERROR, CS_ERROR_TOO_LARGE,
                               _("The server’s answer is larger than %" G_GSIZE_FORMAT " bytes"), req->limit);
      return;
    }

  g_byte_array_append (req->body, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
  g_input_stream_read_bytes_async (req->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), read_body_cb, g_object_ref (task));
}

static void
send_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Request *req = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  goffset length;

  req->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (req->stream == NULL)
    {
      g_task_return_error (task, transport_error (error));
      return;
    }

  length = soup_message_headers_get_content_length (soup_message_get_response_headers (req->msg));
  if (length > 0 && (gsize) length > req->limit)
    {
      g_task_return_new_error (task, CS_ERROR, CS_ERROR_TOO_LARGE,
                               _("The server’s answer is larger than %" G_GSIZE_FORMAT " bytes"), req->limit);
      return;
    }

  req->body = g_byte_array_new ();
  g_input_stream_read_bytes_async (req->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), read_body_cb, g_object_ref (task));
}

static void
send_request (CsClient            *self,
              const char          *method,
              const char          *path,
              JsonNode            *body,
              Decoder              decode,
              GDestroyNotify       free_result,
              gpointer             source_tag,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Request *req = g_new0 (Request, 1);

  g_task_set_source_tag (task, source_tag);
  req->msg = new_message (self, method, path);
  req->limit = CS_JSON_MAX_BYTES;
  req->decode = decode;
  req->free_result = free_result;
  g_task_set_task_data (task, req, (GDestroyNotify) request_free);

  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = cs_json_to_bytes (body);
      soup_message_set_request_body_from_bytes (req->msg, "application/json", bytes);
    }

  soup_session_send_async (self->session, req->msg, G_PRIORITY_DEFAULT, cancellable, send_cb, task);
}

/* Decoders: they run in a worker thread and touch nothing but their input. */

static gpointer
decode_health (JsonNode  *node,
               GError   **error)
{
  g_autofree char *status = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      cs_json_set_error (error, "health", NULL, "expected an object");
      return NULL;
    }
  if (!cs_json_read_string (json_node_get_object (node), "health", "version", TRUE, &status, error))
    return NULL;
  return g_steal_pointer (&status);
}

static gpointer
decode_me (JsonNode  *node,
           GError   **error)
{
  g_autoptr(CsReviewer) me = g_new0 (CsReviewer, 1);
  JsonObject *obj;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      cs_json_set_error (error, "me", NULL, "expected an object");
      return NULL;
    }
  obj = json_node_get_object (node);
  if (!cs_json_read_string (obj, "me", "reviewer", TRUE, &me->reviewer, error) ||
      !cs_json_read_string (obj, "me", "name", FALSE, &me->name, error) ||
      !cs_json_read_strv (obj, "me", "queues", TRUE, &me->queues, error) ||
      !cs_json_read_string (obj, "me", "role", FALSE, &me->role, error))
    return NULL;
  if (me->name == NULL)
    me->name = g_strdup (me->reviewer);
  return g_steal_pointer (&me);
}

static gpointer
decode_queues (JsonNode  *node,
               GError   **error)
{
  g_autoptr(GPtrArray) queues = g_ptr_array_new_with_free_func (g_object_unref);
  JsonArray *arr = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      cs_json_set_error (error, "queues", NULL, "expected an object");
      return NULL;
    }
  if (!cs_json_read_array (json_node_get_object (node), "", "queues", TRUE, &arr, error))
    return NULL;
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      CsQueue *queue = cs_queue_new_from_json (json_array_get_element (arr, i), NULL, error);

      if (queue == NULL)
        {
          g_prefix_error (error, "queues[%u]: ", i);
          return NULL;
        }
      g_ptr_array_add (queues, queue);
    }
  return g_steal_pointer (&queues);
}

static gpointer
decode_claim (JsonNode  *node,
              GError   **error)
{
  g_autoptr(CsClaim) claim = g_new0 (CsClaim, 1);
  JsonObject *obj;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      cs_json_set_error (error, "claims", NULL, "expected an object");
      return NULL;
    }
  obj = json_node_get_object (node);
  if (!cs_json_read_strv (obj, "", "claimed", TRUE, &claim->claimed, error) ||
      !cs_json_read_time (obj, "", "lease_until", FALSE, &claim->lease_until, error))
    return NULL;
  return g_steal_pointer (&claim);
}

static gpointer
decode_changes (JsonNode  *node,
                GError   **error)
{
  g_autoptr(CsChangesPage) page = g_new0 (CsChangesPage, 1);
  JsonArray *arr = NULL;
  JsonObject *obj;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      cs_json_set_error (error, "changes", NULL, "expected an object");
      return NULL;
    }
  obj = json_node_get_object (node);
  if (!cs_json_read_array (obj, "", "cases", TRUE, &arr, error) ||
      !cs_json_read_string (obj, "", "cursor", TRUE, &page->cursor, error) ||
      !cs_json_read_bool (obj, "", "more", FALSE, &page->more, error))
    return NULL;

  page->cases = g_ptr_array_new_with_free_func (g_object_unref);
  page->malformed = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      JsonNode *element = json_array_get_element (arr, i);
      g_autoptr(GError) case_error = NULL;
      CsCase *kase = cs_case_new_from_json (element, CS_CASE_PARSE_CASE, &case_error);

      /* One bad case must not stop the feed: it is reported, the rest stored. */
      if (kase == NULL)
        {
          const char *id = NULL;

          if (JSON_NODE_HOLDS_OBJECT (element))
            id = json_object_get_string_member_with_default (json_node_get_object (element), "id", NULL);
          g_ptr_array_add (page->malformed,
                           g_strdup_printf (_("Malformed case %s: %s"), id ? id : "(no id)", case_error->message));
          continue;
        }
      g_ptr_array_add (page->cases, kase);
    }
  return g_steal_pointer (&page);
}

static gpointer
decode_case (JsonNode  *node,
             GError   **error)
{
  return cs_case_new_from_json (node, CS_CASE_PARSE_CASE, error);
}

static gpointer
decode_results (JsonNode  *node,
                GError   **error)
{
  return cs_decision_results_parse (node, error);
}

/* The oversight figures. Counts may be missing from an older server (0);
 * a ratio that is missing or null stays NAN. */

static gboolean
read_count (JsonObject  *obj,
            const char  *path,
            const char  *member,
            gint64      *out,
            GError     **error)
{
  *out = 0;
  if (!cs_json_read_int (obj, path, member, FALSE, out, error))
    return FALSE;
  if (*out < 0)
    {
      cs_json_set_error (error, path, member, "must not be negative");
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_ratio (JsonObject  *obj,
            const char  *path,
            const char  *member,
            double      *out,
            GError     **error)
{
  *out = NAN;
  if (!cs_json_read_double (obj, path, member, FALSE, out, error))
    return FALSE;
  if (!isnan (*out) && (*out < 0 || *out > 1))
    {
      cs_json_set_error (error, path, member, "must be between 0 and 1");
      return FALSE;
    }
  return TRUE;
}

static CsCohort *
decode_cohort (JsonNode  *node,
               GError   **error)
{
  g_autoptr(GError) local_error = NULL;
  CsCohort *cohort;
  JsonObject *obj;
  JsonNode *value;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      cs_json_set_error (error, "cohorts", NULL, "expected an object");
      return NULL;
    }
  obj = json_node_get_object (node);
  cohort = g_new0 (CsCohort, 1);
  /* Numbers and booleans come as text; be lenient with an older server. */
  value = json_object_get_member (obj, "value");
  if (value != NULL && JSON_NODE_HOLDS_VALUE (value))
    {
      if (json_node_get_value_type (value) == G_TYPE_STRING)
        cohort->value = g_strdup (json_node_get_string (value));
      else
        cohort->value = json_to_string (value, FALSE);
    }
  if (!read_count (obj, "cohort", "n", &cohort->n, &local_error) ||
      !read_count (obj, "cohort", "escalated", &cohort->escalated, &local_error) ||
      !read_ratio (obj, "cohort", "intervention_rate", &cohort->intervention_rate, &local_error) ||
      !read_count (obj, "cohort", "decided", &cohort->decided, &local_error) ||
      !read_ratio (obj, "cohort", "override_rate", &cohort->override_rate, &local_error) ||
      !read_ratio (obj, "cohort", "model_accuracy", &cohort->model_accuracy, &local_error) ||
      !read_ratio (obj, "cohort", "final_accuracy", &cohort->final_accuracy, &local_error) ||
      !read_count (obj, "cohort", "with_truth", &cohort->with_truth, &local_error) ||
      !cs_json_read_bool (obj, "cohort", "flagged", FALSE, &cohort->flagged, &local_error))
    {
      cohort_free (cohort);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return cohort;
}

static gpointer
decode_metrics (JsonNode  *node,
                GError   **error)
{
  g_autoptr(CsMetrics) m = g_new0 (CsMetrics, 1);
  JsonObject *obj, *by_action = NULL, *by_trigger = NULL, *accuracy = NULL, *blind = NULL;
  JsonArray *cohorts = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      cs_json_set_error (error, "metrics", NULL, "expected an object");
      return NULL;
    }
  obj = json_node_get_object (node);
  if (!read_count (obj, "metrics", "predictions", &m->predictions, error) ||
      !read_count (obj, "metrics", "escalated", &m->escalated, error) ||
      !read_count (obj, "metrics", "automated", &m->automated, error) ||
      !read_ratio (obj, "metrics", "intervention_rate", &m->intervention_rate, error) ||
      !read_count (obj, "metrics", "decided", &m->decided, error) ||
      !read_ratio (obj, "metrics", "override_rate", &m->override_rate, error) ||
      !cs_json_read_object (obj, "metrics", "by_action", FALSE, &by_action, error) ||
      !cs_json_read_object (obj, "metrics", "by_trigger", FALSE, &by_trigger, error) ||
      !cs_json_read_object (obj, "metrics", "accuracy", FALSE, &accuracy, error) ||
      !cs_json_read_object (obj, "metrics", "blind_first", FALSE, &blind, error) ||
      !cs_json_read_string (obj, "metrics", "by", FALSE, &m->by, error) ||
      !cs_json_read_string (obj, "metrics", "flag_rule", FALSE, &m->flag_rule, error) ||
      !cs_json_read_array (obj, "metrics", "cohorts", FALSE, &cohorts, error))
    return NULL;

  m->median_duration_ms = NAN;
  m->median_time_to_decision_s = NAN;
  if (!cs_json_read_double (obj, "metrics", "median_duration_ms", FALSE, &m->median_duration_ms, error) ||
      !cs_json_read_double (obj, "metrics", "median_time_to_decision_s", FALSE, &m->median_time_to_decision_s, error))
    return NULL;

  /* Actions and triggers this version does not know are left out, not refused. */
  for (CsAction a = CS_ACTION_ACCEPT; by_action != NULL && a < CS_N_ACTIONS; a++)
    if (!read_count (by_action, "metrics.by_action", cs_action_to_string (a), &m->by_action[a], error))
      return NULL;
  for (CsTriggerKind k = CS_TRIGGER_LOW_CONFIDENCE; by_trigger != NULL && k <= CS_TRIGGER_OTHER; k++)
    if (!read_count (by_trigger, "metrics.by_trigger", cs_trigger_kind_to_string (k), &m->by_trigger[k], error))
      return NULL;
  /* Newer servers say how often each trigger's cases were overridden. */
  {
    JsonObject *overrides = NULL;

    if (!cs_json_read_object (obj, "metrics", "overrides_by_trigger", FALSE, &overrides, error))
      return NULL;
    for (CsTriggerKind k = CS_TRIGGER_LOW_CONFIDENCE; k <= CS_TRIGGER_OTHER; k++)
      {
        const char *name = cs_trigger_kind_to_string (k);
        JsonObject *one = NULL;
        g_autofree char *path = g_strdup_printf ("metrics.overrides_by_trigger.%s", name);

        m->trigger_override_rate[k] = NAN;
        if (overrides == NULL || !json_object_has_member (overrides, name))
          continue;
        if (!cs_json_read_object (overrides, "metrics.overrides_by_trigger", name, TRUE, &one, error) ||
            !read_count (one, path, "decided", &m->trigger_decided[k], error) ||
            !read_count (one, path, "overrides", &m->trigger_overrides[k], error) ||
            !read_ratio (one, path, "override_rate", &m->trigger_override_rate[k], error))
          return NULL;
      }
  }

  m->model_accuracy = m->final_accuracy = NAN;
  m->escalated_model_accuracy = m->escalated_final_accuracy = NAN;
  if (accuracy != NULL &&
      (!read_ratio (accuracy, "metrics.accuracy", "model", &m->model_accuracy, error) ||
       !read_ratio (accuracy, "metrics.accuracy", "final", &m->final_accuracy, error) ||
       !read_ratio (accuracy, "metrics.accuracy", "escalated_model", &m->escalated_model_accuracy, error) ||
       !read_ratio (accuracy, "metrics.accuracy", "escalated_final", &m->escalated_final_accuracy, error) ||
       !read_count (accuracy, "metrics.accuracy", "with_truth", &m->with_truth, error)))
    return NULL;

  m->has_blind_first = blind != NULL;
  m->blind_change_rate = m->blind_initial_accuracy = m->blind_final_accuracy = NAN;
  if (blind != NULL &&
      (!read_count (blind, "metrics.blind_first", "decided", &m->blind_decided, error) ||
       !read_count (blind, "metrics.blind_first", "changed_after_reveal", &m->blind_changed, error) ||
       !read_ratio (blind, "metrics.blind_first", "change_rate", &m->blind_change_rate, error) ||
       !read_ratio (blind, "metrics.blind_first", "initial_accuracy", &m->blind_initial_accuracy, error) ||
       !read_ratio (blind, "metrics.blind_first", "final_accuracy", &m->blind_final_accuracy, error) ||
       !read_count (blind, "metrics.blind_first", "with_truth", &m->blind_with_truth, error)))
    return NULL;

  if (cohorts != NULL)
    {
      m->cohorts = g_ptr_array_new_with_free_func ((GDestroyNotify) cohort_free);
      for (guint i = 0; i < json_array_get_length (cohorts); i++)
        {
          CsCohort *cohort = decode_cohort (json_array_get_element (cohorts, i), error);

          if (cohort == NULL)
            {
              g_prefix_error (error, "cohorts[%u]: ", i);
              return NULL;
            }
          g_ptr_array_add (m->cohorts, cohort);
        }
    }
  return g_steal_pointer (&m);
}

static gboolean
is_number (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) &&
         (json_node_get_value_type (node) == G_TYPE_DOUBLE || json_node_get_value_type (node) == G_TYPE_INT64);
}

static gboolean
read_interval (JsonObject  *obj,
               const char  *member,
               double      *low,
               double      *high,
               GError     **error)
{
  JsonArray *arr = NULL;

  *low = *high = NAN;
  if (!cs_json_read_array (obj, "autonomy.points", member, FALSE, &arr, error))
    return FALSE;
  if (arr == NULL)
    return TRUE;
  if (json_array_get_length (arr) != 2 ||
      !is_number (json_array_get_element (arr, 0)) || !is_number (json_array_get_element (arr, 1)))
    {
      cs_json_set_error (error, "autonomy.points", member, "expected two numbers");
      return FALSE;
    }
  *low = json_array_get_double_element (arr, 0);
  *high = json_array_get_double_element (arr, 1);
  if (!(*low >= 0 && *low <= *high && *high <= 1))
    {
      cs_json_set_error (error, "autonomy.points", member, "expected an interval within 0 and 1");
      return FALSE;
    }
  return TRUE;
}

static gpointer
decode_autonomy (JsonNode  *node,
                 GError   **error)
{
  g_autoptr(CsAutonomyReport) report = g_new0 (CsAutonomyReport, 1);
  JsonArray *points = NULL;
  JsonObject *obj;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      cs_json_set_error (error, "autonomy", NULL, "expected an object");
      return NULL;
    }
  obj = json_node_get_object (node);
  report->target_error = NAN;
  report->recommended_threshold = NAN;
  if (!cs_json_read_string (obj, "autonomy", "queue", FALSE, &report->queue, error) ||
      !read_ratio (obj, "autonomy", "target_error", &report->target_error, error) ||
      !cs_json_read_string (obj, "autonomy", "target_error_from", FALSE, &report->target_error_from, error) ||
      !read_count (obj, "autonomy", "with_truth", &report->with_truth, error) ||
      !read_count (obj, "autonomy", "min_samples", &report->min_samples, error) ||
      !cs_json_read_array (obj, "autonomy", "points", TRUE, &points, error) ||
      !read_ratio (obj, "autonomy", "recommended_threshold", &report->recommended_threshold, error) ||
      !cs_json_read_string (obj, "autonomy", "reason", FALSE, &report->reason, error))
    return NULL;

  report->points = g_array_sized_new (FALSE, TRUE, sizeof (CsAutonomyPoint), json_array_get_length (points));
  for (guint i = 0; i < json_array_get_length (points); i++)
    {
      JsonNode *element = json_array_get_element (points, i);
      CsAutonomyPoint p = { 0 };
      JsonObject *po;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          cs_json_set_error (error, "autonomy", "points", "expected objects");
          return NULL;
        }
      po = json_node_get_object (element);
      if (!cs_json_read_double (po, "autonomy.points", "threshold", TRUE, &p.threshold, error) ||
          !read_ratio (po, "autonomy.points", "intervention_rate", &p.intervention_rate, error) ||
          !read_ratio (po, "autonomy.points", "model_accuracy", &p.model_accuracy, error) ||
          !read_ratio (po, "autonomy.points", "final_accuracy", &p.final_accuracy, error) ||
          !read_interval (po, "ci95", &p.ci95_low, &p.ci95_high, error) ||
          !read_count (po, "autonomy.points", "n", &p.n, error) ||
          !read_count (po, "autonomy.points", "with_truth", &p.with_truth, error) ||
          !read_count (po, "autonomy.points", "left_out", &p.left_out, error))
        {
          g_prefix_error (error, "points[%u]: ", i);
          return NULL;
        }
      if (p.threshold < 0 || p.threshold > 1 ||
          (i > 0 && p.threshold <= g_array_index (report->points, CsAutonomyPoint, i - 1).threshold))
        {
          cs_json_set_error (error, "autonomy.points", "threshold",
                             "expected rising thresholds between 0 and 1 (point %u)", i);
          return NULL;
        }
      g_array_append_val (report->points, p);
    }
  return g_steal_pointer (&report);
}

/* Public calls */

void
cs_client_get_health_async (CsClient            *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (CS_IS_CLIENT (self));
  send_request (self, "GET", "/api/v1/health", NULL, decode_health, g_free,
                cs_client_get_health_async, cancellable, callback, user_data);
}

char *
cs_client_get_health_finish (CsClient      *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
cs_client_get_me_async (CsClient            *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_return_if_fail (CS_IS_CLIENT (self));
  send_request (self, "GET", "/api/v1/me", NULL, decode_me, (GDestroyNotify) cs_reviewer_free,
                cs_client_get_me_async, cancellable, callback, user_data);
}

CsReviewer *
cs_client_get_me_finish (CsClient      *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
cs_client_get_queues_async (CsClient            *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (CS_IS_CLIENT (self));
  send_request (self, "GET", "/api/v1/queues", NULL, decode_queues, (GDestroyNotify) g_ptr_array_unref,
                cs_client_get_queues_async, cancellable, callback, user_data);
}

GPtrArray *
cs_client_get_queues_finish (CsClient      *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
cs_client_claim_async (CsClient            *self,
                       const char          *queue,
                       guint                count,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(JsonObject) obj = json_object_new ();
  g_autoptr(JsonNode) body = NULL;

  g_return_if_fail (CS_IS_CLIENT (self));

  json_object_set_string_member (obj, "queue", queue);
  json_object_set_int_member (obj, "count", count);
  body = json_node_init_object (json_node_alloc (), obj);
  send_request (self, "POST", "/api/v1/claims", body, decode_claim, (GDestroyNotify) cs_claim_free,
                cs_client_claim_async, cancellable, callback, user_data);
}

CsClaim *
cs_client_claim_finish (CsClient      *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
cs_client_release_async (CsClient            *self,
                         const char          *case_id,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autofree char *escaped = g_uri_escape_string (case_id, NULL, FALSE);
  g_autofree char *path = g_strdup_printf ("/api/v1/claims/%s", escaped);

  g_return_if_fail (CS_IS_CLIENT (self));
  send_request (self, "DELETE", path, NULL, NULL, NULL,
                cs_client_release_async, cancellable, callback, user_data);
}

gboolean
cs_client_release_finish (CsClient      *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
cs_client_get_changes_async (CsClient            *self,
                             const char          *since,
                             guint                limit,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (CS_IS_CLIENT (self));

  if (since != NULL)
    {
      g_autofree char *escaped = g_uri_escape_string (since, NULL, FALSE);
      path = g_strdup_printf ("/api/v1/changes?since=%s&limit=%u", escaped, limit);
    }
  else
    path = g_strdup_printf ("/api/v1/changes?limit=%u", limit);

  send_request (self, "GET", path, NULL, decode_changes, (GDestroyNotify) cs_changes_page_free,
                cs_client_get_changes_async, cancellable, callback, user_data);
}

CsChangesPage *
cs_client_get_changes_finish (CsClient      *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
cs_client_get_case_async (CsClient            *self,
                          const char          *case_id,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autofree char *escaped = g_uri_escape_string (case_id, NULL, FALSE);
  g_autofree char *path = g_strdup_printf ("/api/v1/cases/%s", escaped);

  g_return_if_fail (CS_IS_CLIENT (self));
  send_request (self, "GET", path, NULL, decode_case, g_object_unref,
                cs_client_get_case_async, cancellable, callback, user_data);
}

CsCase *
cs_client_get_case_finish (CsClient      *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
cs_client_post_decisions_async (CsClient            *self,
                                GPtrArray           *decisions,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(JsonObject) obj = json_object_new ();
  g_autoptr(JsonNode) body = NULL;
  JsonArray *arr = json_array_sized_new (decisions->len);

  g_return_if_fail (CS_IS_CLIENT (self));
  g_return_if_fail (decisions->len <= CS_CLIENT_MAX_BATCH);

  for (guint i = 0; i < decisions->len; i++)
    json_array_add_element (arr, cs_decision_to_json (g_ptr_array_index (decisions, i)));
  json_object_set_array_member (obj, "decisions", arr);
  body = json_node_init_object (json_node_alloc (), obj);

  send_request (self, "POST", "/api/v1/decisions", body, decode_results, (GDestroyNotify) g_ptr_array_unref,
                cs_client_post_decisions_async, cancellable, callback, user_data);
}

GPtrArray *
cs_client_post_decisions_finish (CsClient      *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Assets: streamed to a private temporary file, hashed on the way. */

static void asset_read_cb (GObject *source, GAsyncResult *result, gpointer user_data);

static void
asset_finish (GTask *task)
{
  Request *req = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  const char *actual;

  if (!g_output_stream_close (req->out, NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  actual = g_checksum_get_string (req->checksum);
  if (!g_str_equal (actual, req->sha256))
    {
      g_task_return_new_error (task, CS_ERROR, CS_ERROR_HASH_MISMATCH,
                               _("The evidence file %.12s… arrived damaged (its SHA-256 is %.12s…); it was not kept"),
                               req->sha256, actual);
      return;
    }

  if (g_rename (req->tmp_path, req->dest_path) != 0)
    {
      int saved = errno;
      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                               _("Could not store the evidence file: %s"), g_strerror (saved));
      return;
    }
  g_clear_pointer (&req->tmp_path, g_free);
  g_task_return_pointer (task, g_strdup (req->dest_path), g_free);
}

static void
asset_write_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Request *req = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_input_stream_read_bytes_async (req->stream, READ_CHUNK, G_PRIORITY_LOW,
                                   g_task_get_cancellable (task), asset_read_cb, g_object_ref (task));
}

static void
asset_read_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Request *req = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = NULL;
  gsize size;
  gconstpointer data;

  chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (chunk == NULL)
    {
      g_task_return_error (task, transport_error (error));
      return;
    }

  data = g_bytes_get_data (chunk, &size);
  if (size == 0)
    {
      asset_finish (task);
      return;
    }

  req->received += size;
  if (req->received > (goffset) req->limit)
    {
      g_task_return_new_error (task, CS_ERROR, CS_ERROR_TOO_LARGE,
                               _("The evidence file is larger than the %" G_GSIZE_FORMAT " bytes allowed"), req->limit);
      return;
    }

  g_checksum_update (req->checksum, data, size);
  /* The chunk is kept alive by the task data until the write completes. */
  g_byte_array_set_size (req->body, 0);
  g_byte_array_append (req->body, data, size);
  g_output_stream_write_all_async (req->out, req->body->data, req->body->len, G_PRIORITY_LOW,
                                   g_task_get_cancellable (task), asset_write_cb, g_object_ref (task));
}

static void
asset_send_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Request *req = g_task_get_task_data (task);
  CsClient *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  guint status;
  int fd;

  req->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (req->stream == NULL)
    {
      g_task_return_error (task, transport_error (error));
      return;
    }

  status = soup_message_get_status (req->msg);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      g_task_return_error (task, status_error (self, req->msg, NULL));
      return;
    }

  if (soup_message_headers_get_content_length (soup_message_get_response_headers (req->msg)) > (goffset) req->limit)
    {
      g_task_return_new_error (task, CS_ERROR, CS_ERROR_TOO_LARGE,
                               _("The evidence file is larger than the %" G_GSIZE_FORMAT " bytes allowed"), req->limit);
      return;
    }

  fd = g_mkstemp_full (req->tmp_path, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;
      g_clear_pointer (&req->tmp_path, g_free);
      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                               _("Could not write the evidence file: %s"), g_strerror (saved));
      return;
    }
  req->out = g_unix_output_stream_new (fd, TRUE);
  req->checksum = g_checksum_new (G_CHECKSUM_SHA256);
  req->body = g_byte_array_new ();
  g_input_stream_read_bytes_async (req->stream, READ_CHUNK, G_PRIORITY_LOW,
                                   g_task_get_cancellable (task), asset_read_cb, g_object_ref (task));
}

void
cs_client_fetch_asset_async (CsClient            *self,
                             const char          *sha256,
                             const char          *dest_dir,
                             goffset              max_bytes,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autofree char *path = NULL;
  GTask *task;
  Request *req;

  g_return_if_fail (CS_IS_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cs_client_fetch_asset_async);

  /* The hash becomes a file name: refuse anything but hex digits. */
  if (!cs_is_sha256 (sha256))
    {
      g_task_return_new_error (task, CS_ERROR, CS_ERROR_INVALID_ARGUMENT, _("“%s” is not a SHA-256"),
                               sha256 ? sha256 : "");
      g_object_unref (task);
      return;
    }

  if (g_mkdir_with_parents (dest_dir, 0700) != 0)
    {
      int saved = errno;
      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                               _("Could not create %s: %s"), dest_dir, g_strerror (saved));
      g_object_unref (task);
      return;
    }

  req = g_new0 (Request, 1);
  req->sha256 = g_strdup (sha256);
  req->limit = (gsize) max_bytes;
  req->dest_path = g_build_filename (dest_dir, sha256, NULL);
  req->tmp_path = g_strdup_printf ("%s/.%s.XXXXXX", dest_dir, sha256);
  path = g_strdup_printf ("/api/v1/assets/%s", sha256);
  req->msg = new_message (self, "GET", path);
  g_task_set_task_data (task, req, (GDestroyNotify) request_free);

  soup_session_send_async (self->session, req->msg, G_PRIORITY_LOW, cancellable, asset_send_cb, task);
}

char *
cs_client_fetch_asset_finish (CsClient      *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
cs_client_get_metrics_async (CsClient            *self,
                             const char          *queue,
                             const char          *by,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (CS_IS_CLIENT (self));
  g_return_if_fail (queue != NULL);

  escaped = g_uri_escape_string (queue, NULL, FALSE);
  if (by != NULL && *by != '\0')
    {
      g_autofree char *escaped_by = g_uri_escape_string (by, NULL, FALSE);
      path = g_strdup_printf ("/api/v1/metrics?queue=%s&by=%s", escaped, escaped_by);
    }
  else
    path = g_strdup_printf ("/api/v1/metrics?queue=%s", escaped);

  send_request (self, "GET", path, NULL, decode_metrics, (GDestroyNotify) cs_metrics_free,
                cs_client_get_metrics_async, cancellable, callback, user_data);
}

CsMetrics *
cs_client_get_metrics_finish (CsClient      *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
cs_client_get_autonomy_async (CsClient            *self,
                              const char          *queue,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (CS_IS_CLIENT (self));
  g_return_if_fail (queue != NULL);

  escaped = g_uri_escape_string (queue, NULL, FALSE);
  path = g_strdup_printf ("/api/v1/queues/%s/autonomy", escaped);
  send_request (self, "GET", path, NULL, decode_autonomy, (GDestroyNotify) cs_autonomy_report_free,
                cs_client_get_autonomy_async, cancellable, callback, user_data);
}

CsAutonomyReport *
cs_client_get_autonomy_finish (CsClient      *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
