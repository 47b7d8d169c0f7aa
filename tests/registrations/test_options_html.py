"""A long list's options built once (registrations/controllers/responses.py): the very HTML the
select macro's loop writes, the chosen value marked, escaped, and rebuilt for a new list."""

from __future__ import annotations

import re

from jinja2 import Environment, FileSystemLoader

from portal.registrations.controllers.responses import LONG_LIST, options_html
from portal.settings import Settings

LIST = [(f"{n:03d}", f'PAYS {n} <&> "l\'île"') for n in range(LONG_LIST + 10)]


def _select(selected: str, **context: object) -> str:
    templates = Settings.from_env({}).resources_dir / "templates"
    env = Environment(loader=FileSystemLoader(templates), autoescape=True)
    macro = env.from_string(
        '{% import "_macros/forms.html.j2" as forms with context %}'
        '{{ forms.select("pays", "Pays", options, selected=selected) }}'
    )
    html = macro.render(options=LIST, selected=selected, **context)
    return re.sub(r">\s+<", "><", html)


def test_the_same_html_as_the_macro_loop() -> None:
    for selected in ("", "004", "059", "nope"):
        assert _select(selected, options_html=options_html) == _select(selected), selected
    assert '<option value="004" selected>PAYS 4 &lt;&amp;&gt; &#34;l&#39;île&#34;</option>' in (
        _select("004", options_html=options_html)
    )


def test_built_once_per_list_and_short_lists_left_to_the_macro() -> None:
    first = options_html(LIST, "001")
    assert first is not None and first.count(" selected>") == 1
    assert options_html(LIST, "002") is not None
    copy = list(LIST)
    copy[0] = ("000", "AUTRE")
    assert "AUTRE" in str(options_html(copy, ""))  # a new list, its own HTML
    assert options_html(LIST[:3], "001") is None
