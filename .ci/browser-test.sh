#!/usr/bin/env bash
# Browser test of the HTML report: renders the demo report in a real (headless) Chromium, keeps a
# screenshot for a person to look at (target/report-screenshot.png), and fails if the page is
# blank or a chart is missing. Called by .ci/run; runs as root in CI (installs Debian's chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

# Every chart of the report (crates/crm-report/src/html.rs, CHARTS and TREND_CHARTS): each must be in the DOM.
CHARTS="chart-cohort-retention chart-rfm-grid chart-nps chart-funnel chart-clv-distribution chart-p-alive chart-churn-calibration chart-lifecycle chart-trend-active chart-trend-revenue chart-trend-retention chart-trend-nps"
# Charts the demo must actually draw (an <svg> inside the figure, data-available="true"): all.
REQUIRED="${CRM_BROWSER_REQUIRED:-$CHARTS}"

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
chromium --version
# The demo has Chinese names: without a CJK font they render as boxes in the screenshot (a
# person's own browser has one; a bare CI image does not).
if ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  echo "installing a CJK font (Debian fonts-wqy-zenhei) for the screenshot"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq fonts-wqy-zenhei >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq fonts-wqy-zenhei >/dev/null; }
fi

cargo build --release --quiet -p crm-cli
mkdir -p target/demo
target/release/crm demo --out target/demo --html target/demo/report.html --quiet \
  > target/demo/report.txt

page="file://$PWD/target/demo/report.html"
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync
  --hide-scrollbars)
rm -f target/report-screenshot.png
timeout 120 chromium "${flags[@]}" --user-data-dir="$(mktemp -d)" --window-size=1400,3000 \
  --screenshot="$PWD/target/report-screenshot.png" "$page" >/dev/null 2>&1 || true
timeout 120 chromium "${flags[@]}" --user-data-dir="$(mktemp -d)" --dump-dom "$page" \
  2>/dev/null > target/demo/report-dom.html || true

fail=0
err() { echo "browser test: $*" >&2; fail=1; }

# Not blank: the DOM has the report, and the screenshot exists with real content (a blank
# 1400x3000 page compresses to a few kB; the report is hundreds of kB).
dom=$(tr -d '\n' < target/demo/report-dom.html)
[[ ${#dom} -gt 10000 ]] || err "DOM dump is nearly empty (${#dom} bytes)"
grep -q '<h1>CRM report</h1>' <<<"$dom" || err "page heading missing from the DOM"
if [[ -s target/report-screenshot.png ]]; then
  size=$(stat -c %s target/report-screenshot.png)
  [[ $size -gt 50000 ]] || err "screenshot looks blank ($size bytes)"
else
  err "no screenshot was written"
fi

for id in $CHARTS; do
  fig=$(grep -oP "id=\"$id\".*?</figure>" <<<"$dom" || true)
  if [[ -z $fig ]]; then
    err "chart $id missing from the DOM"
    continue
  fi
  if [[ " $REQUIRED " == *" $id "* ]]; then
    grep -q '<svg' <<<"$fig" || err "chart $id has no <svg>"
    grep -q 'data-available="true"' <<<"$fig" || err "chart $id is not drawn"
  elif grep -q '<svg' <<<"$fig"; then
    echo "chart $id: drawn"
  else
    echo "chart $id: not available panel ($(grep -oP 'Not available: [^<]*' <<<"$fig" || true))"
  fi
done

if [[ $fail -ne 0 ]]; then
  echo "browser test FAILED (see target/report-screenshot.png, target/demo/report-dom.html)" >&2
  exit 1
fi
echo "browser test passed: screenshot in target/report-screenshot.png"
