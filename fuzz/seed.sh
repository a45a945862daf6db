#!/usr/bin/env bash
# Seeds the fuzz corpora from fixtures/: every fixture log (and a gzip copy
# of one) for the pipeline, their lines for layout and grammar. Each target
# takes a mode byte first (see its doc comment); seeds cover both modes.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/layout corpus/grammar corpus/pipeline
n=0
for f in ../fixtures/*/*.log; do
  n=$((n + 1))
  # Whole logs, mode bytes 0 (plain, default chunking) and 1 (chunk 7).
  { printf '\x00'; head -c 65536 "$f"; } > "corpus/pipeline/fix$n"
  { printf '\x01'; head -c 8192 "$f"; } > "corpus/pipeline/fix$n-c7"
  # Layout: the first lines under the built-ins (mode 0).
  { printf '\x00'; head -n 40 "$f"; } > "corpus/layout/fix$n"
  # Grammar: WARN/ERROR messages as logger \0 message \0 body (mode 4 = WARN).
  grep -m 20 -E ' (WARN|ERROR) ' "$f" | while IFS= read -r line; do
    logger=$(printf '%s' "$line" | sed -n 's/.*(\([^()]*\))$/\1/p')
    msg=$(printf '%s' "$line" | sed -e 's/^\[[^]]*\] [A-Z]* //' -e 's/ ([^()]*)$//')
    h=$(printf '%s' "$line" | cksum | cut -d' ' -f1)
    printf '\x04%s\x00%s\x00' "$logger" "$msg" > "corpus/grammar/fix$h"
  done
done
{ printf '\x00'; head -c 65536 ../fixtures/clean-roll/producer.log | gzip -c; } > corpus/pipeline/gzip
{ printf '\x01'; cat ../grammars/layouts.toml | sed -n 's/^pattern = "\(.*\)"$/\1/p' | head -1; head -n 5 ../fixtures/clean-roll/producer.log; } > corpus/layout/pattern
{ printf '\x01'; cat ../grammars/java.toml; } > corpus/grammar/java-toml
echo "seeded: $(ls corpus/layout | wc -l) layout, $(ls corpus/grammar | wc -l) grammar, $(ls corpus/pipeline | wc -l) pipeline"
