"""Does splitting cost anything? Time a training step (forward, backward, SGD step) of a split ResNet against the
same plain torchvision ResNet, alternating the two in one run so both see the same machine state.
Goal: split / plain <= 1.02 (the forward pass is unchanged; the mask is a buffer the step never touches).

    python bench/split_overhead.py [--device cpu|cuda] [--size 224] [--batch 8] [--reps 20]
"""
import argparse, copy, statistics, time
import torch, torchvision
from knowledge_evolution.models import split_model
from knowledge_evolution.learner import get_device

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument('--device', default='auto'); p.add_argument('--size', type=int, default=224)
p.add_argument('--batch', type=int, default=8); p.add_argument('--reps', type=int, default=20)
p.add_argument('--arch', default='resnet18')
a = p.parse_args()
dev = get_device(a.device)
torch.manual_seed(0)
plain = getattr(torchvision.models, a.arch)(num_classes=102).to(dev)
split = split_model(copy.deepcopy(plain).cpu(), 0.5).to(dev)
x = torch.randn(a.batch, 3, a.size, a.size, device=dev); y = torch.randint(0, 102, (a.batch,), device=dev)
loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=0.1)
opts = {m: torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4) for m in (plain, split)}
sync = torch.cuda.synchronize if dev.type == 'cuda' else (lambda: None)

def step(m):
    sync(); t = time.perf_counter()
    loss_fn(m(x), y).backward(); opts[m].step(); opts[m].zero_grad(set_to_none=True)
    sync(); return time.perf_counter() - t

for m in (plain, split):
    for _ in range(3): step(m)      # warm-up
times = {plain: [], split: []}
for i in range(a.reps):
    for m in ((plain, split) if i % 2 == 0 else (split, plain)): times[m].append(step(m))
tp, ts = statistics.median(times[plain]), statistics.median(times[split])
print(f"{a.arch} {a.size}px batch {a.batch} on {dev} ({torch.get_num_threads()} threads), median of {a.reps} alternating steps:")
print(f"  plain torchvision: {1000 * tp:8.2f} ms/step")
print(f"  split (KE):        {1000 * ts:8.2f} ms/step")
print(f"  ratio split/plain: {ts / tp:.3f}  (goal <= 1.02)")
