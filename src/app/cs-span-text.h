/* cs-span-text.h: a case's text with the model's highlighted spans.
 *
 * Each span is a tag over its characters, its colour's strength following the
 * span's weight; hovering a span tells its label and weight.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Puts @text in @view and tags @spans (of CsSpan; offsets in characters,
 * end exclusive). Spans reaching past the text are clipped; empty ones are
 * left out. Returns how many spans were tagged. */
guint  cs_span_text_show        (GtkTextView *view,
                                 const char  *text,
                                 GPtrArray   *spans);
/* The index in @spans of the strongest span covering character @offset, or -1. */
int    cs_span_text_find        (GPtrArray   *spans,
                                 gint64       offset);
/* "label · weight 0.82", or "weight 0.82" for a span without a label. */
char  *cs_span_text_describe    (GPtrArray   *spans,
                                 guint        index);
/* Background alpha of a span of @weight: 0.15 for the faintest, 0.75 for 1. */
double cs_span_text_alpha       (double       weight);

G_END_DECLS
