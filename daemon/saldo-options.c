/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "saldo-error.h"
#include "saldo-options.h"

/* Every key of options must be one of known. */
gboolean
saldo_options_check_keys (GVariant *options, const char *const *known, GError **error)
{
  gsize n = g_variant_n_children (options);

  for (gsize i = 0; i < n; i++) {
    g_autoptr(GVariant) value = NULL;
    const char *key;

    g_variant_get_child (options, i, "{&sv}", &key, &value);
    if (!g_strv_contains (known, key)) {
      g_autofree char *list = g_strjoinv (", ", (char **) known);

      g_set_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT, "%s: unknown option (known: %s)", key,
                   list);
      return FALSE;
    }
  }
  return TRUE;
}

/* *value is the option key of type, a new reference, or NULL when the
 * caller left it out; a value of another type is refused ("key: must be
 * description").  Every reference taken is the caller's to drop: a
 * forgotten one would keep the whole message alive. */
gboolean
saldo_options_lookup (GVariant           *options,
                      const char         *key,
                      const GVariantType *type,
                      const char         *description,
                      GVariant          **value,
                      GError            **error)
{
  g_autoptr(GVariant) found = g_variant_lookup_value (options, key, NULL);

  *value = NULL;
  if (found == NULL)
    return TRUE;
  if (!g_variant_is_of_type (found, type)) {
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT, "%s: must be %s", key, description);
    return FALSE;
  }
  *value = g_steal_pointer (&found);
  return TRUE;
}
