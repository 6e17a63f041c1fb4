/* test-evidence-errors.c: broken evidence never blocks a decision, and each
 * kind of subject opens in the real window, against the real server.
 *
 * The broken files reach the workstation the way a model service's mistakes
 * would: uploaded to the server under their own SHA-256 (so the workstation's
 * hash check passes and the decoders meet them), or lost from the local cache
 * while the server is down. For each the evidence pane must say what is wrong
 * in words, the window must keep drawing, and the case must still be decided.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "cs-application.h"
#include "cs-case-list.h"
#include "cs-test-server.h"
#include "cs-test-ui.h"
#include "cs-window.h"

#define QUEUE "evidence"
#define QUEUE_JSON \
  "{\"title\": \"Evidence checks\", \"labels\": [\"benign\", \"suspicious\", \"malignant\"]," \
  " \"policy\": {\"rationale_required\": [\"override\", \"reject\"], \"min_rationale_chars\": 10}," \
  " \"routing\": {\"confidence_threshold\": 0.99}}"

#define IMAGE_WIDTH 200
#define IMAGE_HEIGHT 150
/* The valid image is one flat colour, so that anything drawn over it shows. */
#define IMAGE_RGBA 0x808080ff

/* One application for the whole program: it registers on the session bus once,
 * and each test connects it to its own server and store. */
static CsApplication *app;

/* The main loop */

static gboolean
count_beat_cb (gpointer data)
{
  (*(guint *) data)++;
  return G_SOURCE_CONTINUE;
}

typedef struct
{
  guint *counter;
  guint  above;
} Counter;

static gboolean
counter_passed (gpointer data)
{
  Counter *counter = data;

  return *counter->counter > counter->above;
}

/* Files and uploads */

/* @len random bytes after @prefix (or none). */
static GBytes *
noise (guint32     seed,
       gsize       len,
       const char *prefix)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  guint8 *data = g_malloc (len);
  gsize start = prefix ? strlen (prefix) : 0;

  memcpy (data, prefix, start);
  for (gsize i = start; i < len; i++)
    data[i] = (guint8) g_rand_int (rand);
  return g_bytes_new_take (data, len);
}

/* A 640 × 480 JPEG with its last three fifths cut off. */
static GBytes *
truncated_jpeg (void)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 640, 480);
  g_autoptr(GBytes) whole = NULL;

  for (int y = 0; y < 480; y++)
    for (int x = 0; x < 640; x++)
      {
        guint8 *p = gdk_pixbuf_get_pixels (pixbuf) + (gsize) y * gdk_pixbuf_get_rowstride (pixbuf) + x * 3;

        p[0] = (guint8) (x * 255 / 639);
        p[1] = (guint8) (y * 255 / 479);
        p[2] = 128;
      }
  whole = cs_test_pixbuf_bytes (pixbuf, "jpeg");
  return g_bytes_new_from_bytes (whole, 0, g_bytes_get_size (whole) * 2 / 5);
}

static guint32
crc32_of (const guint8 *data,
          gsize         len)
{
  guint32 crc = 0xffffffff;

  for (gsize i = 0; i < len; i++)
    {
      crc ^= data[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xedb88320 & -(crc & 1));
    }
  return crc ^ 0xffffffff;
}

static void
append_be32 (GByteArray *array,
             guint32     value)
{
  guint8 be[4] = { value >> 24, value >> 16, value >> 8, value };

  g_byte_array_append (array, be, 4);
}

static void
append_chunk (GByteArray   *png,
              const char   *type,
              const guint8 *data,
              guint         len)
{
  g_autoptr(GByteArray) typed = g_byte_array_new ();

  g_byte_array_append (typed, (const guint8 *) type, 4);
  if (len > 0)
    g_byte_array_append (typed, data, len);
  append_be32 (png, len);
  g_byte_array_append (png, typed->data, typed->len);
  append_be32 (png, crc32_of (typed->data, typed->len));
}

/* A valid PNG header that claims @width × @height, and no pixels. */
static GBytes *
png_header_claiming (guint32 width,
                     guint32 height)
{
  static const guint8 signature[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  const guint8 rest[] = { 8, 2, 0, 0, 0 };   /* 8 bits, RGB, deflate, no filter, not interlaced */
  g_autoptr(GByteArray) ihdr = g_byte_array_new ();
  GByteArray *png = g_byte_array_new ();

  append_be32 (ihdr, width);
  append_be32 (ihdr, height);
  g_byte_array_append (ihdr, rest, sizeof rest);
  g_byte_array_append (png, signature, sizeof signature);
  append_chunk (png, "IHDR", ihdr->data, ihdr->len);
  append_chunk (png, "IDAT", NULL, 0);
  append_chunk (png, "IEND", NULL, 0);
  return g_byte_array_free_to_bytes (png);
}

/* Posts one prediction to the queue; returns the case id. */
static char *
post_case (CsTestServer *server,
           const char   *model,
           const char   *subject,
           const char   *explanation)
{
  g_autofree char *body = g_strdup_printf ("{\"queue\": \"" QUEUE "\", \"subject\": %s,"
                                           " \"model\": {\"name\": \"triage\", \"version\": \"1.0\"},"
                                           " \"prediction\": {\"label\": \"suspicious\", \"confidence\": 0.5},"
                                           " \"explanation\": %s}",
                                           subject, explanation ? explanation : "{}");
  g_autoptr(JsonNode) answer = cs_test_http_expect (server, "POST", "/api/v1/predictions", model, body, 200);
  JsonObject *obj = json_node_get_object (answer);

  g_assert_cmpstr (json_object_get_string_member (obj, "routed"), ==, "escalated");
  return g_strdup (json_object_get_string_member (obj, "id"));
}

static char *
post_asset_case (CsTestServer *server,
                 const char   *model,
                 const char   *kind,
                 const char   *title,
                 const char   *sha,
                 const char   *media_type,
                 gsize         n_bytes,
                 const char   *explanation)
{
  g_autofree char *subject = g_strdup_printf ("{\"kind\": \"%s\", \"title\": \"%s\","
                                              " \"asset\": {\"sha256\": \"%s\", \"media_type\": \"%s\","
                                              " \"bytes\": %" G_GSIZE_FORMAT "}}",
                                              kind, title, sha, media_type, n_bytes);

  return post_case (server, model, subject, explanation);
}

/* The window */

typedef struct
{
  CsTestServer *server;
  char         *admin;
  char         *model;
  char         *reviewer;
  char         *dir;
  CsWindow     *window;
} Fixture;

static void
fixture_set_up (Fixture       *fx,
                gconstpointer  data)
{
  fx->server = cs_test_server_new_argv ((const char * const[]) { NULL });
  fx->admin = cs_test_server_create_token (fx->server, "ops", "admin", NULL, NULL);
  fx->model = cs_test_server_create_token (fx->server, "triage", "model", NULL, NULL);
  fx->reviewer = cs_test_server_create_token (fx->server, "r-17", "reviewer", QUEUE, "Dr. A. Rivera");
  fx->dir = g_dir_make_tmp ("cs-evidence-XXXXXX", NULL);
  g_assert_nonnull (fx->dir);
  cs_test_http_expect (fx->server, "PUT", "/api/v1/queues/" QUEUE, fx->admin, QUEUE_JSON, 200);
}

static void
fixture_tear_down (Fixture       *fx,
                   gconstpointer  data)
{
  if (fx->window != NULL)
    gtk_window_destroy (GTK_WINDOW (fx->window));
  cs_test_server_free (fx->server);
  cs_test_remove_tree (fx->dir);
  g_free (fx->dir);
  g_free (fx->admin);
  g_free (fx->model);
  g_free (fx->reviewer);
}

static gboolean
has_n_cases (gpointer data)
{
  Fixture *fx = data;
  GListModel *cases = cs_window_get_cases (fx->window);

  return cases != NULL && g_list_model_get_n_items (cases) == GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (fx->window), "n"));
}

static void
open_window (Fixture *fx,
             guint    n_cases)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (cs_application_connect (app, cs_test_server_get_url (fx->server), fx->reviewer, fx->dir, &error));
  g_assert_no_error (error);
  fx->window = cs_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (fx->window), 1280, 800);
  g_object_set_data (G_OBJECT (fx->window), "n", GUINT_TO_POINTER (n_cases));
  gtk_window_present (GTK_WINDOW (fx->window));
  g_assert_true (cs_test_wait_for (has_n_cases, fx, 30));
}

static CsCaseView *
case_view (Fixture *fx)
{
  return cs_window_get_case_view (fx->window);
}

static gboolean
view_settled (gpointer data)
{
  return cs_case_view_is_settled (data);
}

/* Shows @id, as picking it in the queue does, and waits until its evidence
 * is drawn or its error shown. */
static void
show_case (Fixture    *fx,
           const char *id)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (cs_window_show_case (fx->window, id, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cs_case_view_get_case_id (case_view (fx)), ==, id);
  g_assert_true (cs_test_wait_for (view_settled, case_view (fx), 30));
}

/* What a reviewer reads in the evidence pane, in lower case. */
static char *
evidence_words (CsCaseView *view)
{
  const char *title = cs_case_view_get_evidence_message_title (view);
  const char *message = cs_case_view_get_evidence_message (view);
  g_autofree char *both = g_strconcat (title ? title : "", " — ", message ? message : "", NULL);

  return g_utf8_strdown (both, -1);
}

/* Broken evidence */

typedef struct
{
  const char *what;
  const char *shot;         /* the screenshot's name */
  char       *id;
  char       *sha;
  /* The pane must say one of these (lower case), besides a title. */
  const char *words[4];
} Broken;

static void
assert_still_decidable (Fixture    *fx,
                        const char *id,
                        const char *rationale)
{
  CsStore *store = cs_application_get_store (app);
  CsCaseView *view = case_view (fx);
  g_autoptr(CsDecision) decision = NULL;

  /* The panel still answers, as the R key would make it. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fx->window), "win.set-action", "i", CS_ACTION_REJECT));
  g_assert_cmpint (cs_decision_panel_get_action (cs_case_view_get_decision_panel (view)), ==, CS_ACTION_REJECT);
  cs_case_view_set_rationale (view, rationale);
  cs_case_view_submit (view);

  decision = cs_store_get_latest_decision (store, id, NULL);
  g_assert_nonnull (decision);
  g_assert_cmpint (cs_decision_get_action (decision), ==, CS_ACTION_REJECT);
  g_assert_cmpstr (cs_decision_get_rationale (decision), ==, rationale);
  g_assert_cmpstr (cs_case_view_get_case_id (view), !=, id);
}

/* The pane says what is wrong; the loop turns and the window keeps drawing. */
static void
assert_evidence_error (Fixture      *fx,
                       const Broken *broken,
                       guint        *beats)
{
  CsCaseView *view = case_view (fx);
  g_autofree char *words = NULL;
  const char *message;
  gboolean said = FALSE;
  Counter beat = { beats, *beats + 2 };

  g_test_message ("%s: %s — %s", broken->what, cs_case_view_get_evidence_message_title (view),
                  cs_case_view_get_evidence_message (view));
  g_assert_cmpstr (cs_case_view_get_evidence_page (view), ==, "message");
  g_assert_nonnull (cs_case_view_get_evidence_message_title (view));
  g_assert_cmpstr (cs_case_view_get_evidence_message_title (view), !=, "");
  message = cs_case_view_get_evidence_message (view);
  g_assert_nonnull (message);
  g_assert_cmpuint (strlen (message), >, 20);

  words = evidence_words (view);
  for (guint i = 0; i < G_N_ELEMENTS (broken->words) && broken->words[i] != NULL; i++)
    said |= strstr (words, broken->words[i]) != NULL;
  if (!said)
    g_error ("%s: the evidence pane says “%s”, which names none of the expected words", broken->what, words);

  /* Not frozen: the heartbeat goes on, and a new frame is drawn. */
  g_assert_true (cs_test_wait_for (counter_passed, &beat, 10));
  g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (fx->window), 10));
  cs_test_save_screenshot (GTK_WIDGET (fx->window), broken->shot);
}

static gboolean
asset_is_cached (gpointer data)
{
  g_autofree char *path = cs_sync_lookup_asset (cs_application_get_sync (app), data);

  return path != NULL;
}

static gboolean
sync_offline (gpointer data)
{
  CsSyncState state = cs_sync_get_state (cs_application_get_sync (app));

  return state == CS_SYNC_OFFLINE;
}

static void
test_broken_evidence (Fixture       *fx,
                      gconstpointer  data)
{
  Broken broken[] = {
    { "garbage PNG", "broken-garbage-png", NULL, NULL, { "damaged", "cannot", NULL } },
    { "truncated JPEG", "broken-truncated-jpeg", NULL, NULL, { "damaged", "stops short", "missing", NULL } },
    { "malformed PDF", "broken-malformed-pdf", NULL, NULL, { "damaged", "could not", "cannot", NULL } },
    { "PNG claiming 100000 × 100000", "broken-huge-png", NULL, NULL, { "too large", NULL } },
    { "evicted while offline", "broken-offline", NULL, NULL, { "not available", "could not be reached", NULL } },
  };
  g_autoptr(GBytes) garbage = noise (1, 4096, NULL);
  g_autoptr(GBytes) jpeg = truncated_jpeg ();
  g_autoptr(GBytes) pdf = noise (2, 3000, "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
  g_autoptr(GBytes) huge = png_header_claiming (100000, 100000);
  g_autoptr(GBytes) fine = cs_test_png_bytes (IMAGE_WIDTH, IMAGE_HEIGHT, IMAGE_RGBA);
  GBytes *bytes[] = { garbage, jpeg, pdf, huge, fine };
  const char *types[] = { "image/png", "image/jpeg", "application/pdf", "image/png", "image/png" };
  guint beats = 0, heartbeat;

  for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      g_autofree char *title = g_strdup_printf ("Broken %u: %s", i, broken[i].what);

      broken[i].sha = cs_test_upload (fx->server, fx->model, types[i], bytes[i]);
      broken[i].id = post_asset_case (fx->server, fx->model, i == 2 ? "document" : "image", title,
                                      broken[i].sha, types[i], g_bytes_get_size (bytes[i]), NULL);
    }

  open_window (fx, G_N_ELEMENTS (broken));
  /* A heartbeat on the main loop: it stops if anything blocks the loop. */
  heartbeat = g_timeout_add (5, count_beat_cb, &beats);

  /* The last one's file arrives, as every claimed case's evidence does. */
  g_assert_true (cs_test_wait_for (asset_is_cached, broken[4].sha, 30));

  for (guint i = 0; i < 4; i++)
    {
      show_case (fx, broken[i].id);
      assert_evidence_error (fx, &broken[i], &beats);

      /* Before the last case comes up, the server goes away and then its
       * cached file is cleaned away: the case is on the reviewer's list, and
       * its evidence is nowhere to be had. */
      if (i == 3)
        {
          g_autofree char *path = cs_sync_lookup_asset (cs_application_get_sync (app), broken[4].sha);

          cs_test_server_stop (fx->server);
          g_assert_nonnull (path);
          g_assert_cmpint (g_unlink (path), ==, 0);
          g_assert_cmpstr (cs_case_view_get_case_id (case_view (fx)), !=, broken[4].id);
        }
      assert_still_decidable (fx, broken[i].id, "The evidence cannot be read.");
    }

  g_assert_true (cs_test_wait_for (sync_offline, NULL, 30));
  show_case (fx, broken[4].id);
  assert_evidence_error (fx, &broken[4], &beats);
  assert_still_decidable (fx, broken[4].id, "No evidence to look at today.");
  g_assert_cmpuint (cs_store_get_counts (cs_application_get_store (app)).pending, >=, 1);
  g_assert_cmpuint (g_list_model_get_n_items (cs_window_get_cases (fx->window)), ==, 0);

  g_source_remove (heartbeat);
  for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      g_free (broken[i].id);
      g_free (broken[i].sha);
    }
}

/* Each kind of subject */

static GtkWidget *
find_descendant (GtkWidget  *widget,
                 gboolean  (*match) (GtkWidget *, gconstpointer),
                 gconstpointer data)
{
  if (match (widget, data))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_descendant (child, match, data);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The text view that holds @data as its text (not the rationale field). */
static gboolean
is_text_view_with (GtkWidget     *widget,
                   gconstpointer  data)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  if (!GTK_IS_TEXT_VIEW (widget))
    return FALSE;
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (widget));
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  return g_strcmp0 (text, data) == 0;
}

static gboolean
is_label_with (GtkWidget     *widget,
               gconstpointer  data)
{
  return GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), data) == 0;
}

/* TRUE when a tag with a background covers character @offset. */
static gboolean
highlighted_at (GtkTextBuffer *buffer,
                int            offset)
{
  GtkTextIter iter;
  GSList *tags;
  gboolean highlighted = FALSE;

  gtk_text_buffer_get_iter_at_offset (buffer, &iter, offset);
  tags = gtk_text_iter_get_tags (&iter);
  for (GSList *l = tags; l != NULL; l = l->next)
    {
      gboolean set = FALSE;

      g_object_get (l->data, "background-set", &set, NULL);
      highlighted |= set;
    }
  g_slist_free (tags);
  return highlighted;
}

static gboolean
is_image_grey (guint32 pixel)
{
  int r = (pixel >> 16) & 0xff, g = (pixel >> 8) & 0xff, b = pixel & 0xff;

  return ABS (r - 0x80) <= 6 && ABS (g - 0x80) <= 6 && ABS (b - 0x80) <= 6;
}

/* Some pixel within @radius of view point @x, @y is not the image's grey. */
static gboolean
drawn_over_near (const guint32 *pixels,
                 int            width,
                 int            height,
                 double         x,
                 double         y,
                 int            radius)
{
  for (int dy = -radius; dy <= radius; dy++)
    for (int dx = -radius; dx <= radius; dx++)
      {
        int px = (int) round (x) + dx, py = (int) round (y) + dy;

        if (px >= 0 && py >= 0 && px < width && py < height && !is_image_grey (pixels[py * width + px]))
          return TRUE;
      }
  return FALSE;
}

static void
test_subject_kinds (Fixture       *fx,
                    gconstpointer  data)
{
  const char *text = "Referral: the mole has grown and bled twice this month.";
  g_autoptr(GBytes) png = cs_test_png_bytes (IMAGE_WIDTH, IMAGE_HEIGHT, IMAGE_RGBA);
  g_autoptr(GBytes) pdf = cs_test_letter_pdf (TRUE);
  g_autofree char *png_sha = cs_test_upload (fx->server, fx->model, "image/png", png);
  g_autofree char *pdf_sha = cs_test_upload (fx->server, fx->model, "application/pdf", pdf);
  g_autofree char *image_id = NULL, *text_id = NULL, *fields_id = NULL, *document_id = NULL;
  g_autofree char *subject = NULL;

  image_id = post_asset_case (fx->server, fx->model, "image", "Lesion, left forearm", png_sha, "image/png",
                              g_bytes_get_size (png),
                              "{\"regions\": [{\"x\": 60, \"y\": 40, \"w\": 80, \"h\": 60, \"label\": \"lesion\", \"score\": 0.9}]}");
  /* "grown" is characters 23–27, "bled twice" 33–42. */
  subject = g_strdup_printf ("{\"kind\": \"text\", \"title\": \"Referral note\", \"text\": \"%s\"}", text);
  text_id = post_case (fx->server, fx->model, subject,
                       "{\"spans\": [{\"start\": 23, \"end\": 28, \"weight\": 0.9}, {\"start\": 33, \"end\": 43, \"weight\": 0.4}]}");
  g_clear_pointer (&subject, g_free);
  fields_id = post_case (fx->server, fx->model,
                         "{\"kind\": \"tabular\", \"title\": \"Claim 4711\","
                         " \"fields\": {\"amount\": \"412.50\", \"country\": \"FR\", \"channel\": \"web\"}}",
                         "{\"attributions\": [{\"feature\": \"amount\", \"value\": 0.42},"
                         " {\"feature\": \"country\", \"value\": -0.13}]}");
  document_id = post_asset_case (fx->server, fx->model, "document", "Referral letter", pdf_sha, "application/pdf",
                                 g_bytes_get_size (pdf), NULL);

  open_window (fx, 4);

  /* An image: the tiled view, at its size, with the model's region drawn on it. */
  show_case (fx, image_id);
  g_assert_cmpstr (cs_case_view_get_evidence_page (case_view (fx)), ==, "image");
  {
    CsImageView *image = cs_case_view_get_image_view (case_view (fx));
    g_autofree guint32 *pixels = NULL;
    int width = 0, height = 0;
    double left, top, right, bottom, outside_x, outside_y;

    g_assert_cmpint (cs_image_view_get_state (image), ==, CS_IMAGE_VIEW_STATE_READY);
    cs_image_view_get_image_size (image, &width, &height);
    g_assert_cmpint (width, ==, IMAGE_WIDTH);
    g_assert_cmpint (height, ==, IMAGE_HEIGHT);

    g_assert_true (cs_test_wait_for_frame (GTK_WIDGET (image), 10));

    cs_image_view_image_to_view (image, 60, 40, &left, &top);
    cs_image_view_image_to_view (image, 140, 100, &right, &bottom);
    cs_image_view_image_to_view (image, 20, 130, &outside_x, &outside_y);
    pixels = cs_test_render_pixels (GTK_WIDGET (image), &width, &height);
    /* The image itself, away from the region, is its own grey … */
    g_assert_true (is_image_grey (pixels[(int) outside_y * width + (int) outside_x]));
    /* … and the region's outline is drawn over it on every side. */
    g_assert_true (drawn_over_near (pixels, width, height, left, (top + bottom) / 2, 3));
    g_assert_true (drawn_over_near (pixels, width, height, right, (top + bottom) / 2, 3));
    g_assert_true (drawn_over_near (pixels, width, height, (left + right) / 2, bottom, 3));
    cs_test_save_screenshot (GTK_WIDGET (fx->window), "kind-image");
  }

  /* A text: the spans are tags over their characters, and nothing else is. */
  show_case (fx, text_id);
  g_assert_cmpstr (cs_case_view_get_evidence_page (case_view (fx)), ==, "text");
  {
    GtkWidget *text_view = find_descendant (GTK_WIDGET (case_view (fx)), is_text_view_with, text);
    GtkTextBuffer *buffer;

    g_assert_nonnull (text_view);
    g_assert_false (gtk_widget_is_ancestor (text_view, GTK_WIDGET (cs_case_view_get_decision_panel (case_view (fx)))));
    buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (text_view));
    for (int i = 23; i < 28; i++)
      g_assert_true (highlighted_at (buffer, i));
    for (int i = 33; i < 43; i++)
      g_assert_true (highlighted_at (buffer, i));
    g_assert_false (highlighted_at (buffer, 0));
    g_assert_false (highlighted_at (buffer, 22));
    g_assert_false (highlighted_at (buffer, 28));
    g_assert_false (highlighted_at (buffer, 32));
    g_assert_false (highlighted_at (buffer, 43));
    cs_test_save_screenshot (GTK_WIDGET (fx->window), "kind-text");
  }

  /* A table: the fields the model weighed are marked, the others not. */
  show_case (fx, fields_id);
  g_assert_cmpstr (cs_case_view_get_evidence_page (case_view (fx)), ==, "fields");
  {
    GtkWidget *amount = find_descendant (GTK_WIDGET (case_view (fx)), is_label_with, "amount");
    GtkWidget *country = find_descendant (GTK_WIDGET (case_view (fx)), is_label_with, "country");
    GtkWidget *channel = find_descendant (GTK_WIDGET (case_view (fx)), is_label_with, "channel");
    GtkWidget *value = find_descendant (GTK_WIDGET (case_view (fx)), is_label_with, "412.50");

    g_assert_nonnull (amount);
    g_assert_nonnull (country);
    g_assert_nonnull (channel);
    g_assert_nonnull (value);
    g_assert_true (gtk_widget_has_css_class (amount, "attributed"));
    g_assert_true (gtk_widget_has_css_class (value, "attributed"));
    g_assert_true (gtk_widget_has_css_class (country, "attributed"));
    g_assert_false (gtk_widget_has_css_class (channel, "attributed"));
    cs_test_save_screenshot (GTK_WIDGET (fx->window), "kind-fields");
  }

  /* A document opens (in whichever page the view draws documents today). */
  show_case (fx, document_id);
  g_test_message ("document page: %s", cs_case_view_get_evidence_page (case_view (fx)));
  g_assert_cmpstr (cs_case_view_get_evidence_page (case_view (fx)), !=, "message");
  g_assert_nonnull (cs_case_view_get_evidence_page (case_view (fx)));
  cs_test_save_screenshot (GTK_WIDGET (fx->window), "kind-document");
}

int
main (int   argc,
      char *argv[])
{
  int status;

  gtk_test_init (&argc, &argv, NULL);
  app = cs_test_application_new ();
  g_test_add ("/evidence/broken", Fixture, NULL, fixture_set_up, test_broken_evidence, fixture_tear_down);
  g_test_add ("/evidence/subject-kinds", Fixture, NULL, fixture_set_up, test_subject_kinds, fixture_tear_down);
  status = g_test_run ();
  g_clear_object (&app);
  return status;
}
