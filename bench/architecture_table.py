"""Every torchvision classification CNN (and one small model of each timm family): exact, inexact by design or
unsupported at k = 0.5, with the slim network's share of the parameters and FLOPs. Writes bench/results/architectures.md
and bench/results/architectures_timm.md; chapter 05 shows them and the README copies the first.

    python bench/architecture_table.py            # torchvision and timm
    python bench/architecture_table.py --no-timm  # torchvision only (--no-torchvision: timm only)
    python bench/architecture_table.py resnet18 timm:mixnet_s   # print some rows, write nothing
"""
import argparse, gc, sys, time, warnings
from pathlib import Path
import torch, torchvision
from knowledge_evolution.architectures import survey, torchvision_cnns, TIMM_FAMILIES

RESULTS = Path(__file__).parent / 'results'
HEADER = '| network | status | params (M) | slim params | slim FLOPs | why not exact |\n|---|---|---|---|---|---|\n'

def row(r: dict) -> str:
    fmt = lambda v, f: '' if v is None else format(v, f)
    why = r['reason'].replace('|', '/').replace('\n', ' ')
    return f"| {r['arch']} | {r['status']} | {fmt(r['dense_params'] and r['dense_params'] / 1e6, '.1f')} | {fmt(r['params_ratio'], '.3f')} | {fmt(r['flops_ratio'], '.3f')} | {why} |"

def summary(rows: list, what: str) -> str:
    count = lambda s: sum(r['status'] == s for r in rows)
    return (f"**{count('exact')} of {len(rows)} {what} exact** (slim = masked dense), {count('inexact by design')} inexact by design, "
            f"{count('unsupported')} unsupported; k = 0.5, 1000 classes, FLOPs at 224 px "
            f"(torch {torch.__version__.split('+')[0]}, torchvision {torchvision.__version__.split('+')[0]}).\n\n")

def scan(names: list, label=lambda n: n) -> list:
    rows = []
    for name in names:
        t = time.time()
        r = survey(name)
        rows.append({**r, 'arch': label(name)})
        print(f"{name:32s} {r['status']:18s} {time.time() - t:6.1f}s  {r['reason'][:100]}", flush=True)
        gc.collect()
    return rows

if __name__ == '__main__':
    warnings.filterwarnings('ignore')
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('names', nargs='*', help='survey these names only and print the rows')
    p.add_argument('--no-timm', action='store_true', help='skip the timm families')
    p.add_argument('--no-torchvision', action='store_true', help='skip torchvision (keep its table)')
    args = p.parse_args()
    if args.names:
        for r in scan(args.names): print(row(r))
        sys.exit()
    RESULTS.mkdir(exist_ok=True)
    if not args.no_torchvision:
        rows = scan(list(torchvision_cnns()))
        (RESULTS / 'architectures.md').write_text(summary(rows, 'torchvision classification CNNs') + HEADER + '\n'.join(map(row, rows)) + '\n')
    if not args.no_timm:
        family = {f'timm:{m}': f for f, m in TIMM_FAMILIES.items()}
        rows = scan(list(family), label=lambda n: n)
        lines = [row(r).replace(f"| {r['arch']} |", f"| {family[r['arch']]} | {r['arch']} |", 1) for r in rows]
        header = HEADER.replace('| network |', '| family | network |').replace('|---|', '|---|---|', 1)
        (RESULTS / 'architectures_timm.md').write_text(summary(rows, 'timm families') + header + '\n'.join(lines) + '\n')
