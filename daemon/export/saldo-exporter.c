/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoExport"

#include "config.h"

#include <gmodule.h>
#include <string.h>

#include "saldo-export-config.h"
#include "saldo-export-sink.h"
#include "saldo-exporter.h"
#include "saldo-metrics-file.h"
#include "saldo-money.h"
#include "saldo-provider-health.h"

/* What the daemon tells about a line beyond its bus properties. */
typedef struct {
  gboolean roaming;
  guint64  refresh_failures;
} LineExtra;

struct _SaldoExporter {
  GObject              parent_instance;
  SaldoExportSettings *settings;
  gint64               default_refresh_interval;
  SaldoLedger         *ledger;
  SaldoDBusManager    *manager;
  GPtrArray           *lines;       /* SaldoLine */
  GPtrArray           *providers;   /* SaldoProviderObject */
  GHashTable          *extras;      /* line id (gint64*) → LineExtra */
  GPtrArray           *sinks;       /* SaldoExportSink */
  gint64               started;     /* unix seconds */
  gint64               last_export; /* monotonic µs, 0 = never */
  guint                export_id;
  char                *ledger_error; /* logged once until it changes */
};

G_DEFINE_TYPE (SaldoExporter, saldo_exporter, G_TYPE_OBJECT)

/* The bus properties an export shows; Refreshing, LastReply and the like
 * change often and are not exported. */
static const char *const exported_properties[] = {
  "iccid",      "operator-code",    "operator-name", "carrier",        "sim-type",        "active",
  "balance",    "currency",         "expiry",        "data-remaining", "data-known",      "last-updated",
  "last-error", "refresh-interval", "spend-per-day", "runs-out-on",    "deactivation-on", NULL
};

/* A provider's LastError (words) is not exported. */
static const char *const exported_provider_properties[] = {
  "state",           "attention",    "funds",    "funds-currency",   "funds-known",
  "payment-expires", "last-success", "warnings", "spent-this-month", NULL
};

static gboolean on_export (gpointer user_data);

/* Something changed: export now if the last export is old enough, else
 * when it will be.  Changes in the meantime ride along. */
static void
saldo_exporter_queue (SaldoExporter *self)
{
  gint64 wait_us = 0;

  if (self->export_id != 0)
    return;
  if (self->last_export != 0)
    wait_us = MAX (0, self->last_export + SALDO_EXPORT_MIN_INTERVAL_MS * 1000 - g_get_monotonic_time ());
  self->export_id = g_timeout_add_full (G_PRIORITY_LOW, (guint) (wait_us / 1000), on_export, self, NULL);
}

static LineExtra *
line_extra (SaldoExporter *self, SaldoLine *line)
{
  gint64     id = saldo_line_get_id (line);
  LineExtra *extra = g_hash_table_lookup (self->extras, &id);

  if (extra == NULL) {
    extra = g_new0 (LineExtra, 1);
    g_hash_table_insert (self->extras, g_memdup2 (&id, sizeof id), extra);
  }
  return extra;
}

/* ---- the snapshot ---- */

static int
compare_totals (gconstpointer a, gconstpointer b)
{
  const SaldoExportTopupTotal *x = *(SaldoExportTopupTotal *const *) a;
  const SaldoExportTopupTotal *y = *(SaldoExportTopupTotal *const *) b;

  if (x->state != y->state)
    return x->state < y->state ? -1 : 1;
  return strcmp (x->currency, y->currency);
}

/* The ledger's counts, per line; FALSE (logged once) when it cannot be
 * read: the top-up series are then left out rather than shown as zero. */
static gboolean
add_topups (SaldoExporter *self, GHashTable *by_id)
{
  g_autoptr(GPtrArray) reached = NULL;
  g_autoptr(GPtrArray) waiting = NULL;
  g_autoptr(GError) error = NULL;

  if (self->ledger == NULL)
    return FALSE;
  if (!saldo_ledger_tally (self->ledger, FALSE, &reached, &error) ||
      !saldo_ledger_tally (self->ledger, TRUE, &waiting, &error)) {
    if (g_strcmp0 (self->ledger_error, error->message) != 0)
      g_warning ("exports show no top-ups: %s", error->message);
    g_free (self->ledger_error);
    self->ledger_error = g_strdup (error->message);
    return FALSE;
  }
  g_clear_pointer (&self->ledger_error, g_free);
  for (guint i = 0; i < reached->len; i++) {
    const SaldoLedgerTallyRow *row = reached->pdata[i];
    SaldoExportLine           *line = g_hash_table_lookup (by_id, &row->line_id);
    SaldoExportTopupTotal     *total;

    if (line == NULL || row->state >= SALDO_EXPORT_N_TOPUP_STATES)
      continue;
    line->topups_reached[row->state] += row->count;
    total = g_new0 (SaldoExportTopupTotal, 1);
    total->state = row->state;
    total->currency = g_strdup (row->currency);
    total->count = row->count;
    total->amount = row->amount;
    g_ptr_array_add (line->topup_totals, total);
  }
  for (guint i = 0; i < waiting->len; i++) {
    const SaldoLedgerTallyRow *row = waiting->pdata[i];
    SaldoExportLine           *line = g_hash_table_lookup (by_id, &row->line_id);

    if (line == NULL || row->state >= SALDO_EXPORT_N_TOPUP_STATES)
      continue;
    line->topups_open[row->state] += (guint) row->count;
    if (row->state == SALDO_LEDGER_STATE_UNKNOWN && row->since > 0 &&
        (line->topup_unknown_since == 0 || row->since < line->topup_unknown_since))
      line->topup_unknown_since = row->since;
  }
  {
    GHashTableIter   iter;
    SaldoExportLine *line;

    g_hash_table_iter_init (&iter, by_id);
    while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &line))
      g_ptr_array_sort (line->topup_totals, compare_totals);
  }
  return TRUE;
}

static SaldoExportLine *
export_line (SaldoExporter *self, SaldoLine *line)
{
  const SaldoLineRecord *record = saldo_line_get_record (line);
  SaldoDBusLine         *iface = saldo_line_get_dbus_line (line);
  gint64                 id = record->id;
  LineExtra             *extra = g_hash_table_lookup (self->extras, &id);
  SaldoExportLine       *e = saldo_export_line_new ();
  const char            *currency = saldo_dbus_line_get_currency (iface);

  e->id = id;
  e->iccid = g_strdup (record->iccid);
  e->operator_code = g_strdup (record->operator_code != NULL ? record->operator_code : "");
  e->operator_name = g_strdup (record->operator_name != NULL ? record->operator_name : "");
  e->carrier = g_strdup (saldo_dbus_line_get_carrier (iface));
  e->sim_type = g_strdup (record->sim_type != NULL ? record->sim_type : "");
  e->active = saldo_dbus_line_get_active (iface);
  e->roaming = e->active && extra != NULL && extra->roaming;
  /* A currency the money module does not know holds no amount it could
   * turn into major units: such a balance is not exported. */
  e->has_balance = currency != NULL && saldo_currency_is_valid (currency);
  e->balance = saldo_dbus_line_get_balance (iface);
  e->currency = g_strdup (e->has_balance ? currency : "");
  e->expiry = (gint64) MIN (saldo_dbus_line_get_expiry (iface), (guint64) G_MAXINT64);
  e->data_known = saldo_dbus_line_get_data_known (iface);
  e->data_bytes = saldo_dbus_line_get_data_remaining (iface);
  e->last_reading = (gint64) MIN (saldo_dbus_line_get_last_updated (iface), (guint64) G_MAXINT64);
  e->first_seen = record->first_seen;
  e->refresh_interval = saldo_line_get_refresh_interval (line, self->default_refresh_interval);
  e->refresh_failures = extra != NULL ? extra->refresh_failures : 0;
  e->last_error = g_strdup (saldo_dbus_line_get_last_error (iface));
  /* SpendPerDay is in minor units of Currency, -1 while unknown. */
  e->spend_per_day = saldo_dbus_line_get_spend_per_day (iface);
  e->spend_known = e->has_balance && e->spend_per_day >= 0;
  e->runs_out_on = (gint64) MIN (saldo_dbus_line_get_runs_out_on (iface), (guint64) G_MAXINT64);
  e->deactivation_on = (gint64) MIN (saldo_dbus_line_get_deactivation_on (iface), (guint64) G_MAXINT64);
  return e;
}

static int
compare_amounts (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(SaldoExportAmount *const *) a)->currency, (*(SaldoExportAmount *const *) b)->currency);
}

/* SpentThisMonth (a{sx}), by currency; amounts in a currency the money
 * module does not know are left out, as balances are. */
static void
export_spent (SaldoExportProvider *e, GVariant *spent)
{
  GVariantIter iter;
  const char  *currency;
  gint64       amount;

  if (spent == NULL || !g_variant_is_of_type (spent, G_VARIANT_TYPE ("a{sx}")))
    return;
  g_variant_iter_init (&iter, spent);
  while (g_variant_iter_next (&iter, "{&sx}", &currency, &amount)) {
    SaldoExportAmount *a;

    if (!saldo_currency_is_valid (currency))
      continue;
    a = g_new0 (SaldoExportAmount, 1);
    a->currency = g_strdup (currency);
    a->amount = amount;
    g_ptr_array_add (e->spent_this_month, a);
  }
  g_ptr_array_sort (e->spent_this_month, compare_amounts);
}

static SaldoExportProvider *
export_provider (SaldoProviderObject *object, GTimeZone *tz)
{
  SaldoDBusProvider   *iface = saldo_provider_object_get_dbus_provider (object);
  SaldoExportProvider *e = saldo_export_provider_new ();
  const char          *currency = saldo_dbus_provider_get_funds_currency (iface);
  int                  year = 0, month = 0;

  e->number = saldo_provider_object_get_record (object)->id;
  e->id = g_strdup (saldo_dbus_provider_get_id (iface));
  e->type = g_strdup (saldo_dbus_provider_get_type_ (iface));
  e->state = g_strdup (saldo_dbus_provider_get_state (iface));
  e->attention = g_strdup (saldo_dbus_provider_get_attention (iface));
  /* As with balances: funds in a currency the money module does not know
   * cannot be put in major units, and are not exported. */
  e->funds_known = saldo_dbus_provider_get_funds_known (iface) && currency != NULL &&
                   saldo_currency_is_valid (currency);
  e->funds = e->funds_known ? saldo_dbus_provider_get_funds (iface) : 0;
  e->funds_currency = g_strdup (e->funds_known ? currency : "");
  e->payment_expires = g_strdup (saldo_dbus_provider_get_payment_expires (iface));
  /* The end the provider watch warns about: the same month, the same zone. */
  saldo_provider_get_payment_expires (saldo_provider_object_get_provider (object), &year, &month);
  e->payment_end = saldo_provider_payment_end (year, month, tz);
  e->last_success = (gint64) MIN (saldo_dbus_provider_get_last_success (iface), (guint64) G_MAXINT64);
  if (saldo_dbus_provider_get_warnings (iface) != NULL) {
    g_strfreev (e->warnings);
    e->warnings = g_strdupv ((char **) saldo_dbus_provider_get_warnings (iface));
  }
  export_spent (e, saldo_dbus_provider_get_spent_this_month (iface));
  return e;
}

SaldoExportSnapshot *
saldo_exporter_snapshot (SaldoExporter *self)
{
  SaldoExportSnapshot *snapshot = saldo_export_snapshot_new ();
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_int64_hash, g_int64_equal);

  snapshot->time = g_get_real_time () / G_USEC_PER_SEC;
  snapshot->started = self->started;
  snapshot->modem_manager_running = self->manager != NULL &&
                                    saldo_dbus_manager_get_modem_manager_running (self->manager);
  for (guint i = 0; i < self->lines->len; i++) {
    SaldoExportLine *line = export_line (self, self->lines->pdata[i]);

    g_ptr_array_add (snapshot->lines, line);
    g_hash_table_insert (by_id, &line->id, line);
  }
  snapshot->topups_known = add_topups (self, by_id);
  if (self->providers->len > 0) {
    g_autoptr(GTimeZone) tz = g_time_zone_new_local ();

    for (guint i = 0; i < self->providers->len; i++)
      g_ptr_array_add (snapshot->providers, export_provider (self->providers->pdata[i], tz));
  }
  return snapshot;
}

static gboolean
on_export (gpointer user_data)
{
  SaldoExporter *self = user_data;
  g_autoptr(SaldoExportSnapshot) snapshot = NULL;

  self->export_id = 0;
  self->last_export = g_get_monotonic_time ();
  snapshot = saldo_exporter_snapshot (self);
  for (guint i = 0; i < self->sinks->len; i++)
    saldo_export_sink_publish (self->sinks->pdata[i], snapshot);
  return G_SOURCE_REMOVE;
}

/* ---- what changes ---- */

static void
on_line_notify (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  if (g_strv_contains (exported_properties, pspec->name))
    saldo_exporter_queue (user_data);
}

static void
on_provider_notify (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  if (g_strv_contains (exported_provider_properties, pspec->name))
    saldo_exporter_queue (user_data);
}

static void
on_changed (gpointer user_data)
{
  saldo_exporter_queue (user_data);
}

void
saldo_exporter_add_line (SaldoExporter *self, SaldoLine *line)
{
  if (self == NULL)
    return;
  g_ptr_array_add (self->lines, g_object_ref (line));
  g_signal_connect_object (saldo_line_get_dbus_line (line), "notify", G_CALLBACK (on_line_notify), self, 0);
  saldo_exporter_queue (self);
}

void
saldo_exporter_set_roaming (SaldoExporter *self, SaldoLine *line, gboolean roaming)
{
  LineExtra *extra;

  if (self == NULL)
    return;
  extra = line_extra (self, line);
  if (extra->roaming == roaming)
    return;
  extra->roaming = roaming;
  saldo_exporter_queue (self);
}

void
saldo_exporter_refresh_failed (SaldoExporter *self, SaldoLine *line)
{
  if (self == NULL)
    return;
  line_extra (self, line)->refresh_failures++;
  saldo_exporter_queue (self);
}

/* ---- sinks ---- */

/* DIR/saldo-NAME.so, loaded only when its group is configured, so a saldod
 * that does not publish over MQTT never maps libmosquitto and its TLS
 * stack.  Kept resident: its GTypes cannot be unloaded. */
static SaldoExportSink *
load_module_sink (SaldoExporter *self, const char *name, gconstpointer settings, GError **error)
{
  g_autofree char *basename = g_strdup_printf ("saldo-%s.%s", name, G_MODULE_SUFFIX);
  g_autofree char *path = g_build_filename (self->settings->module_dir, basename, NULL);
  gpointer         abi = NULL;
  gpointer         new_sink = NULL;
  GModule         *module;

  if (!g_file_test (path, G_FILE_TEST_EXISTS)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                 "%s is not installed (saldod was built without it: -D%s=enabled builds it)", path, name);
    return NULL;
  }
  module = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  if (module == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot load %s: %s", path, g_module_error ());
    return NULL;
  }
  if (!g_module_symbol (module, SALDO_EXPORT_MODULE_ABI_SYMBOL, &abi) || abi == NULL ||
      !g_module_symbol (module, SALDO_EXPORT_MODULE_NEW_SYMBOL, &new_sink) || new_sink == NULL ||
      *(const guint32 *) abi != SALDO_EXPORT_MODULE_ABI) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s is not a module of this saldod (another version?)",
                 path);
    g_module_close (module);
    return NULL;
  }
  g_module_make_resident (module);
  return ((SaldoExportModuleNewSink) new_sink) (settings, error);
}

SaldoExporter *
saldo_exporter_new (SaldoConfig      *config,
                    SaldoLedger      *ledger,
                    SaldoDBusManager *manager,
                    GPtrArray        *lines,
                    GPtrArray        *providers)
{
  g_autoptr(SaldoExporter) self = g_object_new (SALDO_TYPE_EXPORTER, NULL);
  g_autoptr(GError) error = NULL;

  self->settings = saldo_export_settings_load (saldo_config_get_keyfile (config),
                                               saldo_config_get_path (config), NULL, &error);
  if (self->settings == NULL) {
    g_warning ("nothing is exported: %s", error->message);
    return NULL;
  }
  if (self->settings->metrics_file != NULL) {
    SaldoMetricsOptions options = { .full_iccid = self->settings->metrics_full_iccid };

    g_ptr_array_add (self->sinks, saldo_metrics_file_new (self->settings->metrics_file, &options));
    g_info ("metrics for Prometheus in %s", self->settings->metrics_file);
  }
  if (self->settings->mqtt_enabled) {
    SaldoExportSink *sink = load_module_sink (self, "mqtt", &self->settings->mqtt, &error);

    if (sink != NULL)
      g_ptr_array_add (self->sinks, sink);
    else
      g_warning ("[Mqtt] is configured, but nothing is published over MQTT: %s", error->message);
  }
  if (self->sinks->len == 0)
    return NULL;

  self->default_refresh_interval = saldo_config_get_daemon_settings (config)->refresh_interval;
  self->started = g_get_real_time () / G_USEC_PER_SEC;
  if (ledger != NULL) {
    self->ledger = g_object_ref (ledger);
    g_signal_connect_object (ledger, "changed", G_CALLBACK (on_changed), self, G_CONNECT_SWAPPED);
  }
  if (manager != NULL) {
    self->manager = g_object_ref (manager);
    g_signal_connect_object (manager, "notify::modem-manager-running", G_CALLBACK (on_changed), self,
                             G_CONNECT_SWAPPED);
  }
  for (guint i = 0; lines != NULL && i < lines->len; i++)
    saldo_exporter_add_line (self, lines->pdata[i]);
  for (guint i = 0; providers != NULL && i < providers->len; i++) {
    SaldoProviderObject *provider = providers->pdata[i];

    g_ptr_array_add (self->providers, g_object_ref (provider));
    g_signal_connect_object (saldo_provider_object_get_dbus_provider (provider), "notify",
                             G_CALLBACK (on_provider_notify), self, 0);
  }
  saldo_exporter_queue (self);
  return g_steal_pointer (&self);
}

static void
saldo_exporter_dispose (GObject *object)
{
  SaldoExporter *self = SALDO_EXPORTER (object);

  /* What changed last is written before saldod goes. */
  if (self->export_id != 0) {
    g_clear_handle_id (&self->export_id, g_source_remove);
    on_export (self);
  }
  /* Sinks go first: the MQTT one says goodbye to its broker. */
  g_ptr_array_set_size (self->sinks, 0);
  g_ptr_array_set_size (self->lines, 0);
  g_ptr_array_set_size (self->providers, 0);
  g_clear_object (&self->ledger);
  g_clear_object (&self->manager);
  G_OBJECT_CLASS (saldo_exporter_parent_class)->dispose (object);
}

static void
saldo_exporter_finalize (GObject *object)
{
  SaldoExporter *self = SALDO_EXPORTER (object);

  saldo_export_settings_free (self->settings);
  g_ptr_array_unref (self->lines);
  g_ptr_array_unref (self->providers);
  g_ptr_array_unref (self->sinks);
  g_hash_table_unref (self->extras);
  g_free (self->ledger_error);
  G_OBJECT_CLASS (saldo_exporter_parent_class)->finalize (object);
}

static void
saldo_exporter_class_init (SaldoExporterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = saldo_exporter_dispose;
  object_class->finalize = saldo_exporter_finalize;
}

static void
saldo_exporter_init (SaldoExporter *self)
{
  self->lines = g_ptr_array_new_with_free_func (g_object_unref);
  self->providers = g_ptr_array_new_with_free_func (g_object_unref);
  self->sinks = g_ptr_array_new_with_free_func (g_object_unref);
  self->extras = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
}
