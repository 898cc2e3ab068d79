#!/usr/bin/env bash
# Charts (PNG, gnuplot) from the CSVs of one run: bash analysis/plot.sh DIR
# Writes DIR/plots/{accepted,sessions,backlog,deferred,share}.png and prints their paths.
set -euo pipefail
dir=${1:?usage: plot.sh DIR}
here=$(cd "$(dirname "$0")" && pwd)
for f in timeseries.csv servers.csv; do
    [ -f "$dir/$f" ] || { echo "plot.sh: $dir/$f is missing" >&2; exit 2; }
done
mkdir -p "$dir/plots"
servers=$(awk -F, 'NR > 1 && !seen[$2]++ { printf "%s ", $2 }' "$dir/timeseries.csv")
senders=$(head -1 "$dir/timeseries.csv" | tr ',' '\n' | sed -n 's/^deferred_//p' | tr '\n' ' ')
step=$(awk -F, 'NR > 1 && $1 > 0 { print $1; exit }' "$dir/timeseries.csv")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
means=$tmp/means.csv
# One file per server (gnuplot draws no line through rows it skips): tmp/1.csv, ...
awk -F, -v t="$tmp" 'NR > 1 { if (!($2 in id)) id[$2] = ++n; print > (t "/" id[$2] ".csv") }' \
    "$dir/timeseries.csv"
awk -F, 'NR > 1 { n[$4]++; s[$4] += $6; if (!($4 in lo) || $6 < lo[$4]) lo[$4] = $6;
                  if (!($4 in hi) || $6 > hi[$4]) hi[$4] = $6; if (!($4 in ord)) ord[$4] = k++ }
         END { for (x in n) printf "%d,%s,%.6f,%.6f,%.6f\n", ord[x], x, s[x] / n[x], lo[x], hi[x] }' \
    "$dir/servers.csv" | sort -n | cut -d, -f2- > "$means"
gnuplot -e "dir='$dir'; tmp='$tmp'; servers='$servers'; senders='$senders'; step=${step:-60}" \
    "$here/timeseries.gp"
gnuplot -e "dir='$dir'; means='$means'" "$here/servers.gp"
for p in accepted sessions backlog deferred share; do echo "$dir/plots/$p.png"; done
