/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SALDO_ACTION_REFRESH      "io.github.saldo.Saldo1.refresh"
#define SALDO_ACTION_TOP_UP       "io.github.saldo.Saldo1.top-up"
#define SALDO_ACTION_MANAGE_RULES "io.github.saldo.Saldo1.manage-rules"
#define SALDO_ACTION_CONFIGURE    "io.github.saldo.Saldo1.configure"

#define SALDO_TYPE_AUTHORITY (saldo_authority_get_type ())
G_DECLARE_FINAL_TYPE (SaldoAuthority, saldo_authority, SALDO, AUTHORITY, GObject)

SaldoAuthority *saldo_authority_new (guint timeout_ms);
void            saldo_authority_check_async (SaldoAuthority        *self,
                                             GDBusMethodInvocation *invocation,
                                             const char            *action_id,
                                             GAsyncReadyCallback    callback,
                                             gpointer               user_data);
gboolean        saldo_authority_check_finish (SaldoAuthority *self, GAsyncResult *result, GError **error);
/* Every action in turn (a NULL-terminated list of static strings), stopping
 * at the first that is not authorized; finish with check_finish. */
void saldo_authority_check_all_async (SaldoAuthority        *self,
                                      GDBusMethodInvocation *invocation,
                                      const char *const     *action_ids,
                                      GAsyncReadyCallback    callback,
                                      gpointer               user_data);

G_END_DECLS
