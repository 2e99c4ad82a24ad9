#!/usr/bin/env bash
# The GPU checks of the scale-up work, as one script (run from the repo root on a machine with CUDA):
# the paper recipe's epoch time under each speed setting, the input pipeline's share of a training step,
# the quick preset with the GPU defaults against fp32, and CS-KD + fp16 end to end; torch.compile last.
# Writes its log to ${OUT:-.}/gpu_scale.log and the pipeline table to ${OUT:-.}/pipeline_cuda.md.
set -uo pipefail
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 MPLBACKEND=Agg
out="${OUT:-.}"
ke() { python3 -c "import sys; from knowledge_evolution.cli import main; sys.exit(main(sys.argv[1:]))" "$@"; }
{
nvidia-smi -L; python3 -c "import torch; print('torch', torch.__version__, '| bf16 supported:', torch.cuda.is_bf16_supported())"
echo "== paper recipe, one epoch under each speed setting"
timeout 120 python3 bench/paper_epoch_time.py --device cuda --epochs 2 --configs fp32 amp fp16
[ "${PIPELINE:-1}" = 1 ] && echo "== input pipeline share of a training step" &&
timeout 90 python3 bench/pipeline.py --device cuda --images 512 --steps 100 --warmup 10 --reps 3 --out "$out/pipeline_cuda.md" | tail -25
echo "== quick preset: GPU defaults (bf16, channels-last, augmentation on the GPU) vs fp32"
for flags in "" "--precision fp32 --no-channels-last"; do
  start=$(date +%s)
  ke --quiet --device cuda --out "/tmp/quick$RANDOM" $flags | tail -4
  echo "quick [${flags:-defaults}]: $(( $(date +%s) - start )) s"
done
echo "== CS-KD baseline with fp16 + GradScaler, 2 x 3 epochs, then the same command resumes as finished"
d=/tmp/cskd$RANDOM
ke --quiet --device cuda --out $d --generations 2 --epochs 3 --baseline cskd --precision fp16 | tail -5
ke --quiet --device cuda --out $d --generations 2 --epochs 3 --baseline cskd --precision fp16 | head -1
echo "== torch.compile (amp + compile) against amp"
timeout ${COMPILE_TIMEOUT:-200} python3 bench/paper_epoch_time.py --device cuda --epochs 2 --configs amp compile
} 2>&1 | tee "$out/gpu_scale.log"
