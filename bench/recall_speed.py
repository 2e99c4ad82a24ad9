"""How fast is `retrieval_scores` (Recall@1, 2, 4, 8 and MAP@R, chapter 26) on 10,000 embeddings, on the CPU?

Against two references on the same embeddings: a brute-force computation (the whole 10,000 x 10,000 similarity matrix,
every row fully sorted, the scores counted from the sorted labels), and pytorch-metric-learning's AccuracyCalculator
(precision_at_1 = Recall@1 and MAP@R, with its torch k-NN on cosine similarity). The scores must agree.

    python bench/recall_speed.py [--n 10000] [--dim 128] [--threads 2]
"""
import argparse, time
import torch
import torch.nn.functional as F
from knowledge_evolution.retrieval import retrieval_scores

def brute_force(embeddings, labels, ks=(1, 2, 4, 8)) -> dict:
    "Every pair's similarity, every row sorted: Recall@K and MAP@R by the definitions, no chunks, no top-k."
    x = F.normalize(embeddings, dim=1)
    similarity = x @ x.T
    similarity.fill_diagonal_(-float('inf'))
    ranked = labels[similarity.argsort(dim=1, descending=True)[:, :-1]] == labels[:, None]     # the query itself sorts last
    r = ranked.sum(1)
    scores = {('top1' if k == 1 else f'recall@{k}'): ranked[:, :k].any(1).float().mean().item() for k in ks}
    precision = ranked.cumsum(1) / torch.arange(1, ranked.shape[1] + 1)
    within = torch.arange(ranked.shape[1])[None] < r[:, None]
    scores['map@r'] = ((precision * ranked * within).sum(1) / r.clamp(min=1))[r > 0].mean().item()
    return scores

def timed(f, repeat=3):
    best = float('inf')
    for _ in range(repeat):
        start = time.perf_counter(); out = f(); best = min(best, time.perf_counter() - start)
    return out, best

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--n', type=int, default=10000); p.add_argument('--dim', type=int, default=128)
    p.add_argument('--threads', type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    from pytorch_metric_learning.utils.accuracy_calculator import AccuracyCalculator
    from pytorch_metric_learning.utils.inference import CustomKNN
    from pytorch_metric_learning.distances import CosineSimilarity
    calculator = AccuracyCalculator(include=('precision_at_1', 'mean_average_precision_at_r'), knn_func=CustomKNN(CosineSimilarity()))
    print(f"{args.n} embeddings of {args.dim} dimensions, {args.threads} threads; best of 3, seconds")
    print("| classes | images per class (R + 1) | retrieval_scores | brute force | pytorch-metric-learning | brute / ours | same scores |")
    print("|---|---|---|---|---|---|---|")
    for classes in (100, 10):
        g = torch.Generator().manual_seed(0)
        labels = torch.randint(0, classes, (args.n,), generator=g)
        embeddings = torch.randn(args.n, args.dim, generator=g) + 0.5 * torch.randn(classes, args.dim, generator=g)[labels]
        ours, t_ours = timed(lambda: retrieval_scores(embeddings, labels))
        brute, t_brute = timed(lambda: brute_force(embeddings, labels), repeat=1)
        theirs, t_theirs = timed(lambda: calculator.get_accuracy(embeddings, labels), repeat=1)
        same = (all(abs(ours[k] - brute[k]) < 1e-6 for k in ours)
                and abs(ours['top1'] - theirs['precision_at_1']) < 1e-9 and abs(ours['map@r'] - theirs['mean_average_precision_at_r']) < 1e-5)
        print(f"| {classes} | {args.n // classes} | {t_ours:.2f} | {t_brute:.2f} | {t_theirs:.2f} | {t_brute / t_ours:.1f}x | {same} |")

if __name__ == '__main__':
    main()
