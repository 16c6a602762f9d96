"""nrdash.links: the whole address of a page of the instance, from NRDASH_PUBLIC_URL or the request's address."""
from __future__ import annotations

import pytest

from nrdash.links import LinkError, locked_link_path, public_base, public_url, questionnaire_path

PATH = "/?territoire=241700434&atelier=1&jeton=abc"


def test_the_setting_wins_over_the_request():
    assert public_url(PATH, "https://nrdash.agglo.fr", "http://10.0.0.5:8501/versions?territoire=241700434") == \
        "https://nrdash.agglo.fr/?territoire=241700434&atelier=1&jeton=abc"
    assert public_url(PATH, "https://www.agglo.fr/nrdash/", None) == \
        "https://www.agglo.fr/nrdash/?territoire=241700434&atelier=1&jeton=abc"
    assert public_url("questionnaire?territoire=17300", " https://nrdash.agglo.fr ", None) == \
        "https://nrdash.agglo.fr/questionnaire?territoire=17300"


def test_without_the_setting_the_request_gives_scheme_host_and_the_app_prefix():
    here = "https://nrdash.agglo.fr:8443/versions?territoire=241700434&jeton=old#x"
    assert public_url(PATH, None, here) == "https://nrdash.agglo.fr:8443/?territoire=241700434&atelier=1&jeton=abc"
    assert public_url(PATH, "", "http://[::1]:8501/versions") == "http://[::1]:8501/?territoire=241700434&atelier=1&jeton=abc"
    assert public_url(PATH, "  ", "http://user:pw@intranet:8501/x", base_path="/nrdash/") == \
        "http://intranet:8501/nrdash/?territoire=241700434&atelier=1&jeton=abc"


@pytest.mark.parametrize("setting", ["nrdash.agglo.fr", "ftp://nrdash.agglo.fr", "https://", "https://a.fr/?x=1",
                                     "https://a.fr/#top", "https://moi:secret@a.fr"])
def test_a_wrong_setting_says_how_to_write_it(setting):
    with pytest.raises(LinkError) as err:
        public_url(PATH, setting, "http://localhost:8501/")
    assert "NRDASH_PUBLIC_URL" in str(err.value) and "https://nrdash.agglo.fr" in str(err.value)
    assert "secret" not in str(err.value) or "identifiant" in str(err.value)


def test_no_setting_and_no_request_address():
    for request in (None, "", "about:blank", "/versions"):
        with pytest.raises(LinkError, match="réglez NRDASH_PUBLIC_URL"):
            public_url(PATH, None, request)
    assert public_base(None) is None and public_base(" ") is None


def test_paths_inside_the_app_are_encoded():
    assert locked_link_path("241700434", "a b&c") == "/?territoire=241700434&atelier=1&jeton=a+b%26c"
    assert questionnaire_path("2A004") == "/questionnaire?territoire=2A004"
