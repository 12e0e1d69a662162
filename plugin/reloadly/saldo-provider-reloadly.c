/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reloadly's reports can lag behind a charge: "no record" is believed only
 * this long after the request (NotFoundGraceSec=). */
#define DEFAULT_NOT_FOUND_GRACE (10 * 60)
#define REPORT_PAGE_SIZE        50
#define REPORT_MAX_PAGES        100

#define G_LOG_DOMAIN "SaldoReloadly"

#include "saldo-provider-reloadly.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "saldo-money.h"
#include "saldo-http.h"
#include "saldo-secret.h"

/* Reloadly airtime top-ups. Each operation runs as one blocking sequence
 * (token, operator, top-up) in a GTask worker thread; see saldo-http.c. */

#define AUTH_URL        "https://auth.reloadly.com/oauth/token"
#define API_URL         "https://topups.reloadly.com"
#define API_URL_SANDBOX "https://topups-sandbox.reloadly.com"
#define ACCEPT_HEADER   "Accept: application/com.reloadly.topups-v1+json"
/* Renew a little before the stated expiry so a request never races it. */
#define TOKEN_MARGIN_SEC 60

typedef struct {
  gint64 id;
  char  *destination_currency;
  char  *sender_currency;
} Operator;

struct _SaldoProviderReloadly {
  SaldoProvider parent_instance;

  SaldoHttp *http;
  char      *client_id;
  char      *client_secret;
  char      *auth_url;
  char      *api_url;
  char      *audience;

  GMutex      lock; /* guards everything below */
  char       *token;
  gint64      token_expiry; /* monotonic, usec */
  GHashTable *operators;    /* "phone/ISO" -> Operator */
};

G_DEFINE_TYPE (SaldoProviderReloadly, saldo_provider_reloadly, SALDO_TYPE_PROVIDER)

static void
operator_free (gpointer data)
{
  Operator *op = data;

  g_free (op->destination_currency);
  g_free (op->sender_currency);
  g_free (op);
}

static void
clear_token_locked (SaldoProviderReloadly *self)
{
  if (self->token != NULL)
    saldo_secret_free (g_steal_pointer (&self->token));
  self->token_expiry = 0;
}

/* ---- JSON helpers ---- */

static JsonObject *
parse_object (GBytes *body, JsonParser *parser)
{
  gsize       len = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &len) : NULL;
  JsonNode   *root;

  if (data == NULL || len == 0 || !json_parser_load_from_data (parser, data, (gssize) len, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  return json_node_get_object (root);
}

static const char *
get_string (JsonObject *obj, const char *name)
{
  JsonNode *node = obj != NULL ? json_object_get_member (obj, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
get_number (JsonObject *obj, const char *name, double *out)
{
  JsonNode *node = obj != NULL ? json_object_get_member (obj, name) : NULL;
  GType     type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
    return FALSE;
  *out = json_node_get_double (node);
  return TRUE;
}

/* Transaction ids are numbers in Reloadly's replies; kept as text. */
static char *
get_id_string (JsonObject *obj, const char *name)
{
  JsonNode *node = obj != NULL ? json_object_get_member (obj, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  return NULL;
}

static const char *
error_code_of (GBytes *body, JsonParser *parser)
{
  return get_string (parse_object (body, parser), "errorCode");
}

/* ---- error mapping ---- */

static const struct {
  const char        *code;
  SaldoProviderError error;
  const char        *text;
} reloadly_errors[] = {
  { "INSUFFICIENT_BALANCE", SALDO_PROVIDER_ERROR_INSUFFICIENT_FUNDS,
    "The Reloadly account balance is too low for this top-up" },
  { "PHONE_RECENTLY_RECHARGED", SALDO_PROVIDER_ERROR_RECENTLY_RECHARGED,
    "The number was topped up moments ago; Reloadly asks to wait about two minutes" },
  { "INVALID_AMOUNT_FOR_OPERATOR", SALDO_PROVIDER_ERROR_INVALID_AMOUNT,
    "The operator does not accept this amount" },
  { "COULD_NOT_AUTO_DETECT_OPERATOR", SALDO_PROVIDER_ERROR_NO_OPERATOR,
    "Reloadly could not find the operator of this number" },
  { "TOKEN_EXPIRED", SALDO_PROVIDER_ERROR_AUTH_FAILED, "Reloadly rejected the access token" },
  { "INVALID_CREDENTIALS", SALDO_PROVIDER_ERROR_AUTH_FAILED,
    "Reloadly refused the client credentials; check ClientId= and the secret" },
  { "TRANSACTION_CANNOT_BE_PROCESSED_AT_THE_MOMENT", SALDO_PROVIDER_ERROR_UNAVAILABLE,
    "Reloadly cannot process transactions at the moment" },
};

static GError *
error_for_code (const char *code, const char *message, long status)
{
  for (guint i = 0; i < G_N_ELEMENTS (reloadly_errors); i++) {
    if (g_strcmp0 (code, reloadly_errors[i].code) == 0)
      return g_error_new_literal (SALDO_PROVIDER_ERROR, reloadly_errors[i].error, reloadly_errors[i].text);
  }
  /* Reloadly does not document the code for a reused customIdentifier, so
   * any code naming a duplicate counts; the daemon then looks it up. */
  if (code != NULL && (strstr (code, "DUPLICATE") != NULL || strstr (code, "CUSTOM_IDENTIFIER") != NULL))
    return g_error_new (SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_DUPLICATE_REFERENCE,
                        "Reloadly already has a top-up with this reference (%s)", code);
  return g_error_new (SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_REJECTED,
                      "Reloadly refused the request: %s (HTTP %ld, %s)",
                      code != NULL ? code : "no error code", status,
                      message != NULL ? message : "no message");
}

/* ---- token ---- */

/* Replies are decoded apart from the requests (no I/O), so they can be
 * fuzzed; see saldo-provider-reloadly.h. */
char *
saldo_provider_reloadly_parse_token (const SaldoHttpResponse *response, gint64 *out_lifetime, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *obj = parse_object (response->body, parser);
  const char *token;
  double      expires_in = 0;

  /* Too many requests and server errors pass; any other refusal is about
   * the credentials. */
  if (response->status == 429 || response->status >= 500) {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_UNAVAILABLE,
                 "The Reloadly token endpoint is unavailable (HTTP %ld)", response->status);
    return NULL;
  }
  if (response->status >= 400 && response->status < 500) {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_AUTH_FAILED,
                 "Reloadly refused the client credentials (HTTP %ld%s%s); "
                 "check ClientId= and the secret",
                 response->status, get_string (obj, "errorCode") != NULL ? ", " : "",
                 get_string (obj, "errorCode") != NULL ? get_string (obj, "errorCode") : "");
    return NULL;
  }
  token = get_string (obj, "access_token");
  if (response->status != 200 || token == NULL || *token == '\0') {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                 "Unexpected reply from the Reloadly token endpoint (HTTP %ld)", response->status);
    return NULL;
  }
  if (!get_number (obj, "expires_in", &expires_in) || expires_in <= 0)
    expires_in = 3600;
  /* A token renewed after 30 days at the latest: a bigger number would
   * overflow the monotonic clock's microseconds; and kept a second at
   * least, or a tiny one (1e-300) would be a lifetime of 0 (the fuzzer). */
  expires_in = CLAMP (expires_in, 1.0, 30 * 86400.0);
  *out_lifetime = (gint64) (MAX (expires_in - TOKEN_MARGIN_SEC, expires_in / 2) * G_USEC_PER_SEC);
  return g_strdup (token);
}

static char *
fetch_token_locked (SaldoProviderReloadly *self, GCancellable *cancellable, GError **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SaldoHttpResponse) response = NULL;
  g_autofree char *body = NULL;
  const char      *headers[] = { "Content-Type: application/json", "Accept: application/json", NULL };
  char            *token;
  gint64           lifetime = 0;
  gboolean         sent;

  if (self->token != NULL && g_get_monotonic_time () < self->token_expiry)
    return g_strdup (self->token);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "client_id");
  json_builder_add_string_value (builder, self->client_id);
  json_builder_set_member_name (builder, "client_secret");
  json_builder_add_string_value (builder, self->client_secret);
  json_builder_set_member_name (builder, "grant_type");
  json_builder_add_string_value (builder, "client_credentials");
  json_builder_set_member_name (builder, "audience");
  json_builder_add_string_value (builder, self->audience);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (gen, root);
  body = json_generator_to_data (gen, NULL);

  /* Asking for a token charges nothing, so it may be retried. */
  response = saldo_http_request (self->http, "POST", self->auth_url, headers, body,
                                 SALDO_HTTP_FLAGS_IDEMPOTENT, &sent, cancellable, error);
  explicit_bzero (body, strlen (body));
  if (response == NULL)
    return NULL;

  token = saldo_provider_reloadly_parse_token (response, &lifetime, error);
  if (token == NULL)
    return NULL;
  clear_token_locked (self);
  self->token = token;
  self->token_expiry = g_get_monotonic_time () + lifetime;
  g_debug ("obtained a Reloadly access token, renewed in %" G_GINT64_FORMAT " s", lifetime / G_USEC_PER_SEC);
  return g_strdup (self->token);
}

static char *
get_token (SaldoProviderReloadly *self, gboolean force_new, GCancellable *cancellable, GError **error)
{
  char *token;

  /* Held across the fetch so concurrent top-ups share one new token. */
  g_mutex_lock (&self->lock);
  if (force_new)
    clear_token_locked (self);
  token = fetch_token_locked (self, cancellable, error);
  g_mutex_unlock (&self->lock);
  return token;
}

static gboolean
token_rejected (SaldoHttpResponse *response)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  return response->status == 401 || g_strcmp0 (error_code_of (response->body, parser), "TOKEN_EXPIRED") == 0;
}

/* One authenticated API call. A rejected token is renewed and the call
 * repeated once: a request refused for its token was not processed, so
 * repeating even the top-up POST cannot charge twice. */
static SaldoHttpResponse *
api_request (SaldoProviderReloadly *self,
             const char            *method,
             const char            *path,
             const char            *body,
             SaldoHttpFlags         flags,
             gboolean              *out_maybe_sent,
             GCancellable          *cancellable,
             GError               **error)
{
  g_autofree char *url = g_strconcat (self->api_url, path, NULL);

  *out_maybe_sent = FALSE;
  for (guint attempt = 0; attempt < 2; attempt++) {
    g_autoptr(SaldoHttpResponse) response = NULL;
    g_autofree char *token = NULL;
    g_autofree char *auth = NULL;
    const char      *headers[] = { ACCEPT_HEADER, "Content-Type: application/json", NULL, NULL };

    token = get_token (self, attempt > 0, cancellable, error);
    if (token == NULL)
      return NULL;
    auth = g_strconcat ("Authorization: Bearer ", token, NULL);
    headers[2] = auth;
    response = saldo_http_request (self->http, method, url, headers, body, flags, out_maybe_sent, cancellable,
                                   error);
    explicit_bzero (auth, strlen (auth));
    explicit_bzero (token, strlen (token));
    if (response == NULL)
      return NULL;
    if (attempt == 0 && token_rejected (response)) {
      g_debug ("Reloadly rejected the access token, renewing it");
      continue;
    }
    return g_steal_pointer (&response);
  }
  g_assert_not_reached ();
}

/* ---- account ---- */

SaldoProviderAccount *
saldo_provider_reloadly_parse_account (const SaldoHttpResponse *response, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *obj = parse_object (response->body, parser);
  const char *currency = get_string (obj, "currencyCode");
  double      balance = 0;
  gint64      funds = 0;

  if (response->status == 200) {
    if (!saldo_currency_is_valid (currency) || !get_number (obj, "balance", &balance) ||
        !saldo_money_from_double (balance, currency, &funds)) {
      g_set_error_literal (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                           "Reloadly's account balance reply has no usable balance and "
                           "currencyCode");
      return NULL;
    }
    return saldo_provider_account_new (funds, currency);
  }
  if (response->status >= 400 && response->status < 500 && get_string (obj, "errorCode") != NULL) {
    g_propagate_error (error, error_for_code (get_string (obj, "errorCode"), get_string (obj, "message"),
                                              response->status));
    return NULL;
  }
  if (response->status == 401 || response->status == 403)
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_AUTH_FAILED,
                 "Reloadly refused access to the account (HTTP %ld)", response->status);
  else if (response->status == 429 || response->status >= 500)
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_UNAVAILABLE,
                 "Reloadly is unavailable (HTTP %ld)", response->status);
  else
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                 "Reloadly answered the account balance query with HTTP %ld", response->status);
  return NULL;
}

static SaldoProviderAccount *
do_account (SaldoProvider *provider, GCancellable *cancellable, GError **error)
{
  g_autoptr(SaldoHttpResponse) response = NULL;
  gboolean sent;

  response = api_request (SALDO_PROVIDER_RELOADLY (provider), "GET", "/accounts/balance", NULL,
                          SALDO_HTTP_FLAGS_IDEMPOTENT, &sent, cancellable, error);
  if (response == NULL)
    return NULL;
  return saldo_provider_reloadly_parse_account (response, error);
}

/* ---- operator ---- */

static Operator *
detect_operator (SaldoProviderReloadly   *self,
                 const SaldoTopUpRequest *req,
                 GCancellable            *cancellable,
                 GError                 **error)
{
  g_autofree char *key = g_strdup_printf ("%s/%s", req->phone, req->country);
  g_autofree char *escaped = g_uri_escape_string (req->phone, NULL, FALSE);
  g_autofree char *path = NULL;
  g_autoptr(SaldoHttpResponse) response = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *obj;
  double      id = 0;
  Operator   *op;
  gboolean    sent;

  g_mutex_lock (&self->lock);
  op = g_hash_table_lookup (self->operators, key);
  if (op != NULL) {
    Operator *copy = g_new0 (Operator, 1);
    copy->id = op->id;
    copy->destination_currency = g_strdup (op->destination_currency);
    copy->sender_currency = g_strdup (op->sender_currency);
    g_mutex_unlock (&self->lock);
    return copy;
  }
  g_mutex_unlock (&self->lock);

  path = g_strdup_printf ("/operators/auto-detect/phone/%s/countries/%s", escaped, req->country);
  response = api_request (self, "GET", path, NULL, SALDO_HTTP_FLAGS_IDEMPOTENT, &sent, cancellable, error);
  if (response == NULL)
    return NULL;
  obj = parse_object (response->body, parser);
  if (response->status != 200) {
    g_propagate_error (error, error_for_code (get_string (obj, "errorCode"), get_string (obj, "message"),
                                              response->status));
    return NULL;
  }
  if (!get_number (obj, "operatorId", &id) && !get_number (obj, "id", &id)) {
    g_set_error_literal (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                         "Reloadly's operator reply has no operator id");
    return NULL;
  }
  op = g_new0 (Operator, 1);
  op->id = (gint64) id;
  op->destination_currency = g_strdup (get_string (obj, "destinationCurrencyCode"));
  op->sender_currency = g_strdup (get_string (obj, "senderCurrencyCode"));

  g_mutex_lock (&self->lock);
  {
    Operator *cached = g_new0 (Operator, 1);
    cached->id = op->id;
    cached->destination_currency = g_strdup (op->destination_currency);
    cached->sender_currency = g_strdup (op->sender_currency);
    g_hash_table_replace (self->operators, g_steal_pointer (&key), cached);
  }
  g_mutex_unlock (&self->lock);
  return op;
}

/* ---- results ---- */

static void
fill_amounts (SaldoTopUpResult *result, JsonObject *obj)
{
  const char *delivered_cur = get_string (obj, "deliveredAmountCurrencyCode");
  const char *requested_cur = get_string (obj, "requestedAmountCurrencyCode");
  double      v;

  if (saldo_currency_is_valid (delivered_cur) && get_number (obj, "deliveredAmount", &v) &&
      saldo_money_from_double (v, delivered_cur, &result->delivered_amount)) {
    g_free (result->delivered_currency);
    result->delivered_currency = g_strdup (delivered_cur);
  }
  if (saldo_currency_is_valid (requested_cur) && get_number (obj, "requestedAmount", &v) &&
      saldo_money_from_double (v, requested_cur, &result->requested_amount)) {
    g_free (result->requested_currency);
    result->requested_currency = g_strdup (requested_cur);
  }
}

/* A transaction object from POST /topups or the reports endpoint. */
static SaldoTopUpResult *
result_from_transaction (JsonObject *obj, const char *reference, GError **error)
{
  const char      *status = get_string (obj, "status");
  SaldoTopUpStatus st;
  g_autoptr(SaldoTopUpResult) result = NULL;

  if (g_strcmp0 (status, "SUCCESSFUL") == 0)
    st = SALDO_TOP_UP_STATUS_SUCCEEDED;
  else if (g_strcmp0 (status, "PROCESSING") == 0)
    st = SALDO_TOP_UP_STATUS_PENDING;
  else if (g_strcmp0 (status, "FAILED") == 0 || g_strcmp0 (status, "REFUNDED") == 0)
    st = SALDO_TOP_UP_STATUS_FAILED;
  else {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                 "Reloadly reported an unknown transaction status “%s”", status != NULL ? status : "(none)");
    return NULL;
  }
  result = saldo_top_up_result_new (st, reference);
  result->transaction_id = get_id_string (obj, "transactionId");
  result->message = g_strdup (status);
  fill_amounts (result, obj);
  if (st == SALDO_TOP_UP_STATUS_FAILED) {
    result->error_code = g_strdup (status);
    result->error = g_error_new (SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_REJECTED,
                                 "Reloadly reports the top-up as %s; nothing was charged",
                                 g_strcmp0 (status, "REFUNDED") == 0 ? "refunded" : "failed");
  }
  return g_steal_pointer (&result);
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

SaldoTopUpResult *
saldo_provider_reloadly_parse_top_up (const SaldoTopUpRequest *req, const SaldoHttpResponse *response)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  g_autoptr(SaldoTopUpResult) result = NULL;
  JsonObject *obj;

  obj = parse_object (response->body, parser);
  if (response->status >= 200 && response->status < 300) {
    if (obj == NULL)
      return unknown_result (req, g_error_new (SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                                               "Reloadly accepted the top-up but its reply "
                                               "is not valid JSON (HTTP %ld)",
                                               response->status));
    result = result_from_transaction (obj, req->reference, &local_error);
    if (result == NULL)
      return unknown_result (req, g_steal_pointer (&local_error));
    if (result->requested_currency == NULL) {
      result->requested_amount = req->amount;
      result->requested_currency = g_strdup (req->currency);
    }
    return g_steal_pointer (&result);
  }

  /* An error object on a 4xx is Reloadly refusing the request; anything
   * else (5xx, proxies' HTML pages) says nothing about whether it charged. */
  if (response->status >= 400 && response->status < 500 && get_string (obj, "errorCode") != NULL) {
    GError *reason = error_for_code (get_string (obj, "errorCode"), get_string (obj, "message"),
                                     response->status);
    result = saldo_top_up_result_new (SALDO_TOP_UP_STATUS_FAILED, req->reference);
    result->requested_amount = req->amount;
    result->requested_currency = g_strdup (req->currency);
    result->error_code = g_strdup (get_string (obj, "errorCode"));
    result->message = g_strdup (get_string (obj, "message"));
    result->error = reason;
    if (g_error_matches (reason, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_DUPLICATE_REFERENCE))
      result->status = SALDO_TOP_UP_STATUS_UNKNOWN;
    return g_steal_pointer (&result);
  }
  return unknown_result (req, g_error_new (SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                                           "Reloadly answered the top-up with HTTP %ld; "
                                           "its outcome is unknown until looked up",
                                           response->status));
}

SaldoTopUpResult *
saldo_provider_reloadly_parse_report (const char              *reference,
                                      const SaldoHttpResponse *response,
                                      gint64                   page,
                                      gboolean                *out_more,
                                      GError                 **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *obj;
  JsonNode   *content;
  JsonNode   *total;
  JsonArray  *array;

  if (out_more != NULL)
    *out_more = FALSE;
  obj = parse_object (response->body, parser);
  if (response->status != 200) {
    /* Including a 404: a path or a proxy, never "no such top-up". */
    g_propagate_error (error, error_for_code (get_string (obj, "errorCode"), get_string (obj, "message"),
                                              response->status));
    return NULL;
  }
  content = obj != NULL ? json_object_get_member (obj, "content") : NULL;
  total = obj != NULL ? json_object_get_member (obj, "totalPages") : NULL;
  if (content == NULL || !JSON_NODE_HOLDS_ARRAY (content) || total == NULL ||
      !JSON_NODE_HOLDS_VALUE (total) || json_node_get_value_type (total) != G_TYPE_INT64 ||
      json_node_get_int (total) < 0) {
    g_set_error_literal (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                         "Reloadly's transaction report is malformed (no content or "
                         "totalPages), so the outcome stays unknown");
    return NULL;
  }
  array = json_node_get_array (content);
  for (guint i = 0; i < json_array_get_length (array); i++) {
    JsonNode *item = json_array_get_element (array, i);

    if (JSON_NODE_HOLDS_OBJECT (item) &&
        g_strcmp0 (get_string (json_node_get_object (item), "customIdentifier"), reference) == 0)
      return result_from_transaction (json_node_get_object (item), reference, error);
  }
  if (page < json_node_get_int (total) && out_more != NULL) {
    *out_more = TRUE;
    return NULL;
  }
  g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_NOT_FOUND,
               "Reloadly has no top-up with reference %s (%" G_GINT64_FORMAT " report page(s) read)",
               reference, page);
  return NULL;
}

static SaldoTopUpResult *
do_top_up (SaldoProvider *provider, const SaldoTopUpRequest *req, GCancellable *cancellable, GError **error)
{
  SaldoProviderReloadly *self = SALDO_PROVIDER_RELOADLY (provider);
  g_autoptr(SaldoHttpResponse) response = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *amount = NULL;
  g_autofree char *body = NULL;
  Operator        *op;
  gboolean         use_local;
  gboolean         maybe_sent = FALSE;

  if (req->phone == NULL) {
    g_set_error_literal (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_NO_NUMBER,
                         "The line has no known phone number, and Reloadly tops up by number");
    return NULL;
  }
  if (req->country == NULL) {
    g_set_error_literal (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_REQUEST,
                         "Reloadly needs the country of the line");
    return NULL;
  }

  op = detect_operator (self, req, cancellable, error);
  if (op == NULL)
    return NULL;
  if (g_strcmp0 (req->currency, op->destination_currency) == 0)
    use_local = TRUE;
  else if (g_strcmp0 (req->currency, op->sender_currency) == 0)
    use_local = FALSE;
  else {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_AMOUNT,
                 "Reloadly takes amounts for this operator in %s or in the account "
                 "currency %s, not %s",
                 op->destination_currency != NULL ? op->destination_currency : "?",
                 op->sender_currency != NULL ? op->sender_currency : "?", req->currency);
    operator_free (op);
    return NULL;
  }

  /* Written by hand rather than with JsonBuilder: the amount must go out as
   * the exact decimal, which a double cannot guarantee. Every field was
   * validated to a safe character set by saldo_top_up_request_validate(). */
  amount = saldo_money_to_decimal (req->amount, req->currency);
  body = g_strdup_printf ("{\"operatorId\":%" G_GINT64_FORMAT ",\"amount\":%s,"
                          "\"useLocalAmount\":%s,\"customIdentifier\":\"%s\","
                          "\"recipientPhone\":{\"countryCode\":\"%s\",\"number\":\"%s\"}}",
                          op->id, amount, use_local ? "true" : "false", req->reference, req->country,
                          req->phone);
  operator_free (op);

  /* Never SALDO_HTTP_FLAGS_IDEMPOTENT: this request may charge. */
  response = api_request (self, "POST", "/topups", body, SALDO_HTTP_FLAGS_NONE, &maybe_sent, cancellable,
                          &local_error);
  if (response == NULL) {
    if (!maybe_sent) {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
    return unknown_result (req, g_steal_pointer (&local_error));
  }

  return saldo_provider_reloadly_parse_top_up (req, response);
}

/* The report is paged: a reference is "not found" only once every page was
 * read, and only a report that says how many pages it has can tell. */
static SaldoTopUpResult *
do_lookup (SaldoProvider *provider, const char *reference, GCancellable *cancellable, GError **error)
{
  SaldoProviderReloadly *self = SALDO_PROVIDER_RELOADLY (provider);

  for (gint64 page = 1; page <= REPORT_MAX_PAGES; page++) {
    g_autofree char *path = g_strdup_printf ("/topups/reports/transactions?customIdentifier=%s"
                                             "&page=%" G_GINT64_FORMAT "&size=%d",
                                             reference, page, REPORT_PAGE_SIZE);
    g_autoptr(SaldoHttpResponse) response = NULL;
    SaldoTopUpResult *result;
    gboolean          more = FALSE;
    gboolean          sent;

    response = api_request (self, "GET", path, NULL, SALDO_HTTP_FLAGS_IDEMPOTENT, &sent, cancellable, error);
    if (response == NULL)
      return NULL;
    result = saldo_provider_reloadly_parse_report (reference, response, page, &more, error);
    if (result != NULL || !more)
      return result;
  }
  g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
               "Reloadly's transaction report has more than %d pages; the outcome stays unknown",
               REPORT_MAX_PAGES);
  return NULL;
}

/* ---- SaldoProvider vfuncs ---- */

static void
saldo_provider_reloadly_top_up_async (SaldoProvider      *provider,
                                      SaldoTopUpRequest  *req,
                                      GCancellable       *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer            user_data)
{
  saldo_provider_top_up_in_thread (provider, req, do_top_up, cancellable, callback, user_data);
}

static void
saldo_provider_reloadly_lookup_async (SaldoProvider      *provider,
                                      const char         *reference,
                                      GCancellable       *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer            user_data)
{
  saldo_provider_lookup_in_thread (provider, reference, do_lookup, cancellable, callback, user_data);
}

static void
saldo_provider_reloadly_account_async (SaldoProvider      *provider,
                                       GCancellable       *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data)
{
  saldo_provider_account_in_thread (provider, do_account, cancellable, callback, user_data);
}

static gboolean
saldo_provider_reloadly_configure (SaldoProvider *provider,
                                   GKeyFile      *kf,
                                   const char    *config_dir,
                                   GError       **error)
{
  SaldoProviderReloadly *self = SALDO_PROVIDER_RELOADLY (provider);
  g_autofree char       *client_id = NULL;
  g_autofree char       *auth_url = NULL;
  g_autofree char       *api_url = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean sandbox;
  gint64   grace = DEFAULT_NOT_FOUND_GRACE;
  char    *secret;

  client_id = g_key_file_get_string (kf, SALDO_PROVIDER_GROUP, "ClientId", NULL);
  if (client_id == NULL || *client_id == '\0') {
    g_set_error_literal (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                         "ClientId= is required");
    return FALSE;
  }
  sandbox = g_key_file_get_boolean (kf, SALDO_PROVIDER_GROUP, "Sandbox", &local_error);
  if (local_error != NULL &&
      !g_error_matches (local_error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND)) {
    g_set_error_literal (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                         "Sandbox= must be true or false");
    return FALSE;
  }
  if (g_key_file_has_key (kf, SALDO_PROVIDER_GROUP, "NotFoundGraceSec", NULL)) {
    g_autoptr(GError) grace_error = NULL;

    grace = g_key_file_get_int64 (kf, SALDO_PROVIDER_GROUP, "NotFoundGraceSec", &grace_error);
    if (grace_error != NULL || grace < 0 || grace > 7 * 86400) {
      g_set_error_literal (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                           "NotFoundGraceSec= must be a number of seconds from 0 to 604800");
      return FALSE;
    }
  }
  auth_url = g_key_file_get_string (kf, SALDO_PROVIDER_GROUP, "AuthUrl", NULL);
  api_url = g_key_file_get_string (kf, SALDO_PROVIDER_GROUP, "ApiUrl", NULL);
  if (auth_url == NULL)
    auth_url = g_strdup (AUTH_URL);
  if (api_url == NULL)
    api_url = g_strdup (sandbox ? API_URL_SANDBOX : API_URL);
  /* Paths are appended to the base, so a trailing '/' would double up. */
  while (g_str_has_suffix (api_url, "/"))
    api_url[strlen (api_url) - 1] = '\0';
  if (!saldo_http_check_url (auth_url, error) || !saldo_http_check_url (api_url, error))
    return FALSE;
  if (!saldo_http_configure (self->http, kf, config_dir, error))
    return FALSE;
  secret = saldo_secret_load (saldo_provider_get_id (provider), kf, "ClientSecretFile", config_dir, error);
  if (secret == NULL)
    return FALSE;

  g_mutex_lock (&self->lock);
  clear_token_locked (self);
  g_hash_table_remove_all (self->operators);
  g_mutex_unlock (&self->lock);
  saldo_secret_free (self->client_secret);
  self->client_secret = secret;
  g_free (self->client_id);
  self->client_id = g_steal_pointer (&client_id);
  g_free (self->auth_url);
  self->auth_url = g_steal_pointer (&auth_url);
  g_free (self->api_url);
  self->api_url = g_steal_pointer (&api_url);
  g_free (self->audience);
  self->audience = g_strdup (sandbox ? API_URL_SANDBOX : API_URL);
  saldo_provider_set_not_found_grace (provider, grace);
  return TRUE;
}

static char *
saldo_provider_reloadly_describe (SaldoProvider *provider)
{
  SaldoProviderReloadly *self = SALDO_PROVIDER_RELOADLY (provider);

  return g_strdup_printf ("reloadly provider “%s” (%s)", saldo_provider_get_id (provider),
                          self->api_url != NULL ? self->api_url : "not configured");
}

static void
saldo_provider_reloadly_finalize (GObject *object)
{
  SaldoProviderReloadly *self = SALDO_PROVIDER_RELOADLY (object);

  clear_token_locked (self);
  saldo_secret_free (self->client_secret);
  g_free (self->client_id);
  g_free (self->auth_url);
  g_free (self->api_url);
  g_free (self->audience);
  g_hash_table_unref (self->operators);
  saldo_http_free (self->http);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (saldo_provider_reloadly_parent_class)->finalize (object);
}

static void
saldo_provider_reloadly_class_init (SaldoProviderReloadlyClass *klass)
{
  GObjectClass       *object_class = G_OBJECT_CLASS (klass);
  SaldoProviderClass *provider_class = SALDO_PROVIDER_CLASS (klass);

  object_class->finalize = saldo_provider_reloadly_finalize;
  provider_class->type_name = "reloadly";
  provider_class->configure = saldo_provider_reloadly_configure;
  provider_class->top_up_async = saldo_provider_reloadly_top_up_async;
  provider_class->lookup_async = saldo_provider_reloadly_lookup_async;
  provider_class->account_async = saldo_provider_reloadly_account_async;
  provider_class->describe = saldo_provider_reloadly_describe;
}

static void
saldo_provider_reloadly_init (SaldoProviderReloadly *self)
{
  g_mutex_init (&self->lock);
  self->http = saldo_http_new ();
  self->operators = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, operator_free);
}
