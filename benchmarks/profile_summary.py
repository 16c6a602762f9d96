"""Where the server's time goes, from py-spy's collapsed stacks (benchmarks/bench_room.py --profile FILE).

    python benchmarks/profile_summary.py FILE [--top 40] [--under FUNCTION]

Prints the share of samples that pass through each function (inclusive: a function counted once per stack), for
nrdash's own functions and the libraries' entry points, then the same shares per stage of a run (the stage is the
outermost nrdash function of the stack: source.resolve, widgets.filter_widgets, ui.chart…). ``--under`` keeps
only the stacks that pass through a function (e.g. ``chart`` to see inside the figures).
"""
from __future__ import annotations

import argparse
import collections
import re
from pathlib import Path

FRAME = re.compile(r"^(?P<name>.+?) \((?P<file>[^:]+):\d+\)$")


def frames(stack: str) -> list[tuple[str, str]]:
    out = []
    for part in stack.split(";"):
        m = FRAME.match(part.strip())
        out.append((m["name"], m["file"]) if m else (part.strip(), ""))
    return out


def ours(file: str) -> bool:
    return file.startswith(("nrdash/", "pages/")) or file in ("app.py", "accueil.py", "questionnaire.py") \
        or "/nrdash/" in file


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file", type=Path)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--under")
    args = parser.parse_args()
    inclusive: collections.Counter = collections.Counter()
    stage: collections.Counter = collections.Counter()
    leaf_lib: collections.Counter = collections.Counter()
    total = 0
    for line in args.file.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        fs = frames(stack)
        if args.under and not any(args.under == name or name.endswith("." + args.under) for name, _ in fs):
            continue
        total += n
        for key in {f"{name} ({file})" for name, file in fs}:
            inclusive[key] += n
        mine = [(name, file) for name, file in fs if ours(file) and name != "<module>"]
        if mine:
            stage[f"{mine[0][0]} ({mine[0][1]})"] += n
            # below our deepest frame: which library does the work
            deepest = max(i for i, (name, file) in enumerate(fs) if ours(file))
            below = fs[deepest + 1] if deepest + 1 < len(fs) else fs[deepest]
            leaf_lib[f"{mine[-1][0]} -> {below[0]} ({below[1].split('/')[0]})"] += n
        else:
            top = next((f"{name} ({file})" for name, file in fs if "streamlit/" in file or "starlette" in file
                        or "uvicorn" in file or "asyncio" in file), fs[-1][0])
            stage["[hors script] " + top] += n
    print(f"{total} échantillons")
    print("\n== Par fonction (inclusif)")
    for key, n in inclusive.most_common(args.top):
        print(f"{n / total:6.1%}  {key}")
    print("\n== Par étape (fonction nrdash la plus haute)")
    for key, n in stage.most_common(args.top):
        print(f"{n / total:6.1%}  {key}")
    print("\n== Fonction nrdash la plus basse -> ce qu'elle appelle")
    for key, n in leaf_lib.most_common(args.top):
        print(f"{n / total:6.1%}  {key}")


if __name__ == "__main__":
    main()
