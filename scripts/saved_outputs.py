"""Saved outputs of the notebooks: readers on GitHub and the docs site (Quarto renders saved outputs, it does not run
the notebooks) see the figures and tables only if they are saved.

    python scripts/saved_outputs.py save nbs/07_evolve.ipynb ...   # execute in place (cells nbdev_test skips skipped), clean, record
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

def _cells_to_skip(nb: dict) -> list:
    "The code cells nbdev_test skips (slow, notest, eval: false, the export call), in a notebook read as JSON."
    def skipped(src):
        heads = {l.replace(' ', '') for l in src.splitlines() if l.startswith('#|')}
        return 'nbdev_export()' in src or bool(SKIP_RUN & heads)
    return [c for c in code_cells(nb) if skipped(''.join(c['source']))]

def save(paths):
    """Execute each notebook in place with nbconvert (which, unlike nbdev's engine, keeps what a live display draws, such
    as LivePlot's figure), skipping the cells nbdev_test skips; then clean it."""
    for p in paths:
        p = Path(p).resolve()
        print('executing', p, flush=True)
        nb = json.loads(p.read_text())
        skip = _cells_to_skip(nb)
        for c in skip: c.setdefault('metadata', {}).setdefault('tags', []).append('skip-execution')
        p.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')
        try:
            subprocess.run([sys.executable, '-m', 'jupyter', 'nbconvert', '--to', 'notebook', '--execute', '--inplace',
                            '--ExecutePreprocessor.timeout=1200', '--ExecutePreprocessor.store_widget_state=False', str(p)],
                           check=True, cwd=p.parent)
        finally:
            nb = json.loads(p.read_text())
            for c in _cells_to_skip(nb):
                tags = c.get('metadata', {}).get('tags', [])
                if 'skip-execution' in tags: tags.remove('skip-execution')
                if not tags: c['metadata'].pop('tags', None)
            p.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')
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
