/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define SALDO_DEFAULT_CONFIG_FILE SALDO_SYSCONFDIR "/saldo/saldo.conf"
#define SALDO_DEFAULT_STATE_DIR   SALDO_LOCALSTATEDIR "/lib/saldo"

#define SALDO_TYPE_CONFIG (saldo_config_get_type ())
G_DECLARE_FINAL_TYPE (SaldoConfig, saldo_config, SALDO, CONFIG, GObject)

SaldoConfig *saldo_config_load             (const char   *path,
                                            gboolean      must_exist,
                                            GError      **error);
const char  *saldo_config_get_path         (SaldoConfig  *self);
const char  *saldo_config_get_config_dir   (SaldoConfig  *self);
GKeyFile    *saldo_config_get_keyfile      (SaldoConfig  *self);
const char  *saldo_config_get_state_dir    (SaldoConfig  *self);
void         saldo_config_set_state_dir    (SaldoConfig  *self,
                                            const char   *state_dir);

G_END_DECLS
