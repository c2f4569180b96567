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
"""Encoding frames into a video file with PyAV: the synthetic benchmark's MP4 writer, and the tests' fixtures."""

import os
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Any

import av
import numpy as np


def write_video(
    path: str | os.PathLike,
    frames: np.ndarray | Iterable[np.ndarray],
    fps: float,
    codec: str = "libx264",
    pix_fmt: str = "yuv420p",
    *,
    timestamps: Sequence[float] | None = None,
    container_options: dict[str, str] | None = None,
    frame_format: str = "rgb24",
    **options: Any,
) -> str:
    """
    Encode RGB frames into a video file with PyAV (for tests, fixtures and synthetic benchmarks).

    Args:
        path: output file; the container is chosen from its extension (`.mp4`, `.avi`, `.mkv`, `.webm`, ...).
        frames: `uint8` array `[T, H, W, 3]` (RGB) or an iterable of `[H, W, 3]` arrays (streamed, never stacked).
        fps: nominal frame rate of the stream.
        codec: encoder name, e.g. `"libx264"`, `"libx264rgb"`, `"mpeg4"`, `"libvpx-vp9"`, `"ffv1"`.
        pix_fmt: pixel format of the encoded stream (e.g. `"yuv420p"`, `"rgb24"` for `libx264rgb`, `"bgr0"` for ffv1).
        timestamps: optional presentation time in seconds of every frame (strictly increasing) to write a
            variable-frame-rate stream; by default frame `i` is shown at `i / fps`.
        container_options: options for the muxer, e.g. `{"movflags": "faststart"}`.
        frame_format: layout of the given frames: `"rgb24"` (`[H, W, 3]`, converted to `pix_fmt` by libswscale) or
            `"yuv420p"` (planar `[H * 3 // 2, W]`, given to a `yuv420p` encoder as is, with no conversion).
        **options: encoder options, e.g. `preset="ultrafast"`, `crf=0`, `qp=0`, `g=30`.

    Returns:
        The path written, as a string.
    """
    if frame_format not in ("rgb24", "yuv420p"):
        raise ValueError(f"frame_format must be 'rgb24' or 'yuv420p', got {frame_format!r}")
    path = os.fspath(path)
    rate = Fraction(fps).limit_denominator(100_000)
    time_base = Fraction(1, 90_000) if timestamps is not None else None
    count = 0
    with av.open(path, mode="w", options=container_options or {}) as container:
        stream = None
        for i, frame in enumerate(frames):
            frame = np.ascontiguousarray(frame, dtype=np.uint8)
            if frame_format == "rgb24" and (frame.ndim != 3 or frame.shape[-1] != 3):
                raise ValueError(f"Expected RGB frames of shape [H, W, 3], got {frame.shape}")
            if frame_format == "yuv420p" and (frame.ndim != 2 or frame.shape[0] % 3):
                raise ValueError(f"Expected planar YUV 4:2:0 frames of shape [H * 3 // 2, W], got {frame.shape}")
            if stream is None:
                stream = container.add_stream(codec, rate=rate)
                height = frame.shape[0] if frame_format == "rgb24" else frame.shape[0] * 2 // 3
                stream.height, stream.width = height, frame.shape[1]
                stream.pix_fmt = pix_fmt
                stream.options = {key: str(value) for key, value in options.items()}
                if time_base is not None:
                    stream.codec_context.time_base = time_base
            video_frame = av.VideoFrame.from_ndarray(frame, format=frame_format)
            if time_base is not None:
                video_frame.pts = round(timestamps[i] / time_base)
                video_frame.time_base = time_base
            else:
                video_frame.pts = i
                video_frame.time_base = 1 / rate
            container.mux(stream.encode(video_frame))
            count += 1
        if stream is None:
            raise ValueError(f"No frames given to write {path!r}")
        if timestamps is not None and count != len(timestamps):
            raise ValueError(f"Got {count} frames but {len(timestamps)} timestamps")
        container.mux(stream.encode(None))
    return path


__all__ = ["write_video"]
