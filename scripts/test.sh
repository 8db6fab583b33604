#!/usr/bin/env bash
# Set up a virtual environment with everything the tests need, then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VOCALIS_VENV:-.venv}"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e ".[dev]"
"$VENV/bin/python" -m ruff check src tests benchmarks examples
"$VENV/bin/python" -m pytest "$@"
