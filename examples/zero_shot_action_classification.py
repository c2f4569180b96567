#!/usr/bin/env python
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
Zero-shot action classification with a pretrained VideoBERT (the paper's protocol): fill
"now let me show you how to [MASK] the [MASK]" after each annotated video segment, read the verb from the first
slot and the noun from the second, and report top-1 / top-5 accuracy next to the text-only language prior.

The annotations are YouCook II JSON whose entries carry `verb` and `noun` labels (as the synthetic benchmark's do);
the visual tokens come from the split tokenized by examples/tokenize_videos.py.

    python examples/zero_shot_action_classification.py --model_name_or_path videobert/ \\
        --dataset_path tokenized/heldout --annotations data/heldout/youcookii_annotations.json

With several visual words per clip, `--verb_codebooks` / `--noun_codebooks` ask each label of its own codebooks' words
(the others `[MASK]`), and `--combine_all_words` multiplies in the query that sees every word. `--video_likelihood`
reads the other way, from text to video (`zero_shot_by_video_likelihood`): each candidate pair fills the template, the
video is all `[MASK]`, and a label ranks by the likelihood of its codebooks' words. It wants a model trained to predict
a video from its sentence (the demo's `text_to_video/`), costs verbs x nouns sequences per distinct segment length
(segments of one length share them), and has no language prior:

    python examples/zero_shot_action_classification.py --model_name_or_path demo_output/text_to_video \\
        --processor_name_or_path demo_output/videobert --dataset_path demo_output/tokenized/unseen_pairs \\
        --annotations demo_output/data/unseen_pairs/youcookii_annotations.json \\
        --verb_codebooks 1 --noun_codebooks 0 --video_likelihood
"""

import argparse
import json
import logging
import sys

import datasets
from transformers import AutoModelForMaskedLM, AutoProcessor

import videobert_hf  # noqa: F401  (registers VideoBERT with the Auto classes)
from videobert_benchmark.evaluation import evaluate_zero_shot, labelled_segments
from videobert_benchmark.tables import format_zero_shot_table
from videobert_hf.corpus import read_youcook2
from videobert_hf.uses import PAPER_TEMPLATE


logger = logging.getLogger("zero_shot_action_classification")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model_name_or_path", required=True, help="A VideoBERT checkpoint (any head with MLM).")
    parser.add_argument("--processor_name_or_path", help="Defaults to --model_name_or_path.")
    parser.add_argument("--dataset_path", required=True, help="A split tokenized by examples/tokenize_videos.py.")
    parser.add_argument("--annotations", required=True, help="YouCook II JSON with verb/noun keys per annotation.")
    parser.add_argument("--verbs", help="Comma-separated candidate verbs (default: the labels found).")
    parser.add_argument("--nouns", help="Comma-separated candidate nouns (default: the labels found).")
    parser.add_argument("--template", default=PAPER_TEMPLATE)
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--verb_codebooks", type=int, nargs="+", help="Codebooks the verb is read from (default all).")
    parser.add_argument("--noun_codebooks", type=int, nargs="+", help="Codebooks the noun is read from (default all).")
    parser.add_argument(
        "--combine_all_words", action="store_true", help="Multiply in the query that sees every word (fill-mask)."
    )
    parser.add_argument(
        "--video_likelihood",
        action="store_true",
        help="Read from text to video: each label ranked by the likelihood of its codebooks' words under the "
        "template filled with it (a text-to-video model; no language prior).",
    )
    parser.add_argument("--output_file", help="Write the metrics as JSON here.")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stdout)
    model = AutoModelForMaskedLM.from_pretrained(args.model_name_or_path)
    processor = AutoProcessor.from_pretrained(args.processor_name_or_path or args.model_name_or_path)
    processor.check_config(model.config)
    dataset = datasets.load_from_disk(args.dataset_path)
    segments = labelled_segments(dataset, read_youcook2(args.annotations))
    if not segments:
        raise SystemExit(f"No annotated segment of {args.annotations} has a video in {args.dataset_path}.")
    verbs = args.verbs.split(",") if args.verbs else sorted({labels["verb"] for _, _, labels in segments})
    nouns = args.nouns.split(",") if args.nouns else sorted({labels["noun"] for _, _, labels in segments})
    if args.video_likelihood and args.combine_all_words:
        raise SystemExit("--combine_all_words combines fill-mask queries; it does not apply to --video_likelihood.")
    results = evaluate_zero_shot(
        model,
        processor,
        segments,
        verbs,
        nouns,
        args.template,
        args.batch_size,
        verb_codebooks=args.verb_codebooks,
        noun_codebooks=args.noun_codebooks,
        combine_all_words=args.combine_all_words,
        video_likelihood=args.video_likelihood,
    )
    print(format_zero_shot_table({"": results}))
    if args.output_file:
        with open(args.output_file, "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=2)
    return results


if __name__ == "__main__":
    main()
