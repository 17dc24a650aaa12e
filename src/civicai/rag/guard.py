"""Treat questions and plan passages as data: spot prompt injection, abuse and plainly off-topic requests.

Patterns in five languages (en, fr, de, nl, da), matched on accent-folded lowercase text. The extractive
answer path cannot be steered by text anyway (it only quotes the plan); the guard makes the refusal
explicit, keeps injected plan sentences out of quotes and out of any LLM prompt, and redirects politely.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from civicai.rag.tokenize import fold


class Verdict(StrEnum):
    OK = "ok"
    INJECTION = "injection"
    ABUSE = "abuse"
    OFF_TOPIC = "off_topic"


@dataclass(frozen=True)
class GuardResult:
    verdict: Verdict
    reason: str = ""


_INJECTION = [
    # en
    r"\b(ignore|disregard|forget|override|bypass)\b.{0,40}\b(instruction|instructions|rules?|prompt|guidelines?|"
    r"above|previous|prior|everything)\b",
    r"\b(system|hidden|initial|original|developer)\s*(prompt|message|instructions?)\b",
    r"\b(reveal|show|print|repeat|output|display|tell me|leak)\b.{0,40}\b(prompt|instructions?|rules|"
    r"configuration|the text above|your context)\b",
    r"\byou are (now|no longer)\b", r"\bfrom now on,? (you|your|ignore|answer|say|reply)\b",
    r"\bact as (if|an? (ai|assistant|chatbot|model|unrestricted|different|evil))\b", r"\bpretend (to be|you)\b",
    r"\broleplay\b", r"\bjailbreak\b", r"\bdeveloper mode\b", r"\bdo anything now\b", r"\bnew instructions?\b",
    r"\b(say|write|reply|respond|answer) (only |exactly |just )?(with )?[\"'“«]", r"</?(system|assistant|user)>",
    r"\[/?(inst|system)\]", r"<<<|>>>", r"^\s*(assistant|system)\s*:",
    # fr
    r"\b(ignore[zs]?|oublie[zs]?|neglige[zs]?)\b.{0,40}\b(instructions?|consignes?|regles?|prompt|"
    r"ci-dessus|precedent)", r"\bprompt (systeme|initial)\b", r"\btu es (maintenant|desormais)\b",
    r"\bvous etes (maintenant|desormais)\b", r"\bfais comme si\b", r"\ba partir de maintenant,? (tu|vous|reponds?|ignore)\b",
    r"\b(revele|affiche|repete|montre)[sz]?\b.{0,40}\b(instructions?|consignes?|prompt)\b",
    r"\b(dis|ecris|reponds?|repondez)\b.{0,20}\buniquement\b",
    # de
    r"\b(ignorier\w*|vergiss\w*|missacht\w*)\b.{0,40}\b(anweisung\w*|regeln|prompt|vorherige\w*|obige\w*)",
    r"\bsystem\s?prompt\b", r"\bdu bist (jetzt|nun|ab sofort)\b", r"\btu so,? als\b", r"\bab (jetzt|sofort)\b.{0,30}\b(bist|sollst)\b",
    r"\b(zeig|gib|wiederhol)\w*\b.{0,40}\b(anweisung\w*|prompt)\b",
    # nl
    r"\b(negeer|vergeet)\b.{0,40}\b(instructies?|regels|prompt|vorige|bovenstaande)\b",
    r"\bsysteemprompt\b", r"\bje bent (nu|vanaf nu)\b", r"\bdoe alsof\b", r"\bvanaf nu,? (ben|moet|antwoord|negeer|je)\b",
    r"\b(toon|herhaal|laat)\b.{0,40}\b(instructies|prompt)\b",
    # da
    r"\b(ignorer|glem|se bort fra)\b.{0,40}\b(instruktion\w*|regler|prompt|ovenstaende|tidligere)\b",
    r"\bsystemprompt\b", r"\bdu er nu\b", r"\blad som om\b", r"\bfra nu af,? (er|skal|svar|ignorer|du)\b",
    r"\b(vis|gentag)\b.{0,40}\b(instruktion\w*|prompt)\b",
]
_ABUSE = [
    r"\b(idiot\w*|stupid|moron|dumb|shut up|fuck\w*|shit\w*|bitch|bastard|asshole|cunt|retard\w*)\b",
    r"\b(connard\w*|connasse|con|conne|merde|putain|salope|encule\w*|ta gueule|debile|cretin\w*)\b",
    r"\b(scheisse|arschloch|idiot|dummkopf|halt die klappe|fick\w*|depp|vollidiot)\b",
    r"\b(klootzak|kut|lul|godverdomme|idioot|stomme|hou je bek|kanker\w*)\b",
    r"\b(lort|fanden|kraftedeme|idiot|rov|klaphat|hold kaeft|fuck)\b",
]
# Requests that no climate plan answers: creative writing, code, chit-chat, other services.
_OFF_TOPIC = [
    r"\b(write|compose|tell) (me )?(a |an )?(poem|song|story|joke|essay|limerick)\b",
    r"\b(ecris|raconte)[- ]moi (un|une) (poeme|chanson|histoire|blague)\b",
    r"\b(schreib|erzahl)\w* (mir )?(ein|einen|eine) (gedicht|lied|geschichte|witz)\b",
    r"\b(schrijf|vertel) (me |mij )?(een) (gedicht|lied|verhaal|grap)\b",
    r"\b(skriv|fortael) (mig )?(et|en) (digt|sang|historie|vittighed)\b",
    r"\b(python|javascript|sql|html) (code|script|function)\b", r"\b(recipe|recette|rezept|recept|opskrift)\b",
    r"\b(football|soccer|basketball|fussball|voetbal|fodbold|bundesliga|champions league)\b",
    r"\b(stock price|bitcoin|crypto|lottery|horoscope|horoscop\w*|dating)\b",
    r"\b(capital of|capitale de|hauptstadt von|hoofdstad van|hovedstaden i)\b",
]
_INJECTION_RE = re.compile("|".join(f"(?:{p})" for p in _INJECTION))
_ABUSE_RE = re.compile("|".join(f"(?:{p})" for p in _ABUSE))
_OFF_TOPIC_RE = re.compile("|".join(f"(?:{p})" for p in _OFF_TOPIC))


def _normalise(text: str) -> str:
    # fold accents and collapse tricks such as "i g n o r e" spacing or zero-width characters
    text = re.sub(r"[\u200b-\u200f\u2060\ufeff]", "", text)
    return re.sub(r"\s+", " ", fold(text))


def check_question(question: str) -> GuardResult:
    """Classify a resident's question before retrieval. Injection wins over abuse over off-topic."""
    text = _normalise(question)
    if match := _INJECTION_RE.search(text):
        return GuardResult(Verdict.INJECTION, f"instruction-like text: {match.group(0)!r}")
    if match := _ABUSE_RE.search(text):
        return GuardResult(Verdict.ABUSE, f"abusive wording: {match.group(0)!r}")
    if match := _OFF_TOPIC_RE.search(text):
        return GuardResult(Verdict.OFF_TOPIC, f"not about the plan: {match.group(0)!r}")
    return GuardResult(Verdict.OK)


def is_instruction_like(text: str) -> bool:
    """True for a plan sentence that addresses a model rather than a reader; it is never quoted or prompted."""
    return bool(_INJECTION_RE.search(_normalise(text)))
