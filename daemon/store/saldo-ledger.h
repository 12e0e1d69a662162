/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib-object.h>

#include "saldo-rule.h"
#include "saldo-store.h"

G_BEGIN_DECLS

/*
 * The durable top-up ledger: one row per top-up in the store's database,
 * moving through SaldoLedgerState:
 *
 *   planned → intent → sent → succeeded | failed | unknown
 *   succeeded → verified | disputed,  disputed → verified
 *   unknown / sent / intent → sent (re-sent with the same reference after
 *                                   the provider confirmed it has no record)
 *   intent / unknown → succeeded | failed | unknown (a lookup found it)
 *   unknown → succeeded | failed ("settled": the line's balance told)
 *   intent / sent / unknown → succeeded | failed ("resolved": the owner
 *                             said so, with their uid in the event)
 *   planned → failed (cancelled before anything was sent: rejected by the
 *                     owner, or the request could not be built)
 *   planned → expired (closed unsent without the owner's no: nobody
 *                      confirmed it before `expires`, or it was withdrawn
 *                      because it was no longer wanted when confirmed, its
 *                      rule went, or saldod restarted before sending it)
 *
 * Every transition is one transaction that checks the row is still in the
 * state the caller saw and appends a topup_events row; a mismatch is an
 * error, never an overwrite.  Money is in minor units, times in unix seconds.
 */

typedef enum {
  SALDO_TOPUP_ORIGIN_RULE,
  SALDO_TOPUP_ORIGIN_MANUAL,
} SaldoTopupOrigin;

const char *saldo_topup_origin_to_string (SaldoTopupOrigin origin);

/* What create_planned needs; strings are borrowed. */
typedef struct {
  gint64           line_id;
  gint64           rule_id; /* 0 = not made by a rule */
  SaldoTopupOrigin origin;
  const char      *provider;      /* provider id */
  gint64           amount;        /* minor units, > 0 */
  const char      *currency;      /* ISO 4217 */
  const char      *phone;         /* E.164 or NULL */
  const char      *country;       /* ISO 3166 alpha-2 or NULL */
  const char      *operator_id;   /* MCC+MNC or NULL */
  const char      *ussd_template; /* or NULL */
  gboolean         has_balance_before;
  gint64           balance_before;
  gint64           expires; /* planned rows expire then (0 = never) */
} SaldoTopupPlan;

typedef struct {
  gint64           id;
  char            *reference; /* NULL while planned (and if cancelled then) */
  gint64           line_id;
  char            *iccid;   /* the line's */
  gint64           rule_id; /* 0 = none */
  SaldoTopupOrigin origin;
  char            *provider;
  gint64           amount;
  char            *currency;
  char            *phone; /* the request fields, NULL when absent */
  char            *country;
  char            *operator_id;
  char            *ussd_template;
  SaldoLedgerState state;
  gint64           created;
  gint64           updated;
  gint64           finished; /* 0 until succeeded/failed */
  char            *provider_transaction_id;
  gint64           delivered_amount; /* -1 = not reported */
  char            *delivered_currency;
  gint64           requested_amount; /* -1 = not reported */
  char            *requested_currency;
  gboolean         has_balance_before;
  gint64           balance_before;
  gboolean         has_balance_after;
  gint64           balance_after;
  char            *message;          /* provider's text, "" if none */
  char            *error;            /* why it failed / is unknown, "" if none */
  guint            attempts;         /* requests sent to the provider */
  guint            lookups;          /* lookups that left the outcome open */
  gint64           next_check;       /* reconcile not before this (0 = any time) */
  gint64           expires;          /* planned: expires then (0 = never) */
  gint64           sent_at;          /* the last request left then (0 = never sent) */
  gboolean         provider_pending; /* the provider said it is still processing it */
  char            *failure;          /* what its failure asks of the owner:
                                     * saldo_topup_failure_token (), "" if none */
} SaldoTopupRecord;

SaldoTopupRecord *saldo_topup_record_copy (const SaldoTopupRecord *record);
void              saldo_topup_record_free (SaldoTopupRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaldoTopupRecord, saldo_topup_record_free)

/* Borrows the record's strings. */
void saldo_topup_record_to_rule_row (const SaldoTopupRecord *record, SaldoLedgerRow *row);

typedef struct {
  gint64 id;
  gint64 topup_id;
  gint64 time;
  char  *kind;       /* created, intent, sent, resent, result, lookup, verified, ... */
  char  *from_state; /* NULL for "created" */
  char  *to_state;
  char  *detail;
  gint64 actor_uid; /* the person who caused it, -1 = saldod */
} SaldoTopupEvent;

void saldo_topup_event_free (SaldoTopupEvent *event);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaldoTopupEvent, saldo_topup_event_free)

/* What the provider said, for mark_result; strings borrowed, NULL = absent. */
typedef struct {
  const char *provider_transaction_id;
  gint64      delivered_amount; /* -1 = not reported */
  const char *delivered_currency;
  gint64      requested_amount; /* -1 = not reported */
  const char *requested_currency;
  const char *message;
  const char *error;
  gint64      next_check; /* unknown only: reconcile not before; 0 = any time */
  gboolean    pending;    /* unknown only: the provider has it and is processing it */
  const char *failure;    /* saldo_topup_failure_token () of its error, NULL = keep */
} SaldoTopupReceipt;

/* A provider error as the ledger keeps it: its attention reason
 * ("insufficient-funds", "credentials-rejected", "payment-declined",
 * "payment-expired"), else "unreachable" or "other"; "" for no error. */
const char *saldo_topup_failure_token (const GError *error);
/* The token is one of the four attention reasons. */
gboolean saldo_topup_failure_needs_attention (const char *token);

void saldo_topup_receipt_init (SaldoTopupReceipt *receipt);

/* list filter; newest first, keyset paging with before_id */
typedef struct {
  gint64      line_id;    /* 0 = every line */
  guint       state_mask; /* bits 1 << SaldoLedgerState; 0 = every state */
  const char *provider;   /* NULL = every provider */
  gint64      before_id;  /* 0 = from the newest; else only ids below it */
  guint       limit;      /* 0 = no limit */
  gint64      since;      /* 0 = any time; else only rows created at or after it */
} SaldoLedgerQuery;

#define SALDO_LEDGER_STATE_BIT(s) (1u << (s))

/* SaldoLedgerRow array for the rule engine; its strings live in `strings`. */
typedef struct {
  SaldoLedgerRow *rows;
  gsize           n_rows;
  GStringChunk   *strings;
} SaldoLedgerRows;

void saldo_ledger_rows_free (SaldoLedgerRows *rows);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaldoLedgerRows, saldo_ledger_rows_free)

#define SALDO_TYPE_LEDGER (saldo_ledger_get_type ())
G_DECLARE_FINAL_TYPE (SaldoLedger, saldo_ledger, SALDO, LEDGER, GObject)

SaldoLedger *saldo_ledger_new (SaldoStore *store);

/* Where "now" comes from (unix seconds); NULL = the real clock.  For tests
 * that move time. */
typedef gint64 (*SaldoLedgerClock) (gpointer data);
void   saldo_ledger_set_clock (SaldoLedger *self, SaldoLedgerClock clock, gpointer data);
gint64 saldo_ledger_now (SaldoLedger *self);

gboolean
saldo_ledger_create_planned (SaldoLedger *self, const SaldoTopupPlan *plan, gint64 *id_out, GError **error);
/* planned → intent; makes and stores the reference; durable on return */
gboolean saldo_ledger_record_intent (SaldoLedger *self, gint64 id, char **reference_out, GError **error);
/* planned → failed: the owner declined, or the request could not be built */
gboolean saldo_ledger_cancel (SaldoLedger *self, gint64 id, const char *reason, GError **error);
/* intent → sent (first send, attempts+1), or sent/unknown/intent → sent as a
 * re-send with the same reference (kind "resent") */
gboolean saldo_ledger_mark_sent (SaldoLedger     *self,
                                 gint64           id,
                                 SaldoLedgerState expected,
                                 const char      *detail,
                                 GError         **error);
/* → succeeded | failed | unknown */
gboolean saldo_ledger_mark_result (SaldoLedger             *self,
                                   gint64                   id,
                                   SaldoLedgerState         expected,
                                   SaldoLedgerState         state,
                                   const SaldoTopupReceipt *receipt,
                                   const char              *detail,
                                   GError                 **error);
/* a lookup that left the outcome open: no state change, lookups+1 */
gboolean saldo_ledger_note_lookup (SaldoLedger     *self,
                                   gint64           id,
                                   SaldoLedgerState expected,
                                   gint64           next_check,
                                   gboolean         provider_pending,
                                   const char      *detail,
                                   GError         **error);
gboolean saldo_ledger_mark_verified (SaldoLedger *self, gint64 id, gint64 balance_after, GError **error);
gboolean saldo_ledger_mark_disputed (SaldoLedger *self,
                                     gint64       id,
                                     gboolean     has_balance_after,
                                     gint64       balance_after,
                                     const char  *reason,
                                     GError     **error);

/* intent/sent/unknown → succeeded | failed on the owner's word; the event
 * records their uid and note */
gboolean saldo_ledger_resolve (SaldoLedger     *self,
                               gint64           id,
                               SaldoLedgerState state,
                               guint32          actor_uid,
                               const char      *note,
                               GError         **error);
/* unknown → succeeded | failed on the evidence of the balance */
gboolean
saldo_ledger_settle (SaldoLedger *self, gint64 id, SaldoLedgerState state, const char *reason, GError **error);
/* planned → expired, event "withdrawn" with the reason */
gboolean saldo_ledger_withdraw (SaldoLedger *self, gint64 id, const char *reason, GError **error);
/* Every planned row whose `expires` has passed → expired.  expired_out (may
 * be NULL) gets the rows that just expired, next_expiry_out the earliest
 * expiry still ahead (0 = none). */
gboolean saldo_ledger_expire_planned (SaldoLedger *self,
                                      GPtrArray  **expired_out,
                                      gint64      *next_expiry_out,
                                      GError     **error);

gboolean saldo_ledger_get (SaldoLedger *self, gint64 id, SaldoTopupRecord **record_out, GError **error);
gboolean saldo_ledger_get_by_reference (SaldoLedger       *self,
                                        const char        *reference,
                                        SaldoTopupRecord **record_out,
                                        GError           **error);
gboolean
saldo_ledger_list (SaldoLedger *self, const SaldoLedgerQuery *query, GPtrArray **records_out, GError **error);
/* oldest first */
gboolean
saldo_ledger_list_events (SaldoLedger *self, gint64 topup_id, GPtrArray **events_out, GError **error);
/* What the exports count, per line, state and currency: the top-ups that
 * ever reached each state (events are append-only, so these only grow), or
 * those in a waiting state (planned, intent, sent, unknown) now, with when
 * the oldest of them entered it. */
typedef struct {
  gint64           line_id;
  SaldoLedgerState state;
  char            *currency;
  guint64          count;
  gint64           amount; /* their amounts, minor units */
  gint64           since;  /* waiting rows only */
} SaldoLedgerTallyRow;

gboolean saldo_ledger_tally (SaldoLedger *self, gboolean waiting_now, GPtrArray **rows_out, GError **error);
/* rows created at or after `since`, plus every row still in flight */
gboolean
saldo_ledger_to_rule_rows (SaldoLedger *self, gint64 since, SaldoLedgerRows **rows_out, GError **error);

/* ussd-voucher: a PIN is remembered by its SHA-256 only and never used twice */
gboolean saldo_ledger_claim_voucher (SaldoLedger *self, gint64 topup_id, const char *pin, GError **error);
gboolean
saldo_ledger_voucher_is_used (SaldoLedger *self, const char *pin, gboolean *used_out, GError **error);

/* Receipts: the column names, one record's fields in that order, and RFC
 * 4180 quoting of one line (without the line break). */
const char *const *saldo_ledger_receipt_header (void);
GStrv              saldo_ledger_receipt_fields (const SaldoTopupRecord *record);
char              *saldo_ledger_csv_line (const char *const *fields);


G_END_DECLS
