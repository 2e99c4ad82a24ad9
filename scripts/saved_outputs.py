"""Saved outputs of the notebooks: readers on GitHub and the docs site (Quarto renders saved outputs, it does not run
the notebooks) see the figures and tables only if they are saved.

    python scripts/saved_outputs.py save nbs/07_evolve.ipynb ...   # execute in place (as nbdev_test), clean, record the fingerprint
    python scripts/saved_outputs.py record nbs/07_evolve.ipynb ... # record the fingerprint of outputs just saved
    python scripts/saved_outputs.py check                         # CI: every figure saved, by the committed code

`check` fails when
- a notebook carries ipywidgets' saved state in its metadata (the docs build cannot read it), or
- a cell that draws a figure (a non-exported cell calling plt., plot_*(), show_*(), imshow...) has no image saved, or
- a notebook's code changed since its outputs were saved: `nbs/saved_outputs.json` records, for every notebook, a hash of
  its code cells at the time its outputs were produced; a code edit without re-executing changes the hash.
Outputs that change every run (timings, temporary paths, progress bars) are kept out of the notebooks themselves.
"""
import hashlib, json, re, subprocess, sys
from pathlib import Path

root = Path(__file__).resolve().parents[1]
record_file = root / 'nbs' / 'saved_outputs.json'
DRAWS = re.compile(r'(\bplt\.|\bplot_\w+\(|\bshow_\w+\(|\.imshow\(|\.savefig\(|\bfigure_png\()')
SKIP = re.compile(r'^#\|\s*(export|exports|hide|eval:\s*false|slow|notest)\b', re.M)

def notebooks():
    return sorted(p for p in (root / 'nbs').rglob('*.ipynb')
                  if '.ipynb_checkpoints' not in p.parts and not p.name.startswith('_'))

def code_cells(nb): return [c for c in nb['cells'] if c['cell_type'] == 'code']

def fingerprint(path: Path) -> str:
    "A hash of the notebook's code cells, in order."
    nb = json.loads(path.read_text())
    h = hashlib.sha256()
    for c in code_cells(nb): h.update(''.join(c['source']).encode() + b'\0')
    return h.hexdigest()[:16]

def has_image(cell) -> bool:
    return any('image/png' in o.get('data', {}) or 'image/svg+xml' in o.get('data', {}) for o in cell.get('outputs', []))

def missing_figures(path: Path) -> list:
    "Cells that draw a figure but have none saved (first line of each)."
    nb = json.loads(path.read_text())
    out = []
    for c in code_cells(nb):
        src = ''.join(c['source'])
        if SKIP.search(src) or not DRAWS.search(src): continue
        if not has_image(c): out.append(src.splitlines()[0][:80])
    return out

def load_records() -> dict: return json.loads(record_file.read_text()) if record_file.exists() else {}

def write_records(records: dict): record_file.write_text(json.dumps(dict(sorted(records.items())), indent=1) + '\n')

def record(paths):
    records = load_records()
    for p in paths: records[str(Path(p).resolve().relative_to(root / 'nbs'))] = fingerprint(Path(p).resolve())
    write_records(records)

SKIP_RUN = {'#|slow', '#|notest', '#|eval:false'}           # what nbdev_test skips is not run for the saved outputs either

def _skipped(cell) -> bool:
    if cell.cell_type != 'code' or 'nbdev_export()' in cell.source: return True
    return bool(SKIP_RUN & {l.replace(' ', '') for l in cell.source.splitlines() if l.startswith('#|')})

def save(paths):
    "Execute each notebook in place as nbdev_test does (same engine, same skipped cells), keep its outputs, clean it."
    import os
    from execnb.nbio import read_nb, write_nb
    from execnb.shell import CaptureShell
    for p in paths:
        p = Path(p).resolve()
        print('executing', p, flush=True)
        nb, shell, here = read_nb(p), CaptureShell(p), os.getcwd()
        os.chdir(p.parent)
        try: shell.run_all(nb, exc_stop=True, preproc=_skipped)
        except Exception: sys.exit(f"{p} failed:\n{shell.prettytb(fname=p)}")
        finally: os.chdir(here)
        write_nb(nb, p)
        subprocess.run(['nbdev_clean', '--fname', str(p)], check=True, cwd=root)
    record(paths)

def check() -> int:
    records, problems = load_records(), []
    for p in notebooks():
        name = str(p.relative_to(root / 'nbs'))
        if missing := missing_figures(p): problems.append(f"{name}: figure not saved in cells starting {missing}")
        if 'widgets' in json.loads(p.read_text())['metadata']:     # execnb (the docs build) cannot read ipywidgets' saved state
            problems.append(f"{name}: widget state saved in its metadata (re-save it with scripts/saved_outputs.py save)")
        if records.get(name) != fingerprint(p):
            problems.append(f"{name}: code changed since its outputs were saved (run scripts/saved_outputs.py save nbs/{name})")
    for line in problems: print(line)
    print(f"saved outputs: {len(notebooks()) - len({l.split(':')[0] for l in problems})} notebooks ok, "
          f"{len({l.split(':')[0] for l in problems})} with problems")
    return 1 if problems else 0

if __name__ == '__main__':
    cmd, *args = sys.argv[1:] or ['check']
    if cmd == 'check': sys.exit(check())
    {'save': save, 'record': record}[cmd](args)
