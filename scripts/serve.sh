#!/usr/bin/env bash
# Set up Vocalis with its local models and start the example assistant (the main job):
# a web page at http://127.0.0.1:8080/ where you press a button and talk to the agent.
#   bash scripts/serve.sh                         # examples/assistant.py on 127.0.0.1:8080
#   bash scripts/serve.sh --port 9000             # extra arguments go to `vocalis serve`
# The LLM comes from the environment: OPENAI_API_KEY, or OPENAI_BASE_URL for any
# OpenAI-compatible server (Ollama, llama.cpp, vLLM). Without one the page says what to set.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VOCALIS_VENV:-.venv}"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e ".[local,openai,webrtc]"
exec "$VENV/bin/vocalis" serve examples/assistant.py "$@"
