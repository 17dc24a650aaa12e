"""German comment fragments (same layout as phrases_en; written, not translated)."""

OPENERS = [
    "Guten Tag,",
    "Danke für die Möglichkeit zur Beteiligung.",
    "Ich wohne seit 30 Jahren in Rivermouth.",
    "Als Mutter von zwei Kindern:",
    "Kurz meine Meinung.",
    "Ich habe den Entwurf des Klimaplans gelesen.",
    "Ehrlich gesagt bin ich ziemlich frustriert.",
    "Als Handwerker im Stadtteil möchte ich Folgendes sagen.",
    "Hallo zusammen,",
    "Als Rentnerin sehe ich das so:",
    "Ich studiere hier und wohne in einer WG.",
    "Schön, dass wir mitreden dürfen.",
]

CLOSERS = [
    "Vielen Dank.",
    "Mit freundlichen Grüßen.",
    "Viele Grüße.",
    "Ich hoffe, die Beiträge werden wirklich gelesen.",
    "Bitte nicht wieder ein Plan für die Schublade.",
    "Ich bin gespannt auf die Umsetzung.",
    "Beste Grüße.",
    "Danke fürs Lesen.",
]

BRIDGES = [
    "Aber es gibt einen Haken.",
    "Allerdings habe ich auch Bedenken.",
    "Eine Sache stört mich jedoch.",
    "Andererseits:",
]

THEMES = {
    "cycling": {
        "support": [
            "Ich finde die geschützten Radwege super, endlich traue ich mich mit den Kindern aufs Rad.",
            "Wir brauchen viel mehr sichere Fahrradstellplätze, mein Rad wurde am Bahnhof zweimal geklaut.",
            "Der Radweg am Fluss ist klasse und sollte bis nach {district} verlängert werden.",
            "Mehr Radwege bitte! Dann fahre ich jeden Tag mit dem Rad zur Arbeit.",
        ],
        "oppose": [
            "Seit den neuen Radwegen steht der Verkehr auf der Hauptstraße jeden Tag im Stau.",
            "Es fließt viel zu viel Geld in Radwege, die das halbe Jahr leer sind.",
            "Parkplätze für Fahrradbügel zu streichen, ruiniert die kleinen Läden.",
            "Radfahrer fahren über Rot und auf dem Gehweg, warum sollen sie noch mehr Platz bekommen?",
        ],
        "neutral": [
            "Werden die Radwege im Winter geräumt und gestreut?",
            "Wann kommt das Radnetz nach {district}?",
            "Gibt es auch Stellplätze für Lastenräder?",
            "Wie wollen Sie verhindern, dass Lieferwagen auf dem Radweg parken?",
        ],
        "detail": [
            "Die Kreuzung an der alten Brücke ist für Radfahrer lebensgefährlich.",
            "Schulkinder müssen sich die Straße mit Lkw teilen.",
            "Fahrradgaragen in Wohnstraßen würden Leuten in Mietwohnungen sehr helfen.",
            "Auch viele ältere Menschen fahren inzwischen E-Bike.",
        ],
        "short": [
            ("support", "Mehr Radwege bitte!"),
            ("neutral", "Fahrradparkhaus am Bahnhof?"),
            ("oppose", "Schluss mit den Radwegen."),
        ],
    },
    "public_transport": {
        "support": [
            "Günstigere Bustickets und ich lasse mein Auto ab morgen stehen.",
            "Die Straßenbahn nach Northfield ist längst überfällig, bitte nicht noch einmal verschieben.",
            "Kostenloser Nahverkehr für unter 18-Jährige ist eine tolle Idee.",
            "Ein Bus alle 7 Minuten würde für Menschen ohne Auto alles ändern.",
        ],
        "oppose": [
            "Die Busse sind ständig verspätet und überfüllt, also nein, ich gebe mein Auto nicht auf.",
            "Hunderte Millionen für eine Straßenbahn, während die Busse nicht einmal funktionieren, ist Verschwendung.",
            "Die Fahrpreise sind dieses Jahr schon wieder gestiegen, das ist das Gegenteil von Klimaschutz.",
            "Der Nahverkehr in {district} ist ein Witz, und dieser Plan ändert daran nichts.",
        ],
        "neutral": [
            "Ändert sich der Preis der Monatskarte, wenn die Straßenbahn fährt?",
            "Bekommen Senioren auch ermäßigte Tickets?",
            "Wie wird die Taktung der Busse gemessen und veröffentlicht?",
            "Was passiert mit den Buslinien während der Bauarbeiten für die Straßenbahn?",
        ],
        "detail": [
            "Der letzte Bus aus der Innenstadt fährt viel zu früh.",
            "Ich brauche mit zwei Bussen fast eine Stunde zur Arbeit.",
            "Die Anzeigetafeln an den Haltestellen stimmen oft nicht.",
            "Viele Haltestellen haben weder Dach noch Sitzbank.",
        ],
        "short": [
            ("support", "Billigere Busse = weniger Autos."),
            ("oppose", "Busse nie pünktlich."),
            ("neutral", "Werden die Preise wieder erhöht?"),
        ],
    },
    "renovation": {
        "support": [
            "Der Zuschuss für die Dämmung ist super, wir haben letztes Jahr das Dach gedämmt und die Heizkosten sind deutlich gesunken.",
            "Die Förderung für Wärmepumpen könnte höher sein, aber gut, dass die Stadt sie vorantreibt.",
            "Eine zentrale Anlaufstelle für Sanierung ist genau das, was Eigentümer brauchen.",
            "Vermieter müssen zur Dämmung verpflichtet werden, Mieter frieren in schlecht gebauten Wohnungen.",
        ],
        "oppose": [
            "Eine Wärmepumpe kann ich mir nicht leisten, selbst mit Förderung kostet sie über 10.000 Euro.",
            "Die Sanierungspflicht wird die Mieten für alle in die Höhe treiben.",
            "Unser Haus steht unter Denkmalschutz, wir dürfen nicht einmal die Fenster tauschen.",
            "Der Förderantrag ist ein bürokratischer Albtraum, ich habe nach drei Monaten aufgegeben.",
        ],
        "neutral": [
            "Gilt die Wärmepumpenförderung auch für Wohnungen mit Zentralheizung im Haus?",
            "Wer kontrolliert die Qualität der geförderten Sanierungsarbeiten?",
            "Können auch Mieter einen Zuschuss für Dämmung beantragen?",
            "Wie lange dauert es, bis der Zuschuss ausgezahlt wird?",
        ],
        "detail": [
            "Unsere Gasrechnung hat sich in zwei Jahren verdoppelt.",
            "Es gibt zu wenige Installateure, die Wartezeiten sind enorm.",
            "Viele Häuser in {district} sind vor 1960 gebaut und gar nicht gedämmt.",
            "Ältere Eigentümer haben zwar das Haus, aber kein Geld für die Sanierung.",
        ],
        "short": [
            ("support", "Höhere Förderung für Wärmepumpen!"),
            ("oppose", "Wärmepumpen viel zu teuer."),
            ("neutral", "Dämmzuschuss auch für Mieter?"),
        ],
    },
    "green_spaces": {
        "support": [
            "Pflanzen Sie überall Bäume, im Sommer sind die Straßen unerträglich heiß.",
            "Die Idee mit den Pocket-Parks finde ich toll, in unserer Straße gibt es kein bisschen Grün.",
            "Entsiegeln Sie die Schulhöfe und machen Sie grüne Oasen daraus.",
            "Mehr Schatten und Trinkbrunnen in den Parks, damit ältere Menschen Hitzewellen überstehen.",
        ],
        "oppose": [
            "Die neuen Bäume nehmen uns das Licht und das Laub verstopft die Dachrinne.",
            "Die Stadt hat letztes Jahr gesunde Bäume für einen Parkplatz gefällt, also glaube ich diesem Plan nicht.",
            "Geld für Blumenbeete, während die Straßen voller Schlaglöcher sind? Nein danke.",
        ],
        "neutral": [
            "Wer gießt die jungen Bäume in trockenen Sommern?",
            "Gibt es eine Karte, wo die 25.000 Bäume gepflanzt werden?",
            "Können Anwohner eine Baumscheibe vor ihrem Haus übernehmen?",
            "Sind kühle Räume für Hitzewellen geplant?",
        ],
        "detail": [
            "Letzten Juli hatten wir 38 Grad in unserer Straße und nirgends Schatten.",
            "Der betonierte Platz am Markt wird im Sommer zum Backofen.",
            "Kinder brauchen Grünflächen in Laufweite.",
            "Begrünte Dächer auf den Bushäuschen wären schön.",
        ],
        "short": [
            ("support", "Mehr Bäume, weniger Beton."),
            ("oppose", "Erst Straßen reparieren, dann Blumen."),
            ("support", "Schatten auf den Spielplätzen bitte."),
        ],
    },
    "car_traffic": {
        "support": [
            "Die Umweltzone ist notwendig, die Luft am Ring ist furchtbar.",
            "Gut, dass Parkplätze reduziert werden, die Straße gehört den Menschen.",
            "Machen Sie die Altstadt autofrei, dann wird sie viel lebenswerter.",
            "Tempo 30 in allen Wohngebieten rettet Leben.",
        ],
        "oppose": [
            "Die Umweltzone bestraft Leute, die sich kein neues Auto leisten können.",
            "Ich brauche mein Auto für die Arbeit und aus {district} gibt es keine Alternative.",
            "Parkplätze abzuschaffen macht die Geschäfte in der Innenstadt kaputt.",
            "Anwohnerparkausweise werden viel zu teuer.",
            "Die Umweltzone ist doch nur Abzocke mit Bußgeldern.",
        ],
        "neutral": [
            "Gibt es Ausnahmen von der Umweltzone für Menschen mit Behinderung?",
            "Welche Autos genau dürfen ab 2027 nicht mehr in die Zone?",
            "Was kostet der Anwohnerparkausweis nächstes Jahr?",
            "Gibt es Park-and-Ride-Plätze, bevor die Umweltzone startet?",
        ],
        "detail": [
            "Unser Diesel von 2012 läuft einwandfrei und wir können keinen neuen kaufen.",
            "Der Schleichverkehr durch unsere Wohnstraße hat sich seit der Baustelle verdoppelt.",
            "Lieferwagen parken den ganzen Tag in zweiter Reihe.",
            "Jeden Morgen verursachen die Elterntaxis vor der Schule Stau.",
        ],
        "short": [
            ("oppose", "Nein zur Umweltzone!"),
            ("support", "Autofreie Altstadt, ja!"),
            ("neutral", "Ausnahmen für Pflegekräfte?"),
        ],
    },
    "energy_poverty": {
        "support": [
            "Der Energie-Hilfsfonds ist lebenswichtig, viele Nachbarn können ihre Wohnung nicht mehr heizen.",
            "Kostenlose Energieberatung für Haushalte mit wenig Geld ist eine sehr gute Idee.",
            "Klimaschutz muss zuerst die Ärmsten schützen, gut, dass der Plan das sagt.",
        ],
        "oppose": [
            "All diese grünen Maßnahmen machen das Leben teurer für die, die schon kämpfen.",
            "Ich bin alleinerziehend und kann nicht noch mehr Steuern für Ihren Klimaplan zahlen.",
            "Der Plan redet von Solidarität, aber der Fonds ist ein Tropfen auf den heißen Stein.",
        ],
        "neutral": [
            "Wer hat Anspruch auf den Energie-Hilfsfonds und wie beantragt man ihn?",
            "Gibt es Hilfe für Menschen mit Prepaid-Stromzähler?",
            "Wie viele Haushalte in Rivermouth leben in Energiearmut?",
            "Kommt der Energiecoach auch zu mir nach Hause?",
        ],
        "detail": [
            "Unsere Energierechnung ist inzwischen höher als das Budget für Lebensmittel.",
            "Im Winter heize ich nur noch ein Zimmer.",
            "Rentner in {district} haben es diesen Winter wirklich schwer.",
            "Lebensmittel und Energie sind gleichzeitig teurer geworden.",
        ],
        "short": [
            ("neutral", "Wie beantrage ich Energiehilfe?"),
            ("oppose", "Das Leben ist schon zu teuer."),
            ("support", "Zuerst den Armen helfen."),
        ],
    },
    "solar_energy": {
        "support": [
            "Solaranlagen auf jede Schule und jedes öffentliche Gebäude, die Dächer liegen brach.",
            "Ich würde gern Anteile an einer lokalen Energiegenossenschaft kaufen.",
            "Der Solarzuschuss hat uns überzeugt, wir haben im Frühjahr 12 Module installiert.",
            "Überdachen Sie die großen Parkplätze mit Solarmodulen.",
        ],
        "oppose": [
            "Solarmodule auf den historischen Dächern der Altstadt würden das Stadtbild ruinieren.",
            "Der Solarzuschuss hilft nur denen, die schon ein Haus besitzen.",
            "Windräder am Hafen wären hässlich und laut.",
        ],
        "neutral": [
            "Können Mieter der Energiegenossenschaft beitreten?",
            "Wie hoch ist der Solarzuschuss pro Kilowatt Peak?",
            "Sind Balkonkraftwerke in Mietwohnungen erlaubt?",
            "Wem gehört der Strom von den städtischen Dächern?",
        ],
        "detail": [
            "Unser Dach zeigt genau nach Süden.",
            "Der Installateur sagt, der Netzanschluss dauert Monate.",
            "Der Ertrag der Dächer könnte das Stadtteilzentrum mitfinanzieren.",
            "Die Anlage der Nachbarn erzeugt im Sommer mehr, als sie verbrauchen.",
        ],
        "short": [
            ("support", "Solar auf alle Schuldächer!"),
            ("neutral", "Balkonkraftwerk erlaubt?"),
            ("oppose", "Keine Windräder am Hafen."),
        ],
    },
    "waste": {
        "support": [
            "Die Biotonne ist ein guter Schritt, unser Komposteimer ist in einer Woche voll.",
            "Bitte mehr Mülleimer zum Trennen auf der Straße, die sind immer übervoll.",
            "Repair-Cafés sind großartig, ich habe dort letzten Monat meinen Toaster reparieren lassen.",
            "Ein Pfandsystem für Dosen und Flaschen würde die Parks sauber halten.",
        ],
        "oppose": [
            "Abholung nur alle zwei Wochen ist im Sommer eklig, es stinkt.",
            "Bezahlen nach Gewicht führt nur zu mehr wildem Müll.",
            "Der Wertstoffhof in Eastgate ist für Leute ohne Auto zu weit weg.",
        ],
        "neutral": [
            "Bekommt jeder Haushalt einen kostenlosen Komposter?",
            "Wann startet die Biotonne in {district}?",
            "Was passiert mit dem Plastik, das wir trennen, wird es wirklich recycelt?",
        ],
        "detail": [
            "Überquellende Mülleimer locken Ratten und Möwen am Hafen an.",
            "In unserem Haus ist kein Platz für zusätzliche Tonnen.",
            "Nach Umzügen stehen überall Möbel auf dem Gehweg.",
            "Studierende werfen am Semesterende gute Sachen weg.",
        ],
        "short": [
            ("support", "Komposter für alle!"),
            ("oppose", "Wöchentliche Abholung bitte."),
            ("neutral", "Wann kommt die Biotonne?"),
        ],
    },
    "flooding": {
        "support": [
            "Die Deiche in Riverside zu erhöhen ist dringend, wir hatten 2021 Hochwasser im Haus.",
            "Ich unterstütze das Rückhaltebecken, lieber das als wieder Wasser im Keller.",
            "Regengärten und Schwammstadt sind klug und günstig.",
        ],
        "oppose": [
            "Die neue Hochwassermauer nimmt uns den Blick auf den Fluss und teilt die Stadt.",
            "Ein Rückhaltebecken auf den Wiesen von Hillcrest zerstört ein schönes Naherholungsgebiet.",
            "Millionen für Deiche, während die Gullys in unserer Straße das ganze Jahr verstopft sind.",
        ],
        "neutral": [
            "Bekommen Hausbesitzer Hilfe, um ihr Haus hochwassersicher zu machen?",
            "Wann beginnen die Arbeiten am Hochwasserschutz?",
            "Gibt es ein Frühwarnsystem bei Hochwasser?",
        ],
        "detail": [
            "Unsere Straße in {district} stand in drei Jahren zweimal unter Wasser.",
            "Unsere Versicherungsprämie hat sich nach dem letzten Hochwasser verdreifacht.",
            "Bei Starkregen laufen die Kanäle in Minuten über.",
        ],
        "short": [
            ("support", "Schützt Riverside vor Hochwasser!"),
            ("neutral", "Hochwasserwarnung per SMS?"),
        ],
    },
    "youth_participation": {
        "support": [
            "Junge Leute müssen wirklich mitreden dürfen, der Jugendklimarat ist eine gute Idee.",
            "Schulstraßen, die morgens für Autos gesperrt sind, sind toll, unsere Schule hat eine.",
            "Klimaunterricht an jeder Schule bitte, wir lernen darüber gar nichts.",
            "Ein Bürgerrat mit ausgelosten Einwohnern ist ein guter Weg, alle einzubeziehen.",
        ],
        "oppose": [
            "Diese Beteiligung ist doch nur Show, alles ist längst entschieden.",
            "Niemand fragt die Jugendlichen, die Treffen sind während der Schulzeit.",
            "Ein ausgeloster Bürgerrat hat keine demokratische Legitimation.",
        ],
        "neutral": [
            "Wie können Jugendliche beim Klimarat mitmachen?",
            "Werden die Ergebnisse dieser Befragung veröffentlicht?",
            "Gibt es ein Budget für Klimaprojekte von Schulen?",
        ],
        "detail": [
            "Wir haben an der Schule fürs Klima gestreikt und die Stadt hat unseren Brief nie beantwortet.",
            "Unser Schulhof liegt direkt an einer stark befahrenen Straße.",
            "Treffen sollten auch abends und online stattfinden.",
            "Viele Jugendliche in {district} haben das Gefühl, dass niemand zuhört.",
        ],
        "short": [
            ("support", "Hört auf die Jugend!"),
            ("oppose", "Diese Umfrage bringt nichts."),
        ],
    },
}

HANDWRITTEN = [
    ("cycling", "mixed", "Ich fahre jeden Tag von Hillcrest in die Stadt. Der neue Radweg auf der Brücke ist super, aber am Kreisverkehr hört er einfach auf und man steht zwischen den Bussen. Bitte zu Ende bauen!"),
    ("public_transport", "oppose", "bus 14 ist diese woche 3 mal ausgefallen. DREI mal. und ich soll das auto stehen lassen? erstmal die basics"),
    ("renovation", "support", "Wir sind ein Rentnerehepaar. Mit dem Dämmzuschuss und der Sanierungsberatung haben wir endlich Dach und Fenster gemacht. Zum ersten Mal seit 30 Jahren ist das Haus warm. Bitte weitermachen und die Formulare einfacher machen für Leute, die nicht so fit am Computer sind."),
    ("car_traffic", "oppose", "Ich bin Installateur. Mein Transporter ist 9 Jahre alt und läuft gut. Wenn die Umweltzone ihn verbietet, bin ich meinen Betrieb los. An Handwerker hat keiner gedacht."),
    ("green_spaces", "support", "bäume bäume bäume. null bäume in unserer straße. sommer = backofen"),
    ("flooding", "neutral", "Wir haben 2019 in Riverside gekauft und niemand hat uns vom Hochwasserrisiko erzählt. Veröffentlicht die Stadt Hochwasserkarten pro Straße? Und was bedeutet das für die Versicherung?"),
    ("youth_participation", "support", "ich bin 16 und mir ist das echt wichtig. bitte jugendliche in den klimarat, es ist unsere zukunft"),
    ("energy_poverty", "mixed", "Schöner Plan auf dem Papier. Ich zahle 180 Euro im Monat fürs Heizen und meine Rente steigt nicht. Ich bin für Klimaschutz, aber nicht, wenn die Armen dafür zahlen."),
    ("waste", "oppose", "die neuen tonnen sind viel zu klein für eine familie mit drei kindern und der abholtag wurde ohne info geändert. die straße sieht aus wie eine müllkippe"),
    ("solar_energy", "support", "Warum ist auf der Sporthalle in Northfield immer noch keine Solaranlage? Riesiges Flachdach, volle Sonne. Einfacher geht es nicht."),
]
