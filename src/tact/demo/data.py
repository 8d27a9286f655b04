"""Word lists for the demo portfolio: names, legal forms, trades, cities and streets per country.

Cities are real, with one of their real postal codes and their real telephone area code
(without the trunk 0). Postal codes are varied a little around the real one, as a city has
many; the format per country is what matters for a demo.
"""

from __future__ import annotations

# Word lists read better packed than one per line.
# fmt: off

# Belgium is split by language region: "BE-nl" (Flanders) and "BE-fr" (Wallonia, Brussels).
REGIONS = ("DE", "NL", "BE-nl", "BE-fr", "AT")

FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "DE": (
        "Anna", "Lukas", "Maria", "Jonas", "Sophie", "Leon", "Laura", "Felix", "Julia", "Paul",
        "Lena", "Maximilian", "Katharina", "Thomas", "Sabine", "Michael", "Petra", "Andreas",
        "Claudia", "Stefan", "Monika", "Jürgen", "Ursula", "Klaus", "Birgit", "Tobias", "Nina",
        "Florian", "Hannelore", "Dieter", "Karin", "Uwe", "Jana", "Moritz", "Greta", "Jörg",
    ),
    "AT": (
        "Johann", "Franz", "Josef", "Elisabeth", "Theresa", "Valentina", "Matthias", "Lorenz",
        "Hannah", "Magdalena", "Lukas", "Anna", "David", "Sarah", "Florian", "Katharina", "Stefan",
        "Christina", "Martin", "Sabine", "Gerhard", "Helga", "Markus", "Andrea", "Wolfgang",
        "Ingrid", "Simon", "Lea", "Tobias", "Veronika",
    ),
    "NL": (
        "Daan", "Sem", "Lucas", "Levi", "Finn", "Emma", "Julia", "Tess", "Sophie", "Anna", "Mila",
        "Sara", "Jan", "Pieter", "Willem", "Kees", "Marieke", "Annelies", "Joost", "Sanne", "Bram",
        "Lotte", "Ruben", "Femke", "Thijs", "Eva", "Gerrit", "Ineke", "Wim", "Henk", "Fleur",
        "Jeroen",
    ),
    "BE-nl": (
        "Lars", "Arne", "Wout", "Jef", "Lotte", "Ine", "Fien", "Elke", "Nele", "Pieter", "Bart",
        "Koen", "Tom", "Sofie", "Hanne", "Jens", "Kobe", "Marie", "Lien", "Stijn", "Griet", "Dirk",
        "Annemie", "Luc", "Jolien", "Wannes",
    ),
    "BE-fr": (
        "Louis", "Lucas", "Hugo", "Nathan", "Théo", "Camille", "Léa", "Chloé", "Manon", "Juliette",
        "Marc", "Philippe", "Isabelle", "Nathalie", "Pierre", "Julien", "Céline", "Sébastien",
        "Amélie", "Olivier", "Françoise", "Michel", "Martine", "Benoît", "Elise",
    ),
}

LAST_NAMES: dict[str, tuple[str, ...]] = {
    "DE": (
        "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
        "Schulz", "Hoffmann", "Koch", "Richter", "Bauer", "Klein", "Wolf", "Schröder", "Neumann",
        "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt",
        "Werner", "Krause", "Lehmann", "Köhler", "Jansen", "Vogel", "Friedrich", "Petersen",
        "Brandt", "Seidel", "Albrecht",
    ),
    "AT": (
        "Gruber", "Huber", "Bauer", "Wagner", "Müller", "Pichler", "Steiner", "Moser", "Mayer",
        "Hofer", "Leitner", "Berger", "Fuchs", "Eder", "Fischer", "Schmid", "Winkler", "Weber",
        "Schwarz", "Maier", "Schneider", "Reiter", "Mayr", "Brunner", "Lang", "Baumgartner",
        "Auer", "Binder", "Lechner", "Wimmer",
    ),
    "NL": (
        "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser",
        "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks",
        "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits", "de Graaf",
        "van der Meer", "Kok", "Jacobs", "van der Linden", "Vermeulen", "Postma",
    ),
    "BE-nl": (
        "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens",
        "Wouters", "De Smet", "Vermeulen", "Van den Broeck", "Pauwels", "De Clercq", "Hermans",
        "Aerts", "Van Damme", "Desmet", "Cools", "Verhoeven", "Segers", "Van Acker",
    ),
    "BE-fr": (
        "Dubois", "Lambert", "Dupont", "Martin", "Simon", "Laurent", "Leroy", "Lejeune", "Renard",
        "François", "Lefèvre", "Dumont", "Mercier", "Fontaine", "Denis", "Collard", "Lemaire",
        "Gérard", "Hubert", "Legrand", "Masson", "Delvaux",
    ),
}

# Legal forms with rough weights: the common ones first.
LEGAL_FORMS: dict[str, tuple[tuple[str, int], ...]] = {
    "DE": (
        ("GmbH", 60),
        ("GmbH & Co. KG", 15),
        ("KG", 8),
        ("e.K.", 7),
        ("AG", 4),
        ("UG (haftungsbeschränkt)", 6),
    ),
    "AT": (("GmbH", 60), ("KG", 10), ("OG", 10), ("e.U.", 15), ("GmbH & Co KG", 5)),
    "NL": (("B.V.", 80), ("V.O.F.", 15), ("N.V.", 5)),
    "BE-nl": (("BV", 70), ("NV", 20), ("VOF", 6), ("CommV", 4)),
    "BE-fr": (("SRL", 70), ("SA", 20), ("SNC", 6), ("SComm", 4)),
}

TRADES: dict[str, tuple[str, ...]] = {
    "DE": (
        "Metallbau", "Elektrotechnik", "Haustechnik", "Logistik", "Bau", "Holzbau", "Druckerei",
        "Gartenbau", "Werkzeugbau", "Dachdeckerei", "Bäckerei", "Autohaus", "Medizintechnik",
        "Gastronomie", "Möbelwerkstätten", "Textil", "Verpackung", "Kältetechnik", "Landtechnik",
        "IT-Service", "Sanitär", "Malerbetrieb", "Spedition", "Feinkost",
    ),
    "AT": (
        "Metallbau", "Elektrotechnik", "Installationen", "Transporte", "Bau", "Holzbau",
        "Druckerei", "Gartengestaltung", "Tischlerei", "Dachdeckerei", "Bäckerei", "Autohaus",
        "Gastronomie", "Sporthandel", "Kältetechnik", "IT-Dienstleistungen", "Malerei",
        "Hotelbedarf",
    ),
    "NL": (
        "Installatietechniek", "Bouw", "Transport", "Logistiek", "Metaalbewerking", "Elektro",
        "Groothandel", "Drukkerij", "Hoveniers", "Bakkerij", "Autobedrijf", "Schilders",
        "Techniek", "Verpakkingen", "Kantoorinrichting", "Horeca", "Koeltechniek",
    ),
    "BE-nl": (
        "Bouw", "Transport", "Elektro", "Schrijnwerkerij", "Bakkerij", "Drukkerij", "Dakwerken",
        "Tuinaanleg", "Garage", "Verwarming", "Techniek", "Groothandel", "Horeca",
    ),
    "BE-fr": (
        "Construction", "Transports", "Électricité", "Menuiserie", "Boulangerie", "Imprimerie",
        "Chauffage", "Garage", "Toitures", "Jardins", "Informatique", "Nettoyage",
    ),
}

# Brand stems and endings, for names like "Rheintec GmbH" or "Deltaform B.V.".
BRAND_STEMS: dict[str, tuple[str, ...]] = {
    "DE": (
        "Nord", "Süd", "Rhein", "Elb", "Spree", "Main", "Isar", "Weser", "Ostsee", "Harz", "Eifel",
        "Taunus",
    ),
    "AT": ("Alpen", "Donau", "Tauern", "Inn", "Mur", "Wienerwald", "Dachstein", "Salzach", "Enns"),
    "NL": ("Noord", "Zuid", "Delta", "Polder", "Maas", "Rijn", "IJssel", "Duin", "Kust", "Holland", "Veluwe"),
    "BE-nl": ("Schelde", "Kempen", "Leie", "Dijle", "Vlaams", "Demer", "Kust", "Haven"),
    "BE-fr": ("Meuse", "Ardenne", "Sambre", "Condroz", "Hesbaye", "Semois", "Wallonie"),
}
BRAND_ENDINGS = (
    "tec", "tronic", "plan", "form", "werk", "bau", "log", "med", "pro", "line", "trade",
    "systems",
)

CITIES: dict[str, tuple[tuple[str, str, str], ...]] = {
    # (city, postal code, telephone area code without the trunk 0)
    "DE": (
        ("Berlin", "10115", "30"),
        ("Hamburg", "20095", "40"),
        ("München", "80331", "89"),
        ("Köln", "50667", "221"),
        ("Frankfurt am Main", "60311", "69"),
        ("Stuttgart", "70173", "711"),
        ("Düsseldorf", "40210", "211"),
        ("Leipzig", "04109", "341"),
        ("Dortmund", "44135", "231"),
        ("Essen", "45127", "201"),
        ("Bremen", "28195", "421"),
        ("Dresden", "01067", "351"),
        ("Hannover", "30159", "511"),
        ("Nürnberg", "90402", "911"),
        ("Münster", "48143", "251"),
        ("Freiburg im Breisgau", "79098", "761"),
        ("Kiel", "24103", "431"),
        ("Augsburg", "86150", "821"),
        ("Bielefeld", "33602", "521"),
        ("Mainz", "55116", "6131"),
        ("Regensburg", "93047", "941"),
        ("Rostock", "18055", "381"),
        ("Kassel", "34117", "561"),
        ("Würzburg", "97070", "931"),
    ),
    "AT": (
        ("Wien", "1010", "1"),
        ("Graz", "8010", "316"),
        ("Linz", "4020", "732"),
        ("Salzburg", "5020", "662"),
        ("Innsbruck", "6020", "512"),
        ("Klagenfurt", "9020", "463"),
        ("Villach", "9500", "4242"),
        ("Wels", "4600", "7242"),
        ("St. Pölten", "3100", "2742"),
        ("Dornbirn", "6850", "5572"),
        ("Bregenz", "6900", "5574"),
        ("Leoben", "8700", "3842"),
    ),
    "NL": (
        ("Amsterdam", "1012", "20"),
        ("Rotterdam", "3011", "10"),
        ("Den Haag", "2511", "70"),
        ("Utrecht", "3511", "30"),
        ("Eindhoven", "5611", "40"),
        ("Groningen", "9711", "50"),
        ("Tilburg", "5038", "13"),
        ("Almere", "1315", "36"),
        ("Breda", "4811", "76"),
        ("Nijmegen", "6511", "24"),
        ("Arnhem", "6811", "26"),
        ("Haarlem", "2011", "23"),
        ("Zwolle", "8011", "38"),
        ("Maastricht", "6211", "43"),
        ("Leiden", "2311", "71"),
        ("Amersfoort", "3811", "33"),
    ),
    "BE-nl": (
        ("Antwerpen", "2000", "3"),
        ("Gent", "9000", "9"),
        ("Brugge", "8000", "50"),
        ("Leuven", "3000", "16"),
        ("Mechelen", "2800", "15"),
        ("Hasselt", "3500", "11"),
        ("Kortrijk", "8500", "56"),
        ("Aalst", "9300", "53"),
        ("Brussel", "1000", "2"),
    ),
    "BE-fr": (
        ("Liège", "4000", "4"),
        ("Namur", "5000", "81"),
        ("Charleroi", "6000", "71"),
        ("Mons", "7000", "65"),
        ("Tournai", "7500", "69"),
        ("Wavre", "1300", "10"),
        ("Bruxelles", "1000", "2"),
        ("Arlon", "6700", "63"),
    ),
}

STREETS: dict[str, tuple[str, ...]] = {
    "DE": (
        "Hauptstraße", "Bahnhofstraße", "Gartenweg", "Schillerstraße", "Goethestraße",
        "Lindenallee", "Industriestraße", "Am Markt", "Kirchstraße", "Mühlenweg", "Hafenstraße",
        "Rosenstraße", "Birkenweg", "Gewerbering", "Friedrichstraße", "Berliner Allee",
    ),
    "AT": (
        "Hauptstraße", "Bahnhofstraße", "Kirchengasse", "Schulgasse", "Mariahilfer Straße",
        "Landstraße", "Wiener Straße", "Grazer Straße", "Lindengasse", "Gewerbepark",
        "Industriezeile", "Dorfplatz",
    ),
    "NL": (
        "Kerkstraat", "Dorpsstraat", "Molenweg", "Stationsweg", "Schoolstraat", "Industrieweg",
        "Julianastraat", "Wilhelminastraat", "Beatrixlaan", "Kanaalweg", "Nieuwe Gracht",
        "Havenstraat", "Marktplein", "Lindelaan",
    ),
    "BE-nl": (
        "Kerkstraat", "Stationsstraat", "Molenstraat", "Nieuwstraat", "Dorpsstraat",
        "Schoolstraat", "Kapelstraat", "Industrielaan", "Grote Markt", "Meir",
    ),
    "BE-fr": (
        "Rue de la Station", "Rue de l'Église", "Rue du Moulin", "Chaussée de Namur",
        "Avenue Louise", "Rue Haute", "Place du Marché", "Rue des Écoles", "Boulevard d'Avroy",
    ),
}

# Domains for made-up consumer mailboxes; all under the reserved ".example" top-level domain
# (RFC 2606), so no demo message can ever reach a real person.
MAIL_PROVIDERS: dict[str, tuple[str, ...]] = {
    "DE": ("gmx.example", "web.example", "t-online.example", "posteo.example"),
    "AT": ("gmx.example", "aon.example", "chello.example"),
    "NL": ("ziggo.example", "kpnmail.example", "hotmail.example", "xs4all.example"),
    "BE-nl": ("telenet.example", "skynet.example", "proximus.example"),
    "BE-fr": ("skynet.example", "proximus.example", "voo.example"),
}

# Real banks per country with their national bank codes, for payer IBANs (schwifty checks them).
BANK_CODES: dict[str, tuple[str, ...]] = {
    "DE": ("37040044", "10070000", "20050550", "50010517", "70150000", "12030000", "43060967"),
    "AT": ("12000", "20111", "32000", "14000", "15000", "60000"),
    "NL": ("ABNA", "INGB", "RABO", "SNSB", "TRIO", "ASNB", "KNAB"),
    "BE": ("001", "068", "096", "363", "539", "737", "751"),
}
# National account number lengths (without the bank code) that IBAN.generate accepts.
ACCOUNT_DIGITS = {"DE": 10, "AT": 11, "NL": 10, "BE": 7}

# Mobile prefixes (after the country code) and the number of subscriber digits that follow.
MOBILE: dict[str, tuple[tuple[str, int], ...]] = {
    "DE": (
        ("151", 8),
        ("152", 8),
        ("157", 8),
        ("160", 7),
        ("170", 7),
        ("171", 7),
        ("172", 7),
        ("176", 8),
        ("179", 7),
    ),
    "AT": (("650", 7), ("660", 7), ("664", 7), ("676", 7), ("699", 8)),
    "NL": (("61", 7), ("62", 7), ("63", 7), ("64", 7), ("65", 7)),
    "BE": (("470", 6), ("471", 6), ("472", 6), ("475", 6), ("477", 6), ("484", 6), ("486", 6), ("495", 6)),
}
# Length of the national significant number of a landline (area code plus subscriber).
LANDLINE_NSN = {"DE": 10, "NL": 9, "BE": 8, "AT": 9}
