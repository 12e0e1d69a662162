/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "saldo-balance-parser.h"
#include "saldo-carrier-db.h"
#include "saldo-money.h"
#include "saldoctl.h"
#include "saldoctl-output.h"

/* saldoctl parse: the reply parser offline, for people adding a carrier.
 * It needs no daemon and no modem. */

static char *
read_stdin (GError **error)
{
  g_autoptr(GString) text = g_string_new (NULL);
  char   buffer[4096];
  size_t n;

  while ((n = fread (buffer, 1, sizeof buffer, stdin)) > 0) {
    g_string_append_len (text, buffer, (gssize) n);
    if (text->len > 64 * 1024) {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _ ("parse: input longer than 64 KiB"));
      return NULL;
    }
  }
  /* A trailing newline from echo or a file is not part of the reply. */
  while (text->len > 0 && (text->str[text->len - 1] == '\n' || text->str[text->len - 1] == '\r'))
    g_string_truncate (text, text->len - 1);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
add_span (JsonBuilder *b, const char *name, gboolean present, const SaldoTextSpan *span)
{
  json_builder_set_member_name (b, name);
  if (!present || span->end <= span->start) {
    json_builder_add_null_value (b);
    return;
  }
  json_builder_begin_array (b);
  json_builder_add_int_value (b, (gint64) span->start);
  json_builder_add_int_value (b, (gint64) span->end);
  json_builder_end_array (b);
}

static char *
bucket_expiry (const SaldoBucket *b)
{
  return b->has_expiry ? g_strdup_printf ("%04u-%02u-%02u", b->expiry_year, b->expiry_month, b->expiry_day)
                       : NULL;
}

static void
add_buckets (JsonBuilder *b, const SaldoBalanceResult *result)
{
  json_builder_set_member_name (b, "buckets");
  json_builder_begin_array (b);
  for (guint i = 0; i < result->n_buckets; i++) {
    const SaldoBucket *bucket = &result->buckets[i];
    g_autofree char   *expiry = bucket_expiry (bucket);

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "label");
    json_builder_add_string_value (b, saldo_bucket_label_to_string (bucket->label));
    json_builder_set_member_name (b, "main");
    json_builder_add_boolean_value (b, (int) i == result->main_bucket);
    if (bucket->label == SALDO_BUCKET_DATA) {
      json_builder_set_member_name (b, "data_bytes");
      json_builder_add_int_value (b, (gint64) MIN (bucket->data_bytes, (guint64) G_MAXINT64));
    } else {
      g_autofree char *amount = saldo_money_to_decimal (bucket->amount_minor, bucket->currency);

      json_builder_set_member_name (b, "amount");
      json_builder_add_string_value (b, amount);
      json_builder_set_member_name (b, "currency");
      json_builder_add_string_value (b, bucket->currency);
    }
    json_builder_set_member_name (b, "expiry");
    if (expiry != NULL)
      json_builder_add_string_value (b, expiry);
    else
      json_builder_add_null_value (b);
    add_span (b, "span", TRUE, &bucket->span);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
}

static void
print_buckets (const SaldoBalanceResult *result, const char *text)
{
  for (guint i = 0; i < result->n_buckets; i++) {
    const SaldoBucket *bucket = &result->buckets[i];
    g_autofree char   *expiry = bucket_expiry (bucket);
    g_autofree char   *value = NULL;

    if (bucket->label == SALDO_BUCKET_DATA)
      value = g_strdup_printf ("%" G_GUINT64_FORMAT " bytes", bucket->data_bytes);
    else
      value = saldo_money_format (bucket->amount_minor, bucket->currency);
    g_print ("  %s %-9s %s%s%s  “%.*s”\n", (int) i == result->main_bucket ? "*" : " ",
             saldo_bucket_label_to_string (bucket->label), value, expiry != NULL ? ", expires " : "",
             expiry != NULL ? expiry : "", (int) (bucket->span.end - bucket->span.start),
             text + bucket->span.start);
  }
}

int
saldoctl_cmd_parse (SaldoCtl *ctl, int argc, char **argv, GError **error)
{
  const char      *country = NULL;
  const char      *carrier_id = NULL;
  const char      *currency = NULL;
  const char      *carriers_dir = g_getenv ("SALDO_CARRIERS_DIR");
  const char      *arg_text = NULL;
  gboolean         explain = FALSE;
  g_autofree char *text = NULL;
  g_autoptr(SaldoCarrierDb) db = NULL;
  SaldoCarrier      *carrier = NULL; /* owned by db */
  SaldoBalanceHints  hints;
  SaldoBalanceResult result = { 0 };
  g_autofree char   *amount = NULL;
  g_autofree char   *expiry = NULL;

  for (int i = 0; i < argc; i++) {
    const char **target = NULL;

    if (g_str_equal (argv[i], "--country"))
      target = &country;
    else if (g_str_equal (argv[i], "--carrier"))
      target = &carrier_id;
    else if (g_str_equal (argv[i], "--currency"))
      target = &currency;
    else if (g_str_equal (argv[i], "--carriers-dir"))
      target = &carriers_dir;
    if (target != NULL) {
      if (i + 1 >= argc) {
        g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _ ("%s needs a value"), argv[i]);
        return EXIT_FAILURE;
      }
      *target = argv[++i];
    } else if (g_str_equal (argv[i], "--explain")) {
      explain = TRUE;
    } else if (arg_text == NULL && (argv[i][0] != '-' || g_str_equal (argv[i], "-"))) {
      arg_text = argv[i];
    } else {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _ ("parse: unexpected '%s'"), argv[i]);
      return EXIT_FAILURE;
    }
  }
  if (arg_text == NULL) {
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         _ ("usage: saldoctl parse [--country CC] [--carrier ID] [--explain] TEXT|-"));
    return EXIT_FAILURE;
  }
  if (g_str_equal (arg_text, "-")) {
    text = read_stdin (error);
    if (text == NULL)
      return EXIT_FAILURE;
  } else {
    text = g_strdup (arg_text);
  }

  saldo_balance_hints_init (&hints);
  hints.now = g_get_real_time () / G_USEC_PER_SEC;
  hints.explain = explain;
  if (carrier_id != NULL) {
    const char *dirs[] = { carriers_dir != NULL ? carriers_dir : SALDO_CARRIERS_DIR,
                           SALDO_SYSCONFDIR "/saldo/carriers.d", NULL };

    db = saldo_carrier_db_new_from_dirs (dirs);
    carrier = saldo_carrier_db_get (db, carrier_id);
    if (carrier == NULL) {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _ ("--carrier: no carrier definition '%s'"), carrier_id);
      return EXIT_FAILURE;
    }
    saldo_carrier_fill_balance_hints (carrier, &hints);
  }
  if (country != NULL)
    hints.country = country;
  if (currency != NULL)
    hints.default_currency = currency;

  if (!saldo_balance_parse (text, -1, &hints, &result, error))
    return EXIT_FAILURE;

  if (result.kind == SALDO_REPLY_KIND_BALANCE && result.has_amount)
    amount = saldo_money_to_decimal (result.amount_minor, result.currency);
  expiry = saldo_balance_result_dup_expiry (&result);

  if (ctl->json) {
    g_autoptr(JsonBuilder) b = json_builder_new ();

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "kind");
    json_builder_add_string_value (b, saldo_reply_kind_to_string (result.kind));
    json_builder_set_member_name (b, "amount");
    if (amount != NULL)
      json_builder_add_string_value (b, amount);
    else
      json_builder_add_null_value (b);
    json_builder_set_member_name (b, "currency");
    if (result.currency[0] != '\0')
      json_builder_add_string_value (b, result.currency);
    else
      json_builder_add_null_value (b);
    json_builder_set_member_name (b, "expiry");
    if (expiry != NULL)
      json_builder_add_string_value (b, expiry);
    else
      json_builder_add_null_value (b);
    json_builder_set_member_name (b, "data_bytes");
    if (result.has_data)
      json_builder_add_int_value (b, (gint64) MIN (result.data_bytes, (guint64) G_MAXINT64));
    else
      json_builder_add_null_value (b);
    json_builder_set_member_name (b, "ambiguity");
    if (result.ambiguity != NULL)
      json_builder_add_string_value (b, result.ambiguity);
    else
      json_builder_add_null_value (b);
    add_buckets (b, &result);
    if (explain) {
      json_builder_set_member_name (b, "spans");
      json_builder_begin_object (b);
      add_span (b, "amount", result.has_amount, &result.amount_span);
      add_span (b, "currency", result.currency[0] != '\0', &result.currency_span);
      add_span (b, "expiry", result.has_expiry, &result.expiry_span);
      add_span (b, "data", result.has_data, &result.data_span);
      json_builder_end_object (b);
      json_builder_set_member_name (b, "explanation");
      json_builder_begin_array (b);
      for (guint i = 0; result.explanation != NULL && i < result.explanation->len; i++)
        json_builder_add_string_value (b, result.explanation->pdata[i]);
      json_builder_end_array (b);
    }
    json_builder_end_object (b);
    saldoctl_print_json (b);
  } else {
    g_print ("kind:     %s\n", saldo_reply_kind_to_string (result.kind));
    if (result.ambiguity != NULL)
      g_print ("why:      %s\n", result.ambiguity);
    if (amount != NULL)
      g_print ("amount:   %s %s\n", amount, result.currency);
    if (expiry != NULL)
      g_print ("expiry:   %s\n", expiry);
    if (result.has_data)
      g_print ("data:     %" G_GUINT64_FORMAT " bytes\n", result.data_bytes);
    if (explain) {
      if (result.n_buckets > 0)
        g_print ("buckets:  (* the main one)\n");
      print_buckets (&result, text);
      if (result.has_amount)
        g_print ("from:     “%.*s”\n", (int) (result.amount_span.end - result.amount_span.start),
                 text + result.amount_span.start);
      for (guint i = 0; result.explanation != NULL && i < result.explanation->len; i++)
        g_print ("  %s\n", (const char *) result.explanation->pdata[i]);
    }
  }
  saldo_balance_result_clear (&result);
  return EXIT_SUCCESS;
}
