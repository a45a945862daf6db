//! Every message the generator prints, one function per template.
//!
//! The Java client templates are word for word those of apache/kafka
//! `clients/src/main/java/org/apache/kafka/` at the versions the fixtures
//! claim (the project's EVENT-CATALOG.md §3 has the history of each):
//! the console producer is a 3.6 tool, the Spring service runs
//! kafka-clients 3.7.0, the bulk application 3.6.1. The `prefix` argument is
//! the client's `LogContext` prefix, e.g.
//! `[Producer clientId=console-producer] `; lines that the client logs
//! without one (config dump, `AppInfoParser`, `ConsumerUtils`) take none.
//! The application and Spring lines at the end are ordinary application
//! output.

use crate::cluster;

/// `NetworkClient` J1 changed "Broker" to "Node" in 3.7.0 (KAFKA-15466).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Wording {
    /// 2.1.0 – 3.6.x
    Broker,
    /// 3.7.0 and later
    Node,
}

// --- org.apache.kafka.clients.NetworkClient ---------------------------------

/// J1 (WARN), logged when a connection attempt fails.
pub fn connection_failed(prefix: &str, node: i64, broker: u8, wording: Wording) -> String {
    let noun = match wording {
        Wording::Broker => "Broker",
        Wording::Node => "Node",
    };
    format!(
        "{prefix}Connection to node {node} ({}) could not be established. {noun} may not be available.",
        cluster::socket_address(broker)
    )
}

/// J6 (INFO since 3.1), logged for every closed connection, failed attempts
/// included.
pub fn node_disconnected(prefix: &str, node: i64) -> String {
    format!("{prefix}Node {node} disconnected.")
}

/// J5 (INFO), the 3.1 – 3.7 form, without `throttle time`.
pub fn cancelled_in_flight(
    prefix: &str,
    api: &str,
    correlation_id: i64,
    node: i64,
    since_creation_ms: i64,
    since_send_ms: i64,
) -> String {
    format!(
        "{prefix}Cancelled in-flight {api} request with correlation id {correlation_id} due to node {node} \
         being disconnected (elapsed time since creation: {since_creation_ms}ms, elapsed time since send: \
         {since_send_ms}ms, request timeout: 30000ms)"
    )
}

/// INFO, after `AbstractCoordinator` asked to drop the old coordinator.
pub fn client_requested_disconnect(prefix: &str, node: i64) -> String {
    format!("{prefix}Client requested disconnect from node {node}")
}

// --- org.apache.kafka.clients.FetchSessionHandler ---------------------------

/// INFO with the exception attached (`DisconnectException`, no message).
pub fn fetch_request_failed(prefix: &str, session_id: i64, epoch: i64, node: u8) -> String {
    format!("{prefix}Error sending fetch request (sessionId={session_id}, epoch={epoch}) to node {node}:")
}

pub const DISCONNECT_EXCEPTION: &str = "org.apache.kafka.common.errors.DisconnectException";

// --- org.apache.kafka.clients.producer.internals.Sender ---------------------

/// J20 (WARN). `attempts_left` counts down from 2147483646 with the default
/// `retries` (`Integer.MAX_VALUE`).
pub fn produce_retry(prefix: &str, correlation_id: i64, partition: u8, attempts_left: i64, error: &str) -> String {
    produce_retry_on(prefix, correlation_id, &cluster::topic_partition(partition), attempts_left, error)
}

/// J20 for any topic-partition `tp` (`TopicPartition.toString()`). `error`
/// is `formatErrMsg`: the enum name, plus `. Error Message: ...` when the
/// response carries a message (2.8.0+).
pub fn produce_retry_on(prefix: &str, correlation_id: i64, tp: &str, attempts_left: i64, error: &str) -> String {
    format!(
        "{prefix}Got error produce response with correlation id {correlation_id} on topic-partition {tp}, \
         retrying ({attempts_left} attempts left). Error: {error}"
    )
}

/// J22 (WARN), the ≤ 3.7 form: the exception text ends in a period, and the
/// template adds another one before "Going".
pub fn invalid_metadata(prefix: &str, partition: u8) -> String {
    invalid_metadata_on(prefix, &cluster::topic_partition(partition), NOT_LEADER_OR_FOLLOWER_EXCEPTION)
}

/// `Errors.NOT_LEADER_OR_FOLLOWER.exception().toString()`: the default
/// message already ends in a period.
pub const NOT_LEADER_OR_FOLLOWER_EXCEPTION: &str = "org.apache.kafka.common.errors.NotLeaderOrFollowerException: \
     For requests intended only for the leader, this error indicates that the broker is not the current leader. \
     For requests intended for any replica, this error indicates that the broker is not a replica of the topic \
     partition.";

/// J22 (WARN), ≤ 3.7 form, for any topic-partition; `exception` is
/// `error.exception(response.errorMessage).toString()`.
pub fn invalid_metadata_on(prefix: &str, tp: &str, exception: &str) -> String {
    format!(
        "{prefix}Received invalid metadata error in produce request on partition {tp} due to {exception}. \
         Going to request metadata update now"
    )
}

// --- org.apache.kafka.clients.producer.internals.ErrorLoggingCallback -------

/// ERROR from the console producer's send callback; the exception follows.
pub fn send_failed(value_bytes: i64) -> String {
    format!(
        "Error when sending message to topic {} with key: null, value: {value_bytes} bytes with error:",
        cluster::TOPIC
    )
}

pub const TIMEOUT_EXCEPTION: &str = "org.apache.kafka.common.errors.TimeoutException";

/// J24, the `TimeoutException` message of an expired batch (2.1.0+). No
/// space after the colon.
pub fn batch_expired(records: i64, partition: u8, elapsed_ms: i64) -> String {
    format!(
        "Expiring {records} record(s) for {}:{elapsed_ms} ms has passed since batch creation",
        cluster::topic_partition(partition)
    )
}

// --- org.apache.kafka.clients.consumer.internals.ConsumerCoordinator --------
// (AbstractCoordinator logs through the subclass's logger.)

/// J30 (INFO), the 3.3+ form.
pub fn coordinator_lost(prefix: &str, broker: u8, cause: &str, disconnected: bool) -> String {
    format!(
        "{prefix}Group coordinator {} is unavailable or invalid due to cause: {cause}. isDisconnected: \
         {disconnected}. Rediscovery will be attempted.",
        cluster::coordinator_node(broker)
    )
}

/// J31 (INFO).
pub fn coordinator_discovered(prefix: &str, broker: u8) -> String {
    format!("{prefix}Discovered group coordinator {}", cluster::coordinator_node(broker))
}

pub fn requesting_disconnect(prefix: &str, broker: u8) -> String {
    format!("{prefix}Requesting disconnect from last known coordinator {}", cluster::coordinator_node(broker))
}

pub fn heartbeat_coordinator_invalid(prefix: &str, broker: u8) -> String {
    format!(
        "{prefix}Attempt to heartbeat failed since coordinator {} is either not started or not valid",
        cluster::coordinator_node(broker)
    )
}

pub fn heartbeat_rebalancing(prefix: &str) -> String {
    format!("{prefix}Attempt to heartbeat failed since group is rebalancing")
}

pub fn joining_group(prefix: &str) -> String {
    format!("{prefix}(Re-)joining group")
}

pub fn rejoin_with_member_id(prefix: &str, member_id: &str) -> String {
    format!("{prefix}Request joining group due to: need to re-join with the given member-id: {member_id}")
}

/// `Generation.toString()`.
fn generation(generation_id: i64, member_id: &str) -> String {
    format!("Generation{{generationId={generation_id}, memberId='{member_id}', protocol='range'}}")
}

pub fn joined_group(prefix: &str, generation_id: i64, member_id: &str) -> String {
    format!("{prefix}Successfully joined group with generation {}", generation(generation_id, member_id))
}

pub fn synced_group(prefix: &str, generation_id: i64, member_id: &str) -> String {
    format!("{prefix}Successfully synced group in generation {}", generation(generation_id, member_id))
}

/// `[orders-0, orders-1]`, `List.toString()` of topic-partitions.
fn partition_list(partitions: &[u8]) -> String {
    format!("[{}]", partitions_joined(partitions))
}

/// `orders-0, orders-1`, `Utils.join(partitions, ", ")`.
fn partitions_joined(partitions: &[u8]) -> String {
    let names: Vec<String> = partitions.iter().map(|&p| cluster::topic_partition(p)).collect();
    names.join(", ")
}

pub fn finished_assignment(prefix: &str, generation_id: i64, member_id: &str, partitions: &[u8]) -> String {
    format!(
        "{prefix}Finished assignment for group at generation {generation_id}: \
         {{{member_id}=Assignment(partitions={})}}",
        partition_list(partitions)
    )
}

pub fn notifying_assignor(prefix: &str, partitions: &[u8]) -> String {
    format!("{prefix}Notifying assignor about the new Assignment(partitions={})", partition_list(partitions))
}

/// ConsumerCoordinator ≤ 3.6, `ConsumerRebalanceListenerInvoker` in 3.7.
pub fn adding_partitions(prefix: &str, partitions: &[u8]) -> String {
    format!("{prefix}Adding newly assigned partitions: {}", partitions_joined(partitions))
}

pub fn revoking_partitions(prefix: &str, partitions: &[u8]) -> String {
    format!("{prefix}Revoke previously assigned partitions {}", partitions_joined(partitions))
}

/// The committed position of a partition: ConsumerCoordinator with the
/// prefix up to 3.6, `ConsumerUtils` (a static logger, no prefix) in 3.7.
pub struct Position {
    pub partition: u8,
    pub offset: i64,
    pub leader_epoch: i64,
}

pub fn setting_offset(prefix: &str, position: &Position) -> String {
    setting_offset_led_by(prefix, position, cluster::leader_of(position.partition))
}

/// `setting_offset` while broker `leader` leads the partition (its
/// preferred leader may be restarting).
pub fn setting_offset_led_by(prefix: &str, position: &Position, leader: u8) -> String {
    format!(
        "{prefix}Setting offset for partition {} to the committed offset FetchPosition{{offset={}, \
         offsetEpoch=Optional[{}], currentLeader=LeaderAndEpoch{{leader=Optional[{}], epoch={}}}}}",
        cluster::topic_partition(position.partition),
        position.offset,
        position.leader_epoch,
        cluster::broker_node(leader),
        position.leader_epoch
    )
}

// --- consumer start-up ------------------------------------------------------

/// `AbstractConfig.logAll()` of a kafka-clients 3.7.0 `ConsumerConfig`: the
/// header with its trailing space, one tab-indented `key = value` line per
/// key in key order, and the platform newline after the last one (so the
/// layout's own newline leaves an empty line).
pub fn consumer_config_dump(client_id: &str) -> String {
    consumer_config_dump_with(client_id, &cluster::bootstrap_servers())
}

/// The same dump with `bootstrap` (already in `List.toString()` form) as
/// `bootstrap.servers`.
pub fn consumer_config_dump_with(client_id: &str, bootstrap: &str) -> String {
    let mut entries: Vec<(&str, &str)> = CONSUMER_CONFIG_3_7.to_vec();
    entries.extend([("bootstrap.servers", bootstrap), ("client.id", client_id), ("group.id", cluster::GROUP)]);
    config_dump("ConsumerConfig", entries)
}

/// `AbstractConfig.logAll()`: header with its trailing space, then the
/// entries sorted by key (a `TreeMap`), each tab-indented, each ended by the
/// platform newline.
fn config_dump(class: &str, mut entries: Vec<(&str, &str)>) -> String {
    entries.sort_by(|a, b| a.0.cmp(b.0));
    let mut dump = format!("{class} values: \n");
    for (key, value) in entries {
        dump.push('\t');
        dump.push_str(key);
        dump.push_str(" = ");
        dump.push_str(value);
        dump.push('\n');
    }
    dump
}

/// Every `ConsumerConfig` key of kafka-clients 3.7 but the three filled in
/// per client, with the values of a Spring Boot service on MSK TLS.
const CONSUMER_CONFIG_3_7: &[(&str, &str)] = &[
    ("allow.auto.create.topics", "true"),
    ("auto.commit.interval.ms", "5000"),
    ("auto.include.jmx.reporter", "true"),
    ("auto.offset.reset", "latest"),
    ("check.crcs", "true"),
    ("client.dns.lookup", "use_all_dns_ips"),
    ("client.rack", ""),
    ("connections.max.idle.ms", "540000"),
    ("default.api.timeout.ms", "60000"),
    ("enable.auto.commit", "false"),
    ("enable.metrics.push", "true"),
    ("exclude.internal.topics", "true"),
    ("fetch.max.bytes", "52428800"),
    ("fetch.max.wait.ms", "500"),
    ("fetch.min.bytes", "1"),
    ("group.instance.id", "null"),
    ("group.protocol", "classic"),
    ("group.remote.assignor", "null"),
    ("heartbeat.interval.ms", "3000"),
    ("interceptor.classes", "[]"),
    ("internal.leave.group.on.close", "true"),
    ("internal.throw.on.fetch.stable.offset.unsupported", "false"),
    ("isolation.level", "read_uncommitted"),
    ("key.deserializer", "class org.apache.kafka.common.serialization.StringDeserializer"),
    ("max.partition.fetch.bytes", "1048576"),
    ("max.poll.interval.ms", "300000"),
    ("max.poll.records", "500"),
    ("metadata.max.age.ms", "300000"),
    ("metric.reporters", "[]"),
    ("metrics.num.samples", "2"),
    ("metrics.recording.level", "INFO"),
    ("metrics.sample.window.ms", "30000"),
    (
        "partition.assignment.strategy",
        "[class org.apache.kafka.clients.consumer.RangeAssignor, \
         class org.apache.kafka.clients.consumer.CooperativeStickyAssignor]",
    ),
    ("receive.buffer.bytes", "65536"),
    ("reconnect.backoff.max.ms", "1000"),
    ("reconnect.backoff.ms", "50"),
    ("request.timeout.ms", "30000"),
    ("retry.backoff.max.ms", "1000"),
    ("retry.backoff.ms", "100"),
    ("sasl.client.callback.handler.class", "null"),
    ("sasl.jaas.config", "null"),
    ("sasl.kerberos.kinit.cmd", "/usr/bin/kinit"),
    ("sasl.kerberos.min.time.before.relogin", "60000"),
    ("sasl.kerberos.service.name", "null"),
    ("sasl.kerberos.ticket.renew.jitter", "0.05"),
    ("sasl.kerberos.ticket.renew.window.factor", "0.8"),
    ("sasl.login.callback.handler.class", "null"),
    ("sasl.login.class", "null"),
    ("sasl.login.connect.timeout.ms", "null"),
    ("sasl.login.read.timeout.ms", "null"),
    ("sasl.login.refresh.buffer.seconds", "300"),
    ("sasl.login.refresh.min.period.seconds", "60"),
    ("sasl.login.refresh.window.factor", "0.8"),
    ("sasl.login.refresh.window.jitter", "0.05"),
    ("sasl.login.retry.backoff.max.ms", "10000"),
    ("sasl.login.retry.backoff.ms", "100"),
    ("sasl.mechanism", "GSSAPI"),
    ("sasl.oauthbearer.clock.skew.seconds", "30"),
    ("sasl.oauthbearer.expected.audience", "null"),
    ("sasl.oauthbearer.expected.issuer", "null"),
    ("sasl.oauthbearer.jwks.endpoint.refresh.ms", "3600000"),
    ("sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms", "10000"),
    ("sasl.oauthbearer.jwks.endpoint.retry.backoff.ms", "100"),
    ("sasl.oauthbearer.jwks.endpoint.url", "null"),
    ("sasl.oauthbearer.scope.claim.name", "scope"),
    ("sasl.oauthbearer.sub.claim.name", "sub"),
    ("sasl.oauthbearer.token.endpoint.url", "null"),
    ("security.protocol", "SSL"),
    ("security.providers", "null"),
    ("send.buffer.bytes", "131072"),
    ("session.timeout.ms", "45000"),
    ("socket.connection.setup.timeout.max.ms", "30000"),
    ("socket.connection.setup.timeout.ms", "10000"),
    ("ssl.cipher.suites", "null"),
    ("ssl.enabled.protocols", "[TLSv1.2, TLSv1.3]"),
    ("ssl.endpoint.identification.algorithm", "https"),
    ("ssl.engine.factory.class", "null"),
    ("ssl.key.password", "null"),
    ("ssl.keymanager.algorithm", "SunX509"),
    ("ssl.keystore.certificate.chain", "null"),
    ("ssl.keystore.key", "null"),
    ("ssl.keystore.location", "null"),
    ("ssl.keystore.password", "null"),
    ("ssl.keystore.type", "JKS"),
    ("ssl.protocol", "TLSv1.3"),
    ("ssl.provider", "null"),
    ("ssl.secure.random.implementation", "null"),
    ("ssl.trustmanager.algorithm", "PKIX"),
    ("ssl.truststore.certificates", "null"),
    ("ssl.truststore.location", "null"),
    ("ssl.truststore.password", "null"),
    ("ssl.truststore.type", "JKS"),
    ("value.deserializer", "class org.apache.kafka.common.serialization.StringDeserializer"),
];

pub fn metrics_collector_initializing() -> String {
    "initializing Kafka metrics collector".to_string()
}

pub fn kafka_version(version: &str) -> String {
    format!("Kafka version: {version}")
}

pub fn kafka_commit_id(commit_id: &str) -> String {
    format!("Kafka commitId: {commit_id}")
}

pub fn kafka_start_time(start_ms: i64) -> String {
    format!("Kafka startTimeMs: {start_ms}")
}

pub fn subscribed(prefix: &str) -> String {
    format!("{prefix}Subscribed to topic(s): {}", cluster::TOPIC)
}

/// `org.apache.kafka.clients.Metadata` (INFO).
pub fn cluster_id(prefix: &str, id: &str) -> String {
    format!("{prefix}Cluster ID: {id}")
}

// --- Spring Boot and Spring for Apache Kafka ---------------------------------

pub fn tomcat_started(port: u16) -> String {
    format!("Tomcat started on port {port} (http) with context path '/'")
}

pub fn application_started(app: &str, started_ms: i64, running_ms: i64) -> String {
    format!("Started {app} in {} seconds (process running for {})", java_seconds(started_ms), java_seconds(running_ms))
}

/// `KafkaMessageListenerContainer` (INFO), prefixed with the group id.
pub fn partitions_assigned(partitions: &[u8]) -> String {
    format!("{}: partitions assigned: {}", cluster::GROUP, partition_list(partitions))
}

/// Milliseconds as Java prints `double` seconds: `3.85`, `4.442`, `5.0`.
fn java_seconds(ms: i64) -> String {
    let text = format!("{}.{:03}", ms / 1000, ms % 1000);
    let trimmed = text.trim_end_matches('0');
    if trimmed.ends_with('.') {
        format!("{trimmed}0")
    } else {
        trimmed.to_string()
    }
}

/// `AbstractMessageListenerContainer`'s logging rebalance listener (INFO),
/// the counterpart of `partitions_assigned`.
pub fn partitions_revoked(partitions: &[u8]) -> String {
    format!("{}: partitions revoked: {}", cluster::GROUP, partition_list(partitions))
}

/// `org.springframework.kafka.support.LoggingProducerListener` (ERROR), with
/// contents included (the default) and the partition the application chose;
/// key and payload are cut to `maxContentLogged` (100) characters plus
/// `...`. The exception follows on the next line.
pub fn spring_send_failed(key: &str, payload: &str, topic: &str, partition: u8) -> String {
    format!(
        "Exception thrown when sending a message with key='{}' and payload='{}' to topic {topic} and partition \
         {partition}:",
        cut_to_100(key),
        cut_to_100(payload)
    )
}

/// `LoggingProducerListener.toDisplayString` with the default 100.
fn cut_to_100(text: &str) -> String {
    match text.char_indices().nth(100) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text.to_string(),
    }
}

// --- more Java client lines ---------------------------------------------------

/// `NetworkClient` J7 (WARN): a connection to a `bootstrap.servers` entry
/// closed while the client still has no metadata (`DefaultMetadataUpdater.
/// handleServerDisconnect`, right after J1 for a refused connection).
pub fn bootstrap_broker_disconnected(prefix: &str, broker: u8, node: i64) -> String {
    format!("{prefix}Bootstrap broker {} disconnected", cluster::bootstrap_node(broker, node))
}

/// `FetchCollector.handleInitializeErrors` (WARN, 3.7+; `AbstractFetch` in
/// 3.6, `Fetcher` before): a fetch answered UNKNOWN_TOPIC_OR_PARTITION.
pub fn fetch_unknown_topic_or_partition(prefix: &str, partition: u8) -> String {
    format!(
        "{prefix}Received unknown topic or partition error in fetch for partition {}",
        cluster::topic_partition(partition)
    )
}

/// `AbstractCoordinator.requestRejoin` (INFO).
pub fn request_rejoin(prefix: &str, reason: &str) -> String {
    format!("{prefix}Request joining group due to: {reason}")
}

/// `Sender`: the error message of a produce request whose connection
/// dropped (`NETWORK_EXCEPTION`, 2.8+), and the exception a failed batch
/// completes with.
pub fn disconnected_from_node(broker: u8) -> String {
    format!("Disconnected from node {broker}")
}

pub const NETWORK_EXCEPTION: &str = "org.apache.kafka.common.errors.NetworkException";

/// `ProducerConfig.postProcessAndValidateIdempotenceConfigs` (INFO, 3.2+),
/// logged when `enable.idempotence` was not set and `acks` is not `all`,
/// before the config dump.
pub fn idempotence_disabled_by_acks(acks: &str) -> String {
    format!("Idempotence will be disabled because acks is set to {acks}, not set to 'all'.")
}

/// The per-service values of a producer's config dump.
pub struct ProducerSettings<'a> {
    pub acks: &'a str,
    pub bootstrap: &'a str,
    pub client_id: &'a str,
    pub delivery_timeout_ms: &'a str,
    pub enable_idempotence: &'a str,
    pub retries: &'a str,
}

/// `AbstractConfig.logAll()` of a kafka-clients 3.7 `ProducerConfig`.
pub fn producer_config_dump(settings: &ProducerSettings) -> String {
    let mut entries: Vec<(&str, &str)> = PRODUCER_CONFIG_3_7.to_vec();
    entries.extend([
        ("acks", settings.acks),
        ("bootstrap.servers", settings.bootstrap),
        ("client.id", settings.client_id),
        ("delivery.timeout.ms", settings.delivery_timeout_ms),
        ("enable.idempotence", settings.enable_idempotence),
        ("retries", settings.retries),
    ]);
    config_dump("ProducerConfig", entries)
}

/// Every `ProducerConfig` key of kafka-clients 3.7 but the six filled in
/// per service, with the values of a Spring Boot service on MSK TLS
/// (String key and value, `linger.ms` 0).
const PRODUCER_CONFIG_3_7: &[(&str, &str)] = &[
    ("auto.include.jmx.reporter", "true"),
    ("batch.size", "16384"),
    ("buffer.memory", "33554432"),
    ("client.dns.lookup", "use_all_dns_ips"),
    ("compression.type", "none"),
    ("connections.max.idle.ms", "540000"),
    ("enable.metrics.push", "true"),
    ("interceptor.classes", "[]"),
    ("key.serializer", "class org.apache.kafka.common.serialization.StringSerializer"),
    ("linger.ms", "0"),
    ("max.block.ms", "60000"),
    ("max.in.flight.requests.per.connection", "5"),
    ("max.request.size", "1048576"),
    ("metadata.max.age.ms", "300000"),
    ("metadata.max.idle.ms", "300000"),
    ("metric.reporters", "[]"),
    ("metrics.num.samples", "2"),
    ("metrics.recording.level", "INFO"),
    ("metrics.sample.window.ms", "30000"),
    ("partitioner.adaptive.partitioning.enable", "true"),
    ("partitioner.availability.timeout.ms", "0"),
    ("partitioner.class", "null"),
    ("partitioner.ignore.keys", "false"),
    ("receive.buffer.bytes", "32768"),
    ("reconnect.backoff.max.ms", "1000"),
    ("reconnect.backoff.ms", "50"),
    ("request.timeout.ms", "30000"),
    ("retry.backoff.max.ms", "1000"),
    ("retry.backoff.ms", "100"),
    ("sasl.client.callback.handler.class", "null"),
    ("sasl.jaas.config", "null"),
    ("sasl.kerberos.kinit.cmd", "/usr/bin/kinit"),
    ("sasl.kerberos.min.time.before.relogin", "60000"),
    ("sasl.kerberos.service.name", "null"),
    ("sasl.kerberos.ticket.renew.jitter", "0.05"),
    ("sasl.kerberos.ticket.renew.window.factor", "0.8"),
    ("sasl.login.callback.handler.class", "null"),
    ("sasl.login.class", "null"),
    ("sasl.login.connect.timeout.ms", "null"),
    ("sasl.login.read.timeout.ms", "null"),
    ("sasl.login.refresh.buffer.seconds", "300"),
    ("sasl.login.refresh.min.period.seconds", "60"),
    ("sasl.login.refresh.window.factor", "0.8"),
    ("sasl.login.refresh.window.jitter", "0.05"),
    ("sasl.login.retry.backoff.max.ms", "10000"),
    ("sasl.login.retry.backoff.ms", "100"),
    ("sasl.mechanism", "GSSAPI"),
    ("sasl.oauthbearer.clock.skew.seconds", "30"),
    ("sasl.oauthbearer.expected.audience", "null"),
    ("sasl.oauthbearer.expected.issuer", "null"),
    ("sasl.oauthbearer.jwks.endpoint.refresh.ms", "3600000"),
    ("sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms", "10000"),
    ("sasl.oauthbearer.jwks.endpoint.retry.backoff.ms", "100"),
    ("sasl.oauthbearer.jwks.endpoint.url", "null"),
    ("sasl.oauthbearer.scope.claim.name", "scope"),
    ("sasl.oauthbearer.sub.claim.name", "sub"),
    ("sasl.oauthbearer.token.endpoint.url", "null"),
    ("security.protocol", "SSL"),
    ("security.providers", "null"),
    ("send.buffer.bytes", "131072"),
    ("socket.connection.setup.timeout.max.ms", "30000"),
    ("socket.connection.setup.timeout.ms", "10000"),
    ("ssl.cipher.suites", "null"),
    ("ssl.enabled.protocols", "[TLSv1.2, TLSv1.3]"),
    ("ssl.endpoint.identification.algorithm", "https"),
    ("ssl.engine.factory.class", "null"),
    ("ssl.key.password", "null"),
    ("ssl.keymanager.algorithm", "SunX509"),
    ("ssl.keystore.certificate.chain", "null"),
    ("ssl.keystore.key", "null"),
    ("ssl.keystore.location", "null"),
    ("ssl.keystore.password", "null"),
    ("ssl.keystore.type", "JKS"),
    ("ssl.protocol", "TLSv1.3"),
    ("ssl.provider", "null"),
    ("ssl.secure.random.implementation", "null"),
    ("ssl.trustmanager.algorithm", "PKIX"),
    ("ssl.truststore.certificates", "null"),
    ("ssl.truststore.location", "null"),
    ("ssl.truststore.password", "null"),
    ("ssl.truststore.type", "JKS"),
    ("transaction.timeout.ms", "60000"),
    ("transactional.id", "null"),
    ("value.serializer", "class org.apache.kafka.common.serialization.StringSerializer"),
];

// --- kafka-topics.sh --describe (3.x tools, TopicCommand) ---------------------

/// The topic line: tab-separated fields; `Configs:` lists the non-default
/// topic configs joined by commas.
pub fn describe_topic(topic: &str, topic_id: &str, partitions: u8, replication_factor: usize, configs: &str) -> String {
    format!(
        "Topic: {topic}\tTopicId: {topic_id}\tPartitionCount: {partitions}\tReplicationFactor: \
         {replication_factor}\tConfigs: {configs}"
    )
}

/// One partition line, tab-indented.
pub fn describe_partition(topic: &str, partition: u8, leader: u8, replicas: &[u8], isr: &[u8]) -> String {
    let ids = |brokers: &[u8]| brokers.iter().map(u8::to_string).collect::<Vec<_>>().join(",");
    format!(
        "\tTopic: {topic}\tPartition: {partition}\tLeader: {leader}\tReplicas: {}\tIsr: {}",
        ids(replicas),
        ids(isr)
    )
}

// --- the application --------------------------------------------------------

pub fn processed_order(order: u64, customer: u64, took_ms: u64) -> String {
    format!("Processed order {order} for customer {customer} in {took_ms} ms")
}

/// The billing service's own line for each invoice it sends.
pub fn invoice_issued(invoice: &str, order: u64, amount_cents: u64) -> String {
    format!("Issued invoice {invoice} for order {order}, amount {}.{:02} USD", amount_cents / 100, amount_cents % 100)
}

/// The invoice event the billing service sends (a JSON string value).
pub fn invoice_payload(invoice: &str, order: u64, amount_cents: u64) -> String {
    format!(
        "{{\"invoiceId\":\"{invoice}\",\"orderId\":{order},\"amount\":{}.{:02},\"currency\":\"USD\"}}",
        amount_cents / 100,
        amount_cents % 100
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_double_seconds() {
        assert_eq!(java_seconds(3850), "3.85");
        assert_eq!(java_seconds(4442), "4.442");
        assert_eq!(java_seconds(5000), "5.0");
    }

    #[test]
    fn config_dump_is_sorted_and_tab_indented() {
        let dump = consumer_config_dump("consumer-orders-processor-1");
        let lines: Vec<&str> = dump.lines().collect();
        assert_eq!(lines[0], "ConsumerConfig values: ");
        assert!(dump.ends_with("\n"));
        let keys: Vec<&str> =
            lines[1..].iter().map(|l| l.strip_prefix('\t').unwrap().split(" = ").next().unwrap()).collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        assert_eq!(keys, sorted);
        assert!(lines.contains(&"\tclient.rack = "));
    }

    #[test]
    fn producer_dump_has_the_real_key_count_and_order() {
        let settings = ProducerSettings {
            acks: "-1",
            bootstrap: "[b:9094]",
            client_id: "producer-1",
            delivery_timeout_ms: "30000",
            enable_idempotence: "false",
            retries: "3",
        };
        let dump = producer_config_dump(&settings);
        let lines: Vec<&str> = dump.lines().collect();
        assert_eq!(lines[0], "ProducerConfig values: ");
        assert_eq!(lines[1], "\tacks = -1");
        // A kafka-clients 3.7.1 dump in the wild (Spring Boot 3.3) has these 90 keys.
        assert_eq!(lines.len() - 1, 90);
        let keys: Vec<&str> = lines[1..].iter().map(|l| l[1..].split(" = ").next().unwrap()).collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        assert_eq!(keys, sorted);
    }

    #[test]
    fn spring_listener_cuts_long_payloads() {
        let long = "x".repeat(120);
        let line = spring_send_failed("null", &long, "orders", 2);
        assert!(line.contains(&format!("payload='{}...'", "x".repeat(100))), "{line}");
        assert!(line.ends_with(" to topic orders and partition 2:"));
    }

    #[test]
    fn describe_lines() {
        assert_eq!(
            describe_partition("payments", 1, 2, &[2, 3, 1], &[2, 3, 1]),
            "\tTopic: payments\tPartition: 1\tLeader: 2\tReplicas: 2,3,1\tIsr: 2,3,1"
        );
    }

    #[test]
    fn expiry_has_no_space_after_the_colon() {
        assert_eq!(
            batch_expired(3, 5, 30_012),
            "Expiring 3 record(s) for orders-5:30012 ms has passed since batch creation"
        );
    }
}
