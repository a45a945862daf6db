//! `rollcall grammars` and `rollcall check-grammar FILE`: what rollcall can
//! read, and whether a user's grammar file is right, for a person at a
//! terminal. Takes loaded grammars and layouts; writes text; reads no logs.

use super::{check, load_file, Error, Grammar};
use crate::layout::Layouts;
use std::io::{self, Write};
use std::path::Path;

/// Lists the layouts, then each family's rules with their kind and the
/// client versions their templates cover.
pub fn write_list(grammar: &Grammar, layouts: &Layouts, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "Layouts (detected per input; --layout PATTERN replaces them):")?;
    let width = layouts.all().iter().map(|l| l.name.len()).max().unwrap_or(0);
    for l in layouts.all() {
        writeln!(w, "  {:width$}  {}", l.name, l.source())?;
        if !l.description.is_empty() {
            writeln!(w, "  {:width$}  {}", "", l.description)?;
        }
    }
    for f in &grammar.families {
        let rules: Vec<_> = grammar.rules.iter().filter(|r| r.family == f.name && r.file == f.file).collect();
        writeln!(w)?;
        writeln!(w, "{} ({}, {} rules): {}", f.name, f.file, rules.len(), f.description)?;
        let id_w = rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
        let kind_w = rules.iter().map(|r| r.kind.as_str().len()).max().unwrap_or(0);
        for r in rules {
            let mut versions = r.versions();
            versions.dedup();
            let versions = if versions.is_empty() { "versions not stated".to_string() } else { versions.join("; ") };
            writeln!(w, "  {:id_w$}  {:kind_w$}  {versions}", r.id, r.kind.as_str())?;
        }
    }
    Ok(())
}

/// Loads a user's grammar and checks its samples. Its rule ids must not
/// clash with the built-in ones (`--grammar` adds to them).
pub fn check_file(path: &Path, builtin: &Grammar) -> Result<Grammar, Vec<Error>> {
    let g = load_file(path)?;
    let mut errors: Vec<Error> = g
        .rules
        .iter()
        .filter(|r| builtin.rules.iter().any(|b| b.id == r.id))
        .map(|r| Error {
            file: r.file.clone(),
            line: r.line,
            message: format!("rule id '{}' is already a built-in rule", r.id),
            help: Some("give the rule another name, or the file another family".into()),
        })
        .collect();
    errors.extend(check::check_samples(&g));
    if errors.is_empty() {
        Ok(g)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_names_every_family_rule_and_layout() {
        let g = crate::grammar::load_builtin();
        let ls = Layouts::builtin();
        let mut out = Vec::new();
        write_list(&g, &ls, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        for f in ["java", "librdkafka", "sarama", "franz-go", "kafkajs"] {
            assert!(text.contains(&format!("\n{f} (grammars/{f}.toml, ")), "{f} missing:\n{text}");
        }
        for r in &g.rules {
            assert!(text.contains(&format!("  {} ", r.id)), "{} missing", r.id);
        }
        for l in ls.all() {
            assert!(text.contains(&format!("  {} ", l.name)), "{} missing", l.name);
        }
        assert!(text.contains("librdkafka.connection_failed"));
        assert!(text.contains("1.6.0+"), "versions are listed");
    }

    /// A misspelt family in `layouts.toml` would scan that layout's inputs
    /// for no rule literal at all: every name must be a built-in family.
    #[test]
    fn every_layout_family_is_a_builtin_grammar_family() {
        let g = crate::grammar::load_builtin();
        for l in Layouts::builtin().all() {
            for f in &l.families {
                assert!(g.families.iter().any(|gf| gf.name == *f), "layout {}: unknown family '{f}'", l.name);
            }
        }
        let json: Vec<_> = Layouts::builtin().all().iter().filter(|l| l.is_json()).cloned().collect();
        assert!(json.iter().any(|l| l.name == "kafkajs" && l.families == ["kafkajs"]));
    }
}
