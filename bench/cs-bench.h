/* cs-bench.h: shared pieces of the benchmark program.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Adds a row: the median of @samples (doubles), beside @baseline's row. */
void  cs_bench_report  (const char *name,
                        const char *unit,
                        GArray     *samples,
                        const char *baseline,
                        const char *goal);
char *cs_bench_tmpdir  (void);

/* The reference server over loopback. */
void  cs_bench_server  (int runs);
/* The workstation's sync engine against the reference server. */
void  cs_bench_sync    (int runs);
/* The review window: launch, deciding, a very large image. Needs a display. */
void  cs_bench_ui      (int runs);
/* The feedback loop: tools/retrain-demo's accuracy before and after. */
void  cs_bench_feedback (void);

G_END_DECLS
