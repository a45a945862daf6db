//! What the reports read instead of the events (`docs/fold-survey.md` §6):
//! the events that evidence lines name (`Analysis::evidence`), the total
//! weight and the HTML density records. Each is checked against the
//! events themselves, kept for the test, over every fixture, so that an
//! evidence line whose event no fold held shows here (its summary would
//! go missing from markdown and html).

mod common;
use clap::Parser;
use common::*;
use rollcall::analysis::{self, Analysis, Dot, Options};
use rollcall::cli::{Args, Config};
use rollcall::event::Event;
use rollcall::extract::Extractor;
use rollcall::layout::Layouts;
use rollcall::noise::AnomalyKind;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The options the command line gives for `rollcall --format FORMAT
/// [extra] fixtures/NAME/`.
fn options(name: &str, format: &str, extra: &[&str]) -> Options {
    let dir = root().join("fixtures").join(name);
    let mut argv: Vec<String> = vec!["rollcall".into(), "--format".into(), format.into()];
    argv.extend(fixture_args(name).into_iter().map(|a| a.replace("tests/", &format!("{}/tests/", root().display()))));
    argv.extend(extra.iter().map(|a| a.to_string()));
    argv.push(dir.display().to_string());
    Config::from_args(Args::try_parse_from(argv).unwrap(), false).unwrap().options
}

fn analyse(opts: &Options) -> Analysis {
    let x = Extractor::new(rollcall::grammar::load_builtin(), opts.zone);
    analysis::run(opts, &Layouts::builtin(), &x)
}

/// Every evidence line of the windows and findings.
fn named(a: &Analysis) -> BTreeSet<(u32, u64)> {
    let windows = a.timelines.iter().flat_map(|t| t.windows.iter().flat_map(|w| w.evidence.iter()));
    windows.chain(a.findings.iter().flat_map(|f| f.evidence.iter())).copied().collect()
}

/// The maintenance window of `fixtures/unexplained-errors`, given to every
/// fixture: most of their symptoms fall outside it.
const MAINTENANCE: &[&str] = &["--maintenance", "2024-02-06 10:40..2024-02-06 10:47"];

#[test]
fn evidence_holds_the_event_of_each_evidence_line_and_no_other() {
    // The kinds of finding whose evidence names events, and where each
    // fold holds them: windows (correlate), the events held whole (noise),
    // each client's bootstrap behaviour and the symptoms outside the
    // maintenance window. Each must be met, or the test proves nothing.
    let mut met: BTreeSet<&str> = BTreeSet::new();
    let mut windows_met = 0;
    for name in fixtures() {
        for extra in [&[][..], MAINTENANCE] {
            for format in ["markdown", "html"] {
                let opts = options(&name, format, extra);
                assert!(opts.keep_evidence && !opts.keep_events, "{format} keeps the evidence, not the events");
                let a = analyse(&Options { keep_events: true, ..opts });
                // What a look-up among the sorted events finds: the first.
                let mut index: HashMap<(u32, u64), &Event> = HashMap::new();
                for e in &a.events {
                    index.entry((e.input, e.line)).or_insert(e);
                }
                let want: BTreeMap<(u32, u64), &Event> =
                    named(&a).into_iter().filter_map(|l| Some((l, *index.get(&l)?))).collect();
                let got: BTreeMap<(u32, u64), &Event> = a.evidence.iter().map(|(l, e)| (*l, e)).collect();
                assert_eq!(got, want, "{name} {extra:?}");
                for f in &a.findings {
                    if f.evidence.iter().any(|l| index.contains_key(l)) {
                        met.insert(f.kind.as_str());
                    }
                }
                let windows = a.timelines.iter().flat_map(|t| &t.windows);
                windows_met += windows.filter(|w| w.evidence.iter().any(|l| index.contains_key(l))).count();
            }
        }
    }
    assert!(windows_met > 50, "{windows_met}");
    for kind in [
        AnomalyKind::RecordsLost,
        AnomalyKind::RetriesExhausted,
        AnomalyKind::NotEnoughReplicas,
        AnomalyKind::UnknownWarnings,
        AnomalyKind::SingleBootstrap,
        AnomalyKind::UnexplainedErrors,
        AnomalyKind::OverlappingOutage,
        AnomalyKind::LongOutage,
    ] {
        assert!(
            met.contains(kind.as_str()),
            "no fixture has a {} finding with events for evidence: {met:?}",
            kind.as_str()
        );
    }
}

#[test]
fn only_events_keeps_the_events_and_each_format_what_it_reads() {
    let keeps = |format: &str| {
        let o = options("two-brokers-out", format, &[]);
        (o.keep_events, o.keep_evidence, o.keep_density)
    };
    assert_eq!(keeps("events"), (true, false, false));
    assert_eq!(keeps("markdown"), (false, true, false));
    assert_eq!(keeps("html"), (false, true, true));
    assert_eq!(keeps("json"), (false, false, false));
    assert_eq!(keeps("text"), (false, false, false));
    // Few events kept one by one: the others are thinned.
    let json = Options { thin_after: Some(4), ..options("two-brokers-out", "json", &[]) };
    let kept = analyse(&Options { keep_events: true, ..json.clone() });
    let json = analyse(&json);
    assert!(!kept.events.is_empty());
    assert!(json.events.is_empty() && json.evidence.is_empty() && json.density.events.is_empty());
    // The total is the events' weight, with or without them.
    assert_eq!(json.weight, rollcall::thin::weight(&kept.events));
    assert!(json.weight > kept.events.len(), "thinned: the total counts lines, not events");
    assert_eq!(json.timelines, kept.timelines);
}

#[test]
fn density_has_a_record_of_each_event() {
    for name in fixtures() {
        let opts = options(&name, "html", &[]);
        let a = analyse(&Options { keep_events: true, ..opts });
        let d = &a.density;
        assert_eq!(d.events.len(), a.events.len(), "{name}");
        let mut order: Vec<(i64, i64, u32, Option<&str>)> =
            a.events.iter().map(|e| (e.start(), e.time, e.weight, e.client.as_deref())).collect();
        let mut dots: Vec<(i64, i64, u32, Option<&str>)> = d
            .events
            .iter()
            .map(|&Dot { start, time, client, weight }| {
                let name = (client != Dot::NO_CLIENT).then(|| &*d.clients[client as usize]);
                (start, time, weight, name)
            })
            .collect();
        order.sort_unstable();
        dots.sort_unstable();
        assert_eq!(dots, order, "{name}");
        let names: BTreeSet<&str> = d.clients.iter().map(|c| &**c).collect();
        assert_eq!(names.len(), d.clients.len(), "{name}: each client numbered once");
    }
}
