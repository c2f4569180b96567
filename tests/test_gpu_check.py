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
benchmarks/gpu_check.py (+ gpu_check.sh) and benchmarks/pretraining_cost.py on this CPU.

The GPU check is meant to run once, on a GPU lent for a few minutes: `--device cpu --smoke` runs every one of its
sections (the pytest subprocess, the attention agreement, eager and torch.compile'd training steps with their FLOPs
and ratios, the per-GPU batches, the S3D clip encoder, the JSON and Markdown reports) at tiny sizes, so that the GPU
run cannot fail on a bug that a CPU run catches. The compiled runs use the aot_eager backend here (inductor needs a
minute to compile on 2 cores; the GPU run uses inductor).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch


ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "gpu_check.sh"


def run_check(tmp_path, *args, timeout=300):
    env = dict(os.environ, PYTHON=sys.executable, OMP_NUM_THREADS="1")  # tiny ops: threads only contend
    command = ["bash", str(SCRIPT), "--output-json", str(tmp_path / "r.json"), "--output-md", str(tmp_path / "r.md")]
    completed = subprocess.run([*command, *args], env=env, capture_output=True, text=True, timeout=timeout)
    report = json.loads((tmp_path / "r.json").read_text()) if (tmp_path / "r.json").exists() else None
    markdown = (tmp_path / "r.md").read_text() if (tmp_path / "r.md").exists() else ""
    return completed, report, markdown


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the path taken without a CUDA device")
def test_without_cuda_it_skips_cleanly_and_says_why(tmp_path):
    completed, report, markdown = run_check(tmp_path, timeout=120)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "skipped: no CUDA device" in completed.stdout
    assert report["status"] == "skipped" and "no CUDA device" in report["reason"] and report["sections"] == {}
    assert "Skipped: no CUDA device" in markdown


def test_help_of_the_wrapper_and_the_script(tmp_path):
    completed = subprocess.run(
        ["bash", str(SCRIPT), "--help"], env=dict(os.environ, PYTHON=sys.executable), capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stderr
    assert "8 minutes" in completed.stdout and "--output-json" in completed.stdout and "--smoke" in completed.stdout


def test_smoke_on_cpu_runs_every_section(tmp_path):
    completed, report, markdown = run_check(tmp_path, "--device", "cpu", "--smoke", "--budget-s", "240")
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]
    sections = report["sections"]
    expected = ["environment", "tokenize_pipeline", "clip_encoder", "cuda_tests", "attention"]
    expected += [f"train {size} {mode}" for size in ("BERT-base", "BERT-large") for mode in ("eager", "compiled")]
    expected += [
        "train BERT-large compiled whole model",
        "profile BERT-large eager",
        "train BERT-large eager, 2 per GPU",
    ]
    assert list(sections) == expected
    for name, entry in sections.items():
        assert entry["status"] == "ok", (name, entry)
        assert 0 <= entry["seconds"] and entry["budget_s"] > 0, (name, entry)
    assert report["status"] == "ok" and report["device"] == "cpu"

    assert sections["environment"]["matmul_bf16_tflops"] > 0 and sections["environment"]["peak_bf16_tflops"] is None
    assert sections["cuda_tests"]["passed"] == 1 and sections["cuda_tests"]["exit_code"] == 0
    backends = sections["attention"]["backends"]
    assert {"eager", "sdpa"} <= set(backends) and all(row["ok"] for row in backends.values())
    for size in ("BERT-base", "BERT-large"):
        eager, compiled = sections[f"train {size} eager"], sections[f"train {size} compiled"]
        assert compiled["compile"] == "aot_eager" and eager["compile"] == "none"
        assert compiled["compiled_graphs"] >= 1  # the layers share their graphs
        for run in (eager, compiled):
            assert run["tokens_per_s"] > 0 and run["model_flops_per_step"] > 0 and run["vs_matmul"] > 0
            assert run["mfu"] is None and run["vocab_size"] == 200 + 2 + 4**2
    assert sections["train BERT-large eager, 2 per GPU"]["batch_size"] == 2
    whole = sections["train BERT-large compiled whole model"]
    assert whole["compile_scope"] == "model" and whole["compiled_graphs"] >= 1 and whole["tokens_per_s"] > 0
    profiled = sections["profile BERT-large eager"]
    assert profiled["ms_per_step"] > 0 and profiled["longest"]
    assert abs(sum(profiled["kinds_ms_per_step"].values()) - profiled["ms_per_step"]) < 1e-6 * profiled["ms_per_step"]
    assert profiled["kinds_ms_per_step"]["matrix products"] > 0  # aten::addmm / aten::mm on the CPU
    clips = sections["clip_encoder"]
    assert clips["clip_shape"] == [3, 8, 32, 32] and clips["feature_dim"] == 1024
    assert clips["clips_per_s"] > 0 and clips["flops_per_clip"] > 0 and clips["corpus_gpu_hours"] > 0
    variants = [(v["memory_format"], v["batch"]) for v in clips["variants"]]
    assert variants == [("contiguous_format", 2), ("channels_last_3d", 2)]
    assert all(v["clips_per_s"] > 0 and v["relative_l2_vs_section"] < 3e-2 for v in clips["variants"])  # bf16
    tokenize = sections["tokenize_pipeline"]
    assert tokenize["setting"] == "demo" and tokenize["workers"] == 2 and tokenize["dtype"] == "float32"
    stages = [
        "(a) decode, 1 worker",
        "(a) decode, 2 workers",
        "(b) encode",
        "(c) sequential",
        "(d) overlapped, 2 workers",
    ]
    assert list(tokenize["clips_per_s"]) == stages and all(rate > 0 for rate in tokenize["clips_per_s"].values())
    assert tokenize["decoding_cores_per_device"] > 0 and tokenize["overlapped_vs_slower_stage"] > 0
    assert tokenize["features_relative_l2_vs_float32"] == 0.0  # float32 on the CPU: the same encoder twice

    # every figure comes with its anchor
    for anchor in ("of the peak", "of the measured matmul", "x eager", "x batch 4", "x real time", "tolerance"):
        assert anchor in markdown, anchor
    assert "| sdpa |" in markdown and "| clip_encoder | ok |" in markdown
    assert "Decoding cores one device needs" in markdown and "| (d) overlapped, 2 workers |" in markdown


def test_sections_runs_only_the_named_ones(tmp_path):
    completed, report, _ = run_check(
        tmp_path, "--device", "cpu", "--smoke", "--budget-s", "60", "--sections", "clip_encoder", timeout=120
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]
    ran = [name for name, entry in report["sections"].items() if entry["status"] == "ok"]
    assert ran == ["environment", "clip_encoder"]
    skipped = {entry.get("reason") for name, entry in report["sections"].items() if name not in ran}
    assert skipped == {"not in --sections"}


def test_pretraining_cost_prints_the_table(tmp_path):
    output = tmp_path / "cost.md"
    command = [sys.executable, str(ROOT / "benchmarks" / "pretraining_cost.py"), "--quick", "--output", str(output)]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))
    completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-4000:]
    text = output.read_text()
    assert "(ratio 1.0000)" in text  # the FLOPs torch counts on the real step are the formula's
    assert "357.5 M" in text  # BERT-large size with the joint vocabulary
    for workload in ("the paper: 0.5M steps x 128 sequences", "HowTo100M-sized, 10 epoch(s)"):
        for gpus, strategy in ((8, "DDP"), (8, "FSDP"), (64, "DDP"), (64, "FSDP")):
            assert f"| {workload}" in text and f"| {gpus} | {strategy} |" in text
    assert "40% (assumed)" in text and "Tokenizing the HowTo100M-sized corpus" in text


def test_pretraining_cost_takes_measured_mfu_and_clips_from_a_gpu_report(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import pretraining_cost
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    report = {
        "device": "NVIDIA H200",
        "sections": {
            "train BERT-large eager": {"status": "ok", "model": "BERT-large", "batch_size": 128, "mfu": 0.35},
            "train BERT-large compiled": {"status": "ok", "model": "BERT-large", "batch_size": 128, "mfu": 0.45},
            "train BERT-large eager, 2 per GPU": {"status": "failed", "model": "BERT-large", "batch_size": 2},
            "clip_encoder": {"status": "ok", "clips_per_s": 1000.0},
        },
    }
    (tmp_path / "gpu.json").write_text(json.dumps(report))
    device, mfu, clips_per_s = pretraining_cost.measured_from_gpu_report(tmp_path / "gpu.json")
    assert device == "NVIDIA H200" and mfu == {("BERT-large", 128): 0.45} and clips_per_s == 1000.0

    args = pretraining_cost.parse_args([])
    config = pretraining_cost.videobert_config(*pretraining_cost.BERT_SIZES["BERT-large"])
    rows = pretraining_cost.cost_rows(config, 357_000_000, args, mfu)
    single = [row for row in rows if row["gpus"] == 1]
    assert {row["mfu_source"] for row in single} == {"measured"} and {row["mfu"] for row in single} == {0.45}
    paper_8 = [row for row in rows if row["gpus"] == 8 and row["per_gpu_batch"] == 16]
    assert {row["mfu_source"] for row in paper_8} == {"assumed"} and {row["strategy"] for row in paper_8} == {
        "DDP",
        "FSDP",
    }
    # FSDP's bf16 all-gathers + reduce-scatter move 6 bytes per parameter, DDP's fp32 all-reduce 8
    ddp, fsdp = sorted(paper_8, key=lambda row: row["strategy"])
    assert abs(fsdp["comm_s"] / ddp["comm_s"] - 0.75) < 1e-9
    # the paper's steps on one GPU: 0.5M x the step's FLOPs at 45 % of 989 TFLOP/s
    expected = 500_000 * pretraining_cost.step_flops(config, 128) / (0.45 * 989e12) / 3600
    assert abs(single[0]["gpu_hours"][0] - expected) < 1e-6 * expected
