/* cs-types.h: enums, error domain and small value types shared by the core.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CS_ERROR (cs_error_quark ())
GQuark cs_error_quark (void);

/* Errors of the core; the message is written for the reviewer or operator. */
typedef enum
{
  CS_ERROR_MALFORMED,      /* a JSON body breaks the schema: the message names the field */
  CS_ERROR_TOO_LARGE,      /* a body over the size or nesting limit */
  CS_ERROR_POLICY,         /* a decision breaks the queue's policy */
  CS_ERROR_NOT_FOUND,      /* no such case, asset or row */
  CS_ERROR_STORE,          /* the local database failed */
  CS_ERROR_DISK_FULL,      /* the local database is out of room; nothing was written */
  CS_ERROR_HTTP,           /* the server answered an unexpected status */
  CS_ERROR_UNAUTHORIZED,   /* 401: the token is missing, wrong or revoked */
  CS_ERROR_FORBIDDEN,      /* 403: the token's role or queues do not allow this */
  CS_ERROR_CONFLICT,       /* 409 */
  CS_ERROR_UNAVAILABLE,    /* the server could not be reached or timed out */
  CS_ERROR_INVALID_ARGUMENT,
  CS_ERROR_HASH_MISMATCH,  /* an asset's bytes do not match its sha256 */
} CsError;

typedef enum
{
  CS_CASE_STATUS_OPEN,
  CS_CASE_STATUS_DECIDED,
  CS_CASE_STATUS_WITHDRAWN,
  CS_CASE_STATUS_PENDING_SECOND,
} CsCaseStatus;

typedef enum
{
  CS_SUBJECT_IMAGE,
  CS_SUBJECT_DOCUMENT,
  CS_SUBJECT_TEXT,
  CS_SUBJECT_TABULAR,
} CsSubjectKind;

typedef enum
{
  CS_TRIGGER_LOW_CONFIDENCE,
  CS_TRIGGER_FAIRNESS,
  CS_TRIGGER_COMPLIANCE_KEYWORD,
  CS_TRIGGER_ANOMALY,
  CS_TRIGGER_RANDOM_AUDIT,
  CS_TRIGGER_OVERDUE,
  CS_TRIGGER_OTHER,
} CsTriggerKind;

typedef enum
{
  CS_ACTION_ACCEPT,
  CS_ACTION_OVERRIDE,
  CS_ACTION_REJECT,
  CS_ACTION_ESCALATE,
  CS_ACTION_AGREE,        /* only for a countersignature (two-person rule) */
} CsAction;

#define CS_N_ACTIONS 5

/* Where a case stands on this workstation, beside its server status. */
typedef enum
{
  CS_LOCAL_NEW,        /* open and ours to decide */
  CS_LOCAL_DECIDED,    /* decided here, not yet acknowledged by the server */
  CS_LOCAL_SYNCED,     /* our decision is on the server */
  CS_LOCAL_CONFLICT,   /* the server refused our decision: the reviewer must look */
  CS_LOCAL_CLOSED,     /* decided by someone else, withdrawn, or no longer ours */
} CsLocalState;

/* What the server said of one pushed decision. */
typedef enum
{
  CS_OUTBOX_PENDING,
  CS_OUTBOX_INFLIGHT,
  CS_OUTBOX_ACCEPTED,
  CS_OUTBOX_DUPLICATE,
  CS_OUTBOX_CONFLICT,
  CS_OUTBOX_INVALID,
} CsOutboxState;

/* Wire names ("low_confidence", "override", …) and their parsers.
 * The parsers return FALSE for an unknown name. */
const char *cs_case_status_to_string   (CsCaseStatus   status);
gboolean    cs_case_status_from_string (const char    *str,
                                        CsCaseStatus  *out);
const char *cs_subject_kind_to_string  (CsSubjectKind  kind);
gboolean    cs_subject_kind_from_string (const char   *str,
                                         CsSubjectKind *out);
const char *cs_trigger_kind_to_string  (CsTriggerKind  kind);
gboolean    cs_trigger_kind_from_string (const char   *str,
                                         CsTriggerKind *out);
const char *cs_action_to_string        (CsAction       action);
gboolean    cs_action_from_string      (const char    *str,
                                        CsAction      *out);

const char *cs_local_state_to_string   (CsLocalState   state);
gboolean    cs_local_state_from_string (const char    *str,
                                        CsLocalState  *out);
const char *cs_outbox_state_to_string  (CsOutboxState  state);
gboolean    cs_outbox_state_from_string (const char   *str,
                                         CsOutboxState *out);

/* 64 lowercase hexadecimal digits: the name of an asset, and safe as a file name. */
gboolean    cs_is_sha256               (const char    *str);
/* Whether @contents hash to @expected (SHA-256, hex), checked a megabyte at a
 * time so that @cancellable can stop it. A mismatch is CS_ERROR_HASH_MISMATCH
 * with @mismatch_message, written for the reviewer. */
gboolean    cs_check_sha256            (GBytes        *contents,
                                        const char    *expected,
                                        const char    *mismatch_message,
                                        GCancellable  *cancellable,
                                        GError       **error);

/* RFC 3339 in UTC with whole seconds, "2026-11-24T09:30:00Z". */
char       *cs_format_time             (GDateTime     *time);
GDateTime  *cs_parse_time              (const char    *str);

G_END_DECLS
