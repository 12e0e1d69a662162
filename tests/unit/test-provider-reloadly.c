/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <glib/gstdio.h>
#include <string.h>

#include "reloadly/saldo-provider-reloadly.h"
#include "saldo-test-fake.h"

#define SECRET "s3cr3t-CLIENT-value-9f2b"
#define CLIENT "saldo-client-id"

typedef struct {
  SaldoFake     *fake;
  char          *dir;
  SaldoProvider *provider;
} Fixture;

static char *
provider_config (Fixture *fx, const char *extra)
{
  return g_strdup_printf ("[Provider]\nType=reloadly\nClientId=" CLIENT "\n"
                          "ClientSecretFile=secret\nSandbox=true\n"
                          "AuthUrl=https://127.0.0.1:%u/oauth/token\n"
                          "ApiUrl=https://127.0.0.1:%u\nCaFile=%s\nTimeoutSec=5\n%s",
                          fx->fake->port, fx->fake->port, fx->fake->ca, extra != NULL ? extra : "");
}

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  g_autofree char *config = NULL;
  g_autoptr(GError) error = NULL;

  fx->fake = saldo_fake_start ();
  saldo_fake_fault (fx->fake, "{\"op\": \"config\", \"client_id\": \"" CLIENT "\", "
                              "\"client_secret\": \"" SECRET "\"}");
  fx->dir = saldo_test_make_dir ();
  g_free (saldo_test_write_file (fx->dir, "secret", SECRET "\n", 0600));
  config = provider_config (fx, data);
  fx->provider = saldo_test_new_provider (SALDO_TYPE_PROVIDER_RELOADLY, "rl", config, fx->dir, &error);
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
new_request (const char *currency, gint64 amount)
{
  SaldoTopUpRequest *req = saldo_top_up_request_new ();

  req->reference = saldo_test_new_reference ();
  req->iccid = g_strdup ("8951101234567890123");
  req->phone = g_strdup ("+51987654321");
  req->country = g_strdup ("PE");
  req->operator_id = g_strdup ("71610");
  req->amount = amount;
  req->currency = g_strdup (currency);
  return req;
}

static void
assert_no_secret (const GError *error)
{
  saldo_test_assert_secret_free (error, SECRET);
}

static SaldoTopUpResult *
top_up (Fixture *fx, const SaldoTopUpRequest *req, GError **error)
{
  SaldoTopUpResult *result = saldo_test_top_up (fx->provider, req, error);

  if (error != NULL)
    assert_no_secret (*error);
  if (result != NULL)
    assert_no_secret (result->error);
  return result;
}

static void
test_success (Fixture *fx, gconstpointer data)
{
  /* Local currency is sent as is; the account currency is converted. */
  const struct {
    const char *currency;
    gint64      amount;
    gint64      delivered_pen;
  } cases[] = {
    { "PEN", 1000, 1000 },
    { "USD", 1000, 3700 },
    { "PEN", 1234, 1234 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(SaldoTopUpRequest) req = new_request (cases[i].currency, cases[i].amount);
    g_autoptr(SaldoTopUpResult) result = NULL;
    g_autoptr(GError) error = NULL;

    result = top_up (fx, req, &error);
    g_assert_no_error (error);
    g_assert_cmpint (result->status, ==, SALDO_TOP_UP_STATUS_SUCCEEDED);
    g_assert_nonnull (result->transaction_id);
    g_assert_cmpstr (result->reference, ==, req->reference);
    g_assert_cmpint (result->delivered_amount, ==, cases[i].delivered_pen);
    g_assert_cmpstr (result->delivered_currency, ==, "PEN");
    g_assert_cmpint (result->requested_amount, ==, cases[i].amount);
    g_assert_cmpstr (result->requested_currency, ==, cases[i].currency);
    g_assert_null (result->error);
    g_assert_cmpuint (saldo_fake_charges (fx->fake, req->reference), ==, 1);
  }
  g_assert_cmpuint (saldo_fake_charges (fx->fake, NULL), ==, G_N_ELEMENTS (cases));
}

static void
test_token_cached (Fixture *fx, gconstpointer data)
{
  for (guint i = 0; i < 3; i++) {
    g_autoptr(SaldoTopUpRequest) req = new_request ("PEN", 500);
    g_autoptr(SaldoTopUpResult) result = top_up (fx, req, NULL);

    g_assert_cmpint (result->status, ==, SALDO_TOP_UP_STATUS_SUCCEEDED);
  }
  g_assert_cmpint (saldo_fake_counter (fx->fake, "token_requests"), ==, 1);
  /* The operator of a number is detected once too. */
  g_assert_cmpint (saldo_fake_counter (fx->fake, "autodetect_requests"), ==, 1);
}

static void
test_token_refresh (Fixture *fx, gconstpointer data)
{
  /* Both ways a token dies: the server forgets it, or answers TOKEN_EXPIRED. */
  const char *faults[] = {
    "{\"op\": \"expire_tokens\"}",
    "{\"op\": \"fault\", \"path\": \"/topups\", \"action\": \"token_expired\"}",
  };
  g_autoptr(SaldoTopUpRequest) first = new_request ("PEN", 500);
  g_autoptr(SaldoTopUpResult) first_result = top_up (fx, first, NULL);

  g_assert_cmpint (first_result->status, ==, SALDO_TOP_UP_STATUS_SUCCEEDED);
  for (guint i = 0; i < G_N_ELEMENTS (faults); i++) {
    g_autoptr(SaldoTopUpRequest) req = new_request ("PEN", 500);
    g_autoptr(SaldoTopUpResult) result = NULL;
    g_autoptr(GError) error = NULL;

    saldo_fake_fault (fx->fake, faults[i]);
    result = top_up (fx, req, &error);
    g_assert_no_error (error);
    g_assert_cmpint (result->status, ==, SALDO_TOP_UP_STATUS_SUCCEEDED);
    g_assert_cmpuint (saldo_fake_charges (fx->fake, req->reference), ==, 1);
    g_assert_cmpint (saldo_fake_counter (fx->fake, "token_requests"), ==, 2 + i);
  }
}

static void
assert_class (const GError *error, SaldoProviderFailure failure, const char *reason)
{
  g_assert_nonnull (error);
  g_assert_cmpstr (saldo_provider_failure_to_string (saldo_provider_failure_classify (error)), ==,
                   saldo_provider_failure_to_string (failure));
  g_assert_cmpstr (saldo_provider_attention_reason (error), ==, reason);
}

static void
test_error_mapping (Fixture *fx, gconstpointer data)
{
  const struct {
    const char          *error_code;
    SaldoProviderError   expected;
    SaldoProviderFailure failure;
    const char          *reason;
  } cases[] = {
    { "INSUFFICIENT_BALANCE", SALDO_PROVIDER_ERROR_INSUFFICIENT_FUNDS, SALDO_PROVIDER_FAILURE_NEEDS_ATTENTION,
      "insufficient-funds" },
    { "PHONE_RECENTLY_RECHARGED", SALDO_PROVIDER_ERROR_RECENTLY_RECHARGED, SALDO_PROVIDER_FAILURE_OTHER,
      NULL },
    { "INVALID_AMOUNT_FOR_OPERATOR", SALDO_PROVIDER_ERROR_INVALID_AMOUNT, SALDO_PROVIDER_FAILURE_OTHER,
      NULL },
    { "TRANSACTION_CANNOT_BE_PROCESSED_AT_THE_MOMENT", SALDO_PROVIDER_ERROR_UNAVAILABLE,
      SALDO_PROVIDER_FAILURE_UNREACHABLE, NULL },
    { "MAX_DAILY_TRANSACTION_COUNT_REACHED", SALDO_PROVIDER_ERROR_REJECTED, SALDO_PROVIDER_FAILURE_OTHER,
      NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(SaldoTopUpRequest) req = new_request ("PEN", 500);
    g_autoptr(SaldoTopUpResult) result = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *fault = g_strdup_printf ("{\"op\": \"fault\", \"path\": \"/topups\", "
                                              "\"action\": \"error\", \"errorCode\": \"%s\"}",
                                              cases[i].error_code);

    saldo_fake_fault (fx->fake, fault);
    result = top_up (fx, req, &error);
    g_assert_no_error (error);
    g_assert_cmpint (result->status, ==, SALDO_TOP_UP_STATUS_FAILED);
    g_assert_error (result->error, SALDO_PROVIDER_ERROR, (gint) cases[i].expected);
    assert_class (result->error, cases[i].failure, cases[i].reason);
    g_assert_cmpstr (result->error_code, ==, cases[i].error_code);
    g_assert_cmpuint (saldo_fake_charges (fx->fake, req->reference), ==, 0);
  }
}

static void
test_not_sent_errors (Fixture *fx, gconstpointer data)
{
  /* Failures before the top-up POST: an error, nothing charged. */
  g_autoptr(SaldoTopUpRequest) no_number = new_request ("PEN", 500);
  g_autoptr(SaldoTopUpRequest) foreign = new_request ("PEN", 500);
  g_autoptr(SaldoTopUpRequest) wrong_currency = new_request ("EUR", 500);
  const struct {
    SaldoTopUpRequest *req;
    SaldoProviderError expected;
  } cases[] = {
    { no_number, SALDO_PROVIDER_ERROR_NO_NUMBER },
    { foreign, SALDO_PROVIDER_ERROR_NO_OPERATOR },
    { wrong_currency, SALDO_PROVIDER_ERROR_INVALID_AMOUNT },
  };

  g_clear_pointer (&no_number->phone, g_free);
  g_free (foreign->phone);
  foreign->phone = g_strdup ("+4915112345678");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(SaldoTopUpResult) result = NULL;
    g_autoptr(GError) error = NULL;

    result = top_up (fx, cases[i].req, &error);
    g_assert_null (result);
    g_assert_error (error, SALDO_PROVIDER_ERROR, (gint) cases[i].expected);
  }
  g_assert_cmpint (saldo_fake_counter (fx->fake, "topup_posts"), ==, 0);
  g_assert_cmpuint (saldo_fake_charges (fx->fake, NULL), ==, 0);
}

static void
test_duplicate_reference (Fixture *fx, gconstpointer data)
{
  g_autoptr(SaldoTopUpRequest) req = new_request ("PEN", 500);
  g_autoptr(SaldoTopUpResult) first = top_up (fx, req, NULL);
  g_autoptr(SaldoTopUpResult) second = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (first->status, ==, SALDO_TOP_UP_STATUS_SUCCEEDED);
  second = top_up (fx, req, &error);
  g_assert_no_error (error);
  /* Not FAILED: the first request charged, and only lookup may say so. */
  g_assert_cmpint (second->status, ==, SALDO_TOP_UP_STATUS_UNKNOWN);
  g_assert_error (second->error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_DUPLICATE_REFERENCE);
  g_assert_cmpuint (saldo_fake_charges (fx->fake, req->reference), ==, 1);
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
    { "\"action\": \"reset_after_charge\"", SALDO_PROVIDER_ERROR_TRANSPORT, 1 },
    { "\"action\": \"status\", \"http\": 502, \"body\": \"<html>bad gateway</html>\"",
      SALDO_PROVIDER_ERROR_PROTOCOL, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(SaldoTopUpRequest) req = new_request ("PEN", 500);
    g_autoptr(SaldoTopUpResult) result = NULL;
    g_autoptr(SaldoTopUpResult) looked_up = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *fault = g_strdup_printf ("{\"op\": \"fault\", \"path\": \"/topups\", %s}",
                                              cases[i].fault);

    saldo_fake_fault (fx->fake, fault);
    result = top_up (fx, req, &error);
    g_assert_no_error (error);
    g_assert_cmpint (result->status, ==, SALDO_TOP_UP_STATUS_UNKNOWN);
    g_assert_error (result->error, SALDO_PROVIDER_ERROR, (gint) cases[i].expected);
    g_assert_cmpuint (saldo_fake_charges (fx->fake, req->reference), ==, cases[i].charges);
    g_assert_cmpint (saldo_fake_counter (fx->fake, "topup_posts"), ==, i + 1);

    /* Reconciliation: lookup tells what really happened. */
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
test_processing_then_successful (Fixture *fx, gconstpointer data)
{
  g_autoptr(SaldoTopUpRequest) req = new_request ("PEN", 500);
  g_autoptr(SaldoTopUpResult) result = NULL;
  g_autoptr(SaldoTopUpResult) looked_up = NULL;
  g_autoptr(GError) error = NULL;

  saldo_fake_fault (fx->fake, "{\"op\": \"fault\", \"path\": \"/topups\", \"action\": \"processing\"}");
  result = top_up (fx, req, &error);
  g_assert_no_error (error);
  g_assert_cmpint (result->status, ==, SALDO_TOP_UP_STATUS_PENDING);

  looked_up = saldo_test_lookup (fx->provider, req->reference, &error);
  g_assert_no_error (error);
  g_assert_cmpint (looked_up->status, ==, SALDO_TOP_UP_STATUS_SUCCEEDED);
  g_assert_cmpstr (looked_up->transaction_id, ==, result->transaction_id);
  g_assert_cmpint (looked_up->delivered_amount, ==, 500);
  g_assert_cmpuint (saldo_fake_charges (fx->fake, req->reference), ==, 1);
}

static void
test_lookup_not_found (Fixture *fx, gconstpointer data)
{
  g_autoptr(SaldoTopUpResult) result = NULL;
  g_autoptr(GError) error = NULL;

  result = saldo_test_lookup (fx->provider, "never-sent-reference", &error);
  g_assert_null (result);
  g_assert_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_NOT_FOUND);
}

/* A report that lists many transactions, page by page: the reference on
 * page 2 is found, and "no record" comes only after the last page. */
static void
test_lookup_reads_every_page (Fixture *fx, gconstpointer data)
{
  g_autoptr(SaldoTopUpRequest) first = new_request ("PEN", 500);
  g_autoptr(SaldoTopUpRequest) second = new_request ("PEN", 700);
  g_autoptr(SaldoTopUpResult) r1 = NULL;
  g_autoptr(SaldoTopUpResult) r2 = NULL;
  g_autoptr(SaldoTopUpResult) found = NULL;
  g_autoptr(SaldoTopUpResult) missing = NULL;
  g_autoptr(GError) error = NULL;

  r1 = top_up (fx, first, &error);
  g_assert_no_error (error);
  r2 = top_up (fx, second, &error);
  g_assert_no_error (error);
  saldo_fake_fault (fx->fake, "{\"op\": \"config\", \"report_page_size\": 1}");
  found = saldo_test_lookup (fx->provider, second->reference, &error);
  g_assert_no_error (error);
  g_assert_cmpint (found->status, ==, SALDO_TOP_UP_STATUS_SUCCEEDED);
  g_assert_cmpint (found->delivered_amount, ==, 700);
  missing = saldo_test_lookup (fx->provider, "saldo-NEVERSENT", &error);
  g_assert_null (missing);
  g_assert_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "2 report page"));
  g_assert_cmpuint (saldo_fake_charges (fx->fake, second->reference), ==, 1);
}

/* Only an empty, well-formed report means "no record": a 404 (a wrong path,
 * a proxy) or a report that does not say how many pages it has does not. */
static void
test_lookup_no_record_only_when_said (Fixture *fx, gconstpointer data)
{
  const char *faults[] = {
    "{\"op\": \"fault\", \"path\": \"/topups/reports/\", \"action\": \"status\", \"http\": 404, \"body\": "
    "{}}",
    "{\"op\": \"fault\", \"path\": \"/topups/reports/\", \"action\": \"status\", \"http\": 404, \"body\": "
    "\"<html>Not Found</html>\"}",
    "{\"op\": \"fault\", \"path\": \"/topups/reports/\", \"action\": \"status\", \"http\": 200, \"body\": "
    "{\"content\": []}}",
    "{\"op\": \"fault\", \"path\": \"/topups/reports/\", \"action\": \"status\", \"http\": 200, \"body\": "
    "{}}",
  };

  /* Reloadly's reports lag: "no record" waits 10 minutes by default. */
  g_assert_cmpint (saldo_provider_get_not_found_grace (fx->provider), ==, 600);
  for (guint i = 0; i < G_N_ELEMENTS (faults); i++) {
    g_autoptr(SaldoTopUpResult) result = NULL;
    g_autoptr(GError) error = NULL;

    saldo_fake_fault (fx->fake, faults[i]);
    result = saldo_test_lookup (fx->provider, "saldo-NEVERSENT", &error);
    g_assert_null (result);
    g_assert_nonnull (error);
    g_test_message ("%s: %s", faults[i], error->message);
    g_assert_false (g_error_matches (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_NOT_FOUND));
  }
}

static void
test_idempotent_retry (Fixture *fx, gconstpointer data)
{
  /* A 5xx on the token and the operator GETs is retried; they cannot charge. */
  g_autoptr(SaldoTopUpRequest) req = new_request ("PEN", 500);
  g_autoptr(SaldoTopUpResult) result = NULL;
  g_autoptr(GError) error = NULL;

  saldo_fake_fault (fx->fake,
                    "{\"op\": \"fault\", \"path\": \"/oauth/token\", \"action\": \"status\", \"http\": 503}");
  saldo_fake_fault (fx->fake,
                    "{\"op\": \"fault\", \"path\": \"/operators\", \"action\": \"status\", \"http\": 500}");
  result = top_up (fx, req, &error);
  g_assert_no_error (error);
  g_assert_cmpint (result->status, ==, SALDO_TOP_UP_STATUS_SUCCEEDED);
  g_assert_cmpint (saldo_fake_counter (fx->fake, "token_requests"), ==, 2);
  g_assert_cmpint (saldo_fake_counter (fx->fake, "autodetect_requests"), ==, 2);
  g_assert_cmpint (saldo_fake_counter (fx->fake, "topup_posts"), ==, 1);
}

static void
test_bad_credentials (Fixture *fx, gconstpointer data)
{
  g_autoptr(SaldoTopUpRequest) req = new_request ("PEN", 500);
  g_autoptr(SaldoTopUpResult) result = NULL;
  g_autoptr(GError) error = NULL;

  saldo_fake_fault (fx->fake, "{\"op\": \"config\", \"client_secret\": \"something-else\"}");
  result = top_up (fx, req, &error);
  g_assert_null (result);
  g_assert_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_AUTH_FAILED);
  g_assert_null (strstr (error->message, SECRET));
  g_assert_cmpint (saldo_fake_counter (fx->fake, "topup_posts"), ==, 0);
}

static void
test_transport_not_sent (Fixture *fx, gconstpointer data)
{
  /* A server we cannot verify, or none at all: an error, nothing charged. */
  g_autoptr(GSocket) sock = NULL;
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *wrong_ca = NULL;
  g_autofree char *refused = NULL;
  guint            closed_port;

  /* Bound but not listening: connections to it are refused. */
  sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (sock, addr, TRUE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (sock, &error);
  g_assert_no_error (error);
  closed_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  wrong_ca = g_strdup_printf ("[Provider]\nType=reloadly\nClientId=" CLIENT "\n"
                              "ClientSecretFile=secret\n"
                              "AuthUrl=https://127.0.0.1:%u/oauth/token\n"
                              "ApiUrl=https://127.0.0.1:%u\nCaFile=%s\n",
                              fx->fake->port, fx->fake->port, fx->fake->other_ca);
  refused = g_strdup_printf ("[Provider]\nType=reloadly\nClientId=" CLIENT "\n"
                             "ClientSecretFile=secret\n"
                             "AuthUrl=https://127.0.0.1:%u/oauth/token\n"
                             "ApiUrl=https://127.0.0.1:%u\nCaFile=%s\n",
                             closed_port, closed_port, fx->fake->ca);
  {
    const char *configs[] = { wrong_ca, refused };

    for (guint i = 0; i < G_N_ELEMENTS (configs); i++) {
      g_autoptr(SaldoProvider) provider = NULL;
      g_autoptr(SaldoTopUpRequest) req = new_request ("PEN", 500);
      g_autoptr(SaldoTopUpResult) result = NULL;
      g_autoptr(GError) local_error = NULL;

      provider = saldo_test_new_provider (SALDO_TYPE_PROVIDER_RELOADLY, "rl2", configs[i], fx->dir,
                                          &local_error);
      g_assert_no_error (local_error);
      result = saldo_test_top_up (provider, req, &local_error);
      g_assert_null (result);
      g_assert_error (local_error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_TRANSPORT);
      assert_no_secret (local_error);
    }
  }
  g_assert_cmpint (saldo_fake_counter (fx->fake, "token_requests"), ==, 0);
}

static void
test_config_errors (Fixture *fx, gconstpointer data)
{
  g_free (saldo_test_write_file (fx->dir, "loose-secret", SECRET, 0644));
  g_free (saldo_test_write_file (fx->dir, "group-secret", SECRET, 0640));
  g_autofree char *plain_ok = NULL;
  const struct {
    const char *keyfile;
    const char *message_part;
  } cases[] = {
    { "[Provider]\nType=reloadly\nClientId=x\nClientSecretFile=loose-secret\n", "chmod 600" },
    { "[Provider]\nType=reloadly\nClientId=x\nClientSecretFile=group-secret\n", "group or others" },
    { "[Provider]\nType=reloadly\nClientId=x\nClientSecretFile=missing\n", "Cannot open" },
    { "[Provider]\nType=reloadly\nClientSecretFile=secret\n", "ClientId=" },
    { "[Provider]\nType=reloadly\nClientId=x\nClientSecretFile=secret\n"
      "ApiUrl=http://192.0.2.10\n",
      "plain http" },
    { "[Provider]\nType=reloadly\nClientId=x\nClientSecretFile=secret\n"
      "AuthUrl=http://example.com/oauth/token\n",
      "plain http" },
    { "[Provider]\nType=reloadly\nClientId=x\nClientSecretFile=secret\n"
      "ApiUrl=ftp://127.0.0.1/\n",
      "scheme" },
    { "[Provider]\nType=reloadly\nClientId=x\nClientSecretFile=secret\nTimeoutSec=-1\n", "TimeoutSec" },
    { "[Provider]\nType=reloadly\nClientId=x\nClientSecretFile=secret\nNotFoundGraceSec=-1\n",
      "NotFoundGraceSec" },
    { "[Provider]\nType=reloadly\nClientId=x\nClientSecretFile=secret\nNotFoundGraceSec=soon\n",
      "NotFoundGraceSec" },
    { "[Provider]\nType=reloadly\nClientId=x\n", "No secret configured" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(SaldoProvider) provider = NULL;
    g_autoptr(GError) error = NULL;

    provider = saldo_test_new_provider (SALDO_TYPE_PROVIDER_RELOADLY, "bad", cases[i].keyfile, fx->dir,
                                        &error);
    g_assert_null (provider);
    g_assert_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG);
    g_assert_nonnull (strstr (error->message, cases[i].message_part));
    assert_no_secret (error);
  }

  /* Plain http is fine to loopback. */
  plain_ok = g_strdup_printf ("[Provider]\nType=reloadly\nClientId=" CLIENT "\n"
                              "ClientSecretFile=secret\n"
                              "AuthUrl=http://localhost:%u/oauth/token\n"
                              "ApiUrl=http://127.0.0.1:%u\n",
                              fx->fake->plain_port, fx->fake->plain_port);
  {
    g_autoptr(SaldoProvider) provider = NULL;
    g_autoptr(SaldoTopUpRequest) req = new_request ("PEN", 700);
    g_autoptr(SaldoTopUpResult) result = NULL;
    g_autoptr(GError) error = NULL;

    provider = saldo_test_new_provider (SALDO_TYPE_PROVIDER_RELOADLY, "plain", plain_ok, fx->dir, &error);
    g_assert_no_error (error);
    result = saldo_test_top_up (provider, req, &error);
    g_assert_no_error (error);
    g_assert_cmpint (result->status, ==, SALDO_TOP_UP_STATUS_SUCCEEDED);
  }
}

static void
test_credentials_directory (Fixture *fx, gconstpointer data)
{
  g_autofree char *cred_dir = g_build_filename (fx->dir, "creds", NULL);
  g_autofree char *cred = NULL;
  g_autofree char *config = NULL;
  g_autoptr(SaldoProvider) provider = NULL;
  g_autoptr(SaldoTopUpRequest) req = new_request ("PEN", 500);
  g_autoptr(SaldoTopUpResult) result = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir (cred_dir, 0700), ==, 0);
  cred = saldo_test_write_file (cred_dir, "viacred", SECRET, 0400);
  config = g_strdup_printf ("[Provider]\nType=reloadly\nClientId=" CLIENT "\n"
                            "AuthUrl=https://127.0.0.1:%u/oauth/token\n"
                            "ApiUrl=https://127.0.0.1:%u\nCaFile=%s\n",
                            fx->fake->port, fx->fake->port, fx->fake->ca);
  g_setenv ("CREDENTIALS_DIRECTORY", cred_dir, TRUE);
  provider = saldo_test_new_provider (SALDO_TYPE_PROVIDER_RELOADLY, "viacred", config, fx->dir, &error);
  g_unsetenv ("CREDENTIALS_DIRECTORY");
  g_assert_no_error (error);
  result = saldo_test_top_up (provider, req, &error);
  g_assert_no_error (error);
  g_assert_cmpint (result->status, ==, SALDO_TOP_UP_STATUS_SUCCEEDED);
}

static void
test_invalid_request (Fixture *fx, gconstpointer data)
{
  const char *references[] = { "", "has space", "semi;colon",
                               "0123456789012345678901234567890123456789012345678901234567890123456789" };

  for (guint i = 0; i < G_N_ELEMENTS (references); i++) {
    g_autoptr(SaldoTopUpRequest) req = new_request ("PEN", 500);
    g_autoptr(SaldoTopUpResult) result = NULL;
    g_autoptr(GError) error = NULL;

    g_free (req->reference);
    req->reference = g_strdup (references[i]);
    result = top_up (fx, req, &error);
    g_assert_null (result);
    g_assert_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_REQUEST);
  }
  g_assert_cmpint (saldo_fake_counter (fx->fake, "token_requests"), ==, 0);
}

static SaldoProviderAccount *
account (Fixture *fx, GError **error)
{
  SaldoProviderAccount *result = saldo_test_account (fx->provider, error);

  if (error != NULL)
    assert_no_secret (*error);
  return result;
}

static void
test_account (Fixture *fx, gconstpointer data)
{
  g_autoptr(SaldoProviderAccount) before = NULL;
  g_autoptr(SaldoProviderAccount) after = NULL;
  g_autoptr(SaldoTopUpRequest) req = new_request ("PEN", 3700);
  g_autoptr(SaldoTopUpResult) result = NULL;
  g_autoptr(GError) error = NULL;

  saldo_fake_fault (fx->fake, "{\"op\": \"config\", \"funds\": 25.5}");
  before = account (fx, &error);
  g_assert_no_error (error);
  g_assert_cmpint (before->funds, ==, 2550);
  g_assert_cmpstr (before->currency, ==, "USD");
  g_assert_cmpint (saldo_fake_counter (fx->fake, "account_requests"), ==, 1);

  /* S/ 37.00 costs USD 10.00 of the account. */
  result = top_up (fx, req, &error);
  g_assert_no_error (error);
  g_assert_cmpint (result->status, ==, SALDO_TOP_UP_STATUS_SUCCEEDED);
  after = account (fx, &error);
  g_assert_no_error (error);
  g_assert_cmpint (after->funds, ==, 1550);

  /* An expired token is renewed, as for any other call. */
  g_clear_pointer (&after, saldo_provider_account_free);
  saldo_fake_fault (fx->fake, "{\"op\": \"expire_tokens\"}");
  after = account (fx, &error);
  g_assert_no_error (error);
  g_assert_cmpint (after->funds, ==, 1550);
  g_assert_cmpint (saldo_fake_counter (fx->fake, "token_requests"), ==, 2);
}

/* Each failure a Reloadly account can meet, and what it asks of the owner. */
static void
test_failure_classes (Fixture *fx, gconstpointer data)
{
  const struct {
    const char          *fault;
    SaldoProviderError   code;
    SaldoProviderFailure failure;
    const char          *reason;
  } account_cases[] = {
    { "\"action\": \"status\", \"http\": 503, \"count\": 3", SALDO_PROVIDER_ERROR_UNAVAILABLE,
      SALDO_PROVIDER_FAILURE_UNREACHABLE, NULL },
    { "\"action\": \"status\", \"http\": 429", SALDO_PROVIDER_ERROR_UNAVAILABLE,
      SALDO_PROVIDER_FAILURE_UNREACHABLE, NULL },
    { "\"action\": \"error\", \"http\": 403, \"errorCode\": \"INVALID_CREDENTIALS\"",
      SALDO_PROVIDER_ERROR_AUTH_FAILED, SALDO_PROVIDER_FAILURE_NEEDS_ATTENTION, "credentials-rejected" },
    { "\"action\": \"status\", \"http\": 200, \"body\": {\"balance\": \"lots\"}",
      SALDO_PROVIDER_ERROR_PROTOCOL, SALDO_PROVIDER_FAILURE_OTHER, NULL },
    { "\"action\": \"status\", \"http\": 200, "
      "\"body\": {\"balance\": 12.5, \"currencyCode\": \"XYZ\"}",
      SALDO_PROVIDER_ERROR_PROTOCOL, SALDO_PROVIDER_FAILURE_OTHER, NULL },
    { "\"action\": \"status\", \"http\": 404, \"body\": \"<html>no</html>\"", SALDO_PROVIDER_ERROR_PROTOCOL,
      SALDO_PROVIDER_FAILURE_OTHER, NULL },
  };
  for (guint i = 0; i < G_N_ELEMENTS (account_cases); i++) {
    g_autoptr(SaldoProviderAccount) acct = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *fault = g_strdup_printf ("{\"op\": \"fault\", \"path\": "
                                              "\"/accounts/balance\", %s}",
                                              account_cases[i].fault);

    saldo_fake_fault (fx->fake, fault);
    acct = account (fx, &error);
    g_assert_null (acct);
    g_assert_error (error, SALDO_PROVIDER_ERROR, (gint) account_cases[i].code);
    assert_class (error, account_cases[i].failure, account_cases[i].reason);
  }
  /* The account really running dry, as Reloadly reports it. */
  {
    g_autoptr(SaldoTopUpRequest) req = new_request ("USD", 1000);
    g_autoptr(SaldoTopUpResult) result = NULL;
    g_autoptr(SaldoProviderAccount) acct = NULL;
    g_autoptr(GError) error = NULL;

    saldo_fake_fault (fx->fake, "{\"op\": \"config\", \"funds\": 9.99}");
    result = top_up (fx, req, &error);
    g_assert_no_error (error);
    g_assert_cmpint (result->status, ==, SALDO_TOP_UP_STATUS_FAILED);
    assert_class (result->error, SALDO_PROVIDER_FAILURE_NEEDS_ATTENTION, "insufficient-funds");
    g_assert_cmpstr (result->error_code, ==, "INSUFFICIENT_BALANCE");
    g_assert_cmpuint (saldo_fake_charges (fx->fake, NULL), ==, 0);
    acct = account (fx, &error);
    g_assert_no_error (error);
    g_assert_cmpint (acct->funds, ==, 999);
  }

  /* Credentials Reloadly no longer accepts: top-ups and the account alike. */
  {
    g_autoptr(SaldoTopUpRequest) req = new_request ("PEN", 500);
    g_autoptr(SaldoTopUpResult) result = NULL;
    g_autoptr(SaldoProviderAccount) acct = NULL;
    g_autoptr(GError) error = NULL;

    saldo_fake_fault (fx->fake, "{\"op\": \"config\", \"client_secret\": \"rotated\"}");
    saldo_fake_fault (fx->fake, "{\"op\": \"expire_tokens\"}");
    acct = account (fx, &error);
    g_assert_null (acct);
    assert_class (error, SALDO_PROVIDER_FAILURE_NEEDS_ATTENTION, "credentials-rejected");
    g_clear_error (&error);
    result = top_up (fx, req, &error);
    g_assert_null (result);
    assert_class (error, SALDO_PROVIDER_FAILURE_NEEDS_ATTENTION, "credentials-rejected");
  }
}

/* Nobody listening: unreachable, for the account as for a top-up. */
static void
test_account_unreachable (Fixture *fx, gconstpointer data)
{
  g_autoptr(GSocket) sock = NULL;
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(SaldoProvider) provider = NULL;
  g_autoptr(SaldoProviderAccount) acct = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *config = NULL;
  guint            port;

  sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (sock, addr, TRUE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (sock, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  config = g_strdup_printf ("[Provider]\nType=reloadly\nClientId=" CLIENT "\n"
                            "ClientSecretFile=secret\n"
                            "AuthUrl=https://127.0.0.1:%u/oauth/token\n"
                            "ApiUrl=https://127.0.0.1:%u\nCaFile=%s\n",
                            port, port, fx->fake->ca);
  provider = saldo_test_new_provider (SALDO_TYPE_PROVIDER_RELOADLY, "down", config, fx->dir, &error);
  g_assert_no_error (error);
  acct = saldo_test_account (provider, &error);
  g_assert_null (acct);
  g_assert_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_TRANSPORT);
  assert_class (error, SALDO_PROVIDER_FAILURE_UNREACHABLE, NULL);
}

int
main (int argc, char **argv)
{
  /* Tests talk to loopback only, never through a proxy from the environment. */
  g_setenv ("no_proxy", "127.0.0.1,localhost", TRUE);
  g_setenv ("NO_PROXY", "127.0.0.1,localhost", TRUE);
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, extra) \
  g_test_add ("/provider/reloadly/" path, Fixture, extra, fixture_setup, func, fixture_teardown)
  ADD ("success", test_success, NULL);
  ADD ("token-cached", test_token_cached, NULL);
  ADD ("token-refresh", test_token_refresh, NULL);
  ADD ("error-mapping", test_error_mapping, NULL);
  ADD ("not-sent-errors", test_not_sent_errors, NULL);
  ADD ("duplicate-reference", test_duplicate_reference, NULL);
  ADD ("unknown-outcomes", test_unknown_outcomes, "TimeoutSec=1\n");
  ADD ("processing-then-successful", test_processing_then_successful, NULL);
  ADD ("lookup-not-found", test_lookup_not_found, NULL);
  ADD ("lookup-reads-every-page", test_lookup_reads_every_page, NULL);
  ADD ("lookup-no-record-only-when-said", test_lookup_no_record_only_when_said, NULL);
  ADD ("idempotent-retry", test_idempotent_retry, NULL);
  ADD ("bad-credentials", test_bad_credentials, NULL);
  ADD ("transport-not-sent", test_transport_not_sent, NULL);
  ADD ("config-errors", test_config_errors, NULL);
  ADD ("credentials-directory", test_credentials_directory, NULL);
  ADD ("invalid-request", test_invalid_request, NULL);
  ADD ("account", test_account, NULL);
  ADD ("failure-classes", test_failure_classes, NULL);
  ADD ("account-unreachable", test_account_unreachable, NULL);
#undef ADD
  return g_test_run ();
}
