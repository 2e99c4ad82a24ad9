#!/usr/bin/env bash
# Reproduce the official README's Flower102 table (ResNet18, k = 0.5 KELS, 10 generations x 200 epochs):
# dense N1 52.76 -> N10 61.86, slim N10 61.86 (test top-1 %).
#
# Needs Flower102 in the official KE layout ($1/jpg/image_XXXXX.jpg and $1/lists/{trn,val,tst}.csv) or torchvision's
# ($1/flowers-102/ with jpg/, imagelabels.mat, setid.mat).
# Measured on one H200 (bench/gpu_scale.sh, synthetic images of Flower102's size): one epoch of 1,020 training +
# 1,020 validation images takes 0.29 s with the GPU defaults (bf16 autocast, channels-last, augmentation on the GPU),
# 2.20 s in fp32 with CPU augmentation; so the 2,000 epochs take about 10 minutes, and --baseline long (one generation
# of 2,000 epochs) as long again: about 20 minutes in all. Add `--precision fp32 --no-channels-last` for the official
# numerics (about 75 minutes per 2,000 epochs). Several GPUs: put `torchrun --nproc_per_node N` in front of ke_evolve.
# On 2 CPU cores, days.
set -euo pipefail
root=${1:?usage: bench/paper_flower102.sh FLOWER102_FOLDER [more ke_evolve flags]}; shift
ke_evolve --preset paper --data flower102 --data-root "$root" --out runs/paper_flower102 --baseline long "$@"
