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
Crash-safe writing and damaged-checkpoint detection, shared by the package and its example scripts.

- `atomic_write(path)`: a file that is either its old content or its complete new content, never a partial file,
  whatever kills the writer (exception, SIGKILL, full disk): the new content goes to a temporary file next to it,
  which `os.replace` (atomic on POSIX and Windows) moves over the target once it is complete and synced.
- `atomic_save_dir(directory)`: the same for a folder written by a library's save (`save_pretrained`,
  `Dataset.save_to_disk`): the save goes to a temporary folder next to it, then each file is moved in with
  `os.replace`, the files that make the folder loadable (`config.json`, `state.json`) last.
- `checkpoint_load_errors(path)`: turns the error that loading a truncated, partly written or incomplete local
  checkpoint raises (safetensors' "incomplete metadata, file not fully covered", a JSON error in a shard index, a
  missing shard) into a `CorruptCheckpointError` that names the damaged file; transformers' own messages do not.
- `checkpoint_to_resume(output_dir, resume_from_checkpoint)`: the `Trainer` checkpoint a training script resumes
  from. `Trainer` writes `checkpoint-N` in place, and a run killed while saving leaves a partial folder (empty, without
  `trainer_state.json`, with a truncated `model.safetensors`) that `Trainer` cannot resume from; the newest *complete*
  checkpoint is taken instead, and each partial or damaged one is skipped with a warning that names it
  (`find_trainer_checkpoint_damage` says what is wrong).

This module is part of the code that `save_pretrained` copies into a checkpoint (remote code): it imports nothing
from the package.
"""

import contextlib
import json
import logging
import os
import re
import secrets
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path


logger = logging.getLogger(__name__)


class CorruptCheckpointError(OSError):
    """A checkpoint file that is truncated, unreadable, missing or lacks tensors; the message names the file."""


def _fsync_file(path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_write(path, mode: str = "w", encoding: str | None = "utf-8"):
    """
    Opens a temporary file next to `path` for writing (`mode` "w" or "wb"); when the block ends without an error it
    is synced and moved over `path` in one step. On an error it is removed and `path` keeps its previous content.

        with atomic_write(out / "results.json") as handle:
            json.dump(results, handle)
        with atomic_write(out / "features.npz", "wb") as handle:
            np.savez(handle, features=features)
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write writes whole files: mode must be 'w' or 'wb', got {mode!r}.")
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
    try:
        with open(temporary, mode.replace("w", "x"), encoding=None if "b" in mode else encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


@contextlib.contextmanager
def atomic_save_dir(
    directory,
    last: Iterable[str] = ("config.json", "state.json"),
    supersedes: Iterable[str] = (),
):
    """
    Yields a new temporary folder next to `directory` to save into; when the block ends without an error, each file
    saved there is moved into `directory` with `os.replace` (the files named in `last` last: the ones that make the
    folder loadable), then the files of `directory` matching a glob pattern of `supersedes` that the save did not
    rewrite (e.g. the shards of an earlier save) are removed. On an error the temporary folder is removed and
    `directory` is left as it was. Files of `directory` the save does not write are kept.

    Every file is whole (its previous or its new content) at any moment; a process killed while the files are being
    moved in can leave a mix of previous and new files, which the next save replaces.
    """
    directory = Path(os.path.abspath(directory))
    directory.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", suffix=".partial", dir=directory.parent))
    try:
        yield temporary
        last = tuple(last)
        files = [p for p in temporary.rglob("*") if p.is_file()]
        files.sort(key=lambda p: (p.name in last, last.index(p.name) if p.name in last else 0, str(p)))
        for file in files:
            _fsync_file(file)
        directory.mkdir(parents=True, exist_ok=True)
        written = set()
        for file in files:
            relative = file.relative_to(temporary)
            (directory / relative).parent.mkdir(parents=True, exist_ok=True)
            os.replace(file, directory / relative)
            written.add(relative)
        for pattern in supersedes:
            for old in directory.glob(pattern):
                if old.is_file() and old.relative_to(directory) not in written:
                    old.unlink()
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def find_checkpoint_damage(directory) -> tuple[Path, str] | None:
    """
    The first damaged file of a local checkpoint folder and what is wrong with it, or None: a safetensors shard index
    that is not valid JSON or lists a shard that is not there, or a safetensors file whose header safetensors
    rejects (a truncated file fails its size check).
    """
    from safetensors import safe_open

    directory = Path(directory)
    for index in sorted(directory.glob("*.safetensors.index.json")):
        try:
            shards = set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values())
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            return index, f"not a valid shard index: {type(error).__name__}: {error}"
        for shard in sorted(shards):
            if not (directory / shard).is_file():
                return directory / shard, f"missing, though {index.name} lists it"
    for file in sorted(directory.glob("*.safetensors")):
        try:
            with safe_open(file, framework="pt"):
                pass
        except Exception as error:  # safetensors.SafetensorError, OSError
            return file, f"{type(error).__name__}: {error}"
    return None


def _raise_corrupt(file, reason, error=None):
    raise CorruptCheckpointError(
        f"{file} is corrupt or incomplete ({reason}). The checkpoint was probably only partly written or copied (a "
        "save, download or copy that was interrupted): save, download or copy it again."
    ) from error


@contextlib.contextmanager
def checkpoint_load_errors(pretrained_model_name_or_path, subfolder: str = "", config_given: bool = False):
    """
    Wraps the loading of a checkpoint (`from_pretrained`). For a local folder: without `config.json` (and no config
    given) raises a `CorruptCheckpointError` first (transformers would silently build a default config); an error
    raised while loading becomes a `CorruptCheckpointError` naming the damaged file when the folder has one
    (`find_checkpoint_damage`). Other errors, and checkpoints on the Hub, pass through unchanged.
    """
    directory = None
    if pretrained_model_name_or_path is not None:  # None: weights from a `state_dict` argument
        directory = Path(os.fspath(pretrained_model_name_or_path), subfolder or "")
    is_local = directory is not None and directory.is_dir()
    if is_local and not config_given and not (directory / "config.json").is_file():
        _raise_corrupt(directory / "config.json", "missing: the folder has no config.json")
    try:
        yield
    except CorruptCheckpointError:
        raise
    except Exception as error:
        damage = find_checkpoint_damage(directory) if is_local else None
        if damage is None:
            raise
        _raise_corrupt(*damage, error)


# What `Trainer` writes into `checkpoint-N`: the model weights in one of these forms (or FSDP's / DeepSpeed's folders),
# the optimizer, scheduler and RNG states, and `trainer_state.json` last (`Trainer._save_checkpoint`).
_TRAINER_STATE = "trainer_state.json"
_WEIGHTS = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
    "adapter_model.safetensors",
    "adapter_model.bin",
)
_CHECKPOINT_DIR = re.compile(r"^checkpoint-(\d+)$")  # transformers.trainer_utils.get_last_checkpoint's


def _torch_file_damage(file: Path) -> str | None:
    """What is wrong with a `torch.save` file, or None: an empty file, or a zip archive (torch's format) that is cut."""
    if file.stat().st_size == 0:
        return "empty"
    with open(file, "rb") as handle:
        if handle.read(4) != b"PK\x03\x04":  # not torch's zip format (e.g. the legacy pickle one): not checked
            return None
    try:
        with zipfile.ZipFile(file):
            pass
    except (zipfile.BadZipFile, OSError) as error:
        return f"truncated or damaged ({type(error).__name__}: {error})"
    return None


def find_trainer_checkpoint_damage(directory) -> tuple[Path, str] | None:
    """
    The first missing or damaged part of a `Trainer` checkpoint folder (`checkpoint-N`) and what is wrong with it, or
    None for a complete one: `trainer_state.json` (written last) missing or not valid JSON with a `global_step`; no
    model weights (`model.safetensors`, a shard index, `pytorch_model.bin`, FSDP's `pytorch_model_fsdp*` or
    DeepSpeed's `global_step*`); a safetensors file or shard index that `find_checkpoint_damage` finds damaged
    (header, size); a `torch.save` file (`.pt`, `.pth`, `.bin`: optimizer, scheduler, RNG states) that is empty or a
    cut zip archive; a `torch.distributed.checkpoint` folder (`*.distcp`) without its `.metadata`.
    """
    directory = Path(directory)
    if not directory.is_dir():
        return directory, "missing: not a folder"
    state = directory / _TRAINER_STATE
    if not state.is_file():
        return state, "missing: the save did not finish (Trainer writes it last)"
    try:
        global_step = json.loads(state.read_text(encoding="utf-8"))["global_step"]
        if not isinstance(global_step, int):
            raise TypeError(f"global_step is {global_step!r}")
    except (OSError, ValueError, KeyError, TypeError) as error:
        return state, f"not a valid trainer state ({type(error).__name__}: {error})"
    entries = {path.name for path in directory.iterdir()}
    has_weights = any((directory / name).is_file() for name in _WEIGHTS) or any(
        (directory / name).is_dir() and (name.startswith("pytorch_model_fsdp") or name.startswith("global_step"))
        for name in entries
    )
    if not has_weights:
        return directory, f"no model weights in it (files: {sorted(entries)})"
    damage = find_checkpoint_damage(directory)
    if damage is not None:
        return damage
    for file in sorted(directory.rglob("*")):
        if file.is_file() and file.suffix in (".pt", ".pth", ".bin"):
            reason = _torch_file_damage(file)
            if reason is not None:
                return file, reason
        elif file.is_dir() and any(file.glob("*.distcp")) and not (file / ".metadata").is_file():
            return file / ".metadata", "missing: the sharded (torch.distributed.checkpoint) save did not finish"
    return None


def last_complete_checkpoint(output_dir) -> str | None:
    """
    The newest complete `checkpoint-N` folder of a `Trainer` output folder, or None. Each newer folder that is partial
    or damaged (`find_trainer_checkpoint_damage`) is skipped, with a warning naming it and what is wrong; it is left
    in place (a resumed run that reaches step N saves into it again).
    """
    output_dir = Path(output_dir)
    if not output_dir.is_dir():
        return None
    steps = [
        (int(match.group(1)), path)
        for path in output_dir.iterdir()
        if (match := _CHECKPOINT_DIR.match(path.name)) is not None and path.is_dir()
    ]
    for _, path in sorted(steps, reverse=True):
        damage = find_trainer_checkpoint_damage(path)
        if damage is None:
            return os.fspath(path)
        logger.warning(
            f"Not resuming from {path}: it is partial or damaged ({damage[0]}: {damage[1]}), probably from a run "
            "killed while it saved; trying the checkpoint before it."
        )
    return None


def checkpoint_to_resume(output_dir, resume_from_checkpoint=None, search_output_dir: bool = True) -> str | None:
    """
    The `Trainer` checkpoint a training script resumes from: `resume_from_checkpoint` when given (a partial or damaged
    one raises a `CorruptCheckpointError` naming what is wrong: the user chose it), else, with `search_output_dir`,
    the newest complete checkpoint in `output_dir` (`last_complete_checkpoint`), else None.
    """
    if resume_from_checkpoint:
        damage = find_trainer_checkpoint_damage(resume_from_checkpoint)
        if damage is not None:
            raise CorruptCheckpointError(
                f"Cannot resume from {resume_from_checkpoint}: it is partial or damaged ({damage[0]}: {damage[1]}). "
                "The run that wrote it was probably killed while saving: resume from an earlier checkpoint."
            )
        return os.fspath(resume_from_checkpoint)
    if search_output_dir:
        return last_complete_checkpoint(output_dir)
    return None


__all__ = [
    "CorruptCheckpointError",
    "atomic_save_dir",
    "atomic_write",
    "checkpoint_load_errors",
    "checkpoint_to_resume",
    "find_checkpoint_damage",
    "find_trainer_checkpoint_damage",
    "last_complete_checkpoint",
]
