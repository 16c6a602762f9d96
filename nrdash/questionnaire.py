"""The questionnaire: what an actor answers, how an answer is checked, which census actors it may be, and how the
editors' decisions turn accepted answers into census rows. Pure logic, no Streamlit, no database.

An answer is checked field by field (every message French, naming the field as the form labels it); its referent
and contact are personal data, kept apart by the store. Matching an answer with the census's actors reuses
nrdash.compare's keys (SIRET first, then the name key and the commune), then similar names (:func:`name_score`: the
words that say which structure it is, weighed by how rare they are in the census, and the commune).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import math
import os
import time
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from . import referential as ref
from .compare import _cached, actor_ref, name_key, name_keys
from .fields import SIRET_EXAMPLE, siret_ok
from .geography import name_key as commune_key
from .text import thousands

NEEDS: tuple[str, ...] = ("Financement", "Collaboration", "Formation", "Mise en relation", "Autre")
NEW, ACCEPTED, MERGED, REJECTED = "new", "accepted", "merged", "rejected"
STATUS_LABEL: dict[str, str] = {NEW: "Nouvelle", ACCEPTED: "Acceptée (nouvel acteur)",
                                MERGED: "Fusionnée avec un acteur", REJECTED: "Refusée"}
LEVEL_HINTS: dict[int, str] = {
    0: "Le Numérique responsable n'est pas encore un sujet pour votre structure.",
    1: "Vous connaissez les enjeux du Numérique responsable, sans action engagée à ce jour.",
    2: "Vous menez au moins une action de Numérique responsable.",
    3: "Le Numérique responsable fait partie de votre stratégie et vous entraînez d'autres acteurs.",
}
MIN_FILL_SECONDS = 3.0  # default: a person needs longer than this to fill the form; a robot posts at once
MAX_FILL_SECONDS = 4.0  # the rule never asks more of a person, whatever the setting says
FILL_SECONDS_ENV = "NRDASH_QUESTIONNAIRE_DELAI"  # seconds (0 to 4; 0: no time rule, honeypot and burst limit stay)
clock = time.monotonic  # the form's clock: injectable (tests replace it), never read elsewhere
OTHER_COMMUNE = "__autre__"

# Every text field of the form: (label as the form shows it, length limit in characters).
TEXT_FIELDS: dict[str, tuple[str, int]] = {
    "name": ("Nom de la structure", 300),
    "siret": ("SIRET", 40),
    "commune_text": ("Autre commune", 200),
    "actions_text": ("Vos actions de Numérique responsable", 4000),
    "needs_text": ("Précisez vos besoins", 4000),
    "referent": ("Nom du référent", 200),
    "contact": ("Contact (adresse électronique ou téléphone)", 254),
}


@dataclass(frozen=True)
class Answer:
    """One checked answer. ``referent`` and ``contact`` are personal data: the store keeps them apart."""

    name: str
    actor_type: str
    siret: str | None = None
    commune: str | None = None  # the official name when chosen among the territory's communes, else as typed
    insee: str | None = None
    is_local: bool | None = None
    action_types: tuple[str, ...] = ()
    actions_text: str = ""
    level: int | None = None  # always given by the form (validate); None only in answers read from paper
    needs: tuple[str, ...] = ()
    needs_text: str = ""
    referent: str = ""
    contact: str = ""
    dimensions: tuple[str, ...] = ()  # the kit's NR dimensions: asked through a personal link (its record has them)

    @property
    def family(self) -> str | None:
        return ref.FAMILY_OF_TYPE.get(self.actor_type)

    def public(self) -> dict[str, Any]:
        """The answer without its personal data (stored as JSON, shown to editors, listed by the command)."""
        d = dataclasses.asdict(self)
        d.pop("referent"), d.pop("contact")
        d["action_types"], d["needs"] = list(self.action_types), list(self.needs)
        d["dimensions"] = list(self.dimensions)
        if not d["dimensions"]:  # the stored answers of the public form stay as they were
            del d["dimensions"]
        return d

    @classmethod
    def from_public(cls, d: Mapping[str, Any], referent: str | None = None, contact: str | None = None) -> "Answer":
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in d.items() if k in fields}
        values["action_types"] = tuple(values.get("action_types") or ())
        values["needs"] = tuple(values.get("needs") or ())
        values["dimensions"] = tuple(values.get("dimensions") or ())
        return cls(**values, referent=referent or "", contact=contact or "")


@dataclass(frozen=True)
class Problem:
    field: str  # the form's key (for the anchor beside the field)
    label: str
    message: str


def _text(raw: Mapping[str, Any], key: str) -> str:
    value = raw.get(key)
    return "" if value is None else str(value)


def validate(raw: Mapping[str, Any], communes: Mapping[str, str], *,
             personal_link: bool = False) -> tuple[Answer | None, list[Problem]]:
    """The answer, or the list of what is wrong, in the form's order. ``communes``: INSEE code -> name of the
    territory's communes (the choices of « Commune »). Text is kept as typed (markup included: it is escaped where
    shown); only surrounding blanks are removed. ``personal_link``: an update through a campaign's personal link,
    whose record already names its actor: the referent and contact are then optional (the consent is asked only
    when one is given)."""
    problems: list[Problem] = []

    def add(key: str, message: str, label: str | None = None) -> None:
        problems.append(Problem(key, label or TEXT_FIELDS.get(key, (key,))[0], message))

    texts = {}
    for key, (label, limit) in TEXT_FIELDS.items():
        value = _text(raw, key).strip()
        if len(value) > limit:
            add(key, f"« {label} » fait {thousands(len(value))} caractères : {thousands(limit)} au plus. "
                     "Raccourcissez ce texte.")
            value = ""
        elif "\x00" in value:
            add(key, f"« {label} » contient un caractère nul : retirez-le.")
            value = ""
        texts[key] = value
    if not texts["name"] and not any(p.field == "name" for p in problems):
        add("name", "Indiquez le nom de votre structure.")
    siret = None
    if texts["siret"]:
        digits = "".join(ch for ch in texts["siret"] if not ch.isspace() and ch != ".")
        if len(digits) != 14 or not digits.isdigit() or not digits.isascii():
            add("siret", f"Le SIRET doit compter 14 chiffres (par exemple {SIRET_EXAMPLE}) ; laissez le champ vide "
                         "si vous ne le connaissez pas.")
        elif not siret_ok(digits):
            add("siret", "Ce SIRET n'est pas valide : sa clé de contrôle ne correspond pas (un chiffre faux ou "
                         "inversé ?). Vérifiez-le sur annuaire-entreprises.data.gouv.fr ou laissez le champ vide.")
        else:
            siret = digits
    actor_type = raw.get("actor_type")
    if actor_type not in ref.TYPES:
        add("actor_type", "Choisissez le type d'acteur qui décrit le mieux votre structure.", "Type d'acteur")
    commune, insee = None, None
    chosen = raw.get("commune")
    if chosen == OTHER_COMMUNE or (not chosen and texts["commune_text"]):
        commune = texts["commune_text"] or None
        if commune is None and not any(p.field == "commune_text" for p in problems):
            add("commune_text", "Écrivez le nom de votre commune, ou choisissez-la dans la liste « Commune ».")
    elif chosen:
        if chosen not in communes:
            add("commune", "Cette commune n'est pas dans la liste : choisissez-la de nouveau.", "Commune")
        else:
            commune, insee = communes[chosen], str(chosen)
    local = raw.get("is_local")
    is_local = {"oui": True, "non": False}.get(local) if isinstance(local, str) else None
    action_types = tuple(a for a in ref.ACTION_TYPES if a in set(raw.get("action_types") or ()))
    level = raw.get("level")
    if level not in ref.LEVELS:  # the census needs it: the four levels are explained beside the choice
        add("level", "Choisissez le niveau d'engagement qui décrit le mieux votre structure (0 à 3).",
            "Niveau d'engagement")
        level = None
    needs = tuple(n for n in NEEDS if n in set(raw.get("needs") or ()))
    if "Autre" in needs and not texts["needs_text"] and not any(p.field == "needs_text" for p in problems):
        add("needs_text", "Vous avez coché « Autre » : précisez ce besoin.")
    if not texts["referent"] and not personal_link and not any(p.field == "referent" for p in problems):
        add("referent", "Indiquez le nom de la personne à contacter.")
    if not texts["contact"] and not personal_link and not any(p.field == "contact" for p in problems):
        add("contact", "Indiquez une adresse électronique ou un numéro de téléphone.")
    dimensions = tuple(d for d in ref.NR_DIMENSIONS if d in set(raw.get("dimensions") or ()))
    personal = texts["referent"] or texts["contact"]
    if not raw.get("consent") and (personal or not personal_link):
        add("consent", "Cochez « J'accepte … » pour que votre réponse puisse être enregistrée.",
            "Consentement")
    if problems:
        return None, problems
    return Answer(name=texts["name"], actor_type=actor_type, siret=siret, commune=commune, insee=insee,
                  is_local=is_local, action_types=action_types, actions_text=texts["actions_text"],
                  level=level, needs=needs, needs_text=texts["needs_text"], referent=texts["referent"],
                  contact=texts["contact"], dimensions=dimensions), []


def min_fill_seconds(environ: Mapping[str, str] = os.environ) -> float:
    """How long the form must have been open before « Envoyer » is taken (NRDASH_QUESTIONNAIRE_DELAI, bounded to
    0-4 s; an unreadable value keeps the default)."""
    raw = str(environ.get(FILL_SECONDS_ENV, "")).strip().replace(",", ".")
    try:
        value = float(raw) if raw else MIN_FILL_SECONDS
    except ValueError:
        return MIN_FILL_SECONDS
    return min(max(value, 0.0), MAX_FILL_SECONDS) if value == value else MIN_FILL_SECONDS


def trapped(raw: Mapping[str, Any]) -> bool:
    """The hidden field (invisible to people, read aloud to nobody) was filled: a robot."""
    return bool(_text(raw, "website").strip())


def too_fast(elapsed_seconds: float | None, minimum: float, *, personal_link: bool = False) -> bool:
    """Sent sooner after the form opened than a person can fill it. Every click is judged alike (an immediate
    second click is no more a person's than the first); an answer sent through a personal campaign link, whose
    holder was written to, is never judged by time."""
    if personal_link or minimum <= 0:
        return False
    return elapsed_seconds is None or elapsed_seconds < minimum


def robot(raw: Mapping[str, Any], elapsed_seconds: float | None, minimum: float = MIN_FILL_SECONDS, *,
          personal_link: bool = False) -> bool:
    """A robot: it filled the hidden field, or sent the form faster than a person can read it."""
    return trapped(raw) or too_fast(elapsed_seconds, minimum, personal_link=personal_link)


def type_label(actor_type: str) -> str:
    """An actor type as the questionnaire offers it: the kit's words, « NR » said in full."""
    return ref.nr_in_full(actor_type)


def consent_text(territory_name: str, retention_months: int, contact_email: str | None = None) -> str:
    """The consent sentence: purpose, who reads, how long, how to have it erased: by writing to the territory's
    contact address, or, while its administrators have not set one, to the collectivité named."""
    years = retention_months // 12 if retention_months % 12 == 0 else None
    how_long = (f"{years} an{'s' if years > 1 else ''}" if years else f"{retention_months} mois")
    write_to = (f"écrivez à {contact_email} : l'équipe les efface de toutes les versions du recensement"
                if contact_email else f"écrivez à la collectivité qui tient ce recensement, {territory_name} : "
                "elle les efface de toutes ses versions")
    return (f"J'accepte que ces informations soient enregistrées pour le recensement des acteurs du Numérique "
            f"responsable de {territory_name} : seule l'équipe qui tient ce recensement lit le nom du référent et "
            f"le contact ; ils sont conservés {how_long} après le dernier échange, puis effacés. Pour les faire "
            f"effacer plus tôt, {write_to}.")


# ---------------------------------------------------------------------------------------------
# Matching with the census
# ---------------------------------------------------------------------------------------------
SIRET, NAME, SIMILAR = "siret", "nom+commune", "nom proche"
HOW_LABEL = {SIRET: "même SIRET", NAME: "même nom et même commune", SIMILAR: "nom proche"}


@dataclass(frozen=True)
class Match:
    position: int  # into the census's actors
    ref: str  # compare.actor_ref: the actor's reference, stable from one version to the next
    how: str
    score: int  # 100 for an exact match
    name: str
    commune: str | None


def _same_place(answer: Answer, insee: Any, commune: Any) -> bool:
    if answer.insee and isinstance(insee, str) and insee:
        return answer.insee == insee
    return bool(answer.commune) and isinstance(commune, str) and commune_key(answer.commune) == commune_key(commune)


# Similar names. Two names are compared on the words that say which structure it is: compare.name_key's words
# (case, accents, punctuation, initials, legal forms at either end), short forms and synonyms read as one word
# (referential.NAME_SYNONYMS: « St » → « saint », « Mairie »/« Ville » → « commune »…), the articles and
# prepositions left out (referential.NAME_STOP_WORDS), and the communes written in a name (« … de Nieul-sur-Mer »)
# taken out as places. Each word weighs by how rare it is in the census (inverse document frequency: a word every
# name shares weighs nothing, « association » or « commune » little, « Recyclerie » much); words match when equal,
# when one is a typo of the other (RapidFuzz ratio >= TOKEN_CUTOFF), when one is two of the other's run together
# (« Startup », « Start-up »), or when one is the initials of several (« CCAS », « Centre communal d'action
# sociale »). The name score is the matched weight over all the weight of both names (0-100). The commune then
# counts: the same commune adds SAME_COMMUNE, two different communes take DIFFERENT_COMMUNE off, and a commune
# written in one name that is not the other's place takes OTHER_PLACE_NAMED off (« Atelier du réemploi
# Puilboreau » is not the one of La Rochelle). Nothing under SIMILAR_CUTOFF is proposed. These numbers were
# measured on a labelled set of pairs (tests/fixtures/rapprochement-paires.csv, docs/rapprochement.md).
SIMILAR_CUTOFF = 70  # score (0-100) from which a census actor is proposed as maybe the same structure
TOKEN_CUTOFF = 80  # RapidFuzz ratio from which two words of four letters or more are one word misspelt
SAME_COMMUNE, DIFFERENT_COMMUNE, OTHER_PLACE_NAMED = 10, 15, 30
CONFLICT = 50  # points taken off when each name has words the other lacks, times the smaller share left unmatched
PLACE_WORD = " "  # the vocabulary counts a commune written in names as the word " <commune key>" (no word has a space)
COMMUNE_WORD = "commune"  # what referential.NAME_SYNONYMS makes of « Mairie », « Ville »…
MIN_DOCUMENTS = 50  # a census smaller than this counts its words as if it had this many names (a few names say
# little of which words are common)


@dataclass(frozen=True)
class NameWords:
    """A name as the similarity reads it."""

    words: tuple[str, ...]  # the words that say which structure it is, in order
    places: frozenset[str]  # the communes written in the name (geography.name_key)
    commune: str  # the commune's key ("" when unknown)
    insee: str  # "" when unknown


def _place_phrases(communes: Iterable[Any]) -> dict[tuple[str, ...], str]:
    """Each commune's words (as a name's words read after NAME_SYNONYMS) -> the commune's key."""
    out: dict[tuple[str, ...], str] = {}
    for c in communes:
        if isinstance(c, str) and c.strip():
            key = commune_key(c)
            if key:
                out[tuple(key.split())] = key
    return out


def _phrase_words(key: str) -> list[str]:
    if " " in key:
        text = f" {key} "
        for phrase, one in ref.NAME_PHRASES.items():
            text = text.replace(f" {phrase} ", f" {one} ")
        key = text.strip()
    return [ref.NAME_SYNONYMS.get(w, w) for w in key.split()]


def name_words(name: Any, commune: Any = None, insee: Any = None,
               places: Mapping[tuple[str, ...], str] | None = None, key: str | None = None) -> NameWords:
    """The words of ``name`` that say which structure it is, and the communes it names (``places``: from
    :func:`_place_phrases`, the census's communes; ``key``: the name's compare.name_key when known)."""
    if key is None:
        key = name_key(name) if isinstance(name, str) else ""
    words = _phrase_words(key)
    ckey = commune_key(commune) if isinstance(commune, str) and commune.strip() else ""
    phrases = dict(places or {})
    if ckey:
        phrases.setdefault(tuple(ckey.split()), ckey)
    found: set[str] = set()
    if phrases and words:
        longest = max(len(p) for p in phrases)
        kept: list[str] = []
        i = 0
        while i < len(words):
            for n in range(min(longest, len(words) - i), 0, -1):
                hit = phrases.get(tuple(words[i:i + n]))
                if hit is not None:
                    found.add(hit)
                    i += n
                    break
            else:
                kept.append(words[i])
                i += 1
        words = kept
    # A word of the commune's own name (« Châtelaillon » for Châtelaillon-Plage) is that place too.
    own = {w for w in ckey.split() if len(w) >= 4 and w not in ("saint", "sainte")}
    if own and any(w in own for w in words):
        found.add(ckey)
    content = tuple(w for w in words if w not in ref.NAME_STOP_WORDS and w not in own)
    if content == (COMMUNE_WORD,) and ckey:  # « Mairie » of X is « Commune de X »: a commune is its place
        found.add(ckey)
    return NameWords(content, frozenset(found), ckey, str(insee) if isinstance(insee, str) and insee else "")


class Vocabulary:
    """How much each word says, from how many of a census's names hold it (inverse document frequency)."""

    def __init__(self, names: Iterable[NameWords]):
        df: dict[str, int] = {}
        n = 0
        for nw in names:
            n += 1
            for w in set(nw.words) | {PLACE_WORD + p for p in nw.places}:
                df[w] = df.get(w, 0) + 1
        self.documents = max(n, MIN_DOCUMENTS)
        self.df = df
        self._weights: dict[str, float] = {}

    def weight(self, word: str) -> float:
        w = self._weights.get(word)
        if w is None:
            w = self._weights[word] = math.log((self.documents + 1) / (self.df.get(word, 0) + 1)) + 0.01
        return w


def _initials(words: tuple[str, ...], start: int, end: int) -> str:
    return "".join(w[0] for w in words[start:end])


@functools.lru_cache(maxsize=1 << 16)
def _similar(x: str, y: str) -> float:
    """RapidFuzz's normalised Indel similarity of two words when it reaches TOKEN_CUTOFF, else 0 (its bound
    2·min/(sum of lengths) is checked first: most pairs stop there)."""
    from rapidfuzz.distance import Indel

    lx, ly = len(x), len(y)
    if 200 * min(lx, ly) < TOKEN_CUTOFF * (lx + ly):
        return 0.0
    s = Indel.normalized_similarity(x, y)
    return s if s * 100 >= TOKEN_CUTOFF - 1e-9 else 0.0


@functools.lru_cache(maxsize=1 << 16)
def _word_match(x: str, y: str) -> float:
    """How much two words are one (0 when not): equal 1, misspelt their similarity, cut short TOKEN_CUTOFF."""
    if x == y:
        return 1.0
    if len(x) >= 4 and len(y) >= 4 and (s := _similar(x, y)):
        return s
    if min(len(x), len(y)) >= 3 and abs(len(x) - len(y)) >= 3 and (x.startswith(y) or y.startswith(x)):
        return TOKEN_CUTOFF / 100  # cut short: « dép. » for « départementale »
    return 0.0


def _pairs(a: tuple[str, ...], b: tuple[str, ...]) -> list[tuple[float, tuple[int, ...], tuple[int, ...]]]:
    """The ways words of ``a`` and ``b`` may be the same: (similarity 0-1, positions in a, positions in b)."""
    out = [(s, (i,), (j,)) for i, x in enumerate(a) for j, y in enumerate(b) if (s := _word_match(x, y))]
    for side, (p, q) in enumerate(((a, b), (b, a))):
        others = set(q)
        for i, x in enumerate(p):
            if x in others:
                continue
            n = len(x)
            if n >= 5:  # run together: « startup » and « start up »
                for j in range(len(q) - 1):
                    m = len(q[j]) + len(q[j + 1])
                    if 2 * n >= m and 2 * m >= n and (s := _similar(x, q[j] + q[j + 1])):
                        out.append((s, (i,), (j, j + 1)) if side == 0 else (s, (j, j + 1), (i,)))
            if 2 <= n <= min(6, len(q)) and x.isalpha():  # initials: « ccas », « centre communal … sociale »
                for j in range(len(q) - n + 1):
                    if q[j][0] == x[0] and _initials(q, j, j + n) == x:
                        span = tuple(range(j, j + n))
                        out.append((1.0, (i,), span) if side == 0 else (1.0, span, (i,)))
    return out


def name_score(a: NameWords, b: NameWords, vocabulary: Vocabulary) -> int:
    """How likely ``a`` and ``b`` name the same structure (0-100): the weight of the words they share over the
    weight of all their words, less CONFLICT when each has words the other lacks, then their communes (see
    SIMILAR_CUTOFF)."""
    where_a = a.places | ({a.commune} if a.commune else set())
    where_b = b.places | ({b.commune} if b.commune else set())
    # A commune written in a name is checked against the other's place; against no place at all, it is one more
    # word that the other name lacks.
    wa = [vocabulary.weight(w) for w in a.words] + [vocabulary.weight(PLACE_WORD + p) for p in a.places
                                                    if not where_b]
    wb = [vocabulary.weight(w) for w in b.words] + [vocabulary.weight(PLACE_WORD + p) for p in b.places
                                                    if not where_a]
    if not a.words and not b.words:
        share = 1.0 if (a.places or b.places) else 0.0  # a name that is only a place: the place decides
    elif not a.words or not b.words:
        share = 0.0
    else:
        got_a = got_b = 0.0
        used_a: set[int] = set()
        used_b: set[int] = set()
        for s, ia, ib in sorted(_pairs(a.words, b.words), key=lambda p: -p[0]):
            if used_a.isdisjoint(ia) and used_b.isdisjoint(ib):
                used_a.update(ia), used_b.update(ib)
                got_a += s * sum(wa[i] for i in ia)
                got_b += s * sum(wb[j] for j in ib)
        share = (got_a + got_b) / (sum(wa) + sum(wb))
        share -= CONFLICT / 100 * min(1 - got_a / sum(wa), 1 - got_b / sum(wb))
    score = 100 * share
    if a.insee and b.insee:
        same = a.insee == b.insee
    elif a.commune and b.commune:
        same = a.commune == b.commune
    else:
        same = None
    if same is True:
        score += SAME_COMMUNE
    elif same is False:
        score -= DIFFERENT_COMMUNE
    if (a.places and where_b and a.places.isdisjoint(where_b)) or (
            b.places and where_a and b.places.isdisjoint(where_a)):
        score -= OTHER_PLACE_NAMED
    return int(round(min(100.0, max(0.0, score))))


class NameIndex:
    """A census's names as the similarity reads them, with what finds the candidates of an answer quickly."""

    def __init__(self, actors: pd.DataFrame):
        n = len(actors)
        names = actors["name"].tolist() if "name" in actors else [None] * n
        communes = actors["commune"].tolist() if "commune" in actors else [None] * n
        insees = actors["insee"].tolist() if "insee" in actors else [None] * n
        self.places = _place_phrases(set(c for c in communes if isinstance(c, str)))
        self.names = [name_words(nm, c, i, self.places, k)
                      for nm, c, i, k in zip(names, communes, insees, _name_keys(actors))]
        self.vocabulary = Vocabulary(self.names)
        self.by_word: dict[str, list[int]] = {}
        self.by_initials: dict[str, list[int]] = {}
        self.wordless: list[int] = []
        for pos, nw in enumerate(self.names):
            if not nw.words:
                self.wordless.append(pos)
            for w in set(nw.words):
                self.by_word.setdefault(w, []).append(pos)
            for run in _runs(nw.words):
                self.by_initials.setdefault(run, []).append(pos)
        self.words = list(self.by_word)
        self.sorted_words = sorted(self.words)
        self.totals = [sum(self.vocabulary.weight(w) for w in nw.words) for nw in self.names]

    def candidates(self, a: NameWords) -> list[int]:
        """The census actors that may score SIMILAR_CUTOFF or more against ``a``: those whose words match some of
        its words (as name_score matches them) and whose best possible score reaches the cutoff (less 5 points):
        name_score with every word that might match counted as matched (its weight on each side, capped by the
        name's weight; two census words run together in an answer's word count together), plus SAME_COMMUNE.
        Names whose words are the initials of the answer's, or the reverse, are always scored."""
        from rapidfuzz import fuzz, process
        from rapidfuzz.distance import Indel

        if not a.words:
            return list(self.wordless)
        weight = self.vocabulary.weight
        got_a: dict[int, float] = {}  # at most this much of a's weight matched in the census name at pos
        got_b: dict[int, float] = {}  # and at most this much of the census name's
        always: set[int] = set()

        def words_hit(word: str, words: Iterable[str], run_together: bool = False) -> None:
            seen: set[int] = set()
            for v in set(words):
                for pos in self.by_word[v]:
                    got = weight(v)
                    if run_together:  # with the word before or after it, as _pairs reads run-together words
                        b = self.names[pos].words
                        got = 0.0 if word in b else max((weight(b[k]) + weight(b[k + 1]) for k in range(len(b) - 1)
                                   if v in (b[k], b[k + 1]) and _similar(word, b[k] + b[k + 1])), default=0.0)
                        if not got:
                            continue
                    got_b[pos] = got_b.get(pos, 0.0) + got
                    seen.add(pos)
            for pos in seen:
                got_a[pos] = got_a.get(pos, 0.0) + weight(word)

        for w in set(a.words):
            always.update(self.by_initials.get(w, ()))
            hits = [w] if w in self.by_word else []
            if len(w) >= 4:
                hits += [v for v, _, _ in process.extract_iter(w, self.words, scorer=Indel.normalized_similarity,
                                                               score_cutoff=TOKEN_CUTOFF / 100 - 1e-9)
                         if len(v) >= 4]
            if len(w) >= 3:  # cut short
                hits += [v for v in self._starting(w) if len(v) - len(w) >= 3]
                hits += [w[:k] for k in range(3, len(w) - 2) if w[:k] in self.by_word]
            words_hit(w, hits)
            if len(w) >= 5:  # words run together in the answer
                words_hit(w, [v for v, _, _ in process.extract_iter(w, self.words, scorer=fuzz.partial_ratio,
                                                                    score_cutoff=TOKEN_CUTOFF)], True)
        for x, y in zip(a.words, a.words[1:]):  # two of the answer's words run together in the census's name
            hits = [v for v, _, _ in process.extract_iter(x + y, self.words, scorer=Indel.normalized_similarity,
                                                          score_cutoff=TOKEN_CUTOFF / 100 - 1e-9)
                    if v not in a.words]  # as _pairs: a word the answer has as such is not two of its words
            words_hit(x, hits)
            words_hit(y, hits)
        for run in _runs(a.words):
            always.update(self.by_word.get(run, ()))
        total_a = sum(weight(w) for w in a.words)
        keep = []
        for pos, ga in got_a.items():
            total_b = self.totals[pos]
            if not total_b:
                continue
            ga = min(ga, total_a)
            gb = min(got_b[pos], total_b)
            best = (ga + gb) / (total_a + total_b) - CONFLICT / 100 * min(1 - ga / total_a, 1 - gb / total_b)
            if 100 * best + SAME_COMMUNE >= SIMILAR_CUTOFF - 5:
                keep.append(pos)
        return sorted(always.union(keep))

    def _starting(self, prefix: str) -> list[str]:
        """The census's words that start with ``prefix``."""
        import bisect

        i = bisect.bisect_left(self.sorted_words, prefix)
        out = []
        while i < len(self.sorted_words) and self.sorted_words[i].startswith(prefix):
            out.append(self.sorted_words[i])
            i += 1
        return out


def _runs(words: tuple[str, ...]) -> set[str]:
    """The initials of every run of two to six words."""
    return {_initials(words, i, k) for i in range(len(words)) for k in range(i + 2, min(len(words), i + 6) + 1)}


def name_index(actors: pd.DataFrame) -> NameIndex:
    """The census's :class:`NameIndex`, made once per actors frame (nrdash.compare's per-frame cache)."""
    return _cached(actors, "questionnaire-names", lambda: NameIndex(actors))


def _name_keys(actors: pd.DataFrame) -> list[str]:
    """compare.name_key of every actor's name, once per actors frame."""
    return _cached(actors, "questionnaire-keys", lambda: name_keys(
        actors["name"] if "name" in actors else [None] * len(actors)).tolist())


def matches(answer: Answer, actors: pd.DataFrame, limit: int = 3, similar: bool = True) -> list[Match]:
    """The census actors this answer may be, best first: the same valid SIRET, then the same name key and
    commune (nrdash.compare's rule: two different valid SIRETs are never the same actor), then, when ``similar``,
    the names :func:`name_score` finds close (SIMILAR_CUTOFF or more)."""
    out: list[Match] = []
    seen: set[int] = set()
    names = actors["name"].tolist()
    sirets = actors["siret"].tolist() if "siret" in actors else [None] * len(actors)
    communes = actors["commune"].tolist() if "commune" in actors else [None] * len(actors)
    insees = actors["insee"].tolist() if "insee" in actors else [None] * len(actors)

    def add(i: int, how: str, score: int) -> None:
        if i in seen:
            return
        seen.add(i)
        row = {"name": names[i], "siret": sirets[i], "commune": communes[i]}
        out.append(Match(i, actor_ref(row), how, score, str(names[i]),
                         communes[i] if isinstance(communes[i], str) else None))

    def other_siret(i: int) -> bool:  # two establishments, whatever their names
        return bool(answer.siret) and isinstance(sirets[i], str) and bool(sirets[i]) and sirets[i] != answer.siret

    if answer.siret:
        for i, s in enumerate(sirets):
            if s == answer.siret:
                add(i, SIRET, 100)
    key = name_key(answer.name)
    for i, k in enumerate(_name_keys(actors)):
        if k and k == key and _same_place(answer, insees[i], communes[i]) and not other_siret(i):
            add(i, NAME, 100)
    if similar and key and len(out) < limit:
        index = name_index(actors)
        a = name_words(answer.name, answer.commune, answer.insee, index.places)
        scored = [(name_score(a, index.names[i], index.vocabulary), i) for i in index.candidates(a)
                  if i not in seen and not other_siret(i)]
        for score, i in sorted(scored, key=lambda p: (-p[0], p[1])):
            if score < SIMILAR_CUTOFF or len(out) >= limit:
                break
            add(i, SIMILAR, score)
    return out[:limit]


def flagged(answer: Answer, actors: pd.DataFrame | None) -> Match | None:
    """The census actor an answer is (SIRET, or name and commune): flagged for the editors, never refused."""
    if actors is None or actors.empty:
        return None
    found = matches(answer, actors, limit=1, similar=False)
    return found[0] if found else None


# ---------------------------------------------------------------------------------------------
# From an answer to census rows
# ---------------------------------------------------------------------------------------------
# The fields an editor may take from an answer into an existing actor, with their labels (the census's headers).
MERGE_FIELDS: tuple[str, ...] = ("name", "siret", "type", "is_local", "commune", "action_types", "dimensions",
                                 "description", "level", "referent", "contact")


def field_label(field: str) -> str:
    return ref.HEADER_OF[field]


def census_values(answer: Answer, today: dt.date) -> dict[str, Any]:
    """The answer as a census row's fields (the new actor's row)."""
    return {"name": answer.name, "siret": answer.siret, "siret_text": answer.siret, "family": answer.family,
            "type": answer.actor_type, "is_local": answer.is_local, "commune": answer.commune,
            "insee": answer.insee, "action_types": list(answer.action_types), "dimensions": list(answer.dimensions),
            "other_categories": [], "description": answer.actions_text or None, "level": answer.level,
            "circle": None, "circle_derived": True, "source": ref.QUESTIONNAIRE_SOURCE,
            "referent": answer.referent or None, "contact": answer.contact or None, "updated": today}


def shown_value(field: str, value: Any) -> str:
    """A census value as text for the review table."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return "—"
    if field == "is_local":
        return "oui" if value else "non"
    if field == "level":
        return ref.level_label(value)
    if isinstance(value, (list, tuple)):
        return " ; ".join(map(str, value)) or "—"
    return str(value) or "—"


def differences(answer: Answer, actor: Mapping[str, Any]) -> list[tuple[str, str, str, str]]:
    """(field, label, answered, in the census) for each mergeable field where they differ (an empty answer is
    no difference: there is nothing to take)."""
    values = census_values(answer, dt.date.today())
    out = []
    for f in MERGE_FIELDS:
        new, old = shown_value(f, values[f]), shown_value(f, actor.get(f))
        if new != "—" and new != old:
            out.append((f, field_label(f), new, old))
    return out


@dataclass(frozen=True)
class Decision:
    """An editor's decision on an answer that goes into the shared draft."""

    action: str  # ACCEPTED or MERGED
    target: str | None = None  # MERGED: the actor's reference (compare.actor_ref)
    fields: tuple[str, ...] = ()  # MERGED: the fields taken from the answer
    actor_id: str | None = None  # an update through a personal link: the actor, by its identifier (it wins over
    # ``target``); « Date de mise à jour » is set even when no field changed (the actor confirmed its record)

    def to_json(self) -> str:
        d = {"action": self.action, "target": self.target, "fields": list(self.fields)}
        if self.actor_id:
            d["actor_id"] = self.actor_id
        return json.dumps(d, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "Decision":
        d = json.loads(text)
        return cls(d["action"], d.get("target"), tuple(d.get("fields") or ()), d.get("actor_id") or None)


class ApplyError(ValueError):
    """A decision that cannot be applied to the census (French message)."""


def apply_decisions(actors: pd.DataFrame, decided: Iterable[tuple[Answer, Decision]], today: dt.date) -> pd.DataFrame:
    """The census's actors with the decisions applied in order: a merge sets only the chosen fields of the actor
    it names (found by its identifier when the decision has one, the census's ``actor_id`` column; else by its
    reference in this census); an acceptance appends the answer as a new actor, its source « Recensement
    (questionnaire) ». Raises ApplyError when a merge's actor is no longer in the census."""
    actors = actors.copy()
    new_rows: list[dict[str, Any]] = []
    refs = None
    for answer, decision in decided:
        values = census_values(answer, today)
        if decision.action == ACCEPTED:
            new_rows.append(values)
            continue
        if decision.actor_id:
            found = np.flatnonzero(actors["actor_id"].to_numpy(dtype=object) == decision.actor_id) \
                if "actor_id" in actors else []
            if not len(found):
                raise ApplyError(f"L'acteur que met à jour la réponse de « {answer.name} » n'est plus dans le "
                                 "recensement publié : rouvrez cette réponse et ajoutez-la comme nouvel acteur.")
            i = int(found[0])
        else:
            if refs is None:
                from .compare import actor_refs

                refs = actor_refs(actors)
            try:
                i = refs.index(decision.target)
            except ValueError:
                raise ApplyError(f"L'acteur choisi pour la fusion avec « {answer.name} » n'est plus dans le "
                                 "recensement publié : rouvrez cette réponse et choisissez de nouveau.") from None
        idx = actors.index[i]
        for f in decision.fields:
            if f not in MERGE_FIELDS:
                continue
            value = values[f]
            if f == "commune":
                actors.at[idx, "insee"] = values["insee"]
            if f == "siret" and "siret_text" in actors:
                actors.at[idx, "siret_text"] = values["siret"]
            if f == "type" and "family" in actors:
                actors.at[idx, "family"] = values["family"]
                if "type_text" in actors:
                    actors.at[idx, "type_text"] = None
            if f == "action_types" and "other_categories" in actors:
                actors.at[idx, "other_categories"] = list(actors.at[idx, "other_categories"] or [])
            if f not in actors:
                actors[f] = pd.Series([None] * len(actors), dtype=object, index=actors.index)
            actors.at[idx, f] = value
        if (decision.fields or decision.actor_id) and "updated" in actors:
            actors.at[idx, "updated"] = today
    if new_rows:
        extra = pd.DataFrame(new_rows)
        for col in actors.columns:
            if col not in extra:
                extra[col] = None
        actors = pd.concat([actors.astype(object), extra[list(actors.columns)].astype(object)], ignore_index=True)
    return actors


# ---------------------------------------------------------------------------------------------
# Needs (« Besoins »): who asked what, counted by kind, family and commune, exportable
# ---------------------------------------------------------------------------------------------
# The kit's circle formats (referential.CIRCLES, by circle and position) that answer each kind of need.
NEED_FORMATS: dict[str, tuple[tuple[int, int], ...]] = {
    "Financement": ((1, 4),),
    "Collaboration": ((2, 2), (1, 4)),
    "Formation": ((1, 0), (2, 0), (1, 3)),
    "Mise en relation": ((3, 3), (2, 1)),
    "Autre": (),
}


def need_formats(need: str) -> list[str]:
    """The kit's formats suggested for a need (« Cercle 2 : … »), then the kit's advice for everyone."""
    out = [f"Cercle {c} : {ref.CIRCLES[c].formats[i]}" for c, i in NEED_FORMATS.get(need, ())]
    return out + [ref.CIRCLE_FOR_EVERYONE]


NEEDS_COLUMNS = ("N°", "Reçue le", "Structure", "Famille d'acteurs", "Type d'acteur", "Commune", "Besoin",
                 "Précisions", "Statut")


def needs_rows(submissions: Iterable, with_contacts: bool = False) -> pd.DataFrame:
    """One row per answer and need (refused answers left out); Référent and Contact only when asked for."""
    rows = []
    for s in submissions:
        if s.status == REJECTED:
            continue
        a = s.answer
        for need in a.needs:
            row = {"N°": s.id, "Reçue le": s.created_at.astimezone().strftime("%d/%m/%Y"), "Structure": a.name,
                   "Famille d'acteurs": a.family, "Type d'acteur": a.actor_type,
                   "Commune": a.commune or "Non précisée", "Besoin": need, "Précisions": a.needs_text or "",
                   "Statut": STATUS_LABEL.get(s.status, s.status)}
            if with_contacts:
                row.update({ref.HEADER_OF["referent"]: a.referent, ref.HEADER_OF["contact"]: a.contact})
            rows.append(row)
    columns = [*NEEDS_COLUMNS, *((ref.HEADER_OF["referent"], ref.HEADER_OF["contact"]) if with_contacts else ())]
    return pd.DataFrame(rows, columns=columns)


def needs_counts(rows: pd.DataFrame, by: str) -> pd.DataFrame:
    """Answers per need (rows, in the kit's order) and ``by`` (a column of needs_rows: family, commune)."""
    if rows.empty:
        return pd.DataFrame(index=pd.Index(NEEDS, name="Besoin"))
    table = pd.crosstab(rows["Besoin"], rows[by])
    table = table.reindex(NEEDS, fill_value=0)
    table["Total"] = table.sum(axis=1)
    return table


def needs_csv(rows: pd.DataFrame) -> bytes:
    """The rows as a CSV Excel opens in French (';', UTF-8 with BOM), text made inert as every export does."""
    import csv
    import io

    from .export import neutralise

    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(rows.columns)
    for rec in rows.itertuples(index=False):
        writer.writerow([neutralise(v) if isinstance(v, str) else v for v in rec])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def needs_xlsx(rows: pd.DataFrame) -> bytes:
    """The rows as a .xlsx (text made inert; characters a .xlsx cannot hold replaced)."""
    import io

    from openpyxl import Workbook

    from .export import neutralise, xml_safe

    wb = Workbook()
    ws = wb.active
    ws.title = "Besoins"
    ws.append(list(rows.columns))
    for rec in rows.itertuples(index=False):
        ws.append([xml_safe(neutralise(v)) if isinstance(v, str) else v for v in rec])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# Paper: a printable blank form for events, and the answers typed into a workbook, imported into the queue
# ---------------------------------------------------------------------------------------------
PAPER_SHEET = "Réponses"
PAPER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", "Nom de la structure"), ("siret", "SIRET"), ("actor_type", "Type d'acteur"), ("commune", "Commune"),
    ("is_local", "Implantée sur le territoire (oui/non)"),
    ("action_types", "Actions NR menées (séparées par « ; »)"), ("actions_text", "Vos actions"),
    ("level", "Niveau d'engagement (0 à 3)"), ("needs", "Besoins (séparés par « ; »)"),
    ("needs_text", "Précisions sur les besoins"), ("referent", "Nom du référent"), ("contact", "Contact"),
    ("consent", "Consentement signé (oui/non)"),
)
PAPER_MAX_ROWS = 2000


def paper_template() -> bytes:
    """The workbook to type paper answers into: one row per answer, the columns of PAPER_COLUMNS."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = PAPER_SHEET
    ws.append([h for _, h in PAPER_COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for col in ("A", "E", "F", "G", "I", "J"):
        ws.column_dimensions[col].width = 30
    lists = wb.create_sheet("Valeurs possibles")
    lists.append(["Type d'acteur", "Actions NR", "Niveau d'engagement", "Besoins"])
    levels = [ref.level_label(n) for n in ref.LEVELS]
    for i in range(max(len(ref.TYPES), len(ref.ACTION_TYPES))):
        lists.append([ref.TYPES[i] if i < len(ref.TYPES) else None,
                      ref.ACTION_TYPES[i] if i < len(ref.ACTION_TYPES) else None,
                      levels[i] if i < len(levels) else None, NEEDS[i] if i < len(NEEDS) else None])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _paper_rows(data: bytes, file_name: str) -> list[list[Any]]:
    """The first sheet (or « Réponses ») of a workbook or CSV, read with the census reader's limits."""
    from .workbook import CensusError, Limits, check_zip, detect_format, open_workbook, read_csv_rows, read_sheet

    limits = Limits(max_rows=PAPER_MAX_ROWS)
    if len(data) > limits.max_file_bytes:
        raise PaperError("Fichier trop gros pour des réponses papier.")
    try:
        kind = detect_format(data, file_name)
        if kind == "csv":
            return read_csv_rows(data, limits).rows
        if kind == "zip":
            kind = check_zip(data, limits)
        wb = open_workbook(data, kind)
        names = wb.sheet_names
        return read_sheet(wb, PAPER_SHEET if PAPER_SHEET in names else names[0], limits).rows
    except CensusError as exc:
        raise PaperError(str(exc)) from None


class PaperError(ValueError):
    """A workbook of paper answers that cannot be read at all (French message)."""


def read_paper(data: bytes, file_name: str, communes: Mapping[str, str]) -> tuple[list[Answer], list[str]]:
    """Every answer of the workbook, or none and the list of problems (« Ligne 4, colonne « Type d'acteur » : … »):
    a file is imported whole or not at all, never in part."""
    from .fields import parse_level, parse_type, parse_yes_no, split_multi
    from .fields import text as cell_text

    rows = _paper_rows(data, file_name)
    if not rows:
        raise PaperError("Le fichier est vide : tapez une réponse par ligne sous les titres du modèle.")
    header = {ref.norm_key(h): j for j, h in enumerate(rows[0]) if h is not None}
    where = {}
    missing = []
    for key, title in PAPER_COLUMNS:
        j = header.get(ref.norm_key(title))
        if j is None:
            missing.append(title)
        where[key] = j
    if missing:
        raise PaperError("Colonnes absentes de la première ligne : " + ", ".join(f"« {m} »" for m in missing)
                         + ". Partez du modèle de réponses papier.")
    by_name = {commune_key(n): c for c, n in communes.items()}
    actions = ref.build_lookup(ref.ACTION_TYPES, ref.ACTION_TYPE_ALIASES)
    needs = ref.build_lookup(NEEDS)
    answers, problems = [], []
    label_of = dict(PAPER_COLUMNS)
    for i, row in enumerate(rows[1:], start=2):
        cells = {k: (row[j] if j is not None and j < len(row) else None) for k, j in where.items()}
        if all(cell_text(v) is None for v in cells.values()):
            continue
        raw: dict[str, Any] = {k: cell_text(cells[k]) or "" for k in TEXT_FIELDS if k in cells}
        local_problems: list[tuple[str, str]] = []
        actor_type, _ = parse_type(cells["actor_type"])
        raw["actor_type"] = actor_type
        level, problem = parse_level(cells["level"])
        raw["level"] = level
        if problem:
            local_problems.append(("level", problem[1]))
        is_local, problem = parse_yes_no(cells["is_local"])
        raw["is_local"] = None if is_local is None else ("oui" if is_local else "non")
        if problem:
            local_problems.append(("is_local", problem[1]))
        consent, _ = parse_yes_no(cells["consent"])
        raw["consent"] = consent is True
        commune = cell_text(cells["commune"])
        if commune:
            code = by_name.get(commune_key(commune))
            raw["commune"], raw["commune_text"] = (code, "") if code else (OTHER_COMMUNE, commune)
        for key, table, what in (("action_types", actions, "action"), ("needs", needs, "besoin")):
            values = []
            for token in split_multi(cells[key]):
                found = table.get(ref.norm_key(token))
                if found is None:
                    local_problems.append((key, f"{what.capitalize()} « {token[:80]} » inconnu : valeurs "
                                                f"attendues : {ref.expected(table.values() if key == 'needs' else ref.ACTION_TYPES)}."))
                else:
                    values.append(found)
            raw[key] = values
        answer, found = validate(raw, communes)
        for field, message in local_problems:
            problems.append(f"Ligne {i}, colonne « {label_of[field]} » : {message}")
        for p in found:
            column = {"commune_text": "commune", "consent": "consent"}.get(p.field, p.field)
            message = p.message
            if p.field == "consent":
                message = "le consentement signé est requis : écrivez « oui » si la personne a signé le formulaire."
            problems.append(f"Ligne {i}, colonne « {label_of.get(column, p.label)} » : {message}")
        if answer is not None and not local_problems:
            answers.append(answer)
    if not answers and not problems:
        raise PaperError("Aucune réponse dans le fichier : tapez une réponse par ligne sous les titres du modèle.")
    return ([] if problems else answers), problems


def printable_form(territory_name: str, retention_months: int, contact_email: str | None = None) -> str:
    """The blank questionnaire as a page to print (A4, black on white), for actors met at events."""
    import html

    def boxes(items: Iterable[str]) -> str:
        return "".join(f"<li>☐ {html.escape(i)}</li>" for i in items)

    types = "".join(f"<li><b>{html.escape(f)}</b><ul class='cols'>{boxes(map(type_label, t))}</ul></li>"
                    for f, t in ref.TYPES_BY_FAMILY.items())
    levels = boxes(f"{ref.level_label(n)} : {LEVEL_HINTS[n]}" for n in ref.LEVELS)
    line = "<div class='line'></div>"
    return f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Questionnaire — {html.escape(territory_name)}</title>
<style>
@page {{ size: A4; margin: 15mm; }}
body {{ font: 11pt/1.4 system-ui, sans-serif; color: #000; background: #fff; max-width: 180mm; margin: auto; }}
h1 {{ font-size: 16pt; }} h2 {{ font-size: 12.5pt; margin: 1.2em 0 .3em; border-bottom: 1px solid #000; }}
ul {{ list-style: none; padding-left: 0; margin: .2em 0; }} ul.cols {{ columns: 2; padding-left: 1em; }}
.line {{ border-bottom: 1px solid #000; height: 2em; }} .field {{ margin-top: .6em; }}
</style></head><body>
<h1>Questionnaire des acteurs du Numérique responsable — {html.escape(territory_name)}</h1>
<p>Les champs marqués d'un astérisque (*) sont obligatoires. Cochez les cases qui conviennent.</p>
<h2>Votre structure</h2>
<div class="field">Nom de la structure *</div>{line}
<div class="field">SIRET (facultatif, 14 chiffres)</div>{line}
<div class="field">Type d'acteur * (une case)</div><ul>{types}</ul>
<div class="field">Commune</div>{line}
<div class="field">Votre structure est-elle implantée sur le territoire ? ☐ oui ☐ non</div>
<h2>Vos actions</h2>
<div class="field">Actions de Numérique responsable déjà menées</div><ul class="cols">{boxes(ref.ACTION_TYPES)}</ul>
<div class="field">Vos actions (en quelques phrases)</div>{line * 3}
<div class="field">Niveau d'engagement * (une case)</div><ul>{levels}</ul>
<h2>Vos besoins</h2>
<ul class="cols">{boxes(NEEDS)}</ul>
<div class="field">Précisez vos besoins</div>{line * 2}
<h2>La personne à contacter</h2>
<div class="field">Nom du référent *</div>{line}
<div class="field">Contact (adresse électronique ou téléphone) *</div>{line}
<p class="field">☐ {html.escape(consent_text(territory_name, retention_months, contact_email))} *</p>
<p>Date et signature :</p>{line}
</body></html>
"""


def needs_figure(counts: pd.DataFrame):
    """Horizontal bars, one per kind of need, stacked by actor family (the kit's family colours, counts written)."""
    from .charts import _figure, count_axis, text_color
    from .text import esc

    families = [f for f in ref.FAMILIES if f in counts.columns]
    data = [dict(type="bar", orientation="h", name=esc(f), y=list(counts.index), x=[int(v) for v in counts[f]],
                 marker=dict(color=ref.FAMILY_COLORS[f]), text=[str(int(v)) if v else "" for v in counts[f]],
                 textposition="inside", insidetextanchor="middle",
                 textfont=dict(color=text_color(ref.FAMILY_COLORS[f])),
                 hovertemplate=f"{esc(f)} : %{{x}}<extra>%{{y}}</extra>") for f in families]
    top = int(counts["Total"].max()) if "Total" in counts and len(counts) else 1
    return _figure(data, "Besoins exprimés, par famille d'acteurs", height=160 + 60 * len(counts), barmode="stack",
                   yaxis=dict(autorange="reversed", title=dict(text="")),
                   xaxis=dict(title=dict(text="Réponses"), **count_axis(max(top, 1))))


def needs_summary(counts: pd.DataFrame) -> str:
    """The figure in words (its text alternative)."""
    if "Total" not in counts or not int(counts["Total"].sum()):
        return "Aucun besoin exprimé."
    parts = [f"{need} : {thousands(int(counts.loc[need, 'Total']))}" for need in counts.index
             if int(counts.loc[need, "Total"])]
    return "Besoins exprimés (réponses) — " + " ; ".join(parts) + "."


def needs_per_commune(submissions: Iterable) -> tuple[pd.DataFrame, pd.Series]:
    """Needs counted per commune and kind, for the map: one row per INSEE code (the communes chosen in the form's
    list), one column per kind of need (NEEDS' order), refused answers left out; and, per kind, the needs of answers
    whose commune is not in the list (written by hand, or not given): they cannot be placed. Counts only: nothing
    else of an answer (no name, no text, no referent or contact)."""
    placed: dict[str, dict[str, int]] = {}
    unplaced = dict.fromkeys(NEEDS, 0)
    for s in submissions:
        if s.status == REJECTED:
            continue
        a = s.answer
        for need in a.needs:
            if need not in unplaced:
                continue
            if a.insee:
                placed.setdefault(str(a.insee), dict.fromkeys(NEEDS, 0))[need] += 1
            else:
                unplaced[need] += 1
    counts = pd.DataFrame.from_dict(placed, orient="index", columns=list(NEEDS)).astype(int)
    counts.index.name = "insee"
    return counts.sort_index(), pd.Series(unplaced, dtype=int)
