"""How long the test suite takes, notebook by notebook, so a regression shows.

    python bench/test_times.py                 # the README's test command, 2 workers, as CI runs it
    python bench/test_times.py --flags slow    # the slow tests too
    python bench/test_times.py --skip 21_      # leave out notebooks whose file name matches (a regular expression)

Prints a markdown table (seconds per notebook, slowest first; the two workers share the cores, so a notebook's time
includes waiting for the other) and the wall time, and writes it to bench/results/test_times.md.
"""
import argparse, re, subprocess, sys, time
from pathlib import Path

root = Path(__file__).resolve().parents[1]

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--flags', default='', help='nbdev test flags to run as well (e.g. slow)')
    p.add_argument('--n-workers', type=int, default=2)
    p.add_argument('--skip', help="nbdev_test's --skip_file_re: notebooks to leave out (nbdev prints no timings when one fails)")
    a = p.parse_args()
    cmd = ['nbdev_test', '--n_workers', str(a.n_workers), '--timing'] + (['--flags', a.flags] if a.flags else []) + \
          (['--skip_file_re', a.skip] if a.skip else [])
    start = time.time()
    run = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
    wall = time.time() - start
    times = [(m[1], int(m[2])) for m in re.finditer(r'^(\S+\.ipynb): (\d+) secs$', run.stdout, re.M)]
    lines = [f"`{' '.join(cmd)}`: {wall:.0f} s wall, {'passed' if run.returncode == 0 else 'FAILED'}", '',
             '| notebook | seconds |', '|---|---|'] + [f'| {n} | {t} |' for n, t in times]
    if run.returncode: lines += ['', '```', (run.stdout + run.stderr)[-3000:], '```']
    report = '\n'.join(lines)
    print(report)
    out = root / 'bench' / 'results' / f"test_times{'_' + a.flags.replace(' ', '_') if a.flags else ''}.md"
    out.write_text(report + '\n')
    sys.exit(run.returncode)

if __name__ == '__main__': main()
