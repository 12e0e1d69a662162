/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoAuthority"

#include "config.h"

#include <polkit/polkit.h>

#include "saldo-authority.h"
#include "saldo-error.h"

/* polkit checks, always asynchronous: a slow or hung polkitd must never
 * stall the daemon, and a protected call fails within a bounded time
 * instead of waiting forever.  Reads are never checked. */

/* The owner may be typing a password: interactive checks get longer. */
#define SALDO_AUTHORITY_INTERACTIVE_FACTOR 12

struct _SaldoAuthority {
  GObject          parent_instance;
  PolkitAuthority *authority;
  guint            timeout_ms;
};

G_DEFINE_TYPE (SaldoAuthority, saldo_authority, G_TYPE_OBJECT)

typedef struct {
  char         *action_id;
  char         *sender;
  gboolean      interactive;
  GCancellable *cancellable;
  guint         timeout_id;
  gboolean      timed_out;
} CheckData;

static void
check_data_free (CheckData *data)
{
  g_clear_handle_id (&data->timeout_id, g_source_remove);
  g_free (data->action_id);
  g_free (data->sender);
  g_clear_object (&data->cancellable);
  g_free (data);
}

static void
on_check_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  CheckData *data = g_task_get_task_data (task);
  g_autoptr(PolkitAuthorizationResult) auth = NULL;
  g_autoptr(GError) error = NULL;

  g_clear_handle_id (&data->timeout_id, g_source_remove);
  auth = polkit_authority_check_authorization_finish (POLKIT_AUTHORITY (source), result, &error);
  if (auth == NULL) {
    if (data->timed_out)
      g_task_return_new_error (task, SALDO_ERROR, SALDO_ERROR_TIMED_OUT,
                               "the authorization service (polkit) did not answer in time; "
                               "action %s not authorized",
                               data->action_id);
    else
      g_task_return_new_error (task, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                               "cannot check authorization for %s with the authorization "
                               "service (polkit): %s",
                               data->action_id, error->message);
    return;
  }
  if (polkit_authorization_result_get_is_authorized (auth)) {
    g_debug ("%s authorized for %s", data->action_id, data->sender);
    g_task_return_boolean (task, TRUE);
    return;
  }
  if (polkit_authorization_result_get_is_challenge (auth) && !data->interactive) {
    g_autofree char *message = g_strdup_printf ("action %s needs interactive authorization", data->action_id);

    /* GLib 2.74 has no GDBusError code for it: carry the standard name. */
    g_task_return_error (task, g_dbus_error_new_for_dbus_error ("org.freedesktop.DBus.Error."
                                                                "InteractiveAuthorizationRequired",
                                                                message));
    return;
  }
  g_info ("%s denied to %s", data->action_id, data->sender);
  g_task_return_new_error (task, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                           "not authorized to perform action %s", data->action_id);
}

static gboolean
on_check_timeout (gpointer user_data)
{
  CheckData *data = user_data;

  data->timeout_id = 0;
  data->timed_out = TRUE;
  g_cancellable_cancel (data->cancellable);
  return G_SOURCE_REMOVE;
}

static void
saldo_authority_start (SaldoAuthority *self, GTask *task)
{
  CheckData *data = g_task_get_task_data (task);
  g_autoptr(PolkitSubject) subject = polkit_system_bus_name_new (data->sender);
  PolkitCheckAuthorizationFlags flags = POLKIT_CHECK_AUTHORIZATION_FLAGS_NONE;

  if (data->interactive)
    flags |= POLKIT_CHECK_AUTHORIZATION_FLAGS_ALLOW_USER_INTERACTION;
  polkit_authority_check_authorization (self->authority, subject, data->action_id, NULL, flags,
                                        data->cancellable, on_check_done, task);
}

static void
on_authority_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask          *task = user_data;
  SaldoAuthority *self = g_task_get_source_object (task);
  CheckData      *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  PolkitAuthority *authority;

  authority = polkit_authority_get_finish (result, &error);
  if (authority == NULL && data->timed_out) {
    g_task_return_new_error (task, SALDO_ERROR, SALDO_ERROR_TIMED_OUT,
                             "the authorization service (polkit) did not answer in time; "
                             "action %s not authorized",
                             data->action_id);
    g_object_unref (task);
    return;
  }
  if (authority == NULL) {
    g_clear_handle_id (&data->timeout_id, g_source_remove);
    g_task_return_new_error (task, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                             "cannot reach the authorization service (polkit) to check %s: %s",
                             data->action_id, error->message);
    g_object_unref (task);
    return;
  }
  if (self->authority == NULL)
    self->authority = authority;
  else
    g_object_unref (authority);
  saldo_authority_start (self, task);
}

void
saldo_authority_check_async (SaldoAuthority        *self,
                             GDBusMethodInvocation *invocation,
                             const char            *action_id,
                             GAsyncReadyCallback    callback,
                             gpointer               user_data)
{
  GTask        *task = g_task_new (self, NULL, callback, user_data);
  GDBusMessage *message = g_dbus_method_invocation_get_message (invocation);
  CheckData    *data = g_new0 (CheckData, 1);

  data->action_id = g_strdup (action_id);
  data->sender = g_strdup (g_dbus_method_invocation_get_sender (invocation));
  data->interactive = (g_dbus_message_get_flags (message) &
                       G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION) != 0;
  data->cancellable = g_cancellable_new ();
  g_task_set_task_data (task, data, (GDestroyNotify) check_data_free);
  data->timeout_id = g_timeout_add (self->timeout_ms *
                                      (data->interactive ? SALDO_AUTHORITY_INTERACTIVE_FACTOR : 1),
                                    on_check_timeout, data);
  if (self->authority == NULL)
    polkit_authority_get_async (data->cancellable, on_authority_ready, task);
  else
    saldo_authority_start (self, task);
}

gboolean
saldo_authority_check_finish (SaldoAuthority *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

typedef struct {
  GDBusMethodInvocation *invocation;
  const char *const     *next;
} CheckAll;

static void
check_all_free (CheckAll *all)
{
  g_object_unref (all->invocation);
  g_free (all);
}

static void
on_check_all_step (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  CheckAll *all = g_task_get_task_data (task);
  GError   *error = NULL;

  if (!saldo_authority_check_finish (SALDO_AUTHORITY (source), result, &error)) {
    g_task_return_error (task, error);
    return;
  }
  if (*all->next == NULL) {
    g_task_return_boolean (task, TRUE);
    return;
  }
  saldo_authority_check_async (SALDO_AUTHORITY (source), all->invocation, *all->next++, on_check_all_step,
                               g_steal_pointer (&task));
}

void
saldo_authority_check_all_async (SaldoAuthority        *self,
                                 GDBusMethodInvocation *invocation,
                                 const char *const     *action_ids,
                                 GAsyncReadyCallback    callback,
                                 gpointer               user_data)
{
  GTask    *task = g_task_new (self, NULL, callback, user_data);
  CheckAll *all = g_new0 (CheckAll, 1);

  g_return_if_fail (action_ids != NULL && action_ids[0] != NULL);
  all->invocation = g_object_ref (invocation);
  all->next = action_ids + 1;
  g_task_set_task_data (task, all, (GDestroyNotify) check_all_free);
  saldo_authority_check_async (self, invocation, action_ids[0], on_check_all_step, task);
}

SaldoAuthority *
saldo_authority_new (guint timeout_ms)
{
  SaldoAuthority *self = g_object_new (SALDO_TYPE_AUTHORITY, NULL);

  self->timeout_ms = MAX (timeout_ms, 100);
  return self;
}

static void
saldo_authority_finalize (GObject *object)
{
  SaldoAuthority *self = SALDO_AUTHORITY (object);

  g_clear_object (&self->authority);
  G_OBJECT_CLASS (saldo_authority_parent_class)->finalize (object);
}

static void
saldo_authority_class_init (SaldoAuthorityClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = saldo_authority_finalize;
}

static void
saldo_authority_init (SaldoAuthority *self)
{
}
