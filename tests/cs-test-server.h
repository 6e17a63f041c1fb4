/* cs-test-server.h: a real countersign-server for GTest programs.
 *
 * Starts the built server (the path is in $CS_SERVER_BIN, which meson sets
 * for the tests) on 127.0.0.1 with a port of the system's choosing and a
 * fresh data directory, makes tokens with its `token create` command, stops,
 * kills and restarts it, and removes the directory at the end. A small
 * synchronous HTTP helper talks to it.
 *
 *   g_autoptr(CsTestServer) server = cs_test_server_new ("--lease-seconds", "2", NULL);
 *   g_autofree char *admin = cs_test_server_create_token (server, "admin", "admin", NULL, NULL);
 *   guint status;
 *   g_autoptr(JsonNode) me = cs_test_http (server, "GET", "/api/v1/me", admin, NULL, &status);
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _CsTestServer CsTestServer;

/* Starts a server with the extra `serve` arguments given (NULL-terminated).
 * A server that does not start fails the test. When $CS_SERVER_BIN is not
 * set the test is skipped (g_test_skip) and NULL is returned. */
CsTestServer *cs_test_server_new          (const char    *first_arg,
                                           ...) G_GNUC_NULL_TERMINATED;
CsTestServer *cs_test_server_new_argv     (const char * const *args);

/* "http://127.0.0.1:PORT/", valid while the server runs. */
const char   *cs_test_server_get_url      (CsTestServer  *self);
guint16       cs_test_server_get_port     (CsTestServer  *self);
const char   *cs_test_server_get_data_dir (CsTestServer  *self);
gboolean      cs_test_server_is_running   (CsTestServer  *self);

/* `token create NAME --role ROLE [--queues QUEUES] [--display-name NAME]`;
 * returns the token. @queues is comma-separated, or NULL. */
char         *cs_test_server_create_token (CsTestServer  *self,
                                           const char    *name,
                                           const char    *role,
                                           const char    *queues,
                                           const char    *display_name);

/* Runs `countersign-server COMMAND --data DIR ARGS…` (NULL-terminated after
 * @command) and returns its exit status; its standard output and error are
 * returned when asked for. */
int           cs_test_server_run          (CsTestServer  *self,
                                           char         **stdout_text,
                                           char         **stderr_text,
                                           const char    *command,
                                           ...) G_GNUC_NULL_TERMINATED;

/* SIGTERM and wait: a clean stop. */
void          cs_test_server_stop         (CsTestServer  *self);
/* SIGKILL and wait: a crash. */
void          cs_test_server_kill         (CsTestServer  *self);
/* Starts a stopped server again on the same data directory, on the same
 * port when it is still free (else on a new one: read the URL again). */
void          cs_test_server_restart      (CsTestServer  *self);
/* Stops the server if it runs and removes its data directory. */
void          cs_test_server_free         (CsTestServer  *self);

/* One request, synchronously. @token may be NULL (no Authorization header);
 * @body_json may be NULL. Returns the answer parsed as JSON, or NULL when it
 * is empty or not JSON; *status is the HTTP status. */
JsonNode     *cs_test_http                (CsTestServer  *self,
                                           const char    *method,
                                           const char    *path,
                                           const char    *token,
                                           const char    *body_json,
                                           guint         *status);
/* The same with raw bytes both ways. @request_headers (may be NULL) are
 * "Name: value" strings; *response_headers, when asked for, is a ref. */
GBytes       *cs_test_http_bytes          (CsTestServer        *self,
                                           const char          *method,
                                           const char          *path,
                                           const char          *token,
                                           const char          *content_type,
                                           GBytes              *body,
                                           const char * const  *request_headers,
                                           SoupMessageHeaders **response_headers,
                                           guint               *status);

/* Like cs_test_http, and fails the test unless the status is @expected. */
JsonNode     *cs_test_http_expect         (CsTestServer  *self,
                                           const char    *method,
                                           const char    *path,
                                           const char    *token,
                                           const char    *body_json,
                                           guint          expected);

/* Removes @path and everything below it (links are not followed). */
void          cs_test_remove_tree         (const char    *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsTestServer, cs_test_server_free)

G_END_DECLS
