"""Claims: who said what, where and when, from the dependency parse.

A claim is an attributed statement: a reporting predicate (say, claim, deny, accuse,
urge, call for, "according to"...) with a speaker normalised to an actor of the registry
(``geo.actors``). Each claim keeps its verbatim sentence and character offsets, its
places (the non-metonymic place names in it that are not the speaker), a date resolved
against publication (``geo.dates``), a kind, and the actors that dispute it: a denial in
the same sentence ("which was denied by Azerbaijan", "but Armenia denies this") or in the
next one ("Azerbaijan denied this") is folded into the claim it disputes.

Claims are never facts: everything downstream shows them attributed.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from spacy.tokens import Doc, Span, Token

from geo.claims.actors import OTHER, ActorRegistry, get_registry
from geo.claims.cues import (
    CONTENT_CUES,
    NEEDS_PARTICLE,
    SPEAKER_NOUNS,
    _has_clause,
    reporting_lemma,
)
from geo.claims.dates import ResolvedDate, resolve_date_expression
from geo.claims.disputes import ContentWords, disputed_claims, is_denial, is_mutual
from geo.claims.quotes import continued_statements, inside, quote_states, quoted_spans, signed_quotes
from geo.claims.speakers import FIRST_PERSON, PRONOUNS_PLURAL, PRONOUNS_SINGULAR, _SpeakerResolver
from geo.geoparse.countries import countries_in_text
from geo.model import Article, Claim, Mention
from geo.nlp.load import text_of

PERSONAL_PRONOUNS = FIRST_PERSON | PRONOUNS_SINGULAR | PRONOUNS_PLURAL | {"him", "her", "them"}
KIND_KEYWORDS = [
    ("casualties", {"kill", "killed", "dead", "death", "deaths", "wound", "wounded", "casualty", "casualties",
                    "injure", "injured", "losses", "die", "died", "victim", "victims", "toll"}),
    ("territorial", {"control", "capture", "captured", "seize", "seized", "liberate", "liberated", "occupation",
                     "occupy", "territory", "territories", "retake", "gains", "recapture", "homeland",
                     "annex", "annexed", "advance", "advanced"}),
    ("military", {"shell", "shelled", "shelling", "bomb", "bombed", "bombing", "attack", "attacks", "clash",
                  "clashes", "missile", "missiles", "drone", "drones", "offensive", "strike", "strikes",
                  "artillery", "repel", "repelled", "troops", "rocket", "rockets", "combat", "fighting",
                  "airstrike", "airstrikes", "fire", "violence"}),
    ("diplomatic", {"ceasefire", "cease-fire", "truce", "negotiation", "negotiations", "talks", "meet", "meeting",
                    "mediation", "agreement", "peace", "diplomatic", "recognition", "minister", "summit",
                    "dialogue", "solution", "settlement", "hostilities"}),
]


# --------------------------------------------------------------------------- speakers


#: What a party issues to say something: "issued a statement saying ...", "in a video calling ...".
STATEMENT_CARRIERS = frozenset({"statement", "letter", "release", "message", "communique", "communiqué", "post",
                                "tweet", "video", "note", "declaration", "memo", "address", "speech", "report",
                                "paper", "ad", "advertisement", "editorial", "column", "brief", "filing",
                                "complaint", "petition", "resolution"})


def _speaker_token(verb: Token) -> tuple[Token | None, str]:
    """The speaker of a reporting verb: its subject, or the agent of a passive."""
    for c in verb.children:
        if c.dep_ == "agent":
            for g in c.children:
                if g.dep_ == "pobj":
                    return g, "agent"
    subjects = [c for c in verb.children if c.dep_ in {"nsubj", "csubj"}]
    if subjects:
        # Two subjects are a misparse of a cue after its clause ("Israeli strikes killed 20 people,
        # the health ministry said" read as "strikes ... the ministry said"): the speaker is the
        # one next to the verb.
        before = [c for c in subjects if c.i < verb.i]
        return (before[-1] if len(subjects) > 1 and before else subjects[0]), "subject"
    for c in verb.children:
        if c.dep_ == "nsubjpass":
            return None, "passive"
    # "issued a statement saying ...", "in a video calling ...": the one who issued it
    if verb.dep_ == "acl" and verb.head.lemma_.lower() in STATEMENT_CARRIERS:
        carrier = verb.head
        issuer = carrier.head if carrier.dep_ == "dobj" else (
            carrier.head.head if carrier.dep_ == "pobj" and carrier.head.dep_ == "prep" else None)
        if issuer is not None and issuer.pos_ in {"VERB", "AUX"} and issuer.i != verb.i:
            return _speaker_token(issuer)
    # Relative clause ("which expressed concern"): the noun it modifies.
    if verb.dep_ == "relcl":
        return verb.head, "relative"
    # A participle misattached to the reported clause ("denied that troops had entered the town,
    # saying fighting went on", the participle hung on "entered") speaks for the reporting verb.
    if (verb.dep_ == "advcl" and verb.tag_ == "VBG" and verb.head.dep_ == "ccomp"
            and verb.head.head.pos_ in {"VERB", "AUX"} and verb.head.head.i != verb.head.i):
        return _speaker_token(verb.head.head)
    # Shared subject of coordinated or subordinate verbs ("urged ..., claiming that").
    if verb.dep_ in {"conj", "advcl", "xcomp"} and verb.head.i != verb.i:
        return _speaker_token(verb.head)
    # A gerund after a preposition shares the subject of the verb the preposition modifies:
    # "responded by saying ...", "began by saying ...", "after saying ...".
    if (verb.dep_ == "pcomp" and verb.tag_ == "VBG" and verb.head.dep_ == "prep"
            and verb.head.head.pos_ in {"VERB", "AUX"} and verb.head.head.i != verb.i):
        return _speaker_token(verb.head.head)
    return None, ""


# --------------------------------------------------------------------------- dates


def _is_future_for(span: Span) -> bool:
    """Whether the verb a date expression modifies speaks of the future ("will meet on
    Friday"), as opposed to the reporting verb next to it ("the two sides said Tuesday")."""
    tok = span.root
    while tok.head.i != tok.i and tok.pos_ not in {"VERB", "AUX"}:
        tok = tok.head
    if tok.pos_ not in {"VERB", "AUX"}:
        return _is_future(span.sent)
    if any(c.lower_ in {"will", "shall", "'ll", "wo", "would", "'d"} and c.tag_ == "MD" for c in tok.children):
        return True  # "will meet", and "would release" reported from the past of the statement
    if _scheduled(tok):
        return True
    return any(t.lower_ == "next" for t in span)


#: Predicates whose infinitive is a future event: "expected to resume", "due to meet",
#: "scheduled to vote", "plans to open", "agreed to hold".
FUTURE_FRAMES = frozenset({"expect", "schedule", "due", "set", "plan", "intend", "poise", "slate", "go", "aim",
                           "hope", "agree", "promise", "pledge", "vow", "decide", "want", "prepare", "seek",
                           "threaten", "propose", "likely"})


def _scheduled(verb: Token) -> bool:
    """Whether ``verb`` is the infinitive of a predicate of expectation or intention ("talks were
    expected to resume on Tuesday", "are due to resume"), a future event whatever the tense."""
    head = verb.head
    if verb.dep_ != "xcomp" or head.i == verb.i:
        return False
    if head.lemma_.lower() in FUTURE_FRAMES:
        return True
    # "are due to resume": the infinitive hangs off the copula, the frame is its complement
    return any(c.dep_ in {"acomp", "attr"} and c.lemma_.lower() in FUTURE_FRAMES for c in head.children)


def _is_future(sentence: Span) -> bool:
    return any(t.lower_ in {"will", "shall", "'ll"} and t.tag_ == "MD" for t in sentence) or any(
        t.lower_ == "next" for t in sentence)


def _date_entities(doc: Doc, full_text: str | None = None) -> list[Span]:
    spans = [e for e in doc.ents if e.label_ in {"DATE", "TIME"}]
    text = (full_text if full_text is not None else text_of(doc)).lower()
    for phrase in ("during the night", "overnight", "last night"):
        start = 0
        while (i := text.find(phrase, start)) >= 0:
            span = doc.char_span(i, i + len(phrase), alignment_mode="expand")
            if span is not None and not any(s.start <= span.start < s.end for s in spans):
                spans.append(span)
            start = i + 1
    return sorted(spans, key=lambda s: s.start)


def _span_date(span: Span, published: date, memo: dict[tuple[int, int], ResolvedDate | None] | None
               ) -> ResolvedDate | None:
    """A date expression's date; with ``memo``, once per span of the article."""
    memo = memo if memo is not None else {}
    key = (span.start, span.end)
    if key not in memo:
        memo[key] = resolve_date_expression(span.text, published, future=_is_future_for(span))
    return memo[key]


def article_focus_date(doc: Doc, published: date | None, date_spans: list[Span] | None = None, *,
                       memo: dict[tuple[int, int], ResolvedDate | None] | None = None) -> ResolvedDate | None:
    """The day most of an article's dated events fall on (news reports one day's events).

    The most frequent resolved date within three days before publication; else the
    publication date itself. ``memo`` keeps each span's date for ``claim_date``.
    """
    if published is None:
        return None
    counts: Counter = Counter()
    for ent in (date_spans if date_spans is not None else _date_entities(doc)):
        r = _span_date(ent, published, memo)
        if r and published - timedelta(days=3) <= r.start <= published and r.precision == "day" and not r.end:
            counts[r.start] += 1
    if counts:
        best = max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0]
        return ResolvedDate(best, precision="day", text="(article focus)")
    return ResolvedDate(published, precision="day", text="(publication date)")


def _clause_verbs(verb: Token) -> set[int]:
    """The reporting verb and the verbs of what it reports (its clausal complements)."""
    out = {verb.i}
    for t in verb.subtree:
        if t.pos_ in {"VERB", "AUX"} and t.dep_ in {"ccomp", "xcomp", "conj", "advcl", "relcl", "pcomp"}:
            out.add(t.i)
    return out


def _modifies_clause_of(span: Span, verb: Token, verbs: set[int] | None = None) -> bool:
    """Whether a date expression modifies the reporting verb or a verb it reports,
    not a noun ("the clashes about a month ago"). ``verbs``: ``_clause_verbs(verb)`` if known."""
    verbs = verbs if verbs is not None else _clause_verbs(verb)
    tok = span.root
    while tok.head.i != tok.i:
        tok = tok.head
        if tok.i in verbs:
            return True
        if tok.pos_ in {"NOUN", "PROPN"} and tok.dep_ not in {"pobj", "npadvmod"}:
            return False
        if tok.pos_ in {"VERB", "AUX"}:
            return False
    return False


def _inside_noun_phrase(span: Span) -> bool:
    """Whether a date hangs off a noun, directly or through a reduced relative clause
    ("the agreement signed on September 27")."""
    head = span.root.head
    while head.head.i != head.i and (head.pos_ == "ADP" or (head.pos_ == "VERB" and head.dep_ == "acl")):
        if head.pos_ == "VERB" and head.dep_ == "acl":
            return True
        head = head.head
    return head.pos_ in {"NOUN", "PROPN"}


def claim_date(sentence: Span, verb: Token, published: date | None, focus: ResolvedDate | None,
               date_spans: list[Span], memo: dict[tuple[int, int], ResolvedDate | None] | None = None
               ) -> ResolvedDate | None:
    """The date of a claim: the date expression nearest its reporting verb in the
    sentence, else the article's focus date. ``memo``: dates of spans already resolved."""
    if published is None:
        return None
    inside = [s for s in date_spans if sentence.start <= s.start < sentence.end]
    verbs = _clause_verbs(verb) if inside else set()
    attached = [s for s in inside if _modifies_clause_of(s, verb, verbs)]
    inside = attached or [s for s in inside if not _inside_noun_phrase(s)]
    resolved = []
    for s in inside:
        r = _span_date(s, published, memo)
        if r is not None:
            resolved.append((abs(s.start - verb.i), r))
    if resolved:
        return min(resolved, key=lambda t: t[0])[1]
    return focus


def classify_kind(sentence: Span) -> str:
    """military, casualties, territorial, diplomatic or statement, from the words used."""
    tokens = list(sentence)
    words = {t.lower_ for t in tokens} | {t.lemma_.lower() for t in tokens}
    for kind, keys in KIND_KEYWORDS:
        if words & keys:
            return kind
    return "statement"


# --------------------------------------------------------------------------- extraction


#: Labels before a colon that introduce no speaker: "Editor's note:", "Photo:", "Update:".
NOT_SPEAKER_LABELS = frozenset({
    "note", "update", "photo", "photos", "picture", "video", "watch", "related", "correction", "abstract",
    "text", "source", "sources", "caption", "credit", "image", "file", "warning", "breaking", "analysis",
    "opinion", "live", "timeline", "background", "context", "read", "more", "see", "also", "follow",
    "subscribe", "question", "answer", "summary", "point", "points", "disclaimer", "editor", "comment",
    "comments", "tags", "topics", "share", "by", "date", "time", "location", "place", "title", "headline",
    "q", "a", "ps", "p.s", "advertisement", "sponsored", "listen", "audio", "map", "graphic", "chart",
})


_QUOTE_MARKS = frozenset("\"“”«»„")
#: Speech verbs that open a sentence before their speaker: "Said the mayor: “...”".
INVERTED_CUES = frozenset({"said", "says", "added", "adds", "wrote", "writes", "asked", "asks"})


#: Third-person forms of reporting verbs that are also plural nouns, which the parser may read as
#: nouns after a name ("Moscow claims that ...", "Haftar charges that ...").
_NOUN_LIKE_CUES = frozenset({"claims", "charges", "states", "notes", "reports", "warns", "counters", "answers",
                             "replies", "remarks", "comments", "contends", "argues", "insists", "maintains",
                             "alleges", "fears", "hopes", "doubts", "suspects"})


def _misread_cues(words: list[Token], tokens: list[Token]) -> list[tuple[Token, Span]]:
    """(cue, speaker phrase) for a reporting verb the parser read as a plural noun after a name
    opening its clause: "But Moscow claims that the convoy carried food", "Haftar charges that
    ..." ("the Moscow claims that ..." is a noun, and left alone)."""
    out = []
    for t in words:
        if t.lower_ not in _NOUN_LIKE_CUES or t.pos_ not in {"NOUN", "PROPN"} or t.i + 2 >= len(tokens):
            continue
        nxt = tokens[t.i + 1]
        if nxt.lower_ != "that" or nxt.dep_ != "mark" or nxt.head.pos_ not in {"VERB", "AUX"}:
            continue
        j = t.i - 1
        while j >= words[0].i and j > t.i - 5 and tokens[j].pos_ == "PROPN":
            j -= 1
        if j == t.i - 1:
            continue  # no name before it
        before = tokens[j] if j >= words[0].i else None
        if before is not None and not (before.pos_ in {"CCONJ", "ADV", "PUNCT"} and before.text not in _QUOTE_MARKS):
            continue  # "the Moscow claims", "of Haftar charges": a noun phrase
        out.append((t, t.doc[j + 1:t.i]))
    return out


def _colon_speaker(sentence: Span, tokens: list[Token], full_text: str, registry: ActorRegistry) -> Span | None:
    """The speaker phrase of a headline or transcript attribution, "Defence ministry: three villages
    shelled", "PENCE: Well, ...": a short phrase opening its line, then a colon and a statement. The
    phrase must name someone who can speak (a person, a body, a party, a country, a noun for them,
    or a transcript's capitalised name) and not be a label ("Editor's note:")."""
    words = tokens[sentence.start:sentence.end]
    colon = next((t for t in words[:10] if t.text == ":"), None)
    if colon is None or colon.i - sentence.start < 1 or sentence.end - colon.i < 4:
        return None
    phrase = sentence.doc[sentence.start:colon.i]
    while len(phrase) and phrase[0].is_punct:
        phrase = phrase[1:]
    if len(phrase) > 1 and phrase[0].lower_ in INVERTED_CUES and phrase[0].is_title:
        # "Said one aid worker: “...”": an inverted cue opening its sentence, then a quotation
        if colon.i + 1 >= sentence.end or tokens[colon.i + 1].text not in _QUOTE_MARKS:
            return None
        phrase = phrase[1:]
    else:
        line_start = full_text.rfind("\n", 0, sentence.start_char) + 1
        if full_text[line_start:sentence.start_char].strip(" \t\"“'‘"):
            return None  # not the start of its line
    if not len(phrase) or any(t.lemma_.lower() in NOT_SPEAKER_LABELS or t.lower_ in NOT_SPEAKER_LABELS
                              for t in phrase):
        return None
    if any(t.pos_ in {"VERB", "AUX"} or t.text in _QUOTE_MARKS for t in phrase):
        return None  # a clause or a quotation before the colon, not a speaker's name
    content = [t for t in tokens[colon.i + 1:sentence.end] if t.is_alpha]
    if len(content) < 3:
        return None
    named = any(t.ent_type_ in {"PERSON", "ORG", "NORP", "GPE"} for t in phrase) or registry.matches(phrase.text)
    noun = any(t.lemma_.lower() in SPEAKER_NOUNS for t in phrase)
    caps = all(t.is_upper for t in phrase if t.is_alpha) and any(t.is_alpha for t in phrase)
    return phrase if (named or noun or caps) else None


#: Speaker nouns that are documents: "according to reports" cites no one who speaks.
DOCUMENT_NOUNS = frozenset({"report", "study", "poll", "survey", "statement"})
#: Documents and findings that carry what someone states or counted: "according to the poll",
#: "according to a UN report", "according to the ministry's figures". Each is a claim only when
#: the phrase names one document ("the", "a", a possessor, an author, a "by"/"from" phrase);
#: "according to reports / estimates" names none, and agreements, laws and decisions are rules,
#: not statements.
EVIDENCE_NOUNS = DOCUMENT_NOUNS | frozenset({
    "analysis", "data", "figure", "statistic", "record", "document", "complaint", "filing", "lawsuit",
    "indictment", "database", "estimate", "count", "tally", "census", "audit", "investigation", "review",
    "assessment", "research", "memo", "letter", "release", "transcript", "testimony", "account", "tracker",
    "projection", "forecast", "finding", "interview", "tweet", "article", "book",
    # what someone said or published, one of them named: "according to a speech she gave in July"
    "speech", "remark", "comment", "address", "post", "message", "journal", "newspaper", "magazine",
    "website", "broadcast", "video", "footage",
})
#: Words of a noun phrase that make it one particular document (see ``EVIDENCE_NOUNS``).
_SPECIFIC_DEPS = frozenset({"det", "poss", "compound", "prep", "acl", "relcl", "nmod", "nummod"})
#: Adjectives that name the kind of body a document comes from: "according to official figures",
#: "according to federal statistics", "according to leaked documents" cite the authorities' or
#: an insider's count, where "according to estimates" cites no one.
_SOURCE_ADJECTIVES = frozenset({"official", "federal", "governmental", "national", "provincial", "municipal",
                                "military", "judicial", "internal", "leaked", "classified", "confidential"})
#: Nouns for people a text cites by "according to", beside ``SPEAKER_NOUNS``.
CITED_PEOPLE = frozenset({"union", "insider", "people", "person", "associate", "friend", "family",
                          "relative", "colleague", "adviser", "advisor", "member", "staff", "staffer"})


#: Nouns of statements and views: with a "that" clause and the one whose they are ("his claim that",
#: "the ministry's warning that", "the accusation by X that"), the statement is that one's.
CLAIM_NOUNS = frozenset({
    "claim", "assertion", "allegation", "accusation", "charge", "contention", "insistence", "argument",
    "warning", "statement", "suggestion", "belief", "view", "promise", "pledge", "vow", "threat", "admission",
    "announcement", "prediction", "conclusion", "finding", "complaint", "fear", "concern", "assurance",
    "proposal", "insinuation", "theory",
})


def _nominal_cues(words: list[Token]) -> list[tuple[Token, Token]]:
    """(noun, owner) for a statement noun with a "that" clause and its owner: a possessor or a
    "by" phrase."""
    out = []
    for t in words:
        if t.pos_ != "NOUN" or t.lemma_.lower() not in CLAIM_NOUNS:
            continue
        if not any(c.dep_ in {"acl", "ccomp"} and any(m.dep_ == "mark" and m.lower_ == "that" for m in c.children)
                   for c in t.children):
            continue
        owner = next((c for c in t.children if c.dep_ == "poss"), None)
        if owner is None:
            owner = next((g for c in t.children if c.dep_ == "prep" and c.lower_ == "by"
                          for g in c.children if g.dep_ == "pobj"), None)
        if owner is not None:
            out.append((t, owner))
    return out


def _cites_someone(obj: Token, registry: ActorRegistry) -> bool:
    """Whether "according to ``obj``" cites a speaker or one particular document of someone."""
    lemma = obj.lemma_.lower()
    if (registry.matches(obj.text) or obj.ent_type_ in {"PERSON", "ORG", "NORP", "GPE"}
            or obj.lower_ in {"him", "her", "them"} or lemma in CITED_PEOPLE or obj.pos_ == "PROPN"):
        return True
    if lemma in EVIDENCE_NOUNS:
        return any(c.dep_ in _SPECIFIC_DEPS or (c.dep_ == "amod" and c.lower_ in _SOURCE_ADJECTIVES)
                   for c in obj.children)
    return lemma in SPEAKER_NOUNS


def _according_to(words: list[Token], tokens: list[Token]) -> list[tuple[Token, Token]]:
    """("according", speaker head) pairs for "according to X" where X names a speaker,
    among a sentence's ``words`` (``tokens`` are all the doc's)."""
    out = []
    for t in words:
        if t.lower_ == "according" and t.i + 1 < len(tokens) and tokens[t.i + 1].lower_ == "to":
            objs = [c for c in tokens[t.i + 1].children if c.dep_ == "pobj"]
            if objs:
                out.append((t, objs[0]))
    return out


def extract_claims(doc: Doc, article: Article, mentions: list[Mention],
                   registry: ActorRegistry | None = None) -> list[Claim]:
    """All claims of a parsed article, in text order."""
    registry = registry or get_registry()
    published = date.fromisoformat(article.published) if article.published else None
    full_text = text_of(doc)
    tokens = list(doc)  # doc[i] and iterating a span build new Token objects: once per article
    # the article's countries choose between parties that two conflict profiles name alike
    countries = frozenset(countries_in_text(full_text)) | {m.place.country for m in mentions
                                                           if m.place is not None and m.place.country}
    found = registry.matches(full_text, countries)
    article_actors: Counter = Counter(m.actor for m in found if m.actor != OTHER)
    resolver = _SpeakerResolver(doc, registry, article_actors, mentions, tokens, countries=countries, found=found)
    date_spans = _date_entities(doc, full_text)
    span_dates: dict[tuple[int, int], ResolvedDate | None] = {}
    focus = article_focus_date(doc, published, date_spans, memo=span_dates)
    claims: list[Claim] = []
    # A sentence's kind and a verb's date are the same for each of its claimants.
    kinds: dict[int, str] = {}
    dates: dict[int, ResolvedDate | None] = {}

    def make_claim(actor: str, speaker_text: str, sentence: Span, verb: Token, speaker: Token | None,
                   bounds: tuple[int, int] | None = None) -> Claim:
        if sentence.start not in kinds:
            kinds[sentence.start] = classify_kind(sentence)
        if verb.i not in dates:
            dates[verb.i] = claim_date(sentence, verb, published, focus, date_spans, span_dates)
        return _make_claim(full_text, actor, speaker_text, sentence, verb, speaker, mentions, bounds=bounds,
                           when=dates[verb.i], kind=kinds[sentence.start],
                           speaker_span=resolver.subtree_span(speaker) if speaker is not None else None)

    sentences = list(doc.sents)
    earlier: list[Claim] = []  # the claims of the sentences before, in text order
    words_of = ContentWords(doc)  # id(claim) -> what it is about (geo.claims.disputes)
    quoted = quoted_spans(full_text)
    quote_starts = [a for a, _ in quoted]
    claims_of_sentence: list[list[Claim]] = []
    for sentence in sentences:
        words = tokens[sentence.start:sentence.end]
        sentence_claims: list[Claim] = []
        denials: list[tuple[list[str], Token, Token, str]] = []
        # One claim per (actor, speaker) and sentence: two people of one party speaking in one
        # sentence make two claims; one person's "said ..., adding ..." makes one.
        seen: dict[tuple[str, str], Token] = {}
        preds: list[tuple[Token, Token | None, str]] = []
        for tok in words:
            lemma = reporting_lemma(tok)
            if lemma and not inside(quoted, quote_starts, tok.idx):
                speaker, how = _speaker_token(tok)
                preds.append((tok, speaker, how))
        # a topic, a view or a finding inside what another cue reports is part of that statement
        cue_tokens = {p[0].i for p in preds}
        preds = [(tok, speaker, how) for tok, speaker, how in preds
                 if not (reporting_lemma(tok) in CONTENT_CUES and _reported_by(tok, cue_tokens))]
        for according, obj in _according_to(words, tokens):
            # a speaker or one document: "according to the ministry / him / the poll", not
            # "according to the agreement / estimates / reports"
            if _cites_someone(obj, registry):
                preds.append((according, obj, "according"))
        for noun, owner in _nominal_cues(words):
            # "his claim that ...", "Kyiv's warning that ...", "the charge by X that ..."
            if not inside(quoted, quote_starts, noun.idx):
                preds.append((noun, owner, "nominal"))
        if not any(speaker is not None for _, speaker, _ in preds):
            for cue, phrase in _misread_cues(words, tokens):
                if inside(quoted, quote_starts, cue.idx):
                    continue
                actors, speaker_text = resolver.resolve_phrase(phrase)
                for actor in actors:
                    if (actor, speaker_text.lower()) not in seen:
                        seen[(actor, speaker_text.lower())] = cue
                        sentence_claims.append(make_claim(actor, speaker_text, sentence, cue, None))
        cue_verbs = {verb.i for verb, _, _ in preds}
        if not any(speaker is not None for _, speaker, _ in preds) and not sentence_claims:
            colon_phrase = _colon_speaker(sentence, tokens, full_text, registry)
            if colon_phrase is not None:
                phrase = colon_phrase
                actors, speaker_text = resolver.resolve_phrase(phrase)
                for actor in actors:
                    seen[(actor, speaker_text.lower())] = phrase.root
                    sentence_claims.append(make_claim(actor, speaker_text, sentence, phrase.root, phrase.root))

        for verb, speaker, how in preds:
            if speaker is None:
                continue
            second = _second_statement(verb, speaker, cue_verbs)
            if speaker.lower_ in PERSONAL_PRONOUNS and second is None and not _shares_cue_subject(
                    verb, speaker, cue_verbs) and any(a.i in cue_verbs for a in verb.ancestors):
                continue  # "X said he believed ...": the speaker's own words, one claim
            if second is not None:
                # "X said A, but he said B": the pronoun's own clause, a second statement of X
                named, _ = _speaker_token(verb.head)
                firsts = [(actor, who) for (actor, who), v in seen.items() if v.i == verb.head.i]
                if named is not None and not is_denial(verb, verb.lemma_.lower()):
                    for actor, who in firsts:
                        text_of_first = next(c.claimant_text for c in sentence_claims
                                             if (c.claimant, c.claimant_text.lower()) == (actor, who))
                        sentence_claims.append(make_claim(actor, text_of_first, sentence, verb, named,
                                                          bounds=second))
                continue
            actors, speaker_text = resolver.resolve(speaker, sentence)
            if how == "nominal":  # "Kyiv's warning": the speaker is Kyiv
                speaker_text = speaker_text.removesuffix("'s").removesuffix("’s").strip()
            who = speaker_text.lower()
            actors = [a for a in actors if a]
            if not actors:
                continue
            lemma = verb.lemma_.lower()
            if is_denial(verb, lemma):
                denials.append((actors, verb, speaker, speaker_text))
                continue
            mutual = len(actors) > 1 and is_mutual(verb)
            for actor in actors:
                first = seen.get((actor, who))
                if first is None:
                    seen[(actor, who)] = verb
                    sentence_claims.append(make_claim(actor, speaker_text, sentence, verb, speaker))
                elif _own_statement(verb, first):
                    # "announced X and said Y": a second statement, its own clause as its text
                    sentence_claims.append(make_claim(actor, speaker_text, sentence, verb, speaker,
                                                      bounds=_clause_bounds(verb)))
                elif _relative_statement(first, verb):
                    # "the mayor, who insisted that ..., said ...": the relative clause is a statement
                    # of its own; the earlier claim keeps that clause, this one the sentence
                    seen[(actor, who)] = verb
                    for k, c in enumerate(sentence_claims):
                        if (c.claimant, c.claimant_text.lower()) == (actor, who) and c.details["verb"] == first.text:
                            sentence_claims[k] = make_claim(actor, c.claimant_text, sentence, first, speaker,
                                                            bounds=_relative_bounds(first))
                    sentence_claims.append(make_claim(actor, speaker_text, sentence, verb, speaker))
                elif _relative_statement(verb, first):
                    # "said X, who added that ...": the relative clause is a second statement
                    sentence_claims.append(make_claim(actor, speaker_text, sentence, verb, speaker,
                                                      bounds=_relative_bounds(verb)))
            if mutual:  # "A and B accused each other": each claim disputed by the other party
                for c in sentence_claims:
                    if c.claimant in actors:
                        c.disputed_by = [a for a in actors if a not in (c.claimant, OTHER)]
            resolver.last_claimants = actors
            if len(actors) == 1 and speaker.lower_ not in PRONOUNS_PLURAL:
                resolver.last_singular = actors[0]
        # Denials dispute claims of other parties: in their sentence, else earlier in the article
        # (geo.claims.disputes). A denial in a sentence of its own is also a claim, of its stance.
        for actors, verb, speaker, speaker_text in denials:
            targets = disputed_claims(actors, verb, sentence_claims, earlier, words_of)
            for c in targets:
                for a in actors:
                    if a not in c.disputed_by and a != OTHER:
                        c.disputed_by.append(a)
            if targets and any(t is c for t in targets for c in sentence_claims):
                continue
            disputed = list(dict.fromkeys(t.claimant for t in targets if t.claimant != OTHER))
            for actor in actors:
                key = (actor, speaker_text.lower())
                if key in seen:
                    # The speaker's claim in this sentence came from another cue of it ("denied that
                    # ..., saying ..."): that claim is the denial.
                    for c in sentence_claims:
                        if c.claimant == actor and c.claimant_text.lower() == speaker_text.lower():
                            c.stance = "deny"
                            c.disputed_by = list(dict.fromkeys(
                                c.disputed_by + [d for d in disputed if d != actor]))
                    continue
                if actor == OTHER and sentence_claims:
                    continue  # an unknown party's denial of a claim in its sentence is no claim
                seen[key] = verb
                claim = make_claim(actor, speaker_text, sentence, verb, speaker)
                claim.stance = "deny"
                claim.disputed_by = [d for d in disputed if d != actor]
                sentence_claims.append(claim)
        for c in sentence_claims:
            words_of.add(c)
        earlier.extend(sentence_claims)
        claims_of_sentence.append(sentence_claims)
        if not sentence_claims:  # "Pashinyan arrived in Moscow. He said ...": the subject person of this sentence
            resolver.note_subject_person(sentence)
    for q_start, q_end, n_start, n_end in signed_quotes(full_text):
        name = doc.char_span(n_start, n_end, alignment_mode="expand")
        if name is None:
            continue
        actors, speaker_text = resolver.resolve_phrase(name)
        for j, sentence in enumerate(sentences):
            if claims_of_sentence[j] or not (q_start <= sentence.start_char < q_end):
                continue
            claims_of_sentence[j] = [make_claim(actor, speaker_text, sentence, sentence.root, None)
                                     for actor in actors]
    claims.extend(_continuations(sentences, claims_of_sentence, full_text, make_claim))
    return claims


def _continuations(sentences: list[Span], claims_of_sentence: list[list[Claim]], full_text: str,
                   make_claim) -> list[Claim]:
    """Every sentence's claims, with the sentences that continue a statement (geo.claims.quotes)
    made claims of its speakers; an introduction ("He said:") gives way to what it introduces."""
    states = quote_states(full_text, [(s.start_char, s.end_char) for s in sentences])
    sources = continued_statements(states, [bool(c) for c in claims_of_sentence])
    introduced = {i for i in sources.values() if states[i].intro}
    # a claim's text may already reach back to its quotation's opening mark (_claim_bounds)
    covered = [(c.start, c.end) for cs in claims_of_sentence for c in cs]
    out: list[Claim] = []
    for j, sentence in enumerate(sentences):
        if j in introduced and all(c.text.rstrip().endswith(":") for c in claims_of_sentence[j]):
            continue
        out.extend(claims_of_sentence[j])
        i = sources.get(j)
        if i is None or any(lo <= sentence.start_char < hi for lo, hi in covered):
            continue
        speakers: set[tuple[str, str]] = set()
        for src in claims_of_sentence[i]:
            # one claim per speaker, however many cues of theirs the sentence before has
            if src.stance != "assert" or (src.claimant, src.claimant_text) in speakers:
                continue
            speakers.add((src.claimant, src.claimant_text))
            claim = make_claim(src.claimant, src.claimant_text, sentence, sentence.root, None)
            claim.details["continues"] = src.start
            out.append(claim)
    return out


_OPEN_QUOTES, _CLOSE_QUOTES = "“\"«", "”\"»"


def _claim_bounds(full: str, sentence: Span, verb: Token) -> tuple[int, int]:
    """Character bounds of a claim's text: its sentence, within the verb's line, and
    reaching back to the opening quote when the sentence closes a quotation."""
    start, end = sentence.start_char, sentence.end_char
    line_start = full.rfind("\n", start, verb.idx) + 1
    start = max(start, line_start)
    nl = full.find("\n", verb.idx, end)
    if nl >= 0:
        end = nl
    seg = full[start:end]
    if seg.count("”") > seg.count("“") or (seg.count('"') % 2 == 1 and seg.lstrip()[:1] != '"'):
        para_start = full.rfind("\n", 0, start) + 1
        opening = max(full.rfind("“", para_start, start), full.rfind('"', para_start, start))
        if opening >= 0:
            start = opening
    elif not any(q in seg for q in _OPEN_QUOTES + _CLOSE_QUOTES) and not any(
            c.dep_ in {"ccomp", "dobj"} for c in verb.children):
        # "“Why is the bridge still closed?” the mayor asked.": the question or exclamation ends
        # the sentence before, and the quotation is the whole content of the cue
        para_start = full.rfind("\n", 0, start) + 1
        before = full[para_start:start].rstrip()
        if before[-1:] in _CLOSE_QUOTES and before[-2:-1] in {"?", "!"}:
            opening = max(before.rfind("“"), before.rfind('"', 0, len(before) - 1))
            if opening >= 0:
                start = para_start + opening
    while start < end and full[start].isspace():
        start += 1
    while end > start and full[end - 1].isspace():
        end -= 1
    return start, end


def _second_statement(verb: Token, speaker: Token, cue_verbs: set[int]) -> tuple[int, int] | None:
    """The bounds of a pronoun speaker's own clause when it is coordinated with an earlier cue
    ("the chief said A, but he said B"), not inside its content ("X said he believed"); else None."""
    if speaker.lower_ not in PERSONAL_PRONOUNS or verb.dep_ != "conj" or verb.head.i not in cue_verbs:
        return None
    if verb.head.i > verb.i or not any(c.dep_ in {"ccomp", "dobj"} for c in verb.children):
        return None
    start = min(speaker.left_edge.idx, verb.idx)
    _, end = _clause_bounds(verb)
    return start, end


def _reported_by(tok: Token, cue_tokens: set[int]) -> bool:
    """Whether ``tok`` lies in the clause another cue reports ("said [the leaders discussed
    ...]"), not beside it ("said ..., adding ...")."""
    inside_clause = False
    while tok.head.i != tok.i:
        inside_clause = inside_clause or tok.dep_ in {"ccomp", "xcomp", "relcl", "acl", "pcomp"}
        tok = tok.head
        if tok.i in cue_tokens and inside_clause:
            return True
    return False


def _shares_cue_subject(verb: Token, speaker: Token, cue_verbs: set[int]) -> bool:
    """Whether ``verb`` shares the subject of the cue it is coordinated with or follows ("he said
    ..., adding that ...", "she said ... and called for ..."), rather than having a subject of its
    own inside what a cue reports ("X said he believed ...")."""
    head = verb.head
    return (head.i in cue_verbs and speaker.head.i != verb.i and verb.dep_ in {"conj", "advcl"}
            and not any(a.i in cue_verbs for a in head.ancestors))  # "X said he asked ..., stressing": X's words


def _own_statement(verb: Token, first: Token) -> bool:
    """Whether a speaker's second cue in a sentence makes a statement of its own: a coordinated
    verb with a clause of its own ("announced the arrest and said a curfew ..."), or with other
    content ("criticised the deal and called for tariffs", "called the raid a crime and called
    for an inquiry") when it cannot belong to the first cue's reported clause; or a participle
    after the first statement ("said ..., adding that ...", "..., citing a report"); not the
    same cue again ("accused X, and also accused Y")."""
    if verb.lemma_.lower() == first.lemma_.lower() and _particles(verb) == _particles(first):
        return False
    if verb.dep_ == "conj":
        if any(c.dep_ == "ccomp" for c in verb.children):
            return True
        # "said that the minister met X and stressed Y": the minister may have stressed it
        return _says_something(verb) and not _reports_someone_else(first, verb)
    # "said ..., adding that ...": a participle after the first statement with content of its own,
    # hung on that cue; one hung inside the reported clause ("said he had asked ..., stressing ...")
    # is part of what the first cue reports
    return (verb.dep_ == "advcl" and verb.tag_ == "VBG" and verb.i > first.i and verb.head.i == first.i
            and _says_something(verb))


def _relative_statement(rel: Token, other: Token) -> bool:
    """Whether ``rel`` is a cue in a relative clause on the speaker of another cue ``other`` with
    content of its own ("said Colonel X, who added that ...", "the mayor, who insisted that ...,
    told residents ..."): two statements of one speaker, not one."""
    if rel.dep_ != "relcl" or other.dep_ == "relcl":
        return False
    speaker, _ = _speaker_token(other)
    return speaker is not None and speaker.i == rel.head.i and (_says_something(rel) or _has_clause(rel))


def _relative_bounds(rel: Token) -> tuple[int, int]:
    """Character bounds of a relative clause ("who added that the bridge held")."""
    toks = [t for t in rel.subtree if not t.is_punct or t.i == rel.i]
    first, last = min(toks, key=lambda t: t.i), max(toks, key=lambda t: t.i)
    end = last.idx + len(last.text)
    return first.idx, end


def _particles(verb: Token) -> set[str]:
    """The particles of a particle cue: "called for" is another cue than "called"."""
    need = NEEDS_PARTICLE.get(verb.lemma_.lower(), set())
    return {c.lower_ for c in verb.children if c.dep_ in {"prt", "prep"} and c.lower_ in need}


def _says_something(verb: Token) -> bool:
    """A cue with content of its own: a clause, an object, an infinitive, a complement, or the
    particle of a particle cue ("called for a ceasefire")."""
    if any(c.dep_ in {"ccomp", "dobj", "xcomp", "oprd"} for c in verb.children):
        return True
    return bool(_particles(verb))


def _reports_someone_else(first: Token, verb: Token) -> bool:
    """Whether another subject than a personal pronoun stands between a cue and a verb
    coordinated after it ("said that the minister met X and stressed Y"): the verb may be that
    subject's."""
    return any(t.dep_ in {"nsubj", "nsubjpass"} and t.lower_ not in PERSONAL_PRONOUNS
               for t in first.doc[first.i + 1:verb.i])


def _clause_bounds(verb: Token) -> tuple[int, int]:
    """Character bounds of a coordinated verb's own clause (without the verbs coordinated after it)."""
    skip: set[int] = set()
    for c in verb.children:
        if c.dep_ in {"conj", "cc"} and c.i > verb.i:
            skip.update(t.i for t in c.subtree)
    toks = [t for t in verb.subtree if t.i not in skip and t.i >= verb.i and not t.is_punct or t.i == verb.i]
    last = max(toks, key=lambda t: t.i)
    return verb.idx, last.idx + len(last.text)


def _make_claim(full_text: str, actor: str, speaker_text: str, sentence: Span, verb: Token, speaker: Token | None,
                mentions: list[Mention], *, when: ResolvedDate | None, kind: str,
                speaker_span: Span | None, bounds: tuple[int, int] | None = None) -> Claim:
    """The claim of one claimant; ``when``, ``kind`` and ``speaker_span`` come from
    ``claim_date``, ``classify_kind`` and ``_subtree_span(speaker)``."""
    start, end = bounds or _claim_bounds(full_text, sentence, verb)
    text = full_text[start:end]
    s_lo, s_hi = (speaker_span.start_char, speaker_span.end_char) if speaker_span is not None else (0, 0)
    places = [m for m in mentions
              if start <= m.start < end and m.place is not None and not m.metonymic and not m.not_a_place
              and m.place.feature_type != "country" and not (s_lo <= m.start < s_hi)]
    return Claim(
        claimant=actor, claimant_text=speaker_text, text=text, start=start, end=end,
        date=when.iso if when else None, date_end=when.iso_end if when else None,
        date_precision=when.precision if when else None, kind=kind, mentions=places,
        details={"verb": verb.text, "date_text": when.text if when else "",
                 "place_fallback": not places},
    )
