"""Input pipeline benchmark: the cached uint8 tensor store + batched tensor augmentation (`BatchLoader(crop=224,
augment=True)`) against the official KE pipeline (PIL decode + torchvision transforms every epoch), and the
pipeline's share of a ResNet18 (KELS, k=0.5) training step, all in one run on a synthetic Flower102-like JPEG set.

    python bench/pipeline.py                      # CPU, defaults: ~2 min on 2 quiet cores, 3-5 min on a busy machine
    python bench/pipeline.py --device cuda --images 512 --steps 200 --warmup 20   # ~40 s on an H200
    python bench/pipeline.py --images 512 --steps 20 --reps 5 --workers 0 2 4

With --device cuda the model runs on the GPU; BatchLoader gets device= when its signature has it (checked with
inspect), so its uint8 batches move there before conversion and augmentation; otherwise its batches are moved after.

What it measures (medians; the pipelines are interleaved epoch by epoch and the model steps of each variant
(pure / loader-fed) run round by round in a fresh random order, so load from other jobs hits all alike):
  1. the official pipeline: Dataset(PIL open + RandomResizedCrop(224) + RandomHorizontalFlip + ToTensor + Normalize)
     in torch DataLoader(batch 32, shuffle, num_workers=W), samples/s over one epoch, W in --workers (default 0 and
     the core count);
  2. ours: `image_store` decode of the JPEGs into a 256-px uint8 store (cache miss and cache hit, once), then
     samples/s of BatchLoader(crop=224, augment=True, batch 32, shuffle) over one epoch;
  3. where BatchLoader's time goes (indexing, to device, uint8->float, random resized crop, flip, normalise), and two
     prototypes of a faster path (`ProtoLoader` below: 'interp' for CPUs, 'grid' for GPUs), checked against it;
  4. a pure training step on a pre-made batch vs a step that first draws its batch from BatchLoader (and from the
     prototype): added share = median(loader + step) / median(step) - 1, plus the loader's own time per batch / step
     and the official W=0 loader's time per batch / step (its share when loading is not overlapped). On CUDA the
     steps are timed in blocks of 10, synchronised only at the block ends, as a training loop runs.
Writes the tables to bench/results/pipeline_<device>.md (or --out).
"""
import argparse, contextlib, datetime, inspect, io, math, os, platform, random, shutil, statistics, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # the working tree's package, installed or not
try: import fastprogress   # image_store's progress bar; the bench hides it anyway, so a stub will do where it is missing
except ImportError:
    import types; sys.modules['fastprogress'] = types.SimpleNamespace(progress_bar=lambda it, **kw: it)
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

OURS = 'ours: BatchLoader(crop=224, augment=True)'
OURS_DEV = 'ours, uint8 store moved to the device first'
PROTO = dict(interp="prototype 'interp': per-image crop + interpolate", grid="prototype 'grid': fused grid_sample")
GRID_HOST = "prototype 'grid', random draws on the host"
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)   # ImageNet statistics, as the official KE code uses
med = statistics.median


# ---------------------------------------------------------------- synthetic data
def smooth_image(rng, w, h):
    "Random smooth RGB content (octaves of upsampled noise + slight grain), so JPEG sizes look like photos."
    acc = np.zeros((h, w, 3), np.float32)
    for cell, amp in ((96, 70.), (24, 40.), (6, 16.)):
        small = rng.integers(0, 256, (h // cell + 2, w // cell + 2, 3), dtype=np.uint8)
        big = Image.fromarray(small).resize((w + 2 * cell, h + 2 * cell), Image.BICUBIC)
        acc += (np.asarray(big, np.float32)[cell:cell + h, cell:cell + w] - 128) * (amp / 128)
    acc += rng.normal(0, 3, (h, w, 3)).astype(np.float32) + 128
    return np.clip(acc, 0, 255).astype(np.uint8)

def make_jpegs(folder: Path, n, classes, long_side, short_side, quality, seed=0):
    rng = np.random.default_rng(seed)
    files = []
    for i in range(n):
        w, h = (long_side, short_side) if i % 2 == 0 else (short_side, long_side)
        f = folder / f'image_{i:05d}.jpg'
        Image.fromarray(smooth_image(rng, w, h)).save(f, quality=quality)
        files.append(f)
    return files, torch.arange(n) % classes


# ---------------------------------------------------------------- the official pipeline
class PILDataset(torch.utils.data.Dataset):
    "The official KE data set: PIL-open each JPEG every time it is drawn, then the torchvision transforms."
    def __init__(self, files, labels, transform): self.files, self.labels, self.transform = files, labels, transform
    def __len__(self): return len(self.files)
    def __getitem__(self, i):
        with open(self.files[i], 'rb') as f: img = Image.open(f).convert('RGB')   # torchvision's pil_loader
        return self.transform(img), int(self.labels[i])

def official_loader(files, labels, batch_size, workers):
    from torchvision import transforms as T
    tf = T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor(), T.Normalize(MEAN, STD)])
    return torch.utils.data.DataLoader(PILDataset(files, labels, tf), batch_size=batch_size, shuffle=True,
                                       num_workers=workers)


# ---------------------------------------------------------------- ours
def make_ours(images, labels, batch_size, device, seed=0):
    "BatchLoader as get_dataloaders builds it for the paper recipe; device= passed when BatchLoader accepts it."
    from knowledge_evolution.data import BatchLoader
    native = 'device' in inspect.signature(BatchLoader).parameters
    kw = dict(device=device) if native and device.type != 'cpu' else {}
    return BatchLoader(images, labels, batch_size=batch_size, shuffle=True, augment=True, mean=MEAN, std=STD,
                       drop_last=True, seed=seed, crop=224, **kw), native

class ProtoLoader:
    """Prototype of a faster crop+augment path for BatchLoader, with BatchLoader's random draws (same order, same
    generator) and shuffling. Two methods:
    'interp' (CPU): per image, slice the crop box (rounded to whole pixels, as torchvision does) out of the uint8
      store, flip the uint8 slice when drawn, convert just that slice to float and F.interpolate it (bilinear,
      align_corners=False) straight into a preallocated batch; then one in-place normalise with /255 folded in.
      Only the crop is converted (not the whole 256-px image) and upsample_bilinear2d is much faster on CPU than
      grid_sample. It equals grid_sample on the rounded box except at the outermost pixels.
    'grid' (GPU): BatchLoader's single affine_grid + grid_sample, with the flip folded into the affine matrix (sign
      of its x scale) and /255 folded into one in-place normalise; same output as BatchLoader up to rounding.
    With a CUDA device the whole uint8 store is moved there once (Flower102 at 256 px: 1,020 x 192 KiB = 196 MiB),
    so indexing happens on the GPU and no image crosses PCIe per batch; with `device_rng` ('grid' only; default on
    CUDA) the shuffle and the crop/flip draws come from a generator on the device too, made for a whole epoch at
    once, so a batch needs no host-to-device copy at all and only a handful of kernel launches: a copy from pageable memory (theta, indices) makes the CPU wait until the GPU has
    finished the previous step, which stops it queueing ahead."""
    def __init__(self, images, labels, batch_size, method='interp', crop=224, mean=MEAN, std=STD, seed=0,
                 device='cpu', round_boxes=None, threads=None, device_rng=None, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3)):
        self.device, self.threads = torch.device(device), (1 if method == 'interp' else None) if threads is None else threads
        if method == 'interp' and round_boxes is False: raise ValueError("'interp' needs whole-pixel boxes")
        self.images, self.labels = images.to(self.device), labels.to(self.device)
        self.bs, self.method, self.crop, self.scale, self.ratio = batch_size, method, crop, scale, ratio
        self.round_boxes = method == 'interp' if round_boxes is None else round_boxes
        std = torch.as_tensor(std, dtype=torch.float32).reshape(1, -1, 1, 1)
        self.mul = (1 / (255 * std)).to(self.device)
        self.add = (-torch.as_tensor(mean, dtype=torch.float32).reshape(1, -1, 1, 1) / std).to(self.device)
        self.device_rng = (method == 'grid' and self.device.type != 'cpu') if device_rng is None else device_rng
        self.rng_device = self.device if self.device_rng else torch.device('cpu')
        self.generator = torch.Generator(self.rng_device).manual_seed(seed)
    def __len__(self): return len(self.labels) // self.bs
    def boxes(self, n):
        "BatchLoader's draws: crop widths/heights and centres (shares of the image, -1..1 coordinates) and flips."
        g, d = self.generator, self.rng_device
        area = torch.empty(n, device=d).uniform_(*self.scale, generator=g)
        r = torch.exp(torch.empty(n, device=d).uniform_(math.log(self.ratio[0]), math.log(self.ratio[1]), generator=g))
        w, h = torch.sqrt(area * r).clamp(max=1), torch.sqrt(area / r).clamp(max=1)
        cx = (torch.rand(n, generator=g, device=d) * 2 - 1) * (1 - w)
        cy = (torch.rand(n, generator=g, device=d) * 2 - 1) * (1 - h)
        flip = torch.rand(n, generator=g, device=d) < 0.5
        return w, h, cx, cy, flip
    def pixel_boxes(self, w, h, cx, cy, H, W):
        "Whole-pixel boxes (left, top, width, height) nearest to the drawn ones."
        wp, hp = (w * W).round().clamp(1, W).long(), (h * H).round().clamp(1, H).long()
        left = torch.minimum(((cx + 1) / 2 * W - wp / 2).round().clamp(min=0).long(), W - wp)
        top = torch.minimum(((cy + 1) / 2 * H - hp / 2).round().clamp(min=0).long(), H - hp)
        return left, top, wp, hp
    def thetas(self, n):
        "Affine matrices of `n` crops (the flip folded into the sign of the x scale)."
        H, W = self.images.shape[-2:]
        w, h, cx, cy, flip = self.boxes(n)
        if self.round_boxes:
            left, top, wp, hp = self.pixel_boxes(w, h, cx, cy, H, W)
            w, h, cx, cy = wp / W, hp / H, (2 * left + wp) / W - 1, (2 * top + hp) / H - 1
        zero = torch.zeros_like(w)
        return torch.stack([torch.where(flip, -w, w), zero, cx, zero, h, cy], 1).view(n, 2, 3)
    def load(self, idx, theta=None):
        if self.method == 'grid':
            x = self.images[idx.to(self.device)].float()
            theta = self.thetas(len(idx)) if theta is None else theta
            grid = F.affine_grid(theta.to(self.device), (len(idx), x.shape[1], self.crop, self.crop), align_corners=False)
            x = F.grid_sample(x, grid, mode='bilinear', padding_mode='border', align_corners=False)
        else:
            H, W = self.images.shape[-2:]
            w, h, cx, cy, flip = self.boxes(len(idx))
            left, top, wp, hp = self.pixel_boxes(w, h, cx, cy, H, W)
            x = torch.empty(len(idx), self.images.shape[1], self.crop, self.crop, device=self.device)
            threads = torch.get_num_threads()
            if self.threads: torch.set_num_threads(self.threads)   # many small ops: intra-op threads only add barriers
            try:
                for i, (j, l, t, bw, bh, f) in enumerate(zip(idx.tolist(), left.tolist(), top.tolist(), wp.tolist(),
                                                             hp.tolist(), flip.tolist())):
                    c = self.images[j, :, t:t + bh, l:l + bw]
                    if f: c = c.flip(-1)
                    x[i:i + 1] = F.interpolate(c[None].float(), size=(self.crop, self.crop), mode='bilinear', align_corners=False)
            finally: torch.set_num_threads(threads)
        return x.mul_(self.mul).add_(self.add)
    def __iter__(self):
        n = len(self.labels)
        order = torch.randperm(n, generator=self.generator, device=self.rng_device)
        # draws on the device: the whole epoch's crops at once, so a batch costs a handful of kernel launches
        thetas = self.thetas(n) if self.device_rng and self.method == 'grid' else None
        for i in range(len(self)):
            sl = slice(i * self.bs, (i + 1) * self.bs)
            idx = order[sl]
            yield self.load(idx, None if thetas is None else thetas[sl]), self.labels[idx.to(self.device)]


# ---------------------------------------------------------------- timing helpers
def sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize(dev)

def moved(loader, dev):
    "Batches of `loader` on `dev` (a no-op when they are there already)."
    for x, y in loader: yield x.to(dev, non_blocking=True), y.to(dev, non_blocking=True)

def epoch_rate(loader, dev):
    "samples/s over one full epoch of `loader` (batches moved to `dev`)."
    t, n = time.perf_counter(), 0
    for x, y in moved(loader, dev): n += len(x)
    sync(dev)
    return n / (time.perf_counter() - t), n

def forever(loader, dev):
    while True: yield from moved(loader, dev)

def stage_breakdown(loader, reps, dev, gen_seed=0):
    """ms per batch of each stage of BatchLoader's crop+augment path on `dev` (medians of `reps` batches), replayed
    step by step with a synchronisation after each. Follows data.py as it is: the fused path (store and draws on the
    loader's device, flip inside random_resized_crop, one addcmul to normalise) or the older one (store on the CPU,
    separate /255, flip and normalise)."""
    from knowledge_evolution.data import random_resized_crop, augment_batch
    fused = 'flip' in inspect.signature(random_resized_crop).parameters and hasattr(loader, 'scale')
    images, crop = loader.images, loader.crop
    g = torch.Generator(images.device if fused else 'cpu').manual_seed(gen_seed)
    if fused:
        names = ['index (uint8 gather)', 'uint8 -> float', 'random resized crop + flip (affine_grid + grid_sample)',
                 'normalise (one addcmul)']
    else:
        names = ['index (uint8 gather)', 'uint8 batch to device', 'uint8 -> float, /255',
                 'random resized crop (affine_grid + grid_sample)', 'flip (torch.where of x.flip)',
                 'normalise ((x - mean) / std)']
        if images.device == dev: names.remove('uint8 batch to device')
        mean, std = torch.tensor(MEAN).reshape(1, -1, 1, 1).to(dev), torch.tensor(STD).reshape(1, -1, 1, 1).to(dev)
    st = {k: [] for k in names}
    for _ in range(reps):
        idx = torch.randperm(len(images), generator=g, device=g.device)[:loader.bs]
        sync(dev); ts = [time.perf_counter()]
        def lap(): sync(dev); ts.append(time.perf_counter())
        u = images[idx]; lap()
        if fused:
            x = u.float(); lap()
            x = random_resized_crop(x, crop, flip=True, generator=g); lap()
            x = torch.addcmul(-loader.shift, x, loader.scale); lap()
        else:
            if images.device != dev: u = u.to(dev, non_blocking=True); lap()
            x = u.float() / 255; lap()
            x = random_resized_crop(x, crop, generator=g); lap()
            x = augment_batch(x, pad=0, generator=g); lap()
            x = (x - mean) / std; lap()
        for k, t0, t1 in zip(names, ts, ts[1:]): st[k].append(1e3 * (t1 - t0))
    return {k: med(v) for k, v in st.items()}, fused


# ---------------------------------------------------------------- main
def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--device', default='cpu', help='cpu (default) or cuda')
    p.add_argument('--images', type=int, default=256, help='synthetic JPEGs (default 256)')
    p.add_argument('--classes', type=int, default=8, help='classes of the data set and the model head (default 8)')
    p.add_argument('--size', default='500x375', help='JPEG size WxH; every second image is rotated (default 500x375)')
    p.add_argument('--quality', type=int, default=90)
    p.add_argument('--store-size', type=int, default=256, help='side of the cached store (the paper recipe: 256)')
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--workers', type=int, nargs='+', default=None, help='official DataLoader num_workers (default 0 and the core count)')
    p.add_argument('--reps', type=int, default=3, help='timed epochs per pipeline, interleaved (default 3)')
    p.add_argument('--steps', type=int, default=10, help='timed training steps per variant (default 10)')
    p.add_argument('--warmup', type=int, default=2, help='untimed warm-up steps (default 2)')
    p.add_argument('--block', type=int, default=None,
                   help='steps per timed block, synchronised only at its ends (default 1 on CPU, 10 on CUDA, where '
                        'the loader\'s work is queued behind the step\'s as in a real training loop)')
    p.add_argument('--no-prototype', action='store_true', help='skip the prototype loader in the training-step loop')
    p.add_argument('--proto', choices=('interp', 'grid'), default=None,
                   help="prototype method in the training-step loop (default: 'interp' on CPU, 'grid' on CUDA)")
    p.add_argument('--threads', type=int, default=None, help='torch threads (default: the cores available)')
    p.add_argument('--out', default=None, help='markdown result file (default bench/results/pipeline_<device>.md)')
    a = p.parse_args(argv)

    t_start = time.perf_counter()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()
    torch.set_num_threads(a.threads or cores)
    dev = torch.device(a.device)
    workers = a.workers if a.workers is not None else sorted({0, cores})
    W, H = map(int, a.size.lower().split('x'))
    from knowledge_evolution.paper_data import image_store
    from knowledge_evolution.models import resnet18
    from knowledge_evolution.learner import sgd

    tmp = Path(tempfile.mkdtemp(prefix='ke_pipeline_'))
    try:
        # 1. data
        t = time.perf_counter()
        files, labels = make_jpegs(tmp, a.images, a.classes, max(W, H), min(W, H), a.quality)
        kb = statistics.mean(f.stat().st_size for f in files) / 1024
        print(f"{a.images} synthetic JPEGs {W}x{H}/{H}x{W} q{a.quality}, mean {kb:.0f} KB, made in {time.perf_counter() - t:.1f} s")

        # 2. our store: decode once (cache miss), then reload (cache hit)
        t = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()): store = image_store('bench', files, a.store_size, tmp / 'cache')
        t_miss = time.perf_counter() - t
        t = time.perf_counter()
        store2 = image_store('bench', files, a.store_size, tmp / 'cache')
        t_hit = time.perf_counter() - t
        assert torch.equal(store, store2); del store2
        print(f"store {tuple(store.shape)} uint8 ({store.numel() / 2**20:.0f} MiB): decode + save (miss) {t_miss:.2f} s, "
              f"load (hit) {t_hit:.3f} s")

        # 3. epochs: official (per W) and ours, interleaved rep by rep
        ours, native = make_ours(store, labels, a.batch, dev)
        best = a.proto or ('interp' if dev.type == 'cpu' else 'grid')
        protos = {m: ProtoLoader(store, labels, a.batch, method=m, device=dev) for m in ('interp', 'grid')}
        pipes = {f'official PIL, num_workers={w}': official_loader(files, labels, a.batch, w) for w in workers}
        pipes[OURS] = ours
        # older BatchLoaders kept the store on the CPU: then also time one handed a store already on the device
        on_dev = dev.type != 'cpu' and native and ours.images.device.type == 'cpu'
        if on_dev: pipes[OURS_DEV] = ours_dev = make_ours(store.to(dev), labels, a.batch, dev)[0]
        if dev.type != 'cpu':
            grid_host = ProtoLoader(store, labels, a.batch, method='grid', device=dev, device_rng=False)
        pipes[PROTO['interp']], pipes[PROTO['grid']] = protos['interp'], protos['grid']
        if dev.type != 'cpu': pipes[GRID_HOST] = grid_host
        rates = {k: [] for k in pipes}
        for k, l in pipes.items():                                               # warm-up: two batches each
            for _ in zip(range(2), moved(l, dev)): pass
        for r in range(a.reps):
            for k, l in (pipes.items() if r % 2 == 0 else reversed(pipes.items())):
                rates[k].append(epoch_rate(l, dev)[0])
        rate = {k: med(v) for k, v in rates.items()}
        for k, v in rate.items(): print(f"  {k:50s} {v:8.1f} samples/s  (reps: {', '.join(f'{x:.0f}' for x in rates[k])})")

        # checks: 'grid' gives BatchLoader's output from the same draws; 'interp' gives 'grid' on whole-pixel boxes
        # except at the outermost pixels (interpolate clamps at the crop's edge, grid_sample at the image's)
        from knowledge_evolution.data import BatchLoader
        ref = BatchLoader(store, labels, batch_size=a.batch, shuffle=True, augment=True, mean=MEAN, std=STD, drop_last=True, seed=7, crop=224)
        pg, pgr, pi = (ProtoLoader(store, labels, a.batch, method=m, seed=7, round_boxes=rb)
                       for m, rb in (('grid', False), ('grid', True), ('interp', True)))
        diff_grid = max((x1 - x2).abs().max().item() for (x1, _), (x2, _) in zip(ref, pg))
        diff_interp = max((x1 - x2)[..., 2:-2, 2:-2].abs().max().item() for (x1, _), (x2, _) in zip(pgr, pi))

        # 4. where BatchLoader's time goes
        stages, fused = stage_breakdown(ours, max(5, 2 * len(ours)), dev)
        for k, v in stages.items(): print(f"  {k:50s} {v:7.1f} ms/batch")

        # 5. model step: pure vs loader-fed, round by round
        model = resnet18(a.classes, 0.5, 'kels').to(dev).train()
        opt = sgd(model.parameters(), lr=0.01)
        x0, y0 = next(moved(make_ours(store, labels, a.batch, dev, seed=1)[0], dev))   # pre-made: a real batch, drawn once
        def step(x, y):
            loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
            opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
        variants = {'BatchLoader': forever(ours, dev)}
        if on_dev: variants['BatchLoader, store on device'] = forever(ours_dev, dev)
        if dev.type != 'cpu':
            variants["prototype 'grid', host draws"] = forever(grid_host, dev)
        if not a.no_prototype: variants[f'prototype {best!r}'] = forever(protos[best], dev)
        order, shuffler = ['pure'] + list(variants), random.Random(0)
        blk = a.block or (1 if dev.type == 'cpu' else 10)     # steps per timed block; no sync inside a block
        wall, cpu, fetch = ({v: [] for v in order} for _ in range(3))
        for i in range(math.ceil(a.warmup / blk) + math.ceil(a.steps / blk)):
            for v in shuffler.sample(order, len(order)):     # a fresh order each round: no variant always follows another
                sync(dev); t0, c0, tf = time.perf_counter(), time.process_time(), 0.
                for _ in range(blk):
                    t1 = time.perf_counter()
                    x, y = (x0, y0) if v == 'pure' else next(variants[v])
                    tf += time.perf_counter() - t1
                    step(x, y)
                sync(dev)
                if i < math.ceil(a.warmup / blk): continue
                wall[v].append((time.perf_counter() - t0) / blk); cpu[v].append((time.process_time() - c0) / blk)
                fetch[v].append(tf / blk)
        t_step, c_step = med(wall['pure']), med(cpu['pure'])
        print(f"pure step {1e3 * t_step:.1f} ms, CPU time {1e3 * c_step:.1f} ms "
              f"({'steps' if blk == 1 else f'blocks of {blk}'}: {', '.join(f'{1e3 * s:.0f}' for s in wall['pure'])})")
        share = {}
        for v in variants:
            alone = a.batch / rate[{'BatchLoader': OURS, 'BatchLoader, store on device': OURS_DEV,
                                    "prototype 'grid', host draws": GRID_HOST}.get(v, PROTO[best])]
            share[v] = dict(fed=med(wall[v]), fetch=med(fetch[v]), added=med(wall[v]) / t_step - 1,
                            paired=med([f / p - 1 for f, p in zip(wall[v], wall['pure'])]),
                            cpu_added=med(cpu[v]) / c_step - 1, min_added=min(wall[v]) / min(wall['pure']) - 1, fetch_share=med(fetch[v]) / t_step,
                            alone=alone, alone_share=alone / t_step)
            print(f"  {v}: loader+step {1e3 * share[v]['fed']:.1f} ms, draw {1e3 * share[v]['fetch']:.1f} ms -> added "
                  f"{100 * share[v]['added']:+.1f}% (paired {100 * share[v]['paired']:+.1f}%, min {100 * share[v]['min_added']:+.1f}%, CPU time "
                  f"{100 * share[v]['cpu_added']:+.1f}%), draw/step {100 * share[v]['fetch_share']:.1f}%, "
                  f"alone/step {100 * share[v]['alone_share']:.1f}%")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    runtime = time.perf_counter() - t_start

    # 6. report
    w0 = f'official PIL, num_workers={min(workers)}'
    per_batch = {k: a.batch / v for k, v in rate.items()}
    gpu = f", {torch.cuda.get_device_name(dev)}" if dev.type == 'cuda' else ''
    L = [f"# Input pipeline benchmark ({dev.type})", "",
         f"{datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}; {platform.machine()}, {cores} CPU cores available, "
         f"torch {torch.__version__} ({torch.get_num_threads()} threads){gpu}; "
         f"`python bench/pipeline.py {' '.join(argv if argv is not None else sys.argv[1:])}` ran {runtime:.0f} s; "
         f"BatchLoader {'takes' if native else 'lacks'} device=.", "",
         f"Data: {a.images} synthetic JPEGs {W}x{H} and {H}x{W} (smooth random content, q{a.quality}, mean {kb:.0f} KB), "
         f"{a.classes} classes; batch {a.batch}, 224-px crops of the {a.store_size}-px store. Epoch rates: median of "
         f"{a.reps} epochs after a warm-up, pipelines interleaved. Model: split ResNet18 (KELS k=0.5, {a.classes} "
         f"classes), train mode, SGD with label smoothing; median of {a.steps} steps after {a.warmup} warm-up, one "
         f"step of each variant (pure / loader-fed) per round, in a fresh random order each round.", "",
         "## Throughput (one epoch)", "",
         "| pipeline | samples/s | ms/batch | " + ' | '.join(f'vs official W={w}' for w in sorted(set(workers)))
         + " | each epoch (samples/s) |", "|---|---:|---:|" + "---:|" * len(set(workers)) + "---|"]
    for k, v in rate.items():
        L.append(f"| {k} | {v:.0f} | {1e3 * per_batch[k]:.1f} | "
                 + ' | '.join(f"{v / rate[f'official PIL, num_workers={w}']:.1f}x" for w in sorted(set(workers)))
                 + f" | {', '.join(f'{x:.0f}' for x in rates[k])} |")
    L += ["", f"With W=0 the official transforms run per image in the main process on {torch.get_num_threads()} torch "
          "threads: when other jobs load the machine, those small multi-threaded ops stall on each other, so that "
          "row swings most from epoch to epoch (workers use one thread each)."]
    L += ["", f"Store ({a.store_size}-px uint8, {store.numel() / 2**20:.0f} MiB): decode once {t_miss:.2f} s "
          f"({a.images / t_miss:.0f} images/s; cache miss, includes saving the .npy), cache hit {t_hit:.3f} s. "
          f"The decode is paid once per data set; the official pipeline decodes every image every epoch.", "",
          f"## Share of a training step ({dev.type}, pure step {1e3 * t_step:.0f} ms)", "",
          f"Pure {'steps' if blk == 1 else 'blocks'} ranged {1e3 * min(wall['pure']):.0f}–{1e3 * max(wall['pure']):.0f} ms "
          f"per step over the run (other jobs on the machine); the 'added' columns carry that noise, the loader's "
          f"own time (last two columns) is measured directly.", "",
          "| loader | loader+step (ms) | added to the step | paired median | fastest vs fastest | added, CPU time "
          "| draw in the loop / step | loader alone / step |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for v, sh in share.items():
        cpu_col = f"{100 * sh['cpu_added']:+.1f}%" if dev.type == 'cpu' else 'n/a'
        L.append(f"| {v} | {1e3 * sh['fed']:.1f} | **{100 * sh['added']:+.1f}%** | {100 * sh['paired']:+.1f}% "
                 f"| {100 * sh['min_added']:+.1f}% | {cpu_col} "
                 f"| {100 * sh['fetch_share']:.1f}% ({1e3 * sh['fetch']:.1f} ms) "
                 f"| {100 * sh['alone_share']:.1f}% ({1e3 * sh['alone']:.1f} ms) |")
    L.append(f"| official PIL, W={min(workers)} (not overlapped) | | | | | | | {100 * per_batch[w0] / t_step:.0f}% "
             f"({1e3 * per_batch[w0]:.1f} ms) |")
    L += ["", "Goal: the pipeline adds ≤ 5% to a pure model step. 'added' = median(loader+step) / median(pure step) − 1"
          f"{'' if blk == 1 else f' (per step, timed over blocks of {blk} steps synchronised only at their ends, as a training loop runs)'}; "
          "'paired' = median over steps (blocks) of (loader+step) / (the pure step of the same round) − 1; 'fastest vs fastest': min(loader+step) / min(pure step) − 1 (other jobs only ever add time); 'CPU time': 'added' "
          "with this process's CPU time (all threads) instead of wall time, less sensitive to other jobs; 'draw in "
          "the loop': median wall time of `next(loader)` inside that loop (on CUDA: the CPU's time to queue it); "
          "'loader alone': ms per batch of its epoch above.", "",
          f"## Where BatchLoader's time goes ({dev.type}, ms per batch of {a.batch}, median)", "",
          "| stage | ms | share |", "|---|---:|---:|"]
    tot = sum(stages.values())
    ms = lambda v: f"{v:.1f}" if v >= 1 else f"{v:.2f}"
    for k, v in stages.items(): L.append(f"| {k} | {ms(v)} | {100 * v / tot:.0f}% |")
    L += [f"| total | {ms(tot)} | |", "",
          f"data.py's crop path here: {'fused (flip inside the crop, one addcmul to normalise)' if fused else 'separate /255, flip and normalise passes'}.", "",
          "Prototypes (`ProtoLoader` in this script; BatchLoader's random draws and shuffling). 'interp': per image, "
          "slice the crop (rounded to whole pixels, as torchvision does) from the uint8 store, flip the uint8 slice, "
          "convert only it to float and `F.interpolate` it (bilinear) into a preallocated batch, then one in-place "
          f"normalise with /255 folded in; equals grid_sample on the rounded boxes away from the 2 outermost pixels "
          f"(max |diff| there {diff_interp:.1e}). 'grid': one grid_sample with the flip folded into the affine matrix "
          f"and /255 into one in-place normalise (max |diff| to BatchLoader from the same draws {diff_grid:.1e}). "
          f"On CUDA the prototypes hold the whole uint8 store on the device, and 'grid' draws its random numbers "
          f"(shuffle, crops, flips) there too, the whole epoch's at once, so a batch needs no host-to-device copy and "
          f"only a handful of kernel launches ('host draws': the same with a CPU generator, whose small copies make "
          f"the CPU wait for the GPU)."]
    text = '\n'.join(L) + '\n'
    print('\n' + text)
    out = Path(a.out) if a.out else Path(__file__).resolve().parent / 'results' / f'pipeline_{dev.type}.md'
    out.parent.mkdir(parents=True, exist_ok=True); out.write_text(text)
    print(f"wrote {out}; runtime {runtime:.0f} s; BatchLoader device= native: {native}")


if __name__ == '__main__':
    main()
