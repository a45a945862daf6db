#!/usr/bin/env bash
# Times the release binary against grep and rg on generated logs, side by
# side in one run, and prints the ratios with peak RSS. A benchmark, not a
# test: numbers depend on the machine. Results go in docs/performance.md.
#
#   benches/compare.sh                 # 1 GB and 4 GB, median of 5 runs
#   SIZES="200M" RUNS=3 benches/compare.sh
#   ROLLS=20 benches/compare.sh        # the quiet log: 20 rolls, not 100
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-5}
SIZES=${SIZES:-"1G 4G"}
# The second log of each size: the cluster rolled this many times, then
# only the service's own lines. Memory that grows with what happened
# (windows, kept events) stays the same on it at every size.
ROLLS=${ROLLS:-100}
NEEDLE=NOT_LEADER_OR_FOLLOWER

cargo build --release --bins >&2
BIN=$PWD/target/release/rollcall
GEN=$PWD/target/release/rollcall-gen

if ! command -v rg >/dev/null 2>&1; then
  echo "installing ripgrep" >&2
  (apt-get install -y ripgrep >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y ripgrep >/dev/null 2>&1; }) \
    || cargo install ripgrep >&2
fi
for tool in /usr/bin/time gzip zstd; do
  command -v "$tool" >/dev/null 2>&1 || { echo "needs $tool (apt-get install time zstd)" >&2; exit 2; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The same job for grep and rg: the literals rollcall's one scan looks for
# in this layout (rule literals and level markers). `rg -c NEEDLE` is one
# rare literal; these find the lines rollcall parses.
LITS=$tmp/literals
"$BIN" grammars --prefilter kafka-log4j >"$LITS" 2>/dev/null

# once CMD [FILE]: reads FILE back into the page cache, then runs CMD (a
# shell string) once; prints "seconds max_rss_kb". Output goes to a file,
# never /dev/null: GNU grep stops at the first match when its output is
# /dev/null. The read is not timed: the targets are "from page cache", and
# a reclaimer can evict a file's pages between two runs (issue 4, session
# 11: on our Firecracker host DAMON pages out 130-160 MB of a cached 1 GB
# log within a minute, and the run after it takes up to twice as long).
# The seconds are the wall clock's, to the millisecond: `time`'s own `%e`
# has 10 ms steps, a quarter of `rg -c` on 1 GB read back by readahead
# (0.04 s), and a threads ratio of 0.15 / 0.24 s could be 0.59 or 0.65.
once() {
  local t0 t1
  [ -z "${2:-}" ] || cat "$2" >/dev/null
  t0=$(date +%s%N)
  /usr/bin/time -f "%M" -o "$tmp/t" sh -c "$1" >"$tmp/out" 2>/dev/null || true
  t1=$(date +%s%N)
  echo "$(awk -v n=$((t1 - t0)) 'BEGIN { printf "%.3f", n / 1e9 }') $(tail -n 1 "$tmp/t")"
}

# reclaimer: names a DAMON scheme that pages out cold memory, if one is on
# (`/sys/kernel/mm/damon`); the page cache then does not stay put.
reclaimer() {
  local k
  for k in /sys/kernel/mm/damon/admin/kdamonds/*; do
    [ "$(cat "$k/state" 2>/dev/null)" = on ] || continue
    grep -qx pageout "$k"/contexts/*/schemes/*/action 2>/dev/null && echo "DAMON pageout (${k##*/kdamonds/})"
  done
  return 0
}

# first_event_ms LOG: writes LOG's lines up to its first warning into a
# pipe that then stays open and quiet for 3 s, and prints how many ms after
# the start the first event came out of `rollcall --format events`.
first_event_ms() {
  local n start
  n=$(grep -n -m1 ' WARN ' "$1" | cut -d: -f1)
  start=$(date +%s%N)
  { head -n "$n" "$1"; sleep 3; } | "$BIN" --format events 2>/dev/null | {
    IFS= read -r _ && echo $((($(date +%s%N) - start) / 1000000))
    cat >/dev/null
  }
}

# busy_others: other processes using more than a fifth of a core right
# now (top's second sample). Two cores shared with a compiler skew every
# ratio (issue 4, session 9: a helper's rustc on one core put all of
# rollcall's threads on the other), so the report says so.
busy_others() {
  command -v top >/dev/null 2>&1 || return 0
  top -b -n 2 -d 1 -w 200 2>/dev/null |
    awk -v me="$$" '/^top -/ { n++ } n == 2 && $1 ~ /^[0-9]+$/ && $1 != me && $9 + 0 > 20 { printf "%s%s %s%%", sep, $12, $9; sep = ", " }'
}

# warn_busy LIST WHEN: says what busy_others found.
warn_busy() {
  [ -z "$1" ] || echo "warning: other processes were busy $2 ($1): these ratios are skewed; run again on an idle machine"
}

# cpu_ticks: "steal total" from /proc/stat's cpu line (0 0 where there is
# none). Steal is time the hypervisor gave our vCPUs to someone else: a
# two-thread run waits for its slower thread, so steal skews the threads
# ratio most (issue 4, session 11: 16 % in one second of a slow 4 GB run;
# runs with none gave the same ratio at 1 GB and 4 GB).
cpu_ticks() {
  awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print $9 + 0, t; f = 1 } END { if (!f) print 0, 0 }' /proc/stat 2>/dev/null || echo 0 0
}

# warn_steal BEFORE AFTER: says how much of the CPUs' time the hypervisor
# took between two cpu_ticks readings, if any of it.
warn_steal() {
  awk -v a="$1" -v b="$2" 'BEGIN {
    split(a, x, " "); split(b, y, " "); s = y[1] - x[1]; t = y[2] - x[2]
    if (t > 0 && s * 100 / t >= 1) printf "warning: the hypervisor took %.0f%% of the CPUs during the runs (steal): the threads ratio is skewed most\n", s * 100 / t
  }'
}

# rolls_rss_mb SIZE: peak RSS in MB of `cat LOG | rollcall` on a log of
# SIZE with ROLLS rolls (one run: memory does not vary between runs).
rolls_rss_mb() {
  local log="$tmp/rolls-$1.log" m
  "$GEN" bulk --bytes "$1" --seed 1 --rolls "$ROLLS" >"$log"
  read -r _ m < <(once "cat $log | $BIN --format json")
  rm -f "$log"
  echo $((m / 1024))
}

# drop_cached FILE: drops FILE's pages from the page cache (coreutils'
# documented `dd` idiom; a no-op where it cannot).
drop_cached() {
  dd of="$1" oflag=nocache conv=notrunc,fdatasync count=0 2>/dev/null || true
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

printf '%-6s %-44s %9s %10s\n' size command seconds peak_MB
for size in $SIZES; do
  log="$tmp/bulk-$size.log"
  "$GEN" bulk --bytes "$size" --seed 1 >"$log"
  gzip -1 -c "$log" >"$log.gz"
  zstd -q -1 -c "$log" >"$log.zst"
  # Out of the page cache, so that every command's read-back (`once`)
  # fills it by readahead, as when an archived log is read from disk. A
  # file just written is cached in smaller pieces: `rg -c` took 0.06-0.08 s
  # per GB on it against 0.04 s read back, 5,000 page faults per GB
  # against 900, and reclaim turns the one state into the other while the
  # rounds run (issue 4, session 14).
  for f in "$log" "$log.gz" "$log.zst"; do drop_cached "$f"; done

  # Every command once per round, RUNS rounds: on a shared machine the
  # two sides of a ratio then see the same slow and fast moments (run one
  # after the other, a ratio once moved from 1.5 to 2.2 between two runs).
  keys=("rollcall --format json" "rollcall --format json --threads 1" "grep -c -F $NEEDLE" "rg -c $NEEDLE"
    "cat | rollcall" "cat | rg -c $NEEDLE" "rollcall file.gz" "zcat file.gz > /dev/null" "rollcall file.zst"
    "zstd -dc file.zst > /dev/null" "rg -c -F -f literals" "grep -c -F -f literals")
  cmds=("$BIN --format json $log" "$BIN --format json --threads 1 $log" "grep -c -F $NEEDLE $log" "rg -c $NEEDLE $log"
    "cat $log | $BIN --format json" "cat $log | rg -c $NEEDLE" "$BIN --format json $log.gz" "zcat $log.gz > /dev/null"
    "$BIN --format json $log.zst" "zstd -dc $log.zst > /dev/null" "rg -c -F -f $LITS $log" "grep -c -F -f $LITS $log")
  # The file each command reads, read back before it runs (`once`).
  files=("$log" "$log" "$log" "$log" "$log" "$log" "$log.gz" "$log.gz" "$log.zst" "$log.zst" "$log" "$log")
  for ((k = 0; k < ${#keys[@]}; k++)); do : >"$tmp/times.$k"; done
  before=$(busy_others)
  ticks=$(cpu_ticks)
  for ((i = 0; i < RUNS; i++)); do
    for ((k = 0; k < ${#keys[@]}; k++)); do once "${cmds[$k]}" "${files[$k]}" >>"$tmp/times.$k"; done
  done
  ticks_after=$(cpu_ticks)
  declare -A T M
  for ((k = 0; k < ${#keys[@]}; k++)); do
    read -r t m < <(sort -n "$tmp/times.$k" | awk -v n="$RUNS" '{t[NR]=$1; if ($2>m) m=$2} END {print t[int((n+1)/2)], m}')
    T["${keys[$k]}"]=$t
    M["${keys[$k]}"]=$m
    printf '%-6s %-44s %9s %10s\n' "$size" "${keys[$k]}" "$t" "$((m / 1024))"
  done

  echo
  echo "ratios at $size (target in brackets):"
  echo "  rollcall / rg -c                   $(ratio "${T[rollcall --format json]}" "${T[rg -c $NEEDLE]}")   [<= 1.0]"
  echo "  rollcall / grep -c                 $(ratio "${T[rollcall --format json]}" "${T[grep -c -F $NEEDLE]}")"
  echo "  rollcall / rg -c -F -f literals    $(ratio "${T[rollcall --format json]}" "${T[rg -c -F -f literals]}")   (the same scan)"
  echo "  rollcall / grep -c -F -f literals  $(ratio "${T[rollcall --format json]}" "${T[grep -c -F -f literals]}")"
  echo "  threads 2 / threads 1              $(ratio "${T[rollcall --format json]}" "${T[rollcall --format json --threads 1]}")   [<= 0.6]"
  echo "  cat|rollcall / cat|rg              $(ratio "${T[cat | rollcall]}" "${T[cat | rg -c $NEEDLE]}")   [<= 1.3]"
  echo "  stream peak RSS MB                 $((M[cat | rollcall] / 1024))   [< 64, same at 1G and 4G]"
  printf '  %-35s%s   (same at every size: what is kept grows with the rolls, not the bytes)\n' \
    "the same, $ROLLS rolls then quiet" "$(rolls_rss_mb "$size")"
  echo "  gz / zcat                          $(ratio "${T[rollcall file.gz]}" "${T[zcat file.gz > /dev/null]}")   [<= 1.2]"
  echo "  zst / zstd -dc                     $(ratio "${T[rollcall file.zst]}" "${T[zstd -dc file.zst > /dev/null]}")   [<= 1.2]"
  echo "  first event on a quiet pipe        $(first_event_ms "$log") ms   [<= 1000]"
  warn_busy "$before" "before the runs"
  warn_busy "$(busy_others)" "after the runs"
  warn_steal "$ticks" "$ticks_after"
  r=$(reclaimer)
  [ -z "$r" ] || echo "note: $r evicts cold page cache on this machine; each command's file was read back just before it ran"
  echo
  rm -f "$log" "$log.gz" "$log.zst"
  unset T M
done
