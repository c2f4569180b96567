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
"""Zero-shot classification of `make demo` outputs (or seed-benchmark runs) with several visual words per clip, read
two ways from the same trained model: every query sees all of a clip's words (the paper's protocol, what the demo
prints), and each label is asked of its own codebooks (`zero_shot_action_classification(verb_codebooks=...,
noun_codebooks=...)`: the other codebooks' words are `[MASK]` in that query), and both at once (`combine_all_words`:
each label ranked by the product of its candidates' softmax in the two queries); and from text to video, each label
scored by its own codebooks' words (`zero_shot_by_video_likelihood` with the demo's text-to-video model,
`text_to_video/`: the likelihood of the words under each candidate sentence, the other label averaged out). Prints
each readout's time per run (a ratio to the paper's readout in the same run), top-1 per run and mean (min-max) over the runs, with issue 20's targets, and writes `--output` as JSON when given:

    .venv/bin/python benchmarks/zero_shot_by_codebook.py \\
        bench_output/learning_seeds/centre_colour_surround/seed_{0,1,2} --verb_codebooks 1 --noun_codebooks 0

`--pair_prior` asks instead what the paper's readout (every word) takes the verb from: each held-out segment is read
once per noun, its clips' object words (`--noun_codebooks`) replaced by the commonest ones of that noun's training
segments, and the verb's top-1 is counted apart for its own noun, the other nouns seen with its verb in training, and
the nouns never seen with it (the unseen pairs' kind of combination). Where the verb is read from the action word
alone, the three agree; where the model has learnt which verbs go with which noun, the last one falls. The held-out
noun is read likewise, its action words (`--verb_codebooks`) those of each verb:

    .venv/bin/python benchmarks/zero_shot_by_codebook.py bench_output/learning_seeds/<setting>/seed_{0,1,2} \\
        --verb_codebooks 1 --noun_codebooks 0 --pair_prior
"""

import argparse
import json
import statistics
import time
from pathlib import Path


# the readout from text to video (`zero_shot_by_video_likelihood` on the text-to-video model), by its own words
TEXT_TO_VIDEO = "own words, from text to video"
# issue 20's targets (top-1, %), by (split, label)
TARGETS = {
    ("heldout", "verb"): 90,
    ("heldout", "noun"): 85,
    ("unseen_pairs", "verb"): 80,
    ("unseen_pairs", "noun"): 60,
}


def split_segments(root: Path, split: str) -> list:
    """`labelled_segments` of one split of a demo output: its tokenized videos and their annotations."""
    import datasets

    from videobert_benchmark.evaluation import labelled_segments
    from videobert_hf.corpus import read_youcook2

    return labelled_segments(
        datasets.load_from_disk(root / "tokenized" / split),
        read_youcook2(root / "data" / split / "youcookii_annotations.json"),
    )


def evaluate_run(root: Path, verb_codebooks, noun_codebooks) -> dict:
    from transformers import AutoModelForMaskedLM, AutoModelForPreTraining, AutoProcessor

    import videobert_hf  # noqa: F401  (registers the Auto classes)
    from videobert_benchmark.evaluation import evaluate_zero_shot
    from videobert_benchmark.synthetic import NOUNS, VERBS

    model = AutoModelForPreTraining.from_pretrained(root / "videobert")
    processor = AutoProcessor.from_pretrained(root / "videobert")
    own = {"verb_codebooks": verb_codebooks, "noun_codebooks": noun_codebooks}
    text_to_video = root / "text_to_video"
    if not text_to_video.is_dir():
        raise SystemExit(f"{root} has no text_to_video/ model (the demo's stage 6), which the last readout reads.")
    generative = AutoModelForMaskedLM.from_pretrained(text_to_video)
    out, seconds = {}, {}
    for split in ("heldout", "unseen_pairs"):
        segments = split_segments(root, split)
        for readout, reader, kwargs in (
            ("all words", model, {}),
            ("own words", model, own),
            ("own x all words", model, {**own, "combine_all_words": True}),
            (TEXT_TO_VIDEO, generative, {**own, "video_likelihood": True}),
        ):
            start = time.perf_counter()
            results = evaluate_zero_shot(
                reader, processor, segments, list(VERBS), list(NOUNS), show_progress=False, **kwargs
            )
            seconds[readout] = seconds.get(readout, 0.0) + time.perf_counter() - start
            for label in ("verb", "noun"):
                out[f"{split} {label} top-1, {readout}"] = results[f"video_{label}_top1"]
    # the cost of each readout, as a ratio to the paper's (the fill-mask ones also score their language prior)
    print(
        f"{root}: seconds per readout (both splits): "
        + ", ".join(f"{name} {value:.1f} ({value / seconds['all words']:.1f}x)" for name, value in seconds.items()),
        flush=True,
    )
    return out


PAIR_PRIOR_KINDS = ("its own noun", "the other nouns seen with the verb", "the nouns never seen with the verb")
# the same for the noun read with the action words of each verb
PAIR_PRIOR_VERB_KINDS = ("its own verb", "the other verbs seen with the noun", "the verbs never seen with the noun")
# donor label -> (the label read, the donor's kinds, what its words are called)
PAIR_PRIOR_DONORS = {"noun": ("verb", PAIR_PRIOR_KINDS, "object"), "verb": ("noun", PAIR_PRIOR_VERB_KINDS, "action")}


def swapped_queries(train, evaluated, codebooks, donor: str = "noun") -> list[tuple[str, list[list[int]], str]]:
    """
    `(kind, clips, label)` for `--pair_prior`: every `evaluated` segment `(video_id, clips, labels)` (clips of one word
    per codebook) with its clips' `codebooks` words replaced by those of each `donor` label (`"noun"`: each noun, the
    object words; `"verb"`: each verb, the action words) in turn (the words its clips most often have in the `train`
    segments of that label), its other words kept. `label` is the segment's other label (the one read), `kind` the
    donor's among `PAIR_PRIOR_KINDS` (`PAIR_PRIOR_VERB_KINDS` for verbs): the segment's own, another seen with its
    other label in `train`, or one never seen with it.
    """
    from collections import Counter

    read, kinds, _ = PAIR_PRIOR_DONORS[donor]

    def words(clip):
        return tuple(int(clip[g]) for g in codebooks)

    pairs = {(labels[read], labels[donor]) for _, _, labels in train}
    donors = sorted({value for _, value in pairs})
    counts = {value: Counter() for value in donors}
    for _, clips, labels in train:
        counts[labels[donor]].update(words(c) for c in clips)
    commonest = {value: counts[value].most_common(1)[0][0] for value in donors}
    queries = []
    for _, clips, labels in evaluated:
        for value in donors:
            kind = kinds[0 if value == labels[donor] else 1 if (labels[read], value) in pairs else 2]
            given = dict(zip(codebooks, commonest[value]))
            queries.append(
                (kind, [[given.get(g, int(w)) for g, w in enumerate(clip)] for clip in clips], labels[read])
            )
    return queries


def pair_prior(root: Path, verb_codebooks, noun_codebooks) -> dict[str, float]:
    """
    `--pair_prior` on one run: held-out verb top-1 of the paper's readout (every word) per `PAIR_PRIOR_KINDS` (the
    object words, `noun_codebooks`, of each noun), and the held-out noun's per `PAIR_PRIOR_VERB_KINDS` (the action
    words, `verb_codebooks`, of each verb).
    """
    from collections import Counter

    from transformers import AutoModelForPreTraining, AutoProcessor

    import videobert_hf  # noqa: F401  (registers the Auto classes)
    from videobert_benchmark.synthetic import NOUNS, VERBS
    from videobert_hf.uses.zero_shot import zero_shot_action_classification

    model = AutoModelForPreTraining.from_pretrained(root / "videobert")
    processor = AutoProcessor.from_pretrained(root / "videobert")
    train, heldout = split_segments(root, "train"), split_segments(root, "heldout")
    figures = {}
    for donor, codebooks, labels in (("noun", noun_codebooks, VERBS), ("verb", verb_codebooks, NOUNS)):
        read, kinds, words = PAIR_PRIOR_DONORS[donor]
        queries = swapped_queries(train, heldout, codebooks, donor)
        predictions = zero_shot_action_classification(
            model, processor, [clips for _, clips, _ in queries], list(VERBS), list(NOUNS), top_k=1,
            show_progress=False,
        )  # fmt: skip
        top = (predictions.verbs if donor == "noun" else predictions.nouns)[:, 0].tolist()
        hits, counts = Counter(), Counter()
        for (kind, _, label), k in zip(queries, top):
            hits[kind] += labels[k] == label
            counts[kind] += 1
        figures |= {
            f"held-out {read} top-1, {words} words of {kind}": round(100 * hits[kind] / counts[kind], 2)
            for kind in kinds
            if kind in counts
        }
    return figures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", help="Demo output folders (each with videobert/, tokenized/, data/).")
    parser.add_argument(
        "--verb_codebooks", type=int, nargs="+", required=True, help="Codebooks the verb's query sees."
    )
    parser.add_argument(
        "--noun_codebooks", type=int, nargs="+", required=True, help="Codebooks the noun's query sees."
    )
    parser.add_argument(
        "--pair_prior",
        action="store_true",
        help="Read the held-out verb with every word, each segment's object words (--noun_codebooks) replaced by "
        "those of each noun: its own, the others seen with its verb, those never seen with it; and the held-out noun "
        "likewise, its action words (--verb_codebooks) those of each verb.",
    )
    parser.add_argument("--output", help="JSON file for the figures of every run.")
    args = parser.parse_args(argv)
    per_run = {}
    for run in args.runs:
        if not (Path(run) / "videobert").is_dir():
            raise SystemExit(f"{run} is not a demo output folder (no videobert/ model in it).")
        if args.pair_prior:
            per_run[run] = pair_prior(Path(run), args.verb_codebooks, args.noun_codebooks)
        else:
            per_run[run] = evaluate_run(Path(run), args.verb_codebooks, args.noun_codebooks)
        print(f"{run}: done", flush=True)
    if args.output:
        Path(args.output).write_text(json.dumps(per_run, indent=2), encoding="utf-8")
    names = list(next(iter(per_run.values())))
    if args.pair_prior:
        print(f"\n| figure | {' | '.join(Path(r).name for r in per_run)} | mean (min-max) |")
        print(f"|---|{'---|' * len(per_run)}---|")
        for name in names:
            values = [per_run[r][name] for r in per_run]
            cells = " | ".join(f"{v:.1f}" for v in values)
            print(f"| {name} | {cells} | {statistics.mean(values):.1f} ({min(values):.1f}-{max(values):.1f}) |")
        return per_run
    print(f"\n| figure | target | {' | '.join(Path(r).name for r in per_run)} | mean (min-max) |")
    print(f"|---|---|{'---|' * len(per_run)}---|")
    for name in names:
        split, label = name.split()[:2]
        target = TARGETS[(split, label)]
        values = [per_run[r][name] for r in per_run]
        held = "met" if min(values) >= target else "**not met**"
        cells = " | ".join(f"{v:.1f}" for v in values)
        summary = f"{statistics.mean(values):.1f} ({min(values):.1f}-{max(values):.1f}) {held}"
        print(f"| {name} | >= {target} | {cells} | {summary} |")


if __name__ == "__main__":
    main()
