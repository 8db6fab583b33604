#!/usr/bin/env bash
# Set up everything the tests need on a fresh machine, then run ruff and the whole test suite.
#   bash scripts/test.sh            # all tests
#   bash scripts/test.sh -k chunker # extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: Chromium and its driver for the browser end-to-end tests, PortAudio for the
# console transport, redis-server for the multi-machine worker tests, PostgreSQL for the call
# history tests (those tests start their own servers), espeak-ng for the real-speech tests (more
# voices than Piper's), baresip (a real SIP phone) for the SIP call tests. Installed with apt
# when we can (root on Debian/Ubuntu), skipped otherwise (the tests that need them then skip
# with a reason).
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
ldconfig -p 2>/dev/null | grep -q libportaudio || need+=(libportaudio2)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 \
  || need+=(postgresql)
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
command -v baresip >/dev/null 2>&1 || need+=(baresip-core)
if [ ${#need[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "installing system packages: ${need[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

VENV="${VOCALIS_VENV:-.venv}"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e ".[dev]"
"$VENV/bin/python" -m ruff check src tests benchmarks examples tools
"$VENV/bin/python" -m pytest -q "$@"
