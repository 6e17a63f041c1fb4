/* cs-fault-proxy.h: a faulty network between a client and the server, for tests.
 *
 * A TCP proxy on 127.0.0.1 (a port of the system's choosing) that forwards
 * HTTP/1.1 to a server on 127.0.0.1:target_port, request by request on each
 * connection (keep-alive included), and breaks some requests on purpose. It
 * parses just enough HTTP to do that: the request head and its body
 * (Content-Length or chunked), the response head and its body.
 *
 * It runs in a thread of its own with its own GMainContext (the accept loop)
 * and a worker thread per live connection, so a test may block or iterate its
 * own main context freely. Everything it waits for is bounded in time, and it
 * talks to nothing but 127.0.0.1.
 *
 *   CsFaultProxy *proxy = cs_fault_proxy_new (cs_test_server_get_port (server), 42);
 *   CsClient *client = cs_client_new (cs_fault_proxy_get_url (proxy), token, &error);
 *   cs_fault_proxy_set_mix (proxy, (const guint[CS_FAULT_N_KINDS]) { [CS_FAULT_PASS] = 5,
 *                                                                   [CS_FAULT_RESET_AFTER] = 1 });
 *   …
 *   cs_fault_proxy_set_enabled (proxy, FALSE);
 *   g_assert_cmpuint (cs_fault_proxy_get_count (proxy, CS_FAULT_RESET_AFTER), >, 0);
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  CS_FAULT_PASS,          /* relayed as is */
  CS_FAULT_RESET_BEFORE,  /* the request is read, never forwarded; the client gets a reset */
  CS_FAULT_RESET_AFTER,   /* forwarded and answered by the server, then the client gets a
                           * reset instead of the answer: stored there, unknown here */
  CS_FAULT_TRUNCATE,      /* forwarded; the answer's head and half its body, then the end */
  CS_FAULT_UNAVAILABLE,   /* answered by the proxy: 503 with Retry-After, not forwarded */
  CS_FAULT_ERROR,         /* answered by the proxy: 500, not forwarded */
  CS_FAULT_HANG,          /* never answered, never forwarded, until the client gives up
                           * (or the hang limit, or the faults are turned off) */
  CS_FAULT_LATENCY,       /* relayed after a random delay */
  CS_FAULT_N_KINDS
} CsFaultKind;

/* One request the proxy saw. */
typedef struct
{
  gint64       at_us;      /* g_get_monotonic_time () when its head had arrived */
  CsFaultKind  kind;
  char         method[8];
  char         path[120];  /* truncated when longer */
} CsFaultEvent;

typedef struct _CsFaultProxy CsFaultProxy;

/* Listens at once; forwards to 127.0.0.1:@target_port. The faults are drawn
 * from a GRand seeded with @seed. It starts enabled, with a mix of every kind. */
CsFaultProxy *cs_fault_proxy_new             (guint16              target_port,
                                              guint32              seed);
/* "http://127.0.0.1:PORT/" */
const char   *cs_fault_proxy_get_url         (CsFaultProxy        *self);
guint16       cs_fault_proxy_get_port        (CsFaultProxy        *self);
/* For a server that came back on another port; new connections go there. */
void          cs_fault_proxy_set_target_port (CsFaultProxy        *self,
                                              guint16              target_port);

/* Relative weights, one per kind (all zero is the same as disabled). */
void          cs_fault_proxy_set_mix         (CsFaultProxy        *self,
                                              const guint          weights[CS_FAULT_N_KINDS]);
/* FALSE: pure pass-through from now on, and hangs in progress end at once
 * (with a reset) so that "faults off" means off. Queued faults still apply. */
void          cs_fault_proxy_set_enabled     (CsFaultProxy        *self,
                                              gboolean             enabled);
/* The next request gets @kind, whatever the mix and even when disabled;
 * several calls make a first-in first-out script. */
void          cs_fault_proxy_queue_fault     (CsFaultProxy        *self,
                                              CsFaultKind          kind);
/* The same for the next request whose "METHOD /path" starts with @match (for
 * example "POST /api/v1/decisions"); other requests go by meanwhile. */
void          cs_fault_proxy_queue_fault_for (CsFaultProxy        *self,
                                              CsFaultKind          kind,
                                              const char          *match);
/* The Retry-After of CS_FAULT_UNAVAILABLE, in seconds (default 1). */
void          cs_fault_proxy_set_retry_after (CsFaultProxy        *self,
                                              guint                seconds);
/* The delay range of CS_FAULT_LATENCY (default 20–200 ms). */
void          cs_fault_proxy_set_latency     (CsFaultProxy        *self,
                                              guint                min_ms,
                                              guint                max_ms);
/* How long a hang lasts at most when the client does not give up (default 10 s). */
void          cs_fault_proxy_set_hang_limit  (CsFaultProxy        *self,
                                              guint                ms);

/* Requests that got @kind so far. */
guint         cs_fault_proxy_get_count       (CsFaultProxy        *self,
                                              CsFaultKind          kind);
/* Every request so far. */
guint         cs_fault_proxy_get_requests    (CsFaultProxy        *self);
/* A copy of the log of requests, oldest first (of CsFaultEvent). */
GArray       *cs_fault_proxy_get_events      (CsFaultProxy        *self);
/* Client connections open right now. */
guint         cs_fault_proxy_get_active      (CsFaultProxy        *self);

const char   *cs_fault_kind_to_string        (CsFaultKind          kind);

/* Closes every connection, stops listening and joins the threads. */
void          cs_fault_proxy_free            (CsFaultProxy        *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsFaultProxy, cs_fault_proxy_free)

G_END_DECLS
