"""Toponym resolution in context (geo/resolve.py), on sentences and short articles written
for these tests: fuzzy transliterations, containers, article context, line features,
metonymy flags, confidence and precision."""

from __future__ import annotations

import pytest

from geo.distance import haversine_km
from geo.gazetteer.index import Gazetteer
from geo.gazetteer.memo import GazetteerMemo
from geo.geoparse.metonymy import flag_metonymy, is_dateline
from geo.geoparse.recognize import recognize_toponyms
from geo.geoparse.resolve import _within_city, precision_for, resolve_toponyms
from geo.model import (
    PRECISION_COUNTRY,
    PRECISION_LINE,
    PRECISION_NEAR,
    PRECISION_REGION,
    PRECISION_SETTLEMENT,
    Candidate,
    Mention,
    Place,
)

KHOJAVEND = (39.795, 47.112)
KHANKENDI = (39.8153, 46.7519)
VALID_PRECISIONS = {PRECISION_SETTLEMENT, PRECISION_NEAR, PRECISION_REGION, PRECISION_COUNTRY, PRECISION_LINE}


@pytest.fixture(scope="module")
def analyse(nlp, real_gazetteer: Gazetteer):
    """recognise -> resolve -> metonymy, as Pipeline.analyze does (claims aside)."""

    def run(text: str, min_confidence: float = 0.3) -> list[Mention]:
        doc = nlp(text)
        mentions = recognize_toponyms(doc, real_gazetteer)
        resolve_toponyms(text, mentions, real_gazetteer, min_confidence=min_confidence)
        flag_metonymy(doc, mentions)
        return mentions

    return run


def find(mentions: list[Mention], text: str) -> Mention:
    hits = [m for m in mentions if m.text == text]
    assert hits, f"{text!r} not among {[m.text for m in mentions]}"
    return hits[0]


def km(place: Place, point: tuple[float, float]) -> float:
    return haversine_km(place.lat, place.lon, *point)


# --------------------------------------------------------------------------- names and cues


@pytest.mark.integration
def test_gazetteer_found_name_resolves(analyse) -> None:
    m = find(analyse("Officials in Yerevan said the ceasefire had collapsed overnight."), "Yerevan")
    assert m.place is not None and m.place.country == "AM" and m.place.feature_type == "settlement"
    assert m.precision == PRECISION_SETTLEMENT
    assert not m.metonymic  # "officials in Yerevan": the place where they are


@pytest.mark.integration
def test_town_of_cue_with_transliteration_resolves_by_fuzzy(analyse) -> None:
    text = "Heavy artillery fire hit the town of Martooni in the Karabakh region on Sunday, residents said."
    mentions = analyse(text)
    town = find(mentions, "Martooni")
    assert town.place is not None
    assert km(town.place, KHOJAVEND) < 10
    assert town.candidates[0].match == "fuzzy"
    assert town.precision == PRECISION_SETTLEMENT
    region = find(mentions, "Karabakh")
    assert region.place.feature_type == "region" and region.precision == PRECISION_REGION


@pytest.mark.integration
def test_article_context_picks_the_karabakh_martuni(analyse) -> None:
    # "Martuni" is a town in Armenia by its primary name and Khojavend in Karabakh by an old name.
    text = ("Fighting in Nagorno-Karabakh grew heavier on Thursday. Local officials said several houses "
            "burned in Martuni in the Karabakh region after a night of shelling. Civilians fled towards "
            "Stepanakert, where shelters were already full.")
    m = find(analyse(text), "Martuni")
    assert m.place is not None
    assert km(m.place, KHOJAVEND) < 10
    assert m.runner_up is not None and m.runner_up.country == "AM"  # the Armenian Martuni, kept as runner-up
    assert 0 < m.runner_up_confidence < m.confidence


@pytest.mark.integration
def test_article_context_without_container_cue(analyse) -> None:
    text = ("Stepanakert came under rocket fire, the Karabakh emergency service said. Shells also fell on "
            "Martuni, a district centre east of the city.")
    m = find(analyse(text), "Martuni")
    assert km(m.place, KHOJAVEND) < 10


@pytest.mark.integration
def test_armenian_context_picks_the_armenian_martuni(analyse) -> None:
    text = ("Farmers in Armenia's Gegharkunik province said the market in Martuni, on the shore of Lake "
            "Sevan, reopened on Monday.")
    m = find(analyse(text), "Martuni")
    assert m.place is not None and m.place.country == "AM"
    assert km(m.place, KHOJAVEND) > 100


@pytest.mark.integration
def test_one_sense_per_discourse_across_spellings(analyse) -> None:
    text = ("Armenian officials said artillery hit the town of Martouni in the Karabakh region overnight. "
            "By morning, residents of the town of Martoni were leaving for Stepanakert.")
    mentions = analyse(text)
    first, second = find(mentions, "Martouni"), find(mentions, "Martoni")
    assert first.place is not None and second.place is not None
    assert first.place.key == second.place.key
    assert km(second.place, KHOJAVEND) < 10


@pytest.mark.integration
def test_stepanakert_resolves_to_khankendi(analyse) -> None:
    m = find(analyse("Civilians sheltered in basements in Stepanakert as sirens sounded."), "Stepanakert")
    assert km(m.place, KHANKENDI) < 10


@pytest.mark.integration
@pytest.mark.parametrize(
    ("text", "country", "point"),
    [
        ("The festival was held in Paris, Texas, a small city near the state line.", "US", (33.66, -95.56)),
        ("Students protested in Paris on Saturday, French media reported.", "FR", (48.853, 2.349)),
    ],
)
def test_paris_in_context(analyse, text: str, country: str, point: tuple[float, float]) -> None:
    m = find(analyse(text), "Paris")
    assert m.place is not None and m.place.country == country
    assert km(m.place, point) < 25


@pytest.mark.integration
@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("Fighting near Goma and Bukavu displaced thousands, and Kinshasa blamed Rwanda; Congo has asked "
         "for sanctions.", "CD"),
        ("Congo's electricity minister visited Kinshasa and Lubumbashi on Monday.", "CD"),
        ("Floods in Brazzaville and Pointe-Noire cut roads across Congo this week.", "CG"),
    ],
)
def test_bare_congo_follows_the_articles_places(analyse, text: str, country: str) -> None:
    """"Congo" names either republic: the article's own places decide."""
    m = find(analyse(text), "Congo")
    assert m.place is not None and m.place.feature_type == "country" and m.place.country == country


@pytest.mark.integration
def test_unknown_capitalised_word_is_not_resolved(analyse) -> None:
    for text in ("Zorblat announced the decision late on Tuesday.",
                 "Zorblat and Quenthorpe announced the decision late on Tuesday in Berlin."):
        mentions = analyse(text)
        assert all(m.place is None for m in mentions if m.text in ("Zorblat", "Quenthorpe")), text


@pytest.mark.integration
@pytest.mark.parametrize("text", [
    "The army said its forces had repelled an RSF assault from the east and north of the city, killing 100 fighters.",
    "Drones struck the south of the region overnight, and shelling continued in the west.",
])
def test_lowercase_directions_are_not_places(analyse, text: str) -> None:
    """The model sometimes tags "east" as a location; a span without a capital is no proper name."""
    assert not [m.text for m in analyse(text) if m.text.islower()]


@pytest.mark.integration
def test_a_city_the_model_takes_for_a_people_is_still_a_place(analyse) -> None:
    """spaCy tags "Omdurman" NORP here; it is no demonym and a city of millions."""
    m = find(analyse("The Sudanese army said it shelled RSF positions in Karari and Omdurman on Sunday."), "Omdurman")
    assert m.place is not None and m.place.country == "SD"


@pytest.mark.integration
@pytest.mark.parametrize(("text", "name"), [
    ("The Sudanese army said it shelled RSF positions in Karari and Omdurman on Sunday.", "Karari"),
    ("Ukrainian forces pushed towards Robotyne and Verbove, Kyiv said, after heavy fighting near Tokmak "
     "in the Zaporizhzhia region.", None),
])
def test_a_small_place_abroad_the_article_never_points_to_is_a_guess(analyse, text: str, name: str | None) -> None:
    """A village of the same name in a country the article gives no sign of, while it points to
    another, is not shown as certain; places in the article's own country keep their confidence."""
    mentions = analyse(text)
    if name is not None:
        m = find(mentions, name)
        assert m.place is None or m.confidence <= 0.5, (m.place, m.confidence)
    else:
        assert all(m.confidence >= 0.5 for m in mentions if m.place is not None and m.place.country == "UA"), \
            [(m.text, m.confidence) for m in mentions]


@pytest.mark.integration
@pytest.mark.parametrize(("text", "name"), [
    ("A spokesman for the Vostok grouping of forces said its units had taken two villages.", "Vostok"),
    ("Fighters of the Azov brigade said they had held the line overnight.", "Azov"),
])
def test_a_unit_named_after_a_place_is_not_that_place(analyse, text: str, name: str) -> None:
    hits = [m for m in analyse(text) if m.text == name]
    assert all(m.not_a_place or m.place is None for m in hits), [(m.text, m.place) for m in hits]


@pytest.mark.integration
@pytest.mark.parametrize(("text", "name", "country"), [
    ("The RSF said it had captured an army base on the eastern edge of El Fasher on Wednesday.", "El Fasher", "SD"),
    ("Aid convoys reached El Obeid after crossing North Kordofan.", "El Obeid", "SD"),
    ("Flooding closed roads around La Crosse, officials said.", "La Crosse", "US"),
])
def test_a_name_opening_with_an_article_is_found(analyse, text: str, name: str, country: str) -> None:
    """"El", "Al", "La", "De" open many place names; capitalised, they are part of the name."""
    m = find(analyse(text), name)
    assert not m.not_a_place and m.place is not None and m.place.country == country


@pytest.mark.integration
@pytest.mark.parametrize(("text", "names"), [
    ("The African Union urged both sides to return to the Luanda and Nairobi processes.", ["Luanda", "Nairobi"]),
    ("Diplomats said the Minsk and Astana formats had failed.", ["Minsk", "Astana"]),
])
def test_coordinated_names_before_a_plural_name_head_are_not_places(analyse, text: str, names: list[str]) -> None:
    mentions = analyse(text)
    for name in names:
        assert find(mentions, name).not_a_place


@pytest.mark.integration
@pytest.mark.parametrize(("text", "name", "point"), [
    ("Russian forces shelled Vasilyevka in the Zaporozhye region overnight, Ukrainian officials said.",
     "Vasilyevka", (47.44, 35.28)),
    ("Wagner fighters said they had taken Artyomovsk after months of fighting in the Donetsk region.",
     "Artyomovsk", (48.59, 38.00)),
])
def test_russian_spellings_resolve_through_romanised_cyrillic_names(analyse, text: str, name: str,
                                                                   point: tuple[float, float]) -> None:
    """GeoNames lists "Васильевка" for Vasylivka but not "Vasilyevka": the build romanises it."""
    m = find(analyse(text), name)
    assert m.place is not None and km(m.place, point) < 25, (m.place, m.confidence)


@pytest.mark.integration
def test_organisation_names_stay_unresolved(analyse) -> None:
    mentions = analyse("Mediators from the Minsk Group arrived in Vienna for consultations.")
    minsk = find(mentions, "Minsk")
    assert minsk.not_a_place and minsk.place is None and minsk.precision is None
    assert find(mentions, "Vienna").place.country == "AT"


@pytest.mark.integration
def test_shusha_is_not_lachin(analyse) -> None:
    m = find(analyse("Refugees from Shusha arrived in Goris, a border town in southern Armenia."), "Shusha")
    assert m.place is not None and km(m.place, (39.7583, 46.7483)) < 15


@pytest.mark.integration
def test_bare_small_place_name_is_recognised(analyse) -> None:
    text = "Armenian officials said shelling hit Martouni overnight, and Karabakh authorities reported damage."
    m = find(analyse(text), "Martouni")
    assert km(m.place, KHOJAVEND) < 10


# --------------------------------------------------------------------------- line features


@pytest.mark.integration
def test_border_with_iran_after_azerbaijani_subject(analyse) -> None:
    m = find(analyse("Azerbaijani troops advanced along the border with Iran last week."), "border with Iran")
    assert m.place is not None
    assert m.place.key == "ref:border:AZ-IR"
    assert m.place.feature_type == "border"
    assert m.precision == PRECISION_LINE
    assert m.place.geometry["type"] in ("LineString", "MultiLineString")


@pytest.mark.integration
def test_border_between_two_named_countries(analyse) -> None:
    m = find(analyse("Observers patrolled the border between Armenia and Azerbaijan."),
             "border between Armenia and Azerbaijan")
    assert m.place.key == "ref:border:AM-AZ"


@pytest.mark.integration
def test_adjectival_border(analyse) -> None:
    m = find(analyse("Troops exchanged fire along the Armenian-Azerbaijani border overnight."),
             "Armenian-Azerbaijani border")
    assert m.place.key == "ref:border:AM-AZ" and m.precision == PRECISION_LINE


@pytest.mark.integration
def test_pipelines_in_a_caucasus_article_resolve_to_a_pipeline_line(analyse) -> None:
    text = ("Armenia and Azerbaijan traded accusations, and analysts warned that pipelines carrying "
            "Caspian oil to Georgia and Turkey could be hit.")
    m = find(analyse(text), "pipelines")
    assert m.place is not None
    assert m.place.feature_type == "pipeline"
    assert m.place.geometry["type"] in ("LineString", "MultiLineString")
    assert m.precision == PRECISION_LINE
    assert 0 < m.confidence <= 1


@pytest.mark.integration
def test_pipelines_outside_the_caucasus_stay_unresolved(analyse) -> None:
    text = "Engineers in Texas said pipelines carrying shale gas to the coast of Louisiana were repaired."
    mentions = analyse(text)
    pipes = [m for m in mentions if "pipeline" in m.text]
    assert all(m.place is None for m in pipes)


@pytest.mark.integration
def test_in_the_pipeline_is_not_resolved(analyse) -> None:
    mentions = analyse("A new round of talks is in the pipeline, a diplomat in Tbilisi told reporters "
                       "after meeting officials from Azerbaijan.")
    assert not any("pipeline" in m.text for m in mentions)


# --------------------------------------------------------------------------- metonymy (flagged after resolution)


@pytest.mark.integration
@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Moscow said it was ready to mediate between the two sides.", "Moscow"),
        ("Ankara's support for the offensive was welcomed in Azerbaijan.", "Ankara"),
        ("The militia was backed by Tehran throughout the conflict.", "Tehran"),
        ("Baku authorities denied any involvement in the strike.", "Baku"),
    ],
)
def test_metonymic_mentions_are_flagged(analyse, text: str, name: str) -> None:
    m = find(analyse(text), name)
    assert m.place is not None and m.place.feature_type == "settlement"
    assert m.metonymic and m.metonymy_reason


@pytest.mark.integration
@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Thousands of protesters gathered in Moscow on Saturday.", "Moscow"),
        ("Moscow's streets were quiet after the announcement.", "Moscow"),
        ("Tehran was shelled during the war in the 1980s.", "Tehran"),
    ],
)
def test_literal_mentions_are_not_flagged(analyse, text: str, name: str) -> None:
    m = find(analyse(text), name)
    assert m.place is not None
    assert not m.metonymic


@pytest.mark.integration
def test_countries_are_never_flagged_metonymic(analyse) -> None:
    m = find(analyse("Azerbaijan said its forces had taken several villages."), "Azerbaijan")
    assert m.place.feature_type == "country" and not m.metonymic


# --------------------------------------------------------------------------- confidence and precision

ARTICLE = (
    "Fighting flared again along the line of contact in Nagorno-Karabakh on Wednesday. Officials in "
    "Yerevan said shells hit the town of Martooni in the Karabakh region, while Baku authorities said "
    "Armenian forces had fired at villages near Tartar. Azerbaijani units also moved along the border "
    "with Iran, and analysts warned that pipelines carrying Caspian oil through Georgia to Turkey could "
    "be hit. Moscow said it was ready to host talks, and the Minsk Group called for restraint. "
    "Zorblat, a local militia, denied everything."
)


@pytest.mark.integration
def test_every_resolved_mention_has_confidence_and_precision(analyse) -> None:
    mentions = analyse(ARTICLE)
    resolved = [m for m in mentions if m.place is not None]
    assert len(resolved) >= 8
    for m in mentions:
        if m.place is not None:
            assert 0 < m.confidence <= 1, m
            assert m.precision in VALID_PRECISIONS, m
            assert m.precision == precision_for(m.place, m.feature_hint)
            assert m.candidates and m.candidates[0].place.key == m.place.key or m.method == "feature"
        else:
            assert m.precision is None
        if m.not_a_place:
            assert m.place is None
    precisions = {m.precision for m in resolved}
    assert {PRECISION_SETTLEMENT, PRECISION_REGION, PRECISION_COUNTRY, PRECISION_LINE} <= precisions


@pytest.mark.integration
def test_low_confidence_mentions_stay_unresolved(analyse) -> None:
    normal = analyse(ARTICLE)
    strict = analyse(ARTICLE, min_confidence=0.99)
    assert [m.text for m in normal] == [m.text for m in strict]
    demoted = 0
    for loose, tight in zip(normal, strict, strict=True):
        if tight.place is not None:
            assert tight.confidence >= 0.99
        elif loose.place is not None:
            demoted += 1
            assert tight.confidence < 0.99
            assert tight.precision is None
            assert tight.candidates  # the evidence is kept for display
    assert demoted >= 3


def test_precision_codes() -> None:
    def place(ftype: str) -> Place:
        return Place(key="k", name="n", lat=0, lon=0, feature_type=ftype)

    assert precision_for(place("settlement")) == PRECISION_SETTLEMENT
    assert precision_for(place("settlement"), "near") == PRECISION_NEAR
    assert precision_for(place("region")) == PRECISION_REGION
    assert precision_for(place("country")) == PRECISION_COUNTRY
    for line in ("border", "pipeline", "river"):
        assert precision_for(place(line)) == PRECISION_LINE


@pytest.mark.integration
def test_outskirts_cue_gives_near_precision(analyse) -> None:
    m = find(analyse("Drones struck the outskirts of Ganja before dawn, Azerbaijani officials said."), "Ganja")
    assert m.place is not None and m.place.country == "AZ"
    assert m.precision == PRECISION_NEAR


def test_haversine() -> None:
    assert haversine_km(0, 0, 0, 0) == 0
    assert haversine_km(0, 0, 0, 1) == pytest.approx(111.2, abs=0.2)
    assert haversine_km(*KHANKENDI, *KHOJAVEND) == pytest.approx(29, abs=3)


def test_nearness_is_the_distance_to_the_nearest_other_anchor(gazetteer: Gazetteer) -> None:
    """Nearness is memoised per place and computed over distinct anchors: the same value as
    the nearest of all anchors (repeated ones included)."""
    import math

    from geo.geoparse.resolve import ArticleContext

    names = ["Stepanakert", "Stepanakert", "Yerevan", "Ganja", "Martuni", "Shusha"]
    ctx = ArticleContext(" ".join(names), [Mention(start=0, end=0, text=n) for n in names], gazetteer)
    assert ctx.anchors
    places = [c.place for n in names for c in gazetteer.candidates(n, limit=20)]
    for place in places + places:  # the second time from the memo
        if place.feature_type == "country":
            assert ctx.nearness(place) == 0.0
            continue
        others = [a for a in ctx.anchors if a.key != place.key]
        d = min(haversine_km(place.lat, place.lon, a.lat, a.lon) for a in others) if others else 1e9
        assert ctx.nearness(place) == math.exp(-d / 400.0)


# --------------------------------------------------------------------------- issue 19: places


@pytest.mark.parametrize(("text", "start", "end"), [
    ("GAZA (Reuters) - Tanks moved in.", 0, 4),
    ("Intro line.\nKHARKIV, Ukraine — Drones hit the city.", 12, 19),
    ("JUBA, Dec 5 (AFP) - Talks resumed.", 0, 4),
])
def test_dateline_is_recognised_as_such(text: str, start: int, end: int) -> None:
    assert is_dateline(text, start, end)


@pytest.mark.parametrize(("text", "start", "end"), [
    ("Officials in GAZA said - nothing.", 13, 17),  # not at the start of a line
    ("Gaza (Reuters) - Tanks moved in.", 0, 4),  # not in capitals
    ("GOMA was calm on Sunday.", 0, 4),  # no dash after it
])
def test_not_a_dateline(text: str, start: int, end: int) -> None:
    assert not is_dateline(text, start, end)


def test_part_of_a_city_lies_in_that_city(gazetteer: Gazetteer) -> None:
    kharkiv = max((c.place for c in gazetteer.lookup("Kharkiv") if c.place.feature_type == "settlement"),
                  key=lambda p: p.population)
    elsewhere = Place(key="x:1", name="Shevchenkivskyi", lat=50.46, lon=30.47, feature_type="settlement",
                      country="UA")
    inside = Place(key="x:2", name="Kyivskyi", lat=50.0, lon=36.3, feature_type="settlement", country="UA")
    memo = GazetteerMemo.of(gazetteer)
    # no candidate in the city: the city itself
    [only] = _within_city([Candidate(place=elsewhere, match="name", name_score=1.0)], "Kharkiv", memo)
    assert only.place.key == kharkiv.key and only.match == "container"
    # a candidate within the city wins over one elsewhere
    kept = _within_city([Candidate(place=elsewhere, match="name", name_score=1.0),
                         Candidate(place=inside, match="name", name_score=1.0)], "Kharkiv", memo)
    assert [c.place.key for c in kept] == ["x:2"]
    # a container that is no town changes nothing
    cands = [Candidate(place=elsewhere, match="name", name_score=1.0)]
    assert _within_city(cands, "Nowhereland", memo) == cands


@pytest.mark.integration
@pytest.mark.parametrize(("text", "name", "country"), [
    ("GAZA (Reuters) - Israeli strikes killed 12 people overnight, medics said.", "GAZA", "PS"),
    ("KHARKIV, Ukraine — Russian drones hit a power plant overnight, the mayor said.", "KHARKIV", "UA"),
    ("Background.\nKHARTOUM, Dec 5 (Reuters) - The army said it had retaken a bridge.", "KHARTOUM", "SD"),
    ("KYIV, Ukraine (AP) — Russian drones hit the capital overnight, officials said.", "KYIV", "UA"),
    ("RIYADH: Saudi Arabia said talks between Sudan's army and the RSF would resume in Jeddah.", "RIYADH", "SA"),
    ("GOMA, Congo (Reuters) - M23 rebels said they had taken the airport.", "GOMA", "CD"),
])
def test_datelines_are_literal_places(analyse, text: str, name: str, country: str) -> None:
    m = find(analyse(text), name)
    assert m.place is not None and m.place.country == country and m.place.feature_type == "settlement"
    assert not m.metonymic and not m.not_a_place
    assert m.cue_container in ("", "Ukraine", "Congo")  # never the date after the comma


@pytest.mark.integration
@pytest.mark.parametrize(("text", "district", "city"), [
    ("A missile hit a school in the central Shevchenkivskyi district of Kharkiv on Tuesday.", "Shevchenkivskyi",
     "Kharkiv"),
    ("Two people died in the Holosiivskyi district of Kyiv after a drone attack.", "Holosiivskyi", "Kyiv"),
    ("Shells fell on the Primorsky district of Odesa, officials said.", "Primorsky", "Odesa"),
])
def test_district_of_a_city_lies_in_the_city(analyse, text: str, district: str, city: str) -> None:
    mentions = analyse(text)
    town = find(mentions, city)
    assert town.place is not None and town.place.feature_type == "settlement"  # the city, not its region
    part = find(mentions, district)
    assert part.place is not None and km(part.place, (town.place.lat, town.place.lon)) < 30


@pytest.mark.integration
@pytest.mark.parametrize(("text", "name", "region_key"), [
    ("Fighting in Khartoum State displaced thousands of families.", "Khartoum State", "admin1:SD-KH"),
    ("Militias attacked farms across Gezira state last week.", "Gezira", "admin1:SD-GZ"),
    ("Russian troops pressed on in the Donetsk region and shelled the Kherson region.", "Donetsk", "admin1:UA-14"),
    ("Rebels advanced in North Kivu, in the east of the Democratic Republic of the Congo.", "North Kivu",
     "admin1:CD-NK"),
])
def test_admin1_news_spellings_resolve_to_regions(analyse, text: str, name: str, region_key: str) -> None:
    m = find(analyse(text), name)
    assert m.place is not None and m.place.key == region_key


@pytest.mark.integration
def test_democratic_republic_of_the_congo_is_itself(analyse) -> None:
    m = find(analyse("Aid reached the Democratic Republic of the Congo on Friday."), "Democratic Republic of the Congo")
    assert m.place is not None and m.place.key == "country:CD"


@pytest.mark.integration
@pytest.mark.parametrize(("text", "name"), [
    ("Hamas said it would study the proposal.", "Hamas"),
    ("The strike began at 7:00 Moscow time, officials said.", "Moscow"),
    ("A military source told the Kyiv Independent that the bridge was hit.", "Kyiv"),
    ("The mayor wrote an article for the Odesa Independent on Monday.", "Odesa"),
])
def test_organisations_clock_zones_and_media_are_not_places(analyse, text: str, name: str) -> None:
    m = find(analyse(text), name)
    assert m.place is None or m.not_a_place


@pytest.mark.integration
def test_unsupported_fuzzy_match_gets_low_confidence(analyse) -> None:
    mentions = analyse("Aid convoys finally reached El Gezira after weeks of fighting.", min_confidence=0.0)
    m = find(mentions, "Gezira") if any(x.text == "Gezira" for x in mentions) else find(mentions, "El Gezira")
    assert m.place is None or m.place.country == "SD" or m.confidence < 0.5


# --------------------------------------------------------------------------- issue 19: regions of several admin-1 units


@pytest.mark.integration
@pytest.mark.parametrize(("text", "name", "region_key", "country", "towns"), [
    ("Fighting spread across Darfur on Tuesday as the RSF shelled Nyala, aid workers said.",
     "Darfur", "ref:region:darfur", "SD", ["Nyala"]),
    ("Shelling hit Kadugli in South Kordofan, while fighting across Kordofan continued.",
     "Kordofan", "ref:region:kordofan", "SD", ["Kadugli"]),
    ("M23 fighters have held Goma and Bukavu, the largest towns of the Kivus, since February.",
     "Kivus", "ref:region:kivu", "CD", ["Goma", "Bukavu"]),
    ("Aid agencies said the fighting in Kivu had displaced a million people around Goma.",
     "Kivu", "ref:region:kivu", "CD", ["Goma"]),
    ("Russia's army kept up its assault on Kramatorsk and Sievierodonetsk in the Donbas.",
     "Donbas", "ref:region:donbas", "UA", ["Kramatorsk"]),
    ("Moscow claimed the whole of the Donbass after its troops shelled Kramatorsk; Ukraine denied it.",
     "Donbass", "ref:region:donbas", "UA", ["Kramatorsk"]),
])
def test_regions_of_several_admin1_units_resolve_to_their_area(
        analyse, real_gazetteer: Gazetteer, text: str, name: str, region_key: str, country: str,
        towns: list[str]) -> None:
    mentions = analyse(text)
    m = find(mentions, name)
    assert m.place is not None and m.place.key == region_key and m.place.country == country
    assert m.precision == PRECISION_REGION and m.confidence >= 0.9
    assert not m.metonymic and not m.not_a_place
    memo = GazetteerMemo.of(real_gazetteer)
    for town in towns:  # the towns named in it still resolve, as towns, and lie in its area
        t = find(mentions, town)
        assert t.place is not None and t.place.feature_type == "settlement" and t.place.country == country
        assert memo.contains(m.place, t.place)


@pytest.mark.integration
def test_darfur_states_and_their_region_in_one_article(analyse) -> None:
    text = ("The RSF said it controlled four of Darfur's five states. Its fighters entered El Geneina, the "
            "capital of West Darfur, in June, and now besiege El Fasher in North Darfur. In South Darfur, "
            "Nyala is calm. Farther east, the army holds El Gezira and South Kordofan.")
    mentions = analyse(text)
    expected = {"Darfur": "ref:region:darfur", "West Darfur": "admin1:SD-DW", "North Darfur": "admin1:SD-DN",
                "South Darfur": "admin1:SD-DS", "El Gezira": "admin1:SD-GZ", "South Kordofan": "admin1:SD-KS"}
    for name, key in expected.items():
        m = find(mentions, name)
        assert m.place is not None and m.place.key == key, (name, m.place)
        assert m.precision == PRECISION_REGION and m.confidence >= 0.85, (name, m.confidence)
    assert find(mentions, "West Darfur").place.name == "West Darfur"  # not Natural Earth's "West Soudan"
    assert find(mentions, "Nyala").place.feature_type == "settlement"


@pytest.mark.integration
@pytest.mark.parametrize(("text", "name"), [
    ("UN: aid convoys blocked in Darfur", "UN"),
    ("EU: sanctions on Russia extended for six months", "EU"),
    ("Background.\nUN — Convoy of 40 trucks held near Rafah for a week", "UN"),
])
def test_a_headline_quoting_a_body_is_not_a_dateline(analyse, text: str, name: str) -> None:
    mentions = analyse(text)
    assert all(m.place is None or m.not_a_place for m in mentions if m.text == name)
    assert any(m.place is not None for m in mentions if m.text != name)  # the real place is still found


def _mentions_of(text: str, *names: str) -> list[Mention]:
    return [Mention(text=n, start=text.index(n), end=text.index(n) + len(n)) for n in names]


def test_a_country_named_by_its_own_name_beats_a_town_of_that_name_in_local_news(gazetteer: Gazetteer) -> None:
    """The article points to the US (American, three times), where a town of 30,000 is called
    Lebanon (Tennessee): "aid to Lebanon" still means the country, which the name itself is
    evidence of."""
    text = ("American lawmakers said on Tuesday that American aid to Lebanon would resume next month, "
            "and American diplomats welcomed the decision.")
    lebanon = resolve_toponyms(text, _mentions_of(text, "Lebanon"), gazetteer)[0]
    assert lebanon.place is not None and lebanon.place.key == "country:LB", lebanon.candidates[:3]
    assert any(c.place.country == "US" for c in lebanon.candidates)  # the town was a candidate
