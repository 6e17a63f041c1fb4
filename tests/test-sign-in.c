/* test-sign-in.c: the sign-in page, the keyring and the preferences, with the
 * real window against the real server under Xvfb.
 *
 * libsecret runs on its file backend (SECRET_BACKEND=file), set before
 * anything touches it, so no keyring daemon is needed and the reviewer's own
 * keyring is never read. The no-keyring case runs in a subprocess whose
 * keyring file cannot be opened.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <glib/gstdio.h>

#include "cs-application.h"
#include "cs-preferences-window.h"
#include "cs-secret.h"
#include "cs-sign-in-page.h"
#include "cs-test-server.h"
#include "cs-test-ui.h"
#include "cs-window.h"

#define QUEUE_JSON \
  "{\"title\": \"Dermatology triage\", \"labels\": [\"melanoma\", \"nevus\", \"other\"]," \
  " \"routing\": {\"confidence_threshold\": 0.9}}"

/* One application for the whole program: it registers on the session bus once. */
static CsApplication *app;
static char *tmp_root;

/* Widgets, found as a reviewer finds them */

/* A label on screen whose text starts with @prefix. */
static GtkWidget *
find_shown_label (GtkWidget  *widget,
                  const char *prefix)
{
  if (!gtk_widget_get_visible (widget))
    return NULL;
  if (GTK_IS_LABEL (widget) && g_str_has_prefix (gtk_label_get_label (GTK_LABEL (widget)), prefix))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_shown_label (child, prefix);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_row (GtkWidget  *widget,
          GType       type,
          const char *title)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type) &&
      g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_row (child, type, title);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static CsSignInPage *
sign_in_page (CsWindow *window)
{
  return CS_SIGN_IN_PAGE (cs_test_find_widget (GTK_WIDGET (window), CS_TYPE_SIGN_IN_PAGE));
}

/* "signed-out" (the sign-in page) or "review". */
static const char *
visible_page (CsWindow *window)
{
  GtkWidget *stack = gtk_widget_get_ancestor (GTK_WIDGET (sign_in_page (window)), GTK_TYPE_STACK);

  return gtk_stack_get_visible_child_name (GTK_STACK (stack));
}

static gboolean
shows_review (gpointer data)
{
  return g_strcmp0 (visible_page (data), "review") == 0;
}

static gboolean
shows_sign_in (gpointer data)
{
  return g_strcmp0 (visible_page (data), "signed-out") == 0;
}

static gboolean
page_idle (gpointer data)
{
  return !cs_sign_in_page_get_busy (data);
}

/* Types into the form and presses the button, or Enter in the token field. */
static void
fill_and_sign_in (CsWindow   *window,
                  const char *server,
                  const char *token,
                  gboolean    press_enter)
{
  CsSignInPage *page = sign_in_page (window);
  GtkWidget *server_row = find_row (GTK_WIDGET (page), ADW_TYPE_ENTRY_ROW, "Server Address");
  GtkWidget *token_row = find_row (GTK_WIDGET (page), ADW_TYPE_PASSWORD_ENTRY_ROW, "Access Token");
  GtkWidget *button = cs_test_find_by_tooltip (GTK_WIDGET (page), GTK_TYPE_WIDGET, "Check the token with the server and sign in");

  g_assert_nonnull (server_row);
  g_assert_nonnull (token_row);
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_sensitive (button));

  gtk_editable_set_text (GTK_EDITABLE (server_row), server);
  gtk_editable_set_text (GTK_EDITABLE (token_row), token);
  if (press_enter)
    g_signal_emit_by_name (token_row, "entry-activated");
  else
    g_signal_emit_by_name (button, "clicked");
}

static const char *
typed_token (CsWindow *window)
{
  GtkWidget *row = find_row (GTK_WIDGET (sign_in_page (window)), ADW_TYPE_PASSWORD_ENTRY_ROW, "Access Token");

  return gtk_editable_get_text (GTK_EDITABLE (row));
}

/* The keyring, read through cs-secret as the application reads it */

typedef struct
{
  gboolean  done;
  char     *token;
  GError   *error;
} Lookup;

static void
looked_up_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Lookup *lookup = user_data;

  lookup->token = cs_secret_lookup_finish (result, &lookup->error);
  lookup->done = TRUE;
}

static char *
keyring_lookup (const char *server)
{
  Lookup lookup = { 0 };

  cs_secret_lookup_async (server, NULL, looked_up_cb, &lookup);
  while (!lookup.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (lookup.error);
  return lookup.token;
}

static gboolean
keyring_empty (gpointer server)
{
  g_autofree char *token = keyring_lookup (server);

  return token == NULL;
}

/* No key of the schema holds the token, in any form. */
static void
assert_not_in_settings (GSettings  *settings,
                        const char *token)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;

  g_object_get (settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autoptr(GVariant) value = g_settings_get_value (settings, keys[i]);
      g_autofree char *text = g_variant_print (value, FALSE);

      g_assert_null (strstr (text, token));
    }
}

static GtkWindow *
find_toplevel (GType type)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type) && gtk_widget_get_visible (l->data))
      return l->data;
  return NULL;
}

static gboolean
has_dialog (gpointer data)
{
  return find_toplevel (ADW_TYPE_MESSAGE_DIALOG) != NULL;
}

static gboolean
app_signed_in (gpointer data)
{
  return cs_application_get_sync (data) != NULL;
}

static gboolean
reviewer_known (gpointer data)
{
  CsSync *sync = cs_application_get_sync (data);

  return sync != NULL && g_strcmp0 (cs_sync_get_reviewer (sync), "r-17") == 0;
}

static CsTestServer *
start_server (char **reviewer_token)
{
  CsTestServer *server = cs_test_server_new_argv ((const char * const[]) { NULL });
  g_autofree char *admin = cs_test_server_create_token (server, "ops", "admin", NULL, NULL);

  cs_test_http_expect (server, "PUT", "/api/v1/queues/derm", admin, QUEUE_JSON, 200);
  *reviewer_token = cs_test_server_create_token (server, "r-17", "reviewer", "derm", "Dr. A. Rivera");
  return server;
}

/* First run: a wrong token, then the right one; a second start finds both;
 * signing out takes the token out of the keyring. */
static void
test_first_run (void)
{
  g_autofree char *token = NULL;
  g_autoptr(CsTestServer) server = start_server (&token);
  const char *url = cs_test_server_get_url (server);
  GSettings *settings = cs_application_get_settings (app);
  g_autofree char *stored = NULL;
  g_autofree char *saved_url = NULL;
  g_autofree char *saved_reviewer = NULL;
  g_autofree char *store_path = NULL;
  CsWindow *window;
  CsSignInPage *page;

  g_assert_nonnull (settings);
  g_assert_null (cs_application_get_sync (app));
  window = cs_window_new (app);
  gtk_window_present (GTK_WINDOW (window));
  page = sign_in_page (window);
  g_assert_cmpstr (visible_page (window), ==, "signed-out");

  /* A wrong token: refused in words, nothing kept, what was typed stays. */
  fill_and_sign_in (window, url, "not-a-real-token", TRUE);
  g_assert_true (cs_sign_in_page_get_busy (page));
  g_assert_true (cs_test_wait_for (page_idle, page, 20));
  g_assert_nonnull (cs_sign_in_page_get_error (page));
  g_assert_true (g_str_has_prefix (cs_sign_in_page_get_error (page), "The server did not accept this token."));
  g_assert_nonnull (find_shown_label (GTK_WIDGET (page), "The server did not accept this token."));
  g_assert_cmpstr (typed_token (window), ==, "not-a-real-token");
  g_assert_cmpstr (visible_page (window), ==, "signed-out");
  g_assert_null (cs_application_get_sync (app));
  g_assert_true (keyring_empty ((gpointer) url));
  saved_url = g_settings_get_string (settings, "server-url");
  g_assert_cmpstr (saved_url, ==, "");
  g_clear_pointer (&saved_url, g_free);

  /* The right one: the review page, the token in the keyring, the address in GSettings. */
  fill_and_sign_in (window, url, token, FALSE);
  g_assert_true (cs_test_wait_for (shows_review, window, 20));
  g_assert_null (cs_sign_in_page_get_error (page));
  g_assert_cmpstr (typed_token (window), ==, "");
  stored = keyring_lookup (url);
  g_assert_cmpstr (stored, ==, token);
  saved_url = g_settings_get_string (settings, "server-url");
  g_assert_cmpstr (saved_url, ==, url);
  saved_reviewer = g_settings_get_string (settings, "reviewer");
  g_assert_cmpstr (saved_reviewer, ==, "r-17");
  assert_not_in_settings (settings, token);
  g_assert_true (cs_test_wait_for (reviewer_known, app, 20));
  store_path = g_strdup (cs_store_get_path (cs_application_get_store (app)));

  /* A second start without --server: the saved address, the token from the
   * keyring, and straight to the review page. */
  {
    /* Its own id: two applications of one id cannot both be on the session bus. */
    g_autoptr(CsApplication) second = g_object_new (CS_TYPE_APPLICATION,
                                                    "application-id", "io.github.countersign.Countersign.SecondStart",
                                                    "resource-base-path", "/io/github/countersign/Countersign",
                                                    "flags", G_APPLICATION_NON_UNIQUE,
                                                    NULL);
    g_autoptr(GError) error = NULL;
    GtkWindow *second_window;

    g_assert_true (g_application_register (G_APPLICATION (second), NULL, &error));
    g_assert_no_error (error);
    g_application_activate (G_APPLICATION (second));
    second_window = gtk_application_get_active_window (GTK_APPLICATION (second));
    g_assert_true (CS_IS_WINDOW (second_window));
    g_assert_true (cs_test_wait_for (app_signed_in, second, 20));
    g_assert_true (cs_test_wait_for (shows_review, second_window, 5));
    g_assert_cmpstr (cs_client_get_base_url (cs_sync_get_client (cs_application_get_sync (second))), ==, url);
    g_assert_null (cs_application_get_keyring_error (second));
    gtk_window_destroy (second_window);
    cs_sync_stop (cs_application_get_sync (second));
  }

  /* Sign out, after a confirmation that says unsent decisions stay here. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "sign-out", NULL);
  g_assert_true (cs_test_wait_for (has_dialog, NULL, 5));
  {
    AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));

    g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog),
                              "Decisions not yet sent stay on this computer and are sent when you sign in again"));
    adw_message_dialog_response (dialog, "sign-out");
  }
  g_assert_null (cs_application_get_sync (app));
  g_assert_cmpstr (visible_page (window), ==, "signed-out");
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (app), "sign-out"));
  g_assert_true (cs_test_wait_for (keyring_empty, (gpointer) url, 10));
  /* The local store stays on disk. */
  g_assert_true (g_file_test (store_path, G_FILE_TEST_IS_REGULAR));
  /* The page offers the same server again. */
  {
    GtkWidget *server_row = find_row (GTK_WIDGET (page), ADW_TYPE_ENTRY_ROW, "Server Address");
    g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (server_row)), ==, url);
  }

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Addresses refused before anything is sent, and a server that is not there. */
static void
test_refused_addresses (void)
{
  CsWindow *window = cs_window_new (app);
  CsSignInPage *page = sign_in_page (window);

  gtk_window_present (GTK_WINDOW (window));

  /* Plain http off this computer: the client's own words. */
  fill_and_sign_in (window, "http://review.example.org", "some-token", FALSE);
  g_assert_false (cs_sign_in_page_get_busy (page));
  g_assert_cmpstr (cs_sign_in_page_get_error (page), ==,
                   "Countersign only talks to servers over https, except on this computer: use https://review.example.org");
  g_assert_nonnull (find_shown_label (GTK_WIDGET (page), "Countersign only talks to servers over https"));
  g_assert_cmpstr (typed_token (window), ==, "some-token");

  /* Nothing typed. */
  fill_and_sign_in (window, "  ", "some-token", FALSE);
  g_assert_true (g_str_has_prefix (cs_sign_in_page_get_error (page), "Enter the address of your review server"));
  fill_and_sign_in (window, "https://review.example.org", "", FALSE);
  g_assert_true (g_str_has_prefix (cs_sign_in_page_get_error (page), "Enter the access token"));

  /* Nothing listens on port 1 of this computer. */
  fill_and_sign_in (window, "http://127.0.0.1:1", "some-token", TRUE);
  g_assert_true (cs_test_wait_for (page_idle, page, 20));
  g_assert_true (g_str_has_prefix (cs_sign_in_page_get_error (page), "Cannot reach 127.0.0.1:1."));
  g_assert_cmpstr (visible_page (window), ==, "signed-out");
  g_assert_null (cs_application_get_sync (app));
  g_assert_true (keyring_empty ("http://127.0.0.1:1/"));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* The server stops accepting the token in use: the window asks again. */
static void
test_token_revoked (void)
{
  g_autofree char *token = NULL;
  g_autoptr(CsTestServer) server = start_server (&token);
  g_autofree char *new_token = NULL;
  g_autofree char *stored = NULL;
  const char *url = cs_test_server_get_url (server);
  CsWindow *window = cs_window_new (app);

  gtk_window_present (GTK_WINDOW (window));
  fill_and_sign_in (window, url, token, FALSE);
  g_assert_true (cs_test_wait_for (shows_review, window, 20));
  g_assert_true (cs_test_wait_for (reviewer_known, app, 20));

  g_assert_cmpint (cs_test_server_run (server, NULL, NULL, "token", "revoke", "r-17", NULL), ==, 0);
  cs_sync_wake (cs_application_get_sync (app));
  g_assert_true (cs_test_wait_for (shows_sign_in, window, 20));
  g_assert_cmpint (cs_sync_get_state (cs_application_get_sync (app)), ==, CS_SYNC_NEEDS_SIGN_IN);
  g_assert_nonnull (find_shown_label (GTK_WIDGET (sign_in_page (window)), "The server no longer accepts the token"));

  /* A new token for the same reviewer: back to work on the same store. The
   * address typed without its scheme: on this computer that means http. */
  new_token = cs_test_server_create_token (server, "r-17", "reviewer", "derm", NULL);
  g_assert_true (g_str_has_prefix (url, "http://"));
  fill_and_sign_in (window, url + strlen ("http://"), new_token, FALSE);
  g_assert_true (cs_test_wait_for (shows_review, window, 20));
  g_assert_true (cs_test_wait_for (reviewer_known, app, 20));
  stored = keyring_lookup (url);
  g_assert_cmpstr (stored, ==, new_token);

  cs_application_sign_out (app);
  g_assert_true (cs_test_wait_for (keyring_empty, (gpointer) url, 10));
  gtk_window_destroy (GTK_WINDOW (window));
}

/* The preferences window changes the running sync, and binds every key. */
static void
test_preferences (void)
{
  g_autofree char *token = NULL;
  g_autoptr(CsTestServer) server = start_server (&token);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_build_filename (tmp_root, "preferences", NULL);
  g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "app.preferences");
  GSettings *settings = cs_application_get_settings (app);
  CsWindow *window;
  GtkWindow *preferences;
  GtkWidget *backlog, *cache, *heatmap, *account;
  CsSync *sync;

  g_assert_true (g_strv_contains ((const char * const *) accels, "<Control>comma"));

  /* Signed in the way scripts do (--server and COUNTERSIGN_TOKEN). */
  g_assert_true (cs_application_connect (app, cs_test_server_get_url (server), token, dir, &error));
  g_assert_no_error (error);
  sync = cs_application_get_sync (app);
  window = cs_window_new (app);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_cmpstr (visible_page (window), ==, "review");
  g_assert_cmpuint (cs_sync_get_backlog (sync), ==, (guint) g_settings_get_int (settings, "backlog-size"));

  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  preferences = find_toplevel (CS_TYPE_PREFERENCES_WINDOW);
  g_assert_nonnull (preferences);
  g_assert_cmpstr (gtk_window_get_title (preferences), ==, "Preferences");

  backlog = cs_test_find_widget (find_row (GTK_WIDGET (preferences), ADW_TYPE_ACTION_ROW, "Cases to Keep Claimed"),
                                 GTK_TYPE_SPIN_BUTTON);
  cache = cs_test_find_widget (find_row (GTK_WIDGET (preferences), ADW_TYPE_ACTION_ROW, "Evidence Cache Size"),
                               GTK_TYPE_SPIN_BUTTON);
  heatmap = cs_test_find_widget (find_row (GTK_WIDGET (preferences), ADW_TYPE_ACTION_ROW, "Show by Default"),
                                 GTK_TYPE_SWITCH);
  g_assert_nonnull (backlog);
  g_assert_nonnull (cache);
  g_assert_nonnull (heatmap);

  /* Applied live to the running sync, through GSettings. */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (backlog), 123);
  g_assert_cmpint (g_settings_get_int (settings, "backlog-size"), ==, 123);
  g_assert_cmpuint (cs_sync_get_backlog (sync), ==, 123);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (cache), 512);
  g_assert_cmpint (g_settings_get_int (settings, "asset-cache-mb"), ==, 512);
  g_assert_cmpuint (cs_sync_get_asset_cache_bytes (sync), ==, (guint64) 512 * 1024 * 1024);

  /* The heatmap keys are bound both ways. */
  gtk_switch_set_active (GTK_SWITCH (heatmap), FALSE);
  g_assert_false (g_settings_get_boolean (settings, "heatmap-visible"));
  g_settings_set_boolean (settings, "heatmap-visible", TRUE);
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (heatmap)));
  {
    GtkWidget *opacity = cs_test_find_widget (find_row (GTK_WIDGET (preferences), ADW_TYPE_ACTION_ROW, "Opacity"), GTK_TYPE_SCALE);
    GtkWidget *threshold = cs_test_find_widget (find_row (GTK_WIDGET (preferences), ADW_TYPE_ACTION_ROW, "Threshold"), GTK_TYPE_SCALE);

    gtk_range_set_value (GTK_RANGE (opacity), 0.25);
    g_assert_cmpfloat_with_epsilon (g_settings_get_double (settings, "heatmap-opacity"), 0.25, 1e-9);
    g_settings_set_double (settings, "heatmap-threshold", 0.4);
    g_assert_cmpfloat_with_epsilon (gtk_range_get_value (GTK_RANGE (threshold)), 0.4, 1e-9);
  }

  /* The account: this server, and the reviewer once the server said who. */
  account = find_row (GTK_WIDGET (preferences), ADW_TYPE_ACTION_ROW, "Server");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (account)), ==, cs_test_server_get_url (server));
  g_assert_true (cs_test_wait_for (reviewer_known, app, 20));
  account = find_row (GTK_WIDGET (preferences), ADW_TYPE_ACTION_ROW, "Reviewer");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (account)), ==, "r-17");

  g_settings_reset (settings, "backlog-size");
  g_settings_reset (settings, "asset-cache-mb");
  g_settings_reset (settings, "heatmap-opacity");
  g_settings_reset (settings, "heatmap-threshold");
  g_assert_cmpuint (cs_sync_get_backlog (sync), ==, CS_SYNC_DEFAULT_BACKLOG);

  /* Signing out leaves the account rows saying so. */
  cs_application_sign_out (app);
  account = find_row (GTK_WIDGET (preferences), ADW_TYPE_ACTION_ROW, "Reviewer");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (account)), ==, "Not signed in");

  gtk_window_destroy (preferences);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* No Secret Service: the page says so, and signing in still works for this run. */
static void
run_without_keyring (void)
{
  g_autofree char *token = NULL;
  g_autoptr(CsTestServer) server = start_server (&token);
  const char *url = cs_test_server_get_url (server);
  GSettings *settings = cs_application_get_settings (app);
  GtkWindow *window;
  CsSignInPage *page;

  /* A saved address from an earlier run: the start-up lookup fails fast. */
  g_settings_set_string (settings, "server-url", url);
  g_application_activate (G_APPLICATION (app));
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  g_assert_true (CS_IS_WINDOW (window));
  page = sign_in_page (CS_WINDOW (window));
  g_assert_true (cs_test_wait_for (page_idle, page, 10));
  g_assert_false (cs_application_get_restoring (app));
  g_assert_nonnull (cs_application_get_keyring_error (app));
  g_assert_true (g_str_has_prefix (cs_application_get_keyring_error (app), "The keyring is not available: "));
  g_assert_cmpstr (visible_page (CS_WINDOW (window)), ==, "signed-out");
  g_assert_nonnull (find_shown_label (GTK_WIDGET (page), "The keyring is not available: "));

  /* Signing in still works; the token lives in memory only. */
  fill_and_sign_in (CS_WINDOW (window), url, token, FALSE);
  g_assert_true (cs_test_wait_for (shows_review, window, 20));
  g_assert_true (cs_test_wait_for (reviewer_known, app, 20));
  g_assert_nonnull (strstr (cs_application_get_keyring_error (app), "The token was not saved."));
  assert_not_in_settings (settings, token);

  cs_sync_stop (cs_application_get_sync (app));
  gtk_window_destroy (window);
}

static void
test_without_keyring (void)
{
  if (g_test_subprocess ())
    {
      run_without_keyring ();
      return;
    }
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *keyring = NULL;
  g_autofree char *data_home = NULL;
  g_autofree char *cache_home = NULL;
  int status;

  /* Before anything can touch libsecret or the XDG directories. */
  tmp_root = g_dir_make_tmp ("cs-sign-in-XXXXXX", &error);
  g_assert_no_error (error);
  keyring = g_build_filename (tmp_root, "keyring", NULL);
  data_home = g_build_filename (tmp_root, "data", NULL);
  cache_home = g_build_filename (tmp_root, "cache", NULL);
  g_setenv ("SECRET_BACKEND", "file", TRUE);
  g_setenv ("SECRET_FILE_TEST_PATH", keyring, TRUE);
  g_setenv ("SECRET_FILE_TEST_PASSWORD", "test", TRUE);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("XDG_CACHE_HOME", cache_home, TRUE);

  gtk_test_init (&argc, &argv, NULL);
  if (g_test_subprocess ())
    {
      /* A keyring that cannot be opened: its folder is a file. libsecret then
       * fails at once, as it does with no Secret Service. */
      g_autofree char *not_a_folder = g_build_filename (tmp_root, "not-a-folder", NULL);
      g_autofree char *unusable = g_build_filename (not_a_folder, "keyring", NULL);

      g_assert_true (g_file_set_contents (not_a_folder, "", 0, NULL));
      g_setenv ("SECRET_FILE_TEST_PATH", unusable, TRUE);
    }

  app = cs_test_application_new ();
  g_test_add_func ("/sign-in/first-run", test_first_run);
  g_test_add_func ("/sign-in/refused-addresses", test_refused_addresses);
  g_test_add_func ("/sign-in/token-revoked", test_token_revoked);
  g_test_add_func ("/sign-in/preferences", test_preferences);
  g_test_add_func ("/sign-in/without-keyring", test_without_keyring);
  status = g_test_run ();
  g_clear_object (&app);
  cs_test_remove_tree (tmp_root);
  g_free (tmp_root);
  return status;
}
