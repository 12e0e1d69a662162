/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <libmbim-glib.h>

#include "saldo-uicc-transport.h"

G_BEGIN_DECLS

/*
 * SaldoUiccTransportMbim: SaldoUiccTransport over the Microsoft UICC
 * low-level access service (MBIM), always through mbim-proxy so
 * ModemManager keeps the port.  The service works on the UICC slot mapped
 * to the modem's executor; this transport never changes slot mappings.
 *
 * Request building and reply parsing are separate functions so they can
 * be checked byte for byte without a device.
 */

#define SALDO_TYPE_UICC_TRANSPORT_MBIM (saldo_uicc_transport_mbim_get_type ())
G_DECLARE_FINAL_TYPE (SaldoUiccTransportMbim,
                      saldo_uicc_transport_mbim,
                      SALDO,
                      UICC_TRANSPORT_MBIM,
                      SaldoUiccTransport)

/* Channel group tagging the channels we open (the MS service lets a host
 * close a whole group; 1 is what field-tested clients use). */
#define SALDO_UICC_TRANSPORT_MBIM_CHANNEL_GROUP 1

/* Over an MbimDevice its owner opened (with MBIM_DEVICE_OPEN_FLAGS_PROXY)
 * and will close. */
SaldoUiccTransport *saldo_uicc_transport_mbim_new (MbimDevice *device, guint8 slot);

/* Opens @port through mbim-proxy; the transport owns the device and
 * closes it in saldo_uicc_transport_mbim_close_async() or on dispose. */
void                saldo_uicc_transport_mbim_open_async (GFile              *port,
                                                          guint8              slot,
                                                          GCancellable       *cancellable,
                                                          GAsyncReadyCallback callback,
                                                          gpointer            user_data);
SaldoUiccTransport *saldo_uicc_transport_mbim_open_finish (GAsyncResult *res, GError **error);
void                saldo_uicc_transport_mbim_close_async (SaldoUiccTransportMbim *self,
                                                           GCancellable           *cancellable,
                                                           GAsyncReadyCallback     callback,
                                                           gpointer                user_data);
gboolean
saldo_uicc_transport_mbim_close_finish (SaldoUiccTransportMbim *self, GAsyncResult *res, GError **error);
MbimDevice *saldo_uicc_transport_mbim_get_device (SaldoUiccTransportMbim *self);

/* Requests. */
MbimMessage *saldo_uicc_transport_mbim_build_open_channel (GBytes *aid, GError **error);
MbimMessage *saldo_uicc_transport_mbim_build_apdu (guint8 channel, GBytes *apdu, GError **error);
MbimMessage *saldo_uicc_transport_mbim_build_close_channel (guint8 channel, GError **error);

/* Replies (COMMAND_DONE or FUNCTION_ERROR messages); errors are in
 * SALDO_UICC_TRANSPORT_ERROR.  parse_apdu returns data + SW1 SW2. */
gboolean
saldo_uicc_transport_mbim_parse_open_channel (MbimMessage *response, guint8 *out_channel, GError **error);
GBytes  *saldo_uicc_transport_mbim_parse_apdu (MbimMessage *response, GError **error);
gboolean saldo_uicc_transport_mbim_parse_close_channel (MbimMessage *response, GError **error);

/* The UICC Status field as SW1 << 8 | SW2.  Field-tested clients read SW1
 * from its lowest byte; firmware that puts SW1 in the second byte is
 * recognised when only that byte can be an SW1. */
guint16 saldo_uicc_transport_mbim_status_to_sw (guint32 status);

/* Maps libmbim and MBIM status errors to SALDO_UICC_TRANSPORT_ERROR. */
void saldo_uicc_transport_mbim_error_convert (GError **error);

G_END_DECLS
