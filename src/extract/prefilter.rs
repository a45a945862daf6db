//! The prefilter: one multi-literal scan per chunk.
//!
//! Every grammar rule contributes its literals, and the level markers of
//! WARN/ERROR lines are added so that unknown warnings from Kafka loggers are
//! still seen. One Aho-Corasick automaton (SIMD-accelerated for small
//! literal sets) finds candidate positions; the lines around them are the
//! only ones ever parsed.

use aho_corasick::{AhoCorasick, Input, MatchKind};

/// Level words that make a line a candidate even when no rule literal is in
/// it: an unknown WARN/ERROR from a Kafka client must never be dropped.
/// Layouts that spell levels otherwise add their own (`markers` in
/// `grammars/layouts.toml`: librdkafka's `%3|`, .NET's `fail: `).
pub const LEVEL_MARKERS: &[&[u8]] = &[b"WARN", b"ERROR", b"FATAL"];

#[derive(Clone, Debug)]
pub struct Prefilter {
    ac: AhoCorasick,
    literals: usize,
}

impl Prefilter {
    pub fn new(rule_literals: &[Vec<u8>]) -> Prefilter {
        Prefilter::with_markers(rule_literals, &[])
    }

    /// With a layout's own level markers besides `LEVEL_MARKERS`.
    pub fn with_markers(rule_literals: &[Vec<u8>], markers: &[Vec<u8>]) -> Prefilter {
        let mut lits: Vec<&[u8]> = rule_literals.iter().chain(markers).map(Vec::as_slice).collect();
        lits.extend_from_slice(LEVEL_MARKERS);
        // A literal that contains a shorter one adds nothing: the shorter
        // one already finds every line the longer one would.
        let all = lits.clone();
        lits.retain(|l| !all.iter().any(|o| o.len() < l.len() && memchr::memmem::find(l, o).is_some()));
        lits.sort();
        lits.dedup();
        // Measured: letting aho-corasick pick its engine (Teddy with an NFA
        // behind it) beats forcing a DFA, 3.3 vs 2.2 GB/s at 31 literals.
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&lits)
            .expect("literal sets of this size always build");
        Prefilter { ac, literals: lits.len() }
    }

    pub fn len(&self) -> usize {
        self.literals
    }

    pub fn is_empty(&self) -> bool {
        self.literals == 0
    }

    /// The first candidate position at or after `from`.
    #[inline]
    pub fn next(&self, hay: &[u8], from: usize) -> Option<usize> {
        self.ac.find(Input::new(hay).span(from..hay.len())).map(|m| m.start())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_rule_literals_and_levels() {
        let p = Prefilter::new(&[b"could not be established".to_vec(), b"disconnected".to_vec()]);
        let hay = b"INFO ok\nINFO Node 1 disconnected.\nWARN x\nplain\n";
        let a = p.next(hay, 0).unwrap();
        assert_eq!(&hay[a..a + 12], b"disconnected");
        let b = p.next(hay, a + 1).unwrap();
        assert_eq!(&hay[b..b + 4], b"WARN");
        assert_eq!(p.next(hay, b + 1), None);
    }

    #[test]
    fn redundant_literals_are_dropped() {
        let p = Prefilter::new(&[b"WARN something".to_vec(), b"ERROR".to_vec()]);
        assert_eq!(p.len(), LEVEL_MARKERS.len());
    }
}
