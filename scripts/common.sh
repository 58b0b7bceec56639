# Shared by the scripts in this folder: locate Python 3.10, create the venv, install, generate, train.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
MODEL="$ROOT/models/policy-assistant.tar.gz"
export RASA_TELEMETRY_ENABLED=false
export TF_CPP_MIN_LOG_LEVEL=2
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
# Shared secret between Rasa and the action server (bot/endpoints.yml sends it); empty = loopback only.
export ACTION_SERVER_TOKEN="${ACTION_SERVER_TOKEN:-}"

log() { printf '\033[1;34m==> %s\033[0m\n' "$*" >&2; }

start_action_server() {
  # Loopback by default (ACTIONS_HOST); bot/action_server.py refuses another host without ACTION_SERVER_TOKEN.
  "$PY" -m bot.action_server --port "$1" >var/logs/actions.log 2>&1 &
  ACTIONS_PID=$!
}

find_python310() {
  # Rasa 3.6 needs Python 3.10 exactly; on 3.11 pip silently installs the ancient rasa 1.10.
  local candidates=(python3.10)
  if command -v pyenv >/dev/null 2>&1; then
    candidates+=("$(pyenv root)"/versions/3.10*/bin/python3.10)
  fi
  candidates+=(/usr/bin/python3.10 /usr/local/bin/python3.10 "$HOME"/.pyenv/versions/3.10*/bin/python3.10)
  for c in "${candidates[@]}"; do
    if [ -x "$(command -v "$c" 2>/dev/null)" ] && "$c" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
      command -v "$c"; return 0
    fi
  done
  echo "ERROR: Python 3.10 is required (Rasa 3.6.21 does not support 3.11+), but python3.10 was not found." >&2
  echo "       Install it (e.g. 'apt-get install python3.10 python3.10-venv' or 'pyenv install 3.10') and retry." >&2
  return 1
}

setup_python() {
  if [ ! -x "$PY" ] || ! "$PY" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
    local py310; py310="$(find_python310)"
    log "creating virtualenv with $py310"
    rm -rf "$VENV"
    "$py310" -m venv "$VENV"
  fi
  local stamp="$VENV/.installed"
  if [ ! -f "$stamp" ] || [ requirements.lock -nt "$stamp" ] || [ requirements.txt -nt "$stamp" ]; then
    log "installing Python packages (pinned by requirements.lock)"
    "$PY" -m pip install --quiet --upgrade "pip<26" wheel >/dev/null
    "$PY" -m pip install --quiet -r requirements.txt -c requirements.lock
    touch "$stamp"
  fi
}

setup_dev() {
  # Lint and type-check tools, pinned in requirements-dev.txt (tests only; the bot does not need them).
  local stamp="$VENV/.installed-dev"
  if [ ! -f "$stamp" ] || [ requirements-dev.txt -nt "$stamp" ]; then
    log "installing lint and type-check tools (requirements-dev.txt)"
    "$PY" -m pip install --quiet -r requirements-dev.txt
    touch "$stamp"
  fi
}

setup_web() {
  # The web chat widget bundle comes from the npm registry at set-up, never from a CDN at run time.
  if [ -f web/package.json ]; then
    if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules ]; then
      command -v npm >/dev/null 2>&1 || { log "npm missing: installing Node.js"; apt_install nodejs npm; }
      log "installing the web chat widget (npm)"
      (cd web && npm ci --no-audit --no-fund --loglevel=error)
      touch web/node_modules
    fi
  fi
}

apt_install() {
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    sudo apt-get update -qq >/dev/null && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  fi
}

generate() {
  # NLU synonyms/lookups and the jieba user dictionary come from policies_kb/.
  "$PY" -m actions.kb validate
  "$PY" -m actions.nlu_generation >/dev/null
}

model_is_stale() {
  [ ! -f "$MODEL" ] && return 0
  [ -n "$(find data bot/config.yml bot/domain.yml bot/jieba_userdict bot/components -newer "$MODEL" -type f 2>/dev/null | head -1)" ]
}

train_if_needed() {
  generate
  if model_is_stale; then
    log "training the model (data or config changed)"
    local start=$SECONDS
    "$VENV/bin/rasa" train --domain bot/domain.yml --data data --config bot/config.yml \
      --out models --fixed-model-name policy-assistant --quiet
    log "model trained in $((SECONDS - start)) s"
  else
    log "model is up to date: $MODEL"
  fi
}

credentials_file() {
  # The WeChat connector is enabled only when its token is configured (never hard-coded). Only the
  # variables that are set are referenced (Rasa stops on an unset ${VAR}); for each optional
  # feature whose variables are missing, say which ones, and start without that feature.
  local out="${1:-var/credentials.yml}"
  mkdir -p "$(dirname "$out")"
  cp bot/credentials.yml "$out"
  if [ -z "${WECHAT_TOKEN:-}" ]; then echo "$out"; return 0; fi
  printf '\nbot.channels.wechat.WeChatInput:\n  token: ${WECHAT_TOKEN}\n' >>"$out"
  [ -z "${WECHAT_APP_ID:-}" ] || echo '  app_id: ${WECHAT_APP_ID}' >>"$out"
  if [ -n "${WECHAT_APP_ID:-}" ] && [ -n "${WECHAT_APP_SECRET:-}" ]; then
    echo '  app_secret: ${WECHAT_APP_SECRET}' >>"$out"
  else
    log "WeChat: 客服消息 (answers later than 4 s, long answers in parts) needs WECHAT_APP_ID and WECHAT_APP_SECRET;" \
        "missing:$([ -n "${WECHAT_APP_ID:-}" ] || echo ' WECHAT_APP_ID')$([ -n "${WECHAT_APP_SECRET:-}" ] || echo ' WECHAT_APP_SECRET')." \
        "Starting without it: slow answers are dropped, long ones cut to 2048 bytes."
  fi
  if [ -n "${WECHAT_ENCODING_AES_KEY:-}" ]; then
    if [ -z "${WECHAT_APP_ID:-}" ]; then
      log "WeChat: 安全模式 needs WECHAT_APP_ID as well as WECHAT_ENCODING_AES_KEY; starting in 明文模式 only."
    elif [ "${#WECHAT_ENCODING_AES_KEY}" -ne 43 ]; then
      log "WeChat: WECHAT_ENCODING_AES_KEY must be the 43-character EncodingAESKey; starting in 明文模式 only."
    else
      echo '  encoding_aes_key: ${WECHAT_ENCODING_AES_KEY}' >>"$out"
    fi
  fi
  echo "$out"
}
