/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
 * libFuzzer target for carrier SMS as saldod reads them: a long SMS
 * arrives in parts, which ModemManager decodes one by one and joins in
 * order; the SMS watcher hands the joined text (valid UTF-8, as on D-Bus)
 * with its sender to the balance checker, with each shipped carrier's
 * hints and with none (then with a country the separator byte picks).
 *
 * Input: <separator byte> sender <separator> part <separator> part ...
 * Each part is made valid UTF-8 on its own (a part can end inside a
 * character), then the parts are joined.
 *
 * Whatever the text, the checker returns a reading that keeps the text;
 * only a balance with an amount or data comes without an error, and an
 * amount always has a currency.
 */

#include <string.h>

#include "fuzz-common.h"
#include "saldo-balance-checker.h"
#include "saldo-carrier-db.h"
#include "saldo-error.h"

/* Most carriers allow 10 parts; 16 is beyond any real message. */
#define MAX_PARTS 16

static GPtrArray        *carriers;
static const char *const countries[] = { NULL, "PE", "DE", "ID", "FR", "US", "KE" };

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  const char *dirs[] = { SALDO_FUZZ_CARRIERS_DIR, NULL };
  g_autoptr(SaldoCarrierDb) db = NULL;

  fuzz_quiet_logs ();
  db = saldo_carrier_db_new_from_dirs (dirs);
  carriers = saldo_carrier_db_list (db);
  g_assert_cmpuint (carriers->len, >, 1);
  /* The db owns the carriers: keep them beyond it. */
  g_ptr_array_set_free_func (carriers, g_object_unref);
  for (guint i = 0; i < carriers->len; i++)
    g_object_ref (g_ptr_array_index (carriers, i));
  g_ptr_array_add (carriers, NULL); /* no carrier known */
  return 0;
}

static void
check_reading (SaldoCarrier *carrier, const char *country, const char *text)
{
  g_autoptr(SaldoReading) reading = NULL;
  g_autoptr(GError) error = NULL;

  reading = saldo_balance_checker_parse (carrier, country, text, "sms", 1767225600, &error);
  g_assert_nonnull (reading);
  g_assert_cmpstr (reading->raw_text, ==, text);
  g_assert_cmpstr (reading->source, ==, "sms");
  g_assert_nonnull (reading->kind);
  if (error == NULL) {
    g_assert_cmpstr (reading->kind, ==, "balance");
    g_assert_true (reading->has_amount || reading->has_data);
  } else {
    g_assert_true (error->domain == SALDO_ERROR);
    g_assert_cmpstr (reading->kind, !=, "balance");
    g_assert_nonnull (reading->error);
  }
  if (reading->has_amount)
    g_assert_true (reading->currency != NULL && strlen (reading->currency) == 3);
  if (reading->has_data)
    g_assert_cmpint (reading->data_bytes, >=, 0);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr(GString) joined = g_string_new (NULL);
  g_autofree char *sender = NULL;
  const guint8    *pos;
  const guint8    *end = data + size;
  guint8           separator;
  guint            n_parts = 0;

  if (size < 1 || size > 16 * 1024)
    return 0;
  separator = data[0];
  pos = data + 1;
  while (pos <= end && n_parts <= MAX_PARTS) {
    const guint8 *next = memchr (pos, separator, (gsize) (end - pos));
    gsize         len = next != NULL ? (gsize) (next - pos) : (gsize) (end - pos);
    /* D-Bus strings carry no NUL: ModemManager's text stops at one. */
    g_autofree char *cut = fuzz_strndup (pos, len);
    g_autofree char *valid = g_utf8_make_valid (cut, -1);

    if (sender == NULL) {
      sender = g_steal_pointer (&valid);
    } else {
      g_string_append (joined, valid);
      n_parts++;
    }
    if (next == NULL)
      break;
    pos = next + 1;
  }
  if (sender == NULL)
    return 0;

  for (guint i = 0; i < carriers->len; i++) {
    SaldoCarrier *carrier = g_ptr_array_index (carriers, i);

    /* The sender check must take any text; only then is the text read,
     * with the line's country where no carrier file matched. */
    if (carrier != NULL)
      (void) saldo_carrier_matches_sender (carrier, sender);
    check_reading (carrier, carrier != NULL ? NULL : countries[separator % G_N_ELEMENTS (countries)],
                   joined->str);
  }
  return 0;
}
