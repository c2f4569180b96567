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
"""Benchmark: streaming clip extraction (VideoBertVideoProcessor.iter_clips) vs transformers' `load_video`.

Generates 640x360 H.264 videos at 30 fps with moving content, then measures in a fresh subprocess per measurement
(clean peak RSS from `getrusage`, and the RSS right after imports as the baseline):

  anchor  `transformers.video_utils.load_video(path, backend="pyav", fps=20)`: the full-resolution frames sampled at
          20 fps, nothing resized or normalised (so it does less work than ours).
  ours    `VideoBertVideoProcessor().iter_clips(path)`: every clip of the file resized, cropped to 224x224 and
          normalised, batches discarded as a tokenization job would.

Prints wall time, peak RSS, RSS above the post-import baseline, and the ratios anchor time / ours (per length where the
anchor ran) and our peak on the longest / shortest video. The anchor runs on the shortest video only unless
`--anchor-all` (it holds every sampled full-resolution frame: ~10 GiB for 240 s).

    python benchmarks/bench_video_decoding.py                   # 60 s and 240 s, anchor on 60 s
    python benchmarks/bench_video_decoding.py --seconds 20 60   # quicker
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time


def _rss_mib() -> float:
    """Current resident set size in MiB (Linux /proc; falls back to the peak elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return _peak_mib()


def _peak_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def _measure(kind: str, path: str, batch_size: int) -> dict:
    """Runs in the child process: one measurement, returned as a dict."""
    import numpy as np  # noqa: F401
    import torch  # noqa: F401
    from transformers.video_utils import load_video

    from videobert_hf.video_processing_videobert import VideoBertVideoProcessor

    processor = VideoBertVideoProcessor()
    base = _rss_mib()
    start = time.perf_counter()
    if kind == "anchor":
        video, _ = load_video(path, backend="pyav", fps=20)
        detail = f"{video.shape[0]} frames {tuple(video.shape[1:])}"
        del video
    else:
        clips = 0
        for batch in processor.iter_clips(path, batch_size=batch_size):
            clips += batch["pixel_values_videos"].shape[0]
        detail = f"{clips} clips {tuple(batch['pixel_values_videos'].shape[1:])}" if clips else "0 clips"
    wall = time.perf_counter() - start
    return {"wall_s": wall, "peak_mib": _peak_mib(), "base_mib": base, "detail": detail}


def make_video(path: str, seconds: float, fps: int = 30, width: int = 640, height: int = 360) -> None:
    """Moving content (a scrolling texture and a bouncing square), so the encoder and decoder do real work."""
    import numpy as np

    from videobert_benchmark.video_writer import write_video

    y, x = np.mgrid[0:height, 0 : 2 * width].astype(np.float32)
    texture = np.stack(
        [
            127 + 120 * np.sin(x / 23.0) * np.cos(y / 17.0),
            127 + 120 * np.sin((x + y) / 41.0),
            (x * 0.7 + y * 0.3) % 256,
        ],
        axis=-1,
    ).astype(np.uint8)

    def frames():
        for t in range(int(seconds * fps)):
            offset = (4 * t) % width
            frame = np.ascontiguousarray(texture[:, offset : offset + width])
            sx = int((width - 60) * abs(((t * 7) % (2 * width)) / width - 1))
            sy = int((height - 60) * abs(((t * 5) % (2 * height)) / height - 1))
            frame[sy : sy + 60, sx : sx + 60] = (255, 255 - (t % 256), t % 256)
            yield frame

    write_video(path, frames(), fps, preset="veryfast", g=fps * 2)


def _run_child(kind: str, path: str, batch_size: int) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--_child", kind, path, "--batch-size", str(batch_size)]
    result = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, nargs="+", default=[60, 240], help="video lengths (default 60 240)")
    parser.add_argument("--anchor-all", action="store_true", help="run load_video on every length, not the shortest")
    parser.add_argument("--skip-anchor", action="store_true", help="do not run load_video at all")
    parser.add_argument("--batch-size", type=int, default=4, help="clips per batch for iter_clips (default 4)")
    parser.add_argument("--workdir", default=None, help="where to write (and reuse) the videos; default a temp dir")
    parser.add_argument("--_child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args._child:
        print(json.dumps(_measure(args._child[0], args._child[1], args.batch_size)))
        return

    workdir = args.workdir or tempfile.mkdtemp(prefix="videobert_bench_")
    os.makedirs(workdir, exist_ok=True)
    lengths = sorted(args.seconds)
    print(f"{os.cpu_count()} CPUs; videos in {workdir}")
    results = {}
    for seconds in lengths:
        path = os.path.join(workdir, f"moving_640x360_30fps_{seconds:g}s.mp4")
        if not os.path.exists(path):
            t = time.perf_counter()
            make_video(path, seconds)
            print(f"generated {path} ({os.path.getsize(path) / 2**20:.1f} MiB) in {time.perf_counter() - t:.1f} s")
        kinds = ["ours"]
        if not args.skip_anchor and (args.anchor_all or seconds == lengths[0]):
            kinds.insert(0, "anchor")
        for kind in kinds:
            r = _run_child(kind, path, args.batch_size)
            results[(kind, seconds)] = r
            print(
                f"{kind:>6} {seconds:>5g} s video: wall {r['wall_s']:7.2f} s | peak RSS {r['peak_mib']:8.1f} MiB | "
                f"above post-import RSS {r['peak_mib'] - r['base_mib']:8.1f} MiB | {r['detail']}"
            )
    print("ratios:")
    for seconds in lengths:
        if ("anchor", seconds) in results:
            speedup = results[("anchor", seconds)]["wall_s"] / results[("ours", seconds)]["wall_s"]
            print(f"  {seconds:g} s: load_video time / ours = {speedup:.2f}x (target >= 2)")
    if len(lengths) > 1:
        short, long = results[("ours", lengths[0])], results[("ours", lengths[-1])]
        print(
            f"  our peak RSS {lengths[-1]:g} s / {lengths[0]:g} s = {long['peak_mib'] / short['peak_mib']:.3f} "
            "(target <= 1.10)"
        )
    above = max(results[("ours", s)]["peak_mib"] - results[("ours", s)]["base_mib"] for s in lengths)
    print(f"  our max RSS above post-import baseline = {above:.1f} MiB (target < 250)")


if __name__ == "__main__":
    main()
