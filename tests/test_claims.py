"""Claims (geo/claims.py): who said what, where and when, on sentences written for these tests.

No sentence here comes from the bundled or seed articles: they are new text about the
Karabakh war and about other conflicts (Ukraine, Gaza, a fictional one), so the tests check
that extraction generalises. Every claim is checked to be a verbatim slice of its article.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from geo.model import Article, Claim

#: A Friday.
PUBLISHED = "2021-03-12"

ClaimsOf = Callable[..., list[Claim]]


@pytest.fixture(scope="module")
def claims_of(pipeline) -> ClaimsOf:
    def run(text: str, published: str | None = PUBLISHED) -> list[Claim]:
        analysis = pipeline.analyze(Article(id="t", text=text, published=published))
        for c in analysis.claims:
            assert text[c.start:c.end] == c.text, "claim text is not the article's text at [start:end]"
            assert c.text == c.text.strip() and c.text
            assert c.stance in {"assert", "deny"}
            assert c.kind in {"military", "casualties", "territorial", "diplomatic", "statement"}
            for m in c.mentions:
                assert c.start <= m.start < c.end
        return analysis.claims

    return run


def claimants(claims: list[Claim]) -> list[str]:
    return [c.claimant for c in claims]


def only(claims: list[Claim]) -> Claim:
    assert len(claims) == 1, [(c.claimant, c.text) for c in claims]
    return claims[0]


def places(claim: Claim) -> list[str]:
    return [m.text for m in claim.mentions]


# --------------------------------------------------------------------------- reporting verbs


@pytest.mark.integration
@pytest.mark.parametrize(
    ("text", "claimant", "verb"),
    [
        ("Armenia says Azerbaijani drones struck a school near the front line.", "Armenia", "says"),
        ("The Russian Foreign Ministry claimed that a ceasefire had been agreed.", "Russia", "claimed"),
        ("The Armenian Ministry of Defence reported that 12 soldiers were killed.", "Armenia", "reported"),
        ("Armenia accused Turkey of sending mercenaries to the region.", "Armenia", "accused"),
        ("Russia announced that a ceasefire would take effect at noon.", "Russia", "announced"),
        ("Azerbaijan stressed that the operation would continue.", "Azerbaijan", "stressed"),
        ("The United States urged both sides to resume talks.", "USA", "urged"),
        ("France called for an immediate ceasefire in the region.", "France", "called"),
        ("France called on Turkey to stay out of the conflict.", "France", "called"),
        ("Iran has ruled out any military involvement.", "Iran", "ruled"),
        ("The OSCE Minsk Group stated that negotiations would resume in Geneva.", "OSCE Minsk Group",
         "stated"),
        ("The European Union expressed deep concern over the fighting near Tartar.", "EU", "expressed"),
    ],
)
def test_reporting_verbs_make_a_claim(claims_of: ClaimsOf, text: str, claimant: str, verb: str) -> None:
    c = only(claims_of(text))
    assert c.claimant == claimant
    assert c.stance == "assert"
    assert c.details["verb"] == verb
    assert c.text == text


@pytest.mark.integration
def test_denial_verb_makes_a_claim_with_deny_stance(claims_of: ClaimsOf) -> None:
    c = only(claims_of("Azerbaijan denied that its forces had shelled Stepanakert."))
    assert (c.claimant, c.stance) == ("Azerbaijan", "deny")
    assert places(c) == ["Stepanakert"]


@pytest.mark.integration
@pytest.mark.parametrize(
    "text",
    [
        # the same verbs in uses that report nothing
        "Armenia called the meeting in Yerevan.",
        "Russia called a meeting of the Security Council.",
        "Aliyev ruled the country for two decades.",
        "The stress of war weighed on residents of Tartar.",
        "The report was published in Baku.",
        "Journalists were denied access to the front line.",
        "The express train from Baku arrived late.",
        "The urge to flee grew stronger.",
        "The call for peace was ignored.",
        "His claims of victory were premature.",
        "The denial came too late.",
        # no attribution at all
        "The town was shelled overnight.",
        "Fighting continued in the region.",
        "Armenian forces shelled Tartar.",
        "Officials met in Moscow on Friday.",
        "Armenia and Azerbaijan are accused of violating the ceasefire.",
        "It is said that the town was quiet.",
        "The town was said to be quiet.",
        # "said" as an adjective, "pipeline" as an idiom
        "The said agreement is no longer valid.",
        "Talks are in the pipeline.",
    ],
)
def test_no_claim_without_attribution(claims_of: ClaimsOf, text: str) -> None:
    assert claims_of(text) == []


@pytest.mark.integration
def test_call_on_a_weekday_is_not_call_on(claims_of: ClaimsOf) -> None:
    assert claims_of("Russian President Vladimir Putin called Aliyev on Friday.") == []


@pytest.mark.integration
def test_empty_and_blank_articles_have_no_claims(claims_of: ClaimsOf) -> None:
    assert claims_of("") == []
    assert claims_of("\n\n   \n") == []


# --------------------------------------------------------------------------- according to


@pytest.mark.integration
@pytest.mark.parametrize(
    ("text", "claimant", "claimant_text"),
    [
        ("According to Armenian officials, three soldiers were killed near the border.", "Armenia",
         "Armenian officials"),
        ("According to the Azerbaijani Defence Ministry, Armenian shells hit Tartar.", "Azerbaijan",
         "the Azerbaijani Defence Ministry"),
        ("According to residents, the shelling began at dawn.", "Other", "residents"),
    ],
)
def test_according_to_a_speaker(claims_of: ClaimsOf, text: str, claimant: str, claimant_text: str) -> None:
    c = only(claims_of(text))
    assert (c.claimant, c.claimant_text) == (claimant, claimant_text)
    assert c.details["verb"] == "According"
    assert c.text == text


@pytest.mark.integration
@pytest.mark.parametrize(
    "text",
    [
        "According to UN decisions, the region belongs to Azerbaijan.",
        "According to the 1994 agreement, the parties must withdraw their troops.",
        "According to the ceasefire agreement, Russian peacekeepers will be deployed.",
        "According to international law, Karabakh belongs to Azerbaijan.",
        "According to estimates, 5000 people fled.",
        "According to reports, the shelling began at dawn.",
    ],
)
def test_according_to_a_document_or_source_that_is_no_speaker(claims_of: ClaimsOf, text: str) -> None:
    assert claims_of(text) == []


@pytest.mark.integration
def test_according_to_a_pronoun_after_a_named_speaker(claims_of: ClaimsOf) -> None:
    text = ("Azerbaijani President Ilham Aliyev said his army had liberated Fuzuli. "
            "According to him, the operation was over.")
    claims = claims_of(text)
    assert claimants(claims) == ["Azerbaijan", "Azerbaijan"]
    assert claims[1].text == "According to him, the operation was over."


# --------------------------------------------------------------------------- disputes


@pytest.mark.integration
def test_passive_agent_denial_folds_into_the_claim(claims_of: ClaimsOf) -> None:
    text = ("The Armenian Ministry of Defence said that the town of Martuni was bombed during the night, "
            "which was denied by Azerbaijan.")
    c = only(claims_of(text))
    assert c.claimant == "Armenia"
    assert c.claimant_text == "The Armenian Ministry of Defence"
    assert c.disputed_by == ["Azerbaijan"]
    assert c.stance == "assert"
    assert c.kind == "military"
    assert places(c) == ["Martuni"]
    assert c.date == "2021-03-11"  # "during the night" before a Friday publication
    assert c.to_prediction() == {
        "claimant": "Armenia", "text": text, "start": 0, "end": len(text), "places": ["Martuni"],
        "date": "2021-03-11", "date_end": None, "disputed_by": ["Azerbaijan"], "kind": "military",
    }


@pytest.mark.integration
def test_according_to_with_passive_denial(claims_of: ClaimsOf) -> None:
    text = ("According to the Armenian Ministry of Defence, the town of Martuni was bombed during the night, "
            "which was denied by Azerbaijan.")
    c = only(claims_of(text))
    assert (c.claimant, c.disputed_by) == ("Armenia", ["Azerbaijan"])


@pytest.mark.integration
@pytest.mark.parametrize(
    "text",
    [
        "Azerbaijan says its forces captured the town of Jabrayil, but Armenia denies this.",
        "The Azerbaijani Defence Ministry said Armenian forces shelled Tartar, which Armenia denied.",
        "Tartar was shelled, the Azerbaijani Defence Ministry said, but Armenia denied it.",
    ],
)
def test_denial_in_the_same_sentence_disputes_the_claim(claims_of: ClaimsOf, text: str) -> None:
    c = only(claims_of(text))
    assert c.claimant == "Azerbaijan"
    assert c.disputed_by == ["Armenia"]
    assert c.text == text


@pytest.mark.integration
@pytest.mark.parametrize("denial", ["Baku denied the report.", "Azerbaijan denied this.",
                                    "Azerbaijan rejected the accusation."])
def test_anaphoric_denial_in_the_next_sentence_disputes_the_previous_claim(claims_of: ClaimsOf,
                                                                           denial: str) -> None:
    # Issue 12: a denial in a sentence of its own is also a claim (its stance "deny"), and both
    # sides' disputed_by are filled.
    text = "The Armenian Ministry of Defence said Azerbaijani forces had shelled Stepanakert. " + denial
    c, d = claims_of(text)
    assert c.claimant == "Armenia"
    assert c.disputed_by == ["Azerbaijan"]
    assert c.text == "The Armenian Ministry of Defence said Azerbaijani forces had shelled Stepanakert."
    assert (d.claimant, d.stance, d.disputed_by, d.text) == ("Azerbaijan", "deny", ["Armenia"], denial)


@pytest.mark.integration
def test_anaphoric_denial_disputes_only_the_latest_claim(claims_of: ClaimsOf) -> None:
    text = ("Armenia said Azerbaijani forces shelled Martuni. Baku said Armenian forces shelled Tartar. "
            "Yerevan denied this.")
    first, second, denial = claims_of(text)
    assert (first.claimant, first.disputed_by) == ("Armenia", [])
    assert (second.claimant, second.disputed_by) == ("Azerbaijan", ["Armenia"])
    assert (denial.claimant, denial.stance, denial.disputed_by) == ("Armenia", "deny", ["Azerbaijan"])


@pytest.mark.integration
def test_denial_with_its_own_content_disputes_the_claim_it_contradicts(claims_of: ClaimsOf) -> None:
    # "denied shelling civilians" says what is denied: a claim of its own, and (issue 12) a dispute
    # of the earlier claim about the same thing (shelling), both sides' disputed_by filled.
    text = ("The Azerbaijani Defence Ministry said Armenian forces shelled Tartar. "
            "Yerevan denied shelling civilians.")
    first, second = claims_of(text)
    assert (first.claimant, first.disputed_by) == ("Azerbaijan", ["Armenia"])
    assert (second.claimant, second.stance, second.claimant_text) == ("Armenia", "deny", "Yerevan")
    assert second.disputed_by == ["Azerbaijan"]


@pytest.mark.integration
def test_denial_about_something_else_disputes_nothing(claims_of: ClaimsOf) -> None:
    text = ("The Azerbaijani Defence Ministry said Armenian forces shelled Tartar. "
            "Yerevan denied plans to hold early elections.")
    first, second = claims_of(text)
    assert first.disputed_by == [] and second.disputed_by == []
    assert second.stance == "deny"


@pytest.mark.integration
def test_a_statement_in_the_next_sentence_is_no_dispute(claims_of: ClaimsOf) -> None:
    text = ("The Azerbaijani Defence Ministry said Armenian forces shelled Tartar. "
            "Armenia said the situation was calm.")
    first, second = claims_of(text)
    assert first.disputed_by == [] and second.disputed_by == []
    assert second.stance == "assert"


@pytest.mark.integration
@pytest.mark.parametrize(
    ("text", "claimant"),
    [
        ("Azerbaijan denied the report.", "Azerbaijan"),
        ("Armenia rejected the accusation.", "Armenia"),
        ("The claim that Armenian forces shelled Tartar was rejected by Yerevan.", "Armenia"),
    ],
)
def test_denial_standing_alone_is_a_deny_claim(claims_of: ClaimsOf, text: str, claimant: str) -> None:
    c = only(claims_of(text))
    assert (c.claimant, c.stance, c.disputed_by) == (claimant, "deny", [])
    assert c.text == text


# --------------------------------------------------------------------------- claimant normalisation


@pytest.mark.integration
@pytest.mark.parametrize(
    ("text", "claimant", "claimant_text"),
    [
        ("The Armenian Ministry of Defence stated that Azerbaijani forces had shelled Martuni.", "Armenia",
         "The Armenian Ministry of Defence"),
        ("The Turkish Foreign Ministry expressed concern about the escalation.", "Turkey",
         "The Turkish Foreign Ministry"),
        ("Azerbaijani President Ilham Aliyev said his army had liberated Fuzuli.", "Azerbaijan",
         "Azerbaijani President Ilham Aliyev"),
        ("The UN Secretary-General urged both sides to respect the truce.", "UN", "The UN Secretary-General"),
        ("Azeri forces say they repelled an attack near Tartar.", "Azerbaijan", "Azeri forces"),
        ("Yerevan says the village of Martuni was shelled overnight.", "Armenia", "Yerevan"),
        ("Moscow said the talks in Geneva had been postponed.", "Russia", "Moscow"),
        ("Putin stressed that Russia would keep its peacekeepers in the region.", "Russia", "Putin"),
        ("The Kremlin said the leaders discussed the ceasefire.", "Russia", "The Kremlin"),
        ("An official in Stepanakert said that the shelling had killed two civilians.",
         "Nagorno-Karabakh authorities", "An official in Stepanakert"),
        ("The Israeli military said it intercepted rockets fired from Gaza.", "Israel",
         "The Israeli military"),
    ],
)
def test_claimant_normalisation(claims_of: ClaimsOf, text: str, claimant: str, claimant_text: str) -> None:
    c = only(claims_of(text))
    assert (c.claimant, c.claimant_text) == (claimant, claimant_text)


@pytest.mark.integration
def test_joint_subject_is_two_claims_with_the_same_text(claims_of: ClaimsOf) -> None:
    text = "The European Union and Washington called for an end to the hostilities."
    claims = claims_of(text)
    assert claimants(claims) == ["EU", "USA"]
    assert {(c.text, c.start, c.end) for c in claims} == {(text, 0, len(text))}
    assert all(c.claimant_text == "The European Union and Washington" for c in claims)


@pytest.mark.integration
def test_world_powers_including_two_countries(claims_of: ClaimsOf) -> None:
    claims = claims_of("World powers including Russia and France have called for a ceasefire.")
    assert claimants(claims) == ["Russia", "France"]


@pytest.mark.integration
@pytest.mark.parametrize(
    "context",
    [
        "Armenia and Azerbaijan met in Moscow.",
        "Armenia and Azerbaijan accused each other of shelling civilian areas.",
    ],
)
def test_the_two_sides_are_the_two_parties(claims_of: ClaimsOf, context: str) -> None:
    claims = claims_of(context + " The two sides said the talks were constructive.")
    joint = [c for c in claims if c.claimant_text == "The two sides"]
    assert sorted(claimants(joint)) == ["Armenia", "Azerbaijan"]
    assert {c.text for c in joint} == {"The two sides said the talks were constructive."}


@pytest.mark.integration
def test_the_two_sides_is_not_the_meeting_venue(claims_of: ClaimsOf) -> None:
    claims = claims_of("The two sides said they would meet in Moscow next week.")
    assert "Russia" not in claimants(claims)


@pytest.mark.integration
def test_mutual_accusation_is_a_claim_for_each_party(claims_of: ClaimsOf) -> None:
    claims = claims_of("Armenia and Azerbaijan have accused each other of starting the fighting.")
    assert claimants(claims) == ["Armenia", "Azerbaijan"]


@pytest.mark.integration
@pytest.mark.parametrize(
    ("text", "claimant"),
    [
        ("Foreign Minister Zohrab Mnatsakanian said the talks had failed.", "Armenia"),
        ("Foreign Minister Jeyhun Bayramoff said the talks had failed.", "Azerbaijan"),
        ("Jeyhun Bayramoff said the talks had failed.", "Azerbaijan"),
        ("Ilham Aliev said his army had liberated Fuzuli.", "Azerbaijan"),
        ("Dmitri Peskov said the talks had stalled.", "Russia"),
    ],
)
def test_fuzzy_transliterated_names(claims_of: ClaimsOf, text: str, claimant: str) -> None:
    assert only(claims_of(text)).claimant == claimant


@pytest.mark.integration
@pytest.mark.parametrize(
    ("text", "claimant_text"),
    [
        ("Jeyhun Mammadov said the talks had failed.", "Jeyhun Mammadov"),
        ("A local farmer, Ruben Gasparyan, said his house was destroyed.",
         "A local farmer, Ruben Gasparyan,"),
        ("A spokesman said the ministry would respond.", "A spokesman"),
        ("Analysts say the war could spread to the wider region.", "Analysts"),
        ("Oleksandr Kovalenko said Russian missiles hit Kharkiv.", "Oleksandr Kovalenko"),
        ("The Ministry of Defence of Eldoria said that Vostran troops had crossed the Silver River.",
         "The Ministry of Defence of Eldoria"),
    ],
)
def test_unknown_speaker_is_other_with_its_text_kept(claims_of: ClaimsOf, text: str,
                                                     claimant_text: str) -> None:
    c = only(claims_of(text))
    assert (c.claimant, c.claimant_text) == ("Other", claimant_text)


@pytest.mark.integration
def test_fictional_conflict_keeps_in_sentence_denial_as_unknown_actors(claims_of: ClaimsOf) -> None:
    # Neither Eldoria nor Vostra is an actor: the claim is Other's, and an Other denial is no dispute.
    text = "Eldorian officials said Vostran troops had crossed the border, but Vostra denies this."
    c = only(claims_of(text))
    assert (c.claimant, c.disputed_by) == ("Other", [])


@pytest.mark.integration
def test_organisation_named_like_a_place_is_not_its_country(claims_of: ClaimsOf) -> None:
    # issue 19: an armed group of a conflict profile is a party of its own, never the country of a
    # place named like it nor of a place in its sentence
    c = only(claims_of("Hamas said Israeli air strikes killed 12 people in Gaza City."))
    assert (c.claimant, c.claimant_text) == ("Hamas", "Hamas")
    d = only(claims_of("Hezbollah said its fighters fired rockets at northern Israel."))
    assert (d.claimant, d.claimant_text) == ("Hezbollah", "Hezbollah")


# --------------------------------------------------------------------------- pronouns and quotes


@pytest.mark.integration
def test_pronoun_after_a_named_speaker(claims_of: ClaimsOf) -> None:
    text = ("Armenian Prime Minister Nikol Pashinyan said the ceasefire was holding. "
            "He added that Russian peacekeepers would arrive soon.")
    first, second = claims_of(text)
    assert (first.claimant, second.claimant) == ("Armenia", "Armenia")
    assert second.claimant_text == "He"
    assert second.text == "He added that Russian peacekeepers would arrive soon."


@pytest.mark.integration
def test_pronoun_follows_the_latest_named_claimant(claims_of: ClaimsOf) -> None:
    text = ("Azerbaijani President Ilham Aliyev said his army had liberated Fuzuli. "
            "He also said Armenia must withdraw. The Kremlin said it was ready to mediate. "
            "It urged restraint.")
    assert claimants(claims_of(text)) == ["Azerbaijan", "Azerbaijan", "Russia", "Russia"]


@pytest.mark.integration
def test_pronoun_without_antecedent_is_no_claim(claims_of: ClaimsOf) -> None:
    assert claims_of("He said the ceasefire was holding.") == []
    assert claims_of("“We will never give up Shusha,” he said.") == []


@pytest.mark.integration
@pytest.mark.parametrize(
    ("text", "claimant"),
    [
        ("Armenian Prime Minister Nikol Pashinyan arrived in Moscow on Thursday. He said the ceasefire was "
         "holding.", "Armenia"),
        ("Azerbaijani President Ilham Aliyev said his army had liberated Fuzuli. Russian President Vladimir "
         "Putin phoned Aliyev. He urged restraint.", "Russia"),
    ],
    ids=["lost", "misattributed"],
)
def test_pronoun_after_a_person_named_outside_a_claim(claims_of: ClaimsOf, text: str, claimant: str) -> None:
    last = claims_of(text)[-1]
    assert last.text.startswith("He ")
    assert last.claimant == claimant


@pytest.mark.integration
@pytest.mark.parametrize(
    "quote",
    [
        "“We will never give up Shusha,” he said.",
        '"We will never give up Shusha," he said.',
        "“We will never give up Shusha. Our soldiers are strong,” he said.",
    ],
)
@pytest.mark.parametrize("gap", [" ", "\n\n"])
def test_first_person_quote_attributed_by_the_following_he_said(claims_of: ClaimsOf, quote: str,
                                                                 gap: str) -> None:
    text = "Armenian Prime Minister Nikol Pashinyan said the army was holding its positions." + gap + quote
    first, second = claims_of(text)
    assert (first.claimant, second.claimant) == ("Armenia", "Armenia")
    assert second.text == quote  # from the opening quotation mark to the end of the attribution
    assert second.start == text.index(quote)
    assert places(second) == ["Shusha"]


# --------------------------------------------------------------------------- text bounds


@pytest.mark.integration
def test_claim_text_does_not_run_across_a_blank_line(claims_of: ClaimsOf) -> None:
    text = ("Armenia says Azerbaijani troops attacked Martuni\n\n"
            "The fighting began at dawn on Sunday, residents said.")
    first, second = claims_of(text)
    assert first.text == "Armenia says Azerbaijani troops attacked Martuni"
    assert (first.start, first.end) == (0, text.index("\n"))
    assert second.text == "The fighting began at dawn on Sunday, residents said."
    assert (second.claimant, second.claimant_text) == ("Other", "residents")


@pytest.mark.integration
def test_claim_text_stops_before_a_following_heading(claims_of: ClaimsOf) -> None:
    c = only(claims_of("Azerbaijan said Armenian forces shelled Ganja.\n\nGanja under fire"))
    assert c.text == "Azerbaijan said Armenian forces shelled Ganja."
    assert places(c) == ["Ganja"]  # the heading's Ganja is not in the claim


@pytest.mark.integration
@pytest.mark.parametrize("gap", ["\n", "\n\n"])
@pytest.mark.parametrize(
    ("body", "claimant"),
    [
        ("The Azerbaijani Defence Ministry said Armenian forces shelled Tartar.", "Azerbaijan"),
        ("Residents said the town of Tartar was shelled.", "Other"),
    ],
)
def test_claim_after_a_heading_does_not_include_the_heading(claims_of: ClaimsOf, gap: str, body: str,
                                                            claimant: str) -> None:
    text = "Clashes near Martuni" + gap + body
    c = only(claims_of(text))
    assert c.claimant == claimant
    assert c.text == body
    assert c.start == text.index(body)
    assert places(c) == ["Tartar"]


@pytest.mark.integration
@pytest.mark.parametrize("gap", ["\n", "\n\n"])
def test_claim_starting_with_a_name_after_a_heading(claims_of: ClaimsOf, gap: str) -> None:
    body = "Azerbaijan said the town of Tartar was shelled."
    c = only(claims_of("Clashes in the south" + gap + body))
    assert (c.claimant, c.text) == ("Azerbaijan", body)


@pytest.mark.integration
def test_claims_on_consecutive_lines_are_separate(claims_of: ClaimsOf) -> None:
    text = ("Armenia said Azerbaijani forces attacked Martuni.\n"
            "Azerbaijan said Armenian forces shelled Tartar.")
    first, second = claims_of(text)
    assert (first.claimant, places(first)) == ("Armenia", ["Martuni"])
    assert (second.claimant, places(second)) == ("Azerbaijan", ["Tartar"])
    assert "\n" not in first.text and "\n" not in second.text


# --------------------------------------------------------------------------- places


@pytest.mark.integration
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Yerevan says the village of Martuni was shelled overnight.", ["Martuni"]),
        ("Moscow said the talks in Geneva had been postponed.", ["Geneva"]),
        ("Azerbaijan says its forces captured the town of Jabrayil, but Armenia denies this.", ["Jabrayil"]),
        ("An official in Stepanakert said that the shelling had killed two civilians.", []),
        ("Turkey accused Armenia of occupying Azerbaijani territory.", []),
        ("Kyiv says Russian forces attacked the port of Odesa.", ["Odesa"]),
        ("Israel said its jets struck targets in Gaza.", ["Gaza"]),
    ],
)
def test_places_exclude_the_speaker_metonyms_and_countries(claims_of: ClaimsOf, text: str,
                                                           expected: list[str]) -> None:
    c = only(claims_of(text))
    assert places(c) == expected
    assert c.details["place_fallback"] is (not expected)


@pytest.mark.integration
def test_demonym_is_not_a_place_of_the_claim(claims_of: ClaimsOf) -> None:
    c = only(claims_of("Moscow said Ukrainian drones hit an oil depot, which was denied by Kyiv."))
    assert (c.claimant, c.disputed_by) == ("Russia", ["Ukraine"])
    assert places(c) == []


# --------------------------------------------------------------------------- kind


@pytest.mark.integration
@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("The Armenian Ministry of Defence reported that 12 soldiers were killed.", "casualties"),
        ("Armenia said the war had killed 2,300 of its soldiers.", "casualties"),
        ("Azerbaijan says it has taken control of the town of Shusha.", "territorial"),
        ("Azerbaijan claimed its forces had captured seven villages.", "territorial"),
        ("Azeri forces say they repelled an attack near Tartar.", "military"),
        ("The Armenian Ministry of Defence stated that Azerbaijani forces had shelled Martuni.", "military"),
        ("Russia urged the sides to return to negotiations.", "diplomatic"),
        ("Russia called for a new round of negotiations in Moscow.", "diplomatic"),
        ("Turkey said it fully supports its ally.", "statement"),
        ("Putin expressed his condolences.", "statement"),
    ],
)
def test_kind(claims_of: ClaimsOf, text: str, kind: str) -> None:
    assert only(claims_of(text)).kind == kind


@pytest.mark.integration
@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Yerevan says the village of Martuni was shelled overnight.", "military"),
        ("Russia said a new peace deal was in the pipeline.", "diplomatic"),
        ("Russia announced that a ceasefire would take effect at noon.", "diplomatic"),
    ],
    ids=["village-shelled", "in-the-pipeline", "take-effect"],
)
def test_kind_is_not_misled_by_incidental_words(claims_of: ClaimsOf, text: str, kind: str) -> None:
    assert only(claims_of(text)).kind == kind


# --------------------------------------------------------------------------- other wars


@pytest.mark.integration
def test_other_conflict_claim_and_anaphoric_denial(claims_of: ClaimsOf) -> None:
    text = ("Ukrainian President Volodymyr Zelensky said Russian troops had shelled Kharkiv overnight. "
            "Moscow denied this.")
    c, denial = claims_of(text)
    assert (denial.claimant, denial.stance, denial.disputed_by) == ("Russia", "deny", ["Ukraine"])
    assert (c.claimant, c.disputed_by) == ("Ukraine", ["Russia"])
    assert places(c) == ["Kharkiv"]
    assert c.date == "2021-03-11"
    assert c.kind == "military"


@pytest.mark.integration
def test_unpublished_article_has_undated_claims(claims_of: ClaimsOf) -> None:
    c = only(claims_of("Azerbaijan said Armenian forces shelled Tartar on Friday.", published=None))
    assert (c.date, c.date_end, c.date_precision) == (None, None, None)


# --------------------------------------------------------------------------- parse-tree walks end


def _parsed(words: list[str], heads: list[int], deps: list[str], pos: list[str], ents: list[str]):
    """A hand-made parse (spaCy's own parse varies by model version): the walks up the tree
    must stop at the root whatever its part of speech."""
    from spacy.tokens import Doc
    from spacy.vocab import Vocab

    return Doc(Vocab(), words=words, heads=heads, deps=deps, pos=pos, ents=ents)


def test_tree_walks_stop_at_a_root_that_is_no_verb() -> None:
    """Tokens are fresh objects on every access, so a walk testing ``tok.head is tok`` never
    reached the root and spun forever on a verbless headline ("Clashes in Hadrut on Friday")."""
    from geo.claims.extract import _inside_noun_phrase, _is_future_for, _modifies_clause_of

    # "Ceasefire after talks on Friday": root "after" (ADP), date "Friday" hangs off "on".
    doc = _parsed(["Ceasefire", "after", "talks", "on", "Friday"], heads=[1, 1, 1, 2, 3],
                  deps=["nsubj", "ROOT", "pobj", "prep", "pobj"], pos=["NOUN", "ADP", "NOUN", "ADP", "PROPN"],
                  ents=["O", "O", "O", "O", "B-DATE"])
    date = doc[4:5]
    assert _is_future_for(date) is False
    assert _inside_noun_phrase(doc[1:2]) is False  # starts at the ADP root itself
    verbless = _parsed(["Quiet", "overnight", "said"], heads=[0, 0, 0], deps=["ROOT", "advmod", "dep"],
                       pos=["ADJ", "ADV", "VERB"], ents=["O", "B-TIME", "O"])
    assert _modifies_clause_of(verbless[1:2], verbless[2]) is False


@pytest.mark.integration
def test_entities_within_a_span_are_span_ents(nlp) -> None:
    """The speaker resolver reads the doc's entities once; its entities of a span are spaCy's."""
    from collections import Counter

    from geo.claims.actors import get_registry
    from geo.claims.speakers import _SpeakerResolver

    doc = nlp("Armenian Prime Minister Nikol Pashinyan told Reuters on Friday that Azerbaijan's "
              "President Ilham Aliyev had rejected talks in Moscow with the OSCE Minsk Group.")
    resolver = _SpeakerResolver(doc, get_registry(), Counter(), [])
    spans = [doc[i:j] for i in range(len(doc)) for j in range(i, len(doc) + 1)]
    for span in spans:
        assert [(e.start, e.end, e.label_) for e in resolver.ents_within(span)] == \
            [(e.start, e.end, e.label_) for e in span.ents]
