/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "saldo-notifier.h"

G_BEGIN_DECLS

/* The words of every notification the agent shows, from values already
 * formatted for the user's locale.  No I/O, no D-Bus: what each event says
 * is decided here and tested on its own. */

typedef enum {
  SALDO_TOPUP_ORIGIN_UNKNOWN,
  SALDO_TOPUP_ORIGIN_MANUAL,
  SALDO_TOPUP_ORIGIN_A_RULE,
  SALDO_TOPUP_ORIGIN_A_RULE_WAITS, /* a rule's, failed by its provider: the rule waits for it */
} SaldoTopUpOrigin;

SaldoNotification *saldo_agent_text_low_balance (const char *line, const char *balance, const char *below);
SaldoNotification *
saldo_agent_text_expiry (const char *line, const char *balance, const char *date, guint days_left);
SaldoNotification *
saldo_agent_text_topup_started (const char *line, const char *amount, const char *provider);
SaldoNotification *saldo_agent_text_topup_finished (const char      *line,
                                                    const char      *status,
                                                    const char      *amount,
                                                    const char      *balance_after,
                                                    const char      *error,
                                                    SaldoTopUpOrigin origin);
char              *saldo_agent_text_why_threshold (const char *balance, const char *below);
char              *saldo_agent_text_why_data (const char *data_left, const char *below);
char              *saldo_agent_text_why_keep_alive (const char *expiry_date);
char              *saldo_agent_text_why_schedule (void);
SaldoNotification *saldo_agent_text_confirmation (const char *line,
                                                  const char *id,
                                                  const char *amount,
                                                  const char *provider,
                                                  const char *why,
                                                  const char *problem);
char              *saldo_agent_text_not_authorized (void);
char              *saldo_agent_text_answer_failed (const char *message);
SaldoNotification *saldo_agent_text_rule_disabled (const char *line, gint64 rule_number, const char *reason);

SaldoNotification *saldo_agent_text_deactivation (const char *line, const char *date, guint days_left);
SaldoNotification *
saldo_agent_text_provider_attention (const char *provider, const char *attention, const char *error);
SaldoNotification *
saldo_agent_text_provider_warning (const char *provider, const char *warning, const char *expires);

G_END_DECLS
