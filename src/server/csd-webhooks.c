/* csd-webhooks.c
 *
 * One timer on the main context: at each tick the due deliveries are read
 * from storage and POSTed asynchronously. Before a request goes out, its
 * next attempt is set to after the request's timeout, so that a crash in
 * between retries it and a tick meanwhile does not send it twice.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <libsoup/soup.h>

#include "csd-webhooks.h"

#define REQUEST_TIMEOUT_S  30
#define BATCH              50
/* Deliveries queued by another process (an import) are found at the latest then. */
#define IDLE_TICK_MS       5000

struct _CsdWebhooks
{
  GObject      parent_instance;

  CsdStorage  *storage;
  SoupSession *session;
  gint64       base_ms;
  gint64       cap_ms;
  gboolean     allow_http;
  gboolean     started;
  gboolean     resuming;
  guint        tick;
  GHashTable  *in_flight;   /* event ids */
};

G_DEFINE_FINAL_TYPE (CsdWebhooks, csd_webhooks, G_TYPE_OBJECT)

typedef struct
{
  CsdWebhooks        *self;   /* a ref */
  CsdWebhookDelivery *delivery;
  gint64              attempt;
} Attempt;

static void schedule (CsdWebhooks *self);

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

gboolean
csd_webhooks_url_allowed (const char  *url,
                          gboolean     allow_http,
                          char       **why)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  g_autoptr(GInetAddress) address = NULL;
  const char *scheme, *host;

  *why = NULL;
  if (uri == NULL || (scheme = g_uri_get_scheme (uri)) == NULL || (host = g_uri_get_host (uri)) == NULL)
    {
      *why = g_strdup_printf ("“%s” is not an http or https URL", url);
      return FALSE;
    }
  if (g_ascii_strcasecmp (scheme, "https") == 0)
    return TRUE;
  if (g_ascii_strcasecmp (scheme, "http") != 0)
    {
      *why = g_strdup_printf ("“%s” is not an http or https URL", url);
      return FALSE;
    }
  if (allow_http || g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (host);
  if (address != NULL && g_inet_address_get_is_loopback (address))
    return TRUE;

  *why = g_strdup_printf ("plain http to %s, which is not a loopback address: use https, "
                          "or start the server with --webhook-allow-http", host);
  return FALSE;
}

char *
csd_webhooks_sign (const char *secret,
                   const char *body,
                   gsize       len)
{
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) secret, strlen (secret));

  g_hmac_update (hmac, (const guchar *) body, len);
  return g_strconcat ("sha256=", g_hmac_get_string (hmac), NULL);
}

gint64
csd_webhooks_backoff_ms (gint64 base_ms,
                         gint64 cap_ms,
                         gint64 attempt,
                         double random)
{
  gint64 delay = MAX (base_ms, 1);

  for (gint64 i = 1; i < attempt && delay < cap_ms; i++)
    delay *= 2;
  delay = MIN (delay, MAX (cap_ms, 1));
  return delay - (gint64) (delay / 2 * CLAMP (random, 0.0, 1.0));
}

static void
attempt_free (Attempt *attempt)
{
  g_hash_table_remove (attempt->self->in_flight, attempt->delivery->event_id);
  csd_webhook_delivery_free (attempt->delivery);
  g_object_unref (attempt->self);
  g_free (attempt);
}

/* Records the attempt's end: delivered, or due again after the backoff. */
static void
finish (Attempt    *attempt,
        gboolean    delivered,
        const char *what)
{
  CsdWebhooks *self = attempt->self;
  CsdWebhookDelivery *d = attempt->delivery;
  g_autoptr(GError) error = NULL;
  gint64 wait = delivered ? 0 : csd_webhooks_backoff_ms (self->base_ms, self->cap_ms, attempt->attempt,
                                                         g_random_double ());

  if (delivered)
    g_message ("webhook %s (case %s) to %s: attempt %" G_GINT64_FORMAT ": %s, delivered",
               d->event_id, d->case_id, d->url, attempt->attempt, what);
  else
    g_message ("webhook %s (case %s) to %s: attempt %" G_GINT64_FORMAT ": %s; next in %.1f s",
               d->event_id, d->case_id, d->url, attempt->attempt, what, wait / 1000.0);

  if (!csd_storage_webhook_update (self->storage, d->event_id, attempt->attempt, now_ms () + wait,
                                   delivered ? now_ms () : -1, delivered ? NULL : what, &error))
    g_warning ("webhook %s: the attempt could not be recorded: %s", d->event_id, error->message);

  attempt_free (attempt);
  schedule (self);
}

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Attempt *attempt = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *what = NULL;
  guint status;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  status = msg ? soup_message_get_status (msg) : 0;
  if (bytes == NULL)
    what = g_strdup_printf ("failed: %s", error->message);
  else
    what = g_strdup_printf ("HTTP %u", status);
  finish (attempt, bytes != NULL && SOUP_STATUS_IS_SUCCESSFUL (status), what);
}

static void
send_one (CsdWebhooks        *self,
          CsdWebhookDelivery *delivery)
{
  Attempt *attempt = g_new0 (Attempt, 1);
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *why = NULL;
  g_autofree char *signature = NULL;
  SoupMessageHeaders *headers;

  attempt->self = g_object_ref (self);
  attempt->delivery = delivery;
  attempt->attempt = delivery->attempts + 1;
  g_hash_table_add (self->in_flight, g_strdup (delivery->event_id));

  if (!csd_webhooks_url_allowed (delivery->url, self->allow_http, &why))
    {
      g_autofree char *what = g_strdup_printf ("refused: %s", why);
      finish (attempt, FALSE, what);
      return;
    }

  /* A crash from here on retries it once the request would have timed out. */
  if (!csd_storage_webhook_update (self->storage, delivery->event_id, attempt->attempt - 1,
                                   now_ms () + (REQUEST_TIMEOUT_S + 5) * 1000, -1, NULL, &error))
    {
      g_warning ("webhook %s: %s", delivery->event_id, error->message);
      attempt_free (attempt);
      return;
    }

  msg = soup_message_new ("POST", delivery->url);
  if (msg == NULL)
    {
      finish (attempt, FALSE, "refused: the URL does not parse");
      return;
    }
  body = g_bytes_new (delivery->body, strlen (delivery->body));
  signature = csd_webhooks_sign (delivery->secret, delivery->body, strlen (delivery->body));
  headers = soup_message_get_request_headers (msg);
  soup_message_headers_replace (headers, "X-Countersign-Event", delivery->event_id);
  soup_message_headers_replace (headers, "X-Countersign-Signature", signature);
  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT, NULL, sent_cb, attempt);
}

static gboolean
tick_cb (gpointer user_data)
{
  CsdWebhooks *self = user_data;
  g_autoptr(GPtrArray) due = NULL;
  g_autoptr(GError) error = NULL;

  self->tick = 0;
  /* At start-up nothing is in flight: what the last run left waiting (for
   * its backoff, or for an answer it never got) goes at once. */
  due = csd_storage_webhook_due (self->storage, self->resuming ? G_MAXINT64 : now_ms (), BATCH, &error);
  self->resuming = FALSE;
  if (due == NULL)
    g_warning ("Webhook deliveries could not be read: %s", error->message);
  for (guint i = 0; due != NULL && i < due->len; i++)
    {
      CsdWebhookDelivery *d = g_ptr_array_index (due, i);

      if (g_hash_table_contains (self->in_flight, d->event_id))
        continue;
      g_ptr_array_index (due, i) = NULL;
      send_one (self, d);
    }

  schedule (self);
  return G_SOURCE_REMOVE;
}

/* Sets the timer for the next due delivery, or the idle tick. */
static void
schedule (CsdWebhooks *self)
{
  g_autoptr(GError) error = NULL;
  gint64 next = -1;
  gint64 wait = IDLE_TICK_MS;

  if (!self->started)
    return;
  if (!csd_storage_webhook_next (self->storage, &next, &error))
    g_warning ("Webhook deliveries could not be read: %s", error->message);
  if (next >= 0)
    wait = CLAMP (next - now_ms (), 0, IDLE_TICK_MS);

  g_clear_handle_id (&self->tick, g_source_remove);
  self->tick = g_timeout_add ((guint) wait, tick_cb, self);
}

static void
csd_webhooks_dispose (GObject *object)
{
  CsdWebhooks *self = CSD_WEBHOOKS (object);

  g_clear_handle_id (&self->tick, g_source_remove);
  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);
  g_clear_object (&self->storage);

  G_OBJECT_CLASS (csd_webhooks_parent_class)->dispose (object);
}

static void
csd_webhooks_finalize (GObject *object)
{
  CsdWebhooks *self = CSD_WEBHOOKS (object);

  g_hash_table_unref (self->in_flight);

  G_OBJECT_CLASS (csd_webhooks_parent_class)->finalize (object);
}

static void
csd_webhooks_class_init (CsdWebhooksClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = csd_webhooks_dispose;
  object_class->finalize = csd_webhooks_finalize;
}

GProxyResolver *
csd_webhooks_proxy_resolver_new (void)
{
  const char *no_proxy = g_getenv ("no_proxy") ? g_getenv ("no_proxy") : g_getenv ("NO_PROXY");
  const char *http_proxy = g_getenv ("http_proxy") ? g_getenv ("http_proxy") : g_getenv ("HTTP_PROXY");
  const char *https_proxy = g_getenv ("https_proxy") ? g_getenv ("https_proxy") : g_getenv ("HTTPS_PROXY");
  g_autoptr(GStrvBuilder) ignore = g_strv_builder_new ();
  g_auto(GStrv) hosts = NULL;
  GProxyResolver *resolver;

  /* This machine is never reached through a proxy. */
  g_strv_builder_add_many (ignore, "localhost", "127.0.0.0/8", "::1", NULL);
  if (no_proxy != NULL)
    {
      g_auto(GStrv) extra = g_strsplit (no_proxy, ",", -1);

      for (guint i = 0; extra[i] != NULL; i++)
        if (*g_strstrip (extra[i]) != '\0')
          g_strv_builder_add (ignore, extra[i]);
    }
  hosts = g_strv_builder_end (ignore);

  resolver = g_simple_proxy_resolver_new (NULL, hosts);
  if (http_proxy != NULL && *http_proxy != '\0')
    g_simple_proxy_resolver_set_uri_proxy (G_SIMPLE_PROXY_RESOLVER (resolver), "http", http_proxy);
  if (https_proxy != NULL && *https_proxy != '\0')
    g_simple_proxy_resolver_set_uri_proxy (G_SIMPLE_PROXY_RESOLVER (resolver), "https", https_proxy);
  return resolver;
}

static void
csd_webhooks_init (CsdWebhooks *self)
{
  g_autoptr(GProxyResolver) resolver = csd_webhooks_proxy_resolver_new ();

  self->base_ms = CSD_DEFAULT_WEBHOOK_RETRY_BASE_MS;
  self->cap_ms = CSD_DEFAULT_WEBHOOK_RETRY_CAP_MS;
  self->in_flight = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->session = soup_session_new_with_options ("timeout", REQUEST_TIMEOUT_S,
                                                 "proxy-resolver", resolver,
                                                 "user-agent", "countersign-server/" PACKAGE_VERSION,
                                                 NULL);
}

CsdWebhooks *
csd_webhooks_new (CsdStorage *storage)
{
  CsdWebhooks *self = g_object_new (CSD_TYPE_WEBHOOKS, NULL);

  self->storage = g_object_ref (storage);
  return self;
}

void
csd_webhooks_set_backoff (CsdWebhooks *self,
                          gint64       base_ms,
                          gint64       cap_ms)
{
  g_return_if_fail (CSD_IS_WEBHOOKS (self));
  self->base_ms = MAX (base_ms, 1);
  self->cap_ms = MAX (cap_ms, self->base_ms);
}

void
csd_webhooks_set_allow_http (CsdWebhooks *self,
                             gboolean     allow)
{
  g_return_if_fail (CSD_IS_WEBHOOKS (self));
  self->allow_http = allow;
}

void
csd_webhooks_start (CsdWebhooks *self)
{
  g_return_if_fail (CSD_IS_WEBHOOKS (self));
  self->started = TRUE;
  self->resuming = TRUE;
  csd_webhooks_kick (self);
}

void
csd_webhooks_kick (CsdWebhooks *self)
{
  g_return_if_fail (CSD_IS_WEBHOOKS (self));
  if (!self->started)
    return;
  g_clear_handle_id (&self->tick, g_source_remove);
  self->tick = g_idle_add (tick_cb, self);
}
