# SPDX-License-Identifier: MIT
# chart.gp: bench/ratios.png from bench/ratios.dat (report.mjs): how many
# times better igmcp is than the reference server, per headline figure.
# Usage: gnuplot -e "dat='bench/ratios.dat'; out='bench/ratios.png'" chart.gp
set terminal pngcairo size 1100,640 font "sans,10"
set output out
set termoption noenhanced
set title "igmcp vs @modelcontextprotocol/server-everything (times better, log scale)"
set style fill solid 0.8 border -1
set boxwidth 0.7
set logscale y
set yrange [0.1:*]
set grid ytics
set xtics rotate by 35 right
set bmargin 14
set lmargin 16
set ylabel "baseline / igmcp (rates: igmcp / baseline)"
unset key
plot dat using 0:2:xtic(1) with boxes lc rgb "#3b6ea5", \
     1 with lines lc rgb "#aa3333" dt 2
