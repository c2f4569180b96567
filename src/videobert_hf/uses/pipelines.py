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
VideoBERT's uses as `transformers` pipelines, registered with `PIPELINE_REGISTRY` when this module is imported:

- `"videobert-zero-shot-action-classification"`: video files -> ranked verbs and nouns (the paper's template);
- `"videobert-video-text-retrieval"`: video files and sentences -> rankings in both directions (alignment head).

```python
>>> from transformers import pipeline
>>> classifier = pipeline(
...     "videobert-zero-shot-action-classification", model=model, processor=processor, visual_tokenizer=tokenizer
... )
>>> classifier("cooking.mp4", verbs=["slice", "peel"], nouns=["onion", "carrot"])
```

Videos are streamed through the processor's video processor and the visual tokenizer (the `visual_tokenizer`
argument, or the model's own when `config.visual_tokenizer_config` is set), one batch of clips at a time, so memory
stays flat in the video's length; each video is tokenized once.
"""

import os
from collections.abc import Sequence

import torch
from transformers.pipelines import PIPELINE_REGISTRY, Pipeline
from transformers.utils import logging

from ..corpus.clips import tokenize_video
from ..modeling_videobert import VideoBertForMaskedLM, VideoBertForVideoTextAlignment
from ..processing_videobert import build_videobert_inputs, first_clips, num_special_tokens, part_positions
from .common import resolve_visual_tokenizer, vocabulary_logits
from .retrieval import alignment_scores
from .zero_shot import PAPER_TEMPLATE, single_token_ids, template_mask_positions


logger = logging.get_logger(__name__)

ZERO_SHOT_TASK = "videobert-zero-shot-action-classification"
RETRIEVAL_TASK = "videobert-video-text-retrieval"


class _VideoBertVideoPipeline(Pipeline):
    """Shared set-up: a `VideoBertProcessor`, and a visual tokenizer that turns each video into its token ids once."""

    _load_processor = True
    _load_tokenizer = False
    _load_image_processor = False
    _load_feature_extractor = False
    _load_video_processor = False

    def __init__(self, *args, visual_tokenizer=None, clip_batch_size: int = 8, **kwargs):
        super().__init__(*args, **kwargs)
        if self.processor is None:
            raise ValueError(
                f"The {self.task or 'VideoBERT'} pipeline needs the model's VideoBertProcessor: pass processor=."
            )
        self.processor.check_config(self.model.config)
        self.visual_tokenizer = resolve_visual_tokenizer(self.model, visual_tokenizer)
        if visual_tokenizer is not None:
            self.visual_tokenizer.to(self.device)
        self.clip_batch_size = clip_batch_size

    def video_tokens(self, video: str | os.PathLike) -> list[int]:
        """The visual token ids (codebook ids) of a video file: clips streamed `clip_batch_size` at a time."""
        if not isinstance(video, (str, os.PathLike)):
            raise TypeError(f"VideoBERT pipelines take video file paths, got {type(video).__name__}.")
        return tokenize_video(self.processor.video_processor, self.visual_tokenizer, video, self.clip_batch_size)


class VideoBertZeroShotActionClassificationPipeline(_VideoBertVideoPipeline):
    """
    Zero-shot action classification of video files with the paper's protocol: `[CLS] <template> [>] <video> [SEP]`,
    the verb read from the template's first `[MASK]` and the noun from the second, ranking only the candidates.

    Call with a video path (or a list of them) and `verbs=[...]`, `nouns=[...]` (each a single WordPiece token),
    optionally `template=` (two `[MASK]`s, verb first) and `top_k=` (default 5). Each result is
    `{"verbs": [{"label", "score"}], "nouns": [...], "num_clips": n}`, scores being the softmax over the candidates.
    A video shorter than one clip gives `num_clips == 0` and the text-only language prior (the template alone), with
    a warning. An unreadable file raises `VideoDecodingError` naming it.
    """

    def _sanitize_parameters(self, verbs=None, nouns=None, template=None, top_k=None, **kwargs):
        if kwargs:
            raise TypeError(f"Unexpected arguments {sorted(kwargs)}.")
        preprocess_params, postprocess_params = {}, {}
        if verbs is not None:
            preprocess_params["verbs"] = verbs
        if nouns is not None:
            preprocess_params["nouns"] = nouns
        if template is not None:
            preprocess_params["template"] = template
        if top_k is not None:
            postprocess_params["top_k"] = top_k
        return preprocess_params, {}, postprocess_params

    def preprocess(self, video, verbs=None, nouns=None, template=PAPER_TEMPLATE):
        if verbs is None or nouns is None:
            raise ValueError("Pass the candidate labels: verbs=[...] and nouns=[...].")
        verbs, nouns = list(verbs), list(nouns)
        tokenizer = self.processor.tokenizer
        template_ids, mask_positions = template_mask_positions(tokenizer, template)
        verb_ids = single_token_ids(tokenizer, verbs, "verb")
        noun_ids = single_token_ids(tokenizer, nouns, "noun")
        video_ids = self.video_tokens(video)
        if not video_ids:
            logger.warning(f"{video} is shorter than one clip: its scores are the template's language prior.")
        budget = self.model.config.max_position_embeddings - len(template_ids) - num_special_tokens(True, True)
        if budget < 1:
            raise ValueError("The template leaves no room for video in the model's positions.")
        special = self.processor.special_ids
        ids, types = build_videobert_inputs(template_ids, first_clips(video_ids, special, budget), special)
        return {
            "input_ids": torch.tensor([ids]),
            "token_type_ids": torch.tensor([types]),
            "attention_mask": torch.ones(1, len(ids), dtype=torch.long),
            "mask_positions": [part_positions(len(template_ids), 1)[0][p] for p in mask_positions],
            "candidates": (verbs, nouns, verb_ids, noun_ids),
            "num_clips": len(video_ids),
        }

    def _forward(self, model_inputs):
        mask_positions = model_inputs.pop("mask_positions")
        candidates = model_inputs.pop("candidates")
        num_clips = model_inputs.pop("num_clips")
        logits = vocabulary_logits(self.model(**model_inputs))[0, mask_positions]
        return {"mask_logits": logits, "candidates": candidates, "num_clips": num_clips}

    def postprocess(self, model_outputs, top_k=5):
        verbs, nouns, verb_ids, noun_ids = model_outputs["candidates"]
        logits = model_outputs["mask_logits"].float()
        result = {}
        for slot, (name, labels, ids) in enumerate((("verbs", verbs, verb_ids), ("nouns", nouns, noun_ids))):
            scores = logits[slot, ids].softmax(dim=-1)
            top = scores.topk(min(top_k, len(labels)))
            result[name] = [
                {"label": labels[i], "score": s} for s, i in zip(top.values.tolist(), top.indices.tolist())
            ]
        result["num_clips"] = model_outputs["num_clips"]
        return result


class VideoBertVideoTextRetrievalPipeline(_VideoBertVideoPipeline):
    """
    Video-text retrieval with the alignment head: `retriever(videos=[paths], texts=[sentences])` scores every
    (sentence, video) pair by P(aligned) = `softmax(logits)[:, 1]`, tokenizing each video once and sending the pairs
    through the model `pair_batch_size` at a time (default 64). Returns
    `{"scores": [[P(text i, video j)]], "text_to_video": [{"text", "ranking": [{"video", "score"}]}],
    "video_to_text": [{"video", "ranking": [{"text", "score"}]}], "skipped_videos": [...]}`, rankings best first and
    cut to `top_k` when given. A video shorter than one clip cannot be scored: it is listed in `skipped_videos` and
    left out of the rankings. A video longer than the model allows is cut (longest part first).
    """

    def __call__(self, videos: str | Sequence[str], texts: str | Sequence[str], **kwargs):
        videos = [videos] if isinstance(videos, (str, os.PathLike)) else list(videos)
        texts = [texts] if isinstance(texts, str) else list(texts)
        if not videos or not texts:
            raise ValueError(
                f"Retrieval needs videos and sentences, got {len(videos)} videos and {len(texts)} sentences."
            )
        return super().__call__({"videos": videos, "texts": texts}, **kwargs)

    def _sanitize_parameters(self, top_k=None, pair_batch_size=None, **kwargs):
        if kwargs:
            raise TypeError(f"Unexpected arguments {sorted(kwargs)}.")
        forward_params = {"pair_batch_size": pair_batch_size} if pair_batch_size is not None else {}
        postprocess_params = {"top_k": top_k} if top_k is not None else {}
        return {}, forward_params, postprocess_params

    def preprocess(self, inputs):
        texts = inputs["texts"]
        if any(not isinstance(t, str) or not t.strip() for t in texts):
            raise ValueError("texts holds an empty sentence.")
        video_ids, kept, skipped = [], [], []
        for video in inputs["videos"]:
            ids = self.video_tokens(video)
            if ids:
                video_ids.append(ids)
                kept.append(os.fspath(video))
            else:
                logger.warning(f"{video} is shorter than one clip: it cannot be scored and is left out.")
                skipped.append(os.fspath(video))
        if not kept:
            raise ValueError(f"None of the videos {skipped} holds one clip: nothing to score.")
        return {"texts": texts, "videos": kept, "video_ids": video_ids, "skipped_videos": skipped}

    def _forward(self, model_inputs, pair_batch_size=64):
        scores = alignment_scores(
            self.model,
            self.processor,
            model_inputs["texts"],
            model_inputs["video_ids"],
            batch_size=pair_batch_size,
            show_progress=False,
        )
        return {**model_inputs, "scores": scores}

    def postprocess(self, model_outputs, top_k=None):
        scores, texts, videos = model_outputs["scores"], model_outputs["texts"], model_outputs["videos"]

        def ranking(row, names, key):
            order = row.argsort(descending=True, stable=True)[:top_k].tolist()
            return [{key: names[i], "score": float(row[i])} for i in order]

        return {
            "scores": scores.tolist(),
            "text_to_video": [
                {"text": t, "ranking": ranking(scores[i], videos, "video")} for i, t in enumerate(texts)
            ],
            "video_to_text": [
                {"video": v, "ranking": ranking(scores[:, j], texts, "text")} for j, v in enumerate(videos)
            ],
            "skipped_videos": model_outputs["skipped_videos"],
        }


PIPELINE_REGISTRY.register_pipeline(
    ZERO_SHOT_TASK,
    pipeline_class=VideoBertZeroShotActionClassificationPipeline,
    pt_model=VideoBertForMaskedLM,
    type="multimodal",
)
PIPELINE_REGISTRY.register_pipeline(
    RETRIEVAL_TASK,
    pipeline_class=VideoBertVideoTextRetrievalPipeline,
    pt_model=VideoBertForVideoTextAlignment,
    type="multimodal",
)


__all__ = [
    "RETRIEVAL_TASK",
    "ZERO_SHOT_TASK",
    "VideoBertVideoTextRetrievalPipeline",
    "VideoBertZeroShotActionClassificationPipeline",
]
