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
The seed benchmark: `make demo`'s whole pipeline (same stages, same settings) on several seeds, each a new instance
of the synthetic benchmark (other videos, transcripts, S3D initialisation, k-means, training order), and one table of
every headline figure as min / mean / max over the seeds, with the project's targets marked met / not met (met means
met on every seed).

Each seed runs `examples/demo.py --seed S --output_dir <output_dir>/seed_S` in its own process, exactly as
`make demo` runs it (about 9-10 minutes each on a 2-core CPU); a seed whose `demo_results.json` is already there is
read, not run again (`--rerun` runs it anyway). Arguments after `--` go to every demo run, e.g. a setting to compare:

    .venv/bin/python benchmarks/bench_learning_seeds.py --seeds 0 1 2
    .venv/bin/python benchmarks/bench_learning_seeds.py --seeds 0 1 2 --output_dir seeds_g2 -- --num_codebooks 2

Writes `<output_dir>/seed_table.md` and `<output_dir>/seed_table.json` besides printing the table; both name the
machine each seed ran on (the demo's `machine` record), as does each setting of the side-by-side tables.

`--compare_num_codebooks 1 2` runs (or reads) every seed once per number of visual words per clip, in
`<output_dir>/num_codebooks_<G>/seed_<S>` (the demo's `--num_codebooks G` before the arguments after `--`), and
prints the settings side by side (mean and min-max over the seeds; the spread over seeds is the noise):

    .venv/bin/python benchmarks/bench_learning_seeds.py --seeds 0 1 2 --compare_num_codebooks 1 2

`--compare_settings` does the same for named ways of making a clip's visual words (`SETTINGS`), in
`<output_dir>/<name>/seed_<S>`: the paper's one word, two S3D words (early / late blocks), a colour-histogram word
beside one word for all S3D blocks, or a colour word beside two S3D words (issue 20); an ImageNet-trained
EfficientNet-Lite0 feature of the frame joined to the S3D blocks in one word, or of the frame's centre as a word of its
own between a colour word and an S3D word, or beside a word for the frame with that centre blanked (the surround);
the colour histogram of the frame's centre beside the surround word (an object word and an action word):

    .venv/bin/python benchmarks/bench_learning_seeds.py --seeds 0 1 2 --compare_settings one_word colour_s3d

The arguments after `--` come after a compared setting's own, so they change its values too (`--compare_settings
centre_chroma_surround_summed_recipe -- --max_steps 1000` pretrains 1000 steps, not the setting's 800).

The settings with an object word and an action word (`READ_BY_CODEBOOK`) also get issue 20's zero-shot rows read by
codebook from each seed's saved model (`benchmarks/zero_shot_by_codebook.py`: each label asked of its own word, the
product of that and the every-word query, and each label scored from text to video by its own word with the seed's
text-to-video model), cached in the seed's folder as `zero_shot_by_codebook.json`.
"""

import argparse
import functools
import hashlib
import importlib.util
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def load_script(relative_path: str):
    """A script of this repository (`examples/demo.py`, ...) imported once, as a module named after its file."""
    path = ROOT / relative_path
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def demo_module():
    """`examples/demo.py` (its `parse_args` is the source of the demo's settings)."""
    return load_script("examples/demo.py")


# The random S3D's four pooled blocks, in every setting's clip feature (the demo's default adds EfficientNet-Lite0).
S3D = ["Conv_2c", "Mixed_3c", "Mixed_4c", "Mixed_5c"]
# The settings measured before the demo's default became EfficientNet-Lite0 + S3D with 800 pretraining steps keep the
# 400 steps they were measured with.
STEPS_400 = ["--max_steps", "400"]
# Every setting below was measured on the benchmark's random step order, without the future mask (the demo's defaults
# until 2026-12-06); they keep them, and a stored run that predates a setting had the value it had then.
RANDOM_ORDER = ["--step_order", "random", "--future_mask_probability", "0"]
# Every setting below was also measured with the demo's draw weights and precision until 2026-12-07: a video-only
# example in seven (1,1,5) and float32 training; they keep them.
WEIGHTS_115_FLOAT32 = ["--regime_weights", "1,1,5", "--precision", "float32"]
FORMER_DEFAULTS = {"step_order": "random", "future_mask_probability": 0.0, "precision": "float32"}


def object_and_action_words(object_word: str) -> list[str]:
    """Demo arguments for G = 2: an object word of the frame's centre and the surround's action word, 800 steps."""
    return ["--num_codebooks", "2", "--s3d_blocks", object_word, "efficientnet_lite0_surround", "--max_steps", "800"]


# --compare_settings: name -> (column title, demo arguments)
SETTINGS = {
    "one_word": (
        "one word per clip, S3D only (the paper's tokenizer)",
        ["--num_codebooks", "1", "--s3d_blocks", *S3D, *STEPS_400],
    ),
    "s3d_early_late": ("G = 2: S3D early / late blocks", ["--num_codebooks", "2", "--s3d_blocks", *S3D, *STEPS_400]),
    "colour_s3d": (
        "G = 2: colour histogram / S3D blocks",
        ["--num_codebooks", "2", "--s3d_blocks", "colour_histogram", *S3D, *STEPS_400],
    ),
    "colour_s3d_early_late": (
        "G = 3: colour histogram / S3D early / late blocks",
        ["--num_codebooks", "3", "--s3d_blocks", "colour_histogram", *S3D, *STEPS_400],
    ),
    "appearance_one_word_400": (
        "one word: EfficientNet-Lite0 (ImageNet) + S3D blocks, 400 steps",
        ["--num_codebooks", "1", "--s3d_blocks", "efficientnet_lite0", *S3D, *STEPS_400],
    ),
    "appearance_one_word": (
        "one word: EfficientNet-Lite0 (ImageNet) + S3D blocks, 800 steps (make demo)",
        ["--num_codebooks", "1", "--s3d_blocks", "efficientnet_lite0", *S3D, "--max_steps", "800"],
    ),
    "colour_centre_s3d": (
        "G = 3: colour histogram / EfficientNet-Lite0 of the frame's centre / S3D blocks, 400 steps",
        ["--num_codebooks", "3", "--s3d_blocks", "colour_histogram", "efficientnet_lite0_centre", *S3D, *STEPS_400],
    ),
    "colour_centre_surround": (
        "G = 3: colour histogram / EfficientNet-Lite0 of the frame's centre / of its surround, 800 steps",
        [
            "--num_codebooks",
            "3",
            "--s3d_blocks",
            "colour_histogram",
            "efficientnet_lite0_centre",
            "efficientnet_lite0_surround",
            "--max_steps",
            "800",
        ],
    ),
    "centre_colour_surround": (
        "G = 2: colour histogram of the frame's centre / EfficientNet-Lite0 of its surround, 800 steps",
        object_and_action_words("colour_histogram_centre"),
    ),
    "centre_chroma_surround": (
        "G = 2: chroma-weighted colour histogram of the frame's centre / EfficientNet-Lite0 of its surround, 800 steps",
        object_and_action_words("colour_histogram_centre_chroma"),
    ),
    "centre_chroma_surround_summed": (
        "G = 2: chroma-weighted centre colour / surround, a clip's two words summed into one position, 800 steps",
        [*object_and_action_words("colour_histogram_centre_chroma"), "--codebook_layout", "summed"],
    ),
    "centre_colour_surround_dropout": (
        "G = 2: centre colour / surround, one codebook hidden in half the examples, 800 steps",
        [*object_and_action_words("colour_histogram_centre"), "--codebook_dropout", "0.5"],
    ),
}

SETTINGS = {name: (title, [*demo_args, *RANDOM_ORDER]) for name, (title, demo_args) in SETTINGS.items()}
# Settings on the demo's step order and future mask since 2026-12-06 (each recipe's steps in its order, the future
# mask): the object and action words that met issue 20's zero-shot targets on the random order, measured again on
# these, and make demo's one word as it was until 2026-12-07
SETTINGS |= {
    "one_word_115_float32": ("one word per clip: make demo's defaults until 2026-12-07 (1,1,5, float32)", []),
    "make_demo_auto_precision": (
        "one word per clip: make demo's defaults until 2026-12-07 (1,1,5), bf16 training where the CPU computes bf16 "
        "(--precision auto)",
        ["--precision", "auto"],
    ),
    "centre_chroma_surround_recipe": (
        "G = 2: chroma-weighted centre colour / surround, 800 steps, make demo's other defaults until 2026-12-07",
        object_and_action_words("colour_histogram_centre_chroma"),
    ),
    "centre_chroma_surround_summed_recipe": (
        "G = 2: chroma-weighted centre colour / surround summed into one position, 800 steps, make demo's other "
        "defaults until 2026-12-07",
        [*object_and_action_words("colour_histogram_centre_chroma"), "--codebook_layout", "summed"],
    ),
}
# each measured setting keeps the draw weights and precision it was measured with (a later flag overrides them)
SETTINGS = {name: (title, [*WEIGHTS_115_FLOAT32, *demo_args]) for name, (title, demo_args) in SETTINGS.items()}
# make demo's defaults since 2026-12-07: one word per clip, three times the video-only examples (1,3,5), bf16 training
# where the CPU computes bf16
SETTINGS["make_demo"] = ("one word per clip: make demo's defaults (1,3,5, --precision auto)", [])
# issue 20's object word without its action: the centre's dominant chroma colour (one-hot) instead of its histogram,
# the action word and the rest as above, on make demo's defaults
SETTINGS["dominant_centre_surround_summed"] = (
    "G = 2: the centre's dominant chroma colour / surround summed into one position, 800 steps, make demo's defaults",
    [*object_and_action_words("colour_dominant_centre_chroma"), "--codebook_layout", "summed"],
)
# the same with the codebook swap: half of the aligned pairs show one codebook's words of another video, the text kept,
# so that the model sees object and action words that the training pairs never put together
SETTINGS["dominant_centre_surround_summed_swap"] = (
    "G = 2: the centre's dominant chroma colour / surround summed, one codebook swapped in half the aligned pairs, "
    "800 steps, make demo's defaults",
    [*SETTINGS["dominant_centre_surround_summed"][1], "--codebook_swap", "0.5"],
)
# the same swapping only the object words (codebook 0): a swapped action word teaches the verb from the object word
SETTINGS["dominant_centre_surround_summed_swap_object"] = (
    "G = 2: the centre's dominant chroma colour / surround summed, the object words swapped in half the aligned "
    "pairs, 800 steps, make demo's defaults",
    [*SETTINGS["dominant_centre_surround_summed_swap"][1], "--codebook_swap_codebooks", "0"],
)
# and in a quarter of the aligned pairs: the object words swapped in half of them name the verb of an unseen pair by the
# paper's readout, but teach the noun from the action word
SETTINGS["dominant_centre_surround_summed_swap_object_025"] = (
    "G = 2: the centre's dominant chroma colour / surround summed, the object words swapped in a quarter of the "
    "aligned pairs, 800 steps, make demo's defaults",
    [*SETTINGS["dominant_centre_surround_summed"][1], "--codebook_swap", "0.25", "--codebook_swap_codebooks", "0"],
)
# the object-word swap in half the aligned pairs, the words that the object codebook names (measured on the training
# videos: the nouns) not predicted in a swapped pair, so that it no longer teaches the noun from the action word
SETTINGS["dominant_centre_surround_summed_swap_object_named"] = (
    "G = 2: the centre's dominant chroma colour / surround summed, the object words swapped in half the aligned "
    "pairs, the words they name not predicted there, 800 steps, make demo's defaults",
    [*SETTINGS["dominant_centre_surround_summed_swap_object"][1], "--codebook_swap_named_words"],
)
# the same with 8 x 8 = 64 words per codebook (one word's 16 x 16 = 256 before): the action codebook split each verb
# into about 30 words of its instances (the background, the position), which the forecast of a held-out video's next
# verb does not generalise to; at 64, about 8 a verb
SETTINGS["dominant_centre_surround_summed_swap_object_named_64"] = (
    "G = 2: the centre's dominant chroma colour / surround summed, 8 x 8 = 64 words per codebook, the object words "
    "swapped in half the aligned pairs, the words they name not predicted there, 800 steps, make demo's defaults",
    [*SETTINGS["dominant_centre_surround_summed_swap_object_named"][1], "--branching", "8"],
)
# and either codebook swapped (drawn per pair): the swapped action words teach the noun beside object words never seen
# with them, the verbs they name not predicted
SETTINGS["dominant_centre_surround_summed_swap_named"] = (
    "G = 2: the centre's dominant chroma colour / surround summed, either codebook swapped in half the aligned "
    "pairs, the words it names not predicted there, 800 steps, make demo's defaults",
    [*SETTINGS["dominant_centre_surround_summed_swap"][1], "--codebook_swap_named_words"],
)
# the chroma-weighted centre colour histogram (the object word that carries some of its action's props) summed, either
# codebook swapped in half the aligned pairs, the words it names not predicted there: the swapped object words teach
# the verb from the action words alone, the swapped action words the noun from the object words alone
SETTINGS["centre_chroma_surround_summed_swap_named"] = (
    "G = 2: chroma-weighted centre colour / surround summed, either codebook swapped in half the aligned pairs, the "
    "words it names not predicted there, 800 steps, make demo's defaults",
    [
        *object_and_action_words("colour_histogram_centre_chroma"),
        *["--codebook_layout", "summed", "--codebook_swap", "0.5", "--codebook_swap_named_words"],
    ],
)

# The settings with an object word (codebook 0) and an action word (codebook 1): their zero-shot labels are also read
# each from its own word, and from both readouts at once (`benchmarks/zero_shot_by_codebook.py`, rows "own words" and
# "own x all words" with issue 20's targets).
OWN_WORDS = {"verb_codebooks": [1], "noun_codebooks": [0]}
READ_BY_CODEBOOK = {
    "centre_colour_surround",
    "centre_chroma_surround",
    "centre_chroma_surround_recipe",
    "centre_chroma_surround_summed",
    "centre_chroma_surround_summed_recipe",
    "centre_colour_surround_dropout",
    "dominant_centre_surround_summed",
    "dominant_centre_surround_summed_swap",
    "dominant_centre_surround_summed_swap_object",
    "dominant_centre_surround_summed_swap_object_025",
    "dominant_centre_surround_summed_swap_object_named",
    "dominant_centre_surround_summed_swap_object_named_64",
    "dominant_centre_surround_summed_swap_named",
    "centre_chroma_surround_summed_swap_named",
}
READOUT_CACHE = "zero_shot_by_codebook.json"
# what the cached readouts hold: 1 all words, own words, own x all words; 2 also from text to video (1 is read again)
CODEBOOK_READOUTS = 2
FORECAST_CACHE = "forecasting.json"
# the cached forecasting figures hold `FORECAST_READOUT` of videobert_benchmark.evaluation with the demo's cuts (the
# reading of clips as steps, which the demo records with its figures since 2026-12-07); an older cache is read again
# verb classification fine-tuned again, seeded, for demos whose classifier head was drawn unseeded (before 2026-12-07)
CLASSIFICATION_CACHE = "classification.json"


def zero_shot_by_codebook():
    """`benchmarks/zero_shot_by_codebook.py` (its `evaluate_run` and issue 20's `TARGETS`)."""
    return load_script("benchmarks/zero_shot_by_codebook.py")


def codebook_readout_figures() -> list[tuple]:
    """FIGURES rows of the per-codebook readouts, with issue 20's targets."""
    rows = []
    for readout in ("own words", "own x all words", zero_shot_by_codebook().TEXT_TO_VIDEO):
        for (split, label), bound in zero_shot_by_codebook().TARGETS.items():
            name = "held-out" if split == "heldout" else "unseen-pair"
            key = ("zero_shot_by_codebook", f"{split} {label} top-1, {readout}")
            rows.append((f"{name} zero-shot {label} top-1, {readout} (issue 20)", key, (">=", bound)))
    return rows


# (label, path into demo_results.json or a function of it, target: (comparison, value) or None)
FIGURES = [
    ("held-out zero-shot verb top-1", ("zero_shot", "heldout", "video_verb_top1"), (">=", 80)),
    ("held-out zero-shot verb top-5", ("zero_shot", "heldout", "video_verb_top5"), None),
    ("held-out zero-shot noun top-1", ("zero_shot", "heldout", "video_noun_top1"), (">=", 80)),
    ("held-out zero-shot noun top-5", ("zero_shot", "heldout", "video_noun_top5"), None),
    ("held-out language prior verb top-1 - chance", "prior_verb_gap_heldout", ("abs<=", 10)),
    ("held-out language prior noun top-1 - chance", "prior_noun_gap_heldout", ("abs<=", 10)),
    ("unseen-pair zero-shot verb top-1", ("zero_shot", "unseen_pairs", "video_verb_top1"), None),
    ("unseen-pair zero-shot verb top-5", ("zero_shot", "unseen_pairs", "video_verb_top5"), None),
    ("unseen-pair zero-shot noun top-1", ("zero_shot", "unseen_pairs", "video_noun_top1"), None),
    ("unseen-pair zero-shot noun top-5", ("zero_shot", "unseen_pairs", "video_noun_top5"), None),
    ("unseen-pair language prior noun top-1", ("zero_shot", "unseen_pairs", "prior_noun_top1"), None),
    *codebook_readout_figures(),
    ("token-vote ceiling, held-out verb", ("token_vote", "heldout", "verb"), None),
    ("token-vote ceiling, held-out noun", ("token_vote", "heldout", "noun"), None),
    ("token-vote ceiling, unseen-pair verb", ("token_vote", "unseen_pairs", "verb"), None),
    ("token-vote ceiling, unseen-pair noun", ("token_vote", "unseen_pairs", "noun"), None),
    ("retrieval R@1 text -> video", ("retrieval", "heldout", "text_to_video_r1"), (">=", 15)),
    ("retrieval R@1 video -> text", ("retrieval", "heldout", "video_to_text_r1"), (">=", 15)),
    (
        "retrieval R@1 text -> video, from text to video",
        ("retrieval_from_text_to_video", "heldout", "text_to_video_r1"),
        (">=", 15),
    ),
    (
        "retrieval R@1 video -> text, from text to video",
        ("retrieval_from_text_to_video", "heldout", "video_to_text_r1"),
        (">=", 15),
    ),
    ("text-to-video verb", ("text_to_video_and_forecasting", "text_to_video", "verb_accuracy"), None),
    ("text-to-video noun", ("text_to_video_and_forecasting", "text_to_video", "noun_accuracy"), None),
    ("forecasting t+1 top-1", ("text_to_video_and_forecasting", "forecasting", "h1_top1"), None),
    (
        "forecasting t+1, repeating the last token",
        ("text_to_video_and_forecasting", "forecasting", "h1_last_top1"),
        None,
    ),
    ("forecasting t+1 top-1 - repeating the last token", "forecast_gap_h1", (">", 0)),
    (
        "forecasting t+1, step then token (the last word while the likeliest step goes on)",
        ("text_to_video_and_forecasting", "forecasting", "h1_step_then_token_top1"),
        None,
    ),
    ("forecasting t+1, step then token - repeating the last token", "step_then_token_gap_h1", (">", 0)),
    (
        "forecasting t+1, the training videos' most frequent next token",
        ("text_to_video_and_forecasting", "forecasting", "h1_markov_top1"),
        None,
    ),
    (
        "forecasting t+1, an oracle told the clip's step (its most frequent training token)",
        ("text_to_video_and_forecasting", "forecasting", "h1_step_oracle_top1"),
        None,
    ),
    (
        "forecasting t+1, an oracle told the last observed clip's step (its most frequent training token)",
        ("text_to_video_and_forecasting", "forecasting", "h1_current_step_oracle_top1"),
        None,
    ),
    ("forecasting t+2 top-1", ("text_to_video_and_forecasting", "forecasting", "h2_top1"), None),
    (
        "forecasting t+2, repeating the last token",
        ("text_to_video_and_forecasting", "forecasting", "h2_last_top1"),
        None,
    ),
    ("forecasting t+2 top-1 - repeating the last token", "forecast_gap_h2", (">", 0)),
    (
        "forecasting t+2, step then token (the last word while the likeliest step goes on)",
        ("text_to_video_and_forecasting", "forecasting", "h2_step_then_token_top1"),
        None,
    ),
    ("forecasting t+2, step then token - repeating the last token", "step_then_token_gap_h2", (">", 0)),
    (
        "forecasting t+2, the training videos' most frequent next token",
        ("text_to_video_and_forecasting", "forecasting", "h2_markov_top1"),
        None,
    ),
    (
        "forecasting t+2, an oracle told the clip's step (its most frequent training token)",
        ("text_to_video_and_forecasting", "forecasting", "h2_step_oracle_top1"),
        None,
    ),
    (
        "forecasting t+2, an oracle told the last observed clip's step (its most frequent training token)",
        ("text_to_video_and_forecasting", "forecasting", "h2_current_step_oracle_top1"),
        None,
    ),
    *(
        row
        for h in (1, 2)
        for row in (
            (
                f"forecasting t+{h} read as steps: the model's likeliest step",
                ("text_to_video_and_forecasting", "forecasting", f"h{h}_step_top1"),
                None,
            ),
            (
                f"forecasting t+{h} read as steps: the step the model's top clip names (several words per clip)",
                ("text_to_video_and_forecasting", "forecasting", f"h{h}_step_top_clip_top1"),
                None,
            ),
            (
                f"forecasting t+{h} read as steps: repeating the last clip",
                ("text_to_video_and_forecasting", "forecasting", f"h{h}_step_last_top1"),
                None,
            ),
            (f"forecasting t+{h} read as steps - repeating the last clip", f"step_forecast_gap_h{h}", (">", 0)),
            (
                f"forecasting t+{h} read as steps: the real clip (what its words carry)",
                ("text_to_video_and_forecasting", "forecasting", f"h{h}_step_reference_top1"),
                None,
            ),
            (
                f"forecasting t+{h} read as steps, told the steps (no model): repeating the last step",
                ("text_to_video_and_forecasting", "forecasting", f"h{h}_told_last_step_top1"),
                None,
            ),
            (
                f"forecasting t+{h} read as steps, told the steps: the training recipes' likeliest next step",
                ("text_to_video_and_forecasting", "forecasting", f"h{h}_told_next_step_top1"),
                None,
            ),
            (
                f"forecasting t+{h} read as steps, told the steps: the most to gain over repeating",
                f"told_gap_h{h}",
                None,
            ),
            (
                f"forecasting t+{h} exact tokens, told the steps: that step, the last token while it goes on - "
                "repeating the last token (same clips)",
                f"told_token_gap_h{h}",
                None,
            ),
        )
    ),
    ("verb classification (fine-tuned)", "classification_accuracy", None),
    ("captioning BLEU-4", "bleu_4", (">=", 80)),
    ("captioning CIDEr", ("captioning", "eval_cider"), None),
    ("demo wall time (s)", "wall_s", ("<=", 600)),
]


def figure(results: dict, key) -> float | None:
    """One figure of a seed's `demo_results.json` (plus its `wall_s`), or None when that run did not produce it."""
    zero_shot = results.get("zero_shot", {})
    forecast = results.get("text_to_video_and_forecasting", {}).get("forecasting", {})
    derived = {
        "prior_verb_gap_heldout": lambda: (
            zero_shot["heldout"]["prior_verb_top1"] - zero_shot["heldout"]["chance_top1"]
        ),
        "prior_noun_gap_heldout": lambda: (
            zero_shot["heldout"]["prior_noun_top1"] - zero_shot["heldout"]["chance_top1"]
        ),
        "forecast_gap_h1": lambda: forecast["h1_top1"] - forecast["h1_last_top1"],
        "forecast_gap_h2": lambda: forecast["h2_top1"] - forecast["h2_last_top1"],
        "step_forecast_gap_h1": lambda: forecast["h1_step_top1"] - forecast["h1_step_last_top1"],
        "step_forecast_gap_h2": lambda: forecast["h2_step_top1"] - forecast["h2_step_last_top1"],
        "step_then_token_gap_h1": lambda: forecast["h1_step_then_token_top1"] - forecast["h1_last_top1"],
        "step_then_token_gap_h2": lambda: forecast["h2_step_then_token_top1"] - forecast["h2_last_top1"],
        "told_gap_h1": lambda: forecast["h1_told_next_step_top1"] - forecast["h1_told_last_step_top1"],
        "told_gap_h2": lambda: forecast["h2_told_next_step_top1"] - forecast["h2_told_last_step_top1"],
        "told_token_gap_h1": lambda: forecast["h1_told_token_top1"] - forecast["h1_told_last_token_top1"],
        "told_token_gap_h2": lambda: forecast["h2_told_token_top1"] - forecast["h2_told_last_token_top1"],
        "classification_accuracy": lambda: 100 * results["classification"]["eval_accuracy"],
        "bleu_4": lambda: 100 * results["captioning"]["eval_bleu_4"],
        "wall_s": lambda: results["wall_s"],
    }
    try:
        if isinstance(key, str):
            return float(derived[key]())
        value = results
        for part in key:
            value = value[part]
        return float(value)
    except (KeyError, TypeError):
        return None


def holds(value: float, target) -> bool:
    comparison, bound = target
    return {
        ">=": value >= bound,
        ">": value > bound,
        "<=": value <= bound,
        "abs<=": abs(value) <= bound,
    }[comparison]


def target_text(target) -> str:
    if target is None:
        return ""
    comparison, bound = target
    return {"abs<=": f"within +-{bound:g}"}.get(comparison, f"{comparison} {bound:g}")


def seed_table(per_seed: dict[int, dict]) -> tuple[str, list[dict]]:
    """Markdown table (min / mean / max and each seed) and its rows as dicts."""
    seeds = sorted(per_seed)
    header = (
        "| figure | target | min | mean | max | "
        + " | ".join(f"seed {s}" for s in seeds)
        + " | met on every seed |\n|---|---|---|---|---|---|"
        + "---|" * len(seeds)
    )
    lines, rows = [header], []
    for label, key, target in FIGURES:
        values = [figure(per_seed[s], key) for s in seeds]
        present = [v for v in values if v is not None]
        if not present:
            continue
        low, mean, high = min(present), statistics.fmean(present), max(present)
        met = None
        if target is not None:
            met = len(present) == len(values) and all(holds(v, target) for v in present)
        cells = " | ".join("-" if v is None else f"{v:.1f}" for v in values)
        verdict = "" if met is None else ("met" if met else "**not met**")
        lines.append(
            f"| {label} | {target_text(target)} | {low:.1f} | {mean:.1f} | {high:.1f} | {cells} | {verdict} |"
        )
        rows.append({"figure": label, "target": target_text(target), "values": dict(zip(seeds, values)), "met": met})
    return "\n".join(lines), rows


def machines_line(per_seed: dict[int, dict]) -> str:
    """Which machine ran each seed (the demo's `machine` record), so that figures from two machines are told apart."""
    described = {}
    for seed in sorted(per_seed):
        machine = per_seed[seed].get("machine")
        # the training precision, which the demo records since it chose it by machine (float32 before)
        precision = per_seed[seed].get("precision", "float32")
        text = (
            "not recorded (a run older than the record)"
            if machine is None
            else f"{machine['cpu']} ({machine['cpu_family_model_stepping']}; {', '.join(machine['cpu_flags'])}), "
            f"torch {machine['torch']} {machine['torch_cpu_capability']} kernels, {machine['torch_threads']} threads, "
            f"{precision} training"
        )
        described.setdefault(text, []).append(str(seed))
    return "Machines: " + "; ".join(f"seed {', '.join(seeds)}: {text}" for text, seeds in described.items())


def side_by_side(tables: dict[str, dict[int, dict]]) -> str:
    """Markdown table of every figure for each setting (column title -> seed -> results): `mean (min-max)` over its
    seeds, target met?"""
    settings = list(tables)
    header = "| figure | target | " + " | ".join(settings) + " |\n|---|---|" + "---|" * len(settings)
    lines = [header]
    for label, key, target in FIGURES:
        cells, any_value = [], False
        for g in settings:
            values = [figure(tables[g][s], key) for s in sorted(tables[g])]
            present = [v for v in values if v is not None]
            if not present:
                cells.append("-")
                continue
            any_value = True
            met = target is not None and len(present) == len(values) and all(holds(v, target) for v in present)
            mark = "" if target is None else (" met" if met else " **not met**")
            cells.append(f"{statistics.fmean(present):.1f} ({min(present):.1f}-{max(present):.1f}){mark}")
        if any_value:
            lines.append(f"| {label} | {target_text(target)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def saved_splits(directory: Path) -> tuple:
    """A seed's tokenized train and held-out splits and their annotations, as the demo saved them."""
    import datasets

    from videobert_hf.corpus import read_youcook2

    train, heldout = (datasets.load_from_disk(directory / "tokenized" / name) for name in ("train", "heldout"))
    train_annotations, heldout_annotations = (
        read_youcook2(directory / "data" / name / "youcookii_annotations.json") for name in ("train", "heldout")
    )
    return train, heldout, train_annotations, heldout_annotations


def evaluate_stored_forecasting(directory: Path) -> dict:
    """The demo's forecasting figures (`evaluate_demo_forecasting`) for a seed's saved model, splits and annotations."""
    import torch
    from transformers import AutoModelForPreTraining, AutoProcessor

    from videobert_benchmark.evaluation import labelled_segments, token_label_votes

    train, heldout, train_annotations, heldout_annotations = saved_splits(directory)
    labelled = labelled_segments(train, train_annotations)
    votes = {key: token_label_votes(labelled, key) for key in ("verb", "noun")}
    model = AutoModelForPreTraining.from_pretrained(directory / "videobert").eval()
    processor = AutoProcessor.from_pretrained(directory / "videobert")
    with torch.no_grad():
        return demo_module().evaluate_demo_forecasting(
            model, processor, heldout, heldout_annotations, train, train_annotations, votes
        )


def cached_from_model(directory: Path, cache_name: str, key_name: str, key, compute, what: str):
    """
    Figures `compute()` reads from a seed's saved model, cached in `directory / cache_name` with `key` (as `key_name`)
    and the model file's sha256 they were read with: read again when the key differs or the model was trained again;
    without the model, the cache's figures for this key, or None.
    """
    cache, model = directory / cache_name, directory / "videobert" / "model.safetensors"
    stored = json.loads(cache.read_text(encoding="utf-8")) if cache.is_file() else {}
    fingerprint = hashlib.sha256(model.read_bytes()).hexdigest() if model.is_file() else None
    if stored.get(key_name) != key or fingerprint not in (None, stored.get("model_sha256")):
        if fingerprint is None:
            return None
        print(f"{directory}: {what}", flush=True)
        stored = {key_name: key, "model_sha256": fingerprint, "figures": compute()}
        cache.write_text(json.dumps(stored, indent=2), encoding="utf-8")
    return stored["figures"]


def with_demo_forecasting(results: dict, directory: Path) -> dict:
    """
    The forecasting figures of a demo that predates the demo's current forecasting evaluation (cuts after every clip,
    the clips read as steps, with one codebook step then token, with two the likeliest step summed over the clips
    naming it, a clip's words weighted by their purity), evaluated again from the seed's saved model
    (`evaluate_stored_forecasting`, cached in `FORECAST_CACHE` by `cached_from_model` with the demo's cuts and
    `FORECAST_READOUT`). Kept: results that record today's reading (`"readout"`), one-word results from before the
    demo recorded it that have step then token, and a seed with neither its model nor the cache.
    """
    from videobert_benchmark.evaluation import FORECAST_READOUT

    forecast = results.get("text_to_video_and_forecasting", {}).get("forecasting")
    if forecast is None or forecast.get("readout") == FORECAST_READOUT:
        return results
    # a demo from before it recorded its reading: one word per clip read today's way once it has step then token
    # (readings 2-4 are alike for it); several words per clip were read otherwise before reading 4, whatever their keys
    one_word = results.get("settings", {}).get("num_codebooks", 1) == 1
    if "readout" not in forecast and one_word and "h1_step_top1" in forecast and "h1_step_then_token_top1" in forecast:
        return results
    demo = demo_module()
    cuts = {"min_prefix": demo.FORECAST_MIN_PREFIX, "stride": demo.FORECAST_STRIDE, "readouts": FORECAST_READOUT}
    figures = cached_from_model(
        directory,
        FORECAST_CACHE,
        "cuts",
        cuts,
        lambda: evaluate_stored_forecasting(directory),
        "forecasting evaluated again from the saved model",
    )
    if figures is not None:
        results["text_to_video_and_forecasting"]["forecasting"] = figures
    return results


def with_seeded_classification(results: dict, directory: Path, steps: int) -> dict:
    """
    The verb classification of a demo whose classifier head was initialised before `run_classification.py` seeded it
    (its figure then hung on whatever the demo process had drawn before), or that was fine-tuned for other than
    `steps` steps: the demo's stage 8 run again on the seed's saved model with the seed (`classification_args`), into
    its `classifier/`, cached in `CLASSIFICATION_CACHE` by `cached_from_model`; seeded results of `steps` steps, or a
    seed with neither its model nor the cache, are kept.
    """
    classification, settings = results.get("classification"), results["settings"]
    if classification is None or ("seed" in classification and settings["classification_steps"] == steps):
        return results
    seed = settings["seed"]
    figures = cached_from_model(
        directory,
        CLASSIFICATION_CACHE,
        "arguments",
        {"steps": steps, "seed": seed},
        lambda: load_script("examples/run_classification.py").main(
            demo_module().classification_args(directory, steps, seed)
        ),
        "verb classification fine-tuned again, seeded",
    )
    if figures is not None:
        results["classification"] = figures
        settings["classification_steps"] = steps
    return results


def with_text_to_video_retrieval(results: dict, directory: Path) -> dict:
    """
    Adds retrieval read from text to video (`evaluate_retrieval(..., video_likelihood=True)` with the seed's saved
    `text_to_video/` model on its held-out split) to a demo that predates it; a seed without that model keeps its
    results. No cache: it takes seconds.
    """
    model_dir = directory / "text_to_video"
    if "retrieval_from_text_to_video" in results or not model_dir.is_dir():
        return results
    from transformers import AutoModelForMaskedLM, AutoProcessor

    from videobert_benchmark.evaluation import evaluate_retrieval, sentence_segments

    print(f"{directory}: retrieval from text to video, read from the saved text_to_video/ model", flush=True)
    _, heldout, _, heldout_annotations = saved_splits(directory)
    model = AutoModelForMaskedLM.from_pretrained(model_dir)
    processor = AutoProcessor.from_pretrained(model_dir)
    segments = sentence_segments(heldout, heldout_annotations)
    results["retrieval_from_text_to_video"] = {
        "heldout": evaluate_retrieval(model, processor, segments, video_likelihood=True, show_progress=False)
    }
    return results


def with_told_steps(results: dict, directory: Path) -> dict:
    """
    Adds what a forecaster told the observed clips' steps can gain over repeating (`forecasting_told_steps` at the
    demo's cuts) to a demo that predates it, from the seed's saved splits and annotations (no model: the figures
    depend on the benchmark's videos only); a seed without its splits keeps its results.
    """
    forecast = results.get("text_to_video_and_forecasting", {}).get("forecasting")
    needed = (directory / "tokenized" / "heldout", directory / "videobert")
    if forecast is None or "h1_told_token_top1" in forecast or not all(path.is_dir() for path in needed):
        return results
    from transformers import AutoProcessor

    from videobert_benchmark.evaluation import forecasting_told_steps

    demo = demo_module()
    train, heldout, train_annotations, heldout_annotations = saved_splits(directory)
    special = AutoProcessor.from_pretrained(directory / "videobert").special_ids
    forecast.update(
        forecasting_told_steps(
            heldout,
            heldout_annotations,
            train,
            train_annotations,
            special,
            min_prefix=demo.FORECAST_MIN_PREFIX,
            stride=demo.FORECAST_STRIDE,
        )
    )
    return results


def with_codebook_readouts(results: dict, directory: Path, readout: dict | None) -> dict:
    """
    Adds the zero-shot figures read by codebook (`readout`: the `verb_codebooks` / `noun_codebooks` of
    `zero_shot_by_codebook.evaluate_run`) from the seed's saved model, cached in `READOUT_CACHE` by
    `cached_from_model` with the codebooks; a seed with neither its model nor a cache for these codebooks keeps its
    results.
    """
    if readout is None:
        return results
    figures = cached_from_model(
        directory,
        READOUT_CACHE,
        "codebooks",
        {**readout, "readouts": CODEBOOK_READOUTS},
        lambda: zero_shot_by_codebook().evaluate_run(directory, readout["verb_codebooks"], readout["noun_codebooks"]),
        f"zero-shot read by codebook ({readout})",
    )
    if figures is not None:
        results["zero_shot_by_codebook"] = figures
    return results


def demo_settings(seed: int, directory: Path, demo_args: list[str]) -> dict:
    """The settings `examples/demo.py` records for these arguments (its `parse_args`), less the output folder."""
    settings = vars(demo_module().parse_args(["--seed", str(seed), "--output_dir", str(directory), *demo_args]))
    settings.pop("output_dir")
    return settings


def run_seed(seed: int, directory: Path, demo_args: list[str], rerun: bool, readout: dict | None = None) -> dict:
    """The results of one seed's demo (run, or read when already there), with the codebook readouts of `readout`."""
    results_file = directory / "demo_results.json"
    if results_file.is_file() and not rerun:
        results = json.loads(results_file.read_text(encoding="utf-8"))
        wanted = demo_settings(seed, directory, demo_args)
        # a setting the demo did not have yet when the run was made: that run had its default
        defaults = demo_settings(seed, directory, [])
        stored = {key: results.get("settings", {}).get(key, FORMER_DEFAULTS.get(key, defaults[key])) for key in wanted}
        # the classifier's fine-tune is run again from the saved model when only its length differs (seconds)
        stored["classification_steps"] = wanted["classification_steps"]
        if stored != wanted:
            differ = {key: (stored[key], wanted[key]) for key in wanted if stored[key] != wanted[key]}
            raise SystemExit(
                f"seed {seed}: {results_file} was run with other demo settings ({differ}, as (stored, asked)): "
                "pass --rerun to run it again, or another --output_dir."
            )
        print(f"seed {seed}: reading {results_file}", flush=True)
        results = with_told_steps(with_demo_forecasting(results, directory), directory)
        results = with_text_to_video_retrieval(results, directory)
        results = with_seeded_classification(results, directory, wanted["classification_steps"])
        return with_codebook_readouts(results, directory, readout)
    command = [sys.executable, str(ROOT / "examples" / "demo.py"), "--seed", str(seed), "--output_dir", str(directory)]
    command += demo_args
    print(f"seed {seed}: $ {' '.join(command)}", flush=True)
    log = directory.with_suffix(".log")
    directory.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with open(log, "w", encoding="utf-8") as handle:
        completed = subprocess.run(command, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT)
    wall = time.perf_counter() - start
    if completed.returncode != 0:
        raise SystemExit(f"seed {seed}: the demo failed (exit {completed.returncode}); see {log}")
    results = json.loads(results_file.read_text(encoding="utf-8"))
    results["wall_s"] = round(wall, 1)
    results_file.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"seed {seed}: done in {wall / 60:.1f} min (log {log})", flush=True)
    results = with_text_to_video_retrieval(with_demo_forecasting(results, directory), directory)
    return with_codebook_readouts(results, directory, readout)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    demo_args = []
    if "--" in argv:
        demo_args = argv[argv.index("--") + 1 :]
        argv = argv[: argv.index("--")]
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--output_dir", default="bench_output/learning_seeds")
    parser.add_argument("--rerun", action="store_true", help="Run seeds whose results are already there again.")
    parser.add_argument(
        "--compare_num_codebooks",
        type=int,
        nargs="+",
        help="Run every seed with each of these numbers of visual words per clip and print them side by side.",
    )
    parser.add_argument(
        "--compare_settings",
        nargs="+",
        choices=list(SETTINGS),
        help="Run every seed with each of these named visual-word settings (SETTINGS) and print them side by side.",
    )
    args = parser.parse_args(argv)
    root = Path(args.output_dir)
    if args.compare_num_codebooks or args.compare_settings:
        if args.compare_settings:
            runs = {
                SETTINGS[name][0]: (root / name, SETTINGS[name][1], OWN_WORDS if name in READ_BY_CODEBOOK else None)
                for name in args.compare_settings
            }
        else:
            runs = {
                f"G = {g}": (root / f"num_codebooks_{g}", ["--num_codebooks", str(g)], None)
                for g in args.compare_num_codebooks
            }
        tables = {
            title: {
                # what the command line asks for after `--` overrides the setting's own value, never the reverse
                seed: run_seed(seed, folder / f"seed_{seed}", [*extra, *demo_args], args.rerun, readout)
                for seed in args.seeds
            }
            for title, (folder, extra, readout) in runs.items()
        }
        table = side_by_side(tables)
        table += "\n" + "".join(f"\n{setting}. {machines_line(seeds)}" for setting, seeds in tables.items())
        title = (
            f"Seed benchmark, visual-word settings side by side: seeds {', '.join(map(str, args.seeds))}; demo "
            f"arguments: {' '.join(demo_args) or '(defaults)'}; cells: mean (min-max) over the seeds"
        )
        print(f"\n{title}\n\n{table}")
        name = "settings_table.md" if args.compare_settings else "num_codebooks_table.md"
        (root / name).write_text(f"{title}\n\n{table}\n", encoding="utf-8")
        return tables
    per_seed = {seed: run_seed(seed, root / f"seed_{seed}", demo_args, args.rerun) for seed in args.seeds}
    table, rows = seed_table(per_seed)
    title = f"Seed benchmark: seeds {', '.join(map(str, args.seeds))}; demo arguments: {' '.join(demo_args) or '(defaults)'}"
    table = f"{table}\n\n{machines_line(per_seed)}"
    print(f"\n{title}\n\n{table}")
    (root / "seed_table.md").write_text(f"{title}\n\n{table}\n", encoding="utf-8")
    (root / "seed_table.json").write_text(
        json.dumps(
            {
                "seeds": args.seeds,
                "demo_args": demo_args,
                "rows": rows,
                "machines": {seed: per_seed[seed].get("machine") for seed in args.seeds},
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    return rows


if __name__ == "__main__":
    main()
