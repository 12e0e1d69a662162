/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoProvider"

#include "saldo-enum.h"
#include "saldo-provider.h"
#include "saldo-provider-enums.h"

#include <string.h>

#include "saldo-money.h"

G_DEFINE_QUARK (saldo - provider - error - quark, saldo_provider_error)

const char *
saldo_top_up_status_to_string (SaldoTopUpStatus status)
{
  const char *name = saldo_enum_to_string (SALDO_TYPE_TOP_UP_STATUS, status);

  return name != NULL ? name : "invalid";
}

/* ---- failure classes ---- */

SaldoProviderFailure
saldo_provider_failure_classify (const GError *error)
{
  if (error == NULL || error->domain != SALDO_PROVIDER_ERROR)
    return SALDO_PROVIDER_FAILURE_OTHER;
  switch ((SaldoProviderError) error->code) {
  case SALDO_PROVIDER_ERROR_INSUFFICIENT_FUNDS:
  case SALDO_PROVIDER_ERROR_AUTH_FAILED:
  case SALDO_PROVIDER_ERROR_PAYMENT_DECLINED:
  case SALDO_PROVIDER_ERROR_PAYMENT_EXPIRED:
    return SALDO_PROVIDER_FAILURE_NEEDS_ATTENTION;
  case SALDO_PROVIDER_ERROR_TRANSPORT:
  case SALDO_PROVIDER_ERROR_TIMEOUT:
  case SALDO_PROVIDER_ERROR_UNAVAILABLE:
    return SALDO_PROVIDER_FAILURE_UNREACHABLE;
  default:
    return SALDO_PROVIDER_FAILURE_OTHER;
  }
}

const char *
saldo_provider_failure_to_string (SaldoProviderFailure failure)
{
  switch (failure) {
  case SALDO_PROVIDER_FAILURE_NEEDS_ATTENTION:
    return "needs-attention";
  case SALDO_PROVIDER_FAILURE_UNREACHABLE:
    return "unreachable";
  case SALDO_PROVIDER_FAILURE_OTHER:
  default:
    return "other";
  }
}

const char *
saldo_provider_attention_reason (const GError *error)
{
  if (saldo_provider_failure_classify (error) != SALDO_PROVIDER_FAILURE_NEEDS_ATTENTION)
    return NULL;
  switch ((SaldoProviderError) error->code) {
  case SALDO_PROVIDER_ERROR_INSUFFICIENT_FUNDS:
    return "insufficient-funds";
  case SALDO_PROVIDER_ERROR_AUTH_FAILED:
    return "credentials-rejected";
  case SALDO_PROVIDER_ERROR_PAYMENT_DECLINED:
    return "payment-declined";
  case SALDO_PROVIDER_ERROR_PAYMENT_EXPIRED:
    return "payment-expired";
  default:
    g_assert_not_reached ();
  }
}

/* ---- SaldoProviderAccount ---- */

G_DEFINE_BOXED_TYPE (SaldoProviderAccount,
                     saldo_provider_account,
                     saldo_provider_account_copy,
                     saldo_provider_account_free)

SaldoProviderAccount *
saldo_provider_account_new (gint64 funds, const char *currency)
{
  SaldoProviderAccount *account = g_new0 (SaldoProviderAccount, 1);

  account->funds = funds;
  account->currency = g_strdup (currency);
  return account;
}

SaldoProviderAccount *
saldo_provider_account_copy (const SaldoProviderAccount *account)
{
  return saldo_provider_account_new (account->funds, account->currency);
}

void
saldo_provider_account_free (SaldoProviderAccount *account)
{
  if (account == NULL)
    return;
  g_free (account->currency);
  g_free (account);
}

/* ---- SaldoTopUpRequest ---- */

G_DEFINE_BOXED_TYPE (SaldoTopUpRequest,
                     saldo_top_up_request,
                     saldo_top_up_request_copy,
                     saldo_top_up_request_free)

SaldoTopUpRequest *
saldo_top_up_request_new (void)
{
  return g_new0 (SaldoTopUpRequest, 1);
}

SaldoTopUpRequest *
saldo_top_up_request_copy (const SaldoTopUpRequest *req)
{
  SaldoTopUpRequest *copy = g_new0 (SaldoTopUpRequest, 1);

  copy->reference = g_strdup (req->reference);
  copy->iccid = g_strdup (req->iccid);
  copy->phone = g_strdup (req->phone);
  copy->country = g_strdup (req->country);
  copy->operator_id = g_strdup (req->operator_id);
  copy->amount = req->amount;
  copy->currency = g_strdup (req->currency);
  copy->ussd_template = g_strdup (req->ussd_template);
  return copy;
}

void
saldo_top_up_request_free (SaldoTopUpRequest *req)
{
  if (req == NULL)
    return;
  g_free (req->reference);
  g_free (req->iccid);
  g_free (req->phone);
  g_free (req->country);
  g_free (req->operator_id);
  g_free (req->currency);
  g_free (req->ussd_template);
  g_free (req);
}

gboolean
saldo_reference_is_valid (const char *reference)
{
  gsize len;

  if (reference == NULL)
    return FALSE;
  len = strlen (reference);
  if (len == 0 || len > SALDO_REFERENCE_MAX_LEN)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    if (!g_ascii_isalnum (reference[i]) && reference[i] != '-')
      return FALSE;
  }
  return TRUE;
}

static gboolean
all_digits (const char *s, gsize min_len, gsize max_len)
{
  gsize len = strlen (s);

  if (len < min_len || len > max_len)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    if (!g_ascii_isdigit (s[i]))
      return FALSE;
  }
  return TRUE;
}

static gboolean
invalid_request (GError **error, const char *what)
{
  g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_REQUEST,
               "Invalid top-up request: %s", what);
  return FALSE;
}

/* Checked once here so every provider can rely on well-formed fields when it
 * builds URLs, JSON and environment variables from them. */
gboolean
saldo_top_up_request_validate (const SaldoTopUpRequest *req, GError **error)
{
  if (!saldo_reference_is_valid (req->reference))
    return invalid_request (error, "the reference must be 1–64 characters of A–Z, a–z, 0–9 and ‘-’");
  if (req->iccid == NULL || !all_digits (req->iccid, 18, 22))
    return invalid_request (error, "the ICCID must be 18–22 digits");
  if (req->phone != NULL && (req->phone[0] != '+' || !all_digits (req->phone + 1, 6, 15)))
    return invalid_request (error, "the phone number must be in E.164 form (+ and 6–15 digits)");
  if (req->country != NULL && (strlen (req->country) != 2 || !g_ascii_isupper (req->country[0]) ||
                               !g_ascii_isupper (req->country[1])))
    return invalid_request (error, "the country must be an ISO 3166 two-letter code");
  if (req->operator_id != NULL && !all_digits (req->operator_id, 5, 6))
    return invalid_request (error, "the operator must be MCC+MNC (5 or 6 digits)");
  if (!saldo_currency_is_valid (req->currency))
    return invalid_request (error, "the currency must be an ISO 4217 code");
  if (req->amount <= 0)
    return invalid_request (error, "the amount must be positive");
  return TRUE;
}

/* ---- SaldoTopUpResult ---- */

G_DEFINE_BOXED_TYPE (SaldoTopUpResult, saldo_top_up_result, saldo_top_up_result_copy, saldo_top_up_result_free)

SaldoTopUpResult *
saldo_top_up_result_new (SaldoTopUpStatus status, const char *reference)
{
  SaldoTopUpResult *result = g_new0 (SaldoTopUpResult, 1);

  result->status = status;
  result->reference = g_strdup (reference);
  result->delivered_amount = -1;
  return result;
}

SaldoTopUpResult *
saldo_top_up_result_new_unknown (const char *reference, const GError *reason)
{
  SaldoTopUpResult *result = saldo_top_up_result_new (SALDO_TOP_UP_STATUS_UNKNOWN, reference);
  if (reason != NULL)
    result->error = g_error_copy (reason);
  return result;
}

SaldoTopUpResult *
saldo_top_up_result_copy (const SaldoTopUpResult *result)
{
  SaldoTopUpResult *copy = g_new0 (SaldoTopUpResult, 1);

  copy->status = result->status;
  copy->reference = g_strdup (result->reference);
  copy->transaction_id = g_strdup (result->transaction_id);
  copy->delivered_amount = result->delivered_amount;
  copy->delivered_currency = g_strdup (result->delivered_currency);
  copy->requested_amount = result->requested_amount;
  copy->requested_currency = g_strdup (result->requested_currency);
  copy->message = g_strdup (result->message);
  copy->error_code = g_strdup (result->error_code);
  copy->error = result->error != NULL ? g_error_copy (result->error) : NULL;
  return copy;
}

void
saldo_top_up_result_free (SaldoTopUpResult *result)
{
  if (result == NULL)
    return;
  g_free (result->reference);
  g_free (result->transaction_id);
  g_free (result->delivered_currency);
  g_free (result->requested_currency);
  g_free (result->message);
  g_free (result->error_code);
  g_clear_error (&result->error);
  g_free (result);
}

/* ---- SaldoProvider ---- */

typedef struct {
  char    *id;
  gboolean configured;
  gint64   not_found_grace;
  GWeakRef context;      /* SaldoProviderContext: saldod owns it, and the provider */
  int      payment_year; /* PaymentExpires=, 0 when not set */
  int      payment_month;
  char    *warn_below;    /* FundsWarnBelow='s amount, NULL when not set */
  char    *warn_currency; /* ... and its currency, NULL: the account's */
} SaldoProviderPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (SaldoProvider, saldo_provider, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void
saldo_provider_finalize (GObject *object)
{
  SaldoProvider        *self = SALDO_PROVIDER (object);
  SaldoProviderPrivate *priv = saldo_provider_get_instance_private (self);

  g_free (priv->id);
  g_weak_ref_clear (&priv->context);
  g_free (priv->warn_below);
  g_free (priv->warn_currency);
  G_OBJECT_CLASS (saldo_provider_parent_class)->finalize (object);
}

static void
saldo_provider_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  SaldoProvider        *self = SALDO_PROVIDER (object);
  SaldoProviderPrivate *priv = saldo_provider_get_instance_private (self);

  switch (prop_id) {
  case PROP_ID:
    g_value_set_string (value, priv->id);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
saldo_provider_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  SaldoProvider        *self = SALDO_PROVIDER (object);
  SaldoProviderPrivate *priv = saldo_provider_get_instance_private (self);

  switch (prop_id) {
  case PROP_ID:
    g_free (priv->id);
    priv->id = g_value_dup_string (value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static char *
saldo_provider_real_describe (SaldoProvider *self)
{
  return g_strdup_printf ("%s provider “%s”", saldo_provider_get_type_name (self),
                          saldo_provider_get_id (self));
}

/* Most providers return their result on a GTask. */
static SaldoTopUpResult *
saldo_provider_real_finish (SaldoProvider *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (res, self), NULL);
  return g_task_propagate_pointer (G_TASK (res), error);
}

static SaldoProviderAccount *
saldo_provider_real_account_finish (SaldoProvider *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (res, self), NULL);
  return g_task_propagate_pointer (G_TASK (res), error);
}

static void
saldo_provider_class_init (SaldoProviderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = saldo_provider_finalize;
  object_class->get_property = saldo_provider_get_property;
  object_class->set_property = saldo_provider_set_property;
  klass->top_up_finish = saldo_provider_real_finish;
  klass->lookup_finish = saldo_provider_real_finish;
  klass->describe = saldo_provider_real_describe;
  klass->account_finish = saldo_provider_real_account_finish;

  props[PROP_ID] = g_param_spec_string ("id", "Id", "Provider instance id (the providers.d file name)",
                                        "unnamed",
                                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
saldo_provider_init (SaldoProvider *self)
{
  SaldoProviderPrivate *priv = saldo_provider_get_instance_private (self);

  g_weak_ref_init (&priv->context, NULL);
}

void
saldo_provider_set_context (SaldoProvider *self, SaldoProviderContext *context)
{
  SaldoProviderPrivate *priv = saldo_provider_get_instance_private (self);

  g_return_if_fail (SALDO_IS_PROVIDER (self));
  g_weak_ref_set (&priv->context, context);
}

SaldoProviderContext *
saldo_provider_get_context (SaldoProvider *self)
{
  SaldoProviderPrivate *priv = saldo_provider_get_instance_private (self);

  g_return_val_if_fail (SALDO_IS_PROVIDER (self), NULL);
  return g_weak_ref_get (&priv->context);
}

void
saldo_provider_set_not_found_grace (SaldoProvider *self, gint64 seconds)
{
  SaldoProviderPrivate *priv = saldo_provider_get_instance_private (self);

  g_return_if_fail (SALDO_IS_PROVIDER (self));
  priv->not_found_grace = MAX (seconds, 0);
}

gint64
saldo_provider_get_not_found_grace (SaldoProvider *self)
{
  SaldoProviderPrivate *priv = saldo_provider_get_instance_private (self);

  g_return_val_if_fail (SALDO_IS_PROVIDER (self), 0);
  return priv->not_found_grace;
}

const char *
saldo_provider_get_id (SaldoProvider *self)
{
  SaldoProviderPrivate *priv = saldo_provider_get_instance_private (self);

  g_return_val_if_fail (SALDO_IS_PROVIDER (self), NULL);
  return priv->id;
}

const char *
saldo_provider_get_type_name (SaldoProvider *self)
{
  g_return_val_if_fail (SALDO_IS_PROVIDER (self), NULL);
  return SALDO_PROVIDER_GET_CLASS (self)->type_name;
}

gboolean
saldo_provider_is_configured (SaldoProvider *self)
{
  SaldoProviderPrivate *priv = saldo_provider_get_instance_private (self);

  g_return_val_if_fail (SALDO_IS_PROVIDER (self), FALSE);
  return priv->configured;
}

static gboolean
invalid_config (GError **error, const char *message)
{
  g_set_error_literal (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG, message);
  return FALSE;
}

/* PaymentExpires= and FundsWarnBelow=, which every provider file may have. */
static gboolean
configure_common (SaldoProviderPrivate *priv, GKeyFile *kf, GError **error)
{
  g_autofree char *expires = g_key_file_get_string (kf, SALDO_PROVIDER_GROUP, "PaymentExpires", NULL);
  g_autofree char *below = g_key_file_get_string (kf, SALDO_PROVIDER_GROUP, "FundsWarnBelow", NULL);
  guint64          year = 0, month = 0;

  if (expires != NULL) {
    g_auto(GStrv) parts = g_strsplit (g_strstrip (expires), "-", -1);

    if (g_strv_length (parts) != 2 || strlen (parts[0]) != 4 || strlen (parts[1]) != 2 ||
        !g_ascii_string_to_unsigned (parts[0], 10, 2000, 9998, &year, NULL) ||
        !g_ascii_string_to_unsigned (parts[1], 10, 1, 12, &month, NULL))
      return invalid_config (error, "PaymentExpires= must be a year and month, YYYY-MM");
  }
  g_clear_pointer (&priv->warn_below, g_free);
  g_clear_pointer (&priv->warn_currency, g_free);
  if (below != NULL) {
    g_auto(GStrv) words = g_strsplit_set (g_strstrip (below), " \t", -1);
    g_autoptr(GStrvBuilder) kept = g_strv_builder_new ();
    g_auto(GStrv) parts = NULL;
    gint64 probe;

    for (guint i = 0; words[i] != NULL; i++)
      if (*words[i] != '\0')
        g_strv_builder_add (kept, words[i]);
    parts = g_strv_builder_end (kept);
    /* An amount alone is in the account's currency; CLF has the most
       * decimals of any currency, so it checks the amount's form. */
    if (g_strv_length (parts) < 1 || g_strv_length (parts) > 2 ||
        (parts[1] != NULL && !saldo_currency_is_valid (parts[1])) ||
        !saldo_money_parse_decimal (parts[0], parts[1] != NULL ? parts[1] : "CLF", &probe, NULL) || probe < 0)
      return invalid_config (error, "FundsWarnBelow= must be an amount, and optionally its "
                                    "currency (20.00 USD)");
    priv->warn_below = g_strdup (parts[0]);
    priv->warn_currency = g_strdup (parts[1]);
  }
  priv->payment_year = (int) year;
  priv->payment_month = (int) month;
  return TRUE;
}

void
saldo_provider_get_payment_expires (SaldoProvider *self, int *year, int *month)
{
  SaldoProviderPrivate *priv = saldo_provider_get_instance_private (self);

  g_return_if_fail (SALDO_IS_PROVIDER (self));
  *year = priv->payment_year;
  *month = priv->payment_month;
}

gboolean
saldo_provider_get_funds_warn_below (SaldoProvider *self, const char *currency, gint64 *out)
{
  SaldoProviderPrivate *priv = saldo_provider_get_instance_private (self);

  g_return_val_if_fail (SALDO_IS_PROVIDER (self), FALSE);
  if (priv->warn_below == NULL || !saldo_currency_is_valid (currency) ||
      (priv->warn_currency != NULL && g_strcmp0 (priv->warn_currency, currency) != 0))
    return FALSE;
  return saldo_money_parse_decimal (priv->warn_below, currency, out, NULL);
}

gboolean
saldo_provider_configure (SaldoProvider *self, GKeyFile *kf, const char *config_dir, GError **error)
{
  SaldoProviderPrivate *priv = saldo_provider_get_instance_private (self);
  SaldoProviderClass   *klass;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (SALDO_IS_PROVIDER (self), FALSE);
  g_return_val_if_fail (kf != NULL, FALSE);

  klass = SALDO_PROVIDER_GET_CLASS (self);
  if (!g_key_file_has_group (kf, SALDO_PROVIDER_GROUP)) {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                 "Provider “%s”: missing [%s] group", priv->id, SALDO_PROVIDER_GROUP);
    return FALSE;
  }
  if (!configure_common (priv, kf, &local_error) ||
      (klass->configure != NULL && !klass->configure (self, kf, config_dir, &local_error))) {
    g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "Provider “%s”: ", priv->id);
    return FALSE;
  }
  priv->configured = TRUE;
  return TRUE;
}

static gboolean
check_ready (SaldoProvider *self, GError **error)
{
  SaldoProviderPrivate *priv = saldo_provider_get_instance_private (self);

  if (!priv->configured) {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                 "Provider “%s” is not configured", priv->id);
    return FALSE;
  }
  return TRUE;
}

void
saldo_provider_top_up_async (SaldoProvider           *self,
                             const SaldoTopUpRequest *req,
                             GCancellable            *cancellable,
                             GAsyncReadyCallback      callback,
                             gpointer                 user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SaldoTopUpRequest) copy = NULL;

  g_return_if_fail (SALDO_IS_PROVIDER (self));
  g_return_if_fail (req != NULL);

  if (!check_ready (self, &error) || !saldo_top_up_request_validate (req, &error)) {
    g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
    g_task_set_source_tag (task, saldo_provider_top_up_async);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  /* Providers get their own copy so callers may free theirs at once. */
  copy = saldo_top_up_request_copy (req);
  SALDO_PROVIDER_GET_CLASS (self)->top_up_async (self, copy, cancellable, callback, user_data);
}

SaldoTopUpResult *
saldo_provider_top_up_finish (SaldoProvider *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (SALDO_IS_PROVIDER (self), NULL);

  if (g_async_result_is_tagged (res, saldo_provider_top_up_async))
    return g_task_propagate_pointer (G_TASK (res), error);
  return SALDO_PROVIDER_GET_CLASS (self)->top_up_finish (self, res, error);
}

void
saldo_provider_lookup_async (SaldoProvider      *self,
                             const char         *reference,
                             GCancellable       *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer            user_data)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (SALDO_IS_PROVIDER (self));

  if (check_ready (self, &error) && !saldo_reference_is_valid (reference))
    g_set_error_literal (&error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_REQUEST,
                         "Invalid top-up reference");
  if (error != NULL) {
    g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
    g_task_set_source_tag (task, saldo_provider_lookup_async);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  SALDO_PROVIDER_GET_CLASS (self)->lookup_async (self, reference, cancellable, callback, user_data);
}

SaldoTopUpResult *
saldo_provider_lookup_finish (SaldoProvider *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (SALDO_IS_PROVIDER (self), NULL);

  if (g_async_result_is_tagged (res, saldo_provider_lookup_async))
    return g_task_propagate_pointer (G_TASK (res), error);
  return SALDO_PROVIDER_GET_CLASS (self)->lookup_finish (self, res, error);
}

char *
saldo_provider_describe (SaldoProvider *self)
{
  g_return_val_if_fail (SALDO_IS_PROVIDER (self), NULL);
  return SALDO_PROVIDER_GET_CLASS (self)->describe (self);
}

void
saldo_provider_account_async (SaldoProvider      *self,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data)
{
  SaldoProviderClass *klass;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (SALDO_IS_PROVIDER (self));

  klass = SALDO_PROVIDER_GET_CLASS (self);
  if (check_ready (self, &error) && klass->account_async == NULL)
    g_set_error (&error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_NOT_SUPPORTED,
                 "The %s provider cannot tell what its account holds", saldo_provider_get_type_name (self));
  if (error != NULL) {
    g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
    g_task_set_source_tag (task, saldo_provider_account_async);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  klass->account_async (self, cancellable, callback, user_data);
}

SaldoProviderAccount *
saldo_provider_account_finish (SaldoProvider *self, GAsyncResult *res, GError **error)
{
  SaldoProviderAccount *account;

  g_return_val_if_fail (SALDO_IS_PROVIDER (self), NULL);

  if (g_async_result_is_tagged (res, saldo_provider_account_async))
    return g_task_propagate_pointer (G_TASK (res), error);
  account = SALDO_PROVIDER_GET_CLASS (self)->account_finish (self, res, error);
  /* The daemon shows and compares these: a plugin's slip must not pass. */
  if (account != NULL && !saldo_currency_is_valid (account->currency)) {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                 "The %s provider reported its funds without a valid currency",
                 saldo_provider_get_type_name (self));
    g_clear_pointer (&account, saldo_provider_account_free);
  }
  return account;
}

/* ---- Blocking providers ---- */

typedef struct {
  SaldoProviderTopUpFunc   top_up;
  SaldoProviderLookupFunc  lookup;
  SaldoProviderAccountFunc account;
  SaldoTopUpRequest       *req;
  char                    *reference;
} ThreadJob;

static void
thread_job_free (ThreadJob *job)
{
  saldo_top_up_request_free (job->req);
  g_free (job->reference);
  g_free (job);
}

static void
thread_job_run (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ThreadJob        *job = task_data;
  GError           *error = NULL;
  SaldoTopUpResult *result;

  if (job->account != NULL) {
    SaldoProviderAccount *account = job->account (source, cancellable, &error);

    if (account == NULL)
      g_task_return_error (task, error);
    else
      g_task_return_pointer (task, account, (GDestroyNotify) saldo_provider_account_free);
    return;
  }
  if (job->top_up != NULL)
    result = job->top_up (source, job->req, cancellable, &error);
  else
    result = job->lookup (source, job->reference, cancellable, &error);
  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) saldo_top_up_result_free);
}

/* Takes @job. */
static void
thread_job_start (SaldoProvider      *self,
                  ThreadJob          *job,
                  gpointer            source_tag,
                  GCancellable       *cancellable,
                  GAsyncReadyCallback callback,
                  gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  if (job->top_up != NULL) {
    /* Cancelling must not hide a possible charge: the thread reports it. */
    g_task_set_return_on_cancel (task, FALSE);
    g_task_set_check_cancellable (task, FALSE);
  }
  g_task_set_task_data (task, job, (GDestroyNotify) thread_job_free);
  g_task_run_in_thread (task, thread_job_run);
}

void
saldo_provider_top_up_in_thread (SaldoProvider           *self,
                                 const SaldoTopUpRequest *req,
                                 SaldoProviderTopUpFunc   func,
                                 GCancellable            *cancellable,
                                 GAsyncReadyCallback      callback,
                                 gpointer                 user_data)
{
  ThreadJob *job = g_new0 (ThreadJob, 1);

  job->top_up = func;
  job->req = saldo_top_up_request_copy (req);
  thread_job_start (self, job, saldo_provider_top_up_in_thread, cancellable, callback, user_data);
}

void
saldo_provider_lookup_in_thread (SaldoProvider          *self,
                                 const char             *reference,
                                 SaldoProviderLookupFunc func,
                                 GCancellable           *cancellable,
                                 GAsyncReadyCallback     callback,
                                 gpointer                user_data)
{
  ThreadJob *job = g_new0 (ThreadJob, 1);

  job->lookup = func;
  job->reference = g_strdup (reference);
  thread_job_start (self, job, saldo_provider_lookup_in_thread, cancellable, callback, user_data);
}

void
saldo_provider_account_in_thread (SaldoProvider           *self,
                                  SaldoProviderAccountFunc func,
                                  GCancellable            *cancellable,
                                  GAsyncReadyCallback      callback,
                                  gpointer                 user_data)
{
  ThreadJob *job = g_new0 (ThreadJob, 1);

  job->account = func;
  thread_job_start (self, job, saldo_provider_account_in_thread, cancellable, callback, user_data);
}
