"""Function words (articles, pronouns, auxiliaries, prepositions) for en/fr/de/nl.

Hand-picked rather than taken from a stop-word package: those lists also drop content words that matter for
grounding ("million", "year", "new", "adopted"), which would let unsupported claims through.
Compared after lowercasing and accent folding, so accents are left out here.
"""
from __future__ import annotations

_EN = """a an the and or but nor so yet if then than that this these those there here it its it's is are was were be
been being am do does did doing done have has had having will would shall should can could may might must not no
of to in on at by for from with without into onto about over under between among through during before after
above below up down out off as such also too very more most much many some any each every all both either neither
other another same own only just even i me my we us our you your he him his she her they them their what which
who whom whose when where why how because while although though whether per via within upon again further once
yes one ones s t""".split()

_FR = """le la les l un une des du de d et ou mais donc or ni car que qu qui quoi dont ou où ce cet cette ces ceci
cela ça c il ils elle elles on nous vous je j tu me m te t se s lui leur leurs son sa ses mon ma mes ton ta tes
notre nos votre vos y en au aux a à dans par pour sur sous avec sans entre vers chez est sont était étaient être
été sera seront serait ai as avons avez ont avait avaient avoir eu fait faire plus moins très aussi ne pas
non si comme tout tous toute toutes même autre autres chaque quel quelle quels quelles lors ainsi afin dont
selon depuis pendant avant après""".split()

_DE = """der die das den dem des ein eine einer eines einem einen und oder aber doch sondern denn dass daß wenn
weil ob als wie so auch nur noch schon sehr mehr nicht kein keine keinen keiner ich du er sie es wir ihr ihm
ihn ihnen ihre ihrer ihren ihrem sein seine seiner seinen seinem mein meine unser unsere euer dieser diese dieses
diesen diesem jener jene man sich mit von zu zum zur bei aus nach vor über unter zwischen durch für gegen ohne um
an am im in auf ist sind war waren sein wird werden wurde wurden worden hat haben hatte hatten habe kann können
soll sollen muss müssen darf wollen will alle allen aller jede jeder jedes bis seit während dabei damit""".split()

_NL = """de het een en of maar want dus dat die dit deze daar hier er ik je jij u hij zij ze wij we jullie hun hen
haar zijn mijn ons onze uw van te in op aan met voor door over onder tussen naar bij uit tot om tegen zonder
is was waren ben bent wordt worden werd werden heeft hebben had hadden kan kunnen zal zullen moet moeten mag
niet geen ook nog al wel zo als dan toch meer veel alle elke ieder iets niets wat wie waar wanneer hoe omdat
terwijl sinds tijdens na""".split()

FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(_EN), "fr": frozenset(_FR), "de": frozenset(_DE), "nl": frozenset(_NL),
}
ALL_FUNCTION_WORDS: frozenset[str] = frozenset().union(*FUNCTION_WORDS.values())
