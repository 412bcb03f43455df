"""Claims on the patterns of issue 12, on texts written for these tests (none is taken from a
seed article or a benchmark): statements over several sentences, pronoun and short-name
speakers, headline and colon attributions, claimants from titles and affiliations, denials and
mutual accusations, and precision (narration, captions, modifiers are not speakers).

The texts are about the Karabakh war and about other conflicts, so that every rule is checked
on more than one war.
"""

from __future__ import annotations

import pytest

from geo.model import Article, Claim

PUBLISHED = "2021-03-12"  # a Friday

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def claims_of(pipeline):
    def run(text: str, published: str | None = PUBLISHED) -> list[Claim]:
        claims = pipeline.analyze(Article(id="t", text=text, published=published)).claims
        for c in claims:
            assert text[c.start:c.end] == c.text
        return claims

    return run


def by_text(claims: list[Claim], needle: str) -> list[Claim]:
    return [c for c in claims if needle in c.text]


def claimants_of(claims: list[Claim], needle: str) -> set[str]:
    return {c.claimant for c in by_text(claims, needle)}


# --------------------------------------------------------------------------- 1. several sentences

def test_introduced_statement_gives_each_quoted_sentence_to_the_speaker(claims_of):
    text = ("Fighting resumed near the river on Thursday.\n\n"
            "A spokesman for Armenia's defence ministry said:\n\n"
            "\"Enemy units tried to cross at two points. Both attempts were repelled. "
            "Our positions are intact.\"\n\n"
            "The claims could not be verified.")
    claims = claims_of(text)
    for sentence in ("Enemy units tried to cross", "Both attempts were repelled", "Our positions are intact"):
        assert claimants_of(claims, sentence) == {"Armenia"}, sentence
    assert not by_text(claims, "could not be verified")
    assert not [c for c in claims if c.text.rstrip().endswith(":")]


def test_quote_whose_speaker_comes_after_it(claims_of):
    text = ("“The shelling lasted all night. Three houses burned down,” said the mayor of Stepanakert, "
            "an official of the Nagorno-Karabakh authorities.\n\n"
            "Azerbaijan's defence ministry said the town had been a military target.")
    claims = claims_of(text)
    assert claimants_of(claims, "The shelling lasted all night") == {"Nagorno-Karabakh authorities"}
    assert claimants_of(claims, "military target") == {"Azerbaijan"}


def test_statement_continues_across_a_quoted_paragraph(claims_of):
    text = ("Ukraine's foreign minister said on Friday that talks had stalled.\n\n"
            "“We came with proposals and left with nothing,” he told reporters in Kyiv.\n\n"
            "“Nobody should expect us to give up our land.”\n\n"
            "The talks are due to resume next month.")
    claims = claims_of(text)
    assert claimants_of(claims, "Nobody should expect us") == {"Ukraine"}
    assert not by_text(claims, "due to resume")


# --------------------------------------------------------------------------- 2. pronouns, short names

def test_pronoun_and_surname_speakers_keep_the_party_of_first_mention(claims_of):
    text = ("Sudan's army spokesman Nabil Abdallah said the army had retaken the bridge.\n\n"
            "Abdallah added that dozens of fighters had surrendered.\n\n"
            "According to him, the road to the airport is open again.\n\n"
            "He told reporters that civilians could return.")
    claims = claims_of(text)
    assert claimants_of(claims, "retaken the bridge") == {"Sudan"}
    assert claimants_of(claims, "dozens of fighters") == {"Sudan"}
    assert claimants_of(claims, "road to the airport") == {"Sudan"}
    assert claimants_of(claims, "civilians could return") == {"Sudan"}


def test_role_noun_after_a_full_mention(claims_of):
    text = ("Russia's defence ministry said its forces had shot down four drones over the Belgorod region.\n\n"
            "The ministry added that there were no casualties.")
    claims = claims_of(text)
    assert claimants_of(claims, "no casualties") == {"Russia"}


def test_a_claimant_is_never_a_bare_pronoun_or_surname(claims_of):
    text = ("She said the convoy had been hit twice.\n\n"
            "Warden said the hospital had run out of fuel.")
    claims = claims_of(text)
    assert claims  # statements, of a party that cannot be told
    assert {c.claimant for c in claims} <= {"Other"}


# --------------------------------------------------------------------------- 3. headlines, colons

def test_headline_colon_attribution(claims_of):
    text = ("Defence ministry of Armenia: three villages shelled overnight\n\n"
            "The villages lie along the northern part of the front.")
    claims = claims_of(text)
    assert claimants_of(claims, "three villages shelled") == {"Armenia"}
    assert not by_text(claims, "lie along")


def test_headline_present_tense(claims_of):
    claims = claims_of("Baku says Yerevan used cluster munitions near Barda\n\nMore fighting was reported.")
    assert claimants_of(claims, "cluster munitions") == {"Azerbaijan"}


def test_editors_note_is_not_a_claim(claims_of):
    claims = claims_of("Editor's note: this article was updated to correct the name of a village.")
    assert not claims


# --------------------------------------------------------------------------- 4. titles, affiliations

@pytest.mark.parametrize(("speaker", "party"), [
    ("An aide to Azerbaijan's president", "Azerbaijan"),
    ("The Armenian side", "Armenia"),
    ("Official Baku", "Azerbaijan"),
    ("The press service of Armenia's defence ministry", "Armenia"),
    ("The human rights ombudsman of the self-declared Nagorno-Karabakh Republic", "Nagorno-Karabakh authorities"),
    ("The defence army of the self-declared Nagorno-Karabakh Republic", "Nagorno-Karabakh authorities"),
])
def test_claimant_from_title_or_affiliation(claims_of, speaker, party):
    claims = claims_of(f"{speaker} said that two civilians were wounded in the shelling.")
    assert {c.claimant for c in claims} == {party}


def test_modifier_is_not_the_speaker(claims_of):
    text = ("The Iran-based broadcaster reported that the border crossing had been closed.\n\n"
            "A Turkish-backed group said it had captured a hill.")
    claims = claims_of(text)
    assert "Iran" not in claimants_of(claims, "border crossing")
    assert "Turkey" not in claimants_of(claims, "captured a hill")


# --------------------------------------------------------------------------- 5. denials

def test_denial_in_a_later_paragraph_links_to_the_claim(claims_of):
    text = ("Armenia's defence ministry said Azerbaijani drones struck a market in Martuni on Thursday.\n\n"
            "Casualty figures were not given.\n\n"
            "Azerbaijan's defence ministry rejected these statements as false.")
    claims = claims_of(text)
    target = by_text(claims, "struck a market")
    assert target and target[0].claimant == "Armenia"
    assert "Azerbaijan" in target[0].disputed_by


@pytest.mark.parametrize("denial", [
    "Kyiv denied the allegations.",
    "Ukraine dismissed the reports as false.",
    "Ukraine's military called it a lie.",
    "Ukrainian officials said there was no such attack.",
    "Ukraine refuted the claim.",
])
def test_denial_forms_link_to_the_headline_claim(claims_of, denial):
    text = ("Russia says Ukrainian forces shelled a school in Donetsk\n\n"
            f"The city's administration said two teachers were hurt. {denial}")
    claims = claims_of(text)
    target = by_text(claims, "shelled a school")
    assert target and target[0].claimant == "Russia"
    assert "Ukraine" in target[0].disputed_by, [(c.claimant, c.text, c.disputed_by) for c in claims]


def test_armed_group_denial(claims_of):
    text = ("Sudan's army said it had driven the RSF out of the city of Wad Madani.\n\n"
            "The RSF denied losing the city.")
    claims = claims_of(text)
    target = by_text(claims, "driven the RSF out")
    assert target and "RSF" in target[0].disputed_by


@pytest.mark.parametrize(("text", "claimant", "denier", "disputed", "not_disputed"), [
    ("Ukraine says Russian missiles hit Odesa port\n\n"
     "Ukraine's navy said on Monday that two Russian missiles had hit the port of Odesa. "
     "\"Grain silos were destroyed,\" Ukrainian navy spokesman Dmytro Pletenchuk said. "
     "He added that three dock workers were wounded.\n\n"
     "Russia's defence ministry rejected the allegations.",
     "Ukraine", "Russia", ["missiles hit Odesa", "had hit the port", "Grain silos", "dock workers"], []),
    ("Sudan's army said its aircraft had destroyed an RSF convoy near El Obeid.\n\n"
     "The World Food Programme said it had suspended deliveries to Kordofan.\n\n"
     "Sudan's army said the convoy had left El Obeid at dawn. "
     "Sudan's army said the convoy carried fuel and ammunition.\n\n"
     "The RSF dismissed these statements.",
     "Sudan", "RSF", ["destroyed an RSF convoy", "fuel and ammunition", "left El Obeid"],
     ["suspended deliveries"]),
    ("Israel's military said it had struck a weapons depot in Tyre. "
     "Lebanon's health ministry said six people were killed in Nabatieh. "
     "The Israeli military said militants had fired rockets from Nabatieh. "
     "It said the launchers were hidden in a school.\n\n"
     "Hezbollah denied this.",
     "Israel", "Hezbollah", ["fired rockets", "launchers were hidden"], ["weapons depot in Tyre"]),
])
def test_a_denial_that_points_back_disputes_the_whole_latest_statement(claims_of, text, claimant, denier,
                                                                     disputed, not_disputed):
    """"Rejected the allegations" answers the last party's statement: its sentences back to another
    party's claim, and its headline or lede about the same places; not that party's other matters."""
    claims = claims_of(text)
    seen = [(c.claimant, c.text, c.disputed_by) for c in claims]
    for needle in disputed:
        target = [c for c in by_text(claims, needle) if c.claimant == claimant]
        assert target and denier in target[0].disputed_by, (needle, seen)
    for needle in not_disputed:
        assert all(denier not in c.disputed_by for c in by_text(claims, needle)), (needle, seen)


@pytest.mark.parametrize(("first", "denial", "claimant", "denier"), [
    ("Russia's defence ministry said its forces had captured the village of Vovchansk.",
     "Ukraine's defence ministry denied that Russian units had entered Vovchansk, saying fighting was "
     "continuing on the outskirts of the town.", "Russia", "Ukraine"),
    ("Sudan's army said it had retaken the bridge at Wad Madani.",
     "The RSF denied that the army had crossed the river, saying its fighters still held both banks.",
     "Sudan", "RSF"),
    ("M23 said its fighters had seized the hills above Sake.",
     "Kinshasa denied that the rebels had reached Sake, adding that its troops had repelled two assaults.",
     "M23", "Democratic Republic of the Congo"),
])
def test_a_denial_with_a_participle_is_the_deniers_claim(claims_of, first, denial, claimant, denier):
    """The participle of "denied that ..., saying ..." speaks for the denier (spaCy may hang it on the
    denied clause), and the denial is the denier's claim of stance deny, disputing the earlier claim."""
    claims = claims_of(first + "\n\n" + denial)
    seen = [(c.claimant, c.stance, c.disputed_by, c.text) for c in claims]
    own = [c for c in claims if c.text == denial]
    assert [c.claimant for c in own] == [denier], seen
    assert own[0].stance == "deny" and own[0].disputed_by == [claimant], seen
    target = [c for c in claims if c.text == first]
    assert target and target[0].claimant == claimant and denier in target[0].disputed_by, seen


@pytest.mark.parametrize(("text", "party"), [
    ("Israeli air strikes killed at least 20 people in Rafah over the past day, Gaza's civil defence agency "
     "said on Friday.", "Gaza authorities"),
    ("Russian drones damaged three power stations in the region overnight, Ukraine's energy ministry said.",
     "Ukraine"),
    ("RSF shelling killed 14 civilians in El Fasher, the Sudanese army said on Sunday.", "Sudan"),
])
def test_a_cue_after_its_clause_speaks_for_its_own_subject(claims_of, text, party):
    """A tail cue whose clause spaCy reads as a second subject ("strikes ... the ministry said"): the
    speaker is the subject next to the verb, not the party the reported clause names first."""
    claims = claims_of(text)
    assert [c.claimant for c in claims] == [party], [(c.claimant, c.claimant_text) for c in claims]


def test_mutual_accusations_are_two_claims_disputing_each_other(claims_of):
    claims = claims_of("Armenia and Azerbaijan accused each other of shelling civilian areas on Friday.")
    assert sorted(c.claimant for c in claims) == ["Armenia", "Azerbaijan"]
    by = {c.claimant: c for c in claims}
    assert by["Armenia"].disputed_by == ["Azerbaijan"]
    assert by["Azerbaijan"].disputed_by == ["Armenia"]


# --------------------------------------------------------------------------- 6. precision

def test_one_speaker_about_three_countries_is_one_claim(claims_of):
    claims = claims_of("France's foreign minister said Russia, Turkey and Iran must stop arming the parties.")
    assert [c.claimant for c in claims] == ["France"]


def test_narration_and_captions_are_not_claims(claims_of):
    text = ("Armenian soldiers walk past a destroyed tank near Hadrut on October 20, 2020. (AP Photo)\n\n"
            "In this photo taken on Tuesday, the Azerbaijani president speaks during a meeting in Baku.\n\n"
            "The region has been contested since the early 1990s.")
    assert not claims_of(text)


def test_kind_follows_what_is_asserted(claims_of):
    claims = claims_of("The foreign ministers of Armenia and Azerbaijan will meet in Geneva, the State Department said.")
    assert claims and {c.kind for c in claims} == {"diplomatic"}


def test_quotation_signed_after_a_dash(claims_of):
    text = ("“The checkpoint was shelled twice. Nobody was hurt.” ― Sudan's army spokesman\n\n"
            "Residents fled the area.")
    claims = claims_of(text)
    assert claimants_of(claims, "checkpoint was shelled") == {"Sudan"}
    assert claimants_of(claims, "Nobody was hurt") == {"Sudan"}
    assert not by_text(claims, "Residents fled")


def test_signed_quotation_opened_with_the_wrong_glyph(claims_of):
    """Letters pages often open a quotation with a closing mark ("”... ” ― Name")."""
    text = ("Readers wrote to us about the ceasefire.\n\n”The shelling of Kharkiv has not stopped. We sleep in "
            "the metro.” ― Olena Kovalenko\n\nThe talks resume on Monday.")
    claims = claims_of(text)
    assert by_text(claims, "shelling of Kharkiv") and by_text(claims, "We sleep in the metro")
    assert not by_text(claims, "talks resume")


def test_intention_of_a_party_is_its_claim_but_refusing_to_say_is_not(claims_of):
    claims = claims_of("Azerbaijan wants to retake the district before winter. "
                       "The ministry refused to say how many soldiers had died.")
    assert claimants_of(claims, "retake the district") == {"Azerbaijan"}
    assert not by_text(claims, "refused to say")


def test_second_statement_of_the_same_speaker_is_its_own_claim(claims_of):
    text = ("The Israeli military announced the arrest of two suspects on Friday and said a curfew "
            "would remain in force in the camp.")
    claims = claims_of(text)
    assert [c.claimant for c in claims] == ["Israel", "Israel"]
    assert claims[1].text.startswith("said a curfew")


@pytest.mark.parametrize(("text", "party"), [
    ("The regional governor of Kharkiv, Oleh Synehubov, said two people were killed in the strike.", "Ukraine"),
    ("An MP from Syunik said Azerbaijani troops had advanced two kilometres.", "Armenia"),
    ("The mayor of Stepanakert said the city had no electricity.", "Nagorno-Karabakh authorities"),
])
def test_office_named_after_a_place_speaks_for_the_place(claims_of, text, party):
    assert {c.claimant for c in claims_of(text)} == {party}


@pytest.mark.parametrize(("text", "date"), [
    ("Sudanese officials said talks were expected to resume on Tuesday.", "2021-03-16"),
    ("Ukraine's foreign ministry said the talks are due to resume on Thursday.", "2021-03-18"),
    ("Hamas said it would release two hostages on Sunday.", "2021-03-14"),
    ("The M23 said it plans to open the road to Goma next Wednesday.", "2021-03-17"),
    ("The Israeli military said it had struck the building on Tuesday.", "2021-03-09"),
])
def test_future_events_are_dated_forward_past_ones_back(claims_of, text, date):
    claims = claims_of(text)  # published on Friday 12 March 2021
    assert claims and {c.date for c in claims} == {date}


def test_joint_statement_of_two_parties_is_two_claims(claims_of):
    claims = claims_of("Egypt and Qatar called for a ceasefire in Gaza on Friday.")
    assert sorted(c.claimant for c in claims) == ["Egypt", "Qatar"]


# --------------------------------------------------------------------------- "according to" a document

@pytest.mark.parametrize(("text", "party"), [
    ("According to a UN report released on Tuesday, 40,000 people fled the fighting in Darfur.", "UN"),
    ("Turnout fell to 52 percent in the northern provinces, according to the electoral commission's figures.",
     "Other"),
    ("The senator leads her rival by six points among young voters, according to a new poll.", "Other"),
    ("According to a complaint filed by the regional prosecutor, the mayor diverted the aid money.", "Other"),
    ("According to people familiar with the talks, the rebels hold the road to the airport.", "Other"),
])
def test_according_to_one_document_or_its_authors(claims_of, text, party):
    claims = claims_of(text)
    assert [c.claimant for c in claims] == [party]
    assert claims[0].text == text


@pytest.mark.parametrize("text", [
    "According to reports, the convoy reached Kherson at noon.",
    "According to estimates, two thousand families left the valley.",
    "According to the peace plan, both armies must pull back ten kilometres.",
    "According to the constitution, the governor serves four years.",
    "The vote was held according to schedule in all districts.",
])
def test_according_to_rules_or_unnamed_reports_is_no_claim(claims_of, text):
    assert claims_of(text) == []


# --------------------------------------------------------------------------- quotation before its cue

def test_question_quoted_before_its_speaker_is_the_claim(claims_of):
    text = "Shelling resumed overnight.\n\n“Why are the corridors still closed?” the mayor of Kherson demanded."
    claims = claims_of(text)
    assert len(claims) == 1
    assert claims[0].text == "“Why are the corridors still closed?” the mayor of Kherson demanded."


def test_verb_needing_content_reports_a_quotation_before_it(claims_of):
    claims = claims_of("“The vote will go ahead in every district,” the election commissioner added.")
    assert len(claims) == 1 and claims[0].text.startswith("“The vote will go ahead")


def test_narration_after_a_quoted_title_is_no_claim(claims_of):
    assert claims_of("The band played “Ode to Joy” and the mayor joked with the crowd.") == []


# --------------------------------------------------------------------------- "by saying"

@pytest.mark.parametrize("text", [
    "Sudan's army spokesman responded by saying the RSF had shelled the market first.",
    "The senator began her speech by saying the budget would not pass this year.",
    "After saying the troops had left Bakhmut, the Wagner chief posted a second video.",
])
def test_gerund_after_a_preposition_shares_its_verbs_speaker(claims_of, text):
    claims = claims_of(text)
    assert len(claims) == 1 and claims[0].text == text


def test_leaving_without_saying_anything_is_no_claim(claims_of):
    assert claims_of("The Israeli envoy left the council chamber without saying a word.") == []


# --------------------------------------------------------------------------- "X said A, but he said B"

def test_pronoun_coordinated_with_a_cue_makes_a_second_statement_of_the_same_speaker(claims_of):
    claims = claims_of("Ukraine's air force said two drones were shot down over Odesa, "
                       "and it said a third hit a grain depot.")
    assert [c.claimant for c in claims] == ["Ukraine", "Ukraine"]
    assert claims[1].text == "it said a third hit a grain depot"
    assert claims[1].claimant_text == "Ukraine's air force"


def test_pronoun_inside_the_reported_clause_is_still_one_claim(claims_of):
    claims = claims_of("The senator said she believed the vote would fail, and the chamber adjourned.")
    assert len(claims) == 1


# --------------------------------------------------------------------------- "Said X: “...”"

def test_inverted_cue_before_its_speaker_and_a_quotation(claims_of):
    claims = claims_of("Fuel ran out on Tuesday. Said Amani Kabila, a truck driver: “We have waited four days.”")
    assert len(claims) == 1
    assert claims[0].text == "Said Amani Kabila, a truck driver: “We have waited four days.”"
    assert claims[0].claimant == "Other"


def test_inverted_cue_without_a_quotation_is_no_claim(claims_of):
    assert claims_of("The clinic closed. Said the notice: the doors open again on Monday.") == []


# --------------------------------------------------------------------------- issue 12: recall (h-recall2)

def test_coordinated_cue_with_an_object_is_a_second_statement(claims_of):
    claims = claims_of("Abdel Fattah al-Burhan criticised the Jeddah deal and called for new talks in Cairo.")
    assert [c.claimant for c in claims] == ["Sudan", "Sudan"]
    assert claims[1].text == "called for new talks in Cairo"


def test_coordinated_cue_after_a_reported_subject_is_not_the_speakers(claims_of):
    claims = claims_of("The Ukrainian foreign ministry said that the envoy met his Polish counterpart in "
                       "Warsaw and stressed the need to protect grain shipments.")
    ministry = [c for c in claims if c.claimant_text == "The Ukrainian foreign ministry"]
    assert len(ministry) == 1 and ministry[0].text.startswith("The Ukrainian foreign ministry said")


def test_participle_after_a_pronoun_speaker_is_a_second_statement(claims_of):
    claims = claims_of("Oleh Synehubov, the governor of Kharkiv, visited the market on Friday. "
                       "“We will not leave,” he said, adding that the shelling had stopped by dawn.")
    assert [c.claimant for c in claims] == ["Ukraine", "Ukraine"]
    assert claims[1].text == "adding that the shelling had stopped by dawn"


def test_quotation_continued_after_two_cues_is_one_claim_per_sentence(claims_of):
    claims = claims_of("The mayor of Kharkiv condemned the strike, saying: “Three houses burned down. "
                       "Two people died.”")
    assert len(by_text(claims, "Two people died")) == 1


@pytest.mark.parametrize("text", [
    "Ukraine could argue that the strike broke the truce.",
    "Israel must explain why the convoy was hit.",
    "The RSF may claim that the market was a military target.",
])
def test_cue_under_a_modal_of_possibility_or_obligation_is_no_claim(claims_of, text):
    assert claims_of(text) == []


@pytest.mark.parametrize(("text", "party"), [
    ("Hamas called the raid “a massacre”.", "Hamas"),
    ("Kyiv has called the shelling of the villages a war crime.", "Ukraine"),
])
def test_calling_something_something_is_a_claim(claims_of, text, party):
    assert [c.claimant for c in claims_of(text)] == [party]


def test_calling_people_somewhere_is_no_claim(claims_of):
    assert claims_of("The commander called reinforcements to the front.") == []


def test_speaking_of_a_topic_is_a_claim_speaking_with_people_is_not(claims_of):
    claims = claims_of("President Zelensky spoke of the suffering in Mariupol. "
                       "The RSF commander spoke with reporters in Khartoum.")
    assert [c.claimant for c in claims] == ["Ukraine"]
    assert "Mariupol" in claims[0].text


@pytest.mark.parametrize(("text", "party"), [
    ("Armenian officials see the new checkpoint as an attempt to close the corridor.", "Armenia"),
    ("Ukraine's foreign ministry views the referendum as illegal.", "Ukraine"),
    ("Hamas likened the blockade of Gaza to a siege.", "Hamas"),
])
def test_judging_or_likening_something_is_a_claim(claims_of, text, party):
    assert [c.claimant for c in claims_of(text)] == [party]


def test_seeing_something_is_no_claim(claims_of):
    assert claims_of("Residents of Goma saw the smoke from the village.") == []


@pytest.mark.parametrize(("text", "needle", "party"), [
    ("Contrary to Moscow's claim that the drones came from Ukraine, the debris was Iranian.", "debris", "Russia"),
    ("The Sudanese army spokesman said the road was closed. His warning that the dam could burst went unheeded.",
     "dam could burst", "Sudan"),
])
def test_statement_noun_with_its_owner_and_a_clause_is_a_claim(claims_of, text, needle, party):
    assert claimants_of(claims_of(text), needle) == {party}


def test_statement_noun_without_an_owner_is_no_claim(claims_of):
    assert claims_of("The allegation that the convoy carried weapons spread online.") == []


def test_taking_a_position_is_a_claim_backing_off_is_not(claims_of):
    claims = claims_of("The African Union backs the ceasefire plan for Sudan. "
                       "Russian troops backed off from the bridge.")
    assert [c.claimant for c in claims] == ["AU"]


def test_being_confident_that_is_a_claim(claims_of):
    claims = claims_of("Israeli officials are confident that the hostages are alive.")
    assert [c.claimant for c in claims] == ["Israel"]


def test_named_apposition_makes_a_speaking_subject(claims_of):
    claims = claims_of("Armenia's envoy, Ara Ayvazyan, plans to raise the issue at the UN.")
    assert [c.claimant for c in claims] == ["Armenia"]


def test_people_named_by_their_role_attack_and_praise_with_words(claims_of):
    claims = claims_of("Western diplomats praised the truce in Darfur. The senator attacked the aid cuts as cruel. "
                       "The battalion attacked the village at dawn.")
    assert len(claims) == 2
    assert not by_text(claims, "battalion")


def test_a_document_shows_or_finds_what_it_counted(claims_of):
    claims = claims_of("A UN survey found 40 cases of cholera in the camp. "
                       "The soldiers found the bodies near the river.")
    assert [c.claimant for c in claims] == ["UN"]
    assert "cholera" in claims[0].text


def test_according_to_a_named_speech_is_a_claim(claims_of):
    claims = claims_of("According to a speech the minister gave in Baku, the corridor stays open.")
    assert len(claims) == 1 and "corridor stays open" in claims[0].text


def test_refusing_to_act_is_a_position_refusing_to_comment_is_not(claims_of):
    claims = claims_of("Hamas refuses to release the remaining hostages. "
                       "The army spokesman refused to comment on the raid.")
    assert [c.claimant for c in claims] == ["Hamas"]


@pytest.mark.parametrize(("text", "party"), [
    ("The Security Council issued a statement calling the test a clear violation.", "UN"),
    ("Hamas released a video saying the hostages were alive.", "Hamas"),
    ("In a statement announcing the deal, Qatar called the truce fragile.", "Qatar"),
])
def test_cue_of_an_issued_statement_speaks_for_its_issuer(claims_of, text, party):
    assert {c.claimant for c in claims_of(text)} == {party}


@pytest.mark.parametrize(("text", "party"), [
    ("As the Israeli military put it in a statement, the road is closed.", "Israel"),
    ("The Sudanese general made it clear that the offensive would continue.", "Sudan"),
])
def test_as_x_put_it_and_making_clear_are_claims(claims_of, text, party):
    assert [c.claimant for c in claims_of(text)] == [party]


def test_putting_something_somewhere_is_no_claim(claims_of):
    assert claims_of("As the convoy arrived, the soldiers put it in a warehouse. "
                     "The engineers made the road clear of mines.") == []


@pytest.mark.parametrize(("text", "party"), [
    ("Ukraine's defence minister outlined a plan to rebuild the air defences of Odesa.", "Ukraine"),
    ("The Armenian foreign minister discussed the return of prisoners with his French counterpart.", "Armenia"),
    ("Egypt's foreign ministry echoed the call for a truce in Gaza.", "Egypt"),
])
def test_speech_acts_about_a_topic_report_with_their_object(claims_of, text, party):
    assert [c.claimant for c in claims_of(text)] == [party]


def test_topic_speech_verb_without_an_object_is_no_claim(claims_of):
    assert claims_of("The talks in Doha were discussed at length.") == []


def test_referring_to_something_is_a_claim(claims_of):
    claims = claims_of("The Azerbaijani president referred to the road as a corridor of peace. "
                       "In a new video, Hamas referenced the strike on the hospital.")
    assert [c.claimant for c in claims] == ["Azerbaijan", "Hamas"]


def test_light_verb_with_a_speech_act_object_is_a_claim(claims_of):
    claims = claims_of("Ukraine's foreign ministry lodged a protest with Hungary over the arrests. "
                       "The M23 issued a warning to the residents of Goma. "
                       "The army issued rifles to the volunteers.")
    assert [c.claimant for c in claims] == ["Ukraine", "M23"]


def test_having_an_attitude_about_something_is_a_claim(claims_of):
    claims = claims_of("Rwanda's foreign minister has serious concerns about the deployment near Goma. "
                       "The convoy has two trucks of flour.")
    assert [c.claimant for c in claims] == ["Rwanda"]


def test_rating_something_as_something_is_a_claim(claims_of):
    claims = claims_of("Amnesty International rated the trial of the activists in Baku as unfair.")
    assert len(claims) == 1 and claims[0].details["verb"] == "rated"


def test_topic_or_view_inside_a_reported_clause_is_part_of_that_statement(claims_of):
    claims = claims_of("The Kremlin said the two leaders discussed the grain corridor. "
                       "Kyiv said that Western partners support the new air defence plan.")
    assert [c.claimant for c in claims] == ["Russia", "Ukraine"]


def test_encouraging_someone_to_act_is_a_claim(claims_of):
    claims = claims_of("Qatar's prime minister encouraged both sides to accept the truce in Gaza.")
    assert [c.claimant for c in claims] == ["Qatar"]


def test_coordinated_intention_shares_its_speakers_subject(claims_of):
    claims = claims_of("Armenia's prime minister criticised the proposal on Monday and plans to reopen "
                       "talks in Brussels.")
    assert [c.claimant for c in claims] == ["Armenia", "Armenia"]
    assert claims[1].text.startswith("plans to reopen")


def test_seeking_or_wanting_something_is_a_stated_aim(claims_of):
    claims = claims_of("Ukraine seeks security guarantees from its Western allies. The river wants a bridge.")
    assert [c.claimant for c in claims] == ["Ukraine"]


def test_relative_clause_cue_on_a_speaker_is_a_second_statement(claims_of):
    claims = claims_of("“The dam will hold,” said the governor of Kherson, who added that engineers had "
                       "reinforced it overnight.\n\n"
                       "A spokesman for Sudan's army, who insisted that the airport was secure, told reporters "
                       "that flights would resume on Monday.\n\n"
                       "The mayor, who visited the port, said the cranes were damaged.")
    added = [c for c in claims if c.details["verb"] == "added"]
    assert [c.text for c in added] == ["who added that engineers had reinforced it overnight"]
    insisted = [c for c in claims if c.details["verb"] == "insisted"]
    assert [c.text for c in insisted] == ["who insisted that the airport was secure"]
    assert [c.details["verb"] for c in claims if "flights would resume" in c.text] == ["told"]
    assert len(by_text(claims, "cranes were damaged")) == 1  # visiting the port says nothing


def test_parenthetical_cue_inside_what_it_reports_is_a_claim(claims_of):
    claims = claims_of("The talks in Doha, an Egyptian official added, would resume on Sunday. "
                       "The price of bread, the baker added, rose by a third in Khartoum.")
    assert [c.claimant for c in claims] == ["Egypt", "Other"]
    assert [c.details["verb"] for c in claims] == ["added", "added"]


def test_publishing_a_report_or_video_is_a_claim(claims_of):
    claims = claims_of("Israel's army released a video of the tunnel under the hospital. "
                       "Amnesty International published a report on the camps in Darfur. "
                       "Hamas released two hostages on Sunday.")
    assert [c.claimant for c in claims][:1] == ["Israel"]
    assert [c.details["verb"] for c in claims] == ["released", "published"]


# --------------------------------------------------------------------------- 9. groups, asides, rulings, forecasts

def test_they_after_a_plural_subject_of_a_sentence_without_claims(claims_of):
    claims = claims_of("Eleven aid groups have sued the blockade authority in a court in Aden.\n\n"
                       "They argue that the closure of the port has starved the city.")
    assert [c.details["verb"] for c in by_text(claims, "starved the city")] == ["argue"]
    claims = claims_of("Farmers along the Dnipro blocked the highway on Monday. "
                       "They insist that grain prices have collapsed since the dam burst.")
    assert [c.details["verb"] for c in by_text(claims, "grain prices")] == ["insist"]


def test_part_of_a_group_speaks_for_the_group(claims_of):
    claims = claims_of("The plan angered families of the missing soldiers, many of whom say the army "
                       "has stopped searching near Bakhmut.")
    assert [c.details["verb"] for c in claims] == ["say"]
    claims = claims_of("Residents of Goma, most of whom say the rebels cut the water supply, queued for hours.")
    assert [c.details["verb"] for c in claims] == ["say"]


def test_according_to_official_figures_cites_the_authorities(claims_of):
    claims = claims_of("About 1.2 million people have fled Darfur since April, according to official figures. "
                       "Fuel prices in Yerevan tripled, according to federal statistics. "
                       "The front has barely moved, according to estimates.")
    assert len(by_text(claims, "fled Darfur")) == 1
    assert len(by_text(claims, "Fuel prices")) == 1
    assert not by_text(claims, "barely moved")


def test_parenthetical_cue_with_when_and_where(claims_of):
    for text, verb in [("These recruits, the colonel explained at the briefing, were “poorly trained.”", "explained"),
                       ("The bridge, the mayor added late on Monday, had been shelled twice.", "added"),
                       ("The refugees, the minister explained in Geneva, had nowhere else to go.", "explained")]:
        assert [c.details["verb"] for c in claims_of(text)] == [verb], text


def test_reporting_verb_read_as_a_noun_after_a_name(claims_of):
    # the parser reads "charges" here as a plural noun ("Haftar charges"), the cue all the same
    claims = claims_of("Haftar charges that foreign fighters paid the militias.")
    assert [c.details["verb"] for c in claims] == ["charges"]
    claims = claims_of("Kyiv rejected the Moscow claims that the convoy carried food.")
    assert [c.details["verb"] for c in claims] == ["rejected"]


def test_a_court_ruling_is_a_claim_of_the_court(claims_of):
    claims = claims_of("The appeals court ruled that the ban on the opposition party was unlawful. "
                       "A federal court ruled on Friday against the ministry's plan to close the crossing. "
                       "The junta ruled the country for a decade.")
    assert [c.details["verb"] for c in claims] == ["ruled", "ruled"]
    assert not by_text(claims, "for a decade")


def test_finding_something_unlawful_is_a_ruling(claims_of):
    claims = claims_of("While a federal judge found the decree unconstitutional, his decision was overturned. "
                       "The commission found the governor of Kharkiv guilty of fraud.")
    assert [c.details["verb"] for c in claims] == ["found", "found"]


def test_revising_a_forecast_is_a_claim_of_its_owner(claims_of):
    claims = claims_of("The World Bank warned that the war would shrink Ukraine's economy.\n\n"
                       "On Tuesday it cut its growth forecast for Ukraine by two points. "
                       "Armenia's central bank raised its inflation estimate to 7 percent. "
                       "The army raised the flag over the town hall.")
    assert len(by_text(claims, "cut its growth forecast")) == 1
    assert claimants_of(claims, "inflation estimate") == {"Armenia"}
    assert not by_text(claims, "raised the flag")


def test_pronoun_after_a_person_named_earlier_in_its_sentence(claims_of):
    claims = claims_of("His guest, the activist Maria Kovac, was emotional as she called for an end to "
                       "the siege of Mariupol.")
    assert [c.details["verb"] for c in claims] == ["called"]
    assert claims_of("He said the ceasefire was holding.") == []


def test_who_speaks_of_and_agrees_with(claims_of):
    claims = claims_of("Among the guests was his widow, Laura, who spoke of her talks with the Sudanese "
                       "mediators. Jan Novak of the Prague Daily agreed with the minister about the risks "
                       "of the pipeline.")
    assert [c.details["verb"] for c in claims] == ["spoke", "agreed"]
