#!/bin/sh
# Renders the HTML report of a fixture (or any rollcall inputs) in headless
# Chromium and takes a screenshot, to look at the timeline as a reader will.
#
#   docs/render-html.sh fixtures/two-brokers-out/ [out.png] [extra rollcall args...]
#
# Needs Debian's chromium (`apt-get install -y chromium`) and a built
# rollcall (target/release or target/debug, or ROLLCALL=/path/to/rollcall).
# Chromium runs with no network features and a throw-away profile.
set -eu
input=${1:?usage: docs/render-html.sh INPUT [out.png] [rollcall args...]}
png=${2:-rollcall-timeline.png}
shift; [ $# -gt 0 ] && shift
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${ROLLCALL:-}
if [ -z "$bin" ]; then
    # The newer of the release and debug builds.
    bin=$(ls -t "$here/target/release/rollcall" "$here/target/debug/rollcall" 2>/dev/null | head -n 1)
fi
[ -n "$bin" ] || { echo "render-html: build rollcall first (cargo build --release)" >&2; exit 2; }
chrome=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$chrome" ] || { echo "render-html: no chromium (apt-get install -y chromium)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# rollcall exits 1 when it flags an anomaly: the page is still written.
"$bin" --format html --out "$tmp/report.html" "$@" "$input" || [ $? -eq 1 ]
"$chrome" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$tmp/profile" \
    --screenshot="$tmp/shot.png" --window-size=1400,900 "file://$tmp/report.html" 2>/dev/null
mv "$tmp/shot.png" "$png"
echo "$png"
