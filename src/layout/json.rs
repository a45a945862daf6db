//! JSON-lines layouts: one JSON object per line, read by field names.
//!
//! The names are data (`json = { time = "@timestamp", ... }` in
//! `grammars/layouts.toml`, or the user's `--layout 'json:time=ts,...'`), so
//! logstash-logback-encoder, ECS, pino/bunyan and kafkajs are presets of one
//! parser. A line is parsed with `serde_json` only when the prefilter made
//! it a candidate; telling a head line from another costs a two-byte check.
//! A field name with dots is looked up as a flat key first (`"log.level"`,
//! as ecs-logging-java writes it) and then as a path (`{"log":{"level":..}}`).

use super::timestamp::{civil_from_millis, parse_iso};
use super::Record;
use crate::event::Level;
use crate::timefmt::Civil;
use serde::Deserialize;
use serde_json::{Map, Value};

/// Which field holds what. Only `message` is required.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct JsonFields {
    pub time: Option<String>,
    pub level: Option<String>,
    pub logger: Option<String>,
    pub message: String,
    /// Fields with an error's text or stack trace, searched like a Java
    /// record's continuation lines.
    #[serde(default)]
    pub error: Vec<String>,
    pub thread: Option<String>,
    /// `host:port` of the broker a line is about (kafkajs `broker`).
    pub broker: Option<String>,
    /// The client id (kafkajs `clientId`).
    pub client: Option<String>,
}

impl JsonFields {
    /// `time=ts,level=severity,message=msg,error=exc|stack,broker=broker`.
    pub fn parse_spec(spec: &str) -> Result<JsonFields, String> {
        let mut f = JsonFields::default();
        for kv in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (k, v) = kv.split_once('=').ok_or_else(|| format!("'{kv}' is not ROLE=FIELD"))?;
            let v = v.trim().to_string();
            if v.is_empty() {
                return Err(format!("'{kv}' names no field"));
            }
            match k.trim() {
                "time" => f.time = Some(v),
                "level" => f.level = Some(v),
                "logger" => f.logger = Some(v),
                "message" | "msg" => f.message = v,
                "error" => f.error = v.split('|').map(str::to_string).collect(),
                "thread" => f.thread = Some(v),
                "broker" => f.broker = Some(v),
                "client" => f.client = Some(v),
                other => {
                    return Err(format!(
                        "unknown role '{other}' (known: time, level, logger, message, error, thread, broker, client)"
                    ))
                }
            }
        }
        if f.message.is_empty() {
            return Err("a JSON layout needs message=FIELD".into());
        }
        Ok(f)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonLayout {
    pub fields: JsonFields,
}

/// A line that starts like a JSON object. Cheap on purpose: it runs on the
/// lines around every candidate, and a CRI-split half of a JSON line must
/// still count as the head of its record.
pub fn looks_like_object(line: &[u8]) -> bool {
    line.trim_ascii_start().starts_with(b"{\"")
}

fn lookup<'v>(obj: &'v Map<String, Value>, name: &str) -> Option<&'v Value> {
    if let Some(v) = obj.get(name) {
        return Some(v);
    }
    let mut parts = name.split('.');
    let mut v = obj.get(parts.next()?)?;
    for p in parts {
        v = v.as_object()?.get(p)?;
    }
    Some(v)
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// String levels in any case; pino/bunyan numbers (10 trace … 60 fatal).
fn level_of(v: &Value) -> Option<Level> {
    match v {
        Value::String(s) => Level::parse(s.to_ascii_uppercase().as_bytes()),
        Value::Number(n) => Some(match n.as_u64()? {
            0..=19 => Level::Trace,
            20..=29 => Level::Debug,
            30..=39 => Level::Info,
            40..=49 => Level::Warn,
            50..=59 => Level::Error,
            _ => Level::Fatal,
        }),
        _ => None,
    }
}

/// ISO strings; numbers are epoch milliseconds (pino), or seconds when too
/// small to be milliseconds of this century.
fn time_of(v: &Value) -> Option<Civil> {
    match v {
        Value::String(s) => parse_iso(s.as_bytes()).map(|(c, _)| c),
        Value::Number(n) => {
            let x = n.as_f64()?;
            let ms = if x.abs() < 1e11 { x * 1000.0 } else { x };
            civil_from_millis(ms as i64)
        }
        _ => None,
    }
}

impl JsonLayout {
    pub fn is_head(&self, line: &[u8]) -> bool {
        looks_like_object(line)
    }

    fn object(line: &[u8]) -> Option<Map<String, Value>> {
        match serde_json::from_slice::<Value>(line.trim_ascii()).ok()? {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// For detection: how many of the configured fields the line has, or
    /// why it does not fit.
    pub fn fit(&self, line: &[u8]) -> Result<usize, String> {
        if !looks_like_object(line) {
            return Err("not a JSON object".into());
        }
        let Some(obj) = JsonLayout::object(line) else {
            return Err("not valid JSON".into());
        };
        let f = &self.fields;
        let mut found = 0;
        for (role, name, required) in [
            ("message", Some(&f.message), true),
            ("time", f.time.as_ref(), true),
            ("level", f.level.as_ref(), true),
            ("logger", f.logger.as_ref(), false),
        ] {
            let Some(name) = name else { continue };
            match lookup(&obj, name) {
                Some(_) => found += 1,
                None if required => return Err(format!("no {role} field \"{name}\"")),
                None => {}
            }
        }
        if let Some(t) = &f.time {
            if lookup(&obj, t).and_then(time_of).is_none() {
                return Err(format!("time field \"{t}\" is not a timestamp"));
            }
        }
        Ok(found)
    }

    /// Parses a record and hands it to `f`; `None` when the line is not a
    /// JSON object with a message.
    pub fn with_record<R>(&self, head: &[u8], body: &[u8], f: impl FnOnce(&Record<'_>) -> R) -> Option<R> {
        let obj = JsonLayout::object(head)?;
        let fl = &self.fields;
        let get = |name: &Option<String>| name.as_deref().and_then(|n| lookup(&obj, n));
        let message = text(lookup(&obj, &fl.message)?)?;
        let mut errors = String::new();
        for e in &fl.error {
            if let Some(t) = lookup(&obj, e).and_then(text) {
                if !errors.is_empty() {
                    errors.push('\n');
                }
                errors.push_str(&t);
            }
        }
        if !body.is_empty() {
            if !errors.is_empty() {
                errors.push('\n');
            }
            errors.push_str(&String::from_utf8_lossy(body));
        }
        let logger = get(&fl.logger).and_then(text).unwrap_or_default();
        let thread = get(&fl.thread).and_then(text).unwrap_or_default();
        let broker = get(&fl.broker).and_then(text).unwrap_or_default();
        let client = get(&fl.client).and_then(text).unwrap_or_default();
        let rec = Record {
            time: get(&fl.time).and_then(time_of),
            level: get(&fl.level).and_then(level_of),
            logger: logger.as_bytes(),
            thread: thread.as_bytes(),
            message: message.as_bytes(),
            body: errors.as_bytes(),
            broker: broker.as_bytes(),
            client: client.as_bytes(),
        };
        Some(f(&rec))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kafkajs() -> JsonLayout {
        JsonLayout {
            fields: JsonFields::parse_spec(
                "time=timestamp,level=level,logger=logger,message=message,error=error|stack,broker=broker,client=clientId",
            )
            .unwrap(),
        }
    }

    #[test]
    fn kafkajs_line_with_extras() {
        let l = kafkajs();
        let line = br#"{"level":"ERROR","timestamp":"2024-02-06T10:47:03.491Z","logger":"kafkajs","message":"[Connection] Connection error: connect ECONNREFUSED 10.0.1.12:9092","broker":"b-2.demo.kafka.us-east-1.amazonaws.com:9092","clientId":"orders","stack":"Error: connect ECONNREFUSED 10.0.1.12:9092\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)"}"#;
        assert_eq!(l.fit(line), Ok(4));
        let (lvl, msg, broker, client, body, ms) = l
            .with_record(line, b"", |r| {
                (
                    r.level,
                    String::from_utf8_lossy(r.message).into_owned(),
                    String::from_utf8_lossy(r.broker).into_owned(),
                    String::from_utf8_lossy(r.client).into_owned(),
                    String::from_utf8_lossy(r.body).into_owned(),
                    r.time.unwrap().milli,
                )
            })
            .unwrap();
        assert_eq!(lvl, Some(Level::Error));
        assert!(msg.starts_with("[Connection] Connection error"));
        assert_eq!(broker, "b-2.demo.kafka.us-east-1.amazonaws.com:9092");
        assert_eq!(client, "orders");
        assert!(body.contains("\n    at TCPConnectWrap"));
        assert_eq!(ms, 491);
    }

    #[test]
    fn pino_numbers_and_nested_paths() {
        let l = JsonLayout {
            fields: JsonFields::parse_spec("time=time,level=level,logger=name,message=msg,error=err.stack").unwrap(),
        };
        let line = br#"{"level":50,"time":1707216423491,"pid":1,"hostname":"h","name":"orders","msg":"boom \u003c\"x\"\u003e","err":{"type":"Error","stack":"Error: x\n at y"}}"#;
        let (lvl, msg, body, t) = l
            .with_record(line, b"", |r| {
                (
                    r.level,
                    String::from_utf8_lossy(r.message).into_owned(),
                    String::from_utf8_lossy(r.body).into_owned(),
                    r.time,
                )
            })
            .unwrap();
        assert_eq!(lvl, Some(Level::Error));
        assert_eq!(msg, "boom <\"x\">");
        assert_eq!(body, "Error: x\n at y");
        assert_eq!(t.unwrap().to_utc_millis(&Default::default()), Some(1707216423491));
        let ecs =
            JsonLayout { fields: JsonFields::parse_spec("time=@timestamp,level=log.level,message=message").unwrap() };
        assert!(ecs.fit(br#"{"@timestamp":"2024-02-06T10:47:03.491Z","log":{"level":"warn"},"message":"x"}"#).is_ok());
        assert!(ecs.fit(br#"{"@timestamp":"2024-02-06T10:47:03.491Z","log.level":"WARN","message":"x"}"#).is_ok());
        assert_eq!(
            ecs.fit(br#"{"@timestamp":"2024-02-06T10:47:03.491Z","message":"x"}"#),
            Err("no level field \"log.level\"".into())
        );
        assert_eq!(ecs.fit(b"[2024-02-06 10:47:03,491] WARN x"), Err("not a JSON object".into()));
        assert_eq!(
            ecs.fit(br#"{"@timestamp":"yesterday","log.level":"WARN","message":"x"}"#),
            Err("time field \"@timestamp\" is not a timestamp".into())
        );
    }

    #[test]
    fn field_specs_are_checked() {
        assert!(JsonFields::parse_spec("time=ts").unwrap_err().contains("message=FIELD"));
        assert!(JsonFields::parse_spec("message=m,colour=x").unwrap_err().contains("unknown role 'colour'"));
        assert!(JsonFields::parse_spec("message").unwrap_err().contains("ROLE=FIELD"));
        assert_eq!(JsonFields::parse_spec("msg=m,error=a|b").unwrap().error, vec!["a", "b"]);
    }
}
