"""The actor registry (geo/actors.py): aliases, case, overlaps, fuzzy names, custom
registries, and claims extracted with a registry built for another war.

Texts are written for these tests; the default registry is data/actors.csv.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.claims.actors import OTHER, ActorRegistry, get_registry
from geo.claims.extract import extract_claims
from geo.model import Article


@pytest.fixture(scope="module")
def registry() -> ActorRegistry:
    return get_registry()


def aliases(reg: ActorRegistry, text: str) -> list[tuple[str, str]]:
    return [(m.actor, m.alias) for m in reg.matches(text)]


# --------------------------------------------------------------------------- exact matches


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The US said it was alarmed.", [("USA", "US")]),
        ("U.S. officials said talks would go on.", [("USA", "U.S.")]),
        ("A USA delegation arrived.", [("USA", "USA")]),
        ("the White House said", [("USA", "White House")]),
    ],
)
def test_capitalised_aliases_match(registry: ActorRegistry, text: str, expected: list) -> None:
    assert aliases(registry, text) == expected


@pytest.mark.parametrize(
    "text",
    ["let us say the talks failed", "Usa", "the white house on the hill", "an armenian carpet",
     "the kremlinology of it", "bakuvian", "USAID said", "EUROPE"],
)
def test_capitalised_aliases_are_case_sensitive_and_whole_words(registry: ActorRegistry, text: str) -> None:
    assert registry.matches(text) == []


@pytest.mark.parametrize("word", ["Analysts", "analysts", "ANALYSTS", "Witnesses", "residents"])
def test_lowercase_role_aliases_are_case_insensitive(registry: ActorRegistry, word: str) -> None:
    (m,) = registry.matches(f"{word} said the town was quiet.")
    assert (m.actor, m.alias, m.kind, m.start, m.end) == (OTHER, word, "role", 0, len(word))


def test_role_alias_is_a_whole_word(registry: ActorRegistry) -> None:
    assert registry.matches("The psychoanalysts met.") == []


@pytest.mark.parametrize(
    ("text", "alias", "actor"),
    [
        ("The OSCE Minsk Group said", "OSCE Minsk Group", "OSCE Minsk Group"),
        ("the Republic of Azerbaijan said", "Republic of Azerbaijan", "Azerbaijan"),
        ("the Russian Federation said", "Russian Federation", "Russia"),
        ("the United States of America said", "United States of America", "USA"),
        ("the Republic of Nagorno-Karabakh said", "Republic of Nagorno-Karabakh",
         "Nagorno-Karabakh authorities"),
        ("Nagorno-Karabakh authorities said", "Nagorno-Karabakh authorities", "Nagorno-Karabakh authorities"),
    ],
)
def test_longest_alias_wins(registry: ActorRegistry, text: str, alias: str, actor: str) -> None:
    assert aliases(registry, text) == [(actor, alias)]


def test_shorter_aliases_alone_still_match(registry: ActorRegistry) -> None:
    assert aliases(registry, "The Minsk Group and the OSCE") == [("OSCE Minsk Group", "Minsk Group"),
                                                                ("OSCE Minsk Group", "OSCE")]


def test_match_offsets_are_into_the_text(registry: ActorRegistry) -> None:
    text = "Talks between Baku and Yerevan, hosted by Moscow, were welcomed by Analysts."
    for m in registry.matches(text):
        assert text[m.start:m.end] == m.alias
    assert [m.kind for m in registry.matches(text)] == ["capital", "capital", "capital", "role"]


def test_actors_in_is_distinct_and_in_order(registry: ActorRegistry) -> None:
    text = "Azerbaijani and Armenian officials met; Azerbaijan's Bayramov and Russia's Lavrov also spoke."
    assert registry.actors_in(text) == ["Azerbaijan", "Armenia", "Russia"]
    assert registry.actors_in("Nobody here speaks for a state.") == []


# --------------------------------------------------------------------------- fuzzy people


@pytest.mark.parametrize(
    ("name", "actor"),
    [
        ("Zahrab Manatsakanyan", "Armenia"),
        ("Zohrab Mnatsakanian", "Armenia"),
        ("Jeyhun Bayramoff", "Azerbaijan"),
        ("Jeyhoun Bairamov", "Azerbaijan"),
        ("Ilham Aliev", "Azerbaijan"),
        ("Nikol Pashinian", "Armenia"),
        ("Sergey Lavrov", "Russia"),
        ("Arayik Harutyunian", "Nagorno-Karabakh authorities"),
        ("Antonio Guteres", "UN"),
    ],
)
def test_fuzzy_person_accepts_close_transliterations(registry: ActorRegistry, name: str, actor: str) -> None:
    assert registry.fuzzy_person(name) == actor


@pytest.mark.parametrize(
    "name",
    ["John Smith", "Ruben Gasparyan", "Jeyhun Mammadov", "Mike Pence", "Vladimir Klitschko", "Aliev", "Bo",
     ""],
)
def test_fuzzy_person_rejects_unrelated_and_short_names(registry: ActorRegistry, name: str) -> None:
    assert registry.fuzzy_person(name) is None


def test_fuzzy_person_threshold(registry: ActorRegistry) -> None:
    assert registry.fuzzy_person("Jeyhun Bayramoff", threshold=80) == "Azerbaijan"
    assert registry.fuzzy_person("Jeyhun Bayramoff", threshold=99) is None
    assert registry.fuzzy_person("Jeyhun Bayramov", threshold=100) == "Azerbaijan"


def test_fuzzy_person_needs_people_in_the_registry() -> None:
    reg = ActorRegistry([("Eldoria", "Eldoria", "country")])
    assert reg.fuzzy_person("Mirela Vost") is None


# --------------------------------------------------------------------------- custom registries

CUSTOM_CSV = """\
actor,alias,kind,note
# A registry for another war, written for this test.

# Comment lines and blank lines are skipped.
Ukraine,Ukraine,country,
Ukraine,Ukrainian,demonym,
Ukraine,Kyiv,capital,"the capital, also spelt Kiev"
Ukraine,Volodymyr Zelensky,person,President
Ukraine,Zelensky,person,
Ukraine,General Staff of the Armed Forces of Ukraine,body,
Russia,Russia,country,
Russia,Kremlin,body,
Russia,Dmitry Peskov,person,Kremlin spokesman
Other,military bloggers,role
Other,Kiev
"""


@pytest.fixture
def custom_registry(tmp_path: Path) -> ActorRegistry:
    path = tmp_path / "actors_ukraine.csv"
    path.write_text(CUSTOM_CSV, encoding="utf-8")
    return ActorRegistry.load(path)


def test_custom_registry_loads_rows_and_skips_comments(custom_registry: ActorRegistry) -> None:
    assert custom_registry.actors == ["Other", "Russia", "Ukraine"]
    assert ("Ukraine", "Kyiv", "capital") in custom_registry.rows
    assert ("Other", "Kiev", "") in custom_registry.rows  # the kind column may be missing
    assert not any(actor.startswith("#") or actor == "actor" for actor, _, _ in custom_registry.rows)
    assert len(custom_registry.rows) == 11


def test_custom_registry_matches(custom_registry: ActorRegistry) -> None:
    text = "The General Staff of the Armed Forces of Ukraine said Kyiv and Military Bloggers disagreed."
    assert aliases(custom_registry, text) == [
        ("Ukraine", "General Staff of the Armed Forces of Ukraine"), ("Ukraine", "Kyiv"),
        ("Other", "Military Bloggers")]
    assert custom_registry.matches("Armenia said") == []  # the Karabakh actors are not in it
    assert custom_registry.fuzzy_person("Volodymyr Zelenskyy") == "Ukraine"
    assert custom_registry.fuzzy_person("Dmitri Peskov") == "Russia"


def test_get_registry_reads_a_given_path(tmp_path: Path) -> None:
    path = tmp_path / "tiny.csv"
    path.write_text("actor,alias,kind,note\nEldoria,Eldoria,country,\nEldoria,Mirela Vost,person,\n",
                    encoding="utf-8")
    reg = get_registry(path)
    assert reg.actors == ["Eldoria"]
    assert get_registry(path) is reg  # read once


def test_default_registry_has_the_karabakh_vocabulary(registry: ActorRegistry) -> None:
    assert {"Armenia", "Azerbaijan", "Nagorno-Karabakh authorities", "Russia", "USA", "France", "EU", "Turkey",
            "Iran", "OSCE Minsk Group", "UN", "Other"} <= set(registry.actors)


def test_default_registry_has_every_state_and_the_profiles_parties(registry: ActorRegistry) -> None:
    actors = set(registry.actors)
    assert len([a for a in actors if a not in {"Other", "UN", "EU", "NATO", "AU", "ICRC", "OSCE Minsk Group"}]) > 190
    assert {"Ukraine", "Sudan", "Israel", "Lebanon", "Democratic Republic of the Congo", "Rwanda", "Egypt",
            "Qatar"} <= actors
    assert {"RSF", "Hamas", "Gaza authorities", "Hezbollah", "M23", "Houthis"} <= actors
    assert "Palestinian Territory" not in actors  # a territory's adjective names no party
    assert [(m.actor, m.kind) for m in registry.matches("Kyiv and the Kremlin said")] == [
        ("Ukraine", "capital"), ("Russia", "seat")]
    assert registry.actors_in("Ukrainians and Sudanese") == ["Ukraine", "Sudan"]


# --------------------------------------------------------------------------- claims with a custom registry


def claims_with(nlp, text: str, registry: ActorRegistry | None, published: str = "2022-03-12"):
    doc = nlp(text)
    claims = extract_claims(doc, Article(id="t", text=text, published=published), [], registry=registry)
    for c in claims:
        assert text[c.start:c.end] == c.text
    return claims


@pytest.mark.integration
@pytest.mark.parametrize(
    ("text", "claimant_text", "default_claimant"),
    [
        # issue 19: the default registry knows every state (capitals included) and the
        # Russia-Ukraine profile's officials
        ("Volodymyr Zelenskyy said Russian missiles hit Kharkiv overnight.", "Volodymyr Zelenskyy", "Ukraine"),
        ("Kyiv says Russian forces attacked the port of Odesa.", "Kyiv", "Ukraine"),
        # the default registry falls back to the country named in the speaker phrase
        ("The General Staff of the Armed Forces of Ukraine reported that two drones were shot down.",
         "The General Staff of the Armed Forces of Ukraine", "Ukraine"),
    ],
)
def test_extract_claims_with_a_custom_registry(nlp, custom_registry: ActorRegistry, text: str,
                                               claimant_text: str, default_claimant: str) -> None:
    (c,) = claims_with(nlp, text, custom_registry)
    assert (c.claimant, c.claimant_text) == ("Ukraine", claimant_text)
    # the default registry (every state, the conflict profiles) gives the same speakers their party
    (d,) = claims_with(nlp, text, None)
    assert (d.claimant, d.claimant_text) == (default_claimant, claimant_text)


@pytest.mark.integration
def test_person_unknown_to_the_default_registry_is_other(nlp) -> None:
    (c,) = claims_with(nlp, "Oleksandr Kovalenko said Russian missiles hit Kharkiv overnight.", None)
    assert (c.claimant, c.claimant_text) == (OTHER, "Oleksandr Kovalenko")
    assert c.date == "2022-03-11"


@pytest.mark.integration
def test_custom_registry_anaphoric_denial(nlp, custom_registry: ActorRegistry) -> None:
    text = "The Kremlin said its troops had withdrawn from Kherson. Kyiv denied this."
    c, denial = claims_with(nlp, text, custom_registry)
    assert (c.claimant, c.disputed_by) == ("Russia", ["Ukraine"])
    assert c.text == "The Kremlin said its troops had withdrawn from Kherson."
    assert (denial.claimant, denial.stance) == ("Ukraine", "deny")
    # the default registry knows Kyiv too (every capital): the same dispute, and the denial is a
    # claim of Ukraine disputing Russia's (issue 12)
    d, denial = claims_with(nlp, text, None)
    assert (d.claimant, d.disputed_by) == ("Russia", ["Ukraine"])
    assert (denial.claimant, denial.stance, denial.disputed_by) == ("Ukraine", "deny", ["Russia"])


@pytest.mark.integration
def test_custom_registry_unknown_speaker_is_other(nlp, custom_registry: ActorRegistry) -> None:
    (c,) = claims_with(nlp, "Oleksandr Kovalenko said the talks had stalled.", custom_registry)
    assert (c.claimant, c.claimant_text) == (OTHER, "Oleksandr Kovalenko")
    (d,) = claims_with(nlp, "Military bloggers said the offensive had stalled.", custom_registry)
    assert (d.claimant, d.claimant_text) == (OTHER, "Military bloggers")


@pytest.mark.integration
def test_custom_registry_joint_subject(nlp, custom_registry: ActorRegistry) -> None:
    claims = claims_with(nlp, "Kyiv and the Kremlin both said the prisoner exchange had taken place.",
                         custom_registry)
    assert [c.claimant for c in claims] == ["Ukraine", "Russia"]


def test_the_trie_pattern_matches_as_the_flat_alternation(registry: ActorRegistry) -> None:
    """The registry's trie regex finds exactly what a flat, longest-first alternation of every
    alias finds, on the seed articles and on texts with prefixes of aliases and odd boundaries."""
    import re

    def flat(aliases: list[str], flags: int) -> re.Pattern:
        parts = sorted({re.escape(a) for a in aliases}, key=len, reverse=True)
        return re.compile(r"(?<![\w])(?:" + "|".join(parts) + r")(?![\w])", flags)

    cased = [a for _, a, _ in registry.rows if any(ch.isupper() for ch in a)]
    lower = [a for _, a, _ in registry.rows if not any(ch.isupper() for ch in a)]
    texts = [p.read_text(encoding="utf-8") for p in sorted((Path(__file__).parents[1] / "data" / "articles").glob("*.txt"))]
    texts += [
        "Armenian Armenia Armenians ARMENIA armenia Azerbaijani-backed Azerbaijan's U.S.-led U.S. USA",
        "The Rapid Support Forces and the Rapid Support said; RSF-held RSFs Hamas-run Hamass",
        "the ministry's spokesman, the Ministry, MINISTRY of Defence; the defence ministry spokesman said",
        "South Sudan, Sudanese, Sudan. Congo-Brazzaville, DR Congo, Democratic Republic of the Congo's army",
    ]
    assert texts[0]
    for aliases, flags in ((cased, 0), (lower, re.I)):
        trie = ActorRegistry._pattern(aliases, flags)
        assert trie is not None
        reference = flat(aliases, flags)
        for text in texts:
            assert [(m.start(), m.end()) for m in trie.finditer(text)] == \
                [(m.start(), m.end()) for m in reference.finditer(text)]
