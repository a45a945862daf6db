//! rollcall's binary: parse the command line, run the analysis, write the
//! report, and turn the outcome into the contract's exit code.

use rollcall::analysis;
use rollcall::cli::{CheckGrammarArgs, Command, Config, GrammarsArgs};
use rollcall::extract::Extractor;
use rollcall::grammar;
use rollcall::layout::Layouts;
use rollcall::report;
use rollcall::report::events::Live;
use rollcall::report::follow::Follow;
use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

const USAGE: u8 = 2;

fn main() -> ExitCode {
    let args = match Command::parse_from(std::env::args_os().collect()) {
        Command::Analyse(a) => *a,
        Command::Grammars(g) => return list_grammars(g),
        Command::CheckGrammar(c) => return check_grammars(c),
    };
    let cfg = match Config::from_args(args, io::stdin().is_terminal()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("rollcall: {e}");
            return ExitCode::from(USAGE);
        }
    };
    match run(cfg) {
        Ok(code) => ExitCode::from(code),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rollcall: {e}");
            ExitCode::from(USAGE)
        }
    }
}

/// `rollcall grammars`.
fn list_grammars(args: GrammarsArgs) -> ExitCode {
    if std::path::Path::new("grammars").exists() {
        eprintln!("rollcall: note: listing the grammars; to analyse the path 'grammars' here, write ./grammars");
    }
    let mut g = grammar::load_builtin();
    for path in &args.grammar {
        match grammar::list::check_file(path, &g) {
            Ok(x) => g.extend(x),
            Err(errs) => {
                for e in errs {
                    eprintln!("rollcall: {e}");
                }
                return ExitCode::from(USAGE);
            }
        }
    }
    let layouts = Layouts::builtin();
    let stdout = io::stdout();
    let mut w = io::BufWriter::new(stdout.lock());
    let written = match &args.prefilter {
        None => grammar::list::write_list(&g, &layouts, &mut w),
        Some(name) => {
            let Some(layout) = layouts.all().iter().find(|l| &l.name == name) else {
                let mut names: Vec<&str> = layouts.all().iter().map(|l| l.name.as_str()).collect();
                names.dedup();
                eprintln!("rollcall: --prefilter: no built-in layout '{name}' (they are: {})", names.join(", "));
                return ExitCode::from(USAGE);
            };
            let x = Extractor::new(g, Default::default());
            x.prefilter_literals(layout).iter().try_for_each(|l| w.write_all(l).and_then(|()| w.write_all(b"\n")))
        }
    };
    match written.and_then(|()| w.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rollcall: {e}");
            ExitCode::from(USAGE)
        }
    }
}

/// `rollcall check-grammar FILE...`.
fn check_grammars(args: CheckGrammarArgs) -> ExitCode {
    let builtin = grammar::load_builtin();
    let mut failed = false;
    for path in &args.files {
        match grammar::list::check_file(path, &builtin) {
            Ok(g) => {
                let samples: usize = g.rules.iter().map(|r| r.samples.len()).sum();
                println!("{}: ok, {} rule(s), {samples} sample(s) match", path.display(), g.rules.len());
            }
            Err(errs) => {
                failed = true;
                for e in errs {
                    eprintln!("rollcall: {e}");
                }
            }
        }
    }
    if failed {
        ExitCode::from(USAGE)
    } else {
        ExitCode::SUCCESS
    }
}

fn run(cfg: Config) -> io::Result<u8> {
    let mut pool = rayon::ThreadPoolBuilder::new();
    let mut threads = cfg.threads;
    if cfg.options.follow {
        // Each followed input holds a worker until Ctrl-C: there must be
        // one for each, and one to spare for their chunks.
        let inputs = rollcall::input::expand(&cfg.options.inputs).0.len();
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        threads = Some(threads.unwrap_or(cores).max(inputs + 1));
        // Ctrl-C ends the inputs where they are; the report still comes.
        if let Err(e) = ctrlc::set_handler(rollcall::input::readahead::stop) {
            eprintln!("rollcall: --follow: cannot catch Ctrl-C ({e}); the report comes at the end of the input");
        }
    }
    if let Some(n) = threads {
        pool = pool.num_threads(n);
    }
    let pool = pool.build().map_err(io::Error::other)?;
    // The grammars and the layouts are parsed side by side.
    let (mut g, layouts) = pool.install(|| {
        rayon::join(grammar::load_builtin, || match &cfg.layout {
            Some(p) => Layouts::forced(p),
            None => Ok(Layouts::builtin()),
        })
    });
    for path in &cfg.grammars {
        let extra = grammar::list::check_file(path, &g);
        match extra {
            Ok(x) => g.extend(x),
            Err(errs) => {
                for e in errs {
                    eprintln!("rollcall: {e}");
                }
                return Ok(USAGE);
            }
        }
    }
    let layouts = match layouts {
        Ok(l) => l.with_date(cfg.date),
        Err(e) => {
            eprintln!("rollcall: --layout: {e}");
            return Ok(USAGE);
        }
    };
    let mut x = Extractor::new(g, cfg.options.zone);
    if let Some(n) = cfg.max_line {
        x = x.with_max_line(n);
    }
    let mut cfg = cfg;
    let bar = Progress::start(&mut cfg.options);
    // `--format events` writes a live input's events as they are found,
    // then the other inputs' events at the end, to the same place.
    let (a, events_out) = if cfg.options.follow {
        let topics = cfg.options.topics.as_ref().map(|t| &t.describe);
        let follow = Follow::new(Box::new(io::stdout()), cfg.options.zone, cfg.options.thresholds.gap_ms, topics);
        let a = pool.install(|| analysis::run_live(&cfg.options, &layouts, &x, Some(&follow)));
        // A closed stdout shows at the report's own write below.
        let _ = follow.finish();
        (a, None)
    } else if cfg.format == report::Format::Events && !cfg.quiet {
        let out: Box<dyn Write + Send> = match &cfg.out {
            Some(path) => Box::new(io::BufWriter::new(
                std::fs::File::create(path)
                    .map_err(|e| io::Error::new(e.kind(), format!("--out {}: {e}", path.display())))?,
            )),
            None => Box::new(io::stdout()),
        };
        let topics = cfg.options.topics.as_ref().map(|t| &t.describe);
        let live = Live::new(out, cfg.options.zone, topics);
        let a = pool.install(|| analysis::run_live(&cfg.options, &layouts, &x, Some(&live)));
        (a, Some(live.finish()))
    } else {
        (pool.install(|| analysis::run(&cfg.options, &layouts, &x)), None)
    };
    drop(bar);
    for i in &a.inputs {
        for e in &i.errors {
            let at = e.line.map_or(String::new(), |l| format!(":{l}"));
            eprintln!("rollcall: {}{at}: {}", report::printable(&i.name), report::printable(&e.message));
        }
    }
    // --strict: a line nobody understood counts like an unreadable input.
    let mut strict_failed = false;
    if cfg.strict {
        for i in a.inputs.iter().filter(|i| i.not_understood > 0) {
            strict_failed = true;
            let at = i.first_not_understood.map_or(String::new(), |l| format!(":{l}"));
            eprintln!(
                "rollcall: {}{at}: {} Kafka client line(s) not understood (--strict)",
                report::printable(&i.name),
                i.not_understood
            );
        }
    }
    match events_out {
        Some(out) => {
            let mut w = io::BufWriter::new(out?);
            report::events::write(&a, &mut w)?;
            w.flush()?;
        }
        None if cfg.quiet => {}
        None => match &cfg.out {
            Some(path) => {
                let mut f = io::BufWriter::new(
                    std::fs::File::create(path)
                        .map_err(|e| io::Error::new(e.kind(), format!("--out {}: {e}", path.display())))?,
                );
                report::write(cfg.format, &a, &mut f, cfg.style(false, None))?;
                f.flush()?;
            }
            None => {
                let stdout = io::stdout();
                let width = terminal_size::terminal_size_of(&stdout).map(|(w, _)| usize::from(w.0));
                let style = cfg.style(stdout.is_terminal(), width);
                let mut w = io::BufWriter::new(stdout.lock());
                report::write(cfg.format, &a, &mut w, style)?;
                w.flush()?;
            }
        },
    }
    let code = if a.has_input_errors() || strict_failed {
        USAGE
    } else if a.findings.is_empty() {
        0
    } else {
        1
    };
    // The process ends here and the OS takes the memory back at once:
    // freeing every event's strings one by one was 2 % of a 1 GB run
    // (issue 4, session 3). An early return (an error) still drops it.
    std::mem::forget(a);
    Ok(code)
}

/// A progress bar on stderr for a long batch run: only when stderr is a
/// terminal, never for stdin (its size is unknown, and a live pipe has no
/// end), and only past `PROGRESS_MIN` bytes of files. It is cleared before
/// anything else is written to stderr, so it never mixes with messages.
struct Progress {
    done: Arc<AtomicBool>,
    ticker: Option<std::thread::JoinHandle<()>>,
}

const PROGRESS_MIN: u64 = 64 << 20;

impl Progress {
    fn start(opts: &mut analysis::Options) -> Option<Progress> {
        if !io::stderr().is_terminal() || opts.follow || opts.inputs.iter().any(|i| i == "-") {
            return None;
        }
        let (specs, _) = rollcall::input::expand(&opts.inputs);
        let total: u64 = specs
            .iter()
            .filter_map(|s| s.path.as_ref())
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum();
        if total < PROGRESS_MIN {
            return None;
        }
        let read = Arc::new(AtomicU64::new(0));
        opts.progress = Some(read.clone());
        let done = Arc::new(AtomicBool::new(false));
        let bar = indicatif::ProgressBar::with_draw_target(Some(total), indicatif::ProgressDrawTarget::stderr());
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        let stop = done.clone();
        let ticker = std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                bar.set_position(read.load(Ordering::Relaxed).min(total));
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            bar.finish_and_clear();
        });
        Some(Progress { done, ticker: Some(ticker) })
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            // The ticker only draws; if it panicked there is nothing to clear.
            let _ = t.join();
        }
    }
}
