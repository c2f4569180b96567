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
Summarize long videos as timestamped steps with a VideoBERT captioner (`examples/run_captioning.py`'s output).

Each video of a tokenized dataset (`examples/tokenize_videos.py`) is cut into segments (its transcript's sentence spans
or, with no transcript or `--ignore_transcript`, fixed windows of `--window` clips), each segment is captioned with
`generate`, and consecutive near-duplicate steps are merged. Prints the steps and writes them as JSON.

    python examples/summarize_video.py --model_dir out/captioning --dataset_dir tok/heldout --output_file steps.json
"""

import argparse
import json

import datasets
import torch

from videobert_hf import VideoBertForConditionalGeneration, VideoBertProcessor
from videobert_hf.uses import summarize_video


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model_dir", required=True, help="A VideoBertForConditionalGeneration checkpoint.")
    parser.add_argument("--dataset_dir", required=True, help="Tokenized videos (examples/tokenize_videos.py).")
    parser.add_argument("--processor_dir", help="Default: --model_dir, else <dataset_dir>/processor.")
    parser.add_argument("--output_file", default="summaries.json")
    parser.add_argument("--video_ids", nargs="*", help="Only these videos (default: all).")
    parser.add_argument("--window", type=int, default=16, help="Clips per segment without a transcript.")
    parser.add_argument("--ignore_transcript", action="store_true", help="Always use fixed windows.")
    parser.add_argument("--merge_threshold", type=float, default=0.8, help="Caption similarity that merges steps.")
    parser.add_argument("--num_beams", type=int, default=4)
    parser.add_argument("--max_new_tokens", type=int, default=24)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        processor = VideoBertProcessor.from_pretrained(args.processor_dir or args.model_dir)
    except OSError:
        processor = VideoBertProcessor.from_pretrained(f"{args.dataset_dir}/processor")
    model = VideoBertForConditionalGeneration.from_pretrained(args.model_dir).eval()
    model.to("cuda" if torch.cuda.is_available() else "cpu")
    processor.check_config(model.config)
    videos = datasets.load_from_disk(args.dataset_dir)
    wanted = set(args.video_ids or videos["video_id"])
    summaries = {}
    for row in videos:
        if row["video_id"] not in wanted:
            continue
        spans = None if args.ignore_transcript else row.get("sentence_clip_spans")
        steps = summarize_video(
            model,
            processor,
            row["visual_ids"],
            row["clip_times"],
            sentence_clip_spans=spans,
            window=args.window,
            merge_threshold=args.merge_threshold,
            num_beams=args.num_beams,
            max_new_tokens=args.max_new_tokens,
        )
        summaries[row["video_id"]] = [step.to_dict() for step in steps]
        print(f"\n{row['video_id']} ({len(row['visual_ids'])} clips, {len(steps)} steps)")
        for step in steps:
            print(f"  {step.start:7.1f}s - {step.end:7.1f}s  {step.caption}")
    with open(args.output_file, "w", encoding="utf-8") as handle:
        json.dump(summaries, handle, indent=2)
    print(f"\n{len(summaries)} videos -> {args.output_file}")
    return summaries


if __name__ == "__main__":
    main()
