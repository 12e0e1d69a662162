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
 * and left out of every export, never sent as 0.  The forecast figures
 * (the runs-out and deactivation dates) and the providers' state and funds
 * are not here yet: they come with the issue that computes them, as new
 * fields below and one row each in the formatters' tables.
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
} SaldoExportLine;

typedef struct {
  gint64     time;    /* when it was taken, unix seconds */
  gint64     started; /* when saldod started */
  gboolean   modem_manager_running;
  gboolean   topups_known; /* FALSE: the ledger could not be read */
  GPtrArray *lines;        /* SaldoExportLine, by line number */
} SaldoExportSnapshot;

SaldoExportLine     *saldo_export_line_new (void);
void                 saldo_export_line_free (SaldoExportLine *line);
SaldoExportSnapshot *saldo_export_snapshot_new (void);
SaldoExportSnapshot *saldo_export_snapshot_ref (SaldoExportSnapshot *snapshot);
void                 saldo_export_snapshot_unref (SaldoExportSnapshot *snapshot);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaldoExportLine, saldo_export_line_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaldoExportSnapshot, saldo_export_snapshot_unref)

/* "0011": the ICCID's last four digits, which name a line in labels and
 * payloads without giving the whole ICCID away. */
char *saldo_export_iccid_suffix (const char *iccid);

G_END_DECLS
