"""Dense vs slim (k = 0.5, KELS) inference latency on the CPU at 224 px, 1000 classes: batch 1 and 32, 2 threads and 1,
in three runtimes (eager PyTorch, the `torch.export` program that `ke_export` writes, onnxruntime on the ONNX file),
dense and slim measured alternately in one run. The FLOP ratio stands beside each latency ratio. The goal:
slim <= 0.35x dense at batch 1 and 32 in at least one runtime; wherever eager PyTorch misses it, a per-layer profile
(forward hooks) says which layers keep the slim network from scaling with its FLOPs.

    python bench/slim_latency.py [--archs resnet18 resnet50 mobilenet_v2] [--repeats 5] [--threads 2 1] [--note '...']
                                 [--out bench/results/slim_latency_cpu.md]   # also writes ..._summary.md (table and goal)

Weights are random: latency does not depend on their values. Dense is the plain network (what the KE dense network
is at inference), slim is `extract_slim` of the KELS-split network.
"""
import argparse, contextlib, io, json, math, os, platform, shutil, statistics, tempfile, time
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

def layer_profile(dense, slim, x, repeats: int, top: int = 6) -> dict:
    """Eager time of every leaf layer (forward hooks, median of `repeats`) in dense and slim, with the FLOP ratio of each
    conv/linear layer; the rest of the forward pass (adds, flatten, Python) is what the hooks do not cover."""
    def timed(model):
        times, start = {}, {}
        leaves = [(n, m) for n, m in model.named_modules() if next(m.children(), None) is None]
        hooks = [h for n, m in leaves for h in (
            m.register_forward_pre_hook(lambda mod, inp, n=n: start.__setitem__(n, time.perf_counter())),
            m.register_forward_hook(lambda mod, inp, out, n=n: times.setdefault(n, []).append(time.perf_counter() - start[n])))]
        total = []
        with torch.inference_mode():
            model(x); times.clear()
            for _ in range(repeats):
                t = time.perf_counter(); model(x); total.append(time.perf_counter() - t)
        for h in hooks: h.remove()
        return {n: 1e3 * statistics.median(v) for n, v in times.items()}, 1e3 * statistics.median(total)
    def flops(model):
        from torch.utils.flop_counter import FlopCounterMode
        shapes = {}
        hooks = [m.register_forward_hook(lambda mod, inp, o, n=n: shapes.__setitem__(n, inp[0].shape))
                 for n, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
        with torch.inference_mode(): model(x[:1])
        for h in hooks: h.remove()
        out = {}
        for n, shape in shapes.items():
            with FlopCounterMode(display=False) as c, torch.inference_mode(): model.get_submodule(n)(torch.zeros(shape))
            out[n] = c.get_total_flops()
        return out
    (td, total_d), (ts, total_s) = timed(dense), timed(slim)
    fd, fs = flops(dense), flops(slim)
    def kind(n):
        m = slim.get_submodule(n)
        if isinstance(m, nn.Conv2d): return 'depthwise conv' if m.groups > 1 and m.groups == m.in_channels else 'conv'
        return type(m).__name__
    groups = {}
    for n in td:
        g = groups.setdefault(kind(n), [0, 0., 0.]); g[0] += 1; g[1] += td[n]; g[2] += ts[n]
    groups['rest of the forward pass (adds, flatten, Python)'] = [None, total_d - sum(td.values()), total_s - sum(ts.values())]
    layers = sorted(({'layer': n, 'dense_ms': td[n], 'slim_ms': ts[n], 'flop_ratio': fs[n] / fd[n],
                      'excess_ms': ts[n] - td[n] * fs[n] / fd[n], 'shape': tuple(slim.get_submodule(n).weight.shape)}
                     for n in fd), key=lambda r: -r['excess_ms'])[:top]
    return dict(layers=layers, groups=groups, dense_ms=total_d, slim_ms=total_s,
                flop_ratio=sum(fs.values()) / sum(fd.values()))

def ort_profile(path, x, threads: int, repeats: int) -> dict:
    """onnxruntime's own per-node profile: node name -> (kind, median ms, executed FLOPs, weight shape). onnxruntime fuses
    BatchNorm, activations and residual adds into the convolutions and computes in blocks of channels (NCHWc), so the
    weight shapes it reports are padded to the block size: executed FLOPs, not the network's."""
    so = ort.SessionOptions(); so.intra_op_num_threads, so.inter_op_num_threads = threads, 1
    so.enable_profiling, so.profile_file_prefix = True, str(Path(path).with_suffix('')) + f'_{threads}'
    session, feed = ort.InferenceSession(str(path), so, providers=['CPUExecutionProvider']), {'images': x.numpy()}
    for _ in range(repeats + 1): session.run(None, feed)
    trace = json.loads(Path(session.end_profiling()).read_text())
    warm_up_end = min(e['ts'] + e['dur'] for e in trace if e['name'] == 'model_run')
    nodes = {}
    for e in trace:
        if e.get('cat') != 'Node' or e['ts'] < warm_up_end: continue
        a, name = e['args'], e['name'].removesuffix('_kernel_time')
        shapes = [list(d.values())[0] for d in a.get('input_type_shape', [])]
        out = list(a['output_type_shape'][0].values())[0] if a.get('output_type_shape') else []
        kind, flops, weight = a.get('op_name', '?'), 0, shapes[1] if len(shapes) > 1 else []
        if kind == 'Conv' and len(weight) == 4:
            w = shapes[1]
            kind = 'depthwise conv' if w[1] == 1 and w[2] * w[3] > 1 else f'conv {w[2]}x{w[3]}'
            flops = 2 * math.prod(w) * math.prod(out[2:]) * out[0]
        elif kind == 'Gemm' and len(shapes) > 1: flops = 2 * math.prod(shapes[1]) * shapes[0][0]
        nodes.setdefault(name, (kind, [], flops, weight))[1].append(e['dur'] / 1e3)
    return {n: (kind, statistics.median(ms), flops, weight) for n, (kind, ms, flops, weight) in nodes.items()}

def say_ort_profile(say, dense_path, slim_path, x, threads: int, repeats: int, flop_ratio: float, top: int = 8):
    "Print the onnxruntime profile of dense and slim by kind of node, and the nodes that lose most time."
    pd, ps = ort_profile(dense_path, x, threads, repeats), ort_profile(slim_path, x, threads, repeats)
    kinds = {}
    for prof, col in ((pd, 0), (ps, 1)):
        for kind, ms, f, _ in prof.values():
            k = kinds.setdefault(kind, [0, 0, 0., 0., 0, 0]); k[col] += 1; k[2 + col] += ms; k[4 + col] += f
    say(f"onnxruntime's own profile (per node, fused): {sum(v[1] for v in pd.values()):.2f} ms dense, "
        f"{sum(v[1] for v in ps.values()):.2f} ms slim; the networks' FLOP ratio is {flop_ratio:.3f}. "
        "Executed FLOPs count the channels padded up to onnxruntime's block size.\n")
    say('| nodes | count dense / slim | dense ms | slim ms | time ratio | executed-FLOP ratio |')
    say('|---|---|---|---|---|---|')
    for kind, (nd, ns, td, ts, fd, fs) in sorted(kinds.items(), key=lambda kv: -kv[1][3]):
        say(f"| {kind} | {nd} / {ns} | {td:.2f} | {ts:.2f} | {ts / max(td, 1e-9):.3f} | {fs / fd if fd else float('nan'):.3f} |")
    rows = sorted(((n, pd[n][1], ps[n][1]) for n in ps if n in pd), key=lambda r: -(r[2] - flop_ratio * r[1]))[:top]
    say(f"\nThe nodes that lose most time against the FLOP ratio (excess = slim ms - {flop_ratio:.3f} x dense ms):\n")
    say('| node | kind | slim weight (as executed) | dense ms | slim ms | excess ms |')
    say('|---|---|---|---|---|---|')
    return rows, ps

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--archs', nargs='+', default=list(NETWORKS)); p.add_argument('--repeats', type=int, default=5)
    p.add_argument('--threads', type=int, nargs='+', default=[2, 1]); p.add_argument('--batches', type=int, nargs='+', default=[1, 32])
    p.add_argument('--note', default='', help='a line about the machine (for example how busy it was)')
    p.add_argument('--out', default='bench/results/slim_latency_cpu.md')
    a = p.parse_args()
    start, lines, ratios = time.time(), [], {}
    say = lambda s='': (print(s, flush=True), lines.append(s))
    say(f"# Slim vs dense latency on the CPU\n\n{os.cpu_count()} cores ({platform.machine()}), torch {torch.__version__}, "
        f"onnxruntime {ort.__version__}; 224 px, 1000 classes, k = 0.5 KELS. Median of {a.repeats} (batch 32) or "
        f"{4 * a.repeats} (batch 1) forward passes after a warm-up, dense and slim alternating. {a.note}\n")
    say('| arch | FLOP ratio | threads | batch | eager | exported | onnxruntime |')
    say('|---|---|---|---|---|---|---|')
    models = {}
    tmp = tempfile.mkdtemp()
    for arch in a.archs:
        dense, split = NETWORKS[arch]
        dense, slim = dense().eval(), extract_slim(split(), SHAPE).eval()
        models[arch] = dense, slim
        flop_ratio = count_flops(slim, SHAPE) / count_flops(dense, SHAPE)
        with contextlib.redirect_stderr(io.StringIO()):
            rd, rs = runtimes(dense, Path(tmp), f'{arch}_dense'), runtimes(slim, Path(tmp), f'{arch}_slim')
        for threads in a.threads:
            torch.set_num_threads(threads)
            for b in a.batches:
                x, cells = torch.randn(b, *SHAPE), []
                for rt in rd:
                    td, ts = alternate(rd[rt](threads), rs[rt](threads), x, a.repeats * (4 if b == 1 else 1))
                    ratios[arch, rt, threads, b] = ts / td
                    cells.append(f"{'**' if ts / td <= GOAL else ''}{ts / td:.3f}{'**' if ts / td <= GOAL else ''}"
                                 f" ({1e3 * td:.1f} / {1e3 * ts:.1f} ms)")
                say(f'| {arch} | {flop_ratio:.3f} | {threads} | {b} | ' + ' | '.join(cells) + ' |')
    say('\nEach cell: slim time / dense time (dense ms / slim ms); bold where slim <= 0.35x dense. '
        '"exported" is the `torch.export` program that `ke_export` writes, run by `torch.export.load(...).module()`; '
        '"onnxruntime" runs the ONNX file that `ke_export --format onnx` writes.\n')
    say(f'## Goal: slim <= {GOAL}x dense at batch {" and ".join(map(str, a.batches))}, in one runtime at one thread count\n')
    missed = []
    for arch in a.archs:
        hits = [f'{rt} ({t} thread{"s" * (t > 1)})' for rt in ('eager', 'exported', 'onnxruntime') for t in a.threads
                if all(ratios[arch, rt, t, b] <= GOAL for b in a.batches)]
        say(f"- {arch}: {'reached with ' + ', '.join(hits) if hits else 'not reached in any runtime'}")
        if not hits: missed.append(arch)
    summary = Path(a.out).with_name(Path(a.out).stem + '_summary.md')      # the table and the goal: the README shows it
    summary.parent.mkdir(parents=True, exist_ok=True)
    summary.write_text('\n'.join(f'**{l[3:].strip()}**' if l.startswith('## ') else l for l in lines[1:]).strip()
                       + f'\n\nPer-layer profiles where the goal is missed: `{a.out}`.\n')
    quiet = min(a.threads)                 # profiles with the fewest threads: the least disturbed by other jobs
    torch.set_num_threads(quiet)
    for arch in missed:                    # where no runtime reaches the goal: which layers keep it from scaling
        dense, slim = models[arch]
        flop_ratio = count_flops(slim, SHAPE) / count_flops(dense, SHAPE)
        for rt in ('eager', 'onnxruntime'):
            worst = max(a.batches, key=lambda b: ratios[arch, rt, quiet, b])
            x, n = torch.randn(worst, *SHAPE), a.repeats * (4 if worst == 1 else 1)
            say(f"\n## Per-layer profile: {arch}, {rt}, batch {worst}, {quiet} thread{'s' * (quiet > 1)}\n")
            if rt == 'onnxruntime':
                rows, ps = say_ort_profile(say, Path(tmp) / f'{arch}_dense.onnx', Path(tmp) / f'{arch}_slim.onnx', x, quiet, n, flop_ratio)
                for name, d_ms, s_ms in rows:
                    say(f"| {name} | {ps[name][0]} | {'x'.join(map(str, ps[name][3]))} | {d_ms:.3f} | {s_ms:.3f} | "
                        f"{s_ms - flop_ratio * d_ms:.3f} |")
                continue
            prof = layer_profile(dense, slim, x, n)
            say(f"Forward hooks on every layer: {prof['dense_ms']:.1f} ms dense, {prof['slim_ms']:.1f} ms slim "
                f"({prof['slim_ms'] / prof['dense_ms']:.3f}x; FLOP ratio of the convolutions and linear layers "
                f"{prof['flop_ratio']:.3f}). By kind of layer:\n")
            say('| layers | count | dense ms | slim ms | slim / dense |')
            say('|---|---|---|---|---|')
            for g, (count, d, s_) in sorted(prof['groups'].items(), key=lambda kv: -kv[1][2]):
                say(f"| {g} | {'' if count is None else count} | {d:.2f} | {s_:.2f} | {s_ / max(d, 1e-9):.3f} |")
            say("\nThe convolutions and linear layers that lose most time by not scaling with their FLOPs "
                "(excess = slim ms - dense ms x the layer's FLOP ratio):\n")
            say('| layer | slim weight | dense ms | slim ms | time ratio | FLOP ratio | excess ms |')
            say('|---|---|---|---|---|---|---|')
            for r in prof['layers']:
                say(f"| {r['layer']} | {'x'.join(map(str, r['shape']))} | {r['dense_ms']:.2f} | {r['slim_ms']:.2f} | "
                    f"{r['slim_ms'] / r['dense_ms']:.3f} | {r['flop_ratio']:.3f} | {r['excess_ms']:.2f} |")
    shutil.rmtree(tmp)
    say(f'\n({time.time() - start:.0f} s in all)')
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text('\n'.join(lines) + '\n')

if __name__ == '__main__': main()
