/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "saldo-client-format.h"
#include "saldoctl.h"
#include "saldoctl-output.h"

/* saldoctl rules: the top-up rules saldod runs, as Rule objects.  The CLI
 * converts what people type (money in major units, data sizes with units)
 * and leaves every other check to saldod, which names the key it refuses. */

#define RULE_PATH_PREFIX SALDO_OBJECT_ROOT "/Rule/"

typedef enum {
  RULE_ARG_STRING,
  RULE_ARG_UINT,
  RULE_ARG_MONEY,
  RULE_ARG_BELOW, /* money, or bytes for a data rule */
  RULE_ARG_BYTES,
} RuleArgType;

static const struct {
  const char *option;
  const char *key;
  RuleArgType type;
} rule_options[] = {
  { "--kind", "kind", RULE_ARG_STRING },
  { "--amount", "amount", RULE_ARG_MONEY },
  { "--provider", "provider", RULE_ARG_STRING },
  { "--below", "below", RULE_ARG_BELOW },
  { "--data-below", "below", RULE_ARG_BYTES },
  { "--max-per-topup", "max-per-topup", RULE_ARG_MONEY },
  { "--max-per-day", "max-per-day", RULE_ARG_MONEY },
  { "--max-per-month", "max-per-month", RULE_ARG_MONEY },
  { "--max-attempts", "max-attempts-24h", RULE_ARG_UINT },
  { "--cooldown", "cooldown", RULE_ARG_UINT },
  { "--days-before", "days-before", RULE_ARG_UINT },
  { "--days", "days", RULE_ARG_UINT },
  { "--day", "day", RULE_ARG_STRING },
  { "--hour", "hour", RULE_ARG_UINT },
};

enum {
  OPT_KIND,
  OPT_AMOUNT,
  OPT_PROVIDER,
  OPT_BELOW,
  OPT_DATA_BELOW
};

static const struct {
  const char *option;
  const char *key;
  gboolean    value;
} rule_flags[] = {
  { "--confirm", "confirm", TRUE },
  { "--no-confirm", "confirm", FALSE },
  { "--enabled", "enabled", TRUE },
  { "--disabled", "enabled", FALSE },
};

typedef struct {
  const char *values[G_N_ELEMENTS (rule_options)];
  int         flags[G_N_ELEMENTS (rule_flags)]; /* 1 when given */
  const char *positional[2];
  guint       n_positional;
} RuleArgs;

/* Options as --name VALUE or --name=VALUE, in any order. */
static gboolean
rule_args_parse (RuleArgs *args, guint max_positional, int argc, char **argv, GError **error)
{
  memset (args, 0, sizeof *args);
  for (int i = 0; i < argc; i++) {
    const char *arg = argv[i];
    const char *eq = strchr (arg, '=');
    gsize       name_len = eq != NULL && g_str_has_prefix (arg, "--") ? (gsize) (eq - arg) : strlen (arg);
    gboolean    known = FALSE;

    for (guint j = 0; !known && j < G_N_ELEMENTS (rule_options); j++) {
      if (strlen (rule_options[j].option) != name_len || strncmp (arg, rule_options[j].option, name_len) != 0)
        continue;
      known = TRUE;
      if (arg[name_len] == '=') {
        args->values[j] = arg + name_len + 1;
      } else if (i + 1 < argc) {
        args->values[j] = argv[++i];
      } else {
        g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _ ("%s needs a value"),
                     rule_options[j].option);
        return FALSE;
      }
    }
    for (guint j = 0; !known && j < G_N_ELEMENTS (rule_flags); j++) {
      if (g_str_equal (arg, rule_flags[j].option)) {
        known = TRUE;
        args->flags[j] = 1;
      }
    }
    if (known)
      continue;
    if (arg[0] == '-' || args->n_positional >= max_positional) {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _ ("unexpected '%s'"), arg);
      return FALSE;
    }
    args->positional[args->n_positional++] = arg;
  }
  for (guint j = 0; j < G_N_ELEMENTS (rule_flags); j++) {
    for (guint k = j + 1; k < G_N_ELEMENTS (rule_flags); k++) {
      if (args->flags[j] && args->flags[k] && g_str_equal (rule_flags[j].key, rule_flags[k].key)) {
        g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _ ("%s and %s exclude each other"),
                     rule_flags[j].option, rule_flags[k].option);
        return FALSE;
      }
    }
  }
  if (args->values[OPT_BELOW] != NULL && args->values[OPT_DATA_BELOW] != NULL) {
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         _ ("--below and --data-below exclude each other"));
    return FALSE;
  }
  return TRUE;
}

/* Fills dict with the typed values.  current_kind is the rule's kind
 * before the change ("threshold" for a new rule). */
static gboolean
rule_args_to_dict (const RuleArgs *args,
                   const char     *currency,
                   const char     *current_kind,
                   GVariantDict   *dict,
                   GError        **error)
{
  const char *kind = args->values[OPT_KIND] != NULL ? args->values[OPT_KIND] : current_kind;

  if (args->values[OPT_DATA_BELOW] != NULL) {
    if (args->values[OPT_KIND] == NULL) {
      kind = "data";
      g_variant_dict_insert (dict, "kind", "s", kind);
    } else if (!g_str_equal (kind, "data")) {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _ ("--data-below is for data rules, not %s"), kind);
      return FALSE;
    }
  }

  for (guint i = 0; i < G_N_ELEMENTS (rule_options); i++) {
    const char *value = args->values[i];
    RuleArgType type = rule_options[i].type;

    if (value == NULL)
      continue;
    if (type == RULE_ARG_BELOW)
      type = g_str_equal (kind, "data") ? RULE_ARG_BYTES : RULE_ARG_MONEY;
    switch (type) {
    case RULE_ARG_STRING:
      g_variant_dict_insert (dict, rule_options[i].key, "s", value);
      break;
    case RULE_ARG_UINT: {
      guint64 n;

      if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT32, &n, NULL)) {
        g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _ ("%s: '%s' is not a whole number"),
                     rule_options[i].option, value);
        return FALSE;
      }
      g_variant_dict_insert (dict, rule_options[i].key, "u", (guint32) n);
      break;
    }
    case RULE_ARG_MONEY: {
      gint64 minor;

      if (!saldoctl_parse_money (value, currency, &minor, error)) {
        g_prefix_error (error, "%s: ", rule_options[i].option);
        return FALSE;
      }
      g_variant_dict_insert (dict, rule_options[i].key, "x", minor);
      break;
    }
    case RULE_ARG_BYTES:
    case RULE_ARG_BELOW:
    default: {
      guint64 bytes;

      if (!saldoctl_parse_bytes (value, &bytes, error)) {
        g_prefix_error (error, "%s: ", rule_options[i].option);
        return FALSE;
      }
      g_variant_dict_insert (dict, rule_options[i].key, "x", (gint64) bytes);
      break;
    }
    }
  }
  for (guint i = 0; i < G_N_ELEMENTS (rule_flags); i++) {
    if (args->flags[i])
      g_variant_dict_insert (dict, rule_flags[i].key, "b", rule_flags[i].value);
  }
  return TRUE;
}

static GPtrArray *
get_rules (SaldoCtl *ctl, const char *line_path)
{
  GPtrArray *rules = g_ptr_array_new_with_free_func (g_object_unref);
  GList     *objects = g_dbus_object_manager_get_objects (ctl->object_manager);

  for (GList *l = objects; l != NULL; l = l->next) {
    SaldoDBusRule *rule = saldo_dbus_object_get_rule (SALDO_DBUS_OBJECT (l->data));

    if (rule == NULL)
      continue;
    if (line_path != NULL && g_strcmp0 (saldo_dbus_rule_get_line (rule), line_path) != 0)
      g_object_unref (rule);
    else
      g_ptr_array_add (rules, rule);
  }
  g_list_free_full (objects, g_object_unref);
  g_ptr_array_sort (rules, saldoctl_compare_objects);
  return rules;
}

/* A rule is named by its number or its object path. */
static SaldoDBusRule *
find_rule (SaldoCtl *ctl, const char *selector, GError **error)
{
  g_autoptr(GDBusObject) object = NULL;
  g_autofree char *path = NULL;
  SaldoDBusRule   *rule = NULL;
  guint64          n;

  if (g_str_has_prefix (selector, RULE_PATH_PREFIX) && g_variant_is_object_path (selector))
    path = g_strdup (selector);
  else if (g_ascii_string_to_unsigned (selector, 10, 1, G_MAXINT64, &n, NULL))
    path = g_strdup_printf (RULE_PATH_PREFIX "%" G_GUINT64_FORMAT, n);
  if (path == NULL) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 _ ("'%s' is not a rule number or path (see saldoctl rules list)"), selector);
    return NULL;
  }
  object = g_dbus_object_manager_get_object (ctl->object_manager, path);
  if (object != NULL)
    rule = saldo_dbus_object_get_rule (SALDO_DBUS_OBJECT (object));
  if (rule == NULL)
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 _ ("no rule '%s' (see saldoctl rules list)"), selector);
  return rule;
}

static SaldoDBusLine *
line_at (SaldoCtl *ctl, const char *path)
{
  g_autoptr(GDBusObject) object = g_dbus_object_manager_get_object (ctl->object_manager, path);

  return object != NULL ? saldo_dbus_object_get_line (SALDO_DBUS_OBJECT (object)) : NULL;
}

static void
print_rule_result (SaldoCtl *ctl, const char *path, const char *member, gboolean value)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  if (!ctl->json)
    return;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "rule");
  json_builder_add_string_value (b, path);
  if (member != NULL) {
    json_builder_set_member_name (b, member);
    json_builder_add_boolean_value (b, value);
  }
  json_builder_end_object (b);
  saldoctl_print_json (b);
}

/* rules add LINE --amount X [--provider ID] [...] */
static int
rules_add (SaldoCtl *ctl, int argc, char **argv, GError **error)
{
  g_autoptr(SaldoDBusLine) line = NULL;
  g_autofree char *path = NULL;
  g_autofree char *only_provider = NULL;
  const char      *currency;
  RuleArgs         args;
  GVariantDict     dict;

  if (!rule_args_parse (&args, 1, argc, argv, error))
    return EXIT_FAILURE;
  if (args.n_positional != 1 || args.values[OPT_AMOUNT] == NULL) {
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         _ ("usage: saldoctl rules add LINE --amount X [--kind K] [--below X] "
                            "[--provider ID] [options] (see saldoctl --help)"));
    return EXIT_FAILURE;
  }
  line = saldoctl_find_line (ctl, args.positional[0], error);
  if (line == NULL)
    return EXIT_FAILURE;
  currency = saldoctl_line_currency (line, error);
  if (currency == NULL)
    return EXIT_FAILURE;
  /* With one provider configured there is nothing to choose. */
  if (args.values[OPT_PROVIDER] == NULL) {
    g_autoptr(GPtrArray) objects = saldoctl_get_providers (ctl);
    g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();
    g_auto(GStrv) providers = NULL;
    guint n = objects->len;

    for (guint i = 0; i < objects->len; i++)
      g_strv_builder_add (ids, saldo_dbus_provider_get_id (objects->pdata[i]));
    providers = g_strv_builder_end (ids);
    if (n != 1) {
      g_autofree char *list = n > 0 ? g_strjoinv (", ", providers) : NULL;

      if (n == 0)
        g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                             _ ("no top-up provider is configured (see providers.d/)"));
      else
        g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _ ("--provider is needed: one of %s"),
                     list);
      return EXIT_FAILURE;
    }
    only_provider = g_strdup (providers[0]);
    args.values[OPT_PROVIDER] = only_provider;
  }

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "line", "o", g_dbus_proxy_get_object_path (G_DBUS_PROXY (line)));
  if (!rule_args_to_dict (&args, currency, "threshold", &dict, error)) {
    g_variant_dict_clear (&dict);
    return EXIT_FAILURE;
  }
  if (!saldo_dbus_manager_call_add_rule_sync (ctl->manager, g_variant_dict_end (&dict),
                                              saldoctl_call_flags (), -1, &path, NULL, error))
    return EXIT_FAILURE;
  if (ctl->json)
    print_rule_result (ctl, path, NULL, FALSE);
  else
    g_print ("%s\n", path);
  return EXIT_SUCCESS;
}

/* rules update RULE [options] */
static int
rules_update (SaldoCtl *ctl, int argc, char **argv, GError **error)
{
  g_autoptr(SaldoDBusRule) rule = NULL;
  RuleArgs     args;
  GVariantDict dict;

  if (!rule_args_parse (&args, 1, argc, argv, error))
    return EXIT_FAILURE;
  if (args.n_positional != 1) {
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         _ ("usage: saldoctl rules update RULE [--amount X] [--below X] [options]"));
    return EXIT_FAILURE;
  }
  rule = find_rule (ctl, args.positional[0], error);
  if (rule == NULL)
    return EXIT_FAILURE;
  g_variant_dict_init (&dict, NULL);
  if (!rule_args_to_dict (&args, saldo_dbus_rule_get_currency (rule), saldo_dbus_rule_get_kind (rule), &dict,
                          error)) {
    g_variant_dict_clear (&dict);
    return EXIT_FAILURE;
  }
  if (!saldo_dbus_rule_call_update_sync (rule, g_variant_dict_end (&dict), saldoctl_call_flags (), -1, NULL,
                                         error))
    return EXIT_FAILURE;
  print_rule_result (ctl, g_dbus_proxy_get_object_path (G_DBUS_PROXY (rule)), "updated", TRUE);
  return EXIT_SUCCESS;
}

/* rules remove|enable|disable RULE */
static int
rules_simple (SaldoCtl *ctl, const char *verb, int argc, char **argv, GError **error)
{
  g_autoptr(SaldoDBusRule) rule = NULL;
  gboolean ok;

  if (argc != 1 || argv[0][0] == '-') {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _ ("usage: saldoctl rules %s RULE"), verb);
    return EXIT_FAILURE;
  }
  rule = find_rule (ctl, argv[0], error);
  if (rule == NULL)
    return EXIT_FAILURE;
  if (g_str_equal (verb, "remove")) {
    ok = saldo_dbus_rule_call_remove_sync (rule, saldoctl_call_flags (), -1, NULL, error);
  } else {
    GVariantDict dict;

    g_variant_dict_init (&dict, NULL);
    g_variant_dict_insert (&dict, "enabled", "b", g_str_equal (verb, "enable"));
    ok = saldo_dbus_rule_call_update_sync (rule, g_variant_dict_end (&dict), saldoctl_call_flags (), -1, NULL,
                                           error);
  }
  if (!ok)
    return EXIT_FAILURE;
  if (g_str_equal (verb, "remove"))
    print_rule_result (ctl, g_dbus_proxy_get_object_path (G_DBUS_PROXY (rule)), "removed", TRUE);
  else
    print_rule_result (ctl, g_dbus_proxy_get_object_path (G_DBUS_PROXY (rule)), "enabled",
                       g_str_equal (verb, "enable"));
  return EXIT_SUCCESS;
}

/* A limit of 0 means none. */
/* A cap for --json ("100.00"), or NULL for none. */
static char *
format_limit (gint64 minor, const char *currency)
{
  return minor > 0 ? saldoctl_format_money (minor, currency) : NULL;
}

/* A cap for people ("S/ 100.00" in es_PE), or NULL for none. */
static char *
format_limit_text (gint64 minor, const char *currency)
{
  return minor > 0 ? saldo_client_format_money (minor, currency) : NULL;
}

/* What makes the rule fire, in words, by kind. */
static char *
describe_trigger (SaldoDBusRule *rule)
{
  const char *kind = saldo_dbus_rule_get_kind (rule);
  const char *currency = saldo_dbus_rule_get_currency (rule);

  if (g_str_equal (kind, "threshold")) {
    g_autofree char *below = saldo_client_format_money (saldo_dbus_rule_get_below (rule), currency);

    /* TRANSLATORS: when a threshold rule fires: "balance < S/ 5.00" */
    return g_strdup_printf (_ ("balance < %s"), below);
  }
  if (g_str_equal (kind, "data")) {
    g_autofree char *below = saldoctl_format_bytes ((guint64) MAX (saldo_dbus_rule_get_below (rule), 0));

    /* TRANSLATORS: when a data rule fires: "data < 500 MB" */
    return g_strdup_printf (_ ("data < %s"), below);
  }
  if (g_str_equal (kind, "keep-alive"))
    return g_strdup_printf (ngettext ("%u day before expiry", "%u days before expiry",
                                      saldo_dbus_rule_get_days_before (rule)),
                            saldo_dbus_rule_get_days_before (rule));
  if (g_str_equal (kind, "forecast")) {
    g_autofree char *below = saldo_client_format_money (saldo_dbus_rule_get_below (rule), currency);

    /* TRANSLATORS: when a forecast rule fires: "balance < S/ 5.00 within 7 days" */
    return g_strdup_printf (ngettext ("balance < %s within %u day", "balance < %s within %u days",
                                      saldo_dbus_rule_get_days (rule)),
                            below, saldo_dbus_rule_get_days (rule));
  }
  if (g_str_equal (kind, "schedule")) {
    g_autofree char *hour = g_strdup_printf ("%02u:00", saldo_dbus_rule_get_hour (rule));

    /* TRANSLATORS: when a schedule rule fires: "day 1 at 09:00" */
    return g_strdup_printf (_ ("day %s at %s"), saldo_dbus_rule_get_day (rule), hour);
  }
  return g_strdup (kind);
}

static void
add_string_or_null (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
rule_to_json (SaldoCtl *ctl, JsonBuilder *b, SaldoDBusRule *rule)
{
  const char *currency = saldo_dbus_rule_get_currency (rule);
  const char *kind = saldo_dbus_rule_get_kind (rule);
  g_autoptr(SaldoDBusLine) line = line_at (ctl, saldo_dbus_rule_get_line (rule));
  g_autofree char *amount = saldoctl_format_money (saldo_dbus_rule_get_amount (rule), currency);
  g_autofree char *below = g_str_equal (kind, "threshold") || g_str_equal (kind, "forecast")
                             ? saldoctl_format_money (saldo_dbus_rule_get_below (rule), currency)
                             : NULL;
  g_autofree char *per_topup = format_limit (saldo_dbus_rule_get_max_per_topup (rule), currency);
  g_autofree char *per_day = format_limit (saldo_dbus_rule_get_max_per_day (rule), currency);
  g_autofree char *per_month = format_limit (saldo_dbus_rule_get_max_per_month (rule), currency);

  json_builder_begin_object (b);
  add_string_or_null (b, "path", g_dbus_proxy_get_object_path (G_DBUS_PROXY (rule)));
  json_builder_set_member_name (b, "id");
  json_builder_add_int_value (b, saldoctl_object_number (rule));
  json_builder_set_member_name (b, "line");
  if (line != NULL)
    json_builder_add_int_value (b, saldoctl_line_number (line));
  else
    json_builder_add_null_value (b);
  add_string_or_null (b, "line_path", saldo_dbus_rule_get_line (rule));
  add_string_or_null (b, "kind", kind);
  json_builder_set_member_name (b, "enabled");
  json_builder_add_boolean_value (b, saldo_dbus_rule_get_enabled (rule));
  json_builder_set_member_name (b, "confirm");
  json_builder_add_boolean_value (b, saldo_dbus_rule_get_confirm (rule));
  add_string_or_null (b, "provider", saldo_dbus_rule_get_provider (rule));
  add_string_or_null (b, "amount", amount);
  add_string_or_null (b, "currency", currency);
  add_string_or_null (b, "below", below);
  json_builder_set_member_name (b, "data_below_bytes");
  if (g_str_equal (kind, "data"))
    json_builder_add_int_value (b, saldo_dbus_rule_get_below (rule));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "days_before");
  json_builder_add_int_value (b, saldo_dbus_rule_get_days_before (rule));
  json_builder_set_member_name (b, "days");
  json_builder_add_int_value (b, saldo_dbus_rule_get_days (rule));
  add_string_or_null (b, "day",
                      *saldo_dbus_rule_get_day (rule) != '\0' ? saldo_dbus_rule_get_day (rule) : NULL);
  json_builder_set_member_name (b, "hour");
  json_builder_add_int_value (b, saldo_dbus_rule_get_hour (rule));
  add_string_or_null (b, "max_per_topup", per_topup);
  add_string_or_null (b, "max_per_day", per_day);
  add_string_or_null (b, "max_per_month", per_month);
  json_builder_set_member_name (b, "max_attempts_24h");
  json_builder_add_int_value (b, saldo_dbus_rule_get_max_attempts24h (rule));
  json_builder_set_member_name (b, "cooldown");
  json_builder_add_int_value (b, saldo_dbus_rule_get_cooldown (rule));
  add_string_or_null (b, "last_decision", saldo_dbus_rule_get_last_decision (rule));
  add_string_or_null (b, "disabled_reason", saldo_dbus_rule_get_disabled_reason (rule));
  json_builder_end_object (b);
}

static const char *
or_dash (const char *value)
{
  return value != NULL && *value != '\0' ? value : "-";
}

static void
print_rule (SaldoCtl *ctl, SaldoDBusRule *rule, const int *rule_widths)
{
  const char *currency = saldo_dbus_rule_get_currency (rule);
  g_autoptr(SaldoDBusLine) line = line_at (ctl, saldo_dbus_rule_get_line (rule));
  g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, saldoctl_object_number (rule));
  g_autofree char *line_number = line != NULL
                                   ? g_strdup_printf ("%" G_GINT64_FORMAT, saldoctl_line_number (line))
                                   : g_strdup ("-");
  g_autofree char *money = saldo_client_format_money (saldo_dbus_rule_get_amount (rule), currency);
  g_autofree char *trigger = describe_trigger (rule);
  g_autofree char *per_topup = format_limit_text (saldo_dbus_rule_get_max_per_topup (rule), currency);
  g_autofree char *per_day = format_limit_text (saldo_dbus_rule_get_max_per_day (rule), currency);
  g_autofree char *per_month = format_limit_text (saldo_dbus_rule_get_max_per_month (rule), currency);
  g_autofree char *attempts = saldo_dbus_rule_get_max_attempts24h (rule) > 0
                                ? g_strdup_printf ("%u", saldo_dbus_rule_get_max_attempts24h (rule))
                                : NULL;
  g_autofree char *cooldown = g_strdup_printf ("%us", saldo_dbus_rule_get_cooldown (rule));

  saldoctl_print_row (rule_widths, 13, number, line_number, saldo_dbus_rule_get_kind (rule),
                      saldo_dbus_rule_get_enabled (rule) ? _ ("yes") : _ ("no"),
                      saldo_dbus_rule_get_confirm (rule) ? _ ("yes") : _ ("no"),
                      saldo_dbus_rule_get_provider (rule), money, trigger, or_dash (per_topup),
                      or_dash (per_day), or_dash (per_month), or_dash (attempts), cooldown);
  /* Reasons may quote a provider's or the carrier's words. */
  if (*saldo_dbus_rule_get_disabled_reason (rule) != '\0') {
    g_autofree char *reason = saldoctl_escape (saldo_dbus_rule_get_disabled_reason (rule));

    /* TRANSLATORS: below a rule: why it is off */
    g_print ("     %s %s\n", _ ("disabled:"), reason);
  }
  if (*saldo_dbus_rule_get_last_decision (rule) != '\0') {
    g_autofree char *decision = saldoctl_escape (saldo_dbus_rule_get_last_decision (rule));

    /* TRANSLATORS: below a rule: what it last decided */
    g_print ("     %s %s\n", _ ("last:"), decision);
  }
}

/* rules list [LINE] */
static int
rules_list (SaldoCtl *ctl, int argc, char **argv, GError **error)
{
  g_autoptr(SaldoDBusLine) line = NULL;
  g_autoptr(GPtrArray) rules = NULL;
  int rule_widths[] = { 4, 4, 10, 3, 3, 10, 12, 24, 9, 9, 9, 5 };
  /* TRANSLATORS: column headings of the rules table; keep them short */
  const char *headings[] = {
    _ ("RULE"), _ ("LINE"),      _ ("KIND"),    _ ("ON"),        _ ("ASK"),   _ ("PROVIDER"), _ ("AMOUNT"),
    _ ("WHEN"), _ ("MAX/TOPUP"), _ ("MAX/DAY"), _ ("MAX/MONTH"), _ ("TRIES"), _ ("COOL"),     NULL
  };

  if (argc > 1 || (argc == 1 && argv[0][0] == '-')) {
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         _ ("usage: saldoctl rules list [LINE]"));
    return EXIT_FAILURE;
  }
  if (argc == 1) {
    line = saldoctl_find_line (ctl, argv[0], error);
    if (line == NULL)
      return EXIT_FAILURE;
  }
  rules = get_rules (ctl, line != NULL ? g_dbus_proxy_get_object_path (G_DBUS_PROXY (line)) : NULL);
  if (ctl->json) {
    g_autoptr(JsonBuilder) b = json_builder_new ();

    json_builder_begin_array (b);
    for (guint i = 0; i < rules->len; i++)
      rule_to_json (ctl, b, rules->pdata[i]);
    json_builder_end_array (b);
    saldoctl_print_json (b);
    return EXIT_SUCCESS;
  }
  if (rules->len == 0) {
    g_print ("%s\n", _ ("no rules"));
    return EXIT_SUCCESS;
  }
  saldoctl_fit_headings (rule_widths, G_N_ELEMENTS (rule_widths), headings);
  saldoctl_print_row (rule_widths, 13, headings[0], headings[1], headings[2], headings[3], headings[4],
                      headings[5], headings[6], headings[7], headings[8], headings[9], headings[10],
                      headings[11], headings[12]);
  for (guint i = 0; i < rules->len; i++)
    print_rule (ctl, rules->pdata[i], rule_widths);
  return EXIT_SUCCESS;
}

/* rules test LINE [--balance X] [--data Y]: Simulate, which spends nothing. */
static int
rules_test (SaldoCtl *ctl, int argc, char **argv, GError **error)
{
  g_autoptr(SaldoDBusLine) line = NULL;
  g_autoptr(GVariant) decision = NULL;
  g_autofree char *amount = NULL;
  g_autofree char *until = NULL;
  const char      *selector = NULL;
  const char      *balance = NULL;
  const char      *data = NULL;
  const char      *currency = NULL;
  const char      *rule = NULL;
  const char      *limit = NULL;
  const char      *provider = NULL;
  const char      *decided = "";
  const char      *reason = "";
  GVariantDict     options;
  gint64           minor;
  guint64          until_time = 0;

  for (int i = 0; i < argc; i++) {
    if (g_str_equal (argv[i], "--balance") && i + 1 < argc)
      balance = argv[++i];
    else if (g_str_has_prefix (argv[i], "--balance="))
      balance = argv[i] + strlen ("--balance=");
    else if (g_str_equal (argv[i], "--data") && i + 1 < argc)
      data = argv[++i];
    else if (g_str_has_prefix (argv[i], "--data="))
      data = argv[i] + strlen ("--data=");
    else if (selector == NULL && argv[i][0] != '-')
      selector = argv[i];
    else {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _ ("rules test: unexpected '%s'"),
                   argv[i]);
      return EXIT_FAILURE;
    }
  }
  if (selector == NULL) {
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         _ ("usage: saldoctl rules test LINE [--balance X] [--data SIZE]"));
    return EXIT_FAILURE;
  }
  line = saldoctl_find_line (ctl, selector, error);
  if (line == NULL)
    return EXIT_FAILURE;

  g_variant_dict_init (&options, NULL);
  g_variant_dict_insert (&options, "line", "o", g_dbus_proxy_get_object_path (G_DBUS_PROXY (line)));
  if (balance != NULL) {
    const char *line_currency = saldoctl_line_currency (line, error);

    if (line_currency == NULL || !saldoctl_parse_money (balance, line_currency, &minor, error)) {
      if (line_currency != NULL)
        g_prefix_error (error, _ ("--balance: "));
      g_variant_dict_clear (&options);
      return EXIT_FAILURE;
    }
    g_variant_dict_insert (&options, "balance", "x", minor);
  }
  if (data != NULL) {
    guint64 bytes;

    if (!saldoctl_parse_bytes (data, &bytes, error)) {
      g_prefix_error (error, _ ("--data: "));
      g_variant_dict_clear (&options);
      return EXIT_FAILURE;
    }
    g_variant_dict_insert (&options, "data", "t", bytes);
  }
  if (!saldo_dbus_manager_call_simulate_sync (ctl->manager, g_variant_dict_end (&options),
                                              G_DBUS_CALL_FLAGS_NONE, -1, &decision, NULL, error))
    return EXIT_FAILURE;

  g_variant_lookup (decision, "decision", "&s", &decided);
  g_variant_lookup (decision, "reason", "&s", &reason);
  g_variant_lookup (decision, "rule", "&o", &rule);
  g_variant_lookup (decision, "currency", "&s", &currency);
  g_variant_lookup (decision, "provider", "&s", &provider);
  g_variant_lookup (decision, "limit", "&s", &limit);
  if (currency == NULL && *saldo_dbus_line_get_currency (line) != '\0')
    currency = saldo_dbus_line_get_currency (line);
  if (g_variant_lookup (decision, "amount", "x", &minor))
    amount = saldoctl_format_money (minor, currency);
  if (g_variant_lookup (decision, "until", "t", &until_time) && until_time > 0) {
    g_autoptr(GDateTime)
                 dt = g_date_time_new_from_unix_utc ((gint64) MIN (until_time, (guint64) G_MAXINT64));

    until = dt != NULL ? g_date_time_format_iso8601 (dt) : NULL;
  }

  if (ctl->json) {
    g_autoptr(JsonBuilder) b = json_builder_new ();

    json_builder_begin_object (b);
    add_string_or_null (b, "decision", decided);
    add_string_or_null (b, "reason", reason);
    add_string_or_null (b, "rule", rule);
    add_string_or_null (b, "amount", amount);
    add_string_or_null (b, "currency", amount != NULL ? currency : NULL);
    add_string_or_null (b, "provider", provider);
    add_string_or_null (b, "limit", limit);
    add_string_or_null (b, "until", until);
    json_builder_end_object (b);
    saldoctl_print_json (b);
    return EXIT_SUCCESS;
  }
  {
    static const int widths[] = { 9 };
    g_autofree char *money = amount != NULL ? saldo_client_format_money (minor, currency) : NULL;
    g_autofree char *until_local = until != NULL ? saldo_client_format_time (until_time) : NULL;
    const struct {
      const char *label;
      const char *value;
    } fields[] = {
      /* TRANSLATORS: labels of `saldoctl rules test`, each with its colon */
      { N_ ("decision:"), decided },
      { N_ ("reason:"), or_dash (reason) },
      { N_ ("amount:"), money },
      { N_ ("provider:"), provider },
      { N_ ("rule:"), rule != NULL ? strrchr (rule, '/') + 1 : NULL },
      { N_ ("limit:"), limit },
      { N_ ("until:"), until_local },
    };

    for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
      if (fields[i].value != NULL)
        saldoctl_print_row (widths, 2, _ (fields[i].label), fields[i].value);
  }
  return EXIT_SUCCESS;
}

int
saldoctl_cmd_rules (SaldoCtl *ctl, int argc, char **argv, GError **error)
{
  const char *verb = argc > 0 ? argv[0] : "list";
  int         rest_argc = argc > 0 ? argc - 1 : 0;
  char      **rest_argv = argc > 0 ? argv + 1 : argv;

  if (g_str_equal (verb, "list"))
    return rules_list (ctl, rest_argc, rest_argv, error);
  if (g_str_equal (verb, "add"))
    return rules_add (ctl, rest_argc, rest_argv, error);
  if (g_str_equal (verb, "update"))
    return rules_update (ctl, rest_argc, rest_argv, error);
  if (g_str_equal (verb, "test"))
    return rules_test (ctl, rest_argc, rest_argv, error);
  if (g_str_equal (verb, "remove") || g_str_equal (verb, "enable") || g_str_equal (verb, "disable"))
    return rules_simple (ctl, verb, rest_argc, rest_argv, error);
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               _ ("rules: unknown command '%s' (list, add, update, remove, enable, disable, test)"), verb);
  return EXIT_FAILURE;
}
