#!/usr/bin/env bash
# Renders assets/screenshot.svg from a real run of `bbkeys --demo` in tmux at 120x40.
# Usage: assets/screenshot.sh [path/to/bbkeys]   (default: target/release/bbkeys)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-target/release/bbkeys}"
home="$(mktemp -d)"
session="bbkeys-shot-$$"
trap 'tmux kill-session -t "$session" 2>/dev/null || true; rm -rf "$home"' EXIT
tmux new-session -d -s "$session" -x 120 -y 40 \
    "env HOME=$home XDG_CONFIG_HOME=$home/c XDG_STATE_HOME=$home/s XDG_CACHE_HOME=$home/k XDG_DATA_HOME=$home/d $bin --demo"
sleep 2
# Into the repositories, down to one with keys, then into its keys.
tmux send-keys -t "$session" 2 j j 3 j
sleep 1
# Every copy of that key selected (s scans the workspace): the marks and the status count.
tmux send-keys -t "$session" s
sleep 1
tmux capture-pane -t "$session" -e -p | python3 assets/ansi2svg.py 120 > assets/screenshot.svg
tmux send-keys -t "$session" q
echo "wrote assets/screenshot.svg"
