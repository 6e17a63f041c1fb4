/* csd-storage-sqlite.c: the SQLite backend of CsdStorage.
 *
 * One connection, used from the main thread. Every SQL statement of the
 * server is in this file, named in the Stmt enumeration and prepared once.
 * Each public call is one transaction; BEGIN IMMEDIATE takes the write lock
 * up front so that two processes (the server and an operator's command) wait
 * for each other (busy_timeout) instead of failing half-way.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "cs-json.h"
#include "csd-decision-rules.h"
#include "csd-error.h"
#include "csd-storage-sqlite.h"

#define DB_NAME "countersign-server.db"
#define BUSY_TIMEOUT_MS 10000

/* The schema, one transaction per step; PRAGMA user_version says how many
 * steps a database has taken. Append, never edit a step once released. */
static const char *migrations[] = {
  /* 1: the first schema. Times are Unix seconds in UTC. */
  "CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
  "INSERT INTO counters (name, value) VALUES ('case', 0), ('change', 0);"

  "CREATE TABLE tokens ("
  "  name TEXT PRIMARY KEY,"
  "  hash TEXT NOT NULL UNIQUE,"
  "  role TEXT NOT NULL CHECK (role IN ('reviewer', 'model', 'admin')),"
  "  display_name TEXT,"
  "  queues TEXT NOT NULL DEFAULT '[]',"
  "  created_at INTEGER NOT NULL,"
  "  revoked_at INTEGER);"

  "CREATE TABLE queues ("
  "  id TEXT PRIMARY KEY,"
  "  body TEXT NOT NULL,"
  "  updated_at INTEGER NOT NULL);"
  "CREATE TABLE queue_reviewers ("
  "  queue_id TEXT NOT NULL REFERENCES queues (id) ON DELETE CASCADE,"
  "  reviewer TEXT NOT NULL,"
  "  PRIMARY KEY (queue_id, reviewer)) WITHOUT ROWID;"
  "CREATE INDEX queue_reviewers_by_reviewer ON queue_reviewers (reviewer);"

  "CREATE TABLE assets ("
  "  sha256 TEXT PRIMARY KEY,"
  "  media_type TEXT NOT NULL,"
  "  bytes INTEGER NOT NULL,"
  "  created_at INTEGER NOT NULL);"

  /* The case's JSON as ingested is in body; what changes afterwards is in
   * columns, laid over the body when the case is read. */
  "CREATE TABLE cases ("
  "  seq INTEGER PRIMARY KEY,"
  "  id TEXT NOT NULL UNIQUE,"
  "  queue TEXT NOT NULL REFERENCES queues (id),"
  "  status TEXT NOT NULL,"
  "  version INTEGER NOT NULL,"
  "  assigned_to TEXT,"
  "  lease_until INTEGER,"
  "  priority REAL NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  routed TEXT NOT NULL CHECK (routed IN ('escalated', 'automated')),"
  "  trigger_kind TEXT,"
  "  model_name TEXT NOT NULL,"
  "  model_label TEXT NOT NULL,"
  "  model_confidence REAL NOT NULL,"
  "  truth TEXT,"
  "  decided_by TEXT,"
  "  decided_action TEXT,"
  "  decided_label TEXT,"
  "  decided_at INTEGER,"
  "  body TEXT NOT NULL);"
  /* Claims walk a queue's open cases in this order: queues of 100,000 cases. */
  "CREATE INDEX cases_claimable ON cases (queue, status, priority DESC, created_at, seq);"
  "CREATE TABLE case_assets ("
  "  sha256 TEXT NOT NULL REFERENCES assets (sha256),"
  "  case_id TEXT NOT NULL REFERENCES cases (id),"
  "  PRIMARY KEY (sha256, case_id)) WITHOUT ROWID;"
  "CREATE TABLE claim_bans ("
  "  case_id TEXT NOT NULL REFERENCES cases (id),"
  "  reviewer TEXT NOT NULL,"
  "  PRIMARY KEY (case_id, reviewer)) WITHOUT ROWID;"

  "CREATE TABLE feed ("
  "  reviewer TEXT NOT NULL,"
  "  case_id TEXT NOT NULL REFERENCES cases (id),"
  "  seq INTEGER NOT NULL,"
  "  PRIMARY KEY (reviewer, case_id)) WITHOUT ROWID;"
  "CREATE UNIQUE INDEX feed_by_seq ON feed (reviewer, seq);"

  "CREATE TABLE decisions ("
  "  id TEXT PRIMARY KEY,"
  "  case_id TEXT NOT NULL REFERENCES cases (id),"
  "  queue TEXT NOT NULL,"
  "  case_version INTEGER NOT NULL,"
  "  action TEXT NOT NULL,"
  "  label TEXT,"
  "  rationale TEXT NOT NULL,"
  "  reviewer TEXT NOT NULL,"
  "  decided_at INTEGER NOT NULL,"
  "  duration_ms INTEGER NOT NULL,"
  "  received_at INTEGER NOT NULL,"
  "  result_version INTEGER NOT NULL,"
  "  body TEXT NOT NULL);"
  "CREATE INDEX decisions_by_queue ON decisions (queue, duration_ms);"

  "CREATE TABLE outcomes ("
  "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  case_id TEXT NOT NULL REFERENCES cases (id),"
  "  queue TEXT NOT NULL,"
  "  model_label TEXT NOT NULL,"
  "  model_confidence REAL NOT NULL,"
  "  final_label TEXT,"
  "  decided_by TEXT NOT NULL,"
  "  action TEXT NOT NULL,"
  "  rationale TEXT,"
  "  trigger_kind TEXT,"
  "  created_at INTEGER NOT NULL,"
  "  decided_at INTEGER NOT NULL,"
  "  duration_ms INTEGER,"
  "  decision_id TEXT REFERENCES decisions (id));"
  "CREATE INDEX outcomes_by_case ON outcomes (case_id);"
  "CREATE INDEX cases_by_queue_routed ON cases (queue, routed, status);",

  /* 2: blind-first review and the two-person rule. A case pending a second
   * review holds the first decision (as the JSON of the case's
   * "first_decision"); an outcome keeps both reviews. */
  "ALTER TABLE decisions ADD COLUMN initial_label TEXT;"
  "ALTER TABLE decisions ADD COLUMN countersigns TEXT;"
  "UPDATE decisions SET initial_label = json_extract (body, '$.initial_label'),"
  "  countersigns = json_extract (body, '$.countersigns');"
  "ALTER TABLE cases ADD COLUMN first_decision TEXT;"
  "ALTER TABLE outcomes ADD COLUMN initial_label TEXT;"
  "ALTER TABLE outcomes ADD COLUMN first_decision TEXT;"
  "ALTER TABLE outcomes ADD COLUMN second_review TEXT;",

  /* 3: the overdue fallback. due_at is copied out of the body (by a
   * trigger, so that every way in sets it); overdue_from names the queue a
   * case was moved from, which also keeps it from moving twice;
   * moved_version is its version from the move on. */
  "ALTER TABLE cases ADD COLUMN due_at INTEGER;"
  "ALTER TABLE cases ADD COLUMN overdue_from TEXT;"
  "ALTER TABLE cases ADD COLUMN moved_version INTEGER;"
  "UPDATE cases SET due_at = unixepoch (json_extract (body, '$.due_at'));"
  "CREATE TRIGGER cases_due_at AFTER INSERT ON cases BEGIN"
  "  UPDATE cases SET due_at = unixepoch (json_extract (NEW.body, '$.due_at')) WHERE seq = NEW.seq;"
  "END;"
  "CREATE INDEX cases_undecided_by_due ON cases (due_at) "
  "  WHERE status IN ('open', 'pending_second') AND overdue_from IS NULL;",

  /* 4: webhooks. A final outcome of a queue with a webhook is queued here
   * in the transaction that makes it final, and stays until a 2xx.
   * next_attempt_at is in Unix milliseconds. */
  "CREATE TABLE webhook_deliveries ("
  "  event_id TEXT PRIMARY KEY,"
  "  outcome_seq INTEGER NOT NULL REFERENCES outcomes (seq),"
  "  case_id TEXT NOT NULL,"
  "  url TEXT NOT NULL,"
  "  secret TEXT NOT NULL,"
  "  body TEXT NOT NULL,"
  "  attempts INTEGER NOT NULL DEFAULT 0,"
  "  next_attempt_at INTEGER NOT NULL,"
  "  last_error TEXT,"
  "  delivered_at INTEGER,"
  "  created_at INTEGER NOT NULL);"
  "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE delivered_at IS NULL;",
};

typedef enum
{
  STMT_BEGIN,
  STMT_BEGIN_READ,
  STMT_COMMIT,
  STMT_ROLLBACK,
  STMT_NEXT_COUNTER,

  STMT_TOKEN_CREATE,
  STMT_TOKEN_LOOKUP,
  STMT_TOKEN_LIST,
  STMT_TOKEN_REVOKE,

  STMT_QUEUE_EXISTS,
  STMT_QUEUE_PUT,
  STMT_QUEUE_GET,
  STMT_QUEUE_LIST,
  STMT_QUEUE_IDS,
  STMT_QUEUE_REVIEWERS_CLEAR,
  STMT_QUEUE_REVIEWER_ADD,
  STMT_QUEUES_NAMING,

  STMT_ASSET_PUT,
  STMT_ASSET_GET,
  STMT_ASSET_IN_QUEUES,

  STMT_CASE_INSERT,
  STMT_CASE_ASSET_INSERT,
  STMT_CASE_GET,
  STMT_CASE_UPDATE_STATE,
  STMT_CASE_SET_TRUTH,

  STMT_CLAIM_SELECT,
  STMT_CLAIM_ASSIGN,
  STMT_CLAIM_BAN_ADD,
  STMT_CLAIM_BAN_EXISTS,

  STMT_FEED_UPSERT,
  STMT_FEED_PAGE,

  STMT_DECISION_RESULT,
  STMT_DECISION_INSERT,
  STMT_OUTCOME_INSERT,
  STMT_OUTCOME_PAGE,
  STMT_OUTCOME_OF_CASE,
  STMT_CASE_MOVED_VERSION,
  STMT_OVERDUE_SELECT,
  STMT_OVERDUE_MOVE,
  STMT_QUEUE_WEBHOOK,
  STMT_OUTCOME_BY_SEQ,
  STMT_WEBHOOK_INSERT,
  STMT_WEBHOOK_DUE,
  STMT_WEBHOOK_UPDATE,
  STMT_WEBHOOK_NEXT,
  STMT_CASE_EXISTS,
  STMT_DECISION_BODY,
  STMT_METRICS_BLIND_FIRST,

  STMT_METRICS_CASES,
  STMT_METRICS_TRIGGERS,
  STMT_METRICS_ACTIONS,
  STMT_METRICS_DURATIONS,
  STMT_METRICS_TIMES_TO_DECISION,
  STMT_CASE_FIGURES,

  N_STMTS
} Stmt;

#define CASE_COLUMNS \
  "c.id, c.version, c.status, c.assigned_to, c.lease_until, c.priority, " \
  "c.decided_by, c.decided_action, c.decided_label, c.decided_at, c.body, " \
  "c.queue, c.first_decision, c.overdue_from"
#define N_CASE_COLUMNS 14

#define OUTCOME_COLUMNS \
  "o.seq, o.case_id, o.queue, o.model_label, o.model_confidence, o.final_label, " \
  "o.decided_by, o.action, o.rationale, o.trigger_kind, o.created_at, o.decided_at, " \
  "o.duration_ms, c.truth, o.initial_label, o.first_decision, o.second_review"

#define IN_QUEUE "(?1 IS NULL OR queue = ?1)"

static const char *stmt_sql[N_STMTS] = {
  [STMT_BEGIN] = "BEGIN IMMEDIATE",
  [STMT_BEGIN_READ] = "BEGIN DEFERRED",
  [STMT_COMMIT] = "COMMIT",
  [STMT_ROLLBACK] = "ROLLBACK",
  [STMT_NEXT_COUNTER] = "UPDATE counters SET value = value + 1 WHERE name = ?1 RETURNING value",

  [STMT_TOKEN_CREATE] =
    "INSERT INTO tokens (name, hash, role, display_name, queues, created_at, revoked_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL) "
    "ON CONFLICT (name) DO UPDATE SET hash = excluded.hash, role = excluded.role, "
    "  display_name = excluded.display_name, queues = excluded.queues, "
    "  created_at = excluded.created_at, revoked_at = NULL "
    "WHERE tokens.revoked_at IS NOT NULL",
  [STMT_TOKEN_LOOKUP] =
    "SELECT name, role, display_name, queues, created_at, revoked_at FROM tokens "
    "WHERE hash = ?1 AND revoked_at IS NULL",
  [STMT_TOKEN_LIST] =
    "SELECT name, role, display_name, queues, created_at, revoked_at FROM tokens ORDER BY name",
  [STMT_TOKEN_REVOKE] =
    "UPDATE tokens SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",

  [STMT_QUEUE_EXISTS] = "SELECT 1 FROM queues WHERE id = ?1",
  [STMT_QUEUE_PUT] =
    "INSERT INTO queues (id, body, updated_at) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
  [STMT_QUEUE_GET] = "SELECT body FROM queues WHERE id = ?1",
  [STMT_QUEUE_LIST] = "SELECT body FROM queues ORDER BY id",
  [STMT_QUEUE_IDS] = "SELECT id FROM queues ORDER BY id",
  [STMT_QUEUE_REVIEWERS_CLEAR] = "DELETE FROM queue_reviewers WHERE queue_id = ?1",
  [STMT_QUEUE_REVIEWER_ADD] = "INSERT OR IGNORE INTO queue_reviewers (queue_id, reviewer) VALUES (?1, ?2)",
  [STMT_QUEUES_NAMING] = "SELECT queue_id FROM queue_reviewers WHERE reviewer = ?1 ORDER BY queue_id",

  [STMT_ASSET_PUT] =
    "INSERT INTO assets (sha256, media_type, bytes, created_at) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT (sha256) DO NOTHING",
  [STMT_ASSET_GET] = "SELECT media_type, bytes FROM assets WHERE sha256 = ?1",
  [STMT_ASSET_IN_QUEUES] =
    "SELECT 1 FROM case_assets a JOIN cases c ON c.id = a.case_id "
    "WHERE a.sha256 = ?1 AND c.queue IN (SELECT value FROM json_each (?2)) LIMIT 1",

  [STMT_CASE_INSERT] =
    "INSERT INTO cases (id, queue, status, version, assigned_to, lease_until, priority, created_at, "
    "  routed, trigger_kind, model_name, model_label, model_confidence, truth, "
    "  decided_by, decided_action, decided_label, decided_at, body) "
    "VALUES (?1, ?2, ?3, ?4, NULL, NULL, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
  [STMT_CASE_ASSET_INSERT] =
    "INSERT OR IGNORE INTO case_assets (sha256, case_id) VALUES (?1, ?2)",
  [STMT_CASE_GET] = "SELECT " CASE_COLUMNS " FROM cases c WHERE c.id = ?1",
  [STMT_CASE_UPDATE_STATE] =
    "UPDATE cases SET status = ?2, version = ?3, assigned_to = ?4, lease_until = ?5, priority = ?6, "
    "  decided_by = ?7, decided_action = ?8, decided_label = ?9, decided_at = ?10, first_decision = ?11 "
    "WHERE id = ?1",
  [STMT_CASE_SET_TRUTH] = "UPDATE cases SET truth = ?2 WHERE id = ?1",

  [STMT_CLAIM_SELECT] =
    "SELECT id, assigned_to FROM cases "
    "WHERE queue = ?1 AND status IN ('open', 'pending_second') "
    "  AND (assigned_to IS NULL OR lease_until IS NULL OR lease_until <= ?2) "
    "  AND NOT EXISTS (SELECT 1 FROM claim_bans b WHERE b.case_id = cases.id AND b.reviewer = ?3) "
    "ORDER BY priority DESC, created_at, seq LIMIT ?4",
  [STMT_CLAIM_ASSIGN] =
    "UPDATE cases SET version = version + (CASE WHEN assigned_to IS ?2 THEN 0 ELSE 1 END), "
    "  assigned_to = ?2, lease_until = ?3 "
    "WHERE id = ?1",
  [STMT_CLAIM_BAN_ADD] = "INSERT OR IGNORE INTO claim_bans (case_id, reviewer) VALUES (?1, ?2)",
  [STMT_CLAIM_BAN_EXISTS] = "SELECT 1 FROM claim_bans WHERE case_id = ?1 AND reviewer = ?2",

  [STMT_FEED_UPSERT] =
    "INSERT INTO feed (reviewer, case_id, seq) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (reviewer, case_id) DO UPDATE SET seq = excluded.seq",
  [STMT_FEED_PAGE] =
    "SELECT f.seq, " CASE_COLUMNS " FROM feed f JOIN cases c ON c.id = f.case_id "
    "WHERE f.reviewer = ?1 AND f.seq > ?2 ORDER BY f.seq LIMIT ?3",

  [STMT_DECISION_RESULT] = "SELECT result_version FROM decisions WHERE id = ?1",
  [STMT_DECISION_INSERT] =
    "INSERT INTO decisions (id, case_id, queue, case_version, action, label, rationale, reviewer, "
    "  decided_at, duration_ms, received_at, result_version, body, initial_label, countersigns) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
  [STMT_OUTCOME_INSERT] =
    "INSERT INTO outcomes (case_id, queue, model_label, model_confidence, final_label, decided_by, "
    "  action, rationale, trigger_kind, created_at, decided_at, duration_ms, decision_id, "
    "  initial_label, first_decision, second_review) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
  [STMT_OUTCOME_PAGE] =
    "SELECT " OUTCOME_COLUMNS " "
    "FROM outcomes o JOIN cases c ON c.id = o.case_id "
    "WHERE o.seq > ?1 ORDER BY o.seq LIMIT ?2",
  [STMT_OUTCOME_OF_CASE] =
    "SELECT " OUTCOME_COLUMNS " "
    "FROM outcomes o JOIN cases c ON c.id = o.case_id "
    "WHERE o.case_id = ?1 ORDER BY o.seq DESC LIMIT 1",
  [STMT_CASE_EXISTS] = "SELECT 1 FROM cases WHERE id = ?1",
  [STMT_QUEUE_WEBHOOK] =
    "SELECT json_extract (body, '$.webhook.url'), json_extract (body, '$.webhook.secret') "
    "FROM queues WHERE id = ?1",
  [STMT_OUTCOME_BY_SEQ] =
    "SELECT " OUTCOME_COLUMNS " FROM outcomes o JOIN cases c ON c.id = o.case_id WHERE o.seq = ?1",
  [STMT_WEBHOOK_INSERT] =
    "INSERT INTO webhook_deliveries (event_id, outcome_seq, case_id, url, secret, body, attempts, "
    "  next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 0, ?7)",
  [STMT_WEBHOOK_DUE] =
    "SELECT event_id, case_id, url, secret, body, attempts FROM webhook_deliveries "
    "WHERE delivered_at IS NULL AND next_attempt_at <= ?1 ORDER BY next_attempt_at, outcome_seq LIMIT ?2",
  [STMT_WEBHOOK_UPDATE] =
    "UPDATE webhook_deliveries SET attempts = ?2, next_attempt_at = ?3, delivered_at = ?4, last_error = ?5 "
    "WHERE event_id = ?1",
  [STMT_WEBHOOK_NEXT] =
    "SELECT MIN (next_attempt_at) FROM webhook_deliveries WHERE delivered_at IS NULL",
  [STMT_CASE_MOVED_VERSION] = "SELECT moved_version FROM cases WHERE id = ?1",
  /* The WHERE repeats the partial index's, so that the index serves it. */
  [STMT_OVERDUE_SELECT] =
    "SELECT c.id, c.queue, json_extract (q.body, '$.on_overdue.queue') AS target, c.assigned_to "
    "FROM cases c JOIN queues q ON q.id = c.queue "
    "WHERE c.status IN ('open', 'pending_second') AND c.overdue_from IS NULL AND c.due_at <= ?1 "
    "  AND target IS NOT NULL AND target <> c.queue "
    "  AND EXISTS (SELECT 1 FROM queues t WHERE t.id = target) "
    "ORDER BY c.due_at, c.seq LIMIT ?2",
  [STMT_OVERDUE_MOVE] =
    "UPDATE cases SET queue = ?2, overdue_from = queue, trigger_kind = 'overdue', "
    "  assigned_to = NULL, lease_until = NULL, version = version + 1, moved_version = version + 1 "
    "WHERE id = ?1",
  [STMT_DECISION_BODY] = "SELECT body FROM decisions WHERE id = ?1",
  /* Each case's latest outcome (an amendment replaces the one before). */
  [STMT_METRICS_BLIND_FIRST] =
    "SELECT COUNT(*), "
    "  TOTAL(o.final_label IS NOT o.initial_label), "
    "  TOTAL(c.truth IS NOT NULL), "
    "  TOTAL(c.truth IS NOT NULL AND o.initial_label = c.truth), "
    "  TOTAL(c.truth IS NOT NULL AND o.final_label = c.truth), "
    "  (SELECT json_extract (q.body, '$.policy.blind_first') FROM queues q WHERE q.id = ?1) "
    "FROM outcomes o JOIN cases c ON c.id = o.case_id "
    "WHERE o.initial_label IS NOT NULL AND (?1 IS NULL OR o.queue = ?1) "
    "  AND o.seq = (SELECT MAX (o2.seq) FROM outcomes o2 WHERE o2.case_id = o.case_id)",

  [STMT_METRICS_CASES] =
    "SELECT COUNT(*), "
    "  TOTAL(routed = 'escalated'), "
    "  TOTAL(routed = 'automated'), "
    "  TOTAL(routed = 'escalated' AND status = 'decided'), "
    "  TOTAL(routed = 'escalated' AND status = 'decided' AND decided_action = 'override'), "
    "  TOTAL(truth IS NOT NULL), "
    "  TOTAL(truth IS NOT NULL AND model_label = truth), "
    "  TOTAL(truth IS NOT NULL AND status = 'decided' AND decided_label IS NOT NULL), "
    "  TOTAL(truth IS NOT NULL AND status = 'decided' AND decided_label = truth), "
    "  TOTAL(truth IS NOT NULL AND routed = 'escalated'), "
    "  TOTAL(truth IS NOT NULL AND routed = 'escalated' AND model_label = truth), "
    "  TOTAL(truth IS NOT NULL AND routed = 'escalated' AND status = 'decided' AND decided_label IS NOT NULL), "
    "  TOTAL(truth IS NOT NULL AND routed = 'escalated' AND status = 'decided' AND decided_label = truth) "
    "FROM cases WHERE " IN_QUEUE,
  [STMT_METRICS_TRIGGERS] =
    "SELECT trigger_kind, COUNT(*), TOTAL(status = 'decided'), "
    "  TOTAL(status = 'decided' AND decided_action = 'override') FROM cases "
    "WHERE routed = 'escalated' AND " IN_QUEUE " GROUP BY trigger_kind",
  [STMT_METRICS_ACTIONS] =
    "SELECT action, COUNT(*) FROM decisions WHERE " IN_QUEUE " GROUP BY action",
  [STMT_METRICS_DURATIONS] =
    "SELECT duration_ms FROM decisions WHERE " IN_QUEUE " ORDER BY duration_ms LIMIT ?2 OFFSET ?3",
  [STMT_METRICS_TIMES_TO_DECISION] =
    "SELECT decided_at - created_at AS t FROM cases "
    "WHERE routed = 'escalated' AND status = 'decided' AND " IN_QUEUE " ORDER BY t LIMIT ?2 OFFSET ?3",
  /* The context field is looked up by key with json_each rather than by a
   * JSON path, so that any field name works without quoting rules. */
  [STMT_CASE_FIGURES] =
    "SELECT c.routed, c.status, c.decided_action, c.model_label, c.model_confidence, "
    "  c.decided_label, c.truth, "
    "  CASE WHEN ?2 IS NULL THEN NULL ELSE "
    "    (SELECT CASE j.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE j.value END "
    "     FROM json_each (c.body, '$.context') j WHERE j.key = ?2 AND j.type <> 'null') END "
    "FROM cases c WHERE c.queue = ?1 ORDER BY c.seq",
};

struct _CsdStorageSqlite
{
  GObject        parent_instance;

  char          *path;
  sqlite3       *db;
  sqlite3_stmt  *stmts[N_STMTS];
};

static void csd_storage_sqlite_iface_init (CsdStorageInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CsdStorageSqlite, csd_storage_sqlite, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (CSD_TYPE_STORAGE, csd_storage_sqlite_iface_init))

/* Plumbing */

static gboolean
db_error (CsdStorageSqlite  *self,
          GError           **error,
          const char        *what)
{
  int code = sqlite3_extended_errcode (self->db);

  if ((code & 0xff) == SQLITE_FULL)
    g_set_error (error, CSD_ERROR, CSD_ERROR_STORAGE,
                 "The disk holding %s is full (%s)", self->path, what);
  else
    g_set_error (error, CSD_ERROR, CSD_ERROR_STORAGE, "Database error (%s): %s",
                 what, sqlite3_errmsg (self->db));
  return FALSE;
}

/* The prepared statement @id, reset and with its bindings cleared. */
static sqlite3_stmt *
stmt (CsdStorageSqlite  *self,
      Stmt               id,
      GError           **error)
{
  sqlite3_stmt *st = self->stmts[id];

  if (st == NULL)
    {
      if (sqlite3_prepare_v3 (self->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                              &self->stmts[id], NULL) != SQLITE_OK)
        {
          db_error (self, error, "prepare");
          return NULL;
        }
      return self->stmts[id];
    }

  sqlite3_reset (st);
  sqlite3_clear_bindings (st);
  return st;
}

static void
bind_text (sqlite3_stmt *st,
           int           index,
           const char   *value)
{
  if (value != NULL)
    sqlite3_bind_text (st, index, value, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (st, index);
}

static void
bind_time (sqlite3_stmt *st,
           int           index,
           GDateTime    *time)
{
  if (time != NULL)
    sqlite3_bind_int64 (st, index, g_date_time_to_unix (time));
  else
    sqlite3_bind_null (st, index);
}

static char *
column_text (sqlite3_stmt *st,
             int           col)
{
  return g_strdup ((const char *) sqlite3_column_text (st, col));
}

static GDateTime *
column_time (sqlite3_stmt *st,
             int           col)
{
  if (sqlite3_column_type (st, col) == SQLITE_NULL)
    return NULL;
  return g_date_time_new_from_unix_utc (sqlite3_column_int64 (st, col));
}

/* Steps a statement that returns no row (or whose rows do not matter). */
static gboolean
run (CsdStorageSqlite  *self,
     sqlite3_stmt      *st,
     GError           **error)
{
  int rc = sqlite3_step (st);

  while (rc == SQLITE_ROW)
    rc = sqlite3_step (st);
  sqlite3_reset (st);
  if (rc != SQLITE_DONE)
    return db_error (self, error, sqlite3_sql (st));
  return TRUE;
}

/* SQLITE_ROW → 1, SQLITE_DONE → 0, an error → -1. */
static int
step (CsdStorageSqlite  *self,
      sqlite3_stmt      *st,
      GError           **error)
{
  int rc = sqlite3_step (st);

  if (rc == SQLITE_ROW)
    return 1;
  if (rc == SQLITE_DONE)
    return 0;
  db_error (self, error, sqlite3_sql (st));
  sqlite3_reset (st);
  return -1;
}

static gboolean
run_simple (CsdStorageSqlite  *self,
            Stmt               id,
            GError           **error)
{
  sqlite3_stmt *st = stmt (self, id, error);

  return st != NULL && run (self, st, error);
}

static gboolean
begin (CsdStorageSqlite  *self,
       GError           **error)
{
  return run_simple (self, STMT_BEGIN, error);
}

static gboolean
begin_read (CsdStorageSqlite  *self,
            GError           **error)
{
  return run_simple (self, STMT_BEGIN_READ, error);
}

static gboolean
commit (CsdStorageSqlite  *self,
        GError           **error)
{
  if (run_simple (self, STMT_COMMIT, error))
    return TRUE;
  /* A failed COMMIT may leave the transaction open: end it. */
  if (!sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

/* Ends a failed transaction; returns FALSE for the caller to pass on. */
static gboolean
rollback (CsdStorageSqlite *self)
{
  for (guint i = 0; i < N_STMTS; i++)
    if (self->stmts[i] != NULL)
      sqlite3_reset (self->stmts[i]);
  if (!sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

static gboolean
next_counter (CsdStorageSqlite  *self,
              const char        *name,
              gint64            *value,
              GError           **error)
{
  sqlite3_stmt *st = stmt (self, STMT_NEXT_COUNTER, error);

  if (st == NULL)
    return FALSE;
  bind_text (st, 1, name);
  if (step (self, st, error) != 1)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, CSD_ERROR, CSD_ERROR_STORAGE, "The counter %s is missing", name);
      return FALSE;
    }
  *value = sqlite3_column_int64 (st, 0);
  return run (self, st, error);
}

/* Moves the case to the end of the reviewer's changes feed. */
static gboolean
feed_touch (CsdStorageSqlite  *self,
            const char        *reviewer,
            const char        *case_id,
            GError           **error)
{
  sqlite3_stmt *st;
  gint64 seq;

  if (reviewer == NULL)
    return TRUE;
  if (!next_counter (self, "change", &seq, error) ||
      (st = stmt (self, STMT_FEED_UPSERT, error)) == NULL)
    return FALSE;
  bind_text (st, 1, reviewer);
  bind_text (st, 2, case_id);
  sqlite3_bind_int64 (st, 3, seq);
  return run (self, st, error);
}

static char *
strv_to_json (const char * const *strv)
{
  g_autoptr(JsonArray) arr = json_array_new ();
  g_autoptr(JsonNode) node = NULL;

  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    json_array_add_string_element (arr, strv[i]);
  node = json_node_init_array (json_node_alloc (), arr);
  return cs_json_to_string (node, NULL);
}

static char **
strv_from_json (const char *text)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (text != NULL)
    node = cs_json_parse (text, strlen (text), NULL);
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *arr = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (arr); i++)
        {
          const char *s = json_node_get_string (json_array_get_element (arr, i));
          if (s != NULL)
            g_strv_builder_add (builder, s);
        }
    }
  return g_strv_builder_end (builder);
}

static char **
collect_strings (CsdStorageSqlite  *self,
                 sqlite3_stmt      *st,
                 GError           **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  int rc;

  while ((rc = step (self, st, error)) == 1)
    g_strv_builder_add (builder, (const char *) sqlite3_column_text (st, 0));
  if (rc < 0)
    return NULL;
  return g_strv_builder_end (builder);
}

/* Rows to values */

static CsdPrincipal *
principal_from_row (sqlite3_stmt *st)
{
  CsdPrincipal *principal = g_new0 (CsdPrincipal, 1);

  principal->name = column_text (st, 0);
  if (!csd_role_from_string ((const char *) sqlite3_column_text (st, 1), &principal->role))
    principal->role = CSD_ROLE_REVIEWER;
  principal->display_name = column_text (st, 2);
  principal->queues = strv_from_json ((const char *) sqlite3_column_text (st, 3));
  principal->created_at = column_time (st, 4);
  principal->revoked_at = column_time (st, 5);
  return principal;
}

/* Reads CASE_COLUMNS from column @col on: the stored body, with the state
 * that has changed since laid over it. */
static CsCase *
case_from_row (sqlite3_stmt  *st,
               int            col,
               GError       **error)
{
  const char *body = (const char *) sqlite3_column_text (st, col + 10);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(CsCase) kase = NULL;
  g_autoptr(GDateTime) lease = NULL;
  g_autoptr(GError) local_error = NULL;
  CsCaseStatus status;

  node = cs_json_parse (body, (gsize) sqlite3_column_bytes (st, col + 10), &local_error);
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      /* What the body cannot say: the queue a case was moved to, and the
       * decision waiting for a second reviewer. */
      JsonObject *obj = json_node_get_object (node);
      const char *first = (const char *) sqlite3_column_text (st, col + 12);
      const char *overdue_from = (const char *) sqlite3_column_text (st, col + 13);
      JsonNode *first_node = first ? cs_json_parse (first, strlen (first), NULL) : NULL;

      if (overdue_from != NULL)
        {
          JsonObject *trigger = json_object_new ();
          g_autofree char *detail = g_strdup_printf ("undecided in queue %s at its due time", overdue_from);

          json_object_set_string_member (trigger, "kind", cs_trigger_kind_to_string (CS_TRIGGER_OVERDUE));
          json_object_set_string_member (trigger, "detail", detail);
          json_object_set_object_member (obj, "trigger", trigger);
        }

      json_object_set_string_member (obj, "queue", (const char *) sqlite3_column_text (st, col + 11));
      if (first_node != NULL)
        json_object_set_member (obj, "first_decision", first_node);
      else if (json_object_has_member (obj, "first_decision"))
        json_object_remove_member (obj, "first_decision");
    }
  if (node != NULL)
    kase = cs_case_new_from_json (node, CS_CASE_PARSE_CASE, &local_error);
  if (kase == NULL)
    {
      g_set_error (error, CSD_ERROR, CSD_ERROR_STORAGE, "The stored case %s does not parse: %s",
                   (const char *) sqlite3_column_text (st, col), local_error->message);
      return NULL;
    }

  cs_case_set_version (kase, sqlite3_column_int64 (st, col + 1));
  if (cs_case_status_from_string ((const char *) sqlite3_column_text (st, col + 2), &status))
    cs_case_set_status (kase, status);
  lease = column_time (st, col + 4);
  cs_case_set_assigned_to (kase, (const char *) sqlite3_column_text (st, col + 3), lease);
  cs_case_set_priority (kase, sqlite3_column_double (st, col + 5));

  if (sqlite3_column_type (st, col + 6) != SQLITE_NULL)
    {
      g_autoptr(GDateTime) at = column_time (st, col + 9);
      CsDecided decided = {
        .by = (char *) sqlite3_column_text (st, col + 6),
        .action = CS_ACTION_ACCEPT,
        .label = (char *) sqlite3_column_text (st, col + 8),
        .at = at,
      };

      cs_action_from_string ((const char *) sqlite3_column_text (st, col + 7), &decided.action);
      cs_case_set_decided (kase, &decided);
    }
  else
    cs_case_set_decided (kase, NULL);

  return g_steal_pointer (&kase);
}

/* The case, or NULL: with *error set on a failure, unset when there is none. */
static CsCase *
load_case (CsdStorageSqlite  *self,
           const char        *id,
           GError           **error)
{
  sqlite3_stmt *st = stmt (self, STMT_CASE_GET, error);
  CsCase *kase = NULL;
  int rc;

  if (st == NULL)
    return NULL;
  bind_text (st, 1, id);
  rc = step (self, st, error);
  if (rc == 1)
    kase = case_from_row (st, 0, error);
  sqlite3_reset (st);
  return kase;
}

/* A CsDecided as JSON text, the case's "first_decision" member; NULL for none. */
static char *
decided_to_text (const CsDecided *d,
                 const char      *extra_member,
                 gboolean         extra_value)
{
  g_autoptr(JsonObject) obj = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *at = NULL;

  if (d == NULL)
    return NULL;
  obj = json_object_new ();
  at = cs_format_time (d->at);
  if (d->id != NULL)
    json_object_set_string_member (obj, "id", d->id);
  json_object_set_string_member (obj, "by", d->by);
  json_object_set_string_member (obj, "action", cs_action_to_string (d->action));
  if (d->label != NULL)
    json_object_set_string_member (obj, "label", d->label);
  else
    json_object_set_null_member (obj, "label");
  if (d->rationale != NULL)
    json_object_set_string_member (obj, "rationale", d->rationale);
  else
    json_object_set_null_member (obj, "rationale");
  json_object_set_string_member (obj, "at", at);
  if (extra_member != NULL)
    json_object_set_boolean_member (obj, extra_member, extra_value);
  node = json_node_init_object (json_node_alloc (), obj);
  return cs_json_to_string (node, NULL);
}

static gboolean
write_case_state (CsdStorageSqlite  *self,
                  CsCase            *kase,
                  GError           **error)
{
  sqlite3_stmt *st = stmt (self, STMT_CASE_UPDATE_STATE, error);
  const CsDecided *decided = cs_case_get_decided (kase);
  g_autofree char *first = decided_to_text (cs_case_get_first_decision (kase), NULL, FALSE);

  if (st == NULL)
    return FALSE;
  bind_text (st, 1, cs_case_get_id (kase));
  bind_text (st, 2, cs_case_status_to_string (cs_case_get_status (kase)));
  sqlite3_bind_int64 (st, 3, cs_case_get_version (kase));
  bind_text (st, 4, cs_case_get_assigned_to (kase));
  bind_time (st, 5, cs_case_get_assigned_to (kase) ? cs_case_get_lease_until (kase) : NULL);
  sqlite3_bind_double (st, 6, cs_case_get_priority (kase));
  if (decided != NULL)
    {
      bind_text (st, 7, decided->by);
      bind_text (st, 8, cs_action_to_string (decided->action));
      bind_text (st, 9, decided->label);
      bind_time (st, 10, decided->at);
    }
  bind_text (st, 11, first);
  return run (self, st, error);
}

static CsCase *
not_found_case (const char  *id,
                GError     **error)
{
  g_set_error (error, CSD_ERROR, CSD_ERROR_NOT_FOUND, "There is no case %s", id);
  return NULL;
}

/* A case that must exist: its absence is CSD_ERROR_NOT_FOUND. */
static CsCase *
require_case (CsdStorageSqlite  *self,
              const char        *id,
              GError           **error)
{
  GError *local_error = NULL;
  CsCase *kase = load_case (self, id, &local_error);

  if (kase == NULL && local_error == NULL)
    return not_found_case (id, error);
  if (local_error != NULL)
    g_propagate_error (error, local_error);
  return kase;
}

/* Tokens */

static gboolean
sqlite_token_create (CsdStorage          *storage,
                     const CsdPrincipal  *principal,
                     const char          *token_hash,
                     GError             **error)
{
  CsdStorageSqlite *self = CSD_STORAGE_SQLITE (storage);
  g_autofree char *queues = strv_to_json ((const char * const *) principal->queues);
  sqlite3_stmt *st = stmt (self, STMT_TOKEN_CREATE, error);

  if (st == NULL)
    return FALSE;
  bind_text (st, 1, principal->name);
  bind_text (st, 2, token_hash);
  bind_text (st, 3, csd_role_to_string (principal->role));
  bind_text (st, 4, principal->display_name);
  bind_text (st, 5, queues);
  bind_time (st, 6, principal->created_at);
  if (!run (self, st, error))
    return FALSE;

  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, CSD_ERROR, CSD_ERROR_CONFLICT,
                   "A token named %s exists; revoke it first", principal->name);
      return FALSE;
    }
  return TRUE;
}

static CsdPrincipal *
sqlite_token_lookup (CsdStorage  *storage,
                     const char  *token_hash,
                     GError     **error)
{
  CsdStorageSqlite *self = CSD_STORAGE_SQLITE (storage);
  sqlite3_stmt *st = stmt (self, STMT_TOKEN_LOOKUP, error);
  CsdPrincipal *principal = NULL;
  int rc;

  if (st == NULL)
    return NULL;
  bind_text (st, 1, token_hash);
  rc = step (self, st, error);
  if (rc == 1)
    principal = principal_from_row (st);
  else if (rc == 0)
    g_set_error_literal (error, CSD_ERROR, CSD_ERROR_UNAUTHORIZED, "The token is not valid");
  sqlite3_reset (st);
  return principal;
}

static GPtrArray *
sqlite_token_list (CsdStorage  *storage,
                   GError     **error)
{
  CsdStorageSqlite *self = CSD_STORAGE_SQLITE (storage);
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) csd_principal_free);
  sqlite3_stmt *st = stmt (self, STMT_TOKEN_LIST, error);
  int rc;

  if (st == NULL)
    return NULL;
  while ((rc = step (self, st, error)) == 1)
    g_ptr_array_add (out, principal_from_row (st));
  if (rc < 0)
    return NULL;
  return g_steal_pointer (&out);
}

static gboolean
sqlite_token_revoke (CsdStorage  *storage,
                     const char  *name,
                     GDateTime   *now,
                     GError     **error)
{
  CsdStorageSqlite *self = CSD_STORAGE_SQLITE (storage);
  sqlite3_stmt *st = stmt (self, STMT_TOKEN_REVOKE, error);

  if (st == NULL)
    return FALSE;
  bind_text (st, 1, name);
  bind_time (st, 2, now);
  if (!run (self, st, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, CSD_ERROR, CSD_ERROR_NOT_FOUND, "There is no valid token named %s", name);
      return FALSE;
    }
  return TRUE;
}

/* Queues */

static CsQueue *
queue_from_text (const char  *body,
                 GError     **error)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) local_error = NULL;
  CsQueue *queue = NULL;

  node = cs_json_parse (body, strlen (body), &local_error);
  if (node != NULL)
    queue = cs_queue_new_from_json (node, NULL, &local_error);
  if (queue == NULL)
    g_set_error (error, CSD_ERROR, CSD_ERROR_STORAGE, "A stored queue does not parse: %s",
                 local_error->message);
  return queue;
}

static gboolean
sqlite_queue_put (CsdStorage  *storage,
                  CsQueue     *queue,
                  GDateTime   *now,
                  gboolean    *created,
                  GError     **error)
{
  CsdStorageSqlite *self = CSD_STORAGE_SQLITE (storage);
  g_autoptr(JsonNode) node = cs_queue_to_json (queue, TRUE);
  g_autofree char *body = cs_json_to_string (node, NULL);
  const char * const *reviewers = cs_queue_get_reviewers (queue);
  const char *id = cs_queue_get_id (queue);
  sqlite3_stmt *st;
  int rc;

  if (!begin (self, error))
    return FALSE;

  if ((st = stmt (self, STMT_QUEUE_EXISTS, error)) == NULL)
    return rollback (self);
  bind_text (st, 1, id);
  if ((rc = step (self, st, error)) < 0)
    return rollback (self);
  sqlite3_reset (st);
  if (created != NULL)
    *created = rc == 0;

  if ((st = stmt (self, STMT_QUEUE_PUT, error)) == NULL)
    return rollback (self);
  bind_text (st, 1, id);
  bind_text (st, 2, body);
  bind_time (st, 3, now);
  if (!run (self, st, error))
    return rollback (self);

  if ((st = stmt (self, STMT_QUEUE_REVIEWERS_CLEAR, error)) == NULL)
    return rollback (self);
  bind_text (st, 1, id);
  if (!run (self, st, error))
    return rollback (self);

  for (guint i = 0; reviewers != NULL && reviewers[i] != NULL; i++)
    {
      if ((st = stmt (self, STMT_QUEUE_REVIEWER_ADD, error)) == NULL)
        return rollback (self);
      bind_text (st, 1, id);
      bind_text (st, 2, reviewers[i]);
      if (!run (self, st, error))
        return rollback (self);
    }

  return commit (self, error);
}

static CsQueue *
sqlite_queue_get (CsdStorage  *storage,
                  const char  *id,
                  GError     **error)
{
  CsdStorageSqlite *self = CSD_STORAGE_SQLITE (storage);
  sqlite3_stmt *st = stmt (self, STMT_QUEUE_GET, error);
  CsQueue *queue = NULL;
  int rc;

  if (st == NULL)
    return NULL;
  bind_text (st, 1, id);
  rc = step (self, st, error);
  if (rc == 1)
    queue = queue_from_text ((const char *) sqlite3_column_text (st, 0), error);
  else if (rc == 0)
    g_set_error (error, CSD_ERROR, CSD_ERROR_NOT_FOUND, "There is no queue %s", id);
  sqlite3_reset (st);
  return queue;
}

static GPtrArray *
sqlite_queue_list (CsdStorage  *storage,
                   GError     **error)
{
  CsdStorageSqlite *self = CSD_STORAGE_SQLITE (storage);
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_object_unref);
  sqlite3_stmt *st = stmt (self, STMT_QUEUE_LIST, error);
  int rc;

  if (st == NULL)
    return NULL;
  while ((rc = step (self, st, error)) == 1)
    {
      CsQueue *queue = queue_from_text ((const char *) sqlite3_column_text (st, 0), error);

      if (queue == NULL)
        {
          sqlite3_reset (st);
          return NULL;
        }
      g_ptr_array_add (out, queue);
    }
  if (rc < 0)
    return NULL;
  return g_steal_pointer (&out);
}

static char **
sqlite_queue_ids (CsdStorage  *storage,
                  GError     **error)
{
  CsdStorageSqlite *self = CSD_STORAGE_SQLITE (storage);
  sqlite3_stmt *st = stmt (self, STMT_QUEUE_IDS, error);

  return st != NULL ? collect_strings (self, st, error) : NULL;
}

static char **
sqlite_queues_naming (CsdStorage  *storage,
                      const char  *reviewer,
                      GError     **error)
{
  CsdStorageSqlite *self = CSD_STORAGE_SQLITE (storage);
  sqlite3_stmt *st = stmt (self, STMT_QUEUES_NAMING, error);

  if (st == NULL)
    return NULL;
  bind_text (st, 1, reviewer);
  return collect_strings (self, st, error);
}

/* Assets */

static gboolean
sqlite_asset_put (CsdStorage  *storage,
                  const char  *sha256,
                  const char  *media_type,
                  gint64       bytes,
                  GDateTime   *now,
                  GError     **error)
{
  CsdStorageSqlite *self = CSD_STORAGE_SQLITE (storage);
  sqlite3_stmt *st = stmt (self, STMT_ASSET_PUT, error);

  if (st == NULL)
    return FALSE;
  bind_text (st, 1, sha256);
  bind_text (st, 2, media_type);
  sqlite3_bind_int64 (st, 3, bytes);
  bind_time (st, 4, now);
  return run (self, st, error);
}

static gboolean
sqlite_asset_get (CsdStorage  *storage,
                  const char  *sha256,
                  char       **media_type,
                  gint64      *bytes,
                  GError     **error)
{
  CsdStorageSqlite *self = CSD_STORAGE_SQLITE (storage);
  sqlite3_stmt *st = stmt (self, STMT_ASSET_GET, error);
  int rc;

  if (st == NULL)
    return FALSE;
  bind_text (st, 1, sha256);
  rc = step (self, st, error);
  if (rc == 1)
    {
      if (media_type != NULL)
        *media_type = column_text (st, 0);
      if (bytes != NULL)
        *bytes = sqlite3_column_int64 (st, 1);
    }
  else if (rc == 0)
    g_set_error (error, CSD_ERROR, CSD_ERROR_NOT_FOUND, "There is no asset %s", sha256);
  sqlite3_reset (st);
  return rc == 1;
}

static gboolean
sqlite_asset_in_queues (CsdStorage          *storage,
                        const char          *sha256,
                        const char * const  *queues,
                        GError             **error)
{
  CsdStorageSqlite *self = CSD_STORAGE_SQLITE (storage);
  g_autofree char *list = strv_to_json (queues);
  sqlite3_stmt *st = stmt (self, STMT_ASSET_IN_QUEUES, error);
  int rc;

  if (st == NULL)
    return FALSE;
  bind_text (st, 1, sha256);
  bind_text (st, 2, list);
  rc = step (self, st, error);
  sqlite3_reset (st);
  return rc == 1;
}

/* Cases */

static CsdOutcome *outcome_from_row (sqlite3_stmt *st);

/* Queues the outcome @seq for the queue's webhook, when it has one, in the
 * caller's transaction: a final outcome and its delivery are durable together. */
static gboolean
queue_webhook (CsdStorageSqlite  *self,
               const char        *queue,
               gint64             seq,
               GDateTime         *now,
               GError           **error)
{
  sqlite3_stmt *st;
  g_autofree char *url = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *body = NULL;
  g_autofree char *event_id = NULL;
  g_autoptr(CsdOutcome) outcome = NULL;
  g_autoptr(JsonNode) node = NULL;
  int rc;

  if ((st = stmt (self, STMT_QUEUE_WEBHOOK, error)) == NULL)
    return FALSE;
  bind_text (st, 1, queue);
  if ((rc = step (self, st, error)) < 0)
    return FALSE;
  if (rc == 1)
    {
      url = column_text (st, 0);
      secret = column_text (st, 1);
    }
  sqlite3_reset (st);
  if (url == NULL)
    return TRUE;

  if ((st = stmt (self, STMT_OUTCOME_BY_SEQ, error)) == NULL)
    return FALSE;
  sqlite3_bind_int64 (st, 1, seq);
  if ((rc = step (self, st, error)) < 0)
    return FALSE;
  if (rc == 1)
    outcome = outcome_from_row (st);
  sqlite3_reset (st);
  if (outcome == NULL)
    {
      g_set_error (error, CSD_ERROR, CSD_ERROR_STORAGE, "The outcome %" G_GINT64_FORMAT " vanished", seq);
      return FALSE;
    }
  node = csd_outcome_to_json (outcome);
  body = cs_json_to_string (node, NULL);
  event_id = g_uuid_string_random ();

  if ((st = stmt (self, STMT_WEBHOOK_INSERT, error)) == NULL)
    return FALSE;
  bind_text (st, 1, event_id);
  sqlite3_bind_int64 (st, 2, seq);
  bind_text (st, 3, outcome->case_id);
  bind_text (st, 4, url);
  bind_text (st, 5, secret ? secret : "");
  bind_text (st, 6, body);
  bind_time (st, 7, now);
  return run (self, st, error);
}

/* What a reviewed outcome adds to the export line; all may be NULL. */
typedef struct
{
  const char *initial_label;
  const char *first_decision;   /* JSON text */
  const char *second_review;    /* JSON text */
} OutcomeExtras;

static gboolean
insert_outcome (CsdStorageSqlite     *self,
                CsCase               *kase,
                const char           *final_label,
                const char           *decided_by,
                const char           *action,
                CsDecision           *decision,
                gboolean              escalated,
                GDateTime            *decided_at,
                const OutcomeExtras  *extras,
                GError              **error)
{
  sqlite3_stmt *st = stmt (self, STMT_OUTCOME_INSERT, error);

  if (st == NULL)
    return FALSE;
  bind_text (st, 1, cs_case_get_id (kase));
  bind_text (st, 2, cs_case_get_queue (kase));
  bind_text (st, 3, cs_case_get_predicted_label (kase));
  sqlite3_bind_double (st, 4, cs_case_get_confidence (kase));
  bind_text (st, 5, final_label);
  bind_text (st, 6, decided_by);
  bind_text (st, 7, action);
  bind_text (st, 8, decision ? cs_decision_get_rationale (decision) : NULL);
  bind_text (st, 9, escalated ? cs_trigger_kind_to_string (cs_case_get_trigger_kind (kase)) : NULL);
  bind_time (st, 10, cs_case_get_created_at (kase));
  bind_time (st, 11, decided_at);
  if (decision != NULL)
    sqlite3_bind_int64 (st, 12, cs_decision_get_duration_ms (decision));
  bind_text (st, 13, decision ? cs_decision_get_id (decision) : NULL);
  if (extras != NULL)
    {
      bind_text (st, 14, extras->initial_label);
      bind_text (st, 15, extras->first_decision);
      bind_text (st, 16, extras->second_review);
    }
  if (!run (self, st, error))
    return FALSE;
  return queue_webhook (self, cs_case_get_queue (kase), sqlite3_last_insert_rowid (self->db),
                        decided_at, error);
}

static gboolean
assets_known (CsdStorageSqlite  *self,
              CsCase            *kase,
              GError           **item_error,
              GError           **error)
{
  g_autoptr(GPtrArray) assets = cs_case_list_assets (kase);

  for (guint i = 0; i < assets->len; i++)
    {
      const CsAsset *asset = g_ptr_array_index (assets, i);
      sqlite3_stmt *st = stmt (self, STMT_ASSET_GET, error);
      int rc;

      if (st == NULL)
        return FALSE;
      bind_text (st, 1, asset->sha256);
      rc = step (self, st, error);
      sqlite3_reset (st);
      if (rc < 0)
        return FALSE;
      if (rc == 0 && *item_error == NULL)
        g_set_error (item_error, CSD_ERROR, CSD_ERROR_UNKNOWN_ASSET,
                     "The asset %s was never uploaded: PUT /api/v1/assets/%s first",
                     asset->sha256, asset->sha256);
    }
  return TRUE;
}

static gboolean
ingest_one (CsdStorageSqlite  *self,
            CsdIngestItem     *item,
            GError           **error)
{
  CsCase *kase = item->kase;
  const CsDecided *decided = cs_case_get_decided (kase);
  g_autoptr(GPtrArray) assets = NULL;
  g_autofree char *id = NULL;
  g_autofree char *body = NULL;
  sqlite3_stmt *st;
  gint64 n;

  if (!assets_known (self, kase, &item->error, error))
    return FALSE;
  if (item->error != NULL)
    return TRUE;

  if (!next_counter (self, "case", &n, error))
    return FALSE;
  id = g_strdup_printf ("c-%06" G_GINT64_FORMAT, n);
  cs_case_set_id (kase, id);
  body = cs_case_to_data (kase, NULL);

  if ((st = stmt (self, STMT_CASE_INSERT, error)) == NULL)
    return FALSE;
  bind_text (st, 1, id);
  bind_text (st, 2, cs_case_get_queue (kase));
  bind_text (st, 3, cs_case_status_to_string (cs_case_get_status (kase)));
  sqlite3_bind_int64 (st, 4, cs_case_get_version (kase));
  sqlite3_bind_double (st, 5, cs_case_get_priority (kase));
  bind_time (st, 6, cs_case_get_created_at (kase));
  bind_text (st, 7, item->escalated ? "escalated" : "automated");
  bind_text (st, 8, item->escalated ? cs_trigger_kind_to_string (cs_case_get_trigger_kind (kase)) : NULL);
  bind_text (st, 9, cs_case_get_model_name (kase));
  bind_text (st, 10, cs_case_get_predicted_label (kase));
  sqlite3_bind_double (st, 11, cs_case_get_confidence (kase));
  bind_text (st, 12, item->truth);
  if (decided != NULL)
    {
      bind_text (st, 13, decided->by);
      bind_text (st, 14, cs_action_to_string (decided->action));
      bind_text (st, 15, decided->label);
      bind_time (st, 16, decided->at);
    }
  bind_text (st, 17, body);
  if (!run (self, st, error))
    return FALSE;

  assets = cs_case_list_assets (kase);
  for (guint i = 0; i < assets->len; i++)
    {
      const CsAsset *asset = g_ptr_array_index (assets, i);

      if ((st = stmt (self, STMT_CASE_ASSET_INSERT, error)) == NULL)
        return FALSE;
      bind_text (st, 1, asset->sha256);
      bind_text (st, 2, id);
      if (!run (self, st, error))
        return FALSE;
    }

  if (!item->escalated && decided != NULL &&
      !insert_outcome (self, kase, decided->label, decided->by, "automated", NULL, FALSE,
                       decided->at, NULL, error))
    return FALSE;

  item->id = g_steal_pointer (&id);
  return TRUE;
}

static gboolean
sqlite_ingest (CsdStorage  *storage,
               GPtrArray   *items,
               GDateTime   *now,
               GError     **error)
{
  CsdStorageSqlite *self = CSD_STORAGE_SQLITE (storage);

  if (!begin (self, error))
    return FALSE;

  for (guint i = 0; i < items->len; i++)
    if (!ingest_one (self, g_ptr_array_index (items, i), error))
      goto fail;

  if (commit (self, error))
    return TRUE;

fail:
  rollback (self);
  /* Nothing was stored: no item keeps an id. */
  for (guint i = 0; i < items->len; i++)
    {
      CsdIngestItem *item = g_ptr_array_index (items, i);

      g_clear_pointer (&item->id, g_free);
      cs_case_set_id (item->kase, NULL);
    }
  return FALSE;
}

static CsCase *
sqlite_case_get (CsdStorage  *storage,
                 const char  *id,
                 GError     **error)
{
  return require_case (CSD_STORAGE_SQLITE (storage), id, error);
}

static gboolean
sqlite_case_set_truth (CsdStorage  *storage,
                       const char  *id,
                       const char  *label,
                       GError     **error)
{
  CsdStorageSqlite *self = CSD_STORAGE_SQLITE (storage);
  sqlite3_stmt *st = stmt (self, STMT_CASE_SET_TRUTH, error);

  if (st == NULL)
    return FALSE;
  bind_text (st, 1, id);
  bind_text (st, 2, label);
  if (!run (self, st, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      not_found_case (id, error);
      return FALSE;
    }
  return TRUE;
}

static CsCase *
sqlite_case_withdraw (CsdStorage  *storage,
                      const char  *id,
                      GDateTime   *now,
                      GError     **error)
{
  CsdStorageSqlite *self = CSD_STORAGE_SQLITE (storage);
  g_autoptr(CsCase) kase = NULL;

  if (!begin (self, error))
    return NULL;

  kase = require_case (self, id, error);
  if (kase == NULL)
    {
      rollback (self);
      return NULL;
    }

  switch (cs_case_get_status (kase))
    {
    case CS_CASE_STATUS_WITHDRAWN:
      rollback (self);
      return g_steal_pointer (&kase);

    case CS_CASE_STATUS_DECIDED:
      rollback (self);
      g_set_error (error, CSD_ERROR, CSD_ERROR_CONFLICT,
                   "Case %s is decided and can no longer be withdrawn", id);
      return NULL;

    case CS_CASE_STATUS_OPEN:
    case CS_CASE_STATUS_PENDING_SECOND:
    default:
      break;
    }

  cs_case_set_status (kase, CS_CASE_STATUS_WITHDRAWN);
  cs_case_set_version (kase, cs_case_get_version (kase) + 1);
  if (!write_case_state (self, kase, error) ||
      !feed_touch (self, cs_case_get_assigned_to (kase), id, error) ||
      !commit (self, error))
    {
      rollback (self);
      return NULL;
    }

  return g_steal_pointer (&kase);
}

/* Claims and the feed */

static char **
sqlite_claim (CsdStorage  *storage,
              const char  *queue,
              const char  *reviewer,
              guint        count,
              GDateTime   *now,
              GDateTime   *lease_until,
              GError     **error)
{
  CsdStorageSqlite *self = CSD_STORAGE_SQLITE (storage);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) former = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *st;
  int rc;

  if (!begin (self, error))
    return NULL;

  if ((st = stmt (self, STMT_CLAIM_SELECT, error)) == NULL)
    goto fail;
  bind_text (st, 1, queue);
  bind_time (st, 2, now);
  bind_text (st, 3, reviewer);
  sqlite3_bind_int64 (st, 4, count);
  while ((rc = step (self, st, error)) == 1)
    {
      g_ptr_array_add (ids, column_text (st, 0));
      g_ptr_array_add (former, column_text (st, 1));
    }
  if (rc < 0)
    goto fail;

  for (guint i = 0; i < ids->len; i++)
    {
      const char *id = g_ptr_array_index (ids, i);
      const char *before = g_ptr_array_index (former, i);

      if ((st = stmt (self, STMT_CLAIM_ASSIGN, error)) == NULL)
        goto fail;
      bind_text (st, 1, id);
      bind_text (st, 2, reviewer);
      bind_time (st, 3, lease_until);
      if (!run (self, st, error) ||
          !feed_touch (self, reviewer, id, error))
        goto fail;
      /* The former holder learns that its lease is lost. */
      if (before != NULL && !g_str_equal (before, reviewer) &&
          !feed_touch (self, before, id, error))
        goto fail;
    }

  if (!commit (self, error))
    goto fail;

  g_ptr_array_add (ids, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&ids), FALSE);

fail:
  rollback (self);
  return NULL;
}

static CsCase *
sqlite_release (CsdStorage  *storage,
                const char  *case_id,
                const char  *reviewer,
                GDateTime   *now,
                GError     **error)
{
  CsdStorageSqlite *self = CSD_STORAGE_SQLITE (storage);
  g_autoptr(CsCase) kase = NULL;

  if (!begin (self, error))
    return NULL;

  kase = require_case (self, case_id, error);
  if (kase == NULL)
    {
      rollback (self);
      return NULL;
    }

  if (g_strcmp0 (cs_case_get_assigned_to (kase), reviewer) != 0)
    {
      rollback (self);
      g_set_error (error, CSD_ERROR, CSD_ERROR_FORBIDDEN, "Case %s is not claimed by %s",
                   case_id, reviewer);
      return NULL;
    }
  /* A case waiting for its second review goes back to the pool the same way. */
  if (cs_case_get_status (kase) != CS_CASE_STATUS_OPEN &&
      cs_case_get_status (kase) != CS_CASE_STATUS_PENDING_SECOND)
    {
      rollback (self);
      g_set_error (error, CSD_ERROR, CSD_ERROR_CONFLICT, "Case %s is %s, not open",
                   case_id, cs_case_status_to_string (cs_case_get_status (kase)));
      return NULL;
    }

  cs_case_set_assigned_to (kase, NULL, NULL);
  cs_case_set_version (kase, cs_case_get_version (kase) + 1);
  if (!write_case_state (self, kase, error) ||
      !feed_touch (self, reviewer, case_id, error) ||
      !commit (self, error))
    {
      rollback (self);
      return NULL;
    }

  return g_steal_pointer (&kase);
}

static GPtrArray *
sqlite_changes (CsdStorage  *storage,
                const char  *reviewer,
                gint64       since,
                guint        limit,
                gint64      *cursor,
                gboolean    *more,
                GError     **error)
{
  CsdStorageSqlite *self = CSD_STORAGE_SQLITE (storage);
  g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func (g_object_unref);
  sqlite3_stmt *st = stmt (self, STMT_FEED_PAGE, error);
  int rc;

  *cursor = since;
  *more = FALSE;
  if (st == NULL)
    return NULL;

  bind_text (st, 1, reviewer);
  sqlite3_bind_int64 (st, 2, since);
  /* One row more than asked tells whether there is more. */
  sqlite3_bind_int64 (st, 3, (gint64) limit + 1);
  while ((rc = step (self, st, error)) == 1)
    {
      CsCase *kase;

      if (cases->len == limit)
        {
          *more = TRUE;
          break;
        }
      if ((kase = case_from_row (st, 1, error)) == NULL)
        {
          sqlite3_reset (st);
          return NULL;
        }
      g_ptr_array_add (cases, kase);
      *cursor = sqlite3_column_int64 (st, 0);
    }
  sqlite3_reset (st);
  if (rc < 0)
    return NULL;

  return g_steal_pointer (&cases);
}

/* Webhook deliveries */

static GPtrArray *
sqlite_webhook_due (CsdStorage  *storage,
                    gint64       now_ms,
                    guint        limit,
                    GError     **error)
{
  CsdStorageSqlite *self = CSD_STORAGE_SQLITE (storage);
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) csd_webhook_delivery_free);
  sqlite3_stmt *st = stmt (self, STMT_WEBHOOK_DUE, error);
  int rc;

  if (st == NULL)
    return NULL;
  sqlite3_bind_int64 (st, 1, now_ms);
  sqlite3_bind_int64 (st, 2, limit);
  while ((rc = step (self, st, error)) == 1)
    {
      CsdWebhookDelivery *d = g_new0 (CsdWebhookDelivery, 1);

      d->event_id = column_text (st, 0);
      d->case_id = column_text (st, 1);
      d->url = column_text (st, 2);
      d->secret = column_text (st, 3);
      d->body = column_text (st, 4);
      d->attempts = sqlite3_column_int64 (st, 5);
      g_ptr_array_add (out, d);
    }
  sqlite3_reset (st);
  if (rc < 0)
    return NULL;
  return g_steal_pointer (&out);
}

static gboolean
sqlite_webhook_update (CsdStorage  *storage,
                       const char  *event_id,
                       gint64       attempts,
                       gint64       next_attempt_ms,
                       gint64       delivered_ms,
                       const char  *last_error,
                       GError     **error)
{
  CsdStorageSqlite *self = CSD_STORAGE_SQLITE (storage);
  sqlite3_stmt *st = stmt (self, STMT_WEBHOOK_UPDATE, error);

  if (st == NULL)
    return FALSE;
  bind_text (st, 1, event_id);
  sqlite3_bind_int64 (st, 2, attempts);
  sqlite3_bind_int64 (st, 3, next_attempt_ms);
  if (delivered_ms >= 0)
    sqlite3_bind_int64 (st, 4, delivered_ms);
  bind_text (st, 5, last_error);
  return run (self, st, error);
}

static gboolean
sqlite_webhook_next (CsdStorage  *storage,
                     gint64      *next_ms,
                     GError     **error)
{
  CsdStorageSqlite *self = CSD_STORAGE_SQLITE (storage);
  sqlite3_stmt *st = stmt (self, STMT_WEBHOOK_NEXT, error);
  int rc;

  *next_ms = -1;
  if (st == NULL)
    return FALSE;
  if ((rc = step (self, st, error)) < 0)
    return FALSE;
  if (rc == 1 && sqlite3_column_type (st, 0) != SQLITE_NULL)
    *next_ms = sqlite3_column_int64 (st, 0);
  sqlite3_reset (st);
  return TRUE;
}

/* The overdue fallback */

static GPtrArray *
sqlite_overdue_sweep (CsdStorage  *storage,
                      GDateTime   *now,
                      guint        limit,
                      GError     **error)
{
  CsdStorageSqlite *self = CSD_STORAGE_SQLITE (storage);
  g_autoptr(GPtrArray) moved = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  sqlite3_stmt *st;
  int rc;

  if (!begin (self, error))
    return NULL;

  if ((st = stmt (self, STMT_OVERDUE_SELECT, error)) == NULL)
    goto fail;
  bind_time (st, 1, now);
  sqlite3_bind_int64 (st, 2, limit);
  while ((rc = step (self, st, error)) == 1)
    {
      char **row = g_new0 (char *, 4);

      row[0] = column_text (st, 0);   /* id */
      row[1] = column_text (st, 2);   /* target */
      row[2] = column_text (st, 3);   /* assignee, or NULL (then the list ends here) */
      g_ptr_array_add (rows, row);
    }
  sqlite3_reset (st);
  if (rc < 0)
    goto fail;

  for (guint i = 0; i < rows->len; i++)
    {
      char **row = g_ptr_array_index (rows, i);
      CsCase *kase;

      if ((st = stmt (self, STMT_OVERDUE_MOVE, error)) == NULL)
        goto fail;
      bind_text (st, 1, row[0]);
      bind_text (st, 2, row[1]);
      if (!run (self, st, error) ||
          !feed_touch (self, row[2], row[0], error) ||
          (kase = require_case (self, row[0], error)) == NULL)
        goto fail;
      g_ptr_array_add (moved, kase);
    }

  if (!commit (self, error))
    goto fail;
  return g_steal_pointer (&moved);

fail:
  rollback (self);
  return NULL;
}

/* Decisions */

static gboolean
decide_one (CsdStorageSqlite          *self,
            const CsdDecisionContext  *context,
            CsdDecisionItem           *item,
            GError                   **error)
{
  CsDecision *decision = item->decision;
  g_autoptr(CsCase) kase = NULL;
  g_autofree char *former = NULL;
  g_autofree char *final_label = NULL;
  g_autofree char *why = NULL;
  g_autofree char *body = NULL;
  g_autoptr(CsDecided) first = NULL;
  g_autoptr(CsDecision) first_decision = NULL;
  g_autofree char *first_text = NULL;
  g_autofree char *second_text = NULL;
  OutcomeExtras extras = { NULL };
  CsDecision *outcome_decision = decision;
  const char *outcome_by = context->reviewer;
  CsAction outcome_action;
  GError *local_error = NULL;
  gboolean escalated_before = FALSE;
  gint64 moved_version = 0;
  gboolean final;
  sqlite3_stmt *st;
  int rc;

  /* A retry of a stored decision gets the answer it got the first time. */
  if (item->id != NULL)
    {
      if ((st = stmt (self, STMT_DECISION_RESULT, error)) == NULL)
        return FALSE;
      bind_text (st, 1, item->id);
      if ((rc = step (self, st, error)) < 0)
        return FALSE;
      if (rc == 1)
        {
          item->status = CS_OUTBOX_DUPLICATE;
          item->case_version = sqlite3_column_int64 (st, 0);
          sqlite3_reset (st);
          return TRUE;
        }
      sqlite3_reset (st);
    }

  if (decision == NULL)
    {
      item->status = CS_OUTBOX_INVALID;
      item->message = g_strdup (item->parse_error ? item->parse_error : "The decision is malformed");
      return TRUE;
    }

  kase = load_case (self, cs_decision_get_case_id (decision), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  if (kase != NULL)
    {
      if ((st = stmt (self, STMT_CASE_MOVED_VERSION, error)) == NULL)
        return FALSE;
      bind_text (st, 1, cs_case_get_id (kase));
      if ((rc = step (self, st, error)) < 0)
        return FALSE;
      if (rc == 1)
        moved_version = sqlite3_column_int64 (st, 0);
      sqlite3_reset (st);

      if ((st = stmt (self, STMT_CLAIM_BAN_EXISTS, error)) == NULL)
        return FALSE;
      bind_text (st, 1, cs_case_get_id (kase));
      bind_text (st, 2, context->reviewer);
      if ((rc = step (self, st, error)) < 0)
        return FALSE;
      sqlite3_reset (st);
      escalated_before = rc == 1;
    }

  switch (csd_decision_judge (decision, kase, escalated_before, moved_version, context->reviewer,
                              context->queues, &why))
    {
    case CSD_VERDICT_INVALID:
      item->status = CS_OUTBOX_INVALID;
      item->message = g_steal_pointer (&why);
      return TRUE;

    case CSD_VERDICT_CONFLICT:
      item->status = CS_OUTBOX_CONFLICT;
      item->reason = g_steal_pointer (&why);
      item->current = g_steal_pointer (&kase);
      return TRUE;

    case CSD_VERDICT_ACCEPT:
    default:
      break;
    }

  former = g_strdup (cs_case_get_assigned_to (kase));
  if (cs_case_get_status (kase) == CS_CASE_STATUS_PENDING_SECOND)
    first = cs_decided_copy (cs_case_get_first_decision (kase));
  final = csd_decision_apply (kase, decision, &final_label);
  if (!write_case_state (self, kase, error))
    return FALSE;

  body = cs_decision_to_data (decision, NULL);
  if ((st = stmt (self, STMT_DECISION_INSERT, error)) == NULL)
    return FALSE;
  bind_text (st, 1, cs_decision_get_id (decision));
  bind_text (st, 2, cs_case_get_id (kase));
  bind_text (st, 3, cs_case_get_queue (kase));
  sqlite3_bind_int64 (st, 4, cs_decision_get_case_version (decision));
  bind_text (st, 5, cs_action_to_string (cs_decision_get_action (decision)));
  bind_text (st, 6, cs_decision_get_label (decision));
  bind_text (st, 7, cs_decision_get_rationale (decision));
  bind_text (st, 8, cs_decision_get_reviewer (decision));
  bind_time (st, 9, cs_decision_get_decided_at (decision));
  sqlite3_bind_int64 (st, 10, cs_decision_get_duration_ms (decision));
  bind_time (st, 11, context->now);
  sqlite3_bind_int64 (st, 12, cs_case_get_version (kase));
  bind_text (st, 13, body);
  bind_text (st, 14, cs_decision_get_initial_label (decision));
  bind_text (st, 15, cs_decision_get_countersigns (decision));
  if (!run (self, st, error))
    return FALSE;

  /* The first reviewer never gets the case back: the second must be
   * someone else. */
  if (cs_decision_get_action (decision) == CS_ACTION_ESCALATE ||
      cs_case_get_status (kase) == CS_CASE_STATUS_PENDING_SECOND)
    {
      if ((st = stmt (self, STMT_CLAIM_BAN_ADD, error)) == NULL)
        return FALSE;
      bind_text (st, 1, cs_case_get_id (kase));
      bind_text (st, 2, context->reviewer);
      if (!run (self, st, error))
        return FALSE;
    }

  if (!feed_touch (self, former, cs_case_get_id (kase), error))
    return FALSE;
  if (g_strcmp0 (former, context->reviewer) != 0 &&
      !feed_touch (self, context->reviewer, cs_case_get_id (kase), error))
    return FALSE;

  outcome_action = cs_decision_get_action (decision);
  if (first != NULL)
    {
      CsDecided second = {
        .by = (char *) context->reviewer,
        .action = cs_decision_get_action (decision),
        .label = (char *) cs_decision_get_label (decision),
        .at = cs_decision_get_decided_at (decision),
        .rationale = (char *) cs_decision_get_rationale (decision),
      };
      gboolean agreed = cs_decision_get_action (decision) == CS_ACTION_AGREE;

      first_text = decided_to_text (first, "agreed", agreed);
      second_text = decided_to_text (&second, "agreed", agreed);
      item->first_by = g_strdup (first->by);
      if (agreed)
        {
          /* The outcome is the first decision's, with its rationale and time spent. */
          if ((st = stmt (self, STMT_DECISION_BODY, error)) == NULL)
            return FALSE;
          bind_text (st, 1, first->id);
          if ((rc = step (self, st, error)) < 0)
            return FALSE;
          if (rc == 1)
            first_decision = cs_decision_new_from_data ((const char *) sqlite3_column_text (st, 0),
                                                        sqlite3_column_bytes (st, 0), NULL);
          sqlite3_reset (st);
          if (first_decision == NULL)
            {
              g_set_error (error, CSD_ERROR, CSD_ERROR_STORAGE,
                           "The first decision %s of case %s is missing", first->id, cs_case_get_id (kase));
              return FALSE;
            }
          outcome_decision = first_decision;
          outcome_by = first->by;
          outcome_action = first->action;
        }
    }
  extras.initial_label = cs_decision_get_initial_label (outcome_decision);
  extras.first_decision = first_text;
  extras.second_review = second_text;

  if (final &&
      !insert_outcome (self, kase, final_label, outcome_by, cs_action_to_string (outcome_action),
                       outcome_decision, TRUE, cs_decision_get_decided_at (decision), &extras, error))
    return FALSE;

  item->status = CS_OUTBOX_ACCEPTED;
  item->case_version = cs_case_get_version (kase);
  item->final = final;
  item->pending_second = cs_case_get_status (kase) == CS_CASE_STATUS_PENDING_SECOND;
  return TRUE;
}

static gboolean
sqlite_decide (CsdStorage                *storage,
               const CsdDecisionContext  *context,
               GPtrArray                 *items,
               GError                   **error)
{
  CsdStorageSqlite *self = CSD_STORAGE_SQLITE (storage);

  if (!begin (self, error))
    return FALSE;

  for (guint i = 0; i < items->len; i++)
    if (!decide_one (self, context, g_ptr_array_index (items, i), error))
      return rollback (self);

  if (!commit (self, error))
    return rollback (self);
  return TRUE;
}

/* Feedback */

static JsonNode *
column_json (sqlite3_stmt *st,
             int           col)
{
  const char *text = (const char *) sqlite3_column_text (st, col);

  return text ? cs_json_parse (text, strlen (text), NULL) : NULL;
}

/* Reads OUTCOME_COLUMNS. */
static CsdOutcome *
outcome_from_row (sqlite3_stmt *st)
{
  CsdOutcome *o = g_new0 (CsdOutcome, 1);

  o->seq = sqlite3_column_int64 (st, 0);
  o->case_id = column_text (st, 1);
  o->queue = column_text (st, 2);
  o->model_label = column_text (st, 3);
  o->model_confidence = sqlite3_column_double (st, 4);
  o->final_label = column_text (st, 5);
  o->decided_by = column_text (st, 6);
  o->action = column_text (st, 7);
  o->rationale = column_text (st, 8);
  o->trigger = column_text (st, 9);
  o->created_at = column_time (st, 10);
  o->decided_at = column_time (st, 11);
  o->duration_ms = sqlite3_column_type (st, 12) == SQLITE_NULL ? -1 : sqlite3_column_int64 (st, 12);
  o->truth = column_text (st, 13);
  o->initial_label = column_text (st, 14);
  o->first_decision = column_json (st, 15);
  o->second_review = column_json (st, 16);
  return o;
}

static GPtrArray *
sqlite_outcomes (CsdStorage  *storage,
                 gint64       since,
                 guint        limit,
                 GError     **error)
{
  CsdStorageSqlite *self = CSD_STORAGE_SQLITE (storage);
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) csd_outcome_free);
  sqlite3_stmt *st = stmt (self, STMT_OUTCOME_PAGE, error);
  int rc;

  if (st == NULL)
    return NULL;
  sqlite3_bind_int64 (st, 1, since);
  sqlite3_bind_int64 (st, 2, limit > 0 ? (gint64) limit : -1);
  while ((rc = step (self, st, error)) == 1)
    g_ptr_array_add (out, outcome_from_row (st));
  if (rc < 0)
    return NULL;
  return g_steal_pointer (&out);
}

static CsdOutcome *
sqlite_case_outcome (CsdStorage  *storage,
                     const char  *case_id,
                     GError     **error)
{
  CsdStorageSqlite *self = CSD_STORAGE_SQLITE (storage);
  CsdOutcome *outcome = NULL;
  sqlite3_stmt *st;
  int rc;

  if ((st = stmt (self, STMT_OUTCOME_OF_CASE, error)) == NULL)
    return NULL;
  bind_text (st, 1, case_id);
  if ((rc = step (self, st, error)) < 0)
    return NULL;
  if (rc == 1)
    outcome = outcome_from_row (st);
  sqlite3_reset (st);
  if (outcome != NULL)
    return outcome;

  if ((st = stmt (self, STMT_CASE_EXISTS, error)) == NULL)
    return NULL;
  bind_text (st, 1, case_id);
  rc = step (self, st, error);
  sqlite3_reset (st);
  if (rc == 0)
    not_found_case (case_id, error);
  return NULL;
}

/* The median of the @n values a statement returns in order, read with
 * LIMIT/OFFSET so that only the middle one or two rows are fetched. */
static gboolean
median (CsdStorageSqlite  *self,
        Stmt               id,
        const char        *queue,
        gint64             n,
        gboolean          *has,
        double            *out,
        GError           **error)
{
  sqlite3_stmt *st;
  double sum = 0;
  int rows = 0;
  int rc;

  *has = FALSE;
  if (n <= 0)
    return TRUE;
  if ((st = stmt (self, id, error)) == NULL)
    return FALSE;
  bind_text (st, 1, queue);
  /* Odd: the middle value; even: the two middle values, averaged. */
  sqlite3_bind_int64 (st, 2, n % 2 == 1 ? 1 : 2);
  sqlite3_bind_int64 (st, 3, n % 2 == 1 ? n / 2 : n / 2 - 1);
  while ((rc = step (self, st, error)) == 1)
    {
      sum += sqlite3_column_double (st, 0);
      rows++;
    }
  if (rc < 0)
    return FALSE;
  if (rows > 0)
    {
      *has = TRUE;
      *out = sum / rows;
    }
  return TRUE;
}

static gboolean
metrics_in_transaction (CsdStorageSqlite  *self,
                        const char        *queue,
                        CsdMetrics        *m,
                        GError           **error)
{
  gint64 n_decisions = 0;
  sqlite3_stmt *st;
  int rc;

  if ((st = stmt (self, STMT_METRICS_CASES, error)) == NULL)
    return FALSE;
  bind_text (st, 1, queue);
  if (step (self, st, error) != 1)
    return FALSE;
  m->predictions = sqlite3_column_int64 (st, 0);
  m->escalated = sqlite3_column_int64 (st, 1);
  m->automated = sqlite3_column_int64 (st, 2);
  m->decided = sqlite3_column_int64 (st, 3);
  m->overrides = sqlite3_column_int64 (st, 4);
  m->with_truth = sqlite3_column_int64 (st, 5);
  m->model_correct = sqlite3_column_int64 (st, 6);
  m->final_with_truth = sqlite3_column_int64 (st, 7);
  m->final_correct = sqlite3_column_int64 (st, 8);
  m->escalated_with_truth = sqlite3_column_int64 (st, 9);
  m->escalated_model_correct = sqlite3_column_int64 (st, 10);
  m->escalated_final_with_truth = sqlite3_column_int64 (st, 11);
  m->escalated_final_correct = sqlite3_column_int64 (st, 12);
  sqlite3_reset (st);

  if ((st = stmt (self, STMT_METRICS_TRIGGERS, error)) == NULL)
    return FALSE;
  bind_text (st, 1, queue);
  while ((rc = step (self, st, error)) == 1)
    {
      CsTriggerKind kind = CS_TRIGGER_OTHER;

      cs_trigger_kind_from_string ((const char *) sqlite3_column_text (st, 0), &kind);
      m->by_trigger[kind] += sqlite3_column_int64 (st, 1);
      m->trigger_decided[kind] += sqlite3_column_int64 (st, 2);
      m->trigger_overrides[kind] += sqlite3_column_int64 (st, 3);
    }
  if (rc < 0)
    return FALSE;

  if ((st = stmt (self, STMT_METRICS_ACTIONS, error)) == NULL)
    return FALSE;
  bind_text (st, 1, queue);
  while ((rc = step (self, st, error)) == 1)
    {
      CsAction action;

      if (cs_action_from_string ((const char *) sqlite3_column_text (st, 0), &action))
        m->by_action[action] += sqlite3_column_int64 (st, 1);
      n_decisions += sqlite3_column_int64 (st, 1);
    }
  if (rc < 0)
    return FALSE;

  if ((st = stmt (self, STMT_METRICS_BLIND_FIRST, error)) == NULL)
    return FALSE;
  bind_text (st, 1, queue);
  if (step (self, st, error) != 1)
    return FALSE;
  m->blind_decided = sqlite3_column_int64 (st, 0);
  m->blind_changed = sqlite3_column_int64 (st, 1);
  m->blind_with_truth = sqlite3_column_int64 (st, 2);
  m->blind_initial_correct = sqlite3_column_int64 (st, 3);
  m->blind_final_correct = sqlite3_column_int64 (st, 4);
  m->blind_first = m->blind_decided > 0 || sqlite3_column_int64 (st, 5) != 0;
  sqlite3_reset (st);

  return median (self, STMT_METRICS_DURATIONS, queue, n_decisions,
                 &m->has_median_duration, &m->median_duration_ms, error) &&
         median (self, STMT_METRICS_TIMES_TO_DECISION, queue, m->decided,
                 &m->has_median_time_to_decision, &m->median_time_to_decision_s, error);
}

static gboolean
sqlite_metrics (CsdStorage  *storage,
                const char  *queue,
                CsdMetrics  *out,
                GError     **error)
{
  CsdStorageSqlite *self = CSD_STORAGE_SQLITE (storage);

  *out = (CsdMetrics) { 0 };
  /* One read transaction: the figures describe one moment. */
  if (!begin_read (self, error))
    return FALSE;
  if (!metrics_in_transaction (self, queue, out, error))
    return rollback (self);
  return commit (self, error);
}

static GPtrArray *
sqlite_case_figures (CsdStorage  *storage,
                     const char  *queue,
                     const char  *context_field,
                     GError     **error)
{
  CsdStorageSqlite *self = CSD_STORAGE_SQLITE (storage);
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) csd_case_figures_free);
  sqlite3_stmt *st = stmt (self, STMT_CASE_FIGURES, error);
  int rc;

  if (st == NULL)
    return NULL;
  bind_text (st, 1, queue);
  bind_text (st, 2, context_field);
  while ((rc = step (self, st, error)) == 1)
    {
      CsdCaseFigures *f = g_new0 (CsdCaseFigures, 1);
      gboolean decided = g_strcmp0 ((const char *) sqlite3_column_text (st, 1), "decided") == 0;

      f->escalated = g_strcmp0 ((const char *) sqlite3_column_text (st, 0), "escalated") == 0;
      f->decided = f->escalated && decided;
      f->overridden = f->decided && g_strcmp0 ((const char *) sqlite3_column_text (st, 2), "override") == 0;
      f->model_label = column_text (st, 3);
      f->model_confidence = sqlite3_column_double (st, 4);
      f->final_label = decided ? column_text (st, 5) : NULL;
      f->truth = column_text (st, 6);
      f->cohort = column_text (st, 7);
      g_ptr_array_add (out, f);
    }
  if (rc < 0)
    return NULL;
  return g_steal_pointer (&out);
}

/* Opening */

static gboolean
exec (CsdStorageSqlite  *self,
      const char        *sql,
      GError           **error)
{
  char *message = NULL;

  if (sqlite3_exec (self->db, sql, NULL, NULL, &message) != SQLITE_OK)
    {
      g_set_error (error, CSD_ERROR, CSD_ERROR_STORAGE, "Database error in %s: %s",
                   self->path, message ? message : sqlite3_errmsg (self->db));
      sqlite3_free (message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
migrate (CsdStorageSqlite  *self,
         GError           **error)
{
  sqlite3_stmt *st = NULL;
  gint64 version;

  if (sqlite3_prepare_v2 (self->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
      sqlite3_step (st) != SQLITE_ROW)
    {
      sqlite3_finalize (st);
      return db_error (self, error, "read the schema version");
    }
  version = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);

  if (version > (gint64) G_N_ELEMENTS (migrations))
    {
      g_set_error (error, CSD_ERROR, CSD_ERROR_STORAGE,
                   "%s has schema version %" G_GINT64_FORMAT ", newer than this server knows (%u)",
                   self->path, version, (guint) G_N_ELEMENTS (migrations));
      return FALSE;
    }

  for (; version < (gint64) G_N_ELEMENTS (migrations); version++)
    {
      g_autofree char *set_version = g_strdup_printf ("PRAGMA user_version = %" G_GINT64_FORMAT,
                                                      version + 1);

      if (!exec (self, "BEGIN IMMEDIATE", error))
        return FALSE;
      if (!exec (self, migrations[version], error) ||
          !exec (self, set_version, error) ||
          !exec (self, "COMMIT", error))
        {
          g_prefix_error (error, "Upgrading the schema to version %" G_GINT64_FORMAT ": ", version + 1);
          return rollback (self);
        }
    }

  return TRUE;
}

/* The files must be private before SQLite writes into them: it gives the
 * -wal and -shm files the mode of the database file. */
static gboolean
create_private_file (const char  *path,
                     GError     **error)
{
  int fd = open (path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      g_set_error (error, CSD_ERROR, CSD_ERROR_STORAGE, "Could not create %s: %s",
                   path, g_strerror (errno));
      return FALSE;
    }
  close (fd);
  return TRUE;
}

static gboolean
open_db (CsdStorageSqlite  *self,
         const char        *data_dir,
         GError           **error)
{
  if (g_mkdir_with_parents (data_dir, 0700) != 0)
    {
      g_set_error (error, CSD_ERROR, CSD_ERROR_STORAGE, "Could not create %s: %s",
                   data_dir, g_strerror (errno));
      return FALSE;
    }

  self->path = g_build_filename (data_dir, DB_NAME, NULL);
  if (!create_private_file (self->path, error))
    return FALSE;

  if (sqlite3_open_v2 (self->path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
    {
      g_set_error (error, CSD_ERROR, CSD_ERROR_STORAGE, "Could not open %s: %s", self->path,
                   self->db ? sqlite3_errmsg (self->db) : "out of memory");
      return FALSE;
    }
  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, BUSY_TIMEOUT_MS);

  /* FULL: a decision is on disk before the server answers for it. */
  return exec (self, "PRAGMA journal_mode = WAL", error) &&
         exec (self, "PRAGMA synchronous = FULL", error) &&
         exec (self, "PRAGMA foreign_keys = ON", error) &&
         migrate (self, error);
}

CsdStorage *
csd_storage_sqlite_new (const char  *data_dir,
                        GError     **error)
{
  g_autoptr(CsdStorageSqlite) self = g_object_new (CSD_TYPE_STORAGE_SQLITE, NULL);

  if (!open_db (self, data_dir, error))
    return NULL;
  return CSD_STORAGE (g_steal_pointer (&self));
}

static void
csd_storage_sqlite_finalize (GObject *object)
{
  CsdStorageSqlite *self = CSD_STORAGE_SQLITE (object);

  for (guint i = 0; i < N_STMTS; i++)
    g_clear_pointer (&self->stmts[i], sqlite3_finalize);
  if (self->db != NULL)
    sqlite3_close_v2 (self->db);
  g_free (self->path);

  G_OBJECT_CLASS (csd_storage_sqlite_parent_class)->finalize (object);
}

static void
csd_storage_sqlite_class_init (CsdStorageSqliteClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = csd_storage_sqlite_finalize;
}

static void
csd_storage_sqlite_init (CsdStorageSqlite *self)
{
}

static void
csd_storage_sqlite_iface_init (CsdStorageInterface *iface)
{
  iface->token_create = sqlite_token_create;
  iface->token_lookup = sqlite_token_lookup;
  iface->token_list = sqlite_token_list;
  iface->token_revoke = sqlite_token_revoke;
  iface->queue_put = sqlite_queue_put;
  iface->queue_get = sqlite_queue_get;
  iface->queue_list = sqlite_queue_list;
  iface->queue_ids = sqlite_queue_ids;
  iface->queues_naming = sqlite_queues_naming;
  iface->asset_put = sqlite_asset_put;
  iface->asset_get = sqlite_asset_get;
  iface->asset_in_queues = sqlite_asset_in_queues;
  iface->ingest = sqlite_ingest;
  iface->case_get = sqlite_case_get;
  iface->case_set_truth = sqlite_case_set_truth;
  iface->case_withdraw = sqlite_case_withdraw;
  iface->claim = sqlite_claim;
  iface->release = sqlite_release;
  iface->changes = sqlite_changes;
  iface->decide = sqlite_decide;
  iface->outcomes = sqlite_outcomes;
  iface->case_outcome = sqlite_case_outcome;
  iface->overdue_sweep = sqlite_overdue_sweep;
  iface->webhook_due = sqlite_webhook_due;
  iface->webhook_update = sqlite_webhook_update;
  iface->webhook_next = sqlite_webhook_next;
  iface->metrics = sqlite_metrics;
  iface->case_figures = sqlite_case_figures;
}
