/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoForecast"

#include "config.h"

#include <string.h>

#include "saldo-forecast.h"
#include "saldo-forecaster.h"
#include "saldo-money.h"

#define SALDO_MESSAGE_UNUSUAL_SPENDING "5a1d0c3e7f2b4a9c8e6d1f0a2b3c4d08"

/* Readings older than the forecast's window say nothing it uses; the cap
 * keeps one call bounded however often a line is read (six weeks of a
 * reading a minute). */
#define FORECAST_MAX_READINGS 60000

struct _SaldoForecaster {
  GObject           parent_instance;
  SaldoStore       *store;
  SaldoLedger      *ledger;
  SaldoLineManager *lines;
  GHashTable       *forecasts;    /* line id (gint64*) → SaldoForecast */
  GHashTable       *unusual_sent; /* line id (gint64*) → gint64*, when last announced */
};

G_DEFINE_TYPE (SaldoForecaster, saldo_forecaster, G_TYPE_OBJECT)

enum {
  SIGNAL_UNUSUAL_SPENDING,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gint64 *
line_key (SaldoLine *line)
{
  gint64 *key = g_new (gint64, 1);

  *key = saldo_line_get_id (line);
  return key;
}

static gboolean
compute (SaldoForecaster *self,
         SaldoLine       *line,
         const char      *currency,
         gint64           now,
         SaldoForecast   *out,
         GError         **error)
{
  g_autoptr(GPtrArray) readings = NULL;
  g_autoptr(SaldoLedgerRows) rows = NULL;
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (SaldoBalancePoint));
  g_autoptr(SaldoCarrier) carrier = saldo_line_manager_get_carrier (self->lines, line);
  guint              deactivation_days = carrier != NULL ? saldo_carrier_get_deactivation_days (carrier) : 0;
  gint64             since = now - (gint64) SALDO_FORECAST_DEFAULT_WINDOW_DAYS * 86400;
  SaldoForecastInput in = { 0 };
  int                digits;

  /* The last recharge may be older than the window: the ledger is read as
   * far back as the carrier's deactivation period. */
  if (deactivation_days > 0)
    since = MIN (since, now - (gint64) deactivation_days * 86400);
  if (!saldo_store_list_readings (self->store, saldo_line_get_id (line), since, FORECAST_MAX_READINGS,
                                  &readings, error) ||
      !saldo_ledger_to_rule_rows (self->ledger, since, &rows, error))
    return FALSE;
  for (guint i = 0; i < readings->len; i++) {
    const SaldoReading *r = readings->pdata[i];
    SaldoBalancePoint   p = { r->time, r->amount_minor };

    /* Only good balances in the line's currency are comparable. */
    if (g_strcmp0 (r->kind, "balance") == 0 && r->has_amount && g_strcmp0 (r->source, "ussd") == 0 &&
        g_strcmp0 (r->currency, currency) == 0)
      g_array_append_val (points, p);
  }
  digits = saldo_currency_minor_digits (currency);
  in.iccid = saldo_line_get_iccid (line);
  in.readings = (const SaldoBalancePoint *) (gpointer) points->data;
  in.n_readings = points->len;
  in.history = rows->rows;
  in.n_history = rows->n_rows;
  in.now = now;
  in.deactivation_days = deactivation_days;
  /* "Well above usual" also means one unit of the currency above it. */
  in.unusual_min = 1;
  for (int i = 0; i < digits; i++)
    in.unusual_min *= 10;
  return saldo_forecast_compute (&in, out, error);
}

static void
announce_unusual (SaldoForecaster     *self,
                  SaldoLine           *line,
                  const char          *currency,
                  const SaldoForecast *forecast,
                  gint64               now)
{
  gint64           id = saldo_line_get_id (line);
  gint64          *last = g_hash_table_lookup (self->unusual_sent, &id);
  gint64           period = (gint64) MAX (forecast->block_days, 1) * 86400;
  g_autofree char *per_day = NULL;
  g_autofree char *usual = NULL;
  g_autofree char *message = NULL;

  /* Once per day (or week) the judgement is about. */
  if (last != NULL && now - *last < period)
    return;
  per_day = saldo_money_format (forecast->last_block_spend, currency);
  usual = saldo_money_format (forecast->spend_per_day, currency);
  message = g_strdup_printf ("line %s: unusual spending: %s a day over the last %s, against %s "
                             "usually",
                             saldo_line_get_object_path (line), per_day,
                             forecast->block_days == 1 ? "day" : "week", usual);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "MESSAGE_ID", SALDO_MESSAGE_UNUSUAL_SPENDING,
                    "SALDO_LINE", saldo_line_get_object_path (line), "MESSAGE", "%s", message);
  last = g_new (gint64, 1);
  *last = now;
  g_hash_table_replace (self->unusual_sent, line_key (line), last);
  g_signal_emit (self, signals[SIGNAL_UNUSUAL_SPENDING], 0, saldo_line_get_object_path (line),
                 forecast->last_block_spend, forecast->spend_per_day);
}

void
saldo_forecaster_update (SaldoForecaster *self, SaldoLine *line, gboolean announce)
{
  SaldoDBusLine   *iface = saldo_line_get_dbus_line (line);
  g_autofree char *currency = saldo_line_manager_get_currency (self->lines, line);
  g_autoptr(GError) error = NULL;
  g_autofree SaldoForecast *forecast = g_new0 (SaldoForecast, 1);
  gint64                    now = saldo_ledger_now (self->ledger);

  if (currency == NULL || !saldo_currency_is_valid (currency) ||
      !compute (self, line, currency, now, forecast, &error)) {
    if (error != NULL)
      g_warning ("line %s: no forecast: %s", saldo_line_get_object_path (line), error->message);
    memset (forecast, 0, sizeof *forecast);
  }
  saldo_dbus_line_set_spend_per_day (iface, forecast->spend_known ? forecast->spend_per_day : -1);
  saldo_dbus_line_set_runs_out_on (iface, (guint64) MAX (forecast->runs_out_on, 0));
  saldo_dbus_line_set_deactivation_on (iface, (guint64) MAX (forecast->deactivation_on, 0));
  if (announce && forecast->unusual)
    announce_unusual (self, line, currency, forecast, now);
  g_hash_table_replace (self->forecasts, line_key (line), g_steal_pointer (&forecast));
}

void
saldo_forecaster_fill (SaldoForecaster *self, SaldoLine *line, SaldoLineState *state)
{
  gint64               id = saldo_line_get_id (line);
  const SaldoForecast *forecast = g_hash_table_lookup (self->forecasts, &id);

  state->spend_known = forecast != NULL && forecast->spend_known;
  state->spend_per_day = state->spend_known ? MAX (forecast->spend_per_day, 0) : 0;
}

SaldoForecaster *
saldo_forecaster_new (SaldoStore *store, SaldoLedger *ledger, SaldoLineManager *lines)
{
  SaldoForecaster *self = g_object_new (SALDO_TYPE_FORECASTER, NULL);

  self->store = g_object_ref (store);
  self->ledger = g_object_ref (ledger);
  self->lines = g_object_ref (lines);
  return self;
}

static void
saldo_forecaster_finalize (GObject *object)
{
  SaldoForecaster *self = SALDO_FORECASTER (object);

  g_hash_table_unref (self->forecasts);
  g_hash_table_unref (self->unusual_sent);
  g_clear_object (&self->lines);
  g_clear_object (&self->ledger);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (saldo_forecaster_parent_class)->finalize (object);
}

static void
saldo_forecaster_class_init (SaldoForecasterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = saldo_forecaster_finalize;
  signals[SIGNAL_UNUSUAL_SPENDING] = g_signal_new ("unusual-spending", G_TYPE_FROM_CLASS (klass),
                                                   G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                                                   G_TYPE_STRING, G_TYPE_INT64, G_TYPE_INT64);
}

static void
saldo_forecaster_init (SaldoForecaster *self)
{
  self->forecasts = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  self->unusual_sent = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
}
