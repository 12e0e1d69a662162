/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoStore"

#include "config.h"

#include <sqlite3.h>

#include "saldo-provider-store.h"
#include "saldo-sql.h"

SaldoProviderRecord *
saldo_provider_record_copy (const SaldoProviderRecord *record)
{
  SaldoProviderRecord *copy = g_memdup2 (record, sizeof *record);

  copy->name = g_strdup (record->name);
  copy->state = g_strdup (record->state);
  copy->attention = g_strdup (record->attention);
  copy->last_error = g_strdup (record->last_error);
  copy->funds_currency = g_strdup (record->funds_currency);
  return copy;
}

void
saldo_provider_record_free (SaldoProviderRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->name);
  g_free (record->state);
  g_free (record->attention);
  g_free (record->last_error);
  g_free (record->funds_currency);
  g_free (record);
}

gboolean
saldo_store_ensure_provider (SaldoStore           *store,
                             const char           *name,
                             SaldoProviderRecord **record_out,
                             GError              **error)
{
  sqlite3 *db = saldo_store_get_handle (store);
  g_autoptr(sqlite3_stmt) insert = NULL;
  g_autoptr(sqlite3_stmt) select = NULL;
  SaldoProviderRecord *r;

  if (!saldo_sql_prepare (db, "providers", "INSERT OR IGNORE INTO providers (name) VALUES (?1)", &insert,
                          error))
    return FALSE;
  sqlite3_bind_text (insert, 1, name, -1, SQLITE_STATIC);
  if (sqlite3_step (insert) != SQLITE_DONE)
    return saldo_sql_fail (db, "providers", "adding a provider", error);
  if (!saldo_sql_prepare (db, "providers",
                          "SELECT id, name, state, attention, last_error, last_success, funds,"
                          " funds_currency, attention_funds, updated FROM providers WHERE name = ?1",
                          &select, error))
    return FALSE;
  sqlite3_bind_text (select, 1, name, -1, SQLITE_STATIC);
  if (sqlite3_step (select) != SQLITE_ROW)
    return saldo_sql_fail (db, "providers", "reading a provider", error);
  r = g_new0 (SaldoProviderRecord, 1);
  r->id = sqlite3_column_int64 (select, 0);
  r->name = saldo_sql_column_dup (select, 1);
  r->state = saldo_sql_column_dup (select, 2);
  r->attention = saldo_sql_column_dup (select, 3);
  r->last_error = saldo_sql_column_dup (select, 4);
  r->last_success = sqlite3_column_int64 (select, 5);
  r->has_funds = sqlite3_column_type (select, 6) != SQLITE_NULL;
  r->funds = sqlite3_column_int64 (select, 6);
  r->funds_currency = saldo_sql_column_dup (select, 7);
  r->has_attention_funds = sqlite3_column_type (select, 8) != SQLITE_NULL;
  r->attention_funds = sqlite3_column_int64 (select, 8);
  r->updated = sqlite3_column_int64 (select, 9);
  *record_out = r;
  return TRUE;
}

gboolean
saldo_store_save_provider (SaldoStore *store, const SaldoProviderRecord *r, GError **error)
{
  sqlite3 *db = saldo_store_get_handle (store);
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (!saldo_sql_prepare (db, "providers",
                          "UPDATE providers SET state = ?1, attention = ?2, last_error = ?3,"
                          " last_success = ?4, funds = ?5, funds_currency = ?6,"
                          " attention_funds = ?7, updated = ?8 WHERE id = ?9",
                          &stmt, error))
    return FALSE;
  sqlite3_bind_text (stmt, 1, r->state, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, r->attention, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, r->last_error, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, r->last_success);
  saldo_sql_bind_int64_if (stmt, 5, r->has_funds, r->funds);
  saldo_sql_bind_text_or_null (stmt, 6, r->has_funds ? r->funds_currency : NULL);
  saldo_sql_bind_int64_if (stmt, 7, r->has_attention_funds, r->attention_funds);
  sqlite3_bind_int64 (stmt, 8, r->updated);
  sqlite3_bind_int64 (stmt, 9, r->id);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return saldo_sql_fail (db, "providers", "saving a provider", error);
  return TRUE;
}
