"""French comment fragments (same layout as phrases_en; written, not translated)."""

OPENERS = [
    "Bonjour,",
    "Merci pour cette consultation.",
    "Habitante de Rivermouth depuis 1987,",
    "En tant que maman de trois enfants,",
    "Je suis retraité et je me permets de donner mon avis.",
    "J'ai lu le projet de plan climat avec attention.",
    "Franchement, je suis partagé.",
    "Petit message d'un commerçant du centre.",
    "Je travaille de nuit à l'hôpital, donc voilà mon point de vue.",
    "Bonsoir,",
    "Quelques remarques rapides :",
    "Je suis étudiante et je vis en colocation.",
    "Ça fait longtemps qu'on attend ça.",
    "Je prends le temps d'écrire car c'est important.",
]

CLOSERS = [
    "Merci de prendre en compte nos avis.",
    "Cordialement.",
    "Bonne continuation.",
    "J'espère que ce ne sera pas encore un plan qui reste dans un tiroir.",
    "Merci d'avance.",
    "On compte sur vous.",
    "Je reste disponible pour en discuter.",
    "Bien à vous.",
    "Il faut agir maintenant, pas en 2040.",
]

BRIDGES = [
    "Mais il y a un hic.",
    "Par contre, quelque chose me dérange.",
    "Cela dit, j'ai des doutes.",
    "En revanche,",
]

THEMES = {
    "cycling": {
        "support": [
            "Je soutiens à fond les pistes cyclables séparées, enfin on peut rouler sans avoir peur.",
            "Il faut plus de parkings vélos sécurisés, on m'a volé mon vélo devant la gare.",
            "La piste le long du fleuve est top, il faudrait la prolonger jusqu'à {district}.",
            "Des pistes cyclables continues et protégées, c'est la seule façon de faire pédaler les enfants.",
            "Merci pour les nouveaux arceaux vélos, il en faut encore beaucoup plus.",
        ],
        "oppose": [
            "Les nouvelles pistes cyclables ont créé des bouchons monstres sur le boulevard.",
            "On dépense des fortunes pour des pistes vides la moitié de l'année.",
            "Supprimer des places de parking pour mettre des vélos, c'est tuer les petits commerces.",
            "Les cyclistes grillent les feux et roulent sur les trottoirs, pourquoi leur donner encore plus ?",
            "La piste de la rue du Port est mal conçue, personne ne l'utilise.",
        ],
        "neutral": [
            "Les pistes cyclables seront-elles déneigées en hiver ?",
            "Quand est-ce que le réseau vélo arrivera à {district} ?",
            "Est-ce qu'il y aura des places pour les vélos cargos ?",
            "Comment allez-vous empêcher les livreurs de se garer sur les pistes ?",
        ],
        "detail": [
            "Le carrefour près du vieux pont est très dangereux à vélo.",
            "Les enfants qui vont à l'école à vélo doivent partager la route avec des camions.",
            "Des box à vélos dans les rues résidentielles aideraient ceux qui vivent en appartement.",
            "Le vélo électrique plaît aussi beaucoup aux seniors.",
        ],
        "short": [
            ("support", "Plus de pistes cyclables svp !"),
            ("support", "Des parkings vélos à la gare, vite."),
            ("oppose", "Stop aux pistes cyclables partout."),
            ("neutral", "Pistes vélo déneigées en hiver ?"),
        ],
    },
    "public_transport": {
        "support": [
            "Des bus moins chers et je laisse ma voiture au garage demain.",
            "Le prolongement du tram vers Northfield, on l'attend depuis 15 ans, ne le retardez plus.",
            "La gratuité des transports pour les moins de 18 ans, c'est une excellente idée.",
            "Un bus toutes les 7 minutes, ça changerait la vie des gens sans voiture.",
            "Il faut des bus de nuit le week-end, pour la sécurité des jeunes.",
        ],
        "oppose": [
            "Les bus sont toujours en retard et bondés, alors non je ne lâcherai pas ma voiture.",
            "Des centaines de millions pour un tram alors que les bus ne marchent déjà pas, c'est du gaspillage.",
            "Le prix du ticket a encore augmenté cette année, c'est l'inverse d'une politique climat.",
            "Avec le nouvel horaire, ma ligne passe toutes les 30 minutes, c'est inutilisable.",
            "Les transports en commun à {district}, c'est une blague, et ce plan n'y change rien.",
        ],
        "neutral": [
            "Le prix de l'abonnement mensuel va-t-il changer avec le tram ?",
            "Les retraités auront-ils aussi un tarif réduit ?",
            "Comment la fréquence des bus sera-t-elle mesurée et publiée ?",
            "Que deviennent les lignes de bus pendant les travaux du tram ?",
        ],
        "detail": [
            "Le dernier bus du centre part beaucoup trop tôt.",
            "Je mets presque une heure avec deux bus pour aller au travail.",
            "Les écrans d'information aux arrêts affichent souvent n'importe quoi.",
            "Beaucoup d'arrêts n'ont ni abri ni banc pour les personnes âgées.",
        ],
        "short": [
            ("support", "Bus moins chers = moins de voitures."),
            ("oppose", "Les bus ne sont jamais à l'heure."),
            ("neutral", "Les tarifs vont encore augmenter ?"),
            ("support", "Transports gratuits pour les étudiants !"),
        ],
    },
    "renovation": {
        "support": [
            "La prime à l'isolation est super, on a isolé le toit l'an dernier et la facture a baissé.",
            "Les aides pour les pompes à chaleur devraient être plus élevées, mais c'est bien de les encourager.",
            "Un guichet unique pour la rénovation, c'est exactement ce qu'il manquait.",
            "Obligez les propriétaires bailleurs à isoler, les locataires gèlent dans des passoires thermiques.",
            "La rénovation des logements sociaux devrait être la priorité numéro un.",
        ],
        "oppose": [
            "Je ne peux pas me payer une pompe à chaleur, même avec la prime ça coûte plus de 10 000 euros.",
            "Ces obligations de rénovation vont faire exploser les loyers.",
            "Notre maison est classée, on n'a pas le droit de changer les fenêtres, vos objectifs sont irréalistes.",
            "Les pompes à chaleur sont bruyantes et marchent mal dans les vieilles maisons en pierre.",
            "Le dossier de prime est un cauchemar administratif, j'ai abandonné au bout de trois mois.",
        ],
        "neutral": [
            "La prime pompe à chaleur est-elle accessible en copropriété avec chauffage collectif ?",
            "Qui contrôle la qualité des travaux financés par la prime ?",
            "Les locataires peuvent-ils demander la prime isolation ?",
            "Combien de temps faut-il pour recevoir la prime ?",
        ],
        "detail": [
            "Notre facture de gaz a doublé en deux ans.",
            "Il n'y a pas assez d'artisans qualifiés, les délais sont énormes.",
            "Beaucoup de maisons à {district} datent d'avant 1960 et n'ont aucune isolation.",
            "Les propriétaires âgés ont la maison mais pas l'argent pour les travaux.",
        ],
        "short": [
            ("support", "Augmentez la prime pompe à chaleur !"),
            ("oppose", "Pompes à chaleur beaucoup trop chères."),
            ("neutral", "Primes isolation pour les locataires ?"),
        ],
    },
    "green_spaces": {
        "support": [
            "Plantez des arbres partout, en été les rues sont invivables.",
            "J'adore l'idée des mini-parcs, notre rue n'a pas un seul coin de verdure.",
            "Il faut débitumer les cours d'école et en faire des îlots de fraîcheur.",
            "Plus d'ombre et de fontaines dans les parcs, pour les personnes âgées pendant les canicules.",
            "Protégez les vieux platanes le long du canal, c'est l'âme de {district}.",
        ],
        "oppose": [
            "Les nouveaux arbres nous privent de lumière et les feuilles bouchent les gouttières.",
            "La ville a abattu des arbres sains pour un parking l'an dernier, alors je n'y crois pas.",
            "Les mini-parcs deviennent des lieux de deal le soir.",
            "De l'argent pour des massifs de fleurs alors que les routes sont pleines de nids-de-poule ? Non merci.",
        ],
        "neutral": [
            "Qui va arroser les jeunes arbres pendant les étés secs ?",
            "Y aura-t-il une carte des 25 000 arbres à planter ?",
            "Les habitants peuvent-ils adopter un pied d'arbre devant chez eux ?",
            "Des lieux rafraîchis sont-ils prévus pendant les canicules ?",
        ],
        "detail": [
            "En juillet dernier il faisait 38 degrés dans notre rue sans la moindre ombre.",
            "La place bétonnée près du marché devient un four en été.",
            "Les enfants ont besoin d'un espace vert à distance de marche.",
            "Des toitures végétalisées sur les abribus, ce serait sympa.",
        ],
        "short": [
            ("support", "Plus d'arbres, moins de béton."),
            ("support", "De l'ombre dans les aires de jeux svp."),
            ("oppose", "Réparez les routes avant les fleurs."),
        ],
    },
    "car_traffic": {
        "support": [
            "La zone de basses émissions est nécessaire, l'air sur le ring est irrespirable.",
            "Bien de réduire le stationnement, la rue doit être aux habitants et pas aux voitures.",
            "Rendez la Vieille Ville piétonne, ce serait tellement plus agréable.",
            "Le 30 km/h dans les quartiers résidentiels sauve des vies, il faut le généraliser.",
            "Mon fils est asthmatique, je suis donc totalement pour la ZBE.",
        ],
        "oppose": [
            "La ZBE punit les gens qui n'ont pas les moyens d'acheter une voiture neuve.",
            "J'ai besoin de ma voiture pour travailler et il n'y a aucune alternative depuis {district}.",
            "Supprimer des places de parking va tuer les commerces du centre.",
            "Les cartes de stationnement riverain deviennent hors de prix.",
            "La ZBE, c'est juste une machine à amendes pour les gens ordinaires.",
        ],
        "neutral": [
            "Y aura-t-il des dérogations à la ZBE pour les personnes handicapées ?",
            "Quelles voitures exactement seront interdites à partir de 2027 ?",
            "Combien coûtera la carte riverain l'année prochaine ?",
            "Des parkings relais sont-ils prévus avant l'entrée en vigueur de la ZBE ?",
        ],
        "detail": [
            "Notre diesel de 2012 roule parfaitement et on ne peut pas le remplacer.",
            "Le trafic de transit dans notre petite rue a doublé depuis les travaux.",
            "Les camionnettes de livraison stationnent en double file toute la journée.",
            "Chaque matin, les dépôts à l'école créent des embouteillages.",
        ],
        "short": [
            ("oppose", "Non à la ZBE !"),
            ("support", "Vieille Ville sans voitures, oui !"),
            ("neutral", "Dérogations ZBE pour les aidants ?"),
            ("oppose", "Arrêtez la guerre contre les automobilistes."),
        ],
    },
    "energy_poverty": {
        "support": [
            "Le fonds d'aide énergie est vital, beaucoup de mes voisins n'arrivent plus à se chauffer.",
            "Des audits énergétiques gratuits pour les ménages modestes, c'est une très bonne idée.",
            "Les mesures climat doivent protéger d'abord les plus pauvres, content que le plan le dise.",
            "Les coachs énergie ont aidé ma mère à réduire sa facture, continuez à les financer.",
        ],
        "oppose": [
            "Toutes ces mesures vertes rendent la vie encore plus chère pour ceux qui galèrent déjà.",
            "Je suis mère célibataire et je ne peux pas payer plus d'impôts pour votre plan climat.",
            "Le plan parle de solidarité mais le fonds d'aide est ridicule par rapport aux besoins.",
            "Personne à la mairie ne sait ce que c'est de choisir entre se chauffer et manger.",
        ],
        "neutral": [
            "Qui a droit au fonds d'aide énergie et comment faire la demande ?",
            "Y a-t-il une aide pour les compteurs à budget ?",
            "Combien de ménages sont en précarité énergétique à Rivermouth ?",
            "Le coach énergie peut-il venir à domicile ?",
        ],
        "detail": [
            "Notre facture d'énergie dépasse maintenant notre budget courses.",
            "L'hiver je ne chauffe qu'une seule pièce pour économiser.",
            "Les retraités de {district} ont vraiment du mal cet hiver.",
            "Les prix au supermarché et l'énergie ont augmenté en même temps.",
        ],
        "short": [
            ("neutral", "Comment demander l'aide énergie ?"),
            ("oppose", "La vie est déjà trop chère."),
            ("support", "Aidez d'abord les ménages pauvres."),
        ],
    },
    "solar_energy": {
        "support": [
            "Des panneaux solaires sur toutes les écoles et les bâtiments publics, les toits sont là, vides.",
            "J'aimerais beaucoup acheter des parts dans une coopérative d'énergie locale.",
            "La prime solaire nous a convaincus, on a posé 12 panneaux au printemps.",
            "Le solaire citoyen est la façon la plus juste de faire profiter aussi les locataires.",
            "Couvrez les grands parkings avec des ombrières solaires.",
        ],
        "oppose": [
            "Des panneaux sur les toits historiques de la Vieille Ville, ça gâcherait tout le charme.",
            "La prime solaire n'aide que ceux qui sont déjà propriétaires.",
            "Des éoliennes au port, ce serait moche et bruyant.",
            "Le réseau ne supporte déjà pas les panneaux actuels, on est coupés les jours de soleil.",
        ],
        "neutral": [
            "Les locataires peuvent-ils entrer dans la coopérative énergétique ?",
            "Quel est le montant de la prime solaire par kilowatt-crête ?",
            "Les panneaux solaires de balcon sont-ils autorisés ?",
            "À qui appartient l'électricité produite sur les toits communaux ?",
        ],
        "detail": [
            "Notre toit est plein sud et ensoleillé toute la journée.",
            "L'installateur dit que le raccordement au réseau prendra des mois.",
            "L'énergie des toits pourrait financer la maison de quartier.",
            "Les panneaux du voisin produisent plus qu'il ne consomme en été.",
        ],
        "short": [
            ("support", "Du solaire sur toutes les écoles !"),
            ("neutral", "Panneaux de balcon autorisés ?"),
            ("oppose", "Pas d'éoliennes au port."),
        ],
    },
    "waste": {
        "support": [
            "La collecte des déchets alimentaires est un vrai progrès, notre bac à compost est plein en une semaine.",
            "Il faut plus de poubelles de tri dans les rues, elles débordent tout le temps.",
            "Les repair cafés sont géniaux, j'y ai réparé mon grille-pain le mois dernier.",
            "Une consigne pour les canettes et bouteilles nettoierait les parcs.",
        ],
        "oppose": [
            "Une collecte toutes les deux semaines, c'est dégoûtant en été, ça pue.",
            "Payer au poids des déchets va juste multiplier les dépôts sauvages.",
            "Le parc à conteneurs d'Eastgate est trop loin pour les gens sans voiture.",
            "Trier dans six poubelles différentes, c'est impossible dans un petit appartement.",
        ],
        "neutral": [
            "Chaque ménage recevra-t-il un composteur gratuit ?",
            "Quand commence la collecte des biodéchets à {district} ?",
            "Que devient le plastique que nous trions, est-il vraiment recyclé ?",
            "Y a-t-il des points de collecte pour les vieux appareils électroniques ?",
        ],
        "detail": [
            "Les poubelles qui débordent attirent les rats et les mouettes près du port.",
            "Notre immeuble n'a pas de place pour des bacs supplémentaires.",
            "Beaucoup de meubles sont abandonnés sur le trottoir après les déménagements.",
            "Les étudiants jettent des objets en bon état en fin d'année.",
        ],
        "short": [
            ("support", "Des composteurs pour tous !"),
            ("oppose", "Collecte chaque semaine svp."),
            ("neutral", "Biodéchets collectés quand ?"),
        ],
    },
    "flooding": {
        "support": [
            "Rehausser les digues à Riverside est urgent, nous avons été inondés en 2021.",
            "Je soutiens le bassin de rétention, plutôt ça que revoir nos caves sous l'eau.",
            "Les jardins de pluie et la ville éponge, c'est malin et pas cher.",
            "Accélérez les travaux de protection contre les crues, chaque automne on a peur.",
        ],
        "oppose": [
            "Le nouveau mur anti-crue va cacher le fleuve et couper la ville en deux.",
            "Construire un bassin de rétention sur les prairies de Hillcrest détruit un superbe espace vert.",
            "Des millions pour les digues alors que les avaloirs de notre rue sont bouchés toute l'année.",
            "Le plan inondation ignore les nouveaux lotissements construits en zone inondable.",
        ],
        "neutral": [
            "Les propriétaires auront-ils une aide pour protéger leur maison des inondations ?",
            "Quand commencent les travaux sur les digues ?",
            "Existe-t-il un système d'alerte précoce en cas de crue ?",
            "Qui est responsable du curage des avaloirs ?",
        ],
        "detail": [
            "Notre rue à {district} a été inondée deux fois en trois ans.",
            "Notre prime d'assurance habitation a triplé après la dernière crue.",
            "Lors des gros orages, les égouts débordent en quelques minutes.",
            "Le chemin de halage est fermé chaque hiver à cause des hautes eaux.",
        ],
        "short": [
            ("support", "Protégez Riverside des crues !"),
            ("neutral", "Alerte crue par SMS ?"),
            ("oppose", "Pas de mur sur les quais."),
        ],
    },
    "youth_participation": {
        "support": [
            "Les jeunes doivent avoir leur mot à dire, le conseil climat des jeunes est une super idée.",
            "Les rues scolaires fermées aux voitures aux heures d'entrée, c'est génial, notre école en a une.",
            "Des cours sur le climat dans toutes les écoles svp, on n'apprend rien là-dessus.",
            "L'assemblée citoyenne tirée au sort est une bonne façon d'inclure tout le monde.",
            "Laissez les jeunes de 16 ans voter sur le budget participatif !",
        ],
        "oppose": [
            "Ces consultations, c'est du cinéma, tout est déjà décidé.",
            "Personne n'a demandé l'avis des ados, les réunions ont lieu pendant les cours.",
            "Une assemblée tirée au sort n'a aucune légitimité démocratique.",
            "Le questionnaire en ligne est trop compliqué pour les personnes âgées.",
        ],
        "neutral": [
            "Comment les jeunes peuvent-ils participer à l'assemblée climat ?",
            "Les résultats de cette consultation seront-ils publiés ?",
            "Existe-t-il un budget pour les projets climat des écoles ?",
            "Comment sont choisis les membres de l'assemblée citoyenne ?",
        ],
        "detail": [
            "On a fait une grève pour le climat au lycée et la mairie n'a jamais répondu à notre lettre.",
            "La cour de notre école donne sur une route très fréquentée.",
            "Les réunions devraient aussi avoir lieu le soir et en ligne.",
            "Beaucoup de jeunes à {district} ont l'impression que personne ne les écoute.",
        ],
        "short": [
            ("support", "Écoutez les jeunes !"),
            ("oppose", "Cette consultation ne sert à rien."),
            ("neutral", "Les moins de 18 ans dans l'assemblée ?"),
        ],
    },
}

HANDWRITTEN = [
    ("cycling", "mixed", "Je vais au boulot à vélo tous les jours depuis Hillcrest. La nouvelle piste sur le pont est géniale mais elle s'arrête net au rond-point et on se retrouve au milieu des bus. Finissez ce que vous commencez !!"),
    ("public_transport", "oppose", "le bus 14 a été supprimé 3 fois cette semaine. TROIS FOIS. et vous voulez que je laisse ma voiture ? commencez par les bases"),
    ("renovation", "support", "Nous sommes un couple de retraités. Grâce à la prime isolation et au guichet rénovation nous avons enfin refait la toiture et les chassis. Pour la première fois en 30 ans la maison est chaude. Continuez, et simplifiez les formulaires pour ceux qui ne sont pas à l'aise avec internet."),
    ("car_traffic", "oppose", "Je suis plombier. Ma camionette a 9 ans et marche très bien. Si la ZBE l'interdit je perds mon activité. Personne n'a pensé aux artisans en écrivant ça."),
    ("energy_poverty", "mixed", "Très joli plan sur le papier. Pendant ce temps ma facture de chauffage est à 180 euros par mois et ma pension n'a pas bougé. Je suis pour le climat mais pas si ce sont les pauvres qui paient."),
    ("green_spaces", "support", "des arbres des arbres des arbres. zéro arbre dans notre rue. l'été c'est un four"),
    ("flooding", "neutral", "Nous avons acheté à Riverside en 2019 et personne ne nous a parlé du risque d'inondation. La ville va-t-elle publier des cartes des zones inondables rue par rue ? Et qu'est-ce que ça change pour l'assurance ?"),
    ("youth_participation", "support", "jai 16 ans et ce sujet me tient vraiment a coeur. mettez des jeunes dans l'assemblée climat svp, c notre avenir"),
    ("solar_energy", "support", "Pourquoi toujours pas de panneaux solaires sur la salle de sport de Northfield ? Un toit plat immense, plein soleil. C'est facile pourtant."),
    ("waste", "oppose", "les nouveaux bacs sont trop petits pour une famille de cinq et on a changé le jour de collecte sans prévenir. la rue ressemble à une décharge"),
    ("car_traffic", "mixed", "Pour la ZBE je comprends l'objectif, l'air est pollué. Mais sans parking relais ni bus fiables depuis Northfield, c'est mettre la charrue avant les boeufs. Reportez d'un an et faites les bus d'abord."),
    ("public_transport", "support", "Le tram jusqu'à Northfield, oui oui oui. Je fais 50 minutes de bus chaque matin, avec le tram ce serait 20. Vivement 2029."),
    ("green_spaces", "neutral", "Est-ce que les 25 000 arbres seront des arbres adultes ou des petits plants ? Parce que les petits meurent tous au premier été sec, on l'a vu rue des Écoles."),
    ("energy_poverty", "oppose", "on nous parle de pompes à chaleur et de voitures électriques alors que la moitié du quartier ne boucle pas les fins de mois. déconnectés."),
    ("cycling", "support", "Vélo cargo + deux enfants = plus besoin de deuxième voiture. Il nous faut juste un endroit pour le garer, il ne rentre pas dans le couloir de notre maison de ville."),
]
