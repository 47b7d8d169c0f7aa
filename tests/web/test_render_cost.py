"""What makes a page cheap to render (issue 12), as deterministic counts, never timings: plain
dependencies resolved without a task group, the form macros built once, long option lists drawn
once and exactly as the macro's loop drew them, routes without parameters reversed once."""

from __future__ import annotations

import pytest
from jinja2 import Environment, select_autoescape
from litestar.di import Provide
from markupsafe import Markup

from portal.web import dependencies, templating
from tests._support.web import count_template_modules

# The macro's former loop, the reference the drawn options must match byte for byte.
LOOP = (
    "{% for value, text in options %}\n"
    '    <option value="{{ value }}"{% if value|string == selected|string %} selected{% endif %}>'
    "{{ text }}</option>\n"
    "{% endfor %}\n"
)


def loop_options(options: object, selected: object) -> str:
    env = Environment(
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.from_string(LOOP).render(options=options, selected=selected)


COUNTRIES = [(f"{i:03d}", f"Pays n°{i} <{i}> & « co »") for i in range(250)] + [(7, "sept")]


@pytest.mark.parametrize("selected", ["", "005", "249", 7, "7", None, "inconnu"])
@pytest.mark.parametrize("options", [COUNTRIES, COUNTRIES[:3], [], [("a", "A"), ("a", "A bis")]])
def test_options_are_drawn_as_the_loop_drew_them(options: list, selected: object) -> None:
    assert str(templating.option_tags(options, selected)) == loop_options(options, selected)


def test_a_long_list_is_drawn_once_and_kept_by_content() -> None:
    templating._DRAWN.clear()
    first = templating.option_tags(COUNTRIES, "005")
    again = templating.option_tags(list(COUNTRIES), "010")  # an equal list, another object
    assert len(templating._DRAWN) == 1
    assert isinstance(first, Markup) and ' value="005" selected>' in first
    assert ' value="010" selected>' in again and ' value="005" selected>' not in again
    short = templating.option_tags(COUNTRIES[:3], "")
    assert len(templating._DRAWN) == 1 and "</option>" in short  # short lists are not kept


async def test_plain_dependencies_resolve_without_a_task_group(client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The home page asks for ``db`` and ``now``: Litestar would resolve them in a task group."""
    import litestar._kwargs.kwargs_model as kwargs_model

    groups: list[object] = []
    original = kwargs_model.create_task_group

    def counting():  # type: ignore[no-untyped-def]
        groups.append(1)
        return original()

    monkeypatch.setattr(kwargs_model, "create_task_group", counting)
    response = await client.get("/")
    assert response.status_code == 200 and "<h1>" in response.text
    assert groups == []


def test_a_level_with_an_async_dependency_keeps_the_task_group() -> None:
    from litestar._kwargs.dependencies import DependencyContainer

    async def later() -> int:
        return 1

    plain = DependencyContainer("plain", Provide(lambda: 1, sync_to_thread=False), [])
    other = DependencyContainer("other", Provide(lambda: 2, sync_to_thread=False), [])
    waiting = DependencyContainer("waiting", Provide(later), [])
    assert dependencies.sequential([{plain, other}])
    assert dependencies.sequential([{waiting}, {plain}])
    assert not dependencies.sequential([{plain, waiting}])


async def test_form_macros_build_no_template_module(client, app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The form macros are Python (portal.web.form_macros): no page builds a module for them, as
    base.html.j2 importing them with the page's context did at every render."""
    built = count_template_modules(monkeypatch)
    for _ in range(3):
        page = await client.get("/connexion")
        assert page.status_code == 200
        assert 'name="_csrf_token" value="' in page.text  # forms.csrf(), the page's own token
        assert 'name="email"' in page.text  # forms.input
    assert built == []


async def test_routes_without_parameters_are_reversed_once(client, app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    reversed_: list[str] = []
    original = type(app).route_reverse

    def counting(self, name, **params):  # type: ignore[no-untyped-def]
        reversed_.append(name)
        return original(self, name, **params)

    monkeypatch.setattr(type(app), "route_reverse", counting)
    first = (await client.get("/")).text
    count = reversed_.count("accounts:login")
    second = (await client.get("/")).text
    assert 'href="/connexion"' in first and 'href="/connexion"' in second
    assert reversed_.count("accounts:login") == count <= 1
