# Copyright 2026 The videobert_hf authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.
"""
Hierarchical k-means fit and encode speed of `VideoBertVisualTokenizer` against a faiss-cpu node-by-node loop (the
anchor, measured in the same run) and, if installed, scikit-learn's KMeans node-by-node. Encoding (descending the
fitted tree) is timed against the previous per-node descent (kept below as `previous_descend`) in the same run, best
of `--encode-repeats` alternating runs each, and checked against the 0.5M vectors/s target.

    python benchmarks/bench_kmeans.py                 # 50k x 1024, 3 levels x 12, 20 iterations
    python benchmarks/bench_kmeans.py --num-points 20000 --skip-sklearn
    python benchmarks/bench_kmeans.py --skip-sklearn --fit-repeats 5 --encode-points 50000 --encode-repeats 1

Needs the `bench` extra (`pip install -e .[bench]`: faiss-cpu, scikit-learn).
"""

import argparse
import statistics
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


def previous_descend(codebook, features: torch.Tensor, chunk_rows: int = 65536) -> torch.Tensor:
    """The encoder before the gather-in-pieces descent: per node, gather its rows and multiply by its children."""
    ids = torch.empty(features.shape[0], dtype=torch.long)
    for chunk_start in range(0, features.shape[0], chunk_rows):
        chunk = features[chunk_start : chunk_start + chunk_rows]
        dots = torch.empty(chunk.shape[0], codebook.branching)
        for level in range(codebook.levels):
            centroids = codebook.level_centroids(level)
            squared_norms = centroids.square().sum(-1)
            if level == 0:
                torch.mm(chunk, centroids[0].T, out=dots)
                node = (squared_norms[0] - 2 * dots).argmin(dim=1)
                continue
            node_sorted, order = torch.sort(node, stable=True)
            bounds = [0] + torch.bincount(node_sorted, minlength=centroids.shape[0]).cumsum(0).tolist()
            for i in torch.unique_consecutive(node_sorted).tolist():
                start, end = bounds[i], bounds[i + 1]
                torch.mm(chunk.index_select(0, order[start:end]), centroids[i].T, out=dots[start:end])
            child = (squared_norms[node_sorted] - 2 * dots).argmin(dim=1)
            node = torch.empty_like(node).index_copy_(0, order, node_sorted * codebook.branching + child)
        ids[chunk_start : chunk_start + chunk.shape[0]] = node
    return ids


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
    parser.add_argument("--encode-repeats", type=int, default=3, help="alternating encode runs; best of each kept")
    parser.add_argument("--encode-target", type=float, default=0.5, help="encode target in M vectors/s")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-sklearn", action="store_true")
    parser.add_argument(
        "--fit-repeats", type=int, default=1, help="alternating fit rounds (ours, then faiss); prints each ratio"
    )
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
    )
    codebook = VideoBertHierarchicalKMeans(config)
    tensor = torch.from_numpy(features)
    # `VideoBertVisualTokenizer.fit`'s defaults, except the iterations (faiss and scikit-learn get the same number)
    fit_settings = {"kmeans_init": "k-means++", "max_iter": args.iterations, "max_points_per_centroid": 256}
    ratios = []
    for round_index in range(args.fit_repeats):  # alternating: each round's ratio shares the machine's state
        (ours_row, ours_leaf, ours_distance), ours_s = timed(
            lambda: codebook.fit(tensor, torch.Generator().manual_seed(args.seed), show_progress=False, **fit_settings)
        )
        ours_objective = float(ours_distance.double().mean())
        faiss_leaf, faiss_s = timed(
            lambda: node_by_node(
                features, args.levels, args.branching, faiss_fit_node(args.branching, args.iterations, args.seed)
            )
        )
        ratios.append(ours_s / faiss_s)
        print(
            f"round {round_index + 1}: ours (batched torch, k-means++) fit {ours_s:6.2f} s (mean squared distance to "
            f"leaf {ours_objective:.1f}), faiss-cpu node by node (anchor) {faiss_s:6.2f} s, ratio {ratios[-1]:.2f}"
        )
    if args.fit_repeats > 1:
        print(
            f"fit time ratio ours / faiss over {args.fit_repeats} rounds: median {statistics.median(ratios):.2f}, "
            f"range {min(ratios):.2f}-{max(ratios):.2f}"
        )
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
    if args.fit_repeats == 1:
        print(f"fit time ratio ours / faiss: {ours_s / faiss_s:.2f}")

    # Encode throughput: descend the fitted tree on tiles of the features; the previous descent alternates with ours.
    tiles = -(-args.encode_points // args.num_points)
    queries = tensor.repeat(tiles, 1)[: args.encode_points]
    codebook(queries[:1000])  # warm-up
    previous_descend(codebook, queries[:1000])
    encode_s, previous_s = [], []
    with torch.no_grad():
        for _ in range(args.encode_repeats):
            ids, seconds = timed(lambda: codebook(queries))
            encode_s.append(seconds)
            previous_ids, seconds = timed(lambda: previous_descend(codebook, queries))
            previous_s.append(seconds)
    leaf_of_row = torch.empty_like(ours_leaf).index_copy_(0, ours_row, ours_leaf)
    agreement = float((ids[: args.num_points] == leaf_of_row).float().mean())
    print(f"encode agrees with the fit's final assignment on {agreement:.2%} of the fitted vectors")
    same = float((ids == previous_ids).float().mean())
    print(f"encode ids equal to the previous descent's on {same:.4%} of the {queries.shape[0]} vectors")
    rate, previous_rate = queries.shape[0] / min(encode_s) / 1e6, queries.shape[0] / min(previous_s) / 1e6
    print(
        f"previous descent (reference):        {queries.shape[0]} vectors in {min(previous_s):.2f} s = "
        f"{previous_rate:.3f} M vectors/s (best of {args.encode_repeats})"
    )
    print(
        f"encode:                              {queries.shape[0]} vectors in {min(encode_s):.2f} s = "
        f"{rate:.3f} M vectors/s (best of {args.encode_repeats})"
    )
    verdict = "met" if rate >= args.encode_target else "NOT met"
    print(
        f"encode speed-up over the previous descent: {rate / previous_rate:.2f}x; "
        f"target >= {args.encode_target} M vectors/s: {verdict}"
    )


if __name__ == "__main__":
    main()
