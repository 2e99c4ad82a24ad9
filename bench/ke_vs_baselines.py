"""KE against its honest baselines on the embedded Fashion-MNIST subset, over several seeds.

For every seed: KE for G generations (dense and slim test top-1 after each, N1..NG; N1 is the one-generation
baseline), the compute-matched long baseline (one generation of G x E epochs, same initial network), LLF
(later-layer forgetting: G generations re-initialising the last stage and the classifier) and CS-KD (one
generation of G x E epochs on same-class pairs with the class-wise distillation loss).
Writes bench/results/ke_vs_baselines.csv (every run) and .md (mean ± std). Runs seeds in parallel processes.

    python bench/ke_vs_baselines.py [--seeds 5] [--generations 10] [--epochs 20] [--workers 2] [--baselines long llf cskd]
"""
import argparse, csv, statistics, time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

def one_seed(seed, generations, epochs, width, lr, baselines):
    import torch
    torch.set_num_threads(1)
    from knowledge_evolution.data import load_embedded, get_dataloaders
    from knowledge_evolution.models import resnet18
    from knowledge_evolution.evolve import evolve
    dls = get_dataloaders(load_embedded(), batch_size=32, seed=seed)
    def model():
        torch.manual_seed(seed)
        return resnet18(10, 0.5, 'kels', small_input=True, width=width, in_channels=1, seed=seed)
    kw = dict(generations=generations, epochs=epochs, lr=lr, progress=False, device='cpu')
    rows = evolve(model(), dls, **kw)
    for b in baselines: rows += evolve(model(), dls, baseline=b, **kw)
    return [dict(seed=seed, **r) for r in rows]

def mean_std(xs):
    xs = [100 * x for x in xs]
    return f"{statistics.mean(xs):.2f} ± {statistics.stdev(xs) if len(xs) > 1 else 0:.2f}"

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--seeds', type=int, default=5); p.add_argument('--generations', type=int, default=10)
    p.add_argument('--epochs', type=int, default=20); p.add_argument('--width', type=float, default=0.25)
    p.add_argument('--lr', type=float, default=0.1); p.add_argument('--workers', type=int, default=2)
    p.add_argument('--baselines', nargs='*', default=['long', 'llf', 'cskd'], choices=['long', 'llf', 'cskd'])
    p.add_argument('--out', default=str(Path(__file__).parent / 'results'))
    a = p.parse_args()
    start = time.time()
    with ProcessPoolExecutor(a.workers) as pool:
        runs = list(pool.map(one_seed, range(a.seeds), [a.generations] * a.seeds, [a.epochs] * a.seeds,
                             [a.width] * a.seeds, [a.lr] * a.seeds, [a.baselines] * a.seeds))
    rows = [r for run in runs for r in run]
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    with open(out / 'ke_vs_baselines.csv', 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0])); w.writeheader(); w.writerows(rows)
    lines = [f"ResNet18 (width {a.width}, small stem), k = 0.5 KELS, embedded Fashion-MNIST subset "
             f"(20 train images per class), {a.epochs} epochs per generation, lr {a.lr}; test top-1 %, mean ± std over "
             f"{a.seeds} seeds ({time.time() - start:.0f} s on this machine).", '',
             '| run | epochs | dense top-1 | slim top-1 |', '|---|---|---|---|']
    for g in range(1, a.generations + 1):
        rs = [r for r in rows if r['kind'] == 'ke' and r['generation'] == g]
        lines.append(f"| KE N{g} | {g * a.epochs} | {mean_std([r['dense_top1'] for r in rs])} | {mean_std([r['slim_top1'] for r in rs])} |")
    slim = lambda rs: mean_std([r['slim_top1'] for r in rs]) if rs[0]['slim_top1'] is not None else '-'
    for kind, label in (('long', 'long baseline'), ('cskd', 'CS-KD')):
        rs = [r for r in rows if r['kind'] == kind]
        if rs: lines.append(f"| {label} | {a.generations * a.epochs} | {mean_std([r['dense_top1'] for r in rs])} | {slim(rs)} |")
    for g in range(1, a.generations + 1):
        rs = [r for r in rows if r['kind'] == 'llf' and r['generation'] == g]
        if rs and g in (1, 2, a.generations // 2, a.generations):
            lines.append(f"| LLF {g} | {g * a.epochs} | {mean_std([r['dense_top1'] for r in rs])} | {slim(rs)} |")
    (out / 'ke_vs_baselines.md').write_text('\n'.join(lines) + '\n')
    print('\n'.join(lines))
