"""The Rivermouth Climate Action Plan, pages 11-20 (same Markdown subset as plan_pages_a)."""

PAGES_B = [
    # 11
    """## 5.3 Energy poverty

In 2023, 8,900 households in Rivermouth, or 11 percent of all households, lived in energy poverty: they spent more than 10 percent of their income on energy or could not keep their home warm. The plan aims to halve this number by 2030.

Energy Support Fund: the city sets aside EUR 3.5 million per year for direct help. Households can receive a one-off payment of up to EUR 600 per winter towards their energy bills. Households are eligible if they are entitled to the social energy tariff or have a taxable income below EUR 25,000 per year. Applications are made at the Social Welfare Office or through the Renovation Desk.

Energy coaches: 20 energy coaches visit homes free of charge. They check the energy bill and contract, install simple savings measures such as draught strips, radiator foil and LED lamps, and help households apply for support. Households with a prepaid or budget energy meter receive a visit first.

Protection during renovation: owners with a low income can receive an interest-free renovation loan of up to EUR 25,000, repaid only when the home is sold.

The Department of Social Affairs is responsible for the measures in this section. The energy coaches cost EUR 6 million for 2025-2030.

Indicator: number of households in energy poverty (target: at most 4,450 in 2030).

# 6 Nature and climate adaptation

## 6.1 Trees and green spaces

Trees cool streets, store water and make neighbourhoods healthier. Rivermouth will plant 25,000 trees by 2030, of which 8,000 street trees, and raise its tree canopy cover from 16 percent today to 25 percent by 2040. Planting contracts include three years of watering and care. Residents can adopt a tree pit in front of their home and plant it with flowers.
""",
    # 12
    """Twelve pocket parks of 200 to 2,000 square metres will be created on former parking spaces and vacant plots, the first two in Eastgate and Old Town in 2026. No healthy mature tree may be cut down for a city project unless there is no alternative, and each tree that is cut down is replaced by three new trees.

The tree and green space programme has a budget of EUR 21 million for 2025-2030 and is run by the Department of Parks and Green Spaces. A public map of planting locations is updated every planting season.

Indicator: tree canopy cover measured every three years from aerial images (target 25 percent in 2040).

## 6.2 Urban heat

The Heat Action Plan protects residents during heatwaves. When the regional weather service issues a heat alert:

- 15 cool spaces, mainly libraries and community centres, open with extended hours;
- the RiverAlert text message service warns registered residents, and social workers call older residents who live alone;
- outdoor work by city staff is rescheduled to the early morning.

The city will install 60 public drinking fountains by 2028 and transform 20 schoolyards into green oasis schoolyards by 2030, with trees, grass and water play. The oasis schoolyards cost EUR 6 million. Schoolyards will be open to neighbourhood children after school hours.

The urban heat measures have a total budget of EUR 10 million for 2025-2030. The Department of Health coordinates the Heat Action Plan.

Indicator: number of heat-related emergency hospital admissions during heatwaves.
""",
    # 13
    """## 6.3 Flooding and river defences

The flood of October 2021 showed that the river defences of Riverside are no longer high enough. Together with the Rivermouth and Estuary Water Board, the city will:

- raise the dikes along the river in Riverside by 0.8 metres over a length of 3.2 km, between 2026 and 2031, at a cost of EUR 47 million;
- build a retention basin of 120,000 cubic metres on the Hillcrest meadows between 2027 and 2029, at a cost of EUR 18 million; outside flood periods the meadows remain a public park;
- build a 1.2 km flood wall with glass panels along the Harbour quay by 2030, so that the view of the river is kept.

The Water Board is responsible for the dikes and the retention basin; the city is responsible for the flood wall, the sewers and the streets.

Flood warnings: residents can register for RiverAlert to receive a text message at least 12 hours before an expected flood.

Flood-proofing grant: owners and tenants of homes in a flood zone can receive up to EUR 2,500 for flood barriers, non-return valves and raising electrical installations. The flood wall and the flood-proofing grants together cost EUR 22 million.

## 6.4 Sponge city

Heavy rain overloads the sewers within minutes. Over the next ten years the city will separate rainwater from wastewater in the oldest neighbourhoods of Riverside and Old Town, at a cost of EUR 30 million for 2025-2030. The city will create 40 rain gardens and disconnect 50,000 square metres of roofs from the sewer. Residents receive EUR 500 for installing a rainwater tank of at least 1,000 litres.

Indicator: number of homes protected against a flood with a probability of once in 100 years.
""",
    # 14
    """# 7 Waste and circular economy

## 7.1 Less residual waste

In 2023 every inhabitant of Rivermouth produced 235 kg of residual waste. The plan aims to reduce this to 150 kg per inhabitant by 2030, mainly by collecting food waste separately and by supporting repair and reuse. The Department of City Cleaning and Waste is responsible for the measures in this chapter. The waste and circular economy programme has a budget of EUR 26 million for 2025-2030.

## 7.2 Food waste and composting

After a pilot in Eastgate and Hillcrest in 2025, separate collection of food waste starts in the whole city on 1 March 2026. Every household receives a free kitchen caddy and compostable bags. Households with a garden can ask for a free compost bin. Food waste is collected every week, residual waste every two weeks. Buildings without space for containers get shared food waste containers in the street.

Collected food waste is turned into biogas and compost at the regional plant in Eastgate.

## 7.3 Recycling centres and repair

A second recycling centre will open in Northfield in 2027, in addition to the existing recycling centre in Eastgate. A mobile recycling point visits every district once a month for residents without a car. Old electrical appliances can also be returned to the library branches.

The city supports six repair cafés with EUR 5,000 per year each and will open a reuse shop at the Eastgate recycling centre in 2026.

## 7.4 Clean streets

The city will place 400 new street bins with separate compartments for recyclables in busy areas by 2027. Illegal dumping can be reported through the city app and is collected within two working days. Any change to waste charges, such as a fee based on the amount of waste, will only be considered after an evaluation in 2028.

Indicator: residual waste per inhabitant in kg (target 150 kg in 2030).
""",
    # 15
    """# 8 Youth, schools and citizen participation

## 8.1 Schools

By 2028, 30 school streets will be closed to motor traffic for half an hour when pupils arrive and leave. A climate education programme will run in all 48 public schools from the school year 2025-2026. The Climate Schools Fund of EUR 400,000 per year gives grants of up to EUR 10,000 per project to schools and pupils who start their own climate projects.

## 8.2 Youth Climate Council

The Youth Climate Council has 24 members aged 14 to 21, chosen for two years from volunteers in every district. It meets six times a year, advises the City Council on every climate decision and can put one item per year on the agenda of the City Council.

## 8.3 Citizens' Climate Assembly

Each year, a Citizens' Climate Assembly of 60 residents is drawn by lot from all residents aged 16 and over. The draw is stratified by district, age, gender and language, so that the assembly reflects the population. Members receive an allowance of EUR 50 per session and childcare is provided. The assembly meets over six Saturdays and makes recommendations on one topic chosen by the Youth Climate Council and the City Council. The City Council must answer every recommendation publicly within six months, explaining what it will do or why it will not.

## 8.4 Participatory climate budget

Residents can propose and vote on neighbourhood climate projects with a participatory budget of EUR 2 million per year. Projects can receive up to EUR 150,000. Every resident aged 14 and over can vote. The vote takes place every spring, online and in the libraries.

## 8.5 Open and multilingual

All plan documents, progress reports and consultations are published in English, French, Dutch and German. The city answers questions in the language in which they are asked. The participation measures in this chapter have a budget of EUR 17.4 million for 2025-2030 and are coordinated by the Climate Office.
""",
    # 16
    """# 9 Budget and financing

## 9.1 Budget per measure 2025-2030

| Measure | Section | Budget 2025-2030 |
| --- | --- | --- |
| Cycling network and bike parking | 3.2 | EUR 38 million |
| Tram line T3 extension to Northfield | 3.3 | EUR 214 million |
| Bus services and fares | 3.3 | EUR 96 million |
| Low-emission zone, park-and-ride, scrappage bonus | 3.4 | EUR 9.5 million |
| Street redesign and parking | 3.5 | EUR 42 million |
| City logistics hub and EV charging | 3.6, 3.7 | EUR 18 million |
| Renovation Desk and renovation subsidies | 4.1, 4.2 | EUR 127 million |
| District heating network | 4.3 | EUR 64 million |
| Public buildings and schools | 4.4 | EUR 180 million |
| Social housing renovation | 4.4 | EUR 300 million |
| Solar roofs, solar subsidy, cooperative guarantee | 5.1, 5.2 | EUR 29 million |
| Energy Support Fund and energy coaches | 5.3 | EUR 27 million |
| Trees and green spaces | 6.1 | EUR 21 million |
| Urban heat | 6.2 | EUR 10 million |
| River defences, flood wall, flood-proofing grants | 6.3 | EUR 87 million |
| Sewer separation and sponge city | 6.4 | EUR 30 million |
| Waste and circular economy | 7 | EUR 26 million |
| Youth, schools and participation | 8 | EUR 17.4 million |
| Climate Office, monitoring and contingency | 10 | EUR 84.1 million |
| Total | | EUR 1,420 million |

## 9.2 Financing

The total budget of EUR 1.42 billion for 2025-2030 is financed as follows: the city pays EUR 610 million from its own budget, the regional government contributes EUR 320 million, European Union funds provide EUR 190 million, the European Investment Bank lends EUR 250 million and private partners and the energy cooperative invest EUR 50 million.

The city will not raise the municipal income tax to finance this plan. Every year, the city budget shows which expenses help or harm the climate targets (climate budget tagging).
""",
    # 17
    """# 10 Governance and monitoring

## 10.1 Who is responsible

The Deputy Mayor for Climate and Energy, Daan Vermeulen, is politically responsible for the plan. The Climate Office, part of the Department of Environment and Climate, coordinates the plan with a team of 12 staff. Each measure has a lead department:

| Department | Lead for |
| --- | --- |
| Mobility and Public Space | cycling, public transport, low-emission zone, parking |
| Housing | Renovation Desk and renovation subsidies |
| Property and Facilities | public buildings, municipal solar roofs |
| Social Affairs | Energy Support Fund, energy coaches |
| Parks and Green Spaces | trees, pocket parks |
| Health | Heat Action Plan |
| City Cleaning and Waste | food waste, recycling centres |
| Environment and Climate (Climate Office) | monitoring, participation, Youth Climate Council |

## 10.2 Indicators

| Indicator | 2023 | Target 2030 |
| --- | --- | --- |
| Greenhouse gas emissions (kt CO2e) | 1,090 | 567 |
| Share of trips by bicycle | 11% | 20% |
| Public transport boardings per year | 41 million | 58 million |
| Homes deeply renovated per year | 900 | 2,500 |
| Installed solar power | 14 MWp | 60 MWp |
| Households in energy poverty | 8,900 | 4,450 |
| Residual waste per inhabitant | 235 kg | 150 kg |
| NO2 on the ring road (annual mean) | 34 µg/m3 | 20 µg/m3 |
| Trees planted since 2025 | 0 | 25,000 |

## 10.3 Reporting and review

The Climate Office publishes a Climate Progress Report every year in June and presents it to the City Council. An online climate dashboard is updated every quarter. An independent Climate Advisory Board of seven experts reviews each progress report. In 2028 a mid-term review will check whether the 2030 target can still be reached; if emissions are more than 10 percent above the planned path, the City Council must adopt additional measures within six months.
""",
    # 18
    """# 11 Glossary

CO2 equivalent (CO2e): a unit that expresses all greenhouse gases as the amount of carbon dioxide with the same warming effect.

Net zero: the state in which the greenhouse gases still emitted are balanced by the same amount removed from the atmosphere.

Low-emission zone (LEZ): an area that the most polluting vehicles may not enter.

Euro standard: the European emission standard of a vehicle, from Euro 1 (oldest) to Euro 6; it is shown on the registration certificate.

Modal split: the share of trips made by each mode of transport.

Heat pump: a device that heats a home with electricity by taking heat from the outside air, the ground or water.

District heating: a network of pipes that delivers heat from a central source to many buildings.

Energy label: a rating from A (very efficient) to G (very inefficient) of a building's energy performance.

Energy poverty: the situation of a household that cannot afford to keep its home adequately warm or spends a disproportionate share of its income on energy.

kWp and MWp: kilowatt peak and megawatt peak, the maximum power of solar panels under standard test conditions.

Retention basin: an area that temporarily stores flood water or rainwater.

Sponge city: an approach to urban design that lets rainwater soak into the ground instead of running into the sewer.

Citizens' assembly: a group of residents drawn by lot who deliberate and make recommendations.

Participatory budget: a part of the city budget on which residents decide by vote.

Climate budget tagging: marking each budget line by its effect on the climate targets.

Tree canopy cover: the share of the city's surface covered by tree crowns seen from above.
""",
    # 19
    """# 12 Résumé en français

Le Plan d'action climat de Rivermouth 2025-2040 a été adopté par le conseil communal le 14 mars 2025. Il fixe trois objectifs contraignants : une réduction des émissions de gaz à effet de serre de 30 % en 2027 et de 55 % en 2030 par rapport à 2019, puis la neutralité carbone en 2040. En 2019, les émissions de la ville s'élevaient à 1,26 million de tonnes d'équivalent CO2.

Mobilité : 85 km de nouvelles pistes cyclables protégées d'ici 2030 (budget de 38 millions d'euros) et 4 000 nouvelles places de stationnement vélo. Le tram T3 sera prolongé jusqu'à Northfield en décembre 2029. Les transports en commun sont gratuits pour les moins de 18 ans dès le 1er septembre 2025 et l'abonnement mensuel Rivermouth Pass coûte 29 euros. Une zone de basses émissions (ZBE) s'applique à l'intérieur du ring à partir du 1er janvier 2027 ; l'amende est de 150 euros et une prime à la casse de 3 000 euros est prévue pour les ménages dont le revenu imposable est inférieur à 35 000 euros.

Logement : 2 500 logements rénovés par an. Le Guichet Rénovation conseille gratuitement les habitants. Une pompe à chaleur air-eau est subventionnée à hauteur de 5 000 euros, avec un bonus de 50 % pour les ménages modestes.

Énergie : 60 MWp de panneaux solaires d'ici 2030 ; la coopérative énergétique de Rivermouth est ouverte à tous les habitants, y compris les locataires, avec des parts de 100 euros. Le Fonds d'aide énergie dispose de 3,5 millions d'euros par an et verse jusqu'à 600 euros par hiver aux ménages éligibles.

Nature et adaptation : 25 000 arbres plantés d'ici 2030, 12 mini-parcs et 60 fontaines d'eau potable. Les digues de Riverside seront rehaussées de 0,8 mètre entre 2026 et 2031 (47 millions d'euros) et un bassin de rétention de 120 000 m3 sera construit à Hillcrest.

Déchets : collecte séparée des déchets alimentaires dans toute la ville à partir du 1er mars 2026 ; objectif de 150 kg de déchets résiduels par habitant en 2030.

Participation : une assemblée citoyenne pour le climat de 60 habitants tirés au sort chaque année, un conseil climat des jeunes de 24 membres et un budget participatif de 2 millions d'euros par an.

Le budget total 2025-2030 s'élève à 1,42 milliard d'euros. Un rapport d'avancement est publié chaque année en juin.
""",
    # 20
    """# Annex A District fact sheets

## A.1 Harbour

Main measures: district heating network from the port, zero-emission logistics hub (2027), flood wall with glass panels along the quay (2030), cycle route Eastgate to Harbour (2027). Harbour is inside the low-emission zone.

## A.2 Old Town

Main measures: car-free historic core around Market Square (2028), first pocket park (2026), heritage guidance for renovation and solar panels, sewer separation. Old Town is inside the low-emission zone.

## A.3 Northfield

Main measures: tram line T3 extension with 11 stops (December 2029), priority cycle route to the city centre (2026), park-and-ride site, second recycling centre (2027), modal filters against through traffic (2026). Northfield is outside the low-emission zone.

## A.4 Riverside

Main measures: dikes raised by 0.8 metres (2026-2031), flood-proofing grants, sewer separation, cycle deck on the new Mill Bridge (2029). The western part of Riverside is inside the low-emission zone.

## A.5 Hillcrest

Main measures: retention basin on the Hillcrest meadows (2027-2029), river cycle route along the east bank (2028), park-and-ride site, food waste pilot (2025). Hillcrest is outside the low-emission zone.

## A.6 Eastgate

Main measures: district heating network, first pocket park (2026), reuse shop at the recycling centre (2026), food waste pilot (2025), park-and-ride site, modal filters (2026). Eastgate is outside the low-emission zone.

Contact: Climate Office, Town Hall, Market Square, Rivermouth. The Climate Office answers questions in English, French, Dutch and German.
""",
]
