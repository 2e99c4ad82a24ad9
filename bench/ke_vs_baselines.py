"""KE against its honest baselines on the embedded Fashion-MNIST subset, over several seeds: a thin use of the
package's recipe (chapter 13) and seed summary (chapter 23).

For every seed: KE for G generations (dense and slim test top-1 after each, N1..NG; N1 is the one-generation
baseline), the compute-matched long baseline (one generation of G x E epochs, same initial network), LLF
(later-layer forgetting: G generations re-initialising the last stage and the classifier) and CS-KD (one
generation of G x E epochs on same-class pairs with the class-wise distillation loss), all from the quick preset.
Each seed's records go to OUT/seedS/history.json; `records.summarize_seeds` writes OUT/summary.csv, summary.md
(mean ± std, Welch's t-test against KE's last generation) and summary.png. Seeds run in parallel processes.

    python bench/ke_vs_baselines.py [--seeds 5] [--generations 10] [--epochs 20] [--workers 2] [--baselines long llf cskd]
"""
import argparse, time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

def one_seed(config: dict, baselines: list, out: Path):
    "KE and each baseline for the configuration's seed, from the same initial network; the records in out/seedS."
    import torch
    torch.set_num_threads(1)
    from knowledge_evolution.recipes import check_config, load_data, build_model_for, build_loaders
    from knowledge_evolution.evolve import evolve, History
    config = check_config(config)
    data = load_data(config)
    dls = build_loaders(config, data, build_model_for(config, data), 'cpu')
    train = dict(generations=config['generations'], epochs=config['epochs'], lr=config['lr'], progress=False, device='cpu')
    history = History(evolve(build_model_for(config, data), dls, **train))
    for baseline in baselines: history += evolve(build_model_for(config, data), dls, baseline=baseline, **train)
    folder = out / f"seed{config['seed']}"; folder.mkdir(parents=True, exist_ok=True)
    History(history).to_json(folder / 'history.json')

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--seeds', type=int, default=5); p.add_argument('--generations', type=int, default=10)
    p.add_argument('--epochs', type=int, default=20); p.add_argument('--width', type=float, default=0.25)
    p.add_argument('--lr', type=float, default=0.1); p.add_argument('--workers', type=int, default=2)
    p.add_argument('--baselines', nargs='*', default=['long', 'llf', 'cskd'], choices=['long', 'llf', 'cskd'])
    p.add_argument('--out', default=str(Path(__file__).parent / 'results' / 'ke_vs_baselines'))
    a = p.parse_args()
    from knowledge_evolution.recipes import make_config
    from knowledge_evolution.records import summarize_seeds
    start, out = time.time(), Path(a.out)
    configs = [make_config(seed=s, generations=a.generations, epochs=a.epochs, width=a.width, lr=a.lr) for s in range(a.seeds)]
    with ProcessPoolExecutor(a.workers) as pool: list(pool.map(one_seed, configs, [a.baselines] * a.seeds, [out] * a.seeds))
    summary = summarize_seeds(out, reference='long baseline' if 'long' in a.baselines else None)
    print(f"ResNet18 (width {a.width}, small stem), k = 0.5 KELS, embedded Fashion-MNIST subset (20 train images per "
          f"class), {a.epochs} epochs per generation, lr {a.lr}; test top-1 %, mean ± std over {a.seeds} seeds "
          f"({time.time() - start:.0f} s on this machine). {out}/summary.md:\n")
    print(summary.markdown())
