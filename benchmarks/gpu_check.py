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
VideoBERT on one GPU in one bounded run (8 minutes at most through benchmarks/gpu_check.sh): the tokenization
pipeline's stages (decoding per core, the clip encoder in bf16, the overlapped path, the decoding cores one GPU needs),
the clip encoder's throughput at the paper's clip size, the CUDA tests, the attention backends' agreement in bf16,
pretraining-step throughput and model-FLOPs utilisation at BERT-base and BERT-large size, peak GPU memory. Writes a JSON and a Markdown
report (rewritten after every section, so that a run stopped at its time limit still leaves one).

    bash benchmarks/gpu_check.sh --output-json gpu_check.json --output-md gpu_check.md   # on a GPU machine
    python benchmarks/gpu_check.py --device cpu --smoke --output-json s.json --output-md s.md   # tiny sizes, seconds

Sections, in this order, each with a time budget (a timed loop stops at its budget, after at least 3 steps; a section
that no longer fits in what is left of --budget-s is skipped and says so) and its wall time recorded:

1. environment: device, versions, the device's dense bf16 peak from bench_cuda_attention.PEAK_BF16_TFLOPS (H100 SXM /
   H200 989 TFLOP/s, A100 312, ...; vendor data sheets; an unknown device gets MFU "n/a") and a bf16 N x N x N matmul
   measured on the device (N = 8192) as the practical ceiling.
2. tokenize_pipeline: bench_tokenize_pipeline's stages at the paper's settings (20 fps, 30-frame clips at 224 px from
   640x360 H.264, generated) with the clip encoder (S3D, random weights) on the device in bf16, batch 32: (a) decoding
   alone on one worker process and on the machine's CPUs less two, (b) the encoder alone on decoded
   clips, (c) today's sequential path, (d) the overlapped path (`stream_clip_features`) on as many workers; then the
   decoding cores one GPU needs (b x the CPU time per clip of decoding on those workers), d / min(a, b) (target >=
   0.85), d / c, and the bf16 features' relative L2 against float32 on the same clips.
3. clip_encoder: `VideoBertVisualTokenizer.get_clip_features` (S3D, random weights) on 30 x 224 x 224 random clips in
   bf16: clips/s, x real time (a clip is 1.5 s of video), FLOPs per clip counted with torch.utils.flop_counter, MFU,
   and the GPU-hours to encode a HowTo100M-sized corpus (15 years of video, pretraining_cost.HOWTO100M_CLIPS clips).
4. cuda_tests: `pytest -q tests/test_cuda_videobert.py` in a subprocess.
5. attention: eager, sdpa and, when `flash_attn` is importable, flash_attention_2 in bf16 against eager attention in
   float32 on the same weights and padded batch (bench_cuda_attention.check_agreement; BERT-base size, joint
   vocabulary, 4 x 512): relative L2 and max absolute error of the last hidden state and of the logits; tolerance 3e-2.
6. training: the full pretraining step (`VideoBertForPreTraining` forward with masked-token and alignment labels,
   backward, fused AdamW) at BERT-base (768 x 12) and BERT-large (1024 x 24) size with the joint vocabulary
   30,522 + 2 + 12^4 = 51,260, batch 128 x 128 (the paper's batch; sequence length 128, run_pretraining.py's
   default), 15 % of positions masked, sdpa, bf16 autocast over float32 weights (what `Trainer --bf16` runs), dropout
   on; eager, and with torch.compile applied to each `VideoBertLayer` (regional compilation: the 24 layers share one
   compiled graph). tokens/s, TFLOP/s and MFU from the model FLOPs of bench_cuda_attention.model_flops_per_step (6 x
   weights x tokens, the prediction head on masked positions only, + attention), against the peak and against the
   measured matmul; compiled / eager; peak memory; the first step's time (the compile). Then BERT-large with the
   whole model compiled (the embeddings, the prediction head and the loss fused too); where the eager BERT-large
   step's device time goes (torch.profiler: matrix products, attention, optimizer, softmax and loss, the rest; the
   longest kernels); BERT-large eager at 16 and 2 sequences per GPU: the paper's batch of 128 on 8 and on 64 GPUs
   (benchmarks/pretraining_cost.py).

`--sections NAME...` runs only the sections whose names start with those (environment always runs): a short second
run after one section failed.

Without a CUDA device (and no --device cpu) it prints why, writes reports that say "skipped" and exits 0. Exit 1 when a
section failed (an exception, failed tests, a backend beyond tolerance); 124 when the check ran past its time limit.
"""

import argparse
import gc
import json
import math
import os
import re
import signal
import subprocess
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch


ROOT = Path(__file__).resolve().parents[1]
SKIP_REASON = "no CUDA device (torch.cuda.is_available() is False): nothing was measured"
CLIP_SECONDS = 1.5  # one visual token = 30 frames at 20 fps


@dataclass
class Sizes:
    """What each section runs; `full()` on a GPU, `smoke()` the same code paths at tiny sizes on a CPU."""

    models: dict = field(default_factory=dict)  # name -> (hidden, layers, heads)
    text_vocab_size: int = 30522
    visual_levels: int = 4
    visual_branching: int = 12
    batch_size: int = 128
    length: int = 128
    per_gpu_batches: tuple = (16, 2)  # the paper's 128 sequences on 8 and on 64 GPUs
    agreement_batch: int = 4
    agreement_length: int = 512
    clip_frames: int = 30
    clip_size: int = 224
    clip_batch: int = 16
    clip_variant_batches: tuple = (16, 64)  # each in the contiguous and the channels_last_3d memory format
    pipeline_setting: str = "paper"  # bench_tokenize_pipeline.SETTINGS
    pipeline_seconds: float = 30.0  # length of each generated video (one is made, the rest are copies)
    pipeline_videos: int = 48  # (a) at many workers, (d)
    pipeline_videos_one_core: int = 3  # (a) at one worker, (c)
    pipeline_batch: int = 32
    pipeline_workers: int = 0  # decoding processes of (a) and (d); 0: the machine's CPUs less two
    matmul_size: int = 8192
    warmup_steps: int = 2  # after the first step (which compiles)
    min_timed_steps: int = 3
    max_timed_steps: int = 30
    pytest_args: tuple = ("tests/test_cuda_videobert.py",)
    budgets: dict = field(default_factory=dict)  # section -> seconds

    @classmethod
    def full(cls):
        return cls(
            models={"BERT-base": (768, 12, 12), "BERT-large": (1024, 24, 16)},
            budgets={
                "environment": 30,
                "cuda_tests": 60,
                "attention": 30,
                "train_eager": 25,
                "train_compiled": 60,
                "train_per_gpu_batch": 10,
                "profile": 30,
                "clip_encoder": 30,
                "tokenize_pipeline": 90,
            },
        )

    @classmethod
    def smoke(cls):
        return cls(
            models={"BERT-base": (32, 2, 4), "BERT-large": (48, 3, 4)},
            text_vocab_size=200,
            visual_levels=2,
            visual_branching=4,
            batch_size=4,
            length=16,
            per_gpu_batches=(2,),
            agreement_batch=2,
            agreement_length=16,
            clip_frames=8,
            clip_size=32,
            clip_batch=2,
            clip_variant_batches=(2,),
            pipeline_setting="demo",
            pipeline_seconds=3.0,
            pipeline_videos=3,
            pipeline_videos_one_core=1,
            pipeline_batch=4,
            pipeline_workers=2,
            matmul_size=256,
            warmup_steps=0,
            min_timed_steps=1,
            max_timed_steps=2,
            pytest_args=("tests/test_cuda_videobert.py", "-k", "help_exits_0"),
            budgets={
                "environment": 10,
                "cuda_tests": 60,
                "attention": 20,
                "train_eager": 10,
                "train_compiled": 30,
                "train_per_gpu_batch": 10,
                "profile": 20,
                "clip_encoder": 10,
                "tokenize_pipeline": 30,
            },
        )


class CheckTimeout(Exception):
    """The check ran past its hard time limit (--budget-s plus a grace period)."""


class Check:
    """Runs the sections in order within one time budget and keeps the report."""

    def __init__(self, args, sizes: Sizes, device: torch.device):
        self.args, self.sizes, self.device = args, sizes, device
        self.start = time.monotonic()
        self.report = {"status": "running", "device": None, "settings": {}, "sections": {}}

    def remaining(self) -> float:
        return self.args.budget_s - (time.monotonic() - self.start)

    def section(self, name, budget_key, function, *function_args, minimum_s=5.0):
        """Runs `function(budget_s, *function_args)` as section `name` unless too little time is left."""
        budget = min(self.sizes.budgets[budget_key], self.remaining())
        entry = {"status": "running", "budget_s": round(budget, 1)}
        self.report["sections"][name] = entry
        if self.args.sections and name != "environment" and not name.startswith(tuple(self.args.sections)):
            entry.update(status="skipped", reason="not in --sections")
            print(f"[{name}] skipped: {entry['reason']}", flush=True)
            self.write()
            return entry
        if budget < minimum_s:
            entry.update(status="skipped", reason=f"{self.remaining():.0f} s left of --budget-s {self.args.budget_s}")
            print(f"[{name}] skipped: {entry['reason']}", flush=True)
            self.write()
            return entry
        print(f"[{name}] budget {budget:.0f} s", flush=True)
        started = time.monotonic()
        try:
            entry.update(function(budget, *function_args))
            entry["status"] = entry.get("status", "ok")
            if entry["status"] == "running":
                entry["status"] = "ok"
        except (CheckTimeout, KeyboardInterrupt):
            entry.update(status="failed", reason="stopped at the check's time limit")
            raise
        except Exception as error:  # a section's failure is reported; the other sections still run
            entry.update(status="failed", reason=f"{type(error).__name__}: {error}")
            entry["traceback"] = traceback.format_exc(limit=6)
            print(entry["traceback"], file=sys.stderr, flush=True)
        finally:
            entry["seconds"] = round(time.monotonic() - started, 1)
            release_memory(self.device)
            self.write()
        print(f"[{name}] {entry['status']} in {entry['seconds']} s", flush=True)
        return entry

    def write(self):
        self.report["elapsed_s"] = round(time.monotonic() - self.start, 1)
        write_reports(self.report, self.args)


def release_memory(device):
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def reset_peak_memory(device):
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)


def peak_memory_gib(device):
    return torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else None


def video_bert_config(sizes: Sizes, hidden: int, layers: int, heads: int, length: int):
    from videobert_hf import VideoBertConfig

    config = VideoBertConfig(
        text_vocab_size=sizes.text_vocab_size,
        visual_vocab_size=sizes.visual_branching**sizes.visual_levels,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=4 * hidden,
        max_position_embeddings=max(512, length),
    )
    config._attn_implementation = "sdpa"
    return config


# ---------------------------------------------------------------------------------------------------- sections
def load_project():
    """Imports videobert_hf and the sibling benchmark scripts (which import it) as this module's globals."""
    global bench_cuda_attention, pretraining_cost, videobert_hf
    try:
        import videobert_hf
    except ImportError as error:
        raise RuntimeError(
            f"import videobert_hf failed ({error}): this machine lacks the project's requirements (pyproject.toml: "
            "transformers>=5.24, av, ...); benchmarks/gpu_check_wheels.sh fetches the wheels to carry in .whl/"
        ) from error
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bench_cuda_attention
    import pretraining_cost


def environment(budget_s, check: Check):
    import transformers

    load_project()
    device, sizes = check.device, check.sizes
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    peak = (
        check.args.peak_tflops if check.args.peak_tflops is not None else bench_cuda_attention.peak_bf16_tflops(name)
    )

    n = sizes.matmul_size
    a = torch.randn(n, n, device=device, dtype=torch.bfloat16)
    b = torch.randn(n, n, device=device, dtype=torch.bfloat16)
    for _ in range(3):
        a @ b
    synchronize(device)
    repeats, started = 0, time.perf_counter()
    while repeats < 3 or (repeats < 50 and time.perf_counter() - started < min(5.0, budget_s / 4)):
        a @ b
        repeats += 1
        if repeats % 5 == 0:
            synchronize(device)
    synchronize(device)
    matmul_tflops = 2 * n**3 * repeats / (time.perf_counter() - started) / 1e12
    del a, b
    result = {
        "device": name,
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "transformers": transformers.__version__,
        "videobert_hf": videobert_hf.__version__,
        "flash_attn": bench_cuda_attention.flash_attention_available(),
        "peak_bf16_tflops": peak,
        "peak_source": "--peak-tflops"
        if check.args.peak_tflops is not None
        else ("bench_cuda_attention.PEAK_BF16_TFLOPS" if peak else "device not in the table"),
        "matmul_size": n,
        "matmul_bf16_tflops": matmul_tflops,
        "matmul_vs_peak": matmul_tflops / peak if peak else None,
        "memory_gib": torch.cuda.get_device_properties(device).total_memory / 2**30 if device.type == "cuda" else None,
    }
    check.report["device"] = name
    check.peak, check.matmul_tflops = peak, matmul_tflops
    return result


def cuda_tests(budget_s, check: Check):
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *check.sizes.pytest_args]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH")]))
    try:
        completed = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=max(1.0, budget_s)
        )
    except subprocess.TimeoutExpired as expired:
        tail = (expired.stdout or "")[-2000:] if isinstance(expired.stdout, str) else ""
        return {"status": "failed", "reason": f"pytest ran past {budget_s:.0f} s", "output_tail": tail}
    output = completed.stdout + completed.stderr
    summary = completed.stdout.strip().splitlines()[-1] if completed.stdout.strip() else ""
    counts = dict.fromkeys(("passed", "failed", "skipped", "deselected", "errors"), 0)
    for count, kind in re.findall(r"(\d+) (passed|failed|skipped|deselected|errors?)\b", summary):
        counts["errors" if kind.startswith("error") else kind] += int(count)
    result = {"command": " ".join(["pytest", "-q", *check.sizes.pytest_args]), "exit_code": completed.returncode}
    result.update(counts, summary=summary)
    if completed.returncode != 0 or counts["failed"] or counts["errors"] or not counts["passed"]:
        result.update(status="failed", reason=f"pytest: {summary or 'no summary'}", output_tail=output[-3000:])
    return result


def attention(budget_s, check: Check):
    sizes = check.sizes
    hidden, layers, heads = sizes.models["BERT-base"]
    config = video_bert_config(sizes, hidden, layers, heads, sizes.agreement_length)
    implementations = bench_cuda_attention.default_implementations()
    results = bench_cuda_attention.check_agreement(
        config,
        implementations,
        check.device,
        torch.bfloat16,
        batch_size=sizes.agreement_batch,
        length=sizes.agreement_length,
    )
    result = {
        "model": "BERT-base",
        "batch": f"{sizes.agreement_batch} x {sizes.agreement_length}",
        "flash_attention_2": "compared" if "flash_attention_2" in implementations else "not installed (flash_attn)",
        "backends": results,
    }
    failed = [name for name, row in results.items() if not row["ok"]]
    if failed:
        result.update(status="failed", reason=f"beyond the tolerance: {', '.join(failed)}")
    return result


def training_step(check: Check, model_name: str, batch_size: int, compile_backend: str | None, scope: str):
    """The pretraining step of one size: `(model, config, batch, step)`, compiled per layer or whole when asked."""
    from videobert_hf import VideoBertForPreTraining

    device, sizes = check.device, check.sizes
    hidden, layers, heads = sizes.models[model_name]
    config = video_bert_config(sizes, hidden, layers, heads, sizes.length)
    torch.manual_seed(0)
    with torch.device(device):
        model = VideoBertForPreTraining(config)
    model.train()
    if compile_backend and scope == "model":
        model.compile(backend=compile_backend)
    elif compile_backend:
        for layer in model.videobert.encoder.layer:
            layer.compile(backend=compile_backend)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5, fused=True)
    batch = bench_cuda_attention.make_batch(config, batch_size, sizes.length, 0.15, 0, padded=False)
    inputs = {key: value.to(device) for key, value in batch.items()}

    def step():
        with torch.autocast(device.type, dtype=torch.bfloat16):
            loss = model(**inputs).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return loss

    return model, config, batch, step


def train(
    budget_s, check: Check, model_name: str, batch_size: int, compile_backend: str | None, scope: str = "layers"
):
    """Pretraining steps of one size; returns throughput, FLOPs, MFU and memory."""
    from torch._dynamo.utils import counters

    device, sizes = check.device, check.sizes
    started = time.monotonic()
    hidden, layers, heads = sizes.models[model_name]
    reset_peak_memory(device)
    torch._dynamo.reset()
    counters.clear()
    model, config, batch, step = training_step(check, model_name, batch_size, compile_backend, scope)
    masked_tokens = int((batch["labels"] != -100).sum())

    try:
        first_started = time.perf_counter()
        step()
        synchronize(device)
        first_step_s = time.perf_counter() - first_started
        for _ in range(sizes.warmup_steps):
            step()
        synchronize(device)
        deadline = started + budget_s
        steps, timed_started = 0, time.perf_counter()
        while steps < sizes.min_timed_steps or (steps < sizes.max_timed_steps and time.monotonic() < deadline):
            loss = step()
            steps += 1
            if device.type == "cuda" and steps % 5 == 0:
                synchronize(device)  # keeps the deadline test close to the GPU's progress
        synchronize(device)
        elapsed = time.perf_counter() - timed_started
        final_loss = float(loss.detach())
        compiled_graphs = int(counters["stats"]["unique_graphs"])
    finally:
        torch._dynamo.reset()
    flops = bench_cuda_attention.flops_per_step(model, batch_size, sizes.length, masked_tokens)
    steps_per_s = steps / elapsed
    achieved = flops * steps_per_s / 1e12
    result = {
        "model": model_name,
        "hidden_layers_heads": [hidden, layers, heads],
        "parameters": sum(p.numel() for p in model.parameters()),
        "vocab_size": config.vocab_size,
        "batch_size": batch_size,
        "length": sizes.length,
        "masked_tokens": masked_tokens,
        "compile": compile_backend or "none",
        "compile_scope": scope if compile_backend else None,
        "compiled_graphs": compiled_graphs,
        "first_step_s": first_step_s,
        "steps_timed": steps,
        "seconds_per_step": elapsed / steps,
        "tokens_per_s": steps_per_s * batch_size * sizes.length,
        "model_flops_per_step": flops,
        "achieved_tflops": achieved,
        "mfu": achieved / check.peak if check.peak else None,
        "vs_matmul": achieved / check.matmul_tflops,
        "peak_memory_gib": peak_memory_gib(device),
        "final_loss": final_loss,
    }
    if not math.isfinite(final_loss):
        result.update(status="failed", reason=f"loss is {final_loss}")
    return result


KERNEL_KINDS = (  # first match wins, on the lower-cased kernel (or, on a CPU, operator) name
    ("attention", r"flash|fmha|attention|efficient"),
    ("matrix products", r"gemm|cutlass|nvjet|sm90_xmma|sm80_xmma|matmul|addmm|\bmm\b|bmm|linear"),
    ("optimizer", r"adam|multi_tensor|foreach"),
    ("softmax and loss", r"softmax|cross_entropy|nll"),
)


def profile_step(budget_s, check: Check, model_name: str):
    """
    Where the eager pretraining step's device time goes: three steps under torch.profiler after two warm-up steps;
    the kernels' time per step by kind (matrix products, attention, optimizer, softmax and loss, the rest: elementwise,
    normalisation, dropout, copies) and the longest kernels. On a CPU: the operators' self time instead.
    """
    from torch.profiler import ProfilerActivity, profile

    device, sizes = check.device, check.sizes
    model, config, batch, step = training_step(check, model_name, sizes.batch_size, None, "layers")
    for _ in range(2):
        step()
    synchronize(device)
    steps = 3
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])
    with profile(activities=activities) as profiler:
        for _ in range(steps):
            step()
        synchronize(device)
    times = {}
    if device.type == "cuda":
        for event in profiler.events():
            if event.device_type == torch.autograd.DeviceType.CUDA:
                times[event.name] = times.get(event.name, 0.0) + event.time_range.elapsed_us()
    else:
        times = {event.key: event.self_cpu_time_total for event in profiler.key_averages()}
    total = sum(times.values())
    kinds = dict.fromkeys([kind for kind, _ in KERNEL_KINDS] + ["the rest"], 0.0)
    for name, microseconds in times.items():
        kind = next((kind for kind, pattern in KERNEL_KINDS if re.search(pattern, name.lower())), "the rest")
        kinds[kind] += microseconds
    longest = sorted(times.items(), key=lambda item: -item[1])[:12]
    return {
        "model": model_name,
        "batch_size": sizes.batch_size,
        "length": sizes.length,
        "timed": "kernels" if device.type == "cuda" else "operators (self CPU time)",
        "ms_per_step": total / steps / 1e3,
        "kinds_ms_per_step": {kind: value / steps / 1e3 for kind, value in kinds.items()},
        "longest": [{"name": name[:120], "ms_per_step": value / steps / 1e3} for name, value in longest],
    }


def clip_encoder(budget_s, check: Check):
    from torch.utils.flop_counter import FlopCounterMode

    from videobert_hf import VideoBertVisualTokenizer, VideoBertVisualTokenizerConfig

    device, sizes = check.device, check.sizes
    started = time.monotonic()
    reset_peak_memory(device)
    torch.manual_seed(0)
    config = VideoBertVisualTokenizerConfig(levels=sizes.visual_levels, branching=sizes.visual_branching)
    tokenizer = VideoBertVisualTokenizer(config).to(device=device, dtype=torch.bfloat16).eval()
    shape = (sizes.clip_batch, 3, sizes.clip_frames, sizes.clip_size, sizes.clip_size)
    clips = torch.randn(shape, device=device, dtype=torch.bfloat16)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        tokenizer.clip_encoder(clips[:1])
    flops_per_clip = counter.get_total_flops()
    for _ in range(1 + sizes.warmup_steps):
        features = tokenizer.get_clip_features(clips, batch_size=sizes.clip_batch)
    synchronize(device)
    deadline = started + budget_s
    batches, timed_started = 0, time.perf_counter()
    while batches < sizes.min_timed_steps or (batches < sizes.max_timed_steps and time.monotonic() < deadline):
        features = tokenizer.get_clip_features(clips, batch_size=sizes.clip_batch)
        batches += 1
    synchronize(device)
    elapsed = time.perf_counter() - timed_started
    clips_per_s = batches * sizes.clip_batch / elapsed
    achieved = flops_per_clip * clips_per_s / 1e12
    result = {
        "encoder": "S3D (torchvision, random weights), Mixed_5c pooled",
        "clip_shape": list(shape[1:]),
        "batch": sizes.clip_batch,
        "batches_timed": batches,
        "feature_dim": int(features.shape[-1]),
        "clips_per_s": clips_per_s,
        "x_real_time": clips_per_s * CLIP_SECONDS,
        "flops_per_clip": flops_per_clip,
        "achieved_tflops": achieved,
        "mfu": achieved / check.peak if check.peak else None,
        "vs_matmul": achieved / check.matmul_tflops,
        "corpus_clips": pretraining_cost.HOWTO100M_CLIPS,
        "corpus_gpu_hours": pretraining_cost.HOWTO100M_CLIPS / clips_per_s / 3600,
        "peak_memory_gib": peak_memory_gib(device),
    }
    result["variants"] = clip_encoder_variants(tokenizer, clips, features, flops_per_clip, check)
    if not bool(torch.isfinite(features).all()):
        result.update(status="failed", reason="non-finite clip features")
    return result


def clip_encoder_variants(tokenizer, clips, features, flops_per_clip, check: Check):
    """The clip encoder's clips/s at other batch sizes and in the channels_last_3d memory format (cuDNN's NDHWC
    kernels), with each variant's features on the same clips against the section's (relative L2)."""
    device, sizes = check.device, check.sizes
    variants = []
    try:
        for memory_format in ("contiguous_format", "channels_last_3d"):
            layout = getattr(torch, memory_format)
            tokenizer.clip_encoder.to(memory_format=layout)
            for batch in sizes.clip_variant_batches:
                inputs = torch.randn((batch, *clips.shape[1:]), device=device, dtype=clips.dtype)
                inputs = inputs.contiguous(memory_format=layout)
                tokenizer.get_clip_features(inputs, batch_size=batch)  # warm-up: cuDNN picks its algorithms
                synchronize(device)
                batches, begun = 0, time.perf_counter()
                while batches < sizes.min_timed_steps or (
                    batches < sizes.max_timed_steps and time.perf_counter() - begun < 2.0
                ):
                    tokenizer.get_clip_features(inputs, batch_size=batch)
                    batches += 1
                synchronize(device)
                rate = batches * batch / (time.perf_counter() - begun)
                same = tokenizer.get_clip_features(clips.contiguous(memory_format=layout), batch_size=len(clips))
                variants.append(
                    {
                        "memory_format": memory_format,
                        "batch": batch,
                        "clips_per_s": rate,
                        "mfu": flops_per_clip * rate / 1e12 / check.peak if check.peak else None,
                        "relative_l2_vs_section": float((same - features).norm() / features.norm()),
                    }
                )
    finally:
        tokenizer.clip_encoder.to(memory_format=torch.contiguous_format)
    return variants


def tokenize_pipeline(budget_s, check: Check):
    """
    bench_tokenize_pipeline's stages on this machine, the encoder on the device in bf16: (a) decoding alone on one
    worker (FFmpeg threads on every core) and on `pipeline_workers`, (b) the encoder alone on decoded clips, (c)
    today's sequential path, (d) the overlapped path (`stream_clip_features`) on `pipeline_workers`; then the decoding
    cores one device needs (b x the CPU time per decoded clip, workers included) and the overlap ratio d / min(a, b).
    (e), Ray, is not run: its wheel does not fit beside the others in what may travel to the GPU machine.
    """
    import shutil
    import tempfile

    import bench_tokenize_pipeline as pipeline

    from videobert_hf.corpus import encode_clips, iter_clip_features, stream_clip_features

    device, sizes = check.device, check.sizes
    started = time.monotonic()
    setting = pipeline.SETTINGS[sizes.pipeline_setting]
    workers = sizes.pipeline_workers or max(1, (os.cpu_count() or 3) - 2)
    batch = sizes.pipeline_batch
    dtype = "bfloat16" if device.type == "cuda" else None
    rates, seconds, busy, core_ms = {}, {}, {}, {}

    def cpu_seconds():
        times = os.times()  # this process and its finished (joined) children: the decoding workers
        return times.user + times.system + times.children_user + times.children_system

    def timed(label, function):
        synchronize(device)
        begun, cpu, all_cpu = time.perf_counter(), time.process_time(), cpu_seconds()
        clips = function()
        synchronize(device)
        seconds[label] = time.perf_counter() - begun
        busy[label] = (time.process_time() - cpu) / seconds[label]  # the main process's CPU time per wall second
        core_ms[label] = 1e3 * (cpu_seconds() - all_cpu) / clips  # CPU time per clip, workers included
        rates[label] = clips / seconds[label]
        print(f"  {label:<26} {clips:5d} clips in {seconds[label]:6.2f} s = {rates[label]:8.1f} clips/s, main process "
              f"busy {busy[label]:.2f}, {core_ms[label]:.1f} CPU ms per clip", flush=True)  # fmt: skip

    with tempfile.TemporaryDirectory() as root:
        root = Path(root)
        first = root / "v0.mp4"
        pipeline._make_video()(str(first), sizes.pipeline_seconds, width=setting["width"], height=setting["height"])
        videos = [("v0", first)]
        for i in range(1, max(sizes.pipeline_videos, sizes.pipeline_videos_one_core)):
            shutil.copyfile(first, root / f"v{i}.mp4")  # the same bytes: every copy is decoded again
            videos.append((f"v{i}", root / f"v{i}.mp4"))
        few = videos[: sizes.pipeline_videos_one_core]
        video_processor, tokenizer = pipeline.build_vocabulary(root / "vocab", setting, device, dtype)
        no_encoder = pipeline._NoEncoder(tokenizer.config.feature_dim)

        def stream(encoder, corpus, num_workers):
            results = stream_clip_features(encoder, video_processor, corpus, batch_size=batch, num_workers=num_workers)
            return sum(len(r.features) for r in results)

        timed("(a) decode, 1 worker", lambda: stream(no_encoder, few, 1))
        timed(f"(a) decode, {workers} workers", lambda: stream(no_encoder, videos, workers))
        decoded = [b["pixel_values_videos"] for b in video_processor.iter_clips(
            first, batch_size=batch, do_rescale=False, do_normalize=False)]  # fmt: skip
        decoded = torch.cat(decoded * math.ceil(4 * batch / sum(len(clips) for clips in decoded)))
        encode_clips(tokenizer, video_processor, decoded[:batch], batch_size=batch)  # warm-up (cuDNN's algorithms)

        def encode_alone():  # uint8 clips from host memory, in the stream's batches
            passes, begun = 0, time.perf_counter()
            while passes < 2 or (passes < 50 and time.perf_counter() - begun < min(10.0, budget_s / 8)):
                for clips in decoded.split(batch):
                    encode_clips(tokenizer, video_processor, clips, batch_size=batch)
                passes += 1
            return passes * decoded.shape[0]

        timed("(b) encode", encode_alone)
        bf16_features = encode_clips(tokenizer, video_processor, decoded[:batch], batch_size=batch)
        tokenizer.clip_encoder.float()
        float32_features = encode_clips(tokenizer, video_processor, decoded[:batch], batch_size=batch)
        if dtype is not None:
            tokenizer.clip_encoder.to(torch.bfloat16)
        difference = (bf16_features - float32_features).norm() / float32_features.norm()
        decoded = None  # frees the clips before (c) and (d)
        timed("(c) sequential", lambda: sum(len(f) for _, path in few for f, _, _ in iter_clip_features(
            tokenizer, video_processor, path, batch)))  # fmt: skip
        timed(f"(d) overlapped, {workers} workers", lambda: stream(tokenizer, videos, workers))

    one_core, many, encode = (
        rates["(a) decode, 1 worker"],
        rates[f"(a) decode, {workers} workers"],
        rates["(b) encode"],
    )
    overlapped, sequential = rates[f"(d) overlapped, {workers} workers"], rates["(c) sequential"]
    result = {
        "setting": sizes.pipeline_setting,
        "clip": setting,
        "videos": len(videos),
        "video_seconds": sizes.pipeline_seconds,
        "batch": batch,
        "dtype": dtype or "float32",
        "cpus": os.cpu_count(),
        "workers": workers,
        "clips_per_s": rates,
        "stage_seconds": seconds,
        "main_process_cpu_per_second": busy,
        "decode_ms_per_clip_one_core": 1e3 / one_core,
        "decode_scaling": many / (one_core * workers),
        "encode_ms_per_clip": 1e3 / encode,
        "decoding_cores_per_device": encode / one_core,
        "cpu_ms_per_clip": core_ms,
        "decoding_cores_per_device_by_cpu_time": encode * core_ms[f"(a) decode, {workers} workers"] / 1e3,
        "overlapped_vs_slower_stage": overlapped / min(many, encode),
        "overlapped_vs_sequential": overlapped / sequential,
        "features_relative_l2_vs_float32": float(difference),
        "setup_s": time.monotonic() - started - sum(seconds.values()),
    }
    if not math.isfinite(result["features_relative_l2_vs_float32"]):
        result.update(status="failed", reason="non-finite clip features")
    return result


# ---------------------------------------------------------------------------------------------------- report
def percent(value):
    return f"{100 * value:.1f} %" if value is not None else "n/a"


def number(value, digits=2):
    return f"{value:,.{digits}f}" if value is not None else "n/a"


def markdown(report: dict) -> str:
    sections = report.get("sections", {})
    env = sections.get("environment", {})
    lines = ["# VideoBERT GPU check", ""]
    if report["status"] == "skipped":
        return "\n".join(lines + [f"Skipped: {report['reason']}.", ""])
    lines.append(
        f"{report.get('device')}; torch {env.get('torch')}, CUDA {env.get('cuda')}, transformers "
        f"{env.get('transformers')}; dense bf16 peak {number(env.get('peak_bf16_tflops'), 0)} TFLOP/s "
        f"({env.get('peak_source')}); measured bf16 {env.get('matmul_size')}^3 matmul "
        f"{number(env.get('matmul_bf16_tflops'), 1)} TFLOP/s = {percent(env.get('matmul_vs_peak'))} of the peak."
    )
    lines.append(
        f"Status: **{report['status']}**; {report.get('elapsed_s')} s in all (--budget-s {report['settings'].get('budget_s')}"
        f"; the wrapper's hard limit is 480 s)."
    )
    lines += ["", "| section | status | seconds | budget (s) | note |", "|---|---|---|---|---|"]
    for name, entry in sections.items():
        note = entry.get("reason", entry.get("summary", ""))
        lines.append(f"| {name} | {entry['status']} | {entry.get('seconds', '-')} | {entry['budget_s']} | {note} |")

    tests = sections.get("cuda_tests", {})
    if "exit_code" in tests:
        lines += ["", "## CUDA tests", "", f"`{tests['command']}`: {tests['summary']} (exit {tests['exit_code']})."]

    agreement = sections.get("attention", {})
    if "backends" in agreement:
        lines += [
            "",
            f"## Attention backends in bf16 against eager float32 ({agreement['model']} size, padded batch "
            f"{agreement['batch']}; flash_attention_2: {agreement['flash_attention_2']})",
            "",
            "| backend | hidden rel. L2 | logits rel. L2 | hidden max abs | logits max abs | tolerance (rel. L2) | ok |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, row in agreement["backends"].items():
            lines.append(
                f"| {name} | {row['hidden_relative_l2']:.2e} | {row['logits_relative_l2']:.2e} | "
                f"{row['hidden_max_abs']:.2e} | {row['logits_max_abs']:.2e} | {row['tolerance']} | "
                f"{'yes' if row['ok'] else 'NO'} |"
            )

    runs = [entry for name, entry in sections.items() if name.startswith("train") and "tokens_per_s" in entry]
    if runs:
        full_batch = report["settings"]["sizes"]["batch_size"]
        eager = {(e["model"], e["batch_size"]): e for e in runs if e["compile"] == "none"}
        memory = env.get("memory_gib")
        lines += [
            "",
            "## Pretraining step (bf16 autocast, sdpa, fused AdamW, 15 % masked, logits at masked positions only)",
            "",
            "| model | params | batch x length | compile | tokens/s | anchor | s/step | TFLOP/s | MFU (of the peak) | of "
            f"the measured matmul | peak memory GiB (of {number(memory, 0)}) | first step s | steps timed |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for e in runs:
            if e["compile"] != "none" and (e["model"], e["batch_size"]) in eager:
                anchor = f"{e['tokens_per_s'] / eager[(e['model'], e['batch_size'])]['tokens_per_s']:.2f}x eager"
            elif e["batch_size"] != full_batch and (e["model"], full_batch) in eager:
                anchor = (
                    f"{e['tokens_per_s'] / eager[(e['model'], full_batch)]['tokens_per_s']:.2f}x batch {full_batch}"
                )
            else:
                anchor = "-"
            lines.append(
                f"| {e['model']} | {e['parameters'] / 1e6:.0f} M | {e['batch_size']} x {e['length']} | {e['compile']}"
                f"{' (whole model)' if e.get('compile_scope') == 'model' else ''} | "
                f"{e['tokens_per_s']:,.0f} | {anchor} | {e['seconds_per_step']:.4f} | {e['achieved_tflops']:.1f} | "
                f"{percent(e['mfu'])} | {percent(e['vs_matmul'])} | {number(e['peak_memory_gib'])} | "
                f"{e['first_step_s']:.1f} | {e['steps_timed']} |"
            )

    clips = sections.get("clip_encoder", {})
    if "clips_per_s" in clips:
        shape = "x".join(str(n) for n in clips["clip_shape"])
        lines += [
            "",
            f"## Clip encoder ({clips['encoder']}, bf16, clips {shape}, batch {clips['batch']})",
            "",
            "| clips/s | x real time (1.5 s per clip) | GFLOP per clip | TFLOP/s | MFU (of the peak) | of the measured "
            f"matmul | GPU-hours for a HowTo100M-sized corpus | peak memory GiB (of {number(env.get('memory_gib'), 0)}) |",
            "|---|---|---|---|---|---|---|---|",
            f"| {clips['clips_per_s']:,.1f} | {clips['x_real_time']:,.0f}x | {clips['flops_per_clip'] / 1e9:.1f} | "
            f"{clips['achieved_tflops']:.1f} | {percent(clips['mfu'])} | {percent(clips['vs_matmul'])} | "
            f"{clips['corpus_gpu_hours']:,.0f} ({clips['corpus_clips'] / 1e6:.1f} M clips) | "
            f"{number(clips['peak_memory_gib'])} |",
        ]
        if clips.get("variants"):
            lines += [
                "",
                "| memory format | batch | clips/s | MFU (of the peak) | features against the row above (rel. L2) |",
                "|---|---|---|---|---|",
            ]
            for v in clips["variants"]:
                lines.append(
                    f"| {v['memory_format']} | {v['batch']} | {v['clips_per_s']:,.1f} | {percent(v['mfu'])} | "
                    f"{v['relative_l2_vs_section']:.1e} |"
                )

    profiled = sections.get("profile BERT-large eager", {})
    if "kinds_ms_per_step" in profiled:
        lines += [
            "",
            f"## Where the eager step's time goes ({profiled['model']}, {profiled['batch_size']} x {profiled['length']}, "
            f"{profiled['timed']}: {profiled['ms_per_step']:.1f} ms per step)",
            "",
            "| kind | ms per step | share |",
            "|---|---|---|",
        ]
        total = profiled["ms_per_step"] or 1.0
        for kind, value in profiled["kinds_ms_per_step"].items():
            lines.append(f"| {kind} | {value:.2f} | {percent(value / total)} |")
        lines += ["", "| longest | ms per step | share |", "|---|---|---|"]
        for row in profiled["longest"]:
            name = row["name"].replace("|", "/")
            lines.append(f"| `{name}` | {row['ms_per_step']:.2f} | {percent(row['ms_per_step'] / total)} |")

    tokenize = sections.get("tokenize_pipeline", {})
    if "clips_per_s" in tokenize:
        clip = tokenize["clip"]
        lines += [
            "",
            f"## Tokenization pipeline ({tokenize['setting']} settings: {clip['fps']} fps, {clip['clip_length']}-frame "
            f"clips at {clip['frame_size']} px from {clip['width']}x{clip['height']} H.264; {tokenize['videos']} videos "
            f"x {tokenize['video_seconds']:g} s; batch {tokenize['batch']}; encoder in {tokenize['dtype']}; "
            f"{tokenize['cpus']} CPUs)",
            "",
            "| stage | clips/s | ms per clip | seconds | main process CPU s per s | CPU ms per clip (workers too) |",
            "|---|---|---|---|---|---|",
        ]
        for label, rate in tokenize["clips_per_s"].items():
            lines.append(
                f"| {label} | {rate:,.1f} | {1e3 / rate:.2f} | {tokenize['stage_seconds'][label]:.2f} | "
                f"{tokenize['main_process_cpu_per_second'][label]:.2f} | {tokenize['cpu_ms_per_clip'][label]:.1f} |"
            )
        lines += [
            "",
            "Decoding cores one device needs, b x the CPU time per clip of decoding on "
            f"{tokenize['workers']} workers: **{tokenize['decoding_cores_per_device_by_cpu_time']:.0f}** (b / a at one "
            f"worker, which uses FFmpeg threads on every core: {tokenize['decoding_cores_per_device']:.0f}); "
            f"decoding on {tokenize['workers']} workers scales at {percent(tokenize['decode_scaling'])} of "
            f"{tokenize['workers']} x one worker; overlapped / slower stage (d / min(a, b), target >= 0.85): "
            f"{tokenize['overlapped_vs_slower_stage']:.2f}; overlapped / sequential (d / c): "
            f"{tokenize['overlapped_vs_sequential']:.2f}; features in {tokenize['dtype']} against float32, relative L2: "
            f"{tokenize['features_relative_l2_vs_float32']:.2e}.",
        ]
    return "\n".join(lines) + "\n"


def write_reports(report: dict, args):
    for path, text in ((args.output_json, json.dumps(report, indent=2)), (args.output_md, markdown(report))):
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            temporary = Path(f"{path}.tmp")
            temporary.write_text(text)
            temporary.replace(path)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output-json", default=None, help="write the report as JSON here")
    parser.add_argument("--output-md", default=None, help="write the report as Markdown here")
    parser.add_argument("--device", default="cuda", help="cuda (default), or cpu with --smoke for the tests")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (seconds on a CPU): the code paths only")
    parser.add_argument("--budget-s", type=float, default=None, help="time for all sections (default 450; smoke 120)")
    parser.add_argument(
        "--compile-backend",
        default=None,
        help="torch.compile backend of the compiled runs (default inductor; smoke: aot_eager, as inductor takes a "
        "minute to compile on 2 CPU cores)",
    )
    parser.add_argument("--peak-tflops", type=float, default=None, help="the device's dense bf16 peak, for MFU")
    parser.add_argument(
        "--sections",
        nargs="+",
        default=None,
        help="run only the sections whose names start with these (e.g. tokenize_pipeline train; environment always "
        "runs): a second, shorter run after one section failed",
    )
    args = parser.parse_args(argv)
    if args.budget_s is None:
        args.budget_s = 120.0 if args.smoke else 450.0
    if args.compile_backend is None:
        args.compile_backend = "aot_eager" if args.smoke else "inductor"
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    settings = {key: value for key, value in vars(args).items() if not key.startswith("output")}
    if args.device == "cuda" and not torch.cuda.is_available():
        print(f"skipped: {SKIP_REASON}", flush=True)
        write_reports({"status": "skipped", "reason": SKIP_REASON, "settings": settings, "sections": {}}, args)
        return 0
    sizes = Sizes.smoke() if args.smoke else Sizes.full()
    check = Check(args, sizes, torch.device(args.device))
    check.report["settings"] = {**settings, "sizes": asdict(sizes)}

    def on_alarm(signum, frame):
        raise CheckTimeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(int(args.budget_s + 20))
    status = 0
    try:
        check.section("environment", "environment", environment, check)
        if check.report["sections"]["environment"]["status"] != "ok":
            raise RuntimeError("the environment section failed: nothing else can run")
        check.section("tokenize_pipeline", "tokenize_pipeline", tokenize_pipeline, check)
        check.section("clip_encoder", "clip_encoder", clip_encoder, check)
        check.section("cuda_tests", "cuda_tests", cuda_tests, check)
        check.section("attention", "attention", attention, check)
        for model_name in sizes.models:
            check.section(f"train {model_name} eager", "train_eager", train, check, model_name, sizes.batch_size, None)
            check.section(
                f"train {model_name} compiled",
                "train_compiled",
                train,
                check,
                model_name,
                sizes.batch_size,
                args.compile_backend,
                minimum_s=min(30.0, sizes.budgets["train_compiled"]),
            )
        check.section(
            "train BERT-large compiled whole model",
            "train_compiled",
            train,
            check,
            "BERT-large",
            sizes.batch_size,
            args.compile_backend,
            "model",
            minimum_s=min(30.0, sizes.budgets["train_compiled"]),
        )
        check.section("profile BERT-large eager", "profile", profile_step, check, "BERT-large")
        for batch_size in sizes.per_gpu_batches:
            check.section(
                f"train BERT-large eager, {batch_size} per GPU",
                "train_per_gpu_batch",
                train,
                check,
                "BERT-large",
                batch_size,
                None,
            )
    except (CheckTimeout, KeyboardInterrupt):
        status = 124
    except RuntimeError as error:
        print(error, file=sys.stderr)
        status = 1
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    failed = [name for name, entry in check.report["sections"].items() if entry["status"] == "failed"]
    if status == 124:
        check.report["status"] = "failed"
        check.report["reason"] = "ran past its time limit"
    elif failed:
        check.report["status"] = "failed"
        check.report["reason"] = f"failed: {', '.join(failed)}"
        status = 1
    else:
        check.report["status"] = "ok"
    check.write()
    print(markdown(check.report), flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
