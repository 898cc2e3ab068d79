#!/bin/sh
# tests/postfix/hog.sh SECONDS -- a periodic CPU hog, to make Postfix's delays= b
# come in phases (docs/validation.md, "The machine's speed, per run"): two busy
# processes for 0.15 s of every 0.5 s, for SECONDS. Not part of the harness or
# of CI; run it beside a few cases, e.g.
#   sh tests/postfix/hog.sh 200 &
#   H9_CASES='^(up-cache|eq3-rand-fixed-cache|refused-cache)$' H9_REPS=3 \
#       bash tests/postfix/run.sh /tmp/h9phase
set -eu
end=$(( $(date +%s) + ${1:?usage: hog.sh SECONDS} ))
while [ "$(date +%s)" -lt "$end" ]; do
    timeout 0.15 sh -c 'while :; do :; done' &
    timeout 0.15 sh -c 'while :; do :; done' &
    wait
    sleep 0.35
done
