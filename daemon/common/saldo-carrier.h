/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib-object.h>

#include "saldo-balance-parser.h"

G_BEGIN_DECLS

/* The group every carrier file keeps its keys in. */
#define SALDO_CARRIER_GROUP "Carrier"

/* The id of the fallback carrier used when no other one matches a line. */
#define SALDO_CARRIER_GENERIC_ID "generic"

/* Longest USSD string a network accepts (3GPP TS 23.038: 182 GSM 7-bit characters). */
#define SALDO_CARRIER_USSD_MAX_LEN 182

#define SALDO_CARRIER_VOUCHER_PIN_MIN_LEN 4
#define SALDO_CARRIER_VOUCHER_PIN_MAX_LEN 32

#define SALDO_CARRIER_ERROR (saldo_carrier_error_quark ())

typedef enum {
  SALDO_CARRIER_ERROR_INVALID_FILE,    /* not a key file, or unreadable */
  SALDO_CARRIER_ERROR_INVALID_ID,      /* file name is not a usable carrier id */
  SALDO_CARRIER_ERROR_MISSING_KEY,     /* a required key is absent */
  SALDO_CARRIER_ERROR_INVALID_VALUE,   /* wrong type or malformed value */
  SALDO_CARRIER_ERROR_INVALID_PATTERN, /* a reply pattern does not compile */
  SALDO_CARRIER_ERROR_INVALID_PIN,     /* voucher PIN rejected by the renderer */
  SALDO_CARRIER_ERROR_NOT_SUPPORTED,   /* carrier has no voucher template */
} SaldoCarrierError;

GQuark saldo_carrier_error_quark (void);

/* AUTO (DateOrder absent or "auto"): let the reply parser decide from the country */
typedef enum {
  SALDO_DATE_ORDER_AUTO,
  SALDO_DATE_ORDER_DMY,
  SALDO_DATE_ORDER_MDY,
  SALDO_DATE_ORDER_YMD,
} SaldoDateOrder;

const char *saldo_date_order_to_string (SaldoDateOrder order);
gboolean    saldo_date_order_from_string (const char *str, SaldoDateOrder *out_order);

#define SALDO_TYPE_CARRIER (saldo_carrier_get_type ())
G_DECLARE_FINAL_TYPE (SaldoCarrier, saldo_carrier, SALDO, CARRIER, GObject)

/* Letters, digits, '-' and '_', 1 to 64 characters, starting alphanumeric. */
gboolean saldo_carrier_id_is_valid (const char *id);
/* TRUE if [Carrier] Disabled=true; FALSE with @error set if it is not a boolean. */
gboolean saldo_carrier_keyfile_is_disabled (GKeyFile *kf, GError **error);

/*
 * Validates and parses one carrier (keys: plugin/carriers/README.md). Errors
 * are in SALDO_CARRIER_ERROR and name the carrier id and the key. Unknown
 * keys and groups are accepted and listed by get_unknown_keys(). Disabled=
 * is only type-checked here: hiding carriers is the db's job.
 */
SaldoCarrier *saldo_carrier_new_from_keyfile (const char *id, GKeyFile *kf, GError **error);

const char *saldo_carrier_get_id (SaldoCarrier *self);
const char *saldo_carrier_get_name (SaldoCarrier *self);
const char *saldo_carrier_get_country (SaldoCarrier *self);
const char *saldo_carrier_get_currency (SaldoCarrier *self);
gboolean    saldo_carrier_is_generic (SaldoCarrier *self);

/* Match rules; all are NULL-terminated and never NULL (possibly empty). */
const char *const *saldo_carrier_get_mcc_mnc (SaldoCarrier *self);
const char *const *saldo_carrier_get_iccid_prefixes (SaldoCarrier *self);
const char *const *saldo_carrier_get_spns (SaldoCarrier *self);
gboolean           saldo_carrier_has_match_rules (SaldoCarrier *self);

const char *const *saldo_carrier_get_ussd_codes (SaldoCarrier *self);
const char *const *saldo_carrier_get_menu_path (SaldoCarrier *self);
const char *const *saldo_carrier_get_sms_senders (SaldoCarrier *self);
const char        *saldo_carrier_get_sms_request_number (SaldoCarrier *self);
const char        *saldo_carrier_get_sms_request_text (SaldoCarrier *self);
/* GRegex* elements, compiled, in ReplyPattern key order; never NULL */
GPtrArray *saldo_carrier_get_patterns (SaldoCarrier *self);
gboolean   saldo_carrier_get_decimal_comma (SaldoCarrier *self);
/* FALSE when DecimalComma is absent: the parser should then decide itself */
gboolean       saldo_carrier_decimal_comma_is_set (SaldoCarrier *self);
SaldoDateOrder saldo_carrier_get_date_order (SaldoCarrier *self);
const char    *saldo_carrier_get_voucher_template (SaldoCarrier *self);
/* The carrier's own words for a voucher it took (VoucherSuccess=) or
 * refused (VoucherFailure=); NULL when not set.  Owned by the carrier. */
GRegex *saldo_carrier_get_voucher_success (SaldoCarrier *self);
GRegex *saldo_carrier_get_voucher_failure (SaldoCarrier *self);
guint   saldo_carrier_get_deactivation_days (SaldoCarrier *self);
guint   saldo_carrier_get_restriction_days (SaldoCarrier *self);
/* Default caps for top-ups of lines whose rules set none, in minor units of
 * the carrier's currency; 0 = none (MaxPerTopup=, MaxPerDay=). */
gint64             saldo_carrier_get_max_per_topup (SaldoCarrier *self);
gint64             saldo_carrier_get_max_per_day (SaldoCarrier *self);
const char *const *saldo_carrier_get_sources (SaldoCarrier *self);
/* "Key" for unknown keys in [Carrier], "[Group]" for unknown groups */
const char *const *saldo_carrier_get_unknown_keys (SaldoCarrier *self);

gboolean saldo_carrier_matches_sender (SaldoCarrier *self, const char *sender);

/* Fills VoucherUssd's {pin}; the PIN must be 4 to 32 ASCII digits. Error
 * messages never contain the PIN. */
char *saldo_carrier_render_voucher_ussd (SaldoCarrier *self, const char *pin, GError **error);

/* A code BalanceUssd= accepts: 0-9 * # + only, at most 182 characters. */
gboolean saldo_carrier_ussd_is_valid (const char *code);

/* Voucher USSD templates ("*123*{pin}#"), with or without a carrier. */
gboolean saldo_voucher_template_validate (const char *template, GError **error);
char    *saldo_voucher_template_render (const char *template, const char *pin, GError **error);

/* Fills the reply parser's hints (country, currency, conventions,
 * patterns) from this definition; hints must be initialised first. */
void saldo_carrier_fill_balance_hints (SaldoCarrier *self, SaldoBalanceHints *hints);

G_END_DECLS
