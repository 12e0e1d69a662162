/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
 * Balance-reply parser tests: every entry of tests/data/balance-corpus.txt
 * as its own case, then one test per trap and per API helper.
 */

#include <stdio.h>
#include <string.h>

#include "saldo-balance-parser.h"
#include "saldo-money.h"
#include "saldo-test-corpus.h"

static gint64
unix_time_of (const char *ymd)
{
  g_autoptr(GDateTime) dt = NULL;
  int y, m, d;

  g_assert_cmpint (sscanf (ymd, "%d-%d-%d", &y, &m, &d), ==, 3);
  dt = g_date_time_new_utc (y, m, d, 12, 0, 0);
  g_assert_nonnull (dt);
  return g_date_time_to_unix (dt);
}

static void
assert_span_inside (const SaldoTextSpan *span, gsize len)
{
  g_assert_cmpuint (span->start, <=, span->end);
  g_assert_cmpuint (span->end, <=, len);
}

/* Parses text from a heap copy of exactly len bytes, without a NUL, so
 * that AddressSanitizer catches any read past the reply. */
static gboolean
parse_exact (const char              *text,
             gsize                    len,
             const SaldoBalanceHints *hints,
             SaldoBalanceResult      *result,
             GError                 **error)
{
  g_autofree char *copy = g_malloc (MAX (len, 1));
  gboolean         ok;

  memcpy (copy, text, len);
  ok = saldo_balance_parse (copy, (gssize) len, hints, result, error);
  if (ok) {
    assert_span_inside (&result->amount_span, len);
    assert_span_inside (&result->currency_span, len);
    assert_span_inside (&result->expiry_span, len);
    assert_span_inside (&result->data_span, len);
    for (guint i = 0; i < result->n_buckets; i++)
      assert_span_inside (&result->buckets[i].span, len);
    g_assert_cmpint (result->main_bucket, <, (int) result->n_buckets);
  }
  return ok;
}

static char *
format_amount (const SaldoBalanceResult *result)
{
  return saldo_corpus_format_amount (result);
}

static void
test_corpus_entry (gconstpointer data)
{
  const SaldoCorpusEntry *entry = data;
  g_autoptr(GError) error = NULL;
  g_autofree char   *why = NULL;
  SaldoBalanceHints  hints;
  SaldoBalanceResult result;

  g_test_message ("%s:%u (%s): %s", entry->file, entry->line, entry->source, entry->text);
  saldo_corpus_hints (entry, &hints);
  g_assert_true (parse_exact (entry->text, strlen (entry->text), &hints, &result, &error));
  g_assert_no_error (error);
  if (saldo_corpus_judge (entry, &result, &why) != SALDO_VERDICT_RIGHT)
    g_test_message ("%s", why);
  g_assert_cmpstr (why, ==, "");
  if (result.kind != SALDO_REPLY_KIND_BALANCE) {
    g_assert_false (result.has_amount);
    g_assert_cmpint (result.main_bucket, ==, -1);
  }
  g_assert_null (result.explanation);
  saldo_balance_result_clear (&result);
}

/* The world corpus: accuracy on the part rules were written against, on
 * the part that is only scored, and on the whole; and wrong amounts.  The
 * scored part is reported as figures only, never entry by entry, so that
 * nobody tunes the parser to its texts. */
typedef struct {
  guint total;
  guint right;
  guint wrong;
} Score;

static void
print_score (const char *name, const Score *score)
{
  g_test_message ("world corpus, %-6s: %u/%u right (%.1f%%), %u wrong amount(s)", name, score->right,
                  score->total, score->total > 0 ? 100.0 * score->right / score->total : 0.0, score->wrong);
}

static void
test_world_corpus (void)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) saldo_corpus_entry_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "data", "world-corpus", NULL);
  Score            rules = { 0 }, scored = { 0 }, all = { 0 };

  g_assert_true (saldo_corpus_load_dir (dir, entries, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < entries->len; i++) {
    const SaldoCorpusEntry *entry = g_ptr_array_index (entries, i);
    Score                  *part = entry->split == SALDO_CORPUS_SPLIT_RULES ? &rules : &scored;
    g_autofree char        *why = NULL;
    SaldoBalanceHints       hints;
    SaldoBalanceResult      result;
    SaldoVerdict            verdict;

    /* Every file says which part it belongs to. */
    g_assert_cmpint (entry->split, !=, SALDO_CORPUS_SPLIT_NONE);
    saldo_corpus_hints (entry, &hints);
    g_assert_true (parse_exact (entry->text, strlen (entry->text), &hints, &result, &error));
    verdict = saldo_corpus_judge (entry, &result, &why);
    saldo_balance_result_clear (&result);
    part->total++;
    all.total++;
    part->right += verdict == SALDO_VERDICT_RIGHT;
    all.right += verdict == SALDO_VERDICT_RIGHT;
    part->wrong += verdict == SALDO_VERDICT_WRONG;
    all.wrong += verdict == SALDO_VERDICT_WRONG;
    if (verdict != SALDO_VERDICT_RIGHT && entry->split == SALDO_CORPUS_SPLIT_RULES)
      g_test_message ("%s %s:%u: %s\n  %s", verdict == SALDO_VERDICT_WRONG ? "WRONG" : "not right",
                      entry->file, entry->line, why, entry->text);
  }
  print_score ("rules", &rules);
  print_score ("scored", &scored);
  print_score ("all", &all);
  g_assert_cmpuint (rules.total, >, 0);
  g_assert_cmpuint (scored.total, >, 0);
  /* Where rules were written, a wrong amount is a bug to fix here; the
   * scored part's count is a measurement, reported above. */
  g_assert_cmpuint (rules.wrong, ==, 0);
}

/* Property: mutations a carrier could make to a reply read right (clauses
 * in another order, a bonus or a price added, the other decimal mark)
 * leave its amount as it was, or make it ambiguous; never another number. */

/* Sentences (ended by ". ", "! ", "? " or a line break) in reverse order. */
static char *
reverse_clauses (const char *text)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  GString    *out = g_string_new (NULL);
  const char *start = text;

  for (const char *p = text; *p != '\0'; p++) {
    gboolean end = *p == '\n' || ((*p == '.' || *p == '!' || *p == '?') && p[1] == ' ');

    if (end) {
      g_ptr_array_add (parts, g_strstrip (g_strndup (start, (gsize) (p - start + (*p != '\n')))));
      start = p + 1;
    }
  }
  g_ptr_array_add (parts, g_strstrip (g_strdup (start)));
  for (guint i = parts->len; i > 0; i--) {
    const char *part = parts->pdata[i - 1];

    if (*part == '\0')
      continue;
    g_string_append (out, part);
    if (!g_str_has_suffix (part, ".") && !g_str_has_suffix (part, "!") && !g_str_has_suffix (part, "?"))
      g_string_append_c (out, '.');
    if (i > 1)
      g_string_append_c (out, ' ');
  }
  return g_string_free (out, FALSE);
}

/* The main amount's number written with '.' and ',' swapped. */
static char *
swap_decimal_mark (const char *text, const SaldoBalanceResult *result)
{
  char *out = g_strdup (text);

  for (gsize i = result->amount_span.start; i < result->amount_span.end; i++) {
    if (out[i] == '.')
      out[i] = ',';
    else if (out[i] == ',')
      out[i] = '.';
  }
  return out;
}

static void
check_mutation (const SaldoCorpusEntry   *entry,
                const SaldoBalanceResult *original,
                const char               *what,
                const char               *text)
{
  g_autoptr(GError) error = NULL;
  SaldoBalanceHints  hints;
  SaldoBalanceResult result;

  saldo_corpus_hints (entry, &hints);
  g_assert_true (parse_exact (text, strlen (text), &hints, &result, &error));
  if (result.has_amount &&
      (result.amount_minor != original->amount_minor || strcmp (result.currency, original->currency) != 0)) {
    g_autofree char *was = saldo_money_format (original->amount_minor, original->currency);
    g_autofree char *now = saldo_money_format (result.amount_minor, result.currency);

    g_test_message ("%s:%u, %s: “%s” read as %s, not %s", entry->file, entry->line, what, text, now, was);
    g_test_fail ();
  }
  g_assert_true (result.has_amount || result.kind != SALDO_REPLY_KIND_BALANCE || result.has_data);
  saldo_balance_result_clear (&result);
}

static void
mutate_entry (const SaldoCorpusEntry *entry, guint *n_checked)
{
  g_autoptr(GError) error = NULL;
  SaldoBalanceHints  hints;
  SaldoBalanceResult result;
  g_autofree char   *bonus_amount = NULL, *price_amount = NULL;
  g_autofree char   *bonus = NULL, *price = NULL, *reversed = NULL, *swapped = NULL;
  g_autofree char   *with_bonus = NULL, *bonus_first = NULL, *with_price = NULL, *price_first = NULL;
  g_autofree char   *everything = NULL;

  saldo_corpus_hints (entry, &hints);
  g_assert_true (parse_exact (entry->text, strlen (entry->text), &hints, &result, &error));
  if (!result.has_amount || result.currency[0] == '\0' ||
      saldo_corpus_judge (entry, &result, NULL) != SALDO_VERDICT_RIGHT) {
    saldo_balance_result_clear (&result);
    return;
  }
  (*n_checked)++;
  /* Amounts that differ from the balance, exact in its currency. */
  bonus_amount = saldo_money_to_decimal (result.amount_minor + 777, result.currency);
  price_amount = saldo_money_to_decimal (result.amount_minor + 999, result.currency);
  bonus = g_strdup_printf ("Bonus: %s %s.", result.currency, bonus_amount);
  price = g_strdup_printf ("Price of the plan: %s %s.", result.currency, price_amount);
  reversed = reverse_clauses (entry->text);
  swapped = swap_decimal_mark (entry->text, &result);
  with_bonus = g_strdup_printf ("%s\n%s", entry->text, bonus);
  bonus_first = g_strdup_printf ("%s %s", bonus, entry->text);
  with_price = g_strdup_printf ("%s\n%s", entry->text, price);
  price_first = g_strdup_printf ("%s %s", price, entry->text);
  everything = g_strdup_printf ("%s %s\n%s", price, reversed, bonus);

  check_mutation (entry, &result, "clauses reversed", reversed);
  check_mutation (entry, &result, "decimal mark swapped", swapped);
  check_mutation (entry, &result, "bonus after", with_bonus);
  check_mutation (entry, &result, "bonus before", bonus_first);
  check_mutation (entry, &result, "price after", with_price);
  check_mutation (entry, &result, "price before", price_first);
  check_mutation (entry, &result, "price, clauses reversed, bonus", everything);
  saldo_balance_result_clear (&result);
}

static void
test_property_mutations (void)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) saldo_corpus_entry_free);
  g_autoptr(GPtrArray) world = g_ptr_array_new_with_free_func ((GDestroyNotify) saldo_corpus_entry_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "balance-corpus.txt", NULL);
  g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "data", "world-corpus", NULL);
  guint            checked = 0;

  g_assert_true (saldo_corpus_load (path, entries, &error));
  g_assert_true (saldo_corpus_load_dir (dir, world, &error));
  g_assert_no_error (error);
  /* Only the part rules are written against: the scored part stays unseen. */
  for (guint i = 0; i < world->len; i++) {
    SaldoCorpusEntry *entry = world->pdata[i];

    if (entry->split == SALDO_CORPUS_SPLIT_RULES)
      g_ptr_array_add (entries, g_steal_pointer (&world->pdata[i]));
  }
  for (guint i = 0; i < entries->len; i++)
    mutate_entry (entries->pdata[i], &checked);
  g_test_message ("%u replies mutated 7 ways each", checked);
  g_assert_cmpuint (checked, >=, 50);
}

/* Focused tests */

typedef struct {
  const char    *text;
  const char    *country;
  SaldoReplyKind kind;
  const char    *amount; /* NULL: no amount */
  const char    *currency;
  guint          n_subs;
} TrapCase;

static void
check_trap (const TrapCase *c)
{
  g_autoptr(GError) error = NULL;
  SaldoBalanceHints  hints;
  SaldoBalanceResult result;

  g_test_message ("%s", c->text);
  saldo_balance_hints_init (&hints);
  hints.country = c->country;
  g_assert_true (parse_exact (c->text, strlen (c->text), &hints, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (result.kind, ==, c->kind);
  g_assert_cmpint (result.has_amount, ==, c->amount != NULL);
  if (c->amount != NULL) {
    g_autofree char *got = format_amount (&result);

    g_assert_cmpstr (got, ==, c->amount);
    g_assert_cmpstr (result.currency, ==, c->currency);
  }
  g_assert_cmpuint (saldo_corpus_money_buckets (&result), ==, c->n_subs);
  saldo_balance_result_clear (&result);
}

static void
test_trap_first_amount_is_price (void)
{
  static const TrapCase cases[] = {
    { "Tu plan de S/ 29.90 se renueva el 05/01. Saldo: S/ 8.40", "PE", SALDO_REPLY_KIND_BALANCE, "8.40",
      "PEN", 1 },
    { "Precio del paquete S/ 5.00. Tu saldo es S/ 1.10", "PE", SALDO_REPLY_KIND_BALANCE, "1.10", "PEN", 1 },
    { "Your plan costs $30.00 and renews on 05/01. Balance $2.10", "US", SALDO_REPLY_KIND_BALANCE, "2.10",
      "USD", 1 },
    { "S/ 29.90 se renueva el 05/01. Saldo S/ 8.40", "PE", SALDO_REPLY_KIND_BALANCE, "8.40", "PEN", 1 },
    /* Only a price: no balance to report. */
    { "Tu plan de S/ 29.90 se renueva el 05/01", "PE", SALDO_REPLY_KIND_UNKNOWN, NULL, NULL, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    check_trap (&cases[i]);
}

static void
test_trap_numbers_not_amounts (void)
{
  static const TrapCase cases[] = {
    { "llama al 123", "PE", SALDO_REPLY_KIND_UNKNOWN, NULL, NULL, 0 },
    { "*515#", "PE", SALDO_REPLY_KIND_UNKNOWN, NULL, NULL, 0 },
    { "Consulta tu saldo marcando *515*1#", "PE", SALDO_REPLY_KIND_UNKNOWN, NULL, NULL, 0 },
    { "Para ver tu saldo marca 1", "PE", SALDO_REPLY_KIND_UNKNOWN, NULL, NULL, 0 },
    { "Saldo: llama al +51 999 888 777", "PE", SALDO_REPLY_KIND_UNKNOWN, NULL, NULL, 0 },
    { "Saldo S/ 4.00. Ayuda: +51 999 888 777 o *515#", "PE", SALDO_REPLY_KIND_BALANCE, "4.00", "PEN", 1 },
    { "Saldo al 12/05/2026: S/ 8.40", "PE", SALDO_REPLY_KIND_BALANCE, "8.40", "PEN", 1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    check_trap (&cases[i]);
}

static void
test_trap_menus (void)
{
  static const TrapCase cases[] = {
    { "1. 1GB S/5\n2. 3GB S/10\n0. Salir", "PE", SALDO_REPLY_KIND_MENU, NULL, NULL, 0 },
    { "Elige:\n1 Saldo S/ 5.00\n2 Salir", "PE", SALDO_REPLY_KIND_MENU, NULL, NULL, 0 },
    { "1:Saldo 2:Bonos 3:Salir", "PE", SALDO_REPLY_KIND_MENU, NULL, NULL, 0 },
    /* A keyword-anchored amount outside the options wins over the menu. */
    { "Saldo: S/ 5.00\n1. Recargar\n2. Salir", "PE", SALDO_REPLY_KIND_BALANCE, "5.00", "PEN", 1 },
    /* A single line starting with a number is not a menu. */
    { "15 soles de saldo", "PE", SALDO_REPLY_KIND_BALANCE, "15.00", "PEN", 1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    check_trap (&cases[i]);
}

static void
test_trap_errors (void)
{
  static const TrapCase cases[] = {
    { "Servicio no disponible, intente más tarde", "PE", SALDO_REPLY_KIND_ERROR, NULL, NULL, 0 },
    { "system busy", NULL, SALDO_REPLY_KIND_ERROR, NULL, NULL, 0 },
    { "UNKNOWN APPLICATION", NULL, SALDO_REPLY_KIND_ERROR, NULL, NULL, 0 },
    { "Please try again later", NULL, SALDO_REPLY_KIND_ERROR, NULL, NULL, 0 },
    { "Plataforma en mantenimiento", "PE", SALDO_REPLY_KIND_ERROR, NULL, NULL, 0 },
    /* Errors win over menus... */
    { "Opcion invalida\n1. Saldo\n2. Salir", "PE", SALDO_REPLY_KIND_ERROR, NULL, NULL, 0 },
    /* ...but not over an anchored balance. */
    { "Saldo S/ 2.00. Bonos no disponibles, intente mas tarde", "PE", SALDO_REPLY_KIND_BALANCE, "2.00", "PEN",
      1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    check_trap (&cases[i]);
}

static void
test_trap_empty (void)
{
  static const TrapCase cases[] = {
    { "", "PE", SALDO_REPLY_KIND_UNKNOWN, NULL, NULL, 0 },
    { " \n\t ", "PE", SALDO_REPLY_KIND_UNKNOWN, NULL, NULL, 0 },
    { "...", "PE", SALDO_REPLY_KIND_UNKNOWN, NULL, NULL, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    check_trap (&cases[i]);
}

static void
test_trap_sub_balances (void)
{
  g_autoptr(GError) error = NULL;
  const char        *text = "Saldo principal S/ 3.00, saldo promocional S/ 2.50";
  SaldoBalanceHints  hints;
  SaldoBalanceResult result;

  saldo_balance_hints_init (&hints);
  hints.country = "PE";
  g_assert_true (parse_exact (text, strlen (text), &hints, &result, &error));
  g_assert_cmpint (result.kind, ==, SALDO_REPLY_KIND_BALANCE);
  g_assert_cmpint (result.amount_minor, ==, 300);
  g_assert_cmpuint (result.n_buckets, ==, 2);
  g_assert_cmpint (result.main_bucket, ==, 0);
  g_assert_cmpint (result.buckets[0].label, ==, SALDO_BUCKET_MAIN);
  g_assert_cmpint (result.buckets[0].amount_minor, ==, 300);
  g_assert_cmpint (result.buckets[1].label, ==, SALDO_BUCKET_PROMOTION);
  g_assert_cmpint (result.buckets[1].amount_minor, ==, 250);
  g_assert_cmpstr (result.buckets[1].currency, ==, "PEN");
  g_assert_cmpmem (text + result.buckets[1].span.start,
                   result.buckets[1].span.end - result.buckets[1].span.start, "S/ 2.50", 7);
  g_assert_null (result.ambiguity);
  saldo_balance_result_clear (&result);
}

static void
test_trap_many_sub_balances (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  SaldoBalanceHints  hints;
  SaldoBalanceResult result;

  /* Twelve balances, none named the main one: no amount, all buckets. */
  for (guint i = 1; i <= 14; i++)
    g_string_append_printf (text, "Saldo %u: S/ %u.00. ", i, i);
  saldo_balance_hints_init (&hints);
  g_assert_true (parse_exact (text->str, text->len, &hints, &result, &error));
  g_assert_cmpint (result.kind, ==, SALDO_REPLY_KIND_AMBIGUOUS);
  g_assert_false (result.has_amount);
  g_assert_nonnull (result.ambiguity);
  g_assert_cmpuint (result.n_buckets, ==, SALDO_BALANCE_MAX_BUCKETS);
  g_assert_cmpint (result.buckets[SALDO_BALANCE_MAX_BUCKETS - 1].amount_minor, ==, 1200);
  saldo_balance_result_clear (&result);
}

/* Issue 10: the bonus, a part or one of several balances was read as the
 * balance.  Now the main one, the spendable sum, or nothing. */
static void
test_trap_buckets (void)
{
  static const TrapCase cases[] = {
    { "Your credit is \xc2\xa3"
      "5.00 of which bonus credit is \xc2\xa3"
      "0.00",
      "GB", SALDO_REPLY_KIND_BALANCE, "5.00", "GBP", 2 },
    { "Ihr Guthaben betr\xc3\xa4gt 5,00 EUR, davon Bonusguthaben 0,00 EUR.", "DE", SALDO_REPLY_KIND_BALANCE,
      "5.00", "EUR", 2 },
    { "Guthaben: 3,00 EUR Aufladeguthaben, 2,00 EUR Bonus, 1,00 EUR Aktionsguthaben", "DE",
      SALDO_REPLY_KIND_AMBIGUOUS, NULL, NULL, 3 },
    /* the sum bucket comes last */
    { "Ihr verf\xc3\xbc"
      "gbares Guthaben: 3,00 EUR Aufladeguthaben, 2,00 EUR Bonusguthaben",
      "DE", SALDO_REPLY_KIND_BALANCE, "5.00", "EUR", 3 },
    { "Saldo S/ 2.00. Saldo S/ 40.00", "PE", SALDO_REPLY_KIND_AMBIGUOUS, NULL, NULL, 2 },
    { "Saldo S/ 5.00. Tu saldo: S/ 5.00", "PE", SALDO_REPLY_KIND_BALANCE, "5.00", "PEN", 2 },
    { "Bono: S/ 3.00", "PE", SALDO_REPLY_KIND_AMBIGUOUS, NULL, NULL, 1 },
    { "Tienes S/ 5.00 y S/ 3.00 de bono", "PE", SALDO_REPLY_KIND_BALANCE, "5.00", "PEN", 2 },
    { "Loan balance: $2.00", "US", SALDO_REPLY_KIND_AMBIGUOUS, NULL, NULL, 1 },
    { "Main balance: $1.00, Bonus: $2.00, Total: $3.00", "US", SALDO_REPLY_KIND_BALANCE, "1.00", "USD", 3 },
    { "Balance: $5.00, Bonus: $2.00, Total: $7.00", "US", SALDO_REPLY_KIND_AMBIGUOUS, NULL, NULL, 3 },
    { "Bonus: $2.00, Total: $7.00", "US", SALDO_REPLY_KIND_BALANCE, "7.00", "USD", 2 },
    { "S/ 4.00 y S/ 9.00", "PE", SALDO_REPLY_KIND_AMBIGUOUS, NULL, NULL, 2 },
    { "S/ 4.00, S/ 9.00, S/ 1.00", "PE", SALDO_REPLY_KIND_AMBIGUOUS, NULL, NULL, 3 },
    { "Saldo principal S/ 4.00, saldo principal S/ 9.00, principal S/ 1.00", "PE", SALDO_REPLY_KIND_AMBIGUOUS,
      NULL, NULL, 3 },
    { "Balance: $5.00 Bonus balance: $2.00", "US", SALDO_REPLY_KIND_BALANCE, "5.00", "USD", 2 },
    /* a price near a balance keyword makes a bare amount doubtful */
    { "Transferiste S/ 5.00. Costo S/ 0.25. Tu saldo actual es S/ 4.75\nPrice of the plan: PEN 14.74.", "PE",
      SALDO_REPLY_KIND_BALANCE, "4.75", "PEN", 1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    check_trap (&cases[i]);
}

/* Currencies and dates as carriers around the world write them (shapes
 * written here, not quoted from a source). */
static void
test_world_shapes (void)
{
  static const struct {
    const char *country;
    const char *text;
    const char *amount; /* NULL: none */
    const char *currency;
    const char *expiry; /* NULL: none */
  } cases[] = {
    { "ML", "Votre solde est de 1000 FCFA valable jusqu'au 30/06/2025", "1000", "XOF", "2025-06-30" },
    { "CM", "Votre solde est de 1000 FCFA", "1000", "XAF", NULL },
    { NULL, "Votre solde est de 1000 FCFA", NULL, NULL, NULL }, /* XOF or XAF? */
    { "CI", "Votre credit est de 500 francs", "500", "XOF", NULL },
    { "CH", "Votre credit est de 5.50 francs", "5.50", "CHF", NULL },
    { "UG", "Your account balance is 5270Ushs.", "5270", "UGX", NULL },
    { "KE", "Your airtime balance is Ksh 50.00", "50.00", "KES", NULL },
    { "TZ", "Salio lako ni Tsh 1,000", "1000.00", "TZS", NULL },
    { "NG", "Main Bal: N100.00; Bonus: N0.00", "100.00", "NGN", NULL },
    { "NG",
      "Your balance is \xe2\x82\xa6"
      "250.00",
      "250.00", "NGN", NULL },
    { "IN", "Your balance is Rs 45.50, valid till 30-06-2025", "45.50", "INR", "2025-06-30" },
    { "NP", "Your balance is Rs. 123.45. Valid till 2025-06-30", "123.45", "NPR", "2025-06-30" },
    { "ID", "Sisa pulsa Rp.3000.Aktif sd 26/02/2020.", "3000.00", "IDR", "2020-02-26" },
    { "ID", "Pulsa Rp 25rb s.d. 01-01-2022", "25000.00", "IDR", "2022-01-01" },
    { "CZ", "Zustatek kreditu: 123,45 Kc. Platnost do 30.6.2025", "123.45", "CZK", "2025-06-30" },
    { "PL", "Stan konta: 11.00 zl. Konto wazne do 2025-06-30", "11.00", "PLN", "2025-06-30" },
    { "UA", "Balans 12.34 hrn. Dijsnyj do 30.06.2025", "12.34", "UAH", "2025-06-30" },
    { "RU", "\xd0\x91\xd0\xb0\xd0\xbb\xd0\xb0\xd0\xbd\xd1\x81: 123,45 \xe2\x82\xbd", "123.45", "RUB", NULL },
    { "BR", "Seu saldo e R$ 12,34 valido ate 30/06/2025", "12.34", "BRL", "2025-06-30" },
    { "PE", "Saldo S/ 5.00", "5.00", "PEN", NULL },
    { "BO", "Tu saldo es Bs 20.50", "20.50", "BOB", NULL },
    { "PY", "Tu saldo es Gs. 15.000", "15000", "PYG", NULL },
    { "GT", "Tu saldo es Q25.00", "25.00", "GTQ", NULL },
    { "DO", "Tu balance es RD$150.00", "150.00", "DOP", NULL },
    { "CO", "Su saldo es $5.000. Vence 2025-06-30", "5000.00", "COP", "2025-06-30" },
    { "EC", "USD:5.87", "5.87", "USD", NULL },
    { "LY", "\xd8\xb1\xd8\xb5\xd9\x8a\xd8\xaf\xd9\x83 107.930 \xd8\xaf.\xd9\x84", "107.930", "LYD", NULL },
    { "TH",
      "\xe0\xb8\x84\xe0\xb8\xb8\xe0\xb8\x93\xe0\xb8\xa1\xe0\xb8\xb5 45.50 \xe0\xb8\x9a. "
      "\xe0\xb8\x96\xe0\xb8\xb6\xe0\xb8\x87 30/12/2566",
      "45.50", "THB", "2023-12-30" },
    { "VN", "TKC 10.000d, han 30/06/2025", "10000", "VND", "2025-06-30" },
    { "PH", "Your balance is P50.00 valid until Jun 30, 2025", "50.00", "PHP", "2025-06-30" },
    { "MY", "Baki: RM5.00 Tamat: 30/06/2025", "5.00", "MYR", "2025-06-30" },
    { "ZM", "Your balance is K12.50", "12.50", "ZMW", NULL },
    { "MA", "Votre solde est 12.34 DH", "12.34", "MAD", NULL },
    { "HU", "Egyenlege 1200 Ft, \xc3\xa9rv\xc3\xa9nyes 2026. december 30.", "1200.00", "HUF", "2026-12-30" },
    { "NL", "Je beltegoed is \xe2\x82\xac 5,00, geldig tot 30 juni 2025", "5.00", "EUR", "2025-06-30" },
    { "IT", "Il tuo credito residuo \xc3\xa8 di 5,21 euro, scade il 30 giugno 2025", "5.21", "EUR",
      "2025-06-30" },
    { "TR", "TL bakiyeniz 12,34 TL, 30 Haziran 2025 tarihine kadar", "12.34", "TRY", "2025-06-30" },
    { "KR",
      "\xec\x9e\x94\xec\x95\xa1\xec\x9d\x80 5,000\xec\x9b\x90\xec\x9e\x85\xeb\x8b\x88\xeb\x8b\xa4. "
      "2025\xeb\x85\x84 6\xec\x9b\x94 30\xec\x9d\xbc\xea\xb9\x8c\xec\xa7\x80",
      "5000", "KRW", "2025-06-30" },
    { "JP",
      "\xe6\xae\x8b\xe9\xab\x98\xe3\x81\xaf"
      "500\xe5\x86\x86\xe3\x81\xa7\xe3\x81\x99\xe3\x80\x82"
      "2025\xe5\xb9\xb4"
      "6\xe6\x9c\x88"
      "30\xe6\x97\xa5\xe3\x81\xbe\xe3\x81\xa7",
      "500", "JPY", "2025-06-30" },
    { "RU",
      "\xd0\x91\xd0\xb0\xd0\xbb\xd0\xb0\xd0\xbd\xd1\x81: 100 \xd1\x80\xd1\x83\xd0\xb1. 50 "
      "\xd0\xba\xd0\xbe\xd0\xbf.",
      "100.50", "RUB", NULL },
    { "US", "Balance: 50 cents", "0.50", "USD", NULL }, /* never 50.00 */
    { "US", "Your balance is 5 dollars and 25 cents", "5.25", "USD", NULL },
    { "ES", "Tienes 5 euros y 20 c\xc3\xa9ntimos", "5.20", "EUR", NULL },
    { "GB", "Your balance is 75 pence", "0.75", "GBP", NULL },
    { "IN", "Your balance is Rs 1,23,456.78", "123456.78", "INR", NULL },
    { "DE", "Guthaben: +5,00 EUR", "5.00", "EUR", NULL },
    { "VE", "Tu saldo es Bs.S 150,00", "150.00", "VES", NULL },
    { "VE", "Saldo Bs.F 150,00", NULL, NULL, NULL }, /* withdrawn bolivar */
    { "HK", "Your balance is $50.00", "50.00", "HKD", NULL },
    /* Persian and Arabic-Indic digits, the Arabic decimal separator */
    { "IR",
      "\xd9\x85\xd9\x88\xd8\xac\xd9\x88\xd8\xaf\xdb\x8c \xdb\xb4\xdb\xb3\xdb\xb2\xdb\xb4\xdb\xb0 "
      "\xd8\xb1\xdb\x8c\xd8\xa7\xd9\x84",
      "43240.00", "IRR", NULL },
    { "EG",
      "\xd8\xb1\xd8\xb5\xd9\x8a\xd8\xaf\xd9\x83 \xd9\xa1\xd9\xa2\xd9\xab\xd9\xa5\xd9\xa0 "
      "\xd8\xac\xd9\x86\xd9\x8a\xd9\x87",
      "12.50", "EGP", NULL },
    { "TH",
      "\xe0\xb8\x84\xe0\xb8\xb8\xe0\xb8\x93\xe0\xb8\xa1\xe0\xb8\xb5 45.50 \xe0\xb8\x9a. "
      "\xe0\xb9\x82\xe0\xb8\x9a\xe0\xb8\x99\xe0\xb8\xb1\xe0\xb8\xaa 20.00 \xe0\xb8\x9a.",
      "45.50", "THB", NULL },
    { "PE", "Saldo: 50 SMS", NULL, NULL, NULL }, /* counts, not money */
    { "US", "Balance: 120 min", NULL, NULL, NULL },
    { "GB", "Your balance is 50p", NULL, NULL, NULL }, /* pence: not a guess */
    { "BY", "Balans 3394r", NULL, NULL, NULL },        /* BYR or BYN? */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autofree char   *amount = NULL, *expiry = NULL;
    SaldoBalanceHints  hints;
    SaldoBalanceResult result;

    g_test_message ("%s: %s", cases[i].country != NULL ? cases[i].country : "-", cases[i].text);
    saldo_balance_hints_init (&hints);
    hints.country = cases[i].country;
    g_assert_true (parse_exact (cases[i].text, strlen (cases[i].text), &hints, &result, &error));
    amount = format_amount (&result);
    expiry = saldo_balance_result_dup_expiry (&result);
    g_assert_cmpstr (amount, ==, cases[i].amount);
    if (cases[i].amount != NULL)
      g_assert_cmpstr (result.currency, ==, cases[i].currency);
    g_assert_cmpstr (expiry, ==, cases[i].expiry);
    saldo_balance_result_clear (&result);
  }
}

/* Relative expiries count from the reading's time. */
static void
test_relative_expiry (void)
{
  static const struct {
    const char *text;
    const char *expiry;
  } cases[] = {
    { "Saldo S/ 5.00, v\xc3\xa1lido por 30 d\xc3\xad"
      "as",
      "2026-01-31" },
    { "Tu saldo es $50.00 y vence en 2 semanas", "2026-01-15" },
    { "Balance $5.00, valid for 1 month", "2026-02-01" },
    { "Saldo S/ 5.00, 3 d\xc3\xad"
      "as de vigencia",
      "2026-01-04" },
    { "Saldo S/ 5.00 por 30 d\xc3\xad"
      "as",
      NULL }, /* no expiry word */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autofree char   *expiry = NULL;
    SaldoBalanceHints  hints;
    SaldoBalanceResult result;

    g_test_message ("%s", cases[i].text);
    saldo_balance_hints_init (&hints);
    hints.country = "PE";
    hints.now = unix_time_of ("2026-01-01");
    g_assert_true (parse_exact (cases[i].text, strlen (cases[i].text), &hints, &result, &error));
    g_assert_true (result.has_amount);
    expiry = saldo_balance_result_dup_expiry (&result);
    g_assert_cmpstr (expiry, ==, cases[i].expiry);
    saldo_balance_result_clear (&result);
  }
}

static void
test_trap_homoglyphs (void)
{
  static const TrapCase cases[] = {
    /* Latin 'a' inside Cyrillic "Баланс". */
    { "\xd0\x91"
      "a"
      "\xd0\xbb"
      "a"
      "\xd0\xbd\xd1\x81: 310,55\xd1\x80",
      "RU", SALDO_REPLY_KIND_BALANCE, "310.55", "RUB", 1 },
    /* Cyrillic 'а' and 'о' inside Latin "Saldo". */
    { "S\xd0\xb0ld\xd0\xbe: S/ 2.00", "PE", SALDO_REPLY_KIND_BALANCE, "2.00", "PEN", 1 },
    /* A lone Cyrillic "р" stays the rouble sign. */
    { "Баланс 5р", "RU", SALDO_REPLY_KIND_BALANCE, "5.00", "RUB", 1 },
    /* Decomposed accent: "Kc" + combining caron. */
    { "Zustatek 120 Kc\xcc\x8c", "CZ", SALDO_REPLY_KIND_BALANCE, "120.00", "CZK", 1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    check_trap (&cases[i]);
}

static void
test_trap_zero_balance (void)
{
  g_autoptr(GError) error = NULL;
  const char        *text = "Usted no tiene saldo en sus cuentas";
  SaldoBalanceHints  hints;
  SaldoBalanceResult result;

  saldo_balance_hints_init (&hints);
  hints.country = "PE";
  g_assert_true (parse_exact (text, strlen (text), &hints, &result, &error));
  g_assert_cmpint (result.kind, ==, SALDO_REPLY_KIND_BALANCE);
  g_assert_true (result.has_amount);
  g_assert_cmpint (result.amount_minor, ==, 0);
  g_assert_cmpstr (result.currency, ==, "PEN");
  g_assert_cmpuint (result.currency_span.start, ==, result.currency_span.end);
  saldo_balance_result_clear (&result);

  /* The default currency beats the country. */
  hints.default_currency = "USD";
  g_assert_true (parse_exact (text, strlen (text), &hints, &result, &error));
  g_assert_cmpstr (result.currency, ==, "USD");
  saldo_balance_result_clear (&result);

  /* Nothing to tell the currency: amount 0, currency unknown. */
  saldo_balance_hints_init (&hints);
  g_assert_true (parse_exact (text, strlen (text), &hints, &result, &error));
  g_assert_true (result.has_amount);
  g_assert_cmpstr (result.currency, ==, "");
  saldo_balance_result_clear (&result);
}

static void
test_dollar_by_country (void)
{
  static const struct {
    const char *country;
    const char *currency;
    const char *amount;
  } cases[] = {
    { "PE", "USD", "1200.00" }, { "MX", "MXN", "1200.00" }, { "US", "USD", "1200.00" },
    { "AR", "ARS", "1200.00" }, { "CL", "CLP", "1200" },    { "CO", "COP", "1200.00" },
    { NULL, "USD", "1200.00" }, { "DE", "USD", "1200.00" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    TrapCase c = { "Saldo $1.200",  cases[i].country,  SALDO_REPLY_KIND_BALANCE,
                   cases[i].amount, cases[i].currency, 1 };

    check_trap (&c);
  }
}

static void
test_invalid_input (void)
{
  static const struct {
    const char *text;
    gsize       len;
  } cases[] = {
    { "\xff", 1 },
    { "Saldo S/ 5\xc3", 11 }, /* truncated sequence */
    { "Saldo\0S/ 5.00", 14 }, /* NUL inside the given length */
    { "\xed\xa0\x80", 3 },    /* UTF-16 surrogate */
    { "\xc0\xaf", 2 },        /* overlong */
  };
  SaldoBalanceResult result;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;

    g_assert_false (parse_exact (cases[i].text, cases[i].len, NULL, &result, &error));
    g_assert_error (error, SALDO_BALANCE_PARSER_ERROR, SALDO_BALANCE_PARSER_ERROR_INVALID_INPUT);
    g_assert_cmpint (result.kind, ==, SALDO_REPLY_KIND_UNKNOWN);
    g_assert_null (result.explanation);
  }
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (saldo_balance_parse (NULL, 0, NULL, &result, &error));
    g_assert_error (error, SALDO_BALANCE_PARSER_ERROR, SALDO_BALANCE_PARSER_ERROR_INVALID_INPUT);
  }
}

static void
test_length_limits_text (void)
{
  g_autoptr(GError) error = NULL;
  const char        *text = "Saldo S/ 8.40 99 soles";
  SaldoBalanceResult result;

  /* Only the first 13 bytes count: "Saldo S/ 8.40". */
  g_assert_true (parse_exact (text, 13, NULL, &result, &error));
  g_assert_cmpint (result.amount_minor, ==, 840);
  g_assert_cmpuint (result.amount_span.end, ==, 13);
  /* Cut inside the number: "Saldo S/ 8.4" is still exact. */
  g_assert_true (parse_exact (text, 12, NULL, &result, &error));
  g_assert_cmpint (result.amount_minor, ==, 840);
  /* Cut after the separator: "Saldo S/ 8." reads 8. */
  g_assert_true (parse_exact (text, 11, NULL, &result, &error));
  g_assert_cmpint (result.amount_minor, ==, 800);
  /* -1 means NUL-terminated. */
  g_assert_true (saldo_balance_parse (text, -1, NULL, &result, &error));
  g_assert_cmpint (result.amount_minor, ==, 840);
}

static void
assert_span_text (const char *text, const SaldoTextSpan *span, const char *want)
{
  g_assert_cmpmem (text + span->start, span->end - span->start, want, strlen (want));
}

static void
test_spans (void)
{
  g_autoptr(GError) error = NULL;
  const char        *text = "Saldo: S/ 8.40, datos 1,5 GB, vence el 30 de diciembre de 2026";
  SaldoBalanceHints  hints;
  SaldoBalanceResult result;

  saldo_balance_hints_init (&hints);
  hints.country = "PE";
  g_assert_true (parse_exact (text, strlen (text), &hints, &result, &error));
  assert_span_text (text, &result.amount_span, "8.40");
  assert_span_text (text, &result.currency_span, "S/");
  assert_span_text (text, &result.data_span, "1,5 GB");
  assert_span_text (text, &result.expiry_span, "30 de diciembre de 2026");
  assert_span_text (text, &result.buckets[0].span, "S/ 8.40");
  g_assert_cmpuint (result.data_bytes, ==, G_GUINT64_CONSTANT (1610612736));
}

static void
test_eastern_digit_spans (void)
{
  g_autoptr(GError) error = NULL;
  /* "رصيدك ١٢٫٥٠ جنيه" */
  const char *text = "\xd8\xb1\xd8\xb5\xd9\x8a\xd8\xaf\xd9\x83 \xd9\xa1\xd9\xa2\xd9\xab\xd9\xa5\xd9\xa0 "
                     "\xd8\xac\xd9\x86\xd9\x8a\xd9\x87";
  SaldoBalanceHints  hints;
  SaldoBalanceResult result;

  saldo_balance_hints_init (&hints);
  hints.country = "EG";
  g_assert_true (parse_exact (text, strlen (text), &hints, &result, &error));
  g_assert_cmpint (result.amount_minor, ==, 1250);
  assert_span_text (text, &result.amount_span, "\xd9\xa1\xd9\xa2\xd9\xab\xd9\xa5\xd9\xa0");
  assert_span_text (text, &result.currency_span, "\xd8\xac\xd9\x86\xd9\x8a\xd9\x87");
  saldo_balance_result_clear (&result);
}

static void
test_decimal_marks (void)
{
  static const struct {
    const char             *text;
    SaldoBalanceDecimalMark mark;
    gboolean                has_amount;
    gint64                  minor;
  } cases[] = {
    { "Saldo 8,40 EUR", SALDO_BALANCE_DECIMAL_AUTO, TRUE, 840 },
    { "Saldo 8.40 EUR", SALDO_BALANCE_DECIMAL_AUTO, TRUE, 840 },
    { "Saldo 8,40 EUR", SALDO_BALANCE_DECIMAL_POINT, FALSE, 0 },
    { "Saldo 8.40 EUR", SALDO_BALANCE_DECIMAL_COMMA, FALSE, 0 },
    { "Saldo 1,234 EUR", SALDO_BALANCE_DECIMAL_POINT, TRUE, 123400 },
    { "Saldo 1.234 EUR", SALDO_BALANCE_DECIMAL_COMMA, TRUE, 123400 },
    { "Saldo 1.234,56 EUR", SALDO_BALANCE_DECIMAL_AUTO, TRUE, 123456 },
    { "Saldo 1,234.56 EUR", SALDO_BALANCE_DECIMAL_AUTO, TRUE, 123456 },
    { "Saldo 1 234,56 EUR", SALDO_BALANCE_DECIMAL_AUTO, TRUE, 123456 },
    { "Saldo 1\xc2\xa0"
      "234,56 EUR",
      SALDO_BALANCE_DECIMAL_AUTO, TRUE, 123456 },
    { "Saldo 1'234.50 CHF", SALDO_BALANCE_DECIMAL_AUTO, TRUE, 123450 },
    { "Saldo 1.234.567,00 EUR", SALDO_BALANCE_DECIMAL_AUTO, TRUE, 123456700 },
    { "Saldo 1.23.456 EUR", SALDO_BALANCE_DECIMAL_AUTO, FALSE, 0 },
    { "Saldo 8.405 EUR", SALDO_BALANCE_DECIMAL_AUTO, TRUE, 840500 }, /* thousands */
    { "Saldo 8.4050 EUR", SALDO_BALANCE_DECIMAL_AUTO, FALSE, 0 },    /* too exact */
    { "Saldo 8.4000 EUR", SALDO_BALANCE_DECIMAL_AUTO, TRUE, 840 },   /* zeros only */
    { "Saldo 1.250 BHD", SALDO_BALANCE_DECIMAL_AUTO, TRUE, 1250 },
    { "Saldo 1.250 BHD", SALDO_BALANCE_DECIMAL_COMMA, TRUE, 1250000 },
    { "Saldo 99999999999999 EUR", SALDO_BALANCE_DECIMAL_AUTO, TRUE, G_GINT64_CONSTANT (9999999999999900) },
    { "Saldo 999999999999999 EUR", SALDO_BALANCE_DECIMAL_AUTO, FALSE, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;
    SaldoBalanceHints  hints;
    SaldoBalanceResult result;

    g_test_message ("%s", cases[i].text);
    saldo_balance_hints_init (&hints);
    hints.decimal_mark = cases[i].mark;
    g_assert_true (parse_exact (cases[i].text, strlen (cases[i].text), &hints, &result, &error));
    g_assert_cmpint (result.has_amount, ==, cases[i].has_amount);
    if (cases[i].has_amount)
      g_assert_cmpint (result.amount_minor, ==, cases[i].minor);
  }
}

static void
test_dates (void)
{
  static const struct {
    const char           *text;
    const char           *country;
    SaldoBalanceDateOrder order;
    const char           *now;
    const char           *expiry; /* NULL: none */
  } cases[] = {
    { "Saldo S/ 1.00 vence 30/12/2026", "PE", SALDO_BALANCE_DATE_AUTO, NULL, "2026-12-30" },
    { "Saldo S/ 1.00 vence 30.12.2026", "PE", SALDO_BALANCE_DATE_AUTO, NULL, "2026-12-30" },
    { "Saldo S/ 1.00 vence 30-12-26", "PE", SALDO_BALANCE_DATE_AUTO, NULL, "2026-12-30" },
    { "Saldo S/ 1.00 vence 2026-12-30", "PE", SALDO_BALANCE_DATE_AUTO, NULL, "2026-12-30" },
    { "Balance $1.00 expires 12/30/2026", "US", SALDO_BALANCE_DATE_AUTO, NULL, "2026-12-30" },
    { "Balance $1.00 expires 12/30/2026", "PE", SALDO_BALANCE_DATE_MDY, NULL, "2026-12-30" },
    { "Balance $1.00 expires 12/30/2026", "PE", SALDO_BALANCE_DATE_DMY, NULL, NULL },
    { "Balance $1.00 expires 26/12/30", NULL, SALDO_BALANCE_DATE_YMD, NULL, "2026-12-30" },
    { "Saldo S/ 1.00 vence el 30 de diciembre de 2026", "PE", SALDO_BALANCE_DATE_AUTO, NULL, "2026-12-30" },
    { "Balance $1.00 expires Dec 30, 2026", "US", SALDO_BALANCE_DATE_AUTO, NULL, "2026-12-30" },
    { "Balance $1.00 expires 30th of December 2026", "GB", SALDO_BALANCE_DATE_AUTO, NULL, "2026-12-30" },
    { "Saldo R$ 1,00 validade 30 dezembro 2026", "BR", SALDO_BALANCE_DATE_AUTO, NULL, "2026-12-30" },
    { "Solde 1,00 € valable jusqu'au 30 décembre 2026", "FR", SALDO_BALANCE_DATE_AUTO, NULL, "2026-12-30" },
    { "Guthaben 1,00 € gültig bis 30. Dezember 2026", "DE", SALDO_BALANCE_DATE_AUTO, NULL, "2026-12-30" },
    { "Баланс 1,00 ₽ до 30 декабря 2026", "RU", SALDO_BALANCE_DATE_AUTO, NULL,
      "2026-12-30" },
    /* Invalid days, years out of range, non-Gregorian years. */
    { "Saldo S/ 1.00 vence 29/02/2027", "PE", SALDO_BALANCE_DATE_AUTO, NULL, NULL },
    { "Saldo S/ 1.00 vence 29/02/2028", "PE", SALDO_BALANCE_DATE_AUTO, NULL, "2028-02-29" },
    { "Saldo S/ 1.00 vence 31/04/2026", "PE", SALDO_BALANCE_DATE_AUTO, NULL, NULL },
    { "Saldo S/ 1.00 vence 30/12/1989", "PE", SALDO_BALANCE_DATE_AUTO, NULL, NULL },
    { "Saldo S/ 1.00 vence 30/12/2101", "PE", SALDO_BALANCE_DATE_AUTO, NULL, NULL },
    { "Saldo S/ 1.00 vence 1405/10/09", "PE", SALDO_BALANCE_DATE_AUTO, NULL, NULL },
    { "Balance 1.00 THB expire 30/12/2569", "TH", SALDO_BALANCE_DATE_AUTO, NULL, "2026-12-30" },
    { "Balance 1.00 THB expire 30/12/2569", "PE", SALDO_BALANCE_DATE_AUTO, NULL, NULL },
    /* Dates without a year need now. */
    { "Saldo S/ 1.00 vence 05/01", "PE", SALDO_BALANCE_DATE_AUTO, NULL, NULL },
    { "Saldo S/ 1.00 vence 05/01", "PE", SALDO_BALANCE_DATE_AUTO, "2026-01-05", "2026-01-05" },
    { "Saldo S/ 1.00 vence 05/01", "PE", SALDO_BALANCE_DATE_AUTO, "2026-01-06", "2027-01-05" },
    { "Saldo S/ 1.00 vence el 30 de diciembre", "PE", SALDO_BALANCE_DATE_AUTO, "2026-06-01", "2026-12-30" },
    /* A date without an expiry word is not an expiry. */
    { "Saldo al 30/12/2026: S/ 1.00", "PE", SALDO_BALANCE_DATE_AUTO, NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autofree char   *got = NULL;
    SaldoBalanceHints  hints;
    SaldoBalanceResult result;

    g_test_message ("%s", cases[i].text);
    saldo_balance_hints_init (&hints);
    hints.country = cases[i].country;
    hints.date_order = cases[i].order;
    hints.now = cases[i].now != NULL ? unix_time_of (cases[i].now) : 0;
    g_assert_true (parse_exact (cases[i].text, strlen (cases[i].text), &hints, &result, &error));
    g_assert_cmpint (result.kind, ==, SALDO_REPLY_KIND_BALANCE);
    got = saldo_balance_result_dup_expiry (&result);
    g_assert_cmpstr (got, ==, cases[i].expiry);
  }
}

static void
test_data_units (void)
{
  static const struct {
    const char *text;
    guint64     bytes;
  } cases[] = {
    { "Te quedan 512 KB", 524288 },       { "Te quedan 100 MB", 104857600 },
    { "Te quedan 100MB", 104857600 },     { "Te quedan 1,5 GB", 1610612736 },
    { "Te quedan 1.5GB", 1610612736 },    { "Te quedan 2 TB", G_GUINT64_CONSTANT (2199023255552) },
    { "Te quedan 1.024 MB", 1073741824 }, { "Te quedan 0,1 MB", 104857 },
    { "Осталось 300 МБ", 314572800 },     { "Il reste 2 Go", 2147483648 },
    { "Te quedan 20 megas", 20971520 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;
    SaldoBalanceResult result;

    g_test_message ("%s", cases[i].text);
    g_assert_true (parse_exact (cases[i].text, strlen (cases[i].text), NULL, &result, &error));
    g_assert_cmpint (result.kind, ==, SALDO_REPLY_KIND_BALANCE);
    g_assert_false (result.has_amount);
    g_assert_true (result.has_data);
    g_assert_cmpuint (result.data_bytes, ==, cases[i].bytes);
  }
}

static void
test_explain (void)
{
  g_autoptr(GError) error = NULL;
  const char        *text = "Tu plan de S/ 29.90 se renueva el 05/01. Saldo: S/ 8.40";
  SaldoBalanceHints  hints;
  SaldoBalanceResult result;
  gboolean           price_noted = FALSE;

  saldo_balance_hints_init (&hints);
  hints.explain = TRUE;
  g_assert_true (parse_exact (text, strlen (text), &hints, &result, &error));
  g_assert_nonnull (result.explanation);
  for (guint i = 0; i < result.explanation->len; i++) {
    const char *line = g_ptr_array_index (result.explanation, i);

    if (strstr (line, "29.90") != NULL && strstr (line, "price") != NULL)
      price_noted = TRUE;
  }
  g_assert_true (price_noted);
  saldo_balance_result_clear (&result);
  g_assert_null (result.explanation);
  g_assert_cmpint (result.kind, ==, SALDO_REPLY_KIND_UNKNOWN);

  hints.explain = FALSE;
  g_assert_true (parse_exact (text, strlen (text), &hints, &result, &error));
  g_assert_null (result.explanation);
}

static void
test_patterns (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) patterns = g_ptr_array_new_with_free_func ((GDestroyNotify) g_regex_unref);
  const char        *text = "BAL=12.50 PEN; EXP 2026-12-30; DAT 300MB";
  const char        *other = "Saldo S/ 3.00";
  SaldoBalanceHints  hints;
  SaldoBalanceResult result;

  /* The first pattern never matches; the second does. */
  g_ptr_array_add (patterns, g_regex_new ("^NEVER(?<amount>\\d+)", 0, 0, &error));
  g_assert_no_error (error);
  g_ptr_array_add (patterns, g_regex_new ("BAL=(?<amount>[0-9.]+) (?<currency>[A-Z]{3}); "
                                          "EXP (?<expiry>[0-9-]+); DAT (?<data>\\d+MB)",
                                          0, 0, &error));
  g_assert_no_error (error);
  saldo_balance_hints_init (&hints);
  hints.patterns = patterns;
  hints.explain = TRUE;

  g_assert_true (parse_exact (text, strlen (text), &hints, &result, &error));
  g_assert_cmpint (result.kind, ==, SALDO_REPLY_KIND_BALANCE);
  g_assert_cmpint (result.amount_minor, ==, 1250);
  g_assert_cmpstr (result.currency, ==, "PEN");
  assert_span_text (text, &result.amount_span, "12.50");
  assert_span_text (text, &result.currency_span, "PEN");
  assert_span_text (text, &result.expiry_span, "2026-12-30");
  assert_span_text (text, &result.data_span, "300MB");
  g_assert_cmpuint (result.data_bytes, ==, 314572800);
  g_assert_cmpuint (result.n_buckets, ==, 2);
  g_assert_cmpint (result.buckets[0].label, ==, SALDO_BUCKET_MAIN);
  g_assert_cmpint (result.buckets[1].label, ==, SALDO_BUCKET_DATA);
  g_assert_cmpuint (result.explanation->len, >, 0);
  saldo_balance_result_clear (&result);

  /* No pattern matches: the generic scanner runs. */
  g_assert_true (parse_exact (other, strlen (other), &hints, &result, &error));
  g_assert_cmpint (result.amount_minor, ==, 300);
  g_assert_cmpstr (result.currency, ==, "PEN");
  saldo_balance_result_clear (&result);
}

static void
test_long_input (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) text = g_string_new ("Saldo S/ 5.00.");
  SaldoBalanceResult result;

  for (guint i = 0; i < 2000; i++)
    g_string_append (text, " bla 1");
  g_assert_true (parse_exact (text->str, text->len, NULL, &result, &error));
  g_assert_cmpint (result.kind, ==, SALDO_REPLY_KIND_BALANCE);
  g_assert_cmpint (result.amount_minor, ==, 500);
}

static void
test_kind_strings (void)
{
  static const SaldoReplyKind kinds[] = {
    SALDO_REPLY_KIND_UNKNOWN,
    SALDO_REPLY_KIND_BALANCE,
    SALDO_REPLY_KIND_MENU,
    SALDO_REPLY_KIND_ERROR,
  };
  SaldoReplyKind kind = SALDO_REPLY_KIND_MENU;

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++) {
    SaldoReplyKind back;

    g_assert_true (saldo_reply_kind_from_string (saldo_reply_kind_to_string (kinds[i]), &back));
    g_assert_cmpint (back, ==, kinds[i]);
  }
  g_assert_cmpstr (saldo_reply_kind_to_string (SALDO_REPLY_KIND_BALANCE), ==, "balance");
  g_assert_null (saldo_reply_kind_to_string ((SaldoReplyKind) 42));
  g_assert_false (saldo_reply_kind_from_string ("Balance", &kind));
  g_assert_false (saldo_reply_kind_from_string (NULL, &kind));
  g_assert_cmpint (kind, ==, SALDO_REPLY_KIND_MENU);
}

static void
test_result_helpers (void)
{
  SaldoBalanceHints  hints;
  SaldoBalanceResult result;
  g_autofree char   *expiry = NULL;

  memset (&hints, 0xAA, sizeof (hints));
  saldo_balance_hints_init (&hints);
  g_assert_null (hints.country);
  g_assert_null (hints.default_currency);
  g_assert_null (hints.patterns);
  g_assert_cmpint (hints.decimal_mark, ==, SALDO_BALANCE_DECIMAL_AUTO);
  g_assert_cmpint (hints.date_order, ==, SALDO_BALANCE_DATE_AUTO);
  g_assert_cmpint (hints.now, ==, 0);
  g_assert_false (hints.explain);

  memset (&result, 0, sizeof (result));
  g_assert_null (saldo_balance_result_dup_expiry (&result));
  result.has_expiry = TRUE;
  result.expiry_year = 2026;
  result.expiry_month = 1;
  result.expiry_day = 5;
  expiry = saldo_balance_result_dup_expiry (&result);
  g_assert_cmpstr (expiry, ==, "2026-01-05");
}

static void
test_tables (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (saldo_balance_parser_check_tables (&error));
  g_assert_no_error (error);
}

int
main (int argc, char *argv[])
{
  g_autoptr(GPtrArray) corpus = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  g_test_init (&argc, &argv, NULL);

  path = g_test_build_filename (G_TEST_DIST, "data", "balance-corpus.txt", NULL);
  corpus = g_ptr_array_new_with_free_func ((GDestroyNotify) saldo_corpus_entry_free);
  g_assert_true (saldo_corpus_load (path, corpus, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (corpus->len, >=, 80);
  for (guint i = 0; i < corpus->len; i++) {
    const SaldoCorpusEntry *entry = g_ptr_array_index (corpus, i);
    g_autofree char *name = g_strdup_printf ("/balance-parser/corpus/%03u-line-%u", i + 1, entry->line);

    g_test_add_data_func (name, entry, test_corpus_entry);
  }

  g_test_add_func ("/balance-parser/world-corpus", test_world_corpus);
  g_test_add_func ("/balance-parser/property/mutations", test_property_mutations);
  g_test_add_func ("/balance-parser/trap/first-amount-is-price", test_trap_first_amount_is_price);
  g_test_add_func ("/balance-parser/trap/numbers-not-amounts", test_trap_numbers_not_amounts);
  g_test_add_func ("/balance-parser/trap/menus", test_trap_menus);
  g_test_add_func ("/balance-parser/trap/errors", test_trap_errors);
  g_test_add_func ("/balance-parser/trap/empty", test_trap_empty);
  g_test_add_func ("/balance-parser/trap/sub-balances", test_trap_sub_balances);
  g_test_add_func ("/balance-parser/trap/many-sub-balances", test_trap_many_sub_balances);
  g_test_add_func ("/balance-parser/trap/buckets", test_trap_buckets);
  g_test_add_func ("/balance-parser/trap/homoglyphs", test_trap_homoglyphs);
  g_test_add_func ("/balance-parser/world-shapes", test_world_shapes);
  g_test_add_func ("/balance-parser/relative-expiry", test_relative_expiry);
  g_test_add_func ("/balance-parser/trap/zero-balance", test_trap_zero_balance);
  g_test_add_func ("/balance-parser/currency/dollar-by-country", test_dollar_by_country);
  g_test_add_func ("/balance-parser/input/invalid", test_invalid_input);
  g_test_add_func ("/balance-parser/input/length-limits-text", test_length_limits_text);
  g_test_add_func ("/balance-parser/input/long", test_long_input);
  g_test_add_func ("/balance-parser/spans", test_spans);
  g_test_add_func ("/balance-parser/decimal-marks", test_decimal_marks);
  g_test_add_func ("/balance-parser/eastern-digit-spans", test_eastern_digit_spans);
  g_test_add_func ("/balance-parser/dates", test_dates);
  g_test_add_func ("/balance-parser/data-units", test_data_units);
  g_test_add_func ("/balance-parser/explain", test_explain);
  g_test_add_func ("/balance-parser/patterns", test_patterns);
  g_test_add_func ("/balance-parser/api/kind-strings", test_kind_strings);
  g_test_add_func ("/balance-parser/api/result-helpers", test_result_helpers);
  g_test_add_func ("/balance-parser/api/tables", test_tables);

  return g_test_run ();
}
