# The delay distribution of one run (delays.csv, all replications), log scale.
# Called by analysis/plot.sh with: dir, ext (png or svg).
set datafile separator ","
if (ext eq "svg") {
    set terminal svg size 1000,560 dynamic font "DejaVu Sans,11" noenhanced
} else {
    set terminal pngcairo size 1000,560 font "DejaVu Sans,11" noenhanced
}
set grid
set output dir."/plots/delay-cdf.".ext
set title "Delivery delay: fraction of messages delivered within a given time (all replications)"
set xlabel "delay (seconds, log scale)"
set ylabel "fraction of delivered messages"
set logscale x
set yrange [0:1.02]
set key inside right bottom
set mytics 2
plot dir."/delays.csv" using 1:3 skip 1 with steps lw 2 title "delivered within"
