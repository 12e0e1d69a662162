/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One saldod per state directory: an exclusive lock on the directory,
 * taken before the database is opened and held until the process exits.
 * Returns the descriptor holding it, or -1 with SALDO_ERROR_BUSY when
 * another process holds it (other failures: SALDO_ERROR_DATABASE). */
int saldo_state_lock_try (const char *state_dir, GError **error);

G_END_DECLS
