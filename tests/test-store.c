/* test-store.c: the local store on a real SQLite file.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <sqlite3.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "cs-case-list.h"
#include "cs-json.h"
#include "cs-store.h"
#include "cs-test-server.h"

#define REVIEWER "r-17"

typedef struct
{
  char    *dir;
  char    *path;
  CsStore *store;
} Fixture;

static char *
case_json (const char *id,
           gint64      version,
           const char *queue,
           const char *status,
           const char *assigned_to,
           double      confidence,
           double      priority,
           const char *title,
           const char *due_at)
{
  return g_strdup_printf (
    "{\"id\": \"%s\", \"version\": %" G_GINT64_FORMAT ", \"queue\": \"%s\", \"status\": \"%s\","
    " \"assigned_to\": %s%s%s, \"priority\": %g, \"due_at\": %s%s%s,"
    " \"trigger\": {\"kind\": \"low_confidence\", \"detail\": \"confidence below threshold\", \"threshold\": 0.8},"
    " \"subject\": {\"kind\": \"image\", \"title\": \"%s\","
    "   \"asset\": {\"sha256\": \"%064d\", \"media_type\": \"image/png\", \"bytes\": 10, \"width\": 4, \"height\": 4}},"
    " \"model\": {\"name\": \"derm-classifier\", \"version\": \"2.3.1\"},"
    " \"prediction\": {\"label\": \"melanoma\", \"confidence\": %g,"
    "   \"alternatives\": [{\"label\": \"nevus\", \"confidence\": 0.3}]},"
    " \"labels\": [\"melanoma\", \"nevus\", \"other\"],"
    " \"policy\": {\"rationale_required\": [\"override\", \"reject\", \"escalate\"], \"min_rationale_chars\": 15}}",
    id, version, queue, status,
    assigned_to ? "\"" : "", assigned_to ? assigned_to : "null", assigned_to ? "\"" : "",
    priority,
    due_at ? "\"" : "", due_at ? due_at : "null", due_at ? "\"" : "",
    title, (int) version, confidence);
}

static CsCase *
make_case (const char *id,
           gint64      version,
           const char *status,
           const char *assigned_to,
           double      confidence,
           double      priority)
{
  g_autofree char *json = case_json (id, version, "derm", status, assigned_to, confidence, priority,
                                     id, NULL);
  g_autoptr(GError) error = NULL;
  CsCase *kase = cs_case_new_from_data (json, -1, CS_CASE_PARSE_CASE, &error);

  g_assert_no_error (error);
  return kase;
}

static void
apply (Fixture    *fx,
       CsCase     *kase,
       const char *cursor)
{
  g_autoptr(GPtrArray) cases = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (cases, kase);
  g_assert_true (cs_store_apply_changes (fx->store, cases, REVIEWER, cursor, NULL, &error));
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture       *fx,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fx->dir = g_dir_make_tmp ("cs-store-XXXXXX", &error);
  g_assert_no_error (error);
  fx->path = g_build_filename (fx->dir, "nested", "countersign.db", NULL);
  fx->store = cs_store_open (fx->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fx->store);
}

static void
fixture_tear_down (Fixture       *fx,
                   gconstpointer  data)
{
  g_clear_object (&fx->store);
  cs_test_remove_tree (fx->dir);
  g_free (fx->dir);
  g_free (fx->path);
}

static sqlite3 *
raw_open (Fixture *fx)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (fx->path, &db), ==, SQLITE_OK);
  return db;
}

static gint64
raw_count (Fixture    *fx,
           const char *sql)
{
  sqlite3 *db = raw_open (fx);
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

static void
raw_exec (Fixture    *fx,
          const char *sql)
{
  sqlite3 *db = raw_open (fx);
  char *err = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &err) != SQLITE_OK)
    g_error ("%s: %s", sql, err);
  sqlite3_close (db);
}

static void
test_open_creates_private_files (Fixture       *fx,
                                 gconstpointer  data)
{
  g_autofree char *dir = g_path_get_dirname (fx->path);
  g_autofree char *wal = g_strconcat (fx->path, "-wal", NULL);
  struct stat st;

  g_assert_cmpint (stat (fx->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);

  /* WAL mode, synchronous=FULL, foreign keys, and the schema at its version. */
  g_assert_cmpint (raw_count (fx, "PRAGMA user_version"), ==, CS_STORE_SCHEMA_VERSION);
  {
    sqlite3 *db = raw_open (fx);
    sqlite3_stmt *stmt;

    sqlite3_prepare_v2 (db, "PRAGMA journal_mode", -1, &stmt, NULL);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "wal");
    sqlite3_finalize (stmt);
    sqlite3_close (db);
  }

  /* A decision makes the WAL exist; it keeps the database's private mode. */
  apply (fx, make_case ("c-1", 1, "open", REVIEWER, 0.5, 0.5), "1");
  g_assert_cmpint (stat (wal, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0077, ==, 0);
}

static void
test_reopen_keeps_data_and_fixes_mode (Fixture       *fx,
                                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cursor = NULL;
  struct stat st;

  apply (fx, make_case ("c-1", 1, "open", REVIEWER, 0.5, 0.5), "7");
  g_clear_object (&fx->store);
  g_chmod (fx->path, 0644);

  fx->store = cs_store_open (fx->path, &error);
  g_assert_no_error (error);
  cursor = cs_store_get_meta (fx->store, "cursor");
  g_assert_cmpstr (cursor, ==, "7");
  g_assert_cmpint (stat (fx->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

static void
test_newer_schema_refused (Fixture       *fx,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStore) store = NULL;

  g_clear_object (&fx->store);
  raw_exec (fx, "PRAGMA user_version = 99");
  store = cs_store_open (fx->path, &error);
  g_assert_null (store);
  g_assert_error (error, CS_ERROR, CS_ERROR_STORE);
  g_assert_nonnull (strstr (error->message, "newer"));
}

static void
test_apply_changes_versions (Fixture       *fx,
                             gconstpointer  data)
{
  g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) changed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsCase) stored = NULL;
  CsLocalState state;

  g_ptr_array_add (page, make_case ("c-1", 2, "open", REVIEWER, 0.5, 0.5));
  g_ptr_array_add (page, make_case ("c-2", 1, "open", "r-99", 0.5, 0.5));
  g_assert_true (cs_store_apply_changes (fx->store, page, REVIEWER, "2", &changed, &error));
  g_assert_cmpuint (changed->len, ==, 2);
  g_clear_pointer (&changed, g_ptr_array_unref);

  /* A page applied twice changes nothing. */
  g_assert_true (cs_store_apply_changes (fx->store, page, REVIEWER, "2", &changed, &error));
  g_assert_cmpuint (changed->len, ==, 0);
  g_clear_pointer (&changed, g_ptr_array_unref);

  g_assert_true (cs_store_get_local_state (fx->store, "c-1", &state));
  g_assert_cmpint (state, ==, CS_LOCAL_NEW);
  g_assert_true (cs_store_get_local_state (fx->store, "c-2", &state));
  g_assert_cmpint (state, ==, CS_LOCAL_CLOSED);

  /* An older copy never overwrites a newer one. */
  apply (fx, make_case ("c-1", 1, "withdrawn", NULL, 0.5, 0.5), "3");
  stored = cs_store_get_case (fx->store, "c-1", &error);
  g_assert_no_error (error);
  g_assert_cmpint (cs_case_get_version (stored), ==, 2);
  g_assert_cmpint (cs_case_get_status (stored), ==, CS_CASE_STATUS_OPEN);
  g_clear_object (&stored);

  /* A newer one does, and a case decided by someone else leaves our to-do. */
  apply (fx, make_case ("c-1", 3, "decided", REVIEWER, 0.5, 0.5), "4");
  g_assert_true (cs_store_get_local_state (fx->store, "c-1", &state));
  g_assert_cmpint (state, ==, CS_LOCAL_CLOSED);
  {
    g_autofree char *cursor = cs_store_get_meta (fx->store, "cursor");
    g_assert_cmpstr (cursor, ==, "4");
  }
}

static void
test_page_and_cursor_are_one_transaction (Fixture       *fx,
                                          gconstpointer  data)
{
  g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autofree char *cursor = NULL;

  apply (fx, make_case ("c-0", 1, "open", REVIEWER, 0.5, 0.5), "1");

  /* Fill the disk: the page must not be half stored with a moved cursor. */
  g_assert_true (cs_store_set_max_pages (fx->store, raw_count (fx, "PRAGMA page_count"), &error));
  for (int i = 0; i < 200; i++)
    {
      g_autofree char *id = g_strdup_printf ("c-%d", i + 1);
      g_ptr_array_add (page, make_case (id, 1, "open", REVIEWER, 0.5, 0.5));
    }
  g_assert_false (cs_store_apply_changes (fx->store, page, REVIEWER, "2", NULL, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_DISK_FULL);

  cursor = cs_store_get_meta (fx->store, "cursor");
  g_assert_cmpstr (cursor, ==, "1");
  g_assert_cmpint (raw_count (fx, "SELECT count(*) FROM cases"), ==, 1);
}

static CsDecision *
accept_decision (const char *case_id,
                 gint64      version)
{
  return cs_decision_new (case_id, version, CS_ACTION_ACCEPT, NULL, "", REVIEWER, 1200);
}

static void
test_decision_is_one_transaction (Fixture       *fx,
                                  gconstpointer  data)
{
  g_autoptr(CsDecision) decision = NULL;
  g_autoptr(GError) error = NULL;
  CsLocalState state;
  CsStoreCounts counts;
  gint64 audit_before;

  apply (fx, make_case ("c-1", 4, "open", REVIEWER, 0.5, 0.5), "1");
  audit_before = raw_count (fx, "SELECT count(*) FROM audit");

  decision = accept_decision ("c-1", 4);
  g_assert_true (cs_store_commit_decision (fx->store, decision, &error));
  g_assert_no_error (error);

  /* Another connection sees all three at once: outbox row, case state, audit entry. */
  g_assert_cmpint (raw_count (fx, "SELECT count(*) FROM outbox WHERE state = 0"), ==, 1);
  g_assert_cmpint (raw_count (fx, "SELECT local_state FROM cases WHERE id = 'c-1'"), ==, CS_LOCAL_DECIDED);
  g_assert_cmpint (raw_count (fx, "SELECT count(*) FROM audit WHERE event = 'decision.made'"), ==, 1);
  g_assert_cmpint (raw_count (fx, "SELECT count(*) FROM audit"), ==, audit_before + 1);

  g_assert_true (cs_store_get_local_state (fx->store, "c-1", &state));
  g_assert_cmpint (state, ==, CS_LOCAL_DECIDED);
  counts = cs_store_get_counts (fx->store);
  g_assert_cmpuint (counts.pending, ==, 1);
  g_assert_cmpuint (counts.todo, ==, 0);

  /* Deciding it again is refused, and nothing is added. */
  {
    g_autoptr(CsDecision) again = accept_decision ("c-1", 4);
    g_autoptr(GError) again_error = NULL;

    g_assert_false (cs_store_commit_decision (fx->store, again, &again_error));
    g_assert_error (again_error, CS_ERROR, CS_ERROR_CONFLICT);
    g_assert_cmpint (raw_count (fx, "SELECT count(*) FROM outbox"), ==, 1);
  }
}

static void
test_decision_policy_checked (Fixture       *fx,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsDecision) short_reason = NULL;
  g_autoptr(CsDecision) wrong_version = NULL;
  g_autoptr(CsDecision) good = NULL;

  apply (fx, make_case ("c-1", 2, "open", REVIEWER, 0.5, 0.5), "1");

  short_reason = cs_decision_new ("c-1", 2, CS_ACTION_OVERRIDE, "nevus", "too short", REVIEWER, 10);
  g_assert_false (cs_store_commit_decision (fx->store, short_reason, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_POLICY);
  g_clear_error (&error);

  wrong_version = cs_decision_new ("c-1", 1, CS_ACTION_ACCEPT, NULL, "", REVIEWER, 10);
  g_assert_false (cs_store_commit_decision (fx->store, wrong_version, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_cmpint (raw_count (fx, "SELECT count(*) FROM outbox"), ==, 0);

  good = cs_decision_new ("c-1", 2, CS_ACTION_OVERRIDE, "nevus",
                          "Symmetric, uniform pigment network on dermoscopy.", REVIEWER, 10);
  g_assert_true (cs_store_commit_decision (fx->store, good, &error));
  g_assert_no_error (error);
}

static void
test_full_disk_keeps_earlier_decisions (Fixture       *fx,
                                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func (g_object_unref);
  guint committed = 0;
  gboolean failed = FALSE;

  for (int i = 0; i < 400; i++)
    {
      g_autofree char *id = g_strdup_printf ("c-%03d", i);
      g_ptr_array_add (page, make_case (id, 1, "open", REVIEWER, 0.5, 0.5));
    }
  g_assert_true (cs_store_apply_changes (fx->store, page, REVIEWER, "1", NULL, &error));

  /* A little room left: decisions go in until the disk is full, then fail cleanly. */
  g_assert_true (cs_store_set_max_pages (fx->store, raw_count (fx, "PRAGMA page_count") + 3, &error));
  for (int i = 0; i < 400 && !failed; i++)
    {
      g_autofree char *id = g_strdup_printf ("c-%03d", i);
      g_autofree char *reason = g_strdup_printf ("A long rationale to fill the pages quickly, number %d, %0200d", i, i);
      g_autoptr(CsDecision) decision = cs_decision_new (id, 1, CS_ACTION_REJECT, NULL, reason, REVIEWER, 10);

      if (cs_store_commit_decision (fx->store, decision, &error))
        committed++;
      else
        failed = TRUE;
    }

  g_assert_true (failed);
  g_assert_error (error, CS_ERROR, CS_ERROR_DISK_FULL);
  g_assert_cmpuint (committed, >, 0);
  g_assert_cmpint (raw_count (fx, "SELECT count(*) FROM outbox"), ==, committed);
  g_assert_cmpint (raw_count (fx, "SELECT count(*) FROM cases WHERE local_state = 1"), ==, committed);
  g_assert_cmpint (raw_count (fx, "SELECT count(*) FROM audit WHERE event = 'decision.made'"), ==, committed);
  g_assert_cmpint (raw_count (fx, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"), ==, 1);
  g_assert_true (cs_store_audit_verify (fx->store, NULL, NULL));
}

static void
test_undo (Fixture       *fx,
           gconstpointer  data)
{
  g_autoptr(CsDecision) decision = NULL;
  g_autoptr(GPtrArray) batch = NULL;
  g_autoptr(GError) error = NULL;
  CsLocalState state;

  apply (fx, make_case ("c-1", 1, "open", REVIEWER, 0.5, 0.5), "1");
  decision = accept_decision ("c-1", 1);
  g_assert_true (cs_store_commit_decision (fx->store, decision, &error));

  g_assert_true (cs_store_undo_decision (fx->store, cs_decision_get_id (decision), &error));
  g_assert_no_error (error);
  g_assert_true (cs_store_get_local_state (fx->store, "c-1", &state));
  g_assert_cmpint (state, ==, CS_LOCAL_NEW);
  g_assert_cmpint (raw_count (fx, "SELECT count(*) FROM outbox"), ==, 0);
  g_assert_cmpint (raw_count (fx, "SELECT count(*) FROM audit WHERE event = 'decision.undone'"), ==, 1);

  /* Once it is on its way to the server it cannot be taken back. */
  g_clear_object (&decision);
  decision = accept_decision ("c-1", 1);
  g_assert_true (cs_store_commit_decision (fx->store, decision, &error));
  batch = cs_store_outbox_begin_batch (fx->store, 10, &error);
  g_assert_cmpuint (batch->len, ==, 1);
  g_assert_false (cs_store_undo_decision (fx->store, cs_decision_get_id (decision), &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_CONFLICT);
}

static CsDecisionResult *
result_new (const char    *id,
            CsOutboxState  status,
            const char    *reason,
            JsonNode      *case_json)
{
  CsDecisionResult *result = g_new0 (CsDecisionResult, 1);

  result->id = g_strdup (id);
  result->status = status;
  result->case_version = status == CS_OUTBOX_ACCEPTED ? 2 : -1;
  result->reason = g_strdup (reason);
  result->case_json = case_json;
  return result;
}

static void
test_outbox_cycle (Fixture       *fx,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) batch = NULL;
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_decision_result_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsCase) current = NULL;
  g_autoptr(CsCase) stored = NULL;
  CsDecision *first, *second, *third;
  CsLocalState state;
  CsStoreCounts counts;

  for (int i = 1; i <= 3; i++)
    {
      g_autofree char *id = g_strdup_printf ("c-%d", i);
      g_autoptr(CsDecision) decision = NULL;

      apply (fx, make_case (id, 1, "open", REVIEWER, 0.5, 0.5), "1");
      decision = accept_decision (id, 1);
      g_assert_true (cs_store_commit_decision (fx->store, decision, &error));
    }

  batch = cs_store_outbox_begin_batch (fx->store, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (batch->len, ==, 2);
  g_assert_cmpint (raw_count (fx, "SELECT count(*) FROM outbox WHERE state = 1"), ==, 2);

  /* A crash or a failed request: inflight rows go back, and keep their ids. */
  g_assert_true (cs_store_outbox_requeue (fx->store, &error));
  g_assert_cmpint (raw_count (fx, "SELECT count(*) FROM outbox WHERE state = 0"), ==, 3);
  g_clear_pointer (&batch, g_ptr_array_unref);

  batch = cs_store_outbox_begin_batch (fx->store, 10, &error);
  g_assert_cmpuint (batch->len, ==, 3);
  first = g_ptr_array_index (batch, 0);
  second = g_ptr_array_index (batch, 1);
  third = g_ptr_array_index (batch, 2);
  g_assert_cmpstr (cs_decision_get_case_id (first), ==, "c-1");
  g_assert_cmpint (raw_count (fx, "SELECT max(attempts) FROM outbox"), ==, 2);
  /* Each send is audited, with the decision it carried. */
  g_assert_cmpint (raw_count (fx, "SELECT count(*) FROM audit WHERE event = 'decision.sent'"), ==, 2 + 3);

  current = make_case ("c-3", 2, "decided", "r-22", 0.5, 0.5);
  g_ptr_array_add (results, result_new (cs_decision_get_id (first), CS_OUTBOX_ACCEPTED, NULL, NULL));
  g_ptr_array_add (results, result_new (cs_decision_get_id (second), CS_OUTBOX_DUPLICATE, NULL, NULL));
  g_ptr_array_add (results, result_new (cs_decision_get_id (third), CS_OUTBOX_CONFLICT, "decided",
                                        cs_case_to_json (current)));
  g_assert_true (cs_store_outbox_apply_results (fx->store, results, &error));
  g_assert_no_error (error);

  g_assert_true (cs_store_get_local_state (fx->store, "c-1", &state));
  g_assert_cmpint (state, ==, CS_LOCAL_SYNCED);
  g_assert_true (cs_store_get_local_state (fx->store, "c-2", &state));
  g_assert_cmpint (state, ==, CS_LOCAL_SYNCED);
  g_assert_true (cs_store_get_local_state (fx->store, "c-3", &state));
  g_assert_cmpint (state, ==, CS_LOCAL_CONFLICT);

  /* The conflict keeps the server's current case for the reviewer to see. */
  stored = cs_store_get_case (fx->store, "c-3", &error);
  g_assert_cmpint (cs_case_get_version (stored), ==, 2);
  g_assert_cmpstr (cs_case_get_assigned_to (stored), ==, "r-22");

  counts = cs_store_get_counts (fx->store);
  g_assert_cmpuint (counts.pending, ==, 0);
  g_assert_cmpuint (counts.conflicts, ==, 1);

  /* A second answer for the same rows (a replayed response) changes nothing. */
  g_assert_true (cs_store_outbox_apply_results (fx->store, results, &error));
  g_assert_cmpint (raw_count (fx, "SELECT count(*) FROM audit WHERE event IN ('decision.accepted', 'decision.duplicate', 'decision.conflict')"), ==, 3);

  /* The reviewer decides again on the new version. */
  {
    g_autoptr(CsDecision) again = cs_decision_new ("c-3", 2, CS_ACTION_REJECT, NULL,
                                                   "Already decided by a colleague; closing.", REVIEWER, 5);
    g_assert_true (cs_store_commit_decision (fx->store, again, &error));
    g_assert_no_error (error);
  }

  /* Only a conflict can be dismissed. */
  {
    g_autoptr(GError) dismiss_error = NULL;

    g_assert_false (cs_store_dismiss_conflict (fx->store, "c-1", &dismiss_error));
    g_assert_error (dismiss_error, CS_ERROR, CS_ERROR_NOT_FOUND);
  }

  /* A pulled page does not hide our unsent or conflicting decisions. */
  apply (fx, make_case ("c-3", 3, "decided", "r-22", 0.5, 0.5), "9");
  g_assert_true (cs_store_get_local_state (fx->store, "c-3", &state));
  g_assert_cmpint (state, ==, CS_LOCAL_DECIDED);
}

static void
test_dismiss_conflict (Fixture       *fx,
                       gconstpointer  data)
{
  g_autoptr(GPtrArray) batch = NULL;
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_decision_result_free);
  g_autoptr(CsDecision) decision = accept_decision ("c-1", 1);
  g_autoptr(GError) error = NULL;
  CsLocalState state;

  apply (fx, make_case ("c-1", 1, "open", REVIEWER, 0.5, 0.5), "1");
  g_assert_true (cs_store_commit_decision (fx->store, decision, &error));
  batch = cs_store_outbox_begin_batch (fx->store, 10, &error);
  g_ptr_array_add (results, result_new (cs_decision_get_id (decision), CS_OUTBOX_CONFLICT, "withdrawn", NULL));
  g_assert_true (cs_store_outbox_apply_results (fx->store, results, &error));
  g_assert_cmpuint (cs_store_get_counts (fx->store).conflicts, ==, 1);

  g_assert_true (cs_store_dismiss_conflict (fx->store, "c-1", &error));
  g_assert_no_error (error);
  g_assert_true (cs_store_get_local_state (fx->store, "c-1", &state));
  g_assert_cmpint (state, ==, CS_LOCAL_CLOSED);
  g_assert_cmpuint (cs_store_get_counts (fx->store).conflicts, ==, 0);
  g_assert_cmpint (raw_count (fx, "SELECT count(*) FROM audit WHERE event = 'conflict.dismissed'"), ==, 1);
  g_assert_true (cs_store_audit_verify (fx->store, NULL, &error));

  /* Twice is an error, not a second entry. */
  g_assert_false (cs_store_dismiss_conflict (fx->store, "c-1", &error));
  g_assert_cmpint (raw_count (fx, "SELECT count(*) FROM audit WHERE event = 'conflict.dismissed'"), ==, 1);
}

static void
test_audit_chain (Fixture       *fx,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 n = 0;

  for (int i = 1; i <= 5; i++)
    {
      g_autofree char *id = g_strdup_printf ("c-%d", i);
      g_autoptr(CsDecision) decision = NULL;

      apply (fx, make_case (id, 1, "open", REVIEWER, 0.5, 0.5), id);
      decision = accept_decision (id, 1);
      g_assert_true (cs_store_commit_decision (fx->store, decision, &error));
    }

  g_assert_true (cs_store_audit_verify (fx->store, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 10);
  g_clear_object (&fx->store);

  /* Edited. */
  raw_exec (fx, "CREATE TABLE saved AS SELECT * FROM audit");
  raw_exec (fx, "UPDATE audit SET detail = replace (detail, 'accept', 'reject') WHERE seq = 4");
  fx->store = cs_store_open (fx->path, &error);
  g_assert_false (cs_store_audit_verify (fx->store, NULL, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_STORE);
  g_assert_nonnull (strstr (error->message, "4"));
  g_clear_error (&error);
  g_clear_object (&fx->store);

  /* Deleted from the middle. */
  raw_exec (fx, "DELETE FROM audit; INSERT INTO audit SELECT * FROM saved; DELETE FROM audit WHERE seq = 6");
  fx->store = cs_store_open (fx->path, &error);
  g_assert_false (cs_store_audit_verify (fx->store, NULL, &error));
  g_assert_nonnull (strstr (error->message, "6"));
  g_clear_error (&error);
  g_clear_object (&fx->store);

  /* Reordered: two entries swap places. */
  raw_exec (fx, "DELETE FROM audit; INSERT INTO audit SELECT * FROM saved;"
                "UPDATE audit SET seq = -1 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 3;"
                "UPDATE audit SET seq = 3 WHERE seq = -1");
  fx->store = cs_store_open (fx->path, &error);
  g_assert_false (cs_store_audit_verify (fx->store, NULL, &error));
  g_clear_error (&error);
  g_clear_object (&fx->store);

  /* The newest entries cut off. */
  raw_exec (fx, "DELETE FROM audit; INSERT INTO audit SELECT * FROM saved; DELETE FROM audit WHERE seq >= 9");
  fx->store = cs_store_open (fx->path, &error);
  g_assert_false (cs_store_audit_verify (fx->store, NULL, &error));
  g_clear_error (&error);
  g_clear_object (&fx->store);

  /* Restored, it verifies again. */
  raw_exec (fx, "DELETE FROM audit; INSERT INTO audit SELECT * FROM saved; DROP TABLE saved");
  fx->store = cs_store_open (fx->path, &error);
  g_assert_true (cs_store_audit_verify (fx->store, &n, &error));
  g_assert_cmpint (n, ==, 10);
}

static void
test_queries (Fixture       *fx,
              gconstpointer  data)
{
  g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  CsCaseQuery query = { .sort = CS_SORT_PRIORITY, .trigger = -1, .states = CS_STATES_TODO };
  const char *dues[] = { "2026-11-26T10:00:00Z", NULL, "2026-11-25T10:00:00Z" };

  for (int i = 0; i < 3; i++)
    {
      g_autofree char *id = g_strdup_printf ("c-%d", i);
      g_autofree char *title = g_strdup_printf (i == 1 ? "Lesion 50%% off_%d" : "Scan %d", i);
      g_autofree char *json = case_json (id, 1, i == 2 ? "claims" : "derm", "open", REVIEWER,
                                         0.3 + 0.2 * i, 0.9 - 0.3 * i, title, dues[i]);

      g_ptr_array_add (page, cs_case_new_from_data (json, -1, CS_CASE_PARSE_CASE, &error));
      g_assert_no_error (error);
    }
  g_assert_true (cs_store_apply_changes (fx->store, page, REVIEWER, "1", NULL, &error));

  rows = cs_store_list_cases (fx->store, &query, 0, 10, &error);
  g_assert_cmpuint (rows->len, ==, 3);
  g_assert_cmpstr (((CsCaseRow *) rows->pdata[0])->id, ==, "c-0");
  g_clear_pointer (&rows, g_ptr_array_unref);

  query.sort = CS_SORT_CONFIDENCE;
  rows = cs_store_list_cases (fx->store, &query, 0, 10, &error);
  g_assert_cmpstr (((CsCaseRow *) rows->pdata[0])->id, ==, "c-0");
  g_assert_cmpstr (((CsCaseRow *) rows->pdata[2])->id, ==, "c-2");
  g_clear_pointer (&rows, g_ptr_array_unref);

  /* Soonest due first, cases without a due time last. */
  query.sort = CS_SORT_DUE;
  rows = cs_store_list_cases (fx->store, &query, 0, 10, &error);
  g_assert_cmpstr (((CsCaseRow *) rows->pdata[0])->id, ==, "c-2");
  g_assert_cmpstr (((CsCaseRow *) rows->pdata[1])->id, ==, "c-0");
  g_assert_cmpstr (((CsCaseRow *) rows->pdata[2])->id, ==, "c-1");
  g_clear_pointer (&rows, g_ptr_array_unref);

  query.queue = "claims";
  g_assert_cmpuint (cs_store_count_cases (fx->store, &query), ==, 1);
  query.queue = NULL;

  /* LIKE wildcards in a search are literal. */
  query.search = "50%";
  g_assert_cmpuint (cs_store_count_cases (fx->store, &query), ==, 1);
  query.search = "_";
  g_assert_cmpuint (cs_store_count_cases (fx->store, &query), ==, 1);
  query.search = "c-2";
  g_assert_cmpuint (cs_store_count_cases (fx->store, &query), ==, 1);
  query.search = NULL;

  query.trigger = CS_TRIGGER_FAIRNESS;
  g_assert_cmpuint (cs_store_count_cases (fx->store, &query), ==, 0);
  query.trigger = CS_TRIGGER_LOW_CONFIDENCE;
  g_assert_cmpuint (cs_store_count_cases (fx->store, &query), ==, 3);

  /* Decided cases leave the to-do view but stay findable. */
  {
    g_autoptr(CsDecision) decision = accept_decision ("c-1", 1);
    g_assert_true (cs_store_commit_decision (fx->store, decision, &error));
  }
  g_assert_cmpuint (cs_store_count_cases (fx->store, &query), ==, 2);
  query.states = 0;
  g_assert_cmpuint (cs_store_count_cases (fx->store, &query), ==, 3);
}

/* A case's place in each order, counted in SQL, is where the list puts it,
 * ties and cases without a due time included; the list finds it without
 * reading a page. */
static void
test_case_position (Fixture       *fx,
                    gconstpointer  data)
{
  g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  const CsSortOrder orders[] = { CS_SORT_PRIORITY, CS_SORT_CONFIDENCE, CS_SORT_DUE };
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  guint n = 300;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("c-%03u", (i * 37) % n);
      g_autofree char *title = g_strdup_printf ("%s %u", i % 3 ? "Scan" : "Note", i);
      g_autofree char *due = g_rand_int_range (rand, 0, 4) == 0 ? NULL
                             : g_strdup_printf ("2026-11-2%dT10:00:00Z", g_rand_int_range (rand, 0, 4));
      /* Few distinct values, so that many cases tie and the id decides. */
      g_autofree char *json = case_json (id, 1, i % 2 ? "derm" : "claims", "open", REVIEWER,
                                         g_rand_int_range (rand, 1, 6) / 10.0, g_rand_int_range (rand, 1, 6) / 10.0,
                                         title, due);

      g_ptr_array_add (page, cs_case_new_from_data (json, -1, CS_CASE_PARSE_CASE, &error));
      g_assert_no_error (error);
    }
  g_assert_true (cs_store_apply_changes (fx->store, page, REVIEWER, "1", NULL, &error));

  for (guint o = 0; o < G_N_ELEMENTS (orders); o++)
    for (guint filter = 0; filter < 3; filter++)
      {
        CsCaseQuery query = { .sort = orders[o], .trigger = -1, .states = CS_STATES_TODO };
        g_autoptr(GPtrArray) rows = NULL;
        g_autoptr(CsCaseList) list = NULL;
        guint loaded;

        if (filter == 1)
          query.queue = "derm";
        else if (filter == 2)
          query.search = "Note";
        rows = cs_store_list_cases (fx->store, &query, 0, n, &error);
        g_assert_no_error (error);
        g_assert_cmpuint (rows->len, >, 0);
        for (guint i = 0; i < rows->len; i++)
          g_assert_cmpint (cs_store_case_position (fx->store, &query, ((CsCaseRow *) rows->pdata[i])->id), ==, (int) i);

        list = cs_case_list_new (fx->store);
        cs_case_list_set_query (list, &query);
        loaded = cs_case_list_get_pages_loaded (list);
        g_assert_cmpint (cs_case_list_find (list, ((CsCaseRow *) rows->pdata[rows->len - 1])->id), ==,
                         (int) rows->len - 1);
        g_assert_cmpuint (cs_case_list_get_pages_loaded (list), ==, loaded);
      }

  /* Outside the view, or not on this workstation at all. */
  {
    CsCaseQuery query = { .sort = CS_SORT_PRIORITY, .trigger = -1, .states = CS_STATES_TODO, .queue = "derm" };
    g_autoptr(GPtrArray) others = NULL;

    query.queue = "claims";
    others = cs_store_list_cases (fx->store, &query, 0, 1, &error);
    query.queue = "derm";
    g_assert_cmpint (cs_store_case_position (fx->store, &query, ((CsCaseRow *) others->pdata[0])->id), ==, -1);
    g_assert_cmpint (cs_store_case_position (fx->store, &query, "c-none"), ==, -1);
  }
}

static void
count_changes_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  guint      *changes)
{
  g_assert_cmpuint (removed, ==, 1000);
  g_assert_cmpuint (added, ==, 999);
  (*changes)++;
}

static void
test_case_list_is_lazy (Fixture       *fx,
                        gconstpointer  data)
{
  g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsCaseList) list = NULL;
  g_autoptr(CsCaseItem) item = NULL;
  guint changes = 0;

  for (int i = 0; i < 1000; i++)
    {
      g_autofree char *id = g_strdup_printf ("c-%04d", i);
      g_ptr_array_add (page, make_case (id, 1, "open", REVIEWER, 0.5, (1000 - i) / 1000.0));
    }
  g_assert_true (cs_store_apply_changes (fx->store, page, REVIEWER, "1", NULL, &error));

  list = cs_case_list_new (fx->store);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 1000);
  g_assert_cmpuint (cs_case_list_get_pages_loaded (list), ==, 0);

  item = g_list_model_get_item (G_LIST_MODEL (list), 500);
  g_assert_cmpstr (cs_case_item_get_id (item), ==, "c-0500");
  g_assert_cmpuint (cs_case_list_get_pages_loaded (list), ==, 1);
  g_clear_object (&item);
  item = g_list_model_get_item (G_LIST_MODEL (list), 510);
  g_assert_cmpuint (cs_case_list_get_pages_loaded (list), ==, 1);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (list), 1000));

  /* A decision and a refresh: one fewer row, pages read again on demand. */
  g_signal_connect (list, "items-changed", G_CALLBACK (count_changes_cb), &changes);
  {
    g_autoptr(CsDecision) decision = accept_decision ("c-0000", 1);
    g_assert_true (cs_store_commit_decision (fx->store, decision, &error));
  }
  cs_case_list_refresh (list);
  g_assert_cmpuint (changes, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 999);
  g_clear_object (&item);
  item = g_list_model_get_item (G_LIST_MODEL (list), 0);
  g_assert_cmpstr (cs_case_item_get_id (item), ==, "c-0001");
  g_assert_cmpint (cs_case_list_find (list, "c-0999"), ==, 998);
  g_assert_cmpint (cs_case_list_find (list, "c-0000"), ==, -1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) g_test_add ("/store/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("open-creates-private-files", test_open_creates_private_files);
  ADD ("reopen", test_reopen_keeps_data_and_fixes_mode);
  ADD ("newer-schema-refused", test_newer_schema_refused);
  ADD ("apply-changes-versions", test_apply_changes_versions);
  ADD ("page-and-cursor-one-transaction", test_page_and_cursor_are_one_transaction);
  ADD ("decision-one-transaction", test_decision_is_one_transaction);
  ADD ("decision-policy", test_decision_policy_checked);
  ADD ("full-disk", test_full_disk_keeps_earlier_decisions);
  ADD ("undo", test_undo);
  ADD ("outbox-cycle", test_outbox_cycle);
  ADD ("dismiss-conflict", test_dismiss_conflict);
  ADD ("audit-chain", test_audit_chain);
  ADD ("queries", test_queries);
  ADD ("case-position", test_case_position);
  ADD ("case-list-lazy", test_case_list_is_lazy);
#undef ADD

  return g_test_run ();
}
