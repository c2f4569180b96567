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
"""Does a pretrained model know *when* a video changes? Forecasting (issue 14) against repeating the last token, on
the training videos and on held-out ones, with the model's own probabilities turned into every persistence rule.

For each `make demo` output folder (e.g. the seed benchmark's `bench_output/learning_seeds/seed_N`) this reads the
pretrained model (`videobert/`) and the tokenized splits, and runs `evaluate_forecasting` at every cut (`--stride`,
default 1, the demo's cuts) with `keep_last_ratios`: the model's top clip, except where it rates the last
observed clip at least `r` times as likely, then that clip (`r = 0` is repeating the last token, `r = 1` the model's
top-1). Where some `r` beats `r = 0` on training videos but none does on held-out ones, the model has learnt *its*
videos' continuations, and the held-out videos' future holds nothing it can learn beyond persistence. Prints one
table per folder for t+1 and t+2 (the clips masked after each cut: `--horizon`, the demo's 4) and, with `--output`,
writes every figure as JSON.

With `--by_label`, it reads the clips as steps instead, as the demo does (each annotated step's labels, through the
training tokens' votes), once per label and once for both: `verb` alone, `noun` alone, `verb+noun` (the demo's
"read as steps" rows), each the model's likeliest step against repeating the last clip. With several visual words per
clip, a step is right only where every head's words name it; where each label alone is forecast about as well as
with one word per clip and both together are not, the heads disagree on *when* the step changes.

    .venv/bin/python benchmarks/forecasting_probe.py bench_output/learning_seeds/seed_0 bench_output/learning_seeds/seed_1
    .venv/bin/python benchmarks/forecasting_probe.py bench_output/learning_seeds/seed_0 --by_label
"""

import argparse
import json
from pathlib import Path


RATIOS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0)
# `--by_label`: the labels read alone, then together
LABEL_SETS = (("verb",), ("noun",), ("verb", "noun"))


def load_pretrained(root: Path):
    """The pretrained model (in eval mode) and processor of a demo output folder, or an error naming the folder."""
    from transformers import AutoModelForPreTraining, AutoProcessor

    import videobert_hf  # noqa: F401  (registers the model family with the Auto classes)

    model_dir = root / "videobert"
    if not (model_dir / "config.json").is_file():
        raise FileNotFoundError(f"{root} holds no pretrained model (videobert/config.json): is it a demo output?")
    return AutoModelForPreTraining.from_pretrained(model_dir).eval(), AutoProcessor.from_pretrained(model_dir)


def probe(root: Path, splits, stride: int, horizon: int, ratios) -> dict:
    import datasets
    import torch

    from videobert_benchmark.evaluation import evaluate_forecasting

    model, processor = load_pretrained(root)
    results = {}
    for split in splits:
        videos = [row["visual_ids"] for row in datasets.load_from_disk(root / "tokenized" / split)]
        with torch.no_grad():
            results[split] = evaluate_forecasting(
                model, processor, videos, horizon=horizon, min_prefix=4, stride=stride, keep_last_ratios=ratios
            )
    return results


def probe_by_label(root: Path, splits, stride: int, horizon: int) -> dict:
    """`{split: {"verb" | "noun" | "verb+noun": evaluate_forecasting's figures}}`: the clips read as the steps of those
    labels (`clip_steps`), through the votes of the training split's tokens (`token_label_votes`)."""
    import datasets
    import torch

    from videobert_benchmark.evaluation import clip_steps, evaluate_forecasting, labelled_segments, token_label_votes
    from videobert_hf.corpus import read_youcook2

    model, processor = load_pretrained(root)

    def split_of(name):
        annotations = root / "data" / name / "youcookii_annotations.json"
        if not annotations.is_file():
            raise FileNotFoundError(
                f"{root} has no annotations of its {name} split ({annotations}): --by_label reads them."
            )
        return datasets.load_from_disk(root / "tokenized" / name), read_youcook2(annotations)

    train = labelled_segments(*split_of("train"))
    votes = {key: token_label_votes(train, key) for key in LABEL_SETS[-1]}
    results = {}
    for split in splits:
        dataset, annotations = split_of(split)
        results[split] = {}
        for keys in LABEL_SETS:
            steps = [labels for _, labels in clip_steps(dataset, annotations, processor.special_ids, keys)]
            with torch.no_grad():
                results[split]["+".join(keys)] = evaluate_forecasting(
                    model,
                    processor,
                    [row["visual_ids"] for row in dataset],
                    horizon=horizon,
                    min_prefix=4,
                    stride=stride,
                    steps=steps,
                    label_votes={key: votes[key] for key in keys},
                )
    return results


def label_table(name: str, results: dict, horizon: int) -> str:
    """`--by_label`'s table: per label set, each split's model / repeating the last clip at t+1 .. t+`horizon`."""
    splits = list(results)
    columns = [(s, h) for s in splits for h in range(1, horizon + 1)]
    lines = [
        f"| {name}, read as steps: the model / repeating the last clip (%) | "
        + " | ".join(f"{s}, t+{h}" for s, h in columns)
        + " |",
        "|---" * (len(columns) + 1) + "|",
    ]
    for keys in map("+".join, LABEL_SETS):
        cells = []
        for s, h in columns:
            figures = results[s][keys]
            cells.append(f"{figures[f'h{h}_step_top1']:.1f} / {figures[f'h{h}_step_last_top1']:.1f}")
        lines.append(f"| {keys} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def table(name: str, results: dict, horizon: int, ratios) -> str:
    splits = list(results)
    lines = [
        f"| {name}, t+{horizon} top-1 (%) | "
        + " | ".join(f"{s} ({results[s][f'h{horizon}_count']} cuts)" for s in splits)
        + " |",
        "|---" * (len(splits) + 1) + "|",
    ]
    for r in ratios:
        label = {0.0: "0 (repeating the last token)", 1.0: "1 (the model's top-1)"}.get(r, f"{r:g}")
        cells = [f"{results[s][f'h{horizon}_keep_last_{r:g}_top1']:.1f}" for s in splits]
        lines.append(f"| keep the last clip when p(last) >= r x p(top), r = {label} | " + " | ".join(cells) + " |")
    cells = []
    for s in splits:
        best = max(ratios, key=lambda r: results[s][f"h{horizon}_keep_last_{r:g}_top1"])
        gain = results[s][f"h{horizon}_keep_last_{best:g}_top1"] - results[s][f"h{horizon}_last_top1"]
        cells.append(f"r = {best:g}: {gain:+.1f}")
    lines.append("| the best r, points over repeating the last token | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("demo_outputs", nargs="+", type=Path, help="`make demo` output folders (one per seed).")
    parser.add_argument("--splits", nargs="+", default=["train", "heldout"], help="Tokenized splits to forecast on.")
    parser.add_argument("--stride", type=int, default=1, help="Clips between cuts (the demo's, 1).")
    parser.add_argument(
        "--horizon", type=int, default=4, help="Clips masked after each cut (the demo's 4); tables for t+1 and t+2."
    )
    parser.add_argument(
        "--ratios", type=float, nargs="+", default=list(RATIOS), help="The rule's r values, in [0, 1]."
    )
    parser.add_argument(
        "--by_label",
        action="store_true",
        help="Read the clips as steps, per label (verb alone, noun alone, both), instead of the keep-last rules.",
    )
    parser.add_argument("--output", type=Path, help="Write every figure to this JSON file.")
    args = parser.parse_args(argv)
    ratios = sorted(set(args.ratios) | {0.0, 1.0})
    figures = {}
    for root in args.demo_outputs:
        if args.by_label:
            figures[str(root)] = probe_by_label(root, args.splits, args.stride, args.horizon)
            name = f"{root.parent.name}/{root.name}"  # the seed benchmark's <setting>/seed_<S>
            print(label_table(name, figures[str(root)], min(args.horizon, 2)) + "\n", flush=True)
            continue
        figures[str(root)] = probe(root, args.splits, args.stride, args.horizon, ratios)
        for h in range(1, min(args.horizon, 2) + 1):
            print(table(root.name, figures[str(root)], h, ratios) + "\n", flush=True)
    if args.output:
        args.output.write_text(json.dumps(figures, indent=1))
    return figures


if __name__ == "__main__":
    main()
