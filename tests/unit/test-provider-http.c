/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "http/saldo-provider-http.h"
#include "saldo-test-fake.h"

#define SECRET "hook-Secret-value-71ac"

typedef struct {
  SaldoFake     *fake;
  char          *dir;
  SaldoProvider *provider;
} Fixture;

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  g_autofree char *config = NULL;
  g_autoptr(GError) error = NULL;

  fx->fake = saldo_fake_start ();
  saldo_fake_fault (fx->fake, "{\"op\": \"config\", \"hmac_secret\": \"" SECRET "\"}");
  fx->dir = saldo_test_make_dir ();
  g_free (saldo_test_write_file (fx->dir, "hook.secret", SECRET "\n", 0600));
  config = g_strdup_printf ("[Provider]\nType=http\nUrl=https://127.0.0.1:%u/hook/topup\n"
                            "StatusUrl=https://localhost:%u/hook/status/{reference}\n"
                            "SecretFile=hook.secret\nCaFile=%s\nTimeoutSec=%s\n",
                            fx->fake->port, fx->fake->port, fx->fake->ca,
                            data != NULL ? (const char *) data : "5");
  fx->provider = saldo_test_new_provider (SALDO_TYPE_PROVIDER_HTTP, "bank", config, fx->dir, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  g_clear_object (&fx->provider);
  saldo_fake_stop (fx->fake);
  saldo_test_remove_dir (fx->dir);
  g_free (fx->dir);
}

static SaldoTopUpRequest *
new_request (gint64 amount, const char *currency)
{
  SaldoTopUpRequest *req = saldo_top_up_request_new ();

  req->reference = saldo_test_new_reference ();
  req->iccid = g_strdup ("8934071234567890123");
  req->phone = g_strdup ("+34600111222");
  req->country = g_strdup ("ES");
  req->amount = amount;
  req->currency = g_strdup (currency);
  return req;
}

static SaldoTopUpResult *
top_up (Fixture *fx, const SaldoTopUpRequest *req, GError **error)
{
  SaldoTopUpResult *result = saldo_test_top_up (fx->provider, req, error);

  if (error != NULL)
    saldo_test_assert_secret_free (*error, SECRET);
  if (result != NULL)
    saldo_test_assert_secret_free (result->error, SECRET);
  return result;
}

static void
test_success (Fixture *fx, gconstpointer data)
{
  const struct {
    gint64      amount;
    const char *currency;
  } cases[] = {
    { 1500, "EUR" },
    { 5, "EUR" },
    { 2000, "JPY" },
    { 12345, "KWD" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(SaldoTopUpRequest) req = new_request (cases[i].amount, cases[i].currency);
    g_autoptr(SaldoTopUpResult) result = NULL;
    g_autoptr(GError) error = NULL;

    result = top_up (fx, req, &error);
    g_assert_no_error (error);
    g_assert_cmpint (result->status, ==, SALDO_TOP_UP_STATUS_SUCCEEDED);
    g_assert_true (g_str_has_prefix (result->transaction_id, "hook-"));
    /* The server echoes the decimal it got: the minor units round-trip. */
    g_assert_cmpint (result->delivered_amount, ==, cases[i].amount);
    g_assert_cmpstr (result->delivered_currency, ==, cases[i].currency);
    g_assert_cmpuint (saldo_fake_charges (fx->fake, req->reference), ==, 1);
  }
  g_assert_cmpint (saldo_fake_counter (fx->fake, "hmac_failures"), ==, 0);
}

static void
test_same_reference_charges_once (Fixture *fx, gconstpointer data)
{
  g_autoptr(SaldoTopUpRequest) req = new_request (1000, "EUR");

  for (guint i = 0; i < 3; i++) {
    g_autoptr(SaldoTopUpResult) result = top_up (fx, req, NULL);
    g_assert_cmpint (result->status, ==, SALDO_TOP_UP_STATUS_SUCCEEDED);
  }
  g_assert_cmpint (saldo_fake_counter (fx->fake, "hook_posts"), ==, 3);
  g_assert_cmpuint (saldo_fake_charges (fx->fake, req->reference), ==, 1);
}

static void
test_bad_signature (Fixture *fx, gconstpointer data)
{
  g_autoptr(SaldoTopUpRequest) req = new_request (1000, "EUR");
  g_autoptr(SaldoTopUpResult) result = NULL;
  g_autoptr(GError) error = NULL;

  saldo_fake_fault (fx->fake, "{\"op\": \"config\", \"hmac_secret\": \"another-secret\"}");
  result = top_up (fx, req, &error);
  g_assert_null (result);
  g_assert_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_AUTH_FAILED);
  g_assert_cmpint (saldo_fake_counter (fx->fake, "hmac_failures"), ==, 1);
  g_assert_cmpuint (saldo_fake_charges (fx->fake, NULL), ==, 0);
}

static void
test_failures (Fixture *fx, gconstpointer data)
{
  /* The fake answers each with HTTP 402 and {"status": "failed"}. */
  const struct {
    const char        *error_code;
    SaldoTopUpStatus   status;
    SaldoProviderError expected;
    const char        *attention;
  } cases[] = {
    { "insufficient_funds", SALDO_TOP_UP_STATUS_FAILED, SALDO_PROVIDER_ERROR_INSUFFICIENT_FUNDS,
      "insufficient-funds" },
    { "recently_recharged", SALDO_TOP_UP_STATUS_FAILED, SALDO_PROVIDER_ERROR_RECENTLY_RECHARGED, NULL },
    { "invalid_amount", SALDO_TOP_UP_STATUS_FAILED, SALDO_PROVIDER_ERROR_INVALID_AMOUNT, NULL },
    { "card_declined", SALDO_TOP_UP_STATUS_FAILED, SALDO_PROVIDER_ERROR_PAYMENT_DECLINED,
      "payment-declined" },
    { "expired_card", SALDO_TOP_UP_STATUS_FAILED, SALDO_PROVIDER_ERROR_PAYMENT_EXPIRED, "payment-expired" },
    /* a code Saldo does not know, on a 402: the payment was declined */
    { "do_not_honor", SALDO_TOP_UP_STATUS_FAILED, SALDO_PROVIDER_ERROR_PAYMENT_DECLINED, "payment-declined" },
    { "duplicate_reference", SALDO_TOP_UP_STATUS_UNKNOWN, SALDO_PROVIDER_ERROR_DUPLICATE_REFERENCE, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(SaldoTopUpRequest) req = new_request (1000, "EUR");
    g_autoptr(SaldoTopUpResult) result = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *fault = g_strdup_printf ("{\"op\": \"fault\", \"path\": \"/hook/topup\", "
                                              "\"action\": \"failed\", \"error_code\": \"%s\"}",
                                              cases[i].error_code);

    saldo_fake_fault (fx->fake, fault);
    result = top_up (fx, req, &error);
    g_assert_no_error (error);
    g_assert_cmpint (result->status, ==, cases[i].status);
    g_assert_error (result->error, SALDO_PROVIDER_ERROR, (gint) cases[i].expected);
    g_assert_cmpstr (saldo_provider_attention_reason (result->error), ==, cases[i].attention);
    g_assert_cmpstr (result->error_code, ==, cases[i].error_code);
    g_assert_cmpuint (saldo_fake_charges (fx->fake, req->reference), ==, 0);
  }

  /* A bare 402 (a proxy's page, no JSON): declined, nothing charged. */
  {
    g_autoptr(SaldoTopUpRequest) req = new_request (1000, "EUR");
    g_autoptr(SaldoTopUpResult) result = NULL;
    g_autoptr(GError) error = NULL;

    saldo_fake_fault (fx->fake, "{\"op\": \"fault\", \"path\": \"/hook/topup\", "
                                "\"action\": \"status\", \"http\": 402, "
                                "\"body\": \"<html>Payment Required</html>\"}");
    result = top_up (fx, req, &error);
    g_assert_null (result);
    g_assert_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PAYMENT_DECLINED);
    g_assert_cmpint (saldo_provider_failure_classify (error), ==, SALDO_PROVIDER_FAILURE_NEEDS_ATTENTION);
  }
  /* A 402 that claims success contradicts itself: unknown, looked up later. */
  {
    g_autoptr(SaldoTopUpRequest) req = new_request (1000, "EUR");
    g_autoptr(SaldoTopUpResult) result = NULL;

    saldo_fake_fault (fx->fake, "{\"op\": \"fault\", \"path\": \"/hook/topup\", "
                                "\"action\": \"status\", \"http\": 402, "
                                "\"body\": {\"status\": \"succeeded\"}}");
    result = top_up (fx, req, NULL);
    g_assert_cmpint (result->status, ==, SALDO_TOP_UP_STATUS_UNKNOWN);
  }

  /* The backend's own funds running out. */
  {
    g_autoptr(SaldoTopUpRequest) req = new_request (2000, "PEN");
    g_autoptr(SaldoTopUpResult) result = NULL;

    saldo_fake_fault (fx->fake, "{\"op\": \"config\", \"hook_funds\": 19.99}");
    result = top_up (fx, req, NULL);
    g_assert_cmpint (result->status, ==, SALDO_TOP_UP_STATUS_FAILED);
    g_assert_error (result->error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INSUFFICIENT_FUNDS);
    g_assert_cmpuint (saldo_fake_charges (fx->fake, req->reference), ==, 0);
  }
}

static SaldoProvider *
account_provider (Fixture *fx, const char *url)
{
  g_autofree char *config = NULL;
  g_autoptr(GError) error = NULL;
  SaldoProvider *provider;

  config = g_strdup_printf ("[Provider]\nType=http\nUrl=https://127.0.0.1:%u/hook/topup\n"
                            "%s%s\nSecretFile=hook.secret\nCaFile=%s\nTimeoutSec=5\n",
                            fx->fake->port, url != NULL ? "AccountUrl=" : "", url != NULL ? url : "",
                            fx->fake->ca);
  provider = saldo_test_new_provider (SALDO_TYPE_PROVIDER_HTTP, "bank", config, fx->dir, &error);
  g_assert_no_error (error);
  return provider;
}

static void
test_account (Fixture *fx, gconstpointer data)
{
  g_autofree char *url = g_strdup_printf ("https://127.0.0.1:%u/hook/account", fx->fake->port);
  g_autoptr(SaldoProvider) provider = account_provider (fx, url);
  g_autoptr(SaldoProvider) without = account_provider (fx, NULL);
  g_autoptr(SaldoProviderAccount) acct = NULL;
  g_autoptr(GError) error = NULL;
  const struct {
    const char          *fault;
    SaldoProviderError   code;
    SaldoProviderFailure failure;
  } cases[] = {
    { "\"http\": 402, \"body\": {\"error_code\": \"expired_card\", \"message\": \"12/25\"}",
      SALDO_PROVIDER_ERROR_PAYMENT_EXPIRED, SALDO_PROVIDER_FAILURE_NEEDS_ATTENTION },
    { "\"http\": 402, \"body\": {}", SALDO_PROVIDER_ERROR_PAYMENT_DECLINED,
      SALDO_PROVIDER_FAILURE_NEEDS_ATTENTION },
    { "\"http\": 200, \"body\": {\"error_code\": \"insufficient_funds\"}",
      SALDO_PROVIDER_ERROR_INSUFFICIENT_FUNDS, SALDO_PROVIDER_FAILURE_NEEDS_ATTENTION },
    { "\"http\": 403, \"body\": \"forbidden\"", SALDO_PROVIDER_ERROR_AUTH_FAILED,
      SALDO_PROVIDER_FAILURE_NEEDS_ATTENTION },
    { "\"http\": 503, \"count\": 3", SALDO_PROVIDER_ERROR_UNAVAILABLE, SALDO_PROVIDER_FAILURE_UNREACHABLE },
    { "\"http\": 200, \"body\": {\"balance\": \"12.505\", \"currency\": \"USD\"}",
      SALDO_PROVIDER_ERROR_PROTOCOL, SALDO_PROVIDER_FAILURE_OTHER },
    { "\"http\": 200, \"body\": {\"balance\": \"12.50\"}", SALDO_PROVIDER_ERROR_PROTOCOL,
      SALDO_PROVIDER_FAILURE_OTHER },
    { "\"http\": 404, \"body\": \"no\"", SALDO_PROVIDER_ERROR_PROTOCOL, SALDO_PROVIDER_FAILURE_OTHER },
  };

  saldo_fake_fault (fx->fake, "{\"op\": \"config\", \"hook_funds\": 123.45}");
  acct = saldo_test_account (provider, &error);
  g_assert_no_error (error);
  g_assert_cmpint (acct->funds, ==, 12345);
  g_assert_cmpstr (acct->currency, ==, "PEN");
  g_assert_cmpint (saldo_fake_counter (fx->fake, "hook_account_requests"), ==, 1);
  g_assert_cmpint (saldo_fake_counter (fx->fake, "hmac_failures"), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(SaldoProviderAccount) failed = NULL;
    g_autoptr(GError) local_error = NULL;
    g_autofree char *fault = g_strdup_printf ("{\"op\": \"fault\", \"path\": \"/hook/account\", "
                                              "\"action\": \"status\", %s}",
                                              cases[i].fault);

    saldo_fake_fault (fx->fake, fault);
    failed = saldo_test_account (provider, &local_error);
    g_assert_null (failed);
    g_assert_error (local_error, SALDO_PROVIDER_ERROR, (gint) cases[i].code);
    g_assert_cmpint (saldo_provider_failure_classify (local_error), ==, cases[i].failure);
    saldo_test_assert_secret_free (local_error, SECRET);
  }

  /* A wrong secret is refused by the backend: rejected credentials. */
  g_clear_pointer (&acct, saldo_provider_account_free);
  saldo_fake_fault (fx->fake, "{\"op\": \"config\", \"hmac_secret\": \"rotated\"}");
  acct = saldo_test_account (provider, &error);
  g_assert_null (acct);
  g_assert_cmpstr (saldo_provider_attention_reason (error), ==, "credentials-rejected");
  g_clear_error (&error);

  /* Without AccountUrl= there is nothing to ask, and nothing is asked. */
  acct = saldo_test_account (without, &error);
  g_assert_null (acct);
  g_assert_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_NOT_SUPPORTED);
  g_assert_cmpint (saldo_provider_failure_classify (error), ==, SALDO_PROVIDER_FAILURE_OTHER);
  /* the first, one per case (the 503 asked three times), the rotated secret */
  g_assert_cmpint (saldo_fake_counter (fx->fake, "hook_account_requests"), ==,
                   1 + G_N_ELEMENTS (cases) + 2 + 1);
}

/* Runs with TimeoutSec=1. */
static void
test_unknown_outcomes (Fixture *fx, gconstpointer data)
{
  const struct {
    const char        *fault;
    SaldoProviderError expected;
    guint              charges;
  } cases[] = {
    { "\"action\": \"malformed_after_charge\"", SALDO_PROVIDER_ERROR_PROTOCOL, 1 },
    { "\"action\": \"hang_after_charge\", \"seconds\": 5", SALDO_PROVIDER_ERROR_TIMEOUT, 1 },
    { "\"action\": \"status\", \"http\": 500, \"body\": {\"status\": \"failed\"}",
      SALDO_PROVIDER_ERROR_PROTOCOL, 0 },
    { "\"action\": \"status\", \"http\": 200, \"body\": {\"status\": \"maybe\"}",
      SALDO_PROVIDER_ERROR_PROTOCOL, 0 },
    { "\"action\": \"status\", \"http\": 409, \"body\": \"conflict\"",
      SALDO_PROVIDER_ERROR_DUPLICATE_REFERENCE, 0 },
    /* Found by fuzzing: an empty body crashed the reply parser. */
    { "\"action\": \"status\", \"http\": 200, \"body\": \"\"", SALDO_PROVIDER_ERROR_PROTOCOL, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(SaldoTopUpRequest) req = new_request (1000, "EUR");
    g_autoptr(SaldoTopUpResult) result = NULL;
    g_autoptr(SaldoTopUpResult) looked_up = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *fault = g_strdup_printf ("{\"op\": \"fault\", \"path\": \"/hook/topup\", %s}",
                                              cases[i].fault);

    saldo_fake_fault (fx->fake, fault);
    result = top_up (fx, req, &error);
    g_assert_no_error (error);
    g_assert_cmpint (result->status, ==, SALDO_TOP_UP_STATUS_UNKNOWN);
    g_assert_error (result->error, SALDO_PROVIDER_ERROR, (gint) cases[i].expected);
    g_assert_cmpuint (saldo_fake_charges (fx->fake, req->reference), ==, cases[i].charges);

    looked_up = saldo_test_lookup (fx->provider, req->reference, &error);
    if (cases[i].charges > 0) {
      g_assert_no_error (error);
      g_assert_cmpint (looked_up->status, ==, SALDO_TOP_UP_STATUS_SUCCEEDED);
    } else {
      g_assert_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_NOT_FOUND);
    }
  }
}

static void
test_pending_and_lookup (Fixture *fx, gconstpointer data)
{
  g_autoptr(SaldoTopUpRequest) req = new_request (1000, "EUR");
  g_autoptr(SaldoTopUpResult) result = NULL;
  g_autoptr(SaldoTopUpResult) looked_up = NULL;
  g_autoptr(GError) error = NULL;

  saldo_fake_fault (fx->fake, "{\"op\": \"fault\", \"path\": \"/hook/topup\", \"action\": \"pending\"}");
  result = top_up (fx, req, &error);
  g_assert_no_error (error);
  g_assert_cmpint (result->status, ==, SALDO_TOP_UP_STATUS_PENDING);

  looked_up = saldo_test_lookup (fx->provider, req->reference, &error);
  g_assert_no_error (error);
  g_assert_cmpint (looked_up->status, ==, SALDO_TOP_UP_STATUS_PENDING);
  g_assert_cmpstr (looked_up->transaction_id, ==, result->transaction_id);

  g_clear_pointer (&looked_up, saldo_top_up_result_free);
  looked_up = saldo_test_lookup (fx->provider, "unknown-reference", &error);
  g_assert_null (looked_up);
  g_assert_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_NOT_FOUND);
  /* Lookups are signed too. */
  g_assert_cmpint (saldo_fake_counter (fx->fake, "hmac_failures"), ==, 0);
}

/* "No record" is the backend's word ({"status": "not_found"}, on a 404 or
 * a 200), never a bare 404 from a misrouted StatusUrl or a proxy. */
static void
test_no_record_only_when_said (Fixture *fx, gconstpointer data)
{
  const struct {
    const char *fault;
    gboolean    not_found;
  } cases[] = {
    { "{\"op\": \"fault\", \"path\": \"/hook/status/\", \"action\": \"status\", \"http\": 404, \"body\": "
      "\"<html>Not Found</html>\"}",
      FALSE },
    { "{\"op\": \"fault\", \"path\": \"/hook/status/\", \"action\": \"status\", \"http\": 404, \"body\": {}}",
      FALSE },
    { "{\"op\": \"fault\", \"path\": \"/hook/status/\", \"action\": \"status\", \"http\": 404, \"body\": "
      "{\"error\": \"not_found\"}}",
      FALSE },
    { "{\"op\": \"fault\", \"path\": \"/hook/status/\", \"action\": \"status\", \"http\": 404, \"body\": "
      "{\"status\": \"not_found\"}}",
      TRUE },
    { "{\"op\": \"fault\", \"path\": \"/hook/status/\", \"action\": \"status\", \"http\": 200, \"body\": "
      "{\"status\": \"not_found\"}}",
      TRUE },
  };

  /* The webhook's backend answers at once: no grace. */
  g_assert_cmpint (saldo_provider_get_not_found_grace (fx->provider), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(SaldoTopUpResult) result = NULL;
    g_autoptr(GError) error = NULL;

    saldo_fake_fault (fx->fake, cases[i].fault);
    result = saldo_test_lookup (fx->provider, "saldo-NEVERSENT", &error);
    g_assert_null (result);
    g_assert_nonnull (error);
    g_test_message ("%s: %s", cases[i].fault, error->message);
    g_assert_cmpint (g_error_matches (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_NOT_FOUND), ==,
                     cases[i].not_found);
  }
}

static void
test_config_errors (Fixture *fx, gconstpointer data)
{
  g_free (saldo_test_write_file (fx->dir, "loose", SECRET, 0604));
  const struct {
    const char *keyfile;
    const char *message_part;
  } cases[] = {
    { "[Provider]\nType=http\nSecretFile=hook.secret\n", "Url=" },
    { "[Provider]\nType=http\nUrl=http://192.0.2.1/topup\nSecretFile=hook.secret\n", "plain http" },
    { "[Provider]\nType=http\nUrl=http://[2001:db8::1]/topup\nSecretFile=hook.secret\n", "plain http" },
    { "[Provider]\nType=http\nUrl=https://example.com/topup\nSecretFile=hook.secret\n"
      "StatusUrl=https://example.com/status\n",
      "{reference}" },
    { "[Provider]\nType=http\nUrl=https://example.com/topup\nSecretFile=hook.secret\n"
      "StatusUrl=http://example.com/status/{reference}\n",
      "plain http" },
    { "[Provider]\nType=http\nUrl=https://example.com/topup\nSecretFile=loose\n", "chmod 600" },
    { "[Provider]\nType=http\nUrl=https://example.com/topup\nSecretFile=hook.secret\n"
      "CaFile=/nonexistent/ca.pem\n",
      "CaFile" },
    { "[Provider]\nType=http\nUrl=https://example.com/topup\nSecretFile=hook.secret\n"
      "AccountUrl=http://example.com/account\n",
      "AccountUrl=" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(SaldoProvider) provider = NULL;
    g_autoptr(GError) error = NULL;

    provider = saldo_test_new_provider (SALDO_TYPE_PROVIDER_HTTP, "bad", cases[i].keyfile, fx->dir, &error);
    g_assert_null (provider);
    g_assert_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG);
    g_assert_nonnull (strstr (error->message, cases[i].message_part));
    saldo_test_assert_secret_free (error, SECRET);
  }
}

static void
test_signature_format (void)
{
  /* RFC 4231 test case 2. */
  g_autofree char *sig = saldo_provider_http_sign ("Jefe", "what do ya want for nothing?", 28);

  g_assert_cmpstr (sig, ==,
                   "X-Saldo-Signature: sha256="
                   "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

int
main (int argc, char **argv)
{
  g_setenv ("no_proxy", "127.0.0.1,localhost", TRUE);
  g_setenv ("NO_PROXY", "127.0.0.1,localhost", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/provider/http/signature-format", test_signature_format);
#define ADD(path, func, extra) \
  g_test_add ("/provider/http/" path, Fixture, extra, fixture_setup, func, fixture_teardown)
  ADD ("success", test_success, NULL);
  ADD ("same-reference-charges-once", test_same_reference_charges_once, NULL);
  ADD ("bad-signature", test_bad_signature, NULL);
  ADD ("failures", test_failures, NULL);
  ADD ("unknown-outcomes", test_unknown_outcomes, "1");
  ADD ("pending-and-lookup", test_pending_and_lookup, NULL);
  ADD ("no-record-only-when-said", test_no_record_only_when_said, NULL);
  ADD ("config-errors", test_config_errors, NULL);
  ADD ("account", test_account, NULL);
#undef ADD
  return g_test_run ();
}
