//! The named scenarios: the log files two clients write during one rolling
//! restart of the cluster, starting around 2024-02-06 10:40 UTC.
//!
//! - `producer.log`: `kafka-console-producer.sh` (a 3.6 tool) with Kafka's
//!   tools layout and root logger at WARN, so only WARN and ERROR lines.
//! - `consumer.log`: a Spring Boot 3 service (`orders-service`) on
//!   kafka-clients 3.7.0 at INFO, with its start-up lines and its own
//!   application lines between the Kafka ones.

use std::fs;
use std::io;
use std::path::Path;

use crate::clock;
use crate::cluster::{self, BROKERS, HOME_COORDINATOR, PARTITIONS};
use crate::layout::{Level, Record, Renderer, Style};
use crate::noise::{self, CorrelationIds, Logs, Outage, Producer};
use crate::rng::{self, Rng};
use crate::templates::{self as tpl, Position, Wording};

pub const NAMES: [&str; 4] = ["clean-roll", "two-brokers-out", "broker-never-back", "records-expired"];

pub const PRODUCER_PREFIX: &str = "[Producer clientId=console-producer] ";
pub const CONSUMER_PREFIX: &str = "[Consumer clientId=consumer-orders-processor-1, groupId=orders-processor] ";
pub const CONSUMER_CLIENT_ID: &str = "consumer-orders-processor-1";

pub const MAIN_THREAD: &str = "main";
pub const LISTENER_THREAD: &str = "org.springframework.kafka.KafkaListenerEndpointContainer#0-0-C-1";
pub const HEARTBEAT_THREAD: &str = "kafka-coordinator-heartbeat-thread | orders-processor";
pub const CONSOLE_PRODUCER_THREAD: &str = "kafka-producer-network-thread | console-producer";

pub const TOMCAT: &str = "org.springframework.boot.web.embedded.tomcat.TomcatWebServer";
pub const CONSUMER_CONFIG: &str = "org.apache.kafka.clients.consumer.ConsumerConfig";
pub const METRICS_COLLECTOR: &str = "org.apache.kafka.common.telemetry.internals.KafkaMetricsCollector";
pub const APP_INFO_PARSER: &str = "org.apache.kafka.common.utils.AppInfoParser";
pub const LEGACY_KAFKA_CONSUMER: &str = "org.apache.kafka.clients.consumer.internals.LegacyKafkaConsumer";
pub const APPLICATION: &str = "com.example.orders.OrdersApplication";
pub const METADATA: &str = "org.apache.kafka.clients.Metadata";
pub const REBALANCE_LISTENER_INVOKER: &str =
    "org.apache.kafka.clients.consumer.internals.ConsumerRebalanceListenerInvoker";
pub const CONSUMER_UTILS: &str = "org.apache.kafka.clients.consumer.internals.ConsumerUtils";
pub const LISTENER_CONTAINER: &str = "org.springframework.kafka.listener.KafkaMessageListenerContainer";
const ORDER_LISTENER: &str = "com.example.orders.OrderListener";

/// When the scenarios begin.
pub fn start_of_logs() -> i64 {
    clock::epoch_ms(2024, 2, 6, 10, 40, 0)
}

/// What happens to the cluster, decided before anything is logged.
struct Plan {
    start: i64,
    end: i64,
    outages: Vec<Outage>,
    moves_back: Vec<i64>,
    expired: Vec<ExpiredBatch>,
}

struct ExpiredBatch {
    created: i64,
    partition: u8,
    records: i64,
    elapsed_ms: i64,
}

/// Writes the files of scenario `name` (one of `NAMES`) into `dir`.
pub fn write(name: &str, dir: &Path, seed: u64) -> io::Result<()> {
    let mut rng = Rng::new(rng::derive(seed, name));
    let plan = plan(name, &mut rng);

    let mut producer = Producer {
        prefix: PRODUCER_PREFIX,
        wording: Wording::Broker,
        logs_info: false,
        thread: CONSOLE_PRODUCER_THREAD,
        correlation: CorrelationIds::new(plan.start, rng.range(300, 2_000), 4),
    };
    let mut startup = Vec::new();
    let joined = consumer_startup(plan.start, &mut rng, &mut startup);
    let mut consumer = noise::Consumer::new(
        CONSUMER_PREFIX,
        Wording::Node,
        (LISTENER_THREAD, HEARTBEAT_THREAD),
        CorrelationIds::new(joined, rng.range(40, 90), 12),
        joined,
        &mut rng,
    );

    let mut logs = Logs::default();
    noise::play(&plan.outages, &plan.moves_back, &mut producer, &mut consumer, &mut rng, &mut logs);
    for batch in &plan.expired {
        producer.batch_expired(
            batch.created,
            batch.partition,
            batch.records,
            batch.elapsed_ms,
            &mut rng,
            &mut logs.producer,
        );
    }

    let mut consumer_log = startup;
    consumer_log.append(&mut logs.consumer);
    application_lines(joined + rng.range(200, 600), plan.end, &mut rng, &mut consumer_log);

    fs::create_dir_all(dir)?;
    fs::write(dir.join("producer.log"), render(Style::KafkaTools, logs.producer))?;
    fs::write(dir.join("consumer.log"), render(Style::SpringBoot, consumer_log))?;
    Ok(())
}

fn plan(name: &str, rng: &mut Rng) -> Plan {
    let start = start_of_logs() + rng.range(0, 1_999);
    let first_down = start + rng.range(60_000, 120_000);
    let catch_up = |rng: &mut Rng| rng.range(60_000, 180_000);
    let restart_ms = |rng: &mut Rng| rng.range(40_000, 90_000);
    let mut outages = Vec::new();
    let mut expired = Vec::new();
    let mut end = None;

    match name {
        "clean-roll" => {
            let mut t = first_down;
            for broker in BROKERS {
                let outage = Outage::clean(broker, t, restart_ms(rng), rng);
                t = outage.up.unwrap_or(t) + catch_up(rng);
                outages.push(outage);
            }
        }
        "two-brokers-out" => {
            let first = Outage::clean(1, first_down, restart_ms(rng), rng);
            let down_2 = first.up.unwrap_or(first_down) + catch_up(rng);
            let up_2 = down_2 + rng.range(45_000, 90_000);
            // Broker 3 goes down while broker 2 is still restarting.
            let down_3 = up_2 - rng.range(22_000, 30_000);
            let up_3 = down_3 + restart_ms(rng);
            outages.push(first);
            outages.push(Outage::persistent(2, down_2, Some(up_2), up_2, rng));
            outages.push(Outage::persistent(3, down_3, Some(up_3), up_3, rng));
        }
        "broker-never-back" => {
            let first = Outage::clean(1, first_down, restart_ms(rng), rng);
            let down_2 = first.up.unwrap_or(first_down) + catch_up(rng);
            let last = down_2 + rng.range(180_000, 240_000);
            outages.push(first);
            outages.push(Outage::persistent(2, down_2, None, last, rng));
            end = Some(last + rng.range(500, 1_500));
        }
        "records-expired" => {
            let mut t = first_down;
            for broker in [1, 2] {
                let outage = Outage::clean(broker, t, restart_ms(rng), rng);
                t = outage.up.unwrap_or(t) + catch_up(rng);
                outages.push(outage);
            }
            // Broker 3 takes ~150 s; the producer has delivery.timeout.ms=30000.
            let mut third = Outage::clean(3, t, rng.range(140_000, 160_000), rng);
            let wanted = rng.range(2, 4);
            let mut total = 0;
            while total < wanted {
                let records = rng.range(1, 2).min(wanted - total);
                let partition = *rng.pick(&cluster::partitions_led_by(3).collect::<Vec<_>>());
                let created = third.down + rng.range(300, 15_000);
                let elapsed_ms = 30_000 + rng.range(1, 600);
                expired.push(ExpiredBatch { created, partition, records, elapsed_ms });
                total += records;
            }
            // It keeps trying the broker until its batches give up.
            let last_expiry = expired.iter().map(|b| b.created + b.elapsed_ms).max().unwrap_or(third.stop);
            third.producer_probes_until = last_expiry + rng.range(200, 900);
            outages.push(third);
        }
        _ => unreachable!("scenario names are checked by the caller"),
    }

    let end = end.unwrap_or_else(|| {
        let last_up = outages.iter().filter_map(|o| o.up).max().unwrap_or(first_down);
        last_up + rng.range(180_000, 300_000)
    });
    // Once broker 2 is back, a preferred-leader election may give it the
    // group's offsets partition, and so the coordinator, back.
    let mut moves_back = Vec::new();
    for outage in outages.iter().filter(|o| o.broker == HOME_COORDINATOR) {
        if let Some(up) = outage.up {
            let t = up + rng.range(30_000, 150_000);
            if rng.chance(2, 3) && t < end - 10_000 {
                moves_back.push(t);
            }
        }
    }
    Plan { start, end, outages, moves_back, expired }
}

/// The service starting: Tomcat, the consumer's config dump and version
/// banner, then the group join. Returns when the partitions are assigned.
pub fn consumer_startup(start: i64, rng: &mut Rng, out: &mut Vec<Record>) -> i64 {
    let mut t = start;
    let mut main = |t: i64, logger: &'static str, message: String| {
        out.push(Record::new(t, Level::Info, logger, MAIN_THREAD, message));
    };
    main(t, TOMCAT, tpl::tomcat_started(8080));
    t += rng.range(30, 60);
    main(t, CONSUMER_CONFIG, tpl::consumer_config_dump(CONSUMER_CLIENT_ID));
    t += rng.range(30, 50);
    main(t, METRICS_COLLECTOR, tpl::metrics_collector_initializing());
    t += rng.range(40, 70);
    main(t, APP_INFO_PARSER, tpl::kafka_version("3.7.0"));
    main(t, APP_INFO_PARSER, tpl::kafka_commit_id("2ae524ed625438c5"));
    main(t, APP_INFO_PARSER, tpl::kafka_start_time(t));
    t += rng.range(10, 20);
    main(t, LEGACY_KAFKA_CONSUMER, tpl::subscribed(CONSUMER_PREFIX));
    t += rng.range(20, 40);
    let started_ms = rng.range(4_100, 6_500);
    let running_ms = started_ms + rng.range(500, 900);
    let message = tpl::application_started("OrdersApplication", started_ms, running_ms);
    main(t, APPLICATION, message);

    let member_id = format!("{CONSUMER_CLIENT_ID}-{}", cluster::uuid(rng));
    let generation = rng.range(5, 60);
    let all: Vec<u8> = (0..PARTITIONS).collect();
    let p = CONSUMER_PREFIX;
    let mut steps: Vec<(i64, &'static str, String)> = vec![
        (rng.range(100, 300), METADATA, tpl::cluster_id(p, &cluster::cluster_id(rng))),
        (rng.range(100, 200), noise::CONSUMER_COORDINATOR, tpl::coordinator_discovered(p, HOME_COORDINATOR)),
        (rng.range(2, 5), noise::CONSUMER_COORDINATOR, tpl::joining_group(p)),
        (rng.range(20, 40), noise::CONSUMER_COORDINATOR, tpl::rejoin_with_member_id(p, &member_id)),
        (rng.range(1, 3), noise::CONSUMER_COORDINATOR, tpl::joining_group(p)),
        (rng.range(3_000, 3_100), noise::CONSUMER_COORDINATOR, tpl::joined_group(p, generation, &member_id)),
        (rng.range(5, 15), noise::CONSUMER_COORDINATOR, tpl::finished_assignment(p, generation, &member_id, &all)),
        (rng.range(10, 20), noise::CONSUMER_COORDINATOR, tpl::synced_group(p, generation, &member_id)),
        (rng.range(0, 1), noise::CONSUMER_COORDINATOR, tpl::notifying_assignor(p, &all)),
        (rng.range(2, 5), REBALANCE_LISTENER_INVOKER, tpl::adding_partitions(p, &all)),
    ];
    // kafka-clients 3.7 logs the committed positions from ConsumerUtils,
    // whose static logger has no client prefix; the order is a hash map's.
    let mut order = all.clone();
    rng.shuffle(&mut order);
    for partition in order {
        let position = Position { partition, offset: rng.range(100_000, 900_000), leader_epoch: rng.range(10, 40) };
        steps.push((rng.range(0, 2), CONSUMER_UTILS, tpl::setting_offset("", &position)));
    }
    steps.push((rng.range(1, 3), LISTENER_CONTAINER, tpl::partitions_assigned(&all)));
    for (delay, logger, message) in steps {
        t += delay;
        out.push(Record::new(t, Level::Info, logger, LISTENER_THREAD, message));
    }
    t
}

/// The service's own work: an order every 100–500 ms.
pub fn application_lines(from: i64, until: i64, rng: &mut Rng, out: &mut Vec<Record>) {
    let mut order = rng.range(18_000, 20_000) as u64;
    let mut t = from;
    while t < until {
        order += 1;
        let customer = rng.range(1_000, 9_999) as u64;
        let message = tpl::processed_order(order, customer, rng.range(1, 40) as u64);
        out.push(Record::new(t, Level::Info, ORDER_LISTENER, LISTENER_THREAD, message));
        t += rng.range(100, 500);
    }
}

/// Sorts by time (stable, so lines logged at the same millisecond keep the
/// order they were produced in) and renders.
pub fn render(style: Style, mut records: Vec<Record>) -> Vec<u8> {
    records.sort_by_key(|r| r.t);
    let mut renderer = Renderer::new(style);
    let mut out = Vec::new();
    for record in &records {
        renderer.render(record, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(name: &str, file: &str) -> Vec<String> {
        // Tests run in parallel and may write the same scenario at once.
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("rollcall-gen-test-{name}-{}-{n}", std::process::id()));
        write(name, &dir, 1).unwrap();
        let text = fs::read_to_string(dir.join(file)).unwrap();
        fs::remove_dir_all(&dir).unwrap();
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn scenarios_are_deterministic() {
        for name in NAMES {
            assert_eq!(lines(name, "consumer.log"), lines(name, "consumer.log"));
        }
    }

    #[test]
    fn producer_log_is_warn_and_error_only_and_in_time_order() {
        for name in NAMES {
            let stamps: Vec<String> = lines(name, "producer.log")
                .iter()
                .filter(|l| l.starts_with('['))
                .map(|l| {
                    assert!(l[26..].starts_with("WARN ") || l[26..].starts_with("ERROR "), "{l}");
                    l[1..24].to_string()
                })
                .collect();
            let mut sorted = stamps.clone();
            sorted.sort();
            assert_eq!(stamps, sorted, "{name}");
        }
    }

    #[test]
    fn records_expired_has_the_loss() {
        let producer = lines("records-expired", "producer.log");
        let errors = producer.iter().filter(|l| l.contains("] ERROR Error when sending")).count();
        assert!((2..=4).contains(&errors), "{errors}");
        assert!(producer.iter().any(|l| l.starts_with("org.apache.kafka.common.errors.TimeoutException: Expiring ")));
    }
}
