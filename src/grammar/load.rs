//! Reading grammar files: TOML in, compiled `Rule`s out, every mistake
//! reported with its `file:line` and a help line.

use super::{Error, Grammar, Rule, Sample, Scope, Template, When};
use crate::event::{Kind, Level};
use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    family: Option<Spanned<String>>,
    description: Option<String>,
    #[serde(default)]
    rule: Vec<RuleSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    id: Spanned<String>,
    kind: Spanned<String>,
    logger: Option<String>,
    levels: Option<Vec<Spanned<String>>>,
    scope: Option<Spanned<String>>,
    source: Option<String>,
    templates: Vec<Spanned<TemplateSpec>>,
    #[serde(default)]
    when: Vec<Spanned<WhenSpec>>,
    #[serde(default)]
    broker_answered: bool,
    prefilter: Option<Spanned<OneOrMany>>,
    #[serde(default)]
    sample: Vec<Spanned<SampleSpec>>,
}

/// `prefilter = "x"` or `prefilter = ["x", "y"]`.
#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateSpec {
    text: String,
    versions: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WhenSpec {
    capture: String,
    contains: String,
    kind: Option<String>,
    #[serde(default)]
    broker_answered: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SampleSpec {
    line: String,
    #[serde(default)]
    expect: toml::Table,
}

/// Where a source's newlines are, to give the 1-based line of a byte
/// offset by halving. Counting the newlines from the top for every rule and
/// sample was two thirds of loading the built-in grammars (callgrind: 24 M
/// of 36 M instructions), serial, before any input is read.
struct Newlines(Vec<usize>);

impl Newlines {
    fn new(src: &str) -> Newlines {
        Newlines(memchr::memchr_iter(b'\n', src.as_bytes()).collect())
    }

    fn of(&self, offset: usize) -> usize {
        self.0.partition_point(|&nl| nl < offset) + 1
    }
}

fn kind_names() -> String {
    Kind::ALL.iter().filter(|k| **k != Kind::Unknown).map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
}

/// Parses and compiles one grammar file's text; `file` names it in errors.
pub fn load_str(file: &str, src: &str) -> Result<Grammar, Vec<Error>> {
    let err =
        |line: usize, message: String, help: Option<String>| Error { file: file.to_string(), line, message, help };
    let lines = Newlines::new(src);
    let line_of = |offset: usize| lines.of(offset);
    let spec: FileSpec = toml::from_str(src).map_err(|e| {
        let line = e.span().map_or(1, |s| line_of(s.start));
        vec![err(line, e.message().trim().to_string(), Some("see grammars/java.toml for the format".into()))]
    })?;
    let mut errors = Vec::new();
    let mut rules = Vec::new();
    // A file without `family` (the format before issue 5) takes it from its
    // first rule id, so that older user grammars keep loading.
    let family = match &spec.family {
        Some(f) => f.get_ref().trim().to_string(),
        None => spec.rule.first().and_then(|r| r.id.get_ref().split_once('.')).map_or("", |(f, _)| f).to_string(),
    };
    match &spec.family {
        None if family.is_empty() && !spec.rule.is_empty() => errors.push(err(
            line_of(spec.rule[0].id.span().start),
            format!("rule id '{}' names no family", spec.rule[0].id.get_ref()),
            Some("rule ids are \"<family>.<name>\"; or start the file with `family = \"<client>\"`".into()),
        )),
        Some(f) if family.is_empty() || family.contains(|c: char| c.is_whitespace() || c == '.') => errors.push(err(
            line_of(f.span().start),
            format!("family '{}' is not a single word", f.get_ref()),
            Some("use a short name without dots or spaces, e.g. \"sarama\"".into()),
        )),
        _ => {}
    }
    for r in spec.rule {
        let rule_line = line_of(r.id.span().start);
        let id = r.id.get_ref().clone();
        let at = |sp: std::ops::Range<usize>| line_of(sp.start);
        if !family.is_empty()
            && !id.strip_prefix(family.as_str()).is_some_and(|rest| rest.len() > 1 && rest.starts_with('.'))
        {
            errors.push(err(
                at(r.id.span()),
                format!("rule id '{id}' is not in the file's family '{family}'"),
                Some(format!("rule ids are namespaced by family: \"{family}.<name>\"")),
            ));
        }
        let kind = match Kind::parse(r.kind.get_ref()) {
            Some(Kind::Unknown) | None => {
                errors.push(err(
                    at(r.kind.span()),
                    format!("rule {id}: unknown event kind '{}'", r.kind.get_ref()),
                    Some(format!("use one of: {}", kind_names())),
                ));
                continue;
            }
            Some(k) => k,
        };
        let levels = match r.levels {
            None => None,
            Some(ls) => {
                let mut out = Vec::new();
                for l in ls {
                    match Level::parse(l.get_ref().as_bytes()) {
                        Some(v) => out.push(v),
                        None => errors.push(err(
                            at(l.span()),
                            format!("rule {id}: unknown level '{}'", l.get_ref()),
                            Some("use TRACE, DEBUG, INFO, WARN, ERROR or FATAL".into()),
                        )),
                    }
                }
                Some(out)
            }
        };
        let scope = match r.scope.as_ref().map(|s| s.get_ref().as_str()) {
            None | Some("message") => Scope::Message,
            Some("record") => Scope::Record,
            Some(other) => {
                errors.push(err(
                    at(r.scope.as_ref().map(|s| s.span()).unwrap_or(0..0)),
                    format!("rule {id}: unknown scope '{other}'"),
                    Some("use \"message\" or \"record\"".into()),
                ));
                continue;
            }
        };
        let mut templates = Vec::new();
        for t in &r.templates {
            match Template::compile(&t.get_ref().text) {
                Ok(mut c) => {
                    if scope == Scope::Record && !c.starts_with_literal() {
                        errors.push(err(
                            at(t.span()),
                            format!("rule {id}: a record-scope template must start with literal text"),
                            Some(
                                "the matcher searches for the first literal, so begin with words, not a capture".into(),
                            ),
                        ));
                    }
                    c.versions = t.get_ref().versions.clone();
                    templates.push(c);
                }
                Err(e) => errors.push(err(
                    at(t.span()),
                    format!("rule {id}: bad template: {e}"),
                    Some(
                        "captures are {name}; reserved names: node, addr, broker, tp, count, attempts; {_} skips"
                            .into(),
                    ),
                )),
            }
        }
        if templates.is_empty() {
            errors.push(err(rule_line, format!("rule {id}: no usable template"), None));
            continue;
        }
        let mut when = Vec::new();
        for w in &r.when {
            let w_spec = w.get_ref();
            let kind = match w_spec.kind.as_deref() {
                None => None,
                Some(name) => match Kind::parse(name).filter(|k| *k != Kind::Unknown) {
                    Some(k) => Some(k),
                    None => {
                        errors.push(err(
                            at(w.span()),
                            format!("rule {id}: unknown event kind '{name}' in 'when'"),
                            Some(format!("use one of: {}", kind_names())),
                        ));
                        continue;
                    }
                },
            };
            if !r.templates.iter().any(|t| t.get_ref().text.contains(&format!("{{{}}}", w_spec.capture))) {
                errors.push(err(
                    at(w.span()),
                    format!("rule {id}: 'when' names capture '{}' that no template has", w_spec.capture),
                    None,
                ));
            }
            when.push(When {
                capture: w_spec.capture.clone(),
                contains: memchr::memmem::Finder::new(w_spec.contains.as_bytes()).into_owned(),
                kind,
                broker_answered: w_spec.broker_answered,
            });
        }
        let prefilter: Vec<Vec<u8>> = match r.prefilter.as_ref().map(|p| p.get_ref()) {
            Some(OneOrMany::One(p)) => vec![p.as_bytes().to_vec()],
            Some(OneOrMany::Many(ps)) => ps.iter().map(|p| p.as_bytes().to_vec()).collect(),
            None => templates.iter().map(|t| t.longest_literal().to_vec()).collect(),
        };
        for t in &templates {
            if !prefilter.iter().any(|p| t.has_literal(p)) {
                errors.push(err(
                    r.prefilter.as_ref().map_or(rule_line, |p| at(p.span())),
                    format!("rule {id}: template \"{}\" contains none of its prefilter literals", t.text),
                    Some("a line the prefilter does not find is never parsed: add a literal this template has".into()),
                ));
            }
        }
        if prefilter.iter().any(|p| p.len() < 4) {
            errors.push(err(
                rule_line,
                format!("rule {id}: its prefilter literal is shorter than 4 bytes"),
                Some("set `prefilter` to a longer, rarer literal of the template".into()),
            ));
        }
        let samples = r
            .sample
            .iter()
            .map(|s| Sample {
                text: s.get_ref().line.clone(),
                expect: s
                    .get_ref()
                    .expect
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_string)))
                    .collect(),
                line: at(s.span()),
            })
            .collect();
        rules.push(Rule {
            id: id.into(),
            kind,
            logger: r.logger,
            levels,
            scope,
            source: r.source,
            templates,
            when,
            broker_answered: r.broker_answered,
            prefilter,
            samples,
            family: family.clone(),
            file: file.to_string(),
            line: rule_line,
        });
    }
    let mut seen = std::collections::HashSet::new();
    for r in &rules {
        if !seen.insert(r.id.clone()) {
            errors.push(err(
                r.line,
                format!("rule id '{}' is used twice", r.id),
                Some("rule ids must be unique".into()),
            ));
        }
    }
    if errors.is_empty() {
        let families =
            vec![super::Family { name: family, description: spec.description.unwrap_or_default(), file: file.into() }];
        Ok(Grammar { families, rules })
    } else {
        Err(errors)
    }
}

/// The grammars embedded in the binary.
/// The files are parsed in parallel, then joined in their order: parsing
/// them was most of a run's start (3 of 6 ms on a small log).
pub fn load_builtin() -> Grammar {
    use rayon::prelude::*;
    let parsed: Vec<_> = super::BUILTIN.par_iter().map(|(name, src)| (name, load_str(name, src))).collect();
    let mut g = Grammar::default();
    for (name, x) in parsed {
        match x {
            Ok(x) => g.extend(x),
            Err(e) => {
                panic!("built-in grammar {name} is invalid (the test suite checks it): {e:?}")
            }
        }
    }
    g
}

/// A user's grammar file (`--grammar FILE`).
pub fn load_file(path: &std::path::Path) -> Result<Grammar, Vec<Error>> {
    let name = path.display().to_string();
    let src = std::fs::read_to_string(path)
        .map_err(|e| vec![Error { file: name.clone(), line: 0, message: format!("cannot read: {e}"), help: None }])?;
    load_str(&name, &src)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_offset_is_on_the_line_its_newlines_say() {
        let src = "a\n\nbc\nd";
        let lines = Newlines::new(src);
        for offset in 0..=src.len() + 2 {
            let want = src.as_bytes()[..offset.min(src.len())].iter().filter(|&&b| b == b'\n').count() + 1;
            assert_eq!(lines.of(offset), want, "offset {offset}");
        }
        assert_eq!(Newlines::new("").of(0), 1);
    }

    #[test]
    fn errors_name_the_line_and_help() {
        let src = "family = \"x\"\n\n[[rule]]\nid = \"x.a\"\nkind = \"broken_kind\"\ntemplates = [{ text = \"Node {node} disconnected.\" }]\n";
        let e = load_str("extra.toml", src).unwrap_err();
        assert_eq!(e[0].line, 5);
        assert!(e[0].to_string().starts_with("extra.toml:5: rule x.a: unknown event kind 'broken_kind'"));
        assert!(e[0].to_string().contains("= help: use one of: not_leader"));
        let src = "family = \"x\"\n[[rule]]\nid = \"x.b\"\nkind = \"disconnected\"\ntemplates = [{ text = \"{a}{b} oops\" }]\n";
        let e = load_str("extra.toml", src).unwrap_err();
        assert_eq!(e[0].line, 5);
        let e = load_str("extra.toml", "[[rule]\n").unwrap_err();
        assert_eq!(e[0].line, 1);
    }

    #[test]
    fn rule_ids_are_namespaced_by_family() {
        let src = "family = \"sarama\"\n\n[[rule]]\nid = \"java.x\"\nkind = \"disconnected\"\ntemplates = [{ text = \"Node {node} disconnected.\" }]\n";
        let e = load_str("extra.toml", src).unwrap_err();
        assert_eq!(e[0].to_string(), "extra.toml:4: rule id 'java.x' is not in the file's family 'sarama'\n  = help: rule ids are namespaced by family: \"sarama.<name>\"");
        let rule = |id: &str| {
            format!("[[rule]]\nid = \"{id}\"\nkind = \"disconnected\"\ntemplates = [{{ text = \"Node {{node}} disconnected.\" }}]\n")
        };
        let g = load_str("extra.toml", &rule("site.a")).unwrap();
        assert_eq!(g.families[0].name, "site", "a file without `family` takes its first rule's");
        let e = load_str("extra.toml", &rule("plain")).unwrap_err();
        assert!(e[0].to_string().starts_with("extra.toml:2: rule id 'plain' names no family"), "{}", e[0]);
        let e = load_str("extra.toml", &format!("{}{}", rule("site.a"), rule("other.b"))).unwrap_err();
        assert!(e[0].to_string().contains("rule id 'other.b' is not in the file's family 'site'"), "{}", e[0]);
    }

    #[test]
    fn a_prefilter_literal_must_be_in_every_template() {
        let src = "family = \"x\"\n[[rule]]\nid = \"x.c\"\nkind = \"disconnected\"\nprefilter = \"disconnected\"\ntemplates = [{ text = \"Node {node} disconnected.\" }, { text = \"Node {node} went away.\" }]\n";
        let e = load_str("extra.toml", src).unwrap_err();
        assert_eq!(e[0].line, 5);
        assert!(
            e[0].message.contains("\"Node {node} went away.\" contains none of its prefilter literals"),
            "{}",
            e[0]
        );
    }
}
