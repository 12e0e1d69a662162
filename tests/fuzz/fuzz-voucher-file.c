/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
 * libFuzzer target for the ussd-voucher provider's voucher file ("PIN
 * AMOUNT" per line, as the owner writes it).  The first byte picks the
 * amount and currency asked for; the rest is the file's text.
 *
 * Every PIN offered is a whole field of the file, all digits, of a length
 * a carrier accepts, on a line whose amount is exactly the one asked for;
 * PINs come in file order.
 */

#include <string.h>

#include "fuzz-common.h"
#include "saldo-money.h"
#include "saldo-carrier.h"
#include "saldo-provider-ussd-voucher.h"

static const struct {
  gint64      amount;
  const char *currency;
} wanted[] = {
  { 1000, "PEN" }, { 500, "PEN" },  { 0, "PEN" },          { -1, "PEN" },         { 1, "USD" },
  { 1000, "JPY" }, { 5000, "BHD" }, { G_MAXINT64, "PEN" }, { G_MININT64, "PEN" },
};

FUZZ_QUIET_INITIALIZER

/* Whether @line (stripped) is "PIN ... AMOUNT" with this PIN and amount. */
static gboolean
line_offers (const char *line, const char *pin, gint64 amount, const char *currency)
{
  g_autofree char *copy = g_strstrip (g_strdup (line));
  g_auto(GStrv) fields = g_strsplit_set (copy, " \t", -1);
  guint  n = g_strv_length (fields);
  gint64 value = 0;

  return n >= 2 && g_str_equal (fields[0], pin) &&
         saldo_money_parse_decimal (fields[n - 1], currency, &value, NULL) && value == amount;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autofree char *contents = NULL;
  g_autoptr(GPtrArray) pins = NULL;
  g_auto(GStrv) lines = NULL;
  guint line = 0;
  guint pick;

  if (size < 1 || size > 64 * 1024)
    return 0;
  pick = data[0] % G_N_ELEMENTS (wanted);
  contents = fuzz_strndup (data + 1, size - 1);
  pins = saldo_voucher_file_find_pins (contents, wanted[pick].amount, wanted[pick].currency);
  g_assert_nonnull (pins);

  /* Each PIN is on a later line than the one before. */
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; i < pins->len; i++) {
    const char *pin = g_ptr_array_index (pins, i);
    gsize       len = strlen (pin);

    g_assert_cmpuint (len, >=, SALDO_CARRIER_VOUCHER_PIN_MIN_LEN);
    g_assert_cmpuint (len, <=, SALDO_CARRIER_VOUCHER_PIN_MAX_LEN);
    g_assert_cmpuint (strspn (pin, "0123456789"), ==, len);
    while (lines[line] != NULL && !line_offers (lines[line], pin, wanted[pick].amount, wanted[pick].currency))
      line++;
    g_assert_nonnull (lines[line]);
    line++;
  }
  return 0;
}
