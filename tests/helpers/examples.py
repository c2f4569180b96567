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
"""The example and benchmark scripts as modules, for tests that call their functions (scripts, not a package)."""

import importlib.util
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def load_script(path: Path):
    """The script at `path` imported as a module named after its file."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_example(name: str):
    """`examples/<name>.py` imported as the module `<name>`."""
    return load_script(EXAMPLES / f"{name}.py")


def load_benchmark(name: str):
    """`benchmarks/<name>.py` imported as the module `<name>`."""
    return load_script(ROOT / "benchmarks" / f"{name}.py")
