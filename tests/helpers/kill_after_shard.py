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
Helper of tests/test_faults_videobert.py: `python kill_after_shard.py K SCRIPT_ARGS...` runs the unchanged `main()` of
examples/tokenize_videos.py and SIGKILLs its own process right after shard K is saved, as a preempted job would die:
no cleanup, no final save.
"""

import importlib.util
import os
import signal
import sys
from pathlib import Path


def kill_after(shard):
    def on_shard_done(index, num_shards, shard_dir):
        if index == shard:
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGKILL)

    return on_shard_done


if __name__ == "__main__":
    path = Path(__file__).resolve().parents[2] / "examples" / "tokenize_videos.py"
    spec = importlib.util.spec_from_file_location("tokenize_videos", path)
    tokenize_videos = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tokenize_videos)
    tokenize_videos.main(sys.argv[2:], on_shard_done=kill_after(int(sys.argv[1])))
