/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "saldo-client-format.h"
#include "saldo-money.h"
#include "saldoctl.h"
#include "saldoctl-output.h"

/* saldoctl topup and history: spending money, and the receipts.  Amounts
 * cross the command line in major units ("20.50") and D-Bus in minor units
 * (2050); the conversion is integer only, since 0.1 has no exact double. */

const char *
saldoctl_line_currency (SaldoDBusLine *line, GError **error)
{
  const char *currency = saldo_dbus_line_get_currency (line);

  if (currency == NULL || *currency == '\0') {
    g_autofree char *n = g_strdup_printf ("%" G_GINT64_FORMAT, saldoctl_line_number (line));

    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 _ ("line %s has no known currency yet: read the balance first "
                    "(saldoctl balance --refresh %s)"),
                 n, n);
    return NULL;
  }
  return currency;
}

/* No thousands separators and no decimal comma: "1.000" and "1,000" mean
 * different things in different countries. */
gboolean
saldoctl_parse_money (const char *text, const char *currency, gint64 *out_minor, GError **error)
{
  g_autoptr(GError) local = NULL;

  if (*text == '-') {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _ ("'%s': an amount cannot be negative"),
                 text);
    return FALSE;
  }
  if (!saldo_money_parse_decimal (text, currency, out_minor, &local)) {
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, local->message);
    return FALSE;
  }
  return TRUE;
}

static const struct {
  const char *suffix;
  guint       shift;
} byte_units[] = {
  /* Binary, as carriers' "MB" are read by the balance parser. */
  { "", 0 },    { "B", 0 },    { "K", 10 }, { "KB", 10 }, { "KiB", 10 }, { "M", 20 },
  { "MB", 20 }, { "MiB", 20 }, { "G", 30 }, { "GB", 30 }, { "GiB", 30 },
};

gboolean
saldoctl_parse_bytes (const char *text, guint64 *out_bytes, GError **error)
{
  const char *p = text;
  guint64     mantissa = 0, divisor = 1;
  guint       n_digits = 0, n_frac = 0;
  gboolean    dot = FALSE;
  int         shift = -1;

  for (; g_ascii_isdigit (*p) || (*p == '.' && !dot); p++) {
    if (*p == '.') {
      dot = TRUE;
      continue;
    }
    n_digits++;
    /* Past 18 digits it is too large anyway; stop before overflowing. */
    if (n_digits <= 18) {
      mantissa = mantissa * 10 + (guint64) (*p - '0');
      if (dot) {
        n_frac++;
        divisor *= 10;
      }
    }
  }
  if (*p == ' ')
    p++;
  for (guint i = 0; i < G_N_ELEMENTS (byte_units); i++) {
    if (g_ascii_strcasecmp (p, byte_units[i].suffix) == 0)
      shift = (int) byte_units[i].shift;
  }
  if (shift < 0 || n_digits == 0 || text[0] == '.' || (dot && n_frac == 0)) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 _ ("'%s' is not a data size; write it like 500MB, 1.5GB or 200000 (bytes)"), text);
    return FALSE;
  }
  if (n_digits > 18 || mantissa > ((guint64) G_MAXINT64 >> shift)) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _ ("'%s': data size too large"), text);
    return FALSE;
  }
  /* Fractions of a byte are dropped ("0.1KB" is 102 bytes). */
  *out_bytes = (mantissa << shift) / divisor;
  return TRUE;
}

char *
saldoctl_format_bytes (guint64 bytes)
{
  /* The largest unit that keeps the number whole, so it reads back exactly. */
  for (guint i = G_N_ELEMENTS (byte_units); i-- > 0;) {
    guint64 unit = G_GUINT64_CONSTANT (1) << byte_units[i].shift;

    if (bytes != 0 && byte_units[i].suffix[0] != '\0' && strlen (byte_units[i].suffix) == 2 &&
        bytes % unit == 0)
      return g_strdup_printf ("%" G_GUINT64_FORMAT " %s", bytes / unit, byte_units[i].suffix);
  }
  return g_strdup_printf ("%" G_GUINT64_FORMAT " B", bytes);
}

static gboolean
is_plain_number (const char *value)
{
  const char *p = value;

  if (*p == '-')
    p++;
  if (!g_ascii_isdigit (*p))
    return FALSE;
  while (g_ascii_isdigit (*p))
    p++;
  if (*p == '.') {
    p++;
    if (!g_ascii_isdigit (*p))
      return FALSE;
    while (g_ascii_isdigit (*p))
      p++;
  }
  return *p == '\0';
}

/* One RFC 4180 field.  Text from carriers and providers may start like a
 * spreadsheet formula (=, +, -, @, or a tab/CR that some programs skip):
 * a leading apostrophe keeps it text.  Our own numbers ("-1.50") stay
 * numbers. */
char *
saldoctl_csv_field (const char *value)
{
  g_autoptr(GString) out = g_string_new (NULL);
  gboolean quote;

  if (value == NULL)
    value = "";
  if (strchr ("=+-@\t\r", value[0]) != NULL && value[0] != '\0' && !is_plain_number (value))
    g_string_append_c (out, '\'');
  g_string_append (out, value);
  quote = strpbrk (out->str, ",\"\r\n") != NULL;
  if (quote) {
    g_string_replace (out, "\"", "\"\"", 0);
    g_string_prepend_c (out, '"');
    g_string_append_c (out, '"');
  }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static int
topup_answer (SaldoCtl *ctl, gboolean confirm, int argc, char **argv, GError **error)
{
  gboolean ok;

  if (argc != 2 || argv[1][0] == '-') {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _ ("usage: saldoctl topup %s ID"), argv[0]);
    return EXIT_FAILURE;
  }
  if (confirm)
    ok = saldo_dbus_manager_call_confirm_top_up_sync (ctl->manager, argv[1], saldoctl_call_flags (), -1, NULL,
                                                      error);
  else
    ok = saldo_dbus_manager_call_reject_top_up_sync (ctl->manager, argv[1], saldoctl_call_flags (), -1, NULL,
                                                     error);
  if (!ok)
    return EXIT_FAILURE;
  if (ctl->json) {
    g_autoptr(JsonBuilder) b = json_builder_new ();

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "id");
    json_builder_add_string_value (b, argv[1]);
    json_builder_set_member_name (b, confirm ? "confirmed" : "rejected");
    json_builder_add_boolean_value (b, TRUE);
    json_builder_end_object (b);
    saldoctl_print_json (b);
  } else {
    /* TRANSLATORS: "top-up 12 confirmed" */
    g_print (confirm ? _ ("top-up %s confirmed") : _ ("top-up %s rejected"), argv[1]);
    g_print ("\n");
  }
  return EXIT_SUCCESS;
}

/* saldoctl topup resolve ID succeeded|failed [--note TEXT] */
static int
topup_resolve (SaldoCtl *ctl, int argc, char **argv, GError **error)
{
  const char  *positional[2] = { NULL, NULL };
  const char  *note = NULL;
  guint        n_positional = 0;
  GVariantDict options;

  for (int i = 1; i < argc; i++) {
    if (g_str_equal (argv[i], "--note") && i + 1 < argc) {
      note = argv[++i];
    } else if (g_str_has_prefix (argv[i], "--note=")) {
      note = argv[i] + strlen ("--note=");
    } else if (n_positional < 2 && argv[i][0] != '-') {
      positional[n_positional++] = argv[i];
    } else {
      n_positional = 3;
      break;
    }
  }
  if (n_positional != 2 ||
      (!g_str_equal (positional[1], "succeeded") && !g_str_equal (positional[1], "failed"))) {
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         _ ("usage: saldoctl topup resolve ID succeeded|failed [--note TEXT]"));
    return EXIT_FAILURE;
  }
  g_variant_dict_init (&options, NULL);
  if (note != NULL)
    g_variant_dict_insert (&options, "note", "s", note);
  if (!saldo_dbus_manager_call_resolve_top_up_sync (ctl->manager, positional[0], positional[1],
                                                    g_variant_dict_end (&options), saldoctl_call_flags (), -1,
                                                    NULL, error))
    return EXIT_FAILURE;
  if (ctl->json) {
    g_autoptr(JsonBuilder) b = json_builder_new ();

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "id");
    json_builder_add_string_value (b, positional[0]);
    json_builder_set_member_name (b, "resolved");
    json_builder_add_string_value (b, positional[1]);
    json_builder_end_object (b);
    saldoctl_print_json (b);
  } else {
    /* TRANSLATORS: "top-up 12 resolved as succeeded" (a top-up's id and state) */
    g_print (_ ("top-up %s resolved as %s\n"), positional[0], saldoctl_topup_state_word (positional[1]));
  }
  return EXIT_SUCCESS;
}

/* saldoctl topup LINE AMOUNT [--provider ID] | confirm ID | reject ID |
 * resolve ID succeeded|failed [--note TEXT] */
int
saldoctl_cmd_topup (SaldoCtl *ctl, int argc, char **argv, GError **error)
{
  g_autoptr(SaldoDBusLine) line = NULL;
  g_autofree char *id = NULL;
  g_autofree char *shown = NULL;
  const char      *positional[2] = { NULL, NULL };
  const char      *provider = NULL;
  const char      *currency;
  GVariantDict     options;
  guint            n_positional = 0;
  gint64           amount;

  if (argc >= 1 && (g_str_equal (argv[0], "confirm") || g_str_equal (argv[0], "reject")))
    return topup_answer (ctl, g_str_equal (argv[0], "confirm"), argc, argv, error);
  if (argc >= 1 && g_str_equal (argv[0], "resolve"))
    return topup_resolve (ctl, argc, argv, error);

  for (int i = 0; i < argc; i++) {
    if (g_str_equal (argv[i], "--provider") && i + 1 < argc) {
      provider = argv[++i];
    } else if (g_str_has_prefix (argv[i], "--provider=")) {
      provider = argv[i] + strlen ("--provider=");
    } else if (n_positional < 2 && (argv[i][0] != '-' || n_positional == 1)) {
      /* "-5" as the amount gets the amount's own error below. */
      positional[n_positional++] = argv[i];
    } else {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _ ("topup: unexpected '%s'"), argv[i]);
      return EXIT_FAILURE;
    }
  }
  if (n_positional != 2) {
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         _ ("usage: saldoctl topup LINE AMOUNT [--provider ID] | topup confirm|reject ID |"
                            " topup resolve ID succeeded|failed [--note TEXT]"));
    return EXIT_FAILURE;
  }
  line = saldoctl_find_line (ctl, positional[0], error);
  if (line == NULL)
    return EXIT_FAILURE;
  currency = saldoctl_line_currency (line, error);
  if (currency == NULL)
    return EXIT_FAILURE;
  if (!saldoctl_parse_money (positional[1], currency, &amount, error)) {
    g_prefix_error (error, _ ("topup: "));
    return EXIT_FAILURE;
  }
  if (amount == 0) {
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         _ ("topup: the amount must be greater than zero"));
    return EXIT_FAILURE;
  }

  g_variant_dict_init (&options, NULL);
  if (provider != NULL)
    g_variant_dict_insert (&options, "provider", "s", provider);
  if (!saldo_dbus_line_call_top_up_sync (line, amount, g_variant_dict_end (&options), saldoctl_call_flags (),
                                         -1, &id, NULL, error))
    return EXIT_FAILURE;

  shown = saldoctl_format_money (amount, currency);
  if (ctl->json) {
    g_autoptr(JsonBuilder) b = json_builder_new ();

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "id");
    json_builder_add_string_value (b, id);
    json_builder_set_member_name (b, "line");
    json_builder_add_int_value (b, saldoctl_line_number (line));
    json_builder_set_member_name (b, "amount");
    json_builder_add_string_value (b, shown);
    json_builder_set_member_name (b, "currency");
    json_builder_add_string_value (b, currency);
    json_builder_end_object (b);
    saldoctl_print_json (b);
  } else {
    g_print ("%s\n", id);
  }
  return EXIT_SUCCESS;
}

/* ---- history (top-up receipts) ---------------------------------------- */

typedef struct {
  const char *id;
  const char *line_path;
  const char *rule;
  const char *provider;
  const char *state;
  const char *currency;
  const char *reference;
  const char *transaction_id;
  const char *delivered_currency;
  const char *message;
  const char *error;
  gint64      line; /* -1 when the line is gone */
  gint64      amount_minor;
  guint64     created;
  char       *iccid;
  char       *time;     /* created, ISO 8601 UTC */
  char       *finished; /* NULL while not finished */
  char       *amount;
  char       *delivered_amount;
  char       *balance_before;
  char       *balance_after;
} TopUpRow;

static void
topup_row_clear (TopUpRow *row)
{
  g_free (row->iccid);
  g_free (row->time);
  g_free (row->finished);
  g_free (row->amount);
  g_free (row->delivered_amount);
  g_free (row->balance_before);
  g_free (row->balance_after);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TopUpRow, topup_row_clear)

static const char *
dict_string (GVariant *dict, const char *key)
{
  const char *value = NULL;

  g_variant_lookup (dict, key, "&s", &value);
  return value != NULL ? value : "";
}

static char *
iso_time (guint64 unix_seconds)
{
  g_autoptr(GDateTime) dt = NULL;

  if (unix_seconds == 0)
    return NULL;
  dt = g_date_time_new_from_unix_utc ((gint64) MIN (unix_seconds, (guint64) G_MAXINT64));
  return dt != NULL ? g_date_time_format_iso8601 (dt) : NULL;
}

static char *
dict_money (GVariant *dict, const char *key, const char *currency)
{
  gint64 minor;

  if (!g_variant_lookup (dict, key, "x", &minor))
    return NULL;
  return saldoctl_format_money (minor, currency);
}

static void
topup_row_init (TopUpRow *row, SaldoCtl *ctl, GVariant *dict)
{
  g_autoptr(GDBusObject) object = NULL;
  g_autoptr(SaldoDBusLine) line = NULL;
  guint64 created = 0, finished = 0;

  memset (row, 0, sizeof *row);
  row->id = dict_string (dict, "id");
  row->provider = dict_string (dict, "provider");
  row->state = dict_string (dict, "state");
  row->currency = dict_string (dict, "currency");
  row->reference = dict_string (dict, "reference");
  row->transaction_id = dict_string (dict, "transaction-id");
  row->delivered_currency = dict_string (dict, "delivered-currency");
  row->message = dict_string (dict, "message");
  row->error = dict_string (dict, "error");
  row->line_path = "/";
  row->rule = "/";
  g_variant_lookup (dict, "line", "&o", &row->line_path);
  g_variant_lookup (dict, "rule", "&o", &row->rule);
  g_variant_lookup (dict, "created", "t", &created);
  g_variant_lookup (dict, "finished", "t", &finished);
  g_variant_lookup (dict, "amount", "x", &row->amount_minor);
  row->created = created;

  row->line = -1;
  if (!g_str_equal (row->line_path, "/"))
    object = g_dbus_object_manager_get_object (ctl->object_manager, row->line_path);
  if (object != NULL)
    line = saldo_dbus_object_get_line (SALDO_DBUS_OBJECT (object));
  if (line != NULL) {
    row->line = saldoctl_line_number (line);
    row->iccid = g_strdup (saldo_dbus_line_get_iccid (line));
  }
  if (row->iccid == NULL)
    row->iccid = g_strdup ("");
  row->time = iso_time (created);
  if (row->time == NULL)
    row->time = g_strdup ("");
  row->finished = iso_time (finished);
  row->amount = dict_money (dict, "amount", row->currency);
  if (row->amount == NULL)
    row->amount = g_strdup ("");
  row->delivered_amount = dict_money (dict, "delivered-amount",
                                      *row->delivered_currency != '\0' ? row->delivered_currency
                                                                       : row->currency);
  /* Balances are the line's, which is the top-up's currency. */
  row->balance_before = dict_money (dict, "balance-before", row->currency);
  row->balance_after = dict_money (dict, "balance-after", row->currency);
}

static void
topup_row_to_json (JsonBuilder *b, const TopUpRow *row)
{
  json_builder_begin_object (b);
  saldoctl_json_add_string (b, "id", row->id);
  saldoctl_json_add_string (b, "time", row->time);
  saldoctl_json_add_string (b, "finished", row->finished);
  json_builder_set_member_name (b, "line");
  if (row->line >= 0)
    json_builder_add_int_value (b, row->line);
  else
    json_builder_add_null_value (b);
  saldoctl_json_add_string (b, "line_path", row->line_path);
  saldoctl_json_add_string (b, "iccid", row->iccid);
  saldoctl_json_add_string (b, "rule", g_str_equal (row->rule, "/") ? NULL : row->rule);
  saldoctl_json_add_string (b, "provider", row->provider);
  saldoctl_json_add_string (b, "state", row->state);
  saldoctl_json_add_string (b, "amount", row->amount);
  saldoctl_json_add_string (b, "currency", row->currency);
  saldoctl_json_add_string (b, "reference", row->reference);
  saldoctl_json_add_string (b, "transaction_id", row->transaction_id);
  saldoctl_json_add_string (b, "delivered_amount", row->delivered_amount);
  saldoctl_json_add_string (b, "delivered_currency",
                            row->delivered_amount != NULL ? row->delivered_currency : NULL);
  saldoctl_json_add_string (b, "balance_before", row->balance_before);
  saldoctl_json_add_string (b, "balance_after", row->balance_after);
  saldoctl_json_add_string (b, "message", row->message);
  saldoctl_json_add_string (b, "error", row->error);
  json_builder_end_object (b);
}

static const char *const csv_header[] = {
  "id",
  "time",
  "line",
  "iccid",
  "provider",
  "state",
  "amount",
  "currency",
  "reference",
  "transaction_id",
  "delivered_amount",
  "delivered_currency",
  "balance_before",
  "balance_after",
  "message",
  "error",
};

static void
csv_append_row (GString *out, const char *const *fields, gsize n_fields)
{
  for (gsize i = 0; i < n_fields; i++) {
    g_autofree char *field = saldoctl_csv_field (fields[i]);

    if (i > 0)
      g_string_append_c (out, ',');
    g_string_append (out, field);
  }
  g_string_append (out, "\r\n");
}

static void
topup_row_to_csv (GString *out, const TopUpRow *row)
{
  g_autofree char *line = row->line >= 0 ? g_strdup_printf ("%" G_GINT64_FORMAT, row->line) : g_strdup ("");
  const char      *fields[] = {
         row->id,
         row->time,
         line,
         row->iccid,
         row->provider,
         row->state,
         row->amount,
         row->currency,
         row->reference,
         row->transaction_id,
    row->delivered_amount != NULL ? row->delivered_amount : "",
    row->delivered_amount != NULL ? row->delivered_currency : "",
    row->balance_before != NULL ? row->balance_before : "",
    row->balance_after != NULL ? row->balance_after : "",
         row->message,
         row->error,
  };

  G_STATIC_ASSERT (G_N_ELEMENTS (fields) == G_N_ELEMENTS (csv_header));
  csv_append_row (out, fields, G_N_ELEMENTS (fields));
}

const char *
saldoctl_topup_state_word (const char *state)
{
  static const struct {
    const char *state;
    const char *word;
  } words[] = {
    /* TRANSLATORS: states of a top-up in the receipts table */
    { "planned", N_ ("planned") },     { "intent", N_ ("intent") },     { "sent", N_ ("sent") },
    { "succeeded", N_ ("succeeded") }, { "failed", N_ ("failed") },     { "unknown", N_ ("unknown") },
    { "verified", N_ ("verified") },   { "disputed", N_ ("disputed") }, { "expired", N_ ("expired") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    if (g_str_equal (state, words[i].state))
      return _ (words[i].word);
  return state;
}

static void
topup_row_print (const TopUpRow *row, const int *history_widths)
{
  g_autofree char *line = row->line >= 0 ? g_strdup_printf ("%" G_GINT64_FORMAT, row->line) : g_strdup ("-");
  g_autofree char *when = saldo_client_format_time (row->created);
  g_autofree char *money = saldo_client_format_money (row->amount_minor, row->currency);
  g_autofree char *note = saldoctl_escape (*row->error != '\0' ? row->error : row->message);
  g_autofree char *reference = g_strdup_printf ("%s%s%s", row->reference, *note != '\0' ? "  " : "", note);

  saldoctl_print_row (history_widths, 7, row->id, when, line, row->provider,
                      saldoctl_topup_state_word (row->state), money, reference);
}

/* The newest `limit` receipts (saldod's default when 0), a page of at most
 * saldod's cap at a time. */
static GVariant *
fetch_top_ups (SaldoCtl *ctl, SaldoDBusLine *line, guint64 limit, GError **error)
{
  GVariantBuilder  all;
  g_autofree char *before = NULL;
  guint64          got = 0;

  g_variant_builder_init (&all, G_VARIANT_TYPE ("aa{sv}"));
  for (;;) {
    g_autoptr(GVariant) page = NULL;
    GVariantDict options;
    gsize        n;

    g_variant_dict_init (&options, NULL);
    if (line != NULL)
      g_variant_dict_insert (&options, "line", "o", g_dbus_proxy_get_object_path (G_DBUS_PROXY (line)));
    if (limit > 0)
      g_variant_dict_insert (&options, "limit", "u", (guint32) MIN (limit - got, G_MAXUINT32));
    if (before != NULL)
      g_variant_dict_insert (&options, "before", "s", before);
    if (!saldo_dbus_manager_call_get_top_ups_sync (ctl->manager, g_variant_dict_end (&options),
                                                   G_DBUS_CALL_FLAGS_NONE, -1, &page, NULL, error)) {
      g_variant_builder_clear (&all);
      return NULL;
    }
    n = g_variant_n_children (page);
    for (gsize i = 0; i < n; i++) {
      g_autoptr(GVariant) row = g_variant_get_child_value (page, i);

      g_variant_builder_add_value (&all, row);
      if (i + 1 == n) {
        g_free (before);
        before = NULL;
        g_variant_lookup (row, "id", "s", &before);
      }
    }
    got += n;
    /* An empty page, or the caller's own limit, ends it. */
    if (n == 0 || limit == 0 || got >= limit || before == NULL)
      break;
  }
  return g_variant_ref_sink (g_variant_builder_end (&all));
}

/* saldoctl history [LINE] [--json|--csv] [--limit N]: the top-up receipts;
 * with --balance, the balance readings instead (saldoctl-balance.c). */
int
saldoctl_cmd_history (SaldoCtl *ctl, int argc, char **argv, GError **error)
{
  g_autoptr(SaldoDBusLine) line = NULL;
  g_autoptr(GVariant) topups = NULL;
  const char *selector = NULL;
  gboolean    csv = FALSE;
  guint64     limit = 0;
  gsize       n;

  for (int i = 0; i < argc; i++) {
    if (g_str_equal (argv[i], "--balance"))
      return saldoctl_cmd_balance_history (ctl, argc, argv, error);
  }
  for (int i = 0; i < argc; i++) {
    if (g_str_equal (argv[i], "--csv")) {
      csv = TRUE;
    } else if (g_str_equal (argv[i], "--limit") && i + 1 < argc) {
      if (!g_ascii_string_to_unsigned (argv[++i], 10, 1, G_MAXUINT32, &limit, NULL)) {
        g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                     _ ("--limit: '%s' is not a positive number"), argv[i]);
        return EXIT_FAILURE;
      }
    } else if (selector == NULL && argv[i][0] != '-') {
      selector = argv[i];
    } else {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _ ("history: unexpected '%s'"), argv[i]);
      return EXIT_FAILURE;
    }
  }
  if (csv && ctl->json) {
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         _ ("history: --json and --csv exclude each other"));
    return EXIT_FAILURE;
  }

  if (selector != NULL) {
    line = saldoctl_find_line (ctl, selector, error);
    if (line == NULL)
      return EXIT_FAILURE;
  }
  topups = fetch_top_ups (ctl, line, limit, error);
  if (topups == NULL)
    return EXIT_FAILURE;
  n = g_variant_n_children (topups);

  if (ctl->json) {
    g_autoptr(JsonBuilder) b = json_builder_new ();

    json_builder_begin_array (b);
    for (gsize i = 0; i < n; i++) {
      g_autoptr(GVariant) dict = g_variant_get_child_value (topups, i);
      g_auto(TopUpRow) row = { 0 };

      topup_row_init (&row, ctl, dict);
      topup_row_to_json (b, &row);
    }
    json_builder_end_array (b);
    saldoctl_print_json (b);
  } else if (csv) {
    g_autoptr(GString) out = g_string_new (NULL);

    csv_append_row (out, csv_header, G_N_ELEMENTS (csv_header));
    for (gsize i = 0; i < n; i++) {
      g_autoptr(GVariant) dict = g_variant_get_child_value (topups, i);
      g_auto(TopUpRow) row = { 0 };

      topup_row_init (&row, ctl, dict);
      topup_row_to_csv (out, &row);
    }
    /* Bytes as they are: a CSV file is UTF-8 whatever the terminal's locale. */
    fwrite (out->str, 1, out->len, stdout);
    fflush (stdout);
  } else if (n == 0) {
    g_print ("%s\n", _ ("no top-ups yet"));
  } else {
    int history_widths[] = { 6, 16, 4, 10, 10, 14 };
    /* TRANSLATORS: column headings of the top-up receipts */
    const char *headings[] = { "ID",        _ ("TIME"),   _ ("LINE"),     _ ("PROVIDER"),
                               _ ("STATE"), _ ("AMOUNT"), _ ("REFERENCE") };

    saldoctl_fit_headings (history_widths, G_N_ELEMENTS (history_widths), headings);
    saldoctl_print_row (history_widths, 7, headings[0], headings[1], headings[2], headings[3], headings[4],
                        headings[5], headings[6]);
    for (gsize i = 0; i < n; i++) {
      g_autoptr(GVariant) dict = g_variant_get_child_value (topups, i);
      g_auto(TopUpRow) row = { 0 };

      topup_row_init (&row, ctl, dict);
      topup_row_print (&row, history_widths);
    }
  }
  return EXIT_SUCCESS;
}
