/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "saldo-client-format.h"
#include "saldo-month.h"
#include "saldoctl.h"
#include "saldoctl-output.h"

/* saldoctl report [--month YYYY-MM] [LINE] [--json|--csv]: a month of
 * top-ups, spending against the caps, consumption and failures per line,
 * and each provider's spending, funds and state (saldod's GetReport). */

typedef struct {
  GVariant  *report;
  GPtrArray *providers; /* SaldoDBusProvider */
} Report;

static SaldoDBusLine *
line_at (SaldoCtl *ctl, const char *path)
{
  g_autoptr(GDBusObject) object = g_dbus_object_manager_get_object (ctl->object_manager, path);

  return object != NULL ? saldo_dbus_object_get_line (SALDO_DBUS_OBJECT (object)) : NULL;
}

static SaldoDBusProvider *
provider_at (Report *r, const char *path)
{
  for (guint i = 0; i < r->providers->len; i++)
    if (g_str_equal (g_dbus_proxy_get_object_path (G_DBUS_PROXY (r->providers->pdata[i])), path))
      return r->providers->pdata[i];
  return NULL;
}

static gint64
lookup_x (GVariant *dict, const char *key)
{
  gint64 value = 0;

  g_variant_lookup (dict, key, "x", &value);
  return value;
}

static guint32
lookup_u (GVariant *dict, const char *key)
{
  guint32 value = 0;

  g_variant_lookup (dict, key, "u", &value);
  return value;
}

static const char *
lookup_s (GVariant *dict, const char *key)
{
  const char *value = "";

  g_variant_lookup (dict, key, "&s", &value);
  return value;
}

/* ---- text ---- */

enum {
  FIELD_TOP_UPS,
  FIELD_OTHER_CURRENCY,
  FIELD_CONSUMPTION,
  FIELD_DAYS_BELOW,
  FIELD_MONTH_CAP,
  FIELD_BUSIEST_DAY,
  FIELD_FAILED
};

static void
print_line (SaldoCtl *ctl, GVariant *entry)
{
  /* TRANSLATORS: labels of a line's month in `saldoctl report`, each with its colon ("other
   * currency:" counts top-ups in another currency than the line's) */
  const char *labels[] = { _ ("top-ups:"),   _ ("other currency:"), _ ("consumption:"), _ ("days below:"),
                           _ ("month cap:"), _ ("busiest day:"),    _ ("failed:"),      NULL };
  const char *path = "/";
  const char *currency = lookup_s (entry, "currency");
  g_autoptr(SaldoDBusLine) line = NULL;
  g_autoptr(GVariant) states = NULL;
  g_autoptr(GVariant) failures = NULL;
  g_autofree char *spent = saldo_client_format_money (lookup_x (entry, "spent"), currency);
  g_autofree char *consumption = saldo_client_format_money (lookup_x (entry, "consumption"), currency);
  g_autoptr(GString) by_state = g_string_new (NULL);
  gint32       days_below = -1;
  guint64      max_day = 0;
  GVariantIter iter;
  const char  *state, *reason;
  guint32      count;
  gint64       sum;

  g_variant_lookup (entry, "line", "&o", &path);
  g_variant_lookup (entry, "days-below", "i", &days_below);
  g_variant_lookup (entry, "max-day", "t", &max_day);
  line = line_at (ctl, path);
  if (line != NULL) {
    g_autofree char *iccid = saldoctl_escape (saldo_dbus_line_get_iccid (line));
    /* The number as text: a G_GINT64_FORMAT inside the msgid would cut it. */
    g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, saldoctl_line_number (line));

    /* TRANSLATORS: "line 1 (8951100000000000011)" (its number and ICCID) */
    g_print (_ ("line %s (%s)"), number, iccid);
    g_print ("\n");
  }
  states = g_variant_lookup_value (entry, "states", G_VARIANT_TYPE ("a{s(ux)}"));
  if (states != NULL) {
    g_variant_iter_init (&iter, states);
    while (g_variant_iter_next (&iter, "{&s(ux)}", &state, &count, &sum)) {
      g_autofree char *money = saldo_client_format_money (sum, currency);

      g_string_append_printf (by_state, "%s%s %u (%s)", by_state->len > 0 ? ", " : "",
                              saldoctl_topup_state_word (state), count, money);
    }
  }
  {
    /* TRANSLATORS: after "top-ups:": "3 attempts, S/ 60.00 spent — succeeded 2 (S/ 40.00), …" */
    g_autofree char *attempts = g_strdup_printf (ngettext ("%u attempt, %s spent", "%u attempts, %s spent",
                                                           lookup_u (entry, "attempts")),
                                                 lookup_u (entry, "attempts"), spent);
    g_autofree char *top_ups = g_strdup_printf ("%s%s%s", attempts, by_state->len > 0 ? " — " : "",
                                                by_state->str);

    saldoctl_print_field (labels, labels[FIELD_TOP_UPS], top_ups);
  }
  if (lookup_u (entry, "other-currency") > 0) {
    g_autofree char *other = g_strdup_printf ("%u", lookup_u (entry, "other-currency"));

    saldoctl_print_field (labels, labels[FIELD_OTHER_CURRENCY], other);
  }
  saldoctl_print_field (labels, labels[FIELD_CONSUMPTION], consumption);
  if (days_below >= 0) {
    g_autofree char *threshold = saldo_client_format_money (lookup_x (entry, "threshold"), currency);
    /* TRANSLATORS: "3 days below S/ 5.00" */
    g_autofree char *days = g_strdup_printf (ngettext ("%d day below %s", "%d days below %s", days_below),
                                             days_below, threshold);

    saldoctl_print_field (labels, labels[FIELD_DAYS_BELOW], days);
  }
  if (lookup_x (entry, "max-per-month") > 0) {
    g_autofree char *cap = saldo_client_format_money (lookup_x (entry, "max-per-month"), currency);
    /* TRANSLATORS: "S/ 45.00 of max-per-month S/ 50.00" (max-per-month: a rule's option) */
    g_autofree char *of_cap = g_strdup_printf (_ ("%s of max-per-month %s"), spent, cap);

    saldoctl_print_field (labels, labels[FIELD_MONTH_CAP], of_cap);
  }
  if (lookup_x (entry, "max-day-spent") > 0) {
    g_autofree char *day_spent = saldo_client_format_money (lookup_x (entry, "max-day-spent"), currency);
    g_autofree char *day = saldo_client_format_day (max_day);
    g_autofree char *cap = NULL;
    g_autofree char *busiest = NULL;

    if (lookup_x (entry, "max-per-day") > 0) {
      g_autofree char *per_day = saldo_client_format_money (lookup_x (entry, "max-per-day"), currency);

      /* TRANSLATORS: follows the busiest day: ", max-per-day S/ 25.00" (a rule's option) */
      cap = g_strdup_printf (_ (", max-per-day %s"), per_day);
    }
    busiest = g_strdup_printf ("%s (%s)%s", day_spent, day, cap != NULL ? cap : "");
    saldoctl_print_field (labels, labels[FIELD_BUSIEST_DAY], busiest);
  }
  failures = g_variant_lookup_value (entry, "failures", G_VARIANT_TYPE ("a(su)"));
  if (failures != NULL) {
    g_variant_iter_init (&iter, failures);
    while (g_variant_iter_next (&iter, "(&su)", &reason, &count)) {
      g_autofree char *safe = saldoctl_escape (reason);
      g_autofree char *times = g_strdup_printf ("%u × %s", count, safe);

      saldoctl_print_field (labels, labels[FIELD_FAILED], times);
    }
  }
}

/* "2026-06" as people say it in their language ("June 2026", "junio de
 * 2026"); what saldod sent is shown as it is if it is not such a month. */
static char *
month_name (const char *month)
{
  g_autoptr(GDateTime) first = NULL;
  int   year, number;
  char *name;

  if (saldo_month_parse (month, &year, &number))
    first = g_date_time_new_local (year, number, 1, 12, 0, 0);
  /* TRANSLATORS: the month of a report, a g_date_time_format () format: %B is
   * the month's name, %Y the year ("June 2026"; Spanish "%B de %Y") */
  name = first != NULL ? g_date_time_format (first, C_ ("report month", "%B %Y")) : NULL;
  return name != NULL ? name : saldoctl_escape (month);
}

static void
print_report (SaldoCtl *ctl, Report *r)
{
  g_autoptr(GVariant) lines = g_variant_lookup_value (r->report, "lines", G_VARIANT_TYPE ("aa{sv}"));
  g_autoptr(GVariant) providers = g_variant_lookup_value (r->report, "providers", G_VARIANT_TYPE ("aa{sv}"));
  const char *cap_currency = lookup_s (r->report, "cap-currency");

  g_autofree char *month = month_name (lookup_s (r->report, "month"));

  /* TRANSLATORS: "Report for June 2026" */
  g_print (_ ("Report for %s"), month);
  g_print ("\n");
  for (gsize i = 0; lines != NULL && i < g_variant_n_children (lines); i++) {
    g_autoptr(GVariant) entry = g_variant_get_child_value (lines, i);

    print_line (ctl, entry);
  }
  if (lookup_x (r->report, "monthly-cap") > 0) {
    g_autofree char *cap = saldo_client_format_money (lookup_x (r->report, "monthly-cap"), cap_currency);
    g_autofree char *spent = saldo_client_format_money (lookup_x (r->report, "cap-spent"), cap_currency);

    /* TRANSLATORS: "all lines: S/ 52.00 of global-monthly-cap S/ 100.00" */
    g_print (_ ("all lines: %s of global-monthly-cap %s"), spent, cap);
    g_print ("\n");
  }
  g_print ("%s\n", _ ("providers:"));
  for (guint i = 0; i < r->providers->len; i++) {
    SaldoDBusProvider *p = r->providers->pdata[i];
    g_autofree char   *id = saldoctl_escape (saldo_dbus_provider_get_id (p));
    g_autoptr(GString) spent = g_string_new (NULL);

    for (gsize j = 0; providers != NULL && j < g_variant_n_children (providers); j++) {
      g_autoptr(GVariant) entry = g_variant_get_child_value (providers, j);
      const char *path = "/";

      g_variant_lookup (entry, "provider", "&o", &path);
      if (g_str_equal (path, g_dbus_proxy_get_object_path (G_DBUS_PROXY (p)))) {
        g_autofree char *money = saldo_client_format_money (lookup_x (entry, "spent"),
                                                            lookup_s (entry, "currency"));

        g_string_append_printf (spent, "%s%s", spent->len > 0 ? ", " : "", money);
      }
    }
    g_print ("  %s (%s): %s", id, saldo_dbus_provider_get_type_ (p),
             saldoctl_provider_state_words (saldo_dbus_provider_get_state (p)));
    if (saldo_dbus_provider_get_funds_known (p)) {
      g_autofree char *funds = saldo_client_format_money (saldo_dbus_provider_get_funds (p),
                                                          saldo_dbus_provider_get_funds_currency (p));

      /* TRANSLATORS: follows a provider's state: ", funds USD 9.99" */
      g_print (_ (", funds %s"), funds);
    }
    /* TRANSLATORS: follows a provider's state: ", spent S/ 40.00" */
    g_print (_ (", spent %s"), spent->len > 0 ? spent->str : "0");
    g_print ("\n");
  }
}

/* ---- JSON and CSV ---- */

static void
add_money (JsonBuilder *b, const char *name, gint64 minor, const char *currency)
{
  g_autofree char *text = saldoctl_format_money (minor, currency);

  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, text);
}

static void
line_to_json (SaldoCtl *ctl, JsonBuilder *b, GVariant *entry)
{
  const char *currency = lookup_s (entry, "currency");
  const char *path = "/";
  g_autoptr(SaldoDBusLine) line = NULL;
  g_autoptr(GVariant) states = g_variant_lookup_value (entry, "states", G_VARIANT_TYPE ("a{s(ux)}"));
  g_autoptr(GVariant) failures = g_variant_lookup_value (entry, "failures", G_VARIANT_TYPE ("a(su)"));
  gint32       days_below = -1;
  guint64      max_day = 0;
  GVariantIter iter;
  const char  *state, *reason;
  guint32      count;
  gint64       sum;

  g_variant_lookup (entry, "line", "&o", &path);
  g_variant_lookup (entry, "days-below", "i", &days_below);
  g_variant_lookup (entry, "max-day", "t", &max_day);
  line = line_at (ctl, path);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "line");
  json_builder_add_int_value (b, line != NULL ? saldoctl_line_number (line) : 0);
  json_builder_set_member_name (b, "iccid");
  json_builder_add_string_value (b, line != NULL ? saldo_dbus_line_get_iccid (line) : "");
  json_builder_set_member_name (b, "currency");
  json_builder_add_string_value (b, currency);
  json_builder_set_member_name (b, "attempts");
  json_builder_add_int_value (b, lookup_u (entry, "attempts"));
  add_money (b, "spent", lookup_x (entry, "spent"), currency);
  json_builder_set_member_name (b, "states");
  json_builder_begin_object (b);
  if (states != NULL) {
    g_variant_iter_init (&iter, states);
    while (g_variant_iter_next (&iter, "{&s(ux)}", &state, &count, &sum)) {
      json_builder_set_member_name (b, state);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "count");
      json_builder_add_int_value (b, count);
      add_money (b, "sum", sum, currency);
      json_builder_end_object (b);
    }
  }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "other_currency");
  json_builder_add_int_value (b, lookup_u (entry, "other-currency"));
  add_money (b, "consumption", lookup_x (entry, "consumption"), currency);
  add_money (b, "threshold", lookup_x (entry, "threshold"), currency);
  json_builder_set_member_name (b, "days_below");
  if (days_below >= 0)
    json_builder_add_int_value (b, days_below);
  else
    json_builder_add_null_value (b);
  add_money (b, "max_per_day", lookup_x (entry, "max-per-day"), currency);
  add_money (b, "max_day_spent", lookup_x (entry, "max-day-spent"), currency);
  json_builder_set_member_name (b, "max_day");
  json_builder_add_int_value (b, (gint64) max_day);
  add_money (b, "max_per_month", lookup_x (entry, "max-per-month"), currency);
  json_builder_set_member_name (b, "failures");
  json_builder_begin_array (b);
  if (failures != NULL) {
    g_variant_iter_init (&iter, failures);
    while (g_variant_iter_next (&iter, "(&su)", &reason, &count)) {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "reason");
      json_builder_add_string_value (b, reason);
      json_builder_set_member_name (b, "count");
      json_builder_add_int_value (b, count);
      json_builder_end_object (b);
    }
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
}

static void
print_json (SaldoCtl *ctl, Report *r)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(GVariant) lines = g_variant_lookup_value (r->report, "lines", G_VARIANT_TYPE ("aa{sv}"));
  g_autoptr(GVariant) providers = g_variant_lookup_value (r->report, "providers", G_VARIANT_TYPE ("aa{sv}"));
  const char *cap_currency = lookup_s (r->report, "cap-currency");

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "month");
  json_builder_add_string_value (b, lookup_s (r->report, "month"));
  json_builder_set_member_name (b, "lines");
  json_builder_begin_array (b);
  for (gsize i = 0; lines != NULL && i < g_variant_n_children (lines); i++) {
    g_autoptr(GVariant) entry = g_variant_get_child_value (lines, i);

    line_to_json (ctl, b, entry);
  }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "providers");
  json_builder_begin_array (b);
  for (gsize i = 0; providers != NULL && i < g_variant_n_children (providers); i++) {
    g_autoptr(GVariant) entry = g_variant_get_child_value (providers, i);
    const char        *path = "/";
    SaldoDBusProvider *p;

    g_variant_lookup (entry, "provider", "&o", &path);
    p = provider_at (r, path);
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "id");
    json_builder_add_string_value (b, lookup_s (entry, "id"));
    json_builder_set_member_name (b, "currency");
    json_builder_add_string_value (b, lookup_s (entry, "currency"));
    json_builder_set_member_name (b, "attempts");
    json_builder_add_int_value (b, lookup_u (entry, "attempts"));
    add_money (b, "spent", lookup_x (entry, "spent"), lookup_s (entry, "currency"));
    json_builder_set_member_name (b, "state");
    json_builder_add_string_value (b, p != NULL ? saldo_dbus_provider_get_state (p) : "gone");
    if (p != NULL && saldo_dbus_provider_get_funds_known (p)) {
      add_money (b, "funds", saldo_dbus_provider_get_funds (p), saldo_dbus_provider_get_funds_currency (p));
    } else {
      json_builder_set_member_name (b, "funds");
      json_builder_add_null_value (b);
    }
    json_builder_set_member_name (b, "funds_currency");
    if (p != NULL && saldo_dbus_provider_get_funds_known (p))
      json_builder_add_string_value (b, saldo_dbus_provider_get_funds_currency (p));
    else
      json_builder_add_null_value (b);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  if (lookup_x (r->report, "monthly-cap") > 0) {
    add_money (b, "global_monthly_cap", lookup_x (r->report, "monthly-cap"), cap_currency);
  } else {
    json_builder_set_member_name (b, "global_monthly_cap");
    json_builder_add_null_value (b);
  }
  if (*cap_currency != '\0') {
    json_builder_set_member_name (b, "cap_currency");
    json_builder_add_string_value (b, cap_currency);
    add_money (b, "cap_spent", lookup_x (r->report, "cap-spent"), cap_currency);
  }
  json_builder_end_object (b);
  saldoctl_print_json (b);
}

static void
csv_row (const char *const *fields, guint n)
{
  for (guint i = 0; i < n; i++) {
    g_autofree char *field = saldoctl_csv_field (fields[i] != NULL ? fields[i] : "");

    g_print ("%s%s", i > 0 ? "," : "", field);
  }
  g_print ("\r\n");
}

/* One row per line and per provider and currency, for spreadsheets;
 * amounts as decimals of their currency. */
static void
print_csv (SaldoCtl *ctl, Report *r)
{
  static const char *const header[] = {
    "kind",        "month",         "line",          "iccid",     "provider",   "currency",
    "attempts",    "spent",         "consumption",   "threshold", "days_below", "failed",
    "max_per_day", "max_day_spent", "max_per_month", "state",     "funds",      "funds_currency",
  };
  g_autoptr(GVariant) lines = g_variant_lookup_value (r->report, "lines", G_VARIANT_TYPE ("aa{sv}"));
  g_autoptr(GVariant) providers = g_variant_lookup_value (r->report, "providers", G_VARIANT_TYPE ("aa{sv}"));
  const char *month = lookup_s (r->report, "month");

  csv_row (header, G_N_ELEMENTS (header));
  for (gsize i = 0; lines != NULL && i < g_variant_n_children (lines); i++) {
    g_autoptr(GVariant) entry = g_variant_get_child_value (lines, i);
    g_autoptr(GVariant) states = g_variant_lookup_value (entry, "states", G_VARIANT_TYPE ("a{s(ux)}"));
    const char *currency = lookup_s (entry, "currency");
    const char *path = "/";
    g_autoptr(SaldoDBusLine) line = NULL;
    gint32           days_below = -1;
    guint32          failed = 0;
    gint64           failed_sum = 0;
    g_autofree char *number = NULL;
    g_autofree char *attempts = g_strdup_printf ("%u", lookup_u (entry, "attempts"));
    g_autofree char *spent = saldoctl_format_money (lookup_x (entry, "spent"), currency);
    g_autofree char *consumption = saldoctl_format_money (lookup_x (entry, "consumption"), currency);
    g_autofree char *threshold = saldoctl_format_money (lookup_x (entry, "threshold"), currency);
    g_autofree char *below = NULL;
    g_autofree char *failed_text = NULL;
    g_autofree char *per_day = saldoctl_format_money (lookup_x (entry, "max-per-day"), currency);
    g_autofree char *day_spent = saldoctl_format_money (lookup_x (entry, "max-day-spent"), currency);
    g_autofree char *per_month = saldoctl_format_money (lookup_x (entry, "max-per-month"), currency);

    g_variant_lookup (entry, "line", "&o", &path);
    g_variant_lookup (entry, "days-below", "i", &days_below);
    if (states != NULL)
      g_variant_lookup (states, "failed", "(ux)", &failed, &failed_sum);
    line = line_at (ctl, path);
    number = line != NULL ? g_strdup_printf ("%" G_GINT64_FORMAT, saldoctl_line_number (line)) : NULL;
    below = days_below >= 0 ? g_strdup_printf ("%d", days_below) : NULL;
    failed_text = g_strdup_printf ("%u", failed);
    {
      const char *row[] = {
        "line",      month,     number,    line != NULL ? saldo_dbus_line_get_iccid (line) : NULL,
        NULL,        currency,  attempts,  spent,
        consumption, threshold, below,     failed_text,
        per_day,     day_spent, per_month, NULL,
        NULL,        NULL,
      };

      csv_row (row, G_N_ELEMENTS (row));
    }
  }
  for (gsize i = 0; providers != NULL && i < g_variant_n_children (providers); i++) {
    g_autoptr(GVariant) entry = g_variant_get_child_value (providers, i);
    const char        *currency = lookup_s (entry, "currency");
    const char        *path = "/";
    SaldoDBusProvider *p;
    g_autofree char   *attempts = g_strdup_printf ("%u", lookup_u (entry, "attempts"));
    g_autofree char   *spent = saldoctl_format_money (lookup_x (entry, "spent"), currency);
    g_autofree char   *funds = NULL;

    g_variant_lookup (entry, "provider", "&o", &path);
    p = provider_at (r, path);
    if (p != NULL && saldo_dbus_provider_get_funds_known (p))
      funds = saldoctl_format_money (saldo_dbus_provider_get_funds (p),
                                     saldo_dbus_provider_get_funds_currency (p));
    {
      const char *row[] = {
        "provider",
        month,
        NULL,
        NULL,
        lookup_s (entry, "id"),
        currency,
        attempts,
        spent,
        NULL,
        NULL,
        NULL,
        NULL,
        NULL,
        NULL,
        NULL,
        p != NULL ? saldo_dbus_provider_get_state (p) : "gone",
        funds,
        funds != NULL ? saldo_dbus_provider_get_funds_currency (p) : NULL,
      };

      csv_row (row, G_N_ELEMENTS (row));
    }
  }
}

int
saldoctl_cmd_report (SaldoCtl *ctl, int argc, char **argv, GError **error)
{
  g_autoptr(SaldoDBusLine) line = NULL;
  g_autoptr(GVariant) report = NULL;
  g_autoptr(GPtrArray) providers = NULL;
  const char  *month = NULL;
  const char  *selector = NULL;
  gboolean     csv = FALSE;
  GVariantDict options;
  Report       r;

  for (int i = 0; i < argc; i++) {
    if (g_str_equal (argv[i], "--csv")) {
      csv = TRUE;
    } else if (g_str_equal (argv[i], "--month") && i + 1 < argc) {
      month = argv[++i];
    } else if (argv[i][0] != '-' && selector == NULL) {
      selector = argv[i];
    } else {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _ ("report: unexpected '%s'"), argv[i]);
      return EXIT_FAILURE;
    }
  }
  g_variant_dict_init (&options, NULL);
  if (month != NULL)
    g_variant_dict_insert (&options, "month", "s", month);
  if (selector != NULL) {
    line = saldoctl_find_line (ctl, selector, error);
    if (line == NULL) {
      g_variant_dict_clear (&options);
      return EXIT_FAILURE;
    }
    g_variant_dict_insert (&options, "line", "o", g_dbus_proxy_get_object_path (G_DBUS_PROXY (line)));
  }
  if (!saldo_dbus_manager_call_get_report_sync (ctl->manager, g_variant_dict_end (&options),
                                                G_DBUS_CALL_FLAGS_NONE, -1, &report, NULL, error))
    return EXIT_FAILURE;
  providers = saldoctl_get_providers (ctl);
  r.report = report;
  r.providers = providers;
  if (ctl->json)
    print_json (ctl, &r);
  else if (csv)
    print_csv (ctl, &r);
  else
    print_report (ctl, &r);
  return EXIT_SUCCESS;
}
