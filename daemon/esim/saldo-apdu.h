/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SALDO_APDU_ERROR (saldo_apdu_error_quark ())

typedef enum {
  SALDO_APDU_ERROR_FAILED,                    /* any status word not listed below */
  SALDO_APDU_ERROR_PROTOCOL,                  /* malformed R-APDU/C-APDU, response too long, loops */
  SALDO_APDU_ERROR_WARNING,                   /* 62xx / 63xx: processing ended with a warning */
  SALDO_APDU_ERROR_MEMORY,                    /* 6581 */
  SALDO_APDU_ERROR_WRONG_LENGTH,              /* 6700 */
  SALDO_APDU_ERROR_CHANNEL_NOT_SUPPORTED,     /* 6881 */
  SALDO_APDU_ERROR_SECURE_MESSAGING,          /* 6882 */
  SALDO_APDU_ERROR_SECURITY_STATUS,           /* 6982 */
  SALDO_APDU_ERROR_CONDITIONS_NOT_SATISFIED,  /* 6985 */
  SALDO_APDU_ERROR_COMMAND_NOT_ALLOWED,       /* 6986 and other 69xx */
  SALDO_APDU_ERROR_INCORRECT_DATA,            /* 6A80 */
  SALDO_APDU_ERROR_FUNCTION_NOT_SUPPORTED,    /* 6A81 */
  SALDO_APDU_ERROR_FILE_NOT_FOUND,            /* 6A82 */
  SALDO_APDU_ERROR_NOT_ENOUGH_MEMORY,         /* 6A84 */
  SALDO_APDU_ERROR_WRONG_P1P2,                /* 6A86, 6B00 */
  SALDO_APDU_ERROR_REFERENCED_DATA_NOT_FOUND, /* 6A88 */
  SALDO_APDU_ERROR_INS_NOT_SUPPORTED,         /* 6D00 */
  SALDO_APDU_ERROR_CLA_NOT_SUPPORTED,         /* 6E00 */
  SALDO_APDU_ERROR_TECHNICAL_PROBLEM,         /* 6F00, 6Fxx */
} SaldoApduError;

/* Logical channels reachable with the ISO 7816-4 first (0-3) and further
 * (4-19) interindustry CLA codings. */
#define SALDO_APDU_MAX_CHANNEL 19

/* Short APDUs carry at most 255 data bytes per STORE DATA block; P2 (the
 * block number) is one byte, hence the total limit. */
#define SALDO_APDU_STORE_DATA_BLOCK 255
#define SALDO_APDU_STORE_DATA_MAX   (SALDO_APDU_STORE_DATA_BLOCK * 256)

/* Largest response the accumulator assembles; SGP.22 responses we ask for
 * are a few KiB even with icons. */
#define SALDO_APDU_RESPONSE_MAX (64 * 1024)

typedef enum {
  SALDO_APDU_STEP_COMPLETE,     /* whole response available: saldo_apdu_response_steal_data() */
  SALDO_APDU_STEP_GET_RESPONSE, /* send saldo_apdu_get_response (channel, le) */
  SALDO_APDU_STEP_RESEND,       /* resend the last command with Le = le (saldo_apdu_with_le) */
  SALDO_APDU_STEP_ERROR,        /* error is set; the exchange is over */
} SaldoApduStep;

/* How a transport runs one ES10 command (blocks from
 * saldo_apdu_store_data_blocks): for each block, send it with a fresh
 * SaldoApduResponse and feed every R-APDU back in; on GET_RESPONSE send
 * saldo_apdu_get_response (channel, le), on RESEND send
 * saldo_apdu_with_le (last command, le), stop on ERROR. Blocks before the
 * last normally COMPLETE with no data; the last block's COMPLETE carries the
 * ES10 response for saldo-es10c. */
typedef struct _SaldoApduResponse SaldoApduResponse;

GQuark saldo_apdu_error_quark (void);

gboolean saldo_apdu_channel_is_valid (guint8 channel);
guint8   saldo_apdu_cla (guint8 class_bits, guint8 channel);

GPtrArray *saldo_apdu_store_data_blocks (guint8 channel, const guint8 *data, gsize len);
GBytes    *saldo_apdu_get_response (guint8 channel, guint8 le);
GBytes    *saldo_apdu_with_le (GBytes *command, guint8 le, GError **error);

const char *saldo_apdu_sw_describe (guint16 sw);
gboolean    saldo_apdu_sw_is_success (guint16 sw);
GError     *saldo_apdu_sw_to_error (guint16 sw);

SaldoApduResponse *saldo_apdu_response_new (guint8 channel);
void               saldo_apdu_response_free (SaldoApduResponse *self);
SaldoApduStep      saldo_apdu_response_feed (SaldoApduResponse *self,
                                             const guint8      *data,
                                             gsize              len,
                                             guint8             sw1,
                                             guint8             sw2,
                                             guint8            *le_out,
                                             GError           **error);
SaldoApduStep      saldo_apdu_response_feed_rapdu (SaldoApduResponse *self,
                                                   const guint8      *rapdu,
                                                   gsize              len,
                                                   guint8            *le_out,
                                                   GError           **error);
GBytes            *saldo_apdu_response_steal_data (SaldoApduResponse *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaldoApduResponse, saldo_apdu_response_free)

G_END_DECLS
