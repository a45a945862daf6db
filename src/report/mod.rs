//! Reporters: one module per format over one `Analysis`. They read the
//! analysis and nothing else; log text they print is escaped for its
//! medium (control bytes never reach a terminal).

pub mod events;
pub mod json;
pub mod text;

use crate::analysis::Analysis;
use std::io::{self, Write};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people: the verdict first, then the timeline and the anomalies.
    Text,
    /// The JSON timeline of the contract (schema_version 1).
    Json,
    /// One JSON object per event (NDJSON).
    Events,
}

pub fn write(format: Format, a: &Analysis, out: &mut dyn Write, color: bool) -> io::Result<()> {
    match format {
        Format::Text => text::write(a, out, color),
        Format::Json => json::write(a, out),
        Format::Events => events::write(a, out),
    }
}

/// Log text made safe for a terminal: control characters become `�`.
pub fn printable(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { '\u{fffd}' } else { c }).collect()
}
