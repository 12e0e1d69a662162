/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoLines"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "saldo-balance-checker.h"
#include "saldo-carrier-db.h"
#include "saldo-error.h"
#include "saldo-es10c.h"
#include "saldo-line-manager.h"
#include "saldo-log.h"
#include "saldo-modem.h"
#include "saldo-modem-watcher.h"

/* How far an SMS's own clock may be ahead of ours before it is not
 * believed: service centres and modems drift a little. */
#define SALDO_SMS_CLOCK_SLACK 300

struct _SaldoLineManager {
  GObject                    parent_instance;
  SaldoStore                *store;
  SaldoConfig               *config;
  const SaldoDaemonSettings *settings;
  SaldoModemWatcher         *watcher;
  SaldoCarrierDb            *carriers;
  SaldoProviderInfo         *provider_info; /* NULL when not installed or not wanted */
  SaldoBalanceChecker       *checker;
  GPtrArray                 *lines;          /* SaldoLine, by id */
  GHashTable                *lines_by_iccid; /* iccid → SaldoLine */
  GHashTable                *modems;         /* modem path → SaldoModem */
  GHashTable                *euiccs;         /* key → SaldoEuicc */
  GHashTable                *refreshes;      /* SaldoLine → GPtrArray of GTask waiting */
  GHashTable                *last_attempt;   /* SaldoLine → gint64* unix time */
  guint                      schedule_id;
};

G_DEFINE_TYPE (SaldoLineManager, saldo_line_manager, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_MODEM_MANAGER_RUNNING,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

enum {
  SIGNAL_LINE_ADDED,
  SIGNAL_EUICC_ADDED,
  SIGNAL_BALANCE_READ,
  SIGNAL_SMS_BALANCE,
  SIGNAL_CHECK_FAILED,
  SIGNAL_REGISTRATION,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void saldo_line_manager_reschedule (SaldoLineManager *self);

static gint64
now (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* ---- lines -------------------------------------------------------------- */

GPtrArray *
saldo_line_manager_get_lines (SaldoLineManager *self)
{
  return self->lines;
}

GList *
saldo_line_manager_get_euiccs (SaldoLineManager *self)
{
  return g_hash_table_get_values (self->euiccs);
}

SaldoLine *
saldo_line_manager_lookup_by_path (SaldoLineManager *self, const char *path)
{
  for (guint i = 0; i < self->lines->len; i++)
    if (g_strcmp0 (saldo_line_get_object_path (self->lines->pdata[i]), path) == 0)
      return self->lines->pdata[i];
  return NULL;
}

SaldoLine *
saldo_line_manager_lookup_by_id (SaldoLineManager *self, gint64 id)
{
  for (guint i = 0; i < self->lines->len; i++)
    if (saldo_line_get_id (self->lines->pdata[i]) == id)
      return self->lines->pdata[i];
  return NULL;
}

SaldoLine *
saldo_line_manager_lookup_by_iccid (SaldoLineManager *self, const char *iccid)
{
  return g_hash_table_lookup (self->lines_by_iccid, iccid);
}

static void
saldo_line_manager_add_line (SaldoLineManager *self, SaldoLine *line)
{
  g_hash_table_insert (self->lines_by_iccid, g_strdup (saldo_line_get_iccid (line)), g_object_ref (line));
  g_ptr_array_add (self->lines, g_object_ref (line));
  g_signal_emit (self, signals[SIGNAL_LINE_ADDED], 0, line);
}

static void
saldo_line_manager_save_line (SaldoLineManager *self, SaldoLine *line)
{
  g_autoptr(SaldoLineRecord) record = saldo_line_record_copy (saldo_line_get_record (line));
  g_autoptr(GError) error = NULL;

  if (!saldo_store_save_line (self->store, record, &error))
    g_warning ("line %" G_GINT64_FORMAT ": cannot save: %s", saldo_line_get_id (line), error->message);
}

SaldoLine *
saldo_line_manager_ensure_line (SaldoLineManager *self, const char *iccid, const char *origin)
{
  g_autoptr(SaldoLineRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SaldoLine) line = NULL;
  g_autofree char *redacted = NULL;
  SaldoLine       *existing;
  gint64           time = now ();

  existing = g_hash_table_lookup (self->lines_by_iccid, iccid);
  if (existing != NULL)
    return existing;

  record = saldo_line_record_new ();
  record->iccid = g_strdup (iccid);
  record->first_seen = time;
  record->last_seen = time;
  /* The row must exist before the object does: a line number is only ever
   * handed out by the database, so it survives restarts and is never reused. */
  if (!saldo_store_save_line (self->store, record, &error)) {
    g_warning ("cannot record the new line of %s: %s", origin, error->message);
    return NULL;
  }
  line = saldo_line_new (record);
  redacted = saldo_redact_iccid (iccid);
  g_info ("new line %s for ICCID %s", saldo_line_get_object_path (line), redacted);
  saldo_line_manager_add_line (self, line);
  return line;
}

/* ---- carriers ----------------------------------------------------------- */

SaldoCarrier *
saldo_line_manager_get_carrier (SaldoLineManager *self, SaldoLine *line)
{
  const SaldoLineRecord *record = saldo_line_get_record (line);
  SaldoCarrier *carrier = saldo_carrier_db_lookup (self->carriers, record->operator_code, record->iccid,
                                                   record->operator_name);

  /* The db keeps its carriers; callers get their own reference. */
  return carrier != NULL ? g_object_ref (carrier) : NULL;
}

const SaldoProviderInfoCodes *
saldo_line_manager_get_provider_info (SaldoLineManager *self,
                                      SaldoLine        *line,
                                      SaldoCarrier     *carrier,
                                      char            **why)
{
  const SaldoLineRecord *record = saldo_line_get_record (line);

  if (carrier != NULL && saldo_carrier_get_ussd_codes (carrier)[0] != NULL)
    return NULL;
  if (self->provider_info == NULL) {
    if (why != NULL)
      *why = g_strdup ("mobile-broadband-provider-info is not installed");
    return NULL;
  }
  return saldo_provider_info_lookup (self->provider_info, record->operator_code, record->operator_name, why);
}

/* The country the reply parser reads a line's replies in: its carrier
 * file's, else that of its network in mobile-broadband-provider-info. */
static const char *
line_country (SaldoLineManager *self, SaldoLine *line, SaldoCarrier *carrier)
{
  if (carrier != NULL && !saldo_carrier_is_generic (carrier))
    return saldo_carrier_get_country (carrier);
  if (self->provider_info == NULL)
    return NULL;
  return saldo_provider_info_get_country (self->provider_info, saldo_line_get_record (line)->operator_code);
}

char *
saldo_line_manager_get_currency (SaldoLineManager *self, SaldoLine *line)
{
  const char *read_currency = saldo_line_get_currency (line);
  g_autoptr(SaldoCarrier) carrier = NULL;

  if (read_currency != NULL && *read_currency != '\0')
    return g_strdup (read_currency);
  carrier = saldo_line_manager_get_carrier (self, line);
  if (carrier != NULL && !saldo_carrier_is_generic (carrier))
    return g_strdup (saldo_carrier_get_currency (carrier));
  return NULL;
}

static void
saldo_line_manager_load_provider_info (SaldoLineManager *self)
{
  const char *path = self->settings->provider_info_file;
  g_autoptr(GError) error = NULL;

  if (path == NULL || *path == '\0')
    return;
  self->provider_info = saldo_provider_info_new_from_file (path, &error);
  if (self->provider_info != NULL)
    g_info ("mobile-broadband-provider-info: %u operators from %s",
            saldo_provider_info_get_n_providers (self->provider_info), path);
  else if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    g_info ("mobile-broadband-provider-info is not installed (%s): lines without a carrier file "
            "need their own balance-code",
            path);
  else
    g_warning ("mobile-broadband-provider-info not used: %s", error->message);
}

/* Carrier and BalanceCodeSource follow the line's network and settings. */
static void
saldo_line_manager_sync_carrier (SaldoLineManager *self, SaldoLine *line)
{
  g_autoptr(SaldoCarrier) carrier = saldo_line_manager_get_carrier (self, line);
  const SaldoProviderInfoCodes *info = saldo_line_manager_get_provider_info (self, line, carrier, NULL);
  g_auto(GStrv) menu = NULL;
  const char            *code;
  SaldoBalanceCodeSource source;

  source = saldo_balance_checker_choose_code (saldo_line_get_record (line), carrier, info, &code, &menu);
  saldo_line_set_carrier (line, carrier != NULL ? saldo_carrier_get_id (carrier) : "");
  saldo_line_set_balance_code_source (line, saldo_balance_code_source_to_string (source));
}

/* ---- readings ----------------------------------------------------------- */

static void
saldo_line_manager_record_reading (SaldoLineManager *self,
                                   SaldoLine        *line,
                                   SaldoReading     *reading,
                                   gboolean          apply)
{
  g_autoptr(GError) error = NULL;

  reading->line_id = saldo_line_get_id (line);
  /* The reading is kept even when it cannot be saved: the owner still sees
   * it on the bus, and the failure is logged loudly. */
  if (!saldo_store_add_reading (self->store, reading, &error))
    g_warning ("line %" G_GINT64_FORMAT ": cannot record a reading: %s", saldo_line_get_id (line),
               error->message);
  if (apply)
    saldo_line_apply_reading (line, reading);
}

void
saldo_line_manager_add_network_reading (SaldoLineManager *self, SaldoLine *line, SaldoReading *reading)
{
  saldo_line_manager_record_reading (self, line, reading, TRUE);
  /* A reply that is no balance (a menu, an error) carries its error. */
  if (g_strcmp0 (reading->kind, "balance") == 0)
    g_signal_emit (self, signals[SIGNAL_BALANCE_READ], 0, line, reading);
}

gboolean
saldo_line_manager_list_readings (SaldoLineManager *self,
                                  SaldoLine        *line,
                                  gint64            since,
                                  guint             limit,
                                  GPtrArray       **readings_out,
                                  GError          **error)
{
  return saldo_store_list_readings (self->store, saldo_line_get_id (line), since, limit, readings_out, error);
}

SaldoReading *
saldo_line_manager_last_network_reading (SaldoLineManager *self, SaldoLine *line)
{
  g_autoptr(GError) error = NULL;
  SaldoReading *reading = NULL;

  if (!saldo_store_last_balance_from (self->store, saldo_line_get_id (line), "ussd", &reading, &error))
    g_warning ("line %s: %s", saldo_line_get_object_path (line), error->message);
  return reading;
}

/* ---- balance checks ----------------------------------------------------- */

gint64
saldo_line_manager_get_last_attempt (SaldoLineManager *self, SaldoLine *line)
{
  gint64 *attempt = g_hash_table_lookup (self->last_attempt, line);

  return attempt != NULL ? *attempt : 0;
}

/* The last time the line's balance was asked for or read. */
static gint64
last_check_or_attempt (SaldoLineManager *self, SaldoLine *line)
{
  return MAX (saldo_line_manager_get_last_attempt (self, line), saldo_line_get_last_check (line));
}

static SaldoModem *
modem_of_line (SaldoLineManager *self, SaldoLine *line)
{
  return g_hash_table_lookup (self->modems, saldo_line_get_modem (line));
}

static gboolean
registration_allows (const SaldoSimInfo *info, gboolean allow_roaming, GError **error)
{
  const char *registration = info != NULL ? info->registration : NULL;

  if (g_strcmp0 (registration, "home") == 0)
    return TRUE;
  if (g_strcmp0 (registration, "roaming") == 0) {
    if (allow_roaming)
      return TRUE;
    g_set_error_literal (error, SALDO_ERROR, SALDO_ERROR_ROAMING,
                         "the line is roaming and USSD abroad can cost money; allow it with "
                         "saldoctl line set LINE allow-roaming=true (or the allow-roaming option)");
    return FALSE;
  }
  g_set_error (error, SALDO_ERROR, SALDO_ERROR_MODEM_UNAVAILABLE,
               "the modem is not registered on a network (%s)",
               registration != NULL ? registration : "unknown");
  return FALSE;
}

static const SaldoSimInfo *
line_sim_info (SaldoLineManager *self, SaldoLine *line)
{
  SaldoModem *modem = modem_of_line (self, line);

  return modem != NULL ? saldo_modem_get_sim_info (modem) : NULL;
}

/* Answers everyone waiting for the line's check. */
static void
saldo_line_manager_finish_refresh (SaldoLineManager *self, SaldoLine *line, const GError *error)
{
  g_autoptr(GPtrArray) waiters = NULL;

  g_hash_table_steal_extended (self->refreshes, line, NULL, (gpointer *) &waiters);
  saldo_line_set_refreshing (line, FALSE);
  for (guint i = 0; waiters != NULL && i < waiters->len; i++) {
    GTask *task = waiters->pdata[i];

    if (error == NULL)
      g_task_return_boolean (task, TRUE);
    else
      g_task_return_error (task, g_error_copy (error));
  }
  saldo_line_manager_reschedule (self);
}

typedef struct {
  SaldoLineManager *self;
  SaldoLine        *line;
} CheckContext;

static void
on_check_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CheckContext *ctx = user_data;
  g_autoptr(SaldoLineManager) self = ctx->self;
  g_autoptr(SaldoLine) line = ctx->line;
  g_autoptr(SaldoReading) reading = NULL;
  g_autoptr(GError) error = NULL;

  g_free (ctx);
  saldo_balance_checker_check_finish (SALDO_BALANCE_CHECKER (source), result, &reading, &error);
  if (reading != NULL)
    saldo_line_manager_add_network_reading (self, line, reading);
  else if (error != NULL)
    saldo_line_set_last_error (line, error->message);
  if (error != NULL)
    g_signal_emit (self, signals[SIGNAL_CHECK_FAILED], 0, line);
  if (error != NULL)
    g_info ("line %s: balance check failed: %s", saldo_line_get_object_path (line), error->message);
  else
    g_info ("line %s: balance %s %" G_GINT64_FORMAT " (minor units)", saldo_line_get_object_path (line),
            reading->currency, reading->amount_minor);
  saldo_line_manager_finish_refresh (self, line, error);
}

/* Starts a balance check of line, or joins the one running.  task may be
 * NULL (scheduled checks). */
static void
saldo_line_manager_start_check (SaldoLineManager *self, SaldoLine *line, gboolean allow_roaming, GTask *task)
{
  g_autoptr(SaldoCarrier) carrier = NULL;
  const SaldoProviderInfoCodes *info = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray       *waiters;
  SaldoUssdClient *client = NULL;
  CheckContext    *ctx;
  gint64          *attempt;

  waiters = g_hash_table_lookup (self->refreshes, line);
  if (waiters != NULL) {
    if (task != NULL)
      g_ptr_array_add (waiters, task);
    return;
  }

  if (!saldo_line_get_active (line)) {
    g_set_error_literal (&error, SALDO_ERROR, SALDO_ERROR_MODEM_UNAVAILABLE,
                         "the line's SIM is not in any modem");
  } else if (registration_allows (line_sim_info (self, line),
                                  allow_roaming || saldo_line_get_record (line)->allow_roaming, &error)) {
    SaldoModem *modem = modem_of_line (self, line);

    if (modem == NULL)
      g_set_error (&error, SALDO_ERROR, SALDO_ERROR_MODEM_UNAVAILABLE, "modem %s is gone",
                   saldo_line_get_modem (line));
    else
      client = saldo_modem_get_ussd_client (modem, &error);
    if (client != NULL) {
      carrier = saldo_line_manager_get_carrier (self, line);
      if (carrier == NULL) {
        g_set_error_literal (&error, SALDO_ERROR, SALDO_ERROR_NOT_SUPPORTED,
                             "no carrier definition matches the line, not even the generic one");
      } else {
        g_autofree char *why = NULL;
        g_auto(GStrv) menu = NULL;
        const char *code;

        info = saldo_line_manager_get_provider_info (self, line, carrier, &why);
        if (saldo_balance_checker_choose_code (saldo_line_get_record (line), carrier, info, &code, &menu) ==
            SALDO_BALANCE_CODE_NONE)
          g_set_error (&error, SALDO_ERROR, SALDO_ERROR_NOT_SUPPORTED,
                       "no balance code is known for the line (carrier '%s'%s%s); set one with "
                       "saldoctl line set LINE balance-code=CODE",
                       saldo_carrier_get_id (carrier), why != NULL ? "; " : "", why != NULL ? why : "");
      }
    }
  }
  attempt = g_new (gint64, 1);
  *attempt = now ();
  g_hash_table_insert (self->last_attempt, g_object_ref (line), attempt);

  if (error != NULL) {
    saldo_line_set_last_error (line, error->message);
    g_signal_emit (self, signals[SIGNAL_CHECK_FAILED], 0, line);
    if (task != NULL) {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
    } else {
      g_info ("line %s: scheduled check skipped: %s", saldo_line_get_object_path (line), error->message);
    }
    saldo_line_manager_reschedule (self);
    return;
  }

  waiters = g_ptr_array_new_with_free_func (g_object_unref);
  if (task != NULL)
    g_ptr_array_add (waiters, task);
  g_hash_table_insert (self->refreshes, line, waiters);
  saldo_line_set_refreshing (line, TRUE);
  g_info ("line %s: checking the balance", saldo_line_get_object_path (line));

  ctx = g_new0 (CheckContext, 1);
  ctx->self = g_object_ref (self);
  ctx->line = g_object_ref (line);
  saldo_balance_checker_check_async (self->checker, client, saldo_line_get_record (line), carrier, info,
                                     line_country (self, line, carrier), NULL, on_check_done, ctx);
}

void
saldo_line_manager_refresh_async (SaldoLineManager   *self,
                                  SaldoLine          *line,
                                  gboolean            allow_roaming,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, saldo_line_manager_refresh_async);
  saldo_line_manager_start_check (self, line, allow_roaming, task);
}

gboolean
saldo_line_manager_refresh_finish (SaldoLineManager *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
saldo_line_manager_refresh (SaldoLineManager *self, SaldoLine *line)
{
  saldo_line_manager_start_check (self, line, FALSE, NULL);
}

const char *
saldo_line_manager_refresh_if_stale (SaldoLineManager *self, SaldoLine *line, GError **error)
{
  const SaldoSimInfo *info = line_sim_info (self, line);
  const char         *registration = info != NULL ? info->registration : NULL;
  gint64              interval = saldo_line_get_refresh_interval (line, self->settings->refresh_interval);
  gint64 last_reading = (gint64) MIN (saldo_dbus_line_get_last_updated (saldo_line_get_dbus_line (line)),
                                      (guint64) G_MAXINT64);
  gint64 min_interval = self->settings->registration_refresh_min_interval;

  if (!saldo_line_get_active (line))
    return "inactive";
  if (interval <= 0)
    return "unscheduled";
  if (g_hash_table_contains (self->refreshes, line))
    return "running";
  if (last_reading > 0 && now () - last_reading < interval)
    return "fresh";
  if (now () - last_check_or_attempt (self, line) < min_interval)
    return "rate-limited";
  if (g_strcmp0 (registration, "roaming") == 0 && !saldo_line_get_record (line)->allow_roaming)
    return "roaming";
  if (g_strcmp0 (registration, "home") != 0 && g_strcmp0 (registration, "roaming") != 0)
    return "not-registered";
  g_info ("line %s: the last reading is older than the line's interval; reading it now",
          saldo_line_get_object_path (line));
  saldo_line_manager_start_check (self, line, FALSE, NULL);
  if (g_hash_table_contains (self->refreshes, line))
    return "started";
  /* It could not start; LastError says why, as after a scheduled check. */
  g_set_error (error, SALDO_ERROR, SALDO_ERROR_NOT_SUPPORTED, "%s",
               saldo_dbus_line_get_last_error (saldo_line_get_dbus_line (line)));
  return NULL;
}

/* A per-line offset of up to a tenth of the interval, stable for a given
 * last check, so lines do not all dial at the same second. */
static gint64
schedule_jitter (SaldoLine *line, gint64 last, gint64 interval)
{
  guint32 h = (guint32) (saldo_line_get_id (line) * 2654435761u) ^ (guint32) last;

  return interval >= 10 ? (gint64) (h % (guint32) (interval / 10 + 1)) : 0;
}

static gint64
saldo_line_manager_next_due (SaldoLineManager *self, SaldoLine *line)
{
  gint64 interval = saldo_line_get_refresh_interval (line, self->settings->refresh_interval);
  gint64 last;

  if (interval <= 0 || !saldo_line_get_active (line))
    return G_MAXINT64;
  if (!registration_allows (line_sim_info (self, line), saldo_line_get_record (line)->allow_roaming, NULL))
    return G_MAXINT64;
  last = last_check_or_attempt (self, line);
  return last + interval + schedule_jitter (line, last, interval);
}

static gboolean
on_schedule (gpointer user_data)
{
  SaldoLineManager *self = user_data;
  gint64            time = now ();

  self->schedule_id = 0;
  for (guint i = 0; i < self->lines->len; i++) {
    SaldoLine *line = self->lines->pdata[i];

    if (saldo_line_manager_next_due (self, line) <= time)
      saldo_line_manager_refresh (self, line);
  }
  saldo_line_manager_reschedule (self);
  return G_SOURCE_REMOVE;
}

/* One timer for all lines, armed for the earliest due check: nothing wakes
 * up while nothing is due. */
static void
saldo_line_manager_reschedule (SaldoLineManager *self)
{
  gint64 next = G_MAXINT64;

  g_clear_handle_id (&self->schedule_id, g_source_remove);
  for (guint i = 0; i < self->lines->len; i++) {
    SaldoLine *line = self->lines->pdata[i];

    if (g_hash_table_contains (self->refreshes, line))
      continue;
    next = MIN (next, saldo_line_manager_next_due (self, line));
  }
  if (next == G_MAXINT64)
    return;
  self->schedule_id = g_timeout_add_seconds ((guint) CLAMP (next - now (), 1, G_MAXUINT32 / 1000),
                                             on_schedule, self);
}

/* ---- settings ----------------------------------------------------------- */

gboolean
saldo_line_manager_configure (SaldoLineManager *self, SaldoLine *line, GVariant *settings, GError **error)
{
  g_autoptr(SaldoLineRecord) record = NULL;
  gboolean changed = FALSE;

  if (!saldo_line_update_settings (line, settings, &changed, error))
    return FALSE;
  if (!changed)
    return TRUE;
  record = saldo_line_record_copy (saldo_line_get_record (line));
  if (!saldo_store_save_line (self->store, record, error))
    return FALSE;
  g_info ("line %s: settings changed", saldo_line_get_object_path (line));
  saldo_line_manager_sync_carrier (self, line);
  saldo_line_manager_reschedule (self);
  return TRUE;
}

gboolean
saldo_line_manager_settings_touch_money (SaldoLineManager *self, SaldoLine *line, GVariant *settings)
{
  g_autoptr(SaldoCarrier) carrier = saldo_line_manager_get_carrier (self, line);
  g_autoptr(GVariant) code = g_variant_lookup_value (settings, "balance-code", NULL);
  g_autoptr(GVariant) menu = g_variant_lookup_value (settings, "balance-menu", NULL);
  g_autoptr(GVariant) number = g_variant_lookup_value (settings, "own-number", NULL);

  if (number != NULL)
    return TRUE;
  if (code != NULL) {
    const char *value = g_variant_is_of_type (code, G_VARIANT_TYPE_STRING) ? g_variant_get_string (code, NULL)
                                                                           : NULL;

    if (value == NULL ||
        (*value != '\0' &&
         (carrier == NULL || !g_strv_contains (saldo_carrier_get_ussd_codes (carrier), value))))
      return TRUE;
  }
  if (menu != NULL) {
    const char *value = g_variant_is_of_type (menu, G_VARIANT_TYPE_STRING) ? g_variant_get_string (menu, NULL)
                                                                           : NULL;
    g_autofree char *carrier_menu = carrier != NULL
                                      ? g_strjoinv (";", (char **) saldo_carrier_get_menu_path (carrier))
                                      : NULL;

    if (value == NULL || (*value != '\0' && g_strcmp0 (value, carrier_menu) != 0))
      return TRUE;
  }
  return FALSE;
}

/* ---- SMS ---------------------------------------------------------------- */

/* The message's own time (the service centre's stamp, as ModemManager
 * reports it), or 0 when it has none that can be read. */
static gint64
sms_time (const char *timestamp)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) dt = NULL;

  if (timestamp == NULL || *timestamp == '\0')
    return 0;
  dt = g_date_time_new_from_iso8601 (timestamp, utc);
  return dt != NULL ? g_date_time_to_unix (dt) : 0;
}

static void
on_sms (SaldoModem *modem, const char *sender, const char *text, const char *timestamp, gpointer user_data)
{
  SaldoLineManager *self = user_data;
  const char       *iccid = saldo_modem_get_iccid (modem);
  SaldoLine        *line = iccid != NULL ? g_hash_table_lookup (self->lines_by_iccid, iccid) : NULL;
  g_autoptr(SaldoCarrier) carrier = NULL;
  g_autoptr(SaldoReading) reading = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) extra = NULL;
  const char *history_only = NULL;
  gboolean    listed;
  gint64      time = now ();
  gint64      sent;

  if (line == NULL || sender == NULL || text == NULL)
    return;
  carrier = saldo_line_manager_get_carrier (self, line);
  listed = carrier != NULL && saldo_carrier_matches_sender (carrier, sender);
  extra = g_strsplit (saldo_line_get_record (line)->sms_senders, ";", -1);
  for (guint i = 0; !listed && extra[i] != NULL; i++)
    listed = *g_strstrip (extra[i]) != '\0' && g_ascii_strcasecmp (extra[i], sender) == 0;
  /* Without a carrier file, the numbers mobile-broadband-provider-info
   * says to text for the balance are the ones that answer. */
  if (!listed && carrier != NULL && saldo_carrier_is_generic (carrier)) {
    const SaldoProviderInfoCodes *info = saldo_line_manager_get_provider_info (self, line, carrier, NULL);

    for (guint i = 0; !listed && info != NULL && info->balance_sms_number[i] != NULL; i++)
      listed = strcmp (info->balance_sms_number[i], sender) == 0;
  }
  if (!listed) {
    g_debug ("SMS on %s from a sender not listed for the line; ignored", saldo_modem_get_path (modem));
    return;
  }
  /* The reading is as old as the message, not as old as our noticing it. */
  sent = sms_time (timestamp);
  reading = saldo_balance_checker_parse (carrier, line_country (self, line, carrier), text, "sms",
                                         sent > 0 ? MIN (sent, time) : time, &error);
  if (error != NULL) {
    if (g_strcmp0 (reading->kind, "ambiguous") != 0) {
      /* Not a balance.  Carriers send login and verification codes from the
       * same senders, and the history is free to read for every local user:
       * only that such a message came is kept, never its text. */
      g_free (reading->raw_text);
      reading->raw_text = g_strdup ("");
    }
    /* A carrier's promotion is not a failed check: only balances touch the
     * line, and ambiguous ones, whose LastError says why none was taken. */
    saldo_line_manager_record_reading (self, line, reading, g_strcmp0 (reading->kind, "ambiguous") == 0);
    return;
  }
  if (sent <= 0)
    history_only = "it carries no time of its own";
  else if (sent > time + SALDO_SMS_CLOCK_SLACK)
    history_only = "its time is in the future";
  else if (reading->time < saldo_line_get_last_updated (line))
    history_only = "it is older than the line's last reading";
  saldo_line_manager_record_reading (self, line, reading, history_only == NULL);
  if (history_only != NULL) {
    g_info ("line %s: a balance SMS by %s is kept in the history only: %s", saldo_line_get_object_path (line),
            sender, history_only);
    return;
  }
  g_info ("line %s: balance from an SMS by %s", saldo_line_get_object_path (line), sender);
  g_signal_emit (self, signals[SIGNAL_SMS_BALANCE], 0, line);
  saldo_line_manager_reschedule (self);
}

/* ---- eUICCs ------------------------------------------------------------- */

static const char *
profile_class_name (const SaldoEuiccProfile *profile)
{
  return profile->has_class ? saldo_profile_class_to_string (profile->profile_class) : NULL;
}

static SaldoEuicc *
saldo_line_manager_ensure_euicc (SaldoLineManager *self, const char *key)
{
  g_autoptr(GError) error = NULL;
  SaldoEuicc *euicc = g_hash_table_lookup (self->euiccs, key);
  gint64      id;

  if (euicc != NULL)
    return euicc;
  if (!saldo_store_ensure_euicc (self->store, key, &id, &error)) {
    g_warning ("cannot record an eUICC: %s", error->message);
    return NULL;
  }
  euicc = saldo_euicc_new (id, key);
  g_hash_table_insert (self->euiccs, g_strdup (key), euicc);
  g_info ("eUICC %s", saldo_euicc_get_object_path (euicc));
  g_signal_emit (self, signals[SIGNAL_EUICC_ADDED], 0, euicc);
  return euicc;
}

/* Every profile gets a line — disabled ones too, so the owner can set rules
 * before switching — and the lines follow the ICCID, never the slot. */
static void
on_euicc_report (SaldoModem *modem, const SaldoEuiccReport *report, gpointer user_data)
{
  SaldoLineManager *self = user_data;
  SaldoEuicc       *euicc = saldo_line_manager_ensure_euicc (self, report->key);
  SaldoDBusEuicc   *iface;
  g_autoptr(GPtrArray) paths = NULL;
  g_autoptr(GHashTable) listed = NULL;

  if (euicc == NULL)
    return;
  iface = saldo_euicc_get_dbus_euicc (euicc);
  saldo_dbus_euicc_set_modem (iface, report->modem_path);
  saldo_dbus_euicc_set_slot (iface, report->slot);
  if (report->eid != NULL)
    saldo_dbus_euicc_set_eid (iface, report->eid);
  if (report->error != NULL) {
    /* The lines we knew stay as they were: a refused read proves nothing. */
    saldo_dbus_euicc_set_last_error (iface, report->error->message);
    return;
  }
  saldo_dbus_euicc_set_last_error (iface, "");
  saldo_dbus_euicc_set_last_read (iface, (guint64) now ());

  paths = g_ptr_array_new ();
  listed = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < report->profiles->len; i++) {
    const SaldoEuiccProfile *profile = report->profiles->pdata[i];
    SaldoLine               *line = saldo_line_manager_ensure_line (self, profile->iccid,
                                                                    saldo_euicc_get_object_path (euicc));

    if (line == NULL)
      continue;
    g_hash_table_add (listed, profile->iccid);
    if (saldo_line_update_profile (line, report->eid, profile->profile_name, profile->nickname,
                                   profile->service_provider,
                                   profile->has_state ? saldo_profile_state_to_string (profile->state) : "",
                                   profile_class_name (profile))) {
      saldo_line_manager_sync_carrier (self, line);
      saldo_line_manager_save_line (self, line);
    }
    g_ptr_array_add (paths, (gpointer) saldo_line_get_object_path (line));
  }
  /* Profiles this eUICC no longer lists keep their lines, marked absent. */
  for (guint i = 0; report->eid != NULL && i < self->lines->len; i++) {
    SaldoLine             *line = self->lines->pdata[i];
    const SaldoLineRecord *record = saldo_line_get_record (line);

    if (g_strcmp0 (record->eid, report->eid) != 0 || g_hash_table_contains (listed, record->iccid))
      continue;
    if (saldo_line_update_profile (line, record->eid, record->profile_name, record->profile_nickname,
                                   record->service_provider, "absent", record->profile_class))
      saldo_line_manager_save_line (self, line);
  }
  g_ptr_array_add (paths, NULL);
  saldo_dbus_euicc_set_lines (iface, (const char *const *) paths->pdata);
}

/* ---- modems ------------------------------------------------------------- */

static SaldoModem *
saldo_line_manager_ensure_modem (SaldoLineManager *self, const char *modem_path)
{
  SaldoModem *modem = g_hash_table_lookup (self->modems, modem_path);

  if (modem != NULL)
    return modem;
  modem = saldo_modem_new (modem_path, self->watcher != NULL
                                         ? saldo_modem_watcher_lookup_modem (self->watcher, modem_path)
                                         : NULL);
  g_signal_connect (modem, "sms-received", G_CALLBACK (on_sms), self);
  g_signal_connect (modem, "euicc-report", G_CALLBACK (on_euicc_report), self);
  g_hash_table_insert (self->modems, g_strdup (modem_path), modem);
  return modem;
}

/* The modem no longer presents the line it did. */
static void
saldo_line_manager_release_line (SaldoLineManager *self, SaldoModem *modem)
{
  g_autofree char *iccid = g_strdup (saldo_modem_get_iccid (modem));
  SaldoLine       *line;

  if (iccid == NULL)
    return;
  saldo_modem_set_iccid (modem, NULL);
  line = g_hash_table_lookup (self->lines_by_iccid, iccid);
  /* Another modem may have picked the ICCID up meanwhile (a SIM moved). */
  if (line == NULL || g_strcmp0 (saldo_line_get_modem (line), saldo_modem_get_path (modem)) != 0)
    return;
  saldo_line_set_modem (line, "/");
  saldo_line_touch (line, now ());
  saldo_line_manager_save_line (self, line);
}

static void
on_modem_added (SaldoModemWatcher *watcher, const char *modem_path, MMObject *object, SaldoLineManager *self)
{
  g_autoptr(MMModem) modem = mm_object_get_modem (object);
  g_autoptr(SaldoEuiccMonitor) monitor = NULL;
  g_autofree char *port = NULL;
  g_autofree char *protocol = NULL;
  SaldoModem      *entry = saldo_line_manager_ensure_modem (self, modem_path);
  const char      *imei = modem != NULL ? mm_modem_get_equipment_identifier (modem) : NULL;

  if (!saldo_config_get_modem_control_port (self->config, imei, &port, &protocol) && modem != NULL) {
    MMModemPortInfo *ports = NULL;
    guint            n_ports = 0;

    if (mm_modem_get_ports (modem, &ports, &n_ports)) {
      for (guint i = 0; i < n_ports && port == NULL; i++) {
        if (ports[i].type == MM_MODEM_PORT_TYPE_QMI || ports[i].type == MM_MODEM_PORT_TYPE_MBIM) {
          port = g_strdup_printf ("/dev/%s", ports[i].name);
          protocol = g_strdup (ports[i].type == MM_MODEM_PORT_TYPE_QMI ? "qmi" : "mbim");
        }
      }
      mm_modem_port_info_array_free (ports, n_ports);
    }
  }
  if (port == NULL) {
    g_debug ("modem %s has no QMI or MBIM control port: no eUICC to read", modem_path);
    return;
  }
  monitor = saldo_euicc_monitor_new (modem_path, imei, port,
                                     g_str_equal (protocol, "mbim") ? SALDO_CONTROL_PROTOCOL_MBIM
                                                                    : SALDO_CONTROL_PROTOCOL_QMI);
  /* QMI says in its slot status whether the card is an eUICC.  MBIM has no
   * such query here: ModemManager's SimType decides (a physical SIM has no
   * ISD-R to ask), and an eUICC without an enabled profile, which leaves
   * ModemManager no ICCID, is read too. */
  saldo_modem_set_euicc_monitor (entry, monitor,
                                 saldo_euicc_monitor_get_protocol (monitor) != SALDO_CONTROL_PROTOCOL_QMI);
  if (saldo_euicc_monitor_get_protocol (monitor) == SALDO_CONTROL_PROTOCOL_QMI)
    saldo_euicc_monitor_refresh (monitor);
}

static void
on_modem_removed (SaldoModemWatcher *watcher, const char *modem_path, SaldoLineManager *self)
{
  GHashTableIter iter;
  SaldoEuicc    *euicc;

  g_hash_table_remove (self->modems, modem_path);
  g_hash_table_iter_init (&iter, self->euiccs);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &euicc))
    if (g_strcmp0 (saldo_euicc_get_modem (euicc), modem_path) == 0)
      saldo_dbus_euicc_set_modem (saldo_euicc_get_dbus_euicc (euicc), "/");
}

static void
on_sim_present (SaldoModemWatcher  *watcher,
                const char         *modem_path,
                const SaldoSimInfo *info,
                SaldoLineManager   *self)
{
  SaldoModem *modem = saldo_line_manager_ensure_modem (self, modem_path);
  const char *previous = saldo_modem_get_iccid (modem);
  gboolean    was_registered;
  SaldoLine  *line;

  if (previous != NULL && g_strcmp0 (previous, info->iccid) != 0) {
    saldo_line_manager_release_line (self, modem);
    /* A new ICCID on the same modem: a profile switch, most likely. */
    if (saldo_modem_get_euicc_monitor (modem) != NULL)
      saldo_euicc_monitor_refresh (saldo_modem_get_euicc_monitor (modem));
  }

  line = saldo_line_manager_ensure_line (self, info->iccid, modem_path);
  if (line == NULL)
    return;

  if (saldo_line_get_active (line) && g_strcmp0 (saldo_line_get_modem (line), modem_path) != 0) {
    SaldoModem *other = g_hash_table_lookup (self->modems, saldo_line_get_modem (line));

    g_warning ("line %s is presented by %s and %s at once; following %s", saldo_line_get_object_path (line),
               saldo_line_get_modem (line), modem_path, modem_path);
    if (other != NULL)
      saldo_modem_set_iccid (other, NULL);
  }
  saldo_line_update_identity (line, info->imsi, info->operator_code, info->operator_name, info->sim_type);
  saldo_line_set_sim_own_number (line, info->own_number);
  saldo_line_manager_sync_carrier (self, line);
  saldo_line_touch (line, now ());
  saldo_line_set_modem (line, modem_path);
  saldo_modem_set_iccid (modem, info->iccid);
  saldo_line_manager_save_line (self, line);
  saldo_modem_watch_sms (modem);
  if (saldo_modem_take_euicc_pending (modem)) {
    if (g_strcmp0 (info->sim_type, "physical") == 0) {
      g_debug ("modem %s holds a physical SIM: no eUICC to read", modem_path);
      saldo_modem_set_euicc_monitor (modem, NULL, FALSE);
    } else if (saldo_modem_get_euicc_monitor (modem) != NULL) {
      saldo_euicc_monitor_refresh (saldo_modem_get_euicc_monitor (modem));
    }
  }

  was_registered = saldo_modem_is_registered (modem);
  saldo_modem_set_sim_info (modem, info);
  g_signal_emit (self, signals[SIGNAL_REGISTRATION], 0, line, info->registration);
  /* A modem that just registered is the moment to learn the balance, but
   * not more often than the configured minimum: registration can flap. */
  if (saldo_modem_is_registered (modem) && !was_registered && self->settings->refresh_on_registration &&
      now () - last_check_or_attempt (self, line) >=
        (gint64) self->settings->registration_refresh_min_interval &&
      registration_allows (info, saldo_line_get_record (line)->allow_roaming, NULL))
    saldo_line_manager_refresh (self, line);
  else
    saldo_line_manager_reschedule (self);
}

static void
on_sim_absent (SaldoModemWatcher *watcher, const char *modem_path, const char *reason, SaldoLineManager *self)
{
  SaldoModem *modem = g_hash_table_lookup (self->modems, modem_path);
  gboolean modem_gone = g_str_equal (reason, "modem removed") || g_str_equal (reason, "ModemManager stopped");

  if (modem == NULL) {
    saldo_line_manager_reschedule (self);
    return;
  }
  if (!modem_gone && saldo_modem_take_euicc_pending (modem) && saldo_modem_get_euicc_monitor (modem) != NULL)
    saldo_euicc_monitor_refresh (saldo_modem_get_euicc_monitor (modem));
  saldo_line_manager_release_line (self, modem);
  saldo_modem_release_sim (modem);
  saldo_line_manager_reschedule (self);
}

static void
on_manager_running (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  SaldoLineManager *self = user_data;

  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_MODEM_MANAGER_RUNNING]);
}

gboolean
saldo_line_manager_get_modem_manager_running (SaldoLineManager *self)
{
  return self->watcher != NULL && saldo_modem_watcher_get_manager_running (self->watcher);
}

void
saldo_line_manager_start (SaldoLineManager *self, GDBusConnection *connection)
{
  g_return_if_fail (self->watcher == NULL);
  self->watcher = saldo_modem_watcher_new (connection);
  g_signal_connect (self->watcher, "sim-present", G_CALLBACK (on_sim_present), self);
  g_signal_connect (self->watcher, "sim-absent", G_CALLBACK (on_sim_absent), self);
  g_signal_connect (self->watcher, "modem-added", G_CALLBACK (on_modem_added), self);
  g_signal_connect (self->watcher, "modem-removed", G_CALLBACK (on_modem_removed), self);
  g_signal_connect (self->watcher, "notify::manager-running", G_CALLBACK (on_manager_running), self);
  saldo_modem_watcher_start (self->watcher);
}

/* ---- dialling for providers --------------------------------------------- */

static void
on_secret_dialled (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  char   *reply = saldo_ussd_client_run_finish (SALDO_USSD_CLIENT (source), result, &error);

  if (reply == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, reply, g_free);
}

void
saldo_line_manager_dial_secret_async (SaldoLineManager   *self,
                                      const char         *iccid,
                                      const char         *code,
                                      const char         *secret,
                                      GCancellable       *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  SaldoLine       *line = g_hash_table_lookup (self->lines_by_iccid, iccid);
  SaldoModem      *modem = line != NULL ? modem_of_line (self, line) : NULL;
  SaldoUssdClient *client;
  GError          *error = NULL;

  if (line == NULL || !saldo_line_get_active (line)) {
    g_task_return_new_error (task, SALDO_ERROR, SALDO_ERROR_MODEM_UNAVAILABLE,
                             "the line's SIM is not in any modem");
    return;
  }
  if (modem == NULL) {
    g_task_return_new_error (task, SALDO_ERROR, SALDO_ERROR_MODEM_UNAVAILABLE, "modem %s is gone",
                             saldo_line_get_modem (line));
    return;
  }
  client = saldo_modem_get_ussd_client (modem, &error);
  if (client == NULL) {
    g_task_return_error (task, error);
    return;
  }
  saldo_ussd_client_run_secret_async (client, code, secret, self->settings->ussd_timeout * 1000, cancellable,
                                      on_secret_dialled, g_steal_pointer (&task));
}

char *
saldo_line_manager_dial_secret_finish (SaldoLineManager *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- life cycle --------------------------------------------------------- */

static void
saldo_line_manager_load_carriers (SaldoLineManager *self)
{
  g_autofree char   *admin_dir = g_build_filename (saldo_config_get_config_dir (self->config), "carriers.d",
                                                   NULL);
  const char        *dirs[] = { self->settings->carrier_data_dir, admin_dir, NULL };
  GPtrArray         *errors;
  const char *const *warnings;

  self->carriers = saldo_carrier_db_new_from_dirs (dirs);
  errors = saldo_carrier_db_get_errors (self->carriers);
  for (guint i = 0; errors != NULL && i < errors->len; i++)
    g_warning ("carrier definitions: %s", ((GError *) errors->pdata[i])->message);
  warnings = saldo_carrier_db_get_warnings (self->carriers);
  for (guint i = 0; warnings != NULL && warnings[i] != NULL; i++)
    g_info ("carrier definitions: %s", warnings[i]);
}

static gboolean
saldo_line_manager_load (SaldoLineManager *self, GError **error)
{
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GArray) euicc_ids = NULL;
  g_autoptr(GPtrArray) euicc_keys = NULL;

  if (!saldo_store_load_lines (self->store, &records, error))
    return FALSE;
  for (guint i = 0; i < records->len; i++) {
    g_autoptr(SaldoLine) line = saldo_line_new (records->pdata[i]);
    g_autoptr(SaldoReading) last_good = NULL;
    g_autoptr(SaldoReading) last_any = NULL;

    /* The last good balance first, then the newest reading on top of it for
     * LastReply/LastError: a restart shows exactly what was shown before. */
    if (!saldo_store_last_reading (self->store, saldo_line_get_id (line), TRUE, &last_good, error) ||
        !saldo_store_last_reading (self->store, saldo_line_get_id (line), FALSE, &last_any, error))
      return FALSE;
    if (last_good != NULL)
      saldo_line_apply_reading (line, last_good);
    if (last_any != NULL && (last_good == NULL || last_any->id != last_good->id))
      saldo_line_apply_reading (line, last_any);
    saldo_line_manager_sync_carrier (self, line);
    saldo_line_manager_add_line (self, line);
  }

  /* eUICCs read before come back with their profiles' lines, detached
   * ("/" modem) until their modem shows up again. */
  if (!saldo_store_load_euiccs (self->store, &euicc_ids, &euicc_keys, error))
    return FALSE;
  for (guint i = 0; i < euicc_keys->len; i++) {
    const char *key = euicc_keys->pdata[i];
    SaldoEuicc *euicc = saldo_euicc_new (g_array_index (euicc_ids, gint64, i), key);
    g_autoptr(GPtrArray) paths = g_ptr_array_new ();

    for (guint j = 0; j < self->lines->len; j++)
      if (g_strcmp0 (saldo_line_get_record (self->lines->pdata[j])->eid, key) == 0)
        g_ptr_array_add (paths, (gpointer) saldo_line_get_object_path (self->lines->pdata[j]));
    g_ptr_array_add (paths, NULL);
    if (!g_str_has_prefix (key, "modem:"))
      saldo_dbus_euicc_set_eid (saldo_euicc_get_dbus_euicc (euicc), key);
    saldo_dbus_euicc_set_lines (saldo_euicc_get_dbus_euicc (euicc), (const char *const *) paths->pdata);
    g_hash_table_insert (self->euiccs, g_strdup (key), euicc);
  }
  return TRUE;
}

SaldoLineManager *
saldo_line_manager_new (SaldoStore *store, SaldoConfig *config, GError **error)
{
  g_autoptr(SaldoLineManager) self = g_object_new (SALDO_TYPE_LINE_MANAGER, NULL);
  SaldoBalanceCheckConfig check_config;

  self->store = g_object_ref (store);
  self->config = g_object_ref (config);
  self->settings = saldo_config_get_daemon_settings (config);
  check_config.ussd_timeout_ms = self->settings->ussd_timeout * 1000;
  check_config.attempts = self->settings->ussd_attempts;
  check_config.retry_delay_ms = self->settings->ussd_retry_delay_ms;
  saldo_line_manager_load_carriers (self);
  saldo_line_manager_load_provider_info (self);
  self->checker = saldo_balance_checker_new (&check_config);
  if (!saldo_line_manager_load (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

static void
saldo_line_manager_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  SaldoLineManager *self = SALDO_LINE_MANAGER (object);

  switch (prop_id) {
  case PROP_MODEM_MANAGER_RUNNING:
    g_value_set_boolean (value, saldo_line_manager_get_modem_manager_running (self));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
saldo_line_manager_dispose (GObject *object)
{
  SaldoLineManager *self = SALDO_LINE_MANAGER (object);

  g_clear_handle_id (&self->schedule_id, g_source_remove);
  if (self->watcher != NULL)
    g_signal_handlers_disconnect_by_data (self->watcher, self);
  if (self->modems != NULL)
    g_hash_table_remove_all (self->modems);
  g_clear_object (&self->watcher);
  G_OBJECT_CLASS (saldo_line_manager_parent_class)->dispose (object);
}

static void
saldo_line_manager_finalize (GObject *object)
{
  SaldoLineManager *self = SALDO_LINE_MANAGER (object);

  g_hash_table_unref (self->lines_by_iccid);
  g_hash_table_unref (self->modems);
  g_hash_table_unref (self->euiccs);
  g_hash_table_unref (self->refreshes);
  g_hash_table_unref (self->last_attempt);
  g_ptr_array_unref (self->lines);
  g_clear_object (&self->carriers);
  g_clear_object (&self->provider_info);
  g_clear_object (&self->checker);
  g_clear_object (&self->store);
  g_clear_object (&self->config);
  G_OBJECT_CLASS (saldo_line_manager_parent_class)->finalize (object);
}

static void
saldo_line_manager_class_init (SaldoLineManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = saldo_line_manager_get_property;
  object_class->dispose = saldo_line_manager_dispose;
  object_class->finalize = saldo_line_manager_finalize;
  props[PROP_MODEM_MANAGER_RUNNING] = g_param_spec_boolean ("modem-manager-running", NULL, NULL, FALSE,
                                                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
  signals[SIGNAL_LINE_ADDED] = g_signal_new ("line-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                             NULL, NULL, NULL, G_TYPE_NONE, 1, SALDO_TYPE_LINE);
  signals[SIGNAL_EUICC_ADDED] = g_signal_new ("euicc-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                              NULL, NULL, NULL, G_TYPE_NONE, 1, SALDO_TYPE_EUICC);
  signals[SIGNAL_BALANCE_READ] = g_signal_new ("balance-read", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                               0, NULL, NULL, NULL, G_TYPE_NONE, 2, SALDO_TYPE_LINE,
                                               G_TYPE_POINTER);
  signals[SIGNAL_SMS_BALANCE] = g_signal_new ("sms-balance", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                              NULL, NULL, NULL, G_TYPE_NONE, 1, SALDO_TYPE_LINE);
  signals[SIGNAL_CHECK_FAILED] = g_signal_new ("check-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                               0, NULL, NULL, NULL, G_TYPE_NONE, 1, SALDO_TYPE_LINE);
  signals[SIGNAL_REGISTRATION] = g_signal_new ("registration", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                               0, NULL, NULL, NULL, G_TYPE_NONE, 2, SALDO_TYPE_LINE,
                                               G_TYPE_STRING);
}

static void
saldo_line_manager_init (SaldoLineManager *self)
{
  self->lines = g_ptr_array_new_with_free_func (g_object_unref);
  self->lines_by_iccid = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->modems = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->euiccs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->refreshes = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                           (GDestroyNotify) g_ptr_array_unref);
  self->last_attempt = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, g_free);
}
