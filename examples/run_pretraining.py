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
Pretrain VideoBERT on a tokenized video dataset with `Trainer` (the paper's three regimes: text-only, video-only,
text-video with alignment).

Reads the dataset written by `examples/tokenize_videos.py` (one row per video: `visual_ids`, `sentence_text_ids`,
`sentence_clip_spans`) and the processor saved next to it, initialises from a BERT checkpoint
(`--text_model_name_or_path`), from a VideoBERT checkpoint (`--model_name_or_path`) or from scratch, logs each loss
separately, and saves checkpoints that resume: it resumes from the newest complete checkpoint in `--output_dir` by
itself, skipping (with a warning naming it) one that a run killed while saving left partial or damaged; a
`--resume_from_checkpoint` that is partial or damaged raises a `CorruptCheckpointError`.

Runs unchanged on one process, under `torchrun --nproc_per_node N` and under `accelerate launch` (see
`examples/accelerate_configs/`); DeepSpeed through `--deepspeed ds_config.json` as for any Trainer script.

    python examples/run_pretraining.py --dataset_path tokenized/ --processor_name_or_path vocab/ \\
        --text_model_name_or_path bert-large-uncased --output_dir videobert --max_steps 500000 \\
        --per_device_train_batch_size 128 --learning_rate 1e-5
"""

import hashlib
import logging
import os
import sys
from dataclasses import dataclass, field, replace

import datasets
import torch
import transformers
from transformers import (
    AutoModelForPreTraining,
    AutoProcessor,
    HfArgumentParser,
    Trainer,
    TrainingArguments,
    set_seed,
)

import videobert_hf
from videobert_hf import VideoBertConfig, VideoBertForPreTraining, VideoBertVisualTokenizer
from videobert_hf.data_collator_videobert import DataCollatorForVideoBertPretraining, words_named_by_codebook
from videobert_hf.io_videobert import checkpoint_to_resume
from videobert_hf.pipelines_videobert import VISUAL_TOKENIZER_SUBFOLDER


logger = logging.getLogger(__name__)

LOGGED_LOSSES = ("text_loss", "video_loss", "text_video_loss", "alignment_loss")


@dataclass
class ModelArguments:
    model_name_or_path: str | None = field(
        default=None, metadata={"help": "A VideoBERT checkpoint to continue pretraining from."}
    )
    text_model_name_or_path: str | None = field(
        default=None,
        metadata={"help": "A BERT-architecture checkpoint to initialise the encoder and the text embeddings from."},
    )
    hidden_size: int = field(default=256, metadata={"help": "From scratch only: hidden size."})
    num_hidden_layers: int = field(default=4, metadata={"help": "From scratch only: number of layers."})
    num_attention_heads: int = field(default=4, metadata={"help": "From scratch only: attention heads."})
    intermediate_size: int = field(default=1024, metadata={"help": "From scratch only: feed-forward size."})
    text_loss_weight: float = field(default=1.0, metadata={"help": "Weight of the text-only regime's loss."})
    video_loss_weight: float = field(default=1.0, metadata={"help": "Weight of the video-only regime's loss."})
    text_video_loss_weight: float = field(default=1.0, metadata={"help": "Weight of the text-video regime's loss."})
    alignment_loss_weight: float = field(default=1.0, metadata={"help": "Weight of alignment within text-video."})
    attn_implementation: str | None = field(default=None, metadata={"help": "eager, sdpa, flash_attention_2, ..."})
    config_overrides: str | None = field(
        default=None,
        metadata={
            "help": "VideoBertConfig fields to override, as in transformers' run_mlm.py, for any initialisation, e.g. "
            "'hidden_dropout_prob=0,attention_probs_dropout_prob=0'."
        },
    )
    visual_tokenizer_name_or_path: str | None = field(
        default=None,
        metadata={
            "help": "A fitted VideoBertVisualTokenizer: a new model's visual-token embeddings then start as a random "
            "projection of the codebook's leaf centroids (nearby clusters, nearby embeddings) at the scale of the text "
            "embeddings, instead of independent random vectors. It is also saved with the final model, in "
            "<output_dir>/visual_tokenizer, so that the VideoBERT pipelines load it with `model=<output_dir>` alone."
        },
    )


@dataclass
class DataArguments:
    dataset_path: str = field(metadata={"help": "A dataset saved by examples/tokenize_videos.py (load_from_disk)."})
    processor_name_or_path: str | None = field(
        default=None, metadata={"help": "The VideoBertProcessor folder; defaults to the dataset's `processor/`."}
    )
    train_split: str = field(default="train", metadata={"help": "Split of a DatasetDict to train on."})
    max_seq_length: int = field(default=128, metadata={"help": "Sequences are truncated to this many tokens."})
    regime_weights: str = field(
        default="1,1,1", metadata={"help": "Probabilities of the text-only, video-only and text-video regimes."}
    )
    mlm_probability: float = field(default=0.15, metadata={"help": "Masking rate of text tokens."})
    visual_mask_probability: float = field(default=0.15, metadata={"help": "Masking rate of visual tokens."})
    negative_probability: float = field(default=0.5, metadata={"help": "Share of misaligned text-video examples."})
    whole_video_mask_probability: float = field(
        default=0.0,
        metadata={"help": "Share of aligned text-video examples whose whole video is masked (trains text-to-video)."},
    )
    future_mask_probability: float = field(
        default=0.0,
        metadata={
            "help": "Share of video-only examples whose last 1..max_future_clips clips are masked and predicted from "
            "the clips before them alone (trains forecasting)."
        },
    )
    max_future_clips: int = field(default=4, metadata={"help": "Most clips masked at a video-only example's end."})
    codebook_dropout: float = field(
        default=0.0,
        metadata={
            "help": "With several visual words per clip: share of examples that hide one codebook's words (not "
            "predicted), so that each label is learnt from each codebook alone."
        },
    )
    codebook_swap: float = field(
        default=0.0,
        metadata={
            "help": "With several visual words per clip: share of aligned text-video examples whose words of one "
            "codebook are another video's, the text kept, so that each codebook's words name their own label beside "
            "words never seen with them."
        },
    )
    codebook_swap_codebooks: str | None = field(
        default=None,
        metadata={"help": "Comma-separated codebooks that --codebook_swap may swap (default: all), e.g. 0."},
    )
    codebook_swap_named_words: bool = field(
        default=False,
        metadata={
            "help": "With --codebook_swap: in a swapped example, leave out of the loss the text words that the "
            "swapped codebook names (the codebook whose words tell most of a word's presence in a sentence, measured "
            "on the training set before training), so that a swap teaches each label from its own codebook only."
        },
    )
    concat_probability: float = field(default=0.5, metadata={"help": "Chance to join neighbouring sentences."})
    max_concat_sentences: int = field(
        default=3, metadata={"help": "A joined example holds 2 to this many consecutive sentences."}
    )
    max_stride: int = field(default=5, metadata={"help": "Video tokens are subsampled with a stride in 1..N."})
    samples_per_video: int = field(default=1, metadata={"help": "Examples drawn from each video per epoch."})
    max_train_samples: int | None = field(default=None, metadata={"help": "Keep only the first N videos."})


def collate_rows(rows):
    """The train DataLoader's `collate_fn` with `pretraining_collator`: the raw rows, built into a batch later."""
    return list(rows)


class VideoBertPretrainingTrainer(Trainer):
    """
    `Trainer` that logs each regime's loss and normalises the alignment loss over the global batch.

    With `pretraining_collator` (a `DataCollatorForVideoBertPretraining`), the DataLoader only fetches rows and the
    batches are built in `get_batch_samples`, with the collator's generator seeded from (`data_seed` or `seed`, global
    step, micro-batch, process index). Its random draws (regimes, negatives, masking) then depend on the training
    position only, so a run resumed from a checkpoint replays exactly the batches of an uninterrupted one: drawing
    from torch's global RNG in the DataLoader is not replayable, because the DataLoader prefetches the next batch
    before the checkpoint's RNG state is saved and the resumed run builds it before that state is restored.

    Under FSDP1 it creates the optimizer's state before a sharded checkpoint's is loaded into it (see
    `_load_optimizer_and_scheduler`), so that a resumed run continues with the checkpoint's AdamW moments.
    """

    def __init__(self, *args, pretraining_collator=None, **kwargs):
        if pretraining_collator is not None:
            kwargs["data_collator"] = collate_rows
        super().__init__(*args, **kwargs)
        self.pretraining_collator = pretraining_collator
        # per logged loss: (sum, number of steps that had it), kept on the device and read only when logging
        self._logged_loss_totals = None

    def _build_batch(self, rows, micro_batch):
        seed = self.args.data_seed if self.args.data_seed is not None else self.args.seed
        key = f"{seed}-{self.state.global_step}-{micro_batch}-{self.args.process_index}".encode()
        # a fresh generator for this batch (the collator re-seeds when `generator` is None)
        self.pretraining_collator.seed = int.from_bytes(hashlib.sha256(key).digest()[:8], "little") >> 1
        self.pretraining_collator.generator = None
        return self.pretraining_collator(rows)

    def get_batch_samples(self, epoch_iterator, num_batches, device):
        batch_samples, num_items_in_batch = super().get_batch_samples(epoch_iterator, num_batches, device)
        if self.pretraining_collator is not None and batch_samples:
            batch_samples = [self._build_batch(rows, i) for i, rows in enumerate(batch_samples)]
            num_items_in_batch = self._get_num_items_in_batch(batch_samples, device)
        if num_items_in_batch is not None and batch_samples and "alignment_labels" in batch_samples[0]:
            count = sum((batch["alignment_labels"] != -100).sum() for batch in batch_samples).to(device)
            if self.args.average_tokens_across_devices and self.args.world_size > 1:
                count = self.accelerator.gather(count).sum()
            for batch in batch_samples:
                batch["num_alignment_items_in_batch"] = count.clamp(min=1)
        return batch_samples, num_items_in_batch

    def _load_optimizer_and_scheduler(self, checkpoint):
        if checkpoint is not None and self.is_fsdp_enabled and self.accelerator.state.fsdp_plugin.fsdp_version == 1:
            # accelerate's FSDP1 loader of a sharded optimizer checkpoint (`load_fsdp_optimizer`) reads it into the
            # state dict of the optimizer as it is, and an optimizer that has not stepped has no per-parameter state:
            # AdamW would restart from zero moments. Create that state first (as torch's own DCP state-dict helpers do).
            create_optimizer_state(getattr(self.optimizer, "optimizer", self.optimizer))
        super()._load_optimizer_and_scheduler(checkpoint)

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        loss, outputs = super().compute_loss(model, inputs, return_outputs=True, num_items_in_batch=num_items_in_batch)
        if model.training:
            # no `.item()` here (a device sync per loss per step): a loss the step lacks (None, or NaN for a regime
            # without masked tokens) counts as absent, and the totals are read in `log`
            nan = torch.full((), float("nan"), device=loss.device)
            values = torch.stack(
                [nan if outputs.get(name) is None else outputs.get(name).detach().float() for name in LOGGED_LOSSES]
            )
            step = torch.stack([values.nan_to_num(0.0), (~values.isnan()).float()], dim=1)
            totals = self._logged_loss_totals
            self._logged_loss_totals = step if totals is None else totals + step
        return (loss, outputs) if return_outputs else loss

    def log(self, logs, start_time=None):
        if "loss" in logs:
            totals = self._logged_loss_totals.tolist() if self._logged_loss_totals is not None else []
            for name, (total, count) in zip(LOGGED_LOSSES, totals):
                if count:
                    logs[name] = round(total / count, 4)
            self._logged_loss_totals = None
        super().log(logs, start_time)


def create_optimizer_state(optimizer: torch.optim.Optimizer) -> None:
    """An optimizer's per-parameter state (AdamW's moments), made by one step on zero gradients at learning rate 0: the
    weights do not move. Does nothing to an optimizer that already has state or gradients."""
    params = [p for group in optimizer.param_groups for p in group["params"]]
    if optimizer.state or any(p.grad is not None for p in params):
        return
    for p in params:
        if p.requires_grad:
            p.grad = torch.zeros_like(p)
    learning_rates = [group["lr"] for group in optimizer.param_groups]
    for group in optimizer.param_groups:
        group["lr"] = torch.zeros_like(group["lr"]) if isinstance(group["lr"], torch.Tensor) else 0.0
    optimizer.step()
    for group, learning_rate in zip(optimizer.param_groups, learning_rates):
        group["lr"] = learning_rate
    optimizer.zero_grad(set_to_none=True)


@torch.no_grad()
def init_visual_embeddings_from_codebook(model, visual_tokenizer, seed: int = 0) -> None:
    """Visual-token embeddings := a random projection of the codebook's leaf centroids, standardised per dimension and
    scaled to the text embeddings' per-dimension mean and spread (the output projection is tied to them). With several
    codebooks, each codebook's words get their own projection (their centroids live in different spaces)."""
    config = model.config
    parts = visual_tokenizer.codebook_parts()
    codebooks = [codebook for _, _, codebook in parts]
    size = sum(c.branching**c.levels for c in codebooks)
    if size != config.visual_vocab_size or len(parts) != config.num_codebooks:
        raise ValueError(
            f"The visual tokenizer has {size} visual tokens in {len(parts)} codebooks, the model "
            f"{config.visual_vocab_size} in num_codebooks={config.num_codebooks}."
        )
    embeddings = model.get_input_embeddings().weight
    text = embeddings[: config.text_vocab_size].float()
    generator = torch.Generator().manual_seed(seed)
    start = config.visual_token_offset
    for codebook in codebooks:
        leaves = codebook.level_centroids(codebook.levels - 1).reshape(-1, codebook.dim).float()
        projection = torch.randn(leaves.shape[1], embeddings.shape[1], generator=generator)
        projected = leaves @ projection
        projected = (projected - projected.mean(dim=0)) / projected.std(dim=0).clamp(min=1e-6)
        rows = slice(start, start + leaves.shape[0])
        embeddings[rows] = (text.mean(dim=0) + projected * text.std(dim=0)).to(embeddings.dtype)
        start += leaves.shape[0]


def parse_config_overrides(overrides: str | None) -> dict:
    """`"a=1,b=0.5"` -> `{"a": 1, "b": 0.5}`, each value typed as the `VideoBertConfig` field it overrides."""
    if not overrides:
        return {}
    pairs = [pair.split("=", 1) for pair in overrides.split(",") if pair.strip()]
    if any(len(pair) != 2 for pair in pairs):
        raise ValueError(f"--config_overrides {overrides!r}: expected comma-separated key=value pairs.")
    pairs = [(key.strip(), value.strip()) for key, value in pairs]
    config = VideoBertConfig()
    try:
        config.update_from_string(",".join(f"{key}={value}" for key, value in pairs))
    except ValueError as error:
        raise ValueError(f"--config_overrides {overrides!r}: {error}") from None
    return {key: getattr(config, key) for key, _ in pairs}


def build_model(model_args: ModelArguments, processor) -> VideoBertForPreTraining:
    weights = {
        "text_loss_weight": model_args.text_loss_weight,
        "video_loss_weight": model_args.video_loss_weight,
        "text_video_loss_weight": model_args.text_video_loss_weight,
        "alignment_loss_weight": model_args.alignment_loss_weight,
        **parse_config_overrides(model_args.config_overrides),
    }
    if model_args.model_name_or_path:
        model = AutoModelForPreTraining.from_pretrained(
            model_args.model_name_or_path, attn_implementation=model_args.attn_implementation, **weights
        )
    elif model_args.text_model_name_or_path:
        model = VideoBertForPreTraining.from_text_pretrained(
            model_args.text_model_name_or_path,
            attn_implementation=model_args.attn_implementation,
            visual_vocab_size=processor.visual_vocab_size,
            num_codebooks=processor.num_codebooks,
            **weights,
        )
    else:
        config = VideoBertConfig(
            **processor.config_kwargs(),
            hidden_size=model_args.hidden_size,
            num_hidden_layers=model_args.num_hidden_layers,
            num_attention_heads=model_args.num_attention_heads,
            intermediate_size=model_args.intermediate_size,
            **weights,
        )
        if model_args.attn_implementation:
            config._attn_implementation = model_args.attn_implementation
        model = VideoBertForPreTraining(config)
    processor.check_config(model.config)
    if model_args.visual_tokenizer_name_or_path and not model_args.model_name_or_path:
        visual_tokenizer = VideoBertVisualTokenizer.from_pretrained(model_args.visual_tokenizer_name_or_path)
        init_visual_embeddings_from_codebook(model, visual_tokenizer)
    return model


def load_train_dataset(data_args: DataArguments) -> datasets.Dataset:
    dataset = datasets.load_from_disk(data_args.dataset_path)
    if isinstance(dataset, datasets.DatasetDict):
        if data_args.train_split not in dataset:
            raise ValueError(f"{data_args.dataset_path} has no split {data_args.train_split!r}: {list(dataset)}.")
        dataset = dataset[data_args.train_split]
    if data_args.max_train_samples is not None:
        dataset = dataset.select(range(min(data_args.max_train_samples, len(dataset))))
    if data_args.samples_per_video > 1:
        dataset = datasets.concatenate_datasets([dataset] * data_args.samples_per_video)
    return dataset


def with_named_words(collator, train_dataset, samples_per_video, tokenizer):
    """The collator with `codebook_named_words` measured on the training videos (one copy of each), logged."""
    videos = train_dataset.select(range(len(train_dataset) // samples_per_video))
    named, information = words_named_by_codebook(collator, videos)
    for g, words in enumerate(named):
        ranked = sorted(words, key=lambda t: -information[g, t])
        shown = ", ".join(f"{tokenizer.convert_ids_to_tokens(t)} {information[g, t]:.2f}" for t in ranked[:40])
        logger.info(f"Codebook {g} names {len(words)} text words (not predicted where it is swapped), first: {shown}")
    return replace(collator, codebook_named_words=named)


def main(argv=None, callbacks=None):
    parser = HfArgumentParser((ModelArguments, DataArguments, TrainingArguments))
    if argv is None and len(sys.argv) == 2 and sys.argv[1].endswith(".json"):
        model_args, data_args, training_args = parser.parse_json_file(json_file=os.path.abspath(sys.argv[1]))
    else:
        model_args, data_args, training_args = parser.parse_args_into_dataclasses(args=argv)
    # The collator reads raw per-video columns (visual_ids, sentence_text_ids, ...) that are not forward arguments.
    training_args.remove_unused_columns = False

    logging.basicConfig(
        format="%(asctime)s - %(levelname)s - %(name)s - %(message)s",
        datefmt="%m/%d/%Y %H:%M:%S",
        handlers=[logging.StreamHandler(sys.stdout)],
    )
    log_level = training_args.get_process_log_level()
    logger.setLevel(log_level)
    datasets.utils.logging.set_verbosity(log_level)
    transformers.utils.logging.set_verbosity(log_level)
    logger.info(f"videobert_hf {videobert_hf.__version__}; training arguments {training_args}")

    # the newest complete checkpoint (a partial one, from a run killed while saving, is skipped with a warning)
    checkpoint = checkpoint_to_resume(training_args.output_dir, training_args.resume_from_checkpoint)
    if checkpoint is not None:
        logger.info(f"Resuming from {checkpoint}.")

    processor_path = data_args.processor_name_or_path or os.path.join(data_args.dataset_path, "processor")
    processor = AutoProcessor.from_pretrained(processor_path)
    train_dataset = load_train_dataset(data_args)
    # Seed before building the model: `Trainer` seeds only when it is created, after a from-scratch initialisation.
    set_seed(training_args.seed)
    model = build_model(model_args, processor)
    regime_weights = tuple(float(w) for w in data_args.regime_weights.split(","))
    if len(regime_weights) != 3:
        raise ValueError(f"--regime_weights needs three numbers (text, video, text-video), got {regime_weights}.")
    swap_codebooks = None
    if data_args.codebook_swap_codebooks is not None:
        try:
            swap_codebooks = tuple(int(g) for g in data_args.codebook_swap_codebooks.split(","))
        except ValueError:
            raise ValueError(
                f"--codebook_swap_codebooks needs comma-separated codebook numbers (e.g. 0), got "
                f"{data_args.codebook_swap_codebooks!r}."
            ) from None
    collator = DataCollatorForVideoBertPretraining.from_config(
        processor.tokenizer,
        model.config,
        regime_weights=regime_weights,
        mlm_probability=data_args.mlm_probability,
        visual_mask_probability=data_args.visual_mask_probability,
        negative_probability=data_args.negative_probability,
        whole_video_mask_probability=data_args.whole_video_mask_probability,
        future_mask_probability=data_args.future_mask_probability,
        max_future_clips=data_args.max_future_clips,
        codebook_dropout=data_args.codebook_dropout,
        codebook_swap=data_args.codebook_swap,
        codebook_swap_codebooks=swap_codebooks,
        concat_probability=data_args.concat_probability,
        max_concat_sentences=data_args.max_concat_sentences,
        max_stride=data_args.max_stride,
        max_length=data_args.max_seq_length,
    )
    if data_args.codebook_swap_named_words:
        collator = with_named_words(collator, train_dataset, data_args.samples_per_video, processor.tokenizer)
    trainer = VideoBertPretrainingTrainer(
        model=model,
        args=training_args,
        train_dataset=train_dataset,
        pretraining_collator=collator,
        processing_class=processor,
        callbacks=callbacks,
    )
    if training_args.fsdp and not trainer.is_fsdp_enabled:
        # accelerate enables FSDP for GPU-type processes only; elsewhere it drops the plugin and trains with DDP
        raise ValueError(
            f"--fsdp was given but accelerate did not enable FSDP (distributed type "
            f"{trainer.accelerator.distributed_type.value}): it shards only across processes on GPUs or other "
            "accelerators, and would have trained with DDP."
        )
    result = trainer.train(resume_from_checkpoint=checkpoint)
    if trainer.is_fsdp_enabled:
        # Checkpoints stay as configured (sharded ones resume); the final model is gathered into one state dict, as
        # `save_model` writes nothing under SHARDED_STATE_DICT.
        trainer.accelerator.state.fsdp_plugin.set_state_dict_type("FULL_STATE_DICT")
    trainer.save_model()
    if model_args.visual_tokenizer_name_or_path and trainer.is_world_process_zero():
        # where `pipeline("videobert-...", model=output_dir)` looks for the visual tokenizer
        VideoBertVisualTokenizer.from_pretrained(model_args.visual_tokenizer_name_or_path).save_pretrained(
            os.path.join(training_args.output_dir, VISUAL_TOKENIZER_SUBFOLDER)
        )
    metrics = result.metrics
    metrics["train_videos"] = len(train_dataset)
    if collator.num_skipped:
        logger.warning(f"Skipped {collator.num_skipped} unusable rows (no text and no video).")
    metrics["skipped_rows"] = collator.num_skipped
    trainer.log_metrics("train", metrics)
    trainer.save_metrics("train", metrics)
    trainer.save_state()
    if training_args.push_to_hub:
        trainer.push_to_hub(tags=["videobert", "video", "multimodal"])
    return trainer


if __name__ == "__main__":
    # Trainer leaves the process group up; destroyed here, before the interpreter tears down, since gloo's worker
    # threads still alive at exit can abort the process (SIGABRT) after a finished run (pytorch/pytorch#190489).
    main().accelerator.end_training()
