/* cs-test-json.h: reading the server's JSON answers in GTest programs.
 *
 * A path names a member or array element at each dot, from @node down:
 *
 *   g_assert_cmpstr (cs_test_json_string (answer, "error.code"), ==, "conflict");
 *   g_assert_cmpint (cs_test_json_int (answer, "results.0.case.version"), ==, 2);
 *
 * The readers of numbers fail the test when the value is missing or of
 * another type, so that an answer that changes shape never reads as zero.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The node at @path ("points.36.ci95.0"), or NULL when there is none. */
JsonNode   *cs_test_json_at            (JsonNode   *node,
                                        const char *path);
/* The string at @path, or NULL when there is none or it is not a string. */
const char *cs_test_json_string        (JsonNode   *node,
                                        const char *path);
/* The integer at @path; anything else fails the test. */
gint64      cs_test_json_int           (JsonNode   *node,
                                        const char *path);
/* The number (integer or not) at @path; anything else fails the test. */
double      cs_test_json_double        (JsonNode   *node,
                                        const char *path);
/* The same, and NAN where the value is null (a figure with no data). */
double      cs_test_json_double_or_nan (JsonNode   *node,
                                        const char *path);
/* The boolean at @path; anything else fails the test. */
gboolean    cs_test_json_bool          (JsonNode   *node,
                                        const char *path);
/* TRUE when @path is there and holds null (not when it is missing). */
gboolean    cs_test_json_is_null       (JsonNode   *node,
                                        const char *path);
/* The length of the array at @path (at @node itself when @path is NULL);
 * anything else fails the test. */
guint       cs_test_json_len           (JsonNode   *node,
                                        const char *path);
/* TRUE when the array of strings at @path holds @value. */
gboolean    cs_test_json_strv_contains (JsonNode   *node,
                                        const char *path,
                                        const char *value);
/* @text parsed, as a new node; text that is not JSON fails the test. */
JsonNode   *cs_test_json_parse         (const char *text);
/* json_node_unref() that takes NULL, for answers that may be empty. */
void        cs_test_json_drop          (JsonNode   *node);

G_END_DECLS
