/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "saldo-ledger.h"
#include "saldo-metrics-format.h"
#include "saldo-money.h"

/* Label values come from the network (operator names) and SIMs: bounded,
 * so one odd name cannot bloat every series of a line. */
#define MAX_LABEL_BYTES 128

G_STATIC_ASSERT (SALDO_EXPORT_N_TOPUP_STATES == SALDO_LEDGER_STATE_EXPIRED + 1);

/* The format escapes \, " and line feeds; other control characters are
 * legal but break tools that print labels, so they become '?'.  Invalid
 * UTF-8, which the format forbids, is repaired. */
void
saldo_metrics_append_label_value (GString *out, const char *value)
{
  g_autofree char *valid = g_utf8_make_valid (value != NULL ? value : "", -1);
  gsize            start = out->len;

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    if (out->len - start >= MAX_LABEL_BYTES)
      break;
    if (c == '\\')
      g_string_append (out, "\\\\");
    else if (c == '"')
      g_string_append (out, "\\\"");
    else if (c == '\n')
      g_string_append (out, "\\n");
    else if (c < 0x20 || (c >= 0x7f && c < 0xa0))
      g_string_append_c (out, '?');
    else
      g_string_append_len (out, p, g_utf8_next_char (p) - p);
  }
}

static void
append_label (GString *out, const char *name, const char *value)
{
  if (out->str[out->len - 1] != '{')
    g_string_append_c (out, ',');
  g_string_append_printf (out, "%s=\"", name);
  saldo_metrics_append_label_value (out, value);
  g_string_append_c (out, '"');
}

/* name{line="1",iccid_suffix=…  — the caller adds its own labels and ends
 * the sample with end_sample (). */
static void
begin_line_sample (GString                   *out,
                   const char                *name,
                   const SaldoExportLine     *line,
                   const SaldoMetricsOptions *options)
{
  g_autofree char *suffix = saldo_export_iccid_suffix (line->iccid);
  char             number[24];

  g_snprintf (number, sizeof number, "%" G_GINT64_FORMAT, line->id);
  g_string_append_printf (out, "%s{", name);
  append_label (out, "line", number);
  append_label (out, "iccid_suffix", suffix);
  if (options->full_iccid)
    append_label (out, "iccid", line->iccid);
  append_label (out, "operator", line->operator_code);
  append_label (out, "operator_name", line->operator_name);
  append_label (out, "carrier", line->carrier);
}

static void
end_sample (GString *out, const char *value)
{
  g_string_append_printf (out, "} %s\n", value);
}

/* A family's header is written before its samples and taken back when it
 * turns out to have none (a value nobody knows is left out, never 0). */
typedef struct {
  GString *out;
  gsize    start;
  gsize    header_end;
} Family;

static Family
begin_family (GString *out, const char *name, const char *type, const char *help)
{
  Family family = { out, out->len, 0 };

  g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
  family.header_end = out->len;
  return family;
}

static void
end_family (Family *family)
{
  if (family->out->len == family->header_end)
    g_string_truncate (family->out, family->start);
}

/* ---- per-line families with one sample per line ---- */

typedef gboolean (*LineValue) (const SaldoExportLine *line, char *buf, gsize size);

static gboolean
print_int (char *buf, gsize size, gint64 value)
{
  g_snprintf (buf, size, "%" G_GINT64_FORMAT, value);
  return TRUE;
}

static gboolean
value_info (const SaldoExportLine *line, char *buf, gsize size)
{
  return print_int (buf, size, 1);
}

static gboolean
value_active (const SaldoExportLine *line, char *buf, gsize size)
{
  return print_int (buf, size, line->active ? 1 : 0);
}

static gboolean
value_roaming (const SaldoExportLine *line, char *buf, gsize size)
{
  return print_int (buf, size, line->active && line->roaming ? 1 : 0);
}

static gboolean
value_expiry (const SaldoExportLine *line, char *buf, gsize size)
{
  return line->expiry > 0 && print_int (buf, size, line->expiry);
}

static gboolean
value_data (const SaldoExportLine *line, char *buf, gsize size)
{
  g_snprintf (buf, size, "%" G_GUINT64_FORMAT, line->data_bytes);
  return line->data_known;
}

static gboolean
value_last_reading (const SaldoExportLine *line, char *buf, gsize size)
{
  return line->last_reading > 0 && print_int (buf, size, line->last_reading);
}

static gboolean
value_first_seen (const SaldoExportLine *line, char *buf, gsize size)
{
  return line->first_seen > 0 && print_int (buf, size, line->first_seen);
}

static gboolean
value_interval (const SaldoExportLine *line, char *buf, gsize size)
{
  return print_int (buf, size, MAX (line->refresh_interval, 0));
}

static gboolean
value_failures (const SaldoExportLine *line, char *buf, gsize size)
{
  g_snprintf (buf, size, "%" G_GUINT64_FORMAT, line->refresh_failures);
  return TRUE;
}

static gboolean
value_check_failed (const SaldoExportLine *line, char *buf, gsize size)
{
  return print_int (buf, size, line->last_error != NULL && *line->last_error != '\0' ? 1 : 0);
}

static gboolean
value_unknown_since (const SaldoExportLine *line, char *buf, gsize size)
{
  return line->topup_unknown_since > 0 && print_int (buf, size, line->topup_unknown_since);
}

static gboolean
value_runs_out (const SaldoExportLine *line, char *buf, gsize size)
{
  return line->runs_out_on > 0 && print_int (buf, size, line->runs_out_on);
}

static gboolean
value_deactivation (const SaldoExportLine *line, char *buf, gsize size)
{
  return line->deactivation_on > 0 && print_int (buf, size, line->deactivation_on);
}

/* Amounts in the line's currency (minor units), exported in major units
 * with a currency label. */
typedef gboolean (*LineMoney) (const SaldoExportLine *line, gint64 *minor);

static gboolean
money_balance (const SaldoExportLine *line, gint64 *minor)
{
  *minor = line->balance;
  return line->has_balance;
}

static gboolean
money_spend (const SaldoExportLine *line, gint64 *minor)
{
  *minor = line->spend_per_day;
  return line->has_balance && line->spend_known;
}

typedef struct {
  const char *name;
  const char *type;
  const char *help;
  LineValue   value; /* or: */
  LineMoney   money;
  gboolean    needs_ledger;
} LineFamily;

static const LineFamily line_families[] = {
  { "saldo_line_info", "gauge", "Every line saldod knows (1), with its SIM type.", value_info },
  { "saldo_line_active", "gauge", "1 while a modem presents the line's SIM.", value_active },
  { "saldo_line_roaming", "gauge", "1 while the line's modem is registered on a network abroad.",
    value_roaming },
  { "saldo_line_balance", "gauge",
    "The line's balance in major units of its currency (8.40 is S/ 8.40); absent while never read.", NULL,
    money_balance },
  { "saldo_line_balance_expiry_timestamp_seconds", "gauge",
    "When the balance expires, as the carrier said (unix time); absent when not known.", value_expiry },
  { "saldo_line_spend_per_day", "gauge",
    "What the line spends a day, in major units of its currency, from its readings (top-ups and "
    "other rises left out); absent while there is too little history.",
    NULL, money_spend },
  { "saldo_line_runs_out_timestamp_seconds", "gauge",
    "When the balance runs out at the rate the line spends, from its readings (unix time); "
    "absent while there is too little history or it spends nothing.",
    value_runs_out },
  { "saldo_line_deactivation_timestamp_seconds", "gauge",
    "When the carrier would deactivate the line: its deactivation period after the last "
    "recharge (unix time); absent when not known.",
    value_deactivation },
  { "saldo_line_data_remaining_bytes", "gauge",
    "Mobile data left, as the carrier said; absent when not known.", value_data },
  { "saldo_line_last_reading_timestamp_seconds", "gauge",
    "When the balance was last read (unix time); absent for a line never read. "
    "Its age is time() - this.",
    value_last_reading },
  { "saldo_line_first_seen_timestamp_seconds", "gauge", "When saldod first saw the line (unix time).",
    value_first_seen },
  { "saldo_line_refresh_interval_seconds", "gauge",
    "Seconds between scheduled balance checks of the line; 0: no schedule.", value_interval },
  { "saldo_line_refresh_failures_total", "counter",
    "Balance checks that ended without a balance since saldod started.", value_failures },
  { "saldo_line_last_check_failed", "gauge",
    "1 when the line's last balance check gave no balance (saldoctl balance shows why).",
    value_check_failed },
  { "saldo_line_topup_unknown_since_timestamp_seconds", "gauge",
    "Since when the oldest top-up of the line whose outcome is unknown has been so (unix time); "
    "absent when none is.",
    value_unknown_since, NULL, TRUE },
};

static void
format_line_family (GString                   *out,
                    const SaldoExportSnapshot *snapshot,
                    const SaldoMetricsOptions *options,
                    const LineFamily          *lf)
{
  Family family;

  if (lf->needs_ledger && !snapshot->topups_known)
    return;
  family = begin_family (out, lf->name, lf->type, lf->help);
  for (guint i = 0; i < snapshot->lines->len; i++) {
    const SaldoExportLine *line = snapshot->lines->pdata[i];
    g_autofree char       *amount = NULL;
    char                   value[32];
    gint64                 minor = 0;

    /* Major units, exactly: the money module knows each currency's minor
     * units (PEN 2, JPY 0, BHD 3). */
    if (lf->money != NULL) {
      if (!lf->money (line, &minor) || (amount = saldo_money_to_decimal (minor, line->currency)) == NULL)
        continue;
    } else if (!lf->value (line, value, sizeof value)) {
      continue;
    }
    begin_line_sample (out, lf->name, line, options);
    if (lf->value == value_info)
      append_label (out, "sim_type", line->sim_type);
    if (amount != NULL)
      append_label (out, "currency", line->currency);
    end_sample (out, amount != NULL ? amount : value);
  }
  end_family (&family);
}

/* States a top-up can wait in; the others are where it ends. */
static gboolean
state_is_pending (guint state)
{
  return state == SALDO_LEDGER_STATE_PLANNED || state == SALDO_LEDGER_STATE_INTENT ||
         state == SALDO_LEDGER_STATE_SENT || state == SALDO_LEDGER_STATE_UNKNOWN;
}

static void
format_topups (GString *out, const SaldoExportSnapshot *snapshot, const SaldoMetricsOptions *options)
{
  Family family;

  if (!snapshot->topups_known)
    return;
  /* Every state of every line, zeros too: increase() and rate() need a
   * series to exist before its first top-up. */
  family = begin_family (out, "saldo_line_topups_total", "counter",
                         "Top-ups of the line that reached the state (one top-up counts once in each "
                         "state it passed: planned, intent, sent, succeeded, verified...).");
  for (guint i = 0; i < snapshot->lines->len; i++) {
    const SaldoExportLine *line = snapshot->lines->pdata[i];

    for (guint s = 0; s < SALDO_EXPORT_N_TOPUP_STATES; s++) {
      char value[24];

      g_snprintf (value, sizeof value, "%" G_GUINT64_FORMAT, line->topups_reached[s]);
      begin_line_sample (out, "saldo_line_topups_total", line, options);
      append_label (out, "state", saldo_ledger_state_to_string (s));
      end_sample (out, value);
    }
  }
  end_family (&family);

  family = begin_family (out, "saldo_line_topup_amount_total", "counter",
                         "The amounts of the top-ups that reached the state, in major units of "
                         "their currency.");
  for (guint i = 0; i < snapshot->lines->len; i++) {
    const SaldoExportLine *line = snapshot->lines->pdata[i];

    for (guint t = 0; t < line->topup_totals->len; t++) {
      const SaldoExportTopupTotal *total = line->topup_totals->pdata[t];
      g_autofree char             *amount = saldo_money_to_decimal (total->amount, total->currency);

      if (amount == NULL)
        continue;
      begin_line_sample (out, "saldo_line_topup_amount_total", line, options);
      append_label (out, "state", saldo_ledger_state_to_string (total->state));
      append_label (out, "currency", total->currency);
      end_sample (out, amount);
    }
  }
  end_family (&family);

  family = begin_family (out, "saldo_line_topups_pending", "gauge",
                         "Top-ups of the line in the state now: planned (waiting for confirmation), "
                         "intent, sent, unknown (outcome being reconciled).");
  for (guint i = 0; i < snapshot->lines->len; i++) {
    const SaldoExportLine *line = snapshot->lines->pdata[i];

    for (guint s = 0; s < SALDO_EXPORT_N_TOPUP_STATES; s++) {
      char value[24];

      if (!state_is_pending (s))
        continue;
      g_snprintf (value, sizeof value, "%u", line->topups_open[s]);
      begin_line_sample (out, "saldo_line_topups_pending", line, options);
      append_label (out, "state", saldo_ledger_state_to_string (s));
      end_sample (out, value);
    }
  }
  end_family (&family);
}

/* ---- providers ---- */

static void
begin_provider_sample (GString *out, const char *name, const SaldoExportProvider *provider)
{
  g_string_append_printf (out, "%s{", name);
  append_label (out, "provider", provider->id);
  append_label (out, "type", provider->type);
}

/* Whether the provider is in that state, has that reason or warning. */
typedef gboolean (*ProviderHas) (const SaldoExportProvider *provider, const char *value);

static gboolean
provider_in_state (const SaldoExportProvider *provider, const char *value)
{
  return g_strcmp0 (provider->state, value) == 0;
}

static gboolean
provider_has_attention (const SaldoExportProvider *provider, const char *value)
{
  return g_strcmp0 (provider->attention, value) == 0;
}

static gboolean
provider_has_warning (const SaldoExportProvider *provider, const char *value)
{
  return g_strv_contains ((const char *const *) provider->warnings, value);
}

/* A state set: one sample per value, 1 for those that hold, 0 for the
 * others; so a change is a change of value, not of series, and an alert
 * can ask for `== 1`. */
static void
format_state_set (GString                   *out,
                  const SaldoExportSnapshot *snapshot,
                  const char                *name,
                  const char                *help,
                  const char                *label,
                  const char *const         *values,
                  ProviderHas                has)
{
  Family family = begin_family (out, name, "gauge", help);

  for (guint i = 0; i < snapshot->providers->len; i++) {
    const SaldoExportProvider *provider = snapshot->providers->pdata[i];

    for (guint v = 0; values[v] != NULL; v++) {
      begin_provider_sample (out, name, provider);
      append_label (out, label, values[v]);
      end_sample (out, has (provider, values[v]) ? "1" : "0");
    }
  }
  end_family (&family);
}

typedef gint64 (*ProviderTime) (const SaldoExportProvider *provider);

static gint64
provider_payment_end (const SaldoExportProvider *provider)
{
  return provider->payment_end;
}

static gint64
provider_last_success (const SaldoExportProvider *provider)
{
  return provider->last_success;
}

/* Absent where the time is 0 (not given, never). */
static void
format_provider_time (GString                   *out,
                      const SaldoExportSnapshot *snapshot,
                      const char                *name,
                      const char                *help,
                      ProviderTime               when)
{
  Family family = begin_family (out, name, "gauge", help);

  for (guint i = 0; i < snapshot->providers->len; i++) {
    const SaldoExportProvider *provider = snapshot->providers->pdata[i];
    char                       value[24];

    if (when (provider) <= 0)
      continue;
    print_int (value, sizeof value, when (provider));
    begin_provider_sample (out, name, provider);
    end_sample (out, value);
  }
  end_family (&family);
}

static void
format_providers (GString *out, const SaldoExportSnapshot *snapshot)
{
  Family family;

  format_state_set (out, snapshot, "saldo_provider_state",
                    "The top-up provider's state, 1 for the one it is in: ok, needs-attention (it cannot "
                    "top up until its owner acts; the rules using it wait), unreachable, unknown.",
                    "state", saldo_export_provider_states, provider_in_state);
  format_state_set (out, snapshot, "saldo_provider_attention",
                    "While the provider needs attention, what its owner must fix, 1 for that one: "
                    "insufficient-funds, credentials-rejected, payment-declined, payment-expired.",
                    "reason", saldo_export_attentions, provider_has_attention);
  format_state_set (out, snapshot, "saldo_provider_warning",
                    "What will stop the provider soon, 1 for each that holds: funds-low (its funds are "
                    "below FundsWarnBelow= of its file), funds-short (below what the next top-up of "
                    "every rule using it needs), payment-expires-soon (PaymentExpires= ends within 30 "
                    "days), payment-expired.",
                    "warning", saldo_export_provider_warnings, provider_has_warning);

  family = begin_family (out, "saldo_provider_funds", "gauge",
                         "What the provider's own account holds (the money top-ups are paid from), in "
                         "major units of its currency; absent when the provider cannot tell.");
  for (guint i = 0; i < snapshot->providers->len; i++) {
    const SaldoExportProvider *provider = snapshot->providers->pdata[i];
    g_autofree char           *amount = NULL;

    if (!provider->funds_known ||
        (amount = saldo_money_to_decimal (provider->funds, provider->funds_currency)) == NULL)
      continue;
    begin_provider_sample (out, "saldo_provider_funds", provider);
    append_label (out, "currency", provider->funds_currency);
    end_sample (out, amount);
  }
  end_family (&family);

  family = begin_family (out, "saldo_provider_spent_this_month", "gauge",
                         "Top-ups through the provider since the first of this month (local time) that "
                         "may have charged, in major units of their currency; back to absent when the "
                         "month turns. Absent in a currency nothing was spent in.");
  for (guint i = 0; i < snapshot->providers->len; i++) {
    const SaldoExportProvider *provider = snapshot->providers->pdata[i];

    for (guint a = 0; a < provider->spent_this_month->len; a++) {
      const SaldoExportAmount *spent = provider->spent_this_month->pdata[a];
      g_autofree char         *amount = saldo_money_to_decimal (spent->amount, spent->currency);

      if (amount == NULL)
        continue;
      begin_provider_sample (out, "saldo_provider_spent_this_month", provider);
      append_label (out, "currency", spent->currency);
      end_sample (out, amount);
    }
  }
  end_family (&family);

  format_provider_time (out, snapshot, "saldo_provider_payment_expiry_timestamp_seconds",
                        "When the payment method its owner named (PaymentExpires=, a card's last month) "
                        "stops working: the first second after that month, local time (unix time); "
                        "absent when not given.",
                        provider_payment_end);
  format_provider_time (out, snapshot, "saldo_provider_last_success_timestamp_seconds",
                        "When the provider last answered well, to a top-up or about its account (unix "
                        "time); absent when never.",
                        provider_last_success);
}

void
saldo_metrics_format (const SaldoExportSnapshot *snapshot, const SaldoMetricsOptions *options, GString *out)
{
  Family family;
  char   value[32];

  family = begin_family (out, "saldo_build_info", "gauge", "The saldod that writes this file (1).");
  g_string_append (out, "saldo_build_info{");
  append_label (out, "version", SALDO_VERSION);
  end_sample (out, "1");
  end_family (&family);

  family = begin_family (out, "saldo_start_time_seconds", "gauge", "When saldod started (unix time).");
  g_snprintf (value, sizeof value, "%" G_GINT64_FORMAT, snapshot->started);
  g_string_append_printf (out, "saldo_start_time_seconds %s\n", value);
  end_family (&family);

  family = begin_family (out, "saldo_modem_manager_running", "gauge",
                         "1 while ModemManager runs (saldod sees modems only through it).");
  g_string_append_printf (out, "saldo_modem_manager_running %d\n", snapshot->modem_manager_running ? 1 : 0);
  end_family (&family);

  for (guint i = 0; i < G_N_ELEMENTS (line_families); i++)
    format_line_family (out, snapshot, options, &line_families[i]);
  format_topups (out, snapshot, options);
  format_providers (out, snapshot);
}
