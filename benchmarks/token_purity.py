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
"""How much of the verb and the noun the visual tokens carry, without any model: each visual token votes for the label
it co-occurred with most in the training split, and an evaluation segment takes the majority vote of its clips' words.

Two modes:

- `--demo_output DIR` reads the output of `make demo` (or any folder laid out like it) and prints segment-level vote
  accuracy per label, an upper-bound-style reference for the zero-shot figures; with several visual words per clip,
  also of each codebook's words alone (what asking a label of its own word can read at best, by this vote), and
  "clips by purity", the demo's token vote (each clip by its words' votes weighted by their purity, `vote`).
- `--factorisations DIR` compares ways of giving a clip several visual words (issue 20) on the same clip features:
  it generates the synthetic benchmark into DIR (the demo's settings: 64 training videos, 16 per evaluation split,
  64-px frames, 8 fps, 8-frame clips, random S3D pooled over Conv_2c, Mixed_3c, Mixed_4c, Mixed_5c), caches the clip
  features there, then fits each factorisation (16 ** 2 words per codebook, whitening to 64 dimensions, L2) on the
  training clips and prints the token-vote accuracy of all words together (their majority), of clips read by their
  words' purity (`vote`) and of each codebook alone; the last rows
  put appearance features beside S3D (each clip's colour histogram, of the frame, of its centre and of its centre
  with each pixel counted by its chroma; the
  ImageNet-trained EfficientNet-Lite0 on the frame, on its centre and on its surround (the frame with that centre
  blanked), one frame per clip at 128 px), each as a word of its own:

    .venv/bin/python benchmarks/token_purity.py --demo_output demo_output
    .venv/bin/python benchmarks/token_purity.py --factorisations /tmp/purity --seed 0
    .venv/bin/python benchmarks/token_purity.py --factorisations /tmp/purity_3 --seed 3 \
        --only "centre chroma colour / surround (G=2)" --kmeans_seeds 0 1 2 3 4 5 6 7
"""

import argparse
from pathlib import Path

import numpy as np
import torch

from videobert_hf.configuration_videobert import APPEARANCE_CENTRE_CROP, S3D_BLOCKS


def segments(root: Path, split: str):
    import datasets

    from videobert_benchmark.evaluation import labelled_segments
    from videobert_hf.corpus import read_youcook2

    dataset = datasets.load_from_disk(root / "tokenized" / split)
    return labelled_segments(dataset, read_youcook2(root / "data" / split / "youcookii_annotations.json"))


def clip_words(ids) -> list[int]:
    """The visual words of a segment's clips, flattened: a clip is one id, or a list of one id per codebook."""
    return [int(w) for clip in ids for w in (clip if isinstance(clip, (list, tuple, np.ndarray)) else [clip])]


def vote_accuracy(train, evaluated, key: str) -> float:
    """
    Percent of `evaluated` segments `(clips, labels)` whose clips' vote (`vote`, with `token_label_votes` learnt on
    `train`) is right: flat word ids are one-word clips (the words' majority), lists of words per clip are read by
    their words' purity.
    """
    from videobert_benchmark.evaluation import token_label_votes, vote

    votes = token_label_votes([(None, clips, labels) for clips, labels in train], key)
    return 100 * sum(vote(clips, votes) == labels[key] for clips, labels in evaluated) / len(evaluated)


def codebook_words(ids, codebook: int) -> list[int]:
    """The words of one codebook in a segment whose clips each hold one id per codebook."""
    return [int(clip[codebook]) for clip in ids]


def demo_purity(root: Path, splits: str) -> None:
    """Token-vote accuracy of a demo output's words; with several codebooks per clip, also of each codebook alone and
    of clips read by their words' purity (`vote`, the demo's token vote)."""
    train = segments(root, "train")
    first = train[0][1][0]
    num_codebooks = len(first) if isinstance(first, (list, tuple, np.ndarray)) else 1
    readings = [("all words", clip_words)]
    if num_codebooks > 1:
        readings += [(f"codebook {g} alone", lambda ids, g=g: codebook_words(ids, g)) for g in range(num_codebooks)]
        readings.append(("clips by purity", lambda ids: [[int(w) for w in clip] for clip in ids]))
    for split in splits.split(","):
        evaluated = segments(root, split)
        for reading, words in readings:
            picked_train = [(words(ids), labels) for _, ids, labels in train]
            picked = [(words(ids), labels) for _, ids, labels in evaluated]
            for key in ("verb", "noun"):
                accuracy = vote_accuracy(picked_train, picked, key)
                print(f"{split:13s} {key}, {reading}: token-vote accuracy {accuracy:.1f} % of {len(picked)}")


# ---------------------------------------------------------------------------------------------- factorisations
BLOCKS = ["Conv_2c", "Mixed_3c", "Mixed_4c", "Mixed_5c"]
S3D_DIM = sum(S3D_BLOCKS[block][1] for block in BLOCKS)  # the pooled blocks' widths, concatenated (2,208)
# The ImageNet-trained EfficientNet-Lite0 features of the whole frame, of its centre and of its surround.
APPEARANCE = ["efficientnet_lite0", "efficientnet_lite0_centre", "efficientnet_lite0_surround"]
# The colour histograms (crop, chroma-weighted): of the whole frame (`"colour_histogram"`), of its centre
# (`"colour_histogram_centre"`), of its centre by chroma (`"colour_histogram_centre_chroma"`).
COLOUR_CROPS = ((1.0, False), (APPEARANCE_CENTRE_CROP, False), (APPEARANCE_CENTRE_CROP, True))
APPEARANCE_IMAGE_SIZE = 128


def clip_features(root: Path, seed: int):
    """
    `{split: [(features [n, D], clip_times [n, 2], annotations)]}` of a synthetic benchmark, cached in `root`: the
    random S3D's pooled blocks (`S3D_DIM` columns), then each clip's colour histogram of the frame, of its centre
    and of its centre by chroma (the visual tokenizer's `colour_histograms`, its `s3d_blocks` features
    `"colour_histogram"`, `"colour_histogram_centre"` and `"colour_histogram_centre_chroma"`, 125 columns each), then
    its EfficientNet-Lite0 features of the frame, of its centre and of its surround (`APPEARANCE`, 1,280 columns
    each, L2-normalised).
    """
    from videobert_benchmark.synthetic import SyntheticCookingConfig, generate_benchmark
    from videobert_hf import VideoBertVideoProcessor, VideoBertVisualTokenizer
    from videobert_hf.corpus import read_youcook2
    from videobert_hf.corpus.clips import iter_clip_features
    from videobert_hf.visual_tokenizer_videobert import colour_histograms

    data = root / "data"
    if not (data / "benchmark.json").exists():
        generate_benchmark(data, 64, 16, 16, SyntheticCookingConfig(frame_size=64, seed=seed), num_workers=2)
    torch.manual_seed(seed)  # the random S3D of examples/build_visual_vocabulary.py --seed
    tokenizer = VideoBertVisualTokenizer.from_clip_encoder("s3d", levels=2, branching=16, s3d_blocks=BLOCKS).eval()
    processor = VideoBertVideoProcessor(
        fps=8, clip_length=8, size={"shortest_edge": 64}, crop_size={"height": 64, "width": 64}
    )
    out = {}
    for split in ("train", "heldout", "unseen_pairs"):
        annotations = read_youcook2(data / split / "youcookii_annotations.json")
        cache = root / f"features_{split}.npz"
        if not cache.exists():
            arrays = {}
            for video_id in sorted(annotations):
                path = next((data / split / "videos").glob(f"{video_id}.*"))
                parts = list(iter_clip_features(tokenizer, processor, path, 8))
                arrays[f"{video_id}/features"] = torch.cat([p[0] for p in parts]).numpy()
                arrays[f"{video_id}/clip_times"] = torch.cat([p[1] for p in parts]).numpy()
            np.savez(cache, **arrays)
        colour_cache = root / f"colour_histogram_{split}.npz"
        if colour_cache.exists():  # a cache of fewer histograms (before the centre ones) is computed again
            with np.load(colour_cache) as cached:
                if next(iter(cached.values())).shape[1] != 125 * len(COLOUR_CROPS):
                    colour_cache.unlink()
        if not colour_cache.exists():
            colours = {}
            for video_id in sorted(annotations):
                path = next((data / split / "videos").glob(f"{video_id}.*"))
                batches = processor.iter_clips(path, batch_size=8)
                clips = [
                    torch.cat(
                        [colour_histograms(b["pixel_values_videos"], crop=c, chroma=w) for c, w in COLOUR_CROPS], 1
                    )
                    for b in batches
                ]
                colours[video_id] = torch.cat(clips).numpy()
            np.savez(colour_cache, **colours)
        appearance_cache = root / f"appearance_{split}.npz"
        if appearance_cache.exists():  # a cache of fewer features (before the surround feature) is computed again
            with np.load(appearance_cache) as cached:
                if next(iter(cached.values())).shape[1] != 1280 * len(APPEARANCE):
                    appearance_cache.unlink()
        if not appearance_cache.exists():
            appearance = VideoBertVisualTokenizer.from_clip_encoder(
                "s3d", s3d_blocks=APPEARANCE, appearance_image_size=APPEARANCE_IMAGE_SIZE, levels=1, branching=2
            ).eval()
            features = {}
            for video_id in sorted(annotations):
                path = next((data / split / "videos").glob(f"{video_id}.*"))
                batches = processor.iter_clips(path, batch_size=8)
                features[video_id] = torch.cat(
                    [appearance.get_clip_features(b["pixel_values_videos"]) for b in batches]
                )
            np.savez(appearance_cache, **{k: v.numpy() for k, v in features.items()})
        arrays, colours, appearance = np.load(cache), np.load(colour_cache), np.load(appearance_cache)
        out[split] = [
            (
                np.concatenate([arrays[f"{v}/features"], colours[v], appearance[v]], 1),
                arrays[f"{v}/clip_times"],
                annotations[v],
            )
            for v in sorted(annotations)
            if f"{v}/features" in arrays
        ]
    return out


def fit_codebook(features: torch.Tensor, seed: int):
    """One whitened, L2-normalised 16 ** 2-word hierarchical k-means (the tokenizer's own parts): returns encode."""
    from videobert_hf.configuration_videobert import VideoBertVisualTokenizerConfig
    from videobert_hf.visual_tokenizer_videobert import VideoBertFeatureConditioning, VideoBertHierarchicalKMeans

    config = VideoBertVisualTokenizerConfig(levels=2, branching=16, whiten_dim=64, l2_normalize=True)
    conditioning = VideoBertFeatureConditioning(config, feature_dim=features.shape[1])
    codebook = VideoBertHierarchicalKMeans(config, dim=64)
    conditioning.fit(features)
    generator = torch.Generator().manual_seed(seed)
    codebook.fit(
        conditioning(features), generator, show_progress=False, kmeans_init="k-means++", max_iter=20,
        max_points_per_centroid=256,
    )  # fmt: skip

    def encode(x):
        vectors = conditioning(x)
        ids = codebook(vectors)
        leaves = codebook.level_centroids(codebook.levels - 1).reshape(-1, codebook.dim)
        return ids, vectors - leaves[ids]

    return encode


def ridge_residual(x: torch.Tensor, y: torch.Tensor, ridge: float = 0.1):
    """
    What a ridge regression of `x` on `y` (rows: clips) leaves unexplained: fitted on the rows given, it returns
    `(x, y) -> x - prediction` for any rows. `ridge` is relative to the mean eigenvalue of `y`'s scatter matrix.
    """
    x, y = x.double(), y.double()
    x_mean, y_mean = x.mean(0), y.mean(0)
    gram = (y - y_mean).T @ (y - y_mean)
    regularised = gram + ridge * gram.trace() / len(gram) * torch.eye(len(gram), dtype=gram.dtype)
    weights = torch.linalg.solve(regularised, (y - y_mean).T @ (x - x_mean))
    return lambda x, y: (x.double() - x_mean - (y.double() - y_mean) @ weights).float().contiguous()


def factorisations(train: torch.Tensor, seed: int) -> dict:
    """
    Name -> a builder that fits the factorisation (codebook g's k-means seeded with `seed + g`) and returns its
    function of features `[n, D]` -> words `[n, G]` (codebook g's words offset by g * 256).
    """
    from videobert_hf.configuration_videobert import VideoBertVisualTokenizerConfig

    size = 16**2
    blocks = VideoBertVisualTokenizerConfig(s3d_blocks=BLOCKS, num_codebooks=2).feature_groups
    per_block = VideoBertVisualTokenizerConfig(s3d_blocks=BLOCKS, num_codebooks=4).feature_groups
    half = S3D_DIM // 2
    colour, colour_centre = (S3D_DIM, S3D_DIM + 125), (S3D_DIM + 125, S3D_DIM + 250)
    chroma = (S3D_DIM + 250, S3D_DIM + 375)
    frame, centre = (chroma[1], chroma[1] + 1280), (chroma[1] + 1280, chroma[1] + 2560)
    surround = (centre[1], centre[1] + 1280)
    s3d = (0, S3D_DIM)

    def product_of(columns):
        """One codebook per function of the features (codebook g seeded with `seed + g`)."""
        encoders = [fit_codebook(pick(train), seed + g) for g, pick in enumerate(columns)]
        return lambda x: torch.stack(
            [enc(pick(x))[0] + g * size for g, (enc, pick) in enumerate(zip(encoders, columns))], 1
        )

    def product(groups):
        return product_of([lambda x, a=a, b=b: x[:, a:b].contiguous() for a, b in groups])

    def one_word(groups):
        """One codebook over several column runs side by side (each already L2-normalised)."""
        columns = torch.cat([torch.arange(a, b) for a, b in groups])
        encoder = fit_codebook(train[:, columns].contiguous(), seed)
        return lambda x: encoder(x[:, columns].contiguous())[0][:, None]

    def residual():
        from videobert_hf.configuration_videobert import VideoBertVisualTokenizerConfig as Config
        from videobert_hf.visual_tokenizer_videobert import VideoBertHierarchicalKMeans

        first = fit_codebook(train[:, :S3D_DIM].contiguous(), seed)
        _, rest = first(train[:, :S3D_DIM].contiguous())
        second = VideoBertHierarchicalKMeans(Config(levels=2, branching=16, whiten_dim=64), dim=64)
        second.fit(
            rest.contiguous(), torch.Generator().manual_seed(seed + 1), show_progress=False, kmeans_init="k-means++",
            max_iter=20, max_points_per_centroid=256,
        )  # fmt: skip

        def encode(x):
            ids, rest = first(x[:, :S3D_DIM].contiguous())
            return torch.stack([ids, second(rest.contiguous()) + size], 1)

        return encode

    def dominant(histograms, by):
        """Codebook 0 over the one-hot of each clip's fullest histogram cell (the tokenizer's
        `"colour_dominant_centre_chroma"`, here the argmax of the cached `"colour_histogram_centre_chroma"`, which is
        the same cell unless two cells' float shares tie), codebook 1 over `by`'s columns."""

        def one_hot(features):
            return torch.nn.functional.one_hot(features[:, histograms[0] : histograms[1]].argmax(1), 125).float()

        return product_of([one_hot, lambda features: features[:, by[0] : by[1]].contiguous()])

    def explained_away(first, by):
        """Codebook 0 over `first`'s columns less what `by`'s columns (whitened to 64) predict of them
        (`ridge_residual`), codebook 1 over `by`'s: an object word with what the action word's features explain
        removed."""
        from videobert_hf.configuration_videobert import VideoBertVisualTokenizerConfig as Config
        from videobert_hf.visual_tokenizer_videobert import VideoBertFeatureConditioning

        conditioning = VideoBertFeatureConditioning(
            Config(whiten_dim=64, l2_normalize=False), feature_dim=by[1] - by[0]
        )
        conditioning.fit(train[:, by[0] : by[1]].contiguous())

        def columns(features):
            return features[:, first[0] : first[1]], conditioning(features[:, by[0] : by[1]].contiguous())

        residual = ridge_residual(*columns(train))
        object_word = fit_codebook(residual(*columns(train)), seed)
        action_word = fit_codebook(train[:, by[0] : by[1]].contiguous(), seed + 1)
        return lambda x: torch.stack(
            [object_word(residual(*columns(x)))[0], action_word(x[:, by[0] : by[1]].contiguous())[0] + size], 1
        )

    return {
        "one word (G=1, the paper)": lambda: product([(0, S3D_DIM)]),
        "PQ, S3D block groups (G=2)": lambda: product(blocks),
        "PQ, equal halves (G=2)": lambda: product([(0, half), (half, S3D_DIM)]),
        "residual k-means (G=2)": residual,
        "PQ, one per block (G=4)": lambda: product(per_block),
        "colour histogram alone (G=1)": lambda: product([colour]),
        "colour histogram / S3D late blocks (G=2)": lambda: product([colour, blocks[1]]),
        "colour histogram / S3D blocks (G=2)": lambda: product([colour, (0, S3D_DIM)]),
        "colour / S3D early / S3D late (G=3)": lambda: product([colour, *blocks]),
        "EfficientNet frame alone (G=1)": lambda: product([frame]),
        "EfficientNet centre alone (G=1)": lambda: product([centre]),
        "EfficientNet frame + S3D, one word (G=1)": lambda: one_word([frame, s3d]),
        "colour / EffNet centre / S3D (G=3)": lambda: product([colour, centre, s3d]),
        "EffNet frame / centre / S3D (G=3)": lambda: product([frame, centre, s3d]),
        "colour / frame / centre / S3D (G=4)": lambda: product([colour, frame, centre, s3d]),
        "EffNet surround alone (G=1)": lambda: product([surround]),
        "EffNet centre / surround (G=2)": lambda: product([centre, surround]),
        "colour / centre / surround (G=3)": lambda: product([colour, centre, surround]),
        "centre colour alone (G=1)": lambda: product([colour_centre]),
        "centre colour / surround (G=2)": lambda: product([colour_centre, surround]),
        "centre colour / centre / surround (G=3)": lambda: product([colour_centre, centre, surround]),
        "centre colour by chroma alone (G=1)": lambda: product([chroma]),
        "centre chroma colour / surround (G=2)": lambda: product([chroma, surround]),
        "centre chroma less the surround's prediction / surround (G=2)": lambda: explained_away(chroma, surround),
        "centre's dominant chroma colour / surround (G=2)": lambda: dominant(chroma, surround),
    }


def labelled(videos, encode) -> list[tuple[np.ndarray, dict]]:
    """`(words [clips, G], labels)` of every annotated segment (its clips' midpoints inside it, else the nearest)."""
    from videobert_hf.processing_videobert import align_sentences_to_clips

    out = []
    for features, times, sentences in videos:
        words = encode(torch.from_numpy(features)).numpy()
        spans = align_sentences_to_clips([(s.start, s.end) for s in sentences], times)
        for sentence, (first, end) in zip(sentences, spans):
            out.append((words[first:end], {key: sentence.get(key) for key in ("verb", "noun")}))
    return out


def compare_factorisations(root: Path, seed: int, only=None, kmeans_seed: int | None = None) -> None:
    """Prints the token vote of every factorisation (or of those named in `only`), its k-means seeded with
    `kmeans_seed` (default: the benchmark's `seed`)."""
    videos = clip_features(root, seed)
    train = torch.from_numpy(np.concatenate([f for f, _, _ in videos["train"]]))
    kmeans_seed = seed if kmeans_seed is None else kmeans_seed
    builders = factorisations(train, kmeans_seed)
    print(
        f"token-vote accuracy (%), seed {seed}, k-means seed {kmeans_seed}, {train.shape[0]} training clips of "
        f"{train.shape[1]}-d features"
    )
    header = (
        f"{'factorisation':30s} {'words':>5s}  {'held-out verb':>13s} {'noun':>5s}  {'unseen verb':>11s} {'noun':>5s}"
    )
    print(header)
    for name, build in builders.items():
        if only and name not in only:
            continue
        encode = build()
        split_segments = {split: labelled(videos[split], encode) for split in ("train", "heldout", "unseen_pairs")}
        num_codebooks = split_segments["train"][0][0].shape[1]
        rows = [("all", slice(None))] + (
            [("clips", slice(None))] + [(f"g{g}", slice(g, g + 1)) for g in range(num_codebooks)]
        ) * (num_codebooks > 1)
        for label, columns in rows:
            cells = []
            for split in ("heldout", "unseen_pairs"):
                if label == "clips":  # each clip by its words' purity
                    pick = lambda segs: [(w.tolist(), lab) for w, lab in segs]  # noqa: E731
                else:  # the words' flat majority
                    pick = lambda segs, c=columns: [(w[:, c].ravel().tolist(), lab) for w, lab in segs]  # noqa: E731
                for key in ("verb", "noun"):
                    cells.append(vote_accuracy(pick(split_segments["train"]), pick(split_segments[split]), key))
            title = {"all": name, "clips": "  clips by purity"}.get(label, f"  codebook {label[1:]} alone")
            print(f"{title:30s} {label:>5s}  {cells[0]:13.1f} {cells[1]:5.1f}  {cells[2]:11.1f} {cells[3]:5.1f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--demo_output", help="A `make demo` output folder: the purity of its tokens.")
    parser.add_argument("--splits", default="heldout,unseen_pairs")
    parser.add_argument("--factorisations", help="Folder for a synthetic benchmark: compare codebook factorisations.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", nargs="+", help="With --factorisations: only these factorisations (their names).")
    parser.add_argument(
        "--kmeans_seeds",
        type=int,
        nargs="+",
        help="With --factorisations: fit each factorisation once per k-means seed (default: the benchmark's --seed), "
        "on the same clips: how much the words depend on the k-means alone.",
    )
    args = parser.parse_args(argv)
    names = factorisations(torch.empty(0), 0)  # builders only: nothing is fitted until one is called
    unknown = sorted(set(args.only or ()) - set(names))
    if unknown:
        parser.error(f"--only: no factorisation named {unknown}; the names are {list(names)}")
    if args.factorisations:
        for kmeans_seed in args.kmeans_seeds or [None]:
            compare_factorisations(Path(args.factorisations), args.seed, args.only, kmeans_seed)
    else:
        demo_purity(Path(args.demo_output or "demo_output"), args.splits)


if __name__ == "__main__":
    main()
