/* cs-test-server.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <signal.h>
#include <string.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "cs-test-server.h"

#define START_TIMEOUT_S 20

struct _CsTestServer
{
  char              *bin;
  char              *data_dir;
  GPtrArray         *extra_args;   /* of char*, for restarts */
  GSubprocess       *process;
  GDataInputStream  *stdout_stream;
  char              *url;
  guint16            port;
  SoupSession       *session;
};

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
read_line_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  char **line = user_data;
  g_autoptr(GError) error = NULL;

  *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL, &error);
  if (*line == NULL)
    *line = g_strdup ("");  /* end of output: the server stopped */
}

/* Reads the server's "listening on URL" line, with a time limit, on a
 * private main context so that the test's own loop is not disturbed. */
static gboolean
wait_for_url (CsTestServer  *self,
              GError       **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GSource) timeout = g_timeout_source_new_seconds (START_TIMEOUT_S);
  g_autofree char *line = NULL;
  gboolean timed_out = FALSE;
  const char *prefix = "listening on ";

  g_main_context_push_thread_default (context);
  g_source_set_callback (timeout, timeout_cb, &timed_out, NULL);
  g_source_attach (timeout, context);
  g_data_input_stream_read_line_async (self->stdout_stream, G_PRIORITY_DEFAULT, NULL, read_line_cb, &line);
  while (line == NULL && !timed_out)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
  /* A silent server is stopped, so that the pending read ends (on this
   * context, before the context goes). */
  if (line == NULL)
    g_subprocess_force_exit (self->process);
  while (line == NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);

  if (timed_out || !g_str_has_prefix (line, prefix))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "countersign-server did not say where it listens (it said “%s”)", line);
      return FALSE;
    }

  self->url = g_strdup (line + strlen (prefix));
  {
    g_autoptr(GUri) uri = g_uri_parse (self->url, G_URI_FLAGS_NONE, error);

    if (uri == NULL)
      return FALSE;
    self->port = (guint16) g_uri_get_port (uri);
  }
  return TRUE;
}

/* A test that fails aborts before its teardown: the server must not outlive it. */
static void
die_with_parent (gpointer user_data)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGTERM);
#endif
}

static gboolean
spawn (CsTestServer  *self,
       const char    *listen,
       GError       **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  GInputStream *out;

  g_ptr_array_add (argv, self->bin);
  g_ptr_array_add (argv, (char *) "serve");
  g_ptr_array_add (argv, (char *) "--data");
  g_ptr_array_add (argv, self->data_dir);
  g_ptr_array_add (argv, (char *) "--listen");
  g_ptr_array_add (argv, (char *) listen);
  for (guint i = 0; i < self->extra_args->len; i++)
    g_ptr_array_add (argv, g_ptr_array_index (self->extra_args, i));
  g_ptr_array_add (argv, NULL);

  g_clear_pointer (&self->url, g_free);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  self->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, error);
  if (self->process == NULL)
    return FALSE;

  out = g_subprocess_get_stdout_pipe (self->process);
  self->stdout_stream = g_data_input_stream_new (out);

  if (!wait_for_url (self, error))
    {
      g_subprocess_force_exit (self->process);
      g_subprocess_wait (self->process, NULL, NULL);
      g_clear_object (&self->stdout_stream);
      g_clear_object (&self->process);
      return FALSE;
    }
  return TRUE;
}

CsTestServer *
cs_test_server_new_argv (const char * const *args)
{
  g_autoptr(GError) error = NULL;
  const char *bin = g_getenv ("CS_SERVER_BIN");
  CsTestServer *self;

  if (bin == NULL || *bin == '\0')
    {
      g_test_skip ("CS_SERVER_BIN is not set: the server was not built");
      return NULL;
    }

  self = g_new0 (CsTestServer, 1);
  self->bin = g_strdup (bin);
  self->extra_args = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (self->extra_args, g_strdup (args[i]));

  self->data_dir = g_dir_make_tmp ("cs-test-server-XXXXXX", &error);
  g_assert_no_error (error);

  if (!spawn (self, "127.0.0.1:0", &error))
    g_error ("Could not start %s: %s", bin, error->message);

  return self;
}

CsTestServer *
cs_test_server_new (const char *first_arg,
                    ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;

  va_start (ap, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (char *) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  return cs_test_server_new_argv ((const char * const *) args->pdata);
}

const char *
cs_test_server_get_url (CsTestServer *self)
{
  return self->url;
}

guint16
cs_test_server_get_port (CsTestServer *self)
{
  return self->port;
}

const char *
cs_test_server_get_data_dir (CsTestServer *self)
{
  return self->data_dir;
}

gboolean
cs_test_server_is_running (CsTestServer *self)
{
  return self->process != NULL;
}

static int
run_argv (CsTestServer  *self,
          GPtrArray     *argv,
          char         **stdout_text,
          char         **stderr_text)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_ptr_array_add (argv, NULL);
  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);

  if (stdout_text != NULL)
    *stdout_text = g_steal_pointer (&out);
  if (stderr_text != NULL)
    *stderr_text = g_steal_pointer (&err);
  else if (err != NULL && *err != '\0')
    g_test_message ("%s", err);

  return g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1;
}

int
cs_test_server_run (CsTestServer  *self,
                    char         **stdout_text,
                    char         **stderr_text,
                    const char    *command,
                    ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  va_list ap;

  g_ptr_array_add (argv, self->bin);
  g_ptr_array_add (argv, (char *) command);
  g_ptr_array_add (argv, (char *) "--data");
  g_ptr_array_add (argv, self->data_dir);
  va_start (ap, command);
  for (const char *arg = va_arg (ap, const char *); arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (ap);

  return run_argv (self, argv, stdout_text, stderr_text);
}

char *
cs_test_server_create_token (CsTestServer *self,
                             const char   *name,
                             const char   *role,
                             const char   *queues,
                             const char   *display_name)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  g_ptr_array_add (argv, self->bin);
  g_ptr_array_add (argv, (char *) "token");
  g_ptr_array_add (argv, (char *) "--data");
  g_ptr_array_add (argv, self->data_dir);
  g_ptr_array_add (argv, (char *) "create");
  g_ptr_array_add (argv, (char *) name);
  g_ptr_array_add (argv, (char *) "--role");
  g_ptr_array_add (argv, (char *) role);
  if (queues != NULL)
    {
      g_ptr_array_add (argv, (char *) "--queues");
      g_ptr_array_add (argv, (char *) queues);
    }
  if (display_name != NULL)
    {
      g_ptr_array_add (argv, (char *) "--display-name");
      g_ptr_array_add (argv, (char *) display_name);
    }

  status = run_argv (self, argv, &out, &err);
  if (status != 0)
    g_error ("token create %s failed (%d): %s", name, status, err);
  return g_strdup (g_strstrip (out));
}

static void
wait_exit (CsTestServer *self)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_wait (self->process, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&self->stdout_stream);
  g_clear_object (&self->process);
  /* Connections to the old process are dead. */
  if (self->session != NULL)
    soup_session_abort (self->session);
}

void
cs_test_server_stop (CsTestServer *self)
{
  if (self->process == NULL)
    return;
  g_subprocess_send_signal (self->process, SIGTERM);
  wait_exit (self);
}

void
cs_test_server_kill (CsTestServer *self)
{
  if (self->process == NULL)
    return;
  g_subprocess_send_signal (self->process, SIGKILL);
  wait_exit (self);
}

void
cs_test_server_restart (CsTestServer *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *same = NULL;

  g_return_if_fail (self->process == NULL);

  same = g_strdup_printf ("127.0.0.1:%u", self->port);
  if (self->port != 0 && spawn (self, same, &error))
    return;
  g_clear_error (&error);
  if (!spawn (self, "127.0.0.1:0", &error))
    g_error ("Could not restart %s: %s", self->bin, error->message);
}

static void
remove_tree (GFile *file)
{
  g_autoptr(GFileEnumerator) children = NULL;

  children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  if (children != NULL)
    {
      GFileInfo *info;

      while ((info = g_file_enumerator_next_file (children, NULL, NULL)) != NULL)
        {
          g_autoptr(GFile) child = g_file_get_child (file, g_file_info_get_name (info));

          remove_tree (child);
          g_object_unref (info);
        }
    }
  g_file_delete (file, NULL, NULL);
}

void
cs_test_remove_tree (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  remove_tree (file);
}

void
cs_test_server_free (CsTestServer *self)
{
  if (self == NULL)
    return;

  cs_test_server_stop (self);
  g_clear_object (&self->session);
  if (self->data_dir != NULL)
    {
      g_autoptr(GFile) dir = g_file_new_for_path (self->data_dir);
      remove_tree (dir);
    }
  g_ptr_array_unref (self->extra_args);
  g_free (self->data_dir);
  g_free (self->url);
  g_free (self->bin);
  g_free (self);
}

GBytes *
cs_test_http_bytes (CsTestServer        *self,
                    const char          *method,
                    const char          *path,
                    const char          *token,
                    const char          *content_type,
                    GBytes              *body,
                    const char * const  *request_headers,
                    SoupMessageHeaders **response_headers,
                    guint               *status)
{
  g_autofree char *uri = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers;
  GBytes *answer;

  g_assert_nonnull (self->url);
  if (self->session == NULL)
    self->session = soup_session_new_with_options ("timeout", 60, NULL);

  /* The URL ends with "/", the path starts with one. */
  uri = g_strconcat (self->url, *path == '/' ? path + 1 : path, NULL);
  msg = soup_message_new (method, uri);
  g_assert_nonnull (msg);
  headers = soup_message_get_request_headers (msg);

  if (token != NULL)
    {
      g_autofree char *value = g_strdup_printf ("Bearer %s", token);
      soup_message_headers_replace (headers, "Authorization", value);
    }
  for (guint i = 0; request_headers != NULL && request_headers[i] != NULL; i++)
    {
      g_auto(GStrv) pair = g_strsplit (request_headers[i], ":", 2);

      g_assert_nonnull (pair[1]);
      soup_message_headers_append (headers, g_strstrip (pair[0]), g_strstrip (pair[1]));
    }
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, content_type, body);

  answer = soup_session_send_and_read (self->session, msg, NULL, &error);
  g_assert_no_error (error);

  if (status != NULL)
    *status = soup_message_get_status (msg);
  if (response_headers != NULL)
    *response_headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  return answer;
}

JsonNode *
cs_test_http (CsTestServer *self,
              const char   *method,
              const char   *path,
              const char   *token,
              const char   *body_json,
              guint        *status)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len = 0;
  const char *data;

  if (body_json != NULL)
    body = g_bytes_new (body_json, strlen (body_json));
  answer = cs_test_http_bytes (self, method, path, token, "application/json", body, NULL, NULL, status);

  data = g_bytes_get_data (answer, &len);
  if (len == 0 || !json_parser_load_from_data (parser, data, (gssize) len, NULL) ||
      json_parser_get_root (parser) == NULL)
    return NULL;
  return json_node_copy (json_parser_get_root (parser));
}

JsonNode *
cs_test_http_expect (CsTestServer *self,
                     const char   *method,
                     const char   *path,
                     const char   *token,
                     const char   *body_json,
                     guint         expected)
{
  guint status = 0;
  JsonNode *node = cs_test_http (self, method, path, token, body_json, &status);

  if (status != expected)
    {
      g_autofree char *text = node ? json_to_string (node, FALSE) : g_strdup ("(no JSON)");
      g_error ("%s %s: expected status %u, got %u: %s", method, path, expected, status, text);
    }
  return node;
}
