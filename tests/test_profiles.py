"""Conflict profiles (geo/profiles.py): the shipped ones read, bad files are left out with a
clear message, and an alias two profiles give to different parties is chosen by the article's
countries. No model, no gazetteer."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from geo.claims.actors import ActorRegistry, profile_parties, profile_rows, state_actors
from geo.claims.context import defacto_party
from geo.config import PROJECT_ROOT
from geo.profiles import ProfileError, load_profiles, read_profile

SHIPPED = PROJECT_ROOT / "data" / "conflicts"


def test_shipped_profiles_read_with_their_parties_and_sources() -> None:
    profiles = {p.id: p for p in load_profiles(SHIPPED)}
    assert set(profiles) == {"karabakh-2020", "russia-ukraine", "sudan", "israel-gaza-lebanon", "drc-m23"}
    for p in profiles.values():
        assert p.sources, p.id
        assert p.center is not None and p.zoom is not None, p.id
    assert {party.name for party in profiles["sudan"].parties} == {"RSF"}
    assert "Hamas" in profiles["israel-gaza-lebanon"].organisation_names()
    assert profiles["karabakh-2020"].states == ("AM", "AZ")
    assert [layer.file for layer in profiles["karabakh-2020"].layers][:1] == ["countries_south_caucasus.geojson"]
    for layer in profiles["karabakh-2020"].layers:
        assert (PROJECT_ROOT / "data" / "reference" / layer.file).exists(), layer.file


@pytest.mark.parametrize(("body", "message"), [
    ('name = "x"\nstates = ["UA"]', "'id' must be a non-empty string"),
    ('id = "x"\nname = "x"\nstates = ["Ukraine"]', "ISO 3166"),
    ('id = "x"\nname = "x"\nstates = ["UA"]\n[view]\nzoom = 40', "view.zoom"),
    ('id = "x"\nname = "x"\nstates = ["UA"]\n[[parties]]\nkind = "armed group"', r"parties\[0\] needs a 'name'"),
    ('id = "x" name', "not a readable TOML file"),
])
def test_a_bad_profile_says_what_is_wrong(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ProfileError, match=message):
        read_profile(path)


def test_one_bad_profile_does_not_cost_the_others(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "good.toml").write_text('id = "good"\nname = "Good"\nstates = ["UA"]\n', encoding="utf-8")
    (tmp_path / "bad.toml").write_text('id = "bad"\nstates = 3\n', encoding="utf-8")
    (tmp_path / "twin.toml").write_text('id = "good"\nname = "Twin"\nstates = ["RU"]\n', encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        profiles = load_profiles(tmp_path)
    assert [p.name for p in profiles] == ["Good"]
    assert "bad.toml" in caplog.text and "twin.toml" in caplog.text


def test_an_alias_two_profiles_share_goes_by_the_articles_countries(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(
        'id = "a"\nname = "A"\nstates = ["SD"]\n[[parties]]\nname = "RSF"\naliases = ["the Forces"]\n',
        encoding="utf-8")
    (tmp_path / "b.toml").write_text(
        'id = "b"\nname = "B"\nstates = ["CD"]\n[[parties]]\nname = "M23"\naliases = ["the Forces"]\n',
        encoding="utf-8")
    rows, choices = profile_rows(load_profiles(tmp_path))
    registry = ActorRegistry(rows, choices)
    text = "Fighters of the Forces said"
    assert [m.actor for m in registry.matches(text, {"SD"})] == ["RSF"]
    assert [m.actor for m in registry.matches(text, {"CD", "RW"})] == ["M23"]


def test_a_profile_alias_of_another_state_name_is_chosen_by_the_article(tmp_path: Path) -> None:
    # "Congo" is the Republic of the Congo by default and the DR Congo in an article of the
    # DR Congo's war: the base meaning stays unless the article names the profile's countries.
    (tmp_path / "w.toml").write_text(
        'id = "w"\nname = "W"\nstates = ["CD", "RW"]\n[[parties]]\nname = "Democratic Republic of the Congo"\n'
        'kind = "state"\naliases = ["Congo", "Congolese"]\n[[parties]]\nname = "M23"\nkind = "armed group"\n'
        'aliases = ["M23"]\n', encoding="utf-8")
    base = [("Republic of the Congo", "Congo", "country"), ("Rwanda", "Rwanda", "country")]
    profiles = load_profiles(tmp_path)
    rows, choices = profile_rows(profiles, base)
    registry = ActorRegistry(base + rows, choices, profile_parties(profiles))
    assert [m.actor for m in registry.matches("Congo said", frozenset({"CG"}))] == ["Republic of the Congo"]
    assert [m.actor for m in registry.matches("Congo said", frozenset({"RW"}))] == [
        "Democratic Republic of the Congo"]
    # an alias no base row has is the profile's everywhere
    assert [m.actor for m in registry.matches("Congolese troops said")] == ["Democratic Republic of the Congo"]
    # the article's armed group brings its profile's countries with it
    countries = registry.context_countries("Congo accused the M23 of shelling", frozenset())
    assert {"CD", "RW"} <= countries
    assert [m.actor for m in registry.matches("Congo said", countries)] == ["Democratic Republic of the Congo"]


def test_a_de_facto_authority_speaks_through_the_organs_of_its_place(tmp_path: Path) -> None:
    (tmp_path / "k.toml").write_text(
        'id = "k"\nname = "K"\nstates = ["AM", "AZ"]\n[[parties]]\nname = "Karabakh authorities"\n'
        'kind = "de-facto authority"\naliases = ["Karabakh authorities"]\nplaces = ["Nagorno-Karabakh", "Karabakh"]\n',
        encoding="utf-8")
    profiles = load_profiles(tmp_path)
    assert profiles[0].parties[0].places == ("Nagorno-Karabakh", "Karabakh")
    base = [("Armenia", "Armenian", "demonym"), ("Azerbaijan", "Azerbaijani", "demonym"),
            ("Israel", "Israeli", "demonym")]
    rows, choices = profile_rows(profiles, base)
    registry = ActorRegistry(base + rows, choices, profile_parties(profiles))
    for phrase in ("Nagorno-Karabakh's defence army", "The Karabakh defence army",
                   "the human rights ombudsman of Nagorno-Karabakh",
                   "The ethnic Armenian authorities in Nagorno-Karabakh",
                   "officials of the self-proclaimed Nagorno-Karabakh"):
        assert defacto_party(phrase, registry, frozenset()) == "Karabakh authorities", phrase
    for phrase in ("The Azerbaijani army in Karabakh", "Armenia's defence ministry", "the army",
                   "residents of Karabakh", "a doctor in Nagorno-Karabakh",
                   "the head of a hospital in Karabakh", "officials of a charity in Nagorno-Karabakh"):
        assert defacto_party(phrase, registry, frozenset()) is None, phrase


def test_every_state_is_a_party_an_organ_may_speak_for() -> None:
    states = state_actors()
    assert {"Ukraine", "Sudan", "USA", "Democratic Republic of the Congo", "Rwanda"} <= states
    assert "United States" not in states and "Palestinian Territory" not in states


@pytest.mark.integration
def test_the_karabakh_profile_alone_gives_the_seed_articles_the_same_claims(pipeline, tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The other wars' profiles change nothing on Karabakh articles: the bundled seed articles get
    the same claims (party, text, disputes, date) with every profile as with the Karabakh one alone."""
    import shutil

    from geo.text.corpus import read_corpus

    articles, errors = read_corpus(PROJECT_ROOT / "data" / "articles", pipeline.settings)
    assert articles and not errors

    def claims() -> list[tuple]:
        return [(c.claimant, c.text, tuple(c.disputed_by), c.date, c.stance)
                for a in articles for c in pipeline.analyze(a).claims]

    with_all = claims()
    only = tmp_path / "conflicts"
    only.mkdir()
    shutil.copy(PROJECT_ROOT / "data" / "conflicts" / "karabakh-2020.toml", only)
    monkeypatch.setenv("CLAIM_ATLAS_CONFLICTS", str(only))
    from geo.claims.actors import get_registry

    assert "RSF" not in get_registry().actors  # the other profiles are really out
    assert claims() == with_all
    assert {c[0] for c in with_all} <= {"Armenia", "Azerbaijan", "Nagorno-Karabakh authorities", "Russia", "USA",
                                        "France", "EU", "Turkey", "Iran", "OSCE Minsk Group", "UN", "Other"}
