//! The mixed-clients scenario (issue 5): one rolling restart seen by three
//! services on three different clients, as a user collects their logs into
//! one directory.
//!
//! - `java-producer.log`: `kafka-console-producer.sh` in Kafka's tools
//!   layout at WARN (`scenario.rs`'s producer);
//! - `rdkafka-producer.log.gz`: a librdkafka producer's stderr in its own
//!   layout, gzipped as a log rotator leaves it (`clients.rs`'s renderer);
//! - `node-orders-api.log`: a Node service's kafkajs JSON log (`node.rs`'s
//!   renderer).
//!
//! The three renderers get the same broker timings, so the directory tells of
//! one roll: broker 1, 2 and 3 one at a time, each seen by the three clients.
//! Each client sees the broker go at the process stop (the Java producer
//! also sees the leadership move of the controlled shutdown just before).

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use flate2::write::GzEncoder;
use flate2::{Compression, GzBuilder};

use crate::cluster::BROKERS;
use crate::layout::Style;
use crate::noise::{self, CorrelationIds, Logs, Outage, Producer};
use crate::rng::{self, Rng};
use crate::scenario::{self, start_of_logs, CONSOLE_PRODUCER_THREAD, PRODUCER_PREFIX};
use crate::templates::Wording;
use crate::{clients, node};

pub const NAMES: [&str; 1] = ["mixed-clients"];

/// Writes the three files of `mixed-clients` into `dir`.
pub fn write(name: &str, dir: &Path, seed: u64) -> io::Result<()> {
    let mut rng = Rng::new(rng::derive(seed, name));
    let rng = &mut rng;
    let start = start_of_logs() + rng.range(0, 1_999);
    let mut t = start + rng.range(60_000, 120_000);
    let mut outages = Vec::new();
    for broker in BROKERS {
        let outage = Outage::clean(broker, t, rng.range(40_000, 90_000), rng);
        t = outage.up.unwrap_or(t) + rng.range(60_000, 180_000);
        outages.push(outage);
    }
    let end = t + rng.range(30_000, 60_000);
    // The other clients lose the broker when its process stops.
    let seen: Vec<clients::Outage> =
        outages.iter().map(|o| clients::Outage { broker: o.broker, down: o.stop, up: o.up.unwrap_or(end) }).collect();

    let mut producer = Producer {
        prefix: PRODUCER_PREFIX,
        wording: Wording::Broker,
        logs_info: false,
        thread: CONSOLE_PRODUCER_THREAD,
        correlation: CorrelationIds::new(start, rng.range(300, 2_000), 4),
    };
    let mut java = Logs::default();
    for o in &outages {
        noise::producer_outage(&mut producer, o, rng, &mut java);
    }

    let rdkafka = clients::text(clients::rdkafka_producer_stderr(&seen, rng));

    let mut kafkajs = node::begin(start, rng);
    for o in &seen {
        node::restart_of(o.broker, o.down, o.up, false, rng, &mut kafkajs);
    }
    let kafkajs = node::finish(end, kafkajs);

    fs::create_dir_all(dir)?;
    fs::write(dir.join("java-producer.log"), scenario::render(Style::KafkaTools, java.producer))?;
    fs::write(dir.join("rdkafka-producer.log.gz"), gzip(rdkafka.as_bytes())?)?;
    fs::write(dir.join("node-orders-api.log"), kafkajs)?;
    Ok(())
}

/// gzip with a fixed header (no file name, mtime 0), so the same text gives
/// the same bytes from one run to the next. The deflate stream itself may
/// differ between flate2 backends; `tests/fixtures.rs` compares the text.
fn gzip(text: &[u8]) -> io::Result<Vec<u8>> {
    let mut gz: GzEncoder<Vec<u8>> = GzBuilder::new().mtime(0).write(Vec::new(), Compression::default());
    gz.write_all(text)?;
    gz.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn the_gzip_header_is_fixed_and_the_text_comes_back() {
        let text = b"%3|1707216423.491|FAIL|rdkafka#producer-1| x\n";
        let a = gzip(text).unwrap();
        assert_eq!(a, gzip(text).unwrap());
        assert_eq!(&a[..8], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0], "no name, no mtime");
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&a[..]).read_to_end(&mut back).unwrap();
        assert_eq!(back, text);
    }
}
