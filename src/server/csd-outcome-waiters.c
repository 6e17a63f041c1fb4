/* csd-outcome-waiters.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "csd-outcome-waiters.h"

typedef struct
{
  CsdOutcomeWaiters *owner;
  SoupServerMessage *msg;       /* a ref, so that the request stays while held */
  CsdRequest        *request;   /* lives as @msg's data */
  char              *case_id;
  guint              timeout;
  gulong             disconnected;
} Waiter;

struct _CsdOutcomeWaiters
{
  GObject     parent_instance;

  CsdStorage *storage;
  GHashTable *by_case;   /* case id → GPtrArray of Waiter (not owning) */
  GHashTable *held;      /* SoupServerMessage → Waiter (owning) */
};

G_DEFINE_FINAL_TYPE (CsdOutcomeWaiters, csd_outcome_waiters, G_TYPE_OBJECT)

static void
waiter_free (Waiter *waiter)
{
  g_clear_handle_id (&waiter->timeout, g_source_remove);
  g_clear_signal_handler (&waiter->disconnected, waiter->msg);
  g_object_unref (waiter->msg);
  g_free (waiter->case_id);
  g_free (waiter);
}

/* Takes @waiter out of both tables and frees it; the message is not touched. */
static void
forget (CsdOutcomeWaiters *self,
        Waiter            *waiter)
{
  GPtrArray *list = g_hash_table_lookup (self->by_case, waiter->case_id);

  if (list != NULL)
    {
      g_ptr_array_remove_fast (list, waiter);
      if (list->len == 0)
        g_hash_table_remove (self->by_case, waiter->case_id);
    }
  g_hash_table_remove (self->held, waiter->msg);   /* frees it */
}

static void
answer (CsdOutcomeWaiters *self,
        Waiter            *waiter,
        JsonNode          *outcome)
{
  SoupServerMessage *msg = g_object_ref (waiter->msg);

  if (outcome != NULL)
    csd_request_reply_json (waiter->request, SOUP_STATUS_OK, outcome);
  else
    soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
  forget (self, waiter);
  soup_server_message_unpause (msg);
  g_object_unref (msg);
}

static gboolean
timeout_cb (gpointer user_data)
{
  Waiter *waiter = user_data;

  waiter->timeout = 0;
  answer (waiter->owner, waiter, NULL);
  return G_SOURCE_REMOVE;
}

/* The caller went away: nothing to answer. */
static void
disconnected_cb (SoupServerMessage *msg,
                 Waiter            *waiter)
{
  forget (waiter->owner, waiter);
}

static void
csd_outcome_waiters_finalize (GObject *object)
{
  CsdOutcomeWaiters *self = CSD_OUTCOME_WAITERS (object);

  g_hash_table_unref (self->by_case);
  g_hash_table_unref (self->held);
  g_clear_object (&self->storage);

  G_OBJECT_CLASS (csd_outcome_waiters_parent_class)->finalize (object);
}

static void
csd_outcome_waiters_class_init (CsdOutcomeWaitersClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = csd_outcome_waiters_finalize;
}

static void
csd_outcome_waiters_init (CsdOutcomeWaiters *self)
{
  self->by_case = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_ptr_array_unref);
  self->held = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                      (GDestroyNotify) waiter_free);
}

CsdOutcomeWaiters *
csd_outcome_waiters_new (CsdStorage *storage)
{
  CsdOutcomeWaiters *self = g_object_new (CSD_TYPE_OUTCOME_WAITERS, NULL);

  self->storage = g_object_ref (storage);
  return self;
}

void
csd_outcome_waiters_hold (CsdOutcomeWaiters *self,
                          CsdRequest        *request,
                          const char        *case_id,
                          guint              seconds)
{
  Waiter *waiter = g_new0 (Waiter, 1);
  GPtrArray *list;

  g_return_if_fail (CSD_IS_OUTCOME_WAITERS (self));

  waiter->owner = self;
  waiter->msg = g_object_ref (request->msg);
  waiter->request = request;
  waiter->case_id = g_strdup (case_id);
  waiter->timeout = g_timeout_add_seconds (MIN (seconds, CSD_MAX_OUTCOME_WAIT_SECONDS), timeout_cb, waiter);
  waiter->disconnected = g_signal_connect (waiter->msg, "disconnected", G_CALLBACK (disconnected_cb), waiter);

  list = g_hash_table_lookup (self->by_case, case_id);
  if (list == NULL)
    {
      list = g_ptr_array_new ();
      g_hash_table_insert (self->by_case, g_strdup (case_id), list);
    }
  g_ptr_array_add (list, waiter);
  g_hash_table_insert (self->held, waiter->msg, waiter);

  soup_server_message_pause (request->msg);
}

gboolean
csd_outcome_waiters_holds (CsdOutcomeWaiters *self,
                           SoupServerMessage *msg)
{
  g_return_val_if_fail (CSD_IS_OUTCOME_WAITERS (self), FALSE);
  return g_hash_table_contains (self->held, msg);
}

void
csd_outcome_waiters_notify (CsdOutcomeWaiters *self,
                            const char        *case_id)
{
  g_autoptr(CsdOutcome) outcome = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *list;

  g_return_if_fail (CSD_IS_OUTCOME_WAITERS (self));

  if ((list = g_hash_table_lookup (self->by_case, case_id)) == NULL)
    return;
  outcome = csd_storage_case_outcome (self->storage, case_id, &error);
  if (outcome == NULL)
    {
      /* The waiters keep waiting; their timeout still answers them. */
      if (error != NULL)
        g_warning ("The outcome of case %s could not be read: %s", case_id, error->message);
      return;
    }

  node = csd_outcome_to_json (outcome);
  /* answer() shrinks the list, and drops it with its last waiter. */
  while ((list = g_hash_table_lookup (self->by_case, case_id)) != NULL)
    answer (self, g_ptr_array_index (list, list->len - 1), node);
}

void
csd_outcome_waiters_flush (CsdOutcomeWaiters *self)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (CSD_IS_OUTCOME_WAITERS (self));

  while (g_hash_table_size (self->held) > 0)
    {
      g_hash_table_iter_init (&iter, self->held);
      g_hash_table_iter_next (&iter, NULL, &value);
      answer (self, value, NULL);
    }
}
