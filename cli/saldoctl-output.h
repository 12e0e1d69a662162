/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

void  saldoctl_output_init (void);
char *saldoctl_escape      (const char   *text);
void  saldoctl_print_json  (JsonBuilder  *builder);
int   saldoctl_fail        (gboolean      json,
                           const GError *error);

G_END_DECLS
