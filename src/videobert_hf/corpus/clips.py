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
A video file streamed through the video processor and the visual tokenizer: clip features, thumbnails, token ids; and
the per-video feature files the data scripts cache (`features/<video_id>.npz`), checked when read.
"""

import contextlib
from collections.abc import Iterator

import numpy as np
import torch

from ..visual_tokenizer_videobert import NonFiniteFeaturesError


def check_clip_features(features, clip_times, video_id: str, source) -> None:
    """
    Checks the clip features `[num_clips, feature_dim]` and clip times `[num_clips, 2]` of a video; `source` (a file)
    and `video_id` name the input in the messages. NaN or inf (which would encode to an arbitrary visual token, and
    poison a codebook fitted on them) raise a `NonFiniteFeaturesError` naming the first bad clip (`row`); arrays whose
    shapes do not fit together, or that do not hold numbers, a `ValueError`.
    """
    features, clip_times = np.asarray(features), np.asarray(clip_times)
    if features.ndim != 2 or clip_times.shape != (features.shape[0], 2):
        raise ValueError(
            f"{source}: the clip features of video {video_id!r} have the shape {features.shape} and their clip times "
            f"{clip_times.shape}; expected [num_clips, feature_dim] and [num_clips, 2]."
        )
    for name, values in (("clip features", features), ("clip times", clip_times)):
        if not np.issubdtype(values.dtype, np.number):
            raise ValueError(f"{source}: the {name} of video {video_id!r} are not numbers ({values.dtype}).")
        bad = np.flatnonzero(~np.isfinite(values).all(axis=1))
        if bad.size:
            raise NonFiniteFeaturesError(
                f"{source}: the {name} of video {video_id!r} hold NaN or inf in {bad.size} of {len(values)} clips "
                f"(the first: clip {bad[0]}): they would encode to an arbitrary visual token.",
                row=int(bad[0]),
            )


def load_clip_features(file, video_id: str, keys=("features", "clip_times")) -> dict[str, np.ndarray]:
    """
    The arrays `keys` of a per-video feature file (`np.savez` of `features`, `clip_times` and optionally
    `thumbnails`), checked with `check_clip_features`: NaN or inf raise a `NonFiniteFeaturesError` naming the video,
    the file and the clip. An unreadable file, or arrays that do not fit together, raise numpy's error or a
    `ValueError` (`OSError`, `ValueError`, `KeyError`, `zipfile.BadZipFile`, `EOFError`).
    """
    with np.load(file) as data:
        arrays = {key: data[key] for key in {*keys, "features", "clip_times"}}
    check_clip_features(arrays["features"], arrays["clip_times"], video_id, file)
    if "thumbnails" in arrays and len(arrays["thumbnails"]) != len(arrays["features"]):
        raise ValueError(
            f"{file}: video {video_id!r} has {len(arrays['thumbnails'])} thumbnails for {len(arrays['features'])} clips."
        )
    return {key: arrays[key] for key in keys}


def denormalize_frames(pixel_values: torch.Tensor, mean, std) -> np.ndarray:
    """`[N, 3, H, W]` normalised frames back to uint8 `[N, H, W, 3]` (for thumbnails)."""
    mean = torch.tensor(mean, dtype=pixel_values.dtype).view(1, 3, 1, 1)
    std = torch.tensor(std, dtype=pixel_values.dtype).view(1, 3, 1, 1)
    frames = ((pixel_values * std + mean).clamp(0, 1) * 255).round().to(torch.uint8)
    return frames.permute(0, 2, 3, 1).numpy()


@contextlib.contextmanager
def _naming_clips(path, first_clip: int):
    """A `NonFiniteFeaturesError` of a batch of a video's clips (starting at `first_clip`) names the file and the clip."""
    try:
        yield
    except NonFiniteFeaturesError as error:
        clip = first_clip + error.row
        raise NonFiniteFeaturesError(f"{path}: clip {clip} of the video: {error}", row=clip) from error


def iter_clip_features(
    visual_tokenizer, video_processor, path, batch_size: int = 8, with_thumbnails: bool = False
) -> Iterator[tuple[torch.Tensor, torch.Tensor, np.ndarray | None]]:
    """
    Streams one video through the video processor and the visual tokenizer's clip encoder: yields
    `(features [b, feature_dim], clip_times [b, 2], middle frames uint8 [b, H, W, 3] or None)` per batch of clips.
    Raises the video processor's `VideoDecodingError` for an unreadable file, and a `NonFiniteFeaturesError` naming the
    file and the clip for clips whose pixels or features hold NaN or inf.
    """
    first_clip = 0
    for batch in video_processor.iter_clips(path, batch_size=batch_size):
        clips = batch["pixel_values_videos"]
        with _naming_clips(path, first_clip):
            features = visual_tokenizer.get_clip_features(clips, batch_size=batch_size)
        first_clip += clips.shape[0]
        thumbnails = None
        if with_thumbnails:
            middle = clips[:, :, clips.shape[2] // 2]
            thumbnails = denormalize_frames(middle, video_processor.image_mean, video_processor.image_std)
        yield features, batch["clip_times"], thumbnails


@torch.no_grad()
def tokenize_video(video_processor, visual_tokenizer, path, batch_size: int = 8) -> list[int]:
    """
    The visual token ids (codebook ids) of a video file, its clips streamed `batch_size` at a time through the video
    processor and the visual tokenizer (memory flat in the video's length). `[]` for a video shorter than one clip;
    an unreadable file raises the video processor's `VideoDecodingError`.
    """
    ids = []
    for batch in video_processor.iter_clips(path, batch_size=batch_size):
        with _naming_clips(path, len(ids)):
            ids.extend(visual_tokenizer(batch["pixel_values_videos"], batch_size=batch_size).tolist())
    return ids


__all__ = [
    "check_clip_features",
    "denormalize_frames",
    "iter_clip_features",
    "load_clip_features",
    "tokenize_video",
]
