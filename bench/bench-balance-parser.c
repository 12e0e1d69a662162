/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
 * Throughput of the balance-reply parser over the corpus, next to a naive
 * alternative: one generic GRegex compiled once,
 *   (?i)(saldo|balance)\D{0,20}(\d+[.,]\d{2})
 * which only finds an amount (no kinds, no currency, no traps), so it is a
 * floor to compare with, not an equivalent.
 *
 * Usage: bench-balance-parser SECONDS CORPUS|DIR...  (the old corpus and
 * tests/data/world-corpus/, which meson passes)
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "saldo-balance-parser.h"
#include "saldo-test-corpus.h"

static double
cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

typedef guint (*BenchFunc) (GPtrArray *replies, gpointer user_data);

static guint
run_parser (GPtrArray *replies, gpointer user_data)
{
  guint balances = 0;

  for (guint i = 0; i < replies->len; i++) {
    const SaldoCorpusEntry *r = g_ptr_array_index (replies, i);
    SaldoBalanceHints       hints;
    SaldoBalanceResult      result;

    saldo_corpus_hints (r, &hints);
    if (saldo_balance_parse (r->text, -1, &hints, &result, NULL) && result.kind == SALDO_REPLY_KIND_BALANCE)
      balances++;
    saldo_balance_result_clear (&result);
  }
  return balances;
}

static guint
run_regex (GPtrArray *replies, gpointer user_data)
{
  GRegex *regex = user_data;
  guint   balances = 0;

  for (guint i = 0; i < replies->len; i++) {
    const SaldoCorpusEntry *r = g_ptr_array_index (replies, i);
    g_autoptr(GMatchInfo) info = NULL;

    if (g_regex_match (regex, r->text, 0, &info)) {
      g_autofree char *amount = g_match_info_fetch (info, 2);

      if (g_ascii_strtod (amount, NULL) >= 0)
        balances++;
    }
  }
  return balances;
}

static void
measure (const char *name, BenchFunc func, GPtrArray *replies, gpointer user_data, double seconds)
{
  gint64  start, elapsed;
  double  cpu_start, cpu;
  guint64 parsed = 0;
  guint   balances = 0;

  /* Warm the caches once, then run whole passes until the time is up.
   * The rate is per second of this process's CPU time, so that other
   * work on a busy machine does not count; wall time is shown too. */
  func (replies, user_data);
  start = g_get_monotonic_time ();
  cpu_start = cpu_seconds ();
  do {
    balances = func (replies, user_data);
    parsed += replies->len;
    elapsed = g_get_monotonic_time () - start;
  } while (elapsed < (gint64) (seconds * G_USEC_PER_SEC));
  cpu = cpu_seconds () - cpu_start;

  printf ("%-40s %12.0f replies/s  (%" G_GUINT64_FORMAT " replies in %.2f s CPU, %.2f s wall, "
          "%u/%u balances per pass)\n",
          name, (double) parsed / cpu, parsed, cpu, (double) elapsed / G_USEC_PER_SEC, balances,
          replies->len);
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) replies = NULL;
  g_autoptr(GRegex) regex = NULL;
  double seconds = 2.0;

  if (argc < 3) {
    fprintf (stderr, "Usage: %s SECONDS CORPUS|DIR...\n", argv[0]);
    return EXIT_FAILURE;
  }
  seconds = g_ascii_strtod (argv[1], NULL);
  if (seconds <= 0)
    seconds = 2.0;
  replies = g_ptr_array_new_with_free_func ((GDestroyNotify) saldo_corpus_entry_free);
  for (int i = 2; i < argc; i++) {
    gboolean ok = g_file_test (argv[i], G_FILE_TEST_IS_DIR) ? saldo_corpus_load_dir (argv[i], replies, &error)
                                                            : saldo_corpus_load (argv[i], replies, &error);

    if (!ok) {
      fprintf (stderr, "Cannot read %s: %s\n", argv[i], error->message);
      return EXIT_FAILURE;
    }
  }
  regex = g_regex_new ("(?i)(saldo|balance)\\D{0,20}(\\d+[.,]\\d{2})", G_REGEX_OPTIMIZE, 0, &error);
  if (regex == NULL) {
    fprintf (stderr, "Cannot compile the naive regex: %s\n", error->message);
    return EXIT_FAILURE;
  }

  printf ("%u replies from %d corpora, %.1f s each\n", replies->len, argc - 2, seconds);
  measure ("saldo_balance_parse", run_parser, replies, NULL, seconds);
  measure ("naive GRegex (one pattern, precompiled)", run_regex, replies, regex, seconds);
  return EXIT_SUCCESS;
}
