import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from actions.knowledge_base import load_kb  # noqa: E402


@pytest.fixture(scope="session")
def kb():
    return load_kb(ROOT / "policies_kb")
