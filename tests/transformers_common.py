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
"""transformers' own common conformance test mixins, fetched from the installed version's source distribution.

transformers does not ship its test suite in the wheel, and we do not vendor it in git. Instead, the first import of
one of the names below:

1. reads the installed ``transformers.__version__`` (say 5.24.0);
2. unless already cached, runs
   ``python -m pip download --no-binary :all: --no-deps transformers==5.24.0 -d <tmp>``
   (or uses the tarball named by ``$VIDEOBERT_TRANSFORMERS_SDIST``, for offline machines) and keeps the tarball in
   ``<repo>/.cache/transformers-sdist/``;
3. extracts the top-level ``tests/*.py`` files of the sdist into ``<repo>/.cache/transformers-tests-5.24.0/``, laid
   out as the importable package ``transformers_tests`` together with small stand-ins for the modules the sdist
   lacks (``tests/generation/``, ``tests/exporters/``, ``tests/utils/``, ``utils/fetch_hub_objects_for_ci.py``).
   The tree is built in a temporary folder and renamed into place under a file lock, so a killed run never leaves
   a half cache and concurrent pytest processes (xdist workers included) do not race;
4. appends that folder to ``sys.path`` and imports the requested name from it.

Usage in a test module::

    from tests.transformers_common import ConfigTester, ModelTesterMixin, ids_tensor, random_attention_mask

Nothing is downloaded until a name is actually imported (module-level ``__getattr__``), and a failing download raises
``TransformersTestsUnavailable`` naming the command that failed: the conformance suite is never skipped silently.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import textwrap
from pathlib import Path


REPO_ROOT = Path(__file__).resolve().parent.parent
CACHE_ROOT = REPO_ROOT / ".cache"
PACKAGE = "transformers_tests"
SDIST_ENV = "VIDEOBERT_TRANSFORMERS_SDIST"

# The sdist files the project relies on; the build fails loudly if one of them is missing from the sdist.
REQUIRED_FILES = (
    "test_modeling_common.py",
    "test_configuration_common.py",
    "test_processing_common.py",
    "test_video_processing_common.py",
)

# name -> module (relative to the `transformers_tests` package) that defines it.
_EXPORTS = {
    "ModelTesterMixin": "test_modeling_common",
    "ids_tensor": "test_modeling_common",
    "floats_tensor": "test_modeling_common",
    "random_attention_mask": "test_modeling_common",
    "_config_zero_init": "test_modeling_common",
    "ConfigTester": "test_configuration_common",
    "ProcessorTesterMixin": "test_processing_common",
    "floats_list": "test_processing_common",
    "VideoProcessingTestMixin": "test_video_processing_common",
    "prepare_video": "test_video_processing_common",
    "prepare_video_inputs": "test_video_processing_common",
    "GenerationTesterMixin": "generation.test_utils",
    "ExportTesterMixin": "exporters.test_export",
    "config_common_kwargs": "utils.test_configuration_utils",
}

_STAND_IN_HEADER = (
    "# Stand-in written by videobert_hf's tests/transformers_common.py: the transformers sdist lacks this module.\n"
)

# Files the sdist lacks but its common test files import. Paths are relative to the cache folder.
_STAND_INS = {
    # Executed once as the module "transformers" by `direct_transformers_import(Path(__file__).parent)` in
    # test_configuration_common.py: it must stay free of imports and side effects.
    f"{PACKAGE}/__init__.py": "# transformers' common test files, extracted from the sdist (see tests/transformers_common.py).\n",
    f"{PACKAGE}/generation/__init__.py": "",
    f"{PACKAGE}/generation/test_utils.py": '''
        class GenerationTesterMixin:
            """Stand-in for transformers' `tests/generation/test_utils.py::GenerationTesterMixin` (not in the sdist).

            It runs no `generate` tests. It exists so `ModelTesterMixin.test_generation_tester_mixin_inheritance`
            can be satisfied: a test class whose `all_model_classes` contain a model that can `generate` must
            inherit it (or override `all_generative_model_classes = ()`).
            """
        ''',
    f"{PACKAGE}/exporters/__init__.py": "",
    f"{PACKAGE}/exporters/test_export.py": '''
        class ExportTesterMixin:
            """Stand-in for transformers' `tests/exporters/test_export.py::ExportTesterMixin` (not in the sdist).

            Upstream, this base class of `ModelTesterMixin` adds torch.export / ONNX / ExecuTorch export tests;
            the stand-in adds none (`test_torch_exportable` is therefore not exercised).
            """
        ''',
    f"{PACKAGE}/utils/__init__.py": "",
    # Copied from transformers' tests/utils/test_configuration_utils.py (v5: generation kwargs no longer live on
    # PreTrainedConfig). `ConfigTester.check_config_arguments_init` checks each key round-trips through the config.
    f"{PACKAGE}/utils/test_configuration_utils.py": """
        config_common_kwargs = {
            "return_dict": False,
            "output_hidden_states": True,
            "output_attentions": True,
            "dtype": "float16",
            "chunk_size_feed_forward": 5,
            "architectures": ["BertModel"],
            "id2label": {0: "label"},
            "label2id": {"label": "0"},
            "problem_type": "regression",
        }
        """,
    # test_processing_common.py appends `<folder above the test files>/utils` to sys.path and imports this.
    "utils/fetch_hub_objects_for_ci.py": '''
        import os


        def url_to_local_path(url, return_url_if_not_found=True):
            """Same contract as transformers' utils/fetch_hub_objects_for_ci.py: the basename of `url` when a file of
            that name exists in the working directory (pre-fetched by CI), else the URL itself."""
            filename = url.split("/")[-1]
            if not os.path.exists(filename) and return_url_if_not_found:
                return url
            return filename
        ''',
}

# Bump when the extraction layout changes; together with the stand-ins it forms the cache stamp.
_LAYOUT_VERSION = "1"


# pytest markers that transformers' common test files and `transformers.testing_utils` decorators apply. The project
# runs pytest with --strict-markers, so they must be registered (tests/conftest.py calls `register_pytest_markers`);
# the harness test checks this list against the cached files, so a transformers upgrade that adds one fails loudly.
PYTEST_MARKERS = {
    "accelerate_tests": "transformers: needs accelerate (multi-device dispatch)",
    "flash_attn_test": "transformers: needs flash-attention 2",
    "flash_attn_3_test": "transformers: needs flash-attention 3",
    "flash_attn_4_test": "transformers: needs flash-attention 4",
    "torch_compile_test": "transformers: exercises torch.compile",
    "torch_export_test": "transformers: exercises torch.export",
    "generate": "transformers: generation test",
    "not_device_test": "transformers: does not need an accelerator",
    "is_agent_test": "transformers: agent test",
    "is_expert_parallel_test": "transformers: expert parallel test",
    "is_fsdp_test": "transformers: FSDP test",
    "is_pipeline_test": "transformers: pipeline test",
    "is_staging_test": "transformers: Hub staging test",
    "is_tensor_parallel_test": "transformers: tensor parallel test",
    "is_training_test": "transformers: training test",
    "training_ci": "transformers: training CI test",
    "tensor_parallel_ci": "transformers: tensor parallel CI test",
    "order": "run order (pytest-order), applied by transformers' @run_first",
}


def register_pytest_markers(config) -> None:
    """Register `PYTEST_MARKERS` on a pytest config; call it from a `pytest_configure` hook."""
    registered = {line.split(":")[0].split("(")[0].strip() for line in config.getini("markers")}
    for name, description in PYTEST_MARKERS.items():
        if name not in registered:
            config.addinivalue_line("markers", f"{name}: {description}")


class TransformersTestsUnavailable(RuntimeError):
    """transformers' common test files could not be fetched or laid out."""


def transformers_version() -> str:
    import transformers

    return transformers.__version__


def _stamp(version: str) -> str:
    digest = hashlib.sha256()
    digest.update(f"{_LAYOUT_VERSION}\0{version}\0".encode())
    for path in sorted(_STAND_INS):
        digest.update(f"{path}\0{_STAND_INS[path]}\0".encode())
    return digest.hexdigest()[:16]


def transformers_tests_dir(version: str | None = None) -> Path:
    """The cache folder (put on sys.path) holding the `transformers_tests` package for `version`."""
    return CACHE_ROOT / f"transformers-tests-{version or transformers_version()}"


def _is_built(target: Path, stamp: str) -> bool:
    try:
        return (target / ".stamp").read_text().strip() == stamp
    except OSError:
        return False


def _sdist(version: str) -> Path:
    """The sdist tarball: $VIDEOBERT_TRANSFORMERS_SDIST, else the cached download, else a fresh `pip download`."""
    override = os.environ.get(SDIST_ENV)
    if override:
        path = Path(override)
        if not path.is_file():
            raise TransformersTestsUnavailable(f"${SDIST_ENV}={override} is not a file.")
        return path

    sdist_dir = CACHE_ROOT / "transformers-sdist"
    cached = sdist_dir / f"transformers-{version}.tar.gz"
    if cached.is_file():
        return cached

    sdist_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE_ROOT, prefix=".tmp-pip-download-") as tmp:
        cmd = [
            sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps",
            f"transformers=={version}", "-d", tmp, "--disable-pip-version-check",
        ]  # fmt: skip
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        except (OSError, subprocess.TimeoutExpired) as err:
            raise TransformersTestsUnavailable(
                f"Could not fetch transformers' test files: `{' '.join(cmd)}` failed: {err!r}. "
                f"Set ${SDIST_ENV} to a local transformers-{version}.tar.gz to work offline."
            ) from err
        found = sorted(Path(tmp).glob("transformers-*.tar.gz"))
        if proc.returncode != 0 or not found:
            output = (proc.stdout + proc.stderr).strip()[-3000:]
            raise TransformersTestsUnavailable(
                f"Could not fetch transformers' test files: `{' '.join(cmd)}` exited with {proc.returncode}"
                f"{'' if found else ' and produced no transformers-*.tar.gz'}. "
                f"Set ${SDIST_ENV} to a local transformers-{version}.tar.gz to work offline.\n{output}"
            )
        os.replace(found[0], cached)  # same filesystem: atomic
    return cached


def _extract(sdist: Path, dest: Path) -> None:
    """Write the sdist's top-level tests/*.py (and LICENSE) into `dest/transformers_tests/`."""
    package = dest / PACKAGE
    package.mkdir(parents=True)
    with tarfile.open(sdist) as tar:
        for member in tar.getmembers():
            parts = member.name.split("/")
            # transformers-5.24.0/tests/test_x.py  or  transformers-5.24.0/LICENSE
            if not member.isfile():
                continue
            if len(parts) == 3 and parts[1] == "tests" and parts[2].endswith(".py") and parts[2] != "__init__.py":
                target = package / parts[2]
            elif len(parts) == 2 and parts[1] == "LICENSE":
                target = dest / "LICENSE"
            else:
                continue
            target.write_bytes(tar.extractfile(member).read())
    missing = [name for name in REQUIRED_FILES if not (package / name).is_file()]
    if missing:
        raise TransformersTestsUnavailable(f"{sdist} has no tests/{', tests/'.join(missing)}.")


def _build(version: str, target: Path, stamp: str) -> None:
    tmp = Path(tempfile.mkdtemp(dir=CACHE_ROOT, prefix=f".tmp-{target.name}-"))
    try:
        tmp.chmod(0o755)  # mkdtemp creates 0700
        _extract(_sdist(version), tmp)
        for rel, text in _STAND_INS.items():
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if text and rel.endswith(".py") and not rel.endswith("__init__.py"):
                text = _STAND_IN_HEADER + textwrap.dedent(text).lstrip("\n")
            path.write_text(text)
        (tmp / ".stamp").write_text(stamp + "\n")
        if target.exists():  # outdated layout: move it aside first, then swap the new one in
            stale = Path(tempfile.mkdtemp(dir=CACHE_ROOT, prefix=f".tmp-{target.name}-stale-"))
            os.replace(target, stale / "old")
            shutil.rmtree(stale, ignore_errors=True)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def ensure_transformers_tests(version: str | None = None) -> Path:
    """Make sure the cache folder for `version` (default: installed) is built and on sys.path; return it."""
    version = version or transformers_version()
    target = transformers_tests_dir(version)
    stamp = _stamp(version)
    if not _is_built(target, stamp):
        from filelock import FileLock  # a dependency of transformers / huggingface_hub

        CACHE_ROOT.mkdir(parents=True, exist_ok=True)
        with FileLock(str(CACHE_ROOT / f"{target.name}.lock"), timeout=1800):
            if not _is_built(target, stamp):
                # We hold the lock: any leftover temporary folder is from a killed run.
                for leftover in CACHE_ROOT.glob(f".tmp-{target.name}-*"):
                    shutil.rmtree(leftover, ignore_errors=True)
                _build(version, target, stamp)
    path = str(target)
    if path not in sys.path:
        sys.path.append(path)
    return target


__all__ = [
    "PYTEST_MARKERS",
    "REQUIRED_FILES",
    "TransformersTestsUnavailable",
    "ensure_transformers_tests",
    "register_pytest_markers",
    "transformers_tests_dir",
    "transformers_version",
    *_EXPORTS,  # resolved lazily by __getattr__ below
]


def __getattr__(name: str):
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    ensure_transformers_tests()
    value = getattr(importlib.import_module(f"{PACKAGE}.{module_name}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
