"""What per-epoch logging costs a default `ke_evolve` run, measured alternately in one process.

Variants, each `evolve` with the arguments `ke_evolve` gives it by default (the quick preset: quarter-width ResNet18 on
the embedded Fashion-MNIST subset, batch 32) writing a run folder:
  none         the per-epoch records switched off (no EpochRecordsCB: epochs.csv stays empty)
  records      the default: a row per epoch in the run folder's epochs.csv, saved with the training state
  tensorboard  the default plus `--tensorboard` (TensorBoardCB: scalars per epoch and generation, figures per generation)
They run in rotating order, `--repeats` times each. Prints each variant's wall-clock and CPU time (this process's,
which other processes on a shared machine disturb less) relative to `none` (goal for the default records: at most 1.01).
A difference of 1% is below what alternating whole runs resolve on a busy machine, so the script also times the
records' own per-epoch work directly (building the row, saving the rows with the training state, rewriting
epochs.csv) at the row count of a default run's last epoch (10 generations × 20 epochs), against the CPU time of an
epoch of the `none` runs.

    python bench/logging_overhead.py [--generations 2] [--epochs 10] [--repeats 3] [--threads N]
"""
import argparse, io, statistics, sys, tempfile, time
from pathlib import Path
import torch
import knowledge_evolution.evolve
from knowledge_evolution.recipes import make_config, check_config, load_data, build_model_for, build_loaders
from knowledge_evolution.cli import evolve_arguments
from knowledge_evolution.run_folder import EpochRecordsCB, RunFolder
from knowledge_evolution.records import TensorBoardCB

evolve_module = sys.modules['knowledge_evolution.evolve']        # the module (the package's `evolve` is the function)
VARIANTS = ('none', 'records', 'tensorboard')
with_records = evolve_module.training_callbacks

def without_records(*args, **kwargs):
    "evolve's learner callbacks, less the per-epoch records."
    return [cb for cb in with_records(*args, **kwargs) if not isinstance(cb, EpochRecordsCB)]

def time_run(variant, config, data, generations, epochs) -> tuple:
    model = build_model_for(config, data); dls = build_loaders(config, data, model)
    out = Path(tempfile.mkdtemp(prefix=f'ke_logging_{variant}_'))
    arguments = evolve_arguments(config, torch.device('cpu'), main_process=False, quiet=True)   # no printing
    if variant == 'tensorboard': arguments['cbs'] = arguments['cbs'] + [TensorBoardCB(out / 'tensorboard')]
    arguments.update(generations=generations, epochs=epochs, out=out)
    evolve_module.training_callbacks = without_records if variant == 'none' else with_records
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        evolve_module.evolve(model, dls, **arguments)
        return time.perf_counter() - wall, time.process_time() - cpu
    finally: evolve_module.training_callbacks = with_records

def records_work_per_epoch(rows: int = 200, repeats: int = 20) -> float:
    "CPU seconds of the per-epoch work of the records with `rows` rows on record: save them in the state, rewrite epochs.csv."
    records = [dict(baseline='ke', generation=1 + i // 20, epoch=1 + i % 20, lr=0.1, train_loss=1.234567, train_top1=0.5,
                    valid_loss=1.345678, valid_top1=0.515, seconds=0.55) for i in range(rows)]
    folder = RunFolder.start(tempfile.mkdtemp(prefix='ke_logging_direct_'), {'bench': 'logging_overhead'})
    start = time.process_time()
    for _ in range(repeats):
        copy = [dict(r) for r in records]                         # the row appended, the list copied into the state
        torch.save(dict(epochs=copy), io.BytesIO())               # saved with the training state
        folder.write_epochs(copy, 'ke')                           # and epochs.csv rewritten
    folder.release()
    return (time.process_time() - start) / repeats

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
    epoch_cpu = statistics.median(r[1] for r in seconds['none']) / (a.generations * a.epochs)
    work = records_work_per_epoch()
    print(f"direct: the records' work per epoch with 200 rows on record {1000 * work:.2f} ms CPU, "
          f"{100 * work / epoch_cpu:.2f}% of an epoch of this run ({epoch_cpu:.3f} s CPU)")
    for clock, name in ((0, 'wall-clock'), (1, 'CPU')):
        for variant in VARIANTS:
            runs, none = [r[clock] for r in seconds[variant]], [r[clock] for r in seconds['none']]
            print(f"{name:10} {variant:12} {statistics.median(runs):7.2f} s (median)  ratio to none {sum(runs) / sum(none):.3f} "
                  f"(median of repeats {statistics.median(r / n for r, n in zip(runs, none)):.3f})")
