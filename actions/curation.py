"""Curators' fixes that go live without retraining: a question's wording attached to the measure
that answers it (``examples:`` of the measure), or marked out of scope (``policies_kb/curation.yml``).

Pure Python. The YAML files are edited with ruamel.yaml's round trip, so their layout and comments
stay as they are; the edit is written only if the file's own layout survives a round trip, and it
is kept only if the whole knowledge base still validates (else the file is restored). Files are
replaced atomically: the running bot (``actions.live_kb``) never reads half a file, and picks the
change up within seconds.

Matching is on the wording: the same question typed with other punctuation, spaces, full-width
characters or traditional characters, or differing by a character or two (``similarity`` of
character pairs), counts as the curated wording.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
from pathlib import Path
from typing import Iterable, Iterator, List, Optional, Tuple

from actions.knowledge_base import CURATION_FILE, KBValidationError, load_kb
from actions.text_tools import clean_question

MATCH_THRESHOLD = 0.85  # Dice similarity of character pairs for "the same question"
MAX_WORDING_CHARS = 200

# Personal data typed by users: never copied into the knowledge base, masked in the report.
PATTERNS = [
    ("邮箱", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")),
    ("身份证号", re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")),
    ("手机号", re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")),
    ("电话", re.compile(r"(?<!\d)0\d{2,3}[- ]?\d{7,8}(?!\d)")),
    ("电话", re.compile(r"(?<!\d)\d{4}[- ]?\d{4}(?!\d)")),  # Beijing numbers without area code: 83912345
]


def mask_personal(text: str) -> str:
    """Phone numbers, ID numbers and e-mail addresses replaced by a label (［手机号］)."""
    for label, pattern in PATTERNS:
        text = pattern.sub(f"［{label}］", text or "")
    return text


def personal_data(text: str) -> List[str]:
    """The kinds of personal data in ``text`` (empty when none)."""
    return [label for label, pattern in PATTERNS if pattern.search(text or "")]


def normalize(text: str) -> str:
    """The wording as compared: simplified, NFKC, lower case, letters and digits only."""
    return re.sub(r"[^0-9a-z\u4e00-\u9fff]", "", clean_question(text or ""))


def _pairs(text: str) -> set:
    return {text[i : i + 2] for i in range(len(text) - 1)} if len(text) > 1 else {text} if text else set()


def similarity(a: str, b: str) -> float:
    """Dice coefficient of the character pairs of two normalized wordings (1.0: the same)."""
    a, b = normalize(a), normalize(b)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    pa, pb = _pairs(a), _pairs(b)
    return 2 * len(pa & pb) / (len(pa) + len(pb))


def best_match(text: str, wordings: Iterable[str], threshold: float = MATCH_THRESHOLD) -> Optional[str]:
    """The curated wording ``text`` is (at or above ``threshold``), else None."""
    scored = [(similarity(text, w), w) for w in wordings]
    scored = [x for x in scored if x[0] >= threshold]
    return max(scored, key=lambda x: x[0])[1] if scored else None


def example_key(text: str) -> str:
    """A wording as retrieval compares it with curated examples: without the asking words the
    understanding leaves out of its query (请问, 怎么, 吗 …), so the raw and the stripped question match."""
    from actions.understanding import RETRIEVAL_NOISE

    return normalize(re.sub(RETRIEVAL_NOISE, " ", clean_question(text or ""))) or normalize(text)


# A question the bot answers confidently is overridden only by (nearly) the very wording marked:
# "西城的餐饮企业…" marked out of scope must not silence "密云的软件企业…".
SAME_WORDING = 0.95


def is_out_of_scope(kb, text: str, confident: bool = False) -> bool:
    """A question a curator marked out of scope (``policies_kb/curation.yml``)."""
    threshold = SAME_WORDING if confident else MATCH_THRESHOLD
    return bool(kb.out_of_scope) and best_match(text, kb.out_of_scope, threshold) is not None


# ---- editing the YAML -----------------------------------------------------------------------


class CurationError(ValueError):
    """A fix that cannot be made (unknown measure, personal data, a change that does not validate)."""


def _yaml_for(source: str):
    """A round-trip YAML whose dump of the unchanged file is the file itself (its own indentation)."""
    from ruamel.yaml import YAML

    for mapping, sequence, offset in ((2, 2, 0), (2, 4, 2), (4, 4, 2), (4, 6, 4)):
        yaml = YAML(typ="rt")
        yaml.preserve_quotes = True
        yaml.width = 100000
        yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
        data = yaml.load(source)
        out = io.StringIO()
        yaml.dump(data, out)
        if out.getvalue() == source:
            return yaml, data
    raise CurationError("该文件的格式无法原样保留（请手工编辑）")


def _dump(yaml, data) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=str(path.parent))
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def _apply_and_validate(kb_dir: Path, path: Path, new_text: str) -> None:
    """Write the file, validate the whole KB; restore the old file if it does not validate."""
    old_text = path.read_text(encoding="utf-8") if path.exists() else None
    _write_atomically(path, new_text)
    try:
        load_kb(kb_dir)
    except KBValidationError as exc:
        if old_text is None:
            path.unlink()
        else:
            _write_atomically(path, old_text)
        raise CurationError("修改后知识库校验失败，已撤销：" + "；".join(str(e) for e in exc.errors[:3])) from exc


def check_wording(wording: str) -> str:
    wording = re.sub(r"\s+", " ", (wording or "").strip())
    if not normalize(wording):
        raise CurationError("问题措辞为空")
    if len(wording) > MAX_WORDING_CHARS:
        raise CurationError(f"问题措辞太长（最多{MAX_WORDING_CHARS}字）")
    found = personal_data(wording)
    if found:
        raise CurationError("问题措辞中含有个人信息（" + "、".join(found) + "），请删去后再添加")
    return wording


def measure_file(kb_dir: Path, measure_id: str) -> Path:
    for path in sorted(Path(kb_dir).glob("*.yml")):
        if re.search(
            r"^\s*-?\s*id:\s*['\"]?%s['\"]?\s*$" % re.escape(measure_id), path.read_text(encoding="utf-8"), re.M
        ):
            return path
    raise CurationError(f"没有编号为 {measure_id} 的措施")


LOCK_FILE = ".curation.lock"  # in the KB directory; not a *.yml, so the loader never reads it


@contextlib.contextmanager
def curation_lock(kb_dir: Path) -> Iterator[None]:
    """One curator's change at a time, across processes (the report page on every replica, the
    CLI): each change reads, edits, writes and validates a file, and two at once would lose one."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(Path(kb_dir) / LOCK_FILE))
    try:
        lock.acquire(timeout=30)
    except Timeout as exc:
        raise CurationError("另一位运营人员正在修改知识库，请稍后再试") from exc
    try:
        yield
    finally:
        lock.release()


def attach(kb_dir: Path, wording: str, measure_id: str) -> Tuple[Path, bool]:
    """Add ``wording`` to the ``examples:`` of the measure. Returns (file, added); ``added`` is False
    when the measure already has this wording."""
    with curation_lock(kb_dir):
        return _attach(Path(kb_dir), wording, measure_id)


def _attach(kb_dir: Path, wording: str, measure_id: str) -> Tuple[Path, bool]:
    from ruamel.yaml.comments import CommentedSeq

    wording = check_wording(wording)
    kb = load_kb(kb_dir)
    if kb.get(measure_id) is None:
        raise CurationError(f"没有编号为 {measure_id} 的措施")
    path = measure_file(kb_dir, measure_id)
    source = path.read_text(encoding="utf-8")
    yaml, data = _yaml_for(source)
    measure = next(m for m in data["measures"] if m["id"] == measure_id)
    examples = measure.get("examples")
    if examples is not None and any(normalize(e) == normalize(wording) for e in examples):
        return path, False
    if examples is None:
        examples = CommentedSeq()
        examples.fa.set_flow_style()
        keys = list(measure.keys())
        after = "keywords" if "keywords" in keys else "summary"
        measure.insert(keys.index(after) + 1, "examples", examples)
    examples.append(wording)
    _apply_and_validate(kb_dir, path, _dump(yaml, data))
    return path, True


CURATION_HEADER = """\
# Questions curators marked out of scope from the report (python -m actions.kb out-of-scope "…"):
# the bot gives them the out-of-scope reply, and they leave the report's list of unanswered questions.
# The same wording typed with other punctuation, spaces or a character or two more counts as well.
out_of_scope: []
"""


def mark_out_of_scope(kb_dir: Path, wording: str) -> Tuple[Path, bool]:
    """Add ``wording`` to ``policies_kb/curation.yml``. Returns (file, added)."""
    with curation_lock(kb_dir):
        return _mark_out_of_scope(Path(kb_dir), wording)


def _mark_out_of_scope(kb_dir: Path, wording: str) -> Tuple[Path, bool]:
    from ruamel.yaml.comments import CommentedSeq

    wording = check_wording(wording)
    kb = load_kb(kb_dir)
    if any(normalize(w) == normalize(wording) for w in kb.out_of_scope):
        return kb_dir / CURATION_FILE, False
    path = kb_dir / CURATION_FILE
    source = path.read_text(encoding="utf-8") if path.exists() else CURATION_HEADER
    yaml, data = _yaml_for(source)
    wordings = data.get("out_of_scope")
    if not wordings:
        block = CommentedSeq()
        block.fa.set_block_style()
        data["out_of_scope"] = wordings = block
    wordings.append(wording)
    _apply_and_validate(kb_dir, path, _dump(yaml, data))
    return path, True
