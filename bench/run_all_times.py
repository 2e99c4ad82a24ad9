"""How long a reader's Run All takes, notebook by notebook: every cell executed by a real Jupyter kernel, as JupyterLab's
Run All does (`#| slow` cells included, the tutorials' full version: KE_QUICK and nbdev_test's IN_TEST unset).

    python bench/run_all_times.py                                  # every notebook in nbs/ and nbs/tutorials/, one at a time
    python bench/run_all_times.py nbs/05_architectures.ipynb ...   # only these; the other rows of the table are kept
    python bench/run_all_times.py --threads 1                      # kernels with one thread (OMP_NUM_THREADS=1), on a shared machine

Each notebook runs alone in a fresh kernel (nbclient), on a copy: the notebook itself is not modified. A notebook is
stopped after --timeout seconds. Writes bench/results/run_all_times.md: seconds per notebook against its limit
(chapters 180 s, tutorials 300 s: issue 18), with the machine's load average when each run ended, so a run measured
beside other jobs shows it.
"""
import argparse, os, re, signal, subprocess, sys, time
from pathlib import Path

root = Path(__file__).resolve().parents[1]
out_file = root / 'bench' / 'results' / 'run_all_times.md'
LIMITS = {'chapter': 180, 'tutorial': 300}

def notebooks() -> list:
    return sorted(p for p in (root / 'nbs').rglob('*.ipynb')
                  if '.ipynb_checkpoints' not in p.parts and not p.name.startswith('_'))

def limit(path: Path) -> int: return LIMITS['tutorial' if path.parent.name == 'tutorials' else 'chapter']

def execute(path: Path):
    "Run every cell of `path` in a fresh kernel, in the notebook's folder, without saving; raise on the first error."
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=None, kernel_name='python3', resources={'metadata': {'path': str(path.parent)}}).execute()

def reader_env(threads=None) -> dict:
    "The environment of a reader's kernel: no test-suite switches, no CI settings; `threads`: OMP_NUM_THREADS, if given."
    env = dict(os.environ)
    for k in ('KE_QUICK', 'IN_TEST', 'KE_SLOW_SAMPLE', 'MPLBACKEND', 'OMP_NUM_THREADS'): env.pop(k, None)
    if threads: env['OMP_NUM_THREADS'] = str(threads)
    env['PYTHONPATH'] = os.pathsep.join([str(root)] + [p for p in [env.get('PYTHONPATH')] if p])   # this checkout's package
    return env

def time_one(path: Path, timeout: int, threads=None) -> tuple:
    "Seconds to Run All `path` in a child process, and 'ok', 'error' or 'timeout'."
    start = time.time()
    p = subprocess.Popen([sys.executable, __file__, '--child', str(path)], env=reader_env(threads), cwd=root,
                         start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        log, _ = p.communicate(timeout=timeout)
        status = 'ok' if p.returncode == 0 else 'error'
        if p.returncode: print(log[-2000:], flush=True)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL); p.communicate()
        status = 'timeout'
    return time.time() - start, status

def read_rows() -> dict:
    "The rows of the table already written, by notebook."
    if not out_file.exists(): return {}
    return {m[1]: m[0] for m in re.finditer(r'^\| (\S+\.ipynb) \|.*$', out_file.read_text(), re.M)}

def write(rows: dict, note: str):
    header = ["# A reader's Run All, notebook by notebook", '',
              '`python bench/run_all_times.py`: every cell, `#| slow` ones included, executed by a Jupyter kernel '
              '(nbclient), one notebook at a time, the tutorials in their full version (KE_QUICK unset). '
              'Limits: chapters 180 s, tutorials 300 s. The load average (1 min) is read when each run ended: '
              'above about 1.5 on these 2 cores, other jobs were running beside it.', '', note, '',
              '| notebook | Run All seconds | limit (s) | within? | load avg at end | kernel threads | measured |', '|---|---|---|---|---|---|---|']
    out_file.write_text('\n'.join(header + [rows[k] for k in sorted(rows)]) + '\n')

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('paths', nargs='*', help='notebooks to time (default: all)')
    ap.add_argument('--timeout', type=int, default=900, help='seconds before a notebook is stopped')
    ap.add_argument('--threads', type=int, help="the kernels' OMP_NUM_THREADS (default: unset, as a reader's)")
    ap.add_argument('--child', help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child: return execute(Path(a.child).resolve())
    paths = [Path(p).resolve() for p in a.paths] or notebooks()
    rows = read_rows()
    for path in paths:
        name = str(path.relative_to(root))
        print(f'{name} ...', end=' ', flush=True)
        seconds, status = time_one(path, a.timeout, a.threads)
        within = 'yes' if status == 'ok' and seconds <= limit(path) else 'NO' if status == 'ok' else status.upper()
        shown = f'> {a.timeout}' if status == 'timeout' else f'{seconds:.0f}'
        rows[name] = (f'| {name} | {shown} | {limit(path)} | {within} | {os.getloadavg()[0]:.1f} | {a.threads or "default"} | '
                      f'{time.strftime("%Y-%m-%d %H:%M")} |')
        print(rows[name], flush=True)
        write(rows, f'Machine: {os.cpu_count()} CPU cores, no GPU, Python {sys.version.split()[0]}.')
    sys.exit(0 if all('| yes |' in r for r in rows.values()) else 1)

if __name__ == '__main__': main()
