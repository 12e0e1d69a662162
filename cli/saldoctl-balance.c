/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <unistd.h>

#include "saldo-client-format.h"
#include "saldoctl.h"
#include "saldoctl-output.h"

/* Refresh runs as long as the network takes, with retries. */
#define SALDOCTL_REFRESH_TIMEOUT_MS (5 * 60 * 1000)
/* RefreshIfStale answers before the network does: polkit's own bound
 * (saldod gives it 10 s) and a margin. */
#define SALDOCTL_IF_STALE_TIMEOUT_MS (30 * 1000)

/* A person at a terminal can answer a polkit password prompt; a script
 * cannot, and should get a clear refusal instead of a hang. */
GDBusCallFlags
saldoctl_call_flags (void)
{
  return isatty (STDIN_FILENO) ? G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION : G_DBUS_CALL_FLAGS_NONE;
}

static void
balance_to_json (JsonBuilder *b, SaldoDBusLine *line)
{
  const char      *currency = saldo_dbus_line_get_currency (line);
  gboolean         known = saldo_dbus_line_get_last_updated (line) != 0;
  g_autofree char *amount = known ? saldoctl_format_money (saldo_dbus_line_get_balance (line), currency)
                                  : NULL;
  g_autofree char *expiry = saldo_dbus_line_get_expiry (line) != 0
                              ? saldoctl_format_date (saldo_dbus_line_get_expiry (line))
                              : NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "line");
  json_builder_add_int_value (b, saldoctl_line_number (line));
  json_builder_set_member_name (b, "iccid");
  json_builder_add_string_value (b, saldo_dbus_line_get_iccid (line));
  json_builder_set_member_name (b, "carrier");
  json_builder_add_string_value (b, saldo_dbus_line_get_carrier (line));
  json_builder_set_member_name (b, "balance");
  if (amount != NULL)
    json_builder_add_string_value (b, amount);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "currency");
  if (known)
    json_builder_add_string_value (b, currency);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "expiry");
  if (expiry != NULL)
    json_builder_add_string_value (b, expiry);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "spend_per_day");
  if (saldo_dbus_line_get_spend_per_day (line) >= 0 && known) {
    g_autofree char *spend = saldoctl_format_money (saldo_dbus_line_get_spend_per_day (line), currency);

    json_builder_add_string_value (b, spend);
  } else {
    json_builder_add_null_value (b);
  }
  json_builder_set_member_name (b, "runs_out_on");
  if (saldo_dbus_line_get_runs_out_on (line) != 0)
    json_builder_add_int_value (b, (gint64) saldo_dbus_line_get_runs_out_on (line));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "deactivation_on");
  if (saldo_dbus_line_get_deactivation_on (line) != 0)
    json_builder_add_int_value (b, (gint64) saldo_dbus_line_get_deactivation_on (line));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "data_bytes");
  if (saldo_dbus_line_get_data_known (line))
    json_builder_add_int_value (b, (gint64) saldo_dbus_line_get_data_remaining (line));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "last_updated");
  json_builder_add_int_value (b, (gint64) saldo_dbus_line_get_last_updated (line));
  json_builder_set_member_name (b, "source");
  json_builder_add_string_value (b, saldo_dbus_line_get_balance_source (line));
  json_builder_set_member_name (b, "last_error");
  json_builder_add_string_value (b, saldo_dbus_line_get_last_error (line));
  json_builder_set_member_name (b, "last_reply");
  json_builder_add_string_value (b, saldo_dbus_line_get_last_reply (line));
  json_builder_end_object (b);
}

/* "  balance:  " with the label translated and the column kept. */
static void
print_field (const char *label, const char *value)
{
  g_autofree char *with_colon = g_strdup_printf ("%s:", label);
  const int        widths[] = { 9 };

  g_print ("  ");
  saldoctl_print_row (widths, 2, with_colon, value);
}

static void
print_balance (SaldoDBusLine *line)
{
  const char      *currency = saldo_dbus_line_get_currency (line);
  g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, saldoctl_line_number (line));
  g_autofree char *iccid = saldoctl_escape (saldo_dbus_line_get_iccid (line));
  g_autofree char *carrier = saldoctl_escape (saldo_dbus_line_get_carrier (line));
  g_autofree char *last_error = saldoctl_escape (saldo_dbus_line_get_last_error (line));

  /* TRANSLATORS: "line 1 (8951100000000000011, claro-pe)" */
  g_print (_ ("line %s (%s, %s)"), number, iccid, carrier);
  g_print ("%s\n", saldo_dbus_line_get_active (line) ? "" : _ (" — not in a modem"));
  if (saldo_dbus_line_get_last_updated (line) == 0) {
    print_field (_ ("balance"), _ ("never read"));
  } else {
    g_autofree char *amount = saldo_client_format_money (saldo_dbus_line_get_balance (line), currency);
    g_autofree char *updated = saldo_client_format_time (saldo_dbus_line_get_last_updated (line));
    g_autofree char *shown = g_strdup_printf ("%s (%s, %s)", amount,
                                              saldo_dbus_line_get_balance_source (line), updated);

    print_field (_ ("balance"), shown);
    if (saldo_dbus_line_get_expiry (line) != 0) {
      g_autofree char *expiry = saldo_client_format_date (saldo_dbus_line_get_expiry (line));

      print_field (_ ("expires"), expiry);
    }
    if (saldo_dbus_line_get_data_known (line)) {
      g_autofree char *data = saldo_client_format_bytes (saldo_dbus_line_get_data_remaining (line));

      print_field (_ ("data"), data);
    }
    if (saldo_dbus_line_get_spend_per_day (line) >= 0) {
      g_autofree char *spend = saldo_client_format_money (saldo_dbus_line_get_spend_per_day (line), currency);
      /* TRANSLATORS: what a line spends: "S/ 1.20 a day" */
      g_autofree char *per_day = g_strdup_printf (_ ("%s a day"), spend);

      print_field (_ ("spends"), per_day);
    }
    if (saldo_dbus_line_get_runs_out_on (line) != 0) {
      g_autofree char *day = saldo_client_format_day (saldo_dbus_line_get_runs_out_on (line));

      print_field (_ ("runs out"), day);
    }
  }
  if (saldo_dbus_line_get_deactivation_on (line) != 0) {
    g_autofree char *day = saldo_client_format_day (saldo_dbus_line_get_deactivation_on (line));

    /* TRANSLATORS: the day the carrier would cut the line without a recharge */
    print_field (_ ("cut off"), day);
  }
  if (*last_error != '\0')
    print_field (_ ("error"), last_error);
}

/* What saldod decided for one line, in words. */
static char *
if_stale_text (gint64 number, const char *outcome)
{
  g_autofree char *line = g_strdup_printf ("%" G_GINT64_FORMAT, number);

  /* TRANSLATORS: %s is a line number; outcomes of "balance --if-stale". */
  if (g_str_equal (outcome, "started"))
    return g_strdup_printf (_ ("line %s: checking the balance"), line);
  if (g_str_equal (outcome, "running"))
    return g_strdup_printf (_ ("line %s: a balance check is already running"), line);
  if (g_str_equal (outcome, "fresh"))
    return g_strdup_printf (_ ("line %s: the last reading is younger than the line's interval; not read"),
                            line);
  if (g_str_equal (outcome, "rate-limited"))
    return g_strdup_printf (_ ("line %s: a check was asked for moments ago; not read again yet"), line);
  if (g_str_equal (outcome, "unscheduled"))
    return g_strdup_printf (_ ("line %s: no scheduled checks (refresh-interval=0); not read"), line);
  if (g_str_equal (outcome, "inactive"))
    return g_strdup_printf (_ ("line %s: the SIM is not in a modem"), line);
  if (g_str_equal (outcome, "not-registered"))
    return g_strdup_printf (_ ("line %s: the modem is on no network; not read"), line);
  if (g_str_equal (outcome, "roaming"))
    return g_strdup_printf (_ ("line %s: roaming, and the line does not allow checks abroad; not read"),
                            line);
  /* An outcome newer than this saldoctl: shown as saldod said it. */
  return g_strdup_printf ("line %s: %s", line, outcome);
}

/* balance --if-stale: saldod decides and rate-limits; this only asks. */
static int
balance_if_stale (SaldoCtl *ctl, GPtrArray *lines, gboolean every_line, GError **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_array (b);
  for (guint i = 0; i < lines->len; i++) {
    SaldoDBusLine *line = lines->pdata[i];
    g_autoptr(GVariant)
                 options = g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
    g_autofree char *outcome = NULL;

    if (every_line && !saldo_dbus_line_get_active (line))
      continue;
    if (!saldo_dbus_line_call_refresh_if_stale_sync (line, options, saldoctl_call_flags (),
                                                     SALDOCTL_IF_STALE_TIMEOUT_MS, &outcome, NULL, error))
      return EXIT_FAILURE;
    if (ctl->json) {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "line");
      json_builder_add_int_value (b, saldoctl_line_number (line));
      json_builder_set_member_name (b, "outcome");
      json_builder_add_string_value (b, outcome);
      json_builder_end_object (b);
    } else {
      g_autofree char *text = if_stale_text (saldoctl_line_number (line), outcome);
      g_autofree char *shown = saldoctl_escape (text);

      g_print ("%s\n", shown);
    }
  }
  json_builder_end_array (b);
  if (ctl->json)
    saldoctl_print_json (b);
  return EXIT_SUCCESS;
}

int
saldoctl_cmd_balance (SaldoCtl *ctl, int argc, char **argv, GError **error)
{
  g_autoptr(GPtrArray) lines = NULL;
  gboolean    refresh = FALSE;
  gboolean    if_stale = FALSE;
  const char *selector = NULL;
  const char *device = NULL;

  for (int i = 0; i < argc; i++) {
    if (g_str_equal (argv[i], "--refresh")) {
      refresh = TRUE;
    } else if (g_str_equal (argv[i], "--if-stale")) {
      if_stale = TRUE;
    } else if (g_str_equal (argv[i], "--device") && i + 1 < argc && device == NULL) {
      device = argv[++i];
    } else if (selector == NULL && argv[i][0] != '-') {
      selector = argv[i];
    } else {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _ ("balance: unexpected '%s'"), argv[i]);
      return EXIT_FAILURE;
    }
  }
  if ((refresh && if_stale) || (selector != NULL && device != NULL)) {
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         _ ("balance: --refresh and --if-stale, or a LINE and --device, do not go together"));
    return EXIT_FAILURE;
  }
  if (selector != NULL) {
    SaldoDBusLine *line = saldoctl_find_line (ctl, selector, error);

    if (line == NULL)
      return EXIT_FAILURE;
    lines = g_ptr_array_new_with_free_func (g_object_unref);
    g_ptr_array_add (lines, line);
  } else {
    lines = saldoctl_get_lines (ctl);
  }
  /* --device filters, and may leave none: a Wi-Fi interface is no line's. */
  for (guint i = lines->len; device != NULL && i > 0; i--)
    if (!saldoctl_line_on_device (lines->pdata[i - 1], device))
      g_ptr_array_remove_index (lines, i - 1);
  if (if_stale)
    return balance_if_stale (ctl, lines, selector == NULL && device == NULL, error);

  if (refresh) {
    for (guint i = 0; i < lines->len; i++) {
      SaldoDBusLine *line = lines->pdata[i];
      g_autoptr(GVariant)
                   options = g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));

      if (selector == NULL && !saldo_dbus_line_get_active (line))
        continue;
      if (!saldo_dbus_line_call_refresh_sync (line, options, saldoctl_call_flags (),
                                              SALDOCTL_REFRESH_TIMEOUT_MS, NULL, error))
        return EXIT_FAILURE;
    }
    /* saldod announced the new values before replying: let the proxies
     * take in those PropertiesChanged signals. */
    while (g_main_context_iteration (NULL, FALSE))
      ;
  }

  if (ctl->json) {
    g_autoptr(JsonBuilder) b = json_builder_new ();

    json_builder_begin_array (b);
    for (guint i = 0; i < lines->len; i++)
      balance_to_json (b, lines->pdata[i]);
    json_builder_end_array (b);
    saldoctl_print_json (b);
  } else {
    for (guint i = 0; i < lines->len; i++)
      print_balance (lines->pdata[i]);
    if (lines->len == 0 && device != NULL) {
      g_autofree char *shown = saldoctl_escape (device);

      /* TRANSLATORS: %s is a NetworkManager device or interface, e.g. wlan0 */
      g_print (_ ("no line's modem is the network device %s"), shown);
      g_print ("\n");
    } else if (lines->len == 0) {
      g_print ("%s\n", _ ("no lines yet"));
    }
  }
  return EXIT_SUCCESS;
}

static const char *
lookup_string (GVariant *dict, const char *key)
{
  const char *value = NULL;

  g_variant_lookup (dict, key, "&s", &value);
  return value != NULL ? value : "";
}

/* history --balance; saldoctl_cmd_history (saldoctl-topup.c) routes here. */
int
saldoctl_cmd_balance_history (SaldoCtl *ctl, int argc, char **argv, GError **error)
{
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  const char *selector = NULL;
  gboolean    balance = FALSE;

  for (int i = 0; i < argc; i++) {
    if (g_str_equal (argv[i], "--balance")) {
      balance = TRUE;
    } else if (selector == NULL && argv[i][0] != '-') {
      selector = argv[i];
    } else {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _ ("history: unexpected '%s'"), argv[i]);
      return EXIT_FAILURE;
    }
  }
  if (!balance) {
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         _ ("history: say which history: --balance"));
    return EXIT_FAILURE;
  }
  if (selector != NULL) {
    SaldoDBusLine *line = saldoctl_find_line (ctl, selector, error);

    if (line == NULL)
      return EXIT_FAILURE;
    lines = g_ptr_array_new_with_free_func (g_object_unref);
    g_ptr_array_add (lines, line);
  } else {
    lines = saldoctl_get_lines (ctl);
  }

  json_builder_begin_array (b);
  for (guint i = 0; i < lines->len; i++) {
    SaldoDBusLine *line = lines->pdata[i];
    g_autoptr(GVariant) readings = NULL;
    g_autoptr(GVariant)
                 options = g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
    gsize n;

    if (!saldo_dbus_line_call_get_balance_history_sync (line, options, G_DBUS_CALL_FLAGS_NONE, -1, &readings,
                                                        NULL, error))
      return EXIT_FAILURE;
    n = g_variant_n_children (readings);
    for (gsize j = 0; j < n; j++) {
      g_autoptr(GVariant) r = g_variant_get_child_value (readings, j);
      guint64          time = 0, expiry = 0, data = 0;
      gint64           amount = 0;
      gboolean         has_amount = g_variant_lookup (r, "amount", "x", &amount);
      gboolean         has_expiry = g_variant_lookup (r, "expiry", "t", &expiry);
      gboolean         has_data = g_variant_lookup (r, "data", "t", &data);
      const char      *currency = lookup_string (r, "currency");
      g_autofree char *money = has_amount ? saldoctl_format_money (amount, currency) : NULL;
      g_autofree char *expiry_text = has_expiry ? saldoctl_format_date (expiry) : NULL;
      g_autoptr(GDateTime) dt = NULL;
      g_autofree char *when = NULL;

      g_variant_lookup (r, "time", "t", &time);
      dt = g_date_time_new_from_unix_utc ((gint64) MIN (time, (guint64) G_MAXINT64));
      when = dt != NULL ? g_date_time_format_iso8601 (dt) : g_strdup ("");
      if (!ctl->json) {
        static const int widths[] = { 4, 16, 4, 8, 14 };
        g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, saldoctl_line_number (line));
        g_autofree char *local_time = saldo_client_format_time (time);
        g_autofree char *shown = has_amount ? saldo_client_format_money (amount, currency) : g_strdup ("");
        g_autofree char *reading_error = saldoctl_escape (lookup_string (r, "error"));

        saldoctl_print_row (widths, 6, number, local_time, lookup_string (r, "source"),
                            lookup_string (r, "kind"), shown, reading_error);
        continue;
      }
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "line");
      json_builder_add_int_value (b, saldoctl_line_number (line));
      json_builder_set_member_name (b, "time");
      json_builder_add_string_value (b, when);
      json_builder_set_member_name (b, "source");
      json_builder_add_string_value (b, lookup_string (r, "source"));
      json_builder_set_member_name (b, "kind");
      json_builder_add_string_value (b, lookup_string (r, "kind"));
      json_builder_set_member_name (b, "amount");
      if (money != NULL)
        json_builder_add_string_value (b, money);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "currency");
      if (has_amount)
        json_builder_add_string_value (b, currency);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "expiry");
      if (expiry_text != NULL)
        json_builder_add_string_value (b, expiry_text);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "data_bytes");
      if (has_data)
        json_builder_add_int_value (b, (gint64) data);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "text");
      json_builder_add_string_value (b, lookup_string (r, "text"));
      json_builder_set_member_name (b, "error");
      json_builder_add_string_value (b, lookup_string (r, "error"));
      json_builder_end_object (b);
    }
  }
  json_builder_end_array (b);
  if (ctl->json)
    saldoctl_print_json (b);
  return EXIT_SUCCESS;
}

/* KEY=VALUE with the value typed as the daemon expects it. */
static gboolean
parse_setting (const char *arg, GVariantBuilder *builder, GError **error)
{
  g_auto(GStrv) kv = g_strsplit (arg, "=", 2);

  if (kv[0] == NULL || kv[1] == NULL) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _ ("'%s' is not KEY=VALUE"), arg);
    return FALSE;
  }
  if (g_str_equal (kv[0], "refresh-interval")) {
    guint64 seconds;

    if (!g_ascii_string_to_unsigned (kv[1], 10, 0, G_MAXUINT32, &seconds, NULL)) {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _ ("refresh-interval: '%s' is not a number of seconds"), kv[1]);
      return FALSE;
    }
    g_variant_builder_add (builder, "{sv}", kv[0], g_variant_new_uint32 ((guint32) seconds));
  } else if (g_str_equal (kv[0], "allow-roaming")) {
    gboolean value;

    if (g_ascii_strcasecmp (kv[1], "true") == 0 || g_str_equal (kv[1], "yes") || g_str_equal (kv[1], "1")) {
      value = TRUE;
    } else if (g_ascii_strcasecmp (kv[1], "false") == 0 || g_str_equal (kv[1], "no") ||
               g_str_equal (kv[1], "0")) {
      value = FALSE;
    } else {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _ ("allow-roaming: '%s' is not true or false"), kv[1]);
      return FALSE;
    }
    g_variant_builder_add (builder, "{sv}", kv[0], g_variant_new_boolean (value));
  } else {
    /* Strings; the daemon validates them and names the key on error. */
    g_variant_builder_add (builder, "{sv}", kv[0], g_variant_new_string (kv[1]));
  }
  return TRUE;
}

int
saldoctl_cmd_line (SaldoCtl *ctl, int argc, char **argv, GError **error)
{
  g_autoptr(SaldoDBusLine) line = NULL;
  GVariantBuilder builder;

  if (argc < 3 || !g_str_equal (argv[0], "set")) {
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         _ ("usage: saldoctl line set LINE KEY=VALUE..."));
    return EXIT_FAILURE;
  }
  line = saldoctl_find_line (ctl, argv[1], error);
  if (line == NULL)
    return EXIT_FAILURE;
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sv}"));
  for (int i = 2; i < argc; i++) {
    if (!parse_setting (argv[i], &builder, error)) {
      g_variant_builder_clear (&builder);
      return EXIT_FAILURE;
    }
  }
  if (!saldo_dbus_line_call_configure_sync (line, g_variant_builder_end (&builder), saldoctl_call_flags (),
                                            -1, NULL, error))
    return EXIT_FAILURE;
  if (ctl->json) {
    g_autoptr(JsonBuilder) b = json_builder_new ();

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "line");
    json_builder_add_int_value (b, saldoctl_line_number (line));
    json_builder_set_member_name (b, "updated");
    json_builder_add_boolean_value (b, TRUE);
    json_builder_end_object (b);
    saldoctl_print_json (b);
  }
  return EXIT_SUCCESS;
}
