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
Video-text retrieval with a pretrained VideoBERT's linguistic-visual alignment head: every distinct annotation
sentence of a split is scored against every annotated video segment (P(aligned) = softmax(logits)[:, 1], pairs in
batches, each segment's visual tokens read once from the tokenized split), then sentences rank segments
(text -> video) and segments rank sentences (video -> text). Prints R@1 / R@5 / R@10 and the median rank of the
correct answer, with the figures of a random ranking beside them.

    python examples/video_text_retrieval.py --model_name_or_path videobert/ \\
        --dataset_path tokenized/heldout --annotations data/heldout/youcookii_annotations.json

With `--video_likelihood` the pairs are scored from text to video instead, with the fill-mask head (best a
text-to-video fine-tune, `make demo`'s `text_to_video/`): the log-likelihood of the segment's visual words under the
sentence with the whole video masked, less their mean likelihood over the candidate sentences (pointwise mutual
information). No alignment fine-tune is needed, and the cost grows with sentences x distinct segment lengths:

    python examples/video_text_retrieval.py --model_name_or_path demo_output/text_to_video --video_likelihood \\
        --dataset_path tokenized/heldout --annotations data/heldout/youcookii_annotations.json

The annotations are YouCook II JSON (any with `segment` and `sentence`); the visual tokens come from the split
tokenized by examples/tokenize_videos.py. For raw video files, use the `videobert-video-text-retrieval` pipeline
(`videobert_hf.uses.pipelines`).
"""

import argparse
import json
import logging
import os
import sys

import datasets
from transformers import AutoProcessor

import videobert_hf  # noqa: F401  (registers VideoBERT with the Auto classes)
from videobert_benchmark.evaluation import evaluate_retrieval, sentence_segments
from videobert_benchmark.tables import format_retrieval_table
from videobert_hf import VideoBertForMaskedLM, VideoBertForVideoTextAlignment
from videobert_hf.corpus import read_youcook2


logger = logging.getLogger("video_text_retrieval")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model_name_or_path", required=True, help="A VideoBERT checkpoint with the alignment head.")
    parser.add_argument("--processor_name_or_path", help="Defaults to --model_name_or_path.")
    parser.add_argument("--dataset_path", required=True, help="A split tokenized by examples/tokenize_videos.py.")
    parser.add_argument("--annotations", required=True, help="YouCook II JSON: the sentences and their segments.")
    parser.add_argument(
        "--batch_size",
        type=int,
        default=64,
        help="(sentence, segment) pairs per forward pass (with --video_likelihood: distinct queries).",
    )
    parser.add_argument(
        "--video_likelihood",
        action="store_true",
        help="Score from text to video with the fill-mask head (pointwise mutual information) instead of the "
        "alignment head.",
    )
    parser.add_argument("--max_length", type=int, help="Truncate each pair to this many positions.")
    parser.add_argument("--output_file", help="Write the metrics as JSON here.")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stdout)
    # each head shares its checkpoint keys (`cls.alignment.*`, `cls.predictions.*`) with VideoBertForPreTraining
    model_class = VideoBertForMaskedLM if args.video_likelihood else VideoBertForVideoTextAlignment
    model = model_class.from_pretrained(args.model_name_or_path)
    processor = AutoProcessor.from_pretrained(args.processor_name_or_path or args.model_name_or_path)
    processor.check_config(model.config)
    dataset = datasets.load_from_disk(args.dataset_path)
    segments = sentence_segments(dataset, read_youcook2(args.annotations))
    if not segments:
        raise SystemExit(f"No annotated segment of {args.annotations} has a video in {args.dataset_path}.")
    results = evaluate_retrieval(
        model,
        processor,
        segments,
        batch_size=args.batch_size,
        max_length=args.max_length,
        video_likelihood=args.video_likelihood,
    )
    print(format_retrieval_table({os.path.basename(os.path.normpath(args.dataset_path)): results}))
    if args.output_file:
        with open(args.output_file, "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=2)
    return results


if __name__ == "__main__":
    main()
