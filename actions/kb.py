"""Command line for curators and hotline staff.

python -m actions.kb validate [--kb DIR]
python -m actions.kb search "问题" [--district 密云区] [--topic rent] [-k 3]
python -m actions.kb show MEASURE_ID
python -m actions.kb list [--district 西城区] [--topic finance]
python -m actions.kb contacts [--unit 区国资委] [--person 王楠] [--topic rent]
python -m actions.kb check MEASURE_ID fact=value ...     (eligibility)
python -m actions.kb userdict PATH                       (jieba user dictionary for Rasa)
python -m actions.kb import NOTICE.txt|.docx|.pdf [--id ID] [--out DIR]   (draft a new notice's file)
python -m actions.kb attach "问题原话" MEASURE_ID        (the bot answers this wording with the measure, live)
python -m actions.kb out-of-scope "问题原话"             (the bot says it is out of scope, live)
python -m actions.kb report [--out results/report.html] [--events var/events.db] [--days 30]
python -m actions.kb purge [--days N]                    (delete conversation events older than the retention)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from actions import answers, eligibility
from actions.knowledge_base import DEFAULT_KB_DIR, KBValidationError, load_kb
from actions.retrieval import search
from actions.text_tools import write_user_dictionary


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m actions.kb", description="政策知识库工具")
    parser.add_argument("--kb", default=str(DEFAULT_KB_DIR), help="知识库目录")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("validate", help="校验知识库")
    p = sub.add_parser("search", help="按问题检索措施")
    p.add_argument("question")
    p.add_argument("--district")
    p.add_argument("--topic")
    p.add_argument("-k", type=int, default=3)
    p = sub.add_parser("show", help="显示一条措施的全部内容")
    p.add_argument("measure_id")
    p = sub.add_parser("list", help="列出措施")
    p.add_argument("--district")
    p.add_argument("--topic")
    p.add_argument("--industry")
    p = sub.add_parser("contacts", help="查找联系人")
    for opt in ("--unit", "--office", "--person", "--topic", "--district"):
        p.add_argument(opt)
    p = sub.add_parser("check", help="判断是否符合条件")
    p.add_argument("measure_id")
    p.add_argument("facts", nargs="*", help="fact=value，例如 layoff_ratio=8 district=密云区")
    p = sub.add_parser("userdict", help="生成 jieba 用户词典")
    p.add_argument("path")
    p = sub.add_parser("import", help="从通知原文起草知识库文件（草稿，审核后上线）")
    p.add_argument("notice", help="通知原文：.txt / .docx / 有文字层的 .pdf")
    p.add_argument("--id", help="文件编号，如 xc-2020-7（默认按区名和文号生成）")
    p.add_argument("--out", help="草稿目录（默认 policies_kb/drafts/，不会被加载上线）")
    p.add_argument("--compare", help="与之比较的现有文件（默认 policies_kb/<id>.yml，若存在）")
    p = sub.add_parser("attach", help="把未答出的问题原话挂到能回答它的措施上（examples:，无需重新训练）")
    p.add_argument("wording")
    p.add_argument("measure_id")
    p = sub.add_parser("out-of-scope", help="把问题原话标记为超出范围（curation.yml，无需重新训练）")
    p.add_argument("wording")
    from actions import curator_report

    curator_report.add_arguments(sub)
    args = parser.parse_args(argv)

    if args.command in ("attach", "out-of-scope"):
        from actions import curation

        try:
            if args.command == "attach":
                path, added = curation.attach(Path(args.kb), args.wording, args.measure_id)
                print(
                    f"{'已添加' if added else '已存在'}：“{args.wording}” → {args.measure_id}（{path.name}），运行中的机器人几秒内生效。"
                )
            else:
                path, added = curation.mark_out_of_scope(Path(args.kb), args.wording)
                print(
                    f"{'已标记' if added else '已存在'}为超出范围：“{args.wording}”（{path.name}），运行中的机器人几秒内生效。"
                )
        except (curation.CurationError, KBValidationError) as exc:
            print(f"未修改：{exc}", file=sys.stderr)
            return 1
        return 0
    if args.command in ("report", "purge"):
        return curator_report.run_command(args)
    if args.command == "import":
        from actions.notice_import.cli import run_import

        return run_import(args)

    try:
        kb = load_kb(Path(args.kb))
    except KBValidationError as exc:
        print(f"知识库校验失败（{len(exc.errors)}处）：", file=sys.stderr)
        for err in exc.errors:
            print(f"  - {err}", file=sys.stderr)
        return 1

    if args.command == "validate":
        counts = "，".join(f"{d.doc_number} {len(kb.measures_of(d.id))}条" for d in kb.documents.values())
        contacts = sum(len(m.contacts) for m in kb)
        print(f"知识库有效：{len(kb.documents)}份文件，{len(kb)}条措施（{counts}），{contacts}个联系方式。")
        return 0
    if args.command == "search":
        hits = search(kb, args.question, district=args.district, topic=args.topic, top_k=args.k)
        if not hits:
            print("没有找到相关措施。")
        for rank, h in enumerate(hits, 1):
            flag = "" if h.confident else "（匹配度低）"
            print(
                f"{rank}. [{h.score:.2f} 覆盖{h.coverage:.0%}]{flag} {h.measure.id} {h.measure.district} "
                f"{h.measure.label}{h.measure.title} — {h.measure.citation}"
            )
        return 0
    if args.command == "show":
        m = kb.get(args.measure_id)
        if not m:
            print(f"没有编号为 {args.measure_id} 的措施。", file=sys.stderr)
            return 1
        print(answers.full_text(m, kb.taxonomy))
        return 0
    if args.command == "list":
        print(
            answers.measure_list(kb.filter(args.district, args.topic, args.industry), kb.taxonomy) or "没有符合的措施。"
        )
        return 0
    if args.command == "contacts":
        hits = kb.contacts(
            unit=args.unit, office=args.office, person=args.person, topic=args.topic, district=args.district
        )
        for h in hits:
            print(f"{h.measure.id} {h.measure.label}{h.measure.title}：{answers.contact_line(h.contact)}")
        if not hits:
            print("没有找到符合的联系人。")
        return 0
    if args.command == "check":
        m = kb.get(args.measure_id)
        if not m:
            print(f"没有编号为 {args.measure_id} 的措施。", file=sys.stderr)
            return 1
        facts = dict(f.split("=", 1) for f in args.facts if "=" in f)
        print(answers.verdict_text(eligibility.check(m, facts, kb.taxonomy), kb.taxonomy))
        return 0
    if args.command == "userdict":
        n = write_user_dictionary(kb, Path(args.path))
        print(f"已写入{n}个词：{args.path}")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
