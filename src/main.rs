//! rollcall's binary: parse the command line, run the analysis, write the
//! report, and turn the outcome into the contract's exit code.

use rollcall::analysis;
use rollcall::cli::{CheckGrammarArgs, Command, Config, GrammarsArgs};
use rollcall::extract::Extractor;
use rollcall::grammar;
use rollcall::layout::Layouts;
use rollcall::report;
use rollcall::report::events::Live;
use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

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
    let stdout = io::stdout();
    let mut w = io::BufWriter::new(stdout.lock());
    match grammar::list::write_list(&g, &Layouts::builtin(), &mut w).and_then(|()| w.flush()) {
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
    let mut g = grammar::load_builtin();
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
    let layouts = match &cfg.layout {
        Some(p) => match Layouts::forced(p) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("rollcall: --layout: {e}");
                return Ok(USAGE);
            }
        },
        None => Layouts::builtin(),
    }
    .with_date(cfg.date);
    let mut x = Extractor::new(g, cfg.options.zone);
    if let Some(n) = cfg.max_line {
        x = x.with_max_line(n);
    }
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = cfg.threads {
        pool = pool.num_threads(n);
    }
    let pool = pool.build().map_err(io::Error::other)?;
    // `--format events` writes a live input's events as they are found,
    // then the other inputs' events at the end, to the same place.
    let (a, events_out) = if cfg.format == report::Format::Events && !cfg.quiet {
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
    Ok(if a.has_input_errors() || strict_failed {
        USAGE
    } else if a.findings.is_empty() {
        0
    } else {
        1
    })
}
