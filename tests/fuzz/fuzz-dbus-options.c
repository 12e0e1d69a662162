/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
 * libFuzzer target for the a{sv} options any local caller can send: the
 * option key check every method runs first and its typed lookups,
 * AddRule/Rule.Update's rule record apply, and Line.Configure's settings
 * update.
 *
 * Input: one byte picking the line's currency and the rule's starting
 * state, then a serialised a{sv} in GVariant format.  GDBus only delivers
 * values in normal form, so the value is brought to its normal form first
 * (and checked to be one).
 *
 * A refused dictionary leaves the rule and the line exactly as they were
 * (all or nothing); an accepted one leaves a rule the engine accepts and
 * settings in their documented ranges.
 */

#include <string.h>

#include "fuzz-common.h"
#include "saldo-error.h"
#include "saldo-line.h"
#include "saldo-options.h"
#include "saldo-rule-object.h"

static const char *const line_currencies[] = { "PEN", "JPY", "BHD", "", NULL, "XYZ", "usd", "EUR" };
static const char *const providers[] = { "reloadly", "my-backend", "claro-vouchers", NULL };

/* The key lists of the methods that check options (saldo-daemon*.c). */
static const char *const        known_refresh[] = { "allow-roaming", NULL };
static const char *const        known_history[] = { "limit", "since", NULL };
static const char *const        known_simulate[] = { "line", "balance", "data", "time", NULL };
static const char *const        known_topups[] = { "line", "limit", "before", NULL };
static const char *const        known_confirm[] = { "provider", NULL };
static const char *const *const known_lists[] = {
  known_refresh, known_history, known_simulate, known_topups, known_confirm,
};

/* The typed lookups those methods make. */
static const struct {
  const char *key;
  const char *type;
} lookups[] = {
  { "allow-roaming", "b" }, { "limit", "u" }, { "since", "t" },    { "line", "o" },   { "balance", "x" },
  { "data", "t" },          { "time", "t" },  { "provider", "s" }, { "before", "s" },
};

FUZZ_QUIET_INITIALIZER

static gboolean
rule_records_equal (const SaldoRuleRecord *a, const SaldoRuleRecord *b)
{
  return a->id == b->id && a->line_id == b->line_id && g_str_equal (a->kind, b->kind) &&
         a->enabled == b->enabled && a->confirm == b->confirm && g_str_equal (a->provider, b->provider) &&
         a->amount == b->amount && g_str_equal (a->currency, b->currency) && a->below == b->below &&
         a->days_before == b->days_before && a->day == b->day && a->hour == b->hour &&
         a->max_per_topup == b->max_per_topup && a->max_per_day == b->max_per_day &&
         a->max_per_month == b->max_per_month && a->max_attempts_24h == b->max_attempts_24h &&
         a->cooldown == b->cooldown && a->created == b->created && a->rearmed_at == b->rearmed_at &&
         g_str_equal (a->disabled_reason, b->disabled_reason);
}

static SaldoRuleRecord *
existing_rule (guint state)
{
  SaldoRuleRecord *record = saldo_rule_record_new ();

  if (state == 0)
    return record; /* AddRule: a new record */
  record->id = 7;
  record->line_id = 3;
  g_free (record->provider);
  record->provider = g_strdup ("reloadly");
  g_free (record->currency);
  record->currency = g_strdup ("PEN");
  record->amount = 1000;
  record->below = 500;
  record->max_per_day = 2000;
  record->created = 1767225600;
  if (state == 2) {
    record->enabled = FALSE;
    g_free (record->disabled_reason);
    record->disabled_reason = g_strdup ("3 failed top-ups in a row");
  }
  return record;
}

static void
check_rule_apply (GVariant *options, guint state, const char *line_currency)
{
  g_autoptr(SaldoRuleRecord) record = existing_rule (state);
  g_autoptr(SaldoRuleRecord) before = saldo_rule_record_copy (record);
  g_autoptr(GError) error = NULL;
  SaldoRuleKind kind;

  if (saldo_rule_record_apply (record, options, line_currency, providers, 1790000000, &error)) {
    g_assert_no_error (error);
    g_assert_true (saldo_rule_kind_from_string (record->kind, &kind));
    g_assert_true (g_strv_contains (providers, record->provider));
    g_assert_cmpstr (record->currency, !=, "");
    g_assert_cmpint (record->amount, >, 0);
    g_assert_cmpint (record->max_per_topup, >=, 0);
    g_assert_cmpint (record->max_per_day, >=, 0);
    g_assert_cmpint (record->max_per_month, >=, 0);
  } else {
    g_assert_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT);
    g_assert_true (rule_records_equal (record, before));
  }
}

static void
check_line_settings (GVariant *options)
{
  g_autoptr(SaldoLineRecord) record = saldo_line_record_new ();
  g_autoptr(SaldoLine) line = NULL;
  g_autoptr(SaldoLineRecord) before = NULL;
  g_autoptr(GError) error = NULL;
  const SaldoLineRecord *after;
  gboolean               changed = FALSE;

  record->id = 3;
  g_free (record->iccid);
  record->iccid = g_strdup ("8951101234567890123");
  line = saldo_line_new (record);
  before = saldo_line_record_copy (saldo_line_get_record (line));

  if (saldo_line_update_settings (line, options, &changed, &error)) {
    g_assert_no_error (error);
    after = saldo_line_get_record (line);
    g_assert_true (after->refresh_interval == before->refresh_interval || after->refresh_interval == 0 ||
                   after->refresh_interval >= 600);
    g_assert_true (after->balance_code != NULL && after->balance_menu != NULL && after->own_number != NULL &&
                   after->sms_senders != NULL);
  } else {
    g_assert_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT);
    after = saldo_line_get_record (line);
    g_assert_cmpstr (after->balance_code, ==, before->balance_code);
    g_assert_cmpstr (after->balance_menu, ==, before->balance_menu);
    g_assert_cmpint (after->refresh_interval, ==, before->refresh_interval);
    g_assert_cmpint (after->allow_roaming, ==, before->allow_roaming);
    g_assert_cmpstr (after->own_number, ==, before->own_number);
    g_assert_cmpstr (after->sms_senders, ==, before->sms_senders);
  }
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GVariant) options = NULL;
  const char *line_currency;

  if (size < 1 || size > 64 * 1024)
    return 0;
  line_currency = line_currencies[data[0] % G_N_ELEMENTS (line_currencies)];

  /* A copy, so the serialised data is aligned as GVariant wants it. */
  bytes = g_bytes_new (data + 1, size - 1);
  value = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE_VARDICT, bytes, FALSE));
  options = g_variant_get_normal_form (value);
  g_assert_true (g_variant_is_normal_form (options));
  g_assert_true (g_variant_is_of_type (options, G_VARIANT_TYPE_VARDICT));

  for (guint i = 0; i < G_N_ELEMENTS (known_lists); i++) {
    g_autoptr(GError) error = NULL;

    if (!saldo_options_check_keys (options, known_lists[i], &error))
      g_assert_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT);
  }
  for (guint i = 0; i < G_N_ELEMENTS (lookups); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) found = NULL;
    const GVariantType *type = G_VARIANT_TYPE (lookups[i].type);

    if (saldo_options_lookup (options, lookups[i].key, type, "fuzz", &found, &error))
      g_assert_true (found == NULL || g_variant_is_of_type (found, type));
    else
      g_assert_true (found == NULL && g_error_matches (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT));
  }
  check_rule_apply (options, (data[0] >> 3) % 3, line_currency);
  check_line_settings (options);
  return 0;
}
