//! Scenarios of the clients that are not Java (issue 5): librdkafka (through
//! confluent-kafka-python and .NET), Sarama and franz-go, each in the layout
//! its deployments print, during the same three-broker MSK roll.
//!
//! - `librdkafka-clean-roll`: a producer's stderr in librdkafka's own layout
//!   (with the `ERROR` echo of each failure that librdkafka prints when the
//!   application set no error callback) and a Python consumer relaying
//!   librdkafka through `logging`.
//! - `librdkafka-records-lost`: a Python producer whose error callback and
//!   delivery callback log `KafkaError{...}`; `message.timeout.ms` is shorter
//!   than broker 2's restart, so messages time out. A .NET consumer relays
//!   librdkafka through `ILogger`'s console.
//! - `sarama-clean-roll`, `sarama-two-brokers-out`: a Go producer and a
//!   consumer group with `sarama.Logger = log.New(os.Stderr, "[sarama] ",
//!   log.LstdFlags)`; in the second, broker 3 stops before broker 2 is back.
//! - `franz-go-clean-roll`, `franz-go-two-brokers-out`: the same with
//!   `kgo.BasicLogger` at INFO and a time prefix.
//!
//! Every message is the client's own format string (the grammars cite the
//! source files); the timing follows the clients: librdkafka reconnects with
//! a backoff that grows to 10 s and logs an identical failure again with a
//! count of the suppressed ones; Sarama and franz-go log each dial failure.

use std::fs;
use std::io;
use std::path::Path;

use crate::clock::civil_from_days;
use crate::cluster::{self, BROKERS, GROUP, HOME_COORDINATOR, TOPIC};
use crate::rng::{self, Rng};
use crate::scenario::start_of_logs;

pub const NAMES: [&str; 6] = [
    "librdkafka-clean-roll",
    "librdkafka-records-lost",
    "sarama-clean-roll",
    "sarama-two-brokers-out",
    "franz-go-clean-roll",
    "franz-go-two-brokers-out",
];

const PORT: u16 = 9094;

/// One broker's restart: down at `down`, serving again at `up`.
#[derive(Clone, Copy)]
pub struct Outage {
    pub broker: u8,
    pub down: i64,
    pub up: i64,
}

/// Lines of one file, with their times; sorted by time when written (a
/// multi-threaded client's lines are close to, not exactly in, time order,
/// and the echo of a failure comes later than the failure).
pub type Lines = Vec<(i64, String)>;

/// The roll: brokers 1, 2, 3 one at a time; with `overlap`, broker 3 stops
/// 15-25 s before broker 2 is back.
fn roll(rng: &mut Rng, overlap: bool, long_second: bool) -> (i64, Vec<Outage>, i64) {
    let start = start_of_logs() + rng.range(0, 1_999);
    let mut t = start + rng.range(60_000, 120_000);
    let mut outages = Vec::new();
    for broker in BROKERS {
        let mut restart = rng.range(40_000, 90_000);
        if long_second && broker == 2 {
            restart = rng.range(150_000, 200_000);
        }
        let down = if overlap && broker == 3 {
            let prev: &Outage = outages.last().expect("broker 2 came first");
            prev.up - rng.range(15_000, 25_000)
        } else {
            t
        };
        outages.push(Outage { broker, down, up: down + restart });
        t = down + restart + rng.range(60_000, 180_000);
    }
    let end = t + rng.range(30_000, 60_000);
    (start, outages, end)
}

fn ip(broker: u8) -> String {
    format!("10.0.{broker}.{}", 10 + broker)
}

/// librdkafka's broker name: `ssl://host:port/id`.
fn rk_broker(broker: u8) -> String {
    format!("ssl://{}:{PORT}/{broker}", cluster::host(broker))
}

/// The `[thrd:...]` tag: the broker thread's name, cut to 63 bytes
/// (`rd_kafka_thread_name[64]`).
fn rk_thread(broker: u8) -> String {
    let name = rk_broker(broker);
    format!("[thrd:{}]", &name[..name.len().min(63)])
}

/// `2024/02/06 10:47:03` and friends, from epoch milliseconds.
fn civil(t: i64) -> (i64, u32, u32, i64, i64, i64, i64) {
    let secs = t.div_euclid(1000);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let of_day = secs.rem_euclid(86_400);
    (y, mo, d, of_day / 3600, of_day / 60 % 60, of_day % 60, t.rem_euclid(1000))
}

fn rk_time(t: i64) -> String {
    format!("{}.{:03}", t.div_euclid(1000), t.rem_euclid(1000))
}

/// `2024-02-06<between>10:47:03<frac>491`: the date-time most runtimes print.
fn date_time(t: i64, between: char, frac: char) -> String {
    let (y, mo, d, h, mi, s, ms) = civil(t);
    format!("{y:04}-{mo:02}-{d:02}{between}{h:02}:{mi:02}:{s:02}{frac}{ms:03}")
}

/// Python `logging`'s `%(asctime)s`: `2024-02-06 10:47:03,491`.
fn py_time(t: i64) -> String {
    date_time(t, ' ', ',')
}

/// .NET console `TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff "`.
fn net_time(t: i64) -> String {
    date_time(t, ' ', '.')
}

/// Go `log.LstdFlags`: `2024/02/06 10:47:03`.
fn go_time(t: i64) -> String {
    let (y, mo, d, h, mi, s, _) = civil(t);
    format!("{y:04}/{mo:02}/{d:02} {h:02}:{mi:02}:{s:02}")
}

/// The franz-go prefix function: `time.Now().UTC().Format("2006-01-02T15:04:05.000Z07:00") + " "`.
fn kgo_time(t: i64) -> String {
    date_time(t, 'T', '.') + "Z"
}

/// How a librdkafka line reaches the file.
#[derive(Clone, Copy)]
enum Relay {
    /// librdkafka's own stderr line.
    Native,
    /// confluent-kafka-python with `logger=`: `FAC [name] buf` via `logging`.
    Python,
    /// A .NET `SetLogHandler` writing `{Name}|{Facility}| {Message}` to `ILogger`.
    DotNet,
}

/// A syslog level as confluent-kafka-python's `logging` level name and as
/// .NET's console logger word (`LogLevel` from the usual `SetLogHandler`).
fn level_words(level: u8) -> (&'static str, &'static str) {
    match level {
        0..=2 => ("CRITICAL", "crit"),
        3 => ("ERROR", "fail"),
        4 => ("WARNING", "warn"),
        5 | 6 => ("INFO", "info"),
        _ => ("DEBUG", "dbug"),
    }
}

struct Rdkafka {
    name: &'static str,
    relay: Relay,
    /// The application logs each error event (`error_cb`) itself.
    error_cb: bool,
}

impl Rdkafka {
    /// One librdkafka log line as it is printed. `level` is the syslog level.
    fn line(&self, t: i64, level: u8, fac: &str, buf: &str) -> String {
        match self.relay {
            Relay::Native => format!("%{level}|{}|{fac}|{}| {buf}", rk_time(t), self.name),
            Relay::Python => {
                let lvl = level_words(level).0;
                format!("{} {lvl} confluent_kafka {fac} [{}] {buf}", py_time(t), self.name)
            }
            Relay::DotNet => {
                let lvl = level_words(level).1;
                format!("{} {lvl}: Orders.KafkaWorker[0] {}|{fac}| {buf}", net_time(t), self.name)
            }
        }
    }

    /// An application line next to the relayed ones.
    fn app(&self, t: i64, level: &str, logger: &str, message: &str) -> String {
        match self.relay {
            Relay::Native => unreachable!("a stderr capture of librdkafka holds only its lines"),
            Relay::Python => format!("{} {level} {logger} {message}", py_time(t)),
            Relay::DotNet => {
                let lvl = if level == "ERROR" { "fail" } else { "info" };
                format!("{} {lvl}: {logger}[0] {message}", net_time(t))
            }
        }
    }

    /// A broker failure (`rd_kafka_broker_fail`), its echo: librdkafka's own
    /// `ERROR` line with no error callback, else the application's.
    fn failure(&self, t: i64, level: u8, broker: u8, errstr: &str, rng: &mut Rng, out: &mut Lines) {
        let b = rk_broker(broker);
        out.push((t, self.line(t, level, "FAIL", &format!("{}: {b}: {errstr}", rk_thread(broker)))));
        if level > 3 {
            return;
        }
        let later = t + rng.range(40, 1_800);
        if self.error_cb {
            let msg = format!("Kafka error: KafkaError{{code=_TRANSPORT,val=-195,str=\"{b}: {errstr}\"}}");
            out.push((later, self.app(later, "ERROR", "orders.kafka", &msg)));
        } else if matches!(self.relay, Relay::Native) {
            let buf = format!("[thrd:app]: {}: {b}: {errstr}", self.name);
            out.push((later, self.line(later, 3, "ERROR", &buf)));
        }
    }

    /// A broker restart as librdkafka sees it: the disconnect, then refused
    /// connections with the backoff growing to `reconnect.backoff.max.ms`
    /// (10 s), identical failures logged again with the count suppressed.
    fn outage(&self, o: Outage, rng: &mut Rng, out: &mut Lines) {
        let up_for = rng.range(1_800_000, 2_400_000);
        self.failure(o.down, 6, o.broker, &format!("Disconnected (after {up_for}ms in state UP)"), rng, out);
        let mut t = o.down + rng.range(5, 120);
        let mut backoff = 100;
        let mut suppressed = 0;
        let mut logged_at = i64::MIN / 2;
        while t < o.up {
            let after = rng.range(0, 2);
            if t - logged_at >= 9_000 {
                let extra = if suppressed > 0 {
                    format!(", {suppressed} identical error(s) suppressed")
                } else {
                    String::new()
                };
                let errstr = format!(
                    "Connect to ipv4#{}:{PORT} failed: Connection refused (after {after}ms in state CONNECT{extra})",
                    ip(o.broker)
                );
                self.failure(t, 3, o.broker, &errstr, rng, out);
                logged_at = t;
                suppressed = 0;
            } else {
                suppressed += 1;
            }
            backoff = (backoff * 2).min(10_000);
            t += backoff * rng.range(80, 120) / 100;
        }
    }
}

/// Writes the files of scenario `name` (one of `NAMES`) into `dir`.
pub fn write(name: &str, dir: &Path, seed: u64) -> io::Result<()> {
    let mut rng = Rng::new(rng::derive(seed, name));
    let rng = &mut rng;
    let files: Vec<(&str, Lines)> = match name {
        "librdkafka-clean-roll" => librdkafka_clean(rng),
        "librdkafka-records-lost" => librdkafka_records_lost(rng),
        "sarama-clean-roll" => sarama(rng, false),
        "sarama-two-brokers-out" => sarama(rng, true),
        "franz-go-clean-roll" => franz_go(rng, false),
        "franz-go-two-brokers-out" => franz_go(rng, true),
        other => return Err(io::Error::other(format!("not a client scenario: {other}"))),
    };
    fs::create_dir_all(dir)?;
    for (file, lines) in files {
        fs::write(dir.join(file), text(lines))?;
    }
    Ok(())
}

/// The lines of one file in time order, each ended by a newline.
pub fn text(mut lines: Lines) -> String {
    lines.sort_by_key(|(t, _)| *t);
    let mut text = String::new();
    for (_, l) in lines {
        text.push_str(&l);
        text.push('\n');
    }
    text
}

/// A producer's librdkafka stderr (its own layout, no error callback, so
/// each failure has its `ERROR` echo) through the restarts of `outages`.
pub fn rdkafka_producer_stderr(outages: &[Outage], rng: &mut Rng) -> Lines {
    let producer = Rdkafka { name: "rdkafka#producer-1", relay: Relay::Native, error_cb: false };
    let mut lines = Lines::new();
    for o in outages {
        producer.outage(*o, rng, &mut lines);
    }
    lines
}

/// A consumer's application lines every few seconds, so that a file is
/// mostly not Kafka noise.
fn consumer_app_lines(start: i64, end: i64, rng: &mut Rng, mut line: impl FnMut(i64, usize) -> String) -> Lines {
    let mut out = Vec::new();
    let mut t = start + rng.range(2_000, 5_000);
    while t < end {
        let n = rng.range(5, 60) as usize;
        out.push((t, line(t, n)));
        t += rng.range(3_000, 9_000);
    }
    out
}

fn librdkafka_clean(rng: &mut Rng) -> Vec<(&'static str, Lines)> {
    let (start, outages, end) = roll(rng, false, false);
    let producer = Rdkafka { name: "rdkafka#producer-1", relay: Relay::Native, error_cb: false };
    let consumer = Rdkafka { name: "rdkafka#consumer-1", relay: Relay::Python, error_cb: false };
    let mut p = Lines::new();
    let mut c = consumer_app_lines(start, end, rng, |t, n| {
        consumer.app(t, "INFO", "orders.consumer", &format!("processed {n} order(s) from {TOPIC}"))
    });
    for o in &outages {
        producer.outage(*o, rng, &mut p);
        consumer.outage(*o, rng, &mut c);
    }
    vec![("producer.log", p), ("consumer.log", c)]
}

fn librdkafka_records_lost(rng: &mut Rng) -> Vec<(&'static str, Lines)> {
    let (start, outages, end) = roll(rng, false, true);
    let producer = Rdkafka { name: "rdkafka#producer-1", relay: Relay::Python, error_cb: true };
    let consumer = Rdkafka { name: "rdkafka#consumer-1", relay: Relay::DotNet, error_cb: false };
    let mut p = consumer_app_lines(start, end, rng, |t, n| {
        producer.app(t, "INFO", "orders.producer", &format!("queued {n} order event(s) for {TOPIC}"))
    });
    let mut c = consumer_app_lines(start, end, rng, |t, n| {
        consumer.app(t, "INFO", "Orders.OrderHandler", &format!("Handled {n} order(s)"))
    });
    for o in &outages {
        producer.outage(*o, rng, &mut p);
        consumer.outage(*o, rng, &mut c);
        if o.broker == 2 {
            // message.timeout.ms = 60000: what was queued for broker 2's
            // partitions when it stopped times out a minute later.
            let mut t = o.down + 60_000 + rng.range(0, 500);
            for _ in 0..rng.range(4, 9) {
                let msg = "Message delivery failed: KafkaError{code=_MSG_TIMED_OUT,val=-192,str=\"Local: Message timed out\"}";
                p.push((t, producer.app(t, "ERROR", "orders.producer", msg)));
                t += rng.range(0, 400);
            }
        }
    }
    vec![("producer.log", p), ("consumer.log", c)]
}

const NOT_LEADER: &str =
    "kafka server: Tried to send a message to a replica that is not the leader for some partition. Your metadata is out of date.";

fn sarama_line(t: i64, msg: &str) -> (i64, String) {
    (t, format!("[sarama] {} {msg}", go_time(t)))
}

/// A restart as Sarama's producer sees it: NOT_LEADER answers while the
/// broker hands its partitions over, then the dial failures of its retries.
fn sarama_producer_outage(o: Outage, rng: &mut Rng, out: &mut Lines) {
    let b = o.broker;
    let mut t = o.down - rng.range(300, 900);
    for p in cluster::partitions_led_by(b) {
        out.push(sarama_line(
            t,
            &format!("producer/broker/{b} state change to [retrying] on {TOPIC}/{p} because {NOT_LEADER}"),
        ));
        out.push(sarama_line(t + 1, &format!("producer/leader/{TOPIC}/{p} abandoning broker {b}")));
        let next = BROKERS[(cluster::index(b) + 1) % 3];
        out.push(sarama_line(t + 40, &format!("producer/leader/{TOPIC}/{p} selected broker {next}")));
        t += rng.range(5, 40);
    }
    out.push(sarama_line(o.down, &format!("client/metadata got error from broker {b} while fetching metadata: EOF")));
    out.push(sarama_line(
        o.down + 2,
        &format!("client/brokers deregistered broker #{b} at {}:{PORT}", cluster::host(b)),
    ));
    sarama_dials(o, rng, out);
}

fn sarama_dials(o: Outage, rng: &mut Rng, out: &mut Lines) {
    let mut t = o.down + rng.range(500, 3_000);
    while t < o.up {
        out.push(sarama_line(
            t,
            &format!(
                "Failed to connect to broker {}:{PORT}: dial tcp {}:{PORT}: connect: connection refused",
                cluster::host(o.broker),
                ip(o.broker)
            ),
        ));
        t += rng.range(4_000, 12_000);
    }
    out.push(sarama_line(
        o.up + rng.range(500, 4_000),
        &format!("Connected to broker at {}:{PORT} (registered as #{})", cluster::host(o.broker), o.broker),
    ));
}

fn sarama(rng: &mut Rng, overlap: bool) -> Vec<(&'static str, Lines)> {
    let (start, outages, end) = roll(rng, overlap, false);
    let mut p = Lines::new();
    let mut c = Lines::new();
    for (i, b) in BROKERS.iter().enumerate() {
        let t = start + 5 + i as i64 * 11;
        p.push(sarama_line(t, &format!("Connected to broker at {}:{PORT} (registered as #{b})", cluster::host(*b))));
        c.push(sarama_line(t, &format!("Connected to broker at {}:{PORT} (registered as #{b})", cluster::host(*b))));
    }
    let coordinator = |b: u8| format!("{}:{PORT}", cluster::host(b));
    c.push(sarama_line(
        start + 200,
        &format!(
            "client/coordinator coordinator for consumergroup {GROUP} is #{HOME_COORDINATOR} ({})",
            coordinator(HOME_COORDINATOR)
        ),
    ));
    for o in &outages {
        sarama_producer_outage(*o, rng, &mut p);
        let t = o.down + rng.range(5, 200);
        c.push(sarama_line(
            t,
            &format!("consumer/broker/{} disconnecting due to error processing FetchRequest: EOF", o.broker),
        ));
        if o.broker == HOME_COORDINATOR {
            let next = 3;
            c.push(sarama_line(
                t + 300,
                &format!("client/coordinator coordinator for consumer group {GROUP} is not available"),
            ));
            c.push(sarama_line(
                t + rng.range(2_000, 4_000),
                &format!("client/coordinator coordinator for consumergroup {GROUP} is #{next} ({})", coordinator(next)),
            ));
        }
        sarama_dials(*o, rng, &mut c);
    }
    let mut t = start + rng.range(1_000, 3_000);
    while t < end {
        p.push(sarama_line(
            t,
            &format!("client/metadata fetching metadata for all topics from broker {}:{PORT}", cluster::host(1)),
        ));
        t += 60_000;
    }
    vec![("producer.log", p), ("consumer.log", c)]
}

fn kgo_line(t: i64, level: &str, msg: &str) -> (i64, String) {
    (t, format!("{} [{level}] {msg}", kgo_time(t)))
}

fn kgo_dials(o: Outage, rng: &mut Rng, out: &mut Lines) {
    let mut t = o.down + rng.range(50, 400);
    let mut backoff = 250;
    while t < o.up {
        out.push(kgo_line(
            t,
            "WARN",
            &format!(
                "unable to open connection to broker; addr: {}:{PORT}, broker: {}, err: dial tcp {}:{PORT}: connect: connection refused",
                cluster::host(o.broker),
                o.broker,
                ip(o.broker)
            ),
        ));
        backoff = (backoff * 2).min(5_000);
        t += backoff * rng.range(80, 120) / 100;
    }
}

fn franz_go(rng: &mut Rng, overlap: bool) -> Vec<(&'static str, Lines)> {
    let (start, outages, end) = roll(rng, overlap, false);
    let mut p = Lines::new();
    let mut c = Lines::new();
    p.push(kgo_line(
        start,
        "INFO",
        &format!(
            "producing to a new topic for the first time, fetching metadata to learn its partitions; topic: {TOPIC}"
        ),
    ));
    c.push(kgo_line(start, "INFO", &format!("beginning to manage the group lifecycle; group: {GROUP}")));
    for o in &outages {
        let b = o.broker;
        let mut t = o.down - rng.range(200, 700);
        for part in cluster::partitions_led_by(b) {
            p.push(kgo_line(t, "WARN", &format!("produce partition load error, bumping error count on first stored batch; broker: {b}, topic: {TOPIC}, partition: {part}, err: NOT_LEADER_FOR_PARTITION: This server is not the leader for that topic-partition., can_fail: true, batch0_should_fail: false, is_network_err: false, is_retryable_kerr: true, is_unknown_limit: false, will_fail: false")));
            t += rng.range(3, 30);
        }
        p.push(kgo_line(
            t + 5,
            "INFO",
            &format!("immediate metadata update triggered; why: produce partition load error for topic {TOPIC}"),
        ));
        kgo_dials(*o, rng, &mut p);
        kgo_dials(*o, rng, &mut c);
        if b == HOME_COORDINATOR {
            let t = o.down + rng.range(100, 3_000);
            c.push(kgo_line(
                t,
                "INFO",
                &format!(
                    "heartbeat errored; group: {GROUP}, err: NOT_COORDINATOR: This is not the correct coordinator."
                ),
            ));
        }
    }
    c.push(kgo_line(start + rng.range(3_000, 6_000), "INFO", &format!("assigning partitions; why: newly fetched offsets for group {GROUP}, how: assigning everything new, keeping current assignment, input: {TOPIC}[0 1 2 3 4 5]")));
    // The services log their throughput through the same logger, so both
    // files run to the end of the capture.
    for (file, what) in [(&mut p, "produced"), (&mut c, "consumed")] {
        let mut t = start + rng.range(10_000, 30_000);
        while t < end {
            let n = rng.range(200, 900);
            file.push(kgo_line(t, "INFO", &format!("orders-service: {what} {n} records in the last 30s")));
            t += 30_000 + rng.range(0, 50);
        }
    }
    vec![("producer.log", p), ("consumer.log", c)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_tags_are_cut_like_librdkafka_cuts_them() {
        let tag = rk_thread(2);
        assert_eq!(tag.len(), "[thrd:]".len() + 63);
        assert!(!tag.contains("/2]"), "the id is cut off: {tag}");
    }

    #[test]
    fn overlap_puts_broker_3_down_before_2_is_up() {
        let (_, o, _) = roll(&mut Rng::new(1), true, false);
        assert!(o[2].down < o[1].up);
        let (_, o, _) = roll(&mut Rng::new(1), false, false);
        assert!(o[2].down > o[1].up && o[1].down > o[0].up);
    }

    #[test]
    fn times_print_like_each_runtime() {
        let t = crate::clock::epoch_ms(2024, 2, 6, 10, 47, 3) + 491;
        assert_eq!(rk_time(t), "1707216423.491");
        assert_eq!(py_time(t), "2024-02-06 10:47:03,491");
        assert_eq!(go_time(t), "2024/02/06 10:47:03");
        assert_eq!(kgo_time(t), "2024-02-06T10:47:03.491Z");
    }
}
