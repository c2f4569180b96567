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
"""Runs a script in a fresh interpreter that cannot import videobert_hf: what a user of a Hub checkpoint has."""

import json
import os
import subprocess
import sys
from pathlib import Path


# Installed before the script's own imports: `import videobert_hf` (or any submodule) then fails.
BLOCK_PACKAGE = r"""
import sys


class BlockVideoBertHF:
    def find_spec(self, name, path=None, target=None):
        if name == "videobert_hf" or name.startswith("videobert_hf."):
            raise ImportError(f"No module named {name!r} (blocked: the checkpoint must load without the package)")
        return None


sys.meta_path.insert(0, BlockVideoBertHF())
"""


def run_without_package(script: str, args: list, tmp_path: Path, timeout: float = 300) -> dict:
    """
    Runs `script` (after `BLOCK_PACKAGE`) as `python -I script *args` in `tmp_path`, offline, with its own HF caches;
    returns the JSON it printed on its line that starts with `REMOTE_REPORT `.
    """
    path = tmp_path / "remote_script.py"
    path.write_text(BLOCK_PACKAGE + script)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("HF_", "TRANSFORMERS_"))}
    env.update(
        HF_HUB_OFFLINE="1",
        HF_HOME=str(tmp_path / "hf_home"),
        HF_MODULES_CACHE=str(tmp_path / "hf_modules"),
        PYTHONPATH="",
        TOKENIZERS_PARALLELISM="false",
    )
    result = subprocess.run(
        [sys.executable, "-I", str(path), *map(str, args)],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    lines = [line for line in result.stdout.splitlines() if line.startswith("REMOTE_REPORT ")]
    assert lines, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(lines[0][len("REMOTE_REPORT ") :])
