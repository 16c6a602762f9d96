"""A territory's archive (``export-territoire`` / ``import-territoire``): every version (file as stored, normalised
content, personal rows), the objectives, manual pairings and questionnaire answers kept with it, and a manifest
with every SHA-256. An import is checked whole before anything is written, then written in one transaction: all
of it, or nothing (a crash in the middle leaves the instance as it was)."""
from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .. import questionnaire as quest
from . import identity
from .access import Principal
from .common import as_utc, iso, parse_time, pause_for_tests, sha256, utcnow
from .database import head_revision
from .errors import StoreError
from .followup import PAIR_LINK, PAIR_REF_MAX, PAIR_UNLINK
from .schema import (VERSION_META, actor_pairings, campaign_keys, votes_table, email_refusals, objectives_table, personal_data,
                     questionnaire_settings, submission_contacts, submission_events, submissions, territories,
                     versions)
from .territories import check_contact
from .versions import version_info

EXPORT_FORMAT, EXPORT_VERSION = "nrdash-territoire", 2
OBJECTIVES_FILE, PAIRINGS_FILE, SUBMISSIONS_FILE = "objectifs.json", "appariements.json", "questionnaire/reponses.json"
KEPT_FILES = (OBJECTIVES_FILE, PAIRINGS_FILE, SUBMISSIONS_FILE)
_KEPT_WHAT = {OBJECTIVES_FILE: "objectifs", PAIRINGS_FILE: "appariements manuels",
              SUBMISSIONS_FILE: "réponses au questionnaire"}


def _export_kept(conn: Connection, territory_id: int) -> dict[str, list[dict[str, Any]]]:
    """The territory's objectives, manual pairings and questionnaire answers as JSON-ready rows, oldest first,
    without the instance's own ids. An answer keeps its status, decision, history and personal data (``contacts``
    None once erased or expired); not its client's hashed address (a rate limit's key, kept ten minutes' worth)."""
    objectives = [{"indicator": r.indicator, "family": r.family, "target": r.target, "deadline": iso(r.deadline),
                   "start_version": r.start_version, "start_date": iso(r.start_date), "start_value": r.start_value,
                   "note": r.note, "created_by": r.created_by, "created_at": iso(r.created_at)}
                  for r in conn.execute(sa.select(objectives_table)
                                        .where(objectives_table.c.territory_id == territory_id)
                                        .order_by(objectives_table.c.id))]
    pairings = [{"ref_a": r.ref_a, "ref_b": r.ref_b, "kind": r.kind, "created_by": r.created_by,
                 "created_at": iso(r.created_at)}
                for r in conn.execute(sa.select(actor_pairings).where(actor_pairings.c.territory_id == territory_id)
                                      .order_by(actor_pairings.c.id))]
    rows = conn.execute(sa.select(submissions).where(submissions.c.territory_id == territory_id)
                        .order_by(submissions.c.id)).all()
    ids = [r.id for r in rows]
    contacts: dict[int, dict[str, Any]] = {}
    history: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for chunk in (ids[k:k + 500] for k in range(0, len(ids), 500)):
        for c in conn.execute(sa.select(submission_contacts).where(submission_contacts.c.submission_id.in_(chunk))):
            contacts[c.submission_id] = {"referent": c.referent, "contact": c.contact}
        for e in conn.execute(sa.select(submission_events).where(submission_events.c.submission_id.in_(chunk))
                              .order_by(submission_events.c.id)):
            history[e.submission_id].append({"at": iso(e.at), "status": e.status, "author": e.author,
                                             "note": e.note})
    answers = [{"created_at": iso(r.created_at), "origin": r.origin, "status": r.status,
                "answer": json.loads(r.answer), "name_key": r.name_key, "match_ref": r.match_ref,
                "match_how": r.match_how, "decision": json.loads(r.decision) if r.decision else None,
                "reason": r.reason, "published_version": r.published_version, "contacts": contacts.get(r.id),
                "history": history[r.id]} for r in rows]
    return {OBJECTIVES_FILE: objectives, PAIRINGS_FILE: pairings, SUBMISSIONS_FILE: answers}


def _read_kept(zf: zipfile.ZipFile, manifest: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The three kept files of a format 2 archive, each checked against its SHA-256 in the manifest and parsed
    into the rows ``_import_kept`` writes (StoreError, French, naming the file, when one is missing or altered)."""
    listed = manifest.get("files") or {}
    out: dict[str, list[dict[str, Any]]] = {}
    for name in KEPT_FILES:
        try:
            blob = zf.read(name)
        except KeyError:
            raise StoreError(f"Archive incomplète : {name} ({_KEPT_WHAT[name]}) manque. Refaites l'export.") from None
        if sha256(blob) != listed.get(name):
            raise StoreError(f"Archive altérée : {name} ({_KEPT_WHAT[name]}) n'a pas le SHA-256 du manifeste. "
                             "Refaites l'export.")
        try:
            rows = json.loads(blob)
            out[name] = [_kept_row(name, r) for r in rows]
            if name == PAIRINGS_FILE and len({(r["ref_a"], r["ref_b"]) for r in out[name]}) < len(out[name]):
                raise ValueError("deux choix sur les mêmes acteurs")
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise StoreError(f"Archive illisible : {name} ({_KEPT_WHAT[name]}) n'a pas la forme attendue "
                             f"({type(exc).__name__} : {str(exc)[:80]}). Refaites l'export.") from None
    return out


def _text(value: Any, limit: int | None = None, *, optional: bool = False) -> str | None:
    """A text of a kept row: a string (None allowed when ``optional``) of at most ``limit`` characters."""
    if value is None and optional:
        return None
    if not isinstance(value, str) or (limit is not None and len(value) > limit) or "\x00" in value:
        raise ValueError(f"texte attendu{f' de {limit} caractères au plus' if limit else ''} : "
                         f"« {str(value)[:40]} »")
    return value


def _when(value: Any) -> dt.datetime:
    """A required date and time of a kept row."""
    if value is None or value == "":
        raise ValueError("date manquante")
    return parse_time(_text(value))


def _number(value: Any, *, optional: bool = True) -> int | None:
    if value is None and optional:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"numéro de version attendu : « {str(value)[:20]} »")
    return value


def _kept_row(name: str, r: dict[str, Any]) -> dict[str, Any]:
    """One row of a kept file, as the table's column values (ValueError/KeyError/TypeError when malformed)."""
    if name == OBJECTIVES_FILE:
        import math

        from ..compare import Objective

        row = dict(indicator=_text(r["indicator"], 40), family=_text(r["family"], 100, optional=True),
                   target=float(r["target"]), deadline=dt.date.fromisoformat(r["deadline"]),
                   start_version=_number(r["start_version"]), start_date=dt.date.fromisoformat(r["start_date"]),
                   start_value=float(r["start_value"]), note=_text(r["note"]), created_by=_text(r["created_by"], 254),
                   created_at=_when(r["created_at"]))
        if not math.isfinite(row["target"]) or not math.isfinite(row["start_value"]):
            raise ValueError("cible ou valeur de départ non numérique")
        Objective(row["indicator"], row["target"], row["deadline"], row["start_date"], row["start_value"],
                  row["family"], row["note"])  # what Store.objectives will build: an unknown indicator fails here
        return row
    if name == PAIRINGS_FILE:
        if r["kind"] not in (PAIR_LINK, PAIR_UNLINK):
            raise ValueError(f"sorte d'appariement « {str(r['kind'])[:20]} » inconnue")
        return dict(ref_a=_text(r["ref_a"], PAIR_REF_MAX), ref_b=_text(r["ref_b"], PAIR_REF_MAX), kind=r["kind"],
                    created_by=_text(r["created_by"], 254), created_at=_when(r["created_at"]))
    if r["status"] not in quest.STATUS_LABEL:
        raise ValueError(f"statut « {str(r['status'])[:20]} » inconnu")
    contacts = r["contacts"]
    if r["decision"] is not None:
        quest.Decision.from_json(json.dumps(r["decision"]))  # what the shared draft will read
    return dict(
        created_at=_when(r["created_at"]), origin=_text(r["origin"], 20), status=r["status"],
        answer=json.dumps(dict(r["answer"]), ensure_ascii=False), name_key=_text(r["name_key"], 300),
        match_ref=_text(r["match_ref"], 400, optional=True), match_how=_text(r["match_how"], 20, optional=True),
        decision=json.dumps(dict(r["decision"]), ensure_ascii=False) if r["decision"] is not None else None,
        reason=_text(r["reason"], optional=True), published_version=_number(r["published_version"]),
        contacts=None if contacts is None else {"referent": _text(contacts["referent"], optional=True),
                                                "contact": _text(contacts["contact"], optional=True)},
        history=[dict(at=_when(e["at"]), status=_text(e["status"], 20), author=_text(e["author"], 254),
                      note=_text(e["note"], optional=True)) for e in r["history"]])


def _check_fresh(conn: Connection, code: str, trow: Any, fmt: int) -> None:
    """An import goes into a territory with no version (and, for a format 2 archive, nothing kept with it)."""
    if trow is None:
        return
    count = sa.select(sa.func.count()).select_from(versions).where(versions.c.territory_id == trow.id)
    if conn.execute(count).scalar():
        raise StoreError(f"Le territoire {code} a déjà des versions dans cette instance : importez-le dans une "
                         "instance neuve.")
    if fmt >= 2:
        for table, what in ((objectives_table, "des objectifs"), (actor_pairings, "des appariements"),
                            (submissions, "des réponses au questionnaire")):
            if conn.execute(sa.select(sa.func.count()).select_from(table)
                            .where(table.c.territory_id == trow.id)).scalar():
                raise StoreError(f"Le territoire {code} a déjà {what} dans cette instance : importez-le dans une "
                                 "instance neuve.")


def _import_kept(conn: Connection, territory_id: int, questionnaire_open: bool | None,
                 kept: dict[str, list[dict[str, Any]]]) -> None:
    """Write the kept rows (and the questionnaire's open/closed setting: None leaves it at its default, open) for
    the territory."""
    conn.execute(questionnaire_settings.delete().where(questionnaire_settings.c.territory_id == territory_id))
    if questionnaire_open is not None:
        conn.execute(questionnaire_settings.insert().values(territory_id=territory_id, open=bool(questionnaire_open)))
    if kept[OBJECTIVES_FILE]:
        conn.execute(objectives_table.insert(), [{"territory_id": territory_id, **r} for r in kept[OBJECTIVES_FILE]])
    if kept[PAIRINGS_FILE]:
        conn.execute(actor_pairings.insert(), [{"territory_id": territory_id, **r} for r in kept[PAIRINGS_FILE]])
    for r in kept[SUBMISSIONS_FILE]:
        r = dict(r)
        contacts, history = r.pop("contacts"), r.pop("history")
        sid = conn.execute(submissions.insert().values(territory_id=territory_id, client_key="", **r)
                           .returning(submissions.c.id)).scalar_one()
        if contacts is not None:
            conn.execute(submission_contacts.insert().values(submission_id=sid, **contacts))
        if history:
            conn.execute(submission_events.insert(), [{"submission_id": sid, **e} for e in history])




def _settings(t: dict[str, Any]) -> dict[str, Any]:
    """The territory's settings as its archive gives them: whether anyone reads it without an account (kept as it
    was exported: an archive of an open territory opens it here too), its retention period and contact address
    (none in an archive written before it existed)."""
    try:
        contact = check_contact(t.get("contact_email"))
    except StoreError as exc:
        raise StoreError(f"Archive illisible : l'adresse de contact du territoire est refusée ({exc})") from None
    return {"anonymous_read": bool(t["anonymous_read"]), "retention_months": int(t["retention_months"]),
            "contact_email": contact}


REFUSALS_FILE = "campagnes/refus-de-courriels.json"  # the refusals of e-mails: the key and the keyed hashes


def _export_refusals(conn: Connection, territory_id: int) -> dict[str, Any] | None:
    key = conn.execute(sa.select(campaign_keys.c.refusal_key)
                       .where(campaign_keys.c.territory_id == territory_id)).scalar()
    if key is None:
        return None
    return {"key": key, "refusals": [{"hash": r.address_hash, "refused_at": iso(r.refused_at)} for r in conn.execute(
        sa.select(email_refusals).where(email_refusals.c.territory_id == territory_id).order_by(email_refusals.c.id))]}


def _read_refusals(zf: zipfile.ZipFile, manifest: dict[str, Any]) -> dict[str, Any] | None:
    """The archive's refusals of e-mails (None for an archive without them), checked against the manifest."""
    listed = manifest.get("files") or {}
    if REFUSALS_FILE not in listed:
        return None
    try:
        blob = zf.read(REFUSALS_FILE)
    except KeyError:
        raise StoreError(f"Archive incomplète : {REFUSALS_FILE} (refus de courriels) manque. Refaites l'export.") \
            from None
    if sha256(blob) != listed[REFUSALS_FILE]:
        raise StoreError(f"Archive altérée : {REFUSALS_FILE} (refus de courriels) n'a pas le SHA-256 du manifeste. "
                         "Refaites l'export.")
    try:
        d = json.loads(blob)
        key = _text(d["key"], 64)
        bytes.fromhex(key)
        rows = [{"address_hash": _text(r["hash"], 64), "refused_at": _when(r["refused_at"])} for r in d["refusals"]]
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise StoreError(f"Archive illisible : {REFUSALS_FILE} n'a pas la forme attendue ({str(exc)[:80]}). "
                         "Refaites l'export.") from None
    return {"key": key, "refusals": rows}


def _import_refusals(conn: Connection, territory_id: int, refusals: dict[str, Any]) -> None:
    conn.execute(campaign_keys.delete().where(campaign_keys.c.territory_id == territory_id))
    conn.execute(campaign_keys.insert().values(territory_id=territory_id, refusal_key=refusals["key"]))
    if refusals["refusals"]:
        conn.execute(email_refusals.insert(), [{"territory_id": territory_id, **r} for r in refusals["refusals"]])


VOTES_FILE = "ateliers/votes.json"  # the territory's closed votes: question, choices, participants, counts


def _export_votes(conn: Connection, territory_id: int) -> list[dict[str, Any]]:
    """The territory's closed votes, oldest first: what is kept of them (no ballot exists once a vote is closed).
    An open vote is not in the archive: its ballots are per browser, for the room of the moment."""
    return [{"code": r.code, "kind": r.kind, "purpose": r.purpose, "question": r.question,
             "choices": json.loads(r.choices), "max_choices": r.max_choices, "opened_at": iso(r.opened_at),
             "opened_by": r.opened_by, "closed_at": iso(r.closed_at), "participants": r.participants,
             "counts": json.loads(r.counts or "{}")}
            for r in conn.execute(sa.select(votes_table).where(votes_table.c.territory_id == territory_id,
                                                               votes_table.c.closed_at.is_not(None))
                                  .order_by(votes_table.c.id))]


def _vote_row(r: dict[str, Any]) -> dict[str, Any]:
    """One closed vote of an archive as the table's column values (ValueError/KeyError/TypeError when malformed)."""
    from .. import vote as vt

    if r["kind"] not in (vt.MATRIX, vt.PLAN, vt.EXAMPLES) or r["purpose"] not in (vt.KEY_ACTIONS, vt.QUICK_WINS):
        raise ValueError(f"sorte de vote « {str(r['kind'])[:20]} » ou « {str(r['purpose'])[:20]} » inconnue")
    choices = [vt.Choice.from_dict(c) for c in r["choices"]]
    keys = {c.key for c in choices}
    if not choices or len(keys) != len(choices) or len(choices) > vt.MAX_OFFERED:
        raise ValueError("choix absents, en double ou trop nombreux")
    counts = {str(k): int(n) for k, n in dict(r["counts"]).items()}
    participants, most = int(r["participants"]), int(r["max_choices"])
    if not set(counts) <= keys or min(counts.values(), default=0) < 0 or participants < 0 or \
            not vt.MIN_CHOICES <= most <= vt.MAX_CHOICES:
        raise ValueError("décompte, participants ou nombre de choix hors des bornes")
    code = vt.normalise_code(r["code"])
    return dict(code=code or None, kind=r["kind"], purpose=r["purpose"], question=_text(r["question"], vt.QUESTION_MAX),
                choices=json.dumps([c.as_dict() for c in choices], ensure_ascii=False), max_choices=most,
                opened_at=_when(r["opened_at"]), opened_by=_text(r["opened_by"], 254), closed_at=_when(r["closed_at"]),
                revision=0, participants=participants, counts=json.dumps(counts))


def _read_votes(zf: zipfile.ZipFile, manifest: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The archive's closed votes (None for an archive made before votes were kept), checked against the manifest."""
    listed = manifest.get("files") or {}
    if VOTES_FILE not in listed:
        return None
    try:
        blob = zf.read(VOTES_FILE)
    except KeyError:
        raise StoreError(f"Archive incomplète : {VOTES_FILE} (votes en atelier) manque. Refaites l'export.") from None
    if sha256(blob) != listed[VOTES_FILE]:
        raise StoreError(f"Archive altérée : {VOTES_FILE} (votes en atelier) n'a pas le SHA-256 du manifeste. "
                         "Refaites l'export.")
    try:
        return [_vote_row(r) for r in json.loads(blob)]
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise StoreError(f"Archive illisible : {VOTES_FILE} n'a pas la forme attendue ({str(exc)[:80]}). "
                         "Refaites l'export.") from None


def _import_votes(conn: Connection, territory_id: int, votes: list[dict[str, Any]]) -> None:
    """Write the closed votes; a code already used in this instance (codes are unique for ever) gets a new one."""
    from .. import vote as vt

    for v in votes:
        code = v["code"]
        while code is None or conn.execute(sa.select(votes_table.c.id).where(votes_table.c.code == code)).first():
            code = vt.new_code()
        conn.execute(votes_table.insert().values(territory_id=territory_id, **{**v, "code": code}))


def _archived_ids(zf: zipfile.ZipFile, d: dict[str, Any], actors: bytes) -> dict[int, str] | None:
    """{row: actor identifier} of a version of the archive (None for an archive made before identifiers: they are
    computed at import as at the upgrade), checked: its SHA-256, one valid identifier per row, none twice."""
    if not d.get("actor_ids"):
        return None
    try:
        blob = zf.read(d["actor_ids"])
    except KeyError:
        raise StoreError(f"Archive incomplète : {d['actor_ids']} manque (version {d.get('number')}).") from None
    if sha256(blob) != d.get("actor_ids_sha256"):
        raise StoreError(f"Archive altérée : les identifiants d'acteurs de la version {d['number']} n'ont pas le "
                         "SHA-256 du manifeste. Refaites l'export.")
    from ..parquet import frame_from_parquet

    try:
        ids = {int(e["row"]): e["actor_id"] for e in json.loads(blob)}
        rows = [int(r) for r in frame_from_parquet(actors)["row"].tolist()]
        if set(ids) != set(rows) or len(set(ids.values())) != len(ids) or \
                not all(identity.is_actor_id(v) for v in ids.values()):
            raise ValueError("un identifiant par ligne, valide, jamais deux fois")
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise StoreError(f"Archive illisible : {d['actor_ids']} n'a pas la forme attendue ({str(exc)[:80]}). "
                         "Refaites l'export.") from None
    return ids


def _open_data_values(t: dict[str, Any]) -> dict[str, Any]:
    """The territory's open data settings from an archive (an archive made before them: the defaults)."""
    from ..opendata import LICENCES

    values: dict[str, Any] = {}
    if t.get("open_licence") in LICENCES:
        values["open_licence"] = t["open_licence"]
    if isinstance(t.get("open_citizens"), bool):
        values["open_citizens"] = t["open_citizens"]
    return values


class Archive:
    def export_territory(self, who: Principal, territory: str) -> bytes:
        """A zip: every version's file (as stored), its normalised content and personal rows; the territory's
        objectives, manual actor pairings and questionnaire answers (their statuses, history and personal data);
        its closed votes (question, choices, participants, counts: an open vote stays here, its ballots are the room's
        of the moment); and manifest.json (settings, SHA-256s, notes, authors, dates, issues): everything of the territory, for its
        administrators (ADMIN_TERRITORY). Drafts are not in it (unpublished work; the questionnaire's shared draft
        comes back as the pending decisions of its answers)."""
        buf = io.BytesIO()
        with self._unit(who, "export_territory", territory) as u, \
                zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            conn, trow = u.conn, u.row()
            is_open = conn.execute(sa.select(questionnaire_settings.c.open).where(
                questionnaire_settings.c.territory_id == trow.id)).scalar()
            manifest: dict[str, Any] = {
                "format": EXPORT_FORMAT, "format_version": EXPORT_VERSION, "exported_at": utcnow().isoformat(),
                "schema_revision": head_revision(),
                "territory": {"code": trow.code, "name": trow.name, "anonymous_read": trow.anonymous_read,
                              "retention_months": trow.retention_months, "contact_email": trow.contact_email,
                              "open_licence": trow.open_licence, "open_citizens": bool(trow.open_citizens),
                              "created_at": as_utc(trow.created_at).isoformat(),
                              "questionnaire_open": None if is_open is None else bool(is_open)},
                "versions": [], "files": {}}
            for v in conn.execute(sa.select(versions).where(versions.c.territory_id == trow.id)
                                  .order_by(versions.c.number)):
                d = version_info(v).as_dict()
                folder = f"versions/{v.number:04d}"
                safe = re.sub(r"[^\w.\- ]", "_", v.file_name) or "recensement"
                personal = [dict(r._mapping) for r in conn.execute(
                    sa.select(personal_data.c.row, personal_data.c.referent, personal_data.c.contact)
                    .where(personal_data.c.version_id == v.id).order_by(personal_data.c.row))]
                personal_json = json.dumps(personal, ensure_ascii=False).encode()
                ids_json = json.dumps([{"row": r, "actor_id": a}
                                       for r, a in sorted(identity.stored(conn, v.id).items())]).encode()
                d.update(file=f"{folder}/fichier/{safe}", actors=f"{folder}/acteurs.parquet",
                         actions=f"{folder}/actions.parquet", personal=f"{folder}/donnees-personnelles.json",
                         actor_ids=f"{folder}/identifiants.json", actor_ids_sha256=sha256(ids_json),
                         sheet=v.sheet, census_territory=json.loads(v.census_territory),
                         territory_info=json.loads(v.territory_info) if v.territory_info else None,
                         territory_problem=v.territory_problem, issues=json.loads(v.issues),
                         actors_sha256=sha256(v.actors_parquet), actions_sha256=sha256(v.actions_parquet),
                         personal_sha256=sha256(personal_json))
                zf.writestr(d["file"], bytes(v.file_bytes))
                zf.writestr(d["actors"], bytes(v.actors_parquet))
                zf.writestr(d["actions"], bytes(v.actions_parquet))
                zf.writestr(d["personal"], personal_json)
                zf.writestr(d["actor_ids"], ids_json)
                manifest["versions"].append(d)
            for name, rows in _export_kept(conn, trow.id).items():
                blob = json.dumps(rows, ensure_ascii=False, indent=1).encode()
                zf.writestr(name, blob)
                manifest["files"][name] = sha256(blob)
            refusals = _export_refusals(conn, trow.id)
            if refusals is not None:  # honoured in the instance it goes to (campaigns themselves stay here)
                blob = json.dumps(refusals, indent=1).encode()
                zf.writestr(REFUSALS_FILE, blob)
                manifest["files"][REFUSALS_FILE] = sha256(blob)
            closed_votes = _export_votes(conn, trow.id)
            if closed_votes:
                blob = json.dumps(closed_votes, ensure_ascii=False, indent=1).encode()
                zf.writestr(VOTES_FILE, blob)
                manifest["files"][VOTES_FILE] = sha256(blob)
            zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
        return buf.getvalue()

    def import_territory(self, who: Principal, data: bytes) -> tuple[str, int]:
        """Import an export into this instance, where the territory must have no version. Same numbers, same
        bytes (every SHA-256 checked before anything is written), with the objectives, pairings, questionnaire
        answers and settings of a format 2 archive (format 1 archives carry versions only), all written in one
        transaction: the whole archive or nothing. Returns (territory code, versions imported)."""
        with self._unit(who, "import_territory"):
            pass  # refused before the archive is read
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
            manifest = json.loads(zf.read("manifest.json"))
        except (zipfile.BadZipFile, KeyError, ValueError):
            raise StoreError("Archive d'export illisible : un fichier .zip produit par « export-territoire » "
                             "(avec son manifest.json) est attendu.") from None
        if not isinstance(manifest, dict) or manifest.get("format") != EXPORT_FORMAT:
            raise StoreError("Cette archive n'est pas un export de territoire nrdash (manifest.json).")
        fmt = manifest.get("format_version")
        if fmt not in (1, EXPORT_VERSION):
            raise StoreError(f"Archive au format {str(fmt)[:20]} : cette version de nrdash lit les formats 1 à "
                             f"{EXPORT_VERSION}. Mettez nrdash à jour, ou refaites l'export depuis la même version.")
        t = manifest["territory"]
        code = t["code"]
        settings = {**_settings(t), **_open_data_values(t)}
        prepared = []
        for d in manifest["versions"]:
            try:
                blob, actors, actions = zf.read(d["file"]), zf.read(d["actors"]), zf.read(d["actions"])
                personal_json = zf.read(d["personal"])
            except KeyError as exc:
                raise StoreError(f"Archive incomplète : {exc.args[0]} manque (version {d.get('number')}).") from None
            checks = [("fichier", sha256(blob), d["file_sha256"]), ("contenu", sha256(actors), d["actors_sha256"]),
                      ("actions", sha256(actions), d["actions_sha256"])]
            if fmt >= 2:
                checks.append(("fichier des données personnelles", sha256(personal_json), d.get("personal_sha256")))
            for what, got, want in checks:
                if got != want:
                    raise StoreError(f"Archive altérée : le {what} de la version {d['number']} n'a pas le SHA-256 "
                                     "du manifeste. Refaites l'export.")
            try:
                personal = json.loads(personal_json)
            except ValueError:
                raise StoreError(f"Archive illisible : {d['personal']} n'est pas du JSON (version "
                                 f"{d['number']}).") from None
            values = {k: d[k] for k in VERSION_META if k not in ("number", "created_at", "redacted_at")}
            values.update(redacted_at=parse_time(d["redacted_at"]), file_bytes=blob, sheet=d["sheet"],
                          actors_parquet=actors, actions_parquet=actions,
                          census_territory=json.dumps(d["census_territory"], ensure_ascii=False),
                          territory_info=json.dumps(d["territory_info"], ensure_ascii=False)
                          if d["territory_info"] else None,
                          territory_problem=d["territory_problem"],
                          issues=json.dumps(d["issues"], ensure_ascii=False))
            prepared.append((int(d["number"]), parse_time(d["created_at"]), values, personal,
                             _archived_ids(zf, d, actors)))
        kept = _read_kept(zf, manifest) if fmt >= 2 else None
        refusals = _read_refusals(zf, manifest)
        votes = _read_votes(zf, manifest)
        with self._unit(who, "import_territory", code, write=True) as u:
            _check_fresh(u.conn, code, u.territory, fmt)
            try:
                if u.territory is None:
                    u.conn.execute(territories.insert().values(
                        code=code, name=t["name"], created_at=parse_time(t["created_at"]), **settings))
                else:  # made here without a version (an account's role): the archive's settings are the territory's
                    u.conn.execute(territories.update().where(territories.c.id == u.territory.id).values(**settings))
                u.territory = u.conn.execute(sa.select(territories).where(territories.c.code == code)).one()
                for number, created_at, values, personal, ids in prepared:
                    self._insert_version(u, values, personal, number=number, created_at=created_at,
                                         pause=False, given_ids=ids, continues=None if ids is not None else (
                                             lambda unit, number=number, values=values: identity.implied_sources(
                                                 unit.conn, unit.row().id, number, values["restored_from"],
                                                 values["base_version"], values["file_name"], values["n_actors"],
                                                 lambda vid, n: self._open(unit, n).census.actors)))
                if kept is not None:
                    # Accepted answers not yet published come back with their decisions: they are the shared
                    # draft, and must still apply to the latest version.
                    _import_kept(u.conn, u.territory.id, t.get("questionnaire_open"), kept)
                    self._check_questionnaire_draft(u, utcnow())
                if refusals is not None:
                    _import_refusals(u.conn, u.territory.id, refusals)
                if votes:
                    _import_votes(u.conn, u.territory.id, votes)
                pause_for_tests()
            except (StoreError, sa.exc.SQLAlchemyError) as exc:
                why = str(exc) if isinstance(exc, StoreError) else \
                    f"la base a refusé une ligne de l'archive ({str(getattr(exc, 'orig', exc))[:200]})."
                raise StoreError(f"Import du territoire {code} annulé, rien n'a été gardé : {why}") from None
        return code, len(prepared)
