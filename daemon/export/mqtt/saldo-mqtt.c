/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoMqtt"

#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <gmodule.h>
#include <mosquitto.h>
#include <netdb.h>
#include <openssl/ssl.h>
#include <string.h>
#include <sys/socket.h>

#include "saldo-export-config.h"
#include "saldo-export-sink.h"
#include "saldo-mqtt-payload.h"
#include "saldo-secret.h"

/*
 * The MQTT sink, a module saldod loads only when [Mqtt] is configured.
 *
 * libmosquitto runs on saldod's main loop: its socket is watched with a
 * GSource (readable always, writable while it has something to send) that
 * calls mosquitto_loop_read/write, and one timer calls mosquitto_loop_misc
 * for keep-alive, KeepAlive seconds after the last packet went out — so an
 * idle connection costs one PINGREQ per KeepAlive and nothing else.  The
 * only thread is the one mosquitto_connect_async () runs in: it resolves
 * the broker's name with getaddrinfo (), which blocks, exactly as GIO's own
 * resolver does in a thread.  The client is handed to that thread and back
 * and never touched by two threads at once.
 *
 * Nothing is queued while the broker is away: every state is published
 * retained, and on every (re)connection the latest snapshot is published
 * whole, so the broker ends up with the latest state, never a stale one.
 *
 * What saldod no longer has is cleared: an empty retained message deletes
 * a retained one (MQTT 3.1.1 §3.3.1.3) and, on a discovery config, Home
 * Assistant's entity.  Lines are never dropped while saldod runs (their
 * numbers are kept for good), and providers only change with a restart,
 * so what goes away mostly goes while saldod is not there: a provider file
 * removed (or refused) before a restart, a state database started afresh.
 * saldod cannot know what an earlier run published, so on every
 * connection it asks the broker: one subscription to its own topic shapes
 * brings back what the broker holds there (flagged retained), and every
 * topic saldod wrote that no line or provider of the latest snapshot has
 * is emptied.  Only topics of saldod's shapes whose payload saldod wrote
 * (saldo_mqtt_is_own) are touched.  The subscription is dropped once the
 * broker acknowledges it, so saldod's own publishing is not echoed back
 * for long.
 */

/* QoS 0: nothing is kept for a broker that is away; a new connection
 * gets everything again (retained), so the latest state always wins. */
#define QOS               0
#define BACKOFF_MIN_S     1
#define BACKOFF_MAX_S     300
#define CONNECT_TIMEOUT_S 30
#define STABLE_AFTER_S    60 /* a connection that lasted this long resets the backoff */
#define SYSTEM_CA_DIR     "/etc/ssl/certs"

G_DECLARE_FINAL_TYPE (SaldoMqtt, saldo_mqtt, SALDO, MQTT, GObject)

typedef enum {
  STATE_IDLE,       /* waiting to (re)connect */
  STATE_RESOLVING,  /* mosquitto_connect_async () in its thread */
  STATE_CONNECTING, /* socket open, waiting for CONNACK */
  STATE_CONNECTED,
} ConnectionState;

typedef struct {
  GSource  source;
  gpointer tag;
} SocketSource;

struct _SaldoMqtt {
  GObject              parent_instance;
  struct mosquitto    *mosq; /* NULL while a connect thread holds it */
  char                *host;
  guint                port;
  guint                keepalive;
  gboolean             tls;
  SaldoMqttNames       names;
  char                *node_id;
  char                *topic_prefix;
  char                *discovery_prefix;
  char                *status_topic;
  ConnectionState      state;
  GSource             *socket_source;
  guint                reconnect_id;
  guint                keepalive_id;
  guint                connect_timeout_id;
  guint                days_id;
  guint                backoff_s;
  gint64               connected_at;   /* monotonic µs */
  char                *last_problem;   /* logged as a warning once until it changes */
  char                *last_log_error; /* libmosquitto's own words for the last failure */
  gboolean             closing;
  SaldoExportSnapshot *latest;
  GHashTable          *sent;          /* topic → payload the broker has */
  GHashTable          *wanted;        /* the topics of the latest snapshot */
  GHashTable          *learned;       /* saldod's topics the broker held before there was a snapshot */
  int                  learn_mid;     /* the subscription that reads them back, 0 = none */
  gboolean             learn_refused; /* said once */
};

static void saldo_mqtt_sink_init (SaldoExportSinkInterface *iface);

G_DEFINE_TYPE_WITH_CODE (SaldoMqtt,
                         saldo_mqtt,
                         G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (SALDO_TYPE_EXPORT_SINK, saldo_mqtt_sink_init))

static void saldo_mqtt_connect (SaldoMqtt *self);
static void saldo_mqtt_connection_lost (SaldoMqtt *self, const char *why);
static void saldo_mqtt_publish_all (SaldoMqtt *self, gboolean force);
static void learn_retained (SaldoMqtt *self);

/* A problem that repeats (a broker down for hours) is a warning once,
 * then debug messages, until something else happens. */
static void
report_problem (SaldoMqtt *self, const char *problem)
{
  g_autofree char *message = self->last_log_error != NULL
                               ? g_strdup_printf ("%s (%s)", problem, self->last_log_error)
                               : g_strdup (problem);

  g_clear_pointer (&self->last_log_error, g_free);
  if (g_strcmp0 (self->last_problem, message) != 0)
    g_warning ("MQTT broker %s:%u: %s", self->host, self->port, message);
  else
    g_debug ("MQTT broker %s:%u: %s", self->host, self->port, message);
  g_free (self->last_problem);
  self->last_problem = g_steal_pointer (&message);
}

/* ---- the socket on the main loop ---- */

static gboolean
socket_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  SocketSource *socket_source = (SocketSource *) source;
  GIOCondition  revents = g_source_query_unix_fd (source, socket_source->tag);

  return ((gboolean (*) (GIOCondition, gpointer)) (void (*) (void)) callback) (revents, user_data);
}

static GSourceFuncs socket_funcs = { NULL, NULL, socket_dispatch, NULL, NULL, NULL };

/* While TLS shakes hands the socket is watched for writing only when
 * OpenSSL wants to write: queued packets wait for the handshake. */
static gboolean
wants_write (SaldoMqtt *self)
{
  SSL *ssl = self->tls ? mosquitto_ssl_get (self->mosq) : NULL;

  if (ssl != NULL && !SSL_is_init_finished (ssl))
    return SSL_want_write (ssl);
  return mosquitto_want_write (self->mosq);
}

static void
stop_watching (SaldoMqtt *self)
{
  if (self->socket_source != NULL) {
    g_source_destroy (self->socket_source);
    g_clear_pointer (&self->socket_source, g_source_unref);
  }
}

static gboolean on_keepalive (gpointer user_data);

static void
arm_keepalive (SaldoMqtt *self)
{
  g_clear_handle_id (&self->keepalive_id, g_source_remove);
  /* One second late rather than early: libmosquitto counts in whole
   * seconds, and the broker allows 1.5 times KeepAlive. */
  self->keepalive_id = g_timeout_add_seconds (self->keepalive + 1, on_keepalive, self);
}

/* After anything that may have queued or sent packets. */
static void
update_watch (SaldoMqtt *self)
{
  GIOCondition  condition = G_IO_IN | G_IO_HUP | G_IO_ERR;
  SocketSource *source = (SocketSource *) self->socket_source;

  if (source == NULL || self->mosq == NULL)
    return;
  if (wants_write (self))
    condition |= G_IO_OUT;
  g_source_modify_unix_fd (self->socket_source, source->tag, condition);
}

static const char *
socket_error (int fd)
{
  int       error = 0;
  socklen_t len = sizeof error;

  if (getsockopt (fd, SOL_SOCKET, SO_ERROR, &error, &len) == 0 && error != 0)
    return g_strerror (error);
  return "the broker closed the connection before TLS was up";
}

static gboolean
on_socket (GIOCondition condition, gpointer user_data)
{
  SaldoMqtt *self = user_data;
  SSL       *ssl = self->tls ? mosquitto_ssl_get (self->mosq) : NULL;
  int        rc = MOSQ_ERR_SUCCESS;

  /* Reading also drives the TLS handshake; writing sends queued packets. */
  if (condition & (G_IO_IN | G_IO_HUP | G_IO_ERR) || (ssl != NULL && !SSL_is_init_finished (ssl)))
    rc = mosquitto_loop_read (self->mosq, 1);
  if (rc == MOSQ_ERR_SUCCESS && self->socket_source != NULL && (condition & G_IO_OUT) &&
      mosquitto_socket (self->mosq) >= 0) {
    rc = mosquitto_loop_write (self->mosq, 1);
    if (rc == MOSQ_ERR_SUCCESS && self->state == STATE_CONNECTED)
      arm_keepalive (self);
  }
  if (self->socket_source == NULL)
    return G_SOURCE_REMOVE; /* on_disconnect ran meanwhile */
  if (rc != MOSQ_ERR_SUCCESS || mosquitto_socket (self->mosq) < 0) {
    saldo_mqtt_connection_lost (self, mosquitto_strerror (rc != MOSQ_ERR_SUCCESS ? rc : MOSQ_ERR_CONN_LOST));
    return G_SOURCE_REMOVE;
  }
  /* A connection refused (or closed) before TLS is up: OpenSSL reports it
   * as SSL_ERROR_SYSCALL, which libmosquitto takes for "try again", and the
   * dead socket would wake the main loop until the connect timeout. */
  ssl = self->tls ? mosquitto_ssl_get (self->mosq) : NULL;
  if (ssl != NULL && !SSL_is_init_finished (ssl) && (condition & (G_IO_HUP | G_IO_ERR))) {
    saldo_mqtt_connection_lost (self, socket_error (mosquitto_socket (self->mosq)));
    return G_SOURCE_REMOVE;
  }
  update_watch (self);
  return G_SOURCE_CONTINUE;
}

static void
watch_socket (SaldoMqtt *self)
{
  SocketSource *source;

  stop_watching (self);
  self->socket_source = g_source_new (&socket_funcs, sizeof (SocketSource));
  source = (SocketSource *) self->socket_source;
  source->tag = g_source_add_unix_fd (self->socket_source, mosquitto_socket (self->mosq), G_IO_IN);
  g_source_set_callback (self->socket_source, (GSourceFunc) (void (*) (void)) on_socket, self, NULL);
  g_source_set_static_name (self->socket_source, "[saldo] MQTT socket");
  g_source_attach (self->socket_source, NULL);
  update_watch (self);
}

static gboolean
on_keepalive (gpointer user_data)
{
  SaldoMqtt *self = user_data;
  int        rc;

  self->keepalive_id = 0;
  rc = mosquitto_loop_misc (self->mosq);
  /* A PINGREQ unanswered since the last call closed the connection. */
  if (self->socket_source == NULL)
    return G_SOURCE_REMOVE;
  if (rc != MOSQ_ERR_SUCCESS) {
    saldo_mqtt_connection_lost (self, mosquitto_strerror (rc));
    return G_SOURCE_REMOVE;
  }
  arm_keepalive (self);
  update_watch (self);
  return G_SOURCE_REMOVE;
}

/* ---- connecting ---- */

static gboolean
on_reconnect (gpointer user_data)
{
  SaldoMqtt *self = user_data;

  self->reconnect_id = 0;
  saldo_mqtt_connect (self);
  return G_SOURCE_REMOVE;
}

/* 1, 2, 4 ... 300 s, each with up to a fifth more at random, so machines
 * that lost the same broker do not all come back in the same second. */
static void
schedule_reconnect (SaldoMqtt *self)
{
  guint delay;

  if (self->closing || self->reconnect_id != 0)
    return;
  delay = self->backoff_s + (guint) g_random_int_range (0, (gint) self->backoff_s / 5 + 1);
  self->backoff_s = MIN (self->backoff_s * 2, BACKOFF_MAX_S);
  g_debug ("MQTT: connecting again in %u s", delay);
  self->reconnect_id = g_timeout_add_seconds (delay, on_reconnect, self);
}

static void
saldo_mqtt_connection_lost (SaldoMqtt *self, const char *why)
{
  gboolean was_connected = self->state == STATE_CONNECTED;

  stop_watching (self);
  g_clear_handle_id (&self->keepalive_id, g_source_remove);
  g_clear_handle_id (&self->connect_timeout_id, g_source_remove);
  g_clear_handle_id (&self->days_id, g_source_remove);
  g_hash_table_remove_all (self->learned);
  self->learn_mid = 0;
  if (self->state == STATE_IDLE)
    return;
  self->state = STATE_IDLE;
  if (self->mosq != NULL && mosquitto_socket (self->mosq) >= 0)
    mosquitto_disconnect (self->mosq);
  if (was_connected && g_get_monotonic_time () - self->connected_at >= STABLE_AFTER_S * G_USEC_PER_SEC)
    self->backoff_s = BACKOFF_MIN_S;
  if (was_connected) {
    g_autofree char *message = g_strdup_printf ("connection lost (%s); connecting again", why);

    report_problem (self, message);
  } else {
    report_problem (self, why);
  }
  schedule_reconnect (self);
}

static void
on_connect (struct mosquitto *mosq, void *user_data, int rc)
{
  SaldoMqtt *self = user_data;

  g_clear_handle_id (&self->connect_timeout_id, g_source_remove);
  if (rc != 0) {
    g_autofree char *message = g_strdup_printf ("refused the connection: %s", mosquitto_connack_string (rc));

    /* Credentials or a client id the broker refuses do not get better
     * by asking every second. */
    self->backoff_s = MAX (self->backoff_s, 30);
    saldo_mqtt_connection_lost (self, message);
    return;
  }
  if (self->last_problem != NULL)
    g_message ("MQTT broker %s:%u: connected again", self->host, self->port);
  else
    g_info ("MQTT: connected to %s:%u", self->host, self->port);
  g_clear_pointer (&self->last_problem, g_free);
  self->state = STATE_CONNECTED;
  self->connected_at = g_get_monotonic_time ();
  learn_retained (self);
  mosquitto_publish (self->mosq, NULL, self->status_topic, 6, "online", QOS, TRUE);
  saldo_mqtt_publish_all (self, TRUE);
  arm_keepalive (self);
}

static void
on_disconnect (struct mosquitto *mosq, void *user_data, int rc)
{
  SaldoMqtt *self = user_data;

  /* libmosquitto closed the socket (a read or write failed, or the broker
   * missed a PINGRESP): stop watching it before the main loop polls it. */
  if (self->state != STATE_IDLE && !self->closing)
    saldo_mqtt_connection_lost (self, mosquitto_strerror (rc != 0 ? rc : MOSQ_ERR_CONN_LOST));
}

/* libmosquitto says why TLS failed ("certificate verify failed") only in
 * its log; the next reported problem carries it. */
static void
on_log (struct mosquitto *mosq, void *user_data, int level, const char *text)
{
  SaldoMqtt *self = user_data;

  g_debug ("libmosquitto: %s", text);
  if (level & MOSQ_LOG_ERR) {
    g_free (self->last_log_error);
    self->last_log_error = g_strdup (text);
  }
}

static gboolean
on_connect_timeout (gpointer user_data)
{
  SaldoMqtt *self = user_data;

  self->connect_timeout_id = 0;
  saldo_mqtt_connection_lost (self, "no answer to CONNECT");
  return G_SOURCE_REMOVE;
}

typedef struct {
  struct mosquitto *mosq;
  char             *host;
  int               port;
  int               keepalive;
  int               rc;
  int               errsv;
} ConnectJob;

static void
connect_job_free (ConnectJob *job)
{
  if (job->mosq != NULL)
    mosquitto_destroy (job->mosq);
  g_free (job->host);
  g_free (job);
}

static void
connect_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  ConnectJob *job = task_data;

  job->rc = mosquitto_connect_async (job->mosq, job->host, job->port, job->keepalive);
  job->errsv = errno;
  g_task_return_boolean (task, TRUE);
}

static void
on_connect_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SaldoMqtt       *self = SALDO_MQTT (source);
  ConnectJob      *job = g_task_get_task_data (G_TASK (result));
  g_autofree char *why = NULL;

  /* The client is ours again. */
  self->mosq = g_steal_pointer (&job->mosq);
  if (self->closing) {
    self->state = STATE_IDLE;
    return;
  }
  if (job->rc != MOSQ_ERR_SUCCESS) {
    if (job->rc == MOSQ_ERR_EAI)
      why = g_strdup_printf ("cannot resolve the name: %s", gai_strerror (job->errsv));
    else if (job->rc == MOSQ_ERR_ERRNO)
      why = g_strdup (g_strerror (job->errsv));
    else
      why = g_strdup (mosquitto_strerror (job->rc));
    self->state = STATE_CONNECTING;
    saldo_mqtt_connection_lost (self, why);
    return;
  }
  self->state = STATE_CONNECTING;
  watch_socket (self);
  self->connect_timeout_id = g_timeout_add_seconds (CONNECT_TIMEOUT_S, on_connect_timeout, self);
}

static void
saldo_mqtt_connect (SaldoMqtt *self)
{
  g_autoptr(GTask) task = NULL;
  ConnectJob *job;

  if (self->state != STATE_IDLE || self->closing)
    return;
  job = g_new0 (ConnectJob, 1);
  job->mosq = g_steal_pointer (&self->mosq);
  job->host = g_strdup (self->host);
  job->port = (int) self->port;
  job->keepalive = (int) self->keepalive;
  self->state = STATE_RESOLVING;
  task = g_task_new (self, NULL, on_connect_started, NULL);
  g_task_set_name (task, "[saldo] MQTT connect");
  g_task_set_task_data (task, job, (GDestroyNotify) connect_job_free);
  g_task_run_in_thread (task, connect_thread);
}

/* ---- what saldod no longer has ---- */

static void
clear_topic (SaldoMqtt *self, const char *topic)
{
  int rc = mosquitto_publish (self->mosq, NULL, topic, 0, NULL, QOS, TRUE);

  if (rc != MOSQ_ERR_SUCCESS) {
    g_debug ("MQTT: %s not cleared: %s", topic, mosquitto_strerror (rc));
    return;
  }
  g_info ("MQTT: %s cleared: saldod has no line or provider it describes", topic);
  g_hash_table_remove (self->sent, topic);
}

/* Home Assistant's configs before the states they read, so that no entity
 * sees its state emptied under it. */
static int
compare_configs_first (gconstpointer a, gconstpointer b)
{
  const char *x = *(const char *const *) a;
  const char *y = *(const char *const *) b;
  gboolean    x_config = g_str_has_suffix (x, "/config");
  gboolean    y_config = g_str_has_suffix (y, "/config");

  if (x_config != y_config)
    return x_config ? -1 : 1;
  return strcmp (x, y);
}

/* After a snapshot was published: empties what saldod published before and
 * the snapshot no longer has, and what the broker held for it before there
 * was a snapshot to judge by. */
static void
clear_unwanted (SaldoMqtt *self)
{
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_free);
  GHashTable *const tables[] = { self->sent, self->learned };

  for (guint t = 0; t < G_N_ELEMENTS (tables); t++) {
    GHashTableIter iter;
    const char    *topic;

    g_hash_table_iter_init (&iter, tables[t]);
    while (g_hash_table_iter_next (&iter, (gpointer *) &topic, NULL))
      if (!g_hash_table_contains (self->wanted, topic) &&
          !g_ptr_array_find_with_equal_func (gone, topic, g_str_equal, NULL))
        g_ptr_array_add (gone, g_strdup (topic));
  }
  g_hash_table_remove_all (self->learned);
  g_ptr_array_sort (gone, compare_configs_first);
  for (guint i = 0; i < gone->len; i++)
    clear_topic (self, gone->pdata[i]);
}

/* The broker sends what it holds under saldod's filters, flagged retained;
 * saldod's own publishing, echoed while the subscription lasts, is not
 * (MQTT 3.1.1 §3.3.1.3). */
static void
on_message (struct mosquitto *mosq, void *user_data, const struct mosquitto_message *message)
{
  SaldoMqtt *self = user_data;

  if (!message->retain || message->payloadlen <= 0 || self->state != STATE_CONNECTED)
    return;
  if (!saldo_mqtt_is_own (&self->names, message->topic, message->payload, (gsize) message->payloadlen)) {
    g_debug ("MQTT: %s is not saldod's; left as it is", message->topic);
    return;
  }
  if (self->latest == NULL)
    g_hash_table_add (self->learned, g_strdup (message->topic));
  else if (!g_hash_table_contains (self->wanted, message->topic))
    clear_topic (self, message->topic);
}

static void
on_subscribe (struct mosquitto *mosq, void *user_data, int mid, int qos_count, const int *granted_qos)
{
  SaldoMqtt *self = user_data;
  g_auto(GStrv) filters = NULL;
  int n_filters;

  if (mid == 0 || mid != self->learn_mid)
    return;
  self->learn_mid = 0;
  /* What matched is queued by now; the rest would only be saldod's echo. */
  filters = saldo_mqtt_own_filters (&self->names);
  n_filters = (int) g_strv_length (filters);
  mosquitto_unsubscribe_multiple (self->mosq, NULL, n_filters, filters, NULL);
  for (int i = 0; i < qos_count && i < n_filters; i++) {
    if (granted_qos[i] == 0x80 && !self->learn_refused) {
      self->learn_refused = TRUE;
      g_message ("MQTT broker %s:%u refuses saldod a subscription to %s: what a line or provider "
                 "that is gone left there is not cleared",
                 self->host, self->port, filters[i]);
    }
  }
}

static void
learn_retained (SaldoMqtt *self)
{
  g_auto(GStrv) filters = saldo_mqtt_own_filters (&self->names);
  int rc;

  rc = mosquitto_subscribe_multiple (self->mosq, &self->learn_mid, (int) g_strv_length (filters), filters,
                                     QOS, 0, NULL);
  if (rc != MOSQ_ERR_SUCCESS) {
    self->learn_mid = 0;
    g_debug ("MQTT: cannot read back saldod's retained topics: %s", mosquitto_strerror (rc));
  }
}

/* ---- publishing ---- */

/* Retained; only what the broker does not have already, unless forced
 * (a new connection: the broker may have lost everything). */
static void
publish (SaldoMqtt *self, const char *topic, char *payload, gboolean force)
{
  int rc;

  g_hash_table_add (self->wanted, g_strdup (topic));
  if (!force && g_strcmp0 (g_hash_table_lookup (self->sent, topic), payload) == 0) {
    g_free (payload);
    return;
  }
  rc = mosquitto_publish (self->mosq, NULL, topic, (int) strlen (payload), payload, QOS, TRUE);
  if (rc != MOSQ_ERR_SUCCESS) {
    g_debug ("MQTT: %s not published: %s", topic, mosquitto_strerror (rc));
    g_free (payload);
    return;
  }
  g_hash_table_replace (self->sent, g_strdup (topic), payload);
}

/* Discovery first, so Home Assistant knows the entities before their
 * state arrives.  Takes the payloads and state_topic. */
static void
publish_device (SaldoMqtt *self,
                GPtrArray *topics,
                GPtrArray *payloads,
                char      *state_topic,
                char      *state,
                gboolean   force)
{
  for (guint j = 0; j < topics->len; j++)
    publish (self, topics->pdata[j], payloads->pdata[j], force);
  publish (self, state_topic, state, force);
  g_free (state_topic);
}

static gboolean
on_days (gpointer user_data)
{
  SaldoMqtt *self = user_data;

  self->days_id = 0;
  saldo_mqtt_publish_all (self, FALSE);
  return G_SOURCE_REMOVE;
}

static void
saldo_mqtt_publish_all (SaldoMqtt *self, gboolean force)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 next = 0;

  g_clear_handle_id (&self->days_id, g_source_remove);
  if (self->state != STATE_CONNECTED || self->latest == NULL)
    return;
  if (force)
    g_hash_table_remove_all (self->sent);
  g_hash_table_remove_all (self->wanted);
  for (guint i = 0; i < self->latest->lines->len; i++) {
    const SaldoExportLine *line = self->latest->lines->pdata[i];
    g_autoptr(GPtrArray) topics = g_ptr_array_new_with_free_func (g_free);
    g_autoptr(GPtrArray) payloads = g_ptr_array_new ();
    gint64 change = saldo_mqtt_next_change (line, now);

    saldo_mqtt_discovery (&self->names, line, topics, payloads);
    publish_device (self, topics, payloads, saldo_mqtt_state_topic (&self->names, line),
                    saldo_mqtt_state_payload (&self->names, line, now), force);
    if (change > 0 && (next == 0 || change < next))
      next = change;
  }
  /* The top-up providers are devices of their own: an owner's automation
   * wants "needs attention" and the funds next to the lines whose rules
   * wait for them, and the snapshot has them already, so they take the
   * lines' way (retained state, discovery first). */
  for (guint i = 0; i < self->latest->providers->len; i++) {
    const SaldoExportProvider *provider = self->latest->providers->pdata[i];
    g_autoptr(GPtrArray) topics = g_ptr_array_new_with_free_func (g_free);
    g_autoptr(GPtrArray) payloads = g_ptr_array_new ();

    saldo_mqtt_provider_discovery (&self->names, provider, topics, payloads);
    publish_device (self, topics, payloads, saldo_mqtt_provider_topic (&self->names, provider),
                    saldo_mqtt_provider_payload (provider), force);
  }
  clear_unwanted (self);
  /* days_left changes at midnight of the expiry's day, counted back: one
   * timer for the earliest change of all lines, none when no line expires. */
  if (next > 0)
    self->days_id = g_timeout_add_seconds ((guint) MIN (next - now, (gint64) G_MAXUINT / 1000), on_days,
                                           self);
  if (self->socket_source != NULL)
    update_watch (self);
  if (self->keepalive_id != 0)
    arm_keepalive (self);
}

static void
saldo_mqtt_publish (SaldoExportSink *sink, SaldoExportSnapshot *snapshot)
{
  SaldoMqtt *self = SALDO_MQTT (sink);

  g_clear_pointer (&self->latest, saldo_export_snapshot_unref);
  self->latest = saldo_export_snapshot_ref (snapshot);
  saldo_mqtt_publish_all (self, FALSE);
}

static void
saldo_mqtt_sink_init (SaldoExportSinkInterface *iface)
{
  iface->publish = saldo_mqtt_publish;
}

/* ---- life ---- */

/* Files saldod reads as root must be as trusted as the providers'
 * secrets: owned by root (or saldod's user), not readable by others. */
static gboolean
check_secret_file (const char *path, char **contents, GError **error)
{
  char *secret = saldo_secret_read_file (path, TRUE, error);

  if (secret == NULL)
    return FALSE;
  if (contents != NULL)
    *contents = secret;
  else
    saldo_secret_free (secret);
  return TRUE;
}

static char *
read_password (const SaldoMqttSettings *settings, GError **error)
{
  const char *credentials = g_getenv ("CREDENTIALS_DIRECTORY");
  char       *password = NULL;

  if (settings->password_file != NULL)
    return check_secret_file (settings->password_file, &password, error) ? password : NULL;
  /* systemd's LoadCredential=mqtt-password:FILE, private to the service. */
  if (settings->username != NULL && credentials != NULL) {
    g_autofree char *path = g_build_filename (credentials, "mqtt-password", NULL);

    if (g_file_test (path, G_FILE_TEST_EXISTS))
      return saldo_secret_read_file (path, FALSE, error);
  }
  return g_strdup ("");
}

static gboolean
mosquitto_ok (int rc, const char *what, GError **error)
{
  if (rc == MOSQ_ERR_SUCCESS)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", what,
               rc == MOSQ_ERR_ERRNO ? g_strerror (errno) : mosquitto_strerror (rc));
  return FALSE;
}

static SaldoMqtt *
saldo_mqtt_new (const SaldoMqttSettings *settings, GError **error)
{
  g_autoptr(SaldoMqtt) self = g_object_new (saldo_mqtt_get_type (), NULL);
  char    *password = NULL;
  gboolean ok;

  self->host = g_strdup (settings->host);
  self->port = settings->port;
  self->keepalive = settings->keepalive;
  self->tls = settings->tls;
  self->node_id = g_strdup (settings->node_id);
  self->topic_prefix = g_strdup (settings->topic_prefix);
  self->discovery_prefix = g_strdup (settings->discovery_prefix);
  self->names.node_id = self->node_id;
  self->names.topic_prefix = self->topic_prefix;
  self->names.discovery_prefix = self->discovery_prefix;
  self->names.full_iccid = settings->full_iccid;
  self->status_topic = saldo_mqtt_status_topic (&self->names);

  self->mosq = mosquitto_new (settings->client_id, TRUE, self);
  if (self->mosq == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot make an MQTT client: %s", g_strerror (errno));
    return NULL;
  }
  mosquitto_connect_callback_set (self->mosq, on_connect);
  mosquitto_disconnect_callback_set (self->mosq, on_disconnect);
  mosquitto_subscribe_callback_set (self->mosq, on_subscribe);
  mosquitto_message_callback_set (self->mosq, on_message);
  mosquitto_log_callback_set (self->mosq, on_log);
  if (!mosquitto_ok (mosquitto_int_option (self->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311),
                     "MQTT 3.1.1", error) ||
      !mosquitto_ok (mosquitto_will_set (self->mosq, self->status_topic, 7, "offline", 1, TRUE), "the will",
                     error))
    return NULL;
  if (settings->username != NULL) {
    password = read_password (settings, error);
    if (password == NULL)
      return NULL;
    ok = mosquitto_ok (mosquitto_username_pw_set (self->mosq, settings->username,
                                                  *password != '\0' ? password : NULL),
                       "credentials", error);
    saldo_secret_free (password);
    if (!ok)
      return NULL;
  }
  if (settings->tls) {
    if (settings->key_file != NULL && !check_secret_file (settings->key_file, NULL, error))
      return NULL;
    /* The broker's certificate is verified against the CA (the system's
     * without CAFile=) and its name against Host=. */
    if (!mosquitto_ok (mosquitto_tls_set (self->mosq, settings->ca_file,
                                          settings->ca_file == NULL ? SYSTEM_CA_DIR : NULL,
                                          settings->cert_file, settings->key_file, NULL),
                       settings->ca_file != NULL ? settings->ca_file : SYSTEM_CA_DIR, error))
      return NULL;
  }
  g_info ("MQTT: publishing to %s:%u%s under %s", self->host, self->port, self->tls ? " (TLS)" : "",
          self->topic_prefix);
  saldo_mqtt_connect (self);
  return g_steal_pointer (&self);
}

static void
saldo_mqtt_dispose (GObject *object)
{
  SaldoMqtt *self = SALDO_MQTT (object);

  self->closing = TRUE;
  /* A clean goodbye: "offline" (a will is only sent for unclean ends),
   * then DISCONNECT, flushed without waiting on a slow broker. */
  if (self->state == STATE_CONNECTED && self->mosq != NULL) {
    mosquitto_publish (self->mosq, NULL, self->status_topic, 7, "offline", QOS, TRUE);
    mosquitto_disconnect (self->mosq);
    for (int i = 0; i < 4 && mosquitto_want_write (self->mosq); i++)
      if (mosquitto_loop_write (self->mosq, 1) != MOSQ_ERR_SUCCESS)
        break;
  }
  stop_watching (self);
  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  g_clear_handle_id (&self->keepalive_id, g_source_remove);
  g_clear_handle_id (&self->connect_timeout_id, g_source_remove);
  g_clear_handle_id (&self->days_id, g_source_remove);
  self->state = STATE_IDLE;
  G_OBJECT_CLASS (saldo_mqtt_parent_class)->dispose (object);
}

static void
saldo_mqtt_finalize (GObject *object)
{
  SaldoMqtt *self = SALDO_MQTT (object);

  if (self->mosq != NULL)
    mosquitto_destroy (self->mosq);
  g_clear_pointer (&self->latest, saldo_export_snapshot_unref);
  g_hash_table_unref (self->sent);
  g_hash_table_unref (self->wanted);
  g_hash_table_unref (self->learned);
  g_free (self->host);
  g_free (self->node_id);
  g_free (self->topic_prefix);
  g_free (self->discovery_prefix);
  g_free (self->status_topic);
  g_free (self->last_problem);
  g_free (self->last_log_error);
  mosquitto_lib_cleanup ();
  G_OBJECT_CLASS (saldo_mqtt_parent_class)->finalize (object);
}

static void
saldo_mqtt_class_init (SaldoMqttClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = saldo_mqtt_dispose;
  object_class->finalize = saldo_mqtt_finalize;
}

static void
saldo_mqtt_init (SaldoMqtt *self)
{
  mosquitto_lib_init ();
  self->sent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->wanted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->learned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->backoff_s = BACKOFF_MIN_S;
}

/* ---- the module's entry points ---- */

G_MODULE_EXPORT const guint32 saldo_export_module_abi = SALDO_EXPORT_MODULE_ABI;

G_MODULE_EXPORT SaldoExportSink *saldo_export_module_new_sink (gconstpointer settings, GError **error);

SaldoExportSink *
saldo_export_module_new_sink (gconstpointer settings, GError **error)
{
  SaldoMqtt *self = saldo_mqtt_new (settings, error);

  return self != NULL ? SALDO_EXPORT_SINK (self) : NULL;
}
