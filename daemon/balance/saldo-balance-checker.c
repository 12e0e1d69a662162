/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoBalance"

#include "config.h"

#include "saldo-balance-checker.h"
#include "saldo-daemon-enums.h"
#include "saldo-enum.h"
#include "saldo-balance-parser.h"
#include "saldo-error.h"
#include "saldo-money.h"

struct _SaldoBalanceChecker {
  GObject                 parent_instance;
  SaldoBalanceCheckConfig config;
};

G_DEFINE_TYPE (SaldoBalanceChecker, saldo_balance_checker, G_TYPE_OBJECT)

/* LastError of an ambiguous reply: why, and the amounts that compete, so
 * the owner can set a carrier pattern or a balance code that answers with
 * one balance. */
static char *
describe_ambiguity (const SaldoBalanceResult *result)
{
  GString *text = g_string_new ("ambiguous reply, the balance is left as it was: ");
  guint    shown = 0;

  g_string_append (text, result->ambiguity);
  for (guint i = 0; i < result->n_buckets; i++) {
    const SaldoBucket *b = &result->buckets[i];
    g_autofree char   *money = NULL;

    if (b->label == SALDO_BUCKET_DATA)
      continue;
    money = saldo_money_format (b->amount_minor, b->currency);
    g_string_append_printf (text, "%s%s %s", shown++ == 0 ? " (" : ", ",
                            saldo_bucket_label_to_string (b->label), money);
  }
  if (shown > 0)
    g_string_append_c (text, ')');
  return g_string_free (text, FALSE);
}

SaldoReading *
saldo_balance_checker_parse (SaldoCarrier *carrier,
                             const char   *country,
                             const char   *text,
                             const char   *source,
                             gint64        now,
                             GError      **error)
{
  SaldoBalanceHints  hints;
  SaldoBalanceResult result = { 0 };
  g_autoptr(SaldoReading) reading = saldo_reading_new ();
  g_autoptr(GError) parse_error = NULL;

  reading->time = now;
  reading->source = g_strdup (source);
  reading->raw_text = g_strdup (text);
  reading->carrier = g_strdup (carrier != NULL ? saldo_carrier_get_id (carrier) : "");

  saldo_balance_hints_init (&hints);
  hints.now = now;
  hints.country = country;
  if (carrier != NULL)
    saldo_carrier_fill_balance_hints (carrier, &hints);
  if (!saldo_balance_parse (text, -1, &hints, &result, &parse_error)) {
    reading->kind = g_strdup ("failed");
    reading->error = g_strdup_printf ("unreadable reply: %s", parse_error->message);
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_PARSE_FAILED, "%s", reading->error);
    return g_steal_pointer (&reading);
  }

  reading->kind = g_strdup (saldo_reply_kind_to_string (result.kind));
  if (result.kind == SALDO_REPLY_KIND_AMBIGUOUS)
    reading->error = describe_ambiguity (&result);
  if (result.kind == SALDO_REPLY_KIND_BALANCE) {
    reading->has_amount = result.has_amount && result.currency[0] != '\0';
    reading->amount_minor = result.amount_minor;
    reading->currency = g_strdup (result.currency);
    if (result.has_expiry) {
      g_autoptr(GDateTime) day = g_date_time_new_utc (result.expiry_year, result.expiry_month,
                                                       result.expiry_day, 0, 0, 0);

      reading->has_expiry = day != NULL;
      reading->expiry = day != NULL ? g_date_time_to_unix (day) : 0;
    }
    reading->has_data = result.has_data;
    reading->data_bytes = (gint64) MIN (result.data_bytes, (guint64) G_MAXINT64);
    if (!reading->has_amount && !reading->has_data) {
      g_clear_pointer (&reading->kind, g_free);
      reading->kind = g_strdup ("unknown");
    }
  }
  saldo_balance_result_clear (&result);

  if (g_strcmp0 (reading->kind, "balance") != 0) {
    /* An ambiguous reply already says why. */
    if (reading->error == NULL && g_strcmp0 (reading->kind, "menu") == 0)
      reading->error = g_strdup ("the reply is a menu, not a balance: the carrier's code or "
                                 "menu path needs updating");
    else if (reading->error == NULL && g_strcmp0 (reading->kind, "error") == 0)
      reading->error = g_strdup ("the carrier answered with an error");
    else if (reading->error == NULL)
      reading->error = g_strdup ("no balance found in the reply");
    g_set_error (error, SALDO_ERROR,
                 g_strcmp0 (reading->kind, "error") == 0 ? SALDO_ERROR_NETWORK_REJECTED
                                                         : SALDO_ERROR_PARSE_FAILED,
                 "%s: “%s”", reading->error, text);
  }
  return g_steal_pointer (&reading);
}

typedef struct {
  SaldoUssdClient *client;
  SaldoCarrier    *carrier;
  char            *country;
  char            *code;
  GStrv            menu;
  guint            attempt;
  guint            retry_id;
  GCancellable    *cancellable;
  SaldoReading    *reading;
} CheckData;

static void
check_data_free (CheckData *data)
{
  g_clear_handle_id (&data->retry_id, g_source_remove);
  g_clear_object (&data->client);
  g_clear_object (&data->carrier);
  g_free (data->country);
  g_free (data->code);
  g_strfreev (data->menu);
  g_clear_object (&data->cancellable);
  g_clear_pointer (&data->reading, saldo_reading_free);
  g_free (data);
}

static void check_attempt (GTask *task);

static gboolean
is_transient (const GError *error)
{
  return g_error_matches (error, SALDO_ERROR, SALDO_ERROR_TIMED_OUT) ||
         g_error_matches (error, SALDO_ERROR, SALDO_ERROR_NETWORK_REJECTED) ||
         g_error_matches (error, SALDO_ERROR, SALDO_ERROR_BUSY);
}

static gboolean
on_retry (gpointer user_data)
{
  GTask     *task = user_data;
  CheckData *data = g_task_get_task_data (task);

  data->retry_id = 0;
  check_attempt (task);
  return G_SOURCE_REMOVE;
}

static void
check_fail_or_retry (GTask *task, SaldoReading *reading, GError *error)
{
  SaldoBalanceChecker *self = g_task_get_source_object (task);
  CheckData           *data = g_task_get_task_data (task);

  g_clear_pointer (&data->reading, saldo_reading_free);
  data->reading = reading;
  if (is_transient (error) && data->attempt < self->config.attempts &&
      !g_cancellable_is_cancelled (data->cancellable)) {
    guint delay = self->config.retry_delay_ms << MIN (data->attempt - 1, 6u);

    g_info ("balance check %s, attempt %u failed (%s); retrying in %u ms", data->code, data->attempt,
            error->message, delay);
    g_error_free (error);
    data->retry_id = g_timeout_add (delay, on_retry, task);
    return;
  }
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
on_ussd_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask     *task = user_data;
  CheckData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = NULL;
  SaldoReading    *reading;
  gint64           now = g_get_real_time () / G_USEC_PER_SEC;

  reply = saldo_ussd_client_run_finish (SALDO_USSD_CLIENT (source), result, &error);
  if (reply == NULL) {
    reading = saldo_reading_new ();
    reading->time = now;
    reading->source = g_strdup ("ussd");
    reading->kind = g_strdup ("failed");
    reading->raw_text = g_strdup ("");
    reading->error = g_strdup (error->message);
    reading->carrier = g_strdup (saldo_carrier_get_id (data->carrier));
    check_fail_or_retry (task, reading, g_steal_pointer (&error));
    return;
  }
  reading = saldo_balance_checker_parse (data->carrier, data->country, reply, "ussd", now, &error);
  if (error != NULL) {
    check_fail_or_retry (task, reading, g_steal_pointer (&error));
    return;
  }
  g_clear_pointer (&data->reading, saldo_reading_free);
  data->reading = reading;
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
check_attempt (GTask *task)
{
  SaldoBalanceChecker *self = g_task_get_source_object (task);
  CheckData           *data = g_task_get_task_data (task);

  data->attempt++;
  saldo_ussd_client_run_async (data->client, data->code, (const char *const *) data->menu,
                               self->config.ussd_timeout_ms, data->cancellable, on_ussd_done, task);
}

static GStrv
split_menu (const char *menu)
{
  g_auto(GStrv) parts = g_strsplit (menu, ";", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; parts[i] != NULL; i++) {
    g_strstrip (parts[i]);
    if (*parts[i] != '\0')
      g_strv_builder_add (builder, parts[i]);
  }
  return g_strv_builder_end (builder);
}

const char *
saldo_balance_code_source_to_string (SaldoBalanceCodeSource source)
{
  const char *name = source != SALDO_BALANCE_CODE_NONE
                       ? saldo_enum_to_string (SALDO_TYPE_BALANCE_CODE_SOURCE, source)
                       : NULL;

  /* None is "" on the bus: BalanceCodeSource is empty. */
  return name != NULL ? name : "";
}

SaldoBalanceCodeSource
saldo_balance_checker_choose_code (const SaldoLineRecord        *line,
                                   SaldoCarrier                 *carrier,
                                   const SaldoProviderInfoCodes *info,
                                   const char                  **code,
                                   GStrv                        *menu)
{
  const char *const *codes = carrier != NULL ? saldo_carrier_get_ussd_codes (carrier) : NULL;

  *code = NULL;
  *menu = NULL;
  /* The owner's code wins over the carrier's, and brings its own menu. */
  if (line->balance_code != NULL && *line->balance_code != '\0') {
    *code = line->balance_code;
    *menu = split_menu (line->balance_menu != NULL ? line->balance_menu : "");
    return SALDO_BALANCE_CODE_OWNER;
  }
  if (codes != NULL && codes[0] != NULL) {
    *code = codes[0];
    *menu = g_strdupv ((char **) saldo_carrier_get_menu_path (carrier));
    return SALDO_BALANCE_CODE_CARRIER;
  }
  /* The database knows no menus: its codes answer at once. */
  if (info != NULL && info->balance_ussd[0] != NULL) {
    *code = info->balance_ussd[0];
    *menu = g_new0 (char *, 1);
    return SALDO_BALANCE_CODE_PROVIDER_INFO;
  }
  return SALDO_BALANCE_CODE_NONE;
}

void
saldo_balance_checker_check_async (SaldoBalanceChecker          *self,
                                   SaldoUssdClient              *client,
                                   const SaldoLineRecord        *line,
                                   SaldoCarrier                 *carrier,
                                   const SaldoProviderInfoCodes *info,
                                   const char                   *country,
                                   GCancellable                 *cancellable,
                                   GAsyncReadyCallback           callback,
                                   gpointer                      user_data)
{
  GTask      *task = g_task_new (self, cancellable, callback, user_data);
  CheckData  *data = g_new0 (CheckData, 1);
  const char *code;

  g_task_set_task_data (task, data, (GDestroyNotify) check_data_free);
  data->client = g_object_ref (client);
  data->carrier = g_object_ref (carrier);
  data->country = g_strdup (country);
  data->cancellable = cancellable != NULL ? g_object_ref (cancellable) : g_cancellable_new ();

  if (saldo_balance_checker_choose_code (line, carrier, info, &code, &data->menu) ==
      SALDO_BALANCE_CODE_NONE) {
    g_task_return_new_error (task, SALDO_ERROR, SALDO_ERROR_NOT_SUPPORTED,
                             "no balance code is known for carrier '%s'%s; set one with "
                             "saldoctl line set LINE balance-code=CODE",
                             saldo_carrier_get_id (carrier),
                             saldo_carrier_is_generic (carrier) ? " nor in mobile-broadband-provider-info"
                                                                : "");
    g_object_unref (task);
    return;
  }
  data->code = g_strdup (code);
  check_attempt (task);
}

gboolean
saldo_balance_checker_check_finish (SaldoBalanceChecker *self,
                                    GAsyncResult        *result,
                                    SaldoReading       **reading_out,
                                    GError             **error)
{
  CheckData *data = g_task_get_task_data (G_TASK (result));

  if (reading_out != NULL)
    *reading_out = data != NULL ? g_steal_pointer (&data->reading) : NULL;
  return g_task_propagate_boolean (G_TASK (result), error);
}

SaldoBalanceChecker *
saldo_balance_checker_new (const SaldoBalanceCheckConfig *config)
{
  SaldoBalanceChecker *self = g_object_new (SALDO_TYPE_BALANCE_CHECKER, NULL);

  self->config = *config;
  self->config.attempts = MAX (self->config.attempts, 1);
  return self;
}

static void
saldo_balance_checker_class_init (SaldoBalanceCheckerClass *klass)
{
}

static void
saldo_balance_checker_init (SaldoBalanceChecker *self)
{
}
