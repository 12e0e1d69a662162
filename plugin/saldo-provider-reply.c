/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoProvider"

#include "saldo-provider-reply.h"

#include <json-glib/json-glib.h>

#include "saldo-money.h"

/* The reply schema shared by the http webhook and the command provider:
 *   {"status": "succeeded"|"pending"|"failed"|"not_found",
 *    "transaction_id": "...", "delivered_amount": "12.50", "currency": "EUR",
 *    "message": "...", "error_code": "insufficient_funds"|...}
 */

static const struct {
  const char *code;
  SaldoProviderError error;
  const char *text;
} failure_codes[] = {
  { "insufficient_funds", SALDO_PROVIDER_ERROR_INSUFFICIENT_FUNDS,
    "The top-up account has insufficient funds" },
  { "recently_recharged", SALDO_PROVIDER_ERROR_RECENTLY_RECHARGED,
    "The line was topped up moments ago; try again in a few minutes" },
  { "invalid_amount", SALDO_PROVIDER_ERROR_INVALID_AMOUNT,
    "The amount is not accepted for this line" },
  { "no_number", SALDO_PROVIDER_ERROR_NO_NUMBER,
    "The provider needs the line's phone number" },
  { "auth_failed", SALDO_PROVIDER_ERROR_AUTH_FAILED,
    "The provider refused our credentials" },
  { "duplicate_reference", SALDO_PROVIDER_ERROR_DUPLICATE_REFERENCE,
    "The provider already has a top-up with this reference" },
};

static const char *
member_string (JsonObject *obj, const char *name)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
parse_amount (JsonObject *obj, const char *currency, gint64 *out, GError **error)
{
  JsonNode *node = json_object_get_member (obj, "delivered_amount");
  GType type;

  /* Without a currency (a lookup whose reply names none) the amount
   * cannot be read exactly: it stays unknown rather than guessed. */
  if (node == NULL || JSON_NODE_HOLDS_NULL (node) || currency == NULL)
    {
      *out = -1;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node))
    {
      g_set_error_literal (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                           "delivered_amount is not a number");
      return FALSE;
    }
  type = json_node_get_value_type (node);
  if (type == G_TYPE_STRING)
    {
      g_autoptr(GError) money_error = NULL;

      if (saldo_money_parse_decimal (json_node_get_string (node), currency, out, &money_error))
        return TRUE;
      g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                   "delivered_amount: %s", money_error->message);
      return FALSE;
    }
  if (type == G_TYPE_INT64 || type == G_TYPE_DOUBLE)
    {
      if (saldo_money_from_double (json_node_get_double (node), currency, out))
        return TRUE;
    }
  g_set_error_literal (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                       "delivered_amount is not a number");
  return FALSE;
}

SaldoTopUpResult *
saldo_provider_reply_parse (const char               *data,
                            gsize                     len,
                            const char               *reference,
                            const SaldoTopUpRequest  *req,
                            GError                  **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(SaldoTopUpResult) result = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;
  JsonObject *obj;
  const char *status;
  const char *currency;
  const char *error_code;

  /* An empty body has no data pointer at all, which json-glib refuses
   * without setting an error. */
  if (data == NULL || len == 0)
    {
      g_set_error_literal (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                           "Empty reply");
      return NULL;
    }
  if (!json_parser_load_from_data (parser, data, (gssize) len, &local_error))
    {
      g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                   "Malformed JSON reply: %s", local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                           "Reply is not a JSON object");
      return NULL;
    }
  obj = json_node_get_object (root);
  status = member_string (obj, "status");
  if (status == NULL)
    {
      g_set_error_literal (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                           "Reply has no \"status\"");
      return NULL;
    }
  if (g_strcmp0 (status, "not_found") == 0)
    {
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
  else
    {
      g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                   "Unknown status “%s” in reply", status);
      return NULL;
    }

  currency = member_string (obj, "currency");
  if (currency != NULL && !saldo_currency_is_valid (currency))
    {
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
  if (req != NULL)
    {
      result->requested_amount = req->amount;
      result->requested_currency = g_strdup (req->currency);
    }
  result->transaction_id = g_strdup (member_string (obj, "transaction_id"));
  result->message = g_strdup (member_string (obj, "message"));
  error_code = member_string (obj, "error_code");
  result->error_code = g_strdup (error_code);

  if (result->status == SALDO_TOP_UP_STATUS_FAILED)
    {
      for (guint i = 0; i < G_N_ELEMENTS (failure_codes); i++)
        {
          if (g_strcmp0 (failure_codes[i].code, error_code) == 0)
            result->error = g_error_new_literal (SALDO_PROVIDER_ERROR,
                                                 failure_codes[i].error,
                                                 failure_codes[i].text);
        }
      if (result->error == NULL)
        result->error = g_error_new (SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_REJECTED,
                                     "The provider refused the top-up%s%s",
                                     result->message != NULL ? ": " : "",
                                     result->message != NULL ? result->message : "");
      /* An earlier request with this reference exists and may have
       * charged: that is for lookup to settle, never a plain failure. */
      if (g_error_matches (result->error, SALDO_PROVIDER_ERROR,
                           SALDO_PROVIDER_ERROR_DUPLICATE_REFERENCE))
        result->status = SALDO_TOP_UP_STATUS_UNKNOWN;
    }
  return g_steal_pointer (&result);
}
