/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib-object.h>

#include "saldo-carrier.h"

G_BEGIN_DECLS

/* Carrier files larger than this are refused unread: real ones are ~2 KiB. */
#define SALDO_CARRIER_DB_MAX_FILE_SIZE (64 * 1024)

#define SALDO_TYPE_CARRIER_DB (saldo_carrier_db_get_type ())
G_DECLARE_FINAL_TYPE (SaldoCarrierDb, saldo_carrier_db, SALDO, CARRIER_DB, GObject)

/*
 * Loads every "*.conf" of each directory, in the order given (shipped data
 * dir first, then the admin's): a later file with the same name replaces an
 * earlier one whole, or hides it with Disabled=true. A missing directory is
 * not an error. Files that fail to load are reported by get_errors() and
 * skipped, so the earlier definition of that id stays in force. Never fails.
 */
SaldoCarrierDb *saldo_carrier_db_new_from_dirs (const char *const *dirs);

/* GError* elements, each message starting with the file or directory path. */
GPtrArray *saldo_carrier_db_get_errors (SaldoCarrierDb *self);
/* Non-fatal findings (unknown keys, ...), each starting with the file path. */
const char *const *saldo_carrier_db_get_warnings (SaldoCarrierDb *self);

/* transfer none: the carrier lives as long as the db */
SaldoCarrier *saldo_carrier_db_get (SaldoCarrierDb *self, const char *id);
SaldoCarrier *saldo_carrier_db_get_generic (SaldoCarrierDb *self);
/* Path of the file the carrier with this id was loaded from, or NULL. */
const char *saldo_carrier_db_get_origin (SaldoCarrierDb *self, const char *id);
/* transfer container: a new array of all enabled carriers, sorted by id */
GPtrArray *saldo_carrier_db_list (SaldoCarrierDb *self);

/*
 * The most specific carrier matching the line: a matching ICCID prefix beats
 * an SPN match, which beats an MCC+MNC-only match; a longer ICCID prefix beats
 * a shorter one; ties go to the smallest id (strcmp). Any argument may be
 * NULL when unknown. Falls back to the generic carrier; NULL only when the db
 * has no generic carrier either. transfer none.
 */
SaldoCarrier *
saldo_carrier_db_lookup (SaldoCarrierDb *self, const char *mcc_mnc, const char *iccid, const char *spn);

G_END_DECLS
