"""The form macros (``forms.input(…)`` in a template), written in Python.

A label, a hint and an error are always tied to their input (aria-describedby); a mandatory field
is marked with * (explained once by ``required_note``); errors come in French.

They were Jinja macros (_macros/forms.html.j2) giving the very same markup: a Jinja macro call
costs ≈ 10 times a Python call (its arguments checked, a new context, a frame per nested macro),
and a wizard tab calls them about forty times (bench/RESULTS.md, issue 12). Every value written
into the markup goes through ``escape``, as ``{{ … }}`` did.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from jinja2 import pass_context
from markupsafe import Markup, escape

REQUIRED_NOTE = Markup(
    '<p class="required-note">Les champs marqués d\'un astérisque '
    '(<span aria-hidden="true">*</span>) sont obligatoires.</p>'
)
_STAR = Markup(' <span class="required" aria-hidden="true">*</span>')


try:  # markupsafe's own escaping of a plain string, without making a Markup of it
    from markupsafe import _escape_inner
except ImportError:  # pragma: no cover (another markupsafe)

    def _escape_inner(s: str, /) -> str:
        return str(escape(s))


def _html(value: Any) -> str:
    """``escape(value)`` as a plain string, for the f-strings below (one Markup per macro, not
    one per value)."""
    if type(value) is str:
        return _escape_inner(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return _escape_inner(str(value))


def field_id(name: Any) -> Markup:
    """The id of a field's input: ``champ-`` and its name, ``_`` turned into ``-``."""
    return _field_id(str(name))


@lru_cache(maxsize=1024)  # a form's field names: a few hundred in all, asked for at every render
def _field_id(name: str) -> Markup:
    return Markup("champ-") + escape(name.replace("_", "-"))


def _id(id: Any, name: Any) -> Markup:
    return escape(id) if id else field_id(name)


def _label(id: Markup, label: Any, required: Any) -> Markup:
    return _label_of(id, str(label) if not hasattr(label, "__html__") else label, bool(required))


@lru_cache(maxsize=1024)  # labels are the templates' own words
def _label_of(id: Markup, label: str, required: bool) -> Markup:
    star = _STAR if required else ""
    return Markup(f'<label for="{id}">{_html(label)}{star}</label>')


def _described(id: Markup, hint: Any, error: Any) -> Markup:
    ids = []
    if hint:
        ids.append(id + "-aide")
    if error:
        ids.append(id + "-erreur")
    if not ids:
        return Markup("")
    return Markup(f' aria-describedby="{" ".join(ids)}"')


def _hint_error(id: Markup, hint: Any, error: Any) -> Markup:
    out = f'<p class="hint" id="{id}-aide">{_html(hint)}</p>' if hint else ""
    if error:
        out += (
            f'<p class="field-error" id="{id}-erreur"><span class="visually-hidden">Erreur : </span>'
            f"{_html(error)}</p>"
        )
    return Markup(out)


def attributes(attrs: Any) -> Markup:
    """Extra attributes of an input (``{"spellcheck": "false"}``; ``True``: the bare name)."""
    out = ""
    for key, val in (attrs or {}).items():
        out += f" {_html(key)}" if val is True else f' {_html(key)}="{_html(val)}"'
    return Markup(out)


def _text(value: Any) -> Any:
    return value if value is not None else ""


def _error_class(error: Any) -> str:
    return " field-has-error" if error else ""


def input(
    name: Any,
    label: Any,
    value: Any = "",
    type: Any = "text",
    required: Any = False,
    hint: Any = None,
    error: Any = None,
    autocomplete: Any = None,
    attrs: Any = None,
    id: Any = None,
    readonly: Any = False,
) -> Markup:
    id = _id(id, name)
    if readonly and not error:
        # Shown, never submitted (account data recalled in the wizard): the lightest markup.
        hint_html = f'<p class="hint" id="{id}-aide">{_html(hint)}</p>' if hint else ""
        type_html = f' type="{_html(type)}"' if type != "text" else ""
        described = f' aria-describedby="{id}-aide"' if hint else ""
        return Markup(
            f'<div class="field"><label for="{id}">{_html(label)}</label>{hint_html}'
            f'<input id="{id}" value="{_html(_text(value))}" readonly{type_html}{described}></div>'
        )
    tail = f' value="{_html(_text(value))}"' if type != "password" else ""
    if required:
        tail += " required"
    if error:
        tail += ' aria-invalid="true"'
    if autocomplete:
        tail += f' autocomplete="{_html(autocomplete)}"'
    if readonly:
        tail += " readonly"
    return Markup(
        f'<div class="field{_error_class(error)}" id="{id}-groupe">\n'
        f"  {_label(id, label, required)}\n"
        f"  {_hint_error(id, hint, error)}\n"
        f'  <input type="{_html(type)}" id="{id}" name="{_html(name)}"{tail}'
        f"{_described(id, hint, error)}{attributes(attrs)}>\n</div>"
    )


def _select(
    name: Any,
    label: Any,
    options: Any,
    selected: Any = "",
    required: Any = False,
    hint: Any = None,
    error: Any = None,
    placeholder: Any = "Choisir...",
    attrs: Any = None,
    id: Any = None,
    disabled: Any = False,
    lazy_lists: Iterable[tuple[Any, Any]] = (),
    *,
    option_tags: Callable[[Any, Any], Markup],
) -> Markup:
    """options: a list of (value, text) pairs. In a fragment, a long reference list (lazy_lists:
    [(list, url)], taken from the page's context by ``select``) is drawn with its chosen option
    only; static/js/portal.js fills in the others from their own cached URL."""
    id = _id(id, name)
    url = None
    for known, known_url in lazy_lists:
        if known is options:
            url = known_url
    if url:
        wanted = str(selected)
        options = [option for option in options if option[0] == wanted]
    tail = " required" if required else ""
    if error:
        tail += ' aria-invalid="true"'
    if disabled:
        tail += " disabled"
    if url:
        tail += f' data-options-url="{_html(url)}"'
    first = f'<option value="">{_html(placeholder)}</option>' if placeholder is not None else ""
    return Markup(
        f'<div class="field{_error_class(error)}" id="{id}-groupe">\n'
        f"  {_label(id, label, required)}\n"
        f"  {_hint_error(id, hint, error)}\n"
        f'  <select id="{id}" name="{_html(name)}"{tail}{_described(id, hint, error)}'
        f"{attributes(attrs)}>\n{first}{option_tags(options, selected)}  </select>\n</div>"
    )


def choices(
    name: Any,
    legend: Any,
    options: Any,
    selected: Any = (),
    type: Any = "radio",
    required: Any = False,
    hint: Any = None,
    error: Any = None,
    id: Any = None,
) -> Markup:
    """A group of radios or checkboxes in a fieldset whose legend is the question. A required
    radio group is exposed as such (radiogroup + aria-required, required radios)."""
    id = _id(id, name)
    required_group = required and type == "radio"
    chosen = [str(value) for value in selected]
    required_html = " required" if required_group else ""
    items = ""
    for index, (value, text) in enumerate(options, start=1):
        checked = " checked" if str(value) in chosen else ""
        items += (
            f'  <div class="choice">\n'
            f'    <input type="{_html(type)}" id="{id}-{index}" name="{_html(name)}" '
            f'value="{_html(value)}"{checked}{required_html}>\n'
            f'    <label for="{id}-{index}">{_html(text)}</label>\n  </div>\n'
        )
    group = ' role="radiogroup" aria-required="true"' if required_group else ""
    return Markup(
        f'<fieldset class="field choices{_error_class(error)}" id="{id}"{group}'
        f"{_described(id, hint, error)}>\n"
        f"  <legend>{_html(legend)}{_STAR if required else ''}</legend>\n"
        f"  {_hint_error(id, hint, error)}\n{items}</fieldset>"
    )


def error_summary(errors: Any) -> Markup:
    """GOV.UK error summary: at the top, focused, each error linked to its field."""
    if not errors:
        return Markup("")
    count = len(errors)
    links = "".join(
        f'    <li><a href="#{field_id(name)}">{_html(message)}</a></li>\n'
        for name, message in errors.items()
    )
    return Markup(
        '<div class="error-summary" role="alert" aria-labelledby="resume-erreurs-titre" '
        'tabindex="-1" autofocus>\n'
        f'  <h2 id="resume-erreurs-titre">Le formulaire contient {count} erreur'
        f"{'s' if count > 1 else ''}</h2>\n  <ul>\n{links}  </ul>\n</div>\n"
    )


class FormMacros:
    """The ``forms`` global of the templates."""

    def __init__(self, option_tags: Callable[[Any, Any], Markup]) -> None:
        self._option_tags = option_tags

    field_id = staticmethod(field_id)
    input = staticmethod(input)
    choices = staticmethod(choices)
    error_summary = staticmethod(error_summary)
    attributes = staticmethod(attributes)

    @staticmethod
    def required_note() -> Markup:
        return REQUIRED_NOTE

    @staticmethod
    @pass_context
    def csrf(context: Any) -> Markup:
        """The hidden CSRF field of the page being rendered."""
        token = context.call(context.resolve("csrf_token"))  # as ``{{ csrf_token() }}`` would
        return Markup('<input type="hidden" name="_csrf_token" value="{}">').format(token)

    @property
    def select(self) -> Callable[..., Markup]:
        """``forms.select(…)``, given the page's ``lazy_lists`` (see ``_select``)."""
        return self._select_with_lists

    @pass_context
    def _select_with_lists(self, context: Any, *args: Any, **kwargs: Any) -> Markup:
        kwargs.setdefault("lazy_lists", context.get("lazy_lists") or ())
        return _select(*args, option_tags=self._option_tags, **kwargs)
