#!/usr/bin/env bash
# Everything this package checks on a GPU, as one script (run from the repo root on a machine with CUDA).
# Writes its log to ${OUT:-.}/gpu_check.log.
set -uo pipefail
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 MPLBACKEND=Agg
log="${OUT:-.}/gpu_check.log"
{
nvidia-smi -L; python3 -c "import torch, torchvision; print('torch', torch.__version__, 'torchvision', torchvision.__version__)"
echo "== cuda smoke";       python3 bench/cuda_smoke.py
echo "== split overhead";   python3 bench/split_overhead.py --device cuda --batch 32 --reps 30
echo "== slim cost";        python3 bench/slim_cost.py --device cuda --reps 20 --archs resnet18 resnet50 densenet121 googlenet resnext50_32x4d mobilenet_v2
echo "== ke_evolve quick preset on cuda"
start=$(date +%s)
python3 -c "import sys; from knowledge_evolution.cli import main; sys.exit(main(['--quiet', '--device', 'cuda', '--out', '/tmp/ke_quick']))"
echo "ke_evolve quick on cuda: $(( $(date +%s) - start )) s"
} 2>&1 | tee "$log"
