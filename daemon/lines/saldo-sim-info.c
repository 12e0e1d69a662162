/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "saldo-error.h"
#include "saldo-log.h"
#include "saldo-sim-info.h"

SaldoSimInfo *
saldo_sim_info_new (void)
{
  return g_new0 (SaldoSimInfo, 1);
}

void
saldo_sim_info_free (SaldoSimInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->modem_path);
  g_free (info->equipment_id);
  g_free (info->iccid);
  g_free (info->imsi);
  g_free (info->operator_code);
  g_free (info->operator_name);
  g_free (info->sim_type);
  g_free (info->eid);
  g_free (info->own_number);
  g_free (info->registration);
  g_free (info);
}

SaldoSimInfo *
saldo_sim_info_copy (const SaldoSimInfo *info)
{
  SaldoSimInfo *copy = saldo_sim_info_new ();

  copy->modem_path = g_strdup (info->modem_path);
  copy->equipment_id = g_strdup (info->equipment_id);
  copy->iccid = g_strdup (info->iccid);
  copy->imsi = g_strdup (info->imsi);
  copy->operator_code = g_strdup (info->operator_code);
  copy->operator_name = g_strdup (info->operator_name);
  copy->sim_type = g_strdup (info->sim_type);
  copy->eid = g_strdup (info->eid);
  copy->own_number = g_strdup (info->own_number);
  copy->registration = g_strdup (info->registration);
  return copy;
}

gboolean
saldo_sim_info_equal (const SaldoSimInfo *a, const SaldoSimInfo *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return g_strcmp0 (a->modem_path, b->modem_path) == 0 && g_strcmp0 (a->equipment_id, b->equipment_id) == 0 &&
         g_strcmp0 (a->iccid, b->iccid) == 0 && g_strcmp0 (a->imsi, b->imsi) == 0 &&
         g_strcmp0 (a->operator_code, b->operator_code) == 0 &&
         g_strcmp0 (a->operator_name, b->operator_name) == 0 && g_strcmp0 (a->sim_type, b->sim_type) == 0 &&
         g_strcmp0 (a->eid, b->eid) == 0 && g_strcmp0 (a->own_number, b->own_number) == 0 &&
         g_strcmp0 (a->registration, b->registration) == 0;
}

/* ITU-T E.118: an ICCID is "89" (telecom), then country, issuer and serial,
 * 18 to 20 digits with the Luhn digit; some issuers pad to 22.  Modems hand
 * it over as read from EF.ICCID, sometimes with the F filler nibbles left in.
 * Anything else (a PIN-locked SIM's empty value, a garbled read) must not
 * become a line, because a line created from garbage lives forever. */
char *
saldo_iccid_normalize (const char *raw, GError **error)
{
  g_autoptr(GString) digits = NULL;
  g_autofree char *shown = NULL;
  const char      *p;

  if (raw == NULL || *raw == '\0') {
    g_set_error_literal (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT, "the SIM reports no ICCID");
    return NULL;
  }
  /* Errors end up in log lines: even a garbled ICCID is shown shortened. */
  shown = saldo_redact_iccid (raw);
  digits = g_string_new (NULL);
  for (p = raw; *p != '\0'; p++) {
    if (g_ascii_isdigit (*p)) {
      if (p > raw && (p[-1] == 'F' || p[-1] == 'f')) {
        g_set_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT,
                     "ICCID '%s' has a filler nibble before a digit", shown);
        return NULL;
      }
      g_string_append_c (digits, *p);
    } else if (*p == 'F' || *p == 'f') {
      continue;
    } else {
      g_set_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT,
                   "ICCID '%s' contains a character that is not a digit", shown);
      return NULL;
    }
  }
  if (digits->len < 18 || digits->len > 22) {
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT,
                 "ICCID '%s' has %" G_GSIZE_FORMAT " digits (18 to 22 expected)", shown, digits->len);
    return NULL;
  }
  if (digits->str[0] != '8' || digits->str[1] != '9') {
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT,
                 "ICCID '%s' does not start with the telecom prefix 89", shown);
    return NULL;
  }
  return g_string_free (g_steal_pointer (&digits), FALSE);
}

gboolean
saldo_operator_code_valid (const char *code)
{
  gsize len;

  if (code == NULL)
    return FALSE;
  len = strlen (code);
  if (len != 5 && len != 6)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (code[i]))
      return FALSE;
  return TRUE;
}
