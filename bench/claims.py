"""Does KE work? Every claim of the book against its control (chapter 25), in one resumable command.

Each job is one method, one setting, one seed: a run folder OUT/SETTING/METHOD/seedS written by `evolve`, so a killed
bench resumes where it stopped and a finished job is not trained again. Jobs run in parallel processes, one thread each.

Settings (all: ResNet18 of width 0.25 with the small stem, lr 0.1, batch 32, label smoothing 0.1, validation every
10 epochs; GENERATIONS x EPOCHS epochs per run, default 10 x 10, half the quick preset's epochs per generation, to fit
the 90-minute budget on 2 CPU cores):
  k0.5   the embedded Fashion-MNIST subset (20 training images per class, 3,000 test images), KELS k = 0.5:
         KE, long, LLF, restarts, scratch, prune, kd
  k0.25, k0.75   KE and scratch at the other split rates
  wels   KE with WELS masks (dense only: WELS has no slim network)
  nN     the full Fashion-MNIST (Debian's dataset-fashion-mnist) with N training images per class (--train-per-class),
         N in 10 20 50 100: KE, scratch and long, tested on a fixed stratified 2,000 of its 10,000 test images

Then it writes RESULTS/claims.md and .csv (the table: every method, mean +- std over seeds, params, inference MFLOPs,
training cost, seconds per epoch, Welch p against KE slim N10 and KE dense N10), RESULTS/pareto.png and data_size.png.

    python bench/claims.py [--seeds 5] [--workers 2] [--generations 10] [--epochs 10] [--out runs/claims]
                           [--results bench/results/claims] [--report-only]
                           [--studies main size] [--fmnist /usr/share/datasets/fashion-mnist]
"""
import argparse, json, math, statistics, sys, time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from knowledge_evolution.records import welch_p          # the package's one Welch test (chapter 23)

MAIN = {'k0.5': dict(split_rate=0.5, methods=('ke', 'long', 'llf', 'restarts', 'scratch', 'prune', 'kd')),
        'k0.25': dict(split_rate=0.25, methods=('ke', 'scratch')),
        'k0.75': dict(split_rate=0.75, methods=('ke', 'scratch')),
        'wels': dict(split_rate=0.5, mode='wels', methods=('ke',))}
SIZES = (10, 20, 50, 100)
SIZE_METHODS = ('ke', 'scratch', 'long')
COST = dict(ke=1., long=1., llf=1., restarts=1., scratch=.4, prune=.7, kd=.8)   # rough relative run times, longest first
FMNIST_TEST = 2000

def settings(studies) -> dict:
    "Every setting of the chosen studies: its name, configuration overrides and methods."
    out = {}
    if 'main' in studies: out.update({name: dict(s) for name, s in MAIN.items()})
    if 'size' in studies:
        for n in SIZES: out[f'n{n}'] = dict(split_rate=0.5, data='fashion-mnist', train_per_class=n, methods=SIZE_METHODS)
    return out

def _fmnist_for_bench(data):
    "The full Fashion-MNIST cut for the bench: a fixed stratified 2,000 test images and 200 validation images."
    import torch
    from knowledge_evolution.data import ImageData
    def stratified(split, n):
        x, y = data.splits[split]
        g = torch.Generator().manual_seed(0)
        keep = torch.cat([torch.nonzero(y == c).flatten()[torch.randperm(int((y == c).sum()), generator=g)[:n // data.num_classes]]
                          for c in range(data.num_classes)]).sort().values
        return x[keep], y[keep]
    return ImageData({**data.splits, 'test': stratified('test', FMNIST_TEST), 'valid': stratified('valid', 200)}, data.classes, data.name)

def run_job(job: dict) -> tuple:
    "Train one method of one setting for one seed into its run folder (resuming it); (job, seconds)."
    import torch
    torch.set_num_threads(1)
    from knowledge_evolution.recipes import make_config, check_config, load_data, build_model_for, build_loaders
    from knowledge_evolution.evolve import evolve
    from knowledge_evolution.learner import ValidationScheduleCB
    start = time.time()
    config = check_config(make_config(**job['config']))
    data = load_data(config)
    if config['data'] == 'fashion-mnist': data = _fmnist_for_bench(data)
    model = build_model_for(config, data)
    dls = build_loaders(config, data, model, 'cpu')
    evolve(model, dls, config['generations'], config['epochs'], lr=config['lr'], warmup=config['warmup'], baseline=job['method'],
           device='cpu', out=job['out'], progress=False, cbs=[ValidationScheduleCB(config['valid_every'])])
    return job, time.time() - start

def jobs(args) -> list:
    "Every (setting, method, seed) job, longest first."
    found = []
    for name, s in settings(args.studies).items():
        for method in s['methods']:
            for seed in range(args.seeds):
                config = dict(generations=args.generations, epochs=args.epochs, seed=seed, split_rate=s['split_rate'],
                              mode=s.get('mode', 'kels'), data=s.get('data', 'fashion-mnist-small'),
                              data_root=args.fmnist if s.get('data') == 'fashion-mnist' else None,
                              train_per_class=s.get('train_per_class'))
                weight = COST[method] * (s.get('train_per_class') or 20) / 20
                found.append(dict(setting=name, method=method, seed=seed, config=config, weight=weight,
                                  out=str(Path(args.out) / name / method / f'seed{seed}')))
    return sorted(found, key=lambda j: -j['weight'])

def finished(job: dict, generations: int) -> bool:
    from knowledge_evolution.baselines import BASELINES
    path = Path(job['out']) / 'history.json'
    if not path.exists(): return False
    last = BASELINES[job['method']].schedule(generations, job['config']['epochs'])[0]
    return any(r['generation'] == last for r in json.loads(path.read_text()))

# ---------------------------------------------------------------- the table
def _mean_std(v): return (statistics.mean(v), statistics.stdev(v) if len(v) > 1 else 0.) if v else (None, None)

def _records(out: Path, setting: str, method: str) -> list:
    "Each seed's records of one method of one setting."
    runs = sorted((out / setting / method).glob('seed*/history.json'))
    return [json.loads(p.read_text()) for p in runs]

def _seconds_per_epoch(out: Path, setting: str, method: str) -> float:
    import csv
    rows = [float(r['seconds']) for p in (out / setting / method).glob('seed*/epochs.csv') for r in csv.DictReader(open(p))]
    return statistics.mean(rows) if rows else math.nan

def result(out: Path, setting: str, method: str, generation, kind: str, label: str) -> dict | None:
    """One row: `kind` ('dense' or 'slim') top-1 of `method`'s `generation` (-1: its last) over the seeds, its params,
    MFLOPs and training cost (image passes x MFLOPs of the networks trained, a teacher's forward passes at a third)."""
    histories = _records(out, setting, method)
    if not histories: return None
    picks = [h[generation] if generation == -1 else next(r for r in h if r['generation'] == generation) for h in histories]
    values = [r[f'{kind}_top1'] for r in picks if r.get(f'{kind}_top1') is not None]
    if not values: return None
    first = picks[0]
    n_train = _train_images(setting)
    cost, trained = 0., 0
    for r in histories[0]:
        if r['generation'] > first['generation']: break
        net = 'slim' if method == 'scratch' or (method in ('prune', 'kd') and r['generation'] == 2) else 'dense'
        cost += r['epochs'] * n_train * r[f'{net}_mflops']
        if method == 'kd' and r['generation'] == 2: cost += r['epochs'] * n_train * r['dense_mflops'] / 3
        trained += r['epochs']
    mean, std = _mean_std(values)
    return dict(setting=setting, label=label, method=method, kind=kind, epochs=trained, seeds=len(values), mean=mean, std=std,
                values=values, params=first[f'{kind}_params'], mflops=first[f'{kind}_mflops'], cost=cost / 1e6,
                sec_per_epoch=_seconds_per_epoch(out, setting, method))

def _train_images(setting: str) -> int:
    return 10 * (int(setting[1:]) if setting[0] in 'ne' else 20)

def table_rows(out: Path, generations: int, epochs: int) -> list:
    rows = [result(out, 'k0.5', 'ke', 1, 'dense', f'KE dense N1 (normal training, {epochs} epochs)'),
            result(out, 'k0.5', 'ke', generations, 'dense', f'KE dense N{generations}'),
            result(out, 'k0.5', 'long', -1, 'dense', 'long baseline (dense)'),
            result(out, 'k0.5', 'llf', -1, 'dense', f'LLF {generations} (dense)'),
            result(out, 'k0.5', 'restarts', -1, 'dense', f'restarts N{generations} (dense)'),
            result(out, 'wels', 'ke', -1, 'dense', f'KE WELS dense N{generations}')]
    for k in ('0.25', '0.5', '0.75'):
        rows += [result(out, f'k{k}', 'ke', generations, 'slim', f'KE slim N{generations}, k = {k}'),
                 result(out, f'k{k}', 'scratch', -1, 'slim', f'scratch, k = {k} shape')]
    rows += [result(out, 'k0.5', 'restarts', -1, 'slim', f'restarts N{generations} slim (k = 0.5)'),
             result(out, 'k0.5', 'prune', -1, 'slim', 'prune (k = 0.5 widths)'),
             result(out, 'k0.5', 'kd', -1, 'slim', 'kd student (k = 0.5 shape)')]
    return [r for r in rows if r is not None]

def _pct(r) -> str: return f"{100 * r['mean']:.2f} ± {100 * r['std']:.2f}"

def _table(header: list, lines: list) -> str:
    "A markdown table."
    return '\n'.join(['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)] + lines)

def markdown(rows, generations: int) -> str:
    find = lambda label: next((r for r in rows if r['label'] == label), None)
    slim, dense = find(f'KE slim N{generations}, k = 0.5'), find(f'KE dense N{generations}')
    def vs(r, ref):
        if ref is None or r is ref: return '—'
        p = welch_p(r['values'], ref['values'])
        text = f"{100 * (r['mean'] - ref['mean']):+.2f}, p = {p:.2g}"
        return f'**{text}**' if p < 0.05 else text
    header = ['method', 'network', 'epochs', 'test top-1 %', 'params', 'MFLOPs', 'training cost (TFLOP)', 's / epoch',
              f'vs KE slim N{generations}', f'vs KE dense N{generations}']
    return _table(header, [f"| {r['label']} | {r['kind']} | {r['epochs']} | {_pct(r)} | {r['params']:,} | {r['mflops']:.1f} | "
                           f"{r['cost']:.1f} | {r['sec_per_epoch']:.2f} | {vs(r, slim)} | {vs(r, dense)} |" for r in rows])

# ---------------------------------------------------------------- the figures
def pareto_figure(rows, path: Path, generations: int):
    "Test top-1 (mean ± std) against inference MFLOPs, one marker per row of the table, named in the legend."
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FixedLocator, NullLocator
    fig, ax = plt.subplots(figsize=(9.5, 4.6))
    styles = {('ke', 'dense'): ('#264653', 'o'), ('ke', 'slim'): ('#2a9d8f', 'o'), ('long', 'dense'): ('#e76f51', 's'),
              ('llf', 'dense'): ('#8d6cab', 'd'), ('restarts', 'dense'): ('#6c757d', 'X'), ('restarts', 'slim'): ('#adb5bd', 'X'),
              ('scratch', 'slim'): ('#f4a261', '^'), ('prune', 'slim'): ('#9d0208', 'P'), ('kd', 'slim'): ('#3a86ff', 'v')}
    same_x = {}
    for r in rows: same_x.setdefault(round(r['mflops'], 1), []).append(r['label'])
    for r in rows:
        share = same_x[round(r['mflops'], 1)]                 # markers at one cost spread sideways, to be seen
        x = r['mflops'] * 1.035 ** (share.index(r['label']) - (len(share) - 1) / 2)
        color, marker = styles[r['method'], r['kind']]
        if r['setting'] == 'wels': marker = 'D'
        if r['label'].startswith('KE dense N1 '): color, marker = '#94a3b8', 'o'
        ax.errorbar(x, 100 * r['mean'], yerr=100 * r['std'], fmt=marker, color=color, capsize=3, ms=6, label=r['label'],
                    mfc='white' if r['setting'] == 'wels' else color)
    ticks = sorted({round(r['mflops'], 1) for r in rows})
    ax.set_xscale('log'); ax.xaxis.set_major_locator(FixedLocator(ticks)); ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([f'{t:g}' for t in ticks])
    ax.set_xlabel('inference MFLOPs per image (log scale)')
    ax.set_ylabel(f"test top-1 (%), mean ± std over {max(r['seeds'] for r in rows)} seeds")
    total = max(r['epochs'] for r in rows)
    ax.set_title(f'Every method trained {total} epochs (KE dense N1: its first {total // generations}); '
                 'markers at one cost spread sideways', fontsize=8)
    ax.grid(alpha=.3); ax.legend(fontsize=7, loc='center left', bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout(); fig.savefig(path, dpi=120); plt.close(fig)

def size_rows(out: Path, generations: int) -> list:
    "Per data size: KE's slim network against scratch, KE's dense network against long, differences paired by seed."
    rows = []
    for setting, data, n in [('k0.5', 'embedded', 20)] + [(f'n{n}', 'full', n) for n in SIZES]:
        ke, scratch = result(out, setting, 'ke', generations, 'slim', ''), result(out, setting, 'scratch', -1, 'slim', '')
        dense, long = result(out, setting, 'ke', generations, 'dense', ''), result(out, setting, 'long', -1, 'dense', '')
        if None in (ke, scratch, dense, long): continue
        rows.append(dict(n=n, data=data, ke_slim=ke, scratch=scratch, ke_dense=dense, long=long,
                         gain=_mean_std([a - b for a, b in zip(ke['values'], scratch['values'])]),
                         dense_gain=_mean_std([a - b for a, b in zip(dense['values'], long['values'])]),
                         p=welch_p(ke['values'], scratch['values']), dense_p=welch_p(dense['values'], long['values'])))
    return rows

def size_markdown(rows, generations: int) -> str:
    gain = lambda g: f"{100 * g[0]:+.2f} ± {100 * g[1]:.2f}"
    header = ['data', 'images per class', f'KE slim N{generations}', 'scratch', 'KE slim − scratch', 'p', f'KE dense N{generations}',
              'long', 'KE dense − long', 'p']
    return _table(header, [f"| {r['data']} | {r['n']} | {_pct(r['ke_slim'])} | {_pct(r['scratch'])} | {gain(r['gain'])} | {r['p']:.2g} | "
                           f"{_pct(r['ke_dense'])} | {_pct(r['long'])} | {gain(r['dense_gain'])} | {r['dense_p']:.2g} |" for r in rows])

def size_figure(rows, path: Path, generations: int):
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    for data, marker, line in (('full', 'o', '-'), ('embedded', 's', '')):
        part = [r for r in rows if r['data'] == data]
        n = [r['n'] for r in part]
        for key, label, color in (('gain', f'KE slim N{generations} − slim from scratch', '#2a9d8f'),
                                  ('dense_gain', f'KE dense N{generations} − long baseline', '#264653')):
            ax.errorbar(n, [100 * r[key][0] for r in part], yerr=[100 * r[key][1] for r in part], marker=marker, linestyle=line or 'none',
                        capsize=3, color=color, mfc='white' if data == 'embedded' else color, label=f'{label} ({data} Fashion-MNIST)')
    ax.axhline(0, color='k', lw=.8)
    ticks = sorted({r['n'] for r in rows})
    ax.set_xscale('log'); ax.set_xticks(ticks); ax.set_xticklabels([str(v) for v in ticks]); ax.minorticks_off()
    ax.set_xlabel('training images per class (log scale)'); ax.set_ylabel('difference in test top-1 (points)')
    ax.set_title('KE against its controls as the data grows (mean ± std over seeds, paired by seed)', fontsize=9)
    ax.legend(fontsize=7); ax.grid(alpha=.3); fig.tight_layout(); fig.savefig(path, dpi=120); plt.close(fig)

def report(args, seconds=None):
    out, results = Path(args.out), Path(args.results)
    results.mkdir(parents=True, exist_ok=True)
    rows = table_rows(out, args.generations, args.epochs)
    srows = size_rows(out, args.generations)
    text = [f"# Does KE work? (`python bench/claims.py`)\n",
            f"ResNet18 (width 0.25, small stem), {args.generations} generations × {args.epochs} epochs, lr 0.1, batch 32; "
            f"embedded Fashion-MNIST subset (20 training images per class, 3,000 test images); test top-1 %, mean ± std over "
            f"{args.seeds} seeds; Welch's t-test, bold: p < 0.05." + (f" Bench time: {seconds / 60:.0f} min with {args.workers} workers on this machine." if seconds else ''), '',
            markdown(rows, args.generations)]
    if srows: text += ['', f'## KE against the amount of data (embedded subset: its 3,000 test images; full Fashion-MNIST: a fixed stratified {FMNIST_TEST:,} of its test images)', '',
                      size_markdown(srows, args.generations)]
    (results / 'claims.md').write_text('\n'.join(text) + '\n')
    import csv
    columns = ['setting', 'label', 'method', 'kind', 'epochs', 'seeds', 'mean', 'std', 'params', 'mflops', 'cost', 'sec_per_epoch', 'values']
    with open(results / 'claims.csv', 'w', newline='') as f:      # values: each seed's top-1, seed 0 first
        w = csv.DictWriter(f, columns, extrasaction='ignore'); w.writeheader()
        w.writerows([dict(r, values=' '.join(f'{v:.6f}' for v in r['values'])) for r in rows])
    with open(results / 'data_size.csv', 'w', newline='') as f:
        w = csv.writer(f); w.writerow(['data', 'per_class', 'method', 'kind', 'values'])
        for r in srows:
            for key, method, kind in (('ke_slim', 'ke', 'slim'), ('scratch', 'scratch', 'slim'), ('ke_dense', 'ke', 'dense'), ('long', 'long', 'dense')):
                w.writerow([r['data'], r['n'], method, kind, ' '.join(f'{v:.6f}' for v in r[key]['values'])])
    if rows: pareto_figure(rows, results / 'pareto.png', args.generations)
    if srows: size_figure(srows, results / 'data_size.png', args.generations)
    print('\n'.join(text))

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--seeds', type=int, default=5); p.add_argument('--workers', type=int, default=2)
    p.add_argument('--generations', type=int, default=10); p.add_argument('--epochs', type=int, default=10)
    p.add_argument('--studies', nargs='*', default=['main', 'size'], choices=['main', 'size'])
    p.add_argument('--fmnist', default='/usr/share/datasets/fashion-mnist', help='folder of the Fashion-MNIST IDX files')
    p.add_argument('--out', default='runs/claims', help='where the run folders go (resumable; not committed)')
    p.add_argument('--results', default=str(Path(__file__).parent / 'results' / 'claims'), help='where the table and figures go')
    p.add_argument('--report-only', action='store_true', help='write the table and figures from the runs there, train nothing')
    args = p.parse_args(argv)
    if 'size' in args.studies and not Path(args.fmnist).is_dir():
        sys.exit(f"the data-size study needs the full Fashion-MNIST in {args.fmnist}: apt-get install dataset-fashion-mnist "
                 "(or --fmnist FOLDER, or --studies main)")
    start = time.time()
    if not args.report_only:
        todo = [j for j in jobs(args) if not finished(j, args.generations)]
        print(f'{len(todo)} jobs to run ({len(jobs(args)) - len(todo)} finished already), {args.workers} workers', flush=True)
        with ProcessPoolExecutor(args.workers) as pool:
            for i, done in enumerate(as_completed([pool.submit(run_job, j) for j in todo]), 1):
                job, seconds = done.result()
                print(f"[{i}/{len(todo)}, {(time.time() - start) / 60:.1f} min] {job['setting']} {job['method']} seed {job['seed']}: {seconds:.0f} s", flush=True)
    report(args, time.time() - start if not args.report_only else None)

if __name__ == '__main__':
    main()
