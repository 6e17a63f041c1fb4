/* cs-case-view.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include <glib/gi18n.h>

#include "cs-case-view.h"
#include "cs-decision-panel.h"
#include "cs-colour-bar.h"
#include "cs-document-view.h"
#include "cs-heatmap-controls.h"
#include "cs-explanation-panel.h"
#include "cs-image-view.h"
#include "cs-span-text.h"

struct _CsCaseView
{
  AdwBin          parent_instance;

  CsSync         *sync;
  CsCase         *kase;
  gint64          shown_at;     /* monotonic µs when the case came on screen */
  GCancellable   *cancellable;
  gboolean        settled;
  /* FALSE while a blind-first case waits for the reviewer's own label: the
   * model's answer, its explanation and its marks on the evidence are hidden. */
  gboolean        revealed;

  GtkStack       *stack;
  GtkLabel       *title_label;
  GtkLabel       *meta_label;
  GtkPaned       *evidence_paned;
  GtkStack       *evidence_stack;
  CsDocumentView *document_view;
  GtkWidget      *heatmap_box;
  CsColourBar    *colour_bar;
  CsHeatmapControls *heatmap_controls;
  CsImageView    *image_view;
  GSettings      *settings;
  GtkTextView    *text_view;
  GtkGrid        *fields_grid;
  AdwStatusPage  *evidence_status;
  CsExplanationPanel *explanation_panel;
  CsDecisionPanel *decision_panel;
  GtkWidget      *conflict_box;
  GtkLabel       *conflict_label;
  GtkWidget      *second_box;
  GtkLabel       *second_label;
};

enum {
  DECIDED,
  DISMISSED,
  JUDGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CsCaseView, cs_case_view, ADW_TYPE_BIN)

static const char *
trigger_in_words (CsCase *kase)
{
  switch (cs_case_get_trigger_kind (kase))
    {
    case CS_TRIGGER_LOW_CONFIDENCE: return _("Low confidence");
    case CS_TRIGGER_FAIRNESS: return _("Fairness flag");
    case CS_TRIGGER_COMPLIANCE_KEYWORD: return _("Compliance keyword");
    case CS_TRIGGER_ANOMALY: return _("Anomaly");
    case CS_TRIGGER_RANDOM_AUDIT: return _("Random audit");
    case CS_TRIGGER_OVERDUE: return _("Overdue elsewhere");
    case CS_TRIGGER_OTHER:
    default: return _("Sent for review");
    }
}

static gboolean
conflict_can_be_redecided (CsCase *kase)
{
  switch (cs_case_get_status (kase))
    {
    case CS_CASE_STATUS_OPEN:
      return TRUE;
    case CS_CASE_STATUS_DECIDED:
      return cs_case_get_policy (kase)->allow_amendments;
    case CS_CASE_STATUS_WITHDRAWN:
    case CS_CASE_STATUS_PENDING_SECOND:
    default:
      return FALSE;
    }
}

/* What the server's current copy says, for a decision it did not take. */
static char *
conflict_in_words (CsCase *kase)
{
  const CsDecided *decided = cs_case_get_decided (kase);

  if (cs_case_get_status (kase) == CS_CASE_STATUS_WITHDRAWN)
    return g_strdup (_("The server did not take your decision: this case was withdrawn. "
                       "Let the outcome stand to take it off your list."));

  if (decided != NULL)
    {
      g_autofree char *at = decided->at ? g_date_time_format (decided->at, "%x %H:%M") : g_strdup ("");

      const char *next = conflict_can_be_redecided (kase)
                         ? _("Decide again on their outcome, or let it stand.")
                         : _("Let their outcome stand to take it off your list.");

      if (decided->label != NULL)
        return g_strdup_printf (_("The server did not take your decision: %s already decided this case "
                                  "(%s, “%s”) on %s. %s"),
                                decided->by, cs_action_to_string (decided->action), decided->label, at, next);
      return g_strdup_printf (_("The server did not take your decision: %s already decided this case "
                                "(%s) on %s. %s"),
                              decided->by, cs_action_to_string (decided->action), at, next);
    }

  return g_strdup_printf (_("The server did not take your decision: the case changed since you decided "
                            "(it is now version %" G_GINT64_FORMAT "). Look again and decide, or let it stand."),
                          cs_case_get_version (kase));
}

/* The decision waiting for a second reviewer, in a sentence. */
static char *
first_decision_in_words (const CsDecided *first,
                         gboolean         own)
{
  g_autofree char *at = first->at ? g_date_time_format (first->at, "%x %H:%M") : g_strdup ("");
  g_autofree char *what = NULL;
  g_autofree char *why = NULL;
  g_autofree char *sentence = NULL;

  switch (first->action)
    {
    case CS_ACTION_OVERRIDE:
      what = g_strdup_printf (_("overrode the model with “%s”"), first->label ? first->label : "");
      break;
    case CS_ACTION_REJECT:
      what = g_strdup (_("rejected the case"));
      break;
    case CS_ACTION_ESCALATE:
      what = g_strdup (_("escalated the case"));
      break;
    case CS_ACTION_ACCEPT:
    case CS_ACTION_AGREE:
    default:
      what = first->label ? g_strdup_printf (_("accepted “%s”"), first->label) : g_strdup (_("accepted the model’s answer"));
      break;
    }
  why = first->rationale && *first->rationale ? g_strdup_printf (_("writing “%s”"), first->rationale)
                                              : g_strdup (_("without a rationale"));
  if (own)
    sentence = g_strdup_printf (_("Waiting for a second reviewer: you %s on %s, %s. "
                                  "Someone else must countersign it before it is final."), what, at, why);
  else
    sentence = g_strdup_printf (_("Second review: %s %s on %s, %s. "
                                  "Agree (G) to make it final, or decide the case yourself."),
                                first->by, what, at, why);
  return g_steal_pointer (&sentence);
}

static void
set_evidence_message (CsCaseView *self,
                      const char *icon,
                      const char *title,
                      const char *description)
{
  adw_status_page_set_icon_name (self->evidence_status, icon);
  adw_status_page_set_title (self->evidence_status, title);
  adw_status_page_set_description (self->evidence_status, description);
  gtk_stack_set_visible_child_name (self->evidence_stack, "message");
}

/* Images go to the tiled view and documents to the page view; each decodes
 * off the main thread and checks the file against the case's hash first. */
static void
load_evidence_file (CsCaseView *self,
                    const char *path)
{
  const char *sha256 = cs_case_get_subject_asset (self->kase)->sha256;

  if (cs_case_get_subject_kind (self->kase) == CS_SUBJECT_IMAGE)
    cs_image_view_load_file (self->image_view, path, sha256);
  else
    {
      cs_document_view_set_regions (self->document_view, self->revealed ? cs_case_get_regions (self->kase) : NULL);
      cs_document_view_load_file (self->document_view, path, sha256);
    }
}

static void
asset_fetched_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(CsCaseView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  path = cs_sync_fetch_asset_finish (CS_SYNC (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (path == NULL)
    {
      self->settled = TRUE;
      g_autofree char *description =
        g_strdup_printf (_("The evidence is not on this computer yet, and it cannot be fetched now (%s). "
                           "You can still decide this case from what is shown, or come back to it later."),
                         error->message);
      set_evidence_message (self, "network-offline-symbolic", _("Evidence Not Available"), description);
      return;
    }
  load_evidence_file (self, path);
}

static void
heatmap_fetched_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(CsCaseView) self = user_data;
  g_autofree char *path = cs_sync_fetch_asset_finish (CS_SYNC (source), result, NULL);
  g_autoptr(GdkTexture) texture = NULL;

  /* Without its heatmap the case stays readable and decidable. */
  if (path != NULL && (texture = gdk_texture_new_from_filename (path, NULL)) != NULL)
    cs_image_view_set_heatmap_texture (self->image_view, texture);
}

static void
show_explanation_overlays (CsCaseView *self)
{
  const CsHeatmap *heatmap = self->revealed ? cs_case_get_heatmap (self->kase) : NULL;

  cs_image_view_set_regions (self->image_view, self->revealed ? cs_case_get_regions (self->kase) : NULL);
  cs_image_view_set_heatmap_grid (self->image_view, 0, 0, NULL);
  cs_image_view_set_heatmap_texture (self->image_view, NULL);
  gtk_widget_set_visible (self->heatmap_box, heatmap != NULL);
  if (heatmap == NULL)
    return;
  if (heatmap->asset == NULL)
    cs_image_view_set_heatmap_grid (self->image_view, heatmap->grid_width, heatmap->grid_height,
                                    heatmap->grid_values);
  else
    cs_sync_fetch_asset_async (self->sync, heatmap->asset->sha256, self->cancellable, heatmap_fetched_cb,
                               g_object_ref (self));
}

static void
image_state_cb (CsCaseView *self)
{
  switch (cs_image_view_get_state (self->image_view))
    {
    case CS_IMAGE_VIEW_STATE_READY:
      self->settled = TRUE;
      gtk_stack_set_visible_child_name (self->evidence_stack, "image");
      break;
    case CS_IMAGE_VIEW_STATE_ERROR:
      self->settled = TRUE;
      set_evidence_message (self, "dialog-warning-symbolic", _("Evidence Cannot Be Shown"),
                            cs_image_view_get_error_message (self->image_view));
      break;
    case CS_IMAGE_VIEW_STATE_EMPTY:
    case CS_IMAGE_VIEW_STATE_LOADING:
    default:
      break;
    }
}

static void
document_state_cb (CsCaseView *self)
{
  switch (cs_document_view_get_state (self->document_view))
    {
    case CS_DOCUMENT_VIEW_STATE_READY:
      self->settled = TRUE;
      gtk_stack_set_visible_child_name (self->evidence_stack, "document");
      break;
    case CS_DOCUMENT_VIEW_STATE_ERROR:
      self->settled = TRUE;
      set_evidence_message (self, "dialog-warning-symbolic", _("Evidence Cannot Be Shown"),
                            cs_document_view_get_error_message (self->document_view));
      break;
    case CS_DOCUMENT_VIEW_STATE_EMPTY:
    case CS_DOCUMENT_VIEW_STATE_LOADING:
    default:
      break;
    }
}

static void
show_subject_asset (CsCaseView *self)
{
  const CsAsset *asset = cs_case_get_subject_asset (self->kase);
  g_autofree char *path = cs_sync_lookup_asset (self->sync, asset->sha256);

  if (cs_case_get_subject_kind (self->kase) == CS_SUBJECT_IMAGE)
    show_explanation_overlays (self);

  set_evidence_message (self, "content-loading-symbolic", _("Opening the Evidence…"), NULL);
  if (path != NULL)
    load_evidence_file (self, path);
  else
    cs_sync_fetch_asset_async (self->sync, asset->sha256, self->cancellable, asset_fetched_cb, g_object_ref (self));
}

static void
show_text (CsCaseView *self)
{
  cs_span_text_show (self->text_view, cs_case_get_subject_text (self->kase),
                     self->revealed ? cs_case_get_spans (self->kase) : NULL);
  gtk_stack_set_visible_child_name (self->evidence_stack, "text");
  self->settled = TRUE;
}

static int
compare_descending (const double *a,
                    const double *b)
{
  return (*a < *b) - (*a > *b);
}

static const CsAttribution *
find_attribution (CsCase     *kase,
                  const char *name)
{
  GPtrArray *attributions = cs_case_get_attributions (kase);

  for (guint i = 0; i < attributions->len; i++)
    {
      const CsAttribution *attribution = g_ptr_array_index (attributions, i);
      if (g_str_equal (attribution->feature, name))
        return attribution;
    }
  return NULL;
}

/* "▲ +0.42" towards the model's answer, "▼ −0.13" away from it: the arrow and
 * the sign tell them apart without colour. */
static GtkWidget *
attribution_chip (const CsAttribution *attribution)
{
  gboolean towards = attribution->value >= 0;
  /* Two decimals, or three for a weight that would otherwise read 0.00. */
  g_autofree char *text = g_strdup_printf (fabs (attribution->value) < 0.005 ? "%s %s%.3f" : "%s %s%.2f",
                                           towards ? "▲" : "▼", towards ? "+" : "−", fabs (attribution->value));
  GtkWidget *chip = gtk_label_new (text);

  gtk_widget_add_css_class (chip, "attribution-chip");
  gtk_widget_add_css_class (chip, towards ? "towards" : "away");
  gtk_widget_add_css_class (chip, "numeric");
  gtk_widget_set_tooltip_text (chip, towards ? _("Pushed the model towards its answer")
                                             : _("Pushed the model away from its answer"));
  gtk_widget_set_halign (chip, GTK_ALIGN_START);
  gtk_widget_set_valign (chip, GTK_ALIGN_CENTER);
  return chip;
}

/* The magnitude of the fifth strongest attribution: fields at or above it are
 * the ones the model weighed most. */
#define STRONGEST_FIELDS 5

static double
strong_attribution_cut (CsCase *kase)
{
  GPtrArray *attributions = cs_case_get_attributions (kase);
  g_autoptr(GArray) sizes = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint i = 0; i < attributions->len; i++)
    {
      double size = fabs (((CsAttribution *) g_ptr_array_index (attributions, i))->value);
      g_array_append_val (sizes, size);
    }
  if (sizes->len == 0)
    return INFINITY;
  g_array_sort (sizes, (GCompareFunc) compare_descending);
  return g_array_index (sizes, double, MIN (sizes->len, STRONGEST_FIELDS) - 1);
}

static void
show_fields (CsCaseView *self)
{
  GPtrArray *fields = cs_case_get_subject_fields (self->kase);
  double cut = strong_attribution_cut (self->kase);
  GtkWidget *child;
  guint marked = 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->fields_grid))) != NULL)
    gtk_grid_remove (self->fields_grid, child);

  for (guint i = 0; i < fields->len; i++)
    {
      CsField *field = g_ptr_array_index (fields, i);
      /* Blind first, the fields are shown as received, without the model's weights. */
      const CsAttribution *attribution = self->revealed ? find_attribution (self->kase, field->name) : NULL;
      GtkWidget *name = gtk_label_new (field->name);
      GtkWidget *value = gtk_label_new (field->display);
      int row = (int) i + 1;

      gtk_label_set_xalign (GTK_LABEL (name), 0);
      gtk_label_set_xalign (GTK_LABEL (value), 0);
      gtk_label_set_wrap (GTK_LABEL (value), TRUE);
      gtk_label_set_selectable (GTK_LABEL (value), TRUE);
      gtk_widget_add_css_class (value, "numeric");
      gtk_widget_add_css_class (name, "field-name");
      gtk_grid_attach (self->fields_grid, name, 0, row, 1, 1);
      gtk_grid_attach (self->fields_grid, value, 1, row, 1, 1);
      if (attribution != NULL)
        {
          g_autofree char *description = NULL;

          GtkWidget *chip = attribution_chip (attribution);

          if (fabs (attribution->value) >= cut && fabs (attribution->value) > 0)
            {
              gtk_widget_add_css_class (name, "attributed");
              gtk_widget_add_css_class (value, "attributed");
              marked++;
            }
          else
            gtk_widget_add_css_class (name, "dim-label");
          gtk_widget_set_hexpand (chip, TRUE);
          gtk_grid_attach (self->fields_grid, chip, 2, row, 1, 1);
          description = g_strdup_printf (_("%s: %s, weighed by the model at %+.2f"), field->name, field->display,
                                         attribution->value);
          gtk_accessible_update_property (GTK_ACCESSIBLE (value), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                          description, -1);
        }
      else
        gtk_widget_add_css_class (name, "dim-label");
    }

  {
    g_autofree char *caption = g_strdup_printf (ngettext ("%u field as received.", "%u fields as received.",
                                                         fields->len), fields->len);

    if (marked > 0)
      {
        g_autofree char *received = g_steal_pointer (&caption);
        caption = g_strconcat (received, " ", _("Fields in bold weighed most in the model’s answer; "
                                                "▲ pushed towards it, ▼ away from it."), NULL);
      }
    GtkWidget *label = gtk_label_new (caption);

    gtk_label_set_xalign (GTK_LABEL (label), 0);
    gtk_label_set_wrap (GTK_LABEL (label), TRUE);
    gtk_widget_add_css_class (label, "caption");
    gtk_widget_add_css_class (label, "dim-label");
    gtk_widget_set_margin_bottom (label, 6);
    gtk_grid_attach (self->fields_grid, label, 0, 0, 3, 1);
  }

  gtk_stack_set_visible_child_name (self->evidence_stack, "fields");
  self->settled = TRUE;
}

static void
show_case (CsCaseView *self)
{
  CsCase *kase = self->kase;
  const char *trigger = trigger_in_words (kase);
  g_autofree char *meta = NULL;
  CsLocalState state = CS_LOCAL_NEW;
  gboolean decidable;
  const char *reviewer = cs_sync_get_reviewer (self->sync);
  const CsDecided *first = NULL;
  g_autofree char *initial = NULL;
  gboolean blind;

  gtk_label_set_label (self->title_label, cs_case_get_title (kase));
  /* The line under the title says what the case is; the explanation panel says why it is here. */
  meta = g_strdup_printf ("%s · %s · %s", cs_case_get_id (kase), cs_case_get_queue (kase), trigger);
  gtk_label_set_label (self->meta_label, meta);

  cs_store_get_local_state (cs_sync_get_store (self->sync), cs_case_get_id (kase), &state);
  /* After a conflict a new decision only makes sense on a case still open, or
   * where the queue takes amendments; otherwise the reviewer lets it stand. */
  decidable = state == CS_LOCAL_NEW ||
              (state == CS_LOCAL_CONFLICT && conflict_can_be_redecided (kase));

  /* Blind first: until this reviewer has recorded their own label, nothing of
   * the model's answer is shown. A second reviewer sees the first decision,
   * so the rule is for first decisions only, as the server applies it. */
  if (cs_case_get_status (kase) == CS_CASE_STATUS_PENDING_SECOND)
    first = cs_case_get_first_decision (kase);
  blind = cs_case_get_policy (kase)->blind_first && decidable && first == NULL;
  if (blind)
    initial = cs_store_get_initial_label (cs_sync_get_store (self->sync), cs_case_get_id (kase), reviewer);
  self->revealed = !blind || initial != NULL;
  cs_explanation_panel_set_revealed (self->explanation_panel, self->revealed);
  cs_explanation_panel_set_case (self->explanation_panel, kase);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "case.accept", decidable);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "case.submit", decidable);
  cs_decision_panel_set_case (self->decision_panel, kase, decidable);
  if (!self->revealed)
    cs_decision_panel_set_judging_first (self->decision_panel, TRUE);
  else if (initial != NULL)
    cs_decision_panel_set_initial_label (self->decision_panel, initial);

  /* The two-person rule: whatever this reviewer decides countersigns the
   * first decision; agreeing is offered to anyone but its author. */
  gtk_widget_set_visible (self->second_box, first != NULL);
  if (first != NULL)
    {
      gboolean own = reviewer != NULL && g_strcmp0 (first->by, reviewer) == 0;
      g_autofree char *text = first_decision_in_words (first, own);

      gtk_label_set_label (self->second_label, text);
      cs_decision_panel_set_countersigns (self->decision_panel, decidable ? first->id : NULL, decidable && !own);
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "case.dismiss", state == CS_LOCAL_CONFLICT);
  gtk_widget_set_visible (self->conflict_box, state == CS_LOCAL_CONFLICT);
  if (state == CS_LOCAL_CONFLICT)
    {
      g_autofree char *text = conflict_in_words (kase);
      gtk_label_set_label (self->conflict_label, text);
    }
  if (!decidable && state != CS_LOCAL_CONFLICT)
    cs_decision_panel_set_error (self->decision_panel, state == CS_LOCAL_CLOSED
                                               ? _("This case is no longer yours to decide.")
                                               : _("You have decided this case."));

  self->settled = FALSE;
  gtk_widget_set_visible (self->heatmap_box, FALSE);
  switch (cs_case_get_subject_kind (kase))
    {
    case CS_SUBJECT_IMAGE:
    case CS_SUBJECT_DOCUMENT:
      show_subject_asset (self);
      break;
    case CS_SUBJECT_TEXT:
      show_text (self);
      break;
    case CS_SUBJECT_TABULAR:
    default:
      show_fields (self);
      break;
    }

  gtk_stack_set_visible_child_name (self->stack, "case");
}

void
cs_case_view_set_case_id (CsCaseView *self,
                          const char *case_id)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (CS_IS_CASE_VIEW (self));

  if (self->kase != NULL && case_id != NULL && g_str_equal (cs_case_get_id (self->kase), case_id))
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_clear_object (&self->kase);
  self->settled = FALSE;

  if (case_id == NULL || self->sync == NULL)
    {
      cs_explanation_panel_set_case (self->explanation_panel, NULL);
      gtk_stack_set_visible_child_name (self->stack, "none");
      self->settled = TRUE;
      return;
    }

  self->kase = cs_store_get_case (cs_sync_get_store (self->sync), case_id, &error);
  if (self->kase == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "none");
      g_warning ("%s", error->message);
      self->settled = TRUE;
      return;
    }

  self->shown_at = g_get_monotonic_time ();
  show_case (self);
}

const char *
cs_case_view_get_case_id (CsCaseView *self)
{
  g_return_val_if_fail (CS_IS_CASE_VIEW (self), NULL);
  return self->kase ? cs_case_get_id (self->kase) : NULL;
}

gboolean
cs_case_view_is_settled (CsCaseView *self)
{
  g_return_val_if_fail (CS_IS_CASE_VIEW (self), FALSE);
  return self->settled;
}

void
cs_case_view_set_rationale (CsCaseView *self,
                            const char *text)
{
  g_return_if_fail (CS_IS_CASE_VIEW (self));
  cs_decision_panel_set_rationale (self->decision_panel, text);
}

void
cs_case_view_toggle_heatmap (CsCaseView *self)
{
  g_return_if_fail (CS_IS_CASE_VIEW (self));
  /* Blind first there is no heatmap to show yet; the reviewer's setting stays as it was. */
  if (!self->revealed)
    return;
  cs_image_view_set_heatmap_visible (self->image_view, !cs_image_view_get_heatmap_visible (self->image_view));
}

CsImageView *
cs_case_view_get_image_view (CsCaseView *self)
{
  g_return_val_if_fail (CS_IS_CASE_VIEW (self), NULL);
  return self->image_view;
}

CsDocumentView *
cs_case_view_get_document_view (CsCaseView *self)
{
  g_return_val_if_fail (CS_IS_CASE_VIEW (self), NULL);
  return self->document_view;
}

const char *
cs_case_view_get_evidence_page (CsCaseView *self)
{
  g_return_val_if_fail (CS_IS_CASE_VIEW (self), NULL);
  return gtk_stack_get_visible_child_name (self->evidence_stack);
}

const char *
cs_case_view_get_evidence_message_title (CsCaseView *self)
{
  g_return_val_if_fail (CS_IS_CASE_VIEW (self), NULL);
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->evidence_stack), "message") != 0)
    return NULL;
  return adw_status_page_get_title (self->evidence_status);
}

const char *
cs_case_view_get_evidence_message (CsCaseView *self)
{
  g_return_val_if_fail (CS_IS_CASE_VIEW (self), NULL);
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->evidence_stack), "message") != 0)
    return NULL;
  return adw_status_page_get_description (self->evidence_status);
}

gboolean
cs_case_view_get_revealed (CsCaseView *self)
{
  g_return_val_if_fail (CS_IS_CASE_VIEW (self), TRUE);
  return self->revealed;
}

/* The reviewer has judged: the model's answer comes into view, on the
 * evidence already shown (an image keeps its zoom, a document its page). */
static void
reveal (CsCaseView *self)
{
  self->revealed = TRUE;
  cs_explanation_panel_set_revealed (self->explanation_panel, TRUE);
  switch (cs_case_get_subject_kind (self->kase))
    {
    case CS_SUBJECT_IMAGE:
      show_explanation_overlays (self);
      break;
    case CS_SUBJECT_DOCUMENT:
      cs_document_view_set_regions (self->document_view, cs_case_get_regions (self->kase));
      break;
    case CS_SUBJECT_TEXT:
      cs_span_text_show (self->text_view, cs_case_get_subject_text (self->kase), cs_case_get_spans (self->kase));
      break;
    case CS_SUBJECT_TABULAR:
    default:
      show_fields (self);
      break;
    }
}

/* Blind first: the reviewer's own label is kept on disk before anything of
 * the model's answer is shown, so that it survives a closed window. */
static void
judged_cb (CsCaseView *self,
           const char *label)
{
  g_autoptr(GError) error = NULL;
  const char *reviewer;

  if (self->kase == NULL || self->sync == NULL || self->revealed)
    return;

  reviewer = cs_sync_get_reviewer (self->sync);
  if (reviewer == NULL)
    {
      cs_decision_panel_set_error (self->decision_panel,
                                   _("Countersign has not yet learned who you are from the server; judge once it has connected."));
      return;
    }
  if (!cs_store_record_initial_label (cs_sync_get_store (self->sync), cs_case_get_id (self->kase), reviewer, label,
                                      &error))
    {
      cs_decision_panel_set_error (self->decision_panel, error->message);
      return;
    }
  cs_decision_panel_set_initial_label (self->decision_panel, label);
  reveal (self);
  g_signal_emit (self, signals[JUDGED], 0, cs_case_get_id (self->kase));
}

CsDecisionPanel *
cs_case_view_get_decision_panel (CsCaseView *self)
{
  g_return_val_if_fail (CS_IS_CASE_VIEW (self), NULL);
  return self->decision_panel;
}

void
cs_case_view_set_sync (CsCaseView *self,
                       CsSync     *sync)
{
  g_return_if_fail (CS_IS_CASE_VIEW (self));
  g_set_object (&self->sync, sync);
}

/* Commits what the panel holds. Durable when this returns: the network is not
 * on this path. */
static void
submit (CsCaseView *self)
{
  g_autoptr(CsDecision) decision = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *rationale = NULL;
  const char *reviewer;

  if (self->kase == NULL || self->sync == NULL)
    return;

  reviewer = cs_sync_get_reviewer (self->sync);
  if (reviewer == NULL)
    {
      cs_decision_panel_set_error (self->decision_panel,
                                   _("Countersign has not yet learned who you are from the server; decide once it has connected."));
      return;
    }

  if (cs_decision_panel_get_judging_first (self->decision_panel))
    {
      cs_decision_panel_set_error (self->decision_panel,
                                   _("Choose your own label first (keys 1–9); the model’s answer is shown after."));
      return;
    }

  if (cs_decision_panel_get_action (self->decision_panel) == CS_ACTION_OVERRIDE &&
      cs_decision_panel_get_label (self->decision_panel) == NULL)
    {
      cs_decision_panel_set_error (self->decision_panel, _("Choose the right label for the override (keys 1–9)"));
      return;
    }

  rationale = cs_decision_panel_dup_rationale (self->decision_panel);
  decision = cs_decision_new (cs_case_get_id (self->kase), cs_case_get_version (self->kase),
                              cs_decision_panel_get_action (self->decision_panel),
                              cs_decision_panel_get_label (self->decision_panel),
                              rationale, reviewer, (g_get_monotonic_time () - self->shown_at) / 1000);
  cs_decision_set_initial_label (decision, cs_decision_panel_get_initial_label (self->decision_panel));
  cs_decision_set_countersigns (decision, cs_decision_panel_get_countersigns (self->decision_panel));

  if (!cs_store_commit_decision (cs_sync_get_store (self->sync), decision, &error))
    {
      cs_decision_panel_set_error (self->decision_panel, error->message);
      cs_decision_panel_focus_rationale (self->decision_panel);
      return;
    }

  cs_decision_panel_set_error (self->decision_panel, NULL);
  cs_sync_wake (self->sync);
  g_signal_emit (self, signals[DECIDED], 0, cs_decision_get_id (decision));
}

void
cs_case_view_submit (CsCaseView *self)
{
  g_return_if_fail (CS_IS_CASE_VIEW (self));
  if (gtk_widget_get_sensitive (GTK_WIDGET (self->decision_panel)))
    submit (self);
}

static void
submit_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  submit (CS_CASE_VIEW (widget));
}

static void
accept_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  CsCaseView *self = CS_CASE_VIEW (widget);

  cs_decision_panel_set_action (self->decision_panel, CS_ACTION_ACCEPT);
  submit (self);
}

static void
dismiss_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  CsCaseView *self = CS_CASE_VIEW (widget);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  if (self->kase == NULL || self->sync == NULL)
    return;

  id = g_strdup (cs_case_get_id (self->kase));
  if (!cs_store_dismiss_conflict (cs_sync_get_store (self->sync), id, &error))
    {
      cs_decision_panel_set_error (self->decision_panel, error->message);
      return;
    }
  cs_sync_wake (self->sync);
  g_signal_emit (self, signals[DISMISSED], 0, id);
}

static void
cs_case_view_dispose (GObject *object)
{
  CsCaseView *self = CS_CASE_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->kase);
  g_clear_object (&self->sync);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (cs_case_view_parent_class)->dispose (object);
}

static void
cs_case_view_class_init (CsCaseViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cs_case_view_dispose;

  /* The id of the decision just committed. */
  signals[DECIDED] = g_signal_new ("decided", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  /* The id of the case whose conflict the reviewer let stand. */
  signals[DISMISSED] = g_signal_new ("dismissed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  /* The id of the case whose blind-first judgement was just recorded. */
  signals[JUDGED] = g_signal_new ("judged", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, APP_PATH "cs-case-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CsCaseView, stack);
  gtk_widget_class_bind_template_child (widget_class, CsCaseView, title_label);
  gtk_widget_class_bind_template_child (widget_class, CsCaseView, meta_label);
  gtk_widget_class_bind_template_child (widget_class, CsCaseView, evidence_paned);
  gtk_widget_class_bind_template_child (widget_class, CsCaseView, evidence_stack);
  gtk_widget_class_bind_template_child (widget_class, CsCaseView, document_view);
  gtk_widget_class_bind_template_child (widget_class, CsCaseView, heatmap_box);
  gtk_widget_class_bind_template_child (widget_class, CsCaseView, colour_bar);
  gtk_widget_class_bind_template_child (widget_class, CsCaseView, heatmap_controls);
  gtk_widget_class_bind_template_child (widget_class, CsCaseView, image_view);
  gtk_widget_class_bind_template_child (widget_class, CsCaseView, text_view);
  gtk_widget_class_bind_template_child (widget_class, CsCaseView, fields_grid);
  gtk_widget_class_bind_template_child (widget_class, CsCaseView, evidence_status);
  gtk_widget_class_bind_template_child (widget_class, CsCaseView, explanation_panel);
  gtk_widget_class_bind_template_child (widget_class, CsCaseView, decision_panel);
  gtk_widget_class_bind_template_child (widget_class, CsCaseView, conflict_box);
  gtk_widget_class_bind_template_child (widget_class, CsCaseView, conflict_label);
  gtk_widget_class_bind_template_child (widget_class, CsCaseView, second_box);
  gtk_widget_class_bind_template_child (widget_class, CsCaseView, second_label);

  g_type_ensure (CS_TYPE_DECISION_PANEL);
  g_type_ensure (CS_TYPE_EXPLANATION_PANEL);
  g_type_ensure (CS_TYPE_IMAGE_VIEW);
  g_type_ensure (CS_TYPE_DOCUMENT_VIEW);
  g_type_ensure (CS_TYPE_COLOUR_BAR);
  g_type_ensure (CS_TYPE_HEATMAP_CONTROLS);
  gtk_widget_class_install_action (widget_class, "case.accept", NULL, accept_activated);
  gtk_widget_class_install_action (widget_class, "case.submit", NULL, submit_activated);
  gtk_widget_class_install_action (widget_class, "case.dismiss", NULL, dismiss_activated);
}

static void
cs_case_view_init (CsCaseView *self)
{
  GtkEventController *shortcuts;
  const guint submit_keys[] = { GDK_KEY_Return, GDK_KEY_KP_Enter };

  gtk_widget_init_template (GTK_WIDGET (self));

  /* In the capture phase: the rationale field would otherwise take Ctrl+Return
   * as a new line. */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (shortcuts, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (shortcuts), GTK_SHORTCUT_SCOPE_LOCAL);
  for (guint i = 0; i < G_N_ELEMENTS (submit_keys); i++)
    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                          gtk_shortcut_new (gtk_keyval_trigger_new (submit_keys[i], GDK_CONTROL_MASK),
                                                            gtk_named_action_new ("case.submit")));
  gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);
  self->cancellable = g_cancellable_new ();
  self->settled = TRUE;
  self->revealed = TRUE;
  g_signal_connect_object (self->decision_panel, "submit", G_CALLBACK (cs_case_view_submit), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->decision_panel, "judged", G_CALLBACK (judged_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->image_view, "notify::state", G_CALLBACK (image_state_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->document_view, "notify::state", G_CALLBACK (document_state_cb), self,
                           G_CONNECT_SWAPPED);

  /* The controls and the colour bar follow the view, and the view them. */
  {
    const char *props[] = { "heatmap-visible", "heatmap-opacity", "heatmap-threshold", "side-by-side" };

    for (guint i = 0; i < G_N_ELEMENTS (props); i++)
      g_object_bind_property (self->image_view, props[i], self->heatmap_controls, props[i],
                              G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
    g_object_bind_property (self->image_view, "heatmap-threshold", self->colour_bar, "threshold",
                            G_BINDING_SYNC_CREATE);
    g_object_bind_property (self->image_view, "heatmap-visible", self->colour_bar, "visible",
                            G_BINDING_SYNC_CREATE);
  }

  /* The reviewer's heatmap defaults; kept only where the schema is installed. */
  {
    GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
    g_autoptr(GSettingsSchema) schema = source ? g_settings_schema_source_lookup (source, "io.github.countersign.Countersign", TRUE) : NULL;

    if (schema != NULL)
      {
        self->settings = g_settings_new_full (schema, NULL, NULL);
        g_settings_bind (self->settings, "heatmap-visible", self->image_view, "heatmap-visible", G_SETTINGS_BIND_DEFAULT);
        g_settings_bind (self->settings, "heatmap-opacity", self->image_view, "heatmap-opacity", G_SETTINGS_BIND_DEFAULT);
        g_settings_bind (self->settings, "heatmap-threshold", self->image_view, "heatmap-threshold", G_SETTINGS_BIND_DEFAULT);
        g_settings_bind (self->settings, "heatmap-side-by-side", self->image_view, "side-by-side", G_SETTINGS_BIND_DEFAULT);
        g_settings_bind (self->settings, "evidence-pane-width", self->evidence_paned, "position", G_SETTINGS_BIND_DEFAULT);
      }
  }
}
