/* cs-case.h: an escalated case, with its evidence and the model's explanation.
 *
 * The one codec for the Case of API.md: every field is read strictly (a missing
 * or mistyped required field is a CS_ERROR_MALFORMED naming it), unknown fields
 * are ignored, and cs_case_to_json() writes back every field it knows.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include "cs-types.h"
#include "cs-queue.h"

G_BEGIN_DECLS

typedef struct
{
  char   *sha256;       /* 64 lowercase hex digits */
  char   *media_type;
  gint64  bytes;        /* -1 when not given */
  gint64  width;        /* -1 when not given */
  gint64  height;       /* -1 when not given */
} CsAsset;

typedef struct
{
  char   *label;
  double  confidence;
} CsAlternative;

typedef struct
{
  gint64  page;         /* 0 for images */
  double  x, y, w, h;   /* subject pixels, or PDF points on @page */
  char   *label;        /* may be NULL */
  double  score;        /* NAN when not given */
} CsRegion;

typedef struct
{
  char   *feature;
  double  value;        /* signed: positive pushes towards the predicted label */
  char   *display;      /* may be NULL */
} CsAttribution;

typedef struct
{
  gint64  start, end;   /* character offsets into subject.text, end exclusive */
  double  weight;
  char   *label;        /* may be NULL */
} CsSpan;

/* A name and value of subject.fields or context, in the order the JSON gave them. */
typedef struct
{
  char     *name;
  JsonNode *value;      /* a scalar or null */
  char     *display;    /* the value as text */
} CsField;

typedef struct
{
  char    *kind;        /* "saliency", "gradcam", … */
  CsAsset *asset;       /* either an asset … */
  guint    grid_width;  /* … or a grid of values in 0..1, row-major */
  guint    grid_height;
  double  *grid_values;
} CsHeatmap;

typedef struct
{
  char      *by;
  CsAction   action;
  char      *label;     /* may be NULL */
  GDateTime *at;
  char      *id;        /* first_decision only: the decision's id; else NULL */
  char      *rationale; /* first_decision only: may be NULL */
} CsDecided;

void cs_asset_free       (CsAsset       *asset);
void cs_alternative_free (CsAlternative *alt);
void cs_region_free      (CsRegion      *region);
void cs_attribution_free (CsAttribution *attribution);
void cs_span_free        (CsSpan        *span);
void cs_field_free       (CsField       *field);
void cs_heatmap_free     (CsHeatmap     *heatmap);
void cs_decided_free     (CsDecided     *decided);
CsAsset   *cs_asset_copy   (const CsAsset   *asset);
CsDecided *cs_decided_copy (const CsDecided *decided);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsDecided, cs_decided_free)

/* Parse modes. A prediction (POST /api/v1/predictions) has no id, version,
 * status, labels or policy yet: the server fills them in. */
typedef enum
{
  CS_CASE_PARSE_CASE       = 0,
  CS_CASE_PARSE_PREDICTION = 1 << 0,
} CsCaseParseFlags;

#define CS_TYPE_CASE (cs_case_get_type ())
G_DECLARE_FINAL_TYPE (CsCase, cs_case, CS, CASE, GObject)

CsCase        *cs_case_new_from_json   (JsonNode         *node,
                                        CsCaseParseFlags  flags,
                                        GError          **error);
CsCase        *cs_case_new_from_data   (const char       *data,
                                        gssize            len,
                                        CsCaseParseFlags  flags,
                                        GError          **error);
JsonNode      *cs_case_to_json         (CsCase           *self);
char          *cs_case_to_data         (CsCase           *self,
                                        gsize            *len);
CsCase        *cs_case_copy            (CsCase           *self);

const char    *cs_case_get_id          (CsCase *self);
gint64         cs_case_get_version     (CsCase *self);
const char    *cs_case_get_queue       (CsCase *self);
CsCaseStatus   cs_case_get_status      (CsCase *self);
const char    *cs_case_get_assigned_to (CsCase *self);
GDateTime     *cs_case_get_lease_until (CsCase *self);
GDateTime     *cs_case_get_created_at  (CsCase *self);
GDateTime     *cs_case_get_due_at      (CsCase *self);
double         cs_case_get_priority    (CsCase *self);

CsTriggerKind  cs_case_get_trigger_kind      (CsCase *self);
const char    *cs_case_get_trigger_detail    (CsCase *self);
double         cs_case_get_trigger_threshold (CsCase *self);  /* NAN when not given */

CsSubjectKind  cs_case_get_subject_kind  (CsCase *self);
const char    *cs_case_get_title         (CsCase *self);
const CsAsset *cs_case_get_subject_asset (CsCase *self);       /* NULL for text/tabular */
const char    *cs_case_get_subject_text  (CsCase *self);
GPtrArray     *cs_case_get_subject_fields (CsCase *self);      /* of CsField; may be empty */

const char    *cs_case_get_model_name    (CsCase *self);
const char    *cs_case_get_model_version (CsCase *self);

const char    *cs_case_get_predicted_label (CsCase *self);
double         cs_case_get_confidence      (CsCase *self);
GPtrArray     *cs_case_get_alternatives    (CsCase *self);     /* of CsAlternative */

const char    *cs_case_get_summary       (CsCase *self);       /* may be NULL */
const CsHeatmap *cs_case_get_heatmap     (CsCase *self);       /* may be NULL */
GPtrArray     *cs_case_get_regions       (CsCase *self);       /* of CsRegion */
GPtrArray     *cs_case_get_attributions  (CsCase *self);       /* of CsAttribution */
GPtrArray     *cs_case_get_spans         (CsCase *self);       /* of CsSpan */

const char * const *cs_case_get_labels   (CsCase *self);
const CsPolicy *cs_case_get_policy       (CsCase *self);
GPtrArray     *cs_case_get_context       (CsCase *self);       /* of CsField */
const CsDecided *cs_case_get_decided     (CsCase *self);       /* may be NULL */
/* Under a two-person rule, while the case is pending_second: the decision
 * that waits for a second reviewer. NULL otherwise. */
const CsDecided *cs_case_get_first_decision (CsCase *self);

/* Every asset the case names (subject, heatmap): borrowed pointers. */
GPtrArray     *cs_case_list_assets       (CsCase *self);

/* Setters for what the server decides. */
void cs_case_set_id          (CsCase *self, const char *id);
void cs_case_set_version     (CsCase *self, gint64 version);
void cs_case_set_queue       (CsCase *self, const char *queue);
void cs_case_set_status      (CsCase *self, CsCaseStatus status);
void cs_case_set_assigned_to (CsCase *self, const char *reviewer, GDateTime *lease_until);
void cs_case_set_created_at  (CsCase *self, GDateTime *created_at);
void cs_case_set_due_at      (CsCase *self, GDateTime *due_at);
void cs_case_set_priority    (CsCase *self, double priority);
void cs_case_set_trigger     (CsCase *self, CsTriggerKind kind, const char *detail, double threshold);
void cs_case_set_labels      (CsCase *self, const char * const *labels);
void cs_case_set_policy      (CsCase *self, const CsPolicy *policy);
void cs_case_set_decided     (CsCase *self, const CsDecided *decided);
void cs_case_set_first_decision (CsCase *self, const CsDecided *first);

G_END_DECLS
