/* csd-routing.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "csd-routing.h"

void
csd_route_result_clear (CsdRouteResult *result)
{
  g_clear_pointer (&result->detail, g_free);
}

double
csd_routing_random_default (gpointer user_data)
{
  return g_random_double ();
}

/* Priority = clamp (base + 0.5 × (1 − confidence), 0, 1), where the base is
 * the urgency of the rule: a fairness flag or a compliance keyword may be a
 * harm to someone (0.5), an anomaly is an input the model has not seen (0.4),
 * low confidence is ordinary doubt (0.3), an audit sample is routine (0.0).
 * Within a rule, the less sure the model, the sooner a person looks. A case
 * a reviewer escalates goes back at 1.0 (csd-decision-rules.c). */
double
csd_routing_priority (CsTriggerKind kind,
                      double        confidence)
{
  double base;

  switch (kind)
    {
    case CS_TRIGGER_FAIRNESS:
    case CS_TRIGGER_COMPLIANCE_KEYWORD:
      base = 0.5;
      break;
    case CS_TRIGGER_ANOMALY:
      base = 0.4;
      break;
    case CS_TRIGGER_LOW_CONFIDENCE:
      base = 0.3;
      break;
    case CS_TRIGGER_RANDOM_AUDIT:
      base = 0.0;
      break;
    case CS_TRIGGER_OVERDUE:
    case CS_TRIGGER_OTHER:
    default:
      base = 0.3;
      break;
    }

  if (!isfinite (confidence))
    confidence = 0;
  return CLAMP (base + 0.5 * (1.0 - CLAMP (confidence, 0.0, 1.0)), 0.0, 1.0);
}

static char *
fold (const char *text)
{
  g_autofree char *normal = g_utf8_normalize (text, -1, G_NORMALIZE_ALL_COMPOSE);

  /* Invalid UTF-8 does not normalise: then it cannot hold a keyword either. */
  if (normal == NULL)
    return NULL;
  return g_utf8_casefold (normal, -1);
}

static gboolean
is_word_char (gunichar c)
{
  return g_unichar_isalnum (c) || g_unichar_ismark (c);
}

static gboolean
contains_word (const char *haystack,
               const char *needle)
{
  gsize needle_len = strlen (needle);
  const char *p = haystack;

  while ((p = strstr (p, needle)) != NULL)
    {
      const char *end = p + needle_len;
      gboolean starts = p == haystack ||
                        !is_word_char (g_utf8_get_char (g_utf8_find_prev_char (haystack, p)));
      gboolean ends = *end == '\0' || !is_word_char (g_utf8_get_char (end));

      if (starts && ends)
        return TRUE;
      p = g_utf8_next_char (p);
    }

  return FALSE;
}

const char *
csd_routing_find_keyword (const char * const *keywords,
                          const char         *text)
{
  g_autofree char *folded_text = NULL;

  if (keywords == NULL || text == NULL || *text == '\0')
    return NULL;
  if ((folded_text = fold (text)) == NULL)
    return NULL;

  for (guint i = 0; keywords[i] != NULL; i++)
    {
      g_autofree char *folded = NULL;
      g_autofree char *trimmed = g_strstrip (g_strdup (keywords[i]));

      if (*trimmed == '\0' || (folded = fold (trimmed)) == NULL)
        continue;
      if (contains_word (folded_text, folded))
        return keywords[i];
    }

  return NULL;
}

static void
escalate (CsdRouteResult *out,
          CsTriggerKind   kind,
          double          threshold,
          double          confidence,
          char           *detail)
{
  out->escalated = TRUE;
  out->kind = kind;
  out->threshold = threshold;
  out->detail = detail;
  out->priority = csd_routing_priority (kind, confidence);
}

void
csd_routing_route (const CsRouting       *routing,
                   const CsdRoutingInput *input,
                   CsdRandomFunc          random,
                   gpointer               random_data,
                   CsdRouteResult        *out)
{
  const char *keyword;

  *out = (CsdRouteResult) { .escalated = FALSE, .kind = CS_TRIGGER_OTHER, .threshold = NAN };

  if (input->confidence < routing->confidence_threshold)
    {
      escalate (out, CS_TRIGGER_LOW_CONFIDENCE, routing->confidence_threshold, input->confidence,
                g_strdup_printf ("confidence %.2f below threshold %.2f",
                                 input->confidence, routing->confidence_threshold));
      return;
    }

  if (routing->fairness_threshold >= 0 && input->has_fairness &&
      input->fairness > routing->fairness_threshold)
    {
      escalate (out, CS_TRIGGER_FAIRNESS, routing->fairness_threshold, input->confidence,
                g_strdup_printf ("fairness signal %.2f above threshold %.2f",
                                 input->fairness, routing->fairness_threshold));
      return;
    }

  if (routing->anomaly_threshold >= 0 && input->has_anomaly &&
      input->anomaly > routing->anomaly_threshold)
    {
      escalate (out, CS_TRIGGER_ANOMALY, routing->anomaly_threshold, input->confidence,
                g_strdup_printf ("anomaly signal %.2f above threshold %.2f",
                                 input->anomaly, routing->anomaly_threshold));
      return;
    }

  keyword = csd_routing_find_keyword ((const char * const *) routing->compliance_keywords,
                                      input->subject_text);
  if (keyword != NULL)
    {
      escalate (out, CS_TRIGGER_COMPLIANCE_KEYWORD, NAN, input->confidence,
                g_strdup_printf ("compliance keyword \"%s\" in the subject text", keyword));
      return;
    }
  keyword = csd_routing_find_keyword ((const char * const *) routing->compliance_keywords,
                                      input->summary);
  if (keyword != NULL)
    {
      escalate (out, CS_TRIGGER_COMPLIANCE_KEYWORD, NAN, input->confidence,
                g_strdup_printf ("compliance keyword \"%s\" in the explanation summary", keyword));
      return;
    }

  if (routing->audit_sample_rate > 0 && random != NULL &&
      random (random_data) < routing->audit_sample_rate)
    {
      escalate (out, CS_TRIGGER_RANDOM_AUDIT, NAN, input->confidence,
                g_strdup_printf ("random audit sample at rate %g", routing->audit_sample_rate));
      return;
    }
}
