"""Build knowledge_evolution/data/fashion_mnist_small.npz, the small data set the package ships.

Source: the IDX files of Debian's `dataset-fashion-mnist` package (`apt-get install dataset-fashion-mnist`;
`dpkg -L dataset-fashion-mnist` lists them). Seeded: running it again gives the same file contents.

    python scripts/make_embedded_data.py [--source /usr/share/datasets/fashion-mnist]
"""
import argparse, shutil
from pathlib import Path
import numpy as np
from knowledge_evolution.data import balanced_subset, find_fashion_mnist_files, read_idx

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument('--source', default='/usr/share/datasets/fashion-mnist')
p.add_argument('--seed', type=int, default=0)
args = p.parse_args()

files = find_fashion_mnist_files(args.source)
arrays = {k: read_idx(v) for k, v in files.items()}
sub = balanced_subset(arrays['train_x'], arrays['train_y'], arrays['test_x'], arrays['test_y'],
                      train_per_class=20, valid_per_class=20, test_size=3000, seed=args.seed)
out = Path(__file__).resolve().parents[1] / 'knowledge_evolution' / 'data'
out.mkdir(parents=True, exist_ok=True)
np.savez_compressed(out / 'fashion_mnist_small.npz',
                    **{f'{s}_{k}': a.astype(np.uint8) for s, (x, y) in sub.items() for k, a in (('x', x), ('y', y))})
copyright = Path('/usr/share/doc/dataset-fashion-mnist/copyright')
notice = ("Fashion-MNIST subset (20 train + 20 valid images per class from the training set, 3,000 test images),\n"
          "made by scripts/make_embedded_data.py from Debian's dataset-fashion-mnist package.\n"
          "Upstream: https://github.com/zalandoresearch/fashion-mnist\n\n")
licence = copyright.read_text()   # the MIT (Expat) notice must travel with the data
(out / 'LICENSE-fashion-mnist.txt').write_text(notice + licence)
print({s: len(y) for s, (x, y) in sub.items()}, (out / 'fashion_mnist_small.npz').stat().st_size, 'bytes')
