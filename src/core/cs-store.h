/* cs-store.h: the workstation's local store (SQLite).
 *
 * It holds decisions not yet on the server, so it is user data, never a cache:
 * WAL, synchronous=FULL, one writer connection on the main thread, file 0600 in
 * a 0700 directory. A decision, its outbox row and its audit entry are written
 * in ONE transaction; so is a page of the changes feed with its cursor.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "cs-case.h"
#include "cs-decision.h"
#include "cs-types.h"

G_BEGIN_DECLS

#define CS_STORE_SCHEMA_VERSION 5

/* A row of the queue list: what a list row shows, without parsing the case. */
typedef struct
{
  char          *id;
  char          *title;
  char          *queue;
  CsTriggerKind  trigger;
  double         confidence;
  double         priority;
  gint64         due_at;       /* unix seconds, 0 when none */
  CsLocalState   local_state;
  CsSubjectKind  subject_kind;
} CsCaseRow;

void       cs_case_row_free (CsCaseRow *row);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsCaseRow, cs_case_row_free)

typedef enum
{
  CS_SORT_PRIORITY,     /* highest priority first */
  CS_SORT_CONFIDENCE,   /* least sure first */
  CS_SORT_DUE,          /* soonest due first */
} CsSortOrder;

/* What the queue view asks for; sorting and filtering happen in SQL. */
typedef struct
{
  CsSortOrder  sort;
  const char  *queue;          /* NULL for every queue */
  int          trigger;        /* a CsTriggerKind, or -1 for all */
  guint        states;         /* bit (1 << CsLocalState) per state shown; 0 for all */
  const char  *search;         /* in title and id; NULL or "" for none */
} CsCaseQuery;

/* The default to-do view: open cases and our unresolved conflicts. */
#define CS_STATES_TODO ((1u << CS_LOCAL_NEW) | (1u << CS_LOCAL_CONFLICT))

/* One audit entry, as exported. */
typedef struct
{
  gint64     seq;
  char      *at;
  char      *event;
  char      *case_id;     /* may be NULL */
  char      *detail;      /* canonical JSON */
  char      *prev_hash;
  char      *hash;
} CsAuditEntry;

void       cs_audit_entry_free (CsAuditEntry *entry);

/* Counts for the window's sync status. */
typedef struct
{
  guint pending;        /* decided here, not yet acknowledged (pending + inflight) */
  guint conflicts;      /* conflicts and invalid decisions awaiting the reviewer */
  guint todo;           /* cases still to decide */
} CsStoreCounts;

#define CS_TYPE_STORE (cs_store_get_type ())
G_DECLARE_FINAL_TYPE (CsStore, cs_store, CS, STORE, GObject)

/* $XDG_DATA_HOME/countersign/<host[_port]>/countersign.db for @server_url;
 * under @data_dir instead when it is given. */
char          *cs_store_default_path       (const char    *server_url,
                                            const char    *data_dir);

CsStore       *cs_store_open               (const char    *path,
                                            GError       **error);
const char    *cs_store_get_path           (CsStore       *self);

/* Small settings that belong with the data: "cursor", "reviewer", "server". */
char          *cs_store_get_meta           (CsStore       *self,
                                            const char    *key);
gboolean       cs_store_set_meta           (CsStore       *self,
                                            const char    *key,
                                            const char    *value,
                                            GError       **error);

/* Upserts a page of the changes feed (by id; a version older than the stored
 * one is ignored) and stores @cursor, in one transaction. @reviewer decides
 * whether an open case is still ours. Returns the ids of cases whose local
 * state or version changed in *changed (may be NULL). */
gboolean       cs_store_apply_changes      (CsStore       *self,
                                            GPtrArray     *cases,
                                            const char    *reviewer,
                                            const char    *cursor,
                                            GPtrArray    **changed,
                                            GError       **error);

CsCase        *cs_store_get_case           (CsStore       *self,
                                            const char    *id,
                                            GError       **error);
gboolean       cs_store_get_local_state    (CsStore       *self,
                                            const char    *id,
                                            CsLocalState  *out);
guint          cs_store_count_cases        (CsStore       *self,
                                            const CsCaseQuery *query);
/* The queues the cases on this workstation belong to, sorted (strings). */
GPtrArray     *cs_store_list_queues        (CsStore       *self,
                                            GError       **error);
/* The position of @case_id in the query's view, or -1 when it is not in it;
 * counted in SQL, without reading the rows before it. */
int            cs_store_case_position      (CsStore       *self,
                                            const CsCaseQuery *query,
                                            const char    *case_id);
/* Rows @offset … @offset + @limit of the query, of CsCaseRow. */
GPtrArray     *cs_store_list_cases         (CsStore       *self,
                                            const CsCaseQuery *query,
                                            guint          offset,
                                            guint          limit,
                                            GError       **error);
/* Asset hashes of cases still to decide, most urgent first. */
GPtrArray     *cs_store_list_wanted_assets (CsStore       *self,
                                            guint          limit,
                                            GError       **error);

/* Asset hashes the evidence cache must keep: those of cases still to review,
 * decided here and not yet acknowledged, in conflict, or with a decision still
 * in the outbox. Evidence of every other case may be evicted. */
GPtrArray     *cs_store_list_needed_assets (CsStore       *self,
                                            GError       **error);

/* The reviewer's decision: outbox row (pending), case state and audit entry in
 * one synchronous=FULL transaction. When this returns TRUE it is on disk. */
gboolean       cs_store_commit_decision    (CsStore       *self,
                                            CsDecision    *decision,
                                            GError       **error);
/* Takes back a decision that has not been sent yet (undo). Fails with
 * CS_ERROR_CONFLICT once it is inflight or acknowledged. */
gboolean       cs_store_undo_decision      (CsStore       *self,
                                            const char    *decision_id,
                                            GError       **error);
/* The reviewer looked at a conflict and lets the server's outcome stand: the
 * case leaves the to-do list, and the dismissal is audited. */
gboolean       cs_store_dismiss_conflict   (CsStore       *self,
                                            const char    *case_id,
                                            GError       **error);
CsDecision    *cs_store_get_latest_decision (CsStore      *self,
                                            const char    *case_id,
                                            CsOutboxState *state);

/* Blind-first review: @reviewer's own label for @case_id, recorded before the
 * model's answer is shown, with a "judgement.initial" audit entry, in one
 * transaction. It must be one of the case's labels. Recording the same label
 * again changes nothing; a different one is a CS_ERROR_CONFLICT: the first
 * judgement stands. */
gboolean       cs_store_record_initial_label (CsStore     *self,
                                            const char    *case_id,
                                            const char    *reviewer,
                                            const char    *label,
                                            GError       **error);
/* The label recorded above, or NULL. */
char          *cs_store_get_initial_label  (CsStore       *self,
                                            const char    *case_id,
                                            const char    *reviewer);
/* For a queue row: whether the case waits for a second review
 * (pending_second), and whether its queue reviews blind first and @reviewer
 * has not judged it yet. FALSE when there is no such case. */
gboolean       cs_store_get_review_stage   (CsStore       *self,
                                            const char    *case_id,
                                            const char    *reviewer,
                                            gboolean      *second_review,
                                            gboolean      *judge_first);

/* The push side of sync. Marks up to @limit pending rows inflight and returns
 * their decisions, oldest first. */
GPtrArray     *cs_store_outbox_begin_batch (CsStore       *self,
                                            guint          limit,
                                            GError       **error);
/* After a crash or a failed request: every inflight row back to pending. */
gboolean       cs_store_outbox_requeue     (CsStore       *self,
                                            GError       **error);
/* Applies the server's answer (of CsDecisionResult) to the inflight rows, the
 * cases and the audit log in one transaction. */
gboolean       cs_store_outbox_apply_results (CsStore     *self,
                                            GPtrArray     *results,
                                            GError       **error);
CsStoreCounts  cs_store_get_counts         (CsStore       *self);

/* The reviewer's own figures over the decisions made on this workstation
 * between @since and @until (the "Your day" of the oversight window). */
typedef struct
{
  guint   decided;
  guint   by_action[CS_N_ACTIONS];
  gint64  median_duration_ms;   /* time on a case; -1 when nothing was decided */
  double  override_rate;        /* overrides / decided; NAN when nothing was decided */
} CsDaySummary;

/* @reviewer NULL counts every reviewer's decisions in this store. */
gboolean       cs_store_get_day_summary    (CsStore       *self,
                                            GDateTime     *since,
                                            GDateTime     *until,
                                            const char    *reviewer,
                                            CsDaySummary  *out,
                                            GError       **error);
/* Every decision made here, as JSON objects with their outbox state. */
GPtrArray     *cs_store_list_outbox        (CsStore       *self,
                                            GError       **error);

/* The audit log: a SHA-256 chain over each entry's canonical JSON and the hash
 * before it. @detail may be NULL. Appended inside the caller's transaction when
 * one is open. */
gboolean       cs_store_audit_append       (CsStore       *self,
                                            const char    *event,
                                            const char    *case_id,
                                            JsonNode      *detail,
                                            GError       **error);
/* Walks the chain; an edited, deleted, inserted or reordered entry is a
 * CS_ERROR_STORE naming the first bad sequence number. */
gboolean       cs_store_audit_verify       (CsStore       *self,
                                            gint64        *n_entries,
                                            GError       **error);
GPtrArray     *cs_store_audit_list         (CsStore       *self,
                                            GError       **error);

/* For tests and the full-disk path: caps the database at @pages pages. */
gboolean       cs_store_set_max_pages      (CsStore       *self,
                                            gint64         pages,
                                            GError       **error);

G_END_DECLS
