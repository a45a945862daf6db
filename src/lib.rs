//! rollcall: reads Kafka client logs captured during a broker rolling update,
//! rebuilds a per-broker outage timeline and tells expected noise from trouble.
//!
//! The data flows one way (see `docs/design.md`):
//!
//! ```text
//! input ─► chunks ─► extract (prefilter ─► layout ─► grammar) ─► events ─► thin (settle, echoes)
//!       ─► end (one pass: broker identity ─► correlate windows, noise rules, impact) ─► report
//! ```
//!
//! Everything up to `extract` works on borrowed bytes and is parallel per
//! chunk; everything after it works on small owned `Event`s.

pub mod analysis;
pub mod broker;
pub mod cli;
pub mod correlate;
pub mod end;
pub mod event;
pub mod extract;
pub mod grammar;
pub mod impact;
pub mod input;
pub mod layout;
pub mod noise;
pub mod report;
pub mod thin;
pub mod timefmt;
pub mod topics;
