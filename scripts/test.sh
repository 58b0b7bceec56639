#!/usr/bin/env bash
# One command: set up everything (venv, packages, widget, chromium), validate the data, train if
# needed, and run every test: pytest (KB, actions, channels, end-to-end over REST, browser) and the
# scripted conversation tests with --fail-on-prediction-errors.
source "$(dirname "$0")/common.sh"

setup_python
setup_web
log "lint and type check (scripts/lint.sh)"
bash "$ROOT/scripts/lint.sh"
if [ ! -x /usr/bin/chromium ] || ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then
  log "installing Debian chromium and CJK fonts for the browser tests"
  apt_install chromium fonts-noto-cjk
fi
train_if_needed

log "validating training data"
"$VENV/bin/rasa" data validate --domain bot/domain.yml --data data --config bot/config.yml --fail-on-warnings --quiet

log "conversation tests (rasa test core --fail-on-prediction-errors)"
mkdir -p results
"$VENV/bin/rasa" test core --model "$MODEL" --stories tests/conversations --endpoints bot/endpoints.yml \
  --out results/conversations --fail-on-prediction-errors --quiet >results/conversations.log 2>&1 \
  || { tail -50 results/conversations.log; cat results/conversations/failed_test_stories.yml 2>/dev/null | head -80; exit 1; }
log "conversation tests passed"

log "pytest"
"$PY" -m pytest -q -p no:cacheprovider tests "$@"
