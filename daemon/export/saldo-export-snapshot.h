/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * What saldod exports to the engines others run (Prometheus through a
 * textfile, Home Assistant over MQTT): one immutable, reference-counted
 * picture of every line, taken when something changed.  Sinks only read
 * it, so a sink that cannot publish now (a broker that is down) keeps the
 * latest one and publishes it later.
 *
 * Only facts saldod has are here; a field that is not known is marked so
 * and left out of every export, never sent as 0.
 */

/* Top-up ledger states, in SaldoLedgerState order. */
#define SALDO_EXPORT_N_TOPUP_STATES 9

typedef struct {
  guint   state;    /* SaldoLedgerState */
  char   *currency; /* ISO 4217 */
  guint64 count;    /* top-ups that reached the state */
  gint64  amount;   /* their amounts, minor units */
} SaldoExportTopupTotal;

typedef struct {
  gint64     id; /* the line number */
  char      *iccid;
  char      *operator_code; /* home MCC+MNC, "" unknown */
  char      *operator_name; /* from the network: untrusted text */
  char      *carrier;       /* Saldo's carrier definition, "" none */
  char      *sim_type;
  gboolean   active;  /* a modem presents the SIM */
  gboolean   roaming; /* active and registered abroad */
  gboolean   has_balance;
  gint64     balance;  /* minor units of currency */
  char      *currency; /* "" while no balance was read */
  gint64     expiry;   /* unix seconds, 0 = unknown */
  gboolean   data_known;
  guint64    data_bytes;
  gint64     last_reading; /* last good balance reading, 0 = never */
  gint64     first_seen;
  gint64     refresh_interval; /* effective, s; 0 = no schedule */
  guint64    refresh_failures; /* since saldod started */
  char      *last_error;       /* "" none; untrusted text */
  guint64    topups_reached[SALDO_EXPORT_N_TOPUP_STATES];
  guint      topups_open[SALDO_EXPORT_N_TOPUP_STATES]; /* in that state now */
  GPtrArray *topup_totals;                             /* SaldoExportTopupTotal, by state then currency */
  gint64     topup_unknown_since;                      /* oldest outcome still unknown, 0 = none */
  /* The forecast (SpendPerDay, RunsOutOn, DeactivationOn) */
  gboolean spend_known;     /* only with has_balance: it is in currency */
  gint64   spend_per_day;   /* minor units of currency */
  gint64   runs_out_on;     /* unix seconds, 0 = unknown */
  gint64   deactivation_on; /* unix seconds, 0 = unknown */
} SaldoExportLine;

/* Provider states, the reasons one needs attention and its warnings, as
 * the bus has them (NULL-terminated). */
extern const char *const saldo_export_provider_states[];
extern const char *const saldo_export_attentions[];
extern const char *const saldo_export_provider_warnings[];

typedef struct {
  char  *currency; /* ISO 4217, one the money module knows */
  gint64 amount;   /* minor units */
} SaldoExportAmount;

typedef struct {
  gint64     number; /* N of its object, /io/github/saldo/Saldo1/Provider/N */
  char      *id;     /* providers.d/ID.conf */
  char      *type;
  char      *state;            /* one of saldo_export_provider_states */
  char      *attention;        /* "" unless needs-attention */
  gboolean   funds_known;      /* and its currency is one the money module knows */
  gint64     funds;            /* minor units of funds_currency */
  char      *funds_currency;   /* "" while not known */
  char      *payment_expires;  /* YYYY-MM, "" not given */
  gint64     payment_end;      /* the first second after that month (local time), 0 = none */
  gint64     last_success;     /* unix seconds, 0 = never */
  GStrv      warnings;         /* of saldo_export_provider_warnings, never NULL */
  GPtrArray *spent_this_month; /* SaldoExportAmount, by currency */
} SaldoExportProvider;

typedef struct {
  gint64     time;    /* when it was taken, unix seconds */
  gint64     started; /* when saldod started */
  gboolean   modem_manager_running;
  gboolean   topups_known; /* FALSE: the ledger could not be read */
  GPtrArray *lines;        /* SaldoExportLine, by line number */
  GPtrArray *providers;    /* SaldoExportProvider, by number */
} SaldoExportSnapshot;

SaldoExportLine     *saldo_export_line_new (void);
void                 saldo_export_line_free (SaldoExportLine *line);
SaldoExportProvider *saldo_export_provider_new (void);
void                 saldo_export_provider_free (SaldoExportProvider *provider);
SaldoExportSnapshot *saldo_export_snapshot_new (void);
SaldoExportSnapshot *saldo_export_snapshot_ref (SaldoExportSnapshot *snapshot);
void                 saldo_export_snapshot_unref (SaldoExportSnapshot *snapshot);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaldoExportLine, saldo_export_line_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaldoExportProvider, saldo_export_provider_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaldoExportSnapshot, saldo_export_snapshot_unref)

/* "0011": the ICCID's last four digits, which name a line in labels and
 * payloads without giving the whole ICCID away. */
char *saldo_export_iccid_suffix (const char *iccid);

G_END_DECLS
