//! The scenarios added after the first four, and `topics`.
//!
//! Anomalies, each raising one finding and as little else as a real roll
//! would show:
//!
//! - `long-outage`: broker 2 takes 6–7 minutes to come back; both clients
//!   keep failing to reach it every 1–3 s the whole time.
//! - `repeated-outage`: a clean roll, then broker 1 goes out once more 4–5
//!   minutes after broker 3 is back.
//! - `retries-exhausted`: a Spring Boot producer service (`billing-service`,
//!   `retries = 3`) whose in-flight batches to broker 3 fail four times with
//!   NETWORK_EXCEPTION when broker 3 hangs instead of shutting down cleanly;
//!   Spring's `LoggingProducerListener` logs each lost record.
//! - `not-enough-replicas`: the console producer (`acks=all`) against
//!   `payments`, whose `min.insync.replicas` equals its replication factor:
//!   every produce fails NOT_ENOUGH_REPLICAS while broker 2 restarts.
//! - `single-bootstrap`: the orders service, configured with broker 1 alone
//!   in `bootstrap.servers`, is restarted while broker 1 restarts and cannot
//!   start until it is back.
//! - `config-risk`: a clean roll; the producer service runs with `acks=1`
//!   (idempotence off), which only its start-up lines show.
//! - `unknown-warnings`: a clean roll in which the consumer also logs Java
//!   client WARNs that the grammar does not know (FetchCollector's
//!   UNKNOWN_TOPIC_OR_PARTITION) as broker 2 comes back.
//!
//! Hard negatives, heavy but normal (one broker at a time, each back within
//! about two minutes):
//!
//! - `heavy-retries`: a busy producer: storms of NOT_LEADER_OR_FOLLOWER
//!   retries and reconnect failures every 50–300 ms in each restart.
//! - `coordinator-moves`: the group coordinator moves three times between
//!   brokers that are up, and each move brings a rebalance.
//! - `slow-restarts`: each broker takes 2.5–4 minutes; the clients keep
//!   failing to reach it every 2–5 s.
//!
//! The files follow the first four scenarios (`scenario.rs`):
//! `producer.log` is the console producer in Kafka's tools layout at WARN,
//! or a Spring Boot producer service at INFO; `consumer.log` is the Spring
//! Boot orders service at INFO. A scenario writes only the files it needs.

use std::fs;
use std::io;
use std::path::Path;

use crate::cluster::{self, BROKERS, HOME_COORDINATOR, PARTITIONS};
use crate::layout::{Level, Record, Renderer, Style};
use crate::noise::{
    self, Cadence, CorrelationIds, Logs, Move, Outage, Producer, CONSUMER_COORDINATOR, FIRST_ATTEMPTS_LEFT,
    NETWORK_CLIENT, SENDER,
};
use crate::rng::{self, Rng};
use crate::scenario::{
    self as base, APPLICATION, APP_INFO_PARSER, CONSOLE_PRODUCER_THREAD, CONSUMER_CLIENT_ID, CONSUMER_CONFIG,
    CONSUMER_PREFIX, CONSUMER_UTILS, HEARTBEAT_THREAD, LEGACY_KAFKA_CONSUMER, LISTENER_CONTAINER, LISTENER_THREAD,
    MAIN_THREAD, METADATA, METRICS_COLLECTOR, PRODUCER_PREFIX, REBALANCE_LISTENER_INVOKER, TOMCAT,
};
use crate::templates::{self as tpl, Position, ProducerSettings, Wording};

pub const NAMES: [&str; 10] = [
    "long-outage",
    "repeated-outage",
    "retries-exhausted",
    "not-enough-replicas",
    "single-bootstrap",
    "config-risk",
    "unknown-warnings",
    "heavy-retries",
    "coordinator-moves",
    "slow-restarts",
];

const PRODUCER_LOG: &str = "producer.log";
const CONSUMER_LOG: &str = "consumer.log";
const ORDERS_APP: &str = "orders-service";
const BILLING_APP: &str = "billing-service";

/// kafka-clients 3.7.0, as in the orders service.
const CLIENT_VERSION: &str = "3.7.0";
const CLIENT_COMMIT: &str = "2ae524ed625438c5";

const FETCH_COLLECTOR: &str = "org.apache.kafka.clients.consumer.internals.FetchCollector";
const PRODUCER_CONFIG: &str = "org.apache.kafka.clients.producer.ProducerConfig";
const PRODUCER_LISTENER: &str = "org.springframework.kafka.support.LoggingProducerListener";
const BILLING_APPLICATION: &str = "com.example.billing.BillingApplication";
const INVOICE_SERVICE: &str = "com.example.billing.InvoiceService";

const BILLING_CLIENT_ID: &str = "producer-1";
const BILLING_PREFIX: &str = "[Producer clientId=producer-1] ";
const BILLING_NETWORK_THREAD: &str = "kafka-producer-network-thread | producer-1";
/// The `@Scheduled` job that issues invoices, and so creates the producer.
const BILLING_THREAD: &str = "scheduling-1";

const PAYMENTS: &str = "payments";

/// One file of a scenario.
struct File {
    name: &'static str,
    style: Style,
    /// The Spring application name (Spring Boot layout only).
    app: &'static str,
    records: Vec<Record>,
}

/// Writes the files of scenario `name` (one of `NAMES`) into `dir`.
pub fn write(name: &str, dir: &Path, seed: u64) -> io::Result<()> {
    let mut rng = Rng::new(rng::derive(seed, name));
    let rng = &mut rng;
    let files = match name {
        "long-outage" => long_outage(rng),
        "repeated-outage" => repeated_outage(rng),
        "retries-exhausted" => retries_exhausted(rng),
        "not-enough-replicas" => not_enough_replicas(rng),
        "single-bootstrap" => single_bootstrap(rng),
        "config-risk" => config_risk(rng),
        "unknown-warnings" => unknown_warnings(rng),
        "heavy-retries" => heavy_retries(rng),
        "coordinator-moves" => coordinator_moves(rng),
        "slow-restarts" => slow_restarts(rng),
        _ => unreachable!("scenario names are checked by the caller"),
    };
    fs::create_dir_all(dir)?;
    // A file left by another scenario in the same directory would be read
    // as part of this one.
    for stale in [PRODUCER_LOG, CONSUMER_LOG] {
        if !files.iter().any(|f| f.name == stale) && dir.join(stale).is_file() {
            fs::remove_file(dir.join(stale))?;
        }
    }
    for file in files {
        fs::write(dir.join(file.name), render(file.style, file.app, file.records))?;
    }
    Ok(())
}

/// `kafka-topics.sh --describe` (3.x tools, TopicCommand) for the scenario:
/// the healthy `orders`, and for `not-enough-replicas` also `payments` with
/// `min.insync.replicas` = replication factor. Topics come sorted by name,
/// as the tool prints them.
pub fn describe(name: &str, seed: u64) -> String {
    let mut out = String::new();
    let mut topic = |topic: &str, min_insync: u8| {
        let mut rng = Rng::new(rng::derive(seed, &format!("topic-id {topic}")));
        let id = cluster::cluster_id(&mut rng);
        let configs = format!("min.insync.replicas={min_insync},segment.bytes=1073741824");
        out.push_str(&tpl::describe_topic(topic, &id, PARTITIONS, 3, &configs));
        out.push('\n');
        for partition in 0..PARTITIONS {
            let leader = cluster::leader_of(partition);
            let replicas = cluster::replicas_led_by(leader);
            out.push_str(&tpl::describe_partition(topic, partition, leader, &replicas, &replicas));
            out.push('\n');
        }
    };
    topic(cluster::TOPIC, 2);
    if name == "not-enough-replicas" {
        topic(PAYMENTS, 3);
    }
    out
}

// --- the scenarios ------------------------------------------------------------

fn long_outage(rng: &mut Rng) -> Vec<File> {
    let (start, first_down) = timeline(rng);
    let first = Outage::clean(1, first_down, restart_ms(rng), rng);
    let down_2 = up(&first) + catch_up(rng);
    let up_2 = down_2 + rng.range(360_000, 420_000);
    // Both clients keep asking for broker 2 every 1–3 s until it is back.
    let second = Outage::persistent(2, down_2, Some(up_2), up_2, rng);
    let down_3 = up_2 + catch_up(rng);
    let third = Outage::clean(3, down_3, restart_ms(rng), rng);
    let end = up(&third) + rng.range(180_000, 300_000);
    // The group's offsets partition goes back to broker 2 soon after it is
    // back, and so does the coordinator.
    let moves_back = [up_2 + rng.range(20_000, 90_000)];
    let (producer, consumer) = standard_roll(start, &[first, second, third], &moves_back, end, rng);
    tools_and_service(producer, consumer)
}

fn repeated_outage(rng: &mut Rng) -> Vec<File> {
    let (start, first_down) = timeline(rng);
    let mut outages = clean_roll(first_down, rng);
    let again = up(&outages[2]) + rng.range(240_000, 300_000);
    outages.push(Outage::clean(1, again, restart_ms(rng), rng));
    let end = up(&outages[3]) + rng.range(180_000, 300_000);
    let moves_back = moves_back(&outages, end, true, rng);
    let (producer, consumer) = standard_roll(start, &outages, &moves_back, end, rng);
    tools_and_service(producer, consumer)
}

fn retries_exhausted(rng: &mut Rng) -> Vec<File> {
    let (start, first_down) = timeline(rng);
    let mut producer = billing_producer(start, rng);
    let bootstrap = cluster::bootstrap_servers();
    let settings = ProducerSettings {
        acks: "-1",
        bootstrap: &bootstrap,
        client_id: BILLING_CLIENT_ID,
        delivery_timeout_ms: "30000",
        enable_idempotence: "false",
        retries: "3",
    };
    let mut log = Vec::new();
    let ready = billing_startup(start, &settings, rng, &mut log);

    // Brokers 1 and 2 restart cleanly; with `retries = 3` a moved leader
    // costs a batch one or two of its three retries.
    let mut t = first_down;
    for broker in [1, 2] {
        let outage = Outage::clean(broker, t, restart_ms(rng), rng);
        spring_outage(&mut producer, &outage, 2, 2, rng, &mut log);
        t = up(&outage) + catch_up(rng);
    }
    // Broker 3 does not shut down cleanly: it hangs, accepting connections
    // and dropping them with the requests, then dies; the controller moves
    // its leaders only when its session expires.
    let hang = t;
    let up_3 = hang + rng.range(60_000, 90_000);
    let end = up_3 + rng.range(180_000, 300_000);

    // The records in flight to broker 3 when it hangs (2–4, on its
    // partitions), between the invoices issued all along.
    let mut invoices = invoice_times(ready + rng.range(200, 900), end, rng);
    let lost = rng.range(2, 4);
    let led_by_3: Vec<u8> = cluster::partitions_led_by(3).collect();
    for _ in 0..lost {
        invoices.push(Invoice { t: hang - rng.range(5, 150), partition: *rng.pick(&led_by_3), lost: true });
    }
    let issued = invoice_lines(&mut invoices, rng, &mut log);
    let batches: Vec<(u8, Vec<String>)> = led_by_3
        .iter()
        .map(|&p| {
            (p, issued.iter().filter(|i| i.lost && i.partition == p).map(|i| i.payload.clone()).collect::<Vec<_>>())
        })
        .filter(|batch| !batch.1.is_empty())
        .collect();
    let last_attempt = hung_broker(&mut producer, 3, hang, &batches, rng, &mut log);
    // Then the broker is gone: connections are refused until the producer's
    // metadata names the new leaders.
    let until = hang + rng.range(9_000, 20_000);
    let times = noise::reconnect_attempts(rng, last_attempt, until, Cadence::Backoff, usize::MAX);
    producer.reconnect_failures(3, &times, &mut log);
    vec![File { name: PRODUCER_LOG, style: Style::SpringBoot, app: BILLING_APP, records: log }]
}

fn not_enough_replicas(rng: &mut Rng) -> Vec<File> {
    // The console producer runs from after broker 1's restart until before
    // broker 3's: its log holds broker 2's restart only.
    let start = base::start_of_logs() + rng.range(0, 1_999);
    let mut producer = console_producer(start, 4, rng);
    let down = start + rng.range(20_000, 60_000);
    let outage = Outage::clean(2, down, rng.range(45_000, 60_000), rng);
    let prefix = producer.prefix;
    let mut log = Vec::new();

    // Retries so far of the batch in flight on each partition.
    let mut retried = [0_i64; PARTITIONS as usize];
    // Controlled shutdown: broker 2's leaders move away under its batches.
    let mut at = down + rng.range(0, 300);
    let correlation_id = producer.correlation.at(at);
    for partition in cluster::partitions_led_by(2) {
        let tp = payments_partition(partition);
        let attempts_left = FIRST_ATTEMPTS_LEFT - retried[usize::from(partition)];
        let message = tpl::produce_retry_on(prefix, correlation_id, &tp, attempts_left, "NOT_LEADER_OR_FOLLOWER");
        log.push(producer.warn(at, SENDER, message));
        at += rng.range(0, 1);
        let message = tpl::invalid_metadata_on(prefix, &tp, tpl::NOT_LEADER_OR_FOLLOWER_EXCEPTION);
        log.push(producer.warn(at, SENDER, message));
        retried[usize::from(partition)] += 1;
    }
    let times = noise::reconnect_attempts(rng, outage.stop, outage.producer_probes_until, outage.cadence, usize::MAX);
    producer.reconnect_failures(2, &times, &mut log);

    // From the shutdown on, every ISR is {1, 3}, short of min.insync.replicas
    // = 3, until broker 2 is back in sync: the leaders (broker 1 for 0 and 3,
    // broker 3 for the rest) reject every batch and the producer retries
    // each one after retry.backoff.ms.
    let in_sync = up(&outage) + rng.range(1_000, 4_000);
    let leaders: [&[u8]; 2] = [&[0, 3], &[1, 2, 4, 5]];
    let mut requests: Vec<(i64, usize)> = Vec::new();
    for (index, _) in leaders.iter().enumerate() {
        let mut t = at + rng.range(100, 400);
        while t < in_sync {
            requests.push((t, index));
            t += rng.range(100, 500);
        }
    }
    requests.sort_unstable();
    for (t, index) in requests {
        let correlation_id = producer.correlation.at(t);
        for &partition in leaders[index] {
            let attempts_left = FIRST_ATTEMPTS_LEFT - retried[usize::from(partition)];
            let tp = payments_partition(partition);
            let message = tpl::produce_retry_on(prefix, correlation_id, &tp, attempts_left, "NOT_ENOUGH_REPLICAS");
            log.push(producer.warn(t, SENDER, message));
            retried[usize::from(partition)] += 1;
        }
    }
    vec![File { name: PRODUCER_LOG, style: Style::KafkaTools, app: ORDERS_APP, records: log }]
}

fn single_bootstrap(rng: &mut Rng) -> Vec<File> {
    let (start, first_down) = timeline(rng);
    let mut first = Outage::clean(1, first_down, 60_000, rng);
    // The service is restarted while broker 1, its only bootstrap server,
    // is down, and waits about 40 s for it.
    let restart = first.stop + rng.range(5_000, 15_000);
    first.up = Some(restart + rng.range(38_000, 45_000));
    let down_2 = up(&first) + catch_up(rng);
    let second = Outage::clean(2, down_2, restart_ms(rng), rng);
    let down_3 = up(&second) + catch_up(rng);
    let third = Outage::clean(3, down_3, restart_ms(rng), rng);
    let end = up(&third) + rng.range(180_000, 300_000);

    let mut producer = console_producer(start, 4, rng);
    let mut startup = Vec::new();
    let bootstrap = cluster::bootstrap_servers_of(&[1]);
    let all: Vec<u8> = (0..PARTITIONS).collect();
    let options =
        Startup { bootstrap: &bootstrap, partitions: &all, leader: true, bootstrap_down: Some((1, up(&first))) };
    let member = service_startup(restart, &options, rng, &mut startup);
    let mut consumer = orders_consumer(member.joined, rng);

    // Broker 1's restart reaches the producer only: the service's log
    // starts in the middle of it.
    let mut logs = Logs::default();
    let mut unlogged = orders_consumer(start, rng);
    noise::play(std::slice::from_ref(&first), &[], &mut producer, &mut unlogged, rng, &mut logs);
    logs.consumer.clear();
    let later = [second, third];
    let moves_back = moves_back(&later, end, false, rng);
    noise::play(&later, &moves_back, &mut producer, &mut consumer, rng, &mut logs);

    let mut consumer_log = startup;
    consumer_log.append(&mut logs.consumer);
    base::application_lines(member.joined + rng.range(200, 600), end, rng, &mut consumer_log);
    tools_and_service(logs.producer, consumer_log)
}

fn config_risk(rng: &mut Rng) -> Vec<File> {
    let (start, first_down) = timeline(rng);
    let mut producer = billing_producer(start, rng);
    let bootstrap = cluster::bootstrap_servers();
    let settings = ProducerSettings {
        acks: "1",
        bootstrap: &bootstrap,
        client_id: BILLING_CLIENT_ID,
        delivery_timeout_ms: "120000",
        enable_idempotence: "false",
        retries: "2147483647",
    };
    let mut log = Vec::new();
    let ready = billing_startup(start, &settings, rng, &mut log);
    let outages = clean_roll(first_down, rng);
    for outage in &outages {
        spring_outage(&mut producer, outage, 4, FIRST_ATTEMPTS_LEFT, rng, &mut log);
    }
    let end = up(&outages[2]) + rng.range(180_000, 300_000);
    let mut invoices = invoice_times(ready + rng.range(200, 900), end, rng);
    invoice_lines(&mut invoices, rng, &mut log);
    vec![File { name: PRODUCER_LOG, style: Style::SpringBoot, app: BILLING_APP, records: log }]
}

fn unknown_warnings(rng: &mut Rng) -> Vec<File> {
    let (start, first_down) = timeline(rng);
    let outages = clean_roll(first_down, rng);
    let end = up(&outages[2]) + rng.range(180_000, 300_000);
    let moves_back = moves_back(&outages, end, false, rng);
    let (producer, mut consumer) = standard_roll(start, &outages, &moves_back, end, rng);
    // As broker 2 comes back, fetches for its partitions are answered
    // UNKNOWN_TOPIC_OR_PARTITION until it has loaded them; the consumer
    // refreshes its metadata and tries again.
    let led_by_2: Vec<u8> = cluster::partitions_led_by(2).collect();
    let mut t = up(&outages[1]) + rng.range(300, 1_500);
    for i in 0..rng.range(3, 6) as usize {
        let message = tpl::fetch_unknown_topic_or_partition(CONSUMER_PREFIX, led_by_2[i % led_by_2.len()]);
        consumer.push(Record::new(t, Level::Warn, FETCH_COLLECTOR, LISTENER_THREAD, message));
        t += rng.range(100, 700);
    }
    tools_and_service(producer, consumer)
}

fn heavy_retries(rng: &mut Rng) -> Vec<File> {
    let (start, first_down) = timeline(rng);
    let mut outages = Vec::new();
    let mut t = first_down;
    for broker in BROKERS {
        let mut outage = Outage::clean(broker, t, rng.range(60_000, 100_000), rng);
        // A short reconnect.backoff.max.ms: a failure every 50–300 ms for
        // 20–40 s, well inside the restart.
        outage.producer_probes_until = outage.stop + rng.range(20_000, 40_000);
        outage.cadence = Cadence::Storm;
        t = up(&outage) + catch_up(rng);
        outages.push(outage);
    }
    let end = up(&outages[2]) + rng.range(180_000, 300_000);
    let moves_back = moves_back(&outages, end, false, rng);

    // The consumer's side as in a clean roll; the busy producer's own.
    let mut producer = console_producer(start, 40, rng);
    let mut unlogged = console_producer(start, 40, rng);
    let mut service = orders_service(start, rng);
    let mut logs = Logs::default();
    noise::play(&outages, &moves_back, &mut unlogged, &mut service.consumer, rng, &mut logs);
    let mut producer_log = Vec::new();
    for outage in &outages {
        leader_storm(&mut producer, outage.broker, outage.down, rng, &mut producer_log);
        let times =
            noise::reconnect_attempts(rng, outage.stop, outage.producer_probes_until, outage.cadence, usize::MAX);
        producer.reconnect_failures(outage.broker, &times, &mut producer_log);
    }
    let consumer = service.finish(logs.consumer, end, rng);
    tools_and_service(producer_log, consumer)
}

fn coordinator_moves(rng: &mut Rng) -> Vec<File> {
    let (start, first_down) = timeline(rng);
    let outages = clean_roll(first_down, rng);
    let end = up(&outages[2]) + rng.range(180_000, 300_000);

    let mut producer = console_producer(start, 4, rng);
    // Two instances of the service share the group; this one joins the
    // other's group (so it is not the leader) and gets half the partitions.
    let ours: Vec<u8> = if rng.chance(1, 2) { vec![0, 1, 2] } else { vec![3, 4, 5] };
    let bootstrap = cluster::bootstrap_servers();
    let options = Startup { bootstrap: &bootstrap, partitions: &ours, leader: false, bootstrap_down: None };
    let mut startup = Vec::new();
    let member = service_startup(start, &options, rng, &mut startup);
    let mut consumer = orders_consumer(member.joined, rng);

    // The group's `__consumer_offsets` partition has replicas [3, 2, 1] and
    // is led by broker 2 since an earlier incident. Broker 2's controlled
    // shutdown moves it to 3, broker 3's back to 2, and a preferred-leader
    // election after broker 3 is back moves it to 3 again: each time the
    // consumer hears NOT_COORDINATOR from a broker that is still up.
    let in_shutdown = |o: &Outage, rng: &mut Rng| o.down + rng.range(100, o.stop - o.down - 50);
    let moves = [
        Move { t: in_shutdown(&outages[1], rng), to: 3 },
        Move { t: in_shutdown(&outages[2], rng), to: 2 },
        Move { t: up(&outages[2]) + rng.range(30_000, 150_000), to: 3 },
    ];
    let mut logs = Logs::default();
    let moved = noise::play_moves(&outages, &moves, &mut producer, &mut consumer, rng, &mut logs);
    // The other instance rejoins after each move, and this one follows.
    let mut generation = member.generation;
    for t in moved {
        generation += 1;
        rebalance(t + rng.range(1_500, 6_000), generation, &member, &outages, rng, &mut logs.consumer);
    }

    let mut consumer_log = startup;
    consumer_log.append(&mut logs.consumer);
    base::application_lines(member.joined + rng.range(200, 600), end, rng, &mut consumer_log);
    tools_and_service(logs.producer, consumer_log)
}

fn slow_restarts(rng: &mut Rng) -> Vec<File> {
    let (start, first_down) = timeline(rng);
    let mut outages = Vec::new();
    let mut t = first_down;
    for broker in BROKERS {
        let back = t + rng.range(150_000, 240_000);
        let mut outage = Outage::persistent(broker, t, Some(back), back, rng);
        outage.cadence = Cadence::Slow;
        t = back + rng.range(120_000, 180_000);
        outages.push(outage);
    }
    let end = up(&outages[2]) + rng.range(180_000, 300_000);
    let moves_back = moves_back(&outages, end, false, rng);
    let (producer, consumer) = standard_roll(start, &outages, &moves_back, end, rng);
    tools_and_service(producer, consumer)
}

// --- the roll -----------------------------------------------------------------

/// When the logs start, and when the first broker goes down.
fn timeline(rng: &mut Rng) -> (i64, i64) {
    let start = base::start_of_logs() + rng.range(0, 1_999);
    (start, start + rng.range(60_000, 120_000))
}

fn restart_ms(rng: &mut Rng) -> i64 {
    rng.range(40_000, 90_000)
}

/// The wait before the next broker: its partitions catching up.
fn catch_up(rng: &mut Rng) -> i64 {
    rng.range(60_000, 180_000)
}

fn up(outage: &Outage) -> i64 {
    outage.up.unwrap_or(outage.stop)
}

/// Brokers 1, 2, 3 restarted cleanly, one after the other.
fn clean_roll(first_down: i64, rng: &mut Rng) -> Vec<Outage> {
    let mut outages = Vec::new();
    let mut t = first_down;
    for broker in BROKERS {
        let outage = Outage::clean(broker, t, restart_ms(rng), rng);
        t = up(&outage) + catch_up(rng);
        outages.push(outage);
    }
    outages
}

/// The coordinator's moves back to broker 2 after its restarts (a
/// preferred-leader election), each `always` or two times out of three.
fn moves_back(outages: &[Outage], end: i64, always: bool, rng: &mut Rng) -> Vec<i64> {
    let mut moves = Vec::new();
    for outage in outages.iter().filter(|o| o.broker == HOME_COORDINATOR) {
        if let Some(up) = outage.up {
            let t = up + rng.range(30_000, 150_000);
            if (always || rng.chance(2, 3)) && t < end - 10_000 {
                moves.push(t);
            }
        }
    }
    moves
}

/// The console producer (a 3.6 tool) and the orders service through the
/// outages, as in the first four scenarios; returns both logs.
fn standard_roll(
    start: i64,
    outages: &[Outage],
    moves_back: &[i64],
    end: i64,
    rng: &mut Rng,
) -> (Vec<Record>, Vec<Record>) {
    let mut producer = console_producer(start, 4, rng);
    let mut service = orders_service(start, rng);
    let mut logs = Logs::default();
    noise::play(outages, moves_back, &mut producer, &mut service.consumer, rng, &mut logs);
    let consumer = service.finish(logs.consumer, end, rng);
    (logs.producer, consumer)
}

fn tools_and_service(producer: Vec<Record>, consumer: Vec<Record>) -> Vec<File> {
    vec![
        File { name: PRODUCER_LOG, style: Style::KafkaTools, app: ORDERS_APP, records: producer },
        File { name: CONSUMER_LOG, style: Style::SpringBoot, app: ORDERS_APP, records: consumer },
    ]
}

fn console_producer(start: i64, per_second: i64, rng: &mut Rng) -> Producer {
    Producer {
        prefix: PRODUCER_PREFIX,
        wording: Wording::Broker,
        logs_info: false,
        thread: CONSOLE_PRODUCER_THREAD,
        correlation: CorrelationIds::new(start, rng.range(300, 2_000), per_second),
    }
}

/// The orders service as the first four scenarios start it.
struct Service {
    startup: Vec<Record>,
    joined: i64,
    consumer: noise::Consumer,
}

fn orders_service(start: i64, rng: &mut Rng) -> Service {
    let mut startup = Vec::new();
    let joined = base::consumer_startup(start, rng, &mut startup);
    let consumer = orders_consumer(joined, rng);
    Service { startup, joined, consumer }
}

impl Service {
    /// The whole consumer log: start-up, `noise`, and the service's own
    /// lines until `end`.
    fn finish(self, mut noise: Vec<Record>, end: i64, rng: &mut Rng) -> Vec<Record> {
        let mut log = self.startup;
        log.append(&mut noise);
        base::application_lines(self.joined + rng.range(200, 600), end, rng, &mut log);
        log
    }
}

fn orders_consumer(joined: i64, rng: &mut Rng) -> noise::Consumer {
    noise::Consumer::new(
        CONSUMER_PREFIX,
        Wording::Node,
        (LISTENER_THREAD, HEARTBEAT_THREAD),
        CorrelationIds::new(joined, rng.range(40, 90), 12),
        joined,
        rng,
    )
}

/// How the orders service starts.
struct Startup<'a> {
    /// `bootstrap.servers` as the config dump prints it.
    bootstrap: &'a str,
    /// The partitions this member is given.
    partitions: &'a [u8],
    /// Whether it leads the group (alone in it) and so computes the
    /// assignment.
    leader: bool,
    /// A single bootstrap broker that refuses connections until then.
    bootstrap_down: Option<(u8, i64)>,
}

/// The member the service became.
struct Member {
    joined: i64,
    id: String,
    generation: i64,
    /// The committed position of each of its partitions at the join.
    positions: Vec<Position>,
}

/// The orders service starting (the first four scenarios' start-up, with
/// the options above). Returns when its partitions are assigned.
fn service_startup(start: i64, options: &Startup, rng: &mut Rng, out: &mut Vec<Record>) -> Member {
    let p = CONSUMER_PREFIX;
    let mut t = start;
    let main = |out: &mut Vec<Record>, t: i64, logger: &'static str, message: String| {
        out.push(Record::new(t, Level::Info, logger, MAIN_THREAD, message));
    };
    main(out, t, TOMCAT, tpl::tomcat_started(8080));
    t += rng.range(30, 60);
    main(out, t, CONSUMER_CONFIG, tpl::consumer_config_dump_with(CONSUMER_CLIENT_ID, options.bootstrap));
    t += rng.range(30, 50);
    main(out, t, METRICS_COLLECTOR, tpl::metrics_collector_initializing());
    t += rng.range(40, 70);
    main(out, t, APP_INFO_PARSER, tpl::kafka_version(CLIENT_VERSION));
    main(out, t, APP_INFO_PARSER, tpl::kafka_commit_id(CLIENT_COMMIT));
    main(out, t, APP_INFO_PARSER, tpl::kafka_start_time(t));
    t += rng.range(10, 20);
    main(out, t, LEGACY_KAFKA_CONSUMER, tpl::subscribed(p));
    t += rng.range(20, 40);
    let started_ms = rng.range(4_100, 6_500);
    let running_ms = started_ms + rng.range(500, 900);
    main(out, t, APPLICATION, tpl::application_started("OrdersApplication", started_ms, running_ms));

    let listener = |out: &mut Vec<Record>, t: i64, level: Level, logger: &'static str, message: String| {
        out.push(Record::new(t, level, logger, LISTENER_THREAD, message));
    };
    // The first poll: with its only bootstrap server down, the consumer
    // tries it again at the reconnect backoff, and has no other node.
    if let Some((broker, until)) = options.bootstrap_down {
        for at in noise::reconnect_attempts(rng, t, until, Cadence::Backoff, usize::MAX) {
            listener(out, at, Level::Info, NETWORK_CLIENT, tpl::node_disconnected(p, -1));
            listener(out, at, Level::Warn, NETWORK_CLIENT, tpl::connection_failed(p, -1, broker, Wording::Node));
            listener(out, at, Level::Warn, NETWORK_CLIENT, tpl::bootstrap_broker_disconnected(p, broker, -1));
        }
        t = t.max(until) + rng.range(100, 900);
    }

    let id = format!("{CONSUMER_CLIENT_ID}-{}", cluster::uuid(rng));
    let generation = rng.range(5, 60);
    let partitions = options.partitions;
    let coordinator = CONSUMER_COORDINATOR;
    let mut steps: Vec<(i64, &'static str, String)> = vec![
        (rng.range(100, 300), METADATA, tpl::cluster_id(p, &cluster::cluster_id(rng))),
        (rng.range(100, 200), coordinator, tpl::coordinator_discovered(p, HOME_COORDINATOR)),
        (rng.range(2, 5), coordinator, tpl::joining_group(p)),
        (rng.range(20, 40), coordinator, tpl::rejoin_with_member_id(p, &id)),
        (rng.range(1, 3), coordinator, tpl::joining_group(p)),
        (rng.range(3_000, 3_100), coordinator, tpl::joined_group(p, generation, &id)),
    ];
    if options.leader {
        steps.push((rng.range(5, 15), coordinator, tpl::finished_assignment(p, generation, &id, partitions)));
    }
    steps.extend([
        (rng.range(10, 20), coordinator, tpl::synced_group(p, generation, &id)),
        (rng.range(0, 1), coordinator, tpl::notifying_assignor(p, partitions)),
        (rng.range(2, 5), REBALANCE_LISTENER_INVOKER, tpl::adding_partitions(p, partitions)),
    ]);
    let mut order = partitions.to_vec();
    rng.shuffle(&mut order);
    let mut positions = Vec::new();
    for partition in order {
        let position = Position { partition, offset: rng.range(100_000, 900_000), leader_epoch: rng.range(10, 40) };
        steps.push((rng.range(0, 2), CONSUMER_UTILS, tpl::setting_offset("", &position)));
        positions.push(position);
    }
    steps.push((rng.range(1, 3), LISTENER_CONTAINER, tpl::partitions_assigned(partitions)));
    for (delay, logger, message) in steps {
        t += delay;
        listener(out, t, Level::Info, logger, message);
    }
    positions.sort_by_key(|position| position.partition);
    Member { joined: t, id, generation, positions }
}

/// An eager (range) rebalance that another member started: this one is
/// told at its heartbeat, gives up its partitions, rejoins and gets them
/// back.
fn rebalance(t: i64, generation: i64, member: &Member, outages: &[Outage], rng: &mut Rng, out: &mut Vec<Record>) {
    let p = CONSUMER_PREFIX;
    let reason = tpl::request_rejoin(p, "group is already rebalancing");
    out.push(Record::new(t, Level::Info, CONSUMER_COORDINATOR, HEARTBEAT_THREAD, reason));
    let partitions: Vec<u8> = member.positions.iter().map(|position| position.partition).collect();
    let mut at = t + rng.range(20, 400);
    let mut steps: Vec<(i64, &'static str, String)> = vec![
        (0, REBALANCE_LISTENER_INVOKER, tpl::revoking_partitions(p, &partitions)),
        (rng.range(0, 1), LISTENER_CONTAINER, tpl::partitions_revoked(&partitions)),
        (rng.range(1, 5), CONSUMER_COORDINATOR, tpl::joining_group(p)),
        (rng.range(80, 2_500), CONSUMER_COORDINATOR, tpl::joined_group(p, generation, &member.id)),
        (rng.range(5, 20), CONSUMER_COORDINATOR, tpl::synced_group(p, generation, &member.id)),
        (rng.range(0, 1), CONSUMER_COORDINATOR, tpl::notifying_assignor(p, &partitions)),
        (rng.range(2, 5), REBALANCE_LISTENER_INVOKER, tpl::adding_partitions(p, &partitions)),
    ];
    let mut order = member.positions.iter().collect::<Vec<_>>();
    rng.shuffle(&mut order);
    let committed_at = at + steps.iter().map(|s| s.0).sum::<i64>();
    for position in order {
        let (leader, moves) = leadership(position.partition, committed_at, outages);
        let now = Position {
            partition: position.partition,
            // Orders committed since the join, a few per second per partition.
            offset: position.offset + (committed_at - member.joined) / 900,
            leader_epoch: position.leader_epoch + moves,
        };
        steps.push((rng.range(0, 2), CONSUMER_UTILS, tpl::setting_offset_led_by("", &now, leader)));
    }
    steps.push((rng.range(1, 3), LISTENER_CONTAINER, tpl::partitions_assigned(&partitions)));
    for (delay, logger, message) in steps {
        at += delay;
        out.push(Record::new(at, Level::Info, logger, LISTENER_THREAD, message));
    }
}

/// Who leads `partition` at `t`, and how many leader changes (leader epoch
/// bumps) it has seen since the start: its preferred leader hands it to the
/// next replica in its controlled shutdown and takes it back once up.
fn leadership(partition: u8, t: i64, outages: &[Outage]) -> (u8, i64) {
    let preferred = cluster::leader_of(partition);
    let mut leader = preferred;
    let mut moves = 0;
    for outage in outages.iter().filter(|o| o.broker == preferred && o.down <= t) {
        moves += 1;
        if up(outage) <= t {
            moves += 1;
        } else {
            leader = cluster::replicas_led_by(preferred)[1];
        }
    }
    (leader, moves)
}

// --- the busy console producer --------------------------------------------

/// The controlled shutdown of `broker` under a busy producer: up to five
/// batches in flight per partition it led, each answered
/// NOT_LEADER_OR_FOLLOWER and retried for a few seconds while the metadata
/// catches up, with new batches taking the place of those that get through.
/// Each produce request carries one batch of each partition.
fn leader_storm(producer: &mut Producer, broker: u8, down: i64, rng: &mut Rng, out: &mut Vec<Record>) {
    let prefix = producer.prefix;
    let partitions: Vec<u8> = cluster::partitions_led_by(broker).collect();
    // The retries so far of each batch in flight, per partition.
    let mut in_flight: Vec<Vec<i64>> = partitions.iter().map(|_| vec![0; rng.range(2, 5) as usize]).collect();
    let until = down + rng.range(3_000, 7_000);
    let mut t = down + rng.range(0, 300);
    while t < until {
        let depth = in_flight.iter().map(Vec::len).max().unwrap_or(0);
        for slot in 0..depth {
            let correlation_id = producer.correlation.at(t);
            for (i, &partition) in partitions.iter().enumerate() {
                let Some(retried) = in_flight[i].get_mut(slot) else {
                    continue;
                };
                let error = "NOT_LEADER_OR_FOLLOWER";
                let message =
                    tpl::produce_retry(prefix, correlation_id, partition, FIRST_ATTEMPTS_LEFT - *retried, error);
                out.push(producer.warn(t, SENDER, message));
                t += rng.range(0, 1);
                out.push(producer.warn(t, SENDER, tpl::invalid_metadata(prefix, partition)));
                *retried += 1;
            }
            t += rng.range(0, 3);
        }
        for batches in &mut in_flight {
            if rng.chance(1, 5) {
                batches.remove(0);
            }
            if batches.len() < 5 && (batches.is_empty() || rng.chance(1, 3)) {
                batches.push(0);
            }
        }
        t += rng.range(20, 90);
    }
}

fn payments_partition(partition: u8) -> String {
    format!("{PAYMENTS}-{partition}")
}

// --- the billing service (Spring Boot producer) -------------------------------

fn billing_producer(start: i64, rng: &mut Rng) -> Producer {
    Producer {
        prefix: BILLING_PREFIX,
        wording: Wording::Node,
        logs_info: true,
        thread: BILLING_NETWORK_THREAD,
        correlation: CorrelationIds::new(start, rng.range(20, 60), 3),
    }
}

/// The billing service starting: Tomcat, then the first scheduled run
/// creates the producer (config dump, banner) and its network thread finds
/// the cluster. Returns when the producer is ready.
fn billing_startup(start: i64, settings: &ProducerSettings, rng: &mut Rng, out: &mut Vec<Record>) -> i64 {
    let mut t = start;
    out.push(Record::new(t, Level::Info, TOMCAT, MAIN_THREAD, tpl::tomcat_started(8080)));
    t += rng.range(20, 50);
    let started_ms = rng.range(3_200, 5_400);
    let running_ms = started_ms + rng.range(400, 800);
    let message = tpl::application_started("BillingApplication", started_ms, running_ms);
    out.push(Record::new(t, Level::Info, BILLING_APPLICATION, MAIN_THREAD, message));

    t += rng.range(800, 4_000);
    let mut job = |t: i64, logger: &'static str, message: String| {
        out.push(Record::new(t, Level::Info, logger, BILLING_THREAD, message));
    };
    if settings.acks != "-1" {
        job(t, PRODUCER_CONFIG, tpl::idempotence_disabled_by_acks(settings.acks));
    }
    job(t, PRODUCER_CONFIG, tpl::producer_config_dump(settings));
    t += rng.range(30, 50);
    job(t, METRICS_COLLECTOR, tpl::metrics_collector_initializing());
    t += rng.range(40, 70);
    job(t, APP_INFO_PARSER, tpl::kafka_version(CLIENT_VERSION));
    job(t, APP_INFO_PARSER, tpl::kafka_commit_id(CLIENT_COMMIT));
    job(t, APP_INFO_PARSER, tpl::kafka_start_time(t));
    t += rng.range(250, 450);
    let message = tpl::cluster_id(BILLING_PREFIX, &cluster::cluster_id(rng));
    out.push(Record::new(t, Level::Info, METADATA, BILLING_NETWORK_THREAD, message));
    t
}

/// A clean restart as the Spring Boot producer sees it (at INFO): leaders
/// moved under at most `max_rounds` retries of each batch, the first
/// leaving `first_attempts_left`; then the connection drops and reconnects
/// fail for a while.
fn spring_outage(
    producer: &mut Producer,
    outage: &Outage,
    max_rounds: i64,
    first_attempts_left: i64,
    rng: &mut Rng,
    out: &mut Vec<Record>,
) {
    producer.leaders_moved_from(outage.broker, outage.down, max_rounds, first_attempts_left, rng, out);
    producer.broker_stopped(outage.broker, outage.stop, out);
    let times = noise::reconnect_attempts(rng, outage.stop, outage.producer_probes_until, outage.cadence, usize::MAX);
    producer.reconnect_failures(outage.broker, &times, out);
}

/// A hung broker and `retries = 3`: each attempt of the request carrying
/// the batches of its partitions (partition, payload of each record) is
/// sent on a new connection that the broker drops, so each is cancelled
/// and fails NETWORK_EXCEPTION. The first three failures are retried; the
/// fourth fails the batches, and Spring's producer listener logs every
/// record (the Sender logs the invalid-metadata line either way, after the
/// callbacks). Returns the time of the last attempt.
fn hung_broker(
    producer: &mut Producer,
    broker: u8,
    hang: i64,
    batches: &[(u8, Vec<String>)],
    rng: &mut Rng,
    out: &mut Vec<Record>,
) -> i64 {
    let prefix = producer.prefix;
    let node = i64::from(broker);
    let disconnected = tpl::disconnected_from_node(broker);
    let error = format!("NETWORK_EXCEPTION. Error Message: {disconnected}");
    let exception = format!("{}: {disconnected}", tpl::NETWORK_EXCEPTION);
    let mut sent = hang - rng.range(2, 60);
    let mut at = hang;
    for attempt in 0..4 {
        let correlation_id = producer.correlation.at(sent);
        let info = |t: i64, message: String| Record::new(t, Level::Info, NETWORK_CLIENT, producer.thread, message);
        out.push(info(at, tpl::node_disconnected(prefix, node)));
        let since_send = at - sent;
        let cancelled =
            tpl::cancelled_in_flight(prefix, "PRODUCE", correlation_id, node, since_send + rng.range(0, 1), since_send);
        out.push(info(at, cancelled));
        for (partition, payloads) in batches {
            let tp = cluster::topic_partition(*partition);
            if attempt < 3 {
                let message = tpl::produce_retry_on(prefix, correlation_id, &tp, 2 - attempt, &error);
                out.push(producer.warn(at, SENDER, message));
            } else {
                for payload in payloads {
                    let message = tpl::spring_send_failed("null", payload, cluster::TOPIC, *partition);
                    let record = Record::new(at, Level::Error, PRODUCER_LISTENER, producer.thread, message)
                        .with_throwable(tpl::NETWORK_EXCEPTION, Some(disconnected.clone()));
                    out.push(record);
                }
            }
            out.push(producer.warn(at, SENDER, tpl::invalid_metadata_on(prefix, &tp, &exception)));
        }
        if attempt == 3 {
            break;
        }
        // retry.backoff.ms (100) doubling toward retry.backoff.max.ms, ±20%,
        // then a new connection; the broker drops it within a few ms.
        sent = at + (100 << attempt) * rng.range(80, 120) / 100 + rng.range(20, 120);
        at = sent + rng.range(3, 60);
    }
    at
}

/// When an invoice is sent, to which partition (the service picks it), and
/// whether it is one of the records lost.
struct Invoice {
    t: i64,
    partition: u8,
    lost: bool,
}

/// An invoice as issued: what was logged and sent.
struct Issued {
    partition: u8,
    lost: bool,
    payload: String,
}

/// The scheduled job's pace: an invoice every 0.3–1.5 s.
fn invoice_times(from: i64, until: i64, rng: &mut Rng) -> Vec<Invoice> {
    let mut invoices = Vec::new();
    let mut t = from;
    while t < until {
        invoices.push(Invoice { t, partition: rng.below(u64::from(PARTITIONS)) as u8, lost: false });
        t += rng.range(300, 1_500);
    }
    invoices
}

/// Numbers the invoices in time order and logs each one.
fn invoice_lines(invoices: &mut [Invoice], rng: &mut Rng, out: &mut Vec<Record>) -> Vec<Issued> {
    invoices.sort_by_key(|invoice| invoice.t);
    let first_number = rng.range(4_000, 9_000) as u64;
    let first_order = rng.range(18_000, 20_000) as u64;
    let mut issued = Vec::new();
    for (i, invoice) in invoices.iter().enumerate() {
        let number = format!("INV-2024-{:06}", first_number + i as u64);
        let order = first_order + i as u64;
        let amount_cents = rng.range(990, 48_000) as u64;
        let message = tpl::invoice_issued(&number, order, amount_cents);
        out.push(Record::new(invoice.t, Level::Info, INVOICE_SERVICE, BILLING_THREAD, message));
        let payload = tpl::invoice_payload(&number, order, amount_cents);
        issued.push(Issued { partition: invoice.partition, lost: invoice.lost, payload });
    }
    issued
}

/// Sorts by time (stable: lines of one millisecond keep their order) and
/// renders.
fn render(style: Style, app: &'static str, mut records: Vec<Record>) -> Vec<u8> {
    records.sort_by_key(|r| r.t);
    let mut renderer = Renderer::with_app(style, app);
    let mut out = Vec::new();
    for record in &records {
        renderer.render(record, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(name: &str) -> (Vec<String>, Vec<String>) {
        // One directory per call: tests run side by side, and two of them
        // writing and removing one directory for the same scenario raced.
        static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("rollcall-gen-extra-{name}-{}-{call}", std::process::id()));
        write(name, &dir, 1).unwrap();
        let read = |file: &str| {
            fs::read_to_string(dir.join(file)).map(|t| t.lines().map(str::to_string).collect()).unwrap_or_default()
        };
        let files = (read(PRODUCER_LOG), read(CONSUMER_LOG));
        fs::remove_dir_all(&dir).unwrap();
        files
    }

    #[test]
    fn deterministic() {
        for name in NAMES {
            assert_eq!(lines(name), lines(name), "{name}");
        }
    }

    #[test]
    fn retries_exhausted_counts_down_to_zero_then_fails() {
        let (producer, _) = lines("retries-exhausted");
        let errors = producer.iter().filter(|l| l.contains("ERROR 1 --- [billing-service]")).count();
        assert!((2..=4).contains(&errors), "{errors}");
        for left in ["(2 attempts left)", "(1 attempts left)", "(0 attempts left)"] {
            assert!(producer.iter().any(|l| l.contains(left) && l.contains("Disconnected from node 3")), "{left}");
        }
        assert!(!producer.iter().any(|l| l.contains("(-1 attempts left)")));
    }

    #[test]
    fn single_bootstrap_uses_only_the_pseudo_node_until_broker_1_is_back() {
        let (_, consumer) = lines("single-bootstrap");
        let first_join = consumer.iter().position(|l| l.contains("Discovered group coordinator")).unwrap();
        let failures = consumer[..first_join].iter().filter(|l| l.contains("Connection to node -1 (")).count();
        assert!(failures > 25, "{failures}");
        assert!(!consumer[..first_join].iter().any(|l| l.contains("Connection to node 1 (")));
    }

    #[test]
    fn describe_has_payments_only_for_its_scenario() {
        assert!(describe("not-enough-replicas", 1).contains("Topic: payments\tTopicId: "));
        assert!(!describe("clean-roll", 1).contains("payments"));
        assert_eq!(describe("clean-roll", 1).lines().count(), 7);
    }
}
