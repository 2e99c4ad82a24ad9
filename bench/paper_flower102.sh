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
#
# The controls of chapter 25 (bench/claims.py on the embedded data) with the paper recipe: each `ke_evolve --baseline NAME`
# trains KE and one control into its own run folder (KE is trained again each time: about 10 minutes per control on one
# H200, plus the control's own epochs). Set CONTROLS="" to train KE and the long baseline only, and SEEDS to run several
# seeds (ke_evolve --seeds). `ke_compare runs/paper_flower102*` then puts them side by side.
set -euo pipefail
root=${1:?usage: bench/paper_flower102.sh FLOWER102_FOLDER [more ke_evolve flags]}; shift
seeds=${SEEDS:-1}
ke_evolve --preset paper --data flower102 --data-root "$root" --seeds "$seeds" --out runs/paper_flower102 --baseline long "$@"
for control in ${CONTROLS-scratch prune kd restarts}; do
  ke_evolve --preset paper --data flower102 --data-root "$root" --seeds "$seeds" --out "runs/paper_flower102_$control" --baseline "$control" "$@"
done
ke_compare runs/paper_flower102 $(for c in ${CONTROLS-scratch prune kd restarts}; do echo "runs/paper_flower102_$c"; done) --metric slim
