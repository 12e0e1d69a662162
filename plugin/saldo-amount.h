/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean saldo_currency_is_valid      (const char  *currency);
guint    saldo_currency_exponent      (const char  *currency);
char    *saldo_amount_to_decimal      (gint64       minor,
                                       const char  *currency);
gboolean saldo_amount_from_decimal    (const char  *text,
                                       const char  *currency,
                                       gint64      *out_minor,
                                       GError     **error);
gboolean saldo_amount_from_double     (double       major,
                                       const char  *currency,
                                       gint64      *out_minor);

G_END_DECLS
