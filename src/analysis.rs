//! The pipeline, end to end: inputs → chunks → events → brokers → windows →
//! findings, gathered into one `Analysis` that every reporter reads.
//!
//! Inputs run in parallel, and so do the chunks of each input (rayon; the
//! caller picks the pool size). Results are merged in input order and
//! events sorted by (time, input, line), so the output never depends on the
//! thread count or on how an input was read (mapped, piped, compressed).

use crate::broker::{self, Hints};
use crate::correlate::Timeline;
use crate::end::End;
use crate::event::{ClientNames, Event, Gists, Level, Role};
use crate::extract::{ChunkOut, ConfigDump, Extractor, Issue, IssueKind, RackFact};
use crate::impact::{self, BlindSpot, ClientImpact, InputView, Roll};
use crate::input::chunk::{split, StreamChunker};
use crate::input::decompress::{decoder, Compression};
use crate::input::endings::CrLines;
use crate::input::readahead::{Eager, Feed, Next, ReadAhead, Tail};
use crate::input::{self, InputSpec};
use crate::layout::{Layout, Layouts};
use crate::noise::{self, Finding, Thresholds};
use crate::thin::{Thinner, SETTLE_MS};
use crate::timefmt::Zone;
use crate::topics::Describe;
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Default size of a parallel chunk.
pub const CHUNK_SIZE: usize = 4 << 20;
/// A stream's slot (`input::readahead`) holds this many chunks: one per
/// core of the machine class.
pub const STREAM_CHUNKS: usize = 2;
/// A mapped file at least this large is unmapped on a thread of its own,
/// piece by piece (`unmap`).
const UNMAP_APART: usize = 64 << 20;
/// A stream's chunks are at most this large (2 MiB slots). A slot is
/// written by the reading thread and then read by the analysis: small
/// enough, it is still in the cache when it is read. With the 4 MiB
/// chunks of a mapped file, the pipeline took 15 % more CPU
/// (docs/performance.md, "Zero-copy streams, session 4").
pub const STREAM_CHUNK_SIZE: usize = 1 << 20;

#[derive(Clone, Debug)]
pub struct Options {
    pub inputs: Vec<String>,
    pub zone: Zone,
    pub thresholds: Thresholds,
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub chunk_size: usize,
    /// The name standard input is reported under (`--label`).
    pub stdin_label: Option<String>,
    /// `--topics`: the file's name, its text and what it says.
    pub topics: Option<TopicsFile>,
    /// `--maintenance START..END`.
    pub maintenance: Option<(i64, i64)>,
    /// Bytes of the input files read so far (compressed bytes for a
    /// compressed file), for a progress bar; nothing reads it here.
    pub progress: Option<Arc<AtomicU64>>,
    /// Events kept one by one before alike noise is thinned (`thin`), in
    /// all: each of N inputs keeps a Nth; `None` keeps every event of a
    /// file, for `--format events` (a live input's events are written
    /// before they are thinned).
    pub thin_after: Option<usize>,
    /// `--follow`: plain files are read as `tail -F` does, as live inputs,
    /// until Ctrl-C (`input::readahead::stop`).
    pub follow: bool,
    /// Keep every event in [`Analysis::events`] (`--format events`, and
    /// tests that read them); else it is left empty, and no report reads
    /// the events (`docs/fold-survey.md` §6).
    pub keep_events: bool,
    /// Keep the events that evidence lines name ([`Analysis::evidence`]),
    /// for the reports that say what each line was (markdown, html).
    pub keep_evidence: bool,
    /// Keep what the density rows of the HTML timeline need of each event
    /// ([`Analysis::density`]).
    pub keep_density: bool,
}

impl Options {
    /// Whether a time is within `--since` and `--until`.
    pub fn within(&self, time: i64) -> bool {
        self.since.is_none_or(|s| time >= s) && self.until.is_none_or(|u| time <= u)
    }

    /// The command line's defaults for these inputs: UTC, the default
    /// thresholds and chunk size, no filters (library users, tests, fuzzing).
    pub fn new(inputs: Vec<String>) -> Options {
        Options {
            inputs,
            zone: Zone::default(),
            thresholds: Thresholds::default(),
            since: None,
            until: None,
            chunk_size: CHUNK_SIZE,
            stdin_label: None,
            topics: None,
            maintenance: None,
            progress: None,
            thin_after: Some(crate::thin::THIN_AFTER),
            follow: false,
            keep_events: false,
            keep_evidence: false,
            keep_density: false,
        }
    }
}

/// A `kafka-topics.sh --describe` output given with `--topics`.
#[derive(Clone, Debug)]
pub struct TopicsFile {
    pub name: String,
    pub lines: u64,
    pub bytes: u64,
    pub describe: Describe,
}

/// A problem with one input, for the report and stderr.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    pub line: Option<u64>,
    pub message: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InputReport {
    pub name: String,
    /// The layout detected (or forced) for it.
    pub format: Option<String>,
    pub compression: Compression,
    pub lines: u64,
    pub bytes: u64,
    pub events: usize,
    /// Records the layout parsed (of those the prefilter pointed at).
    pub records: u64,
    /// Kafka client lines that could not be understood (see
    /// `ChunkOut::not_understood`), and the first of them.
    pub not_understood: u64,
    pub first_not_understood: Option<u64>,
    pub errors: Vec<InputError>,
    /// First and last time in the input.
    pub range: Option<(i64, i64)>,
    /// Some line at INFO or below was seen (else: a WARN-only blind spot).
    pub info_seen: bool,
    /// Its events went to the live sink as they were found (a pipe or a
    /// FIFO, with `--format events`).
    pub live: bool,
    /// The NDJSON input (rollcall's own `--format events`) this log's
    /// events were read from; the log itself was read on another host.
    pub via: Option<String>,
}

impl InputReport {
    /// An input known by its name only, before it is read.
    pub fn named(name: String) -> InputReport {
        InputReport { name, ..InputReport::default() }
    }
}

/// Where the events of a live input (a pipe, a FIFO) go as soon as the
/// lines that hold them have been analysed, before the input ends.
pub trait EventSink: Sync {
    /// Events of `input`, in line order, with what their own lines tell.
    fn found(&self, input: &str, events: &[&Event]);

    /// The input's clock (its latest line's time) moved on, events or not.
    fn tick(&self, _clock: i64) {}
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Clean,
    ExpectedNoise,
    Anomalous,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Clean => "clean",
            Verdict::ExpectedNoise => "expected_noise",
            Verdict::Anomalous => "anomalous",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Analysis {
    pub zone: Zone,
    pub thresholds: Thresholds,
    pub inputs: Vec<InputReport>,
    /// Every event, in sort order, when [`Options::keep_events`]; else none.
    pub events: Vec<Event>,
    /// The log lines the events stand for (the sum of their weights).
    pub weight: usize,
    /// The events that evidence lines (of windows and findings) name, by
    /// (input, line), when [`Options::keep_evidence`]. A line that is no
    /// event (a configuration dump, a `--topics` line) is not here.
    pub evidence: HashMap<(u32, u64), Event>,
    /// What the HTML timeline's density rows read of each event, when
    /// [`Options::keep_density`].
    pub density: Density,
    pub time_range: Option<(i64, i64)>,
    pub timelines: Vec<Timeline>,
    pub findings: Vec<Finding>,
    pub verdict: Verdict,
    pub configs: Vec<ConfigDump>,
    pub roll: Roll,
    pub clients: Vec<ClientImpact>,
    pub blind_spots: Vec<BlindSpot>,
    pub maintenance: Option<(i64, i64)>,
}

impl Analysis {
    /// Any input that could not be read in full (exit code 2).
    pub fn has_input_errors(&self) -> bool {
        self.inputs.iter().any(|i| !i.errors.is_empty())
    }

    pub fn input_name(&self, idx: u32) -> &str {
        self.inputs.get(idx as usize).map_or("?", |i| i.name.as_str())
    }
}

/// Each event's client, the time its lines start and end, and its weight:
/// what the HTML timeline bins into its rows of events per client, over a
/// time range known only at the end. 24 bytes an event, for `--format
/// html` alone.
#[derive(Clone, Debug, Default)]
pub struct Density {
    /// The clients' names, by number.
    pub clients: Vec<Arc<str>>,
    pub events: Vec<Dot>,
}

/// One event of [`Density`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dot {
    /// `Event::start`: the first line it stands for.
    pub start: i64,
    pub time: i64,
    /// Its client's number in [`Density::clients`], or [`Dot::NO_CLIENT`].
    pub client: u32,
    pub weight: u32,
}

impl Dot {
    /// The client of an event that names none.
    pub const NO_CLIENT: u32 = u32::MAX;
}

impl<'a> End<'a> {
    /// The one pass of a run with these options.
    fn of(opts: &'a Options) -> End<'a> {
        let hints = Hints { leaders: opts.topics.as_ref().map(|t| &t.describe), bootstrap: Vec::new() };
        End::new(&hints, &opts.thresholds, opts.maintenance, opts.keep_evidence)
    }
}

/// What the analysis sums over the events it folds, in sort order: per
/// input, their weight, the roles they show and whether any is INFO; in
/// all, their weight, number and times; and the HTML's density rows.
struct Tally {
    weight: Vec<usize>,
    roles: Vec<BTreeSet<Role>>,
    info: Vec<bool>,
    total: usize,
    count: usize,
    range: Option<(i64, i64)>,
    /// With `keep_density`: the clients' names and each event's record.
    density: Option<(ClientNames, Vec<Dot>)>,
}

impl Tally {
    fn new(inputs: usize, density: bool) -> Tally {
        Tally {
            weight: vec![0; inputs],
            roles: vec![BTreeSet::new(); inputs],
            info: vec![false; inputs],
            total: 0,
            count: 0,
            range: None,
            density: density.then(|| (ClientNames::default(), Vec::new())),
        }
    }

    fn add(&mut self, e: &Event) {
        let i = e.input as usize;
        if i >= self.weight.len() {
            self.weight.resize(i + 1, 0);
            self.roles.resize(i + 1, BTreeSet::new());
            self.info.resize(i + 1, false);
        }
        self.weight[i] += e.weight as usize;
        self.roles[i].extend(e.role);
        self.info[i] |= e.level.is_some_and(|l| l <= Level::Info);
        self.total += e.weight as usize;
        self.count += 1;
        self.range = widen(self.range, Some((e.time, e.time)));
        if let Some((names, dots)) = &mut self.density {
            let client = names.of(&e.gist).map_or(Dot::NO_CLIENT, |c| c as u32);
            dots.push(Dot { start: e.start(), time: e.time, client, weight: e.weight });
        }
    }

    fn density(&mut self) -> Density {
        match self.density.take() {
            Some((names, events)) => Density { clients: names.names().to_vec(), events },
            None => Density::default(),
        }
    }
}

/// What one input gives before correlation.
struct Extracted<'a> {
    report: InputReport,
    events: Vec<Event>,
    /// A stream folded as it settled ([`Folding`]): its events are not kept.
    folded: Option<Box<Folding<'a>>>,
    configs: Vec<ConfigDump>,
    racks: Vec<RackFact>,
    /// The original inputs its events name, when it is rollcall's NDJSON.
    origins: Vec<crate::extract::ndjson::Origin>,
}

/// Runs the whole analysis. Input problems are recorded in the report of
/// the input concerned; nothing here fails as a whole.
pub fn run(opts: &Options, layouts: &Layouts, x: &Extractor) -> Analysis {
    run_live(opts, layouts, x, None)
}

/// [`run`], handing the events of live inputs to `sink` as they are found.
pub fn run_live(opts: &Options, layouts: &Layouts, x: &Extractor, sink: Option<&dyn EventSink>) -> Analysis {
    let (specs, errors) = input::expand(&opts.inputs);
    // The events kept one by one before thinning are the run's budget,
    // shared evenly by its inputs: a directory of a thousand small logs
    // kept a thousand budgets' worth. Thinning is exact (`thin`), so where
    // it starts changes no report.
    let shared;
    let opts = match opts.thin_after {
        Some(all) if specs.len() > 1 => {
            shared = Options { thin_after: Some(all / specs.len()), ..opts.clone() };
            &shared
        }
        _ => opts,
    };
    // Inputs finished share their gists (`Gists::share_input`): many small
    // logs of the same clients say the same things.
    let gists = std::sync::Mutex::new(Gists::default());
    let share = |parts: &mut Vec<Extracted>| {
        let mut table = gists.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        parts.iter_mut().for_each(|r| table.share_input(&mut r.events));
    };
    let parts: Vec<Vec<Extracted>> = specs
        .par_iter()
        .enumerate()
        .map(|(i, s)| {
            let alone = specs.len() == 1 && !opts.keep_events;
            let mut parts = extract_input(s, i as u32, opts, layouts, x, sink, alone);
            if specs.len() > 1 || parts.len() > 1 {
                share(&mut parts);
            }
            parts
        })
        .collect();
    // A followed file's successors (rotation) are inputs of their own, after
    // the others, each with its own index.
    let mut reports = Vec::with_capacity(parts.len());
    let mut successors = Vec::new();
    for p in parts {
        let mut p = p.into_iter();
        reports.extend(p.next());
        successors.extend(p);
    }
    for e in errors {
        let name = e.input().to_string();
        reports.push(Extracted {
            report: InputReport {
                errors: vec![InputError { line: None, message: e.detail() }],
                ..InputReport::named(name)
            },
            events: Vec::new(),
            folded: None,
            configs: Vec::new(),
            racks: Vec::new(),
            origins: Vec::new(),
        });
    }
    for mut r in successors {
        let idx = reports.len() as u32;
        // An NDJSON input's events index its origins, renumbered below.
        if r.origins.is_empty() {
            r.events.iter_mut().for_each(|e| e.input = idx);
        }
        r.configs.iter_mut().for_each(|c| c.input = idx);
        reports.push(r);
    }
    // The largest input's events grow into everyone's (they are sorted
    // below): on a long stream they are most of the memory, and a copy
    // would hold them twice. (Not an NDJSON input's: its events are
    // renumbered on the way.)
    let largest =
        (0..reports.len()).filter(|&i| reports[i].origins.is_empty()).max_by_key(|&i| reports[i].events.len());
    let mut events: Vec<Event> = largest.map(|i| std::mem::take(&mut reports[i].events)).unwrap_or_default();
    events.reserve_exact(reports.iter().map(|r| r.events.len()).sum());
    let mut configs: Vec<ConfigDump> = Vec::new();
    let mut racks: BTreeMap<String, String> = BTreeMap::new();
    let mut host_broker: BTreeMap<String, String> = BTreeMap::new();
    let mut range: Option<(i64, i64)> = None;
    let mut inputs = Vec::with_capacity(reports.len());
    // The logs named inside NDJSON inputs become inputs of their own, after
    // the others, so that evidence names them (`extract::ndjson`).
    let mut named: Vec<InputReport> = Vec::new();
    let first_named = reports.len();
    let mut streamed = None;
    for mut r in reports {
        streamed = streamed.or(r.folded.take());
        if !r.origins.is_empty() {
            let base = (first_named + named.len()) as u32;
            let rank = crate::extract::ndjson::sort(&mut r.origins);
            r.events.iter_mut().for_each(|e| e.input = base + rank.get(e.input as usize).copied().unwrap_or(0));
            named.extend(named_inputs(&r.report.name, r.origins, &r.events, base));
        }
        events.extend(r.events);
        configs.extend(r.configs);
        for f in r.racks {
            racks.entry(f.broker.to_string()).or_insert(f.rack);
            host_broker.entry(f.host).or_insert(f.broker.to_string());
        }
        range = widen(range, r.report.range);
        inputs.push(r.report);
    }
    inputs.extend(named);
    let topics_input = opts.topics.as_ref().map(|t| {
        inputs.push(InputReport {
            format: Some("kafka-topics".into()),
            lines: t.lines,
            bytes: t.bytes,
            info_seen: true,
            ..InputReport::named(t.name.clone())
        });
        (inputs.len() - 1) as u32
    });
    let t = opts.thresholds;
    let keep = opts.keep_evidence;
    // A stream folded as it settled has kept no events; the others' are
    // folded now, sorted.
    let (mut folded, mut tally, late) = match streamed {
        Some(f) => {
            let late = f.late_spot(0);
            (f.end, f.tally, late)
        }
        None => {
            events.retain(|e| opts.within(e.time));
            // (time, input, line) is unique per event: no stable sort (and
            // its buffer of half the events) is needed. Sorted on every
            // thread: nothing else runs now.
            events.par_sort_unstable_by_key(Event::sort_key);
            let mut folded = End::of(opts).naming_in_place(opts.keep_events);
            let mut tally = Tally::new(inputs.len(), opts.keep_density);
            let marks = broker::Watermarks::of(&events);
            for (i, e) in events.iter().enumerate() {
                if let Some(w) = marks.before(i) {
                    folded.advance(w);
                }
                tally.add(e);
                folded.add(e);
            }
            (folded, tally, None)
        }
    };
    for c in &configs {
        if let Some(client) = &c.client {
            folded.learn_bootstrap(client, &c.bootstrap_servers());
        }
    }
    let range = widen(range, tally.range);
    let range = range.map(|(s, e)| (opts.since.map_or(s, |x| s.max(x)), opts.until.map_or(e, |x| e.min(x))));
    for (i, inp) in inputs.iter_mut().enumerate() {
        inp.events = tally.weight.get(i).copied().unwrap_or(0);
    }
    let weight = tally.total;
    // Only a log that shows INFO lines shows time passing: a WARN-only log
    // ends at its last warning whatever happened after. So whether a window
    // is still open at the end is judged against the INFO logs alone.
    let observed_end =
        inputs.iter().filter(|i| i.format.is_some() && i.info_seen).filter_map(|i| i.range.map(|r| r.1)).max();
    let observed_end = observed_end.map(|e| opts.until.map_or(e, |u| e.min(u)));
    // A WARN-only log is observed as long as the INFO logs beside it; alone,
    // it cannot tell whether its client recovered.
    let ends: Vec<Option<i64>> = inputs
        .iter()
        .map(|i| if i.format.is_some() && !i.info_seen { observed_end } else { i.range.map(|r| r.1) })
        .collect();
    let kept: &mut [Event] = if opts.keep_events { &mut events } else { &mut [] };
    let crate::end::Ended { timelines, held, seen, clients, hosts } = folded.finish(observed_end, &ends, kept);
    for (b, hs) in &hosts {
        for h in hs {
            host_broker.entry(h.clone()).or_insert(b.clone());
        }
    }
    // The rules that read no windows (`noise::early`) and those that do,
    // and the roll, once the windows are made.
    let facts = noise::Facts {
        timelines: &[],
        configs: &configs,
        racks: &racks,
        host_broker: &host_broker,
        topics: opts.topics.as_ref().map(|t| &t.describe),
        topics_input,
        maintenance: opts.maintenance,
        thresholds: t,
        stamp: crate::timefmt::Stamp::new(opts.zone, range),
    };
    let early = noise::early(&facts, &seen);
    let (findings, roll) = rayon::join(
        || noise::findings_with(&noise::Facts { timelines: &timelines, ..facts }, early, &seen),
        || impact::roll(&timelines, &t),
    );
    let evidence = if keep { evidence(&timelines, &findings, held.iter().chain(seen.held())) } else { HashMap::new() };
    let density = tally.density();
    // One pass over events and dumps, not one per input: a directory of
    // rotated files can hold thousands of inputs.
    let mut roles = std::mem::take(&mut tally.roles);
    roles.resize(inputs.len(), BTreeSet::new());
    let info: Vec<bool> =
        inputs.iter().enumerate().map(|(i, r)| r.info_seen || tally.info.get(i).copied().unwrap_or(false)).collect();
    for c in &configs {
        roles[c.input as usize].extend(c.role);
    }
    let views: Vec<InputView<'_>> = inputs
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i as u32) != topics_input)
        .map(|(i, r)| InputView {
            format: r.format.as_deref(),
            // For events read from NDJSON: what the host saw of the log.
            info_seen: if r.via.is_some() { r.info_seen } else { info[i] },
            roles: std::mem::take(&mut roles[i]),
            via: r.via.is_some(),
        })
        .collect();
    let mut blind_spots = impact::blind_spots(&views, &configs, opts.topics.is_some());
    blind_spots.extend(late);
    // With events read from NDJSON, the blind spot of those says it.
    let from_events = inputs.iter().any(|i| i.via.is_some());
    if observed_end.is_none() && tally.count > 0 && !from_events {
        blind_spots.push(BlindSpot {
            input: None,
            message: "every input logs WARN and above only: whether the last broker out came back cannot be seen, so no window is called open".into(),
        });
    }
    let verdict = if !findings.is_empty() {
        Verdict::Anomalous
    } else if tally.count == 0 {
        Verdict::Clean
    } else {
        Verdict::ExpectedNoise
    };
    Analysis {
        zone: opts.zone,
        thresholds: t,
        inputs,
        events: if opts.keep_events { events } else { Vec::new() },
        weight,
        evidence,
        density,
        time_range: range,
        timelines,
        findings,
        verdict,
        configs,
        roll,
        clients,
        blind_spots,
        maintenance: opts.maintenance,
    }
}

/// The events that the evidence of `timelines` and `findings` names, by
/// (input, line), from the events the folds `held` for it. Of two alike
/// (input, line), the first in sort order, as a look-up in the sorted
/// events finds it.
fn evidence<'a>(
    timelines: &[Timeline],
    findings: &[Finding],
    held: impl Iterator<Item = &'a Event>,
) -> HashMap<(u32, u64), Event> {
    let named: HashSet<(u32, u64)> = timelines
        .iter()
        .flat_map(|t| t.windows.iter().flat_map(|w| w.evidence.iter()))
        .chain(findings.iter().flat_map(|f| f.evidence.iter()))
        .copied()
        .collect();
    let mut map: HashMap<(u32, u64), Event> = HashMap::with_capacity(named.len());
    for e in held.filter(|e| named.contains(&(e.input, e.line))) {
        let at = map.entry((e.input, e.line)).or_insert_with(|| e.clone());
        if e.sort_key() < at.sort_key() {
            *at = e.clone();
        }
    }
    map
}

/// The logs an NDJSON input's events name (their indices from `base`), as
/// inputs named after the host that read them. Their span and whether they
/// show INFO lines are what the host wrote (`input_start`, `input_end`,
/// `input_info`); without those (live events) they span their events and
/// count as WARN-only, so they never decide that a window is still open.
fn named_inputs(
    via: &str,
    origins: Vec<crate::extract::ndjson::Origin>,
    events: &[Event],
    base: u32,
) -> Vec<InputReport> {
    let mut ranges: Vec<Option<(i64, i64)>> = origins.iter().map(|o| o.span).collect();
    for e in events {
        if let Some(r) = ranges.get_mut((e.input - base) as usize) {
            *r = widen(*r, Some((e.time, e.time)));
        }
    }
    origins
        .into_iter()
        .zip(ranges)
        .map(|(o, range)| InputReport {
            format: Some(crate::extract::ndjson::FORMAT.into()),
            range,
            info_seen: o.info && o.span.is_some(),
            via: Some(via.to_string()),
            ..InputReport::named(crate::extract::ndjson::qualified(via, &o.name))
        })
        .collect()
}

fn widen(a: Option<(i64, i64)>, b: Option<(i64, i64)>) -> Option<(i64, i64)> {
    match (a, b) {
        (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1))),
        (a, b) => a.or(b),
    }
}

/// One log's events on their way to settling (`thin`): those not settled
/// yet, in line order, and the thinner they settle into. An input that is
/// a log is one lane; rollcall's NDJSON is one lane per log its events
/// name, each going by that log's clock, so that the logs of many hosts
/// settle as they stream instead of all at the end.
#[derive(Default)]
struct Lane {
    fresh: Vec<Event>,
    /// An NDJSON lane's clock: the time of its latest event, by position.
    /// (A log's lane settles by the input's clock instead, which its INFO
    /// lines move too.)
    clock: Option<i64>,
    thinner: Thinner,
}

impl Lane {
    /// Drops echoes among the fresh events, and passes those `SETTLE_MS`
    /// or more from `clock` (all of them when `all`) to the thinner, whose
    /// kept events go to `out`. The echoes that stayed go to `echoes`.
    fn settle(&mut self, all: bool, clock: Option<i64>, out: &mut Vec<Event>, echoes: &mut Vec<Event>) {
        crate::extract::drop_echoes(&mut self.fresh);
        // An event settles once the clock is `SETTLE_MS` away from it
        // either way: past it, or gone back before it (logs concatenated
        // out of order). Waiting for a clock that went back to catch up
        // again held every later event of a `cat new.log old.log`
        // unsettled: 91 MB for four copies of the 1 GB log.
        let n = match clock {
            _ if all => self.fresh.len(),
            None => 0,
            Some(clock) => {
                let near = |e: &Event| e.time.abs_diff(clock) <= SETTLE_MS.unsigned_abs();
                self.fresh.iter().position(near).unwrap_or(self.fresh.len())
            }
        };
        for e in self.fresh.drain(..n) {
            if e.echo {
                echoes.push(e.clone());
            }
            self.thinner.push(e, out);
        }
        if all {
            std::mem::take(&mut self.thinner).finish(out);
        }
    }
}

/// Accumulates chunk results in order: line numbers, issues, times.
#[derive(Default)]
struct Acc {
    lines_before: u64,
    last_byte: Option<u8>,
    /// Events not yet settled, by log (one lane unless the input is NDJSON).
    lanes: Vec<Lane>,
    /// How every lane thins (`Reading::arm`); lanes start from a copy.
    thin: Thinner,
    /// Settled events, thinned past the budget.
    events: Vec<Event>,
    configs: Vec<ConfigDump>,
    racks: Vec<RackFact>,
    issues: Vec<Issue>,
    range: Option<(i64, i64)>,
    records: u64,
    not_understood: u64,
    first_not_understood: Option<u64>,
    origins: crate::extract::ndjson::Origins,
}

impl Acc {
    /// Adds chunk results, in input order: line numbers, issues, times.
    fn merge(&mut self, outs: Vec<ChunkOut>) {
        for out in outs {
            let base = self.lines_before;
            // Events of rollcall's NDJSON keep their original input and line.
            let (line_base, names) = match out.origins.is_empty() {
                true => (base, Vec::new()),
                false => (0, self.origins.adopt(out.origins)),
            };
            for mut e in out.events {
                e.line += line_base;
                let lane = match names.get(e.input as usize) {
                    Some(&n) => {
                        e.input = n;
                        let lane = self.lane(n as usize);
                        // By position, as a log's clock is its latest timed line.
                        lane.clock = Some(e.time);
                        lane
                    }
                    None => self.lane(0),
                };
                lane.fresh.push(e);
            }
            for f in out.racks {
                if !self.racks.contains(&f) {
                    self.racks.push(f);
                }
            }
            self.configs.extend(out.configs.into_iter().map(|mut c| {
                c.line += base;
                c
            }));
            self.issues.extend(out.issues.into_iter().map(|mut i| {
                i.line += base;
                i
            }));
            self.records += out.records;
            self.not_understood += out.not_understood;
            if self.first_not_understood.is_none() {
                self.first_not_understood = out.first_not_understood.map(|l| l + base);
            }
            // The times of the input's first and last timed lines, by
            // position: the same however the input is cut into chunks, even
            // when its times go backwards (`--format events` writes them).
            if let Some(first) = out.first_time.or(out.last_time) {
                let last = out.last_time.unwrap_or(first);
                self.range = Some((self.range.map_or(first, |r| r.0), last));
            }
            self.lines_before += out.newlines;
        }
    }

    /// Lane `i`, made (thinning as `thin` does) if it is new.
    fn lane(&mut self, i: usize) -> &mut Lane {
        while self.lanes.len() <= i {
            self.lanes.push(Lane { thinner: self.thin.like(), ..Lane::default() });
        }
        &mut self.lanes[i]
    }

    /// The events of a log input's lane not settled yet.
    fn fresh(&self) -> &[Event] {
        self.lanes.first().map_or(&[], |l| &l.fresh)
    }

    fn lines(&self) -> u64 {
        self.lines_before + u64::from(self.last_byte.is_some_and(|b| b != b'\n'))
    }

    /// Settles every lane (`Lane::settle`) by its clock: an NDJSON lane's
    /// own, else the input's. Returns the echoes that stayed, which a live
    /// input has not written yet.
    fn settle(&mut self, all: bool) -> Vec<Event> {
        let by_lane = !self.origins.list.is_empty();
        let clock = self.range.map(|r| r.1);
        let mut echoes = Vec::new();
        for lane in &mut self.lanes {
            let clock = if by_lane { lane.clock } else { clock };
            lane.settle(all, clock, &mut self.events, &mut echoes);
        }
        echoes
    }
}

/// One stream's events folded as they settle, so that they need not be
/// kept (`docs/fold-survey.md` §11): the input of a run that reads one
/// log from a pipe, and keeps no events for its report.
///
/// Settled events leave the [`Thinner`] in line order, nearly in time
/// order. A heap puts them in sort order; an event leaves it once nothing
/// still to come can sort before it: once its time is below the *low-water
/// mark*, the least of the times not settled yet, those the thinner holds
/// back, and `SETTLE_MS` before the input's clock (lines still to be read
/// are nearer the clock than that, or they settle at once). Left, they go
/// to the one pass ([`End`]) and its sums ([`Tally`]), within
/// `--since`/`--until`, and the pass's watermark moves to the least start
/// of all that has not left.
///
/// An event earlier than one that left came *late* (the stream's time went
/// back by more than `SETTLE_MS`: logs concatenated out of order). It is
/// folded as it comes, out of order, counted, and a blind spot says so.
///
/// Events that name no client may be the input's one client's
/// (`fill_lone_client`), which only the input's end decides. From the
/// first of them that leaves while the input has named fewer than two
/// clients, every event leaving is parked, in order, until a second client
/// is named (they stay nobody's) or the input ends (they are its one
/// client's, if it has one).
struct Folding<'a> {
    end: End<'a>,
    tally: Tally,
    opts: &'a Options,
    heap: std::collections::BinaryHeap<std::cmp::Reverse<Sorted>>,
    /// The sort key of the last event that left.
    left: (i64, u32, u64),
    /// Events that came late: how many, and the line of the first.
    late: usize,
    first_late: Option<u64>,
    clients: Lone,
    parked: Option<Vec<Event>>,
}

/// An event ordered by its sort key.
struct Sorted(Event);

impl PartialEq for Sorted {
    fn eq(&self, other: &Sorted) -> bool {
        self.0.sort_key() == other.0.sort_key()
    }
}

impl Eq for Sorted {}

impl PartialOrd for Sorted {
    fn partial_cmp(&self, other: &Sorted) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Sorted {
    fn cmp(&self, other: &Sorted) -> std::cmp::Ordering {
        self.0.sort_key().cmp(&other.0.sort_key())
    }
}

/// The clients an input's events named so far.
enum Lone {
    None,
    One(Arc<str>),
    Many,
}

impl Lone {
    fn add(&mut self, client: &str) {
        *self = match std::mem::replace(self, Lone::Many) {
            Lone::None => Lone::One(Arc::from(client)),
            Lone::One(o) if *o == *client => Lone::One(o),
            _ => Lone::Many,
        };
    }
}

impl<'a> Folding<'a> {
    fn new(opts: &'a Options) -> Folding<'a> {
        Folding {
            end: End::of(opts),
            tally: Tally::new(1, opts.keep_density),
            opts,
            heap: std::collections::BinaryHeap::new(),
            left: (i64::MIN, 0, 0),
            late: 0,
            first_late: None,
            clients: Lone::None,
            parked: None,
        }
    }

    /// Takes the events `acc` settled, and lets go of those nothing still
    /// to come can sort before.
    fn take(&mut self, acc: &mut Acc) {
        for e in acc.events.drain(..) {
            if let Some(c) = e.client.as_deref() {
                self.clients.add(c);
            }
            if e.sort_key() < self.left {
                self.late += 1;
                self.first_late.get_or_insert(e.line);
            }
            self.heap.push(std::cmp::Reverse(Sorted(e)));
        }
        if matches!(self.clients, Lone::Many) {
            for e in self.parked.take().unwrap_or_default() {
                self.fold(&e);
            }
        }
        let Some((_, clock)) = acc.range else { return };
        let lane = acc.lanes.first();
        let fresh = lane.and_then(|l| crate::thin::least(&l.fresh));
        let held = lane.and_then(|l| l.thinner.pending());
        let ahead = clock.saturating_sub(SETTLE_MS);
        let below = [fresh.map(|f| f.0), held.map(|h| h.0)].into_iter().flatten().fold(ahead, i64::min);
        let starts = [fresh.map(|f| f.1), held.map(|h| h.1)].into_iter().flatten().fold(ahead, i64::min);
        self.release(below, starts);
    }

    /// Lets go of the events with times below `below`, in sort order; no
    /// event still to come starts before `starts`.
    fn release(&mut self, below: i64, starts: i64) {
        while self.heap.peek().is_some_and(|e| e.0 .0.time < below) {
            let Some(std::cmp::Reverse(Sorted(e))) = self.heap.pop() else { break };
            self.left = self.left.max(e.sort_key());
            self.pass(e);
        }
        if self.parked.is_none() {
            let mark = crate::thin::least(self.heap.iter().map(|e| &e.0 .0)).map_or(starts, |l| l.1.min(starts));
            self.end.advance(mark);
        }
    }

    /// An event leaving, in sort order.
    fn pass(&mut self, e: Event) {
        if !self.opts.within(e.time) {
            return;
        }
        match &mut self.parked {
            Some(parked) => parked.push(e),
            None if e.client.is_none() && !matches!(self.clients, Lone::Many) => self.parked = Some(vec![e]),
            None => self.fold(&e),
        }
    }

    fn fold(&mut self, e: &Event) {
        self.tally.add(e);
        self.end.add(e);
    }

    /// The input ended: `acc` has settled everything.
    fn finish(&mut self, acc: &mut Acc) {
        self.take(acc);
        self.release(i64::MAX, i64::MAX);
        if let Some(mut parked) = self.parked.take() {
            if let Lone::One(only) = &self.clients {
                fill_client(&mut parked, only);
            }
            for e in &parked {
                self.fold(e);
            }
        }
    }

    /// What the analysis says of events that came late.
    fn late_spot(&self, input: u32) -> Option<BlindSpot> {
        let line = self.first_late?;
        Some(BlindSpot {
            input: Some(input),
            message: format!(
                "the stream's time goes back by more than {} s at line {line}, and {} event(s) came after later ones had been analysed (logs concatenated out of time order?): they were analysed as they came, so the windows, attributions and client figures around them may be off; give the logs as files, or in time order, for an exact analysis",
                SETTLE_MS / 1000,
                self.late
            ),
        })
    }
}

/// Merges the byte-level issues of an input's chunks: one entry per kind
/// of problem (its first line, the counts added up), and each over-long line.
fn merge_issues(issues: Vec<Issue>) -> Vec<InputError> {
    let mut merged: Vec<Issue> = Vec::new();
    for i in issues {
        match merged.iter_mut().find(|m| m.kind == i.kind && !matches!(i.kind, IssueKind::LongLine(_))) {
            Some(m) => m.count += i.count,
            None => merged.push(i),
        }
    }
    merged.into_iter().map(|i| InputError { line: Some(i.line), message: i.message() }).collect()
}

/// `alone`: the input is the run's only one, and no report reads its
/// events one by one: read from a pipe, its events are folded as they
/// settle ([`Folding`]).
fn extract_input<'a>(
    spec: &InputSpec,
    idx: u32,
    opts: &'a Options,
    layouts: &'a Layouts,
    x: &'a Extractor,
    sink: Option<&'a dyn EventSink>,
    alone: bool,
) -> Vec<Extracted<'a>> {
    let name = match (&spec.path, &opts.stdin_label) {
        (None, Some(l)) => l.clone(),
        _ => spec.name.clone(),
    };
    let mut r = Reading::new(name, idx, opts, layouts, x);
    match &spec.path {
        Some(path) => match File::open(path) {
            Err(e) => r.errors.push(InputError { line: None, message: format!("cannot read: {e}") }),
            Ok(f) => {
                let len = f.metadata().map(|m| m.len()).unwrap_or(0);
                let is_file = f.metadata().map(|m| m.is_file()).unwrap_or(false);
                let mut head = [0u8; 4];
                let n = if is_file { read_head(&f, &mut head) } else { 0 };
                let plain = Compression::sniff(&head[..n]) == Compression::None;
                if is_file && plain && opts.follow {
                    return follow(r, f, path, sink);
                } else if is_file && len > 0 && plain {
                    // SAFETY (of the map): the file is only read; a log being
                    // appended to while we read it only adds bytes past `len`.
                    match unsafe { memmap2::Mmap::map(&f) } {
                        Ok(map) => {
                            r.mapped(&map);
                            // Unmapping takes 60 ms per GB here, and nothing
                            // after needs to wait for it. (If no thread can be
                            // started, the map is dropped here after all.)
                            if map.len() >= UNMAP_APART {
                                let _ = std::thread::Builder::new().spawn(move || unmap(map));
                            }
                        }
                        Err(_) => r.stream(f),
                    }
                } else {
                    // A FIFO or a device is live; a compressed file is not.
                    r.live(sink, !is_file, alone);
                    if !is_file {
                        crate::input::pipe::widen(&f);
                    }
                    r.counts_fed = false;
                    r.stream(Counted { inner: f, progress: opts.progress.clone() });
                }
            }
        },
        None => {
            r.live(sink, !stdin_is_file(), alone);
            crate::input::pipe::widen(std::io::stdin());
            r.stream(std::io::stdin());
        }
    }
    vec![r.finish()]
}

/// A file under `--follow`, and each file that takes its path as it is
/// rotated (`readahead::Tail`): the first is the input, each successor an
/// input of its own, `NAME (after rotation N)`, with its own line numbers
/// (`run_live` places them after the others).
fn follow<'a>(mut r: Reading<'a>, file: File, path: &Path, sink: Option<&'a dyn EventSink>) -> Vec<Extracted<'a>> {
    let name = r.report.name.clone();
    let (idx, opts, layouts, x) = (r.idx, r.opts, r.layouts, r.x);
    let mut parts = Vec::new();
    let mut file = file;
    for n in 1.. {
        let next_name = format!("{name} (after rotation {n})");
        let (tail, successor) = Tail::new(file, path.to_path_buf(), r.report.name.clone(), next_name.clone());
        r.sink = sink;
        r.stream(tail);
        parts.push(r.finish());
        // Its index is the input's until `run_live` gives it its own.
        r = Reading::new(next_name, idx, opts, layouts, x);
        match successor.take() {
            Some(Next::File(f)) => file = f,
            Some(Next::Unreadable(e)) => {
                r.errors.push(InputError { line: None, message: format!("cannot read: {e}") });
                parts.push(r.finish());
                break;
            }
            None => break,
        }
    }
    parts
}

/// Unmaps a large file piece by piece. One `munmap` of 1 GB took 60 ms
/// and held the address space's lock all along: the end phase, wanting
/// fresh heap meanwhile, waited for it (perf, per-thread samples). Pages
/// dropped a piece at a time leave the lock free between pieces, and the
/// final unmap finds little left to do.
fn unmap(map: memmap2::Mmap) {
    const PIECE: usize = 16 << 20;
    for at in (0..map.len()).step_by(PIECE) {
        // SAFETY: `map` is a shared, read-only mapping of a file
        // (`Mmap::map`), and nothing reads it any more: DONTNEED only drops
        // its page-table entries (a read would fault the file's bytes in
        // again from the page cache).
        let _ =
            unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, at, PIECE.min(map.len() - at)) };
    }
    drop(map);
}

/// Application lines that report a client's failure (`ErrorLoggingCallback`,
/// Spring's `LoggingProducerListener`) carry no LogContext. When the input's
/// other events name exactly one client, they are that client's.
fn fill_lone_client(events: &mut [Event]) {
    let mut clients = Lone::None;
    for c in events.iter().filter_map(|e| e.client.as_deref()) {
        clients.add(c);
        if matches!(clients, Lone::Many) {
            return;
        }
    }
    if let Lone::One(only) = clients {
        fill_client(events, &only);
    }
}

/// Gives the events that name no client the client `only`.
fn fill_client(events: &mut [Event], only: &str) {
    // Interned, not written through each event (which would copy a shared
    // gist per event): alike events share the one filled gist.
    let mut gists = Gists::default();
    for e in events.iter_mut().filter(|e| e.client.is_none()) {
        let mut filled = e.gist.view();
        filled.client = Some(Cow::Borrowed(only));
        e.gist = gists.intern(filled);
    }
}

/// How much of an input's start decides its layout and whether it logs INFO.
const SAMPLE_BYTES: usize = 64 << 10;

fn sample(data: &[u8]) -> &[u8] {
    &data[..data.len().min(SAMPLE_BYTES)]
}

/// Do the first lines of an input show any INFO (or lower) record?
fn sample_has_info(layout: &Layout, sample: &[u8]) -> bool {
    sample
        .split(|&b| b == b'\n')
        .take(crate::layout::SAMPLE_LINES)
        .filter_map(|l| layout.with_record(crate::layout::strip_cr(l), b"", |r| r.level))
        .any(|level| level.is_some_and(|l| l <= Level::Info))
}

/// A file counted as it is read, for the progress of compressed inputs.
struct Counted<R> {
    inner: R,
    progress: Option<Arc<AtomicU64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(p) = &self.progress {
            p.fetch_add(n as u64, Ordering::Relaxed);
        }
        Ok(n)
    }
}

/// Standard input redirected from a regular file is not live.
fn stdin_is_file() -> bool {
    use std::os::fd::AsFd;
    std::io::stdin().as_fd().try_clone_to_owned().map(File::from).and_then(|f| f.metadata()).is_ok_and(|m| m.is_file())
}

/// Where an input's text starts: its first byte that is not NUL or a line
/// break. Blocks are tested whole (vectorised) and only the one with text
/// is searched, so a hole of gigabytes costs one fast pass.
/// The first 64 KiB of an input's text, after any run of NUL bytes and
/// line breaks before it; `None` while there is no text.
fn text_sample(data: &[u8]) -> Option<&[u8]> {
    let start = first_text(data)?;
    let start = memchr::memrchr(b'\n', &data[..start]).map_or(0, |i| i + 1);
    Some(sample(&data[start..]))
}

fn first_text(data: &[u8]) -> Option<usize> {
    let filler = |x: u8| x == 0 || x == b'\n' || x == b'\r';
    let mut at = 0;
    for b in data.chunks(4096) {
        if b.iter().fold(true, |all, &x| all & filler(x)) {
            at += b.len();
            continue;
        }
        return b.iter().position(|&x| !filler(x)).map(|k| at + k);
    }
    None
}

/// Reads up to 4 bytes from the start of a file without moving its cursor.
fn read_head(f: &File, buf: &mut [u8; 4]) -> usize {
    use std::os::unix::fs::FileExt;
    f.read_at(buf, 0).unwrap_or(0)
}

/// One input being read: what it yields so far, and what reads it.
struct Reading<'a> {
    report: InputReport,
    acc: Acc,
    errors: Vec<InputError>,
    opts: &'a Options,
    layouts: &'a Layouts,
    x: &'a Extractor,
    idx: u32,
    /// Set for a live input: where its events go as they are found.
    sink: Option<&'a dyn EventSink>,
    /// Progress is the bytes fed (a plain file), not the bytes read
    /// underneath (a compressed one, counted by [`Counted`]).
    counts_fed: bool,
    /// The last group's chunk results, not merged yet: an input with no
    /// live sink merges and settles them beside the next block's extraction
    /// (`block`). Merged before anything reads the accumulated lines
    /// (`carried_in`).
    carried: Vec<ChunkOut>,
    /// Set for a stream whose events are folded as they settle.
    folding: Option<Box<Folding<'a>>>,
}

impl<'a> Reading<'a> {
    fn new(name: String, idx: u32, opts: &'a Options, layouts: &'a Layouts, x: &'a Extractor) -> Reading<'a> {
        Reading {
            report: InputReport::named(name),
            acc: Acc::default(),
            errors: Vec::new(),
            opts,
            layouts,
            x,
            idx,
            sink: None,
            counts_fed: true,
            carried: Vec::new(),
            folding: None,
        }
    }

    /// A stream that is `live` (a pipe, not a file) hands its events to
    /// `sink` as they are found, and, `alone` in its run, is folded as it
    /// settles ([`Folding`]).
    fn live(&mut self, sink: Option<&'a dyn EventSink>, live: bool, alone: bool) {
        self.sink = sink.filter(|_| live);
        if live && alone {
            self.folding = Some(Box::new(Folding::new(self.opts)));
        }
    }

    /// Picks the layout from the input's first text: a run of NUL bytes
    /// and line breaks before it (a sparse or preallocated file, the hole
    /// `copytruncate` leaves) is skipped. `None` while `data` holds no text;
    /// `Some(None)` when no layout fits, an error at line 1.
    fn detect(&mut self, data: &[u8]) -> Option<Option<Layout>> {
        let sample = text_sample(data)?;
        Some(match self.layouts.detect_input(&self.report.name, sample) {
            Ok(l) => {
                if l.is_events() {
                    // Its events name other inputs: written at the end, with
                    // them, and renumbered then, which orders them.
                    self.sink = None;
                    self.report.live = false;
                    self.folding = None;
                }
                self.report.format = Some(l.format());
                self.report.info_seen |= sample_has_info(&l, sample);
                Some(l)
            }
            Err(e) => {
                self.errors.push(InputError { line: Some(1), message: e.to_string() });
                None
            }
        })
    }

    /// An input that ended without any text: say what it held instead.
    fn textless(&mut self, nul_seen: bool, bytes: u64) {
        if bytes == 0 {
            return;
        }
        let message = if nul_seen {
            format!("only NUL bytes ({bytes} bytes): a sparse, preallocated or zeroed file, not a log")
        } else {
            format!("only blank lines ({bytes} bytes)")
        };
        self.errors.push(InputError { line: Some(1), message });
    }

    /// Analyses a block of whole records in parallel chunks of
    /// `chunk_size`, or only counts its lines when the input's layout is
    /// unknown.
    fn feed(&mut self, layout: Option<&Layout>, data: &[u8], chunk_size: usize) {
        match layout {
            Some(l) => self.block(l, data, chunk_size),
            None => self.count_lines(data),
        }
    }

    /// Merges the carried block, if any: the accumulated lines, events and
    /// issues are then those of every byte fed so far.
    fn carried_in(&mut self) {
        self.acc.merge(std::mem::take(&mut self.carried));
    }

    /// Lines of an input no layout reads: counted, nothing more.
    fn count_lines(&mut self, data: &[u8]) {
        self.acc.lines_before += crate::extract::bytes::count(data);
        self.acc.last_byte = data.last().copied().or(self.acc.last_byte);
    }

    /// Processes a block of whole records in parallel chunks. Every worker
    /// takes chunks in order; this thread also merges and settles each
    /// chunk's results as soon as they and all before them are out, and
    /// takes a chunk itself whenever the next to settle is not out yet. So
    /// thinning runs beside extraction, not alone after it (it was 5 % of a
    /// two-thread run), and no worker waits for another between groups of
    /// chunks (the groups' joins left one core idle about a tenth of a
    /// two-thread run: issue 4, session 14).
    /// A live input's chunks are merged at once, unsettled, for their events
    /// to be written; with no live sink nothing waits for the last chunk, so
    /// it is carried to the next block (or to `finish`), to be merged and
    /// settled beside that block's extraction.
    fn block(&mut self, layout: &Layout, data: &[u8], chunk_size: usize) {
        if data.is_empty() {
            return;
        }
        let (x, opts, input) = (self.x, self.opts, self.idx);
        let progress = opts.progress.as_deref().filter(|_| self.counts_fed);
        let ranges = split(data, chunk_size, &|l: &[u8]| layout.is_head(l));
        let plan = &*x.plan(layout);
        let (acc, folding, live) = (&mut self.acc, &mut self.folding, self.sink.is_some());
        let mut settle = |outs: Vec<ChunkOut>| {
            acc.merge(outs);
            acc.settle(false);
            if let Some(f) = folding {
                f.take(acc);
            }
        };
        let carried = std::mem::take(&mut self.carried);
        let mut last = Vec::new();
        let (tx, rx) = std::sync::mpsc::channel();
        rayon::in_place_scope_fifo(|s| {
            for (i, r) in ranges.iter().enumerate() {
                let tx = tx.clone();
                s.spawn_fifo(move |_| {
                    let out = x.chunk_with(plan, layout, &data[r.clone()], input);
                    if let Some(p) = progress {
                        p.fetch_add(r.len() as u64, Ordering::Relaxed);
                    }
                    // The receiver waits for every chunk.
                    let _ = tx.send((i, out));
                });
            }
            drop(tx);
            if !carried.is_empty() {
                settle(carried);
            }
            let mut out: BTreeMap<usize, ChunkOut> = BTreeMap::new();
            let mut next = 0;
            while next < ranges.len() {
                if let Some(chunk) = out.remove(&next) {
                    next += 1;
                    match live || next == ranges.len() {
                        true => last.push(chunk),
                        false => settle(vec![chunk]),
                    }
                    continue;
                }
                let got = match rx.try_recv() {
                    Ok(got) => got,
                    // None is out: take a chunk, or wait for the others'.
                    Err(_) => match rayon::yield_now() {
                        Some(rayon::Yield::Executed) => continue,
                        _ => match rx.recv() {
                            Ok(got) => got,
                            // Only a chunk that panicked sends nothing: the
                            // scope passes its panic on.
                            Err(_) => break,
                        },
                    },
                };
                out.insert(got.0, got.1);
            }
        });
        match self.sink {
            None => self.carried = last,
            Some(_) => self.acc.merge(last),
        }
        self.acc.last_byte = data.last().copied();
    }

    /// Sets up thinning once it is known whether the input is live: a live
    /// input's events are written as found, so they may always be thinned.
    fn arm(&mut self) {
        let o = self.opts;
        let after = o.thin_after.or(self.sink.map(|_| crate::thin::THIN_AFTER));
        let bounds = [o.since, o.until, o.maintenance.map(|m| m.0), o.maintenance.map(|m| m.1)];
        self.acc.thin = Thinner::new(after, o.thresholds.gap_ms, bounds.into_iter().flatten());
    }

    fn mapped(&mut self, data: &[u8]) {
        self.arm();
        if crate::input::endings::cr_only(&data[..data.len().min(64 << 10)]) == Some(true) {
            return self.chunks(Eager(CrLines::new(data)), Compression::None);
        }
        self.report.bytes = data.len() as u64;
        match self.detect(data) {
            Some(Some(l)) => self.block(&l, data, self.opts.chunk_size),
            Some(None) => self.count_lines(data),
            None => {
                self.count_lines(data);
                self.textless(memchr::memchr(0, data).is_some(), data.len() as u64);
            }
        }
    }

    /// Reads a stream (a pipe, a FIFO, a compressed file) on a read-ahead
    /// thread, analysing it block by block as it arrives.
    fn stream<R: Read + Send + 'static>(&mut self, src: R) {
        self.arm();
        let opened = decoder(src).map(|(reader, comp)| (ReadAhead::new(Box::new(CrLines::new(reader))), comp));
        let (reader, comp) = match opened {
            Ok(v) => v,
            Err(e) => {
                self.errors.push(InputError { line: None, message: format!("cannot read: {e}") });
                return;
            }
        };
        self.report.compression = comp;
        self.report.live = self.sink.is_some();
        self.chunks(reader, comp);
    }

    /// Analyses a byte source block by block, as it arrives.
    fn chunks<F: Feed>(&mut self, reader: F, comp: Compression) {
        let chunk_size = self.opts.chunk_size.min(STREAM_CHUNK_SIZE);
        let mut ch = StreamChunker::new(reader, chunk_size.saturating_mul(STREAM_CHUNKS), self.x.max_line());
        // `None` until a piece with text decides; `Some(None)`: no layout fits.
        let mut layout: Option<Option<Layout>> = None;
        let mut nul_seen = false;
        let mut sampled = 0usize;
        loop {
            // The layout is told from the whole buffer before the first cut,
            // so that the first chunk ends between records like the others.
            let mut early = None;
            if layout.is_none() {
                let (data, err, last) = ch.peek();
                let nul = memchr::memchr(0, data).is_some();
                // A live input's first line may be a lone stack-trace line:
                // while no layout fits and more can come, wait for more lines.
                let wait = !last
                    && err.is_none()
                    && text_sample(data).is_some_and(|t| self.layouts.detect_input(&self.report.name, t).is_err());
                if wait {
                    continue;
                }
                early = err;
                layout = self.detect(data);
                nul_seen |= layout.is_none() && nul;
            }
            let (chunk, err) = match &layout {
                Some(Some(l)) => ch.next_chunk(&|line: &[u8]| l.is_head(line)),
                // No text yet, or no layout: only lines are counted.
                _ => ch.next_chunk(&|_: &[u8]| true),
            };
            let err = early.or(err);
            let done = chunk.is_none();
            if let Some(data) = chunk {
                let l = layout.as_ref().and_then(Option::as_ref);
                let before = self.acc.fresh().len();
                if let Some(l) = l.filter(|_| sampled < SAMPLE_BYTES) {
                    // INFO lines anywhere in the first 64 KiB, however slowly
                    // a live input brings them.
                    self.report.info_seen |= sample_has_info(l, sample(data));
                    sampled += data.len();
                }
                self.feed(l, data, chunk_size);
                if self.sink.is_some() {
                    // An echo waits to settle: it is written only if it has
                    // no twin (`extract::drop_echoes`).
                    self.tell(self.acc.fresh()[before..].iter().filter(|e| !e.echo));
                    let echoes = self.acc.settle(false);
                    self.tell(&echoes);
                    if let (Some(sink), Some((_, clock))) = (self.sink, self.acc.range) {
                        sink.tick(clock);
                    }
                }
            }
            if err.is_some() {
                // Its line is the accumulated lines': the carried block's too.
                self.carried_in();
            }
            if let Some(e) = err {
                let message = match comp {
                    Compression::Gzip | Compression::Zstd => {
                        format!("{} stream ends early or is corrupt after {} bytes: {e}", comp.name(), ch.bytes)
                    }
                    Compression::None => format!("read error after {} bytes: {e}", ch.bytes),
                };
                // The line the stream broke in: the last one read, if cut, or the next.
                self.errors.push(InputError { line: Some(self.acc.lines_before + 1), message });
            }
            if done {
                break;
            }
        }
        self.report.bytes = ch.bytes;
        if layout.is_none() {
            self.textless(nul_seen, ch.bytes);
        }
    }

    /// Hands a live input's new events, within `--since`/`--until`, to its sink.
    fn tell<'e>(&self, events: impl IntoIterator<Item = &'e Event>) {
        let Some(sink) = self.sink else { return };
        let kept: Vec<&Event> = events.into_iter().filter(|e| self.opts.within(e.time)).collect();
        if !kept.is_empty() {
            sink.found(&self.report.name, &kept);
        }
    }

    fn finish(mut self) -> Extracted<'a> {
        self.carried_in();
        let echoes = self.acc.settle(true);
        self.tell(&echoes);
        if let Some(f) = &mut self.folding {
            f.finish(&mut self.acc);
        }
        // NDJSON events come from many logs: each is treated by itself, as
        // where it was read (a no-op for events written at the end there;
        // events written live had neither pass).
        crate::extract::ndjson::each_origin(&mut self.acc.events, self.acc.origins.list.len(), |evs| {
            fill_lone_client(evs)
        });
        self.report.lines = self.acc.lines();
        self.report.range = self.acc.range.map(|(a, b)| (a.min(b), a.max(b)));
        self.report.records = self.acc.records;
        self.report.not_understood = self.acc.not_understood;
        self.report.first_not_understood = self.acc.first_not_understood;
        let mut errors = merge_issues(self.acc.issues);
        errors.extend(self.errors);
        self.report.errors = errors;
        self.report.events = crate::thin::weight(&self.acc.events);
        self.acc.events.shrink_to_fit();
        Extracted {
            report: self.report,
            events: self.acc.events,
            folded: self.folding,
            configs: self.acc.configs,
            racks: self.acc.racks,
            origins: self.acc.origins.list,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Gist;

    fn ev(time: i64, line: u64) -> Event {
        Event::new(Gist { client: Some(format!("c{line}")), ..Gist::default() }, time, 0, line)
    }

    fn lane(fresh: Vec<Event>) -> Lane {
        Lane { fresh, ..Lane::default() }
    }

    #[test]
    fn events_settle_once_the_clock_is_away_from_them_either_way() {
        let mut acc = Acc { lanes: vec![lane(vec![ev(100_000, 1), ev(101_000, 2), ev(10_000, 3)])], ..Acc::default() };
        // The clock just past the first two: nothing has settled.
        acc.range = Some((100_000, 101_500));
        acc.settle(false);
        assert_eq!(acc.events.len(), 0);
        // The input went back in time (`cat new.log old.log`): what came
        // before is settled, not held until the clock catches up again.
        acc.range = Some((100_000, 10_000));
        acc.settle(false);
        assert_eq!(acc.events.iter().map(|e| e.line).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(acc.fresh().len(), 1);
        // The clock moving on past the last one settles it too.
        acc.range = Some((100_000, 10_000 + SETTLE_MS + 1));
        acc.settle(false);
        assert_eq!(acc.fresh().len(), 0);
        assert_eq!(acc.events.len(), 3);
    }

    #[test]
    fn each_log_of_an_ndjson_input_settles_by_its_own_clock() {
        // Two hosts' logs, interleaved in one NDJSON input: host b's clock
        // is a day behind host a's.
        let mut acc = Acc::default();
        let day = 86_400_000;
        let at = |input: u32, time: i64, line: u64| {
            let mut e = ev(time, line);
            e.input = input;
            e
        };
        let origin = |name: &str| crate::extract::ndjson::Origin { name: name.into(), ..Default::default() };
        let chunk = |events: Vec<Event>| crate::extract::ChunkOut {
            origins: vec![origin("a.log"), origin("b.log")],
            events,
            ..Default::default()
        };
        acc.merge(vec![chunk(vec![at(0, day, 1), at(1, 1_000, 1), at(0, day + 60_000, 2), at(1, 2_000, 2)])]);
        assert_eq!(acc.lanes.iter().map(|l| l.clock).collect::<Vec<_>>(), vec![Some(day + 60_000), Some(2_000)]);
        acc.settle(false);
        // Each lane's last event is near its own clock and waits; the
        // others settled while the stream goes on, not at its end. By one
        // clock for both, host b's would wait for nothing, or all settle.
        let settled: Vec<(u32, u64)> = acc.events.iter().map(|e| (e.input, e.line)).collect();
        assert_eq!(settled, vec![(0, 1)]);
        assert_eq!(acc.lanes[1].fresh.len(), 2, "host b's events are within SETTLE_MS of its clock");
        acc.merge(vec![chunk(vec![at(1, 2_000 + SETTLE_MS + 1, 3)])]);
        acc.settle(false);
        let settled: Vec<(u32, u64)> = acc.events.iter().map(|e| (e.input, e.line)).collect();
        assert_eq!(settled, vec![(0, 1), (1, 1), (1, 2)]);
        acc.settle(true);
        assert_eq!(acc.events.len(), 5);
        assert!(acc.lanes.iter().all(|l| l.fresh.is_empty()));
    }

    #[test]
    fn the_inputs_of_a_run_share_one_budget_of_events_kept_one_by_one() {
        // Two logs of ten alike failures naming node 1, a second apart: with
        // a budget of 8 in all each keeps 4 one by one and thins the other
        // six to two (6 kept per log); a budget of 8 each would keep 10.
        let dir = std::env::temp_dir().join(format!("rollcall-budget-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let line = |i: usize| {
            format!(
                "[2024-02-06 10:47:{i:02},491] WARN [Producer clientId=p] Connection to node 1 \
                 (b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com/10.0.0.1:9094) could not be established. \
                 Node may not be available. (org.apache.kafka.clients.NetworkClient)\n"
            )
        };
        let log: String = (0..10).map(line).collect();
        let paths: Vec<String> = ["a.log", "b.log"]
            .iter()
            .map(|n| {
                let p = dir.join(n);
                std::fs::write(&p, &log).unwrap();
                p.to_str().unwrap().to_string()
            })
            .collect();
        let (layouts, x) = (Layouts::builtin(), Extractor::new(crate::grammar::load_builtin(), Zone::default()));
        let run_with = |inputs: Vec<String>, budget| {
            run(&Options { thin_after: Some(budget), keep_events: true, ..Options::new(inputs) }, &layouts, &x)
        };
        let both = run_with(paths.clone(), 8);
        assert_eq!(crate::thin::weight(&both.events), 20, "every line counted");
        assert_eq!(both.events.len(), 12, "4 + 2 kept per log");
        let one = run_with(paths[..1].to_vec(), 8);
        assert_eq!(one.events.len(), 10, "alone, a log has the whole budget: 8 + 2");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_lone_client_fills_each_shared_gist_once() {
        let named = Arc::new(Gist { client: Some("p-1".into()), ..Gist::default() });
        let bare = Arc::new(Gist { rule: "java.records_expired".into(), ..Gist::default() });
        let other = Arc::new(Gist { rule: "java.produce_error".into(), ..Gist::default() });
        let with = |g: &Arc<Gist>, line| Event::new(g.clone(), 0, 0, line);
        let mut events = vec![with(&named, 1), with(&bare, 2), with(&bare, 3), with(&other, 4)];
        fill_lone_client(&mut events);
        assert!(events.iter().all(|e| e.client.as_deref() == Some("p-1")));
        assert!(Arc::ptr_eq(&events[1].gist, &events[2].gist), "alike events share one filled gist");
        assert_eq!(events[3].rule, other.rule, "each gist keeps what it said");
        assert!(bare.client.is_none(), "the shared original is not written to");
        // Two clients: a client-less line could be either's.
        let mut two = vec![with(&named, 1), with(&bare, 2)];
        let mut other = two[0].clone();
        other.gist = Arc::new(Gist { client: Some("p-2".into()), ..Gist::default() });
        two.push(other);
        fill_lone_client(&mut two);
        assert!(two[1].client.is_none());
    }
}
