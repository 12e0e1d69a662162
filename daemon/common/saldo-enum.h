/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Enum values and their strings, as glib-mkenums generated them from the
 * enum declarations (the nick: the value's name without the enum's prefix,
 * in lower case with '-', or its nick= annotation).  These strings travel
 * over D-Bus and into the database: renaming a value renames them. */

/* The string of value, or NULL when it is not one of the enum's. */
static inline const char *
saldo_enum_to_string (GType type, gint value)
{
  GEnumClass *klass = g_type_class_ref (type);
  GEnumValue *v = g_enum_get_value (klass, value);

  /* The class of a static type lives as long as the process. */
  g_type_class_unref (klass);
  return v != NULL ? v->value_nick : NULL;
}

static inline gboolean
saldo_enum_from_string (GType type, const char *str, gint *value)
{
  GEnumClass *klass;
  GEnumValue *v;

  if (str == NULL)
    return FALSE;
  klass = g_type_class_ref (type);
  v = g_enum_get_value_by_nick (klass, str);
  g_type_class_unref (klass);
  if (v == NULL)
    return FALSE;
  *value = v->value;
  return TRUE;
}

/* Every string of the enum, in declaration order, joined by separator. */
static inline char *
saldo_enum_list (GType type, const char *separator)
{
  GEnumClass *klass = g_type_class_ref (type);
  GString    *list = g_string_new (NULL);

  for (guint i = 0; i < klass->n_values; i++)
    g_string_append_printf (list, "%s%s", i > 0 ? separator : "", klass->values[i].value_nick);
  g_type_class_unref (klass);
  return g_string_free (list, FALSE);
}

G_END_DECLS
