#!/usr/bin/env bash
# Measures the wizard in tmux at 80x24: CPU while idle on a screen (clock ticks from
# /proc/PID/stat), and how fast a key (?) is answered during a 1M-row import (polling
# capture-pane every 5 ms). Needs tmux, a release build and /tmp/big1m.csv:
#   cargo build --release --examples
#   ./target/release/examples/gen_contacts --rows 1000000 --seed 7 > /tmp/big1m.csv
#   bash benches/wizard_latency.sh
set -u
R=${ROLODEX:-$(cd "$(dirname "$0")/.." && pwd)/target/release/rolodex}
rm -f /tmp/tui.redb
tmux kill-server 2>/dev/null
tmux new -d -s m -x 80 -y 24 "$R --db /tmp/tui.redb import /tmp/big1m.csv"
wait_for() { local start=$(date +%s%N); while ! tmux capture-pane -pt m | grep -q "$1"; do sleep 0.005; if [ $(( ($(date +%s%N)-start)/1000000 )) -gt 120000 ]; then echo "timeout waiting for $1"; tmux capture-pane -pt m; exit 1; fi; done; echo $(( ($(date +%s%N)-start)/1000000 )); }
cpu_of() { local pid=$1; awk '{print $14+$15}' /proc/$pid/stat; }
wait_for "Detected" >/dev/null
PID=$(pgrep -f "rolodex --db /tmp/tui.redb" | head -1)
HZ=$(getconf CLK_TCK)
c0=$(cpu_of $PID); sleep 10; c1=$(cpu_of $PID)
echo "idle on File screen: $(( (c1-c0) )) ticks in 10 s at $HZ Hz"
tmux send-keys -t m Enter; wait_for "Step 2/9" >/dev/null
tmux send-keys -t m Enter; wait_for "Step 3/9" >/dev/null
tmux send-keys -t m Down Down Down Down Down Down Space Space Space; wait_for "no limit" >/dev/null
tmux send-keys -t m Enter; wait_for "Will create" >/dev/null
c0=$(cpu_of $PID); sleep 10; c1=$(cpu_of $PID)
echo "idle on Review screen: $(( (c1-c0) )) ticks in 10 s"
tmux send-keys -t m Enter; wait_for "Step 5/9" >/dev/null
tmux send-keys -t m Space Enter; wait_for "Step 6/9" >/dev/null
tmux send-keys -t m Enter; wait_for "Step 7/9" >/dev/null
tmux send-keys -t m Enter; wait_for "Importing" >/dev/null
sleep 2
for i in 1 2 3 4 5 6 7 8; do
  tmux send-keys -t m '?'; t=$(wait_for "Keys ·"); 
  tmux send-keys -t m x; wait_for "Time left" >/dev/null
  echo "key answered during import: $t ms"; sleep 0.5
done
wait_for "Import finished" >/dev/null
c0=$(cpu_of $PID); sleep 10; c1=$(cpu_of $PID)
echo "idle on Done screen: $(( (c1-c0) )) ticks in 10 s"
tmux capture-pane -pt m | head -12
tmux kill-server
