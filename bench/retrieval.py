"""KE for metric learning on the embedded data (chapter 26), in one resumable command.

The default retrieval run (`ke_evolve --task retrieval`: the quick preset, ResNet18 of width 0.25, 10 generations x 20
epochs, a 128-dimensional embedding, triplet loss with a multi-similarity miner, batches of 8 images of 4 classes) on
the embedded Fashion-MNIST subset: classes 0-4 train (20 images each), classes 5-9 test (1,700 images, every one a
query). For each seed: KE, the long baseline (200 epochs in one generation), the slim network's architecture
trained from scratch for 200 epochs, and the dense network pruned to the slim widths (100 + 100 epochs); plus two references that need no training: raw pixels, and KE's network as
initialised (generation 0). Each job is a run folder OUT/METHOD/seedS, so a killed bench resumes.

Writes RESULTS/retrieval.md and .csv (Recall@1, 2, 4, 8 and MAP@R, mean +- std over seeds, Welch p),
RESULTS/recall_per_generation.png and RESULTS/examples.png (seed 0's dense and slim networks of generation 10).

    python bench/retrieval.py [--seeds 5] [--workers 2] [--out runs/retrieval] [--results bench/results/retrieval] [--report-only]
"""
import argparse, csv, statistics, time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from knowledge_evolution.records import welch_p

METHODS = ('ke', 'long', 'scratch', 'prune')
KS = (1, 2, 4, 8)
SCORES = ('top1', *(f'recall@{k}' for k in KS[1:]), 'map@r')
NAMES = dict(zip(SCORES, ('R@1', 'R@2', 'R@4', 'R@8', 'MAP@R')))

def config_for(seed: int, out: Path) -> dict:
    from knowledge_evolution.recipes import make_config, check_config
    return check_config(make_config(task='retrieval', seed=seed, out=str(out), device='cpu'))

def run_job(job) -> tuple:
    "Train one method for one seed into its run folder (resuming it); (job, seconds)."
    import torch
    torch.set_num_threads(1)
    from knowledge_evolution.recipes import load_data, build_model_for, build_loaders
    from knowledge_evolution.evolve import evolve
    from knowledge_evolution.learner import ValidationScheduleCB
    method, seed, out = job
    start, config = time.time(), config_for(seed, out)
    data = load_data(config)
    model = build_model_for(config, data)
    evolve(model, build_loaders(config, data, model, 'cpu'), config['generations'], config['epochs'], lr=config['lr'],
           warmup=config['warmup'], baseline=method, device='cpu', out=out, progress=False,
           cbs=[ValidationScheduleCB(config['valid_every'])])
    return job, time.time() - start

def references(seeds) -> dict:
    "Scores that need no training: raw pixels, and the networks as initialised (generation 0), per seed."
    import torch
    from knowledge_evolution.recipes import load_data, build_model_for, build_loaders
    from knowledge_evolution.retrieval import retrieval_scores, embed
    from knowledge_evolution.slim import extract_slim
    out = {'pixels': [], 'init dense': [], 'init slim': []}
    for seed in seeds:
        config = config_for(seed, Path('unused'))
        data = load_data(config); model = build_model_for(config, data); dls = build_loaders(config, data, model, 'cpu')
        if not out['pixels']:
            x, y = torch.cat([xb for xb, _ in dls.test]), torch.cat([yb for _, yb in dls.test])
            out['pixels'].append(retrieval_scores(x.flatten(1), y))
        out['init dense'].append(retrieval_scores(*embed(model, dls.test)))
        out['init slim'].append(retrieval_scores(*embed(extract_slim(model, data.image_shape), dls.test)))
    return out

def history(out: Path, method: str, seed: int) -> list:
    from knowledge_evolution.run_folder import RunFolder
    return [r for r in RunFolder(out / method / f'seed{seed}').history if r['baseline'] == method]

def mean_std(values) -> str:
    return f"{100 * statistics.mean(values):.2f} ± {100 * statistics.stdev(values):.2f}" if len(values) > 1 else f"{100 * values[0]:.2f}"

def report(args):
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import torch
    seeds, out, results = range(args.seeds), Path(args.out), Path(args.results)
    results.mkdir(parents=True, exist_ok=True)
    runs = {m: [history(out, m, s) for s in seeds] for m in METHODS}
    rows = {}                                                   # row name -> {score: [per seed]}
    def add(name, records, kind):
        rows[name] = {s: [r[f'{kind}_{s}'] for r in records] for s in SCORES}
    last = lambda m: [h[-1] for h in runs[m]]
    add('KE dense N1', [h[0] for h in runs['ke']], 'dense'); add('KE slim N1', [h[0] for h in runs['ke']], 'slim')
    add('KE dense N10', last('ke'), 'dense'); add('long (dense, 200 epochs)', last('long'), 'dense')
    add('KE slim N10', last('ke'), 'slim'); add('scratch (slim architecture, 200 epochs)', last('scratch'), 'slim')
    add('prune (dense 100 epochs, pruned, 100 more)', last('prune'), 'slim')
    add('long, its slim cut', last('long'), 'slim')
    for name, scores in references(seeds).items(): rows[f'reference: {name}'] = {s: [d[s] for d in scores] for s in SCORES}
    versus = {'KE dense N1': 'KE dense N10', 'long (dense, 200 epochs)': 'KE dense N10', 'KE slim N1': 'KE slim N10',
              'scratch (slim architecture, 200 epochs)': 'KE slim N10', 'long, its slim cut': 'KE slim N10',
              'prune (dense 100 epochs, pruned, 100 more)': 'KE slim N10'}
    table = ['| | ' + ' | '.join(NAMES[s] for s in SCORES) + ' | R@1 vs | p (Welch) |', '|---' * (len(SCORES) + 3) + '|']
    with open(results / 'retrieval.csv', 'w', newline='') as f:
        w = csv.writer(f); w.writerow(['row', 'score', 'mean', 'std', 'seeds', 'versus', 'difference', 'p'])
        for name, scores in rows.items():
            ref = versus.get(name)
            diff = p = None
            if ref: diff, p = statistics.mean(scores['top1']) - statistics.mean(rows[ref]['top1']), welch_p(scores['top1'], rows[ref]['top1'])
            table.append(f"| {name} | " + ' | '.join(mean_std(scores[s]) for s in SCORES)
                         + (f" | {ref}: {100 * diff:+.2f} | {p:.2g} |" if ref else ' | | |'))
            for s in SCORES:
                v = scores[s]
                w.writerow([name, s, statistics.mean(v), statistics.stdev(v) if len(v) > 1 else 0, len(v),
                            ref if s == 'top1' else '', diff if s == 'top1' else '', p if s == 'top1' else ''])
    seconds = [sum(r['seconds'] for r in h) for h in runs['ke']]
    text = (f"Retrieval on the embedded Fashion-MNIST subset: train classes 0-4 (20 images each), test classes 5-9 (1,700 images). "
            f"`ke_evolve --task retrieval` (10 generations x 20 epochs, ResNet18 width 0.25, 128-d embedding, triplet loss + "
            f"multi-similarity miner, 8 images x 4 classes per batch), {len(seeds)} seeds; test scores in %, mean ± std; "
            f"Welch's t-test on Recall@1. `python bench/retrieval.py` ({args.minutes} min on 2 CPU cores, 2 workers). "
            f"One KE run: {statistics.mean(seconds):.0f} s of training and measuring on one thread beside another run.\n\n")
    (results / 'retrieval.md').write_text(text + '\n'.join(table) + '\n')
    print(text + '\n'.join(table))
    # per generation: mean ± std of KE dense and slim, the controls as bands at their end
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    gens = [r['generation'] for r in runs['ke'][0]]
    for kind, colour, marker in (('dense', '#264653', 'o'), ('slim', '#2a9d8f', 's')):
        values = torch.tensor([[100 * r[f'{kind}_top1'] for r in h] for h in runs['ke']])
        m, s = values.mean(0), values.std(0)
        ax.plot(gens, m, marker=marker, color=colour, label=f'KE {kind}')
        ax.fill_between(gens, m - s, m + s, color=colour, alpha=.2, lw=0)
    for name, colour, style in (('long (dense, 200 epochs)', '#e76f51', '--'), ('scratch (slim architecture, 200 epochs)', '#f4a261', '-.'),
                                ('reference: pixels', '#6c757d', ':')):
        v = torch.tensor(rows[name]['top1']) * 100
        ax.axhline(v.mean(), color=colour, linestyle=style, label=name)
        if len(v) > 1: ax.axhspan(v.mean() - v.std(), v.mean() + v.std(), color=colour, alpha=.12, lw=0)
    ax.set_xticks(gens); ax.set_xlabel('generation'); ax.set_ylabel('test Recall@1 (%), mean ± std')
    ax.set_title(f'Recall@1 on the unseen classes 5-9, {len(seeds)} seeds', fontsize=10)
    ax.legend(fontsize=7, loc='lower right'); ax.grid(alpha=.3); fig.tight_layout()
    fig.savefig(results / 'recall_per_generation.png', dpi=110); plt.close(fig)
    # the picture of retrieval, seed 0's networks of generation 10
    from knowledge_evolution.recipes import load_data, build_model_for, build_loaders
    from knowledge_evolution.checkpoints import load_checkpoint
    from knowledge_evolution.slim import extract_slim
    from knowledge_evolution.retrieval import show_retrieval
    from knowledge_evolution.data import FASHION_MNIST_CLASSES
    config = config_for(0, out / 'ke' / 'seed0')
    data = load_data(config); model = build_model_for(config, data)
    model.load_state_dict(load_checkpoint(out / 'ke' / 'seed0' / 'ke_gen10.pt')['model'])
    dls = build_loaders(config, data, model, 'cpu')
    fig = show_retrieval(dict(dense=model, slim=extract_slim(model, data.image_shape)), dls.test, classes=FASHION_MNIST_CLASSES,
                         title='seed 0, generation 10: nearest neighbours of six test images (green: same class, red: another)')
    fig.savefig(results / 'examples.png', dpi=100); plt.close(fig)

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--seeds', type=int, default=5); p.add_argument('--workers', type=int, default=2)
    p.add_argument('--out', default='runs/retrieval'); p.add_argument('--results', default='bench/results/retrieval')
    p.add_argument('--report-only', action='store_true')
    args = p.parse_args()
    start = time.time()
    if not args.report_only:
        todo = [(m, s, Path(args.out) / m / f'seed{s}') for m in METHODS for s in range(args.seeds)]
        with ProcessPoolExecutor(args.workers) as pool:
            for done in as_completed([pool.submit(run_job, j) for j in todo]):
                job, seconds = done.result(); print(f'{job[0]} seed {job[1]}: {seconds:.0f} s', flush=True)
    timing = Path(args.out) / 'bench_minutes.txt'                # how long the training took, for the report
    if not args.report_only: timing.write_text(str(round((time.time() - start) / 60)))
    args.minutes = timing.read_text().strip() if timing.exists() else '?'
    report(args)

if __name__ == '__main__':
    main()
