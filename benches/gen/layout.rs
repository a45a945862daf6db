//! The two logging-framework layouts the generator writes, byte for byte.
//!
//! - `KafkaTools`: log4j's `[%d] %p %m (%c)%n`, the pattern of Kafka's
//!   `config/tools-log4j.properties` (and of apps that copy it). `%d` is
//!   `yyyy-MM-dd HH:mm:ss,SSS`; the logger comes *after* the message, so a
//!   message that ends in a newline (the config dump) leaves ` (logger)` on a
//!   line of its own. A throwable follows on the next lines, printed the way
//!   `Throwable.printStackTrace` starts: `class: message`, or just `class`
//!   when the message is null.
//! - `SpringBoot`: Spring Boot 3's default console pattern with
//!   `spring.application.name` set,
//!   `%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %5p ${PID} --- [app] [%15.15t] %-40.40logger{39} : %m%n`,
//!   rendered by logback. A throwable's first line is `class: message`, and
//!   logback prints a null message as `null`.
//!
//! Kafka's `ApiException`s carry no stack trace (they override
//! `fillInStackTrace`), so a throwable is exactly one line here.

use crate::clock::Stamp;

/// The process id and the default application name of the Spring Boot
/// service.
const SPRING_PID: &str = "1";
const SPRING_APP: &str = "orders-service";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

impl Level {
    /// `%p`
    fn name(self) -> &'static str {
        match self {
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
        }
    }

    /// `%5p`: right-aligned in five columns.
    fn padded(self) -> &'static str {
        match self {
            Level::Info => " INFO",
            Level::Warn => " WARN",
            Level::Error => "ERROR",
        }
    }
}

/// The exception attached to a log call (SLF4J's trailing `Throwable`).
pub struct Throwable {
    pub class: &'static str,
    pub message: Option<String>,
}

/// One log call: what the framework receives before the layout.
pub struct Record {
    pub t: i64,
    pub level: Level,
    pub logger: &'static str,
    pub thread: &'static str,
    pub message: String,
    pub throwable: Option<Throwable>,
}

impl Record {
    pub fn new(t: i64, level: Level, logger: &'static str, thread: &'static str, message: String) -> Record {
        Record { t, level, logger, thread, message, throwable: None }
    }

    pub fn with_throwable(mut self, class: &'static str, message: Option<String>) -> Record {
        self.throwable = Some(Throwable { class, message });
        self
    }

    pub fn is_warn_or_error(&self) -> bool {
        self.level != Level::Info
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    KafkaTools,
    SpringBoot,
}

/// Turns records into lines. It keeps the timestamp of the last second and
/// the rendered `[thread] logger : ` columns of each (logger, thread) pair it
/// has seen, so that the bulk generator pays for neither on every line.
pub struct Renderer {
    style: Style,
    /// `spring.application.name`, shown by the Spring Boot layout.
    app: &'static str,
    stamp: Stamp,
    columns: Vec<Columns>,
}

struct Columns {
    logger: &'static str,
    thread: &'static str,
    /// Spring Boot: ` 1 --- [app] [thread] logger : `, everything between the
    /// level and the message.
    text: Vec<u8>,
}

impl Renderer {
    pub fn new(style: Style) -> Renderer {
        Renderer::with_app(style, SPRING_APP)
    }

    /// A renderer for the service named `app` (used by the Spring Boot
    /// layout only).
    pub fn with_app(style: Style, app: &'static str) -> Renderer {
        let separator = match style {
            Style::KafkaTools => b' ',
            Style::SpringBoot => b'T',
        };
        Renderer { style, app, stamp: Stamp::new(separator), columns: Vec::new() }
    }

    /// Appends the whole record, continuation lines included.
    pub fn render(&mut self, record: &Record, out: &mut Vec<u8>) {
        self.begin(out, record.t, record.level, record.logger, record.thread);
        out.extend_from_slice(record.message.as_bytes());
        self.end(out, record.logger, record.throwable.as_ref());
    }

    /// Appends everything that comes before the message.
    pub fn begin(&mut self, out: &mut Vec<u8>, t: i64, level: Level, logger: &'static str, thread: &'static str) {
        match self.style {
            Style::KafkaTools => {
                out.push(b'[');
                self.stamp.push(out, t, b',');
                out.extend_from_slice(b"] ");
                out.extend_from_slice(level.name().as_bytes());
                out.push(b' ');
            }
            Style::SpringBoot => {
                self.stamp.push(out, t, b'.');
                // `XXX` prints a zero offset as `Z`.
                out.extend_from_slice(b"Z ");
                out.extend_from_slice(level.padded().as_bytes());
                let columns = self.columns(logger, thread);
                out.extend_from_slice(columns);
            }
        }
    }

    /// Appends everything that comes after the message.
    pub fn end(&mut self, out: &mut Vec<u8>, logger: &'static str, throwable: Option<&Throwable>) {
        if self.style == Style::KafkaTools {
            out.extend_from_slice(b" (");
            out.extend_from_slice(logger.as_bytes());
            out.push(b')');
        }
        out.push(b'\n');
        if let Some(throwable) = throwable {
            out.extend_from_slice(throwable.class.as_bytes());
            match (&throwable.message, self.style) {
                (Some(message), _) => {
                    out.extend_from_slice(b": ");
                    out.extend_from_slice(message.as_bytes());
                }
                (None, Style::SpringBoot) => out.extend_from_slice(b": null"),
                (None, Style::KafkaTools) => {}
            }
            out.push(b'\n');
        }
    }

    fn columns(&mut self, logger: &'static str, thread: &'static str) -> &[u8] {
        let found = self.columns.iter().position(|c| c.logger == logger && c.thread == thread);
        let index = match found {
            Some(index) => index,
            None => {
                let text = format!(
                    " {SPRING_PID} --- [{}] [{}] {} : ",
                    self.app,
                    thread_column(thread),
                    logger_column(logger)
                );
                self.columns.push(Columns { logger, thread, text: text.into_bytes() });
                self.columns.len() - 1
            }
        };
        &self.columns[index].text
    }
}

/// logback's `%logger{target}` (`TargetLengthBasedClassNameAbbreviator`):
/// names shorter than `target` are kept; otherwise leading package names are
/// cut to their first letter, left to right, until the name would fit. The
/// last segment is never cut, so the result can still be longer than
/// `target`.
pub fn abbreviate_logger(name: &str, target: usize) -> String {
    if name.len() < target {
        return name.to_string();
    }
    let Some(last_dot) = name.rfind('.') else {
        return name.to_string();
    };
    let last_segment = name.len() - last_dot;
    let left_target = target.saturating_sub(last_segment);
    let max_trim = last_dot - left_target;
    let mut out = String::with_capacity(name.len());
    let mut trimmed = 0;
    let mut at_segment_start = true;
    let mut stop = last_dot;
    for (i, c) in name[..last_dot].char_indices() {
        if c == '.' {
            if trimmed >= max_trim {
                stop = i;
                break;
            }
            out.push(c);
            at_segment_start = true;
        } else if at_segment_start {
            out.push(c);
            at_segment_start = false;
        } else {
            trimmed += 1;
        }
    }
    out.push_str(&name[stop..]);
    out
}

/// `%-40.40logger{39}`: abbreviated to 39, then cut from the left to at most
/// 40 characters, then padded on the right to 40.
pub fn logger_column(name: &str) -> String {
    let abbreviated = abbreviate_logger(name, 39);
    format!("{:<40}", keep_last(&abbreviated, 40))
}

/// `%15.15t`: cut from the left to at most 15 characters, padded on the left
/// to 15. `org.springframework.kafka.KafkaListenerEndpointContainer#0-0-C-1`
/// becomes `ntainer#0-0-C-1`.
pub fn thread_column(name: &str) -> String {
    format!("{:>15}", keep_last(name, 15))
}

/// The last `max` characters of an ASCII name.
fn keep_last(name: &str, max: usize) -> &str {
    &name[name.len().saturating_sub(max)..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::epoch_ms;

    #[test]
    fn logback_abbreviation_matches_spring_boot_output() {
        let cases = [
            (
                "org.apache.kafka.clients.consumer.internals.ConsumerCoordinator",
                "o.a.k.c.c.internals.ConsumerCoordinator",
            ),
            ("org.apache.kafka.clients.consumer.ConsumerConfig", "o.a.k.clients.consumer.ConsumerConfig"),
            ("org.apache.kafka.common.utils.AppInfoParser", "o.a.kafka.common.utils.AppInfoParser"),
            ("org.springframework.boot.web.embedded.tomcat.TomcatWebServer", "o.s.b.w.embedded.tomcat.TomcatWebServer"),
            ("org.apache.kafka.clients.NetworkClient", "org.apache.kafka.clients.NetworkClient"),
            ("org.apache.kafka.clients.FetchSessionHandler", "o.a.kafka.clients.FetchSessionHandler"),
            ("NoPackage", "NoPackage"),
        ];
        for (name, expected) in cases {
            assert_eq!(abbreviate_logger(name, 39), expected);
        }
    }

    #[test]
    fn logger_column_cuts_from_the_left_and_pads() {
        assert_eq!(
            logger_column("org.apache.kafka.clients.consumer.internals.ConsumerRebalanceListenerInvoker"),
            "k.c.c.i.ConsumerRebalanceListenerInvoker"
        );
        assert_eq!(logger_column("org.apache.kafka.clients.NetworkClient"), "org.apache.kafka.clients.NetworkClient  ");
    }

    #[test]
    fn thread_column_keeps_the_end() {
        assert_eq!(
            thread_column("org.springframework.kafka.KafkaListenerEndpointContainer#0-0-C-1"),
            "ntainer#0-0-C-1"
        );
        assert_eq!(thread_column("kafka-coordinator-heartbeat-thread | orders-processor"), "rders-processor");
        assert_eq!(thread_column("kafka-producer-network-thread | producer-1"), "ad | producer-1");
        assert_eq!(thread_column("main"), "           main");
    }

    fn rendered(style: Style, record: &Record) -> String {
        let mut out = Vec::new();
        Renderer::new(style).render(record, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn spring_boot_line() {
        let record = Record::new(
            epoch_ms(2024, 2, 6, 10, 47, 3) + 491,
            Level::Info,
            "org.apache.kafka.clients.consumer.internals.ConsumerCoordinator",
            "org.springframework.kafka.KafkaListenerEndpointContainer#0-0-C-1",
            "[Consumer clientId=c-1, groupId=g] (Re-)joining group".to_string(),
        );
        assert_eq!(
            rendered(Style::SpringBoot, &record),
            "2024-02-06T10:47:03.491Z  INFO 1 --- [orders-service] [ntainer#0-0-C-1] \
             o.a.k.c.c.internals.ConsumerCoordinator  : \
             [Consumer clientId=c-1, groupId=g] (Re-)joining group\n"
        );
    }

    #[test]
    fn throwables_per_framework() {
        let record = Record::new(
            epoch_ms(2024, 2, 6, 10, 47, 3),
            Level::Info,
            "org.apache.kafka.clients.FetchSessionHandler",
            "main",
            "Error sending fetch request (sessionId=1, epoch=2) to node 3:".to_string(),
        )
        .with_throwable("org.apache.kafka.common.errors.DisconnectException", None);
        assert_eq!(
            rendered(Style::KafkaTools, &record),
            "[2024-02-06 10:47:03,000] INFO Error sending fetch request (sessionId=1, epoch=2) \
             to node 3: (org.apache.kafka.clients.FetchSessionHandler)\n\
             org.apache.kafka.common.errors.DisconnectException\n"
        );
        assert!(rendered(Style::SpringBoot, &record)
            .ends_with("to node 3:\norg.apache.kafka.common.errors.DisconnectException: null\n"));
    }
}
