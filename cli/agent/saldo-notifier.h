/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  SALDO_URGENCY_LOW = 0,
  SALDO_URGENCY_NORMAL = 1,
  SALDO_URGENCY_CRITICAL = 2,
} SaldoUrgency;

/* One desktop notification, in plain text (the notifier escapes it for
 * servers that read markup). */
typedef struct {
  char *summary;
  char *body;
  /* The body to show instead where the server cannot show actions. */
  char        *body_without_actions;
  const char  *icon;
  SaldoUrgency urgency;
  gint32       timeout_ms; /* -1: the server's default; 0: until answered */
  GStrv        actions;    /* key, label, key, label, ...; may be NULL */
} SaldoNotification;

SaldoNotification *saldo_notification_new (const char *summary, const char *body);
void               saldo_notification_free (SaldoNotification *notification);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaldoNotification, saldo_notification_free)

#define SALDO_TYPE_NOTIFIER (saldo_notifier_get_type ())
G_DECLARE_FINAL_TYPE (SaldoNotifier, saldo_notifier, SALDO, NOTIFIER, GObject)

SaldoNotifier *saldo_notifier_new (GDBusConnection *session, const char *app_name, const char *state_file);
void
            saldo_notifier_show (SaldoNotifier *self, const char *slot, const char *mark, SaldoNotification *notification);
void        saldo_notifier_withdraw (SaldoNotifier *self, const char *slot);
const char *saldo_notifier_get_mark (SaldoNotifier *self, const char *slot);
GStrv       saldo_notifier_dup_slots (SaldoNotifier *self, const char *prefix);

G_END_DECLS
