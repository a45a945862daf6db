//! What the Java clients log while MSK restarts brokers.
//!
//! One restart is an `Outage`, modelled on a clean MSK broker restart:
//!
//! - at `down` the controlled shutdown moves the broker's leaders away, so
//!   the producer's in-flight batches for those partitions come back
//!   `NOT_LEADER_OR_FOLLOWER` and are retried after a metadata update;
//! - at `stop` the process exits and every connection to it drops: the
//!   consumer sees its in-flight fetch cancelled and, if the broker was its
//!   group coordinator, rediscovers the coordinator on another broker;
//! - until the broker is back, reconnect attempts fail (J1) at the reconnect
//!   backoff: 50 ms doubling up to `reconnect.backoff.max.ms` = 1 s, ±20%.
//!   A client stops trying once it no longer needs the broker (a few
//!   seconds), unless the scenario says it keeps needing it.
//!
//! Everything a client prints goes into a `Vec<Record>` in whatever order it
//! is produced; the caller sorts by time.

use crate::cluster::{self, BROKERS, HOME_COORDINATOR};
use crate::layout::{Level, Record};
use crate::rng::Rng;
use crate::templates::{self as tpl, Position, Wording};

pub const NETWORK_CLIENT: &str = "org.apache.kafka.clients.NetworkClient";
pub const SENDER: &str = "org.apache.kafka.clients.producer.internals.Sender";
pub const FETCH_SESSION_HANDLER: &str = "org.apache.kafka.clients.FetchSessionHandler";
pub const CONSUMER_COORDINATOR: &str = "org.apache.kafka.clients.consumer.internals.ConsumerCoordinator";
pub const ERROR_LOGGING_CALLBACK: &str = "org.apache.kafka.clients.producer.internals.ErrorLoggingCallback";

/// `retries` = `Integer.MAX_VALUE` leaves this many attempts after the first
/// failure.
pub const FIRST_ATTEMPTS_LEFT: i64 = 2_147_483_646;

/// How a client's reconnect attempts are spaced once the backoff reaches its
/// 1 s maximum.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Cadence {
    /// Every second or so (`reconnect.backoff.max.ms` with jitter).
    Backoff,
    /// Every 1–3 s: a client that keeps needing the broker, between metadata
    /// refreshes and request retries.
    Steady,
    /// Every 2–5 s: like `Steady`, from a client that polls less often (a
    /// slow restart in which the clients keep asking for the broker).
    Slow,
    /// Every 50–300 ms from the first failure on: a busy client with a short
    /// `reconnect.backoff.max.ms`.
    Storm,
}

/// How long the consumer keeps failing to reconnect.
#[derive(Clone, Copy, Debug)]
pub enum ConsumerProbes {
    /// A few attempts, then it no longer needs the broker.
    Few(usize),
    /// Attempts until this time.
    Until(i64),
}

pub struct Outage {
    pub broker: u8,
    /// Controlled shutdown starts; leadership moves.
    pub down: i64,
    /// The broker process is gone; connections drop.
    pub stop: i64,
    /// Back in service; `None` if it never comes back.
    pub up: Option<i64>,
    pub producer_probes_until: i64,
    pub consumer_probes: ConsumerProbes,
    pub cadence: Cadence,
}

impl Outage {
    /// A clean restart of `duration_ms`: the clients fail to reconnect for
    /// a few seconds, then leave the broker alone until it is back.
    pub fn clean(broker: u8, down: i64, duration_ms: i64, rng: &mut Rng) -> Outage {
        let stop = down + rng.range(1_000, 4_000);
        Outage {
            broker,
            down,
            stop,
            up: Some(down + duration_ms),
            producer_probes_until: stop + rng.range(3_000, 15_000),
            consumer_probes: ConsumerProbes::Few(rng.range(2, 5) as usize),
            cadence: Cadence::Backoff,
        }
    }

    /// An outage during which both clients keep trying the broker every
    /// 1–3 s until `until` (its return, or the end of the logs).
    pub fn persistent(broker: u8, down: i64, up: Option<i64>, until: i64, rng: &mut Rng) -> Outage {
        Outage {
            broker,
            down,
            stop: down + rng.range(1_000, 4_000),
            up,
            producer_probes_until: until,
            consumer_probes: ConsumerProbes::Until(until),
            cadence: Cadence::Steady,
        }
    }

    pub fn is_down_at(&self, t: i64) -> bool {
        // (`Option::is_none_or` is newer than the crate's MSRV.)
        self.stop <= t && !matches!(self.up, Some(up) if up <= t)
    }
}

/// The times of failed reconnect attempts from `from` until `until`, at
/// most `max` of them.
pub fn reconnect_attempts(rng: &mut Rng, from: i64, until: i64, cadence: Cadence, max: usize) -> Vec<i64> {
    let mut times = Vec::new();
    let mut t = from + rng.range(40, 250);
    let mut failures: u32 = 0;
    while t < until && times.len() < max {
        times.push(t);
        failures += 1;
        let delay = match cadence {
            Cadence::Steady if failures > 5 => rng.range(1_000, 3_000),
            Cadence::Slow if failures > 5 => rng.range(2_000, 5_000),
            Cadence::Storm => rng.range(50, 300),
            _ => {
                let term = (50_i64 << (failures - 1).min(5)).min(1_000);
                term * rng.range(80, 120) / 100
            }
        };
        // A refused TLS connection fails within a few ms.
        t += delay + rng.range(1, 15);
    }
    times
}

/// Correlation ids: every request a client sends takes the next one, so
/// between two logged requests the id grows with the time elapsed.
pub struct CorrelationIds {
    origin: i64,
    base: i64,
    per_second: i64,
    last: i64,
}

impl CorrelationIds {
    pub fn new(origin: i64, base: i64, per_second: i64) -> CorrelationIds {
        CorrelationIds { origin, base, per_second, last: base - 1 }
    }

    /// The id of a request sent at `t`; calls must come in time order.
    pub fn at(&mut self, t: i64) -> i64 {
        let estimate = self.base + (t - self.origin).max(0) * self.per_second / 1_000;
        self.last = estimate.max(self.last + 1);
        self.last
    }
}

pub struct Producer {
    /// The `LogContext` prefix.
    pub prefix: &'static str,
    pub wording: Wording,
    /// Whether the logger shows INFO (an application) or only WARN and up
    /// (the CLI tools).
    pub logs_info: bool,
    pub thread: &'static str,
    pub correlation: CorrelationIds,
}

impl Producer {
    /// J20 + J22: the batches in flight to the broker when it gave up its
    /// leaders. One produce request carries all the broker's partitions, so
    /// they share a correlation id; a retried batch counts its attempts down.
    fn leaders_moved(&mut self, broker: u8, t: i64, rng: &mut Rng, out: &mut Vec<Record>) {
        self.leaders_moved_from(broker, t, 4, FIRST_ATTEMPTS_LEFT, rng, out);
    }

    /// `leaders_moved` with up to `max_rounds` retries per batch, the first
    /// of which leaves `first_attempts_left` (`retries` − 1).
    pub fn leaders_moved_from(
        &mut self,
        broker: u8,
        t: i64,
        max_rounds: i64,
        first_attempts_left: i64,
        rng: &mut Rng,
        out: &mut Vec<Record>,
    ) {
        let retries: Vec<(u8, i64)> =
            cluster::partitions_led_by(broker).map(|p| (p, rng.range(1, max_rounds))).collect();
        let rounds = retries.iter().map(|r| r.1).max().unwrap_or(0);
        let mut at = t + rng.range(0, 300);
        for round in 0..rounds {
            let correlation_id = self.correlation.at(at);
            for &(partition, count) in &retries {
                if round >= count {
                    continue;
                }
                let message = tpl::produce_retry(
                    self.prefix,
                    correlation_id,
                    partition,
                    first_attempts_left - round,
                    "NOT_LEADER_OR_FOLLOWER",
                );
                out.push(self.warn(at, SENDER, message));
                at += rng.range(0, 2);
                out.push(self.warn(at, SENDER, tpl::invalid_metadata(self.prefix, partition)));
            }
            at += rng.range(100, 600);
        }
    }

    pub fn broker_stopped(&mut self, broker: u8, t: i64, out: &mut Vec<Record>) {
        if self.logs_info {
            let message = tpl::node_disconnected(self.prefix, i64::from(broker));
            out.push(Record::new(t, Level::Info, NETWORK_CLIENT, self.thread, message));
        }
    }

    pub fn reconnect_failures(&mut self, broker: u8, times: &[i64], out: &mut Vec<Record>) {
        let node = i64::from(broker);
        for &t in times {
            if self.logs_info {
                let message = tpl::node_disconnected(self.prefix, node);
                out.push(Record::new(t, Level::Info, NETWORK_CLIENT, self.thread, message));
            }
            let message = tpl::connection_failed(self.prefix, node, broker, self.wording);
            out.push(self.warn(t, NETWORK_CLIENT, message));
        }
    }

    /// J24 through the CLI tools' `ErrorLoggingCallback`: every record of
    /// an expired batch fails its own send callback, so a batch of `records`
    /// records logs that many ERRORs with the same exception.
    pub fn batch_expired(
        &self,
        created: i64,
        partition: u8,
        records: i64,
        elapsed_ms: i64,
        rng: &mut Rng,
        out: &mut Vec<Record>,
    ) {
        let t = created + elapsed_ms;
        for _ in 0..records {
            let record =
                Record::new(t, Level::Error, ERROR_LOGGING_CALLBACK, self.thread, tpl::send_failed(rng.range(12, 180)))
                    .with_throwable(tpl::TIMEOUT_EXCEPTION, Some(tpl::batch_expired(records, partition, elapsed_ms)));
            out.push(record);
        }
    }

    pub fn warn(&self, t: i64, logger: &'static str, message: String) -> Record {
        Record::new(t, Level::Warn, logger, self.thread, message)
    }
}

/// A fetch session with one broker: the consumer opens it when it starts
/// fetching from the broker, and the epoch grows with every fetch.
struct FetchSession {
    id: i64,
    opened: i64,
    fetch_every_ms: i64,
}

impl FetchSession {
    fn open(t: i64, rng: &mut Rng) -> FetchSession {
        FetchSession {
            id: rng.range(1, i64::from(i32::MAX)),
            opened: t,
            // With little traffic each fetch waits up to fetch.max.wait.ms.
            fetch_every_ms: rng.range(380, 520),
        }
    }

    fn epoch_at(&self, t: i64) -> i64 {
        1 + (t - self.opened).max(0) / self.fetch_every_ms
    }
}

pub struct Consumer {
    pub prefix: &'static str,
    pub wording: Wording,
    /// The thread that polls (the listener container's).
    pub thread: &'static str,
    pub heartbeat_thread: &'static str,
    pub correlation: CorrelationIds,
    sessions: Vec<FetchSession>,
    /// The broker the group coordinator is on.
    pub coordinator: u8,
}

impl Consumer {
    /// A consumer fetching from every broker since `fetching_since`, with
    /// its group coordinator on broker 2.
    pub fn new(
        prefix: &'static str,
        wording: Wording,
        threads: (&'static str, &'static str),
        correlation: CorrelationIds,
        fetching_since: i64,
        rng: &mut Rng,
    ) -> Consumer {
        Consumer {
            prefix,
            wording,
            thread: threads.0,
            heartbeat_thread: threads.1,
            correlation,
            sessions: BROKERS.iter().map(|_| FetchSession::open(fetching_since, rng)).collect(),
            coordinator: HOME_COORDINATOR,
        }
    }

    /// J6, J5 and the fetch session error when the connection drops; and,
    /// if the broker was the group coordinator, its loss (J30) and
    /// rediscovery on `failover` (J31).
    pub fn broker_stopped(&mut self, broker: u8, t: i64, failover: Option<u8>, rng: &mut Rng, out: &mut Vec<Record>) {
        let prefix = self.prefix;
        let node = i64::from(broker);
        out.push(self.info(t, NETWORK_CLIENT, tpl::node_disconnected(prefix, node)));
        let since_creation = rng.range(3, 498);
        let since_send = since_creation - rng.range(0, 2).min(since_creation);
        let correlation_id = self.correlation.at(t);
        let cancelled = tpl::cancelled_in_flight(prefix, "FETCH", correlation_id, node, since_creation, since_send);
        out.push(self.info(t, NETWORK_CLIENT, cancelled));
        let coordinator_node = cluster::coordinator_id(broker);
        if failover.is_some() {
            let message = tpl::node_disconnected(prefix, coordinator_node);
            out.push(self.info(t, NETWORK_CLIENT, message));
        }
        let session = &self.sessions[cluster::index(broker)];
        let message = tpl::fetch_request_failed(prefix, session.id, session.epoch_at(t), broker);
        let failed = self
            .info(t + rng.range(0, 1), FETCH_SESSION_HANDLER, message)
            .with_throwable(tpl::DISCONNECT_EXCEPTION, None);
        out.push(failed);

        let Some(new_coordinator) = failover else {
            return;
        };
        let lost = t + rng.range(1, 6);
        let message = tpl::coordinator_lost(prefix, broker, "coordinator unavailable", true);
        out.push(self.info(lost, CONSUMER_COORDINATOR, message));
        // A request still queued for the old coordinator tries it once more.
        let retry = lost + rng.range(150, 900);
        let message = tpl::node_disconnected(prefix, coordinator_node);
        out.push(Record::new(retry, Level::Info, NETWORK_CLIENT, self.heartbeat_thread, message));
        let message = tpl::connection_failed(prefix, coordinator_node, broker, self.wording);
        out.push(Record::new(retry, Level::Warn, NETWORK_CLIENT, self.heartbeat_thread, message));
        let found = lost + rng.range(1_500, 5_000);
        let message = tpl::coordinator_discovered(prefix, new_coordinator);
        out.push(self.info(found, CONSUMER_COORDINATOR, message));
        self.coordinator = new_coordinator;
    }

    pub fn broker_back(&mut self, broker: u8, t: i64, rng: &mut Rng) {
        self.sessions[cluster::index(broker)] = FetchSession::open(t + rng.range(1_000, 4_000), rng);
    }

    pub fn reconnect_failures(&mut self, broker: u8, times: &[i64], out: &mut Vec<Record>) {
        let node = i64::from(broker);
        for &t in times {
            out.push(self.info(t, NETWORK_CLIENT, tpl::node_disconnected(self.prefix, node)));
            let message = tpl::connection_failed(self.prefix, node, broker, self.wording);
            out.push(Record::new(t, Level::Warn, NETWORK_CLIENT, self.thread, message));
        }
    }

    /// The preferred leader of the group's offsets partition is back: a
    /// heartbeat gets NOT_COORDINATOR and the consumer moves to `to`.
    pub fn coordinator_moved(&mut self, to: u8, t: i64, rng: &mut Rng, out: &mut Vec<Record>) {
        let (prefix, from, hb) = (self.prefix, self.coordinator, self.heartbeat_thread);
        let messages = [
            tpl::heartbeat_coordinator_invalid(prefix, from),
            tpl::coordinator_lost(prefix, from, "error response NOT_COORDINATOR", false),
            tpl::requesting_disconnect(prefix, from),
        ];
        for message in messages {
            out.push(Record::new(t, Level::Info, CONSUMER_COORDINATOR, hb, message));
        }
        let message = tpl::client_requested_disconnect(prefix, cluster::coordinator_id(from));
        out.push(self.info(t + rng.range(1, 30), NETWORK_CLIENT, message));
        let message = tpl::coordinator_discovered(prefix, to);
        out.push(self.info(t + rng.range(40, 200), CONSUMER_COORDINATOR, message));
        self.coordinator = to;
    }

    /// The committed positions after an assignment, ≤ 3.6 form (logged by
    /// ConsumerCoordinator with the client prefix).
    pub fn positions(&self, t: i64, positions: &[Position], out: &mut Vec<Record>) {
        for position in positions {
            let message = tpl::setting_offset(self.prefix, position);
            out.push(self.info(t, CONSUMER_COORDINATOR, message));
        }
    }

    pub fn info(&self, t: i64, logger: &'static str, message: String) -> Record {
        Record::new(t, Level::Info, logger, self.thread, message)
    }
}

/// The producer's and the consumer's records.
#[derive(Default)]
pub struct Logs {
    pub producer: Vec<Record>,
    pub consumer: Vec<Record>,
}

/// Plays a roll: every outage in `outages`, and a coordinator move back to
/// broker 2 at each time in `moves_back` (skipped if it is already there).
pub fn play(
    outages: &[Outage],
    moves_back: &[i64],
    producer: &mut Producer,
    consumer: &mut Consumer,
    rng: &mut Rng,
    logs: &mut Logs,
) {
    enum Step {
        Outage(usize),
        MoveBack,
    }
    let mut steps: Vec<(i64, Step)> = outages
        .iter()
        .enumerate()
        .map(|(i, o)| (o.down, Step::Outage(i)))
        .chain(moves_back.iter().map(|&t| (t, Step::MoveBack)))
        .collect();
    steps.sort_by_key(|step| step.0);

    for (t, step) in steps {
        match step {
            Step::Outage(i) => {
                let o = &outages[i];
                producer_outage(producer, o, rng, logs);

                consumer_outage(consumer, o, outages, rng, logs);
            }
            Step::MoveBack => {
                let home_is_up = !outages.iter().any(|o| o.broker == HOME_COORDINATOR && o.is_down_at(t));
                if consumer.coordinator != HOME_COORDINATOR && home_is_up {
                    consumer.coordinator_moved(HOME_COORDINATOR, t, rng, &mut logs.consumer);
                }
            }
        }
    }
}

/// A move of the group coordinator to broker `to` at `t`, which the consumer
/// learns of from a NOT_COORDINATOR answer: both brokers are up (the
/// leadership of the group's `__consumer_offsets` partition moved, as in a
/// controlled shutdown or a preferred-leader election).
pub struct Move {
    pub t: i64,
    pub to: u8,
}

/// Plays a roll like `play`, with two differences: the consumer's side of an
/// outage is taken at the broker's stop (so that a coordinator move in the
/// controlled shutdown before it is already known), and the coordinator
/// moves to any broker at the times in `moves` (skipped if it is already
/// there). Returns the times of the moves that happened.
pub fn play_moves(
    outages: &[Outage],
    moves: &[Move],
    producer: &mut Producer,
    consumer: &mut Consumer,
    rng: &mut Rng,
    logs: &mut Logs,
) -> Vec<i64> {
    enum Step {
        Down(usize),
        Stop(usize),
        Move(usize),
    }
    let mut steps: Vec<(i64, Step)> = Vec::new();
    for (i, o) in outages.iter().enumerate() {
        steps.push((o.down, Step::Down(i)));
        steps.push((o.stop, Step::Stop(i)));
    }
    steps.extend(moves.iter().enumerate().map(|(i, m)| (m.t, Step::Move(i))));
    steps.sort_by_key(|step| step.0);

    let mut moved = Vec::new();
    for (t, step) in steps {
        match step {
            Step::Down(i) => {
                let o = &outages[i];
                producer_outage(producer, o, rng, logs);
            }
            Step::Stop(i) => {
                let o = &outages[i];
                consumer_outage(consumer, o, outages, rng, logs);
            }
            Step::Move(i) => {
                let to = moves[i].to;
                let both_up =
                    !outages.iter().any(|o| (o.broker == to || o.broker == consumer.coordinator) && o.is_down_at(t));
                if consumer.coordinator != to && both_up {
                    consumer.coordinator_moved(to, t, rng, &mut logs.consumer);
                    moved.push(t);
                }
            }
        }
    }
    moved
}

/// Where the coordinator goes when `broker` stops: the first other broker
/// that is up (the next in-sync replica of the offsets partition).
/// The producer's side of one broker outage: leaders move, the broker
/// stops, reconnects fail until the probes end.
pub fn producer_outage(producer: &mut Producer, o: &Outage, rng: &mut Rng, logs: &mut Logs) {
    producer.leaders_moved(o.broker, o.down, rng, &mut logs.producer);
    producer.broker_stopped(o.broker, o.stop, &mut logs.producer);
    let times = reconnect_attempts(rng, o.stop, o.producer_probes_until, o.cadence, usize::MAX);
    producer.reconnect_failures(o.broker, &times, &mut logs.producer);
}

/// The consumer's side of one broker outage: coordinator failover when it
/// was the coordinator, failed reconnects, and the broker's return.
fn consumer_outage(consumer: &mut Consumer, o: &Outage, outages: &[Outage], rng: &mut Rng, logs: &mut Logs) {
    let failover = (consumer.coordinator == o.broker).then(|| failover_for(outages, o.broker, o.stop));
    consumer.broker_stopped(o.broker, o.stop, failover, rng, &mut logs.consumer);
    let times = match o.consumer_probes {
        ConsumerProbes::Few(n) => reconnect_attempts(rng, o.stop, o.stop + 15_000, Cadence::Backoff, n),
        ConsumerProbes::Until(end) => reconnect_attempts(rng, o.stop, end, o.cadence, usize::MAX),
    };
    consumer.reconnect_failures(o.broker, &times, &mut logs.consumer);
    if let Some(up) = o.up {
        consumer.broker_back(o.broker, up, rng);
    }
}

fn failover_for(outages: &[Outage], broker: u8, t: i64) -> u8 {
    BROKERS
        .iter()
        .copied()
        .find(|&b| b != broker && !outages.iter().any(|o| o.broker == b && o.is_down_at(t)))
        .unwrap_or(if broker == 1 { 2 } else { 1 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_ramps_to_a_second() {
        let mut rng = Rng::new(5);
        let times = reconnect_attempts(&mut rng, 0, 20_000, Cadence::Backoff, usize::MAX);
        let gaps: Vec<i64> = times.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(gaps[0] < 100, "{gaps:?}");
        assert!(gaps[6..].iter().all(|&g| (800..=1_215).contains(&g)), "{gaps:?}");
    }

    #[test]
    fn steady_attempts_never_pause_long() {
        let mut rng = Rng::new(6);
        let times = reconnect_attempts(&mut rng, 0, 240_000, Cadence::Steady, usize::MAX);
        assert!(times.windows(2).all(|w| w[1] - w[0] <= 3_015));
        assert!(*times.last().unwrap() > 237_000);
    }

    #[test]
    fn correlation_ids_increase() {
        let mut ids = CorrelationIds::new(0, 100, 10);
        assert_eq!(ids.at(0), 100);
        assert_eq!(ids.at(0), 101);
        assert_eq!(ids.at(1_000), 110);
    }
}
