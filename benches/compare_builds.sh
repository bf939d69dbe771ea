#!/usr/bin/env bash
# Interleaved end-to-end runs of two builds on the same file, so a noisy machine slows
# both alike: three rounds of (import, dry run) for each, with wall time, user CPU, peak
# RSS and the store's size.
#   bash benches/compare_builds.sh OLD_BINARY NEW_BINARY [FILE]
# FILE defaults to /tmp/big1m.csv (examples/gen_contacts --rows 1000000 --seed 7).
set -eu
old=$1 new=$2 file=${3:-/tmp/big1m.csv}
db=$(mktemp -d)/compare.redb
for round in 1 2 3; do
  for which in old new; do
    bin=$old; [ "$which" = new ] && bin=$new
    rm -f "$db"
    t=$( { /usr/bin/time -f "%e s wall, %U s user, %M KB" "$bin" --db "$db" import "$file" \
        --yes --consent-confirmed --max-failures 100000000 --json > /dev/null; } 2>&1 | tail -1)
    echo "round $round import  $which: $t, store $(stat -c %s "$db") bytes"
  done
done
for round in 1 2 3; do
  for which in old new; do
    bin=$old; [ "$which" = new ] && bin=$new
    t=$( { /usr/bin/time -f "%e s wall, %U s user, %M KB" "$bin" import "$file" \
        --dry-run --json > /dev/null; } 2>&1 | tail -1)
    echo "round $round dry run $which: $t"
  done
done
rm -f "$db"
