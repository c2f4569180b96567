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
Fine-tune VideoBERT to classify the action of each annotated video segment from the video alone, with `Trainer`:
`VideoBertForSequenceClassification` (a classifier on the pooled `[CLS]` state of `[CLS] v1 .. vn [SEP]`) initialised
from a VideoBERT checkpoint. The label is the annotation's verb (`--label verb`) or its verb-noun pair
(`--label verb_noun`). Prints the accuracy on the eval split next to the majority-class and uniform baselines.

The splits are those tokenized by examples/tokenize_videos.py, the labels come from YouCook II JSON whose
annotations carry `verb` and `noun` keys (as the synthetic benchmark's do).

    python examples/run_classification.py --model_name_or_path videobert/ \\
        --train_dataset_path tokenized/train --train_annotations data/train/youcookii_annotations.json \\
        --eval_dataset_path tokenized/heldout --eval_annotations data/heldout/youcookii_annotations.json \\
        --output_dir classifier --num_train_epochs 5 --learning_rate 1e-4
"""

import logging
import os
import sys
from collections import Counter
from dataclasses import dataclass, field

import datasets
import numpy as np
import torch
import transformers
from accelerate import PartialState
from transformers import AutoProcessor, HfArgumentParser, Trainer, TrainingArguments, set_seed

import videobert_hf  # noqa: F401  (registers VideoBERT with the Auto classes)
from videobert_benchmark.evaluation import labelled_segments
from videobert_hf import VideoBertForSequenceClassification, build_videobert_inputs
from videobert_hf.corpus import read_youcook2
from videobert_hf.io_videobert import checkpoint_to_resume
from videobert_hf.processing_videobert import pad_videobert_batch


logger = logging.getLogger(__name__)

LABEL_KINDS = ("verb", "verb_noun")


@dataclass
class ModelArguments:
    model_name_or_path: str = field(
        metadata={"help": "A VideoBERT checkpoint (e.g. from examples/run_pretraining.py)."}
    )
    processor_name_or_path: str | None = field(default=None, metadata={"help": "Defaults to --model_name_or_path."})
    label: str = field(default="verb", metadata={"help": "What to classify: 'verb' or 'verb_noun'."})


@dataclass
class DataArguments:
    train_dataset_path: str = field(metadata={"help": "Training split tokenized by examples/tokenize_videos.py."})
    train_annotations: str = field(metadata={"help": "YouCook II JSON of the training split (verb/noun keys)."})
    eval_dataset_path: str = field(metadata={"help": "Eval split tokenized by examples/tokenize_videos.py."})
    eval_annotations: str = field(metadata={"help": "YouCook II JSON of the eval split (verb/noun keys)."})
    max_seq_length: int = field(default=64, metadata={"help": "Video sequences are truncated to this many tokens."})


def segment_label(labels: dict, kind: str) -> str:
    return labels["verb"] if kind == "verb" else f"{labels['verb']} {labels['noun']}"


def load_segments(dataset_path: str, annotations: str, kind: str) -> tuple[list, int]:
    """`(visual_ids, label)` of the annotated segments that have video, and the number left out for having none."""
    segments = labelled_segments(datasets.load_from_disk(dataset_path), read_youcook2(annotations))
    kept = [(ids, segment_label(labels, kind)) for _, ids, labels in segments if len(ids)]
    return kept, len(segments) - len(kept)


def build_dataset(segments, label2id: dict, special, max_length: int) -> datasets.Dataset:
    columns = {"input_ids": [], "token_type_ids": [], "labels": []}
    for ids, label in segments:
        input_ids, token_type_ids = build_videobert_inputs(None, ids, special, max_length)
        columns["input_ids"].append(input_ids)
        columns["token_type_ids"].append(token_type_ids)
        columns["labels"].append(label2id[label])
    return datasets.Dataset.from_dict(columns)


class VideoSequenceCollator:
    """Pads video-only sequences (`[PAD]`, attention mask 0) and stacks their labels."""

    def __init__(self, pad_token_id: int):
        self.pad_token_id = pad_token_id

    def __call__(self, features):
        batch = pad_videobert_batch([(f["input_ids"], f["token_type_ids"]) for f in features], self.pad_token_id)
        batch["labels"] = torch.tensor([f["labels"] for f in features])
        return batch


def compute_accuracy(eval_prediction) -> dict[str, float]:
    logits, labels = eval_prediction.predictions, eval_prediction.label_ids
    return {"accuracy": float((np.argmax(logits, axis=-1) == labels).mean())}


def main(argv=None, callbacks=None):
    parser = HfArgumentParser((ModelArguments, DataArguments, TrainingArguments))
    if argv is None and len(sys.argv) == 2 and sys.argv[1].endswith(".json"):
        model_args, data_args, training_args = parser.parse_json_file(json_file=os.path.abspath(sys.argv[1]))
    else:
        model_args, data_args, training_args = parser.parse_args_into_dataclasses(args=argv)
    if model_args.label not in LABEL_KINDS:
        raise ValueError(f"--label must be one of {LABEL_KINDS}, got {model_args.label!r}.")
    logging.basicConfig(
        format="%(asctime)s - %(levelname)s - %(name)s - %(message)s",
        datefmt="%m/%d/%Y %H:%M:%S",
        handlers=[logging.StreamHandler(sys.stdout)],
    )
    log_level = training_args.get_process_log_level()
    logger.setLevel(log_level)
    transformers.utils.logging.set_verbosity(log_level)

    processor = AutoProcessor.from_pretrained(model_args.processor_name_or_path or model_args.model_name_or_path)
    train_segments, train_skipped = load_segments(
        data_args.train_dataset_path, data_args.train_annotations, model_args.label
    )
    eval_segments, eval_skipped = load_segments(
        data_args.eval_dataset_path, data_args.eval_annotations, model_args.label
    )
    if not train_segments or not eval_segments:
        raise SystemExit(f"{len(train_segments)} training and {len(eval_segments)} eval segments have video.")
    if train_skipped or eval_skipped:
        logger.warning(f"Left out segments without video: {train_skipped} training, {eval_skipped} eval.")
    train_labels = {label for _, label in train_segments}
    # labels seen only in the eval split stay in the label set: their segments count as errors, not as dropped
    labels = sorted(train_labels | {label for _, label in eval_segments})
    unseen = sum(label not in train_labels for _, label in eval_segments)
    if unseen:
        logger.warning(f"{unseen} eval segments have a label that never occurs in training.")
    label2id = {label: i for i, label in enumerate(labels)}

    # Seed before building the model: its classifier is initialised here, and `Trainer` seeds only when it is created
    # (unseeded, the head, and so the accuracy, changed from run to run and with whatever ran before in the process)
    set_seed(training_args.seed)
    model = VideoBertForSequenceClassification.from_pretrained(
        model_args.model_name_or_path,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id=label2id,
    )
    processor.check_config(model.config)
    special = processor.special_ids
    max_length = min(data_args.max_seq_length, model.config.max_position_embeddings)
    train_dataset = build_dataset(train_segments, label2id, special, max_length)
    eval_dataset = build_dataset(eval_segments, label2id, special, max_length)

    trainer = Trainer(
        model=model,
        args=training_args,
        train_dataset=train_dataset,
        eval_dataset=eval_dataset,
        data_collator=VideoSequenceCollator(special.pad),
        processing_class=processor,
        compute_metrics=compute_accuracy,
        callbacks=callbacks,
    )
    # `--resume_from_checkpoint` (Trainer ignores it by itself), checked: a partial or damaged checkpoint raises a
    # CorruptCheckpointError naming what is wrong
    checkpoint = checkpoint_to_resume(training_args.output_dir, training_args.resume_from_checkpoint, False)
    train_result = trainer.train(resume_from_checkpoint=checkpoint)
    trainer.save_model()
    metrics = trainer.evaluate()
    majority = Counter(label for _, label in train_segments).most_common(1)[0][0]
    metrics["eval_majority_class_accuracy"] = sum(label == majority for _, label in eval_segments) / len(eval_segments)
    metrics["eval_chance_accuracy"] = 1 / len(labels)
    metrics["eval_segments"] = len(eval_segments)
    metrics["train_segments"] = len(train_segments)
    metrics["train_loss"] = train_result.metrics.get("train_loss")
    metrics["seed"] = training_args.seed
    trainer.log_metrics("eval", metrics)
    trainer.save_metrics("eval", metrics)
    print(
        f"{model_args.label} accuracy on the eval split: {100 * metrics['eval_accuracy']:.1f}% of "
        f"{len(eval_segments)} segments, {len(labels)} classes (majority class "
        f"{100 * metrics['eval_majority_class_accuracy']:.1f}%, uniform chance {100 / len(labels):.1f}%)"
    )
    return metrics


if __name__ == "__main__":
    main()
    PartialState().destroy_process_group()  # before exit, see run_pretraining.py
