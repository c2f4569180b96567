#!/usr/bin/env python
# Copyright 2026 The videobert_hf authors. Licensed under the Apache License, Version 2.0.
"""
Tokenize a video corpus once, offline: videos + timestamped transcripts -> a `datasets` dataset of token ids that
pretraining reads (one row per video), with `datasets.map` (batched, `--num_proc` processes).

Each row: `video_id`, `visual_ids` (one codebook id per 1.5 s clip), `clip_times` ([start, end] s per clip),
`sentences` and `sentence_times` (the transcript), `sentence_text_ids` (WordPiece ids, no special tokens) and
`sentence_clip_spans` ([first_clip, end_clip) of each sentence's video segment; see `align_sentences_to_clips`).
A video without a transcript keeps its visual tokens and no sentences (video-only pretraining); a transcript
without its video, and a video that cannot be read, are reported at the end (and in `bad_videos.json`) and left out.

Transcripts: YouCook II annotation JSON or HowTo100M-style captions (CSV `video_id,start,end,text`, or JSON).

    python examples/tokenize_videos.py --videos_dir videos/ --transcripts captions.csv --vocabulary_dir vocab/ \\
        --output_dir tokenized/ --num_proc 8

Run it as its own process: with `--num_proc > 1` `datasets.map` forks its workers, and a fork from a process that has
already run torch's CPU thread pool (e.g. calling `main()` after building the vocabulary in the same process) can
leave the workers waiting forever.
"""

import argparse
import json
import logging
import os
import sys
from pathlib import Path

import datasets
import numpy as np
import torch
from transformers import AutoProcessor

from videobert_hf import VideoDecodingError, align_sentences_to_clips
from videobert_hf.datasets_videobert import find_videos, iter_clip_features, read_transcripts
from videobert_hf.visual_tokenizer_videobert import VideoBertVisualTokenizer


logger = logging.getLogger("tokenize_videos")

_WORKER_STATE = {}


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
    parser.add_argument("--include_videos_without_transcript", action="store_true")
    return parser.parse_args(argv)


def _worker(vocabulary_dir, single_thread):
    """The processor and visual tokenizer of this process (loaded once per `datasets.map` worker)."""
    if not _WORKER_STATE:
        if single_thread:  # several map processes share the cores
            torch.set_num_threads(1)
        _WORKER_STATE["processor"] = AutoProcessor.from_pretrained(vocabulary_dir)
        tokenizer = VideoBertVisualTokenizer.from_pretrained(os.path.join(vocabulary_dir, "visual_tokenizer"))
        _WORKER_STATE["visual_tokenizer"] = tokenizer.eval()
    return _WORKER_STATE["processor"], _WORKER_STATE["visual_tokenizer"]


def clip_tokens(path, video_id, features_dir, processor, visual_tokenizer, batch_size):
    """Visual token ids and clip times of one video, from cached features when there are some."""
    cached = Path(features_dir) / f"{video_id}.npz" if features_dir else None
    if cached is not None and cached.exists():
        with np.load(cached) as data:
            features, times = torch.from_numpy(data["features"]), torch.from_numpy(data["clip_times"])
    else:
        parts = list(iter_clip_features(visual_tokenizer, processor.video_processor, path, batch_size))
        if not parts:
            return [], []
        features, times = torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])
    return visual_tokenizer.encode(features).tolist(), times.tolist()


def tokenize_batch(batch, vocabulary_dir, features_dir, batch_size, single_thread=False):
    processor, visual_tokenizer = _worker(vocabulary_dir, single_thread)
    out = {name: [] for name in ("visual_ids", "clip_times", "sentence_text_ids", "sentence_clip_spans", "error")}
    for video_id, path, sentences, times in zip(
        batch["video_id"], batch["path"], batch["sentences"], batch["sentence_times"]
    ):
        visual_ids, clip_times, text_ids, spans, error = [], [], [], [], ""
        try:
            visual_ids, clip_times = clip_tokens(path, video_id, features_dir, processor, visual_tokenizer, batch_size)
            if not visual_ids:
                error = f"{path}: shorter than one clip"
        except VideoDecodingError as decoding_error:
            error = str(decoding_error)
        if not error:
            text_ids = processor.tokenizer(sentences, add_special_tokens=False)["input_ids"] if sentences else []
            spans = [list(span) for span in align_sentences_to_clips(times, clip_times)]
        out["visual_ids"].append(visual_ids)
        out["clip_times"].append(clip_times)
        out["sentence_text_ids"].append(text_ids)
        out["sentence_clip_spans"].append(spans)
        out["error"].append(error)
    return out


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stdout)
    transcripts = read_transcripts(args.transcripts, args.subset) if args.transcripts else {}
    files = find_videos(args.videos_dir)
    video_ids = list(transcripts) if transcripts else list(files)
    if args.include_videos_without_transcript:
        video_ids += [v for v in files if v not in transcripts]
    bad = {v: f"no video file for {v} in {args.videos_dir}" for v in video_ids if v not in files}
    video_ids = [v for v in video_ids if v in files]
    if args.max_videos:
        video_ids = video_ids[: args.max_videos]
    if not video_ids:
        raise SystemExit(f"No video to tokenize (videos in {args.videos_dir}, transcripts {args.transcripts}).")

    rows = {
        "video_id": video_ids,
        "path": [os.fspath(files[v]) for v in video_ids],
        "sentences": [[s.text for s in transcripts.get(v, []) if s.text] for v in video_ids],
        "sentence_times": [[[s.start, s.end] for s in transcripts.get(v, []) if s.text] for v in video_ids],
    }
    features_dir = args.features_dir
    if features_dir is None and os.path.isdir(os.path.join(args.vocabulary_dir, "features")):
        features_dir = os.path.join(args.vocabulary_dir, "features")
    dataset = datasets.Dataset.from_dict(rows)
    dataset = dataset.map(
        tokenize_batch,
        batched=True,
        batch_size=4,
        num_proc=args.num_proc if args.num_proc > 1 else None,
        fn_kwargs={
            "vocabulary_dir": args.vocabulary_dir,
            "features_dir": features_dir,
            "batch_size": args.batch_size,
            "single_thread": args.num_proc > 1,
        },
        desc="tokenizing videos",
    )
    for video_id, error in zip(dataset["video_id"], dataset["error"]):
        if error:
            bad[video_id] = error
    dataset = dataset.filter(lambda row: not row["error"]).remove_columns(["error", "path"])

    output_dir = Path(args.output_dir)
    dataset.save_to_disk(output_dir)
    AutoProcessor.from_pretrained(args.vocabulary_dir).save_pretrained(output_dir / "processor")
    with open(output_dir / "bad_videos.json", "w", encoding="utf-8") as handle:
        json.dump(bad, handle, indent=2)
    num_clips = sum(len(ids) for ids in dataset["visual_ids"])
    num_sentences = sum(len(s) for s in dataset["sentence_text_ids"])
    logger.info(f"{len(dataset)} videos, {num_clips} clips, {num_sentences} sentences -> {output_dir}")
    if bad:
        logger.warning(f"{len(bad)} videos left out:")
        for video_id, reason in bad.items():
            logger.warning(f"  {video_id}: {reason}")
    return {"videos": len(dataset), "clips": num_clips, "sentences": num_sentences, "bad_videos": bad}


if __name__ == "__main__":
    main()
