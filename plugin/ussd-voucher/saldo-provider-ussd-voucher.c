/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoProviderUssdVoucher"

#include "config.h"

#include <string.h>

#include "saldo-money.h"
#include "saldo-carrier.h"
#include "saldo-provider-ussd-voucher.h"
#include "saldo-secret.h"

/* Tops a line up by dialling the carrier's voucher USSD with a PIN from a
 * root-only voucher file.  A PIN is claimed in the ledger (durably, by its
 * SHA-256) before it is dialled, so no crash or retry ever dials it twice.
 * The ledger and the line's modem come through the provider context, so it
 * works only inside saldod. */

/* Refusals as carriers word them in Spanish, English, Portuguese and
 * French (tests/data/voucher-replies.txt).  A success word after a negation
 * in the same sentence is a refusal ("no ha sido realizada", "not
 * successful", "n'a pas été effectuée", "sin éxito"): a success pattern
 * alone would read those as success.  There is no built-in success pattern:
 * only the carrier's own words (VoucherSuccess=) or a rise of the balance
 * say a voucher was taken. */
static const char refusal_pattern[] =
  "(?i)"
  /* a negation, then within a few words of the sentence a word of success */
  "(?:\\b(?:no|not|n[ãa]o|nao|non|ne|never|nunca|jamais)\\b|\\bn['’])[^.!?\\n]{0,20}?"
  "(?:[eé]xit|exitos|realiz|efetu|efectu|effectu|r[ée]ussi|success|sucesso|succ[eè]s|acept|"
  "aceit|accept|proces|process|aplic|appli|complet|conclu)"
  "|\\b(?:sin|sem|sans)\\s+(?:[eé]xito|sucesso|succ[eè]s)|\\b(?:un|in)success"
  "|\\bnot\\s+(?:been\\s+)?credited|\\bno\\s+(?:fue\\s+|ha\\s+sido\\s+|se\\s+ha\\s+)?(?:acreditad|abonad)"
  "|n[ãa]o\\s+foi\\s+creditad"
  /* failure words */
  "|\\bfall(?:[oó]|ida|ido|ada|aron)\\b|\\bfail|\\bfalh|[eé]chou|[eé]chec"
  "|\\berror|\\berreur|\\berro\\b|inv[aá]lid|incorrect|incorret|err[oó]ne"
  "|\\bnot\\s+valid|\\bno\\s+(?:es\\s+)?v[aá]lid|n[ãa]o\\s+(?:[ée]\\s+)?v[aá]lid|\\bnon\\s+valid"
  /* already used, expired, refused, blocked */
  "|\\bya\\s+(?:fue\\s+|ha\\s+sido\\s+)?(?:usad|utilizad|cargad|canjead|redimid)"
  "|already\\s+(?:been\\s+)?(?:used|redeemed|loaded)|j[aá]\\s+(?:foi\\s+)?(?:usad|utilizad|resgatad)"
  "|d[ée]j[àa]\\s+(?:[ée]t[ée]\\s+)?utilis"
  "|\\bexpired\\b|expirad[oa]|expirée?s?\\b|vencid[oa]|caducad[oa]"
  "|rechaz|rejeit|recusad|\\breject|\\bdeclined|refusée?\\b|bloquead|\\bblocked|bloquée?\\b"
  /* could not */
  "|could\\s+not|\\bcannot\\b|can['’]t\\b|\\bunable\\b|impossible|\\bno\\s+(?:es|fue)\\s+posible"
  "|\\bno\\s+se\\s+pudo|\\bno\\s+pudo|n[ãa]o\\s+(?:foi\\s+)?poss[ií]vel"
  "|\\bno\\s+existe|does\\s+not\\s+exist|n[ãa]o\\s+existe|n['’]existe\\s+pas"
  "|int[eé]ntelo|try\\s+again|tente\\s+novamente|r[ée]essay";

GRegex *
saldo_voucher_refusal_regex_new (void)
{
  g_autoptr(GError) error = NULL;
  GRegex *regex = g_regex_new (refusal_pattern, G_REGEX_OPTIMIZE, 0, &error);

  /* A constant: a failure here is a bug, caught by the tests. */
  g_assert_no_error (error);
  return regex;
}

SaldoVoucherReply
saldo_voucher_reply_classify (const SaldoVoucherPatterns *patterns, const char *reply)
{
  if (reply == NULL)
    return SALDO_VOUCHER_REPLY_UNCLEAR;
  if (g_regex_match (patterns->refusal, reply, 0, NULL))
    return SALDO_VOUCHER_REPLY_REFUSED;
  for (guint i = 0; i < G_N_ELEMENTS (patterns->failure); i++)
    if (patterns->failure[i] != NULL && g_regex_match (patterns->failure[i], reply, 0, NULL))
      return SALDO_VOUCHER_REPLY_REFUSED;
  if (patterns->success != NULL && g_regex_match (patterns->success, reply, 0, NULL))
    return SALDO_VOUCHER_REPLY_ACCEPTED;
  return SALDO_VOUCHER_REPLY_UNCLEAR;
}

struct _SaldoProviderUssdVoucher {
  SaldoProvider parent_instance;
  char         *voucher_file;
  char         *template_override;
  GRegex       *refusal;
  GRegex       *success; /* SuccessPattern=, or NULL: the carrier's */
  GRegex       *failure; /* FailurePattern=, or NULL */
};

G_DEFINE_TYPE (SaldoProviderUssdVoucher, saldo_provider_ussd_voucher, SALDO_TYPE_PROVIDER)

/* One top-up while it is dialled; the PIN is wiped with it. */
typedef struct {
  SaldoTopUpRequest    *req;
  SaldoProviderContext *context;
  char                 *pin;
} Dialling;

static void
dialling_free (Dialling *dialling)
{
  saldo_top_up_request_free (dialling->req);
  g_clear_object (&dialling->context);
  saldo_secret_free (dialling->pin);
  g_free (dialling);
}

/* An optional pattern: FALSE only when it is set and does not compile. */
static gboolean
compile_pattern (GKeyFile *kf, const char *key, GRegex **out, GError **error)
{
  g_autofree char *pattern = g_key_file_get_string (kf, SALDO_PROVIDER_GROUP, key, NULL);
  g_autoptr(GError) local_error = NULL;

  if (pattern == NULL || *g_strstrip (pattern) == '\0')
    return TRUE;
  *out = g_regex_new (pattern, G_REGEX_OPTIMIZE, 0, &local_error);
  if (*out == NULL)
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG, "%s: %s", key,
                 local_error->message);
  return *out != NULL;
}

static gboolean
saldo_provider_ussd_voucher_configure (SaldoProvider *provider,
                                       GKeyFile      *kf,
                                       const char    *config_dir,
                                       GError       **error)
{
  SaldoProviderUssdVoucher *self = SALDO_PROVIDER_USSD_VOUCHER (provider);
  g_autofree char          *file = g_key_file_get_string (kf, SALDO_PROVIDER_GROUP, "VoucherFile", NULL);
  g_autofree char *template = g_key_file_get_string (kf, SALDO_PROVIDER_GROUP, "Template", NULL);

  if (file == NULL) {
    g_set_error_literal (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                         "VoucherFile= is required (a root-only file, one \"PIN AMOUNT\" per line)");
    return FALSE;
  }
  if (template != NULL) {
    g_autoptr(GError) local_error = NULL;

    if (!saldo_voucher_template_validate (template, &local_error)) {
      g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG, "Template=: %s",
                   local_error->message);
      return FALSE;
    }
  }
  self->voucher_file = g_path_is_absolute (file) ? g_steal_pointer (&file)
                                                 : g_build_filename (config_dir, file, NULL);
  self->template_override = g_steal_pointer (&template);
  return compile_pattern (kf, "SuccessPattern", &self->success, error) &&
         compile_pattern (kf, "FailurePattern", &self->failure, error);
}

GPtrArray *
saldo_voucher_file_find_pins (const char *contents, gint64 amount, const char *currency)
{
  g_autoptr(GPtrArray) pins = g_ptr_array_new_with_free_func ((GDestroyNotify) saldo_secret_free);
  g_auto(GStrv) lines = g_strsplit (contents, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++) {
    g_auto(GStrv) fields = NULL;
    gint64 value;

    g_strstrip (lines[i]);
    if (*lines[i] == '\0' || *lines[i] == '#')
      continue;
    fields = g_strsplit_set (lines[i], " \t", -1);
    if (g_strv_length (fields) < 2 ||
        !saldo_money_parse_decimal (fields[g_strv_length (fields) - 1], currency, &value, NULL))
      continue;
    /* A PIN is digits only, whatever amount was asked for. */
    if (strspn (fields[0], "0123456789") != strlen (fields[0]) || value != amount ||
        strlen (fields[0]) < SALDO_CARRIER_VOUCHER_PIN_MIN_LEN ||
        strlen (fields[0]) > SALDO_CARRIER_VOUCHER_PIN_MAX_LEN)
      continue;
    g_ptr_array_add (pins, g_strdup (fields[0]));
  }
  return g_steal_pointer (&pins);
}

/* Picks an unused voucher of exactly the amount; the PIN never appears in
 * an error message or a log line. */
static char *
pick_voucher (SaldoProviderUssdVoucher *self,
              SaldoProviderContext     *context,
              gint64                    amount,
              const char               *currency,
              GError                  **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GPtrArray) pins = NULL;

  contents = saldo_secret_read_file (self->voucher_file, TRUE, error);
  if (contents == NULL)
    return NULL;
  pins = saldo_voucher_file_find_pins (contents, amount, currency);
  saldo_secret_free (g_steal_pointer (&contents));
  for (guint i = 0; i < pins->len; i++) {
    gboolean used = TRUE;

    if (!saldo_provider_context_voucher_is_used (context, g_ptr_array_index (pins, i), &used, error))
      return NULL;
    if (!used)
      return g_strdup (g_ptr_array_index (pins, i));
  }
  g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_AMOUNT,
               "no unused voucher of that amount is left in %s", self->voucher_file);
  return NULL;
}

static void
on_dialled (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SaldoProviderUssdVoucher *self = g_task_get_source_object (task);
  Dialling                 *dialling = g_task_get_task_data (task);
  SaldoTopUpRequest        *req = dialling->req;
  g_autoptr(GError) error = NULL;
  /* The context masks the PIN in the reply and in errors, whatever the
   * network or ModemManager echoes: it never reaches the ledger, GetTopUps
   * or the journal, however short it is. */
  g_autofree char *reply = saldo_provider_context_dial_finish (SALDO_PROVIDER_CONTEXT (source), result,
                                                               &error);
  g_autoptr(GRegex) carrier_success = NULL;
  g_autoptr(GRegex) carrier_failure = NULL;
  SaldoVoucherPatterns patterns = { 0 };
  SaldoTopUpResult    *res;

  if (reply == NULL) {
    /* The code left the machine: whether the carrier took the PIN is not
     * known.  The PIN stays claimed; the balance will tell. */
    g_task_return_pointer (task, saldo_top_up_result_new_unknown (req->reference, error),
                           (GDestroyNotify) saldo_top_up_result_free);
    return;
  }
  saldo_provider_context_voucher_patterns (dialling->context, req->iccid, &carrier_success, &carrier_failure);
  patterns.refusal = self->refusal;
  patterns.failure[0] = carrier_failure;
  patterns.failure[1] = self->failure;
  patterns.success = self->success != NULL ? self->success : carrier_success;
  switch (saldo_voucher_reply_classify (&patterns, reply)) {
  case SALDO_VOUCHER_REPLY_REFUSED:
    res = saldo_top_up_result_new (SALDO_TOP_UP_STATUS_FAILED, req->reference);
    res->error = g_error_new (SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_REJECTED,
                              "the carrier refused the voucher: %s", reply);
    break;
  case SALDO_VOUCHER_REPLY_ACCEPTED:
    res = saldo_top_up_result_new (SALDO_TOP_UP_STATUS_SUCCEEDED, req->reference);
    res->delivered_amount = req->amount;
    res->delivered_currency = g_strdup (req->currency);
    break;
  case SALDO_VOUCHER_REPLY_UNCLEAR:
  default: {
    g_autoptr(GError) unclear = NULL;

    unclear = g_error_new (SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                           "the carrier's reply neither confirms nor refuses%s; the balance "
                           "will tell",
                           patterns.success == NULL
                             ? " (no VoucherSuccess= in the carrier file, so no text can confirm)"
                             : "");
    res = saldo_top_up_result_new_unknown (req->reference, unclear);
    break;
  }
  }
  res->message = g_steal_pointer (&reply);
  res->requested_amount = req->amount;
  res->requested_currency = g_strdup (req->currency);
  g_task_return_pointer (task, res, (GDestroyNotify) saldo_top_up_result_free);
}

static void
saldo_provider_ussd_voucher_top_up_async (SaldoProvider      *provider,
                                          SaldoTopUpRequest  *req,
                                          GCancellable       *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer            user_data)
{
  SaldoProviderUssdVoucher *self = SALDO_PROVIDER_USSD_VOUCHER (provider);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;
  const char *template = self->template_override != NULL ? self->template_override : req->ussd_template;
  Dialling *dialling = g_new0 (Dialling, 1);

  dialling->req = saldo_top_up_request_copy (req);
  dialling->context = saldo_provider_get_context (provider);
  g_task_set_task_data (task, dialling, (GDestroyNotify) dialling_free);
  if (dialling->context == NULL) {
    g_task_return_new_error (task, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                             "ussd-voucher works only inside saldod");
    return;
  }
  if (template == NULL || !saldo_voucher_template_validate (template, NULL)) {
    g_task_return_new_error (task, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                             "no usable voucher USSD template: set VoucherUssd= in the carrier "
                             "definition or Template= for this provider");
    return;
  }
  dialling->pin = pick_voucher (self, dialling->context, req->amount, req->currency, &error);
  if (dialling->pin == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  /* A reference seen before means a re-send: its PIN was claimed (and may
   * have been dialled), so the claim fails; a voucher is never dialled
   * twice. */
  if (!saldo_provider_context_claim_voucher (dialling->context, req->reference, dialling->pin, &error)) {
    g_task_return_new_error (task, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_DUPLICATE_REFERENCE,
                             "cannot claim a voucher for this top-up: %s", error->message);
    return;
  }
  code = saldo_voucher_template_render (template, dialling->pin, &error);
  if (code == NULL) {
    g_task_return_new_error (task, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                             "voucher USSD: %s", error->message);
    return;
  }
  saldo_provider_context_dial_async (dialling->context, req->iccid, code, dialling->pin, cancellable,
                                     on_dialled, g_steal_pointer (&task));
  memset (code, 0, strlen (code));
}

/* A USSD voucher leaves no record that can be asked about later. */
static void
saldo_provider_ussd_voucher_lookup_async (SaldoProvider      *provider,
                                          const char         *reference,
                                          GCancellable       *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (provider, cancellable, callback, user_data);

  g_task_return_new_error (task, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                           "a voucher top-up cannot be looked up; the line's balance tells "
                           "whether it arrived");
}

static char *
saldo_provider_ussd_voucher_describe (SaldoProvider *provider)
{
  SaldoProviderUssdVoucher *self = SALDO_PROVIDER_USSD_VOUCHER (provider);

  return g_strdup_printf ("ussd-voucher (%s)", self->voucher_file != NULL ? self->voucher_file : "?");
}

static void
saldo_provider_ussd_voucher_finalize (GObject *object)
{
  SaldoProviderUssdVoucher *self = SALDO_PROVIDER_USSD_VOUCHER (object);

  g_free (self->voucher_file);
  g_free (self->template_override);
  g_clear_pointer (&self->refusal, g_regex_unref);
  g_clear_pointer (&self->success, g_regex_unref);
  g_clear_pointer (&self->failure, g_regex_unref);
  G_OBJECT_CLASS (saldo_provider_ussd_voucher_parent_class)->finalize (object);
}

static void
saldo_provider_ussd_voucher_class_init (SaldoProviderUssdVoucherClass *klass)
{
  SaldoProviderClass *provider_class = SALDO_PROVIDER_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = saldo_provider_ussd_voucher_finalize;
  provider_class->type_name = "ussd-voucher";
  provider_class->configure = saldo_provider_ussd_voucher_configure;
  provider_class->top_up_async = saldo_provider_ussd_voucher_top_up_async;
  provider_class->lookup_async = saldo_provider_ussd_voucher_lookup_async;
  provider_class->describe = saldo_provider_ussd_voucher_describe;
}

static void
saldo_provider_ussd_voucher_init (SaldoProviderUssdVoucher *self)
{
  self->refusal = saldo_voucher_refusal_regex_new ();
}
