#!/usr/bin/gnuplot -c
# plot_history.gp — the lab notebook's training-curve figure with gnuplot (5.2 or later).
#
#   gnuplot -c scripts/plot_history.gp RUN_DIR [RUN_DIR ...] [-o OUT.png] [-t TITLE]
#
# The figure of scripts/plot_history.py: loss, accuracy, val_loss and val_accuracy per
# epoch from each run's history.csv, a grid, the y axis from 0 to 1, "Epochs" on the x
# axis, a title (the run's config name, or "<n> runs"), as a 1000 x 500 PNG (pngcairo).
# One run: a colour per metric; several: a colour per run and a dash pattern per metric.
# The output is RUN_DIR/history.png for one run and history.png for several, unless -o.
# A history.csv without an epoch column or any of the four metrics, without rows, or with
# a value that is not a number is an error naming the file (exit status 1), and nothing is
# written. At most 9 arguments (gnuplot's limit for -c).

metrics = "loss accuracy val_loss val_accuracy"
array runs[ARGC > 0 ? ARGC : 1]
nruns = 0
out = ""
title = ""
i = 1
while (i <= ARGC) {
    a = ARGV[i]
    if (a eq "-o" || a eq "-t") {
        if (i == ARGC) {
            print sprintf("plot_history.gp: error: %s needs a value", a)
            exit status 2
        }
        if (a eq "-o") { out = ARGV[i + 1] } else { title = ARGV[i + 1] }
        i = i + 2
    } else {
        nruns = nruns + 1
        runs[nruns] = a
        i = i + 1
    }
}
if (nruns == 0) {
    print "Usage: gnuplot -c scripts/plot_history.gp RUN_DIR [RUN_DIR ...] [-o OUT.png] [-t TITLE]"
    exit status 2
}

set datafile separator comma
set datafile columnheaders
csv(k) = runs[k] . "/history.csv"
# the header line without its CR, between commas, so that a name matches whole
header(k) = "," . system(sprintf("head -n 1 '%s' 2>/dev/null | tr -d '\\r'", csv(k))) . ","
has(k, m) = strstrt(header(k), "," . m . ",") > 0

# Every file is checked before anything is drawn.
do for [k = 1:nruns] {
    if (system(sprintf("test -r '%s' && echo yes", csv(k))) ne "yes") {
        print sprintf("plot_history.gp: error: %s: no such file (is %s an nnrun run directory?)", csv(k), runs[k])
        exit status 1
    }
    if (!has(k, "epoch")) {
        print sprintf("plot_history.gp: error: %s: no 'epoch' column", csv(k))
        exit status 1
    }
    found = 0
    if (system(sprintf("tail -n +2 '%s' | grep -c .", csv(k))) + 0 == 0) {
        print sprintf("plot_history.gp: error: %s: no epochs", csv(k))
        exit status 1
    }
    do for [m in "epoch " . metrics] {
        if (has(k, m)) {
            found = found + (m ne "epoch")
            # a record whose value does not read as a number ("nan" does) is invalid
            undefine STATS_*
            stats csv(k) using m nooutput
            if (!exists("STATS_records")) {
                print sprintf("plot_history.gp: error: %s: no value of %s is a number", csv(k), m)
                exit status 1
            }
            if (STATS_invalid > 0) {
                print sprintf("plot_history.gp: error: %s: %d value(s) of %s are not numbers", csv(k), STATS_invalid, m)
                exit status 1
            }
        }
    }
    if (found == 0) {
        print sprintf("plot_history.gp: error: %s: none of the columns %s", csv(k), metrics)
        exit status 1
    }
}

if (out eq "") { out = (nruns == 1) ? runs[1] . "/history.png" : "history.png" }
if (title eq "") {
    title = (nruns == 1) ? system(sprintf("sed -n 's/^name: *//p' '%s/config.yaml' 2>/dev/null | head -n 1", runs[1])) : sprintf("%d runs", nruns)
    if (title eq "") { title = runs[1] }
}

set terminal pngcairo size 1000,500 noenhanced font ",10"
set output out
set title title
set xlabel "Epochs"
set yrange [0:1]
set grid
set key top right opaque
set style data lines
# one run: a colour per metric; several: a colour per run, a dash pattern per metric
colour(k, j) = nruns == 1 ? j : k
dashes(j) = nruns == 1 ? 1 : j
label(k, j) = nruns == 1 ? word(metrics, j) : sprintf("%s: %s", runs[k], word(metrics, j))
source(k, j) = has(k, word(metrics, j)) ? csv(k) : "/dev/null"
plot for [k = 1:nruns] for [j = 1:words(metrics)] source(k, j) using "epoch":word(metrics, j) \
    linecolor colour(k, j) dashtype dashes(j) linewidth 1.5 title label(k, j)
set output
print out
