/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "saldo-money.h"

G_BEGIN_DECLS

/*
 * Value types of the top-up policy: rules, limits, ledger rows and the
 * string forms that travel over D-Bus.  Everything here is plain data;
 * string members are borrowed (owned by the caller).
 *
 * Money is always an integer number of minor units (céntimos for PEN) in
 * the line's currency; times are unix seconds (0 = unknown / never).
 */

#define SALDO_RULE_ERROR (saldo_rule_error_quark ())
GQuark saldo_rule_error_quark (void);

typedef enum {
  SALDO_RULE_ERROR_INVALID_ARGUMENT,
} SaldoRuleError;

typedef enum {
  SALDO_RULE_KIND_THRESHOLD,  /* "threshold": balance below X → top up */
  SALDO_RULE_KIND_DATA,       /* "data": data left below N bytes → top up */
  SALDO_RULE_KIND_KEEP_ALIVE, /* "keep-alive": N days before expiry/deactivation */
  SALDO_RULE_KIND_SCHEDULE,   /* "schedule": every month on day D */
  SALDO_RULE_KIND_FORECAST,   /* "forecast": would fall below X within N days → top up */
} SaldoRuleKind;

typedef enum {
  SALDO_RULE_MODE_ENABLED,  /* "enabled" */
  SALDO_RULE_MODE_DISABLED, /* "disabled" */
  SALDO_RULE_MODE_CONFIRM,  /* "confirm": ask the owner before spending */
} SaldoRuleMode;

typedef enum {
  SALDO_LEDGER_STATE_PLANNED,   /* decided (e.g. awaiting confirmation), nothing sent */
  SALDO_LEDGER_STATE_INTENT,    /* reference committed, request may be on the wire */
  SALDO_LEDGER_STATE_SENT,      /* request sent, no answer yet */
  SALDO_LEDGER_STATE_SUCCEEDED, /* provider says done */
  SALDO_LEDGER_STATE_FAILED,    /* provider confirmed that nothing was debited */
  SALDO_LEDGER_STATE_UNKNOWN,   /* outcome unknown: must be reconciled, counts as spent */
  SALDO_LEDGER_STATE_VERIFIED,  /* done, and the balance was seen to rise */
  SALDO_LEDGER_STATE_DISPUTED,  /* charged but contested (e.g. balance never rose) */
  SALDO_LEDGER_STATE_EXPIRED,   /* planned, never confirmed in time: nothing sent */
} SaldoLedgerState;

typedef enum {
  SALDO_LIMIT_NONE,
  SALDO_LIMIT_MAX_PER_TOPUP,        /* "max-per-topup" */
  SALDO_LIMIT_MAX_PER_DAY,          /* "max-per-day" (local calendar day) */
  SALDO_LIMIT_MAX_PER_MONTH,        /* "max-per-month" (local calendar month) */
  SALDO_LIMIT_MAX_ATTEMPTS_24H,     /* "max-attempts-24h" (rolling, failures count) */
  SALDO_LIMIT_COOLDOWN,             /* "cooldown" */
  SALDO_LIMIT_GLOBAL_MONTHLY_CAP,   /* "global-monthly-cap" */
  SALDO_LIMIT_CIRCUIT_BREAKER,      /* "circuit-breaker" */
  SALDO_LIMIT_IN_FLIGHT,            /* "in-flight" */
  SALDO_LIMIT_CURRENCY_MISMATCH,    /* "currency-mismatch" */
  SALDO_LIMIT_INVALID_RULE,         /* "invalid-rule" */
  SALDO_LIMIT_CONSECUTIVE_FAILURES, /* "consecutive-failures" (with DISABLE_RULE) */
} SaldoLimit;

/* The largest amount (and cap) Saldo handles, in minor units: far above any
 * real top-up, and low enough that sums of thousands of rows and percentages
 * of it never overflow a gint64.  Anything above is refused, not clamped. */
#define SALDO_AMOUNT_MAX ((gint64) 1000000000000000) /* 10^15 */

/* schedule rules: "last" day of the month */
#define SALDO_RULE_DAY_LAST (-1)

typedef struct {
  gint64        id;       /* > 0; ledger rows refer to it */
  const char   *iccid;    /* the line this rule belongs to */
  const char   *provider; /* top-up provider id */
  SaldoRuleKind kind;
  SaldoRuleMode mode;
  gint64        amount;      /* minor units, > 0 */
  const char   *currency;    /* ISO 4217, must be the line's currency */
  gint64        threshold;   /* threshold, forecast: minor units; data: bytes; > 0 */
  guint         days_before; /* keep-alive: days before, forecast: days ahead; 1..90 */
  gint          day;         /* schedule: 1..28 or SALDO_RULE_DAY_LAST */
  guint         hour;        /* schedule: local hour of day, 0..23 */
  gint64        created;     /* schedule occurrences before this are not owed */
  gint64        rearmed_at;  /* failures and breaker evidence before this are ignored */
} SaldoRule;

typedef struct {
  gint64           rule_id; /* 0 for top-ups not made by a rule */
  const char      *iccid;
  gint64           amount; /* minor units */
  const char      *currency;
  SaldoLedgerState state;
  gint64           created;        /* when the top-up was made: its request left (a
                                * planned row: when it was planned) */
  gint64           finished;       /* 0 while not finished */
  gboolean         provider_fault; /* failed because the provider needed its owner
                                      * (no funds, refused credentials...): not the
                                      * rule's failure */
} SaldoLedgerRow;

/* Per-line limits; a money limit of 0 means "no limit". */
typedef struct {
  gint64 max_per_topup;
  gint64 max_per_day;
  gint64 max_per_month;
  guint  max_attempts_24h; /* 0 = no limit */
  gint64 cooldown;         /* seconds between top-ups of the line */
} SaldoLineLimits;

typedef struct {
  gint64      monthly_cap;           /* across all lines, 0 = no cap */
  const char *currency;              /* currency of monthly_cap; required with a cap */
  gint64      breaker_window;        /* seconds for the balance to rise after a top-up */
  gint64      contradiction_window;  /* readings closer than this are compared */
  guint       contradiction_percent; /* ... and contradict when they differ by more */
  gint64      contradiction_pause;   /* how long a contradiction pauses the rules */
  guint       max_consecutive_failures;
} SaldoGlobalLimits;

#define SALDO_DEFAULT_COOLDOWN                 (5 * 60)
#define SALDO_DEFAULT_BREAKER_WINDOW           (30 * 60)
#define SALDO_DEFAULT_CONTRADICTION_WINDOW     (10 * 60)
#define SALDO_DEFAULT_CONTRADICTION_PERCENT    50
#define SALDO_DEFAULT_CONTRADICTION_PAUSE      (30 * 60)
#define SALDO_DEFAULT_MAX_CONSECUTIVE_FAILURES 3
#define SALDO_DEFAULT_MAX_ATTEMPTS_24H         5

void saldo_line_limits_init_defaults (SaldoLineLimits *limits);
void saldo_global_limits_init_defaults (SaldoGlobalLimits *limits);

gboolean saldo_rule_validate (const SaldoRule *rule, const char *line_currency, GError **error);
gboolean saldo_line_limits_validate (const SaldoLineLimits *limits, GError **error);
gboolean saldo_global_limits_validate (const SaldoGlobalLimits *limits, GError **error);
/* a rule whose amount is above a cap could never fire: refuse it up front */
gboolean saldo_rule_check_limits (const SaldoRule         *rule,
                                  const SaldoLineLimits   *limits,
                                  const SaldoGlobalLimits *global,
                                  GError                 **error);

const char *saldo_rule_kind_to_string (SaldoRuleKind kind);
gboolean    saldo_rule_kind_from_string (const char *str, SaldoRuleKind *kind);
const char *saldo_rule_mode_to_string (SaldoRuleMode mode);
gboolean    saldo_rule_mode_from_string (const char *str, SaldoRuleMode *mode);
const char *saldo_ledger_state_to_string (SaldoLedgerState state);
gboolean    saldo_ledger_state_from_string (const char *str, SaldoLedgerState *state);
const char *saldo_limit_to_string (SaldoLimit limit);
gboolean    saldo_limit_from_string (const char *str, SaldoLimit *limit);
/* "1".."28" or "last" */
gboolean saldo_rule_day_from_string (const char *str, gint *day);
char    *saldo_rule_day_to_string (gint day);

/* rows that may have taken the owner's money (everything but planned,
 * expired and failed) */
gboolean saldo_ledger_state_is_charging (SaldoLedgerState state);
/* rows whose outcome is still open: intent, sent, unknown */
gboolean saldo_ledger_state_is_in_flight (SaldoLedgerState state);
/* rows that were an attempt at the provider (everything but planned and expired) */
gboolean saldo_ledger_state_is_attempt (SaldoLedgerState state);
/* rows whose money is reserved though nothing was sent: planned (awaiting
 * the owner's confirmation) */
gboolean saldo_ledger_state_is_reserved (SaldoLedgerState state);

/* 0 < amount <= SALDO_AMOUNT_MAX */
gboolean saldo_amount_is_valid (gint64 amount);
/* after - before >= percent % of amount, exactly and without overflow for
 * any values (a top-up verified by a rise of the balance) */
gboolean saldo_balance_rose_by (gint64 before, gint64 after, gint64 amount, guint percent);

/* Caps that apply where a line's rules set none (0): per top-up and per
 * day, in the line's currency; 0 = no default. */
typedef struct {
  gint64      max_per_topup;
  gint64      max_per_day;
  const char *currency; /* the defaults apply to lines in this currency */
} SaldoCapDefaults;

/* Fills the per-top-up and per-day caps left at 0 from the first of
 * `defaults` (in order) whose currency is `currency` and which sets that cap.
 * Returns, for each cap, the index of the defaults entry it came from, or -1
 * when it was set already or no entry has it. */
void saldo_line_limits_fill_defaults (SaldoLineLimits        *limits,
                                      const char             *currency,
                                      const SaldoCapDefaults *defaults,
                                      gsize                   n_defaults,
                                      int                    *topup_from,
                                      int                    *day_from);

G_END_DECLS
