/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoHttp"

#include "saldo-http.h"

#include <curl/curl.h>
#include <string.h>

#include "saldo-provider.h"

/* Transfers use blocking libcurl easy handles and are meant to be called
 * from a GTask worker thread (g_task_run_in_thread), not the main loop: a
 * top-up is a handful of short requests, so a thread each is cheaper to get
 * right than curl-multi socket callbacks, and cancellation still works
 * through the progress callback. */

#define MAX_RESPONSE_SIZE      (1024 * 1024)
#define MAX_ATTEMPTS           3
#define DEFAULT_TIMEOUT_SEC    60.0
#define MAX_CONNECT_TIMEOUT_MS 10000

struct _SaldoHttp {
  char  *ca_file;
  double timeout_sec;
  guint  retry_delay_ms;
};

SaldoHttp *
saldo_http_new (void)
{
  static gsize curl_initialized = 0;
  SaldoHttp   *http;

  if (g_once_init_enter (&curl_initialized)) {
    curl_global_init (CURL_GLOBAL_DEFAULT);
    g_once_init_leave (&curl_initialized, 1);
  }

  http = g_new0 (SaldoHttp, 1);
  http->timeout_sec = DEFAULT_TIMEOUT_SEC;
  http->retry_delay_ms = 500;
  return http;
}

void
saldo_http_free (SaldoHttp *http)
{
  if (http == NULL)
    return;
  g_free (http->ca_file);
  g_free (http);
}

void
saldo_http_set_retry_delay (SaldoHttp *http, guint msec)
{
  http->retry_delay_ms = msec;
}

/* Reads CaFile= (extra trust anchors, for tests and private CAs) and
 * TimeoutSec= (per request, fractions allowed). */
gboolean
saldo_http_configure (SaldoHttp *http, GKeyFile *kf, const char *config_dir, GError **error)
{
  g_autofree char *ca_file = g_key_file_get_string (kf, SALDO_PROVIDER_GROUP, "CaFile", NULL);

  if (g_key_file_has_key (kf, SALDO_PROVIDER_GROUP, "TimeoutSec", NULL)) {
    g_autoptr(GError) local_error = NULL;
    double timeout = g_key_file_get_double (kf, SALDO_PROVIDER_GROUP, "TimeoutSec", &local_error);
    if (local_error != NULL || timeout <= 0 || timeout > 600) {
      g_set_error_literal (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                           "TimeoutSec= must be a number of seconds between 0 and 600");
      return FALSE;
    }
    http->timeout_sec = timeout;
  }
  if (ca_file != NULL) {
    g_free (http->ca_file);
    if (g_path_is_absolute (ca_file) || config_dir == NULL)
      http->ca_file = g_steal_pointer (&ca_file);
    else
      http->ca_file = g_build_filename (config_dir, ca_file, NULL);
    if (!g_file_test (http->ca_file, G_FILE_TEST_IS_REGULAR)) {
      g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                   "CaFile= %s does not exist", http->ca_file);
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
host_is_loopback (const char *host)
{
  g_autoptr(GInetAddress) addr = NULL;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  addr = g_inet_address_new_from_string (host);
  return addr != NULL && g_inet_address_get_is_loopback (addr);
}

/* Money and bearer tokens only travel over verified TLS; plain http is
 * allowed to loopback so a local payment bridge or test server works. */
gboolean
saldo_http_check_url (const char *url, GError **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;
  const char *host;

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0') {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG, "“%s” is not a valid URL",
                 url);
    return FALSE;
  }
  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  if (g_ascii_strcasecmp (scheme, "https") == 0)
    return TRUE;
  if (g_ascii_strcasecmp (scheme, "http") == 0) {
    if (host_is_loopback (host))
      return TRUE;
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                 "Refusing plain http to %s: use https (plain http is only allowed "
                 "to localhost, 127.0.0.0/8 and ::1)",
                 host);
    return FALSE;
  }
  g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
               "Unsupported URL scheme “%s” (only https is allowed)", scheme);
  return FALSE;
}

void
saldo_http_response_free (SaldoHttpResponse *response)
{
  if (response == NULL)
    return;
  g_clear_pointer (&response->body, g_bytes_unref);
  g_free (response);
}

typedef struct {
  GByteArray   *received;
  gboolean      too_large;
  const char   *body;
  gsize         body_len;
  gsize         body_pos;
  gboolean      body_started;
  GCancellable *cancellable;
} Transfer;

static size_t
write_cb (char *ptr, size_t size, size_t nmemb, void *user_data)
{
  Transfer *t = user_data;
  gsize     n = size * nmemb;

  if (t->received->len + n > MAX_RESPONSE_SIZE) {
    t->too_large = TRUE;
    return 0;
  }
  g_byte_array_append (t->received, (const guint8 *) ptr, (guint) n);
  return n;
}

/* libcurl asks for the body only once the connection and TLS handshake are
 * up and the request is being written, so until this runs the server cannot
 * have received a complete, chargeable request. */
static size_t
read_cb (char *buffer, size_t size, size_t nitems, void *user_data)
{
  Transfer *t = user_data;
  gsize     n = MIN (size * nitems, t->body_len - t->body_pos);

  t->body_started = TRUE;
  memcpy (buffer, t->body + t->body_pos, n);
  t->body_pos += n;
  return n;
}

static int
progress_cb (void *user_data, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
  Transfer *t = user_data;

  return g_cancellable_is_cancelled (t->cancellable) ? 1 : 0;
}

static SaldoHttpResponse *
perform_once (SaldoHttp         *http,
              const char        *method,
              const char        *url,
              const char *const *headers,
              const char        *body,
              gboolean          *out_maybe_sent,
              GCancellable      *cancellable,
              GError           **error)
{
  CURL              *curl;
  struct curl_slist *list = NULL;
  char               errbuf[CURL_ERROR_SIZE] = { 0 };
  g_autoptr(GByteArray) received = g_byte_array_new ();
  Transfer           t = { 0 };
  long               timeout_ms = (long) (http->timeout_sec * 1000.0);
  CURLcode           rc;
  long               status = 0;
  SaldoHttpResponse *response;

  *out_maybe_sent = FALSE;
  t.received = received;
  t.cancellable = cancellable;
  t.body = body;
  t.body_len = body != NULL ? strlen (body) : 0;

  curl = curl_easy_init ();
  if (curl == NULL) {
    g_set_error_literal (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_TRANSPORT,
                         "Cannot initialise libcurl");
    return NULL;
  }

  for (guint i = 0; headers != NULL && headers[i] != NULL; i++)
    list = curl_slist_append (list, headers[i]);
  /* No "Expect: 100-continue" round trip: it blurs when the body left. */
  list = curl_slist_append (list, "Expect:");

  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt (curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt (curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (http->ca_file != NULL)
    curl_easy_setopt (curl, CURLOPT_CAINFO, http->ca_file);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, MAX (timeout_ms, 1L));
  curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT_MS,
                    MAX (MIN (timeout_ms, (long) MAX_CONNECT_TIMEOUT_MS), 1L));
  curl_easy_setopt (curl, CURLOPT_USERAGENT, "saldo");
  curl_easy_setopt (curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt (curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt (curl, CURLOPT_XFERINFOFUNCTION, progress_cb);
  curl_easy_setopt (curl, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, errbuf);
  if (body != NULL) {
    curl_easy_setopt (curl, CURLOPT_POST, 1L);
    curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) t.body_len);
    curl_easy_setopt (curl, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt (curl, CURLOPT_READDATA, &t);
  }
  if (g_strcmp0 (method, "GET") != 0 && g_strcmp0 (method, "POST") != 0)
    curl_easy_setopt (curl, CURLOPT_CUSTOMREQUEST, method);

  rc = curl_easy_perform (curl);
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup (curl);
  curl_slist_free_all (list);

  /* A request without a body (GET) cannot charge; one with a body may have
   * from the moment libcurl started reading it. */
  *out_maybe_sent = body != NULL ? t.body_started : TRUE;

  if (rc != CURLE_OK) {
    if (rc == CURLE_ABORTED_BY_CALLBACK && g_cancellable_is_cancelled (cancellable)) {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The request was cancelled");
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
      g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_TIMEOUT,
                   "No reply from %s within %.1f s", url, http->timeout_sec);
    } else if (t.too_large) {
      g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                   "Reply from %s is larger than %u bytes", url, MAX_RESPONSE_SIZE);
    } else if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
               rc == CURLE_SSL_CONNECT_ERROR) {
      g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_TRANSPORT,
                   "TLS connection to %s failed: %s", url,
                   *errbuf != '\0' ? errbuf : curl_easy_strerror (rc));
    } else {
      g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_TRANSPORT, "Request to %s failed: %s",
                   url, *errbuf != '\0' ? errbuf : curl_easy_strerror (rc));
    }
    return NULL;
  }

  response = g_new0 (SaldoHttpResponse, 1);
  response->status = status;
  response->body = g_byte_array_free_to_bytes (g_steal_pointer (&received));
  return response;
}

static gboolean
sleep_cancellable (guint msec, GCancellable *cancellable)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) msec * 1000;

  while (g_get_monotonic_time () < deadline) {
    if (g_cancellable_is_cancelled (cancellable))
      return FALSE;
    g_usleep (MIN (20000, deadline - g_get_monotonic_time ()));
  }
  return !g_cancellable_is_cancelled (cancellable);
}

/* Blocking; call from a worker thread. On failure *out_maybe_sent tells
 * whether the server may have received a complete request. */
SaldoHttpResponse *
saldo_http_request (SaldoHttp         *http,
                    const char        *method,
                    const char        *url,
                    const char *const *headers,
                    const char        *body,
                    SaldoHttpFlags     flags,
                    gboolean          *out_maybe_sent,
                    GCancellable      *cancellable,
                    GError           **error)
{
  gboolean idempotent = (flags & SALDO_HTTP_FLAGS_IDEMPOTENT) != 0;
  guint    delay = http->retry_delay_ms;
  gboolean maybe_sent = FALSE;

  if (!saldo_http_check_url (url, error)) {
    if (out_maybe_sent != NULL)
      *out_maybe_sent = FALSE;
    return NULL;
  }

  for (guint attempt = 1;; attempt++) {
    g_autoptr(GError) local_error = NULL;
    g_autoptr(SaldoHttpResponse) response = NULL;
    gboolean sent = FALSE;

    response = perform_once (http, method, url, headers, body, &sent, cancellable, &local_error);
    maybe_sent = maybe_sent || sent;
    if (out_maybe_sent != NULL)
      *out_maybe_sent = maybe_sent;

    if (!idempotent || attempt >= MAX_ATTEMPTS ||
        g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
        (response != NULL && response->status < 500)) {
      if (local_error != NULL) {
        g_propagate_error (error, g_steal_pointer (&local_error));
        return NULL;
      }
      return g_steal_pointer (&response);
    }

    if (local_error != NULL)
      g_debug ("%s %s failed (attempt %u): %s", method, url, attempt, local_error->message);
    else
      g_debug ("%s %s returned HTTP %ld (attempt %u)", method, url, response->status, attempt);
    if (!sleep_cancellable (delay, cancellable)) {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The request was cancelled");
      return NULL;
    }
    delay *= 2;
  }
}
