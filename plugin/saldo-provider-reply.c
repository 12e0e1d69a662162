/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoProvider"

#include "saldo-provider-reply.h"

#include <json-glib/json-glib.h>

#include "saldo-money.h"

/* The reply schema shared by the http webhook and the command provider:
 *   {"status": "succeeded"|"pending"|"failed"|"not_found",
 *    "transaction_id": "...", "delivered_amount": "12.50", "currency": "EUR",
 *    "message": "...", "error_code": "insufficient_funds"|...}
 * and for the account query:
 *   {"balance": "12.50", "currency": "USD"}  or  {"error_code": ..., "message": ...}
 * The error codes are those of card processors (Stripe's card_declined,
 * expired_card...) as well as Saldo's own names.
 */

static const struct {
  const char        *code;
  SaldoProviderError error;
  const char        *text;
} failure_codes[] = {
  { "insufficient_funds", SALDO_PROVIDER_ERROR_INSUFFICIENT_FUNDS,
    "The top-up account has insufficient funds" },
  { "recently_recharged", SALDO_PROVIDER_ERROR_RECENTLY_RECHARGED,
    "The line was topped up moments ago; try again in a few minutes" },
  { "invalid_amount", SALDO_PROVIDER_ERROR_INVALID_AMOUNT, "The amount is not accepted for this line" },
  { "no_number", SALDO_PROVIDER_ERROR_NO_NUMBER, "The provider needs the line's phone number" },
  { "auth_failed", SALDO_PROVIDER_ERROR_AUTH_FAILED, "The provider refused our credentials" },
  { "invalid_credentials", SALDO_PROVIDER_ERROR_AUTH_FAILED, "The provider refused our credentials" },
  { "duplicate_reference", SALDO_PROVIDER_ERROR_DUPLICATE_REFERENCE,
    "The provider already has a top-up with this reference" },
  { "payment_declined", SALDO_PROVIDER_ERROR_PAYMENT_DECLINED, "The payment method was declined" },
  { "card_declined", SALDO_PROVIDER_ERROR_PAYMENT_DECLINED, "The payment card was declined" },
  { "payment_expired", SALDO_PROVIDER_ERROR_PAYMENT_EXPIRED, "The payment method has expired" },
  { "expired_card", SALDO_PROVIDER_ERROR_PAYMENT_EXPIRED, "The payment card has expired" },
  { "card_expired", SALDO_PROVIDER_ERROR_PAYMENT_EXPIRED, "The payment card has expired" },
  { "unavailable", SALDO_PROVIDER_ERROR_UNAVAILABLE, "The provider is unavailable for now" },
  { "not_supported", SALDO_PROVIDER_ERROR_NOT_SUPPORTED, "The provider cannot answer this" },
};

/* A provider's own words go into errors the owner reads: valid UTF-8 and
 * short, whatever the provider sent. */
#define MESSAGE_MAX_CHARS 200

static char *
clip_message (const char *message)
{
  g_autofree char *valid = g_utf8_make_valid (message, -1);

  if (g_utf8_strlen (valid, -1) <= MESSAGE_MAX_CHARS)
    return g_steal_pointer (&valid);
  return g_utf8_substring (valid, 0, MESSAGE_MAX_CHARS);
}

GError *
saldo_provider_reply_error (const char *error_code, const char *message)
{
  for (guint i = 0; i < G_N_ELEMENTS (failure_codes); i++) {
    if (g_strcmp0 (failure_codes[i].code, error_code) == 0) {
      if (message != NULL) {
        g_autofree char *clipped = clip_message (message);

        return g_error_new (SALDO_PROVIDER_ERROR, failure_codes[i].error, "%s: %s", failure_codes[i].text,
                            clipped);
      }
      return g_error_new_literal (SALDO_PROVIDER_ERROR, failure_codes[i].error, failure_codes[i].text);
    }
  }
  return NULL;
}

static const char *
member_string (JsonObject *obj, const char *name)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* An exact amount of @currency from a decimal string or a JSON number. */
static gboolean
read_money (JsonNode *node, const char *what, const char *currency, gint64 *out, GError **error)
{
  GType type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;

  if (type == G_TYPE_STRING) {
    g_autoptr(GError) money_error = NULL;

    if (saldo_money_parse_decimal (json_node_get_string (node), currency, out, &money_error))
      return TRUE;
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL, "%s: %s", what,
                 money_error->message);
    return FALSE;
  }
  if ((type == G_TYPE_INT64 || type == G_TYPE_DOUBLE) &&
      saldo_money_from_double (json_node_get_double (node), currency, out))
    return TRUE;
  g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL, "%s is not a number", what);
  return FALSE;
}

static gboolean
parse_amount (JsonObject *obj, const char *currency, gint64 *out, GError **error)
{
  JsonNode *node = json_object_get_member (obj, "delivered_amount");

  /* Without a currency (a lookup whose reply names none) the amount
   * cannot be read exactly: it stays unknown rather than guessed. */
  if (node == NULL || JSON_NODE_HOLDS_NULL (node) || currency == NULL) {
    *out = -1;
    return TRUE;
  }
  return read_money (node, "delivered_amount", currency, out, error);
}

static JsonObject *
load_object (JsonParser *parser, const char *data, gsize len, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  /* An empty body has no data pointer at all, which json-glib refuses
   * without setting an error. */
  if (data == NULL || len == 0) {
    g_set_error_literal (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL, "Empty reply");
    return NULL;
  }
  if (!json_parser_load_from_data (parser, data, (gssize) len, &local_error)) {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL, "Malformed JSON reply: %s",
                 local_error->message);
    return NULL;
  }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error_literal (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                         "Reply is not a JSON object");
    return NULL;
  }
  return json_node_get_object (root);
}

SaldoProviderAccount *
saldo_provider_account_reply_parse (const char *data, gsize len, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *obj;
  JsonNode   *balance;
  const char *currency;
  const char *error_code;
  gint64      funds = 0;

  obj = load_object (parser, data, len, error);
  if (obj == NULL)
    return NULL;
  error_code = member_string (obj, "error_code");
  if (error_code != NULL) {
    const char *message = member_string (obj, "message");
    GError     *reason = saldo_provider_reply_error (error_code, message);

    if (reason == NULL) {
      g_autofree char *code = clip_message (error_code);
      g_autofree char *clipped = message != NULL ? clip_message (message) : NULL;

      reason = g_error_new (SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_REJECTED,
                            "The provider did not tell its funds: %s%s%s", code, clipped != NULL ? ", " : "",
                            clipped != NULL ? clipped : "");
    }
    g_propagate_error (error, reason);
    return NULL;
  }
  currency = member_string (obj, "currency");
  if (!saldo_currency_is_valid (currency)) {
    g_set_error_literal (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                         "The account reply has no valid \"currency\"");
    return NULL;
  }
  balance = json_object_get_member (obj, "balance");
  if (balance == NULL) {
    g_set_error_literal (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                         "The account reply has no \"balance\"");
    return NULL;
  }
  if (!read_money (balance, "balance", currency, &funds, error))
    return NULL;
  return saldo_provider_account_new (funds, currency);
}

SaldoTopUpResult *
saldo_provider_reply_parse (const char              *data,
                            gsize                    len,
                            const char              *reference,
                            const SaldoTopUpRequest *req,
                            GError                 **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(SaldoTopUpResult) result = NULL;
  JsonObject *obj;
  const char *status;
  const char *currency;
  const char *error_code;

  obj = load_object (parser, data, len, error);
  if (obj == NULL)
    return NULL;
  status = member_string (obj, "status");
  if (status == NULL) {
    g_set_error_literal (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                         "Reply has no \"status\"");
    return NULL;
  }
  if (g_strcmp0 (status, "not_found") == 0) {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_NOT_FOUND,
                 "The provider has no top-up with reference %s", reference);
    return NULL;
  }

  if (g_strcmp0 (status, "succeeded") == 0)
    result = saldo_top_up_result_new (SALDO_TOP_UP_STATUS_SUCCEEDED, reference);
  else if (g_strcmp0 (status, "pending") == 0)
    result = saldo_top_up_result_new (SALDO_TOP_UP_STATUS_PENDING, reference);
  else if (g_strcmp0 (status, "failed") == 0)
    result = saldo_top_up_result_new (SALDO_TOP_UP_STATUS_FAILED, reference);
  else {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL, "Unknown status “%s” in reply",
                 status);
    return NULL;
  }

  currency = member_string (obj, "currency");
  if (currency != NULL && !saldo_currency_is_valid (currency)) {
    g_set_error_literal (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                         "Reply has an invalid currency");
    return NULL;
  }
  if (currency == NULL && req != NULL)
    currency = req->currency;
  if (!parse_amount (obj, currency, &result->delivered_amount, error))
    return NULL;
  if (result->delivered_amount >= 0)
    result->delivered_currency = g_strdup (currency);
  if (req != NULL) {
    result->requested_amount = req->amount;
    result->requested_currency = g_strdup (req->currency);
  }
  result->transaction_id = g_strdup (member_string (obj, "transaction_id"));
  result->message = g_strdup (member_string (obj, "message"));
  error_code = member_string (obj, "error_code");
  result->error_code = g_strdup (error_code);

  if (result->status == SALDO_TOP_UP_STATUS_FAILED) {
    result->error = saldo_provider_reply_error (error_code, NULL);
    if (result->error == NULL)
      result->error = g_error_new (SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_REJECTED,
                                   "The provider refused the top-up%s%s", result->message != NULL ? ": " : "",
                                   result->message != NULL ? result->message : "");
    /* An earlier request with this reference exists and may have
       * charged: that is for lookup to settle, never a plain failure. */
    if (g_error_matches (result->error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_DUPLICATE_REFERENCE))
      result->status = SALDO_TOP_UP_STATUS_UNKNOWN;
  }
  return g_steal_pointer (&result);
}
