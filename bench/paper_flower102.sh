#!/usr/bin/env bash
# Reproduce the official README's Flower102 table (ResNet18, k = 0.5 KELS, 10 generations x 200 epochs):
# dense N1 52.76 -> N10 61.86, slim N10 61.86 (test top-1 %).
#
# Needs Flower102 in the official KE layout: $1/jpg/image_XXXXX.jpg and $1/lists/{trn,val,tst}.csv.
# Estimate on one H200: a ResNet18 training step at 224 px, batch 32, takes about 9 ms (bench/results/gpu_check_h200.log),
# so 32 steps per epoch x 2,000 epochs is about 10 minutes of GPU compute; with the CPU-side crop/flip of each batch and
# per-epoch validation, expect 20-40 minutes. On 2 CPU cores (~0.6 s per step of 8 images): several days.
# --baseline long adds the compute-matched long baseline (one generation of 2,000 epochs), as long again.
set -euo pipefail
root=${1:?usage: bench/paper_flower102.sh FLOWER102_FOLDER [more ke_evolve flags]}; shift
ke_evolve --preset paper --data flower102 --data-root "$root" --out runs/paper_flower102 --baseline long "$@"
