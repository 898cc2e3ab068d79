# Charts from one run's timeseries.csv (the first replication).
# Called by analysis/plot.sh with: dir; tmp, holding 1.csv, 2.csv, ... (each server's
# rows, in the order of the names in servers) and faults.gp (fault windows as
# shaded rectangles); servers; senders; step (s); ext (png or svg).
set datafile separator ","
if (ext eq "svg") {
    set terminal svg size 1000,560 dynamic font "DejaVu Sans,11" noenhanced
} else {
    set terminal pngcairo size 1000,560 font "DejaVu Sans,11" noenhanced
}
set key outside right top
set grid
set xlabel "simulated time (minutes)"
set style data lines
n = words(servers)
f(i) = tmp."/".i.".csv"
load tmp."/faults.gp"

set output dir."/plots/accepted.".ext
set title "Where the mail goes: messages accepted per server (per second, over each sample)\nshaded: fault windows"
set ylabel "messages/s"
# A row at time t counts what was accepted in (t - step, t]: fsteps draws it there.
plot for [i=1:n] f(i) using ($1/60):($5/step) with fsteps title word(servers, i) lw 2

# Each server's share of what was accepted in each sample (tmp/share.csv: time, then
# one share per server, from plot.sh).
set output dir."/plots/share-over-time.".ext
set title "Share of accepted mail per server, per sample\nshaded: fault windows"
set ylabel "share"
set yrange [0:1.05]
plot for [i=1:n] tmp."/share.csv" using ($1/60):(column(1+i)) with fsteps title word(servers, i) lw 2
set autoscale y

set output dir."/plots/sessions.".ext
set title "SMTP sessions in progress per server (cached idle connections included)\nshaded: fault windows"
set ylabel "sessions"
plot for [i=1:n] f(i) using ($1/60):3 title word(servers, i) lw 2

set output dir."/plots/backlog.".ext
set title "Connections waiting in each server's listen backlog\nshaded: fault windows"
set ylabel "connections"
# An all-zero series would make gnuplot warn about an empty range: set it ourselves.
top = 0
do for [i=1:n] { stats f(i) using 4 nooutput; top = STATS_max > top ? STATS_max : top }
set yrange [0:(top > 0 ? top * 1.1 : 1)]
plot for [i=1:n] f(i) using ($1/60):4 title word(servers, i) lw 2

set output dir."/plots/deferred.".ext
set title "Messages in each sender's deferred queue\nshaded: fault windows"
set ylabel "messages"
top = 0
do for [i=1:words(senders)] { stats f(1) using (column(8+i)) nooutput; top = STATS_max > top ? STATS_max : top }
set yrange [0:(top > 0 ? top * 1.1 : 1)]
plot for [i=1:words(senders)] f(1) using ($1/60):(column(8+i)) title word(senders, i) lw 2

