/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* One row of the lines table: everything saldod remembers about an ICCID. */
typedef struct {
  gint64  id;               /* never reused: becomes /io/github/saldo/Saldo1/Line/<id> */
  char   *iccid;
  char   *imsi;
  char   *operator_code;
  char   *operator_name;
  char   *sim_type;
  gint64  first_seen;       /* unix seconds */
  gint64  last_seen;
} SaldoLineRecord;

SaldoLineRecord *saldo_line_record_new  (void);
SaldoLineRecord *saldo_line_record_copy (const SaldoLineRecord *record);
void             saldo_line_record_free (SaldoLineRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaldoLineRecord, saldo_line_record_free)

#define SALDO_TYPE_STORE (saldo_store_get_type ())
G_DECLARE_FINAL_TYPE (SaldoStore, saldo_store, SALDO, STORE, GObject)

/* The newest schema this build knows; a database from a newer Saldo is refused. */
#define SALDO_STORE_SCHEMA_VERSION 1

SaldoStore *saldo_store_open            (const char       *path,
                                         GError          **error);
int         saldo_store_get_schema_version (SaldoStore    *self);
gboolean    saldo_store_load_lines      (SaldoStore       *self,
                                         GPtrArray       **records_out,
                                         GError          **error);
gboolean    saldo_store_save_line       (SaldoStore       *self,
                                         SaldoLineRecord  *record,
                                         GError          **error);

G_END_DECLS
