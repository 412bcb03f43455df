"""The party of each claim in any war (issue 19): a speaker phrase that names a kind of speaker
and no party ("the army", "the group", "the regional governor") takes its party from the article
(geo.claims.context); demonyms and other names of a state; de-facto authorities by their
place; pronouns through the speaker chain. Every article here is made up for these tests, about
several wars, with cases that must stay ``Other``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from geo.model import Article, Claim

ClaimsOf = Callable[[str], list[Claim]]


@pytest.fixture(scope="module")
def claims_of(pipeline) -> ClaimsOf:
    def run(text: str) -> list[Claim]:
        claims = pipeline.analyze(Article(id="t", text=text, published="2024-05-10")).claims
        for c in claims:
            assert text[c.start:c.end] == c.text
        return claims

    return run


def claimant_of(claims: list[Claim], words: str) -> list[str]:
    """The claimants of the claims whose text holds ``words``."""
    return [c.claimant for c in claims if words in c.text]


CASES = [
    # a state organ with no country: the last full mention of its kind, else the clear majority
    ("Fighting raged in Omdurman and Khartoum North as Sudan's army pushed into districts held by "
     "paramilitaries. The army said it had retaken a bridge over the Nile.", "retaken", "Sudan"),
    ("Army says it repelled attack on El Fasher\n\nSudanese troops clashed with fighters near the Darfur "
     "city of El Fasher on Thursday, residents of the North Darfur capital said.", "repelled", "Sudan"),
    ("A cholera outbreak has spread across Sudan to Kassala and Gedaref. Health Minister Haitham Ibrahim "
     "told a news conference that 300 people had died.", "300 people", "Sudan"),
    ("Russian missiles hit Kharkiv and Odesa overnight, Ukrainian officials said. The Ministry of Defence "
     "reported that air defences shot down 20 drones over the Kyiv region.", "20 drones", "Ukraine"),
    ("Azerbaijan's army said it shelled positions near Lachin. Armenia's defence ministry denied the "
     "report. Later the army said it had captured a hill.", "captured a hill", "Azerbaijan"),
    ("RSF fighters attacked El Fasher overnight. The army said it repelled them after hours of fighting.",
     "repelled them", "Sudan"),
    ("Ukraine's General Staff said its troops repelled 40 attacks near Pokrovsk. The army said Russian "
     "losses were heavy.", "losses were heavy", "Ukraine"),
    ("Russia's defence ministry said Ukrainian forces lost 300 troops near Kupiansk. The military said "
     "its jets had struck fuel depots.", "fuel depots", "Other"),
    # demonym + organ
    ("The Sudanese Armed Forces said on Monday they had driven the RSF out of Sennar.", "driven", "Sudan"),
    ("The Congolese army said M23 rebels shelled Sake, west of Goma.", "shelled Sake",
     "Democratic Republic of the Congo"),
    ("A Rwandan government spokeswoman said the country's troops were not fighting in North Kivu.",
     "not fighting", "Rwanda"),
    # a common noun for an armed group: the last group named
    ("The RSF accused the army of bombing a market in Nyala. The group said 40 civilians were killed.",
     "40 civilians", "RSF"),
    ("The Rapid Support Forces took control of Wad Madani in December. The paramilitary force said it "
     "would protect residents.", "protect residents", "RSF"),
    ("M23 fighters advanced towards Goma on Sunday. The rebels claim they now control the road to Sake.",
     "control the road", "M23"),
    ("Hezbollah fired rockets at northern Israel on Tuesday. A spokesman for the group said the attack "
     "answered a strike on Nabatieh.", "answered a strike", "Hezbollah"),
    ("The Houthis launched a drone at a ship in the Red Sea. The movement said it targeted the vessel "
     "because it was bound for Eilat.", "bound for Eilat", "Houthis"),
    # other names of a state and its seats
    ("Democratic Republic of Congo said Rwandan troops had crossed into North Kivu.", "crossed",
     "Democratic Republic of the Congo"),
    ("Congo said on Friday that M23 rebels backed by Rwanda had shelled camps outside Goma.",
     "shelled camps", "Democratic Republic of the Congo"),
    ("Fighting near Goma intensified. The Congolese government said 13 peacekeepers were killed.",
     "13 peacekeepers", "Democratic Republic of the Congo"),
    ("Kigali said Kinshasa's accusations were baseless.", "baseless", "Rwanda"),
    ("Port Sudan said the RSF had shelled the city of El Obeid.", "El Obeid", "Sudan"),
    # local offices through their places
    ("In Russia's Kursk region, acting governor Alexei Smirnov said Ukrainian drones had hit a power "
     "station.", "power station", "Russia"),
    ("Ukrainian shelling hit the Russian city of Belgorod overnight. The regional governor said two people "
     "were killed.", "two people", "Russia"),
    ("A member of the Russian-installed regional council in Zaporizhzhia said Ukrainian drones struck "
     "Enerhodar.", "struck Enerhodar", "Russia"),
    # a de-facto authority's organs
    ("The human rights ombudsman of Nagorno-Karabakh said Azerbaijani shelling had hit homes in Martuni.",
     "hit homes", "Nagorno-Karabakh authorities"),
    ("The ethnic Armenian authorities in Nagorno-Karabakh said 12 soldiers had been killed.", "12 soldiers",
     "Nagorno-Karabakh authorities"),
    ("The Karabakh defence army said it repelled an Azerbaijani attack near Hadrut.", "repelled",
     "Nagorno-Karabakh authorities"),
    ("The Russian-installed head of Crimea said Ukrainian drones hit an oil depot near Feodosia.",
     "oil depot", "Russia"),
    ("The head of Crimea said air defences downed six drones over Sevastopol.", "six drones", "Russia"),
    ("The governor of Zaporizhzhia said Russian shelling hit a school.", "hit a school", "Ukraine"),
    # a unit's spokesman
    ("Russian forces pressed their offensive near Pokrovsk. A spokesman for the Vostok grouping of forces "
     "said its units had taken two villages.", "two villages", "Russia"),
    ("Sudan's army fought the RSF around El Obeid. A spokesman of the army's 5th Infantry Division said "
     "the siege had been broken.", "siege", "Sudan"),
    ("Ukraine's army is holding the line near Chasiv Yar. A spokesman for the 24th Mechanised Brigade said "
     "Russian assaults had intensified.", "assaults", "Ukraine"),
    # pronouns follow the speaker chain, never a country inside the sentence
    ("Rwanda's government spokeswoman Yolande Makolo rejected the report. She told reporters that Congo "
     "was hiding its own failures in Goma.", "hiding", "Rwanda"),
    ("Sudan's foreign minister Ali Youssef met envoys in Port Sudan. He said the UAE and Chad were "
     "supplying weapons to the RSF.", "supplying weapons", "Sudan"),
    ("Lebanon's prime minister Najib Mikati spoke to reporters in Beirut. He said Israel was violating the "
     "ceasefire.", "violating", "Lebanon"),
    # undecidable: Other, never a guess
    ("Armenia and Azerbaijan traded fire along the border near Tavush and Gazakh. The army said two "
     "soldiers were wounded.", "two soldiers", "Other"),
    ("Fighting continued in the region. The group said it would not lay down its arms.", "lay down", "Other"),
    ("Human Rights Watch accused the RSF of killings in El Geneina. The group said the killings amounted "
     "to ethnic cleansing.", "ethnic cleansing", "Other"),
    ("Israeli strikes hit Rafah and Deir al-Balah overnight. The health ministry said 30 people were "
     "killed.", "30 people", "Other"),
    ("The army said it had repelled an attack near the capital.", "repelled", "Other"),
    ("M23 fighters shelled Sake overnight. The army said it pushed them back.", "pushed them back", "Other"),
    ("Israel's army said its jets struck Hamas targets. Israeli officials in Jerusalem said the campaign would "
     "go on, and Israel's cabinet approved more strikes. The Palestinian foreign ministry said the strikes "
     "were a crime.", "a crime", "Other"),
    ("Medical sources at a hospital in Khan Younis said 15 people were killed in the strike.", "15 people",
     "Other"),
    ("A source at the hospital in El Fasher said shells had hit the maternity ward.", "maternity", "Other"),
    ("A group of residents in Goma said the shelling lasted all night.", "shelling", "Other"),
    ("Sudan's army shelled Omdurman and Bahri. A former minister said the war could last years.",
     "last years", "Other"),
]


@pytest.mark.integration
@pytest.mark.parametrize(("text", "words", "claimant"), CASES)
def test_the_party_of_a_claim_comes_from_the_article(claims_of: ClaimsOf, text: str, words: str,
                                                     claimant: str) -> None:
    claims = claims_of(text)
    assert claimant_of(claims, words) == [claimant], [(c.claimant, c.claimant_text, c.text) for c in claims]


@pytest.mark.integration
def test_a_named_party_is_not_overridden_by_the_context(claims_of: ClaimsOf) -> None:
    claims = claims_of("The Israeli army in Gaza said it had found a tunnel under a school.")
    assert claimant_of(claims, "tunnel") == ["Israel"]
    claims = claims_of("Nagorno-Karabakh's defence army said Azerbaijani forces shelled Stepanakert. Armenia's "
                       "defence ministry said three soldiers died. The ministry said the front was stable.")
    assert claimant_of(claims, "shelled Stepanakert") == ["Nagorno-Karabakh authorities"]
    assert claimant_of(claims, "front was stable") == ["Armenia"]


@pytest.mark.integration
def test_congo_outside_the_dr_congos_war_is_the_republic_of_the_congo(claims_of: ClaimsOf) -> None:
    claims = claims_of("Congo said on Friday that its forestry reforms in Brazzaville and Pointe-Noire "
                       "would protect the peatlands.")
    assert claimant_of(claims, "peatlands") == ["Republic of the Congo"]


@pytest.mark.integration
def test_a_joint_statement_stays_one_claim_per_party(claims_of: ClaimsOf) -> None:
    claims = claims_of("Egypt and Qatar said the talks on a ceasefire in Gaza would resume next week. The army "
                       "said it had struck Rafah.")
    assert sorted(claimant_of(claims, "resume next week")) == ["Egypt", "Qatar"]
