//! Grammar samples are tests: each sample must be recognised by its own
//! rule (not an earlier one), with the kind and captures it declares. The
//! test suite runs this on the built-in grammars; `--grammar FILE` runs it
//! on the user's file before any input is read.

use super::{Error, Grammar};
use crate::extract::split_context;
use crate::layout::Layouts;

/// Checks every sample of every rule in `grammar` against the whole grammar
/// (so that priority mistakes show up too).
pub fn check_samples(grammar: &Grammar) -> Vec<Error> {
    let layouts = Layouts::builtin();
    let mut errors = Vec::new();
    for rule in &grammar.rules {
        let err =
            |line: usize, message: String, help: Option<String>| Error { file: rule.file.clone(), line, message, help };
        if rule.samples.is_empty() {
            errors.push(err(
                rule.line,
                format!("rule {}: has no sample line", rule.id),
                Some("add a [[rule.sample]] with a real log line".into()),
            ));
            continue;
        }
        for (n, s) in rule.samples.iter().enumerate() {
            let n = n + 1;
            let (head, body) = match s.text.split_once('\n') {
                Some((h, b)) => (h, b),
                None => (s.text.as_str(), ""),
            };
            let Ok(layout) = layouts.detect(head.as_bytes()) else {
                errors.push(err(
                    s.line,
                    format!("rule {}: sample {n} is in no known layout", rule.id),
                    Some("write samples as full log lines in a built-in layout (`rollcall grammars` lists them), e.g. [2024-02-06 10:47:03,491] WARN message (logger), or kafkajs JSON".into()),
                ));
                continue;
            };
            let outcome = layout.with_record(head.as_bytes(), body.as_bytes(), |rec| {
                let (_, message) = split_context(rec.message);
                let m = grammar.classify(rec.logger, rec.level, message, rec.body);
                let caps: Vec<(String, String)> = m
                    .as_ref()
                    .map(|m| {
                        m.captures
                            .iter()
                            .map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v).into_owned()))
                            .collect()
                    })
                    .unwrap_or_default();
                (m.map(|m| (m.rule.id.clone(), m.kind)), caps, closest_help(rule, message))
            });
            let Some((m, captures, help)) = outcome else {
                continue;
            };
            let Some((matched_id, kind)) = m else {
                errors.push(err(s.line, format!("rule {}: sample {n} does not match", rule.id), Some(help)));
                continue;
            };
            if matched_id != rule.id {
                errors.push(err(
                    s.line,
                    format!("rule {}: sample {n} is taken by the earlier rule {matched_id}", rule.id),
                    Some("move the more specific rule first, or make the templates differ".into()),
                ));
                continue;
            }
            for (k, want) in &s.expect {
                let got = if k == "kind" {
                    Some(kind.as_str().to_string())
                } else {
                    captures.iter().find(|(name, _)| name == k).map(|(_, v)| v.clone())
                };
                if got.as_deref() != Some(want.as_str()) {
                    errors.push(err(
                        s.line,
                        format!("rule {}: sample {n}: {k} is {got:?}, expected {want:?}", rule.id),
                        None,
                    ));
                }
            }
        }
    }
    errors
}

/// Says where the closest template stopped matching, for a help line.
fn closest_help(rule: &super::Rule, message: &[u8]) -> String {
    let Some((t, (got, want))) =
        rule.templates.iter().map(|t| (t, t.mismatch(message))).max_by_key(|(_, (got, _))| got.len())
    else {
        return String::new();
    };
    match (got.is_empty(), want.is_empty()) {
        (_, true) => "the literals match; a capture has the wrong shape (node, count and attempts are integers; addr is host:port; brokername is [proto://]host:port/id)".into(),
        (true, false) if t.starts_with_literal() => format!("the message must start with \"{want}\""),
        (true, false) => format!("the template expects \"{want}\" after its first capture"),
        (false, false) => format!("the template expects \"{want}\" after \"{}\"", got.trim_end()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Kind;

    #[test]
    fn every_builtin_rule_has_samples_that_match_it() {
        let g = crate::grammar::load_builtin();
        let errors = check_samples(&g);
        assert!(errors.is_empty(), "{}", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"));
        let samples: usize = g.rules.iter().map(|r| r.samples.len()).sum();
        let templates: usize = g.rules.iter().map(|r| r.templates.len()).sum();
        assert!(samples >= templates, "every template needs a sample: {samples} samples, {templates} templates");
    }

    fn kinds_of(g: &crate::grammar::Grammar, family: &str) -> Vec<Kind> {
        let mut v: Vec<Kind> = g
            .rules
            .iter()
            .filter(|r| r.family == family)
            .flat_map(|r| std::iter::once(r.kind).chain(r.when.iter().filter_map(|w| w.kind)))
            .collect();
        v.sort();
        v.dedup();
        v
    }

    #[test]
    fn java_grammar_covers_the_contract_kinds_the_java_client_logs() {
        let g = crate::grammar::load_builtin();
        let java = kinds_of(&g, "java");
        for k in Kind::ALL {
            if k == Kind::Unknown {
                continue;
            }
            assert!(java.contains(&k), "no Java rule yields {k}");
        }
    }

    /// Issue 5: connection failures, disconnects, all brokers down, request
    /// timeouts, not-leader errors, records lost, coordinator changes and
    /// consumer errors, for every family that logs them.
    #[test]
    fn other_families_cover_the_issue_5_kinds() {
        let g = crate::grammar::load_builtin();
        use Kind::*;
        let want: &[(&str, &[Kind])] = &[
            (
                "librdkafka",
                &[
                    ConnectionFailed,
                    Disconnected,
                    AllBrokersDown,
                    RequestTimeout,
                    NotLeader,
                    RecordsExpired,
                    CoordinatorDiscovered,
                    CoordinatorUnavailable,
                    Rebalance,
                ],
            ),
            (
                "sarama",
                &[ConnectionFailed, Disconnected, AllBrokersDown, NotLeader, RecordsExpired, CoordinatorDiscovered],
            ),
            ("franz-go", &[ConnectionFailed, Disconnected, NotLeader, RecordsExpired, CoordinatorUnavailable]),
        ];
        for (family, kinds) in want {
            let have = kinds_of(&g, family);
            for k in *kinds {
                assert!(have.contains(k), "no {family} rule yields {k}");
            }
        }
    }

    #[test]
    fn a_layout_is_scanned_for_its_families_literals_and_every_user_rule() {
        let mut g = crate::grammar::load_builtin();
        let user = "family = \"site\"\n[[rule]]\nid = \"site.x\"\nkind = \"disconnected\"\nprefilter = \"brand new\"\ntemplates = [{ text = \"a brand new {thing}\" }]\n";
        g.extend(crate::grammar::load_str("site.toml", user).unwrap());
        let java = g.literals_for(&["java".to_string()]);
        let sarama = g.literals_for(&["sarama".to_string()]);
        let has = |v: &[Vec<u8>], l: &str| v.iter().any(|x| x == l.as_bytes());
        assert!(has(&java, "Expiring") && !has(&java, "client/"), "{java:?}");
        assert!(has(&sarama, "client/") && !has(&sarama, "Expiring"));
        assert!(has(&java, "brand new") && has(&sarama, "brand new"), "a user's rule is looked for everywhere");
        assert_eq!(g.literals().len(), g.literals_for(&[]).len());
        assert!(g.literals().len() > java.len());
    }

    #[test]
    fn a_wrong_sample_is_reported_with_help() {
        let src = r#"family = "x"
[[rule]]
id = "x.node_disconnected"
kind = "disconnected"
templates = [{ text = "Node {node} disconnected." }]
[[rule.sample]]
line = "[2024-02-06 10:47:03,491] INFO [Consumer clientId=c, groupId=g] Node 2 went away. (org.apache.kafka.clients.NetworkClient)"
"#;
        let g = crate::grammar::load_str("extra.toml", src).unwrap();
        let e = check_samples(&g);
        assert_eq!(e.len(), 1);
        let text = e[0].to_string();
        assert!(text.starts_with("extra.toml:6: rule x.node_disconnected: sample 1 does not match"), "{text}");
        assert!(text.contains("help: the template expects \" disconnected.\" after \"Node\""), "{text}");
    }
}
