/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mobile-broadband-provider-info's database is read as outside input:
 * any bytes give a clean error or a database whose every code is one
 * saldod may dial, never a crash. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "saldo-carrier.h"
#include "saldo-provider-info.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check (SaldoProviderInfo *info, const char *network)
{
  g_autofree char              *why = NULL;
  const SaldoProviderInfoCodes *codes = saldo_provider_info_lookup (info, network, "x", &why);

  g_assert_true (codes != NULL || why != NULL);
  for (guint i = 0; codes != NULL && codes->balance_ussd[i] != NULL; i++)
    g_assert_true (saldo_carrier_ussd_is_valid (codes->balance_ussd[i]));
  if (codes != NULL && codes->topup_template != NULL)
    g_assert_true (saldo_voucher_template_validate (codes->topup_template, NULL));
  g_assert_true (saldo_provider_info_get_country (info, network) == NULL ||
                 strlen (saldo_provider_info_get_country (info, network)) == 2);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(SaldoProviderInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  if (size > 65536)
    return 0;
  info = saldo_provider_info_new_from_data ((const char *) data, (gssize) size, &error);
  g_assert_true ((info == NULL) == (error != NULL));
  if (info == NULL)
    return 0;
  check (info, "99901");
  check (info, "999001");
  check (info, "23410");
  return 0;
}
