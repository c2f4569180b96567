#!/usr/bin/env bash
# Downloads into .whl/ the wheels that benchmarks/gpu_check.sh installs on the GPU machine, whose image lacks them
# (it has transformers 5.17, this project needs >= 5.24, and no av): transformers, av and regex (transformers 5.24
# checks regex >= 2025.10.22 at import; the image's version is unknown) at the versions installed
# here, for that machine's Python 3.12 on x86-64 (about 50 MB). Run it here, where PyPI can be reached:
#
#   bash benchmarks/gpu_check_wheels.sh            # $PYTHON, default .venv/bin/python, gives the versions
#
# .whl/ is added to git's info/exclude, so that it travels to the GPU machine (named in `carry`) without being committed.
set -eu
case "${1:-}" in
-h | --help)
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
esac
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
versions=$("$PYTHON" -c 'import importlib.metadata as m; print(" ".join(f"{n}=={m.version(n)}" for n in ("transformers", "av", "regex")))')
mkdir -p .whl
"$PYTHON" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 -d .whl $versions
exclude=$(git rev-parse --git-path info/exclude)
grep -qxF '/.whl/' "$exclude" 2>/dev/null || echo '/.whl/' >>"$exclude"
ls -l .whl
