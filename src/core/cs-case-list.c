/* cs-case-list.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-case-list.h"

struct _CsCaseItem
{
  GObject    parent_instance;
  CsCaseRow *row;
};

enum {
  ITEM_PROP_0,
  ITEM_PROP_ID,
  ITEM_PROP_TITLE,
  ITEM_PROP_QUEUE,
  ITEM_PROP_LOCAL_STATE,
  ITEM_N_PROPS
};

static GParamSpec *item_properties[ITEM_N_PROPS];

G_DEFINE_FINAL_TYPE (CsCaseItem, cs_case_item, G_TYPE_OBJECT)

static void
cs_case_item_finalize (GObject *object)
{
  CsCaseItem *self = CS_CASE_ITEM (object);

  cs_case_row_free (self->row);
  G_OBJECT_CLASS (cs_case_item_parent_class)->finalize (object);
}

static void
cs_case_item_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  CsCaseItem *self = CS_CASE_ITEM (object);

  switch (prop_id)
    {
    case ITEM_PROP_ID:
      g_value_set_string (value, self->row->id);
      break;
    case ITEM_PROP_TITLE:
      g_value_set_string (value, self->row->title);
      break;
    case ITEM_PROP_QUEUE:
      g_value_set_string (value, self->row->queue);
      break;
    case ITEM_PROP_LOCAL_STATE:
      g_value_set_int (value, self->row->local_state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_case_item_class_init (CsCaseItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cs_case_item_finalize;
  object_class->get_property = cs_case_item_get_property;

  item_properties[ITEM_PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  item_properties[ITEM_PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  item_properties[ITEM_PROP_QUEUE] =
    g_param_spec_string ("queue", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  item_properties[ITEM_PROP_LOCAL_STATE] =
    g_param_spec_int ("local-state", NULL, NULL, CS_LOCAL_NEW, CS_LOCAL_CLOSED, CS_LOCAL_NEW,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, ITEM_N_PROPS, item_properties);
}

static void
cs_case_item_init (CsCaseItem *self)
{
}

static CsCaseItem *
cs_case_item_new (CsCaseRow *row)
{
  CsCaseItem *self = g_object_new (CS_TYPE_CASE_ITEM, NULL);

  self->row = row;
  return self;
}

const char    *cs_case_item_get_id          (CsCaseItem *self) { return self->row->id; }
const char    *cs_case_item_get_title       (CsCaseItem *self) { return self->row->title; }
const char    *cs_case_item_get_queue       (CsCaseItem *self) { return self->row->queue; }
CsTriggerKind  cs_case_item_get_trigger     (CsCaseItem *self) { return self->row->trigger; }
double         cs_case_item_get_confidence  (CsCaseItem *self) { return self->row->confidence; }
gint64         cs_case_item_get_due_at      (CsCaseItem *self) { return self->row->due_at; }
CsLocalState   cs_case_item_get_local_state (CsCaseItem *self) { return self->row->local_state; }
CsSubjectKind  cs_case_item_get_subject_kind (CsCaseItem *self) { return self->row->subject_kind; }

struct _CsCaseList
{
  GObject      parent_instance;

  CsStore     *store;
  CsCaseQuery  query;
  char        *queue;
  char        *search;
  guint        n_items;
  GHashTable  *pages;      /* page index → GPtrArray of CsCaseItem */
  guint        pages_loaded;
};

static void cs_case_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CsCaseList, cs_case_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, cs_case_list_model_init))

static GType
cs_case_list_get_item_type (GListModel *model)
{
  return CS_TYPE_CASE_ITEM;
}

static guint
cs_case_list_get_n_items (GListModel *model)
{
  return CS_CASE_LIST (model)->n_items;
}

static GPtrArray *
load_page (CsCaseList *self,
           guint       page)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  GPtrArray *items;

  items = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (page));
  if (items != NULL)
    return items;

  rows = cs_store_list_cases (self->store, &self->query, page * CS_CASE_LIST_PAGE, CS_CASE_LIST_PAGE, &error);
  if (rows == NULL)
    {
      g_warning ("Could not read the queue: %s", error->message);
      return NULL;
    }

  items = g_ptr_array_new_full (rows->len, g_object_unref);
  for (guint i = 0; i < rows->len; i++)
    {
      /* The item takes the row over; the array must not free it. */
      CsCaseRow *row = g_ptr_array_index (rows, i);
      g_ptr_array_index (rows, i) = NULL;
      g_ptr_array_add (items, cs_case_item_new (row));
    }
  g_hash_table_insert (self->pages, GUINT_TO_POINTER (page), items);
  self->pages_loaded++;
  return items;
}

static gpointer
cs_case_list_get_item (GListModel *model,
                       guint       position)
{
  CsCaseList *self = CS_CASE_LIST (model);
  GPtrArray *items;
  guint page = position / CS_CASE_LIST_PAGE;
  guint index = position % CS_CASE_LIST_PAGE;

  if (position >= self->n_items)
    return NULL;

  items = load_page (self, page);
  if (items == NULL || index >= items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (items, index));
}

static void
cs_case_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = cs_case_list_get_item_type;
  iface->get_n_items = cs_case_list_get_n_items;
  iface->get_item = cs_case_list_get_item;
}

static void
cs_case_list_finalize (GObject *object)
{
  CsCaseList *self = CS_CASE_LIST (object);

  g_clear_object (&self->store);
  g_free (self->queue);
  g_free (self->search);
  g_hash_table_unref (self->pages);

  G_OBJECT_CLASS (cs_case_list_parent_class)->finalize (object);
}

static void
cs_case_list_class_init (CsCaseListClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cs_case_list_finalize;
}

static void
cs_case_list_init (CsCaseList *self)
{
  self->pages = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
  self->query.sort = CS_SORT_PRIORITY;
  self->query.trigger = -1;
  self->query.states = CS_STATES_TODO;
}

/* The list keeps its own copy of the query's strings. */
static void
take_query (CsCaseList        *self,
            const CsCaseQuery *query)
{
  g_free (self->queue);
  g_free (self->search);
  self->query = *query;
  self->queue = g_strdup (query->queue);
  self->search = g_strdup (query->search);
  self->query.queue = self->queue;
  self->query.search = self->search;
}

CsCaseList *
cs_case_list_new (CsStore *store)
{
  CsCaseList *self = g_object_new (CS_TYPE_CASE_LIST, NULL);

  self->store = g_object_ref (store);
  self->n_items = cs_store_count_cases (store, &self->query);
  return self;
}

CsCaseList *
cs_case_list_new_for_query (CsStore           *store,
                            const CsCaseQuery *query)
{
  CsCaseList *self;

  g_return_val_if_fail (CS_IS_STORE (store), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  self = g_object_new (CS_TYPE_CASE_LIST, NULL);
  self->store = g_object_ref (store);
  take_query (self, query);
  self->n_items = cs_store_count_cases (store, &self->query);
  return self;
}

void
cs_case_list_refresh (CsCaseList *self)
{
  guint old = self->n_items;

  g_return_if_fail (CS_IS_CASE_LIST (self));

  g_hash_table_remove_all (self->pages);
  self->n_items = cs_store_count_cases (self->store, &self->query);
  if (old > 0 || self->n_items > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, old, self->n_items);
}

void
cs_case_list_set_query (CsCaseList        *self,
                        const CsCaseQuery *query)
{
  g_return_if_fail (CS_IS_CASE_LIST (self));

  take_query (self, query);
  cs_case_list_refresh (self);
}

const CsCaseQuery *
cs_case_list_get_query (CsCaseList *self)
{
  g_return_val_if_fail (CS_IS_CASE_LIST (self), NULL);
  return &self->query;
}

gboolean
cs_case_list_remove (CsCaseList *self,
                     guint       position)
{
  GHashTableIter iter;
  gpointer key;

  g_return_val_if_fail (CS_IS_CASE_LIST (self), FALSE);

  if (position >= self->n_items || cs_store_count_cases (self->store, &self->query) != self->n_items - 1)
    return FALSE;

  g_hash_table_iter_init (&iter, self->pages);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (GPOINTER_TO_UINT (key) >= position / CS_CASE_LIST_PAGE)
      g_hash_table_iter_remove (&iter);
  self->n_items--;
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
  return TRUE;
}

int
cs_case_list_find (CsCaseList *self,
                   const char *case_id)
{
  g_return_val_if_fail (CS_IS_CASE_LIST (self), -1);
  g_return_val_if_fail (case_id != NULL, -1);

  /* In SQL: reading pages up to the case would cost the whole queue. */
  return cs_store_case_position (self->store, &self->query, case_id);
}

guint
cs_case_list_get_pages_loaded (CsCaseList *self)
{
  g_return_val_if_fail (CS_IS_CASE_LIST (self), 0);
  return self->pages_loaded;
}
