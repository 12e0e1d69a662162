/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "saldo-client-format.h"
#include "saldoctl.h"
#include "saldoctl-output.h"

GPtrArray *
saldoctl_get_providers (SaldoCtl *ctl)
{
  GPtrArray *providers = g_ptr_array_new_with_free_func (g_object_unref);
  GList     *objects = g_dbus_object_manager_get_objects (ctl->object_manager);

  for (GList *l = objects; l != NULL; l = l->next) {
    SaldoDBusProvider *provider = saldo_dbus_object_get_provider (SALDO_DBUS_OBJECT (l->data));

    if (provider != NULL)
      g_ptr_array_add (providers, provider);
  }
  g_list_free_full (objects, g_object_unref);
  g_ptr_array_sort (providers, saldoctl_compare_objects);
  return providers;
}

SaldoDBusProvider *
saldoctl_find_provider (SaldoCtl *ctl, const char *selector, GError **error)
{
  g_autoptr(GPtrArray) providers = saldoctl_get_providers (ctl);

  /* By its id, or its number. */
  for (guint i = 0; i < providers->len; i++) {
    SaldoDBusProvider *provider = providers->pdata[i];
    g_autofree char   *number = g_strdup_printf ("%" G_GINT64_FORMAT, saldoctl_object_number (provider));

    if (g_str_equal (selector, saldo_dbus_provider_get_id (provider)) || g_str_equal (selector, number))
      return g_object_ref (provider);
  }
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _ ("no provider '%s'"), selector);
  return NULL;
}

/* "S/ 27.00, 5.00 USD" in the user's locale, or NULL when nothing. */
static char *
format_spent (GVariant *spent)
{
  g_autoptr(GString) text = g_string_new (NULL);
  GVariantIter iter;
  const char  *currency;
  gint64       amount;

  g_variant_iter_init (&iter, spent);
  while (g_variant_iter_next (&iter, "{&sx}", &currency, &amount)) {
    g_autofree char *money = saldo_client_format_money (amount, currency);

    if (text->len > 0)
      g_string_append (text, ", ");
    g_string_append (text, money);
  }
  return text->len > 0 ? g_string_free (g_steal_pointer (&text), FALSE) : NULL;
}

static void
provider_to_json (JsonBuilder *b, SaldoDBusProvider *p)
{
  gboolean         known = saldo_dbus_provider_get_funds_known (p);
  const char      *currency = saldo_dbus_provider_get_funds_currency (p);
  g_autofree char *funds = known ? saldoctl_format_money (saldo_dbus_provider_get_funds (p), currency) : NULL;
  const char *const *warnings = saldo_dbus_provider_get_warnings (p);
  GVariant          *spent = saldo_dbus_provider_get_spent_this_month (p);
  GVariantIter       iter;
  const char        *spent_currency;
  gint64             amount;

  json_builder_begin_object (b);
  saldoctl_json_add_string (b, "path", g_dbus_proxy_get_object_path (G_DBUS_PROXY (p)));
  json_builder_set_member_name (b, "number");
  json_builder_add_int_value (b, saldoctl_object_number (p));
  saldoctl_json_add_string (b, "id", saldo_dbus_provider_get_id (p));
  saldoctl_json_add_string (b, "type", saldo_dbus_provider_get_type_ (p));
  saldoctl_json_add_string (b, "state", saldo_dbus_provider_get_state (p));
  saldoctl_json_add_string (b, "attention", saldo_dbus_provider_get_attention (p));
  saldoctl_json_add_string (b, "last_error", saldo_dbus_provider_get_last_error (p));
  json_builder_set_member_name (b, "last_success");
  json_builder_add_int_value (b, (gint64) saldo_dbus_provider_get_last_success (p));
  saldoctl_json_add_string (b, "funds", funds);
  saldoctl_json_add_string (b, "funds_currency", known ? currency : NULL);
  saldoctl_json_add_string (b, "payment_expires",
                            *saldo_dbus_provider_get_payment_expires (p) != '\0'
                              ? saldo_dbus_provider_get_payment_expires (p)
                              : NULL);
  json_builder_set_member_name (b, "spent_this_month");
  json_builder_begin_object (b);
  if (spent != NULL) {
    g_variant_iter_init (&iter, spent);
    while (g_variant_iter_next (&iter, "{&sx}", &spent_currency, &amount)) {
      g_autofree char *money = saldoctl_format_money (amount, spent_currency);

      saldoctl_json_add_string (b, spent_currency, money);
    }
  }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "warnings");
  json_builder_begin_array (b);
  for (guint i = 0; warnings != NULL && warnings[i] != NULL; i++)
    json_builder_add_string_value (b, warnings[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);
}

/* A provider's State for people (a top-up's "unknown" is another word in
 * some languages, hence the context). */
const char *
saldoctl_provider_state_words (const char *state)
{
  if (g_strcmp0 (state, "ok") == 0)
    return C_ ("provider state", "ok");
  if (g_strcmp0 (state, "needs-attention") == 0)
    return C_ ("provider state", "needs attention");
  if (g_strcmp0 (state, "unreachable") == 0)
    return C_ ("provider state", "unreachable");
  return C_ ("provider state", "unknown");
}

enum {
  FIELD_FUNDS,
  FIELD_MONTH,
  FIELD_EXPIRES,
  FIELD_SUCCESS,
  FIELD_ERROR,
  FIELD_WARNING
};

static void
print_provider (SaldoDBusProvider *p)
{
  /* TRANSLATORS: labels below a provider, each with its colon ("payment expires:" the month its
   * payment method, e.g. a card, expires) */
  const char        *labels[] = { _ ("funds:"),
                                  _ ("this month:"),
                                  _ ("payment expires:"),
                                  _ ("last success:"),
                                  _ ("error:"),
                                  _ ("warning:"),
                                  NULL };
  g_autofree char   *id = saldoctl_escape (saldo_dbus_provider_get_id (p));
  g_autofree char   *last_error = saldoctl_escape (saldo_dbus_provider_get_last_error (p));
  g_autofree char   *spent = saldo_dbus_provider_get_spent_this_month (p) != NULL
                               ? format_spent (saldo_dbus_provider_get_spent_this_month (p))
                               : NULL;
  const char *const *warnings = saldo_dbus_provider_get_warnings (p);
  const char        *expires = saldo_dbus_provider_get_payment_expires (p);
  /* The number as text: a G_GINT64_FORMAT inside the msgid would cut it. */
  g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, saldoctl_object_number (p));

  /* TRANSLATORS: "provider 1: rl (reloadly), ok" (its number, id, type and state) */
  g_print (_ ("provider %s: %s (%s), %s"), number, id, saldo_dbus_provider_get_type_ (p),
           saldoctl_provider_state_words (saldo_dbus_provider_get_state (p)));
  g_print ("\n");
  if (saldo_dbus_provider_get_funds_known (p)) {
    g_autofree char *funds = saldo_client_format_money (saldo_dbus_provider_get_funds (p),
                                                        saldo_dbus_provider_get_funds_currency (p));

    saldoctl_print_field (labels, labels[FIELD_FUNDS], funds);
  }
  saldoctl_print_field (labels, labels[FIELD_MONTH], spent != NULL ? spent : _ ("nothing spent"));
  if (*expires != '\0')
    saldoctl_print_field (labels, labels[FIELD_EXPIRES], expires);
  if (saldo_dbus_provider_get_last_success (p) != 0) {
    g_autofree char *when = saldo_client_format_time (saldo_dbus_provider_get_last_success (p));

    saldoctl_print_field (labels, labels[FIELD_SUCCESS], when);
  }
  if (*last_error != '\0')
    saldoctl_print_field (labels, labels[FIELD_ERROR], last_error);
  for (guint i = 0; warnings != NULL && warnings[i] != NULL; i++) {
    g_autofree char *warning = saldoctl_escape (warnings[i]);

    saldoctl_print_field (labels, labels[FIELD_WARNING], warning);
  }
}

/* saldoctl providers [list] | check ID */
int
saldoctl_cmd_providers (SaldoCtl *ctl, int argc, char **argv, GError **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(GPtrArray) providers = NULL;

  if (argc >= 1 && g_str_equal (argv[0], "check")) {
    g_autoptr(SaldoDBusProvider) provider = NULL;

    if (argc != 2) {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _ ("usage: saldoctl providers check ID"));
      return EXIT_FAILURE;
    }
    provider = saldoctl_find_provider (ctl, argv[1], error);
    if (provider == NULL)
      return EXIT_FAILURE;
    /* A provider may take its time (a timeout, retries). */
    if (!saldo_dbus_provider_call_check_sync (provider, saldoctl_call_flags (), 120000, NULL, error))
      return EXIT_FAILURE;
    /* What it answered, read anew: the cached properties may lag the reply. */
    g_clear_object (&provider);
    provider = saldoctl_find_provider (ctl, argv[1], error);
    if (provider == NULL)
      return EXIT_FAILURE;
    {
      SaldoDBusProvider *fresh =
        saldo_dbus_provider_proxy_new_sync (ctl->connection, G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS,
                                            "io.github.saldo.Saldo1",
                                            g_dbus_proxy_get_object_path (G_DBUS_PROXY (provider)), NULL,
                                            error);

      if (fresh == NULL)
        return EXIT_FAILURE;
      providers = g_ptr_array_new_with_free_func (g_object_unref);
      g_ptr_array_add (providers, fresh);
    }
  } else if (argc > 1 || (argc == 1 && !g_str_equal (argv[0], "list"))) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _ ("providers: unexpected '%s'"),
                 argv[argc - 1]);
    return EXIT_FAILURE;
  } else {
    providers = saldoctl_get_providers (ctl);
  }

  json_builder_begin_array (b);
  for (guint i = 0; i < providers->len; i++) {
    if (ctl->json)
      provider_to_json (b, providers->pdata[i]);
    else
      print_provider (providers->pdata[i]);
  }
  json_builder_end_array (b);
  if (ctl->json)
    saldoctl_print_json (b);
  else if (providers->len == 0)
    g_print ("%s\n", _ ("no top-up provider is configured (see providers.d/)"));
  return EXIT_SUCCESS;
}
