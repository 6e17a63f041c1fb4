/* cs-cli-output.c: what countersign-cli prints: JSON, tables and CSV.
 *
 * Output for programs (JSON, CSV) is written as UTF-8 bytes; g_print() would
 * turn characters the locale lacks into '?'. Tables are for people and go
 * through g_print() like any message.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <string.h>

#include "cs-cli.h"

void
cs_cli_write_raw (const char *text,
                  gssize      len)
{
  if (len < 0)
    len = (gssize) strlen (text);
  fwrite (text, 1, (size_t) len, stdout);
}

/* json-glib prints every double with 17 digits (0.52 as 0.52000000000000002).
 * Rewrites each number outside strings in the shortest form that reads back
 * as the same double. */
static char *
shortest_numbers (const char *json)
{
  GString *out = g_string_sized_new (strlen (json));
  gboolean in_string = FALSE;
  gboolean escaped = FALSE;

  for (const char *p = json; *p != '\0';)
    {
      if (in_string)
        {
          if (escaped)
            escaped = FALSE;
          else if (*p == '\\')
            escaped = TRUE;
          else if (*p == '"')
            in_string = FALSE;
          g_string_append_c (out, *p++);
        }
      else if (*p == '"')
        {
          in_string = TRUE;
          g_string_append_c (out, *p++);
        }
      else if (*p == '-' || g_ascii_isdigit (*p))
        {
          gsize n = strspn (p, "0123456789+-.eE");
          g_autofree char *token = g_strndup (p, n);

          if (strpbrk (token, ".eE") != NULL && n > 15)
            {
              double value = g_ascii_strtod (token, NULL);
              char buffer[G_ASCII_DTOSTR_BUF_SIZE];

              for (int digits = 15; digits <= 17; digits++)
                {
                  g_ascii_formatd (buffer, sizeof buffer, digits == 15 ? "%.15g" : digits == 16 ? "%.16g" : "%.17g",
                                   value);
                  if (g_ascii_strtod (buffer, NULL) == value)
                    break;
                }
              /* Keep it a JSON number that still reads as a double. */
              if (strpbrk (buffer, ".eEn") == NULL)
                g_strlcat (buffer, ".0", sizeof buffer);
              g_string_append (out, buffer);
            }
          else
            g_string_append (out, token);
          p += n;
        }
      else
        g_string_append_c (out, *p++);
    }
  return g_string_free (out, FALSE);
}

char *
cs_cli_json_to_string (JsonNode *node)
{
  g_autofree char *text = cs_json_to_string (node, NULL);

  return shortest_numbers (text);
}

void
cs_cli_print_json (JsonNode *node)
{
  g_autofree char *text = cs_cli_json_to_string (node);

  cs_cli_write_raw (text, -1);
  cs_cli_write_raw ("\n", 1);
}

JsonNode *
cs_cli_string_or_null (const char *value)
{
  if (value == NULL)
    return json_node_new (JSON_NODE_NULL);
  return json_node_init_string (json_node_alloc (), value);
}

void
cs_cli_csv_append_field (GString    *out,
                         const char *field)
{
  if (field == NULL)
    return;
  if (strpbrk (field, ",\"\r\n") == NULL)
    {
      g_string_append (out, field);
      return;
    }

  g_string_append_c (out, '"');
  for (const char *p = field; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

void
cs_cli_print_table (GPtrArray *rows)
{
  g_autofree glong *widths = NULL;
  guint n_columns = 0;

  for (guint r = 0; r < rows->len; r++)
    n_columns = MAX (n_columns, g_strv_length (g_ptr_array_index (rows, r)));
  widths = g_new0 (glong, MAX (n_columns, 1));

  for (guint r = 0; r < rows->len; r++)
    {
      char **cells = g_ptr_array_index (rows, r);

      for (guint c = 0; cells[c] != NULL; c++)
        widths[c] = MAX (widths[c], g_utf8_strlen (cells[c], -1));
    }

  for (guint r = 0; r < rows->len; r++)
    {
      char **cells = g_ptr_array_index (rows, r);
      g_autoptr(GString) line = g_string_new (NULL);

      for (guint c = 0; cells[c] != NULL; c++)
        {
          g_string_append (line, cells[c]);
          if (cells[c + 1] == NULL)
            break;
          for (glong pad = g_utf8_strlen (cells[c], -1); pad < widths[c] + 2; pad++)
            g_string_append_c (line, ' ');
        }
      g_print ("%s\n", line->str);
    }
}

char *
cs_cli_format_unix_time (gint64 unix_seconds)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (unix_seconds);

  return time != NULL ? cs_format_time (time) : NULL;
}
