"""Questionnaire benchmark: what a respondent and an editor wait for on a large census.

    python benchmarks/bench_questionnaire.py [--actors 10000] [--repeat 20]

On a store holding one version of ``--actors`` synthetic actors (SQLite in a temporary folder):
- ``Store.submit``: checking the lengths, matching with the census (SIRET, name + commune), the burst check and the
  insert, in one write transaction: what « Envoyer » costs;
- ``questionnaire.matches``: the review queue's best matches (exact, then RapidFuzz's similar names);
- an editor's « Valider la décision » (accepting an answer): ``Store.review_submission`` (the decision checked
  against the latest version; the shared draft's workbook is no longer written here), then what the queue reads to
  re-render: the answers with contacts, the shared draft's state, the next answer's census (with its personal data)
  and its best matches;
- ``Store.publish_questionnaire`` once: the shared draft's workbook written on the latest version, then published.
Median and maximum of --repeat runs each, wall-clock and CPU time of this process (the machine may be shared).
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def census(n: int) -> bytes:
    from openpyxl import Workbook
    import io

    from nrdash import referential as ref

    rnd = random.Random(17)
    words = ["Atelier", "Solidaire", "Numérique", "Vélo", "Recyclerie", "Services", "Conseil", "Réseau", "Lab",
             "Tiers-lieu", "Coop", "Informatique", "Durable", "Ouest", "Maritime"]
    communes = ["Aytré", "Lagord", "La Rochelle", "Périgny", "Puilboreau", "Châtelaillon-Plage"]
    wb = Workbook()
    ws = wb.active
    ws.title = "Acteurs"
    ws.append(["Nom de l'acteur", "Type d'acteur", "Niveau d'engagement estimé", "Commune", "Référent", "Contact"])
    for i in range(n):
        ws.append([" ".join(rnd.sample(words, 3)) + f" {i}", rnd.choice(ref.TYPES), rnd.randint(0, 3),
                   rnd.choice(communes), f"Personne {i}", f"p{i}@example.org"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def timed(fn, repeat: int) -> tuple[float, float, float]:
    """(median, maximum) wall-clock seconds and median CPU seconds of ``repeat`` runs."""
    times, cpu = [], []
    for i in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn(i)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return statistics.median(times), max(times), statistics.median(cpu)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--actors", type=int, default=10_000)
    p.add_argument("--repeat", type=int, default=20)
    args = p.parse_args()
    from nrdash import questionnaire as quest
    from nrdash import store as st

    OP, anon = st.Principal.operator(), st.Principal.anonymous

    code = "241700434"
    with tempfile.TemporaryDirectory() as d:
        s = st.Store(f"sqlite:///{Path(d) / 'b.db'}", seed_sample=False)
        s.publish(OP, code, census(args.actors), "bench.xlsx", force_reason="benchmark")
        actors = s.open_version(OP, code).census.actors

        def answer(i: int) -> quest.Answer:
            return quest.Answer(name=f"Atelier Vélo Solidaire {i}", actor_type="PME", commune="Aytré", level=2,
                                needs=("Financement",), referent="Zoé", contact="zoe@example.org")

        sub = timed(lambda i: s.submit(anon(f"client-{i}"), code, answer(i)), args.repeat)
        match = timed(lambda i: quest.matches(answer(i), actors), args.repeat)
        ids = [x.id for x in s.submissions(OP, code)]

        def click(i: int) -> None:  # « Valider la décision », then what the queue reads to re-render
            s.review_submission(OP, code, ids[i], decision=quest.Decision(quest.ACCEPTED),
                                author="ed@example.org")
            subs = s.submissions(OP, code, with_contacts=True)
            assert s.questionnaire_draft(OP, code, data=False).base_version == 1
            census = s.open_version(OP, code, personal=True).census.actors
            nxt = next(x for x in subs if x.status == quest.NEW)
            quest.matches(nxt.answer, census)

        review = timed(lambda i: s.review_submission(OP, code, ids[i], decision=quest.Decision(quest.ACCEPTED),
                                                     author="ed@example.org"), min(args.repeat, 5))
        clicks = timed(lambda i: click(len(ids) // 2 + i), min(args.repeat, 5))
        publish = timed(lambda i: s.publish_questionnaire(OP, code, author="ed@example.org"), 1)
        s.close()
    print(f"{args.actors} acteurs")
    for what, (med, top, cpu) in (("Store.submit (Envoyer)", sub), ("questionnaire.matches (file d'examen)", match),
                                  ("review_submission (accepter)", review),
                                  ("accepter + file relue (clic de l'éditeur)", clicks),
                                  ("publish_questionnaire (classeur écrit)", publish)):
        print(f"  {what:42s} médiane {med * 1000:8.1f} ms   max {top * 1000:8.1f} ms   CPU {cpu * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
