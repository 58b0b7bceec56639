#!/usr/bin/env bash
# Lint and type check (run by scripts/test.sh, so by CI): ruff (rules and format, ruff.toml) over
# actions/ and bot/, and mypy over the same, failing on findings not listed in mypy-baseline.txt.
# `bash scripts/lint.sh --sync` rewrites the baseline after findings were fixed.
source "$(dirname "$0")/common.sh"
setup_python
setup_dev
log "ruff"
"$VENV/bin/ruff" check actions bot
"$VENV/bin/ruff" format --check actions bot
log "mypy (new findings only; baseline: mypy-baseline.txt)"
report="$(mktemp)"
status=0
"$VENV/bin/mypy" actions bot --config-file mypy.ini >"$report" 2>&1 || status=$?
if [ "$status" -gt 1 ]; then cat "$report"; echo "mypy itself failed (exit $status)" >&2; exit "$status"; fi
if [ "${1:-}" = "--sync" ]; then
  "$VENV/bin/mypy-baseline" sync --baseline-path mypy-baseline.txt <"$report"
else
  "$VENV/bin/mypy-baseline" filter --baseline-path mypy-baseline.txt <"$report"
fi
rm -f "$report"
