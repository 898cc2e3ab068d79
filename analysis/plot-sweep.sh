#!/usr/bin/env bash
# Charts of a sweep (PNG and SVG, gnuplot): each main metric against the first
# swept value, one line per combination of the others, with 95% confidence bars.
#   bash analysis/plot-sweep.sh DIR     (mxsim plot DIR runs it for a sweep)
# Writes DIR/plots/sweep-METRIC.{png,svg} and prints the PNGs' paths.
set -euo pipefail
dir=${1:?usage: plot-sweep.sh DIR}
here=$(cd "$(dirname "$0")" && pwd)
[ -f "$dir/points.csv" ] || { echo "plot-sweep.sh: $dir/points.csv is missing" >&2; exit 2; }
command -v gnuplot >/dev/null || { echo "plot-sweep.sh: gnuplot is not installed" >&2; exit 3; }
metrics=(delay_p99 delay_mean delivered_fraction timeout_fraction attempts_mean deferrals)
mkdir -p "$dir/plots"
for m in "${metrics[@]}"; do rm -f "$dir/plots/sweep-$m.png" "$dir/plots/sweep-$m.svg"; done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# points.csv as libcsv writes it: a field is quoted when it holds a comma or a
# quote (a swept "lognormal(250ms, 0.6)"). Debian's awk is mawk (no FPAT): split
# by hand. Fields come out separated by a tab, which no value holds.
csv_to_tsv() {
    awk '{ out = ""; f = ""; q = 0
           for (i = 1; i <= length($0); i++) {
               c = substr($0, i, 1)
               if (q) { if (c == "\"") { if (substr($0, i + 1, 1) == "\"") { f = f c; i++ } else q = 0 } else f = f c }
               else if (c == "\"") q = 1
               else if (c == ",") { out = out f "\t"; f = "" }
               else f = f c }
           print out f }' "$1"
}
csv_to_tsv "$dir/points.csv" > "$tmp/points.tsv"
nswept=$(awk -F'\t' 'NR == 1 { for (i = 2; i <= NF; i++) if ($i == "replications") { print i - 2; exit } }' "$tmp/points.tsv")
if [ "${nswept:-0}" -lt 1 ]; then
    echo "plot-sweep.sh: $dir/points.csv has no swept values (one point): try the charts of mxsim run --point" >&2
    exit 2
fi
xname=$(awk -F'\t' 'NR == 1 { print $2 }' "$tmp/points.tsv")
# x is numeric when every value is a plain number; else ordinal with labels.
categorical=$(awk -F'\t' 'NR > 1 && $2 !~ /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/ { c = 1 } END { print c + 0 }' "$tmp/points.tsv")
charts=()
for m in "${metrics[@]}"; do
    rm -f "$tmp"/sweep-*.csv
    # one file per combination of the other swept values, numbered in order of
    # appearance; its title names the combination (no spaces: gnuplot's word())
    titles=$(awk -F'\t' -v m="$m" -v ns="$nswept" -v cat="$categorical" -v t="$tmp" '
        NR == 1 { for (i = 1; i <= NF; i++) { if ($i == m "_mean") mc = i; if ($i == m "_ci95") cc = i; name[i] = $i }; next }
        !mc { exit }
        { key = ""; for (i = 3; i <= ns + 1; i++) key = key (key == "" ? "" : ",") name[i] "=" $i
          if (key == "") key = m
          if (!(key in id)) { id[key] = ++n; title[n] = key }
          if (!($2 in xo)) xo[$2] = ++nx
          x = cat ? xo[$2] : $2
          ci = ($cc == "nan" || $cc == "") ? 0 : $cc
          if ($mc != "nan") print x "," $mc "," ci "," $2 > (t "/sweep-" id[key] ".csv") }
        END { for (i = 1; i <= n; i++) printf "%s ", title[i] }' "$tmp/points.tsv")
    n=$(ls "$tmp"/sweep-*.csv 2>/dev/null | wc -l)
    [ "$n" -gt 0 ] || continue
    # the files must be numbered 1..n without holes for gnuplot's loop
    for ext in png svg; do
        gnuplot -e "dir='$dir'; tmp='$tmp'; n=$n; titles='$titles'; metric='$m'; xname='$xname'; categorical=$categorical; ext='$ext'" \
            "$here/sweep.gp" 2> >(grep -v '^Warning: empty y range' >&2)
    done
    charts+=("$m")
done
for m in "${charts[@]}"; do echo "$dir/plots/sweep-$m.png"; done
