"""Write README.md from nbs/index.ipynb (what nbdev_readme does with Quarto, which cannot be installed here):
markdown cells as they are, visible code cells as Python blocks, picture paths made relative to the repo root, and
each `<!-- include FILE: SUMMARY -->` line replaced by FILE (a table a bench script wrote) in a collapsed block, each
`<!-- show FILE -->` line by FILE as it is.

    python scripts/make_readme.py
"""
import json, re
from pathlib import Path

root = Path(__file__).resolve().parents[1]
nb = json.loads((root / 'nbs' / 'index.ipynb').read_text())
parts = []
for cell in nb['cells']:
    src = ''.join(cell['source'])
    if cell['cell_type'] == 'markdown':
        src = re.sub(r'<!-- include (\S+): (.+?) -->', lambda m: f"<details><summary>{m[2]} ({m[1]})</summary>\n\n"
                     f"{(root / m[1]).read_text().strip()}\n\n</details>", src)
        src = re.sub(r'<!-- show (\S+) -->', lambda m: (root / m[1]).read_text().strip(), src)
        parts.append(re.sub(r'\]\(images/', '](nbs/images/', src))
    elif not re.search(r'^#\|\s*hide', src, re.M):
        parts.append(f"```python\n{src}\n```")
note = '<!-- Generated from nbs/index.ipynb by scripts/make_readme.py: edit the notebook, not this file. -->\n\n'
(root / 'README.md').write_text(note + '\n\n'.join(parts) + '\n')
print('README.md written')
