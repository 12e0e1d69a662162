/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void  saldo_log_setup (gboolean verbose);
char *saldo_redact_iccid (const char *iccid);
char *saldo_redact_iccid_in (const char *text, const char *iccid);
char *saldo_redact_secret (const char *text, const char *secret);
char *saldo_redact_digits (const char *text, const char *digits, const char *replacement);

G_END_DECLS
