"""The Rivermouth Climate Action Plan, pages 1-10 (one Markdown string per PDF page).

Markdown subset understood by plan_writer: '# ' chapter, '## ' section, '### ' subsection,
'- ' bullet, '| a | b |' table rows (second row is the separator), blank line between blocks.
"""

PAGES_A = [
    # 1
    """# Rivermouth Climate Action Plan 2025-2040

Towards a climate-neutral, fair and resilient Rivermouth

Adopted by the City Council of Rivermouth on 14 March 2025

Published by the Climate Office, Department of Environment and Climate, Town Hall, Market Square, Rivermouth

## Foreword by the Mayor

Rivermouth has always lived with the river and the sea. Our harbour made the city rich, our river gave it its name, and both now remind us that the climate is changing faster than our streets, homes and habits. The summers of 2019 and 2022 brought record heat, and the flood of October 2021 put more than 400 homes in Riverside under water.

This plan is our answer. It sets a clear course: 55 percent less greenhouse gas emissions by 2030 compared with 2019, and net zero by 2040. It explains what the city will do, what it will cost, who is responsible and how residents can hold us to account. It was shaped by a public consultation in which thousands of residents took part in four languages.

Climate action must be fair. Every measure in this plan has been checked for its effect on households with low incomes, on older residents and on young people. Where a measure asks something of residents, the plan offers support in return.

Helena Moreau, Mayor of Rivermouth
""",
    # 2
    """## Contents

- 1 Introduction
- 2 Where we stand and where we are going
- 3 Mobility
- 4 Buildings and heat
- 5 Energy
- 6 Nature and climate adaptation
- 7 Waste and circular economy
- 8 Youth, schools and citizen participation
- 9 Budget and financing
- 10 Governance and monitoring
- 11 Glossary
- 12 Résumé en français
- Annex A District fact sheets

# 1 Introduction

## 1.1 Purpose of this plan

The Rivermouth Climate Action Plan 2025-2040 is the city's strategy to cut greenhouse gas emissions, to adapt to heat, drought and flooding, and to make sure that the transition is fair. It replaces the Energy and Climate Plan 2015-2024. The plan covers all emissions produced within the city boundary, including transport, buildings, local industry and waste, but not emissions from aviation or from goods produced elsewhere.

The plan is binding for the city administration. Each measure names a responsible department, a budget, a timeline and an indicator. Measures that depend on other authorities, such as the regional government or the Rivermouth and Estuary Water Board, are marked as shared measures.

## 1.2 Rivermouth at a glance

Rivermouth has 184,300 inhabitants (1 January 2024) and covers 96 square kilometres. The city is divided into six districts: Harbour, Old Town, Northfield, Riverside, Hillcrest and Eastgate. Northfield is the largest district by population, Hillcrest the smallest. About 62 percent of homes were built before 1970. The Port of Rivermouth is the largest employer and the largest single source of industrial emissions.

## 1.3 How this plan was made

A draft plan was discussed with residents between September and November 2024. The public consultation received comments in English, French, Dutch and German, online and on paper. A summary of the comments and of the changes made in response is published with this plan.
""",
    # 3
    """# 2 Where we stand and where we are going

## 2.1 Emissions baseline

In 2019, the reference year of this plan, emissions within the city boundary were 1.26 million tonnes of CO2 equivalent, or 6.9 tonnes per inhabitant. By 2023 emissions had fallen to 1.09 million tonnes, mainly because of cleaner electricity and the closure of a coal-fired boiler at the port.

| Sector | Emissions 2019 (kt CO2e) | Share 2019 | Target 2030 (kt CO2e) |
| --- | --- | --- | --- |
| Buildings (homes and offices) | 479 | 38% | 190 |
| Transport | 391 | 31% | 185 |
| Industry and port | 277 | 22% | 135 |
| Waste and wastewater | 63 | 5% | 30 |
| Other | 50 | 4% | 27 |
| Total | 1,260 | 100% | 567 |

## 2.2 Targets

The City Council has adopted three binding targets:

- an interim reduction of 30 percent by 2027 compared with 2019;
- a reduction of 55 percent by 2030 compared with 2019;
- net zero greenhouse gas emissions by 2040.

At most 8 percent of 2019 emissions may remain in 2040, and these residual emissions must be balanced by certified carbon removals, not by offsets bought abroad.

## 2.3 Principles

Four principles guide every measure: reduce energy demand first; switch to renewable energy; protect people and places from climate risks; and share costs and benefits fairly. Every new measure above EUR 1 million must pass a fairness check that looks at its effect on households by income, age and district.
""",
    # 4
    """# 3 Mobility

## 3.1 Mobility today and in 2030

Transport causes 31 percent of Rivermouth's emissions. In 2023, 48 percent of trips were made by car, 19 percent by public transport, 11 percent by bicycle and 22 percent on foot. By 2030 the city aims for a modal split of 30 percent car, 25 percent public transport, 20 percent cycling and 25 percent walking. The Department of Mobility and Public Space is responsible for all measures in this chapter unless stated otherwise.

## 3.2 Cycling network

Rivermouth has 42 km of protected cycle lanes today. The plan adds 85 km of new protected cycle lanes by 2030, creating a continuous network that links every district to the city centre, the station and the port. The cycling programme has a budget of EUR 38 million for 2025-2030.

Priority routes and their completion dates:

- Northfield to the city centre along Northfield Avenue: 2026;
- Eastgate to Harbour via the Canal Road: 2027;
- the Hillcrest river route along the east bank: 2028;
- Riverside to Old Town over the new Mill Bridge cycle deck: 2029.

Bike parking: 4,000 new bike parking spaces will be built by 2030, including a guarded bike parking garage with 1,200 spaces at Central Station opening in 2027, 300 spaces for cargo bikes and 150 secure bike hangars in residential streets. A place in a bike hangar costs EUR 60 per year.

Winter maintenance: the priority cycling network will be cleared of snow and leaves by 7:00 on working days.

Indicator: share of trips made by bicycle, measured every two years by the mobility survey (target 20 percent in 2030).
""",
    # 5
    """## 3.3 Public transport

Tram line T3 will be extended by 6.4 km from Central Station to Northfield, with 11 new stops. Construction starts in 2026 and the extension opens in December 2029. The extension costs EUR 214 million, of which the city pays EUR 64 million, the regional government EUR 110 million and the European Union EUR 40 million. During construction, replacement buses will run every 10 minutes on the affected section.

Buses: by 2027 the five main bus lines (1, 4, 7, 12 and 14) will run every 7 minutes between 7:00 and 19:00 on working days. Night buses will run on Friday and Saturday nights from 2026 on three lines. All 140 city buses will be zero-emission by 2032. The bus programme, including fares, has a budget of EUR 96 million for 2025-2030.

Fares:

- public transport is free for residents under 18 from 1 September 2025;
- the Rivermouth Pass, a monthly pass for all city buses and trams, costs EUR 29 per month from January 2026;
- a reduced Rivermouth Pass costs EUR 15 per month for residents aged 65 and over and for households entitled to the social tariff.

Public transport is operated by the Rivermouth Transport Company (RTC) under a service contract with the city. Punctuality and frequency are published every month on the city's open data portal.

Indicator: annual public transport boardings (2023: 41 million; target 2030: 58 million).
""",
    # 6
    """## 3.4 Low-emission zone

A low-emission zone (LEZ) will apply inside the ring road, covering Old Town, Harbour and the western part of Riverside. It protects residents from air pollution: in 2023 the annual average nitrogen dioxide (NO2) concentration on the ring road was 34 micrograms per cubic metre, well above the World Health Organization guideline.

The zone is introduced in two phases:

- Phase 1, from 1 January 2027: diesel cars of Euro 4 standard and older and petrol cars of Euro 2 standard and older may no longer enter the zone;
- Phase 2, from 1 January 2030: diesel cars of Euro 5 standard and petrol cars of Euro 3 standard are added.

Vans follow the same calendar one year later. Vehicles are checked by number plate cameras at 28 entry points. The fine for entering the zone with a banned vehicle is EUR 150. During the first three months of each phase, drivers receive a warning instead of a fine.

Exemptions: holders of a disability parking card, emergency and utility vehicles, and historic vehicles older than 30 years are exempt. Every other driver may buy up to 12 day passes per year at EUR 35 each.

Support for households: a scrappage bonus of EUR 3,000 is paid to households with a taxable income below EUR 35,000 per year that scrap a banned car registered in Rivermouth. Instead of the bonus, households may choose a free Rivermouth Pass for two years.

Park-and-ride: three park-and-ride sites with 1,800 spaces in total open by the end of 2026 at Northfield, Eastgate and Hillcrest, before Phase 1 starts.

The LEZ programme, including cameras, park-and-ride sites and the scrappage bonus fund, has a budget of EUR 9.5 million.
""",
    # 7
    """## 3.5 Parking and car traffic

From 1 January 2026, 30 km/h becomes the default speed limit on all city streets, except the ring road and the main radial roads, where 50 km/h remains. A total of 2,000 on-street parking spaces will be converted by 2030 into trees, bike parking, loading bays and terraces, mainly in Old Town and Harbour.

Residents' parking permits cost EUR 120 per year for the first car and EUR 360 per year for a second car from 2026. Permits remain free for holders of a disability parking card.

The historic core of Old Town around Market Square becomes car-free in 2028. Residents, deliveries before 11:00, taxis for people with reduced mobility and emergency services keep access. Through traffic in residential streets will be reduced with modal filters, starting in Northfield and Eastgate in 2026.

Street redesign and parking measures have a budget of EUR 42 million for 2025-2030.

## 3.6 City logistics

A zero-emission logistics hub will open in Harbour in 2027. Parcels for Old Town will be delivered from the hub by cargo bike and electric van. The hub is run by a private operator under a concession; the city invests EUR 6 million in the site.

## 3.7 Electric vehicle charging

The number of public charging points will grow from 420 in 2024 to 1,500 by 2030, with at least one charging point within 250 metres of every home without a private driveway. Charging points are installed by concession holders at no cost to the city; the city's budget of EUR 12 million covers grid connections in areas where no operator bids.

Indicator: share of trips by car (target 30 percent in 2030) and NO2 concentration on the ring road (target 20 micrograms per cubic metre in 2030).
""",
    # 8
    """# 4 Buildings and heat

## 4.1 Renovation of homes

Buildings cause 38 percent of Rivermouth's emissions, most of it from gas heating in poorly insulated homes. The plan aims to deeply renovate 2,500 homes per year from 2026, so that by 2040 every home reaches at least energy label C.

The Renovation Desk, the city's one-stop shop for home renovation, opened in January 2025 in the Town Hall annex. Its 12 advisers give free, independent advice, visit homes, help residents choose contractors, check quotes and fill in subsidy applications. Advice is available in English, French, Dutch and German. The Renovation Desk costs EUR 7 million for 2025-2030 and is run by the Department of Housing.

## 4.2 Renovation subsidies

| Measure | Subsidy | Maximum per home |
| --- | --- | --- |
| Roof or loft insulation | EUR 25 per m2 | EUR 4,000 |
| Wall insulation | EUR 40 per m2 | EUR 8,000 |
| High-performance glazing | EUR 100 per m2 | EUR 3,000 |
| Air-to-water heat pump | EUR 5,000 per installation | EUR 5,000 |
| Ground-source heat pump | EUR 8,000 per installation | EUR 8,000 |
| Energy audit | free | - |

Low-income bonus: households with a taxable income below EUR 35,000 per year receive an extra 50 percent on top of every subsidy in the table.

Eligibility:

- owner-occupiers and landlords of homes in Rivermouth that are older than 15 years;
- landlords must commit not to raise the rent above indexation for three years after the works;
- the works must be carried out by a certified contractor and the application must be submitted before the works start;
- tenants cannot apply themselves, but the Renovation Desk can contact their landlord and tenants can ask for a free visit by an energy coach (see 5.3).

Subsidies are paid within 90 days after the final invoice has been submitted. The renovation subsidy programme has a budget of EUR 120 million for 2025-2030.

Indicator: number of homes deeply renovated per year (target 2,500 from 2026).
""",
    # 9
    """## 4.3 Heat pumps and district heating

Heat pumps are the standard solution for individual homes. In the dense parts of Harbour and Eastgate, a district heating network will supply heat from the port's industrial waste heat. The network will be 38 km long and connect 12,000 homes by 2032. It is built and run by the Rivermouth Heat Company, a municipal company, and costs EUR 64 million. Homes along the network are offered a free connection until 2030. Heat prices for connected homes are capped at the cost of heating with gas.

From 1 January 2026, new buildings in Rivermouth may no longer be connected to the gas grid.

## 4.4 Public and social buildings

The city leads by example. All 48 public schools will be renovated to near-zero energy standard by 2035, and all 120 municipal buildings will have a renovation plan by 2026. The programme for public buildings has a budget of EUR 180 million for 2025-2030 and is carried out by the Department of Property and Facilities.

Rivermouth Housing, the city's social housing company, will deeply renovate 6,000 social homes by 2032 at a cost of EUR 300 million. Tenants will not pay higher rents after renovation; their energy bills are expected to fall by at least 30 percent.

## 4.5 Listed and historic buildings

About 900 buildings in Old Town are listed. Owners of listed buildings can apply for the same subsidies as other owners. The heritage guidance published with this plan explains which measures are allowed without special permission, including interior wall insulation, secondary glazing behind historic windows and heat pumps placed out of sight from the street.
""",
    # 10
    """# 5 Energy

## 5.1 Solar power

Rivermouth has 14 MWp of solar panels today. The plan aims for 60 MWp by 2030. The city will equip all 85 suitable municipal roofs, including schools, sports halls and depots, with solar panels by 2027, adding 12 MWp. This costs EUR 15 million and is carried out by the Department of Property and Facilities.

Solar subsidy for residents:

- EUR 250 per kWp of installed solar panels, up to EUR 1,500 per home;
- plug-in balcony solar panels with a power of up to 800 W are allowed without a permit and receive a flat subsidy of EUR 200;
- in Old Town, solar panels are allowed on roof surfaces that are not visible from the street.

The solar subsidy has a budget of EUR 9 million for 2025-2030. Large car parks of more than 80 spaces, including the three new park-and-ride sites, will be covered with solar canopies.

## 5.2 Community energy

The Rivermouth Energy Cooperative was founded in 2024 by residents with the support of the city. Every resident of Rivermouth, including tenants, can become a member by buying shares of EUR 100 each, up to a maximum of 50 shares per member. The cooperative rents municipal roofs and will build two wind turbines of 4.2 MW each at the Port of Rivermouth by 2028. The city guarantees loans to the cooperative up to EUR 5 million.

Members of the cooperative can buy electricity at cost price. Part of the cooperative's profit goes to a solidarity fund that pays energy bills for households in energy poverty.

Indicator: installed solar power in MWp (target 60 MWp in 2030) and number of cooperative members (target 10,000 in 2030).
""",
]
