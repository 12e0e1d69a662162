/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Checks on the a{sv} arguments bus callers pass.  Pure (no I/O): every
 * value a caller sends is checked here or in the parser of the object it
 * configures, and bad input is SALDO_ERROR_INVALID_ARGUMENT naming the key. */

gboolean saldo_options_check_keys (GVariant *options, const char *const *known, GError **error);
gboolean saldo_options_lookup (GVariant           *options,
                               const char         *key,
                               const GVariantType *type,
                               const char         *description,
                               GVariant          **value,
                               GError            **error);

G_END_DECLS
