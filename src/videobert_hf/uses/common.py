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
"""What every use needs: the vocabulary scores of a model's output, and the visual tokenizer to use with a model."""

import torch


def vocabulary_logits(outputs) -> torch.Tensor:
    """Joint-vocabulary logits of a `VideoBertForMaskedLM` (`logits`) or `VideoBertForPreTraining` output."""
    logits = getattr(outputs, "logits", None)
    if logits is None:
        logits = getattr(outputs, "prediction_logits", None)
    if logits is None or logits.ndim != 3:
        raise ValueError("The model gives no vocabulary logits: use VideoBertForMaskedLM or VideoBertForPreTraining.")
    return logits


def resolve_visual_tokenizer(model, visual_tokenizer=None):
    """
    The visual tokenizer to use with `model`: `visual_tokenizer` when given, else the model's own
    (`model.base_model.visual_tokenizer`, built when `config.visual_tokenizer_config` is set); a clear error without
    either.
    """
    if visual_tokenizer is not None:
        return visual_tokenizer
    own = getattr(getattr(model, "base_model", model), "visual_tokenizer", None)
    if own is None:
        raise ValueError(
            "This model has no visual tokenizer of its own (config.visual_tokenizer_config is not set): pass a fitted "
            "`visual_tokenizer` (VideoBertVisualTokenizer.from_pretrained(...))."
        )
    return own


__all__ = [
    "resolve_visual_tokenizer",
    "vocabulary_logits",
]
