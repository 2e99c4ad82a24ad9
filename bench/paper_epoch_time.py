"""Time of one epoch of the paper recipe (ResNet18, 224-px crops of 256-px images, batch 32, Flower102's size:
1,020 training and 1,020 validation images, 102 classes) on synthetic images, to estimate a full paper run.

    python bench/paper_epoch_time.py [--device cuda] [--epochs 3]
"""
import argparse, time
import torch
from knowledge_evolution.data import ImageData, get_dataloaders
from knowledge_evolution.architectures import resnet18
from knowledge_evolution.evolve import evolve
from knowledge_evolution.learner import Callback, get_device

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument('--device', default='auto'); p.add_argument('--epochs', type=int, default=3)
p.add_argument('--images', type=int, default=1020, help='images per split (Flower102: 1,020)')
a = p.parse_args()
g = torch.Generator().manual_seed(0)
split = lambda n: (torch.randint(0, 256, (n, 3, 256, 256), dtype=torch.uint8, generator=g), torch.arange(n) % 102)
data = ImageData(dict(train=split(a.images), valid=split(a.images), test=split(a.images)), tuple(map(str, range(102))), 'synthetic-flower102')
dls = get_dataloaders(data, batch_size=32, crop=224)

class EpochTimer(Callback):
    order = 99
    def before_epoch(self, learn):
        if learn.training: self.t = time.perf_counter()
    def after_epoch(self, learn):
        if learn.training: self.train_times.append(time.perf_counter() - self.t)
        else: self.epoch_times.append(time.perf_counter() - self.t)
    def __init__(self): self.train_times, self.epoch_times = [], []

timer = EpochTimer()
dev = get_device(a.device)
torch.manual_seed(0)
evolve(resnet18(102, 0.5), dls, generations=1, epochs=a.epochs, lr=0.256, warmup=1, device=dev, cbs=[timer], progress=False)
train, full = min(timer.train_times), min(timer.epoch_times)
print(f"{dev}: one epoch of {a.images} images = {full:.2f} s (training {train:.2f} s; validation {full - train:.2f} s)")
print(f"paper run estimate (10 generations x 200 epochs, + 10 test evaluations): {2000 * full / 3600:.2f} h;"
      f" with --baseline long: {4000 * full / 3600:.2f} h")
