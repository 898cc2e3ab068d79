# A metric against the first swept value: one line per combination of the other
# swept values; points at the mean over replications, bars the 95% confidence
# interval (points.csv). Called by analysis/plot.sh with: dir, tmp (files
# tmp/sweep-1.csv ...: x, mean, ci95, x label), n (how many), titles (one word per
# file), metric, xname, categorical (1: x is an ordinal with the labels as tics),
# ext.
set datafile separator ","
if (ext eq "svg") {
    set terminal svg size 800,480 dynamic font "DejaVu Sans,11" noenhanced
} else {
    set terminal pngcairo size 800,480 font "DejaVu Sans,11" noenhanced
}
set output dir."/plots/sweep-".metric.".".ext
set title metric." by ".xname." (mean over replications, bars: 95% confidence interval)"
set xlabel xname
set ylabel metric.(strstrt(metric, "delay") ? " (s)" : "")
set grid
set key outside right top vertical
set offsets 0.3, 0.3, 0, 0
if (categorical) {
    plot for [i=1:n] sprintf("%s/sweep-%d.csv", tmp, i) using 1:2:3:xtic(4) \
        with yerrorlines title word(titles, i)
} else { # numbers: placed by value, a tic at each swept value
    plot for [i=1:n] sprintf("%s/sweep-%d.csv", tmp, i) using 1:2:3:xtic(4) \
        with yerrorlines title word(titles, i)
}
