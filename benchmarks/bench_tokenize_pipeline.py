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
Benchmark: clips per second of the tokenization pipeline's stages and engines, in one run, on generated H.264 videos
(moving content; `bench_video_decoding.make_video`):

  (a) decode alone      `--num_workers` decoding processes of `stream_clip_features`, the encoder a no-op
  (b) encode alone      `encode_clips` (normalisation on the encoder's device, then S3D, random weights) on uint8
                        clips decoded beforehand, as the pipeline hands them over
  (c) sequential        today's path: each video decoded then encoded in one process (`iter_clip_features`)
  (d) overlapped        `stream_clip_features`: `--num_workers` decoders overlapped with the encoder, batches
                        across videos
  (e) Ray               the Ray Data engine's decode tasks and encoder actor (`corpus.ray_engine`) on a local Ray
                        with all the cores (Ray's start not timed, its actor's model load is)

at the demo's settings (64 px, 8 fps, 8-frame clips, from 128x72 videos) and at the paper's (224 px, 20 fps, 30-frame
clips, from 640x360 videos; fewer clips: S3D at 224 px takes seconds per clip on a CPU). Prints the ratios against
the targets: d / min(a, b) >= 0.85, d / c >= 1.3 (demo settings), e / d within 25 %.

    python benchmarks/bench_tokenize_pipeline.py                          # both settings
    python benchmarks/bench_tokenize_pipeline.py --settings demo --demo_videos 4 --skip_ray
    python benchmarks/bench_tokenize_pipeline.py --device cuda --dtype bfloat16   # on a GPU machine
"""

import argparse
import importlib.util
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import torch


HERE = Path(__file__).resolve().parent
SETTINGS = {
    "demo": {"fps": 8, "clip_length": 8, "frame_size": 64, "width": 128, "height": 72},
    "paper": {"fps": 20, "clip_length": 30, "frame_size": 224, "width": 640, "height": 360},
}


def _make_video():
    spec = importlib.util.spec_from_file_location("bench_video_decoding", HERE / "bench_video_decoding.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_video


class _NoEncoder:
    """Stands for the visual tokenizer when decoding is timed alone: zero features, no work (its "meta" device
    normalises the clips without touching their values)."""

    device = torch.device("meta")

    def __init__(self, feature_dim):
        self.config = type("Config", (), {"feature_dim": feature_dim})()

    def get_clip_features(self, clips, batch_size=8):
        return torch.zeros(clips.shape[0], self.config.feature_dim)


def build_vocabulary(folder, setting, device, dtype):
    """A processor and a (randomly initialised, fitted on random features) S3D visual tokenizer saved in `folder`."""
    from transformers import BertTokenizer

    from videobert_hf import VideoBertProcessor, VideoBertVideoProcessor
    from videobert_hf.visual_tokenizer_videobert import VideoBertVisualTokenizer

    size = setting["frame_size"]
    video_processor = VideoBertVideoProcessor(
        fps=setting["fps"],
        clip_length=setting["clip_length"],
        size={"shortest_edge": size},
        crop_size={"height": size, "width": size},
    )
    torch.manual_seed(0)
    tokenizer = VideoBertVisualTokenizer.from_clip_encoder("s3d", levels=2, branching=12)
    tokenizer.fit(torch.randn(2000, tokenizer.config.feature_dim), show_progress=False)
    tokenizer.save_pretrained(Path(folder) / "visual_tokenizer")
    vocab = Path(folder) / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b"]) + "\n")
    processor = VideoBertProcessor(video_processor, BertTokenizer(str(vocab)), visual_vocab_size=144)
    processor.save_pretrained(folder)
    from videobert_hf.corpus import place_visual_tokenizer

    return video_processor, place_visual_tokenizer(tokenizer, device, dtype)


def run_setting(name, args, root):

    setting = SETTINGS[name]
    num_videos, seconds = (args.demo_videos, args.demo_seconds) if name == "demo" else (args.paper_videos,
                                                                                          args.paper_seconds)  # fmt: skip
    folder = Path(root) / name
    folder.mkdir()
    make_video = _make_video()
    videos = []
    for i in range(num_videos):
        path = folder / f"v{i}.mp4"
        make_video(str(path), seconds, width=setting["width"], height=setting["height"])
        videos.append((f"v{i}", path))
    video_processor, tokenizer = build_vocabulary(folder / "vocab", setting, args.device, args.dtype)
    batch = args.batch_size
    rates = {}

    def timed(label, function):
        start = time.perf_counter()
        clips = function()
        seconds = time.perf_counter() - start
        rates[label] = max(rates.get(label, 0.0), clips / seconds)  # best of --repeats: the machine is shared
        print(f"  {label:<13} {clips:5d} clips in {seconds:7.2f} s = {clips / seconds:8.2f} clips/s", flush=True)

    print(f"{name} settings: {json.dumps(setting)}, {num_videos} videos x {seconds:g} s, batch {batch}, "
          f"{args.num_workers} decoding workers, device {args.device}, dtype {args.dtype or 'float32'}")  # fmt: skip
    for repeat in range(args.repeats):
        if args.repeats > 1:
            print(f" round {repeat + 1} of {args.repeats}")
        run_round(args, videos, folder, setting, video_processor, tokenizer, timed)
    a, b, c, d = (rates[k] for k in ("(a) decode", "(b) encode", "(c) sequential", "(d) overlapped"))
    best = " (best of each)" if args.repeats > 1 else ""
    print(f"  d / min(a, b) = {d / min(a, b):.2f} (target >= 0.85);  d / c = {d / c:.2f} (target >= 1.3 at the demo "
          f"settings)" + (f";  e / d = {rates['(e) ray'] / d:.2f} (target 0.75-1.25)" if "(e) ray" in rates else "")
          + best)  # fmt: skip
    print(f"  per clip: decode {1e3 / a:.1f} ms (wall, {args.num_workers} workers), encode {1e3 / b:.1f} ms")
    return rates


def run_round(args, videos, folder, setting, video_processor, tokenizer, timed):
    """One measurement of each of (a)-(e), in turn."""
    from videobert_hf.corpus import encode_clips, iter_clip_features, stream_clip_features

    batch = args.batch_size
    no_encoder = _NoEncoder(tokenizer.config.feature_dim)
    timed("(a) decode", lambda: sum(len(r.features) for r in stream_clip_features(
        no_encoder, video_processor, videos, batch_size=batch, num_workers=args.num_workers)))  # fmt: skip
    decoded = [b["pixel_values_videos"] for _, p in videos for b in video_processor.iter_clips(
        p, batch_size=batch, do_rescale=False, do_normalize=False)]  # fmt: skip
    encode_clips(tokenizer, video_processor, decoded[0][:1])  # warm-up

    def encode_alone():
        for clips in decoded:
            encode_clips(tokenizer, video_processor, clips, batch_size=batch)
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()
        return sum(len(c) for c in decoded)

    timed("(b) encode", encode_alone)
    decoded.clear()
    timed("(c) sequential", lambda: sum(len(f) for _, p in videos for f, _, _ in iter_clip_features(
        tokenizer, video_processor, p, batch)))  # fmt: skip
    timed("(d) overlapped", lambda: sum(len(r.features) for r in stream_clip_features(
        tokenizer, video_processor, videos, batch_size=batch, num_workers=args.num_workers)))  # fmt: skip
    if not args.skip_ray:
        timed("(e) ray", lambda: ray_clips(folder / "vocab", videos, args, setting))


def ray_clips(vocabulary_dir, videos, args, setting):
    import ray

    from videobert_hf.corpus.ray_engine import build_pipeline

    size = setting["frame_size"]
    dataset = build_pipeline(
        ray,
        [{"index": i, "path": str(p)} for i, (_, p) in enumerate(videos)],
        vocabulary_dir,
        batch_size=args.batch_size,
        decode_timeout=None,
        clip_shape=(3, setting["clip_length"], size, size),
        device=args.device,
        dtype=args.dtype,
        num_actors=1,
    )
    return sum(int((batch["clip"] >= 0).sum()) for batch in dataset.iter_batches(batch_size=None))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--settings", nargs="+", choices=sorted(SETTINGS), default=["demo", "paper"])
    parser.add_argument("--demo_videos", type=int, default=6)
    parser.add_argument("--demo_seconds", type=float, default=20)
    parser.add_argument("--paper_videos", type=int, default=2)
    parser.add_argument("--paper_seconds", type=float, default=9)
    parser.add_argument("--batch_size", type=int, default=8)
    parser.add_argument("--num_workers", type=int, default=1, help="decoding processes of (a) and (d)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", choices=("float32", "bfloat16", "float16"))
    parser.add_argument("--skip_ray", action="store_true")
    parser.add_argument("--repeats", type=int, default=1, help="rounds of (a)-(e) in turn; the best of each is kept")
    args = parser.parse_args(argv)
    print(f"torch {torch.__version__}, {os.cpu_count()} CPUs, intra-op threads {torch.get_num_threads()}, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    if not args.skip_ray:
        import ray

        ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False)
        ray.data.DataContext.get_current().enable_progress_bars = False
    with tempfile.TemporaryDirectory() as root:
        for name in args.settings:
            run_setting(name, args, root)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    sys.exit(main())
