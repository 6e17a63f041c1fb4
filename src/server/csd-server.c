/* csd-server.c: routing requests to handlers, tokens, bounded bodies, one log line each.
 *
 * A request passes three stages. When its headers are in (the "early"
 * handler), the endpoint is found, the token checked and the body's sink set
 * up, so that a request refused for its token or its size never has its body
 * kept. When the body is in, the endpoint's handler runs. When the answer is
 * written, one line goes to the log.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <glib/gstdio.h>

#include "cs-json.h"
#include "csd-error.h"
#include "csd-handlers.h"
#include "csd-outcome-waiters.h"
#include "csd-overdue.h"
#include "csd-webhooks.h"
#include "csd-request.h"
#include "csd-server.h"
#include "csd-token.h"

#define REQUEST_KEY "csd-request"
#define ANY_ROLE (CSD_ALLOW_REVIEWER | CSD_ALLOW_MODEL | CSD_ALLOW_ADMIN)

static const CsdEndpoint endpoints[] = {
  { "GET",    "/api/v1/health",            0,                                  CSD_BODY_JSON,  csd_handle_health },
  { "GET",    "/api/v1/me",                ANY_ROLE,                           CSD_BODY_JSON,  csd_handle_me },
  { "GET",    "/api/v1/queues",            CSD_ALLOW_REVIEWER | CSD_ALLOW_ADMIN, CSD_BODY_JSON, csd_handle_queues },
  { "PUT",    "/api/v1/queues/{}",         CSD_ALLOW_ADMIN,                    CSD_BODY_JSON,  csd_handle_queue_put },
  { "POST",   "/api/v1/claims",            CSD_ALLOW_REVIEWER,                 CSD_BODY_JSON,  csd_handle_claim },
  { "DELETE", "/api/v1/claims/{}",         CSD_ALLOW_REVIEWER,                 CSD_BODY_JSON,  csd_handle_release },
  { "GET",    "/api/v1/changes",           CSD_ALLOW_REVIEWER,                 CSD_BODY_JSON,  csd_handle_changes },
  { "GET",    "/api/v1/cases/{}",          CSD_ALLOW_REVIEWER | CSD_ALLOW_ADMIN, CSD_BODY_JSON, csd_handle_case },
  { "POST",   "/api/v1/cases/{}/withdraw", CSD_ALLOW_ADMIN,                    CSD_BODY_JSON,  csd_handle_withdraw },
  { "PUT",    "/api/v1/cases/{}/truth",    CSD_ALLOW_MODEL | CSD_ALLOW_ADMIN,  CSD_BODY_JSON,  csd_handle_truth },
  { "GET",    "/api/v1/cases/{}/outcome",  CSD_ALLOW_MODEL | CSD_ALLOW_ADMIN,  CSD_BODY_JSON,  csd_handle_outcome },
  { "GET",    "/api/v1/assets/{}",         CSD_ALLOW_REVIEWER | CSD_ALLOW_ADMIN, CSD_BODY_JSON, csd_handle_asset_get },
  { "PUT",    "/api/v1/assets/{}",         CSD_ALLOW_MODEL,                    CSD_BODY_ASSET, csd_handle_asset_put },
  { "POST",   "/api/v1/decisions",         CSD_ALLOW_REVIEWER,                 CSD_BODY_JSON,  csd_handle_decisions },
  { "POST",   "/api/v1/predictions",       CSD_ALLOW_MODEL,                    CSD_BODY_JSON,  csd_handle_predictions },
  { "GET",    "/api/v1/export/outcomes",   CSD_ALLOW_ADMIN,                    CSD_BODY_JSON,  csd_handle_export },
  { "GET",    "/api/v1/metrics",           CSD_ALLOW_ADMIN,                    CSD_BODY_JSON,  csd_handle_metrics },
  { "GET",    "/api/v1/queues/{}/autonomy", CSD_ALLOW_ADMIN,                   CSD_BODY_JSON,  csd_handle_autonomy },
};

struct _CsdServer
{
  GObject        parent_instance;

  SoupServer    *soup;
  CsdStorage    *storage;
  char          *data_dir;
  char          *assets_dir;
  gint64         lease_seconds;
  gint64         max_asset_bytes;
  CsdRandomFunc  random;
  gpointer       random_data;
  gboolean       tls;
  guint          sweep_source;
  CsdOutcomeWaiters *waiters;
  CsdWebhooks   *webhooks;
};

G_DEFINE_FINAL_TYPE (CsdServer, csd_server, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STORAGE,
  PROP_DATA_DIR,
  PROP_LEASE_SECONDS,
  PROP_MAX_ASSET_BYTES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Matching */

/* Matches @path against @pattern; the {} segments are collected in *params. */
static gboolean
match_pattern (const char  *pattern,
               const char  *path,
               char      ***params)
{
  g_auto(GStrv) want = g_strsplit (pattern, "/", -1);
  g_auto(GStrv) have = g_strsplit (path, "/", -1);
  g_autoptr(GStrvBuilder) captured = g_strv_builder_new ();

  if (g_strv_length (want) != g_strv_length (have))
    return FALSE;

  for (guint i = 0; want[i] != NULL; i++)
    {
      if (g_str_equal (want[i], "{}"))
        {
          if (*have[i] == '\0')
            return FALSE;
          g_strv_builder_add (captured, have[i]);
        }
      else if (!g_str_equal (want[i], have[i]))
        return FALSE;
    }

  *params = g_strv_builder_end (captured);
  return TRUE;
}

static const CsdEndpoint *
find_endpoint (const char   *method,
               const char   *path,
               char       ***params,
               GString      *allowed)
{
  for (guint i = 0; i < G_N_ELEMENTS (endpoints); i++)
    {
      g_auto(GStrv) captured = NULL;

      if (!match_pattern (endpoints[i].pattern, path, &captured))
        continue;
      if (g_str_equal (endpoints[i].method, method))
        {
          *params = g_steal_pointer (&captured);
          return &endpoints[i];
        }
      if (allowed->len > 0)
        g_string_append (allowed, ", ");
      g_string_append (allowed, endpoints[i].method);
    }
  return NULL;
}

/* Stages of a request */

static void
request_started_cb (SoupServer        *soup,
                    SoupServerMessage *msg,
                    CsdServer         *self)
{
  g_object_set_data_full (G_OBJECT (msg), REQUEST_KEY, csd_request_new (msg),
                          (GDestroyNotify) csd_request_free);
}

static CsdRequest *
request_of (SoupServerMessage *msg)
{
  return g_object_get_data (G_OBJECT (msg), REQUEST_KEY);
}

static CsdPrincipal *
authenticate (CsdServer          *self,
              SoupServerMessage  *msg,
              GError            **error)
{
  const char *header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "Authorization");
  g_autofree char *hash = NULL;
  const char *token;

  if (header == NULL)
    {
      g_set_error_literal (error, CSD_ERROR, CSD_ERROR_UNAUTHORIZED,
                           "This needs a token: Authorization: Bearer <token>");
      return NULL;
    }
  if (g_ascii_strncasecmp (header, "Bearer ", 7) != 0)
    {
      g_set_error_literal (error, CSD_ERROR, CSD_ERROR_UNAUTHORIZED,
                           "The Authorization header must be \"Bearer <token>\"");
      return NULL;
    }

  token = header + 7;
  while (*token == ' ')
    token++;
  hash = csd_token_hash (token);
  return csd_storage_token_lookup (self->storage, hash, error);
}

static void
got_chunk_cb (SoupServerMessage *msg,
              GBytes            *chunk,
              CsdRequest        *request)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (chunk, &len);

  /* The answer is already given (401, 413, …): the rest is read and dropped. */
  if (soup_server_message_get_status (msg) != 0)
    return;

  if (request->asset != NULL)
    {
      if (request->asset_error == NULL)
        csd_asset_sink_write (request->asset, data, len, &request->asset_error);
      else
        csd_asset_sink_write (request->asset, data, len, NULL);  /* only counted */
      return;
    }

  if (request->body_too_large || (gint64) (request->body->len + len) > request->body_limit)
    {
      /* Past the limit the bytes are read and dropped: memory stays bounded. */
      request->body_too_large = TRUE;
      g_byte_array_set_size (request->body, 0);
      return;
    }
  g_byte_array_append (request->body, data, len);
}

static void
early_handler (SoupServer        *soup,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  CsdServer *self = user_data;
  CsdRequest *request = request_of (msg);
  g_autoptr(GString) allowed = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *method = soup_server_message_get_method (msg);
  goffset content_length;

  if (request == NULL)
    return;

  /* Whatever happens, the body is never accumulated by libsoup. */
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  request->body = g_byte_array_new ();
  request->body_limit = CS_JSON_MAX_BYTES;
  g_signal_connect (msg, "got-chunk", G_CALLBACK (got_chunk_cb), request);

  request->endpoint = find_endpoint (method, path, &request->params, allowed);
  if (request->endpoint == NULL)
    {
      if (allowed->len > 0)
        {
          soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", allowed->str);
          csd_request_fail (request, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed",
                            "%s is not allowed here; use %s", method, allowed->str);
        }
      else
        csd_request_fail (request, SOUP_STATUS_NOT_FOUND, "not_found", "There is no endpoint %s", path);
      return;
    }

  if (request->endpoint->allow != 0)
    {
      request->principal = authenticate (self, msg, &error);
      if (request->principal == NULL)
        {
          csd_request_reply_error (request, error);
          return;
        }
      if ((request->endpoint->allow & (1u << request->principal->role)) == 0)
        {
          csd_request_fail (request, SOUP_STATUS_FORBIDDEN, "forbidden",
                            "A %s token may not call %s %s",
                            csd_role_to_string (request->principal->role), method,
                            request->endpoint->pattern);
          return;
        }
    }

  if (request->endpoint->body == CSD_BODY_ASSET)
    request->body_limit = self->max_asset_bytes;

  content_length = soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH
                   ? soup_message_headers_get_content_length (headers) : -1;
  if (content_length > request->body_limit)
    {
      csd_request_fail (request, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "too_large",
                        "The body of %" G_GOFFSET_FORMAT " bytes is over the limit of %"
                        G_GINT64_FORMAT " bytes", content_length, request->body_limit);
      return;
    }

  if (request->endpoint->body == CSD_BODY_ASSET)
    {
      /* Only a valid hash gets a file: the check is cheap, the file is not. */
      if (!cs_is_sha256 (request->params[0]))
        {
          csd_request_fail (request, SOUP_STATUS_BAD_REQUEST, "malformed",
                            "An asset is named by its sha256: 64 lowercase hexadecimal digits");
          return;
        }
      request->asset = csd_asset_sink_new (self->assets_dir, request->body_limit, &error);
      if (request->asset == NULL)
        csd_request_reply_error (request, error);
    }
}

static void
handler (SoupServer        *soup,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  CsdServer *self = user_data;
  CsdRequest *request = request_of (msg);

  if (request == NULL || request->endpoint == NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL);
      return;
    }

  request->endpoint->handler (self, request);

  /* A held request is answered later, by the waiters. */
  if (soup_server_message_get_status (msg) == 0 && !csd_outcome_waiters_holds (self->waiters, msg))
    {
      g_warning ("%s %s: the handler gave no answer", soup_server_message_get_method (msg), path);
      soup_server_message_set_status (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL);
    }
}

/* One line per request, never with its query (which could carry anything)
 * nor its token. */
static void
log_request (SoupServerMessage *msg,
             gboolean           aborted)
{
  CsdRequest *request = request_of (msg);
  GUri *uri = soup_server_message_get_uri (msg);
  const char *method = soup_server_message_get_method (msg);
  double ms = request ? (g_get_monotonic_time () - request->started) / 1000.0 : 0;
  const char *caller = request && request->principal ? request->principal->name : "-";

  g_message ("%s %s %u %.1fms %s%s", method ? method : "-", uri ? g_uri_get_path (uri) : "-",
             soup_server_message_get_status (msg), ms, caller, aborted ? " (aborted)" : "");
}

static void
request_finished_cb (SoupServer        *soup,
                     SoupServerMessage *msg,
                     CsdServer         *self)
{
  log_request (msg, FALSE);
}

static void
request_aborted_cb (SoupServer        *soup,
                    SoupServerMessage *msg,
                    CsdServer         *self)
{
  log_request (msg, TRUE);
}

/* The object */

static void
csd_server_constructed (GObject *object)
{
  CsdServer *self = CSD_SERVER (object);

  G_OBJECT_CLASS (csd_server_parent_class)->constructed (object);

  self->assets_dir = g_build_filename (self->data_dir, "assets", NULL);
  self->waiters = csd_outcome_waiters_new (self->storage);
  self->webhooks = csd_webhooks_new (self->storage);
  self->soup = soup_server_new ("server-header", "countersign-server/" PACKAGE_VERSION " ", NULL);

  soup_server_add_early_handler (self->soup, NULL, early_handler, self, NULL);
  soup_server_add_handler (self->soup, NULL, handler, self, NULL);
  g_signal_connect_object (self->soup, "request-started", G_CALLBACK (request_started_cb), self, 0);
  g_signal_connect_object (self->soup, "request-finished", G_CALLBACK (request_finished_cb), self, 0);
  g_signal_connect_object (self->soup, "request-aborted", G_CALLBACK (request_aborted_cb), self, 0);
}

static void
csd_server_dispose (GObject *object)
{
  CsdServer *self = CSD_SERVER (object);

  g_clear_handle_id (&self->sweep_source, g_source_remove);
  if (self->soup != NULL)
    soup_server_disconnect (self->soup);
  g_clear_object (&self->soup);
  g_clear_object (&self->waiters);
  g_clear_object (&self->webhooks);
  g_clear_object (&self->storage);

  G_OBJECT_CLASS (csd_server_parent_class)->dispose (object);
}

static void
csd_server_finalize (GObject *object)
{
  CsdServer *self = CSD_SERVER (object);

  g_free (self->data_dir);
  g_free (self->assets_dir);

  G_OBJECT_CLASS (csd_server_parent_class)->finalize (object);
}

static void
csd_server_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  CsdServer *self = CSD_SERVER (object);

  switch (prop_id)
    {
    case PROP_STORAGE:
      g_value_set_object (value, self->storage);
      break;
    case PROP_DATA_DIR:
      g_value_set_string (value, self->data_dir);
      break;
    case PROP_LEASE_SECONDS:
      g_value_set_int64 (value, self->lease_seconds);
      break;
    case PROP_MAX_ASSET_BYTES:
      g_value_set_int64 (value, self->max_asset_bytes);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
csd_server_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  CsdServer *self = CSD_SERVER (object);

  switch (prop_id)
    {
    case PROP_STORAGE:
      self->storage = g_value_dup_object (value);
      break;
    case PROP_DATA_DIR:
      self->data_dir = g_value_dup_string (value);
      break;
    case PROP_LEASE_SECONDS:
      csd_server_set_lease_seconds (self, g_value_get_int64 (value));
      break;
    case PROP_MAX_ASSET_BYTES:
      csd_server_set_max_asset_bytes (self, g_value_get_int64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
csd_server_class_init (CsdServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = csd_server_constructed;
  object_class->dispose = csd_server_dispose;
  object_class->finalize = csd_server_finalize;
  object_class->get_property = csd_server_get_property;
  object_class->set_property = csd_server_set_property;

  properties[PROP_STORAGE] =
    g_param_spec_object ("storage", NULL, NULL, CSD_TYPE_STORAGE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DATA_DIR] =
    g_param_spec_string ("data-dir", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LEASE_SECONDS] =
    g_param_spec_int64 ("lease-seconds", NULL, NULL, 0, G_MAXINT32, CSD_DEFAULT_LEASE_SECONDS,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MAX_ASSET_BYTES] =
    g_param_spec_int64 ("max-asset-bytes", NULL, NULL, 0, G_MAXINT64, CSD_DEFAULT_MAX_ASSET_BYTES,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
csd_server_init (CsdServer *self)
{
  self->lease_seconds = CSD_DEFAULT_LEASE_SECONDS;
  self->max_asset_bytes = CSD_DEFAULT_MAX_ASSET_BYTES;
  self->random = csd_routing_random_default;
}

CsdServer *
csd_server_new (CsdStorage *storage,
                const char *data_dir)
{
  g_return_val_if_fail (CSD_IS_STORAGE (storage), NULL);
  g_return_val_if_fail (data_dir != NULL, NULL);

  return g_object_new (CSD_TYPE_SERVER, "storage", storage, "data-dir", data_dir, NULL);
}

CsdStorage *
csd_server_get_storage (CsdServer *self)
{
  g_return_val_if_fail (CSD_IS_SERVER (self), NULL);
  return self->storage;
}

const char *
csd_server_get_data_dir (CsdServer *self)
{
  g_return_val_if_fail (CSD_IS_SERVER (self), NULL);
  return self->data_dir;
}

const char *
csd_server_get_assets_dir (CsdServer *self)
{
  g_return_val_if_fail (CSD_IS_SERVER (self), NULL);
  return self->assets_dir;
}

gint64
csd_server_get_lease_seconds (CsdServer *self)
{
  g_return_val_if_fail (CSD_IS_SERVER (self), 0);
  return self->lease_seconds;
}

void
csd_server_set_lease_seconds (CsdServer *self,
                              gint64     seconds)
{
  g_return_if_fail (CSD_IS_SERVER (self));
  seconds = CLAMP (seconds, 0, G_MAXINT32);
  if (self->lease_seconds == seconds)
    return;
  self->lease_seconds = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LEASE_SECONDS]);
}

gint64
csd_server_get_max_asset_bytes (CsdServer *self)
{
  g_return_val_if_fail (CSD_IS_SERVER (self), 0);
  return self->max_asset_bytes;
}

void
csd_server_set_max_asset_bytes (CsdServer *self,
                                gint64     bytes)
{
  g_return_if_fail (CSD_IS_SERVER (self));
  bytes = MAX (bytes, 0);
  if (self->max_asset_bytes == bytes)
    return;
  self->max_asset_bytes = bytes;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_ASSET_BYTES]);
}

void
csd_server_set_random (CsdServer     *self,
                       CsdRandomFunc  random,
                       gpointer       random_data)
{
  g_return_if_fail (CSD_IS_SERVER (self));
  self->random = random ? random : csd_routing_random_default;
  self->random_data = random ? random_data : NULL;
}

double
csd_server_draw_random (CsdServer *self)
{
  return self->random (self->random_data);
}

gboolean
csd_server_set_tls_files (CsdServer   *self,
                          const char  *cert_file,
                          const char  *key_file,
                          GError     **error)
{
  g_autoptr(GTlsCertificate) cert = NULL;

  g_return_val_if_fail (CSD_IS_SERVER (self), FALSE);

  cert = g_tls_certificate_new_from_files (cert_file, key_file, error);
  if (cert == NULL)
    return FALSE;
  soup_server_set_tls_certificate (self->soup, cert);
  self->tls = TRUE;
  return TRUE;
}

static GInetSocketAddress *
parse_listen_address (const char  *address,
                      GError     **error)
{
  g_autofree char *host = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  const char *port_str;
  guint64 port;

  if (address[0] == '[')
    {
      const char *close = strchr (address, ']');

      if (close == NULL || close[1] != ':')
        goto bad;
      host = g_strndup (address + 1, close - address - 1);
      port_str = close + 2;
    }
  else
    {
      const char *colon = strrchr (address, ':');

      if (colon == NULL)
        goto bad;
      host = g_strndup (address, colon - address);
      port_str = colon + 1;
    }

  if (!g_ascii_string_to_unsigned (port_str, 10, 0, 65535, &port, NULL))
    goto bad;

  if (g_str_equal (host, "localhost"))
    inet = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  else
    inet = g_inet_address_new_from_string (host);
  if (inet == NULL)
    goto bad;

  return G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (inet, (guint16) port));

bad:
  g_set_error (error, CSD_ERROR, CSD_ERROR_USAGE,
               "The listen address “%s” is not HOST:PORT with an IP address (127.0.0.1:8765, [::1]:8765)",
               address);
  return NULL;
}

/* A crash in the middle of an upload leaves its temporary file behind. Only
 * old ones go: a younger one may belong to an upload under way. */
static void
remove_stale_uploads (const char *assets_dir)
{
  g_autoptr(GDir) dir = g_dir_open (assets_dir, 0, NULL);
  gint64 cutoff = g_get_real_time () / G_USEC_PER_SEC - 3600;
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      GStatBuf st;

      if (!g_str_has_prefix (name, ".upload-"))
        continue;
      path = g_build_filename (assets_dir, name, NULL);
      if (g_stat (path, &st) == 0 && st.st_mtime < cutoff)
        g_unlink (path);
    }
}

char *
csd_server_listen (CsdServer   *self,
                   const char  *address,
                   gboolean    *is_loopback,
                   GError     **error)
{
  g_autoptr(GInetSocketAddress) sockaddr = NULL;
  GSList *uris;
  char *url = NULL;

  g_return_val_if_fail (CSD_IS_SERVER (self), NULL);

  if ((sockaddr = parse_listen_address (address, error)) == NULL)
    return NULL;
  remove_stale_uploads (self->assets_dir);
  if (is_loopback != NULL)
    *is_loopback = g_inet_address_get_is_loopback (g_inet_socket_address_get_address (sockaddr));

  if (!soup_server_listen (self->soup, G_SOCKET_ADDRESS (sockaddr),
                           self->tls ? SOUP_SERVER_LISTEN_HTTPS : 0, error))
    return NULL;

  uris = soup_server_get_uris (self->soup);
  if (uris != NULL)
    url = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  if (url == NULL)
    g_set_error_literal (error, CSD_ERROR, CSD_ERROR_STORAGE, "The server listens on no address");
  return url;
}

static gboolean
sweep_cb (gpointer user_data)
{
  CsdServer *self = user_data;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GError) error = NULL;

  /* A failed sweep (the database busy) is tried again at the next tick. */
  if (csd_overdue_sweep (self->storage, now, &error) < 0)
    g_warning ("The overdue sweep failed: %s", error->message);
  return G_SOURCE_CONTINUE;
}

CsdWebhooks *
csd_server_get_webhooks (CsdServer *self)
{
  g_return_val_if_fail (CSD_IS_SERVER (self), NULL);
  return self->webhooks;
}

CsdOutcomeWaiters *
csd_server_get_outcome_waiters (CsdServer *self)
{
  g_return_val_if_fail (CSD_IS_SERVER (self), NULL);
  return self->waiters;
}

void
csd_server_start_overdue_sweeps (CsdServer *self,
                                 guint      seconds)
{
  g_return_if_fail (CSD_IS_SERVER (self));

  g_clear_handle_id (&self->sweep_source, g_source_remove);
  if (seconds == 0)
    return;
  sweep_cb (self);
  self->sweep_source = g_timeout_add_seconds (seconds, sweep_cb, self);
}

void
csd_server_disconnect (CsdServer *self)
{
  g_return_if_fail (CSD_IS_SERVER (self));
  csd_outcome_waiters_flush (self->waiters);
  soup_server_disconnect (self->soup);
}
