#!/usr/bin/env bash
# Reproduce the official README's Flower102 table (ResNet18, k = 0.5 KELS, 10 generations x 200 epochs):
# dense N1 52.76 -> N10 61.86, slim N10 61.86 (test top-1 %).
#
# Needs Flower102 in the official KE layout: $1/jpg/image_XXXXX.jpg and $1/lists/{trn,val,tst}.csv.
# Measured on one H200 (bench/paper_epoch_time.py, synthetic images of Flower102's size, fp32, no AMP yet): one epoch of
# 1,020 training + 1,020 validation images takes 1.01 s (0.65 s training), so the 2,000 epochs take about 34 minutes.
# On 2 CPU cores, days.
# --baseline long adds the compute-matched long baseline (one generation of 2,000 epochs): about 1.1 hours in all on an H200.
set -euo pipefail
root=${1:?usage: bench/paper_flower102.sh FLOWER102_FOLDER [more ke_evolve flags]}; shift
ke_evolve --preset paper --data flower102 --data-root "$root" --out runs/paper_flower102 --baseline long "$@"
