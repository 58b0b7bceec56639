#!/usr/bin/env bash
# Leave-one-out evaluation of the notice importer: import each notice's raw text from
# policies_kb/sources/ (the importer sees only that text and taxonomy.yml), then compare the draft
# with the curated policies_kb/<id>.yml. Prints precision/recall per notice and in total, the count
# of draft values not printed in their source, and the machine it ran on.
#   bash scripts/import_eval.sh [--show]     (--show lists every miss and extra value)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -x "$PY" ] || PY=python3
PYTHONPATH=. exec "$PY" -m actions.notice_import.evaluate "$@"
