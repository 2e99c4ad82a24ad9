"""The CUDA path end to end, for a machine with a GPU (CI has none): split, re-init, slim extraction and a short
KE run on the GPU, with the same properties the notebooks test on the CPU.

    python bench/cuda_smoke.py
"""
import time
import torch
from knowledge_evolution.slim import randomize_batchnorm
from knowledge_evolution import (resnet18, resnet50, reinitialize, extract_slim, masked_dense, split_layers, evolve,
                                 load_embedded, get_dataloaders)
assert torch.cuda.is_available(), "this script needs a GPU"
dev = torch.device('cuda')
# exactness checks need full fp32: TF32 convolutions (cuDNN's default on Ampere and later) round to ~1e-3 relative
torch.backends.cudnn.allow_tf32 = False
torch.backends.cuda.matmul.allow_tf32 = False
print(torch.__version__, torch.cuda.get_device_name())

# slim == masked dense, on the GPU, with random BatchNorm statistics
for builder in (resnet18, resnet50):
    torch.manual_seed(0)
    m = randomize_batchnorm(builder(102, 0.5)).to(dev)
    slim = extract_slim(m).eval()
    x = torch.randn(8, 3, 224, 224, device=dev)
    with torch.no_grad(): s, md = slim(x), masked_dense(m)(x)
    err = ((s - md).abs().max() / md.abs().max()).item()
    print(f"{builder.__name__}: slim vs masked dense on cuda, max relative error {err:.2e}")
    assert err < 1e-4 and next(slim.parameters()).is_cuda

# reinitialize on the GPU changes exactly the reset weights
before = {n: l.weight.detach().clone() for n, l in split_layers(m).items()}
reinitialize(m)
for n, l in split_layers(m).items():
    assert torch.equal(l.weight[l.fit_mask], before[n][l.fit_mask]) and (l.weight[~l.fit_mask] != before[n][~l.fit_mask]).float().mean() > 0.9999
print("reinitialize on cuda: every reset weight changed, no fit weight did")

# a short KE run on the embedded data, on the GPU
dls = get_dataloaders(load_embedded(), batch_size=32)
torch.manual_seed(0)
t = time.time()
h = evolve(resnet18(10, small_input=True, width=0.25, in_channels=1), dls, generations=3, epochs=10, progress=False, device='cuda')
print(f"3 generations x 10 epochs on cuda: {time.time() - t:.1f} s; dense {[round(100 * r['dense_top1'], 1) for r in h]}, "
      f"slim {[round(100 * r['slim_top1'], 1) for r in h]}")
assert h[-1]['dense_top1'] > 0.5
print("cuda smoke: OK")
