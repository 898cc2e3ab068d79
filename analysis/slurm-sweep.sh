#!/usr/bin/env bash
# Runs an mxsim sweep on a Slurm cluster: one array task per shard, then one merge job.
#
#   bash analysis/slurm-sweep.sh SCENARIO OUTDIR SHARDS [mxsim sweep options...]
#
# Run it on a login node. It submits
#   1. an array job of SHARDS tasks; task i (0-based) runs
#        mxsim sweep SCENARIO --shard i+1/SHARDS -o OUTDIR/shard-i -j $SLURM_CPUS_PER_TASK [options]
#   2. a merge job, started only once every task has succeeded (--dependency=afterok),
#        mxsim merge OUTDIR/shard-0 ... OUTDIR/shard-(SHARDS-1) -o OUTDIR/merged
# and prints both job ids. OUTDIR/merged then holds, byte for byte, what the unsharded
# `mxsim sweep SCENARIO -o DIR [options]` writes (with --reproducible; without it the
# wall-clock times differ), with manifest.ini naming the scenario by the absolute path
# this script passes on.
#
# OUTDIR must be on a file system that the compute nodes share with the login node;
# SCENARIO (and the files it names) too. Job scripts and logs go to OUTDIR/slurm/, the
# job ids to OUTDIR/slurm/jobids (ARRAY_JOB=..., MERGE_JOB=...; shell syntax).
#
# Environment:
#   MXSIM          the mxsim binary (default: mxsim, looked up on PATH on the nodes)
#   CPUS_PER_TASK  cores per shard: sbatch --cpus-per-task and mxsim -j (default: 1)
#   PARTITION      sbatch --partition for both jobs (default: the cluster's default)
#   SBATCH_OPTS    more sbatch options for both jobs, split on white space (no quoting),
#                  e.g. SBATCH_OPTS='--time=02:00:00 --account=abc --mem-per-cpu=1G'
#   DRY_RUN=1      write the job scripts, print the sbatch commands, submit nothing
# sbatch's own input variables (SBATCH_PARTITION, SBATCH_TIMELIMIT, ...) work as usual.
#
# Exit codes: 0 submitted; 2 bad arguments (nothing submitted); 1 sbatch failed.
set -euo pipefail

prog=slurm-sweep

usage() {
    cat <<'EOF'
usage: bash analysis/slurm-sweep.sh SCENARIO OUTDIR SHARDS [mxsim sweep options...]

Submits a Slurm array job of SHARDS tasks, task i running
  mxsim sweep SCENARIO --shard i+1/SHARDS -o OUTDIR/shard-i -j $SLURM_CPUS_PER_TASK [options]
and a job that, once all of them succeeded, runs
  mxsim merge OUTDIR/shard-* -o OUTDIR/merged
Prints the two job ids (also written to OUTDIR/slurm/jobids).

  SCENARIO   a sweep scenario (.ini)
  OUTDIR     output directory, on a file system the compute nodes share; must not
             already hold shard-* or merged
  SHARDS     number of shards (array tasks), 1 or more
  options    passed to every mxsim sweep: --set KEY=VALUE, --seed N, --reproducible,
             --max-events N (not -o, -j, --shard, --print-run: this script sets those)

Environment: MXSIM (binary, default mxsim), CPUS_PER_TASK (default 1), PARTITION,
SBATCH_OPTS (extra sbatch options for both jobs), DRY_RUN=1 (only print).
Example:
  CPUS_PER_TASK=16 PARTITION=batch SBATCH_OPTS='--time=01:00:00' \
    bash analysis/slurm-sweep.sh scenarios/ci-gate.ini results/ci-gate 8 --reproducible
EOF
}

# A bad argument: say what, show the synopsis, exit 2 (nothing has been submitted).
die_usage() {
    echo "$prog: $*" >&2
    echo "usage: bash analysis/slurm-sweep.sh SCENARIO OUTDIR SHARDS [mxsim sweep options...]  (--help: more)" >&2
    exit 2
}

# --- arguments -------------------------------------------------------------------
case "${1:-}" in -h|--help|help) usage; exit 0 ;; esac
[ $# -ge 3 ] || die_usage "expected SCENARIO OUTDIR SHARDS"
scenario=$1 outdir=$2 shards=$3
shift 3
sweep_opts=("$@")

if [ ! -f "$scenario" ] || [ ! -r "$scenario" ]; then
    die_usage "no readable scenario file: $scenario"
fi
[ -n "$outdir" ] || die_usage "OUTDIR is empty"
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || die_usage "SHARDS must be a positive integer, not '$shards'"

mxsim=${MXSIM:-mxsim}
cpus=${CPUS_PER_TASK:-1}
[[ "$cpus" =~ ^[1-9][0-9]*$ ]] || die_usage "CPUS_PER_TASK must be a positive integer, not '$cpus'"

# The options this script sets itself must not be passed again. Skip the values of
# options that take one, so that e.g. --set 'x=-o' is not mistaken for -o.
i=0
while [ $i -lt ${#sweep_opts[@]} ]; do
    opt=${sweep_opts[$i]}
    case "$opt" in
        -o|-o*|-j|-j*|--shard|--shard=*|--print-run|--print-run=*)
            die_usage "option $opt is set by this script; do not pass it" ;;
        --set|--seed|--max-events) i=$((i + 2)); continue ;;
    esac
    i=$((i + 1))
done

# The jobs may start in another directory (sbatch --chdir): pass absolute paths.
scenario=$(realpath -e -- "$scenario")
outdir=$(realpath -m -- "$outdir")
case "$mxsim" in */*) mxsim=$(realpath -m -- "$mxsim") ;; esac

# Leftovers of another sweep would make the merge refuse (or, worse, mix runs in).
if compgen -G "$outdir/shard-*" >/dev/null || [ -e "$outdir/merged" ]; then
    die_usage "$outdir already holds shard-* or merged; remove them or choose another OUTDIR"
fi

# Check the scenario and the options here, before anything waits in a queue: the
# --print-run of the first run parses both (bad --set keys exit 2). Only possible when
# the binary runs on this node too; otherwise say so and go on.
if command -v "$mxsim" >/dev/null 2>&1; then
    if ! "$mxsim" sweep "$scenario" --print-run 0/0 "${sweep_opts[@]}" >/dev/null; then
        echo "$prog: mxsim rejects the scenario or the options (see above); nothing submitted" >&2
        exit 2
    fi
else
    echo "$prog: warning: $mxsim not found on this node; not checking the scenario" >&2
fi

# --- job scripts -----------------------------------------------------------------
# Static scripts; everything variable comes in as arguments, so no quoting is lost.
jobdir=$outdir/slurm
mkdir -p "$jobdir"

cat >"$jobdir/shard.sbatch" <<'EOF'
#!/usr/bin/env bash
# One shard of an mxsim sweep (analysis/slurm-sweep.sh): array task i runs shard i+1.
# args: MXSIM SCENARIO OUTDIR SHARDS [mxsim sweep options...]
set -euo pipefail
mxsim=$1 scenario=$2 outdir=$3 shards=$4
shift 4
i=${SLURM_ARRAY_TASK_ID:?not run as a Slurm array task}
echo "shard $((i + 1))/$shards on $(hostname) with ${SLURM_CPUS_PER_TASK:-1} cpus"
exec "$mxsim" sweep "$scenario" --shard "$((i + 1))/$shards" -o "$outdir/shard-$i" \
    -j "${SLURM_CPUS_PER_TASK:-1}" "$@"
EOF

cat >"$jobdir/merge.sbatch" <<'EOF'
#!/usr/bin/env bash
# Joins the shards of an mxsim sweep (analysis/slurm-sweep.sh).
# args: MXSIM OUTDIR SHARDS
set -euo pipefail
mxsim=$1 outdir=$2 shards=$3
dirs=()
for ((i = 0; i < shards; i++)); do dirs+=("$outdir/shard-$i"); done
exec "$mxsim" merge "${dirs[@]}" -o "$outdir/merged"
EOF

# --- submission --------------------------------------------------------------------
common=(--parsable)
[ -n "${PARTITION:-}" ] && common+=(--partition="$PARTITION")
if [ -n "${SBATCH_OPTS:-}" ]; then
    read -r -a extra <<<"$SBATCH_OPTS"
    common+=("${extra[@]}")
fi
name=$(basename "$scenario" .ini)

array_cmd=(sbatch "${common[@]}" --cpus-per-task="$cpus" --job-name="mxsim-sweep-$name"
           --array="0-$((shards - 1))" --output="$jobdir/shard-%a.log"
           "$jobdir/shard.sbatch" "$mxsim" "$scenario" "$outdir" "$shards" "${sweep_opts[@]}")
# The merge needs one core. --kill-on-invalid-dep cancels it when a shard fails,
# instead of leaving it pending forever (reason DependencyNeverSatisfied).
merge_cmd() {
    merge_cmd=(sbatch "${common[@]}" --cpus-per-task=1 --job-name="mxsim-merge-$name"
               --dependency="afterok:$1" --kill-on-invalid-dep=yes --output="$jobdir/merge.log"
               "$jobdir/merge.sbatch" "$mxsim" "$outdir" "$shards")
}

if [ "${DRY_RUN:-0}" = 1 ]; then
    merge_cmd ARRAY_JOB_ID
    printf '%q ' "${array_cmd[@]}"; echo
    printf '%q ' "${merge_cmd[@]}"; echo
    exit 0
fi

command -v sbatch >/dev/null 2>&1 || { echo "$prog: sbatch not found: run this on a Slurm login node" >&2; exit 1; }

# --parsable prints "jobid" or "jobid;cluster".
array_job=$("${array_cmd[@]}") || { echo "$prog: sbatch of the array job failed" >&2; exit 1; }
array_job=${array_job%%;*}
merge_cmd "$array_job"
if ! merge_job=$("${merge_cmd[@]}"); then
    echo "$prog: sbatch of the merge job failed; cancelling array job $array_job" >&2
    scancel "$array_job" || true
    exit 1
fi
merge_job=${merge_job%%;*}

printf 'ARRAY_JOB=%s\nMERGE_JOB=%s\n' "$array_job" "$merge_job" >"$jobdir/jobids"
echo "array job $array_job: $shards shards -> $outdir/shard-0 .. shard-$((shards - 1)) (logs $jobdir/shard-N.log)"
echo "merge job $merge_job: after array job $array_job -> $outdir/merged (log $jobdir/merge.log)"
echo "watch: squeue -j $array_job,$merge_job    cancel: scancel $array_job $merge_job"
