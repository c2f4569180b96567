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
Video captioning with VideoBERT (Sun et al. 2019, section 4.6): fine-tune `VideoBertForConditionalGeneration` on
YouCook II-style annotated segments and report BLEU-3/4, METEOR, ROUGE-L and CIDEr with `Seq2SeqTrainer`.

One example per annotated segment: the visual tokens of the clips inside `[start, end)` (a tokenized dataset from
`examples/tokenize_videos.py`) -> the annotation sentence. The model starts from a VideoBERT checkpoint (a
`VideoBertForPreTraining` folder, e.g. from `examples/run_pretraining.py`), from a BERT checkpoint, or from scratch.

    python examples/run_captioning.py \
        --train_dir tok/train --train_annotations data/train/youcookii_annotations.json \
        --eval_dir tok/heldout --eval_annotations data/heldout/youcookii_annotations.json \
        --model_name_or_path <videobert or bert checkpoint> --output_dir out/captioning \
        --do_train --do_eval --predict_with_generate --num_train_epochs 10
"""

import json
import logging
import os
import sys
from dataclasses import dataclass, field

import datasets
import numpy as np
from accelerate import PartialState
from transformers import (
    AutoConfig,
    DataCollatorForSeq2Seq,
    HfArgumentParser,
    Seq2SeqTrainer,
    Seq2SeqTrainingArguments,
    set_seed,
)

from videobert_benchmark.caption_metrics import CAPTION_METRICS, caption_metrics
from videobert_hf import (
    VideoBertConfig,
    VideoBertForConditionalGeneration,
    VideoBertProcessor,
    align_sentences_to_clips,
    build_videobert_inputs,
)
from videobert_hf.corpus import read_youcook2
from videobert_hf.io_videobert import checkpoint_to_resume


logger = logging.getLogger(__name__)

# The paper's YouCook II row (VideoBERT + S3D features, Table 4), in percent except CIDEr.
PAPER_YOUCOOK2 = {"bleu_3": 7.59, "bleu_4": 4.33, "meteor": 11.94, "rouge_l": 28.80, "cider": 0.55}


@dataclass
class ModelArguments:
    model_name_or_path: str | None = field(
        default=None,
        metadata={
            "help": "VideoBERT checkpoint (encoder + decoder init via from_videobert_pretrained), a BERT checkpoint "
            "(from_text_pretrained) or a VideoBertForConditionalGeneration checkpoint; none trains from scratch."
        },
    )
    decoder_num_hidden_layers: int | None = field(
        default=None, metadata={"help": "Decoder layers (default: encoder's)."}
    )
    hidden_size: int = field(default=128, metadata={"help": "From scratch only."})
    num_hidden_layers: int = field(default=2, metadata={"help": "From scratch only."})
    num_attention_heads: int = field(default=4, metadata={"help": "From scratch only."})
    intermediate_size: int = field(default=512, metadata={"help": "From scratch only."})


@dataclass
class DataArguments:
    train_dir: str | None = field(default=None, metadata={"help": "Tokenized dataset of the training videos."})
    train_annotations: str | None = field(default=None, metadata={"help": "YouCook II JSON of the training videos."})
    eval_dir: str | None = field(default=None, metadata={"help": "Tokenized dataset of the evaluation videos."})
    eval_annotations: str | None = field(default=None, metadata={"help": "YouCook II JSON of the evaluation videos."})
    processor_dir: str | None = field(
        default=None, metadata={"help": "VideoBertProcessor folder (default: <train_dir or eval_dir>/processor)."}
    )
    max_source_clips: int = field(default=64, metadata={"help": "Visual tokens kept per segment (its first ones)."})
    max_target_length: int = field(
        default=24, metadata={"help": "Caption tokens kept, [SEP] included; longer captions are truncated."}
    )
    max_train_samples: int | None = field(default=None)
    max_eval_samples: int | None = field(default=None)
    meteor: bool = field(default=True, metadata={"help": "Compute METEOR (Java)."})
    predictions_file: str = field(default="eval_captions.jsonl", metadata={"help": "Written into output_dir."})


def segment_examples(dataset_dir, annotations_path, processor, max_source_clips, max_target_length, limit=None):
    """One example per annotated segment; returns the examples and the number of segments without any clip."""
    tokenizer, special = processor.tokenizer, processor.special_ids
    annotations = read_youcook2(annotations_path)
    videos = datasets.load_from_disk(dataset_dir)
    rows = {"input_ids": [], "token_type_ids": [], "labels": [], "reference": [], "video_id": []}
    skipped = 0
    for video_id, visual_ids, clip_times in zip(videos["video_id"], videos["visual_ids"], videos["clip_times"]):
        segments = annotations.get(video_id, [])
        if not segments:
            continue
        spans = align_sentences_to_clips([[s.start, s.end] for s in segments], clip_times)
        for segment, (first, end) in zip(segments, spans):
            if end <= first or not segment.text:
                skipped += 1
                continue
            input_ids, token_type_ids = build_videobert_inputs(
                None, visual_ids[first:end], special, max_length=max_source_clips * special.num_codebooks + 2
            )
            # the processor's one path for annotation text: `[SEP]`, `[MASK]`, ... in a caption stay plain text
            text_ids = processor.encode_sentences([segment.text])[0][: max_target_length - 1]
            rows["input_ids"].append(input_ids)
            rows["token_type_ids"].append(token_type_ids)
            rows["labels"].append([*text_ids, tokenizer.sep_token_id])
            rows["reference"].append(segment.text)
            rows["video_id"].append(video_id)
            if limit is not None and len(rows["labels"]) >= limit:
                return datasets.Dataset.from_dict(rows), skipped
    if not rows["labels"]:
        raise SystemExit(f"No annotated segment of {annotations_path} matches a video of {dataset_dir}.")
    return datasets.Dataset.from_dict(rows), skipped


def build_model(model_args, processor):
    layout = processor.config_kwargs()
    special = processor.special_ids
    tokens = {
        "decoder_start_token_id": special.cls,
        "eos_token_id": special.sep,
        "pad_token_id": special.pad,
    }
    decoder = {}
    if model_args.decoder_num_hidden_layers is not None:
        decoder["decoder_num_hidden_layers"] = model_args.decoder_num_hidden_layers
    path = model_args.model_name_or_path
    if path is None:
        config = VideoBertConfig(
            **layout,
            **tokens,
            **decoder,
            hidden_size=model_args.hidden_size,
            num_hidden_layers=model_args.num_hidden_layers,
            num_attention_heads=model_args.num_attention_heads,
            intermediate_size=model_args.intermediate_size,
        )
        return VideoBertForConditionalGeneration(config)
    config = AutoConfig.from_pretrained(path)
    if config.model_type == "bert":
        # the text vocabulary comes from the BERT checkpoint; `processor.check_config` then checks the layout
        visual = {"visual_vocab_size": layout["visual_vocab_size"]}
        return VideoBertForConditionalGeneration.from_text_pretrained(path, **visual, **tokens, **decoder)
    if config.model_type != "videobert":
        raise SystemExit(f"{path} is a {config.model_type!r} checkpoint; expected a VideoBERT or BERT checkpoint.")
    if "VideoBertForConditionalGeneration" in (config.architectures or []):
        return VideoBertForConditionalGeneration.from_pretrained(path)
    return VideoBertForConditionalGeneration.from_videobert_pretrained(path, **tokens, **decoder)


def main(argv=None):
    parser = HfArgumentParser((ModelArguments, DataArguments, Seq2SeqTrainingArguments))
    if argv is None and len(sys.argv) == 2 and sys.argv[1].endswith(".json"):
        model_args, data_args, training_args = parser.parse_json_file(os.path.abspath(sys.argv[1]))
    else:
        model_args, data_args, training_args = parser.parse_args_into_dataclasses(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stdout)
    set_seed(training_args.seed)

    processor_dir = data_args.processor_dir or os.path.join(data_args.train_dir or data_args.eval_dir, "processor")
    processor = VideoBertProcessor.from_pretrained(processor_dir)
    tokenizer = processor.tokenizer
    model = build_model(model_args, processor)
    processor.check_config(model.config)
    if data_args.max_target_length + 1 > model.config.max_position_embeddings:
        raise SystemExit(
            f"max_target_length={data_args.max_target_length} exceeds the decoder's "
            f"max_position_embeddings={model.config.max_position_embeddings}."
        )

    train_dataset = eval_dataset = None
    if training_args.do_train:
        train_dataset, skipped = segment_examples(
            data_args.train_dir, data_args.train_annotations, processor, data_args.max_source_clips,
            data_args.max_target_length, data_args.max_train_samples,
        )  # fmt: skip
        logger.info(f"{len(train_dataset)} training segments ({skipped} without clips left out)")
    if training_args.do_eval:
        eval_dataset, skipped = segment_examples(
            data_args.eval_dir, data_args.eval_annotations, processor, data_args.max_source_clips,
            data_args.max_target_length, data_args.max_eval_samples,
        )  # fmt: skip
        logger.info(f"{len(eval_dataset)} evaluation segments ({skipped} without clips left out)")

    if training_args.generation_max_length is None:
        training_args.generation_max_length = data_args.max_target_length + 1
    collator = DataCollatorForSeq2Seq(tokenizer, model=model, label_pad_token_id=-100)

    def compute_metrics(eval_prediction):
        predictions = np.where(eval_prediction.predictions < 0, tokenizer.pad_token_id, eval_prediction.predictions)
        captions = tokenizer.batch_decode(predictions, skip_special_tokens=True)
        return caption_metrics(captions, eval_dataset["reference"], meteor=data_args.meteor)

    columns = ["input_ids", "token_type_ids", "labels"]
    trainer = Seq2SeqTrainer(
        model=model,
        args=training_args,
        train_dataset=train_dataset.select_columns(columns) if train_dataset is not None else None,
        eval_dataset=eval_dataset.select_columns(columns) if eval_dataset is not None else None,
        data_collator=collator,
        processing_class=tokenizer,
        compute_metrics=compute_metrics if training_args.predict_with_generate else None,
    )
    results = {}
    if training_args.do_train:
        # `--resume_from_checkpoint` (Trainer ignores it by itself), checked: a partial or damaged checkpoint raises a
        # CorruptCheckpointError naming what is wrong
        checkpoint = checkpoint_to_resume(training_args.output_dir, training_args.resume_from_checkpoint, False)
        train_result = trainer.train(resume_from_checkpoint=checkpoint)
        trainer.save_model()
        processor.save_pretrained(training_args.output_dir)
        results["train_loss"] = train_result.training_loss
    if training_args.do_eval:
        if not training_args.predict_with_generate:
            results.update(trainer.evaluate())
        else:
            output = trainer.predict(eval_dataset.select_columns(columns), metric_key_prefix="eval")
            results.update(output.metrics)
            predictions = np.where(output.predictions < 0, tokenizer.pad_token_id, output.predictions)
            captions = tokenizer.batch_decode(predictions, skip_special_tokens=True)
            os.makedirs(training_args.output_dir, exist_ok=True)
            with open(os.path.join(training_args.output_dir, data_args.predictions_file), "w") as handle:
                for video_id, caption, reference in zip(eval_dataset["video_id"], captions, eval_dataset["reference"]):
                    handle.write(json.dumps({"video_id": video_id, "caption": caption, "reference": reference}) + "\n")
            # The same metrics of the references against themselves: the ceiling on this data (BLEU-4 of captions
            # shorter than four words stays near 0 even when they are perfect). Without METEOR, whose Java run costs
            # seconds and whose ceiling is 100 less its fragmentation penalty (one chunk: at most 0.5 / words^3).
            ceiling = caption_metrics(eval_dataset["reference"], eval_dataset["reference"], meteor=False)
            exact = np.mean([c.strip() == r.strip().lower() for c, r in zip(captions, eval_dataset["reference"])])
            results["eval_exact_match"] = float(exact)
            print_table(results, ceiling)
    if training_args.should_save:
        with open(os.path.join(training_args.output_dir, "captioning_results.json"), "w") as handle:
            json.dump(results, handle, indent=2)
    return results


def print_table(results, ceiling):
    names = [name for name in CAPTION_METRICS if f"eval_{name}" in results]
    header = f"{'':34}" + "".join(f"{name:>10}" for name in names)
    print("\nCaptioning (BLEU / METEOR / ROUGE-L in percent, CIDEr raw):")
    print(header)

    def row(label, values):
        return f"{label:34}" + "".join(
            f"{values[name] if name == 'cider' else 100 * values[name]:>10.2f}" if name in values else f"{'-':>10}"
            for name in names
        )

    print(row("this run (eval split)", {name: results[f"eval_{name}"] for name in names}))
    print(row("references vs themselves (ceiling)", ceiling))
    print(f"{'paper, YouCook II, VideoBERT+S3D':34}" + "".join(
        f"{PAPER_YOUCOOK2[name]:>10.2f}" for name in names
    ))  # fmt: skip
    print(
        "The paper's row is on YouCook II with real videos and S3D features; this run is on different data, so the "
        f"numbers are not comparable. Exact-match accuracy: {100 * results['eval_exact_match']:.1f} %."
    )


if __name__ == "__main__":
    main()
    PartialState().destroy_process_group()  # before exit, see run_pretraining.py
