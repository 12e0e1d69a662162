/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "saldo-balance-parser.h"

G_BEGIN_DECLS

/*
 * The reply corpora (tests/data/balance-corpus.txt and the per-country
 * files of tests/data/world-corpus/, format in their headers), shared by
 * the parser tests and the benchmark, and the one judgement of a reading
 * against an entry's "expect:" line.
 */

typedef enum {
  SALDO_CORPUS_SPLIT_NONE,   /* the old corpus: not split */
  SALDO_CORPUS_SPLIT_RULES,  /* rules are written against these */
  SALDO_CORPUS_SPLIT_SCORED, /* only ever scored */
} SaldoCorpusSplit;

typedef struct {
  char            *file; /* base name */
  guint            line;
  SaldoCorpusSplit split;
  char            *source;
  char            *country;
  char            *currency;
  char            *now;
  char            *text;
  char            *expect;
} SaldoCorpusEntry;

typedef enum {
  SALDO_VERDICT_RIGHT,     /* every expected key matches */
  SALDO_VERDICT_NOT_RIGHT, /* something differs, but no amount is wrong */
  SALDO_VERDICT_WRONG,     /* an amount the reply does not state as the balance */
} SaldoVerdict;

void saldo_corpus_entry_free (SaldoCorpusEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaldoCorpusEntry, saldo_corpus_entry_free)

/* Appends the entries of one file; FALSE with error when it is malformed. */
gboolean saldo_corpus_load (const char *path, GPtrArray *entries, GError **error);
/* Every "*.txt" of dir, in name order. */
gboolean saldo_corpus_load_dir (const char *dir, GPtrArray *entries, GError **error);
/* Hints a new user's line would give: country, currency, now. */
void saldo_corpus_hints (const SaldoCorpusEntry *entry, SaldoBalanceHints *hints);
/* Judges result against the entry; *why says what differs (free it). */
SaldoVerdict saldo_corpus_judge (const SaldoCorpusEntry *entry, const SaldoBalanceResult *result, char **why);
/* The main amount as the corpus writes it ("8.40", "1000"), or NULL. */
char *saldo_corpus_format_amount (const SaldoBalanceResult *result);
/* Money buckets (data buckets left out). */
guint saldo_corpus_money_buckets (const SaldoBalanceResult *result);

G_END_DECLS
