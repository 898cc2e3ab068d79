#!/usr/bin/env bash
# analysis/bench/run.sh -- mxsim against the SimPy peer, same model, same machine, same run.
#
#   bash analysis/bench/run.sh     # 1.5 to 4 min on a 2-core VM, by load; prints markdown
#
# What it does (docs/performance.md explains the numbers):
#   0. builds the release binary (RelWithDebInfo: -O2 -g, asserts on, no sanitizers) in
#      $BUILD (see "What is measured") if missing or out of date;
#   1. K = 5 alternating repetitions of (a) mxsim on peer-mm4.ini (1e5 messages) and
#      (b) simpy_mx.py -n 1e5 --lam 9.6 --cap 4 --randomize on; repetition k uses seed k
#      for both, so the 5 runs also give 5 independent estimates for the cross-check;
#   2. the same at 1e6 messages (long enough for mxsim's loop to be timed well: ~1 s);
#   3. mxsim once at 1e7 (messages/s and memory at scale); peak RSS of every run via
#      /usr/bin/time (the peer's grows with n: it keeps every delay in a list);
#   4. the cross-check: mean delay of mxsim (20 replications x 1e6 messages, 95 % CI),
#      of the peer (the 5 seeds at 1e6, and at 1e5), and of Erlang C (Wq + 1/mu);
#   5. (part "ref", issue 10) the reference failover scenario failover-ref.ini at three
#      sizes of in-flight work, S, M, L (tens, ~1e3, ~1e5 pending events): the mean
#      pending-event count of each (mxsim-pendprobe), then K alternating repetitions of
#      mxsim, the bare hold loop on sim/evq.c at that pending count (mxsim-holdbench:
#      pop + exponential + push, and replace-top) and (the first KP of them) the SimPy
#      peer on the same model (--resource light); ratios of the medians and per triple;
#   6. (part "mem", issue 10) peak RSS (/usr/bin/time -v) of mem-fast.ini at 1e6 and
#      1e8 messages (traces off), and of 100,000 sender instances.
#
# Timing: mxsim's `wall_seconds` (summary.csv) times one replication (run set-up, event
# loop, end-of-run checks, teardown) and the peer's `wall=` times sim.simulate(): both leave
# out start-up (reading the scenario; Python's imports) and output, so they are compared.
# The process wall times (/usr/bin/time, start-up and output included) are reported too.
# The timed mxsim runs do not use --reproducible, which writes 0 as wall_seconds, and set
# warmup = 0 so `messages` counts every arrival, as the peer's n does (warmup changes only
# which messages are counted, not the work done).
#
# What is measured: by default the committed HEAD, exported with `git archive` to
# /tmp/mxsim-src-SHA and built in /tmp/benchbuild-SHA, so that edits in progress in the
# work tree (which may not even build) do not change or break the measurement. REV=SHA
# measures another commit; REV=worktree builds the work tree as it is, in /tmp/benchbuild.
#
# Environment: REV (HEAD), BUILD (build dir), OUT (results dir, default /tmp/mxsim-bench),
# K (5), PYTHON (/usr/bin/python3), PEER (/work/shared/peers/simpy_mx.py),
# PARTS ("mm4 ref mem": which parts; mm4 = steps 1 to 4), KP (3: peer runs per size in
# part ref), HOLD_OPS (5000000: timed holds per holdbench run). mxsim-holdbench and
# mxsim-pendprobe are built in $BUILD/analysis/bench/ (REV must be a commit whose
# top-level CMakeLists.txt includes analysis/bench).
# Time: part mm4 1.5 to 4 min, ref 3 to 6 min, mem 1 to 3 min on the 2-core VM.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
REV=${REV:-HEAD}
if [ "$REV" = worktree ]; then
    SRC=$ROOT; BUILD=${BUILD:-/tmp/benchbuild}
    WHAT="work tree at $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet \
        HEAD -- sim CMakeLists.txt || echo ' + uncommitted sim/ changes')"
else
    SHA=$(git -C "$ROOT" rev-parse --short=12 "$REV^{commit}")
    SRC=/tmp/mxsim-src-$SHA; BUILD=${BUILD:-/tmp/benchbuild-$SHA}
    WHAT="commit $SHA"
    if [ ! -f "$SRC/CMakeLists.txt" ]; then   # read-only on the repository
        mkdir -p "$SRC.tmp.$$" && git -C "$ROOT" archive "$SHA" | tar -x -C "$SRC.tmp.$$"
        mv "$SRC.tmp.$$" "$SRC"
    fi
fi
OUT=${OUT:-/tmp/mxsim-bench}
K=${K:-5}
PYTHON=${PYTHON:-/usr/bin/python3}
PEER=${PEER:-/work/shared/peers/simpy_mx.py}
SCEN=$HERE/peer-mm4.ini
MXSIM=$BUILD/mxsim
TIME=/usr/bin/time

# The peer's parameters, and mxsim's run lengths for them (n / lam seconds).
LAM=9.6; CAP=4; SERVICE=1.0
PEER_ARGS=(--lam "$LAM" --cap "$CAP" --service "$SERVICE" --randomize on)
DUR_1E5=10416.667s     # 1e5 / 9.6
DUR_1E6=104166.667s    # 1e6 / 9.6
DUR_1E7=1041666.667s   # 1e7 / 9.6

die() { echo "run.sh: $*" >&2; exit 1; }
[ -x $TIME ] || die "$TIME not found (apt-get install time)"
[ -x "$PYTHON" ] || die "$PYTHON not found"
"$PYTHON" -c 'import SimPy.Simulation' 2>/dev/null || die "python3-simpy missing for $PYTHON"
[ -f "$PEER" ] || die "peer $PEER not found"

# --- 0. build ---------------------------------------------------------------------------
if [ -f "$BUILD/CMakeCache.txt" ] && grep -q '^MXSIM_CI:BOOL=ON' "$BUILD/CMakeCache.txt"; then
    die "$BUILD is a sanitizer (MXSIM_CI) build; use another BUILD dir"
fi
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
make -C "$BUILD" mxsim -j2 >/dev/null    # a no-op when up to date
mkdir -p "$OUT"
PARTS=${PARTS:-mm4 ref mem}
want() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
# The bench's own programs (analysis/bench/CMakeLists.txt, part of the top-level build).
if want ref; then
    make -C "$BUILD" mxsim-holdbench mxsim-pendprobe -j2 >/dev/null
fi

# --- helpers ----------------------------------------------------------------------------
# col FILE NAME: column NAME of the last row of a CSV with a header line
col() { awk -F, -v k="$2" 'NR==1{for(i=1;i<=NF;i++) if($i==k) c=i; next} END{print $c}' "$1"; }
# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END{print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# process wall s / peak RSS KiB from a /usr/bin/time -f "%e %M" file (last line)
twall() { tail -1 "$1" | awk '{print $1}'; }
trss()  { tail -1 "$1" | awk '{print $2}'; }

# run_mx TAG SEED DURATION [extra args]: one mxsim run; leaves $OUT/TAG/ and $OUT/TAG.time
run_mx() {
    local tag=$1 seed=$2 dur=$3; shift 3
    $TIME -f "%e %M" -o "$OUT/$tag.time" "$MXSIM" run "$SCEN" -o "$OUT/$tag" --seed "$seed" \
        --set simulation.duration="$dur" "$@" >/dev/null
}
# run_peer TAG SEED N: one peer run; leaves $OUT/TAG.txt and $OUT/TAG.time
run_peer() {
    $TIME -f "%e %M" -o "$OUT/$1.time" "$PYTHON" "$PEER" -n "$3" "${PEER_ARGS[@]}" \
        --seed "$2" >"$OUT/$1.txt"
}
# peer_field FILE KEY: the number after "KEY=" in the peer's output (first match)
peer_field() { grep -o "$2=[0-9.e+-]*" "$1" | head -1 | cut -d= -f2; }

# mx_rows TAG...: per-run figures of mxsim runs, one line each:
#   loop_wall msgs/s events/s process_wall rss_kib messages events
mx_rows() {
    local t d w
    for t in "$@"; do
        d=$OUT/$t/summary.csv
        w=$(col "$d" wall_seconds)
        awk -v w="$w" -v n="$(col "$d" messages)" -v e="$(col "$d" events)" \
            -v p="$(twall "$OUT/$t.time")" -v r="$(trss "$OUT/$t.time")" \
            'BEGIN{print w, n/w, e/w, p, r, n, e}'
    done
}
# peer_rows TAG...: the same for peer runs (its own wall=, messages/s=, events/s=)
peer_rows() {
    local t f
    for t in "$@"; do
        f=$OUT/$t.txt
        echo "$(peer_field "$f" wall) $(peer_field "$f" messages/s) $(peer_field "$f" events/s)" \
             "$(twall "$OUT/$t.time") $(trss "$OUT/$t.time")"
    done
}
tags() { local k; for k in $(seq 1 "$K"); do printf '%s-%s ' "$1" "$k"; done; }
med() { awk -v c="$2" '{print $c}' "$1" | median; }
lo()  { awk -v c="$2" '{print $c}' "$1" | sort -g | head -1; }
hi()  { awk -v c="$2" '{print $c}' "$1" | sort -g | tail -1; }
fmt() { awk -v x="$1" 'BEGIN{ if (x >= 1e4) printf "%.3g", x; else printf "%.3f", x }'; }
# shellcheck source=/dev/null
OS=$(. /etc/os-release; echo "$PRETTY_NAME")

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
if want mm4; then

# --- 1, 2. alternating repetitions at 1e5 and 1e6 ---------------------------------------
for size in 1e5 1e6; do
    dur=$DUR_1E5; [ $size = 1e6 ] && dur=$DUR_1E6
    echo "run.sh: $K alternating repetitions of mxsim and the peer at $size messages ..." >&2
    for k in $(seq 1 "$K"); do
        run_mx "mx$size-$k" "$k" "$dur" --set simulation.warmup=0
        run_peer "peer$size-$k" "$k" "$size"
    done
    # shellcheck disable=SC2046
    mx_rows $(tags "mx$size") >"$OUT/mx$size.rows"
    # shellcheck disable=SC2046
    peer_rows $(tags "peer$size") >"$OUT/peer$size.rows"
done

# --- 3. mxsim at 1e7, once: messages/s and RSS at scale ---------------------------------
echo "run.sh: mxsim at 1e7 messages ..." >&2
run_mx mx1e7 1 $DUR_1E7 --set simulation.warmup=0
mx_rows mx1e7 >"$OUT/mx1e7.rows"

# --- 4. cross-check run -----------------------------------------------------------------
echo "run.sh: cross-check, mxsim 20 replications x 1e6 messages ..." >&2
run_mx xcheck 1 $DUR_1E6 --replications 20 --reproducible

# --- speed table ------------------------------------------------------------------------
row() { # label rowsfile
    printf '| %s | %s | %s (%s to %s) | %s | %s | %s |\n' "$1" "$(fmt "$(med "$2" 1)")" \
        "$(fmt "$(med "$2" 2)")" "$(fmt "$(lo "$2" 2)")" "$(fmt "$(hi "$2" 2)")" \
        "$(fmt "$(med "$2" 3)")" "$(fmt "$(med "$2" 4)")" "$(hi "$2" 5)"
}

echo
echo "## mxsim vs the SimPy peer: 3 x M/M/4, lam 9.6/s, mu 1/s"
echo
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')," \
     "$(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)," \
     "$OS, kernel $(uname -r);" \
     "mxsim $WHAT; $(date -u +%Y-%m-%dT%H:%MZ). Medians of $K alternating runs" \
     "(seeds 1 to $K); messages/s also as (min to max). Load average before: $LOAD0;" \
     "after: $(cut -d' ' -f1-3 /proc/loadavg) (other jobs on the machine add to it)."
echo
echo "| run | loop wall s | messages/s | events/s | process wall s | peak RSS KiB (max) |"
echo "|---|---|---|---|---|---|"
row "mxsim, 1e5 msgs" "$OUT/mx1e5.rows"
row "SimPy peer, 1e5 msgs" "$OUT/peer1e5.rows"
row "mxsim, 1e6 msgs" "$OUT/mx1e6.rows"
row "SimPy peer, 1e6 msgs" "$OUT/peer1e6.rows"
row "mxsim, 1e7 msgs (1 run)" "$OUT/mx1e7.rows"
echo
for size in 1e5 1e6; do
    awk -v a="$(med "$OUT/mx$size.rows" 2)" -v b="$(med "$OUT/peer$size.rows" 2)" \
        -v c="$(med "$OUT/mx$size.rows" 3)" -v d="$(med "$OUT/peer$size.rows" 3)" \
        -v e="$(med "$OUT/mx$size.rows" 4)" -v f="$(med "$OUT/peer$size.rows" 4)" \
        -v s="$size" 'BEGIN{
        printf "- %s messages: mxsim / peer, messages/s (loop wall): **%.1f x**;" \
               " process wall time (start-up and output included): %.1f x;" \
               " events/s: %.1f x;", s, a / b, f / e, c / d }'
    # the ratio within each alternating pair (run k of both), whose conditions are closest
    paste -d' ' "$OUT/mx$size.rows" "$OUT/peer$size.rows" | awk '{print $2 / $9}' | median \
        | awk -v k="$K" '{printf " median of the %s pairs\047 ratios: %.1f x\n", k, $1}'
done
awk -v m="$(med "$OUT/mx1e6.rows" 6)" -v e="$(med "$OUT/mx1e6.rows" 7)" 'BEGIN{
    printf "- events are counted differently: mxsim %.2f per message (handlers run, stale" \
           " greeting timers included), the peer 4.00 (its docstring'"'"'s count)\n", e / m }'
echo "- per-run figures: $OUT/{mx,peer}1e{5,6}.rows, mx1e7.rows" \
     "(loop_wall msgs/s events/s process_wall rss_kib [messages events])"

# --- cross-check table ------------------------------------------------------------------
P=$OUT/xcheck/points.csv
MXD=$(col "$P" delay_mean_mean); MXCI=$(col "$P" delay_mean_ci95)
MXN=$(col "$P" replications)
# Erlang C, computed here (not copied from the peer): each host gets lam/3.
read -r EC_WQ EC_D EC_PW <<<"$(awk -v lam="$LAM" -v s="$SERVICE" -v c="$CAP" 'BEGIN{
    l = lam / 3; mu = 1 / s; a = l / mu; term = 1; sum = 0
    for (k = 0; k < c; k++) { sum += term; term *= a / (k + 1) }
    pc = term / (1 - a / c); wq = pc / (sum + pc) / (c * mu - l)
    printf "%.4f %.4f %.4f", wq, wq + 1 / mu, pc / (sum + pc) }')"
# mean and 95 % t half-width (t_{0.975,n-1}, n <= 10) of the numbers in a file
tci() { awk '{x[NR]=$1; s+=$1} END{m=s/NR; for(i=1;i<=NR;i++) v+=(x[i]-m)^2;
    split("12.706 4.303 3.182 2.776 2.571 2.447 2.365 2.306 2.262", t, " ");
    h = (NR>1 && NR<=10) ? t[NR-1]*sqrt(v/(NR-1)/NR) : 0; printf "%.4f %.4f", m, h}' "$1"; }
for size in 1e5 1e6; do
    for k in $(seq 1 "$K"); do
        grep -o 'delay (arrival->delivered): mean=[0-9.]*' "$OUT/peer$size-$k.txt" | cut -d= -f2
    done >"$OUT/peer$size.delay"
    for k in $(seq 1 "$K"); do
        grep -o 'wait (queue): mean=[0-9.]*' "$OUT/peer$size-$k.txt" | cut -d= -f2
    done >"$OUT/peer$size.wait"
done
read -r PD5 PD5CI <<<"$(tci "$OUT/peer1e5.delay")"
read -r PW5 PW5CI <<<"$(tci "$OUT/peer1e5.wait")"
read -r PD6 PD6CI <<<"$(tci "$OUT/peer1e6.delay")"
read -r PW6 PW6CI <<<"$(tci "$OUT/peer1e6.wait")"

echo
echo "## Cross-check: mean delay (arrival to end of session) = Wq + 1/mu"
echo
echo "| source | mean delay s | 95 % half-width | mean wait Wq s |"
echo "|---|---|---|---|"
printf '| Erlang C, M/M/4, lam 3.2/s, mu 1/s (P(wait) = %s) | %s | exact | %s |\n' \
    "$EC_PW" "$EC_D" "$EC_WQ"
printf '| mxsim, %s replications x 1e6 msgs (warmup 104 s) | %.4f | %.4f | %.4f %s |\n' \
    "$MXN" "$MXD" "$MXCI" "$(awk -v d="$MXD" -v s="$SERVICE" 'BEGIN{print d - s}')" \
    "(delay - 1/mu)"
printf '| SimPy peer, %s seeds x 1e6 msgs (warmup 1000 msgs) | %s | %s | %s +- %s |\n' \
    "$K" "$PD6" "$PD6CI" "$PW6" "$PW6CI"
printf '| SimPy peer, %s seeds x 1e5 msgs (warmup 1000 msgs) | %s | %s | %s +- %s |\n' \
    "$K" "$PD5" "$PD5CI" "$PW5" "$PW5CI"
echo
awk -v m="$MXD" -v h="$MXCI" -v e="$EC_D" -v p="$PD6" -v ph="$PD6CI" -v pe="$PW6" 'BEGIN{
    printf "- mxsim - Erlang C = %+.4f s (%+.2f %%): %s its 95 %% CI (+-%.4f)\n",
        m - e, 100 * (m - e) / e, (m - e <= h && e - m <= h) ? "within" : "OUTSIDE", h
    printf "- peer (1e6) - Erlang C = %+.4f s: %s its 95 %% CI (+-%.4f)\n", p - e,
        (p - e <= ph && e - p <= ph) ? "within" : "OUTSIDE", ph
    printf "- mxsim - peer (1e6) = %+.4f s; combined 95 %% half-width %.4f: %s\n", m - p,
        sqrt(h * h + ph * ph), ((m - p)^2 <= h * h + ph * ph) ? "agree" : "DISAGREE" }'
awk -F, 'NR==1{for(i=1;i<=NF;i++) if($i=="utilization") c=i; next} {u+=$c; n++}
    END{printf "- mxsim server utilization, mean of %d (replication, server) rows: %.4f" \
    " (offered load lam/(3 c mu) = %.4f)\n", n, u/n, 9.6/3/4}' "$OUT/xcheck/servers.csv"
printf -- '- mxsim host shares (mean of %s reps): mx0 %.4f, mx1 %.4f, mx2 %.4f (1/3 each, R11)\n' \
    "$MXN" "$(col "$P" share_mx0_mean)" "$(col "$P" share_mx1_mean)" "$(col "$P" share_mx2_mean)"

fi # part mm4

# --- 5. part ref: the reference failover scenario at three sizes (issue 10) --------------
# Per size: mxsim --set values (failover-ref.ini's header) and the peer's options for the
# same model (docs/performance.md states the mapping). Sizes S, M, L aim at tens, ~1e3 and
# ~1e5 pending events; mxsim-pendprobe measures what each actually holds.
KP=${KP:-3}
HOLD_OPS=${HOLD_OPS:-5000000}
REF=$HERE/failover-ref.ini
ref_size() { # SIZE: sets REFSET (mxsim --set arguments), PEER_N, PEER_REF (peer options)
    local rate pl st dur mtbf mttr lam svc cap pm pr s
    case $1 in
    S) rate=20; pl=100;     st='lognormal(400ms, 0.6)'; svc=0.479; dur=50000; mtbf=600; mttr=120
       PEER_N=2e5 ;;
    M) rate=2000; pl=2000;  st='lognormal(400ms, 0.6)'; svc=0.479; dur=500;   mtbf=100; mttr=20
       PEER_N=2e5 ;;
    L) rate=20000; pl=200000; st='lognormal(4s, 0.6)';  svc=4.79;  dur=100;   mtbf=20;  mttr=5
       PEER_N=6e5 ;;
    esac
    REFSET=(--set "simulation.duration=${dur}s" --set "traffic inbound.rate=$rate/s"
            --set "fault relay1-flaps.mtbf=${mtbf}s" --set "fault relay1-flaps.mttr=${mttr}s")
    for s in relay1 relay2 relay3; do
        REFSET+=(--set "server $s.process_limit=$pl" --set "server $s.session_time=$st")
    done
    PEER_REF=(--lam "$rate" --cap "$pl" --service "$svc" --randomize on --busy queue
              --dns 0.02 --mtbf "$mtbf" --mttr "$mttr" --resource light --warmup 0)
    PEER_DUR=$(awk -v n="$PEER_N" -v l="$rate" 'BEGIN{printf "%.3f", n / l}')
}
HOLD=$BUILD/analysis/bench/mxsim-holdbench
PROBE=$BUILD/analysis/bench/mxsim-pendprobe
if want ref; then
for size in S M L; do
    ref_size $size
    echo "run.sh: reference scenario, size $size: pending events, then $K x (mxsim, hold" \
         "loop, peer x $KP) ..." >&2
    "$PROBE" "$REF" "${REFSET[@]}" >"$OUT/ref$size.probe"
    # the same model over the peer's shorter run (its ramp-up weighs more there)
    "$PROBE" "$REF" "${REFSET[@]}" --set "simulation.duration=${PEER_DUR}s" \
        >"$OUT/ref$size.peerprobe"
    NPEND=$(grep -o 'pending_mean=[0-9.]*' "$OUT/ref$size.probe" | cut -d= -f2)
    NHOLD=$(awk -v x="$NPEND" 'BEGIN{n = int(x + 0.5); print n < 1 ? 1 : n}')
    : >"$OUT/hold$size.rows"
    for k in $(seq 1 "$K"); do
        $TIME -f "%e %M" -o "$OUT/ref$size-$k.time" "$MXSIM" run "$REF" -o "$OUT/ref$size-$k" \
            --seed "$k" "${REFSET[@]}" >/dev/null
        "$HOLD" "$NHOLD" "$HOLD_OPS" "$k" >"$OUT/hold$size-$k.txt"
        awk '{for(i=1;i<=NF;i++){split($i,kv,"="); v[kv[1]]=kv[2]}}
             END{print v["pop_push_events_per_s"], v["replace_top_events_per_s"]}' \
            "$OUT/hold$size-$k.txt" >>"$OUT/hold$size.rows"
        if [ "$k" -le "$KP" ]; then
            $TIME -f "%e %M" -o "$OUT/rpeer$size-$k.time" "$PYTHON" "$PEER" -n "$PEER_N" \
                "${PEER_REF[@]}" --seed "$k" >"$OUT/rpeer$size-$k.txt"
        fi
    done
    # shellcheck disable=SC2046
    mx_rows $(tags "ref$size") >"$OUT/ref$size.rows"
    # shellcheck disable=SC2046
    peer_rows $(K=$KP tags "rpeer$size") >"$OUT/rpeer$size.rows"
done

echo
echo "## Reference failover scenario at three sizes: mxsim, the bare heap, the SimPy peer"
echo
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//');" \
     "mxsim $WHAT; $(date -u +%Y-%m-%dT%H:%MZ). failover-ref.ini; medians of $K" \
     "alternating runs (mxsim seeds 1 to $K, hold loop seeds 1 to $K, the peer seeds 1 to" \
     "$KP); hold loop $HOLD_OPS timed holds per run. Load average before: $LOAD0; now:" \
     "$(cut -d' ' -f1-3 /proc/loadavg)."
echo
echo "| size | pending events, mean (time-weighted; max) | mxsim messages | mxsim events/s | mxsim messages/s (min to max) | hold loop pop+push events/s | hold loop replace-top events/s | peer messages/s ($KP runs) | peer pending (mxsim twin over its run) | mxsim peak RSS KiB |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for size in S M L; do
    pf() { grep -o "$2=[0-9.]*" "$1" | cut -d= -f2; }
    printf '| %s | %s (%s; %s) | %s | %s | %s (%s to %s) | %s | %s | %s | %s | %s |\n' "$size" \
        "$(pf "$OUT/ref$size.probe" pending_mean)" "$(pf "$OUT/ref$size.probe" pending_tmean)" \
        "$(pf "$OUT/ref$size.probe" pending_max)" "$(fmt "$(med "$OUT/ref$size.rows" 6)")" \
        "$(fmt "$(med "$OUT/ref$size.rows" 3)")" "$(fmt "$(med "$OUT/ref$size.rows" 2)")" \
        "$(fmt "$(lo "$OUT/ref$size.rows" 2)")" "$(fmt "$(hi "$OUT/ref$size.rows" 2)")" \
        "$(fmt "$(med "$OUT/hold$size.rows" 1)")" "$(fmt "$(med "$OUT/hold$size.rows" 2)")" \
        "$(fmt "$(med "$OUT/rpeer$size.rows" 2)")" "$(pf "$OUT/ref$size.peerprobe" pending_mean)" \
        "$(hi "$OUT/ref$size.rows" 5)"
done
echo
echo "| size | mxsim events/s / hold pop+push (target >= 0.4) | mxsim events/s / hold replace-top | median of the $K pairs' ratios (pop+push) | mxsim / peer messages/s (target >= 50) | median of the $KP pairs' ratios | mxsim events per message |"
echo "|---|---|---|---|---|---|---|"
for size in S M L; do
    r1=$(paste -d' ' "$OUT/ref$size.rows" "$OUT/hold$size.rows" | awk '{print $3 / $8}' | median)
    r2=$(head -n "$KP" "$OUT/ref$size.rows" | paste -d' ' - "$OUT/rpeer$size.rows" \
        | awk '{print $2 / $9}' | median)
    awk -v s="$size" -v me="$(med "$OUT/ref$size.rows" 3)" -v mm="$(med "$OUT/ref$size.rows" 2)" \
        -v hp="$(med "$OUT/hold$size.rows" 1)" -v hr="$(med "$OUT/hold$size.rows" 2)" \
        -v pm="$(med "$OUT/rpeer$size.rows" 2)" -v r1="$r1" -v r2="$r2" \
        -v epm="$(awk '{print $7 / $6}' "$OUT/ref$size.rows" | median)" 'BEGIN{
        printf "| %s | %.2f | %.2f | %.2f | %.1f | %.1f | %.2f |\n", s, me / hp, me / hr, r1,
               mm / pm, r2, epm }'
done
echo
echo "- targets (issue 10, at ~1e3 pending = size M, one core): >= 1e7 events/s and" \
     ">= 2e6 messages/s; >= 0.4 x the bare heap loop; >= 50 x SimPy"
echo "- per-run figures: $OUT/ref{S,M,L}.rows (loop_wall msgs/s events/s process_wall" \
     "rss_kib messages events), hold{S,M,L}.rows (pop+push, replace-top events/s)," \
     "rpeer{S,M,L}.rows, ref{S,M,L}.probe"
fi # part ref

# --- 6. part mem: memory at 1e6 and 1e8 messages; 100,000 sender instances ---------------
# /usr/bin/time -v's "Maximum resident set size" (KiB). mem-fast.ini: 2 events per message.
vrss() { awk -F': ' '/Maximum resident set size/{print $2}' "$1"; }
vwall() { awk -F': ' '/Elapsed \(wall clock\)/{print $2}' "$1"; }
if want mem; then
    echo "run.sh: memory: mem-fast.ini at 1e6 and 1e8 messages, 100,000 instances ..." >&2
    for n in 1e6 1e8; do
        dur=1000s; [ $n = 1e8 ] && dur=100000s
        $TIME -v -o "$OUT/mem$n.timev" "$MXSIM" run "$HERE/mem-fast.ini" -o "$OUT/mem$n" \
            --set simulation.duration=$dur >/dev/null
    done
    for n in 1 100000; do
        $TIME -v -o "$OUT/inst$n.timev" "$MXSIM" run "$ROOT/scenarios/seed000-failover.ini" \
            -o "$OUT/inst$n" --reproducible --set simulation.replications=1 \
            --set "sender internet.instances=$n" --set 'traffic inbound.rate=50/s' >/dev/null
    done
    echo
    echo "## Memory (peak RSS, /usr/bin/time -v), traces off"
    echo
    echo "| run | messages | events | process wall | peak RSS KiB |"
    echo "|---|---|---|---|---|"
    for t in mem1e6 mem1e8 inst1 inst100000; do
        case $t in
        mem1e6) l="mem-fast.ini, 1e6 messages" ;;
        mem1e8) l="mem-fast.ini, 1e8 messages" ;;
        inst1) l="seed000-failover.ini, 50/s, 1 sender instance" ;;
        inst100000) l="seed000-failover.ini, 50/s, 100,000 sender instances" ;;
        esac
        printf '| %s | %s | %s | %s | %s |\n' "$l" "$(col "$OUT/$t/summary.csv" messages)" \
            "$(col "$OUT/$t/summary.csv" events)" "$(vwall "$OUT/$t.timev")" \
            "$(vrss "$OUT/$t.timev")"
    done
    echo
    awk -v a="$(vrss "$OUT/mem1e6.timev")" -v b="$(vrss "$OUT/mem1e8.timev")" \
        -v c="$(vrss "$OUT/inst1.timev")" -v d="$(vrss "$OUT/inst100000.timev")" 'BEGIN{
        printf "- RSS(1e8 messages) / RSS(1e6 messages) = %.3f (target <= 1.2): %s\n", b / a,
               b <= 1.2 * a ? "met" : "NOT met"
        printf "- 100,000 sender instances: %.1f MiB peak RSS (target <= 1024 MiB): %s;" \
               " %.0f bytes per instance over the 1-instance run\n", d / 1024,
               d <= 1048576 ? "met" : "NOT met", (d - c) * 1024 / 99999 }'
fi # part mem
