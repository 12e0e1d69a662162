/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <sys/stat.h>

#include <glib.h>

G_BEGIN_DECLS

/* What saldod reads or runs as root — providers.d files, a command
 * provider's Program= — must be as trusted as saldod itself: owned by root
 * (or saldod's own user) and writable by nobody else.  Failures are
 * SALDO_PROVIDER_ERROR_INVALID_CONFIG naming the file and the fix. */
gboolean saldo_trusted_check_stat (const char *path, const struct stat *st, GError **error);
/* The file and every directory on its way, as written and as resolved:
 * a directory others can write lets them swap the file (sticky
 * directories owned by root, like /tmp, do not). */
gboolean saldo_trusted_check_path (const char *path, GError **error);

G_END_DECLS
