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
The Ray Data engine of `examples/tokenize_videos.py --engine ray`: the same rows as the one-machine engines, from a
streaming pipeline that spreads over a Ray cluster (or an embedded local Ray: `ray.init()`, nothing to start).

    corpus rows ──▶ decode + clip (CPU tasks, `num_cpus` each, one video per task)
                ──▶ clip encoder + codebook (an actor pool: one model per actor, `num_gpus=1` each on GPUs)
                ──▶ the driver: each video's clips put together, its text tokenized and aligned to its clips
                ──▶ Parquet files of finished videos (`<output>/shards/part-*.parquet`, `index` = place in the corpus)

Ray Data streams with backpressure between the stages, so memory stays flat in corpus size. A restarted job skips
the videos whose rows are in a Parquet file already (every file is written whole: a temporary file, then a rename).
A video that cannot be decoded comes back with its error; a decode task that makes no progress for `decode_timeout`
seconds ends its worker process (the video is reported as bad, the pipeline goes on: failed blocks are tolerated).
Needs the `ray` extra (`pip install videobert_hf[ray]`).
"""

import os
import socket
import threading
import time
import uuid
import zipfile
from pathlib import Path

import numpy as np
import torch

from ..visual_tokenizer_videobert import NonFiniteFeaturesError
from .rows import tokenized_row, visual_tokens
from .stream import encode_clips, place_visual_tokenizer, resolve_dtype


class RayEngineError(RuntimeError):
    """Ray is missing, its cluster cannot be reached, or it lacks what was asked (e.g. GPUs)."""


_STATE = {}  # per Ray worker process: the loaded processor


def _processor(vocabulary_dir):
    from transformers import AutoProcessor

    if _STATE.get("vocabulary_dir") != vocabulary_dir:
        _STATE["processor"] = AutoProcessor.from_pretrained(vocabulary_dir)
        _STATE["vocabulary_dir"] = vocabulary_dir
    return _STATE["processor"]


def _load_visual_tokenizer(vocabulary_dir, device, dtype):
    from ..visual_tokenizer_videobert import VideoBertVisualTokenizer

    tokenizer = VideoBertVisualTokenizer.from_pretrained(os.path.join(vocabulary_dir, "visual_tokenizer"))
    return place_visual_tokenizer(tokenizer, torch.device(device), resolve_dtype(dtype, torch.device(device)))


def check_reachable(address: str, timeout: float = 10.0) -> None:
    """Raises `RayEngineError` unless a TCP connection to `address` (`host:port`, `ray://host:port`) opens in time."""
    if address in ("auto", "local"):
        return
    host_port = address.split("://", 1)[-1].rstrip("/")
    host, _, port = host_port.rpartition(":")
    try:
        port = int(port)
    except ValueError:
        raise RayEngineError(f"--ray_address {address!r} is not host:port (e.g. 10.0.0.5:6379).") from None
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as error:
        raise RayEngineError(
            f"--ray_address {address!r}: no Ray cluster answers there ({error}, within {timeout:g} s). Start one "
            "(`ray start --head` on the head node) or leave --ray_address out to run on a local Ray."
        ) from None


def init_ray(address: str | None = None, num_cpus: int | None = None) -> bool:
    """Connects to the cluster at `address`, or starts a local Ray; returns whether this call started Ray."""
    try:
        import ray
    except ImportError as error:
        raise RayEngineError("The Ray engine needs Ray Data: pip install 'videobert_hf[ray]'.") from error
    if address:
        check_reachable(address)
    if ray.is_initialized():
        return False
    if address:
        try:
            ray.init(address=address, log_to_driver=False)
        except (ConnectionError, RuntimeError) as error:
            raise RayEngineError(f"--ray_address {address!r}: cannot join the Ray cluster ({error}).") from error
    else:
        ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False)
    return True


def decode_video(batch, vocabulary_dir, clip_batch, decode_timeout, clip_shape):
    """
    Decode stage (one video per call): yields its clips, `clip_batch` at a time, then one marker row (`clip` -1,
    `num_clips`, `error`). A decoder that makes no progress for `decode_timeout` seconds ends this worker process.
    """
    video_processor = _processor(vocabulary_dir).video_processor
    (index,), (path,) = batch["index"], batch["path"]
    progress = [time.monotonic(), False]  # last progress; whether the task waits in a `yield` (backpressure)
    stop = threading.Event()
    if decode_timeout:

        def watchdog():
            while not stop.wait(1.0):
                if progress[1]:  # the pipeline does not take the clips yet: the decoder is not to blame
                    progress[0] = time.monotonic()
                elif time.monotonic() - progress[0] > decode_timeout:
                    os._exit(3)  # the block fails; the driver reports the video (it has no marker row)

        threading.Thread(target=watchdog, daemon=True).start()
    num_clips, error = 0, ""
    try:
        # uint8 clips: a quarter of float32's bytes through the object store; the encoder actor normalises them. One
        # FFmpeg thread: the task holds one CPU (FFmpeg's default takes every core, in every task).
        clips_of = video_processor.iter_clips(
            str(path), batch_size=clip_batch, decode_threads=1, do_rescale=False, do_normalize=False
        )
        for clips in clips_of:
            pixels = clips["pixel_values_videos"].numpy()
            count = pixels.shape[0]
            times = np.asarray(clips["clip_times"], dtype=np.float64)
            progress[1] = True
            yield {
                "index": np.full(count, index),
                "path": np.array([path] * count, dtype=object),
                "clip": np.arange(num_clips, num_clips + count),
                "pixels": pixels,
                "start": times[:, 0],
                "end": times[:, 1],
                "num_clips": np.full(count, -1),
                "error": np.array([""] * count, dtype=object),
            }
            num_clips += count
            progress[:] = [time.monotonic(), False]
    except Exception as decode_error:  # noqa: BLE001 - VideoDecodingError, or any crash of the decoder on this file
        from ..video_processing_videobert import VideoDecodingError

        error = str(decode_error)
        if not isinstance(decode_error, VideoDecodingError):
            error = f"{path}: decoding failed ({type(decode_error).__name__}: {decode_error})"
    finally:
        stop.set()
    yield {
        "index": np.array([index]),
        "path": np.array([path], dtype=object),
        "clip": np.array([-1]),
        "pixels": np.zeros((1, *clip_shape), dtype=np.uint8),
        "start": np.zeros(1),
        "end": np.zeros(1),
        "num_clips": np.array([num_clips]),
        "error": np.array([error], dtype=object),
    }


class ClipEncoder:
    """Encoder stage (an actor: one model each): the visual token id of each clip; marker rows pass through."""

    def __init__(self, vocabulary_dir, device, dtype, batch_size, num_threads=None):
        # Ray starts an actor with OMP_NUM_THREADS = its `num_cpus` (1), which leaves a CPU encoder one intra-op thread
        if num_threads:
            torch.set_num_threads(num_threads)
        self.visual_tokenizer = _load_visual_tokenizer(vocabulary_dir, device, dtype)
        self.video_processor = _processor(vocabulary_dir).video_processor
        self.batch_size = batch_size

    def _ids(self, pixels):
        clips = torch.from_numpy(np.ascontiguousarray(pixels))
        features = encode_clips(self.visual_tokenizer, self.video_processor, clips, batch_size=self.batch_size)
        return self.visual_tokenizer.encode(features).cpu().numpy()

    def __call__(self, batch):
        real = batch["clip"] >= 0
        ids = np.full(len(real), -1, dtype=np.int64)
        errors = np.array(batch["error"], dtype=object)
        if real.any():
            rows = np.flatnonzero(real)
            try:
                ids[rows] = self._ids(batch["pixels"][rows])
            except NonFiniteFeaturesError:
                for row in rows:  # one clip at a time: name the bad ones
                    try:
                        ids[row] = self._ids(batch["pixels"][row : row + 1])[0]
                    except NonFiniteFeaturesError as error:
                        errors[row] = f"{batch['path'][row]}: clip {batch['clip'][row]} of the video: {error}"
        return {
            "index": batch["index"],
            "clip": batch["clip"],
            "visual_id": ids,
            "start": batch["start"],
            "end": batch["end"],
            "num_clips": batch["num_clips"],
            "error": errors,
        }


class _Assembler:
    """The driver's stage: puts each video's clips together and writes finished rows to Parquet files."""

    def __init__(self, rows, processor, shards_dir, rows_per_file, on_file_done):
        self.rows, self.processor, self.shards_dir = rows, processor, Path(shards_dir)
        self.rows_per_file, self.on_file_done = rows_per_file, on_file_done
        self.videos = {}  # index -> {"clips": {clip: (id, start, end)}, "num_clips", "error"}
        self.buffer = []
        self.finished = set()

    def add(self, batch):
        for index, clip, visual_id, start, end, num_clips, error in zip(
            batch["index"].tolist(),
            batch["clip"].tolist(),
            batch["visual_id"].tolist(),
            batch["start"].tolist(),
            batch["end"].tolist(),
            batch["num_clips"].tolist(),
            batch["error"],
        ):
            video = self.videos.setdefault(index, {"clips": {}, "num_clips": None, "error": ""})
            if error and not video["error"]:
                video["error"] = str(error)
            if clip < 0:
                video["num_clips"] = num_clips
            else:
                video["clips"][clip] = (visual_id, start, end)
            if video["num_clips"] is not None and (video["error"] or len(video["clips"]) == video["num_clips"]):
                self.finish(index, self.videos.pop(index))

    def finish(self, index, video, error=None):
        path = self.rows["path"][index]
        error = error or video["error"]
        clips = [video["clips"][c] for c in sorted(video["clips"])] if not error else []
        if not error and not clips:
            error = f"{path}: shorter than one clip"
        row = tokenized_row(
            self.processor,
            self.rows["sentences"][index],
            self.rows["sentence_times"][index],
            [c[0] for c in clips],
            [[c[1], c[2]] for c in clips],
            error,
        )
        self.add_row(index, row)

    def add_row(self, index, row):
        self.finished.add(index)
        self.buffer.append({"index": index, "video_id": self.rows["video_id"][index], "path": self.rows["path"][index],
                            **row})  # fmt: skip
        if len(self.buffer) >= self.rows_per_file:
            self.flush()

    def flush(self):
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self.buffer:
            return
        rows, self.buffer = sorted(self.buffer, key=lambda r: r["index"]), []
        final = self.shards_dir / f"part-{rows[0]['index']:09d}-{uuid.uuid4().hex[:8]}.parquet"
        temporary = final.with_name(f".{final.name}.partial")
        pq.write_table(pa.Table.from_pylist(rows, schema=_SCHEMA), temporary)
        os.replace(temporary, final)  # whole files only: a killed job leaves no half-written rows
        if self.on_file_done is not None:
            self.on_file_done(final)


def _schema():
    import pyarrow as pa

    floats = pa.list_(pa.list_(pa.float64()))
    ints = pa.list_(pa.list_(pa.int64()))
    return pa.schema(
        [
            ("index", pa.int64()),
            ("video_id", pa.string()),
            ("path", pa.string()),
            ("sentences", pa.list_(pa.string())),
            ("sentence_times", floats),
            ("skipped_sentences", pa.list_(pa.string())),
            ("visual_ids", pa.list_(pa.int64())),
            ("clip_times", floats),
            ("sentence_text_ids", ints),
            ("sentence_clip_spans", ints),
            ("error", pa.string()),
        ]
    )


_SCHEMA = None


def written_indices(shards_dir) -> set[int]:
    """The corpus places of the videos whose rows are in the Parquet files of `shards_dir`."""
    import pyarrow.parquet as pq

    done = set()
    for file in sorted(Path(shards_dir).glob("part-*.parquet")):
        done.update(pq.read_table(file, columns=["index"]).column("index").to_pylist())
    return done


def tokenize_with_ray(rows, args, features_dir, shards_dir, on_file_done=None):
    """
    Tokenizes the corpus `rows` (`video_id`, `path`, `sentences`, `sentence_times` lists) into Parquet files under
    `shards_dir`, skipping the videos already there. `args`: the script's arguments (`vocabulary_dir`, `device`,
    `dtype`, `batch_size`, `decode_timeout`, `shard_size` = rows per Parquet file, `ray_address`, `ray_num_cpus`,
    `ray_num_actors`, optionally `ray_encoder_threads`).
    """
    global _SCHEMA
    _SCHEMA = _SCHEMA or _schema()
    started = init_ray(args.ray_address, args.ray_num_cpus)
    import ray

    try:
        gpus = int(ray.cluster_resources().get("GPU", 0))
        device = args.device or ("cuda" if gpus else "cpu")
        if device.startswith("cuda") and not gpus:
            raise RayEngineError(f"--device {device}: the Ray cluster has no GPU (its resources: "
                                 f"{ray.cluster_resources()}); use --device cpu.")  # fmt: skip
        resolve_dtype(args.dtype, torch.device("cuda" if device.startswith("cuda") else device))
        processor = _processor(args.vocabulary_dir)
        assembler = _Assembler(rows, processor, shards_dir, args.shard_size, on_file_done)
        done = written_indices(shards_dir)
        todo = [i for i in range(len(rows["video_id"])) if i not in done]
        if done:
            print(f"{len(done)} of {len(rows['video_id'])} videos already tokenized in {shards_dir}: "
                  f"tokenizing the other {len(todo)}")  # fmt: skip
        todo = _cached_first(todo, rows, features_dir, args, assembler)
        if todo:
            _run_pipeline(ray, todo, rows, args, device, gpus, processor, assembler)
        assembler.flush()
    finally:
        if started:
            ray.shutdown()


def _cached_first(todo, rows, features_dir, args, assembler):
    """Videos with cached features (`<features_dir>/<video_id>.npz`) are tokenized here; returns the others."""
    if not features_dir:
        return todo
    from .clips import load_clip_features

    others, visual_tokenizer = [], None
    for index in todo:
        video_id = rows["video_id"][index]
        cached = Path(features_dir) / f"{video_id}.npz"
        try:
            arrays = load_clip_features(cached, video_id) if cached.exists() else None
        except NonFiniteFeaturesError as error:
            arrays, error_text = None, f"{error} Delete the file to compute the features again."
            assembler.add_row(index, tokenized_row(assembler.processor, rows["sentences"][index],
                                                   rows["sentence_times"][index], [], [], error_text))  # fmt: skip
            continue
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
            print(f"{cached} is unreadable ({error}): computing the features of {video_id} again")
            arrays = None
        if visual_tokenizer is None and arrays is not None:
            visual_tokenizer = _load_visual_tokenizer(args.vocabulary_dir, "cpu", None)
        if arrays is None or arrays["features"].shape[1] != visual_tokenizer.config.feature_dim:
            others.append(index)
            continue
        ids, times, error = visual_tokens(visual_tokenizer, arrays["features"], arrays["clip_times"], video_id, cached)
        row = tokenized_row(assembler.processor, rows["sentences"][index], rows["sentence_times"][index], ids, times,
                            error)  # fmt: skip
        assembler.add_row(index, row)
    return others


def build_pipeline(
    ray,
    items,
    vocabulary_dir,
    *,
    batch_size,
    decode_timeout,
    clip_shape,
    device,
    dtype,
    num_actors,
    encoder_threads=None,
):
    """
    The Ray Data pipeline of `items` (`{"index", "path"}` rows): decode tasks (one CPU each) -> encoder actors
    (`num_actors`, one GPU each on `cuda`). Rows out: `index`, `clip` (-1: a video's marker row), `visual_id`,
    `start`, `end`, `num_clips` and `error`. A CPU encoder actor reserves one CPU (the rest stay free for decode
    tasks) but runs `encoder_threads` intra-op threads (default: the driver machine's CPUs over `num_actors`), as
    the one-machine engines' encoder runs torch's default threads beside its decoding processes.
    """
    context = ray.data.DataContext.get_current()
    context.max_errored_blocks = -1  # a decode task that dies (a hung video) loses its video only
    context.enable_progress_bars = False
    dataset = ray.data.from_items(items, override_num_blocks=len(items))
    dataset = dataset.map_batches(
        decode_video,
        batch_size=1,
        num_cpus=1,
        # a hung decoder's task is not retried; and remote arguments that differ from the encoder's keep Ray Data
        # from fusing the decode tasks into the encoder actors (which would then decode in turn with encoding)
        max_retries=0,
        fn_kwargs={
            "vocabulary_dir": os.fspath(vocabulary_dir),
            "clip_batch": batch_size,
            "decode_timeout": decode_timeout,
            "clip_shape": clip_shape,
        },
    )
    on_gpu = device.startswith("cuda")
    if encoder_threads is None and not on_gpu:
        encoder_threads = max(1, (os.cpu_count() or 1) // num_actors)
    return dataset.map_batches(
        ClipEncoder,
        batch_size=batch_size,
        compute=ray.data.ActorPoolStrategy(size=num_actors),
        num_gpus=1 if on_gpu else 0,
        num_cpus=1,
        fn_constructor_kwargs={
            "vocabulary_dir": os.fspath(vocabulary_dir),
            "device": "cuda" if on_gpu else device,
            "dtype": dtype,
            "batch_size": batch_size,
            "num_threads": None if on_gpu else encoder_threads,
        },
    )


def _run_pipeline(ray, todo, rows, args, device, gpus, processor, assembler):
    video_processor = processor.video_processor
    crop = video_processor.crop_size
    dataset = build_pipeline(
        ray,
        [{"index": i, "path": rows["path"][i]} for i in todo],
        args.vocabulary_dir,
        batch_size=args.batch_size,
        decode_timeout=args.decode_timeout or None,
        clip_shape=(3, video_processor.clip_length, crop["height"], crop["width"]),
        device=device,
        dtype=args.dtype,
        num_actors=args.ray_num_actors,
        encoder_threads=getattr(args, "ray_encoder_threads", None),
    )
    for batch in dataset.iter_batches(batch_size=None, batch_format="numpy"):
        assembler.add(batch)
    for index in todo:  # no marker row: its decode task died (a hung or crashing decoder)
        if index not in assembler.finished:
            video = assembler.videos.pop(index, {"clips": {}, "error": ""})
            reason = (f"{rows['path'][index]}: its decode task ended without a result (the decoder made no progress "
                      f"for {args.decode_timeout:g} s, or crashed): skipped")  # fmt: skip
            assembler.finish(index, video, error=reason)
