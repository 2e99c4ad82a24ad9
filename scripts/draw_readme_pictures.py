"""Draw the README pictures with the package itself: nbs/images/masks.png (the KELS masks of the quick run's
network), nbs/images/accuracy.png (dense and slim top-1 per generation of a run folder written by ke_evolve) and
nbs/images/epochs.png (the same run's per-epoch sawtooth, `plot_epochs`).

    ke_evolve --baseline long --valid-every 1 --out runs/readme && python scripts/draw_readme_pictures.py --run runs/readme
    python scripts/draw_readme_pictures.py --pictures masks      # the masks alone: no run needed

`--valid-every 1` matters: the default validates every 10 epochs, and the sawtooth of epochs.png needs every epoch.
"""
import argparse
from pathlib import Path
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from knowledge_evolution import resnet18, split_layers_of, plot_mask, History, plot_history, plot_epochs, RunFolder

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument('--run', default='runs/quick')
p.add_argument('--pictures', nargs='+', choices=('masks', 'accuracy', 'epochs'), default=('masks', 'accuracy', 'epochs'),
               help='which to draw (masks needs no run)')
a = p.parse_args()
images = Path(__file__).resolve().parents[1] / 'nbs' / 'images'
images.mkdir(exist_ok=True)

if 'masks' in a.pictures:
    layers = split_layers_of(resnet18(10, 0.5, 'kels', small_input=True, width=0.25, in_channels=1))
    names = ['conv1', 'layer1.0.conv2', 'layer2.0.conv1', 'layer3.0.downsample.0', 'layer4.1.conv2', 'fc']
    fig = Figure(figsize=(13, 2.6))
    for ax, n in zip(fig.subplots(1, len(names)), names):
        plot_mask(layers[n], ax, n)
        for axis in (ax.xaxis, ax.yaxis): axis.set_major_locator(MaxNLocator(nbins=4, integer=True, min_n_ticks=1))   # one input channel too
    fig.suptitle('KELS masks, k = 0.5 (green: fit hypothesis, sand: reset hypothesis)', fontsize=10)
    fig.tight_layout(); fig.savefig(images / 'masks.png', dpi=80)

if 'accuracy' in a.pictures:
    fig = Figure(figsize=(6, 3.5))
    plot_history(History.from_json(Path(a.run) / 'history.json'), fig.subplots(),
                 title='ke_evolve (quick preset): test top-1 per generation')
    fig.tight_layout(); fig.savefig(images / 'accuracy.png', dpi=90)
if 'epochs' in a.pictures:
    fig = plot_epochs(RunFolder(a.run), figsize=(9, 4.5))
    fig.suptitle('ke_evolve --baseline long --valid-every 1 (quick preset, validated every epoch):\n'
                 'accuracy drops after re-initialisations (most at N2 and N6) and recovers', fontsize=10)
    fig.tight_layout(); fig.savefig(images / 'epochs.png', dpi=90)
print('wrote', *[images / f'{name}.png' for name in a.pictures])
