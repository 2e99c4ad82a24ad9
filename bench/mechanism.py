"""Why the slim network climbs, measured on the claims bench's KE runs (bench/claims.py, setting k0.5).

The dense network's fit outputs also read the reset inputs: the reset->fit block of every mask. That block is re-drawn
every generation, so training learns to make the fit outputs depend on it less and less; the slim network (the masked
dense network, which zeroes the block) then computes more and more what the dense one computes. For every generation
of every seed this script measures, on the test images:
  - reset share: over the split convolutions and the classifier, the share of the fit outputs' pre-activation that comes
    through the reset->fit block, |W[fit, reset] x| / (|W[fit, fit] x| + |W[fit, reset] x|), averaged over layers;
  - output gap: |dense(x) - masked dense(x)| / |dense(x)| at the logits;
  - agreement: the share of test images on which the dense and the slim network predict the same class;
and writes RESULTS/mechanism.csv and mechanism.png beside the slim network's test top-1.

    python bench/mechanism.py [--runs runs/claims/k0.5/ke] [--results bench/results/claims] [--images 1000]
"""
import argparse, csv, json, statistics
from pathlib import Path
import torch
import torch.nn.functional as F
from knowledge_evolution.data import load_embedded, get_dataloaders
from knowledge_evolution.run_folder import RunFolder
from knowledge_evolution.models import split_layers_of
from knowledge_evolution.split_layers import mask_channels, FIT_COLOR, RESET_COLOR, whole_ticks
from knowledge_evolution.slim import masked_dense

def reset_share(model, x) -> float:
    "Mean over split layers (ungrouped) of |reset->fit part| / (|fit->fit part| + |reset->fit part|) of the fit outputs."
    shares, hooks = [], []
    def measure(layer):
        def hook(module, inputs, output):
            (z,) = inputs
            fit_out, fit_in = mask_channels(layer.fit_mask)
            w = layer.weight[fit_out]
            keep = fit_in.view(1, -1, *[1] * (z.ndim - 2)).to(z.dtype)
            if isinstance(layer, torch.nn.Conv2d):
                part = lambda zz: F.conv2d(zz, w, None, layer.stride, layer.padding, layer.dilation)
            else: part = lambda zz: F.linear(zz, w)
            fit, reset = part(z * keep).norm(), part(z * (1 - keep)).norm()
            shares.append((reset / (fit + reset)).item())
        return hook
    for layer in split_layers_of(model).values():
        if getattr(layer, 'groups', 1) == 1: hooks.append(layer.register_forward_hook(measure(layer)))
    with torch.no_grad(): model(x)
    for h in hooks: h.remove()
    return statistics.mean(shares)

def measure_run(folder: RunFolder, x) -> list:
    rows = []
    for g, record in zip(folder.generations, folder.history.of_baseline('ke')):
        dense = folder.model(g)
        masked = masked_dense(dense).eval()
        with torch.no_grad(): a, b = dense(x), masked(x)
        rows.append(dict(generation=g, reset_share=reset_share(dense, x), output_gap=((a - b).norm() / a.norm()).item(),
                         agreement=(a.argmax(1) == b.argmax(1)).float().mean().item(), slim_top1=record['slim_top1'],
                         dense_top1=record['dense_top1']))
    return rows

def figure(per_seed: list, path: Path):
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    gens = [r['generation'] for r in per_seed[0]]
    mean = lambda k: [statistics.mean(s[i][k] for s in per_seed) for i in range(len(gens))]
    std = lambda k: [statistics.stdev(s[i][k] for s in per_seed) if len(per_seed) > 1 else 0. for i in range(len(gens))]
    fig, (a, b) = plt.subplots(1, 2, figsize=(9.5, 3.4))
    for key, label, color in (('reset_share', "reset→fit share of the fit outputs' input", RESET_COLOR),
                              ('output_gap', 'gap between dense and masked dense logits', '#264653')):
        a.errorbar(gens, mean(key), yerr=std(key), marker='o', capsize=3, color=color, label=label)
    a.set_xlabel('generation'); a.set_ylabel('relative size'); a.set_ylim(bottom=0); whole_ticks(a); a.legend(fontsize=7); a.grid(alpha=.3)
    a.set_title('what the slim network leaves out', fontsize=9)
    for key, label, color in (('slim_top1', 'slim network test top-1', FIT_COLOR), ('agreement', 'dense and slim predict alike', '#8d6cab')):
        b.errorbar(gens, [100 * v for v in mean(key)], yerr=[100 * v for v in std(key)], marker='o', capsize=3, color=color, label=label)
    b.set_xlabel('generation'); b.set_ylabel('%'); whole_ticks(b); b.legend(fontsize=7); b.grid(alpha=.3)
    b.set_title(f'and what it can then do (mean ± std over {len(per_seed)} seeds)', fontsize=9)
    fig.tight_layout(); fig.savefig(path, dpi=120); plt.close(fig)

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--runs', default='runs/claims/k0.5/ke'); p.add_argument('--results', default='bench/results/claims')
    p.add_argument('--images', type=int, default=1000)
    args = p.parse_args(argv)
    torch.manual_seed(0)
    dls = get_dataloaders(load_embedded(), 32)            # the normalisation the runs trained with
    x = torch.cat([xb for xb, _ in dls.test])[:args.images]
    per_seed = [measure_run(RunFolder(path), x) for path in sorted(Path(args.runs).glob('seed*'))]
    results = Path(args.results); results.mkdir(parents=True, exist_ok=True)
    with open(results / 'mechanism.csv', 'w', newline='') as f:
        w = csv.DictWriter(f, ['seed', *per_seed[0][0]]); w.writeheader()
        for seed, rows in enumerate(per_seed): w.writerows(dict(r, seed=seed) for r in rows)
    figure(per_seed, results / 'mechanism.png')
    for i, g in enumerate(r['generation'] for r in per_seed[0]):
        print(f"generation {g:2}: reset share {statistics.mean(s[i]['reset_share'] for s in per_seed):.3f}, "
              f"output gap {statistics.mean(s[i]['output_gap'] for s in per_seed):.3f}, "
              f"agreement {100 * statistics.mean(s[i]['agreement'] for s in per_seed):.1f} %, "
              f"slim top-1 {100 * statistics.mean(s[i]['slim_top1'] for s in per_seed):.1f} %")

if __name__ == '__main__':
    main()
