"""Attribution cues: the words that make a sentence someone's claim.

A cue is a reporting predicate ("said", "denied", "accused ... of", "according to") whose
speaker is its subject (or the agent of a passive) and whose content is what it governs.
The lexicons are general English, grouped by how much evidence of speech each needs:

* speech verbs report whatever follows them ("Armenia says ...", "X denied the report");
* verbs that report only with a clause or a quote ("added that ...", "explained: ...");
  without one they narrate ("she added a paragraph");
* cognition and evidence verbs report only with a finite clause ("officials believe that ...",
  "the video shows that ..."): their subject's view or finding, attributed to it;
* verbs that report only with a particle or preposition ("ruled out", "called for").

No word here was chosen for one sentence of a benchmark: the groups follow the usual
classes of English reporting verbs (speech act, cognition, evidentials).
"""

from __future__ import annotations

from spacy.tokens import Token

#: Verbs that report on their own (with a subject): speech acts.
SPEECH_VERBS = frozenset({
    "say", "claim", "report", "deny", "accuse", "announce", "stress", "urge", "call", "state", "tell", "add",
    "warn", "insist", "confirm", "express", "rule", "voice", "demand", "allege", "acknowledge", "reject",
    "condemn", "blame", "assert", "argue", "declare", "note", "emphasize", "emphasise", "reiterate",
    "threaten", "pledge", "vow", "complain", "dismiss", "refute", "admit", "dispute", "charge", "describe",
    "welcome", "appeal", "propose",
    # further speech acts, reporting as the ones above do
    "contend", "maintain", "testify", "concede", "predict", "promise", "caution", "counter", "retort",
    "reply", "respond", "tweet", "write", "post", "explain", "recall", "recount", "mention", "remark",
    "observe", "comment", "clarify", "disclose", "reveal", "suggest", "indicate", "estimate", "signal",
    "hint", "boast", "brag", "joke", "quip", "protest", "object", "criticize", "criticise", "denounce",
    "praise", "slam", "blast", "assure", "inform", "agree", "disagree", "conclude", "question", "ask",
    "repeat", "chant", "shout", "order", "instruct", "advise", "recommend", "forecast", "project",
    "cite", "quote", "characterize", "characterise", "label", "brand", "dub", "endorse", "applaud",
    "decry", "lament", "hail", "thank", "apologize", "apologise", "reaffirm", "weigh", "rail", "lash",
    # speech acts about a topic or a point, reporting with their object
    "discuss", "outline", "detail", "highlight", "underline", "underscore", "tout", "echo", "reference",
    "encourage", "implore", "exhort", "beseech",
})
#: Verbs that report only when a person is their subject: "Merkel attacked the plan" is speech,
#: "troops attacked the village" is not.
PERSON_VERBS = frozenset({"attack", "defend", "compare", "challenge", "mock", "ridicule", "blast", "slam",
                          "praise", "criticize", "criticise", "renew"})
#: Of the speech verbs, those that narrate unless a clause, a quote or an object follows:
#: "she added that ..." reports, "the army added two brigades" does not.
NEEDS_CONTENT = frozenset({
    "add", "note", "describe", "welcome", "state", "write", "post", "tweet", "explain", "recall",
    "recount", "mention", "observe", "remark", "comment", "reveal", "disclose", "indicate", "suggest",
    "estimate", "signal", "hint", "project", "forecast", "repeat", "order", "advise", "recommend",
    "instruct", "ask", "question", "agree", "disagree", "conclude", "respond", "reply", "object",
    "protest", "assure", "inform", "chant", "shout", "praise", "criticize", "criticise", "slam", "blast",
    "joke", "quip", "boast", "brag", "attack", "defend", "cite", "quote", "compare", "challenge", "endorse",
    "applaud", "mock", "ridicule", "decry", "lament", "hail", "thank", "reaffirm", "renew", "weigh", "rail",
    "lash", "discuss", "outline", "detail", "highlight", "underline", "underscore", "tout", "echo", "reference",
    "encourage",
})
#: Verbs of thinking and of evidence: a claim only with a finite clause ("believe that ...",
#: "the data show that ...").
CLAUSE_VERBS = frozenset({
    "believe", "think", "expect", "hope", "fear", "doubt", "feel", "know", "suspect", "assume",
    "reckon", "worry", "understand", "realize", "realise", "recognize", "recognise", "show", "find",
    "demonstrate", "prove", "imply", "learn", "guess", "consider", "insinuate", "acknowledge",
})
#: Verbs of intention and stance, a claim of their subject's position only with an infinitive
#: ("Azerbaijan wants to retake ...", "the ministry plans to ...") and a speaking subject.
INTENTION_VERBS = frozenset({"want", "plan", "intend", "seek", "offer", "aim", "hope", "vow", "pledge",
                             "promise", "threaten", "agree", "decide", "propose", "prefer", "wish", "expect"})
#: Speech verbs that report only with a particle or preposition: "ruled out", "called for / on".
NEEDS_PARTICLE = {"rule": {"out", "against"}, "call": {"for", "on", "upon"}, "appeal": {"for", "to"},
                  "point": {"out", "to"}, "weigh": {"in"}, "lash": {"out"}, "rail": {"against"}}
#: Verbs of speaking that report with the topic they are about: "spoke of the legacy of the war",
#: "talked about the ceasefire", "responded to the accusation", "warned of famine". Without such a
#: preposition they narrate ("spoke with reporters", "talked for an hour").
TOPIC_PREPOSITIONS = {
    "speak": {"of", "about", "on", "against"}, "talk": {"about", "of"}, "write": {"about", "of", "on"},
    "tweet": {"about"}, "post": {"about"}, "comment": {"on", "about"}, "remark": {"on", "upon"},
    "joke": {"about"}, "brag": {"about", "of"}, "boast": {"about", "of"}, "complain": {"about", "of"},
    "testify": {"about", "on"}, "respond": {"to", "with"}, "reply": {"to", "with"}, "warn": {"of", "about", "against"},
    "muse": {"about", "on"}, "rail": {"against"}, "argue": {"for", "against"}, "advocate": {"for"},
    "plead": {"for"}, "refer": {"to"}, "allude": {"to"}, "agree": {"with"},
}
#: Verbs of judgement: a speaking subject's view of something "as" something ("critics see the
#: law as censorship", "Kyiv views the vote as illegal", "the ministry considers the strike a
#: violation"), or likened to something ("likened the blockade to a siege").
JUDGEMENT_VERBS = frozenset({"see", "view", "regard", "consider", "deem", "judge", "portray", "characterize",
                             "characterise", "paint", "depict", "cast", "perceive", "rate", "rank", "grade",
                             "classify"})
LIKENING_VERBS = frozenset({"liken", "compare", "equate"})
#: Verbs of taking a position on something: a speaking subject's stance, with its object
#: ("the union opposes the bill", "Turkey backs Baku's demand").
POSITION_VERBS = frozenset({"support", "oppose", "back", "endorse", "favor", "favour", "champion", "embrace",
                            "advocate", "tout", "downplay", "question"})
#: Adjectives of belief and feeling: "the ministry is confident that ...", "officials are
#: worried that ...", "X remains convinced that ...": with a "that" clause, the subject's view.
STANCE_ADJECTIVES = frozenset({"confident", "sure", "certain", "convinced", "concerned", "worried", "afraid",
                               "hopeful", "optimistic", "pessimistic", "adamant", "skeptical", "sceptical",
                               "doubtful", "fearful", "positive", "persuaded"})
#: Verbs of evidence that report a finding with an object too when a document or a count is
#: their subject ("polls show a close race", "a 2014 study found 31 cases", "the analysis
#: documented faster warming"); "the soldiers found the bodies" is narration.
FINDING_VERBS = frozenset({"show", "find", "document", "reveal", "indicate", "suggest", "confirm", "record"})
FINDING_SUBJECTS = frozenset({
    "poll", "survey", "study", "report", "analysis", "data", "research", "review", "audit", "investigation",
    "inquiry", "census", "count", "tally", "assessment", "estimate", "figure", "statistic", "record", "document",
    "footage", "video", "image", "evidence", "test", "experiment", "model", "average", "paper", "probe",
})
#: Verbs of revising a forecast or an estimate: "the bank cut its growth forecast", "the IMF raised
#: its estimate": the owner's new figure, a claim of the owner's (the object must have one).
REVISION_VERBS = frozenset({"raise", "lift", "increase", "cut", "lower", "reduce", "trim", "revise", "edge",
                            "upgrade", "downgrade", "slash", "boost", "hike", "halve", "double"})
REVISED_VIEWS = frozenset({"forecast", "estimate", "projection", "outlook", "prediction", "guidance", "tally",
                           "count"})
#: Subjects whose finding with a judgement ("found the decree unconstitutional", "found him
#: guilty") is a ruling or a conclusion, beside the speakers of ``_speaks``.
ADJUDICATORS = frozenset({"court", "judge", "jury", "panel", "tribunal", "commission", "inquiry", "investigator",
                          "regulator", "inspector", "watchdog", "ombudsman", "auditor", "prosecutor", "review",
                          "probe", "investigation", "report", "study", "audit"})
#: Light verbs that report when their object is a speech act: "offered no proof that ...",
#: "gave a speech", "issued a warning", "raised concerns about", "lodged a protest" ("made the
#: remark" mostly points back at a statement already reported, and is left out).
LIGHT_VERBS = frozenset({"offer", "give", "provide", "issue", "deliver", "lodge", "file", "raise", "post",
                         "publish", "release"})
SPEECH_ACT_NOUNS = frozenset({
    "advice", "criticism", "praise", "condolence", "assessment", "proof", "evidence", "explanation", "apology",
    "insight", "opinion", "prediction", "warning", "assurance", "defense", "defence", "speech", "remark",
    "comment", "statement", "reference", "promise", "pledge", "threat", "appeal", "protest", "complaint",
    "objection", "concern", "question", "allegation", "accusation", "claim", "denial", "ultimatum", "demand",
    "rebuttal", "response", "reply", "message", "argument", "testimony", "interview",
    "address", "announcement", "declaration", "call", "plea", "guarantee", "vow", "estimate", "forecast",
})
#: Of the light verbs, those of making something public: a speaking subject's report, video or
#: letter is what it states ("the ministry released a video of the strike", "the paper published
#: a report on the camps", "the campaign issued a statement"); "released the prisoners" is no claim.
PUBLISHING_VERBS = frozenset({"publish", "release", "issue", "post"})
PUBLISHED_ITEMS = frozenset({
    "report", "video", "footage", "image", "photo", "photograph", "recording", "audio", "tape", "ad",
    "advertisement", "statement", "letter", "memo", "study", "poll", "survey", "analysis", "data", "finding",
    "document", "transcript", "editorial", "column", "article", "story", "paper", "map", "list", "figure",
    "estimate", "assessment", "account", "communique", "communiqué", "declaration", "appeal", "plan",
})
#: Attitudes a party has about something: "has no illusions about", "has concerns about",
#: "had the same position on", "has doubts that".
ATTITUDE_NOUNS = frozenset({"illusion", "question", "concern", "reservation", "doubt", "position", "view",
                            "opinion", "fear", "belief", "misgiving", "suspicion", "objection", "worry",
                            "confidence", "faith", "evidence", "proof"})
#: Cues that report a topic, a view, a position or a finding rather than words said: inside
#: what another cue reports ("the Kremlin said the leaders discussed the ceasefire") they are
#: part of that statement, not a statement of their own.
CONTENT_CUES = (frozenset({"discuss", "outline", "detail", "highlight", "underline", "underscore", "tout",
                           "echo", "reference", "have", "put", "make"})
                | JUDGEMENT_VERBS | LIKENING_VERBS | POSITION_VERBS | FINDING_VERBS | LIGHT_VERBS
                | frozenset(TOPIC_PREPOSITIONS)) - (SPEECH_VERBS - {"discuss", "outline", "detail", "highlight",
                                                                    "underline", "underscore", "tout", "echo",
                                                                    "reference"}) - CLAUSE_VERBS
#: Verbs whose speaker denies or disputes what they govern.
DENY_VERBS = frozenset({"deny", "reject", "dismiss", "refute", "dispute", "rebut", "contradict", "debunk"})
#: Objects that make a denial point back at an earlier claim: "Azerbaijan denied this".
ANAPHORIC_OBJECTS = frozenset({
    "this", "that", "it", "these", "those", "claim", "claims", "report", "reports", "allegation", "allegations",
    "accusation", "accusations", "statement", "statements", "charge", "charges", "assertion", "assertions",
    "rumour", "rumours", "rumor", "rumors", "information", "news", "story", "stories",
})

_CLAUSE_DEPS = {"ccomp", "xcomp", "parataxis"}
_CONTENT_DEPS = _CLAUSE_DEPS | {"dobj", "oprd", "attr", "dative", "obj"}
_QUOTES = frozenset("\"“”«»„")


def _has_clause(tok: Token) -> bool:
    """A finite clausal complement ("believes that ...", "shows the army retreated")."""
    return any(c.dep_ == "ccomp" and c.pos_ in {"VERB", "AUX"} for c in tok.children)


def _has_content(tok: Token) -> bool:
    """A clause, a quotation or an object follows the verb: it reports something."""
    if any(c.dep_ in _CONTENT_DEPS for c in tok.children):
        return True
    if _after_quotation(tok):
        return True
    if _parenthetical(tok):
        return True
    nxt = tok.nbor(1) if tok.i + 1 < len(tok.doc) else None
    # "she added: ..." / "he wrote, “...”"
    return nxt is not None and (nxt.text == ":" or (nxt.text == "," and tok.i + 2 < len(tok.doc)
                                                     and tok.nbor(2).text in _QUOTES))


def _parenthetical(tok: Token) -> bool:
    """The cue and its subject are set off by commas inside the clause they report ("the new
    sanctions, the minister added, are like a net with holes"): that clause is what it reports."""
    if tok.head.pos_ not in {"VERB", "AUX"} or tok.head.i == tok.i:
        return False
    # the parser gives the aside as a parataxis, or as a clause of the verb after it
    if tok.dep_ != "parataxis" and not (tok.dep_ == "ccomp" and tok.head.i > tok.i):
        return False
    doc = tok.doc
    start = min([tok.i] + [c.left_edge.i for c in tok.children if c.dep_ == "nsubj"])
    # "the colonel explained at the briefing,", "the mayor added on Monday,": when and where
    end = max([tok.i] + [c.right_edge.i for c in tok.children
                         if c.i > tok.i and c.dep_ in {"prep", "npadvmod", "advmod"}]) + 1
    return (start > 0 and doc[start - 1].text == "," and end < len(doc) and doc[end].text == ","
            and start - 1 > tok.head.left_edge.i)


_CLOSING_QUOTES = frozenset("\"”»")


def _after_quotation(tok: Token) -> bool:
    """The verb or its subject comes right after a closing quotation mark ("“...?” asked the
    mayor", "“...,” the mayor added"): the quotation is what it reports."""
    doc = tok.doc
    firsts = [tok.i] + [c.left_edge.i for c in tok.children if c.dep_ == "nsubj" and c.i < tok.i]
    for i in firsts:
        j = i - 1
        while j >= 0 and doc[j].text in {",", "?", "!"}:
            j -= 1
        if j >= 0 and j < i - 1 and doc[j].text in _CLOSING_QUOTES:
            return True
        if j >= 0 and doc[j].text in _CLOSING_QUOTES and doc[j - 1].text in {",", "?", "!"}:
            return True
    return False


#: Verbs under which a reporting verb reports nothing: "declined to comment", "refused to say".
WITHHOLDING_VERBS = frozenset({"refuse", "decline", "fail", "avoid", "hesitate", "stop"})


#: Infinitives after which a refusal withholds a statement rather than takes a position.
NOT_A_STANCE = frozenset({"speak", "talk", "discuss", "elaborate", "specify", "identify", "name", "answer",
                          "be"})
#: Modals under which a cue is a possibility or an obligation, not a statement made.
HYPOTHETICAL_MODALS = frozenset({"could", "should", "must", "might", "may", "can", "ca"})


def _withheld(tok: Token) -> bool:
    """"did not say", "refused to disclose", "without saying": the cue is negated or withheld."""
    if any(c.dep_ == "neg" for c in tok.children):
        return True
    if any(c.tag_ == "MD" and c.lower_ in HYPOTHETICAL_MODALS for c in tok.children):
        return True  # "could argue", "would ask", "must tell": a statement not made
    if tok.dep_ == "pcomp" and tok.head.lower_ == "without":
        return True  # "left without saying a word"
    return tok.dep_ == "xcomp" and tok.head.lemma_.lower() in WITHHOLDING_VERBS


def _about_topic(verb: Token, prepositions: set[str]) -> bool:
    """"spoke of the war", "spoke out against the raids": one of the verb's topic prepositions
    with its object, and a subject that can speak."""
    for c in verb.children:
        prep = c
        if c.dep_ == "prt" and c.lower_ == "out":  # "spoke out against": the preposition follows
            prep = next((g for g in verb.children if g.dep_ == "prep" and g.i > c.i), c)
        if prep.dep_ == "prep" and prep.lower_ in prepositions and any(
                g.dep_ in {"pobj", "pcomp"} for g in prep.children):
            return _speaks(verb) or _person_subject(verb)
    return False


def _judges(verb: Token, lemma: str) -> bool:
    """An object and what the subject takes it for: "sees X as Y", "considers X (to be) Y",
    "likened X to Y"."""
    objs = [c for c in verb.children if c.dep_ == "dobj"]
    if not objs:
        return False
    if lemma in LIKENING_VERBS:
        preps = {"to", "with"}
        return any(p.dep_ == "prep" and p.lower_ in preps for o in [verb, *objs] for p in o.children)
    if any(c.dep_ == "oprd" for c in verb.children):
        return True
    return any(p.dep_ == "prep" and p.lower_ == "as" for o in [verb, *objs] for p in o.children)


def _names_something(call: Token) -> bool:
    """"called the strike a war crime / “a provocation” / unlawful": an object and what it is
    called (the parser gives the second part as a predicate, an apposition, a clause, or a
    quotation right after the object), not "called the minister" (a phone call) or "called
    troops to the front"."""
    deps = [c.dep_ for c in call.children]
    if "ccomp" in deps or deps.count("oprd") + deps.count("dobj") >= 2:
        return True  # an object and its new name ("called Aliyev" alone may be parsed oprd)
    for obj in (c for c in call.children if c.dep_ == "dobj"):
        if any(g.dep_ == "appos" for g in obj.children):
            return True
        end = obj.right_edge.i + 1
        if end < len(call.doc) and call.doc[end].text in _QUOTES:
            return True
    return False


#: Every lemma a rule of :func:`reporting_lemma` names; any other verb is a cue only with a clause.
_ANY_CUE_LEMMA = (frozenset(NEEDS_PARTICLE) | frozenset(TOPIC_PREPOSITIONS) | LIGHT_VERBS | FINDING_VERBS
                  | POSITION_VERBS | JUDGEMENT_VERBS | LIKENING_VERBS | PERSON_VERBS | SPEECH_VERBS | CLAUSE_VERBS
                  | INTENTION_VERBS | REVISION_VERBS | {"put", "make", "have", "be", "remain", "seem", "appear", "sound", "feel",
                                       "want", "seek", "prefer", "refuse", "rate"})


def reporting_lemma(tok: Token) -> str | None:
    """The cue's lemma when ``tok`` is a reporting predicate in this sentence, else ``None``."""
    if tok.pos_ not in {"VERB", "AUX"}:
        return None
    lemma = tok.lemma_.lower()
    if lemma == "rat" and tok.lower_.startswith("rat"):  # the lemmatizer reads "rated" as "rat"
        lemma = "rate"
    if lemma not in _ANY_CUE_LEMMA and not _has_clause(tok):
        return None  # no rule below can take it: skip the costlier checks
    if _withheld(tok):
        return None
    if lemma in NEEDS_PARTICLE:
        if lemma == "rule" and _has_clause(tok):
            return lemma  # "the court ruled that ...": a ruling, what it states
        if lemma == "call":
            if _names_something(tok):
                return lemma  # "called the strike a war crime": a description, reported
            if any(c.dep_ == "dobj" for c in tok.children):
                return None  # "called Aliyev on Friday": a phone call, not a call for something
        need = NEEDS_PARTICLE[lemma]
        ok = any(c.lower_ in need and not any(g.ent_type_ in {"DATE", "TIME"} for g in c.children)
                 for c in tok.children if c.dep_ in {"prt", "prep", "dative"})
        return lemma if ok else None
    if lemma == "put" and any(c.dep_ == "dobj" and c.lower_ == "it" for c in tok.children) and any(
            c.dep_ == "mark" and c.lower_ == "as" for c in tok.children):
        return lemma  # "as the ministry put it, ..."
    if lemma == "make" and any(c.lower_ == "clear" and any(
            g.dep_ in {"ccomp", "advcl"} and g.pos_ in {"VERB", "AUX"} for g in c.children) for c in tok.children):
        return lemma  # "made it clear that ...", "made clear it would not withdraw"
    if lemma in LIGHT_VERBS and any(c.dep_ == "dobj" and (c.lemma_.lower() in SPEECH_ACT_NOUNS or (
            lemma in PUBLISHING_VERBS and c.lemma_.lower() in PUBLISHED_ITEMS)) for c in tok.children) \
            and (_speaks(tok) or _person_subject(tok)):
        return lemma  # "offered no proof that ...", "issued a warning", "released a video"
    if lemma == "have" and (_speaks(tok) or _person_subject(tok)) and any(
            c.dep_ == "dobj" and c.lemma_.lower() in ATTITUDE_NOUNS and any(
                g.dep_ in {"prep", "acl", "ccomp"} and (g.dep_ != "prep" or g.lower_ in {"about", "on", "over", "that"})
                for g in c.children) for c in tok.children):
        return lemma  # "has no illusions about ...", "has concerns that ..."
    if lemma in TOPIC_PREPOSITIONS and _about_topic(tok, TOPIC_PREPOSITIONS[lemma]):
        return lemma
    if lemma in {"be", "remain", "seem", "appear", "sound", "feel"} and _speaks(tok) and any(
            c.dep_ == "acomp" and c.lemma_.lower() in STANCE_ADJECTIVES and _has_clause(c) for c in tok.children):
        return lemma  # "is confident that ..."
    if lemma in REVISION_VERBS and any(c.dep_ == "dobj" and c.lemma_.lower() in REVISED_VIEWS and any(
            g.dep_ == "poss" for g in c.children) for c in tok.children) and any(
            c.dep_ == "nsubj" and c.pos_ in {"NOUN", "PROPN", "PRON"} for c in tok.children):
        return lemma  # "the IMF raised its growth forecast", "it cut its estimate"
    if lemma == "find" and any(c.pos_ == "ADJ" and c.dep_ in {"dobj", "ccomp", "oprd", "acomp", "xcomp"}
                               for c in tok.children) and (_speaks(tok) or _person_subject(tok) or any(
            c.dep_ == "nsubj" and c.lemma_.lower() in ADJUDICATORS for c in tok.children)):
        return lemma  # "a judge found the decree unconstitutional", "the panel found him guilty"
    if lemma in FINDING_VERBS and any(c.dep_ == "dobj" for c in tok.children) and any(
            c.dep_ == "nsubj" and c.lemma_.lower() in FINDING_SUBJECTS for c in tok.children):
        return lemma
    if lemma in POSITION_VERBS and any(c.dep_ in {"dobj", "ccomp"} for c in tok.children) and not any(
            c.dep_ == "prt" for c in tok.children) and _speaks(tok):  # "backed off" is no stance
        return lemma
    if (lemma in JUDGEMENT_VERBS or lemma in LIKENING_VERBS) and _judges(tok, lemma) and (
            _speaks(tok) or _person_subject(tok)):
        return lemma
    if lemma in PERSON_VERBS:
        return lemma if _person_subject(tok) and _has_content(tok) else None
    if lemma in SPEECH_VERBS:
        if lemma in NEEDS_CONTENT and not _has_content(tok) and lemma != "state":
            return None
        return lemma
    if lemma in CLAUSE_VERBS and _has_clause(tok):
        return lemma
    if lemma in INTENTION_VERBS and _speaks(tok, inherit=True) and any(
            c.dep_ == "xcomp" and c.pos_ in {"VERB", "AUX"} for c in tok.children):
        return lemma
    if lemma in {"want", "seek", "prefer"} and _speaks(tok, inherit=True) and any(
            c.dep_ == "dobj" and c.pos_ in {"NOUN", "PROPN"} for c in tok.children):
        return lemma  # "the union wants a new contract", "Kyiv seeks guarantees": a stated aim
    if lemma == "refuse" and _speaks(tok, inherit=True) and any(
            c.dep_ == "xcomp" and c.pos_ == "VERB" and c.lemma_.lower() not in SPEECH_VERBS | NOT_A_STANCE
            for c in tok.children):
        return lemma  # "refuses to release his tax returns": a position; "refused to comment" is none
    if _has_clause(tok) and _speaks(tok):
        return lemma  # any verb of a speaking subject with a finite clause: "X warned/insisted/... that"
    return None


#: Nouns for people and bodies that speak, when they are a verb's subject.
SPEAKER_NOUNS = frozenset({
    "official", "officials", "spokesman", "spokeswoman", "spokesperson", "ministry", "government", "police",
    "authorities", "experts", "analysts", "critics", "aides", "aide", "campaign", "report", "study", "poll",
    "survey", "statement", "president", "minister", "leader", "leaders", "commander", "army", "military",
    "source", "sources", "witness", "witnesses", "residents", "diplomat", "diplomats", "agency", "office",
    "council", "committee", "court", "judge", "prosecutor", "prosecutors", "lawyer", "lawyers", "group",
    "organization", "organisation", "spokespeople", "officer", "officers", "governor", "mayor", "senator",
    "lawmaker", "lawmakers", "activist", "activists", "observers", "monitors", "investigators", "researchers",
    "scientists", "economists", "doctors", "medics", "candidate", "party", "administration", "side", "sides",
})
_PERSONAL = frozenset({"he", "she", "they", "we", "i", "you"})
_SPEAKING_ENTITIES = frozenset({"PERSON", "ORG", "NORP", "GPE"})


def _person_subject(verb: Token) -> bool:
    """A named person or "he"/"she" is the verb's subject (or the subject it shares)."""
    while verb.dep_ in {"conj", "advcl", "xcomp"} and not any(c.dep_ == "nsubj" for c in verb.children) \
            and verb.head.i != verb.i:
        verb = verb.head
    return any(c.dep_ == "nsubj" and (c.ent_type_ == "PERSON" or c.lower_ in {"he", "she", "who"} or (
        c.pos_ == "NOUN" and c.lemma_.lower() in PERSON_NOUNS and not c.ent_type_)) for c in verb.children)


#: Speaker nouns for people, who attack or defend with words ("the senator attacked the plan",
#: "experts praised the proposal"); armed bodies and units, which attack with arms, are not among them.
PERSON_NOUNS = frozenset({
    "official", "spokesman", "spokeswoman", "spokesperson", "expert", "analyst", "critic", "aide", "campaign",
    "president", "minister", "leader", "diplomat", "judge", "prosecutor", "lawyer", "governor", "mayor",
    "senator", "lawmaker", "activist", "observer", "investigator", "researcher", "scientist", "economist",
    "candidate", "nominee", "administration", "legislator", "politician", "opponent", "supporter", "rival",
})


def _speaks(verb: Token, inherit: bool = False) -> bool:
    """Whether the verb's subject is someone who can make a statement: a person, a body or a
    country (by entity type), a personal pronoun, or a noun for people and bodies. With
    ``inherit``, a verb without a subject of its own shares the subject of the verb it is
    coordinated with ("He proposes ... and plans to ...")."""
    while inherit and verb.dep_ in {"conj", "advcl", "xcomp"} and verb.head.i != verb.i and not any(
            c.dep_ in {"nsubj", "csubj", "nsubjpass"} for c in verb.children):
        verb = verb.head
    for c in verb.children:
        if c.dep_ in {"nsubj", "csubj"}:
            if c.lower_ in _PERSONAL or c.ent_type_ in _SPEAKING_ENTITIES:
                return True
            if c.pos_ in {"NOUN", "PROPN"} and (c.lemma_.lower() in SPEAKER_NOUNS or c.lower_ in SPEAKER_NOUNS):
                return True
            # "Trump's running mate, Indiana Gov. Mike Pence, plans to ...": a named apposition
            return any(a.dep_ == "appos" and a.ent_type_ in _SPEAKING_ENTITIES for a in c.children)
    return False
