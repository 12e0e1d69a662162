/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoHttpProvider"

#include "saldo-provider-http.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "saldo-money.h"
#include "saldo-http.h"
#include "saldo-provider-reply.h"
#include "saldo-secret.h"

/* A JSON webhook for the owner's own payment backend. The backend is told
 * the reference as Idempotency-Key and can check X-Saldo-Signature, an
 * HMAC-SHA256 of the exact body (for lookups: of the reference; for the
 * account query: of AccountUrl= as written) under the shared secret.
 * Requests run in a GTask worker thread; see saldo-http.c. */

struct _SaldoProviderHttp {
  SaldoProvider parent_instance;

  SaldoHttp *http;
  char      *url;
  char      *status_url;  /* with a {reference} placeholder, or NULL */
  char      *account_url; /* answers {balance, currency}, or NULL */
  char      *secret;
};

G_DEFINE_TYPE (SaldoProviderHttp, saldo_provider_http, SALDO_TYPE_PROVIDER)

char *
saldo_provider_http_sign (const char *secret, const char *data, gsize len)
{
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) secret, strlen (secret));

  g_hmac_update (hmac, (const guchar *) data, (gssize) len);
  return g_strconcat ("X-Saldo-Signature: sha256=", g_hmac_get_string (hmac), NULL);
}

static char *
build_body (const SaldoTopUpRequest *req)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *amount = saldo_money_to_decimal (req->amount, req->currency);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "reference");
  json_builder_add_string_value (builder, req->reference);
  json_builder_set_member_name (builder, "iccid");
  json_builder_add_string_value (builder, req->iccid);
  json_builder_set_member_name (builder, "phone");
  if (req->phone != NULL)
    json_builder_add_string_value (builder, req->phone);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "country");
  if (req->country != NULL)
    json_builder_add_string_value (builder, req->country);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "amount");
  json_builder_add_string_value (builder, amount);
  json_builder_set_member_name (builder, "currency");
  json_builder_add_string_value (builder, req->currency);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

static SaldoTopUpResult *
unknown_result (const SaldoTopUpRequest *req, GError *reason)
{
  SaldoTopUpResult *result = saldo_top_up_result_new_unknown (req->reference, reason);

  result->requested_amount = req->amount;
  result->requested_currency = g_strdup (req->currency);
  g_error_free (reason);
  return result;
}

static SaldoTopUpResult *
do_top_up (SaldoProvider *provider, const SaldoTopUpRequest *req, GCancellable *cancellable, GError **error)
{
  SaldoProviderHttp *self = SALDO_PROVIDER_HTTP (provider);
  g_autofree char   *body = build_body (req);
  g_autofree char   *signature = saldo_provider_http_sign (self->secret, body, strlen (body));
  g_autofree char   *idempotency = g_strconcat ("Idempotency-Key: ", req->reference, NULL);
  const char        *headers[] = { "Content-Type: application/json", "Accept: application/json", idempotency,
                                   signature, NULL };
  g_autoptr(SaldoHttpResponse) response = NULL;
  g_autoptr(GError) local_error = NULL;
  SaldoTopUpResult *result;
  gboolean          maybe_sent = FALSE;
  const char       *data;
  gsize             len = 0;

  response = saldo_http_request (self->http, "POST", self->url, headers, body, SALDO_HTTP_FLAGS_NONE,
                                 &maybe_sent, cancellable, &local_error);
  if (response == NULL) {
    if (!maybe_sent) {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
    return unknown_result (req, g_steal_pointer (&local_error));
  }

  if (response->status == 401 || response->status == 403) {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_AUTH_FAILED,
                 "The payment backend refused our signature (HTTP %ld); check SecretFile=", response->status);
    return NULL;
  }
  if (response->status == 402) {
    /* Payment Required: the backend's payment was refused, so nothing
       * was charged; its body may say how (insufficient_funds,
       * expired_card...), else it is a declined payment. */
    data = g_bytes_get_data (response->body, &len);
    result = saldo_provider_reply_parse (data, len, req->reference, req, NULL);
    if (result != NULL &&
        (result->status == SALDO_TOP_UP_STATUS_SUCCEEDED || result->status == SALDO_TOP_UP_STATUS_PENDING)) {
      g_autofree char *status = g_strdup (saldo_top_up_status_to_string (result->status));

      saldo_top_up_result_free (result);
      return unknown_result (req, g_error_new (SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                                               "The payment backend answered HTTP 402 "
                                               "with status “%s”; the outcome is unknown",
                                               status));
    }
    if (result != NULL) {
      if (g_error_matches (result->error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_REJECTED)) {
        g_clear_error (&result->error);
        result->error = g_error_new_literal (SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PAYMENT_DECLINED,
                                             "The payment backend's payment was declined "
                                             "(HTTP 402)");
      }
      return result;
    }
    g_set_error_literal (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PAYMENT_DECLINED,
                         "The payment backend's payment was declined (HTTP 402)");
    return NULL;
  }
  if (response->status == 409)
    return unknown_result (req, g_error_new_literal (SALDO_PROVIDER_ERROR,
                                                     SALDO_PROVIDER_ERROR_DUPLICATE_REFERENCE,
                                                     "The payment backend already has a "
                                                     "top-up with this reference"));

  data = g_bytes_get_data (response->body, &len);
  result = saldo_provider_reply_parse (data, len, req->reference, req, &local_error);
  if (result == NULL)
    return unknown_result (req, g_error_new (SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                                             "The payment backend's reply (HTTP %ld) cannot be "
                                             "understood, so the outcome is unknown: %s",
                                             response->status, local_error->message));
  /* Only a reply that is itself an error may say "failed": a "failed" body
   * on a 5xx comes from a backend that does not know what it did. */
  if (response->status >= 500 && result->status != SALDO_TOP_UP_STATUS_SUCCEEDED) {
    saldo_top_up_result_free (result);
    return unknown_result (req, g_error_new (SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                                             "The payment backend failed with HTTP %ld; "
                                             "the outcome is unknown",
                                             response->status));
  }
  return result;
}

static char *
expand_status_url (const char *tmpl, const char *reference)
{
  g_auto(GStrv) parts = g_strsplit (tmpl, "{reference}", -1);

  return g_strjoinv (reference, parts);
}

static SaldoTopUpResult *
do_lookup (SaldoProvider *provider, const char *reference, GCancellable *cancellable, GError **error)
{
  SaldoProviderHttp *self = SALDO_PROVIDER_HTTP (provider);
  g_autofree char   *url = NULL;
  g_autofree char   *signature = NULL;
  g_autoptr(SaldoHttpResponse) response = NULL;
  const char *headers[] = { "Accept: application/json", NULL, NULL };
  gboolean    sent;
  const char *data;
  gsize       len = 0;

  if (self->status_url == NULL) {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                 "Provider “%s” has no StatusUrl=, so top-ups cannot be looked up",
                 saldo_provider_get_id (SALDO_PROVIDER (self)));
    return NULL;
  }
  url = expand_status_url (self->status_url, reference);
  signature = saldo_provider_http_sign (self->secret, reference, strlen (reference));
  headers[1] = signature;
  response = saldo_http_request (self->http, "GET", url, headers, NULL, SALDO_HTTP_FLAGS_IDEMPOTENT, &sent,
                                 cancellable, error);
  if (response == NULL)
    return NULL;
  if (response->status == 404) {
    g_autoptr(SaldoTopUpResult) result = NULL;
    g_autoptr(GError) local_error = NULL;

    /* Only the backend's own words mean "no record": a 404 from a
       * misrouted StatusUrl or a proxy must never cause a second charge. */
    data = g_bytes_get_data (response->body, &len);
    result = saldo_provider_reply_parse (data, len, reference, NULL, &local_error);
    if (result == NULL &&
        g_error_matches (local_error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_NOT_FOUND)) {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                 "The lookup got HTTP 404 without {\"status\": \"not_found\"} from the payment "
                 "backend; that may be a wrong StatusUrl= or a proxy, so the outcome stays "
                 "unknown");
    return NULL;
  }
  if (response->status == 401 || response->status == 403) {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_AUTH_FAILED,
                 "The payment backend refused our signature (HTTP %ld); check SecretFile=", response->status);
    return NULL;
  }
  if (response->status != 200) {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                 "The payment backend answered the lookup with HTTP %ld", response->status);
    return NULL;
  }
  data = g_bytes_get_data (response->body, &len);
  return saldo_provider_reply_parse (data, len, reference, NULL, error);
}

SaldoProviderAccount *
saldo_provider_http_parse_account (const SaldoHttpResponse *response, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  SaldoProviderAccount *account;
  const char           *data;
  gsize                 len = 0;

  data = response->body != NULL ? g_bytes_get_data (response->body, &len) : NULL;
  if (response->status == 200) {
    account = saldo_provider_account_reply_parse (data, len, &local_error);
    if (account != NULL)
      return account;
    /* A 200 that names an error is that error; one that cannot be read
       * says nothing about the account. */
    if (g_error_matches (local_error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL))
      g_prefix_error (&local_error, "The payment backend's account reply cannot be understood: ");
    g_propagate_error (error, g_steal_pointer (&local_error));
    return NULL;
  }
  /* The backend's own error code, where it gave one, says the most. */
  if (response->status >= 400 && response->status < 500) {
    account = saldo_provider_account_reply_parse (data, len, &local_error);
    g_assert (account == NULL || local_error == NULL);
    g_clear_pointer (&account, saldo_provider_account_free);
    if (local_error != NULL &&
        !g_error_matches (local_error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL) &&
        !g_error_matches (local_error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_REJECTED)) {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  }
  if (response->status == 401 || response->status == 403)
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_AUTH_FAILED,
                 "The payment backend refused our signature (HTTP %ld); check SecretFile=", response->status);
  else if (response->status == 402)
    g_set_error_literal (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PAYMENT_DECLINED,
                         "The payment backend's payment was declined (HTTP 402)");
  else if (response->status == 429 || response->status >= 500)
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_UNAVAILABLE,
                 "The payment backend is unavailable (HTTP %ld)", response->status);
  else
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                 "The payment backend answered the account query with HTTP %ld", response->status);
  return NULL;
}

static SaldoProviderAccount *
do_account (SaldoProvider *provider, GCancellable *cancellable, GError **error)
{
  SaldoProviderHttp *self = SALDO_PROVIDER_HTTP (provider);
  g_autofree char   *signature = NULL;
  g_autoptr(SaldoHttpResponse) response = NULL;
  const char *headers[] = { "Accept: application/json", NULL, NULL };
  gboolean    sent;

  if (self->account_url == NULL) {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_NOT_SUPPORTED,
                 "Provider “%s” has no AccountUrl=, so its funds are not known",
                 saldo_provider_get_id (provider));
    return NULL;
  }
  signature = saldo_provider_http_sign (self->secret, self->account_url, strlen (self->account_url));
  headers[1] = signature;
  response = saldo_http_request (self->http, "GET", self->account_url, headers, NULL,
                                 SALDO_HTTP_FLAGS_IDEMPOTENT, &sent, cancellable, error);
  if (response == NULL)
    return NULL;
  return saldo_provider_http_parse_account (response, error);
}

static void
saldo_provider_http_account_async (SaldoProvider      *provider,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data)
{
  saldo_provider_account_in_thread (provider, do_account, cancellable, callback, user_data);
}

static void
saldo_provider_http_top_up_async (SaldoProvider      *provider,
                                  SaldoTopUpRequest  *req,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data)
{
  saldo_provider_top_up_in_thread (provider, req, do_top_up, cancellable, callback, user_data);
}

static void
saldo_provider_http_lookup_async (SaldoProvider      *provider,
                                  const char         *reference,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data)
{
  saldo_provider_lookup_in_thread (provider, reference, do_lookup, cancellable, callback, user_data);
}

static gboolean
saldo_provider_http_configure (SaldoProvider *provider, GKeyFile *kf, const char *config_dir, GError **error)
{
  SaldoProviderHttp *self = SALDO_PROVIDER_HTTP (provider);
  g_autofree char   *url = g_key_file_get_string (kf, SALDO_PROVIDER_GROUP, "Url", NULL);
  g_autofree char   *status_url = g_key_file_get_string (kf, SALDO_PROVIDER_GROUP, "StatusUrl", NULL);
  g_autofree char   *account_url = g_key_file_get_string (kf, SALDO_PROVIDER_GROUP, "AccountUrl", NULL);
  char              *secret;

  if (url == NULL) {
    g_set_error_literal (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                         "Url= is required");
    return FALSE;
  }
  if (!saldo_http_check_url (url, error))
    return FALSE;
  if (status_url != NULL) {
    g_autofree char *probe = NULL;

    if (strstr (status_url, "{reference}") == NULL) {
      g_set_error_literal (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                           "StatusUrl= must contain the {reference} placeholder");
      return FALSE;
    }
    probe = expand_status_url (status_url, "ref");
    if (!saldo_http_check_url (probe, error))
      return FALSE;
  }
  if (account_url != NULL && !saldo_http_check_url (account_url, error)) {
    g_prefix_error (error, "AccountUrl=: ");
    return FALSE;
  }
  if (!saldo_http_configure (self->http, kf, config_dir, error))
    return FALSE;
  secret = saldo_secret_load (saldo_provider_get_id (provider), kf, "SecretFile", config_dir, error);
  if (secret == NULL)
    return FALSE;

  saldo_secret_free (self->secret);
  self->secret = secret;
  g_free (self->url);
  self->url = g_steal_pointer (&url);
  g_free (self->status_url);
  self->status_url = g_steal_pointer (&status_url);
  g_free (self->account_url);
  self->account_url = g_steal_pointer (&account_url);
  return TRUE;
}

static char *
saldo_provider_http_describe (SaldoProvider *provider)
{
  SaldoProviderHttp *self = SALDO_PROVIDER_HTTP (provider);

  return g_strdup_printf ("http provider “%s” (%s)", saldo_provider_get_id (provider),
                          self->url != NULL ? self->url : "not configured");
}

static void
saldo_provider_http_finalize (GObject *object)
{
  SaldoProviderHttp *self = SALDO_PROVIDER_HTTP (object);

  saldo_secret_free (self->secret);
  g_free (self->url);
  g_free (self->status_url);
  g_free (self->account_url);
  saldo_http_free (self->http);
  G_OBJECT_CLASS (saldo_provider_http_parent_class)->finalize (object);
}

static void
saldo_provider_http_class_init (SaldoProviderHttpClass *klass)
{
  GObjectClass       *object_class = G_OBJECT_CLASS (klass);
  SaldoProviderClass *provider_class = SALDO_PROVIDER_CLASS (klass);

  object_class->finalize = saldo_provider_http_finalize;
  provider_class->type_name = "http";
  provider_class->configure = saldo_provider_http_configure;
  provider_class->top_up_async = saldo_provider_http_top_up_async;
  provider_class->lookup_async = saldo_provider_http_lookup_async;
  provider_class->account_async = saldo_provider_http_account_async;
  provider_class->describe = saldo_provider_http_describe;
}

static void
saldo_provider_http_init (SaldoProviderHttp *self)
{
  self->http = saldo_http_new ();
}
