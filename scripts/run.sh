#!/usr/bin/env bash
# One command: set up (venv, packages, widget), train if needed, start the action server and the
# Rasa server (REST + socket.io on localhost), and print where to talk to it. Ctrl-C stops both.
source "$(dirname "$0")/common.sh"
RASA_PORT="${RASA_PORT:-5005}"
ACTIONS_PORT="${ACTIONS_PORT:-5055}"
HOST="${HOST:-127.0.0.1}"

setup_python
setup_web
train_if_needed
CREDENTIALS="$(credentials_file)"
mkdir -p var/logs

log "starting the action server on ${ACTIONS_HOST:-127.0.0.1}:$ACTIONS_PORT"
start_action_server "$ACTIONS_PORT"
trap 'kill $ACTIONS_PID ${RASA_PID:-} 2>/dev/null || true' EXIT INT TERM

API_ARGS=()
if [ -n "${RASA_API_TOKEN:-}" ]; then
  # Rasa's HTTP API is only ever enabled with a token (an open API allows remote code execution).
  API_ARGS=(--enable-api --auth-token "$RASA_API_TOKEN")
fi
log "starting the Rasa server on $HOST:$RASA_PORT"
"$VENV/bin/rasa" run --model "$MODEL" --endpoints bot/endpoints.yml --credentials "$CREDENTIALS" \
  --interface "$HOST" --port "$RASA_PORT" "${API_ARGS[@]}" >var/logs/rasa.log 2>&1 &
RASA_PID=$!

for _ in $(seq 1 180); do
  if curl -sf "http://$HOST:$RASA_PORT/webhooks/rest/" >/dev/null 2>&1; then break; fi
  if ! kill -0 $RASA_PID 2>/dev/null; then echo "Rasa server failed to start, see var/logs/rasa.log" >&2; exit 1; fi
  if ! kill -0 $ACTIONS_PID 2>/dev/null; then
    tail -3 var/logs/actions.log >&2; echo "Action server failed to start, see var/logs/actions.log" >&2; exit 1
  fi
  sleep 1
done
cat <<INFO

政策助手已启动 / The assistant is running:
  Web chat:        http://$HOST:$RASA_PORT/webhooks/web/
  Hotline console: http://$HOST:$RASA_PORT/webhooks/console/   (needs CONSOLE_TOKEN)
  REST:            curl -s -XPOST http://$HOST:$RASA_PORT/webhooks/rest/webhook -d '{"sender":"me","message":"西城区房租减免怎么申请"}'
  WeChat:          http://$HOST:$RASA_PORT/webhooks/wechat/   $( [ -n "${WECHAT_TOKEN:-}" ] && echo "(enabled)" || echo "(disabled: set WECHAT_TOKEN)" )
  Logs:            var/logs/
Press Ctrl-C to stop.
INFO
wait $RASA_PID
