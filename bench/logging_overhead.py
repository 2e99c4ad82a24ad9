"""What per-epoch logging costs a default `ke_evolve` run, measured alternately in one process.

Variants, each `evolve` with the arguments `ke_evolve` gives it by default (the quick preset: quarter-width ResNet18 on
the embedded Fashion-MNIST subset, batch 32) writing a run folder:
  none         the per-epoch records switched off (no EpochRecordsCB: epochs.csv stays empty)
  records      the default: a row per epoch in the run folder's epochs.csv, saved with the training state
  tensorboard  the default plus `--tensorboard` (TensorBoardCB: scalars per epoch and generation, figures per generation)
They run in rotating order, `--repeats` times each. Prints each variant's time relative to `none` (goal for the
default records: at most 1.01).

    python bench/logging_overhead.py [--generations 2] [--epochs 10] [--repeats 3] [--threads N]
"""
import argparse, statistics, sys, tempfile, time
from pathlib import Path
import torch
import knowledge_evolution.evolve
from knowledge_evolution.recipes import make_config, check_config, load_data, build_model_for, build_loaders
from knowledge_evolution.cli import evolve_arguments
from knowledge_evolution.run_folder import EpochRecordsCB
from knowledge_evolution.records import TensorBoardCB

evolve_module = sys.modules['knowledge_evolution.evolve']        # the module (the package's `evolve` is the function)
VARIANTS = ('none', 'records', 'tensorboard')
with_records = evolve_module.training_callbacks

def without_records(*args, **kwargs):
    "evolve's learner callbacks, less the per-epoch records."
    return [cb for cb in with_records(*args, **kwargs) if not isinstance(cb, EpochRecordsCB)]

def time_run(variant, config, data, generations, epochs) -> float:
    model = build_model_for(config, data); dls = build_loaders(config, data, model)
    out = Path(tempfile.mkdtemp(prefix=f'ke_logging_{variant}_'))
    arguments = evolve_arguments(config, torch.device('cpu'), main_process=False, quiet=True)   # no printing
    if variant == 'tensorboard': arguments['cbs'] = arguments['cbs'] + [TensorBoardCB(out / 'tensorboard')]
    arguments.update(generations=generations, epochs=epochs, out=out)
    evolve_module.training_callbacks = without_records if variant == 'none' else with_records
    try:
        start = time.perf_counter(); evolve_module.evolve(model, dls, **arguments)
        return time.perf_counter() - start
    finally: evolve_module.training_callbacks = with_records

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--generations', type=int, default=2); p.add_argument('--epochs', type=int, default=10)
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--threads', type=int, help='torch threads (default: torch\'s own choice)')
    a = p.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    config = check_config(make_config('quick', device='cpu'))
    data = load_data(config)
    for variant in VARIANTS: time_run(variant, config, data, 1, 1)                 # warm up every path once
    seconds = {v: [] for v in VARIANTS}
    for r in range(a.repeats):
        for variant in VARIANTS[r % 3:] + VARIANTS[:r % 3]:                         # rotate the order
            seconds[variant].append(time_run(variant, config, data, a.generations, a.epochs))
    print(f"quick preset, {a.generations} generations × {a.epochs} epochs, {torch.get_num_threads()} threads, "
          f"{a.repeats} repeats in rotating order")
    for variant in VARIANTS:
        ratio = sum(seconds[variant]) / sum(seconds['none'])
        pairs = statistics.median(s / n for s, n in zip(seconds[variant], seconds['none']))
        print(f"{variant:12} {statistics.median(seconds[variant]):7.2f} s (median)  ratio to none {ratio:.3f} (median of repeats {pairs:.3f})")
