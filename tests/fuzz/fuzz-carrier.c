/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Carrier definitions come from admins' files: any bytes must give a clean
 * error or a valid carrier, never a crash. */
#include <stddef.h>
#include <stdint.h>

#include "saldo-carrier.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(SaldoCarrier) carrier = NULL;
  g_autoptr(GError) error = NULL;

  if (size > 16384)
    return 0;
  if (!g_key_file_load_from_data (kf, (const char *) data, size, G_KEY_FILE_NONE, NULL))
    return 0;
  carrier = saldo_carrier_new_from_keyfile ("fuzz", kf, &error);
  if (carrier != NULL) {
    g_autofree char *ussd = saldo_carrier_render_voucher_ussd (carrier, "123456", NULL);

    (void) ussd;
  }
  return 0;
}
