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
"""benchmarks/bench_cuda_attention.py: attention backends agree on a GPU; the script skips cleanly without one."""

import importlib.util
from pathlib import Path

import pytest
import torch

from videobert_hf import VideoBertConfig


SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_cuda_attention.py"


def load_script():
    spec = importlib.util.spec_from_file_location("bench_cuda_attention", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tiny_config() -> VideoBertConfig:
    return VideoBertConfig(
        text_vocab_size=200,
        visual_vocab_size=16,
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=128,
    )


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_attention_backends_agree_on_cuda_in_bf16():
    script = load_script()
    results = script.check_agreement(
        tiny_config(), script.default_implementations(), "cuda", torch.bfloat16, batch_size=3, length=32
    )
    assert set(results) >= {"eager", "sdpa"}
    for name, row in results.items():
        assert row["ok"], (name, row)


def test_no_cuda_path_prints_skip_and_exits_0(monkeypatch, capsys):
    script = load_script()
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert script.main([]) == 0
    assert "skipped: no CUDA device" in capsys.readouterr().out


def test_help_exits_0(capsys):
    with pytest.raises(SystemExit) as exit_info:
        load_script().main(["--help"])
    assert exit_info.value.code == 0
    assert "--output" in capsys.readouterr().out


def test_agreement_check_on_cpu_in_float32():
    # The agreement code path itself (padding, reference, error metric) on CPU, where eager and sdpa are exact-ish.
    script = load_script()
    results = script.check_agreement(tiny_config(), ["eager", "sdpa"], "cpu", torch.float32, batch_size=3, length=16)
    assert results["eager"]["hidden_relative_l2"] == 0.0
    for row in results.values():
        assert row["ok"] and row["logits_relative_l2"] < 1e-5, row


def test_peak_table_and_flops():
    script = load_script()
    assert script.peak_bf16_tflops("NVIDIA H100 80GB HBM3") == 989.0
    assert script.peak_bf16_tflops("NVIDIA H100 PCIe") == 756.0
    assert script.peak_bf16_tflops("NVIDIA H200") == 989.0
    assert script.peak_bf16_tflops("NVIDIA A100-SXM4-80GB") == 312.0
    assert script.peak_bf16_tflops("NVIDIA L40S") == 362.0
    assert script.peak_bf16_tflops("Some Future GPU") is None
    config = tiny_config()
    model = script.build_model(config, "eager", "cpu", torch.float32)
    h, i, layers, vocab = config.hidden_size, config.intermediate_size, config.num_hidden_layers, config.vocab_size
    batch, length, masked = 2, 16, 5
    expected = 6 * (
        (4 * h * h + 2 * h * i) * layers * batch * length + (h * h + vocab * h) * masked + (h * h + 2 * h) * batch
    )
    expected += 12 * layers * h * length**2 * batch
    assert script.flops_per_step(model, batch, length, masked) == expected


def test_whole_run_on_cpu_writes_table_and_json(tmp_path, capsys):
    # The GPU run's code path (agreement, training steps, FLOPs, table, JSON) with a tiny float32 model on CPU.
    import json

    script = load_script()
    output = tmp_path / "result.json"
    args = script.parse_args(
        "--hidden-size 32 --layers 2 --heads 4 --batch-size 2 --length 16 --text-vocab-size 200 --visual-levels 2 "
        f"--visual-branching 4 --steps 2 --warmup-steps 1 --agreement-batch-size 2 --dtype float32 "
        f"--implementations eager,sdpa --peak-tflops 1 --output {output}".split()
    )
    assert script.run(args, torch.device("cpu")) == 0
    printed = capsys.readouterr().out
    assert "agreement with eager float32" in printed and "MFU" in printed
    report = json.loads(output.read_text())
    assert set(report["throughput"]) == {"eager", "sdpa"}
    for row in report["throughput"].values():
        assert row["tokens_per_s"] > 0 and row["mfu"] > 0 and row["model_flops_per_step"] > 0
    assert all(row["ok"] for row in report["agreement"].values())
