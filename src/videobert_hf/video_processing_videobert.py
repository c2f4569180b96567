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
"""Video processor for VideoBERT: video -> 20 fps -> non-overlapping 30-frame clips, ready for S3D.

Files are decoded with PyAV in one front-to-back pass (streaming): frames are resampled to the target rate by their
timestamps, scaled by libswscale as they are decoded, center-cropped and normalised, and only the clips in flight are
held in memory (see [`VideoBertVideoProcessor.iter_clips`]). In-memory videos (arrays / tensors of frames) take the
usual [`~transformers.BaseVideoProcessor`] path and are cut into clips by the same rule.
"""

import math
import os
import queue
import threading
from collections.abc import Iterator
from typing import Any

import av
import numpy as np
import torch
from transformers.image_processing_utils import BatchFeature
from transformers.image_utils import PILImageResampling, SizeDict, validate_kwargs
from transformers.processing_utils import Unpack, VideosKwargs
from transformers.utils import logging
from transformers.video_processing_utils import BaseVideoProcessor
from transformers.video_utils import VideoInput, VideoMetadata


logger = logging.get_logger(__name__)

# Mean / std of torchvision's S3D Kinetics-400 weights (`S3D_Weights.KINETICS400_V1.transforms()`).
S3D_KINETICS400_MEAN = (0.43216, 0.394666, 0.37645)
S3D_KINETICS400_STD = (0.22803, 0.22145, 0.216989)

# PIL resampling filter -> libswscale scaling algorithm used by the streaming path.
_SWS_INTERPOLATION = {
    PILImageResampling.NEAREST: "POINT",
    PILImageResampling.BILINEAR: "BILINEAR",
    PILImageResampling.BICUBIC: "BICUBIC",
    PILImageResampling.LANCZOS: "LANCZOS",
    PILImageResampling.BOX: "AREA",
    PILImageResampling.HAMMING: "BILINEAR",
}

# Slack when comparing frame timestamps with sampling times (seconds): absorbs float rounding of pts * time_base.
_TIME_EPS = 1e-6


class VideoDecodingError(ValueError):
    """A video file could not be opened or decoded. The message names the file; `path` holds it."""

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"Cannot decode video {path!r}: {reason}")


class VideoBertVideoProcessorKwargs(VideosKwargs, total=False):
    """
    clip_length (`int`, *optional*, defaults to `self.clip_length`):
        Number of frames (at `fps`) in one non-overlapping clip.
    pad_last_clip (`bool`, *optional*, defaults to `self.pad_last_clip`):
        Keep the trailing partial clip, padded by repeating its last frame (`True`), or drop it (`False`).
    """

    clip_length: int | None
    pad_last_clip: bool | None


def _resized_hw(height: int, width: int, size: SizeDict) -> tuple[int, int]:
    """Output (height, width) of `TorchvisionBackend.resize` for `size` (shortest_edge or height/width)."""
    if size.shortest_edge and not size.longest_edge:
        short, long = (height, width) if height <= width else (width, height)
        if short == size.shortest_edge:
            return height, width
        new_short, new_long = size.shortest_edge, int(size.shortest_edge * long / short)
        return (new_short, new_long) if height <= width else (new_long, new_short)
    if size.height and size.width:
        return size.height, size.width
    raise ValueError(f"The streaming decoder supports `size` with 'shortest_edge' or 'height' and 'width', got {size}")


def _duration_tag(value: str | None) -> float | None:
    """Seconds of a Matroska track's `DURATION` tag (`"HH:MM:SS.nnnnnnnnn"`); `None` when absent or malformed."""
    try:
        hours, minutes, seconds = (value or "").split(":")
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    except ValueError:
        return None


def _is_path(video: Any) -> bool:
    return isinstance(video, (str, os.PathLike))


class _StreamDecoder:
    """Decodes one file front to back and yields RGB frames sampled at `fps` on the grid `start + k / fps`.

    The frame picked for sampling time `t` is the one on screen at `t`: the last frame whose timestamp is `<= t`.
    Source frames are dropped or repeated accordingly, so variable frame rates are handled by their timestamps.
    Decoding (with FFmpeg's own threads) and scaling run on a worker thread; PyAV releases the GIL in both.
    """

    _QUEUE_FRAMES = 16

    def __init__(self, path, fps, start, end, size, interpolation, threads=None):
        self.path = path
        self.fps = float(fps)
        self.start = max(float(start or 0.0), 0.0)
        self.end = None if end is None else float(end)
        self.size = size
        self.interpolation = interpolation
        self.decoded_frames = 0
        self.source_fps = None
        self.source_duration = None
        self.width = self.height = None
        try:
            self.container = av.open(path, mode="r")
        except FileNotFoundError as e:
            raise VideoDecodingError(path, "no such file") from e
        except (av.FFmpegError, OSError, UnicodeDecodeError) as e:
            raise VideoDecodingError(path, f"cannot open the container ({e})") from e
        if not self.container.streams.video:
            self.container.close()
            raise VideoDecodingError(path, "the file has no video stream")
        self.stream = self.container.streams.video[0]
        self.stream.thread_type = "AUTO"
        if threads:  # else FFmpeg's default: as many as the machine has cores
            self.stream.thread_count = int(threads)
        if self.stream.average_rate:
            self.source_fps = float(self.stream.average_rate)
        # Frames without timestamps (raw elementary streams) are spaced by the frame rate the bitstream declares
        # (`guessed_rate`, e.g. H.264 VUI timing); the container's rate of such files is a demuxer default (25).
        untimed_rate = self.stream.guessed_rate or self.stream.average_rate
        self.untimed_fps = float(untimed_rate) if untimed_rate else None
        tagged_duration = _duration_tag(self.stream.metadata.get("DURATION"))
        if self.stream.duration is not None and self.stream.time_base is not None:
            self.source_duration = float(self.stream.duration * self.stream.time_base)
        elif tagged_duration is not None:  # Matroska stores no per-track duration; FFmpeg and mkvmerge tag one
            self.source_duration = tagged_duration
        elif self.container.duration is not None:  # the longest stream's
            self.source_duration = self.container.duration / av.time_base

    def close(self):
        self.container.close()

    def _origin(self) -> float:
        stream = self.stream
        if stream.start_time is not None and stream.time_base is not None:
            return float(stream.start_time * stream.time_base)
        return 0.0

    def _decode(self) -> Iterator["av.VideoFrame"]:
        """Decoded frames, after seeking near `start`; a decoding error or a frame the decoder flags as corrupt
        (damaged data it concealed) after the first frame ends the stream."""
        origin = self._origin()
        # A stream without timestamps (raw elementary stream) cannot seek, and its frame times are counted from its
        # first frame: it is decoded from the start, the frames before `start` skipped.
        if self.start > 0 and self.stream.start_time is not None:
            try:
                offset = int((self.start + origin) / self.stream.time_base)
                self.container.seek(offset, stream=self.stream, backward=True, any_frame=False)
            except av.FFmpegError as e:
                raise VideoDecodingError(self.path, f"cannot seek to {self.start:.3f} s ({e})") from e
        iterator = self.container.decode(self.stream)
        while True:
            try:
                frame = next(iterator)
            except StopIteration:
                return
            except (av.FFmpegError, OSError) as e:
                if self.decoded_frames == 0:
                    raise VideoDecodingError(self.path, f"no frame could be decoded ({e})") from e
                logger.warning(
                    f"Video {self.path!r} is damaged after {self.decoded_frames} decoded frames ({e}); keeping the "
                    "clips decoded before the damage."
                )
                self.truncated = True
                return
            if frame.is_corrupt and self.decoded_frames > 0:
                logger.warning(
                    f"Video {self.path!r} is damaged after {self.decoded_frames} decoded frames (the decoder flagged "
                    "a corrupt frame); keeping the clips decoded before the damage."
                )
                self.truncated = True
                return
            self.decoded_frames += 1
            yield frame

    def frames(self) -> Iterator[tuple[np.ndarray, float]]:
        """Yield `(rgb [h, w, 3] uint8, sampling time in s)` for every sampling time; repeated frames share one array."""
        origin = self._origin()
        step = 1.0 / self.fps
        k = 0
        t_k = self.start
        reformatter = av.video.reformatter.VideoReformatter()
        out_hw = None
        turns = 0  # quarter turns counter-clockwise from the display matrix (rotated phone videos)
        prev = prev_time = prev_rgb = None
        last_time = None
        self.truncated = False

        def convert(frame):
            nonlocal out_hw, turns
            if out_hw is None:
                # Sizes are those displayed: a 90 / 270 degree display rotation swaps the coded width and height.
                turns = round(frame.rotation / 90) % 4
                self.height, self.width = (frame.height, frame.width)[:: 1 if turns % 2 == 0 else -1]
                out_hw = (
                    (self.height, self.width) if self.size is None else _resized_hw(self.height, self.width, self.size)
                )
            height, width = out_hw[:: 1 if turns % 2 == 0 else -1]
            rgb = reformatter.reformat(
                frame, width=width, height=height, format="rgb24", interpolation=self.interpolation
            ).to_ndarray()
            return np.ascontiguousarray(np.rot90(rgb, turns)) if turns else rgb

        def done(t):
            return self.end is not None and t >= self.end - _TIME_EPS

        for frame in self._decode():
            if frame.pts is not None:
                time = float(frame.pts * (frame.time_base or self.stream.time_base)) - origin
            else:  # no timestamp: one frame period (at the bitstream's rate) after the previous frame
                self.source_fps = self.untimed_fps or self.source_fps
                time = 0.0 if last_time is None else last_time + (1.0 / self.source_fps if self.source_fps else step)
            last_time = time
            # `prev` is on screen from `prev_time` until `time`: it serves every sampling time in between.
            while prev is not None and time > t_k + _TIME_EPS:
                if done(t_k):
                    return
                if prev_rgb is None:
                    prev_rgb = convert(prev)
                yield prev_rgb, t_k
                k += 1
                t_k = self.start + k * step
            prev, prev_time, prev_rgb = frame, time, None
            if done(t_k):
                return
        if prev is None:
            if self.decoded_frames == 0 and self.start == 0:
                raise VideoDecodingError(self.path, "the video stream holds no decodable frame")
            return
        # The last frame stays on screen for its duration (or one source frame period).
        if prev.pts is not None and prev.duration and prev.time_base is not None:
            duration = float(prev.duration * prev.time_base)
        else:
            duration = 1.0 / self.source_fps if self.source_fps else step
        video_end = prev_time + duration
        if (
            not self.truncated
            and self.source_duration
            and self.end is None
            and video_end < self._declared_end() - max(1.0, 2 * duration)
        ):
            self.truncated = True
            logger.warning(
                f"Video {self.path!r} ends at {video_end:.2f} s but declares {self._declared_end():.2f} s "
                "(truncated file?); keeping the clips decoded up to the end."
            )
        while t_k < video_end - _TIME_EPS and not done(t_k):
            if prev_rgb is None:
                prev_rgb = convert(prev)
            yield prev_rgb, t_k
            k += 1
            t_k = self.start + k * step

    def _declared_end(self) -> float:
        return self.source_duration or 0.0

    def threaded_frames(self) -> Iterator[tuple[np.ndarray, float]]:
        """`frames()` produced on a worker thread, handed over through a small bounded queue."""
        handoff: queue.Queue = queue.Queue(maxsize=self._QUEUE_FRAMES)
        stop = threading.Event()
        sentinel = object()

        def put(item) -> bool:
            while not stop.is_set():
                try:
                    handoff.put(item, timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        def work():
            try:
                for item in self.frames():
                    if not put(item):
                        return
                put(sentinel)
            except BaseException as e:  # handed to the consumer, which re-raises it
                put(e)

        worker = threading.Thread(target=work, name=f"videobert-decode-{os.path.basename(self.path)}", daemon=True)
        worker.start()
        try:
            while True:
                item = handoff.get()
                if item is sentinel:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()
            worker.join()


class VideoBertVideoProcessor(BaseVideoProcessor):
    r"""
    Turns videos into the non-overlapping clips VideoBERT tokenizes (Sun et al., 2019): frames sampled at `fps`
    (20), cut into clips of `clip_length` (30) frames = 1.5 s, each resized (shortest edge 224), center-cropped to
    224x224, rescaled to [0, 1] and normalised with the mean / std of torchvision's S3D Kinetics-400 weights.

    Inputs: paths of video files (decoded by streaming, see [`~VideoBertVideoProcessor.iter_clips`]) or in-memory
    videos (`[T, H, W, 3]` / `[T, 3, H, W]` arrays or tensors, lists of them, lists of PIL frames). In-memory videos
    are resampled from `video_metadata["fps"]` to `fps` by the same timestamp rule as files; without a source fps
    (or with `do_sample_frames=False`) their frames are taken to be sampled at `fps` already.

    Outputs ([`~transformers.BatchFeature`]):
        - `pixel_values_videos`: `[num_clips, 3, clip_length, crop_height, crop_width]` float32, the clips of all
          videos concatenated in order (channels-first per clip, what S3D takes).
        - `num_clips_per_video`: `[num_videos]` int64; `pixel_values_videos.split(num_clips_per_video.tolist())`
          gives each video's clips.
        - `clip_times`: `[num_clips, 2]` float64, start and end time in seconds of each clip in its video (end of a
          padded clip = end of its last real frame), for aligning transcript sentences with clips.
        - `video_metadata` (only with `return_metadata=True`).

    Rules:
        - Sampling: frame `k` is the frame on screen at time `start + k / fps` (the last frame with timestamp
          `<= t`), for every such time before the end of the last frame; frames are dropped or repeated by timestamp.
        - Trailing partial clip: dropped by default (`pad_last_clip=False`); with `pad_last_clip=True` it is kept
          and padded by repeating its last frame. A video shorter than one clip therefore gives zero clips (no error)
          by default, one padded clip with `pad_last_clip=True`.

    Bad input (files; each case is generated and tested in `tests/test_bad_input_corpus.py`):
        - Unreadable (missing path, empty or non-video file, no video stream, no decodable frame): a
          [`VideoDecodingError`] (a `ValueError`) naming the file.
        - Damaged part way (truncated, or corrupt bytes in the middle), whose first part decodes: the clips decoded
          before the damage are returned (last partial clip per `pad_last_clip`) and a warning naming the file is
          logged. The damage is where the decoder fails, where it flags a frame as corrupt (concealed damage), or
          where the stream ends well before its declared duration (by more than max(1 s, two frame durations)).
        - Wrong declared duration or frame count: not used for the clips, which follow the decoded frames'
          timestamps; a declared duration longer than the decoded stream logs the truncation warning above.
          `video_metadata` reports the declared `duration` and the decoded `total_num_frames`.
        - No timestamps (raw `.h264` / `.hevc` elementary streams): frames are spaced by the frame rate the
          bitstream declares (else the demuxer's, 25 fps), reported as `video_metadata.fps`; with `start` the
          stream is decoded from its beginning (it cannot seek).
        - B-frames (any reordering) and variable frame rates: frames are placed by their presentation timestamps.
        - Rotation (phone videos: display matrix / `rotate` metadata): applied, in quarter turns (nearest), as
          players show the video; mirroring is ignored. Resizing, cropping and `video_metadata` width / height use
          the rotated (displayed) size.
        - Pixel formats (10-bit, 4:2:2, 4:4:4, RGB, ...): converted to 8-bit RGB by libswscale.
        - Several video streams: the first one (lowest index, as transformers' and torchvision's PyAV readers),
          whatever the default flag; the other streams are ignored.
    """

    resample = PILImageResampling.BILINEAR
    image_mean = S3D_KINETICS400_MEAN
    image_std = S3D_KINETICS400_STD
    size = {"shortest_edge": 224}
    default_to_square = False
    crop_size = {"height": 224, "width": 224}
    do_resize = True
    do_center_crop = True
    do_rescale = True
    rescale_factor = 1 / 255
    do_normalize = True
    do_convert_rgb = True
    do_sample_frames = True
    fps = 20
    clip_length = 30
    pad_last_clip = False
    valid_kwargs = VideoBertVideoProcessorKwargs
    model_input_names = ["pixel_values_videos"]

    def __init__(self, **kwargs: Unpack[VideoBertVideoProcessorKwargs]):
        super().__init__(**kwargs)

    # ----------------------------------------------------------------------------------------------- shared rules
    def _resolve_kwargs(self, kwargs: dict) -> dict:
        """Validate call kwargs and fill the missing ones from the processor, as `BaseVideoProcessor.preprocess`."""
        validate_kwargs(
            captured_kwargs=kwargs.keys(),
            valid_processor_keys=list(self.valid_kwargs.__annotations__.keys()) + ["return_tensors"],
        )
        kwargs = dict(kwargs)
        for name in self.valid_kwargs.__annotations__:
            kwargs.setdefault(name, getattr(self, name, None))
        kwargs = self._standardize_kwargs(**kwargs)
        if kwargs.get("num_frames") is not None:
            raise ValueError("VideoBERT samples frames by `fps`; `num_frames` is not supported.")
        if not kwargs["clip_length"] or kwargs["clip_length"] < 1:
            raise ValueError(f"`clip_length` must be a positive integer, got {kwargs['clip_length']}")
        return kwargs

    @staticmethod
    def _clip_layout(num_frames: int, clip_length: int, pad_last_clip: bool) -> list[int]:
        """Number of real frames in each clip of a video with `num_frames` sampled frames."""
        full, rest = divmod(num_frames, clip_length)
        return [clip_length] * full + ([rest] if rest and pad_last_clip else [])

    @staticmethod
    def _clip_times(lengths: list[int], fps: float, clip_length: int, start: float = 0.0) -> torch.Tensor:
        """`[len(lengths), 2]` start / end seconds of consecutive clips holding `lengths` real frames."""
        starts = [start + i * clip_length / fps for i in range(len(lengths))]
        return torch.tensor([[s, s + n / fps] for s, n in zip(starts, lengths)], dtype=torch.float64).reshape(-1, 2)

    def _normalize_clips(self, clips: torch.Tensor, kw: dict) -> torch.Tensor:
        """`[b, L, 3, H, W]` uint8 (any strides) -> `[b, 3, L, H, W]` float32, rescaled / normalised like the base, on
        the clips' device.

        Without rescaling and normalisation the clips stay uint8, as in `BaseVideoProcessor`."""
        dtype = torch.float32 if kw["do_rescale"] or kw["do_normalize"] else clips.dtype
        shape = (clips.shape[0], clips.shape[2], clips.shape[1], *clips.shape[3:])
        out = torch.empty(shape, dtype=dtype, device=clips.device)
        out.copy_(clips.permute(0, 2, 1, 3, 4))
        if kw["do_normalize"]:
            scale = 1.0 / kw["rescale_factor"] if kw["do_rescale"] else 1.0
            mean = (torch.tensor(kw["image_mean"], dtype=torch.float32) * scale).view(1, -1, 1, 1, 1)
            std = (torch.tensor(kw["image_std"], dtype=torch.float32) * scale).view(1, -1, 1, 1, 1)
            out.sub_(mean.to(out.device)).div_(std.to(out.device))
        elif kw["do_rescale"]:
            out.mul_(kw["rescale_factor"])
        return out

    def normalize_clips(self, clips: torch.Tensor, **kwargs: Unpack[VideoBertVideoProcessorKwargs]) -> torch.Tensor:
        """
        Rescale and normalise uint8 clips `[b, 3, clip_length, H, W]`, those of `iter_clips(..., do_rescale=False,
        do_normalize=False)`, into the float32 clips `iter_clips` yields, with the same arithmetic (the same values on
        the CPU), on the clips' device. Decoding workers send uint8 clips and the encoder's device normalises them: a
        quarter of the bytes of float32 pixels cross the processes and the bus to the GPU.

        Args:
            clips: uint8 tensor `[b, 3, clip_length, H, W]`, on any device.
            **kwargs: per-call overrides of the processor's settings (`do_rescale`, `rescale_factor`,
                `do_normalize`, `image_mean`, `image_std`).
        """
        if clips.dtype != torch.uint8 or clips.ndim != 5 or clips.shape[1] != 3:
            raise ValueError(
                "normalize_clips expects uint8 clips [b, 3, clip_length, H, W] (iter_clips with do_rescale=False, "
                f"do_normalize=False), got {clips.dtype} of shape {tuple(clips.shape)}."
            )
        return self._normalize_clips(clips.transpose(1, 2), self._resolve_kwargs(kwargs))

    # --------------------------------------------------------------------------------------------- in-memory path
    def sample_frames(self, metadata: VideoMetadata, fps: int | float | None = None, **kwargs) -> np.ndarray:
        """
        Indices of the frames on screen at times `k / fps` (same rule as the streaming decoder, for a constant frame
        rate `metadata.fps`). Without `metadata.fps` the frames are taken to be at `fps` already: all are kept.
        """
        fps = fps if fps is not None else self.fps
        total = metadata.total_num_frames
        if not metadata.fps or total == 0:
            return np.arange(total, dtype=int)
        duration = total / metadata.fps
        count = math.ceil(duration * fps - _TIME_EPS)
        indices = np.floor(np.arange(count) * (metadata.fps / fps) + _TIME_EPS).astype(int)
        return np.minimum(indices, total - 1)

    def _preprocess(
        self, videos: list[torch.Tensor], clip_length: int, pad_last_clip: bool, fps, return_tensors=None, **kwargs
    ) -> BatchFeature:
        cut_videos, layouts = [], []
        for video in videos:
            lengths = self._clip_layout(video.shape[0], clip_length, pad_last_clip)
            index = torch.arange(len(lengths) * clip_length)
            index = index.clamp(max=max(video.shape[0] - 1, 0))  # pads by repeating the last frame
            cut_videos.append(video[index] if lengths else video[:0])
            layouts.append(lengths)
        non_empty = [v for v in cut_videos if v.shape[0] > 0]
        processed = iter(super()._preprocess(videos=non_empty, **kwargs)["pixel_values_videos"] if non_empty else [])
        clips, times = [], []
        height, width = kwargs["crop_size"].height, kwargs["crop_size"].width
        for lengths in layouts:
            if lengths:
                frames = next(processed)
                height, width = frames.shape[-2:]
                clips.append(frames.reshape(len(lengths), clip_length, *frames.shape[1:]).transpose(1, 2))
            times.append(self._clip_times(lengths, fps, clip_length))
        channels = 3
        pixel_values = torch.cat(clips).contiguous() if clips else torch.zeros(0, channels, clip_length, height, width)
        data = {
            "pixel_values_videos": pixel_values,
            "num_clips_per_video": torch.tensor([len(lengths) for lengths in layouts], dtype=torch.int64),
            "clip_times": torch.cat(times),
        }
        return BatchFeature(data=data, tensor_type=return_tensors)

    # --------------------------------------------------------------------------------------------- streaming path
    def iter_clips(
        self,
        video: str | os.PathLike,
        start: float | None = None,
        end: float | None = None,
        batch_size: int = 4,
        decode_threads: int | None = None,
        **kwargs: Unpack[VideoBertVideoProcessorKwargs],
    ) -> Iterator[BatchFeature]:
        """
        Stream the clips of one video file, `batch_size` clips at a time, holding only those in memory.

        The file is decoded once, front to back, with PyAV (FFmpeg threads decode; a worker thread scales with
        libswscale while the caller's thread normalises). With `start` (seconds) the decoder seeks to the keyframe
        before it and skips to the exact time; clips then start at `start + i * clip_length / fps` and stop before
        `end` (seconds).

        Args:
            video: path of the video file.
            start, end: time range in seconds (default: the whole video).
            batch_size: clips per yielded batch (the last one may be smaller).
            decode_threads: FFmpeg's decoding threads (default: FFmpeg's choice, as many as the machine has cores).
                Processes that decode side by side set it to their share of the cores (`stream_clip_features`'s
                workers, the Ray engine's decode tasks); the frames are the same whatever the count.
            **kwargs: per-call overrides of the processor's settings (`fps`, `clip_length`, `pad_last_clip`,
                `size`, `crop_size`, `do_normalize`, ...).

        Yields:
            [`~transformers.BatchFeature`] with `pixel_values_videos` `[b, 3, clip_length, H, W]` float32 and
            `clip_times` `[b, 2]` float64 (start, end in seconds). Zero batches for a video shorter than one clip
            (unless `pad_last_clip=True`).

        Raises:
            [`VideoDecodingError`]: the file is missing, is not a video, has no video stream, or no frame decodes.
        """
        if batch_size < 1:
            raise ValueError(f"`batch_size` must be >= 1, got {batch_size}")
        if start is not None and end is not None and end <= start:
            raise ValueError(f"`end` ({end}) must be greater than `start` ({start})")
        if decode_threads is not None and (not isinstance(decode_threads, int) or decode_threads < 1):
            raise ValueError(f"`decode_threads` must be a positive integer or None, got {decode_threads!r}")
        kw = self._resolve_kwargs(kwargs)
        yield from self._iter_clips(os.fspath(video), start, end, batch_size, kw, threads=decode_threads)

    def _iter_clips(self, path: str, start, end, batch_size: int, kw: dict, info: dict | None = None, threads=None):
        clip_length, pad_last_clip, fps = kw["clip_length"], kw["pad_last_clip"], kw["fps"]
        interpolation = _SWS_INTERPOLATION.get(kw["resample"], "BILINEAR") if kw["do_resize"] else None
        size = kw["size"] if kw["do_resize"] else None
        decoder = _StreamDecoder(path, fps, start, end, size, interpolation, threads)
        t0 = decoder.start
        try:
            buffer = None  # [batch_size, clip_length, h, w, 3] uint8, filled frame by frame
            filled = 0  # frames written into `buffer`
            first_clip = 0  # index of the first clip in `buffer`
            for rgb, _ in decoder.threaded_frames():
                if buffer is None:
                    buffer = np.empty((batch_size, clip_length, *rgb.shape), dtype=np.uint8)
                buffer[filled // clip_length, filled % clip_length] = rgb
                filled += 1
                if filled == batch_size * clip_length:
                    yield self._emit(buffer, [clip_length] * batch_size, first_clip, t0, kw)
                    first_clip += batch_size
                    filled = 0
            lengths = self._clip_layout(filled, clip_length, pad_last_clip)
            if lengths:
                if lengths[-1] < clip_length:  # pad by repeating the last real frame
                    last = filled - 1
                    buffer[len(lengths) - 1, lengths[-1] :] = buffer[last // clip_length, last % clip_length]
                yield self._emit(buffer[: len(lengths)], lengths, first_clip, t0, kw)
            if info is not None:
                info.update(
                    total_num_frames=decoder.decoded_frames,
                    fps=decoder.source_fps,
                    width=decoder.width,
                    height=decoder.height,
                    duration=decoder.source_duration,
                    video_backend="pyav",
                )
        finally:
            decoder.close()

    def _emit(self, buffer: np.ndarray, lengths: list[int], first_clip: int, t0: float, kw: dict) -> BatchFeature:
        clips = torch.from_numpy(buffer).permute(0, 1, 4, 2, 3)  # [b, L, 3, h, w] view
        if kw["do_center_crop"]:
            b, length = clips.shape[:2]
            clips = self.center_crop(clips.reshape(b * length, *clips.shape[2:]), kw["crop_size"])
            clips = clips.reshape(b, length, *clips.shape[1:])
        pixel_values = self._normalize_clips(clips, kw)
        fps = kw["fps"]
        times = self._clip_times(lengths, fps, kw["clip_length"], start=t0 + first_clip * kw["clip_length"] / fps)
        return BatchFeature(data={"pixel_values_videos": pixel_values, "clip_times": times})

    # ------------------------------------------------------------------------------------------------ entry point
    def preprocess(
        self,
        videos: VideoInput,
        start: float | None = None,
        end: float | None = None,
        **kwargs: Unpack[VideoBertVideoProcessorKwargs],
    ) -> BatchFeature:
        """
        Preprocess one video or a batch of videos into clips (see the class docstring for the outputs).

        Args:
            videos: a path or list of paths (streamed with [`~VideoBertVideoProcessor.iter_clips`]), or in-memory
                videos as accepted by [`~transformers.BaseVideoProcessor`].
            start, end: time range in seconds, for file inputs only (applied to every file).
            **kwargs: per-call overrides of the processor's settings, plus `return_tensors` and `return_metadata`.
        """
        paths = [videos] if _is_path(videos) else videos
        if isinstance(paths, (list, tuple)) and paths and all(_is_path(p) for p in paths):
            return self._preprocess_files([os.fspath(p) for p in paths], start, end, kwargs)
        if start is not None or end is not None:
            raise ValueError("`start` / `end` are supported for video files only; slice in-memory videos instead.")
        self._resolve_kwargs(kwargs)  # same validation as for files (rejects `num_frames`, bad `clip_length`)
        return super().preprocess(videos, **kwargs)

    def _preprocess_files(self, paths: list[str], start, end, kwargs: dict) -> BatchFeature:
        return_tensors = kwargs.pop("return_tensors", None)
        kw = self._resolve_kwargs(kwargs)
        clips, times, counts, metadata = [], [], [], []
        for path in paths:
            info: dict = {}
            num_clips = 0
            for batch in self._iter_clips(path, start, end, 8, kw, info=info):
                clips.append(batch["pixel_values_videos"])
                times.append(batch["clip_times"])
                num_clips += batch["pixel_values_videos"].shape[0]
            counts.append(num_clips)
            metadata.append(VideoMetadata(**info) if info else None)
        if clips:
            pixel_values = torch.cat(clips)
        else:
            height, width = (kw["crop_size"].height, kw["crop_size"].width) if kw["do_center_crop"] else (0, 0)
            pixel_values = torch.zeros(0, 3, kw["clip_length"], height, width)
        data = {
            "pixel_values_videos": pixel_values,
            "num_clips_per_video": torch.tensor(counts, dtype=torch.int64),
            "clip_times": torch.cat(times) if times else torch.zeros(0, 2, dtype=torch.float64),
        }
        if kw["return_metadata"]:
            data["video_metadata"] = metadata
        return BatchFeature(data=data, tensor_type=return_tensors)


__all__ = ["VideoBertVideoProcessor", "VideoDecodingError"]
