#!/usr/bin/env bash
# Talk to the assistant in this terminal (rasa shell), with the action server in the background.
source "$(dirname "$0")/common.sh"
setup_python
train_if_needed
mkdir -p var/logs
start_action_server "${ACTIONS_PORT:-5055}"
trap 'kill $ACTIONS_PID 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:${ACTIONS_PORT:-5055}/health" >/dev/null 2>&1 && break; sleep 1; done
"$VENV/bin/rasa" shell --model "$MODEL" --endpoints bot/endpoints.yml
