# Copyright 2026 The videobert_hf authors. Licensed under the Apache License, Version 2.0.
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

This module is part of the code that `save_pretrained` copies into a checkpoint (remote code): it imports nothing
from the package.
"""

import contextlib
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path


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


__all__ = [
    "CorruptCheckpointError",
    "atomic_save_dir",
    "atomic_write",
    "checkpoint_load_errors",
    "find_checkpoint_damage",
]
