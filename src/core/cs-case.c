/* cs-case.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "cs-case.h"
#include "cs-json.h"

struct _CsCase
{
  GObject        parent_instance;

  char          *id;
  gint64         version;
  char          *queue;
  CsCaseStatus   status;
  char          *assigned_to;
  GDateTime     *lease_until;
  GDateTime     *created_at;
  GDateTime     *due_at;
  double         priority;

  gboolean       has_trigger;
  CsTriggerKind  trigger_kind;
  char          *trigger_detail;
  double         trigger_threshold;

  CsSubjectKind  subject_kind;
  char          *title;
  CsAsset       *subject_asset;
  char          *subject_text;
  GPtrArray     *subject_fields;

  char          *model_name;
  char          *model_version;

  char          *predicted_label;
  double         confidence;
  GPtrArray     *alternatives;

  char          *summary;
  CsHeatmap     *heatmap;
  GPtrArray     *regions;
  GPtrArray     *attributions;
  GPtrArray     *spans;

  char         **labels;
  CsPolicy       policy;
  GPtrArray     *context;
  CsDecided     *decided;
  CsDecided     *first_decision;
};

G_DEFINE_FINAL_TYPE (CsCase, cs_case, G_TYPE_OBJECT)

void
cs_asset_free (CsAsset *asset)
{
  if (asset == NULL)
    return;
  g_free (asset->sha256);
  g_free (asset->media_type);
  g_free (asset);
}

CsAsset *
cs_asset_copy (const CsAsset *asset)
{
  CsAsset *copy;

  if (asset == NULL)
    return NULL;
  copy = g_memdup2 (asset, sizeof *asset);
  copy->sha256 = g_strdup (asset->sha256);
  copy->media_type = g_strdup (asset->media_type);
  return copy;
}

void
cs_alternative_free (CsAlternative *alt)
{
  if (alt == NULL)
    return;
  g_free (alt->label);
  g_free (alt);
}

void
cs_region_free (CsRegion *region)
{
  if (region == NULL)
    return;
  g_free (region->label);
  g_free (region);
}

void
cs_attribution_free (CsAttribution *attribution)
{
  if (attribution == NULL)
    return;
  g_free (attribution->feature);
  g_free (attribution->display);
  g_free (attribution);
}

void
cs_span_free (CsSpan *span)
{
  if (span == NULL)
    return;
  g_free (span->label);
  g_free (span);
}

void
cs_field_free (CsField *field)
{
  if (field == NULL)
    return;
  g_free (field->name);
  g_clear_pointer (&field->value, json_node_unref);
  g_free (field->display);
  g_free (field);
}

void
cs_heatmap_free (CsHeatmap *heatmap)
{
  if (heatmap == NULL)
    return;
  g_free (heatmap->kind);
  cs_asset_free (heatmap->asset);
  g_free (heatmap->grid_values);
  g_free (heatmap);
}

void
cs_decided_free (CsDecided *decided)
{
  if (decided == NULL)
    return;
  g_free (decided->by);
  g_free (decided->label);
  g_clear_pointer (&decided->at, g_date_time_unref);
  g_free (decided->id);
  g_free (decided->rationale);
  g_free (decided);
}

CsDecided *
cs_decided_copy (const CsDecided *decided)
{
  CsDecided *copy;

  if (decided == NULL)
    return NULL;
  copy = g_new0 (CsDecided, 1);
  copy->by = g_strdup (decided->by);
  copy->action = decided->action;
  copy->label = g_strdup (decided->label);
  copy->at = decided->at ? g_date_time_ref (decided->at) : NULL;
  copy->id = g_strdup (decided->id);
  copy->rationale = g_strdup (decided->rationale);
  return copy;
}

static void
cs_case_finalize (GObject *object)
{
  CsCase *self = CS_CASE (object);

  g_free (self->id);
  g_free (self->queue);
  g_free (self->assigned_to);
  g_clear_pointer (&self->lease_until, g_date_time_unref);
  g_clear_pointer (&self->created_at, g_date_time_unref);
  g_clear_pointer (&self->due_at, g_date_time_unref);
  g_free (self->trigger_detail);
  g_free (self->title);
  cs_asset_free (self->subject_asset);
  g_free (self->subject_text);
  g_ptr_array_unref (self->subject_fields);
  g_free (self->model_name);
  g_free (self->model_version);
  g_free (self->predicted_label);
  g_ptr_array_unref (self->alternatives);
  g_free (self->summary);
  cs_heatmap_free (self->heatmap);
  g_ptr_array_unref (self->regions);
  g_ptr_array_unref (self->attributions);
  g_ptr_array_unref (self->spans);
  g_strfreev (self->labels);
  g_ptr_array_unref (self->context);
  cs_decided_free (self->decided);
  cs_decided_free (self->first_decision);

  G_OBJECT_CLASS (cs_case_parent_class)->finalize (object);
}

static void
cs_case_class_init (CsCaseClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cs_case_finalize;
}

static void
cs_case_init (CsCase *self)
{
  self->subject_fields = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_field_free);
  self->alternatives = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_alternative_free);
  self->regions = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_region_free);
  self->attributions = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_attribution_free);
  self->spans = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_span_free);
  self->context = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_field_free);
  self->labels = g_new0 (char *, 1);
  self->trigger_threshold = NAN;
  self->trigger_kind = CS_TRIGGER_OTHER;
  cs_policy_init_default (&self->policy);
}

/* Parsing */

static gboolean
check_fraction (double       value,
                const char  *path,
                const char  *member,
                GError     **error)
{
  if (value < 0 || value > 1)
    {
      cs_json_set_error (error, path, member, "must be between 0 and 1, not %g", value);
      return FALSE;
    }
  return TRUE;
}

static gboolean
has_value (JsonObject *obj,
           const char *member)
{
  JsonNode *node = json_object_get_member (obj, member);

  return node != NULL && !JSON_NODE_HOLDS_NULL (node);
}

static CsAsset *
parse_asset (JsonObject  *obj,
             const char  *path,
             GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  CsAsset *asset = g_new0 (CsAsset, 1);

  asset->bytes = asset->width = asset->height = -1;

  if (!cs_json_read_string (obj, path, "sha256", TRUE, &asset->sha256, error) ||
      !cs_json_read_string (obj, path, "media_type", TRUE, &asset->media_type, error) ||
      !cs_json_read_int (obj, path, "bytes", FALSE, &asset->bytes, error) ||
      !cs_json_read_int (obj, path, "width", FALSE, &asset->width, error) ||
      !cs_json_read_int (obj, path, "height", FALSE, &asset->height, error))
    goto fail;

  if (!cs_is_sha256 (asset->sha256))
    {
      cs_json_set_error (error, path, "sha256", "expected 64 lowercase hexadecimal digits");
      goto fail;
    }

  /* -1 stands for "not given" (absent or null), so look at what was given. */
  if (has_value (obj, "bytes") && asset->bytes < 0)
    {
      cs_json_set_error (error, path, "bytes", "must not be negative");
      goto fail;
    }
  if (has_value (obj, "width") && asset->width <= 0)
    {
      cs_json_set_error (error, path, "width", "must be positive");
      goto fail;
    }
  if (has_value (obj, "height") && asset->height <= 0)
    {
      cs_json_set_error (error, path, "height", "must be positive");
      goto fail;
    }

  return asset;

fail:
  cs_asset_free (asset);
  return NULL;
}

static char *
display_scalar (JsonNode *node)
{
  if (JSON_NODE_HOLDS_NULL (node))
    return g_strdup ("—");

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (node));
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      return g_strdup_printf ("%g", json_node_get_double (node));
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? "true" : "false");
    default:
      return g_strdup ("");
    }
}

static gboolean
parse_fields (JsonObject  *obj,
              const char  *path,
              GPtrArray   *out,
              GError     **error)
{
  GList *members;
  gboolean ok = TRUE;

  if (obj == NULL)
    return TRUE;

  members = json_object_get_members (obj);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node = json_object_get_member (obj, name);
      CsField *field;

      if (!JSON_NODE_HOLDS_VALUE (node) && !JSON_NODE_HOLDS_NULL (node))
        {
          cs_json_set_error (error, path, name, "expected a string, number, boolean or null");
          ok = FALSE;
          break;
        }
      /* json-glib reads 1e400 as infinity, which no JSON can hold to write back. */
      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_DOUBLE &&
          !isfinite (json_node_get_double (node)))
        {
          cs_json_set_error (error, path, name, "expected a finite number");
          ok = FALSE;
          break;
        }

      field = g_new0 (CsField, 1);
      field->name = g_strdup (name);
      field->value = json_node_copy (node);
      field->display = display_scalar (node);
      g_ptr_array_add (out, field);
    }
  g_list_free (members);

  return ok;
}

static gboolean
parse_trigger (CsCase      *self,
               JsonObject  *obj,
               GError     **error)
{
  g_autofree char *kind = NULL;

  if (!cs_json_read_string (obj, "trigger", "kind", TRUE, &kind, error) ||
      !cs_json_read_string (obj, "trigger", "detail", FALSE, &self->trigger_detail, error) ||
      !cs_json_read_double (obj, "trigger", "threshold", FALSE, &self->trigger_threshold, error))
    return FALSE;

  /* An unknown kind from a newer server is shown as "other", not refused. */
  if (!cs_trigger_kind_from_string (kind, &self->trigger_kind))
    self->trigger_kind = CS_TRIGGER_OTHER;
  self->has_trigger = TRUE;
  return TRUE;
}

static gboolean
parse_subject (CsCase      *self,
               JsonObject  *obj,
               GError     **error)
{
  g_autofree char *kind = NULL;
  JsonObject *asset = NULL, *fields = NULL;

  if (!cs_json_read_string (obj, "subject", "kind", TRUE, &kind, error))
    return FALSE;
  if (!cs_subject_kind_from_string (kind, &self->subject_kind))
    {
      cs_json_set_error (error, "subject", "kind",
                         "“%s” is not one of image, document, text, tabular", kind);
      return FALSE;
    }

  if (!cs_json_read_string (obj, "subject", "title", TRUE, &self->title, error))
    return FALSE;

  switch (self->subject_kind)
    {
    case CS_SUBJECT_IMAGE:
    case CS_SUBJECT_DOCUMENT:
      if (!cs_json_read_object (obj, "subject", "asset", TRUE, &asset, error))
        return FALSE;
      break;
    case CS_SUBJECT_TEXT:
      if (!cs_json_read_object (obj, "subject", "asset", FALSE, &asset, error) ||
          !cs_json_read_string (obj, "subject", "text", TRUE, &self->subject_text, error))
        return FALSE;
      if (!g_utf8_validate (self->subject_text, -1, NULL))
        {
          cs_json_set_error (error, "subject", "text", "is not valid UTF-8");
          return FALSE;
        }
      break;
    case CS_SUBJECT_TABULAR:
      if (!cs_json_read_object (obj, "subject", "asset", FALSE, &asset, error) ||
          !cs_json_read_object (obj, "subject", "fields", TRUE, &fields, error))
        return FALSE;
      break;
    default:
      g_assert_not_reached ();
    }

  if (self->subject_kind != CS_SUBJECT_TEXT &&
      !cs_json_read_string (obj, "subject", "text", FALSE, &self->subject_text, error))
    return FALSE;

  if (self->subject_kind != CS_SUBJECT_TABULAR &&
      !cs_json_read_object (obj, "subject", "fields", FALSE, &fields, error))
    return FALSE;

  if (asset != NULL && !(self->subject_asset = parse_asset (asset, "subject.asset", error)))
    return FALSE;

  return parse_fields (fields, "subject.fields", self->subject_fields, error);
}

static gboolean
parse_prediction (CsCase      *self,
                  JsonObject  *obj,
                  GError     **error)
{
  JsonArray *alts = NULL;

  if (!cs_json_read_string (obj, "prediction", "label", TRUE, &self->predicted_label, error) ||
      !cs_json_read_double (obj, "prediction", "confidence", TRUE, &self->confidence, error) ||
      !check_fraction (self->confidence, "prediction", "confidence", error) ||
      !cs_json_read_array (obj, "prediction", "alternatives", FALSE, &alts, error))
    return FALSE;

  for (guint i = 0; alts != NULL && i < json_array_get_length (alts); i++)
    {
      g_autofree char *path = g_strdup_printf ("prediction.alternatives[%u]", i);
      JsonNode *node = json_array_get_element (alts, i);
      CsAlternative *alt;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          cs_json_set_error (error, path, NULL, "expected an object");
          return FALSE;
        }

      alt = g_new0 (CsAlternative, 1);
      g_ptr_array_add (self->alternatives, alt);
      if (!cs_json_read_string (json_node_get_object (node), path, "label", TRUE, &alt->label, error) ||
          !cs_json_read_double (json_node_get_object (node), path, "confidence", TRUE, &alt->confidence, error) ||
          !check_fraction (alt->confidence, path, "confidence", error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
parse_heatmap (CsCase      *self,
               JsonObject  *obj,
               GError     **error)
{
  JsonObject *asset = NULL, *grid = NULL;
  CsHeatmap *heatmap = g_new0 (CsHeatmap, 1);

  self->heatmap = heatmap;

  if (!cs_json_read_string (obj, "explanation.heatmap", "kind", FALSE, &heatmap->kind, error) ||
      !cs_json_read_object (obj, "explanation.heatmap", "asset", FALSE, &asset, error) ||
      !cs_json_read_object (obj, "explanation.heatmap", "grid", FALSE, &grid, error))
    return FALSE;

  if ((asset == NULL) == (grid == NULL))
    {
      cs_json_set_error (error, "explanation", "heatmap", "needs exactly one of asset or grid");
      return FALSE;
    }

  if (asset != NULL)
    return (heatmap->asset = parse_asset (asset, "explanation.heatmap.asset", error)) != NULL;

  {
    gint64 width = 0, height = 0;
    JsonArray *values = NULL;
    guint n;

    if (!cs_json_read_int (grid, "explanation.heatmap.grid", "width", TRUE, &width, error) ||
        !cs_json_read_int (grid, "explanation.heatmap.grid", "height", TRUE, &height, error) ||
        !cs_json_read_array (grid, "explanation.heatmap.grid", "values", TRUE, &values, error))
      return FALSE;

    if (width <= 0 || height <= 0 || width > 4096 || height > 4096)
      {
        cs_json_set_error (error, "explanation.heatmap", "grid", "width and height must be between 1 and 4096");
        return FALSE;
      }

    n = json_array_get_length (values);
    if ((gint64) n != width * height)
      {
        cs_json_set_error (error, "explanation.heatmap.grid", "values",
                           "has %u values, expected width × height = %" G_GINT64_FORMAT,
                           n, width * height);
        return FALSE;
      }

    heatmap->grid_width = (guint) width;
    heatmap->grid_height = (guint) height;
    heatmap->grid_values = g_new (double, n);
    for (guint i = 0; i < n; i++)
      {
        JsonNode *node = json_array_get_element (values, i);
        GType type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
        double v;

        if (type == G_TYPE_DOUBLE)
          v = json_node_get_double (node);
        else if (type == G_TYPE_INT64)
          v = (double) json_node_get_int (node);
        else
          {
            g_autofree char *name = g_strdup_printf ("values[%u]", i);
            cs_json_set_error (error, "explanation.heatmap.grid", name, "expected a number");
            return FALSE;
          }

        if (!isfinite (v))
          v = 0;
        heatmap->grid_values[i] = CLAMP (v, 0.0, 1.0);
      }
  }

  return TRUE;
}

static gboolean
parse_explanation (CsCase      *self,
                   JsonObject  *obj,
                   GError     **error)
{
  JsonObject *heatmap = NULL;
  JsonArray *regions = NULL, *attributions = NULL, *spans = NULL;
  glong text_len = self->subject_text ? g_utf8_strlen (self->subject_text, -1) : 0;

  if (!cs_json_read_string (obj, "explanation", "summary", FALSE, &self->summary, error) ||
      !cs_json_read_object (obj, "explanation", "heatmap", FALSE, &heatmap, error) ||
      (heatmap != NULL && !parse_heatmap (self, heatmap, error)) ||
      !cs_json_read_array (obj, "explanation", "regions", FALSE, &regions, error) ||
      !cs_json_read_array (obj, "explanation", "attributions", FALSE, &attributions, error) ||
      !cs_json_read_array (obj, "explanation", "spans", FALSE, &spans, error))
    return FALSE;

  for (guint i = 0; regions != NULL && i < json_array_get_length (regions); i++)
    {
      g_autofree char *path = g_strdup_printf ("explanation.regions[%u]", i);
      JsonNode *node = json_array_get_element (regions, i);
      JsonObject *r;
      CsRegion *region;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          cs_json_set_error (error, path, NULL, "expected an object");
          return FALSE;
        }
      r = json_node_get_object (node);
      region = g_new0 (CsRegion, 1);
      region->score = NAN;
      g_ptr_array_add (self->regions, region);
      if (!cs_json_read_int (r, path, "page", FALSE, &region->page, error) ||
          !cs_json_read_double (r, path, "x", TRUE, &region->x, error) ||
          !cs_json_read_double (r, path, "y", TRUE, &region->y, error) ||
          !cs_json_read_double (r, path, "w", TRUE, &region->w, error) ||
          !cs_json_read_double (r, path, "h", TRUE, &region->h, error) ||
          !cs_json_read_string (r, path, "label", FALSE, &region->label, error) ||
          !cs_json_read_double (r, path, "score", FALSE, &region->score, error))
        return FALSE;
      if (region->page < 0 || region->w < 0 || region->h < 0)
        {
          cs_json_set_error (error, path, NULL, "page, w and h must not be negative");
          return FALSE;
        }
    }

  for (guint i = 0; attributions != NULL && i < json_array_get_length (attributions); i++)
    {
      g_autofree char *path = g_strdup_printf ("explanation.attributions[%u]", i);
      JsonNode *node = json_array_get_element (attributions, i);
      CsAttribution *attribution;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          cs_json_set_error (error, path, NULL, "expected an object");
          return FALSE;
        }
      attribution = g_new0 (CsAttribution, 1);
      g_ptr_array_add (self->attributions, attribution);
      if (!cs_json_read_string (json_node_get_object (node), path, "feature", TRUE, &attribution->feature, error) ||
          !cs_json_read_double (json_node_get_object (node), path, "value", TRUE, &attribution->value, error) ||
          !cs_json_read_string (json_node_get_object (node), path, "display", FALSE, &attribution->display, error))
        return FALSE;
    }

  for (guint i = 0; spans != NULL && i < json_array_get_length (spans); i++)
    {
      g_autofree char *path = g_strdup_printf ("explanation.spans[%u]", i);
      JsonNode *node = json_array_get_element (spans, i);
      JsonObject *s;
      CsSpan *span;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          cs_json_set_error (error, path, NULL, "expected an object");
          return FALSE;
        }
      s = json_node_get_object (node);
      span = g_new0 (CsSpan, 1);
      span->weight = 1.0;
      g_ptr_array_add (self->spans, span);
      if (!cs_json_read_int (s, path, "start", TRUE, &span->start, error) ||
          !cs_json_read_int (s, path, "end", TRUE, &span->end, error) ||
          !cs_json_read_double (s, path, "weight", FALSE, &span->weight, error) ||
          !cs_json_read_string (s, path, "label", FALSE, &span->label, error))
        return FALSE;
      if (span->start < 0 || span->end < span->start || span->end > text_len)
        {
          cs_json_set_error (error, path, NULL,
                             "offsets %" G_GINT64_FORMAT "–%" G_GINT64_FORMAT " lie outside the text of %ld characters",
                             span->start, span->end, text_len);
          return FALSE;
        }
    }

  return TRUE;
}

/* "decided" and "first_decision" share a shape; the second adds the
 * decision's id and rationale, which the second reviewer is shown. */
static gboolean
parse_decided (CsDecided  **out,
               JsonObject  *obj,
               const char  *path,
               GError     **error)
{
  g_autofree char *action = NULL;
  CsDecided *decided = g_new0 (CsDecided, 1);
  gboolean first = g_str_equal (path, "first_decision");

  *out = decided;
  if (!cs_json_read_string (obj, path, "by", TRUE, &decided->by, error) ||
      !cs_json_read_string (obj, path, "action", TRUE, &action, error) ||
      !cs_json_read_string (obj, path, "label", FALSE, &decided->label, error) ||
      !cs_json_read_time (obj, path, "at", TRUE, &decided->at, error) ||
      (first && !cs_json_read_string (obj, path, "id", TRUE, &decided->id, error)) ||
      (first && !cs_json_read_string (obj, path, "rationale", FALSE, &decided->rationale, error)))
    return FALSE;

  if (!cs_action_from_string (action, &decided->action))
    {
      cs_json_set_error (error, path, "action", "unknown action “%s”", action);
      return FALSE;
    }

  return TRUE;
}

CsCase *
cs_case_new_from_json (JsonNode          *node,
                       CsCaseParseFlags   flags,
                       GError           **error)
{
  g_autoptr(CsCase) self = g_object_new (CS_TYPE_CASE, NULL);
  gboolean prediction = (flags & CS_CASE_PARSE_PREDICTION) != 0;
  g_autofree char *status = NULL;
  JsonObject *obj, *trigger = NULL, *subject = NULL, *model = NULL, *pred = NULL;
  JsonObject *explanation = NULL, *policy = NULL, *context = NULL, *decided = NULL;
  JsonObject *first = NULL;
  char **labels = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      cs_json_set_error (error, "case", NULL, "expected an object");
      return NULL;
    }
  obj = json_node_get_object (node);

  if (!cs_json_read_string (obj, "", "id", !prediction, &self->id, error) ||
      !cs_json_read_int (obj, "", "version", !prediction, &self->version, error) ||
      !cs_json_read_string (obj, "", "queue", TRUE, &self->queue, error) ||
      !cs_json_read_string (obj, "", "status", !prediction, &status, error) ||
      !cs_json_read_string (obj, "", "assigned_to", FALSE, &self->assigned_to, error) ||
      !cs_json_read_time (obj, "", "lease_until", FALSE, &self->lease_until, error) ||
      !cs_json_read_time (obj, "", "created_at", FALSE, &self->created_at, error) ||
      !cs_json_read_time (obj, "", "due_at", FALSE, &self->due_at, error) ||
      !cs_json_read_double (obj, "", "priority", FALSE, &self->priority, error) ||
      !check_fraction (self->priority, "", "priority", error) ||
      !cs_json_read_object (obj, "", "trigger", FALSE, &trigger, error) ||
      (trigger != NULL && !parse_trigger (self, trigger, error)) ||
      !cs_json_read_object (obj, "", "subject", TRUE, &subject, error) ||
      !parse_subject (self, subject, error) ||
      !cs_json_read_object (obj, "", "model", TRUE, &model, error) ||
      !cs_json_read_string (model, "model", "name", TRUE, &self->model_name, error) ||
      !cs_json_read_string (model, "model", "version", FALSE, &self->model_version, error) ||
      !cs_json_read_object (obj, "", "prediction", TRUE, &pred, error) ||
      !parse_prediction (self, pred, error) ||
      !cs_json_read_object (obj, "", "explanation", FALSE, &explanation, error) ||
      (explanation != NULL && !parse_explanation (self, explanation, error)) ||
      !cs_json_read_strv (obj, "", "labels", !prediction, &labels, error) ||
      !cs_json_read_object (obj, "", "policy", FALSE, &policy, error) ||
      !cs_policy_parse (policy, "policy", &self->policy, error) ||
      !cs_json_read_object (obj, "", "context", FALSE, &context, error) ||
      !parse_fields (context, "context", self->context, error) ||
      !cs_json_read_object (obj, "", "decided", FALSE, &decided, error) ||
      (decided != NULL && !parse_decided (&self->decided, decided, "decided", error)) ||
      (!prediction && !cs_json_read_object (obj, "", "first_decision", FALSE, &first, error)) ||
      (first != NULL && !parse_decided (&self->first_decision, first, "first_decision", error)))
    {
      g_strfreev (labels);
      return NULL;
    }

  if (labels != NULL)
    {
      g_strfreev (self->labels);
      self->labels = labels;
    }

  if (status != NULL && !cs_case_status_from_string (status, &self->status))
    {
      cs_json_set_error (error, "", "status", "unknown status “%s”", status);
      return NULL;
    }

  if (!prediction && (self->id[0] == '\0' || self->version < 0))
    {
      cs_json_set_error (error, "", self->id[0] == '\0' ? "id" : "version", "is empty or negative");
      return NULL;
    }

  return g_steal_pointer (&self);
}

CsCase *
cs_case_new_from_data (const char        *data,
                       gssize             len,
                       CsCaseParseFlags   flags,
                       GError           **error)
{
  g_autoptr(JsonNode) node = NULL;

  if (len < 0)
    len = strlen (data);
  node = cs_json_parse (data, (gsize) len, error);
  if (node == NULL)
    return NULL;
  return cs_case_new_from_json (node, flags, error);
}

/* Writing */

static void
set_time (JsonObject *obj,
          const char *member,
          GDateTime  *time)
{
  g_autofree char *str = cs_format_time (time);

  if (str != NULL)
    json_object_set_string_member (obj, member, str);
  else
    json_object_set_null_member (obj, member);
}

static void
set_string_or_null (JsonObject *obj,
                    const char *member,
                    const char *value)
{
  if (value != NULL)
    json_object_set_string_member (obj, member, value);
  else
    json_object_set_null_member (obj, member);
}

static JsonObject *
asset_to_json (const CsAsset *asset)
{
  JsonObject *obj = json_object_new ();

  json_object_set_string_member (obj, "sha256", asset->sha256);
  json_object_set_string_member (obj, "media_type", asset->media_type);
  if (asset->bytes >= 0)
    json_object_set_int_member (obj, "bytes", asset->bytes);
  if (asset->width > 0)
    json_object_set_int_member (obj, "width", asset->width);
  if (asset->height > 0)
    json_object_set_int_member (obj, "height", asset->height);
  return obj;
}

static JsonNode *
fields_to_json (GPtrArray *fields)
{
  g_autoptr(JsonObject) obj = json_object_new ();

  for (guint i = 0; i < fields->len; i++)
    {
      CsField *field = g_ptr_array_index (fields, i);
      json_object_set_member (obj, field->name, json_node_copy (field->value));
    }
  return json_node_init_object (json_node_alloc (), obj);
}

JsonNode *
cs_case_to_json (CsCase *self)
{
  g_autoptr(JsonObject) obj = json_object_new ();
  JsonObject *subject, *model, *pred, *explanation;
  JsonArray *alts, *labels;

  g_return_val_if_fail (CS_IS_CASE (self), NULL);

  set_string_or_null (obj, "id", self->id);
  json_object_set_int_member (obj, "version", self->version);
  json_object_set_string_member (obj, "queue", self->queue);
  json_object_set_string_member (obj, "status", cs_case_status_to_string (self->status));
  set_string_or_null (obj, "assigned_to", self->assigned_to);
  set_time (obj, "lease_until", self->lease_until);
  set_time (obj, "created_at", self->created_at);
  set_time (obj, "due_at", self->due_at);
  json_object_set_double_member (obj, "priority", self->priority);

  if (self->has_trigger)
    {
      JsonObject *trigger = json_object_new ();

      json_object_set_string_member (trigger, "kind", cs_trigger_kind_to_string (self->trigger_kind));
      set_string_or_null (trigger, "detail", self->trigger_detail);
      if (!isnan (self->trigger_threshold))
        json_object_set_double_member (trigger, "threshold", self->trigger_threshold);
      json_object_set_object_member (obj, "trigger", trigger);
    }
  else
    json_object_set_null_member (obj, "trigger");

  subject = json_object_new ();
  json_object_set_string_member (subject, "kind", cs_subject_kind_to_string (self->subject_kind));
  json_object_set_string_member (subject, "title", self->title);
  if (self->subject_asset != NULL)
    json_object_set_object_member (subject, "asset", asset_to_json (self->subject_asset));
  else
    json_object_set_null_member (subject, "asset");
  set_string_or_null (subject, "text", self->subject_text);
  if (self->subject_fields->len > 0 || self->subject_kind == CS_SUBJECT_TABULAR)
    json_object_set_member (subject, "fields", fields_to_json (self->subject_fields));
  else
    json_object_set_null_member (subject, "fields");
  json_object_set_object_member (obj, "subject", subject);

  model = json_object_new ();
  json_object_set_string_member (model, "name", self->model_name);
  set_string_or_null (model, "version", self->model_version);
  json_object_set_object_member (obj, "model", model);

  pred = json_object_new ();
  json_object_set_string_member (pred, "label", self->predicted_label);
  json_object_set_double_member (pred, "confidence", self->confidence);
  alts = json_array_new ();
  for (guint i = 0; i < self->alternatives->len; i++)
    {
      CsAlternative *alt = g_ptr_array_index (self->alternatives, i);
      JsonObject *a = json_object_new ();

      json_object_set_string_member (a, "label", alt->label);
      json_object_set_double_member (a, "confidence", alt->confidence);
      json_array_add_object_element (alts, a);
    }
  json_object_set_array_member (pred, "alternatives", alts);
  json_object_set_object_member (obj, "prediction", pred);

  explanation = json_object_new ();
  if (self->summary != NULL)
    json_object_set_string_member (explanation, "summary", self->summary);
  if (self->heatmap != NULL)
    {
      JsonObject *heatmap = json_object_new ();

      if (self->heatmap->kind != NULL)
        json_object_set_string_member (heatmap, "kind", self->heatmap->kind);
      if (self->heatmap->asset != NULL)
        json_object_set_object_member (heatmap, "asset", asset_to_json (self->heatmap->asset));
      else
        {
          JsonObject *grid = json_object_new ();
          JsonArray *values = json_array_sized_new (self->heatmap->grid_width * self->heatmap->grid_height);

          json_object_set_int_member (grid, "width", self->heatmap->grid_width);
          json_object_set_int_member (grid, "height", self->heatmap->grid_height);
          for (guint i = 0; i < self->heatmap->grid_width * self->heatmap->grid_height; i++)
            json_array_add_double_element (values, self->heatmap->grid_values[i]);
          json_object_set_array_member (grid, "values", values);
          json_object_set_object_member (heatmap, "grid", grid);
        }
      json_object_set_object_member (explanation, "heatmap", heatmap);
    }
  if (self->regions->len > 0)
    {
      JsonArray *arr = json_array_new ();

      for (guint i = 0; i < self->regions->len; i++)
        {
          CsRegion *region = g_ptr_array_index (self->regions, i);
          JsonObject *r = json_object_new ();

          json_object_set_int_member (r, "page", region->page);
          json_object_set_double_member (r, "x", region->x);
          json_object_set_double_member (r, "y", region->y);
          json_object_set_double_member (r, "w", region->w);
          json_object_set_double_member (r, "h", region->h);
          if (region->label != NULL)
            json_object_set_string_member (r, "label", region->label);
          if (!isnan (region->score))
            json_object_set_double_member (r, "score", region->score);
          json_array_add_object_element (arr, r);
        }
      json_object_set_array_member (explanation, "regions", arr);
    }
  if (self->attributions->len > 0)
    {
      JsonArray *arr = json_array_new ();

      for (guint i = 0; i < self->attributions->len; i++)
        {
          CsAttribution *attribution = g_ptr_array_index (self->attributions, i);
          JsonObject *a = json_object_new ();

          json_object_set_string_member (a, "feature", attribution->feature);
          json_object_set_double_member (a, "value", attribution->value);
          if (attribution->display != NULL)
            json_object_set_string_member (a, "display", attribution->display);
          json_array_add_object_element (arr, a);
        }
      json_object_set_array_member (explanation, "attributions", arr);
    }
  if (self->spans->len > 0)
    {
      JsonArray *arr = json_array_new ();

      for (guint i = 0; i < self->spans->len; i++)
        {
          CsSpan *span = g_ptr_array_index (self->spans, i);
          JsonObject *s = json_object_new ();

          json_object_set_int_member (s, "start", span->start);
          json_object_set_int_member (s, "end", span->end);
          json_object_set_double_member (s, "weight", span->weight);
          if (span->label != NULL)
            json_object_set_string_member (s, "label", span->label);
          json_array_add_object_element (arr, s);
        }
      json_object_set_array_member (explanation, "spans", arr);
    }
  json_object_set_object_member (obj, "explanation", explanation);

  labels = json_array_new ();
  for (guint i = 0; self->labels[i]; i++)
    json_array_add_string_element (labels, self->labels[i]);
  json_object_set_array_member (obj, "labels", labels);
  json_object_set_member (obj, "policy", cs_policy_to_json (&self->policy));
  json_object_set_member (obj, "context", fields_to_json (self->context));

  if (self->decided != NULL)
    {
      JsonObject *decided = json_object_new ();

      json_object_set_string_member (decided, "by", self->decided->by);
      json_object_set_string_member (decided, "action", cs_action_to_string (self->decided->action));
      set_string_or_null (decided, "label", self->decided->label);
      set_time (decided, "at", self->decided->at);
      json_object_set_object_member (obj, "decided", decided);
    }
  else
    json_object_set_null_member (obj, "decided");

  /* Only under a two-person rule: older readers never see the member. */
  if (self->first_decision != NULL)
    {
      JsonObject *first = json_object_new ();

      json_object_set_string_member (first, "id", self->first_decision->id);
      json_object_set_string_member (first, "by", self->first_decision->by);
      json_object_set_string_member (first, "action", cs_action_to_string (self->first_decision->action));
      set_string_or_null (first, "label", self->first_decision->label);
      set_string_or_null (first, "rationale", self->first_decision->rationale);
      set_time (first, "at", self->first_decision->at);
      json_object_set_object_member (obj, "first_decision", first);
    }

  return json_node_init_object (json_node_alloc (), obj);
}

char *
cs_case_to_data (CsCase *self,
                 gsize  *len)
{
  g_autoptr(JsonNode) node = cs_case_to_json (self);

  return cs_json_to_string (node, len);
}

CsCase *
cs_case_copy (CsCase *self)
{
  g_autoptr(JsonNode) node = cs_case_to_json (self);

  /* Our own output always parses; a failure here is a bug in the codec. */
  return cs_case_new_from_json (node, CS_CASE_PARSE_CASE | (self->id ? 0 : CS_CASE_PARSE_PREDICTION), NULL);
}

/* Accessors */

#define GETTER(type, name, field)                        \
  type                                                   \
  cs_case_get_##name (CsCase *self)                      \
  {                                                      \
    g_return_val_if_fail (CS_IS_CASE (self), (type) 0);  \
    return self->field;                                  \
  }

GETTER (const char *, id, id)
GETTER (gint64, version, version)
GETTER (const char *, queue, queue)
GETTER (CsCaseStatus, status, status)
GETTER (const char *, assigned_to, assigned_to)
GETTER (GDateTime *, lease_until, lease_until)
GETTER (GDateTime *, created_at, created_at)
GETTER (GDateTime *, due_at, due_at)
GETTER (double, priority, priority)
GETTER (CsTriggerKind, trigger_kind, trigger_kind)
GETTER (const char *, trigger_detail, trigger_detail)
GETTER (double, trigger_threshold, trigger_threshold)
GETTER (CsSubjectKind, subject_kind, subject_kind)
GETTER (const char *, title, title)
GETTER (const CsAsset *, subject_asset, subject_asset)
GETTER (const char *, subject_text, subject_text)
GETTER (GPtrArray *, subject_fields, subject_fields)
GETTER (const char *, model_name, model_name)
GETTER (const char *, model_version, model_version)
GETTER (const char *, predicted_label, predicted_label)
GETTER (double, confidence, confidence)
GETTER (GPtrArray *, alternatives, alternatives)
GETTER (const char *, summary, summary)
GETTER (const CsHeatmap *, heatmap, heatmap)
GETTER (GPtrArray *, regions, regions)
GETTER (GPtrArray *, attributions, attributions)
GETTER (GPtrArray *, spans, spans)
GETTER (GPtrArray *, context, context)
GETTER (const CsDecided *, decided, decided)
GETTER (const CsDecided *, first_decision, first_decision)

const char * const *
cs_case_get_labels (CsCase *self)
{
  g_return_val_if_fail (CS_IS_CASE (self), NULL);
  return (const char * const *) self->labels;
}

const CsPolicy *
cs_case_get_policy (CsCase *self)
{
  g_return_val_if_fail (CS_IS_CASE (self), NULL);
  return &self->policy;
}

GPtrArray *
cs_case_list_assets (CsCase *self)
{
  GPtrArray *assets = g_ptr_array_new ();

  g_return_val_if_fail (CS_IS_CASE (self), assets);

  if (self->subject_asset != NULL)
    g_ptr_array_add (assets, self->subject_asset);
  if (self->heatmap != NULL && self->heatmap->asset != NULL)
    g_ptr_array_add (assets, self->heatmap->asset);
  return assets;
}

static void
set_str (char       **slot,
         const char  *value)
{
  char *copy = g_strdup (value);

  g_free (*slot);
  *slot = copy;
}

static void
replace_time (GDateTime **slot,
              GDateTime  *value)
{
  if (value != NULL)
    g_date_time_ref (value);
  g_clear_pointer (slot, g_date_time_unref);
  *slot = value;
}

void
cs_case_set_id (CsCase     *self,
                const char *id)
{
  g_return_if_fail (CS_IS_CASE (self));
  set_str (&self->id, id);
}

void
cs_case_set_version (CsCase *self,
                     gint64  version)
{
  g_return_if_fail (CS_IS_CASE (self));
  self->version = version;
}

void
cs_case_set_queue (CsCase     *self,
                   const char *queue)
{
  g_return_if_fail (CS_IS_CASE (self));
  set_str (&self->queue, queue);
}

void
cs_case_set_status (CsCase       *self,
                    CsCaseStatus  status)
{
  g_return_if_fail (CS_IS_CASE (self));
  self->status = status;
}

void
cs_case_set_assigned_to (CsCase     *self,
                         const char *reviewer,
                         GDateTime  *lease_until)
{
  g_return_if_fail (CS_IS_CASE (self));
  set_str (&self->assigned_to, reviewer);
  replace_time (&self->lease_until, lease_until);
}

void
cs_case_set_created_at (CsCase    *self,
                        GDateTime *created_at)
{
  g_return_if_fail (CS_IS_CASE (self));
  replace_time (&self->created_at, created_at);
}

void
cs_case_set_due_at (CsCase    *self,
                    GDateTime *due_at)
{
  g_return_if_fail (CS_IS_CASE (self));
  replace_time (&self->due_at, due_at);
}

void
cs_case_set_priority (CsCase *self,
                      double  priority)
{
  g_return_if_fail (CS_IS_CASE (self));
  self->priority = CLAMP (priority, 0.0, 1.0);
}

void
cs_case_set_trigger (CsCase        *self,
                     CsTriggerKind  kind,
                     const char    *detail,
                     double         threshold)
{
  g_return_if_fail (CS_IS_CASE (self));
  self->has_trigger = TRUE;
  self->trigger_kind = kind;
  set_str (&self->trigger_detail, detail);
  self->trigger_threshold = threshold;
}

void
cs_case_set_labels (CsCase             *self,
                    const char * const *labels)
{
  g_return_if_fail (CS_IS_CASE (self));
  g_strfreev (self->labels);
  self->labels = labels ? g_strdupv ((char **) labels) : g_new0 (char *, 1);
}

void
cs_case_set_policy (CsCase         *self,
                    const CsPolicy *policy)
{
  g_return_if_fail (CS_IS_CASE (self));
  self->policy = *policy;
}

void
cs_case_set_decided (CsCase          *self,
                     const CsDecided *decided)
{
  g_return_if_fail (CS_IS_CASE (self));
  cs_decided_free (self->decided);
  self->decided = cs_decided_copy (decided);
}

void
cs_case_set_first_decision (CsCase          *self,
                            const CsDecided *first)
{
  g_return_if_fail (CS_IS_CASE (self));
  cs_decided_free (self->first_decision);
  self->first_decision = cs_decided_copy (first);
}
