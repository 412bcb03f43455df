"""Place-name recognition (geo/mentions.py) on sentences written for these tests.

Every sentence here is new text (not taken from the seed articles), so the tests check that
recognition generalises: gazetteer scan where spaCy mislabels, cues, names of organisations
and documents, line features, metonymy.
"""

from __future__ import annotations

import pytest

from geo.gazetteer.index import Gazetteer
from geo.geoparse.metonymy import detect_metonymy
from geo.geoparse.recognize import mentions_from_spans, recognize_toponyms
from geo.model import Mention


@pytest.fixture(scope="module")
def recognize(nlp, real_gazetteer: Gazetteer):
    def run(text: str) -> list[Mention]:
        mentions = recognize_toponyms(nlp(text), real_gazetteer)
        for m in mentions:  # offsets are into the text, sentences contain their mention
            assert text[m.start:m.end] == m.text
            assert m.sentence_start <= m.start < m.end <= m.sentence_end
        return mentions

    return run


def surfaces(mentions: list[Mention], *, places_only: bool = True) -> list[str]:
    return [m.text for m in mentions if not (places_only and m.not_a_place)]


def find(mentions: list[Mention], text: str) -> Mention:
    hits = [m for m in mentions if m.text == text]
    assert hits, f"{text!r} not among {[m.text for m in mentions]}"
    return hits[0]


# --------------------------------------------------------------------------- recognition


@pytest.mark.integration
@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Officials in Yerevan said the ceasefire had collapsed overnight.", "Yerevan"),
        ("Stepanakert came under rocket fire before dawn, the local emergency service said.", "Stepanakert"),
        ("Refugees who fled Shusha were sheltering in a school in Goris.", "Goris"),
        ("The statement came from Yerevan, where the prime minister met foreign envoys.", "Yerevan"),
    ],
)
def test_gazetteer_catches_names_spacy_misses_or_mislabels(recognize, text: str, name: str) -> None:
    m = find(recognize(text), name)
    assert not m.not_a_place


@pytest.mark.integration
def test_town_of_cue_with_unknown_spelling(recognize) -> None:
    # "Martooni" is in no gazetteer; the cue "the town of" and fuzzy matching find it.
    text = "Heavy artillery fire hit the town of Martooni in the Karabakh region on Sunday, residents said."
    mentions = recognize(text)
    m = find(mentions, "Martooni")
    assert m.feature_hint == "settlement"
    assert m.cue_container == "Karabakh"
    karabakh = find(mentions, "Karabakh")
    assert karabakh.feature_hint == "region"


@pytest.mark.integration
def test_comma_container(recognize) -> None:
    m = find(recognize("The festival was held in Paris, Texas, a small city near the state line."), "Paris")
    assert m.cue_container == "Texas"


@pytest.mark.integration
def test_unknown_capitalised_word_is_not_a_place(recognize) -> None:
    mentions = recognize("Zorblat announced the decision late on Tuesday.")
    assert "Zorblat" not in surfaces(mentions)


@pytest.mark.integration
def test_countries_and_regions(recognize) -> None:
    mentions = recognize("Talks between Armenia and Azerbaijan on Nagorno-Karabakh resumed in Geneva.")
    assert surfaces(mentions) == ["Armenia", "Azerbaijan", "Nagorno-Karabakh", "Geneva"]


@pytest.mark.integration
def test_no_overlapping_mentions(recognize) -> None:
    mentions = recognize("Troops of the Republic of Azerbaijan and the Armenian-Azerbaijani border guards "
                         "met near the border between Armenia and Azerbaijan, north of Lake Sevan.")
    for a, b in zip(mentions, mentions[1:], strict=False):
        assert a.end <= b.start


# --------------------------------------------------------------------------- not a place


@pytest.mark.integration
@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Mediators from the Minsk Group arrived in Vienna for consultations.", "Minsk"),
        ("The OSCE Minsk Group co-chairs met again on Thursday.", "Minsk"),
        ('The so-called "Minsk" group has failed, an Azerbaijani official said.', "Minsk"),
        ("Officials from the Lima Group met in Ottawa on Monday.", "Lima"),
        ("Diplomats cited the Helsinki Document during the meeting.", "Helsinki"),
        ("Both delegations said the Madrid Principles were still the basis of talks.", "Madrid"),
        ("The Organization for Security and Cooperation in Europe urged restraint.", "Europe"),
    ],
)
def test_place_names_inside_other_names_are_not_places(recognize, text: str, name: str) -> None:
    mentions = recognize(text)
    m = find(mentions, name)
    assert m.not_a_place
    assert m.metonymy_reason  # the reason is kept to show the user
    assert name not in surfaces(mentions)


@pytest.mark.integration
def test_other_places_of_the_sentence_stay_places(recognize) -> None:
    mentions = recognize("Mediators from the Minsk Group arrived in Vienna for consultations.")
    assert surfaces(mentions) == ["Vienna"]


@pytest.mark.integration
def test_osce_official_spelling_is_not_a_place(recognize) -> None:
    mentions = recognize("The Organization for Security and Co-operation in Europe urged restraint.")
    assert "Europe" not in surfaces(mentions)


@pytest.mark.integration
def test_helsinki_final_act_is_not_a_place(recognize) -> None:
    mentions = recognize("Signatories of the Helsinki Final Act met in Vienna.")
    assert surfaces(mentions) == ["Vienna"]


# --------------------------------------------------------------------------- line features


@pytest.mark.integration
@pytest.mark.parametrize(
    ("text", "surface"),
    [
        ("Azerbaijani troops advanced along the border with Iran last week.", "border with Iran"),
        ("Observers patrolled the border between Armenia and Azerbaijan.", "border between Armenia and Azerbaijan"),
        ("Troops exchanged fire along the Armenian-Azerbaijani border overnight.", "Armenian-Azerbaijani border"),
    ],
)
def test_border_phrases(recognize, text: str, surface: str) -> None:
    m = find(recognize(text), surface)
    assert m.method == "feature" and m.feature_hint == "border"


@pytest.mark.integration
def test_pipelines(recognize) -> None:
    text = ("Armenia and Azerbaijan traded accusations, and analysts warned that pipelines carrying "
            "Caspian oil to Georgia and Turkey could be hit.")
    m = find(recognize(text), "pipelines")
    assert m.method == "feature" and m.feature_hint == "pipeline"


@pytest.mark.integration
def test_oil_pipeline_includes_its_modifier(recognize) -> None:
    text = "Azerbaijan said the oil pipeline to Georgia was working normally despite the fighting."
    m = find(recognize(text), "oil pipeline")
    assert m.feature_hint == "pipeline"


@pytest.mark.integration
def test_in_the_pipeline_idiom_is_not_a_place(recognize) -> None:
    text = "A new round of talks is in the pipeline, a diplomat in Tbilisi told reporters after meeting Azerbaijan."
    mentions = recognize(text)
    assert not any("pipeline" in m.text for m in mentions)
    assert "Tbilisi" in surfaces(mentions)


# --------------------------------------------------------------------------- metonymy


def _metonymy(nlp, text: str, name: str) -> tuple[bool, str]:
    start = text.index(name)
    return detect_metonymy(nlp(text), start, start + len(name))


@pytest.mark.integration
@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Moscow said it was ready to mediate between the two sides.", "Moscow"),
        ("Ankara's support for the offensive was welcomed in Azerbaijan.", "Ankara"),
        ("The militia was backed by Tehran throughout the conflict.", "Tehran"),
        ("Baku authorities denied any involvement in the strike.", "Baku"),
        ("Yerevan insists the attack was unprovoked.", "Yerevan"),
        ("Washington and Moscow called for an immediate ceasefire.", "Moscow"),
    ],
)
def test_metonymic_uses(nlp, text: str, name: str) -> None:
    metonymic, reason = _metonymy(nlp, text, name)
    assert metonymic, text
    assert reason


@pytest.mark.integration
@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Thousands of protesters gathered in Moscow on Saturday.", "Moscow"),
        ("Moscow's streets were quiet after the announcement.", "Moscow"),
        ("Tehran was shelled during the war in the 1980s.", "Tehran"),
        ("Baku lies on the shore of the Caspian Sea.", "Baku"),
        ("The delegation flew from Ankara to Baku on Monday.", "Ankara"),
    ],
)
def test_literal_uses(nlp, text: str, name: str) -> None:
    metonymic, _ = _metonymy(nlp, text, name)
    assert not metonymic, text


# --------------------------------------------------------------------------- gold spans


@pytest.mark.integration
def test_mentions_from_spans_attach_the_same_cues(nlp) -> None:
    text = "Azerbaijani troops advanced along the border with Iran, near the town of Martooni in the Karabakh region."
    spans = [(text.index(s), text.index(s) + len(s)) for s in ("border with Iran", "Martooni", "Karabakh")]
    border, town, region = mentions_from_spans(nlp(text), spans)
    assert (border.method, border.feature_hint) == ("feature", "border")
    assert (town.feature_hint, town.cue_container) == ("settlement", "Karabakh")
    assert region.feature_hint == "region"
    for m, (s, e) in zip((border, town, region), spans, strict=True):
        assert (m.start, m.end, m.text) == (s, e, text[s:e])


# --------------------------------------------------------------------------- reading a doc once


def test_gazetteer_memo_answers_as_the_gazetteer_does(gazetteer: Gazetteer) -> None:
    from geo.gazetteer.memo import GazetteerMemo

    memo = GazetteerMemo.of(gazetteer)
    assert GazetteerMemo.of(gazetteer) is memo  # one memo per gazetteer
    for name in ("Stepanakert", "Martoni", "Karabakh", "The", "Nowhereville Xq"):
        for _ in range(2):  # asked, then answered from the memo
            assert memo.has_name(name) == gazetteer.has_name(name)
            assert memo.lookup(name, limit=5) == gazetteer.lookup(name, limit=5)
            assert memo.fuzzy(name, limit=3, min_score=0.8) == gazetteer.fuzzy(name, limit=3, min_score=0.8)
            assert memo.candidates(name, limit=20) == gazetteer.candidates(name, limit=20)
    assert memo.places_of_type("border") == gazetteer.places_of_type("border")
    places = [c.place for n in ("Karabakh", "Stepanakert", "Shusha", "Yerevan", "Tavush") for c in gazetteer.lookup(n)]
    for area in places:
        for point in places:
            assert memo.contains(area, point) == gazetteer.contains(area, point)
            assert memo.contains(area, point) == gazetteer.contains(area, point)


def test_gazetteer_memo_candidates_are_fresh_for_ranking(gazetteer: Gazetteer) -> None:
    from geo.gazetteer.memo import GazetteerMemo

    memo = GazetteerMemo.of(gazetteer)
    first = memo.candidates("Martuni", limit=20)
    assert first
    for c in first:
        c.score = 99.0  # ranking writes scores on the candidates it is given
    again = memo.candidates("Martuni", limit=20)
    assert [c.score for c in again] == [c.score for c in gazetteer.candidates("Martuni", limit=20)]
    assert all(a is not b for a, b in zip(first, again, strict=True))


def test_gazetteer_memo_does_not_keep_its_gazetteer_alive(gazetteer: Gazetteer) -> None:
    import gc
    import weakref

    from geo.gazetteer.memo import GazetteerMemo

    other = Gazetteer(gazetteer.path)
    assert GazetteerMemo.of(other).has_name("Stepanakert")
    assert other in GazetteerMemo._shared
    gone = weakref.ref(other)
    del other
    gc.collect()
    assert gone() is None


@pytest.mark.integration
def test_sentence_of_token_is_token_sent(nlp) -> None:
    from geo.geoparse.recognize import _sentence_of_token

    doc = nlp("Shelling hit Martuni.\nBaku denied it. Yerevan said on Friday that talks would resume in Moscow.")
    sentences = _sentence_of_token(doc)
    assert len(sentences) == len(doc)
    for tok in doc:
        assert (sentences[tok.i].start, sentences[tok.i].end) == (tok.sent.start, tok.sent.end)
