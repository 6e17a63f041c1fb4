/* cs-json.h: bounded JSON parsing and strict field readers for the codec.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include "cs-types.h"

G_BEGIN_DECLS

/* json-glib 1.6 has no depth limit: bodies are checked before they are parsed. */
#define CS_JSON_MAX_BYTES (8 * 1024 * 1024)
#define CS_JSON_MAX_DEPTH 64

/* Parses @data (which need not be NUL-terminated) after checking its size and
 * nesting depth. Errors are CS_ERROR_TOO_LARGE or CS_ERROR_MALFORMED. */
JsonNode   *cs_json_parse          (const char   *data,
                                    gsize         len,
                                    GError      **error);
JsonNode   *cs_json_parse_bytes    (GBytes       *bytes,
                                    GError      **error);
/* Checks size and depth, and refuses what json-glib accepts but JSON has not
 * (single-quoted strings, comments, data after the top-level value). */
gboolean    cs_json_check_bounds   (const char   *data,
                                    gsize         len,
                                    GError      **error);
/* A node holding @obj, taking over the caller's reference. */
JsonNode   *cs_json_node_take_object (JsonObject *obj);
/* Compact serialisation. */
char       *cs_json_to_string      (JsonNode     *node,
                                    gsize        *len);
GBytes     *cs_json_to_bytes       (JsonNode     *node);
/* Canonical form: object members sorted by name, no spaces (used for hashes). */
char       *cs_json_canonical      (JsonNode     *node);

/* Strict readers. @path names the enclosing object ("prediction") for the error
 * message; a missing member with @required FALSE, or a JSON null, leaves the
 * default in *out and returns TRUE. */
gboolean    cs_json_read_string    (JsonObject   *obj,
                                    const char   *path,
                                    const char   *member,
                                    gboolean      required,
                                    char        **out,
                                    GError      **error);
gboolean    cs_json_read_double    (JsonObject   *obj,
                                    const char   *path,
                                    const char   *member,
                                    gboolean      required,
                                    double       *out,
                                    GError      **error);
gboolean    cs_json_read_int       (JsonObject   *obj,
                                    const char   *path,
                                    const char   *member,
                                    gboolean      required,
                                    gint64       *out,
                                    GError      **error);
gboolean    cs_json_read_bool      (JsonObject   *obj,
                                    const char   *path,
                                    const char   *member,
                                    gboolean      required,
                                    gboolean     *out,
                                    GError      **error);
gboolean    cs_json_read_time      (JsonObject   *obj,
                                    const char   *path,
                                    const char   *member,
                                    gboolean      required,
                                    GDateTime   **out,
                                    GError      **error);
/* *out is NULL when absent/null and not required. Borrowed, not owned. */
gboolean    cs_json_read_object    (JsonObject   *obj,
                                    const char   *path,
                                    const char   *member,
                                    gboolean      required,
                                    JsonObject  **out,
                                    GError      **error);
gboolean    cs_json_read_array     (JsonObject   *obj,
                                    const char   *path,
                                    const char   *member,
                                    gboolean      required,
                                    JsonArray   **out,
                                    GError      **error);
/* An array of strings as a NULL-terminated strv. */
gboolean    cs_json_read_strv      (JsonObject   *obj,
                                    const char   *path,
                                    const char   *member,
                                    gboolean      required,
                                    char       ***out,
                                    GError      **error);

/* Sets CS_ERROR_MALFORMED with "path.member: message". */
void        cs_json_set_error      (GError      **error,
                                    const char   *path,
                                    const char   *member,
                                    const char   *format,
                                    ...) G_GNUC_PRINTF (4, 5);

G_END_DECLS
