"""One default KE generation against a bare PyTorch loop doing the same training passes, measured alternately.

The generation is `evolve(generations=1)` with the arguments `ke_evolve` gives it by default (the quick preset:
quarter-width ResNet18 on the embedded Fashion-MNIST subset, 20 epochs, batch 32), writing a run folder. The bare
loop trains a network built the same way on the same loader with the same optimizer, learning-rate schedule and loss,
and does nothing else: no validation, no metrics, no checkpoints, no measuring of the dense and slim networks.
A third variant, the generation without a run folder (no checkpoints, no records written), shows what writing
costs. All run in this process, in rotating order, `--repeats` times each. Prints, relative to the bare loop, by wall-clock time
and by this process's CPU time (which other processes on a shared machine disturb less; it also counts the checkpoint
writer's thread, which wall-clock time hides when a core is free):
  - evolve's training loop (the Learner's fit: validation, metrics, per-epoch records and checkpoints included),
  - the whole generation (the fit, then measuring the dense and slim networks on the test set and saving them).

    python bench/generation_overhead.py [--epochs 20] [--repeats 3] [--valid-every N] [--threads N]
"""
import argparse, statistics, tempfile, time
import torch
from torch import nn
from knowledge_evolution.recipes import make_config, check_config, load_data, build_model_for, build_loaders
from knowledge_evolution.cli import evolve_arguments
from knowledge_evolution.learner import Callback, warmup_cosine
from knowledge_evolution.evolve import evolve

def clocks() -> tuple: return time.perf_counter(), time.process_time()
def since(start) -> tuple: return tuple(now - then for now, then in zip(clocks(), start))

class FitTimer(Callback):
    "(wall, CPU) seconds spent in the Learner's fit, and in its validation epochs."
    order = -100
    def __init__(self): self.fit = self.valid = (0., 0.)
    def before_fit(self, learn): self.start = clocks()
    def after_fit(self, learn): self.fit = since(self.start)
    def before_epoch(self, learn): self.epoch_start = clocks()
    def after_epoch(self, learn):
        if not learn.training: self.valid = tuple(a + b for a, b in zip(self.valid, since(self.epoch_start)))

def bare_loop(model, dls, config, epochs):
    "The training passes alone: SGD with momentum and weight decay, warm-up + cosine per epoch, label smoothing."
    opt = torch.optim.SGD(model.parameters(), lr=config['lr'], momentum=0.9, weight_decay=config['wd'])
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, warmup_cosine(epochs, config['warmup']))
    loss_func = nn.CrossEntropyLoss(label_smoothing=config['label_smoothing'])
    model.train()
    for _ in range(epochs):
        for x, y in dls.train:
            loss_func(model(x), y).backward(); opt.step(); opt.zero_grad()
        schedule.step()

def time_bare(config, data, epochs) -> tuple:
    model = build_model_for(config, data); dls = build_loaders(config, data, model)
    start = clocks(); bare_loop(model, dls, config, epochs)
    return since(start)

def time_generation(config, data, epochs, out=True) -> tuple:
    model = build_model_for(config, data); dls = build_loaders(config, data, model)
    timer = FitTimer()
    arguments = evolve_arguments(config, torch.device('cpu'), main_process=False, quiet=True)   # no printing
    arguments.update(generations=1, epochs=epochs, out=tempfile.mkdtemp(prefix='ke_overhead_') if out else None,
                     cbs=arguments['cbs'] + [timer])
    start = clocks(); evolve(model, dls, **arguments)
    return since(start), timer.fit, timer.valid

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--epochs', type=int, default=20); p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--threads', type=int, help='torch threads (default: torch\'s own choice)')
    p.add_argument('--valid-every', type=int, help="validate every N epochs (default: the preset's, every epoch)")
    a = p.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    config = check_config(make_config('quick', device='cpu', **({'valid_every': a.valid_every} if a.valid_every else {})))
    data = load_data(config)
    time_bare(config, data, 1); time_generation(config, data, 1)                 # warm up both paths once
    VARIANTS = ('bare', 'evolve', 'no folder')
    runs = {v: [] for v in VARIANTS}                 # bare: (wall, cpu); evolve variants: ((wall, cpu) whole, fit, valid)
    for r in range(a.repeats):
        for variant in VARIANTS[r % 3:] + VARIANTS[:r % 3]:
            runs[variant].append(time_bare(config, data, a.epochs) if variant == 'bare'
                                 else time_generation(config, data, a.epochs, out=variant == 'evolve'))
    bare = runs['bare']
    print(f"quick preset, 1 generation × {a.epochs} epochs, validation every {config['valid_every']} epoch(s), "
          f"{torch.get_num_threads()} threads, {a.repeats} repeats in rotating order")
    for clock, name in ((0, 'wall-clock'), (1, 'CPU')):
        print(f"{name}: bare PyTorch loop {statistics.median(b[clock] for b in bare):.2f} s (median)")
        for variant in VARIANTS[1:]:
            ratio = lambda part: sum(r[part][clock] for r in runs[variant]) / sum(b[clock] for b in bare)
            pairs = lambda part: statistics.median(r[part][clock] / b[clock] for r, b in zip(runs[variant], bare))
            print(f"  {variant:9}: fit {ratio(1):.3f}× (median of pairs {pairs(1):.3f}), of which validation {ratio(2):.3f}×; "
                  f"whole generation {ratio(0):.3f}× (median of pairs {pairs(0):.3f})")
