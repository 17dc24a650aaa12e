"""The fixed sentences the chat says, in en, fr, de, nl, da. Quotes stay in the plan's language; these
lead-ins (direct answer, "yes", closest passage), refusals and the AI notice follow the question's language
(other languages get English)."""
from __future__ import annotations

PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "lead_general": "Here is what the plan says:",
        "lead_child": "Here is what the plan says, in short:",
        "child_value": "In short: {value}. The plan says:",
        "lead_expert": "Relevant passages of the plan:",
        "quotes_in": "(Quoted in the plan's language: {lang_name}.)",
        "abstain": "The plan does not say.",
        "closest": "The closest sections are: {sections}.",
        "off_topic": "I can only answer questions about the climate plan \"{plan}\". Ask me, for example, "
                     "what it says about transport, buildings or energy.",
        "abuse": "I would like to keep this conversation respectful. I can answer questions about the climate "
                 "plan \"{plan}\".",
        "injection": "I can only answer questions about what the climate plan \"{plan}\" says, and I cannot "
                     "change how I work.",
        "notice": "You are talking to an AI assistant. It answers only with quotes from the plan, with "
                  "their section and page; please check the cited pages.",
        "page": "page",
        "closest_lead": "The plan does not answer this exactly; the closest passage says:",
        "yes_lead": "Yes, the plan says:",
        "not_mentioned": "The plan does not mention this.",
        "not_mentioned_closest": "The plan does not mention this directly; the closest passage says:",
        "clarify": "I am not sure what you are referring to. Please ask the whole question again "
                   "and name the measure or topic you mean.",
        "clarify_topic": "Is this about your earlier question {topic}? The passage I found is about something "
                         "else, so please ask the whole question again with the topic in it.",
    },
    "fr": {
        "lead_general": "Voici ce que dit le plan :",
        "lead_child": "Voici ce que dit le plan, en bref :",
        "child_value": "En bref : {value}. Le plan dit :",
        "lead_expert": "Passages pertinents du plan :",
        "quotes_in": "(Citations dans la langue du plan : {lang_name}.)",
        "abstain": "Le plan ne le dit pas.",
        "closest": "Les sections les plus proches sont : {sections}.",
        "off_topic": "Je ne peux répondre qu'aux questions sur le plan climat « {plan} ». Demandez-moi par "
                     "exemple ce qu'il prévoit pour les transports, les bâtiments ou l'énergie.",
        "abuse": "Je souhaite que cette conversation reste respectueuse. Je peux répondre à vos questions sur "
                 "le plan climat « {plan} ».",
        "injection": "Je ne peux répondre qu'aux questions sur le contenu du plan climat « {plan} », et je ne "
                     "peux pas changer ma façon de fonctionner.",
        "notice": "Vous dialoguez avec un assistant d'intelligence artificielle. Il répond uniquement par des "
                  "citations du plan, avec leur section et leur page ; vérifiez les pages citées.",
        "page": "page",
        "closest_lead": "Le plan ne répond pas exactement à cette question ; le passage le plus proche dit :",
        "yes_lead": "Oui, le plan dit :",
        "not_mentioned": "Le plan ne le mentionne pas.",
        "not_mentioned_closest": "Le plan ne le mentionne pas directement ; le passage le plus proche dit :",
        "clarify": "Je ne sais pas à quoi vous faites référence. Posez à nouveau toute la question "
                   "en nommant la mesure ou le sujet.",
        "clarify_topic": "Est-ce lié à votre question précédente {topic} ? Le passage trouvé porte sur autre "
                         "chose : posez à nouveau toute la question en nommant le sujet.",
    },
    "de": {
        "lead_general": "Das steht im Plan:",
        "lead_child": "Das steht im Plan, kurz gesagt:",
        "child_value": "Kurz gesagt: {value}. Im Plan steht:",
        "lead_expert": "Relevante Abschnitte des Plans:",
        "quotes_in": "(Zitiert in der Sprache des Plans: {lang_name}.)",
        "abstain": "Dazu sagt der Plan nichts.",
        "closest": "Die nächstliegenden Abschnitte sind: {sections}.",
        "off_topic": "Ich kann nur Fragen zum Klimaplan „{plan}“ beantworten. Fragen Sie mich zum Beispiel, "
                     "was er zu Verkehr, Gebäuden oder Energie sagt.",
        "abuse": "Ich möchte, dass dieses Gespräch respektvoll bleibt. Ich beantworte gern Fragen zum "
                 "Klimaplan „{plan}“.",
        "injection": "Ich kann nur Fragen dazu beantworten, was im Klimaplan „{plan}“ steht, und ich kann "
                     "meine Arbeitsweise nicht ändern.",
        "notice": "Sie sprechen mit einem KI-Assistenten. Er antwortet nur mit Zitaten aus dem Plan, mit "
                  "Abschnitt und Seite; bitte prüfen Sie die zitierten Seiten.",
        "page": "Seite",
        "closest_lead": "Der Plan beantwortet das nicht genau; der nächstliegende Abschnitt sagt:",
        "yes_lead": "Ja, der Plan sagt:",
        "not_mentioned": "Der Plan erwähnt das nicht.",
        "not_mentioned_closest": "Der Plan erwähnt das nicht direkt; der nächstliegende Abschnitt sagt:",
        "clarify": "Ich bin nicht sicher, worauf Sie sich beziehen. Bitte stellen Sie die ganze "
                   "Frage noch einmal und nennen Sie die Maßnahme oder das Thema.",
        "clarify_topic": "Geht es um Ihre vorige Frage {topic}? Die gefundene Stelle handelt von etwas anderem: "
                         "Bitte stellen Sie die ganze Frage noch einmal und nennen Sie das Thema.",
    },
    "nl": {
        "lead_general": "Dit staat er in het plan:",
        "lead_child": "Dit staat er in het plan, kort gezegd:",
        "child_value": "Kort gezegd: {value}. In het plan staat:",
        "lead_expert": "Relevante passages uit het plan:",
        "quotes_in": "(Geciteerd in de taal van het plan: {lang_name}.)",
        "abstain": "Het plan zegt daar niets over.",
        "closest": "De meest verwante hoofdstukken zijn: {sections}.",
        "off_topic": "Ik kan alleen vragen over het klimaatplan \"{plan}\" beantwoorden. Vraag bijvoorbeeld "
                     "wat het zegt over vervoer, gebouwen of energie.",
        "abuse": "Ik wil dit gesprek graag respectvol houden. Ik beantwoord graag vragen over het klimaatplan "
                 "\"{plan}\".",
        "injection": "Ik kan alleen vragen beantwoorden over wat er in het klimaatplan \"{plan}\" staat, en ik "
                     "kan mijn werkwijze niet veranderen.",
        "notice": "U praat met een AI-assistent. Die antwoordt alleen met citaten uit het plan, met hoofdstuk "
                  "en pagina; controleer de geciteerde pagina's.",
        "page": "pagina",
        "closest_lead": "Het plan geeft hier geen precies antwoord op; de meest verwante passage zegt:",
        "yes_lead": "Ja, het plan zegt:",
        "not_mentioned": "Het plan noemt dit niet.",
        "not_mentioned_closest": "Het plan noemt dit niet direct; de meest verwante passage zegt:",
        "clarify": "Het is mij niet duidelijk waarnaar u verwijst. Stel de hele vraag opnieuw en "
                   "noem de maatregel of het onderwerp.",
        "clarify_topic": "Gaat dit over uw vorige vraag {topic}? De gevonden passage gaat over iets anders: stel "
                         "de hele vraag opnieuw en noem het onderwerp.",
    },
    "da": {
        "lead_general": "Det står der i planen:",
        "lead_child": "Det står der i planen, kort fortalt:",
        "child_value": "Kort sagt: {value}. Planen siger:",
        "lead_expert": "Relevante afsnit i planen:",
        "quotes_in": "(Citeret på planens sprog: {lang_name}.)",
        "abstain": "Det står der ikke noget om i planen.",
        "closest": "De nærmeste afsnit er: {sections}.",
        "off_topic": "Jeg kan kun svare på spørgsmål om klimaplanen \"{plan}\". Spørg mig for eksempel om, "
                     "hvad den siger om transport, bygninger eller energi.",
        "abuse": "Jeg vil gerne holde samtalen respektfuld. Jeg svarer gerne på spørgsmål om klimaplanen "
                 "\"{plan}\".",
        "injection": "Jeg kan kun svare på spørgsmål om, hvad der står i klimaplanen \"{plan}\", og jeg kan "
                     "ikke ændre, hvordan jeg arbejder.",
        "notice": "Du taler med en AI-assistent. Den svarer kun med citater fra planen, med afsnit og side; "
                  "tjek venligst de citerede sider.",
        "page": "side",
        "closest_lead": "Planen svarer ikke præcist på det; det nærmeste afsnit siger:",
        "yes_lead": "Ja, planen siger:",
        "not_mentioned": "Planen nævner det ikke.",
        "not_mentioned_closest": "Planen nævner det ikke direkte; det nærmeste afsnit siger:",
        "clarify": "Jeg er ikke sikker på, hvad du henviser til. Stil hele spørgsmålet igen, og "
                   "nævn tiltaget eller emnet.",
        "clarify_topic": "Handler det om dit tidligere spørgsmål {topic}? Det fundne afsnit handler om noget "
                         "andet: stil hele spørgsmålet igen, og nævn emnet.",
    },
}

LANGUAGE_NAMES: dict[str, dict[str, str]] = {
    "en": {"en": "English", "fr": "French", "de": "German", "nl": "Dutch", "da": "Danish"},
    "fr": {"en": "anglais", "fr": "français", "de": "allemand", "nl": "néerlandais", "da": "danois"},
    "de": {"en": "Englisch", "fr": "Französisch", "de": "Deutsch", "nl": "Niederländisch", "da": "Dänisch"},
    "nl": {"en": "Engels", "fr": "Frans", "de": "Duits", "nl": "Nederlands", "da": "Deens"},
    "da": {"en": "engelsk", "fr": "fransk", "de": "tysk", "nl": "nederlandsk", "da": "dansk"},
}
SUPPORTED = tuple(PHRASES)


def phrase_language(code: str | None) -> str:
    """The phrase table to use for a detected language code (English where we have no table)."""
    code = (code or "en")[:2].lower()
    return code if code in PHRASES else "en"


def phrase(language: str | None, key: str, **values: str) -> str:
    table = PHRASES[phrase_language(language)]
    return table[key].format(**values) if values else table[key]


def language_name(code: str | None, in_language: str | None) -> str:
    names = LANGUAGE_NAMES[phrase_language(in_language)]
    return names.get((code or "")[:2], code or "?")
