"""The ceiling: a bare Litestar app that renders the very same HTML through Jinja, on the same
uvicorn with the same options as `portal serve`, with the same gzip compression.

What a page of the portal costs beyond this is the portal's own work (middleware, session,
database, its templates). DECISIONS.md 12: a page's speed is its ratio to this ceiling, measured
in the same run.

    python bench/ceiling.py --port P --pages DIR   # DIR/<name>.html, served at /<name>
"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn
from jinja2 import DictLoader, Environment, select_autoescape
from litestar import Litestar, get
from litestar.config.compression import CompressionConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig


def create(pages: Path, gzip_level: int = 6) -> Litestar:
    # Each captured page becomes a template: its text, with one variable so Jinja renders it.
    templates = {
        f"{path.stem}.html.j2": "{% raw %}" + path.read_text() + "{% endraw %}{{ tail }}"
        for path in sorted(pages.glob("*.html"))
    }
    environment = Environment(
        loader=DictLoader(templates), autoescape=select_autoescape(default=True), auto_reload=False
    )

    @get("/{name:str}", sync_to_thread=False)
    def page(name: str) -> Template:
        return Template(template_name=f"{name}.html.j2", context={"tail": ""})

    return Litestar(
        route_handlers=[page],
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(environment)),
        compression_config=CompressionConfig(
            backend="gzip", minimum_size=256, gzip_compress_level=gzip_level
        ),
        openapi_config=None,
        logging_config=None,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pages", type=Path, required=True)
    args = parser.parse_args()
    # The options of `portal serve` (portal.cli), so both sides run the same server.
    uvicorn.run(
        create(args.pages),
        host="127.0.0.1",
        port=args.port,
        proxy_headers=False,
        server_header=False,
        log_level="info",
    )


if __name__ == "__main__":
    main()
