"""Registration tests: reference data and the demo catalog in the test's SQLite file (the shared
``demo`` fixture), activated candidates created directly, and a real login through /connexion."""

from __future__ import annotations

from sqlmodel import select

from portal.catalog.models import Academy, OpeningPeriod, Qualification, Specialty
from tests._support.candidates import PASSWORD, make_account  # noqa: F401 (re-exported)
from tests._support.candidates import logged_in as log_in  # noqa: F401 (re-exported)


async def period_id(db, qualification: str, academy: str, specialty: str | None = None) -> int:  # type: ignore[no-untyped-def]
    async with db.read() as session:
        statement = (
            select(OpeningPeriod.id)
            .join(Specialty, Specialty.id == OpeningPeriod.specialty_id)
            .join(Qualification, Qualification.id == Specialty.qualification_id)
            .join(Academy, Academy.code == OpeningPeriod.academy_code)
            .where(Qualification.code == qualification, Academy.code == academy)
        )
        if specialty is not None:
            statement = statement.where(Specialty.code == specialty)
        return (await session.exec(statement)).first()  # type: ignore[return-value]


IDENTIFICATION = {
    "address_country": "100",
    "address1": "Rue de la pluie",
    "postal_code": "78270",
    "locality": "Blaru",
    "nationality": "100",
    "phone": "01 23 45 67 89",
}
SITUATION = {
    "corps": "AC1D",
    "status": "TIT",
    "position": "ACT",
    "work_country": "100",
    "work_department": "078",
    "work_locality": "78000-VERSAILLES",
    "establishment": "0783371R",
}


def location(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 303, (response.status_code, response.text[:2000])
    return response.headers["location"]


def form_values(html: str) -> dict[str, str]:
    """What a browser would submit from the page's wizard form as shown (selected options,
    text values, checked boxes; readonly account fields and buttons left out)."""
    from html.parser import HTMLParser

    class Form(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.values: dict[str, str] = {}
            self.select: str | None = None
            self.first_option: str | None = None

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            a = dict(attrs)
            name = a.get("name") or ""
            if tag == "input" and name and not name.startswith(("account_", "_csrf")):
                kind = a.get("type", "text")
                if kind in ("radio", "checkbox"):
                    if "checked" in a:
                        self.values[name] = a.get("value") or ""
                elif kind != "submit":
                    self.values[name] = a.get("value") or ""
            elif tag == "select" and name:
                self.select, self.first_option = name, None
            elif tag == "option" and self.select:
                value = a.get("value") or ""
                if self.first_option is None:
                    self.first_option = value
                    self.values.setdefault(self.select, value)
                if "selected" in a:
                    self.values[self.select] = value

        def handle_endtag(self, tag: str) -> None:
            if tag == "select":
                self.select = None

    parser = Form()
    parser.feed(html.split('<form method="post" action="/inscriptions/')[1])
    return parser.values
