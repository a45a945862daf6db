//! `--format events`: one JSON object per event, one per line (NDJSON), in
//! time order. Each carries `time`, `kind`, `broker` (or null), `client` (or
//! null), `input` and `line`, and where known the topic-partition, the node
//! and host as logged, the error text, the rule that matched and how the
//! broker was found (`attributed`: `line` or `time`).

use crate::analysis::Analysis;
use crate::event::{Attribution, Event, Level};
use crate::timefmt::rfc3339;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct Line<'a> {
    time: String,
    kind: &'static str,
    broker: Option<&'a str>,
    client: Option<&'a str>,
    input: &'a str,
    line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    topic_partition: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    topic: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    partition: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    node: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    host: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    level: Option<Level>,
    rule: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    attributed: Option<Attribution>,
    #[serde(skip_serializing_if = "Option::is_none")]
    template: Option<&'a str>,
}

fn line<'a>(a: &'a Analysis, e: &'a Event) -> Line<'a> {
    Line {
        time: rfc3339(e.time, &a.zone),
        kind: e.kind.as_str(),
        broker: e.broker.as_deref(),
        client: e.client.as_deref(),
        input: a.input_name(e.input),
        line: e.line,
        topic_partition: e.partition.and(e.topic_partition()),
        topic: e.topic.as_deref(),
        partition: e.partition,
        node: e.node,
        host: e.host.as_deref(),
        port: e.port,
        count: e.count,
        error: e.error.as_deref(),
        level: e.level,
        rule: &e.rule,
        attributed: e.attributed,
        template: e.template.as_deref(),
    }
}

pub fn write(a: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    for e in &a.events {
        serde_json::to_writer(&mut *out, &line(a, e))?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
