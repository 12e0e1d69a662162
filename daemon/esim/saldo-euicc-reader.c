/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoEuicc"

#include "saldo-euicc-reader.h"

#include "saldo-apdu.h"
#include "saldo-ber-tlv.h"

G_DEFINE_QUARK (saldo - euicc - error - quark, saldo_euicc_error)

gboolean
saldo_euicc_error_is_permanent (const GError *error)
{
  if (error == NULL || error->domain != SALDO_EUICC_ERROR)
    return FALSE;
  switch ((SaldoEuiccError) error->code) {
  case SALDO_EUICC_ERROR_CHANNEL_REFUSED:
  case SALDO_EUICC_ERROR_CARD_ERROR:
  case SALDO_EUICC_ERROR_MALFORMED:
    return TRUE;
  case SALDO_EUICC_ERROR_NO_CARD:
  case SALDO_EUICC_ERROR_TRANSPORT:
  default:
    return FALSE;
  }
}

void
saldo_euicc_info_free (SaldoEuiccInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->eid);
  g_clear_pointer (&info->profiles, g_ptr_array_unref);
  g_free (info->close_error);
  g_free (info);
}

const SaldoEuiccProfile *
saldo_euicc_info_get_enabled_profile (const SaldoEuiccInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);

  for (guint i = 0; info->profiles != NULL && i < info->profiles->len; i++) {
    const SaldoEuiccProfile *profile = g_ptr_array_index (info->profiles, i);

    if (profile->has_state && profile->state == SALDO_PROFILE_STATE_ENABLED)
      return profile;
  }
  return NULL;
}

/* ------------------------------------------------------------------------ */
/* Error classification: every error leaving the reader is SALDO_EUICC_ERROR
 * (or G_IO_ERROR_CANCELLED) and keeps the original text after @context. */

static SaldoEuiccError
classify (const GError *error)
{
  if (error->domain == SALDO_UICC_TRANSPORT_ERROR) {
    switch ((SaldoUiccTransportError) error->code) {
    case SALDO_UICC_TRANSPORT_ERROR_ACCESS_DENIED:
    case SALDO_UICC_TRANSPORT_ERROR_NOT_SUPPORTED:
    case SALDO_UICC_TRANSPORT_ERROR_INTERNAL:
    case SALDO_UICC_TRANSPORT_ERROR_NO_CHANNELS:
      return SALDO_EUICC_ERROR_CHANNEL_REFUSED;
    case SALDO_UICC_TRANSPORT_ERROR_NO_CARD:
      return SALDO_EUICC_ERROR_NO_CARD;
    case SALDO_UICC_TRANSPORT_ERROR_TRANSPORT:
    case SALDO_UICC_TRANSPORT_ERROR_PROTOCOL:
    default:
      return SALDO_EUICC_ERROR_TRANSPORT;
    }
  }
  if (error->domain == SALDO_APDU_ERROR)
    return error->code == SALDO_APDU_ERROR_PROTOCOL ? SALDO_EUICC_ERROR_MALFORMED
                                                    : SALDO_EUICC_ERROR_CARD_ERROR;
  if (error->domain == SALDO_ES10C_ERROR) {
    switch ((SaldoEs10cError) error->code) {
    case SALDO_ES10C_ERROR_MALFORMED:
    case SALDO_ES10C_ERROR_INVALID_ICCID:
      return SALDO_EUICC_ERROR_MALFORMED;
    default:
      return SALDO_EUICC_ERROR_CARD_ERROR;
    }
  }
  if (error->domain == SALDO_BER_ERROR)
    return SALDO_EUICC_ERROR_MALFORMED;
  return SALDO_EUICC_ERROR_TRANSPORT;
}

static GError *
error_convert (GError *error, const char *context)
{
  GError *out;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return error;
  out = g_error_new (SALDO_EUICC_ERROR, classify (error), "%s: %s", context, error->message);
  g_error_free (error);
  return out;
}

/* ------------------------------------------------------------------------ */
/* The read */

typedef enum {
  STEP_OPEN,
  STEP_GET_EID,
  STEP_GET_PROFILES,
  STEP_CLOSE,
} ReadStep;

typedef struct {
  SaldoUiccTransport *transport;
  ReadStep            step;
  guint8              channel;
  gboolean            channel_open;
  GPtrArray          *blocks;
  guint               block;
  SaldoApduResponse  *response;
  GBytes             *last_command;
  SaldoEuiccInfo     *info;
  GError             *error; /* the primary error, kept while the channel closes */
} ReadContext;

static void
read_context_free (ReadContext *ctx)
{
  g_clear_object (&ctx->transport);
  g_clear_pointer (&ctx->blocks, g_ptr_array_unref);
  g_clear_pointer (&ctx->response, saldo_apdu_response_free);
  g_clear_pointer (&ctx->last_command, g_bytes_unref);
  g_clear_pointer (&ctx->info, saldo_euicc_info_free);
  g_clear_error (&ctx->error);
  g_free (ctx);
}

static const char *
step_name (ReadStep step)
{
  switch (step) {
  case STEP_OPEN:
    return "Opening the ISD-R channel";
  case STEP_GET_EID:
    return "GetEID";
  case STEP_GET_PROFILES:
    return "GetProfilesInfo";
  case STEP_CLOSE:
  default:
    return "Closing the ISD-R channel";
  }
}

static void read_close (GTask *task);
static void read_send (GTask *task, GBytes *apdu);

static void
read_return (GTask *task)
{
  ReadContext *ctx = g_task_get_task_data (task);

  if (ctx->error != NULL) {
    g_task_return_error (task, g_steal_pointer (&ctx->error));
    return;
  }
  if (g_task_return_error_if_cancelled (task))
    return;
  g_task_return_pointer (task, g_steal_pointer (&ctx->info), (GDestroyNotify) saldo_euicc_info_free);
}

/* Takes @error; the channel, if open, is closed before the task returns. */
static void
read_fail (GTask *task, GError *error)
{
  ReadContext     *ctx = g_task_get_task_data (task);
  g_autofree char *context = g_strdup_printf ("%s (slot %u)", step_name (ctx->step),
                                              saldo_uicc_transport_get_slot (ctx->transport));

  g_assert (ctx->error == NULL);
  ctx->error = error_convert (error, context);
  if (ctx->channel_open)
    read_close (task);
  else
    read_return (task);
}

static void
close_ready (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  ReadContext *ctx = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  ctx->channel_open = FALSE;
  if (!saldo_uicc_transport_close_channel_finish (ctx->transport, res, &error)) {
    g_warning ("Logical channel %u on slot %u may have leaked: %s", ctx->channel,
               saldo_uicc_transport_get_slot (ctx->transport), error->message);
    /* Reported, but the primary error (if any) is what the caller acts on */
    if (ctx->error != NULL) {
      g_autofree char *message = g_strdup_printf ("%s (closing channel %u also failed: %s)",
                                                  ctx->error->message, ctx->channel, error->message);
      g_free (ctx->error->message);
      ctx->error->message = g_steal_pointer (&message);
    } else if (ctx->info != NULL) {
      ctx->info->close_error = g_strdup (error->message);
    }
  } else if (ctx->info != NULL) {
    ctx->info->channels_closed++;
  }
  read_return (task);
}

static void
read_close (GTask *task)
{
  ReadContext *ctx = g_task_get_task_data (task);

  /* Never cancelled: a channel left open stays taken on the card */
  saldo_uicc_transport_close_channel_async (ctx->transport, ctx->channel, NULL, close_ready,
                                            g_object_ref (task));
}

static void
read_send_block (GTask *task)
{
  ReadContext *ctx = g_task_get_task_data (task);

  g_clear_pointer (&ctx->response, saldo_apdu_response_free);
  ctx->response = saldo_apdu_response_new (ctx->channel);
  read_send (task, g_ptr_array_index (ctx->blocks, ctx->block));
}

static void
read_command (GTask *task, ReadStep step, GBytes *es10)
{
  ReadContext  *ctx = g_task_get_task_data (task);
  gsize         len = 0;
  const guint8 *data = g_bytes_get_data (es10, &len);

  ctx->step = step;
  g_clear_pointer (&ctx->blocks, g_ptr_array_unref);
  ctx->blocks = saldo_apdu_store_data_blocks (ctx->channel, data, len);
  ctx->block = 0;
  read_send_block (task);
}

static void
read_command_done (GTask *task, GBytes *data)
{
  ReadContext *ctx = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) request = NULL;
  gsize         len = 0;
  const guint8 *bytes = g_bytes_get_data (data, &len);

  switch (ctx->step) {
  case STEP_GET_EID:
    if (!saldo_es10c_parse_get_eid (bytes, len, &ctx->info->eid, &error)) {
      read_fail (task, g_steal_pointer (&error));
      return;
    }
    /* The tag list leaves icons out: they are large and never shown */
    request = saldo_es10c_build_get_profiles_info (TRUE);
    read_command (task, STEP_GET_PROFILES, request);
    return;
  case STEP_GET_PROFILES:
    if (!saldo_es10c_parse_profiles_info (bytes, len, &ctx->info->profiles, &error)) {
      read_fail (task, g_steal_pointer (&error));
      return;
    }
    ctx->step = STEP_CLOSE;
    read_close (task);
    return;
  case STEP_OPEN:
  case STEP_CLOSE:
  default:
    g_assert_not_reached ();
  }
}

static void
transmit_ready (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  ReadContext *ctx = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) rapdu = NULL;
  g_autoptr(GBytes) next = NULL;
  const guint8 *data;
  gsize         len = 0;
  guint8        le = 0;

  rapdu = saldo_uicc_transport_transmit_finish (ctx->transport, res, &error);
  if (rapdu == NULL) {
    read_fail (task, g_steal_pointer (&error));
    return;
  }
  if (g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error)) {
    read_fail (task, g_steal_pointer (&error));
    return;
  }

  data = g_bytes_get_data (rapdu, &len);
  switch (saldo_apdu_response_feed_rapdu (ctx->response, data, len, &le, &error)) {
  case SALDO_APDU_STEP_GET_RESPONSE:
    next = saldo_apdu_get_response (ctx->channel, le);
    read_send (task, next);
    return;
  case SALDO_APDU_STEP_RESEND:
    next = saldo_apdu_with_le (ctx->last_command, le, &error);
    if (next == NULL) {
      read_fail (task, g_steal_pointer (&error));
      return;
    }
    read_send (task, next);
    return;
  case SALDO_APDU_STEP_COMPLETE:
    if (ctx->block + 1 < ctx->blocks->len) {
      ctx->block++;
      read_send_block (task);
      return;
    }
    next = saldo_apdu_response_steal_data (ctx->response);
    read_command_done (task, next);
    return;
  case SALDO_APDU_STEP_ERROR:
  default:
    read_fail (task, g_steal_pointer (&error));
    return;
  }
}

static void
read_send (GTask *task, GBytes *apdu)
{
  ReadContext *ctx = g_task_get_task_data (task);

  g_clear_pointer (&ctx->last_command, g_bytes_unref);
  ctx->last_command = g_bytes_ref (apdu);
  ctx->info->apdu_count++;
  saldo_uicc_transport_transmit_async (ctx->transport, ctx->channel, apdu, g_task_get_cancellable (task),
                                       transmit_ready, g_object_ref (task));
}

static void
open_ready (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  ReadContext *ctx = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) request = NULL;

  if (!saldo_uicc_transport_open_channel_finish (ctx->transport, res, &ctx->channel, &error)) {
    read_fail (task, g_steal_pointer (&error));
    return;
  }
  ctx->channel_open = TRUE;
  ctx->info->channels_opened++;
  if (!saldo_apdu_channel_is_valid (ctx->channel) || ctx->channel == 0) {
    /* Our CLA cannot address it; close what the modem gave us */
    read_fail (task, g_error_new (SALDO_UICC_TRANSPORT_ERROR, SALDO_UICC_TRANSPORT_ERROR_PROTOCOL,
                                  "Modem opened unusable logical channel %u", ctx->channel));
    return;
  }
  if (g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error)) {
    read_fail (task, g_steal_pointer (&error));
    return;
  }
  request = saldo_es10c_build_get_eid ();
  read_command (task, STEP_GET_EID, request);
}

void
saldo_euicc_reader_read_async (SaldoUiccTransport *transport,
                               GCancellable       *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GBytes) aid = NULL;
  ReadContext *ctx;

  g_return_if_fail (SALDO_IS_UICC_TRANSPORT (transport));

  task = g_task_new (transport, cancellable, callback, user_data);
  g_task_set_source_tag (task, saldo_euicc_reader_read_async);
  ctx = g_new0 (ReadContext, 1);
  ctx->transport = g_object_ref (transport);
  ctx->step = STEP_OPEN;
  ctx->info = g_new0 (SaldoEuiccInfo, 1);
  g_task_set_task_data (task, ctx, (GDestroyNotify) read_context_free);

  if (g_task_return_error_if_cancelled (task))
    return;
  aid = g_bytes_new_static (SALDO_EUICC_ISDR_AID, SALDO_EUICC_ISDR_AID_LEN);
  /* Not cancellable: a channel the modem opened after we stopped listening
   * would never be closed. Cancellation is checked once it is open. */
  saldo_uicc_transport_open_channel_async (transport, aid, NULL, open_ready, g_object_ref (task));
}

SaldoEuiccInfo *
saldo_euicc_reader_read_finish (SaldoUiccTransport *transport, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (res, transport), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (res, saldo_euicc_reader_read_async), NULL);

  return g_task_propagate_pointer (G_TASK (res), error);
}
