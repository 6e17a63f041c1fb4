/* cs-types.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "cs-types.h"

G_DEFINE_QUARK (cs-error-quark, cs_error)

static const char *status_names[] = { "open", "decided", "withdrawn", "pending_second" };
static const char *subject_names[] = { "image", "document", "text", "tabular" };
static const char *trigger_names[] = {
  "low_confidence", "fairness", "compliance_keyword", "anomaly", "random_audit", "overdue", "other",
};
static const char *action_names[] = { "accept", "override", "reject", "escalate", "agree" };

static const char *local_state_names[] = { "new", "decided", "synced", "conflict", "closed" };
static const char *outbox_state_names[] = {
  "pending", "inflight", "accepted", "duplicate", "conflict", "invalid",
};

static gboolean
lookup (const char * const *names,
        guint               n_names,
        const char         *str,
        guint              *out)
{
  if (str == NULL)
    return FALSE;
  for (guint i = 0; i < n_names; i++)
    if (g_str_equal (names[i], str))
      {
        *out = i;
        return TRUE;
      }
  return FALSE;
}

#define DEFINE_NAMES(prefix, Type, table)                                  \
  const char *                                                             \
  prefix##_to_string (Type value)                                          \
  {                                                                        \
    g_return_val_if_fail ((guint) value < G_N_ELEMENTS (table), NULL);     \
    return table[value];                                                   \
  }                                                                        \
  gboolean                                                                 \
  prefix##_from_string (const char *str, Type *out)                        \
  {                                                                        \
    guint v;                                                               \
    if (!lookup (table, G_N_ELEMENTS (table), str, &v))                    \
      return FALSE;                                                        \
    *out = (Type) v;                                                       \
    return TRUE;                                                           \
  }

DEFINE_NAMES (cs_case_status, CsCaseStatus, status_names)
DEFINE_NAMES (cs_subject_kind, CsSubjectKind, subject_names)
DEFINE_NAMES (cs_trigger_kind, CsTriggerKind, trigger_names)
DEFINE_NAMES (cs_action, CsAction, action_names)
DEFINE_NAMES (cs_local_state, CsLocalState, local_state_names)
DEFINE_NAMES (cs_outbox_state, CsOutboxState, outbox_state_names)

gboolean
cs_is_sha256 (const char *str)
{
  if (str == NULL || strlen (str) != 64)
    return FALSE;
  for (const char *p = str; *p; p++)
    if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
      return FALSE;
  return TRUE;
}

gboolean
cs_check_sha256 (GBytes        *contents,
                 const char    *expected,
                 const char    *mismatch_message,
                 GCancellable  *cancellable,
                 GError       **error)
{
  const gsize chunk = 1024 * 1024;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (contents, &len);

  for (gsize done = 0; done < len; done += chunk)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      g_checksum_update (checksum, data + done, MIN (chunk, len - done));
    }

  if (expected == NULL || g_ascii_strcasecmp (g_checksum_get_string (checksum), expected) != 0)
    {
      g_set_error_literal (error, CS_ERROR, CS_ERROR_HASH_MISMATCH, mismatch_message);
      return FALSE;
    }
  return TRUE;
}

char *
cs_format_time (GDateTime *time)
{
  g_autoptr(GDateTime) utc = NULL;

  if (time == NULL)
    return NULL;
  utc = g_date_time_to_utc (time);
  if (utc == NULL)
    return NULL;
  /* Not g_date_time_format ("%Y"), which writes the year 26 as "26", not "0026". */
  return g_strdup_printf ("%04d-%02d-%02dT%02d:%02d:%02dZ",
                          g_date_time_get_year (utc), g_date_time_get_month (utc),
                          g_date_time_get_day_of_month (utc), g_date_time_get_hour (utc),
                          g_date_time_get_minute (utc), g_date_time_get_second (utc));
}

GDateTime *
cs_parse_time (const char *str)
{
  g_autoptr(GDateTime) time = NULL;

  if (str == NULL || *str == '\0')
    return NULL;
  /* A time without a zone is not RFC 3339: refuse it rather than guess local time. */
  time = g_date_time_new_from_iso8601 (str, NULL);
  if (time == NULL)
    return NULL;
  /* In UTC, as it is written back; NULL when that falls outside years 1..9999
   * ("9999-12-31T23:59:59-05:00"), which cs_format_time() could not write. */
  return g_date_time_to_utc (time);
}
