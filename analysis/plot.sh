#!/usr/bin/env bash
# Charts (PNG and SVG, gnuplot) from the CSVs of one run: bash analysis/plot.sh DIR
# (of a sweep: analysis/plot-sweep.sh)
# Writes DIR/plots/{accepted,share-over-time,sessions,backlog,deferred,delay-cdf,share}
# .{png,svg} and
# prints the PNGs' paths (the time charts need timeseries rows, the CDF delivered
# mail). mxsim plot DIR runs this.
set -euo pipefail
dir=${1:?usage: plot.sh DIR}
here=$(cd "$(dirname "$0")" && pwd)
# A sweep's directory (manifest.ini): one chart per metric against the swept values.
if [ -f "$dir/manifest.ini" ]; then
    exec bash "$here/plot-sweep.sh" "$dir"
fi
for f in timeseries.csv servers.csv delays.csv faults.csv; do
    [ -f "$dir/$f" ] || { echo "plot.sh: $dir/$f is missing (is $dir a run's output?)" >&2; exit 2; }
done
command -v gnuplot >/dev/null || { echo "plot.sh: gnuplot is not installed" >&2; exit 3; }
mkdir -p "$dir/plots"
for p in accepted share-over-time sessions backlog deferred delay-cdf share; do rm -f "$dir/plots/$p.png" "$dir/plots/$p.svg"; done
servers=$(awk -F, 'NR > 1 && !seen[$2]++ { printf "%s ", $2 }' "$dir/timeseries.csv")
senders=$(head -1 "$dir/timeseries.csv" | tr ',' '\n' | sed -n 's/^deferred_//p' | tr '\n' ' ')
step=$(awk -F, 'NR > 1 && $1 > 0 { print $1; exit }' "$dir/timeseries.csv")
tend=$(awk -F, 'NR > 1 { t = $1 } END { print t + 0 }' "$dir/timeseries.csv")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# One file per server (gnuplot draws no line through rows it skips): tmp/1.csv, ...
awk -F, -v t="$tmp" 'NR > 1 { if (!($2 in id)) id[$2] = ++n; print > (t "/" id[$2] ".csv") }' \
    "$dir/timeseries.csv"
# Per sample: each server's share of what all accepted (0 where nothing was).
awk -F, 'NR > 1 { if (!($1 in seen)) { seen[$1] = 1; order[++nt] = $1 }
                  if (!($2 in id)) id[$2] = ++ns; acc[$1, id[$2]] = $5; tot[$1] += $5 }
         END { for (i = 1; i <= nt; i++) { t = order[i]; line = t
                   for (k = 1; k <= ns; k++) line = line "," (tot[t] ? acc[t, k] / tot[t] : 0)
                   print line } }' "$dir/timeseries.csv" > "$tmp/share.csv"
# Fault windows of servers, shaded behind the time charts (minutes).
awk -F, -v tend="$tend" 'NR > 1 { e = ($5 == "inf") ? tend : $5;
        printf "set object rect from %g, graph 0 to %g, graph 1 fc rgb \"#f4cccc\" fs solid 0.6 noborder behind\n", $4 / 60, e / 60 }' \
    "$dir/faults.csv" > "$tmp/faults.gp"
means=$tmp/means.csv
awk -F, 'NR > 1 { n[$4]++; s[$4] += $6; if (!($4 in lo) || $6 < lo[$4]) lo[$4] = $6;
                  if (!($4 in hi) || $6 > hi[$4]) hi[$4] = $6; if (!($4 in ord)) ord[$4] = k++ }
         END { for (x in n) printf "%d,%s,%.6f,%.6f,%.6f\n", ord[x], x, s[x] / n[x], lo[x], hi[x] }' \
    "$dir/servers.csv" | sort -n | cut -d, -f2- > "$means"
charts=(share)
rows() { awk 'NR > 1 { n++ } END { print n + 0 }' "$1"; }
[ "$(rows "$dir/timeseries.csv")" -gt 0 ] && charts+=(accepted share-over-time sessions backlog deferred)
[ "$(rows "$dir/delays.csv")" -gt 0 ] && charts+=(delay-cdf)
for ext in png svg; do
    if [[ " ${charts[*]} " == *" accepted "* ]]; then
        gnuplot -e "dir='$dir'; tmp='$tmp'; servers='$servers'; senders='$senders'; step=${step:-60}; ext='$ext'" \
            "$here/timeseries.gp"
    fi
    if [[ " ${charts[*]} " == *" delay-cdf "* ]]; then
        gnuplot -e "dir='$dir'; ext='$ext'" "$here/delays.gp"
    fi
    gnuplot -e "dir='$dir'; means='$means'; ext='$ext'" "$here/servers.gp"
done
for p in "${charts[@]}"; do echo "$dir/plots/$p.png"; done
[ ${#charts[@]} -eq 7 ] || echo "plot.sh: no timeseries (sample = 0) or no delivered message: fewer charts" >&2
