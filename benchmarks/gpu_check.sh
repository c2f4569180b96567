#!/usr/bin/env bash
# VideoBERT's GPU check in one command, bounded to 8 minutes (benchmarks/gpu_check.py does the work; --help lists its
# options):
#
#   bash benchmarks/gpu_check.sh --output-json gpu_check.json --output-md gpu_check.md
#
# Runs from any directory (output paths are the caller's), with the repository's src/ on PYTHONPATH and $PYTHON (default: .venv/bin/python when there
# is one, else python3). Wheels in .whl/ (the GPU image lacks some of the project's requirements: BENCHMARKS.md,
# "GPU check", says which) are installed into a temporary folder first, which then comes first on PYTHONPATH, unless
# $PYTHON has them already.
# The check keeps to its own budget (450 s); `timeout` interrupts it at 480 s (it then writes what it has and exits
# 124) and kills it 20 s later. Without a CUDA device it says so, writes "skipped" reports and exits 0.
set -u
case "${1:-}" in
-h | --help)
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    echo
    ;;
esac
root=$(cd "$(dirname "$0")/.." && pwd) || exit 1
if [ -z "${PYTHON:-}" ]; then
    if [ -x "$root/.venv/bin/python" ]; then PYTHON=$root/.venv/bin/python; else PYTHON=python3; fi
fi
# The wheels are for a Python that lacks the project's requirements (the GPU image's); where they are met already (this
# project's .venv), they are left alone.
ready='import sys, av, transformers; from packaging.version import Version; sys.exit(Version(transformers.__version__) < Version("5.24"))'
if compgen -G "$root/.whl/*.whl" >/dev/null && ! "$PYTHON" -c "$ready" 2>/dev/null; then
    site=$(mktemp -d /tmp/videobert_site.XXXXXX)
    "$PYTHON" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$site" \
        "$root"/.whl/*.whl || exit 1
    export PYTHONPATH="$site${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYTHONPATH="$root/src:$root${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
exec timeout -s INT -k 20 480 "$PYTHON" "$root/benchmarks/gpu_check.py" "$@"
