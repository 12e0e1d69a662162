/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/*
 * The balance codes of mobile-broadband-provider-info (the database
 * NetworkManager's mobile broadband wizards use, Debian package
 * mobile-broadband-provider-info): <balance-check> USSD codes and SMS
 * requests and <balance-top-up> voucher codes of each operator, by the
 * MCC+MNC of its networks.  saldod falls back on them for lines no Saldo
 * carrier file matches; a carrier file or the owner's setting wins.
 */

#define SALDO_PROVIDER_INFO_ERROR (saldo_provider_info_error_quark ())
GQuark saldo_provider_info_error_quark (void);

typedef enum {
  SALDO_PROVIDER_INFO_ERROR_INVALID, /* not the database's XML */
} SaldoProviderInfoError;

/* What the database says about one operator. */
typedef struct {
  const char        *provider;           /* its <name> */
  const char        *country;            /* ISO 3166-1 alpha-2, upper case */
  const char *const *balance_ussd;       /* in file order; never NULL */
  const char *const *balance_sms_number; /* text balance_sms_text[i] to it; never NULL */
  const char *const *balance_sms_text;
  const char        *topup_template; /* "*123*{pin}#" for ussd-voucher, or NULL */
} SaldoProviderInfoCodes;

#define SALDO_TYPE_PROVIDER_INFO (saldo_provider_info_get_type ())
G_DECLARE_FINAL_TYPE (SaldoProviderInfo, saldo_provider_info, SALDO, PROVIDER_INFO, GObject)

/* Reads serviceproviders.xml; codes that are not valid USSD strings or
 * voucher templates are left out. */
SaldoProviderInfo *saldo_provider_info_new_from_file (const char *path, GError **error);
SaldoProviderInfo *saldo_provider_info_new_from_data (const char *data, gssize len, GError **error);

/*
 * The operator of a line on network mcc_mnc ("23415", "310260"), whose SIM
 * calls itself spn (may be NULL).  Several operators often share one
 * network (virtual operators): the one whose name is the SPN; else, when
 * every one listed with a balance code gives the same first code, that
 * one; else NULL, and *why (may be NULL) says which codes compete, since
 * a guess would dial another operator's code.  NULL with *why also when
 * the database lists no operator there.  Owned by self.
 */
const SaldoProviderInfoCodes *
saldo_provider_info_lookup (SaldoProviderInfo *self, const char *mcc_mnc, const char *spn, char **why);

/* The country of network mcc_mnc (ISO 3166-1 alpha-2), or NULL: the reply
 * parser's country for lines no carrier file describes. */
const char *saldo_provider_info_get_country (SaldoProviderInfo *self, const char *mcc_mnc);

guint saldo_provider_info_get_n_providers (SaldoProviderInfo *self);

G_END_DECLS
