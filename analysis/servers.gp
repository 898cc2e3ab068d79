# Share of accepted mail per server, mean over replications (servers.csv).
# Called by analysis/plot.sh with: dir, means (a file: server, mean share, min, max), ext.
set datafile separator ","
if (ext eq "svg") {
    set terminal svg size 800,480 dynamic font "DejaVu Sans,11" noenhanced
} else {
    set terminal pngcairo size 800,480 font "DejaVu Sans,11" noenhanced
}
set output dir."/plots/share.".ext
set title "Share of accepted mail per server (bar: mean over replications; whiskers: min to max)"
set ylabel "share"
set yrange [0:*]
set style fill solid 0.6
set boxwidth 0.6
set grid y
unset key
plot means using 0:2:xtic(1) with boxes, means using 0:2:3:4 with yerrorbars lc rgb "black" pt 0
