/* cs-json.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "cs-json.h"

void
cs_json_set_error (GError     **error,
                   const char  *path,
                   const char  *member,
                   const char  *format,
                   ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);

  if (path != NULL && *path != '\0' && member != NULL)
    g_set_error (error, CS_ERROR, CS_ERROR_MALFORMED, "%s.%s: %s", path, member, msg);
  else if (member != NULL)
    g_set_error (error, CS_ERROR, CS_ERROR_MALFORMED, "%s: %s", member, msg);
  else if (path != NULL && *path != '\0')
    g_set_error (error, CS_ERROR, CS_ERROR_MALFORMED, "%s: %s", path, msg);
  else
    g_set_error_literal (error, CS_ERROR, CS_ERROR_MALFORMED, msg);
}

gboolean
cs_json_check_bounds (const char  *data,
                      gsize        len,
                      GError     **error)
{
  gboolean in_string = FALSE;
  gboolean escaped = FALSE;
  gboolean closed = FALSE;
  guint depth = 0;

  if (len > CS_JSON_MAX_BYTES)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_TOO_LARGE,
                   "The body is %" G_GSIZE_FORMAT " bytes, over the limit of %d bytes",
                   len, CS_JSON_MAX_BYTES);
      return FALSE;
    }

  /* A scan that only knows strings and brackets: enough to bound the nesting
   * before json-glib recurses into it. json-glib's scanner also takes
   * single-quoted strings and comments, which are not JSON and would hide
   * brackets from this scan, and it ignores whatever follows a top-level
   * array or object: refuse all three. */
  for (gsize i = 0; i < len; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (escaped)
            escaped = FALSE;
          else if (c == '\\')
            escaped = TRUE;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }

      if (closed && c != ' ' && c != '\t' && c != '\n' && c != '\r')
        {
          g_set_error (error, CS_ERROR, CS_ERROR_MALFORMED,
                       "The body is not valid JSON: data after its end at byte %" G_GSIZE_FORMAT, i);
          return FALSE;
        }

      switch (c)
        {
        case '"':
          in_string = TRUE;
          break;
        case '\'':
        case '/':
          g_set_error (error, CS_ERROR, CS_ERROR_MALFORMED,
                       "The body is not valid JSON: unexpected “%c” at byte %" G_GSIZE_FORMAT, c, i);
          return FALSE;
        case '[':
        case '{':
          if (++depth > CS_JSON_MAX_DEPTH)
            {
              g_set_error (error, CS_ERROR, CS_ERROR_TOO_LARGE,
                           "The body is nested deeper than %d levels", CS_JSON_MAX_DEPTH);
              return FALSE;
            }
          break;
        case ']':
        case '}':
          if (depth > 0 && --depth == 0)
            closed = TRUE;
          break;
        default:
          break;
        }
    }

  return TRUE;
}

/* json-glib turns an escaped lone surrogate ("\ud800") into bytes that are
 * not UTF-8. The depth is bounded by now, so the recursion is too. */
static gboolean
is_utf8 (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;

        json_object_iter_init (&iter, json_node_get_object (node));
        while (json_object_iter_next (&iter, &name, &member))
          if (!g_utf8_validate (name, -1, NULL) || !is_utf8 (member))
            return FALSE;
        return TRUE;
      }

    case JSON_NODE_ARRAY:
      {
        JsonArray *arr = json_node_get_array (node);

        for (guint i = 0; i < json_array_get_length (arr); i++)
          if (!is_utf8 (json_array_get_element (arr, i)))
            return FALSE;
        return TRUE;
      }

    case JSON_NODE_VALUE:
      return json_node_get_value_type (node) != G_TYPE_STRING ||
             g_utf8_validate (json_node_get_string (node), -1, NULL);

    case JSON_NODE_NULL:
    default:
      return TRUE;
    }
}

JsonNode *
cs_json_parse (const char  *data,
               gsize        len,
               GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (!cs_json_check_bounds (data, len, error))
    return NULL;

  if (len == 0)
    {
      g_set_error_literal (error, CS_ERROR, CS_ERROR_MALFORMED, "The body is empty");
      return NULL;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) len, &local_error))
    {
      /* json-glib quotes the offending token cut at a byte count, which can
       * split a character: keep the message valid UTF-8 for the reviewer. */
      g_autofree char *message = g_utf8_make_valid (local_error->message, -1);

      g_set_error (error, CS_ERROR, CS_ERROR_MALFORMED,
                   "The body is not valid JSON: %s", message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error_literal (error, CS_ERROR, CS_ERROR_MALFORMED, "The body is empty");
      return NULL;
    }

  if (!is_utf8 (root))
    {
      g_set_error_literal (error, CS_ERROR, CS_ERROR_MALFORMED,
                           "The body is not valid JSON: a string is not valid UTF-8");
      return NULL;
    }

  return json_node_ref (root);
}

JsonNode *
cs_json_parse_bytes (GBytes  *bytes,
                     GError **error)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);

  return cs_json_parse (data != NULL ? data : "", len, error);
}

/* json-glib 1.6 appends ".0" to every double it prints without a point, also
 * after an exponent: 2e-14 becomes "2e-14.0" and 1e22 "1e+22.0", which are
 * not JSON. Drops that ".0" in place; returns the new length. Outside
 * strings, an "e" after a digit can only start an exponent. */
static gsize
fix_exponents (char  *data,
               gsize  len)
{
  gboolean in_string = FALSE;
  gboolean escaped = FALSE;
  char prev = '\0';
  gsize out = 0;

  for (gsize i = 0; i < len; i++)
    {
      char c = data[i];

      data[out++] = c;
      if (in_string)
        {
          if (escaped)
            escaped = FALSE;
          else if (c == '\\')
            escaped = TRUE;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if ((c == 'e' || c == 'E') && g_ascii_isdigit (prev))
        {
          gsize j = i + 1;

          if (j < len && (data[j] == '+' || data[j] == '-'))
            data[out++] = data[j++];
          while (j < len && g_ascii_isdigit (data[j]))
            data[out++] = data[j++];
          if (j + 1 < len && data[j] == '.' && data[j + 1] == '0')
            j += 2;
          i = j - 1;
          c = '\0';
        }
      prev = c;
    }

  data[out] = '\0';
  return out;
}

JsonNode *
cs_json_node_take_object (JsonObject *obj)
{
  JsonNode *node = json_node_init_object (json_node_alloc (), obj);

  json_object_unref (obj);
  return node;
}

char *
cs_json_to_string (JsonNode *node,
                   gsize    *len)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  gsize n = 0;
  char *data;

  json_generator_set_root (gen, node);
  data = json_generator_to_data (gen, &n);
  n = fix_exponents (data, n);
  if (len != NULL)
    *len = n;
  return data;
}

GBytes *
cs_json_to_bytes (JsonNode *node)
{
  gsize len = 0;
  char *data = cs_json_to_string (node, &len);

  return g_bytes_new_take (data, len);
}

static JsonNode *
canonicalize (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *obj = json_node_get_object (node);
        g_autoptr(JsonObject) out = json_object_new ();
        GList *members = json_object_get_members (obj);

        members = g_list_sort (members, (GCompareFunc) strcmp);
        for (GList *l = members; l != NULL; l = l->next)
          json_object_set_member (out, l->data,
                                  canonicalize (json_object_get_member (obj, l->data)));
        g_list_free (members);
        return json_node_init_object (json_node_alloc (), out);
      }

    case JSON_NODE_ARRAY:
      {
        JsonArray *arr = json_node_get_array (node);
        g_autoptr(JsonArray) out = json_array_sized_new (json_array_get_length (arr));

        for (guint i = 0; i < json_array_get_length (arr); i++)
          json_array_add_element (out, canonicalize (json_array_get_element (arr, i)));
        return json_node_init_array (json_node_alloc (), out);
      }

    case JSON_NODE_VALUE:
    case JSON_NODE_NULL:
    default:
      return json_node_copy (node);
    }
}

char *
cs_json_canonical (JsonNode *node)
{
  g_autoptr(JsonNode) canon = canonicalize (node);

  return cs_json_to_string (canon, NULL);
}

static JsonNode *
get_member (JsonObject *obj,
            const char *member)
{
  JsonNode *node = json_object_get_member (obj, member);

  if (node != NULL && JSON_NODE_HOLDS_NULL (node))
    return NULL;
  return node;
}

static gboolean
missing (const char  *path,
         const char  *member,
         gboolean     required,
         GError     **error)
{
  if (required)
    {
      cs_json_set_error (error, path, member, "required field is missing");
      return FALSE;
    }
  return TRUE;
}

gboolean
cs_json_read_string (JsonObject  *obj,
                     const char  *path,
                     const char  *member,
                     gboolean     required,
                     char       **out,
                     GError     **error)
{
  JsonNode *node = get_member (obj, member);

  if (node == NULL)
    return missing (path, member, required, error);

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      cs_json_set_error (error, path, member, "expected a string");
      return FALSE;
    }

  g_free (*out);
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

gboolean
cs_json_read_double (JsonObject  *obj,
                     const char  *path,
                     const char  *member,
                     gboolean     required,
                     double      *out,
                     GError     **error)
{
  JsonNode *node = get_member (obj, member);
  GType type;

  if (node == NULL)
    return missing (path, member, required, error);

  type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  if (type == G_TYPE_DOUBLE)
    *out = json_node_get_double (node);
  else if (type == G_TYPE_INT64)
    *out = (double) json_node_get_int (node);
  else
    {
      cs_json_set_error (error, path, member, "expected a number");
      return FALSE;
    }

  if (!isfinite (*out))
    {
      cs_json_set_error (error, path, member, "expected a finite number");
      return FALSE;
    }

  return TRUE;
}

gboolean
cs_json_read_int (JsonObject  *obj,
                  const char  *path,
                  const char  *member,
                  gboolean     required,
                  gint64      *out,
                  GError     **error)
{
  JsonNode *node = get_member (obj, member);
  GType type;

  if (node == NULL)
    return missing (path, member, required, error);

  type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  if (type == G_TYPE_INT64)
    {
      *out = json_node_get_int (node);
      return TRUE;
    }
  if (type == G_TYPE_DOUBLE)
    {
      double d = json_node_get_double (node);

      /* 3.0 is an integer written by a generator that only knows doubles. */
      if (isfinite (d) && d == floor (d) && fabs (d) < 9007199254740992.0)
        {
          *out = (gint64) d;
          return TRUE;
        }
    }

  cs_json_set_error (error, path, member, "expected an integer");
  return FALSE;
}

gboolean
cs_json_read_bool (JsonObject  *obj,
                   const char  *path,
                   const char  *member,
                   gboolean     required,
                   gboolean    *out,
                   GError     **error)
{
  JsonNode *node = get_member (obj, member);

  if (node == NULL)
    return missing (path, member, required, error);

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    {
      cs_json_set_error (error, path, member, "expected true or false");
      return FALSE;
    }

  *out = json_node_get_boolean (node);
  return TRUE;
}

gboolean
cs_json_read_time (JsonObject  *obj,
                   const char  *path,
                   const char  *member,
                   gboolean     required,
                   GDateTime  **out,
                   GError     **error)
{
  g_autofree char *str = NULL;
  GDateTime *dt;

  if (!cs_json_read_string (obj, path, member, required, &str, error))
    return FALSE;
  if (str == NULL)
    return TRUE;

  dt = cs_parse_time (str);
  if (dt == NULL)
    {
      cs_json_set_error (error, path, member,
                         "expected an RFC 3339 time such as 2026-11-24T09:30:00Z, not “%s”", str);
      return FALSE;
    }

  g_clear_pointer (out, g_date_time_unref);
  *out = dt;
  return TRUE;
}

gboolean
cs_json_read_object (JsonObject   *obj,
                     const char   *path,
                     const char   *member,
                     gboolean      required,
                     JsonObject  **out,
                     GError      **error)
{
  JsonNode *node = get_member (obj, member);

  *out = NULL;
  if (node == NULL)
    return missing (path, member, required, error);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      cs_json_set_error (error, path, member, "expected an object");
      return FALSE;
    }

  *out = json_node_get_object (node);
  return TRUE;
}

gboolean
cs_json_read_array (JsonObject  *obj,
                    const char  *path,
                    const char  *member,
                    gboolean     required,
                    JsonArray  **out,
                    GError     **error)
{
  JsonNode *node = get_member (obj, member);

  *out = NULL;
  if (node == NULL)
    return missing (path, member, required, error);

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      cs_json_set_error (error, path, member, "expected an array");
      return FALSE;
    }

  *out = json_node_get_array (node);
  return TRUE;
}

gboolean
cs_json_read_strv (JsonObject   *obj,
                   const char   *path,
                   const char   *member,
                   gboolean      required,
                   char       ***out,
                   GError      **error)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  JsonArray *arr = NULL;

  if (!cs_json_read_array (obj, path, member, required, &arr, error))
    return FALSE;
  if (arr == NULL)
    return TRUE;

  builder = g_strv_builder_new ();
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      JsonNode *node = json_array_get_element (arr, i);

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        {
          g_autofree char *name = g_strdup_printf ("%s[%u]", member, i);
          cs_json_set_error (error, path, name, "expected a string");
          return FALSE;
        }
      g_strv_builder_add (builder, json_node_get_string (node));
    }

  g_strfreev (*out);
  *out = g_strv_builder_end (builder);
  return TRUE;
}
