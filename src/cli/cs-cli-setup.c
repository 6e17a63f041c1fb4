/* cs-cli-setup.c: finding the store and the server, as the workstation does.
 *
 * The layout is src/app/cs-application.c's: with --data-dir the store is
 * DIR/countersign.db and the evidence DIR/assets; without it the store is the
 * workstation's own for that server and the evidence its shared cache.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n.h>

#include "cs-cli.h"

#define STORE_FILE "countersign.db"

void
cs_cli_paths_clear (CsCliPaths *paths)
{
  g_clear_pointer (&paths->db_path, g_free);
  g_clear_pointer (&paths->asset_dir, g_free);
}

/* Stores the workstation keeps under $XDG_DATA_HOME/countersign/<host_port>/. */
static GPtrArray *
find_default_stores (void)
{
  g_autofree char *base = g_build_filename (g_get_user_data_dir (), "countersign", NULL);
  g_autoptr(GDir) dir = g_dir_open (base, 0, NULL);
  GPtrArray *found = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (base, name, STORE_FILE, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (found, g_steal_pointer (&path));
    }
  g_ptr_array_sort (found, (GCompareFunc) g_strcmp0);
  return found;
}

static char *
join_parents (GPtrArray *paths)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < paths->len; i++)
    {
      g_autofree char *dir = g_path_get_dirname (g_ptr_array_index (paths, i));
      g_autofree char *host = g_path_get_basename (dir);

      if (i > 0)
        g_string_append (text, ", ");
      g_string_append (text, host);
    }
  return g_string_free (text, FALSE);
}

CsStore *
cs_cli_open_store (CsCli       *cli,
                   gboolean     create,
                   CsCliPaths  *paths,
                   int         *exit_code,
                   GError     **error)
{
  g_autoptr(CsStore) store = NULL;

  *exit_code = CS_CLI_EXIT_FAILED;

  if (cli->data_dir != NULL)
    {
      paths->db_path = cs_store_default_path (cli->server_url, cli->data_dir);
      paths->asset_dir = g_build_filename (cli->data_dir, "assets", NULL);
    }
  else
    {
      paths->asset_dir = g_build_filename (g_get_user_cache_dir (), "countersign", "assets", NULL);
      if (cli->server_url != NULL)
        paths->db_path = cs_store_default_path (cli->server_url, NULL);
      else
        {
          g_autoptr(GPtrArray) found = find_default_stores ();

          if (found->len == 1)
            paths->db_path = g_strdup (g_ptr_array_index (found, 0));
          else if (found->len > 1)
            {
              g_autofree char *hosts = join_parents (found);

              *exit_code = CS_CLI_EXIT_USAGE;
              g_set_error (error, CS_ERROR, CS_ERROR_INVALID_ARGUMENT,
                           _("There is data for several servers here (%s): choose one with --server URL"), hosts);
              return NULL;
            }
          else if (create)
            {
              *exit_code = CS_CLI_EXIT_USAGE;
              g_set_error (error, CS_ERROR, CS_ERROR_INVALID_ARGUMENT,
                           _("Which server? Give it with --server URL (it is remembered after the first sync)"));
              return NULL;
            }
          else
            {
              g_set_error (error, CS_ERROR, CS_ERROR_NOT_FOUND,
                           _("There is no local data yet; sign in first: run %s --server URL sync --once"),
                           CS_CLI_NAME);
              return NULL;
            }
        }
    }

  /* Reading commands never create a store: an empty one would only hide a
   * mistyped --data-dir. */
  if (!create && !g_file_test (paths->db_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_NOT_FOUND,
                   _("There is no local data in %s yet; sign in first: run %s sync --once"),
                   paths->db_path, CS_CLI_NAME);
      return NULL;
    }

  store = cs_store_open (paths->db_path, error);
  if (store == NULL)
    return NULL;

  *exit_code = CS_CLI_EXIT_OK;
  return g_steal_pointer (&store);
}

CsStore *
cs_cli_open_existing_store (CsCli              *cli,
                            const CsCliCommand *command,
                            int                *exit_code)
{
  g_auto(CsCliPaths) paths = { 0 };
  g_autoptr(GError) error = NULL;
  CsStore *store;
  int code;

  store = cs_cli_open_store (cli, FALSE, &paths, &code, &error);
  if (store == NULL)
    *exit_code = code == CS_CLI_EXIT_USAGE ? cs_cli_usage_error (command, "%s", error->message)
                                           : cs_cli_fail_error (error);
  return store;
}

/* "http://LOCALHOST:8765" and "http://localhost:8765/" are one server. */
static char *
normalize_url (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_SCHEME_NORMALIZE, NULL);
  g_autoptr(GUri) plain = NULL;
  g_autofree char *host = NULL;
  g_autofree char *text = NULL;

  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return g_strdup (url);
  host = g_ascii_strdown (g_uri_get_host (uri), -1);
  plain = g_uri_build (G_URI_FLAGS_NONE, g_uri_get_scheme (uri), NULL, host, g_uri_get_port (uri),
                       g_uri_get_path (uri), NULL, NULL);
  text = g_uri_to_string (plain);
  if (!g_str_has_suffix (text, "/"))
    return g_strconcat (text, "/", NULL);
  return g_steal_pointer (&text);
}

char *
cs_cli_server_for_store (CsCli       *cli,
                         CsStore     *store,
                         int         *exit_code,
                         GError     **error)
{
  g_autofree char *stored = cs_store_get_meta (store, "server");

  *exit_code = CS_CLI_EXIT_FAILED;

  if (cli->server_url != NULL)
    {
      if (stored != NULL)
        {
          g_autofree char *given = normalize_url (cli->server_url);
          g_autofree char *known = normalize_url (stored);

          /* One store holds one server's cases and cursor: never mix two. */
          if (!g_str_equal (given, known))
            {
              g_set_error (error, CS_ERROR, CS_ERROR_INVALID_ARGUMENT,
                           _("The data in %s belongs to %s; use that server, or another --data-dir for %s"),
                           cs_store_get_path (store), stored, cli->server_url);
              return NULL;
            }
        }
      *exit_code = CS_CLI_EXIT_OK;
      return g_strdup (cli->server_url);
    }

  if (stored == NULL)
    {
      *exit_code = CS_CLI_EXIT_USAGE;
      g_set_error (error, CS_ERROR, CS_ERROR_INVALID_ARGUMENT,
                   _("Which server? Give it with --server URL (it is remembered after the first sync)"));
      return NULL;
    }

  *exit_code = CS_CLI_EXIT_OK;
  return g_steal_pointer (&stored);
}
