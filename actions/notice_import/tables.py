"""Contact tables (联系方式表) printed as rows of cells, e.g. at the end of a notice.

A header row names at least three columns (单位/部门, 科室/处室, 联系人, 电话, 邮箱, 事项/条款);
the rows below it with as many cells are read as contacts. Cells are separated by a tab or two
or more spaces (a .docx table comes out of ``reading`` that way).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from actions.notice_import.paragraphs import Para

COLUMNS = [
    ("measure", re.compile(r"^(事项|措施|条款|政策|条目|内容|对应条款|政策条款)$")),
    ("unit", re.compile(r"^(单位|部门|责任单位|责任部门|联系单位|牵头单位)$")),
    ("office", re.compile(r"^(科室|处室|联系科室|联系处室|科室处室)$")),
    ("persons", re.compile(r"^(联系人|姓名)$")),
    ("phones", re.compile(r"^(电话|联系电话|联系方式|办公电话)$")),
    ("emails", re.compile(r"^(邮箱|电子邮箱|E-?mail)$", re.I)),
    ("index", re.compile(r"^(序号|编号)$")),
]
SPLIT = re.compile(r"\t+|[ \u3000]{2,}")


@dataclass
class Table:
    columns: List[str]
    rows: List[List[Tuple[str, Tuple[int, int]]]] = field(default_factory=list)
    paras: List[int] = field(default_factory=list)  # indices of the paragraphs the table occupies


def _cells(source: str, p: Para) -> List[Tuple[str, Tuple[int, int]]]:
    raw = source[p.start : p.end]
    out, pos = [], 0
    for piece in SPLIT.split(raw):
        k = raw.find(piece, pos)
        pos = k + len(piece)
        text = piece.strip()
        if text:
            s = p.start + k + (len(piece) - len(piece.lstrip()))
            out.append((text, (s, s + len(text))))
    return out


def _header(cells) -> Optional[List[str]]:
    cols = []
    for text, _ in cells:
        kind = next((k for k, rx in COLUMNS if rx.match(re.sub(r"\s", "", text))), None)
        if kind is None:
            return None
        cols.append(kind)
    return cols if len(cols) >= 3 and "persons" in cols or ("phones" in cols and "unit" in cols) else None


def find_tables(source: str, paras: List[Para]) -> List[Table]:
    tables, i = [], 0
    while i < len(paras):
        cols = _header(_cells(source, paras[i]))
        if not cols:
            i += 1
            continue
        table = Table(cols, paras=[i])
        j = i + 1
        while j < len(paras):
            cells = _cells(source, paras[j])
            if len(cells) != len(cols):
                break
            table.rows.append(cells)
            table.paras.append(j)
            j += 1
        tables.append(table)
        i = j
    return tables
