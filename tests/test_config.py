"""Settings from CLAIM_ATLAS_* variables (geo/config.py): a value that is set but not valid is an
error naming the variable, the value and what is accepted, never quietly the default."""

from __future__ import annotations

import pytest

from geo.config import Settings, SettingsError, _env_bool


def test_unset_and_empty_variables_take_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CLAIM_ATLAS_TILES", "CLAIM_ATLAS_ONLINE_GEOCODER", "CLAIM_ATLAS_MIN_CONFIDENCE",
                 "CLAIM_ATLAS_MAX_ARTICLE_BYTES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CLAIM_ATLAS_WORKERS", "")
    s = Settings.from_env()
    assert (s.tiles, s.online_geocoder, s.min_confidence, s.max_article_bytes) == ("none", "off", 0.30, 2_000_000)
    assert s.workers >= 1


def test_valid_values_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIM_ATLAS_TILES", " OSM ")
    monkeypatch.setenv("CLAIM_ATLAS_ONLINE_GEOCODER", "Nominatim")
    monkeypatch.setenv("CLAIM_ATLAS_MIN_CONFIDENCE", "0.5")
    monkeypatch.setenv("CLAIM_ATLAS_MAX_ARTICLE_BYTES", "300")
    monkeypatch.setenv("CLAIM_ATLAS_WORKERS", "3")
    s = Settings.from_env()
    assert (s.tiles, s.online_geocoder, s.min_confidence, s.max_article_bytes, s.workers) == (
        "osm", "nominatim", 0.5, 300, 3)


@pytest.mark.parametrize(("name", "value", "accepted"), [
    ("CLAIM_ATLAS_TILES", "osmm", "accepted: none, osm"),
    ("CLAIM_ATLAS_ONLINE_GEOCODER", "google", "accepted: off, nominatim"),
    ("CLAIM_ATLAS_MIN_CONFIDENCE", "high", "accepted: a number from 0 to 1"),
    ("CLAIM_ATLAS_MIN_CONFIDENCE", "1.5", "accepted: a number from 0 to 1"),
    ("CLAIM_ATLAS_MIN_CONFIDENCE", "nan", "accepted: a number from 0 to 1"),
    ("CLAIM_ATLAS_MAX_ARTICLE_BYTES", "2e6", "accepted: a whole number >= 1"),
    ("CLAIM_ATLAS_MAX_ARTICLE_BYTES", "0", "accepted: a whole number >= 1"),
    ("CLAIM_ATLAS_WORKERS", "two", "accepted: a whole number >= 1"),
    ("CLAIM_ATLAS_WORKERS", "-1", "accepted: a whole number >= 1"),
])
def test_an_invalid_value_is_an_error_naming_it(monkeypatch: pytest.MonkeyPatch, name: str, value: str,
                                                accepted: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        Settings.from_env()
    assert isinstance(info.value, ValueError)
    assert str(info.value) == f"invalid settings: {name}={value!r} is not valid ({accepted})"
    assert info.value.problems == [f"{name}={value!r} is not valid ({accepted})"]


def test_every_invalid_variable_is_named_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIM_ATLAS_TILES", "osmm")
    monkeypatch.setenv("CLAIM_ATLAS_WORKERS", "0")
    with pytest.raises(SettingsError) as info:
        Settings.from_env()
    assert [p.split("=")[0] for p in info.value.problems] == ["CLAIM_ATLAS_TILES", "CLAIM_ATLAS_WORKERS"]
    # The next read starts afresh: nothing of this one's problems is left over.
    monkeypatch.delenv("CLAIM_ATLAS_TILES")
    monkeypatch.setenv("CLAIM_ATLAS_WORKERS", "1")
    assert Settings.from_env().workers == 1


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("Yes", True), (" on ", True), ("true", True),
                                                 ("0", False), ("no", False), ("OFF", False), ("false", False),
                                                 ("", None)])
def test_booleans(monkeypatch: pytest.MonkeyPatch, value: str, expected: bool | None) -> None:
    monkeypatch.setenv("CLAIM_ATLAS_SOME_SWITCH", value)
    assert _env_bool("CLAIM_ATLAS_SOME_SWITCH", None) is expected  # type: ignore[arg-type]


def test_a_bad_boolean_is_an_error_not_false(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIM_ATLAS_SOME_SWITCH", "maybe")
    with pytest.raises(SettingsError, match=r"CLAIM_ATLAS_SOME_SWITCH='maybe' is not valid \(accepted: 1, true, "
                                            r"yes, on for yes; 0, false, no, off for no\)"):
        _env_bool("CLAIM_ATLAS_SOME_SWITCH", True)
