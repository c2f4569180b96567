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
Reference numbers of every VideoBERT head on fixed weights and a collator-like batch, and each head's checkpoint keys.

`tests/data/modeling_reference.json` holds them as the modeling code of commit fe5524a computed them (before the
attention classes were folded and the input checks moved off the hot path); `test_modeling_videobert.py` checks that
the code today gives the same keys and the same numbers. Rewrite the file (`python -m tests.helpers.modeling_reference`)
only for a change that is meant to alter the numbers or the checkpoint layout.
"""

import json
from pathlib import Path

import torch

from videobert_hf import (
    VideoBertConfig,
    VideoBertForConditionalGeneration,
    VideoBertForMaskedLM,
    VideoBertForPreTraining,
    VideoBertForSequenceClassification,
    VideoBertForVideoTextAlignment,
    VideoBertModel,
)
from videobert_hf.processing_videobert import TEXT_ONLY, TEXT_VIDEO, VIDEO_ONLY

from .tiny import TINY_LAYERS


REFERENCE_PATH = Path(__file__).resolve().parent.parent / "data" / "modeling_reference.json"
ENCODER_CLASSES = (
    VideoBertModel,
    VideoBertForPreTraining,
    VideoBertForMaskedLM,
    VideoBertForVideoTextAlignment,
    VideoBertForSequenceClassification,
)
ALL_CLASSES = (*ENCODER_CLASSES, VideoBertForConditionalGeneration)


# The tiny model of the modeling tests (2 layers, hidden 32, a 50 + 2 + 3**2 vocabulary, no dropout).
TINY_CONFIG = dict(
    text_vocab_size=50,
    visual_vocab_size=9,
    **TINY_LAYERS,
    max_position_embeddings=64,
    hidden_dropout_prob=0.0,
    attention_probs_dropout_prob=0.0,
)


def reference_config(**kwargs) -> VideoBertConfig:
    """The tiny model with loss weights != 1, three labels and text decoder ids, so that each of them shows."""
    values = dict(
        TINY_CONFIG,
        num_labels=3,
        text_loss_weight=0.5,
        video_loss_weight=2.0,
        text_video_loss_weight=1.5,
        alignment_loss_weight=0.3,
        decoder_start_token_id=1,
        eos_token_id=2,
    )
    values.update(kwargs)
    return VideoBertConfig(**values)


def collator_like_batch(config: VideoBertConfig, batch_size: int = 6, length: int = 24, seed: int = 0) -> dict:
    """
    What `DataCollatorForVideoBertPretraining` emits, built by hand: the three regimes in turn (`[CLS] text [SEP]`,
    `[CLS] video [SEP]`, `[CLS] text [>] video [SEP]`), right padding of varying length, ~15 % of the positions
    labelled (at least one per example) and replaced by `[MASK]`, alignment labels on the text-video examples only.
    """
    generator = torch.Generator().manual_seed(seed)
    input_ids = torch.zeros(batch_size, length, dtype=torch.long)
    token_type_ids = torch.zeros_like(input_ids)
    attention_mask = torch.zeros_like(input_ids)
    labels = torch.full_like(input_ids, -100)
    alignment_labels = torch.full((batch_size,), -100)
    regimes = (TEXT_ONLY, VIDEO_ONLY, TEXT_VIDEO)
    for row in range(batch_size):
        regime, n = regimes[row % 3], length - row % 4
        ids = torch.randint(5, config.text_vocab_size, (n,), generator=generator)
        types = torch.zeros(n, dtype=torch.long)
        video_start = {TEXT_ONLY: n - 1, VIDEO_ONLY: 1, TEXT_VIDEO: n // 2 + 1}[regime]
        ids[video_start : n - 1] = torch.randint(
            config.visual_token_offset, config.vocab_size, (n - 1 - video_start,), generator=generator
        )
        if regime != TEXT_ONLY:
            types[video_start:] = 1
        if regime == TEXT_VIDEO:
            ids[video_start - 1] = config.text_video_separator_token_id
            alignment_labels[row] = row % 2
        ids[0], ids[n - 1] = 1, 2  # [CLS], [SEP]
        masked = torch.rand(n, generator=generator) < 0.15
        masked[0] = masked[n - 1] = False
        masked[video_start if regime == VIDEO_ONLY else 1] = True
        labels[row, :n] = torch.where(masked, ids, -100)
        input_ids[row, :n] = torch.where(masked, 3, ids)  # 3: a [MASK]-like text id
        token_type_ids[row, :n], attention_mask[row, :n] = types, 1
    return {
        "input_ids": input_ids,
        "token_type_ids": token_type_ids,
        "attention_mask": attention_mask,
        "labels": labels,
        "alignment_labels": alignment_labels,
    }


def fixed_weights(model: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    """Weights drawn from the checkpoint keys (sorted), so they do not depend on the order modules are built in."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in sorted(model.state_dict().items()):
            values = torch.randn(tensor.shape, generator=generator) * 0.2
            tensor.copy_(values + 1 if name.endswith("LayerNorm.weight") else values)
    return model.eval()


def summary(tensor: torch.Tensor) -> list[float]:
    """Sum, absolute sum and the first five values: enough to tell any change of a logits tensor."""
    flat = tensor.detach().double().flatten()
    return [flat.sum().item(), flat.abs().sum().item(), *flat[:5].tolist()]


def scalar(tensor) -> float | None:
    return None if tensor is None else float(tensor)


@torch.no_grad()
def build_reference() -> dict:
    config = reference_config()
    batch = collator_like_batch(config)
    encoder_inputs = {k: batch[k] for k in ("input_ids", "token_type_ids", "attention_mask")}
    numbers = {}

    model = fixed_weights(VideoBertModel(config))
    out = model(**encoder_inputs)
    numbers["VideoBertModel"] = {
        "last_hidden_state": summary(out.last_hidden_state),
        "pooler": summary(out.pooler_output),
    }

    model = fixed_weights(VideoBertForPreTraining(config))
    entries = {}
    for name, extra in (
        ("local", {}),
        ("global", {"num_items_in_batch": torch.tensor(40)}),
        (
            "global_alignment",
            {"num_items_in_batch": torch.tensor(40), "num_alignment_items_in_batch": torch.tensor(5)},
        ),
    ):
        out = model(**batch, **extra)
        entries[name] = {
            key: scalar(getattr(out, key))
            for key in ("loss", "text_loss", "video_loss", "text_video_loss", "alignment_loss")
        }
    entries["prediction_logits"] = summary(out.prediction_logits)
    entries["alignment_logits"] = summary(out.alignment_logits)
    out = model(**encoder_inputs, alignment_labels=batch["alignment_labels"])
    entries["alignment_only_loss"] = scalar(out.loss)
    entries["dense_prediction_logits"] = summary(out.prediction_logits)
    numbers["VideoBertForPreTraining"] = entries

    model = fixed_weights(VideoBertForMaskedLM(config))
    out = model(**encoder_inputs, labels=batch["labels"])
    numbers["VideoBertForMaskedLM"] = {"loss": scalar(out.loss), "logits": summary(out.logits)}

    alignment_labels = torch.tensor([0, 1, 1, 0, 1, 0])
    model = fixed_weights(VideoBertForVideoTextAlignment(config))
    out = model(**encoder_inputs, labels=alignment_labels)
    numbers["VideoBertForVideoTextAlignment"] = {"loss": scalar(out.loss), "logits": summary(out.logits)}

    model = fixed_weights(VideoBertForSequenceClassification(config))
    out = model(**encoder_inputs, labels=torch.tensor([0, 1, 2, 2, 1, 0]))
    numbers["VideoBertForSequenceClassification"] = {"loss": scalar(out.loss), "logits": summary(out.logits)}

    model = fixed_weights(VideoBertForConditionalGeneration(reference_config()))
    video = {k: v[1::3] for k, v in encoder_inputs.items()}  # the video-only rows
    captions = torch.tensor([[7, 8, 9, 2, -100], [10, 11, 12, 13, 2]])
    out = model(**video, labels=captions)
    generated = model.generate(**video, max_new_tokens=6, min_new_tokens=6, do_sample=False)
    numbers["VideoBertForConditionalGeneration"] = {
        "loss": scalar(out.loss),
        "logits": summary(out.logits),
        "greedy": generated.tolist(),
    }

    keys = {cls.__name__: list(cls(reference_config()).state_dict()) for cls in ALL_CLASSES}
    return {"state_dict_keys": keys, "numbers": numbers}


if __name__ == "__main__":
    REFERENCE_PATH.write_text(json.dumps(build_reference(), indent=1) + "\n")
    print(f"wrote {REFERENCE_PATH}")
