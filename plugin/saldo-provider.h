/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

#include "saldo-provider-context.h"

G_BEGIN_DECLS

/* Bump the major on any change to SaldoProviderClass's layout, the
 * request/result structs or the error codes' meaning; bump the minor when
 * only adding functions, error codes at the end, or virtual functions in
 * the class's padding (a plugin built for an older minor inherits the base
 * class's defaults for them).
 * A plugin loads when its major matches and its minor is not newer than the
 * daemon's.  1.1: the account query and failure classes; 1.2: the
 * provider context; 1.3: PaymentExpires= and FundsWarnBelow=. */
#define SALDO_PROVIDER_ABI_MAJOR   1
#define SALDO_PROVIDER_ABI_MINOR   3
#define SALDO_PROVIDER_ABI_VERSION ((guint32) ((SALDO_PROVIDER_ABI_MAJOR << 16) | SALDO_PROVIDER_ABI_MINOR))

/* Every plugin module defines exactly these two symbols:
 *   const guint32 saldo_provider_abi_version = SALDO_PROVIDER_ABI_VERSION;
 *   GType saldo_provider_plugin_get_type (void);
 */
#define SALDO_PROVIDER_PLUGIN_ABI_SYMBOL  "saldo_provider_abi_version"
#define SALDO_PROVIDER_PLUGIN_TYPE_SYMBOL "saldo_provider_plugin_get_type"

#define SALDO_PROVIDER_GROUP    "Provider"
#define SALDO_REFERENCE_MAX_LEN 64

#define SALDO_PROVIDER_ERROR (saldo_provider_error_quark ())
GQuark saldo_provider_error_quark (void);

typedef enum {
  SALDO_PROVIDER_ERROR_INVALID_CONFIG,
  SALDO_PROVIDER_ERROR_INVALID_REQUEST,
  SALDO_PROVIDER_ERROR_AUTH_FAILED,
  SALDO_PROVIDER_ERROR_INSUFFICIENT_FUNDS,
  SALDO_PROVIDER_ERROR_RECENTLY_RECHARGED,
  SALDO_PROVIDER_ERROR_INVALID_AMOUNT,
  SALDO_PROVIDER_ERROR_NO_NUMBER,
  SALDO_PROVIDER_ERROR_NO_OPERATOR,
  SALDO_PROVIDER_ERROR_NOT_FOUND,
  SALDO_PROVIDER_ERROR_TRANSPORT,
  SALDO_PROVIDER_ERROR_PROTOCOL,
  SALDO_PROVIDER_ERROR_DUPLICATE_REFERENCE,
  SALDO_PROVIDER_ERROR_REJECTED,
  SALDO_PROVIDER_ERROR_TIMEOUT,
  SALDO_PROVIDER_ERROR_UNKNOWN_TYPE,
  SALDO_PROVIDER_ERROR_ABI_MISMATCH,
  /* Since 1.1 */
  SALDO_PROVIDER_ERROR_PAYMENT_DECLINED, /* the payment method was declined */
  SALDO_PROVIDER_ERROR_PAYMENT_EXPIRED,  /* the payment method (a card) has expired */
  SALDO_PROVIDER_ERROR_UNAVAILABLE,      /* the provider asked to try later (5xx, 429) */
  SALDO_PROVIDER_ERROR_NOT_SUPPORTED,    /* this provider cannot answer that question */
} SaldoProviderError;

/* What a failure asks of the owner, so the daemon can tell a provider that
 * needs them from one that is down for a moment:
 *   NEEDS_ATTENTION - nothing will work until the owner acts: the account is
 *                     out of funds (INSUFFICIENT_FUNDS), the credentials are
 *                     refused (AUTH_FAILED), the payment method is declined
 *                     or expired (PAYMENT_DECLINED, PAYMENT_EXPIRED);
 *   UNREACHABLE     - the provider could not be reached or asked to try
 *                     later (TRANSPORT, TIMEOUT, UNAVAILABLE): it passes;
 *   OTHER           - anything else (a refused amount, a number the provider
 *                     does not serve, a reply it could not read...): about
 *                     this request, not the provider.
 * Only SALDO_PROVIDER_ERROR codes are classified; other domains are OTHER. */
typedef enum {
  SALDO_PROVIDER_FAILURE_OTHER,
  SALDO_PROVIDER_FAILURE_NEEDS_ATTENTION,
  SALDO_PROVIDER_FAILURE_UNREACHABLE,
} SaldoProviderFailure;

SaldoProviderFailure saldo_provider_failure_classify (const GError *error);
/* "other", "needs-attention", "unreachable" */
const char *saldo_provider_failure_to_string (SaldoProviderFailure failure);
/* For a NEEDS_ATTENTION error, what the owner must fix, as a stable token:
 * "insufficient-funds", "credentials-rejected", "payment-declined",
 * "payment-expired"; NULL for any other error. */
const char *saldo_provider_attention_reason (const GError *error);

/* The one distinction that matters for money:
 *   FAILED  - the provider stated nothing was charged; after a lookup that
 *             agrees, the same reference may be retried.
 *   UNKNOWN - we cannot tell (timeout, reset or garbage after the request
 *             left). Never retry blindly: reconcile with lookup.
 * A top_up_finish() that returns NULL with a GError means the request never
 * reached the provider in a chargeable form, so nothing was charged. */
typedef enum {
  SALDO_TOP_UP_STATUS_SUCCEEDED,
  SALDO_TOP_UP_STATUS_PENDING,
  SALDO_TOP_UP_STATUS_FAILED,
  SALDO_TOP_UP_STATUS_UNKNOWN,
} SaldoTopUpStatus;

const char *saldo_top_up_status_to_string (SaldoTopUpStatus status);

typedef struct {
  char  *reference; /* ledger idempotency key, [A-Za-z0-9-]{1,64} */
  char  *iccid;
  char  *phone;         /* E.164 with leading '+', or NULL */
  char  *country;       /* ISO 3166-1 alpha-2 */
  char  *operator_id;   /* MCC+MNC, or NULL */
  gint64 amount;        /* minor units */
  char  *currency;      /* ISO 4217 */
  char  *ussd_template; /* carrier voucher USSD template, or NULL */
} SaldoTopUpRequest;

#define SALDO_TYPE_TOP_UP_REQUEST (saldo_top_up_request_get_type ())
GType              saldo_top_up_request_get_type (void) G_GNUC_CONST;
SaldoTopUpRequest *saldo_top_up_request_new (void);
SaldoTopUpRequest *saldo_top_up_request_copy (const SaldoTopUpRequest *req);
void               saldo_top_up_request_free (SaldoTopUpRequest *req);
gboolean           saldo_top_up_request_validate (const SaldoTopUpRequest *req, GError **error);
gboolean           saldo_reference_is_valid (const char *reference);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaldoTopUpRequest, saldo_top_up_request_free)

typedef struct {
  SaldoTopUpStatus status;
  char            *reference;
  char            *transaction_id;   /* provider's id, or NULL */
  gint64           delivered_amount; /* minor units, -1 if not reported */
  char            *delivered_currency;
  gint64           requested_amount; /* minor units */
  char            *requested_currency;
  char            *message;    /* provider's own text, or NULL */
  char            *error_code; /* provider's raw code, or NULL */
  GError          *error;      /* mapped reason for FAILED/UNKNOWN */
} SaldoTopUpResult;

#define SALDO_TYPE_TOP_UP_RESULT (saldo_top_up_result_get_type ())
GType             saldo_top_up_result_get_type (void) G_GNUC_CONST;
SaldoTopUpResult *saldo_top_up_result_new (SaldoTopUpStatus status, const char *reference);
SaldoTopUpResult *saldo_top_up_result_new_unknown (const char *reference, const GError *reason);
SaldoTopUpResult *saldo_top_up_result_copy (const SaldoTopUpResult *result);
void              saldo_top_up_result_free (SaldoTopUpResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaldoTopUpResult, saldo_top_up_result_free)

/* Since 1.1: what the provider's own account holds (the money top-ups are
 * paid from), in minor units of @currency; negative on a credit line. */
typedef struct {
  gint64 funds;
  char  *currency; /* ISO 4217 */
} SaldoProviderAccount;

#define SALDO_TYPE_PROVIDER_ACCOUNT (saldo_provider_account_get_type ())
GType                 saldo_provider_account_get_type (void) G_GNUC_CONST;
SaldoProviderAccount *saldo_provider_account_new (gint64 funds, const char *currency);
SaldoProviderAccount *saldo_provider_account_copy (const SaldoProviderAccount *account);
void                  saldo_provider_account_free (SaldoProviderAccount *account);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaldoProviderAccount, saldo_provider_account_free)

#define SALDO_TYPE_PROVIDER (saldo_provider_get_type ())
G_DECLARE_DERIVABLE_TYPE (SaldoProvider, saldo_provider, SALDO, PROVIDER, GObject)

struct _SaldoProviderClass {
  GObjectClass parent_class;

  /* The Type= value this class implements, e.g. "reloadly". */
  const char *type_name;

  gboolean (*configure) (SaldoProvider *self, GKeyFile *kf, const char *config_dir, GError **error);
  void (*top_up_async) (SaldoProvider      *self,
                        SaldoTopUpRequest  *req,
                        GCancellable       *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer            user_data);
  /* top_up_finish and lookup_finish default to the result of a GTask
   * whose source object is @self. */
  SaldoTopUpResult *(*top_up_finish) (SaldoProvider *self, GAsyncResult *res, GError **error);
  void (*lookup_async) (SaldoProvider      *self,
                        const char         *reference,
                        GCancellable       *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer            user_data);
  SaldoTopUpResult *(*lookup_finish) (SaldoProvider *self, GAsyncResult *res, GError **error);
  char *(*describe) (SaldoProvider *self);

  /* Since 1.1.  NULL: the provider has no account query (NOT_SUPPORTED).
   * account_finish defaults to the pointer result of a GTask. */
  void (*account_async) (SaldoProvider      *self,
                         GCancellable       *cancellable,
                         GAsyncReadyCallback callback,
                         gpointer            user_data);
  SaldoProviderAccount *(*account_finish) (SaldoProvider *self, GAsyncResult *res, GError **error);

  gpointer padding[6];
};

const char *saldo_provider_get_id (SaldoProvider *self);
const char *saldo_provider_get_type_name (SaldoProvider *self);
gboolean    saldo_provider_is_configured (SaldoProvider *self);
gboolean saldo_provider_configure (SaldoProvider *self, GKeyFile *kf, const char *config_dir, GError **error);
void     saldo_provider_top_up_async (SaldoProvider           *self,
                                      const SaldoTopUpRequest *req,
                                      GCancellable            *cancellable,
                                      GAsyncReadyCallback      callback,
                                      gpointer                 user_data);
SaldoTopUpResult *saldo_provider_top_up_finish (SaldoProvider *self, GAsyncResult *res, GError **error);
void              saldo_provider_lookup_async (SaldoProvider      *self,
                                               const char         *reference,
                                               GCancellable       *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer            user_data);
SaldoTopUpResult *saldo_provider_lookup_finish (SaldoProvider *self, GAsyncResult *res, GError **error);
char             *saldo_provider_describe (SaldoProvider *self);

/* Since 1.3.  Keys every provider file may have, read by
 * saldo_provider_configure (): PaymentExpires=YYYY-MM (the payment
 * method's expiry, a card's "valid thru"; year and month, or 0 and 0) and
 * FundsWarnBelow=AMOUNT [CURRENCY] (warn when the account holds less; the
 * amount in minor units of @currency, FALSE when not set, or set in
 * another currency, or with more decimals than @currency has). */
void     saldo_provider_get_payment_expires (SaldoProvider *self, int *year, int *month);
gboolean saldo_provider_get_funds_warn_below (SaldoProvider *self, const char *currency, gint64 *out);

/* Since 1.1.  The provider's account: its funds, or an error that
 * saldo_provider_failure_classify() sorts (NOT_SUPPORTED when the provider
 * or its configuration has no way to ask).  Asking charges nothing. */
void                  saldo_provider_account_async (SaldoProvider      *self,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
SaldoProviderAccount *saldo_provider_account_finish (SaldoProvider *self, GAsyncResult *res, GError **error);
/* Since ABI 1.1.  How long after a request "no record" (NOT_FOUND) is not
 * yet believed, for providers whose records lag behind their charges: a
 * re-send then waits.  0 (the default) believes it at once. */
void   saldo_provider_set_not_found_grace (SaldoProvider *self, gint64 seconds);
gint64 saldo_provider_get_not_found_grace (SaldoProvider *self);

/* Since ABI 1.2.  What saldod offers the provider (see
 * saldo-provider-context.h); get returns a new reference, or NULL. */
void                  saldo_provider_set_context (SaldoProvider *self, SaldoProviderContext *context);
SaldoProviderContext *saldo_provider_get_context (SaldoProvider *self);

/* For providers whose work is one blocking call (an HTTP exchange): run
 * it in a thread, as top_up_async()/lookup_async().  The result goes to
 * the default top_up_finish()/lookup_finish().  A cancelled top-up still
 * runs to its end, as only @func can tell whether something was charged. */
typedef SaldoTopUpResult *(*SaldoProviderTopUpFunc) (SaldoProvider           *self,
                                                     const SaldoTopUpRequest *req,
                                                     GCancellable            *cancellable,
                                                     GError                 **error);
typedef SaldoTopUpResult *(*SaldoProviderLookupFunc) (SaldoProvider *self,
                                                      const char    *reference,
                                                      GCancellable  *cancellable,
                                                      GError       **error);
void saldo_provider_top_up_in_thread (SaldoProvider           *self,
                                      const SaldoTopUpRequest *req,
                                      SaldoProviderTopUpFunc   func,
                                      GCancellable            *cancellable,
                                      GAsyncReadyCallback      callback,
                                      gpointer                 user_data);
void saldo_provider_lookup_in_thread (SaldoProvider          *self,
                                      const char             *reference,
                                      SaldoProviderLookupFunc func,
                                      GCancellable           *cancellable,
                                      GAsyncReadyCallback     callback,
                                      gpointer                user_data);
/* Since 1.1: the same for the account query; the result goes to the
 * default account_finish(). */
typedef SaldoProviderAccount *(*SaldoProviderAccountFunc) (SaldoProvider *self,
                                                           GCancellable  *cancellable,
                                                           GError       **error);
void saldo_provider_account_in_thread (SaldoProvider           *self,
                                       SaldoProviderAccountFunc func,
                                       GCancellable            *cancellable,
                                       GAsyncReadyCallback      callback,
                                       gpointer                 user_data);

G_END_DECLS
