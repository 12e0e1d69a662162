/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What a modem tells us about the SIM (or enabled eSIM profile) it presents. */
typedef struct {
  char *modem_path;
  char *equipment_id; /* IMEI */
  char *iccid;        /* normalised: digits only */
  char *imsi;
  char *operator_code; /* home MCC+MNC */
  char *operator_name;
  char *sim_type; /* physical | esim | unknown */
  char *eid;
  char *own_number;   /* first of ModemManager's OwnNumbers, or NULL */
  char *registration; /* home | roaming | searching | denied | idle | unknown */
} SaldoSimInfo;

SaldoSimInfo *saldo_sim_info_new (void);
void          saldo_sim_info_free (SaldoSimInfo *info);
SaldoSimInfo *saldo_sim_info_copy (const SaldoSimInfo *info);
gboolean      saldo_sim_info_equal (const SaldoSimInfo *a, const SaldoSimInfo *b);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaldoSimInfo, saldo_sim_info_free)

char    *saldo_iccid_normalize (const char *raw, GError **error);
gboolean saldo_operator_code_valid (const char *code);

G_END_DECLS
