"""The form macros (portal.web.form_macros): every value escaped, a field tied to its label, hint
and error. They replaced Jinja macros byte for byte; what a page shows is tested with the pages."""

from __future__ import annotations

from enum import StrEnum

from markupsafe import Markup, escape

from portal.web import form_macros as forms
from portal.web.templating import option_tags

HOSTILE = '<script>alert("x")</script>&'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;"


def test_every_value_of_an_input_is_escaped() -> None:
    html = forms.input(
        "a_b",
        HOSTILE,
        value=HOSTILE,
        hint=HOSTILE,
        error=HOSTILE,
        autocomplete=HOSTILE,
        attrs={"data-x": HOSTILE},
    )
    assert isinstance(html, Markup)
    assert "<script>" not in html
    assert html.count(ESCAPED) == 6  # label, hint, error, value, autocomplete, attribute
    assert 'id="champ-a-b"' in html and 'for="champ-a-b"' in html
    assert 'aria-describedby="champ-a-b-aide champ-a-b-erreur"' in html
    assert 'aria-invalid="true"' in html


def test_a_password_never_writes_its_value_and_markup_is_kept() -> None:
    html = forms.input("password", Markup("Mot de <em>passe</em>"), value="secret", type="password")
    assert "secret" not in html
    assert "Mot de <em>passe</em>" in html


def test_a_readonly_field_is_the_light_markup_unless_in_error() -> None:
    light = forms.input("x", "X", value=None, hint="H", readonly=True)
    assert light == (
        '<div class="field"><label for="champ-x">X</label><p class="hint" id="champ-x-aide">H</p>'
        '<input id="champ-x" value="" readonly aria-describedby="champ-x-aide"></div>'
    )
    assert 'name="x"' in forms.input("x", "X", error="E", readonly=True)


def test_select_escapes_and_marks_the_chosen_option() -> None:
    html = forms._select(
        "pays",
        HOSTILE,
        [("1", HOSTILE), (2, "Deux")],
        selected=2,
        placeholder=HOSTILE,
        option_tags=option_tags,
    )
    assert "<script>" not in html
    assert html.count(ESCAPED) == 3
    assert '<option value="2" selected>Deux</option>' in html


def test_a_long_list_in_a_fragment_keeps_its_chosen_option_only() -> None:
    countries = [(str(n), f"Pays {n}") for n in range(40)]
    html = forms._select(
        "pays",
        "Pays",
        countries,
        selected="7",
        lazy_lists=[(countries, "/listes/pays?a=1&b=2")],
        option_tags=option_tags,
    )
    assert html.count("<option") == 2  # the placeholder and the chosen one
    assert 'data-options-url="/listes/pays?a=1&amp;b=2"' in html


def test_a_required_radio_group_is_exposed_as_such() -> None:
    html = forms.choices(
        "answer", HOSTILE, [("oui", "Oui"), ("non", HOSTILE)], ["oui"], required=True
    )
    assert "<script>" not in html
    assert 'role="radiogroup" aria-required="true"' in html
    assert 'value="oui" checked required' in html
    assert 'value="non" required>' in html
    checkboxes = forms.choices("c", "C", [(1, "Un"), (2, "Deux")], [2], type="checkbox")
    assert "required" not in checkboxes and 'value="2" checked>' in checkboxes


def test_error_summary_links_each_error_to_its_field() -> None:
    assert forms.error_summary({}) == ""
    html = forms.error_summary({"birth_name": HOSTILE, "email": "Adresse invalide"})
    assert "Le formulaire contient 2 erreurs" in html
    assert f'<a href="#champ-birth-name">{ESCAPED}</a>' in html
    assert "contient 1 erreur<" in forms.error_summary({"email": "x"})


def test_values_are_escaped_exactly_as_markupsafe_does() -> None:
    """The macros escape into plain strings (one Markup per macro): the text must be what
    ``escape`` gives, for every kind of value a template passes."""

    class Kind(StrEnum):
        quote = 'l\'"autre" <b>'

    class Html:
        def __html__(self) -> str:
            return "<em>déjà sûr</em>"

    values = [HOSTILE, "", "Élève & professeur", Markup("<b>gras</b>"), 12, 3.5, None]
    values += [True, Kind.quote, Html(), ["<a>"], "x" * 500 + "<"]
    for value in values:
        assert forms._html(value) == str(escape(value)), value
        assert type(forms._html(value)) is str
