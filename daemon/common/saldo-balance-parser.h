/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Turns the text of a balance reply (USSD or SMS) into a kind and, for a
 * balance, an exact amount in ISO 4217 minor units, an expiry date and the
 * data left.  Pure: no I/O, no mutable globals, reentrant; it allocates
 * nothing unless an explanation is asked for, carrier patterns are given
 * (GRegex matching allocates) or the text has Arabic-Indic or Persian
 * digits (read from an ASCII copy; spans still point into the text).  Every value carries the byte span of the
 * text it came from.  Only the first 384 tokens (words, numbers, symbols)
 * of a reply are looked at; real replies have a few dozen.
 *
 * Decisions (documented here because callers depend on them):
 * - 1 KB = 1024 bytes, 1 MB = 1024^2, 1 GB = 1024^3, 1 TB = 1024^4: carrier
 *   bundles are binary in practice ("1.5 GB" = 1610612736).
 * - One separator followed by exactly three digits ("1.234", "1,234") is a
 *   thousands separator, except for a 3-digit currency (BHD, KWD...) when
 *   the hinted decimal mark allows it, and except after a lone "0".
 * - More decimals than the currency has ("S/ 8.4051") reject the amount
 *   instead of rounding it: an amount is exact or absent.  Extra trailing
 *   zeros are not "more" ("S/ 8.4000" is 8.40).
 * - Years must be Gregorian and within 1990..2100.  With country "TH", a
 *   year 2533..2643 is read as Buddhist Era and 543 is subtracted; other
 *   years (e.g. Solar Hijri 1405) reject the date.  Two-digit years are 20yy.
 *   A date without a year takes its year from hints->now (the next
 *   occurrence on or after that day); with now == 0 such dates are ignored.
 * - Every money amount and data amount that is not a price or an offer is
 *   a bucket, labelled by the words around it (main, balance, bonus,
 *   promotion, loan, total, data, other).  The reply's amount is the main
 *   bucket, and there is one only beyond doubt: a carrier pattern; else
 *   the one bucket named main ("saldo principal"); else the one named the
 *   total when none is named just "balance"; else the one named just
 *   "balance" (or several saying the same) while the others are named
 *   bonus, promotion or loan; else the only bare amount with a currency,
 *   unless an amount read as a price was also near a balance keyword.
 *   A credit listed in named parts ("Guthaben: 3,00 EUR Aufladeguthaben,
 *   2,00 EUR Bonus") is their sum only when the text says all of it is
 *   spendable ("verfügbares Guthaben", "available balance") and none is
 *   a loan.  Anything else is AMBIGUOUS: the buckets are reported with a
 *   reason, and no amount.  A bucket named bonus, promotion or loan is
 *   never the main balance.
 * - A bucket anchored by a balance keyword wins over menus and error
 *   phrases; otherwise error phrases win over menus, menus over bare
 *   currency amounts.  Amounts inside numbered option lines of a menu are
 *   offers, never balances.
 * - A reply with data left but no money amount is a balance with
 *   has_amount == FALSE.
 * - A zero-balance phrase ("Usted no tiene saldo") is a balance of 0 in the
 *   hinted currency (default currency, else the country's currency).
 * - A money amount needs a currency next to it, or must follow a balance
 *   keyword closely with a decimal part or a colon ("Saldo: 8.40"): bare
 *   numbers ("llama al 123", "marca 1"), phone numbers after '+' and USSD
 *   codes between '*' and '#' are never amounts.
 * - A date is the expiry only with an expiry word shortly before it
 *   ("vence", "válido hasta", "expires", "gültig bis", "до"...): a date
 *   alone may be the time of the query or a renewal.
 * - A balance keyword right after a service verb ("Pasa Saldo",
 *   "consulta saldo") names a service, not the balance.
 */

#define SALDO_BALANCE_PARSER_ERROR (saldo_balance_parser_error_quark ())

typedef enum {
  SALDO_BALANCE_PARSER_ERROR_INVALID_INPUT, /* not UTF-8, or NULL */
} SaldoBalanceParserError;

GQuark saldo_balance_parser_error_quark (void);

typedef enum {
  SALDO_REPLY_KIND_UNKNOWN,
  SALDO_REPLY_KIND_BALANCE,
  SALDO_REPLY_KIND_MENU,
  SALDO_REPLY_KIND_ERROR,
  SALDO_REPLY_KIND_AMBIGUOUS, /* money buckets, but none is the main one beyond doubt */
} SaldoReplyKind;

typedef enum {
  SALDO_BALANCE_DECIMAL_AUTO, /* both accepted (carriers of one country mix them) */
  SALDO_BALANCE_DECIMAL_POINT,
  SALDO_BALANCE_DECIMAL_COMMA,
} SaldoBalanceDecimalMark;

typedef enum {
  SALDO_BALANCE_DATE_AUTO, /* MDY for US, DMY elsewhere */
  SALDO_BALANCE_DATE_DMY,
  SALDO_BALANCE_DATE_MDY,
  SALDO_BALANCE_DATE_YMD,
} SaldoBalanceDateOrder;

typedef struct {
  const char             *country;          /* ISO 3166-1 alpha-2, or NULL */
  const char             *default_currency; /* ISO 4217, or NULL */
  SaldoBalanceDecimalMark decimal_mark;
  SaldoBalanceDateOrder   date_order;
  /* GRegex* with named groups amount, currency, expiry, data; tried in
   * order before the generic scanner, first match wins.  May be NULL. */
  GPtrArray *patterns;
  gint64     now;     /* unix time, 0 = unknown */
  gboolean   explain; /* fill result->explanation */
} SaldoBalanceHints;

/* Byte offsets into the parsed text, [start, end). */
typedef struct {
  gsize start;
  gsize end;
} SaldoTextSpan;

typedef enum {
  SALDO_BUCKET_MAIN,      /* "main": named the main one ("saldo principal") */
  SALDO_BUCKET_BALANCE,   /* "balance": named only by a balance keyword */
  SALDO_BUCKET_BONUS,     /* "bonus" */
  SALDO_BUCKET_PROMOTION, /* "promotion" */
  SALDO_BUCKET_LOAN,      /* "loan": credit advanced by the carrier, owed */
  SALDO_BUCKET_TOTAL,     /* "total": named the total, or the sum of spendable parts */
  SALDO_BUCKET_DATA,      /* "data": bytes, not money */
  SALDO_BUCKET_OTHER,     /* "other": an amount with a currency and no keyword */
} SaldoBucketLabel;

typedef struct {
  SaldoBucketLabel label;
  gint64           amount_minor; /* money buckets */
  char             currency[4];  /* money buckets; "" for data */
  guint64          data_bytes;   /* SALDO_BUCKET_DATA */
  gboolean         has_expiry;
  guint16          expiry_year;
  guint8           expiry_month;
  guint8           expiry_day;
  SaldoTextSpan    span; /* the amount with its currency or unit */
} SaldoBucket;

#define SALDO_BALANCE_MAX_BUCKETS 12

typedef struct {
  SaldoReplyKind kind;

  gboolean      has_amount; /* the main bucket's, when kind is BALANCE */
  gint64        amount_minor;
  char          currency[4];   /* "" when unknown */
  SaldoTextSpan amount_span;   /* the number */
  SaldoTextSpan currency_span; /* empty (start == end) if from hints */

  gboolean      has_expiry;
  guint16       expiry_year;
  guint8        expiry_month; /* 1..12 */
  guint8        expiry_day;   /* 1..31 */
  SaldoTextSpan expiry_span;

  gboolean      has_data;
  guint64       data_bytes;
  SaldoTextSpan data_span;

  /* every bucket, in text order (a sum of parts comes last); main_bucket
   * is the index of the main one, -1 when there is none */
  guint       n_buckets;
  SaldoBucket buckets[SALDO_BALANCE_MAX_BUCKETS];
  int         main_bucket;
  /* why kind is AMBIGUOUS (static English text), else NULL */
  const char *ambiguity;

  /* human-readable notes, only when hints->explain; else NULL */
  GPtrArray *explanation;
} SaldoBalanceResult;

void saldo_balance_hints_init (SaldoBalanceHints *hints);

/* text need not be NUL-terminated when len >= 0.  Returns FALSE only for
 * invalid input (not UTF-8); any valid text gives TRUE and some kind.
 * result is overwritten; release it with saldo_balance_result_clear(). */
gboolean saldo_balance_parse (const char              *text,
                              gssize                   len,
                              const SaldoBalanceHints *hints,
                              SaldoBalanceResult      *result,
                              GError                 **error);
void     saldo_balance_result_clear (SaldoBalanceResult *result);

const char *saldo_bucket_label_to_string (SaldoBucketLabel label);
const char *saldo_reply_kind_to_string (SaldoReplyKind kind);
gboolean    saldo_reply_kind_from_string (const char *str, SaldoReplyKind *out_kind);

/* "YYYY-MM-DD" of the expiry, or NULL when there is none. */
char *saldo_balance_result_dup_expiry (const SaldoBalanceResult *result);

/* Consistency checks of the built-in tables (sorted, folded); for tests. */
gboolean saldo_balance_parser_check_tables (GError **error);

G_END_DECLS
