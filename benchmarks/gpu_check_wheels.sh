#!/usr/bin/env bash
# Downloads into .whl/ the wheels that benchmarks/gpu_check.sh installs on the GPU machine, whose image lacks them
# (it has transformers 5.17 and huggingface_hub 1.33, this project needs transformers >= 5.24, which checks
# huggingface_hub >= 2.4 and regex >= 2025.10.22 at import, and it has no av): transformers, av, regex, huggingface_hub
# with what it needs beyond the image (httpx2, httpcore2, truststore, click), datasets with dill and multiprocess, at
# the versions installed here, for that machine's Python 3.12 on x86-64 (about 53 MB of the 64 MiB that may travel).
# Run it here, where PyPI can be reached:
#
#   bash benchmarks/gpu_check_wheels.sh            # $PYTHON, default .venv/bin/python, gives the versions
#
# .whl/ is added to git's info/exclude, so that it travels to the GPU machine (named in `carry`) without being committed.
set -eu
case "${1:-}" in
-h | --help)
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
esac
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
versions=$("$PYTHON" -c 'import importlib.metadata as m; print(" ".join(f"{n}=={m.version(n)}" for n in ("transformers", "av", "regex", "huggingface_hub", "httpx2", "httpcore2", "truststore", "click", "datasets", "dill", "multiprocess")))')
mkdir -p .whl
"$PYTHON" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 -d .whl $versions
exclude=$(git rev-parse --git-path info/exclude)
grep -qxF '/.whl/' "$exclude" 2>/dev/null || echo '/.whl/' >>"$exclude"
ls -l .whl
