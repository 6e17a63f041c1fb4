/* test-oversight-ui.c: blind-first review and the two-person rule in the
 * window, against the real server.
 *
 * Blind first: on each kind of evidence (an image with a heatmap and
 * regions, a PDF with regions, a text with spans, a table with weights) the
 * window shows the evidence and nothing of the model's answer until the
 * reviewer has recorded their own label; no decision can be made before. The
 * label, typed with a number key, is kept in the store (and audited), so that
 * it survives moving between cases and a new window; the decisions reach the
 * server with it.
 *
 * Two-person rule: a first reviewer's override and rejection wait on the
 * server for someone else; the first reviewer's window never offers to agree
 * with their own decision. A second reviewer, with another token and another
 * store, claims both, sees the first decision, agrees with one (the G key) and
 * decides the other themselves; the server's export then names both.
 *
 * Keys are real X key events made by xdotool, as in test-ui-review.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include <gdk/x11/gdkx.h>

#include "cs-application.h"
#include "cs-case-list.h"
#include "cs-colour-bar.h"
#include "cs-explanation-panel.h"
#include "cs-heatmap-controls.h"
#include "cs-test-server.h"
#include "cs-test-ui.h"
#include "cs-window.h"

#define BLIND_QUEUE "derm"
#define BLIND_QUEUE_JSON \
  "{\"title\": \"Dermatology triage\", \"labels\": [\"melanoma\", \"nevus\", \"seborrheic keratosis\", \"other\"]," \
  " \"policy\": {\"blind_first\": true, \"rationale_required\": [\"override\", \"reject\"], \"min_rationale_chars\": 10}," \
  " \"routing\": {\"confidence_threshold\": 0.99}}"

#define TWO_QUEUE "claims"
#define TWO_QUEUE_JSON \
  "{\"title\": \"Charge-backs\", \"labels\": [\"fraud\", \"legitimate\", \"other\"]," \
  " \"policy\": {\"blind_first\": true, \"second_review\": [\"override\", \"reject\"]," \
  "            \"rationale_required\": [\"override\", \"reject\"], \"min_rationale_chars\": 10}," \
  " \"routing\": {\"confidence_threshold\": 0.99}}"

#define SUMMARY "Irregular border and colour variegation drive the score."
#define IMAGE_RGB 0x9c6b4a

/* One application for the whole program: it registers on the session bus once. */
static CsApplication *app;
static CsWindow *window;

/* Keys (see test-ui-review.c for why xdotool) */

#define press(...) cs_test_press (GTK_WIDGET (window), __VA_ARGS__)

static gboolean
window_is_active (gpointer data)
{
  return gtk_window_is_active (GTK_WINDOW (data));
}

/* The X focus on the window, as a window manager would give it, and nothing
 * focused inside it, so that plain keys reach the window's shortcuts. */
static void
focus_window (void)
{
  g_autofree char *xid = NULL;

  g_assert_true (GDK_IS_X11_DISPLAY (gdk_display_get_default ()));
  xid = g_strdup_printf ("%lu", (gulong) gdk_x11_surface_get_xid (gtk_native_get_surface (GTK_NATIVE (window))));
  cs_test_xdotool (GTK_WIDGET (window), (const char * const[]) { "windowfocus", "--sync", xid, NULL });
  g_assert_true (cs_test_wait_for (window_is_active, window, 10));
  gtk_window_set_focus (GTK_WINDOW (window), NULL);
}

/* The window */

static CsCaseView *
view (void)
{
  return cs_window_get_case_view (window);
}

static CsDecisionPanel *
panel (void)
{
  return cs_case_view_get_decision_panel (view ());
}

static gboolean
view_settled (gpointer data)
{
  return cs_case_view_get_case_id (view ()) != NULL && cs_case_view_is_settled (view ());
}

static gboolean
has_n_listed (gpointer data)
{
  return cs_window_get_cases (window) != NULL &&
         g_list_model_get_n_items (cs_window_get_cases (window)) == GPOINTER_TO_UINT (data) &&
         view_settled (NULL);
}

/* Keys arrive as X events: what they do is waited for, never assumed at once. */
static gboolean
action_is (gpointer data)
{
  return cs_decision_panel_get_action (panel ()) == (CsAction) GPOINTER_TO_INT (data);
}

static gboolean
is_revealed (gpointer data)
{
  return cs_case_view_get_revealed (view ());
}

static gboolean
has_decision (gpointer data)
{
  g_autoptr(CsDecision) decision = cs_store_get_latest_decision (cs_application_get_store (app), data, NULL);

  return decision != NULL;
}

static gboolean
outbox_empty (gpointer data)
{
  return cs_sync_get_pending (data) == 0 && cs_sync_get_state (data) == CS_SYNC_ONLINE;
}

static void
show (const char *case_id)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (cs_window_show_case (window, case_id, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cs_case_view_get_case_id (view ()), ==, case_id);
  g_assert_true (cs_test_wait_for (view_settled, NULL, 20));
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (window), 10));
}

static void
collect (GtkWidget *widget,
         GType      type,
         GPtrArray *found)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    g_ptr_array_add (found, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    collect (child, type, found);
}

/* The text of every label a reviewer can see under @root, one a line. */
static char *
drawn_text (GtkWidget *root)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  GString *text = g_string_new (NULL);

  collect (root, GTK_TYPE_LABEL, labels);
  for (guint i = 0; i < labels->len; i++)
    if (gtk_widget_is_drawable (g_ptr_array_index (labels, i)))
      g_string_append_printf (text, "%s\n", gtk_label_get_label (g_ptr_array_index (labels, i)));
  return g_string_free (text, FALSE);
}

static guint
count_drawable_with_class (GtkWidget  *root,
                           const char *css_class)
{
  g_autoptr(GPtrArray) widgets = g_ptr_array_new ();
  guint n = 0;

  collect (root, GTK_TYPE_WIDGET, widgets);
  for (guint i = 0; i < widgets->len; i++)
    if (gtk_widget_has_css_class (g_ptr_array_index (widgets, i), css_class) &&
        gtk_widget_is_drawable (g_ptr_array_index (widgets, i)))
      n++;
  return n;
}

static gboolean
page_rendered (gpointer data)
{
  return cs_document_view_get_page_texture (cs_case_view_get_document_view (view ())) != NULL;
}

static gboolean
drawable (GType type)
{
  GtkWidget *widget = cs_test_find_widget (GTK_WIDGET (view ()), type);

  g_assert_nonnull (widget);
  return gtk_widget_is_drawable (widget);
}

/* The evidence text view (not the rationale). */
static GtkTextView *
evidence_text_view (void)
{
  g_autoptr(GPtrArray) views = g_ptr_array_new ();

  collect (GTK_WIDGET (view ()), GTK_TYPE_TEXT_VIEW, views);
  for (guint i = 0; i < views->len; i++)
    if (!gtk_widget_is_ancestor (g_ptr_array_index (views, i), GTK_WIDGET (panel ())))
      return g_ptr_array_index (views, i);
  g_assert_not_reached ();
}

/* How many characters of the evidence text carry a span's tag. */
static guint
tagged_chars (void)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (evidence_text_view ());
  GtkTextIter iter;
  guint n = 0;

  for (gtk_text_buffer_get_start_iter (buffer, &iter); !gtk_text_iter_is_end (&iter); gtk_text_iter_forward_char (&iter))
    {
      GSList *tags = gtk_text_iter_get_tags (&iter);

      if (tags != NULL)
        n++;
      g_slist_free (tags);
    }
  return n;
}

/* The pixel of the image view at view point @x, @y, as 0xRRGGBB. */
static guint32
image_view_pixel (double x,
                  double y)
{
  GtkWidget *widget = GTK_WIDGET (cs_case_view_get_image_view (view ()));
  g_autofree guint32 *pixels = NULL;
  int width, height;

  g_assert_true (cs_test_wait_for_frame (widget, 10));
  pixels = cs_test_render_pixels (widget, &width, &height);
  g_assert_true (x >= 0 && x < width && y >= 0 && y < height);
  return pixels[(gsize) floor (y) * width + (gsize) floor (x)] & 0xffffff;
}

/* Where the region's left edge is drawn in the plain pane: the ring, when
 * regions are shown; the photograph itself otherwise. */
static guint32
region_edge_pixel (void)
{
  CsImageView *image = cs_case_view_get_image_view (view ());
  double x, y;

  cs_image_view_image_to_pane (image, 0, 40, 50, &x, &y);
  return image_view_pixel (round (x) - 1, y);
}

static gboolean
near_colour (guint32 pixel,
             guint32 want)
{
  for (int shift = 0; shift <= 16; shift += 8)
    if (ABS ((int) ((pixel >> shift) & 0xff) - (int) ((want >> shift) & 0xff)) > 6)
      return FALSE;
  return TRUE;
}

/* Evidence and cases */

static char *
post_case (CsTestServer *server,
           const char   *model,
           const char   *queue,
           const char   *subject_and_explanation,
           const char   *label)
{
  g_autofree char *body = g_strdup_printf ("{\"queue\": \"%s\", \"subject\": %s,"
                                           " \"model\": {\"name\": \"derm-classifier\", \"version\": \"2.3.1\"},"
                                           " \"prediction\": {\"label\": \"%s\", \"confidence\": 0.52,"
                                           "   \"alternatives\": [{\"label\": \"other\", \"confidence\": 0.31}]}}",
                                           queue, subject_and_explanation, label);
  g_autoptr(JsonNode) answer = cs_test_http_expect (server, "POST", "/api/v1/predictions", model, body, 200);
  JsonObject *obj = json_node_get_object (answer);

  g_assert_cmpstr (json_object_get_string_member (obj, "routed"), ==, "escalated");
  return g_strdup (json_object_get_string_member (obj, "id"));
}

/* The export as a table of case id → outcome object (kept alive by @lines). */
static GHashTable *
export_outcomes (CsTestServer *server,
                 const char   *admin,
                 GPtrArray    *nodes)
{
  g_autoptr(GBytes) bytes = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *outcomes = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *text = NULL;
  guint status = 0;

  bytes = cs_test_http_bytes (server, "GET", "/api/v1/export/outcomes", admin, NULL, NULL, NULL, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      JsonNode *node;
      JsonObject *outcome;

      if (*lines[i] == '\0')
        continue;
      node = json_from_string (lines[i], &error);
      g_assert_no_error (error);
      g_ptr_array_add (nodes, node);
      outcome = json_node_get_object (node);
      g_hash_table_insert (outcomes, (char *) json_object_get_string_member (outcome, "case_id"), outcome);
    }
  return outcomes;
}

/* What blind first hides, checked on the case on screen. */
static void
assert_hidden (CsSubjectKind kind)
{
  CsExplanationPanel *explanation = CS_EXPLANATION_PANEL (cs_test_find_widget (GTK_WIDGET (view ()), CS_TYPE_EXPLANATION_PANEL));
  g_autofree char *text = drawn_text (GTK_WIDGET (explanation));
  g_autofree char *percent = cs_explanation_format_percent (0.52);

  g_assert_false (cs_case_view_get_revealed (view ()));
  g_assert_false (cs_explanation_panel_get_revealed (explanation));
  /* Nothing of the answer: the label, the confidence, the alternative, the summary. */
  g_assert_null (strstr (text, "melanoma"));
  g_assert_null (strstr (text, percent));
  g_assert_null (strstr (text, "other"));
  g_assert_null (strstr (text, SUMMARY));
  g_assert_false (drawable (GTK_TYPE_LEVEL_BAR));
  g_assert_false (drawable (g_type_from_name ("CsAttributionChart")));
  /* No heatmap, nor its key and controls. */
  g_assert_false (drawable (CS_TYPE_COLOUR_BAR));
  g_assert_false (drawable (CS_TYPE_HEATMAP_CONTROLS));
  /* The panel asks for the reviewer's own label, and nothing else can be done. */
  g_assert_true (cs_decision_panel_get_judging_first (panel ()));
  g_assert_nonnull (strstr (drawn_text (GTK_WIDGET (panel ())), "Your judgement first"));

  switch (kind)
    {
    case CS_SUBJECT_IMAGE:
      g_assert_cmpstr (cs_case_view_get_evidence_page (view ()), ==, "image");
      /* Side by side needs a heatmap: one pane means none was given. */
      g_assert_cmpuint (cs_image_view_get_n_panes (cs_case_view_get_image_view (view ())), ==, 1);
      g_assert_true (near_colour (region_edge_pixel (), IMAGE_RGB));
      break;
    case CS_SUBJECT_DOCUMENT:
      g_assert_cmpstr (cs_case_view_get_evidence_page (view ()), ==, "document");
      g_assert_true (cs_test_wait_for (page_rendered, NULL, 20));
      g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (window), 10));
      g_assert_cmpuint (cs_document_view_get_drawn_region_count (cs_case_view_get_document_view (view ())), ==, 0);
      break;
    case CS_SUBJECT_TEXT:
      g_assert_cmpstr (cs_case_view_get_evidence_page (view ()), ==, "text");
      g_assert_cmpuint (tagged_chars (), ==, 0);
      break;
    case CS_SUBJECT_TABULAR:
    default:
      g_assert_cmpstr (cs_case_view_get_evidence_page (view ()), ==, "fields");
      g_assert_cmpuint (count_drawable_with_class (GTK_WIDGET (view ()), "attribution-chip"), ==, 0);
      g_assert_cmpuint (count_drawable_with_class (GTK_WIDGET (view ()), "attributed"), ==, 0);
      break;
    }
}

static void
assert_revealed (CsSubjectKind kind,
                 const char   *initial)
{
  CsExplanationPanel *explanation = CS_EXPLANATION_PANEL (cs_test_find_widget (GTK_WIDGET (view ()), CS_TYPE_EXPLANATION_PANEL));
  g_autofree char *text = NULL;
  g_autofree char *judgement = g_strdup_printf ("Your first judgement: %s", initial);
  g_autofree char *percent = cs_explanation_format_percent (0.52);

  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (window), 10));
  text = drawn_text (GTK_WIDGET (explanation));
  g_assert_true (cs_case_view_get_revealed (view ()));
  g_assert_true (cs_explanation_panel_get_revealed (explanation));
  g_assert_nonnull (strstr (text, "melanoma"));
  g_assert_nonnull (strstr (text, percent));
  g_assert_nonnull (strstr (text, SUMMARY));
  g_assert_true (drawable (GTK_TYPE_LEVEL_BAR));
  g_assert_false (cs_decision_panel_get_judging_first (panel ()));
  g_assert_cmpstr (cs_decision_panel_get_initial_label (panel ()), ==, initial);
  g_assert_nonnull (strstr (drawn_text (GTK_WIDGET (panel ())), judgement));

  switch (kind)
    {
    case CS_SUBJECT_IMAGE:
      g_assert_true (drawable (CS_TYPE_COLOUR_BAR));
      g_assert_true (drawable (CS_TYPE_HEATMAP_CONTROLS));
      g_assert_cmpuint (cs_image_view_get_n_panes (cs_case_view_get_image_view (view ())), ==, 2);
      {
        guint32 ring = region_edge_pixel ();

        g_test_message ("Region ring pixel: %06x", ring);
        g_assert_false (near_colour (ring, IMAGE_RGB));
      }
      break;
    case CS_SUBJECT_DOCUMENT:
      g_assert_cmpuint (cs_document_view_get_drawn_region_count (cs_case_view_get_document_view (view ())), ==, 1);
      break;
    case CS_SUBJECT_TEXT:
      g_assert_cmpuint (tagged_chars (), ==, 14);
      break;
    case CS_SUBJECT_TABULAR:
    default:
      g_assert_true (drawable (g_type_from_name ("CsAttributionChart")));
      g_assert_cmpuint (count_drawable_with_class (GTK_WIDGET (view ()), "attribution-chip"), ==, 2);
      g_assert_cmpuint (count_drawable_with_class (GTK_WIDGET (view ()), "attributed"), >=, 2);
      break;
    }
}

static guint
count_audit (CsStore    *store,
             const char *event,
             const char *case_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = cs_store_audit_list (store, &error);
  guint n = 0;

  g_assert_no_error (error);
  for (guint i = 0; i < entries->len; i++)
    {
      CsAuditEntry *entry = g_ptr_array_index (entries, i);

      if (g_str_equal (entry->event, event) && g_strcmp0 (entry->case_id, case_id) == 0)
        n++;
    }
  return n;
}

static CsWindow *
open_window (void)
{
  CsWindow *new_window = cs_window_new (app);

  gtk_window_set_default_size (GTK_WINDOW (new_window), 1400, 900);
  gtk_window_present (GTK_WINDOW (new_window));
  return new_window;
}

static void
test_blind_first (void)
{
  g_autoptr(CsTestServer) server = cs_test_server_new_argv ((const char * const[]) { NULL });
  g_autofree char *admin = cs_test_server_create_token (server, "ops", "admin", NULL, NULL);
  g_autofree char *model = cs_test_server_create_token (server, "derm-classifier", "model", NULL, NULL);
  g_autofree char *reviewer = cs_test_server_create_token (server, "r-17", "reviewer", BLIND_QUEUE, "Dr. A. Rivera");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cs-oversight-ui-XXXXXX", &error);
  g_autoptr(GBytes) png = cs_test_png_bytes (160, 120, (IMAGE_RGB << 8) | 0xff);
  g_autoptr(GBytes) pdf = cs_test_letter_pdf (FALSE);
  g_autofree char *png_sha = cs_test_upload (server, model, "image/png", png);
  g_autofree char *pdf_sha = cs_test_upload (server, model, "application/pdf", pdf);
  g_autofree char *image_id = NULL, *document_id = NULL, *text_id = NULL, *fields_id = NULL;
  g_autofree char *subject = NULL;
  CsStore *store;
  CsSync *sync;

  cs_test_http_expect (server, "PUT", "/api/v1/queues/" BLIND_QUEUE, admin, BLIND_QUEUE_JSON, 200);
  subject = g_strdup_printf ("{\"kind\": \"image\", \"title\": \"Lesion, left forearm\","
                             " \"asset\": {\"sha256\": \"%s\", \"media_type\": \"image/png\", \"bytes\": %" G_GSIZE_FORMAT ","
                             "   \"width\": 160, \"height\": 120}},"
                             " \"explanation\": {\"summary\": \"" SUMMARY "\","
                             "   \"heatmap\": {\"grid\": {\"width\": 2, \"height\": 2, \"values\": [0.9, 0.1, 0.8, 0.7]}},"
                             "   \"regions\": [{\"x\": 40, \"y\": 30, \"w\": 60, \"h\": 40, \"label\": \"lesion\", \"score\": 0.91}]}",
                             png_sha, g_bytes_get_size (png));
  image_id = post_case (server, model, BLIND_QUEUE, subject, "melanoma");
  g_free (subject);
  subject = g_strdup_printf ("{\"kind\": \"document\", \"title\": \"Referral letter\","
                             " \"asset\": {\"sha256\": \"%s\", \"media_type\": \"application/pdf\", \"bytes\": %" G_GSIZE_FORMAT "}},"
                             " \"explanation\": {\"summary\": \"" SUMMARY "\","
                             "   \"regions\": [{\"page\": 0, \"x\": 30, \"y\": 30, \"w\": 200, \"h\": 30, \"label\": \"finding\", \"score\": 0.8}]}",
                             pdf_sha, g_bytes_get_size (pdf));
  document_id = post_case (server, model, BLIND_QUEUE, subject, "melanoma");
  text_id = post_case (server, model, BLIND_QUEUE,
                       "{\"kind\": \"text\", \"title\": \"GP note\","
                       " \"text\": \"The mole has grown and bled twice this month.\"},"
                       " \"explanation\": {\"summary\": \"" SUMMARY "\","
                       "   \"spans\": [{\"start\": 14, \"end\": 28, \"weight\": 0.8, \"label\": \"growth\"}]}",
                       "melanoma");
  fields_id = post_case (server, model, BLIND_QUEUE,
                         "{\"kind\": \"tabular\", \"title\": \"Dermoscopy scores\","
                         " \"fields\": {\"asymmetry\": \"2\", \"border\": \"7\", \"diameter_mm\": \"6.5\"}},"
                         " \"explanation\": {\"summary\": \"" SUMMARY "\","
                         "   \"attributions\": [{\"feature\": \"border\", \"value\": 0.31}, {\"feature\": \"asymmetry\", \"value\": -0.12}]}",
                         "melanoma");

  g_assert_true (cs_application_connect (app, cs_test_server_get_url (server), reviewer, dir, &error));
  g_assert_no_error (error);
  store = cs_application_get_store (app);
  sync = cs_application_get_sync (app);

  window = open_window ();
  g_assert_true (cs_test_wait_for (has_n_listed, GUINT_TO_POINTER (4), 30));
  focus_window ();
  /* Side by side, so that the number of panes tells whether a heatmap is given. */
  cs_image_view_set_side_by_side (cs_case_view_get_image_view (view ()), TRUE);

  /* The queue keeps the model's confidence to itself too. */
  {
    g_autofree char *rows = drawn_text (GTK_WIDGET (cs_window_get_queue_view (window)));

    g_assert_nonnull (strstr (rows, "judge first"));
    g_assert_null (strstr (rows, "52%"));
  }

  /* Every kind of evidence is shown, and nothing of the model's answer. */
  show (text_id);
  assert_hidden (CS_SUBJECT_TEXT);
  show (fields_id);
  assert_hidden (CS_SUBJECT_TABULAR);
  show (document_id);
  assert_hidden (CS_SUBJECT_DOCUMENT);
  show (image_id);
  assert_hidden (CS_SUBJECT_IMAGE);
  cs_test_save_screenshot (GTK_WIDGET (window), "oversight-blind-before");

  /* No decision before the judgement: not by the keys, not by the button. */
  press ("a", "o", "ctrl+Return");
  g_assert_null (cs_store_get_latest_decision (store, image_id, NULL));
  g_assert_cmpint (cs_decision_panel_get_action (panel ()), ==, CS_ACTION_ACCEPT);
  cs_case_view_submit (view ());
  g_assert_null (cs_store_get_latest_decision (store, image_id, NULL));
  g_assert_true (cs_decision_panel_get_judging_first (panel ()));
  /* The heatmap key has nothing to show yet. */
  press ("h");
  g_assert_cmpuint (cs_image_view_get_n_panes (cs_case_view_get_image_view (view ())), ==, 1);

  /* Key 2: "nevus" is the reviewer's own judgement, kept and audited, and
   * the model's answer comes into view. */
  press ("2");
  g_assert_true (cs_test_wait_for (is_revealed, NULL, 10));
  assert_revealed (CS_SUBJECT_IMAGE, "nevus");
  /* The keys before it, handled before it, made no decision. */
  g_assert_null (cs_store_get_latest_decision (store, image_id, NULL));
  {
    g_autofree char *kept = cs_store_get_initial_label (store, image_id, "r-17");

    g_assert_cmpstr (kept, ==, "nevus");
  }
  g_assert_cmpuint (count_audit (store, "judgement.initial", image_id), ==, 1);
  /* The judgement is the starting point: an override to it. */
  g_assert_cmpint (cs_decision_panel_get_action (panel ()), ==, CS_ACTION_OVERRIDE);
  g_assert_cmpstr (cs_decision_panel_get_label (panel ()), ==, "nevus");
  /* A second judgement after seeing the answer is refused: the first stands. */
  g_assert_false (cs_store_record_initial_label (store, image_id, "r-17", "melanoma", &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_CONFLICT);
  g_clear_error (&error);
  cs_test_save_screenshot (GTK_WIDGET (window), "oversight-blind-after");

  /* Away and back: still revealed, with the judgement shown. */
  show (document_id);
  assert_hidden (CS_SUBJECT_DOCUMENT);
  /* A click on a label button judges as the keys do. */
  {
    g_autoptr(GPtrArray) buttons = g_ptr_array_new ();
    GtkWidget *melanoma = NULL;

    collect (GTK_WIDGET (panel ()), GTK_TYPE_TOGGLE_BUTTON, buttons);
    for (guint i = 0; i < buttons->len; i++)
      if (g_strcmp0 (g_object_get_data (g_ptr_array_index (buttons, i), "cs-label"), "melanoma") == 0)
        melanoma = g_ptr_array_index (buttons, i);
    g_assert_nonnull (melanoma);
    /* Blind, the model's own label is offered like any other. */
    g_assert_true (gtk_widget_is_sensitive (melanoma));
    g_assert_true (gtk_widget_is_drawable (melanoma));
    gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (melanoma), TRUE);
  }
  assert_revealed (CS_SUBJECT_DOCUMENT, "melanoma");
  g_assert_cmpint (cs_decision_panel_get_action (panel ()), ==, CS_ACTION_ACCEPT);
  show (image_id);
  assert_revealed (CS_SUBJECT_IMAGE, "nevus");

  show (text_id);
  press ("3");
  g_assert_true (cs_test_wait_for (is_revealed, NULL, 10));
  assert_revealed (CS_SUBJECT_TEXT, "seborrheic keratosis");

  /* A new window on the same store: the judgements are still there, and the
   * case not yet judged is still blind. The file itself has them too. */
  gtk_window_destroy (GTK_WINDOW (window));
  window = open_window ();
  g_assert_true (cs_test_wait_for (has_n_listed, GUINT_TO_POINTER (4), 30));
  focus_window ();
  show (image_id);
  assert_revealed (CS_SUBJECT_IMAGE, "nevus");
  show (fields_id);
  assert_hidden (CS_SUBJECT_TABULAR);
  {
    g_autoptr(CsStore) reopened = cs_store_open (cs_store_get_path (store), &error);
    g_autofree char *kept = NULL;

    g_assert_no_error (error);
    kept = cs_store_get_initial_label (reopened, text_id, "r-17");
    g_assert_cmpstr (kept, ==, "seborrheic keratosis");
    g_assert_null (cs_store_get_initial_label (reopened, fields_id, "r-17"));
  }
  press ("4");
  g_assert_true (cs_test_wait_for (is_revealed, NULL, 10));
  assert_revealed (CS_SUBJECT_TABULAR, "other");
  /* Decided as usual: accept, after judging "other". */
  press ("a", "ctrl+Return");
  g_assert_true (cs_test_wait_for (has_decision, fields_id, 10));
  {
    g_autoptr(CsDecision) decision = cs_store_get_latest_decision (store, fields_id, NULL);

    g_assert_nonnull (decision);
    g_assert_cmpint (cs_decision_get_action (decision), ==, CS_ACTION_ACCEPT);
    g_assert_cmpstr (cs_decision_get_initial_label (decision), ==, "other");
  }

  /* The override the judgement started, with its rationale. */
  show (image_id);
  cs_case_view_set_rationale (view (), "Symmetric, uniform pigment network.");
  press ("ctrl+Return");
  g_assert_true (cs_test_wait_for (has_decision, image_id, 10));
  show (document_id);
  press ("ctrl+Return");
  g_assert_true (cs_test_wait_for (has_decision, document_id, 10));
  show (text_id);
  press ("a", "ctrl+Return");
  g_assert_true (cs_test_wait_for (has_decision, text_id, 10));
  g_assert_true (cs_test_wait_for (outbox_empty, sync, 30));

  /* The server has every decision with the reviewer's own label. */
  {
    g_autoptr(GPtrArray) nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
    g_autoptr(GHashTable) outcomes = export_outcomes (server, admin, nodes);
    g_autoptr(JsonNode) metrics = NULL;
    JsonObject *blind;
    struct { const char *id, *initial, *action, *final; } want[] = {
      { image_id, "nevus", "override", "nevus" },
      { document_id, "melanoma", "accept", "melanoma" },
      { text_id, "seborrheic keratosis", "accept", "melanoma" },
      { fields_id, "other", "accept", "melanoma" },
    };

    g_assert_cmpuint (g_hash_table_size (outcomes), ==, 4);
    for (guint i = 0; i < G_N_ELEMENTS (want); i++)
      {
        JsonObject *outcome = g_hash_table_lookup (outcomes, want[i].id);

        g_assert_nonnull (outcome);
        g_assert_cmpstr (json_object_get_string_member (outcome, "initial_label"), ==, want[i].initial);
        g_assert_cmpstr (json_object_get_string_member (outcome, "action"), ==, want[i].action);
        g_assert_cmpstr (json_object_get_string_member (outcome, "final_label"), ==, want[i].final);
        g_assert_cmpstr (json_object_get_string_member (outcome, "decided_by"), ==, "r-17");
      }
    metrics = cs_test_http_expect (server, "GET", "/api/v1/metrics?queue=" BLIND_QUEUE, admin, NULL, 200);
    blind = json_object_get_object_member (json_node_get_object (metrics), "blind_first");
    g_assert_nonnull (blind);
    g_assert_cmpint (json_object_get_int_member (blind, "decided"), ==, 4);
    /* nevus → override nevus, melanoma → accept: kept; two changed their minds. */
    g_assert_cmpint (json_object_get_int_member (blind, "changed_after_reveal"), ==, 2);
  }

  gtk_window_destroy (GTK_WINDOW (window));
  window = NULL;
  cs_test_remove_tree (dir);
}

static gboolean
is_pending_second (gpointer data)
{
  void **args = data;
  g_autofree char *path = g_strdup_printf ("/api/v1/cases/%s", (char *) args[2]);
  g_autoptr(JsonNode) kase = cs_test_http_expect (args[0], "GET", path, args[1], NULL, 200);

  return g_strcmp0 (json_object_get_string_member (json_node_get_object (kase), "status"), "pending_second") == 0;
}

static void
test_second_review (void)
{
  g_autoptr(CsTestServer) server = cs_test_server_new_argv ((const char * const[]) { NULL });
  g_autofree char *admin = cs_test_server_create_token (server, "ops", "admin", NULL, NULL);
  g_autofree char *model = cs_test_server_create_token (server, "chargeback-model", "model", NULL, NULL);
  g_autofree char *first = cs_test_server_create_token (server, "r-17", "reviewer", TWO_QUEUE, "Dr. A. Rivera");
  g_autofree char *second = cs_test_server_create_token (server, "r-22", "reviewer", TWO_QUEUE, "B. Okafor");
  g_autoptr(GError) error = NULL;
  g_autofree char *first_dir = g_dir_make_tmp ("cs-oversight-ui-XXXXXX", &error);
  g_autofree char *second_dir = g_dir_make_tmp ("cs-oversight-ui-XXXXXX", &error);
  g_autofree char *agreed_id = NULL, *redecided_id = NULL;
  g_autofree char *first_override = NULL, *first_reject = NULL;
  CsStore *store;
  CsSync *sync;

  cs_test_http_expect (server, "PUT", "/api/v1/queues/" TWO_QUEUE, admin, TWO_QUEUE_JSON, 200);
  agreed_id = post_case (server, model, TWO_QUEUE,
                         "{\"kind\": \"tabular\", \"title\": \"Charge-back 4411\","
                         " \"fields\": {\"amount\": \"129.00\", \"country\": \"FR\"}},"
                         " \"explanation\": {\"attributions\": [{\"feature\": \"amount\", \"value\": 0.4}]}",
                         "fraud");
  redecided_id = post_case (server, model, TWO_QUEUE,
                            "{\"kind\": \"text\", \"title\": \"Customer letter 4412\","
                            " \"text\": \"I did not make this purchase.\"}",
                            "fraud");

  /* The first reviewer judges, then overrides one case and rejects the other. */
  g_assert_true (cs_application_connect (app, cs_test_server_get_url (server), first, first_dir, &error));
  g_assert_no_error (error);
  store = cs_application_get_store (app);
  sync = cs_application_get_sync (app);
  window = open_window ();
  g_assert_true (cs_test_wait_for (has_n_listed, GUINT_TO_POINTER (2), 30));
  focus_window ();
  show (agreed_id);
  g_assert_false (cs_case_view_get_revealed (view ()));
  press ("2", "ctrl+e");
  cs_test_xdotool (GTK_WIDGET (window), (const char * const[]) { "type", "--delay", "8", "--", "Card holder was travelling.", NULL });
  press ("ctrl+Return");
  g_assert_true (cs_test_wait_for (has_decision, agreed_id, 10));
  show (redecided_id);
  press ("2", "r", "ctrl+e");
  cs_test_xdotool (GTK_WIDGET (window), (const char * const[]) { "type", "--delay", "8", "--", "Letter is unsigned.", NULL });
  press ("ctrl+Return");
  g_assert_true (cs_test_wait_for (has_decision, redecided_id, 10));
  {
    g_autoptr(CsDecision) override = cs_store_get_latest_decision (store, agreed_id, NULL);
    g_autoptr(CsDecision) reject = cs_store_get_latest_decision (store, redecided_id, NULL);

    g_assert_nonnull (override);
    g_assert_cmpint (cs_decision_get_action (override), ==, CS_ACTION_OVERRIDE);
    g_assert_cmpstr (cs_decision_get_label (override), ==, "legitimate");
    g_assert_nonnull (reject);
    g_assert_cmpint (cs_decision_get_action (reject), ==, CS_ACTION_REJECT);
    first_override = g_strdup (cs_decision_get_id (override));
    first_reject = g_strdup (cs_decision_get_id (reject));
  }
  g_assert_true (cs_test_wait_for (outbox_empty, sync, 30));
  {
    void *args[] = { server, admin, agreed_id };

    g_assert_true (cs_test_wait_for (is_pending_second, args, 10));
  }

  /* The first reviewer's window shows the decision waiting, and never
   * offers to agree with it: it is their own. */
  cs_sync_wake (sync);
  g_assert_true (cs_test_wait_for (outbox_empty, sync, 30));
  {
    g_autoptr(CsCase) kase = NULL;

    /* The changes feed brings the case back as pending_second. */
    for (gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC; g_get_monotonic_time () < end;)
      {
        g_clear_object (&kase);
        kase = cs_store_get_case (store, agreed_id, NULL);
        if (kase != NULL && cs_case_get_status (kase) == CS_CASE_STATUS_PENDING_SECOND)
          break;
        g_main_context_iteration (NULL, FALSE);
        g_usleep (10000);
        cs_sync_wake (sync);
      }
    g_assert_cmpint (cs_case_get_status (kase), ==, CS_CASE_STATUS_PENDING_SECOND);
  }
  show (agreed_id);
  {
    g_autofree char *text = drawn_text (GTK_WIDGET (view ()));

    g_assert_nonnull (strstr (text, "Waiting for a second reviewer"));
    g_assert_null (strstr (text, "Agree (G)"));
  }
  g_assert_null (cs_decision_panel_get_countersigns (panel ()));
  cs_decision_panel_set_action (panel (), CS_ACTION_AGREE);
  g_assert_cmpint (cs_decision_panel_get_action (panel ()), !=, CS_ACTION_AGREE);
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (panel ())));
  gtk_window_destroy (GTK_WINDOW (window));

  /* The second reviewer: another token, another store. */
  g_assert_true (cs_application_connect (app, cs_test_server_get_url (server), second, second_dir, &error));
  g_assert_no_error (error);
  store = cs_application_get_store (app);
  sync = cs_application_get_sync (app);
  window = open_window ();
  g_assert_true (cs_test_wait_for (has_n_listed, GUINT_TO_POINTER (2), 30));
  focus_window ();
  {
    g_autofree char *rows = drawn_text (GTK_WIDGET (cs_window_get_queue_view (window)));

    g_assert_nonnull (strstr (rows, "second review"));
    /* The first decision is in view: a second reviewer does not judge blind. */
    g_assert_null (strstr (rows, "judge first"));
  }

  show (agreed_id);
  {
    g_autofree char *text = drawn_text (GTK_WIDGET (view ()));

    /* Who, what, which label, why, and no blind step: the first decision is in view. */
    g_assert_nonnull (strstr (text, "Second review: r-17 overrode the model with “legitimate”"));
    g_assert_nonnull (strstr (text, "writing “Card holder was travelling.”"));
    g_assert_true (cs_case_view_get_revealed (view ()));
    g_assert_false (cs_decision_panel_get_judging_first (panel ()));
    g_assert_cmpstr (cs_decision_panel_get_countersigns (panel ()), ==, first_override);
  }
  press ("a");
  g_assert_true (cs_test_wait_for (action_is, GINT_TO_POINTER (CS_ACTION_ACCEPT), 10));
  press ("g");
  g_assert_true (cs_test_wait_for (action_is, GINT_TO_POINTER (CS_ACTION_AGREE), 10));
  cs_test_save_screenshot (GTK_WIDGET (window), "oversight-second-review");
  press ("ctrl+Return");
  g_assert_true (cs_test_wait_for (has_decision, agreed_id, 10));
  {
    g_autoptr(CsDecision) decision = cs_store_get_latest_decision (store, agreed_id, NULL);

    g_assert_nonnull (decision);
    g_assert_cmpint (cs_decision_get_action (decision), ==, CS_ACTION_AGREE);
    g_assert_cmpstr (cs_decision_get_countersigns (decision), ==, first_override);
    g_assert_cmpstr (cs_decision_get_reviewer (decision), ==, "r-22");
  }

  /* A decision of their own on the other: it countersigns the first too. */
  show (redecided_id);
  g_assert_cmpstr (cs_decision_panel_get_countersigns (panel ()), ==, first_reject);
  press ("3");
  g_assert_true (cs_test_wait_for (action_is, GINT_TO_POINTER (CS_ACTION_OVERRIDE), 10));
  cs_case_view_set_rationale (view (), "Merchant refunded, not fraud.");
  press ("ctrl+Return");
  g_assert_true (cs_test_wait_for (has_decision, redecided_id, 10));
  {
    g_autoptr(CsDecision) decision = cs_store_get_latest_decision (store, redecided_id, NULL);

    g_assert_nonnull (decision);
    g_assert_cmpint (cs_decision_get_action (decision), ==, CS_ACTION_OVERRIDE);
    g_assert_cmpstr (cs_decision_get_label (decision), ==, "other");
    g_assert_cmpstr (cs_decision_get_countersigns (decision), ==, first_reject);
  }
  g_assert_true (cs_test_wait_for (outbox_empty, sync, 30));

  /* Both reviewers are in the export. */
  {
    g_autoptr(GPtrArray) nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
    g_autoptr(GHashTable) outcomes = export_outcomes (server, admin, nodes);
    JsonObject *agreed = g_hash_table_lookup (outcomes, agreed_id);
    JsonObject *redecided = g_hash_table_lookup (outcomes, redecided_id);

    g_assert_cmpuint (g_hash_table_size (outcomes), ==, 2);
    g_assert_nonnull (agreed);
    g_assert_cmpstr (json_object_get_string_member (agreed, "final_label"), ==, "legitimate");
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (agreed, "first_decision"), "by"), ==, "r-17");
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (agreed, "first_decision"), "id"), ==, first_override);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (agreed, "second_review"), "by"), ==, "r-22");
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (agreed, "second_review"), "action"), ==, "agree");
    g_assert_nonnull (redecided);
    g_assert_cmpstr (json_object_get_string_member (redecided, "final_label"), ==, "other");
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (redecided, "first_decision"), "by"), ==, "r-17");
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (redecided, "second_review"), "by"), ==, "r-22");
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (redecided, "second_review"), "action"), ==, "override");
  }

  gtk_window_destroy (GTK_WINDOW (window));
  window = NULL;
  cs_test_remove_tree (first_dir);
  cs_test_remove_tree (second_dir);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  /* Keys are X events; cairo draws frames faster than llvmpipe under Xvfb. */
  g_setenv ("GDK_BACKEND", "x11", TRUE);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  gtk_test_init (&argc, &argv, NULL);
  app = cs_test_application_new ();
  g_test_add_func ("/oversight-ui/blind-first", test_blind_first);
  g_test_add_func ("/oversight-ui/second-review", test_second_review);
  status = g_test_run ();
  g_clear_object (&app);
  return status;
}
