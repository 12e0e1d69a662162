/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The daemon's state, shared by its own files (saldo-daemon.c: lines and
 * balances; saldo-daemon-topup.c: rules and top-ups).  Nothing outside the
 * daemon object includes this. */

#include "saldo-authority.h"
#include "saldo-balance-checker.h"
#include "saldo-carrier-db.h"
#include "saldo-config.h"
#include "saldo-daemon.h"
#include "saldo-dbus-generated.h"
#include "saldo-exporter.h"
#include "saldo-ledger.h"
#include "saldo-line.h"
#include "saldo-modem-watcher.h"
#include "saldo-provider-info.h"
#include "saldo-provider-loader.h"
#include "saldo-store.h"
#include "saldo-topup-runner.h"

G_BEGIN_DECLS

/* The daemon object: the only holder of mutable state.  It owns the store,
 * the lines, the ModemManager watcher and the bus objects, and maps what
 * the watcher reports onto lines. */
struct _SaldoDaemon {
  GObject                   parent_instance;
  GDBusConnection          *connection;
  SaldoConfig              *config;
  SaldoStore               *store;
  GDBusObjectManagerServer *object_manager;
  SaldoDBusManager         *manager_iface;
  SaldoModemWatcher        *watcher;
  GHashTable               *lines_by_iccid;    /* iccid → SaldoLine */
  GPtrArray                *lines;             /* SaldoLine, by id */
  GHashTable               *modem_iccid;       /* modem path → iccid it presents */
  GHashTable               *modem_info;        /* modem path → SaldoSimInfo last reported */
  GHashTable               *ussd_clients;      /* modem path → SaldoUssdClient */
  GHashTable               *sms_watchers;      /* modem path → SaldoSmsWatcher */
  GHashTable               *refresh_waiters;   /* SaldoLine → GPtrArray of invocations */
  GHashTable               *last_attempt;      /* SaldoLine → gint64* unix time */
  GHashTable               *euicc_monitors;    /* modem path → SaldoEuiccMonitor */
  GHashTable               *euiccs;            /* key → SaldoEuicc */
  GHashTable               *mbim_pending;      /* modem path → SaldoEuiccMonitor not started */
  SaldoCarrierDb           *carriers;
  SaldoProviderInfo        *provider_info;     /* NULL when not installed or not wanted */
  SaldoLedger              *ledger;
  SaldoTopupRunner         *runner;
  GHashTable               *topups_running;    /* topup id (gint64*) → line */
  guint                     evaluate_id;       /* earliest WAIT to look at again */
  guint                     reconcile_id;
  guint                     expiry_id;         /* the next planned top-up to expire */
  guint                     settle_id;         /* the next unknown top-up the balance may settle */
  SaldoProviderLoader      *provider_loader;
  GPtrArray                *providers;         /* SaldoProvider */
  GPtrArray                *rules;             /* SaldoRuleObject, by id */
  SaldoBalanceChecker      *checker;
  SaldoAuthority           *authority;
  const SaldoDaemonSettings *settings;
  guint                     schedule_id;
  gboolean                  serving;           /* owns the bus name: saldo_daemon_start () ran */
  SaldoExporter            *exporter;          /* Prometheus file, MQTT; NULL = none */
};


/* The most one call may ask for (README, "D-Bus API"): entries in a list
 * reply, and its size, far below the system bus's 32 MiB message limit. */
#define SALDO_MAX_REPLY_ENTRIES 1000
#define SALDO_MAX_REPLY_BYTES   (4 * 1024 * 1024)

static inline gint64
saldo_daemon_now (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

typedef struct {
  SaldoDaemon           *self;
  SaldoLine             *line;
  GDBusMethodInvocation *invocation;
  GVariant              *args;
  gpointer               object;    /* the rule, when the call is on one */
} MethodCall;

MethodCall   *saldo_method_call_new          (SaldoDaemon           *self,
                                              SaldoLine             *line,
                                              GDBusMethodInvocation *invocation,
                                              GVariant              *args);
void          saldo_method_call_free         (MethodCall            *call);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MethodCall, saldo_method_call_free)
void          saldo_daemon_return_error      (GDBusMethodInvocation *invocation,
                                              GError                *error);
void          saldo_daemon_return_invalid    (GDBusMethodInvocation *invocation,
                                              const char            *format,
                                              ...) G_GNUC_PRINTF (2, 3);
void          saldo_daemon_authorize         (SaldoDaemon           *self,
                                              GDBusMethodInvocation *invocation,
                                              const char            *action_id,
                                              GAsyncReadyCallback    callback,
                                              MethodCall            *call);
void          saldo_daemon_authorize_all     (SaldoDaemon           *self,
                                              GDBusMethodInvocation *invocation,
                                              const char * const    *action_ids,
                                              GAsyncReadyCallback    callback,
                                              MethodCall            *call);
gboolean      saldo_daemon_check_option_keys (GVariant              *options,
                                              const char * const    *known,
                                              GDBusMethodInvocation *invocation);
gboolean      saldo_daemon_lookup_option     (GVariant              *options,
                                              const char            *key,
                                              const GVariantType    *type,
                                              const char            *description,
                                              GVariant             **value,
                                              GDBusMethodInvocation *invocation);
typedef GVariant *(*SaldoReplyEntry) (SaldoDaemon *self, gconstpointer item);
GVariant     *saldo_daemon_build_reply       (SaldoDaemon           *self,
                                              GPtrArray             *items,
                                              SaldoReplyEntry        convert);
/* mobile-broadband-provider-info's codes for a line whose carrier has no
 * balance code of its own, or NULL (then *why, when asked, says why). */
const SaldoProviderInfoCodes *saldo_daemon_provider_info_for_line (SaldoDaemon  *self,
                                                                   SaldoLine    *line,
                                                                   SaldoCarrier *carrier,
                                                                   char        **why);
SaldoCarrier *saldo_daemon_carrier_for_line  (SaldoDaemon           *self,
                                              SaldoLine             *line);
SaldoLine    *saldo_daemon_line_by_path      (SaldoDaemon           *self,
                                              const char            *path);
SaldoLine    *saldo_daemon_line_by_id        (SaldoDaemon           *self,
                                              gint64                 id);

void          saldo_daemon_refresh_line      (SaldoDaemon           *self,
                                              SaldoLine             *line,
                                              gboolean               allow_roaming,
                                              GDBusMethodInvocation *invocation);

void          saldo_daemon_attach_providers  (SaldoDaemon           *self);

/* saldo-daemon-topup.c */
void          saldo_daemon_topup_init        (SaldoDaemon           *self);
void          saldo_daemon_topup_start       (SaldoDaemon           *self);
void          saldo_daemon_topup_dispose     (SaldoDaemon           *self);
gboolean      saldo_daemon_topup_load_rules  (SaldoDaemon           *self,
                                              GError               **error);
void          saldo_daemon_topup_export      (SaldoDaemon           *self);
void          saldo_daemon_topup_add_line    (SaldoDaemon           *self,
                                              SaldoLine             *line);
/* After every good balance reading of a line. */
void          saldo_daemon_topup_balance_read (SaldoDaemon          *self,
                                               SaldoLine            *line,
                                               const SaldoReading   *reading);

G_END_DECLS
