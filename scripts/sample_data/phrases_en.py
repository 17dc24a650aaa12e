"""English comment fragments for the Rivermouth sample consultation.

Each theme has whole sentences per stance ("support" = wants the plan's measure or more of it,
"oppose" = against the measure, "neutral" = questions and neutral remarks), "detail" sentences
that fit any stance, and "short" comments that stand alone. {district} is filled with the
writer's district (or "my area" when it is blank).
"""

OPENERS = [
    "Thanks for asking for our views.",
    "I have lived in Rivermouth for 20 years.",
    "As a parent of two young kids,",
    "Speaking as a pensioner on a fixed income:",
    "Good to see the council finally doing something.",
    "I read the draft plan last weekend.",
    "Honestly I'm a bit fed up.",
    "Short comment from a busy nurse.",
    "I work in the harbour area and commute every day.",
    "Hello,",
    "Hi there,",
    "My two cents:",
    "As a small business owner,",
    "I rent a flat and I'm in my late twenties.",
]

CLOSERS = [
    "Thanks for listening.",
    "Please actually read these comments.",
    "Hope this helps.",
    "Looking forward to seeing results.",
    "Kind regards.",
    "Cheers.",
    "Happy to discuss at the next public meeting.",
    "We'll see if anything changes.",
    "Don't let this become another glossy brochure.",
]

BRIDGES = [
    "That said, I have doubts.",
    "But there is a catch.",
    "However, one thing worries me.",
    "On the other hand,",
]

THEMES = {
    "cycling": {
        "support": [
            "I fully support the new protected cycle lanes, they make me feel safe riding with my kids.",
            "Please build more segregated bike lanes, painted lines on the road are not enough.",
            "We desperately need secure bike parking near the station, my bike was stolen twice.",
            "The cycle route along the river is brilliant and should be extended to {district}.",
            "More bike lanes please! Cycling to work would be so much easier.",
        ],
        "oppose": [
            "The new bike lanes have made traffic on the main road a nightmare.",
            "Too much money is going to cycle lanes that are empty half the year.",
            "Removing parking for bike racks outside shops is killing local businesses.",
            "Cyclists ignore red lights and ride on pavements, why reward them with more lanes?",
            "The cycle lane on Harbour Road is badly designed and nobody uses it.",
        ],
        "neutral": [
            "Will the cycle lanes be cleared of snow and leaves in winter?",
            "When exactly will the bike network reach {district}?",
            "Is there a plan for cargo bike parking for families?",
            "How will you stop delivery vans parking in the bike lanes?",
        ],
        "detail": [
            "The junction near the old bridge is really dangerous for anyone on two wheels.",
            "Kids cycling to school have to share the road with lorries.",
            "Bike sheds in residential streets would help people who live in flats.",
            "E-bikes are getting popular with older people too.",
        ],
        "short": [
            ("support", "More bike lanes please!"),
            ("support", "Safe cycling routes to school, now."),
            ("oppose", "Enough with the bike lanes."),
            ("neutral", "Bike parking at the station?"),
        ],
    },
    "public_transport": {
        "support": [
            "Cheaper bus fares would get me out of my car tomorrow.",
            "The tram extension to Northfield is long overdue, please don't delay it again.",
            "I love the idea of free public transport for under 18s.",
            "Buses every 7 minutes would change everything for people without a car.",
            "Night buses at weekends would make the city much safer for young people.",
        ],
        "oppose": [
            "The buses are always late and overcrowded, so no, I will not give up my car.",
            "Spending hundreds of millions on a tram is a waste when the buses already don't work.",
            "Ticket prices went up again this year, that is the opposite of climate action.",
            "The new bus timetable cut my line to every 30 minutes, it's useless now.",
            "Public transport in {district} is a joke, nothing in this plan changes that.",
        ],
        "neutral": [
            "Will the monthly pass price change when the tram opens?",
            "Are pensioners going to get reduced fares as well?",
            "How will bus frequency be measured and published?",
            "What happens to the bus lines during the tram construction works?",
        ],
        "detail": [
            "The last bus from the centre leaves far too early.",
            "I spend almost an hour each way on two buses to get to work.",
            "Real-time information at the stops is often wrong.",
            "Many stops have no shelter and no seats for older people.",
        ],
        "short": [
            ("support", "Cheaper buses = fewer cars."),
            ("oppose", "Buses never on time."),
            ("neutral", "Will fares go up again?"),
            ("support", "Free transport for students please"),
        ],
    },
    "renovation": {
        "support": [
            "The insulation subsidy is great, we insulated our loft last year and our bills dropped.",
            "Heat pump grants should be bigger, but I'm glad the council is pushing for them.",
            "A one-stop renovation desk is exactly what homeowners like me need.",
            "Please force landlords to insulate, tenants are freezing in badly built flats.",
            "Renovating old council housing should be the top priority of this plan.",
        ],
        "oppose": [
            "I cannot afford a heat pump, even with the grant it costs more than 10 thousand.",
            "The renovation rules will push rents up for everybody.",
            "Our house is listed, we are not allowed to change the windows, so these targets are unrealistic.",
            "Heat pumps are noisy and don't work well in old stone houses.",
            "The subsidy paperwork is a bureaucratic nightmare, I gave up after three months.",
        ],
        "neutral": [
            "Is the heat pump subsidy available for flats with shared heating?",
            "Who checks the quality of the renovation work paid by the subsidy?",
            "Can tenants apply for insulation grants or only owners?",
            "How long does it take to get the renovation grant paid?",
        ],
        "detail": [
            "Our gas bill doubled in two years.",
            "There are not enough qualified installers in the region, the waiting lists are long.",
            "Many houses in {district} were built before 1960 and have no insulation at all.",
            "Older owners often have the house but not the cash to renovate.",
        ],
        "short": [
            ("support", "Bigger heat pump grants!"),
            ("oppose", "Heat pumps are too expensive."),
            ("neutral", "Renovation grants for tenants?"),
        ],
    },
    "green_spaces": {
        "support": [
            "Plant more trees everywhere, the streets in summer are unbearable.",
            "I love the plan for pocket parks, our street has no green at all.",
            "Please depave the school playgrounds and turn them into green oases.",
            "More shade and water fountains in the parks would help older people in heatwaves.",
            "Protect the old trees along the canal, they are the soul of {district}.",
        ],
        "oppose": [
            "New trees block the light in our flat and the leaves clog the gutters.",
            "The council cut down healthy trees for a car park last year, so I don't believe this plan.",
            "Pocket parks become places for drug dealing at night.",
            "Money for flower beds while the roads are full of potholes? No thanks.",
        ],
        "neutral": [
            "Who will water the new trees during dry summers?",
            "Will there be a map of where the 25,000 trees will be planted?",
            "Can residents adopt a tree pit in front of their house?",
            "Are cooling centres planned for heatwaves?",
        ],
        "detail": [
            "Last July it was 38 degrees in our street and there was no shade anywhere.",
            "The concrete square near the market turns into an oven in summer.",
            "Children need somewhere green to play that is within walking distance.",
            "Green roofs on the bus shelters would be a nice touch.",
        ],
        "short": [
            ("support", "More trees, less concrete."),
            ("support", "Shade in the playgrounds please."),
            ("oppose", "Fix the roads before planting flowers."),
        ],
    },
    "car_traffic": {
        "support": [
            "The low-emission zone is necessary, the air on the ring road is filthy.",
            "Good that the plan reduces street parking, our streets are for people, not cars.",
            "Please make the Old Town car free, it would be a much nicer place.",
            "Lower speed limits to 30 km/h in residential streets, it saves lives.",
            "My son has asthma, so I am all for the low-emission zone.",
        ],
        "oppose": [
            "The low-emission zone punishes people who can't afford a new car.",
            "I need my car for work and there is no alternative from {district}.",
            "Removing parking spaces will kill the shops in the centre.",
            "Residents' parking permits are getting far too expensive.",
            "The LEZ is just a way to collect fines from ordinary people.",
        ],
        "neutral": [
            "Will there be exemptions from the low-emission zone for disabled drivers?",
            "Which cars exactly will be banned from 2027?",
            "How much will a residents' parking permit cost next year?",
            "Will there be park-and-ride sites before the LEZ starts?",
        ],
        "detail": [
            "Our 2012 diesel works perfectly and we can't afford to replace it.",
            "Rat-running through our residential street has doubled since the works started.",
            "Delivery vans double park all day on the high street.",
            "The school run causes traffic jams every morning.",
        ],
        "short": [
            ("oppose", "No to the LEZ!"),
            ("support", "Car-free Old Town, yes!"),
            ("neutral", "LEZ exemptions for carers?"),
            ("oppose", "Stop the war on motorists."),
        ],
    },
    "energy_poverty": {
        "support": [
            "The energy support fund is vital, many of my neighbours can't heat their homes.",
            "Free energy audits for low income households are a great idea.",
            "Climate measures must protect the poorest first, glad the plan says so.",
            "The energy coaches helped my mother cut her bill, please keep funding them.",
        ],
        "oppose": [
            "All these green measures make life more expensive for people who are already struggling.",
            "I'm a single mum and I can't pay more taxes for your climate plan.",
            "The plan talks about solidarity but the support fund is tiny compared to the need.",
            "Nobody in the council knows what it means to choose between heating and eating.",
        ],
        "neutral": [
            "Who is eligible for the energy support fund and how do you apply?",
            "Is there help for people with prepaid energy meters?",
            "How many households in Rivermouth live in energy poverty?",
            "Can the energy coach come to my home?",
        ],
        "detail": [
            "Our energy bill is now higher than our food budget.",
            "I heat only one room in winter to save money.",
            "Pensioners in {district} are really struggling this winter.",
            "Prices at the supermarket and energy prices both went up at the same time.",
        ],
        "short": [
            ("neutral", "How do I apply for energy help?"),
            ("oppose", "Life is already too expensive."),
            ("support", "Help poor households first."),
        ],
    },
    "solar_energy": {
        "support": [
            "Put solar panels on every school and public building, the roofs are just sitting there.",
            "I would love to buy shares in a local energy cooperative.",
            "The solar subsidy convinced us, we installed 12 panels in spring.",
            "Community solar is the fairest way for tenants to benefit too.",
            "Cover the big car parks with solar canopies.",
        ],
        "oppose": [
            "Solar panels on historic roofs in the Old Town would ruin the character of the city.",
            "The solar subsidy only helps people who already own a house.",
            "Wind turbines at the port would be ugly and noisy.",
            "The grid can't even handle the panels we have now, we get cut off on sunny days.",
        ],
        "neutral": [
            "Can tenants join the energy cooperative?",
            "How much is the solar panel subsidy per kilowatt peak?",
            "Are balcony solar panels allowed in flats?",
            "Who owns the electricity produced on municipal roofs?",
        ],
        "detail": [
            "Our roof faces south and gets sun all day.",
            "The installer said the grid connection will take months.",
            "Energy from the roofs could help pay for the community centre.",
            "A neighbour's panels produce more than they use in summer.",
        ],
        "short": [
            ("support", "Solar on all school roofs!"),
            ("neutral", "Balcony solar allowed?"),
            ("oppose", "No wind turbines at the port."),
        ],
    },
    "waste": {
        "support": [
            "Food waste collection is a great step, we fill our compost bin in a week.",
            "Please put more recycling bins in the streets, the current ones are always full.",
            "Repair cafés are brilliant, I fixed my toaster there last month.",
            "A deposit scheme for cans and bottles would clean up the parks.",
        ],
        "oppose": [
            "Bin collection every two weeks is disgusting in summer, it smells.",
            "Pay-as-you-throw will just lead to more fly-tipping.",
            "The recycling centre in Eastgate is too far for people without a car.",
            "Sorting into six different bins is impossible in a small flat.",
        ],
        "neutral": [
            "Will every household get a free compost bin?",
            "When does the separate food waste collection start in {district}?",
            "What happens to the plastic we sort, is it really recycled?",
            "Are there collection points for old electronics?",
        ],
        "detail": [
            "Overflowing bins attract rats and seagulls near the harbour.",
            "Our building has no space for extra bins.",
            "Lots of furniture is dumped on the pavement after people move out.",
            "Students throw away perfectly good things at the end of term.",
        ],
        "short": [
            ("support", "Compost bins for all!"),
            ("oppose", "Weekly bin collection please."),
            ("neutral", "When is food waste collected?"),
        ],
    },
    "flooding": {
        "support": [
            "Raising the river dikes in Riverside is urgent, we were flooded in 2021.",
            "I support the retention basin, it is better than seeing our basements under water again.",
            "Sponge city ideas like rain gardens are smart and cheap.",
            "Please speed up the river defences, every autumn we are scared.",
        ],
        "oppose": [
            "The new flood wall will block our view of the river and cut the town in two.",
            "Building a retention basin on the Hillcrest meadows destroys a lovely green area.",
            "Millions for dikes while the drains in our street are blocked all year.",
            "The flood plan ignores the new housing estates built on the flood plain.",
        ],
        "neutral": [
            "Will homeowners get help to flood-proof their houses?",
            "When will the works on the river defences start?",
            "Is there an early warning system for floods?",
            "Who is responsible for clearing the storm drains?",
        ],
        "detail": [
            "Our street in {district} flooded twice in three years.",
            "The insurance premium for our house tripled after the last flood.",
            "Heavy rain overwhelms the sewers within minutes.",
            "The riverbank path is closed every winter because of high water.",
        ],
        "short": [
            ("support", "Protect Riverside from floods!"),
            ("neutral", "Flood warning by SMS?"),
            ("oppose", "No flood wall on the quay."),
        ],
    },
    "youth_participation": {
        "support": [
            "Young people should have a real say, the youth climate council is a great idea.",
            "School streets closed to cars at drop-off times are amazing, our school has one.",
            "Climate lessons in every school please, we learn nothing about it.",
            "The citizens' assembly with randomly selected residents is a good way to include everyone.",
            "Let 16 year olds vote on the participatory budget!",
        ],
        "oppose": [
            "These consultations are a show, decisions are already made.",
            "Nobody asked the teenagers, the meetings are at times when we are at school.",
            "A citizens' assembly picked by lottery has no democratic legitimacy.",
            "The online survey is too complicated for older people.",
        ],
        "neutral": [
            "How can young people join the climate assembly?",
            "Will the results of this consultation be published?",
            "Is there a budget that schools can use for climate projects?",
            "How are the members of the citizens' assembly selected?",
        ],
        "detail": [
            "We did a climate strike at school and the council never answered our letter.",
            "Our school playground is next to a busy road.",
            "Meetings should also happen in the evenings and online.",
            "Many young people in {district} feel nobody listens to them.",
        ],
        "short": [
            ("support", "Listen to young people!"),
            ("oppose", "This survey is pointless."),
            ("neutral", "Can under 18s join the assembly?"),
        ],
    },
}

# Whole comments written as they are: longer, personal, sometimes rambling.
HANDWRITTEN = [
    ("cycling", "mixed", "I cycle every day from Hillcrest to the centre. The new lane on the bridge is fantastic, but then it just stops at the roundabout and you are thrown among the buses. Finish what you start!!"),
    ("public_transport", "oppose", "bus 14 was cancelled 3 times this week. 3 TIMES. and you want me to leave the car at home? fix the basics first"),
    ("renovation", "support", "We are a retired couple. With the insulation grant and the help of the renovation desk we finally did the roof and the windows. The house is warm for the first time in 30 years. Please keep this going and make the forms simpler for people who are not good with computers."),
    ("car_traffic", "oppose", "I'm a plumber. My van is 9 years old and works fine. If the LEZ bans it I lose my business. Nobody thought about tradespeople when writing this."),
    ("energy_poverty", "mixed", "Nice plan on paper. Meanwhile my heating bill is 180 a month and my pension hasn't gone up. I support climate action but not if poor people pay for it."),
    ("green_spaces", "support", "trees trees trees. our street has zero. summer = oven"),
    ("flooding", "neutral", "We bought a house in Riverside in 2019, nobody told us about the flood risk. Is the city going to publish flood maps per street? And what does the plan mean for house insurance?"),
    ("youth_participation", "support", "im 16 and i care about this a lot. please put young people in the climate assembly, its our future"),
    ("solar_energy", "support", "Why are there still no solar panels on the sports hall in Northfield? Huge flat roof, full sun. Seems like an easy win."),
    ("waste", "oppose", "the new bins are too small for a family of five and collection was changed without telling anyone. the street looks like a dump now"),
    ("cycling", "support", "Cargo bike owner here: we replaced our second car with a cargo bike and it's the best decision ever. But please give us somewhere to park it, it doesn't fit in the hallway of an old house."),
    ("car_traffic", "support", "The 30 km/h limit in front of our school finally makes crossing bearable. Please add speed bumps, nobody respects the sign."),
]
