"""How well the questionnaire's review queue proposes census actors: precision and recall of the similar-name
score on a labelled set of pairs (docs/rapprochement.md).

    python benchmarks/bench_matching.py [--pairs tests/fixtures/rapprochement-paires.csv] [--errors] [--old]

Each pair is an answer's name and commune (A), a census actor's name and commune (B), and whether they are the same
structure (« oui »/« non »). The census whose words are counted is the sample census (data/recensement-exemple.xlsx)
with every B added, as the review queue would see B in the published census. A pair is proposed when its score is
at least the cutoff: precision = proposed pairs that are the same structure / proposed pairs; recall = proposed
pairs that are the same structure / pairs that are. Prints the curve around the chosen cutoff
(questionnaire.SIMILAR_CUTOFF), the figures on each half of the set (even and odd rows: the cutoff was chosen on the
whole set), and, with --errors, every pair on the wrong side of the cutoff. --old scores as the review queue did
before (RapidFuzz WRatio on the name keys, exact name and commune at 100, cutoff 80).
"""
from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PAIRS = ROOT / "tests" / "fixtures" / "rapprochement-paires.csv"


def load_pairs(path: Path = PAIRS) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    bad = [r for r in rows if r["meme_structure"] not in ("oui", "non")]
    if bad:
        raise SystemExit(f"{path}: « meme_structure » doit valoir « oui » ou « non » : {bad[0]}")
    return rows


def census_with(pairs: list[dict[str, str]]):
    """The sample census's actors, with every B of the pairs added (name and commune)."""
    import pandas as pd

    from nrdash.census import load_census
    from nrdash.dataset import SAMPLE_PATH

    actors = load_census(SAMPLE_PATH).actors[["name", "commune", "insee"]]
    extra = pd.DataFrame({"name": [p["nom_b"] for p in pairs], "commune": [p["commune_b"] or None for p in pairs],
                          "insee": None}).drop_duplicates(["name", "commune"])
    return pd.concat([actors, extra], ignore_index=True)


def scores(pairs: list[dict[str, str]], old: bool = False) -> list[int]:
    """Each pair's score: questionnaire.name_score of A against B, with the word weights of census_with(pairs)."""
    from nrdash import questionnaire as quest

    rows = [(p["nom_a"], p["commune_a"] or None, p["nom_b"], p["commune_b"] or None) for p in pairs]
    if not old:
        index = quest.name_index(census_with(pairs))
        return [quest.name_score(quest.name_words(a, ca, None, index.places),
                                 quest.name_words(b, cb, None, index.places), index.vocabulary)
                for a, ca, b, cb in rows]
    from rapidfuzz import fuzz

    from nrdash.compare import name_key
    from nrdash.geography import name_key as commune_key

    out = []
    for a, ca, b, cb in rows:
        ka, kb = name_key(a), name_key(b)
        if ka == kb and ca and cb and commune_key(ca) == commune_key(cb):
            out.append(100)
        else:
            out.append(int(round(fuzz.WRatio(ka, kb))))
    return out


def proposed(pairs: list[dict[str, str]]) -> list[bool]:
    """Whether the review queue proposes B for answer A: B is among questionnaire.matches(A) (all of them, not only
    the first three) on census_with(pairs)."""
    from nrdash import questionnaire as quest
    from nrdash.geography import name_key as commune_key

    census = census_with(pairs)
    names, communes = census["name"].tolist(), census["commune"].tolist()
    out = []
    for p in pairs:
        answer = quest.Answer(name=p["nom_a"], actor_type="Autres associations", commune=p["commune_a"] or None)
        found = quest.matches(answer, census, limit=len(census))
        out.append(any(names[m.position] == p["nom_b"] and commune_key(communes[m.position] or "")
                       == commune_key(p["commune_b"]) for m in found))
    return out


def precision_recall(scored: list[int], same: list[bool], cutoff: int) -> tuple[float, float, int, int, int]:
    """(precision, recall, true proposals, false proposals, missed) at ``cutoff``."""
    tp = sum(1 for s, y in zip(scored, same) if s >= cutoff and y)
    fp = sum(1 for s, y in zip(scored, same) if s >= cutoff and not y)
    fn = sum(1 for s, y in zip(scored, same) if s < cutoff and y)
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0), tp, fp, fn


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--pairs", type=Path, default=PAIRS)
    p.add_argument("--errors", action="store_true")
    p.add_argument("--old", action="store_true")
    args = p.parse_args()
    from nrdash import questionnaire as quest

    pairs = load_pairs(args.pairs)
    scored = scores(pairs, args.old)
    same = [r["meme_structure"] == "oui" for r in pairs]
    chosen = 80 if args.old else quest.SIMILAR_CUTOFF
    print(f"{len(pairs)} paires ({sum(same)} même structure, {len(same) - sum(same)} structures différentes)"
          + (" — ancien score (WRatio)" if args.old else ""))
    print("seuil  précision  rappel  proposées justes  proposées à tort  manquées")
    for cutoff in range(chosen - 20, chosen + 21, 5):
        pr, rc, tp, fp, fn = precision_recall(scored, same, cutoff)
        mark = "  <- seuil retenu" if cutoff == chosen else ""
        print(f"{cutoff:5d}  {pr:9.3f}  {rc:6.3f}  {tp:16d}  {fp:16d}  {fn:8d}{mark}")
    if not args.old:
        pr, rc, tp, fp, fn = precision_recall([100 * x for x in proposed(pairs)], same, 100)
        print(f"file d'examen (questionnaire.matches) : précision {pr:.3f}, rappel {rc:.3f} ({tp} justes, {fp} à "
              f"tort, {fn} manquées)")
    for name, half in (("paires paires", slice(0, None, 2)), ("paires impaires", slice(1, None, 2))):
        pr, rc, *_ = precision_recall(scored[half], same[half], chosen)
        print(f"{name} ({len(same[half])}) au seuil {chosen} : précision {pr:.3f}, rappel {rc:.3f}")
    if args.errors:
        print("\nErreurs au seuil retenu :")
        for r, s, y in zip(pairs, scored, same):
            if (s >= chosen) != y:
                print(f"  {'manquée' if y else 'à tort '} {s:3d}  {r['nom_a']} ({r['commune_a'] or '—'})  |  "
                      f"{r['nom_b']} ({r['commune_b'] or '—'})  [{r['cas']}]")


if __name__ == "__main__":
    main()
