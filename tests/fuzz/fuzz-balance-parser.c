/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
 * libFuzzer target for the balance-reply parser: the input is the reply
 * text as it came (not NUL-terminated, maybe not UTF-8), parsed once per
 * hint combination, with the explanation on and off.
 */

#include <string.h>

#include "saldo-balance-parser.h"
#include "saldo-money.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

typedef struct {
  const char             *country;
  const char             *default_currency;
  SaldoBalanceDecimalMark mark;
  SaldoBalanceDateOrder   order;
  gint64                  now;
  gboolean                with_patterns;
} FuzzHints;

static const FuzzHints hint_sets[] = {
  { NULL, NULL, SALDO_BALANCE_DECIMAL_AUTO, SALDO_BALANCE_DATE_AUTO, 0, FALSE },
  { "PE", NULL, SALDO_BALANCE_DECIMAL_AUTO, SALDO_BALANCE_DATE_AUTO, 1767225600, FALSE },
  { "US", "USD", SALDO_BALANCE_DECIMAL_POINT, SALDO_BALANCE_DATE_MDY, 4102444799, FALSE },
  { "TH", "THB", SALDO_BALANCE_DECIMAL_COMMA, SALDO_BALANCE_DATE_YMD, -86401, FALSE },
  { "BH", "XYZ", SALDO_BALANCE_DECIMAL_AUTO, SALDO_BALANCE_DATE_DMY, 1, TRUE },
};

static GPtrArray *
get_patterns (void)
{
  static GPtrArray *patterns;

  if (patterns == NULL) {
    patterns = g_ptr_array_new_with_free_func ((GDestroyNotify) g_regex_unref);
    g_ptr_array_add (patterns, g_regex_new ("(?<amount>\\d+[.,]\\d+)\\s*(?<currency>\\S+)?"
                                            "(.*?(?<expiry>\\d+/\\d+/\\d+))?"
                                            "(.*?(?<data>\\d+\\s*[MG]B))?",
                                            0, 0, NULL));
  }
  return patterns;
}

static void
check_span (const SaldoTextSpan *span, gsize len)
{
  g_assert_cmpuint (span->start, <=, span->end);
  g_assert_cmpuint (span->end, <=, len);
}

static void
check_result (const SaldoBalanceResult *r, gsize len, gboolean explain)
{
  g_autofree char *expiry = saldo_balance_result_dup_expiry (r);

  g_assert_nonnull (saldo_reply_kind_to_string (r->kind));
  g_assert_true ((r->explanation != NULL) == explain);
  g_assert_cmpuint (strnlen (r->currency, sizeof (r->currency)), <, sizeof (r->currency));
  check_span (&r->amount_span, len);
  check_span (&r->currency_span, len);
  check_span (&r->expiry_span, len);
  check_span (&r->data_span, len);
  g_assert_cmpuint (r->n_buckets, <=, SALDO_BALANCE_MAX_BUCKETS);
  for (guint i = 0; i < r->n_buckets; i++) {
    check_span (&r->buckets[i].span, len);
    g_assert_nonnull (saldo_bucket_label_to_string (r->buckets[i].label));
    /* "" only for a zero-balance phrase with no currency to tell */
    if (r->buckets[i].label != SALDO_BUCKET_DATA && r->buckets[i].currency[0] != '\0')
      g_assert_true (saldo_currency_is_valid (r->buckets[i].currency));
  }
  g_assert_cmpint (r->main_bucket, >=, -1);
  g_assert_cmpint (r->main_bucket, <, (int) r->n_buckets);
  g_assert_true ((r->kind == SALDO_REPLY_KIND_AMBIGUOUS) == (r->ambiguity != NULL));
  if (r->kind != SALDO_REPLY_KIND_BALANCE) {
    g_assert_false (r->has_amount);
    g_assert_false (r->has_data);
    g_assert_false (r->has_expiry);
  }
  if (r->has_expiry) {
    g_assert_nonnull (expiry);
    g_assert_cmpuint (r->expiry_year, >=, 1990);
    g_assert_cmpuint (r->expiry_year, <=, 2101);
    g_assert_cmpuint (r->expiry_month, >=, 1);
    g_assert_cmpuint (r->expiry_month, <=, 12);
    g_assert_cmpuint (r->expiry_day, >=, 1);
    g_assert_cmpuint (r->expiry_day, <=, 31);
  } else {
    g_assert_null (expiry);
  }
  if (r->has_amount && r->currency[0] != '\0') {
    g_autofree char *text = saldo_money_to_decimal (r->amount_minor, r->currency);

    g_assert_nonnull (text);
  }
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  /* A heap copy of exactly size bytes: ASan flags any read past it. */
  g_autofree char *text = g_malloc (MAX (size, 1));
  gboolean         valid = g_utf8_validate_len ((const char *) data, size, NULL);

  memcpy (text, data, size);
  for (guint h = 0; h < G_N_ELEMENTS (hint_sets); h++) {
    for (int explain = 0; explain <= 1; explain++) {
      g_autoptr(GError) error = NULL;
      SaldoBalanceHints  hints;
      SaldoBalanceResult result;

      saldo_balance_hints_init (&hints);
      hints.country = hint_sets[h].country;
      hints.default_currency = hint_sets[h].default_currency;
      hints.decimal_mark = hint_sets[h].mark;
      hints.date_order = hint_sets[h].order;
      hints.now = hint_sets[h].now;
      hints.patterns = hint_sets[h].with_patterns ? get_patterns () : NULL;
      hints.explain = explain;

      if (saldo_balance_parse (text, (gssize) size, &hints, &result, &error)) {
        g_assert_true (valid);
        g_assert_no_error (error);
        check_result (&result, size, explain);
      } else {
        g_assert_false (valid);
        g_assert_error (error, SALDO_BALANCE_PARSER_ERROR, SALDO_BALANCE_PARSER_ERROR_INVALID_INPUT);
      }
      saldo_balance_result_clear (&result);
    }
  }
  return 0;
}
