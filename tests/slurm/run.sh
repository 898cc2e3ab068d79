#!/usr/bin/env bash
# End-to-end test of analysis/slurm-sweep.sh on a throwaway single-node Slurm.
#
#   bash tests/slurm/run.sh            (as root; MXSIM=/path/to/mxsim to choose the binary)
#
# 1. Installs Debian's slurm-wlm and munge if missing (needs root).
# 2. Starts, in a temp dir and on free ports of localhost: munged with its own key and
#    socket, slurmctld and slurmd with their own slurm.conf (no accounting, no cgroups).
#    The machine's own munge/Slurm config and services are not touched; the test kills
#    only the processes it started (by PID) and removes its temp dir on exit or Ctrl-C
#    (KEEP=1 keeps the dir; on a failure the daemons' and jobs' logs are printed).
# 3. Checks slurm-sweep.sh's argument errors (exit 2, nothing submitted).
# 4. Runs slurm-sweep.sh on scenarios/ci-gate.ini (shortened, --reproducible, 3 shards),
#    waits for the merge job, and checks OUTDIR/merged byte for byte against an unsharded
#    `mxsim sweep` with the same options.
# 5. Checks that a failing shard gets the merge job cancelled (no merged/ written).
# Prints "slurm: N passed, 0 failed" and exits 0, or says what failed and exits 1.
# Takes 20-25 s on 2 idle cores, about 40 s on 2 busy ones, plus about 30 s for the
# package install the first time.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
say() { echo "slurm-test: $*"; }
fail() {
    echo "slurm-test: FAIL: $*" >&2
    show_logs
    echo "slurm: ${passed:-0} passed, 1 failed"
    exit 1
}

# --- the binary ------------------------------------------------------------------
if [ -n "${MXSIM:-}" ]; then
    mxsim=$MXSIM
elif [ -x "$repo/build-ci/mxsim" ]; then
    mxsim=$repo/build-ci/mxsim
elif command -v mxsim >/dev/null 2>&1; then
    mxsim=$(command -v mxsim)
else
    echo "slurm-test: FAIL: no mxsim: build it (tests/run-all.sh builds build-ci/) or set MXSIM" >&2
    exit 1
fi
case "$mxsim" in */*) mxsim=$(realpath -e -- "$mxsim") ;; esac
[ -x "$mxsim" ] || command -v "$mxsim" >/dev/null || { echo "slurm-test: FAIL: $mxsim is not executable" >&2; exit 1; }

# --- packages ----------------------------------------------------------------------
# slurm-wlm pulls in slurmctld, slurmd, slurm-client; munge brings munged.
pkgs=(slurm-wlm munge)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "$(id -u)" -ne 0 ]; then
    # slurmd must be root to start jobs as their user; the daemons here all run as root.
    echo "slurm-test: FAIL: must run as root (it installs packages and runs slurmd)" >&2
    exit 1
fi
if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    bash "$(dirname "$0")/../install-no-start.sh" "${missing[@]}"
fi

# --- a clean environment -------------------------------------------------------------
# Inherited SLURM_*/SBATCH_* variables (say, the test itself runs inside a Slurm job)
# would point the clients elsewhere or change the jobs.
while read -r v; do unset "$v"; done < <(compgen -v | grep -E '^(SLURM|SBATCH|SALLOC|SRUN)_' || true)
unset PARTITION SBATCH_OPTS CPUS_PER_TASK DRY_RUN

# --- temp dir, cleanup -------------------------------------------------------------------
# In TMPDIR if its path is short: the munge socket path must fit a sockaddr_un (108 bytes).
# Job scripts run from here (SlurmdSpoolDir): it must not be mounted noexec.
base=${TMPDIR:-/tmp}
[ ${#base} -le 60 ] && [ -d "$base" ] || base=/tmp
tmp=$(mktemp -d "$base/mxsim-slurm.XXXXXX")
chmod 755 "$tmp"              # munged wants its socket dir reachable by all
pids=()                       # every daemon this test started
names=()                      # and its name, for messages
jobs_submitted=()             # every Slurm job id, to scancel on the way out

stop_pid() {                  # TERM, up to 10 s, then KILL; only our own PIDs
    local pid=$1 n
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((n = 0; n < 100; n++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    echo "slurm-test: PID $pid ignored SIGTERM; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$? i n
    trap - EXIT INT TERM
    # Cancel our jobs if slurmctld still runs, and give their steps a moment to end.
    for i in "${!names[@]}"; do
        if [ "${names[$i]}" != slurmctld ] || ! kill -0 "${pids[$i]}" 2>/dev/null; then continue; fi
        [ ${#jobs_submitted[@]} -gt 0 ] || break
        timeout --foreground 5 scancel "${jobs_submitted[@]}" 2>/dev/null || true
        for ((n = 0; n < 10; n++)); do
            [ -z "$(timeout --foreground 2 squeue -h 2>/dev/null)" ] && break
            sleep 0.5
        done
    done
    # Stop in reverse order of start: slurmd, slurmctld, munged.
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do stop_pid "${pids[$i]}"; done
    # A job step still running would be a slurmstepd (slurmd daemonises it). Only ours
    # carry our temp dir in SLURM_CONF in their environment: kill exactly those.
    local p
    for p in /proc/[0-9]*; do
        [ "$(cat "$p/comm" 2>/dev/null)" = slurmstepd ] || continue
        if tr '\0' '\n' <"$p/environ" 2>/dev/null | grep -qxF "SLURM_CONF=$tmp/slurm.conf"; then
            echo "slurm-test: killing leftover slurmstepd ${p#/proc/}" >&2
            kill -KILL "${p#/proc/}" 2>/dev/null || true
        fi
    done
    if [ "${KEEP:-0}" = 1 ]; then
        echo "slurm-test: kept $tmp (KEEP=1)" >&2
    else
        rm -rf "$tmp"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'echo "slurm-test: interrupted" >&2; exit 130' INT TERM

show_logs() {
    local f
    for f in "$tmp"/log/*.log "$tmp"/*.out "$tmp"/out*/slurm/*.log; do
        [ -s "$f" ] || continue
        echo "----- $f (last 25 lines)" >&2
        tail -n 25 "$f" >&2
    done
}

# Start a daemon in the foreground mode of its own (-F, -D), in the background of this
# script, in a session of its own: a Ctrl-C then reaches only this script, whose
# cleanup cancels the jobs before it stops the daemons. The script is not a job-control
# shell, so the background process is no group leader and setsid does not fork: $! is
# the daemon's PID (checked by check_daemon once it answers).
start_daemon() {    # NAME COMMAND...; output to $tmp/NAME.out
    local name=$1; shift
    setsid "$@" >"$tmp/$name.out" 2>&1 &
    pids+=($!) names+=("$name")
}
check_daemon() {    # the last daemon started is what its PID says
    local comm
    comm=$(cat "/proc/${pids[-1]}/comm" 2>/dev/null) || true
    [ "$comm" = "${names[-1]}" ] || fail "PID ${pids[-1]} is '$comm', not ${names[-1]}: cannot track it"
}

# --- free ports ------------------------------------------------------------------------
# Not 6817/6818: a real Slurm on this machine may use them. Pick two adjacent TCP ports
# below the ephemeral range (outgoing connections take ports there at any moment) that
# no socket uses now (from /proc, as ss/netstat may not be installed).
used_ports() {  # the local TCP ports in use, decimal, one a line
    local f local_addr
    for f in /proc/net/tcp /proc/net/tcp6; do
        [ -r "$f" ] || continue
        # sl local_address ...; the port is the hex after the last colon.
        while read -r _ local_addr _; do
            echo $((16#${local_addr##*:}))
        done < <(tail -n +2 "$f")
    done | sort -u
}
read -r eph_lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || eph_lo=32768
[ "$eph_lo" -gt 12000 ] || eph_lo=32768   # an odd range: just stay below the usual one
ctld_port=
for ((try = 0; try < 50; try++)); do
    p=$((10000 + RANDOM % (eph_lo - 10002)))
    if ! used_ports | grep -qxE "$p|$((p + 1))"; then ctld_port=$p; break; fi
done
[ -n "$ctld_port" ] || fail "no free TCP port pair found"
slurmd_port=$((ctld_port + 1))

# --- munge ------------------------------------------------------------------------------
mkdir -p "$tmp/munge" "$tmp/log" "$tmp/state" "$tmp/spool"
chmod 700 "$tmp/munge"
dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$tmp/munge/munge.key"
sock=$tmp/munge.sock
start_daemon munged munged -F --key-file="$tmp/munge/munge.key" --socket="$sock" \
    --pid-file="$tmp/munge/munged.pid" --seed-file="$tmp/munge/munged.seed" \
    --log-file="$tmp/log/munged.log"
for ((n = 0; ; n++)); do
    munge -S "$sock" -n 2>/dev/null | unmunge -S "$sock" >/dev/null 2>&1 && break
    kill -0 "${pids[-1]}" 2>/dev/null || fail "munged exited"
    [ $n -lt 100 ] || fail "munged not answering after 10 s"
    sleep 0.1
done
check_daemon
say "munged up (pid ${pids[-1]}, socket $sock)"

# --- slurm.conf --------------------------------------------------------------------------
export SLURM_CONF=$tmp/slurm.conf
cat >"$SLURM_CONF" <<EOF
# Throwaway single-node cluster of tests/slurm/run.sh.
ClusterName=mxsimtest
SlurmctldHost=localhost
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
MailProg=/bin/true
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# Use the CPUs below even on a machine that has fewer (else the node is drained).
SlurmdParameters=config_overrides
ReturnToService=2
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF

# --- slurmctld, slurmd ---------------------------------------------------------------------
start_daemon slurmctld slurmctld -D -f "$SLURM_CONF"
for ((n = 0; ; n++)); do
    scontrol ping 2>/dev/null | grep -q 'is UP' && break
    kill -0 "${pids[-1]}" 2>/dev/null || fail "slurmctld exited"
    [ $n -lt 60 ] || fail "slurmctld not answering after 30 s"
    sleep 0.5
done
check_daemon
say "slurmctld up (pid ${pids[-1]}, port $ctld_port)"

# -N: this node is "localhost" whatever the machine's host name.
start_daemon slurmd slurmd -D -N localhost -f "$SLURM_CONF"
for ((n = 0; ; n++)); do
    state=$(sinfo -h -n localhost -o %T 2>/dev/null || true)
    [ "$state" = idle ] && break
    kill -0 "${pids[-1]}" 2>/dev/null || fail "slurmd exited"
    [ $n -lt 60 ] || fail "node not idle after 30 s (state: ${state:-none})"
    sleep 0.5
done
check_daemon
say "slurmd up (pid ${pids[-1]}, port $slurmd_port); node localhost idle"

# --- helpers ----------------------------------------------------------------------------------
passed=0
ok() { passed=$((passed + 1)); say "ok: $*"; }

daemons_alive() {   # fail unless every daemon started is still running
    local i
    for i in "${!pids[@]}"; do
        kill -0 "${pids[$i]}" 2>/dev/null || fail "${names[$i]} (pid ${pids[$i]}) died"
    done
}

job_state() {   # JobState of one job, or "GONE" if slurmctld no longer knows it
    local s
    s=$(timeout --foreground 20 scontrol show job -o "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | head -n1) || true
    s=${s#JobState=}
    echo "${s:-GONE}"
}

wait_job() {    # wait for job $1 to end, at most $2 s; sets state to its final JobState
    local id=$1 deadline=$((SECONDS + $2))
    while :; do
        daemons_alive
        state=$(job_state "$id")
        case "$state" in
            PENDING|RUNNING|CONFIGURING|COMPLETING|SUSPENDED|REQUEUED|RESIZING) ;;
            *) return 0 ;;
        esac
        [ $SECONDS -lt "$deadline" ] || fail "job $id still $state after $2 s"
        sleep 0.5
    done
}

sweep_opts=(--set simulation.duration=5m --set simulation.replications=2 --reproducible)
scenario=$repo/scenarios/ci-gate.ini
script=$repo/analysis/slurm-sweep.sh

# --- 1. argument errors: exit 2, nothing submitted ----------------------------------------------
expect_2() {    # description, then the arguments
    local what=$1 rc=0; shift
    MXSIM=$mxsim bash "$script" "$@" >/dev/null 2>"$tmp/usage.err" || rc=$?
    [ $rc -eq 2 ] || fail "slurm-sweep.sh $what: exit $rc, expected 2"
    grep -q usage "$tmp/usage.err" || grep -q 'slurm-sweep:' "$tmp/usage.err" \
        || fail "slurm-sweep.sh $what: no message"
}
expect_2 "without arguments"
expect_2 "with a missing scenario" "$tmp/nonesuch.ini" "$tmp/x" 3
expect_2 "with 0 shards" "$scenario" "$tmp/x" 0
expect_2 "with shards 'two'" "$scenario" "$tmp/x" two
expect_2 "with -o" "$scenario" "$tmp/x" 3 -o "$tmp/y"
expect_2 "with --shard" "$scenario" "$tmp/x" 3 --shard 1/3
expect_2 "with a bad --set" "$scenario" "$tmp/x" 3 --set nonesuch.key=1
[ -z "$(squeue -h 2>/dev/null)" ] || fail "argument errors submitted jobs"
ok "argument errors exit 2 and submit nothing"

# --- 2. a 3-shard sweep, merged, equals the unsharded sweep -------------------------------------
out=$tmp/out
CPUS_PER_TASK=1 MXSIM=$mxsim bash "$script" "$scenario" "$out" 3 "${sweep_opts[@]}" \
    >"$tmp/submit.out" 2>&1 || { cat "$tmp/submit.out" >&2; fail "slurm-sweep.sh failed"; }
cat "$tmp/submit.out"
[ -f "$out/slurm/jobids" ] || fail "no $out/slurm/jobids"
# shellcheck disable=SC1091
. "$out/slurm/jobids"
[[ "${ARRAY_JOB:-}" =~ ^[0-9]+$ && "${MERGE_JOB:-}" =~ ^[0-9]+$ ]] || fail "bad job ids in $out/slurm/jobids"
jobs_submitted+=("$ARRAY_JOB" "$MERGE_JOB")
if ! grep -qw "$ARRAY_JOB" "$tmp/submit.out" || ! grep -qw "$MERGE_JOB" "$tmp/submit.out"; then
    fail "slurm-sweep.sh did not print the job ids"
fi

# The unsharded reference, while Slurm works (same absolute scenario path: manifest.ini names it).
"$mxsim" sweep "$scenario" -o "$tmp/ref" -j 2 "${sweep_opts[@]}" >"$tmp/ref.out" 2>&1 \
    || { cat "$tmp/ref.out" >&2; fail "unsharded mxsim sweep failed"; }

wait_job "$MERGE_JOB" 120
[ "$state" = COMPLETED ] || fail "merge job $MERGE_JOB ended $state (array job $ARRAY_JOB: $(scontrol show job -o "$ARRAY_JOB" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | sort | uniq -c | tr '\n' ' '))"
for i in 0 1 2; do
    [ -f "$out/shard-$i/manifest.ini" ] || fail "shard-$i has no manifest.ini"
    grep -qx "shard = $((i + 1))/3" "$out/shard-$i/manifest.ini" || fail "shard-$i is not shard $((i + 1))/3"
done
for f in summary.csv servers.csv points.csv manifest.ini scenario.ini; do
    [ -s "$tmp/ref/$f" ] || fail "unsharded sweep wrote no $f"
    [ -s "$out/merged/$f" ] || fail "merged/ has no $f"
done
# 8 points x 2 replications + the header.
[ "$(wc -l <"$out/merged/summary.csv")" -eq 17 ] || fail "merged summary.csv has $(wc -l <"$out/merged/summary.csv") lines, expected 17"
diff -r "$tmp/ref" "$out/merged" >"$tmp/diff.out" 2>&1 \
    || { head -n 40 "$tmp/diff.out" >&2; fail "merged/ differs from the unsharded sweep"; }
ok "3 shards on Slurm, merged: byte-identical to the unsharded sweep"

# --- 3. a failing shard: the merge job is cancelled, nothing merged -----------------------------
# A wrapper that fails in array task 1 and is mxsim everywhere else (the login-node check too).
cat >"$tmp/flaky-mxsim" <<EOF
#!/bin/sh
[ "\${SLURM_ARRAY_TASK_ID:-}" = 1 ] && { echo "flaky-mxsim: failing on purpose" >&2; exit 3; }
exec "$mxsim" "\$@"
EOF
chmod 755 "$tmp/flaky-mxsim"
out2=$tmp/out-fail
MXSIM=$tmp/flaky-mxsim bash "$script" "$scenario" "$out2" 3 "${sweep_opts[@]}" \
    >"$tmp/submit2.out" 2>&1 || { cat "$tmp/submit2.out" >&2; fail "slurm-sweep.sh (failing shard) failed"; }
ARRAY_JOB='' MERGE_JOB=''
[ -f "$out2/slurm/jobids" ] || fail "no $out2/slurm/jobids"
# shellcheck disable=SC1091
. "$out2/slurm/jobids"
[[ "$ARRAY_JOB" =~ ^[0-9]+$ && "$MERGE_JOB" =~ ^[0-9]+$ ]] || fail "bad job ids in $out2/slurm/jobids"
jobs_submitted+=("$ARRAY_JOB" "$MERGE_JOB")
wait_job "$MERGE_JOB" 120
case "$state" in
    CANCELLED) ;;        # by --kill-on-invalid-dep
    *) fail "merge job after a failed shard ended $state, expected CANCELLED" ;;
esac
[ ! -e "$out2/merged" ] || fail "a merge ran although a shard failed"
grep -q 'failing on purpose' "$out2/slurm/shard-1.log" || fail "shard 1 did not fail as planned"
ok "a failed shard cancels the merge job"

daemons_alive

say "took ${SECONDS}s"
echo "slurm: $passed passed, 0 failed"
