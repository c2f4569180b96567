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
VideoBERT's uses as `transformers` pipelines, and the inference primitives they share with `videobert_hf.uses`:

- `"videobert-zero-shot-action-classification"`: video files -> ranked verbs and nouns (the paper's template), with
  how well the visual vocabulary covers each video (`out_of_vocabulary_score`);
- `"videobert-video-text-retrieval"`: video files and sentences -> rankings in both directions (alignment head).

```python
>>> from transformers import pipeline
>>> classifier = pipeline(
...     "videobert-zero-shot-action-classification", model="demo_output/videobert", visual_tokenizer="demo_output/vocab/visual_tokenizer"
... )
>>> classifier(["cooking.mp4", "baking.mp4"], verbs=["slice", "peel"], nouns=["onion", "carrot"], batch_size=2)
```

The pipelines build from names as transformers' own do: `model=` a checkpoint path or Hub id (its processor is loaded
from it), `visual_tokenizer=` a `VideoBertVisualTokenizer`, a path or a Hub id. Without `visual_tokenizer`, the model's
own (`config.visual_tokenizer_config`) is used, else the checkpoint's `visual_tokenizer/` subfolder (what
`push_videobert_to_hub` and the pipelines' `save_pretrained` write). Videos are streamed through the processor's
video processor and the visual tokenizer, `clip_batch_size` clips at a time, so memory stays flat in the video's
length; each video is tokenized once. `batch_size` batches the model's forward passes, as in transformers' pipelines.

This module is part of the model family (flat, relative imports only): `save_pretrained` copies it into every encoder
checkpoint and declares both tasks in `config.custom_pipelines`, so that `pipeline(task, model=repo,
trust_remote_code=True)` works where `videobert_hf` is not installed. Importing it registers the tasks with
`PIPELINE_REGISTRY`; where they are registered, `pipeline()` uses them without `trust_remote_code`.
"""

import os
from collections.abc import Sequence

import torch
from tqdm.auto import tqdm
from transformers.pipelines import PIPELINE_REGISTRY, Pipeline
from transformers.utils import logging

from .modeling_videobert import VideoBertForMaskedLM, VideoBertForVideoTextAlignment, VideoBertPreTrainedModel
from .processing_videobert import (
    build_videobert_inputs,
    check_shown_codebooks,
    first_clips,
    hide_codebooks,
    num_special_tokens,
    pad_videobert_batch,
    part_positions,
)
from .visual_tokenizer_videobert import NonFiniteFeaturesError, VideoBertVisualTokenizer


logger = logging.get_logger(__name__)

ZERO_SHOT_TASK = "videobert-zero-shot-action-classification"
RETRIEVAL_TASK = "videobert-video-text-retrieval"
# Where a checkpoint keeps the visual tokenizer it was trained with, when the model does not own one.
VISUAL_TOKENIZER_SUBFOLDER = "visual_tokenizer"
PAPER_TEMPLATE = "now let me show you how to [MASK] the [MASK]"
# A clip is out of the vocabulary when it lies farther from its visual token's centroid than this percentile of the
# clips the codebook was fitted on.
OUT_OF_VOCABULARY_PERCENTILE = 99


# ------------------------------------------------------------------------------------------- shared primitives
def vocabulary_logits(outputs) -> torch.Tensor:
    """Joint-vocabulary logits of a `VideoBertForMaskedLM` (`logits`) or `VideoBertForPreTraining` output."""
    logits = getattr(outputs, "logits", None)
    if logits is None:
        logits = getattr(outputs, "prediction_logits", None)
    if logits is None or logits.ndim != 3:
        raise ValueError("The model gives no vocabulary logits: use VideoBertForMaskedLM or VideoBertForPreTraining.")
    return logits


def alignment_probabilities(outputs) -> torch.Tensor:
    """P(aligned) `softmax(logits)[:, 1]` of a `VideoBertForVideoTextAlignment` or `VideoBertForPreTraining` output."""
    logits = getattr(outputs, "alignment_logits", None)
    if logits is None:
        logits = getattr(outputs, "logits", None)
    if logits is None or logits.ndim != 2 or logits.shape[-1] != 2:
        raise ValueError(
            "The model gives no alignment logits: use VideoBertForVideoTextAlignment or VideoBertForPreTraining."
        )
    return logits.float().softmax(dim=-1)[:, 1]


def _own_visual_tokenizer(model):
    return getattr(getattr(model, "base_model", model), "visual_tokenizer", None)


def resolve_visual_tokenizer(model, visual_tokenizer=None):
    """
    The visual tokenizer to use with `model`: `visual_tokenizer` when given (a `VideoBertVisualTokenizer`, or the path
    or Hub id of one), else the model's own (`model.base_model.visual_tokenizer`, built when
    `config.visual_tokenizer_config` is set), else the `visual_tokenizer/` subfolder of the model's checkpoint; a
    clear error without any.
    """
    if isinstance(visual_tokenizer, (str, os.PathLike)):
        return VideoBertVisualTokenizer.from_pretrained(visual_tokenizer)
    if visual_tokenizer is not None:
        return visual_tokenizer
    own = _own_visual_tokenizer(model)
    if own is not None:
        return own
    checkpoint = getattr(model, "name_or_path", None) or ""
    if checkpoint:
        if os.path.isdir(os.path.join(checkpoint, VISUAL_TOKENIZER_SUBFOLDER)):
            return VideoBertVisualTokenizer.from_pretrained(checkpoint, subfolder=VISUAL_TOKENIZER_SUBFOLDER)
        if not os.path.isdir(checkpoint):  # a Hub id: the repository may hold the subfolder
            try:
                return VideoBertVisualTokenizer.from_pretrained(checkpoint, subfolder=VISUAL_TOKENIZER_SUBFOLDER)
            except (OSError, ValueError):
                pass
    raise ValueError(
        "This model has no visual tokenizer of its own (config.visual_tokenizer_config is not set) and its checkpoint "
        f"{checkpoint or '(in memory)'} has no {VISUAL_TOKENIZER_SUBFOLDER}/ subfolder: pass a fitted "
        "`visual_tokenizer` (a VideoBertVisualTokenizer, or its path or Hub id)."
    )


def template_mask_positions(tokenizer, template: str) -> tuple[list[int], list[int]]:
    """WordPiece ids of a zero-shot template and the indices of its two `[MASK]`s (an error for any other count)."""
    template_ids = tokenizer(template, add_special_tokens=False)["input_ids"]
    mask_positions = [i for i, token in enumerate(template_ids) if token == tokenizer.mask_token_id]
    if len(mask_positions) != 2:
        raise ValueError(
            f"The template must hold exactly two [MASK] tokens (verb, noun); {template!r} has {len(mask_positions)}."
        )
    return template_ids, mask_positions


def single_token_ids(tokenizer, words: Sequence[str], name: str) -> list[int]:
    """WordPiece id of each word; a clear error for a duplicate or for a word that is not one vocabulary token."""
    if not words:
        raise ValueError(f"The {name} list is empty.")
    if len(set(words)) != len(words):
        duplicates = sorted({w for w in words if list(words).count(w) > 1})
        raise ValueError(f"The {name} list repeats {duplicates}.")
    ids = []
    for word in words:
        pieces = tokenizer(word, add_special_tokens=False)["input_ids"]
        if len(pieces) != 1:
            raise ValueError(
                f"{name} {word!r} is {len(pieces)} WordPiece tokens ({tokenizer.convert_ids_to_tokens(pieces)}); the "
                "fill-mask protocol scores single-token labels."
            )
        ids.append(pieces[0])
    return ids


def text_to_video_query(template_ids, video_words, special, max_length: int | None = None) -> dict[str, list[int]]:
    """
    The query of the readouts from text to video for one segment: `[CLS] <template> [>] <video> [SEP]`
    (`build_videobert_inputs`, cut to `max_length` if given) with every visual word `[MASK]` (`input_ids`), the actual
    ids (`target_ids`), each position's codebook plus one, 0 for text (`word_codebooks`: 0 is also what batch padding
    writes) and segment ids.
    """
    ids, types = build_videobert_inputs(template_ids, video_words, special, max_length)
    offset, size = special.visual_token_offset, special.visual_vocab_size // special.num_codebooks
    codebooks = [(i - offset) // size + 1 if offset <= i < offset + special.visual_vocab_size else 0 for i in ids]
    masked = [special.mask if c else i for i, c in zip(ids, codebooks)]
    return {"input_ids": masked, "token_type_ids": types, "target_ids": ids, "word_codebooks": codebooks}


@torch.no_grad()
def video_likelihood_label_scores(
    model,
    queries: dict[str, torch.Tensor],
    slots: torch.Tensor,
    verb_ids: Sequence[int],
    noun_ids: Sequence[int],
    verb_codebooks: Sequence[int] | None = None,
    noun_codebooks: Sequence[int] | None = None,
    batch_size: int = 64,
) -> tuple[torch.Tensor, torch.Tensor]:
    """
    Label scores of the zero-shot readout from text to video (`videobert_hf.uses.zero_shot_by_video_likelihood`) for a
    batch of `text_to_video_query`s (`queries`: their fields as `[batch, length]` tensors, right-padded, with
    `attention_mask`; `slots`: `[batch, 2]`, the positions of the template's verb and noun `[MASK]`). For each
    sequence, every (verb, noun) pair fills the slots, and the model's log-likelihood of the actual words is summed
    over the words of `verb_codebooks` (`None`: all) for the verb and of `noun_codebooks` for the noun; a verb's score is
    the log of the mean over the nouns of that likelihood (a uniform prior over them), a noun's the mean over the
    verbs. Returns `[batch, len(verb_ids)]` and `[batch, len(noun_ids)]`; `batch_size` is sequences per forward pass.
    Sequences whose masked query is the same (the same length and slots: the query holds no visual word) share its
    forward passes, so a batch of segments costs pairs x distinct queries, not pairs x segments.
    """
    device = queries["input_ids"].device
    pairs = torch.tensor([(verb, noun) for verb in verb_ids for noun in noun_ids], device=device)
    # the query holds no visual word: sequences with the same masked query share its forward passes
    groups = {}
    for row in range(queries["input_ids"].shape[0]):
        length = int(queries["attention_mask"][row].sum())
        key = tuple(
            tuple(queries[name][row, :length].tolist()) for name in ("input_ids", "token_type_ids", "word_codebooks")
        ) + (tuple(slots[row].tolist()),)
        groups.setdefault(key, []).append(row)
    verb_scores, noun_scores = [None] * queries["input_ids"].shape[0], [None] * queries["input_ids"].shape[0]
    for rows in groups.values():
        length = int(queries["attention_mask"][rows[0]].sum())
        codebook = queries["word_codebooks"][rows[0], :length]
        visual = codebook > 0
        targets = queries["target_ids"][rows, :length][:, visual]  # [rows, visual words]
        filled = queries["input_ids"][rows[0], :length].repeat(len(pairs), 1)
        filled[:, slots[rows[0], 0]], filled[:, slots[rows[0], 1]] = pairs[:, 0], pairs[:, 1]
        word_scores = []  # per row and pair: the log-likelihood of each visual word
        for start in range(0, len(pairs), batch_size):
            chunk = filled[start : start + batch_size]
            inputs = {"input_ids": chunk}
            inputs |= {
                name: queries[name][rows[0], :length].repeat(len(chunk), 1)
                for name in ("token_type_ids", "attention_mask")
            }
            log_probs = vocabulary_logits(model(**inputs))[:, visual].float().log_softmax(-1)
            index = targets[:, None, :, None].expand(-1, len(chunk), -1, -1)
            word_scores.append(log_probs.expand(len(rows), -1, -1, -1).gather(-1, index).squeeze(-1).cpu())
        word_scores = torch.cat(word_scores, dim=1)
        word_codebooks = codebook[visual].cpu() - 1
        for slot, shown in enumerate((verb_codebooks, noun_codebooks)):
            every = torch.ones(len(word_codebooks), dtype=torch.bool)
            positions = every if shown is None else torch.isin(word_codebooks, torch.tensor(list(shown)))
            pair_scores = word_scores[:, :, positions].sum(-1).view(len(rows), len(verb_ids), len(noun_ids))
            # the other label marginalised out under a uniform prior (the constant log(count) does not change ranks)
            label_scores = pair_scores.logsumexp(dim=2 - slot)
            for position, row in enumerate(rows):
                (verb_scores if slot == 0 else noun_scores)[row] = label_scores[position]
    return torch.stack(verb_scores), torch.stack(noun_scores)


def retrieval_sentence_ids(processor, texts, videos, batch_size: int) -> list[list[int]]:
    """
    The checks of a retrieval grid (sentences and videos to score, a batch size of at least 1, no empty sentence or
    video: each a clear error naming it) and the WordPiece ids of each sentence (`texts` may hold them already).
    """
    if not len(texts) or not len(videos):
        raise ValueError(f"Nothing to score: {len(texts)} sentences and {len(videos)} videos.")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}.")
    text_ids = []
    for index, text in enumerate(texts):
        if isinstance(text, str):
            if not text.strip():
                raise ValueError(f"Sentence {index} is empty.")
            text = processor.encode_sentences([text])[0]
        text_ids.append(list(text))
        if not text_ids[-1]:
            raise ValueError(f"Sentence {index} has no WordPiece token.")
    empty = [index for index, ids in enumerate(videos) if not len(ids)]
    if empty:
        raise ValueError(f"Videos {empty} have no visual token (shorter than one clip?); drop them before scoring.")
    return text_ids


@torch.no_grad()
def alignment_scores(
    model,
    processor,
    texts: Sequence[str] | Sequence[Sequence[int]],
    videos: Sequence[Sequence[int]],
    batch_size: int = 64,
    max_length: int | None = None,
    show_progress: bool = True,
) -> torch.FloatTensor:
    """
    Alignment probability `softmax(logits)[:, 1]` of every (sentence, video) pair, as a `[len(texts), len(videos)]`
    matrix: the scores of retrieval in both directions.

    Each sentence is tokenized once and each video's visual tokens are given once (compute them with the visual
    tokenizer beforehand: the clip encoder never runs here). The pairs `[CLS] sentence [>] video [SEP]` go through
    the model `batch_size` at a time, in row-major order, without materialising the whole grid; a pair longer than
    `max_length` (default: the model's `max_position_embeddings`) is cut longest part first.

    Args:
        model: a `VideoBertForVideoTextAlignment` or `VideoBertForPreTraining`.
        processor: the `VideoBertProcessor` of the model.
        texts: sentences, or their WordPiece ids (without special tokens).
        videos: visual token ids (codebook ids) of each video or segment; none may be empty.
    """
    text_ids = retrieval_sentence_ids(processor, texts, videos, batch_size)
    special = processor.special_ids
    max_length = max_length or model.config.max_position_embeddings
    device = next(model.parameters()).device
    model.eval()

    num_videos = len(videos)
    num_pairs = len(text_ids) * num_videos
    scores = torch.empty(num_pairs)
    starts = range(0, num_pairs, batch_size)
    for start in tqdm(starts, desc="alignment scores", disable=not show_progress):
        pairs = range(start, min(start + batch_size, num_pairs))
        sequences = [
            build_videobert_inputs(text_ids[pair // num_videos], videos[pair % num_videos], special, max_length)
            for pair in pairs
        ]
        outputs = model(**pad_videobert_batch(sequences, special.pad, device=device))
        scores[start : start + len(sequences)] = alignment_probabilities(outputs).cpu()
    return scores.view(len(text_ids), num_videos)


@torch.no_grad()
def video_log_likelihoods(
    model,
    processor,
    texts: Sequence[str] | Sequence[Sequence[int]],
    videos: Sequence[Sequence[int]],
    batch_size: int = 64,
    max_length: int | None = None,
    show_progress: bool = True,
) -> torch.FloatTensor:
    """
    `log p(video | sentence)` of every (sentence, video) pair as a `[len(texts), len(videos)]` matrix: the fill-mask
    head's log-probabilities (over the joint vocabulary) of the video's actual visual words, summed, in the query
    `[CLS] sentence [>] [MASK] x n [SEP]` where every visual word is masked (`text_to_video_query`: what text-to-video
    asks, and what a text-to-video fine-tune trains). A pair longer than `max_length` (default: the model's
    `max_position_embeddings`) keeps the video's first whole clips, and only their words are scored.

    The query holds no visual word, so it depends on the sentence and the number of masked words only: one forward
    pass serves every video of that length, and the cost grows with sentences x distinct lengths, not with the pairs.

    Args:
        model: a `VideoBertForMaskedLM` or `VideoBertForPreTraining` (best a text-to-video fine-tune).
        processor: the `VideoBertProcessor` of the model.
        texts: sentences, or their WordPiece ids (without special tokens).
        videos: visual token ids (codebook ids, or a list of words per clip) of each video; none may be empty.
        batch_size: distinct queries per forward pass.
    """
    text_ids = retrieval_sentence_ids(processor, texts, videos, batch_size)
    special = processor.special_ids
    max_length = max_length or model.config.max_position_embeddings
    device = next(model.parameters()).device
    model.eval()

    # each video's visual words in the joint vocabulary, grouped by their number (the query depends on it only)
    words = []
    for video in videos:
        query = text_to_video_query(None, video, special)
        words.append([i for i, codebook in zip(query["target_ids"], query["word_codebooks"]) if codebook])
    by_length = {}
    for column, ids in enumerate(words):
        by_length.setdefault(len(ids), []).append(column)
    # the distinct masked queries: per sentence and length, one query, which scores the first `kept` words of every
    # video of that length (a cut keeps whole clips, from the start)
    queries = {}
    for row, sentence in enumerate(text_ids):
        for length, columns in by_length.items():
            query = text_to_video_query(sentence, videos[columns[0]], special, max_length)
            visual = [i for i, codebook in enumerate(query["word_codebooks"]) if codebook]
            entry = queries.setdefault(tuple(query["input_ids"]), (query["token_type_ids"], visual, []))
            entry[2].append((row, length))
    targets = {length: torch.tensor([words[c] for c in columns]) for length, columns in by_length.items()}
    scores = torch.empty(len(text_ids), len(videos))
    ordered = list(queries.items())
    for start in tqdm(range(0, len(ordered), batch_size), desc="video likelihoods", disable=not show_progress):
        chunk = ordered[start : start + batch_size]
        batch = pad_videobert_batch([(list(key), types) for key, (types, _, _) in chunk], special.pad, device=device)
        logits = vocabulary_logits(model(**batch))
        for index, (_, (_, visual, members)) in enumerate(chunk):
            log_probs = logits[index, visual].float().log_softmax(-1).cpu()  # [kept words, vocabulary]
            positions = torch.arange(len(visual))
            for row, length in members:
                kept = targets[length][:, : len(visual)]
                scores[row, by_length[length]] = log_probs[positions, kept].sum(-1)
    return scores


def video_likelihood_scores(log_likelihoods: torch.Tensor) -> torch.FloatTensor:
    """
    Retrieval scores from `video_log_likelihoods` (`[sentences, videos]`): the pointwise mutual information
    `log p(video | sentence) - log p(video)`, with `p(video)` the mean of `p(video | sentence')` over the candidate
    sentences (a uniform prior over them). Ranking the sentences for a video this is the likelihood itself (the same
    `p(video)` for every sentence); ranking the videos for a sentence it removes what makes a video likely under any
    sentence (its length, its common words). Needs at least two sentences: with one, every video scores 0.
    """
    log_likelihoods = torch.as_tensor(log_likelihoods, dtype=torch.float32)
    if log_likelihoods.ndim != 2 or log_likelihoods.shape[0] < 2:
        raise ValueError(
            f"Scores from text to video compare each sentence with the others: need [sentences >= 2, videos], got "
            f"{tuple(log_likelihoods.shape)}."
        )
    marginal = log_likelihoods.logsumexp(dim=0) - torch.log(torch.tensor(float(log_likelihoods.shape[0])))
    return log_likelihoods - marginal


def out_of_vocabulary_score(visual_tokenizer, distances: torch.Tensor) -> float | None:
    """
    The share of clips (their distances to their visual token's centroid, `encode_with_distances`) that lie farther
    than `OUT_OF_VOCABULARY_PERCENTILE` % of the clips the codebook was fitted on: about 0.01 for video like the
    training videos, near 1 for video the visual vocabulary does not cover. `None` without clips, or for a tokenizer
    fitted before the fit-time distances were recorded.
    """
    reference = visual_tokenizer.fit_distance_percentiles
    if distances.numel() == 0 or bool(torch.isnan(reference).any()):
        return None
    threshold = reference[OUT_OF_VOCABULARY_PERCENTILE].to(distances.device)
    return float((distances > threshold).float().mean())


# ------------------------------------------------------------------------------------------------- pipelines
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
        if self.visual_tokenizer is not _own_visual_tokenizer(self.model):
            self.visual_tokenizer.to(self.device).eval()
        self.clip_batch_size = clip_batch_size

    def video_tokens(self, video: str | os.PathLike) -> tuple[list[int], torch.Tensor]:
        """
        The visual token ids (codebook ids) of a video file, clips streamed `clip_batch_size` at a time, and each
        clip's distance to its token's centroid.
        """
        if not isinstance(video, (str, os.PathLike)):
            raise TypeError(f"VideoBERT pipelines take video file paths, got {type(video).__name__}.")
        ids, distances = [], []
        for batch in self.processor.video_processor.iter_clips(video, batch_size=self.clip_batch_size):
            try:
                features = self.visual_tokenizer.get_clip_features(
                    batch["pixel_values_videos"], batch_size=self.clip_batch_size
                )
                batch_ids, batch_distances = self.visual_tokenizer.encode_with_distances(features)
            except NonFiniteFeaturesError as error:
                clip = len(ids) + error.row
                raise NonFiniteFeaturesError(f"{video}: clip {clip} of the video: {error}", row=clip) from error
            ids.extend(batch_ids.tolist())
            distances.append(batch_distances.cpu())
        return ids, torch.cat(distances) if distances else torch.empty(0)

    def save_pretrained(self, save_directory: str | os.PathLike, **kwargs):
        """
        Saves what `pipeline(task, model=save_directory)` needs: the model (with its code and `custom_pipelines`),
        the processor, and the visual tokenizer in the `visual_tokenizer/` subfolder when the model does not own one.
        """
        self.model.save_pretrained(save_directory, **kwargs)
        self.processor.save_pretrained(save_directory)
        if self.visual_tokenizer is not _own_visual_tokenizer(self.model):
            self.visual_tokenizer.save_pretrained(os.path.join(save_directory, VISUAL_TOKENIZER_SUBFOLDER))


class VideoBertZeroShotActionClassificationPipeline(_VideoBertVideoPipeline):
    """
    Zero-shot action classification of video files with the paper's protocol: `[CLS] <template> [>] <video> [SEP]`,
    the verb read from the template's first `[MASK]` and the noun from the second, ranking only the candidates.

    Call with a video path (or a list of them) and `verbs=[...]`, `nouns=[...]` (each a single WordPiece token),
    optionally `template=` (two `[MASK]`s, verb first), `top_k=` (default 5), `batch_size=` (videos per forward
    pass; the results do not depend on it) and, with several visual words per clip, `verb_codebooks=` /
    `noun_codebooks=` (the codebooks whose words each label's query sees, the others `[MASK]`; default all) with
    `combine_all_words=True` to multiply in the query that sees every word (see `zero_shot_action_classification`).
    `video_likelihood=True` reads from text to video instead (see `zero_shot_by_video_likelihood`): every (verb, noun)
    pair fills the template, the video's words are all `[MASK]`, and each label is scored by the likelihood of the
    words of its codebooks (`verb_codebooks` / `noun_codebooks`, default all), the other label averaged out; build the
    pipeline on a text-to-video model (the demo's `text_to_video/`). It costs `len(verbs) * len(nouns)` sequences per
    distinct video length in a batch (videos of one length share them), sent `pair_batch_size` at a time (default
    64). Each result is

    - `"verbs"`, `"nouns"`: `[{"label", "score"}]`, best first, scores being the softmax over the candidates (reading
      from text to video: of their log-likelihoods, the posterior under a uniform prior);
    - `"num_clips"`: the video's number of clips;
    - `"out_of_vocabulary_score"`: the share of the video's clips that lie farther from their visual token's centroid
      than 99 % of the clips the codebook was fitted on (about 0.01 for video like the training videos; near 1 when
      the visual vocabulary does not cover the video, and the scores say little). `None` for a video without clips
      or a visual tokenizer fitted before these statistics were recorded;
    - `"codebook_distance"`: `{"mean", "training_median", "training_p99"}`, the mean distance of the video's clips to
      their centroids beside the median and 99th percentile of the fitted clips' (`None` where unknown).

    A video shorter than one clip gives `num_clips == 0` and the text-only language prior (the template alone), with
    a warning; reading from text to video there is nothing to score, and every label gets the same score, with a
    warning. An unreadable file raises `VideoDecodingError` naming it.
    """

    def _sanitize_parameters(
        self,
        verbs=None,
        nouns=None,
        template=None,
        top_k=None,
        verb_codebooks=None,
        noun_codebooks=None,
        combine_all_words=None,
        video_likelihood=None,
        pair_batch_size=None,
        **kwargs,
    ):
        if kwargs:
            raise TypeError(f"Unexpected arguments {sorted(kwargs)}.")
        preprocess_params, forward_params, postprocess_params = {}, {}, {}
        if video_likelihood:
            if combine_all_words:
                raise ValueError(
                    "combine_all_words combines fill-mask queries; it does not apply to video_likelihood."
                )
            if pair_batch_size is not None and pair_batch_size < 1:
                raise ValueError(f"pair_batch_size must be >= 1, got {pair_batch_size}.")
            forward_params["pair_batch_size"] = pair_batch_size or 64
            preprocess_params["video_likelihood"] = True
        for name, shown in (("verb_codebooks", verb_codebooks), ("noun_codebooks", noun_codebooks)):
            if shown is not None:
                check_shown_codebooks(name, shown, self.processor.special_ids.num_codebooks)
                preprocess_params[name] = list(shown)
        if verbs is not None:
            preprocess_params["verbs"] = postprocess_params["verbs"] = list(verbs)
        if nouns is not None:
            preprocess_params["nouns"] = postprocess_params["nouns"] = list(nouns)
        if template is not None:
            preprocess_params["template"] = template
        if combine_all_words:
            preprocess_params["combine_all_words"] = True
        if top_k is not None:
            postprocess_params["top_k"] = top_k
        return preprocess_params, forward_params, postprocess_params

    def preprocess(
        self,
        video,
        verbs=None,
        nouns=None,
        template=PAPER_TEMPLATE,
        verb_codebooks=None,
        noun_codebooks=None,
        combine_all_words=False,
        video_likelihood=False,
    ):
        if verbs is None or nouns is None:
            raise ValueError("Pass the candidate labels: verbs=[...] and nouns=[...].")
        tokenizer = self.processor.tokenizer
        template_ids, mask_positions = template_mask_positions(tokenizer, template)
        candidates = {
            "candidate_verb_ids": torch.tensor([single_token_ids(tokenizer, verbs, "verb")]),
            "candidate_noun_ids": torch.tensor([single_token_ids(tokenizer, nouns, "noun")]),
        }
        video_ids, distances = self.video_tokens(video)
        if not video_ids:
            logger.warning(f"{video} is shorter than one clip: its scores are the template's language prior.")
        budget = self.model.config.max_position_embeddings - len(template_ids) - num_special_tokens(True, True)
        if budget < 1:
            raise ValueError("The template leaves no room for video in the model's positions.")
        special = self.processor.special_ids
        oov = out_of_vocabulary_score(self.visual_tokenizer, distances)
        extras = {
            "mask_positions": torch.tensor([[part_positions(len(template_ids), 1)[0][p] for p in mask_positions]]),
            "num_clips": torch.tensor([len(video_ids)]),
            "out_of_vocabulary_score": torch.tensor([float("nan") if oov is None else oov]),
            "mean_distance": torch.tensor([float(distances.mean()) if distances.numel() else float("nan")]),
        }
        if video_likelihood:
            if not video_ids:
                logger.warning(f"{video} is shorter than one clip: read from text to video, every label scores alike.")
            query = text_to_video_query(template_ids, first_clips(video_ids, special, budget), special)
            tensors = {name: torch.tensor([ids]) for name, ids in query.items()}
            # the candidates and the codebooks scoring each label, as tensors that batch with the video
            every = list(range(special.num_codebooks))
            scored = [[float(c in (shown or every)) for c in every] for shown in (verb_codebooks, noun_codebooks)]
            candidates["scored_codebooks"] = torch.tensor([scored])
            return {**tensors, "attention_mask": torch.ones_like(tensors["input_ids"]), **candidates, **extras}
        ids, types = build_videobert_inputs(template_ids, first_clips(video_ids, special, budget), special)
        # the verb's query and, when it sees other codebooks' words, the noun's (a second forward pass)
        verb_ids, noun_ids = (
            ids if shown is None else hide_codebooks([(ids, types)], special, shown)[0][0]
            for shown in (verb_codebooks, noun_codebooks)
        )
        noun_query = {"noun_input_ids": torch.tensor([noun_ids])} if noun_codebooks != verb_codebooks else {}
        if combine_all_words and (verb_codebooks is not None or noun_codebooks is not None):
            # which label's query the every-word query multiplies: 1 where that label sees only some codebooks
            combined = [float(shown is not None) for shown in (verb_codebooks, noun_codebooks)]
            noun_query |= {"all_input_ids": torch.tensor([ids]), "combined": torch.tensor([combined])}
        # every value a tensor with a batch dimension of 1: transformers' collate pads and stacks them for batch_size > 1
        return {
            "input_ids": torch.tensor([verb_ids]),
            **noun_query,
            "token_type_ids": torch.tensor([types]),
            "attention_mask": torch.ones(1, len(ids), dtype=torch.long),
            **extras,
        }

    def _forward(self, model_inputs, pair_batch_size=64):
        extras = {
            key: model_inputs.pop(key)
            for key in ("mask_positions", "num_clips", "out_of_vocabulary_score", "mean_distance")
        }
        if "candidate_verb_ids" in model_inputs:  # read from text to video (the same candidates for every video)
            verb_ids, noun_ids = (model_inputs.pop(f"candidate_{name}_ids")[0].tolist() for name in ("verb", "noun"))
            verb_codebooks, noun_codebooks = (
                row.nonzero().flatten().tolist() for row in model_inputs.pop("scored_codebooks")[0]
            )
            verb_scores, noun_scores = video_likelihood_label_scores(
                self.model, model_inputs, extras.pop("mask_positions"), verb_ids, noun_ids, verb_codebooks,
                noun_codebooks, pair_batch_size,
            )  # fmt: skip
            # a video without clips has no word to score: its sums are 0 and every label the same score
            return {"verb_scores": verb_scores, "noun_scores": noun_scores, **extras}
        noun_input_ids = model_inputs.pop("noun_input_ids", None)
        all_input_ids, combined = model_inputs.pop("all_input_ids", None), model_inputs.pop("combined", None)
        logits = vocabulary_logits(self.model(**model_inputs))
        rows = torch.arange(logits.shape[0], device=logits.device)[:, None]
        positions = extras.pop("mask_positions").to(logits.device)
        mask_logits = logits[rows, positions]  # [batch, 2 (the verb's [MASK], the noun's), vocabulary]
        if noun_input_ids is not None:  # the noun's query sees other codebooks' words
            noun_logits = vocabulary_logits(self.model(**(model_inputs | {"input_ids": noun_input_ids})))
            mask_logits = torch.stack([mask_logits[:, 0], noun_logits[rows[:, 0], positions[:, 1]]], 1)
        if all_input_ids is not None:  # the query that sees every word, multiplied in by postprocess
            all_logits = vocabulary_logits(self.model(**(model_inputs | {"input_ids": all_input_ids})))
            extras |= {"all_mask_logits": all_logits[rows, positions], "combined": combined}
        # first key: a batch tensor, which transformers' unbatching reads the batch size from
        return {"mask_logits": mask_logits, **extras}

    def postprocess(self, model_outputs, verbs=None, nouns=None, top_k=5):
        tokenizer = self.processor.tokenizer
        result = {}
        for slot, (name, labels) in enumerate((("verbs", verbs), ("nouns", nouns))):
            if "verb_scores" in model_outputs:  # read from text to video: the label scores, one per candidate
                scores = model_outputs[f"{name[:-1]}_scores"][0].float().softmax(dim=-1)
            else:
                ids = single_token_ids(tokenizer, labels, name[:-1])
                scores = model_outputs["mask_logits"][0].float()[slot, ids].softmax(dim=-1)
            if "all_mask_logits" in model_outputs and model_outputs["combined"][0, slot]:
                every_word = model_outputs["all_mask_logits"][0, slot, ids].float().log_softmax(dim=-1)
                scores = (scores.log() + every_word).softmax(dim=-1)  # the two softmaxes' product, renormalised
            top = scores.topk(min(top_k, len(labels)))
            result[name] = [
                {"label": labels[i], "score": s} for s, i in zip(top.values.tolist(), top.indices.tolist())
            ]

        def known(value) -> float | None:
            value = float(value.reshape(-1)[0])
            return None if value != value else value  # NaN: unknown

        reference = self.visual_tokenizer.fit_distance_percentiles.tolist()
        result["num_clips"] = int(model_outputs["num_clips"].reshape(-1)[0])
        result["out_of_vocabulary_score"] = known(model_outputs["out_of_vocabulary_score"])
        result["codebook_distance"] = {
            "mean": known(model_outputs["mean_distance"]),
            "training_median": known(torch.tensor(reference[50])),
            "training_p99": known(torch.tensor(reference[OUT_OF_VOCABULARY_PERCENTILE])),
        }
        return result


class VideoBertVideoTextRetrievalPipeline(_VideoBertVideoPipeline):
    """
    Video-text retrieval with the alignment head: `retriever(videos=[paths], texts=[sentences])` scores every
    (sentence, video) pair by P(aligned) = `softmax(logits)[:, 1]`, tokenizing each video once and sending the pairs
    through the model `pair_batch_size` at a time (default 64; `batch_size=` is taken as `pair_batch_size`, as the
    pairs of one call are its batch). Returns
    `{"scores": [[P(text i, video j)]], "text_to_video": [{"text", "ranking": [{"video", "score"}]}],
    "video_to_text": [{"video", "out_of_vocabulary_score", "ranking": [{"text", "score"}]}], "skipped_videos": [...]}`,
    rankings best first and cut to `top_k` when given (`out_of_vocabulary_score` as in the zero-shot pipeline). A
    video shorter than one clip cannot be scored: it is listed in `skipped_videos` and left out of the rankings. A
    video longer than the model allows is cut (longest part first).

    `video_likelihood=True` scores from text to video instead, with a fill-mask model (`VideoBertForMaskedLM`, best a
    text-to-video fine-tune, passed as `model=`): each pair's score is `video_likelihood_scores`, the log-likelihood of
    the video's visual words under the sentence with the whole video masked, less its mean over the given sentences
    (so it needs two sentences or more). `pair_batch_size` then counts distinct queries (sentence x video length).
    """

    def __call__(self, videos: str | Sequence[str], texts: str | Sequence[str], **kwargs):
        videos = [videos] if isinstance(videos, (str, os.PathLike)) else list(videos)
        texts = [texts] if isinstance(texts, str) else list(texts)
        if not videos or not texts:
            raise ValueError(
                f"Retrieval needs videos and sentences, got {len(videos)} videos and {len(texts)} sentences."
            )
        batch_size = kwargs.pop("batch_size", None)
        if batch_size is not None:
            kwargs.setdefault("pair_batch_size", batch_size)
        return super().__call__({"videos": videos, "texts": texts}, **kwargs)

    def _sanitize_parameters(self, top_k=None, pair_batch_size=None, video_likelihood=None, **kwargs):
        if kwargs:
            raise TypeError(f"Unexpected arguments {sorted(kwargs)}.")
        if pair_batch_size is not None and pair_batch_size < 1:
            raise ValueError(f"pair_batch_size must be >= 1, got {pair_batch_size}.")
        forward_params = {"pair_batch_size": pair_batch_size} if pair_batch_size is not None else {}
        preprocess_params = {}
        if video_likelihood is not None:
            forward_params["video_likelihood"] = preprocess_params["video_likelihood"] = bool(video_likelihood)
        postprocess_params = {"top_k": top_k} if top_k is not None else {}
        return preprocess_params, forward_params, postprocess_params

    def preprocess(self, inputs, video_likelihood=False):
        texts = inputs["texts"]
        if any(not isinstance(t, str) or not t.strip() for t in texts):
            raise ValueError("texts holds an empty sentence.")
        if video_likelihood and len(texts) < 2:
            raise ValueError(
                "video_likelihood ranks by how much more likely a sentence makes a video than the other sentences do: "
                f"pass two sentences or more, got {len(texts)}."
            )
        video_ids, kept, skipped, oov = [], [], [], []
        for video in inputs["videos"]:
            ids, distances = self.video_tokens(video)
            if ids:
                video_ids.append(ids)
                kept.append(os.fspath(video))
                oov.append(out_of_vocabulary_score(self.visual_tokenizer, distances))
            else:
                logger.warning(f"{video} is shorter than one clip: it cannot be scored and is left out.")
                skipped.append(os.fspath(video))
        if not kept:
            raise ValueError(f"None of the videos {skipped} holds one clip: nothing to score.")
        return {"texts": texts, "videos": kept, "video_ids": video_ids, "skipped_videos": skipped, "oov": oov}

    def _forward(self, model_inputs, pair_batch_size=64, video_likelihood=False):
        if video_likelihood:
            log_likelihoods = video_log_likelihoods(
                self.model, self.processor, model_inputs["texts"], model_inputs["video_ids"],
                batch_size=pair_batch_size, show_progress=False,
            )  # fmt: skip
            return {**model_inputs, "scores": video_likelihood_scores(log_likelihoods)}
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
                {
                    "video": v,
                    "out_of_vocabulary_score": model_outputs["oov"][j],
                    "ranking": ranking(scores[:, j], texts, "text"),
                }
                for j, v in enumerate(videos)
            ],
            "skipped_videos": model_outputs["skipped_videos"],
        }


# task -> (pipeline class, the Auto class a checkpoint loads with for it): registered here, and declared in the
# `config.custom_pipelines` of every encoder checkpoint that `VideoBertPreTrainedModel.save_pretrained` writes.
PIPELINES = {
    ZERO_SHOT_TASK: (VideoBertZeroShotActionClassificationPipeline, VideoBertForMaskedLM, "AutoModelForMaskedLM"),
    RETRIEVAL_TASK: (
        VideoBertVideoTextRetrievalPipeline,
        VideoBertForVideoTextAlignment,
        "AutoModelForNextSentencePrediction",
    ),
}
for _task, (_pipeline_class, _model_class, _auto_class) in PIPELINES.items():
    PIPELINE_REGISTRY.register_pipeline(
        _task, pipeline_class=_pipeline_class, pt_model=_model_class, type="multimodal"
    )
    VideoBertPreTrainedModel.custom_pipeline_classes[_task] = (_pipeline_class, _auto_class)


__all__ = [
    "OUT_OF_VOCABULARY_PERCENTILE",
    "PAPER_TEMPLATE",
    "PIPELINES",
    "RETRIEVAL_TASK",
    "VISUAL_TOKENIZER_SUBFOLDER",
    "ZERO_SHOT_TASK",
    "VideoBertVideoTextRetrievalPipeline",
    "VideoBertZeroShotActionClassificationPipeline",
    "alignment_probabilities",
    "alignment_scores",
    "out_of_vocabulary_score",
    "resolve_visual_tokenizer",
    "retrieval_sentence_ids",
    "single_token_ids",
    "template_mask_positions",
    "text_to_video_query",
    "video_likelihood_label_scores",
    "video_likelihood_scores",
    "video_log_likelihoods",
    "vocabulary_logits",
]
