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
Storyboards: visual token ids drawn as the thumbnails of their codebook entries (the frame of the fitted clip nearest
each centroid, as the paper shows text-to-video and forecasting results), written as a PNG.
"""

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..processing_videobert import clip_words
from .common import resolve_visual_tokenizer
from .visual_prediction import forecast_visual_tokens, text_to_video


MARGIN = 8
GAP = 6
TITLE_HEIGHT = 20
LABEL_HEIGHT = 16
CAPTION_HEIGHT = 16
MIN_TILE = 64
BACKGROUND = (255, 255, 255)
INK = (0, 0, 0)


@dataclass
class StoryboardRow:
    """
    One row of a storyboard: a label, visual token ids (codebook ids) and an optional caption under each. With several
    codebooks an entry of `ids` is a clip's words (a sequence of `num_codebooks` ids), drawn as one tile.
    """

    label: str
    ids: Sequence[int] | Sequence[Sequence[int]]
    captions: Sequence[str] | None = None


def tile_size(thumbnail_size: int) -> int:
    """Side in pixels of a tile: the thumbnail scaled up by the smallest whole factor reaching `MIN_TILE`."""
    return thumbnail_size * max(1, math.ceil(MIN_TILE / thumbnail_size))


def tile_box(row: int, column: int, tile: int, has_title: bool = False) -> tuple[int, int, int, int]:
    """`(left, top, right, bottom)` pixels of the tile at (`row`, `column`) of a storyboard."""
    top = MARGIN + (TITLE_HEIGHT if has_title else 0) + row * (LABEL_HEIGHT + tile + CAPTION_HEIGHT + GAP)
    top += LABEL_HEIGHT
    left = MARGIN + column * (tile + GAP)
    return left, top, left + tile, top + tile


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 has only the bitmap font
        return ImageFont.load_default()


def _clip_tile(thumbnails: np.ndarray, tile: int) -> Image.Image:
    """
    One tile of a clip: its codebooks' thumbnails `[G, s, s, 3]` side by side (a single one fills the tile), scaled
    without smoothing and centred on the background.
    """
    if thumbnails.ndim == 3:
        return Image.fromarray(thumbnails).resize((tile, tile), Image.Resampling.NEAREST)
    strip = Image.fromarray(np.concatenate(list(thumbnails), axis=1))
    side = tile // len(thumbnails)
    image = Image.new("RGB", (tile, tile), BACKGROUND)
    image.paste(strip.resize((side * len(thumbnails), side), Image.Resampling.NEAREST), (0, (tile - side) // 2))
    return image


def _word_names(clip) -> str:
    """`V12` for a one-codebook token, `V12+V300` for a clip's words."""
    return "+".join(f"V{int(i)}" for i in clip) if isinstance(clip, (list, tuple)) else f"V{int(clip)}"


def render_storyboard(
    visual_tokenizer, rows: Sequence[StoryboardRow], path: str | os.PathLike, title: str | None = None
) -> str:
    """
    Writes a storyboard PNG: one row of tiles per `StoryboardRow`, each tile the thumbnail of a visual token
    (`visual_tokenizer.token_thumbnails`, scaled up without smoothing; grey for a token no fitted clip fell into),
    the row's label above it and each tile's caption (default: its position and token, `1: V12`) below it. A clip of
    several codebooks (an entry of `ids` that is a list of its words) is one tile with its words' thumbnails side by
    side, captioned `1: V12+V300`.
    Tiles lie at `tile_box(row, column, tile_size(thumbnail_size), has_title=title is not None)`.

    Returns the path written.
    """
    rows = list(rows)
    if not rows or not any(len(row.ids) for row in rows):
        raise ValueError("A storyboard needs at least one visual token.")
    for index, row in enumerate(rows):
        if row.captions is not None and len(row.captions) != len(row.ids):
            raise ValueError(f"Row {index} has {len(row.captions)} captions for {len(row.ids)} tokens.")
    thumbnail_size = visual_tokenizer.config.thumbnail_size
    tile = tile_size(thumbnail_size)
    has_title = title is not None
    label_font, caption_font = _font(12), _font(10)
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    columns = max(len(row.ids) for row in rows)
    text_width = max(
        [measure.textlength(row.label, font=label_font) for row in rows]
        + ([measure.textlength(title, font=label_font)] if has_title else [])
    )
    width = max(2 * MARGIN + columns * (tile + GAP) - GAP, 2 * MARGIN + math.ceil(text_width))
    height = tile_box(len(rows) - 1, 0, tile, has_title)[3] + CAPTION_HEIGHT + MARGIN

    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    if has_title:
        draw.text((MARGIN, MARGIN), title, fill=INK, font=label_font)
    for r, row in enumerate(rows):
        ids = [list(map(int, i)) if isinstance(i, (list, tuple, np.ndarray)) else int(i) for i in row.ids]
        if not ids:
            continue
        thumbnails = [np.asarray(visual_tokenizer.token_thumbnails(i)) for i in ids]
        captions = (
            row.captions if row.captions is not None else [f"{c + 1}: {_word_names(i)}" for c, i in enumerate(ids)]
        )
        left, top, _, _ = tile_box(r, 0, tile, has_title)
        draw.text((left, top - LABEL_HEIGHT + 2), row.label, fill=INK, font=label_font)
        for c, (thumbnail, caption) in enumerate(zip(thumbnails, captions)):
            box = tile_box(r, c, tile, has_title)
            image.paste(_clip_tile(thumbnail, tile), box[:2])
            draw.text((box[0], box[3] + 2), caption, fill=INK, font=caption_font)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format="PNG")
    return str(path)


def text_to_video_storyboard(
    model,
    processor,
    sentence: str,
    path: str | os.PathLike,
    visual_tokenizer=None,
    num_tokens: int = 8,
    decoding: str = "parallel",
) -> str:
    """
    Text-to-video as a storyboard: the most likely visual token at each of `num_tokens` positions after the sentence
    (`text_to_video`), captioned with its position, id and probability. Uses `visual_tokenizer`
    or the model's own for the thumbnails. Returns the PNG's path. With several codebooks a position is a clip: one
    tile of its words' thumbnails, captioned with their ids (and the product of their probabilities).
    """
    visual_tokenizer = resolve_visual_tokenizer(model, visual_tokenizer)
    predictions = text_to_video(model, processor, sentence, num_tokens=num_tokens, top_k=1, decoding=decoding)
    ids, probs = _predicted_clips(predictions)
    row = StoryboardRow(
        label=f"predicted ({decoding.replace('_', '-')})",
        ids=ids,
        captions=[f"{p + 1}: {_word_names(i)} {q:.2f}" for p, (i, q) in enumerate(zip(ids, probs))],
    )
    return render_storyboard(visual_tokenizer, [row], path, title=f"text-to-video: {sentence!r}")


def _predicted_clips(predictions) -> tuple[list, list[float]]:
    """The best token (one codebook) or words (several) of each predicted clip, and its probability."""
    if predictions.num_codebooks == 1:
        return predictions.tokens, predictions.probs[:, 0].tolist()
    probs = predictions.probs[:, 0].reshape(-1, predictions.num_codebooks).prod(dim=1)
    return predictions.clips, probs.tolist()


def forecast_storyboard(
    model,
    processor,
    prefix: Sequence[int],
    path: str | os.PathLike,
    visual_tokenizer=None,
    horizon: int = 4,
    observed: int = 8,
    decoding: str = "parallel",
) -> str:
    """
    Forecasting as a storyboard: the last `observed` tokens of the video prefix in the first row and the most likely
    token at horizons 1..`horizon` in the second (`forecast_visual_tokens`). Returns the PNG's
    path.
    """
    visual_tokenizer = resolve_visual_tokenizer(model, visual_tokenizer)
    special = processor.special_ids
    words, groups = clip_words(prefix, special), special.num_codebooks
    prefix = words if groups == 1 else [words[i : i + groups] for i in range(0, len(words), groups)]
    predictions = forecast_visual_tokens(model, processor, words, horizon=horizon, top_k=1, decoding=decoding)
    forecast, probs = _predicted_clips(predictions)
    shown = prefix[-observed:]
    rows = [
        StoryboardRow(
            label=f"observed (last {len(shown)} of {len(prefix)} tokens)",
            ids=shown,
            captions=[
                f"t-{len(shown) - 1 - c}: {_word_names(i)}" if c < len(shown) - 1 else f"t: {_word_names(i)}"
                for c, i in enumerate(shown)
            ],
        ),
        StoryboardRow(
            label=f"forecast ({decoding.replace('_', '-')})",
            ids=forecast,
            captions=[f"t+{h + 1}: {_word_names(i)} {q:.2f}" for h, (i, q) in enumerate(zip(forecast, probs))],
        ),
    ]
    return render_storyboard(visual_tokenizer, rows, path, title="forecasting from a video prefix")


__all__ = [
    "StoryboardRow",
    "forecast_storyboard",
    "render_storyboard",
    "text_to_video_storyboard",
    "tile_box",
    "tile_size",
]
