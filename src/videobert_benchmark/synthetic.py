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
"""A seeded, generated-on-the-fly stand-in for instructional cooking videos (YouCook II / HowTo100M style).

Every video is a sequence of steps; a step shows one *(verb, noun)* action for a few seconds: the noun is an object
with its own shape and colour, the verb is both a motion and a large, high-contrast appearance cue visible in every
single frame of the step (a knife and a cut object for `slice`, a dark pan for `fry`, a pot with bubbles for
`boil`, ...). An ASR-like transcript talks about the steps with varied phrasings, filler sentences and timing jitter.
The link between what is said and what is shown is therefore real and learnable on a CPU in minutes.

Vocabulary (every word is one whole-word WordPiece token of BERT's uncased vocabulary):

    VERBS = ("slice", "peel", "stir", "pour", "fry", "boil", "shake", "lift")
    NOUNS = ("tomato", "onion", "carrot", "egg", "potato", "pepper", "lemon", "apple")

API:

    SyntheticCookingConfig(num_verbs=8, num_nouns=8, frame_size=64, fps=20.0, step_seconds=(3.0, 5.0),
                           steps_per_video=(3, 6), gap_seconds=(0.0, 1.0), num_unseen_diagonals=1,
                           distractor_prob=0.3, filler_prob=0.35, asr_jitter_seconds=0.75, crf=18, seed=0,
                           num_train_videos=64, num_heldout_videos=16, num_unseen_videos=16,
                           step_order="recipe")
    split_pairs(config) -> (train_pairs, unseen_pairs)           # lists of (verb, noun)
    render_step_frames(verb, noun, num_frames, *, size=64, fps=20.0, seed=0, background=None,
                       distractor_prob=0.3) -> np.ndarray       # uint8 [num_frames, size, size, 3] RGB
    generate_video(pairs, *, config=None, seed=0, path=None, video_id="video") -> SyntheticVideo
        # renders the steps `pairs` in order; with `path`, encodes an H.264 MP4 (streamed, `frames` is None),
        # without, returns the frames in `SyntheticVideo.frames`
    generate_benchmark(output_dir, num_train_videos=None, num_heldout_videos=None, num_unseen_videos=None,
                       config=None, num_workers=0, progress=True) -> dict[str, SyntheticSplit]
    canonical_sentence(verb, noun) -> "slice the tomato on the board"

Splits (`SPLITS`): `train`; `heldout`: new videos (new positions, sizes, speeds, backgrounds) of verb-noun pairs
that the generated `train` split shows; `unseen_pairs`: verb-noun pairs never shown together in `train`. The unseen
pairs are a Latin-square subset, fixed whatever the seed: `num_unseen_diagonals` diagonals
`{(VERBS[i], NOUNS[(i + d) % num_nouns])}`, so every verb and every noun still appears in `train` with other partners.
Steps of a split cycle through its pairs diagonal by diagonal, so even a handful of videos covers every verb and noun.
A diagonal is a *recipe*: with `step_order="recipe"` (the default) its steps always come in the recipe's own order (a
permutation drawn from the seed, the same in every split; the unseen pairs' recipe has one too), as a cooking video's
steps do, so what happens next is learnable from the training videos; `"random"` (the benchmark until 2026-12-06)
draws a new order every time, which leaves a forecaster nothing to learn about the next step.

Files written by `generate_benchmark(output_dir)`:

    output_dir/benchmark.json            vocabulary, train / unseen pairs, the config, and the split folders
    output_dir/<split>/videos/<video_id>.mp4
        H.264 (libx264, yuv420p, crf `config.crf`), `frame_size`^2 px at `fps`; bit-identical on any machine and
        in any process (`X264_DETERMINISTIC`, `rgb_to_yuv420p`)
    output_dir/<split>/youcookii_annotations.json
        YouCook II format: {"database": {video_id: {"duration": s, "subset": "training" | "validation",
        "recipe_type": "<index of the main noun>", "video_url": "", "annotations": [{"id": i, "segment": [start, end],
        "sentence": "slice the tomato on the board", "verb": "slice", "noun": "tomato"}]}}}
        -- the ground-truth steps; the labels are the extra `verb` / `noun` keys of every annotation.
        `train` is "training", `heldout` and `unseen_pairs` are "validation".
    output_dir/<split>/captions.csv
        HowTo100M-style ASR captions, header `video_id,start,end,text`, one row per sentence, lowercase, no
        punctuation, times in seconds inside [0, duration].

Determinism: every video is drawn from its own `numpy.random.SeedSequence([seed, split_index, video_index])`, so the
same seed gives byte-identical annotation / caption files and identical decoded frames, whatever `num_workers`.
"""

import colorsys
import csv
import json
import math
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field

import numpy as np
from tqdm.auto import tqdm

from .video_writer import write_video


VERBS = ("slice", "peel", "stir", "pour", "fry", "boil", "shake", "lift")
NOUNS = ("tomato", "onion", "carrot", "egg", "potato", "pepper", "lemon", "apple")

# Every noun: its own shape and its own colour.
NOUN_SHAPES = {
    "tomato": "circle",
    "onion": "diamond",
    "carrot": "triangle",
    "egg": "ellipse",
    "potato": "square",
    "pepper": "cross",
    "lemon": "star",
    "apple": "hexagon",
}
NOUN_COLORS = {
    "tomato": (220, 30, 30),
    "onion": (150, 50, 175),
    "carrot": (250, 125, 0),
    "egg": (250, 245, 225),
    "potato": (165, 115, 55),
    "pepper": (30, 160, 40),
    "lemon": (250, 225, 20),
    "apple": (240, 70, 150),
}
# Every verb: a motion and a large appearance cue (one line each; drawn by `_VERB_DRAWERS`).
VERB_CUES = {
    "slice": "object cut in two halves on a pale board, a large silver knife chopping in the gap",
    "peel": "object with a pale peeled patch and thick yellow-green peel strips curling around it",
    "stir": "object circling inside a large blue bowl, a white spoon stirring",
    "pour": "a dark jug at the top and a wide cyan stream with falling drops onto the object, a growing puddle",
    "fry": "object bouncing on a large black pan with a handle, browning, with oil sparks",
    "boil": "object bobbing in a grey pot of water, white bubbles rising",
    "shake": "object jittering fast sideways with faded copies and thick black motion lines",
    "lift": "object rising and falling in a skin-coloured hand coming from the top, a shadow below",
}

SPLITS = ("train", "heldout", "unseen_pairs")
STEP_ORDERS = ("random", "recipe")
_SPLIT_SUBSETS = {"train": "training", "heldout": "validation", "unseen_pairs": "validation"}

STEP_TEMPLATES = (
    "now we {verb} the {noun}",
    "let me show you how to {verb} the {noun}",
    "next {verb} the {noun}",
    "now {verb} the {noun}",
    "then you {verb} the {noun}",
    "we are going to {verb} the {noun} now",
    "go ahead and {verb} the {noun}",
    "i like to {verb} the {noun} like this",
    "so we {verb} the {noun}",
    "after that {verb} the {noun} for a bit",
    "it is time to {verb} the {noun}",
    "you want to {verb} the {noun} carefully",
)
# Said during a step, about its object only.
NOUN_REMARKS = (
    "the {noun} should look like this",
    "make sure the {noun} is fresh",
    "i always buy the {noun} at the market",
    "be careful with the {noun}",
)
FILLER_SENTENCES = (
    "do not forget to subscribe",
    "this is my favourite part",
    "hi everyone welcome back to my kitchen",
    "thanks for watching",
    "it smells so good already",
    "my grandmother taught me this recipe",
    "let me know in the comments",
    "okay so",
    "that looks great",
    "you can find the full recipe below",
    "this is really easy",
    "see you next time",
)


# The annotation sentence of every verb: an instruction naming what the frames show (YouCook II's sentences are
# instructions of 5-15 words), long enough for 4-grams, so BLEU-4 measures whether a caption names verb and noun.
CANONICAL_TEMPLATES = {
    "slice": "slice the {noun} on the board",
    "peel": "peel the skin off the {noun}",
    "stir": "stir the {noun} in a bowl",
    "pour": "pour water over the {noun}",
    "fry": "fry the {noun} in a pan",
    "boil": "boil the {noun} in a pot",
    "shake": "shake the {noun} back and forth",
    "lift": "lift the {noun} by hand",
}


def canonical_sentence(verb: str, noun: str) -> str:
    """The ground-truth sentence of a step, as written in the YouCook II annotation file (a verb of `VERBS` has its
    own instruction in `CANONICAL_TEMPLATES`, any other `"{verb} the {noun}"`)."""
    return CANONICAL_TEMPLATES.get(verb, "{verb} the {noun}").format(verb=verb, noun=noun)


@dataclass
class SyntheticCookingConfig:
    """Everything that shapes a synthetic benchmark (vocabulary size, rendering, timing, transcript, split sizes)."""

    num_verbs: int = 8
    num_nouns: int = 8
    frame_size: int = 64
    fps: float = 20.0
    step_seconds: tuple[float, float] = (3.0, 5.0)
    steps_per_video: tuple[int, int] = (3, 6)
    gap_seconds: tuple[float, float] = (0.0, 1.0)
    num_unseen_diagonals: int = 1
    distractor_prob: float = 0.3
    filler_prob: float = 0.35
    asr_jitter_seconds: float = 0.75
    crf: int = 18
    seed: int = 0
    num_train_videos: int = 64
    num_heldout_videos: int = 16
    num_unseen_videos: int = 16
    step_order: str = "recipe"

    def __post_init__(self):
        if not 2 <= self.num_verbs <= len(VERBS):
            raise ValueError(f"num_verbs must be in [2, {len(VERBS)}], got {self.num_verbs}")
        if not 2 <= self.num_nouns <= len(NOUNS):
            raise ValueError(f"num_nouns must be in [2, {len(NOUNS)}], got {self.num_nouns}")
        if self.frame_size < 16:
            raise ValueError(f"frame_size must be >= 16, got {self.frame_size}")
        if self.fps <= 0:
            raise ValueError(f"fps must be > 0, got {self.fps}")
        self.step_seconds = tuple(float(x) for x in self.step_seconds)
        self.steps_per_video = tuple(int(x) for x in self.steps_per_video)
        self.gap_seconds = tuple(float(x) for x in self.gap_seconds)
        if not 0 < self.step_seconds[0] <= self.step_seconds[1]:
            raise ValueError(f"step_seconds must be (low, high) with 0 < low <= high, got {self.step_seconds}")
        if not 1 <= self.steps_per_video[0] <= self.steps_per_video[1]:
            raise ValueError(f"steps_per_video must be (low, high) with 1 <= low <= high, got {self.steps_per_video}")
        if not 0 <= self.gap_seconds[0] <= self.gap_seconds[1]:
            raise ValueError(f"gap_seconds must be (low, high) with 0 <= low <= high, got {self.gap_seconds}")
        if not 1 <= self.num_unseen_diagonals < self.num_nouns:
            raise ValueError(f"num_unseen_diagonals must be in [1, num_nouns - 1], got {self.num_unseen_diagonals}")
        if self.step_order not in STEP_ORDERS:
            raise ValueError(f"step_order must be one of {STEP_ORDERS}, got {self.step_order!r}")

    @property
    def verbs(self) -> tuple[str, ...]:
        return VERBS[: self.num_verbs]

    @property
    def nouns(self) -> tuple[str, ...]:
        return NOUNS[: self.num_nouns]


@dataclass
class SyntheticStep:
    """One ground-truth step: the action `verb the noun` is shown from `start` to `end` (seconds)."""

    start: float
    end: float
    verb: str
    noun: str


@dataclass
class TranscriptSentence:
    """One ASR-like sentence, said from `start` to `end` (seconds)."""

    start: float
    end: float
    text: str


@dataclass
class SyntheticVideo:
    """A generated video: its steps, its transcript, and either the file it was written to or its frames."""

    video_id: str
    duration: float
    num_frames: int
    fps: float
    steps: list[SyntheticStep]
    transcript: list[TranscriptSentence]
    path: str | None = None
    frames: np.ndarray | None = field(default=None, repr=False)


@dataclass
class SyntheticSplit:
    """The files of one split written by `generate_benchmark`."""

    name: str
    directory: str
    video_dir: str
    annotation_file: str
    caption_file: str
    video_ids: list[str]


# ----------------------------------------------------------------------------------------------------------------
# Splits: which verb-noun pairs are shown where


def _unseen_offsets(config: SyntheticCookingConfig) -> list[int]:
    offsets = []
    for k in range(config.num_nouns):
        d = (1 + 3 * k) % config.num_nouns
        if d not in offsets:
            offsets.append(d)
        if len(offsets) == config.num_unseen_diagonals:
            return offsets
    for d in range(config.num_nouns):  # 3 shares a factor with num_nouns: fill up in order
        if d not in offsets:
            offsets.append(d)
        if len(offsets) == config.num_unseen_diagonals:
            break
    return offsets


def _diagonals(config: SyntheticCookingConfig) -> tuple[list[list[tuple[str, str]]], list[list[tuple[str, str]]]]:
    """All verb-noun pairs partitioned into diagonals `d`: {(verb i, noun (i + d) % num_nouns)}; (train, unseen)."""
    verbs, nouns = config.verbs, config.nouns
    unseen = set(_unseen_offsets(config))
    train_diagonals, unseen_diagonals = [], []
    for d in range(config.num_nouns):
        diagonal = [(verbs[i], nouns[(i + d) % config.num_nouns]) for i in range(config.num_verbs)]
        (unseen_diagonals if d in unseen else train_diagonals).append(diagonal)
    train_pairs = [p for diagonal in train_diagonals for p in diagonal]
    for name, vocab, index in (("verb", verbs, 0), ("noun", nouns, 1)):
        missing = set(vocab) - {p[index] for p in train_pairs}
        if missing:
            raise ValueError(
                f"With num_unseen_diagonals={config.num_unseen_diagonals}, the {name}(s) {sorted(missing)} would "
                "never appear in train; lower num_unseen_diagonals"
            )
    return train_diagonals, unseen_diagonals


def split_pairs(config: SyntheticCookingConfig | None = None) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The verb-noun pairs shown in `train` (and `heldout`), and those held out for `unseen_pairs`."""
    train_diagonals, unseen_diagonals = _diagonals(config or SyntheticCookingConfig())
    return [p for d in train_diagonals for p in d], [p for d in unseen_diagonals for p in d]


def _recipe(config: SyntheticCookingConfig, diagonal: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A diagonal's steps in its recipe's order: a permutation drawn from the seed and the diagonal, the same in
    every split."""
    offset = (config.nouns.index(diagonal[0][1]) - config.verbs.index(diagonal[0][0])) % config.num_nouns
    order = np.random.default_rng(np.random.SeedSequence([config.seed, offset, 2_000_003])).permutation(len(diagonal))
    return [diagonal[i] for i in order]


def _split_plan(
    config: SyntheticCookingConfig, split: str, num_videos: int, allowed: set[tuple[str, str]] | None = None
) -> list[list[tuple[str, str]]]:
    """The (verb, noun) steps of every video of a split: cycle through its diagonals (`allowed` pairs only)."""
    train_diagonals, unseen_diagonals = _diagonals(config)
    diagonals = unseen_diagonals if split == "unseen_pairs" else train_diagonals
    if config.step_order == "recipe":
        diagonals = [_recipe(config, diagonal) for diagonal in diagonals]
    if allowed is not None:
        diagonals = [[p for p in diagonal if p in allowed] for diagonal in diagonals]
        diagonals = [diagonal for diagonal in diagonals if diagonal]
    rng = np.random.default_rng(np.random.SeedSequence([config.seed, SPLITS.index(split), 1_000_003]))
    low, high = config.steps_per_video
    counts = rng.integers(low, high + 1, size=num_videos)

    def cycle() -> Iterator[tuple[str, str]]:
        while True:
            for d in rng.permutation(len(diagonals)):
                if config.step_order == "recipe":
                    yield from diagonals[d]
                else:
                    for i in rng.permutation(len(diagonals[d])):
                        yield diagonals[d][i]

    stream = cycle()
    return [[next(stream) for _ in range(int(n))] for n in counts]


# ----------------------------------------------------------------------------------------------------------------
# Rendering (numpy masks on a pixel grid)


class _Canvas:
    """A frame with its pixel-centre grid; drawing = boolean masks filled with a colour.

    Every primitive evaluates its mask on its bounding box only and returns a full-frame boolean mask.
    """

    def __init__(self, size: int):
        self.size = size
        coords = np.arange(size, dtype=np.float32) + 0.5
        self.yy, self.xx = np.meshgrid(coords, coords, indexing="ij")
        self.frame = np.empty((size, size, 3), dtype=np.uint8)

    def _masked(self, x0, y0, x1, y1, fn) -> np.ndarray:
        """`fn(xx, yy)` on the pixels of the box [x0, x1] x [y0, y1]; False elsewhere."""
        mask = np.zeros((self.size, self.size), dtype=bool)
        i0, i1 = max(0, int(math.floor(y0))), min(self.size, int(math.ceil(y1)) + 1)
        j0, j1 = max(0, int(math.floor(x0))), min(self.size, int(math.ceil(x1)) + 1)
        if i0 < i1 and j0 < j1:
            mask[i0:i1, j0:j1] = fn(self.xx[i0:i1, j0:j1], self.yy[i0:i1, j0:j1])
        return mask

    def fill(self, mask: np.ndarray, color) -> None:
        np.copyto(self.frame, np.asarray(color, dtype=np.uint8), where=mask[..., None])

    def blend(self, mask: np.ndarray, color, alpha: float) -> None:
        mixed = self.frame * np.float32(1 - alpha) + np.asarray(color, np.float32) * np.float32(alpha)
        np.copyto(self.frame, mixed.astype(np.uint8), where=mask[..., None])

    def disc(self, cx, cy, r):
        return self._masked(cx - r, cy - r, cx + r, cy + r, lambda x, y: (x - cx) ** 2 + (y - cy) ** 2 <= r * r)

    def ellipse(self, cx, cy, rx, ry):
        return self._masked(
            cx - rx, cy - ry, cx + rx, cy + ry, lambda x, y: ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1.0
        )

    def rect(self, x0, y0, x1, y1):
        return self._masked(x0, y0, x1, y1, lambda x, y: (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))

    def segment(self, x0, y0, x1, y1, width):
        dx, dy, half = x1 - x0, y1 - y0, width / 2
        norm = max(dx * dx + dy * dy, 1e-6)

        def fn(x, y):
            t = np.clip(((x - x0) * dx + (y - y0) * dy) / norm, 0.0, 1.0)
            return (x - x0 - t * dx) ** 2 + (y - y0 - t * dy) ** 2 <= half * half

        return self._masked(min(x0, x1) - half, min(y0, y1) - half, max(x0, x1) + half, max(y0, y1) + half, fn)

    def arc(self, cx, cy, r0, r1, start, span):
        """Ring sector between radii r0 and r1, from angle `start` over `span` radians (span <= pi)."""
        ux, uy = math.cos(start), math.sin(start)
        vx, vy = math.cos(start + span), math.sin(start + span)

        def fn(x, y):
            dx, dy = x - cx, y - cy
            rho2 = dx * dx + dy * dy
            inside = (ux * dy - uy * dx >= 0) & (dx * vy - dy * vx >= 0)
            return (rho2 >= r0 * r0) & (rho2 <= r1 * r1) & inside

        return self._masked(cx - r1, cy - r1, cx + r1, cy + r1, fn)

    def shape(self, shape: str, cx, cy, r):
        return self._masked(
            cx - 1.3 * r, cy - 1.3 * r, cx + 1.3 * r, cy + 1.3 * r, lambda x, y: _shape(shape, x - cx, y - cy, r)
        )


def _shape(shape: str, dx: np.ndarray, dy: np.ndarray, r: float) -> np.ndarray:
    """Mask of a noun shape of radius ~`r` at offsets (dx, dy) from its centre."""
    if shape == "circle":
        return dx * dx + dy * dy <= r * r
    if shape == "ellipse":
        return (dx / (1.25 * r)) ** 2 + (dy / (0.8 * r)) ** 2 <= 1.0
    if shape == "square":
        return (np.abs(dx) <= 0.85 * r) & (np.abs(dy) <= 0.85 * r)
    if shape == "diamond":
        return np.abs(dx) / (0.85 * r) + np.abs(dy) / (1.2 * r) <= 1.0
    if shape == "cross":
        w = 0.38 * r
        ax, ay = np.abs(dx), np.abs(dy)
        return ((ax <= w) & (ay <= r)) | ((ay <= w) & (ax <= r))
    rho = np.sqrt(dx * dx + dy * dy)
    theta = np.arctan2(dy, dx) + np.pi / 2  # 0 = pointing up
    if shape == "star":
        sector = 2 * np.pi / 5
        phi = np.abs(np.mod(theta, sector) - sector / 2) / (sector / 2)  # 1 at a point, 0 between two
        return rho <= 1.15 * r * (0.45 + 0.55 * phi**2)
    sides = {"triangle": 3, "hexagon": 6}[shape]
    scale = 1.25 if sides == 3 else 1.0
    sector = 2 * np.pi / sides
    phi = np.mod(theta, sector) - sector / 2
    return rho * np.cos(phi) <= scale * r * math.cos(math.pi / sides)


@dataclass
class _Scene:
    """Sampled appearance of one step instance (pixels)."""

    verb: str | None
    noun: str | None
    size: int
    cx: float
    cy: float
    r: float
    speed: float
    phase: float
    background: np.ndarray
    distractor: tuple[str, float, float, float] | None
    extra: np.ndarray


def _background_image(size: int, rgb: tuple[int, int, int], table_y: float) -> np.ndarray:
    image = np.empty((size, size, 3), dtype=np.uint8)
    image[:] = rgb
    image[int(table_y) :] = (np.asarray(rgb, np.float32) * 0.72).astype(np.uint8)
    return image


def _sample_background_rgb(rng: np.random.Generator) -> tuple[int, int, int]:
    """A muted colour: low saturation, mid value."""
    r, g, b = colorsys.hsv_to_rgb(rng.random(), rng.uniform(0.08, 0.25), rng.uniform(0.45, 0.7))
    return int(r * 255), int(g * 255), int(b * 255)


def _sample_scene(
    verb: str | None,
    noun: str | None,
    rng: np.random.Generator,
    size: int,
    background: tuple[int, int, int] | None,
    distractor_prob: float,
) -> _Scene:
    # Draw the same numbers whatever the verb / noun, so one seed gives the same instance for every action.
    base = _sample_background_rgb(rng)
    value_jitter = rng.uniform(0.9, 1.1)
    table_y = rng.uniform(0.62, 0.8) * size
    cx, cy = rng.uniform(0.38, 0.62) * size, rng.uniform(0.42, 0.58) * size
    r = rng.uniform(0.22, 0.31) * size  # large enough that the noun weighs in a pooled clip feature
    speed, phase = rng.uniform(0.6, 1.2), rng.uniform(0, 2 * np.pi)
    has_distractor = rng.random() < distractor_prob
    corner = rng.integers(4)
    distractor_index = rng.integers(len(NOUNS) - 1)
    extra = rng.random(8)
    if background is None:
        background = tuple(int(min(255, c * value_jitter)) for c in base)
    distractor = None
    if has_distractor:
        others = [n for n in NOUNS if n != noun]
        dx = (0.12 if corner % 2 == 0 else 0.88) * size
        dy = (0.12 if corner < 2 else 0.88) * size
        distractor = (others[distractor_index % len(others)], dx, dy, 0.08 * size)
    return _Scene(
        verb, noun, size, cx, cy, r, speed, phase, _background_image(size, background, table_y), distractor, extra
    )


def _draw_noun(c: _Canvas, noun: str, cx, cy, r, color=None) -> np.ndarray:
    mask = c.shape(NOUN_SHAPES[noun], cx, cy, r)
    c.fill(mask, NOUN_COLORS[noun] if color is None else color)
    return mask


def _draw_slice(c: _Canvas, s: _Scene, t: float, w: float) -> None:
    S, r, cx, cy = s.size, s.r, s.cx, s.cy
    c.fill(c.rect(cx - 2.2 * r, cy + 0.5 * r, cx + 2.2 * r, cy + 1.4 * r), (225, 200, 150))  # board
    gap = r * (0.4 + 0.15 * math.sin(0.5 * w))
    color = NOUN_COLORS[s.noun]
    flesh = tuple(int(0.45 * v + 0.55 * 255) for v in color)
    left = c.shape(NOUN_SHAPES[s.noun], cx - gap, cy, r) & (c.xx < cx - gap)
    right = c.shape(NOUN_SHAPES[s.noun], cx + gap, cy, r) & (c.xx >= cx + gap)
    c.fill(left | right, color)
    c.fill((left & (c.xx > cx - gap - 0.25 * r)) | (right & (c.xx < cx + gap + 0.25 * r)), flesh)
    chop = 0.12 * S * (0.5 + 0.5 * math.sin(2 * w))
    half = 0.05 * S
    top, bottom = cy - r - 0.3 * S + chop, cy + 0.4 * r + chop
    c.fill(c.rect(cx - half - 1, top - 1, cx + half + 1, bottom + 1), (20, 20, 25))  # outline
    c.fill(c.rect(cx - half, top, cx + half, bottom), (228, 230, 238))  # blade
    c.fill(c.rect(cx - half - 1, top - 0.16 * S, cx + half + 1, top - 1), (25, 20, 20))  # handle


def _draw_peel(c: _Canvas, s: _Scene, t: float, w: float) -> None:
    S, r, cx, cy = s.size, s.r, s.cx, s.cy
    mask = _draw_noun(c, s.noun, cx, cy, r)
    patch = c.arc(cx, cy, 0.0, 2 * r, 0.6 * w, 0.7 * np.pi) & mask
    c.blend(patch, (255, 255, 240), 0.6)
    r0 = 1.2 * r + 0.02 * S
    for k in range(3):
        c.fill(c.arc(cx, cy, r0, r0 + 0.1 * S, 0.6 * w + 0.9 + k * 2 * np.pi / 3, 0.42 * np.pi), (190, 235, 60))


def _draw_stir(c: _Canvas, s: _Scene, t: float, w: float) -> None:
    S, r, cx, cy = s.size, s.r, s.cx, s.cy
    rb = 0.38 * S
    c.fill(c.disc(cx, cy, rb) & (c.yy >= cy - 0.1 * r), (35, 60, 150))  # inside of the bowl
    ox, oy = cx + 0.4 * r * math.cos(w), cy - 0.3 * r + 0.15 * r * math.sin(w)
    _draw_noun(c, s.noun, ox, oy, 0.9 * r)
    c.fill(c.disc(cx, cy, rb) & (c.yy >= cy + 0.7 * r), (60, 100, 220))  # front of the bowl
    rim = c.ellipse(cx, cy + 0.7 * r, rb, 0.06 * S) & ~c.ellipse(cx, cy + 0.7 * r, rb - 2, 0.06 * S - 2)
    c.fill(rim, (20, 30, 90))
    x0, y0 = cx + 0.7 * r * math.cos(w + 1.0), cy + 0.2 * r
    angle = -np.pi / 3 + 0.35 * math.sin(w)
    x1, y1 = x0 + 0.45 * S * math.cos(angle), y0 + 0.45 * S * math.sin(angle)
    c.fill(c.segment(x0, y0, x1, y1, 0.08 * S), (20, 20, 20))
    c.fill(c.segment(x0, y0, x1, y1, 0.08 * S - 2), (250, 250, 250))  # spoon


def _draw_pour(c: _Canvas, s: _Scene, t: float, w: float) -> None:
    S, r, cx, cy = s.size, s.r, s.cx, s.cy
    top, surface = 0.17 * S, cy - 0.7 * r
    puddle = 1.2 * r + 0.5 * r * min(1.0, t / 4.0)
    c.fill(c.ellipse(cx, cy + 0.9 * r, puddle, 0.35 * r + 1), (120, 210, 255))
    half = 0.06 * S * (1 + 0.2 * math.sin(3 * w))
    c.fill(c.rect(cx - half, top, cx + half, surface), (120, 210, 255))  # stream
    span = surface - top
    for k in range(3):
        y = top + ((t * s.speed * 0.6 * S + k * span / 3) % max(span, 1.0))
        c.fill(c.disc(cx, y, 0.6 * half + 0.5), (245, 250, 255))  # falling drops
    _draw_noun(c, s.noun, cx, cy, r)
    c.fill(c.rect(cx - 0.24 * S, 0, cx + 0.1 * S, top), (45, 45, 95))  # jug
    c.fill(c.rect(cx - 0.04 * S, top - 0.05 * S, cx + 0.14 * S, top), (45, 45, 95))  # spout


def _draw_fry(c: _Canvas, s: _Scene, t: float, w: float) -> None:
    S, r, cx, cy = s.size, s.r, s.cx, s.cy
    py = cy + 0.55 * r
    c.fill(c.segment(cx + 0.3 * S, py, S + 2, py - 0.12 * S, 0.07 * S), (20, 20, 20))  # handle
    c.fill(c.ellipse(cx, py, 0.4 * S + 1.5, 0.15 * S + 1.5), (90, 90, 90))  # rim
    c.fill(c.ellipse(cx, py, 0.4 * S, 0.15 * S), (28, 28, 28))  # pan
    for k in range(4):  # oil sparks
        if math.sin(3 * w + 2 * k + 6 * s.extra[k]) > 0.2:
            a = 2 * np.pi * s.extra[k + 4]
            c.fill(c.disc(cx + 0.3 * S * math.cos(a), py + 0.1 * S * math.sin(a), 0.025 * S + 0.5), (250, 220, 80))
    brown = min(0.45, 0.1 * t)
    color = tuple(int((1 - brown) * v + brown * u) for v, u in zip(NOUN_COLORS[s.noun], (140, 90, 30)))
    _draw_noun(c, s.noun, cx, cy - 0.2 * r * abs(math.sin(2 * w)), 0.9 * r, color)


def _draw_boil(c: _Canvas, s: _Scene, t: float, w: float) -> None:
    S, r, cx, cy = s.size, s.r, s.cx, s.cy
    water = cy + 0.1 * r
    half = 0.34 * S
    c.fill(c.ellipse(cx, water, half, 0.08 * S), (150, 205, 235))  # water surface
    _draw_noun(c, s.noun, cx + 0.15 * r * math.sin(0.5 * w), water - 0.6 * r + 0.15 * r * math.sin(w), 0.85 * r)
    c.fill(c.rect(cx - half, water, cx + half, S), (125, 130, 148))  # pot
    c.fill(c.rect(cx - half - 0.04 * S, water - 0.02 * S, cx + half + 0.04 * S, water + 0.04 * S), (70, 72, 85))
    rise = 0.3 * S
    for k in range(5):
        x = cx + (1 if k % 2 else -1) * (0.3 + 0.5 * s.extra[k]) * half
        y = water - ((t * s.speed * 0.3 * S + s.extra[k + 3] * rise) % rise)
        c.fill(c.disc(x, y, 0.035 * S + 0.5), (245, 248, 255))  # bubbles


def _draw_shake(c: _Canvas, s: _Scene, t: float, w: float) -> None:
    S, r, cx, cy = s.size, s.r, s.cx, s.cy
    ox = cx + 0.12 * S * math.sin(3 * w)
    for sign in (-1, 1):
        c.blend(c.shape(NOUN_SHAPES[s.noun], ox + sign * 0.1 * S, cy, r), NOUN_COLORS[s.noun], 0.35)  # faded copies
    _draw_noun(c, s.noun, ox, cy, r)
    for sign in (-1, 1):
        x0 = ox + sign * (r + 0.06 * S)
        for k in (-1, 0, 1):
            y = cy + 0.6 * r * k
            c.fill(c.segment(x0, y, x0 + sign * 0.24 * S, y, 0.065 * S), (15, 15, 15))  # motion lines


def _draw_lift(c: _Canvas, s: _Scene, t: float, w: float) -> None:
    S, r, cx, cy = s.size, s.r, s.cx, s.cy
    h = 0.22 * S * (0.5 - 0.5 * math.cos(w))
    oy = cy - h
    c.blend(c.ellipse(cx, cy + r + 0.02 * S, r * (1.3 - 1.5 * h / S), 0.25 * r + 0.5), (0, 0, 0), 0.45)  # shadow
    _draw_noun(c, s.noun, cx, oy, r)
    skin = (225, 160, 115)
    palm_y = oy - r - 0.1 * S
    c.fill(c.rect(cx - 0.07 * S, -1, cx + 0.07 * S, palm_y), skin)  # arm
    c.fill(c.rect(cx - 1.25 * r - 0.05 * S, palm_y, cx + 1.25 * r + 0.05 * S, oy - r + 0.02 * S), skin)  # palm
    for sign in (-1, 1):
        x = cx + sign * (1.2 * r)
        c.fill(c.rect(x - 0.04 * S, palm_y, x + 0.04 * S, oy + 0.4 * r), skin)  # fingers


_VERB_DRAWERS = {
    "slice": _draw_slice,
    "peel": _draw_peel,
    "stir": _draw_stir,
    "pour": _draw_pour,
    "fry": _draw_fry,
    "boil": _draw_boil,
    "shake": _draw_shake,
    "lift": _draw_lift,
}


def _render_frame(c: _Canvas, s: _Scene, t: float) -> np.ndarray:
    """Draw the scene at local time `t` (seconds) into the canvas and return its frame (reused buffer)."""
    c.frame[:] = s.background
    if s.distractor is not None:
        noun, x, y, r = s.distractor
        _draw_noun(c, noun, x, y, r)
    if s.verb is not None:
        _VERB_DRAWERS[s.verb](c, s, t, 2 * math.pi * s.speed * t + s.phase)
    return c.frame


def _iter_scene_frames(c: _Canvas, s: _Scene, num_frames: int, fps: float) -> Iterator[np.ndarray]:
    for i in range(num_frames):
        yield _render_frame(c, s, i / fps)


def _as_rng(seed) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def render_step_frames(
    verb: str,
    noun: str,
    num_frames: int,
    *,
    size: int = 64,
    fps: float = 20.0,
    seed: int | np.random.SeedSequence | np.random.Generator = 0,
    background: tuple[int, int, int] | None = None,
    distractor_prob: float = 0.3,
) -> np.ndarray:
    """
    Render one step instance: `noun` (its shape and colour) undergoing `verb` (its motion and appearance cue).

    Args:
        verb: one of `VERBS`.
        noun: one of `NOUNS`.
        num_frames: frames to render, at local times `i / fps`.
        size: frames are `size x size` pixels.
        fps: frame rate (sets the speed of the motion in frames).
        seed: seed or generator for the instance (position, size, speed, background, distractor). The instance is
            drawn the same way whatever the verb and noun: one seed gives the same layout for every action.
        background: RGB background colour; a random muted colour by default.
        distractor_prob: probability of a small unrelated object in a corner.

    Returns:
        `uint8` array `[num_frames, size, size, 3]` (RGB).
    """
    if verb not in _VERB_DRAWERS:
        raise ValueError(f"Unknown verb {verb!r}; expected one of {VERBS}")
    if noun not in NOUN_SHAPES:
        raise ValueError(f"Unknown noun {noun!r}; expected one of {NOUNS}")
    scene = _sample_scene(verb, noun, _as_rng(seed), size, background, distractor_prob)
    canvas = _Canvas(size)
    out = np.empty((num_frames, size, size, 3), dtype=np.uint8)
    for i, frame in enumerate(_iter_scene_frames(canvas, scene, num_frames, fps)):
        out[i] = frame
    return out


# ----------------------------------------------------------------------------------------------------------------
# Videos and transcripts


def _transcript(
    steps: list[SyntheticStep], duration: float, rng: np.random.Generator, config: SyntheticCookingConfig
) -> list[TranscriptSentence]:
    """ASR-like sentences: one per step (varied phrasing, jittered timing), remarks about the object, fillers."""

    def speech(text: str, start: float) -> list:
        return [start, start + 0.3 * len(text.split()) + rng.uniform(0.2, 0.6), text]

    jitter = config.asr_jitter_seconds
    sentences = []
    if rng.random() < 0.7:
        sentences.append(speech(FILLER_SENTENCES[rng.integers(len(FILLER_SENTENCES))], rng.uniform(0.0, 0.5)))
    for step in steps:
        # Sometimes said slightly before the action, sometimes a bit after it started.
        text = STEP_TEMPLATES[rng.integers(len(STEP_TEMPLATES))].format(verb=step.verb, noun=step.noun)
        sentences.append(speech(text, step.start + rng.uniform(-jitter, 0.6 * jitter)))
        if rng.random() < 0.25:
            remark = NOUN_REMARKS[rng.integers(len(NOUN_REMARKS))].format(noun=step.noun)
            sentences.append(speech(remark, step.start + rng.uniform(0.5, 0.8) * (step.end - step.start)))
        if rng.random() < config.filler_prob:
            filler = FILLER_SENTENCES[rng.integers(len(FILLER_SENTENCES))]
            sentences.append(speech(filler, step.end + rng.uniform(-1.0, 0.3)))
    sentences.sort(key=lambda x: x[0])
    # Sequential speech: a sentence ends where the next begins at the latest; everything inside [0, duration].
    result = []
    for i, (start, end, text) in enumerate(sentences):
        start = min(max(start, result[-1].end if result else 0.0), duration)
        if i + 1 < len(sentences):
            end = min(end, max(sentences[i + 1][0], start + 0.5))
        end = min(end, duration)
        if end - start < 0.2:
            continue
        result.append(TranscriptSentence(round(start, 2), round(end, 2), text))
    return result


def generate_video(
    pairs: Sequence[tuple[str, str]],
    *,
    config: SyntheticCookingConfig | None = None,
    seed: int | np.random.SeedSequence | np.random.Generator = 0,
    path: str | os.PathLike | None = None,
    video_id: str = "video",
) -> SyntheticVideo:
    """
    Generate one video showing the steps `pairs` (each a `(verb, noun)`) in order, with its ASR-like transcript.

    Steps last `config.step_seconds` (uniform), separated by idle gaps of `config.gap_seconds` (also before the first
    and after the last); every step is a new instance (position, size, speed, background shade, distractor).

    Args:
        pairs: the steps, e.g. `[("slice", "tomato"), ("fry", "egg")]`.
        config: rendering and timing settings; defaults to `SyntheticCookingConfig()`.
        seed: seed or generator of this video.
        path: where to write the H.264 MP4 (frames are streamed to the encoder, never all held). Without it, the
            frames are returned in `SyntheticVideo.frames`.
        video_id: the id recorded in the result.

    Returns:
        [`SyntheticVideo`] with the step times and transcript (seconds), `path` or `frames`.
    """
    config = config or SyntheticCookingConfig()
    if not pairs:
        raise ValueError("generate_video needs at least one (verb, noun) step")
    for verb, noun in pairs:
        if verb not in _VERB_DRAWERS or noun not in NOUN_SHAPES:
            raise ValueError(f"Unknown step ({verb!r}, {noun!r}); verbs are {VERBS}, nouns {NOUNS}")
    rng, fps, size = _as_rng(seed), float(config.fps), config.frame_size
    video_rgb = _sample_background_rgb(rng)

    def gap_frames() -> int:
        return int(round(rng.uniform(*config.gap_seconds) * fps))

    # Layout in frames: gap, step, gap, step, ..., gap.
    segments, cursor, steps = [], 0, []
    for verb, noun in pairs:
        cursor += gap_frames()
        n = max(1, int(round(rng.uniform(*config.step_seconds) * fps)))
        jitter = rng.uniform(0.85, 1.15)
        shade = tuple(int(min(255, v * jitter)) for v in video_rgb)
        scene = _sample_scene(verb, noun, rng, size, shade, config.distractor_prob)
        segments.append((cursor, n, scene))
        steps.append(SyntheticStep(round(cursor / fps, 3), round((cursor + n) / fps, 3), verb, noun))
        cursor += n
    num_frames = cursor + gap_frames()
    duration = round(num_frames / fps, 3)
    idle = _sample_scene(None, None, rng, size, video_rgb, config.distractor_prob)
    transcript = _transcript(steps, duration, rng, config)

    def frames() -> Iterator[np.ndarray]:
        canvas, index = _Canvas(size), 0
        for start, n, scene in segments + [(num_frames, 0, idle)]:
            if index < start:
                yield from _iter_scene_frames(canvas, idle, start - index, fps)
            yield from _iter_scene_frames(canvas, scene, n, fps)
            index = start + n

    video = SyntheticVideo(video_id, duration, num_frames, fps, steps, transcript)
    if path is None:
        video.frames = np.stack([frame.copy() for frame in frames()])
    else:
        video.path = write_video(
            path,
            (rgb_to_yuv420p(frame) for frame in frames()),
            fps,
            codec="libx264",
            pix_fmt="yuv420p",
            frame_format="yuv420p",
            preset="veryfast",
            crf=config.crf,
            **X264_DETERMINISTIC,
        )
    return video


# ----------------------------------------------------------------------------------------------------------------
# Benchmark


# libx264's own threads and its CPU-specific (SIMD) lookahead make the bitstream depend on the machine and on what the
# process's heap held before: its vectorised macroblock-tree propagation reads past the end of the tiny frames' rows,
# so a frame encoded after other work (a decode, a test) could differ by +-1 from the same frame encoded in a fresh
# process (`tests/test_synthetic_videobert.py::test_encoding_ignores_process_history`). One thread and x264's
# `cpu-independent` (the C path wherever SIMD results could differ) make the bytes a function of the frames alone.
X264_DETERMINISTIC = {"threads": 1, "x264-params": "cpu-independent=1"}


def rgb_to_yuv420p(frame: np.ndarray) -> np.ndarray:
    """
    RGB `uint8 [H, W, 3]` (H, W even) to planar YUV 4:2:0 `uint8 [H * 3 // 2, W]` (Y, then U, then V), BT.601 limited
    range in integer arithmetic, chroma as the rounded mean of each 2x2 block. The encoder then receives these planes
    as they are: the conversion no longer goes through libswscale, whose SIMD paths differ between CPUs.
    """
    height, width = frame.shape[:2]
    if height % 2 or width % 2:
        raise ValueError(f"YUV 4:2:0 needs an even frame size, got {width}x{height}")
    r, g, b = (frame[..., i].astype(np.int32) for i in range(3))
    y = ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16
    u = ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128
    v = ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128

    def subsample(plane: np.ndarray) -> np.ndarray:
        return (plane.reshape(height // 2, 2, width // 2, 2).sum(axis=(1, 3)) + 2) >> 2

    planes = [y.reshape(-1), subsample(u).reshape(-1), subsample(v).reshape(-1)]
    return np.concatenate(planes).astype(np.uint8).reshape(height * 3 // 2, width)


def _generate_task(task) -> SyntheticVideo:
    path, pairs, config, seed_entropy, video_id = task
    return generate_video(
        pairs, config=config, seed=np.random.SeedSequence(seed_entropy), path=path, video_id=video_id
    )


def _youcook_entry(video: SyntheticVideo, subset: str, config: SyntheticCookingConfig) -> dict:
    nouns = [step.noun for step in video.steps]
    main_noun = max(config.nouns, key=lambda n: (nouns.count(n), -config.nouns.index(n)))
    return {
        "duration": video.duration,
        "subset": subset,
        "recipe_type": str(config.nouns.index(main_noun)),
        "video_url": "",
        "annotations": [
            {
                "id": i,
                "segment": [step.start, step.end],
                "sentence": canonical_sentence(step.verb, step.noun),
                "verb": step.verb,
                "noun": step.noun,
            }
            for i, step in enumerate(video.steps)
        ],
    }


def generate_benchmark(
    output_dir: str | os.PathLike,
    num_train_videos: int | None = None,
    num_heldout_videos: int | None = None,
    num_unseen_videos: int | None = None,
    config: SyntheticCookingConfig | None = None,
    num_workers: int = 0,
    progress: bool = True,
) -> dict[str, SyntheticSplit]:
    """
    Generate and write the `train`, `heldout` and `unseen_pairs` splits (see the module docstring for the files).

    Args:
        output_dir: folder to write into (created); one sub-folder per split, plus `benchmark.json`.
        num_train_videos / num_heldout_videos / num_unseen_videos: videos per split; default to the config's.
            A split with 0 videos is skipped.
        config: settings; defaults to `SyntheticCookingConfig()`.
        num_workers: processes rendering and encoding videos (0: in this process). The output does not depend on it.
        progress: show a tqdm progress bar.

    Returns:
        `{split name: SyntheticSplit}` with the folder, annotation file, caption file and video ids of each split.
    """
    config = config or SyntheticCookingConfig()
    counts = {
        "train": config.num_train_videos if num_train_videos is None else num_train_videos,
        "heldout": config.num_heldout_videos if num_heldout_videos is None else num_heldout_videos,
        "unseen_pairs": config.num_unseen_videos if num_unseen_videos is None else num_unseen_videos,
    }
    output_dir = os.fspath(output_dir)
    tasks, layout, train_shown = [], {}, None
    for split_index, split in enumerate(SPLITS):
        if counts[split] <= 0:
            continue
        directory = os.path.join(output_dir, split)
        video_dir = os.path.join(directory, "videos")
        os.makedirs(video_dir, exist_ok=True)
        video_ids = [f"{split}_{i:05d}" for i in range(counts[split])]
        layout[split] = SyntheticSplit(
            split,
            directory,
            video_dir,
            os.path.join(directory, "youcookii_annotations.json"),
            os.path.join(directory, "captions.csv"),
            video_ids,
        )
        # heldout: only pairs that the generated train split shows
        plan = _split_plan(config, split, counts[split], train_shown if split == "heldout" else None)
        if split == "train":
            train_shown = {pair for pairs in plan for pair in pairs}
        for i, (video_id, pairs) in enumerate(zip(video_ids, plan)):
            path = os.path.join(video_dir, f"{video_id}.mp4")
            tasks.append((path, pairs, config, [config.seed, split_index, i], video_id))

    bar = tqdm(total=len(tasks), desc="Generating synthetic videos", unit="video", disable=not progress)
    if num_workers > 0:
        with ProcessPoolExecutor(max_workers=num_workers) as pool:
            videos = []
            for video in pool.map(_generate_task, tasks, chunksize=max(1, len(tasks) // (8 * num_workers))):
                videos.append(video)
                bar.update()
    else:
        videos = []
        for task in tasks:
            videos.append(_generate_task(task))
            bar.update()
    bar.close()

    by_id = {video.video_id: video for video in videos}
    for split, info in layout.items():
        subset = _SPLIT_SUBSETS[split]
        database = {vid: _youcook_entry(by_id[vid], subset, config) for vid in info.video_ids}
        with open(info.annotation_file, "w", encoding="utf-8") as f:
            json.dump({"database": database}, f, indent=1)
            f.write("\n")
        with open(info.caption_file, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(["video_id", "start", "end", "text"])
            for vid in info.video_ids:
                for sentence in by_id[vid].transcript:
                    writer.writerow([vid, f"{sentence.start:.2f}", f"{sentence.end:.2f}", sentence.text])

    train_pairs, unseen_pairs = split_pairs(config)
    metadata = {
        "verbs": list(config.verbs),
        "nouns": list(config.nouns),
        "train_pairs": [list(p) for p in train_pairs],
        "unseen_pairs": [list(p) for p in unseen_pairs],
        "config": asdict(config),
        "splits": {
            split: {
                "directory": split,
                "subset": _SPLIT_SUBSETS[split],
                "annotation_file": os.path.relpath(info.annotation_file, output_dir),
                "caption_file": os.path.relpath(info.caption_file, output_dir),
                "num_videos": len(info.video_ids),
            }
            for split, info in layout.items()
        },
    }
    with open(os.path.join(output_dir, "benchmark.json"), "w", encoding="utf-8") as f:
        json.dump(metadata, f, indent=1)
        f.write("\n")
    return layout


__all__ = [
    "FILLER_SENTENCES",
    "NOUNS",
    "NOUN_COLORS",
    "NOUN_SHAPES",
    "SPLITS",
    "STEP_TEMPLATES",
    "VERBS",
    "VERB_CUES",
    "SyntheticCookingConfig",
    "SyntheticSplit",
    "SyntheticStep",
    "SyntheticVideo",
    "TranscriptSentence",
    "CANONICAL_TEMPLATES",
    "canonical_sentence",
    "generate_benchmark",
    "generate_video",
    "render_step_frames",
    "split_pairs",
]
