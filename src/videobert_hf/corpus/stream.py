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
Clip features of a whole corpus as one stream: videos decoded in worker processes (or in-process), their clips
gathered into encoder batches that span videos, encoded on the visual tokenizer's device while the workers decode the
next ones. Both data scripts and the Ray engine's encoder actors encode through here.

Per-video decode timeout: with `num_workers >= 1`, a video whose decoder yields no batch of clips for
`decode_timeout` seconds (a hung demuxer, a network mount that stopped answering) is reported as bad (its result
carries the error) and its worker process is killed and replaced; the other videos go on. With `num_workers=0` the
decoding runs in the calling process and cannot be interrupted: use workers for corpora you do not trust.
"""

import contextlib
import os
import signal
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import wait

import numpy as np
import torch

from ..video_processing_videobert import VideoDecodingError
from ..visual_tokenizer_videobert import NonFiniteFeaturesError
from .clips import denormalize_frames


DEFAULT_DECODE_TIMEOUT = 300.0


def resolve_device(device: str | None = None) -> torch.device:
    """`device` as a `torch.device`; None: CUDA when available, else the CPU. A GPU asked for where there is none fails."""
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError as error:
        raise ValueError(f"--device {device!r} is not a device (e.g. cpu, cuda, cuda:1).") from error
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"--device {device!r}: no CUDA GPU is available here (torch {torch.__version__}, "
                f"torch.cuda.is_available() is False); use --device cpu."
            )
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise ValueError(f"--device {device!r}: this machine has {torch.cuda.device_count()} CUDA GPUs.")
    elif resolved.type not in ("cpu", "mps", "xpu"):
        raise ValueError(f"--device {device!r}: expected cpu or cuda[:index].")
    return resolved


def resolve_dtype(dtype: str | None, device: torch.device) -> torch.dtype:
    """The clip encoder's dtype: `float32`, `bfloat16` or `float16` (None: float32). Half precision is for GPUs."""
    names = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
    if dtype is None:
        return torch.float32
    if dtype not in names:
        raise ValueError(f"--dtype {dtype!r}: expected one of {sorted(names)}.")
    if names[dtype] is torch.float16 and device.type == "cpu":
        raise ValueError("--dtype float16 is not supported on the CPU: use float32 (or bfloat16).")
    return names[dtype]


def place_visual_tokenizer(visual_tokenizer, device=None, dtype=None):
    """
    Moves the visual tokenizer to `device` (see `resolve_device`) with its clip encoder in `dtype` (the codebook and
    the features stay float32: `get_clip_features` returns float32). Returns it, in eval mode.
    """
    device = resolve_device(device) if not isinstance(device, torch.device) else device
    dtype = resolve_dtype(dtype, device) if not isinstance(dtype, torch.dtype) else dtype
    visual_tokenizer.to(device)
    visual_tokenizer.clip_encoder.to(dtype)
    return visual_tokenizer.eval()


@dataclass
class VideoClipFeatures:
    """One video's result: float32 features `[n, d]`, clip times `[n, 2]`, thumbnails or None; `error` when bad."""

    index: int
    video_id: str
    path: str
    features: np.ndarray | None = None
    clip_times: np.ndarray | None = None
    thumbnails: np.ndarray | None = None
    error: str = ""


def encode_clips(visual_tokenizer, video_processor, clips: torch.Tensor, batch_size: int = 8) -> torch.Tensor:
    """
    Clip features `[b, feature_dim]` (float32, on the visual tokenizer's device) of uint8 clips `[b, 3, L, H, W]`
    (`iter_clips(..., do_rescale=False, do_normalize=False)`), moved to the tokenizer's device and normalised there
    (`video_processor.normalize_clips`: the values of `iter_clips`'s float32 clips), then encoded `batch_size` at a
    time. Float clips are taken as normalised already. The stream and the Ray engine's encoder actors encode here.
    """
    if clips.dtype == torch.uint8:
        clips = video_processor.normalize_clips(clips.to(visual_tokenizer.device))
    return visual_tokenizer.get_clip_features(clips, batch_size=batch_size)


def _decode_messages(video_processor, index, path, batch_size, with_thumbnails, decode_threads=None):
    """
    The messages of one video: ("clips", index, uint8 clips, times, thumbnails)..., then ("done", index) or ("error",
    ...). The clips stay uint8 (a quarter of the bytes of float32 pixels through the pipe and to the GPU); the
    encoder's device normalises them (`encode_clips`).
    """
    try:
        clips_of = video_processor.iter_clips(
            path, batch_size=batch_size, decode_threads=decode_threads, do_rescale=False, do_normalize=False
        )
        for batch in clips_of:
            clips = batch["pixel_values_videos"]
            thumbnails = None
            if with_thumbnails:  # from the normalised middle frames, as `iter_clip_features` makes them
                middle = clips.shape[2] // 2
                middle = video_processor.normalize_clips(clips[:, :, middle : middle + 1])[:, :, 0]
                thumbnails = denormalize_frames(middle, video_processor.image_mean, video_processor.image_std)
            yield ("clips", index, clips, torch.as_tensor(batch["clip_times"]), thumbnails)
    except VideoDecodingError as error:
        yield ("error", index, str(error))
        return
    except Exception as error:  # noqa: BLE001 - a decoder crash on one video must not stop the corpus
        yield ("error", index, f"{path}: decoding failed ({type(error).__name__}: {error})")
        return
    yield ("done", index)


def _release(worker):
    """One more batch of clips the worker may decode ahead (it waited for the encoder to take one)."""
    if worker is not None and worker.process.is_alive():
        worker.credits.release()
        worker.last_progress = time.monotonic()


def _die_with_parent():
    """A worker ends when the process that started it does, even when that one is SIGKILLed (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _worker_main(video_processor, batch_size, with_thumbnails, decode_threads, tasks, connection, credits):
    """
    A decoding worker: takes (index, path) tasks until None; sends its messages, one credit per batch of clips. It
    decodes with `decode_threads` FFmpeg threads (its share of the cores: FFmpeg's default, one per core in every
    worker, oversubscribes the machine num_workers times).
    """
    _die_with_parent()
    torch.set_num_threads(1)
    while True:
        task = tasks.get()
        if task is None:
            break
        index, path = task
        connection.send(("start", index))
        for message in _decode_messages(video_processor, index, path, batch_size, with_thumbnails, decode_threads):
            if message[0] == "clips":
                credits.acquire()  # bounded prefetch: at most `prefetch` batches waiting per worker
            connection.send(message)
    connection.close()


class _Worker:
    def __init__(self, context, video_processor, batch_size, with_thumbnails, prefetch, decode_threads):
        self.tasks = context.SimpleQueue()
        self.credits = context.Semaphore(prefetch)
        receive, send = context.Pipe(duplex=False)
        self.connection = receive
        self.process = context.Process(
            target=_worker_main,
            args=(video_processor, batch_size, with_thumbnails, decode_threads, self.tasks, send, self.credits),
            daemon=True,
        )
        self.process.start()
        send.close()
        self.current = None  # index of the video being decoded
        self.assigned = deque()  # indices sent, not finished
        self.last_progress = time.monotonic()

    def stop(self, kill=False):
        if kill:
            self.process.kill()
        else:
            with contextlib.suppress(Exception):
                self.tasks.put(None)
        self.process.join(timeout=None if not kill else 10)
        self.connection.close()


def stream_clip_features(
    visual_tokenizer,
    video_processor,
    videos: Iterable[tuple[str, str | os.PathLike]],
    *,
    batch_size: int = 8,
    num_workers: int = 0,
    decode_timeout: float | None = DEFAULT_DECODE_TIMEOUT,
    with_thumbnails: bool = False,
    prefetch: int = 2,
    videos_ahead: int = 2,
) -> Iterator[VideoClipFeatures]:
    """
    Clip features of every video of `videos` (`(video_id, path)` pairs), one `VideoClipFeatures` per video as soon as
    its last clip is encoded (in completion order; `index` is the video's place in `videos`).

    The visual tokenizer encodes batches of `batch_size` clips on its own device and dtype (see
    `place_visual_tokenizer`), filled across videos. `num_workers` processes decode (each a video at a time, at
    most `prefetch` batches of clips ahead of the encoder, `videos_ahead` videos queued each: memory is flat in corpus
    size and video length); 0 decodes in this process, between encoder batches. A video that cannot be decoded, whose
    pixels or features hold NaN or inf, or whose decoder makes no progress for `decode_timeout` seconds (workers
    only; None: no limit) comes back with `error` set; the others are unaffected. A video shorter than one clip comes
    back with 0 clips.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}.")
    if num_workers < 0:
        raise ValueError(f"num_workers must be >= 0, got {num_workers}.")
    stream = _ClipStream(visual_tokenizer, video_processor, batch_size, with_thumbnails)
    if num_workers == 0:
        yield from stream.run_in_process(videos)
    else:
        yield from stream.run_with_workers(videos, num_workers, decode_timeout, prefetch, videos_ahead)


class _ClipStream:
    """The state of one `stream_clip_features` call: videos in flight, decoded clips waiting, results ready."""

    def __init__(self, visual_tokenizer, video_processor, batch_size, with_thumbnails):
        self.visual_tokenizer, self.video_processor = visual_tokenizer, video_processor
        self.batch_size, self.with_thumbnails = batch_size, with_thumbnails
        self.state = {}  # index -> {"video_id", "path", "parts", "waiting", "done"}
        self.pending = deque()  # (index, clips, times, thumbnails) waiting for the encoder, in arrival order
        self.finished = deque()

    # ------------------------------------------------------------------ bookkeeping
    def new_video(self, index, video_id, path):
        self.state[index] = {"video_id": video_id, "path": os.fspath(path), "parts": [], "waiting": 0, "done": False}

    def complete(self, index, error=""):
        entry = self.state.pop(index)
        result = VideoClipFeatures(index, entry["video_id"], entry["path"], error=error)
        if not error:
            parts = entry["parts"]
            dim = self.visual_tokenizer.config.feature_dim
            result.features = np.concatenate([p[0] for p in parts]) if parts else np.zeros((0, dim), np.float32)
            result.clip_times = np.concatenate([p[1] for p in parts]) if parts else np.zeros((0, 2))
            if self.with_thumbnails and parts:
                result.thumbnails = np.concatenate([p[2] for p in parts])
        self.finished.append(result)

    def fail(self, index, error):
        if index in self.state:
            for entry in self.pending:
                if entry[0] == index:
                    _release(entry[4])
            self.pending = deque(p for p in self.pending if p[0] != index)
            self.complete(index, error)

    def receive(self, message, owner=None):
        kind, index = message[0], message[1]
        if index not in self.state:  # a video already failed (e.g. timed out)
            return
        if kind == "clips":
            _, _, clips, times, thumbnails = message
            self.pending.append((index, clips, times, thumbnails, owner))
            self.state[index]["waiting"] += clips.shape[0]
        elif kind == "done":
            self.state[index]["done"] = True
            if not self.state[index]["waiting"]:
                self.complete(index)
        elif kind == "error":
            self.fail(index, message[2])

    def pending_clips(self):
        return sum(p[1].shape[0] for p in self.pending)

    def drain(self):
        while self.finished:
            yield self.finished.popleft()

    # ------------------------------------------------------------------ encoding
    def _features(self, clips):
        return encode_clips(self.visual_tokenizer, self.video_processor, clips, self.batch_size).cpu().numpy()

    def encode(self, size):
        """Encodes the first `size` pending clips (one batch across videos) and files their features by video."""
        taken = []
        while size > 0 and self.pending:
            index, clips, times, thumbnails, owner = self.pending.popleft()
            if clips.shape[0] > size:
                rest = (index, clips[size:], times[size:], None if thumbnails is None else thumbnails[size:], owner)
                self.pending.appendleft(rest)
                clips, times = clips[:size], times[:size]
                thumbnails = None if thumbnails is None else thumbnails[:size]
            else:
                _release(owner)  # the worker's batch is consumed: it may decode one more
            taken.append((index, clips, times, thumbnails))
            size -= clips.shape[0]
        try:
            features = self._features(torch.cat([t[1] for t in taken]))
            pieces = np.split(features, np.cumsum([t[1].shape[0] for t in taken])[:-1])
        except NonFiniteFeaturesError:
            pieces = []
            for index, clips, _, _ in taken:  # the video(s) to blame, each on its own
                try:
                    pieces.append(self._features(clips))
                except NonFiniteFeaturesError as error:
                    pieces.append(None)
                    if index in self.state:
                        entry = self.state[index]
                        clip = sum(p[0].shape[0] for p in entry["parts"]) + error.row
                        self.fail(index, f"{entry['path']}: clip {clip} of the video: {error}")
        for (index, clips, times, thumbnails), piece in zip(taken, pieces):
            if piece is None or index not in self.state:
                continue
            entry = self.state[index]
            entry["parts"].append((piece, times.numpy(), thumbnails))
            entry["waiting"] -= clips.shape[0]
            if entry["done"] and not entry["waiting"]:
                self.complete(index)

    # ------------------------------------------------------------------ drivers
    def run_in_process(self, videos):
        for index, (video_id, path) in enumerate(videos):
            self.new_video(index, video_id, path)
            messages = _decode_messages(self.video_processor, index, os.fspath(path), self.batch_size,
                                        self.with_thumbnails)  # fmt: skip
            for message in messages:
                self.receive(message)
                while self.pending_clips() >= self.batch_size:
                    self.encode(self.batch_size)
                yield from self.drain()
        while self.pending:
            self.encode(self.batch_size)
        yield from self.drain()

    def _start_worker(self, context, prefetch):
        threads = max(1, (os.cpu_count() or 1) // self.num_workers)
        return _Worker(context, self.video_processor, self.batch_size, self.with_thumbnails, prefetch, threads)

    def _retire(self, workers, worker, context, prefetch, reason, only_current):
        """Kills `worker`; its current video (all its videos, if `only_current` is False) fail; the rest move on."""
        worker.stop(kill=True)
        current = worker.current if worker.current is not None else (worker.assigned[0] if worker.assigned else None)
        fresh = self._start_worker(context, prefetch)
        workers[workers.index(worker)] = fresh
        for index in worker.assigned:
            if index in self.state and (index == current or not only_current):
                self.fail(index, f"{self.state[index]['path']}: {reason}")
            elif index in self.state:  # queued behind the stalled video: the fresh worker decodes it from the start
                self.pending = deque(p for p in self.pending if p[0] != index)
                self.state[index].update(parts=[], waiting=0, done=False)
                fresh.assigned.append(index)
                fresh.tasks.put((index, self.state[index]["path"]))

    def run_with_workers(self, videos, num_workers, decode_timeout, prefetch, videos_ahead):
        context = torch.multiprocessing.get_context("fork")
        self.num_workers = num_workers
        videos = enumerate(videos)
        workers = [self._start_worker(context, prefetch) for _ in range(num_workers)]
        exhausted = False

        def assign():
            nonlocal exhausted
            for worker in workers:
                while not exhausted and len(worker.assigned) < videos_ahead:
                    item = next(videos, None)
                    if item is None:
                        exhausted = True
                        break
                    index, (video_id, path) = item
                    self.new_video(index, video_id, path)
                    worker.assigned.append(index)
                    worker.tasks.put((index, os.fspath(path)))

        try:
            assign()
            while self.state:
                full = self.pending_clips() >= self.batch_size
                ready = wait([w.connection for w in workers], timeout=0 if full else 0.5)
                for worker in list(workers):
                    if worker.connection not in ready:
                        continue
                    try:
                        message = worker.connection.recv()
                    except (EOFError, OSError):
                        self._retire(workers, worker, context, prefetch, "its decoding worker process died", False)
                        continue
                    worker.last_progress = time.monotonic()
                    if message[0] == "start":
                        worker.current = message[1]
                        continue
                    self.receive(message, worker)
                    if message[0] in ("done", "error"):
                        worker.assigned.remove(message[1])
                        worker.current = None
                # a full batch; or what is there when no more can come soon (all idle, or none sent anything)
                if self.pending_clips() >= self.batch_size or (self.pending and not ready):
                    self.encode(self.batch_size)
                elif self.pending and not any(worker.assigned for worker in workers):
                    self.encode(self.batch_size)
                if decode_timeout is not None:
                    now = time.monotonic()
                    for entry in self.pending:  # a worker whose clips wait for the encoder is not stalled
                        if entry[4] is not None:
                            entry[4].last_progress = now
                    for worker in list(workers):
                        if worker.assigned and now - worker.last_progress > decode_timeout:
                            reason = f"the decoder made no progress for {decode_timeout:g} s (decode timeout): skipped"
                            self._retire(workers, worker, context, prefetch, reason, True)
                assign()
                yield from self.drain()
            yield from self.drain()
        finally:
            for worker in workers:
                worker.stop(kill=bool(self.state) or not exhausted)
