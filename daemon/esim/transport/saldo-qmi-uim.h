/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>
#include <libqmi-glib.h>

G_BEGIN_DECLS

/*
 * SaldoQmiUim: read-only access to a UICC/eUICC through the QMI UIM service.
 *
 * The QMI port is always opened through qmi-proxy so ModemManager keeps
 * working on the same port.  This layer only carries APDUs: STORE DATA
 * segmentation, 61xx accumulation and ES10c decoding live elsewhere, and
 * nothing here retries — the caller decides the retry policy from the
 * error code.
 *
 * Errors are in SALDO_QMI_UIM_ERROR, keeping libqmi's message text, except
 * cancellation which stays G_IO_ERROR_CANCELLED.
 */

#define SALDO_QMI_UIM_ERROR (saldo_qmi_uim_error_quark ())

typedef enum {
  SALDO_QMI_UIM_ERROR_ACCESS_DENIED, /* firmware refuses (e.g. ISD-R channel) */
  SALDO_QMI_UIM_ERROR_NOT_SUPPORTED, /* message or service not supported */
  SALDO_QMI_UIM_ERROR_INTERNAL,      /* modem/card internal failure */
  SALDO_QMI_UIM_ERROR_NO_CARD,       /* no card, or card not ready */
  SALDO_QMI_UIM_ERROR_TRANSPORT,     /* port, proxy, timeout, closed */
  SALDO_QMI_UIM_ERROR_PROTOCOL,      /* any other QMI error, malformed reply */
} SaldoQmiUimError;

GQuark saldo_qmi_uim_error_quark (void);

/* Rewrites a libqmi or GIO error into SALDO_QMI_UIM_ERROR, in place. */
void saldo_qmi_uim_error_convert (GError **error);

typedef struct {
  guint    physical_slot; /* 1-based */
  gboolean card_present;
  gboolean is_euicc;
  gboolean active;
  guint    logical_slot; /* logical slot it is mapped to, 0 if none */
  gchar   *eid;          /* hex digits, NULL when not reported */
  gchar   *iccid;        /* decoded digits, NULL when not reported */
} SaldoQmiUimSlot;

void saldo_qmi_uim_slot_free (SaldoQmiUimSlot *slot);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaldoQmiUimSlot, saldo_qmi_uim_slot_free)

/* What the modem sends back, decoded without I/O (so it can be fuzzed): the
 * slots of a Slot Status indication (the Get Slot Status reply has the same
 * TLVs); for libqmi < 1.36, where saldod sends raw messages, the result TLV
 * (with the card's SW1 SW2 from @card_result_tlv, 0 for none), the channel of
 * an Open Logical Channel reply and the R-APDU of a Send APDU reply. */
GPtrArray *saldo_qmi_uim_slots_from_indication (QmiIndicationUimSlotStatusOutput *output, GError **error);
#if !QMI_CHECK_VERSION(1, 36, 0)
gboolean saldo_qmi_uim_reply_check (QmiMessage *reply, guint8 card_result_tlv, GError **error);
gboolean saldo_qmi_uim_reply_get_channel (QmiMessage *reply, guint8 *out_channel, GError **error);
GBytes  *saldo_qmi_uim_reply_get_apdu_response (QmiMessage *reply, GError **error);
#endif

#define SALDO_TYPE_QMI_UIM (saldo_qmi_uim_get_type ())
G_DECLARE_FINAL_TYPE (SaldoQmiUim, saldo_qmi_uim, SALDO, QMI_UIM, GObject)

/*
 * Signals:
 *   "slot-status-changed" (SaldoQmiUim *self, GPtrArray *slots, gpointer)
 *     emitted on each QMI Slot Status indication (e.g. after a profile
 *     switch); @slots holds SaldoQmiUimSlot, owned by the emitter.
 */

void         saldo_qmi_uim_new_async (GFile              *port,
                                      GCancellable       *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer            user_data);
SaldoQmiUim *saldo_qmi_uim_new_finish (GAsyncResult *res, GError **error);

GFile *saldo_qmi_uim_get_port (SaldoQmiUim *self);

/* Returns a GPtrArray of SaldoQmiUimSlot (with free func). */
void       saldo_qmi_uim_get_slot_status_async (SaldoQmiUim        *self,
                                                GCancellable       *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer            user_data);
GPtrArray *saldo_qmi_uim_get_slot_status_finish (SaldoQmiUim *self, GAsyncResult *res, GError **error);

/* @slot is the QMI slot number, 1-based. */
void saldo_qmi_uim_open_channel_async (SaldoQmiUim        *self,
                                       guint8              slot,
                                       GBytes             *aid,
                                       GCancellable       *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data);
gboolean
saldo_qmi_uim_open_channel_finish (SaldoQmiUim *self, GAsyncResult *res, guint8 *out_channel, GError **error);

/* The response carries the card's data followed by SW1 SW2; an error status
 * word is a successful transport result, not a GError. */
void    saldo_qmi_uim_send_apdu_async (SaldoQmiUim        *self,
                                       guint8              slot,
                                       guint8              channel,
                                       GBytes             *apdu,
                                       GCancellable       *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data);
GBytes *saldo_qmi_uim_send_apdu_finish (SaldoQmiUim *self, GAsyncResult *res, GError **error);

void     saldo_qmi_uim_close_channel_async (SaldoQmiUim        *self,
                                            guint8              slot,
                                            guint8              channel,
                                            GCancellable       *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer            user_data);
gboolean saldo_qmi_uim_close_channel_finish (SaldoQmiUim *self, GAsyncResult *res, GError **error);

/* Releases the UIM client and closes the port; later calls fail with
 * SALDO_QMI_UIM_ERROR_TRANSPORT. */
void     saldo_qmi_uim_close_async (SaldoQmiUim        *self,
                                    GCancellable       *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data);
gboolean saldo_qmi_uim_close_finish (SaldoQmiUim *self, GAsyncResult *res, GError **error);

G_END_DECLS
