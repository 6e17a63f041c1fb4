/* cs-case-list.h: the queue as a lazy GListModel over the local store.
 *
 * The count and each page of rows come from indexed SQL (sorting and filtering
 * happen there, not in GtkSortListModel/GtkFilterListModel, which would touch
 * every row); rows are read 64 at a time when a view first asks for them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cs-store.h"

G_BEGIN_DECLS

#define CS_TYPE_CASE_ITEM (cs_case_item_get_type ())
G_DECLARE_FINAL_TYPE (CsCaseItem, cs_case_item, CS, CASE_ITEM, GObject)

const char    *cs_case_item_get_id          (CsCaseItem *self);
const char    *cs_case_item_get_title       (CsCaseItem *self);
const char    *cs_case_item_get_queue       (CsCaseItem *self);
CsTriggerKind  cs_case_item_get_trigger     (CsCaseItem *self);
double         cs_case_item_get_confidence  (CsCaseItem *self);
gint64         cs_case_item_get_due_at      (CsCaseItem *self);
CsLocalState   cs_case_item_get_local_state (CsCaseItem *self);
CsSubjectKind  cs_case_item_get_subject_kind (CsCaseItem *self);

#define CS_CASE_LIST_PAGE 64

#define CS_TYPE_CASE_LIST (cs_case_list_get_type ())
G_DECLARE_FINAL_TYPE (CsCaseList, cs_case_list, CS, CASE_LIST, GObject)

CsCaseList  *cs_case_list_new        (CsStore           *store);
/* Copies @query; the list reloads. */
/* A list over @query's view from the start (counted once). */
CsCaseList  *cs_case_list_new_for_query (CsStore        *store,
                                         const CsCaseQuery *query);
void         cs_case_list_set_query  (CsCaseList        *self,
                                      const CsCaseQuery *query);
const CsCaseQuery *cs_case_list_get_query (CsCaseList   *self);
/* Reloads after the store changed (a pulled page, a decision). */
void         cs_case_list_refresh    (CsCaseList        *self);
/* The row at @position has left the view (a decision took it out of "to
 * do"): the rows after it move up one, and only their pages are read again.
 * Returns FALSE, changing nothing, when the store no longer agrees that
 * exactly one row went (something else changed too): refresh instead. */
gboolean     cs_case_list_remove     (CsCaseList        *self,
                                      guint              position);
/* The position of @case_id in the current view, or -1. */
int          cs_case_list_find       (CsCaseList        *self,
                                      const char        *case_id);
/* Pages read from SQL since the list was made (for tests and benchmarks). */
guint        cs_case_list_get_pages_loaded (CsCaseList  *self);

G_END_DECLS
