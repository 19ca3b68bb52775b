#!/usr/bin/env bash
# Set up aekit in a project virtual environment (idempotent, quick the second time),
# then run one action:  demo | test | setup.
#   bash scripts/dev.sh demo    # train on real digits, compare with PCA, write PNGs
#   bash scripts/dev.sh test    # the whole test suite
set -euo pipefail
cd "$(dirname "$0")/.."
action="${1:-setup}"
shift || true
venv=.venv
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
    echo "aekit setup: creating $venv" >&2
    "$python" -m venv "$venv"
fi

# Reinstall only when the dependency list changed since the last setup.
stamp="$venv/.aekit-setup-stamp"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "aekit setup: installing aekit and its dependencies into $venv" >&2
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    # torch is pinned in pyproject.toml (>=2.4,<2.14) beside everything that needs it.
    "$venv/bin/python" -m pip install --quiet -e ".[test]"
    echo "$want" > "$stamp"
fi

# Fashion-MNIST comes from Debian; install it when we may (root) and it is missing.
if [ ! -d /usr/share/datasets/fashion-mnist ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "aekit setup: installing Debian's dataset-fashion-mnist" >&2
    (apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 \
        || (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1)) \
        || echo "aekit setup: could not install dataset-fashion-mnist; its tests will skip" >&2
fi

# espeak-ng and flite make the synthetic speakers of scripts/train_voice.py (optional).
if ! command -v espeak-ng >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "aekit setup: installing Debian's espeak-ng and flite (synthetic voices)" >&2
    apt-get install -y -qq espeak-ng flite >/dev/null 2>&1 \
        || echo "aekit setup: could not install espeak-ng/flite; scripts/train_voice.py uses FSDD alone" >&2
fi

case "$action" in
    setup) echo "aekit is set up in $venv" ;;
    demo) exec "$venv/bin/aekit" demo "$@" ;;
    test) exec "$venv/bin/python" -m pytest "$@" ;;
    *) echo "usage: bash scripts/dev.sh [setup|demo|test]" >&2; exit 2 ;;
esac
