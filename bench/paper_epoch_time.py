"""Time of one epoch of the paper recipe (ResNet18, 224-px crops of 256-px images, batch 32, Flower102's size:
1,020 training and 1,020 validation images, 102 classes) on synthetic images, to estimate a full paper run,
for several speed settings in one run (each a fresh model, same data):

    fp32        float32, NCHW, augmentation on the CPU (what the first version did)
    fp32-gpuaug float32, NCHW, augmentation on the GPU
    amp         the default on GPUs: bf16 autocast (fp16 + GradScaler where bf16 is missing), channels-last, GPU augmentation
    fp16        fp16 autocast with a GradScaler, channels-last, GPU augmentation
    compile     amp + torch.compile

    python bench/paper_epoch_time.py [--device cuda] [--epochs 3] [--configs fp32 fp32-gpuaug amp fp16 compile]
"""
import argparse, time
import torch
from knowledge_evolution.data import ImageData, get_dataloaders
from knowledge_evolution.architectures import resnet18
from knowledge_evolution.evolve import evolve
from knowledge_evolution.learner import Callback, get_device

CONFIGS = {'fp32': dict(precision='fp32', channels_last=False, gpu_aug=False),
           'fp32-gpuaug': dict(precision='fp32', channels_last=False, gpu_aug=True),
           'amp': dict(precision='auto', channels_last=None, gpu_aug=True),
           'fp16': dict(precision='fp16', channels_last=None, gpu_aug=True),
           'compile': dict(precision='auto', channels_last=None, gpu_aug=True, compile=True)}

class EpochTimer(Callback):
    order = 99
    def __init__(self): self.train_times, self.epoch_times = [], []
    def before_epoch(self, learn):
        if learn.training:
            if torch.cuda.is_available(): torch.cuda.synchronize()
            self.t = time.perf_counter()
    def after_epoch(self, learn):
        if torch.cuda.is_available(): torch.cuda.synchronize()
        if learn.training: self.train_times.append(time.perf_counter() - self.t)
        else: self.epoch_times.append(time.perf_counter() - self.t)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--device', default='auto'); p.add_argument('--epochs', type=int, default=3)
    p.add_argument('--images', type=int, default=1020, help='images per split (Flower102: 1,020)')
    p.add_argument('--configs', nargs='+', default=['fp32', 'amp'], choices=list(CONFIGS))
    a = p.parse_args()
    dev = get_device(a.device)
    g = torch.Generator().manual_seed(0)
    split = lambda n: (torch.randint(0, 256, (n, 3, 256, 256), dtype=torch.uint8, generator=g), torch.arange(n) % 102)
    data = ImageData(dict(train=split(a.images), valid=split(a.images), test=split(a.images)), tuple(map(str, range(102))),
                     'synthetic-flower102')
    rows = []
    for name in a.configs:
        cfg = dict(CONFIGS[name])
        dls = get_dataloaders(data, batch_size=32, crop=224, device=dev if cfg.pop('gpu_aug') and dev.type == 'cuda' else None)
        timer = EpochTimer()
        torch.manual_seed(0)
        start = time.perf_counter()
        history = evolve(resnet18(102, 0.5), dls, generations=1, epochs=a.epochs, lr=0.256, warmup=1, device=dev, cbs=[timer],
                         progress=False, **cfg)
        train, full = min(timer.train_times), min(timer.epoch_times)
        rows.append((name, full, train, time.perf_counter() - start))
        print(f"{dev} {name:12s}: one epoch of {a.images} images = {full:.2f} s (training {train:.2f} s; validation "
              f"{full - train:.2f} s); whole run incl. compilation and evaluation {rows[-1][3]:.0f} s", flush=True)
    base = rows[0][1]
    print(f"\n| setting | epoch (s) | training (s) | speed-up vs {rows[0][0]} | paper run (10 x 200 epochs) |\n|---|---|---|---|---|")
    for name, full, train, _ in rows:
        print(f"| {name} | {full:.2f} | {train:.2f} | {base / full:.2f}x | {2000 * full / 3600:.2f} h |")
