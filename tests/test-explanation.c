/* test-explanation.c: the explanation panel and the attribution chart on real
 * widgets under Xvfb, with cases read by the real codec and served by the
 * real server.
 *
 * Set CS_EXPLANATION_SHOTS=<directory> to keep the light and dark renderings
 * of a demo case there (they are made in a temporary directory otherwise),
 * and CS_EXPLANATION_LINGER=<seconds> to keep its window on screen after.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "cs-attribution-chart.h"
#include "cs-explanation-panel.h"
#include "cs-test-server.h"
#include "cs-test-ui.h"

#define NBSP "\302\240"

/* Fixtures */

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

/* A case as GET /api/v1/cases/{id} gives it, with the parts under test given
 * as JSON members (or empty for none), through the real codec. */
static CsCase *
make_case (const char *trigger,
           const char *prediction,
           const char *explanation,
           const char *context)
{
  g_autofree char *json = g_strdup_printf (
    "{"
    " 'id': 'c-000123', 'version': 3, 'queue': 'derm', 'status': 'open',"
    " 'assigned_to': 'r-17', 'lease_until': '2026-11-25T18:00:00Z',"
    " 'created_at': '2026-11-24T08:00:00Z', 'due_at': '2026-11-24T20:00:00Z',"
    " 'priority': 0.87,"
    " %s"
    " 'subject': {'kind': 'text', 'title': 'Referral note', 'text': 'A lesion on the left forearm.'},"
    " 'model': {'name': 'derm-classifier', 'version': '2.3.1'},"
    " 'prediction': %s,"
    " %s"
    " 'labels': ['melanoma', 'nevus', 'seborrheic keratosis', 'other'],"
    " 'policy': {'rationale_required': ['override'], 'min_rationale_chars': 0}"
    " %s"
    "}",
    trigger, prediction, explanation, context);
  g_autofree char *text = fx (json);
  g_autoptr(GError) error = NULL;
  CsCase *kase = cs_case_new_from_data (text, -1, CS_CASE_PARSE_CASE, &error);

  g_assert_no_error (error);
  g_assert_nonnull (kase);
  return kase;
}

#define FULL_TRIGGER \
  "'trigger': {'kind': 'low_confidence', 'detail': 'confidence 0.52 below threshold 0.80', 'threshold': 0.80},"
/* Alternatives out of order on purpose. */
#define FULL_PREDICTION \
  "{'label': 'melanoma', 'confidence': 0.52," \
  " 'alternatives': [{'label': 'other', 'confidence': 0.07}," \
  "                  {'label': 'seborrheic keratosis', 'confidence': 0.004}," \
  "                  {'label': 'nevus', 'confidence': 0.41}]}"
#define FULL_EXPLANATION \
  "'explanation': {'summary': 'Irregular border and colour variegation drive the melanoma score.'," \
  " 'attributions': [{'feature': 'border_irregularity', 'value': 0.31, 'display': '0.74'}," \
  "                  {'feature': 'symmetry', 'value': -0.12, 'display': 'high'}," \
  "                  {'feature': 'colour_variegation', 'value': 0.2}]},"
#define FULL_CONTEXT ", 'context': {'patient_age': '54', 'site': 'Clinic B'}"

static CsCase *
make_full_case (void)
{
  return make_case (FULL_TRIGGER, FULL_PREDICTION, FULL_EXPLANATION, FULL_CONTEXT);
}

/* A case with @n attributions of the given weights. */
static CsCase *
make_attributed_case (const double *weights,
                      guint         n)
{
  g_autoptr(GString) explanation = g_string_new ("'explanation': {'attributions': [");

  for (guint i = 0; i < n; i++)
    {
      char number[G_ASCII_DTOSTR_BUF_SIZE];

      g_string_append_printf (explanation, "%s{'feature': 'f%02u', 'value': %s}", i ? ", " : "", i,
                              g_ascii_dtostr (number, sizeof number, weights[i]));
    }
  g_string_append (explanation, "]},");
  return make_case (FULL_TRIGGER, "{'label': 'melanoma', 'confidence': 0.52}", explanation->str, "");
}

/* The main loop and widgets */

/* The panel in a window of its own, on screen. */
static CsExplanationPanel *
new_panel_window (GtkWindow **window_out)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *panel = cs_explanation_panel_new ();

  gtk_window_set_title (GTK_WINDOW (window), "Explanation");
  gtk_window_set_default_size (GTK_WINDOW (window), 420, -1);
  gtk_widget_set_margin_start (panel, 18);
  gtk_widget_set_margin_end (panel, 18);
  gtk_widget_set_margin_top (panel, 18);
  gtk_widget_set_margin_bottom (panel, 18);
  gtk_window_set_child (GTK_WINDOW (window), panel);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (cs_test_wait_for_frame (window, 10));

  *window_out = GTK_WINDOW (window);
  return CS_EXPLANATION_PANEL (panel);
}

static GtkWidget *
part (CsExplanationPanel *panel,
      const char         *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (panel), CS_TYPE_EXPLANATION_PANEL, name);

  g_assert_nonnull (object);
  return GTK_WIDGET (object);
}

static const char *
part_text (CsExplanationPanel *panel,
           const char         *name)
{
  return gtk_label_get_label (GTK_LABEL (part (panel, name)));
}

/* On screen: shown, and every ancestor too. */
static gboolean
shown (CsExplanationPanel *panel,
       const char         *name)
{
  return gtk_widget_is_drawable (part (panel, name));
}

static guint
count_children (GtkWidget *widget)
{
  guint n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    n++;
  return n;
}

/* The text of the @column-th label of the @row-th alternative. */
static const char *
alternative_text (CsExplanationPanel *panel,
                  guint               row,
                  guint               column)
{
  GtkWidget *child = gtk_widget_get_first_child (part (panel, "alternatives_list"));

  for (guint i = 0; i < row && child != NULL; i++)
    child = gtk_widget_get_next_sibling (child);
  g_assert_nonnull (child);
  child = gtk_widget_get_first_child (child);
  for (guint i = 0; i < column && child != NULL; i++)
    child = gtk_widget_get_next_sibling (child);
  g_assert_true (GTK_IS_LABEL (child));
  return gtk_label_get_label (GTK_LABEL (child));
}

static void
load_style (void)
{
  g_autoptr(GtkCssProvider) provider = gtk_css_provider_new ();

  /* What AdwApplication loads from its resource base path. */
  gtk_css_provider_load_from_resource (provider, APP_PATH "style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

/* Rendering */

typedef struct
{
  int     width;
  int     height;
  gsize   stride;
  guint8 *data;   /* premultiplied ARGB32 in native order: B, G, R, A on little-endian */
} Pixels;

static void
pixels_free (Pixels *pixels)
{
  g_free (pixels->data);
  g_free (pixels);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Pixels, pixels_free)

static Pixels *
download (GdkTexture *texture)
{
  Pixels *pixels = g_new0 (Pixels, 1);

  pixels->width = gdk_texture_get_width (texture);
  pixels->height = gdk_texture_get_height (texture);
  pixels->stride = (gsize) pixels->width * 4;
  pixels->data = g_malloc ((gsize) pixels->height * pixels->stride);
  gdk_texture_download (texture, pixels->data, pixels->stride);
  return pixels;
}

static guint8
alpha_at (const Pixels *pixels,
          int           x,
          int           y)
{
  g_assert_true (x >= 0 && x < pixels->width && y >= 0 && y < pixels->height);
  return pixels->data[(gsize) y * pixels->stride + (gsize) x * 4 + 3];
}

static double
mean_luminance (const Pixels *pixels)
{
  double sum = 0;

  for (int y = 0; y < pixels->height; y++)
    for (int x = 0; x < pixels->width; x++)
      {
        const guint8 *p = pixels->data + (gsize) y * pixels->stride + (gsize) x * 4;
        sum += 0.0722 * p[0] + 0.7152 * p[1] + 0.2126 * p[2];
      }
  return sum / ((double) pixels->width * pixels->height * 255);
}

/* The height the panel asks for at its width: a window does not shrink by itself. */
static int
panel_height (CsExplanationPanel *panel)
{
  int natural = 0;

  gtk_widget_measure (GTK_WIDGET (panel), GTK_ORIENTATION_VERTICAL, gtk_widget_get_width (GTK_WIDGET (panel)),
                      NULL, &natural, NULL, NULL);
  return natural;
}

/* Tests: words */

static void
test_format_percent (void)
{
  static const struct { double fraction; const char *text; } cases[] = {
    { 0.62, "62" NBSP "%" },
    { 0.5, "50" NBSP "%" },
    { 0.0014, "0.1" NBSP "%" },
    { 0.004, "0.4" NBSP "%" },
    { 0.0004, "< 0.1" NBSP "%" },
    { 0.0, "0" NBSP "%" },
    { 1.0, "100" NBSP "%" },
    { 0.9986, "99.9" NBSP "%" },
    { 0.9921, "99.2" NBSP "%" },
    { 0.99996, "> 99.9" NBSP "%" },
    { 0.015, "2" NBSP "%" },
    { -0.2, "0" NBSP "%" },
    { 1.7, "100" NBSP "%" },
    { NAN, "0" NBSP "%" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = cs_explanation_format_percent (cases[i].fraction);
      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

static void
test_weight_format (void)
{
  static const struct { double weight; int decimals; const char *text; } cases[] = {
    { 2.1, 2, "+2.10" },
    { -0.5795, 2, "−0.58" },
    { -0.0005, 2, "−0.00" },
    { 0.0, 2, "0.00" },
    { 12.5, 0, "+12" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = cs_attribution_chart_format_weight (cases[i].weight, cases[i].decimals);
      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

/* Each trigger kind in words, with the case's threshold or the server's detail. */
static void
test_trigger_words (void)
{
  static const struct {
    CsTriggerKind kind;
    const char *detail;
    double threshold;
    const char *revealed;
    const char *hidden;
  } cases[] = {
    { CS_TRIGGER_LOW_CONFIDENCE, "confidence 0.39 below threshold 0.80", 0.80,
      "Low confidence: 0.39 is under the queue’s threshold 0.80",
      "Low confidence: under the queue’s threshold 0.80" },
    { CS_TRIGGER_LOW_CONFIDENCE, "confidence 0.39 below threshold 0.80", NAN,
      "Low confidence: confidence 0.39 below threshold 0.80",
      "Low confidence" },
    { CS_TRIGGER_LOW_CONFIDENCE, NULL, NAN, "Low confidence", "Low confidence" },
    { CS_TRIGGER_FAIRNESS, "fairness signal 0.23 above threshold 0.10", 0.10,
      "Fairness flag: fairness signal 0.23 above threshold 0.10",
      "Fairness flag: fairness signal 0.23 above threshold 0.10" },
    { CS_TRIGGER_FAIRNESS, NULL, 0.10,
      "Fairness flag: the fairness signal is over the queue’s threshold 0.10",
      "Fairness flag: the fairness signal is over the queue’s threshold 0.10" },
    { CS_TRIGGER_COMPLIANCE_KEYWORD, "compliance keyword \"chargeback\" in the subject text", NAN,
      "Compliance keyword: compliance keyword \"chargeback\" in the subject text",
      "Compliance keyword: compliance keyword \"chargeback\" in the subject text" },
    { CS_TRIGGER_ANOMALY, "anomaly signal 0.74 above threshold 0.50", 0.50,
      "Anomaly: anomaly signal 0.74 above threshold 0.50",
      "Anomaly: anomaly signal 0.74 above threshold 0.50" },
    { CS_TRIGGER_ANOMALY, NULL, 0.90,
      "Anomaly: the anomaly signal is over the queue’s threshold 0.90",
      "Anomaly: the anomaly signal is over the queue’s threshold 0.90" },
    { CS_TRIGGER_RANDOM_AUDIT, "random audit sample at rate 0.02", NAN,
      "Random audit: random audit sample at rate 0.02",
      "Random audit: random audit sample at rate 0.02" },
    { CS_TRIGGER_OVERDUE, NULL, NAN, "Overdue elsewhere", "Overdue elsewhere" },
    { CS_TRIGGER_OVERDUE, "", NAN, "Overdue elsewhere", "Overdue elsewhere" },
    { CS_TRIGGER_OTHER, NULL, NAN, "Sent for review", "Sent for review" },
  };
  g_autoptr(CsCase) kase = make_case (FULL_TRIGGER, "{'label': 'melanoma', 'confidence': 0.39}", "", "");
  g_autoptr(CsCase) close = make_case (FULL_TRIGGER, "{'label': 'melanoma', 'confidence': 0.9986}", "", "");
  GtkWindow *window;
  CsExplanationPanel *panel = new_panel_window (&window);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *revealed = NULL;
      g_autofree char *hidden = NULL;
      gsize kind_length = 0;

      cs_case_set_trigger (kase, cases[i].kind, cases[i].detail, cases[i].threshold);
      revealed = cs_explanation_describe_trigger (kase, TRUE, &kind_length);
      hidden = cs_explanation_describe_trigger (kase, FALSE, NULL);
      g_assert_cmpstr (revealed, ==, cases[i].revealed);
      g_assert_cmpstr (hidden, ==, cases[i].hidden);
      /* The kind starts the sentence, and is what is set in bold. */
      g_assert_cmpuint (kind_length, <=, strlen (revealed));
      g_assert_true (revealed[kind_length] == '\0' || revealed[kind_length] == ':');

      /* The panel says the same, and follows "revealed". */
      cs_explanation_panel_set_revealed (panel, TRUE);
      cs_explanation_panel_set_case (panel, kase);
      g_assert_cmpstr (part_text (panel, "trigger_label"), ==, cases[i].revealed);
      cs_explanation_panel_set_revealed (panel, FALSE);
      g_assert_cmpstr (part_text (panel, "trigger_label"), ==, cases[i].hidden);
      g_assert_true (shown (panel, "trigger_label"));
    }

  /* Rounded to two decimals, 0.9986 and 0.9990 would read alike. */
  cs_case_set_trigger (close, CS_TRIGGER_LOW_CONFIDENCE, NULL, 0.999);
  {
    g_autofree char *text = cs_explanation_describe_trigger (close, TRUE, NULL);
    g_assert_cmpstr (text, ==, "Low confidence: 0.9986 is under the queue’s threshold 0.9990");
  }

  gtk_window_destroy (window);
}

/* Tests: the panel */

static void
test_answer (void)
{
  g_autoptr(CsCase) kase = make_full_case ();
  GtkWindow *window;
  CsExplanationPanel *panel = new_panel_window (&window);
  GtkWidget *grid;

  cs_explanation_panel_set_case (panel, kase);
  g_assert_true (cs_explanation_panel_get_case (panel) == kase);
  g_assert_true (cs_explanation_panel_get_revealed (panel));
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (window), 10));

  g_assert_cmpstr (part_text (panel, "predicted_label"), ==, "melanoma");
  g_assert_cmpstr (part_text (panel, "confidence_label"), ==, "52" NBSP "%");
  g_assert_cmpfloat (gtk_level_bar_get_value (GTK_LEVEL_BAR (part (panel, "confidence_bar"))), ==, 0.52);
  /* Under the queue's threshold, but not under a half. */
  g_assert_true (gtk_widget_has_css_class (part (panel, "confidence_bar"), "medium"));

  /* Alternatives, most likely first, each with its number. */
  g_assert_cmpuint (count_children (part (panel, "alternatives_list")), ==, 3);
  g_assert_cmpstr (alternative_text (panel, 0, 0), ==, "nevus");
  g_assert_cmpstr (alternative_text (panel, 0, 2), ==, "41" NBSP "%");
  g_assert_cmpstr (alternative_text (panel, 1, 0), ==, "other");
  g_assert_cmpstr (alternative_text (panel, 1, 2), ==, "7" NBSP "%");
  g_assert_cmpstr (alternative_text (panel, 2, 0), ==, "seborrheic keratosis");
  g_assert_cmpstr (alternative_text (panel, 2, 2), ==, "0.4" NBSP "%");

  g_assert_cmpstr (part_text (panel, "trigger_label"), ==, "Low confidence: 0.52 is under the queue’s threshold 0.80");
  g_assert_cmpstr (part_text (panel, "model_label"), ==, "derm-classifier, version 2.3.1");
  g_assert_cmpstr (part_text (panel, "summary_label"), ==,
                   "Irregular border and colour variegation drive the melanoma score.");
  g_assert_true (gtk_label_get_selectable (GTK_LABEL (part (panel, "summary_label"))));
  g_assert_true (gtk_label_get_wrap (GTK_LABEL (part (panel, "summary_label"))));

  /* Context: name and value side by side, the value selectable. */
  grid = part (panel, "context_grid");
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (gtk_grid_get_child_at (GTK_GRID (grid), 0, 0))), ==, "patient_age");
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (gtk_grid_get_child_at (GTK_GRID (grid), 1, 0))), ==, "54");
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (gtk_grid_get_child_at (GTK_GRID (grid), 0, 1))), ==, "site");
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (gtk_grid_get_child_at (GTK_GRID (grid), 1, 1))), ==, "Clinic B");
  g_assert_true (gtk_label_get_selectable (GTK_LABEL (gtk_grid_get_child_at (GTK_GRID (grid), 1, 1))));
  g_assert_true (gtk_widget_has_css_class (gtk_grid_get_child_at (GTK_GRID (grid), 0, 1), "dim-label"));

  /* Every section is on screen; the placeholder is not. */
  g_assert_true (shown (panel, "answer_box"));
  g_assert_true (shown (panel, "alternatives_box"));
  g_assert_true (shown (panel, "trigger_section"));
  g_assert_true (shown (panel, "summary_label"));
  g_assert_true (shown (panel, "attribution_chart"));
  g_assert_true (shown (panel, "context_section"));
  g_assert_false (shown (panel, "hidden_placeholder"));

  /* The chart: three features, largest first. */
  {
    const char * const *names;
    const double *weights;
    guint n_others = 99;
    guint n = cs_attribution_chart_get_rows (CS_ATTRIBUTION_CHART (part (panel, "attribution_chart")),
                                             &names, &weights, NULL, &n_others);

    g_assert_cmpuint (n, ==, 3);
    g_assert_cmpuint (n_others, ==, 0);
    g_assert_cmpstr (names[0], ==, "border_irregularity");
    g_assert_cmpstr (names[1], ==, "colour_variegation");
    g_assert_cmpstr (names[2], ==, "symmetry");
    g_assert_cmpfloat (weights[2], ==, -0.12);
  }

  gtk_window_destroy (window);
}

static void
notify_count_cb (GObject    *object,
                 GParamSpec *pspec,
                 guint      *count)
{
  (*count)++;
}

/* Blind-first: the model's answer hidden, the rest kept. */
static void
test_revealed (void)
{
  static const char *answer_parts[] = {
    "predicted_label", "confidence_bar", "confidence_label", "alternatives_list", "summary_label", "attribution_chart",
  };
  static const char *kept_parts[] = { "trigger_label", "model_label", "context_grid" };
  g_autoptr(CsCase) kase = make_full_case ();
  GtkWindow *window;
  CsExplanationPanel *panel = new_panel_window (&window);
  gboolean revealed = TRUE;
  guint notified = 0;

  cs_explanation_panel_set_case (panel, kase);
  g_signal_connect (panel, "notify::revealed", G_CALLBACK (notify_count_cb), &notified);

  g_object_set (panel, "revealed", FALSE, NULL);
  g_object_get (panel, "revealed", &revealed, NULL);
  g_assert_false (revealed);
  g_assert_cmpuint (notified, ==, 1);
  cs_explanation_panel_set_revealed (panel, FALSE);
  g_assert_cmpuint (notified, ==, 1);
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (window), 10));

  for (guint i = 0; i < G_N_ELEMENTS (answer_parts); i++)
    g_assert_false (shown (panel, answer_parts[i]));
  for (guint i = 0; i < G_N_ELEMENTS (kept_parts); i++)
    g_assert_true (shown (panel, kept_parts[i]));
  /* No empty heading where the attributions were. */
  g_assert_false (gtk_widget_get_visible (part (panel, "attributions_section")));
  g_assert_true (shown (panel, "hidden_placeholder"));
  g_assert_nonnull (strstr (part_text (panel, "hidden_label"), "hidden until you record your own judgement"));
  /* The trigger no longer gives away the model's confidence. */
  g_assert_null (strstr (part_text (panel, "trigger_label"), "0.52"));
  g_assert_cmpstr (part_text (panel, "model_label"), ==, "derm-classifier, version 2.3.1");

  /* A new case keeps the choice. */
  {
    g_autoptr(CsCase) other = make_full_case ();
    cs_explanation_panel_set_case (panel, other);
    g_assert_false (shown (panel, "predicted_label"));
    g_assert_true (shown (panel, "hidden_placeholder"));
  }

  cs_explanation_panel_set_revealed (panel, TRUE);
  g_assert_cmpuint (notified, ==, 2);
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (window), 10));
  for (guint i = 0; i < G_N_ELEMENTS (answer_parts); i++)
    g_assert_true (shown (panel, answer_parts[i]));
  for (guint i = 0; i < G_N_ELEMENTS (kept_parts); i++)
    g_assert_true (shown (panel, kept_parts[i]));
  g_assert_false (shown (panel, "hidden_placeholder"));
  g_assert_cmpstr (part_text (panel, "trigger_label"), ==, "Low confidence: 0.52 is under the queue’s threshold 0.80");

  gtk_window_destroy (window);
}

/* What a case does not carry is not shown, heading and all. */
static void
test_sparse_case (void)
{
  g_autoptr(CsCase) bare = make_case ("", "{'label': 'nevus', 'confidence': 0.7}", "", "");
  g_autoptr(CsCase) full = make_full_case ();
  GtkWindow *window;
  CsExplanationPanel *panel = new_panel_window (&window);
  int full_height, bare_height;
  guint notified = 0;

  g_signal_connect (panel, "notify::case", G_CALLBACK (notify_count_cb), &notified);

  /* Nothing at all before a case. */
  g_assert_false (gtk_widget_get_visible (part (panel, "answer_section")));
  g_assert_false (gtk_widget_get_visible (part (panel, "trigger_section")));
  g_assert_false (gtk_widget_get_visible (part (panel, "model_section")));
  g_assert_false (gtk_widget_get_visible (part (panel, "attributions_section")));
  g_assert_false (gtk_widget_get_visible (part (panel, "context_section")));

  cs_explanation_panel_set_case (panel, full);
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (window), 10));
  full_height = panel_height (panel);

  cs_explanation_panel_set_case (panel, bare);
  g_assert_cmpuint (notified, ==, 2);
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (window), 10));
  g_assert_true (shown (panel, "predicted_label"));
  g_assert_cmpstr (part_text (panel, "predicted_label"), ==, "nevus");
  g_assert_cmpstr (part_text (panel, "confidence_label"), ==, "70" NBSP "%");
  g_assert_false (gtk_widget_get_visible (part (panel, "alternatives_box")));
  g_assert_cmpuint (count_children (part (panel, "alternatives_list")), ==, 0);
  g_assert_false (gtk_widget_get_visible (part (panel, "summary_label")));
  g_assert_false (gtk_widget_get_visible (part (panel, "attributions_section")));
  g_assert_false (gtk_widget_get_visible (part (panel, "context_section")));
  g_assert_cmpuint (count_children (part (panel, "context_grid")), ==, 0);
  g_assert_true (shown (panel, "model_label"));
  /* No trigger in the case: it still says it was sent for review. */
  g_assert_cmpstr (part_text (panel, "trigger_label"), ==, "Sent for review");
  bare_height = panel_height (panel);
  g_assert_cmpint (bare_height, <, full_height);

  /* Hiding the answer of a bare case shows nothing that was not there. */
  cs_explanation_panel_set_revealed (panel, FALSE);
  g_assert_false (gtk_widget_get_visible (part (panel, "attributions_section")));
  g_assert_false (gtk_widget_get_visible (part (panel, "summary_label")));
  cs_explanation_panel_set_revealed (panel, TRUE);
  g_assert_false (gtk_widget_get_visible (part (panel, "attributions_section")));

  cs_explanation_panel_set_case (panel, NULL);
  g_assert_cmpuint (notified, ==, 3);
  g_assert_null (cs_explanation_panel_get_case (panel));
  g_assert_false (gtk_widget_get_visible (part (panel, "answer_section")));
  g_assert_false (gtk_widget_get_visible (part (panel, "trigger_section")));
  g_assert_false (gtk_widget_get_visible (part (panel, "model_section")));
  g_assert_false (gtk_widget_get_visible (part (panel, "context_section")));
  g_assert_cmpuint (cs_attribution_chart_get_rows (CS_ATTRIBUTION_CHART (part (panel, "attribution_chart")),
                                                   NULL, NULL, NULL, NULL), ==, 0);

  gtk_window_destroy (window);
}

/* Tests: the chart */

static int
chart_height (CsAttributionChart *chart)
{
  int minimum = 0, natural = 0;

  gtk_widget_measure (GTK_WIDGET (chart), GTK_ORIENTATION_VERTICAL, -1, &minimum, &natural, NULL, NULL);
  g_assert_cmpint (minimum, ==, natural);
  return natural - gtk_widget_get_margin_top (GTK_WIDGET (chart)) - gtk_widget_get_margin_bottom (GTK_WIDGET (chart));
}

/* The digits after the decimal point. */
static gsize
decimals_of (const char *value)
{
  const char *point = strchr (value, '.');

  return point != NULL ? strlen (point + 1) : 0;
}

static void
test_chart_rows (void)
{
  /* Fourteen features; by magnitude: f03, f07, f00, f10, f05, f12, f01, f08, f13, f02, then f04 f06 f09 f11. */
  static const double weights[14] = {
    0.9, -0.5, 0.3, -2.5, 0.04, 0.7, -0.03, 1.25, -0.45, 0.02, -0.8, -0.01, 0.6, 0.35,
  };
  static const char *expected[10] = { "f03", "f07", "f00", "f10", "f05", "f12", "f01", "f08", "f13", "f02" };
  g_autoptr(CsCase) kase = make_attributed_case (weights, G_N_ELEMENTS (weights));
  g_autoptr(CsCase) eleven = make_attributed_case (weights, 11);
  g_autoptr(CsCase) three = make_attributed_case (weights, 3);
  GtkWindow *window;
  CsExplanationPanel *panel = new_panel_window (&window);
  CsAttributionChart *chart = CS_ATTRIBUTION_CHART (part (panel, "attribution_chart"));
  const char * const *names, * const *values;
  const double *drawn;
  guint n, n_others;
  int height_14, height_11, height_3;

  cs_explanation_panel_set_case (panel, kase);
  n = cs_attribution_chart_get_rows (chart, &names, &drawn, &values, &n_others);
  g_assert_cmpuint (n, ==, 11);
  g_assert_cmpuint (n_others, ==, 4);
  for (guint i = 0; i < 10; i++)
    {
      guint index = (guint) g_ascii_strtoull (names[i] + 1, NULL, 10);

      g_assert_cmpstr (names[i], ==, expected[i]);
      g_assert_cmpfloat (drawn[i], ==, weights[index]);
      if (i > 0)
        g_assert_cmpfloat (fabs (drawn[i]), <=, fabs (drawn[i - 1]));
    }
  g_assert_cmpstr (names[10], ==, "4 others");
  g_assert_cmpfloat_with_epsilon (drawn[10], 0.04 - 0.03 + 0.02 - 0.01, 1e-12);
  g_assert_null (names[11]);
  g_assert_null (values[11]);

  /* Signs before the values, all with the same precision (largest, 2.5: two decimals). */
  g_assert_cmpstr (values[0], ==, "−2.50");
  g_assert_cmpstr (values[1], ==, "+1.25");
  g_assert_cmpstr (values[10], ==, "+0.02");
  for (guint i = 0; i < n; i++)
    {
      g_assert_true (g_str_has_prefix (values[i], drawn[i] > 0 ? "+" : "−"));
      g_assert_cmpuint (decimals_of (values[i]), ==, 2);
    }

  /* The height follows the rows. */
  height_14 = chart_height (chart);
  cs_explanation_panel_set_case (panel, eleven);
  n = cs_attribution_chart_get_rows (chart, &names, &drawn, NULL, &n_others);
  /* Eleven: the eleventh is named rather than summed alone. */
  g_assert_cmpuint (n, ==, 11);
  g_assert_cmpuint (n_others, ==, 0);
  g_assert_cmpstr (names[10], ==, "f09");
  height_11 = chart_height (chart);
  cs_explanation_panel_set_case (panel, three);
  g_assert_cmpuint (cs_attribution_chart_get_rows (chart, NULL, NULL, NULL, NULL), ==, 3);
  height_3 = chart_height (chart);
  g_assert_cmpint (height_3, >, 0);
  g_assert_cmpint (height_11, ==, height_14);
  g_assert_cmpint (height_11 * 3, ==, height_3 * 11);

  gtk_window_destroy (window);
}

/* The signs as drawn: which side of the zero line, and solid or hatched. */
static void
test_chart_drawing (void)
{
  static const CsAttribution positive = { (char *) "pushes towards", 1.0, NULL };
  static const CsAttribution negative = { (char *) "pushes away", -0.8, NULL };
  g_autoptr(GPtrArray) attributions = g_ptr_array_new ();
  GtkWidget *window = gtk_window_new ();
  GtkWidget *chart = cs_attribution_chart_new ();
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(Pixels) pixels = NULL;
  g_autoptr(GHashTable) positive_alphas = g_hash_table_new (NULL, NULL);
  g_autoptr(GHashTable) negative_alphas = g_hash_table_new (NULL, NULL);
  int axis = -1, row, y0, y1, x;

  g_ptr_array_add (attributions, (gpointer) &positive);
  g_ptr_array_add (attributions, (gpointer) &negative);
  cs_attribution_chart_set_attributions (CS_ATTRIBUTION_CHART (chart), attributions);

  gtk_window_set_title (GTK_WINDOW (window), "Attribution chart");
  gtk_window_set_default_size (GTK_WINDOW (window), 480, -1);
  gtk_window_set_child (GTK_WINDOW (window), chart);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (cs_test_wait_for_frame (window, 10));

  texture = cs_test_render_widget (chart);
  pixels = download (texture);
  row = pixels->height / 2;
  g_assert_cmpint (row, >, 0);

  /* The zero line: the one column drawn from top to bottom, between the rows too. */
  for (x = 0; x < pixels->width && axis < 0; x++)
    {
      int y;

      for (y = 0; y < pixels->height && alpha_at (pixels, x, y) > 0; y++)
        ;
      if (y == pixels->height)
        axis = x;
    }
  g_assert_cmpint (axis, >, pixels->width / 4);
  g_assert_cmpint (axis, <, pixels->width * 3 / 4);

  /* The first row (positive) is drawn right of the line, the second left. */
  y0 = row / 2;
  y1 = row + row / 2;
  g_assert_cmpuint (alpha_at (pixels, axis + 6, y0), >, 0);
  g_assert_cmpuint (alpha_at (pixels, axis - 6, y0), ==, 0);
  g_assert_cmpuint (alpha_at (pixels, axis - 6, y1), >, 0);
  g_assert_cmpuint (alpha_at (pixels, axis + 6, y1), ==, 0);

  /* Inside its bar, the positive one is solid; the negative one is hatched. */
  for (x = axis + 3; x < axis + 40; x++)
    g_hash_table_add (positive_alphas, GUINT_TO_POINTER (alpha_at (pixels, x, y0)));
  for (x = axis - 40; x < axis - 3; x++)
    g_hash_table_add (negative_alphas, GUINT_TO_POINTER (alpha_at (pixels, x, y1)));
  g_assert_cmpuint (g_hash_table_size (positive_alphas), ==, 1);
  g_assert_true (g_hash_table_contains (positive_alphas, GUINT_TO_POINTER (255)));
  g_assert_cmpuint (g_hash_table_size (negative_alphas), >, 2);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Tests: the demo data through the real server */

#define PATHOLOGY_QUEUE \
  "{\"title\": \"Breast cytology (FNA)\", \"labels\": [\"malignant\", \"benign\"]," \
  " \"policy\": {\"rationale_required\": [\"override\", \"reject\", \"escalate\"], \"min_rationale_chars\": 15}," \
  " \"routing\": {\"confidence_threshold\": 0.8, \"fairness_threshold\": 0.1, \"anomaly_threshold\": 0.9," \
  "             \"compliance_keywords\": [], \"audit_sample_rate\": 0}}"

/* The line of the demo predictions whose title is @title. */
static char *
demo_prediction (const char *title)
{
  const char *root = g_getenv ("CS_SOURCE_ROOT");
  g_autofree char *path = g_build_filename (root != NULL ? root : ".", "data", "demo", "predictions.jsonl", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *needle = g_strdup_printf ("\"title\":\"%s\"", title);
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], needle) != NULL)
      return g_strdup (lines[i]);
  g_assert_not_reached ();
  return NULL;
}

/* Posts a demo prediction and reads the case back as Countersign does. */
static CsCase *
fetch_demo_case (CsTestServer *server,
                 const char   *model,
                 const char   *reviewer,
                 const char   *title)
{
  g_autofree char *body = demo_prediction (title);
  g_autoptr(JsonNode) answer = cs_test_http_expect (server, "POST", "/api/v1/predictions", model, body, 200);
  JsonObject *obj = json_node_get_object (answer);
  g_autofree char *path = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  CsCase *kase;

  g_assert_cmpstr (json_object_get_string_member (obj, "routed"), ==, "escalated");
  path = g_strdup_printf ("/api/v1/cases/%s", json_object_get_string_member (obj, "id"));
  node = cs_test_http_expect (server, "GET", path, reviewer, NULL, 200);
  kase = cs_case_new_from_json (node, CS_CASE_PARSE_CASE, &error);
  g_assert_no_error (error);
  return kase;
}

static Pixels *
render_to_png (GtkWidget  *window,
               const char *dir,
               const char *name)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = g_build_filename (dir, name, NULL);
  GStatBuf st;

  g_assert_true (cs_test_wait_for_frame (window, 10));
  texture = cs_test_render_widget (window);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_size, >, 1000);
  g_test_message ("Rendered %s", path);
  return download (texture);
}

static void
test_demo_cases (void)
{
  g_autoptr(CsTestServer) server = cs_test_server_new_argv ((const char * const[]) { NULL });
  g_autofree char *admin = NULL;
  g_autofree char *model = NULL;
  g_autofree char *reviewer = NULL;
  g_autoptr(CsCase) low = NULL;
  g_autoptr(CsCase) anomaly = NULL;
  g_autoptr(Pixels) light = NULL;
  g_autoptr(Pixels) dark = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = NULL;
  const char *dir = g_getenv ("CS_EXPLANATION_SHOTS");
  AdwStyleManager *style = adw_style_manager_get_default ();
  CsAttributionChart *chart;
  const char * const *names;
  const double *weights;
  guint n_others = 0;
  GtkWindow *window;
  CsExplanationPanel *panel;

  if (server == NULL)
    return;
  admin = cs_test_server_create_token (server, "admin", "admin", NULL, NULL);
  model = cs_test_server_create_token (server, "fna-logreg", "model", NULL, NULL);
  reviewer = cs_test_server_create_token (server, "r-17", "reviewer", "pathology", "Dr. A. Rivera");
  cs_test_http_expect (server, "PUT", "/api/v1/queues/pathology", admin, PATHOLOGY_QUEUE, 200);

  low = fetch_demo_case (server, model, reviewer, "Breast FNA, patient 1039");
  anomaly = fetch_demo_case (server, model, reviewer, "Breast FNA, patient 1521");

  panel = new_panel_window (&window);
  /* As narrow as the case view lets the explanation be. */
  gtk_window_set_default_size (window, 340, -1);

  /* The server's anomaly rule, in its own words. */
  cs_explanation_panel_set_case (panel, anomaly);
  g_assert_cmpstr (part_text (panel, "trigger_label"), ==, "Anomaly: anomaly signal 0.98 above threshold 0.90");
  g_assert_cmpstr (part_text (panel, "confidence_label"), ==, "100" NBSP "%");

  /* Low confidence, worded from the case's threshold. */
  cs_explanation_panel_set_case (panel, low);
  g_assert_cmpstr (part_text (panel, "trigger_label"), ==, "Low confidence: 0.66 is under the queue’s threshold 0.80");
  g_assert_cmpstr (part_text (panel, "predicted_label"), ==, cs_case_get_predicted_label (low));
  g_assert_cmpstr (part_text (panel, "model_label"), ==, "fna-logreg, version 1.0.0");
  g_assert_cmpstr (part_text (panel, "confidence_label"), ==, "66" NBSP "%");
  g_assert_cmpuint (count_children (part (panel, "alternatives_list")), ==, 1);
  g_assert_cmpuint (count_children (part (panel, "context_grid")), ==, 2 * cs_case_get_context (low)->len);

  /* Twelve attributions: ten by name, then two summed. */
  chart = CS_ATTRIBUTION_CHART (part (panel, "attribution_chart"));
  g_assert_cmpuint (cs_attribution_chart_get_rows (chart, &names, &weights, NULL, &n_others), ==, 11);
  g_assert_cmpuint (n_others, ==, 2);
  g_assert_cmpstr (names[10], ==, "2 others");
  for (guint i = 1; i < 10; i++)
    g_assert_cmpfloat (fabs (weights[i]), <=, fabs (weights[i - 1]));

  /* Light and dark, as a reviewer sees them. */
  if (dir == NULL)
    {
      tmp = g_dir_make_tmp ("cs-explanation-XXXXXX", &error);
      g_assert_no_error (error);
      dir = tmp;
    }
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  light = render_to_png (GTK_WIDGET (window), dir, "explanation-light.png");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  g_assert_true (adw_style_manager_get_dark (style));
  dark = render_to_png (GTK_WIDGET (window), dir, "explanation-dark.png");
  cs_explanation_panel_set_revealed (panel, FALSE);
  g_clear_pointer (&dark, pixels_free);
  dark = render_to_png (GTK_WIDGET (window), dir, "explanation-dark-hidden.png");
  cs_explanation_panel_set_revealed (panel, TRUE);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  g_clear_pointer (&light, pixels_free);
  light = render_to_png (GTK_WIDGET (window), dir, "explanation-light.png");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);

  g_assert_cmpfloat (mean_luminance (light), >, 0.7);
  g_assert_cmpfloat (mean_luminance (dark), <, 0.3);

  if (g_getenv ("CS_EXPLANATION_LINGER") != NULL)
    cs_test_iterate_for (atoi (g_getenv ("CS_EXPLANATION_LINGER")) * 1000);
  if (tmp != NULL)
    {
      cs_test_iterate_for (10);
      cs_test_remove_tree (tmp);
    }
  gtk_window_destroy (window);
}

int
main (int   argc,
      char *argv[])
{
  /* Numbers and words as written in the tests: no translation, a decimal point. */
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_unsetenv ("LANGUAGE");

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  load_style ();

  g_test_add_func ("/explanation/format-percent", test_format_percent);
  g_test_add_func ("/explanation/format-weight", test_weight_format);
  g_test_add_func ("/explanation/trigger-words", test_trigger_words);
  g_test_add_func ("/explanation/answer", test_answer);
  g_test_add_func ("/explanation/revealed", test_revealed);
  g_test_add_func ("/explanation/sparse-case", test_sparse_case);
  g_test_add_func ("/explanation/chart-rows", test_chart_rows);
  g_test_add_func ("/explanation/chart-drawing", test_chart_drawing);
  g_test_add_func ("/explanation/demo-cases", test_demo_cases);
  return g_test_run ();
}
