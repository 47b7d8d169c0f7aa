# Everyday recipes. `just` is optional: each recipe is the plain command it runs.

# serve the portal with the demo data on http://127.0.0.1:8000
serve:
    python -m portal demo load
    python -m portal serve

# install test tools, then lint, format check and the whole suite (browser tests included)
test:
    python -m pip install -q -e ".[test,postgres]" && python tests/prepare.py && ruff check . && ruff format --check . && python -m pytest

# the fast loop: everything but the browser tests
quick:
    python -m pytest -q -m "not browser"

lint:
    ruff check .
    ruff format --check .

fmt:
    ruff check --fix .
    ruff format .

# benchmarks (timings live in bench/, never in tests)
bench:
    python bench/pages.py
    python bench/registration_rush.py

upgrade:
    python -m portal db upgrade

check:
    python -m portal check
