/* cs-sync.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "cs-json.h"
#include "cs-sync.h"

#define PAGE_SIZE 500
#define PREFETCH_PER_CYCLE 200
#define DEFAULT_MAX_ASSET_BYTES (256 * 1024 * 1024)

struct _CsSync
{
  GObject           parent_instance;

  CsStore          *store;
  CsClient         *client;
  char             *asset_dir;
  guint             backlog;
  goffset           max_asset_bytes;
  guint64           asset_cache_bytes;  /* 0: the cache may grow without bound */
  gboolean          trimming;
  gboolean          prefetch;

  CsSyncState       state;
  guint             pending;
  guint             conflicts;
  GDateTime        *last_success;
  char             *last_error;
  char             *reviewer;

  gboolean          started;
  gboolean          running;
  gboolean          again;
  guint             attempt;
  gint64            retry_not_before;   /* monotonic µs: the server's Retry-After, 0 for none */
  guint             timer_id;
  guint             backoff_base_ms;
  guint             backoff_cap_ms;
  guint             poll_ms;
  GCancellable     *cancellable;
  GNetworkMonitor  *monitor;
  gulong            network_handler;
  GRand            *rand;
};

enum {
  PROP_0,
  PROP_STATE,
  PROP_PENDING,
  PROP_CONFLICTS,
  PROP_LAST_SUCCESS,
  PROP_LAST_ERROR,
  PROP_REVIEWER,
  N_PROPS
};

enum {
  CASES_CHANGED,
  ASSET_READY,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CsSync, cs_sync, G_TYPE_OBJECT)

static void schedule (CsSync *self, guint delay_ms);
static void start_trim (CsSync *self);

guint
cs_sync_backoff_ms (guint  attempt,
                    guint  retry_after_s,
                    guint  base_ms,
                    guint  cap_ms,
                    GRand *rand)
{
  guint64 ceiling = MAX (base_ms, 1);
  guint delay;

  for (guint i = 0; i < attempt && ceiling < cap_ms; i++)
    ceiling *= 2;
  ceiling = MIN (ceiling, cap_ms);

  delay = rand ? (guint) g_rand_int_range (rand, 0, (gint32) ceiling + 1)
               : (guint) g_random_int_range (0, (gint32) ceiling + 1);
  if (retry_after_s > 0)
    delay = MAX (delay, MIN ((guint64) retry_after_s * 1000, (guint64) cap_ms));
  return delay;
}

static void
set_state (CsSync      *self,
           CsSyncState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_string (CsSync     *self,
            char      **slot,
            const char *value,
            guint       prop_id)
{
  if (g_strcmp0 (*slot, value) == 0)
    return;
  g_free (*slot);
  *slot = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
set_last_error (CsSync     *self,
                const char *message)
{
  set_string (self, &self->last_error, message, PROP_LAST_ERROR);
}

static void
refresh_counts (CsSync *self)
{
  CsStoreCounts counts = cs_store_get_counts (self->store);

  if (counts.pending != self->pending)
    {
      self->pending = counts.pending;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING]);
    }
  if (counts.conflicts != self->conflicts)
    {
      self->conflicts = counts.conflicts;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONFLICTS]);
    }
}

static void
set_reviewer (CsSync     *self,
              const char *reviewer)
{
  set_string (self, &self->reviewer, reviewer, PROP_REVIEWER);
}

/* The cycle */

typedef struct
{
  char      **queues;
  guint       queue_index;
  GPtrArray  *assets;
  guint       asset_index;
} Cycle;

static void
cycle_free (Cycle *cycle)
{
  g_strfreev (cycle->queues);
  g_clear_pointer (&cycle->assets, g_ptr_array_unref);
  g_free (cycle);
}

static void step_push (GTask *task);
static void step_me (GTask *task);
static void step_claim (GTask *task);
static void step_pull (GTask *task);
static void step_prefetch (GTask *task);

static void
emit_changed (CsSync    *self,
              GPtrArray *ids)
{
  if (ids != NULL && ids->len > 0)
    g_signal_emit (self, signals[CASES_CHANGED], 0, ids);
}

static void
push_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CsSync *self = g_task_get_source_object (task);
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;

  results = cs_client_post_decisions_finish (CS_CLIENT (source), result, &error);
  if (results == NULL)
    {
      /* "Unknown" outcome: the same ids go again later and come back as duplicates. */
      cs_store_outbox_requeue (self->store, NULL);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (!cs_store_outbox_apply_results (self->store, results, &error))
    {
      cs_store_outbox_requeue (self->store, NULL);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  refresh_counts (self);
  step_push (g_steal_pointer (&task));
}

static void
step_push (GTask *task)
{
  CsSync *self = g_task_get_source_object (task);
  g_autoptr(GPtrArray) batch = NULL;
  g_autoptr(GError) error = NULL;

  batch = cs_store_outbox_begin_batch (self->store, CS_CLIENT_MAX_BATCH, &error);
  if (batch == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  if (batch->len == 0)
    {
      step_me (task);
      return;
    }

  cs_client_post_decisions_async (self->client, batch, g_task_get_cancellable (task), push_cb, task);
}

static void
me_cb (GObject      *source,
       GAsyncResult *result,
       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CsSync *self = g_task_get_source_object (task);
  Cycle *cycle = g_task_get_task_data (task);
  g_autoptr(CsReviewer) me = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *stored = NULL;

  me = cs_client_get_me_finish (CS_CLIENT (source), result, &error);
  if (me == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* One store holds one reviewer's work: never mix two people's decisions. */
  stored = cs_store_get_meta (self->store, "reviewer");
  if (stored != NULL && !g_str_equal (stored, me->reviewer))
    {
      g_task_return_new_error (task, CS_ERROR, CS_ERROR_FORBIDDEN,
                               _("This workstation’s data belongs to reviewer %s, but the token signs in as %s"),
                               stored, me->reviewer);
      return;
    }
  if (stored == NULL)
    {
      g_autoptr(JsonNode) detail = cs_json_node_take_object (json_object_new ());

      json_object_set_string_member (json_node_get_object (detail), "reviewer", me->reviewer);
      json_object_set_string_member (json_node_get_object (detail), "server", cs_client_get_base_url (self->client));
      if (!cs_store_set_meta (self->store, "reviewer", me->reviewer, &error) ||
          !cs_store_audit_append (self->store, "sign-in", NULL, detail, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }
  cs_store_set_meta (self->store, "reviewer_name", me->name, NULL);
  set_reviewer (self, me->reviewer);
  set_state (self, CS_SYNC_SYNCING);

  cycle->queues = g_strdupv (me->queues);
  cycle->queue_index = 0;
  step_claim (g_steal_pointer (&task));
}

static void
step_me (GTask *task)
{
  CsSync *self = g_task_get_source_object (task);

  if (self->reviewer == NULL)
    set_state (self, CS_SYNC_SIGNING_IN);
  cs_client_get_me_async (self->client, g_task_get_cancellable (task), me_cb, task);
}

static void
claim_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Cycle *cycle = g_task_get_task_data (task);
  g_autoptr(CsClaim) claim = NULL;
  g_autoptr(GError) error = NULL;

  claim = cs_client_claim_finish (CS_CLIENT (source), result, &error);
  if (claim == NULL)
    {
      /* A queue we may no longer work does not stop the others. */
      if (!g_error_matches (error, CS_ERROR, CS_ERROR_FORBIDDEN) &&
          !g_error_matches (error, CS_ERROR, CS_ERROR_NOT_FOUND))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      g_message ("Claiming from queue %s: %s", cycle->queues[cycle->queue_index], error->message);
    }

  cycle->queue_index++;
  step_claim (g_steal_pointer (&task));
}

static void
step_claim (GTask *task)
{
  CsSync *self = g_task_get_source_object (task);
  Cycle *cycle = g_task_get_task_data (task);

  while (cycle->queues != NULL && cycle->queues[cycle->queue_index] != NULL)
    {
      const char *queue = cycle->queues[cycle->queue_index];
      CsCaseQuery query = { .queue = queue, .trigger = -1, .states = 1u << CS_LOCAL_NEW };
      guint have = cs_store_count_cases (self->store, &query);

      if (have < self->backlog)
        {
          cs_client_claim_async (self->client, queue, MIN (self->backlog - have, 500),
                                 g_task_get_cancellable (task), claim_cb, task);
          return;
        }
      cycle->queue_index++;
    }

  step_pull (task);
}

static void
changes_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CsSync *self = g_task_get_source_object (task);
  g_autoptr(CsChangesPage) page = NULL;
  g_autoptr(GPtrArray) changed = NULL;
  g_autoptr(GError) error = NULL;

  page = cs_client_get_changes_finish (CS_CLIENT (source), result, &error);
  if (page == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  for (guint i = 0; i < page->malformed->len; i++)
    {
      const char *message = g_ptr_array_index (page->malformed, i);
      g_autoptr(JsonNode) detail = cs_json_node_take_object (json_object_new ());

      g_warning ("%s", message);
      json_object_set_string_member (json_node_get_object (detail), "message", message);
      cs_store_audit_append (self->store, "case.malformed", NULL, detail, NULL);
      set_last_error (self, message);
    }

  /* The cursor moves only with its page, in the same transaction. */
  if (!cs_store_apply_changes (self->store, page->cases, self->reviewer, page->cursor, &changed, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  emit_changed (self, changed);

  if (page->more && page->cases->len + page->malformed->len > 0)
    step_pull (g_steal_pointer (&task));
  else
    {
      refresh_counts (self);
      step_prefetch (g_steal_pointer (&task));
    }
}

static void
step_pull (GTask *task)
{
  CsSync *self = g_task_get_source_object (task);
  g_autofree char *cursor = cs_store_get_meta (self->store, "cursor");

  cs_client_get_changes_async (self->client, cursor, PAGE_SIZE, g_task_get_cancellable (task), changes_cb, task);
}

static void
prefetch_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CsSync *self = g_task_get_source_object (task);
  Cycle *cycle = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  const char *sha256 = g_ptr_array_index (cycle->assets, cycle->asset_index);

  path = cs_client_fetch_asset_finish (CS_CLIENT (source), result, &error);
  if (path == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
          g_error_matches (error, CS_ERROR, CS_ERROR_UNAVAILABLE) ||
          g_error_matches (error, CS_ERROR, CS_ERROR_UNAUTHORIZED))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      /* A damaged or refused asset is that case's problem; the view says so. */
      g_warning ("Evidence %s: %s", sha256, error->message);
      set_last_error (self, error->message);
    }
  else
    g_signal_emit (self, signals[ASSET_READY], 0, sha256);

  cycle->asset_index++;
  step_prefetch (g_steal_pointer (&task));
}

static void
step_prefetch (GTask *task)
{
  CsSync *self = g_task_get_source_object (task);
  Cycle *cycle = g_task_get_task_data (task);

  if (!self->prefetch)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  if (cycle->assets == NULL)
    {
      g_autoptr(GError) error = NULL;

      cycle->assets = cs_store_list_wanted_assets (self->store, PREFETCH_PER_CYCLE, &error);
      if (cycle->assets == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          g_object_unref (task);
          return;
        }
    }

  while (cycle->asset_index < cycle->assets->len)
    {
      const char *sha256 = g_ptr_array_index (cycle->assets, cycle->asset_index);
      g_autofree char *path = cs_sync_lookup_asset (self, sha256);

      if (path == NULL)
        {
          cs_client_fetch_asset_async (self->client, sha256, self->asset_dir, self->max_asset_bytes,
                                       g_task_get_cancellable (task), prefetch_cb, task);
          return;
        }
      cycle->asset_index++;
    }

  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

void
cs_sync_run_once_async (CsSync              *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task;
  Cycle *cycle;

  g_return_if_fail (CS_IS_SYNC (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cs_sync_run_once_async);
  cycle = g_new0 (Cycle, 1);
  g_task_set_task_data (task, cycle, (GDestroyNotify) cycle_free);

  step_push (task);
}

gboolean
cs_sync_run_once_finish (CsSync        *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* The loop */

static void
cycle_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  CsSync *self = CS_SYNC (source);
  g_autoptr(GError) error = NULL;

  self->running = FALSE;
  refresh_counts (self);
  if (!g_cancellable_is_cancelled (self->cancellable))
    start_trim (self);

  if (cs_sync_run_once_finish (self, result, &error))
    {
      self->attempt = 0;
      self->retry_not_before = 0;
      g_clear_pointer (&self->last_success, g_date_time_unref);
      self->last_success = g_date_time_new_now_utc ();
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_SUCCESS]);
      set_last_error (self, NULL);
      set_state (self, CS_SYNC_ONLINE);
      if (self->started)
        schedule (self, self->again ? 0 : self->poll_ms);
      self->again = FALSE;
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  set_last_error (self, error->message);

  if (g_error_matches (error, CS_ERROR, CS_ERROR_UNAUTHORIZED))
    {
      /* Retrying a refused token only locks the account: wait for a new one. */
      set_state (self, CS_SYNC_NEEDS_SIGN_IN);
      return;
    }
  if (g_error_matches (error, CS_ERROR, CS_ERROR_FORBIDDEN) ||
      g_error_matches (error, CS_ERROR, CS_ERROR_HTTP) ||
      g_error_matches (error, CS_ERROR, CS_ERROR_STORE) ||
      g_error_matches (error, CS_ERROR, CS_ERROR_DISK_FULL))
    {
      set_state (self, CS_SYNC_STOPPED);
      /* Still try now and then: a policy fix on the server needs no restart here. */
      if (self->started)
        schedule (self, self->backoff_cap_ms);
      return;
    }

  set_state (self, CS_SYNC_OFFLINE);
  if (self->started)
    {
      guint retry_after_s = cs_client_get_retry_after (self->client);
      guint delay = cs_sync_backoff_ms (self->attempt, retry_after_s,
                                        self->backoff_base_ms, self->backoff_cap_ms, self->rand);

      /* Kept apart from the backoff: a wake (a new decision, the network
       * back) skips the backoff, never the wait the server asked for. */
      self->retry_not_before = 0;
      if (retry_after_s > 0)
        self->retry_not_before = g_get_monotonic_time () +
                                 (gint64) MIN ((guint64) retry_after_s * 1000, self->backoff_cap_ms) * 1000;
      self->attempt++;
      schedule (self, delay);
    }
}

static void
run_cycle (CsSync *self)
{
  if (self->running)
    {
      self->again = TRUE;
      return;
    }
  self->running = TRUE;
  self->again = FALSE;
  if (self->state != CS_SYNC_SIGNING_IN)
    set_state (self, CS_SYNC_SYNCING);
  cs_sync_run_once_async (self, self->cancellable, cycle_done_cb, NULL);
}

static gboolean
timer_cb (gpointer user_data)
{
  CsSync *self = user_data;

  self->timer_id = 0;
  run_cycle (self);
  return G_SOURCE_REMOVE;
}

/* What is left of the server's Retry-After, in milliseconds. */
static guint
retry_after_remaining_ms (CsSync *self)
{
  gint64 now = g_get_monotonic_time ();

  if (self->retry_not_before <= now)
    return 0;
  return (guint) ((self->retry_not_before - now + 999) / 1000);
}

static void
schedule (CsSync *self,
          guint   delay_ms)
{
  g_clear_handle_id (&self->timer_id, g_source_remove);
  self->timer_id = g_timeout_add_full (G_PRIORITY_LOW, delay_ms, timer_cb, self, NULL);
}

static void
network_changed_cb (GNetworkMonitor *monitor,
                    gboolean         available,
                    CsSync          *self)
{
  /* Only a hint: the attempt itself decides whether the server is there. */
  if (available && self->started && self->state == CS_SYNC_OFFLINE)
    {
      self->attempt = 0;
      schedule (self, MAX (500, retry_after_remaining_ms (self)));
    }
}

void
cs_sync_start (CsSync *self)
{
  g_return_if_fail (CS_IS_SYNC (self));

  if (self->started)
    return;
  self->started = TRUE;
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  /* Whatever was inflight when we last stopped has an unknown outcome. */
  cs_store_outbox_requeue (self->store, NULL);
  refresh_counts (self);

  self->monitor = g_object_ref (g_network_monitor_get_default ());
  self->network_handler = g_signal_connect_object (self->monitor, "network-changed",
                                                   G_CALLBACK (network_changed_cb), self, 0);
  schedule (self, 0);
}

void
cs_sync_stop (CsSync *self)
{
  g_return_if_fail (CS_IS_SYNC (self));

  self->started = FALSE;
  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  if (self->monitor != NULL)
    g_clear_signal_handler (&self->network_handler, self->monitor);
  g_clear_object (&self->monitor);
}

void
cs_sync_wake (CsSync *self)
{
  g_return_if_fail (CS_IS_SYNC (self));

  refresh_counts (self);
  if (!self->started)
    return;
  if (self->state == CS_SYNC_NEEDS_SIGN_IN)
    return;
  self->attempt = 0;
  if (self->running)
    self->again = TRUE;
  else
    schedule (self, retry_after_remaining_ms (self));
}

/* Assets */

char *
cs_sync_lookup_asset (CsSync     *self,
                      const char *sha256)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (CS_IS_SYNC (self), NULL);

  if (!cs_is_sha256 (sha256))
    return NULL;
  path = g_build_filename (self->asset_dir, sha256, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return NULL;

  /* A use, for the cache trim's least-recently-used order; set by hand
   * because noatime and relatime mounts do not keep it. */
  utimensat (AT_FDCWD, path, (const struct timespec[2]) { { .tv_nsec = UTIME_NOW }, { .tv_nsec = UTIME_OMIT } }, 0);
  return g_steal_pointer (&path);
}

static void
fetch_one_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CsSync *self = g_task_get_source_object (task);
  GError *error = NULL;
  char *path = cs_client_fetch_asset_finish (CS_CLIENT (source), result, &error);

  if (path == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_signal_emit (self, signals[ASSET_READY], 0, g_task_get_task_data (task));
  g_task_return_pointer (task, path, g_free);
}

void
cs_sync_fetch_asset_async (CsSync              *self,
                           const char          *sha256,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;
  char *path;

  g_return_if_fail (CS_IS_SYNC (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cs_sync_fetch_asset_async);
  g_task_set_task_data (task, g_strdup (sha256), g_free);

  if ((path = cs_sync_lookup_asset (self, sha256)) != NULL)
    {
      g_task_return_pointer (task, path, g_free);
      g_object_unref (task);
      return;
    }

  cs_client_fetch_asset_async (self->client, sha256, self->asset_dir, self->max_asset_bytes,
                               cancellable, fetch_one_cb, task);
}

char *
cs_sync_fetch_asset_finish (CsSync        *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* The evidence cache's bound */

typedef struct
{
  char    *sha256;
  guint64  size;
  gint64   used;       /* unix seconds: the later of last access and download */
  gint64   modified;   /* unix seconds: when it was downloaded */
} CacheEntry;

typedef struct
{
  char       *dir;
  guint64     limit;
  GArray     *entries;     /* of CacheEntry */
  guint64     total;
  GHashTable *needed;      /* sha256 → itself */
  gint64      listed_at;   /* unix seconds, when @needed was read */
  guint       removed;
} Trim;

static void
cache_entry_clear (CacheEntry *entry)
{
  g_free (entry->sha256);
}

static void
trim_free (Trim *trim)
{
  g_free (trim->dir);
  g_clear_pointer (&trim->entries, g_array_unref);
  g_clear_pointer (&trim->needed, g_hash_table_unref);
  g_free (trim);
}

static gboolean
stat_entry (const char *dir,
            const char *name,
            CacheEntry *entry)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  GStatBuf st;

  if (g_lstat (path, &st) != 0 || !S_ISREG (st.st_mode))
    return FALSE;
  entry->size = (guint64) st.st_size;
  entry->modified = st.st_mtime;
  entry->used = MAX (st.st_atime, st.st_mtime);
  return TRUE;
}

/* In a worker: the size of the cache and its blobs (downloads in progress
 * are dot-files and are not counted). */
static void
scan_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Trim *trim = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open (trim->dir, 0, &error);
  const char *name;

  if (dir == NULL)
    {
      /* Nothing downloaded yet: nothing to trim. */
      if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      CacheEntry entry = { 0 };

      if (!cs_is_sha256 (name) || !stat_entry (trim->dir, name, &entry))
        continue;
      entry.sha256 = g_strdup (name);
      g_array_append_val (trim->entries, entry);
      trim->total += entry.size;
    }
  g_task_return_boolean (task, TRUE);
}

static int
compare_used (gconstpointer a,
              gconstpointer b)
{
  const CacheEntry *x = a, *y = b;

  if (x->used != y->used)
    return x->used < y->used ? -1 : 1;
  return strcmp (x->sha256, y->sha256);
}

/* In a worker: removes the least recently used blobs no case still needs
 * until the cache fits. A blob downloaded or used since the scan stays. */
static void
evict_in_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  Trim *trim = task_data;

  g_array_sort (trim->entries, compare_used);
  for (guint i = 0; i < trim->entries->len && trim->total > trim->limit; i++)
    {
      CacheEntry *entry = &g_array_index (trim->entries, CacheEntry, i);
      CacheEntry now = { 0 };
      g_autofree char *path = NULL;

      if (g_task_return_error_if_cancelled (task))
        return;
      if (g_hash_table_contains (trim->needed, entry->sha256) || entry->modified >= trim->listed_at - 1)
        continue;
      if (!stat_entry (trim->dir, entry->sha256, &now))
        {
          trim->total -= MIN (entry->size, trim->total);   /* gone already */
          continue;
        }
      if (now.used > entry->used)
        continue;

      path = g_build_filename (trim->dir, entry->sha256, NULL);
      if (g_unlink (path) != 0)
        {
          int saved = errno;
          g_message ("Evidence cache: could not remove %s: %s", path, g_strerror (saved));
          continue;
        }
      trim->total -= MIN (entry->size, trim->total);
      trim->removed++;
    }
  g_task_return_boolean (task, TRUE);
}

static void
evicted_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Trim *trim = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_task_return_error (task, error);
  else
    g_task_return_int (task, trim->removed);
}

static void
scanned_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CsSync *self = g_task_get_source_object (task);
  Trim *trim = g_task_get_task_data (task);
  g_autoptr(GPtrArray) needed = NULL;
  GError *error = NULL;
  GCancellable *cancellable;
  GTask *evict;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (trim->total <= trim->limit)
    {
      g_task_return_int (task, 0);
      return;
    }

  /* The store is read here, on its own thread; only the files are touched in
   * the worker. */
  trim->listed_at = g_get_real_time () / G_USEC_PER_SEC;
  needed = cs_store_list_needed_assets (self->store, &error);
  if (needed == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  for (guint i = 0; i < needed->len; i++)
    {
      char *sha256 = g_strdup (g_ptr_array_index (needed, i));
      g_hash_table_add (trim->needed, sha256);
    }

  cancellable = g_task_get_cancellable (task);
  evict = g_task_new (self, cancellable, evicted_cb, g_steal_pointer (&task));
  g_task_set_task_data (evict, trim, NULL);
  g_task_run_in_thread (evict, evict_in_thread);
  g_object_unref (evict);
}

void
cs_sync_trim_assets_async (CsSync              *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;
  GTask *scan;
  Trim *trim;

  g_return_if_fail (CS_IS_SYNC (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cs_sync_trim_assets_async);
  if (self->asset_cache_bytes == 0)
    {
      g_task_return_int (task, 0);
      g_object_unref (task);
      return;
    }

  trim = g_new0 (Trim, 1);
  trim->dir = g_strdup (self->asset_dir);
  trim->limit = self->asset_cache_bytes;
  trim->entries = g_array_new (FALSE, TRUE, sizeof (CacheEntry));
  g_array_set_clear_func (trim->entries, (GDestroyNotify) cache_entry_clear);
  trim->needed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_task_set_task_data (task, trim, (GDestroyNotify) trim_free);

  scan = g_task_new (self, cancellable, scanned_cb, task);
  g_task_set_task_data (scan, trim, NULL);
  g_task_run_in_thread (scan, scan_in_thread);
  g_object_unref (scan);
}

gboolean
cs_sync_trim_assets_finish (CsSync        *self,
                            GAsyncResult  *result,
                            guint         *n_removed,
                            GError       **error)
{
  gssize removed;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  removed = g_task_propagate_int (G_TASK (result), error);
  if (removed < 0)
    return FALSE;
  if (n_removed != NULL)
    *n_removed = (guint) removed;
  return TRUE;
}

static void
trim_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  CsSync *self = CS_SYNC (source);
  g_autoptr(GError) error = NULL;
  guint removed = 0;

  self->trimming = FALSE;
  if (!cs_sync_trim_assets_finish (self, result, &removed, &error))
    {
      /* A cache that cannot shrink costs disk space, never a decision. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message ("Evidence cache %s: %s", self->asset_dir, error->message);
      return;
    }
  if (removed > 0)
    g_debug ("Evidence cache: removed %u files no case needs", removed);
}

static void
start_trim (CsSync *self)
{
  if (self->trimming || self->asset_cache_bytes == 0)
    return;
  self->trimming = TRUE;
  cs_sync_trim_assets_async (self, self->cancellable, trim_done_cb, NULL);
}

/* GObject */

static void
cs_sync_dispose (GObject *object)
{
  CsSync *self = CS_SYNC (object);

  cs_sync_stop (self);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (cs_sync_parent_class)->dispose (object);
}

static void
cs_sync_finalize (GObject *object)
{
  CsSync *self = CS_SYNC (object);

  g_free (self->asset_dir);
  g_clear_pointer (&self->last_success, g_date_time_unref);
  g_free (self->last_error);
  g_free (self->reviewer);
  g_rand_free (self->rand);

  G_OBJECT_CLASS (cs_sync_parent_class)->finalize (object);
}

static void
cs_sync_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  CsSync *self = CS_SYNC (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_PENDING:
      g_value_set_uint (value, self->pending);
      break;
    case PROP_CONFLICTS:
      g_value_set_uint (value, self->conflicts);
      break;
    case PROP_LAST_SUCCESS:
      g_value_set_boxed (value, self->last_success);
      break;
    case PROP_LAST_ERROR:
      g_value_set_string (value, self->last_error);
      break;
    case PROP_REVIEWER:
      g_value_set_string (value, self->reviewer);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_sync_class_init (CsSyncClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cs_sync_dispose;
  object_class->finalize = cs_sync_finalize;
  object_class->get_property = cs_sync_get_property;

  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, CS_SYNC_OFFLINE, CS_SYNC_STOPPED, CS_SYNC_OFFLINE,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_PENDING] =
    g_param_spec_uint ("pending", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_CONFLICTS] =
    g_param_spec_uint ("conflicts", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_LAST_SUCCESS] =
    g_param_spec_boxed ("last-success", NULL, NULL, G_TYPE_DATE_TIME,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_LAST_ERROR] =
    g_param_spec_string ("last-error", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_REVIEWER] =
    g_param_spec_string ("reviewer", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The ids (a GPtrArray of strings) of cases whose stored copy changed. */
  signals[CASES_CHANGED] =
    g_signal_new ("cases-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_PTR_ARRAY);
  signals[ASSET_READY] =
    g_signal_new ("asset-ready", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
cs_sync_init (CsSync *self)
{
  self->backlog = CS_SYNC_DEFAULT_BACKLOG;
  self->max_asset_bytes = DEFAULT_MAX_ASSET_BYTES;
  self->asset_cache_bytes = CS_SYNC_DEFAULT_ASSET_CACHE_BYTES;
  self->prefetch = TRUE;
  self->state = CS_SYNC_OFFLINE;
  self->rand = g_rand_new ();
  self->backoff_base_ms = CS_SYNC_BACKOFF_BASE_MS;
  self->backoff_cap_ms = CS_SYNC_BACKOFF_CAP_MS;
  self->poll_ms = CS_SYNC_POLL_SECONDS * 1000;
}

CsSync *
cs_sync_new (CsStore    *store,
             CsClient   *client,
             const char *asset_dir)
{
  CsSync *self;

  g_return_val_if_fail (CS_IS_STORE (store), NULL);
  g_return_val_if_fail (CS_IS_CLIENT (client), NULL);
  g_return_val_if_fail (asset_dir != NULL, NULL);

  self = g_object_new (CS_TYPE_SYNC, NULL);
  self->store = g_object_ref (store);
  self->client = g_object_ref (client);
  self->asset_dir = g_strdup (asset_dir);
  self->reviewer = cs_store_get_meta (store, "reviewer");
  refresh_counts (self);
  return self;
}

#define SIMPLE_GETTER(type, name, field)       \
  type                                         \
  cs_sync_get_##name (CsSync *self)            \
  {                                            \
    g_return_val_if_fail (CS_IS_SYNC (self), (type) 0); \
    return self->field;                        \
  }

SIMPLE_GETTER (CsStore *, store, store)
SIMPLE_GETTER (CsClient *, client, client)
SIMPLE_GETTER (const char *, asset_dir, asset_dir)
SIMPLE_GETTER (CsSyncState, state, state)
SIMPLE_GETTER (guint, pending, pending)
SIMPLE_GETTER (guint, conflicts, conflicts)
SIMPLE_GETTER (GDateTime *, last_success, last_success)
SIMPLE_GETTER (const char *, last_error, last_error)
SIMPLE_GETTER (const char *, reviewer, reviewer)

void
cs_sync_set_backlog (CsSync *self,
                     guint   backlog)
{
  g_return_if_fail (CS_IS_SYNC (self));
  self->backlog = CLAMP (backlog, 1, 500);
}

guint
cs_sync_get_backlog (CsSync *self)
{
  g_return_val_if_fail (CS_IS_SYNC (self), 0);
  return self->backlog;
}

void
cs_sync_set_asset_cache_bytes (CsSync  *self,
                               guint64  max_bytes)
{
  g_return_if_fail (CS_IS_SYNC (self));
  self->asset_cache_bytes = max_bytes;
}

guint64
cs_sync_get_asset_cache_bytes (CsSync *self)
{
  g_return_val_if_fail (CS_IS_SYNC (self), 0);
  return self->asset_cache_bytes;
}

void
cs_sync_set_max_asset_bytes (CsSync  *self,
                             goffset  max_bytes)
{
  g_return_if_fail (CS_IS_SYNC (self));
  self->max_asset_bytes = max_bytes;
}

void
cs_sync_set_timing (CsSync *self,
                    guint   base_ms,
                    guint   cap_ms,
                    guint   poll_ms)
{
  g_return_if_fail (CS_IS_SYNC (self));
  self->backoff_base_ms = MAX (base_ms, 1);
  self->backoff_cap_ms = MAX (cap_ms, self->backoff_base_ms);
  self->poll_ms = MAX (poll_ms, 100);
}

void
cs_sync_set_prefetch (CsSync   *self,
                      gboolean  prefetch)
{
  g_return_if_fail (CS_IS_SYNC (self));
  self->prefetch = prefetch;
}
