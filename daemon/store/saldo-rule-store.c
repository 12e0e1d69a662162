/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoStore"

#include "config.h"

#include <sqlite3.h>

#include "saldo-error.h"
#include "saldo-rule-store.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

SaldoRuleRecord *
saldo_rule_record_new (void)
{
  SaldoRuleRecord *record = g_new0 (SaldoRuleRecord, 1);

  record->kind = g_strdup ("threshold");
  record->enabled = TRUE;
  record->provider = g_strdup ("");
  record->currency = g_strdup ("");
  record->cooldown = 300;
  record->disabled_reason = g_strdup ("");
  return record;
}

SaldoRuleRecord *
saldo_rule_record_copy (const SaldoRuleRecord *record)
{
  SaldoRuleRecord *copy = g_memdup2 (record, sizeof *record);

  copy->kind = g_strdup (record->kind);
  copy->provider = g_strdup (record->provider);
  copy->currency = g_strdup (record->currency);
  copy->disabled_reason = g_strdup (record->disabled_reason);
  return copy;
}

void
saldo_rule_record_free (SaldoRuleRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->kind);
  g_free (record->provider);
  g_free (record->currency);
  g_free (record->disabled_reason);
  g_free (record);
}

static gboolean
fail (SaldoStore  *store,
      const char  *what,
      GError     **error)
{
  g_set_error (error, SALDO_ERROR, SALDO_ERROR_DATABASE, "%s failed: %s", what,
               sqlite3_errmsg (saldo_store_get_handle (store)));
  return FALSE;
}

static char *
dup_text (sqlite3_stmt *stmt,
          int           column)
{
  const unsigned char *text = sqlite3_column_text (stmt, column);

  return g_strdup (text != NULL ? (const char *) text : "");
}

gboolean
saldo_store_load_rules (SaldoStore  *store,
                        GPtrArray  **rules_out,
                        GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) rules = g_ptr_array_new_with_free_func ((GDestroyNotify) saldo_rule_record_free);
  int rc;

  if (sqlite3_prepare_v2 (saldo_store_get_handle (store),
                          "SELECT id, line_id, kind, enabled, confirm, provider, amount, currency,"
                          " below, days_before, day, hour, max_per_topup, max_per_day,"
                          " max_per_month, max_attempts_24h, cooldown, created, rearmed_at,"
                          " disabled_reason FROM rules WHERE removed = 0 ORDER BY id",
                          -1, &stmt, NULL) != SQLITE_OK)
    return fail (store, "loading rules", error);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
    SaldoRuleRecord *r = g_new0 (SaldoRuleRecord, 1);

    r->id = sqlite3_column_int64 (stmt, 0);
    r->line_id = sqlite3_column_int64 (stmt, 1);
    r->kind = dup_text (stmt, 2);
    r->enabled = sqlite3_column_int (stmt, 3) != 0;
    r->confirm = sqlite3_column_int (stmt, 4) != 0;
    r->provider = dup_text (stmt, 5);
    r->amount = sqlite3_column_int64 (stmt, 6);
    r->currency = dup_text (stmt, 7);
    r->below = sqlite3_column_int64 (stmt, 8);
    r->days_before = (guint) sqlite3_column_int (stmt, 9);
    r->day = sqlite3_column_int (stmt, 10);
    r->hour = (guint) sqlite3_column_int (stmt, 11);
    r->max_per_topup = sqlite3_column_int64 (stmt, 12);
    r->max_per_day = sqlite3_column_int64 (stmt, 13);
    r->max_per_month = sqlite3_column_int64 (stmt, 14);
    r->max_attempts_24h = (guint) sqlite3_column_int (stmt, 15);
    r->cooldown = (guint) sqlite3_column_int (stmt, 16);
    r->created = sqlite3_column_int64 (stmt, 17);
    r->rearmed_at = sqlite3_column_int64 (stmt, 18);
    r->disabled_reason = dup_text (stmt, 19);
    g_ptr_array_add (rules, r);
  }
  if (rc != SQLITE_DONE)
    return fail (store, "loading rules", error);
  *rules_out = g_steal_pointer (&rules);
  return TRUE;
}

gboolean
saldo_store_save_rule (SaldoStore       *store,
                       SaldoRuleRecord  *r,
                       GError          **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  sqlite3 *db = saldo_store_get_handle (store);
  const char *sql;

  if (r->id == 0)
    sql = "INSERT INTO rules (line_id, kind, enabled, confirm, provider, amount, currency, below,"
          " days_before, day, hour, max_per_topup, max_per_day, max_per_month, max_attempts_24h,"
          " cooldown, created, rearmed_at, disabled_reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
          " ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)";
  else
    sql = "UPDATE rules SET line_id = ?1, kind = ?2, enabled = ?3, confirm = ?4, provider = ?5,"
          " amount = ?6, currency = ?7, below = ?8, days_before = ?9, day = ?10, hour = ?11,"
          " max_per_topup = ?12, max_per_day = ?13, max_per_month = ?14, max_attempts_24h = ?15,"
          " cooldown = ?16, created = ?17, rearmed_at = ?18, disabled_reason = ?19"
          " WHERE id = ?20 AND removed = 0";
  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return fail (store, "saving a rule", error);
  sqlite3_bind_int64 (stmt, 1, r->line_id);
  sqlite3_bind_text (stmt, 2, r->kind, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 3, r->enabled);
  sqlite3_bind_int (stmt, 4, r->confirm);
  sqlite3_bind_text (stmt, 5, r->provider, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 6, r->amount);
  sqlite3_bind_text (stmt, 7, r->currency, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 8, r->below);
  sqlite3_bind_int (stmt, 9, (int) r->days_before);
  sqlite3_bind_int (stmt, 10, r->day);
  sqlite3_bind_int (stmt, 11, (int) r->hour);
  sqlite3_bind_int64 (stmt, 12, r->max_per_topup);
  sqlite3_bind_int64 (stmt, 13, r->max_per_day);
  sqlite3_bind_int64 (stmt, 14, r->max_per_month);
  sqlite3_bind_int (stmt, 15, (int) r->max_attempts_24h);
  sqlite3_bind_int (stmt, 16, (int) r->cooldown);
  sqlite3_bind_int64 (stmt, 17, r->created);
  sqlite3_bind_int64 (stmt, 18, r->rearmed_at);
  sqlite3_bind_text (stmt, 19, r->disabled_reason != NULL ? r->disabled_reason : "", -1, SQLITE_STATIC);
  if (r->id != 0)
    sqlite3_bind_int64 (stmt, 20, r->id);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return fail (store, "saving a rule", error);
  if (r->id == 0)
    r->id = sqlite3_last_insert_rowid (db);
  return TRUE;
}

gboolean
saldo_store_remove_rule (SaldoStore  *store,
                         gint64       id,
                         GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (sqlite3_prepare_v2 (saldo_store_get_handle (store),
                          "UPDATE rules SET removed = 1, enabled = 0 WHERE id = ?1",
                          -1, &stmt, NULL) != SQLITE_OK)
    return fail (store, "removing a rule", error);
  sqlite3_bind_int64 (stmt, 1, id);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return fail (store, "removing a rule", error);
  return TRUE;
}
