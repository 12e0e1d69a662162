/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib-object.h>
#include <sqlite3.h>

G_BEGIN_DECLS

/* One row of the lines table: everything saldod remembers about an ICCID. */
typedef struct {
  gint64 id; /* never reused: becomes /io/github/saldo/Saldo1/Line/<id> */
  char  *iccid;
  char  *imsi;
  char  *operator_code;
  char  *operator_name;
  char  *sim_type;
  gint64 first_seen; /* unix seconds */
  gint64 last_seen;
  /* the owner's settings */
  char    *balance_code;     /* "" = the carrier's */
  char    *balance_menu;     /* answers separated by ';' */
  gint64   refresh_interval; /* seconds; -1 = the daemon's default, 0 = never */
  gboolean allow_roaming;
  char    *own_number;
  char    *sms_senders; /* extra senders separated by ';' */
  /* eSIM profile, from the eUICC ("" for physical SIMs) */
  char *eid;
  char *profile_name;
  char *profile_nickname;
  char *service_provider;
  char *profile_state;
  char *profile_class;
} SaldoLineRecord;

/* One balance check, good or bad, exactly as it happened. */
typedef struct {
  gint64   id;
  gint64   line_id;
  gint64   time;
  char    *source; /* ussd | sms */
  char    *kind;   /* balance | ambiguous | menu | error | unknown | failed */
  char    *raw_text;
  char    *error;
  char    *carrier;
  gboolean has_amount;
  gint64   amount_minor;
  char    *currency;
  gboolean has_expiry;
  gint64   expiry; /* unix seconds, 00:00 UTC of the day */
  gboolean has_data;
  gint64   data_bytes;
} SaldoReading;

SaldoReading *saldo_reading_new (void);
void          saldo_reading_free (SaldoReading *reading);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaldoReading, saldo_reading_free)

SaldoLineRecord *saldo_line_record_new (void);
SaldoLineRecord *saldo_line_record_copy (const SaldoLineRecord *record);
void             saldo_line_record_free (SaldoLineRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaldoLineRecord, saldo_line_record_free)

#define SALDO_TYPE_STORE (saldo_store_get_type ())
G_DECLARE_FINAL_TYPE (SaldoStore, saldo_store, SALDO, STORE, GObject)

/* The newest schema this build knows; a database from a newer Saldo is refused. */
#define SALDO_STORE_SCHEMA_VERSION 9

SaldoStore *saldo_store_open (const char *path, GError **error);
int         saldo_store_get_schema_version (SaldoStore *self);
sqlite3    *saldo_store_get_handle (SaldoStore *self);
gboolean    saldo_store_load_lines (SaldoStore *self, GPtrArray **records_out, GError **error);
gboolean    saldo_store_save_line (SaldoStore *self, SaldoLineRecord *record, GError **error);

gboolean saldo_store_add_reading (SaldoStore *self, SaldoReading *reading, GError **error);
gboolean saldo_store_list_readings (SaldoStore *self,
                                    gint64      line_id,
                                    gint64      since,
                                    guint       limit,
                                    GPtrArray **readings_out,
                                    GError    **error);
gboolean saldo_store_last_reading (SaldoStore    *self,
                                   gint64         line_id,
                                   gboolean       balance_only,
                                   SaldoReading **reading_out,
                                   GError       **error);

/* The newest good balance reading of the line that came from `source`
 * ("ussd", "sms"); *reading_out is NULL when there is none. */
gboolean saldo_store_last_balance_from (SaldoStore    *self,
                                        gint64         line_id,
                                        const char    *source,
                                        SaldoReading **reading_out,
                                        GError       **error);

/* eUICCs get a stable number the first time their key (the EID, or
 * modem:IMEI:slot when the card will not tell it) is seen. */
gboolean saldo_store_ensure_euicc (SaldoStore *self, const char *key, gint64 *id_out, GError **error);

/* Every eUICC ever read: ids and keys, parallel arrays. */
gboolean saldo_store_load_euiccs (SaldoStore *self, GArray **ids_out, GPtrArray **keys_out, GError **error);

G_END_DECLS
