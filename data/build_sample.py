"""Builds data/recensement-exemple.xlsx: the embedded sample census.

Territory: Communauté d'agglomération de La Rochelle (SIREN 241700434), its 28 real communes.
Actors, people and assessments are FICTIONAL. Deterministic: run `python data/build_sample.py` to rebuild.
"""
from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nrdash import referential as ref  # noqa: E402
from nrdash.census import Territory  # noqa: E402
from nrdash.template import build_workbook  # noqa: E402

OUT = ROOT / "data" / "recensement-exemple.xlsx"

# INSEE code -> (name, postal code, representative point lat, lon) of the CA de La Rochelle members.
COMMUNES = {
    "17300": ("La Rochelle", "17000", 46.1621, -1.17658), "17028": ("Aytré", "17440", 46.13142, -1.11454),
    "17274": ("Périgny", "17180", 46.15503, -1.09406), "17200": ("Lagord", "17140", 46.18469, -1.15394),
    "17291": ("Puilboreau", "17138", 46.18674, -1.11192), "17094": ("Châtelaillon-Plage", "17340", 46.07411, -1.08273),
    "17142": ("Dompierre-sur-Mer", "17139", 46.19083, -1.07367), "17264": ("Nieul-sur-Mer", "17137", 46.20942, -1.16938),
    "17414": ("Saint-Xandre", "17138", 46.21254, -1.08479), "17407": ("Sainte-Soulle", "17220", 46.19698, -1.02063),
    "17010": ("Angoulins", "17690", 46.1084, -1.11369), "17194": ("La Jarrie", "17220", 46.11869, -1.0056),
    "17222": ("Marsilly", "17137", 46.22873, -1.13561), "17190": ("L'Houmeau", "17137", 46.19274, -1.18353),
    "17193": ("La Jarne", "17220", 46.12216, -1.0739), "17420": ("Salles-sur-Mer", "17220", 46.10308, -1.0483),
    "17373": ("Saint-Médard-d'Aunis", "17220", 46.15742, -0.96268), "17391": ("Saint-Rogatien", "17220", 46.14611, -1.06771),
    "17466": ("Vérines", "17540", 46.19991, -0.97758), "17153": ("Esnandes", "17137", 46.24937, -1.11576),
    "17443": ("Thairé", "17290", 46.07752, -0.99799), "17483": ("Yves", "17340", 46.03309, -1.02796),
    "17059": ("Bourgneuf", "17220", 46.16625, -1.02344), "17413": ("Saint-Vivien", "17220", 46.07752, -1.04882),
    "17315": ("Saint-Christophe", "17220", 46.15196, -0.92369), "17136": ("Croix-Chapeau", "17220", 46.10211, -1.001),
    "17109": ("Clavette", "17220", 46.14342, -1.03771), "17245": ("Montroy", "17220", 46.15445, -1.01892),
}
MAIN = ["17300"] * 8 + ["17028", "17274", "17200", "17291", "17094", "17142", "17264", "17414"] * 2
FIRST = ["Camille", "Dominique", "Claude", "Sacha", "Alix", "Lou", "Noa", "Maxime", "Morgane", "Yanis",
         "Inès", "Hugo", "Léa", "Jules", "Chloé", "Nathan", "Manon", "Théo", "Sarah", "Lucas"]
LAST = ["Martin", "Bernard", "Moreau", "Girard", "Lefèvre", "Roux", "Fournier", "Mercier", "Blanc", "Guérin",
        "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Perrin", "Robin", "Clément", "Morin"]

# (type, name patterns, count, level weights 0..3, local share)
PLAN = [
    ("Élus", ["Vice-présidence au numérique", "Délégation transition écologique", "Commission numérique de {c}"], 5, (1, 3, 3, 1), 1),
    ("Universités", ["Campus universitaire du littoral", "École d'ingénieurs de l'Atlantique"], 2, (0, 1, 2, 1), 1),
    ("Hôpitaux", ["Centre hospitalier de l'Aunis", "Clinique du Mail"], 2, (2, 2, 1, 0), 1),
    ("Institutions publiques / nationales", ["Agence départementale de l'emploi", "Caisse locale d'allocations",
                                             "Antenne régionale de la statistique"], 4, (2, 2, 1, 0), 1),
    ("Directions du développement économique", ["Direction de l'attractivité économique"], 1, (0, 0, 1, 0), 1),
    ("Commissions consultatives des acteurs économiques", ["Conseil de développement du territoire"], 1, (0, 1, 0, 0), 1),
    ("Région", ["Antenne régionale Nouvelle-Aquitaine"], 1, (0, 0, 1, 1), 1),
    ("Département", ["Direction numérique du Département"], 1, (0, 1, 1, 0), 1),
    ("Commune", ["Commune de {c}"], 16, (3, 4, 3, 1), 1),
    (ref.ADMINISTRATION, ["Direction des systèmes d'information", "Service commande publique",
                          "Direction des ressources humaines", "Service communication", "Direction environnement"], 5, (0, 2, 2, 1), 1),
    (ref.PARTNER, ["ANCT — délégation territoriale", "ADEME Nouvelle-Aquitaine", "Banque des Territoires (antenne)"], 3, (0, 0, 2, 1), 0.7),
    ("Associations du NR", ["Recyclerie numérique de l'Aunis", "Atelier du réemploi {c}", "Répar'Café {c}",
                            "Collectif Sobriété numérique 17"], 10, (0, 1, 4, 3), 0.85),
    ("Autres associations", ["Maison des jeunes de {c}", "Association des commerçants de {c}",
                             "Club informatique seniors de {c}", "Centre social de {c}", "Amicale laïque de {c}"], 18, (4, 5, 3, 1), 0.85),
    ("PME", ["Atlantique Conseil", "Menuiserie {c}", "Transports du Pertuis", "Imprimerie des Minimes",
             "Cabinet comptable {c}", "Boulangerie-coopérative {c}"], 18, (5, 5, 3, 1), 0.85),
    ("ETI", ["Groupe nautique Atlantique", "Industries du littoral", "Logistique des Charentes"], 5, (1, 2, 1, 0), 0.75),
    ("Grandes entreprises", ["Opérateur ferroviaire (établissement local)", "Banque régionale (siège local)",
                             "Énergéticien (agence Aunis)"], 5, (1, 2, 1, 0), 0.5),
    ("Entreprises du NR", ["Reconditionnement Ouest", "ReBoot Informatique", "Seconde Vie IT", "Collecte DEEE 17"], 7, (0, 0, 3, 4), 0.85),
    ("Entreprises du numérique", ["Studio web {c}", "Agence Digitale Océane", "Hébergeur des Pertuis",
                                  "Éditeur logiciel {c}", "Start-up Marée Data"], 14, (3, 3, 4, 2), 0.8),
    ("Entreprises des services de l'environnement", ["Bureau d'études Littoral Climat", "Énergies partagées {c}"], 5, (1, 1, 2, 0), 0.9),
    ("Autres entreprises", ["Camping des dunes", "Cave coopérative {c}", "Garage {c}"], 10, (4, 2, 1, 0), 0.85),
    ("Habitants", ["Collectif d'habitants de {c}", "Conseil de quartier de {c}"], 14, (5, 4, 3, 0), 1),
    (ref.NON_RESIDENTS, ["Visiteurs saisonniers (panel)", "Résidents secondaires (panel)"], 3, (2, 1, 0, 0), 0),
]
SOURCES = list(ref.SOURCES)


def build() -> tuple[pd.DataFrame, pd.DataFrame, Territory]:
    rnd = random.Random(17)
    rows, used = [], set()
    k = 0
    for atype, patterns, count, weights, local_share in PLAN:
        for n in range(count):
            insee = rnd.choice(MAIN) if atype != "Commune" else list(COMMUNES)[n]
            cname, cp, lat, lon = COMMUNES[insee]
            name = patterns[n % len(patterns)].format(c=cname)
            if name in used:
                name = f"{name} ({cname})" if f"{name} ({cname})" not in used else f"{name} {n + 1}"
            used.add(name)
            level = rnd.choices(range(4), weights=weights)[0] if n else max(range(4), key=lambda x: weights[x])
            if k < 4:
                level = k  # every level early, whatever the weights
            is_local = rnd.random() < local_share
            if atype in (ref.NON_RESIDENTS,):
                is_local = False
            action_types = rnd.sample(ref.ACTION_TYPES, rnd.choice([0, 1, 1, 2, 2, 3])) if level > 0 else []
            dims = rnd.sample(ref.NR_DIMENSIONS, rnd.choice([0, 1, 1, 2])) if level > 0 else []
            if k < len(ref.ACTION_TYPES):
                action_types = list(dict.fromkeys([ref.ACTION_TYPES[k], *action_types]))
            if k < len(ref.NR_DIMENSIONS):
                dims = list(dict.fromkeys([ref.NR_DIMENSIONS[k], *dims]))
            desc = ""
            if action_types:
                desc = f"{action_types[0]} : démarche engagée en {rnd.choice([2022, 2023, 2024, 2025, 2026])}."
            placed = k % 7 != 3  # one actor in seven is placed only by its commune code
            first, last = rnd.choice(FIRST), rnd.choice(LAST)
            explicit_circle = None
            if k % 11 == 5:
                explicit_circle = rnd.choice([1, 2, 3])
            rows.append({
                "name": name,
                "family": ref.FAMILY_OF_TYPE[atype] if k % 3 else None,
                "type": atype,
                "is_local": is_local,
                "commune": cname,
                "insee": insee,
                "postcode": cp,
                "address": f"{rnd.randint(1, 80)} rue {rnd.choice(['des Mouettes', 'du Port', 'de la Gare', 'des Écoles', 'Saint-Jean'])}",
                "lat": round(lat + rnd.uniform(-0.012, 0.012), 5) if placed else None,
                "lon": round(lon + rnd.uniform(-0.016, 0.016), 5) if placed else None,
                "action_types": action_types,
                "dimensions": dims,
                "description": desc or None,
                "level": level,
                "circle": explicit_circle,
                "circle_derived": explicit_circle is None,
                "source": SOURCES[k % 3],
                "referent": f"{first} {last}",
                "contact": f"{first.lower()}.{last.lower()}@example.org".replace("è", "e").replace("é", "e").replace("ç", "c"),
                "updated": dt.date(2026, 1, 5) + dt.timedelta(days=rnd.randint(0, 300)),
            })
            k += 1
    actors = pd.DataFrame(rows)
    lead = lambda t: actors.loc[actors["type"] == t, "name"].iloc[0]  # noqa: E731
    A = ref.AXES
    T = ref.TARGETS
    actions = pd.DataFrame([
        (ref.EXAMPLE_ACTIONS[0].text, A[0], [T[0]], "En cours", lead(ref.ADMINISTRATION), dt.date(2027, 3, 31), False),
        ("Diagnostic de l'empreinte numérique des PME volontaires", A[0], [T[1]], "Planifiée", lead("Entreprises du numérique"), dt.date(2027, 6, 30), False),
        ("Réseau local du Numérique responsable : 3 rencontres par an", A[1], list(T[:3]), "En cours", lead("Associations du NR"), dt.date(2027, 12, 31), False),
        ("Fresque du Numérique pour tous les agents de l'agglomération", A[1], [T[0]], "Réalisée", lead(ref.ADMINISTRATION), dt.date(2026, 6, 30), True),
        ("Guide des écogestes numériques diffusé dans les mairies", A[1], [T[3]], "Planifiée", lead("Commune"), dt.date(2027, 2, 28), True),
        ("Ateliers numériques responsables dans les collèges", A[1], [T[0], T[3]], "Idée", lead("Département"), None, False),
        ("Collecte de matériel informatique à l'échelle de l'agglomération", A[2], [T[1], T[2], T[3]], "Planifiée", lead("Entreprises du NR"), dt.date(2027, 4, 15), True),
        ("Critère NR dans le règlement des subventions aux associations", A[2], [T[2]], "Idée", lead(ref.ADMINISTRATION), None, True),
        ("Appel à projets « seconde vie du numérique »", A[2], [T[1], T[2]], "Idée", lead(ref.PARTNER), dt.date(2027, 9, 30), False),
        ("Achat de postes reconditionnés pour les écoles", A[2], [T[0]], "En cours", lead("Commune"), dt.date(2027, 1, 31), True),
        ("Accompagner les communes membres dans leur feuille de route NR", A[2], [T[0]], "Planifiée", lead(ref.ADMINISTRATION), dt.date(2027, 10, 31), False),
        ("Données ouvertes de l'énergie pour piloter la sobriété", A[3], [T[0], T[1]], "Idée", lead("Universités"), None, False),
    ], columns=["action", "axis", "targets", "status", "lead", "due", "quick_win"])
    actions["description"] = None
    territory = Territory(name="Communauté d'agglomération de La Rochelle", epci_siren="241700434", scale="EPCI",
                          include_nonlocal_companies=True, include_nonlocal_associations=True,
                          include_non_residents=True)
    return actors, actions, territory


def main() -> None:
    actors, actions, territory = build()
    wb = build_workbook(actors, actions, territory)
    wb.properties.title = "Recensement des acteurs NR — exemple fictif (CA de La Rochelle)"
    wb.properties.creator = "nrdash"
    wb.properties.created = wb.properties.modified = dt.datetime(2026, 11, 1)
    wb.save(OUT)
    print(f"{OUT.relative_to(ROOT)} : {len(actors)} acteurs, {len(actions)} actions")


if __name__ == "__main__":
    main()
