"""A long, news-like article made of many varied paragraphs, for tests and benchmarks of long
input (issue 14, point 13). Everything is generated from made-up templates (no real article)."""

from __future__ import annotations

import random

PLACES = ["Tbilisi", "Batumi", "Kutaisi", "Gori", "Yerevan", "Gyumri", "Baku", "Ganja", "Shusha",
          "Stepanakert", "Tartar", "Barda", "Fizuli", "Agdam", "Sochi", "Ankara", "Tehran", "Moscow"]
SPEAKERS = ["the defence ministry", "a spokesman for the army", "the mayor", "local officials",
            "the foreign minister", "a senior commander", "the interior ministry", "witnesses",
            "President Aliyev", "Prime Minister Pashinyan", "a Red Cross official", "the governor"]
VERBS = ["said", "claimed", "told reporters", "denied", "announced", "reported", "confirmed", "alleged"]
EVENTS = ["shelling hit residential areas near {p}", "{n} civilians were wounded in {p}",
          "troops had taken control of several villages around {p}",
          "a drone struck a fuel depot outside {p}", "the road between {p} and {q} was closed",
          "{n} families had been evacuated from {p} to {q}", "power was cut in {p} for {n} hours",
          "a ceasefire agreed in {q} had been violated near {p}",
          "aid convoys reached {p} on {d}", "{n} soldiers were killed in fighting near {p}"]
FILLER = ["The claim could not be independently verified.",
          "Reporters who visited the area on {d} saw damaged houses and burnt cars.",
          "Both sides have accused each other of targeting civilians since the fighting resumed.",
          "Schools in the district remained closed, and many residents slept in basements.",
          "\"We have nowhere else to go,\" one woman said as she queued for bread in {p}.",
          "Officials in {q} declined to comment on the report.",
          "The statement came a day after talks in {q} ended without agreement."]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
        "October 4", "October 12", "September 29"]


def long_article(n_chars: int = 2_000_000, seed: int = 0) -> str:
    """About ``n_chars`` characters of paragraphs (blank-line separated), each a few sentences
    of events, attributions, quotes and filler over varied places and speakers."""
    rng = random.Random(seed)
    paragraphs: list[str] = []
    size = 0
    while size < n_chars:
        sentences = []
        for _ in range(rng.randint(2, 5)):
            p, q = rng.sample(PLACES, 2)
            slots = {"p": p, "q": q, "n": rng.randint(2, 900), "d": rng.choice(DAYS)}
            if rng.random() < 0.6:
                event = rng.choice(EVENTS).format(**slots)
                speaker = rng.choice(SPEAKERS)
                verb = rng.choice(VERBS)
                sentence = (f"{speaker[0].upper()}{speaker[1:]} {verb} on {slots['d']} that {event}."
                            if rng.random() < 0.5 else f"{event[0].upper()}{event[1:]}, {speaker} {verb}.")
            else:
                sentence = rng.choice(FILLER).format(**slots)
            sentences.append(sentence)
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    return "\n\n".join(paragraphs)[:n_chars]
