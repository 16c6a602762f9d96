"""nrdash.text: numbers, plurals, dates and sizes as French readers write them."""
import datetime as dt

import pytest

from nrdash.text import count_noun, date_time, decimal, esc, file_size, percent, plural, thousands


@pytest.mark.parametrize("n, expected", [(0, "0 acteur"), (1, "1 acteur"), (2, "2 acteurs"), (150, "150 acteurs")])
def test_count_noun_singular_for_zero_and_one(n, expected):
    assert count_noun(n, "acteur") == expected


def test_plural_with_its_own_plural_form():
    assert plural(1, "catégorie", "catégories NR") == "catégorie"
    assert plural(3, "catégorie", "catégories NR") == "catégories NR"
    assert plural(2, "écartée") == "écartées" and plural(1, "écartée") == "écartée"
    assert count_noun(0, "action prévue", "actions prévues") == "0 action prévue"


def test_numbers():
    assert thousands(181057) == "181\u202f057" and thousands(999) == "999"
    assert percent(0.426) == "43 %" and percent(None) == "—" and percent(1) == "100 %"
    assert decimal(2.45, 1) in ("2,5", "2,4") and decimal(12.0, 2) == "12,00"
    assert file_size(50 * 1024 * 1024) == "50 Mo" and file_size(300 * 1024) == "300 Ko"


def test_date_time_and_html():
    assert date_time(dt.datetime(2025, 3, 7, 14, 5)) == "07/03/2025 à 14:05"
    assert esc('<b a="1">&</b>') == "&lt;b a=&quot;1&quot;&gt;&amp;&lt;/b&gt;" and esc(None) == ""
