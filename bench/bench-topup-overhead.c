/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the exactly-once machinery costs per top-up: the runner (ledger
 * writes, each a synced commit, plus the provider) against the provider
 * alone and a bare libcurl POST of the same signed request, all to the same
 * loopback fake server (tests/sim/fakeprovider.py) in the same run.
 *
 * Usage: bench-topup-overhead [N]   (needs G_TEST_SRCDIR=tests/)
 */
#include "config.h"

#include <curl/curl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "http/saldo-provider-http.h"
#include "saldo-ledger.h"
#include "saldo-provider-builtin.h"
#include "saldo-test-fake.h"
#include "saldo-topup-runner.h"

#define SECRET "bench-hook-secret"

static void
store_result (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (res);
}

static GAsyncResult *
wait_for (GAsyncResult **res)
{
  while (*res == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *res;
}

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

static void
report (const char *name, GArray *ms)
{
  double sum = 0;

  g_array_sort (ms, compare_double);
  for (guint i = 0; i < ms->len; i++)
    sum += g_array_index (ms, double, i);
  printf ("%-34s n=%-4u median %7.2f ms  mean %7.2f ms  p90 %7.2f ms\n", name, ms->len,
          g_array_index (ms, double, ms->len / 2), sum / ms->len,
          g_array_index (ms, double, (ms->len * 9) / 10));
}

static size_t
discard (char *ptr, size_t size, size_t nmemb, void *user_data)
{
  return size * nmemb;
}

static gboolean
curl_post (SaldoFake *fake, const char *reference)
{
  g_autofree char   *url = g_strdup_printf ("https://127.0.0.1:%u/hook/topup", fake->port);
  g_autofree char   *body = g_strdup_printf ("{\"reference\":\"%s\",\"iccid\":\"8951101234567890123\","
                                               "\"phone\":\"+51987654321\",\"country\":\"PE\","
                                               "\"amount\":\"10.00\",\"currency\":\"PEN\"}",
                                             reference);
  g_autofree char   *signature = saldo_provider_http_sign (SECRET, body, strlen (body));
  g_autofree char   *key = g_strconcat ("Idempotency-Key: ", reference, NULL);
  struct curl_slist *headers = NULL;
  CURL              *curl = curl_easy_init ();
  long               status = 0;
  CURLcode           rc;

  headers = curl_slist_append (headers, "Content-Type: application/json");
  headers = curl_slist_append (headers, key);
  headers = curl_slist_append (headers, signature);
  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_CAINFO, fake->ca);
  curl_easy_setopt (curl, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt (curl, CURLOPT_NOPROXY, "*");
  rc = curl_easy_perform (curl);
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all (headers);
  curl_easy_cleanup (curl);
  return rc == CURLE_OK && status == 200;
}

static guint n_runs = 100;

static void
bench_topup_overhead (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *db = NULL;
  g_autoptr(SaldoProviderLoader) loader = NULL;
  g_autoptr(SaldoProvider) provider = NULL;
  g_autoptr(SaldoStore) store = NULL;
  g_autoptr(SaldoLedger) ledger = NULL;
  g_autoptr(SaldoTopupRunner) runner = NULL;
  g_autoptr(SaldoLineRecord) line = saldo_line_record_new ();
  g_autoptr(GArray) t_curl = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) t_provider = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) t_runner = g_array_new (FALSE, FALSE, sizeof (double));
  SaldoFake *fake;
  guint      n = n_runs;

  fake = saldo_fake_start ();
  /* Three S/ 10.00 charges a run: the fake's account (S/ 1000 by default,
   * since it can run dry) must hold them all, or the provider answers
   * "insufficient funds" part way. */
  saldo_fake_fault (fake, "{\"op\": \"config\", \"hmac_secret\": \"" SECRET "\", \"hook_funds\": 1e9}");
  dir = saldo_test_make_dir ();
  g_free (saldo_test_write_file (dir, "hook.secret", SECRET "\n", 0600));
  conf = g_strdup_printf ("[Provider]\nType=http\nUrl=https://127.0.0.1:%u/hook/topup\n"
                          "StatusUrl=https://127.0.0.1:%u/hook/status/{reference}\n"
                          "SecretFile=hook.secret\nCaFile=%s\nTimeoutSec=10\n",
                          fake->port, fake->port, fake->ca);
  g_free (saldo_test_write_file (dir, "bench.conf", conf, 0600));
  g_free (conf);
  conf = g_build_filename (dir, "bench.conf", NULL);
  loader = saldo_provider_loader_new (NULL);
  saldo_provider_loader_add_builtins (loader);
  provider = saldo_provider_loader_load_file (loader, conf, &error);
  g_assert_no_error (error);

  /* On disk, not tmpfs, when TMPDIR points there: the synced commits are
   * the point of the ledger and the bulk of its cost. */
  db = g_build_filename (dir, "bench.db", NULL);
  store = saldo_store_open (db, &error);
  g_assert_no_error (error);
  line->iccid = g_strdup ("8951101234567890123");
  line->first_seen = line->last_seen = 1700000000;
  g_assert_true (saldo_store_save_line (store, line, &error));
  ledger = saldo_ledger_new (store);
  runner = saldo_topup_runner_new ();

  for (guint i = 0; i < n; i++) {
    SaldoTopupPlan plan = {
      .line_id = line->id,
      .origin = SALDO_TOPUP_ORIGIN_MANUAL,
      .amount = 1000,
      .currency = "PEN",
      .phone = "+51987654321",
      .country = "PE",
    };
    g_autoptr(SaldoTopUpRequest) req = saldo_top_up_request_new ();
    g_autoptr(GAsyncResult) res = NULL;
    g_autoptr(GAsyncResult) res2 = NULL;
    g_autoptr(SaldoTopUpResult) result = NULL;
    g_autoptr(SaldoTopupRecord) record = NULL;
    g_autofree char *curl_ref = g_strdup_printf ("bench-curl-%u", i);
    gint64           start;
    double           ms;

    start = g_get_monotonic_time ();
    g_assert_true (curl_post (fake, curl_ref));
    ms = (g_get_monotonic_time () - start) / 1000.0;
    g_array_append_val (t_curl, ms);

    req->reference = g_strdup_printf ("bench-provider-%u", i);
    req->iccid = g_strdup (line->iccid);
    req->phone = g_strdup ("+51987654321");
    req->country = g_strdup ("PE");
    req->amount = 1000;
    req->currency = g_strdup ("PEN");
    start = g_get_monotonic_time ();
    saldo_provider_top_up_async (provider, req, NULL, store_result, &res);
    result = saldo_provider_top_up_finish (provider, wait_for (&res), &error);
    ms = (g_get_monotonic_time () - start) / 1000.0;
    g_assert_no_error (error);
    g_assert_cmpint (result->status, ==, SALDO_TOP_UP_STATUS_SUCCEEDED);
    g_array_append_val (t_provider, ms);

    start = g_get_monotonic_time ();
    saldo_topup_runner_run_async (runner, ledger, provider, &plan, NULL, store_result, &res2);
    record = saldo_topup_runner_run_finish (runner, wait_for (&res2), &error);
    ms = (g_get_monotonic_time () - start) / 1000.0;
    g_assert_no_error (error);
    g_assert_cmpint (record->state, ==, SALDO_LEDGER_STATE_SUCCEEDED);
    g_array_append_val (t_runner, ms);
  }
  g_assert_cmpuint (saldo_fake_charges (fake, NULL), ==, 3 * n);

  printf ("top-up latency against the loopback fake (TLS, new connection each):\n");
  report ("libcurl POST, signed body", t_curl);
  report ("http provider alone", t_provider);
  report ("runner: ledger + http provider", t_runner);
  printf ("runner overhead over the provider (median): %.2f ms\n",
          g_array_index (t_runner, double, n / 2) - g_array_index (t_provider, double, n / 2));

  g_clear_object (&runner);
  g_clear_object (&ledger);
  g_clear_object (&store);
  g_clear_object (&provider);
  g_clear_object (&loader);
  saldo_fake_stop (fake);
  saldo_test_remove_dir (dir);
}

int
main (int argc, char **argv)
{
  int rc;

  g_setenv ("no_proxy", "127.0.0.1,localhost", TRUE);
  g_unsetenv ("SALDO_TEST_FAULT");
  /* saldo-test-fake finds fakeprovider.py through GTest's directories, so
   * the measurement runs as a GTest case. */
  g_test_init (&argc, &argv, NULL);
  if (argc > 1 && g_ascii_strtoull (argv[1], NULL, 10) > 0)
    n_runs = (guint) g_ascii_strtoull (argv[1], NULL, 10);
  curl_global_init (CURL_GLOBAL_DEFAULT);
  g_test_add_func ("/bench/topup-overhead", bench_topup_overhead);
  rc = g_test_run ();
  curl_global_cleanup ();
  return rc;
}
