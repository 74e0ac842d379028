"""Demo catalogue: real festivals and venues of Tunisia's cultural calendar.

Pure data (plus a date helper) for `flask seed-demo`.
"""

import datetime

DEMO_ORGANIZER = {
    "email": "organizer@demo.tn",
    "username": "demo_organizer",
    "name": "Festivals de Tunisie",
}
DEMO_RESELLER = {
    "email": "reseller@demo.tn",
    "username": "demo_reseller",
    "name": "Billetterie Médina",
}

_IMG = "https://images.example.tn/{}.jpg"

DEMO_EVENTS = [
    # --- Festival International de Carthage (July-August) ---
    {
        "title": "Festival International de Carthage — Soirée d'ouverture",
        "description": (
            "The oldest summer festival in Tunisia opens under the stars of the Roman theatre. "
            "An orchestra of Tunisian musicians revisits the great songs of the national "
            "repertoire before a new creation premieres on the ancient stage."
        ),
        "month": 7,
        "day": 12,
        "hour": 22,
        "city": "Carthage",
        "location": "Théâtre Romain de Carthage, Carthage",
        "category": "festival",
        "price": "60.000",
        "currency_code": "TND",
        "number_of_tickets": 5000,
        "image": _IMG.format("carthage-ouverture"),
    },
    {
        "title": "Carthage 2: Nuit du Malouf et de la chanson tunisienne",
        "description": (
            "Une soirée consacrée au malouf et aux grandes voix de la chanson tunisienne, "
            "accompagnée par l'Orchestre de la Rachidia. Du répertoire andalou aux succès "
            "des années soixante, un hommage à la mémoire musicale du pays."
        ),
        "month": 7,
        "day": 20,
        "hour": 22,
        "city": "Carthage",
        "location": "Théâtre Romain de Carthage, Carthage",
        "category": "concert",
        "price": "50.000",
        "currency_code": "TND",
        "number_of_tickets": 4500,
        "image": _IMG.format("carthage-malouf"),
    },
    {
        "title": "Festival International de Carthage — Concert de clôture",
        "description": (
            "The festival closes with a headline concert bringing together Maghreb and "
            "Mediterranean stars. Expect a full house, fireworks over the Gulf of Tunis and "
            "a finale sung by the whole amphitheatre."
        ),
        "month": 8,
        "day": 16,
        "hour": 22,
        "city": "Carthage",
        "location": "Théâtre Romain de Carthage, Carthage",
        "category": "concert",
        "price": "80.000",
        "currency_code": "TND",
        "number_of_tickets": 5000,
        "image": _IMG.format("carthage-cloture"),
    },
    # --- Festival International de Hammamet ---
    {
        "title": "Festival International de Hammamet — Ouverture",
        "description": (
            "Le festival ouvre dans le théâtre de plein air dessiné au bord de la mer, dans les "
            "jardins de la villa Sébastien. Une création pluridisciplinaire mêle musique, "
            "danse et théâtre pour lancer l'été culturel du Cap Bon."
        ),
        "month": 7,
        "day": 8,
        "hour": 21,
        "city": "Hammamet",
        "location": "Théâtre de Plein Air du Centre Culturel International, Hammamet",
        "category": "festival",
        "price": "40.000",
        "currency_code": "TND",
        "number_of_tickets": 1000,
        "image": _IMG.format("hammamet-ouverture"),
    },
    {
        "title": "Hammamet: Création théâtrale au bord de la mer",
        "description": (
            "A new production by a Tunisian theatre company, premiered on the seaside stage of "
            "Dar Sébastien. Performed in Tunisian Arabic with French surtitles."
        ),
        "month": 7,
        "day": 22,
        "hour": 21,
        "city": "Hammamet",
        "location": "Théâtre de Plein Air du Centre Culturel International, Hammamet",
        "category": "theatre",
        "price": "30.000",
        "currency_code": "TND",
        "number_of_tickets": 900,
        "image": _IMG.format("hammamet-theatre"),
    },
    {
        "title": "Hammamet: Matinée des enfants au Dar Sébastien",
        "description": (
            "Marionnettes, contes et ateliers de dessin dans les jardins du Centre Culturel "
            "International. Un après-midi pensé pour les familles, avant les grandes soirées "
            "du festival."
        ),
        "month": 7,
        "day": 27,
        "hour": 17,
        "city": "Hammamet",
        "location": "Jardins du Dar Sébastien, Hammamet",
        "category": "family",
        "price": "10.000",
        "currency_code": "TND",
        "number_of_tickets": 400,
        "image": _IMG.format("hammamet-enfants"),
    },
    # --- Jazz à Carthage (spring) ---
    {
        "title": "Jazz à Carthage — Opening Night",
        "description": (
            "Tunisia's spring jazz festival opens with an international headliner and a "
            "young Tunisian quartet in support. Soul, fusion and Mediterranean grooves "
            "in the main hall of the Cité de la Culture."
        ),
        "month": 4,
        "day": 10,
        "hour": 20,
        "city": "Tunis",
        "location": "Théâtre de l'Opéra, Cité de la Culture, Tunis",
        "category": "concert",
        "price": "90.000",
        "currency_code": "TND",
        "number_of_tickets": 1800,
        "image": _IMG.format("jazz-a-carthage-opening"),
    },
    {
        "title": "Jazz à Carthage — Late Night Session",
        "description": (
            "An intimate after-hours set where oud meets saxophone. Local and visiting "
            "musicians improvise together until the early hours."
        ),
        "month": 4,
        "day": 13,
        "hour": 22,
        "city": "Carthage",
        "location": "Acropolium de Carthage, Carthage",
        "category": "concert",
        "price": "65.000",
        "currency_code": "TND",
        "number_of_tickets": 600,
        "image": _IMG.format("jazz-a-carthage-late-night"),
    },
    # --- Festival International du Sahara de Douz (December) ---
    {
        "title": "Festival du Sahara de Douz — Grand défilé d'ouverture",
        "description": (
            "Cavaliers, méharistes et troupes folkloriques défilent sur la place Hnich aux "
            "portes du désert. La plus ancienne fête saharienne du pays célèbre la culture "
            "des Mrazig et des nomades du Nefzaoua."
        ),
        "month": 12,
        "day": 26,
        "hour": 10,
        "city": "Douz",
        "location": "Place Hnich, Douz",
        "category": "festival",
        "price": "0.000",
        "currency_code": "TND",
        "number_of_tickets": 5000,
        "image": _IMG.format("douz-defile"),
    },
    {
        "title": "Douz: Nuit de la poésie bédouine",
        "description": (
            "Poets from across the south recite melhoun verse around the fire, accompanied "
            "by gasba flute and bendir. A night of oral heritage under the Saharan sky."
        ),
        "month": 12,
        "day": 27,
        "hour": 20,
        "city": "Douz",
        "location": "Maison de la Culture, Douz",
        "category": "heritage",
        "price": "15.000",
        "currency_code": "TND",
        "number_of_tickets": 500,
        "image": _IMG.format("douz-poesie"),
    },
    {
        "title": "Douz: Courses de méharis et jeux du désert",
        "description": (
            "Courses de dromadaires, chasse au lévrier sloughi et démonstrations de fantasia "
            "sur les dunes. Une journée idéale pour les familles."
        ),
        "month": 12,
        "day": 28,
        "hour": 14,
        "city": "Douz",
        "location": "Place Hnich, Douz",
        "category": "family",
        "price": "10.000",
        "currency_code": "TND",
        "number_of_tickets": 3000,
        "image": _IMG.format("douz-meharis"),
    },
    # --- Journées Cinématographiques de Carthage (autumn) ---
    {
        "title": "JCC — Cérémonie d'ouverture",
        "description": (
            "Les Journées Cinématographiques de Carthage, plus ancien festival de cinéma "
            "d'Afrique et du monde arabe, s'ouvrent avec un long métrage en avant-première. "
            "Tapis rouge sur la Cité de la Culture et hommage aux pionniers du cinéma tunisien."
        ),
        "month": 10,
        "day": 28,
        "hour": 19,
        "city": "Tunis",
        "location": "Théâtre de l'Opéra, Cité de la Culture, Tunis",
        "category": "cinema",
        "price": "20.000",
        "currency_code": "TND",
        "number_of_tickets": 1800,
        "image": _IMG.format("jcc-ouverture"),
    },
    {
        "title": "JCC: Compétition officielle des longs métrages",
        "description": (
            "A screening of the feature-film competition in the legendary cinema of "
            "Avenue Habib Bourguiba, followed by a Q&A with the director. Films compete "
            "for the Tanit d'Or."
        ),
        "month": 10,
        "day": 31,
        "hour": 18,
        "city": "Tunis",
        "location": "Cinéma Le Colisée, Tunis",
        "category": "cinema",
        "price": "7.000",
        "currency_code": "TND",
        "number_of_tickets": 1000,
        "image": _IMG.format("jcc-competition"),
    },
    {
        "title": "JCC: Courts métrages africains",
        "description": (
            "Une sélection de courts métrages venus de Dakar, Ouagadougou, Alger et Tunis. "
            "La séance est suivie d'une rencontre avec les jeunes réalisateurs."
        ),
        "month": 11,
        "day": 1,
        "hour": 16,
        "city": "Tunis",
        "location": "Cinéma Le Rio, Tunis",
        "category": "cinema",
        "price": "5.000",
        "currency_code": "TND",
        "number_of_tickets": 350,
        "image": _IMG.format("jcc-courts-metrages"),
    },
    {
        "title": "JCC dans les régions: Projection en plein air à Sousse",
        "description": (
            "The festival travels beyond the capital with a free open-air screening by "
            "the sea. Bring a cushion: the film is shown in Arabic with French subtitles."
        ),
        "month": 11,
        "day": 2,
        "hour": 19,
        "city": "Sousse",
        "location": "Esplanade de Boujaafar, Sousse",
        "category": "cinema",
        "price": "0.000",
        "currency_code": "TND",
        "number_of_tickets": 1500,
        "image": _IMG.format("jcc-sousse-plein-air"),
    },
    # --- Journées Théâtrales de Carthage ---
    {
        "title": "Journées Théâtrales de Carthage — Ouverture",
        "description": (
            "Les JTC réunissent les scènes arabes et africaines depuis 1983. La soirée "
            "d'ouverture présente une création tunisienne dans la salle Art nouveau du "
            "Théâtre Municipal."
        ),
        "month": 11,
        "day": 23,
        "hour": 19,
        "city": "Tunis",
        "location": "Théâtre Municipal de Tunis, Tunis",
        "category": "theatre",
        "price": "25.000",
        "currency_code": "TND",
        "number_of_tickets": 850,
        "image": _IMG.format("jtc-ouverture"),
    },
    {
        "title": "JTC: Scènes arabes et africaines au 4ème Art",
        "description": (
            "A double bill of contemporary plays from Egypt and Senegal in competition. "
            "A post-show discussion with the companies follows."
        ),
        "month": 11,
        "day": 26,
        "hour": 20,
        "city": "Tunis",
        "location": "Salle Le 4ème Art, Tunis",
        "category": "theatre",
        "price": "15.000",
        "currency_code": "TND",
        "number_of_tickets": 500,
        "image": _IMG.format("jtc-4eme-art"),
    },
    # --- Festival de la Médina de Tunis (Ramadan nights) ---
    {
        "title": "Festival de la Médina: Nuit soufie",
        "description": (
            "Pendant les nuits de Ramadan, la Médina de Tunis résonne de chants soufis. "
            "Une troupe de la Soulamia interprète les louanges traditionnelles après la "
            "rupture du jeûne."
        ),
        "month": 3,
        "day": 8,
        "hour": 22,
        "city": "Tunis",
        "location": "Club Culturel Tahar Haddad, Médina de Tunis, Tunis",
        "category": "concert",
        "price": "20.000",
        "currency_code": "TND",
        "number_of_tickets": 250,
        "image": _IMG.format("medina-nuit-soufie"),
    },
    {
        "title": "Festival de la Médina: Soirée Stambali",
        "description": (
            "The trance music of the Stambali brotherhood, with guembri and chkacheks, in a "
            "restored palace of the Médina. A rare Ramadan-night encounter with a living "
            "Tunisian tradition."
        ),
        "month": 3,
        "day": 14,
        "hour": 22,
        "city": "Tunis",
        "location": "Dar Bach Hamba, Médina de Tunis, Tunis",
        "category": "concert",
        "price": "25.000",
        "currency_code": "TND",
        "number_of_tickets": 200,
        "image": _IMG.format("medina-stambali"),
    },
    # --- Festival International de Tabarka ---
    {
        "title": "Tabarka Jazz Festival — Concert à la Basilique",
        "description": (
            "Le jazz revient à Tabarka, entre forêt de chênes-lièges et mer. Un trio "
            "européen et une chanteuse tunisienne se partagent la scène de la Basilique."
        ),
        "month": 7,
        "day": 3,
        "hour": 21,
        "city": "Tabarka",
        "location": "Basilique de Tabarka, Tabarka",
        "category": "concert",
        "price": "35.00",
        "currency_code": "EUR",
        "number_of_tickets": 700,
        "image": _IMG.format("tabarka-jazz-basilique"),
    },
    {
        "title": "Tabarka: Nuit des musiques du monde",
        "description": (
            "Gnawa, Latin rhythms and Balkan brass take over the seafront below the Genoese "
            "fort. The festival's world-music night runs until midnight."
        ),
        "month": 8,
        "day": 2,
        "hour": 21,
        "city": "Tabarka",
        "location": "Théâtre de la Mer, Tabarka",
        "category": "festival",
        "price": "30.000",
        "currency_code": "TND",
        "number_of_tickets": 1200,
        "image": _IMG.format("tabarka-world-music"),
    },
    # --- Festival International de Musique Symphonique d'El Jem ---
    {
        "title": "El Jem: Symphonie dans l'amphithéâtre",
        "description": (
            "L'Orchestre Symphonique Tunisien ouvre le festival dans l'amphithéâtre romain "
            "d'El Jem, classé au patrimoine mondial. Beethoven et Dvořák résonnent sous la "
            "voûte étoilée du Sahel."
        ),
        "month": 7,
        "day": 19,
        "hour": 21,
        "city": "El Jem",
        "location": "Amphithéâtre d'El Jem, El Jem",
        "category": "concert",
        "price": "45.000",
        "currency_code": "TND",
        "number_of_tickets": 3000,
        "image": _IMG.format("el-jem-symphonie"),
    },
    {
        "title": "El Jem: Les Quatre Saisons aux chandelles",
        "description": (
            "A visiting chamber orchestra performs Vivaldi's Four Seasons by candlelight in "
            "the third-century amphitheatre. One of the most atmospheric concerts of the "
            "Tunisian summer."
        ),
        "month": 8,
        "day": 9,
        "hour": 21,
        "city": "El Jem",
        "location": "Amphithéâtre d'El Jem, El Jem",
        "category": "concert",
        "price": "30.00",
        "currency_code": "EUR",
        "number_of_tickets": 2500,
        "image": _IMG.format("el-jem-quatre-saisons"),
    },
    # --- Festival International de Dougga ---
    {
        "title": "Festival de Dougga: Théâtre antique sous les étoiles",
        "description": (
            "Dans le théâtre romain de Thugga, l'un des mieux conservés d'Afrique, une troupe "
            "tunisienne revisite une tragédie antique. Arrivée conseillée au coucher du "
            "soleil pour profiter du site."
        ),
        "month": 7,
        "day": 15,
        "hour": 21,
        "city": "Dougga",
        "location": "Théâtre Romain de Dougga, Dougga",
        "category": "theatre",
        "price": "20.000",
        "currency_code": "TND",
        "number_of_tickets": 1500,
        "image": _IMG.format("dougga-theatre"),
    },
    {
        "title": "Dougga: Visite nocturne du site archéologique",
        "description": (
            "A guided night walk through the Capitol, the Temple of Caelestis and the "
            "Libyco-Punic mausoleum, lit for the festival. Sturdy shoes recommended."
        ),
        "month": 7,
        "day": 16,
        "hour": 20,
        "city": "Dougga",
        "location": "Site archéologique de Dougga, Dougga",
        "category": "heritage",
        "price": "12.000",
        "currency_code": "TND",
        "number_of_tickets": 150,
        "image": _IMG.format("dougga-visite-nocturne"),
    },
    # --- Festival International du Malouf de Testour ---
    {
        "title": "Festival du Malouf de Testour — Soirée andalouse",
        "description": (
            "Dans la ville fondée par les Morisques, les meilleures troupes de malouf de "
            "Tunisie, d'Algérie et de Libye se succèdent. Une soirée de noubas andalouses "
            "au cœur de Testour."
        ),
        "month": 6,
        "day": 21,
        "hour": 21,
        "city": "Testour",
        "location": "Place de la Grande Mosquée, Testour",
        "category": "concert",
        "price": "10.000",
        "currency_code": "TND",
        "number_of_tickets": 800,
        "image": _IMG.format("testour-malouf"),
    },
    # --- Festival des Ksour (Tataouine) ---
    {
        "title": "Festival International des Ksour Sahariens",
        "description": (
            "Tataouine celebrates its fortified granaries with Berber weddings, horse "
            "displays and traditional crafts. The main day unfolds among the vaulted "
            "ghorfas of Ksar Ouled Soltane."
        ),
        "month": 3,
        "day": 22,
        "hour": 10,
        "city": "Tataouine",
        "location": "Ksar Ouled Soltane, Tataouine",
        "category": "heritage",
        "price": "5.000",
        "currency_code": "TND",
        "number_of_tickets": 2000,
        "image": _IMG.format("tataouine-ksour"),
    },
    # --- Festival de l'Épervier (El Haouaria) ---
    {
        "title": "Festival de l'Épervier d'El Haouaria",
        "description": (
            "Au cap Bon, les fauconniers d'El Haouaria présentent leurs éperviers dressés "
            "selon une tradition séculaire. Démonstrations de vol, concours et animations "
            "pour petits et grands."
        ),
        "month": 6,
        "day": 14,
        "hour": 10,
        "city": "El Haouaria",
        "location": "Esplanade du Festival, El Haouaria",
        "category": "family",
        "price": "0.000",
        "currency_code": "TND",
        "number_of_tickets": 3000,
        "image": _IMG.format("el-haouaria-epervier"),
    },
    # --- Festival International des Oasis (Tozeur) ---
    {
        "title": "Festival International des Oasis de Tozeur",
        "description": (
            "Tozeur's oasis festival fills the town with parades, camel caravans and "
            "folk troupes from the Jérid. The evening programme features Saharan music "
            "and poetry."
        ),
        "month": 12,
        "day": 20,
        "hour": 16,
        "city": "Tozeur",
        "location": "Place Ibn Chabbat, Tozeur",
        "category": "festival",
        "price": "0.000",
        "currency_code": "TND",
        "number_of_tickets": 4000,
        "image": _IMG.format("tozeur-oasis"),
    },
    {
        "title": "Tozeur: Spectacle son et lumière à Chak Wak",
        "description": (
            "Un voyage son et lumière de la création du monde à la civilisation des oasis, "
            "dans le parc Chak Wak. Un spectacle familial à la tombée de la nuit."
        ),
        "month": 12,
        "day": 21,
        "hour": 19,
        "city": "Tozeur",
        "location": "Parc Chak Wak, Tozeur",
        "category": "family",
        "price": "15.000",
        "currency_code": "TND",
        "number_of_tickets": 400,
        "image": _IMG.format("tozeur-chak-wak"),
    },
    # --- Festival International de Sfax ---
    {
        "title": "Festival International de Sfax — Nuit méditerranéenne",
        "description": (
            "Sfax, capitale du Sud, accueille chanteurs tunisiens, italiens et grecs pour "
            "une nuit de chansons méditerranéennes. Une programmation estivale au bord "
            "du golfe de Gabès."
        ),
        "month": 8,
        "day": 5,
        "hour": 22,
        "city": "Sfax",
        "location": "Théâtre de Plein Air de Sidi Mansour, Sfax",
        "category": "festival",
        "price": "25.000",
        "currency_code": "TND",
        "number_of_tickets": 2500,
        "image": _IMG.format("sfax-nuit-mediterraneenne"),
    },
    {
        "title": "Sfax: Costumes et bijoux de la Médina à Dar Jallouli",
        "description": (
            "An exhibition of bridal costumes, silver jewellery and painted wood from old "
            "Sfaxian households. Housed in a seventeenth-century mansion of the Médina."
        ),
        "month": 5,
        "day": 10,
        "hour": 10,
        "city": "Sfax",
        "location": "Musée Dar Jallouli, Sfax",
        "category": "exhibition",
        "price": "5.000",
        "currency_code": "TND",
        "number_of_tickets": 300,
        "image": _IMG.format("sfax-dar-jallouli"),
    },
    # --- Kairouan ---
    {
        "title": "Kairouan: Nuits de la musique spirituelle",
        "description": (
            "Pour le Mouled, la ville sainte accueille des ensembles de musique soufie du "
            "Maghreb et d'Orient. Le concert se tient près des bassins des Aghlabides, "
            "chef-d'œuvre hydraulique du IXe siècle."
        ),
        "month": 9,
        "day": 4,
        "hour": 21,
        "city": "Kairouan",
        "location": "Bassins des Aghlabides, Kairouan",
        "category": "concert",
        "price": "15.000",
        "currency_code": "TND",
        "number_of_tickets": 1200,
        "image": _IMG.format("kairouan-musique-spirituelle"),
    },
    {
        "title": "Kairouan: Promenade patrimoniale dans la Médina",
        "description": (
            "A guided walk from the Great Mosque of Uqba to the Mausoleum of Sidi Sahbi, via "
            "carpet workshops and the Bir Barouta well. Includes a tasting of makroudh."
        ),
        "month": 9,
        "day": 5,
        "hour": 9,
        "city": "Kairouan",
        "location": "Grande Mosquée de Kairouan, Kairouan",
        "category": "heritage",
        "price": "20.000",
        "currency_code": "TND",
        "number_of_tickets": 100,
        "image": _IMG.format("kairouan-promenade"),
    },
    # --- Dream City ---
    {
        "title": "Dream City: Parcours d'art contemporain dans la Médina",
        "description": (
            "Le festival Dream City investit les palais, souks et impasses de la Médina de "
            "Tunis avec des créations d'artistes tunisiens et internationaux. Le parcours "
            "se fait à pied, en petits groupes guidés."
        ),
        "month": 10,
        "day": 3,
        "hour": 16,
        "city": "Tunis",
        "location": "Médina de Tunis, Tunis",
        "category": "exhibition",
        "price": "20.000",
        "currency_code": "TND",
        "number_of_tickets": 600,
        "image": _IMG.format("dream-city-parcours"),
    },
    {
        "title": "Dream City: Performance dansée à Dar Lasram",
        "description": (
            "A site-specific dance piece performed in the courtyard of an eighteenth-century "
            "palace. The choreography responds to the architecture and sounds of the Médina."
        ),
        "month": 10,
        "day": 5,
        "hour": 19,
        "city": "Tunis",
        "location": "Dar Lasram, Médina de Tunis, Tunis",
        "category": "dance",
        "price": "15.000",
        "currency_code": "TND",
        "number_of_tickets": 120,
        "image": _IMG.format("dream-city-dar-lasram"),
    },
    # --- Foire Internationale du Livre de Tunis ---
    {
        "title": "Foire Internationale du Livre de Tunis",
        "description": (
            "Publishers from across the Arab world, Africa and Europe gather at the Kram "
            "exhibition grounds. Author signings, debates and a country of honour each year."
        ),
        "month": 4,
        "day": 25,
        "hour": 10,
        "city": "Tunis",
        "location": "Parc des Expositions du Kram, Tunis",
        "category": "exhibition",
        "price": "2.000",
        "currency_code": "TND",
        "number_of_tickets": 5000,
        "image": _IMG.format("foire-livre-tunis"),
    },
    {
        "title": "Foire du Livre: Journée jeunesse",
        "description": (
            "Lectures de contes, ateliers d'illustration et rencontres avec des auteurs "
            "jeunesse tunisiens. L'entrée est gratuite pour les enfants et leurs parents."
        ),
        "month": 4,
        "day": 27,
        "hour": 10,
        "city": "Tunis",
        "location": "Parc des Expositions du Kram, Tunis",
        "category": "family",
        "price": "0.000",
        "currency_code": "TND",
        "number_of_tickets": 2000,
        "image": _IMG.format("foire-livre-jeunesse"),
    },
    # --- Musée du Bardo ---
    {
        "title": "Musée du Bardo: Mosaïques de l'Afrique romaine",
        "description": (
            "Une visite guidée des plus belles mosaïques du Bardo, dont le célèbre Virgile "
            "entouré des Muses. Le parcours traverse les salons du palais beylical."
        ),
        "month": 2,
        "day": 15,
        "hour": 10,
        "city": "Tunis",
        "location": "Musée National du Bardo, Tunis",
        "category": "exhibition",
        "price": "13.000",
        "currency_code": "TND",
        "number_of_tickets": 200,
        "image": _IMG.format("bardo-mosaiques"),
    },
    {
        "title": "Journée du Patrimoine au Musée du Bardo",
        "description": (
            "For the Mois du Patrimoine, the Bardo opens its doors free of charge with "
            "curator talks and children's mosaic workshops."
        ),
        "month": 5,
        "day": 18,
        "hour": 9,
        "city": "Tunis",
        "location": "Musée National du Bardo, Tunis",
        "category": "heritage",
        "price": "0.000",
        "currency_code": "TND",
        "number_of_tickets": 1500,
        "image": _IMG.format("bardo-journee-patrimoine"),
    },
    # --- Ennejma Ezzahra, Sidi Bou Said ---
    {
        "title": "Mûsîqât: Festival des musiques traditionnelles à Ennejma Ezzahra",
        "description": (
            "Dans le palais du baron d'Erlanger, le festival Mûsîqât accueille des musiciens "
            "de tradition orale venus de la Méditerranée et d'Asie. Un concert acoustique "
            "dans le grand salon aux plafonds sculptés."
        ),
        "month": 10,
        "day": 17,
        "hour": 20,
        "city": "Sidi Bou Said",
        "location": "Palais Ennejma Ezzahra, Sidi Bou Said",
        "category": "concert",
        "price": "30.000",
        "currency_code": "TND",
        "number_of_tickets": 300,
        "image": _IMG.format("musiqat-ennejma-ezzahra"),
    },
    {
        "title": "Ennejma Ezzahra: Instruments de musique arabe et méditerranéenne",
        "description": (
            "A guided tour of the Centre des Musiques Arabes et Méditerranéennes and its "
            "collection of historical instruments. Ends on the terrace overlooking the Gulf "
            "of Tunis."
        ),
        "month": 10,
        "day": 18,
        "hour": 11,
        "city": "Sidi Bou Said",
        "location": "Palais Ennejma Ezzahra, Sidi Bou Said",
        "category": "heritage",
        "price": "8.000",
        "currency_code": "TND",
        "number_of_tickets": 100,
        "image": _IMG.format("ennejma-ezzahra-instruments"),
    },
    # --- Carthage Dance Days ---
    {
        "title": "Journées Chorégraphiques de Carthage — Gala d'ouverture",
        "description": (
            "Carthage Dance Days open with companies from Tunisia, Africa and the Arab world. "
            "Contemporary dance, hip-hop and reinvented folk forms share the Opera stage."
        ),
        "month": 6,
        "day": 7,
        "hour": 20,
        "city": "Tunis",
        "location": "Théâtre de l'Opéra, Cité de la Culture, Tunis",
        "category": "dance",
        "price": "25.000",
        "currency_code": "TND",
        "number_of_tickets": 1800,
        "image": _IMG.format("carthage-dance-ouverture"),
    },
    {
        "title": "Carthage Dance Days: La danse dans la rue",
        "description": (
            "Des chorégraphes investissent l'avenue Habib Bourguiba pour des performances "
            "gratuites en plein air. Le public est invité à rejoindre la danse finale."
        ),
        "month": 6,
        "day": 9,
        "hour": 18,
        "city": "Tunis",
        "location": "Avenue Habib Bourguiba, Tunis",
        "category": "dance",
        "price": "0.000",
        "currency_code": "TND",
        "number_of_tickets": 5000,
        "image": _IMG.format("carthage-dance-rue"),
    },
    # --- Octobre Musical de Carthage ---
    {
        "title": "Octobre Musical de Carthage: Récital à l'Acropolium",
        "description": (
            "Chamber music in the former Saint-Louis cathedral on Byrsa hill. A piano and "
            "strings programme from Mozart to Anouar Brahem."
        ),
        "month": 10,
        "day": 11,
        "hour": 19,
        "city": "Carthage",
        "location": "Acropolium de Carthage, Carthage",
        "category": "concert",
        "price": "40.000",
        "currency_code": "TND",
        "number_of_tickets": 450,
        "image": _IMG.format("octobre-musical-acropolium"),
    },
    # --- Summer festivals on the coast ---
    {
        "title": "Festival International de Bizerte: Nuit au Fort d'Espagne",
        "description": (
            "Le Festival de Bizerte installe sa scène dans le fort d'Espagne qui domine le "
            "vieux port. Rap tunisien, rock et chanson engagée pour une soirée festive."
        ),
        "month": 7,
        "day": 25,
        "hour": 22,
        "city": "Bizerte",
        "location": "Fort d'Espagne, Bizerte",
        "category": "festival",
        "price": "20.000",
        "currency_code": "TND",
        "number_of_tickets": 2000,
        "image": _IMG.format("bizerte-fort-espagne"),
    },
    {
        "title": "Festival International de Sousse: Carnaval d'Awussu",
        "description": (
            "Sousse's summer carnival parades decorated floats and folk troupes along the "
            "corniche. A free, joyful night out for the whole family."
        ),
        "month": 7,
        "day": 24,
        "hour": 20,
        "city": "Sousse",
        "location": "Corniche de Boujaafar, Sousse",
        "category": "family",
        "price": "0.000",
        "currency_code": "TND",
        "number_of_tickets": 5000,
        "image": _IMG.format("sousse-awussu"),
    },
    {
        "title": "Festival International de Sousse: Soirée à Sidi Dhaher",
        "description": (
            "Une soirée de variétés tunisiennes et orientales au théâtre de plein air de "
            "Sidi Dhaher. Une des étapes phares de l'été dans le Sahel."
        ),
        "month": 8,
        "day": 1,
        "hour": 22,
        "city": "Sousse",
        "location": "Théâtre de Plein Air de Sidi Dhaher, Sousse",
        "category": "concert",
        "price": "35.000",
        "currency_code": "TND",
        "number_of_tickets": 3500,
        "image": _IMG.format("sousse-sidi-dhaher"),
    },
    {
        "title": "Festival International de Monastir: Concert au Ribat",
        "description": (
            "The eighth-century Ribat of Monastir becomes a stage for an evening of "
            "Tunisian song. Seats in the inner courtyard are limited."
        ),
        "month": 7,
        "day": 30,
        "hour": 22,
        "city": "Monastir",
        "location": "Ribat de Monastir, Monastir",
        "category": "concert",
        "price": "30.000",
        "currency_code": "TND",
        "number_of_tickets": 800,
        "image": _IMG.format("monastir-ribat"),
    },
    {
        "title": "Festival International de Nabeul: Théâtre de plein air",
        "description": (
            "Au cœur du cap Bon, Nabeul présente une comédie tunisienne à succès en plein "
            "air. La soirée est précédée d'un marché de potiers devant le théâtre."
        ),
        "month": 8,
        "day": 12,
        "hour": 22,
        "city": "Nabeul",
        "location": "Théâtre de Plein Air de Nabeul, Nabeul",
        "category": "theatre",
        "price": "20.000",
        "currency_code": "TND",
        "number_of_tickets": 2000,
        "image": _IMG.format("nabeul-theatre"),
    },
    {
        "title": "Nuits de Mahdia: Concert au Borj Erras",
        "description": (
            "At the tip of the peninsula, the Ottoman fort of Borj Erras hosts an evening "
            "of malouf and Mediterranean song. The sea breeze is included."
        ),
        "month": 8,
        "day": 8,
        "hour": 22,
        "city": "Mahdia",
        "location": "Borj Erras, Mahdia",
        "category": "concert",
        "price": "25.000",
        "currency_code": "TND",
        "number_of_tickets": 700,
        "image": _IMG.format("mahdia-borj-erras"),
    },
    {
        "title": "Festival d'Ulysse de Djerba: Spectacle au Borj El Kebir",
        "description": (
            "Djerba, the island of the Lotophagi, celebrates Ulysses with a show of music, "
            "dance and storytelling. The performance takes place in the fort of Houmt Souk."
        ),
        "month": 7,
        "day": 18,
        "hour": 21,
        "city": "Djerba",
        "location": "Borj El Kebir, Houmt Souk, Djerba",
        "category": "theatre",
        "price": "25.000",
        "currency_code": "TND",
        "number_of_tickets": 1000,
        "image": _IMG.format("djerba-ulysse"),
    },
    {
        "title": "Djerba: Traditions de l'île au Musée Guellala",
        "description": (
            "Une exposition sur les costumes, la poterie et les rites de mariage djerbiens, "
            "présentée au Musée du Patrimoine Traditionnel de Guellala. Ateliers de poterie "
            "pour les enfants le week-end."
        ),
        "month": 4,
        "day": 5,
        "hour": 10,
        "city": "Djerba",
        "location": "Musée de Guellala, Djerba",
        "category": "heritage",
        "price": "10.000",
        "currency_code": "TND",
        "number_of_tickets": 400,
        "image": _IMG.format("djerba-guellala"),
    },
]


def _occurrence(year, spec):
    """Datetime (UTC) of `spec` in `year`; 29 February falls back to the 28th in common years."""
    month, day = spec["month"], spec["day"]
    try:
        datetime.date(year, month, day)
    except ValueError:
        if (month, day) != (2, 29):
            raise
        day = 28
    return datetime.datetime(year, month, day, spec["hour"], tzinfo=datetime.UTC)


def demo_event_dates(today):
    """Yields (spec, datetime) for each demo event on its next occurrence after `today`.

    `today` is a date; each datetime is timezone-aware UTC (`datetime.UTC`, i.e.
    `datetime.timezone.utc`), in the current year if after `today`, else next year,
    so the catalogue is always upcoming.
    """
    for spec in DEMO_EVENTS:
        when = _occurrence(today.year, spec)
        if when.date() <= today:
            when = _occurrence(today.year + 1, spec)
        yield spec, when
