/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

/* The SQLite helpers every table of the store uses (lines, readings,
 * eUICCs, rules, the ledger), and tables described once: a record's
 * columns, from which the SELECT, INSERT and UPDATE statements, the
 * binding, the reading back and the record's copy and free follow. */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* A SALDO_ERROR_DATABASE error "WHERE: WHAT failed: <SQLite's message>". */
gboolean saldo_sql_fail (sqlite3 *db, const char *where, const char *what, GError **error);
gboolean saldo_sql_exec (sqlite3 *db, const char *where, const char *sql, GError **error);
gboolean
saldo_sql_prepare (sqlite3 *db, const char *where, const char *sql, sqlite3_stmt **stmt_out, GError **error);

void saldo_sql_bind_text_or_null (sqlite3_stmt *stmt, int index, const char *text);
void saldo_sql_bind_int64_if (sqlite3_stmt *stmt, int index, gboolean present, gint64 value);
/* The column's text; "" for NULL. */
char *saldo_sql_column_dup (sqlite3_stmt *stmt, int column);
/* The column's text; NULL for NULL. */
char *saldo_sql_column_dup_nullable (sqlite3_stmt *stmt, int column);

/* ---- tables described once ---- */

typedef enum {
  SALDO_SQL_TEXT,  /* char *, never NULL in the record ("" for none) */
  SALDO_SQL_INT64, /* gint64 */
  SALDO_SQL_INT,   /* gint */
  SALDO_SQL_UINT,  /* guint */
  SALDO_SQL_BOOL,  /* gboolean */
} SaldoSqlType;

typedef struct {
  const char  *name; /* the column */
  SaldoSqlType type;
  gsize        offset; /* of the record's field: G_STRUCT_OFFSET () */
} SaldoSqlColumn;

/* A table's columns besides its "id INTEGER PRIMARY KEY", which every
 * record holds as a gint64 at id_offset. */
typedef struct {
  const char           *name;
  gsize                 id_offset;
  const SaldoSqlColumn *columns;
  gsize                 n_columns;
  gsize                 record_size;
} SaldoSqlTable;

/* "SELECT id, <columns> FROM <table> " + tail (WHERE/ORDER BY...). */
char *saldo_sql_select (const SaldoSqlTable *table, const char *tail);
/* Reads a row of saldo_sql_select () into a new record. */
gpointer saldo_sql_read (const SaldoSqlTable *table, sqlite3_stmt *stmt);
/* Inserts record (when its id is 0, then setting it) or updates its row
 * (WHERE id = its id, plus and_where, e.g. " AND removed = 0"); what
 * names the step in an error. */
gboolean saldo_sql_save (sqlite3             *db,
                         const char          *where,
                         const SaldoSqlTable *table,
                         gpointer             record,
                         const char          *and_where,
                         const char          *what,
                         GError             **error);
gpointer saldo_sql_record_copy (const SaldoSqlTable *table, gconstpointer record);
void     saldo_sql_record_free (const SaldoSqlTable *table, gpointer record);

G_END_DECLS
