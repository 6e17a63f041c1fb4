/* cs-heatmap-controls.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n.h>
#include <math.h>

#include "cs-colour-bar.h"
#include "cs-heatmap-controls.h"

struct _CsHeatmapControls
{
  AdwBin          parent_instance;

  gboolean        heatmap_visible;
  double          heatmap_opacity;
  double          heatmap_threshold;
  gboolean        side_by_side;

  GtkMenuButton  *button;
  GtkPopover     *popover;
  GtkSwitch      *visible_switch;
  GtkLabel       *visible_accel_label;
  GtkBox         *settings_box;
  GtkScale       *opacity_scale;
  GtkAdjustment  *opacity_adjustment;
  GtkAdjustment  *threshold_adjustment;
  CsColourBar    *colour_bar;
  GtkSwitch      *side_switch;
  GtkLabel       *side_accel_label;
};

enum {
  PROP_0,
  PROP_HEATMAP_VISIBLE,
  PROP_HEATMAP_OPACITY,
  PROP_HEATMAP_THRESHOLD,
  PROP_SIDE_BY_SIDE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (CsHeatmapControls, cs_heatmap_controls, ADW_TYPE_BIN)

static char *
format_percent (GtkScale *scale,
                double    value,
                gpointer  user_data)
{
  /* Translators: a percentage, such as 50 % */
  return g_strdup_printf (_("%d %%"), (int) round (value * 100));
}

/* The button says whether the heatmap is shown, even with the popover closed. */
static void
update_button (CsHeatmapControls *self)
{
  gtk_menu_button_set_icon_name (self->button, self->heatmap_visible ? "view-reveal-symbolic"
                                                                     : "view-conceal-symbolic");
}

static void
cs_heatmap_controls_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  CsHeatmapControls *self = CS_HEATMAP_CONTROLS (object);

  switch (prop_id)
    {
    case PROP_HEATMAP_VISIBLE:
      g_value_set_boolean (value, self->heatmap_visible);
      break;
    case PROP_HEATMAP_OPACITY:
      g_value_set_double (value, self->heatmap_opacity);
      break;
    case PROP_HEATMAP_THRESHOLD:
      g_value_set_double (value, self->heatmap_threshold);
      break;
    case PROP_SIDE_BY_SIDE:
      g_value_set_boolean (value, self->side_by_side);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_heatmap_controls_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  CsHeatmapControls *self = CS_HEATMAP_CONTROLS (object);

  switch (prop_id)
    {
    case PROP_HEATMAP_VISIBLE:
      cs_heatmap_controls_set_heatmap_visible (self, g_value_get_boolean (value));
      break;
    case PROP_HEATMAP_OPACITY:
      cs_heatmap_controls_set_heatmap_opacity (self, g_value_get_double (value));
      break;
    case PROP_HEATMAP_THRESHOLD:
      cs_heatmap_controls_set_heatmap_threshold (self, g_value_get_double (value));
      break;
    case PROP_SIDE_BY_SIDE:
      cs_heatmap_controls_set_side_by_side (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_heatmap_controls_class_init (CsHeatmapControlsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = cs_heatmap_controls_get_property;
  object_class->set_property = cs_heatmap_controls_set_property;

  properties[PROP_HEATMAP_VISIBLE] =
    g_param_spec_boolean ("heatmap-visible", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HEATMAP_OPACITY] =
    g_param_spec_double ("heatmap-opacity", NULL, NULL, 0, 1, 0.5,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HEATMAP_THRESHOLD] =
    g_param_spec_double ("heatmap-threshold", NULL, NULL, 0, 1, 0.2,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SIDE_BY_SIDE] =
    g_param_spec_boolean ("side-by-side", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (CS_TYPE_COLOUR_BAR);
  gtk_widget_class_set_template_from_resource (widget_class, APP_PATH "cs-heatmap-controls.ui");
  gtk_widget_class_bind_template_child (widget_class, CsHeatmapControls, button);
  gtk_widget_class_bind_template_child (widget_class, CsHeatmapControls, popover);
  gtk_widget_class_bind_template_child (widget_class, CsHeatmapControls, visible_switch);
  gtk_widget_class_bind_template_child (widget_class, CsHeatmapControls, visible_accel_label);
  gtk_widget_class_bind_template_child (widget_class, CsHeatmapControls, settings_box);
  gtk_widget_class_bind_template_child (widget_class, CsHeatmapControls, opacity_scale);
  gtk_widget_class_bind_template_child (widget_class, CsHeatmapControls, opacity_adjustment);
  gtk_widget_class_bind_template_child (widget_class, CsHeatmapControls, threshold_adjustment);
  gtk_widget_class_bind_template_child (widget_class, CsHeatmapControls, colour_bar);
  gtk_widget_class_bind_template_child (widget_class, CsHeatmapControls, side_switch);
  gtk_widget_class_bind_template_child (widget_class, CsHeatmapControls, side_accel_label);

  gtk_widget_class_set_css_name (widget_class, "cs-heatmap-controls");
}

/* The keys, as menus show them: dim text after the item, in the words of
 * the reviewer's keyboard and language. */
static void
set_accel_label (GtkLabel   *label,
                 const char *accelerator)
{
  guint keyval = 0;
  GdkModifierType mods = 0;
  g_autofree char *text = NULL;

  if (!gtk_accelerator_parse (accelerator, &keyval, &mods))
    g_return_if_reached ();
  text = gtk_accelerator_get_label (keyval, mods);
  gtk_label_set_label (label, text);
}

static void
cs_heatmap_controls_init (CsHeatmapControls *self)
{
  const GBindingFlags both = G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE;

  self->heatmap_visible = TRUE;
  self->heatmap_opacity = 0.5;
  self->heatmap_threshold = 0.2;

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_scale_set_format_value_func (self->opacity_scale, format_percent, NULL, NULL);
  /* Bound by the window and the image view (cs-shortcuts.c lists both). */
  set_accel_label (self->visible_accel_label, "h");
  set_accel_label (self->side_accel_label, "<Control><Shift>h");

  /* The widgets show the properties and set them; the properties are what
   * the settings and the image view are bound to. */
  g_object_bind_property (self, "heatmap-visible", self->visible_switch, "active", both);
  g_object_bind_property (self, "heatmap-visible", self->settings_box, "sensitive", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self, "heatmap-opacity", self->opacity_adjustment, "value", both);
  g_object_bind_property (self, "heatmap-threshold", self->threshold_adjustment, "value", both);
  g_object_bind_property (self, "heatmap-threshold", self->colour_bar, "threshold", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self, "side-by-side", self->side_switch, "active", both);
  update_button (self);
}

GtkWidget *
cs_heatmap_controls_new (void)
{
  return g_object_new (CS_TYPE_HEATMAP_CONTROLS, NULL);
}

gboolean
cs_heatmap_controls_get_heatmap_visible (CsHeatmapControls *self)
{
  g_return_val_if_fail (CS_IS_HEATMAP_CONTROLS (self), FALSE);
  return self->heatmap_visible;
}

void
cs_heatmap_controls_set_heatmap_visible (CsHeatmapControls *self,
                                         gboolean           visible)
{
  g_return_if_fail (CS_IS_HEATMAP_CONTROLS (self));

  if (self->heatmap_visible == !!visible)
    return;
  self->heatmap_visible = !!visible;
  update_button (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HEATMAP_VISIBLE]);
}

double
cs_heatmap_controls_get_heatmap_opacity (CsHeatmapControls *self)
{
  g_return_val_if_fail (CS_IS_HEATMAP_CONTROLS (self), 0);
  return self->heatmap_opacity;
}

void
cs_heatmap_controls_set_heatmap_opacity (CsHeatmapControls *self,
                                         double             opacity)
{
  g_return_if_fail (CS_IS_HEATMAP_CONTROLS (self));

  opacity = CLAMP (opacity, 0, 1);
  if (self->heatmap_opacity == opacity)
    return;
  self->heatmap_opacity = opacity;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HEATMAP_OPACITY]);
}

double
cs_heatmap_controls_get_heatmap_threshold (CsHeatmapControls *self)
{
  g_return_val_if_fail (CS_IS_HEATMAP_CONTROLS (self), 0);
  return self->heatmap_threshold;
}

void
cs_heatmap_controls_set_heatmap_threshold (CsHeatmapControls *self,
                                           double             threshold)
{
  g_return_if_fail (CS_IS_HEATMAP_CONTROLS (self));

  threshold = CLAMP (threshold, 0, 1);
  if (self->heatmap_threshold == threshold)
    return;
  self->heatmap_threshold = threshold;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HEATMAP_THRESHOLD]);
}

gboolean
cs_heatmap_controls_get_side_by_side (CsHeatmapControls *self)
{
  g_return_val_if_fail (CS_IS_HEATMAP_CONTROLS (self), FALSE);
  return self->side_by_side;
}

void
cs_heatmap_controls_set_side_by_side (CsHeatmapControls *self,
                                      gboolean           side_by_side)
{
  g_return_if_fail (CS_IS_HEATMAP_CONTROLS (self));

  if (self->side_by_side == !!side_by_side)
    return;
  self->side_by_side = !!side_by_side;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIDE_BY_SIDE]);
}

void
cs_heatmap_controls_popup (CsHeatmapControls *self)
{
  g_return_if_fail (CS_IS_HEATMAP_CONTROLS (self));

  gtk_menu_button_popup (self->button);
}

GtkPopover *
cs_heatmap_controls_get_popover (CsHeatmapControls *self)
{
  g_return_val_if_fail (CS_IS_HEATMAP_CONTROLS (self), NULL);
  return self->popover;
}
