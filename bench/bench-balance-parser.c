/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
 * Throughput of the balance-reply parser over the corpus, next to a naive
 * alternative: one generic GRegex compiled once,
 *   (?i)(saldo|balance)\D{0,20}(\d+[.,]\d{2})
 * which only finds an amount (no kinds, no currency, no traps), so it is a
 * floor to compare with, not an equivalent.
 *
 * Usage: bench-balance-parser tests/data/balance-corpus.txt [seconds]
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "saldo-balance-parser.h"

typedef struct {
  char *text;
  char *country;
  char *currency;
} BenchReply;

static void
bench_reply_free (BenchReply *reply)
{
  g_free (reply->text);
  g_free (reply->country);
  g_free (reply->currency);
  g_free (reply);
}

static char *
unescape (const char *s)
{
  GString *out = g_string_new (NULL);

  for (; *s != '\0'; s++) {
    if (s[0] == '\\' && (s[1] == 'n' || s[1] == '\\')) {
      g_string_append_c (out, s[1] == 'n' ? '\n' : '\\');
      s++;
    } else {
      g_string_append_c (out, *s);
    }
  }
  return g_string_free (out, FALSE);
}

/* Keeps text, country and currency of each block; see the corpus header. */
static GPtrArray *
load_replies (const char  *path,
              GError     **error)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GPtrArray) replies = g_ptr_array_new_with_free_func ((GDestroyNotify) bench_reply_free);
  BenchReply *cur = NULL;

  if (!g_file_get_contents (path, &contents, NULL, error))
    return NULL;
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    const char *line = lines[i];

    if (line[0] == '#')
      continue;
    if (line[0] == '\0') {
      cur = NULL;
      continue;
    }
    if (cur == NULL) {
      cur = g_new0 (BenchReply, 1);
      g_ptr_array_add (replies, cur);
    }
    if (g_str_has_prefix (line, "text:"))
      cur->text = unescape (line[5] == ' ' ? line + 6 : line + 5);
    else if (g_str_has_prefix (line, "country: "))
      cur->country = g_strdup (line + 9);
    else if (g_str_has_prefix (line, "currency: "))
      cur->currency = g_strdup (line + 10);
  }
  for (guint i = 0; i < replies->len; i++) {
    BenchReply *r = g_ptr_array_index (replies, i);

    if (r->text == NULL)
      r->text = g_strdup ("");
  }
  return g_steal_pointer (&replies);
}

typedef guint (*BenchFunc) (GPtrArray *replies, gpointer user_data);

static guint
run_parser (GPtrArray *replies,
            gpointer   user_data)
{
  guint balances = 0;

  for (guint i = 0; i < replies->len; i++) {
    const BenchReply *r = g_ptr_array_index (replies, i);
    SaldoBalanceHints hints;
    SaldoBalanceResult result;

    saldo_balance_hints_init (&hints);
    hints.country = r->country;
    hints.default_currency = r->currency;
    if (saldo_balance_parse (r->text, -1, &hints, &result, NULL) &&
        result.kind == SALDO_REPLY_KIND_BALANCE)
      balances++;
    saldo_balance_result_clear (&result);
  }
  return balances;
}

static guint
run_regex (GPtrArray *replies,
           gpointer   user_data)
{
  GRegex *regex = user_data;
  guint balances = 0;

  for (guint i = 0; i < replies->len; i++) {
    const BenchReply *r = g_ptr_array_index (replies, i);
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
measure (const char *name,
         BenchFunc   func,
         GPtrArray  *replies,
         gpointer    user_data,
         double      seconds)
{
  gint64 start, elapsed;
  guint64 parsed = 0;
  guint balances = 0;

  /* Warm the caches once, then run whole passes until the time is up. */
  func (replies, user_data);
  start = g_get_monotonic_time ();
  do {
    balances = func (replies, user_data);
    parsed += replies->len;
    elapsed = g_get_monotonic_time () - start;
  } while (elapsed < (gint64) (seconds * G_USEC_PER_SEC));

  printf ("%-40s %12.0f replies/s  (%" G_GUINT64_FORMAT " replies in %.2f s, %u/%u balances per pass)\n",
          name, (double) parsed / ((double) elapsed / G_USEC_PER_SEC), parsed,
          (double) elapsed / G_USEC_PER_SEC, balances, replies->len);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) replies = NULL;
  g_autoptr(GRegex) regex = NULL;
  double seconds = 2.0;

  if (argc < 2) {
    fprintf (stderr, "Usage: %s CORPUS [SECONDS]\n", argv[0]);
    return EXIT_FAILURE;
  }
  if (argc > 2)
    seconds = g_ascii_strtod (argv[2], NULL);
  if (seconds <= 0)
    seconds = 2.0;

  replies = load_replies (argv[1], &error);
  if (replies == NULL) {
    fprintf (stderr, "Cannot read %s: %s\n", argv[1], error->message);
    return EXIT_FAILURE;
  }
  regex = g_regex_new ("(?i)(saldo|balance)\\D{0,20}(\\d+[.,]\\d{2})", G_REGEX_OPTIMIZE, 0, &error);
  if (regex == NULL) {
    fprintf (stderr, "Cannot compile the naive regex: %s\n", error->message);
    return EXIT_FAILURE;
  }

  printf ("%u replies from %s, %.1f s each\n", replies->len, argv[1], seconds);
  measure ("saldo_balance_parse", run_parser, replies, NULL, seconds);
  measure ("naive GRegex (one pattern, precompiled)", run_regex, replies, regex, seconds);
  return EXIT_SUCCESS;
}
