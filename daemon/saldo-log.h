/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void  saldo_log_setup       (gboolean     verbose);
char *saldo_redact_iccid    (const char  *iccid);

G_END_DECLS
