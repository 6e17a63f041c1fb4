/* test-codec.c: the JSON codec of the review API (API.md): cases, decisions,
 * queues and policies, the bounded parser, canonical JSON and times.
 *
 * Failing cases are generated from tables of field paths applied to full
 * fixtures, so that every member at every level is exercised the same way.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "cs-case.h"
#include "cs-decision.h"
#include "cs-json.h"
#include "cs-queue.h"
#include "cs-types.h"

/* Records a failure and goes on, so that one run lists every broken case. */
#define fail(...) G_STMT_START {                  \
    g_autofree char *fail_msg_ = g_strdup_printf (__VA_ARGS__); \
    g_test_message ("FAIL: %s", fail_msg_);       \
    g_test_fail_printf ("%s", fail_msg_);         \
  } G_STMT_END

/* Fixtures ---------------------------------------------------------------- */

#define SHA_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define SHA_B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define SHA_C "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

/* 145 characters, 150 bytes; characters 120..134 are "Dr. Müller-Çağ". */
#define NOTE_TEXT "Patient, 54: a naïve-looking lesion on the left forearm grew over six months; " \
                  "café-au-lait spots elsewhere. Referred by Dr. Müller-Çağ, Clinic B."
#define NOTE_CHARS 145
#define NOTE_PHI "Dr. Müller-Çağ"

/* The Case of API.md with every field filled in (single quotes become double
 * quotes, see fx()). The image carries a referral note as its text so that
 * the spans of API.md have something to point into. */
static const char *FULL_CASE =
  "{"
  " 'id': 'c-000123', 'version': 3, 'queue': 'derm',"
  " 'status': 'decided',"
  " 'assigned_to': 'r-17', 'lease_until': '2026-11-25T18:00:00Z',"
  " 'created_at': '2026-11-24T08:00:00Z', 'due_at': '2026-11-24T20:00:00Z',"
  " 'priority': 0.87,"
  " 'trigger': {'kind': 'low_confidence',"
  "             'detail': 'confidence 0.52 below threshold 0.80',"
  "             'threshold': 0.80},"
  " 'subject': {"
  "   'kind': 'image',"
  "   'title': 'Lesion, left forearm',"
  "   'asset': {'sha256': '" SHA_A "', 'media_type': 'image/png', 'bytes': 48213, 'width': 1024, 'height': 768},"
  "   'text': '" NOTE_TEXT "',"
  "   'fields': null"
  " },"
  " 'model': {'name': 'derm-classifier', 'version': '2.3.1'},"
  " 'prediction': {'label': 'melanoma', 'confidence': 0.52,"
  "                'alternatives': [{'label': 'nevus', 'confidence': 0.41},"
  "                                 {'label': 'other', 'confidence': 0.07}]},"
  " 'explanation': {"
  "   'summary': 'Irregular border and colour variegation drive the melanoma score.',"
  "   'heatmap': {'asset': {'sha256': '" SHA_B "', 'media_type': 'image/png'}, 'kind': 'saliency'},"
  "   'regions': [{'page': 0, 'x': 412, 'y': 220, 'w': 180, 'h': 160, 'label': 'lesion', 'score': 0.91}],"
  "   'attributions': [{'feature': 'border_irregularity', 'value': 0.31, 'display': '0.74'},"
  "                    {'feature': 'symmetry', 'value': -0.12, 'display': 'high'}],"
  "   'spans': [{'start': 120, 'end': 134, 'weight': 0.8, 'label': 'PHI'}]"
  " },"
  " 'labels': ['melanoma', 'nevus', 'seborrheic keratosis', 'other'],"
  " 'policy': {'rationale_required': ['override', 'reject', 'escalate'], 'min_rationale_chars': 15,"
  "            'blind_first': true, 'second_review': ['override', 'reject'],"
  "            'target_error': 0.02, 'allow_amendments': true},"
  " 'context': {'patient_age': '54', 'site': 'Clinic B'},"
  " 'decided': {'by': 'r-22', 'action': 'override', 'label': 'nevus', 'at': '2026-11-24T09:31:07Z'}"
  "}";

static const char *FULL_DECISION =
  "{"
  " 'id': '0b9c6f1e-5a4d-4c8e-9f0a-6d2b7c1e3f40',"
  " 'case_id': 'c-000123', 'case_version': 3,"
  " 'action': 'override',"
  " 'label': 'nevus',"
  " 'rationale': 'Symmetric, uniform pigment network on dermoscopy.',"
  " 'reviewer': 'r-17',"
  " 'decided_at': '2026-11-24T09:31:07Z',"
  " 'duration_ms': 41250"
  "}";

/* The queue as GET /api/v1/queues lists it. */
static const char *GET_QUEUE =
  "{'id': 'derm', 'title': 'Dermatology triage',"
  " 'labels': ['melanoma', 'nevus', 'seborrheic keratosis', 'other'],"
  " 'policy': {'rationale_required': ['override', 'reject', 'escalate'], 'min_rationale_chars': 15}}";

/* The body of PUT /api/v1/queues/derm, with the oversight settings. */
static const char *PUT_QUEUE =
  "{'title': 'Dermatology triage',"
  " 'labels': ['melanoma', 'nevus', 'seborrheic keratosis', 'other'],"
  " 'policy': {'rationale_required': ['override', 'reject', 'escalate'], 'min_rationale_chars': 15,"
  "            'blind_first': true, 'second_review': ['override', 'reject'], 'target_error': 0.02},"
  " 'routing': {'confidence_threshold': 0.80, 'fairness_threshold': 0.10, 'anomaly_threshold': 0.90,"
  "             'compliance_keywords': ['chargeback', 'self-harm'], 'audit_sample_rate': 0.02},"
  " 'reviewers': ['r-17', 'r-22'],"
  " 'on_overdue': {'queue': 'derm-senior'},"
  " 'webhook': {'url': 'https://hooks.example.org/derm', 'secret': 's3cr3t-hmac-key'}}";

static const char * const LABELS[] = { "melanoma", "nevus", "seborrheic keratosis", "other", NULL };

/* Single quotes to double quotes: the fixtures hold no apostrophes. */
static char *
fx (const char *text)
{
  char *copy = g_strdup (text);

  for (char *p = copy; *p; p++)
    if (*p == '\'')
      *p = '"';
  return copy;
}

static JsonNode *
json (const char *text)
{
  g_autofree char *data = fx (text);
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (data, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

/* A deep copy of @node with the value at @path ("a.b[2].c") replaced by the
 * JSON @value (added when absent), or removed when @value is NULL. */
static JsonNode *
edit_node (JsonNode   *node,
           const char *path,
           JsonNode   *value)
{
  if (*path == '\0')
    return value != NULL ? json_node_copy (value) : NULL;

  if (*path == '[')
    {
      char *end = NULL;
      guint64 idx = g_ascii_strtoull (path + 1, &end, 10);
      const char *rest;
      JsonArray *in, *out;
      JsonNode *result;

      g_assert_true (*end == ']');
      rest = end + 1;
      if (*rest == '.')
        rest++;
      g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
      in = json_node_get_array (node);
      g_assert_cmpuint (idx, <, json_array_get_length (in));
      out = json_array_new ();
      for (guint i = 0; i < json_array_get_length (in); i++)
        {
          JsonNode *element = json_array_get_element (in, i);

          if (i == idx)
            {
              JsonNode *edited = edit_node (element, rest, value);
              if (edited != NULL)
                json_array_add_element (out, edited);
            }
          else
            json_array_add_element (out, json_node_copy (element));
        }
      result = json_node_new (JSON_NODE_ARRAY);
      json_node_take_array (result, out);
      return result;
    }

  {
    gsize name_len = strcspn (path, ".[");
    g_autofree char *name = g_strndup (path, name_len);
    const char *rest = path + name_len;
    JsonObject *in, *out;
    JsonNode *result;
    gboolean found = FALSE;
    GList *members;

    if (*rest == '.')
      rest++;
    g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
    in = json_node_get_object (node);
    out = json_object_new ();
    members = json_object_get_members (in);
    for (GList *l = members; l != NULL; l = l->next)
      {
        JsonNode *member = json_object_get_member (in, l->data);

        if (g_str_equal (l->data, name))
          {
            JsonNode *edited = edit_node (member, rest, value);

            found = TRUE;
            if (edited != NULL)
              json_object_set_member (out, l->data, edited);
          }
        else
          json_object_set_member (out, l->data, json_node_copy (member));
      }
    g_list_free (members);
    if (!found)
      {
        /* Only a last path element may be added. */
        g_assert_true (*rest == '\0');
        if (value != NULL)
          json_object_set_member (out, name, json_node_copy (value));
      }
    result = json_node_new (JSON_NODE_OBJECT);
    json_node_take_object (result, out);
    return result;
  }
}

/* @value is JSON text (single quotes allowed), or NULL to remove. */
static JsonNode *
edit (JsonNode   *node,
      const char *path,
      const char *value)
{
  g_autoptr(JsonNode) parsed = value != NULL ? json (value) : NULL;

  return edit_node (node, path, parsed);
}

static JsonNode *
lookup (JsonNode   *root,
        const char *path)
{
  g_autoptr(JsonPath) jp = json_path_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *expr = g_strconcat ("$.", path, NULL);
  g_autoptr(JsonNode) matches = NULL;
  JsonArray *arr;

  g_assert_true (json_path_compile (jp, expr, &error));
  g_assert_no_error (error);
  matches = json_path_match (jp, root);
  arr = json_node_get_array (matches);
  if (json_array_get_length (arr) == 0)
    return NULL;
  return json_node_copy (json_array_get_element (arr, 0));
}

typedef enum
{
  V_FULL,       /* image, heatmap asset, decided */
  V_GRID,       /* heatmap as a grid */
  V_TEXT,       /* free text with spans in multibyte UTF-8 */
  V_DOCUMENT,   /* a PDF with regions on page 2 */
  V_TABULAR,    /* fields of every scalar type */
  V_PREDICTION, /* POST /api/v1/predictions: no id, version, status, labels */
  N_VARIANTS
} Variant;

static JsonNode *
variant (Variant v)
{
  g_autoptr(JsonNode) full = json (FULL_CASE);
  JsonNode *node = NULL;

  switch (v)
    {
    case V_FULL:
      return g_steal_pointer (&full);

    case V_GRID:
      return edit (full, "explanation.heatmap",
                   "{'kind': 'gradcam', 'grid': {'width': 2, 'height': 3,"
                   " 'values': [0.0, 0.25, 0.5, 0.75, 1, 0.125]}}");

    case V_TEXT:
      {
        g_autoptr(JsonNode) a = edit (full, "subject",
                                      "{'kind': 'text', 'title': 'Free-text note',"
                                      " 'asset': null, 'text': 'naïve café', 'fields': null}");
        g_autoptr(JsonNode) b = edit (a, "explanation.spans",
                                      "[{'start': 0, 'end': 5, 'weight': 0.5, 'label': 'adjective'},"
                                      " {'start': 6, 'end': 10}]");
        g_autoptr(JsonNode) c = edit (b, "explanation.heatmap", NULL);
        node = edit (c, "explanation.regions", NULL);
        return node;
      }

    case V_DOCUMENT:
      {
        g_autoptr(JsonNode) a = edit (full, "subject",
                                      "{'kind': 'document', 'title': 'Claim form 88',"
                                      " 'asset': {'sha256': '" SHA_C "', 'media_type': 'application/pdf', 'bytes': 182044},"
                                      " 'text': null, 'fields': null}");
        g_autoptr(JsonNode) b = edit (a, "explanation.regions",
                                      "[{'page': 2, 'x': 72.5, 'y': 700.25, 'w': 200, 'h': 18.5, 'label': 'signature'},"
                                      " {'x': 0, 'y': 0, 'w': 10, 'h': 10}]");
        g_autoptr(JsonNode) c = edit (b, "explanation.spans", NULL);
        node = edit (c, "explanation.heatmap", NULL);
        return node;
      }

    case V_TABULAR:
      {
        g_autoptr(JsonNode) a = edit (full, "subject",
                                      "{'kind': 'tabular', 'title': 'Claim 88', 'asset': null, 'text': null,"
                                      " 'fields': {'amount': 1250, 'ratio': 0.5, 'currency': 'EUR',"
                                      "            'flagged': true, 'note': null}}");
        g_autoptr(JsonNode) b = edit (a, "explanation.spans", NULL);
        g_autoptr(JsonNode) c = edit (b, "explanation.regions", NULL);
        node = edit (c, "explanation.heatmap", NULL);
        return node;
      }

    case V_PREDICTION:
      {
        static const char *server_fields[] = {
          "id", "version", "status", "assigned_to", "lease_until", "labels", "policy", "decided",
          "created_at", "due_at", "priority", "trigger",
        };
        g_autoptr(JsonNode) cur = json_node_ref (full);

        for (guint i = 0; i < G_N_ELEMENTS (server_fields); i++)
          {
            JsonNode *next = edit (cur, server_fields[i], NULL);
            json_node_unref (cur);
            cur = next;
          }
        {
          g_autoptr(JsonNode) a = edit (cur, "signals", "{'fairness': 0.12, 'anomaly': 0.3}");
          node = edit (a, "truth", "'nevus'");
        }
        return node;
      }

    case N_VARIANTS:
    default:
      g_assert_not_reached ();
    }
}

static CsCaseParseFlags
variant_flags (Variant v)
{
  return v == V_PREDICTION ? CS_CASE_PARSE_PREDICTION : CS_CASE_PARSE_CASE;
}

/* Parses through the text form, as the client does. */
static CsCase *
parse_case (JsonNode          *node,
            CsCaseParseFlags   flags,
            GError           **error)
{
  g_autofree char *data = cs_json_to_string (node, NULL);

  return cs_case_new_from_data (data, -1, flags, error);
}

static CsCase *
parse_variant (Variant v)
{
  g_autoptr(JsonNode) node = variant (v);
  g_autoptr(GError) error = NULL;
  CsCase *kase = parse_case (node, variant_flags (v), &error);

  g_assert_no_error (error);
  g_assert_nonnull (kase);
  return kase;
}

static char *
canonical_of_case (CsCase *kase)
{
  g_autoptr(JsonNode) node = cs_case_to_json (kase);

  return cs_json_canonical (node);
}

/* The error message starts with the field path: "prediction.confidence: …"
 * or, for an element of a string array, "labels[0]: …". */
static gboolean
names_path (const char *message,
            const char *path)
{
  gsize len = strlen (path);

  return g_str_has_prefix (message, path) && (message[len] == ':' || message[len] == '[');
}

static void
assert_time (GDateTime  *time,
             const char *expected)
{
  g_autofree char *str = cs_format_time (time);

  g_assert_nonnull (time);
  g_assert_cmpstr (str, ==, expected);
}

/* Checks ------------------------------------------------------------------ */

static void
check_policy_full (const CsPolicy *policy)
{
  g_assert_false (cs_policy_requires_rationale (policy, CS_ACTION_ACCEPT));
  g_assert_true (cs_policy_requires_rationale (policy, CS_ACTION_OVERRIDE));
  g_assert_true (cs_policy_requires_rationale (policy, CS_ACTION_REJECT));
  g_assert_true (cs_policy_requires_rationale (policy, CS_ACTION_ESCALATE));
  g_assert_false (cs_policy_requires_rationale (policy, CS_ACTION_AGREE));
  g_assert_cmpuint (policy->rationale_required, ==,
                    (1u << CS_ACTION_OVERRIDE) | (1u << CS_ACTION_REJECT) | (1u << CS_ACTION_ESCALATE));
  g_assert_cmpuint (policy->min_rationale_chars, ==, 15);
  g_assert_true (policy->blind_first);
  g_assert_cmpuint (policy->second_review, ==, (1u << CS_ACTION_OVERRIDE) | (1u << CS_ACTION_REJECT));
  g_assert_cmpfloat (policy->target_error, ==, 0.02);
  g_assert_true (policy->allow_amendments);
}

/* Everything but the subject and the explanation, which vary by variant. */
static void
check_common (CsCase *kase)
{
  GPtrArray *alts, *context;
  const CsDecided *decided;

  g_assert_cmpstr (cs_case_get_id (kase), ==, "c-000123");
  g_assert_cmpint (cs_case_get_version (kase), ==, 3);
  g_assert_cmpstr (cs_case_get_queue (kase), ==, "derm");
  g_assert_cmpint (cs_case_get_status (kase), ==, CS_CASE_STATUS_DECIDED);
  g_assert_cmpstr (cs_case_get_assigned_to (kase), ==, "r-17");
  assert_time (cs_case_get_lease_until (kase), "2026-11-25T18:00:00Z");
  assert_time (cs_case_get_created_at (kase), "2026-11-24T08:00:00Z");
  assert_time (cs_case_get_due_at (kase), "2026-11-24T20:00:00Z");
  g_assert_cmpfloat (cs_case_get_priority (kase), ==, 0.87);

  g_assert_cmpint (cs_case_get_trigger_kind (kase), ==, CS_TRIGGER_LOW_CONFIDENCE);
  g_assert_cmpstr (cs_case_get_trigger_detail (kase), ==, "confidence 0.52 below threshold 0.80");
  g_assert_cmpfloat (cs_case_get_trigger_threshold (kase), ==, 0.80);

  g_assert_cmpstr (cs_case_get_model_name (kase), ==, "derm-classifier");
  g_assert_cmpstr (cs_case_get_model_version (kase), ==, "2.3.1");

  g_assert_cmpstr (cs_case_get_predicted_label (kase), ==, "melanoma");
  g_assert_cmpfloat (cs_case_get_confidence (kase), ==, 0.52);
  alts = cs_case_get_alternatives (kase);
  g_assert_cmpuint (alts->len, ==, 2);
  g_assert_cmpstr (((CsAlternative *) alts->pdata[0])->label, ==, "nevus");
  g_assert_cmpfloat (((CsAlternative *) alts->pdata[0])->confidence, ==, 0.41);
  g_assert_cmpstr (((CsAlternative *) alts->pdata[1])->label, ==, "other");
  g_assert_cmpfloat (((CsAlternative *) alts->pdata[1])->confidence, ==, 0.07);

  g_assert_cmpstr (cs_case_get_summary (kase), ==,
                   "Irregular border and colour variegation drive the melanoma score.");
  {
    GPtrArray *attributions = cs_case_get_attributions (kase);
    CsAttribution *a0, *a1;

    g_assert_cmpuint (attributions->len, ==, 2);
    a0 = attributions->pdata[0];
    a1 = attributions->pdata[1];
    g_assert_cmpstr (a0->feature, ==, "border_irregularity");
    g_assert_cmpfloat (a0->value, ==, 0.31);
    g_assert_cmpstr (a0->display, ==, "0.74");
    g_assert_cmpstr (a1->feature, ==, "symmetry");
    g_assert_cmpfloat (a1->value, ==, -0.12);   /* signed */
    g_assert_cmpstr (a1->display, ==, "high");
  }

  g_assert_true (g_strv_equal (cs_case_get_labels (kase), LABELS));
  check_policy_full (cs_case_get_policy (kase));

  context = cs_case_get_context (kase);
  g_assert_cmpuint (context->len, ==, 2);
  g_assert_cmpstr (((CsField *) context->pdata[0])->name, ==, "patient_age");
  g_assert_cmpstr (((CsField *) context->pdata[0])->display, ==, "54");
  g_assert_cmpstr (json_node_get_string (((CsField *) context->pdata[0])->value), ==, "54");
  g_assert_cmpstr (((CsField *) context->pdata[1])->name, ==, "site");
  g_assert_cmpstr (((CsField *) context->pdata[1])->display, ==, "Clinic B");

  decided = cs_case_get_decided (kase);
  g_assert_nonnull (decided);
  g_assert_cmpstr (decided->by, ==, "r-22");
  g_assert_cmpint (decided->action, ==, CS_ACTION_OVERRIDE);
  g_assert_cmpstr (decided->label, ==, "nevus");
  assert_time (decided->at, "2026-11-24T09:31:07Z");
}

static void
check_full (CsCase *kase)
{
  const CsAsset *asset;
  const CsHeatmap *heatmap;
  GPtrArray *regions, *spans, *assets;
  CsRegion *region;
  CsSpan *span;
  g_autofree char *phi = NULL;

  check_common (kase);

  g_assert_cmpint (cs_case_get_subject_kind (kase), ==, CS_SUBJECT_IMAGE);
  g_assert_cmpstr (cs_case_get_title (kase), ==, "Lesion, left forearm");
  asset = cs_case_get_subject_asset (kase);
  g_assert_nonnull (asset);
  g_assert_cmpstr (asset->sha256, ==, SHA_A);
  g_assert_cmpstr (asset->media_type, ==, "image/png");
  g_assert_cmpint (asset->bytes, ==, 48213);
  g_assert_cmpint (asset->width, ==, 1024);
  g_assert_cmpint (asset->height, ==, 768);
  g_assert_cmpstr (cs_case_get_subject_text (kase), ==, NOTE_TEXT);
  g_assert_cmpuint (cs_case_get_subject_fields (kase)->len, ==, 0);

  heatmap = cs_case_get_heatmap (kase);
  g_assert_nonnull (heatmap);
  g_assert_cmpstr (heatmap->kind, ==, "saliency");
  g_assert_nonnull (heatmap->asset);
  g_assert_cmpstr (heatmap->asset->sha256, ==, SHA_B);
  g_assert_cmpstr (heatmap->asset->media_type, ==, "image/png");
  g_assert_cmpint (heatmap->asset->bytes, ==, -1);
  g_assert_cmpint (heatmap->asset->width, ==, -1);
  g_assert_cmpint (heatmap->asset->height, ==, -1);
  g_assert_null (heatmap->grid_values);
  g_assert_cmpuint (heatmap->grid_width, ==, 0);

  regions = cs_case_get_regions (kase);
  g_assert_cmpuint (regions->len, ==, 1);
  region = regions->pdata[0];
  g_assert_cmpint (region->page, ==, 0);
  g_assert_cmpfloat (region->x, ==, 412);
  g_assert_cmpfloat (region->y, ==, 220);
  g_assert_cmpfloat (region->w, ==, 180);
  g_assert_cmpfloat (region->h, ==, 160);
  g_assert_cmpstr (region->label, ==, "lesion");
  g_assert_cmpfloat (region->score, ==, 0.91);

  spans = cs_case_get_spans (kase);
  g_assert_cmpuint (spans->len, ==, 1);
  span = spans->pdata[0];
  g_assert_cmpint (span->start, ==, 120);
  g_assert_cmpint (span->end, ==, 134);
  g_assert_cmpfloat (span->weight, ==, 0.8);
  g_assert_cmpstr (span->label, ==, "PHI");
  phi = g_utf8_substring (cs_case_get_subject_text (kase), span->start, span->end);
  g_assert_cmpstr (phi, ==, NOTE_PHI);

  assets = cs_case_list_assets (kase);
  g_assert_cmpuint (assets->len, ==, 2);
  g_assert_true (assets->pdata[0] == (gpointer) asset);
  g_assert_true (assets->pdata[1] == (gpointer) heatmap->asset);
  g_ptr_array_unref (assets);
}

static void
check_grid (CsCase *kase)
{
  const CsHeatmap *heatmap = cs_case_get_heatmap (kase);
  static const double expected[] = { 0.0, 0.25, 0.5, 0.75, 1.0, 0.125 };
  GPtrArray *assets;

  check_common (kase);
  g_assert_nonnull (heatmap);
  g_assert_cmpstr (heatmap->kind, ==, "gradcam");
  g_assert_null (heatmap->asset);
  g_assert_cmpuint (heatmap->grid_width, ==, 2);
  g_assert_cmpuint (heatmap->grid_height, ==, 3);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpfloat (heatmap->grid_values[i], ==, expected[i]);

  assets = cs_case_list_assets (kase);
  g_assert_cmpuint (assets->len, ==, 1);   /* the grid is no asset */
  g_ptr_array_unref (assets);
}

static void
check_text (CsCase *kase)
{
  GPtrArray *spans = cs_case_get_spans (kase);
  GPtrArray *assets;
  CsSpan *s0, *s1;

  check_common (kase);
  g_assert_cmpint (cs_case_get_subject_kind (kase), ==, CS_SUBJECT_TEXT);
  g_assert_cmpstr (cs_case_get_title (kase), ==, "Free-text note");
  g_assert_null (cs_case_get_subject_asset (kase));
  g_assert_cmpstr (cs_case_get_subject_text (kase), ==, "naïve café");
  g_assert_null (cs_case_get_heatmap (kase));
  g_assert_cmpuint (cs_case_get_regions (kase)->len, ==, 0);
  g_assert_cmpuint (spans->len, ==, 2);
  s0 = spans->pdata[0];
  s1 = spans->pdata[1];
  g_assert_cmpint (s0->start, ==, 0);
  g_assert_cmpint (s0->end, ==, 5);
  g_assert_cmpfloat (s0->weight, ==, 0.5);
  g_assert_cmpstr (s0->label, ==, "adjective");
  g_assert_cmpint (s1->start, ==, 6);
  g_assert_cmpint (s1->end, ==, 10);
  g_assert_cmpfloat (s1->weight, ==, 1.0);   /* the default */
  g_assert_null (s1->label);
  assets = cs_case_list_assets (kase);
  g_assert_cmpuint (assets->len, ==, 0);
  g_ptr_array_unref (assets);
}

static void
check_document (CsCase *kase)
{
  GPtrArray *regions = cs_case_get_regions (kase);
  const CsAsset *asset = cs_case_get_subject_asset (kase);
  CsRegion *r0, *r1;

  check_common (kase);
  g_assert_cmpint (cs_case_get_subject_kind (kase), ==, CS_SUBJECT_DOCUMENT);
  g_assert_cmpstr (cs_case_get_title (kase), ==, "Claim form 88");
  g_assert_nonnull (asset);
  g_assert_cmpstr (asset->sha256, ==, SHA_C);
  g_assert_cmpstr (asset->media_type, ==, "application/pdf");
  g_assert_cmpint (asset->bytes, ==, 182044);
  g_assert_cmpint (asset->width, ==, -1);
  g_assert_cmpint (asset->height, ==, -1);
  g_assert_null (cs_case_get_subject_text (kase));
  g_assert_cmpuint (regions->len, ==, 2);
  r0 = regions->pdata[0];
  r1 = regions->pdata[1];
  g_assert_cmpint (r0->page, ==, 2);
  g_assert_cmpfloat (r0->x, ==, 72.5);
  g_assert_cmpfloat (r0->y, ==, 700.25);
  g_assert_cmpfloat (r0->w, ==, 200);
  g_assert_cmpfloat (r0->h, ==, 18.5);
  g_assert_cmpstr (r0->label, ==, "signature");
  g_assert_true (isnan (r0->score));
  g_assert_cmpint (r1->page, ==, 0);
  g_assert_null (r1->label);
  g_assert_cmpuint (cs_case_get_spans (kase)->len, ==, 0);
}

static void
check_tabular (CsCase *kase)
{
  GPtrArray *fields = cs_case_get_subject_fields (kase);
  static const char *names[] = { "amount", "ratio", "currency", "flagged", "note" };
  static const char *displays[] = { "1250", "0.5", "EUR", "true", "—" };
  static const GType types[] = { G_TYPE_INT64, G_TYPE_DOUBLE, G_TYPE_STRING, G_TYPE_BOOLEAN, G_TYPE_INVALID };

  check_common (kase);
  g_assert_cmpint (cs_case_get_subject_kind (kase), ==, CS_SUBJECT_TABULAR);
  g_assert_cmpstr (cs_case_get_title (kase), ==, "Claim 88");
  g_assert_null (cs_case_get_subject_asset (kase));
  g_assert_cmpuint (fields->len, ==, G_N_ELEMENTS (names));
  for (guint i = 0; i < fields->len; i++)
    {
      CsField *field = fields->pdata[i];

      g_assert_cmpstr (field->name, ==, names[i]);   /* in the order of the JSON */
      g_assert_cmpstr (field->display, ==, displays[i]);
      if (types[i] == G_TYPE_INVALID)
        g_assert_true (JSON_NODE_HOLDS_NULL (field->value));
      else
        g_assert_true (json_node_get_value_type (field->value) == types[i]);
    }
}

static void
check_prediction (CsCase *kase)
{
  g_assert_null (cs_case_get_id (kase));
  g_assert_cmpint (cs_case_get_version (kase), ==, 0);
  g_assert_cmpint (cs_case_get_status (kase), ==, CS_CASE_STATUS_OPEN);
  g_assert_null (cs_case_get_assigned_to (kase));
  g_assert_null (cs_case_get_lease_until (kase));
  g_assert_null (cs_case_get_decided (kase));
  g_assert_nonnull (cs_case_get_labels (kase));
  g_assert_null (cs_case_get_labels (kase)[0]);
  g_assert_cmpuint (cs_case_get_policy (kase)->rationale_required, ==, 0);
  g_assert_cmpstr (cs_case_get_queue (kase), ==, "derm");
  g_assert_cmpstr (cs_case_get_predicted_label (kase), ==, "melanoma");
  g_assert_cmpfloat (cs_case_get_confidence (kase), ==, 0.52);
  g_assert_cmpstr (cs_case_get_subject_asset (kase)->sha256, ==, SHA_A);
  g_assert_cmpuint (cs_case_get_spans (kase)->len, ==, 1);
}

static void
check_variant (Variant v,
               CsCase *kase)
{
  switch (v)
    {
    case V_FULL: check_full (kase); break;
    case V_GRID: check_grid (kase); break;
    case V_TEXT: check_text (kase); break;
    case V_DOCUMENT: check_document (kase); break;
    case V_TABULAR: check_tabular (kase); break;
    case V_PREDICTION: check_prediction (kase); break;
    case N_VARIANTS:
    default: g_assert_not_reached ();
    }
}

/* Round trips ------------------------------------------------------------- */

static void
test_case_round_trip (gconstpointer data)
{
  Variant v = GPOINTER_TO_UINT (data);
  g_autoptr(CsCase) first = parse_variant (v);
  g_autoptr(CsCase) second = NULL;
  g_autoptr(CsCase) copy = NULL;
  g_autoptr(JsonNode) out1 = NULL, out2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text1 = NULL, *text2 = NULL, *data1 = NULL;
  g_autofree char *canon1 = NULL, *canon2 = NULL, *canon_copy = NULL;

  check_variant (v, first);

  out1 = cs_case_to_json (first);
  text1 = cs_json_to_string (out1, NULL);
  data1 = cs_case_to_data (first, NULL);
  g_assert_cmpstr (text1, ==, data1);

  second = cs_case_new_from_data (text1, -1, variant_flags (v), &error);
  g_assert_no_error (error);
  g_assert_nonnull (second);
  check_variant (v, second);

  out2 = cs_case_to_json (second);
  text2 = cs_json_to_string (out2, NULL);
  canon1 = cs_json_canonical (out1);
  canon2 = cs_json_canonical (out2);
  g_assert_cmpstr (canon1, ==, canon2);

  copy = cs_case_copy (first);
  g_assert_nonnull (copy);
  g_assert_true (copy != first);
  check_variant (v, copy);
  canon_copy = canonical_of_case (copy);
  g_assert_cmpstr (canon_copy, ==, canon1);
}

/* Every member the input had is written back, at the same place. */
static void
test_case_writes_every_member (void)
{
  static const char *paths[] = {
    "id", "version", "queue", "status", "assigned_to", "lease_until", "created_at", "due_at",
    "priority", "trigger.kind", "trigger.detail", "trigger.threshold", "subject.kind",
    "subject.title", "subject.asset.sha256", "subject.asset.media_type", "subject.asset.bytes",
    "subject.asset.width", "subject.asset.height", "subject.text", "model.name", "model.version",
    "prediction.label", "prediction.confidence", "prediction.alternatives[1].label",
    "prediction.alternatives[1].confidence", "explanation.summary", "explanation.heatmap.kind",
    "explanation.heatmap.asset.sha256", "explanation.heatmap.asset.media_type",
    "explanation.regions[0].page", "explanation.regions[0].x", "explanation.regions[0].h",
    "explanation.regions[0].label", "explanation.regions[0].score",
    "explanation.attributions[1].feature", "explanation.attributions[1].value",
    "explanation.attributions[1].display", "explanation.spans[0].start", "explanation.spans[0].end",
    "explanation.spans[0].weight", "explanation.spans[0].label", "labels[2]",
    "policy.rationale_required[2]", "policy.min_rationale_chars", "policy.blind_first",
    "policy.second_review[1]", "policy.target_error", "policy.allow_amendments",
    "context.patient_age", "context.site", "decided.by", "decided.action", "decided.label",
    "decided.at",
  };
  g_autoptr(JsonNode) input = variant (V_FULL);
  g_autoptr(CsCase) kase = parse_variant (V_FULL);
  g_autoptr(JsonNode) output = cs_case_to_json (kase);

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(JsonNode) a = lookup (input, paths[i]);
      g_autoptr(JsonNode) b = lookup (output, paths[i]);

      if (a == NULL)
        g_error ("the fixture has no %s", paths[i]);
      if (b == NULL)
        {
          fail ("%s is not written back", paths[i]);
          continue;
        }
      /* Numbers may change between integer and double (412 → 412.0). */
      if (JSON_NODE_HOLDS_VALUE (a) && json_node_get_value_type (a) != G_TYPE_STRING &&
          json_node_get_value_type (a) != G_TYPE_BOOLEAN)
        {
          g_assert_true (JSON_NODE_HOLDS_VALUE (b));
          if (json_node_get_double (a) != json_node_get_double (b))
            fail ("%s: %g written back as %g", paths[i],
                                json_node_get_double (a), json_node_get_double (b));
        }
      else if (!json_node_equal (a, b))
        fail ("%s differs after writing", paths[i]);
    }
}

/* Unknown fields ---------------------------------------------------------- */

static void
test_case_unknown_fields (void)
{
  static const struct { Variant v; const char *object; } places[] = {
    { V_FULL, "" },
    { V_FULL, "trigger" },
    { V_FULL, "subject" },
    { V_FULL, "subject.asset" },
    { V_FULL, "model" },
    { V_FULL, "prediction" },
    { V_FULL, "prediction.alternatives[0]" },
    { V_FULL, "explanation" },
    { V_FULL, "explanation.heatmap" },
    { V_FULL, "explanation.heatmap.asset" },
    { V_FULL, "explanation.regions[0]" },
    { V_FULL, "explanation.attributions[1]" },
    { V_FULL, "explanation.spans[0]" },
    { V_FULL, "policy" },
    { V_FULL, "decided" },
    { V_GRID, "explanation.heatmap.grid" },
    { V_TEXT, "subject" },
    { V_PREDICTION, "" },
  };
  static const char *future =
    "{'nested': [1, {'deep': true, 'list': [[], {}]}], 'text': 'x', 'n': null}";

  for (guint i = 0; i < G_N_ELEMENTS (places); i++)
    {
      g_autoptr(CsCase) base = parse_variant (places[i].v);
      g_autoptr(JsonNode) node = variant (places[i].v);
      g_autofree char *path = places[i].object[0] ? g_strconcat (places[i].object, ".x_future", NULL)
                                                  : g_strdup ("x_future");
      g_autofree char *path2 = places[i].object[0] ? g_strconcat (places[i].object, ".kind2", NULL)
                                                   : g_strdup ("kind2");
      g_autoptr(JsonNode) a = edit (node, path, future);
      g_autoptr(JsonNode) b = edit (a, path2, "42");
      g_autoptr(GError) error = NULL;
      g_autoptr(CsCase) kase = parse_case (b, variant_flags (places[i].v), &error);
      g_autofree char *canon_base = NULL, *canon = NULL;

      if (kase == NULL)
        {
          fail ("an unknown field in “%s” is refused: %s", places[i].object, error->message);
          continue;
        }
      check_variant (places[i].v, kase);
      canon_base = canonical_of_case (base);
      canon = canonical_of_case (kase);
      g_assert_cmpstr (canon, ==, canon_base);
      g_assert_null (strstr (canon, "x_future"));
    }
}

/* Systematic mutations ---------------------------------------------------- */

typedef enum
{
  T_STR,
  T_TIME,
  T_NUM,
  T_INT,
  T_BOOL,
  T_OBJ,
  T_ARR,
  T_STRV,
  T_SCALAR,   /* a value of subject.fields or context */
  T_ELEM,     /* an array element that must be an object */
  T_NUMELEM,  /* an array element that must be a number */
} FieldType;

typedef enum
{
  OPTIONAL,   /* absent or null: fine */
  REQUIRED,   /* absent or null: malformed, naming the field */
  ELEMENT,    /* an array element: not removed, null is a wrong type */
} Presence;

typedef struct
{
  Variant      v;
  const char  *path;
  FieldType    type;
  Presence     presence;
  const char  *missing_path;  /* the path the error names when absent, if not @path */
} FieldSpec;

static const FieldSpec case_fields[] = {
  { V_FULL, "id", T_STR, REQUIRED, NULL },
  { V_FULL, "version", T_INT, REQUIRED, NULL },
  { V_FULL, "queue", T_STR, REQUIRED, NULL },
  { V_FULL, "status", T_STR, REQUIRED, NULL },
  { V_FULL, "assigned_to", T_STR, OPTIONAL, NULL },
  { V_FULL, "lease_until", T_TIME, OPTIONAL, NULL },
  { V_FULL, "created_at", T_TIME, OPTIONAL, NULL },
  { V_FULL, "due_at", T_TIME, OPTIONAL, NULL },
  { V_FULL, "priority", T_NUM, OPTIONAL, NULL },
  { V_FULL, "trigger", T_OBJ, OPTIONAL, NULL },
  { V_FULL, "trigger.kind", T_STR, REQUIRED, NULL },
  { V_FULL, "trigger.detail", T_STR, OPTIONAL, NULL },
  { V_FULL, "trigger.threshold", T_NUM, OPTIONAL, NULL },
  { V_FULL, "subject", T_OBJ, REQUIRED, NULL },
  { V_FULL, "subject.kind", T_STR, REQUIRED, NULL },
  { V_FULL, "subject.title", T_STR, REQUIRED, NULL },
  { V_FULL, "subject.asset", T_OBJ, REQUIRED, NULL },
  { V_FULL, "subject.asset.sha256", T_STR, REQUIRED, NULL },
  { V_FULL, "subject.asset.media_type", T_STR, REQUIRED, NULL },
  { V_FULL, "subject.asset.bytes", T_INT, OPTIONAL, NULL },
  { V_FULL, "subject.asset.width", T_INT, OPTIONAL, NULL },
  { V_FULL, "subject.asset.height", T_INT, OPTIONAL, NULL },
  { V_FULL, "subject.text", T_STR, REQUIRED, "explanation.spans[0]" },  /* the spans point into it */
  { V_DOCUMENT, "subject.text", T_STR, OPTIONAL, NULL },
  { V_FULL, "subject.fields", T_OBJ, OPTIONAL, NULL },
  { V_FULL, "model", T_OBJ, REQUIRED, NULL },
  { V_FULL, "model.name", T_STR, REQUIRED, NULL },
  { V_FULL, "model.version", T_STR, OPTIONAL, NULL },
  { V_FULL, "prediction", T_OBJ, REQUIRED, NULL },
  { V_FULL, "prediction.label", T_STR, REQUIRED, NULL },
  { V_FULL, "prediction.confidence", T_NUM, REQUIRED, NULL },
  { V_FULL, "prediction.alternatives", T_ARR, OPTIONAL, NULL },
  { V_FULL, "prediction.alternatives[1]", T_ELEM, ELEMENT, NULL },
  { V_FULL, "prediction.alternatives[1].label", T_STR, REQUIRED, NULL },
  { V_FULL, "prediction.alternatives[1].confidence", T_NUM, REQUIRED, NULL },
  { V_FULL, "explanation", T_OBJ, OPTIONAL, NULL },
  { V_FULL, "explanation.summary", T_STR, OPTIONAL, NULL },
  { V_FULL, "explanation.heatmap", T_OBJ, OPTIONAL, NULL },
  { V_FULL, "explanation.heatmap.kind", T_STR, OPTIONAL, NULL },
  { V_FULL, "explanation.heatmap.asset", T_OBJ, REQUIRED, "explanation.heatmap" },
  { V_FULL, "explanation.heatmap.asset.sha256", T_STR, REQUIRED, NULL },
  { V_FULL, "explanation.heatmap.asset.media_type", T_STR, REQUIRED, NULL },
  { V_FULL, "explanation.regions", T_ARR, OPTIONAL, NULL },
  { V_FULL, "explanation.regions[0]", T_ELEM, ELEMENT, NULL },
  { V_FULL, "explanation.regions[0].page", T_INT, OPTIONAL, NULL },
  { V_FULL, "explanation.regions[0].x", T_NUM, REQUIRED, NULL },
  { V_FULL, "explanation.regions[0].y", T_NUM, REQUIRED, NULL },
  { V_FULL, "explanation.regions[0].w", T_NUM, REQUIRED, NULL },
  { V_FULL, "explanation.regions[0].h", T_NUM, REQUIRED, NULL },
  { V_FULL, "explanation.regions[0].label", T_STR, OPTIONAL, NULL },
  { V_FULL, "explanation.regions[0].score", T_NUM, OPTIONAL, NULL },
  { V_FULL, "explanation.attributions", T_ARR, OPTIONAL, NULL },
  { V_FULL, "explanation.attributions[1]", T_ELEM, ELEMENT, NULL },
  { V_FULL, "explanation.attributions[1].feature", T_STR, REQUIRED, NULL },
  { V_FULL, "explanation.attributions[1].value", T_NUM, REQUIRED, NULL },
  { V_FULL, "explanation.attributions[1].display", T_STR, OPTIONAL, NULL },
  { V_FULL, "explanation.spans", T_ARR, OPTIONAL, NULL },
  { V_FULL, "explanation.spans[0]", T_ELEM, ELEMENT, NULL },
  { V_FULL, "explanation.spans[0].start", T_INT, REQUIRED, NULL },
  { V_FULL, "explanation.spans[0].end", T_INT, REQUIRED, NULL },
  { V_FULL, "explanation.spans[0].weight", T_NUM, OPTIONAL, NULL },
  { V_FULL, "explanation.spans[0].label", T_STR, OPTIONAL, NULL },
  { V_FULL, "labels", T_STRV, REQUIRED, NULL },
  { V_FULL, "policy", T_OBJ, OPTIONAL, NULL },
  { V_FULL, "policy.rationale_required", T_STRV, OPTIONAL, NULL },
  { V_FULL, "policy.min_rationale_chars", T_INT, OPTIONAL, NULL },
  { V_FULL, "policy.blind_first", T_BOOL, OPTIONAL, NULL },
  { V_FULL, "policy.second_review", T_STRV, OPTIONAL, NULL },
  { V_FULL, "policy.target_error", T_NUM, OPTIONAL, NULL },
  { V_FULL, "policy.allow_amendments", T_BOOL, OPTIONAL, NULL },
  { V_FULL, "context", T_OBJ, OPTIONAL, NULL },
  { V_FULL, "context.patient_age", T_SCALAR, OPTIONAL, NULL },
  { V_FULL, "context.site", T_SCALAR, OPTIONAL, NULL },
  { V_FULL, "decided", T_OBJ, OPTIONAL, NULL },
  { V_FULL, "decided.by", T_STR, REQUIRED, NULL },
  { V_FULL, "decided.action", T_STR, REQUIRED, NULL },
  { V_FULL, "decided.label", T_STR, OPTIONAL, NULL },
  { V_FULL, "decided.at", T_TIME, REQUIRED, NULL },
  { V_GRID, "explanation.heatmap.grid", T_OBJ, REQUIRED, "explanation.heatmap" },
  { V_GRID, "explanation.heatmap.grid.width", T_INT, REQUIRED, NULL },
  { V_GRID, "explanation.heatmap.grid.height", T_INT, REQUIRED, NULL },
  { V_GRID, "explanation.heatmap.grid.values", T_ARR, REQUIRED, NULL },
  { V_GRID, "explanation.heatmap.grid.values[3]", T_NUMELEM, ELEMENT, NULL },
  { V_GRID, "explanation.heatmap.kind", T_STR, OPTIONAL, NULL },
  { V_TEXT, "subject.text", T_STR, REQUIRED, NULL },
  { V_TEXT, "subject.asset", T_OBJ, OPTIONAL, NULL },
  { V_TEXT, "explanation.spans[1].end", T_INT, REQUIRED, NULL },
  { V_DOCUMENT, "subject.asset", T_OBJ, REQUIRED, NULL },
  { V_DOCUMENT, "subject.asset.bytes", T_INT, OPTIONAL, NULL },
  { V_DOCUMENT, "explanation.regions[0].page", T_INT, OPTIONAL, NULL },
  { V_TABULAR, "subject.fields", T_OBJ, REQUIRED, NULL },
  { V_TABULAR, "subject.fields.amount", T_SCALAR, OPTIONAL, NULL },
  { V_TABULAR, "subject.fields.note", T_SCALAR, OPTIONAL, NULL },
  { V_TABULAR, "subject.asset", T_OBJ, OPTIONAL, NULL },
  /* A prediction needs what the model knows, not what the server adds. */
  { V_PREDICTION, "queue", T_STR, REQUIRED, NULL },
  { V_PREDICTION, "subject", T_OBJ, REQUIRED, NULL },
  { V_PREDICTION, "subject.title", T_STR, REQUIRED, NULL },
  { V_PREDICTION, "model.name", T_STR, REQUIRED, NULL },
  { V_PREDICTION, "prediction", T_OBJ, REQUIRED, NULL },
  { V_PREDICTION, "prediction.confidence", T_NUM, REQUIRED, NULL },
  { V_PREDICTION, "id", T_STR, OPTIONAL, NULL },
  { V_PREDICTION, "version", T_INT, OPTIONAL, NULL },
  { V_PREDICTION, "status", T_STR, OPTIONAL, NULL },
  { V_PREDICTION, "labels", T_STRV, OPTIONAL, NULL },
  { V_PREDICTION, "policy", T_OBJ, OPTIONAL, NULL },
};

/* JSON values of the wrong type for each type. */
static const char * const *
wrong_values (FieldType type)
{
  static const char *str[] = { "7", "1.5", "true", "{}", "[]", "['a']", NULL };
  static const char *times[] = { "7", "true", "{}", "[]", "'yesterday'", "'2026-11-24T09:30:00'",
                                "'2026-11-24'", "''", NULL };
  static const char *num[] = { "'0.5'", "true", "{}", "[]", "[0.5]", NULL };
  static const char *integer[] = { "'3'", "1.5", "false", "{}", "[]", NULL };
  static const char *boolean[] = { "'true'", "1", "{}", "[]", NULL };
  static const char *obj[] = { "'x'", "7", "1.5", "true", "[]", "[{}]", NULL };
  static const char *arr[] = { "'x'", "7", "true", "{}", NULL };
  static const char *strv[] = { "'x'", "7", "{}", "[7]", "['a', null]", "[['a']]", NULL };
  static const char *scalar[] = { "{}", "[]", "{'a': 1}", "[1]", NULL };
  static const char *elem[] = { "'x'", "7", "null", "[]", "true", NULL };
  static const char *numelem[] = { "'0.5'", "null", "true", "{}", "[]", NULL };

  switch (type)
    {
    case T_STR: return str;
    case T_TIME: return times;
    case T_NUM: return num;
    case T_INT: return integer;
    case T_BOOL: return boolean;
    case T_OBJ: return obj;
    case T_ARR: return arr;
    case T_STRV: return strv;
    case T_SCALAR: return scalar;
    case T_ELEM: return elem;
    case T_NUMELEM: return numelem;
    default: g_assert_not_reached ();
    }
}

typedef GObject *(*ParseFunc) (JsonNode *node, gpointer user_data, GError **error);

/* Parses @node, which must fail with CS_ERROR_MALFORMED naming @path. */
static void
expect_malformed (ParseFunc    parse,
                  gpointer     user_data,
                  JsonNode    *node,
                  const char  *path,
                  const char  *what)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GObject) object = parse (node, user_data, &error);

  if (object != NULL)
    {
      g_autofree char *text = cs_json_to_string (node, NULL);
      fail ("%s: accepted, expected an error naming “%s” (%s)", what, path, text);
      return;
    }
  if (error == NULL)
    {
      fail ("%s: neither a result nor an error", what);
      return;
    }
  if (!g_error_matches (error, CS_ERROR, CS_ERROR_MALFORMED))
    fail ("%s: error %s/%d “%s”, expected CS_ERROR_MALFORMED", what,
                        g_quark_to_string (error->domain), error->code, error->message);
  else if (!names_path (error->message, path))
    fail ("%s: the error “%s” does not name “%s”", what, error->message, path);
}

static void
expect_accepted (ParseFunc    parse,
                 gpointer     user_data,
                 JsonNode    *node,
                 const char  *what)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GObject) object = parse (node, user_data, &error);

  if (object == NULL)
    fail ("%s: refused: %s", what, error ? error->message : "(no error)");
  else if (error != NULL)
    fail ("%s: both a result and an error", what);
}

/* Runs the table: absent and null for every field, and every wrong type. */
static guint
run_field_table (const FieldSpec  *specs,
                 guint             n_specs,
                 JsonNode       *(*base_for) (Variant v),
                 ParseFunc         parse,
                 gpointer        (*data_for) (Variant v),
                 const char       *error_prefix)
{
  guint n_checks = 0;

  for (guint i = 0; i < n_specs; i++)
    {
      const FieldSpec *spec = &specs[i];
      g_autoptr(JsonNode) base = base_for (spec->v);
      gpointer user_data = data_for (spec->v);
      g_autofree char *expected = g_strconcat (error_prefix, spec->path, NULL);
      g_autofree char *expected_missing = g_strconcat (error_prefix,
                                                       spec->missing_path ? spec->missing_path : spec->path,
                                                       NULL);
      const char * const *wrong = wrong_values (spec->type);
      g_autoptr(JsonNode) check = NULL;

      /* The path must exist in the fixture, or the table tests nothing. */
      check = lookup (base, spec->path);
      if (check == NULL && !(spec->v == V_PREDICTION && spec->presence == OPTIONAL))
        g_error ("the fixture %d has no %s", spec->v, spec->path);

      if (spec->presence != ELEMENT)
        {
          g_autoptr(JsonNode) removed = edit (base, spec->path, NULL);
          g_autoptr(JsonNode) nulled = edit (base, spec->path, "null");
          g_autofree char *what_removed = g_strdup_printf ("variant %d without %s", spec->v, spec->path);
          g_autofree char *what_nulled = g_strdup_printf ("variant %d with %s null", spec->v, spec->path);

          if (spec->presence == REQUIRED)
            {
              expect_malformed (parse, user_data, removed, expected_missing, what_removed);
              expect_malformed (parse, user_data, nulled, expected_missing, what_nulled);
            }
          else
            {
              expect_accepted (parse, user_data, removed, what_removed);
              expect_accepted (parse, user_data, nulled, what_nulled);
            }
          n_checks += 2;
        }

      for (guint w = 0; wrong[w] != NULL; w++)
        {
          g_autoptr(JsonNode) mutated = edit (base, spec->path, wrong[w]);
          g_autofree char *what = g_strdup_printf ("variant %d with %s = %s", spec->v, spec->path, wrong[w]);

          expect_malformed (parse, user_data, mutated, expected, what);
          n_checks++;
        }
    }

  return n_checks;
}

static GObject *
parse_case_func (JsonNode  *node,
                 gpointer   user_data,
                 GError   **error)
{
  return (GObject *) parse_case (node, GPOINTER_TO_UINT (user_data), error);
}

static gpointer
case_flags_for (Variant v)
{
  return GUINT_TO_POINTER (variant_flags (v));
}

static void
test_case_field_table (void)
{
  guint n = run_field_table (case_fields, G_N_ELEMENTS (case_fields), variant,
                             parse_case_func, case_flags_for, "");

  g_test_message ("%u mutations of the case fixtures", n);
  g_assert_cmpuint (n, >, 500);
}

/* Removing what is optional leaves the documented defaults. */
static void
test_case_defaults (void)
{
  static const char *optional[] = {
    "assigned_to", "lease_until", "created_at", "due_at", "priority", "trigger", "subject.text",
    "subject.asset.bytes", "subject.asset.width", "subject.asset.height", "model.version",
    "prediction.alternatives", "explanation.heatmap.kind", "explanation.regions[0].page",
    "explanation.regions[0].label", "explanation.regions[0].score", "explanation.spans",
    "explanation.attributions[0].display", "policy", "context", "decided",
  };
  g_autoptr(JsonNode) node = variant (V_FULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsCase) kase = NULL;
  const CsAsset *asset;
  CsRegion *region;

  for (guint i = 0; i < G_N_ELEMENTS (optional); i++)
    {
      JsonNode *next = edit (node, optional[i], NULL);
      json_node_unref (node);
      node = next;
    }
  kase = parse_case (node, CS_CASE_PARSE_CASE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (kase);

  g_assert_null (cs_case_get_assigned_to (kase));
  g_assert_null (cs_case_get_lease_until (kase));
  g_assert_null (cs_case_get_created_at (kase));
  g_assert_null (cs_case_get_due_at (kase));
  g_assert_cmpfloat (cs_case_get_priority (kase), ==, 0);
  g_assert_cmpint (cs_case_get_trigger_kind (kase), ==, CS_TRIGGER_OTHER);
  g_assert_null (cs_case_get_trigger_detail (kase));
  g_assert_true (isnan (cs_case_get_trigger_threshold (kase)));
  g_assert_null (cs_case_get_subject_text (kase));
  asset = cs_case_get_subject_asset (kase);
  g_assert_cmpint (asset->bytes, ==, -1);
  g_assert_cmpint (asset->width, ==, -1);
  g_assert_cmpint (asset->height, ==, -1);
  g_assert_null (cs_case_get_model_version (kase));
  g_assert_cmpuint (cs_case_get_alternatives (kase)->len, ==, 0);
  g_assert_null (cs_case_get_heatmap (kase)->kind);
  region = cs_case_get_regions (kase)->pdata[0];
  g_assert_cmpint (region->page, ==, 0);
  g_assert_null (region->label);
  g_assert_true (isnan (region->score));
  g_assert_cmpuint (cs_case_get_spans (kase)->len, ==, 0);
  g_assert_null (((CsAttribution *) cs_case_get_attributions (kase)->pdata[0])->display);
  g_assert_cmpuint (cs_case_get_policy (kase)->rationale_required, ==, 0);
  g_assert_cmpuint (cs_case_get_policy (kase)->min_rationale_chars, ==, 0);
  g_assert_false (cs_case_get_policy (kase)->blind_first);
  g_assert_cmpfloat (cs_case_get_policy (kase)->target_error, <, 0);
  g_assert_cmpuint (cs_case_get_context (kase)->len, ==, 0);
  g_assert_null (cs_case_get_decided (kase));

  /* … and the defaults survive a round trip. */
  {
    g_autofree char *canon1 = canonical_of_case (kase);
    g_autoptr(CsCase) copy = cs_case_copy (kase);
    g_autofree char *canon2 = canonical_of_case (copy);

    g_assert_cmpstr (canon1, ==, canon2);
    g_assert_true (isnan (cs_case_get_trigger_threshold (copy)));
    g_assert_true (isnan (((CsRegion *) cs_case_get_regions (copy)->pdata[0])->score));
    g_assert_cmpint (cs_case_get_subject_asset (copy)->width, ==, -1);
  }
}

/* Values out of range ----------------------------------------------------- */

typedef struct
{
  Variant     v;
  const char *path;
  const char *value;     /* JSON text; NULL removes */
  const char *names;     /* the path the error must name; NULL: accepted */
} RangeCase;

static const RangeCase range_cases[] = {
  { V_FULL, "prediction.confidence", "1.5", "prediction.confidence" },
  { V_FULL, "prediction.confidence", "-0.01", "prediction.confidence" },
  { V_FULL, "prediction.confidence", "1", NULL },
  { V_FULL, "prediction.confidence", "0", NULL },
  { V_FULL, "prediction.alternatives[0].confidence", "1.01", "prediction.alternatives[0].confidence" },
  { V_FULL, "priority", "-1", "priority" },
  { V_FULL, "priority", "1.0001", "priority" },
  { V_FULL, "priority", "1", NULL },
  { V_FULL, "version", "-1", "version" },
  { V_FULL, "version", "0", NULL },
  { V_FULL, "version", "3.0", NULL },              /* an integer written as a double */
  { V_FULL, "version", "9007199254740993.0", "version" },
  { V_FULL, "id", "''", "id" },
  { V_FULL, "subject.asset.width", "-5", "subject.asset.width" },
  { V_FULL, "subject.asset.width", "0", "subject.asset.width" },
  { V_FULL, "subject.asset.height", "-1", "subject.asset.height" },
  { V_FULL, "subject.asset.bytes", "-1", "subject.asset.bytes" },
  { V_FULL, "subject.asset.bytes", "0", NULL },
  { V_FULL, "subject.asset", "{'sha256': '" SHA_A "', 'media_type': 'image/png', 'height': 0}",
    "subject.asset.height" },
  { V_FULL, "subject.asset", "{'sha256': '" SHA_A "', 'media_type': 'image/png', 'width': 0}",
    "subject.asset.width" },
  { V_FULL, "subject.asset.sha256", "'0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef'",
    "subject.asset.sha256" },
  { V_FULL, "subject.asset.sha256", "'0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde'",
    "subject.asset.sha256" },
  { V_FULL, "subject.asset.sha256", "'0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0'",
    "subject.asset.sha256" },
  { V_FULL, "subject.asset.sha256", "'0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg'",
    "subject.asset.sha256" },
  { V_FULL, "subject.asset.sha256", "''", "subject.asset.sha256" },
  { V_FULL, "explanation.heatmap.asset.sha256", "'" SHA_B " '", "explanation.heatmap.asset.sha256" },
  { V_FULL, "subject.kind", "'video'", "subject.kind" },
  { V_FULL, "subject.kind", "'Image'", "subject.kind" },
  { V_FULL, "status", "'closed'", "status" },
  { V_FULL, "status", "'OPEN'", "status" },
  { V_FULL, "status", "'pending_second'", NULL },
  { V_FULL, "status", "'withdrawn'", NULL },
  { V_FULL, "lease_until", "'yesterday'", "lease_until" },
  { V_FULL, "lease_until", "'2026-11-24T09:30:00'", "lease_until" },   /* no zone */
  { V_FULL, "due_at", "'2026-11-24 09:30'", "due_at" },
  { V_FULL, "created_at", "'2026-13-01T00:00:00Z'", "created_at" },
  { V_FULL, "decided.at", "'tomorrow'", "decided.at" },
  { V_FULL, "decided.action", "'approve'", "decided.action" },
  { V_FULL, "decided.action", "'agree'", NULL },
  { V_FULL, "explanation.regions[0].w", "-1", "explanation.regions[0]" },
  { V_FULL, "explanation.regions[0].h", "-0.5", "explanation.regions[0]" },
  { V_FULL, "explanation.regions[0].page", "-1", "explanation.regions[0]" },
  { V_FULL, "explanation.regions[0].x", "-3", NULL },     /* partly off the image is fine */
  /* NOTE_TEXT has 145 characters in 150 bytes. */
  { V_FULL, "explanation.spans[0].end", "145", NULL },
  { V_FULL, "explanation.spans[0].end", "146", "explanation.spans[0]" },
  { V_FULL, "explanation.spans[0].end", "150", "explanation.spans[0]" },
  { V_FULL, "explanation.spans[0].start", "-1", "explanation.spans[0]" },
  { V_FULL, "explanation.spans[0].start", "135", "explanation.spans[0]" },  /* end < start */
  { V_FULL, "explanation.spans[0].start", "134", NULL },                    /* empty span */
  { V_FULL, "subject.text", NULL, "explanation.spans[0]" },                 /* no text at all */
  /* "naïve café" has 10 characters in 12 bytes. */
  { V_TEXT, "explanation.spans[1].end", "10", NULL },
  { V_TEXT, "explanation.spans[1].end", "11", "explanation.spans[1]" },
  { V_TEXT, "explanation.spans[1].end", "12", "explanation.spans[1]" },
  { V_TEXT, "explanation.spans[0].end", "9007199254740992", "explanation.spans[0]" },
  { V_TEXT, "subject.text", "''", "explanation.spans[0]" },
  { V_GRID, "explanation.heatmap.grid.values", "[0, 0.5, 1, 0.5, 0]", "explanation.heatmap.grid.values" },
  { V_GRID, "explanation.heatmap.grid.values", "[0, 0.5, 1, 0.5, 0, 1, 1]", "explanation.heatmap.grid.values" },
  { V_GRID, "explanation.heatmap.grid.values", "[]", "explanation.heatmap.grid.values" },
  { V_GRID, "explanation.heatmap.grid.width", "0", "explanation.heatmap.grid" },
  { V_GRID, "explanation.heatmap.grid.width", "-2", "explanation.heatmap.grid" },
  { V_GRID, "explanation.heatmap.grid.width", "5000", "explanation.heatmap.grid" },
  { V_GRID, "explanation.heatmap.grid.width", "4294967298", "explanation.heatmap.grid" },
  { V_GRID, "explanation.heatmap.asset", "{'sha256': '" SHA_B "', 'media_type': 'image/png'}",
    "explanation.heatmap" },                                               /* both */
  { V_FULL, "explanation.heatmap.grid", "{'width': 1, 'height': 1, 'values': [0.5]}",
    "explanation.heatmap" },                                               /* both */
  { V_FULL, "explanation.heatmap", "{'kind': 'saliency'}", "explanation.heatmap" },  /* neither */
  { V_FULL, "policy.min_rationale_chars", "-1", "policy.min_rationale_chars" },
  { V_FULL, "policy.min_rationale_chars", "10001", "policy.min_rationale_chars" },
  { V_FULL, "policy.target_error", "1.5", "policy.target_error" },
  { V_FULL, "policy.target_error", "-0.1", "policy.target_error" },
  { V_FULL, "policy.rationale_required", "['override', 'approve']", "policy.rationale_required" },
  { V_FULL, "policy.second_review", "['sometimes']", "policy.second_review" },
  { V_TABULAR, "subject.fields", "{}", NULL },
  { V_TABULAR, "subject.fields.nested", "{'a': 1}", "subject.fields.nested" },
  { V_FULL, "context.deep", "[1, 2]", "context.deep" },
  /* null is a valid value for optional asset details, like everywhere else */
  { V_FULL, "subject.asset.bytes", "null", NULL },
  { V_FULL, "subject.asset.width", "null", NULL },
  { V_FULL, "subject.asset.height", "null", NULL },
};

static void
test_case_ranges (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (range_cases); i++)
    {
      const RangeCase *rc = &range_cases[i];
      g_autoptr(JsonNode) base = variant (rc->v);
      g_autoptr(JsonNode) node = edit (base, rc->path, rc->value);
      g_autofree char *what = g_strdup_printf ("variant %d with %s = %s", rc->v, rc->path,
                                               rc->value ? rc->value : "(absent)");

      if (rc->names != NULL)
        expect_malformed (parse_case_func, GUINT_TO_POINTER (variant_flags (rc->v)), node, rc->names, what);
      else
        expect_accepted (parse_case_func, GUINT_TO_POINTER (variant_flags (rc->v)), node, what);
    }

  /* Numbers JSON can write but a double cannot hold (json-glib makes them inf). */
  {
    static const struct { const char *from, *to, *names; } raw[] = {
      { "\"confidence\":0.52", "\"confidence\":1e400", "prediction.confidence" },
      { "\"confidence\":0.52", "\"confidence\":-1e400", "prediction.confidence" },
      { "\"priority\":0.87", "\"priority\":1e999", "priority" },
      { "\"value\":-0.12", "\"value\":-1e400", "explanation.attributions[1].value" },
      { "\"x\":412", "\"x\":1e400", "explanation.regions[0].x" },
      { "\"site\":\"Clinic B\"", "\"site\":1e400", "context.site" },
      { "\"site\":\"Clinic B\"", "\"site\":-1E999", "context.site" },
    };
    g_autoptr(JsonNode) base = variant (V_FULL);
    g_autofree char *text = cs_json_to_string (base, NULL);

    for (guint i = 0; i < G_N_ELEMENTS (raw); i++)
      {
        g_auto(GStrv) parts = g_strsplit (text, raw[i].from, 2);
        g_autofree char *mutated = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(CsCase) kase = NULL;

        g_assert_nonnull (parts[1]);
        mutated = g_strconcat (parts[0], raw[i].to, parts[1], NULL);
        kase = cs_case_new_from_data (mutated, -1, CS_CASE_PARSE_CASE, &error);
        g_assert_null (kase);
        g_assert_error (error, CS_ERROR, CS_ERROR_MALFORMED);
        if (!names_path (error->message, raw[i].names))
          fail ("%s: “%s” does not name %s", raw[i].to, error->message, raw[i].names);
      }
  }
}

/* Grid values outside 0..1 are clamped, not refused. */
static void
test_case_grid_clamped (void)
{
  g_autoptr(JsonNode) base = variant (V_GRID);
  g_autoptr(JsonNode) node = edit (base, "explanation.heatmap.grid.values", "[-1, 2, 0.5, 1e300, 0, -1e-9]");
  g_autoptr(GError) error = NULL;
  g_autoptr(CsCase) kase = parse_case (node, CS_CASE_PARSE_CASE, &error);
  const CsHeatmap *heatmap;

  g_assert_no_error (error);
  heatmap = cs_case_get_heatmap (kase);
  g_assert_cmpfloat (heatmap->grid_values[0], ==, 0);
  g_assert_cmpfloat (heatmap->grid_values[1], ==, 1);
  g_assert_cmpfloat (heatmap->grid_values[2], ==, 0.5);
  g_assert_cmpfloat (heatmap->grid_values[3], ==, 1);
  g_assert_cmpfloat (heatmap->grid_values[5], ==, 0);
}

static void
test_case_trigger_kinds (void)
{
  static const struct { const char *name; CsTriggerKind kind; } kinds[] = {
    { "low_confidence", CS_TRIGGER_LOW_CONFIDENCE },
    { "fairness", CS_TRIGGER_FAIRNESS },
    { "compliance_keyword", CS_TRIGGER_COMPLIANCE_KEYWORD },
    { "anomaly", CS_TRIGGER_ANOMALY },
    { "random_audit", CS_TRIGGER_RANDOM_AUDIT },
    { "overdue", CS_TRIGGER_OVERDUE },
    { "other", CS_TRIGGER_OTHER },
    { "model_drift_v9", CS_TRIGGER_OTHER },   /* from a newer server */
    { "", CS_TRIGGER_OTHER },
    { "LOW_CONFIDENCE", CS_TRIGGER_OTHER },
  };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autoptr(JsonNode) base = variant (V_FULL);
      g_autofree char *value = g_strdup_printf ("'%s'", kinds[i].name);
      g_autoptr(JsonNode) node = edit (base, "trigger.kind", value);
      g_autoptr(GError) error = NULL;
      g_autoptr(CsCase) kase = parse_case (node, CS_CASE_PARSE_CASE, &error);
      g_autoptr(JsonNode) out = NULL;
      JsonObject *trigger;

      g_assert_no_error (error);
      g_assert_nonnull (kase);
      g_assert_cmpint (cs_case_get_trigger_kind (kase), ==, kinds[i].kind);
      /* The rest of the trigger is kept. */
      g_assert_cmpstr (cs_case_get_trigger_detail (kase), ==, "confidence 0.52 below threshold 0.80");
      g_assert_cmpfloat (cs_case_get_trigger_threshold (kase), ==, 0.80);
      out = cs_case_to_json (kase);
      trigger = json_object_get_object_member (json_node_get_object (out), "trigger");
      g_assert_cmpstr (json_object_get_string_member (trigger, "kind"), ==,
                       cs_trigger_kind_to_string (kinds[i].kind));
    }
}

/* Prediction mode --------------------------------------------------------- */

static void
test_case_prediction (void)
{
  g_autoptr(JsonNode) node = variant (V_PREDICTION);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsCase) kase = NULL;
  g_autoptr(CsCase) full = NULL;
  g_autoptr(CsCase) copy = NULL;
  g_autoptr(JsonNode) out = NULL;
  g_autoptr(GDateTime) lease = g_date_time_new_utc (2026, 11, 25, 18, 0, 0);
  g_autoptr(GDateTime) created = g_date_time_new_utc (2026, 11, 24, 8, 0, 0);
  g_autoptr(GTimeZone) plus2 = g_time_zone_new_offset (2 * 3600);
  g_autoptr(GDateTime) due = g_date_time_new (plus2, 2026, 11, 24, 22, 0, 0);
  g_autoptr(CsPolicy) policy = cs_policy_new ();
  CsDecided decided = { .by = (char *) "r-22", .action = CS_ACTION_OVERRIDE, .label = (char *) "nevus" };
  g_autofree char *canon1 = NULL, *canon2 = NULL;

  /* Without the flag the server's fields are missing. */
  {
    g_autoptr(CsCase) refused = parse_case (node, CS_CASE_PARSE_CASE, &error);

    g_assert_null (refused);
    g_assert_error (error, CS_ERROR, CS_ERROR_MALFORMED);
    g_assert_true (names_path (error->message, "id"));
    g_clear_error (&error);
  }

  kase = parse_case (node, CS_CASE_PARSE_PREDICTION, &error);
  g_assert_no_error (error);
  g_assert_nonnull (kase);
  check_prediction (kase);
  g_assert_true (isnan (cs_case_get_trigger_threshold (kase)));

  /* Its own serialisation parses back as a prediction, not as a case. */
  copy = cs_case_copy (kase);
  g_assert_nonnull (copy);
  check_prediction (copy);

  /* What the server fills in. */
  policy->rationale_required = (1u << CS_ACTION_OVERRIDE) | (1u << CS_ACTION_REJECT) | (1u << CS_ACTION_ESCALATE);
  policy->min_rationale_chars = 15;
  policy->blind_first = TRUE;
  policy->second_review = (1u << CS_ACTION_OVERRIDE) | (1u << CS_ACTION_REJECT);
  policy->target_error = 0.02;
  policy->allow_amendments = TRUE;
  decided.at = g_date_time_new_utc (2026, 11, 24, 9, 31, 7);

  cs_case_set_id (kase, "c-000123");
  cs_case_set_version (kase, 3);
  cs_case_set_status (kase, CS_CASE_STATUS_DECIDED);
  cs_case_set_assigned_to (kase, "r-17", lease);
  cs_case_set_created_at (kase, created);
  cs_case_set_due_at (kase, due);
  cs_case_set_priority (kase, 0.87);
  cs_case_set_trigger (kase, CS_TRIGGER_LOW_CONFIDENCE, "confidence 0.52 below threshold 0.80", 0.80);
  cs_case_set_labels (kase, LABELS);
  cs_case_set_policy (kase, policy);
  cs_case_set_decided (kase, &decided);
  g_date_time_unref (decided.at);

  out = cs_case_to_json (kase);
  full = cs_case_new_from_json (out, CS_CASE_PARSE_CASE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (full);
  /* The same as the full fixture, the subject text and everything. */
  check_full (full);

  {
    g_autoptr(CsCase) reference = parse_variant (V_FULL);

    canon1 = canonical_of_case (full);
    canon2 = canonical_of_case (reference);
    g_assert_cmpstr (canon1, ==, canon2);
  }

  /* Setters clamp and clear. */
  cs_case_set_priority (kase, 1.5);
  g_assert_cmpfloat (cs_case_get_priority (kase), ==, 1.0);
  cs_case_set_priority (kase, -2);
  g_assert_cmpfloat (cs_case_get_priority (kase), ==, 0.0);
  cs_case_set_decided (kase, NULL);
  g_assert_null (cs_case_get_decided (kase));
  cs_case_set_assigned_to (kase, NULL, NULL);
  g_assert_null (cs_case_get_assigned_to (kase));
  g_assert_null (cs_case_get_lease_until (kase));
  cs_case_set_labels (kase, NULL);
  g_assert_null (cs_case_get_labels (kase)[0]);
}

/* The bounded parser ------------------------------------------------------ */

static GString *
nested (const char *open,
        const char *inner,
        const char *close,
        guint       depth)
{
  GString *s = g_string_sized_new (depth * (strlen (open) + strlen (close)) + strlen (inner));

  for (guint i = 0; i < depth; i++)
    g_string_append (s, open);
  g_string_append (s, inner);
  for (guint i = 0; i < depth; i++)
    g_string_append (s, close);
  return s;
}

static void
expect_parse_error (const char *data,
                    gsize       len,
                    gint        code,
                    const char *what)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = cs_json_parse (data, len, &error);

  if (node != NULL)
    fail ("%s: parsed, expected error %d", what, code);
  else if (!g_error_matches (error, CS_ERROR, code))
    fail ("%s: error “%s” (%d), expected %d", what,
                        error ? error->message : "(none)", error ? error->code : -1, code);
}

static JsonNode *
expect_parse_ok (const char *data,
                 gsize       len,
                 const char *what)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = cs_json_parse (data, len, &error);

  if (node == NULL)
    fail ("%s: refused: %s", what, error ? error->message : "(no error)");
  return node;
}

static void
test_json_size (void)
{
  gsize limit = CS_JSON_MAX_BYTES;
  g_autofree char *data = g_malloc (limit + 2);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (limit, ==, 8 * 1024 * 1024);

  /* ["aaaa…"] of exactly the limit parses. */
  data[0] = '[';
  data[1] = '"';
  memset (data + 2, 'a', limit - 4);
  data[limit - 2] = '"';
  data[limit - 1] = ']';
  data[limit] = '\0';
  node = expect_parse_ok (data, limit, "exactly 8 MiB");
  if (node != NULL)
    g_assert_cmpuint (strlen (json_array_get_string_element (json_node_get_array (node), 0)), ==, limit - 4);
  g_clear_pointer (&node, json_node_unref);

  /* One byte more is too large, whatever it is. */
  data[limit - 1] = ' ';
  data[limit] = ']';
  data[limit + 1] = '\0';
  expect_parse_error (data, limit + 1, CS_ERROR_TOO_LARGE, "8 MiB + 1");
  g_assert_false (cs_json_check_bounds (data, limit + 1, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_TOO_LARGE);
  g_clear_error (&error);

  bytes = g_bytes_new_static (data, limit + 1);
  node = cs_json_parse_bytes (bytes, &error);
  g_assert_null (node);
  g_assert_error (error, CS_ERROR, CS_ERROR_TOO_LARGE);
  g_clear_error (&error);

  /* The same through the case parser. */
  {
    g_autoptr(CsCase) kase = cs_case_new_from_data (data, limit + 1, CS_CASE_PARSE_CASE, &error);
    g_assert_null (kase);
    g_assert_error (error, CS_ERROR, CS_ERROR_TOO_LARGE);
    g_clear_error (&error);
  }
  {
    g_autoptr(CsDecision) decision = cs_decision_new_from_data (data, limit + 1, &error);
    g_assert_null (decision);
    g_assert_error (error, CS_ERROR, CS_ERROR_TOO_LARGE);
  }
}

static void
test_json_depth (void)
{
  g_autoptr(JsonNode) node = NULL;

  /* 64 levels parse, of arrays, of objects, and of both. */
  {
    g_autoptr(GString) s = nested ("[", "1", "]", CS_JSON_MAX_DEPTH);
    node = expect_parse_ok (s->str, s->len, "64 arrays");
    g_assert_nonnull (node);
    g_clear_pointer (&node, json_node_unref);
  }
  {
    g_autoptr(GString) s = nested ("{\"a\":", "null", "}", CS_JSON_MAX_DEPTH);
    node = expect_parse_ok (s->str, s->len, "64 objects");
    g_assert_nonnull (node);
    g_clear_pointer (&node, json_node_unref);
  }
  {
    g_autoptr(GString) s = nested ("[{\"a\":", "[]", "}]", CS_JSON_MAX_DEPTH / 2 - 1);
    node = expect_parse_ok (s->str, s->len, "mixed, 63 levels");
    g_assert_nonnull (node);
    g_clear_pointer (&node, json_node_unref);
  }
  /* Siblings do not add up: 1000 arrays of depth 64 side by side. */
  {
    g_autoptr(GString) one = nested ("[", "", "]", CS_JSON_MAX_DEPTH - 1);
    g_autoptr(GString) s = g_string_new ("[");
    for (guint i = 0; i < 1000; i++)
      {
        if (i > 0)
          g_string_append_c (s, ',');
        g_string_append (s, one->str);
      }
    g_string_append_c (s, ']');
    node = expect_parse_ok (s->str, s->len, "1000 siblings of depth 64");
    g_assert_nonnull (node);
    g_clear_pointer (&node, json_node_unref);
  }

  /* 65 levels are too deep. */
  {
    g_autoptr(GString) s = nested ("[", "1", "]", CS_JSON_MAX_DEPTH + 1);
    expect_parse_error (s->str, s->len, CS_ERROR_TOO_LARGE, "65 arrays");
  }
  {
    g_autoptr(GString) s = nested ("{\"a\":", "null", "}", CS_JSON_MAX_DEPTH + 1);
    expect_parse_error (s->str, s->len, CS_ERROR_TOO_LARGE, "65 objects");
  }
  /* 100000 open brackets: refused without recursing, closed or not. */
  {
    g_autoptr(GString) s = nested ("[", "", "", 100000);
    expect_parse_error (s->str, s->len, CS_ERROR_TOO_LARGE, "100000 [");
  }
  {
    g_autoptr(GString) s = nested ("[", "", "]", 1000000);
    expect_parse_error (s->str, s->len, CS_ERROR_TOO_LARGE, "a million nested arrays");
  }
  /* Hiding the brackets from the depth check behind something json-glib's
   * scanner accepts but JSON has not: single-quoted strings and comments. */
  {
    static const char *hideouts[] = { "['\"',", "[/*\"*/", "['\\'\"',", "[/**/'\"'," };

    for (guint i = 0; i < G_N_ELEMENTS (hideouts); i++)
      {
        g_autoptr(GString) s = nested ("[", "", "]", 1000000);
        g_autofree char *what = g_strdup_printf ("deep nesting behind %s", hideouts[i]);
        g_autoptr(GError) error = NULL;

        g_string_prepend (s, hideouts[i]);
        g_string_append (s, "]");
        node = cs_json_parse (s->str, s->len, &error);
        if (node != NULL)
          fail ("%s: parsed", what);
        g_clear_pointer (&node, json_node_unref);
        g_assert_nonnull (error);
        g_assert_true (error->domain == CS_ERROR);
        g_assert_true (error->code == CS_ERROR_TOO_LARGE || error->code == CS_ERROR_MALFORMED);
      }
  }
}

static void
test_json_strings_do_not_nest (void)
{
  g_autoptr(GString) brackets = nested ("[{", "", "", 200);
  g_autoptr(GString) deep64 = nested ("[", "0", "]", CS_JSON_MAX_DEPTH - 1);
  g_autoptr(GString) deep65 = nested ("[", "0", "]", CS_JSON_MAX_DEPTH);
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL;

  /* 400 brackets inside a string value, and inside a member name. */
  a = g_strdup_printf ("{\"note\": \"[[[[%s\", \"%s\": 1}", brackets->str, brackets->str);
  node = expect_parse_ok (a, strlen (a), "brackets in strings");
  g_assert_nonnull (node);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (json_node_get_object (node), "note"), "[[[[[{[{"));
  g_clear_pointer (&node, json_node_unref);

  /* An escaped quote does not end the string … */
  b = g_strdup_printf ("[\"say \\\"%s\\\" twice\", 1]", brackets->str);
  node = expect_parse_ok (b, strlen (b), "brackets after an escaped quote");
  g_clear_pointer (&node, json_node_unref);

  /* … an escaped backslash before the quote does: what follows counts. */
  c = g_strdup_printf ("[\"back\\\\\", %s]", deep64->str);
  node = expect_parse_ok (c, strlen (c), "64 levels after an escaped backslash");
  g_clear_pointer (&node, json_node_unref);
  d = g_strdup_printf ("[\"back\\\\\", %s]", deep65->str);
  expect_parse_error (d, strlen (d), CS_ERROR_TOO_LARGE, "65 levels after an escaped backslash");

  /* Closing brackets in a string do not lower the depth either. */
  e = g_strdup_printf ("[\"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\", %s]", deep65->str);
  expect_parse_error (e, strlen (e), CS_ERROR_TOO_LARGE, "closing brackets in a string");
}

static void
test_json_malformed (void)
{
  static const struct { const char *data; gssize len; const char *what; } bad[] = {
    { "", 0, "empty" },
    { "   \n\t ", -1, "only white space" },
    { "{", -1, "unterminated object" },
    { "[1, 2", -1, "unterminated array" },
    { "{\"a\": 1,}", -1, "trailing comma" },
    { "{\"a\" 1}", -1, "no colon" },
    { "[1] [2]", -1, "two values" },
    { "[NaN]", -1, "NaN" },
    { "[\"abc]", -1, "unterminated string" },
    { "{\"a\": \"\xff\"}", -1, "invalid UTF-8 byte" },
    { "{\"a\": \"\xc3\"}", -1, "truncated UTF-8 sequence" },
    { "{\"a\": \"\xc0\xaf\"}", -1, "overlong UTF-8" },
    { "{\"\xfe\": 1}", -1, "invalid UTF-8 in a member name" },
    { "[1]\0[2]", 7, "an embedded NUL" },
    { "{\"a\": \"x\\ud800y\"}", -1, "a lone surrogate escape" },
    { "{\"x\\udbffy\": 1}", -1, "a lone surrogate escape in a member name" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      gsize len = bad[i].len < 0 ? strlen (bad[i].data) : (gsize) bad[i].len;

      expect_parse_error (bad[i].data, len, CS_ERROR_MALFORMED, bad[i].what);
    }

  /* A NULL pointer with no length is an empty body. */
  expect_parse_error (NULL, 0, CS_ERROR_MALFORMED, "NULL");
  {
    g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) node = cs_json_parse_bytes (empty, &error);

    g_assert_null (node);
    g_assert_error (error, CS_ERROR, CS_ERROR_MALFORMED);
  }

  /* Good UTF-8 and escapes pass: a surrogate pair, a BOM-less multibyte text. */
  {
    const char *good = "{\"emoji\": \"\\ud83d\\ude00\", \"t\": \"naïve café\"}";
    g_autoptr(JsonNode) node = expect_parse_ok (good, strlen (good), "good UTF-8");

    g_assert_nonnull (node);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "emoji"), ==, "😀");
  }

  /* A case that is not an object at all. */
  {
    static const char *not_objects[] = { "[]", "null", "\"case\"", "42", "true" };

    for (guint i = 0; i < G_N_ELEMENTS (not_objects); i++)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(CsCase) kase = cs_case_new_from_data (not_objects[i], -1, CS_CASE_PARSE_CASE, &error);
        g_autoptr(CsDecision) decision = NULL;
        g_autoptr(GError) error2 = NULL;

        g_assert_null (kase);
        g_assert_error (error, CS_ERROR, CS_ERROR_MALFORMED);
        decision = cs_decision_new_from_data (not_objects[i], -1, &error2);
        g_assert_null (decision);
        g_assert_error (error2, CS_ERROR, CS_ERROR_MALFORMED);
      }
  }

  /* Invalid UTF-8 anywhere in a case never reaches the reviewer. */
  {
    g_autoptr(JsonNode) base = variant (V_FULL);
    g_autofree char *text = cs_json_to_string (base, NULL);
    char *title = strstr (text, "Lesion, left");
    g_autoptr(GError) error = NULL;
    g_autoptr(CsCase) kase = NULL;

    g_assert_nonnull (title);
    title[0] = '\xff';
    kase = cs_case_new_from_data (text, -1, CS_CASE_PARSE_CASE, &error);
    g_assert_null (kase);
    g_assert_error (error, CS_ERROR, CS_ERROR_MALFORMED);
  }
}

/* Canonical JSON ---------------------------------------------------------- */

static void
test_json_canonical (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "{}", "{}" },
    { "[]", "[]" },
    { "{'b': 1, 'a': 2}", "{'a':2,'b':1}" },
    { "{'b': {'z': 1, 'y': {'d': [], 'c': null}}, 'a': [{'y': 1, 'x': [{'q': 1, 'p': 2}]}, 3]}",
      "{'a':[{'x':[{'p':2,'q':1}],'y':1},3],'b':{'y':{'c':null,'d':[]},'z':1}}" },
    /* Arrays keep their order; names sort by code point (bytes of UTF-8). */
    { "[3, 1, 2, {'é': 1, 'z': 2, 'Z': 3, 'a': 4, '': 5}]", "[3,1,2,{'':5,'Z':3,'a':4,'z':2,'é':1}]" },
    { "{'s': 'a b', 't': true, 'f': false, 'n': null}", "{'f':false,'n':null,'s':'a b','t':true}" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) in = json (cases[i].in);
      g_autofree char *expected = fx (cases[i].out);
      g_autofree char *canon = cs_json_canonical (in);
      g_autofree char *again = NULL;
      g_autoptr(JsonNode) reparsed = NULL;

      g_assert_cmpstr (canon, ==, expected);
      /* Canonical is a fixed point. */
      reparsed = json_from_string (canon, NULL);
      again = cs_json_canonical (reparsed);
      g_assert_cmpstr (again, ==, canon);
    }

  /* The same object built in two orders has one canonical form, and the
   * input is left alone. */
  {
    g_autoptr(JsonNode) a = json ("{'x': {'b': 1, 'a': 2}, 'w': [{'n': 1, 'm': 2}]}");
    g_autoptr(JsonNode) b = json ("{'w': [{'m': 2, 'n': 1}], 'x': {'a': 2, 'b': 1}}");
    g_autofree char *ca = cs_json_canonical (a);
    g_autofree char *cb = cs_json_canonical (b);
    g_autofree char *a_after = cs_json_to_string (a, NULL);
    g_autofree char *a_expected = fx ("{'x':{'b':1,'a':2},'w':[{'n':1,'m':2}]}");

    g_assert_cmpstr (ca, ==, cb);
    g_assert_cmpstr (a_after, ==, a_expected);
  }

  /* The canonical form of a case sorts keys at every depth. */
  {
    g_autoptr(CsCase) kase = parse_variant (V_FULL);
    g_autofree char *canon = canonical_of_case (kase);

    g_assert_true (g_str_has_prefix (canon, "{\"assigned_to\":"));
    g_assert_nonnull (strstr (canon, "\"decided\":{\"action\":\"override\",\"at\":"));
    g_assert_nonnull (strstr (canon, "\"regions\":[{\"h\":160.0,\"label\":\"lesion\",\"page\":0,"));
  }
}

/* Doubles that json-glib 1.6 alone would write as "2e-14.0" or "1e+22.0". */
static void
test_json_doubles (void)
{
  static const double values[] = {
    2e-14, 1e22, 1e17, -1e21, 5e-324, 1e-7, 0.1, 0.87, 3.0, -0.0, 1.5e300, 123456789012345678.0,
    1e16, 4e-300,
  };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autoptr(JsonNode) node = json ("{'k': [0, {'e1': 'e1.0', 'n': 1}]}");
      g_autoptr(JsonNode) edited = NULL;
      g_autoptr(JsonNode) back = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *text = NULL;
      gsize len = 0;
      JsonArray *arr;

      {
        g_autoptr(JsonNode) value = json_node_new (JSON_NODE_VALUE);
        json_node_set_double (value, values[i]);
        edited = edit_node (node, "k[0]", value);
      }
      text = cs_json_to_string (edited, &len);
      g_assert_cmpuint (len, ==, strlen (text));
      back = cs_json_parse (text, len, &error);
      if (back == NULL)
        {
          fail ("%.17g is written as %s, which does not parse: %s", values[i], text, error->message);
          continue;
        }
      arr = json_object_get_array_member (json_node_get_object (back), "k");
      g_assert_cmpfloat (json_array_get_double_element (arr, 0), ==, values[i]);
      /* Strings that look like numbers are left alone. */
      g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (arr, 1), "e1"), ==, "e1.0");
    }

  /* The same through a case, in every kind of number it holds. */
  {
    static const struct { const char *path, *value; } places[] = {
      { "prediction.confidence", "2e-14" },
      { "prediction.alternatives[0].confidence", "1e-20" },
      { "priority", "2e-14" },
      { "trigger.threshold", "1e-30" },
      { "explanation.regions[0].x", "1e22" },
      { "explanation.regions[0].score", "2e-14" },
      { "explanation.attributions[0].value", "-1e22" },
      { "explanation.spans[0].weight", "1e17" },
      { "policy.target_error", "2e-14" },
      { "context.site", "1e22" },
    };
    g_autoptr(JsonNode) node = variant (V_FULL);

    for (guint i = 0; i < G_N_ELEMENTS (places); i++)
      {
        JsonNode *next = edit (node, places[i].path, places[i].value);
        json_node_unref (node);
        node = next;
      }
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CsCase) kase = parse_case (node, CS_CASE_PARSE_CASE, &error);
      g_autoptr(CsCase) copy = NULL;
      g_autofree char *c1 = NULL, *c2 = NULL;

      g_assert_no_error (error);
      g_assert_cmpfloat (cs_case_get_confidence (kase), ==, 2e-14);
      copy = cs_case_copy (kase);
      g_assert_nonnull (copy);
      g_assert_cmpfloat (cs_case_get_confidence (copy), ==, 2e-14);
      g_assert_cmpfloat (((CsRegion *) cs_case_get_regions (copy)->pdata[0])->x, ==, 1e22);
      g_assert_cmpfloat (((CsAttribution *) cs_case_get_attributions (copy)->pdata[0])->value, ==, -1e22);
      g_assert_cmpfloat (json_node_get_double (((CsField *) cs_case_get_context (copy)->pdata[1])->value), ==, 1e22);
      c1 = canonical_of_case (kase);
      c2 = canonical_of_case (copy);
      g_assert_cmpstr (c1, ==, c2);
    }
  }
}

/* Times ------------------------------------------------------------------- */

static void
test_times (void)
{
  g_autoptr(GTimeZone) plus2 = g_time_zone_new_offset (2 * 3600);
  g_autoptr(GTimeZone) minus0930 = g_time_zone_new_offset (-(9 * 3600 + 30 * 60));
  g_autoptr(GDateTime) a = g_date_time_new (plus2, 2026, 11, 24, 11, 30, 0);
  g_autoptr(GDateTime) b = g_date_time_new (minus0930, 2026, 12, 31, 20, 0, 59.75);
  g_autoptr(GDateTime) local = g_date_time_new_local (2026, 6, 1, 12, 0, 0);
  g_autofree char *sa = cs_format_time (a);
  g_autofree char *sb = cs_format_time (b);
  g_autofree char *sl = cs_format_time (local);
  g_autoptr(GDateTime) local_back = cs_parse_time (sl);

  g_assert_cmpstr (sa, ==, "2026-11-24T09:30:00Z");
  g_assert_cmpstr (sb, ==, "2027-01-01T05:30:59Z");   /* across a year, whole seconds */
  g_assert_true (g_str_has_suffix (sl, "Z"));
  g_assert_cmpint (strlen (sl), ==, 20);
  g_assert_cmpint (g_date_time_compare (local_back, local), ==, 0);
  g_assert_null (cs_format_time (NULL));

  {
    static const struct { const char *in, *out; } good[] = {
      { "2026-11-24T09:30:00Z", "2026-11-24T09:30:00Z" },
      { "2026-11-24T11:30:00+02:00", "2026-11-24T09:30:00Z" },
      { "2026-11-24T00:30:00+02:00", "2026-11-23T22:30:00Z" },
      { "2026-11-23T23:00:00-05:00", "2026-11-24T04:00:00Z" },
      { "2026-11-24T09:30:00.999Z", "2026-11-24T09:30:00Z" },
      { "0026-11-24T09:31:07Z", "0026-11-24T09:31:07Z" },     /* four digits, always */
      { "0999-01-01T01:00:00+02:00", "0998-12-31T23:00:00Z" },
      { "0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z" },
      { "9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (good); i++)
      {
        g_autoptr(GDateTime) t = cs_parse_time (good[i].in);
        g_autofree char *s = NULL;

        g_assert_nonnull (t);
        s = cs_format_time (t);
        g_assert_cmpstr (s, ==, good[i].out);
      }
  }
  {
    static const char *bad[] = {
      "", "yesterday", "2026-11-24T09:30:00", "2026-11-24", "09:30:00Z", "2026-11-24T25:00:00Z",
      "2026-02-30T00:00:00Z", "now",
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(GDateTime) t = cs_parse_time (bad[i]);
        if (t != NULL)
          fail ("“%s” parsed as a time", bad[i]);
      }
    g_assert_null (cs_parse_time (NULL));
  }

  /* A case with a "+02:00" time writes it back in UTC. */
  {
    g_autoptr(JsonNode) base = variant (V_FULL);
    g_autoptr(JsonNode) node = edit (base, "lease_until", "'2026-11-25T20:00:00+02:00'");
    g_autoptr(JsonNode) node2 = edit (node, "decided.at", "'2026-11-24T10:31:07+01:00'");
    g_autoptr(GError) error = NULL;
    g_autoptr(CsCase) kase = parse_case (node2, CS_CASE_PARSE_CASE, &error);
    g_autoptr(CsCase) reference = parse_variant (V_FULL);
    g_autofree char *c1 = NULL, *c2 = NULL;

    g_assert_no_error (error);
    c1 = canonical_of_case (kase);
    c2 = canonical_of_case (reference);
    g_assert_cmpstr (c1, ==, c2);
    g_assert_nonnull (strstr (c1, "\"lease_until\":\"2026-11-25T18:00:00Z\""));
  }

  /* Times whose UTC form falls outside the calendar are refused, not written as null. */
  {
    static const char *edges[] = { "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00" };

    for (guint i = 0; i < G_N_ELEMENTS (edges); i++)
      {
        g_autoptr(JsonNode) base = variant (V_FULL);
        g_autofree char *value = g_strdup_printf ("'%s'", edges[i]);
        g_autoptr(JsonNode) node = edit (base, "due_at", value);

        expect_malformed (parse_case_func, GUINT_TO_POINTER (CS_CASE_PARSE_CASE), node, "due_at", edges[i]);
      }
  }
}

static void
test_enum_names (void)
{
  for (guint i = 0; i <= CS_CASE_STATUS_PENDING_SECOND; i++)
    {
      CsCaseStatus out = 99;
      g_assert_true (cs_case_status_from_string (cs_case_status_to_string (i), &out));
      g_assert_cmpuint (out, ==, i);
    }
  for (guint i = 0; i <= CS_SUBJECT_TABULAR; i++)
    {
      CsSubjectKind out = 99;
      g_assert_true (cs_subject_kind_from_string (cs_subject_kind_to_string (i), &out));
      g_assert_cmpuint (out, ==, i);
    }
  for (guint i = 0; i <= CS_TRIGGER_OTHER; i++)
    {
      CsTriggerKind out = 99;
      g_assert_true (cs_trigger_kind_from_string (cs_trigger_kind_to_string (i), &out));
      g_assert_cmpuint (out, ==, i);
    }
  for (guint i = 0; i < CS_N_ACTIONS; i++)
    {
      CsAction out = 99;
      g_assert_true (cs_action_from_string (cs_action_to_string (i), &out));
      g_assert_cmpuint (out, ==, i);
    }
  for (guint i = 0; i <= CS_LOCAL_CLOSED; i++)
    {
      CsLocalState out = 99;
      g_assert_true (cs_local_state_from_string (cs_local_state_to_string (i), &out));
      g_assert_cmpuint (out, ==, i);
    }
  for (guint i = 0; i <= CS_OUTBOX_INVALID; i++)
    {
      CsOutboxState out = 99;
      g_assert_true (cs_outbox_state_from_string (cs_outbox_state_to_string (i), &out));
      g_assert_cmpuint (out, ==, i);
    }

  g_assert_cmpstr (cs_case_status_to_string (CS_CASE_STATUS_PENDING_SECOND), ==, "pending_second");
  g_assert_cmpstr (cs_trigger_kind_to_string (CS_TRIGGER_COMPLIANCE_KEYWORD), ==, "compliance_keyword");
  g_assert_cmpstr (cs_action_to_string (CS_ACTION_AGREE), ==, "agree");
  {
    CsAction action = CS_ACTION_REJECT;
    CsSubjectKind kind = CS_SUBJECT_TEXT;

    g_assert_false (cs_action_from_string ("Accept", &action));
    g_assert_false (cs_action_from_string (NULL, &action));
    g_assert_cmpint (action, ==, CS_ACTION_REJECT);   /* untouched */
    g_assert_false (cs_subject_kind_from_string ("audio", &kind));
    g_assert_cmpint (kind, ==, CS_SUBJECT_TEXT);
  }
}

/* Decisions --------------------------------------------------------------- */

static GObject *
parse_decision_func (JsonNode  *node,
                     gpointer   user_data,
                     GError   **error)
{
  g_autofree char *data = cs_json_to_string (node, NULL);

  return (GObject *) cs_decision_new_from_data (data, -1, error);
}

static CsDecision *
parse_decision (JsonNode  *node,
                GError   **error)
{
  return (CsDecision *) parse_decision_func (node, NULL, error);
}

static JsonNode *
decision_base (Variant v)
{
  /* V_FULL: the override of API.md; V_TEXT (reused as a tag): a countersignature. */
  g_autoptr(JsonNode) full = json (FULL_DECISION);

  if (v == V_FULL)
    return g_steal_pointer (&full);
  {
    g_autoptr(JsonNode) a = edit (full, "action", "'agree'");
    g_autoptr(JsonNode) b = edit (a, "label", "null");
    g_autoptr(JsonNode) c = edit (b, "countersigns", "'0b9c6f1e-0000-4c8e-9f0a-6d2b7c1e3f40'");
    return edit (c, "initial_label", "'nevus'");
  }
}

static gpointer
no_data_for (Variant v)
{
  return NULL;
}

static const FieldSpec decision_fields[] = {
  { V_FULL, "id", T_STR, REQUIRED, NULL },
  { V_FULL, "case_id", T_STR, REQUIRED, NULL },
  { V_FULL, "case_version", T_INT, REQUIRED, NULL },
  { V_FULL, "action", T_STR, REQUIRED, NULL },
  { V_FULL, "label", T_STR, REQUIRED, NULL },        /* for an override */
  { V_FULL, "rationale", T_STR, OPTIONAL, NULL },
  { V_FULL, "reviewer", T_STR, REQUIRED, NULL },
  { V_FULL, "decided_at", T_TIME, REQUIRED, NULL },
  { V_FULL, "duration_ms", T_INT, OPTIONAL, NULL },
  { V_TEXT, "countersigns", T_STR, REQUIRED, NULL },  /* for agree */
  { V_TEXT, "initial_label", T_STR, OPTIONAL, NULL },
  { V_TEXT, "label", T_STR, OPTIONAL, NULL },
};

static void
test_decision_field_table (void)
{
  guint n = run_field_table (decision_fields, G_N_ELEMENTS (decision_fields), decision_base,
                             parse_decision_func, no_data_for, "decision.");

  g_test_message ("%u mutations of the decision fixtures", n);
  g_assert_cmpuint (n, >, 50);
}

static void
test_decision_round_trip (void)
{
  g_autoptr(JsonNode) input = json (FULL_DECISION);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsDecision) decision = parse_decision (input, &error);
  g_autoptr(CsDecision) again = NULL;
  g_autoptr(JsonNode) out = NULL;
  g_autofree char *canon_in = NULL, *canon_out = NULL, *data = NULL, *canon_again = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (decision);
  g_assert_cmpstr (cs_decision_get_id (decision), ==, "0b9c6f1e-5a4d-4c8e-9f0a-6d2b7c1e3f40");
  g_assert_cmpstr (cs_decision_get_case_id (decision), ==, "c-000123");
  g_assert_cmpint (cs_decision_get_case_version (decision), ==, 3);
  g_assert_cmpint (cs_decision_get_action (decision), ==, CS_ACTION_OVERRIDE);
  g_assert_cmpstr (cs_decision_get_label (decision), ==, "nevus");
  g_assert_cmpstr (cs_decision_get_rationale (decision), ==, "Symmetric, uniform pigment network on dermoscopy.");
  g_assert_cmpstr (cs_decision_get_reviewer (decision), ==, "r-17");
  assert_time (cs_decision_get_decided_at (decision), "2026-11-24T09:31:07Z");
  g_assert_cmpint (cs_decision_get_duration_ms (decision), ==, 41250);
  g_assert_null (cs_decision_get_initial_label (decision));
  g_assert_null (cs_decision_get_countersigns (decision));

  /* Written back exactly as API.md shows it. */
  out = cs_decision_to_json (decision);
  canon_in = cs_json_canonical (input);
  canon_out = cs_json_canonical (out);
  g_assert_cmpstr (canon_out, ==, canon_in);

  data = cs_decision_to_data (decision, NULL);
  again = cs_decision_new_from_data (data, -1, &error);
  g_assert_no_error (error);
  {
    g_autoptr(JsonNode) out2 = cs_decision_to_json (again);
    canon_again = cs_json_canonical (out2);
    g_assert_cmpstr (canon_again, ==, canon_in);
  }
}

static void
test_decision_extensions (void)
{
  g_autoptr(JsonNode) input = decision_base (V_TEXT);
  g_autoptr(JsonNode) plain = json (FULL_DECISION);
  g_autoptr(JsonNode) blind = edit (plain, "initial_label", "'melanoma'");
  g_autoptr(GError) error = NULL;
  g_autoptr(CsDecision) agree = parse_decision (input, &error);
  g_autoptr(CsDecision) first = NULL;
  g_autofree char *c1 = NULL, *c2 = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (cs_decision_get_action (agree), ==, CS_ACTION_AGREE);
  g_assert_null (cs_decision_get_label (agree));
  g_assert_cmpstr (cs_decision_get_countersigns (agree), ==, "0b9c6f1e-0000-4c8e-9f0a-6d2b7c1e3f40");
  g_assert_cmpstr (cs_decision_get_initial_label (agree), ==, "nevus");
  {
    g_autoptr(JsonNode) out = cs_decision_to_json (agree);
    c1 = cs_json_canonical (input);
    c2 = cs_json_canonical (out);
    g_assert_cmpstr (c1, ==, c2);
  }

  first = parse_decision (blind, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cs_decision_get_initial_label (first), ==, "melanoma");
  g_assert_null (cs_decision_get_countersigns (first));
  {
    g_autoptr(JsonNode) out = cs_decision_to_json (first);
    JsonObject *obj = json_node_get_object (out);

    g_assert_cmpstr (json_object_get_string_member (obj, "initial_label"), ==, "melanoma");
    g_assert_false (json_object_has_member (obj, "countersigns"));
  }

  /* The setters, and a decision of one's own that countersigns. */
  cs_decision_set_initial_label (first, "other");
  cs_decision_set_countersigns (first, "d-1");
  {
    g_autofree char *data = cs_decision_to_data (first, NULL);
    g_autoptr(CsDecision) back = cs_decision_new_from_data (data, -1, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (cs_decision_get_initial_label (back), ==, "other");
    g_assert_cmpstr (cs_decision_get_countersigns (back), ==, "d-1");
    g_assert_cmpint (cs_decision_get_action (back), ==, CS_ACTION_OVERRIDE);
  }
  cs_decision_set_initial_label (first, NULL);
  cs_decision_set_countersigns (first, NULL);
  g_assert_null (cs_decision_get_initial_label (first));
  g_assert_null (cs_decision_get_countersigns (first));
}

static void
test_decision_invalid (void)
{
  static const struct { const char *path, *value, *names; } cases[] = {
    { "label", NULL, "decision.label" },               /* override without a label */
    { "label", "null", "decision.label" },
    { "label", "''", "decision.label" },
    { "action", "'approve'", "decision.action" },
    { "action", "'Override'", "decision.action" },
    { "action", "''", "decision.action" },
    { "duration_ms", "-1", "decision.duration_ms" },
    { "id", "''", "decision.id" },
    { "decided_at", "'2026-11-24T09:31:07'", "decision.decided_at" },
    { "decided_at", "'yesterday'", "decision.decided_at" },
  };
  static const char *label_not_allowed[] = { "accept", "reject", "escalate" };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) base = json (FULL_DECISION);
      g_autoptr(JsonNode) node = edit (base, cases[i].path, cases[i].value);
      g_autofree char *what = g_strdup_printf ("decision with %s = %s", cases[i].path,
                                               cases[i].value ? cases[i].value : "(absent)");

      expect_malformed (parse_decision_func, NULL, node, cases[i].names, what);
    }

  /* A label on anything but an override. */
  for (guint i = 0; i < G_N_ELEMENTS (label_not_allowed); i++)
    {
      g_autoptr(JsonNode) base = json (FULL_DECISION);
      g_autofree char *action = g_strdup_printf ("'%s'", label_not_allowed[i]);
      g_autoptr(JsonNode) node = edit (base, "action", action);
      g_autoptr(JsonNode) without = edit (node, "label", "null");

      expect_malformed (parse_decision_func, NULL, node, "decision.label", label_not_allowed[i]);
      expect_accepted (parse_decision_func, NULL, without, label_not_allowed[i]);
    }

  /* agree without countersigns; agree with a label. */
  {
    g_autoptr(JsonNode) base = decision_base (V_TEXT);
    g_autoptr(JsonNode) no_cs = edit (base, "countersigns", NULL);
    g_autoptr(JsonNode) with_label = edit (base, "label", "'nevus'");

    expect_malformed (parse_decision_func, NULL, no_cs, "decision.countersigns", "agree alone");
    expect_malformed (parse_decision_func, NULL, with_label, "decision.label", "agree with a label");
  }

  /* An id of 128 characters is fine, 129 is not. */
  {
    g_autofree char *id128 = g_strnfill (128, 'a');
    g_autofree char *id129 = g_strnfill (129, 'a');
    g_autofree char *v128 = g_strdup_printf ("'%s'", id128);
    g_autofree char *v129 = g_strdup_printf ("'%s'", id129);
    g_autoptr(JsonNode) base = json (FULL_DECISION);
    g_autoptr(JsonNode) n128 = edit (base, "id", v128);
    g_autoptr(JsonNode) n129 = edit (base, "id", v129);

    expect_accepted (parse_decision_func, NULL, n128, "id of 128");
    expect_malformed (parse_decision_func, NULL, n129, "decision.id", "id of 129");
  }

  /* No rationale means an empty one; no duration means 0. */
  {
    g_autoptr(JsonNode) base = json (FULL_DECISION);
    g_autoptr(JsonNode) a = edit (base, "rationale", NULL);
    g_autoptr(JsonNode) b = edit (a, "duration_ms", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(CsDecision) decision = parse_decision (b, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (cs_decision_get_rationale (decision), ==, "");
    g_assert_cmpint (cs_decision_get_duration_ms (decision), ==, 0);
  }

  /* A "+01:00" time is stored and written in UTC. */
  {
    g_autoptr(JsonNode) base = json (FULL_DECISION);
    g_autoptr(JsonNode) node = edit (base, "decided_at", "'2026-11-24T10:31:07+01:00'");
    g_autoptr(GError) error = NULL;
    g_autoptr(CsDecision) decision = parse_decision (node, &error);
    g_autoptr(JsonNode) out = NULL;

    g_assert_no_error (error);
    out = cs_decision_to_json (decision);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (out), "decided_at"), ==,
                     "2026-11-24T09:31:07Z");
  }
}

static void
test_decision_new (void)
{
  g_autoptr(CsDecision) a = cs_decision_new ("c-1", 4, CS_ACTION_OVERRIDE, "nevus",
                                             "Uniform network.", "r-17", 1200);
  g_autoptr(CsDecision) b = cs_decision_new ("c-1", 4, CS_ACTION_ACCEPT, NULL, NULL, "r-17", -5);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GError) error = NULL;
  GDateTime *at = cs_decision_get_decided_at (a);

  g_assert_true (g_uuid_string_is_valid (cs_decision_get_id (a)));
  g_assert_true (g_uuid_string_is_valid (cs_decision_get_id (b)));
  g_assert_cmpstr (cs_decision_get_id (a), !=, cs_decision_get_id (b));
  g_assert_cmpstr (cs_decision_get_rationale (b), ==, "");
  g_assert_cmpint (cs_decision_get_duration_ms (b), ==, 0);
  g_assert_null (cs_decision_get_label (b));
  g_assert_cmpint (g_date_time_get_utc_offset (at), ==, 0);
  g_assert_cmpint (g_date_time_get_microsecond (at), ==, 0);
  g_assert_cmpint (ABS (g_date_time_difference (now, at)), <, 5 * G_TIME_SPAN_SECOND);

  /* Made here, it survives the wire unchanged. */
  for (guint i = 0; i < 2; i++)
    {
      CsDecision *d = i == 0 ? a : b;
      g_autoptr(JsonNode) out = cs_decision_to_json (d);
      g_autoptr(CsDecision) back = cs_decision_new_from_json (out, &error);
      g_autoptr(JsonNode) out2 = NULL;
      g_autofree char *c1 = NULL, *c2 = NULL;

      g_assert_no_error (error);
      out2 = cs_decision_to_json (back);
      c1 = cs_json_canonical (out);
      c2 = cs_json_canonical (out2);
      g_assert_cmpstr (c1, ==, c2);
      g_assert_cmpint (g_date_time_compare (cs_decision_get_decided_at (back), cs_decision_get_decided_at (d)), ==, 0);
    }
}

/* The policy check -------------------------------------------------------- */

static CsDecision *
make_decision (CsAction    action,
               const char *label,
               const char *rationale)
{
  return cs_decision_new ("c-000123", 3, action, label, rationale, "r-17", 1000);
}

static void
expect_policy (CsDecision     *decision,
               const CsPolicy *policy,
               const char     *predicted,
               gboolean        ok,
               const char     *what)
{
  g_autoptr(GError) error = NULL;
  gboolean result = cs_decision_check_policy (decision, LABELS, policy, predicted, &error);

  if (ok && !result)
    fail ("%s: refused: %s", what, error ? error->message : "(no error)");
  else if (!ok && result)
    fail ("%s: accepted", what);
  else if (!ok && !g_error_matches (error, CS_ERROR, CS_ERROR_POLICY))
    fail ("%s: not a CS_ERROR_POLICY", what);
  else if (ok && error != NULL)
    fail ("%s: TRUE with an error", what);
}

static void
test_policy_rationale (void)
{
  g_autoptr(JsonNode) node = json ("{'rationale_required': ['override', 'reject', 'escalate'], 'min_rationale_chars': 15}");
  CsPolicy policy;
  g_autoptr(GError) error = NULL;
  static const struct { CsAction action; const char *label; const char *rationale; gboolean ok; const char *what; } cases[] = {
    { CS_ACTION_ACCEPT, NULL, "", TRUE, "accept needs no rationale" },
    { CS_ACTION_ACCEPT, NULL, NULL, TRUE, "accept, NULL rationale" },
    { CS_ACTION_REJECT, NULL, "", FALSE, "reject without rationale" },
    { CS_ACTION_REJECT, NULL, "               ", FALSE, "reject with only spaces" },
    { CS_ACTION_ESCALATE, NULL, "14 characters.", FALSE, "14 ASCII characters" },
    { CS_ACTION_ESCALATE, NULL, "15 characters..", TRUE, "15 ASCII characters" },
    { CS_ACTION_REJECT, NULL, "ééééééééééééééé", TRUE, "15 two-byte characters" },
    { CS_ACTION_REJECT, NULL, "éééééééééééééé", FALSE, "14 two-byte characters (28 bytes)" },
    { CS_ACTION_REJECT, NULL, "診断は良性の色素性母斑と一致する", TRUE, "16 three-byte characters" },
    { CS_ACTION_REJECT, NULL, "診断は良性の色素性母斑と一", FALSE, "13 three-byte characters (39 bytes)" },
    { CS_ACTION_REJECT, NULL, "😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀", TRUE, "15 four-byte characters" },
    { CS_ACTION_REJECT, NULL, "  \t\n14 characters.\n \t ", FALSE, "14 characters in white space" },
    { CS_ACTION_REJECT, NULL, "\n  15 characters..  \n", TRUE, "15 characters in white space" },
    { CS_ACTION_REJECT, NULL, "\xc2\xa0\xc2\xa0" "14 characters." "\xe3\x80\x80", FALSE,
      "14 characters in Unicode white space" },
    { CS_ACTION_REJECT, NULL, "inner   spaces count", TRUE, "inner white space counts" },
    { CS_ACTION_OVERRIDE, "nevus", "Uniform network.", TRUE, "override with 15" },
    { CS_ACTION_OVERRIDE, "nevus", "Uniform net.", FALSE, "override with 12" },
  };

  g_assert_true (cs_policy_parse (json_node_get_object (node), "policy", &policy, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(CsDecision) decision = make_decision (cases[i].action, cases[i].label, cases[i].rationale);

      expect_policy (decision, &policy, "melanoma", cases[i].ok, cases[i].what);
    }

  /* Required with no minimum: anything but nothing. */
  policy.min_rationale_chars = 0;
  {
    g_autoptr(CsDecision) one = make_decision (CS_ACTION_REJECT, NULL, "x");
    g_autoptr(CsDecision) none = make_decision (CS_ACTION_REJECT, NULL, " ");

    expect_policy (one, &policy, NULL, TRUE, "one character, no minimum");
    expect_policy (none, &policy, NULL, FALSE, "a space, no minimum");
  }

  /* No policy: only the labels are checked. */
  {
    g_autoptr(CsDecision) reject = make_decision (CS_ACTION_REJECT, NULL, NULL);
    g_autoptr(CsDecision) bad_override = make_decision (CS_ACTION_OVERRIDE, "psoriasis", NULL);

    expect_policy (reject, NULL, NULL, TRUE, "no policy");
    expect_policy (bad_override, NULL, NULL, FALSE, "no policy, label not in the queue");
  }
}

static void
test_policy_labels (void)
{
  CsPolicy policy;

  cs_policy_init_default (&policy);
  {
    static const struct { const char *label; const char *predicted; gboolean ok; const char *what; } cases[] = {
      { "nevus", "melanoma", TRUE, "another label of the queue" },
      { "seborrheic keratosis", "melanoma", TRUE, "a label with a space" },
      { "psoriasis", "melanoma", FALSE, "a label outside the queue" },
      { "Nevus", "melanoma", FALSE, "labels are case-sensitive" },
      { "melanoma", "melanoma", FALSE, "the model's own label" },
      { "melanoma", NULL, TRUE, "no predicted label to compare" },
      { "nevus", "not-a-queue-label", TRUE, "the model predicted outside the queue" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autoptr(CsDecision) decision = make_decision (CS_ACTION_OVERRIDE, cases[i].label, NULL);

        expect_policy (decision, &policy, cases[i].predicted, cases[i].ok, cases[i].what);
      }
  }

  /* An override checked against no labels at all cannot pass. */
  {
    g_autoptr(CsDecision) decision = make_decision (CS_ACTION_OVERRIDE, "nevus", NULL);
    g_autoptr(GError) error = NULL;
    const char *none[] = { NULL };

    g_assert_false (cs_decision_check_policy (decision, none, &policy, NULL, &error));
    g_assert_error (error, CS_ERROR, CS_ERROR_POLICY);
    g_clear_error (&error);
    g_assert_false (cs_decision_check_policy (decision, NULL, &policy, NULL, &error));
    g_assert_error (error, CS_ERROR, CS_ERROR_POLICY);
  }
}

static void
test_policy_blind_first (void)
{
  CsPolicy policy;

  cs_policy_init_default (&policy);
  policy.blind_first = TRUE;
  {
    g_autoptr(CsDecision) without = make_decision (CS_ACTION_ACCEPT, NULL, NULL);
    g_autoptr(CsDecision) with = make_decision (CS_ACTION_ACCEPT, NULL, NULL);
    g_autoptr(CsDecision) outside = make_decision (CS_ACTION_ACCEPT, NULL, NULL);
    g_autoptr(CsDecision) override = make_decision (CS_ACTION_OVERRIDE, "nevus", NULL);
    g_autoptr(CsDecision) agree = make_decision (CS_ACTION_AGREE, NULL, NULL);

    expect_policy (without, &policy, "melanoma", FALSE, "blind first without an initial label");
    cs_decision_set_initial_label (with, "melanoma");
    expect_policy (with, &policy, "melanoma", TRUE, "blind first with an initial label");
    cs_decision_set_initial_label (outside, "psoriasis");
    expect_policy (outside, &policy, "melanoma", FALSE, "blind first, initial label outside the queue");
    cs_decision_set_initial_label (override, "nevus");
    expect_policy (override, &policy, "melanoma", TRUE, "blind first override");

    /* The countersignature of a second reviewer is not blind. */
    cs_decision_set_countersigns (agree, "d-1");
    expect_policy (agree, &policy, "melanoma", TRUE, "countersignature");

    policy.blind_first = FALSE;
    expect_policy (without, &policy, "melanoma", TRUE, "not blind");
  }
}

static void
test_decision_results (void)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(JsonNode) case_node = variant (V_FULL);
  g_autofree char *case_text = cs_json_to_string (case_node, NULL);
  g_autofree char *text = g_strdup_printf (
    "{\"results\": ["
    "{\"id\": \"a\", \"status\": \"accepted\", \"case_version\": 4},"
    "{\"id\": \"b\", \"status\": \"duplicate\", \"case_version\": 4},"
    "{\"id\": \"c\", \"status\": \"conflict\", \"reason\": \"decided\", \"case\": %s, \"x\": 1},"
    "{\"id\": \"d\", \"status\": \"invalid\", \"message\": \"too short\"}]}", case_text);
  CsDecisionResult *r;

  node = cs_json_parse (text, strlen (text), &error);
  g_assert_no_error (error);
  results = cs_decision_results_parse (node, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 4);
  r = results->pdata[0];
  g_assert_cmpstr (r->id, ==, "a");
  g_assert_cmpint (r->status, ==, CS_OUTBOX_ACCEPTED);
  g_assert_cmpint (r->case_version, ==, 4);
  r = results->pdata[1];
  g_assert_cmpint (r->status, ==, CS_OUTBOX_DUPLICATE);
  r = results->pdata[2];
  g_assert_cmpint (r->status, ==, CS_OUTBOX_CONFLICT);
  g_assert_cmpstr (r->reason, ==, "decided");
  g_assert_cmpint (r->case_version, ==, -1);
  g_assert_nonnull (r->case_json);
  {
    g_autoptr(CsCase) kase = cs_case_new_from_json (r->case_json, CS_CASE_PARSE_CASE, &error);
    g_assert_no_error (error);
    check_full (kase);
  }
  r = results->pdata[3];
  g_assert_cmpint (r->status, ==, CS_OUTBOX_INVALID);
  g_assert_cmpstr (r->message, ==, "too short");
  g_assert_null (r->case_json);

  {
    static const char *bad[] = {
      "{}", "[]", "{'results': {}}", "{'results': [7]}", "{'results': [{'status': 'accepted'}]}",
      "{'results': [{'id': 'a'}]}", "{'results': [{'id': 'a', 'status': 'pending'}]}",
      "{'results': [{'id': 'a', 'status': 'inflight'}]}", "{'results': [{'id': 'a', 'status': 'ok'}]}",
      "{'results': [{'id': 'a', 'status': 'accepted', 'case_version': 'x'}]}",
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(JsonNode) b = json (bad[i]);
        g_autoptr(GError) e = NULL;
        g_autoptr(GPtrArray) none = cs_decision_results_parse (b, &e);

        if (none != NULL)
          fail ("results %s accepted", bad[i]);
        else if (!g_error_matches (e, CS_ERROR, CS_ERROR_MALFORMED))
          fail ("results %s: not malformed", bad[i]);
      }
  }
}

/* Queues ------------------------------------------------------------------ */

static CsQueue *
parse_queue (const char  *text,
             const char  *id,
             GError     **error)
{
  g_autoptr(JsonNode) node = json (text);
  g_autofree char *data = cs_json_to_string (node, NULL);
  g_autoptr(JsonNode) parsed = cs_json_parse (data, strlen (data), error);

  if (parsed == NULL)
    return NULL;
  return cs_queue_new_from_json (parsed, id, error);
}

static void
test_queue_get (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsQueue) queue = parse_queue (GET_QUEUE, NULL, &error);
  const CsPolicy *policy;
  const CsRouting *routing;

  g_assert_no_error (error);
  g_assert_nonnull (queue);
  g_assert_cmpstr (cs_queue_get_id (queue), ==, "derm");
  g_assert_cmpstr (cs_queue_get_title (queue), ==, "Dermatology triage");
  g_assert_true (g_strv_equal (cs_queue_get_labels (queue), LABELS));
  g_assert_true (cs_queue_has_label (queue, "seborrheic keratosis"));
  g_assert_false (cs_queue_has_label (queue, "seborrheic"));
  g_assert_false (cs_queue_has_label (queue, NULL));
  policy = cs_queue_get_policy (queue);
  g_assert_cmpuint (policy->rationale_required, ==,
                    (1u << CS_ACTION_OVERRIDE) | (1u << CS_ACTION_REJECT) | (1u << CS_ACTION_ESCALATE));
  g_assert_cmpuint (policy->min_rationale_chars, ==, 15);
  g_assert_false (policy->blind_first);
  g_assert_cmpuint (policy->second_review, ==, 0);
  g_assert_cmpfloat (policy->target_error, <, 0);
  g_assert_false (policy->allow_amendments);
  g_assert_nonnull (cs_queue_get_reviewers (queue));
  g_assert_null (cs_queue_get_reviewers (queue)[0]);
  g_assert_null (cs_queue_get_overdue_queue (queue));
  g_assert_null (cs_queue_get_webhook_url (queue));
  g_assert_null (cs_queue_get_webhook_secret (queue));
  routing = cs_queue_get_routing (queue);
  g_assert_cmpfloat (routing->confidence_threshold, ==, 0);
  g_assert_cmpfloat (routing->fairness_threshold, <, 0);
  g_assert_cmpfloat (routing->anomaly_threshold, <, 0);
  g_assert_nonnull (routing->compliance_keywords);
  g_assert_null (routing->compliance_keywords[0]);
  g_assert_cmpfloat (routing->audit_sample_rate, ==, 0);

  /* As the server lists it to a reviewer: exactly the input. */
  {
    g_autoptr(JsonNode) in = json (GET_QUEUE);
    g_autoptr(JsonNode) out = cs_queue_to_json (queue, FALSE);
    g_autofree char *c_in = cs_json_canonical (in);
    g_autofree char *c_out = cs_json_canonical (out);

    g_assert_cmpstr (c_out, ==, c_in);
  }
}

static void
test_queue_put (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsQueue) queue = parse_queue (PUT_QUEUE, "derm", &error);
  g_autoptr(CsQueue) again = NULL;
  g_autoptr(JsonNode) full = NULL, full2 = NULL, listed = NULL;
  g_autofree char *c1 = NULL, *c2 = NULL, *listed_text = NULL;
  const CsPolicy *policy;
  const CsRouting *routing;
  static const char *keywords[] = { "chargeback", "self-harm", NULL };
  static const char *reviewers[] = { "r-17", "r-22", NULL };

  g_assert_no_error (error);
  g_assert_nonnull (queue);
  g_assert_cmpstr (cs_queue_get_id (queue), ==, "derm");
  policy = cs_queue_get_policy (queue);
  g_assert_true (policy->blind_first);
  g_assert_cmpuint (policy->second_review, ==, (1u << CS_ACTION_OVERRIDE) | (1u << CS_ACTION_REJECT));
  g_assert_cmpfloat (policy->target_error, ==, 0.02);
  routing = cs_queue_get_routing (queue);
  g_assert_cmpfloat (routing->confidence_threshold, ==, 0.80);
  g_assert_cmpfloat (routing->fairness_threshold, ==, 0.10);
  g_assert_cmpfloat (routing->anomaly_threshold, ==, 0.90);
  g_assert_true (g_strv_equal ((const char * const *) routing->compliance_keywords, keywords));
  g_assert_cmpfloat (routing->audit_sample_rate, ==, 0.02);
  g_assert_true (g_strv_equal (cs_queue_get_reviewers (queue), reviewers));
  g_assert_cmpstr (cs_queue_get_overdue_queue (queue), ==, "derm-senior");
  g_assert_cmpstr (cs_queue_get_webhook_url (queue), ==, "https://hooks.example.org/derm");
  g_assert_cmpstr (cs_queue_get_webhook_secret (queue), ==, "s3cr3t-hmac-key");

  /* Round trip with the server's settings: the id comes back in the body,
   * and parses with or without the id of the path. */
  full = cs_queue_to_json (queue, TRUE);
  c1 = cs_json_canonical (full);
  again = cs_queue_new_from_json (full, NULL, &error);
  g_assert_no_error (error);
  full2 = cs_queue_to_json (again, TRUE);
  c2 = cs_json_canonical (full2);
  g_assert_cmpstr (c1, ==, c2);
  {
    g_autoptr(CsQueue) with_id = cs_queue_new_from_json (full, "derm", &error);
    g_autoptr(JsonNode) out = NULL;
    g_autofree char *c3 = NULL;

    g_assert_no_error (error);
    out = cs_queue_to_json (with_id, TRUE);
    c3 = cs_json_canonical (out);
    g_assert_cmpstr (c3, ==, c1);
  }
  /* The input itself, plus the id, is what comes out. */
  {
    g_autoptr(JsonNode) in = json (PUT_QUEUE);
    g_autoptr(JsonNode) in_id = edit (in, "id", "'derm'");
    g_autofree char *c_in = cs_json_canonical (in_id);

    g_assert_cmpstr (c1, ==, c_in);
  }

  /* Listed to a reviewer, the server's settings and the secret stay behind. */
  listed = cs_queue_to_json (queue, FALSE);
  listed_text = cs_json_to_string (listed, NULL);
  g_assert_null (strstr (listed_text, "s3cr3t"));
  g_assert_null (strstr (listed_text, "routing"));
  g_assert_null (strstr (listed_text, "reviewers"));
  g_assert_null (strstr (listed_text, "webhook"));
}

static GObject *
parse_queue_func (JsonNode  *node,
                  gpointer   user_data,
                  GError   **error)
{
  g_autofree char *data = cs_json_to_string (node, NULL);
  g_autoptr(JsonNode) parsed = cs_json_parse (data, strlen (data), error);

  if (parsed == NULL)
    return NULL;
  return (GObject *) cs_queue_new_from_json (parsed, user_data, error);
}

static JsonNode *
queue_base (Variant v)
{
  /* V_FULL: the PUT body with an id; V_TEXT (reused as a tag): GET form. */
  if (v == V_TEXT)
    return json (GET_QUEUE);
  {
    g_autoptr(JsonNode) put = json (PUT_QUEUE);
    return edit (put, "id", "'derm'");
  }
}

static const FieldSpec queue_fields[] = {
  { V_TEXT, "id", T_STR, REQUIRED, NULL },
  { V_FULL, "title", T_STR, REQUIRED, NULL },
  { V_FULL, "labels", T_STRV, REQUIRED, NULL },
  { V_FULL, "policy", T_OBJ, OPTIONAL, NULL },
  { V_FULL, "policy.min_rationale_chars", T_INT, OPTIONAL, NULL },
  { V_FULL, "policy.rationale_required", T_STRV, OPTIONAL, NULL },
  { V_FULL, "policy.blind_first", T_BOOL, OPTIONAL, NULL },
  { V_FULL, "routing", T_OBJ, OPTIONAL, NULL },
  { V_FULL, "routing.confidence_threshold", T_NUM, OPTIONAL, NULL },
  { V_FULL, "routing.fairness_threshold", T_NUM, OPTIONAL, NULL },
  { V_FULL, "routing.anomaly_threshold", T_NUM, OPTIONAL, NULL },
  { V_FULL, "routing.compliance_keywords", T_STRV, OPTIONAL, NULL },
  { V_FULL, "routing.audit_sample_rate", T_NUM, OPTIONAL, NULL },
  { V_FULL, "reviewers", T_STRV, OPTIONAL, NULL },
  { V_FULL, "on_overdue", T_OBJ, OPTIONAL, NULL },
  { V_FULL, "on_overdue.queue", T_STR, REQUIRED, NULL },
  { V_FULL, "webhook", T_OBJ, OPTIONAL, NULL },
  { V_FULL, "webhook.url", T_STR, REQUIRED, NULL },
  { V_FULL, "webhook.secret", T_STR, REQUIRED, NULL },
};

static void
test_queue_field_table (void)
{
  guint n = run_field_table (queue_fields, G_N_ELEMENTS (queue_fields), queue_base,
                             parse_queue_func, no_data_for, "queue.");

  g_test_message ("%u mutations of the queue fixtures", n);
  g_assert_cmpuint (n, >, 80);
}

static void
test_queue_invalid (void)
{
  static const struct { const char *path, *value, *names; } cases[] = {
    { "labels", "['a', 'b', 'a']", "queue.labels" },
    { "labels", "['nevus', 'nevus']", "queue.labels" },
    { "labels", "[]", "queue.labels" },
    { "id", "''", "queue.id" },
    { "id", "'claims'", "queue.id" },                 /* differs from the path */
    { "routing.confidence_threshold", "1.5", "queue.routing.confidence_threshold" },
    { "routing.confidence_threshold", "-0.1", "queue.routing.confidence_threshold" },
    { "routing.audit_sample_rate", "1.01", "queue.routing.audit_sample_rate" },
    { "routing.audit_sample_rate", "-1", "queue.routing.audit_sample_rate" },
    { "routing.fairness_threshold", "1.5", "queue.routing.fairness_threshold" },
    { "routing.fairness_threshold", "-0.5", "queue.routing.fairness_threshold" },
    { "routing.anomaly_threshold", "2", "queue.routing.anomaly_threshold" },
    { "policy.target_error", "1.5", "queue.policy.target_error" },
    { "policy.min_rationale_chars", "-1", "queue.policy.min_rationale_chars" },
    { "policy.rationale_required", "['approve']", "queue.policy.rationale_required" },
  };
  static const struct { const char *path, *value; } fine[] = {
    { "routing.confidence_threshold", "1" },
    { "routing.confidence_threshold", "0" },
    { "routing.audit_sample_rate", "1" },
    { "routing.fairness_threshold", "0" },
    { "routing.anomaly_threshold", "1" },
    { "labels", "['only']" },
    { "x_future", "{'a': [1]}" },
    { "routing.x_future", "1" },
    { "webhook.x_future", "1" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) base = queue_base (V_FULL);
      g_autoptr(JsonNode) node = edit (base, cases[i].path, cases[i].value);
      g_autofree char *what = g_strdup_printf ("queue with %s = %s", cases[i].path, cases[i].value);

      expect_malformed (parse_queue_func, (gpointer) "derm", node, cases[i].names, what);
    }
  for (guint i = 0; i < G_N_ELEMENTS (fine); i++)
    {
      g_autoptr(JsonNode) base = queue_base (V_FULL);
      g_autoptr(JsonNode) node = edit (base, fine[i].path, fine[i].value);
      g_autofree char *what = g_strdup_printf ("queue with %s = %s", fine[i].path, fine[i].value);

      expect_accepted (parse_queue_func, (gpointer) "derm", node, what);
    }

  /* The id of the path wins over a missing one, not over a different one. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(CsQueue) queue = parse_queue (PUT_QUEUE, "claims", &error);

    g_assert_no_error (error);
    g_assert_cmpstr (cs_queue_get_id (queue), ==, "claims");
  }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(CsQueue) queue = parse_queue (GET_QUEUE, "claims", &error);

    g_assert_null (queue);
    g_assert_error (error, CS_ERROR, CS_ERROR_MALFORMED);
    g_assert_true (names_path (error->message, "queue.id"));
  }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) arr = json ("[]");
    g_autoptr(CsQueue) queue = cs_queue_new_from_json (arr, NULL, &error);

    g_assert_null (queue);
    g_assert_error (error, CS_ERROR, CS_ERROR_MALFORMED);
  }
}

static void
assert_policy_equal (const CsPolicy *a,
                     const CsPolicy *b)
{
  g_assert_cmpuint (a->rationale_required, ==, b->rationale_required);
  g_assert_cmpuint (a->min_rationale_chars, ==, b->min_rationale_chars);
  g_assert_cmpint (a->blind_first, ==, b->blind_first);
  g_assert_cmpuint (a->second_review, ==, b->second_review);
  g_assert_cmpfloat (a->target_error, ==, b->target_error);
  g_assert_cmpint (a->allow_amendments, ==, b->allow_amendments);
}

static void
test_policy_json (void)
{
  CsPolicy policy;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsPolicy) copy = NULL;

  /* NULL is the defaults. */
  policy.min_rationale_chars = 99;
  g_assert_true (cs_policy_parse (NULL, "policy", &policy, &error));
  g_assert_cmpuint (policy.min_rationale_chars, ==, 0);
  g_assert_cmpuint (policy.rationale_required, ==, 0);
  g_assert_cmpfloat (policy.target_error, <, 0);

  /* Every field survives its JSON. */
  policy.rationale_required = (1u << CS_ACTION_REJECT) | (1u << CS_ACTION_AGREE);
  policy.min_rationale_chars = 40;
  policy.blind_first = TRUE;
  policy.second_review = 1u << CS_ACTION_ESCALATE;
  policy.target_error = 0.05;
  policy.allow_amendments = TRUE;
  {
    g_autoptr(JsonNode) node = cs_policy_to_json (&policy);
    CsPolicy back;

    g_assert_true (cs_policy_parse (json_node_get_object (node), "policy", &back, &error));
    g_assert_no_error (error);
    assert_policy_equal (&back, &policy);
  }

  copy = cs_policy_copy (&policy);
  assert_policy_equal (copy, &policy);

  /* A failed parse leaves the output alone. */
  {
    g_autoptr(JsonNode) bad = json ("{'rationale_required': ['reject'], 'min_rationale_chars': -4}");
    CsPolicy out = policy;

    g_assert_false (cs_policy_parse (json_node_get_object (bad), "policy", &out, &error));
    g_assert_error (error, CS_ERROR, CS_ERROR_MALFORMED);
    assert_policy_equal (&out, &policy);
  }
}

/* Fuzzing ----------------------------------------------------------------- */

static void
mutate (GString *s,
        GRand   *rand)
{
  static const char interesting[] = "{}[]\":,0123456789-.eE \\tfnu\xc3\xff";
  guint n_ops = g_rand_int_range (rand, 1, 5);

  for (guint op = 0; op < n_ops && s->len > 0; op++)
    {
      gsize pos = g_rand_int_range (rand, 0, (gint32) s->len);

      switch (g_rand_int_range (rand, 0, 7))
        {
        case 0:
          s->str[pos] = (char) g_rand_int_range (rand, 0, 256);
          break;
        case 1:
          s->str[pos] = interesting[g_rand_int_range (rand, 0, sizeof interesting - 1)];
          break;
        case 2:
          {
            gsize len = g_rand_int_range (rand, 1, 16);
            g_string_erase (s, pos, MIN (s->len - pos, len));
          }
          break;
        case 3:
          {
            gsize want = g_rand_int_range (rand, 1, 32);
            gsize len = MIN (s->len - pos, want);
            g_autofree char *copy = g_strndup (s->str + pos, len);
            g_string_insert_len (s, g_rand_int_range (rand, 0, (gint32) s->len + 1), copy, len);
          }
          break;
        case 4:
          g_string_truncate (s, pos);
          break;
        case 5:
          {
            gsize other = g_rand_int_range (rand, 0, (gint32) s->len);
            char c = s->str[pos];
            s->str[pos] = s->str[other];
            s->str[other] = c;
          }
          break;
        default:
          g_string_insert_c (s, pos, interesting[g_rand_int_range (rand, 0, sizeof interesting - 1)]);
          break;
        }
    }
}

static void
test_fuzz_case (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261124);
  g_autoptr(GPtrArray) seeds = g_ptr_array_new_with_free_func (g_free);
  gint64 start = g_get_monotonic_time ();
  guint n = 0, n_accepted = 0;
  const guint max_iterations = 10000;

  for (Variant v = 0; v < N_VARIANTS; v++)
    {
      g_autoptr(JsonNode) node = variant (v);
      g_ptr_array_add (seeds, cs_json_to_string (node, NULL));
    }

  for (n = 0; n < max_iterations; n++)
    {
      guint which = g_rand_int_range (rand, 0, (gint32) seeds->len);
      g_autoptr(GString) s = g_string_new (seeds->pdata[which]);
      CsCaseParseFlags flags = which == V_PREDICTION ? CS_CASE_PARSE_PREDICTION : CS_CASE_PARSE_CASE;
      g_autoptr(GError) error = NULL;
      g_autoptr(CsCase) kase = NULL;

      mutate (s, rand);
      /* Not NUL-terminated on purpose: the parser must respect the length. */
      kase = cs_case_new_from_data (s->str, s->len, flags, &error);
      g_assert_true ((kase == NULL) != (error == NULL));
      if (kase != NULL)
        {
          g_autofree char *data = cs_case_to_data (kase, NULL);
          g_autoptr(GError) error2 = NULL;
          g_autoptr(CsCase) back = cs_case_new_from_data (data, -1, flags, &error2);
          g_autofree char *c1 = NULL, *c2 = NULL;

          /* Whatever was accepted writes back into something accepted, the same. */
          if (back == NULL)
            g_error ("accepted %.*s\nbut not its own output %s: %s", (int) s->len, s->str, data, error2->message);
          c1 = canonical_of_case (kase);
          c2 = canonical_of_case (back);
          g_assert_cmpstr (c1, ==, c2);
          n_accepted++;
        }
      else
        {
          g_assert_true (error->domain == CS_ERROR);
          g_assert_true (error->code == CS_ERROR_MALFORMED || error->code == CS_ERROR_TOO_LARGE);
          g_assert_true (g_utf8_validate (error->message, -1, NULL));
        }

      /* A time budget for slow machines and valgrind. */
      if (g_get_monotonic_time () - start > 4 * G_TIME_SPAN_SECOND)
        break;
    }

  g_test_message ("%u mutated cases, %u accepted, in %.2f s", n, n_accepted,
                  (g_get_monotonic_time () - start) / 1e6);
  g_assert_cmpuint (n, >, 100);
  g_assert_cmpuint (n_accepted, >, 0);
  g_assert_cmpuint (n_accepted, <, n);
}

static void
test_fuzz_decision_queue (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (424242);
  g_autofree char *decision = fx (FULL_DECISION);
  g_autofree char *queue = fx (PUT_QUEUE);
  gint64 start = g_get_monotonic_time ();
  guint n;

  for (n = 0; n < 2000; n++)
    {
      g_autoptr(GString) s = g_string_new (n % 2 ? decision : queue);
      g_autoptr(GError) error = NULL;

      mutate (s, rand);
      if (n % 2)
        {
          g_autoptr(CsDecision) d = cs_decision_new_from_data (s->str, s->len, &error);

          g_assert_true ((d == NULL) != (error == NULL));
          if (d != NULL)
            {
              g_autofree char *data = cs_decision_to_data (d, NULL);
              g_autoptr(CsDecision) back = cs_decision_new_from_data (data, -1, &error);
              g_assert_no_error (error);
            }
        }
      else
        {
          g_autoptr(JsonNode) node = cs_json_parse (s->str, s->len, &error);
          g_autoptr(CsQueue) q = NULL;

          if (node != NULL)
            q = cs_queue_new_from_json (node, "derm", &error);
          g_assert_true ((q == NULL) != (error == NULL));
          if (q != NULL)
            {
              g_autoptr(JsonNode) out = cs_queue_to_json (q, TRUE);
              g_autoptr(CsQueue) back = cs_queue_new_from_json (out, NULL, &error);
              g_assert_no_error (error);
            }
        }
      if (g_get_monotonic_time () - start > 3 * G_TIME_SPAN_SECOND)
        break;
    }
  g_test_message ("%u mutated decisions and queues", n);
  g_assert_cmpuint (n, >, 100);
}

int
main (int   argc,
      char *argv[])
{
  static const char *variant_names[] = { "full", "grid", "text", "document", "tabular", "prediction" };

  g_test_init (&argc, &argv, NULL);

  for (Variant v = 0; v < N_VARIANTS; v++)
    {
      g_autofree char *name = g_strdup_printf ("/codec/case/round-trip/%s", variant_names[v]);
      g_test_add_data_func (name, GUINT_TO_POINTER (v), test_case_round_trip);
    }
  g_test_add_func ("/codec/case/writes-every-member", test_case_writes_every_member);
  g_test_add_func ("/codec/case/unknown-fields", test_case_unknown_fields);
  g_test_add_func ("/codec/case/field-table", test_case_field_table);
  g_test_add_func ("/codec/case/defaults", test_case_defaults);
  g_test_add_func ("/codec/case/ranges", test_case_ranges);
  g_test_add_func ("/codec/case/grid-clamped", test_case_grid_clamped);
  g_test_add_func ("/codec/case/trigger-kinds", test_case_trigger_kinds);
  g_test_add_func ("/codec/case/prediction", test_case_prediction);
  g_test_add_func ("/codec/json/size", test_json_size);
  g_test_add_func ("/codec/json/depth", test_json_depth);
  g_test_add_func ("/codec/json/strings-do-not-nest", test_json_strings_do_not_nest);
  g_test_add_func ("/codec/json/malformed", test_json_malformed);
  g_test_add_func ("/codec/json/canonical", test_json_canonical);
  g_test_add_func ("/codec/json/doubles", test_json_doubles);
  g_test_add_func ("/codec/types/times", test_times);
  g_test_add_func ("/codec/types/enum-names", test_enum_names);
  g_test_add_func ("/codec/decision/round-trip", test_decision_round_trip);
  g_test_add_func ("/codec/decision/extensions", test_decision_extensions);
  g_test_add_func ("/codec/decision/field-table", test_decision_field_table);
  g_test_add_func ("/codec/decision/invalid", test_decision_invalid);
  g_test_add_func ("/codec/decision/new", test_decision_new);
  g_test_add_func ("/codec/decision/results", test_decision_results);
  g_test_add_func ("/codec/policy/rationale", test_policy_rationale);
  g_test_add_func ("/codec/policy/labels", test_policy_labels);
  g_test_add_func ("/codec/policy/blind-first", test_policy_blind_first);
  g_test_add_func ("/codec/policy/json", test_policy_json);
  g_test_add_func ("/codec/queue/get", test_queue_get);
  g_test_add_func ("/codec/queue/put", test_queue_put);
  g_test_add_func ("/codec/queue/field-table", test_queue_field_table);
  g_test_add_func ("/codec/queue/invalid", test_queue_invalid);
  g_test_add_func ("/codec/fuzz/case", test_fuzz_case);
  g_test_add_func ("/codec/fuzz/decision-queue", test_fuzz_decision_queue);

  return g_test_run ();
}
