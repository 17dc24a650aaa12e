"""Dutch comment fragments (same layout as phrases_en; written, not translated)."""

OPENERS = [
    "Goedendag,",
    "Bedankt voor deze inspraakronde.",
    "Ik woon al 25 jaar in Rivermouth.",
    "Als vader van twee kinderen:",
    "Even kort mijn mening.",
    "Ik heb het ontwerp-klimaatplan gelezen.",
    "Eerlijk gezegd ben ik het beu.",
    "Als zelfstandige in het centrum wil ik dit kwijt.",
    "Hallo,",
    "Mijn reactie als gepensioneerde:",
    "Ik ben student en huur een kamer.",
    "Fijn dat we mogen meedenken.",
]

CLOSERS = [
    "Alvast bedankt.",
    "Met vriendelijke groet.",
    "Groetjes.",
    "Ik hoop dat er echt iets met onze reacties gebeurt.",
    "Succes ermee.",
    "Doe er iets mee aub.",
    "Ik denk graag verder mee.",
    "Niet nog een plan dat in de la verdwijnt graag.",
]

BRIDGES = [
    "Maar er is een probleem.",
    "Toch heb ik ook twijfels.",
    "Wel maak ik me zorgen over iets.",
    "Aan de andere kant:",
]

THEMES = {
    "cycling": {
        "support": [
            "Ik ben heel blij met de vrijliggende fietspaden, eindelijk durf ik met de kinderen te fietsen.",
            "Er moeten veel meer bewaakte fietsenstallingen komen, mijn fiets is al twee keer gestolen bij het station.",
            "Het fietspad langs de rivier is top, trek het door tot in {district}.",
            "Meer fietspaden graag! Dan fiets ik elke dag naar mijn werk.",
            "Fietsstraten waar de auto te gast is, daar word ik blij van.",
        ],
        "oppose": [
            "Door de nieuwe fietspaden staat het verkeer op de hoofdweg elke dag vast.",
            "Er gaat veel te veel geld naar fietspaden die de helft van het jaar leeg zijn.",
            "Parkeerplaatsen schrappen voor fietsenrekken is de doodsteek voor de winkels.",
            "Fietsers rijden door rood en over de stoep, waarom krijgen ze nog meer ruimte?",
        ],
        "neutral": [
            "Worden de fietspaden in de winter ook gestrooid en sneeuwvrij gemaakt?",
            "Wanneer komt het fietsnetwerk naar {district}?",
            "Komen er ook parkeerplekken voor bakfietsen?",
            "Hoe gaan jullie voorkomen dat busjes op het fietspad parkeren?",
        ],
        "detail": [
            "Het kruispunt bij de oude brug is levensgevaarlijk voor fietsers.",
            "Schoolkinderen fietsen daar tussen de vrachtwagens.",
            "Fietstrommels in de straat zouden mensen in appartementen enorm helpen.",
            "Ook veel ouderen rijden nu op een e-bike.",
        ],
        "short": [
            ("support", "Meer fietspaden aub!"),
            ("neutral", "Fietsenstalling aan het station?"),
            ("oppose", "Genoeg fietspaden nu."),
        ],
    },
    "public_transport": {
        "support": [
            "Goedkopere buskaartjes en ik laat mijn auto morgen staan.",
            "De tramverlenging naar Northfield is hard nodig, stel het niet nog eens uit.",
            "Gratis openbaar vervoer voor jongeren onder de 18, wat een goed idee.",
            "Elke 7 minuten een bus zou alles veranderen voor mensen zonder auto.",
        ],
        "oppose": [
            "De bussen zijn altijd te laat en overvol, dus nee, ik laat mijn auto niet staan.",
            "Honderden miljoenen voor een tram terwijl de bussen nu al niet werken, zonde van het geld.",
            "Het ticket is dit jaar weer duurder geworden, dat is het tegenovergestelde van klimaatbeleid.",
            "Het openbaar vervoer in {district} is een lachertje en dit plan verandert daar niets aan.",
        ],
        "neutral": [
            "Verandert de prijs van het maandabonnement als de tram rijdt?",
            "Krijgen 65-plussers ook korting?",
            "Hoe wordt de frequentie van de bussen gemeten en gepubliceerd?",
            "Wat gebeurt er met de buslijnen tijdens de werken aan de tram?",
        ],
        "detail": [
            "De laatste bus uit het centrum vertrekt veel te vroeg.",
            "Ik doe bijna een uur over twee bussen naar mijn werk.",
            "De informatieborden bij de haltes kloppen vaak niet.",
            "Veel haltes hebben geen wachthokje en geen bankje.",
        ],
        "short": [
            ("support", "Goedkopere bus = minder auto's."),
            ("oppose", "Bus is nooit op tijd."),
            ("neutral", "Gaan de tarieven weer omhoog?"),
        ],
    },
    "renovation": {
        "support": [
            "De isolatiepremie is super, wij hebben vorig jaar het dak geïsoleerd en de energierekening is flink gedaald.",
            "De subsidie voor warmtepompen mag hoger, maar goed dat de stad het stimuleert.",
            "Eén loket voor renovatie is precies wat huiseigenaren nodig hebben.",
            "Verplicht verhuurders om te isoleren, huurders zitten in de kou in tochtige woningen.",
        ],
        "oppose": [
            "Een warmtepomp kan ik niet betalen, zelfs met subsidie kost het meer dan 10.000 euro.",
            "Door die renovatieplicht gaan de huren voor iedereen omhoog.",
            "Warmtepompen maken lawaai en werken slecht in oude huizen.",
            "De subsidieaanvraag is een bureaucratische nachtmerrie, ik ben na drie maanden gestopt.",
        ],
        "neutral": [
            "Geldt de warmtepompsubsidie ook voor appartementen met een collectieve ketel?",
            "Wie controleert de kwaliteit van de werken die met subsidie betaald worden?",
            "Kunnen huurders ook een isolatiepremie aanvragen?",
            "Hoe lang duurt het voor de premie wordt uitbetaald?",
        ],
        "detail": [
            "Onze gasrekening is in twee jaar verdubbeld.",
            "Er zijn te weinig installateurs, de wachttijden zijn maanden.",
            "Veel huizen in {district} zijn van voor 1960 en hebben geen enkele isolatie.",
            "Oudere eigenaars hebben wel een huis maar geen spaargeld voor een verbouwing.",
        ],
        "short": [
            ("support", "Hogere warmtepompsubsidie graag!"),
            ("oppose", "Warmtepomp veel te duur."),
            ("neutral", "Premie ook voor huurders?"),
        ],
    },
    "green_spaces": {
        "support": [
            "Plant overal bomen, in de zomer zijn de straten niet te harden.",
            "Die pocketparken vind ik een prachtig idee, onze straat heeft geen sprietje groen.",
            "Haal de tegels uit de schoolpleinen en maak er groene speelplaatsen van.",
            "Meer schaduw en drinkfonteinen in de parken, voor ouderen tijdens hittegolven.",
        ],
        "oppose": [
            "De nieuwe bomen nemen al het licht weg en de bladeren verstoppen de dakgoot.",
            "De stad heeft vorig jaar gezonde bomen gekapt voor een parking, dus ik geloof er niks van.",
            "Geld voor bloembakken terwijl de wegen vol putten liggen? Nee bedankt.",
        ],
        "neutral": [
            "Wie geeft de jonge bomen water in droge zomers?",
            "Komt er een kaart van waar de 25.000 bomen geplant worden?",
            "Mogen bewoners een boomspiegel voor hun huis adopteren?",
            "Komen er koele plekken tijdens hittegolven?",
        ],
        "detail": [
            "Afgelopen juli was het 38 graden in onze straat en nergens schaduw.",
            "Het versteende plein bij de markt is in de zomer een oven.",
            "Kinderen hebben groen nodig op loopafstand.",
            "Groene daken op de bushokjes zouden mooi zijn.",
        ],
        "short": [
            ("support", "Meer bomen, minder beton."),
            ("oppose", "Eerst de wegen maken, dan bloemen."),
            ("support", "Schaduw op de speelpleinen aub."),
        ],
    },
    "car_traffic": {
        "support": [
            "De lage-emissiezone is nodig, de lucht langs de ring is smerig.",
            "Goed dat er minder parkeerplaatsen op straat komen, de straat is van de mensen.",
            "Maak de oude binnenstad autovrij, dan wordt het er veel gezelliger.",
            "Overal 30 km/u in woonwijken, het redt levens.",
        ],
        "oppose": [
            "De LEZ straft mensen die geen nieuwe auto kunnen betalen.",
            "Ik heb mijn auto nodig voor mijn werk en vanuit {district} is er geen alternatief.",
            "Parkeerplaatsen schrappen is de dood voor de winkels in het centrum.",
            "Een bewonersvergunning wordt onbetaalbaar.",
            "De LEZ is gewoon een manier om boetes te innen.",
        ],
        "neutral": [
            "Komen er uitzonderingen op de LEZ voor mensen met een handicap?",
            "Welke auto's mogen vanaf 2027 precies niet meer binnen?",
            "Wat gaat een bewonersvergunning volgend jaar kosten?",
            "Komen er P+R-terreinen voordat de LEZ ingaat?",
        ],
        "detail": [
            "Onze diesel uit 2012 rijdt nog prima en we kunnen geen nieuwe betalen.",
            "Het sluipverkeer door onze straat is verdubbeld sinds de werken.",
            "Bestelbusjes staan de hele dag dubbel geparkeerd.",
            "Elke ochtend staat alles vast door het halen en brengen bij de school.",
        ],
        "short": [
            ("oppose", "Nee tegen de LEZ!"),
            ("support", "Autovrije binnenstad, ja!"),
            ("neutral", "LEZ-uitzondering voor mantelzorgers?"),
        ],
    },
    "energy_poverty": {
        "support": [
            "Het energiefonds is broodnodig, veel buren kunnen hun huis niet meer verwarmen.",
            "Gratis energiescans voor gezinnen met een laag inkomen, heel goed.",
            "Klimaatmaatregelen moeten eerst de armste mensen beschermen, fijn dat het plan dat zegt.",
            "De energiecoach heeft mijn moeder echt geholpen, blijf die financieren.",
        ],
        "oppose": [
            "Al die groene maatregelen maken het leven duurder voor wie het al moeilijk heeft.",
            "Ik ben alleenstaande moeder en kan niet nog meer belasting betalen voor jullie klimaatplan.",
            "Het plan heeft het over solidariteit maar het fonds is een druppel op een hete plaat.",
        ],
        "neutral": [
            "Wie komt in aanmerking voor het energiefonds en hoe vraag je het aan?",
            "Is er hulp voor mensen met een budgetmeter?",
            "Hoeveel huishoudens in Rivermouth leven in energiearmoede?",
            "Kan de energiecoach bij mij thuis langskomen?",
        ],
        "detail": [
            "Onze energierekening is hoger dan ons boodschappenbudget.",
            "In de winter verwarm ik maar één kamer.",
            "Gepensioneerden in {district} hebben het deze winter echt zwaar.",
            "Boodschappen en energie zijn tegelijk duurder geworden.",
        ],
        "short": [
            ("neutral", "Hoe vraag ik energiehulp aan?"),
            ("oppose", "Alles is al te duur."),
            ("support", "Help eerst de armste gezinnen."),
        ],
    },
    "solar_energy": {
        "support": [
            "Zonnepanelen op elke school en elk stadsgebouw, die daken liggen er maar leeg bij.",
            "Ik zou graag aandelen kopen in een lokale energiecoöperatie.",
            "Dankzij de zonnepremie hebben wij dit voorjaar 12 panelen gelegd.",
            "Overkap de grote parkings met zonnepanelen.",
        ],
        "oppose": [
            "Zonnepanelen op de historische daken van de binnenstad verpesten het stadsbeeld.",
            "De zonnepremie helpt alleen mensen die al een huis hebben.",
            "Windmolens in de haven zijn lelijk en maken herrie.",
        ],
        "neutral": [
            "Kunnen huurders ook lid worden van de energiecoöperatie?",
            "Hoeveel bedraagt de zonnepremie per kilowattpiek?",
            "Mogen we balkonpanelen ophangen in een appartement?",
            "Van wie is de stroom die op de stadsdaken wordt opgewekt?",
        ],
        "detail": [
            "Ons dak ligt pal op het zuiden.",
            "De installateur zegt dat de netaansluiting maanden duurt.",
            "De opbrengst van de daken kan het buurthuis helpen betalen.",
            "De buren wekken in de zomer meer op dan ze verbruiken.",
        ],
        "short": [
            ("support", "Zonnepanelen op alle scholen!"),
            ("neutral", "Balkonpanelen toegestaan?"),
            ("oppose", "Geen windmolens in de haven."),
        ],
    },
    "waste": {
        "support": [
            "De gft-inzameling is een goede stap, onze composteerbak zit in een week vol.",
            "Zet meer afvalbakken voor sorteren op straat, ze puilen altijd uit.",
            "Repair cafés zijn geweldig, ik heb er vorige maand mijn broodrooster laten maken.",
            "Statiegeld op blikjes en flesjes zou de parken schoon houden.",
        ],
        "oppose": [
            "Om de twee weken ophalen is in de zomer walgelijk, het stinkt.",
            "Betalen per kilo afval leidt alleen tot meer sluikstorten.",
            "Het recyclagepark in Eastgate is te ver voor mensen zonder auto.",
        ],
        "neutral": [
            "Krijgt elk huishouden een gratis compostvat?",
            "Wanneer start de gft-inzameling in {district}?",
            "Wat gebeurt er met het plastic dat we sorteren, wordt het echt gerecycleerd?",
        ],
        "detail": [
            "Volle vuilnisbakken trekken ratten en meeuwen aan bij de haven.",
            "In ons gebouw is geen plek voor extra containers.",
            "Na verhuizingen staan er overal meubels op de stoep.",
            "Studenten gooien aan het eind van het jaar goede spullen weg.",
        ],
        "short": [
            ("support", "Compostvaten voor iedereen!"),
            ("oppose", "Elke week ophalen aub."),
            ("neutral", "Wanneer komt de gft-bak?"),
        ],
    },
    "flooding": {
        "support": [
            "De dijken in Riverside verhogen is dringend, wij zijn in 2021 overstroomd.",
            "Ik steun het wachtbekken, liever dat dan weer water in de kelder.",
            "Regentuinen en een sponsstad, slim en niet duur.",
        ],
        "oppose": [
            "De nieuwe waterkering neemt ons uitzicht op de rivier weg en snijdt de stad in tweeën.",
            "Een wachtbekken op de weides van Hillcrest vernietigt een prachtig stuk natuur.",
            "Miljoenen voor dijken terwijl de putten in onze straat het hele jaar verstopt zitten.",
        ],
        "neutral": [
            "Krijgen huiseigenaren hulp om hun huis overstromingsbestendig te maken?",
            "Wanneer beginnen de werken aan de dijken?",
            "Is er een waarschuwingssysteem bij hoogwater?",
        ],
        "detail": [
            "Onze straat in {district} is in drie jaar twee keer ondergelopen.",
            "Onze verzekeringspremie is na de laatste overstroming verdrievoudigd.",
            "Bij een flinke bui lopen de riolen binnen een paar minuten over.",
        ],
        "short": [
            ("support", "Bescherm Riverside tegen hoogwater!"),
            ("neutral", "Hoogwaterwaarschuwing per sms?"),
        ],
    },
    "youth_participation": {
        "support": [
            "Jongeren moeten echt iets te zeggen hebben, de jongerenklimaatraad is een goed idee.",
            "Schoolstraten die autovrij zijn bij het begin van de les, geweldig, onze school heeft er een.",
            "Klimaatles op elke school graag, we leren er nu niets over.",
            "Een burgerraad met gelote inwoners is een goede manier om iedereen te betrekken.",
        ],
        "oppose": [
            "Deze inspraak is toneel, alles is al beslist.",
            "Niemand vraagt het aan tieners, de bijeenkomsten zijn tijdens de schooluren.",
            "Een gelote burgerraad heeft geen democratische legitimiteit.",
        ],
        "neutral": [
            "Hoe kunnen jongeren meedoen aan de klimaatraad?",
            "Worden de resultaten van deze bevraging gepubliceerd?",
            "Is er budget voor klimaatprojecten van scholen?",
        ],
        "detail": [
            "We hebben op school gestaakt voor het klimaat en de gemeente heeft onze brief nooit beantwoord.",
            "Onze speelplaats ligt naast een drukke weg.",
            "Bijeenkomsten zouden ook 's avonds en online moeten kunnen.",
            "Veel jongeren in {district} hebben het gevoel dat niemand luistert.",
        ],
        "short": [
            ("support", "Luister naar jongeren!"),
            ("oppose", "Deze enquête heeft geen zin."),
        ],
    },
}

HANDWRITTEN = [
    ("cycling", "mixed", "Ik fiets elke dag van Hillcrest naar het centrum. Het nieuwe fietspad op de brug is top, maar bij de rotonde houdt het gewoon op en sta je tussen de bussen. Maak af waar je aan begint!"),
    ("public_transport", "oppose", "bus 14 is deze week 3 keer uitgevallen. DRIE keer. en dan moet ik mijn auto laten staan? eerst de basis op orde aub"),
    ("renovation", "support", "Wij zijn een gepensioneerd koppel. Met de isolatiepremie en hulp van het renovatieloket hebben we eindelijk het dak en de ramen laten doen. Voor het eerst in 30 jaar is het huis warm. Ga zo door en maak de formulieren eenvoudiger voor mensen die niet handig zijn met computers."),
    ("car_traffic", "oppose", "Ik ben loodgieter. Mijn bestelwagen is 9 jaar oud en rijdt prima. Als de LEZ hem verbiedt ben ik mijn zaak kwijt. Aan vakmensen heeft niemand gedacht."),
    ("green_spaces", "support", "bomen bomen bomen. nul bomen in onze straat. zomer = oven"),
    ("flooding", "neutral", "Wij hebben in 2019 een huis in Riverside gekocht en niemand vertelde ons over het overstromingsrisico. Gaat de stad per straat overstromingskaarten publiceren? En wat betekent dit voor de verzekering?"),
    ("youth_participation", "support", "ik ben 16 en dit vind ik echt belangrijk. zet jongeren in de klimaatraad aub het is onze toekomst"),
    ("energy_poverty", "mixed", "Mooi plan op papier. Ondertussen betaal ik 180 euro per maand voor verwarming en mijn pensioen stijgt niet. Ik ben voor klimaatactie maar niet als de armen ervoor opdraaien."),
    ("car_traffic", "mixed", "Ik snap de LEZ wel hoor, de lucht is vies. Maar zonder P+R en zonder goede bussen vanuit Northfield is het het paard achter de wagen spannen. Eerst de bus, dan de LEZ."),
    ("solar_energy", "neutral", "Ik huur een appartement in Harbour. Kan ik meedoen met de energiecoöperatie of is dat alleen voor mensen met een eigen dak? Dat staat nergens duidelijk."),
]
