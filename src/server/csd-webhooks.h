/* csd-webhooks.h: delivering final outcomes to the queues' webhooks.
 *
 * Each delivery is POSTed as JSON (the outcome's export line) with
 *   X-Countersign-Event: <event id>      (the same on every attempt)
 *   X-Countersign-Signature: sha256=<hex HMAC-SHA256 of the body, keyed with the secret>
 * and retried until the receiver answers 2xx, with exponential backoff and
 * jitter. The queue of deliveries is in storage, so a restart resumes it:
 * delivery is at least once, and the event id lets a receiver drop repeats.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "csd-storage.h"

G_BEGIN_DECLS

#define CSD_DEFAULT_WEBHOOK_RETRY_BASE_MS  1000
#define CSD_DEFAULT_WEBHOOK_RETRY_CAP_MS   (15 * 60 * 1000)

#define CSD_TYPE_WEBHOOKS (csd_webhooks_get_type ())
G_DECLARE_FINAL_TYPE (CsdWebhooks, csd_webhooks, CSD, WEBHOOKS, GObject)

CsdWebhooks *csd_webhooks_new            (CsdStorage   *storage);
/* The wait before retry n (1, 2, …) is min (cap, base × 2^(n−1)), of which
 * a random half is taken off (jitter), so that receivers coming back are
 * not hit by every server at once. */
void         csd_webhooks_set_backoff    (CsdWebhooks  *self,
                                          gint64        base_ms,
                                          gint64        cap_ms);
/* Plain http is refused but to a loopback address unless allowed. */
void         csd_webhooks_set_allow_http (CsdWebhooks  *self,
                                          gboolean      allow);
/* Starts delivering, from what is pending in storage. */
void         csd_webhooks_start          (CsdWebhooks  *self);
/* New deliveries may be due: look now rather than at the next tick. */
void         csd_webhooks_kick           (CsdWebhooks  *self);

/* Whether a delivery may go to @url: https anywhere, http to a loopback
 * address (or anywhere when @allow_http). FALSE with *why for the log. */
/* The proxies of the environment (http_proxy, https_proxy, no_proxy), never
 * for this machine: a receiver on loopback is always reached directly. */
GProxyResolver *csd_webhooks_proxy_resolver_new (void);
gboolean     csd_webhooks_url_allowed    (const char   *url,
                                          gboolean      allow_http,
                                          char        **why);
/* "sha256=<hex>" of @body keyed with @secret. */
char        *csd_webhooks_sign           (const char   *secret,
                                          const char   *body,
                                          gsize         len);
/* The wait before retry @attempt (1, 2, …), with @random in [0, 1) as the jitter. */
gint64       csd_webhooks_backoff_ms     (gint64        base_ms,
                                          gint64        cap_ms,
                                          gint64        attempt,
                                          double        random);

G_END_DECLS
