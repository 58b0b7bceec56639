"""Counts the reliability suite prints at the end of the run (see conftest.pytest_terminal_summary)."""
from typing import Dict, List

BAD_INPUTS: Dict[str, bool] = {}   # case id -> passed
FAULTS: Dict[str, bool] = {}       # fault test -> survived
TURNS: Dict[str, Dict[str, int]] = {}  # burst -> {"sent": n, "lost": n, "duplicated": n}
CPU_SECONDS: Dict[str, float] = {}  # case id -> CPU seconds of the Rasa process while the case ran
NOTES: List[str] = []
TRACEBACKS: Dict[str, int] = {}  # case id -> tracebacks the servers logged while it ran (reported, not judged)
