"""A CSRF-aware test client and HTML helpers."""

from __future__ import annotations

import re
from typing import Any

from jinja2.bccache import Bucket, BytecodeCache
from litestar.testing import AsyncTestClient

BASE_URL = "http://127.0.0.1:8000"


class Client(AsyncTestClient):
    """A test client that behaves like a browser with forms: it sends the CSRF token."""

    def csrf_token(self) -> str:
        token = self.cookies.get("csrftoken")
        if token is None:
            raise AssertionError("GET a page before POSTing: no csrftoken cookie yet")
        return token

    async def submit(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any):  # type: ignore[no-untyped-def]
        if "csrftoken" not in self.cookies:
            await self.get("/")
        form = {"_csrf_token": self.csrf_token(), **(data or {})}
        return await self.post(url, data=form, **kwargs)

    async def htmx_get(self, url: str, **kwargs: Any):  # type: ignore[no-untyped-def]
        headers = {"HX-Request": "true", **kwargs.pop("headers", {})}
        return await self.get(url, headers=headers, **kwargs)


def field_error(html: str, name: str) -> str | None:
    """The error message shown next to a field (without the hidden "Erreur : " prefix)."""
    field_id = "champ-" + name.replace("_", "-")
    match = re.search(
        rf'<p class="field-error" id="{field_id}-erreur"><span class="visually-hidden">'
        r"Erreur : </span>(.*?)</p>",
        html,
        re.S,
    )
    return match.group(1) if match else None


class CompiledTemplates(BytecodeCache):
    """Jinja bytecode kept in memory for the session: each test builds its own app (and Jinja
    environment), and compiling the same templates again for every test costs more than the
    test. Jinja checks each template's source checksum before using the bytecode."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        data = self.store.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


def count_template_modules(monkeypatch: Any) -> list[str]:
    """The names of the templates Jinja builds a module of from now on (an ``import``), as a
    list that fills as pages render (issue 12: none should be built per render)."""
    from jinja2 import Template

    built: list[str] = []
    original = Template.make_module

    def counting(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        built.append(self.name)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Template, "make_module", counting)
    return built
