#!/usr/bin/env bash
# rolodex against the Python pipeline an admin would write instead (csv + phonenumbers +
# sqlite, 10k-row commits: benches/py_import.py), on the same generated file, in the same
# minutes: three interleaved rounds, medians, and the ratio.
#   bash benches/vs_python.sh [ROWS]          # ROWS defaults to 1000000
# Environment: ROLODEX_BIN (default: target/release/rolodex, built here), PY_IMPORT (the
# Python pipeline), VENV (where phonenumbers is installed, default target/bench-venv),
# FILE (the CSV; generated with examples/gen_contacts --seed 7 when missing).
set -eu
cd "$(dirname "$0")/.."
rows=${1:-1000000}
py_import=${PY_IMPORT:-benches/py_import.py}
venv=${VENV:-target/bench-venv}
file=${FILE:-/tmp/vs_python_${rows}.csv}
[ -f "$py_import" ] || { echo "vs_python: no Python pipeline at $py_import (set PY_IMPORT)" >&2; exit 2; }

if [ -z "${ROLODEX_BIN:-}" ]; then
  cargo build --release --locked --bin rolodex --example gen_contacts >&2
  ROLODEX_BIN=target/release/rolodex
fi
if [ ! -f "$file" ]; then
  [ -x target/release/examples/gen_contacts ] || cargo build --release --locked --example gen_contacts >&2
  target/release/examples/gen_contacts --rows "$rows" --seed 7 > "$file"
fi
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet phonenumbers >&2
fi
echo "file: $file ($(stat -c %s "$file") bytes, $rows rows); phonenumbers $("$venv/bin/python" -c 'import phonenumbers; print(phonenumbers.__version__)')"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ours=() theirs=()
for round in 1 2 3; do
  rm -f "$work/r.redb" "$work/py.sqlite"
  s=$( { /usr/bin/time -f "%e %M" "$ROLODEX_BIN" --db "$work/r.redb" import "$file" --yes \
      --consent-confirmed --consent-column none --max-failures none --json > /dev/null; } 2>&1 | tail -1)
  ours+=("${s% *}")
  echo "round $round rolodex: ${s% *} s wall, ${s#* } KB peak"
  s=$( { /usr/bin/time -f "%e %M" "$venv/bin/python" "$py_import" "$file" "$work/py.sqlite" \
      --batch 10000 > "$work/py.out"; } 2>&1 | tail -1)
  theirs+=("${s% *}")
  echo "round $round python:  ${s% *} s wall, ${s#* } KB peak ($(cat "$work/py.out"))"
done
median() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
a=$(median "${ours[@]}") b=$(median "${theirs[@]}")
echo "median rolodex $a s, python $b s: rolodex is $(python3 -c "print(f'{$b / $a:.1f}')")x faster"
