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
Fine-tune VideoBERT's linguistic-visual alignment head for video-text retrieval, then rank the eval split's segments
and sentences with it (R@1 / R@5 / R@10 and median rank, next to a random ranking).

`VideoBertForVideoTextAlignment` (the pretraining alignment classifier on the pooled `[CLS]` state of
`[CLS] sentence [>] video [SEP]`) is initialised from a VideoBERT checkpoint and trained on the annotated segments of
the training split: every batch pairs segments with different sentences (from any video, the same one included) and
swaps their clips, so half of the pairs are aligned (label 1), half misaligned (label 0); drawn afresh every batch.
This is retrieval fine-tuning as done on YouCook II after pretraining; the pretraining's own alignment objective pairs
ASR sentences with their clips instead (examples/run_pretraining.py). A loop with Accelerate, in the style of transformers' `*_no_trainer.py`
examples (it runs unchanged under `accelerate launch`).

The task has a plateau: the loss sits at log 2 until the encoder learns to match the words with the clips. Batches
are built from swapped pairs on purpose (`AlignmentBatches`: each sentence and each clip sequence once aligned, once
misaligned in a batch), which leaves it within ~50 steps of batch 32 at lr 5e-4 on `make demo`'s data; with pairs drawn
independently (half of them misaligned, or a coin flip per pair) the loss stayed at log 2 for 100-300 steps, or for
good (BENCHMARKS.md).

    python examples/run_alignment.py --model_name_or_path videobert/ \\
        --train_dataset_path tokenized/train --train_annotations data/train/youcookii_annotations.json \\
        --eval_dataset_path tokenized/heldout --eval_annotations data/heldout/youcookii_annotations.json \\
        --output_dir aligner --max_steps 200 --learning_rate 5e-4

The splits are those tokenized by examples/tokenize_videos.py; the annotations are YouCook II JSON (`segment` and
`sentence` per annotation). Segments without clips are left out (counted in the log).
"""

import argparse
import itertools
import json
import logging
import os
import random
import re
from collections import Counter

import datasets
import torch
from accelerate import Accelerator
from accelerate.state import AcceleratorState
from accelerate.utils import set_seed
from tqdm.auto import tqdm
from transformers import AutoProcessor, get_linear_schedule_with_warmup

import videobert_hf  # noqa: F401  (registers VideoBERT with the Auto classes)
from videobert_benchmark.evaluation import evaluate_retrieval, sentence_segments
from videobert_benchmark.tables import format_retrieval_table
from videobert_hf import VideoBertForVideoTextAlignment, build_videobert_inputs
from videobert_hf.corpus import read_youcook2
from videobert_hf.processing_videobert import pad_videobert_batch


logger = logging.getLogger(__name__)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model_name_or_path", required=True, help="A VideoBERT checkpoint (run_pretraining.py).")
    parser.add_argument("--processor_name_or_path", help="Defaults to --model_name_or_path.")
    parser.add_argument("--train_dataset_path", required=True, help="Training split (examples/tokenize_videos.py).")
    parser.add_argument("--train_annotations", required=True, help="YouCook II JSON of the training split.")
    parser.add_argument("--eval_dataset_path", required=True, help="Eval split (examples/tokenize_videos.py).")
    parser.add_argument("--eval_annotations", required=True, help="YouCook II JSON of the eval split.")
    parser.add_argument("--output_dir", required=True)
    parser.add_argument("--max_steps", type=int, default=200)
    parser.add_argument("--batch_size", type=int, default=32, help="Pairs per step, half of them misaligned.")
    parser.add_argument("--learning_rate", type=float, default=5e-4)
    parser.add_argument("--weight_decay", type=float, default=0.01)
    parser.add_argument("--warmup_steps", type=int, default=10)
    parser.add_argument("--max_grad_norm", type=float, default=1.0)
    parser.add_argument(
        "--hard_negative_probability",
        type=float,
        default=0.0,
        help="Chance that a swapped pair's second segment is a hard one: a different sentence sharing a rare word "
        "(the verb or the object) with the first's.",
    )
    parser.add_argument(
        "--hard_negative_start_step", type=int, default=0, help="Hard pairs are drawn from this step on."
    )
    parser.add_argument(
        "--hard_negative_max_word_share",
        type=float,
        default=0.2,
        help="A word makes a pair hard when at most this share of the distinct training sentences hold it.",
    )
    parser.add_argument("--max_seq_length", type=int, default=64, help="Pairs are cut to this many tokens.")
    parser.add_argument(
        "--mixed_precision",
        choices=["no", "bf16", "fp16"],
        help="Autocast the fine-tune's forward passes (Accelerate's setting; default: `accelerate launch`'s or its "
        "config's, else no). The retrieval evaluation runs in float32 either way.",
    )
    parser.add_argument("--eval_batch_size", type=int, default=64, help="(sentence, segment) pairs per forward.")
    parser.add_argument("--logging_steps", type=int, default=25)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def load_segments(dataset_path: str, annotations: str) -> tuple[list, int]:
    """`(video_id, visual_ids, sentence)` of the annotated segments that have clips, and how many had none."""
    segments = sentence_segments(datasets.load_from_disk(dataset_path), read_youcook2(annotations))
    kept = [(video_id, list(ids), text) for video_id, ids, text in segments if len(ids)]
    return kept, len(segments) - len(kept)


def hard_negatives(sentences: list[str], max_word_share: float = 0.2) -> dict[str, list[int]]:
    """
    `{sentence: indices of the segments whose sentence differs but shares a rare word with it}`, for the distinct
    sentences of `sentences` (one per segment). A word (lowercased, split on anything but letters and digits) is rare
    when at most `max_word_share` of the distinct sentences hold it: the verb (and its tool phrase) or the object, not
    'the' or 'in a'.
    """
    words = {text: set(re.findall(r"[a-z0-9]+", text.lower())) for text in dict.fromkeys(sentences)}
    share = Counter(word for held in words.values() for word in held)
    rare = {text: {w for w in held if share[w] <= max_word_share * len(words)} for text, held in words.items()}
    return {
        text: [i for i, other in enumerate(sentences) if other != text and rare[text] & rare[other]] for text in words
    }


class AlignmentBatches:
    """
    Endless seeded batches of `[CLS] sentence [>] video [SEP]` pairs over annotated segments, built from swapped
    pairs: two segments `a`, `b` with different sentences (drawn without replacement within a batch) give
    `(text_a, clips_a, 1), (text_a, clips_b, 0), (text_b, clips_b, 1), (text_b, clips_a, 0)`. Every sentence and every
    clip sequence of a batch is then seen once aligned and once misaligned, so neither the text nor the video alone
    says anything about the label; only whether they match does. A `batch_size` that is not a multiple of 4 cuts the
    last group (still one aligned and one misaligned pair when it keeps 2).

    Hard pairs: from batch `hard_negative_start` on, with probability `hard_negative_probability`, `b` is drawn among
    the segments whose sentence differs from `a`'s but shares a rare word with it (`hard_negatives`): the same verb or
    the same object with another other half, so that a misaligned pair is not told apart by one word alone. Random
    pairs first end the plateau (the task is learned from easy pairs); hard ones then teach what R@1 needs, both
    halves of the sentence. At probability 0 the batches are those without the option.
    """

    def __init__(
        self,
        segments,
        processor,
        max_length: int,
        batch_size: int,
        seed: int,
        hard_negative_probability: float = 0.0,
        hard_negative_start: int = 0,
        hard_negative_max_word_share: float = 0.2,
    ):
        sentences = [text for _, _, text in segments]
        if len(set(sentences)) < 2:
            raise ValueError("Misaligned pairs need training segments with at least two different sentences.")
        if batch_size < 2:
            raise ValueError(f"batch_size must be >= 2 (aligned and misaligned pairs), got {batch_size}.")
        if not 0.0 <= hard_negative_probability <= 1.0:
            raise ValueError(f"hard_negative_probability must lie in [0, 1], got {hard_negative_probability}.")
        self.segments, self.max_length, self.batch_size = segments, max_length, batch_size
        self.hard_negative_probability, self.hard_negative_start = hard_negative_probability, hard_negative_start
        self.hard = hard_negatives(sentences, hard_negative_max_word_share) if hard_negative_probability else {}
        self.special = processor.special_ids
        unique = list(dict.fromkeys(sentences))
        self.text_ids = dict(zip(unique, processor.encode_sentences(unique)))
        self.others = {text: [i for i, other in enumerate(sentences) if other != text] for text in self.text_ids}
        self.rng = random.Random(seed)

    def __iter__(self):
        groups = -(-self.batch_size // 4)
        for batch_index in itertools.count():
            hard_probability = self.hard_negative_probability if batch_index >= self.hard_negative_start else 0.0
            sequences, labels = [], []
            while len(sequences) < self.batch_size:
                drawn = self.rng.sample(self.segments, min(2 * groups, len(self.segments) // 2 * 2))
                for (_, clips_a, text_a), (_, clips_b, text_b) in zip(drawn[::2], drawn[1::2]):
                    if hard_probability and self.hard.get(text_a) and self.rng.random() < hard_probability:
                        _, clips_b, text_b = self.segments[self.rng.choice(self.hard[text_a])]
                    elif text_a == text_b:
                        _, clips_b, text_b = self.segments[self.rng.choice(self.others[text_a])]
                    for text, clips, label in (
                        (text_a, clips_a, 1),
                        (text_a, clips_b, 0),
                        (text_b, clips_b, 1),
                        (text_b, clips_a, 0),
                    ):
                        sequences.append(
                            build_videobert_inputs(self.text_ids[text], clips, self.special, self.max_length)
                        )
                        labels.append(label)
            sequences, labels = sequences[: self.batch_size], labels[: self.batch_size]
            batch = pad_videobert_batch(sequences, self.special.pad)
            batch["labels"] = torch.tensor(labels)
            yield batch


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # main() can run more than once in a process (the demo, after Trainer stages; tests): an earlier Accelerator's
    # state would refuse another --mixed_precision, so it is reset as TrainingArguments resets it for Trainer (the
    # process group, PartialState, is kept)
    AcceleratorState._reset_state()
    accelerator = Accelerator(mixed_precision=args.mixed_precision)
    set_seed(args.seed)

    processor = AutoProcessor.from_pretrained(args.processor_name_or_path or args.model_name_or_path)
    train_segments, train_skipped = load_segments(args.train_dataset_path, args.train_annotations)
    eval_segments, eval_skipped = load_segments(args.eval_dataset_path, args.eval_annotations)
    if not train_segments or not eval_segments:
        raise SystemExit(f"{len(train_segments)} training and {len(eval_segments)} eval segments have clips.")
    if train_skipped or eval_skipped:
        logger.warning(f"Left out segments without clips: {train_skipped} training, {eval_skipped} eval.")

    model = VideoBertForVideoTextAlignment.from_pretrained(args.model_name_or_path)
    processor.check_config(model.config)
    max_length = min(args.max_seq_length, model.config.max_position_embeddings)
    # each process draws its own batches (seed + rank), as DDP's sampler would give it its own shard
    batches = AlignmentBatches(
        train_segments,
        processor,
        max_length,
        args.batch_size,
        args.seed + accelerator.process_index,
        hard_negative_probability=args.hard_negative_probability,
        hard_negative_start=args.hard_negative_start_step,
        hard_negative_max_word_share=args.hard_negative_max_word_share,
    )
    # the fused kernel: on the demo's CPU a third of the step is the optimizer's otherwise (BENCHMARKS.md)
    fused = accelerator.device.type in ("cpu", "cuda")
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=args.learning_rate, weight_decay=args.weight_decay, fused=fused
    )
    scheduler = get_linear_schedule_with_warmup(optimizer, args.warmup_steps, args.max_steps)
    model, optimizer, scheduler = accelerator.prepare(model, optimizer, scheduler)

    model.train()
    losses = []
    progress = tqdm(total=args.max_steps, desc="alignment fine-tune", disable=not accelerator.is_local_main_process)
    for step, batch in zip(range(args.max_steps), batches):
        loss = model(**{k: v.to(accelerator.device) for k, v in batch.items()}).loss
        accelerator.backward(loss)
        if args.max_grad_norm:
            accelerator.clip_grad_norm_(model.parameters(), args.max_grad_norm)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
        losses.append(loss.item())
        progress.update(1)
        if (step + 1) % args.logging_steps == 0:
            logger.info(
                f"step {step + 1}: alignment loss {sum(losses[-args.logging_steps :]) / args.logging_steps:.4f}"
            )
    progress.close()

    accelerator.wait_for_everyone()
    # without the autocast wrapper of --mixed_precision: the evaluation reads the float32 weights in float32
    model = accelerator.unwrap_model(model, keep_fp32_wrapper=False).eval()
    metrics = {}
    if accelerator.is_main_process:
        model.save_pretrained(args.output_dir)
        processor.save_pretrained(args.output_dir)
        metrics = evaluate_retrieval(
            model, processor, eval_segments, batch_size=args.eval_batch_size, max_length=max_length
        )
        metrics["train_segments"] = len(train_segments)
        metrics["final_train_loss"] = sum(losses[-args.logging_steps :]) / len(losses[-args.logging_steps :])
        with open(os.path.join(args.output_dir, "retrieval_results.json"), "w") as handle:
            json.dump(metrics, handle, indent=2)
        print("\nVideo-text retrieval with the fine-tuned alignment head (in %):\n")
        print(format_retrieval_table({"eval": metrics}))
    accelerator.end_training()  # destroys the process group before exit, see run_pretraining.py
    return metrics


if __name__ == "__main__":
    main()
