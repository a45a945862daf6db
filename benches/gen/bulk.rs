//! `bulk`: one long application log for benchmarks.
//!
//! A busy Java service (kafka-clients 3.6.1, logging at INFO) that consumes
//! `orders` and produces with `producer-1`. About 99% of its lines are INFO:
//! its own work, and now and then a consumer rebalance. The rest is the
//! rolling-restart noise of `noise.rs`: the cluster is rolled again and
//! again, so the WARN lines come in per-broker windows. With `--rolls N`
//! the cluster is rolled N times and the service then goes on alone: a log
//! whose size grows while what happened in it does not (`compare.sh`
//! measures memory on both).
//!
//! Time: a roll, with the quiet before and after it, spans about ten
//! minutes and gives about a hundred WARN lines, so the application lines of
//! a cycle are spread over it at whatever pace makes the noise ~1% of all
//! lines: bursts of lines a few ms apart (records of one poll) separated by
//! pauses (waiting for the next poll).
//!
//! The hot path writes bytes straight into one reused line buffer; only the
//! rare noise records are built as `Record`s.

use std::io::{self, Write};

use crate::clock::push_number;
use crate::cluster::{self, BROKERS, HOME_COORDINATOR, PARTITIONS};
use crate::layout::{Level, Record, Renderer, Style};
use crate::noise::{self, CorrelationIds, Logs, Outage, Producer};
use crate::rng::{self, Rng};
use crate::scenario::{start_of_logs, HEARTBEAT_THREAD, LISTENER_THREAD};
use crate::templates::{self as tpl, Position, Wording};

pub struct Options {
    pub bytes: u64,
    pub seed: u64,
    pub style: Style,
    /// Roll the cluster this many times, then go on quietly (the
    /// application's lines only) to `bytes`: a long log with a set number
    /// of rolling updates in it. None: a roll in every cycle.
    pub rolls: Option<u64>,
}

const PRODUCER_PREFIX: &str = "[Producer clientId=producer-1] ";
const CONSUMER_PREFIX: &str = "[Consumer clientId=consumer-orders-processor-1, groupId=orders-processor] ";
const PRODUCER_THREAD: &str = "kafka-producer-network-thread | producer-1";
const TASK_THREADS: [&str; 4] = ["task-1", "task-2", "task-3", "task-4"];
const WAREHOUSES: [&str; 3] = ["IAD-2", "CMH-1", "PDX-4"];

const ORDER_SERVICE: &str = "com.example.orders.OrderService";
const PAYMENT_CLIENT: &str = "com.example.orders.PaymentClient";
const INVENTORY_CLIENT: &str = "com.example.orders.InventoryClient";

/// WARN and ERROR lines per thousand lines.
const NOISE_PER_MILLE: i64 = 10;
/// Microseconds between application lines in a quiet cycle before any
/// roll set the pace.
const QUIET_PACE_US: i64 = 100_000;

/// Writes about `options.bytes` bytes; returns how many it wrote.
pub fn write(options: &Options, out: &mut dyn Write) -> io::Result<u64> {
    let mut rng = Rng::new(rng::derive(options.seed, "bulk"));
    let mut renderer = Renderer::new(options.style);
    let mut t = start_of_logs() + rng.range(0, 1_999);
    let mut app = App::new(&mut rng);
    let mut producer = Producer {
        prefix: PRODUCER_PREFIX,
        wording: Wording::Broker,
        logs_info: true,
        thread: PRODUCER_THREAD,
        correlation: CorrelationIds::new(t, rng.range(100_000, 900_000), 50),
    };
    let mut consumer = noise::Consumer::new(
        CONSUMER_PREFIX,
        Wording::Broker,
        (LISTENER_THREAD, HEARTBEAT_THREAD),
        CorrelationIds::new(t, rng.range(100_000, 900_000), 30),
        t - rng.range(600_000, 7_200_000),
        &mut rng,
    );
    let mut sink = Sink { out, line: Vec::with_capacity(1024), written: 0, limit: options.bytes };

    let mut rolls = 0;
    // A quiet cycle goes at the pace of the last roll's: after the rolls,
    // the application logs as busily as before.
    let mut mean_us = QUIET_PACE_US;
    while !sink.is_full() {
        let rolled = options.rolls.is_none_or(|n| rolls < n);
        let cycle = if rolled { Cycle::plan(t, &mut rng) } else { Cycle::quiet(t, &mut rng) };
        let mut logs = Logs::default();
        if rolled {
            rolls += 1;
            noise::play(&cycle.outages, &cycle.moves_back, &mut producer, &mut consumer, &mut rng, &mut logs);
            app.roll();
            if let Some(at) = cycle.rebalance {
                app.rebalance(at, &consumer, &mut rng, &mut logs.consumer);
            }
            let loud = logs.producer.iter().chain(&logs.consumer).filter(|r| r.is_warn_or_error()).count() as i64;
            let quiet = (logs.producer.len() + logs.consumer.len()) as i64 - loud;
            let app_lines = (loud * (1_000 - NOISE_PER_MILLE) / NOISE_PER_MILLE - quiet).max(1_000);
            mean_us = (cycle.end - t) * 1_000 / app_lines;
        }
        let mut noise = logs.producer;
        noise.append(&mut logs.consumer);
        noise.sort_by_key(|r| r.t);
        let pace = Pace::new(mean_us);

        let mut now_us = t * 1_000;
        let mut pending = noise.iter().peekable();
        while now_us / 1_000 < cycle.end && !sink.is_full() {
            let now = now_us / 1_000;
            while let Some(record) = pending.next_if(|r| r.t <= now) {
                renderer.render(record, &mut sink.line);
                sink.flush_line()?;
            }
            app.line(now, &mut rng, &mut renderer, &mut sink.line);
            sink.flush_line()?;
            now_us += pace.step(&mut rng);
        }
        for record in pending {
            if sink.is_full() {
                break;
            }
            renderer.render(record, &mut sink.line);
            sink.flush_line()?;
        }
        t = cycle.end;
    }
    sink.out.flush()?;
    Ok(sink.written)
}

struct Sink<'a> {
    out: &'a mut dyn Write,
    line: Vec<u8>,
    written: u64,
    limit: u64,
}

impl Sink<'_> {
    fn flush_line(&mut self) -> io::Result<()> {
        self.out.write_all(&self.line)?;
        self.written += self.line.len() as u64;
        self.line.clear();
        Ok(())
    }

    fn is_full(&self) -> bool {
        self.written >= self.limit
    }
}

/// One roll of the cluster with quiet time before and after it.
struct Cycle {
    end: i64,
    outages: Vec<Outage>,
    moves_back: Vec<i64>,
    rebalance: Option<i64>,
}

impl Cycle {
    fn plan(start: i64, rng: &mut Rng) -> Cycle {
        let quiet_before = rng.range(60_000, 240_000);
        let mut t = start + quiet_before;
        let mut outages = Vec::new();
        for broker in BROKERS {
            let outage = Outage::clean(broker, t, rng.range(40_000, 90_000), rng);
            // The next broker goes once the ISRs have caught up; after the
            // last one, this is the quiet time that ends the cycle.
            t = outage.up.unwrap_or(t) + rng.range(60_000, 180_000);
            outages.push(outage);
        }
        let mut moves_back = Vec::new();
        for outage in outages.iter().filter(|o| o.broker == HOME_COORDINATOR) {
            if let Some(up) = outage.up {
                if rng.chance(2, 3) {
                    moves_back.push(up + rng.range(30_000, 150_000));
                }
            }
        }
        let rebalance = rng.chance(1, 2).then(|| start + rng.range(5_000, quiet_before - 5_000));
        Cycle { end: t, outages, moves_back, rebalance }
    }

    /// A cycle with no roll, as long as a rolled one.
    fn quiet(start: i64, rng: &mut Rng) -> Cycle {
        Cycle { end: start + rng.range(600_000, 900_000), outages: Vec::new(), moves_back: Vec::new(), rebalance: None }
    }
}

/// Time between application lines: bursts of steps of 0–5 ms, and one
/// pause in sixteen steps sized so that the steps average `mean_us`.
struct Pace {
    pause_us: i64,
}

impl Pace {
    fn new(mean_us: i64) -> Pace {
        const BURST_STEP_US: i64 = 2_500;
        Pace { pause_us: ((mean_us - BURST_STEP_US) * 16 + BURST_STEP_US).max(0) }
    }

    fn step(&self, rng: &mut Rng) -> i64 {
        if rng.chance(1, 16) {
            rng.range(self.pause_us / 2, self.pause_us * 3 / 2)
        } else {
            rng.range(0, 5_000)
        }
    }
}

/// The application: what it has processed and which partitions it owns.
struct App {
    order: u64,
    offsets: [i64; PARTITIONS as usize],
    leader_epochs: [i64; PARTITIONS as usize],
    generation: i64,
    member_id: String,
    assigned: Vec<u8>,
}

impl App {
    fn new(rng: &mut Rng) -> App {
        let mut offsets = [0; PARTITIONS as usize];
        let mut leader_epochs = [0; PARTITIONS as usize];
        for p in 0..usize::from(PARTITIONS) {
            offsets[p] = rng.range(1_000_000, 9_000_000);
            leader_epochs[p] = rng.range(10, 40);
        }
        App {
            order: rng.range(1_000_000, 5_000_000) as u64,
            offsets,
            leader_epochs,
            generation: rng.range(5, 60),
            member_id: format!("consumer-orders-processor-1-{}", cluster::uuid(rng)),
            assigned: (0..PARTITIONS).collect(),
        }
    }

    /// A roll moves every leader away and back: two leader epochs each.
    fn roll(&mut self) {
        for epoch in &mut self.leader_epochs {
            *epoch += 2;
        }
    }

    /// One application line at `t`.
    fn line(&mut self, t: i64, rng: &mut Rng, renderer: &mut Renderer, line: &mut Vec<u8>) {
        let kind = rng.below(100);
        self.order += 1;
        if kind < 90 {
            let partition = usize::from(*rng.pick(&self.assigned));
            self.offsets[partition] += 1;
            renderer.begin(line, t, Level::Info, ORDER_SERVICE, LISTENER_THREAD);
            line.extend_from_slice(b"Processed order ");
            push_number(line, self.order);
            line.extend_from_slice(b" for customer ");
            push_number(line, rng.range(1_000, 99_999) as u64);
            line.extend_from_slice(b" in ");
            push_number(line, rng.range(1, 40) as u64);
            line.extend_from_slice(b" ms");
            renderer.end(line, ORDER_SERVICE, None);
        } else if kind < 96 {
            let thread = *rng.pick(&TASK_THREADS);
            renderer.begin(line, t, Level::Info, PAYMENT_CLIENT, thread);
            line.extend_from_slice(b"Payment captured for order ");
            push_number(line, self.order);
            line.extend_from_slice(b": ");
            push_number(line, rng.range(5, 900) as u64);
            line.push(b'.');
            let cents = rng.range(0, 99) as u64;
            line.push(b'0' + (cents / 10) as u8);
            line.push(b'0' + (cents % 10) as u8);
            line.extend_from_slice(b" USD");
            renderer.end(line, PAYMENT_CLIENT, None);
        } else {
            let thread = *rng.pick(&TASK_THREADS);
            renderer.begin(line, t, Level::Info, INVENTORY_CLIENT, thread);
            line.extend_from_slice(b"Reserved ");
            push_number(line, rng.range(1, 12) as u64);
            line.extend_from_slice(b" item(s) for order ");
            push_number(line, self.order);
            line.extend_from_slice(b" in warehouse ");
            line.extend_from_slice(rng.pick(&WAREHOUSES).as_bytes());
            renderer.end(line, INVENTORY_CLIENT, None);
        }
    }

    /// A second instance of the service joins or leaves: an eager range
    /// rebalance moves the assignment between all six partitions and the
    /// first three.
    fn rebalance(&mut self, t: i64, consumer: &noise::Consumer, rng: &mut Rng, out: &mut Vec<Record>) {
        let p = CONSUMER_PREFIX;
        let revoked = std::mem::take(&mut self.assigned);
        self.assigned = if revoked.len() == usize::from(PARTITIONS) {
            (0..PARTITIONS / 2).collect()
        } else {
            (0..PARTITIONS).collect()
        };
        self.generation += 1;
        let coordinator = noise::CONSUMER_COORDINATOR;
        out.push(Record::new(t, Level::Info, coordinator, HEARTBEAT_THREAD, tpl::heartbeat_rebalancing(p)));
        let mut at = t;
        let steps = [
            (rng.range(1, 5), tpl::revoking_partitions(p, &revoked)),
            (rng.range(0, 2), tpl::joining_group(p)),
            (rng.range(50, 3_000), tpl::joined_group(p, self.generation, &self.member_id)),
            (rng.range(5, 30), tpl::synced_group(p, self.generation, &self.member_id)),
            (rng.range(0, 1), tpl::notifying_assignor(p, &self.assigned)),
            (rng.range(1, 3), tpl::adding_partitions(p, &self.assigned)),
        ];
        for (delay, message) in steps {
            at += delay;
            out.push(Record::new(at, Level::Info, coordinator, LISTENER_THREAD, message));
        }
        let positions: Vec<Position> = self
            .assigned
            .iter()
            .map(|&partition| {
                let p = usize::from(partition);
                Position { partition, offset: self.offsets[p], leader_epoch: self.leader_epochs[p] }
            })
            .collect();
        consumer.positions(at + rng.range(5, 20), &positions, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(bytes: u64, rolls: Option<u64>) -> String {
        let mut out = Vec::new();
        write(&Options { bytes, seed: 3, style: Style::KafkaTools, rolls }, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Where the last WARN or ERROR line ends, as a share of the log.
    fn last_loud(log: &str) -> f64 {
        let end = log.rfind("] WARN ").max(log.rfind("] ERROR ")).expect("a roll was logged");
        end as f64 / log.len() as f64
    }

    #[test]
    fn rolls_then_quiet() {
        let log = bulk(4_000_000, Some(2));
        assert!(log.len() >= 4_000_000);
        // Two rolls of the cluster (each broker out once per roll), then
        // the service alone: its INFO lines to the end.
        let at = last_loud(&log);
        assert!(at < 0.5, "the last warning is {at:.2} into the log");
        let tail = &log[(at * log.len() as f64) as usize..];
        let tail = &tail[tail.find('\n').unwrap() + 1..];
        assert!(tail.lines().all(|l| l.contains("] INFO ") && l.contains("(com.example.orders.")));
        let disconnects = |log: &str| log.lines().filter(|l| l.contains(" disconnected. (org.apache.kafka")).count();
        let (outages, one_roll) = (disconnects(&log), disconnects(&bulk(4_000_000, Some(1))));
        assert!(outages > one_roll && one_roll > 0, "{outages} disconnects in two rolls, {one_roll} in one");
        // Without --rolls the cluster rolls to the end.
        assert!(last_loud(&bulk(4_000_000, None)) > 0.9);
    }
}
