/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
 * Balance-reply parser.  One hand-written pass splits the text into tokens
 * (words, numbers, currency symbols) kept in a fixed array on the stack;
 * words are case- and accent-folded and looked up by binary search in one
 * sorted static table.  Later passes only look at tokens, so a reply costs
 * a few hundred nanoseconds and allocates nothing (see the header for the
 * decisions about what the text means).
 *
 * Why not regular expressions: carrier texts mix decimal marks, scripts and
 * word orders, and the traps (renewal prices first, menus of offers, short
 * codes) need the position of keywords relative to amounts, which a single
 * pattern cannot express and a pattern per shape would make slow and hard
 * to keep consistent.
 */

#include <string.h>

#include "saldo-balance-parser.h"
#include "saldo-common-enums.h"
#include "saldo-enum.h"
#include "saldo-money.h"

G_DEFINE_QUARK (saldo - balance - parser - error - quark, saldo_balance_parser_error)

/* Replies are at most a few SMS long; tokens past this are not looked at. */
#define MAX_TOKENS     384
#define MAX_FOLD       48 /* bytes of a folded word; longer words match nothing */
#define MAX_CANDIDATES 32
#define BEFORE_WINDOW  6 /* words a keyword may precede its amount by */
#define AFTER_WINDOW   4 /* words a keyword may follow its amount by */

/* Word flags */
enum {
  W_BALANCE = 1 << 0,
  W_PRICE = 1 << 1,
  W_EXPIRY = 1 << 2,
  W_PRIMARY = 1 << 3,
  W_ERROR = 1 << 4,
  W_MENU = 1 << 5,
  W_PHRASE = 1 << 6,     /* first word of an entry in phrases[] */
  W_FILLER = 1 << 7,     /* may stand inside a written date */
  W_CUR_PREFIX = 1 << 8, /* a currency written only before the number */
  W_NEGATE = 1 << 9,     /* makes the next balance keyword a service name:
                           * "Pasa Saldo", "consulta saldo" */
  W_BONUS = 1 << 10,     /* bucket labels, see SaldoBucketLabel */
  W_PROMO = 1 << 11,
  W_LOAN = 1 << 12,
  W_TOTAL = 1 << 13,
  W_SPENDABLE = 1 << 14, /* "available": the credit named is all spendable */
  W_OF = 1 << 15,        /* "500 MB of 2 GB" */
  W_DAY = 1 << 16,       /* periods: "válido por 30 días", "€10 per month" */
  W_WEEK = 1 << 17,
  W_MONTHS = 1 << 18,
  W_MINUS = 1 << 19,       /* "minus 5 rubles" */
  W_UNTIL_AFTER = 1 << 20, /* "until" written after the date: "30.06.2025 tarihine kadar" */
  W_MINOR = 1 << 21,       /* a minor unit: "50 cents", "100 руб. 50 коп." */
  W_AND = 1 << 22,
  W_HAVE = 1 << 23,  /* "you have": the balance, when nothing says price */
  W_COUNT = 1 << 24, /* what is counted, not money: "50 SMS", "120 minutes" */
};

#define W_PERIOD (W_DAY | W_WEEK | W_MONTHS)

#define W_LABEL (W_PRIMARY | W_BONUS | W_PROMO | W_LOAN | W_TOTAL)

typedef struct {
  const char *word; /* folded: lower case, no accents, see fold_word() */
  guint32     flags;
  guint8      month;      /* 1..12 for a month name */
  guint8      unit_shift; /* 10, 20, 30, 40 for KB..TB */
  const char *currency;   /* ISO 4217, or a marker resolved by the country */
} SaldoWord;

/* Markers in SaldoWord.currency and symbol tables resolved with the country. */
#define CUR_DOLLAR  "$"
#define CUR_PESO    "PESO"
#define CUR_CDOLLAR "C$"
#define CUR_TOMAN   "TOMAN" /* Iran: ten rials */
#define CUR_RUBLE   "RUBLE"

typedef struct {
  const char *country;
  const char *currency;
} SaldoCountryCurrency;

/* The currency a country's carriers bill in (ISO 4217's list of
 * countries, one currency each); sorted by country. */
static const SaldoCountryCurrency country_currencies[] = {
  { "AD", "EUR" }, { "AE", "AED" }, { "AF", "AFN" }, { "AG", "XCD" }, { "AI", "XCD" }, { "AL", "ALL" },
  { "AM", "AMD" }, { "AO", "AOA" }, { "AR", "ARS" }, { "AS", "USD" }, { "AT", "EUR" }, { "AU", "AUD" },
  { "AW", "AWG" }, { "AX", "EUR" }, { "AZ", "AZN" }, { "BA", "BAM" }, { "BB", "BBD" }, { "BD", "BDT" },
  { "BE", "EUR" }, { "BF", "XOF" }, { "BG", "BGN" }, { "BH", "BHD" }, { "BI", "BIF" }, { "BJ", "XOF" },
  { "BL", "EUR" }, { "BM", "BMD" }, { "BN", "BND" }, { "BO", "BOB" }, { "BQ", "USD" }, { "BR", "BRL" },
  { "BS", "BSD" }, { "BT", "BTN" }, { "BV", "NOK" }, { "BW", "BWP" }, { "BY", "BYN" }, { "BZ", "BZD" },
  { "CA", "CAD" }, { "CC", "AUD" }, { "CD", "CDF" }, { "CF", "XAF" }, { "CG", "XAF" }, { "CH", "CHF" },
  { "CI", "XOF" }, { "CK", "NZD" }, { "CL", "CLP" }, { "CM", "XAF" }, { "CN", "CNY" }, { "CO", "COP" },
  { "CR", "CRC" }, { "CU", "CUP" }, { "CV", "CVE" }, { "CW", "XCG" }, { "CX", "AUD" }, { "CY", "EUR" },
  { "CZ", "CZK" }, { "DE", "EUR" }, { "DJ", "DJF" }, { "DK", "DKK" }, { "DM", "XCD" }, { "DO", "DOP" },
  { "DZ", "DZD" }, { "EC", "USD" }, { "EE", "EUR" }, { "EG", "EGP" }, { "EH", "MAD" }, { "ER", "ERN" },
  { "ES", "EUR" }, { "ET", "ETB" }, { "FI", "EUR" }, { "FJ", "FJD" }, { "FK", "FKP" }, { "FM", "USD" },
  { "FO", "DKK" }, { "FR", "EUR" }, { "GA", "XAF" }, { "GB", "GBP" }, { "GD", "XCD" }, { "GE", "GEL" },
  { "GF", "EUR" }, { "GG", "GBP" }, { "GH", "GHS" }, { "GI", "GIP" }, { "GL", "DKK" }, { "GM", "GMD" },
  { "GN", "GNF" }, { "GP", "EUR" }, { "GQ", "XAF" }, { "GR", "EUR" }, { "GT", "GTQ" }, { "GU", "USD" },
  { "GW", "XOF" }, { "GY", "GYD" }, { "HK", "HKD" }, { "HM", "AUD" }, { "HN", "HNL" }, { "HR", "EUR" },
  { "HT", "HTG" }, { "HU", "HUF" }, { "ID", "IDR" }, { "IE", "EUR" }, { "IL", "ILS" }, { "IM", "GBP" },
  { "IN", "INR" }, { "IO", "USD" }, { "IQ", "IQD" }, { "IR", "IRR" }, { "IS", "ISK" }, { "IT", "EUR" },
  { "JE", "GBP" }, { "JM", "JMD" }, { "JO", "JOD" }, { "JP", "JPY" }, { "KE", "KES" }, { "KG", "KGS" },
  { "KH", "KHR" }, { "KI", "AUD" }, { "KM", "KMF" }, { "KN", "XCD" }, { "KP", "KPW" }, { "KR", "KRW" },
  { "KW", "KWD" }, { "KY", "KYD" }, { "KZ", "KZT" }, { "LA", "LAK" }, { "LB", "LBP" }, { "LC", "XCD" },
  { "LI", "CHF" }, { "LK", "LKR" }, { "LR", "LRD" }, { "LS", "LSL" }, { "LT", "EUR" }, { "LU", "EUR" },
  { "LV", "EUR" }, { "LY", "LYD" }, { "MA", "MAD" }, { "MC", "EUR" }, { "MD", "MDL" }, { "ME", "EUR" },
  { "MF", "EUR" }, { "MG", "MGA" }, { "MH", "USD" }, { "MK", "MKD" }, { "ML", "XOF" }, { "MM", "MMK" },
  { "MN", "MNT" }, { "MO", "MOP" }, { "MP", "USD" }, { "MQ", "EUR" }, { "MR", "MRU" }, { "MS", "XCD" },
  { "MT", "EUR" }, { "MU", "MUR" }, { "MV", "MVR" }, { "MW", "MWK" }, { "MX", "MXN" }, { "MY", "MYR" },
  { "MZ", "MZN" }, { "NA", "NAD" }, { "NC", "XPF" }, { "NE", "XOF" }, { "NF", "AUD" }, { "NG", "NGN" },
  { "NI", "NIO" }, { "NL", "EUR" }, { "NO", "NOK" }, { "NP", "NPR" }, { "NR", "AUD" }, { "NU", "NZD" },
  { "NZ", "NZD" }, { "OM", "OMR" }, { "PA", "USD" }, { "PE", "PEN" }, { "PF", "XPF" }, { "PG", "PGK" },
  { "PH", "PHP" }, { "PK", "PKR" }, { "PL", "PLN" }, { "PM", "EUR" }, { "PN", "NZD" }, { "PR", "USD" },
  { "PS", "ILS" }, { "PT", "EUR" }, { "PW", "USD" }, { "PY", "PYG" }, { "QA", "QAR" }, { "RE", "EUR" },
  { "RO", "RON" }, { "RS", "RSD" }, { "RU", "RUB" }, { "RW", "RWF" }, { "SA", "SAR" }, { "SB", "SBD" },
  { "SC", "SCR" }, { "SD", "SDG" }, { "SE", "SEK" }, { "SG", "SGD" }, { "SH", "SHP" }, { "SI", "EUR" },
  { "SJ", "NOK" }, { "SK", "EUR" }, { "SL", "SLE" }, { "SM", "EUR" }, { "SN", "XOF" }, { "SO", "SOS" },
  { "SR", "SRD" }, { "SS", "SSP" }, { "ST", "STN" }, { "SV", "USD" }, { "SX", "XCG" }, { "SY", "SYP" },
  { "SZ", "SZL" }, { "TC", "USD" }, { "TD", "XAF" }, { "TF", "EUR" }, { "TG", "XOF" }, { "TH", "THB" },
  { "TJ", "TJS" }, { "TK", "NZD" }, { "TL", "USD" }, { "TM", "TMT" }, { "TN", "TND" }, { "TO", "TOP" },
  { "TR", "TRY" }, { "TT", "TTD" }, { "TV", "AUD" }, { "TW", "TWD" }, { "TZ", "TZS" }, { "UA", "UAH" },
  { "UG", "UGX" }, { "UM", "USD" }, { "US", "USD" }, { "UY", "UYU" }, { "UZ", "UZS" }, { "VA", "EUR" },
  { "VC", "XCD" }, { "VE", "VES" }, { "VG", "USD" }, { "VI", "USD" }, { "VN", "VND" }, { "VU", "VUV" },
  { "WF", "XPF" }, { "WS", "WST" }, { "XK", "EUR" }, { "YE", "YER" }, { "YT", "EUR" }, { "ZA", "ZAR" },
  { "ZM", "ZMW" }, { "ZW", "ZWG" },
};

/* What a bare "$" means; sorted by country.  Peru's carriers quote
 * dollars with "$" while their own currency is "S/". */
static const SaldoCountryCurrency dollar_currencies[] = {
  { "AG", "XCD" }, { "AI", "XCD" }, { "AR", "ARS" }, { "AS", "USD" }, { "AU", "AUD" }, { "BB", "BBD" },
  { "BM", "BMD" }, { "BN", "BND" }, { "BQ", "USD" }, { "BS", "BSD" }, { "BZ", "BZD" }, { "CA", "CAD" },
  { "CC", "AUD" }, { "CK", "NZD" }, { "CL", "CLP" }, { "CO", "COP" }, { "CU", "CUP" }, { "CV", "CVE" },
  { "CX", "AUD" }, { "DM", "XCD" }, { "DO", "DOP" }, { "EC", "USD" }, { "FJ", "FJD" }, { "FM", "USD" },
  { "GD", "XCD" }, { "GU", "USD" }, { "GY", "GYD" }, { "HK", "HKD" }, { "IO", "USD" }, { "JM", "JMD" },
  { "KI", "AUD" }, { "KN", "XCD" }, { "KY", "KYD" }, { "LC", "XCD" }, { "LR", "LRD" }, { "MH", "USD" },
  { "MP", "USD" }, { "MS", "XCD" }, { "MX", "MXN" }, { "NA", "NAD" }, { "NR", "AUD" }, { "NU", "NZD" },
  { "NZ", "NZD" }, { "PA", "USD" }, { "PE", "USD" }, { "PN", "NZD" }, { "PR", "USD" }, { "PW", "USD" },
  { "SB", "SBD" }, { "SG", "SGD" }, { "SR", "SRD" }, { "SV", "USD" }, { "TC", "USD" }, { "TK", "NZD" },
  { "TL", "USD" }, { "TT", "TTD" }, { "TV", "AUD" }, { "TW", "TWD" }, { "UM", "USD" }, { "US", "USD" },
  { "UY", "UYU" }, { "VC", "XCD" }, { "VG", "USD" }, { "VI", "USD" }, { "WS", "WST" }, { "ZW", "USD" },
};

/* What "peso(s)" means; sorted by country. */
static const SaldoCountryCurrency peso_currencies[] = {
  { "AR", "ARS" }, { "CL", "CLP" }, { "CO", "COP" }, { "CU", "CUP" },
  { "DO", "DOP" }, { "MX", "MXN" }, { "PH", "PHP" }, { "UY", "UYU" },
};

/* Words and symbols several currencies share ("francs", "Rs", "kr"):
 * the country decides, then the hinted default currency when it is one
 * of them, then the fallback, which is NULL where guessing could read
 * a 100x wrong amount ("francs" of Switzerland or of Mali).  by_country
 * is a run of 5-character records: country, then ISO 4217 code. */
typedef struct {
  const char *marker;
  const char *fallback;
  const char *by_country;
} SaldoSharedCurrency;

static const SaldoSharedCurrency shared_currencies[] = {
  { "BS", "BOB", "BOBOBVEVES" },
  { "KR", "SEK", "DKDKKFODKKGLDKKISISKNONOKSESEK" },
  { "YEN", "JPY", "CNCNYJPJPY" },
  { CUR_CDOLLAR, "CAD", "CACADNINIO" },
  { "FRANC", NULL,
    "BFXOFBIBIFBJXOFCDCDFCFXAFCGXAFCHCHFCIXOFCMXAFDJDJFGAXAFGNGNFGQXAFGWXOF"
    "KMKMFLICHFMLXOFNCXPFNEXOFPFXPFRWRWFSNXOFTDXAFTGXOFWFXPF" },
  { "CFA", NULL, "BFXOFBJXOFCFXAFCGXAFCIXOFCMXAFGAXAFGQXAFGWXOFMLXOFNEXOFSNXOFTDXAFTGXOF" },
  { "SHILLING", NULL, "KEKESSOSOSTZTZSUGUGX" },
  { "RUPEE", NULL, "ININRLKLKRMUMURNPNPRPKPKRSCSCR" },
  { "RIAL", NULL, "IRIRROMOMRQAQARSASARYEYER" },
  { "DINAR", NULL, "BHBHDDZDZDIQIQDJOJODKWKWDLYLYDMKMKDRSRSDTNTND" },
  { "DIRHAM", NULL, "AEAEDMAMAD" },
  { "POUND", "GBP", "EGEGPFKFKPGBGBPGIGIPLBLBPSDSDGSHSHPSSSSPSYSYP" },
  { "R", NULL, "RURUBZAZAR" },
  { "SOM", NULL, "KGKGSUZUZS" },
  { "LEI", "RON", "MDMDLRORON" },
  { "KWACHA", NULL, "MWMWKZMZMW" },
  { "MANAT", NULL, "AZAZNTMTMT" },
  { "N", NULL, "NGNGN" },
  { "Q", NULL, "GTGTQ" },
  { "L", NULL, "HNHNL" },
  { "P", NULL, "PHPHP" },
  { "K", NULL, "MMMMKPGPGKZMZMW" },
  { "MK", NULL, "MWMWK" },
  { "TK", NULL, "BDBDT" },
  { "D", NULL, "VNVND" },
  { CUR_TOMAN, "IRR", "IRIRR" },
  { CUR_RUBLE, "RUB", "RURUB" },
  /* A withdrawn currency ("Bs.F", 100 000 of today's bolívares): a number
   * written in it is none of today's. */
  { "WITHDRAWN", NULL, "" },
};

/* Letters glued to a "$": "US$", "R$"...; sorted by prefix. */
static const SaldoCountryCurrency dollar_prefixes[] = {
  { "a", "AUD" },  { "ar", "ARS" }, { "au", "AUD" },  { "bz", "BZD" }, { "c", CUR_CDOLLAR },
  { "ca", "CAD" }, { "cl", "CLP" }, { "col", "COP" }, { "hk", "HKD" }, { "mx", "MXN" },
  { "nz", "NZD" }, { "r", "BRL" },  { "rd", "DOP" },  { "s", "SGD" },  { "us", "USD" },
};

typedef struct {
  gunichar    c;
  const char *currency;
  gboolean    prefix_only;
} SaldoCurrencySymbol;

/* Sorted by code point. */
static const SaldoCurrencySymbol currency_symbols[] = {
  { 0x0024, CUR_DOLLAR, TRUE }, /* $ */
  { 0x00A3, "GBP", TRUE },      /* £ */
  { 0x00A5, "YEN", TRUE },      /* ¥ */
  { 0x20A6, "NGN", TRUE },      /* ₦ */
  { 0x20A9, "KRW", TRUE },      /* ₩ */
  { 0x20AA, "ILS", FALSE },     /* ₪ */
  { 0x20AB, "VND", FALSE },     /* ₫ */
  { 0x20AC, "EUR", FALSE },     /* € */
  { 0x20B1, "PHP", TRUE },      /* ₱ */
  { 0x20B4, "UAH", FALSE },     /* ₴ */
  { 0x20B9, "INR", TRUE },      /* ₹ */
  { 0x20BA, "TRY", FALSE },     /* ₺ */
  { 0x20BD, "RUB", FALSE },     /* ₽ */
};

/* Folded words; sorted by strcmp() (byte order of UTF-8). */
static const SaldoWord words[] = {
  { "a", 0, 0, 0, NULL },
  { "ablauf", W_EXPIRY, 0, 0, NULL },
  { "abono", W_PRICE, 0, 0, NULL },
  { "abr", 0, 4, 0, NULL },
  { "abril", 0, 4, 0, NULL },
  { "adelanto", W_LOAN, 0, 0, NULL },
  { "advance", W_LOAN, 0, 0, NULL },
  { "again", 0, 0, 0, NULL },
  { "ago", 0, 8, 0, NULL },
  { "agosti", 0, 8, 0, NULL },
  { "agosto", 0, 8, 0, NULL },
  { "agt", 0, 8, 0, NULL },
  { "agustos", 0, 8, 0, NULL },
  { "agustus", 0, 8, 0, NULL },
  { "airtime", W_BALANCE, 0, 0, NULL },
  { "aktif", W_EXPIRY, 0, 0, NULL },
  { "aktionsguthaben", W_BALANCE | W_PROMO, 0, 0, NULL },
  { "am", W_FILLER, 0, 0, NULL },
  { "and", W_AND, 0, 0, NULL },
  { "aout", 0, 8, 0, NULL },
  { "application", 0, 0, 0, NULL },
  { "apr", 0, 4, 0, NULL },
  { "april", 0, 4, 0, NULL },
  { "aprile", 0, 4, 0, NULL },
  { "aprili", 0, 4, 0, NULL },
  { "aprilie", 0, 4, 0, NULL },
  { "aprilis", 0, 4, 0, NULL },
  { "aralik", 0, 12, 0, NULL },
  { "ariary", 0, 0, 0, "MGA" },
  { "ate", W_EXPIRY, 0, 0, NULL },
  { "atras", W_MENU, 0, 0, NULL },
  { "au", W_FILLER, 0, 0, NULL },
  { "aufgeladen", W_PRICE, 0, 0, NULL },
  { "aug", 0, 8, 0, NULL },
  { "august", 0, 8, 0, NULL },
  { "augusti", 0, 8, 0, NULL },
  { "augustus", 0, 8, 0, NULL },
  { "augusztus", 0, 8, 0, NULL },
  { "available", W_SPENDABLE, 0, 0, NULL },
  { "avez", W_HAVE, 0, 0, NULL },
  { "avr", 0, 4, 0, NULL },
  { "avril", 0, 4, 0, NULL },
  { "back", W_MENU, 0, 0, NULL },
  { "baht", 0, 0, 0, "THB" },
  { "baki", W_BALANCE, 0, 0, NULL },
  { "bakiye", W_BALANCE, 0, 0, NULL },
  { "bakiyeniz", W_BALANCE, 0, 0, NULL },
  { "bal", W_BALANCE, 0, 0, NULL },
  { "balance", W_BALANCE, 0, 0, NULL },
  { "balans", W_BALANCE, 0, 0, NULL },
  { "balansi", W_BALANCE, 0, 0, NULL },
  { "bani", W_MINOR, 0, 0, "RON" },
  { "bd", 0, 0, 0, "BHD" },
  { "beberapa", 0, 0, 0, NULL },
  { "before", W_EXPIRY, 0, 0, NULL },
  { "beltegoed", W_BALANCE, 0, 0, NULL },
  { "berlaku", W_EXPIRY, 0, 0, NULL },
  { "bilance", W_BALANCE, 0, 0, NULL },
  { "birr", 0, 0, 0, "ETB" },
  { "bis", W_EXPIRY, 0, 0, NULL },
  { "blad", W_ERROR, 0, 0, NULL },
  { "bolivares", 0, 0, 0, "VES" },
  { "bolivianos", 0, 0, 0, "BOB" },
  { "bonificacion", W_BONUS, 0, 0, NULL },
  { "bonificaciones", W_BONUS, 0, 0, NULL },
  { "bono", W_BALANCE | W_BONUS, 0, 0, NULL },
  { "bonos", W_BALANCE | W_BONUS, 0, 0, NULL },
  { "bonus", W_BALANCE | W_BONUS, 0, 0, NULL },
  { "bonusguthaben", W_BALANCE | W_BONUS, 0, 0, NULL },
  { "bonusowe", W_BALANCE | W_BONUS, 0, 0, NULL },
  { "bonusowy", W_BONUS, 0, 0, NULL },
  { "bonusu", W_BALANCE | W_BONUS, 0, 0, NULL },
  { "brezen", 0, 3, 0, NULL },
  { "brezna", 0, 3, 0, NULL },
  { "bs", 0, 0, 0, "BS" },
  { "bs.d", 0, 0, 0, "VES" },
  { "bs.f", 0, 0, 0, "WITHDRAWN" },
  { "bs.s", 0, 0, 0, "VES" },
  { "bulan", W_MONTHS, 0, 0, NULL },
  { "busy", W_ERROR, 0, 0, NULL },
  { "buy", W_PRICE, 0, 0, NULL },
  { "caduca", W_EXPIRY, 0, 0, NULL },
  { "caducidad", W_EXPIRY, 0, 0, NULL },
  { "calls", W_COUNT, 0, 0, NULL },
  { "cargo", W_PRICE, 0, 0, NULL },
  { "cedi", 0, 0, 0, "GHS" },
  { "cedis", 0, 0, 0, "GHS" },
  { "celkem", W_TOTAL, 0, 0, NULL },
  { "cena", W_PRICE, 0, 0, NULL },
  { "cent", W_MINOR, 0, 0, NULL },
  { "centavo", W_MINOR, 0, 0, NULL },
  { "centavos", W_MINOR, 0, 0, NULL },
  { "centesimos", W_MINOR, 0, 0, NULL },
  { "centimes", W_MINOR, 0, 0, NULL },
  { "centimo", W_MINOR, 0, 0, NULL },
  { "centimos", W_MINOR, 0, 0, NULL },
  { "cents", W_MINOR, 0, 0, NULL },
  { "cerven", 0, 6, 0, NULL },
  { "cervence", 0, 7, 0, NULL },
  { "cervenec", 0, 7, 0, NULL },
  { "cervna", 0, 6, 0, NULL },
  { "cfa", 0, 0, 0, "CFA" },
  { "chagua", W_MENU, 0, 0, NULL },
  { "charged", W_PRICE, 0, 0, NULL },
  { "check", W_NEGATE, 0, 0, NULL },
  { "chf", 0, 0, 0, "CHF" },
  { "choisir", W_MENU, 0, 0, NULL },
  { "choisissez", W_MENU, 0, 0, NULL },
  { "choose", W_MENU, 0, 0, NULL },
  { "chyba", W_ERROR, 0, 0, NULL },
  { "coba", W_PHRASE, 0, 0, NULL },
  { "cobrado", W_PRICE, 0, 0, NULL },
  { "cobro", W_PRICE, 0, 0, NULL },
  { "codigo", W_PHRASE, 0, 0, NULL },
  { "colon", 0, 0, 0, "CRC" },
  { "colones", 0, 0, 0, "CRC" },
  { "compartir", W_NEGATE, 0, 0, NULL },
  { "compra", W_PRICE, 0, 0, NULL },
  { "comprar", W_PRICE, 0, 0, NULL },
  { "comprobar", W_NEGATE, 0, 0, NULL },
  { "con", 0, 0, 0, NULL },
  { "consulta", W_NEGATE, 0, 0, NULL },
  { "consultar", W_NEGATE, 0, 0, NULL },
  { "consultas", W_NEGATE, 0, 0, NULL },
  { "cordobas", 0, 0, 0, "NIO" },
  { "cost", W_PRICE, 0, 0, NULL },
  { "costo", W_PRICE, 0, 0, NULL },
  { "costs", W_PRICE, 0, 0, NULL },
  { "coute", W_PRICE, 0, 0, NULL },
  { "credit", W_BALANCE, 0, 0, NULL },
  { "credito", W_BALANCE, 0, 0, NULL },
  { "creditos", W_BALANCE, 0, 0, NULL },
  { "cuenta", 0, 0, 0, NULL },
  { "cuentas", 0, 0, 0, NULL },
  { "cuesta", W_PRICE, 0, 0, NULL },
  { "cze", 0, 6, 0, NULL },
  { "czerwca", 0, 6, 0, NULL },
  { "czerwiec", 0, 6, 0, NULL },
  { "d", 0, 0, 0, "D" },
  { "dagar", W_DAY, 0, 0, NULL },
  { "dagen", W_DAY, 0, 0, NULL },
  { "dager", W_DAY, 0, 0, NULL },
  { "dakika", W_COUNT, 0, 0, NULL },
  { "dalasi", 0, 0, 0, "GMD" },
  { "dalej", W_MENU, 0, 0, NULL },
  { "dapat", 0, 0, 0, NULL },
  { "dapatkan", W_PRICE, 0, 0, NULL },
  { "dari", W_OF, 0, 0, NULL },
  { "day", W_DAY, 0, 0, NULL },
  { "days", W_DAY, 0, 0, NULL },
  { "de", W_FILLER | W_OF, 0, 0, NULL },
  { "debited", W_PRICE, 0, 0, NULL },
  { "debt", W_LOAN, 0, 0, NULL },
  { "dec", 0, 12, 0, NULL },
  { "december", 0, 12, 0, NULL },
  { "decembre", 0, 12, 0, NULL },
  { "decembrie", 0, 12, 0, NULL },
  { "deducted", W_PRICE, 0, 0, NULL },
  { "del", W_FILLER, 0, 0, NULL },
  { "den", W_FILLER, 0, 0, NULL },
  { "desemba", 0, 12, 0, NULL },
  { "desember", 0, 12, 0, NULL },
  { "deuda", W_LOAN, 0, 0, NULL },
  { "dez", 0, 12, 0, NULL },
  { "dezember", 0, 12, 0, NULL },
  { "dezembro", 0, 12, 0, NULL },
  { "dh", 0, 0, 0, "DIRHAM" },
  { "dhs", 0, 0, 0, "DIRHAM" },
  { "di", W_OF, 0, 0, NULL },
  { "dia", W_DAY, 0, 0, NULL },
  { "dias", W_DAY, 0, 0, NULL },
  { "dic", 0, 12, 0, NULL },
  { "dicembre", 0, 12, 0, NULL },
  { "diciembre", 0, 12, 0, NULL },
  { "dinar", 0, 0, 0, "DINAR" },
  { "dinars", 0, 0, 0, "DINAR" },
  { "dirham", 0, 0, 0, "DIRHAM" },
  { "dirhams", 0, 0, 0, "DIRHAM" },
  { "disember", 0, 12, 0, NULL },
  { "disponible", W_SPENDABLE, 0, 0, NULL },
  { "disponibles", W_SPENDABLE, 0, 0, NULL },
  { "disponivel", W_SPENDABLE, 0, 0, NULL },
  { "dni", W_DAY, 0, 0, NULL },
  { "dnia", W_FILLER, 0, 0, NULL },
  { "dnu", W_DAY, 0, 0, NULL },
  { "dny", W_DAY, 0, 0, NULL },
  { "do", W_EXPIRY, 0, 0, NULL },
  { "doladowania", W_PRICE, 0, 0, NULL },
  { "doladowanie", W_PRICE, 0, 0, NULL },
  { "dolar", 0, 0, 0, "$" },
  { "dolares", 0, 0, 0, "$" },
  { "dollar", 0, 0, 0, "$" },
  { "dollars", 0, 0, 0, "$" },
  { "dong", 0, 0, 0, "VND" },
  { "dostepne", W_SPENDABLE, 0, 0, NULL },
  { "dostepnych", W_SPENDABLE, 0, 0, NULL },
  { "dostupny", W_SPENDABLE, 0, 0, NULL },
  { "dptkn", W_PRICE, 0, 0, NULL },
  { "dram", 0, 0, 0, "AMD" },
  { "duben", 0, 4, 0, NULL },
  { "dubna", 0, 4, 0, NULL },
  { "e", W_AND, 0, 0, NULL },
  { "egyenleg", W_BALANCE, 0, 0, NULL },
  { "egyenlege", W_BALANCE, 0, 0, NULL },
  { "egyenlegem", W_BALANCE, 0, 0, NULL },
  { "ekim", 0, 10, 0, NULL },
  { "el", W_FILLER, 0, 0, NULL },
  { "elige", W_MENU, 0, 0, NULL },
  { "elokuuta", 0, 8, 0, NULL },
  { "emprestimo", W_LOAN, 0, 0, NULL },
  { "encuentra", 0, 0, 0, NULL },
  { "ene", 0, 1, 0, NULL },
  { "enero", 0, 1, 0, NULL },
  { "envia", W_NEGATE, 0, 0, NULL },
  { "enviar", W_NEGATE, 0, 0, NULL },
  { "enviaste", W_PRICE, 0, 0, NULL },
  { "er", W_FILLER, 0, 0, NULL },
  { "erneut", 0, 0, 0, NULL },
  { "erreur", W_ERROR, 0, 0, NULL },
  { "erro", W_ERROR, 0, 0, NULL },
  { "error", W_ERROR, 0, 0, NULL },
  { "errore", W_ERROR, 0, 0, NULL },
  { "ervenyes", W_EXPIRY, 0, 0, NULL },
  { "escolha", W_MENU, 0, 0, NULL },
  { "esta", 0, 0, 0, NULL },
  { "et", W_AND, 0, 0, NULL },
  { "eur", 0, 0, 0, "EUR" },
  { "euro", 0, 0, 0, "EUR" },
  { "euros", 0, 0, 0, "EUR" },
  { "exit", W_MENU, 0, 0, NULL },
  { "expira", W_EXPIRY, 0, 0, NULL },
  { "expiracion", W_EXPIRY, 0, 0, NULL },
  { "expiran", W_EXPIRY, 0, 0, NULL },
  { "expiration", W_EXPIRY, 0, 0, NULL },
  { "expire", W_EXPIRY, 0, 0, NULL },
  { "expired", W_EXPIRY, 0, 0, NULL },
  { "expires", W_EXPIRY, 0, 0, NULL },
  { "expiring", W_EXPIRY, 0, 0, NULL },
  { "expiry", W_EXPIRY, 0, 0, NULL },
  { "eylul", 0, 9, 0, NULL },
  { "failed", W_ERROR, 0, 0, NULL },
  { "falla", W_ERROR, 0, 0, NULL },
  { "fallo", W_ERROR, 0, 0, NULL },
  { "fbu", 0, 0, 0, "BIF" },
  { "fcfa", 0, 0, 0, "CFA" },
  { "feb", 0, 2, 0, NULL },
  { "febbraio", 0, 2, 0, NULL },
  { "febr", 0, 2, 0, NULL },
  { "febrero", 0, 2, 0, NULL },
  { "februar", 0, 2, 0, NULL },
  { "februari", 0, 2, 0, NULL },
  { "februarie", 0, 2, 0, NULL },
  { "february", 0, 2, 0, NULL },
  { "fee", W_PRICE, 0, 0, NULL },
  { "fev", 0, 2, 0, NULL },
  { "fevereiro", 0, 2, 0, NULL },
  { "fevr", 0, 2, 0, NULL },
  { "fevrier", 0, 2, 0, NULL },
  { "fg", 0, 0, 0, "GNF" },
  { "fils", W_MINOR, 0, 0, NULL },
  { "fino", W_EXPIRY, 0, 0, NULL },
  { "forint", 0, 0, 0, "HUF" },
  { "fout", W_ERROR, 0, 0, NULL },
  { "fr", 0, 0, 0, "FRANC" },
  { "franc", 0, 0, 0, "FRANC" },
  { "francs", 0, 0, 0, "FRANC" },
  { "free", W_PRICE, 0, 0, NULL },
  { "frw", 0, 0, 0, "RWF" },
  { "ft", 0, 0, 0, "HUF" },
  { "gagal", W_ERROR, 0, 0, NULL },
  { "gb", 0, 0, 30, NULL },
  { "gecerli", W_EXPIRY, 0, 0, NULL },
  { "geldig", W_EXPIRY, 0, 0, NULL },
  { "gen", 0, 1, 0, NULL },
  { "gennaio", 0, 1, 0, NULL },
  { "gesamt", W_TOTAL, 0, 0, NULL },
  { "gesamtguthaben", W_BALANCE | W_TOTAL, 0, 0, NULL },
  { "ghc", 0, 0, 0, "GHS" },
  { "ghs", 0, 0, 0, "GHS" },
  { "gib", 0, 0, 30, NULL },
  { "giga", 0, 0, 30, NULL },
  { "gigabyte", 0, 0, 30, NULL },
  { "gigabytes", 0, 0, 30, NULL },
  { "gigas", 0, 0, 30, NULL },
  { "giltig", W_EXPIRY, 0, 0, NULL },
  { "giorni", W_DAY, 0, 0, NULL },
  { "giu", 0, 6, 0, NULL },
  { "giugno", 0, 6, 0, NULL },
  { "glowne", W_PRIMARY, 0, 0, NULL },
  { "glownego", W_PRIMARY, 0, 0, NULL },
  { "glownym", W_PRIMARY, 0, 0, NULL },
  { "go", 0, 0, 30, NULL },
  { "gratis", W_PRICE, 0, 0, NULL },
  { "grn", 0, 0, 0, "UAH" },
  { "grosze", W_MINOR, 0, 0, "PLN" },
  { "groszy", W_MINOR, 0, 0, "PLN" },
  { "gru", 0, 12, 0, NULL },
  { "grudnia", 0, 12, 0, NULL },
  { "grudzien", 0, 12, 0, NULL },
  { "gs", 0, 0, 0, "PYG" },
  { "guaranies", 0, 0, 0, "PYG" },
  { "gultig", W_EXPIRY, 0, 0, NULL },
  { "gun", W_DAY, 0, 0, NULL },
  { "guthaben", W_BALANCE, 0, 0, NULL },
  { "gyldig", W_EXPIRY, 0, 0, NULL },
  { "haben", W_HAVE, 0, 0, NULL },
  { "hadi", W_EXPIRY, 0, 0, NULL },
  { "hai", W_HAVE, 0, 0, NULL },
  { "haleru", W_MINOR, 0, 0, "CZK" },
  { "han", W_EXPIRY, 0, 0, NULL },
  { "harga", W_PRICE, 0, 0, NULL },
  { "hari", W_DAY, 0, 0, NULL },
  { "has", W_HAVE, 0, 0, NULL },
  { "hast", W_HAVE, 0, 0, NULL },
  { "hasta", W_EXPIRY, 0, 0, NULL },
  { "hata", W_ERROR, 0, 0, NULL },
  { "hauptguthaben", W_BALANCE | W_PRIMARY, 0, 0, NULL },
  { "have", W_PHRASE | W_HAVE, 0, 0, NULL },
  { "haziran", 0, 6, 0, NULL },
  { "heinakuuta", 0, 7, 0, NULL },
  { "helmikuuta", 0, 2, 0, NULL },
  { "hiba", W_ERROR, 0, 0, NULL },
  { "hingga", W_EXPIRY, 0, 0, NULL },
  { "hlavni", W_PRIMARY, 0, 0, NULL },
  { "hrn", 0, 0, 0, "UAH" },
  { "huhtikuuta", 0, 4, 0, NULL },
  { "i", W_AND, 0, 0, NULL },
  { "ianuarie", 0, 1, 0, NULL },
  { "incorrecta", 0, 0, 0, NULL },
  { "incorrecto", 0, 0, 0, NULL },
  { "indisponible", W_ERROR, 0, 0, NULL },
  { "indisponivel", W_ERROR, 0, 0, NULL },
  { "insgesamt", W_TOTAL, 0, 0, NULL },
  { "intenta", W_PHRASE, 0, 0, NULL },
  { "intentar", 0, 0, 0, NULL },
  { "intente", W_PHRASE, 0, 0, NULL },
  { "intentelo", W_PHRASE, 0, 0, NULL },
  { "invalid", W_PHRASE, 0, 0, NULL },
  { "invalida", 0, 0, 0, NULL },
  { "invalido", 0, 0, 0, NULL },
  { "iulie", 0, 7, 0, NULL },
  { "iunie", 0, 6, 0, NULL },
  { "jan", 0, 1, 0, NULL },
  { "janeiro", 0, 1, 0, NULL },
  { "januar", 0, 1, 0, NULL },
  { "januari", 0, 1, 0, NULL },
  { "january", 0, 1, 0, NULL },
  { "janv", 0, 1, 0, NULL },
  { "janvier", 0, 1, 0, NULL },
  { "joulukuuta", 0, 12, 0, NULL },
  { "jour", W_DAY, 0, 0, NULL },
  { "jours", W_DAY, 0, 0, NULL },
  { "jt", 0, 0, 6, NULL },
  { "juil", 0, 7, 0, NULL },
  { "juillet", 0, 7, 0, NULL },
  { "juin", 0, 6, 0, NULL },
  { "jul", 0, 7, 0, NULL },
  { "julai", 0, 7, 0, NULL },
  { "julho", 0, 7, 0, NULL },
  { "juli", 0, 7, 0, NULL },
  { "julio", 0, 7, 0, NULL },
  { "julius", 0, 7, 0, NULL },
  { "july", 0, 7, 0, NULL },
  { "jumlah", W_TOTAL, 0, 0, NULL },
  { "jun", 0, 6, 0, NULL },
  { "june", 0, 6, 0, NULL },
  { "junho", 0, 6, 0, NULL },
  { "juni", 0, 6, 0, NULL },
  { "junio", 0, 6, 0, NULL },
  { "junius", 0, 6, 0, NULL },
  { "jusqu", W_EXPIRY, 0, 0, NULL },
  { "juta", 0, 0, 6, NULL },
  { "k", W_CUR_PREFIX, 0, 0, "K" },
  { "kadar", W_EXPIRY | W_UNTIL_AFTER, 0, 0, NULL },
  { "kadardir", W_UNTIL_AFTER, 0, 0, NULL },
  { "kasim", 0, 11, 0, NULL },
  { "kb", 0, 0, 10, NULL },
  { "kc", 0, 0, 0, "CZK" },
  { "kcs", 0, 0, 0, "CZK" },
  { "kd", 0, 0, 0, "KWD" },
  { "kein", W_PHRASE, 0, 0, NULL },
  { "kembali", W_MENU, 0, 0, NULL },
  { "kesakuuta", 0, 6, 0, NULL },
  { "kesobb", W_PHRASE, 0, 0, NULL },
  { "kib", 0, 0, 10, NULL },
  { "kies", W_MENU, 0, 0, NULL },
  { "kip", 0, 0, 0, "LAK" },
  { "ko", 0, 0, 10, NULL },
  { "konta", 0, 0, 0, NULL },
  { "kontostand", W_BALANCE, 0, 0, NULL },
  { "kop", W_MINOR, 0, 0, "RUBLE" },
  { "kopiyok", W_MINOR, 0, 0, "UAH" },
  { "korun", 0, 0, 0, "CZK" },
  { "koruna", 0, 0, 0, "CZK" },
  { "korunas", 0, 0, 0, "CZK" },
  { "kostet", W_PRICE, 0, 0, NULL },
  { "kr", 0, 0, 0, "KR" },
  { "kredit", W_BALANCE, 0, 0, NULL },
  { "kreditu", W_BALANCE, 0, 0, NULL },
  { "kredyt", W_BALANCE, 0, 0, NULL },
  { "ksh", 0, 0, 0, "KES" },
  { "kshs", 0, 0, 0, "KES" },
  { "kurus", W_MINOR, 0, 0, "TRY" },
  { "kveten", 0, 5, 0, NULL },
  { "kvetna", 0, 5, 0, NULL },
  { "kwacha", 0, 0, 0, "KWACHA" },
  { "kwanza", 0, 0, 0, "AOA" },
  { "kwanzas", 0, 0, 0, "AOA" },
  { "kwi", 0, 4, 0, NULL },
  { "kwiecien", 0, 4, 0, NULL },
  { "kwietnia", 0, 4, 0, NULL },
  { "kyat", 0, 0, 0, "MMK" },
  { "kyats", 0, 0, 0, "MMK" },
  { "l", W_CUR_PREFIX, 0, 0, "L" },
  { "lagi", 0, 0, 0, NULL },
  { "lanjut", W_MENU, 0, 0, NULL },
  { "lari", 0, 0, 0, "GEL" },
  { "last", W_PRICE, 0, 0, NULL },
  { "later", 0, 0, 0, NULL },
  { "le", W_FILLER, 0, 0, NULL },
  { "leden", 0, 1, 0, NULL },
  { "ledna", 0, 1, 0, NULL },
  { "lei", 0, 0, 0, "LEI" },
  { "lejar", W_EXPIRY, 0, 0, NULL },
  { "lempiras", 0, 0, 0, "HNL" },
  { "leone", 0, 0, 0, "SLE" },
  { "leones", 0, 0, 0, "SLE" },
  { "leu", 0, 0, 0, "LEI" },
  { "leva", 0, 0, 0, "BGN" },
  { "likutis", W_BALANCE, 0, 0, NULL },
  { "lip", 0, 7, 0, NULL },
  { "lipca", 0, 7, 0, NULL },
  { "lipiec", 0, 7, 0, NULL },
  { "lira", 0, 0, 0, "TRY" },
  { "listopad", 0, 11, 0, NULL },
  { "listopada", 0, 11, 0, NULL },
  { "listopadu", 0, 11, 0, NULL },
  { "llamadas", W_COUNT, 0, 0, NULL },
  { "loan", W_LOAN, 0, 0, NULL },
  { "loans", W_LOAN, 0, 0, NULL },
  { "lokakuuta", 0, 10, 0, NULL },
  { "luego", 0, 0, 0, NULL },
  { "lug", 0, 7, 0, NULL },
  { "luglio", 0, 7, 0, NULL },
  { "lut", 0, 2, 0, NULL },
  { "lutego", 0, 2, 0, NULL },
  { "luty", 0, 2, 0, NULL },
  { "maaliskuuta", 0, 3, 0, NULL },
  { "maart", 0, 3, 0, NULL },
  { "mac", 0, 3, 0, NULL },
  { "machi", 0, 3, 0, NULL },
  { "mag", 0, 5, 0, NULL },
  { "maggio", 0, 5, 0, NULL },
  { "mai", 0, 5, 0, NULL },
  { "main", W_PRIMARY, 0, 0, NULL },
  { "maintenance", W_ERROR, 0, 0, NULL },
  { "maio", 0, 5, 0, NULL },
  { "mais", 0, 0, 0, NULL },
  { "maj", 0, 5, 0, NULL },
  { "maja", 0, 5, 0, NULL },
  { "majus", 0, 5, 0, NULL },
  { "manat", 0, 0, 0, "MANAT" },
  { "mantenimiento", W_ERROR, 0, 0, NULL },
  { "manutencao", W_ERROR, 0, 0, NULL },
  { "mar", 0, 3, 0, NULL },
  { "marca", 0, 3, 0, NULL },
  { "march", 0, 3, 0, NULL },
  { "marcius", 0, 3, 0, NULL },
  { "marco", 0, 3, 0, NULL },
  { "maret", 0, 3, 0, NULL },
  { "marraskuuta", 0, 11, 0, NULL },
  { "mars", 0, 3, 0, NULL },
  { "mart", 0, 3, 0, NULL },
  { "martie", 0, 3, 0, NULL },
  { "marz", 0, 3, 0, NULL },
  { "marzec", 0, 3, 0, NULL },
  { "marzo", 0, 3, 0, NULL },
  { "mas", W_MENU, 0, 0, NULL },
  { "masz", W_HAVE, 0, 0, NULL },
  { "mate", W_HAVE, 0, 0, NULL },
  { "may", 0, 5, 0, NULL },
  { "mayis", 0, 5, 0, NULL },
  { "mayo", 0, 5, 0, NULL },
  { "mb", 0, 0, 20, NULL },
  { "mega", 0, 0, 20, NULL },
  { "megabyte", 0, 0, 20, NULL },
  { "megabytes", 0, 0, 20, NULL },
  { "megas", 0, 0, 20, NULL },
  { "mei", 0, 5, 0, NULL },
  { "memiliki", W_HAVE, 0, 0, NULL },
  { "mempunyai", W_HAVE, 0, 0, NULL },
  { "menit", W_COUNT, 0, 0, NULL },
  { "mensajes", W_COUNT, 0, 0, NULL },
  { "menu", W_MENU, 0, 0, NULL },
  { "mes", W_MONTHS, 0, 0, NULL },
  { "mese", W_MONTHS, 0, 0, NULL },
  { "meses", W_MONTHS, 0, 0, NULL },
  { "mesi", W_MONTHS, 0, 0, NULL },
  { "messages", W_COUNT, 0, 0, NULL },
  { "meticais", 0, 0, 0, "MZN" },
  { "metical", 0, 0, 0, "MZN" },
  { "mi", 0, 0, 0, NULL },
  { "mib", 0, 0, 20, NULL },
  { "milhoes", 0, 0, 6, NULL },
  { "million", 0, 0, 6, NULL },
  { "millon", 0, 0, 6, NULL },
  { "millones", 0, 0, 6, NULL },
  { "min", W_COUNT, 0, 0, NULL },
  { "mins", W_COUNT, 0, 0, NULL },
  { "minus", W_MINUS, 0, 0, NULL },
  { "minut", W_COUNT, 0, 0, NULL },
  { "minute", W_COUNT, 0, 0, NULL },
  { "minutek", W_COUNT, 0, 0, NULL },
  { "minuten", W_COUNT, 0, 0, NULL },
  { "minutes", W_COUNT, 0, 0, NULL },
  { "minuti", W_COUNT, 0, 0, NULL },
  { "minutos", W_COUNT, 0, 0, NULL },
  { "minuty", W_COUNT, 0, 0, NULL },
  { "mk", W_CUR_PREFIX, 0, 0, "MK" },
  { "mln", 0, 0, 6, NULL },
  { "mmi", 0, 0, 0, NULL },
  { "mms", W_COUNT, 0, 0, NULL },
  { "mnt", W_COUNT, 0, 0, NULL },
  { "mo", 0, 0, 20, NULL },
  { "mois", W_MONTHS, 0, 0, NULL },
  { "monat", W_MONTHS, 0, 0, NULL },
  { "monate", W_MONTHS, 0, 0, NULL },
  { "month", W_MONTHS, 0, 0, NULL },
  { "months", W_MONTHS, 0, 0, NULL },
  { "more", W_MENU, 0, 0, NULL },
  { "mpaka", W_EXPIRY, 0, 0, NULL },
  { "mrz", 0, 3, 0, NULL },
  { "n", W_CUR_PREFIX, 0, 0, "N" },
  { "na", 0, 0, 0, NULL },
  { "naira", 0, 0, 0, "NGN" },
  { "nao", W_PHRASE, 0, 0, NULL },
  { "nap", W_DAY, 0, 0, NULL },
  { "napig", W_DAY, 0, 0, NULL },
  { "nd", W_FILLER, 0, 0, NULL },
  { "nedostupna", W_ERROR, 0, 0, NULL },
  { "next", W_MENU, 0, 0, NULL },
  { "ngay", W_FILLER, 0, 0, NULL },
  { "nicht", W_PHRASE, 0, 0, NULL },
  { "niedostepna", W_ERROR, 0, 0, NULL },
  { "niedostepny", W_ERROR, 0, 0, NULL },
  { "nisan", 0, 4, 0, NULL },
  { "no", W_PHRASE, 0, 0, NULL },
  { "noiembrie", 0, 11, 0, NULL },
  { "not", W_PHRASE, 0, 0, NULL },
  { "nov", 0, 11, 0, NULL },
  { "novemba", 0, 11, 0, NULL },
  { "november", 0, 11, 0, NULL },
  { "novembre", 0, 11, 0, NULL },
  { "novembro", 0, 11, 0, NULL },
  { "noviembre", 0, 11, 0, NULL },
  { "nuevamente", 0, 0, 0, NULL },
  { "ocak", 0, 1, 0, NULL },
  { "oct", 0, 10, 0, NULL },
  { "octatok", W_BALANCE, 0, 0, NULL },
  { "october", 0, 10, 0, NULL },
  { "octobre", 0, 10, 0, NULL },
  { "octombrie", 0, 10, 0, NULL },
  { "octubre", 0, 10, 0, NULL },
  { "of", W_FILLER | W_OF, 0, 0, NULL },
  { "ogos", 0, 8, 0, NULL },
  { "okt", 0, 10, 0, NULL },
  { "oktoba", 0, 10, 0, NULL },
  { "oktober", 0, 10, 0, NULL },
  { "on", W_FILLER, 0, 0, NULL },
  { "opcion", W_MENU | W_PHRASE, 0, 0, NULL },
  { "opciones", W_MENU, 0, 0, NULL },
  { "option", W_MENU, 0, 0, NULL },
  { "options", W_MENU, 0, 0, NULL },
  { "ott", 0, 10, 0, NULL },
  { "ottobre", 0, 10, 0, NULL },
  { "out", 0, 10, 0, NULL },
  { "outubro", 0, 10, 0, NULL },
  { "owe", W_LOAN, 0, 0, NULL },
  { "owed", W_LOAN, 0, 0, NULL },
  { "p", W_CUR_PREFIX, 0, 0, "P" },
  { "paga", W_PRICE, 0, 0, NULL },
  { "pagar", W_PRICE, 0, 0, NULL },
  { "pago", W_PRICE, 0, 0, NULL },
  { "pague", W_PRICE, 0, 0, NULL },
  { "paise", W_MINOR, 0, 0, "INR" },
  { "pana", W_EXPIRY, 0, 0, NULL },
  { "pas", W_PHRASE, 0, 0, NULL },
  { "pasa", W_NEGATE, 0, 0, NULL },
  { "pasar", W_NEGATE, 0, 0, NULL },
  { "pase", W_NEGATE, 0, 0, NULL },
  { "paz", 0, 10, 0, NULL },
  { "pazdziernik", 0, 10, 0, NULL },
  { "pazdziernika", 0, 10, 0, NULL },
  { "pembelian", W_PRICE, 0, 0, NULL },
  { "pence", W_MINOR, 0, 0, "GBP" },
  { "penny", W_MINOR, 0, 0, "GBP" },
  { "perc", W_COUNT, 0, 0, NULL },
  { "peso", 0, 0, 0, "PESO" },
  { "pesos", 0, 0, 0, "PESO" },
  { "pilih", W_MENU, 0, 0, NULL },
  { "pinjaman", W_LOAN, 0, 0, NULL },
  { "plan", W_PRICE, 0, 0, NULL },
  { "plati", W_EXPIRY, 0, 0, NULL },
  { "platnost", W_EXPIRY, 0, 0, NULL },
  { "platny", W_EXPIRY, 0, 0, NULL },
  { "please", W_PHRASE, 0, 0, NULL },
  { "plus", W_PHRASE, 0, 0, NULL },
  { "points", W_COUNT, 0, 0, NULL },
  { "pontos", W_COUNT, 0, 0, NULL },
  { "pound", 0, 0, 0, "POUND" },
  { "pounds", 0, 0, 0, "POUND" },
  { "pozdeji", W_PHRASE, 0, 0, NULL },
  { "pozniej", 0, 0, 0, NULL },
  { "pozostalo", W_BALANCE, 0, 0, NULL },
  { "precio", W_PRICE, 0, 0, NULL },
  { "preis", W_PRICE, 0, 0, NULL },
  { "prestado", W_LOAN, 0, 0, NULL },
  { "prestamo", W_LOAN, 0, 0, NULL },
  { "price", W_PRICE, 0, 0, NULL },
  { "primary", W_PRIMARY, 0, 0, NULL },
  { "principal", W_PRIMARY, 0, 0, NULL },
  { "principale", W_PRIMARY, 0, 0, NULL },
  { "prix", W_PRICE, 0, 0, NULL },
  { "probeer", W_PHRASE, 0, 0, NULL },
  { "promo", W_PROMO, 0, 0, NULL },
  { "promocion", W_PROMO, 0, 0, NULL },
  { "promocional", W_PROMO, 0, 0, NULL },
  { "promocionales", W_PROMO, 0, 0, NULL },
  { "promocyjne", W_PROMO, 0, 0, NULL },
  { "promocyjny", W_PROMO, 0, 0, NULL },
  { "promocyjnych", W_PROMO, 0, 0, NULL },
  { "promotion", W_PROMO, 0, 0, NULL },
  { "promotional", W_PROMO, 0, 0, NULL },
  { "proses", 0, 0, 0, NULL },
  { "prosince", 0, 12, 0, NULL },
  { "prosinec", 0, 12, 0, NULL },
  { "pula", 0, 0, 0, "BWP" },
  { "pulsa", W_BALANCE, 0, 0, NULL },
  { "punkte", W_COUNT, 0, 0, NULL },
  { "punkty", W_COUNT, 0, 0, NULL },
  { "puntos", W_COUNT, 0, 0, NULL },
  { "q", W_CUR_PREFIX, 0, 0, "Q" },
  { "quetzales", 0, 0, 0, "GTQ" },
  { "r", 0, 0, 0, "R" },
  { "rahunku", W_BALANCE, 0, 0, NULL },
  { "rand", 0, 0, 0, "ZAR" },
  { "razem", W_TOTAL, 0, 0, NULL },
  { "rb", 0, 0, 3, NULL },
  { "rd", W_FILLER, 0, 0, NULL },
  { "reais", 0, 0, 0, "BRL" },
  { "real", 0, 0, 0, "BRL" },
  { "recarga", W_PRICE, 0, 0, NULL },
  { "recargado", W_PRICE, 0, 0, NULL },
  { "recargas", W_PRICE, 0, 0, NULL },
  { "recargaste", W_PRICE, 0, 0, NULL },
  { "recargo", W_PRICE, 0, 0, NULL },
  { "recarregado", W_PRICE, 0, 0, NULL },
  { "recarregou", W_PRICE, 0, 0, NULL },
  { "recharge", W_PRICE, 0, 0, NULL },
  { "recharged", W_PRICE, 0, 0, NULL },
  { "regresar", W_MENU, 0, 0, NULL },
  { "renew", W_PRICE, 0, 0, NULL },
  { "renewal", W_PRICE, 0, 0, NULL },
  { "renews", W_PRICE, 0, 0, NULL },
  { "renovacion", W_PRICE, 0, 0, NULL },
  { "renovara", W_PRICE, 0, 0, NULL },
  { "renueva", W_PRICE, 0, 0, NULL },
  { "renuevan", W_PRICE, 0, 0, NULL },
  { "reply", W_MENU, 0, 0, NULL },
  { "residuo", W_BALANCE, 0, 0, NULL },
  { "responde", W_MENU, 0, 0, NULL },
  { "restante", W_BALANCE, 0, 0, NULL },
  { "retour", W_MENU, 0, 0, NULL },
  { "rial", 0, 0, 0, "RIAL" },
  { "rials", 0, 0, 0, "RIAL" },
  { "ribu", 0, 0, 3, NULL },
  { "riel", 0, 0, 0, "KHR" },
  { "rijen", 0, 10, 0, NULL },
  { "rijna", 0, 10, 0, NULL },
  { "ringgit", 0, 0, 0, "MYR" },
  { "riyal", 0, 0, 0, "RIAL" },
  { "riyals", 0, 0, 0, "RIAL" },
  { "rm", W_CUR_PREFIX, 0, 0, "MYR" },
  { "rmb", 0, 0, 0, "CNY" },
  { "ron", 0, 0, 0, "RON" },
  { "rp", W_CUR_PREFIX, 0, 0, "IDR" },
  { "rs", 0, 0, 0, "RUPEE" },
  { "rub", 0, 0, 0, "RUBLE" },
  { "rubl", 0, 0, 0, "RUBLE" },
  { "rublei", 0, 0, 0, "RUBLE" },
  { "rublej", 0, 0, 0, "RUBLE" },
  { "rubley", 0, 0, 0, "RUBLE" },
  { "rupee", 0, 0, 0, "RUPEE" },
  { "rupees", 0, 0, 0, "RUPEE" },
  { "rupiah", 0, 0, 0, "IDR" },
  { "s.d", W_EXPIRY, 0, 0, NULL },
  { "s/d", W_EXPIRY, 0, 0, NULL },
  { "saat", 0, 0, 0, NULL },
  { "saldo", W_BALANCE, 0, 0, NULL },
  { "saldoa", W_BALANCE, 0, 0, NULL },
  { "saldon", W_BALANCE, 0, 0, NULL },
  { "saldonne", W_BALANCE, 0, 0, NULL },
  { "saldos", W_BALANCE, 0, 0, NULL },
  { "saldosi", W_BALANCE, 0, 0, NULL },
  { "salio", W_BALANCE, 0, 0, NULL },
  { "salir", W_MENU, 0, 0, NULL },
  { "sampai", W_EXPIRY, 0, 0, NULL },
  { "scade", W_EXPIRY, 0, 0, NULL },
  { "scadenza", W_EXPIRY, 0, 0, NULL },
  { "scegli", W_MENU, 0, 0, NULL },
  { "sd", W_EXPIRY, 0, 0, NULL },
  { "se", 0, 0, 0, NULL },
  { "sebesar", 0, 0, 0, NULL },
  { "sec", W_COUNT, 0, 0, NULL },
  { "seciniz", W_MENU, 0, 0, NULL },
  { "seconds", W_COUNT, 0, 0, NULL },
  { "segundos", W_COUNT, 0, 0, NULL },
  { "sek", W_COUNT, 0, 0, NULL },
  { "selecciona", W_MENU, 0, 0, NULL },
  { "select", W_MENU, 0, 0, NULL },
  { "semaine", W_WEEK, 0, 0, NULL },
  { "semaines", W_WEEK, 0, 0, NULL },
  { "semana", W_WEEK, 0, 0, NULL },
  { "semanas", W_WEEK, 0, 0, NULL },
  { "sent", W_PRICE, 0, 0, NULL },
  { "sep", 0, 9, 0, NULL },
  { "sept", 0, 9, 0, NULL },
  { "septemba", 0, 9, 0, NULL },
  { "september", 0, 9, 0, NULL },
  { "septembre", 0, 9, 0, NULL },
  { "septembrie", 0, 9, 0, NULL },
  { "septiembre", 0, 9, 0, NULL },
  { "set", 0, 9, 0, NULL },
  { "setembro", 0, 9, 0, NULL },
  { "setiembre", 0, 9, 0, NULL },
  { "settembre", 0, 9, 0, NULL },
  { "sh", 0, 0, 0, "SHILLING" },
  { "share", W_NEGATE, 0, 0, NULL },
  { "shilling", 0, 0, 0, "SHILLING" },
  { "shillings", 0, 0, 0, "SHILLING" },
  { "shs", 0, 0, 0, "SHILLING" },
  { "sibuk", W_ERROR, 0, 0, NULL },
  { "sierpien", 0, 8, 0, NULL },
  { "sierpnia", 0, 8, 0, NULL },
  { "siguiente", W_MENU, 0, 0, NULL },
  { "siku", W_DAY, 0, 0, NULL },
  { "sin", W_PHRASE, 0, 0, NULL },
  { "sisa", W_BALANCE, 0, 0, NULL },
  { "sms", W_COUNT, 0, 0, NULL },
  { "sol", 0, 0, 0, "PEN" },
  { "solde", W_BALANCE, 0, 0, NULL },
  { "soldul", W_BALANCE, 0, 0, NULL },
  { "soles", 0, 0, 0, "PEN" },
  { "som", 0, 0, 0, "SOM" },
  { "somoni", 0, 0, 0, "TJS" },
  { "spater", W_PHRASE, 0, 0, NULL },
  { "spendable", W_SPENDABLE, 0, 0, NULL },
  { "sprobuj", W_PHRASE, 0, 0, NULL },
  { "sr", 0, 0, 0, "SAR" },
  { "srodki", W_BALANCE, 0, 0, NULL },
  { "srodkow", W_BALANCE, 0, 0, NULL },
  { "srpen", 0, 8, 0, NULL },
  { "srpna", 0, 8, 0, NULL },
  { "st", W_FILLER, 0, 0, NULL },
  { "stan", W_BALANCE, 0, 0, NULL },
  { "stanje", W_BALANCE, 0, 0, NULL },
  { "stotinki", W_MINOR, 0, 0, "BGN" },
  { "sty", 0, 1, 0, NULL },
  { "styczen", 0, 1, 0, NULL },
  { "stycznia", 0, 1, 0, NULL },
  { "subat", 0, 2, 0, NULL },
  { "suivant", W_MENU, 0, 0, NULL },
  { "sur", W_OF, 0, 0, NULL },
  { "system", W_PHRASE, 0, 0, NULL },
  { "syyskuuta", 0, 9, 0, NULL },
  { "szept", 0, 9, 0, NULL },
  { "szeptember", 0, 9, 0, NULL },
  { "tag", W_DAY, 0, 0, NULL },
  { "tage", W_DAY, 0, 0, NULL },
  { "tagen", W_DAY, 0, 0, NULL },
  { "tak", W_UNTIL_AFTER, 0, 0, NULL },
  { "taka", 0, 0, 0, "BDT" },
  { "tamat", W_EXPIRY, 0, 0, NULL },
  { "tammikuuta", 0, 1, 0, NULL },
  { "tanggal", W_FILLER, 0, 0, NULL },
  { "tapez", W_MENU, 0, 0, NULL },
  { "tard", 0, 0, 0, NULL },
  { "tarde", 0, 0, 0, NULL },
  { "tarifa", W_PRICE, 0, 0, NULL },
  { "tb", 0, 0, 40, NULL },
  { "tegoed", W_BALANCE, 0, 0, NULL },
  { "tem", 0, 0, 0, NULL },
  { "temmuz", 0, 7, 0, NULL },
  { "tenes", W_HAVE, 0, 0, NULL },
  { "tenge", 0, 0, 0, "KZT" },
  { "tenggang", W_EXPIRY, 0, 0, NULL },
  { "tente", W_PHRASE, 0, 0, NULL },
  { "tersedia", W_SPENDABLE, 0, 0, NULL },
  { "tgl", W_FILLER, 0, 0, NULL },
  { "th", W_FILLER, 0, 0, NULL },
  { "tib", 0, 0, 40, NULL },
  { "tidak", W_PHRASE, 0, 0, NULL },
  { "tiene", W_HAVE, 0, 0, NULL },
  { "tienes", W_HAVE, 0, 0, NULL },
  { "til", W_EXPIRY, 0, 0, NULL },
  { "till", W_EXPIRY, 0, 0, NULL },
  { "timeout", W_ERROR, 0, 0, NULL },
  { "tk", W_BALANCE, 0, 0, "TK" },
  { "tkc", W_BALANCE | W_PRIMARY, 0, 0, NULL },
  { "tkkm", W_BALANCE | W_PROMO, 0, 0, NULL },
  { "tl", 0, 0, 0, "TRY" },
  { "toman", 0, 0, 0, "TOMAN" },
  { "tomans", 0, 0, 0, "TOMAN" },
  { "topped", W_PRICE, 0, 0, NULL },
  { "topup", W_PRICE, 0, 0, NULL },
  { "tot", W_EXPIRY, 0, 0, NULL },
  { "totaal", W_TOTAL, 0, 0, NULL },
  { "total", W_TOTAL, 0, 0, NULL },
  { "totale", W_TOTAL, 0, 0, NULL },
  { "toukokuuta", 0, 5, 0, NULL },
  { "transfer", W_NEGATE, 0, 0, NULL },
  { "transferencia", W_NEGATE, 0, 0, NULL },
  { "transferido", W_PRICE, 0, 0, NULL },
  { "transferir", W_NEGATE, 0, 0, NULL },
  { "transferiste", W_PRICE, 0, 0, NULL },
  { "transferred", W_PRICE, 0, 0, NULL },
  { "transfiere", W_NEGATE, 0, 0, NULL },
  { "try", W_PHRASE, 0, 0, NULL },
  { "tsh", 0, 0, 0, "TZS" },
  { "tshs", 0, 0, 0, "TZS" },
  { "ugshs", 0, 0, 0, "UGX" },
  { "ulang", W_PRICE, 0, 0, NULL },
  { "ultima", W_PRICE, 0, 0, NULL },
  { "unavailable", W_ERROR, 0, 0, NULL },
  { "und", W_AND, 0, 0, NULL },
  { "unknown", W_PHRASE, 0, 0, NULL },
  { "unor", 0, 2, 0, NULL },
  { "unora", 0, 2, 0, NULL },
  { "until", W_EXPIRY, 0, 0, NULL },
  { "usable", W_SPENDABLE, 0, 0, NULL },
  { "usd", 0, 0, 0, "USD" },
  { "ush", 0, 0, 0, "UGX" },
  { "ushs", 0, 0, 0, "UGX" },
  { "utama", W_PRIMARY, 0, 0, NULL },
  { "utilisable", W_SPENDABLE, 0, 0, NULL },
  { "valabil", W_EXPIRY, 0, 0, NULL },
  { "valable", W_EXPIRY, 0, 0, NULL },
  { "valassz", W_MENU, 0, 0, NULL },
  { "valid", W_EXPIRY, 0, 0, NULL },
  { "valida", W_EXPIRY, 0, 0, NULL },
  { "validade", W_EXPIRY, 0, 0, NULL },
  { "validas", W_EXPIRY, 0, 0, NULL },
  { "validez", W_EXPIRY, 0, 0, NULL },
  { "validity", W_EXPIRY, 0, 0, NULL },
  { "valido", W_EXPIRY, 0, 0, NULL },
  { "validos", W_EXPIRY, 0, 0, NULL },
  { "van", W_OF, 0, 0, NULL },
  { "vence", W_EXPIRY, 0, 0, NULL },
  { "vencen", W_EXPIRY, 0, 0, NULL },
  { "vencera", W_EXPIRY, 0, 0, NULL },
  { "vencimento", W_EXPIRY, 0, 0, NULL },
  { "vencimiento", W_EXPIRY, 0, 0, NULL },
  { "verfugbar", W_SPENDABLE, 0, 0, NULL },
  { "verfugbare", W_SPENDABLE, 0, 0, NULL },
  { "verfugbarer", W_SPENDABLE, 0, 0, NULL },
  { "verfugbares", W_SPENDABLE, 0, 0, NULL },
  { "vigencia", W_EXPIRY, 0, 0, NULL },
  { "vigente", W_EXPIRY, 0, 0, NULL },
  { "vigentes", W_EXPIRY, 0, 0, NULL },
  { "vissza", W_MENU, 0, 0, NULL },
  { "voimassa", W_EXPIRY, 0, 0, NULL },
  { "volver", W_MENU, 0, 0, NULL },
  { "von", W_OF, 0, 0, NULL },
  { "vuelva", W_PHRASE, 0, 0, NULL },
  { "vyberte", W_MENU, 0, 0, NULL },
  { "wahlen", W_MENU, 0, 0, NULL },
  { "wartung", W_ERROR, 0, 0, NULL },
  { "wazne", W_EXPIRY, 0, 0, NULL },
  { "waznosc", W_EXPIRY, 0, 0, NULL },
  { "week", W_WEEK, 0, 0, NULL },
  { "weeks", W_WEEK, 0, 0, NULL },
  { "weiter", W_MENU, 0, 0, NULL },
  { "woche", W_WEEK, 0, 0, NULL },
  { "wochen", W_WEEK, 0, 0, NULL },
  { "won", 0, 0, 0, "KRW" },
  { "wroc", W_MENU, 0, 0, NULL },
  { "wrz", 0, 9, 0, NULL },
  { "wrzesien", 0, 9, 0, NULL },
  { "wrzesnia", 0, 9, 0, NULL },
  { "wybierz", W_MENU, 0, 0, NULL },
  { "xof", 0, 0, 0, "XOF" },
  { "y", W_AND, 0, 0, NULL },
  { "yen", 0, 0, 0, "JPY" },
  { "yuan", 0, 0, 0, "CNY" },
  { "z", W_OF, 0, 0, NULL },
  { "zari", 0, 9, 0, NULL },
  { "zbyva", W_BALANCE, 0, 0, NULL },
  { "ze", W_OF, 0, 0, NULL },
  { "zero", W_PHRASE, 0, 0, NULL },
  { "zile", W_DAY, 0, 0, NULL },
  { "zl", 0, 0, 0, "PLN" },
  { "zlote", 0, 0, 0, "PLN" },
  { "zloty", 0, 0, 0, "PLN" },
  { "zlotych", 0, 0, 0, "PLN" },
  { "zpet", W_MENU, 0, 0, NULL },
  { "zuruck", W_MENU, 0, 0, NULL },
  { "zustatek", W_BALANCE, 0, 0, NULL },
  { "υπολοιπο", W_BALANCE, 0, 0, NULL },
  { "авг", 0, 8, 0, NULL },
  { "август", 0, 8, 0, NULL },
  { "августа", 0, 8, 0, NULL },
  { "апр", 0, 4, 0, NULL },
  { "апрель", 0, 4, 0, NULL },
  { "апреля", 0, 4, 0, NULL },
  { "баланс", W_BALANCE, 0, 0, NULL },
  { "балансе", W_BALANCE, 0, 0, NULL },
  { "баллов", W_COUNT, 0, 0, NULL },
  { "березня", 0, 3, 0, NULL },
  { "бонус", W_BALANCE | W_BONUS, 0, 0, NULL },
  { "бонусного", W_BALANCE | W_BONUS, 0, 0, NULL },
  { "бонусный", W_BALANCE | W_BONUS, 0, 0, NULL },
  { "бонусов", W_BALANCE | W_BONUS, 0, 0, NULL },
  { "бонусы", W_BALANCE | W_BONUS, 0, 0, NULL },
  { "вересня", 0, 9, 0, NULL },
  { "выберите", W_MENU, 0, 0, NULL },
  { "выход", W_MENU, 0, 0, NULL },
  { "гб", 0, 0, 30, NULL },
  { "гривень", 0, 0, 0, "UAH" },
  { "гривні", 0, 0, 0, "UAH" },
  { "грн", 0, 0, 0, "UAH" },
  { "грудня", 0, 12, 0, NULL },
  { "далее", W_MENU, 0, 0, NULL },
  { "действителен", W_EXPIRY, 0, 0, NULL },
  { "действует", W_EXPIRY, 0, 0, NULL },
  { "дек", 0, 12, 0, NULL },
  { "декабрь", 0, 12, 0, NULL },
  { "декабря", 0, 12, 0, NULL },
  { "ден", 0, 0, 0, "MKD" },
  { "день", W_DAY, 0, 0, NULL },
  { "дин", 0, 0, 0, "RSD" },
  { "дней", W_DAY, 0, 0, NULL },
  { "дня", W_DAY, 0, 0, NULL },
  { "дні", W_DAY, 0, 0, NULL },
  { "днів", W_DAY, 0, 0, NULL },
  { "до", W_EXPIRY, 0, 0, NULL },
  { "долг", W_LOAN, 0, 0, NULL },
  { "доступно", W_SPENDABLE, 0, 0, NULL },
  { "доступный", W_SPENDABLE, 0, 0, NULL },
  { "доступных", W_SPENDABLE, 0, 0, NULL },
  { "драм", 0, 0, 0, "AMD" },
  { "дійсний", W_EXPIRY, 0, 0, NULL },
  { "діє", W_EXPIRY, 0, 0, NULL },
  { "жовтня", 0, 10, 0, NULL },
  { "задолженность", W_LOAN, 0, 0, NULL },
  { "и", W_AND, 0, 0, NULL },
  { "из", W_OF, 0, 0, NULL },
  { "имеется", W_HAVE, 0, 0, NULL },
  { "истекает", W_EXPIRY, 0, 0, NULL },
  { "итого", W_TOTAL, 0, 0, NULL },
  { "июль", 0, 7, 0, NULL },
  { "июля", 0, 7, 0, NULL },
  { "июнь", 0, 6, 0, NULL },
  { "июня", 0, 6, 0, NULL },
  { "кб", 0, 0, 10, NULL },
  { "квітня", 0, 4, 0, NULL },
  { "коп", W_MINOR, 0, 0, "RUBLE" },
  { "копеек", W_MINOR, 0, 0, "RUBLE" },
  { "копейка", W_MINOR, 0, 0, "RUBLE" },
  { "копейки", W_MINOR, 0, 0, "RUBLE" },
  { "копійки", W_MINOR, 0, 0, "UAH" },
  { "копійок", W_MINOR, 0, 0, "UAH" },
  { "лари", 0, 0, 0, "GEL" },
  { "лв", 0, 0, 0, "BGN" },
  { "липня", 0, 7, 0, NULL },
  { "листопада", 0, 11, 0, NULL },
  { "лютого", 0, 2, 0, NULL },
  { "май", 0, 5, 0, NULL },
  { "мар", 0, 3, 0, NULL },
  { "март", 0, 3, 0, NULL },
  { "марта", 0, 3, 0, NULL },
  { "мая", 0, 5, 0, NULL },
  { "мб", 0, 0, 20, NULL },
  { "месяц", W_MONTHS, 0, 0, NULL },
  { "месяца", W_MONTHS, 0, 0, NULL },
  { "месяцев", W_MONTHS, 0, 0, NULL },
  { "мин", W_COUNT, 0, 0, NULL },
  { "минус", W_MINUS, 0, 0, NULL },
  { "минут", W_COUNT, 0, 0, NULL },
  { "млн", 0, 0, 6, NULL },
  { "назад", W_MENU, 0, 0, NULL },
  { "недоступен", W_ERROR, 0, 0, NULL },
  { "недоступна", W_ERROR, 0, 0, NULL },
  { "ноя", 0, 11, 0, NULL },
  { "ноябрь", 0, 11, 0, NULL },
  { "ноября", 0, 11, 0, NULL },
  { "оберіть", W_MENU, 0, 0, NULL },
  { "общий", W_TOTAL, 0, 0, NULL },
  { "окт", 0, 10, 0, NULL },
  { "октябрь", 0, 10, 0, NULL },
  { "октября", 0, 10, 0, NULL },
  { "основного", W_PRIMARY, 0, 0, NULL },
  { "основной", W_PRIMARY, 0, 0, NULL },
  { "основном", W_PRIMARY, 0, 0, NULL },
  { "основному", W_PRIMARY, 0, 0, NULL },
  { "остаток", W_BALANCE, 0, 0, NULL },
  { "ошибка", W_ERROR, 0, 0, NULL },
  { "повторите", W_PHRASE, 0, 0, NULL },
  { "позже", 0, 0, 0, NULL },
  { "помилка", W_ERROR, 0, 0, NULL },
  { "поповнення", W_PRICE, 0, 0, NULL },
  { "пополнение", W_PRICE, 0, 0, NULL },
  { "пополнили", W_PRICE, 0, 0, NULL },
  { "попробуйте", W_PHRASE, 0, 0, NULL },
  { "р", 0, 0, 0, "RUBLE" },
  { "рахунку", W_BALANCE, 0, 0, NULL },
  { "руб", 0, 0, 0, "RUBLE" },
  { "рублей", 0, 0, 0, "RUBLE" },
  { "рубль", 0, 0, 0, "RUBLE" },
  { "рубля", 0, 0, 0, "RUBLE" },
  { "сек", W_COUNT, 0, 0, NULL },
  { "сен", 0, 9, 0, NULL },
  { "сентябрь", 0, 9, 0, NULL },
  { "сентября", 0, 9, 0, NULL },
  { "серпня", 0, 8, 0, NULL },
  { "смн", 0, 0, 0, "TJS" },
  { "сом", 0, 0, 0, "SOM" },
  { "сомони", 0, 0, 0, "TJS" },
  { "срок", W_EXPIRY, 0, 0, NULL },
  { "стоимость", W_PRICE, 0, 0, NULL },
  { "сум", 0, 0, 0, "UZS" },
  { "счете", W_BALANCE, 0, 0, NULL },
  { "счету", W_BALANCE, 0, 0, NULL },
  { "січня", 0, 1, 0, NULL },
  { "тб", 0, 0, 40, NULL },
  { "тг", 0, 0, 0, "KZT" },
  { "тенге", 0, 0, 0, "KZT" },
  { "травня", 0, 5, 0, NULL },
  { "тыс", 0, 0, 3, NULL },
  { "фев", 0, 2, 0, NULL },
  { "февраль", 0, 2, 0, NULL },
  { "февраля", 0, 2, 0, NULL },
  { "хвилин", W_COUNT, 0, 0, NULL },
  { "цена", W_PRICE, 0, 0, NULL },
  { "червня", 0, 6, 0, NULL },
  { "шиллинг", 0, 0, 0, "UGX" },
  { "янв", 0, 1, 0, NULL },
  { "январь", 0, 1, 0, NULL },
  { "января", 0, 1, 0, NULL },
  { "יתרה", W_BALANCE, 0, 0, NULL },
  { "יתרתך", W_BALANCE, 0, 0, NULL },
  { "اعتبار", W_BALANCE, 0, 0, NULL },
  { "الرصيد", W_BALANCE, 0, 0, NULL },
  { "تومان", 0, 0, 0, "TOMAN" },
  { "ج.م", 0, 0, 0, "EGP" },
  { "جنيه", 0, 0, 0, "POUND" },
  { "حتى", W_EXPIRY, 0, 0, NULL },
  { "خطأ", W_ERROR, 0, 0, NULL },
  { "د.أ", 0, 0, 0, "JOD" },
  { "د.إ", 0, 0, 0, "AED" },
  { "د.ب", 0, 0, 0, "BHD" },
  { "د.ت", 0, 0, 0, "TND" },
  { "د.ج", 0, 0, 0, "DZD" },
  { "د.ع", 0, 0, 0, "IQD" },
  { "د.ك", 0, 0, 0, "KWD" },
  { "د.ل", 0, 0, 0, "LYD" },
  { "د.م", 0, 0, 0, "MAD" },
  { "درهم", 0, 0, 0, "DIRHAM" },
  { "دينار", 0, 0, 0, "DINAR" },
  { "ر.س", 0, 0, 0, "SAR" },
  { "ر.ع", 0, 0, 0, "OMR" },
  { "ر.ق", 0, 0, 0, "QAR" },
  { "ر.ي", 0, 0, 0, "YER" },
  { "رصيد", W_BALANCE, 0, 0, NULL },
  { "رصيدك", W_BALANCE, 0, 0, NULL },
  { "رصيدكم", W_BALANCE, 0, 0, NULL },
  { "ريال", 0, 0, 0, "RIAL" },
  { "ریال", 0, 0, 0, "RIAL" },
  { "صالح", W_EXPIRY, 0, 0, NULL },
  { "ل.س", 0, 0, 0, "SYP" },
  { "ل.ل", 0, 0, 0, "LBP" },
  { "موجودی", W_BALANCE, 0, 0, NULL },
  { "ينتهي", W_EXPIRY, 0, 0, NULL },
  { "คงเหลือ", W_BALANCE, 0, 0, NULL },
  { "คุณมี", W_HAVE, 0, 0, NULL },
  { "ถึง", W_EXPIRY, 0, 0, NULL },
  { "บ", 0, 0, 0, "THB" },
  { "บาท", 0, 0, 0, "THB" },
  { "ยอดเงิน", W_BALANCE, 0, 0, NULL },
  { "หมดอายุ", W_EXPIRY, 0, 0, NULL },
  { "เงินคงเหลือ", W_BALANCE, 0, 0, NULL },
  { "โบนัส", W_BONUS, 0, 0, NULL },
  { "まで", W_UNTIL_AFTER, 0, 0, NULL },
  { "余额", W_BALANCE, 0, 0, NULL },
  { "元", 0, 0, 0, "CNY" },
  { "円", 0, 0, 0, "JPY" },
  { "到期", W_EXPIRY, 0, 0, NULL },
  { "可用余额", W_BALANCE | W_SPENDABLE, 0, 0, NULL },
  { "年", 0, 0, 0, NULL },
  { "应付", W_PRICE, 0, 0, NULL },
  { "扣费", W_PRICE, 0, 0, NULL },
  { "日", 0, 0, 0, NULL },
  { "月", 0, 0, 0, NULL },
  { "有効期限", W_EXPIRY, 0, 0, NULL },
  { "有效期", W_EXPIRY, 0, 0, NULL },
  { "残高", W_BALANCE, 0, 0, NULL },
  { "消费", W_PRICE, 0, 0, NULL },
  { "稍后再试", W_ERROR, 0, 0, NULL },
  { "系统繁忙", W_ERROR, 0, 0, NULL },
  { "至", W_EXPIRY, 0, 0, NULL },
  { "话费余额", W_BALANCE, 0, 0, NULL },
  { "账单", W_PRICE, 0, 0, NULL },
  { "账户余额", W_BALANCE, 0, 0, NULL },
  { "费", W_PRICE, 0, 0, NULL },
  { "赠送", W_BONUS, 0, 0, NULL },
  { "까지", W_UNTIL_AFTER, 0, 0, NULL },
  { "년", 0, 0, 0, NULL },
  { "원", 0, 0, 0, "KRW" },
  { "월", 0, 0, 0, NULL },
  { "유효기간", W_EXPIRY, 0, 0, NULL },
  { "일", 0, 0, 0, NULL },
  { "잔액", W_BALANCE, 0, 0, NULL },
};

/* words_by_byte[b] is the first entry of words[] whose first byte is >= b,
 * so a lookup only bisects the entries sharing the word's first byte. */
static const guint16 words_by_byte[257] = {
  0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
  0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
  0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
  0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
  0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
  0,    0,    0,    0,    0,    0,    0,    0,    42,   81,   138,  201,  240,  269,  305,  326,  342,  372,
  413,  447,  532,  556,  579,  641,  643,  695,  777,  830,  845,  875,  890,  891,  894,  907,  907,  907,
  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,
  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,
  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,
  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,
  907,  907,  907,  907,  907,  907,  907,  907,  907,  907,  908,  1013, 1048, 1048, 1048, 1048, 1048, 1048,
  1050, 1078, 1082, 1082, 1082, 1082, 1082, 1082, 1082, 1091, 1091, 1091, 1092, 1093, 1099, 1106, 1108, 1114,
  1114, 1115, 1116, 1121, 1121, 1121, 1121, 1121, 1121, 1121, 1121, 1121, 1121, 1121, 1121, 1121, 1121, 1121,
  1121, 1121, 1121, 1121, 1121,
};

/* words_by_pair[(a - 'a') * 29 + pair_slot (b)] is the first entry of
 * words[] starting with the bytes a, b or after; for words starting with
 * 'a'..'z'.  Generated with the table, checked by check_tables. */
static const guint16 words_by_pair[26 * 29 + 1] = {
  0,   1,   1,   1,   5,   5,   7,   7,   7,   14,  14,  15,  15,  17,  17,  18,  19,  20,  27,  27,  29,
  29,  31,  38,  42,  42,  42,  42,  42,  42,  42,  42,  52,  52,  52,  53,  57,  57,  57,  57,  60,  60,
  60,  61,  61,  61,  72,  72,  72,  74,  78,  78,  81,  81,  81,  81,  81,  81,  81,  81,  81,  85,  85,
  85,  85,  101, 102, 102, 110, 110, 110, 110, 110, 110, 110, 129, 129, 129, 132, 132, 132, 135, 135, 135,
  135, 135, 138, 138, 139, 139, 150, 150, 150, 150, 166, 166, 166, 168, 182, 182, 182, 182, 182, 186, 197,
  198, 198, 199, 199, 199, 201, 201, 201, 201, 201, 201, 201, 202, 202, 202, 202, 202, 202, 202, 202, 205,
  205, 205, 205, 206, 209, 210, 216, 216, 216, 216, 223, 225, 226, 229, 229, 229, 239, 240, 240, 240, 240,
  240, 243, 244, 245, 245, 258, 258, 259, 259, 261, 261, 261, 261, 261, 261, 263, 263, 263, 268, 268, 269,
  269, 269, 269, 269, 269, 269, 269, 269, 269, 270, 271, 271, 271, 277, 277, 277, 279, 288, 288, 288, 291,
  291, 291, 292, 292, 292, 299, 300, 300, 304, 304, 304, 304, 305, 305, 305, 305, 305, 319, 319, 319, 319,
  321, 321, 321, 321, 323, 323, 323, 324, 324, 324, 324, 324, 324, 325, 325, 325, 326, 326, 326, 326, 326,
  326, 326, 327, 327, 328, 328, 328, 328, 328, 328, 328, 328, 328, 328, 328, 328, 328, 340, 340, 340, 340,
  340, 340, 340, 342, 342, 342, 342, 342, 342, 342, 342, 342, 349, 349, 349, 349, 349, 349, 349, 349, 349,
  349, 349, 349, 349, 349, 352, 352, 352, 352, 352, 353, 372, 372, 372, 372, 372, 372, 372, 373, 373, 376,
  377, 379, 380, 384, 384, 384, 384, 387, 387, 387, 387, 387, 387, 396, 396, 396, 400, 402, 402, 403, 405,
  411, 411, 413, 413, 413, 414, 414, 419, 419, 419, 419, 429, 429, 429, 429, 437, 437, 437, 438, 438, 438,
  441, 441, 441, 441, 441, 441, 447, 447, 447, 447, 447, 447, 447, 447, 447, 483, 484, 484, 484, 501, 501,
  501, 501, 518, 518, 519, 520, 522, 523, 530, 531, 531, 532, 532, 532, 532, 532, 532, 532, 532, 532, 532,
  533, 533, 538, 538, 538, 539, 541, 541, 542, 542, 546, 546, 546, 546, 546, 546, 555, 555, 555, 555, 555,
  555, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 563, 563, 563, 564, 565, 565, 565, 565, 568,
  568, 568, 569, 569, 573, 573, 573, 573, 575, 577, 577, 579, 579, 579, 579, 579, 580, 580, 593, 593, 593,
  593, 599, 599, 599, 599, 601, 601, 601, 607, 607, 607, 614, 614, 614, 636, 636, 636, 641, 641, 641, 641,
  641, 641, 641, 642, 642, 642, 642, 642, 642, 642, 642, 642, 642, 642, 642, 642, 642, 642, 642, 642, 642,
  642, 642, 642, 642, 643, 643, 643, 643, 643, 643, 643, 644, 644, 647, 648, 648, 649, 673, 673, 673, 673,
  682, 682, 682, 682, 684, 684, 685, 686, 686, 686, 687, 687, 695, 695, 695, 695, 695, 695, 695, 695, 697,
  707, 707, 710, 711, 736, 736, 736, 741, 748, 748, 748, 748, 749, 749, 755, 758, 758, 763, 763, 770, 773,
  773, 773, 773, 775, 777, 777, 777, 777, 789, 790, 790, 790, 798, 798, 799, 800, 807, 807, 810, 811, 811,
  811, 820, 820, 820, 828, 830, 830, 830, 830, 830, 830, 830, 830, 830, 830, 830, 830, 830, 830, 830, 830,
  830, 831, 831, 831, 831, 831, 833, 833, 839, 839, 839, 839, 839, 843, 845, 845, 845, 845, 845, 845, 845,
  845, 845, 845, 857, 857, 857, 857, 866, 866, 866, 866, 870, 870, 870, 870, 870, 870, 873, 873, 873, 873,
  873, 873, 874, 874, 874, 874, 875, 875, 875, 875, 875, 879, 879, 879, 879, 882, 882, 882, 882, 882, 882,
  882, 882, 882, 882, 885, 885, 885, 889, 889, 889, 889, 889, 889, 889, 890, 890, 890, 890, 890, 890, 890,
  890, 890, 890, 890, 890, 890, 890, 890, 890, 890, 890, 890, 891, 891, 891, 891, 891, 891, 891, 891, 891,
  891, 891, 891, 891, 892, 892, 892, 892, 892, 892, 893, 893, 893, 893, 893, 893, 893, 893, 893, 893, 893,
  893, 893, 893, 893, 893, 894, 894, 894, 894, 894, 894, 894, 895, 895, 896, 897, 897, 897, 899, 899, 899,
  899, 900, 900, 900, 904, 904, 904, 904, 905, 905, 905, 905, 905, 907, 907, 907, 907, 907, 907, 907,
};

typedef enum {
  SALDO_PHRASE_ERROR,
  SALDO_PHRASE_ZERO,
} SaldoPhraseKind;

#define MAX_PHRASE_WORDS 4

typedef struct {
  SaldoPhraseKind kind;
  const char     *words[MAX_PHRASE_WORDS];
} SaldoPhrase;

/* Consecutive folded words; the first one carries W_PHRASE in words[]. */
static const SaldoPhrase phrases[] = {
  { SALDO_PHRASE_ERROR, { "no", "disponible" } },
  { SALDO_PHRASE_ERROR, { "no", "esta", "disponible" } },
  { SALDO_PHRASE_ERROR, { "no", "se", "encuentra", "disponible" } },
  { SALDO_PHRASE_ERROR, { "intente", "mas", "tarde" } },
  { SALDO_PHRASE_ERROR, { "intentelo", "mas", "tarde" } },
  { SALDO_PHRASE_ERROR, { "intenta", "mas", "tarde" } },
  { SALDO_PHRASE_ERROR, { "intente", "nuevamente" } },
  { SALDO_PHRASE_ERROR, { "intente", "luego" } },
  { SALDO_PHRASE_ERROR, { "vuelva", "a", "intentar" } },
  { SALDO_PHRASE_ERROR, { "try", "again", "later" } },
  { SALDO_PHRASE_ERROR, { "try", "later" } },
  { SALDO_PHRASE_ERROR, { "please", "try", "again" } },
  { SALDO_PHRASE_ERROR, { "system", "busy" } },
  { SALDO_PHRASE_ERROR, { "unknown", "application" } },
  { SALDO_PHRASE_ERROR, { "not", "available" } },
  { SALDO_PHRASE_ERROR, { "invalid", "mmi" } },
  { SALDO_PHRASE_ERROR, { "codigo", "invalido" } },
  { SALDO_PHRASE_ERROR, { "codigo", "incorrecto" } },
  { SALDO_PHRASE_ERROR, { "opcion", "invalida" } },
  { SALDO_PHRASE_ERROR, { "opcion", "incorrecta" } },
  { SALDO_PHRASE_ERROR, { "invalid", "option" } },
  { SALDO_PHRASE_ERROR, { "nicht", "verfugbar" } },
  { SALDO_PHRASE_ERROR, { "spater", "erneut" } },
  { SALDO_PHRASE_ERROR, { "plus", "tard" } },
  { SALDO_PHRASE_ERROR, { "попробуйте", "позже" } },
  { SALDO_PHRASE_ERROR, { "повторите", "позже" } },
  { SALDO_PHRASE_ERROR, { "coba", "lagi" } },
  { SALDO_PHRASE_ERROR, { "sprobuj", "pozniej" } },
  { SALDO_PHRASE_ERROR, { "nao", "disponivel" } },
  { SALDO_PHRASE_ERROR, { "tente", "mais", "tarde" } },
  { SALDO_PHRASE_ERROR, { "probeer", "later" } },
  { SALDO_PHRASE_ERROR, { "kesobb" } },
  { SALDO_PHRASE_ERROR, { "tidak", "dapat" } },
  { SALDO_PHRASE_ERROR, { "coba", "beberapa", "saat", "lagi" } },
  { SALDO_PHRASE_ERROR, { "pozdeji" } },
  { SALDO_PHRASE_ZERO, { "no", "tiene", "saldo" } },
  { SALDO_PHRASE_ZERO, { "no", "tienes", "saldo" } },
  { SALDO_PHRASE_ZERO, { "no", "cuenta", "con", "saldo" } },
  { SALDO_PHRASE_ZERO, { "no", "cuentas", "con", "saldo" } },
  { SALDO_PHRASE_ZERO, { "sin", "saldo" } },
  { SALDO_PHRASE_ZERO, { "no", "credit" } },
  { SALDO_PHRASE_ZERO, { "no", "balance" } },
  { SALDO_PHRASE_ZERO, { "zero", "balance" } },
  { SALDO_PHRASE_ZERO, { "have", "no", "credit" } },
  { SALDO_PHRASE_ZERO, { "kein", "guthaben" } },
  { SALDO_PHRASE_ZERO, { "nao", "tem", "saldo" } },
  { SALDO_PHRASE_ZERO, { "pas", "de", "credit" } },
};

/* ASCII base letter of U+00C0..U+017F, '.' where there is none. */
static const char latin_fold[] = "aaaaaa.ceeeeiiii.nooooo.ouuuuy..aaaaaa.ceeeeiiii"
                                 ".nooooo.ouuuuy.yaaaaaaccccccccddddeeeeeeeeeegggg"
                                 "gggghhhhiiiiiiiiii..jjkk.llllll..llnnnnnn...oooo"
                                 "oo..rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

/* Latin letters that look like Cyrillic ones (lower case): carriers and
 * spammers mix them inside one word, so a keyword is matched in the script
 * most of its letters unambiguously belong to. */
static const struct {
  char     latin;
  gunichar cyrillic;
} homoglyphs[] = {
  { 'a', 0x0430 }, { 'b', 0x0432 }, { 'c', 0x0441 }, { 'e', 0x0435 }, { 'h', 0x043D },
  { 'i', 0x0456 }, { 'j', 0x0458 }, { 'k', 0x043A }, { 'm', 0x043C }, { 'o', 0x043E },
  { 'p', 0x0440 }, { 's', 0x0455 }, { 't', 0x0442 }, { 'x', 0x0445 }, { 'y', 0x0443 },
};

typedef enum {
  TOK_WORD,
  TOK_NUMBER,
  TOK_CURRENCY,
} SaldoTokenType;

/* Token flags */
enum {
  T_LINE_START = 1 << 0, /* first token on its line */
  T_SENTENCE = 1 << 1,   /* a sentence ended just before */
  T_COLON = 1 << 2,      /* ':' or '=' just before */
  T_ADJACENT = 1 << 3,   /* only spaces (or nothing) since the previous token */
  T_UPPER = 1 << 4,      /* three ASCII capitals: maybe an ISO code */
  T_PHONE = 1 << 5,      /* "+51 999 888 777" */
  T_CODE = 1 << 6,       /* "*515#" */
  T_OPTION = 1 << 7,     /* "1." starting a menu option */
  T_NEGATIVE = 1 << 8,   /* '-' glued before the number */
  T_USED = 1 << 9,       /* part of a date */
  T_IN_OPTION = 1 << 10, /* inside a menu option (set only for menus) */
  T_PREFIX = 1 << 11,    /* currency written only before its number */
  T_AMOUNT = 1 << 12,    /* part of a money amount */
  T_CLAIMED = 1 << 13,   /* balance keyword already tied to an amount after it */
  T_CLAUSE = 1 << 14,    /* ',' or ';' just before */
  T_PRICED = 1 << 15,    /* part of an amount read as a price */
  T_BRACKET = 1 << 16,   /* '(' or ')' just before */
};

/* Separators seen inside a number */
enum {
  SEP_DOT = 1 << 0,
  SEP_COMMA = 1 << 1,
  SEP_SPACE = 1 << 2,
  SEP_APOS = 1 << 3,
  SEP_SLASH = 1 << 4,
  SEP_DASH = 1 << 5,
  SEP_COLON = 1 << 6,
};

typedef struct {
  guint8      type;
  guint8      seps;
  guint8      groups;
  guint32     flags;
  guint32     wflags;   /* the word's flags in context, see compute_word_flags() */
  gint16      word;     /* index in words[], or -1 */
  const char *currency; /* currency words and symbols */
  gsize       start;
  gsize       end;
} SaldoToken;

typedef struct {
  const char              *text;
  gsize                    len;
  const SaldoBalanceHints *hints;
  SaldoBalanceResult      *result;
  SaldoToken               tok[MAX_TOKENS];
  guint                    n_tok;
  gboolean                 truncated;
  gboolean                 spendable; /* "available balance", "verfügbares Guthaben" */
  const char              *hinted;    /* hinted_currency(), once per reply */
  gboolean                 lakh;      /* a country that groups digits by lakhs */
} SaldoScan;

static inline gboolean
is_digit (char c)
{
  return c >= '0' && c <= '9';
}

static inline gboolean
is_ascii_alpha (char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The text was validated as UTF-8 within len, so a lead byte is always
 * followed by its continuation bytes inside the buffer. */
static inline gunichar
decode (const char *text, gsize i, gsize *next)
{
  const guint8 *p = (const guint8 *) text + i;

  if (p[0] < 0x80) {
    *next = i + 1;
    return p[0];
  }
  if (p[0] < 0xE0) {
    *next = i + 2;
    return ((gunichar) (p[0] & 0x1F) << 6) | (p[1] & 0x3F);
  }
  if (p[0] < 0xF0) {
    *next = i + 3;
    return ((gunichar) (p[0] & 0x0F) << 12) | ((gunichar) (p[1] & 0x3F) << 6) | (p[2] & 0x3F);
  }
  *next = i + 4;
  return ((gunichar) (p[0] & 0x07) << 18) | ((gunichar) (p[1] & 0x3F) << 12) |
         ((gunichar) (p[2] & 0x3F) << 6) | (p[3] & 0x3F);
}

static inline gboolean
is_combining (gunichar c)
{
  return c >= 0x0300 && c <= 0x036F;
}

static gboolean
is_letter (gunichar c)
{
  if (c < 0x80)
    return is_ascii_alpha ((char) c);
  if (c == 0x00D7 || c == 0x00F7)
    return FALSE;
  if ((c >= 0x00C0 && c < 0x0250) || (c >= 0x0370 && c < 0x0530) || is_combining (c))
    return TRUE;
  if (c < 0x00C0)
    return FALSE;
  /* Thai, Arabic, Devanagari... write vowels as marks inside words. */
  return g_unichar_isalpha (c) || g_unichar_ismark (c);
}

/* Horizontal space: ' ', tab, NBSP, thin and narrow no-break spaces.
 * Returns its length in bytes, 0 if there is none at i. */
static inline gsize
space_len (const char *text, gsize len, gsize i)
{
  const guint8 *p = (const guint8 *) text;

  if (p[i] == ' ' || p[i] == '\t')
    return 1;
  if (p[i] == 0xC2 && i + 1 < len && p[i + 1] == 0xA0)
    return 2;
  if (p[i] == 0xE2 && i + 2 < len && p[i + 1] == 0x80 && (p[i + 2] == 0xAF || p[i + 2] == 0x89))
    return 3;
  return 0;
}

static gunichar
fold_char (gunichar c)
{
  if (c < 0x80)
    return (gunichar) g_ascii_tolower ((char) c);
  if (c >= 0x00C0 && c < 0x0180)
    return latin_fold[c - 0x00C0] != '.' ? (gunichar) latin_fold[c - 0x00C0] : g_unichar_tolower (c);
  if (c >= 0x0410 && c <= 0x042F)
    return c + 0x20;
  if (c == 0x0401 || c == 0x0451) /* Ё ё read as е */
    return 0x0435;
  if (c >= 0x0400 && c <= 0x040F)
    return c + 0x50;
  /* Greek accents off: "υπόλοιπό" as "υπολοιπο" */
  if (c >= 0x0386 && c <= 0x03CE) {
    gunichar base[4];

    if (g_unichar_fully_decompose (c, FALSE, base, G_N_ELEMENTS (base)) > 0)
      c = base[0];
  }
  return g_unichar_tolower (c);
}

static gboolean
is_cyrillic (gunichar c)
{
  return c >= 0x0400 && c < 0x0530;
}

static int
homoglyph_index (gunichar c)
{
  /* only lower-case letters get here: a quick reject before the scan */
  if (!((c >= 'a' && c <= 'y') || (c >= 0x0430 && c <= 0x0458)))
    return -1;
  for (guint i = 0; i < G_N_ELEMENTS (homoglyphs); i++) {
    if ((gunichar) homoglyphs[i].latin == c || homoglyphs[i].cyrillic == c)
      return (int) i;
  }
  return -1;
}

/* Lower case, accents off, homoglyphs moved to the word's main script.
 * Returns FALSE for words too long to be in any table. */
static gboolean
fold_word (const char *text, gsize start, gsize end, char *buf, gsize *out_len)
{
  gunichar cps[MAX_FOLD / 2];
  guint    n = 0;
  int      latin = 0, cyrillic = 0;
  gsize    i = start;
  gsize    o = 0;
  gsize    k;

  /* Most words are plain ASCII: no script to decide. */
  for (k = start; k < end && (guint8) text[k] < 0x80 && o + 1 < MAX_FOLD; k++)
    buf[o++] = (text[k] >= 'A' && text[k] <= 'Z') ? (char) (text[k] + ('a' - 'A')) : text[k];
  if (k == end) {
    buf[o] = '\0';
    *out_len = o;
    return TRUE;
  }
  if ((guint8) text[k] < 0x80)
    return FALSE; /* too long */
  o = 0;

  while (i < end) {
    gsize    next;
    gunichar c = decode (text, i, &next);

    i = next;
    if (is_combining (c))
      continue;
    if (n == G_N_ELEMENTS (cps))
      return FALSE;
    c = fold_char (c);
    cps[n++] = c;
    if (homoglyph_index (c) < 0) {
      if (is_cyrillic (c))
        cyrillic++;
      else if (c < 0x0250)
        latin++;
    }
  }

  for (guint m = 0; m < n; m++) {
    gunichar c = cps[m];
    int      h = latin != cyrillic ? homoglyph_index (c) : -1;

    if (h >= 0)
      c = cyrillic > latin ? homoglyphs[h].cyrillic : (gunichar) homoglyphs[h].latin;
    if (o + 6 >= MAX_FOLD)
      return FALSE;
    o += (gsize) g_unichar_to_utf8 (c, buf + o);
  }
  buf[o] = '\0';
  *out_len = o;
  return TRUE;
}

/* Which of words_by_pair's 29 slots a word's second byte falls in; the
 * slots keep strcmp() order: end, other ASCII, 'a'..'z', the rest. */
static inline guint
pair_slot (guint8 second)
{
  if (second == 0)
    return 0;
  if (second >= 'a' && second <= 'z')
    return (guint) (second - 'a') + 2;
  return second < 'a' ? 1 : 28;
}

static int
lookup_word (const char *folded)
{
  guint8 first = (guint8) folded[0];
  gsize  lo = words_by_byte[first], hi = words_by_byte[first + 1];

  /* Most words start with an ASCII letter: two bytes narrow the search
   * down to a few entries. */
  if (first >= 'a' && first <= 'z') {
    guint at = (guint) (first - 'a') * 29 + pair_slot ((guint8) folded[1]);

    lo = words_by_pair[at];
    hi = words_by_pair[at + 1];
  }

  while (lo < hi) {
    gsize mid = (lo + hi) / 2;
    int   cmp = strcmp (folded, words[mid].word);

    if (cmp == 0)
      return (int) mid;
    if (cmp < 0)
      hi = mid;
    else
      lo = mid + 1;
  }
  return -1;
}

/* German and Dutch build balance words by compounding: "Aufladeguthaben",
 * "Bonusguthaben" (when not listed), "beltegoed".  The head word, last,
 * gives the meaning. */
static const struct {
  const char *head;
  gsize       len;
} compound_heads[] = {
  { "guthaben", 8 },
  { "tegoed", 6 },
  { "balance", 7 },
  { "saldo", 5 },
};

static int
lookup_compound (const char *folded, gsize len)
{
  for (guint i = 0; i < G_N_ELEMENTS (compound_heads); i++) {
    gsize hl = compound_heads[i].len;

    if (len > hl + 2 && memcmp (folded + len - hl, compound_heads[i].head, hl) == 0)
      return lookup_word (compound_heads[i].head);
  }
  return -1;
}

static const char *
lookup_country (const SaldoCountryCurrency *table, gsize n, const char *key)
{
  gsize lo = 0, hi = n;

  if (key == NULL)
    return NULL;
  if (key[0] == '\0' || key[1] == '\0' || key[2] != '\0')
    return NULL;
  while (lo < hi) {
    gsize mid = (lo + hi) / 2;
    int   cmp = g_ascii_toupper (key[0]) - table[mid].country[0];

    if (cmp == 0)
      cmp = g_ascii_toupper (key[1]) - table[mid].country[1];

    if (cmp == 0)
      return table[mid].currency;
    if (cmp < 0)
      hi = mid;
    else
      lo = mid + 1;
  }
  return NULL;
}

static const char *
lookup_symbol (gunichar c, gboolean *prefix_only)
{
  for (guint i = 0; i < G_N_ELEMENTS (currency_symbols); i++) {
    if (currency_symbols[i].c == c) {
      *prefix_only = currency_symbols[i].prefix_only;
      return currency_symbols[i].currency;
    }
  }
  return NULL;
}

static const char *
country_currency (const SaldoBalanceHints *hints)
{
  return lookup_country (country_currencies, G_N_ELEMENTS (country_currencies), hints->country);
}

/* The hinted currency for amounts written without one. */
static const char *
hinted_currency (const SaldoBalanceHints *hints)
{
  if (saldo_currency_is_valid (hints->default_currency))
    return hints->default_currency;
  return country_currency (hints);
}

/* Turns a marker from the tables into an ISO code, or NULL. */
static const char *
resolve_currency (const char *marker, const SaldoBalanceHints *hints)
{
  const char *iso;

  if (marker == NULL)
    return NULL;
  /* ISO codes stand for themselves; no marker is one */
  if (saldo_currency_lookup (marker, strlen (marker)) != NULL)
    return marker;
  if (strcmp (marker, CUR_DOLLAR) == 0) {
    iso = lookup_country (dollar_currencies, G_N_ELEMENTS (dollar_currencies), hints->country);
    return iso != NULL ? iso : "USD";
  }
  if (strcmp (marker, CUR_PESO) == 0) {
    iso = lookup_country (peso_currencies, G_N_ELEMENTS (peso_currencies), hints->country);
    return iso != NULL ? iso : "MXN";
  }
  /* Belarus dropped four zeros on 2016-07-01: its roubles are BYN only
   * in a reading known to be newer (older ones were BYR, withdrawn). */
  if ((strcmp (marker, CUR_RUBLE) == 0 || strcmp (marker, "R") == 0) && hints->country != NULL &&
      g_ascii_strcasecmp (hints->country, "BY") == 0)
    return hints->now >= 1467331200 ? "BYN" : NULL;
  for (guint i = 0; i < G_N_ELEMENTS (shared_currencies); i++) {
    const SaldoSharedCurrency *shared = &shared_currencies[i];
    const char                *hinted = NULL;

    if (strcmp (marker, shared->marker) != 0)
      continue;
    for (const char *r = shared->by_country; *r != '\0'; r += 5) {
      if (hints->country != NULL && g_ascii_strncasecmp (hints->country, r, 2) == 0 &&
          hints->country[2] == '\0')
        return saldo_currency_lookup (r + 2, 3);
      if (hints->default_currency != NULL && strncmp (hints->default_currency, r + 2, 3) == 0 &&
          hints->default_currency[3] == '\0')
        hinted = saldo_currency_lookup (r + 2, 3);
    }
    return hinted != NULL ? hinted : shared->fallback;
  }
  return marker;
}

static gsize
skip_digits (const char *text, gsize len, gsize i)
{
  while (i < len && is_digit (text[i]))
    i++;
  return i;
}

static guint8
sep_bit (char c)
{
  switch (c) {
  case '.':
    return SEP_DOT;
  case ',':
    return SEP_COMMA;
  case '\'':
    return SEP_APOS;
  case '/':
    return SEP_SLASH;
  case '-':
    return SEP_DASH;
  case ':':
    return SEP_COLON;
  default:
    return 0;
  }
}

/* Scans a number starting at a digit: digit groups joined by one
 * separator each.  A space joins only groups of exactly three digits
 * ("1 234,56"), so "S/ 5 10" stays two numbers. */
static gsize
scan_number (const char *text, gsize len, gsize i, SaldoToken *tok)
{
  gsize j = skip_digits (text, len, i);
  gsize last = j - i;

  tok->groups = 1;
  tok->seps = 0;
  while (j < len && tok->groups < 255) {
    guint8 bit = sep_bit (text[j]);
    gsize  sl;

    if (bit != 0 && j + 1 < len && is_digit (text[j + 1])) {
      gsize k = skip_digits (text, len, j + 1);

      tok->seps |= bit;
      tok->groups++;
      last = k - (j + 1);
      j = k;
      continue;
    }
    sl = space_len (text, len, j);
    if (sl != 0 && (tok->seps & ~SEP_SPACE) == 0 && last <= 3 && (tok->groups == 1 || last == 3)) {
      gsize k = j + sl;
      gsize e = skip_digits (text, len, k);

      if (e - k == 3) {
        tok->seps |= SEP_SPACE;
        tok->groups++;
        last = 3;
        j = e;
        continue;
      }
    }
    break;
  }
  return j;
}

/* "+51 999 888 777", "+1 (555) 123-4567" */
static gsize
scan_phone (const char *text, gsize len, gsize i)
{
  gsize j = i;

  while (j < len) {
    if (is_digit (text[j])) {
      j++;
    } else if ((text[j] == ' ' || text[j] == '-' || text[j] == '(' || text[j] == ')') && j + 1 < len &&
               (is_digit (text[j + 1]) || text[j + 1] == '(')) {
      j++;
    } else {
      break;
    }
  }
  return j;
}

static guint
phone_digits (const char *text, gsize start, gsize end)
{
  guint n = 0;

  for (gsize k = start; k < end; k++)
    n += is_digit (text[k]);
  return n;
}

static gboolean
is_word_byte_start (const char *text, gsize i, gunichar *c, gsize *next)
{
  *c = decode (text, i, next);
  return is_letter (*c);
}

/* Chinese, Japanese and Thai write no spaces between words, and Korean
 * glues particles to them: a run of such letters means the table word
 * found in it nearest its end ("月份账单合计" is a bill, "잔액은" the
 * balance).  Lead bytes 0xE0 (Thai) and 0xE3..0xED (kana, CJK, Hangul). */
static int
lookup_unspaced (const char *text, gsize len)
{
  guint8 lead = (guint8) text[0];
  gsize  best_end = 0, best_len = 0;
  int    best = -1;

  if (lead != 0xE0 && (lead < 0xE3 || lead > 0xED))
    return -1;
  for (guint b = 0xE0; b <= 0xED; b++) {
    if (b == 0xE1 || b == 0xE2)
      continue;
    for (guint w = words_by_byte[b]; w < words_by_byte[b + 1]; w++) {
      gsize wl = strlen (words[w].word);

      for (gsize at = 0; at + wl <= len; at++) {
        if (memcmp (text + at, words[w].word, wl) == 0 &&
            (at + wl > best_end || (at + wl == best_end && wl > best_len))) {
          best_end = at + wl;
          best_len = wl;
          best = (int) w;
        }
      }
    }
  }
  return best;
}

/* An abbreviation written with dots, looked up whole: "s.d." (until),
 * "د.ل" (Libyan dinar).  Extends the token over it; the word, or -1. */
static int
lookup_dotted (SaldoScan *scan, SaldoToken *tok, const char *first, gsize first_len)
{
  const char *t = scan->text;
  gsize       start = tok->end + 1, end = start;
  char        dotted[MAX_FOLD];
  gsize       len2 = 0;
  gunichar    c;
  gsize       next;
  int         w;

  if (first_len > 6 || start >= scan->len || t[tok->end] != '.' || !is_word_byte_start (t, start, &c, &next))
    return -1;
  end = next;
  while (end < scan->len) {
    c = decode (t, end, &next);
    if (!is_letter (c))
      break;
    end = next;
  }
  if (end - start > 12 || first_len + 1 + (end - start) * 2 >= sizeof (dotted))
    return -1;
  memcpy (dotted, first, first_len);
  dotted[first_len] = '.';
  if (!fold_word (t, start, end, dotted + first_len + 1, &len2))
    return -1;
  w = lookup_word (dotted);
  if (w < 0)
    return -1;
  tok->end = end;
  /* its closing dot, unless that ends the sentence */
  if (end + 1 < scan->len && t[end] == '.' && t[end + 1] == ' ' &&
      !g_ascii_isupper (t[MIN (end + 2, scan->len - 1)]))
    tok->end++;
  return w;
}

/* ISO 4217 codes that are also common words in capitals ("ALL 50 SMS",
 * "TOP UP 10", "TRY AGAIN"): a currency only where it is the line's. */
static const char *
iso_code_word (const SaldoScan *scan, const char *text)
{
  static const char *const wordlike[] = {
    "ALL", "AMD", "ANG", "BAM", "BOB", "CUP", "DOP", "GEL", "LAK",
    "MAD", "MOP", "MUR", "NAD", "PEN", "SOS", "TOP", "TRY",
  };
  const char *iso = saldo_currency_lookup (text, 3);

  if (iso == NULL)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (wordlike); i++) {
    if (strcmp (iso, wordlike[i]) == 0)
      return g_strcmp0 (scan->hinted, iso) == 0 ? iso : NULL;
  }
  return iso;
}

static void
classify_word (SaldoScan *scan, SaldoToken *tok, gsize end)
{
  char     buf[MAX_FOLD];
  gsize    flen = 0;
  gboolean upper = TRUE;

  tok->type = TOK_WORD;
  tok->word = -1;
  tok->end = end;
  /* only three capitals matter: an ISO 4217 code */
  for (gsize k = tok->start; k < end && upper; k++) {
    if (end - tok->start != 3 || !(scan->text[k] >= 'A' && scan->text[k] <= 'Z'))
      upper = FALSE;
  }
  if (upper)
    tok->flags |= T_UPPER;
  if (!fold_word (scan->text, tok->start, end, buf, &flen))
    return;

  /* "s/d" (Indonesian "sampai dengan", until) before Peru's "S/". */
  if (flen == 1 && buf[0] == 's' && end + 1 < scan->len && scan->text[end] == '/' &&
      (scan->text[end + 1] | 0x20) == 'd' &&
      (end + 2 == scan->len || !is_ascii_alpha (scan->text[end + 2]))) {
    tok->word = (gint16) lookup_word ("s/d");
    tok->end = end + 2;
    return;
  }
  /* "S/" and "S/." are Peru's sol whatever follows. */
  if (flen == 1 && buf[0] == 's' && end < scan->len && scan->text[end] == '/') {
    tok->type = TOK_CURRENCY;
    tok->currency = "PEN";
    tok->flags |= T_PREFIX;
    tok->end = end + 1;
    if (tok->end < scan->len && scan->text[tok->end] == '.')
      tok->end++;
    return;
  }
  if (end < scan->len && scan->text[end] == '$') {
    const char *cur = NULL;

    for (guint i = 0; i < G_N_ELEMENTS (dollar_prefixes); i++) {
      if (strcmp (buf, dollar_prefixes[i].country) == 0)
        cur = dollar_prefixes[i].currency;
    }
    if (cur != NULL) {
      tok->type = TOK_CURRENCY;
      tok->currency = cur;
      tok->flags |= T_PREFIX;
      tok->end = end + 1;
      return;
    }
  }
  tok->word = (gint16) lookup_dotted (scan, tok, buf, flen);
  if (tok->word < 0)
    tok->word = (gint16) lookup_word (buf);
  if (tok->word < 0)
    tok->word = (gint16) lookup_compound (buf, flen);
  if (tok->word < 0)
    tok->word = (gint16) lookup_unspaced (scan->text + tok->start, tok->end - tok->start);
  if (tok->word >= 0 && words[tok->word].currency != NULL) {
    tok->currency = words[tok->word].currency;
    if (words[tok->word].flags & W_CUR_PREFIX)
      tok->flags |= T_PREFIX;
  } else if (upper && flen == 3) {
    /* ISO codes count only in capitals: "PEN" but not "pen". */
    tok->currency = iso_code_word (scan, scan->text + tok->start);
  }
  /* The dot of an abbreviated currency before its number: "Rp.3000",
   * "Rs. 50", "Kc. 120". */
  if (tok->currency != NULL && tok->end + 1 < scan->len && scan->text[tok->end] == '.') {
    gsize k = tok->end + 1;

    while (k < scan->len && scan->text[k] == ' ')
      k++;
    if (k < scan->len && is_digit (scan->text[k]))
      tok->end++;
  }
}

static void
mark_number (SaldoScan *scan, SaldoToken *tok, gboolean line_start)
{
  const char *t = scan->text;
  gsize       s = tok->start, e = tok->end;

  if (s > 0 && (t[s - 1] == '*' || t[s - 1] == '#'))
    tok->flags |= T_CODE;
  if (e < scan->len && (t[e] == '#' || t[e] == '*'))
    tok->flags |= T_CODE;
  if (s > 0 && t[s - 1] == '-' && (s == 1 || !g_ascii_isalnum (t[s - 2])))
    tok->flags |= T_NEGATIVE;

  /* Option markers: "1. ", "2) ", "3 -", "0 Salir" at a line start, or a
   * glued "1)Saldo" / "2:Bonos" inside a one-line menu; never the number
   * of a currency ("Rp.0.Aktif"). */
  if (tok->groups == 1 && e - s <= 2 && e < scan->len && !(tok->flags & T_CODE) &&
      !(scan->n_tok > 0 && (tok->flags & T_ADJACENT) && scan->tok[scan->n_tok - 1].currency != NULL)) {
    char     c = t[e];
    gboolean letter_after = e + 1 < scan->len && (is_ascii_alpha (t[e + 1]) || (guint8) t[e + 1] >= 0x80);

    if (line_start && (c == '.' || c == ')' || c == '-' || c == ':' || c == ' ' || c == '\t'))
      tok->flags |= T_OPTION;
    else if (c == ')' || ((c == ':' || c == '.' || c == '-') && letter_after))
      tok->flags |= T_OPTION;
  }
}

static void compute_word_flags (SaldoScan *scan);

static void
tokenize (SaldoScan *scan)
{
  const char *t = scan->text;
  gsize       len = scan->len;
  gsize       i = 0;
  guint32     pending = T_LINE_START | T_ADJACENT;
  gboolean    line_start = TRUE;

  while (i < len) {
    SaldoToken *tok;
    gunichar    c;
    gsize       next;
    gsize       sl;
    gboolean    prefix_only = FALSE;
    const char *sym;

    if (t[i] == '\n' || t[i] == '\r') {
      /* A line break does not end a sentence: "Saldo:\nS/ 8.40". */
      pending |= T_LINE_START;
      pending &= ~T_ADJACENT;
      line_start = TRUE;
      i++;
      continue;
    }
    sl = space_len (t, len, i);
    if (sl != 0) {
      i += sl;
      continue;
    }
    if (scan->n_tok == MAX_TOKENS) {
      scan->truncated = TRUE;
      break;
    }
    tok = &scan->tok[scan->n_tok];
    tok->flags = pending;
    tok->start = i;
    tok->currency = NULL;
    tok->word = -1;
    tok->seps = 0;
    tok->groups = 0;

    if (is_digit (t[i])) {
      tok->type = TOK_NUMBER;
      /* "+51 999 888 777" is a phone number, "+5.00 EUR" a signed amount */
      if (i > 0 && t[i - 1] == '+' && phone_digits (t, i, scan_phone (t, len, i)) >= 7) {
        tok->end = scan_phone (t, len, i);
        tok->flags |= T_PHONE;
      } else {
        tok->end = scan_number (t, len, i, tok);
      }
      mark_number (scan, tok, line_start);
      i = tok->end;
    } else if (is_word_byte_start (t, i, &c, &next)) {
      gsize e = next;

      while (e < len) {
        gsize    n2;
        gunichar c2;

        if (is_ascii_alpha (t[e])) {
          e++;
          continue;
        }
        if ((guint8) t[e] < 0x80)
          break;
        c2 = decode (t, e, &n2);
        if (!is_letter (c2))
          break;
        e = n2;
      }
      classify_word (scan, tok, e);
      i = tok->end;
    } else if ((c >= 0x80 || c == '$') && (sym = lookup_symbol (c, &prefix_only)) != NULL) {
      tok->type = TOK_CURRENCY;
      tok->currency = sym;
      if (prefix_only)
        tok->flags |= T_PREFIX;
      tok->end = next;
      i = next;
    } else {
      /* Punctuation and other symbols separate tokens.  SMS often leave
       * out the space after a full stop: "0.00.Simply keep". */
      if ((c == '.' || c == '!' || c == '?' || c == ';') &&
          (next >= len || space_len (t, len, next) != 0 || t[next] == '\n' || t[next] == '\r' ||
           (c == '.' && g_ascii_isupper (t[next]))))
        pending |= T_SENTENCE;
      if (c == ':' || c == '=')
        pending |= T_COLON;
      /* "USD:5.87": a currency and its number joined by a colon. */
      if (c == ':' && scan->n_tok > 0 && scan->tok[scan->n_tok - 1].currency != NULL &&
          scan->tok[scan->n_tok - 1].end == i && next < len && is_digit (t[next])) {
        i = next;
        continue;
      }
      if (c == ',' || c == ';')
        pending |= T_CLAUSE;
      if (c == '(' || c == ')')
        pending |= T_BRACKET;
      pending &= ~T_ADJACENT;
      line_start = FALSE;
      i = next;
      continue;
    }
    scan->n_tok++;
    pending = T_ADJACENT;
    line_start = FALSE;
  }
  compute_word_flags (scan);
}

#define MAX_GROUPS     8
#define MAX_INT_DIGITS 14 /* so that 10^14 * 10^4 fits in a gint64 */

typedef struct {
  guint64 ip; /* integer part */
  char    frac[MAX_INT_DIGITS + 1];
  guint   n_frac;
} SaldoNumber;

static gboolean
decimal_allowed (char sep, SaldoBalanceDecimalMark mark)
{
  if (mark == SALDO_BALANCE_DECIMAL_POINT)
    return sep == '.';
  if (mark == SALDO_BALANCE_DECIMAL_COMMA)
    return sep == ',';
  return sep == '.' || sep == ',';
}

/* Reads a TOK_NUMBER as integer part and decimal digits, deciding which
 * separators are thousands and which one is decimal (see the header).
 * three_decimals: the currency has 3 minor digits, so "1.234" may be 1.234. */
static gboolean
read_number (const char             *text,
             const SaldoToken       *tok,
             SaldoBalanceDecimalMark mark,
             gboolean                three_decimals,
             gboolean                lakh,
             SaldoNumber            *num)
{
  gsize gs[MAX_GROUPS], gl[MAX_GROUPS];
  char  sep[MAX_GROUPS];
  guint n = 0;
  gsize i = tok->start;
  guint int_groups;
  char  dec = 0;
  guint int_digits = 0;

  if (tok->seps & (SEP_SLASH | SEP_DASH | SEP_COLON) || (tok->flags & (T_PHONE | T_CODE)))
    return FALSE;
  if (tok->groups > MAX_GROUPS)
    return FALSE;

  while (i < tok->end) {
    gsize e = skip_digits (text, tok->end, i);

    gs[n] = i;
    gl[n] = e - i;
    n++;
    if (e >= tok->end)
      break;
    sep[n] = (text[e] == '.' || text[e] == ',' || text[e] == '\'') ? text[e] : ' ';
    i = e + space_len (text, tok->end, e);
    if (sep[n] != ' ')
      i = e + 1;
  }
  sep[0] = 0;

  int_groups = n;
  if (n >= 2 && (sep[n - 1] == '.' || sep[n - 1] == ',')) {
    char     last = sep[n - 1];
    gboolean mixed = FALSE;
    gboolean can_be_thousands = gl[n - 1] == 3 && gl[0] <= 3 && !(gl[0] == 1 && text[gs[0]] == '0');

    for (guint k = 1; k + 1 < n; k++) {
      if (sep[k] != last)
        mixed = TRUE;
    }
    if (mixed) {
      dec = last;
    } else if (n == 2) {
      if (!can_be_thousands)
        dec = last;
      else if (three_decimals && decimal_allowed (last, mark))
        dec = last;
    }
    /* A decimal mark the hints rule out can still be a thousands
     * separator; otherwise the number is not one we can read. */
    if (dec != 0 && !decimal_allowed (dec, mark)) {
      if (mixed || !can_be_thousands)
        return FALSE;
      dec = 0;
    }
    if (dec != 0)
      int_groups = n - 1;
  }

  /* Thousands groups: the first has 1..3 digits, the others exactly 3,
   * all with one and the same separator; in South Asia lakhs and crores
   * group by two before the last three ("1,23,456.78"). */
  if (int_groups > 1) {
    gboolean lakhs = lakh && int_groups >= 3 && gl[0] <= 2 && gl[int_groups - 1] == 3 &&
                     sep[int_groups - 1] == sep[1];

    for (guint k = 1; lakhs && k + 1 < int_groups; k++)
      lakhs = gl[k] == 2 && sep[k] == sep[1];
    if (gl[0] > 3 && !lakhs)
      return FALSE;
    for (guint k = 1; k < int_groups && !lakhs; k++) {
      if (gl[k] != 3 || sep[k] != sep[1])
        return FALSE;
    }
  }

  num->ip = 0;
  for (guint k = 0; k < int_groups; k++) {
    for (gsize d = 0; d < gl[k]; d++) {
      if (++int_digits > MAX_INT_DIGITS)
        return FALSE;
      num->ip = num->ip * 10 + (guint64) (text[gs[k] + d] - '0');
    }
  }
  num->n_frac = 0;
  if (dec != 0) {
    if (gl[n - 1] > MAX_INT_DIGITS)
      return FALSE;
    memcpy (num->frac, text + gs[n - 1], gl[n - 1]);
    num->n_frac = (guint) gl[n - 1];
  }
  num->frac[num->n_frac] = '\0';
  return TRUE;
}

static const guint64 powers_of_ten[] = {
  1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
};

/* Bytes of "1,5 GB"; decimals past the byte are dropped. */
static gboolean
number_to_bytes (const SaldoNumber *num, guint shift, guint64 *out)
{
  guint64 unit = G_GUINT64_CONSTANT (1) << shift;
  guint   n = MIN (num->n_frac, 6);
  guint64 frac = 0;

  if (num->ip > G_MAXUINT64 / unit)
    return FALSE;
  for (guint k = 0; k < n; k++)
    frac = frac * 10 + (guint64) (num->frac[k] - '0');
  /* frac < 10^6 < 2^20 and unit <= 2^40, so this cannot overflow. */
  *out = num->ip * unit + frac * unit / powers_of_ten[n];
  return *out >= num->ip * unit;
}

/* Dates */

#define MAX_DATES 16

typedef struct {
  guint    first; /* token indices, inclusive */
  guint    last;
  guint16  year;
  guint8   month;
  guint8   day;
  gboolean relative; /* "válido por 30 días": an expiry by how it is said */
} SaldoDate;

static gboolean
is_leap (guint y)
{
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static guint
days_in_month (guint y, guint m)
{
  static const guint8 days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

  return m == 2 && is_leap (y) ? 29 : days[m - 1];
}

/* Gregorian date of a count of days since 1970-01-01 (era arithmetic on
 * 400-year cycles, starting the year in March so leap days come last). */
static void
civil_from_days (gint64 z, guint *y, guint *m, guint *d)
{
  gint64 era, doe, yoe, doy, mp, year;

  z += 719468;
  era = (z >= 0 ? z : z - 146096) / 146097;
  doe = z - era * 146097;
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  year = yoe + era * 400;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  *d = (guint) (doy - (153 * mp + 2) / 5 + 1);
  *m = (guint) (mp < 10 ? mp + 3 : mp - 9);
  *y = (guint) (year + (*m <= 2 ? 1 : 0));
}

/* Gregorian year from what the text says, 0 if it cannot be one. */
static guint
normalize_year (guint value, gsize n_digits, const SaldoBalanceHints *hints)
{
  if (n_digits == 2)
    return 2000 + value;
  if (n_digits != 4)
    return 0;
  if (value >= 2533 && value <= 2643 && hints->country != NULL &&
      g_ascii_strcasecmp (hints->country, "TH") == 0)
    value -= 543;
  return value >= 1990 && value <= 2100 ? value : 0;
}

/* Validates a date; year 0 means "the next such day from hints->now". */
static gboolean
complete_date (const SaldoBalanceHints *hints, guint y, guint m, guint d, SaldoDate *out)
{
  if (m < 1 || m > 12 || d < 1)
    return FALSE;
  if (y == 0) {
    guint ty, tm, td;

    if (hints->now == 0)
      return FALSE;
    civil_from_days (hints->now >= 0 ? hints->now / 86400 : (hints->now - 86399) / 86400, &ty, &tm, &td);
    y = ty;
    if (m < tm || (m == tm && d < td))
      y++;
    if (y < 1990 || y > 2100)
      return FALSE;
  }
  if (d > days_in_month (y, m))
    return FALSE;
  out->year = (guint16) y;
  out->month = (guint8) m;
  out->day = (guint8) d;
  return TRUE;
}

static SaldoBalanceDateOrder
date_order (const SaldoBalanceHints *hints)
{
  if (hints->date_order != SALDO_BALANCE_DATE_AUTO)
    return hints->date_order;
  if (hints->country != NULL && g_ascii_strcasecmp (hints->country, "US") == 0)
    return SALDO_BALANCE_DATE_MDY;
  return SALDO_BALANCE_DATE_DMY;
}

/* "30/12/2026", "30.12.2026", "30-12-26", "2026-12-30", "05/01" */
static gboolean
numeric_date (const SaldoScan *scan, const SaldoToken *tok, SaldoDate *out)
{
  guint                 v[3];
  gsize                 l[3];
  guint                 n = 0;
  gsize                 i = tok->start;
  guint                 y, m, d;
  SaldoBalanceDateOrder order = date_order (scan->hints);

  if (tok->seps != SEP_SLASH && tok->seps != SEP_DASH && tok->seps != SEP_DOT)
    return FALSE;
  if (tok->groups < 2 || tok->groups > 3 || (tok->groups == 2 && tok->seps == SEP_DOT))
    return FALSE;
  while (i < tok->end && n < 3) {
    gsize e = skip_digits (scan->text, tok->end, i);

    if (e - i > 4)
      return FALSE;
    v[n] = 0;
    for (gsize k = i; k < e; k++)
      v[n] = v[n] * 10 + (guint) (scan->text[k] - '0');
    l[n++] = e - i;
    i = e + 1;
  }

  if (n == 2) {
    if (l[0] > 2 || l[1] > 2)
      return FALSE;
    if (order == SALDO_BALANCE_DATE_DMY)
      return complete_date (scan->hints, 0, v[1], v[0], out);
    return complete_date (scan->hints, 0, v[0], v[1], out);
  }

  if (l[0] == 4 || order == SALDO_BALANCE_DATE_YMD) {
    y = normalize_year (v[0], l[0], scan->hints);
    m = v[1];
    d = v[2];
    if (l[1] > 2 || l[2] > 2)
      return FALSE;
  } else {
    y = normalize_year (v[2], l[2], scan->hints);
    if (l[0] > 2 || l[1] > 2)
      return FALSE;
    m = order == SALDO_BALANCE_DATE_MDY ? v[0] : v[1];
    d = order == SALDO_BALANCE_DATE_MDY ? v[1] : v[0];
  }
  if (y == 0)
    return FALSE;
  return complete_date (scan->hints, y, m, d, out);
}

static gboolean
is_filler (const SaldoScan *scan, guint i)
{
  return i < scan->n_tok && scan->tok[i].type == TOK_WORD && scan->tok[i].word >= 0 &&
         (words[scan->tok[i].word].flags & W_FILLER);
}

static gboolean
word_is (const SaldoScan *scan, guint i, const char *word)
{
  return i < scan->n_tok && scan->tok[i].type == TOK_WORD && scan->tok[i].word >= 0 &&
         strcmp (words[scan->tok[i].word].word, word) == 0;
}

static guint
month_of (const SaldoScan *scan, guint i)
{
  if (i >= scan->n_tok || scan->tok[i].type != TOK_WORD || scan->tok[i].word < 0)
    return 0;
  return words[scan->tok[i].word].month;
}

/* A plain 1..2 (day) or 4 (year) digit number, else 0. */
static guint
small_number (const SaldoScan *scan, guint i, gsize n_digits)
{
  const SaldoToken *tok;
  guint             v = 0;

  if (i >= scan->n_tok)
    return 0;
  tok = &scan->tok[i];
  if (tok->type != TOK_NUMBER || tok->groups != 1 || (tok->flags & (T_USED | T_PHONE | T_CODE)))
    return 0;
  if (n_digits == 4 ? tok->end - tok->start != 4 : tok->end - tok->start > 2)
    return 0;
  for (gsize k = tok->start; k < tok->end; k++)
    v = v * 10 + (guint) (scan->text[k] - '0');
  return v;
}

static guint
skip_fillers (const SaldoScan *scan, guint i, guint max)
{
  for (guint k = 0; k < max && is_filler (scan, i); k++)
    i++;
  return i;
}

/* A two-digit year glued to the month: "23Jan16", "23-Jan-16". */
static guint
glued_year (const SaldoScan *scan, guint k)
{
  const SaldoToken *tok = k < scan->n_tok ? &scan->tok[k] : NULL;
  char              before;

  if (tok == NULL || tok->end - tok->start != 2 || small_number (scan, k, 2) == 0 || tok->start == 0)
    return 0;
  before = scan->text[tok->start - 1];
  if (!is_ascii_alpha (before) && before != '-' && before != '/' && before != '\'')
    return 0;
  return 2000 + small_number (scan, k, 2);
}

/* "2026. december 30." (Hungarian), "2026年6月30日" */
static gboolean
year_first_date (const SaldoScan *scan, guint i, SaldoDate *out)
{
  guint year = normalize_year (small_number (scan, i, 4), 4, scan->hints);
  guint month, day;

  if (year == 0 || i + 2 >= scan->n_tok)
    return FALSE;
  month = month_of (scan, i + 1);
  if (month != 0) {
    day = small_number (scan, i + 2, 2);
    out->last = i + 2;
  } else {
    /* 年 year, 月 month, 日 day; Korean 년, 월, 일 */
    if (i + 4 >= scan->n_tok || !(word_is (scan, i + 1, "年") || word_is (scan, i + 1, "년")) ||
        !(word_is (scan, i + 3, "月") || word_is (scan, i + 3, "월")))
      return FALSE;
    month = small_number (scan, i + 2, 2);
    day = small_number (scan, i + 4, 2);
    out->last = i + 4;
  }
  if (day == 0)
    return FALSE;
  out->first = i;
  return complete_date (scan->hints, year, month, day, out);
}

/* "30 de diciembre de 2026", "30. Dezember 2026", "Dec 30, 2026", "30 Dec",
 * "23Jan16" */
static gboolean
written_date (const SaldoScan *scan, guint i, SaldoDate *out)
{
  guint day, month, year = 0;
  guint j, k;

  if (year_first_date (scan, i, out))
    return TRUE;
  day = small_number (scan, i, 2);
  if (day != 0) {
    j = skip_fillers (scan, i + 1, 2);
    month = month_of (scan, j);
    if (month == 0)
      return FALSE;
  } else {
    month = month_of (scan, i);
    if (month == 0)
      return FALSE;
    j = i + 1;
    day = small_number (scan, j, 2);
    if (day == 0)
      return FALSE;
  }
  out->last = j;
  k = skip_fillers (scan, j + 1, 2);
  if (small_number (scan, k, 4) != 0) {
    year = normalize_year (small_number (scan, k, 4), 4, scan->hints);
    if (year == 0)
      return FALSE;
    out->last = k;
  } else if (glued_year (scan, j + 1) != 0) {
    year = glued_year (scan, j + 1);
    out->last = j + 1;
  }
  out->first = i;
  return complete_date (scan->hints, year, month, day, out);
}

static guint
find_dates (SaldoScan *scan, SaldoDate *dates)
{
  guint n = 0;

  for (guint i = 0; i < scan->n_tok && n < MAX_DATES; i++) {
    SaldoToken *tok = &scan->tok[i];

    if ((tok->flags & T_USED) ||
        (tok->type != TOK_NUMBER && (tok->type != TOK_WORD || tok->word < 0 || words[tok->word].month == 0)))
      continue;
    dates[n].relative = FALSE;
    if (tok->type == TOK_NUMBER && tok->groups >= 2) {
      if (numeric_date (scan, tok, &dates[n])) {
        dates[n].first = dates[n].last = i;
        tok->flags |= T_USED;
        n++;
      }
    } else if (written_date (scan, i, &dates[n])) {
      for (guint k = dates[n].first; k <= dates[n].last; k++)
        scan->tok[k].flags |= T_USED;
      i = dates[n].last;
      n++;
    }
  }
  return n;
}

/* Keywords, menus, phrases */

/* The flags of each word in its context, computed once per reply. */
static void
compute_word_flags (SaldoScan *scan)
{
  for (guint i = 0; i < scan->n_tok; i++) {
    SaldoToken *tok = &scan->tok[i];
    guint32     flags;

    if (tok->type != TOK_WORD || tok->word < 0) {
      tok->wflags = 0;
      continue;
    }
    flags = words[tok->word].flags;
    /* "Pasa Saldo", "TOPUP pulsa", "recarga de saldo": the balance word
     * names what a service moves, not the balance. */
    if ((flags & W_BALANCE) && i > 0) {
      guint p = i - 1;

      if (p > 0 && scan->tok[p].type == TOK_WORD && scan->tok[p].word >= 0 &&
          (words[scan->tok[p].word].flags & W_OF))
        p--;
      if (scan->tok[p].type == TOK_WORD && scan->tok[p].word >= 0 &&
          (words[scan->tok[p].word].flags & (W_NEGATE | W_PRICE)))
        flags &= ~W_BALANCE;
    }
    /* ...but "saldo recarga" names a balance, the one recharged. */
    if ((flags & W_PRICE) && i > 0 && scan->tok[i - 1].type == TOK_WORD && scan->tok[i - 1].word >= 0 &&
        (words[scan->tok[i - 1].word].flags & W_BALANCE))
      flags &= ~W_PRICE;
    tok->wflags = flags;
  }
}

static inline guint32
word_flags (const SaldoScan *scan, guint i)
{
  return scan->tok[i].wflags;
}

static void G_GNUC_PRINTF (2, 3) note (SaldoScan *scan, const char *format, ...)
{
  va_list args;

  if (scan->result->explanation == NULL)
    return;
  va_start (args, format);
  g_ptr_array_add (scan->result->explanation, g_strdup_vprintf (format, args));
  va_end (args);
}

/* Nearest word with one of flags before token first, within the sentence
 * and without crossing another amount; distance in words, or -1. */
static int
keyword_before (const SaldoScan *scan, guint first, guint32 flags, guint window, guint *at)
{
  guint dist = 0;

  for (guint k = first; k > 0; k--) {
    const SaldoToken *prev = &scan->tok[k - 1];

    if (scan->tok[k].flags & (T_SENTENCE | T_CLAUSE))
      break;
    if (prev->flags & T_AMOUNT)
      break;
    if (prev->type == TOK_CURRENCY)
      continue;
    if (++dist > window)
      break;
    if (word_flags (scan, k - 1) & flags) {
      *at = k - 1;
      return (int) dist;
    }
  }
  return -1;
}

/* The same after token last, within its line; skips keywords that
 * introduce another amount. */
static int
keyword_after (const SaldoScan *scan, guint last, guint32 flags, guint window)
{
  guint dist = 0;

  for (guint k = last + 1; k < scan->n_tok; k++) {
    const SaldoToken *tok = &scan->tok[k];

    if (tok->flags & (T_SENTENCE | T_AMOUNT | T_LINE_START))
      break;
    if (tok->type == TOK_CURRENCY)
      continue;
    if (++dist > window)
      break;
    if ((word_flags (scan, k) & flags) && !(tok->flags & T_CLAIMED))
      return (int) dist;
  }
  return -1;
}

/* Before-keywords count as they are; after-keywords ("S/ 5 de saldo")
 * are weaker, so a keyword on each side goes to the one before. */
static int
keyword_score (int before, int after)
{
  int best = before >= 0 ? before : G_MAXINT;

  if (after >= 0 && after + 2 < best)
    best = after + 2;
  return best;
}

static gboolean
phrase_at (const SaldoScan *scan, guint i, const SaldoPhrase *phrase, guint *last)
{
  for (guint w = 0; w < MAX_PHRASE_WORDS && phrase->words[w] != NULL; w++) {
    const SaldoToken *tok;

    if (i + w >= scan->n_tok)
      return FALSE;
    tok = &scan->tok[i + w];
    if (tok->type != TOK_WORD || tok->word < 0 || strcmp (words[tok->word].word, phrase->words[w]) != 0)
      return FALSE;
    *last = i + w;
  }
  return TRUE;
}

typedef struct {
  gboolean      error;
  gboolean      zero;
  SaldoTextSpan error_span;
  SaldoTextSpan zero_span;
  guint         options;
  gboolean      menu_word;
  gboolean      spendable;
  guint64       option_numbers; /* bit n: an option numbered n */
} SaldoSignals;

static void
find_signals (SaldoScan *scan, SaldoSignals *sig)
{
  memset (sig, 0, sizeof (*sig));
  for (guint i = 0; i < scan->n_tok; i++) {
    guint32 flags = word_flags (scan, i);

    if (scan->tok[i].flags & T_OPTION) {
      const SaldoToken *tok = &scan->tok[i];
      guint             v = 0;

      for (gsize k = tok->start; k < tok->end; k++)
        v = v * 10 + (guint) (scan->text[k] - '0');
      sig->options++;
      if (v < 64)
        sig->option_numbers |= G_GUINT64_CONSTANT (1) << v;
    }
    if (flags & W_MENU)
      sig->menu_word = TRUE;
    /* "verfügbares Guthaben", "saldo disponible", "available balance" */
    if ((flags & W_SPENDABLE) && ((i > 0 && (word_flags (scan, i - 1) & W_BALANCE)) ||
                                  (i + 1 < scan->n_tok && (word_flags (scan, i + 1) & W_BALANCE))))
      sig->spendable = TRUE;
    if ((flags & W_ERROR) && !sig->error) {
      sig->error = TRUE;
      sig->error_span.start = scan->tok[i].start;
      sig->error_span.end = scan->tok[i].end;
    }
    if (!(flags & W_PHRASE))
      continue;
    for (guint p = 0; p < G_N_ELEMENTS (phrases); p++) {
      guint          last = i;
      gboolean      *found = phrases[p].kind == SALDO_PHRASE_ERROR ? &sig->error : &sig->zero;
      SaldoTextSpan *span = phrases[p].kind == SALDO_PHRASE_ERROR ? &sig->error_span : &sig->zero_span;

      if (*found || !phrase_at (scan, i, &phrases[p], &last))
        continue;
      *found = TRUE;
      span->start = scan->tok[i].start;
      span->end = scan->tok[last].end;
    }
  }
}

/* Tokens from each option marker to the end of its line or the next
 * marker are offers, not balances. */
static void
mark_options (SaldoScan *scan)
{
  gboolean inside = FALSE;

  for (guint i = 0; i < scan->n_tok; i++) {
    SaldoToken *tok = &scan->tok[i];

    if (tok->flags & T_OPTION)
      inside = TRUE;
    else if (tok->flags & T_LINE_START)
      inside = FALSE;
    if (inside)
      tok->flags |= T_IN_OPTION;
  }
}

/* Amounts and data */

typedef struct {
  guint            num; /* token of the number */
  int              cur; /* token of the currency, -1 when hinted */
  guint            first;
  guint            last;
  gint64           minor;
  const char      *iso;       /* NULL when unknown */
  gboolean         anchored;  /* tied to a balance keyword */
  gboolean         priced;    /* tied to a price keyword */
  gboolean         contested; /* a price that a balance keyword stands near too */
  gboolean         part;      /* named after it, under a heading keyword before it */
  SaldoBucketLabel label;
} SaldoAmount;

typedef struct {
  guint   num;
  guint   unit;
  guint64 bytes;
} SaldoData;

static gboolean
has_currency (const SaldoScan *scan, guint i)
{
  return scan->tok[i].currency != NULL &&
         (scan->tok[i].type == TOK_CURRENCY || scan->tok[i].type == TOK_WORD);
}

/* Reads the amount of number token i with the given currency token. */
static gboolean
read_amount (SaldoScan *scan, guint i, int cur, const char *iso, gint64 scale, SaldoAmount *out)
{
  const SaldoToken *tok = &scan->tok[i];
  int               digits = saldo_currency_minor_digits (iso);
  SaldoNumber       num;
  gboolean          negative = (tok->flags & T_NEGATIVE) != 0;

  if (digits < 0) {
    note (scan, "'%.*s' has no known currency", (int) (tok->end - tok->start), scan->text + tok->start);
    return FALSE;
  }
  if (cur >= 0 && (guint) cur < i) {
    gsize cs = scan->tok[cur].start;

    if (cs > 0 && scan->text[cs - 1] == '-' && (cs == 1 || !g_ascii_isalnum (scan->text[cs - 2])))
      negative = TRUE;
  }
  /* "minus 3511 rublej", "минус 20 р." */
  if ((guint) (cur >= 0 ? MIN ((guint) cur, i) : i) > 0 &&
      (word_flags (scan, (cur >= 0 ? MIN ((guint) cur, i) : i) - 1) & W_MINUS))
    negative = TRUE;
  if (!read_number (scan->text, tok, scan->hints->decimal_mark, digits == 3, scan->lakh, &num) ||
      !saldo_money_from_parts (num.ip, num.frac, num.n_frac, negative, iso, &out->minor, NULL)) {
    note (scan, "'%.*s' is not an exact %s amount", (int) (tok->end - tok->start), scan->text + tok->start,
          iso);
    return FALSE;
  }
  /* "Rp 25rb" is 25 thousand rupiah, "50000 toman" 500000 rials: exact. */
  if (scale > 1) {
    if (out->minor > G_MAXINT64 / scale || out->minor < -(G_MAXINT64 / scale)) {
      note (scan, "'%.*s' is too large", (int) (tok->end - tok->start), scan->text + tok->start);
      return FALSE;
    }
    out->minor *= scale;
  }
  out->num = i;
  out->cur = cur;
  out->first = cur >= 0 ? MIN ((guint) cur, i) : i;
  out->last = cur >= 0 ? MAX ((guint) cur, i) : i;
  out->iso = iso;
  out->anchored = out->priced = out->contested = out->part = FALSE;
  out->label = SALDO_BUCKET_OTHER;
  return TRUE;
}

static gboolean
unit_after (const SaldoScan *scan, guint i, guint *shift)
{
  const SaldoToken *next;

  if (i + 1 >= scan->n_tok)
    return FALSE;
  next = &scan->tok[i + 1];
  if (next->type != TOK_WORD || next->word < 0 || words[next->word].unit_shift < 10 ||
      !(next->flags & T_ADJACENT))
    return FALSE;
  *shift = words[next->word].unit_shift;
  return TRUE;
}

static gboolean
is_minor_word (const SaldoScan *scan, guint i)
{
  return i < scan->n_tok && (scan->tok[i].flags & T_ADJACENT) && scan->tok[i].type == TOK_WORD &&
         scan->tok[i].word >= 0 && (words[scan->tok[i].word].flags & W_MINOR);
}

/* A whole number of at most max_digits digits, or -1. */
static gint64
whole_number (const SaldoScan *scan, guint i, gsize max_digits)
{
  const SaldoToken *tok = &scan->tok[i];
  gint64            v = 0;

  if (tok->type != TOK_NUMBER || tok->groups != 1 || tok->end - tok->start > max_digits ||
      (tok->flags & (T_USED | T_PHONE | T_CODE)))
    return -1;
  for (gsize k = tok->start; k < tok->end; k++)
    v = v * 10 + (scan->text[k] - '0');
  return v;
}

/* "50 cents", "75 копеек": minor units of the word's currency, else the
 * hinted one; never read as 50 whole units. */
static gboolean
read_minor_amount (SaldoScan *scan, guint i, SaldoAmount *out)
{
  const SaldoWord *w = &words[scan->tok[i + 1].word];
  const char      *iso = w->currency != NULL ? resolve_currency (w->currency, scan->hints) : scan->hinted;
  int              digits = saldo_currency_minor_digits (iso);
  gint64           v = whole_number (scan, i, 6);

  if (v < 0 || digits < 2)
    return FALSE;
  out->minor = v * (digits == 2 ? 1 : digits == 3 ? 10 : 100);
  if (scan->tok[i].flags & T_NEGATIVE)
    out->minor = -out->minor;
  out->num = i;
  out->cur = -1;
  out->first = i;
  out->last = i + 1;
  out->iso = iso;
  out->anchored = out->priced = out->contested = out->part = FALSE;
  out->label = SALDO_BUCKET_OTHER;
  return TRUE;
}

/* "100 руб. 50 коп.", "5 dollars and 25 cents": the minor part adds. */
static void
add_minor_part (SaldoScan *scan, SaldoAmount *a)
{
  guint  k = a->last + 1;
  gint64 v;

  if (k < scan->n_tok && scan->tok[k].type == TOK_WORD && scan->tok[k].word >= 0 &&
      (words[scan->tok[k].word].flags & W_AND))
    k++;
  if (k + 1 >= scan->n_tok || !is_minor_word (scan, k + 1) || saldo_currency_minor_digits (a->iso) != 2 ||
      (v = whole_number (scan, k, 2)) < 0)
    return;
  a->minor += a->minor < 0 ? -v : v;
  a->last = k + 1;
}

/* "Balans=3394r (OP=9777 ...": the bracket's value is not the balance. */
static gboolean
bracket_between (const SaldoScan *scan, guint from, guint to)
{
  for (guint k = from + 1; k <= to; k++) {
    if (scan->tok[k].flags & T_BRACKET)
      return TRUE;
  }
  return FALSE;
}

static void
find_amounts (SaldoScan *scan, SaldoAmount *amounts, guint *n_amounts, SaldoData *data, guint *n_data)
{
  *n_amounts = *n_data = 0;
  for (guint i = 0; i < scan->n_tok; i++) {
    SaldoToken *tok = &scan->tok[i];
    guint       shift, after;
    int         cur = -1;
    const char *iso;
    guint       kw;
    gint64      scale = 1;

    if (tok->type != TOK_NUMBER || (tok->flags & (T_USED | T_PHONE | T_CODE | T_IN_OPTION)))
      continue;
    if (unit_after (scan, i, &shift)) {
      SaldoNumber num;

      if (*n_data < MAX_CANDIDATES &&
          read_number (scan->text, tok, SALDO_BALANCE_DECIMAL_AUTO, FALSE, FALSE, &num) &&
          number_to_bytes (&num, shift, &data[*n_data].bytes)) {
        data[*n_data].num = i;
        data[*n_data].unit = i + 1;
        (*n_data)++;
      }
      i++;
      continue;
    }
    if (*n_amounts == MAX_CANDIDATES)
      continue;
    if (is_minor_word (scan, i + 1) && !(i > 0 && (tok->flags & T_ADJACENT) && has_currency (scan, i - 1))) {
      if (read_minor_amount (scan, i, &amounts[*n_amounts])) {
        scan->tok[i].flags |= T_AMOUNT;
        scan->tok[i + 1].flags |= T_AMOUNT;
        (*n_amounts)++;
      }
      i++;
      continue;
    }

    /* "25rb", "2,5 jt", "5 mil": thousands and millions */
    after = i + 1;
    if (after < scan->n_tok && scan->tok[after].type == TOK_WORD && scan->tok[after].word >= 0 &&
        (words[scan->tok[after].word].unit_shift == 3 || words[scan->tok[after].word].unit_shift == 6) &&
        (scan->tok[after].flags & T_ADJACENT)) {
      scale = words[scan->tok[after].word].unit_shift == 3 ? 1000 : 1000000;
      after++;
    }
    /* The currency before the number, else the one after it; a word that
     * names no currency in this country ("TK" in Vietnam) is passed over. */
    if (i > 0 && (tok->flags & T_ADJACENT) && has_currency (scan, i - 1) &&
        resolve_currency (scan->tok[i - 1].currency, scan->hints) != NULL)
      cur = (int) i - 1;
    else if (after < scan->n_tok && has_currency (scan, after) && (scan->tok[after].flags & T_ADJACENT) &&
             !(scan->tok[after].flags & T_PREFIX))
      cur = (int) after;
    else if (i > 0 && (tok->flags & T_ADJACENT) && has_currency (scan, i - 1))
      cur = (int) i - 1;

    if (cur >= 0) {
      iso = resolve_currency (scan->tok[cur].currency, scan->hints);
      if (strcmp (scan->tok[cur].currency, CUR_TOMAN) == 0)
        scale *= 10;
    } else if (scale > 1) {
      continue;
    } else {
      /* A number without currency is money only right after a balance
       * keyword: "Saldo: 8.40", not "llama al 123" or "marca 1". */
      int dist = keyword_before (scan, i, W_BALANCE, (tok->flags & T_COLON) ? BEFORE_WINDOW : 3, &kw);

      if (dist < 0 || (dist > 1 && bracket_between (scan, kw, i)))
        continue;
      /* "Saldo: 50 SMS", "Balance: 120 min" count something else */
      if (tok->groups == 1 && i + 1 < scan->n_tok && (scan->tok[i + 1].flags & T_ADJACENT) &&
          (word_flags (scan, i + 1) & (W_COUNT | W_PERIOD)))
        continue;
      /* "Saldo: 8", "Saldo 8.40", "Pulsa 80000": not "Saldo 1" (an option) */
      if (!(tok->flags & T_COLON) && !(tok->seps & (SEP_DOT | SEP_COMMA)) &&
          !(dist == 1 && tok->end - tok->start >= 3 && tok->end - tok->start <= 7 &&
            scan->text[tok->start] != '0'))
        continue;
      iso = scan->hinted;
    }
    if (read_amount (scan, i, cur, iso, scale, &amounts[*n_amounts])) {
      SaldoAmount *a = &amounts[*n_amounts];

      if (after > i + 1 && (guint) cur < after)
        a->last = after - 1;
      add_minor_part (scan, a);
      for (guint k = a->first; k <= a->last; k++)
        scan->tok[k].flags |= T_AMOUNT;
      (*n_amounts)++;
      i = a->last;
    }
  }
}

/* Labels: the nearest label word before an amount, up to just past its
 * balance keyword ("saldo principal", "main balance", "Bonus:"), names
 * it.  Without one, a word right after it in the same clause does
 * ("S/ 2.50 de saldo promocional", "3,00 EUR Aufladeguthaben"); when such
 * an amount also has a balance keyword before it, that keyword heads a
 * list of parts ("Guthaben: 3,00 EUR Aufladeguthaben, 2,00 EUR Bonus"). */
static SaldoBucketLabel
label_of (guint32 flags)
{
  if (flags & W_PRIMARY)
    return SALDO_BUCKET_MAIN;
  if (flags & W_TOTAL)
    return SALDO_BUCKET_TOTAL;
  if (flags & W_LOAN)
    return SALDO_BUCKET_LOAN;
  if (flags & W_PROMO)
    return SALDO_BUCKET_PROMOTION;
  if (flags & W_BONUS)
    return SALDO_BUCKET_BONUS;
  return SALDO_BUCKET_BALANCE;
}

/* An unclaimed balance or label word within two words after the amount,
 * in its clause; its flags, or 0. */
static guint32
name_after (const SaldoScan *scan, const SaldoAmount *am)
{
  guint dist = 0;

  for (guint k = am->last + 1; k < scan->n_tok && dist < 2; k++) {
    const SaldoToken *tok = &scan->tok[k];
    guint32           flags;

    if (tok->flags & (T_SENTENCE | T_CLAUSE | T_AMOUNT | T_LINE_START | T_CLAIMED))
      break;
    if (tok->type == TOK_CURRENCY)
      continue;
    dist++;
    flags = word_flags (scan, k);
    if (flags & (W_BALANCE | W_LABEL))
      return flags;
    if (flags & (W_PRICE | W_EXPIRY))
      break;
  }
  return 0;
}

static void
associate (SaldoScan *scan, SaldoAmount *amounts, guint n_amounts, int *bal_before, int *price_before)
{
  int label_at[MAX_CANDIDATES];

  /* Words before an amount are its own: claim them first, so that no
   * amount takes the words that name the next one. */
  for (guint a = 0; a < n_amounts; a++) {
    guint kw = 0, window;

    bal_before[a] = keyword_before (scan, amounts[a].first, W_BALANCE, BEFORE_WINDOW, &kw);
    if (bal_before[a] >= 0)
      scan->tok[kw].flags |= T_CLAIMED;
    price_before[a] = keyword_before (scan, amounts[a].first, W_PRICE, BEFORE_WINDOW, &kw);
    window = bal_before[a] >= 0 ? (guint) bal_before[a] + 1 : BEFORE_WINDOW;
    label_at[a] = -1;
    if (keyword_before (scan, amounts[a].first, W_LABEL, window, &kw) >= 0) {
      label_at[a] = (int) kw;
      scan->tok[kw].flags |= T_CLAIMED;
    }
  }
  for (guint a = 0; a < n_amounts; a++) {
    SaldoAmount *am = &amounts[a];
    int          bal_after = keyword_after (scan, am->last, W_BALANCE, AFTER_WINDOW);
    int          price_after = keyword_after (scan, am->last, W_PRICE, AFTER_WINDOW);
    /* A rate is a price: "£10 per month", "S/ 5 x 7 días". */
    int     rate = keyword_after (scan, am->last, W_PERIOD, 2);
    int     bal = keyword_score (bal_before[a], bal_after);
    int     price;
    guint   kw;
    guint32 after = label_at[a] < 0 ? name_after (scan, am) : 0;

    if (rate >= 0 && (price_after < 0 || rate < price_after))
      price_after = rate;
    price = keyword_score (price_before[a], price_after);
    /* A tie goes to a balance keyword before the amount. */
    am->anchored = bal != G_MAXINT && (bal < price || (bal == price && bal == bal_before[a]));
    am->priced = !am->anchored && price != G_MAXINT;
    /* "You have S/ 5.00", "Tienes 45.50 บ.": a weak anchor, only where no
     * keyword of either kind stands near */
    if (!am->anchored && !am->priced && keyword_before (scan, am->first, W_HAVE, 3, &kw) >= 0)
      am->anchored = TRUE;
    am->contested = am->priced && bal != G_MAXINT;
    for (guint k = am->first; am->priced && k <= am->last; k++)
      scan->tok[k].flags |= T_PRICED;
    if (label_at[a] >= 0)
      am->label = label_of (word_flags (scan, (guint) label_at[a]));
    else if (after != 0 && (am->anchored || (after & W_LABEL)))
      am->label = label_of (after);
    else
      am->label = am->anchored ? SALDO_BUCKET_BALANCE : SALDO_BUCKET_OTHER;
    am->part = am->anchored && after != 0 && bal_before[a] >= 0;
    note (scan, "amount '%.*s' %s: %s%s", (int) (scan->tok[am->last].end - scan->tok[am->first].start),
          scan->text + scan->tok[am->first].start, am->iso,
          am->priced ? "a price, not a balance" : saldo_bucket_label_to_string (am->label),
          am->part ? ", one part of a credit listed in parts" : "");
  }
}

/* Data left, in "1 GB", "500 MB de 2 GB" (the second is the plan, not
 * more data) and offers ("1GB por S/ 5") are told apart here. */
static gboolean
data_is_offer (SaldoScan *scan, const SaldoData *data, const SaldoData *previous)
{
  guint kw;
  int   price = keyword_before (scan, data->num, W_PRICE, 4, &kw);
  int   bal = keyword_before (scan, data->num, W_BALANCE, 4, &kw);

  for (guint k = data->num; price < 0 && k > 0; k--) {
    if (scan->tok[k].flags & (T_SENTENCE | T_CLAUSE | T_LINE_START))
      break;
    /* "£10 per month for 3GB": what a price buys */
    if (scan->tok[k - 1].flags & T_PRICED)
      price = 0;
  }
  if (price >= 0 && (bal < 0 || bal > price)) {
    note (scan, "data '%.*s' is an offer", (int) (scan->tok[data->unit].end - scan->tok[data->num].start),
          scan->text + scan->tok[data->num].start);
    return TRUE;
  }
  if (previous != NULL && data->num == previous->unit + 2 && (word_flags (scan, previous->unit + 1) & W_OF)) {
    note (scan, "data '%.*s' is the size of the plan",
          (int) (scan->tok[data->unit].end - scan->tok[data->num].start),
          scan->text + scan->tok[data->num].start);
    return TRUE;
  }
  return FALSE;
}

/* Expiry dates: the first date an expiry word stands shortly before. */
static gboolean
is_expiry_date (SaldoScan *scan, const SaldoDate *date)
{
  guint kw;

  return date->relative || keyword_before (scan, date->first, W_EXPIRY, BEFORE_WINDOW, &kw) >= 0 ||
         keyword_after (scan, date->last, W_UNTIL_AFTER, 2) >= 0;
}

/* "válido por 30 días", "vence en 2 semanas", "valid for 1 month",
 * "30 días de vigencia": an expiry counted from the reading's time
 * (hints->now, UTC); a month is a calendar month, clamped to its end. */
static guint
find_relative_dates (SaldoScan *scan, SaldoDate *dates, guint n)
{
  gint64 today;

  if (scan->hints->now == 0)
    return n;
  today = scan->hints->now >= 0 ? scan->hints->now / 86400 : (scan->hints->now - 86399) / 86400;
  for (guint i = 0; i + 1 < scan->n_tok && n < MAX_DATES; i++) {
    const SaldoToken *tok = &scan->tok[i];
    guint32           unit = word_flags (scan, i + 1) & W_PERIOD;
    guint             count = 0, kw, after;
    guint             y, m, d;
    SaldoDate         date = { i, i + 1, 0, 0, 0, TRUE };

    if (tok->type != TOK_NUMBER || tok->groups != 1 || tok->end - tok->start > 3 ||
        (tok->flags & (T_USED | T_PHONE | T_CODE | T_AMOUNT)) || unit == 0)
      continue;
    for (gsize k = tok->start; k < tok->end; k++)
      count = count * 10 + (guint) (scan->text[k] - '0');
    after = skip_fillers (scan, i + 2, 2);
    if (count == 0 || (keyword_before (scan, i, W_EXPIRY, 3, &kw) < 0 &&
                       !(after < scan->n_tok && (word_flags (scan, after) & W_EXPIRY))))
      continue;
    if (unit & W_MONTHS) {
      guint total;

      civil_from_days (today, &y, &m, &d);
      total = y * 12 + (m - 1) + count;
      y = total / 12;
      m = total % 12 + 1;
      d = MIN (d, days_in_month (y, m));
    } else {
      civil_from_days (today + (gint64) count * ((unit & W_WEEK) ? 7 : 1), &y, &m, &d);
    }
    if (y < 1990 || y > 2100)
      continue;
    date.year = (guint16) y;
    date.month = (guint8) m;
    date.day = (guint8) d;
    scan->tok[i].flags |= T_USED;
    /* keep text order: the first expiry date is the one taken */
    for (guint k = n;; k--) {
      if (k == 0 || dates[k - 1].first < date.first) {
        memmove (&dates[k + 1], &dates[k], (n - k) * sizeof (SaldoDate));
        dates[k] = date;
        break;
      }
    }
    n++;
  }
  return n;
}

/* Result */

static void
set_span (SaldoTextSpan *span, gsize start, gsize end, gsize offset)
{
  span->start = start + offset;
  span->end = end + offset;
}

static void
set_currency (SaldoBalanceResult *result, const char *iso)
{
  g_strlcpy (result->currency, iso != NULL ? iso : "", sizeof (result->currency));
}

static void
fill_amount (SaldoScan *scan, const SaldoAmount *am, gsize offset)
{
  SaldoBalanceResult *result = scan->result;
  const SaldoToken   *num = &scan->tok[am->num];

  result->has_amount = TRUE;
  result->amount_minor = am->minor;
  set_currency (result, am->iso);
  set_span (&result->amount_span, num->start, num->end, offset);
  if (am->cur >= 0)
    set_span (&result->currency_span, scan->tok[am->cur].start, scan->tok[am->cur].end, offset);
  else
    set_span (&result->currency_span, num->start, num->start, offset);
}

static void
fill_expiry (SaldoScan *scan, const SaldoDate *date, gsize offset)
{
  scan->result->has_expiry = TRUE;
  scan->result->expiry_year = date->year;
  scan->result->expiry_month = date->month;
  scan->result->expiry_day = date->day;
  set_span (&scan->result->expiry_span, scan->tok[date->first].start, scan->tok[date->last].end, offset);
}

static SaldoBucket *
add_bucket (SaldoBalanceResult *result, SaldoBucketLabel label, gsize start, gsize end)
{
  SaldoBucket *b;

  if (result->n_buckets == SALDO_BALANCE_MAX_BUCKETS)
    return NULL;
  b = &result->buckets[result->n_buckets++];
  memset (b, 0, sizeof (*b));
  b->label = label;
  b->span.start = start;
  b->span.end = end;
  return b;
}

static void
bucket_set_expiry (SaldoBucket *b, const SaldoDate *date)
{
  b->has_expiry = TRUE;
  b->expiry_year = date->year;
  b->expiry_month = date->month;
  b->expiry_day = date->day;
}

/* The expiry date that follows token last before the next bucket does. */
static const SaldoDate *
own_expiry (SaldoScan *scan, guint last, guint next, const SaldoDate *dates, guint n_dates)
{
  for (guint d = 0; d < n_dates; d++) {
    if (dates[d].first > last && dates[d].first < next && is_expiry_date (scan, &dates[d]))
      return &dates[d];
  }
  return NULL;
}

typedef struct {
  SaldoAmount *amounts; /* money candidates that are not prices, text order */
  guint        n_amounts;
  guint        anchored;  /* how many are tied to a keyword */
  gboolean     contested; /* a price had a balance keyword near it too */
  gboolean     parts;     /* a credit listed in named parts */
} SaldoMoney;

static gboolean
same_money (const SaldoAmount *a, const SaldoAmount *b)
{
  return a->minor == b->minor && strcmp (a->iso, b->iso) == 0;
}

/* Picks the main money bucket, or says why there is none beyond doubt
 * (see the header for the order).  Returns the index in amounts, -1. */
static int
choose_main (SaldoScan *scan, const SaldoMoney *money, const char **why, gboolean *sum)
{
  /* per label: the first amount, how many, and whether all say the same */
  int      first[SALDO_BUCKET_OTHER + 1];
  guint    count[SALDO_BUCKET_OTHER + 1] = { 0 };
  gboolean agree[SALDO_BUCKET_OTHER + 1];
  gboolean same_currency = TRUE;
  guint    n_labelled;

  *why = NULL;
  *sum = FALSE;
  for (guint l = 0; l <= SALDO_BUCKET_OTHER; l++) {
    first[l] = -1;
    agree[l] = TRUE;
  }
  for (guint a = 0; a < money->n_amounts; a++) {
    const SaldoAmount *am = &money->amounts[a];
    SaldoBucketLabel   l = am->label;

    if (strcmp (am->iso, money->amounts[0].iso) != 0)
      same_currency = FALSE;
    if (count[l]++ == 0)
      first[l] = (int) a;
    else if (!same_money (am, &money->amounts[first[l]]))
      agree[l] = FALSE;
  }
  n_labelled = count[SALDO_BUCKET_BONUS] + count[SALDO_BUCKET_PROMOTION] + count[SALDO_BUCKET_LOAN];

  if (count[SALDO_BUCKET_MAIN] > 0) {
    if (!agree[SALDO_BUCKET_MAIN])
      *why = "several amounts are each named the main balance";
    return *why != NULL ? -1 : first[SALDO_BUCKET_MAIN];
  }
  if (money->parts && money->anchored >= 2 && count[SALDO_BUCKET_TOTAL] == 0) {
    if (count[SALDO_BUCKET_LOAN] == 0 && same_currency && scan->spendable) {
      *sum = TRUE;
      return -1;
    }
    *why = "the credit is stated in parts and the text does not say all of it can be spent";
    return -1;
  }
  if (count[SALDO_BUCKET_TOTAL] > 0) {
    if (!agree[SALDO_BUCKET_TOTAL])
      *why = "several amounts are each named the total";
    else if (count[SALDO_BUCKET_BALANCE] > 0)
      *why = "both a balance and a total are stated and none is named the main one";
    return *why != NULL ? -1 : first[SALDO_BUCKET_TOTAL];
  }
  if (count[SALDO_BUCKET_BALANCE] > 0 && agree[SALDO_BUCKET_BALANCE])
    return first[SALDO_BUCKET_BALANCE];
  /* Parts of one credit with nothing named main or total: their sum,
   * only when the text says all of it can be spent. */
  if (money->anchored >= 2 && count[SALDO_BUCKET_LOAN] == 0 && same_currency &&
      money->anchored == count[SALDO_BUCKET_BALANCE] + n_labelled && scan->spendable) {
    *sum = TRUE;
    return -1;
  }
  if (count[SALDO_BUCKET_BALANCE] > 0) {
    *why = "several balances are stated and none is named the main one";
    return -1;
  }
  if (count[SALDO_BUCKET_OTHER] == 0) {
    *why = "only a bonus, promotion or loan balance is stated, not the main balance";
    return -1;
  }
  if (!agree[SALDO_BUCKET_OTHER]) {
    *why = "several amounts are stated and none is named the balance";
    return -1;
  }
  /* A bare amount is the balance only when no amount read as a price
   * could have been the balance instead. */
  if (money->contested) {
    *why = "the only amount without a keyword competes with one named both price and balance";
    return -1;
  }
  return first[SALDO_BUCKET_OTHER];
}

static void
add_money_bucket (SaldoScan         *scan,
                  const SaldoAmount *am,
                  const SaldoAmount *next,
                  const SaldoDate   *dates,
                  guint              n_dates)
{
  SaldoBucket *b = add_bucket (scan->result, am->label, scan->tok[am->first].start, scan->tok[am->last].end);
  const SaldoDate *date;

  if (b == NULL)
    return;
  b->amount_minor = am->minor;
  g_strlcpy (b->currency, am->iso, sizeof (b->currency));
  date = own_expiry (scan, am->last, next != NULL ? next->first : scan->n_tok, dates, n_dates);
  if (date != NULL)
    bucket_set_expiry (b, date);
}

static gboolean
same_sentence (const SaldoScan *scan, guint from, guint to)
{
  for (guint k = from + 1; k <= to && k < scan->n_tok; k++) {
    if (scan->tok[k].flags & T_SENTENCE)
      return FALSE;
  }
  return TRUE;
}

/* The line's expiry: the main bucket's own, else the first expiry date
 * that no other money bucket owns. */
static const SaldoDate *
line_expiry (SaldoScan *scan, const SaldoMoney *money, int main_at, const SaldoDate *dates, guint n_dates)
{
  for (guint d = 0; d < n_dates; d++) {
    int owner = -1;

    if (!is_expiry_date (scan, &dates[d]))
      continue;
    /* owned by the last amount before it in its sentence */
    for (guint a = 0; a < money->n_amounts; a++) {
      if (money->amounts[a].last < dates[d].first &&
          same_sentence (scan, money->amounts[a].last, dates[d].first))
        owner = (int) a;
    }
    if (owner < 0 || owner == main_at)
      return &dates[d];
  }
  if (n_dates > 0)
    note (scan, "no expiry date of the main balance among %u date(s)", n_dates);
  return NULL;
}

static void
scan_text (SaldoScan *scan)
{
  SaldoBalanceResult *result = scan->result;
  SaldoDate           dates[MAX_DATES];
  SaldoAmount         amounts[MAX_CANDIDATES];
  SaldoData           data[MAX_CANDIDATES];
  int                 bal_before[MAX_CANDIDATES], price_before[MAX_CANDIDATES];
  guint               n_dates, n_amounts, n_data;
  SaldoSignals        sig;
  gboolean            menu, sum = FALSE;
  SaldoMoney          money = { amounts, 0, 0, FALSE, FALSE };
  const SaldoData    *previous = NULL;
  guint64             bytes = 0;
  gboolean            have_data = FALSE;
  int                 main_at = -1;
  const char         *why = NULL;
  const SaldoDate    *expiry;

  tokenize (scan);
  if (scan->truncated)
    note (scan, "only the first %u tokens were read", MAX_TOKENS);
  n_dates = find_dates (scan, dates);
  n_dates = find_relative_dates (scan, dates, n_dates);
  find_signals (scan, &sig);
  scan->spendable = sig.spendable;
  /* A menu numbers its options in a row ("1", "2"...): "0 free minutes"
   * and "20 MORE Weekend minutes" are lines of a list, not options. */
  menu = (sig.options >= 2 && (sig.option_numbers & (sig.option_numbers >> 1)) != 0) ||
         (sig.options == 1 && sig.menu_word);
  if (menu)
    mark_options (scan);
  find_amounts (scan, amounts, &n_amounts, data, &n_data);
  associate (scan, amounts, n_amounts, bal_before, price_before);

  /* Prices and offers are not buckets; the rest keep text order. */
  for (guint a = 0; a < n_amounts; a++) {
    money.contested |= amounts[a].contested;
    if (amounts[a].priced)
      continue;
    money.parts |= amounts[a].part;
    if (amounts[a].anchored)
      money.anchored++;
    amounts[money.n_amounts++] = amounts[a];
  }
  /* An amount named the balance outranks any bare one; one named only a
   * bonus does not ("Tienes S/ 5.00 y S/ 3.00 de bono"). */
  for (guint a = 0; a < money.n_amounts; a++) {
    if (amounts[a].label == SALDO_BUCKET_MAIN || amounts[a].label == SALDO_BUCKET_TOTAL ||
        amounts[a].label == SALDO_BUCKET_BALANCE) {
      guint kept = 0;

      for (guint k = 0; k < money.n_amounts; k++) {
        if (amounts[k].label != SALDO_BUCKET_OTHER)
          amounts[kept++] = amounts[k];
      }
      money.n_amounts = kept;
      break;
    }
  }

  /* Precedence, from the header: keyword-anchored money, then a
   * zero-balance phrase, an error phrase, a menu, bare money, data. */
  for (guint d = 0; d < n_data; d++) {
    if (data_is_offer (scan, &data[d], previous)) {
      previous = &data[d];
      continue;
    }
    previous = &data[d];
    have_data = TRUE;
    bytes = bytes > G_MAXUINT64 - data[d].bytes ? G_MAXUINT64 : bytes + data[d].bytes;
  }
  if (money.anchored > 0) {
    result->kind = SALDO_REPLY_KIND_BALANCE;
  } else if (sig.zero) {
    const char  *iso = scan->hinted;
    SaldoBucket *b;

    note (scan, "zero-balance phrase '%.*s'", (int) (sig.zero_span.end - sig.zero_span.start),
          scan->text + sig.zero_span.start);
    result->kind = SALDO_REPLY_KIND_BALANCE;
    result->has_amount = TRUE;
    result->amount_minor = 0;
    set_currency (result, iso);
    result->amount_span = sig.zero_span;
    result->currency_span.start = result->currency_span.end = sig.zero_span.start;
    b = add_bucket (result, SALDO_BUCKET_BALANCE, sig.zero_span.start, sig.zero_span.end);
    if (b != NULL) {
      g_strlcpy (b->currency, result->currency, sizeof (b->currency));
      result->main_bucket = 0;
    }
    money.n_amounts = 0;
  } else if (sig.error) {
    note (scan, "error phrase '%.*s'", (int) (sig.error_span.end - sig.error_span.start),
          scan->text + sig.error_span.start);
    result->kind = SALDO_REPLY_KIND_ERROR;
    return;
  } else if (menu) {
    note (scan, "menu with %u option(s)", sig.options);
    result->kind = SALDO_REPLY_KIND_MENU;
    return;
  } else if (money.n_amounts > 0 || have_data) {
    result->kind = SALDO_REPLY_KIND_BALANCE;
  } else {
    result->kind = SALDO_REPLY_KIND_UNKNOWN;
    return;
  }

  if (money.n_amounts > 0) {
    main_at = choose_main (scan, &money, &why, &sum);
    for (guint a = 0; a < money.n_amounts; a++)
      add_money_bucket (scan, &amounts[a], a + 1 < money.n_amounts ? &amounts[a + 1] : NULL, dates, n_dates);
    if (main_at >= 0) {
      fill_amount (scan, &amounts[main_at], 0);
      result->main_bucket = main_at < (int) result->n_buckets ? main_at : -1;
    } else if (sum) {
      SaldoBucket *b = add_bucket (result, SALDO_BUCKET_TOTAL, scan->tok[amounts[0].first].start,
                                   scan->tok[amounts[money.n_amounts - 1].last].end);
      gint64       total = 0;
      gboolean     overflow = FALSE;

      for (guint a = 0; a < money.n_amounts; a++) {
        overflow |= amounts[a].minor < 0 || total > G_MAXINT64 - amounts[a].minor;
        if (!overflow)
          total += amounts[a].minor;
      }
      if (b == NULL || overflow) {
        why = "the parts of the credit cannot be added up";
      } else {
        note (scan, "%u parts of a credit the text calls spendable: their sum", money.n_amounts);
        b->amount_minor = total;
        g_strlcpy (b->currency, amounts[0].iso, sizeof (b->currency));
        result->main_bucket = (int) result->n_buckets - 1;
        result->has_amount = TRUE;
        result->amount_minor = total;
        set_currency (result, amounts[0].iso);
        result->amount_span = b->span;
        result->currency_span.start = result->currency_span.end = b->span.start;
      }
    }
    if (why != NULL) {
      note (scan, "ambiguous: %s", why);
      result->kind = SALDO_REPLY_KIND_AMBIGUOUS;
      result->ambiguity = why;
    }
  }

  previous = NULL;
  for (guint d = 0; d < n_data; d++) {
    SaldoBucket *b;

    if (data_is_offer (scan, &data[d], previous)) {
      previous = &data[d];
      continue;
    }
    previous = &data[d];
    b = add_bucket (result, SALDO_BUCKET_DATA, scan->tok[data[d].num].start, scan->tok[data[d].unit].end);
    if (b != NULL) {
      const SaldoDate *date = own_expiry (scan, data[d].unit, d + 1 < n_data ? data[d + 1].num : scan->n_tok,
                                          dates, n_dates);

      b->data_bytes = data[d].bytes;
      if (date != NULL)
        bucket_set_expiry (b, date);
    }
    if (!result->has_data) {
      result->has_data = TRUE;
      set_span (&result->data_span, scan->tok[data[d].num].start, scan->tok[data[d].unit].end, 0);
    } else {
      result->data_span.end = scan->tok[data[d].unit].end;
    }
    result->data_bytes = bytes;
  }

  if (result->kind != SALDO_REPLY_KIND_BALANCE) {
    result->has_amount = result->has_data = FALSE;
    result->amount_minor = 0;
    result->data_bytes = 0;
    memset (&result->amount_span, 0, sizeof (result->amount_span));
    memset (&result->currency_span, 0, sizeof (result->currency_span));
    memset (&result->data_span, 0, sizeof (result->data_span));
    result->currency[0] = '\0';
    return;
  }
  expiry = line_expiry (scan, &money, main_at, dates, n_dates);
  if (expiry != NULL)
    fill_expiry (scan, expiry, 0);
}

/* Carrier patterns */

static void
scan_init (SaldoScan               *scan,
           const char              *text,
           gsize                    len,
           const SaldoBalanceHints *hints,
           SaldoBalanceResult      *result)
{
  scan->text = text;
  scan->len = len;
  scan->hints = hints;
  scan->result = result;
  scan->n_tok = 0;
  scan->truncated = FALSE;
  scan->spendable = FALSE;
  scan->hinted = hinted_currency (hints);
  scan->lakh = hints->country != NULL && (g_ascii_strcasecmp (hints->country, "IN") == 0 ||
                                          g_ascii_strcasecmp (hints->country, "PK") == 0 ||
                                          g_ascii_strcasecmp (hints->country, "BD") == 0 ||
                                          g_ascii_strcasecmp (hints->country, "NP") == 0 ||
                                          g_ascii_strcasecmp (hints->country, "LK") == 0);
}

static gboolean
group_span (GMatchInfo *info, const char *name, gsize *start, gsize *end)
{
  int s = -1, e = -1;

  if (!g_match_info_fetch_named_pos (info, name, &s, &e) || s < 0 || e <= s)
    return FALSE;
  *start = (gsize) s;
  *end = (gsize) e;
  return TRUE;
}

/* Reads one named group of a carrier pattern with the generic scanner
 * limited to the group's text. */
static gboolean
read_pattern_group (SaldoScan  *scan,
                    GMatchInfo *info,
                    const char *name,
                    const char *currency_iso,
                    int         currency_tok)
{
  SaldoScan sub;
  gsize     s, e;

  if (!group_span (info, name, &s, &e))
    return FALSE;
  scan_init (&sub, scan->text + s, e - s, scan->hints, scan->result);
  tokenize (&sub);

  if (strcmp (name, "expiry") == 0) {
    SaldoDate dates[MAX_DATES];

    if (find_dates (&sub, dates) == 0)
      return FALSE;
    fill_expiry (&sub, &dates[0], s);
    return TRUE;
  }
  for (guint i = 0; i < sub.n_tok; i++) {
    guint       shift;
    SaldoNumber num;
    SaldoAmount am;
    int         cur = currency_tok;
    const char *iso = currency_iso;

    if (sub.tok[i].type != TOK_NUMBER)
      continue;
    if (strcmp (name, "data") == 0) {
      SaldoData data = { i, i + 1, 0 };

      if (!unit_after (&sub, i, &shift) ||
          !read_number (sub.text, &sub.tok[i], SALDO_BALANCE_DECIMAL_AUTO, FALSE, FALSE, &num) ||
          !number_to_bytes (&num, shift, &data.bytes))
        return FALSE;
      scan->result->has_data = TRUE;
      scan->result->data_bytes = data.bytes;
      set_span (&scan->result->data_span, sub.tok[data.num].start, sub.tok[data.unit].end, s);
      return TRUE;
    }
    /* A currency inside the amount group beats the hints. */
    if (currency_iso == NULL) {
      for (guint k = 0; k < sub.n_tok; k++) {
        if (has_currency (&sub, k)) {
          iso = resolve_currency (sub.tok[k].currency, scan->hints);
          cur = (int) k;
          break;
        }
      }
      if (iso == NULL)
        iso = scan->hinted;
    }
    if (!read_amount (&sub, i, -1, iso, 1, &am))
      return FALSE;
    fill_amount (&sub, &am, s);
    if (cur >= 0 && currency_iso == NULL)
      set_span (&scan->result->currency_span, sub.tok[cur].start, sub.tok[cur].end, s);
    return TRUE;
  }
  return FALSE;
}

static gboolean
apply_pattern (SaldoScan *scan, GRegex *regex, guint index)
{
  g_autoptr(GMatchInfo) info = NULL;
  SaldoBalanceResult *result = scan->result;
  const char         *iso = NULL;
  SaldoTextSpan       cur_span = { 0, 0 };
  gsize               s, e;
  gboolean            amount, data;

  if (!g_regex_match_full (regex, scan->text, (gssize) scan->len, 0, 0, &info, NULL))
    return FALSE;

  if (group_span (info, "currency", &s, &e)) {
    SaldoScan sub;

    scan_init (&sub, scan->text + s, e - s, scan->hints, result);
    tokenize (&sub);
    for (guint k = 0; k < sub.n_tok && iso == NULL; k++) {
      /* Any ISO code the carrier's pattern names, also "ALL" or "TOP". */
      if (has_currency (&sub, k))
        iso = resolve_currency (sub.tok[k].currency, scan->hints);
      else if (sub.tok[k].flags & T_UPPER)
        iso = saldo_currency_lookup (sub.text + sub.tok[k].start, sub.tok[k].end - sub.tok[k].start);
      if (iso != NULL)
        set_span (&cur_span, sub.tok[k].start, sub.tok[k].end, s);
    }
  }
  amount = read_pattern_group (scan, info, "amount", iso, -1);
  if (amount && iso != NULL)
    result->currency_span = cur_span;
  data = read_pattern_group (scan, info, "data", NULL, -1);
  if (!amount && !data) {
    memset (result, 0, G_STRUCT_OFFSET (SaldoBalanceResult, explanation));
    result->main_bucket = -1;
    return FALSE;
  }
  read_pattern_group (scan, info, "expiry", NULL, -1);
  result->kind = SALDO_REPLY_KIND_BALANCE;
  /* A carrier pattern names the main balance beyond doubt. */
  if (amount) {
    SaldoBucket *b = add_bucket (result, SALDO_BUCKET_MAIN,
                                 MIN (result->amount_span.start, result->currency_span.start),
                                 MAX (result->amount_span.end, result->currency_span.end));

    if (b != NULL) {
      b->amount_minor = result->amount_minor;
      memcpy (b->currency, result->currency, sizeof (result->currency));
      b->has_expiry = result->has_expiry;
      b->expiry_year = result->expiry_year;
      b->expiry_month = result->expiry_month;
      b->expiry_day = result->expiry_day;
      result->main_bucket = 0;
    }
  }
  if (data) {
    SaldoBucket *b = add_bucket (result, SALDO_BUCKET_DATA, result->data_span.start, result->data_span.end);

    if (b != NULL)
      b->data_bytes = result->data_bytes;
  }
  note (scan, "carrier pattern %u matched", index);
  return TRUE;
}

static void
parse_text (const char *text, gsize len, const SaldoBalanceHints *hints, SaldoBalanceResult *result)
{
  SaldoScan scan;

  scan_init (&scan, text, len, hints, result);
  if (hints->patterns != NULL) {
    for (guint i = 0; i < hints->patterns->len; i++) {
      GRegex *regex = g_ptr_array_index (hints->patterns, i);

      if (regex != NULL && apply_pattern (&scan, regex, i))
        return;
    }
  }
  scan_text (&scan);
}

/* Arabic-Indic (U+0660..) and Persian (U+06F0..) digits, and the Arabic
 * decimal and thousands separators (U+066B, U+066C): two bytes each. */
static char
eastern_digit (const char *text, gsize len, gsize i)
{
  guint8 a = (guint8) text[i], b = i + 1 < len ? (guint8) text[i + 1] : 0;

  if (a == 0xD9 && b >= 0xA0 && b <= 0xA9)
    return (char) ('0' + (b - 0xA0));
  if (a == 0xDB && b >= 0xB0 && b <= 0xB9)
    return (char) ('0' + (b - 0xB0));
  if (a == 0xD9 && b == 0xAB)
    return '.';
  if (a == 0xD9 && b == 0xAC)
    return ',';
  return 0;
}

static gboolean
has_eastern_digits (const char *text, gsize len)
{
  for (gsize i = 0; i + 1 < len; i++) {
    if (((guint8) text[i] == 0xD9 || (guint8) text[i] == 0xDB) && eastern_digit (text, len, i) != 0)
      return TRUE;
  }
  return FALSE;
}

static void
remap_span (SaldoTextSpan *span, const gsize *map)
{
  span->start = map[span->start];
  span->end = map[span->end];
}

/* "موجودی ۴۳۲۴۰ ریال": read with ASCII digits in a copy (the only case the
 * parser allocates for), spans mapped back to the text as given. */
static void
parse_eastern_digits (const char *text, gsize len, const SaldoBalanceHints *hints, SaldoBalanceResult *result)
{
  g_autofree char  *copy = g_malloc (len + 1);
  g_autofree gsize *map = g_new (gsize, len + 1);
  gsize             o = 0;

  for (gsize i = 0; i < len;) {
    char d = eastern_digit (text, len, i);

    map[o] = i;
    if (d != 0) {
      copy[o++] = d;
      i += 2;
    } else {
      copy[o++] = text[i++];
    }
  }
  map[o] = len;
  copy[o] = '\0';
  parse_text (copy, o, hints, result);
  remap_span (&result->amount_span, map);
  remap_span (&result->currency_span, map);
  remap_span (&result->expiry_span, map);
  remap_span (&result->data_span, map);
  for (guint b = 0; b < result->n_buckets; b++)
    remap_span (&result->buckets[b].span, map);
}

/* Public API */

void
saldo_balance_hints_init (SaldoBalanceHints *hints)
{
  g_return_if_fail (hints != NULL);

  memset (hints, 0, sizeof (*hints));
}

gboolean
saldo_balance_parse (const char              *text,
                     gssize                   len,
                     const SaldoBalanceHints *hints,
                     SaldoBalanceResult      *result,
                     GError                 **error)
{
  SaldoBalanceHints defaults;

  g_return_val_if_fail (result != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  memset (result, 0, sizeof (*result));
  result->main_bucket = -1;
  if (hints == NULL) {
    saldo_balance_hints_init (&defaults);
    hints = &defaults;
  }
  if (text == NULL) {
    g_set_error_literal (error, SALDO_BALANCE_PARSER_ERROR, SALDO_BALANCE_PARSER_ERROR_INVALID_INPUT,
                         "No reply text");
    return FALSE;
  }
  if (len < 0)
    len = (gssize) strlen (text);
  /* g_utf8_validate_len() also refuses NUL bytes inside the text. */
  if (!g_utf8_validate_len (text, (gsize) len, NULL)) {
    g_set_error_literal (error, SALDO_BALANCE_PARSER_ERROR, SALDO_BALANCE_PARSER_ERROR_INVALID_INPUT,
                         "Reply text is not valid UTF-8");
    return FALSE;
  }
  if (hints->explain)
    result->explanation = g_ptr_array_new_with_free_func (g_free);

  if (has_eastern_digits (text, (gsize) len)) {
    parse_eastern_digits (text, (gsize) len, hints, result);
    return TRUE;
  }
  parse_text (text, (gsize) len, hints, result);
  return TRUE;
}

void
saldo_balance_result_clear (SaldoBalanceResult *result)
{
  g_return_if_fail (result != NULL);

  g_clear_pointer (&result->explanation, g_ptr_array_unref);
  memset (result, 0, sizeof (*result));
  result->main_bucket = -1;
}

const char *
saldo_bucket_label_to_string (SaldoBucketLabel label)
{
  return saldo_enum_to_string (SALDO_TYPE_BUCKET_LABEL, label);
}

const char *
saldo_reply_kind_to_string (SaldoReplyKind kind)
{
  return saldo_enum_to_string (SALDO_TYPE_REPLY_KIND, kind);
}

gboolean
saldo_reply_kind_from_string (const char *str, SaldoReplyKind *out_kind)
{
  g_return_val_if_fail (out_kind != NULL, FALSE);

  return saldo_enum_from_string (SALDO_TYPE_REPLY_KIND, str, (gint *) out_kind);
}

char *
saldo_balance_result_dup_expiry (const SaldoBalanceResult *result)
{
  g_return_val_if_fail (result != NULL, NULL);

  if (!result->has_expiry)
    return NULL;
  return g_strdup_printf ("%04u-%02u-%02u", result->expiry_year, result->expiry_month, result->expiry_day);
}

/* Table checks */

static gboolean
check_country_table (const SaldoCountryCurrency *table, gsize n, const char *name, GError **error)
{
  for (gsize i = 0; i < n; i++) {
    if (i > 0 && strcmp (table[i - 1].country, table[i].country) >= 0) {
      g_set_error (error, SALDO_BALANCE_PARSER_ERROR, SALDO_BALANCE_PARSER_ERROR_INVALID_INPUT,
                   "%s: '%s' is out of order", name, table[i].country);
      return FALSE;
    }
    if (strcmp (table[i].currency, CUR_CDOLLAR) != 0 && saldo_currency_minor_digits (table[i].currency) < 0) {
      g_set_error (error, SALDO_BALANCE_PARSER_ERROR, SALDO_BALANCE_PARSER_ERROR_INVALID_INPUT,
                   "%s: unknown currency '%s'", name, table[i].currency);
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean G_GNUC_PRINTF (2, 3) table_error (GError **error, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list          args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, SALDO_BALANCE_PARSER_ERROR, SALDO_BALANCE_PARSER_ERROR_INVALID_INPUT, message);
  return FALSE;
}

/* An ISO 4217 code, or a marker that resolves to some. */
static gboolean
currency_is_known (const char *currency)
{
  if (strcmp (currency, CUR_DOLLAR) == 0 || strcmp (currency, CUR_PESO) == 0)
    return TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS (shared_currencies); i++) {
    if (strcmp (currency, shared_currencies[i].marker) == 0)
      return TRUE;
  }
  return saldo_currency_is_valid (currency);
}

gboolean
saldo_balance_parser_check_tables (GError **error)
{
  SaldoBalanceHints none;

  saldo_balance_hints_init (&none);

  if (!check_country_table (country_currencies, G_N_ELEMENTS (country_currencies), "countries", error) ||
      !check_country_table (dollar_currencies, G_N_ELEMENTS (dollar_currencies), "dollars", error) ||
      !check_country_table (peso_currencies, G_N_ELEMENTS (peso_currencies), "pesos", error) ||
      !check_country_table (dollar_prefixes, G_N_ELEMENTS (dollar_prefixes), "dollar prefixes", error))
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (shared_currencies); i++) {
    const SaldoSharedCurrency *shared = &shared_currencies[i];

    if (shared->fallback != NULL && !saldo_currency_is_valid (shared->fallback))
      return table_error (error, "unknown fallback currency '%s'", shared->fallback);
    if (strlen (shared->by_country) % 5 != 0)
      return table_error (error, "'%s': records are 5 characters", shared->marker);
    for (const char *r = shared->by_country; *r != '\0'; r += 5) {
      if (!g_ascii_isupper (r[0]) || !g_ascii_isupper (r[1]) || saldo_currency_lookup (r + 2, 3) == NULL)
        return table_error (error, "'%s': bad record '%.5s'", shared->marker, r);
    }
  }
  for (gsize i = 0; i < G_N_ELEMENTS (currency_symbols); i++) {
    if (i > 0 && currency_symbols[i - 1].c >= currency_symbols[i].c)
      return table_error (error, "symbol table: '%s' is out of order", currency_symbols[i].currency);
    if (!currency_is_known (currency_symbols[i].currency))
      return table_error (error, "symbol table: unknown currency '%s'", currency_symbols[i].currency);
  }

  for (guint b = 0; b < 256; b++) {
    guint16 want = 0;

    while (want < G_N_ELEMENTS (words) && (guint8) words[want].word[0] < b)
      want++;
    if (words_by_byte[b] != want)
      return table_error (error, "word index: byte %u starts at %u, not %u", b, words_by_byte[b], want);
  }
  if (words_by_byte[256] != G_N_ELEMENTS (words))
    return table_error (error, "word index: does not end at %u", (guint) G_N_ELEMENTS (words));
  for (guint at = 0; at <= 26 * 29; at++) {
    guint16 want = words_by_byte['a'];

    while (want < words_by_byte['z' + 1] &&
           ((guint8) words[want].word[0] - 'a') * 29 + pair_slot ((guint8) words[want].word[1]) < at)
      want++;
    if (words_by_pair[at] != want)
      return table_error (error, "pair index: slot %u starts at %u, not %u", at, words_by_pair[at], want);
  }

  for (gsize i = 0; i < G_N_ELEMENTS (words); i++) {
    const SaldoWord *w = &words[i];
    char             buf[MAX_FOLD];
    gsize            flen;

    if (i > 0 && strcmp (words[i - 1].word, w->word) >= 0)
      return table_error (error, "word table: '%s' is out of order", w->word);
    if (!fold_word (w->word, 0, strlen (w->word), buf, &flen) || strcmp (buf, w->word) != 0)
      return table_error (error, "word table: '%s' is not folded", w->word);
    if (w->month > 12)
      return table_error (error, "word table: '%s' has a bad month", w->word);
    if (w->unit_shift != 0 && w->unit_shift != 3 && w->unit_shift != 6 && w->unit_shift != 10 &&
        w->unit_shift != 20 && w->unit_shift != 30 && w->unit_shift != 40)
      return table_error (error, "word table: '%s' has a bad unit", w->word);
    if (w->currency != NULL && !currency_is_known (w->currency))
      return table_error (error, "word table: '%s' has an unknown currency", w->word);
  }

  for (gsize p = 0; p < G_N_ELEMENTS (phrases); p++) {
    for (guint k = 0; k < MAX_PHRASE_WORDS && phrases[p].words[k] != NULL; k++) {
      int w = lookup_word (phrases[p].words[k]);

      if (w < 0)
        return table_error (error, "phrase word '%s' is not in the word table", phrases[p].words[k]);
      if (k == 0 && !(words[w].flags & W_PHRASE))
        return table_error (error, "phrase head '%s' lacks W_PHRASE", phrases[p].words[k]);
    }
  }
  return TRUE;
}
