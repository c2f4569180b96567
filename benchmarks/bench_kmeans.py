# Copyright 2026 The videobert_hf authors. Licensed under the Apache License, Version 2.0.
"""
Hierarchical k-means fit and encode speed of `VideoBertVisualTokenizer` against a faiss-cpu node-by-node loop (the
anchor, measured in the same run) and, if installed, scikit-learn's KMeans node-by-node.

    python benchmarks/bench_kmeans.py                 # 50k x 1024, 3 levels x 12, 20 iterations
    python benchmarks/bench_kmeans.py --num-points 20000 --skip-sklearn

Needs the `bench` extra (`pip install -e .[bench]`: faiss-cpu, scikit-learn).
"""

import argparse
import time

import numpy as np
import torch

from videobert_hf.configuration_videobert import VideoBertVisualTokenizerConfig
from videobert_hf.visual_tokenizer_videobert import VideoBertHierarchicalKMeans


def make_features(num_points: int, dim: int, num_blobs: int, seed: int) -> np.ndarray:
    """Clustered Gaussian features: `num_blobs` random centres, unit-variance noise around each."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((num_blobs, dim), dtype=np.float32) * 4
    labels = rng.integers(0, num_blobs, num_points)
    return centres[labels] + rng.standard_normal((num_points, dim), dtype=np.float32)


def node_by_node(features: np.ndarray, levels: int, branching: int, fit_node) -> np.ndarray:
    """Hierarchical k-means as a loop over tree nodes: `fit_node(points) -> labels` per node. Returns leaf ids."""
    leaf = np.zeros(features.shape[0], dtype=np.int64)
    for _ in range(levels):
        child = np.zeros_like(leaf)
        for node in np.unique(leaf):
            rows = np.nonzero(leaf == node)[0]
            if rows.size >= branching:
                child[rows] = fit_node(features[rows])
        leaf = leaf * branching + child
    return leaf


def faiss_fit_node(branching: int, iterations: int, seed: int):
    import faiss

    def fit(points):
        kmeans = faiss.Kmeans(points.shape[1], branching, niter=iterations, seed=seed, min_points_per_centroid=1)
        kmeans.train(points)
        return kmeans.index.search(points, 1)[1][:, 0]

    return fit


def sklearn_fit_node(branching: int, iterations: int, seed: int):
    from sklearn.cluster import KMeans

    def fit(points):
        return KMeans(branching, n_init=1, max_iter=iterations, random_state=seed).fit_predict(points)

    return fit


def timed(function):
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--num-points", type=int, default=50_000)
    parser.add_argument("--dim", type=int, default=1024)
    parser.add_argument("--num-blobs", type=int, default=2000, help="Gaussian clusters in the synthetic features")
    parser.add_argument("--levels", type=int, default=3)
    parser.add_argument("--branching", type=int, default=12)
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--encode-points", type=int, default=500_000, help="vectors encoded (tiles of the features)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-sklearn", action="store_true")
    args = parser.parse_args()

    print(f"torch {torch.__version__}, intra-op threads: {torch.get_num_threads()}")
    features = make_features(args.num_points, args.dim, args.num_blobs, args.seed)
    print(
        f"features: {features.shape[0]} x {features.shape[1]} float32, {args.levels} levels x {args.branching}, "
        f"{args.iterations} iterations"
    )

    # Only the codebook is built; a backbone config dict just sets the feature dimension.
    config = VideoBertVisualTokenizerConfig(
        clip_encoder="transformers",
        backbone_config={"model_type": "videomae", "hidden_size": args.dim},
        levels=args.levels,
        branching=args.branching,
        kmeans_max_iter=args.iterations,
        kmeans_seed=args.seed,
    )
    codebook = VideoBertHierarchicalKMeans(config)
    tensor = torch.from_numpy(features)
    (ours_row, ours_leaf, ours_distance), ours_s = timed(
        lambda: codebook.fit(tensor, torch.Generator().manual_seed(args.seed), show_progress=False)
    )
    ours_objective = float(ours_distance.double().mean())
    print(
        f"ours  (batched torch, k-means++):    fit {ours_s:7.2f} s   mean squared distance to leaf {ours_objective:.1f}"
    )

    faiss_leaf, faiss_s = timed(
        lambda: node_by_node(
            features, args.levels, args.branching, faiss_fit_node(args.branching, args.iterations, args.seed)
        )
    )
    print(f"faiss-cpu node by node (anchor):      fit {faiss_s:7.2f} s")
    if not args.skip_sklearn:
        try:
            _, sklearn_s = timed(
                lambda: node_by_node(
                    features, args.levels, args.branching, sklearn_fit_node(args.branching, args.iterations, args.seed)
                )
            )
            print(f"scikit-learn KMeans node by node:     fit {sklearn_s:7.2f} s")
        except ImportError:
            print("scikit-learn not installed: skipped")
    print(f"fit time ratio ours / faiss: {ours_s / faiss_s:.2f}")

    # Encode throughput: descend the fitted tree on tiles of the features.
    tiles = -(-args.encode_points // args.num_points)
    queries = tensor.repeat(tiles, 1)[: args.encode_points]
    codebook(queries[:1000])  # warm-up
    ids, encode_s = timed(lambda: codebook(queries))
    leaf_of_row = torch.empty_like(ours_leaf).index_copy_(0, ours_row, ours_leaf)
    agreement = float((ids[: args.num_points] == leaf_of_row).float().mean())
    print(f"encode agrees with the fit's final assignment on {agreement:.2%} of the fitted vectors")
    print(
        f"encode: {queries.shape[0]} vectors in {encode_s:.2f} s = {queries.shape[0] / encode_s / 1e6:.2f} M vectors/s"
    )


if __name__ == "__main__":
    main()
