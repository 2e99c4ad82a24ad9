"""Dense vs slim (k = 0.5, KELS) at 224 px, 102 classes: parameters, FLOPs (torch.utils.flop_counter) and
inference latency at batch 1 and 32, dense and slim alternating in one run. The paper's README gives
ResNet18 3.632 vs 0.968 GOps (ratio 0.267).

    python bench/slim_cost.py [--device cpu|cuda] [--archs resnet18 resnet34 resnet50] [--reps 10]
"""
import argparse, statistics, time
import torch
from knowledge_evolution.architectures import ARCHITECTURES
from knowledge_evolution.slim import extract_slim, count_parameters, count_flops
from knowledge_evolution.learner import get_device

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument("--device", default="auto"); p.add_argument("--archs", nargs="+", default=list(ARCHITECTURES))
p.add_argument('--reps', type=int, default=10); p.add_argument('--batches', type=int, nargs='+', default=[1, 32])
a = p.parse_args()
dev = get_device(a.device)
sync = torch.cuda.synchronize if dev.type == 'cuda' else (lambda: None)

def latency(m, x):
    sync(); t = time.perf_counter()
    with torch.no_grad(): m(x)
    sync(); return time.perf_counter() - t

print(f"device {dev}, {torch.get_num_threads()} CPU threads; latency = median of {a.reps}, dense and slim alternating")
print('| arch | dense params (M) | slim params (M) | dense GFLOPs | slim GFLOPs | FLOP ratio | ' +
      ' | '.join(f'latency ratio b{b}' for b in a.batches) + ' |')
print('|---' * (6 + len(a.batches)) + '|')
for arch in a.archs:
    dense = ARCHITECTURES[arch](102, 0.5).eval()
    slim = extract_slim(dense).eval()
    fd, fs = count_flops(dense, (3, 224, 224)), count_flops(slim, (3, 224, 224))
    dense, slim = dense.to(dev), slim.to(dev)
    ratios = []
    for b in a.batches:
        x = torch.randn(b, 3, 224, 224, device=dev)
        for m in (dense, slim): latency(m, x); latency(m, x)
        t = {dense: [], slim: []}
        for i in range(a.reps):
            for m in ((dense, slim) if i % 2 == 0 else (slim, dense)): t[m].append(latency(m, x))
        td, ts = statistics.median(t[dense]), statistics.median(t[slim])
        ratios.append(f'{ts / td:.3f} ({1000 * td:.1f} vs {1000 * ts:.1f} ms)')
    print(f'| {arch} | {count_parameters(dense) / 1e6:.2f} | {count_parameters(slim) / 1e6:.2f} | {fd / 1e9:.3f} | '
          f'{fs / 1e9:.3f} | {fs / fd:.3f} | ' + ' | '.join(ratios) + ' |', flush=True)
