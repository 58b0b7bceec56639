"""``python -m actions.kb import NOTICE`` — write the draft, its source copy and the review page."""

from __future__ import annotations

import sys
from pathlib import Path

from actions.notice_import.draft import import_notice
from actions.notice_import.reading import NoticeReadError


def run_import(args) -> int:
    try:
        result = import_notice(
            Path(args.notice),
            Path(args.out) if args.out else None,
            doc_id=args.id,
            kb_dir=Path(args.kb),
            compare_with=Path(args.compare) if args.compare else None,
        )
    except (NoticeReadError, OSError) as exc:
        print(f"无法读取通知：{exc}", file=sys.stderr)
        return 1
    data = result.data
    n_contacts = sum(len(m.get("contacts") or []) for m in data["measures"])
    n_notes = len(data.get("notes") or []) + sum(len(m.get("notes") or []) for m in data["measures"])
    print(
        f"草稿：{result.yaml_path}（{data['document'].get('doc_number')}，{len(data['measures'])}条措施，"
        f"{n_contacts}个联系方式，{len(data.get('spans') or {})}个原文定位，{n_notes}条待核对）"
    )
    print(f"原文副本：{result.source_path}")
    if result.review_path:
        print(f"审核页面：{result.review_path}")
    if result.problems:
        print(f"问题（{len(result.problems)}）：", file=sys.stderr)
        for p in result.problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    return 0
