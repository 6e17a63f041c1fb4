/* cs-test-json.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include "cs-test-json.h"

JsonNode *
cs_test_json_at (JsonNode   *node,
                 const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, ".", -1);

  for (guint i = 0; parts[i] != NULL && node != NULL; i++)
    {
      if (JSON_NODE_HOLDS_OBJECT (node))
        node = json_object_get_member (json_node_get_object (node), parts[i]);
      else if (JSON_NODE_HOLDS_ARRAY (node))
        {
          JsonArray *arr = json_node_get_array (node);
          guint64 index;

          if (!g_ascii_string_to_unsigned (parts[i], 10, 0, G_MAXUINT, &index, NULL) ||
              index >= json_array_get_length (arr))
            return NULL;
          node = json_array_get_element (arr, (guint) index);
        }
      else
        return NULL;
    }
  return node;
}

const char *
cs_test_json_string (JsonNode   *node,
                     const char *path)
{
  JsonNode *n = cs_test_json_at (node, path);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

gint64
cs_test_json_int (JsonNode   *node,
                  const char *path)
{
  JsonNode *n = cs_test_json_at (node, path);

  g_assert_nonnull (n);
  g_assert_true (JSON_NODE_HOLDS_VALUE (n));
  g_assert_cmpint (json_node_get_value_type (n), ==, G_TYPE_INT64);
  return json_node_get_int (n);
}

double
cs_test_json_double (JsonNode   *node,
                     const char *path)
{
  JsonNode *n = cs_test_json_at (node, path);

  /* The path in the message: a figure missing from a report says which. */
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    g_error ("no number at %s", path);
  if (json_node_get_value_type (n) == G_TYPE_INT64)
    return (double) json_node_get_int (n);
  g_assert_cmpint (json_node_get_value_type (n), ==, G_TYPE_DOUBLE);
  return json_node_get_double (n);
}

double
cs_test_json_double_or_nan (JsonNode   *node,
                            const char *path)
{
  JsonNode *n = cs_test_json_at (node, path);

  if (n == NULL)
    g_error ("nothing at %s", path);
  if (JSON_NODE_HOLDS_NULL (n))
    return NAN;
  return cs_test_json_double (node, path);
}

gboolean
cs_test_json_bool (JsonNode   *node,
                   const char *path)
{
  JsonNode *n = cs_test_json_at (node, path);

  g_assert_nonnull (n);
  g_assert_true (JSON_NODE_HOLDS_VALUE (n));
  g_assert_cmpint (json_node_get_value_type (n), ==, G_TYPE_BOOLEAN);
  return json_node_get_boolean (n);
}

gboolean
cs_test_json_is_null (JsonNode   *node,
                      const char *path)
{
  JsonNode *n = cs_test_json_at (node, path);

  return n != NULL && JSON_NODE_HOLDS_NULL (n);
}

guint
cs_test_json_len (JsonNode   *node,
                  const char *path)
{
  JsonNode *n = path ? cs_test_json_at (node, path) : node;

  g_assert_nonnull (n);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (n));
  return json_array_get_length (json_node_get_array (n));
}

gboolean
cs_test_json_strv_contains (JsonNode   *node,
                            const char *path,
                            const char *value)
{
  for (guint i = 0; i < cs_test_json_len (node, path); i++)
    {
      g_autofree char *item = g_strdup_printf ("%s.%u", path, i);

      if (g_strcmp0 (cs_test_json_string (node, item), value) == 0)
        return TRUE;
    }
  return FALSE;
}

JsonNode *
cs_test_json_parse (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

void
cs_test_json_drop (JsonNode *node)
{
  if (node != NULL)
    json_node_unref (node);
}
