"""nbdev_proc_nbs without its Quarto check: the notebooks are pre-processed for the docs exactly as nbdev_docs
would do, so a broken docs build is caught here, where Quarto itself cannot be installed (its installer
downloads a binary). `nbdev_proc_nbs` calls `_ensure_quarto()` first, which would try that download.

    python scripts/proc_docs.py      # writes _proc/ (ignored by git)
"""
from pathlib import Path
from nbdev.config import get_config
from nbdev.quarto import refresh_quarto_yml, nbdev_sidebar
from nbdev.serve import proc_nbs
import nbdev.doclinks

if __name__ == '__main__':      # proc_nbs starts worker processes
    cfg = get_config()
    refresh_quarto_yml()
    nbdev.doclinks._build_modidx()
    nbdev_sidebar.__wrapped__(path=cfg.nbs_path)
    proc_nbs(cfg.nbs_path, n_workers=2)
    procd = sorted(p.name for p in (cfg.config_path / '_proc').glob('*.ipynb'))
    expected = sorted(p.name for p in cfg.nbs_path.glob('*.ipynb') if not p.name.startswith('_'))
    assert procd == expected, f"docs pre-processing lost notebooks: {sorted(set(expected) - set(procd))}"
    print(f"docs: {len(procd)} notebooks pre-processed into _proc/")
