/* cs-store.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "cs-json.h"
#include "cs-store.h"

#define GENESIS_HASH "0000000000000000000000000000000000000000000000000000000000000000"

struct _CsStore
{
  GObject     parent_instance;

  char       *path;
  sqlite3    *db;
  GHashTable *statements;   /* SQL text → sqlite3_stmt*, prepared once */
};

G_DEFINE_FINAL_TYPE (CsStore, cs_store, G_TYPE_OBJECT)

/* One transaction per migration; user_version says how far a file has come. */
static const char *migrations[] = {
  /* 1: the first schema */
  "CREATE TABLE meta ("
  "  key   TEXT PRIMARY KEY,"
  "  value TEXT NOT NULL"
  ");"
  "CREATE TABLE cases ("
  "  id           TEXT PRIMARY KEY,"
  "  version      INTEGER NOT NULL,"
  "  queue        TEXT NOT NULL,"
  "  status       TEXT NOT NULL,"
  "  assigned_to  TEXT,"
  "  title        TEXT NOT NULL,"
  "  subject_kind INTEGER NOT NULL,"
  "  trigger      INTEGER NOT NULL,"
  "  confidence   REAL NOT NULL,"
  "  priority     REAL NOT NULL,"
  "  due_at       INTEGER NOT NULL DEFAULT 0,"
  "  local_state  INTEGER NOT NULL,"
  "  body         TEXT NOT NULL,"
  "  updated_at   TEXT NOT NULL"
  ");"
  "CREATE INDEX cases_by_priority ON cases (local_state, priority DESC, id);"
  "CREATE INDEX cases_by_confidence ON cases (local_state, confidence, id);"
  "CREATE INDEX cases_by_due ON cases (local_state, due_at, id);"
  "CREATE TABLE outbox ("
  "  seq          INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  decision_id  TEXT NOT NULL UNIQUE,"
  "  case_id      TEXT NOT NULL REFERENCES cases (id),"
  "  body         TEXT NOT NULL,"
  "  state        INTEGER NOT NULL,"
  "  attempts     INTEGER NOT NULL DEFAULT 0,"
  "  result       TEXT,"
  "  created_at   TEXT NOT NULL,"
  "  updated_at   TEXT NOT NULL"
  ");"
  "CREATE INDEX outbox_by_state ON outbox (state, seq);"
  "CREATE INDEX outbox_by_case ON outbox (case_id, seq);"
  "CREATE TABLE audit ("
  "  seq        INTEGER PRIMARY KEY,"
  "  at         TEXT NOT NULL,"
  "  event      TEXT NOT NULL,"
  "  case_id    TEXT,"
  "  detail     TEXT NOT NULL,"
  "  prev_hash  TEXT NOT NULL,"
  "  hash       TEXT NOT NULL"
  ");",
  /* 2: blind-first review: each reviewer's own label for a case, recorded
   * before the model's answer is shown, kept across restarts until the
   * decision carries it (and after, for the audit). */
  "CREATE TABLE judgements ("
  "  case_id      TEXT NOT NULL REFERENCES cases (id),"
  "  reviewer     TEXT NOT NULL,"
  "  label        TEXT NOT NULL,"
  "  recorded_at  TEXT NOT NULL,"
  "  PRIMARY KEY (case_id, reviewer)"
  ");",
  /* 3: the queue view's orders, led by the sort key and covering every column
   * the list shows or filters on. With local_state first, "to do" (two
   * states) could not use the index's order: each page sorted the whole queue
   * (2 s at 100,000 cases), and deep pages read a table row per skipped row. */
  "DROP INDEX cases_by_priority;"
  "DROP INDEX cases_by_confidence;"
  "DROP INDEX cases_by_due;"
  "CREATE INDEX cases_by_priority ON cases"
  "  (priority DESC, id, local_state, queue, trigger, confidence, due_at, subject_kind, title);"
  "CREATE INDEX cases_by_confidence ON cases"
  "  (confidence, id, local_state, queue, trigger, priority, due_at, subject_kind, title);"
  "CREATE INDEX cases_by_due ON cases"
  "  (due_at = 0, due_at, id, local_state, queue, trigger, priority, confidence, subject_kind, title);",
  /* 4: counting a view by state reads a narrow index rather than one of the
   * wide ones above (a count of "to do" at 100,000 cases: 5 ms, not 30). */
  "CREATE INDEX cases_by_state ON cases (local_state);",
  /* 5: the queues the store holds (asked on every change the feed brings) and
   * a view's count within one queue, each from a narrow index. */
  "CREATE INDEX cases_by_queue ON cases (queue, local_state);",
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == CS_STORE_SCHEMA_VERSION);

void
cs_case_row_free (CsCaseRow *row)
{
  if (row == NULL)
    return;
  g_free (row->id);
  g_free (row->title);
  g_free (row->queue);
  g_free (row);
}

void
cs_audit_entry_free (CsAuditEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->at);
  g_free (entry->event);
  g_free (entry->case_id);
  g_free (entry->detail);
  g_free (entry->prev_hash);
  g_free (entry->hash);
  g_free (entry);
}

static void
cs_store_finalize (GObject *object)
{
  CsStore *self = CS_STORE (object);

  g_clear_pointer (&self->statements, g_hash_table_unref);
  if (self->db != NULL)
    sqlite3_close (self->db);
  g_free (self->path);

  G_OBJECT_CLASS (cs_store_parent_class)->finalize (object);
}

static void
cs_store_class_init (CsStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cs_store_finalize;
}

static void
finalize_statement (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

static void
cs_store_init (CsStore *self)
{
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, finalize_statement);
}

/* Errors */

static gboolean
set_sqlite_error (CsStore     *self,
                  int          rc,
                  GError     **error)
{
  int primary = rc & 0xff;

  if (primary == SQLITE_FULL)
    g_set_error (error, CS_ERROR, CS_ERROR_DISK_FULL,
                 _("The disk is full, so nothing was saved. Free some space and try again."));
  else
    g_set_error (error, CS_ERROR, CS_ERROR_STORE,
                 _("The local database failed: %s"), sqlite3_errmsg (self->db));
  return FALSE;
}

/* Statements */

static sqlite3_stmt *
prepare (CsStore     *self,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->statements, sql);
  int rc;

  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }

  rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (self, rc, error);
      return NULL;
    }

  g_hash_table_insert (self->statements, g_strdup (sql), stmt);
  return stmt;
}

static gboolean
exec (CsStore     *self,
      const char  *sql,
      GError     **error)
{
  char *errmsg = NULL;
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, &errmsg);

  sqlite3_free (errmsg);
  if (rc != SQLITE_OK)
    return set_sqlite_error (self, rc, error);
  return TRUE;
}

static gboolean
step_done (CsStore       *self,
           sqlite3_stmt  *stmt,
           GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      set_sqlite_error (self, rc, error);
      sqlite3_reset (stmt);
      return FALSE;
    }
  sqlite3_reset (stmt);
  return TRUE;
}

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}

static char *
column_text (sqlite3_stmt *stmt,
             int           index)
{
  const unsigned char *text = sqlite3_column_text (stmt, index);

  return text ? g_strdup ((const char *) text) : NULL;
}

static gboolean
begin (CsStore  *self,
       GError  **error)
{
  return exec (self, "BEGIN IMMEDIATE", error);
}

static gboolean
commit (CsStore  *self,
        GError  **error)
{
  if (!exec (self, "COMMIT", error))
    {
      /* A failed COMMIT (disk full) may leave the transaction open. */
      if (!sqlite3_get_autocommit (self->db))
        exec (self, "ROLLBACK", NULL);
      return FALSE;
    }
  return TRUE;
}

static void
rollback (CsStore *self)
{
  if (!sqlite3_get_autocommit (self->db))
    exec (self, "ROLLBACK", NULL);
}

static char *
now_string (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return cs_format_time (now);
}

/* Opening */

char *
cs_store_default_path (const char *server_url,
                       const char *data_dir)
{
  g_autofree char *host = NULL;
  g_autoptr(GUri) uri = NULL;

  if (data_dir != NULL)
    return g_build_filename (data_dir, "countersign.db", NULL);

  if (server_url != NULL)
    uri = g_uri_parse (server_url, G_URI_FLAGS_NONE, NULL);
  if (uri != NULL && g_uri_get_host (uri) != NULL)
    {
      int port = g_uri_get_port (uri);

      host = port > 0 ? g_strdup_printf ("%s_%d", g_uri_get_host (uri), port)
                      : g_strdup (g_uri_get_host (uri));
      /* The host becomes a directory name: keep it to safe characters. */
      g_strcanon (host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_", '_');
    }
  else
    host = g_strdup ("local");

  return g_build_filename (g_get_user_data_dir (), "countersign", host, "countersign.db", NULL);
}

static gboolean
create_private_file (const char  *path,
                     GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not create the folder %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }
  g_chmod (dir, 0700);

  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not open %s: %s"), path, g_strerror (saved));
      return FALSE;
    }
  /* An existing file keeps its mode through open(): make it private again. */
  fchmod (fd, 0600);
  close (fd);
  return TRUE;
}

static gboolean
migrate (CsStore  *self,
         GError  **error)
{
  sqlite3_stmt *stmt;
  int version;

  stmt = prepare (self, "PRAGMA user_version", error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return set_sqlite_error (self, sqlite3_errcode (self->db), error);
  version = sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);

  if (version > CS_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_STORE,
                   _("%s was written by a newer Countersign (schema %d, this one knows %d)"),
                   self->path, version, CS_STORE_SCHEMA_VERSION);
      return FALSE;
    }

  for (int v = version; v < CS_STORE_SCHEMA_VERSION; v++)
    {
      g_autofree char *set_version = g_strdup_printf ("PRAGMA user_version = %d", v + 1);

      if (!begin (self, error))
        return FALSE;
      if (!exec (self, migrations[v], error) || !exec (self, set_version, error) || !commit (self, error))
        {
          rollback (self);
          return FALSE;
        }
    }

  return TRUE;
}

CsStore *
cs_store_open (const char  *path,
               GError     **error)
{
  g_autoptr(CsStore) self = g_object_new (CS_TYPE_STORE, NULL);
  int rc;

  g_return_val_if_fail (path != NULL, NULL);

  self->path = g_strdup (path);
  if (!create_private_file (path, error))
    return NULL;

  rc = sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_STORE, _("Could not open the local database %s: %s"),
                   path, self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      return NULL;
    }

  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, 5000);

  if (!exec (self, "PRAGMA journal_mode = WAL", error) ||
      !exec (self, "PRAGMA synchronous = FULL", error) ||
      !exec (self, "PRAGMA foreign_keys = ON", error) ||
      !migrate (self, error))
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }

  return g_steal_pointer (&self);
}

const char *
cs_store_get_path (CsStore *self)
{
  g_return_val_if_fail (CS_IS_STORE (self), NULL);
  return self->path;
}

/* Meta */

char *
cs_store_get_meta (CsStore    *self,
                   const char *key)
{
  sqlite3_stmt *stmt;
  char *value = NULL;

  g_return_val_if_fail (CS_IS_STORE (self), NULL);

  stmt = prepare (self, "SELECT value FROM meta WHERE key = ?1", NULL);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, key);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = column_text (stmt, 0);
  sqlite3_reset (stmt);
  return value;
}

static gboolean
set_meta (CsStore     *self,
          const char  *key,
          const char  *value,
          GError     **error)
{
  sqlite3_stmt *stmt;

  if (value == NULL)
    stmt = prepare (self, "DELETE FROM meta WHERE key = ?1", error);
  else
    stmt = prepare (self, "INSERT INTO meta (key, value) VALUES (?1, ?2) "
                          "ON CONFLICT (key) DO UPDATE SET value = excluded.value", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, key);
  if (value != NULL)
    bind_text (stmt, 2, value);
  return step_done (self, stmt, error);
}

gboolean
cs_store_set_meta (CsStore     *self,
                   const char  *key,
                   const char  *value,
                   GError     **error)
{
  g_return_val_if_fail (CS_IS_STORE (self), FALSE);
  return set_meta (self, key, value, error);
}

/* Audit */

static char *
audit_hash (gint64      seq,
            const char *at,
            const char *event,
            const char *case_id,
            JsonNode   *detail,
            const char *prev_hash)
{
  g_autoptr(JsonObject) obj = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *canonical = NULL;

  json_object_set_int_member (obj, "seq", seq);
  json_object_set_string_member (obj, "at", at);
  json_object_set_string_member (obj, "event", event);
  if (case_id != NULL)
    json_object_set_string_member (obj, "case_id", case_id);
  else
    json_object_set_null_member (obj, "case_id");
  json_object_set_member (obj, "detail", json_node_copy (detail));
  node = json_node_init_object (json_node_alloc (), obj);
  canonical = cs_json_canonical (node);

  g_checksum_update (checksum, (const guchar *) prev_hash, -1);
  g_checksum_update (checksum, (const guchar *) "\n", 1);
  g_checksum_update (checksum, (const guchar *) canonical, -1);
  return g_strdup (g_checksum_get_string (checksum));
}

static gboolean
audit_append (CsStore     *self,
              const char  *event,
              const char  *case_id,
              JsonNode    *detail,
              GError     **error)
{
  g_autoptr(JsonNode) empty = NULL;
  g_autofree char *prev_hash = NULL;
  g_autofree char *at = now_string ();
  g_autofree char *hash = NULL;
  g_autofree char *detail_text = NULL;
  g_autofree char *head = NULL;
  sqlite3_stmt *stmt;
  gint64 seq = 1;

  if (detail == NULL)
    detail = empty = cs_json_node_take_object (json_object_new ());

  stmt = prepare (self, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      seq = sqlite3_column_int64 (stmt, 0) + 1;
      prev_hash = column_text (stmt, 1);
    }
  else
    prev_hash = g_strdup (GENESIS_HASH);
  sqlite3_reset (stmt);

  hash = audit_hash (seq, at, event, case_id, detail, prev_hash);
  detail_text = cs_json_canonical (detail);

  stmt = prepare (self, "INSERT INTO audit (seq, at, event, case_id, detail, prev_hash, hash) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  bind_text (stmt, 2, at);
  bind_text (stmt, 3, event);
  bind_text (stmt, 4, case_id);
  bind_text (stmt, 5, detail_text);
  bind_text (stmt, 6, prev_hash);
  bind_text (stmt, 7, hash);
  if (!step_done (self, stmt, error))
    return FALSE;

  /* The head is kept apart so that dropping the newest entries is seen too. */
  head = g_strdup_printf ("%" G_GINT64_FORMAT ":%s", seq, hash);
  return set_meta (self, "audit_head", head, error);
}

gboolean
cs_store_audit_append (CsStore     *self,
                       const char  *event,
                       const char  *case_id,
                       JsonNode    *detail,
                       GError     **error)
{
  gboolean own_transaction;

  g_return_val_if_fail (CS_IS_STORE (self), FALSE);
  g_return_val_if_fail (event != NULL, FALSE);

  own_transaction = sqlite3_get_autocommit (self->db);
  if (own_transaction && !begin (self, error))
    return FALSE;
  if (!audit_append (self, event, case_id, detail, error))
    {
      if (own_transaction)
        rollback (self);
      return FALSE;
    }
  return own_transaction ? commit (self, error) : TRUE;
}

gboolean
cs_store_audit_verify (CsStore  *self,
                       gint64   *n_entries,
                       GError  **error)
{
  g_autofree char *expected_prev = g_strdup (GENESIS_HASH);
  g_autofree char *head = NULL;
  g_autofree char *tail = NULL;
  sqlite3_stmt *stmt;
  gint64 expected_seq = 1;
  int rc;

  g_return_val_if_fail (CS_IS_STORE (self), FALSE);

  stmt = prepare (self, "SELECT seq, at, event, case_id, detail, prev_hash, hash FROM audit ORDER BY seq", error);
  if (stmt == NULL)
    return FALSE;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 seq = sqlite3_column_int64 (stmt, 0);
      const char *at = (const char *) sqlite3_column_text (stmt, 1);
      const char *event = (const char *) sqlite3_column_text (stmt, 2);
      const char *case_id = (const char *) sqlite3_column_text (stmt, 3);
      const char *detail_text = (const char *) sqlite3_column_text (stmt, 4);
      const char *prev_hash = (const char *) sqlite3_column_text (stmt, 5);
      const char *hash = (const char *) sqlite3_column_text (stmt, 6);
      g_autoptr(JsonNode) detail = NULL;
      g_autofree char *computed = NULL;

      if (seq != expected_seq)
        {
          g_set_error (error, CS_ERROR, CS_ERROR_STORE,
                       _("Audit entry %" G_GINT64_FORMAT " is missing: the log was cut"), expected_seq);
          sqlite3_reset (stmt);
          return FALSE;
        }

      detail = detail_text ? cs_json_parse (detail_text, strlen (detail_text), NULL) : NULL;
      if (detail == NULL || at == NULL || event == NULL || prev_hash == NULL || hash == NULL ||
          !g_str_equal (prev_hash, expected_prev))
        {
          g_set_error (error, CS_ERROR, CS_ERROR_STORE,
                       _("Audit entry %" G_GINT64_FORMAT " does not follow the one before it"), seq);
          sqlite3_reset (stmt);
          return FALSE;
        }

      computed = audit_hash (seq, at, event, case_id, detail, prev_hash);
      if (!g_str_equal (computed, hash))
        {
          g_set_error (error, CS_ERROR, CS_ERROR_STORE,
                       _("Audit entry %" G_GINT64_FORMAT " was altered: its hash does not match"), seq);
          sqlite3_reset (stmt);
          return FALSE;
        }

      g_free (expected_prev);
      expected_prev = g_strdup (hash);
      expected_seq++;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return set_sqlite_error (self, rc, error);

  head = cs_store_get_meta (self, "audit_head");
  tail = expected_seq > 1 ? g_strdup_printf ("%" G_GINT64_FORMAT ":%s", expected_seq - 1, expected_prev) : NULL;
  if (g_strcmp0 (head, tail) != 0)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_STORE,
                   _("The newest audit entries were removed: the log ends at %" G_GINT64_FORMAT " but its head says %s"),
                   expected_seq - 1, head ? head : "nothing");
      return FALSE;
    }

  if (n_entries != NULL)
    *n_entries = expected_seq - 1;
  return TRUE;
}

GPtrArray *
cs_store_audit_list (CsStore  *self,
                     GError  **error)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_audit_entry_free);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CS_IS_STORE (self), NULL);

  stmt = prepare (self, "SELECT seq, at, event, case_id, detail, prev_hash, hash FROM audit ORDER BY seq", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      CsAuditEntry *entry = g_new0 (CsAuditEntry, 1);

      entry->seq = sqlite3_column_int64 (stmt, 0);
      entry->at = column_text (stmt, 1);
      entry->event = column_text (stmt, 2);
      entry->case_id = column_text (stmt, 3);
      entry->detail = column_text (stmt, 4);
      entry->prev_hash = column_text (stmt, 5);
      entry->hash = column_text (stmt, 6);
      g_ptr_array_add (entries, entry);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&entries);
}

/* Cases */

static JsonNode *
detail_new (const char *first_key,
            ...)
{
  JsonObject *obj = json_object_new ();
  const char *key = first_key;
  va_list args;

  va_start (args, first_key);
  while (key != NULL)
    {
      JsonNode *value = va_arg (args, JsonNode *);
      json_object_set_member (obj, key, value);
      key = va_arg (args, const char *);
    }
  va_end (args);

  return cs_json_node_take_object (obj);
}

static JsonNode *
str_node (const char *value)
{
  return value ? json_node_init_string (json_node_alloc (), value) : json_node_init_null (json_node_alloc ());
}

static JsonNode *
int_node (gint64 value)
{
  return json_node_init_int (json_node_alloc (), value);
}

static CsLocalState
local_state_for (CsCase      *kase,
                 const char  *reviewer)
{
  CsCaseStatus status = cs_case_get_status (kase);

  if ((status == CS_CASE_STATUS_OPEN || status == CS_CASE_STATUS_PENDING_SECOND) &&
      reviewer != NULL && g_strcmp0 (cs_case_get_assigned_to (kase), reviewer) == 0)
    return CS_LOCAL_NEW;
  return CS_LOCAL_CLOSED;
}

static gboolean
lookup_case (CsStore       *self,
             const char    *id,
             gint64        *version,
             CsLocalState  *state,
             GError       **error)
{
  sqlite3_stmt *stmt = prepare (self, "SELECT version, local_state FROM cases WHERE id = ?1", error);
  gboolean found = FALSE;

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      *version = sqlite3_column_int64 (stmt, 0);
      *state = (CsLocalState) sqlite3_column_int (stmt, 1);
      found = TRUE;
    }
  sqlite3_reset (stmt);
  return found;
}

static gboolean
write_case (CsStore       *self,
            CsCase        *kase,
            CsLocalState   state,
            GError       **error)
{
  g_autofree char *body = cs_case_to_data (kase, NULL);
  g_autofree char *now = now_string ();
  GDateTime *due = cs_case_get_due_at (kase);
  sqlite3_stmt *stmt;

  stmt = prepare (self,
                  "INSERT INTO cases (id, version, queue, status, assigned_to, title, subject_kind, trigger,"
                  "                   confidence, priority, due_at, local_state, body, updated_at)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
                  " ON CONFLICT (id) DO UPDATE SET version = excluded.version, queue = excluded.queue,"
                  "   status = excluded.status, assigned_to = excluded.assigned_to, title = excluded.title,"
                  "   subject_kind = excluded.subject_kind, trigger = excluded.trigger,"
                  "   confidence = excluded.confidence, priority = excluded.priority, due_at = excluded.due_at,"
                  "   local_state = excluded.local_state, body = excluded.body, updated_at = excluded.updated_at",
                  error);
  if (stmt == NULL)
    return FALSE;

  bind_text (stmt, 1, cs_case_get_id (kase));
  sqlite3_bind_int64 (stmt, 2, cs_case_get_version (kase));
  bind_text (stmt, 3, cs_case_get_queue (kase));
  bind_text (stmt, 4, cs_case_status_to_string (cs_case_get_status (kase)));
  bind_text (stmt, 5, cs_case_get_assigned_to (kase));
  bind_text (stmt, 6, cs_case_get_title (kase));
  sqlite3_bind_int (stmt, 7, cs_case_get_subject_kind (kase));
  sqlite3_bind_int (stmt, 8, cs_case_get_trigger_kind (kase));
  sqlite3_bind_double (stmt, 9, cs_case_get_confidence (kase));
  sqlite3_bind_double (stmt, 10, cs_case_get_priority (kase));
  sqlite3_bind_int64 (stmt, 11, due ? g_date_time_to_unix (due) : 0);
  sqlite3_bind_int (stmt, 12, state);
  bind_text (stmt, 13, body);
  bind_text (stmt, 14, now);
  return step_done (self, stmt, error);
}

static gboolean
set_local_state (CsStore       *self,
                 const char    *case_id,
                 CsLocalState   state,
                 GError       **error)
{
  sqlite3_stmt *stmt = prepare (self, "UPDATE cases SET local_state = ?2 WHERE id = ?1", error);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, case_id);
  sqlite3_bind_int (stmt, 2, state);
  return step_done (self, stmt, error);
}

gboolean
cs_store_apply_changes (CsStore     *self,
                        GPtrArray   *cases,
                        const char  *reviewer,
                        const char  *cursor,
                        GPtrArray  **changed,
                        GError     **error)
{
  g_autoptr(GPtrArray) changed_ids = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (CS_IS_STORE (self), FALSE);
  g_return_val_if_fail (cases != NULL, FALSE);

  if (!begin (self, error))
    return FALSE;

  for (guint i = 0; i < cases->len; i++)
    {
      CsCase *kase = g_ptr_array_index (cases, i);
      gint64 old_version = -1;
      CsLocalState old_state = CS_LOCAL_NEW, state;
      gboolean exists = lookup_case (self, cs_case_get_id (kase), &old_version, &old_state, NULL);

      /* Applying a page twice, or an older copy after a newer one, changes nothing. */
      if (exists && cs_case_get_version (kase) < old_version)
        continue;

      /* Our own decision or an open conflict outranks what the server says
       * until the push settles it: never drop what the reviewer did. */
      if (exists && (old_state == CS_LOCAL_DECIDED || old_state == CS_LOCAL_CONFLICT ||
                     old_state == CS_LOCAL_SYNCED))
        state = old_state;
      else
        state = local_state_for (kase, reviewer);

      if (!write_case (self, kase, state, error))
        goto fail;

      if (!exists || old_version != cs_case_get_version (kase) || old_state != state)
        {
          g_autoptr(JsonNode) detail =
            detail_new ("version", int_node (cs_case_get_version (kase)),
                        "status", str_node (cs_case_status_to_string (cs_case_get_status (kase))),
                        "local_state", str_node (cs_local_state_to_string (state)),
                        NULL);

          if (!audit_append (self, "case.received", cs_case_get_id (kase), detail, error))
            goto fail;
          g_ptr_array_add (changed_ids, g_strdup (cs_case_get_id (kase)));
        }
    }

  if (cursor != NULL && !set_meta (self, "cursor", cursor, error))
    goto fail;

  if (!commit (self, error))
    return FALSE;

  if (changed != NULL)
    *changed = g_steal_pointer (&changed_ids);
  return TRUE;

fail:
  rollback (self);
  return FALSE;
}

CsCase *
cs_store_get_case (CsStore     *self,
                   const char  *id,
                   GError     **error)
{
  sqlite3_stmt *stmt;
  CsCase *kase = NULL;

  g_return_val_if_fail (CS_IS_STORE (self), NULL);

  stmt = prepare (self, "SELECT body FROM cases WHERE id = ?1", error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *body = (const char *) sqlite3_column_text (stmt, 0);
      int len = sqlite3_column_bytes (stmt, 0);

      kase = cs_case_new_from_data (body, len, CS_CASE_PARSE_CASE, error);
    }
  else
    g_set_error (error, CS_ERROR, CS_ERROR_NOT_FOUND, _("There is no case “%s” on this workstation"), id);
  sqlite3_reset (stmt);
  return kase;
}

gboolean
cs_store_get_local_state (CsStore      *self,
                          const char   *id,
                          CsLocalState *out)
{
  gint64 version;

  g_return_val_if_fail (CS_IS_STORE (self), FALSE);
  return lookup_case (self, id, &version, out, NULL);
}

/* The queue view's SQL is built from fixed pieces only; the values are bound. */
/* @by_state: the narrow indexes on local_state and on queue may serve the
 * query (a plain count). Otherwise the "+" keeps SQLite off them, so that it
 * walks the order's own index and stops after a page, instead of sorting
 * every row in the states or the queue asked for. */
static char *
query_sql (const CsCaseQuery *query,
           const char        *select,
           gboolean           ordered,
           gboolean           by_state)
{
  GString *sql = g_string_new (select);

  g_string_append (sql, " FROM cases WHERE 1");
  if (query->states != 0)
    {
      gboolean first = TRUE;

      g_string_append (sql, by_state ? " AND local_state IN (" : " AND +local_state IN (");
      for (guint s = 0; s <= CS_LOCAL_CLOSED; s++)
        if (query->states & (1u << s))
          {
            g_string_append_printf (sql, "%s%u", first ? "" : ",", s);
            first = FALSE;
          }
      g_string_append (sql, ")");
    }
  if (query->queue != NULL)
    g_string_append (sql, by_state ? " AND queue = :queue" : " AND +queue = :queue");
  if (query->trigger >= 0)
    g_string_append (sql, " AND trigger = :trigger");
  if (query->search != NULL && query->search[0] != '\0')
    g_string_append (sql, " AND (title LIKE :search ESCAPE '\\' OR id LIKE :search ESCAPE '\\')");

  if (ordered)
    {
      switch (query->sort)
        {
        case CS_SORT_CONFIDENCE:
          g_string_append (sql, " ORDER BY confidence ASC, id");
          break;
        case CS_SORT_DUE:
          g_string_append (sql, " ORDER BY due_at = 0, due_at ASC, id");
          break;
        case CS_SORT_PRIORITY:
        default:
          g_string_append (sql, " ORDER BY priority DESC, id");
          break;
        }
      g_string_append (sql, " LIMIT :limit OFFSET :offset");
    }

  return g_string_free (sql, FALSE);
}

static void
bind_query (sqlite3_stmt      *stmt,
            const CsCaseQuery *query)
{
  int index;

  if ((index = sqlite3_bind_parameter_index (stmt, ":queue")) > 0)
    bind_text (stmt, index, query->queue);
  if ((index = sqlite3_bind_parameter_index (stmt, ":trigger")) > 0)
    sqlite3_bind_int (stmt, index, query->trigger);
  if ((index = sqlite3_bind_parameter_index (stmt, ":search")) > 0)
    {
      GString *pattern = g_string_new ("%");

      for (const char *p = query->search; *p; p++)
        {
          if (*p == '%' || *p == '_' || *p == '\\')
            g_string_append_c (pattern, '\\');
          g_string_append_c (pattern, *p);
        }
      g_string_append_c (pattern, '%');
      bind_text (stmt, index, pattern->str);
      g_string_free (pattern, TRUE);
    }
}

guint
cs_store_count_cases (CsStore           *self,
                      const CsCaseQuery *query)
{
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt;
  guint count = 0;

  g_return_val_if_fail (CS_IS_STORE (self), 0);

  sql = query_sql (query, "SELECT count(*)", FALSE, TRUE);
  stmt = prepare (self, sql, NULL);
  if (stmt == NULL)
    return 0;
  bind_query (stmt, query);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    count = (guint) sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return count;
}

GPtrArray *
cs_store_list_queues (CsStore  *self,
                      GError  **error)
{
  g_autoptr(GPtrArray) queues = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CS_IS_STORE (self), NULL);

  if ((stmt = prepare (self, "SELECT DISTINCT queue FROM cases ORDER BY queue", error)) == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (queues, column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&queues);
}

/* Where a case stands in the view, counted in SQL with the view's own order
 * (priority, confidence or due time, then id), so that finding it never reads
 * the rows before it. */
int
cs_store_case_position (CsStore           *self,
                        const CsCaseQuery *query,
                        const char        *case_id)
{
  g_autofree char *in_view = NULL;
  g_autofree char *before = NULL;
  sqlite3_stmt *stmt;
  double priority = 0, confidence = 0;
  gint64 due_at = 0;
  int found = 0, position = -1;

  g_return_val_if_fail (CS_IS_STORE (self), -1);
  g_return_val_if_fail (case_id != NULL, -1);

  in_view = query_sql (query, "SELECT priority, confidence, due_at", FALSE, FALSE);
  in_view = g_strconcat (g_steal_pointer (&in_view), " AND id = :id", NULL);
  if ((stmt = prepare (self, in_view, NULL)) == NULL)
    return -1;
  bind_query (stmt, query);
  bind_text (stmt, sqlite3_bind_parameter_index (stmt, ":id"), case_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      priority = sqlite3_column_double (stmt, 0);
      confidence = sqlite3_column_double (stmt, 1);
      due_at = sqlite3_column_int64 (stmt, 2);
      found = 1;
    }
  sqlite3_reset (stmt);
  if (!found)
    return -1;

  before = query_sql (query, "SELECT count(*)", FALSE, FALSE);
  switch (query->sort)
    {
    case CS_SORT_CONFIDENCE:
      before = g_strconcat (g_steal_pointer (&before),
                            " AND (confidence < :confidence OR (confidence = :confidence AND id < :id))", NULL);
      break;
    case CS_SORT_DUE:
      before = g_strconcat (g_steal_pointer (&before),
                            " AND ((due_at = 0) < :undated OR ((due_at = 0) = :undated AND"
                            " (due_at < :due OR (due_at = :due AND id < :id))))", NULL);
      break;
    case CS_SORT_PRIORITY:
    default:
      before = g_strconcat (g_steal_pointer (&before),
                            " AND (priority > :priority OR (priority = :priority AND id < :id))", NULL);
      break;
    }
  if ((stmt = prepare (self, before, NULL)) == NULL)
    return -1;
  bind_query (stmt, query);
  bind_text (stmt, sqlite3_bind_parameter_index (stmt, ":id"), case_id);
  if (sqlite3_bind_parameter_index (stmt, ":priority") > 0)
    sqlite3_bind_double (stmt, sqlite3_bind_parameter_index (stmt, ":priority"), priority);
  if (sqlite3_bind_parameter_index (stmt, ":confidence") > 0)
    sqlite3_bind_double (stmt, sqlite3_bind_parameter_index (stmt, ":confidence"), confidence);
  if (sqlite3_bind_parameter_index (stmt, ":due") > 0)
    {
      sqlite3_bind_int64 (stmt, sqlite3_bind_parameter_index (stmt, ":due"), due_at);
      sqlite3_bind_int (stmt, sqlite3_bind_parameter_index (stmt, ":undated"), due_at == 0);
    }
  if (sqlite3_step (stmt) == SQLITE_ROW)
    position = (int) sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return position;
}

GPtrArray *
cs_store_list_cases (CsStore           *self,
                     const CsCaseQuery *query,
                     guint              offset,
                     guint              limit,
                     GError           **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_case_row_free);
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CS_IS_STORE (self), NULL);

  sql = query_sql (query, "SELECT id, title, queue, trigger, confidence, priority, due_at, local_state, subject_kind",
                   TRUE, FALSE);
  stmt = prepare (self, sql, error);
  if (stmt == NULL)
    return NULL;
  bind_query (stmt, query);
  sqlite3_bind_int64 (stmt, sqlite3_bind_parameter_index (stmt, ":limit"), limit);
  sqlite3_bind_int64 (stmt, sqlite3_bind_parameter_index (stmt, ":offset"), offset);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      CsCaseRow *row = g_new0 (CsCaseRow, 1);

      row->id = column_text (stmt, 0);
      row->title = column_text (stmt, 1);
      row->queue = column_text (stmt, 2);
      row->trigger = (CsTriggerKind) sqlite3_column_int (stmt, 3);
      row->confidence = sqlite3_column_double (stmt, 4);
      row->priority = sqlite3_column_double (stmt, 5);
      row->due_at = sqlite3_column_int64 (stmt, 6);
      row->local_state = (CsLocalState) sqlite3_column_int (stmt, 7);
      row->subject_kind = (CsSubjectKind) sqlite3_column_int (stmt, 8);
      g_ptr_array_add (rows, row);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&rows);
}


/* The distinct evidence hashes (subject, then heatmap) of the rows @stmt
 * yields, in order; resets @stmt. */
static GPtrArray *
collect_asset_hashes (CsStore       *self,
                      sqlite3_stmt  *stmt,
                      GError       **error)
{
  g_autoptr(GPtrArray) hashes = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    for (int col = 0; col < 2; col++)
      {
        const char *hash = (const char *) sqlite3_column_text (stmt, col);

        if (hash != NULL && !g_hash_table_contains (seen, hash))
          {
            char *copy = g_strdup (hash);
            g_ptr_array_add (hashes, copy);
            g_hash_table_add (seen, copy);
          }
      }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&hashes);
}

GPtrArray *
cs_store_list_wanted_assets (CsStore  *self,
                             guint     limit,
                             GError  **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CS_IS_STORE (self), NULL);

  /* SQLite's own JSON reads the hashes without parsing whole cases in C. */
  stmt = prepare (self,
                  "SELECT json_extract (body, '$.subject.asset.sha256'),"
                  "       json_extract (body, '$.explanation.heatmap.asset.sha256')"
                  " FROM cases WHERE +local_state IN (0, 3) ORDER BY priority DESC, id LIMIT ?1",
                  error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, limit);
  return collect_asset_hashes (self, stmt, error);
}

GPtrArray *
cs_store_list_needed_assets (CsStore  *self,
                             GError  **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CS_IS_STORE (self), NULL);

  /* New (0), decided here (1) and conflict (3) cases, and any case with a
   * pending (0) or inflight (1) decision whatever the feed since said of it. */
  stmt = prepare (self,
                  "SELECT json_extract (body, '$.subject.asset.sha256'),"
                  "       json_extract (body, '$.explanation.heatmap.asset.sha256')"
                  " FROM cases WHERE local_state IN (0, 1, 3)"
                  "    OR id IN (SELECT case_id FROM outbox WHERE state IN (0, 1))",
                  error);
  if (stmt == NULL)
    return NULL;
  return collect_asset_hashes (self, stmt, error);
}

/* Decisions */

static gboolean
insert_outbox (CsStore     *self,
               CsDecision  *decision,
               GError     **error)
{
  g_autofree char *body = cs_decision_to_data (decision, NULL);
  g_autofree char *now = now_string ();
  sqlite3_stmt *stmt;

  stmt = prepare (self, "INSERT INTO outbox (decision_id, case_id, body, state, created_at, updated_at)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?5)", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, cs_decision_get_id (decision));
  bind_text (stmt, 2, cs_decision_get_case_id (decision));
  bind_text (stmt, 3, body);
  sqlite3_bind_int (stmt, 4, CS_OUTBOX_PENDING);
  bind_text (stmt, 5, now);
  return step_done (self, stmt, error);
}

gboolean
cs_store_commit_decision (CsStore     *self,
                          CsDecision  *decision,
                          GError     **error)
{
  g_autoptr(CsCase) kase = NULL;
  g_autoptr(JsonNode) detail = NULL;
  const char *case_id;
  CsLocalState state;

  g_return_val_if_fail (CS_IS_STORE (self), FALSE);
  g_return_val_if_fail (CS_IS_DECISION (decision), FALSE);

  case_id = cs_decision_get_case_id (decision);

  /* The checks belong inside the transaction: another process on this store
   * (the command line beside the window) may decide the same case meanwhile. */
  if (!begin (self, error))
    return FALSE;

  kase = cs_store_get_case (self, case_id, error);
  if (kase == NULL)
    goto fail;

  if (!cs_store_get_local_state (self, case_id, &state))
    state = CS_LOCAL_CLOSED;
  if (state == CS_LOCAL_DECIDED || state == CS_LOCAL_SYNCED)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_CONFLICT, _("You have already decided “%s”"),
                   cs_case_get_title (kase));
      goto fail;
    }
  if (cs_case_get_version (kase) != cs_decision_get_case_version (decision))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_CONFLICT,
                   _("The decision is for version %" G_GINT64_FORMAT " of “%s”, but this workstation has version %" G_GINT64_FORMAT),
                   cs_decision_get_case_version (decision), cs_case_get_title (kase), cs_case_get_version (kase));
      goto fail;
    }

  if (!cs_decision_check_policy (decision, cs_case_get_labels (kase), cs_case_get_policy (kase),
                                 cs_case_get_predicted_label (kase), error))
    goto fail;

  detail = detail_new ("decision_id", str_node (cs_decision_get_id (decision)),
                       "case_version", int_node (cs_decision_get_case_version (decision)),
                       "action", str_node (cs_action_to_string (cs_decision_get_action (decision))),
                       "label", str_node (cs_decision_get_label (decision)),
                       "rationale", str_node (cs_decision_get_rationale (decision)),
                       "reviewer", str_node (cs_decision_get_reviewer (decision)),
                       "duration_ms", int_node (cs_decision_get_duration_ms (decision)),
                       NULL);
  /* The oversight members only where they apply, so that other entries read as before. */
  if (cs_decision_get_initial_label (decision) != NULL)
    json_object_set_string_member (json_node_get_object (detail), "initial_label",
                                   cs_decision_get_initial_label (decision));
  if (cs_decision_get_countersigns (decision) != NULL)
    json_object_set_string_member (json_node_get_object (detail), "countersigns",
                                   cs_decision_get_countersigns (decision));

  if (!insert_outbox (self, decision, error) ||
      !set_local_state (self, case_id, CS_LOCAL_DECIDED, error) ||
      !audit_append (self, "decision.made", case_id, detail, error) ||
      !commit (self, error))
    goto fail;

  return TRUE;

fail:
  rollback (self);
  return FALSE;
}

static gboolean
outbox_row (CsStore        *self,
            const char     *decision_id,
            char          **case_id,
            CsOutboxState  *state)
{
  sqlite3_stmt *stmt = prepare (self, "SELECT case_id, state FROM outbox WHERE decision_id = ?1", NULL);
  gboolean found = FALSE;

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, decision_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      *case_id = column_text (stmt, 0);
      *state = (CsOutboxState) sqlite3_column_int (stmt, 1);
      found = TRUE;
    }
  sqlite3_reset (stmt);
  return found;
}

gboolean
cs_store_undo_decision (CsStore     *self,
                        const char  *decision_id,
                        GError     **error)
{
  g_autofree char *case_id = NULL;
  g_autoptr(JsonNode) detail = NULL;
  CsOutboxState state;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CS_IS_STORE (self), FALSE);

  if (!begin (self, error))
    return FALSE;

  /* Checked inside the transaction so that a push cannot slip in between. */
  if (!outbox_row (self, decision_id, &case_id, &state))
    {
      rollback (self);
      g_set_error (error, CS_ERROR, CS_ERROR_NOT_FOUND, _("There is no such decision to undo"));
      return FALSE;
    }
  if (state != CS_OUTBOX_PENDING)
    {
      rollback (self);
      g_set_error (error, CS_ERROR, CS_ERROR_CONFLICT,
                   _("The decision has already been sent to the server and can no longer be undone"));
      return FALSE;
    }

  detail = detail_new ("decision_id", str_node (decision_id), NULL);
  stmt = prepare (self, "DELETE FROM outbox WHERE decision_id = ?1", error);
  if (stmt == NULL)
    goto fail;
  bind_text (stmt, 1, decision_id);
  if (!step_done (self, stmt, error) ||
      !set_local_state (self, case_id, CS_LOCAL_NEW, error) ||
      !audit_append (self, "decision.undone", case_id, detail, error) ||
      !commit (self, error))
    goto fail;

  return TRUE;

fail:
  rollback (self);
  return FALSE;
}

gboolean
cs_store_dismiss_conflict (CsStore     *self,
                           const char  *case_id,
                           GError     **error)
{
  g_autoptr(JsonNode) detail = NULL;
  gint64 version = 0;
  CsLocalState state;

  g_return_val_if_fail (CS_IS_STORE (self), FALSE);

  if (!begin (self, error))
    return FALSE;
  if (!lookup_case (self, case_id, &version, &state, NULL) || state != CS_LOCAL_CONFLICT)
    {
      rollback (self);
      g_set_error (error, CS_ERROR, CS_ERROR_NOT_FOUND, _("“%s” has no conflict to dismiss"), case_id);
      return FALSE;
    }

  detail = detail_new ("version", int_node (version), NULL);
  if (!set_local_state (self, case_id, CS_LOCAL_CLOSED, error) ||
      !audit_append (self, "conflict.dismissed", case_id, detail, error) ||
      !commit (self, error))
    {
      rollback (self);
      return FALSE;
    }
  return TRUE;
}

CsDecision *
cs_store_get_latest_decision (CsStore       *self,
                              const char    *case_id,
                              CsOutboxState *state)
{
  sqlite3_stmt *stmt;
  CsDecision *decision = NULL;

  g_return_val_if_fail (CS_IS_STORE (self), NULL);

  stmt = prepare (self, "SELECT body, state FROM outbox WHERE case_id = ?1 ORDER BY seq DESC LIMIT 1", NULL);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, case_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      decision = cs_decision_new_from_data ((const char *) sqlite3_column_text (stmt, 0),
                                            sqlite3_column_bytes (stmt, 0), NULL);
      if (state != NULL)
        *state = (CsOutboxState) sqlite3_column_int (stmt, 1);
    }
  sqlite3_reset (stmt);
  return decision;
}

/* Blind-first review */

static char *
lookup_initial_label (CsStore    *self,
                      const char *case_id,
                      const char *reviewer)
{
  sqlite3_stmt *stmt = prepare (self, "SELECT label FROM judgements WHERE case_id = ?1 AND reviewer = ?2", NULL);
  char *label = NULL;

  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, case_id);
  bind_text (stmt, 2, reviewer);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    label = column_text (stmt, 0);
  sqlite3_reset (stmt);
  return label;
}

gboolean
cs_store_record_initial_label (CsStore     *self,
                               const char  *case_id,
                               const char  *reviewer,
                               const char  *label,
                               GError     **error)
{
  g_autoptr(CsCase) kase = NULL;
  g_autoptr(JsonNode) detail = NULL;
  g_autofree char *earlier = NULL;
  g_autofree char *now = now_string ();
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CS_IS_STORE (self), FALSE);
  g_return_val_if_fail (case_id != NULL && reviewer != NULL && label != NULL, FALSE);

  if (!begin (self, error))
    return FALSE;

  kase = cs_store_get_case (self, case_id, error);
  if (kase == NULL)
    goto fail;
  if (!g_strv_contains (cs_case_get_labels (kase), label))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_POLICY, _("“%s” is not one of this queue’s labels"), label);
      goto fail;
    }

  /* A judgement made before seeing the model's answer cannot be made again
   * after it: the first one stands. */
  earlier = lookup_initial_label (self, case_id, reviewer);
  if (earlier != NULL)
    {
      rollback (self);
      if (g_str_equal (earlier, label))
        return TRUE;
      g_set_error (error, CS_ERROR, CS_ERROR_CONFLICT,
                   _("Your first judgement of “%s” is already recorded as “%s”"),
                   cs_case_get_title (kase), earlier);
      return FALSE;
    }

  stmt = prepare (self, "INSERT INTO judgements (case_id, reviewer, label, recorded_at) VALUES (?1, ?2, ?3, ?4)",
                  error);
  if (stmt == NULL)
    goto fail;
  bind_text (stmt, 1, case_id);
  bind_text (stmt, 2, reviewer);
  bind_text (stmt, 3, label);
  bind_text (stmt, 4, now);
  detail = detail_new ("case_version", int_node (cs_case_get_version (kase)),
                       "reviewer", str_node (reviewer),
                       "label", str_node (label),
                       NULL);
  if (!step_done (self, stmt, error) ||
      !audit_append (self, "judgement.initial", case_id, detail, error) ||
      !commit (self, error))
    goto fail;
  return TRUE;

fail:
  rollback (self);
  return FALSE;
}

char *
cs_store_get_initial_label (CsStore    *self,
                            const char *case_id,
                            const char *reviewer)
{
  g_return_val_if_fail (CS_IS_STORE (self), NULL);

  if (case_id == NULL || reviewer == NULL)
    return NULL;
  return lookup_initial_label (self, case_id, reviewer);
}

gboolean
cs_store_get_review_stage (CsStore     *self,
                           const char  *case_id,
                           const char  *reviewer,
                           gboolean    *second_review,
                           gboolean    *judge_first)
{
  /* json_extract on one row by its key: cheap enough for the rows on screen.
   * A second reviewer is not asked to judge blind: the first decision is in view. */
  sqlite3_stmt *stmt = prepare (self,
                                "SELECT c.status = 'pending_second',"
                                "       c.status != 'pending_second'"
                                "       AND COALESCE (json_extract (c.body, '$.policy.blind_first'), 0)"
                                "       AND NOT EXISTS (SELECT 1 FROM judgements j"
                                "                       WHERE j.case_id = c.id AND j.reviewer = ?2)"
                                " FROM cases c WHERE c.id = ?1", NULL);
  gboolean found = FALSE;

  g_return_val_if_fail (CS_IS_STORE (self), FALSE);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, case_id);
  bind_text (stmt, 2, reviewer);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      if (second_review != NULL)
        *second_review = sqlite3_column_int (stmt, 0) != 0;
      if (judge_first != NULL)
        *judge_first = sqlite3_column_int (stmt, 1) != 0;
      found = TRUE;
    }
  sqlite3_reset (stmt);
  return found;
}

GPtrArray *
cs_store_outbox_begin_batch (CsStore  *self,
                             guint     limit,
                             GError  **error)
{
  g_autoptr(GPtrArray) decisions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *now = now_string ();
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CS_IS_STORE (self), NULL);

  if (!begin (self, error))
    return NULL;

  stmt = prepare (self, "SELECT body FROM outbox WHERE state = ?1 ORDER BY seq LIMIT ?2", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int (stmt, 1, CS_OUTBOX_PENDING);
  sqlite3_bind_int64 (stmt, 2, limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(GError) local_error = NULL;
      CsDecision *decision = cs_decision_new_from_data ((const char *) sqlite3_column_text (stmt, 0),
                                                        sqlite3_column_bytes (stmt, 0), &local_error);

      /* We wrote these rows ourselves: a row that does not parse is corruption. */
      if (decision == NULL)
        {
          sqlite3_reset (stmt);
          g_set_error (error, CS_ERROR, CS_ERROR_STORE, _("A stored decision is damaged: %s"),
                       local_error->message);
          goto fail;
        }
      g_ptr_array_add (decisions, decision);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, rc, error);
      goto fail;
    }

  for (guint i = 0; i < decisions->len; i++)
    {
      CsDecision *decision = g_ptr_array_index (decisions, i);
      g_autoptr(JsonNode) detail = detail_new ("decision_id", str_node (cs_decision_get_id (decision)), NULL);

      stmt = prepare (self, "UPDATE outbox SET state = ?2, attempts = attempts + 1, updated_at = ?3"
                            " WHERE decision_id = ?1", error);
      if (stmt == NULL)
        goto fail;
      bind_text (stmt, 1, cs_decision_get_id (decision));
      sqlite3_bind_int (stmt, 2, CS_OUTBOX_INFLIGHT);
      bind_text (stmt, 3, now);
      if (!step_done (self, stmt, error) ||
          !audit_append (self, "decision.sent", cs_decision_get_case_id (decision), detail, error))
        goto fail;
    }

  if (!commit (self, error))
    return NULL;
  return g_steal_pointer (&decisions);

fail:
  rollback (self);
  return NULL;
}

gboolean
cs_store_outbox_requeue (CsStore  *self,
                         GError  **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CS_IS_STORE (self), FALSE);

  stmt = prepare (self, "UPDATE outbox SET state = ?1 WHERE state = ?2", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, CS_OUTBOX_PENDING);
  sqlite3_bind_int (stmt, 2, CS_OUTBOX_INFLIGHT);
  return step_done (self, stmt, error);
}

static const char *
result_event (CsOutboxState status)
{
  switch (status)
    {
    case CS_OUTBOX_ACCEPTED:
      return "decision.accepted";
    case CS_OUTBOX_DUPLICATE:
      return "decision.duplicate";
    case CS_OUTBOX_CONFLICT:
      return "decision.conflict";
    case CS_OUTBOX_INVALID:
      return "decision.invalid";
    case CS_OUTBOX_PENDING:
    case CS_OUTBOX_INFLIGHT:
    default:
      return "decision.unknown";
    }
}

gboolean
cs_store_outbox_apply_results (CsStore    *self,
                               GPtrArray  *results,
                               GError    **error)
{
  g_autofree char *now = now_string ();

  g_return_val_if_fail (CS_IS_STORE (self), FALSE);

  if (!begin (self, error))
    return FALSE;

  for (guint i = 0; i < results->len; i++)
    {
      CsDecisionResult *result = g_ptr_array_index (results, i);
      g_autofree char *case_id = NULL;
      g_autofree char *result_text = NULL;
      g_autoptr(JsonNode) detail = NULL;
      CsOutboxState state;
      CsLocalState local;
      sqlite3_stmt *stmt;

      /* An answer for a row we no longer hold as inflight (undone, or settled
       * by an earlier answer) changes nothing. */
      if (!outbox_row (self, result->id, &case_id, &state) || state != CS_OUTBOX_INFLIGHT)
        continue;

      {
        g_autoptr(JsonObject) obj = json_object_new ();
        g_autoptr(JsonNode) node = NULL;

        json_object_set_string_member (obj, "status", cs_outbox_state_to_string (result->status));
        if (result->case_version >= 0)
          json_object_set_int_member (obj, "case_version", result->case_version);
        if (result->reason != NULL)
          json_object_set_string_member (obj, "reason", result->reason);
        if (result->message != NULL)
          json_object_set_string_member (obj, "message", result->message);
        node = cs_json_node_take_object (g_steal_pointer (&obj));
        result_text = cs_json_to_string (node, NULL);
      }

      stmt = prepare (self, "UPDATE outbox SET state = ?2, result = ?3, updated_at = ?4 WHERE decision_id = ?1", error);
      if (stmt == NULL)
        goto fail;
      bind_text (stmt, 1, result->id);
      sqlite3_bind_int (stmt, 2, result->status);
      bind_text (stmt, 3, result_text);
      bind_text (stmt, 4, now);
      if (!step_done (self, stmt, error))
        goto fail;

      if (result->status == CS_OUTBOX_ACCEPTED || result->status == CS_OUTBOX_DUPLICATE)
        local = CS_LOCAL_SYNCED;
      else
        local = CS_LOCAL_CONFLICT;

      /* The server's current case comes with a conflict: keep it, so the
       * reviewer sees what changed and can decide again on that version. */
      if (result->case_json != NULL)
        {
          g_autoptr(GError) parse_error = NULL;
          g_autoptr(CsCase) current = cs_case_new_from_json (result->case_json, CS_CASE_PARSE_CASE, &parse_error);

          if (current != NULL && g_str_equal (cs_case_get_id (current), case_id))
            {
              if (!write_case (self, current, local, error))
                goto fail;
            }
          else if (current == NULL)
            g_warning ("The server's copy of case %s is malformed: %s", case_id, parse_error->message);
        }

      if (!set_local_state (self, case_id, local, error))
        goto fail;

      detail = detail_new ("decision_id", str_node (result->id),
                           "case_version", int_node (result->case_version),
                           "reason", str_node (result->reason),
                           "message", str_node (result->message),
                           NULL);
      if (!audit_append (self, result_event (result->status), case_id, detail, error))
        goto fail;
    }

  return commit (self, error);

fail:
  rollback (self);
  return FALSE;
}

static guint
count (CsStore    *self,
       const char *sql)
{
  sqlite3_stmt *stmt = prepare (self, sql, NULL);
  guint n = 0;

  if (stmt == NULL)
    return 0;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = (guint) sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

CsStoreCounts
cs_store_get_counts (CsStore *self)
{
  CsStoreCounts counts = { 0 };

  g_return_val_if_fail (CS_IS_STORE (self), counts);

  counts.pending = count (self, "SELECT count(*) FROM outbox WHERE state IN (0, 1)");
  counts.conflicts = count (self, "SELECT count(*) FROM cases WHERE local_state = 3");
  counts.todo = count (self, "SELECT count(*) FROM cases WHERE local_state = 0");
  return counts;
}

gboolean
cs_store_get_day_summary (CsStore       *self,
                          GDateTime     *since,
                          GDateTime     *until,
                          const char    *reviewer,
                          CsDaySummary  *out,
                          GError       **error)
{
  g_autoptr(GArray) durations = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  sqlite3_stmt *stmt;
  guint n;
  int rc;

  g_return_val_if_fail (CS_IS_STORE (self), FALSE);
  g_return_val_if_fail (since != NULL && until != NULL && out != NULL, FALSE);

  memset (out, 0, sizeof *out);
  out->median_duration_ms = -1;
  out->override_rate = NAN;

  /* created_at is RFC 3339 in UTC with whole seconds, so text order is time order. */
  from = cs_format_time (since);
  to = cs_format_time (until);
  stmt = prepare (self,
                  "SELECT json_extract (body, '$.action'), json_extract (body, '$.duration_ms') FROM outbox"
                  " WHERE created_at >= ?1 AND created_at < ?2"
                  "   AND (?3 IS NULL OR json_extract (body, '$.reviewer') = ?3)"
                  " ORDER BY 2", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, from);
  bind_text (stmt, 2, to);
  bind_text (stmt, 3, reviewer);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *action_name = (const char *) sqlite3_column_text (stmt, 0);
      gint64 duration = sqlite3_column_int64 (stmt, 1);
      CsAction action;

      out->decided++;
      if (action_name != NULL && cs_action_from_string (action_name, &action))
        out->by_action[action]++;
      g_array_append_val (durations, duration);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return set_sqlite_error (self, rc, error);

  n = durations->len;
  if (n > 0)
    {
      gint64 lower = g_array_index (durations, gint64, (n - 1) / 2);
      gint64 upper = g_array_index (durations, gint64, n / 2);

      out->median_duration_ms = lower + (upper - lower) / 2;
      out->override_rate = (double) out->by_action[CS_ACTION_OVERRIDE] / out->decided;
    }
  return TRUE;
}

GPtrArray *
cs_store_list_outbox (CsStore  *self,
                      GError  **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CS_IS_STORE (self), NULL);

  stmt = prepare (self, "SELECT body, state, result, attempts FROM outbox ORDER BY seq", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *body = (const char *) sqlite3_column_text (stmt, 0);
      const char *result = (const char *) sqlite3_column_text (stmt, 2);
      JsonNode *node = cs_json_parse (body, strlen (body), NULL);

      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        {
          g_clear_pointer (&node, json_node_unref);
          continue;
        }
      json_object_set_string_member (json_node_get_object (node), "outbox_state",
                                     cs_outbox_state_to_string (sqlite3_column_int (stmt, 1)));
      json_object_set_int_member (json_node_get_object (node), "attempts", sqlite3_column_int64 (stmt, 3));
      if (result != NULL)
        {
          JsonNode *result_node = cs_json_parse (result, strlen (result), NULL);

          if (result_node != NULL)
            json_object_set_member (json_node_get_object (node), "result", result_node);
        }
      g_ptr_array_add (rows, node);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&rows);
}

gboolean
cs_store_set_max_pages (CsStore  *self,
                        gint64    pages,
                        GError  **error)
{
  g_autofree char *sql = g_strdup_printf ("PRAGMA max_page_count = %" G_GINT64_FORMAT, pages);

  g_return_val_if_fail (CS_IS_STORE (self), FALSE);
  return exec (self, sql, error);
}
