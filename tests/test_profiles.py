"""Conflict profiles (geo/profiles.py): the shipped ones read, bad files are left out with a
clear message, and an alias two profiles give to different parties is chosen by the article's
countries. No model, no gazetteer."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from geo.claims.actors import ActorRegistry, profile_rows
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
