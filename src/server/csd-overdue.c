/* csd-overdue.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "csd-overdue.h"

/* Small enough that one sweep never holds the write lock for long. */
#define BATCH 200

gint64
csd_overdue_sweep (CsdStorage  *storage,
                   GDateTime   *now,
                   GError     **error)
{
  gint64 total = 0;

  for (;;)
    {
      g_autoptr(GPtrArray) moved = csd_storage_overdue_sweep (storage, now, BATCH, error);

      if (moved == NULL)
        return -1;
      for (guint i = 0; i < moved->len; i++)
        {
          CsCase *kase = g_ptr_array_index (moved, i);

          g_message ("case %s: overdue, moved to queue %s (%s), version %" G_GINT64_FORMAT,
                     cs_case_get_id (kase), cs_case_get_queue (kase),
                     cs_case_get_trigger_detail (kase), cs_case_get_version (kase));
        }
      total += moved->len;
      if (moved->len < BATCH)
        return total;
    }
}
