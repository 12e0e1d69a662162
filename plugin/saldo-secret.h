/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *saldo_secret_load (const char *provider_id,
                         GKeyFile   *kf,
                         const char *file_key,
                         const char *config_dir,
                         GError    **error);
char *saldo_secret_read_file (const char *path, gboolean check_permissions, GError **error);
void  saldo_secret_free (char *secret);

G_END_DECLS
