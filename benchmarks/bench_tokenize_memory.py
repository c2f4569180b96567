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
Benchmark: peak memory of a whole tokenization job (`examples/tokenize_videos.py`, its `main` run in a fresh
subprocess per corpus) against the size of the corpus and the length of its videos, at the demo's settings (64 px,
8 fps, 8-frame clips, from 128x72 generated H.264 videos with moving content; S3D with random weights, CPU):

  baseline   one video of `--video_seconds`
  corpus     `--num_videos` videos of `--video_seconds` each
  long       one video as long as the whole corpus (`--num_videos` x `--video_seconds`)

Each video has one transcript sentence per 2 s. Peak RSS is read with `getrusage` in the job's process: the encoding
process itself (`RUSAGE_SELF`) and its largest decoding worker (`RUSAGE_CHILDREN`, after the workers are joined);
the RSS right after the imports is printed as the job's fixed base. Target (issue 18): the corpus and the long video
reach the same peak within 10 %, for each process.

Above the imports, glibc's allocator makes the long video's process grow more than the corpus's (its mmap threshold
rises after the first large free and later clip batches fragment the heap); `MALLOC_MMAP_THRESHOLD_=131072` in the
environment pins it (`--mmap_threshold 131072` runs the jobs so): see BENCHMARKS.md.

    python benchmarks/bench_tokenize_memory.py                                   # 200 x 2 s and one 400 s video
    python benchmarks/bench_tokenize_memory.py --num_videos 20 --engine map      # the datasets.map engine
"""

import argparse
import csv
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent / "examples"


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rss_mib(who) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


def make_corpus(folder: Path, num_videos: int, seconds: float, name: str, make_video, setting: dict) -> None:
    """`num_videos` generated videos of `seconds` in `folder/videos` and their transcripts in `folder/captions.csv`."""
    videos = folder / "videos"
    videos.mkdir(parents=True)
    with open(folder / "captions.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["video_id", "start", "end", "text"])
        for i in range(num_videos):
            video_id = f"{name}_{i:04d}"
            make_video(str(videos / f"{video_id}.mp4"), seconds, width=setting["width"], height=setting["height"])
            for start in range(0, int(seconds), 2):
                writer.writerow([video_id, float(start), float(min(start + 2, seconds)), "a b a"])


def _child(corpus: str, vocabulary: str, engine: str, num_workers: int) -> dict:
    tokenize_videos = _load(EXAMPLES / "tokenize_videos.py", "tokenize_videos")
    base = _rss_mib(resource.RUSAGE_SELF)
    output = tempfile.mkdtemp(prefix="tokenized_")
    start = time.perf_counter()
    summary = tokenize_videos.main(
        [
            "--videos_dir", str(Path(corpus) / "videos"), "--transcripts", str(Path(corpus) / "captions.csv"),
            "--vocabulary_dir", vocabulary, "--output_dir", output, "--features_dir", os.path.join(output, "features"),
            "--engine", engine, "--num_workers", str(num_workers), "--device", "cpu",
        ]
    )  # fmt: skip
    import datasets

    rows = datasets.load_from_disk(output)
    return {
        "wall_s": time.perf_counter() - start,
        "base_mib": base,
        "peak_mib": _rss_mib(resource.RUSAGE_SELF),
        "worker_peak_mib": _rss_mib(resource.RUSAGE_CHILDREN),
        "videos": len(rows),
        "clips": sum(len(ids) for ids in rows["visual_ids"]),
        "bad_videos": len(summary["bad_videos"]) if summary else None,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--num_videos", type=int, default=200)
    parser.add_argument("--video_seconds", type=float, default=2.0)
    parser.add_argument("--engine", choices=("stream", "map"), default="stream")
    parser.add_argument("--num_workers", type=int, default=1, help="decoding processes of the stream engine")
    parser.add_argument("--workdir", help="where to write (and reuse) the corpora; default a temporary folder")
    parser.add_argument(
        "--mmap_threshold",
        type=int,
        help="Bytes: run each job with MALLOC_MMAP_THRESHOLD_ set to this (glibc then keeps its mmap threshold fixed).",
    )
    parser.add_argument("--_child", nargs=2, metavar=("CORPUS", "VOCABULARY"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args._child:
        print(json.dumps(_child(*args._child, args.engine, args.num_workers)))
        return None

    root = Path(args.workdir or tempfile.mkdtemp(prefix="videobert_memory_"))
    total = args.num_videos * args.video_seconds
    corpora = {
        "baseline": (1, args.video_seconds),
        "corpus": (args.num_videos, args.video_seconds),
        "long": (1, total),
    }
    print(f"{os.cpu_count()} CPUs, engine {args.engine}, {args.num_workers} decoding workers; work in {root}")
    pipeline = _load(HERE / "bench_tokenize_pipeline.py", "bench_tokenize_pipeline")
    setting = pipeline.SETTINGS["demo"]
    vocabulary = root / "vocab"
    if not (vocabulary / "processor_config.json").exists():
        pipeline.build_vocabulary(vocabulary, setting, "cpu", None)
    env = dict(os.environ)
    if args.mmap_threshold is not None:
        env["MALLOC_MMAP_THRESHOLD_"] = str(args.mmap_threshold)
    results = {}
    for name, (num_videos, seconds) in corpora.items():
        folder = root / f"{name}_{num_videos}x{seconds:g}s"
        if not (folder / "captions.csv").exists():
            start = time.perf_counter()
            make_corpus(folder, num_videos, seconds, name, pipeline._make_video(), setting)
            print(f"generated {num_videos} x {seconds:g} s in {time.perf_counter() - start:.1f} s", flush=True)
        command = [sys.executable, os.path.abspath(__file__), "--_child", str(folder), str(vocabulary),
                   "--engine", args.engine, "--num_workers", str(args.num_workers)]  # fmt: skip
        done = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
        result = results[name] = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{name:>8}: {num_videos:4d} x {seconds:6g} s -> {result['videos']} videos, {result['clips']} clips in "
            f"{result['wall_s']:6.1f} s | peak RSS {result['peak_mib']:7.1f} MiB (after imports "
            f"{result['base_mib']:6.1f}) | largest worker {result['worker_peak_mib']:6.1f} MiB",
            flush=True,
        )
    corpus, long, baseline = results["corpus"], results["long"], results["baseline"]
    for key, what in (("peak_mib", "encoding process"), ("worker_peak_mib", "largest decoding worker")):
        ratio = long[key] / corpus[key]
        verdict = "met" if abs(ratio - 1) <= 0.10 else "NOT met"
        print(
            f"{what}: peak long / corpus = {ratio:.3f} (target 0.90-1.10: {verdict}); corpus / one short video = "
            f"{corpus[key] / baseline[key]:.3f}, long / one short video = {long[key] / baseline[key]:.3f}"
        )
    above = {name: r["peak_mib"] - r["base_mib"] for name, r in results.items()}
    print(
        "encoding process above its post-import RSS: "
        + ", ".join(f"{name} {mib:.1f} MiB" for name, mib in above.items())
        + f" (long - corpus = {above['long'] - above['corpus']:+.1f} MiB)"
    )
    return results


if __name__ == "__main__":
    main()
