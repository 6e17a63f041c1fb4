/* cs-sign-in-page.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <glib/gi18n.h>

#include "cs-secret.h"
#include "cs-sign-in-page.h"

#define SIGN_IN_TIMEOUT_SECONDS 15

/* One attempt: what was typed, as it goes from the server to the keyring. */
typedef struct
{
  char     *server;     /* normalised */
  char     *token;
  char     *reviewer;
  CsClient *client;
} Attempt;

struct _CsSignInPage
{
  AdwBin           parent_instance;

  CsApplication   *app;
  Attempt         *attempt;
  GCancellable    *cancellable;
  gboolean         busy;
  gboolean         filling;
  gboolean         typed;
  char            *error;

  GtkLabel        *reason_label;
  GtkLabel        *keyring_label;
  AdwEntryRow     *server_row;
  AdwPasswordEntryRow *token_row;
  GtkLabel        *error_label;
  GtkButton       *sign_in_button;
  GtkSpinner      *spinner;
  GtkLabel        *button_label;
};

G_DEFINE_FINAL_TYPE (CsSignInPage, cs_sign_in_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_APPLICATION,
  PROP_BUSY,
  N_PROPS
};

enum {
  SIGNED_IN,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
attempt_free (Attempt *attempt)
{
  g_free (attempt->server);
  cs_secret_token_free (attempt->token);
  g_free (attempt->reviewer);
  g_clear_object (&attempt->client);
  g_free (attempt);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Attempt, attempt_free)

static void
set_error (CsSignInPage *self,
           const char   *message)
{
  g_free (self->error);
  self->error = g_strdup (message);
  gtk_label_set_label (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

/* Busy while the server is asked (this page's attempt) or while the
 * application reads the keyring at start-up. */
static void
update_busy (CsSignInPage *self)
{
  gboolean restoring = self->app != NULL && cs_application_get_restoring (self->app);
  gboolean busy = self->attempt != NULL || restoring;

  gtk_widget_set_sensitive (GTK_WIDGET (self->server_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->token_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->sign_in_button), !busy);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_label_set_text_with_mnemonic (self->button_label,
                                    restoring ? _("Opening the Keyring…")
                                    : busy ? _("Signing In…")
                                    : _("_Sign In"));

  if (self->busy != busy)
    {
      self->busy = busy;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
    }
}

static void
update_keyring_notice (CsSignInPage *self)
{
  const char *problem = self->app ? cs_application_get_keyring_error (self->app) : NULL;
  g_autofree char *text = NULL;

  if (problem != NULL)
    text = g_strdup_printf (_("%s You can still sign in: the token is then kept only until Countersign closes."),
                            problem);
  gtk_label_set_label (self->keyring_label, text ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->keyring_label), text != NULL);
}

/* The reason a sign-in failed, in words that say what to do next. */
static char *
describe_failure (const char   *server,
                  const GError *error)
{
  g_autoptr(GUri) uri = g_uri_parse (server, G_URI_FLAGS_NONE, NULL);
  g_autofree char *where = NULL;

  if (uri != NULL && g_uri_get_port (uri) > 0)
    where = g_strdup_printf ("%s:%d", g_uri_get_host (uri), g_uri_get_port (uri));
  else
    where = g_strdup (uri ? g_uri_get_host (uri) : server);

  if (g_error_matches (error, CS_ERROR, CS_ERROR_UNAUTHORIZED))
    return g_strdup (_("The server did not accept this token. Check that it was copied whole, or ask your administrator for a new one."));
  if (g_error_matches (error, CS_ERROR, CS_ERROR_UNAVAILABLE))
    return g_strdup_printf (_("Cannot reach %s. Check the address and your network connection. (%s)"),
                            where, error->message);
  if (g_error_matches (error, CS_ERROR, CS_ERROR_NOT_FOUND) ||
      g_error_matches (error, CS_ERROR, CS_ERROR_MALFORMED) ||
      g_error_matches (error, CS_ERROR, CS_ERROR_TOO_LARGE))
    return g_strdup_printf (_("%s answered, but not as a Countersign review server does. Check the address. (%s)"),
                            where, error->message);
  return g_strdup (error->message);
}

static void
finish_attempt (CsSignInPage *self,
                const char   *error_message)
{
  g_clear_pointer (&self->attempt, attempt_free);
  set_error (self, error_message);
  update_busy (self);
}

static void
connect_now (CsSignInPage *self,
             const char   *keyring_problem)
{
  g_autoptr(Attempt) attempt = g_steal_pointer (&self->attempt);
  GSettings *settings = cs_application_get_settings (self->app);
  g_autoptr(GError) error = NULL;

  /* Only the address and the reviewer's id: the token never goes to GSettings. */
  if (settings != NULL)
    {
      g_settings_set_string (settings, "server-url", attempt->server);
      g_settings_set_string (settings, "reviewer", attempt->reviewer);
    }

  if (!cs_application_connect (self->app, attempt->server, attempt->token,
                               cs_application_get_data_dir (self->app), &error))
    {
      finish_attempt (self, error->message);
      return;
    }

  /* Signed in: the token leaves the form; the address stays for next time. */
  gtk_editable_set_text (GTK_EDITABLE (self->token_row), "");
  finish_attempt (self, NULL);
  g_signal_emit (self, signals[SIGNED_IN], 0, keyring_problem);
}

static void
stored_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(CsSignInPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!cs_secret_store_finish (result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* No keyring: still signed in for this run, with the token in memory only. */
      g_message ("%s", error->message);
      cs_application_set_keyring_error (self->app, error->message);
      connect_now (self, error->message);
      return;
    }

  cs_application_set_keyring_error (self->app, NULL);
  connect_now (self, NULL);
}

static void
me_cb (GObject      *source,
       GAsyncResult *result,
       gpointer      user_data)
{
  g_autoptr(CsSignInPage) self = user_data;
  g_autoptr(CsReviewer) me = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  me = cs_client_get_me_finish (CS_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (me == NULL)
    {
      message = describe_failure (self->attempt->server, error);
      finish_attempt (self, message);
      return;
    }

  self->attempt->reviewer = g_strdup (me->reviewer);
  cs_secret_store_async (self->attempt->server, self->attempt->token, self->cancellable,
                         stored_cb, g_object_ref (self));
}

/* What the reviewer typed as an address: "review.example.org" means https;
 * "localhost:8080" means http, the only way a server on this computer is
 * reached without TLS. */
static char *
complete_address (const char *typed)
{
  g_autofree char *plain = NULL;

  if (strstr (typed, "://") != NULL)
    return g_strdup (typed);
  plain = g_strconcat ("http://", typed, NULL);
  if (cs_client_is_loopback_url (plain))
    return g_steal_pointer (&plain);
  return g_strconcat ("https://", typed, NULL);
}

void
cs_sign_in_page_sign_in (CsSignInPage *self)
{
  g_autofree char *typed_server = NULL;
  g_autofree char *address = NULL;
  g_autoptr(Attempt) attempt = NULL;
  g_autoptr(GError) error = NULL;
  char *token;

  g_return_if_fail (CS_IS_SIGN_IN_PAGE (self));

  if (self->app == NULL || self->busy)
    return;

  typed_server = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->server_row))));
  token = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->token_row))));
  attempt = g_new0 (Attempt, 1);
  attempt->token = token;

  if (*typed_server == '\0')
    {
      set_error (self, _("Enter the address of your review server, such as https://review.example.org."));
      gtk_widget_grab_focus (GTK_WIDGET (self->server_row));
      return;
    }
  if (*token == '\0')
    {
      set_error (self, _("Enter the access token your administrator gave you."));
      gtk_widget_grab_focus (GTK_WIDGET (self->token_row));
      return;
    }

  address = complete_address (typed_server);
  attempt->server = cs_secret_normalize_server (address);
  if (attempt->server == NULL)
    {
      g_autofree char *message =
        g_strdup_printf (_("“%s” is not a server address; it should look like https://review.example.org"), typed_server);
      set_error (self, message);
      return;
    }

  /* The client refuses plain http off this computer; its words say why. */
  attempt->client = cs_client_new (attempt->server, token, &error);
  if (attempt->client == NULL)
    {
      set_error (self, error->message);
      return;
    }

  /* The reviewer is waiting at the form: a server that does not answer is
   * said so sooner than the sync loop would. */
  cs_client_set_timeout (attempt->client, SIGN_IN_TIMEOUT_SECONDS);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->attempt = g_steal_pointer (&attempt);
  set_error (self, NULL);
  update_busy (self);
  cs_client_get_me_async (self->attempt->client, self->cancellable, me_cb, g_object_ref (self));
}

static void
entry_activated_cb (CsSignInPage *self)
{
  cs_sign_in_page_sign_in (self);
}

static void
server_changed_cb (CsSignInPage *self)
{
  if (!self->filling)
    self->typed = TRUE;
}

void
cs_sign_in_page_set_server_url (CsSignInPage *self,
                                const char   *server_url)
{
  g_return_if_fail (CS_IS_SIGN_IN_PAGE (self));

  if (self->typed || server_url == NULL)
    return;
  self->filling = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->server_row), server_url);
  self->filling = FALSE;
}

void
cs_sign_in_page_set_reason (CsSignInPage *self,
                            const char   *reason)
{
  g_return_if_fail (CS_IS_SIGN_IN_PAGE (self));

  gtk_label_set_label (self->reason_label, reason ? reason : "");
  gtk_widget_set_visible (GTK_WIDGET (self->reason_label), reason != NULL && *reason != '\0');
}

gboolean
cs_sign_in_page_get_busy (CsSignInPage *self)
{
  g_return_val_if_fail (CS_IS_SIGN_IN_PAGE (self), FALSE);
  return self->busy;
}

const char *
cs_sign_in_page_get_error (CsSignInPage *self)
{
  g_return_val_if_fail (CS_IS_SIGN_IN_PAGE (self), NULL);
  return self->error;
}

CsApplication *
cs_sign_in_page_get_application (CsSignInPage *self)
{
  g_return_val_if_fail (CS_IS_SIGN_IN_PAGE (self), NULL);
  return self->app;
}

/* The address to offer: the server last signed in to or asked for. */
static void
prefill (CsSignInPage *self)
{
  GSettings *settings = cs_application_get_settings (self->app);
  const char *current = cs_application_get_server_url (self->app);
  g_autofree char *saved = settings ? g_settings_get_string (settings, "server-url") : NULL;

  if (current != NULL && *current != '\0')
    cs_sign_in_page_set_server_url (self, current);
  else if (saved != NULL && *saved != '\0')
    cs_sign_in_page_set_server_url (self, saved);
}

void
cs_sign_in_page_set_application (CsSignInPage  *self,
                                 CsApplication *app)
{
  g_return_if_fail (CS_IS_SIGN_IN_PAGE (self));
  g_return_if_fail (app == NULL || CS_IS_APPLICATION (app));

  if (self->app == app)
    return;
  if (self->app != NULL)
    g_signal_handlers_disconnect_by_data (self->app, self);
  g_set_object (&self->app, app);
  if (app != NULL)
    {
      g_signal_connect_object (app, "notify::restoring", G_CALLBACK (update_busy), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (app, "notify::keyring-error", G_CALLBACK (update_keyring_notice), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (app, "notify::server-url", G_CALLBACK (prefill), self, G_CONNECT_SWAPPED);
      prefill (self);
    }
  update_busy (self);
  update_keyring_notice (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_APPLICATION]);
}

GtkWidget *
cs_sign_in_page_new (void)
{
  return g_object_new (CS_TYPE_SIGN_IN_PAGE, NULL);
}

static void
cs_sign_in_page_dispose (GObject *object)
{
  CsSignInPage *self = CS_SIGN_IN_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->attempt, attempt_free);
  if (self->app != NULL)
    g_signal_handlers_disconnect_by_data (self->app, self);
  g_clear_object (&self->app);

  G_OBJECT_CLASS (cs_sign_in_page_parent_class)->dispose (object);
}

static void
cs_sign_in_page_finalize (GObject *object)
{
  CsSignInPage *self = CS_SIGN_IN_PAGE (object);

  g_free (self->error);

  G_OBJECT_CLASS (cs_sign_in_page_parent_class)->finalize (object);
}

static void
cs_sign_in_page_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  CsSignInPage *self = CS_SIGN_IN_PAGE (object);

  switch (prop_id)
    {
    case PROP_APPLICATION:
      g_value_set_object (value, self->app);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_sign_in_page_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  CsSignInPage *self = CS_SIGN_IN_PAGE (object);

  switch (prop_id)
    {
    case PROP_APPLICATION:
      cs_sign_in_page_set_application (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_sign_in_page_class_init (CsSignInPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cs_sign_in_page_dispose;
  object_class->finalize = cs_sign_in_page_finalize;
  object_class->get_property = cs_sign_in_page_get_property;
  object_class->set_property = cs_sign_in_page_set_property;

  properties[PROP_APPLICATION] =
    g_param_spec_object ("application", NULL, NULL, CS_TYPE_APPLICATION,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Signed in and connected. The argument is NULL, or why the token could not
   * be kept in the keyring (it is then kept only until Countersign closes). */
  signals[SIGNED_IN] =
    g_signal_new ("signed-in", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, APP_PATH "cs-sign-in-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CsSignInPage, reason_label);
  gtk_widget_class_bind_template_child (widget_class, CsSignInPage, keyring_label);
  gtk_widget_class_bind_template_child (widget_class, CsSignInPage, server_row);
  gtk_widget_class_bind_template_child (widget_class, CsSignInPage, token_row);
  gtk_widget_class_bind_template_child (widget_class, CsSignInPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, CsSignInPage, sign_in_button);
  gtk_widget_class_bind_template_child (widget_class, CsSignInPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, CsSignInPage, button_label);
  gtk_widget_class_bind_template_callback (widget_class, cs_sign_in_page_sign_in);
  gtk_widget_class_bind_template_callback (widget_class, entry_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, server_changed_cb);
}

static void
cs_sign_in_page_init (CsSignInPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}
