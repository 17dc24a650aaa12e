"""Planted problems: PII, the organised campaign, junk rows, code-switching comments.

Every PII value here is invented (phone numbers from ranges kept for fiction or unassigned
mobile blocks, IBANs with a valid checksum on made-up account numbers).
"""

from __future__ import annotations

import random


def make_iban(country: str, bban: str) -> str:
    """A syntactically valid IBAN (ISO 13616 mod-97 check digits) for a made-up account."""
    rearranged = bban + country + "00"
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    check = 98 - int(digits) % 97
    return f"{country}{check:02d}{bban}"


def group4(iban: str) -> str:
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


# Per language: names, e-mails, phones, street addresses, IBANs (as people type them).
PII_VALUES = {
    "fr": {
        "person": ["Claire Dubois", "Mathieu Lefèvre", "Karim Benali", "Sophie Marchand", "Julien Roussel",
                   "Nathalie Girard", "Yves Lambert", "Amélie Fontaine"],
        "email": ["claire.dubois62@gmail.com", "m.lefevre@orange.fr", "karim.benali@outlook.fr",
                  "sophie_marchand@laposte.net", "jroussel.rivermouth@free.fr"],
        "phone": ["+33 6 12 48 35 90", "+33 6 71 23 45 98", "+33 7 81 54 62 10", "06 45 78 12 33"],
        "address": ["12 rue des Lilas", "8 avenue Jean Jaurès", "27 rue du Moulin", "3 place de la Gare"],
        "iban": [group4(make_iban("FR", "20041010050500013M02606")), make_iban("BE", "063123456789")],
    },
    "en": {
        "person": ["Tom Hughes", "Sarah O'Connor", "David Patel", "Emma Whitfield", "Gareth Evans",
                   "Priya Sharma", "Margaret Ellis", "Liam Murphy"],
        "email": ["tom.hughes@outlook.com", "sarah.oconnor84@gmail.com", "dpatel@rivermouth-mail.eu",
                  "emma.whitfield@btinternet.com", "gareth_evans@yahoo.co.uk"],
        "phone": ["07700 900461", "07911 123456", "07700 900878", "+44 7700 900312"],
        "address": ["42 Baker Street", "17 Mill Lane", "5 Harbour Terrace", "88 Victoria Road"],
        "iban": [group4(make_iban("GB", "NWBK60161331926819"))],
    },
    "nl": {
        "person": ["Jan de Vries", "Annelies Peeters", "Pieter van Dam", "Fatima El Amrani", "Sanne Janssens",
                   "Koen Verbeke"],
        "email": ["jan.devries@ziggo.nl", "annelies.peeters@telenet.be", "pvandam@hotmail.com",
                  "sanne.j@kpnmail.nl"],
        "phone": ["06-12345678", "06-48213377", "06-27719054", "06 3412 8890"],
        "address": ["Kerkstraat 15", "Molenweg 3", "Stationslaan 42", "Dorpsstraat 9"],
        "iban": [group4(make_iban("NL", "RABO0312845671"))],
    },
    "de": {
        "person": ["Klaus Becker", "Anna Schmidt", "Jürgen Hoffmann", "Leonie Wagner", "Mehmet Yılmaz",
                   "Ursula Krämer"],
        "email": ["klaus.becker@web.de", "anna.schmidt@gmx.de", "j.hoffmann@t-online.de",
                  "leonie.wagner@posteo.de"],
        "phone": ["+49 151 23456789", "+49 170 9876543", "+49 162 3344556", "0176 55512345"],
        "address": ["Hauptstraße 7", "Lindenallee 23", "Bahnhofstraße 12", "Am Mühlbach 4"],
        "iban": [group4(make_iban("DE", "370400440532013977"))],
    },
}

# Sentences that carry PII; the kinds in each slot are what pii_gold records.
PII_TEMPLATES = {
    "fr": [
        ("Je m'appelle {person} et j'habite au {address}.", "end"),
        ("Vous pouvez me joindre au {phone}.", "end"),
        ("Mon mail si besoin : {email}", "end"),
        ("{person}, {address}", "end"),
        ("Pour le versement de la prime, mon IBAN est {iban}.", "end"),
        ("Contactez-moi au {phone} ou par mail ({email}).", "end"),
        ("Bonjour, ici {person}.", "start"),
        ("J'habite au {address}, juste à côté du chantier.", "start"),
    ],
    "en": [
        ("My name is {person} and I live at {address}.", "end"),
        ("You can reach me on {phone} if you want to discuss.", "end"),
        ("Email me at {email}.", "end"),
        ("{person}, {address}", "end"),
        ("Please pay the grant into {iban}, I applied in March and still nothing.", "end"),
        ("Call me on {phone} or write to {email}.", "end"),
        ("Hi, {person} here.", "start"),
        ("I live at {address}, right next to the works.", "start"),
    ],
    "nl": [
        ("Ik ben {person} en ik woon in de {address}.", "end"),
        ("Bel me gerust op {phone}.", "end"),
        ("Mijn mailadres: {email}", "end"),
        ("{person}, {address}", "end"),
        ("Graag de premie storten op {iban}.", "end"),
        ("Bereikbaar via {phone} of {email}.", "end"),
        ("Hallo, met {person}.", "start"),
    ],
    "de": [
        ("Ich heiße {person} und wohne in der {address}.", "end"),
        ("Sie erreichen mich unter {phone}.", "end"),
        ("Meine E-Mail: {email}", "end"),
        ("{person}, {address}", "end"),
        ("Bitte den Zuschuss auf {iban} überweisen.", "end"),
        ("Rückfragen gern unter {phone} oder {email}.", "end"),
        ("Hallo, hier schreibt {person}.", "start"),
    ],
}

# The organised campaign: one template letter against the low-emission zone, in French,
# sent ~40 times with small edits. Each slot lists interchangeable variants; None = left out.
CAMPAIGN_SALUTATIONS = ["Madame, Monsieur,", "Mesdames et Messieurs les élus,", "Madame la Bourgmestre,",
                        "Bonjour,", None]
CAMPAIGN_BODY = [
    ["Je vous écris en tant qu'habitant de Rivermouth pour m'opposer fermement à la zone de basses émissions (ZBE) prévue dans le plan climat.",
     "Je vous écris en tant qu'habitante de Rivermouth pour m'opposer fermement à la zone de basses émissions (ZBE) prévue dans le plan climat.",
     "Par la présente, je m'oppose fermement à la zone de basses émissions (ZBE) prévue dans le plan climat de Rivermouth."],
    ["Cette mesure pénalise les ménages modestes qui n'ont pas les moyens de changer de voiture, les artisans et les personnes âgées qui dépendent de leur véhicule.",
     "Cette mesure pénalise les ménages modestes qui n'ont pas les moyens de changer de véhicule, les artisans et les personnes âgées qui dépendent de leur voiture."],
    ["Avant d'interdire, la Ville doit d'abord proposer des transports en commun fiables et des aides réelles.",
     "Avant d'interdire quoi que ce soit, la Ville doit d'abord proposer des transports en commun fiables et des aides réelles."],
    ["Je demande le retrait de la ZBE ou, au minimum, un report de cinq ans et des dérogations pour les petits revenus.",
     "Je demande le retrait pur et simple de la ZBE ou, au minimum, un report de cinq ans et des dérogations pour les petits revenus.",
     "Je demande le retrait de la ZBE, ou au moins un report de cinq ans avec des dérogations pour les petits revenus."],
]
CAMPAIGN_PERSONAL = [
    "J'ai 67 ans et ma voiture a 14 ans.", "Je suis infirmière à domicile et je roule en diesel.",
    "Nous habitons Northfield, le bus passe toutes les 40 minutes.", "Mon fils est artisan, sa camionnette sera interdite.",
    "Je n'ai pas 20 000 euros pour une voiture électrique.", None, None, None, None,
]
CAMPAIGN_CLOSINGS = ["Veuillez agréer mes salutations distinguées.", "Cordialement,", "Salutations distinguées,",
                     "Merci de m'entendre.", "Dans l'attente de votre réponse, cordialement,"]
CAMPAIGN_SIGNERS = ["Michel Durand", "Françoise Leroy", "Patrick Morel", "Monique Fournier", "Alain Mercier",
                    "Sylvie Blanc", "Bernard Garnier", "Chantal Faure", "Gérard Rousseau", "Isabelle Chevalier",
                    "Didier Perrin", "Martine Robin", "Philippe Masson", "Brigitte Henry", "Daniel Gauthier",
                    "Josiane Muller", "Christian Lemoine", "Danielle Renard", "Jacques Picard", "Nicole Aubert",
                    "Thierry Colin", "Véronique Caron", "Serge Lucas", "Odile Brun"]
CAMPAIGN_ANON_SIGNOFFS = ["Un habitant de Northfield", "Une riveraine inquiète", "Un automobiliste en colère", None]

JUNK_TEXTS = ["asdfgh", "!!!", "test", "https://www.rivermouth.example/climat", "", "   ", "...", "qwerty",
              "ok", "?????", "x"]

# Code-switching comments: language = the dominant one (what the form recorded).
MIXED_LANGUAGE = [
    ("nl", "car_traffic", "oppose", "Die LEZ is echt n'importe quoi, sorry maar met mijn oude auto kan ik straks nergens meer naartoe."),
    ("fr", "cycling", "mixed", "Le bike sharing c'est cool mais les vélos sont toujours cassés, franchement c'est du fake progress."),
    ("de", "green_spaces", "mixed", "Die Idee mit den Pocket Parks ist nice, aber bitte auch an die Pflege denken, sonst ist da in zwei Jahren wieder ein Parkplatz. Just saying."),
    ("en", "youth_participation", "neutral", "Great consultation overall, mais il faut traduire les documents en français et en néerlandais aussi, not everyone reads English!"),
    ("nl", "solar_energy", "mixed", "Goed plan voor de zonnepanelen, mais la coopérative doit être ouverte aux locataires aussi, anders profiteren alleen de eigenaars."),
    ("de", "cycling", "support", "Bitte endlich die Radwege in Eastgate bauen, wir warten seit Jahren. Thanks!"),
    ("fr", "renovation", "oppose", "Les heat pumps c'est bien beau mais à 12 000 balles l'installation, qui peut se le permettre ? Pas moi."),
    ("en", "youth_participation", "support", "The parents at our school all say the same: schoolstraat please, like they have in Ghent. Kids first."),
]


def campaign_letter(rng: random.Random, signers: list[str]) -> tuple[str, list[tuple[str, str]]]:
    """One near-identical campaign letter and the PII (kind, value) it carries.

    `signers` is consumed: each signed letter takes the next name, so names are not reused.
    """
    lines: list[str] = []
    salutation = rng.choice(CAMPAIGN_SALUTATIONS)
    if salutation:
        lines.append(salutation)
    body = [rng.choice(variants) for variants in CAMPAIGN_BODY]
    personal = rng.choice(CAMPAIGN_PERSONAL)
    if personal:
        body.insert(rng.choice([1, 3]), personal)
    lines.append(" ".join(body))
    closing = rng.choice(CAMPAIGN_CLOSINGS)
    pii: list[tuple[str, str]] = []
    signer = signers.pop(0) if signers and rng.random() < 0.65 else None
    if signer:
        pii.append(("person", signer))
        lines.append(f"{closing}\n{signer}")
    else:
        anon = rng.choice(CAMPAIGN_ANON_SIGNOFFS)
        lines.append(f"{closing}\n{anon}" if anon else closing)
    return "\n\n".join(lines), pii
