/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

#include "saldo-es10c.h"
#include "saldo-uicc-transport.h"

G_BEGIN_DECLS

/*
 * One read-only pass over an eUICC's ISD-R, on any SaldoUiccTransport:
 * open one logical channel, GetEID, GetProfilesInfo (without icons),
 * close the channel at once — on every error path too.  Nothing here
 * switches slots or touches profiles, and nothing retries: the caller
 * backs off according to saldo_euicc_error_is_permanent().
 */

#define SALDO_EUICC_ERROR (saldo_euicc_error_quark ())

typedef enum {
  SALDO_EUICC_ERROR_CHANNEL_REFUSED, /* modem refused the ISD-R channel (AccessDenied, NotSupported, Internal, SELECT failed, no channel free) */
  SALDO_EUICC_ERROR_NO_CARD,    /* no card, or not ready */
  SALDO_EUICC_ERROR_CARD_ERROR, /* the card answered an error status word or profileInfoListError */
  SALDO_EUICC_ERROR_MALFORMED,  /* the answer is not valid ES10c / R-APDU */
  SALDO_EUICC_ERROR_TRANSPORT,  /* port, proxy, timeout, modem protocol error */
} SaldoEuiccError;

GQuark saldo_euicc_error_quark (void);

/* TRUE when trying again soon will fail the same way (refused channel,
 * card or data errors): back off for long or until the slot changes.
 * FALSE for transient errors (transport, no card yet) and for errors of
 * other domains, cancellation included. */
gboolean saldo_euicc_error_is_permanent (const GError *error);

/* The ISD-R AID, GSMA SGP.02/SGP.22. */
#define SALDO_EUICC_ISDR_AID     "\xA0\x00\x00\x05\x59\x10\x10\xFF\xFF\xFF\xFF\x89\x00\x00\x01\x00"
#define SALDO_EUICC_ISDR_AID_LEN 16

typedef struct {
  char      *eid;             /* 32 digits */
  GPtrArray *profiles;        /* SaldoEuiccProfile, in card order */
  guint      apdu_count;      /* C-APDUs sent, GET RESPONSE and resends included */
  guint      channels_opened; /* 1 on success */
  guint      channels_closed; /* 1 unless closing failed */
  char *close_error; /* why closing failed, NULL normally: the data is good, the channel may have leaked */
} SaldoEuiccInfo;

void                     saldo_euicc_info_free (SaldoEuiccInfo *info);
const SaldoEuiccProfile *saldo_euicc_info_get_enabled_profile (const SaldoEuiccInfo *info);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaldoEuiccInfo, saldo_euicc_info_free)

/* Cancelling stops between APDUs; the channel is still closed (closing is
 * never cancelled) and the result is G_IO_ERROR_CANCELLED. */
void saldo_euicc_reader_read_async (SaldoUiccTransport *transport,
                                    GCancellable       *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data);
SaldoEuiccInfo *
saldo_euicc_reader_read_finish (SaldoUiccTransport *transport, GAsyncResult *res, GError **error);

G_END_DECLS
