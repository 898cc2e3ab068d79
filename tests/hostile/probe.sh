#!/usr/bin/env bash
# tests/hostile/probe.sh -- hostile but valid (or nearly valid) inputs, one at a time,
# against an mxsim binary: what each does (exit code, first line of the message, wall
# time, peak RSS). Not a pass/fail test: it prints a markdown table for
# docs/robustness.md. Large inputs are generated into $WORK, never committed.
#
#   bash tests/hostile/probe.sh [MXSIM]      # default build-perf/mxsim; ~2-5 min
#
# Each probe runs under `timeout $LIMIT` (default 60 s; exit 124 = still running) and
# `ulimit -v $VMEM_KIB` (default 4 GiB; an allocation failure is then an exit 3 or a
# crash, not the machine's memory).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MX=${1:-$ROOT/build-perf/mxsim}
WORK=${WORK:-/tmp/mxsim-hostile}
LIMIT=${LIMIT:-60}
VMEM_KIB=${VMEM_KIB:-4194304}
B=$HERE/base.ini
[ -x "$MX" ] || { echo "probe.sh: $MX not found: build it (tests/perf/memcheck.sh builds build-perf)" >&2; exit 2; }
rm -rf "$WORK" && mkdir -p "$WORK"

# --- generated inputs ---------------------------------------------------------------------
# MX records for one name: 4096 (the ZONE_MAX_SET cap), 4097, and 1e6; the hosts
# without addresses but the first two. 1e6 + 1 records (the ZONE_MAX_RECORDS cap),
# one A record for each of 1e6 + 1 names.
mxzone() { # N FILE
    awk -v n="$1" 'BEGIN{print "$ORIGIN h.test."; print "$TTL 300";
         for (i = 0; i < n; i++) printf "@ IN MX %d m%d\n", i % 65536, i;
         print "m0 IN A 10.6.0.1"; print "m1 IN A 10.6.0.2"}' >"$2"
}
mxzone 4096 "$WORK/mx4096.zone"
mxzone 4097 "$WORK/mx4097.zone"
mxzone 999998 "$WORK/mx1e6.zone"
awk 'BEGIN{print "$ORIGIN h.test."; print "$TTL 300"; print "@ IN MX 10 n0";
     for (i = 0; i < 1000000; i++) printf "n%d IN A 10.%d.%d.%d\n", i, i / 65536 % 256,
         i / 256 % 256, i % 256}' >"$WORK/rec1e6p1.zone"
# a 1000-deep CNAME chain ending at mx1's address; and the recipient domain itself
# a 1000-deep chain to h.test (MX lookups follow CNAMEs too, R9)
awk 'BEGIN{print "$ORIGIN h.test."; print "$TTL 300";
     print "@ IN MX 10 c0"; for (i = 0; i < 1000; i++) printf "c%d IN CNAME c%d\n", i, i + 1;
     print "c1000 IN A 10.6.0.1"}' >"$WORK/cname1000.zone"
awk 'BEGIN{print "$ORIGIN h.test."; print "$TTL 300";
     print "d0 IN CNAME d1"; for (i = 1; i < 1000; i++) printf "d%d IN CNAME d%d\n", i, i + 1;
     print "d1000 IN MX 10 mx1"; print "mx1 IN A 10.6.0.1"}' >"$WORK/cname1000-domain.zone"
awk 'BEGIN{print "$ORIGIN h.test."; print "$TTL 300";
     print "@ IN MX 10 l0"; print "l0 IN CNAME l1"; print "l1 IN CNAME l0"}' >"$WORK/cname-loop.zone"
# TTL 0 everywhere
printf '$ORIGIN h.test.\n$TTL 0\n@ IN MX 10 mx1\n@ IN MX 20 mx2\nmx1 IN A 10.6.0.1\nmx2 IN A 10.6.0.2\n' \
    >"$WORK/ttl0.zone"
# a profile of 1e6 rows (the cap) and of 1e6 + 1; a trace of 1e6 rows
awk 'BEGIN{for (i = 0; i < 1000000; i++) printf "%d,1\n", i}' >"$WORK/profile1e6.csv"
awk 'BEGIN{for (i = 0; i <= 1000000; i++) printf "%d,1\n", i}' >"$WORK/profile1e6p1.csv"
awk 'BEGIN{for (i = 0; i < 1000000; i++) printf "%.6f\n", i * 0.0006}' >"$WORK/trace1e6.csv"
# traces: out of order; all at one instant; beyond the duration
printf '0\n10\n5\n20\n' >"$WORK/trace-order.csv"
awk 'BEGIN{for (i = 0; i < 100000; i++) print "30"}' >"$WORK/trace-same.csv"
printf '0\n1\n36500d\n' >"$WORK/trace-late.csv"
# a profile that is 0 everywhere
printf '0,0\n1h,0\n' >"$WORK/profile-zero.csv"

# scenario variants: without base.ini's records (the zone file is then the only DNS),
# and with [fault] sections (--set cannot add a section)
grep -v '^record' "$B" >"$WORK/nodns.ini"
ND=$WORK/nodns.ini
fault() { # NAME section-body-lines...: base.ini + one [fault] per "target mode [k=v ...]"
    local f=$WORK/$1.ini line k
    shift
    cp "$B" "$f"
    local i=0
    for line in "$@"; do
        i=$((i + 1))
        printf '\n[fault f%d]\n' "$i" >>"$f"
        for k in $line; do echo "${k/=/ = }" >>"$f"; done
    done
    echo "$f"
}

# --- probes ---------------------------------------------------------------------------------
echo "| # | probe | exit | wall s | peak RSS MiB | messages / events, or the message |"
echo "|---|---|---|---|---|---|"
n=0
probe() { # LABEL mxsim-args...
    local label=$1 rc wall rss msg
    shift
    n=$((n + 1))
    local o=$WORK/out$n
    (ulimit -v "$VMEM_KIB"; /usr/bin/time -f "%e %M" -o "$WORK/t$n" \
        timeout "$LIMIT" "$MX" "$@" $([ "$1" = run ] && echo "-o $o") >"$WORK/o$n" 2>"$WORK/e$n")
    rc=$?
    read -r wall rss <"$WORK/t$n" 2>/dev/null || { wall=?; rss=0; }
    [ "$rc" = 124 ] && wall=">$LIMIT"
    grep -q 'Command terminated by signal\|Command exited' "$WORK/t$n" &&
        read -r wall rss < <(tail -1 "$WORK/t$n")
    if [ -f "$o/summary.csv" ]; then
        msg=$(awk -F, 'NR==1{for(i=1;i<=NF;i++) h[$i]=i; next} {last=$0}
            END{n=split(last, v, ","); r = NR - 1; sfx = ""
             if (r > 1) sfx = " (the last of " r " replications)"
             printf "%s msgs, %s delivered, %s bounced, %s queued at end, %s events%s",
             v[h["messages"]], v[h["delivered"]], v[h["bounced"]], v[h["queued_at_end"]],
             v[h["events"]], sfx}' "$o/summary.csv")
    else
        msg=$(grep -v '^$' "$WORK/e$n" | grep -v '^mxsim: replication' | head -1 | cut -c1-160 |
              sed "s|$WORK/||g; s|$HERE/||g; s/|/\\\\|/g")
        [ -z "$msg" ] && [ "$rc" = 124 ] && msg="(still running at ${LIMIT}s: killed)"
    fi
    printf '| %d | %s | %s | %s | %s | %s |\n' "$n" "$label" "$rc" "$wall" \
        "$(awk -v k="$rss" 'BEGIN{printf "%.1f", k / 1024}')" "$msg"
}
probe "rate = 1e12/s" run "$B" --set 'traffic t.rate=1e12/s'
probe "rate = 1e7/s (the cap), duration 10 m" run "$B" --set 'traffic t.rate=1e7/s'
probe "rate = 1e7/s, duration 1 s" run "$B" --set 'traffic t.rate=1e7/s' --set simulation.duration=1s
probe "rate = 0/s" run "$B" --set 'traffic t.rate=0/s'
probe "rate = 1e-12/s" run "$B" --set 'traffic t.rate=1e-12/s'
probe "4096 MX records for one name (the cap; zone file)" run "$ND" --set "dns.zone=$WORK/mx4096.zone"
probe "4097 MX records for one name" run "$ND" --set "dns.zone=$WORK/mx4097.zone"
probe "1e6 MX records for one name" run "$ND" --set "dns.zone=$WORK/mx1e6.zone"
probe "1e6 + 1 records (1e6 + 1 names)" run "$ND" --set "dns.zone=$WORK/rec1e6p1.zone"
probe "explain, 4096 MX records" explain "$ND" --set "dns.zone=$WORK/mx4096.zone" -n 2
probe "1000-deep CNAME chain to the MX host's address" run "$ND" --set "dns.zone=$WORK/cname1000.zone"
probe "explain, 1000-deep CNAME chain" explain "$ND" --set "dns.zone=$WORK/cname1000.zone" -n 1
probe "recipient domain at the head of a 1000-deep CNAME chain" run "$ND" \
    --set "dns.zone=$WORK/cname1000-domain.zone" --set 'traffic t.to=d0.h.test'
probe "CNAME loop" run "$ND" --set "dns.zone=$WORK/cname-loop.zone"
probe "duration = 100 years (36500d), rate 5/s" run "$B" --set simulation.duration=36500d
probe "duration = 36501d" run "$B" --set simulation.duration=36501d
probe "duration = 100 years, rate 1/h" run "$B" --set simulation.duration=36500d \
    --set 'traffic t.rate=1/h'
probe "duration = 100 years, rate 1/h, sample 1d" run "$B" --set simulation.duration=36500d \
    --set 'traffic t.rate=1/h' --set simulation.sample=1d
probe "duration = 100 years, rate 5/s, sample 0 (1.6e10 messages)" run "$B" \
    --set simulation.duration=36500d --set simulation.sample=0
probe "all servers down (blackhole) forever, drain 100 years, sample 0" \
    run "$(fault down "target=mx1 mode=blackhole at=0" "target=mx2 mode=blackhole at=0")" \
    --set simulation.drain=36500d --set simulation.sample=0
probe "all servers refuse forever (drain 1 h)" \
    run "$(fault refuse "target=mx1 mode=refused at=0" "target=mx2 mode=refused at=0")"
probe "profile of 1e6 rows (the cap)" run "$B" --set "traffic t.profile=$WORK/profile1e6.csv"
probe "profile of 1e6 + 1 rows" run "$B" --set "traffic t.profile=$WORK/profile1e6p1.csv"
probe "profile 0 everywhere" run "$B" --set "traffic t.profile=$WORK/profile-zero.csv"
probe "trace of 1e6 rows (10 min)" run "$B" --set "traffic t.arrivals=trace($WORK/trace1e6.csv)"
probe "trace with out-of-order times" run "$B" --set "traffic t.arrivals=trace($WORK/trace-order.csv)"
probe "trace: 1e5 arrivals at one instant" run "$B" --set "traffic t.arrivals=trace($WORK/trace-same.csv)"
probe "trace row at 100 years" run "$B" --set "traffic t.arrivals=trace($WORK/trace-late.csv)"
probe "zero-length fault window (for = 0)" \
    run "$(fault zero "target=mx1 mode=blackhole at=1m for=0")"
probe "zero-length windows, 30 of them at one instant" \
    run "$(fault zero30 "target=mx1 mode=refused at=$(printf '1m,%.0s' $(seq 1 29))1m for=0")"
probe "fault window at 0 for 0 on every server, DNS servfail for 0" \
    run "$(fault zero0 "target=mx1 mode=refused at=0 for=0" "target=mx2 mode=refused at=0 for=0" \
        "target=dns mode=servfail at=0 for=0")"
probe "random fault, mtbf = mttr = 1e-9s (sample 0)" \
    run "$(fault ns "target=mx1 mode=refused mtbf=1e-9s mttr=1e-9s")" --set simulation.sample=0
probe "random fault, uptime const(0), downtime exp(1ms)" \
    run "$(fault up0 "target=mx1 mode=refused uptime=const(0) downtime=exp(1ms)")"
probe "TTL 0 on every record" run "$ND" --set "dns.zone=$WORK/ttl0.zone"
probe "session_time = const(0)" run "$B" --set 'server mx1.session_time=const(0)'
probe "session_time = 100 years" run "$B" --set 'server mx1.session_time=const(36500d)'
probe "process_limit = 1, backlog 0, rate 1e4/s, 1 min" run "$B" \
    --set 'server mx1.process_limit=1' --set 'server mx1.backlog=0' \
    --set 'server mx2.process_limit=1' --set 'server mx2.backlog=0' \
    --set 'traffic t.rate=1e4/s' --set simulation.duration=1m
probe "instances = 1e6" run "$B" --set 'sender s.instances=1000000'
probe "smtp_connect_timeout = 0, both MX blackholed forever" \
    run "$(fault bh "target=mx1 mode=blackhole at=0" "target=mx2 mode=blackhole at=0")" \
    --set 'sender s.smtp_connect_timeout=0'
probe "minimal_backoff_time = 1s, queue_run_delay = 1s, all refused, lifetime 100 y" \
    run "$WORK/refuse.ini" \
    --set 'sender s.minimal_backoff_time=1s' --set 'sender s.maximal_backoff_time=1s' \
    --set 'sender s.queue_run_delay=1s' --set 'sender s.maximal_queue_lifetime=36500d' \
    --set simulation.drain=36500d --set simulation.sample=0
probe "replications = 100000, duration 1 s" run "$B" --set simulation.replications=100000 \
    --set simulation.duration=1s --set simulation.drain=1m
