/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SaldoEuiccReader and the SaldoUiccTransport implementations.
 *
 * - Without a device: error classification, eUICC slot detection, the MBIM
 *   transport's requests checked byte for byte and its reply parsing fed
 *   with recorded COMMAND_DONE messages written out per the Microsoft UICC
 *   low-level access layout, and the reader's error paths on a scripted
 *   transport (close failures, resends, cancellation).
 * - As root: full reads through the real qmi-proxy and mbim-proxy against
 *   tests/sim/simqmi.py and tests/sim/simmbim.py, simulated modems on ptys with the
 *   same ISD-R model, driven over their stdin/stdout line protocol.
 */
#include <unistd.h>

#include <glib/gstdio.h>

#include "saldo-euicc-reader.h"
#include "saldo-uicc-transport-mbim.h"
#include "saldo-uicc-transport-qmi.h"
#include "saldo-test-sim.h"

#define TEST_EID     "89049032123451234512345678901235"
#define ICCID_WORK   "8944100000000000017"
#define ICCID_TRAVEL "89012608822220000009"
#define ICCID_LAB    "8988247000000000019"

#define APDU_GET_EID      "81E2910006BF3E035C015A"
#define APDU_GET_PROFILES "81E291000DBF2D0A5C085A9F709091929395"
#define RAPDU_EID         "BF3E125A10" TEST_EID "9000"

/* ------------------------------------------------------------------------ */
/* Helpers */

static GBytes *
bytes_from_hex (const gchar *hex)
{
  gsize              len = strlen (hex);
  g_autofree guint8 *data = NULL;

  g_assert_cmpuint (len % 2, ==, 0);
  data = g_malloc (len / 2 + 1);
  for (gsize i = 0; i < len / 2; i++) {
    gint hi = g_ascii_xdigit_value (hex[2 * i]);
    gint lo = g_ascii_xdigit_value (hex[2 * i + 1]);

    g_assert_cmpint (hi, >=, 0);
    g_assert_cmpint (lo, >=, 0);
    data[i] = (guint8) (hi << 4 | lo);
  }
  return g_bytes_new_take (g_steal_pointer (&data), len / 2);
}

static gchar *
hex_from_data (const guint8 *data, gsize len)
{
  GString *hex = g_string_new (NULL);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (hex, "%02X", data[i]);
  return g_string_free (hex, FALSE);
}

static gchar *
hex_from_bytes (GBytes *bytes)
{
  gsize         len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  return hex_from_data (data, len);
}

static void
store_result (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (res);
}

static GAsyncResult *
wait_result (GAsyncResult **res)
{
  while (*res == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *res;
}

static SaldoEuiccInfo *
read_sync (SaldoUiccTransport *transport, GCancellable *cancellable, GError **error)
{
  g_autoptr(GAsyncResult) res = NULL;

  saldo_euicc_reader_read_async (transport, cancellable, store_result, &res);
  return saldo_euicc_reader_read_finish (transport, wait_result (&res), error);
}

/* ------------------------------------------------------------------------ */
/* Error classification */

typedef struct {
  SaldoEuiccError code;
  gboolean        permanent;
} PermanentCase;

static const PermanentCase permanent_cases[] = {
  { SALDO_EUICC_ERROR_CHANNEL_REFUSED, TRUE }, { SALDO_EUICC_ERROR_CARD_ERROR, TRUE },
  { SALDO_EUICC_ERROR_MALFORMED, TRUE },       { SALDO_EUICC_ERROR_NO_CARD, FALSE },
  { SALDO_EUICC_ERROR_TRANSPORT, FALSE },
};

static void
test_error_permanent (void)
{
  g_autoptr(GError) cancelled = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "x");
  g_autoptr(GError) foreign = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "x");

  for (guint i = 0; i < G_N_ELEMENTS (permanent_cases); i++) {
    g_autoptr(GError) error = g_error_new_literal (SALDO_EUICC_ERROR, permanent_cases[i].code, "x");

    g_assert_cmpint (saldo_euicc_error_is_permanent (error), ==, permanent_cases[i].permanent);
  }
  g_assert_false (saldo_euicc_error_is_permanent (cancelled));
  g_assert_false (saldo_euicc_error_is_permanent (foreign));
  g_assert_false (saldo_euicc_error_is_permanent (NULL));
}

/* ------------------------------------------------------------------------ */
/* eUICC detection from QMI slot status */

typedef struct {
  gboolean card_present;
  gboolean is_euicc;
  gboolean active;
  guint    logical_slot;
} SlotSpec;

typedef struct {
  const gchar *name;
  SlotSpec     slots[3];
  guint        n_slots;
  gint         expected; /* index into slots, -1 for none */
} FindCase;

static const FindCase find_cases[] = {
  { "single-active-euicc", { { TRUE, TRUE, TRUE, 1 } }, 1, 0 },
  { "euicc-in-second-slot", { { TRUE, FALSE, FALSE, 0 }, { TRUE, TRUE, TRUE, 1 } }, 2, 1 },
  { "inactive-euicc-is-not-taken", { { TRUE, FALSE, TRUE, 1 }, { TRUE, TRUE, FALSE, 0 } }, 2, -1 },
  { "plain-uicc", { { TRUE, FALSE, TRUE, 1 }, { FALSE, FALSE, FALSE, 0 } }, 2, -1 },
  { "euicc-without-card", { { FALSE, TRUE, TRUE, 1 } }, 1, -1 },
  { "active-without-logical-slot", { { TRUE, TRUE, TRUE, 0 } }, 1, -1 },
  { "no-slots", { { FALSE, FALSE, FALSE, 0 } }, 0, -1 },
};

static void
test_find_euicc (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (find_cases); i++) {
    const FindCase *t = &find_cases[i];
    g_autoptr(GPtrArray) slots = g_ptr_array_new_with_free_func ((GDestroyNotify) saldo_qmi_uim_slot_free);
    const SaldoQmiUimSlot *found;

    for (guint s = 0; s < t->n_slots; s++) {
      SaldoQmiUimSlot *slot = g_new0 (SaldoQmiUimSlot, 1);

      slot->physical_slot = s + 1;
      slot->card_present = t->slots[s].card_present;
      slot->is_euicc = t->slots[s].is_euicc;
      slot->active = t->slots[s].active;
      slot->logical_slot = t->slots[s].logical_slot;
      slot->eid = slot->is_euicc ? g_strdup (TEST_EID) : NULL;
      g_ptr_array_add (slots, slot);
    }
    found = saldo_uicc_transport_qmi_find_euicc (slots);
    g_test_message ("%s", t->name);
    if (t->expected < 0) {
      g_assert_null (found);
    } else {
      g_assert_true (found == g_ptr_array_index (slots, t->expected));
      g_assert_cmpstr (found->eid, ==, TEST_EID);
    }
  }
}

/* ------------------------------------------------------------------------ */
/* MBIM requests and recorded replies */

#define UUID_UICC_HEX          "C2F6588EF0374BC98665F4D44BD09367"
#define UUID_BASIC_CONNECT_HEX "A289CC33BCBB8B4FB6B0133EC2AAE6DF"

typedef struct {
  const gchar *name;
  guint32      cid;
  const gchar *info; /* expected information buffer */
} RequestCase;

static const RequestCase request_cases[] = {
  /* AppId (size 16, offset 16), SelectP2Arg 0, ChannelGroup 1, AID */
  { "open-channel", 2,
    "10000000"
    "10000000"
    "00000000"
    "01000000"
    "A0000005591010FFFFFFFF8900000100" },
  /* Channel 1, no secure messaging, interindustry CLA, Command (11 bytes at 20), padded to 4 */
  { "apdu", 4,
    "01000000"
    "00000000"
    "00000000"
    "0B000000"
    "14000000" APDU_GET_EID "00" },
  /* Channel 1, ChannelGroup 1 */
  { "close-channel", 3,
    "01000000"
    "01000000" },
};

static void
test_mbim_requests (void)
{
  g_autoptr(GBytes) aid = g_bytes_new_static (SALDO_EUICC_ISDR_AID, SALDO_EUICC_ISDR_AID_LEN);
  g_autoptr(GBytes) apdu = bytes_from_hex (APDU_GET_EID);
  g_autoptr(GBytes) short_apdu = bytes_from_hex ("81E291");
  g_autoptr(GBytes) long_aid = bytes_from_hex ("A0000005591010FFFFFFFF890000010000");
  g_autoptr(GError) error = NULL;
  MbimMessage *built[3];
  MbimMessage *bad;

  built[0] = saldo_uicc_transport_mbim_build_open_channel (aid, &error);
  g_assert_no_error (error);
  built[1] = saldo_uicc_transport_mbim_build_apdu (1, apdu, &error);
  g_assert_no_error (error);
  built[2] = saldo_uicc_transport_mbim_build_close_channel (1, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (request_cases); i++) {
    const RequestCase *t = &request_cases[i];
    g_autoptr(MbimMessage) message = built[i];
    g_autofree gchar *info_hex = NULL;
    const guint8     *info;
    guint32           info_len = 0;

    g_test_message ("%s", t->name);
    g_assert_cmpint (mbim_message_get_message_type (message), ==, MBIM_MESSAGE_TYPE_COMMAND);
    g_assert_cmpint (mbim_message_command_get_service (message), ==, MBIM_SERVICE_MS_UICC_LOW_LEVEL_ACCESS);
    g_assert_cmpuint (mbim_message_command_get_cid (message), ==, t->cid);
    g_assert_cmpint (mbim_message_command_get_command_type (message), ==, MBIM_MESSAGE_COMMAND_TYPE_SET);
    info = mbim_message_command_get_raw_information_buffer (message, &info_len);
    info_hex = hex_from_data (info, info_len);
    g_assert_cmpstr (info_hex, ==, t->info);
  }

  bad = saldo_uicc_transport_mbim_build_apdu (1, short_apdu, &error);
  g_assert_null (bad);
  g_assert_error (error, SALDO_UICC_TRANSPORT_ERROR, SALDO_UICC_TRANSPORT_ERROR_PROTOCOL);
  g_clear_error (&error);
  bad = saldo_uicc_transport_mbim_build_open_channel (long_aid, &error);
  g_assert_null (bad);
  g_assert_error (error, SALDO_UICC_TRANSPORT_ERROR, SALDO_UICC_TRANSPORT_ERROR_PROTOCOL);
}

static guint32
hex_u32 (guint32 value, GString *out)
{
  g_string_append_printf (out, "%02X%02X%02X%02X", value & 0xFF, (value >> 8) & 0xFF, (value >> 16) & 0xFF,
                          value >> 24);
  return value;
}

/* A COMMAND_DONE as a modem sends it: header, one fragment, service UUID,
 * CID, status, information buffer. */
static MbimMessage *
command_done_new (const gchar *uuid_hex, guint32 cid, guint32 status, const gchar *info_hex)
{
  g_autoptr(GString) hex = g_string_new (NULL);
  g_autoptr(GBytes) raw = NULL;
  gsize         info_len = strlen (info_hex) / 2;
  gsize         len = 0;
  const guint8 *data;

  hex_u32 (0x80000003, hex);
  hex_u32 ((guint32) (48 + info_len), hex);
  hex_u32 (7, hex);
  hex_u32 (1, hex);
  hex_u32 (0, hex);
  g_string_append (hex, uuid_hex);
  hex_u32 (cid, hex);
  hex_u32 (status, hex);
  hex_u32 ((guint32) info_len, hex);
  g_string_append (hex, info_hex);
  raw = bytes_from_hex (hex->str);
  data = g_bytes_get_data (raw, &len);
  return mbim_message_new (data, (guint32) len);
}

typedef enum {
  PARSE_OPEN,
  PARSE_APDU,
  PARSE_CLOSE,
} ParseKind;

typedef struct {
  const gchar *name;
  ParseKind    kind;
  const gchar *uuid;
  guint32      cid;
  guint32      status;
  const gchar *info;
  const gchar *expected; /* channel number or R-APDU hex; NULL on error */
  gint         code;     /* SaldoUiccTransportError when expected is NULL */
  const gchar *message_part;
} ParseCase;

static const ParseCase parse_cases[] = {
  { "open-ok", PARSE_OPEN, UUID_UICC_HEX, 2, 0,
    "90000000"
    "01000000"
    "00000000"
    "00000000",
    "1", 0, NULL },
  { "open-ok-61xx", PARSE_OPEN, UUID_UICC_HEX, 2, 0,
    "611A0000"
    "02000000"
    "00000000"
    "00000000",
    "2", 0, NULL },
  { "open-ok-sw-high-byte", PARSE_OPEN, UUID_UICC_HEX, 2, 0,
    "00900000"
    "03000000"
    "00000000"
    "00000000",
    "3", 0, NULL },
  { "open-select-failed", PARSE_OPEN, UUID_UICC_HEX, 2, 0x87430002,
    "6A820000"
    "00000000"
    "00000000"
    "00000000",
    NULL, SALDO_UICC_TRANSPORT_ERROR_INTERNAL, "card status 6A82: MsSelectFailed" },
  { "open-sw-error", PARSE_OPEN, UUID_UICC_HEX, 2, 0,
    "6A820000"
    "00000000"
    "00000000"
    "00000000",
    NULL, SALDO_UICC_TRANSPORT_ERROR_INTERNAL, "card status 6A82" },
  { "open-not-allowed", PARSE_OPEN, UUID_UICC_HEX, 2, 28, "", NULL, SALDO_UICC_TRANSPORT_ERROR_ACCESS_DENIED,
    "OperationNotAllowed" },
  { "open-no-device-support", PARSE_OPEN, UUID_UICC_HEX, 2, 9, "", NULL,
    SALDO_UICC_TRANSPORT_ERROR_NOT_SUPPORTED, "NoDeviceSupport" },
  { "open-failure", PARSE_OPEN, UUID_UICC_HEX, 2, 2, "", NULL, SALDO_UICC_TRANSPORT_ERROR_INTERNAL,
    "Failure" },
  { "open-no-channels", PARSE_OPEN, UUID_UICC_HEX, 2, 0x87430001, "", NULL,
    SALDO_UICC_TRANSPORT_ERROR_NO_CHANNELS, "MsNoLogicalChannels" },
  { "open-sim-not-inserted", PARSE_OPEN, UUID_UICC_HEX, 2, 3, "", NULL, SALDO_UICC_TRANSPORT_ERROR_NO_CARD,
    "SimNotInserted" },
  { "open-busy", PARSE_OPEN, UUID_UICC_HEX, 2, 1, "", NULL, SALDO_UICC_TRANSPORT_ERROR_TRANSPORT, "Busy" },
  { "open-channel-zero", PARSE_OPEN, UUID_UICC_HEX, 2, 0,
    "90000000"
    "00000000"
    "00000000"
    "00000000",
    NULL, SALDO_UICC_TRANSPORT_ERROR_PROTOCOL, "channel 0" },
  { "open-truncated", PARSE_OPEN, UUID_UICC_HEX, 2, 0, "90000000", NULL, SALDO_UICC_TRANSPORT_ERROR_PROTOCOL,
    "malformed" },
  { "open-wrong-cid", PARSE_OPEN, UUID_UICC_HEX, 4, 0,
    "90000000"
    "00000000"
    "00000000",
    NULL, SALDO_UICC_TRANSPORT_ERROR_PROTOCOL, "command 4" },
  { "open-wrong-service", PARSE_OPEN, UUID_BASIC_CONNECT_HEX, 2, 0,
    "90000000"
    "01000000"
    "00000000"
    "00000000",
    NULL, SALDO_UICC_TRANSPORT_ERROR_PROTOCOL, "basic-connect" },
  /* Status, Response (21 bytes at offset 12), data padded to 4 */
  { "apdu-data", PARSE_APDU, UUID_UICC_HEX, 4, 0,
    "90000000"
    "15000000"
    "0C000000"
    "BF3E125A10" TEST_EID "000000",
    RAPDU_EID, 0, NULL },
  { "apdu-61xx", PARSE_APDU, UUID_UICC_HEX, 4, 0,
    "61100000"
    "00000000"
    "00000000",
    "6110", 0, NULL },
  { "apdu-card-error-is-data", PARSE_APDU, UUID_UICC_HEX, 4, 0,
    "69850000"
    "00000000"
    "00000000",
    "6985", 0, NULL },
  { "apdu-sw-high-byte", PARSE_APDU, UUID_UICC_HEX, 4, 0,
    "00900000"
    "00000000"
    "00000000",
    "9000", 0, NULL },
  { "apdu-invalid-channel", PARSE_APDU, UUID_UICC_HEX, 4, 0x87430003, "", NULL,
    SALDO_UICC_TRANSPORT_ERROR_PROTOCOL, "MsInvalidLogicalChannel" },
  { "apdu-out-of-bounds", PARSE_APDU, UUID_UICC_HEX, 4, 0,
    "90000000"
    "40000000"
    "0C000000"
    "BF3E",
    NULL, SALDO_UICC_TRANSPORT_ERROR_PROTOCOL, "malformed" },
  { "close-ok", PARSE_CLOSE, UUID_UICC_HEX, 3, 0, "90000000", "", 0, NULL },
  { "close-invalid-channel", PARSE_CLOSE, UUID_UICC_HEX, 3, 0x87430003, "", NULL,
    SALDO_UICC_TRANSPORT_ERROR_PROTOCOL, "MsInvalidLogicalChannel" },
};

static void
test_mbim_replies (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (parse_cases); i++) {
    const ParseCase *t = &parse_cases[i];
    g_autoptr(MbimMessage) response = command_done_new (t->uuid, t->cid, t->status, t->info);
    g_autoptr(GError) error = NULL;
    g_autofree gchar *got = NULL;
    g_autoptr(GBytes) rapdu = NULL;
    guint8 channel = 0;

    g_test_message ("%s", t->name);
    switch (t->kind) {
    case PARSE_OPEN:
      if (saldo_uicc_transport_mbim_parse_open_channel (response, &channel, &error))
        got = g_strdup_printf ("%u", channel);
      break;
    case PARSE_APDU:
      rapdu = saldo_uicc_transport_mbim_parse_apdu (response, &error);
      if (rapdu != NULL)
        got = hex_from_bytes (rapdu);
      break;
    case PARSE_CLOSE:
    default:
      if (saldo_uicc_transport_mbim_parse_close_channel (response, &error))
        got = g_strdup ("");
      break;
    }
    if (t->expected != NULL) {
      g_assert_no_error (error);
      g_assert_cmpstr (got, ==, t->expected);
    } else {
      g_assert_null (got);
      g_assert_error (error, SALDO_UICC_TRANSPORT_ERROR, t->code);
      g_test_message ("  %s", error->message);
      g_assert_nonnull (strstr (error->message, t->message_part));
    }
  }
}

static void
test_mbim_function_error (void)
{
  /* FUNCTION_ERROR, transaction 7, NotOpened */
  g_autoptr(GBytes) raw = bytes_from_hex ("04000080"
                                           "10000000"
                                           "07000000"
                                           "05000000");
  g_autoptr(MbimMessage) response = NULL;
  g_autoptr(GError) error = NULL;
  gsize         len = 0;
  const guint8 *data = g_bytes_get_data (raw, &len);
  guint8        channel = 0;

  response = mbim_message_new (data, (guint32) len);
  g_assert_false (saldo_uicc_transport_mbim_parse_open_channel (response, &channel, &error));
  g_assert_error (error, SALDO_UICC_TRANSPORT_ERROR, SALDO_UICC_TRANSPORT_ERROR_TRANSPORT);
  g_test_message ("%s", error->message);
}

typedef struct {
  guint32 status;
  guint16 sw;
} SwCase;

static const SwCase sw_cases[] = {
  { 0x00000090, 0x9000 }, { 0x00009000, 0x9000 }, { 0x0000826A, 0x6A82 }, { 0x00006A82, 0x6A82 },
  { 0x00001061, 0x6110 }, { 0x00000091, 0x9100 }, { 0x00000000, 0x0000 },
};

static void
test_mbim_status_to_sw (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (sw_cases); i++)
    g_assert_cmphex (saldo_uicc_transport_mbim_status_to_sw (sw_cases[i].status), ==, sw_cases[i].sw);
}

/* ------------------------------------------------------------------------ */
/* Reader error paths on a scripted transport */

typedef struct {
  const gchar *capdu;
  const gchar *rapdu;
} Exchange;

#define TEST_TYPE_SCRIPT_TRANSPORT (test_script_transport_get_type ())
G_DECLARE_FINAL_TYPE (TestScriptTransport, test_script_transport, TEST, SCRIPT_TRANSPORT, SaldoUiccTransport)

struct _TestScriptTransport {
  SaldoUiccTransport parent_instance;
  const Exchange    *script;
  guint              n_script;
  guint              next;
  gboolean           fail_close;
  GCancellable      *cancel_on_first; /* cancelled while the first APDU is in flight */
  guint              opened;
  guint              closed;
};

G_DEFINE_TYPE (TestScriptTransport, test_script_transport, SALDO_TYPE_UICC_TRANSPORT)

static void
script_open_channel_async (SaldoUiccTransport *transport,
                           GBytes             *aid,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  TestScriptTransport *self = TEST_SCRIPT_TRANSPORT (transport);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autofree gchar *aid_hex = hex_from_bytes (aid);

  g_assert_cmpstr (aid_hex, ==, "A0000005591010FFFFFFFF8900000100");
  self->opened++;
  g_task_return_int (task, 1);
}

static gboolean
script_open_channel_finish (SaldoUiccTransport *transport,
                            GAsyncResult       *res,
                            guint8             *out_channel,
                            GError            **error)
{
  gssize channel = g_task_propagate_int (G_TASK (res), error);

  *out_channel = (guint8) channel;
  return channel >= 0;
}

static void
script_transmit_async (SaldoUiccTransport *transport,
                       guint8              channel,
                       GBytes             *apdu,
                       GCancellable       *cancellable,
                       GAsyncReadyCallback callback,
                       gpointer            user_data)
{
  TestScriptTransport *self = TEST_SCRIPT_TRANSPORT (transport);
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);
  g_autofree gchar *capdu = hex_from_bytes (apdu);

  g_assert_cmpuint (channel, ==, 1);
  g_assert_cmpuint (self->next, <, self->n_script);
  g_assert_cmpstr (capdu, ==, self->script[self->next].capdu);
  if (self->next == 0 && self->cancel_on_first != NULL)
    g_cancellable_cancel (self->cancel_on_first);
  g_task_return_pointer (task, bytes_from_hex (self->script[self->next].rapdu),
                         (GDestroyNotify) g_bytes_unref);
  self->next++;
}

static GBytes *
script_transmit_finish (SaldoUiccTransport *transport, GAsyncResult *res, GError **error)
{
  return g_task_propagate_pointer (G_TASK (res), error);
}

static void
script_close_channel_async (SaldoUiccTransport *transport,
                            guint8              channel,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  TestScriptTransport *self = TEST_SCRIPT_TRANSPORT (transport);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_assert_cmpuint (channel, ==, 1);
  g_assert_null (cancellable);
  if (self->fail_close) {
    g_task_return_new_error (task, SALDO_UICC_TRANSPORT_ERROR, SALDO_UICC_TRANSPORT_ERROR_TRANSPORT,
                             "modem went away");
    return;
  }
  self->closed++;
  g_task_return_boolean (task, TRUE);
}

static gboolean
script_close_channel_finish (SaldoUiccTransport *transport, GAsyncResult *res, GError **error)
{
  return g_task_propagate_boolean (G_TASK (res), error);
}

static void
test_script_transport_class_init (TestScriptTransportClass *klass)
{
  SaldoUiccTransportClass *transport_class = SALDO_UICC_TRANSPORT_CLASS (klass);

  transport_class->open_channel_async = script_open_channel_async;
  transport_class->open_channel_finish = script_open_channel_finish;
  transport_class->transmit_async = script_transmit_async;
  transport_class->transmit_finish = script_transmit_finish;
  transport_class->close_channel_async = script_close_channel_async;
  transport_class->close_channel_finish = script_close_channel_finish;
}

static void
test_script_transport_init (TestScriptTransport *self)
{
}

#define RAPDU_ONE_PROFILE                                \
  "BF2D17A015E3135A0A984401000000000010F79F700101950102" \
  "9000"

static const Exchange script_ok[] = {
  { APDU_GET_EID, RAPDU_EID },
  { APDU_GET_PROFILES, RAPDU_ONE_PROFILE },
};

/* 6Cxx: the card wants the command again with Le set */
static const Exchange script_resend[] = {
  { APDU_GET_EID, "6C15" },
  { APDU_GET_EID "15", RAPDU_EID },
  { APDU_GET_PROFILES, "BF2D17A015E3135A0A98440100"
                       "6110" },
  { "01C0000010", "0000000010F79F700101950102"
                  "9000" },
};

static const Exchange script_sw_error[] = {
  { APDU_GET_EID, "6A88" },
};

static const Exchange script_bad_eid[] = {
  { APDU_GET_EID, "BF3E035A0112"
                  "9000" },
};

static const Exchange script_list_error[] = {
  { APDU_GET_EID, RAPDU_EID },
  { APDU_GET_PROFILES, "BF2D03810101"
                       "9000" },
};

static const Exchange script_not_ber[] = {
  { APDU_GET_EID, RAPDU_EID },
  { APDU_GET_PROFILES, "BF2D7F"
                       "9000" },
};

typedef struct {
  const gchar    *name;
  const Exchange *script;
  guint           n_script;
  gboolean        fail_close;
  gboolean        cancel;
  gint            code; /* -1: success */
  const gchar    *message_part;
  guint           apdu_count;
} ScriptCase;

static const ScriptCase script_cases[] = {
  { "ok", script_ok, G_N_ELEMENTS (script_ok), FALSE, FALSE, -1, NULL, 2 },
  { "ok-close-fails", script_ok, G_N_ELEMENTS (script_ok), TRUE, FALSE, -1, NULL, 2 },
  { "resend-and-chain", script_resend, G_N_ELEMENTS (script_resend), FALSE, FALSE, -1, NULL, 4 },
  { "sw-error", script_sw_error, G_N_ELEMENTS (script_sw_error), FALSE, FALSE, SALDO_EUICC_ERROR_CARD_ERROR,
    "GetEID (slot 1): Referenced data not found (SW 6A88)", 0 },
  { "sw-error-close-fails", script_sw_error, G_N_ELEMENTS (script_sw_error), TRUE, FALSE,
    SALDO_EUICC_ERROR_CARD_ERROR, "(SW 6A88) (closing channel 1 also failed: modem went away)", 0 },
  { "bad-eid", script_bad_eid, G_N_ELEMENTS (script_bad_eid), FALSE, FALSE, SALDO_EUICC_ERROR_MALFORMED,
    "GetEID", 0 },
  { "profile-list-error", script_list_error, G_N_ELEMENTS (script_list_error), FALSE, FALSE,
    SALDO_EUICC_ERROR_CARD_ERROR, "GetProfilesInfo", 0 },
  { "not-ber", script_not_ber, G_N_ELEMENTS (script_not_ber), FALSE, FALSE, SALDO_EUICC_ERROR_MALFORMED,
    "GetProfilesInfo", 0 },
  { "cancelled-mid-read", script_ok, 1, FALSE, TRUE, -2, NULL, 0 },
};

static void
test_script (gconstpointer user_data)
{
  const ScriptCase *t = user_data;
  g_autoptr(TestScriptTransport) transport = g_object_new (TEST_TYPE_SCRIPT_TRANSPORT, "slot", 1, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(SaldoEuiccInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  transport->script = t->script;
  transport->n_script = t->n_script;
  transport->fail_close = t->fail_close;
  if (t->cancel)
    transport->cancel_on_first = cancellable;

  if (t->fail_close)
    g_test_expect_message ("SaldoEuicc", G_LOG_LEVEL_WARNING, "*may have leaked: modem went away");
  info = read_sync (SALDO_UICC_TRANSPORT (transport), cancellable, &error);
  g_test_assert_expected_messages ();

  /* Whatever happened, exactly one channel was opened and the reader tried
   * to close it right away */
  g_assert_cmpuint (transport->opened, ==, 1);
  g_assert_cmpuint (transport->closed, ==, t->fail_close ? 0 : 1);
  g_assert_cmpuint (transport->next, ==, t->n_script);

  if (t->code == -1) {
    g_assert_no_error (error);
    g_assert_cmpstr (info->eid, ==, TEST_EID);
    g_assert_cmpuint (info->profiles->len, ==, 1);
    g_assert_cmpstr (((SaldoEuiccProfile *) g_ptr_array_index (info->profiles, 0))->iccid, ==, ICCID_WORK);
    g_assert_cmpuint (info->apdu_count, ==, t->apdu_count);
    g_assert_cmpuint (info->channels_opened, ==, 1);
    g_assert_cmpuint (info->channels_closed, ==, t->fail_close ? 0 : 1);
    if (t->fail_close)
      g_assert_cmpstr (info->close_error, ==, "modem went away");
    else
      g_assert_null (info->close_error);
  } else if (t->code == -2) {
    g_assert_null (info);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  } else {
    g_assert_null (info);
    g_assert_error (error, SALDO_EUICC_ERROR, t->code);
    g_test_message ("%s", error->message);
    g_assert_nonnull (strstr (error->message, t->message_part));
  }
}

static void
test_cancelled_before (void)
{
  g_autoptr(TestScriptTransport) transport = g_object_new (TEST_TYPE_SCRIPT_TRANSPORT, "slot", 1, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(SaldoEuiccInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (cancellable);
  info = read_sync (SALDO_UICC_TRANSPORT (transport), cancellable, &error);
  g_assert_null (info);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (transport->opened, ==, 0);
}

/* ------------------------------------------------------------------------ */
/* Through the real proxies to simulated modems */

typedef enum {
  BACKEND_QMI,
  BACKEND_MBIM,
} Backend;

static const gchar *backend_names[] = { "qmi", "mbim" };

#define THREE_PROFILES                                                                                      \
  "[{\"iccid\":\"" ICCID_WORK "\",\"state\":\"enabled\",\"nickname\":\"Work\",\"spn\":\"Operator A\","      \
  "\"name\":\"Operator A Business\",\"class\":\"operational\"},"                                            \
  "{\"iccid\":\"" ICCID_TRAVEL "\",\"state\":\"disabled\",\"nickname\":\"Travel\",\"spn\":\"Roam Mobile\"," \
  "\"name\":\"Roam Global 5GB\",\"class\":\"operational\"},"                                                \
  "{\"iccid\":\"" ICCID_LAB "\",\"state\":\"disabled\",\"spn\":\"Test Lab\","                               \
  "\"name\":\"Conformance\",\"class\":\"test\"}]"

typedef struct {
  Backend             backend;
  SaldoTestSim        sim;
  SaldoQmiUim        *uim;
  SaldoUiccTransport *transport;
} Fixture;

static void
fixture_set_up (Fixture *fx, gconstpointer user_data)
{
  Backend backend = GPOINTER_TO_UINT (user_data) & 0xFF;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) port = NULL;
  g_autoptr(GAsyncResult) res = NULL;
  const char *args[] = { "--chunk", "64", "--profiles", THREE_PROFILES, NULL };

  fx->backend = backend;
  saldo_test_sim_start (&fx->sim, backend == BACKEND_QMI ? "simqmi.py" : "simmbim.py", args);
  port = g_file_new_for_path (fx->sim.port_path);
  if (backend == BACKEND_QMI) {
    g_autoptr(GAsyncResult) slots_res = NULL;
    g_autoptr(GPtrArray) slots = NULL;
    const SaldoQmiUimSlot *euicc;

    saldo_qmi_uim_new_async (port, NULL, store_result, &res);
    fx->uim = saldo_qmi_uim_new_finish (wait_result (&res), &error);
    g_assert_no_error (error);
    /* Detection the way the daemon does it: the active eUICC slot */
    saldo_qmi_uim_get_slot_status_async (fx->uim, NULL, store_result, &slots_res);
    slots = saldo_qmi_uim_get_slot_status_finish (fx->uim, wait_result (&slots_res), &error);
    g_assert_no_error (error);
    euicc = saldo_uicc_transport_qmi_find_euicc (slots);
    g_assert_nonnull (euicc);
    g_assert_cmpstr (euicc->eid, ==, TEST_EID);
    fx->transport = saldo_uicc_transport_qmi_new (fx->uim, (guint8) euicc->logical_slot);
  } else {
    saldo_uicc_transport_mbim_open_async (port, 0, NULL, store_result, &res);
    fx->transport = saldo_uicc_transport_mbim_open_finish (wait_result (&res), &error);
    g_assert_no_error (error);
  }
  g_assert_nonnull (fx->transport);
}

static void
fixture_tear_down (Fixture *fx, gconstpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) res = NULL;

  if (fx->backend == BACKEND_MBIM) {
    saldo_uicc_transport_mbim_close_async (SALDO_UICC_TRANSPORT_MBIM (fx->transport), NULL, store_result,
                                           &res);
    g_assert_true (saldo_uicc_transport_mbim_close_finish (SALDO_UICC_TRANSPORT_MBIM (fx->transport),
                                                           wait_result (&res), &error));
    g_assert_no_error (error);
  } else {
    saldo_qmi_uim_close_async (fx->uim, NULL, store_result, &res);
    g_assert_true (saldo_qmi_uim_close_finish (fx->uim, wait_result (&res), &error));
    g_assert_no_error (error);
  }
  g_clear_object (&fx->transport);
  g_clear_object (&fx->uim);

  saldo_test_sim_stop (&fx->sim);
}

static void
assert_channels_balanced (Fixture *fx, guint opened)
{
  g_assert_cmpuint (saldo_test_sim_counter (&fx->sim, "channels_opened"), ==, opened);
  g_assert_cmpuint (saldo_test_sim_counter (&fx->sim, "channels_closed"), ==, opened);
  g_assert_cmpuint (saldo_test_sim_counter (&fx->sim, "channels_open"), ==, 0);
  g_assert_cmpuint (saldo_test_sim_counter (&fx->sim, "channels_reclaimed"), ==, 0);
}

typedef struct {
  const gchar      *iccid;
  gboolean          enabled;
  const gchar      *nickname;
  const gchar      *service_provider;
  const gchar      *profile_name;
  SaldoProfileClass profile_class;
} ExpectedProfile;

static const ExpectedProfile expected_profiles[] = {
  { ICCID_WORK, TRUE, "Work", "Operator A", "Operator A Business", SALDO_PROFILE_CLASS_OPERATIONAL },
  { ICCID_TRAVEL, FALSE, "Travel", "Roam Mobile", "Roam Global 5GB", SALDO_PROFILE_CLASS_OPERATIONAL },
  { ICCID_LAB, FALSE, NULL, "Test Lab", "Conformance", SALDO_PROFILE_CLASS_TEST },
};

static void
test_full_read (Fixture *fx, gconstpointer user_data)
{
  gboolean chunked = (GPOINTER_TO_UINT (user_data) >> 8) != 0;
  g_autoptr(SaldoEuiccInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  guint get_responses;

  if (!chunked)
    saldo_test_sim_command_ok (&fx->sim, "chunk 255");
  info = read_sync (fx->transport, NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpstr (info->eid, ==, TEST_EID);
  g_assert_cmpuint (info->profiles->len, ==, G_N_ELEMENTS (expected_profiles));
  for (guint i = 0; i < G_N_ELEMENTS (expected_profiles); i++) {
    const ExpectedProfile   *e = &expected_profiles[i];
    const SaldoEuiccProfile *p = g_ptr_array_index (info->profiles, i);

    g_assert_cmpstr (p->iccid, ==, e->iccid);
    g_assert_true (p->has_state);
    g_assert_cmpint (p->state, ==, e->enabled ? SALDO_PROFILE_STATE_ENABLED : SALDO_PROFILE_STATE_DISABLED);
    g_assert_cmpstr (p->nickname, ==, e->nickname);
    g_assert_cmpstr (p->service_provider, ==, e->service_provider);
    g_assert_cmpstr (p->profile_name, ==, e->profile_name);
    g_assert_true (p->has_class);
    g_assert_cmpint (p->profile_class, ==, e->profile_class);
    g_assert_null (p->isdp_aid); /* not in the tag list */
  }
  g_assert_cmpstr (saldo_euicc_info_get_enabled_profile (info)->iccid, ==, ICCID_WORK);

  /* One channel, opened and closed; every APDU the card saw was counted */
  g_assert_cmpuint (info->channels_opened, ==, 1);
  g_assert_cmpuint (info->channels_closed, ==, 1);
  g_assert_null (info->close_error);
  assert_channels_balanced (fx, 1);
  get_responses = saldo_test_sim_counter (&fx->sim, "apdu_get_response");
  g_assert_cmpuint (saldo_test_sim_counter (&fx->sim, "apdu_total"), ==, info->apdu_count);
  g_assert_cmpuint (saldo_test_sim_counter (&fx->sim, "apdu_store_data"), ==, 2);
  g_assert_cmpuint (saldo_test_sim_counter (&fx->sim, "es10_get_eid"), ==, 1);
  g_assert_cmpuint (saldo_test_sim_counter (&fx->sim, "es10_get_profiles_info"), ==, 1);
  g_assert_cmpuint (info->apdu_count, ==, 2 + get_responses);
  if (chunked)
    g_assert_cmpuint (get_responses, >, 0);
  else
    g_assert_cmpuint (get_responses, ==, 0);
  g_test_message ("%s, %s: %u APDUs (%u GET RESPONSE)", backend_names[fx->backend],
                  chunked ? "64-byte chunks" : "no chunking", info->apdu_count, get_responses);
}

typedef struct {
  const gchar *refusal;
  const gchar *qmi_text;
  const gchar *mbim_text;
} RefusalCase;

static const RefusalCase refusal_cases[] = {
  { "access-denied", "AccessDenied", "OperationNotAllowed" },
  { "not-supported", "NotSupported", "NoDeviceSupport" },
  { "internal", "Internal", "Failure" },
};

static void
test_refused (Fixture *fx, gconstpointer user_data)
{
  const RefusalCase *t = &refusal_cases[GPOINTER_TO_UINT (user_data) >> 8];
  g_autofree gchar  *command = g_strdup_printf ("refuse-channel %s", t->refusal);
  g_autoptr(SaldoEuiccInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  saldo_test_sim_command_ok (&fx->sim, command);
  info = read_sync (fx->transport, NULL, &error);
  g_assert_null (info);
  g_assert_error (error, SALDO_EUICC_ERROR, SALDO_EUICC_ERROR_CHANNEL_REFUSED);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "Opening the ISD-R channel (slot "));
  g_assert_nonnull (strstr (error->message, fx->backend == BACKEND_QMI ? t->qmi_text : t->mbim_text));
  g_assert_true (saldo_euicc_error_is_permanent (error));
  g_assert_cmpuint (saldo_test_sim_counter (&fx->sim, "channels_refused"), ==, 1);
  assert_channels_balanced (fx, 0);
  g_assert_cmpuint (saldo_test_sim_counter (&fx->sim, "apdu_total"), ==, 0);
}

static const gchar *sw_errors[] = { "6A82", "6985" };

static void
test_sw_error (Fixture *fx, gconstpointer user_data)
{
  const gchar      *sw = sw_errors[GPOINTER_TO_UINT (user_data) >> 8];
  g_autofree gchar *command = g_strdup_printf ("sw-error %s", sw);
  g_autofree gchar *sw_text = g_strdup_printf ("(SW %s)", sw);
  g_autoptr(SaldoEuiccInfo) info = NULL;
  g_autoptr(SaldoEuiccInfo) again = NULL;
  g_autoptr(GError) error = NULL;

  saldo_test_sim_command_ok (&fx->sim, command);
  info = read_sync (fx->transport, NULL, &error);
  g_assert_null (info);
  g_assert_error (error, SALDO_EUICC_ERROR, SALDO_EUICC_ERROR_CARD_ERROR);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "GetEID (slot "));
  g_assert_nonnull (strstr (error->message, sw_text));
  g_assert_true (saldo_euicc_error_is_permanent (error));
  assert_channels_balanced (fx, 1);
  g_assert_cmpuint (saldo_test_sim_counter (&fx->sim, "apdu_sw_error"), ==, 1);
  g_assert_cmpuint (saldo_test_sim_counter (&fx->sim, "apdu_total"), ==, 1);

  /* Nothing was left behind: the next read starts clean */
  g_clear_error (&error);
  again = read_sync (fx->transport, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->profiles->len, ==, 3);
  assert_channels_balanced (fx, 2);
}

static void
test_profile_switch (Fixture *fx, gconstpointer user_data)
{
  g_autoptr(SaldoEuiccInfo) before = NULL;
  g_autoptr(SaldoEuiccInfo) after = NULL;
  g_autoptr(GError) error = NULL;

  before = read_sync (fx->transport, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (saldo_euicc_info_get_enabled_profile (before)->iccid, ==, ICCID_WORK);

  saldo_test_sim_command_ok (&fx->sim, "switch-profile " ICCID_TRAVEL);

  after = read_sync (fx->transport, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (saldo_euicc_info_get_enabled_profile (after)->iccid, ==, ICCID_TRAVEL);
  for (guint i = 0; i < after->profiles->len; i++) {
    const SaldoEuiccProfile *p = g_ptr_array_index (after->profiles, i);

    g_assert_cmpint (p->state, ==,
                     g_str_equal (p->iccid, ICCID_TRAVEL) ? SALDO_PROFILE_STATE_ENABLED
                                                          : SALDO_PROFILE_STATE_DISABLED);
  }
  assert_channels_balanced (fx, 2);
  /* Read-only: only GetEID and GetProfilesInfo ever reached the ISD-R */
  g_assert_cmpuint (saldo_test_sim_counter (&fx->sim, "es10_other"), ==, 0);
  g_assert_cmpuint (saldo_test_sim_counter (&fx->sim, "apdu_other"), ==, 0);
}

/* libqmi warns that a pty is neither qmi_wwan nor cdc-wdm in sysfs; that is
 * the point of a simulated port.  Any other warning fails the test. */
static void
qmi_log_handler (const gchar *log_domain, GLogLevelFlags log_level, const gchar *message, gpointer user_data)
{
  if ((log_level & G_LOG_LEVEL_WARNING) != 0 && strstr (message, "transport type") != NULL) {
    g_test_message ("expected libqmi warning: %s", message);
    return;
  }
  if ((log_level & G_LOG_LEVEL_WARNING) != 0)
    g_test_fail_printf ("unexpected %s warning: %s", log_domain, message);
  g_log_default_handler (log_domain, log_level, message, user_data);
}

static void
add_sim_test (Backend backend, const gchar *name, guint variant, void (*func) (Fixture *, gconstpointer))
{
  g_autofree gchar *path = g_strdup_printf ("/euicc-reader/%s/%s", backend_names[backend], name);

  g_test_add (path, Fixture, GUINT_TO_POINTER (backend | variant << 8), fixture_set_up, func,
              fixture_tear_down);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_log_set_handler ("Qmi", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION, qmi_log_handler,
                     NULL);
  g_log_set_handler ("Mbim", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION, qmi_log_handler,
                     NULL);

  g_test_add_func ("/euicc-reader/error-permanent", test_error_permanent);
  g_test_add_func ("/euicc-reader/qmi/find-euicc", test_find_euicc);
  g_test_add_func ("/euicc-reader/mbim/requests", test_mbim_requests);
  g_test_add_func ("/euicc-reader/mbim/replies", test_mbim_replies);
  g_test_add_func ("/euicc-reader/mbim/function-error", test_mbim_function_error);
  g_test_add_func ("/euicc-reader/mbim/status-to-sw", test_mbim_status_to_sw);
  for (guint i = 0; i < G_N_ELEMENTS (script_cases); i++) {
    g_autofree gchar *path = g_strdup_printf ("/euicc-reader/script/%s", script_cases[i].name);

    g_test_add_data_func (path, &script_cases[i], test_script);
  }
  g_test_add_func ("/euicc-reader/script/cancelled-before", test_cancelled_before);

  /* qmi-proxy only accepts root clients (peer credentials check) */
  if (geteuid () != 0) {
    g_test_message ("not root: proxy tests not added");
    return g_test_run ();
  }

  for (Backend b = BACKEND_QMI; b <= BACKEND_MBIM; b++) {
    add_sim_test (b, "read/chunked", 1, test_full_read);
    add_sim_test (b, "read/unchunked", 0, test_full_read);
    for (guint i = 0; i < G_N_ELEMENTS (refusal_cases); i++) {
      g_autofree gchar *name = g_strdup_printf ("refused/%s", refusal_cases[i].refusal);

      add_sim_test (b, name, i, test_refused);
    }
    for (guint i = 0; i < G_N_ELEMENTS (sw_errors); i++) {
      g_autofree gchar *name = g_strdup_printf ("sw-error/%s", sw_errors[i]);

      add_sim_test (b, name, i, test_sw_error);
    }
    add_sim_test (b, "profile-switch", 0, test_profile_switch);
  }

  return g_test_run ();
}
