/* csd-overdue.h: the overdue fallback, swept from a timer.
 *
 * A queue whose settings carry "on_overdue": {"queue": Q} hands every case
 * still undecided at its due_at to queue Q, once. The rules and the single
 * transaction are the storage's (csd_storage_overdue_sweep); this walks the
 * batches and writes one log line a move.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "csd-storage.h"

G_BEGIN_DECLS

#define CSD_DEFAULT_SWEEP_SECONDS 10

/* Moves every case overdue at @now; returns how many moved, or -1 with
 * @error set (what moved before the error stays moved). */
gint64  csd_overdue_sweep  (CsdStorage  *storage,
                            GDateTime   *now,
                            GError     **error);

G_END_DECLS
