/* cs-fault-proxy.c
 *
 * One thread owns a GMainContext and the GThreadedSocketService that accepts;
 * each client connection is served by a worker of the service's pool with
 * blocking, time-limited socket calls: read a whole request, draw its fault,
 * and (unless the fault answers or drops it) forward it on a fresh connection
 * to the server, read the whole answer and relay all, part or none of it.
 * A fresh upstream connection per request keeps the server's keep-alive out
 * of the picture: a request is sent exactly once, or not at all.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <gio/gio.h>

#include "cs-fault-proxy.h"

#define HEAD_LIMIT (64 * 1024)
#define BODY_LIMIT ((gsize) 512 * 1024 * 1024)
#define SLICE_US (50 * 1000)
/* A kept-alive connection nobody sends on is closed after this. */
#define IDLE_LIMIT_US (90 * G_USEC_PER_SEC)
/* The rest of a message once its first bytes are here. */
#define MESSAGE_LIMIT_US (30 * G_USEC_PER_SEC)
/* The server's answer. */
#define UPSTREAM_LIMIT_US (60 * G_USEC_PER_SEC)
#define SEND_TIMEOUT_S 10
#define MAX_WORKERS 256

struct _CsFaultProxy
{
  GMutex        lock;
  GCond         cond;

  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  GError       *start_error;
  gboolean      started;
  guint16       port;
  char         *url;

  /* Under lock from here on. */
  guint16       target_port;
  GRand        *rand;
  guint         weights[CS_FAULT_N_KINDS];
  gboolean      enabled;
  guint         generation;     /* bumped when the faults go off: hangs end */
  GQueue        script;         /* of Scripted */
  guint         retry_after_s;
  guint         latency_min_ms;
  guint         latency_max_ms;
  guint         hang_limit_ms;
  guint         counts[CS_FAULT_N_KINDS];
  guint         requests;
  GArray       *events;
  GPtrArray    *sockets;        /* live sockets (borrowed), shut down when closing */
  guint         workers;
  gboolean      closing;
};

static const char *kind_names[CS_FAULT_N_KINDS] = {
  [CS_FAULT_PASS] = "pass",
  [CS_FAULT_RESET_BEFORE] = "reset-before",
  [CS_FAULT_RESET_AFTER] = "reset-after",
  [CS_FAULT_TRUNCATE] = "truncate",
  [CS_FAULT_UNAVAILABLE] = "503",
  [CS_FAULT_ERROR] = "500",
  [CS_FAULT_HANG] = "hang",
  [CS_FAULT_LATENCY] = "latency",
};

const char *
cs_fault_kind_to_string (CsFaultKind kind)
{
  return kind < CS_FAULT_N_KINDS ? kind_names[kind] : "?";
}

typedef struct
{
  CsFaultKind  kind;
  char        *match;   /* "METHOD /path" prefix, or NULL for any request */
} Scripted;

static void
scripted_free (gpointer data)
{
  Scripted *scripted = data;

  g_free (scripted->match);
  g_free (scripted);
}

/* Sockets */

static gboolean
track (CsFaultProxy *self,
       GSocket      *socket)
{
  gboolean ok;

  g_mutex_lock (&self->lock);
  ok = !self->closing;
  if (ok)
    g_ptr_array_add (self->sockets, socket);
  g_mutex_unlock (&self->lock);
  return ok;
}

static void
untrack (CsFaultProxy *self,
         GSocket      *socket)
{
  g_mutex_lock (&self->lock);
  g_ptr_array_remove_fast (self->sockets, socket);
  g_mutex_unlock (&self->lock);
}

static gboolean
is_closing (CsFaultProxy *self)
{
  gboolean closing;

  g_mutex_lock (&self->lock);
  closing = self->closing;
  g_mutex_unlock (&self->lock);
  return closing;
}

/* Closes with SO_LINGER 0: the peer gets a reset, not an orderly end. */
static void
reset_close (GSocket *socket)
{
  struct linger linger = { .l_onoff = 1, .l_linger = 0 };

  if (g_socket_is_closed (socket))
    return;
  setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_LINGER, &linger, sizeof linger);
  g_socket_close (socket, NULL);
}

/* An orderly end: what was sent arrives, then end of file. */
static void
graceful_close (GSocket *socket)
{
  if (g_socket_is_closed (socket))
    return;
  g_socket_shutdown (socket, FALSE, TRUE, NULL);
  g_socket_close (socket, NULL);
}

static gboolean
send_all (GSocket      *socket,
          const guint8 *data,
          gsize         len)
{
  while (len > 0)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_send (socket, (const char *) data, len, NULL, &error);

      if (n < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            continue;
          return FALSE;
        }
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* Buffered reading with deadlines */

typedef struct
{
  CsFaultProxy *proxy;
  GSocket      *socket;
  GByteArray   *buf;
  gboolean      eof;
} Peer;

/* Appends what arrives next. FALSE at the end of the stream, on an error,
 * past @deadline or when the proxy closes. */
static gboolean
peer_fill (Peer   *peer,
           gint64  deadline)
{
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      guint8 chunk[16384];
      gint64 now = g_get_monotonic_time ();
      gssize n;

      if (is_closing (peer->proxy) || now >= deadline)
        return FALSE;
      if (!g_socket_condition_timed_wait (peer->socket, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                          MIN (SLICE_US, deadline - now), NULL, &error))
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
            continue;
          return FALSE;
        }
      n = g_socket_receive_with_blocking (peer->socket, (char *) chunk, sizeof chunk, FALSE, NULL, &error);
      if (n < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            continue;
          return FALSE;
        }
      if (n == 0)
        {
          peer->eof = TRUE;
          return FALSE;
        }
      g_byte_array_append (peer->buf, chunk, (guint) n);
      return TRUE;
    }
}

static gssize
find_bytes (const guint8 *data,
            gsize         len,
            gsize         from,
            const char   *needle)
{
  gsize n = strlen (needle);

  for (gsize i = from; i + n <= len; i++)
    if (memcmp (data + i, needle, n) == 0)
      return (gssize) i;
  return -1;
}

/* HTTP messages */

typedef struct
{
  gsize     head_len;     /* through the blank line */
  gsize     total_len;    /* head and body */
  char     *method;       /* requests */
  char     *path;
  guint     status;       /* responses */
  gboolean  close;        /* Connection: close, or a body that ends with the stream */
} Message;

static void
message_clear (Message *msg)
{
  g_clear_pointer (&msg->method, g_free);
  g_clear_pointer (&msg->path, g_free);
}

/* The end of a chunked body that starts at @start, -1 when more is needed,
 * -2 when it is malformed. */
static gssize
chunked_end (const guint8 *data,
             gsize         len,
             gsize         start)
{
  gsize p = start;

  for (;;)
    {
      gssize eol = find_bytes (data, len, p, "\r\n");
      g_autofree char *line = NULL;
      guint64 size;
      char *end = NULL;

      if (eol < 0)
        return len - p > 1024 ? -2 : -1;
      line = g_strndup ((const char *) data + p, (gsize) eol - p);
      size = g_ascii_strtoull (line, &end, 16);
      if (end == line || size > BODY_LIMIT)
        return -2;
      p = (gsize) eol + 2;

      if (size == 0)
        {
          /* Trailers, then an empty line. */
          for (;;)
            {
              gssize next = find_bytes (data, len, p, "\r\n");

              if (next < 0)
                return -1;
              if ((gsize) next == p)
                return (gssize) p + 2;
              p = (gsize) next + 2;
            }
        }
      if (len < p + size + 2)
        return -1;
      p += size + 2;
    }
}

/* Reads one whole message into peer->buf (from its start). @request_method is
 * NULL for a request, else the method of the request this answers. */
static gboolean
read_message (Peer       *peer,
              const char *request_method,
              Message    *msg,
              gint64      head_deadline)
{
  gboolean response = request_method != NULL;
  gboolean chunked = FALSE, has_length = FALSE;
  guint64 length = 0;
  gint64 deadline;
  gssize end;
  g_autofree char *head = NULL;
  g_auto(GStrv) lines = NULL;

  memset (msg, 0, sizeof *msg);
  while ((end = find_bytes (peer->buf->data, peer->buf->len, 0, "\r\n\r\n")) < 0)
    {
      if (peer->buf->len > HEAD_LIMIT || !peer_fill (peer, head_deadline))
        return FALSE;
    }
  msg->head_len = (gsize) end + 4;

  head = g_strndup ((const char *) peer->buf->data, (gsize) end);
  lines = g_strsplit (head, "\r\n", -1);
  if (lines[0] == NULL)
    return FALSE;
  {
    g_auto(GStrv) parts = g_strsplit (lines[0], " ", 3);

    if (g_strv_length (parts) < 2)
      return FALSE;
    if (response)
      {
        guint64 status = 0;

        if (!g_str_has_prefix (parts[0], "HTTP/1.") ||
            !g_ascii_string_to_unsigned (parts[1], 10, 100, 999, &status, NULL))
          return FALSE;
        msg->status = (guint) status;
        msg->close = g_str_equal (parts[0], "HTTP/1.0");
      }
    else
      {
        if (parts[2] == NULL || !g_str_has_prefix (parts[2], "HTTP/1."))
          return FALSE;
        msg->method = g_strdup (parts[0]);
        msg->path = g_strdup (parts[1]);
        msg->close = g_str_equal (parts[2], "HTTP/1.0");
      }
  }

  for (guint i = 1; lines[i] != NULL; i++)
    {
      char *colon = strchr (lines[i], ':');
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;

      if (colon == NULL)
        continue;
      name = g_strstrip (g_strndup (lines[i], colon - lines[i]));
      value = g_strstrip (g_strdup (colon + 1));
      if (g_ascii_strcasecmp (name, "Content-Length") == 0)
        {
          if (!g_ascii_string_to_unsigned (value, 10, 0, BODY_LIMIT, &length, NULL))
            return FALSE;
          has_length = TRUE;
        }
      else if (g_ascii_strcasecmp (name, "Transfer-Encoding") == 0)
        chunked = strstr (value, "chunked") != NULL;
      else if (g_ascii_strcasecmp (name, "Connection") == 0)
        {
          if (g_ascii_strcasecmp (value, "close") == 0)
            msg->close = TRUE;
          else if (g_ascii_strcasecmp (value, "keep-alive") == 0)
            msg->close = FALSE;
        }
    }

  deadline = g_get_monotonic_time () + MESSAGE_LIMIT_US;

  if (response && (msg->status < 200 || msg->status == 204 || msg->status == 304 ||
                   g_ascii_strcasecmp (request_method, "HEAD") == 0))
    msg->total_len = msg->head_len;
  else if (chunked)
    {
      while ((end = chunked_end (peer->buf->data, peer->buf->len, msg->head_len)) == -1)
        if (!peer_fill (peer, deadline))
          return FALSE;
      if (end < 0)
        return FALSE;
      msg->total_len = (gsize) end;
    }
  else if (has_length)
    {
      while (peer->buf->len < msg->head_len + length)
        if (!peer_fill (peer, deadline))
          return FALSE;
      msg->total_len = msg->head_len + length;
    }
  else if (!response)
    msg->total_len = msg->head_len;
  else
    {
      /* No length: the body ends with the stream. */
      while (peer_fill (peer, deadline))
        if (peer->buf->len - msg->head_len > BODY_LIMIT)
          return FALSE;
      if (!peer->eof)
        return FALSE;
      msg->total_len = peer->buf->len;
      msg->close = TRUE;
    }
  return TRUE;
}

/* Faults */

static CsFaultKind
draw (CsFaultProxy *self,
      Message      *request,
      guint        *generation)
{
  CsFaultEvent event = { 0 };
  CsFaultKind kind = CS_FAULT_PASS;
  guint total = 0;

  g_autofree char *line = g_strdup_printf ("%s %s", request->method, request->path);
  gboolean scripted = FALSE;

  g_mutex_lock (&self->lock);
  for (GList *l = self->script.head; l != NULL; l = l->next)
    {
      Scripted *entry = l->data;

      if (entry->match == NULL || g_str_has_prefix (line, entry->match))
        {
          kind = entry->kind;
          scripted = TRUE;
          scripted_free (entry);
          g_queue_delete_link (&self->script, l);
          break;
        }
    }
  if (!scripted && self->enabled)
    {
      for (guint i = 0; i < CS_FAULT_N_KINDS; i++)
        total += self->weights[i];
      if (total > 0)
        {
          guint pick = (guint) g_rand_int_range (self->rand, 0, (gint32) total);

          for (guint i = 0; i < CS_FAULT_N_KINDS; i++)
            {
              if (pick < self->weights[i])
                {
                  kind = i;
                  break;
                }
              pick -= self->weights[i];
            }
        }
    }
  self->counts[kind]++;
  self->requests++;
  event.at_us = g_get_monotonic_time ();
  event.kind = kind;
  g_strlcpy (event.method, request->method, sizeof event.method);
  g_strlcpy (event.path, request->path, sizeof event.path);
  g_array_append_val (self->events, event);
  *generation = self->generation;
  g_mutex_unlock (&self->lock);

  if (g_getenv ("CS_FAULT_PROXY_DEBUG") != NULL)
    g_printerr ("fault proxy: %" G_GINT64_FORMAT " %s %s %s\n", event.at_us / 1000,
                cs_fault_kind_to_string (kind), event.method, event.path);
  return kind;
}

static gboolean
hang_goes_on (CsFaultProxy *self,
              guint         generation)
{
  gboolean on;

  g_mutex_lock (&self->lock);
  on = !self->closing && self->generation == generation;
  g_mutex_unlock (&self->lock);
  return on;
}

/* Holds the request unanswered until the client gives up, the faults go
 * off, the proxy closes or the hang limit passes. */
static void
hang (CsFaultProxy *self,
      Peer         *client,
      guint         generation)
{
  gint64 end;

  g_mutex_lock (&self->lock);
  end = g_get_monotonic_time () + (gint64) self->hang_limit_ms * 1000;
  g_mutex_unlock (&self->lock);

  while (hang_goes_on (self, generation) && g_get_monotonic_time () < end)
    {
      g_autoptr(GError) error = NULL;
      guint8 chunk[4096];
      gssize n;

      if (!g_socket_condition_timed_wait (client->socket, G_IO_IN | G_IO_HUP | G_IO_ERR, SLICE_US, NULL, &error))
        continue;
      n = g_socket_receive_with_blocking (client->socket, (char *) chunk, sizeof chunk, FALSE, NULL, &error);
      if (n == 0 || (n < 0 && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)))
        return;   /* the client gave up */
    }
}

static void
sleep_ms (CsFaultProxy *self,
          guint         ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  g_mutex_lock (&self->lock);
  while (!self->closing && g_get_monotonic_time () < end)
    g_cond_wait_until (&self->cond, &self->lock, end);
  g_mutex_unlock (&self->lock);
}

/* A reset a few milliseconds after the request, as it would come over a
 * network. One within microseconds of the request, in the very main-loop
 * iteration that sent it, trips a bug of libsoup 3.2 (SoupSession retries an
 * idempotent request on another idle connection at once, then finishes that
 * retry with the first attempt's error and crashes in run_until_read_done);
 * no network is fast enough for that, loopback is. */
#define RESET_DELAY_MS 5

static void
reset_soon (CsFaultProxy *self,
            GSocket      *socket)
{
  sleep_ms (self, RESET_DELAY_MS);
  reset_close (socket);
}

static gboolean
send_canned (GSocket    *socket,
             guint       status,
             const char *reason,
             guint       retry_after_s)
{
  g_autofree char *body = g_strdup_printf ("{\"error\": {\"code\": \"%s\", \"message\": \"%u from the fault proxy\"}}",
                                           status == 503 ? "unavailable" : "internal", status);
  g_autofree char *retry = retry_after_s > 0 ? g_strdup_printf ("Retry-After: %u\r\n", retry_after_s)
                                             : g_strdup ("");
  g_autofree char *response = g_strdup_printf ("HTTP/1.1 %u %s\r\n"
                                               "Content-Type: application/json\r\n"
                                               "Content-Length: %zu\r\n"
                                               "%s"
                                               "\r\n%s",
                                               status, reason, strlen (body), retry, body);

  return send_all (socket, (const guint8 *) response, strlen (response));
}

static GSocketConnection *
connect_upstream (CsFaultProxy *self)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketAddress) address = NULL;
  guint16 port;

  g_mutex_lock (&self->lock);
  port = self->target_port;
  g_mutex_unlock (&self->lock);

  address = g_inet_socket_address_new_from_string ("127.0.0.1", port);
  g_socket_client_set_timeout (client, SEND_TIMEOUT_S);
  return g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, NULL);
}

/* Sends the request on a fresh connection to the server and reads its whole
 * answer into @answer->buf. FALSE when the server could not be reached or
 * did not answer in full. */
static gboolean
forward (CsFaultProxy *self,
         Peer         *client,
         Message      *request,
         Peer         *answer,
         Message      *response)
{
  g_autoptr(GSocketConnection) upstream = connect_upstream (self);
  gboolean ok = FALSE;

  if (upstream == NULL)
    return FALSE;
  answer->proxy = self;
  answer->socket = g_socket_connection_get_socket (upstream);
  answer->buf = g_byte_array_new ();
  if (!track (self, answer->socket))
    return FALSE;

  if (send_all (answer->socket, client->buf->data, request->total_len))
    {
      gint64 deadline = g_get_monotonic_time () + UPSTREAM_LIMIT_US;

      /* An interim 1xx answer is not the answer. */
      while ((ok = read_message (answer, request->method, response, deadline)) && response->status < 200)
        {
          g_byte_array_remove_range (answer->buf, 0, (guint) response->total_len);
          message_clear (response);
        }
    }

  untrack (self, answer->socket);
  g_socket_close (answer->socket, NULL);
  answer->socket = NULL;
  return ok;
}

/* One client connection, request by request. */
static gboolean
run_cb (GThreadedSocketService *service,
        GSocketConnection      *connection,
        GObject                *source_object,
        gpointer                user_data)
{
  CsFaultProxy *self = user_data;
  Peer client = { self, g_socket_connection_get_socket (connection), g_byte_array_new (), FALSE };

  g_mutex_lock (&self->lock);
  if (self->closing)
    {
      g_mutex_unlock (&self->lock);
      g_byte_array_unref (client.buf);
      return TRUE;
    }
  self->workers++;
  g_ptr_array_add (self->sockets, client.socket);
  g_mutex_unlock (&self->lock);

  g_socket_set_timeout (client.socket, SEND_TIMEOUT_S);

  for (;;)
    {
      Message request = { 0 };
      Message response = { 0 };
      Peer answer = { 0 };
      CsFaultKind kind;
      guint generation = 0;
      guint retry_after_s, latency_ms;
      gboolean go_on = TRUE;

      if (!read_message (&client, NULL, &request, g_get_monotonic_time () + IDLE_LIMIT_US))
        {
          message_clear (&request);
          break;
        }

      kind = draw (self, &request, &generation);
      g_mutex_lock (&self->lock);
      retry_after_s = self->retry_after_s;
      latency_ms = self->latency_min_ms +
                   (self->latency_max_ms > self->latency_min_ms
                    ? (guint) g_rand_int_range (self->rand, 0, (gint32) (self->latency_max_ms - self->latency_min_ms + 1))
                    : 0);
      g_mutex_unlock (&self->lock);

      switch (kind)
        {
        case CS_FAULT_RESET_BEFORE:
          reset_soon (self, client.socket);
          go_on = FALSE;
          break;

        case CS_FAULT_UNAVAILABLE:
          go_on = send_canned (client.socket, 503, "Service Unavailable", retry_after_s) && !request.close;
          break;

        case CS_FAULT_ERROR:
          go_on = send_canned (client.socket, 500, "Internal Server Error", 0) && !request.close;
          break;

        case CS_FAULT_HANG:
          hang (self, &client, generation);
          reset_close (client.socket);
          go_on = FALSE;
          break;

        case CS_FAULT_LATENCY:
        case CS_FAULT_PASS:
        case CS_FAULT_RESET_AFTER:
        case CS_FAULT_TRUNCATE:
        default:
          if (kind == CS_FAULT_LATENCY)
            sleep_ms (self, latency_ms);
          if (!forward (self, &client, &request, &answer, &response))
            {
              /* The server is gone or broke off: so does the connection. */
              reset_soon (self, client.socket);
              go_on = FALSE;
            }
          else if (kind == CS_FAULT_RESET_AFTER)
            {
              /* The server has stored and answered; the client never hears. */
              reset_close (client.socket);
              go_on = FALSE;
            }
          else if (kind == CS_FAULT_TRUNCATE)
            {
              gsize body = response.total_len - response.head_len;
              gsize cut = body > 0 ? response.head_len + body / 2 : response.head_len / 2;

              send_all (client.socket, answer.buf->data, cut);
              graceful_close (client.socket);
              go_on = FALSE;
            }
          else
            go_on = send_all (client.socket, answer.buf->data, response.total_len) &&
                    !request.close && !response.close;
          break;
        }

      if (go_on)
        g_byte_array_remove_range (client.buf, 0, (guint) request.total_len);
      message_clear (&request);
      message_clear (&response);
      g_clear_pointer (&answer.buf, g_byte_array_unref);
      if (!go_on)
        break;
    }

  g_mutex_lock (&self->lock);
  g_ptr_array_remove_fast (self->sockets, client.socket);
  g_mutex_unlock (&self->lock);
  graceful_close (client.socket);
  g_byte_array_unref (client.buf);

  g_mutex_lock (&self->lock);
  self->workers--;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/* The accepting thread */

static gboolean
quit_cb (gpointer user_data)
{
  CsFaultProxy *self = user_data;

  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

static gpointer
proxy_thread (gpointer user_data)
{
  CsFaultProxy *self = user_data;
  g_autoptr(GSocketService) service = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  GError *error = NULL;

  g_main_context_push_thread_default (self->context);

  /* Accepts are started now, on this thread's context. */
  service = g_threaded_socket_service_new (MAX_WORKERS);
  g_signal_connect (service, "run", G_CALLBACK (run_cb), self);
  if (g_socket_listener_add_address (G_SOCKET_LISTENER (service), address, G_SOCKET_TYPE_STREAM,
                                     G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error))
    {
      self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
      g_socket_service_start (service);
    }

  g_mutex_lock (&self->lock);
  self->start_error = error;
  self->started = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  if (error == NULL)
    g_main_loop_run (self->loop);

  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
  while (g_main_context_iteration (self->context, FALSE))
    ;
  /* Waits for the workers of the pool to return. */
  g_clear_object (&service);
  while (g_main_context_iteration (self->context, FALSE))
    ;

  g_main_context_pop_thread_default (self->context);
  return NULL;
}

CsFaultProxy *
cs_fault_proxy_new (guint16 target_port,
                    guint32 seed)
{
  CsFaultProxy *self = g_new0 (CsFaultProxy, 1);

  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_queue_init (&self->script);
  self->target_port = target_port;
  self->rand = g_rand_new_with_seed (seed);
  self->enabled = TRUE;
  for (guint i = 0; i < CS_FAULT_N_KINDS; i++)
    self->weights[i] = i == CS_FAULT_PASS ? 4 : 1;
  self->retry_after_s = 1;
  self->latency_min_ms = 20;
  self->latency_max_ms = 200;
  self->hang_limit_ms = 10000;
  self->events = g_array_new (FALSE, TRUE, sizeof (CsFaultEvent));
  self->sockets = g_ptr_array_new ();
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);

  self->thread = g_thread_new ("cs-fault-proxy", proxy_thread, self);
  g_mutex_lock (&self->lock);
  while (!self->started)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);

  if (self->start_error != NULL)
    g_error ("The fault proxy could not listen on 127.0.0.1: %s", self->start_error->message);

  self->url = g_strdup_printf ("http://127.0.0.1:%u/", self->port);
  return self;
}

const char *
cs_fault_proxy_get_url (CsFaultProxy *self)
{
  return self->url;
}

guint16
cs_fault_proxy_get_port (CsFaultProxy *self)
{
  return self->port;
}

void
cs_fault_proxy_set_target_port (CsFaultProxy *self,
                                guint16       target_port)
{
  g_mutex_lock (&self->lock);
  self->target_port = target_port;
  g_mutex_unlock (&self->lock);
}

void
cs_fault_proxy_set_mix (CsFaultProxy *self,
                        const guint   weights[CS_FAULT_N_KINDS])
{
  g_mutex_lock (&self->lock);
  for (guint i = 0; i < CS_FAULT_N_KINDS; i++)
    self->weights[i] = weights[i];
  g_mutex_unlock (&self->lock);
}

void
cs_fault_proxy_set_enabled (CsFaultProxy *self,
                            gboolean      enabled)
{
  g_mutex_lock (&self->lock);
  if (self->enabled && !enabled)
    self->generation++;
  self->enabled = enabled;
  g_mutex_unlock (&self->lock);
}

void
cs_fault_proxy_queue_fault_for (CsFaultProxy *self,
                                CsFaultKind   kind,
                                const char   *match)
{
  Scripted *entry;

  g_return_if_fail (kind < CS_FAULT_N_KINDS);

  entry = g_new0 (Scripted, 1);
  entry->kind = kind;
  entry->match = g_strdup (match);
  g_mutex_lock (&self->lock);
  g_queue_push_tail (&self->script, entry);
  g_mutex_unlock (&self->lock);
}

void
cs_fault_proxy_queue_fault (CsFaultProxy *self,
                            CsFaultKind   kind)
{
  cs_fault_proxy_queue_fault_for (self, kind, NULL);
}

void
cs_fault_proxy_set_retry_after (CsFaultProxy *self,
                                guint         seconds)
{
  g_mutex_lock (&self->lock);
  self->retry_after_s = seconds;
  g_mutex_unlock (&self->lock);
}

void
cs_fault_proxy_set_latency (CsFaultProxy *self,
                            guint         min_ms,
                            guint         max_ms)
{
  g_mutex_lock (&self->lock);
  self->latency_min_ms = min_ms;
  self->latency_max_ms = MAX (min_ms, max_ms);
  g_mutex_unlock (&self->lock);
}

void
cs_fault_proxy_set_hang_limit (CsFaultProxy *self,
                               guint         ms)
{
  g_mutex_lock (&self->lock);
  self->hang_limit_ms = ms;
  g_mutex_unlock (&self->lock);
}

guint
cs_fault_proxy_get_count (CsFaultProxy *self,
                          CsFaultKind   kind)
{
  guint n;

  g_return_val_if_fail (kind < CS_FAULT_N_KINDS, 0);

  g_mutex_lock (&self->lock);
  n = self->counts[kind];
  g_mutex_unlock (&self->lock);
  return n;
}

guint
cs_fault_proxy_get_requests (CsFaultProxy *self)
{
  guint n;

  g_mutex_lock (&self->lock);
  n = self->requests;
  g_mutex_unlock (&self->lock);
  return n;
}

GArray *
cs_fault_proxy_get_events (CsFaultProxy *self)
{
  GArray *copy = g_array_new (FALSE, TRUE, sizeof (CsFaultEvent));

  g_mutex_lock (&self->lock);
  g_array_append_vals (copy, self->events->data, self->events->len);
  g_mutex_unlock (&self->lock);
  return copy;
}

guint
cs_fault_proxy_get_active (CsFaultProxy *self)
{
  guint n;

  g_mutex_lock (&self->lock);
  n = self->workers;
  g_mutex_unlock (&self->lock);
  return n;
}

void
cs_fault_proxy_free (CsFaultProxy *self)
{
  if (self == NULL)
    return;

  /* Every blocking wait of a worker ends within a slice of this. */
  g_mutex_lock (&self->lock);
  self->closing = TRUE;
  for (guint i = 0; i < self->sockets->len; i++)
    g_socket_shutdown (g_ptr_array_index (self->sockets, i), TRUE, TRUE, NULL);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  g_main_context_invoke (self->context, quit_cb, self);
  g_thread_join (self->thread);

  g_mutex_lock (&self->lock);
  while (self->workers > 0)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);

  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_clear_error (&self->start_error);
  g_queue_clear_full (&self->script, scripted_free);
  g_array_unref (self->events);
  g_ptr_array_unref (self->sockets);
  g_rand_free (self->rand);
  g_free (self->url);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}
