/* csd-ingest.h: one prediction in, routed: the path shared by POST
 * /api/v1/predictions and `countersign-server import`.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "csd-routing.h"
#include "csd-storage.h"

G_BEGIN_DECLS

/* Reads a prediction (a case without id, version and status, with optional
 * "signals" and "truth"), looks up its queue (through @queue_cache, id →
 * CsQueue, when given), routes it by the queue's rules and fills in what the
 * server decides: labels and policy from the queue, trigger and priority when
 * escalated (status open), the model's decision when automated (status
 * decided, decided.by "model:<name>"), created_at (default @now), version 1.
 * Fields the server owns are ignored if the prediction carries them.
 *
 * Errors: CS_ERROR_MALFORMED (400) or CSD_ERROR_NOT_FOUND for the queue (404).
 * The item is then stored with csd_storage_ingest(). */
CsdIngestItem *csd_ingest_prepare        (CsdStorage      *storage,
                                          GHashTable      *queue_cache,
                                          JsonNode        *prediction,
                                          GDateTime       *now,
                                          CsdRandomFunc    random,
                                          gpointer         random_data,
                                          GError         **error);

/* The answer to POST /api/v1/predictions for a stored item:
 * {"id", "routed": "escalated" | "automated", "trigger"?}. */
JsonNode      *csd_ingest_item_to_json   (CsdIngestItem   *item);

G_END_DECLS
