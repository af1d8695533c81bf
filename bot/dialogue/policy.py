"""Dialogue policy: what kind of message is this, decided before any retrieval.

Every citizen message gets exactly one *label*; the label fixes the answer status and
whether retrieval runs (DESIGN.md section 5, issue #3 part 3). Precedence, highest
first — the first matching rule of the highest priority wins:

    emergency (100)        suicidal thoughts, violence, fire, medical emergency, "Notfall"
                           → ``emergency``: 112 / 110 / Telefonseelsorge, no retrieval
    injection (90)         "ignoriere alle vorherigen Anweisungen", "system prompt" …
                           → ``guardrail``
    abusive (80)           insults aimed at the bot or staff → ``guardrail``, calm text
    handoff_request (70)   "Ich möchte mit einem Menschen sprechen", "Sachbearbeiter"
                           → ``handoff``
    personal_case (60)     case numbers, "Stand meines Antrags", IBAN/Steuer-ID/ID
                           numbers in the message (bot/understanding/redaction.py) → ``handoff``;
                           gives way to a decision rule that also matches when the message
                           carries no personal data (``yields_to``)
    decision (50)          "Habe ich Anspruch auf …", "Bekomme ich …?", "Wird mein Antrag
                           genehmigt?", "Steht mir … zu?", the verdict grammar (own case +
                           an asked outcome, ``all_of``), each phrasing class in each
                           language (``decision.classes``) → ``refused_decision``; retrieval
                           still runs to quote the criteria from the source; "Kann ich X
                           bekommen?" is an eligibility question, not a verdict request
    urgent_help (46)       ill, ill child, infection, a doctor needed now → ``answered``:
                           116 117 and health information first, then the normal answer
    social_help (45)       no home, no money for food, violence in the past, a crisis
                           without acute danger → ``answered``: help services and
                           counselling lines first, then the service answer
    greeting (40)          the whole message is a greeting, thanks, goodbye or small talk
                           → ``answered`` with what the bot can do
    out_of_scope (30)      weather, recipes, football, coding … (unless the message also
                           names an administrative matter) → ``guardrail``, but only if
                           the tenant's own content has nothing on it (``unless_covered``:
                           "Rezept" in a region whose pages cover pharmacies is answered)
    vague (20)             the whole message is "Hilfe", "Frage", "Termin" … → ``clarify``
    service_question       everything else → retrieval and an extractive answer

An emergency rule marked ``present_only`` (fire, violence, injury) is present danger only
if the message does not place the event in the past ("der Brand letzte Woche", "vor
einem Jahr geschlagen") without a cue of the moment ("gerade", "immer noch"): such a
message is labelled ``social_help`` with the rule id plus ``.past`` (issue #16: the fire
was last week and the passports are gone → the service answer, no 112 first); its text
is ``rule.<rule id>.past`` if the catalogue has one, else ``label.social_help``.

The word "suicide" (``emergency.suicide_mention``) is named as a topic when the message
also names prevention, a course, a support group or grief, statistics or a death years
ago: then ``social.suicide_topic`` gives the counselling lines (issue #16: a crisis
without acute danger is social). When no rule matches a Latin-script message, the
emergency rules also read it in Cyrillic (Russian or Ukrainian typed in Latin letters,
bot/understanding/cyrillic.py; rule id ``<rule>.cyrillic``). A message with misspelt
words ("habe ich ansprcuh", "mein nachbar bedorht mich") is also read with those words as
the rule words nearest to them (bot/dialogue/rule_words.py); a rule that matches only that
reading and comes before the one the message matched as written decides, rule id
``<rule>.misspelt``.

Emergency comes first because a person in danger must get the numbers even if the
message also insults, asks for a person or contains personal data. The rules live in
``bot/dialogue/rules/policy_de.yaml`` so that editors can extend them, the answer texts in
the text catalogue (``label.<label>``, ``rule.<rule id>`` in bot/texts/); docs/policy.md
explains the format and the tricky cases (e.g. "Was mache ich im Notfall mit meinem
Pass?" is a service question, not an emergency).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.answer import AnswerStatus
from bot.dialogue.replies import Reply, ReplyWords
from bot.dialogue.rule_words import MisspeltReading, rule_words
from bot.texts.catalogue import TextCatalogue, shipped_texts
from bot.texts.notice import city_name
from bot.understanding.arabic_script import ArabicScriptReading
from bot.understanding.cyrillic import cyrillic_reading
from bot.understanding.language_id import identify_language
from bot.understanding.redaction import PLACEHOLDERS, redact
from bot.understanding.understanding import Understanding
from bot.understanding.wording import (
    UMLAUTS,
    WORD,
    Language,
    normalize,
    typo_distance,
    word_set,
)
from knowledge.errors import ConfigurationError

__all__ = [
    "DEFAULT_RULES",
    "LabelSpec",
    "Language",
    "Policy",
    "PolicyDecision",
    "PolicyLabel",
    "PolicySpec",
    "RuleSpec",
    "normalize",
    "typo_distance",
    "word_set",
]

DEFAULT_RULES = Path(__file__).parent / "rules" / "policy_de.yaml"
ARABIC_SCRIPT = "arabic_script"  # rule id suffix of a rule matched by the Arabic-script reading


class PolicyLabel(StrEnum):
    """What a citizen message is, as decided by the policy."""

    EMERGENCY = "emergency"
    INJECTION = "injection"
    ABUSIVE = "abusive"
    HANDOFF_REQUEST = "handoff_request"
    PERSONAL_CASE = "personal_case"
    DECISION = "decision"
    URGENT_HELP = "urgent_help"
    SOCIAL_HELP = "social_help"
    GREETING = "greeting"
    OUT_OF_SCOPE = "out_of_scope"
    VAGUE = "vague"
    SERVICE_QUESTION = "service_question"


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LabelSpec(_Spec):
    """Per-label defaults in the rules file."""

    priority: int
    status: AnswerStatus
    retrieve: bool = False
    # Issue 12 item 5: the label stands only if the tenant's own knowledge base has
    # nothing on the message; the engine asks retrieval first (bot/dialogue/engine.py).
    unless_covered: bool = False
    # The label gives way to these lower ones when one of their rules matches too and the
    # message carries no personal data: a verdict request that quotes its case number
    # ("… positiv bescheiden? Aktenzeichen 4711") gets the no-verdict answer with the
    # criteria and a person, not only a handoff (issue 12 item 4).
    yields_to: list[PolicyLabel] = Field(default_factory=list)


class RuleSpec(_Spec):
    """One rule as written in the rules file."""

    id: str
    label: PolicyLabel
    keywords: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)
    core: list[str] = Field(default_factory=list)
    # A grammar: the rule matches when every group has a pattern that matches somewhere in
    # the message (e.g. own case + outcome of a decision + asked of the city).
    all_of: list[list[str]] = Field(default_factory=list)
    unless: list[str] = Field(default_factory=list)
    personal_data: list[str] = Field(default_factory=list)
    fuzzy: bool = False
    present_only: bool = False  # a past event without a present cue → social_help
    retrieve: bool | None = None  # overrides the label's
    # The rule answers with another rule's text (``rule.<text_of>``): the mention of a
    # suicide shares the crisis-line text of the suicide wish.
    text_of: str | None = None


class TenseSpec(_Spec):
    """Cues that place an event in the past or in the moment (``present_only`` rules)."""

    past: list[str] = Field(default_factory=list)
    present: list[str] = Field(default_factory=list)


class QuestionSpec(_Spec):
    """Question forms the verdict-request classifier must leave alone (``procedural``:
    who, where, how much, how long, when)."""

    procedural: list[str] = Field(default_factory=list)


class PolicySpec(_Spec):
    """The whole rules file."""

    version: int
    strip_words: str = ""
    labels: dict[PolicyLabel, LabelSpec]
    rules: list[RuleSpec]
    tense: TenseSpec = Field(default_factory=TenseSpec)
    questions: QuestionSpec = Field(default_factory=QuestionSpec)


class PolicyDecision(BaseModel):
    """The policy's verdict on one message."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: PolicyLabel
    rule_id: str | None
    status: AnswerStatus
    retrieve: bool
    response: str | None
    language: Language


@dataclass(frozen=True)
class _Rule:
    spec: RuleSpec
    priority: int
    keywords: tuple[re.Pattern[str], ...]
    fuzzy_words: tuple[tuple[str, bool], ...]  # (word, is_prefix)
    patterns: tuple[re.Pattern[str], ...]
    core: tuple[re.Pattern[str], ...]
    all_of: tuple[tuple[re.Pattern[str], ...], ...]
    unless: tuple[re.Pattern[str], ...]


class Policy:
    """Classifies citizen messages with the data-driven rules of a YAML file."""

    def __init__(self, spec: PolicySpec, *, texts: TextCatalogue | None = None) -> None:
        missing = [label for label in PolicyLabel if label is not PolicyLabel.SERVICE_QUESTION
                   and label not in spec.labels]  # fmt: skip
        if missing:
            raise ConfigurationError(
                f"policy rules lack the labels {[str(m) for m in missing]}; add them under "
                "'labels:' in the rules file"
            )
        self.spec = spec
        self.texts = texts or shipped_texts()
        self.replies = ReplyWords(self.texts)
        self._strip = frozenset(normalize(spec.strip_words).split())
        compiled = [self._compile(rule) for rule in spec.rules]
        order = {id(rule): index for index, rule in enumerate(compiled)}
        self._rules = sorted(compiled, key=lambda r: (-r.priority, order[id(r)]))
        self._past = tuple(_regex(p.translate(UMLAUTS), "tense.past") for p in spec.tense.past)
        self._present = tuple(
            _regex(p.translate(UMLAUTS), "tense.present") for p in spec.tense.present
        )
        self._procedural = tuple(
            _regex(p.translate(UMLAUTS), "questions.procedural") for p in spec.questions.procedural
        )
        self._misspelt = MisspeltReading(
            rule_words(p.pattern for rule in self._rules for p in _expressions(rule))
        )
        # The Arabic-script words of the emergency rules and the tense cues, of any length.
        danger_words = rule_words(
            [
                *(p.pattern for r in self._rules if r.spec.label is PolicyLabel.EMERGENCY
                  for p in _expressions(r)),
                *(p.pattern for p in (*self._past, *self._present)),
            ],
            shortest=1,
        )  # fmt: skip
        self._arabic_script = ArabicScriptReading(danger_words.words, danger_words.stems)

    @classmethod
    def from_yaml(cls, path: Path = DEFAULT_RULES, *, texts: TextCatalogue | None = None) -> Policy:
        """Load rules from ``path`` (defaults to the shipped bot/dialogue/rules/policy_de.yaml)."""
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigurationError(f"cannot read policy rules {path}: {exc}") from exc
        try:
            spec = PolicySpec.model_validate(raw)
        except ValidationError as exc:
            raise ConfigurationError(f"policy rules {path} are invalid: {exc}") from exc
        return cls(spec, texts=texts)

    def classify(
        self, message: str, *, tenant: str = "", language: Language | None = None
    ) -> PolicyDecision:
        """Label ``message`` and pick the response template (in ``language`` or detected).

        For a text that is not a citizen message (a passage, a test case); the dialogue
        decides on the message's Understanding (``decide``), which is read only once.
        """
        return self._judge(
            normalize(message),
            language or identify_language(message).language,
            redact(message).kinds,
            tenant,
        )

    def decide(self, understanding: Understanding, *, tenant: str) -> PolicyDecision:
        """Label the understood message and pick the response in its reply language."""
        return self._judge(
            understanding.normalized,
            understanding.language,
            set(understanding.personal_data),
            tenant,
        )

    def _judge(self, text: str, lang: Language, found: set[str], tenant: str) -> PolicyDecision:
        words, core = self._words(text)
        if not words:
            return self._decision(PolicyLabel.VAGUE, None, tenant, lang)
        reply = self.replies.reply(text)
        if reply is not None and reply[0] == "person":
            return self._reply_decision(reply, tenant, lang)
        rule = self._first_rule(text, words, core, found)
        if rule is not None and rule.spec.label is PolicyLabel.EMERGENCY and rule.unless:
            rule = self._unless_in_arabic_script(rule, text, words, core, found)
        in_cyrillic = None if rule else self._read_in_cyrillic(text, tenant, lang)
        if in_cyrillic is not None:
            return in_cyrillic
        in_arabic = None if rule else self._read_in_arabic_script(text, tenant, lang)
        if in_arabic is not None:
            return in_arabic
        misspelt = self._read_misspelt(text, lang, found, rule)
        if misspelt is not None:
            reading, rule = misspelt
            read_words, read_core = self._words(reading)
            decision = self._ruled(rule, reading, read_words, read_core, found, tenant, lang)
            return decision.model_copy(update={"rule_id": f"{decision.rule_id}.misspelt"})
        if rule is not None:
            return self._ruled(rule, text, words, core, found, tenant, lang)
        if reply is not None:
            return self._reply_decision(reply, tenant, lang)
        return PolicyDecision(
            label=PolicyLabel.SERVICE_QUESTION,
            rule_id=None,
            status=AnswerStatus.ANSWERED,
            retrieve=True,
            response=None,
            language=lang,
        )

    def _ruled(
        self,
        rule: _Rule,
        text: str,
        words: list[str],
        core: str,
        found: set[str],
        tenant: str,
        lang: Language,
    ) -> PolicyDecision:
        """The decision of ``rule``, which matched ``text`` (with its ``words`` and
        ``core``): a past event of a ``present_only`` rule is social help, a label may
        yield to a lower one."""
        if rule.spec.present_only and self._in_the_past(text):
            return self._past_decision(rule.spec, tenant, lang)
        chosen = self._yielded(rule, text, words, core, found) or rule
        return self._decision(chosen.spec.label, chosen.spec, tenant, lang)

    def _read_misspelt(
        self, text: str, lang: Language, found: set[str], rule: _Rule | None
    ) -> tuple[str, _Rule] | None:
        """The message read with its misspelt words as the rule words nearest to them
        (bot/dialogue/rule_words.py) and the rule it matches there, if that rule comes
        before ``rule``, the one the message matched as written; else None. The reading
        can only add matches: a rule the message matches as written stands."""
        reading = self._misspelt.read(text, lang)
        if reading is None:
            return None
        words, core = self._words(reading)
        before = self._rules if rule is None else self._rules[: self._rules.index(rule)]
        found_rule = next(
            (r for r in before if self._matches(r, reading, words, core, found)), None
        )
        return None if found_rule is None else (reading, found_rule)

    def _read_in_cyrillic(self, text: str, tenant: str, lang: Language) -> PolicyDecision | None:
        """Russian or Ukrainian in Latin letters ("moy syn propal v lesu"): the emergency
        rules read the message's Cyrillic reading (bot/understanding/cyrillic.py) when no
        rule matched the message itself; rule id ``<rule>.cyrillic``, a past event
        ``<rule>.past`` as for the message itself. Only emergency rules: the reading is
        for danger, which must not depend on the keyboard."""
        return self._emergency_in(cyrillic_reading(text), "cyrillic", tenant, lang)

    def _read_in_arabic_script(
        self, text: str, tenant: str, lang: Language
    ) -> PolicyDecision | None:
        """Arabic or Farsi in Latin letters ("fi ri7et ghaz", "nafas nemikeshe"): the
        emergency rules read the message with its words as the rules' Arabic-script words
        of the same consonant skeleton (bot/understanding/arabic_script.py) when no rule
        matched the message itself; rule id ``<rule>.arabic_script``."""
        return self._emergency_in(self._arabic_script.read(text), ARABIC_SCRIPT, tenant, lang)

    def _unless_in_arabic_script(
        self, rule: _Rule, text: str, words: list[str], core: str, found: set[str]
    ) -> _Rule | None:
        """``rule``, an emergency rule the message matched as written, unless the message's
        Arabic-script reading matches one of the rule's exceptions ("el intihar" matched a
        Turkish keyword, "dawra", a course, is an Arabic exception): then the first later
        rule the message matches."""
        reading = self._arabic_script.read(text)
        if reading is None or not any(p.search(reading) for p in rule.unless):
            return rule
        later = self._rules[self._rules.index(rule) + 1 :]
        return next((r for r in later if self._matches(r, text, words, core, found)), None)

    def _emergency_in(
        self, reading: str | None, script: str, tenant: str, lang: Language
    ) -> PolicyDecision | None:
        """The decision of the first emergency rule that matches ``reading`` (a message read
        in another ``script``), a past event ``<rule>.past``; None if none matches."""
        if reading is None:
            return None
        words, core = self._words(reading)
        rule = self._first_rule(reading, words, core, set(), label=PolicyLabel.EMERGENCY)
        if rule is None:
            return None
        if rule.spec.present_only and self._in_the_past(reading):
            return self._past_decision(rule.spec, tenant, lang)
        decision = self._decision(PolicyLabel.EMERGENCY, rule.spec, tenant, lang)
        return decision.model_copy(update={"rule_id": f"{rule.spec.id}.{script}"})

    def _words(self, text: str) -> tuple[list[str], str]:
        """The words of a normalised text, and its core (without the strip words)."""
        words = WORD.findall(text)
        return words, " ".join(w for w in words if w not in self._strip)

    def _first_rule(
        self,
        text: str,
        words: list[str],
        core: str,
        found: set[str],
        *,
        label: PolicyLabel | None = None,
    ) -> _Rule | None:
        """The first rule (by priority, then file order) that matches, of ``label`` only
        if given."""
        return next(
            (
                rule
                for rule in self._rules
                if (label is None or rule.spec.label is label)
                and self._matches(rule, text, words, core, found)
            ),
            None,
        )

    def rule_decision(self, rule_id: str, *, tenant: str, language: Language) -> PolicyDecision:
        """The decision of the rule ``rule_id`` with its response in ``language`` (for a
        reply the engine reads in context, e.g. "oui" after an offer of a person)."""
        rule = next((r.spec for r in self._rules if r.spec.id == rule_id), None)
        if rule is None:
            raise ConfigurationError(
                f"the policy rules have no rule {rule_id!r}; add it to {DEFAULT_RULES.name}"
            )
        return self._decision(rule.label, rule, tenant, language)

    def _reply_decision(
        self, reply: tuple[Reply, tuple[Language, ...]], tenant: str, lang: Language
    ) -> PolicyDecision:
        """A bare person word (handoff) or yes/no (acknowledged) in any catalogue language
        (issue 13 item 2), answered in the language the word belongs to when the reply
        language has no such word ("oui" in a conversation without a chosen language)."""
        kind, languages = reply
        language = lang if lang in languages else languages[0]
        rule_id = "handoff.bare" if kind == "person" else "smalltalk.ack"
        return self.rule_decision(rule_id, tenant=tenant, language=language)

    def _yielded(
        self, rule: _Rule, text: str, words: list[str], core: str, found: set[str]
    ) -> _Rule | None:
        """The first matching rule of a label ``rule``'s label yields to (``yields_to``),
        if the message carries no personal data; else None."""
        yields_to = self.spec.labels[rule.spec.label].yields_to
        if not yields_to or found:
            return None
        return next(
            (
                other
                for other in self._rules
                if other.spec.label in yields_to and self._matches(other, text, words, core, found)
            ),
            None,
        )

    def past_event(self, normalized: str) -> bool:
        """Whether a message places what happened in the past and says nothing of now
        (``normalized``: its normalised form, Understanding.normalized)."""
        return self._in_the_past(normalized)

    def procedural_question(self, normalized: str) -> bool:
        """Whether a message asks who, where, how much, how long or when (the rules file's
        ``questions.procedural``): a question about the procedure, which the verdict-request
        classifier leaves alone (``normalized``: Understanding.normalized)."""
        return any(p.search(normalized) for p in self._procedural)

    def _in_the_past(self, text: str) -> bool:
        return any(p.search(text) for p in self._past) and not any(
            p.search(text) for p in self._present
        )

    def _past_decision(self, rule: RuleSpec, tenant: str, lang: Language) -> PolicyDecision:
        decision = self._decision(PolicyLabel.SOCIAL_HELP, None, tenant, lang)
        key = f"rule.{rule.id}.past"
        update: dict[str, str] = {"rule_id": f"{rule.id}.past"}
        if self.texts.has(key):
            update["response"] = self.texts.text(key, lang, of_city=city_name(tenant, lang))
        return decision.model_copy(update=update)

    def unless_covered(self, decision: PolicyDecision) -> bool:
        """Whether ``decision``'s label gives way when the tenant's content covers the message."""
        return self.spec.labels[decision.label].unless_covered

    def covered(self, decision: PolicyDecision) -> PolicyDecision:
        """``decision`` turned into a service question because the tenant's own content
        answers it (rule id ``<rule>.covered``, e.g. "Rezept" in a region with health pages)."""
        return PolicyDecision(
            label=PolicyLabel.SERVICE_QUESTION,
            rule_id=f"{decision.rule_id}.covered",
            status=AnswerStatus.ANSWERED,
            retrieve=True,
            response=None,
            language=decision.language,
        )

    def script_reading(self, decision: PolicyDecision, normalized: str) -> str | None:
        """The Arabic-script reading of the message (``normalized``) that ``decision``'s
        rule matched (rule id ``<rule>.arabic_script``), for the danger classifier to judge
        the text the rule judged; None for any other decision."""
        if not (decision.rule_id or "").endswith(f".{ARABIC_SCRIPT}"):
            return None
        return self._arabic_script.read(normalized)

    def overruled(self, decision: PolicyDecision) -> PolicyDecision:
        """``decision``'s label overruled by a classifier (the present-danger classifier,
        bot/dialogue/danger.py, or the verdict-request classifier, verdict.py): a service
        question (rule id ``<rule>.vetoed``)."""
        return self.covered(decision).model_copy(update={"rule_id": f"{decision.rule_id}.vetoed"})

    def emergency(self, *, tenant: str, language: Language, rule_id: str) -> PolicyDecision:
        """The emergency decision with the label's general response (numbers first), for
        emergencies found by something other than a rule (bot/dialogue/emergency.py)."""
        decision = self._decision(PolicyLabel.EMERGENCY, None, tenant, language)
        return decision.model_copy(update={"rule_id": rule_id})

    def verdict_request(self, *, tenant: str, language: Language, rule_id: str) -> PolicyDecision:
        """The decision label with its general no-verdict response, for verdict requests
        found by something other than a rule (bot/dialogue/verdict.py)."""
        decision = self._decision(PolicyLabel.DECISION, None, tenant, language)
        return decision.model_copy(update={"rule_id": rule_id})

    def message(self, key: str, language: Language = "de", **values: str) -> str:
        """The answer text ``answer.<key>`` of the text catalogue, with ``values`` filled in."""
        return self.texts.text(f"answer.{key}", language, **values)

    def _decision(
        self, label: PolicyLabel, rule: RuleSpec | None, tenant: str, lang: Language
    ) -> PolicyDecision:
        spec = self.spec.labels[label]
        text_id = (rule.text_of or rule.id) if rule else None
        key = (
            f"rule.{text_id}" if text_id and self.texts.has(f"rule.{text_id}") else f"label.{label}"
        )
        response = (
            self.texts.text(key, lang, of_city=city_name(tenant, lang))
            if self.texts.has(key)
            else None
        )
        return PolicyDecision(
            label=label,
            rule_id=rule.id if rule else f"{label}.default",
            status=spec.status,
            retrieve=rule.retrieve if rule and rule.retrieve is not None else spec.retrieve,
            response=response,
            language=lang,
        )

    def _matches(
        self, rule: _Rule, text: str, words: list[str], core: str, found: set[str]
    ) -> bool:
        hit = (
            any(p.search(text) for p in rule.keywords)
            or any(p.search(text) for p in rule.patterns)
            or any(p.fullmatch(core) for p in rule.core)
            or (
                bool(rule.all_of)
                and all(any(p.search(text) for p in group) for group in rule.all_of)
            )
            or any(kind in found for kind in rule.spec.personal_data)
            or self._fuzzy_hit(rule, words)
        )
        return hit and not any(p.search(text) for p in rule.unless)

    @staticmethod
    def _fuzzy_hit(rule: _Rule, words: list[str]) -> bool:
        for keyword, is_prefix in rule.fuzzy_words:
            limit = 2 if len(keyword) >= 12 else 1
            for word in words:
                candidate = word[: len(keyword) + 1] if is_prefix else word
                if abs(len(candidate) - len(keyword)) > limit or candidate[0] != keyword[0]:
                    continue
                if is_prefix and typo_distance(word[: len(keyword)], keyword, limit) <= limit:
                    return True
                if typo_distance(candidate, keyword, limit) <= limit:
                    return True
        return False

    def _compile(self, rule: RuleSpec) -> _Rule:
        label = self.spec.labels.get(rule.label)
        if label is None:
            raise ConfigurationError(
                f"policy rule {rule.id!r} uses label {rule.label!r} that has no entry under "
                "'labels:'; add one with priority and status"
            )
        bad_kinds = set(rule.personal_data) - set(PLACEHOLDERS)
        if bad_kinds:
            raise ConfigurationError(
                f"policy rule {rule.id!r}: unknown personal_data kinds {sorted(bad_kinds)}; "
                f"use some of {sorted(PLACEHOLDERS)}"
            )
        keywords = [normalize(k) for k in rule.keywords]
        fuzzy = tuple(
            (k.strip("*"), k.endswith("*"))
            for k in keywords
            if rule.fuzzy and " " not in k and len(k.strip("*")) >= 8
        )
        return _Rule(
            spec=rule,
            priority=label.priority,
            keywords=tuple(_regex(_keyword_regex(k), rule.id) for k in keywords),
            fuzzy_words=fuzzy,
            patterns=tuple(_regex(p.translate(UMLAUTS), rule.id) for p in rule.patterns),
            core=tuple(_regex(p.translate(UMLAUTS), rule.id) for p in rule.core),
            all_of=tuple(
                tuple(_regex(p.translate(UMLAUTS), rule.id) for p in group) for group in rule.all_of
            ),
            unless=tuple(_regex(p.translate(UMLAUTS), rule.id) for p in rule.unless),
        )


def _expressions(rule: _Rule) -> list[re.Pattern[str]]:
    """Every regular expression of ``rule``: keywords, patterns, core, grammar, vetoes."""
    grammar = [p for group in rule.all_of for p in group]
    return [*rule.keywords, *rule.patterns, *rule.core, *grammar, *rule.unless]


def _keyword_regex(keyword: str) -> str:
    body = re.escape(keyword.strip("*")).replace(r"\ ", r"\s+")
    prefix = r"\w*" if keyword.startswith("*") else r"\b"
    suffix = r"\w*" if keyword.endswith("*") else r"\b"
    return prefix + body + suffix


def _regex(pattern: str, rule_id: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ConfigurationError(
            f"policy rule {rule_id!r} has an invalid regular expression {pattern!r}: {exc}"
        ) from exc
