/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * SaldoUiccTransport: the three operations an eUICC reader needs from a
 * modem, whatever protocol carries them (QMI UIM, MBIM MS UICC low-level
 * access): open a logical channel to an application, exchange one APDU on
 * it, close it.  APDU framing, GET RESPONSE chaining and ES10 decoding are
 * the caller's; a transport only moves bytes and classifies failures.
 *
 * Every error a transport returns is in SALDO_UICC_TRANSPORT_ERROR with the
 * modem's or library's text kept, except cancellation, which stays
 * G_IO_ERROR_CANCELLED.
 */

#define SALDO_UICC_TRANSPORT_ERROR (saldo_uicc_transport_error_quark ())

typedef enum {
  SALDO_UICC_TRANSPORT_ERROR_ACCESS_DENIED, /* modem refuses (e.g. the ISD-R channel) */
  SALDO_UICC_TRANSPORT_ERROR_NOT_SUPPORTED, /* operation or service not supported */
  SALDO_UICC_TRANSPORT_ERROR_INTERNAL,      /* modem or card internal failure, SELECT failed */
  SALDO_UICC_TRANSPORT_ERROR_NO_CHANNELS,   /* no free logical channel */
  SALDO_UICC_TRANSPORT_ERROR_NO_CARD,       /* no card, or card not ready */
  SALDO_UICC_TRANSPORT_ERROR_TRANSPORT,     /* port, proxy, timeout, closed */
  SALDO_UICC_TRANSPORT_ERROR_PROTOCOL,      /* malformed reply, any other modem error */
} SaldoUiccTransportError;

GQuark saldo_uicc_transport_error_quark (void);

#define SALDO_TYPE_UICC_TRANSPORT (saldo_uicc_transport_get_type ())
G_DECLARE_DERIVABLE_TYPE (SaldoUiccTransport, saldo_uicc_transport, SALDO, UICC_TRANSPORT, GObject)

/* The *_finish vfuncs default to propagating a GTask's int (the channel),
 * pointer (the R-APDU GBytes) and boolean. */
struct _SaldoUiccTransportClass {
  GObjectClass parent_class;

  void (*open_channel_async) (SaldoUiccTransport *self,
                              GBytes             *aid,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data);
  gboolean (*open_channel_finish) (SaldoUiccTransport *self,
                                   GAsyncResult       *res,
                                   guint8             *out_channel,
                                   GError            **error);
  void (*transmit_async) (SaldoUiccTransport *self,
                          guint8              channel,
                          GBytes             *apdu,
                          GCancellable       *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer            user_data);
  GBytes *(*transmit_finish) (SaldoUiccTransport *self, GAsyncResult *res, GError **error);
  void (*close_channel_async) (SaldoUiccTransport *self,
                               guint8              channel,
                               GCancellable       *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer            user_data);
  gboolean (*close_channel_finish) (SaldoUiccTransport *self, GAsyncResult *res, GError **error);
};

/* The slot the transport addresses, as its protocol numbers it (QMI: the
 * 1-based logical slot; MBIM: the slot mapped to the executor, whose
 * number only labels messages).  Construct-only property "slot". */
guint saldo_uicc_transport_get_slot (SaldoUiccTransport *self);

/* @aid: 1 to 16 bytes. */
void     saldo_uicc_transport_open_channel_async (SaldoUiccTransport *self,
                                                  GBytes             *aid,
                                                  GCancellable       *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer            user_data);
gboolean saldo_uicc_transport_open_channel_finish (SaldoUiccTransport *self,
                                                   GAsyncResult       *res,
                                                   guint8             *out_channel,
                                                   GError            **error);

/* The result is the R-APDU: response data followed by SW1 SW2.  A card
 * error status word is a successful exchange, not a GError. */
void    saldo_uicc_transport_transmit_async (SaldoUiccTransport *self,
                                             guint8              channel,
                                             GBytes             *apdu,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
GBytes *saldo_uicc_transport_transmit_finish (SaldoUiccTransport *self, GAsyncResult *res, GError **error);

void saldo_uicc_transport_close_channel_async (SaldoUiccTransport *self,
                                               guint8              channel,
                                               GCancellable       *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer            user_data);
gboolean
saldo_uicc_transport_close_channel_finish (SaldoUiccTransport *self, GAsyncResult *res, GError **error);

G_END_DECLS
