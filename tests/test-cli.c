/* test-cli.c: the built countersign-cli against the real countersign-server.
 *
 * Predictions go in through the server's API; the command line (run as a
 * separate process, as a user would) syncs, lists, decides, undoes, pushes,
 * works offline, and verifies and exports its audit log.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <signal.h>
#include <sqlite3.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "cs-json.h"
#include "cs-test-server.h"

#define QUEUE_JSON \
  "{\"title\": \"Dermatology triage\"," \
  " \"labels\": [\"melanoma\", \"nevus\", \"seborrheic keratosis\", \"other\"]," \
  " \"policy\": {\"rationale_required\": [\"override\", \"reject\", \"escalate\"], \"min_rationale_chars\": 15}," \
  " \"routing\": {\"confidence_threshold\": 0.80, \"audit_sample_rate\": 0.0}," \
  " \"reviewers\": [\"r-17\"]}"

#define RATIONALE "Symmetric, uniform pigment network on dermoscopy."

typedef struct
{
  CsTestServer *server;
  char         *admin;
  char         *model;
  char         *reviewer;
  char         *asset_sha;
  char         *dir;        /* holds data/, xdg-data/ and xdg-cache/ */
  char         *data_dir;   /* --data-dir */
  char         *url;        /* the server's, kept after it stops */
} Fixture;

typedef struct
{
  int   status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

/* Helpers */

static const char *
cli_bin (void)
{
  return g_getenv ("CS_CLI_BIN");
}

static GSubprocessLauncher *
launcher_new (Fixture    *fx,
              const char *token,
              GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);
  g_autofree char *xdg_data = g_build_filename (fx->dir, "xdg-data", NULL);
  g_autofree char *xdg_cache = g_build_filename (fx->dir, "xdg-cache", NULL);

  /* Never the user's own workstation data. */
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", xdg_data, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", xdg_cache, TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  if (token != NULL)
    g_subprocess_launcher_setenv (launcher, "COUNTERSIGN_TOKEN", token, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "COUNTERSIGN_TOKEN");
  return launcher;
}

/* Runs countersign-cli with @argv (after the program name) and the given
 * token in the environment. */
static Run
run_cli_argv (Fixture            *fx,
              const char         *token,
              const char * const *argv)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  Run run = { -1, NULL, NULL };

  g_ptr_array_add (args, (gpointer) cli_bin ());
  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) argv[i]);
  g_ptr_array_add (args, NULL);

  launcher = launcher_new (fx, token, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) args->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &run.out, &run.err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  run.status = g_subprocess_get_exit_status (process);
  if (g_test_verbose ())
    g_test_message ("countersign-cli %s → %d\n%s%s", argv[0], run.status, run.out, run.err);
  return run;
}

#define CLI(fx, ...) run_cli_argv ((fx), (fx)->reviewer, (const char * const[]) { "--data-dir", (fx)->data_dir, __VA_ARGS__, NULL })

static void
assert_contains (const char *haystack,
                 const char *needle)
{
  if (haystack == NULL || strstr (haystack, needle) == NULL)
    g_error ("“%s” does not contain “%s”", haystack ? haystack : "(null)", needle);
}

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = cs_json_parse (text, strlen (text), &error);

  g_assert_no_error (error);
  return node;
}

static JsonNode *
status_json (Fixture *fx)
{
  g_auto(Run) run = CLI (fx, "status", "--json");

  g_assert_cmpint (run.status, ==, 0);
  return parse_json (run.out);
}

static char *
prediction_json (int         i,
                 double      confidence,
                 const char *label,
                 const char *sha)
{
  return g_strdup_printf (
    "{\"queue\": \"derm\", \"due_at\": \"2026-11-30T12:0%d:00Z\","
    " \"subject\": {\"kind\": \"image\", \"title\": \"Lesion %d\","
    "   \"asset\": {\"sha256\": \"%s\", \"media_type\": \"image/png\", \"bytes\": 64}},"
    " \"model\": {\"name\": \"derm-classifier\", \"version\": \"2.3.1\"},"
    " \"prediction\": {\"label\": \"%s\", \"confidence\": %g,"
    "   \"alternatives\": [{\"label\": \"other\", \"confidence\": %g}]},"
    " \"explanation\": {\"summary\": \"Irregular border.\"},"
    " \"context\": {\"site\": \"Clinic B\"}}",
    i, i, sha, label, confidence, 1 - confidence);
}

static void
feed (Fixture *fx)
{
  /* Three the model is unsure of (escalated), two it is sure of (automated). */
  const double confidence[] = { 0.61, 0.52, 0.70, 0.93, 0.97 };
  const char *label[] = { "melanoma", "nevus", "melanoma", "nevus", "melanoma" };

  for (int i = 0; i < 5; i++)
    {
      g_autofree char *body = prediction_json (i, confidence[i], label[i], fx->asset_sha);
      g_autoptr(JsonNode) answer = cs_test_http_expect (fx->server, "POST", "/api/v1/predictions",
                                                        fx->model, body, 200);
      const char *routed = json_object_get_string_member (json_node_get_object (answer), "routed");

      g_assert_cmpstr (routed, ==, i < 3 ? "escalated" : "automated");
    }
}

static GPtrArray *
export_lines (Fixture *fx)
{
  guint status = 0;
  g_autoptr(GBytes) body = cs_test_http_bytes (fx->server, "GET", "/api/v1/export/outcomes", fx->admin,
                                               NULL, NULL, NULL, NULL, &status);
  g_autofree char *text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GPtrArray *nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);

  g_assert_cmpuint (status, ==, 200);
  for (guint i = 0; lines[i] != NULL; i++)
    if (*lines[i] != '\0')
      g_ptr_array_add (nodes, parse_json (lines[i]));
  return nodes;
}

static guint
count_outcomes (GPtrArray  *lines,
                const char *case_id,
                JsonObject **found)
{
  guint n = 0;

  for (guint i = 0; i < lines->len; i++)
    {
      JsonObject *obj = json_node_get_object (g_ptr_array_index (lines, i));

      if (g_strcmp0 (json_object_get_string_member (obj, "case_id"), case_id) == 0)
        {
          n++;
          if (found != NULL)
            *found = obj;
        }
    }
  return n;
}

static char *
case_id_by_title (JsonArray  *cases,
                  const char *title)
{
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *obj = json_array_get_object_element (cases, i);

      if (g_str_equal (json_object_get_string_member (obj, "title"), title))
        return g_strdup (json_object_get_string_member (obj, "id"));
    }
  g_error ("No case titled “%s”", title);
  return NULL;
}

/* RFC 4180: records end at CRLF outside quotes; "" inside quotes is a quote. */
static GPtrArray *
parse_csv (const char *text)
{
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  GPtrArray *record = g_ptr_array_new_with_free_func (g_free);
  GString *field = g_string_new (NULL);
  gboolean quoted = FALSE;
  const char *p = text;

  while (*p != '\0')
    {
      if (quoted)
        {
          if (p[0] == '"' && p[1] == '"')
            {
              g_string_append_c (field, '"');
              p += 2;
            }
          else if (p[0] == '"')
            {
              quoted = FALSE;
              p++;
            }
          else
            g_string_append_c (field, *p++);
          continue;
        }

      if (*p == '"')
        {
          g_assert_cmpuint (field->len, ==, 0);   /* quotes only around a whole field */
          quoted = TRUE;
          p++;
        }
      else if (*p == ',')
        {
          g_ptr_array_add (record, g_string_free (field, FALSE));
          field = g_string_new (NULL);
          p++;
        }
      else if (p[0] == '\r' && p[1] == '\n')
        {
          g_ptr_array_add (record, g_string_free (field, FALSE));
          field = g_string_new (NULL);
          g_ptr_array_add (records, record);
          record = g_ptr_array_new_with_free_func (g_free);
          p += 2;
        }
      else
        {
          g_assert_true (*p != '\r' && *p != '\n');   /* a bare line break must be quoted */
          g_string_append_c (field, *p++);
        }
    }
  g_assert_false (quoted);
  g_assert_cmpuint (field->len, ==, 0);   /* the last record ends with CRLF too */
  g_assert_cmpuint (record->len, ==, 0);
  g_string_free (field, TRUE);
  g_ptr_array_unref (record);
  return records;
}

static void
tamper_audit (Fixture *fx)
{
  g_autofree char *path = g_build_filename (fx->data_dir, "countersign.db", NULL);
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE audit SET detail = '{\"reviewer\":\"someone-else\"}' WHERE seq = 2",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_changes (db), ==, 1);
  sqlite3_close (db);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    {
      g_remove (path);
      return;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      remove_tree (child);
    }
  g_rmdir (path);
}

/* Fixture */

static void
fixture_set_up (Fixture       *fx,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) asset = NULL;
  g_autofree char *asset_path = NULL;
  static const char png_like[64] = "\x89PNG\r\n\x1a\n-countersign-cli-test-evidence-bytes------------";
  guint status = 0;

  fx->dir = g_dir_make_tmp ("cs-cli-XXXXXX", &error);
  g_assert_no_error (error);
  fx->data_dir = g_build_filename (fx->dir, "data", NULL);

  if (cli_bin () == NULL)
    {
      g_test_skip ("CS_CLI_BIN is not set");
      return;
    }
  if (data == NULL)
    return;   /* a test that needs no server */

  fx->server = cs_test_server_new_argv ((const char * const[]) { NULL });
  if (fx->server == NULL)
    return;
  fx->url = g_strdup (cs_test_server_get_url (fx->server));
  fx->admin = cs_test_server_create_token (fx->server, "ops", "admin", NULL, NULL);
  fx->model = cs_test_server_create_token (fx->server, "derm-classifier", "model", NULL, NULL);
  fx->reviewer = cs_test_server_create_token (fx->server, "r-17", "reviewer", "derm", "Dr. A. Rivera");

  cs_test_http_expect (fx->server, "PUT", "/api/v1/queues/derm", fx->admin, QUEUE_JSON, 200);

  asset = g_bytes_new_static (png_like, sizeof png_like);
  fx->asset_sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, asset);
  asset_path = g_strdup_printf ("/api/v1/assets/%s", fx->asset_sha);
  {
    g_autoptr(GBytes) answer = cs_test_http_bytes (fx->server, "PUT", asset_path, fx->model, "image/png",
                                                   asset, NULL, NULL, &status);
    g_assert_cmpuint (status / 100, ==, 2);
  }
}

static void
fixture_tear_down (Fixture       *fx,
                   gconstpointer  data)
{
  g_clear_pointer (&fx->server, cs_test_server_free);
  if (fx->dir != NULL)
    remove_tree (fx->dir);
  g_free (fx->dir);
  g_free (fx->data_dir);
  g_free (fx->url);
  g_free (fx->admin);
  g_free (fx->model);
  g_free (fx->reviewer);
  g_free (fx->asset_sha);
}

#define NEEDS_CLI() G_STMT_START { if (g_test_failed () || cli_bin () == NULL || \
                                       (data != NULL && fx->server == NULL)) return; } G_STMT_END

/* Tests */

static void
test_usage (Fixture       *fx,
            gconstpointer  data)
{
  NEEDS_CLI ();

  {
    g_auto(Run) run = CLI (fx, "frobnicate");
    g_assert_cmpint (run.status, ==, 2);
    assert_contains (run.err, "frobnicate");
    assert_contains (run.err, "Usage:");
  }
  {
    g_auto(Run) run = run_cli_argv (fx, NULL, (const char * const[]) { NULL });
    g_assert_cmpint (run.status, ==, 2);
  }
  {
    g_auto(Run) run = CLI (fx, "cases", "--no-such-option");
    g_assert_cmpint (run.status, ==, 2);
    assert_contains (run.err, "--no-such-option");
  }
  {
    g_auto(Run) run = CLI (fx, "decide", "c-1");
    g_assert_cmpint (run.status, ==, 2);
  }
  {
    g_auto(Run) run = CLI (fx, "decide", "c-1", "approve");
    g_assert_cmpint (run.status, ==, 2);
    assert_contains (run.err, "approve");
  }
  {
    g_auto(Run) run = CLI (fx, "audit", "export", "--format", "xml");
    g_assert_cmpint (run.status, ==, 2);
  }
  {
    g_auto(Run) run = CLI (fx, "--help");
    g_assert_cmpint (run.status, ==, 0);
    assert_contains (run.out, "audit export");
  }
  {
    /* No token at all is a usage error. */
    g_auto(Run) run = run_cli_argv (fx, NULL, (const char * const[]) { "--data-dir", fx->data_dir, "sync", "--once", NULL });
    g_assert_cmpint (run.status, ==, 2);
    assert_contains (run.err, "COUNTERSIGN_TOKEN");
  }

  /* Nothing here yet: deciding needs a signed-in reviewer and the cases. */
  {
    g_auto(Run) run = CLI (fx, "decide", "c-1", "accept");
    g_assert_cmpint (run.status, ==, 1);
    assert_contains (run.err, "sign in first");
    g_assert_cmpstr (run.out, ==, "");
  }
  {
    g_auto(Run) run = CLI (fx, "status", "--json");
    g_assert_cmpint (run.status, ==, 1);
    assert_contains (run.err, "sign in first");
  }
  /* … and reading commands leave no store behind. */
  {
    g_autofree char *db = g_build_filename (fx->data_dir, "countersign.db", NULL);
    g_assert_false (g_file_test (db, G_FILE_TEST_EXISTS));
  }
}

static void
test_workflow (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(JsonNode) cases_node = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  g_autofree char *first = NULL, *second = NULL, *third = NULL;
  g_autofree char *decision = NULL, *undone = NULL;
  JsonArray *cases;
  JsonObject *outcome = NULL;
  gint64 n_audit;

  NEEDS_CLI ();
  feed (fx);

  /* Sign in, claim and pull. */
  {
    g_auto(Run) run = CLI (fx, "--server", fx->url, "sync", "--once");
    g_assert_cmpint (run.status, ==, 0);
    assert_contains (run.out, "r-17");
  }
  {
    g_autoptr(JsonNode) status = status_json (fx);
    JsonObject *obj = json_node_get_object (status);

    g_assert_cmpint (json_object_get_int_member (obj, "todo"), ==, 3);
    g_assert_cmpint (json_object_get_int_member (obj, "pending"), ==, 0);
    g_assert_cmpint (json_object_get_int_member (obj, "conflicts"), ==, 0);
    g_assert_cmpstr (json_object_get_string_member (obj, "reviewer"), ==, "r-17");
    g_assert_cmpstr (json_object_get_string_member (obj, "reviewer_name"), ==, "Dr. A. Rivera");
    g_assert_cmpstr (json_object_get_string_member (obj, "server"), ==, fx->url);
    g_assert_nonnull (json_object_get_string_member (obj, "cursor"));
    g_assert_nonnull (json_object_get_string_member (obj, "last_sync"));
    g_assert_true (json_object_get_null_member (obj, "last_error"));
    g_assert_cmpint (json_object_get_int_member (obj, "audit_entries"), >=, 4);
  }
  /* The evidence came too. */
  {
    g_autofree char *asset = g_build_filename (fx->data_dir, "assets", fx->asset_sha, NULL);
    g_assert_true (g_file_test (asset, G_FILE_TEST_IS_REGULAR));
  }

  /* The queue, as JSON and as a table; --server is remembered from now on. */
  {
    g_auto(Run) run = CLI (fx, "cases", "--json", "--sort", "confidence");
    g_assert_cmpint (run.status, ==, 0);
    cases_node = parse_json (run.out);
    assert_contains (run.out, "\"confidence\":0.52,");   /* not 0.52000000000000002 */
  }
  cases = json_node_get_array (cases_node);
  g_assert_cmpuint (json_array_get_length (cases), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      JsonObject *obj = json_array_get_object_element (cases, i);

      g_assert_cmpstr (json_object_get_string_member (obj, "queue"), ==, "derm");
      g_assert_cmpstr (json_object_get_string_member (obj, "trigger"), ==, "low_confidence");
      g_assert_cmpstr (json_object_get_string_member (obj, "local_state"), ==, "new");
      g_assert_cmpstr (json_object_get_string_member (obj, "subject_kind"), ==, "image");
      g_assert_nonnull (json_object_get_string_member (obj, "due_at"));
      if (i > 0)
        g_assert_cmpfloat (json_object_get_double_member (json_array_get_object_element (cases, i - 1), "confidence"),
                           <=, json_object_get_double_member (obj, "confidence"));
    }
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (cases, 0), "title"), ==, "Lesion 1");
  first = case_id_by_title (cases, "Lesion 0");
  second = case_id_by_title (cases, "Lesion 1");
  third = case_id_by_title (cases, "Lesion 2");
  {
    g_auto(Run) run = CLI (fx, "cases");
    g_auto(GStrv) rows = NULL;

    g_assert_cmpint (run.status, ==, 0);
    rows = g_strsplit (g_strchomp (run.out), "\n", -1);
    g_assert_cmpuint (g_strv_length (rows), ==, 1 + 3);
    assert_contains (run.out, first);
    assert_contains (run.out, "Lesion 2");
  }
  {
    g_auto(Run) run = CLI (fx, "cases", "--json", "--queue", "claims");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (g_strstrip (run.out), ==, "[]");
  }
  {
    g_auto(Run) run = CLI (fx, "cases", "--sort", "alphabet");
    g_assert_cmpint (run.status, ==, 2);
  }

  /* Decide: an id on standard output, at once, with no network. */
  {
    g_auto(Run) run = CLI (fx, "decide", first, "override", "--label", "nevus", "--rationale", RATIONALE);
    g_assert_cmpint (run.status, ==, 0);
    decision = g_strdup (g_strstrip (run.out));
    g_assert_true (g_uuid_string_is_valid (decision));
  }
  /* The queue's policy, from the core, in words. */
  {
    g_auto(Run) run = CLI (fx, "decide", second, "override", "--label", "melanoma", "--rationale", "Atypical.");
    g_assert_cmpint (run.status, ==, 1);
    assert_contains (run.err, "at least 15 characters");
    g_assert_cmpstr (run.out, ==, "");
  }
  {
    g_auto(Run) run = CLI (fx, "decide", "c-no-such-case", "accept");
    g_assert_cmpint (run.status, ==, 1);
    assert_contains (run.err, "c-no-such-case");
  }
  {
    g_auto(Run) run = CLI (fx, "decide", first, "accept");
    g_assert_cmpint (run.status, ==, 1);
    assert_contains (run.err, "already decided");
  }

  /* Undo a decision still here: the case is to do again. */
  {
    g_auto(Run) run = CLI (fx, "decide", third, "accept");
    g_assert_cmpint (run.status, ==, 0);
    undone = g_strdup (g_strstrip (run.out));
  }
  {
    g_autoptr(JsonNode) status = status_json (fx);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (status), "pending"), ==, 2);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (status), "todo"), ==, 1);
  }
  {
    g_auto(Run) run = CLI (fx, "undo", undone);
    g_assert_cmpint (run.status, ==, 0);
  }
  {
    g_auto(Run) run = CLI (fx, "undo", undone);
    g_assert_cmpint (run.status, ==, 1);
    assert_contains (run.err, "no such decision");
  }
  {
    g_autoptr(JsonNode) status = status_json (fx);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (status), "pending"), ==, 1);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (status), "todo"), ==, 2);
  }
  {
    g_auto(Run) run = CLI (fx, "outbox", "--json");
    g_autoptr(JsonNode) node = NULL;
    JsonObject *row;

    g_assert_cmpint (run.status, ==, 0);
    node = parse_json (run.out);
    g_assert_cmpuint (json_array_get_length (json_node_get_array (node)), ==, 1);
    row = json_array_get_object_element (json_node_get_array (node), 0);
    g_assert_cmpstr (json_object_get_string_member (row, "id"), ==, decision);
    g_assert_cmpstr (json_object_get_string_member (row, "case_id"), ==, first);
    g_assert_cmpstr (json_object_get_string_member (row, "action"), ==, "override");
    g_assert_cmpstr (json_object_get_string_member (row, "label"), ==, "nevus");
    g_assert_cmpstr (json_object_get_string_member (row, "reviewer"), ==, "r-17");
    g_assert_cmpint (json_object_get_int_member (row, "duration_ms"), ==, 0);
    g_assert_cmpstr (json_object_get_string_member (row, "outbox_state"), ==, "pending");
  }

  /* Push: nothing left to send, and the server has it exactly once. */
  {
    g_auto(Run) run = CLI (fx, "sync", "--once");
    g_assert_cmpint (run.status, ==, 0);
  }
  {
    g_autoptr(JsonNode) status = status_json (fx);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (status), "pending"), ==, 0);
  }
  {
    g_auto(Run) run = CLI (fx, "outbox", "--json");
    g_autoptr(JsonNode) node = parse_json (run.out);
    JsonObject *row = json_array_get_object_element (json_node_get_array (node), 0);

    g_assert_cmpstr (json_object_get_string_member (row, "outbox_state"), ==, "accepted");
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (row, "result"), "status"), ==,
                     "accepted");
  }
  {
    g_auto(Run) run = CLI (fx, "outbox");
    g_assert_cmpint (run.status, ==, 0);
    assert_contains (run.out, decision);
    assert_contains (run.out, "accepted");
  }
  {
    /* The decided case left the to-do list but not the store. */
    g_auto(Run) run = CLI (fx, "cases", "--all", "--json");
    g_autoptr(JsonNode) node = parse_json (run.out);
    JsonArray *all = json_node_get_array (node);
    guint synced = 0;

    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpuint (json_array_get_length (all), ==, 3);
    for (guint i = 0; i < 3; i++)
      if (g_str_equal (json_object_get_string_member (json_array_get_object_element (all, i), "local_state"), "synced"))
        synced++;
    g_assert_cmpuint (synced, ==, 1);
  }
  lines = export_lines (fx);
  g_assert_cmpuint (count_outcomes (lines, first, &outcome), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (outcome, "action"), ==, "override");
  g_assert_cmpstr (json_object_get_string_member (outcome, "final_label"), ==, "nevus");
  g_assert_cmpstr (json_object_get_string_member (outcome, "rationale"), ==, RATIONALE);
  g_clear_pointer (&lines, g_ptr_array_unref);

  /* Sent is final here: no undo; another sync sends nothing twice. */
  {
    g_auto(Run) run = CLI (fx, "undo", decision);
    g_assert_cmpint (run.status, ==, 1);
    assert_contains (run.err, "already been sent");
  }
  {
    g_auto(Run) run = CLI (fx, "sync", "--once");
    g_assert_cmpint (run.status, ==, 0);
  }
  lines = export_lines (fx);
  g_assert_cmpuint (count_outcomes (lines, first, NULL), ==, 1);

  /* This data belongs to one server. */
  {
    g_auto(Run) run = CLI (fx, "--server", "http://127.0.0.1:9/", "sync", "--once");
    g_assert_cmpint (run.status, ==, 1);
    assert_contains (run.err, fx->url);
  }

  /* Offline: deciding still works; the sync says why it failed, status keeps it. */
  cs_test_server_stop (fx->server);
  {
    g_auto(Run) run = CLI (fx, "decide", second, "escalate", "--rationale", "Needs a dermatopathologist's opinion.");
    g_assert_cmpint (run.status, ==, 0);
  }
  {
    g_auto(Run) run = CLI (fx, "sync", "--once");
    g_assert_cmpint (run.status, ==, 1);
    assert_contains (run.err, "could not be reached");
  }
  {
    g_autoptr(JsonNode) status = status_json (fx);
    JsonObject *obj = json_node_get_object (status);

    g_assert_cmpint (json_object_get_int_member (obj, "pending"), ==, 1);
    assert_contains (json_object_get_string_member (obj, "last_error"), "could not be reached");
    g_assert_nonnull (json_object_get_string_member (obj, "last_error_at"));
    n_audit = json_object_get_int_member (obj, "audit_entries");
  }
  {
    g_auto(Run) run = CLI (fx, "status");
    g_assert_cmpint (run.status, ==, 0);
    assert_contains (run.out, "could not be reached");
  }

  /* The audit log: verified, exported both ways, and caught when edited. */
  {
    g_auto(Run) run = CLI (fx, "audit", "verify");
    g_autofree char *expected = g_strdup_printf ("ok, %" G_GINT64_FORMAT " entries\n", n_audit);

    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (run.out, ==, expected);
  }
  {
    g_auto(Run) run = CLI (fx, "audit", "export", "--format", "csv");
    g_autoptr(GPtrArray) records = NULL;
    GPtrArray *header;

    g_assert_cmpint (run.status, ==, 0);
    records = parse_csv (run.out);
    g_assert_cmpuint (records->len, ==, 1 + n_audit);
    header = g_ptr_array_index (records, 0);
    g_assert_cmpuint (header->len, ==, 7);
    g_assert_cmpstr (g_ptr_array_index (header, 0), ==, "seq");
    g_assert_cmpstr (g_ptr_array_index (header, 4), ==, "detail");
    g_assert_cmpstr (g_ptr_array_index (header, 6), ==, "hash");
    for (guint i = 1; i < records->len; i++)
      {
        GPtrArray *record = g_ptr_array_index (records, i);
        g_autofree char *seq = g_strdup_printf ("%u", i);
        g_autoptr(JsonNode) detail = NULL;

        g_assert_cmpuint (record->len, ==, 7);
        g_assert_cmpstr (g_ptr_array_index (record, 0), ==, seq);
        detail = parse_json (g_ptr_array_index (record, 4));   /* quoted JSON comes back whole */
        g_assert_true (JSON_NODE_HOLDS_OBJECT (detail));
      }
  }
  {
    g_auto(Run) run = CLI (fx, "audit", "export", "--format", "jsonl");
    g_auto(GStrv) rows = NULL;
    gboolean saw_decision = FALSE;

    g_assert_cmpint (run.status, ==, 0);
    g_assert_true (g_str_has_suffix (run.out, "\n"));
    rows = g_strsplit (run.out, "\n", -1);
    g_assert_cmpuint (g_strv_length (rows), ==, n_audit + 1);   /* and the empty rest after the last \n */
    for (guint i = 0; i < n_audit; i++)
      {
        g_autoptr(JsonNode) node = parse_json (rows[i]);
        JsonObject *obj = json_node_get_object (node);

        g_assert_cmpint (json_object_get_int_member (obj, "seq"), ==, i + 1);
        g_assert_true (JSON_NODE_HOLDS_OBJECT (json_object_get_member (obj, "detail")));
        g_assert_cmpuint (strlen (json_object_get_string_member (obj, "hash")), ==, 64);
        g_assert_cmpuint (strlen (json_object_get_string_member (obj, "prev_hash")), ==, 64);
        if (g_str_equal (json_object_get_string_member (obj, "event"), "decision.made") &&
            g_strcmp0 (json_object_get_string_member (json_object_get_object_member (obj, "detail"), "decision_id"),
                       decision) == 0)
          {
            g_assert_cmpstr (json_object_get_string_member (obj, "case_id"), ==, first);
            saw_decision = TRUE;
          }
      }
    g_assert_true (saw_decision);
  }
  tamper_audit (fx);
  {
    g_auto(Run) run = CLI (fx, "audit", "verify");
    g_assert_cmpint (run.status, ==, 1);
    assert_contains (run.err, "2 was altered");
    g_assert_cmpstr (run.out, ==, "");
  }
}

/* Without --data-dir: the workstation's own folders, found again without --server. */
static void
test_default_location (Fixture       *fx,
                       gconstpointer  data)
{
  g_autofree char *host = NULL;
  g_autofree char *db = NULL;
  g_autoptr(GUri) uri = NULL;

  NEEDS_CLI ();
  feed (fx);

  uri = g_uri_parse (fx->url, G_URI_FLAGS_NONE, NULL);
  host = g_strdup_printf ("%s_%d", g_uri_get_host (uri), g_uri_get_port (uri));
  db = g_build_filename (fx->dir, "xdg-data", "countersign", host, "countersign.db", NULL);

  {
    g_auto(Run) run = run_cli_argv (fx, fx->reviewer, (const char * const[]) { "sync", "--once", NULL });
    g_assert_cmpint (run.status, ==, 2);
    assert_contains (run.err, "--server");
  }
  {
    /* --token works, with a warning that the environment is the better place. */
    g_auto(Run) run = run_cli_argv (fx, NULL, (const char * const[]) { "--server", fx->url, "--token", fx->reviewer,
                                                                       "sync", "--once", NULL });
    g_assert_cmpint (run.status, ==, 0);
    assert_contains (run.err, "COUNTERSIGN_TOKEN");
  }
  g_assert_true (g_file_test (db, G_FILE_TEST_IS_REGULAR));
  {
    g_autofree char *asset = g_build_filename (fx->dir, "xdg-cache", "countersign", "assets", fx->asset_sha, NULL);
    g_assert_true (g_file_test (asset, G_FILE_TEST_IS_REGULAR));
  }
  {
    g_auto(Run) run = run_cli_argv (fx, fx->reviewer, (const char * const[]) { "status", "--json", NULL });
    g_autoptr(JsonNode) node = NULL;
    JsonObject *obj;

    g_assert_cmpint (run.status, ==, 0);
    node = parse_json (run.out);
    obj = json_node_get_object (node);
    g_assert_cmpstr (json_object_get_string_member (obj, "store"), ==, db);
    g_assert_cmpstr (json_object_get_string_member (obj, "server"), ==, fx->url);
    g_assert_cmpint (json_object_get_int_member (obj, "todo"), ==, 3);
  }
  {
    g_auto(Run) run = run_cli_argv (fx, fx->reviewer, (const char * const[]) { "sync", "--once", NULL });
    g_assert_cmpint (run.status, ==, 0);
  }
}

static void
test_wrong_token (Fixture       *fx,
                  gconstpointer  data)
{
  NEEDS_CLI ();

  {
    g_auto(Run) run = run_cli_argv (fx, "cs_not-a-real-token",
                                    (const char * const[]) { "--data-dir", fx->data_dir, "--server", fx->url,
                                                             "sync", "--once", NULL });
    g_assert_cmpint (run.status, ==, 1);
    assert_contains (run.err, "did not accept");
  }
  {
    g_autoptr(JsonNode) status = status_json (fx);
    JsonObject *obj = json_node_get_object (status);

    assert_contains (json_object_get_string_member (obj, "last_error"), "did not accept");
    g_assert_true (json_object_get_null_member (obj, "reviewer"));
    g_assert_true (json_object_get_null_member (obj, "server"));
  }
  /* Signing in with a good token clears the error. */
  {
    g_auto(Run) run = CLI (fx, "--server", fx->url, "sync", "--once");
    g_assert_cmpint (run.status, ==, 0);
  }
  {
    g_autoptr(JsonNode) status = status_json (fx);
    g_assert_true (json_object_get_null_member (json_node_get_object (status), "last_error"));
  }
}

/* The loop: a line per state it settles in, until SIGTERM. */

static void
read_line_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  char **line = user_data;

  *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL, NULL);
  if (*line == NULL)
    *line = g_strdup ("");
}

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static char *
read_line (GDataInputStream *stream)
{
  g_autoptr(GSource) timeout = g_timeout_source_new_seconds (30);
  gboolean timed_out = FALSE;
  char *line = NULL;

  g_source_set_callback (timeout, timeout_cb, &timed_out, NULL);
  g_source_attach (timeout, NULL);
  g_data_input_stream_read_line_async (stream, G_PRIORITY_DEFAULT, NULL, read_line_cb, &line);
  while (line == NULL && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_source_destroy (timeout);
  g_assert_false (timed_out);
  return line;
}

static void
test_sync_loop (Fixture       *fx,
                gconstpointer  data)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  NEEDS_CLI ();
  feed (fx);

  launcher = launcher_new (fx, fx->reviewer, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  process = g_subprocess_launcher_spawn (launcher, &error, cli_bin (), "--data-dir", fx->data_dir,
                                         "--server", fx->url, "sync", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));

  line = read_line (out);
  assert_contains (line, "online: 3 to do, 0 to send, 0 conflicts");

  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);

  {
    g_autoptr(JsonNode) status = status_json (fx);
    JsonObject *obj = json_node_get_object (status);

    g_assert_cmpstr (json_object_get_string_member (obj, "server"), ==, fx->url);
    g_assert_cmpint (json_object_get_int_member (obj, "todo"), ==, 3);
  }
}

int
main (int   argc,
      char *argv[])
{
  static const int with_server = 1;

  g_test_init (&argc, &argv, NULL);

  g_test_add ("/cli/usage", Fixture, NULL, fixture_set_up, test_usage, fixture_tear_down);
#define ADD(name, func) g_test_add ("/cli/" name, Fixture, &with_server, fixture_set_up, func, fixture_tear_down)
  ADD ("workflow", test_workflow);
  ADD ("default-location", test_default_location);
  ADD ("wrong-token", test_wrong_token);
  ADD ("sync-loop", test_sync_loop);
#undef ADD

  return g_test_run ();
}
