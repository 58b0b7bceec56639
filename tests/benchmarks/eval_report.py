"""Summarise the reports written by `rasa test` (see scripts/eval.sh)."""
import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[2] / "results"


def entity_f1(path: Path) -> str:
    if not path.exists():
        return "n/a"
    report = json.loads(path.read_text())
    avg = report.get("micro avg") or report.get("weighted avg") or {}
    return f"{avg.get('f1-score', 0):.3f} (macro {report.get('macro avg', {}).get('f1-score', 0):.3f})"


def main() -> int:
    intents = json.loads((RESULTS / "nlu" / "intent_report.json").read_text())
    print("NLU, held-out set tests/nlu_test.yml")
    print(f"  intent accuracy   {intents['accuracy']:.3f}   (goal >= 0.95)")
    print(f"  intent macro-F1   {intents['macro avg']['f1-score']:.3f}   ({intents['macro avg']['support']} examples)")
    for report in sorted((RESULTS / "nlu").glob("*Extractor_report.json")) + sorted((RESULTS / "nlu").glob("DIET*_report.json")):
        print(f"  entity F1 ({report.name.split('_')[0]})  {entity_f1(report)}")
    weak = sorted((v["f1-score"], k) for k, v in intents.items()
                  if isinstance(v, dict) and "f1-score" in v and k not in ("macro avg", "weighted avg", "micro avg"))[:5]
    print("  weakest intents   " + ", ".join(f"{k} {f:.2f}" for f, k in weak))
    story = RESULTS / "conversations" / "story_report.json"
    if story.exists():
        report = json.loads(story.read_text())
        conv = report.get("conversation_accuracy", {})
        print("Conversation tests, tests/conversations/")
        print(f"  conversation accuracy {conv.get('accuracy', 0):.3f} "
              f"({conv.get('correct', '?')}/{conv.get('total', '?')} stories)")
        print(f"  action accuracy       {report.get('accuracy', report.get('micro avg', {}).get('f1-score', 0)):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
