//! kafkajs scenarios: what a Node service on kafkajs 2.2 writes during the
//! same rolling restart, with kafkajs's default JSON logger at INFO
//! (`src/loggers/console.js`: `{"level","timestamp","logger":"kafkajs",
//! "message":"[Namespace] text", ...extra fields}`).
//!
//! - `kafkajs-clean-roll`: brokers 1, 2, 3 restart one at a time; the
//!   producer and the consumer group ride it out.
//! - `kafkajs-crash`: the same roll, but broker 2 stays down past the
//!   consumer's retries (5 by default, `src/retry/defaults.js`): the
//!   consumer crashes with `KafkaJSNumberOfRetriesExceeded` and restarts.
//!
//! Messages are kafkajs's own (`network/connection.js`, `cluster/brokerPool.js`,
//! `producer/messageProducer.js`, `consumer/index.js`, `consumer/runner.js`,
//! `consumer/consumerGroup.js`), with the extra fields each call passes.

use std::fs;
use std::io;
use std::path::Path;

use crate::clock::Stamp;
use crate::cluster::{self, BROKERS, GROUP, HOME_COORDINATOR, TOPIC};
use crate::rng::{self, Rng};
use crate::scenario::start_of_logs;

pub const NAMES: [&str; 2] = ["kafkajs-clean-roll", "kafkajs-crash"];

const CLIENT_ID: &str = "orders-api";
const PORT: u16 = 9092;

pub struct Line {
    t: i64,
    level: &'static str,
    message: String,
    /// Extra fields, already JSON (`"broker":"..","clientId":".."`).
    extra: String,
}

fn broker_field(b: u8) -> String {
    format!("\"broker\":\"{}:{PORT}\",\"clientId\":\"{CLIENT_ID}\"", cluster::host(b))
}

fn ip(b: u8) -> String {
    format!("10.0.{b}.{}:{PORT}", 10 + b)
}

fn retry(count: i64, time: i64) -> String {
    format!("\"retryCount\":{count},\"retryTime\":{time}")
}

/// Writes `kafkajs.log` of scenario `name` into `dir`.
pub fn write(name: &str, dir: &Path, seed: u64) -> io::Result<()> {
    let mut rng = Rng::new(rng::derive(seed, name));
    let crash = name == "kafkajs-crash";
    let start = start_of_logs() + rng.range(0, 1_999);
    let mut lines = begin(start, &mut rng);
    let mut t = start + rng.range(60_000, 120_000);
    let mut end = t;
    for b in BROKERS {
        let restart = if crash && b == 2 { rng.range(150_000, 170_000) } else { rng.range(40_000, 90_000) };
        let (up, rejoined) = restart_of(b, t, t + restart, crash && b == 2, &mut rng, &mut lines);
        end = rejoined + rng.range(60_000, 120_000);
        t = up + rng.range(60_000, 180_000);
    }
    fs::create_dir_all(dir)?;
    fs::write(dir.join("kafkajs.log"), finish(end, lines))
}

/// The service's lines from `start`: the consumer starts and joins its group.
pub fn begin(start: i64, rng: &mut Rng) -> Vec<Line> {
    let mut lines = vec![info(start, "[Consumer] Starting", format!("\"groupId\":\"{GROUP}\""))];
    let joined = start + rng.range(3_000, 6_000);
    lines.push(info(joined, "[ConsumerGroup] Consumer has joined the group", joined_fields(rng, 40)));
    lines
}

/// Broker `b` restarts (down from `down` to `up`; with `crash`, long enough
/// to exhaust the consumer's retries); returns when it is back and when the
/// consumer has joined its group again.
pub fn restart_of(b: u8, down: i64, up: i64, crash: bool, rng: &mut Rng, lines: &mut Vec<Line>) -> (i64, i64) {
    let up = outage(b, down, up, crash, rng, lines);
    let rejoined = up + rng.range(2_000, 5_000);
    lines.push(info(rejoined, "[ConsumerGroup] Consumer has joined the group", joined_fields(rng, rejoined - up)));
    (up, rejoined)
}

/// The capture ends when the service is stopped at `end`: consumer.disconnect()
/// logs `Stopped` (consumer/index.js). Returns the file's bytes.
pub fn finish(end: i64, mut lines: Vec<Line>) -> Vec<u8> {
    lines.push(info(end, "[Consumer] Stopped", format!("\"groupId\":\"{GROUP}\"")));
    lines.sort_by_key(|l| l.t);
    render(&lines)
}

fn info(t: i64, message: &str, extra: String) -> Line {
    Line { t, level: "INFO", message: message.into(), extra }
}

/// consumerGroup.js: this.logger.info('Consumer has joined the group', { groupId,
/// memberId, leaderId, isLeader, memberAssignment, groupProtocol, duration }).
fn joined_fields(rng: &mut Rng, duration: i64) -> String {
    let member = format!("{CLIENT_ID}-{}", cluster::uuid(rng));
    format!(
        "\"groupId\":\"{GROUP}\",\"memberId\":\"{member}\",\"leaderId\":\"{member}\",\"isLeader\":true,\"memberAssignment\":{{\"{TOPIC}\":[0,1,2,3,4,5]}},\"groupProtocol\":\"RoundRobinAssigner\",\"duration\":{duration}"
    )
}

/// Broker `b` is down from `down` to `up`; returns when it is back.
fn outage(b: u8, down: i64, up: i64, crash: bool, rng: &mut Rng, out: &mut Vec<Line>) -> i64 {
    let err = |t: i64, message: String, extra: String| Line { t, level: "ERROR", message, extra };
    // Controlled shutdown moves leadership away first: the broker answers
    // produce requests with NOT_LEADER_FOR_PARTITION.
    let mut correlation = rng.range(200, 900);
    let answered = down - rng.range(300, 1_500);
    out.push(err(
        answered,
        "[Connection] Response Produce(key: 0, version: 7)".into(),
        format!(
            "{},\"error\":\"This server is not the leader for that topic-partition\",\"correlationId\":{correlation},\"size\":63",
            broker_field(b)
        ),
    ));
    out.push(err(
        answered + rng.range(1, 5),
        "[Producer] Failed to send messages: This server is not the leader for that topic-partition".into(),
        retry(0, rng.range(250, 350)),
    ));
    correlation += 1;
    out.push(err(
        down,
        "[Connection] Connection error: read ECONNRESET".into(),
        format!(
            "{},\"stack\":\"Error: read ECONNRESET\\n    at TCP.onStreamRead (node:internal/stream_base_commons:217:20)\"",
            broker_field(b)
        ),
    ));
    if b == HOME_COORDINATOR {
        out.push(Line {
            t: down + rng.range(500, 3_000),
            level: "WARN",
            message: "[Runner] The group is rebalancing, re-joining".into(),
            extra: format!(
                "\"groupId\":\"{GROUP}\",\"memberId\":\"{CLIENT_ID}\",\"error\":\"The group is rebalancing, so a rejoin is needed\",{}",
                retry(0, rng.range(250, 350))
            ),
        });
        out.push(err(
            down + rng.range(3_000, 6_000),
            "[Connection] Response FindCoordinator(key: 10, version: 2)".into(),
            format!(
                "{},\"error\":\"The group coordinator is not available\",\"correlationId\":{correlation},\"size\":55",
                broker_field(if b == 1 { 2 } else { 1 })
            ),
        ));
    }
    // The client reconnects with backoff (300 ms initial, x2), and every send
    // of the producer tries again, so attempts are never far apart.
    let mut t = down + rng.range(200, 400);
    let mut attempt = 0i64;
    let mut backoff = 300i64;
    let mut crashed = false;
    while t < up {
        out.push(err(
            t,
            format!("[Connection] Connection error: connect ECONNREFUSED {}", ip(b)),
            format!(
                "{},\"stack\":\"Error: connect ECONNREFUSED {}\\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1595:16)\"",
                broker_field(b),
                ip(b)
            ),
        ));
        out.push(err(
            t + rng.range(1, 4),
            "[BrokerPool] Failed to connect to broker, reconnecting".into(),
            retry(attempt, backoff),
        ));
        attempt += 1;
        if crash && attempt == 6 && !crashed {
            crashed = true;
            let at = t + rng.range(5, 20);
            out.push(err(
                at,
                format!("[Consumer] Crash: KafkaJSNumberOfRetriesExceeded: Connection error: connect ECONNREFUSED {}", ip(b)),
                format!(
                    "\"groupId\":\"{GROUP}\",\"retryCount\":5,\"stack\":\"KafkaJSNonRetriableError\\n  Caused by: KafkaJSConnectionError: Connection error: connect ECONNREFUSED {}\\n    at Socket.onError (/app/node_modules/kafkajs/src/network/connection.js:210:23)\"",
                    ip(b)
                ),
            ));
            out.push(Line {
                t: at + 2,
                level: "INFO",
                message: "[Consumer] Stopped".into(),
                extra: format!("\"groupId\":\"{GROUP}\""),
            });
            let wait = rng.range(9_000, 12_000);
            out.push(err(
                at + 3,
                format!("[Consumer] Restarting the consumer in {wait}ms"),
                format!("\"retryCount\":5,\"retryTime\":{wait},\"groupId\":\"{GROUP}\""),
            ));
        }
        let jitter = backoff / 5;
        t += backoff + rng.range(-jitter, jitter);
        backoff = (backoff * 2).min(8_000);
    }
    up
}

fn render(lines: &[Line]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut stamp = Stamp::new(b'T');
    for l in lines {
        out.extend_from_slice(b"{\"level\":\"");
        out.extend_from_slice(l.level.as_bytes());
        out.extend_from_slice(b"\",\"timestamp\":\"");
        stamp.push(&mut out, l.t, b'.');
        out.extend_from_slice(b"Z\",\"logger\":\"kafkajs\",\"message\":\"");
        out.extend_from_slice(l.message.as_bytes());
        out.push(b'"');
        if !l.extra.is_empty() {
            out.push(b',');
            out.extend_from_slice(l.extra.as_bytes());
        }
        out.extend_from_slice(b"}\n");
    }
    out
}
