#!/usr/bin/env python
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
Tokenize a video corpus once, offline: videos + timestamped transcripts -> a `datasets` dataset of token ids that
pretraining reads (one row per video). Three engines write the same rows:

  --engine stream (default)  one machine: `--num_workers` processes decode while the visual tokenizer encodes clip
                             batches that span videos, on `--device` (CUDA when available) in `--dtype`
  --engine map               `datasets.map`, one video after the other in each of `--num_proc` processes
  --engine ray               Ray Data: decode tasks on every CPU, one encoder actor per GPU (`--ray_num_actors`),
                             Parquet files of finished videos; a local Ray, or the cluster at `--ray_address`
                             (`pip install 'videobert_hf[ray]'`; see `videobert_hf.corpus.ray_engine`)

A video whose decoder makes no progress for `--decode_timeout` seconds (stream engine with workers, ray engine) is
reported and skipped, its worker replaced; a GPU asked for where there is none, or a `--ray_address` where no
cluster answers, stops the job with a clear error before any work.

Each row: `video_id`, `visual_ids` (one codebook id per 1.5 s clip), `clip_times` ([start, end] s per clip),
`sentences` and `sentence_times` (the transcript), `sentence_text_ids` (WordPiece ids, no special tokens) and
`sentence_clip_spans` ([first_clip, end_clip) of each sentence's video segment; see `align_sentences_to_clips`).
A video without a transcript keeps its visual tokens and no sentences (video-only pretraining); a transcript
without its video, a video that cannot be read, a video whose clip features hold NaN or inf (computed, or in a cached
feature file), and a video id that several files have (`a.mp4` and `a.mkv`: the transcript may belong to either) are
reported at the end (and in `bad_videos.json`) and left out; the rest is tokenized.

Transcripts: YouCook II annotation JSON or HowTo100M-style captions (CSV `video_id,start,end,text`, or JSON), read and
checked by `videobert_hf.corpus` (see `readers.py`): a file that does not follow its format stops the job before any
work; a sentence with a bad time or no text, and one that has no WordPiece token, is left out and listed in
`skipped_sentences.json`. Transcripts that match no video file, a `--subset` with no video, or videos without any
usable sentence are an error, not a video-only dataset. Sentences are tokenized by `VideoBertProcessor.encode_sentences`,
the one tokenization path of transcript text: `[MASK]`, `[SEP]`, `[>]`, `[CLIP]`, ... in a transcript are plain text.

    python examples/tokenize_videos.py --videos_dir videos/ --transcripts captions.csv --vocabulary_dir vocab/ \\
        --output_dir tokenized/ --num_proc 8

Run it as its own process: with `--num_proc > 1` `datasets.map` forks its workers, and a fork from a process that has
already run torch's CPU thread pool (e.g. calling `main()` after building the vocabulary in the same process) can
leave the workers waiting forever.

Resuming: the videos are tokenized in shards of `--shard_size` videos, each saved under <output_dir>/shards/ as soon
as it is done (written to a temporary folder and moved in, its state.json last: a shard folder with a state.json is
complete). A job that is killed and started again with the same arguments skips the finished shards ("N of M shards
already done") and redoes only the others; the output is the same as an uninterrupted run's. The shards are removed
once the dataset is saved. Started with other videos, transcripts, vocabulary or --shard_size, the job discards the
shards of the earlier one (<output_dir>/shards/manifest.json records what they were made from) and starts over.
With --engine ray the unit is the video: finished videos are written to <output_dir>/shards/part-*.parquet files
(--shard_size videos each) and a restarted job skips every video whose row is in one.
Every file is written whole (a temporary file, then an atomic rename): a killed job never leaves a truncated file in
the output, at most a hidden `*.partial` temporary one.
"""

import argparse
import hashlib
import json
import logging
import os
import shutil
import sys
import zipfile
from pathlib import Path

import datasets
import torch
from transformers import AutoProcessor

from videobert_hf import NonFiniteFeaturesError, VideoDecodingError
from videobert_hf.corpus import (
    DEFAULT_DECODE_TIMEOUT,
    TOKENIZED_COLUMNS,
    Transcripts,
    check_clip_features,
    find_videos,
    iter_clip_features,
    load_clip_features,
    place_visual_tokenizer,
    read_transcripts,
    resolve_device,
    resolve_dtype,
    stream_clip_features,
    tokenized_row,
    visual_tokens,
)
from videobert_hf.io_videobert import atomic_save_dir, atomic_write
from videobert_hf.visual_tokenizer_videobert import VideoBertVisualTokenizer


logger = logging.getLogger("tokenize_videos")

_WORKER_STATE = {}

# Fixed column types, so that every shard has the same schema (a shard of videos without transcript, or of bad videos
# only, would otherwise infer lists of nulls and not concatenate with the others).
_INPUT_FEATURES = datasets.Features(
    {
        "video_id": datasets.Value("string"),
        "path": datasets.Value("string"),
        "sentences": datasets.List(datasets.Value("string")),
        "sentence_times": datasets.List(datasets.List(datasets.Value("float64"))),
    }
)
_TOKENIZED_FEATURES = datasets.Features(
    {
        **_INPUT_FEATURES,
        "visual_ids": datasets.List(datasets.Value("int64")),
        "clip_times": datasets.List(datasets.List(datasets.Value("float64"))),
        "sentence_text_ids": datasets.List(datasets.List(datasets.Value("int64"))),
        "sentence_clip_spans": datasets.List(datasets.List(datasets.Value("int64"))),
        "skipped_sentences": datasets.List(datasets.Value("string")),
        "error": datasets.Value("string"),
    }
)
# The Ray engine's Parquet files: the same columns, plus the video's place in the corpus (rows are put back in order).
_RAY_FEATURES = datasets.Features({"index": datasets.Value("int64"), **_TOKENIZED_FEATURES})


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos_dir", required=True, help="Folder of video files named <video_id>.<ext>.")
    parser.add_argument("--transcripts", help="YouCook II JSON or HowTo100M CSV/JSON with timestamped sentences.")
    parser.add_argument("--subset", help="YouCook II subset to keep (e.g. training, validation).")
    parser.add_argument("--vocabulary_dir", required=True, help="Output of examples/build_visual_vocabulary.py.")
    parser.add_argument("--output_dir", required=True)
    parser.add_argument(
        "--features_dir", help="Per-video .npz features to reuse (defaults to <vocabulary_dir>/features if present)."
    )
    parser.add_argument("--num_proc", type=int, default=1, help="Processes for datasets.map.")
    parser.add_argument("--batch_size", type=int, default=8, help="Clips per clip-encoder batch.")
    parser.add_argument("--max_videos", type=int, help="Tokenize at most this many videos.")
    parser.add_argument(
        "--shard_size",
        type=int,
        default=256,
        help="Videos per shard: the unit of work that a killed and restarted job does not redo.",
    )
    parser.add_argument("--include_videos_without_transcript", action="store_true")
    parser.add_argument(
        "--engine",
        choices=("stream", "map", "ray"),
        default="stream",
        help="stream: decoding in --num_workers processes overlapped with the clip encoder, batches across videos "
        "(one machine); map: datasets.map, one video after the other per --num_proc process; ray: a Ray Data "
        "pipeline (embedded local Ray, or the cluster at --ray_address). All three write the same rows.",
    )
    parser.add_argument("--device", help="Clip encoder device: cpu, cuda, cuda:1 (default: cuda when available).")
    parser.add_argument(
        "--dtype",
        choices=("float32", "bfloat16", "float16"),
        help="Clip encoder dtype (default float32; bfloat16 on GPUs halves its cost). Features are float32.",
    )
    parser.add_argument("--num_workers", type=int, default=1, help="Decoding processes of the stream engine.")
    parser.add_argument(
        "--decode_timeout",
        type=float,
        default=DEFAULT_DECODE_TIMEOUT,
        help="Seconds a video's decoder may go without producing a batch of clips before the video is reported "
        "and skipped (stream engine with --num_workers >= 1, and ray engine); 0: no limit.",
    )
    parser.add_argument("--ray_address", help="Address of a running Ray cluster (default: start a local Ray).")
    parser.add_argument("--ray_num_cpus", type=int, help="CPUs of the embedded local Ray (default: all).")
    parser.add_argument("--ray_num_actors", type=int, default=1, help="Clip-encoder actors (one model, one GPU each).")
    parser.add_argument(
        "--ray_encoder_threads",
        type=int,
        help="Intra-op threads of a CPU encoder actor (default: this machine's CPUs over --ray_num_actors; Ray would "
        "start it with 1).",
    )
    args = parser.parse_args(argv)
    if args.num_workers < 0:
        parser.error(f"--num_workers must be >= 0, got {args.num_workers}.")
    if args.ray_encoder_threads is not None and args.ray_encoder_threads < 1:
        parser.error(f"--ray_encoder_threads must be >= 1, got {args.ray_encoder_threads}.")
    if args.engine != "ray":
        try:
            args.device = str(resolve_device(args.device))
            resolve_dtype(args.dtype, torch.device(args.device))
        except ValueError as error:
            parser.error(str(error))
    return args


def _worker(vocabulary_dir, single_thread, device="cpu", dtype=None):
    """The processor and visual tokenizer of this process (loaded once per `datasets.map` worker), on `device`."""
    if not _WORKER_STATE:
        if single_thread:  # several map processes share the cores
            torch.set_num_threads(1)
        _WORKER_STATE["processor"] = AutoProcessor.from_pretrained(vocabulary_dir)
        tokenizer = VideoBertVisualTokenizer.from_pretrained(os.path.join(vocabulary_dir, "visual_tokenizer"))
        _WORKER_STATE["visual_tokenizer"] = place_visual_tokenizer(tokenizer, device, dtype)
    return _WORKER_STATE["processor"], _WORKER_STATE["visual_tokenizer"]


def cached_clip_tokens(video_id, features_dir, visual_tokenizer):
    """
    `(visual_ids, clip_times)` from the video's cached features, or None when there are none usable: an unreadable
    cache file, or one of another clip encoder (another feature size), is computed again. Cached features that hold
    NaN or inf raise a `NonFiniteFeaturesError` naming the video and the file.
    """
    cached = Path(features_dir) / f"{video_id}.npz" if features_dir else None
    if cached is None or not cached.exists():
        return None
    try:
        arrays = load_clip_features(cached, video_id)
    except NonFiniteFeaturesError as error:
        message = f"{error} Delete the file to compute the features again."
        raise NonFiniteFeaturesError(message, row=error.row) from error
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
        logger.warning(f"{cached} is unreadable ({error}): computing the features of {video_id} again")
        return None
    features = torch.from_numpy(arrays["features"])
    if features.shape[1] != visual_tokenizer.config.feature_dim:
        logger.warning(
            f"{cached} holds {features.shape[1]}-d features, the visual tokenizer's clip encoder gives "
            f"{visual_tokenizer.config.feature_dim}-d ones (a cache of another vocabulary?): computing the "
            f"features of {video_id} again"
        )
        return None
    return visual_tokenizer.encode(features).tolist(), arrays["clip_times"].tolist()


def clip_tokens(path, video_id, features_dir, processor, visual_tokenizer, batch_size):
    """
    Visual token ids and clip times of one video, from cached features when there are some (`cached_clip_tokens`),
    else decoded and encoded one video at a time. Features that hold NaN or inf raise a `NonFiniteFeaturesError`.
    """
    cached = cached_clip_tokens(video_id, features_dir, visual_tokenizer)
    if cached is not None:
        return cached
    parts = list(iter_clip_features(visual_tokenizer, processor.video_processor, path, batch_size))
    if not parts:
        return [], []
    features, times = torch.cat([p[0] for p in parts]).cpu(), torch.cat([p[1] for p in parts])
    check_clip_features(features.numpy(), times.numpy(), video_id, path)
    return visual_tokenizer.encode(features).tolist(), times.tolist()


def tokenize_batch(batch, vocabulary_dir, features_dir, batch_size, single_thread=False, device="cpu", dtype=None):
    """The `datasets.map` engine: the videos of a batch one after the other, each decoded then encoded."""
    processor, visual_tokenizer = _worker(vocabulary_dir, single_thread, device, dtype)
    out = {name: [] for name in TOKENIZED_COLUMNS}
    for video_id, path, sentences, times in zip(
        batch["video_id"], batch["path"], batch["sentences"], batch["sentence_times"]
    ):
        visual_ids, clip_times, error = [], [], ""
        try:
            visual_ids, clip_times = clip_tokens(path, video_id, features_dir, processor, visual_tokenizer, batch_size)
            if not visual_ids:
                error = f"{path}: shorter than one clip"
        except (VideoDecodingError, NonFiniteFeaturesError) as video_error:
            error = str(video_error)
        for name, value in tokenized_row(processor, sentences, times, visual_ids, clip_times, error).items():
            out[name].append(value)
    return out


def tokenize_shard_streaming(rows, args, features_dir):
    """
    The streaming engine: cached features where there are some; the other videos decoded by `--num_workers`
    processes while the visual tokenizer encodes batches of clips that span videos (`stream_clip_features`).
    """
    processor, visual_tokenizer = _worker(args.vocabulary_dir, False, args.device, args.dtype)
    results, to_decode = {}, []
    for i, (video_id, path) in enumerate(zip(rows["video_id"], rows["path"])):
        try:
            cached = cached_clip_tokens(video_id, features_dir, visual_tokenizer)
        except NonFiniteFeaturesError as error:
            results[i] = ([], [], str(error))
            continue
        if cached is None:
            to_decode.append((i, video_id, path))
        else:
            results[i] = (*cached, "" if cached[0] else f"{path}: shorter than one clip")
    stream = stream_clip_features(
        visual_tokenizer,
        processor.video_processor,
        [(video_id, path) for _, video_id, path in to_decode],
        batch_size=args.batch_size,
        num_workers=args.num_workers,
        decode_timeout=args.decode_timeout or None,
    )
    for result in stream:
        i = to_decode[result.index][0]
        if result.error:
            results[i] = ([], [], result.error)
        else:
            results[i] = visual_tokens(
                visual_tokenizer, result.features, result.clip_times, result.video_id, result.path
            )
    out = {name: [] for name in (*_INPUT_FEATURES, *TOKENIZED_COLUMNS)}
    for i in range(len(rows["video_id"])):
        out["video_id"].append(rows["video_id"][i])
        out["path"].append(rows["path"][i])
        row = tokenized_row(processor, rows["sentences"][i], rows["sentence_times"][i], *results[i])
        for name, value in row.items():
            out[name].append(value)
    return datasets.Dataset.from_dict(out, features=_tokenized_features(args.vocabulary_dir))


def _vocabulary_digest(vocabulary_dir):
    """sha256 of the files the tokens depend on: the processor's (WordPiece) and the visual tokenizer's."""
    digest = hashlib.sha256()
    for folder in (Path(vocabulary_dir), Path(vocabulary_dir) / "visual_tokenizer"):
        for file in sorted(folder.iterdir()):
            if file.is_file() and file.name != "bad_videos.json":
                digest.update(file.name.encode() + b"\0")
                with open(file, "rb") as handle:
                    for block in iter(lambda: handle.read(1 << 20), b""):
                        digest.update(block)
    return digest.hexdigest()


def _prepare_shards(shards_dir, manifest):
    """Keeps the finished shards of the same job in `shards_dir` (discards those of another job); records the job."""
    manifest_file = shards_dir / "manifest.json"
    if shards_dir.is_dir():
        try:
            previous = json.loads(manifest_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            previous = None
        if previous != manifest:
            logger.warning(
                f"{shards_dir} holds shards of another job (other videos, transcripts, vocabulary or --shard_size): "
                "starting over"
            )
            shutil.rmtree(shards_dir)
    shards_dir.mkdir(parents=True, exist_ok=True)
    if not manifest_file.exists():
        with atomic_write(manifest_file) as handle:
            json.dump(manifest, handle, indent=1)


def _tokenized_features(vocabulary_dir) -> datasets.Features:
    """The output columns; with several codebooks per clip (the vocabulary's `num_codebooks`) `visual_ids` holds a list
    of that many words per clip."""
    try:
        config = json.loads((Path(vocabulary_dir) / "visual_tokenizer" / "config.json").read_text(encoding="utf-8"))
        num_codebooks = config.get("num_codebooks", 1)
    except (OSError, ValueError, AttributeError):
        num_codebooks = 1  # the worker's loading of the vocabulary reports a damaged folder
    if num_codebooks == 1:
        return _TOKENIZED_FEATURES
    return datasets.Features(
        {**_TOKENIZED_FEATURES, "visual_ids": datasets.List(datasets.List(datasets.Value("int64")))}
    )


def main(argv=None, on_shard_done=None):
    """
    Runs the script; `on_shard_done(index, num_shards, shard_dir)`, if given, is called after each shard is saved
    (with the ray engine: `on_shard_done(parquet_file)` after each Parquet file of finished videos).
    """
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stdout)
    if args.shard_size < 1:
        raise SystemExit(f"--shard_size must be >= 1, got {args.shard_size}.")
    if args.subset and not args.transcripts:
        raise SystemExit("--subset selects the videos of a YouCook II --transcripts file, and none was given.")
    transcripts = Transcripts()
    if args.transcripts:
        try:
            transcripts = read_transcripts(args.transcripts, args.subset)
        except ValueError as error:  # AnnotationFormatError, or --subset for a file without subsets
            raise SystemExit(str(error)) from error
    files = find_videos(args.videos_dir)
    found = [*files, *files.duplicates]
    if transcripts and not set(transcripts) & set(found):
        raise SystemExit(
            f"None of the {len(transcripts)} videos of {args.transcripts} has a file in {args.videos_dir} (videos "
            f"there are named <video_id>.<ext>): transcript ids {sorted(transcripts)[:3]}, video files "
            f"{sorted(found)[:3]}."
        )
    video_ids = list(transcripts) if transcripts else found
    if args.include_videos_without_transcript:
        video_ids += [v for v in found if v not in transcripts]
    bad = {}
    for video_id in video_ids:
        if video_id in files.duplicates:
            names = ", ".join(os.fspath(f) for f in files.duplicates[video_id])
            bad[video_id] = f"several files have this video id ({names}): rename or remove all but one"
        elif video_id not in files:
            bad[video_id] = f"no video file for {video_id} in {args.videos_dir}"
    video_ids = [v for v in video_ids if v in files]
    if args.max_videos:
        video_ids = video_ids[: args.max_videos]
    if not video_ids:
        raise SystemExit(f"No video to tokenize (videos in {args.videos_dir}, transcripts {args.transcripts}): {bad}")

    rows = {
        "video_id": video_ids,
        "path": [os.fspath(files[v]) for v in video_ids],
        "sentences": [[s.text for s in transcripts.get(v, [])] for v in video_ids],
        "sentence_times": [[[s.start, s.end] for s in transcripts.get(v, [])] for v in video_ids],
    }
    if transcripts and not any(rows["sentences"]):
        raise SystemExit(
            f"The {len(video_ids)} videos to tokenize have no usable sentence in {args.transcripts}: the dataset "
            "would be video-only."
        )
    features_dir = args.features_dir
    if features_dir is None and os.path.isdir(os.path.join(args.vocabulary_dir, "features")):
        features_dir = os.path.join(args.vocabulary_dir, "features")

    output_dir = Path(args.output_dir)
    shards_dir = output_dir / "shards"
    num_shards = -(-len(video_ids) // args.shard_size)
    manifest = {
        "num_shards": num_shards,
        "shard_size": args.shard_size,
        "rows": hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest(),
        "vocabulary": _vocabulary_digest(args.vocabulary_dir),
        "features_dir": os.path.abspath(features_dir) if features_dir else None,
        "columns": sorted(_TOKENIZED_FEATURES),  # shards of an earlier version of this script have other columns
        # the Ray engine writes Parquet files of finished videos, the others a folder per shard of videos
        "layout": "parquet" if args.engine == "ray" else "shards",
    }
    _prepare_shards(shards_dir, manifest)
    if args.engine == "ray":
        from videobert_hf.corpus.ray_engine import RayEngineError, tokenize_with_ray

        try:
            tokenize_with_ray(rows, args, features_dir, shards_dir, on_file_done=on_shard_done)
        except RayEngineError as error:
            raise SystemExit(str(error)) from error
        files = sorted(str(f) for f in shards_dir.glob("*.parquet"))
        ray_features = datasets.Features(
            {"index": datasets.Value("int64"), **_tokenized_features(args.vocabulary_dir)}
        )
        dataset = datasets.load_dataset("parquet", data_files=files, split="train", features=ray_features)
        dataset = dataset.sort("index").remove_columns(["index", "path"])
    else:
        dataset = _tokenize_shards(args, rows, features_dir, shards_dir, num_shards, on_shard_done)
    return _finish(args, output_dir, shards_dir, dataset, bad, transcripts)


def _tokenize_shards(args, rows, features_dir, shards_dir, num_shards, on_shard_done):
    """The stream and map engines: shard after shard, each saved as soon as it is done."""
    shard_dirs = [shards_dir / f"shard-{index:05d}-of-{num_shards:05d}" for index in range(num_shards)]
    done = sum((shard_dir / "state.json").is_file() for shard_dir in shard_dirs)
    if done:
        logger.info(
            f"{done} of {num_shards} shards already done in {shards_dir}: tokenizing the other {num_shards - done}"
        )

    for index, shard_dir in enumerate(shard_dirs):
        if (shard_dir / "state.json").is_file():  # state.json is moved in last: the shard is complete
            continue
        part = slice(index * args.shard_size, (index + 1) * args.shard_size)
        if args.engine == "stream":
            shard = tokenize_shard_streaming({name: values[part] for name, values in rows.items()}, args, features_dir)
        else:
            shard = _map_shard(rows, part, args, features_dir, index, num_shards)
        with atomic_save_dir(shard_dir, supersedes=("data-*.arrow",)) as temporary:
            shard.remove_columns("path").save_to_disk(temporary)
        if on_shard_done is not None:
            on_shard_done(index, num_shards, shard_dir)

    dataset = datasets.concatenate_datasets([datasets.load_from_disk(shard_dir) for shard_dir in shard_dirs])
    return dataset


def _map_shard(rows, part, args, features_dir, index, num_shards):
    """One shard through `datasets.map` (the `map` engine)."""
    shard = datasets.Dataset.from_dict({name: values[part] for name, values in rows.items()}, _INPUT_FEATURES)
    return shard.map(
        tokenize_batch,
        batched=True,
        batch_size=4,
        features=_tokenized_features(args.vocabulary_dir),
        num_proc=args.num_proc if args.num_proc > 1 else None,
        fn_kwargs={
            "vocabulary_dir": args.vocabulary_dir,
            "features_dir": features_dir,
            "batch_size": args.batch_size,
            "single_thread": args.num_proc > 1,
            "device": args.device,
            "dtype": args.dtype,
        },
        desc=f"tokenizing videos (shard {index + 1}/{num_shards})",
    )


def _finish(args, output_dir, shards_dir, dataset, bad, transcripts):
    """Writes the dataset of the tokenized rows, the processor and the reports; returns the summary."""
    for video_id, error in zip(dataset["video_id"], dataset["error"]):
        if error:
            bad[video_id] = error
    skipped = [
        {"file": os.fspath(s.file), "video_id": s.video_id, "entry": s.entry, "reason": s.reason}
        for s in transcripts.skipped
    ]
    for video_id, texts in zip(dataset["video_id"], dataset["skipped_sentences"]):
        skipped += [
            {
                "file": args.transcripts,
                "video_id": video_id,
                "entry": f"the sentence {t!r}",
                "reason": "no WordPiece token",
            }
            for t in texts
        ]
    dataset = dataset.filter(lambda row: not row["error"], keep_in_memory=True)
    dataset = dataset.remove_columns(["error", "skipped_sentences"])

    with atomic_save_dir(output_dir, supersedes=("data-*.arrow",)) as temporary:
        dataset.save_to_disk(temporary)
    with atomic_save_dir(output_dir / "processor", last=("processor_config.json",)) as temporary:
        AutoProcessor.from_pretrained(args.vocabulary_dir).save_pretrained(temporary)
    with atomic_write(output_dir / "bad_videos.json") as handle:
        json.dump(bad, handle, indent=2)
    with atomic_write(output_dir / "skipped_sentences.json") as handle:
        json.dump(skipped, handle, indent=2)
    num_videos, num_clips = len(dataset), sum(len(ids) for ids in dataset["visual_ids"])
    num_sentences = sum(len(s) for s in dataset["sentence_text_ids"])
    del dataset  # it reads the shards
    shutil.rmtree(shards_dir)
    logger.info(f"{num_videos} videos, {num_clips} clips, {num_sentences} sentences -> {output_dir}")
    if skipped:
        logger.warning(f"{len(skipped)} sentences left out (listed in {output_dir / 'skipped_sentences.json'}):")
        for entry in skipped[:20]:
            logger.warning(f"  {entry['file']}: video {entry['video_id']!r}, {entry['entry']}: {entry['reason']}")
    if bad:
        logger.warning(f"{len(bad)} videos left out:")
        for video_id, reason in bad.items():
            logger.warning(f"  {video_id}: {reason}")
    if transcripts and not num_sentences:
        raise SystemExit(
            f"No sentence of {args.transcripts} was tokenized (every video that has one was left out; see "
            f"{output_dir / 'bad_videos.json'}): the dataset in {output_dir} is video-only."
        )
    return {
        "videos": num_videos,
        "clips": num_clips,
        "sentences": num_sentences,
        "bad_videos": bad,
        "skipped_sentences": skipped,
    }


if __name__ == "__main__":
    main()
