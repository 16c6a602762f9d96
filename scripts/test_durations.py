"""Writes tests/file_durations.json from a pytest JUnit report: the seconds each test file took (the sum of its
tests', setup and teardown included), which tests/conftest.py uses to start the longest files first.

    bash scripts/test.sh -q --junitxml=/tmp/junit.xml
    python scripts/test_durations.py /tmp/junit.xml
"""
from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def durations(junit: Path) -> dict[str, int]:
    """{test file relative to the repository: whole seconds}, longest first."""
    seconds: Counter[str] = Counter()
    for case in ET.parse(junit).iter("testcase"):
        module = case.get("classname") or ""
        path = Path(*module.split("."))  # tests.e2e.test_browser.TestClass? -> the file's path
        while path.parts and not (ROOT / path.with_suffix(".py")).is_file():
            path = path.parent
        if path.parts:
            seconds[path.with_suffix(".py").as_posix()] += float(case.get("time") or 0)
    return {name: round(s) for name, s in seconds.most_common()}


if __name__ == "__main__":
    out = ROOT / "tests" / "file_durations.json"
    out.write_text(json.dumps(durations(Path(sys.argv[1])), indent=1) + "\n", encoding="utf-8")
    print(out)
