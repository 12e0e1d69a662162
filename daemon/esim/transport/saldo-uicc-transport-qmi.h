/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "saldo-qmi-uim.h"
#include "saldo-uicc-transport.h"

G_BEGIN_DECLS

/*
 * SaldoUiccTransportQmi: SaldoUiccTransport over an open SaldoQmiUim (QMI
 * UIM through qmi-proxy).  It borrows the SaldoQmiUim: opening and closing
 * the QMI port stay with its owner.
 */

#define SALDO_TYPE_UICC_TRANSPORT_QMI (saldo_uicc_transport_qmi_get_type ())
G_DECLARE_FINAL_TYPE (SaldoUiccTransportQmi,
                      saldo_uicc_transport_qmi,
                      SALDO,
                      UICC_TRANSPORT_QMI,
                      SaldoUiccTransport)

/* @slot: the QMI slot (1-based logical slot) the UIM messages address. */
SaldoUiccTransport *saldo_uicc_transport_qmi_new (SaldoQmiUim *uim, guint8 slot);
SaldoQmiUim        *saldo_uicc_transport_qmi_get_uim (SaldoUiccTransportQmi *self);

/* eUICC detection from a Get Slot Status answer (or indication): the slot
 * that is active, holds a card and reports itself as an eUICC.  Returns an
 * element of @slots (SaldoQmiUimSlot), or NULL when there is none; its
 * logical_slot is what saldo_uicc_transport_qmi_new() wants, its eid may be
 * NULL on firmware that does not report EIDs. */
const SaldoQmiUimSlot *saldo_uicc_transport_qmi_find_euicc (GPtrArray *slots);

/* Maps a SALDO_QMI_UIM_ERROR to SALDO_UICC_TRANSPORT_ERROR in place. */
void saldo_uicc_transport_qmi_error_convert (GError **error);

G_END_DECLS
