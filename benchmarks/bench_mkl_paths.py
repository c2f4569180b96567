"""
Which MKL code path trains VideoBERT on this CPU, and what pinning one would cost (BENCHMARKS.md, "Two sets of
digits: AMD EPYC and Intel Xeon").

Each `MKL_CBWR` setting (unset = MKL's own choice) runs in its own process: a small matmul under `MKL_VERBOSE=1`
reports the conditional-reproducibility branch MKL took (`CNR:OFF` unset, `CNR:AUTO` where the requested branch is not
honoured, e.g. `AVX512` on a non-Intel CPU), then `--steps` AdamW steps of a demo-sized VideoBertForPreTraining on a
fixed batch (seed 0) give the sha256 of the trained weights (equal = the same digits as MKL's own choice) and the
median step time, as a ratio to MKL's own choice measured in the same run.

    .venv/bin/python benchmarks/bench_mkl_paths.py
    .venv/bin/python benchmarks/bench_mkl_paths.py --settings AVX2 COMPATIBLE --steps 8
"""

import argparse
import hashlib
import json
import os
import re
import statistics
import subprocess
import sys
import time


def child(steps: int) -> dict:
    """One setting, in this process: MKL's branch, the trained weights' hash and the median step time."""
    import torch

    from videobert_hf import VideoBertConfig, VideoBertForPreTraining

    torch.manual_seed(0)
    config = VideoBertConfig(
        text_vocab_size=30522,
        visual_vocab_size=256,
        hidden_size=256,
        num_hidden_layers=4,
        num_attention_heads=4,
        intermediate_size=1024,
    )
    model = VideoBertForPreTraining(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-4)
    ids = torch.randint(0, 30000, (16, 64))
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        model(input_ids=ids, labels=ids).loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        times.append(time.perf_counter() - start)
    digest = hashlib.sha256()
    for parameter in model.parameters():
        digest.update(parameter.detach().numpy().tobytes())
    return {"sha256": digest.hexdigest()[:16], "step_s": statistics.median(times[2:] or times)}


def run(setting: str | None, steps: int) -> dict:
    env = {key: value for key, value in os.environ.items() if key != "MKL_CBWR"}
    if setting:
        env["MKL_CBWR"] = setting
    probe = subprocess.run(
        [sys.executable, "-c", "import torch; a = torch.randn(64, 64); a @ a"],
        env={**env, "MKL_VERBOSE": "1"},
        capture_output=True,
        text=True,
    )
    branch = re.search(r"CNR:(\S+)", probe.stdout + probe.stderr)
    trained = subprocess.run(
        [sys.executable, __file__, "--child", "--steps", str(steps)], env=env, capture_output=True, text=True
    )
    if trained.returncode != 0:
        raise SystemExit(f"MKL_CBWR={setting}: the training process failed:\n{trained.stderr[-2000:]}")
    return {"branch": branch.group(1) if branch else "not reported", **json.loads(trained.stdout.splitlines()[-1])}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--settings", nargs="+", default=["AVX2", "AVX512", "COMPATIBLE"], help="MKL_CBWR values.")
    parser.add_argument("--steps", type=int, default=6, help="AdamW steps per setting (the first two are not timed).")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.steps)))
        return None
    results = {}
    for setting in [None, *args.settings]:
        results[setting or "(unset)"] = run(setting, args.steps)
        print(f"MKL_CBWR={setting or '(unset)'} done", file=sys.stderr, flush=True)
    anchor = results["(unset)"]
    print(f"| MKL_CBWR | MKL's branch | weights after {args.steps} steps | step time / unset |")
    print("|---|---|---|---|")
    for name, result in results.items():
        same = "the same" if result["sha256"] == anchor["sha256"] else "other"
        ratio = result["step_s"] / anchor["step_s"]
        print(f"| {name} | CNR:{result['branch']} | {same} ({result['sha256']}) | {ratio:.2f}x |")
    return results


if __name__ == "__main__":
    main()
