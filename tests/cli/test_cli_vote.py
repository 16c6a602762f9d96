"""Vote commands of ``python -m nrdash`` (issue 28), on both backends: open (the code printed, or in the JSON), a
vote already open or --choix outside 1–10 refused in French with exit 2, close, results as JSON."""
from __future__ import annotations

import json

from nrdash.store import Principal, Store
from tests.principals import OP
from tests.cli.test_cli_store import cli  # noqa: F401  (the fixture)

T = "exemple"


def test_open_results_close(cli, db_url):  # noqa: F811
    for wrong in ("11", "0", "trois"):
        code, out, err = cli("vote", "open", "--territoire", T, "--choix", wrong)
        assert (code, out) == (2, "") and "Nombre de choix par personne invalide" in err and "Traceback" not in err
    code, out, err = cli("vote", "open", "--territoire", T, "--choix", "2")
    vote = out.strip()
    assert code == 0 and len(vote) == 6 and f"/vote?code={vote}" in err
    code, out, err = cli("vote", "open", "--territoire", T, "--json")
    assert code == 2 and out == "" and f"Un vote est déjà ouvert sur ce territoire (code {vote})" in err
    s = Store(db_url)
    for i, picks in enumerate([["m13", "m00"], ["m13"]]):
        s.cast_vote(Principal.vote(vote, f"tel-{i}", "203.0.113.5"), T, picks)
    code, out, _ = cli("vote", "results", vote.lower(), "--json")
    result = json.loads(out)
    assert code == 0 and result["participants"] == 2 and result["question"].startswith("Quelles cases")
    assert result["counts"]["Sensibiliser × Citoyens"] == 2 and result["counts"]["Connaître × Institutions publiques"] == 1
    assert len(result["counts"]) == 16 and result["choix_par_personne"] == 2 and result["clos_le"] is None
    code, out, _ = cli("vote", "close", vote)
    assert code == 0 and "2 participants. En tête : Sensibiliser × Citoyens (2 voix)" in out
    code, out, _ = cli("vote", "results", vote, "--json")
    assert json.loads(out)["clos_le"] and json.loads(out)["counts"]["Sensibiliser × Citoyens"] == 2
    code, out, err = cli("vote", "close", vote)
    assert code == 2 and "Aucun vote ouvert sur ce territoire" in err
    code, out, _ = cli("vote", "open", "--territoire", T, "--sur", "exemples", "--but", "gains", "--json")
    opened = json.loads(out)
    assert code == 0 and len(opened["code"]) == 6 and opened["but"] == "gains" and len(opened["counts"]) == 11
    assert s.latest_vote(OP, T).code == opened["code"]
    code, out, err = cli("vote", "results", "<b>X</b>")
    assert code == 2 and "Aucun vote avec le code" in err
    s.close()
