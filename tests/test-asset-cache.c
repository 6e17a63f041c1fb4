/* test-asset-cache.c: the evidence cache's bound, on a real store file and
 * real files in a real directory.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "cs-store.h"
#include "cs-sync.h"
#include "cs-test-server.h"

#define REVIEWER "r-17"
#define BLOB_SIZE 1000

typedef struct
{
  char     *dir;
  char     *asset_dir;
  CsStore  *store;
  CsClient *client;
  CsSync   *sync;
} Fixture;

static char *
case_json (const char *id,
           const char *status,
           const char *assigned_to,
           const char *sha256)
{
  return g_strdup_printf (
    "{\"id\": \"%s\", \"version\": 1, \"queue\": \"derm\", \"status\": \"%s\","
    " \"assigned_to\": \"%s\", \"priority\": 0.5, \"due_at\": null,"
    " \"trigger\": {\"kind\": \"low_confidence\", \"detail\": \"confidence below threshold\", \"threshold\": 0.8},"
    " \"subject\": {\"kind\": \"image\", \"title\": \"%s\","
    "   \"asset\": {\"sha256\": \"%s\", \"media_type\": \"image/png\", \"bytes\": %d, \"width\": 4, \"height\": 4}},"
    " \"model\": {\"name\": \"derm-classifier\", \"version\": \"2.3.1\"},"
    " \"prediction\": {\"label\": \"melanoma\", \"confidence\": 0.5},"
    " \"labels\": [\"melanoma\", \"nevus\", \"other\"],"
    " \"policy\": {\"rationale_required\": [], \"min_rationale_chars\": 0}}",
    id, status, assigned_to, id, sha256, BLOB_SIZE);
}

static void
apply_case (Fixture    *fx,
            const char *id,
            const char *status,
            const char *assigned_to,
            const char *sha256)
{
  g_autofree char *json = case_json (id, status, assigned_to, sha256);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsCase) kase = cs_case_new_from_data (json, -1, CS_CASE_PARSE_CASE, &error);
  g_autoptr(GPtrArray) cases = g_ptr_array_new ();

  g_assert_no_error (error);
  g_ptr_array_add (cases, kase);
  g_assert_true (cs_store_apply_changes (fx->store, cases, REVIEWER, "1", NULL, &error));
  g_assert_no_error (error);
}

/* A blob of distinct bytes, named by its real SHA-256 as downloads are, last
 * used and downloaded @age_s seconds ago. */
static char *
write_blob (Fixture *fx,
            char     fill,
            gint64   age_s)
{
  char data[BLOB_SIZE];
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  char *sha256;
  struct timespec times[2];

  memset (data, fill, sizeof data);
  sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, sizeof data);
  path = g_build_filename (fx->asset_dir, sha256, NULL);
  g_assert_true (g_file_set_contents (path, data, sizeof data, &error));
  g_assert_no_error (error);

  times[0].tv_sec = times[1].tv_sec = g_get_real_time () / G_USEC_PER_SEC - age_s;
  times[0].tv_nsec = times[1].tv_nsec = 0;
  g_assert_cmpint (utimensat (AT_FDCWD, path, times, 0), ==, 0);
  return sha256;
}

static gboolean
blob_exists (Fixture    *fx,
             const char *name)
{
  g_autofree char *path = g_build_filename (fx->asset_dir, name, NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static void
fixture_set_up (Fixture       *fx,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  fx->dir = g_dir_make_tmp ("cs-cache-XXXXXX", &error);
  g_assert_no_error (error);
  fx->asset_dir = g_build_filename (fx->dir, "assets", NULL);
  g_assert_cmpint (g_mkdir_with_parents (fx->asset_dir, 0700), ==, 0);
  path = g_build_filename (fx->dir, "countersign.db", NULL);
  fx->store = cs_store_open (path, &error);
  g_assert_no_error (error);
  /* Nothing listens on port 1: a cycle fails at once, offline. */
  fx->client = cs_client_new ("http://127.0.0.1:1/", "token", &error);
  g_assert_no_error (error);
  fx->sync = cs_sync_new (fx->store, fx->client, fx->asset_dir);
}

static void
fixture_tear_down (Fixture       *fx,
                   gconstpointer  data)
{
  cs_sync_stop (fx->sync);
  g_clear_object (&fx->sync);
  g_clear_object (&fx->client);
  g_clear_object (&fx->store);
  cs_test_remove_tree (fx->dir);
  g_free (fx->asset_dir);
  g_free (fx->dir);
}

static void
trim_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  int *removed = user_data;
  guint n = 0;

  g_assert_true (cs_sync_trim_assets_finish (CS_SYNC (source), result, &n, &error));
  g_assert_no_error (error);
  *removed = (int) n;
}

static guint
trim (Fixture *fx,
      guint64  limit)
{
  int removed = -1;

  cs_sync_set_asset_cache_bytes (fx->sync, limit);
  cs_sync_trim_assets_async (fx->sync, NULL, trim_done_cb, &removed);
  while (removed < 0)
    g_main_context_iteration (NULL, TRUE);
  return (guint) removed;
}

static CsDecisionResult *
result_new (const char    *id,
            CsOutboxState  status,
            const char    *reason)
{
  CsDecisionResult *result = g_new0 (CsDecisionResult, 1);

  result->id = g_strdup (id);
  result->status = status;
  result->case_version = status == CS_OUTBOX_ACCEPTED ? 2 : -1;
  result->reason = g_strdup (reason);
  return result;
}

static void
decide (Fixture     *fx,
        const char  *case_id,
        CsDecision **out)
{
  g_autoptr(CsDecision) decision = cs_decision_new (case_id, 1, CS_ACTION_ACCEPT, NULL, "", REVIEWER, 100);
  g_autoptr(GError) error = NULL;

  g_assert_true (cs_store_commit_decision (fx->store, decision, &error));
  g_assert_no_error (error);
  if (out != NULL)
    *out = g_steal_pointer (&decision);
}

static void
assert_state (Fixture      *fx,
              const char   *case_id,
              CsLocalState  expected)
{
  CsLocalState state;

  g_assert_true (cs_store_get_local_state (fx->store, case_id, &state));
  g_assert_cmpint (state, ==, expected);
}

/* One case in each local state, each with its own evidence, and one blob no
 * case names. Oldest first: orphan, closed, synced, then the needed ones. */
typedef struct
{
  char *orphan, *closed, *synced, *open, *decided, *conflict;
} Blobs;

static void
blobs_clear (Blobs *blobs)
{
  g_free (blobs->orphan);
  g_free (blobs->closed);
  g_free (blobs->synced);
  g_free (blobs->open);
  g_free (blobs->decided);
  g_free (blobs->conflict);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Blobs, blobs_clear)

static void
fill_cache (Fixture *fx,
            Blobs   *blobs)
{
  g_autoptr(GPtrArray) batch = NULL;
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_decision_result_free);
  g_autoptr(CsDecision) synced = NULL;
  g_autoptr(CsDecision) conflict = NULL;
  g_autoptr(GError) error = NULL;

  /* The needed ones are the least recently used: age alone must not evict. */
  blobs->open = write_blob (fx, 'a', 9 * 3600);
  blobs->decided = write_blob (fx, 'b', 8 * 3600);
  blobs->conflict = write_blob (fx, 'c', 7 * 3600);
  blobs->orphan = write_blob (fx, 'd', 6 * 3600);
  blobs->closed = write_blob (fx, 'e', 5 * 3600);
  blobs->synced = write_blob (fx, 'f', 4 * 3600);

  apply_case (fx, "c-open", "open", REVIEWER, blobs->open);
  apply_case (fx, "c-decided", "open", REVIEWER, blobs->decided);
  apply_case (fx, "c-conflict", "open", REVIEWER, blobs->conflict);
  apply_case (fx, "c-synced", "open", REVIEWER, blobs->synced);
  apply_case (fx, "c-closed", "decided", "r-22", blobs->closed);

  decide (fx, "c-synced", &synced);
  decide (fx, "c-conflict", &conflict);
  batch = cs_store_outbox_begin_batch (fx->store, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (batch->len, ==, 2);
  g_ptr_array_add (results, result_new (cs_decision_get_id (synced), CS_OUTBOX_ACCEPTED, NULL));
  g_ptr_array_add (results, result_new (cs_decision_get_id (conflict), CS_OUTBOX_CONFLICT, "withdrawn"));
  g_assert_true (cs_store_outbox_apply_results (fx->store, results, &error));
  g_assert_no_error (error);
  decide (fx, "c-decided", NULL);

  assert_state (fx, "c-open", CS_LOCAL_NEW);
  assert_state (fx, "c-decided", CS_LOCAL_DECIDED);
  assert_state (fx, "c-conflict", CS_LOCAL_CONFLICT);
  assert_state (fx, "c-synced", CS_LOCAL_SYNCED);
  assert_state (fx, "c-closed", CS_LOCAL_CLOSED);
}

static void
test_needed_assets (Fixture       *fx,
                    gconstpointer  data)
{
  g_auto(Blobs) blobs = { 0 };
  g_autoptr(GPtrArray) needed = NULL;
  g_autoptr(GError) error = NULL;

  fill_cache (fx, &blobs);
  needed = cs_store_list_needed_assets (fx->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (needed->len, ==, 3);
  g_assert_true (g_ptr_array_find_with_equal_func (needed, blobs.open, g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (needed, blobs.decided, g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (needed, blobs.conflict, g_str_equal, NULL));
}

static void
test_least_recently_used_first (Fixture       *fx,
                                gconstpointer  data)
{
  g_auto(Blobs) blobs = { 0 };
  g_autofree char *path = NULL;

  fill_cache (fx, &blobs);

  /* Under the bound: nothing goes. */
  g_assert_cmpuint (trim (fx, 6 * BLOB_SIZE), ==, 0);
  g_assert_true (blob_exists (fx, blobs.orphan));

  /* One over: the least recently used blob no case needs. */
  g_assert_cmpuint (trim (fx, 5 * BLOB_SIZE), ==, 1);
  g_assert_false (blob_exists (fx, blobs.orphan));
  g_assert_true (blob_exists (fx, blobs.closed));

  /* Showing the closed case's evidence makes it recent: the synced one goes instead. */
  path = cs_sync_lookup_asset (fx->sync, blobs.closed);
  g_assert_nonnull (path);
  g_assert_cmpuint (trim (fx, 4 * BLOB_SIZE), ==, 1);
  g_assert_false (blob_exists (fx, blobs.synced));
  g_assert_true (blob_exists (fx, blobs.closed));
  g_assert_null (cs_sync_lookup_asset (fx->sync, blobs.synced));
}

static void
test_needed_evidence_stays (Fixture       *fx,
                            gconstpointer  data)
{
  g_auto(Blobs) blobs = { 0 };
  g_autofree char *partial = g_build_filename (fx->asset_dir, ".0123.XXXXXX", NULL);
  g_autofree char *other = g_build_filename (fx->asset_dir, "notes.txt", NULL);
  g_autofree char *fresh = NULL;

  fill_cache (fx, &blobs);
  g_assert_true (g_file_set_contents (partial, "partial download", -1, NULL));
  g_assert_true (g_file_set_contents (other, "not ours", -1, NULL));
  /* Downloaded a moment ago for a case the store may not list yet. */
  fresh = write_blob (fx, 'g', 0);

  /* A bound nothing can meet: every blob a case still needs stays, past it. */
  g_assert_cmpuint (trim (fx, 1), ==, 3);
  g_assert_false (blob_exists (fx, blobs.orphan));
  g_assert_false (blob_exists (fx, blobs.closed));
  g_assert_false (blob_exists (fx, blobs.synced));
  g_assert_true (blob_exists (fx, blobs.open));
  g_assert_true (blob_exists (fx, blobs.decided));
  g_assert_true (blob_exists (fx, blobs.conflict));
  g_assert_true (blob_exists (fx, fresh));
  /* Files that are not blobs are not the cache's. */
  g_assert_true (g_file_test (partial, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (other, G_FILE_TEST_EXISTS));

  /* No bound: nothing is ever removed. */
  g_assert_cmpuint (trim (fx, 0), ==, 0);
  g_assert_true (blob_exists (fx, fresh));
}

static void
test_missing_directory (Fixture       *fx,
                        gconstpointer  data)
{
  g_assert_cmpint (g_rmdir (fx->asset_dir), ==, 0);
  g_assert_cmpuint (trim (fx, 1), ==, 0);
}

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* The loop trims after a cycle, even one that could not reach the server. */
static void
test_trimmed_after_each_cycle (Fixture       *fx,
                               gconstpointer  data)
{
  g_auto(Blobs) blobs = { 0 };
  gboolean timed_out = FALSE;
  guint timeout;

  fill_cache (fx, &blobs);
  cs_sync_set_asset_cache_bytes (fx->sync, 3 * BLOB_SIZE);
  cs_sync_set_timing (fx->sync, 60000, 60000, 60000);
  cs_sync_start (fx->sync);

  timeout = g_timeout_add_seconds (20, timeout_cb, &timed_out);
  while (!timed_out && (blob_exists (fx, blobs.orphan) || blob_exists (fx, blobs.closed) ||
                        blob_exists (fx, blobs.synced)))
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (timeout);
  g_assert_cmpint (cs_sync_get_state (fx->sync), ==, CS_SYNC_OFFLINE);
  g_assert_true (blob_exists (fx, blobs.open));
  g_assert_true (blob_exists (fx, blobs.decided));
  g_assert_true (blob_exists (fx, blobs.conflict));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/asset-cache/needed", test_needed_assets);
  ADD ("/asset-cache/least-recently-used-first", test_least_recently_used_first);
  ADD ("/asset-cache/needed-evidence-stays", test_needed_evidence_stays);
  ADD ("/asset-cache/missing-directory", test_missing_directory);
  ADD ("/asset-cache/after-each-cycle", test_trimmed_after_each_cycle);
#undef ADD

  return g_test_run ();
}
