"""Dense vs slim (k = 0.5, KELS) inference latency on the CPU at 224 px, 1000 classes: batch 1 and 32, 2 threads and 1,
in three runtimes (eager PyTorch, the `torch.export` program that `ke_export` writes, onnxruntime on the ONNX file),
dense and slim measured alternately in one run. The FLOP ratio stands beside each latency ratio. The issue's goal:
slim <= 0.35x dense at batch 1 and 32 in at least one runtime; where an architecture misses it, a per-layer profile
(eager, forward hooks) says which layers keep the slim network from scaling with its FLOPs.

    python bench/slim_latency.py [--archs resnet18 resnet50 mobilenet_v2] [--repeats 5] [--out bench/results/slim_latency_cpu.md]

Weights are random: latency does not depend on their values. Dense is the plain network (what the KE dense network
is at inference), slim is `extract_slim` of the KELS-split network.
"""
import argparse, contextlib, io, os, platform, statistics, tempfile, time
from pathlib import Path
import torch
from torch import nn
import onnxruntime as ort
from knowledge_evolution.models import plain_resnet, resnet18, resnet50
from knowledge_evolution.architectures import plain_torchvision, mobilenet_v2
from knowledge_evolution.slim import extract_slim, count_flops
from knowledge_evolution.export import save_exported_program, save_onnx

GOAL = 0.35
NETWORKS = {'resnet18': (lambda: plain_resnet(18, 1000), lambda: resnet18(1000, 0.5)),
            'resnet50': (lambda: plain_resnet(50, 1000), lambda: resnet50(1000, 0.5)),
            'mobilenet_v2': (lambda: plain_torchvision('mobilenet_v2', 1000), lambda: mobilenet_v2(1000, 0.5))}
SHAPE = (3, 224, 224)

def runtimes(model, folder: Path, name: str) -> dict:
    "name -> function(threads) -> callable(x) for eager, exported program and onnxruntime."
    save_exported_program(model, SHAPE, folder / f'{name}.pt2')
    save_onnx(model, SHAPE, folder / f'{name}.onnx')
    program = torch.export.load(folder / f'{name}.pt2').module()
    sessions = {}
    def session(threads):
        if threads not in sessions:
            so = ort.SessionOptions(); so.intra_op_num_threads, so.inter_op_num_threads = threads, 1
            sessions[threads] = ort.InferenceSession(str(folder / f'{name}.onnx'), so, providers=['CPUExecutionProvider'])
        s = sessions[threads]
        return lambda x: s.run(None, {'images': x.numpy()})
    return {'eager': lambda threads: model, 'exported': lambda threads: program, 'onnxruntime': session}

def seconds(f, x) -> float:
    t = time.perf_counter()
    with torch.inference_mode(): f(x)
    return time.perf_counter() - t

def alternate(fd, fs, x, repeats: int) -> tuple:
    "Median seconds of dense and slim, measured alternately (ABBA order) after one warm-up each."
    seconds(fd, x); seconds(fs, x)
    t = {0: [], 1: []}
    for i in range(repeats):
        for j in ((0, 1) if i % 2 == 0 else (1, 0)): t[j].append(seconds((fd, fs)[j], x))
    return statistics.median(t[0]), statistics.median(t[1])

def layer_profile(dense, slim, x, repeats: int, top: int = 6) -> list:
    "Per conv/linear layer: dense and slim eager time (forward hooks, median), and what the layer's FLOPs predict."
    def timed(model):
        times, start = {}, {}
        hooks = []
        for n, m in model.named_modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                hooks.append(m.register_forward_pre_hook(lambda mod, inp, n=n: start.__setitem__(n, time.perf_counter())))
                hooks.append(m.register_forward_hook(lambda mod, inp, out, n=n: times.setdefault(n, []).append(time.perf_counter() - start[n])))
        total = []
        with torch.inference_mode():
            model(x)
            times.clear()
            for _ in range(repeats):
                t = time.perf_counter(); model(x); total.append(time.perf_counter() - t)
        for h in hooks: h.remove()
        return {n: statistics.median(v) for n, v in times.items()}, statistics.median(total)
    def flops(model):
        from torch.utils.flop_counter import FlopCounterMode
        out = {}
        for n, m in model.named_modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                m.register_forward_hook(lambda mod, inp, o, n=n: out.__setitem__(n, (inp[0].shape, mod)))
        with torch.inference_mode(): model(x[:1])
        res = {}
        for n, (shape, mod) in out.items():
            with FlopCounterMode(display=False) as c, torch.inference_mode(): mod(torch.zeros(shape))
            res[n] = c.get_total_flops()
        return res
    (td, total_d), (ts, total_s) = timed(dense), timed(slim)
    fd, fs = flops(dense), flops(slim)
    rows = [dict(layer=n, dense_ms=1e3 * td[n], slim_ms=1e3 * ts[n], flop_ratio=fs[n] / fd[n],
                 excess_ms=1e3 * (ts[n] - td[n] * fs[n] / fd[n]), shape=tuple(slim.get_submodule(n).weight.shape))
            for n in td]
    other = dict(layer='everything else (BN, ReLU, adds, pooling, overhead)', dense_ms=1e3 * (total_d - sum(td.values())),
                 slim_ms=1e3 * (total_s - sum(ts.values())))
    return sorted(rows, key=lambda r: -r['excess_ms'])[:top], other, 1e3 * total_d, 1e3 * total_s, sum(fs.values()) / sum(fd.values())

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--archs', nargs='+', default=list(NETWORKS)); p.add_argument('--repeats', type=int, default=5)
    p.add_argument('--threads', type=int, nargs='+', default=[2, 1]); p.add_argument('--batches', type=int, nargs='+', default=[1, 32])
    p.add_argument('--out', default='bench/results/slim_latency_cpu.md')
    a = p.parse_args()
    start, lines, best = time.time(), [], {}
    say = lambda s='': (print(s, flush=True), lines.append(s))
    say(f"# Slim vs dense latency on the CPU\n\n{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"torch {torch.__version__}, onnxruntime {ort.__version__}; 224 px, 1000 classes, k = 0.5 KELS. "
        f"Median of {a.repeats} (batch 32) or {4 * a.repeats} (batch 1) forward passes, dense and slim alternating.\n")
    say('| arch | FLOP ratio | threads | batch | eager | exported | onnxruntime |')
    say('|---|---|---|---|---|---|---|')
    models = {}
    with tempfile.TemporaryDirectory() as tmp:
        for arch in a.archs:
            dense, split = NETWORKS[arch]
            dense, slim = dense().eval(), extract_slim(split(), SHAPE).eval()
            models[arch] = dense, slim
            ratio = count_flops(slim, SHAPE) / count_flops(dense, SHAPE)
            with contextlib.redirect_stderr(io.StringIO()):
                rd, rs = runtimes(dense, Path(tmp), f'{arch}_dense'), runtimes(slim, Path(tmp), f'{arch}_slim')
            for threads in a.threads:
                torch.set_num_threads(threads)
                for b in a.batches:
                    x = torch.randn(b, *SHAPE)
                    cells = []
                    for rt in rd:
                        td, ts = alternate(rd[rt](threads), rs[rt](threads), x, a.repeats * (4 if b == 1 else 1))
                        cells.append(f'**{ts / td:.3f}**' if ts / td <= GOAL else f'{ts / td:.3f}')
                        cells[-1] += f' ({1e3 * td:.1f} / {1e3 * ts:.1f} ms)'
                        best.setdefault((arch, rt), {}).setdefault(b, []).append(ts / td)
                    say(f'| {arch} | {ratio:.3f} | {threads} | {b} | ' + ' | '.join(cells) + ' |')
    say('\nEach cell: slim / dense time (dense ms / slim ms); bold where slim <= 0.35x dense.\n')
    say('## Goal: slim <= 0.35x dense at batch 1 and 32 (any thread count) in at least one runtime\n')
    missed = []
    for arch in a.archs:
        hits = [rt for (ar, rt), by_b in best.items() if ar == arch and all(min(v) <= GOAL for v in by_b.values())]
        say(f"- {arch}: {'reached with ' + ', '.join(hits) if hits else 'not reached'}")
        if not hits: missed.append(arch)
    torch.set_num_threads(a.threads[0])
    for arch in missed:
        b = min(a.batches, key=lambda b: -min(min(best[(arch, rt)][b]) for rt in ('eager', 'exported', 'onnxruntime')))
        dense, slim = models[arch]
        top, other, td, ts, fr = layer_profile(dense, slim, torch.randn(b, *SHAPE), 4 * a.repeats if b == 1 else a.repeats)
        say(f"\n## Per-layer profile: {arch}, batch {b}, {a.threads[0]} threads, eager (forward hooks)\n")
        say(f"Whole network {td:.1f} ms dense, {ts:.1f} ms slim ({ts / td:.3f}x; conv+linear FLOP ratio {fr:.3f}). "
            "Excess: slim time minus dense time x the layer's FLOP ratio, i.e. what the layer loses to not scaling.\n")
        say('| layer | slim weight | dense ms | slim ms | time ratio | FLOP ratio | excess ms |')
        say('|---|---|---|---|---|---|---|')
        for r in top:
            say(f"| {r['layer']} | {'x'.join(map(str, r['shape']))} | {r['dense_ms']:.2f} | {r['slim_ms']:.2f} | "
                f"{r['slim_ms'] / r['dense_ms']:.3f} | {r['flop_ratio']:.3f} | {r['excess_ms']:.2f} |")
        say(f"| {other['layer']} | | {other['dense_ms']:.2f} | {other['slim_ms']:.2f} | {other['slim_ms'] / max(other['dense_ms'], 1e-9):.3f} | | |")
    say(f'\n({time.time() - start:.0f} s in all)')
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text('\n'.join(lines) + '\n')

if __name__ == '__main__': main()
